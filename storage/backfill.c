/* backfill.c: adding and dropping secondary indexes (and the TTL index),
 * and the backfill that indexes a table's existing items in key order
 * behind a cursor kept in the catalog: writes maintain an index only for
 * the items the cursor has passed, so the result equals the index that
 * would exist had it been there from the start. Each step takes the writer
 * for a bounded number of items and commits through the writer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/backfill.h"
#include "storage/catalog.h"
#include "storage/index.h"
#include "storage/maint.h"
#include "storage/stats.h"
#include "storage/writer.h"

/* Whether table t holds no item (under the writer: no write can add one
 * meanwhile). */
static bool table_empty(rk_engine_t *e, const ddb_table_info_t *t) {
    uint8_t lo[4], hi[4];
    kc_put_be32(lo, t->id);
    kc_put_be32(hi, t->id + 1);
    rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
    rocksdb_readoptions_set_iterate_upper_bound(ro, (const char *)hi, 4);
    rocksdb_readoptions_set_total_order_seek(ro, 1);
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(e->db, ro, e->cf[CF_ITEMS]);
    rocksdb_iter_seek(it, (const char *)lo, 4);
    bool empty = !rocksdb_iter_valid(it);
    rocksdb_iter_destroy(it);
    rocksdb_readoptions_destroy(ro);
    return empty;
}

int rk_index_add(rk_engine_t *e, const char *table, size_t len, ddb_index_info_t *ix,
                 const ddb_value_t *meta, ddb_error_t *err) {
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_table_info_t t;
    pthread_mutex_lock(&e->writer);
    int rc = ddb__get_table_record(e, table, len, a, &t, err);
    if (!rc && ddb_table_index(&t, ix->name, ix->name_len)) {
        rc = ddb_error_set(err, DDB_ERR_VALIDATION,
                           "Attempting to create an index which already exists");
    }
    rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
    uint32_t id;
    if (!rc) rc = ddb__alloc_ids(e, wb, 1, &id, err);
    if (rc) {
        rocksdb_writebatch_destroy(wb);
    } else {
        ix->id = id;
        /* the TTL index of an empty table is complete at once: TTL is
         * ENABLED, not ENABLING, from the answer on (as DynamoDB says) */
        ix->backfilling = !(ix->ttl && table_empty(e, &t));
        ddb_index_info_t *all = ddb_arena_alloc(a, sizeof *all * (t.nindexes + 1));
        memcpy(all, t.indexes, sizeof *all * t.nindexes);
        all[t.nindexes] = *ix;
        t.indexes = all;
        t.nindexes++;
        if (meta) t.meta = meta;
        ddb__put_table_record(e, wb, &t);
        stats_delta_t d;
        ddb__delta_init(&d);
        ddb__delta_zero(&d, id);
        rc = ddb__commit_batch(e, wb, &d, err);
        ddb__delta_free(&d);
    }
    pthread_mutex_unlock(&e->writer);
    ddb_arena_destroy(a);
    if (!rc) ddb__maint_wake(e);
    return rc;
}

int rk_index_drop(rk_engine_t *e, const char *table, size_t len, const char *index,
                  size_t index_len, const ddb_value_t *meta, ddb_error_t *err) {
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_table_info_t t;
    pthread_mutex_lock(&e->writer);
    int rc = ddb__get_table_record(e, table, len, a, &t, err);
    const ddb_index_info_t *ix = rc ? NULL : ddb_table_index(&t, index, index_len);
    if (!rc && !ix) {
        rc = ddb_error_set(err, DDB_ERR_RESOURCE_NOT_FOUND, "Requested resource not found");
    }
    if (!rc) {
        uint32_t id = ix->id;
        size_t at = (size_t)(ix - t.indexes);
        ddb_index_info_t *rest = ddb_arena_alloc(a, sizeof *rest * (t.nindexes ? t.nindexes : 1));
        memcpy(rest, t.indexes, sizeof *rest * at);
        memcpy(rest + at, t.indexes + at + 1, sizeof *rest * (t.nindexes - at - 1));
        t.indexes = rest;
        t.nindexes--;
        if (meta) t.meta = meta;
        uint8_t lo[4], hi[4], bk[5];
        kc_put_be32(lo, id);
        kc_put_be32(hi, id + 1);
        ddb__backfill_key(bk, id);
        rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
        ddb__put_table_record(e, wb, &t);
        rocksdb_writebatch_delete_cf(wb, e->cf[CF_CATALOG], (const char *)bk, 5);
        rocksdb_writebatch_delete_cf(wb, e->cf[CF_STATS], (const char *)lo, 4);
        rocksdb_writebatch_delete_range_cf(wb, e->cf[CF_INDEX], (const char *)lo, 4,
                                           (const char *)hi, 4);
        rc = ddb__commit_batch(e, wb, NULL, err);
        if (!rc) ddb__stats_forget(e, id);
    }
    pthread_mutex_unlock(&e->writer);
    ddb_arena_destroy(a);
    return rc;
}

int rk_ttl_set(rk_engine_t *e, const char *table, size_t len, const char *attr, size_t attr_len,
               ddb_error_t *err) {
    if (!attr) return rk_index_drop(e, table, len, "", 0, NULL, err);
    ddb_index_info_t ix = {.name = "",
                           .name_len = 0,
                           .ttl = true,
                           .projection = DDB_PROJ_KEYS_ONLY,
                           .key = {.hash_name = attr, .hash_len = attr_len, .hash_type = DDB_T_N}};
    return rk_index_add(e, table, len, &ix, NULL, err);
}

