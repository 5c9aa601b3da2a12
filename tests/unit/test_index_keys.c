/* test_index_keys.c: index entry keys of multi-attribute GSI keys: the
 * partition hashes every partition value together, entries sort as the
 * tuple of sort values (each by its type's order), items lacking a key
 * attribute or with a value that violates the key's limits are not in the
 * index, and a key of one partition and one sort
 * attribute encodes exactly as a single-attribute key. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "storage/index.h"

static ddb_value_t S(const char *s) {
    return (ddb_value_t){.type = DDB_T_S, .u.str = {s, strlen(s)}};
}

static ddb_value_t N(const char *s) {
    return (ddb_value_t){.type = DDB_T_N, .u.str = {s, strlen(s)}};
}

/* An item {pk, a, b, x, y} (NULL values left out). */
static ddb_value_t item(ddb_attr_t *at, const char *pk, const char *a, const char *b, const char *x,
                        const char *y) {
    size_t n = 0;
    at[n++] = (ddb_attr_t){"pk", 2, S(pk)};
    if (a) at[n++] = (ddb_attr_t){"a", 1, S(a)};
    if (b) at[n++] = (ddb_attr_t){"b", 1, N(b)};
    if (x) at[n++] = (ddb_attr_t){"x", 1, S(x)};
    if (y) at[n++] = (ddb_attr_t){"y", 1, N(y)};
    return (ddb_value_t){.type = DDB_T_M, .u.map = {at, n}};
}

static ddb_table_info_t table(void) {
    return (ddb_table_info_t){
        .name = "t", .name_len = 1, .id = 7, .key = {"pk", 2, DDB_T_S, NULL, 0, DDB_T_NONE}};
}

/* partition (a S, b N), sort (x S, y N) */
static ddb_index_info_t multi(void) {
    ddb_index_info_t ix = {.name = "g", .name_len = 1, .id = 9};
    ix.key = (ddb_key_schema_t){"a", 1, DDB_T_S, "x", 1, DDB_T_S};
    ix.nhash = 2, ix.nrange = 2;
    ix.hash[0] = (ddb_key_attr_t){"a", 1, DDB_T_S};
    ix.hash[1] = (ddb_key_attr_t){"b", 1, DDB_T_N};
    ix.range[0] = (ddb_key_attr_t){"x", 1, DDB_T_S};
    ix.range[1] = (ddb_key_attr_t){"y", 1, DDB_T_N};
    return ix;
}

static int cmp(const bytes_t *p, const bytes_t *q) {
    size_t m = p->len < q->len ? p->len : q->len;
    int c = memcmp(p->p, q->p, m);
    return c ? c : (p->len > q->len) - (p->len < q->len);
}

static void test_sort_tuple_order(void) {
    ddb_table_info_t t = table();
    ddb_index_info_t ix = multi();
    /* in tuple order: x by string order, then y numerically (10 after 9);
     * no empty string: an index key value is never one (such items are
     * refused on write, and left out of an index's backfill) */
    static const char *const rows[][2] = {{"\x01", "-5"}, {"\x01", "3"}, {"a", "-1"},
                                          {"a", "9"},     {"a", "10"},   {"a\x01", "0"},
                                          {"ab", "-100"}, {"b", "0"}};
    size_t n = sizeof rows / sizeof rows[0];
    bytes_t prev = {0};
    for (size_t i = 0; i < n; i++) {
        ddb_attr_t at[5];
        ddb_value_t it = item(at, "k", "p", "1", rows[i][0], rows[i][1]);
        bytes_t k = {0};
        CHECK(ddb__ix_entry_key(&k, &t, &ix, &it));
        /* same partition: the same 12-byte [id][hash] head */
        if (i) CHECK(memcmp(prev.p, k.p, 12) == 0);
        if (i) CHECK(cmp(&prev, &k) < 0);
        bytes_free(&prev);
        prev = k;
    }
    bytes_free(&prev);
}

static void test_partition_hashes_all_values(void) {
    ddb_table_info_t t = table();
    ddb_index_info_t ix = multi();
    ddb_attr_t a1[5], a2[5], a3[5];
    ddb_value_t i1 = item(a1, "k", "p", "1", "x", "1"), i2 = item(a2, "k", "p", "2", "x", "1");
    ddb_value_t i3 = item(a3, "k", "p", "1.0", "x", "1");
    bytes_t k1 = {0}, k2 = {0}, k3 = {0}, want = {0};
    CHECK(ddb__ix_entry_key(&k1, &t, &ix, &i1));
    CHECK(ddb__ix_entry_key(&k2, &t, &ix, &i2));
    CHECK(ddb__ix_entry_key(&k3, &t, &ix, &i3));
    CHECK(memcmp(k1.p + 4, k2.p + 4, 8) != 0); /* another b: another partition hash */
    CHECK(cmp(&k1, &k3) == 0);                 /* 1 and 1.0 are one number */
    const ddb_value_t pv[2] = {S("p"), N("1")};
    const ddb_value_t *pp[2] = {&pv[0], &pv[1]};
    CHECK(kc_partition_prefix_n(&want, 9, pp, 2) == 0);
    CHECK(want.len < k1.len && memcmp(want.p, k1.p, want.len) == 0);
    bytes_free(&k1), bytes_free(&k2), bytes_free(&k3), bytes_free(&want);
}

