/* rx_engine.c: the Redis Cluster backend's engine (see rx.h): opening (the
 * slot map, the function library, the cluster's bucket count), per-thread
 * connections, the store's secret, the small key-value namespaces (Lambda
 * mappings, trigger checkpoints) and what this backend refuses for now:
 * --backup-to. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "storage/redis/rx_int.h"

int rx__unsupported(ddb_error_t *err, const char *what) {
    return ddb_error_set(err, DDB_ERR_VALIDATION,
                         "%s is not supported by the redis-cluster store yet", what);
}

rc_conn_t *rx__conn(rx_engine_t *e) {
    rc_conn_t *k = pthread_getspecific(e->conn_key);
    if (k) return k;
    k = rc_conn_create(e->c);
    if (!k) abort();
    pthread_mutex_lock(&e->mu);
    if (e->nconns == e->capconns) {
        e->capconns = e->capconns ? 2 * e->capconns : 8;
        e->conns = realloc(e->conns, e->capconns * sizeof *e->conns);
        if (!e->conns) abort();
    }
    e->conns[e->nconns++] = k;
    pthread_mutex_unlock(&e->mu);
    pthread_setspecific(e->conn_key, k);
    return k;
}

uint32_t rx__bucket_index(const rx_engine_t *e, uint64_t hash) {
    return e->bucket_shift >= 64 ? 0 : (uint32_t)(hash >> e->bucket_shift);
}

void rx__bucket(const rx_engine_t *e, const uint8_t *key, size_t len, rs_bucket_t *out) {
    uint32_t id = len >= 4 ? kc_get_be32(key) : 0;
    rs_bucket_name(out, id, rx__bucket_index(e, len >= 12 ? kc_get_be64(key + 4) : 0));
}

void rx__set_name(uint32_t owner, uint32_t id, uint32_t bucket, rs_bucket_t *out) {
    if (owner && owner != id)
        rs_bucket_local(out, owner, bucket, id);
    else
        rs_bucket_name(out, id, bucket);
}

uint32_t rx__owner(const ddb_table_info_t *t, const ddb_index_info_t *ix) {
    return ix && ix->local ? t->id : 0;
}

void rx__key_set(const rx_engine_t *e, const ddb_table_info_t *t, const ddb_index_info_t *ix,
                 const uint8_t *key, size_t len, rs_bucket_t *out) {
    uint32_t id = len >= 4 ? kc_get_be32(key) : 0;
    rx__set_name(rx__owner(t, ix), id, rx__bucket_index(e, len >= 12 ? kc_get_be64(key + 4) : 0),
                 out);
}

void rx__cmd_word(rx_cmd_t *c, const char *fmt, ...) {
    if (c->argc == RX_CMD_WORDS) abort();
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->buf[c->argc], sizeof c->buf[0], fmt, ap);
    va_end(ap);
    c->argv[c->argc] = c->buf[c->argc];
    c->argc++;
}

void rx__cmd_key(rx_cmd_t *c, const rs_bucket_t *set, const char *suffix) {
    if (c->route < 0) c->route = c->argc;
    rx__cmd_word(c, "%.*s%s", (int)set->len, set->tag, suffix);
}

int rx__per_bucket(rx_engine_t *e, bool write, rx_cmd_build_fn build, rx_cmd_reply_fn got,
                   void *ctx, ddb_error_t *err) {
    uint32_t nb = e->buckets;
    rx_cmd_t *c = calloc(nb, sizeof *c);
    rc_cmd_t *cmds = calloc(nb, sizeof *cmds);
    uint32_t *of = calloc(nb, sizeof *of);
    if (!c || !cmds || !of) abort();
    size_t n = 0;
    for (uint32_t b = 0; b < nb; b++) {
        rx_cmd_t *x = &c[n];
        x->route = -1;
        build(ctx, b, x);
        if (!x->argc) continue;
        const char *route = x->argv[x->route < 0 ? 0 : x->route];
        cmds[n] = (rc_cmd_t){.key = route,
                             .klen = strlen(route),
                             .argc = x->argc,
                             .argv = x->argv,
                             .write = write,
                             .idempotent = true};
        of[n++] = b;
    }
    int rc = n ? rc_exec(rx__conn(e), cmds, n, err) : 0;
    for (size_t i = 0; i < n; i++) {
        if (!rc && got) rc = got(ctx, of[i], cmds[i].reply, err);
        if (cmds[i].reply) freeReplyObject(cmds[i].reply);
    }
    free(c), free(cmds), free(of);
    return rc;
}

int rx__cmp_replies(const void *a, const void *b) {
    const redisReply *x = *(redisReply *const *)a, *y = *(redisReply *const *)b;
    return ddb__cmp_bytes((const uint8_t *)x->str, x->len, (const uint8_t *)y->str, y->len);
}

int rx__call(rx_engine_t *e, const char *key, size_t klen, bool write, int argc, const char **argv,
             const size_t *lens, redisReply **out, ddb_error_t *err) {
    int rc = rc_command(rx__conn(e), key, klen, write, argc, argv, lens, out, err);
    if (!rc && (*out)->type == REDIS_REPLY_ERROR) {
        rc = ddb_error_set(err, DDB_ERR_INTERNAL, "%s: %.*s", argv[0], (int)(*out)->len,
                           (*out)->str);
        freeReplyObject(*out);
        *out = NULL;
    }
    return rc;
}

int rx__cat(rx_engine_t *e, bool write, int argc, const char **argv, const size_t *lens,
            redisReply **out, ddb_error_t *err) {
    return rx__call(e, RX_CAT_TAG, strlen(RX_CAT_TAG), write, argc, argv, lens, out, err);
}

/* The cluster's bucket count: fixed by the first front end that opens it. */
static int bucket_count(rx_engine_t *e, ddb_error_t *err) {
    char def[16];
    snprintf(def, sizeof def, "%d", RX_BUCKETS_DEFAULT);
    const char *set[] = {"SET", RX_CAT_BUCKETS, def, "NX"};
    redisReply *r;
    int rc = rx__cat(e, true, 4, set, NULL, &r, err);
    if (rc) return rc;
    freeReplyObject(r);
    const char *get[] = {"GET", RX_CAT_BUCKETS};
    rc = rx__cat(e, false, 2, get, NULL, &r, err);
    if (rc) return rc;
    long n = r->type == REDIS_REPLY_STRING ? strtol(r->str, NULL, 10) : 0;
    freeReplyObject(r);
    if (n < 1 || n > 65536 || (n & (n - 1)))
        return ddb_error_set(err, DDB_ERR_INTERNAL,
                             "the cluster's bucket count (%ld) is not a power of two", n);
    e->buckets = (uint32_t)n;
    unsigned bits = 0;
    while ((1u << bits) < e->buckets)
        bits++;
    e->bucket_shift = 64 - bits;
    return 0;
}

