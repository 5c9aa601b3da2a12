/* test_kv.c: the server's own records (ddb_kv_*): put/get/replace/delete,
 * namespaces apart, prefix scans in key order that stop when asked, no
 * table listed or touched by them, and records that survive a reopen of
 * the data directory. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "storage/ddb.h"

typedef struct seen {
    char keys[8][32];
    int n, stop_at;
} seen_t;

static int collect(void *ctx, const char *key, size_t klen, const char *val, size_t vlen) {
    (void)val, (void)vlen;
    seen_t *s = ctx;
    snprintf(s->keys[s->n], sizeof s->keys[0], "%.*s", (int)klen, key);
    s->n++;
    return s->n == s->stop_at;
}

static ddb_engine_t *open_dir(const char *dir) {
    ddb_engine_opts_t o = {.data_dir = dir, .inspect_only = true};
    ddb_engine_t *e = NULL;
    ddb_error_t err;
    CHECK(ddb_open(&o, &e, &err) == 0);
    return e;
}

static void test_records(ddb_engine_t *e) {
    ddb_error_t err;
    ddb_arena_t *a = ddb_arena_create(0);
    char *v;
    size_t vl;
    CHECK(ddb_kv_get(e, DDB_KV_MAPPINGS, "m1", 2, a, &v, &vl, &err) == 0 && v == NULL);
    CHECK(ddb_kv_put(e, DDB_KV_MAPPINGS, "m1", 2, "one", 3, &err) == 0);
    CHECK(ddb_kv_put(e, DDB_KV_MAPPINGS, "m1", 2, "uno", 3, &err) == 0); /* replaces */
    CHECK(ddb_kv_put(e, DDB_KV_MAPPINGS, "m2", 2, "two", 3, &err) == 0);
    CHECK(ddb_kv_put(e, DDB_KV_CHECKPOINTS, "m1", 2, "ck", 2, &err) == 0);
    CHECK(ddb_kv_get(e, DDB_KV_MAPPINGS, "m1", 2, a, &v, &vl, &err) == 0 && v && vl == 3);
    CHECK_STR(v, "uno");
    CHECK(ddb_kv_get(e, DDB_KV_CHECKPOINTS, "m1", 2, a, &v, &vl, &err) == 0);
    CHECK_STR(v, "ck");
    /* a scan sees its namespace only, in order, and stops when told */
    seen_t s = {0};
    CHECK(ddb_kv_scan(e, DDB_KV_MAPPINGS, "", 0, collect, &s, &err) == 0 && s.n == 2);
    CHECK_STR(s.keys[0], "m1");
    CHECK_STR(s.keys[1], "m2");
    seen_t one = {.stop_at = 1};
    CHECK(ddb_kv_scan(e, DDB_KV_MAPPINGS, "", 0, collect, &one, &err) == 0 && one.n == 1);
    seen_t pre = {0};
    CHECK(ddb_kv_scan(e, DDB_KV_MAPPINGS, "m2", 2, collect, &pre, &err) == 0 && pre.n == 1);
    /* records are not tables */
    const char **names;
    size_t *lens, count;
    bool more;
    CHECK(ddb_table_list(e, NULL, 0, 10, a, &names, &lens, &count, &more, &err) == 0 && count == 0);
    CHECK(ddb_kv_delete(e, DDB_KV_MAPPINGS, "m2", 2, &err) == 0);
    CHECK(ddb_kv_get(e, DDB_KV_MAPPINGS, "m2", 2, a, &v, &vl, &err) == 0 && v == NULL);
    ddb_arena_destroy(a);
}

int main(void) {
    char dir[] = "/tmp/ddb-test-kv-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    ddb_engine_t *e = open_dir(dir);
    test_records(e);
    ddb_close(e);
    /* durable: the records are there after a reopen */
    e = open_dir(dir);
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_error_t err;
    char *v;
    size_t vl;
    CHECK(ddb_kv_get(e, DDB_KV_MAPPINGS, "m1", 2, a, &v, &vl, &err) == 0);
    CHECK_STR(v, "uno");
    CHECK(ddb_kv_get(e, DDB_KV_MAPPINGS, "m2", 2, a, &v, &vl, &err) == 0 && v == NULL);
    CHECK(ddb_check(e, &err) == 0);
    ddb_arena_destroy(a);
    ddb_close(e);
    char cmd[64];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    return check_summary();
}
