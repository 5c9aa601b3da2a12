/* test_codec.c: storage's key encoding (order, self-delimiting, round trip,
 * parallel-scan segments) and item serialization (round trip of every type,
 * corrupt input rejected without reading out of bounds). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "storage/codec.h"

static ddb_arena_t *arena;

static ddb_value_t bytes_val(ddb_type_t t, const char *p, size_t len) {
    ddb_value_t v = {.type = t};
    v.u.str.ptr = p;
    v.u.str.len = len;
    return v;
}

static int cmp_raw(const char *a, size_t al, const char *b, size_t bl) {
    size_t m = al < bl ? al : bl;
    int c = memcmp(a, b, m);
    if (c) return c < 0 ? -1 : 1;
    return (al > bl) - (al < bl);
}

static void test_bytes_order(void) {
    /* includes embedded zeros, 0xff, and values that are prefixes of others */
    static const struct {
        const char *p;
        size_t len;
    } vals[] = {
        {"", 0},     {"\0", 1},       {"\0\0", 2},     {"\0\x01", 2},  {"\x01", 1}, {"a", 1},
        {"a\0", 2},  {"a\0b", 3},     {"a\x01", 2},    {"ab", 2},      {"abc", 3},  {"b", 1},
        {"\xff", 1}, {"\xff\xff", 2}, {"\xc3\xa9", 2}, {"z\0\xff", 3},
    };
    size_t n = sizeof vals / sizeof vals[0];
    for (ddb_type_t t = DDB_T_S; t <= DDB_T_B; t += 2) {
        for (size_t i = 0; i < n; i++) {
            ddb_value_t vi = bytes_val(t, vals[i].p, vals[i].len);
            bytes_t ei = {0};
            CHECK(kc_encode_value(&ei, &vi) == 0);
            ddb_value_t back;
            CHECK(kc_decode_value(ei.p, ei.len, t, arena, &back) == ei.len);
            CHECK(back.u.str.len == vals[i].len &&
                  memcmp(back.u.str.ptr, vals[i].p, vals[i].len) == 0);
            for (size_t j = 0; j < n; j++) {
                ddb_value_t vj = bytes_val(t, vals[j].p, vals[j].len);
                bytes_t ej = {0};
                kc_encode_value(&ej, &vj);
                int want = cmp_raw(vals[i].p, vals[i].len, vals[j].p, vals[j].len);
                CHECK(cmp_raw((char *)ei.p, ei.len, (char *)ej.p, ej.len) == want);
                bytes_free(&ej);
            }
            bytes_free(&ei);
        }
    }
}

static void test_item_key_layout(void) {
    ddb_key_schema_t ks = {"pk", 2, DDB_T_S, "sk", 2, DDB_T_N};
    ddb_attr_t attrs[2] = {{"pk", 2, bytes_val(DDB_T_S, "user", 4)},
                           {"sk", 2, bytes_val(DDB_T_N, "-1.5", 4)}};
    ddb_value_t key = {.type = DDB_T_M, .u.map = {attrs, 2}};
    bytes_t k = {0};
    CHECK(kc_item_key(&k, 7, &ks, &key) == 0);
    CHECK(kc_get_be32(k.p) == 7);
    ddb_value_t pk, sk;
    size_t used = kc_decode_value(k.p + 12, k.len - 12, DDB_T_S, arena, &pk);
    CHECK(used > 0);
    CHECK(kc_decode_value(k.p + 12 + used, k.len - 12 - used, DDB_T_N, arena, &sk) ==
          k.len - 12 - used);
    CHECK(pk.u.str.len == 4 && memcmp(pk.u.str.ptr, "user", 4) == 0);
    CHECK(sk.u.str.len == 4 && memcmp(sk.u.str.ptr, "-1.5", 4) == 0);
    /* wrong key type is refused */
    attrs[1].value = bytes_val(DDB_T_S, "x", 1);
    bytes_t k2 = {0};
    CHECK(kc_item_key(&k2, 7, &ks, &key) == DDB_ERR_VALIDATION);
    bytes_free(&k);
    bytes_free(&k2);
}

static void test_segments(void) {
    static const uint32_t totals[] = {1, 2, 3, 7, 1000, 1000000};
    for (size_t t = 0; t < sizeof totals / sizeof totals[0]; t++) {
        uint32_t total = totals[t];
        int end;
        CHECK(kc_segment_start(0, total, &end) == 0 && !end);
        kc_segment_start(total, total, &end);
        CHECK(end == 1);
        /* starts strictly increase, so segments are disjoint and cover the space */
        uint64_t prev = 0;
        uint32_t step = total > 1000 ? 997 : 1;
        for (uint32_t s = 1; s < total; s += step) {
            uint64_t start = kc_segment_start(s, total, &end);
            CHECK(!end && start > prev);
            prev = start;
        }
    }
    int end;
    CHECK(kc_segment_start(1, 2, &end) == 0x8000000000000000ull);
}

