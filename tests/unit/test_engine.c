/* test_engine.c: libddb on RocksDB: catalog, item writes through the mutate
 * callback, exact statistics, persistence across reopen, table deletion,
 * scan order and parallel-scan segments, the single writer under
 * concurrent read-modify-write, the commit notification of stream readers
 * (ddb_stream_latest/ddb_stream_wait) and the checker's stream checks. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "query/number.h"
#include "storage/ddb.h"

static ddb_value_t sval(const char *s) {
    ddb_value_t v = {.type = DDB_T_S};
    v.u.str.ptr = s;
    v.u.str.len = strlen(s);
    return v;
}

static ddb_value_t nval(const char *s) {
    ddb_value_t v = sval(s);
    v.type = DDB_T_N;
    return v;
}

typedef struct kv {
    ddb_attr_t attrs[3];
    ddb_value_t item;
} kv_t;

/* item {pk: S, sk: N, v: S} */
static const ddb_value_t *make_item(kv_t *kv, const char *pk, const char *sk, const char *v) {
    kv->attrs[0] = (ddb_attr_t){"pk", 2, sval(pk)};
    kv->attrs[1] = (ddb_attr_t){"sk", 2, nval(sk)};
    kv->attrs[2] = (ddb_attr_t){"v", 1, sval(v ? v : "")};
    kv->item = (ddb_value_t){.type = DDB_T_M, .u.map = {kv->attrs, v ? 3 : 2}};
    return &kv->item;
}

static int put_fn(void *ctx, const ddb_value_t *old, const ddb_value_t **new_item,
                  ddb_error_t *err) {
    (void)old;
    (void)err;
    *new_item = ctx;
    return 0;
}

static int delete_fn(void *ctx, const ddb_value_t *old, const ddb_value_t **new_item,
                     ddb_error_t *err) {
    (void)ctx;
    (void)err;
    *new_item = old ? NULL : old;
    return 0;
}

static int refuse_fn(void *ctx, const ddb_value_t *old, const ddb_value_t **new_item,
                     ddb_error_t *err) {
    (void)ctx;
    (void)old;
    (void)new_item;
    return ddb_error_set(err, DDB_ERR_CONDITIONAL_CHECK, "The conditional request failed");
}

static ddb_table_info_t create_table(ddb_engine_t *e, const char *name) {
    static ddb_value_t meta = {.type = DDB_T_M};
    ddb_table_info_t t = {.name = name, .name_len = strlen(name), .meta = &meta};
    t.key = (ddb_key_schema_t){"pk", 2, DDB_T_S, "sk", 2, DDB_T_N};
    ddb_error_t err;
    CHECK(ddb_table_create(e, &t, &err) == 0);
    return t;
}

static void put(ddb_engine_t *e, ddb_table_info_t *t, ddb_arena_t *a, const char *pk,
                const char *sk, const char *v) {
    kv_t kv;
    const ddb_value_t *item = make_item(&kv, pk, sk, v);
    ddb_error_t err;
    CHECK(ddb_item_write(e, t, item, put_fn, (void *)item, a, &err) == 0);
}