/* Indexes the items of t from lower (inclusive) on, at most e->bf_batch,
 * into wb and is; *last is the last item key indexed, *more set when items
 * remain. */
static int index_items(rk_engine_t *e, const ddb_table_info_t *t, const ddb_index_info_t *ix,
                       const bytes_t *lower, rocksdb_writebatch_t *wb, table_stats_t *is,
                       ddb_arena_t *a, bytes_t *last, bool *more, ddb_error_t *err) {
    uint8_t hi[4];
    kc_put_be32(hi, t->id + 1);
    rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
    rocksdb_readoptions_set_iterate_upper_bound(ro, (const char *)hi, 4);
    rocksdb_readoptions_set_total_order_seek(ro, 1);
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(e->db, ro, e->cf[CF_ITEMS]);
    uint32_t n = 0;
    int rc = 0;
    for (rocksdb_iter_seek(it, (const char *)lower->p, lower->len);
         !rc && rocksdb_iter_valid(it) && n < e->bf_batch; rocksdb_iter_next(it), n++) {
        size_t kl, vl;
        const char *k = rocksdb_iter_key(it, &kl);
        const char *v = rocksdb_iter_value(it, &vl);
        ddb_value_t item;
        rc = ic_decode((const uint8_t *)v, vl, a, &item, err);
        if (rc) break;
        last->len = 0;
        bytes_put(last, k, kl);
        bytes_t ek = {0};
        if (ddb__ix_entry_key(&ek, t, ix, &item)) {
            ddb_value_t p;
            ddb__ix_project(a, t, ix, &item, &p);
            bytes_t rec = {0};
            ic_encode(&rec, &p);
            rocksdb_writebatch_put_cf(wb, e->cf[CF_INDEX], (const char *)ek.p, ek.len,
                                      (const char *)rec.p, rec.len);
            bytes_free(&rec);
            is->count++;
            is->size += ddb_item_size(&p);
        }
        bytes_free(&ek);
    }
    atomic_fetch_add_explicit(&e->backfill_scanned, n, memory_order_relaxed);
    *more = !rc && rocksdb_iter_valid(it);
    if (!rc) rc = ddb__iter_status(it, err);
    rocksdb_iter_destroy(it);
    rocksdb_readoptions_destroy(ro);
    return rc;
}

/* One bounded step of the backfill of index ix of table t (the catalog's
 * record, writer held): indexes the next items after the cursor and moves
 * the cursor in the same batch; at the end of the table, marks the index
 * built. */
static int backfill_step(rk_engine_t *e, ddb_table_info_t *t, ddb_index_info_t *ix, ddb_arena_t *a,
                         bool *more, ddb_error_t *err) {
    bytes_t lower = {0}, last = {0};
    int rc = ddb__backfill_cursor(e, e->ro, ix->id, &lower, err);
    if (rc) return rc;
    if (lower.len) {
        bytes_putc(&lower, 0); /* the smallest key after the cursor */
    } else {
        uint8_t b[4];
        kc_put_be32(b, t->id);
        bytes_put(&lower, b, 4);
    }
    rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
    stats_delta_t d;
    ddb__delta_init(&d);
    table_stats_t *is;
    rc = ddb__delta_get(e, &d, ix->id, &is, err);
    if (!rc) rc = index_items(e, t, ix, &lower, wb, is, a, &last, more, err);
    uint8_t bk[5];
    ddb__backfill_key(bk, ix->id);
    if (rc) {
        ddb__abandon_batch(e, wb);
    } else {
        if (*more) {
            rocksdb_writebatch_put_cf(wb, e->cf[CF_CATALOG], (const char *)bk, 5,
                                      (const char *)last.p, last.len);
        } else {
            ix->backfilling = false;
            ddb__put_table_record(e, wb, t);
            rocksdb_writebatch_delete_cf(wb, e->cf[CF_CATALOG], (const char *)bk, 5);
        }
        rc = ddb__commit_batch(e, wb, &d, err);
    }
    ddb__delta_free(&d);
    bytes_free(&lower);
    bytes_free(&last);
    return rc;
}

/* A step of the backfill of index index_id of the table called name, if
 * it still is backfilling (under the writer). */
static int backfill_one(rk_engine_t *e, const char *name, size_t len, uint32_t index_id, bool *more,
                        ddb_error_t *err) {
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_table_info_t t;
    *more = false;
    pthread_mutex_lock(&e->writer);
    int rc = ddb__get_table_record(e, name, len, a, &t, err);
    if (rc == DDB_ERR_RESOURCE_NOT_FOUND)
        rc = 0; /* deleted meanwhile */
    else if (!rc) {
        for (size_t i = 0; !rc && i < t.nindexes; i++) {
            if (t.indexes[i].id == index_id && t.indexes[i].backfilling) {
                rc = backfill_step(e, &t, &t.indexes[i], a, more, err);
            }
        }
    }
    pthread_mutex_unlock(&e->writer);
    ddb_arena_destroy(a);
    return rc;
}

/* One step of each backfill of table t; ctx: the round's "more" flag. */
static int backfill_table(rk_engine_t *e, const ddb_table_info_t *t, void *ctx, ddb_error_t *err) {
    bool *more = ctx;
    int rc = 0;
    for (size_t j = 0; !rc && j < t->nindexes; j++) {
        if (!t->indexes[j].backfilling) continue;
        bool step_more;
        rc = backfill_one(e, t->name, t->name_len, t->indexes[j].id, &step_more, err);
        *more |= step_more;
    }
    return rc;
}

int ddb__backfill_round(rk_engine_t *e, bool *more, ddb_error_t *err) {
    *more = false;
    return ddb__each_table(e, backfill_table, more, err);
}
