/* fuzz_number.c: libFuzzer target of the exact decimal numbers (query/number.h).
 *
 * The input is two number texts separated by the first '\n' (one text: it is
 * both). Asserts what storage and UpdateItem rely on: parse -> format ->
 * parse is the same value and the format is canonical (a fixpoint); the key
 * encoding round-trips and sorts as ddb_num_cmp does; comparison is
 * antisymmetric; exact addition and subtraction invert each other. Also
 * feeds the raw bytes to the key decoder. Aborts (a crash) on a violation. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query/number.h"

#define REQUIRE(c)                                                                                 \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "fuzz_number: %s:%d: %s\n", __FILE__, __LINE__, #c);                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static int sign(int x) {
    return (x > 0) - (x < 0);
}

/* memcmp order of two byte strings, a proper prefix first. */
static int cmp_bytes(const uint8_t *a, size_t al, const uint8_t *b, size_t bl) {
    int c = memcmp(a, b, al < bl ? al : bl);
    if (c) return sign(c);
    return (al > bl) - (al < bl);
}

/* A parsed number keeps its value through format and parse, formats the
 * same text again, and its key encoding decodes to it. */
static void check_one(const ddb_num_t *n) {
    char t1[DDB_NUM_MAX_TEXT], t2[DDB_NUM_MAX_TEXT];
    size_t l1 = ddb_num_format(n, t1, sizeof t1);
    REQUIRE(l1 > 0 && l1 < sizeof t1 && strlen(t1) == l1);
    ddb_num_t back;
    ddb_error_t err;
    REQUIRE(ddb_num_parse(t1, l1, &back, &err) == 0);
    REQUIRE(ddb_num_cmp(n, &back) == 0 && ddb_num_cmp(&back, n) == 0);
    size_t l2 = ddb_num_format(&back, t2, sizeof t2);
    REQUIRE(l1 == l2 && memcmp(t1, t2, l1) == 0);
    uint8_t key[DDB_NUM_MAX_KEY + 8];
    size_t kl = ddb_num_encode_key(n, key);
    REQUIRE(kl > 0 && kl <= DDB_NUM_MAX_KEY);
    ddb_num_t dec;
    REQUIRE(ddb_num_decode_key(key, kl, &dec) == kl);
    REQUIRE(ddb_num_cmp(n, &dec) == 0);
    /* self-delimiting: trailing bytes are not consumed */
    memset(key + kl, 0xA5, 8);
    REQUIRE(ddb_num_decode_key(key, kl + 8, &dec) == kl);
}

/* Two numbers: comparison, key order and arithmetic agree. */
static void check_two(const ddb_num_t *a, const ddb_num_t *b) {
    int c = ddb_num_cmp(a, b);
    REQUIRE(sign(c) == -sign(ddb_num_cmp(b, a)));
    uint8_t ka[DDB_NUM_MAX_KEY], kb[DDB_NUM_MAX_KEY];
    size_t la = ddb_num_encode_key(a, ka), lb = ddb_num_encode_key(b, kb);
    REQUIRE(cmp_bytes(ka, la, kb, lb) == sign(c));
    ddb_num_t sum, diff, back, rsum;
    ddb_error_t err;
    if (ddb_num_add(a, b, &sum, &err) == 0) {
        check_one(&sum);
        REQUIRE(ddb_num_add(b, a, &rsum, &err) == 0 && ddb_num_cmp(&sum, &rsum) == 0);
        /* exact arithmetic: (a + b) - b is a whenever it is representable */
        if (ddb_num_sub(&sum, b, &back, &err) == 0) REQUIRE(ddb_num_cmp(&back, a) == 0);
    }
    if (ddb_num_sub(a, b, &diff, &err) == 0) {
        check_one(&diff);
        /* a - b and b - a are opposites */
        ddb_num_t rdiff, zero;
        REQUIRE(ddb_num_sub(b, a, &rdiff, &err) == 0);
        REQUIRE(ddb_num_add(&diff, &rdiff, &zero, &err) == 0 && zero.ndigits == 0);
        /* a - b has the sign of the comparison */
        REQUIRE(sign(c) == (diff.ndigits == 0 ? 0 : diff.neg ? -1 : 1));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *s = (const char *)data;
    const char *nl = memchr(s, '\n', size);
    size_t al = nl ? (size_t)(nl - s) : size;
    const char *bs = nl ? nl + 1 : s;
    size_t bl = nl ? size - al - 1 : size;
    ddb_num_t a, b;
    ddb_error_t err;
    int ra = ddb_num_parse(s, al, &a, &err);
    int rb = ddb_num_parse(bs, bl, &b, &err);
    if (!ra) check_one(&a);
    if (!rb) check_one(&b);
    if (!ra && !rb) check_two(&a, &b);
    /* arbitrary bytes to the key decoder: what it accepts is a canonical
     * encoding, of a number that encodes back to exactly those bytes */
    ddb_num_t d;
    size_t used = ddb_num_decode_key(data, size, &d);
    REQUIRE(used <= size);
    if (used) {
        uint8_t key[DDB_NUM_MAX_KEY];
        size_t kl = ddb_num_encode_key(&d, key);
        REQUIRE(kl == used && memcmp(key, data, kl) == 0);
        check_one(&d);
    }
    return 0;
}
