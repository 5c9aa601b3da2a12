/* shim.c: libddb operations for the microbenchmarks (see shim.h). */
#include "bench/shim.h"

#include <stdio.h>
#include <string.h>

#include "query/expr.h"
#include "query/number.h"
#include "storage/codec.h"
#include "storage/ddb.h"

static ddb_engine_t *engine;
static ddb_table_info_t table;
static ddb_arena_t *arena, *scratch;
static int nusers;
static expr_node_t *cond;
static ddb_value_t sample;
static ddb_num_t nums[2];
static const char PAD[] =
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";

static ddb_value_t str(const char *s) {
    return (ddb_value_t){.type = DDB_T_S, .u.str = {s, strlen(s)}};
}

/* The item of user u, order o, with a counter value n (text in the arena). */
static ddb_value_t item(ddb_arena_t *a, uint64_t u, uint64_t o, uint64_t n) {
    char pk[32], sk[32], num[32];
    snprintf(pk, sizeof pk, "USER#%llu", (unsigned long long)u);
    snprintf(sk, sizeof sk, "ORDER#%02llu", (unsigned long long)o);
    snprintf(num, sizeof num, "%llu", (unsigned long long)n);
    ddb_attr_t *at = ddb_arena_alloc(a, sizeof *at * 4);
    at[0] = (ddb_attr_t){"PK", 2, str(ddb_arena_strndup(a, pk, strlen(pk)))};
    at[1] = (ddb_attr_t){"SK", 2, str(ddb_arena_strndup(a, sk, strlen(sk)))};
    at[2] = (ddb_attr_t){
        "n", 1, {.type = DDB_T_N, .u.str = {ddb_arena_strndup(a, num, strlen(num)), strlen(num)}}};
    at[3] = (ddb_attr_t){"pad", 3, str(PAD)};
    return (ddb_value_t){.type = DDB_T_M, .u.map = {at, 4}};
}

static ddb_value_t key_of(ddb_arena_t *a, uint64_t u, uint64_t o) {
    ddb_value_t it = item(a, u, o, 0);
    it.u.map.n = 2;
    return it;
}

typedef struct put_ctx {
    const ddb_value_t *next;
} put_ctx_t;

static int put_fn(void *ctx, const ddb_value_t *old, const ddb_value_t **next, ddb_error_t *err) {
    (void)old;
    (void)err;
    *next = ((put_ctx_t *)ctx)->next;
    return 0;
}

int shim_open(int users) {
    ddb_error_t err;
    ddb_engine_opts_t o = {.in_memory = true};
    if (ddb_open(&o, &engine, &err)) return -1;
    arena = ddb_arena_create(0);
    scratch = ddb_arena_create(0);
    nusers = users;
    ddb_value_t meta = {.type = DDB_T_M};
    table = (ddb_table_info_t){.name = "bench",
                               .name_len = 5,
                               .meta = &meta,
                               .key = {.hash_name = "PK",
                                       .hash_len = 2,
                                       .hash_type = DDB_T_S,
                                       .range_name = "SK",
                                       .range_len = 2,
                                       .range_type = DDB_T_S}};
    if (ddb_table_create(engine, &table, &err)) return -1;
    if (ddb_table_get(engine, "bench", 5, arena, &table, &err)) return -1;
    for (int u = 0; u < users; u++) {
        for (int o = 0; o < 10; o++) {
            ddb_arena_reset(scratch);
            ddb_value_t it = item(scratch, (uint64_t)u, (uint64_t)o, (uint64_t)o);
            ddb_value_t k = key_of(scratch, (uint64_t)u, (uint64_t)o);
            put_ctx_t pc = {&it};
            if (ddb_item_write(engine, &table, &k, put_fn, &pc, scratch, &err)) return -1;
        }
    }
    sample = item(arena, 1, 1, 42);
    expr_ctx_t ctx;
    ddb_attr_t *vals = ddb_arena_alloc(arena, sizeof *vals * 2);
    vals[0] = (ddb_attr_t){":p", 2, str("ORDER#")};
    vals[1] = (ddb_attr_t){":n", 2, {.type = DDB_T_N, .u.str = {"10", 2}}};
    static ddb_value_t values;
    values = (ddb_value_t){.type = DDB_T_M, .u.map = {vals, 2}};
    expr_ctx_init(&ctx, arena, NULL, &values);
    const char *text = "attribute_exists(PK) AND begins_with(SK, :p) AND n > :n";
    if (expr_parse_condition(&ctx, "ConditionExpression", text, strlen(text), &cond, &err))
        return -1;
    if (ddb_num_parse("12345678901234567890", 20, &nums[0], &err)) return -1;
    if (ddb_num_parse("12345678901234567891", 20, &nums[1], &err)) return -1;
    return 0;
}

