/* keyrange.c: iteration key ranges (see keyrange.h), written once for the
 * RocksDB iterators (iter.c) and the cluster's (redis/rx_iter.c). */
#include "storage/keyrange.h"

#include "storage/index.h"

void ddb__segment_bounds(uint32_t id, uint32_t segment, uint32_t total, bytes_t *lower,
                         bytes_t *upper) {
    /* [id][segment start hash] .. [id][next start hash] (or [id + 1]) */
    int lo_end, hi_end;
    uint64_t lo = kc_segment_start(segment, total, &lo_end);
    uint64_t hi = kc_segment_start(segment + 1, total, &hi_end);
    uint8_t b[12];
    kc_put_be32(b, id);
    kc_put_be64(b + 4, lo);
    bytes_put(lower, b, 12);
    if (hi_end) {
        kc_put_be32(b, id + 1);
        bytes_put(upper, b, 4);
    } else {
        kc_put_be64(b + 4, hi);
        bytes_put(upper, b, 12);
    }
}

int ddb__start_key(const ddb_table_info_t *t, const ddb_index_info_t *index,
                   const ddb_value_t *start_after, bytes_t *out, ddb_error_t *err) {
    int bad = index ? ddb__ix_start_key(out, t, index, start_after)
                    : kc_item_key(out, t->id, &t->key, start_after);
    if (!bad) return 0;
    return ddb_error_set(err, DDB_ERR_VALIDATION,
                         "The provided starting key is invalid: The provided key element "
                         "does not match the schema");
}

bool ddb__key_in_bounds(const ddb_table_info_t *t, const ddb_index_info_t *index,
                        const ddb_value_t *key, const bytes_t *lower, const bytes_t *upper) {
    bytes_t k = {0};
    int bad = index ? ddb__ix_start_key(&k, t, index, key) : kc_item_key(&k, t->id, &t->key, key);
    bool in = bad || (ddb__cmp_bytes(k.p, k.len, lower->p, lower->len) >= 0 &&
                      ddb__cmp_bytes(k.p, k.len, upper->p, upper->len) < 0);
    bytes_free(&k);
    return in;
}

/* Appends enc(v) to a copy of part, then, when `past` is set, turns it into
 * the smallest key after every key that starts with it. */
static void bound(bytes_t *out, const bytes_t *part, const ddb_value_t *v, bool past) {
    bytes_put(out, part->p, part->len);
    kc_encode_value(out, v);
    if (past) kc_successor(out);
}

int ddb__query_bounds(const ddb_table_info_t *t, const ddb_index_info_t *index,
                      const ddb_key_range_t *range, bytes_t *lower, bytes_t *upper,
                      ddb_error_t *err) {
    bytes_t part = {0};
    int rc;
    if (index && index->nhash) {
        /* a multi-attribute key: the partition, then the sort values fixed by
         * equality, form the prefix the bounds below extend */
        rc = range->nhashv == index->nhash && range->neq <= index->nrange ? 0 : DDB_ERR_VALIDATION;
        if (!rc) rc = kc_partition_prefix_n(&part, index->id, range->hashv, range->nhashv);
        for (size_t i = 0; !rc && i < range->neq; i++)
            rc = kc_encode_value(&part, range->eq[i]);
    } else {
        rc = kc_partition_prefix(&part, index ? index->id : t->id, range->hash);
    }
    if (rc) {
        bytes_free(&part);
        return ddb_error_set(err, DDB_ERR_VALIDATION,
                             "One or more parameter values were invalid: Condition parameter type "
                             "does not match schema type");
    }
    /* keys of equal sort keys may continue (index entries end with the table
     * key), so bounds past a value are successors, not value + 0x00 */
    bool bounded_above = false;
    if (range->prefix) {
        bytes_put(lower, part.p, part.len);
        kc_encode_prefix(lower, range->prefix);
        bytes_put(upper, lower->p, lower->len);
        bounded_above = kc_successor(upper);
    } else {
        if (range->lo)
            bound(lower, &part, range->lo, !range->lo_incl);
        else
            bytes_put(lower, part.p, part.len);
        if (range->hi) {
            bound(upper, &part, range->hi, range->hi_incl);
            bounded_above = true;
        }
    }
    if (!bounded_above) {
        upper->len = 0;
        bytes_put(upper, part.p, part.len);
        if (!kc_successor(upper)) {
            /* the partition prefix starts with the id, which never is all 0xFF */
            bytes_free(&part);
            bytes_free(lower);
            bytes_free(upper);
            return ddb_error_set(err, DDB_ERR_INTERNAL, "no upper bound for partition");
        }
    }
    bytes_free(&part);
    return 0;
}

int ddb__item_key(bytes_t *k, const ddb_table_info_t *t, const ddb_value_t *key, ddb_error_t *err) {
    if (!kc_item_key(k, t->id, &t->key, key)) return 0;
    bytes_free(k);
    return ddb_error_set(err, DDB_ERR_VALIDATION,
                         "The provided key element does not match the schema");
}

bool ddb__unchanged(const ddb_value_t *old, const ddb_value_t *next) {
    return next == old || (old && next && ddb_value_equal(old, next));
}

bool ddb__same_key(const ddb_table_info_t *t, const ddb_value_t *item, const bytes_t *k) {
    bytes_t k2 = {0};
    int rc = kc_item_key(&k2, t->id, &t->key, item);
    bool same = !rc && k2.len == k->len && memcmp(k2.p, k->p, k->len) == 0;
    bytes_free(&k2);
    return same;
}
