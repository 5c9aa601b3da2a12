/* iter.c: snapshot iterators over a table's items or an index's entries:
 * Scan (whole table or one parallel-scan segment, in partition-hash order)
 * and Query (one partition's sort-key range, either direction). An iterator
 * reads one snapshot and never a key outside its bounds. Never writes and
 * never takes the writer. */
#include <stdlib.h>
#include <string.h>

#include "storage/engine.h"
#include "storage/index.h"
#include "storage/keyrange.h"

struct rk_iter {
    rk_engine_t *e;
    const rocksdb_snapshot_t *snap;
    rocksdb_readoptions_t *ro;
    rocksdb_iterator_t *it;
    bytes_t lower, upper; /* [lower, upper): the only keys the iterator may read */
    bool reverse;
};

/* Opens the snapshot iterator over [lower, upper) of the items family. */
static rk_iter_t *iter_open(rk_engine_t *e, int cf, bytes_t lower, bytes_t upper, bool reverse,
                            bool one_partition) {
    rk_iter_t *it = calloc(1, sizeof *it);
    if (!it) abort();
    it->e = e;
    it->lower = lower;
    it->upper = upper;
    it->reverse = reverse;
    it->snap = rocksdb_create_snapshot(e->db);
    it->ro = rocksdb_readoptions_create();
    rocksdb_readoptions_set_snapshot(it->ro, it->snap);
    rocksdb_readoptions_set_iterate_lower_bound(it->ro, (const char *)it->lower.p, it->lower.len);
    rocksdb_readoptions_set_iterate_upper_bound(it->ro, (const char *)it->upper.p, it->upper.len);
    /* a Query stays in one partition: the prefix blooms skip files without it */
    if (one_partition)
        rocksdb_readoptions_set_prefix_same_as_start(it->ro, 1);
    else
        rocksdb_readoptions_set_total_order_seek(it->ro, 1);
    it->it = rocksdb_create_iterator_cf(e->db, it->ro, e->cf[cf]);
    return it;
}

/* Positions a reverse iterator on the last key < bound (and >= lower). */
static void seek_before(rk_iter_t *it, const uint8_t *bound, size_t len) {
    rocksdb_iter_seek_for_prev(it->it, (const char *)bound, len);
    while (rocksdb_iter_valid(it->it)) {
        size_t kl;
        const uint8_t *k = (const uint8_t *)rocksdb_iter_key(it->it, &kl);
        if (ddb__cmp_bytes(k, kl, bound, len) < 0) break;
        rocksdb_iter_prev(it->it);
    }
}

/* Positions the iterator at the first key of its range in its direction, or
 * strictly after (forward) / before (reverse) the key `after`. */
static void iter_position(rk_iter_t *it, const bytes_t *after) {
    if (!it->reverse) {
        if (after && ddb__cmp_bytes(after->p, after->len, it->lower.p, it->lower.len) >= 0) {
            bytes_t k = {0};
            bytes_put(&k, after->p, after->len);
            bytes_putc(&k, 0); /* smallest key greater than `after` */
            rocksdb_iter_seek(it->it, (const char *)k.p, k.len);
            bytes_free(&k);
        } else {
            rocksdb_iter_seek(it->it, (const char *)it->lower.p, it->lower.len);
        }
        return;
    }
    if (after && ddb__cmp_bytes(after->p, after->len, it->upper.p, it->upper.len) < 0) {
        seek_before(it, after->p, after->len);
    } else {
        seek_before(it, it->upper.p, it->upper.len);
    }
}

/* Opens an iterator over [lower, upper) (taking both) positioned after
 * start_after's key when given. */
static int iter_start(rk_engine_t *e, const ddb_table_info_t *t, const ddb_index_info_t *ix,
                      bytes_t lower, bytes_t upper, bool reverse, bool one_partition,
                      const ddb_value_t *start_after, rk_iter_t **out, ddb_error_t *err) {
    bytes_t after = {0};
    if (start_after && ddb__start_key(t, ix, start_after, &after, err)) {
        bytes_free(&lower);
        bytes_free(&upper);
        bytes_free(&after);
        return DDB_ERR_VALIDATION;
    }
    rk_iter_t *it = iter_open(e, ix ? CF_INDEX : CF_ITEMS, lower, upper, reverse, one_partition);
    iter_position(it, start_after ? &after : NULL);
    bytes_free(&after);
    *out = it;
    return 0;
}

int rk_iter_scan(rk_engine_t *e, const ddb_table_info_t *t, const ddb_index_info_t *index,
                 const ddb_value_t *start_after, uint32_t segment, uint32_t total, rk_iter_t **out,
                 ddb_error_t *err) {
    bytes_t lower = {0}, upper = {0};
    ddb__segment_bounds(index ? index->id : t->id, segment, total, &lower, &upper);
    if (start_after && total > 1 && !ddb__key_in_bounds(t, index, start_after, &lower, &upper)) {
        bytes_free(&lower);
        bytes_free(&upper);
        return ddb_error_set(err, DDB_ERR_VALIDATION,
                             "Exclusive start key must lie within the segment");
    }
    return iter_start(e, t, index, lower, upper, false, false, start_after, out, err);
}

int rk_iter_query(rk_engine_t *e, const ddb_table_info_t *t, const ddb_index_info_t *index,
                  const ddb_key_range_t *range, const ddb_value_t *start_after, bool reverse,
                  rk_iter_t **out, ddb_error_t *err) {
    bytes_t lower = {0}, upper = {0};
    int rc = ddb__query_bounds(t, index, range, &lower, &upper, err);
    if (rc) return rc;
    return iter_start(e, t, index, lower, upper, reverse, true, start_after, out, err);
}

int rk_iter_next(rk_iter_t *it, ddb_arena_t *a, const ddb_value_t **item, ddb_error_t *err) {
    *item = NULL;
    if (!rocksdb_iter_valid(it->it)) {
        char *msg = NULL;
        rocksdb_iter_get_error(it->it, &msg);
        if (msg) return ddb__rocks_error(err, msg);
        return 0;
    }
    size_t vl;
    const char *v = rocksdb_iter_value(it->it, &vl);
    ddb_value_t *out = ddb_arena_alloc(a, sizeof *out);
    int rc = ic_decode((const uint8_t *)v, vl, a, out, err);
    if (rc) return rc;
    *item = out;
    if (it->reverse)
        rocksdb_iter_prev(it->it);
    else
        rocksdb_iter_next(it->it);
    return 0;
}

void rk_iter_destroy(rk_iter_t *it) {
    if (!it) return;
    if (it->it) rocksdb_iter_destroy(it->it);
    if (it->ro) rocksdb_readoptions_destroy(it->ro);
    if (it->snap) rocksdb_release_snapshot(it->e->db, it->snap);
    bytes_free(&it->lower);
    bytes_free(&it->upper);
    free(it);
}