void shim_close(void) {
    ddb_close(engine);
    ddb_arena_destroy(arena);
    ddb_arena_destroy(scratch);
}

size_t shim_key_encode(uint64_t i) {
    ddb_arena_reset(scratch);
    ddb_value_t k = key_of(scratch, i % (uint64_t)nusers, i % 10);
    bytes_t b = {0};
    kc_item_key(&b, table.id, &table.key, &k);
    size_t n = b.len;
    bytes_free(&b);
    return n;
}

int shim_key_decode(uint64_t i) {
    char s[32];
    snprintf(s, sizeof s, "USER#%llu", (unsigned long long)(i % (uint64_t)nusers));
    ddb_value_t v = str(s);
    bytes_t b = {0};
    kc_encode_value(&b, &v);
    ddb_arena_reset(scratch);
    ddb_value_t out;
    size_t used = kc_decode_value(b.p, b.len, DDB_T_S, scratch, &out);
    bytes_free(&b);
    return used ? 0 : -1;
}

int shim_num_parse(uint64_t i) {
    char s[32];
    int n = snprintf(s, sizeof s, "%llu.%02llu", (unsigned long long)(i * 2654435761u),
                     (unsigned long long)(i % 100));
    ddb_num_t out;
    ddb_error_t err;
    return ddb_num_parse(s, (size_t)n, &out, &err);
}

int shim_num_cmp(uint64_t i) {
    return ddb_num_cmp(&nums[i & 1], &nums[(i + 1) & 1]);
}

int shim_expr_parse(void) {
    ddb_arena_reset(scratch);
    expr_ctx_t ctx;
    ddb_attr_t vals[2] = {{":p", 2, str("ORDER#")},
                          {":n", 2, {.type = DDB_T_N, .u.str = {"10", 2}}}};
    ddb_value_t values = {.type = DDB_T_M, .u.map = {vals, 2}};
    expr_ctx_init(&ctx, scratch, NULL, &values);
    const char *text = "attribute_exists(PK) AND begins_with(SK, :p) AND n > :n";
    expr_node_t *out;
    ddb_error_t err;
    return expr_parse_condition(&ctx, "ConditionExpression", text, strlen(text), &out, &err);
}

int shim_expr_eval(void) {
    return expr_eval(cond, &sample) ? 1 : 0;
}

int shim_put(uint64_t i) {
    ddb_arena_reset(scratch);
    ddb_value_t it = item(scratch, i % (uint64_t)nusers, i % 10, i);
    ddb_value_t k = key_of(scratch, i % (uint64_t)nusers, i % 10);
    put_ctx_t pc = {&it};
    ddb_error_t err;
    return ddb_item_write(engine, &table, &k, put_fn, &pc, scratch, &err);
}

int shim_get(uint64_t i) {
    ddb_arena_reset(scratch);
    ddb_value_t k = key_of(scratch, i % (uint64_t)nusers, i % 10);
    const ddb_value_t *out;
    ddb_error_t err;
    int rc = ddb_item_get(engine, &table, &k, scratch, &out, &err);
    return rc || !out ? -1 : 0;
}

size_t shim_query(uint64_t user) {
    ddb_arena_reset(scratch);
    char pk[32];
    snprintf(pk, sizeof pk, "USER#%llu", (unsigned long long)(user % (uint64_t)nusers));
    ddb_value_t h = str(pk), p = str("ORDER#");
    ddb_key_range_t range = {.hash = &h, .prefix = &p};
    ddb_iter_t *it;
    ddb_error_t err;
    if (ddb_iter_query(engine, &table, NULL, &range, NULL, false, &it, &err)) return 0;
    size_t n = 0;
    const ddb_value_t *v;
    while (ddb_iter_next(it, scratch, &v, &err) == 0 && v)
        n++;
    ddb_iter_destroy(it);
    return n;
}