static void test_catalog_and_items(const ddb_engine_opts_t *o) {
    ddb_engine_t *e;
    ddb_error_t err;
    CHECK(ddb_open(o, &e, &err) == 0);
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_table_info_t t = create_table(e, "users");
    ddb_table_info_t dup = t;
    CHECK(ddb_table_create(e, &dup, &err) == DDB_ERR_RESOURCE_IN_USE);
    create_table(e, "alpha");
    const char **names;
    size_t *lens, count;
    bool more;
    CHECK(ddb_table_list(e, NULL, 0, 1, a, &names, &lens, &count, &more, &err) == 0);
    CHECK(count == 1 && more && strcmp(names[0], "alpha") == 0);
    CHECK(ddb_table_list(e, "alpha", 5, 10, a, &names, &lens, &count, &more, &err) == 0);
    CHECK(count == 1 && !more && strcmp(names[0], "users") == 0);

    put(e, &t, a, "u1", "1", "hello");
    put(e, &t, a, "u1", "2", "x");
    put(e, &t, a, "u1", "1", "hi"); /* overwrite */
    kv_t kv;
    const ddb_value_t *key = make_item(&kv, "u1", "2", NULL), *got;
    CHECK(ddb_item_write(e, &t, key, delete_fn, NULL, a, &err) == 0);
    CHECK(ddb_item_write(e, &t, make_item(&kv, "zz", "9", NULL), delete_fn, NULL, a, &err) == 0);
    CHECK(ddb_item_write(e, &t, make_item(&kv, "u1", "1", NULL), refuse_fn, NULL, a, &err) ==
          DDB_ERR_CONDITIONAL_CHECK);
    /* the key 1.0 is the same item as 1 */
    CHECK(ddb_item_get(e, &t, make_item(&kv, "u1", "1.0", NULL), a, &got, &err) == 0);
    CHECK(got && ddb_map_get(got, "v", 1)->u.str.len == 2);
    CHECK(ddb_item_get(e, &t, make_item(&kv, "u1", "2", NULL), a, &got, &err) == 0 && got == NULL);
    ddb_table_info_t t2;
    CHECK(ddb_table_get(e, "users", 5, a, &t2, &err) == 0);
    CHECK(t2.item_count == 1);
    CHECK(t2.size_bytes == 2 + 2 + 2 + 2 + 1 + 2); /* pk:u1, sk:1 (2 bytes), v:hi */
    CHECK(t2.key.range_type == DDB_T_N && t2.key.hash_len == 2);
    CHECK(ddb_check(e, &err) == 0);
    ddb_close(e);

    /* reopen: everything is still there (unless in memory) */
    CHECK(ddb_open(o, &e, &err) == 0);
    int rc = ddb_table_get(e, "users", 5, a, &t2, &err);
    if (o->in_memory) {
        CHECK(rc == DDB_ERR_RESOURCE_NOT_FOUND);
    } else {
        CHECK(rc == 0 && t2.item_count == 1 && t2.id == t.id);
        CHECK(ddb_item_get(e, &t2, make_item(&kv, "u1", "1", NULL), a, &got, &err) == 0 && got);
        /* ids are never reused: a re-created table starts empty */
        CHECK(ddb_table_delete(e, "users", 5, &err) == 0);
        CHECK(ddb_table_delete(e, "users", 5, &err) == DDB_ERR_RESOURCE_NOT_FOUND);
        ddb_table_info_t t3 = create_table(e, "users");
        CHECK(t3.id > t2.id);
        CHECK(ddb_item_get(e, &t3, make_item(&kv, "u1", "1", NULL), a, &got, &err) == 0 && !got);
        /* a stale handle of the deleted table cannot write */
        CHECK(ddb_item_write(e, &t2, make_item(&kv, "u9", "1", "x"), put_fn, &kv.item, a, &err) ==
              DDB_ERR_RESOURCE_NOT_FOUND);
    }
    ddb_close(e);
    ddb_arena_destroy(a);
}

