/* test_rstore.c: bucket storage (storage/redis/rstore.h) on a real local
 * Redis Cluster (run by tests/cluster/run.sh): the function library loads
 * once per version, conditional writes conflict on a changed version and
 * write nothing, several items of a bucket are all or none, 16 threads on
 * their own connections incrementing one item end exact, key ranges come
 * back in byte order both ways, and TTL, local-index entries and change
 * records move with their items.
 * Usage: test_rstore redis-cluster://HOST:PORT,... */
#include "storage/redis/rstore.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../unit/check.h"

static rc_cluster_t *cluster;

static redisReply *raw(rc_conn_t *k, const rs_bucket_t *b, const char *fmt_suffix,
                       const char *cmd) {
    char key[64];
    snprintf(key, sizeof key, "%.*s%s", (int)b->len, b->tag, fmt_suffix);
    const char *argv[] = {cmd, key};
    redisReply *r = NULL;
    ddb_error_t err;
    if (rc_command(k, b->tag, b->len, false, 2, argv, NULL, &r, &err)) return NULL;
    return r;
}

static long long raw_int(rc_conn_t *k, const rs_bucket_t *b, const char *suffix, const char *cmd) {
    redisReply *r = raw(k, b, suffix, cmd);
    long long v = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
    if (r) freeReplyObject(r);
    return v;
}

static void test_functions(rc_conn_t *k) {
    ddb_error_t err;
    const char *flush[] = {"FUNCTION", "FLUSH"};
    CHECK(rc_each_master(k, 2, flush, NULL, &err) == 0);
    CHECK(rs_load_functions(k, &err) == 0);
    CHECK(rs_load_functions(k, &err) == 0); /* already there: nothing to do */
    const char *ver[] = {"FCALL_RO", "ddb_version", "0"};
    rc_addr_t m[RC_NODES_MAX];
    size_t n = rc_cluster_masters(cluster, m, RC_NODES_MAX);
    for (size_t i = 0; i < n; i++) {
        redisReply *r = NULL;
        CHECK(rc_node_command(k, &m[i], 3, ver, NULL, &r, &err) == 0);
        CHECK(r && r->type == REDIS_REPLY_INTEGER && r->integer == RS_LIBRARY_VERSION);
        if (r) freeReplyObject(r);
    }
}

static void test_conditional(rc_conn_t *k) {
    rs_bucket_t b;
    rs_bucket_name(&b, 1, 7);
    CHECK_STR(b.tag, "{t1:7}");
    ddb_error_t err;
    size_t conflict = 99;
    rs_write_t w = {.key = "a", .klen = 1, .expect = 0, .body = "one", .blen = 3, .expiry_s = -1};
    CHECK(rs_apply(k, &b, 1, &w, 1, 0, &conflict, NULL, &err) == 0);
    uint64_t v1 = w.version;
    CHECK(v1 > 0);
    redisReply *body = NULL;
    uint64_t ver = 0;
    CHECK(rs_get(k, &b, "a", 1, &body, &ver, NULL, &err) == 0);
    CHECK(body && body->len == 3 && !memcmp(body->str, "one", 3));
    CHECK(ver == v1);
    if (body) freeReplyObject(body);
    /* a writer that read before that put (version 0) conflicts and changes nothing */
    rs_write_t stale = {
        .key = "a", .klen = 1, .expect = 0, .body = "two", .blen = 3, .expiry_s = -1};
    CHECK(rs_apply(k, &b, 1, &stale, 1, 0, &conflict, NULL, &err) == DDB_ERR_TRANSACTION_CONFLICT);
    CHECK(conflict == 0);
    CHECK(rs_get(k, &b, "a", 1, &body, &ver, NULL, &err) == 0);
    CHECK(body && !memcmp(body->str, "one", 3) && ver == v1);
    if (body) freeReplyObject(body);
    /* two items, the second stale: neither is written */
    rs_write_t two[2] = {
        {.key = "b", .klen = 1, .expect = 0, .body = "B", .blen = 1, .expiry_s = -1},
        {.key = "a", .klen = 1, .expect = v1 + 100, .body = "A", .blen = 1, .expiry_s = -1},
    };
    CHECK(rs_apply(k, &b, 1, two, 2, 0, &conflict, NULL, &err) == DDB_ERR_TRANSACTION_CONFLICT);
    CHECK(conflict == 1);
    CHECK(rs_get(k, &b, "b", 1, &body, &ver, NULL, &err) == 0);
    CHECK(body == NULL && ver == 0);
    two[1].expect = v1;
    CHECK(rs_apply(k, &b, 1, two, 2, 0, &conflict, NULL, &err) == 0);
    CHECK(two[0].version > v1 && two[1].version > two[0].version); /* versions are never reused */
    /* delete, then a put expecting "absent" succeeds with a newer version */
    rs_write_t del = {
        .key = "a", .klen = 1, .expect = two[1].version, .op = RS_DELETE, .expiry_s = -1};
    CHECK(rs_apply(k, &b, 1, &del, 1, 0, &conflict, NULL, &err) == 0);
    CHECK(rs_get(k, &b, "a", 1, &body, &ver, NULL, &err) == 0 && body == NULL && ver == 0);
    rs_write_t again = {.key = "a", .klen = 1, .expect = 0, .body = "x", .blen = 1, .expiry_s = -1};
    CHECK(rs_apply(k, &b, 1, &again, 1, 0, &conflict, NULL, &err) == 0);
    CHECK(again.version > del.version);
}

