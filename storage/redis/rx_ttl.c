/* rx_ttl.c: Time to Live on the cluster. Turning it on adds the table's
 * hidden TTL index to its record (as the RocksDB store does), so every write
 * from then on gives its item an expiry entry in its bucket's x set, and
 * marks the items already there (ddb_ttl_mark, only where the item is still
 * as read). Each front end's sweeper reads, every ttl_interval, the entries
 * due in every bucket of every table with TTL on and deletes those items
 * whose TTL attribute still says they expired (DynamoDB's rule,
 * ddb__ix_expired), each deletion conditional on the version it read: front
 * ends sweeping the same bucket never delete twice, nor delete an item
 * rewritten meanwhile. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "storage/index.h"
#include "storage/redis/rx_int.h"
#include "storage/tablerec.h"

#define SWEEP_PAGE 100 /* entries read per bucket per round */

/* ---- turning TTL on and off ------------------------------------------- */

typedef struct ttl_change {
    const char *attr; /* NULL: off */
    size_t attr_len;
    uint32_t id;      /* the new TTL index's id */
    bool backfilling; /* its state to write */
} ttl_change_t;

static int apply_ttl(ddb_arena_t *a, ddb_table_info_t *t, const void *ctx, ddb_error_t *err) {
    const ttl_change_t *c = ctx;
    (void)err;
    size_t n = 0;
    ddb_index_info_t *ix = ddb_arena_alloc(a, sizeof *ix * (t->nindexes + 1));
    for (size_t i = 0; i < t->nindexes; i++)
        if (!t->indexes[i].ttl) ix[n++] = t->indexes[i];
    if (c->attr) {
        const ddb_index_info_t *old = ddb_table_ttl(t);
        ix[n++] = (ddb_index_info_t){
            .name = "",
            .ttl = true,
            .id = old ? old->id : c->id,
            .projection = DDB_PROJ_KEYS_ONLY,
            .backfilling = c->backfilling,
            .key = {.hash_name = c->attr, .hash_len = c->attr_len, .hash_type = DDB_T_N}};
    }
    t->indexes = ix;
    t->nindexes = n;
    return 0;
}

typedef struct mark_ctx {
    rx_engine_t *e;
    const ddb_index_info_t *ttl;
} mark_ctx_t;

/* Gives one item its expiry entry if it has an expiry and is still as read. */
static int mark_item(void *ctx, const rs_bucket_t *b, const redisReply *key, const redisReply *body,
                     ddb_error_t *err) {
    const mark_ctx_t *m = ctx;
    atomic_fetch_add(&m->e->backfill_scanned, 1);
    char hb[64], hx[64];
    snprintf(hb, sizeof hb, "%sb", b->tag);
    snprintf(hx, sizeof hx, "%sx", b->tag);
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_value_t item;
    uint64_t secs;
    int rc = ic_decode((const uint8_t *)body->str, body->len, a, &item, err);
    if (!rc &&
        ddb__ix_expiry(ddb_map_get(&item, m->ttl->key.hash_name, m->ttl->key.hash_len), &secs)) {
        char sv[24];
        snprintf(sv, sizeof sv, "%llu", (unsigned long long)secs);
        const char *argv[] = {"FCALL", "ddb_ttl_mark", "2", hb, hx, key->str, body->str, sv};
        size_t lens[] = {5, 12, 1, strlen(hb), strlen(hx), key->len, body->len, strlen(sv)};
        redisReply *r = NULL;
        rc = rc_command(rx__conn(m->e), b->tag, b->len, true, 8, argv, lens, &r, err);
        if (r) freeReplyObject(r);
    }
    ddb_arena_destroy(a);
    return rc;
}

int rx_ttl_set(rx_engine_t *e, const char *table, size_t len, const char *attr, size_t attr_len,
               ddb_error_t *err) {
    ttl_change_t c = {.attr = attr, .attr_len = attr_len, .backfilling = true};
    if (attr) {
        const char *incr[] = {"INCR", RX_CAT_IDS};
        redisReply *r;
        int rc = rx__cat(e, true, 2, incr, NULL, &r, err);
        if (rc) return rc;
        c.id = r->type == REDIS_REPLY_INTEGER ? (uint32_t)r->integer : 0;
        freeReplyObject(r);
    }
    int rc = rx__change_record(e, table, len, apply_ttl, &c, err);
    if (rc || !attr) return rc;
    /* from now on every write keeps its item's entry: mark what is there */
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_table_info_t t;
    rc = rx_table_get(e, table, len, a, &t, err);
    const ddb_index_info_t *ttl = rc ? NULL : ddb_table_ttl(&t);
    mark_ctx_t m = {e, ttl};
    for (uint32_t b = 0; !rc && ttl && b < e->buckets; b++)
        rc = rx__each_item(e, 0, t.id, b, true, mark_item, &m, err);
    ddb_arena_destroy(a);
    if (rc) return rc;
    c.backfilling = false;
    return rx__change_record(e, table, len, apply_ttl, &c, err);
}

uint64_t rx__expiry(const ddb_table_info_t *t, const ddb_value_t *item) {
    const ddb_index_info_t *ttl = item ? ddb_table_ttl(t) : NULL;
    uint64_t secs;
    if (!ttl || !ddb__ix_expiry(ddb_map_get(item, ttl->key.hash_name, ttl->key.hash_len), &secs))
        return 0;
    return secs > (uint64_t)INT64_MAX ? (uint64_t)INT64_MAX : secs;
}

/* ---- the sweeper ------------------------------------------------------- */