static void test_scan_and_segments(void) {
    ddb_engine_opts_t o = {.in_memory = true};
    ddb_engine_t *e;
    ddb_error_t err;
    CHECK(ddb_open(&o, &e, &err) == 0);
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_table_info_t t = create_table(e, "scan");
    ddb_table_info_t other = create_table(e, "other");
    char pk[16], sk[16];
    for (int p = 0; p < 50; p++) {
        for (int s = 0; s < 4; s++) {
            snprintf(pk, sizeof pk, "p%d", p);
            snprintf(sk, sizeof sk, "%d", 10 - s * 7); /* 10, 3, -4, -11 */
            put(e, &t, a, pk, sk, "v");
        }
    }
    put(e, &other, a, "p1", "1", "other table");
    /* full scan: 200 items, each partition contiguous with ascending sort keys */
    ddb_iter_t *it;
    CHECK(ddb_iter_scan(e, &t, NULL, NULL, 0, 1, &it, &err) == 0);
    const ddb_value_t *item, *prev = NULL;
    int n = 0, partitions = 0;
    while (ddb_iter_next(it, a, &item, &err) == 0 && item) {
        const ddb_value_t *p = ddb_map_get(item, "pk", 2);
        if (prev && ddb_value_equal(p, ddb_map_get(prev, "pk", 2))) {
            ddb_num_t x, y;
            const ddb_value_t *a1 = ddb_map_get(prev, "sk", 2), *b1 = ddb_map_get(item, "sk", 2);
            ddb_num_parse(a1->u.str.ptr, a1->u.str.len, &x, NULL);
            ddb_num_parse(b1->u.str.ptr, b1->u.str.len, &y, NULL);
            CHECK(ddb_num_cmp(&x, &y) < 0);
        } else {
            partitions++;
        }
        prev = item;
        n++;
    }
    ddb_iter_destroy(it);
    CHECK(n == 200 && partitions == 50);
    /* segments partition the table exactly */
    for (uint32_t total = 1; total <= 7; total += 3) {
        int sum = 0;
        for (uint32_t s = 0; s < total; s++) {
            CHECK(ddb_iter_scan(e, &t, NULL, NULL, s, total, &it, &err) == 0);
            while (ddb_iter_next(it, a, &item, &err) == 0 && item)
                sum++;
            ddb_iter_destroy(it);
        }
        CHECK(sum == 200);
    }
    /* start_after resumes after a key */
    kv_t kv;
    CHECK(ddb_iter_scan(e, &t, NULL, NULL, 0, 1, &it, &err) == 0);
    for (int i = 0; i < 5; i++)
        ddb_iter_next(it, a, &item, &err);
    const ddb_value_t *fifth = item;
    ddb_iter_destroy(it);
    const ddb_value_t *k = make_item(&kv, "", "0", NULL);
    kv.attrs[0].value = *ddb_map_get(fifth, "pk", 2);
    kv.attrs[1].value = *ddb_map_get(fifth, "sk", 2);
    CHECK(ddb_iter_scan(e, &t, NULL, k, 0, 1, &it, &err) == 0);
    int rest = 0;
    while (ddb_iter_next(it, a, &item, &err) == 0 && item) {
        CHECK(!ddb_value_equal(item, fifth));
        rest++;
    }
    ddb_iter_destroy(it);
    CHECK(rest == 195);
    CHECK(ddb_check(e, &err) == 0);
    ddb_arena_destroy(a);
    ddb_close(e);
}

/* ---- query ranges ------------------------------------------------------------ */

static int collect(ddb_engine_t *e, ddb_table_info_t *t, ddb_arena_t *a, const ddb_key_range_t *r,
                   bool reverse, char *out, size_t cap) {
    ddb_iter_t *it;
    ddb_error_t err;
    if (ddb_iter_query(e, t, NULL, r, NULL, reverse, &it, &err)) return -1;
    const ddb_value_t *item;
    size_t k = 0;
    out[0] = '\0';
    int n = 0;
    while (ddb_iter_next(it, a, &item, &err) == 0 && item) {
        const ddb_value_t *sk = ddb_map_get(item, "sk", 2);
        k += (size_t)snprintf(out + k, cap - k, "%s%.*s", n ? "," : "", (int)sk->u.str.len,
                              sk->u.str.ptr);
        n++;
    }
    ddb_iter_destroy(it);
    return n;
}

