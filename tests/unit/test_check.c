/* test_check.c: ddb_check's stream checks catch what they promise. The
 * damage is done through the engine's internals (storage/engine.h: the
 * RocksDB handle and column families), which only a storage test may use:
 * a record that does not decode, a record past the sequence counter, a
 * broken shard lineage, and an item that no longer matches its last
 * record's NewImage. Each starts from a healthy stream that passes. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "storage/engine.h"

typedef struct kv {
    ddb_attr_t attrs[3];
    ddb_value_t item;
} kv_t;

static const ddb_value_t *make_item(kv_t *kv, const char *pk, const char *v) {
    kv->attrs[0] = (ddb_attr_t){"pk", 2, {.type = DDB_T_S, .u.str = {pk, strlen(pk)}}};
    kv->attrs[1] =
        (ddb_attr_t){"v", 1, {.type = DDB_T_S, .u.str = {v ? v : "", v ? strlen(v) : 0}}};
    kv->item = (ddb_value_t){.type = DDB_T_M, .u.map = {kv->attrs, v ? 2 : 1}};
    return &kv->item;
}

static int put_fn(void *ctx, const ddb_value_t *old, const ddb_value_t **new_item,
                  ddb_error_t *err) {
    (void)old;
    (void)err;
    *new_item = ctx;
    return 0;
}

static void put(ddb_engine_t *e, ddb_table_info_t *t, const char *pk, const char *v) {
    ddb_arena_t *a = ddb_arena_create(0);
    kv_t kv;
    const ddb_value_t *item = make_item(&kv, pk, v);
    ddb_error_t err;
    CHECK(ddb_item_write(e, t, item, put_fn, (void *)item, a, &err) == 0);
    ddb_arena_destroy(a);
}

/* A fresh engine with one streamed table holding a few changes. */
static ddb_engine_t *healthy(ddb_table_info_t *t, uint32_t rollover_s) {
    ddb_engine_opts_t o = {.in_memory = true, .inspect_only = true, .shard_rollover_s = rollover_s};
    ddb_engine_t *e;
    ddb_error_t err;
    CHECK(ddb_open(&o, &e, &err) == 0);
    static ddb_value_t meta = {.type = DDB_T_M};
    *t = (ddb_table_info_t){.name = "s", .name_len = 1, .meta = &meta};
    t->key = (ddb_key_schema_t){.hash_name = "pk", .hash_len = 2, .hash_type = DDB_T_S};
    t->stream.enabled = true;
    t->stream.view = DDB_VIEW_NEW_IMAGE;
    CHECK(ddb_table_create(e, t, &err) == 0);
    put(e, t, "a", "1");
    put(e, t, "a", "2");
    put(e, t, "b", "3");
    CHECK(ddb_check(e, &err) == 0);
    return e;
}

static void raw_put(ddb_engine_t *e, int cf, const bytes_t *k, const void *v, size_t vl) {
    char *msg = NULL;
    rocksdb_put_cf(ddb__rocks(e)->db, ddb__rocks(e)->wo, ddb__rocks(e)->cf[cf], (const char *)k->p,
                   k->len, v, vl, &msg);
    CHECK(msg == NULL);
    free(msg);
}

static void record_key(bytes_t *k, uint32_t stream, uint64_t seq) {
    uint8_t b[13];
    b[0] = 'R';
    kc_put_be32(b + 1, stream);
    kc_put_be64(b + 5, seq);
    bytes_put(k, b, sizeof b);
}

static void expect_failure(ddb_engine_t *e, const char *want) {
    ddb_error_t err;
    ddb_error_clear(&err);
    CHECK(ddb_check(e, &err) == DDB_ERR_INTERNAL);
    if (!strstr(err.msg, want)) fprintf(stderr, "check said: %s\n", err.msg);
    CHECK(strstr(err.msg, want) != NULL);
}

static void test_undecodable_record(void) {
    ddb_table_info_t t;
    ddb_engine_t *e = healthy(&t, 0);
    bytes_t k = {0};
    record_key(&k, t.stream.id, ddb_stream_latest(e) - 2);
    raw_put(e, CF_STREAMS, &k, "garbage!!!!!", 12);
    expect_failure(e, "does not decode");
    /* and a reader is told, instead of the record being skipped */
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_stream_record_t *r;
    size_t n;
    uint64_t next;
    bool done;
    ddb_error_t err;
    CHECK(ddb_stream_read(e, t.stream.id, 0, 0, 100, 1 << 20, a, &r, &n, &next, &done, &err) ==
          DDB_ERR_INTERNAL);
    ddb_arena_destroy(a);
    bytes_free(&k);
    ddb_close(e);
}

/* A copy of a good record under a sequence number the counter has not
 * reached. */
static void test_record_past_counter(void) {
    ddb_table_info_t t;
    ddb_engine_t *e = healthy(&t, 0);
    bytes_t k = {0}, k2 = {0};
    uint64_t last = ddb_stream_latest(e) - 1;
    record_key(&k, t.stream.id, last);
    char *msg = NULL;
    size_t vl;
    char *v = rocksdb_get_cf(ddb__rocks(e)->db, ddb__rocks(e)->ro, ddb__rocks(e)->cf[CF_STREAMS],
                             (const char *)k.p, k.len, &vl, &msg);
    CHECK(v && !msg);
    record_key(&k2, t.stream.id, last + 10);
    raw_put(e, CF_STREAMS, &k2, v, vl);
    expect_failure(e, "out of order");
    free(v);
    bytes_free(&k);
    bytes_free(&k2);
    ddb_close(e);
}

/* The second shard claims to start inside its parent. */
static void test_broken_lineage(void) {
    ddb_table_info_t t;
    ddb_engine_t *e = healthy(&t, 1);
    struct timespec ts = {.tv_sec = 1, .tv_nsec = 100000000L};
    nanosleep(&ts, NULL);
    put(e, &t, "c", "4"); /* rolls over: shard 1 */
    ddb_error_t err;
    CHECK(ddb_check(e, &err) == 0);
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_shard_t *sh;
    size_t n;
    uint64_t trim;
    CHECK(ddb_stream_shards(e, t.stream.id, a, &sh, &n, &trim, &err) == 0 && n == 2);
    uint8_t b[30] = {0};
    kc_put_be64(b + 8, sh[0].end); /* start: the parent's end */
    b[25] = 1;                     /* has a parent: shard 0 */
    bytes_t k = {0};
    uint8_t kb[9] = {'H'};
    kc_put_be32(kb + 1, t.stream.id);
    kc_put_be32(kb + 5, 1);
    bytes_put(&k, kb, sizeof kb);
    raw_put(e, CF_STREAMS, &k, b, sizeof b);
    expect_failure(e, "does not follow");
    bytes_free(&k);
    ddb_arena_destroy(a);
    ddb_close(e);
}

/* The item changes behind the stream's back (same size, so the statistics
 * still agree): its last record no longer carries it. */
static void test_image_mismatch(void) {
    ddb_table_info_t t;
    ddb_engine_t *e = healthy(&t, 0);
    kv_t kv;
    bytes_t k = {0}, v = {0};
    CHECK(kc_item_key(&k, t.id, &t.key, make_item(&kv, "a", NULL)) == 0);
    ic_encode(&v, make_item(&kv, "a", "9"));
    raw_put(e, CF_ITEMS, &k, v.p, v.len);
    expect_failure(e, "does not carry the item as stored");
    bytes_free(&k);
    bytes_free(&v);
    ddb_close(e);
}

int main(void) {
    test_undecodable_record();
    test_record_past_counter();
    test_broken_lineage();
    test_image_mismatch();
    return check_summary();
}