int rx_open(const ddb_engine_opts_t *opts, rx_engine_t **out, ddb_error_t *err) {
    *out = NULL;
    rx_engine_t *e = calloc(1, sizeof *e);
    if (!e) return ddb_error_set(err, DDB_ERR_INTERNAL, "out of memory");
    pthread_mutex_init(&e->mu, NULL);
    /* no destructor: a thread's connections stay in e->conns until rx_close */
    pthread_key_create(&e->conn_key, NULL);
    e->max_tables = opts->max_tables;
    e->ttl_interval_ms = opts->ttl_interval_ms ? opts->ttl_interval_ms : 2000;
    e->token_window_ms = (int64_t)(opts->token_window_s ? opts->token_window_s : 600) * 1000;
    e->stream_lanes = opts->stream_shards ? opts->stream_shards : 1;
    if (e->stream_lanes > DDB_STREAM_LANES_MAX) e->stream_lanes = DDB_STREAM_LANES_MAX;
    e->rollover_ms = (int64_t)(opts->shard_rollover_s ? opts->shard_rollover_s : 4 * 3600) * 1000;
    e->retention_ms =
        (int64_t)(opts->stream_retention_s ? opts->stream_retention_s : 24 * 3600) * 1000;
    e->tx.stream_keep_ms = (size_t)e->retention_ms;
    pthread_mutex_init(&e->feed_mu, NULL);
    pthread_cond_init(&e->jobs_cond, NULL);
    e->backfill_batch = opts->backfill_batch ? opts->backfill_batch : 1000;
    e->backfill_pause_ms = opts->backfill_pause_ms;
    e->pitr_retention_ms =
        (int64_t)(opts->pitr_retention_s ? opts->pitr_retention_s : 35 * 86400) * 1000;
    pthread_cond_init(&e->feed_cond, NULL);
    uint8_t rnd[8] = {0};
    if (getrandom(rnd, sizeof rnd, 0) != sizeof rnd) {
        uint64_t t = (uint64_t)ddb_now_ms() ^ (uint64_t)getpid() << 32;
        memcpy(rnd, &t, sizeof t);
    }
    for (int i = 0; i < 8; i++)
        snprintf(e->owner + 2 * i, 3, "%02x", rnd[i]);
    rc_opts_t o = {.wait_replicas = (int)opts->cluster_replicas};
    int rc = rc_cluster_open(opts->cluster, &o, &e->c, err);
    if (!rc) rc = rs_load_functions(rx__conn(e), err);
    if (!rc) rc = bucket_count(e, err);
    if (rc) {
        rx_close(e);
        return rc;
    }
    if (e->buckets > RX_SEQ_BUCKETS) {
        /* a stream's sequence numbers tell 64 buckets apart (rx__seq) */
        e->stream_lanes = 0;
    }
    if (!opts->inspect_only) {
        rx__sweeper_start(e);
        rx__applier_start(e);
    }
    *out = e;
    return 0;
}

