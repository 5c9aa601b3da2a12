/* fuzz_codec.c: libFuzzer target of storage's byte formats (storage/codec.h).
 *
 * The first byte picks a decoder, the rest is its input: the item codec
 * (ic_decode) or the key codec for S, N or B (kc_decode_value). Arbitrary
 * bytes must never crash a decoder; what one accepts must survive the round
 * trip (item: encode(decode(x)) decodes again and encodes to the same bytes;
 * key: the encoding of the decoded value is exactly the bytes consumed, and
 * it sorts as the raw value does). Aborts (a crash) on a violation. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/codec.h"

#define REQUIRE(c)                                                                                 \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "fuzz_codec: %s:%d: %s\n", __FILE__, __LINE__, #c);                    \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static ddb_arena_t *arena;

static void check_item(const uint8_t *p, size_t len) {
    ddb_value_t v, v2;
    ddb_error_t err;
    if (ic_decode(p, len, arena, &v, &err)) return;
    bytes_t e1 = {0}, e2 = {0};
    ic_encode(&e1, &v);
    REQUIRE(e1.len <= len); /* varints decode leniently; re-encoding never grows */
    REQUIRE(ic_decode(e1.p, e1.len, arena, &v2, &err) == 0);
    ic_encode(&e2, &v2);
    REQUIRE(e1.len == e2.len && memcmp(e1.p, e2.p, e1.len) == 0);
    bytes_free(&e1);
    bytes_free(&e2);
}

static int cmp_raw(const void *a, size_t al, const void *b, size_t bl) {
    int c = memcmp(a, b, al < bl ? al : bl);
    if (c) return c < 0 ? -1 : 1;
    return (al > bl) - (al < bl);
}

static void check_key(ddb_type_t t, const uint8_t *p, size_t len) {
    ddb_value_t v;
    size_t used = kc_decode_value(p, len, t, arena, &v);
    REQUIRE(used <= len);
    if (!used) return;
    REQUIRE(v.type == t);
    bytes_t e = {0};
    REQUIRE(kc_encode_value(&e, &v) == 0);
    REQUIRE(e.len == used && memcmp(e.p, p, used) == 0);
    if (t == DDB_T_N) {
        bytes_free(&e);
        return;
    }
    /* the input itself as a raw value: its encoding orders as it does
     * against the decoded value, and it is a prefix of its own encoding's
     * successor range (kc_encode_prefix) */
    ddb_value_t raw = {.type = t, .u.str = {(const char *)p, len}};
    bytes_t er = {0}, pre = {0};
    REQUIRE(kc_encode_value(&er, &raw) == 0);
    REQUIRE(cmp_raw(er.p, er.len, e.p, used) == cmp_raw(p, len, v.u.str.ptr, v.u.str.len));
    REQUIRE(kc_encode_prefix(&pre, &raw) == 0);
    REQUIRE(pre.len <= er.len && memcmp(pre.p, er.p, pre.len) == 0);
    bytes_free(&e);
    bytes_free(&er);
    bytes_free(&pre);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    if (!arena) arena = ddb_arena_create(0);
    ddb_arena_reset(arena);
    const uint8_t *p = data + 1;
    size_t len = size - 1;
    switch (data[0] % 4) {
    case 0:
        check_item(p, len);
        break;
    case 1:
        check_key(DDB_T_S, p, len);
        break;
    case 2:
        check_key(DDB_T_N, p, len);
        break;
    default:
        check_key(DDB_T_B, p, len);
        break;
    }
    return 0;
}
