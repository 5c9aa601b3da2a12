/* fuzz_dds_records.c: libFuzzer target of libddbstreams' GetRecords parser
 * (dds__parse_records, streams/dds_record.c) and the accessors over what it
 * accepts. Any bytes are either refused with DDS_ESERVICE and a message, or
 * become a batch whose records keep the parser's promises: NUL-terminated
 * texts of the stated lengths, decimal sequence numbers, a known event, and
 * values that can be walked to the bottom. Aborts (a crash) on a violation. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "streams/dds_int.h"

#define REQUIRE(c)                                                                                 \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "fuzz_dds_records: %s:%d: %s\n", __FILE__, __LINE__, #c);              \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static size_t walk(const dds_value *v, int depth) {
    REQUIRE(depth < 200);
    dds_type t = dds_value_type(v);
    REQUIRE(t >= DDS_S && t <= DDS_NULL);
    size_t len, n = dds_value_len(v), seen = 1;
    const char *bytes = dds_value_bytes(v, &len);
    REQUIRE((bytes != NULL) == (t == DDS_S || t == DDS_N || t == DDS_B));
    if (bytes) REQUIRE(bytes[len] == '\0');
    for (size_t i = 0; i < n; i++) {
        const dds_value *e = dds_value_at(v, i);
        REQUIRE(e);
        if (t == DDS_M) {
            const char *name = dds_value_name_at(v, i, &len);
            REQUIRE(name && name[len] == '\0');
        }
        seen += walk(e, depth + 1);
    }
    REQUIRE(dds_value_at(v, n) == NULL);
    return seen;
}

static void check_text(const char *text, size_t len) {
    if (!text) return;
    REQUIRE(strlen(text) == len); /* validated JSON text holds no raw NUL */
}

static void check_record(const dds_record *r) {
    size_t len;
    const char *seq = dds_record_seq(r);
    REQUIRE(seq && *seq && strlen(seq) < DDS__SEQ_MAX);
    for (const char *p = seq; *p; p++)
        REQUIRE(*p >= '0' && *p <= '9');
    dds_event e = dds_record_event(r);
    REQUIRE(e == DDS_INSERT || e == DDS_MODIFY || e == DDS_REMOVE);
    REQUIRE(strlen(dds_record_event_name(r)) == 6);
    REQUIRE(dds_record_event_id(r) && dds_record_view(r));
    REQUIRE(strcmp(dds_record_shard_id(r), "shardId-1") == 0);
    const char *json = dds_record_json(r, &len);
    REQUIRE(json && json[0] == '{');
    check_text(json, len);
    check_text(dds_record_keys_json(r, &len), len);
    check_text(dds_record_new_json(r, &len), len);
    check_text(dds_record_old_json(r, &len), len);
    const dds_value *v[3] = {dds_record_keys(r), dds_record_new(r), dds_record_old(r)};
    for (int k = 0; k < 3; k++) {
        if (!v[k]) continue;
        REQUIRE(dds_value_type(v[k]) == DDS_M);
        walk(v[k], 0);
    }
    REQUIRE(dds_record_keys(r) == v[0]); /* built once */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* a copy of exactly size bytes, so reading past the end is a sanitizer report */
    char *body = malloc(size ? size : 1);
    if (size) memcpy(body, data, size);
    dds_batch *b;
    char *next;
    dds_error err;
    int rc = dds__parse_records(body, size, "shardId-1", &b, &next, &err);
    if (rc) {
        REQUIRE(rc == DDS_ESERVICE && b == NULL && next == NULL && err.message[0]);
        free(body);
        return 0;
    }
    free(body); /* the batch owns copies of all it needs */
    REQUIRE(b && dds_batch_shard_end(b) == (next == NULL));
    for (size_t i = 0; i < dds_batch_len(b); i++)
        check_record(dds_batch_at(b, i));
    REQUIRE(dds_batch_at(b, dds_batch_len(b)) == NULL);
    free(next);
    dds_batch_free(b);
    return 0;
}