static void test_sparse(void) {
    ddb_table_info_t t = table();
    ddb_index_info_t ix = multi();
    ddb_attr_t at[5];
    const char *v[4] = {"p", "1", "x", "1"};
    for (int miss = 0; miss < 4; miss++) {
        const char *w[4] = {v[0], v[1], v[2], v[3]};
        w[miss] = NULL;
        ddb_value_t it = item(at, "k", w[0], w[1], w[2], w[3]);
        bytes_t k = {0};
        CHECK(!ddb__ix_entry_key(&k, &t, &ix, &it));
        CHECK(k.len == 0);
    }
    /* a key attribute of another type: not in the index */
    ddb_value_t it = item(at, "k", "p", "1", "x", "1");
    at[2].value = S("1");
    bytes_t k = {0};
    CHECK(!ddb__ix_entry_key(&k, &t, &ix, &it));
}

static void test_single_layout_unchanged(void) {
    ddb_table_info_t t = table();
    ddb_index_info_t legacy = {
        .name = "g", .name_len = 1, .id = 9, .key = {"a", 1, DDB_T_S, "y", 1, DDB_T_N}};
    ddb_index_info_t one = legacy;
    one.nhash = 1, one.nrange = 1;
    one.hash[0] = (ddb_key_attr_t){"a", 1, DDB_T_S};
    one.range[0] = (ddb_key_attr_t){"y", 1, DDB_T_N};
    ddb_attr_t at[5];
    ddb_value_t it = item(at, "k", "p", NULL, NULL, "42");
    bytes_t k1 = {0}, k2 = {0}, want = {0};
    CHECK(ddb__ix_entry_key(&k1, &t, &legacy, &it));
    CHECK(ddb__ix_entry_key(&k2, &t, &one, &it));
    CHECK(cmp(&k1, &k2) == 0);
    /* and the layout is [id][hash][enc(a)][enc(y)][enc(pk)] */
    ddb_value_t a = S("p"), y = N("42"), pk = S("k");
    kc_partition_prefix(&want, 9, &a);
    kc_encode_value(&want, &y);
    kc_encode_value(&want, &pk);
    CHECK(cmp(&k1, &want) == 0);
    bytes_free(&k1), bytes_free(&k2), bytes_free(&want);
}

static void test_defs_round_trip(void) {
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_index_info_t ix[2] = {
        multi(),
        {.name = "s", .name_len = 1, .id = 3, .key = {"a", 1, DDB_T_S, NULL, 0, DDB_T_NONE}}};
    ddb_value_t v;
    ddb__ix_defs_to_value(a, ix, 2, &v);
    CHECK(ddb_map_get(&v.u.list.v[1], "mh", 2) == NULL); /* single: the record as before */
    ddb_index_info_t *back;
    size_t n;
    CHECK(ddb__ix_defs_from_value(a, &v, &back, &n) == 0);
    CHECK(n == 2);
    CHECK(back[0].nhash == 2 && back[0].nrange == 2);
    CHECK(back[0].hash[1].type == DDB_T_N && back[0].hash[1].len == 1 &&
          memcmp(back[0].hash[1].name, "b", 1) == 0);
    CHECK(back[0].range[1].type == DDB_T_N && memcmp(back[0].range[1].name, "y", 1) == 0);
    CHECK(back[1].nhash == 0 && back[1].key.range_type == DDB_T_NONE);
    ddb_key_attr_t k[DDB_KEY_ATTRS_MAX];
    CHECK(ddb_index_attrs(&back[1], false, k) == 1 && k[0].type == DDB_T_S);
    CHECK(ddb_index_attrs(&back[1], true, k) == 0);
    CHECK(ddb_index_attrs(&back[0], true, k) == 2 && k[0].name[0] == 'x');
    ddb_arena_destroy(a);
}

/* An index key violation (a value over 2048 bytes in a partition or 1024 in
 * a sort attribute, or an empty string) keeps the item out of the index. */
static void test_violations_left_out(void) {
    ddb_table_info_t t = table();
    ddb_index_info_t ix = multi();
    char *h = malloc(2050), *r = malloc(1026);
    memset(h, 'h', 2049);
    memset(r, 'r', 1025);
    h[2049] = r[1025] = '\0';
    static const struct {
        size_t hlen, rlen;
        bool in;
    } cases[] = {
        {2048, 1024, true}, {2049, 1, false}, {1, 1025, false}, {0, 1, false}, {1, 0, false}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char hs[2050], rs[1026];
        memcpy(hs, h, cases[i].hlen);
        hs[cases[i].hlen] = '\0';
        memcpy(rs, r, cases[i].rlen);
        rs[cases[i].rlen] = '\0';
        ddb_attr_t at[5];
        ddb_value_t it = item(at, "k", hs, "1", rs, "1");
        bytes_t k = {0};
        CHECK(ddb__ix_entry_key(&k, &t, &ix, &it) == cases[i].in);
        bytes_free(&k);
    }
    free(h);
    free(r);
}

int main(void) {
    test_violations_left_out();
    test_sort_tuple_order();
    test_partition_hashes_all_values();
    test_sparse();
    test_single_layout_unchanged();
    test_defs_round_trip();
    return check_summary();
}
