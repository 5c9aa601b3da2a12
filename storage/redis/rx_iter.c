/* rx_iter.c: Scan and Query on the cluster. Items are in buckets by the top
 * bits of their partition hash, so visiting a table's buckets in order, each
 * in key order, is the RocksDB store's scan order (partition hash, then
 * key), and a segment's hash range is a run of buckets; a Query reads its
 * partition's one bucket; an index's entries are read the same way, from
 * its own buckets or, for an LSI, its key sets in the table's (rx_index.c). Both fetch RX_PAGE
 * items a call (ddb_range) within the key range keyrange.c computes, continuing after the last key
 * returned. Pages are read as they are reached, not from one snapshot: a write between two pages
 * shows in the later one, as between two pages of a DynamoDB Query. */
#include <stdlib.h>
#include <string.h>

#include "storage/keyrange.h"
#include "storage/redis/rx_int.h"

struct rx_iter {
    rx_engine_t *e;
    bytes_t lower, upper; /* [lower, upper): the only keys read */
    bytes_t cursor;       /* the last key returned in this bucket (empty: none yet) */
    bool reverse;
    uint32_t owner, table; /* the key sets read (rx__set_name's) */
    uint32_t bucket, last; /* the bucket read now, and the last to read */
    redisReply *page;      /* {key, body} pairs */
    size_t at;
    bool exhausted; /* the bucket has nothing past the page */
    bool done;
};

static rx_iter_t *iter_new(rx_engine_t *e, uint32_t table, bytes_t lower, bytes_t upper,
                           bool reverse) {
    rx_iter_t *it = calloc(1, sizeof *it);
    if (!it) abort();
    it->e = e;
    it->table = table;
    it->lower = lower;
    it->upper = upper;
    it->reverse = reverse;
    return it;
}

/* Continues after key `after`, as the RocksDB iterators do: forward only
 * from a key at or past the range's start, backward only from one before
 * its end (else from the range's own end), so nothing outside the range is
 * ever read. */
static void start_after(rx_iter_t *it, const bytes_t *after) {
    if (!after->len) return;
    bool in = it->reverse ? ddb__cmp_bytes(after->p, after->len, it->upper.p, it->upper.len) < 0
                          : ddb__cmp_bytes(after->p, after->len, it->lower.p, it->lower.len) >= 0;
    if (!in) return;
    bytes_put(&it->cursor, after->p, after->len);
    if (after->len >= 12) it->bucket = rx__bucket_index(it->e, kc_get_be64(after->p + 4));
}

int rx_iter_scan(rx_engine_t *e, const ddb_table_info_t *t, const ddb_index_info_t *index,
                 const ddb_value_t *start, uint32_t segment, uint32_t total, rx_iter_t **out,
                 ddb_error_t *err) {
    if (index && !index->local) rx__gsi_barrier(e);
    *out = NULL;
    bytes_t lower = {0}, upper = {0}, after = {0};
    uint32_t id = index ? index->id : t->id;
    ddb__segment_bounds(id, segment, total, &lower, &upper);
    if (start && total > 1 && !ddb__key_in_bounds(t, index, start, &lower, &upper)) {
        bytes_free(&lower);
        bytes_free(&upper);
        return ddb_error_set(err, DDB_ERR_VALIDATION,
                             "Exclusive start key must lie within the segment");
    }
    if (start && ddb__start_key(t, index, start, &after, err)) {
        bytes_free(&lower);
        bytes_free(&upper);
        return DDB_ERR_VALIDATION;
    }
    rx_iter_t *it = iter_new(e, id, lower, upper, false);
    it->owner = rx__owner(t, index);
    it->bucket = rx__bucket_index(e, kc_get_be64(it->lower.p + 4));
    it->last =
        upper.len < 12 ? e->buckets - 1 : rx__bucket_index(e, kc_get_be64(it->upper.p + 4) - 1);
    start_after(it, &after);
    bytes_free(&after);
    *out = it;
    return 0;
}