void rx_close(rx_engine_t *e) {
    if (!e) return;
    rx__applier_stop(e);
    rx__sweeper_stop(e);
    atomic_store(&e->stop, true);
    rx__jobs_wait(e); /* they see stop and leave the rest to a resume */
    for (size_t i = 0; i < e->nconns; i++)
        rc_conn_destroy(e->conns[i]);
    free(e->conns);
    free(e->stats);
    pthread_key_delete(e->conn_key);
    pthread_mutex_destroy(&e->mu);
    pthread_mutex_destroy(&e->feed_mu);
    pthread_cond_destroy(&e->feed_cond);
    pthread_cond_destroy(&e->jobs_cond);
    rc_cluster_close(e->c);
    free(e);
}

const char *rx_read_only(rx_engine_t *e) {
    (void)e;
    return NULL;
}

/* A write is acknowledged by its own call (the master applied it and, with
 * cluster_replicas, WAIT saw replicas take it): nothing is left to flush. */
int rx_commit(rx_engine_t *e, ddb_error_t *err) {
    (void)e;
    (void)err;
    return 0;
}

int rx_commit_round(rx_engine_t *e, uint64_t *mark, ddb_error_t *err) {
    (void)mark;
    return rx_commit(e, err);
}

int rx_secret(rx_engine_t *e, uint8_t out[DDB_SECRET_LEN], ddb_error_t *err) {
    uint8_t fresh[DDB_SECRET_LEN];
    if (getrandom(fresh, sizeof fresh, 0) != (ssize_t)sizeof fresh)
        return ddb_error_set(err, DDB_ERR_INTERNAL, "getrandom failed");
    const char *set[] = {"SET", RX_CAT_SECRET, (const char *)fresh, "NX"};
    size_t lens[] = {3, strlen(RX_CAT_SECRET), sizeof fresh, 2};
    redisReply *r;
    int rc = rx__cat(e, true, 4, set, lens, &r, err);
    if (rc) return rc;
    freeReplyObject(r);
    const char *get[] = {"GET", RX_CAT_SECRET};
    rc = rx__cat(e, false, 2, get, NULL, &r, err);
    if (rc) return rc;
    if (r->type != REDIS_REPLY_STRING || r->len != DDB_SECRET_LEN) {
        freeReplyObject(r);
        return ddb_error_set(err, DDB_ERR_INTERNAL, "the cluster's secret is malformed");
    }
    memcpy(out, r->str, DDB_SECRET_LEN);
    freeReplyObject(r);
    return 0;
}

/* ---- the key-value namespaces: one hash per namespace, in its own slot -- */

static void kv_name(char out[32], uint8_t ns) {
    snprintf(out, 32, "{ddb:kv%u}", ns);
}

