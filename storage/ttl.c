/* ttl.c: the TTL sweeper. Tables with TTL on keep an expiry index (entries
 * ordered by expiry time, built and maintained like a GSI); every interval
 * the sweeper reads the entries due by now and deletes those items whose
 * TTL attribute still says they have expired, each deletion maintaining
 * indexes and writing a REMOVE stream record marked as the service's. Work
 * per table and round is bounded, and the writer is held only for a small
 * group of deletions at a time, so requests interleave. */
#include <stdlib.h>
#include <string.h>

#include "storage/engine.h"
#include "storage/index.h"

#define FIVE_YEARS_S (5ull * 365 * 24 * 3600)
#define SWEEP_MAX 1000 /* deletions per table per round */
#define SWEEP_GROUP 100 /* deletions per batch (and writer hold) */

/* Whether item has expired at now (seconds) as DynamoDB decides it: a
 * number of epoch seconds not after now and not more than five years ago. */
static bool expired(const ddb_index_info_t *ttl, const ddb_value_t *item, uint64_t now) {
    uint64_t secs;
    if (!ix_expiry(ddb_map_get(item, ttl->key.hash_name, ttl->key.hash_len), &secs)) return false;
    return secs <= now && secs + FIVE_YEARS_S >= now;
}

/* Deletes the expired items among keys (table key maps), under the writer. */
static void delete_group(ddb_engine_t *e, const ddb_table_info_t *seen, uint32_t ttl_id,
                         ddb_value_t *keys, size_t n, uint64_t now) {
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_error_t err;
    ddb_table_info_t t;
    pthread_mutex_lock(&e->writer);
    const ddb_index_info_t *ttl = NULL;
    if (!get_table_record(e, seen->name, seen->name_len, a, &t, &err) && t.id == seen->id) {
        ttl = ddb_table_ttl(&t);
        if (ttl && ttl->id != ttl_id) ttl = NULL;
    }
    if (ttl) {
        rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
        stats_delta_t *d = calloc(1, sizeof *d);
        if (!d) abort();
        size_t deleted = 0;
        for (size_t i = 0; i < n; i++) {
            bytes_t k = {0};
            const ddb_value_t *item = NULL;
            if (!kc_item_key(&k, t.id, &t.key, &keys[i]) && !read_item(e, e->ro, &k, a, &item, &err) &&
                item && expired(ttl, item, now)) {
                batch_item(e, wb, &t, &k, item, NULL, d, true);
                deleted++;
            }
            bytes_free(&k);
        }
        if (deleted) write_batch_stats(e, wb, d, &err); /* nothing had expired after all: no write */
        else rocksdb_writebatch_destroy(wb);
        free(d);
    }
    pthread_mutex_unlock(&e->writer);
    ddb_arena_destroy(a);
}

static void sweep_table(ddb_engine_t *e, const ddb_table_info_t *t, const ddb_index_info_t *ttl,
                        uint64_t now) {
    uint8_t lo[12], hi[12];
    kc_put_be32(lo, ttl->id);
    kc_put_be64(lo + 4, now > FIVE_YEARS_S ? now - FIVE_YEARS_S : 0);
    kc_put_be32(hi, ttl->id);
    kc_put_be64(hi + 4, now + 1);
    rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
    rocksdb_readoptions_set_iterate_upper_bound(ro, (const char *)hi, sizeof hi);
    rocksdb_readoptions_set_total_order_seek(ro, 1); /* expiry times span prefixes */
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(e->db, ro, e->cf[CF_INDEX]);
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_value_t *keys = ddb_arena_alloc(a, sizeof *keys * SWEEP_MAX);
    size_t n = 0;
    for (rocksdb_iter_seek(it, (const char *)lo, sizeof lo); rocksdb_iter_valid(it) && n < SWEEP_MAX;
         rocksdb_iter_next(it)) {
        size_t vl;
        const char *v = rocksdb_iter_value(it, &vl);
        ddb_error_t err;
        if (!ic_decode((const uint8_t *)v, vl, a, &keys[n], &err)) n++;
    }
    rocksdb_iter_destroy(it);
    rocksdb_readoptions_destroy(ro);
    for (size_t i = 0; i < n; i += SWEEP_GROUP) {
        delete_group(e, t, ttl->id, keys + i, n - i < SWEEP_GROUP ? n - i : SWEEP_GROUP, now);
    }
    ddb_arena_destroy(a);
}

void ttl_sweep(ddb_engine_t *e, int64_t now_ms) {
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_error_t err;
    const char **names;
    size_t *lens, count;
    bool more;
    if (ddb_table_list(e, NULL, 0, 1u << 20, a, &names, &lens, &count, &more, &err) == 0) {
        for (size_t i = 0; i < count; i++) {
            ddb_table_info_t t;
            if (get_table_record(e, names[i], lens[i], a, &t, &err)) continue;
            const ddb_index_info_t *ttl = ddb_table_ttl(&t);
            if (ttl) sweep_table(e, &t, ttl, (uint64_t)(now_ms / 1000));
        }
    }
    ddb_arena_destroy(a);
}
