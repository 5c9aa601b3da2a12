/* check.c: ddb_check, the consistency checker (SQLite's integrity check for
 * this engine): every table's statistics against a full scan of its items,
 * every secondary index's entries against the entries the table implies,
 * and then the streams (check_streams.c). Reads one snapshot under the
 * writer; never writes. */
#include <stdlib.h>
#include <string.h>

#include "storage/catalog.h"
#include "storage/check.h"
#include "storage/index.h"
#include "storage/stats.h"

/* Counts the entries stored under an index id. */
static int count_index_entries(rk_engine_t *e, const rocksdb_readoptions_t *ro, uint32_t id,
                               uint64_t *n, ddb_error_t *err) {
    uint8_t lo[4], hi[4];
    kc_put_be32(lo, id);
    kc_put_be32(hi, id + 1);
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(e->db, ro, e->cf[CF_INDEX]);
    *n = 0;
    for (rocksdb_iter_seek(it, (const char *)lo, 4); rocksdb_iter_valid(it);
         rocksdb_iter_next(it)) {
        size_t kl;
        const char *k = rocksdb_iter_key(it, &kl);
        if (memcmp(k, hi, 4) >= 0) break;
        (*n)++;
    }
    int rc = ddb__iter_status(it, err);
    rocksdb_iter_destroy(it);
    return rc;
}

/* Checks that index ix holds item's entry exactly (when it should hold
 * one), counting it in *count and *size. */
static int check_entry(rk_engine_t *e, const ddb_table_info_t *t, const ddb_index_info_t *ix,
                       const rocksdb_readoptions_t *ro, const ddb_value_t *item, const bytes_t *ik,
                       ddb_arena_t *a, uint64_t *count, uint64_t *size, ddb_error_t *err) {
    bool covered;
    int rc = ddb__index_covers(e, ro, ix, ik->p, ik->len, &covered, err);
    bytes_t k = {0}, want = {0};
    if (rc || !covered || !ddb__ix_entry_key(&k, t, ix, item)) {
        bytes_free(&k);
        return rc;
    }
    ddb_value_t p;
    ddb__ix_project(a, t, ix, item, &p);
    ic_encode(&want, &p);
    (*count)++;
    *size += ddb_item_size(&p);
    char *v;
    size_t vl;
    rc = ddb__get(e, ro, CF_INDEX, k.p, k.len, &v, &vl, err);
    if (!rc && (!v || vl != want.len || memcmp(v, want.p, vl) != 0)) {
        rc =
            ddb_error_set(err, DDB_ERR_INTERNAL, "table %s: index %.*s %s an item's entry", t->name,
                          (int)ix->name_len, ix->name, v ? "has a stale copy of" : "lacks");
    }
    free(v);
    bytes_free(&k);
    bytes_free(&want);
    return rc;
}

/* Compares the statistics and stored entries of t's indexes with what the
 * scan counted. */
static int check_index_counts(rk_engine_t *e, const ddb_table_info_t *t,
                              const rocksdb_readoptions_t *ro, const uint64_t *icount,
                              const uint64_t *isize, ddb_error_t *err) {
    int rc = 0;
    for (size_t i = 0; !rc && i < t->nindexes; i++) {
        const ddb_index_info_t *ix = &t->indexes[i];
        uint64_t stored;
        rc = count_index_entries(e, ro, ix->id, &stored, err);
        if (rc) break;
        if (stored != icount[i] || ix->item_count != icount[i] || ix->size_bytes != isize[i]) {
            rc = ddb_error_set(err, DDB_ERR_INTERNAL,
                               "table %s: index %.*s holds %llu entries (stats %llu / %llu bytes), "
                               "the table implies %llu / %llu bytes",
                               t->name, (int)ix->name_len, ix->name, (unsigned long long)stored,
                               (unsigned long long)ix->item_count,
                               (unsigned long long)ix->size_bytes, (unsigned long long)icount[i],
                               (unsigned long long)isize[i]);
        }
    }
    return rc;
}

/* Checks one table (and its indexes) against its items, read from snap. */
static int check_table(rk_engine_t *e, const ddb_table_info_t *t, rocksdb_readoptions_t *ro,
                       ddb_error_t *err) {
    rk_iter_t *it;
    int rc = rk_iter_scan(e, t, NULL, NULL, 0, 1, &it, err);
    if (rc) return rc;
    uint64_t n = 0, size = 0;
    uint64_t *icount = calloc(t->nindexes + 1, sizeof *icount);
    uint64_t *isize = calloc(t->nindexes + 1, sizeof *isize);
    if (!icount || !isize) abort();
    ddb_arena_t *ia = ddb_arena_create(0);
    const ddb_value_t *item;
    while (!rc && (rc = rk_iter_next(it, ia, &item, err)) == 0 && item) {
        n++;
        size += ddb_item_size(item);
        bytes_t ik = {0};
        kc_item_key(&ik, t->id, &t->key, item);
        for (size_t i = 0; !rc && i < t->nindexes; i++) {
            rc = check_entry(e, t, &t->indexes[i], ro, item, &ik, ia, &icount[i], &isize[i], err);
        }
        bytes_free(&ik);
        ddb_arena_reset(ia);
    }
    ddb_arena_destroy(ia);
    rk_iter_destroy(it);
    if (!rc && (n != t->item_count || size != t->size_bytes)) {
        rc = ddb_error_set(err, DDB_ERR_INTERNAL,
                           "table %s: stats say %llu items / %llu bytes, scan finds %llu / %llu",
                           t->name, (unsigned long long)t->item_count,
                           (unsigned long long)t->size_bytes, (unsigned long long)n,
                           (unsigned long long)size);
    }
    if (!rc) rc = check_index_counts(e, t, ro, icount, isize, err);
    free(icount);
    free(isize);
    return rc;
}

/* Checks one table (with its statistics) in the snapshot ctx reads. */
static int check_one(rk_engine_t *e, const ddb_table_info_t *rec, void *ctx, ddb_error_t *err) {
    ddb_table_info_t t = *rec;
    int rc = ddb__stats_read(e, &t, err);
    return rc ? rc : check_table(e, &t, ctx, err);
}

int rk_check(rk_engine_t *e, ddb_error_t *err) {
    /* the whole check holds the writer, so catalog, statistics, backfill
     * cursors and data all agree (writes wait meanwhile) */
    pthread_mutex_lock(&e->writer);
    const rocksdb_snapshot_t *snap = rocksdb_create_snapshot(e->db);
    rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
    rocksdb_readoptions_set_snapshot(ro, snap);
    rocksdb_readoptions_set_total_order_seek(ro, 1);
    int rc = ddb__each_table(e, check_one, ro, err);
    if (!rc) rc = ddb__check_streams(e, ro, err);
    rocksdb_readoptions_destroy(ro);
    rocksdb_release_snapshot(e->db, snap);
    pthread_mutex_unlock(&e->writer);
    return rc;
}