int rx_kv_get(rx_engine_t *e, uint8_t ns, const void *key, size_t klen, ddb_arena_t *a, char **val,
              size_t *vlen, ddb_error_t *err) {
    char h[32];
    kv_name(h, ns);
    const char *argv[] = {"HGET", h, key};
    size_t lens[] = {4, strlen(h), klen};
    redisReply *r;
    *val = NULL;
    *vlen = 0;
    int rc = rx__call(e, h, lens[1], false, 3, argv, lens, &r, err);
    if (rc) return rc;
    if (r->type == REDIS_REPLY_STRING) {
        *val = ddb_arena_alloc(a, r->len + 1);
        memcpy(*val, r->str, r->len);
        (*val)[r->len] = '\0';
        *vlen = r->len;
    }
    freeReplyObject(r);
    return 0;
}

int rx_kv_put(rx_engine_t *e, uint8_t ns, const void *key, size_t klen, const void *val,
              size_t vlen, ddb_error_t *err) {
    char h[32];
    kv_name(h, ns);
    const char *argv[] = {"HSET", h, key, val};
    size_t lens[] = {4, strlen(h), klen, vlen};
    redisReply *r;
    int rc = rx__call(e, h, lens[1], true, 4, argv, lens, &r, err);
    if (!rc) freeReplyObject(r);
    return rc;
}

int rx_kv_put_lazy(rx_engine_t *e, uint8_t ns, const void *key, size_t klen, const void *val,
                   size_t vlen, ddb_error_t *err) {
    return rx_kv_put(e, ns, key, klen, val, vlen, err);
}

int rx_kv_delete(rx_engine_t *e, uint8_t ns, const void *key, size_t klen, ddb_error_t *err) {
    char h[32];
    kv_name(h, ns);
    const char *argv[] = {"HDEL", h, key};
    size_t lens[] = {4, strlen(h), klen};
    redisReply *r;
    int rc = rx__call(e, h, lens[1], true, 3, argv, lens, &r, err);
    if (!rc) freeReplyObject(r);
    return rc;
}

/* qsort's order of pointers to the keys of a key-value reply's elements. */
static int cmp_pair(const void *a, const void *b) {
    return rx__cmp_replies(*(redisReply * *const *)a, *(redisReply * *const *)b);
}

int rx_kv_scan(rx_engine_t *e, uint8_t ns, const void *prefix, size_t plen, ddb_kv_fn fn, void *ctx,
               ddb_error_t *err) {
    char h[32];
    kv_name(h, ns);
    const char *argv[] = {"HGETALL", h};
    size_t lens[] = {7, strlen(h)};
    redisReply *r;
    int rc = rx__call(e, h, lens[1], false, 2, argv, lens, &r, err);
    if (rc) return rc;
    /* in key order, as the RocksDB store's scan: the pairs sorted by key,
     * each key's value the element after it */
    size_t n = r->type == REDIS_REPLY_ARRAY ? r->elements / 2 : 0;
    redisReply ***keys = malloc((n ? n : 1) * sizeof *keys);
    if (!keys) abort();
    for (size_t i = 0; i < n; i++)
        keys[i] = &r->element[2 * i];
    qsort(keys, n, sizeof *keys, cmp_pair);
    for (size_t i = 0; !rc && i < n; i++) {
        const redisReply *k = keys[i][0], *v = keys[i][1];
        if (k->len < plen || memcmp(k->str, prefix, plen)) continue;
        rc = fn(ctx, k->str, k->len, v->str, v->len);
    }
    free(keys);
    freeReplyObject(r);
    return rc;
}

/* ---- not on this backend yet ------------------------------------------ */

void rx_engine_stats(rx_engine_t *e, ddb_engine_stats_t *out) {
    memset(out, 0, sizeof *out);
    out->ttl_deleted = __atomic_load_n(&e->ttl_deleted, __ATOMIC_RELAXED);
    /* this front end's: the others' count in theirs */
    out->stream_records = atomic_load(&e->records_written);
    out->backfill_scanned = atomic_load(&e->backfill_scanned);
}

int rx_checkpoint(rx_engine_t *e, const char *dir, ddb_error_t *err) {
    (void)e, (void)dir;
    return rx__unsupported(err, "--backup-to");
}