/* Deletes the expired items among bucket b's entries due by now. */
static int sweep_bucket(rx_engine_t *e, const ddb_table_info_t *t, const ddb_index_info_t *ttl,
                        uint32_t bucket, uint64_t now, ddb_error_t *err) {
    rc_conn_t *k = rx__conn(e);
    rs_bucket_t b;
    rs_bucket_name(&b, t->id, bucket);
    char hb[64], hx[64], max[24];
    snprintf(hb, sizeof hb, "%sb", b.tag);
    snprintf(hx, sizeof hx, "%sx", b.tag);
    snprintf(max, sizeof max, "%llu", (unsigned long long)now);
    const char *argv[] = {"ZRANGEBYSCORE", hx, "-inf", max, "LIMIT", "0", "100"};
    redisReply *due = NULL;
    int rc = rc_command(k, b.tag, b.len, false, 7, argv, NULL, &due, err);
    if (rc) return rc;
    for (size_t i = 0; !rc && due->type == REDIS_REPLY_ARRAY && i < due->elements; i++) {
        redisReply *key = due->element[i], *body = NULL;
        uint64_t ver;
        rc = rs_get(k, &b, key->str, key->len, &body, &ver, NULL, err);
        if (rc) break;
        ddb_arena_t *a = ddb_arena_create(0);
        ddb_value_t item;
        bool gone = !body, expired = false;
        if (body && ic_decode((const uint8_t *)body->str, body->len, a, &item, err) == 0)
            expired = ddb__ix_expired(ttl, &item, now);
        if (expired) {
            /* as any deletion (its LSI entries, its change record: by TTL), at the version read */
            rx_wset_t ws = {.by_ttl = true};
            bytes_t kb = {0};
            bytes_put(&kb, key->str, key->len);
            ddb_error_t e2;
            int r2 = rx__ws_item(e, &ws, t, &kb, &item, NULL, ver, 0, a, &e2);
            if (!r2) r2 = rx__ws_run(e, &ws, NULL, NULL, &e2);
            if (!r2) __atomic_add_fetch(&e->ttl_deleted, 1, __ATOMIC_RELAXED);
            rx__ws_free(&ws);
            bytes_free(&kb);
        } else {
            /* an entry naming no expired item (gone, or it says otherwise now) */
            const char *drop[] = {"FCALL",  "ddb_ttl_drop",       "2", hb, hx,
                                  key->str, gone ? "" : body->str};
            size_t lens[] = {5, 12, 1, strlen(hb), strlen(hx), key->len, gone ? 0 : body->len};
            redisReply *r = NULL;
            ddb_error_t e2;
            if (rc_command(k, b.tag, b.len, true, 7, drop, lens, &r, &e2) == 0) freeReplyObject(r);
        }
        ddb_arena_destroy(a);
        if (body) freeReplyObject(body);
    }
    freeReplyObject(due);
    return rc;
}

typedef struct sweep_ctx {
    rx_engine_t *e;
    uint64_t now;
} sweep_ctx_t;

static int sweep_table(void *ctx, const ddb_table_info_t *t) {
    const sweep_ctx_t *c = ctx;
    rx_engine_t *e = c->e;
    const ddb_index_info_t *ttl = ddb_table_ttl(t);
    if (!ttl) return 0;
    /* front ends start at different buckets, so rounds spread */
    uint32_t first = (uint32_t)rand() % e->buckets;
    ddb_error_t err;
    for (uint32_t j = 0; j < e->buckets && !e->stop; j++)
        (void)sweep_bucket(e, t, ttl, (first + j) % e->buckets, c->now, &err);
    return e->stop ? 1 : 0;
}

/* One round over every table with TTL on (their records as stored: the
 * sweep needs no statistics). */
static void sweep(rx_engine_t *e) {
    ddb_arena_t *a = ddb_arena_create(0);
    sweep_ctx_t c = {e, (uint64_t)(ddb_now_ms() / 1000)};
    ddb_error_t err;
    (void)rx__each_table(e, a, sweep_table, &c, &err);
    ddb_arena_destroy(a);
}

static void *sweeper(void *arg) {
    rx_engine_t *e = arg;
    pthread_mutex_lock(&e->mu);
    while (!e->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += e->ttl_interval_ms / 1000;
        until.tv_nsec += (long)(e->ttl_interval_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) until.tv_sec++, until.tv_nsec -= 1000000000L;
        pthread_cond_timedwait(&e->stop_cond, &e->mu, &until);
        if (e->stop) break;
        pthread_mutex_unlock(&e->mu);
        sweep(e);
        rx__restores_resume(e);  /* restores a stopped front end left unfinished */
        rx__backfills_resume(e); /* and GSI backfills */
        rx__pitr_trim(e);
        rx__backups_expire(e);
        rx__dead_sweep(e);
        rx__tokens_sweep(e);
        pthread_mutex_lock(&e->mu);
    }
    pthread_mutex_unlock(&e->mu);
    return NULL;
}

void rx__sweeper_start(rx_engine_t *e) {
    pthread_cond_init(&e->stop_cond, NULL);
    e->sweeping = pthread_create(&e->sweeper, NULL, sweeper, e) == 0;
}

void rx__sweeper_stop(rx_engine_t *e) {
    if (!e->sweeping) return;
    pthread_mutex_lock(&e->mu);
    e->stop = true;
    pthread_cond_signal(&e->stop_cond);
    pthread_mutex_unlock(&e->mu);
    pthread_join(e->sweeper, NULL);
    pthread_cond_destroy(&e->stop_cond);
    e->sweeping = false;
}