/* Each thread adds 1 to the decimal in item "n" of bucket {t2:0} ITER times,
 * reading and writing conditionally, retrying on conflict. */
enum { THREADS = 16, ITER = 25 };

static void *adder(void *arg) {
    (void)arg;
    rc_conn_t *k = rc_conn_create(cluster);
    rs_bucket_t b;
    rs_bucket_name(&b, 2, 0);
    long conflicts = 0;
    for (int i = 0; i < ITER; i++) {
        for (;;) {
            ddb_error_t err;
            redisReply *body = NULL;
            uint64_t ver = 0;
            if (rs_get(k, &b, "n", 1, &body, &ver, NULL, &err)) break;
            long n = body ? strtol(body->str, NULL, 10) : 0;
            if (body) freeReplyObject(body);
            char s[32];
            int len = snprintf(s, sizeof s, "%ld", n + 1);
            rs_write_t w = {.key = "n",
                            .klen = 1,
                            .expect = ver,
                            .body = s,
                            .blen = (size_t)len,
                            .expiry_s = -1};
            int rc = rs_apply(k, &b, 1, &w, 1, 0, NULL, NULL, &err);
            if (rc == 0) break;
            if (rc != DDB_ERR_TRANSACTION_CONFLICT) {
                fprintf(stderr, "adder: %s\n", err.msg);
                break;
            }
            conflicts++;
        }
    }
    rc_conn_destroy(k);
    return (void *)conflicts;
}

static void test_concurrent(rc_conn_t *k) {
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, adder, NULL);
    long conflicts = 0;
    for (int i = 0; i < THREADS; i++) {
        void *c;
        pthread_join(t[i], &c);
        conflicts += (long)c;
    }
    rs_bucket_t b;
    rs_bucket_name(&b, 2, 0);
    redisReply *body = NULL;
    uint64_t ver;
    ddb_error_t err;
    CHECK(rs_get(k, &b, "n", 1, &body, &ver, NULL, &err) == 0);
    long n = body ? strtol(body->str, NULL, 10) : -1;
    printf("concurrent: %ld after %d adds (%ld conflicts retried)\n", n, THREADS * ITER, conflicts);
    CHECK(n == THREADS * ITER);
    if (body) freeReplyObject(body);
}

