/* test_iterator.c: shard iterators (streams/iterator.c): one written is read
 * back with the same key; one altered in any byte, signed with another key
 * or the old public checksum, or carrying a field out of range (an issue
 * time before the epoch or in the future, a shard or position that does not
 * fit) is refused. Links ddbstreamsrv, where the iterators live. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "check.h"
#include "streams/iterator.h"

#define ARN  "arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/2024-01-01T00:00:00.000"
#define NOW  INT64_C(1700000000000)
#define SKEW SAPI_ITERATOR_SKEW_MS

static const uint8_t key[SAPI_ITERATOR_KEY_LEN] = "0123456789abcdef0123456789abcdef";
static const uint8_t other[SAPI_ITERATOR_KEY_LEN] = "0123456789abcdef0123456789abcdeF";

/* The iterator sapi_iterator_put writes, without its JSON quotes, in out. */
static size_t issue(char *out, size_t cap, uint32_t shard, uint64_t pos, int64_t issued) {
    buf_t b;
    buf_init(&b);
    sapi_iterator_put(&b, key, ARN, strlen(ARN), shard, pos, issued);
    size_t n = b.len - 2;
    CHECK(b.data[0] == '"' && b.data[b.len - 1] == '"' && n < cap);
    memcpy(out, b.data + 1, n);
    out[n] = '\0';
    buf_free(&b);
    return n;
}

/* `fields` (ARN|shard|pos|issued) signed with k as the format does: the
 * HMAC-SHA256 of the domain string and the fields, in hex. */
static size_t sign(char *out, size_t cap, const uint8_t *k, const char *fields) {
    char msg[512];
    int ml = snprintf(msg, sizeof msg, "ddb shard iterator v2\n%s", fields);
    uint8_t mac[32];
    unsigned int n = 0;
    HMAC(EVP_sha256(), k, SAPI_ITERATOR_KEY_LEN, (const unsigned char *)msg, (size_t)ml, mac, &n);
    int len = snprintf(out, cap, "%s|", fields);
    for (unsigned i = 0; i < n; i++)
        len += snprintf(out + len, cap - (size_t)len, "%02x", mac[i]);
    return (size_t)len;
}

static bool accepts(const char *s, size_t n, int64_t now, sapi_iterator_t *it) {
    return sapi_iterator_parse(s, n, key, now, it);
}

static void test_roundtrip(void) {
    char s[1024];
    size_t n = issue(s, sizeof s, 0x1234abcd, UINT64_C(18446744073709551615), NOW);
    sapi_iterator_t it;
    CHECK(accepts(s, n, NOW, &it));
    CHECK(it.arn_len == strlen(ARN) && memcmp(it.arn, ARN, it.arn_len) == 0);
    CHECK(it.shard == 0x1234abcd);
    CHECK(it.pos == UINT64_C(18446744073709551615));
    CHECK(it.issued_ms == NOW);
    /* read back later (expiry is the caller's), and a little before its
     * issue time (clocks step) */
    CHECK(accepts(s, n, NOW + INT64_C(86400000) * 365, &it));
    CHECK(accepts(s, n, NOW - SKEW, &it));
    /* the same text under another key is not ours */
    CHECK(!sapi_iterator_parse(s, n, other, NOW, &it));
    /* the signature the test computes is the format's */
    char t[1024];
    size_t tn = sign(t, sizeof t, key, ARN "|1234abcd|18446744073709551615|1700000000000");
    CHECK(tn == n && memcmp(s, t, n) == 0);
}

static void test_tampering(void) {
    char s[1024];
    size_t n = issue(s, sizeof s, 3, 42, NOW);
    sapi_iterator_t it;
    for (size_t i = 0; i < n; i++) {
        for (int bit = 0; bit < 8; bit++) {
            s[i] ^= (char)(1 << bit);
            CHECK(!accepts(s, n, NOW, &it));
            s[i] ^= (char)(1 << bit);
        }
    }
    CHECK(accepts(s, n, NOW, &it));
    for (size_t len = 0; len < n; len++)
        CHECK(!accepts(s, len, NOW, &it));
    char longer[1100];
    memcpy(longer, s, n);
    longer[n] = '0';
    CHECK(!accepts(longer, n + 1, NOW, &it));
}

/* Iterators signed with the right key whose fields are out of range or not
 * in the format: the signature is not the only check. */
static void test_field_ranges(void) {
    static const struct {
        const char *fields;
        bool ok;
    } cases[] = {
        {ARN "|0|0|0", true},                                 /* the epoch */
        {ARN "|ffffffff|1|1700000000000", true},              /* the largest shard index */
        {ARN "|1|1|1700000060000", true},                     /* in the future within the skew */
        {ARN "|1|1|1700000060001", false},                    /* beyond it */
        {ARN "|1|1|9223372036854775807", false},              /* far in the future */
        {ARN "|1|1|-9223372036854775808", false},             /* INT64_MIN */
        {ARN "|1|1|-1", false},                               /* before the epoch */
        {ARN "|1|1|9223372036854775808", false},              /* past INT64_MAX */
        {ARN "|100000000|1|1700000000000", false},            /* a shard index past 32 bits */
        {ARN "|1|18446744073709551616|1700000000000", false}, /* a position past 64 bits */
        {ARN "|-1|1|1700000000000", false},
        {ARN "|A|1|1700000000000", false}, /* hex is lower case */
        {ARN "| 1|1|1700000000000", false},
        {ARN "|1|+1|1700000000000", false},
        {ARN "|1|1|1700000000000 ", false},
        {ARN "||1|1700000000000", false},
        {ARN "|1||1700000000000", false},
        {ARN "|1|1|", false},
        {"|1|1|1700000000000", false}, /* no ARN */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char s[1024];
        size_t n = sign(s, sizeof s, key, cases[i].fields);
        sapi_iterator_t it;
        bool got = accepts(s, n, NOW, &it);
        if (got != cases[i].ok) fprintf(stderr, "case %zu: %s\n", i, cases[i].fields);
        CHECK(got == cases[i].ok);
    }
    /* a clock at the end of time does not overflow the skew */
    char s[1024];
    size_t n = sign(s, sizeof s, key, ARN "|1|1|9223372036854775807");
    sapi_iterator_t it;
    CHECK(accepts(s, n, INT64_MAX, &it));
    CHECK(accepts(s, n, INT64_MAX - SKEW, &it));
    CHECK(!accepts(s, n, INT64_MAX - SKEW - 1, &it));
}

int main(void) {
    test_roundtrip();
    test_tampering();
    test_field_ranges();
    return check_summary();
}