int rx_iter_query(rx_engine_t *e, const ddb_table_info_t *t, const ddb_index_info_t *index,
                  const ddb_key_range_t *range, const ddb_value_t *start, bool reverse,
                  rx_iter_t **out, ddb_error_t *err) {
    if (index && !index->local) rx__gsi_barrier(e);
    *out = NULL;
    bytes_t lower = {0}, upper = {0}, after = {0};
    int rc = ddb__query_bounds(t, index, range, &lower, &upper, err);
    if (rc) return rc;
    if (start && ddb__start_key(t, index, start, &after, err)) {
        bytes_free(&lower);
        bytes_free(&upper);
        return DDB_ERR_VALIDATION;
    }
    rx_iter_t *it = iter_new(e, index ? index->id : t->id, lower, upper, reverse);
    it->owner = rx__owner(t, index);
    it->bucket = it->last = rx__bucket_index(e, kc_get_be64(it->lower.p + 4));
    start_after(it, &after);
    bytes_free(&after);
    *out = it;
    return 0;
}

/* The next page of the current bucket (or of the next buckets). */
static int fetch(rx_iter_t *it, ddb_error_t *err) {
    for (;;) {
        if (it->page) freeReplyObject(it->page);
        it->page = NULL;
        it->at = 0;
        if (it->exhausted) {
            if (it->bucket >= it->last) {
                it->done = true;
                return 0;
            }
            it->bucket++;
            it->cursor.len = 0;
            it->exhausted = false;
        }
        rs_bucket_t b;
        rx__set_name(it->owner, it->table, it->bucket, &b);
        bool cur = it->cursor.len > 0;
        const bytes_t *lo = &it->lower, *hi = &it->upper;
        bool lo_incl = true;
        if (cur && !it->reverse) lo = &it->cursor, lo_incl = false;
        if (cur && it->reverse) hi = &it->cursor;
        int rc = rs_range(rx__conn(it->e), &b, lo->p, lo->len, lo_incl, hi->p, hi->len, false,
                          it->reverse, RX_PAGE, true, &it->page, err);
        if (rc) return rc;
        size_t got = it->page->elements / 2;
        if (got < RX_PAGE) it->exhausted = true;
        if (got) return 0;
    }
}

int rx_iter_next(rx_iter_t *it, ddb_arena_t *a, const ddb_value_t **item, ddb_error_t *err) {
    *item = NULL;
    while (!it->done && (!it->page || it->at >= it->page->elements)) {
        int rc = fetch(it, err);
        if (rc) return rc;
    }
    if (it->done) return 0;
    redisReply *k = it->page->element[it->at], *v = it->page->element[it->at + 1];
    it->at += 2;
    it->cursor.len = 0;
    bytes_put(&it->cursor, k->str, k->len);
    if (!v->len) return rx_iter_next(it, a, item, err); /* deleted between the two reads */
    ddb_value_t *out = ddb_arena_alloc(a, sizeof *out);
    int rc = ic_decode((const uint8_t *)v->str, v->len, a, out, err);
    if (!rc) *item = out;
    return rc;
}

void rx_iter_destroy(rx_iter_t *it) {
    if (!it) return;
    if (it->page) freeReplyObject(it->page);
    bytes_free(&it->lower);
    bytes_free(&it->upper);
    bytes_free(&it->cursor);
    free(it);
}

int rx__each_item(rx_engine_t *e, uint32_t owner, uint32_t id, uint32_t bucket, bool bodies,
                  rx_item_fn fn, void *ctx, ddb_error_t *err) {
    rs_bucket_t b;
    rx__set_name(owner, id, bucket, &b);
    return rx__each_in(e, &b, bodies, fn, ctx, err);
}

int rx__each_in(rx_engine_t *e, const rs_bucket_t *bk, bool bodies, rx_item_fn fn, void *ctx,
                ddb_error_t *err) {
    rc_conn_t *k = rx__conn(e);
    const rs_bucket_t b = *bk;
    bytes_t after = {0};
    size_t step = bodies ? 2 : 1;
    int rc = 0;
    for (;;) {
        redisReply *page = NULL;
        rc = rs_range(k, &b, after.len ? after.p : NULL, after.len, false, NULL, 0, false, false,
                      RX_PAGE, bodies, &page, err);
        if (rc) break;
        size_t got = page->elements / step;
        for (size_t i = 0; !rc && i < got; i++)
            rc = fn(ctx, &b, page->element[step * i], bodies ? page->element[step * i + 1] : NULL,
                    err);
        if (got) {
            after.len = 0;
            bytes_put(&after, page->element[step * (got - 1)]->str,
                      page->element[step * (got - 1)]->len);
        }
        freeReplyObject(page);
        if (rc || got < RX_PAGE) break;
    }
    bytes_free(&after);
    return rc;
}