static void test_query_ranges(void) {
    ddb_engine_opts_t o = {.in_memory = true};
    ddb_engine_t *e;
    ddb_error_t err;
    CHECK(ddb_open(&o, &e, &err) == 0);
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_table_info_t t = create_table(e, "ranges");
    static const char *const sks[] = {"-5", "-1.5", "0", "1", "2", "10", "100"};
    for (size_t i = 0; i < 7; i++)
        put(e, &t, a, "p", sks[i], "v");
    put(e, &t, a, "o", "1", "other partition");
    put(e, &t, a, "p1", "1", "a partition whose key extends p");
    ddb_value_t p = sval("p"), one = nval("1"), ten = nval("10"), neg = nval("-1.5");
    char got[256];
    ddb_key_range_t all = {.hash = &p};
    CHECK(collect(e, &t, a, &all, false, got, sizeof got) == 7);
    CHECK_STR(got, "-5,-1.5,0,1,2,10,100");
    CHECK(collect(e, &t, a, &all, true, got, sizeof got) == 7);
    CHECK_STR(got, "100,10,2,1,0,-1.5,-5");
    ddb_key_range_t between = {
        .hash = &p, .lo = &neg, .lo_incl = true, .hi = &ten, .hi_incl = true};
    collect(e, &t, a, &between, false, got, sizeof got);
    CHECK_STR(got, "-1.5,0,1,2,10");
    ddb_key_range_t open = {.hash = &p, .lo = &neg, .lo_incl = false, .hi = &ten, .hi_incl = false};
    collect(e, &t, a, &open, true, got, sizeof got);
    CHECK_STR(got, "2,1,0");
    ddb_key_range_t eq = {.hash = &p, .lo = &one, .lo_incl = true, .hi = &one, .hi_incl = true};
    collect(e, &t, a, &eq, false, got, sizeof got);
    CHECK_STR(got, "1");
    ddb_key_range_t gt = {.hash = &p, .lo = &ten, .lo_incl = false};
    collect(e, &t, a, &gt, true, got, sizeof got);
    CHECK_STR(got, "100");
    ddb_value_t none = sval("nobody");
    ddb_key_range_t empty = {.hash = &none};
    CHECK(collect(e, &t, a, &empty, false, got, sizeof got) == 0);
    /* begins_with on a string sort key, including 0xFF bytes */
    static ddb_value_t meta = {.type = DDB_T_M};
    ddb_table_info_t st = {.name = "strs", .name_len = 4, .meta = &meta};
    st.key = (ddb_key_schema_t){"pk", 2, DDB_T_S, "sk", 2, DDB_T_S};
    CHECK(ddb_table_create(e, &st, &err) == 0);
    static const char *const strs[] = {"a", "ab", "abc", "abd", "b", "\xff", "\xff\xff", "\377a"};
    for (size_t i = 0; i < 8; i++) {
        ddb_attr_t attrs[2] = {{"pk", 2, sval("p")}, {"sk", 2, sval(strs[i])}};
        ddb_value_t item = {.type = DDB_T_M, .u.map = {attrs, 2}};
        CHECK(ddb_item_write(e, &st, &item, put_fn, &item, a, &err) == 0);
    }
    ddb_value_t ab = sval("ab"), ff = sval("\xff"), nothing = sval("");
    ddb_key_range_t pre = {.hash = &p, .prefix = &ab};
    CHECK(collect(e, &st, a, &pre, false, got, sizeof got) == 3);
    CHECK_STR(got, "ab,abc,abd");
    ddb_key_range_t preff = {.hash = &p, .prefix = &ff};
    CHECK(collect(e, &st, a, &preff, true, got, sizeof got) == 3);
    ddb_key_range_t preall = {.hash = &p, .prefix = &nothing};
    CHECK(collect(e, &st, a, &preall, false, got, sizeof got) == 8);
    ddb_arena_destroy(a);
    ddb_close(e);
}

/* ---- concurrency: read-modify-write increments through the single writer */

typedef struct worker {
    ddb_engine_t *e;
    ddb_table_info_t *t;
} worker_t;

