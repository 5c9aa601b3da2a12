/* wire.c: stream labels, ARNs, shard ids, sequence numbers and event ids
 * (see wire.h). Pure: formats and parses text, never touches storage. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <xxhash.h>

#include "query/arn.h"
#include "streams/wire.h"

static const char *const sw__view_names[] = {NULL, "KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE",
                                             "NEW_AND_OLD_IMAGES"};
static const char *const sw__event_names[] = {NULL, "INSERT", "MODIFY", "REMOVE"};

const char *sw_view_name(sw_view_t v) {
    return v >= SW_VIEW_KEYS_ONLY && v <= SW_VIEW_NEW_AND_OLD_IMAGES ? sw__view_names[v]
                                                                     : "KEYS_ONLY";
}

/* Index of s in names[1..n], 0 when absent. */
static int sw__lookup(const char *const *names, int n, const char *s, size_t len) {
    for (int i = 1; i <= n; i++) {
        if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0) return i;
    }
    return 0;
}

sw_view_t sw_view_parse(const char *s, size_t len) {
    return (sw_view_t)sw__lookup(sw__view_names, SW_VIEW_NEW_AND_OLD_IMAGES, s, len);
}

const char *sw_event_name(sw_event_t e) {
    return sw__event_names[e >= SW_EV_INSERT && e <= SW_EV_REMOVE ? e : SW_EV_INSERT];
}

sw_event_t sw_event_parse(const char *s, size_t len) {
    return (sw_event_t)sw__lookup(sw__event_names, SW_EV_REMOVE, s, len);
}

void sw_stream_label(char out[SW_LABEL_SIZE], int64_t created_ms) {
    time_t secs = (time_t)(created_ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    size_t n = strftime(out, SW_LABEL_SIZE, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, SW_LABEL_SIZE - n, ".%03d", (int)(created_ms % 1000));
}

void sw_put_stream_arn(buf_t *b, const char *region, const char *account, const char *table,
                       size_t table_len, int64_t created_ms) {
    char label[SW_LABEL_SIZE];
    sw_stream_label(label, created_ms);
    ddb_arn_put_stream(b, region, account, table, table_len, label);
}

void sw_shard_id(char out[SW_SHARD_ID_LEN + 1], int64_t created_ms, uint32_t index) {
    snprintf(out, SW_SHARD_ID_LEN + 1, "shardId-%020" PRId64 "-%08x", created_ms, index);
}

/* Value of one hex digit, -1 for any other byte. */
static int sw__hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool sw_shard_id_parse(const char *s, size_t len, int64_t *created_ms, uint32_t *index) {
    if (len != SW_SHARD_ID_LEN || memcmp(s, "shardId-", 8) != 0 || s[28] != '-') return false;
    uint64_t c = 0;
    for (int i = 8; i < 28; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        if (c > ((uint64_t)INT64_MAX - (uint64_t)(s[i] - '0')) / 10) return false;
        c = c * 10 + (uint64_t)(s[i] - '0');
    }
    uint32_t x = 0;
    for (int i = 29; i < 37; i++) {
        int d = sw__hex(s[i]);
        if (d < 0) return false;
        x = x << 4 | (uint32_t)d;
    }
    *created_ms = (int64_t)c;
    *index = x;
    return true;
}

size_t sw_seq_format(char out[SW_SEQ_MAX + 1], uint64_t seq) {
    return (size_t)snprintf(out, SW_SEQ_MAX + 1, "%021" PRIu64, seq);
}

void sw_put_seq(buf_t *b, uint64_t seq) {
    char s[SW_SEQ_MAX + 1];
    size_t n = sw_seq_format(s, seq);
    buf_putc(b, '"');
    buf_put(b, s, n);
    buf_putc(b, '"');
}

bool sw_seq_parse(const char *s, size_t len, uint64_t *seq) {
    if (len < 1 || len > SW_SEQ_MAX) return false;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        /* conservative bound, as ddbd has always checked: the last digit is not looked at */
        if (v > (UINT64_MAX - 9) / 10) return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *seq = v;
    return true;
}

void sw_event_id(char out[SW_EVENT_ID_LEN + 1], uint32_t stream, uint64_t seq) {
    /* little-endian (stream, seq): the hash input of every eventID ddbd has written */
    uint8_t k[12];
    for (int i = 0; i < 4; i++)
        k[i] = (uint8_t)(stream >> (8 * i));
    for (int i = 0; i < 8; i++)
        k[4 + i] = (uint8_t)(seq >> (8 * i));
    XXH128_hash_t h = XXH3_128bits(k, sizeof k);
    snprintf(out, SW_EVENT_ID_LEN + 1, "%016" PRIx64 "%016" PRIx64, h.high64, h.low64);
}