static void test_ranges(rc_conn_t *k) {
    rs_bucket_t b;
    rs_bucket_name(&b, 3, 1);
    static const char *keys[] = {"p\x01"
                                 "a",
                                 "p\x01"
                                 "b",
                                 "p\x01"
                                 "c\xff",
                                 "p\x01"
                                 "c\x00z",
                                 "q\x01"
                                 "a"};
    static const size_t lens[] = {3, 3, 4, 5, 3};
    ddb_error_t err;
    for (size_t i = 0; i < 5; i++) {
        rs_write_t w = {.key = keys[i], .klen = lens[i], .body = "v", .blen = 1, .expiry_s = -1};
        CHECK(rs_apply(k, &b, 1, &w, 1, 0, NULL, NULL, &err) == 0);
    }
    /* partition p: [p\x01, p\x02) */
    redisReply *r = NULL;
    CHECK(rs_range(k, &b, "p\x01", 2, true, "p\x02", 2, false, false, 0, false, &r, &err) == 0);
    CHECK(r && r->elements == 4);
    if (r && r->elements == 4) {
        CHECK(r->element[0]->len == 3 && !memcmp(r->element[0]->str, keys[0], 3));
        CHECK(r->element[2]->len == 5 &&
              !memcmp(r->element[2]->str, keys[3], 5)); /* c\0z before c\xff */
        CHECK(r->element[3]->len == 4 && !memcmp(r->element[3]->str, keys[2], 4));
    }
    if (r) freeReplyObject(r);
    CHECK(rs_range(k, &b, "p\x01", 2, true, "p\x02", 2, false, true, 2, false, &r, &err) == 0);
    CHECK(r && r->elements == 2 && r->element[0]->len == 4 &&
          !memcmp(r->element[0]->str, keys[2], 4));
    if (r) freeReplyObject(r);
    /* an exclusive lower bound (paging after "p\x01b") */
    CHECK(rs_range(k, &b, keys[1], 3, false, "p\x02", 2, false, false, 0, false, &r, &err) == 0);
    CHECK(r && r->elements == 2);
    if (r) freeReplyObject(r);
    CHECK(rs_range(k, &b, NULL, 0, false, NULL, 0, false, false, 0, false, &r, &err) == 0);
    CHECK(r && r->elements == 5);
    if (r) freeReplyObject(r);
}

/* An item and its local index entries: key sets of one slot, written in
 * one call (ddb.lua's key sets), each with its own items and size. */