static int incr_fn(void *ctx, const ddb_value_t *old, const ddb_value_t **new_item,
                   ddb_error_t *err) {
    ddb_arena_t *a = ctx;
    ddb_num_t cur = {0}, one, sum;
    if (old) {
        const ddb_value_t *c = ddb_map_get(old, "v", 1);
        ddb_num_parse(c->u.str.ptr, c->u.str.len, &cur, NULL);
    }
    ddb_num_parse("1", 1, &one, NULL);
    if (ddb_num_add(&cur, &one, &sum, err)) return DDB_ERR_VALIDATION;
    char *text = ddb_arena_alloc(a, DDB_NUM_MAX_TEXT);
    ddb_num_format(&sum, text, DDB_NUM_MAX_TEXT);
    ddb_attr_t *attrs = ddb_arena_alloc(a, sizeof(ddb_attr_t) * 3);
    attrs[0] = (ddb_attr_t){"pk", 2, sval("counter")};
    attrs[1] = (ddb_attr_t){"sk", 2, nval("0")};
    attrs[2] = (ddb_attr_t){"v", 1, nval(text)};
    ddb_value_t *item = ddb_arena_alloc(a, sizeof *item);
    *item = (ddb_value_t){.type = DDB_T_M, .u.map = {attrs, 3}};
    *new_item = item;
    return 0;
}

static void *worker_main(void *arg) {
    worker_t *w = arg;
    ddb_arena_t *a = ddb_arena_create(0);
    kv_t kv;
    const ddb_value_t *key = make_item(&kv, "counter", "0", NULL);
    for (int i = 0; i < 200; i++) {
        ddb_error_t err;
        if (ddb_item_write(w->e, w->t, key, incr_fn, a, a, &err)) abort();
        ddb_arena_reset(a);
    }
    ddb_arena_destroy(a);
    return NULL;
}

static void test_concurrent_increments(void) {
    ddb_engine_opts_t o = {.in_memory = true};
    ddb_engine_t *e;
    ddb_error_t err;
    CHECK(ddb_open(&o, &e, &err) == 0);
    ddb_table_info_t t = create_table(e, "counters");
    pthread_t th[8];
    worker_t w = {e, &t};
    for (int i = 0; i < 8; i++)
        pthread_create(&th[i], NULL, worker_main, &w);
    for (int i = 0; i < 8; i++)
        pthread_join(th[i], NULL);
    ddb_arena_t *a = ddb_arena_create(0);
    kv_t kv;
    const ddb_value_t *got;
    CHECK(ddb_item_get(e, &t, make_item(&kv, "counter", "0", NULL), a, &got, &err) == 0 && got);
    const ddb_value_t *v = ddb_map_get(got, "v", 1);
    CHECK(v && v->u.str.len == 4 && memcmp(v->u.str.ptr, "1600", 4) == 0);
    ddb_arena_destroy(a);
    ddb_close(e);
}

