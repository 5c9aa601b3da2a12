/* ttl.c: the TTL sweeper. Tables with TTL on keep an expiry index (entries
 * ordered by expiry time, built and maintained like a GSI); every interval
 * the sweeper reads the entries due by now and deletes those items whose
 * TTL attribute still says they have expired, each deletion maintaining
 * indexes and writing a REMOVE stream record marked as the service's. Work
 * per table and round is bounded, and the writer is held only for a small
 * group of deletions at a time, so requests interleave; the deletions
 * commit through the writer (writer.c). */
#include <stdlib.h>
#include <string.h>

#include "storage/catalog.h"
#include "storage/index.h"
#include "storage/read.h"
#include "storage/ttl.h"
#include "storage/writer.h"

#define FIVE_YEARS_S (5ull * 365 * 24 * 3600)
#define SWEEP_MAX    1000 /* deletions per table per round */
#define SWEEP_GROUP  100  /* deletions per batch (and writer hold) */

/* Adds the deletions of the expired items among keys to wb (writer held);
 * *deleted counts them. */
static int batch_expired(rk_engine_t *e, rocksdb_writebatch_t *wb, const ddb_table_info_t *t,
                         const ddb_index_info_t *ttl, const ddb_value_t *keys, size_t n,
                         uint64_t now, stats_delta_t *d, ddb_arena_t *a, size_t *deleted,
                         ddb_error_t *err) {
    int rc = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        bytes_t k = {0};
        const ddb_value_t *item = NULL;
        if (kc_item_key(&k, t->id, &t->key, &keys[i])) {
            bytes_free(&k);
            continue; /* an entry of another key schema cannot name an item */
        }
        rc = ddb__read_item(e, e->ro, &k, a, &item, err);
        if (!rc && item && ddb__ix_expired(ttl, item, now)) {
            rc = ddb__batch_item(e, wb, t, &k, item, NULL, d, true, err);
            (*deleted)++;
        }
        bytes_free(&k);
    }
    return rc;
}

/* Deletes the expired items among keys (table key maps), under the writer. */
static int delete_group(rk_engine_t *e, const ddb_table_info_t *seen, uint32_t ttl_id,
                        const ddb_value_t *keys, size_t n, uint64_t now, ddb_error_t *err) {
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_table_info_t t;
    pthread_mutex_lock(&e->writer);
    const ddb_index_info_t *ttl = NULL;
    int rc = ddb__get_table_record(e, seen->name, seen->name_len, a, &t, err);
    if (rc == DDB_ERR_RESOURCE_NOT_FOUND)
        rc = 0; /* deleted meanwhile */
    else if (!rc && t.id == seen->id) {
        ttl = ddb_table_ttl(&t);
        if (ttl && ttl->id != ttl_id) ttl = NULL;
    }
    if (!rc && ttl) {
        rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
        stats_delta_t d;
        ddb__delta_init(&d);
        size_t deleted = 0;
        rc = batch_expired(e, wb, &t, ttl, keys, n, now, &d, a, &deleted, err);
        if (rc)
            ddb__abandon_batch(e, wb);
        else if (deleted) {
            rc = ddb__commit_batch(e, wb, &d, err);
            if (!rc) atomic_fetch_add_explicit(&e->ttl_deleted, deleted, memory_order_relaxed);
        } else {
            rocksdb_writebatch_destroy(wb); /* nothing had expired after all: no write */
        }
        ddb__delta_free(&d);
    }
    pthread_mutex_unlock(&e->writer);
    ddb_arena_destroy(a);
    return rc;
}

/* The table keys of the expiry index's entries due by now, at most
 * SWEEP_MAX, into arena a. */
static int due_keys(rk_engine_t *e, const ddb_index_info_t *ttl, uint64_t now, ddb_arena_t *a,
                    ddb_value_t **keys, size_t *n, ddb_error_t *err) {
    uint8_t lo[12], hi[12];
    kc_put_be32(lo, ttl->id);
    kc_put_be64(lo + 4, now > FIVE_YEARS_S ? now - FIVE_YEARS_S : 0);
    kc_put_be32(hi, ttl->id);
    kc_put_be64(hi + 4, now + 1);
    rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
    rocksdb_readoptions_set_iterate_upper_bound(ro, (const char *)hi, sizeof hi);
    rocksdb_readoptions_set_total_order_seek(ro, 1); /* expiry times span prefixes */
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(e->db, ro, e->cf[CF_INDEX]);
    *keys = ddb_arena_alloc(a, sizeof **keys * SWEEP_MAX);
    *n = 0;
    int rc = 0;
    for (rocksdb_iter_seek(it, (const char *)lo, sizeof lo);
         !rc && rocksdb_iter_valid(it) && *n < SWEEP_MAX; rocksdb_iter_next(it)) {
        size_t vl;
        const char *v = rocksdb_iter_value(it, &vl);
        rc = ic_decode((const uint8_t *)v, vl, a, &(*keys)[*n], err);
        if (!rc) (*n)++;
    }
    if (!rc) rc = ddb__iter_status(it, err);
    rocksdb_iter_destroy(it);
    rocksdb_readoptions_destroy(ro);
    return rc;
}

static int sweep_table(rk_engine_t *e, const ddb_table_info_t *t, const ddb_index_info_t *ttl,
                       uint64_t now, ddb_error_t *err) {
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_value_t *keys;
    size_t n;
    int rc = due_keys(e, ttl, now, a, &keys, &n, err);
    for (size_t i = 0; !rc && i < n; i += SWEEP_GROUP) {
        size_t group = n - i < SWEEP_GROUP ? n - i : SWEEP_GROUP;
        rc = delete_group(e, t, ttl->id, keys + i, group, now, err);
    }
    ddb_arena_destroy(a);
    return rc;
}

/* Sweeps table t if it has TTL on; ctx: the time, epoch seconds. */
static int sweep_if_on(rk_engine_t *e, const ddb_table_info_t *t, void *ctx, ddb_error_t *err) {
    const ddb_index_info_t *ttl = ddb_table_ttl(t);
    return ttl ? sweep_table(e, t, ttl, *(const uint64_t *)ctx, err) : 0;
}

int ddb__ttl_sweep(rk_engine_t *e, int64_t now_ms, ddb_error_t *err) {
    uint64_t now_s = (uint64_t)(now_ms / 1000);
    return ddb__each_table(e, sweep_if_on, &now_s, err);
}