static void test_key_sets(rc_conn_t *k) {
    rs_bucket_t sets[2];
    rs_bucket_name(&sets[0], 4, 2);
    rs_bucket_local(&sets[1], 4, 2, 9);
    CHECK(!strcmp(sets[1].tag, "{t4:2}l9."));
    CHECK(rs_same_slot(&sets[0], &sets[1]));
    rs_bucket_t other;
    rs_bucket_name(&other, 4, 3);
    CHECK(!rs_same_slot(&sets[0], &other));
    const rs_bucket_t *b = &sets[0], *lsi = &sets[1];
    ddb_error_t err;
    rs_write_t w[2] = {{.key = "k",
                        .klen = 1,
                        .body = "v",
                        .blen = 1,
                        .expiry_s = 1900000000,
                        .record = "rec1",
                        .rlen = 4,
                        .dsize = 5},
                       {.set = 1,
                        .key = "lsi-a",
                        .klen = 5,
                        .blind = true,
                        .body = "e",
                        .blen = 1,
                        .expiry_s = -1,
                        .dsize = 3}};
    CHECK(rs_apply(k, sets, 2, w, 2, 0, NULL, NULL, &err) == 0);
    CHECK(w[0].stream_id[0] != '\0' && w[1].stream_id[0] == '\0');
    CHECK(raw_int(k, b, "x", "ZCARD") == 1);
    CHECK(raw_int(k, b, "z", "ZCARD") == 1);
    CHECK(raw_int(k, lsi, "z", "ZCARD") == 1);
    CHECK(raw_int(k, lsi, "x", "ZCARD") == 0);
    CHECK(raw_int(k, b, "s", "XLEN") == 1);
    CHECK(raw_int(k, lsi, "s", "EXISTS") == 0);
    uint64_t count;
    int64_t bytes;
    CHECK(rs_stats(k, b, &count, &bytes, &err) == 0 && count == 1 && bytes == 5);
    CHECK(rs_stats(k, lsi, &count, &bytes, &err) == 0 && count == 1 && bytes == 3);
    /* rewritten without an expiry and its entry moved, in one call */
    rs_write_t w2[3] = {{.key = "k",
                         .klen = 1,
                         .expect = w[0].version,
                         .body = "v2",
                         .blen = 2,
                         .expiry_s = -1,
                         .record = "rec2",
                         .rlen = 4,
                         .dsize = 1},
                        {.set = 1,
                         .key = "lsi-a",
                         .klen = 5,
                         .blind = true,
                         .op = RS_DELETE,
                         .expiry_s = -1,
                         .dsize = -3},
                        {.set = 1,
                         .key = "lsi-b",
                         .klen = 5,
                         .blind = true,
                         .body = "e2",
                         .blen = 2,
                         .expiry_s = -1,
                         .dsize = 4}};
    CHECK(rs_apply(k, sets, 2, w2, 3, 0, NULL, NULL, &err) == 0);
    CHECK(strcmp(w2[0].stream_id, w[0].stream_id) > 0 ||
          strlen(w2[0].stream_id) > strlen(w[0].stream_id));
    CHECK(raw_int(k, b, "x", "ZCARD") == 0);
    CHECK(raw_int(k, lsi, "z", "ZCARD") == 1);
    CHECK(rs_stats(k, lsi, &count, &bytes, &err) == 0 && count == 1 && bytes == 4);
    CHECK(raw_int(k, b, "s", "XLEN") == 2);
    /* a stale item version fails the whole call: its entry is not written either */
    rs_write_t stale[2] = {
        {.key = "k", .klen = 1, .expect = w[0].version, .body = "v3", .blen = 2, .expiry_s = -1},
        {.set = 1,
         .key = "lsi-c",
         .klen = 5,
         .blind = true,
         .body = "e",
         .blen = 1,
         .expiry_s = -1}};
    size_t conflict = 9;
    CHECK(rs_apply(k, sets, 2, stale, 2, 0, &conflict, NULL, &err) == DDB_ERR_TRANSACTION_CONFLICT);
    CHECK(conflict == 0);
    CHECK(raw_int(k, lsi, "z", "ZCARD") == 1);
    /* a write naming a key set that was not given is refused before anything is sent */
    rs_write_t bad = {.set = 2,
                      .key = "k",
                      .klen = 1,
                      .expect = w2[0].version,
                      .body = "v3",
                      .blen = 2,
                      .expiry_s = -1};
    CHECK(rs_apply(k, sets, 2, &bad, 1, 0, NULL, NULL, &err) == DDB_ERR_INTERNAL);
    /* ... and by the function itself, for a caller that sends one anyway */
    redisReply *r = NULL;
    char kz[64], kb2[64];
    snprintf(kz, sizeof kz, "%sz", b->tag);
    snprintf(kb2, sizeof kb2, "%sb", b->tag);
    const char *argv[] = {"FCALL", "ddb_apply", "10", kz,  kb2, kz,  kz,  kz,  kz, kz, kz,  kz,
                          kz,      "1",         "0",  "2", "k", "*", "P", "x", "", "", "0", ""};
    CHECK(rc_command(k, b->tag, b->len, true, 24, argv, NULL, &r, &err) == 0);
    CHECK(r && r->type == REDIS_REPLY_ERROR && strstr(r->str, "key set 2 of 1"));
    if (r) freeReplyObject(r);
    /* a delete takes its TTL with it; records older than stream_keep_ms go,
     * roughly (whole stream nodes at a time) */
    rs_write_t d[2] = {{.key = "k",
                        .klen = 1,
                        .expect = w2[0].version,
                        .op = RS_DELETE,
                        .expiry_s = -1,
                        .record = "rec3",
                        .rlen = 4,
                        .dsize = -6},
                       {.set = 1,
                        .key = "lsi-b",
                        .klen = 5,
                        .blind = true,
                        .op = RS_DELETE,
                        .expiry_s = -1,
                        .dsize = -4}};
    CHECK(rs_apply(k, sets, 2, d, 2, 0, NULL, NULL, &err) == 0);
    CHECK(raw_int(k, lsi, "z", "ZCARD") == 0);
    CHECK(raw_int(k, b, "z", "ZCARD") == 0);
    CHECK(raw_int(k, b, "s", "XLEN") == 3);
    CHECK(rs_stats(k, b, &count, &bytes, &err) == 0 && count == 0 && bytes == 0);
    CHECK(rs_stats(k, lsi, &count, &bytes, &err) == 0 && count == 0 && bytes == 0);
    uint64_t ver = d[0].version;
    for (int i = 0; i < 300; i++) {
        rs_write_t p = {.key = "t",
                        .klen = 1,
                        .expect = i ? ver : 0,
                        .body = "v",
                        .blen = 1,
                        .expiry_s = -1,
                        .record = "r",
                        .rlen = 1};
        CHECK(rs_apply(k, b, 1, &p, 1, i < 299 ? 0 : 200, NULL, NULL, &err) == 0);
        ver = p.version;
        if (i == 298) {
            CHECK(raw_int(k, b, "s", "XLEN") == 302); /* no trim asked: all kept */
            struct timespec ts = {0, 400 * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    long long len = raw_int(k, b, "s", "XLEN");
    CHECK(len >= 1 && len < 150);
}

/* FCALL fn on bucket b's keys (suffixes) with args; the reply. */
static redisReply *fcall(rc_conn_t *k, const rs_bucket_t *b, const char *fn,
                         const char *const *suffix, int nkeys, const char *const *args, int nargs) {
    char keys[8][64], nk[8];
    const char *argv[32];
    int n = 0;
    argv[n++] = "FCALL";
    argv[n++] = fn;
    snprintf(nk, sizeof nk, "%d", nkeys);
    argv[n++] = nk;
    for (int i = 0; i < nkeys; i++) {
        snprintf(keys[i], sizeof keys[i], "%s%s", b->tag, suffix[i]);
        argv[n++] = keys[i];
    }
    for (int i = 0; i < nargs; i++)
        argv[n++] = args[i];
    redisReply *r = NULL;
    ddb_error_t err;
    CHECK(rc_command(k, b->tag, b->len, true, n, argv, NULL, &r, &err) == 0);
    return r;
}

static redisReply *raw_hget(rc_conn_t *k, const rs_bucket_t *b, const char *suffix, const char *f) {
    char key[64];
    snprintf(key, sizeof key, "%s%s", b->tag, suffix);
    const char *argv[] = {"HGET", key, f};
    redisReply *r = NULL;
    ddb_error_t err;
    CHECK(rc_command(k, b->tag, b->len, false, 3, argv, NULL, &r, &err) == 0);
    return r;
}

/* ddb_ix_apply: the later item version wins whatever the order, removals
 * included (tombstones); the entry count and size follow. */
static void test_index_applies(rc_conn_t *k) {
    rs_bucket_t b;
    rs_bucket_name(&b, 905, 2);
    static const char *const ix[] = {"z", "b", "v", "n", "w", "d", "e"};
    struct {
        const char *ver, *op, *body, *size, *want; /* want: the body after, "" for none */
        long long count;
    } steps[] = {
        {"5", "P", "b5", "10", "b5", 1}, {"3", "P", "b3", "30", "b5", 1}, /* older: ignored */
        {"4", "D", "", "0", "b5", 1},    {"5", "P", "b5", "10", "b5", 1}, /* the same again */
        {"6", "D", "", "0", "", 0},      {"5", "P", "b5", "10", "", 0},   /* the tombstone wins */
        {"7", "P", "b7", "12", "b7", 1},
    };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        const char *args[] = {"1000",       "300000",    "1",           "key",
                              steps[i].ver, steps[i].op, steps[i].body, steps[i].size};
        redisReply *r = fcall(k, &b, "ddb_ix_apply", ix, 7, args, 8);
        CHECK(r && r->type == REDIS_REPLY_ARRAY && r->elements == 3);
        if (r) freeReplyObject(r);
        redisReply *body = raw_hget(k, &b, "b", "key");
        if (steps[i].want[0])
            CHECK(body && body->type == REDIS_REPLY_STRING && !strcmp(body->str, steps[i].want));
        else
            CHECK(body && body->type == REDIS_REPLY_NIL);
        if (body) freeReplyObject(body);
        CHECK(raw_int(k, &b, "z", "ZCARD") == steps[i].count);
    }
    redisReply *n = raw(k, &b, "n", "GET");
    CHECK(n && n->type == REDIS_REPLY_STRING && !strcmp(n->str, "12"));
    if (n) freeReplyObject(n);
    /* a tombstone older than its lifetime is dropped by a later apply */
    const char *late[] = {"999999999", "1", "0"};
    redisReply *r = fcall(k, &b, "ddb_ix_apply", ix, 7, late, 3);
    if (r) freeReplyObject(r);
    CHECK(raw_int(k, &b, "e", "ZCARD") == 0);
}

/* ddb_feed_take/ddb_feed_done: one lease holder per bucket; its position
 * advances only while it holds the lease. */
static void test_feed_leases(rc_conn_t *k) {
    rs_bucket_t b;
    rs_bucket_name(&b, 906, 1);
    ddb_error_t err;
    for (int i = 0; i < 3; i++) {
        rs_write_t p = {.key = i == 0   ? "a"
                               : i == 1 ? "b"
                                        : "c",
                        .klen = 1,
                        .body = "v",
                        .blen = 1,
                        .expiry_s = -1,
                        .record = "r",
                        .rlen = 1};
        CHECK(rs_apply(k, &b, 1, &p, 1, 0, NULL, NULL, &err) == 0);
    }
    static const char *const take_keys[] = {"a", "g", "s"};
    const char *by_a[] = {"A", "5000", "2"}, *by_b[] = {"B", "5000", "2"};
    redisReply *r = fcall(k, &b, "ddb_feed_take", take_keys, 3, by_a, 3);
    CHECK(r && r->type == REDIS_REPLY_ARRAY && r->elements == 3 && r->element[0]->integer == 1);
    CHECK(r && r->elements == 3 && r->element[2]->elements == 2); /* count 2 of 3 */
    char second[48] = "";
    if (r && r->elements == 3 && r->element[2]->elements == 2)
        snprintf(second, sizeof second, "%s", r->element[2]->element[1]->element[0]->str);
    if (r) freeReplyObject(r);
    r = fcall(k, &b, "ddb_feed_take", take_keys, 3, by_b, 3);
    CHECK(r && r->type == REDIS_REPLY_ARRAY && r->elements == 1 && r->element[0]->integer == 0);
    if (r) freeReplyObject(r);
    const char *done_b[] = {"B", second}, *done_a[] = {"A", second};
    r = fcall(k, &b, "ddb_feed_done", take_keys, 2, done_b, 2);
    CHECK(r && r->type == REDIS_REPLY_INTEGER && r->integer == 0); /* not B's */
    if (r) freeReplyObject(r);
    r = fcall(k, &b, "ddb_feed_done", take_keys, 2, done_a, 2);
    CHECK(r && r->type == REDIS_REPLY_INTEGER && r->integer == 1);
    if (r) freeReplyObject(r);
    r = fcall(k, &b, "ddb_feed_take", take_keys, 3, by_a, 3);
    CHECK(r && r->elements == 3 && r->element[2]->elements == 1); /* only the third is left */
    CHECK(r && r->elements == 3 && !strcmp(r->element[1]->str, second));
    if (r) freeReplyObject(r);
    /* a clean stop gives the lease up: only its holder can, and then B takes it at once */
    const char *rel_b[] = {"B"}, *rel_a[] = {"A"};
    r = fcall(k, &b, "ddb_feed_release", take_keys, 1, rel_b, 1);
    CHECK(r && r->type == REDIS_REPLY_INTEGER && r->integer == 0);
    if (r) freeReplyObject(r);
    r = fcall(k, &b, "ddb_feed_release", take_keys, 1, rel_a, 1);
    CHECK(r && r->type == REDIS_REPLY_INTEGER && r->integer == 1);
    if (r) freeReplyObject(r);
    r = fcall(k, &b, "ddb_feed_take", take_keys, 3, by_b, 3);
    CHECK(r && r->type == REDIS_REPLY_ARRAY && r->elements == 3 && r->element[0]->integer == 1);
    if (r) freeReplyObject(r);
}

/* Point-in-time recovery's history: writes marked hist record the item's
 * state before in the key set's h; a copy of the bucket undone to a time
 * (ddb_pitr_copy, then ddb_pitr_undo page by page) is the bucket as it was
 * then. */
static uint64_t put(rc_conn_t *k, const rs_bucket_t *b, const char *key, const char *body,
                    uint64_t expect, bool hist) {
    rs_write_t w = {.key = key,
                    .klen = strlen(key),
                    .expect = expect,
                    .op = body ? RS_PUT : RS_DELETE,
                    .body = body,
                    .blen = body ? strlen(body) : 0,
                    .expiry_s = -1,
                    .hist = hist};
    ddb_error_t err;
    CHECK(rs_apply(k, b, 1, &w, 1, 0, NULL, NULL, &err) == 0);
    return w.version;
}

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_history(rc_conn_t *k) {
    rs_bucket_t b;
    rs_bucket_name(&b, 6, 1);
    uint64_t v1 = put(k, &b, "k1", "one", 0, true);
    uint64_t v2 = put(k, &b, "k2", "two", 0, true);
    (void)put(k, &b, "quiet", "q", 0, false); /* not recorded */
    CHECK(raw_int(k, &b, "h", "XLEN") == 2);
    struct timespec gap = {0, 5 * 1000000L};
    nanosleep(&gap, NULL);
    long long at = now_ms();
    nanosleep(&gap, NULL);
    (void)put(k, &b, "k1", "ONE", v1, true);
    (void)put(k, &b, "k2", NULL, v2, true);
    (void)put(k, &b, "k3", "three", 0, true);
    CHECK(raw_int(k, &b, "h", "XLEN") == 5);
    const char *copy_keys[] = {"z", "b", "h", "P9.z", "P9.b", "P9.l"};
    redisReply *r = fcall(k, &b, "ddb_pitr_copy", copy_keys, 6, NULL, 0);
    CHECK(r && r->type == REDIS_REPLY_INTEGER && r->integer == 1);
    if (r) freeReplyObject(r);
    r = fcall(k, &b, "ddb_pitr_copy", copy_keys, 6, NULL, 0); /* once only */
    CHECK(r && r->type == REDIS_REPLY_INTEGER && r->integer == 0);
    if (r) freeReplyObject(r);
    char ats[24];
    snprintf(ats, sizeof ats, "%lld", at);
    const char *undo_keys[] = {"P9.z", "P9.b", "P9.l", "h"};
    const char *args[] = {ats, "1"}; /* one record a call */
    int calls = 0;
    for (long long more = 1; more && calls < 10; calls++) {
        r = fcall(k, &b, "ddb_pitr_undo", undo_keys, 4, args, 2);
        more = r && r->type == REDIS_REPLY_INTEGER ? r->integer : 0;
        if (r) freeReplyObject(r);
    }
    CHECK(calls == 4); /* three records after at, then the one that finds none */
    CHECK(raw_int(k, &b, "P9.z", "ZCARD") == 3); /* k1, k2, quiet */
    r = raw_hget(k, &b, "P9.b", "k1");
    CHECK(r && r->type == REDIS_REPLY_STRING && !strcmp(r->str, "one"));
    if (r) freeReplyObject(r);
    r = raw_hget(k, &b, "P9.b", "k2");
    CHECK(r && r->type == REDIS_REPLY_STRING && !strcmp(r->str, "two"));
    if (r) freeReplyObject(r);
    r = raw_hget(k, &b, "P9.b", "k3");
    CHECK(r && r->type == REDIS_REPLY_NIL);
    if (r) freeReplyObject(r);
    /* the source is as it is now */
    r = raw_hget(k, &b, "b", "k1");
    CHECK(r && r->type == REDIS_REPLY_STRING && !strcmp(r->str, "ONE"));
    if (r) freeReplyObject(r);
    r = fcall(k, &b, "ddb_pitr_undo", undo_keys, 4, args, 2); /* done: nothing more */
    CHECK(r && r->type == REDIS_REPLY_INTEGER && r->integer == 0);
    if (r) freeReplyObject(r);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: test_rstore redis-cluster://HOST:PORT,...\n");
        return 2;
    }
    rc_opts_t o = {.wait_replicas = 1};
    ddb_error_t err;
    if (rc_cluster_open(argv[1], &o, &cluster, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    rc_conn_t *k = rc_conn_create(cluster);
    test_functions(k);
    test_conditional(k);
    test_concurrent(k);
    test_ranges(k);
    test_key_sets(k);
    test_index_applies(k);
    test_feed_leases(k);
    test_history(k);
    rc_conn_destroy(k);
    rc_cluster_close(cluster);
    return check_summary();
}