/* ---- commit notification ------------------------------------------------------ */

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms) {
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static ddb_table_info_t create_stream_table(ddb_engine_t *e, const char *name) {
    static ddb_value_t meta = {.type = DDB_T_M};
    ddb_table_info_t t = {.name = name, .name_len = strlen(name), .meta = &meta};
    t.key = (ddb_key_schema_t){"pk", 2, DDB_T_S, "sk", 2, DDB_T_N};
    t.stream.enabled = true;
    t.stream.view = DDB_VIEW_NEW_AND_OLD_IMAGES;
    ddb_error_t err;
    CHECK(ddb_table_create(e, &t, &err) == 0);
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_table_info_t got;
    CHECK(ddb_table_get(e, name, strlen(name), a, &got, &err) == 0);
    CHECK(got.stream.enabled && got.stream.id == t.stream.id);
    ddb_arena_destroy(a);
    return t;
}

/* Records of the stream's first shard from `from` on. */
static size_t records_from(ddb_engine_t *e, const ddb_table_info_t *t, uint64_t from) {
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_stream_record_t *r;
    size_t n = 0;
    uint64_t next;
    bool done;
    ddb_error_t err;
    CHECK(ddb_stream_read(e, t->stream.id, 0, from, 100, 1 << 20, a, &r, &n, &next, &done, &err) ==
          0);
    ddb_arena_destroy(a);
    return n;
}

typedef struct later_write {
    ddb_engine_t *e;
    ddb_table_info_t *t;
    int delay_ms;       /* before the write */
    int hold_ms;        /* inside the mutate callback, holding the writer */
    atomic_bool inside; /* the callback has started */
    bool commit;        /* ddb_commit after the write (group commit) */
    const char *value;  /* the item's v (a new one each time: a write that
                         * changes nothing writes no record) */
} later_write_t;

static int slow_put_fn(void *ctx, const ddb_value_t *old, const ddb_value_t **new_item,
                       ddb_error_t *err) {
    (void)old;
    (void)err;
    later_write_t *w = ctx;
    static kv_t kv;
    atomic_store(&w->inside, true);
    sleep_ms(w->hold_ms);
    *new_item = make_item(&kv, "later", "1", w->value);
    return 0;
}

static void *later_main(void *arg) {
    later_write_t *w = arg;
    sleep_ms(w->delay_ms);
    ddb_arena_t *a = ddb_arena_create(0);
    kv_t kv;
    ddb_error_t err;
    const ddb_value_t *key = make_item(&kv, "later", "1", NULL);
    CHECK(ddb_item_write(w->e, w->t, key, slow_put_fn, w, a, &err) == 0);
    if (w->commit) CHECK(ddb_commit(w->e, &err) == 0);
    ddb_arena_destroy(a);
    return NULL;
}

static void test_stream_wait(void) {
    ddb_engine_opts_t o = {.in_memory = true};
    ddb_engine_t *e;
    ddb_error_t err;
    CHECK(ddb_open(&o, &e, &err) == 0);
    ddb_table_info_t t = create_stream_table(e, "waited");
    uint64_t seen = ddb_stream_latest(e);
    /* nothing new: no wait at all, then a timeout */
    CHECK(ddb_stream_wait(e, seen, 0) == 0);
    int64_t t0 = mono_ms();
    CHECK(ddb_stream_wait(e, seen, 60) == 0);
    CHECK(mono_ms() - t0 >= 50);
    /* a write 100 ms later wakes the waiter */
    later_write_t w = {.e = e, .t = &t, .delay_ms = 100, .value = "v1"};
    pthread_t th;
    CHECK(pthread_create(&th, NULL, later_main, &w) == 0);
    t0 = mono_ms();
    CHECK(ddb_stream_wait(e, seen, 5000) == 1);
    int64_t waited = mono_ms() - t0;
    CHECK(waited >= 80 && waited < 4000);
    pthread_join(th, NULL);
    CHECK(ddb_stream_latest(e) == seen + 1);
    CHECK(records_from(e, &t, seen) == 1);
    /* waiting does not take the writer: while a write holds it for 300 ms,
     * the watermark reads at once and a short wait times out on time; the
     * write's commit then wakes a long wait */
    seen = ddb_stream_latest(e);
    later_write_t slow = {.e = e, .t = &t, .hold_ms = 300, .value = "v2"};
    CHECK(pthread_create(&th, NULL, later_main, &slow) == 0);
    while (!atomic_load(&slow.inside))
        sleep_ms(1);
    t0 = mono_ms();
    CHECK(ddb_stream_latest(e) == seen);
    CHECK(ddb_stream_wait(e, seen, 50) == 0);
    CHECK(mono_ms() - t0 < 200);
    CHECK(ddb_stream_wait(e, seen, 5000) == 1);
    CHECK(mono_ms() - t0 >= 150);
    pthread_join(th, NULL);
    CHECK(ddb_check(e, &err) == 0);
    ddb_close(e);
}

/* With group commit a record is published when ddb_commit has flushed it,
 * not when it is written: a reader never sees what a crash could undo. */
static void test_stream_wait_group_commit(void) {
    ddb_engine_opts_t o = {.in_memory = true, .group_commit = true};
    ddb_engine_t *e;
    ddb_error_t err;
    CHECK(ddb_open(&o, &e, &err) == 0);
    ddb_table_info_t t = create_stream_table(e, "grouped");
    CHECK(ddb_commit(e, &err) == 0);
    uint64_t seen = ddb_stream_latest(e);
    ddb_arena_t *a = ddb_arena_create(0);
    put(e, &t, a, "k", "1", "v");
    CHECK(ddb_stream_latest(e) == seen);
    CHECK(ddb_stream_wait(e, seen, 0) == 0);
    CHECK(records_from(e, &t, seen) == 0);
    CHECK(ddb_commit(e, &err) == 0);
    CHECK(ddb_stream_latest(e) == seen + 1);
    CHECK(records_from(e, &t, seen) == 1);
    /* a waiter wakes on the commit, not on the write */
    later_write_t w = {.e = e, .t = &t, .delay_ms = 50, .commit = true, .value = "v1"};
    pthread_t th;
    seen = ddb_stream_latest(e);
    CHECK(pthread_create(&th, NULL, later_main, &w) == 0);
    CHECK(ddb_stream_wait(e, seen, 5000) == 1);
    CHECK(records_from(e, &t, seen) == 1);
    pthread_join(th, NULL);
    ddb_arena_destroy(a);
    ddb_close(e);
}

/* ddb_check walks the streams: a healthy stream with every kind of change,
 * over two shards (a rollover) and a disabled stream, passes. (The failing
 * cases, which need internals, are in test_check.c.) */
static void test_check_streams(void) {
    ddb_engine_opts_t o = {.in_memory = true, .shard_rollover_s = 1};
    ddb_engine_t *e;
    ddb_error_t err;
    CHECK(ddb_open(&o, &e, &err) == 0);
    ddb_table_info_t t = create_stream_table(e, "checked");
    ddb_arena_t *a = ddb_arena_create(0);
    kv_t kv;
    for (int round = 0; round < 2; round++) {
        put(e, &t, a, "a", "1", "x");
        put(e, &t, a, "a", "1", round ? "z" : "y");
        put(e, &t, a, "b", "2", "x");
        CHECK(ddb_item_write(e, &t, make_item(&kv, "b", "2", NULL), delete_fn, NULL, a, &err) == 0);
        CHECK(ddb_check(e, &err) == 0);
        if (!round) sleep_ms(1100); /* the next write rolls the shard over */
    }
    ddb_shard_t *sh;
    size_t n;
    uint64_t trim;
    CHECK(ddb_stream_shards(e, t.stream.id, a, &sh, &n, &trim, &err) == 0);
    CHECK(n == 2 && sh[0].closed && !sh[1].closed && sh[1].parent == 0);
    static ddb_value_t meta = {.type = DDB_T_M};
    CHECK(ddb_stream_set(e, "checked", 7, DDB_VIEW_KEYS_ONLY, &meta, &err) == 0);
    put(e, &t, a, "c", "3", "x");
    CHECK(ddb_check(e, &err) == 0);
    ddb_arena_destroy(a);
    ddb_close(e);
}

int main(void) {
    char dir[] = "/tmp/ddb-test-engine-XXXXXX";
    if (!mkdtemp(dir)) return 2;
    ddb_engine_opts_t disk = {.data_dir = dir};
    ddb_engine_opts_t mem = {.in_memory = true};
    test_catalog_and_items(&disk);
    test_catalog_and_items(&mem);
    test_scan_and_segments();
    test_query_ranges();
    test_concurrent_increments();
    test_stream_wait();
    test_stream_wait_group_commit();
    test_check_streams();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return check_summary();
}