static ddb_value_t sample_item(void) {
    static ddb_value_t ss[2], l[3], inner_l[1];
    static ddb_attr_t inner[2], attrs[8];
    ss[0] = bytes_val(DDB_T_S, "a", 1);
    ss[1] = bytes_val(DDB_T_S, "b\0c", 3);
    inner_l[0] = bytes_val(DDB_T_B, "\0\xff", 2);
    inner[0] = (ddb_attr_t){"deep", 4, {.type = DDB_T_L, .u.list = {inner_l, 1}}};
    inner[1] = (ddb_attr_t){"", 0, {.type = DDB_T_NULL}};
    l[0] = (ddb_value_t){.type = DDB_T_BOOL, .u.boolean = true};
    l[1] = (ddb_value_t){.type = DDB_T_M, .u.map = {inner, 2}};
    l[2] = (ddb_value_t){.type = DDB_T_L, .u.list = {NULL, 0}};
    attrs[0] = (ddb_attr_t){"pk", 2, bytes_val(DDB_T_S, "k", 1)};
    attrs[1] = (ddb_attr_t){"n", 1, bytes_val(DDB_T_N, "-12.5", 5)};
    attrs[2] = (ddb_attr_t){"ss", 2, {.type = DDB_T_SS, .u.list = {ss, 2}}};
    attrs[3] = (ddb_attr_t){"l", 1, {.type = DDB_T_L, .u.list = {l, 3}}};
    attrs[4] = (ddb_attr_t){"f", 1, {.type = DDB_T_BOOL, .u.boolean = false}};
    attrs[5] = (ddb_attr_t){"e", 1, bytes_val(DDB_T_S, "", 0)};
    attrs[6] = (ddb_attr_t){"m", 1, {.type = DDB_T_M, .u.map = {NULL, 0}}};
    attrs[7] = (ddb_attr_t){"b", 1, bytes_val(DDB_T_B, "\x01\x02", 2)};
    return (ddb_value_t){.type = DDB_T_M, .u.map = {attrs, 8}};
}

static void test_item_roundtrip_and_corruption(void) {
    ddb_value_t item = sample_item();
    bytes_t enc = {0};
    ic_encode(&enc, &item);
    ddb_value_t back;
    ddb_error_t err;
    CHECK(ic_decode(enc.p, enc.len, arena, &back, &err) == 0);
    CHECK(ddb_value_equal(&item, &back));
    CHECK(ddb_item_size(&item) == ddb_item_size(&back));
    /* every truncation fails cleanly */
    for (size_t len = 0; len < enc.len; len++) {
        CHECK(ic_decode(enc.p, len, arena, &back, &err) == DDB_ERR_INTERNAL);
    }
    /* flipped bytes either fail or decode to something; never crash (ASan checks) */
    for (size_t i = 0; i < enc.len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            enc.p[i] ^= (uint8_t)(1 << bit);
            (void)ic_decode(enc.p, enc.len, arena, &back, &err);
            enc.p[i] ^= (uint8_t)(1 << bit);
        }
        ddb_arena_reset(arena);
    }
    bytes_free(&enc);
}

/* A value of n nested lists around a string: the outermost is depth 0, the
 * string depth n. */
static ddb_value_t nested_lists(size_t n) {
    ddb_value_t v = bytes_val(DDB_T_S, "leaf", 4);
    for (size_t i = 0; i < n; i++) {
        ddb_value_t *e = ddb_arena_alloc(arena, sizeof *e);
        *e = v;
        v = (ddb_value_t){.type = DDB_T_L, .u.list = {e, 1}};
    }
    return v;
}

/* The encoder refuses exactly what the decoder would refuse, so no record
 * the engine writes is one it cannot read back (an item nested too deep
 * used to be stored and then answer "corrupt item record" for ever). */
static void test_item_depth_limit(void) {
    ddb_error_t err;
    ddb_value_t back;
    bytes_t enc = {0};
    ddb_value_t ok = nested_lists(IC_MAX_DEPTH);
    CHECK(ic_encode(&enc, &ok) == 0);
    CHECK(ic_decode(enc.p, enc.len, arena, &back, &err) == 0);
    CHECK(ddb_value_equal(&ok, &back));
    bytes_free(&enc);

    /* one level more: nothing is appended, the caller gets an internal error */
    ddb_value_t deep = nested_lists(IC_MAX_DEPTH + 1);
    bytes_putc(&enc, 0xAB);
    CHECK(ic_encode(&enc, &deep) == DDB_ERR_INTERNAL);
    CHECK(enc.len == 1 && enc.p[0] == 0xAB);
    /* a map nesting too deep inside a map is refused the same way */
    ddb_attr_t at = {"x", 1, deep};
    ddb_value_t m = {.type = DDB_T_M, .u.map = {&at, 1}};
    CHECK(ic_encode(&enc, &m) == DDB_ERR_INTERNAL);
    CHECK(enc.len == 1);
    bytes_free(&enc);

    /* the decoder refuses the same depth, written by hand: IC_MAX_DEPTH + 1
     * lists of one element around an empty string */
    for (int i = 0; i <= IC_MAX_DEPTH; i++) {
        bytes_putc(&enc, DDB_T_L);
        bytes_putc(&enc, 1);
    }
    bytes_putc(&enc, DDB_T_S);
    bytes_putc(&enc, 0);
    CHECK(ic_decode(enc.p, enc.len, arena, &back, &err) == DDB_ERR_INTERNAL);
    /* and accepts it one level shallower */
    CHECK(ic_decode(enc.p + 2, enc.len - 2, arena, &back, &err) == 0);
    bytes_free(&enc);
    ddb_arena_reset(arena);
}

int main(void) {
    arena = ddb_arena_create(0);
    test_item_depth_limit();
    test_bytes_order();
    test_item_key_layout();
    test_segments();
    test_item_roundtrip_and_corruption();
    ddb_arena_destroy(arena);
    return check_summary();
}
