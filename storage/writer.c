/* writer.c: the single writer: ddb_item_write and ddb_write_all read the
 * current items, call the mutate callbacks, and commit each request's
 * changes as one atomic batch: the item, its index entries, its stream
 * record (and TTL entry, an index too), the statistics, and a transaction's
 * idempotency token (ddb_write_all_once). The commit keeps
 * the caches in step with what was written (see writer.h). Every function
 * here runs under e->writer. */
#include <stdlib.h>
#include <string.h>

#include "storage/backup.h"
#include "storage/catalog.h"
#include "storage/commit.h"
#include "storage/index.h"
#include "storage/keyrange.h"
#include "storage/read.h"
#include "storage/streams.h"
#include "storage/tokens.h"
#include "storage/writer.h"

int ddb__commit_batch(rk_engine_t *e, rocksdb_writebatch_t *wb, const stats_delta_t *d,
                      ddb_error_t *err) {
    if (d) ddb__delta_put(e, wb, d);
    int rc = ddb__write_batch(e, wb, err);
    ddb__cat_settle(e);
    ddb__pitr_batch_done(e);
    if (rc) {
        ddb__st_reset(e);
        return rc;
    }
    if (d) ddb__delta_apply(e, d);
    ddb__publish(e, e->next_seq);
    return 0;
}

void ddb__abandon_batch(rk_engine_t *e, rocksdb_writebatch_t *wb) {
    rocksdb_writebatch_destroy(wb);
    ddb__cat_settle(e);
    ddb__pitr_batch_done(e);
    ddb__st_reset(e);
}

/* One index's entry change for an item change, in wb and d. */
static int batch_index(rk_engine_t *e, rocksdb_writebatch_t *wb, const ddb_table_info_t *t,
                       const ddb_index_info_t *ix, const ddb_value_t *old, const ddb_value_t *next,
                       stats_delta_t *d, ddb_arena_t *a, ddb_error_t *err) {
    table_stats_t *is;
    int rc = ddb__delta_get(e, d, ix->id, &is, err);
    if (rc) return rc;
    ix_change_t c;
    ddb__ix_change(a, t, ix, old, next, &c);
    if (c.had) {
        is->count--;
        is->size -= ddb_item_size(&c.op);
        if (!c.has || c.moved) {
            rocksdb_writebatch_delete_cf(wb, e->cf[CF_INDEX], (const char *)c.ok.p, c.ok.len);
        }
    }
    if (c.has) {
        bytes_t rec = {0};
        ic_encode(&rec, &c.np);
        rocksdb_writebatch_put_cf(wb, e->cf[CF_INDEX], (const char *)c.nk.p, c.nk.len,
                                  (const char *)rec.p, rec.len);
        bytes_free(&rec);
        is->count++;
        is->size += ddb_item_size(&c.np);
    }
    ddb__ix_change_free(&c);
    return 0;
}

int ddb__batch_item(rk_engine_t *e, rocksdb_writebatch_t *wb, const ddb_table_info_t *t,
                    const bytes_t *k, const ddb_value_t *old, const ddb_value_t *next,
                    stats_delta_t *d, bool by_ttl, ddb_error_t *err) {
    table_stats_t *ts;
    int rc = ddb__delta_get(e, d, t->id, &ts, err);
    if (rc) return rc;
    if (old) {
        ts->count--;
        ts->size -= ddb_item_size(old);
    }
    if (next) {
        bytes_t rec = {0};
        if (ic_encode(&rec, next)) {
            /* the last line of defence: never store what cannot be read back */
            return ddb_error_set(err, DDB_ERR_INTERNAL, "item nests deeper than %d levels",
                                 IC_MAX_DEPTH);
        }
        rocksdb_writebatch_put_cf(wb, e->cf[CF_ITEMS], (const char *)k->p, k->len,
                                  (const char *)rec.p, rec.len);
        bytes_free(&rec);
        ts->count++;
        ts->size += ddb_item_size(next);
    } else {
        rocksdb_writebatch_delete_cf(wb, e->cf[CF_ITEMS], (const char *)k->p, k->len);
    }
    if (t->stream.enabled && t->stream.id) {
        rc = ddb__st_append(e, wb, t, old, next, by_ttl, ddb_now_ms(), err);
        if (rc) return rc;
    }
    if (t->pitr.enabled) {
        rc = ddb__pitr_append(e, wb, t, k, old, err);
        if (rc) return rc;
    }
    if (!t->nindexes) return 0;
    ddb_arena_t *a = ddb_arena_create(0);
    for (size_t i = 0; !rc && i < t->nindexes; i++) {
        bool covered;
        rc = ddb__index_covers(e, e->ro, &t->indexes[i], k->p, k->len, &covered, err);
        if (!rc && covered) rc = batch_index(e, wb, t, &t->indexes[i], old, next, d, a, err);
    }
    ddb_arena_destroy(a);
    return rc;
}

/* The table as the catalog holds it now (decoded into a): writes use its
 * index list, not the caller's possibly older copy, so an index added
 * meanwhile is maintained. False when the table was deleted (and perhaps
 * re-created) since the caller looked it up: its old id range must not
 * receive writes. */
static bool current_table(rk_engine_t *e, const ddb_table_info_t *t, ddb_arena_t *a,
                          ddb_table_info_t *cur) {
    /* no catalog change since the caller read its copy (changes happen
     * under the writer, which the caller holds): the copy is current */
    if (ddb__cat_current(e, t)) {
        *cur = *t;
        return !cur->restoring;
    }
    ddb_error_t err;
    ddb_error_clear(&err);
    if (ddb__get_table_record(e, t->name, t->name_len, a, cur, &err)) return false;
    /* a restoring table is filled by its restore alone */
    return cur->id == t->id && !cur->restoring;
}

int rk_item_write(rk_engine_t *e, const ddb_table_info_t *t, const ddb_value_t *key,
                  ddb_mutate_fn fn, void *ctx, ddb_arena_t *a, ddb_error_t *err) {
    bytes_t k = {0};
    int rc = ddb__item_key(&k, t, key, err);
    if (rc) return rc;
    pthread_mutex_lock(&e->writer);
    const ddb_value_t *old = NULL, *next = NULL;
    rc = ddb__read_item(e, e->ro, &k, a, &old, err);
    if (!rc) rc = fn(ctx, old, &next, err);
    if (rc || ddb__unchanged(old, next)) goto out;
    if (next && !ddb__same_key(t, next, &k)) {
        rc = ddb_error_set(err, DDB_ERR_INTERNAL, "mutation changed the primary key");
        goto out;
    }
    ddb_table_info_t cur;
    if (!current_table(e, t, a, &cur)) {
        rc = ddb_error_set(err, DDB_ERR_RESOURCE_NOT_FOUND, "Requested resource not found");
        goto out;
    }
    rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
    stats_delta_t d;
    ddb__delta_init(&d);
    rc = ddb__batch_item(e, wb, &cur, &k, old, next, &d, false, err);
    if (rc)
        ddb__abandon_batch(e, wb);
    else
        rc = ddb__commit_batch(e, wb, &d, err);
    ddb__delta_free(&d);
out:
    pthread_mutex_unlock(&e->writer);
    bytes_free(&k);
    return rc;
}

/* ddb_write_all's first phase under the writer: every op's current table,
 * current item and mutation (every fn is called, so every failure is
 * reported in its op's status). */
static int mutate_all(rk_engine_t *e, ddb_write_t *ops, size_t n, const bytes_t *keys,
                      ddb_table_info_t *cur, const ddb_value_t **olds, const ddb_value_t **nexts,
                      ddb_arena_t *a, ddb_error_t *err) {
    bool failed = false;
    for (size_t i = 0; i < n; i++) {
        ddb_write_t *op = &ops[i];
        ddb_error_clear(&op->error);
        if (!current_table(e, op->table, a, &cur[i])) {
            op->status = ddb_error_set(&op->error, DDB_ERR_RESOURCE_NOT_FOUND,
                                       "Requested resource not found");
            failed = true;
            continue;
        }
        int rc = ddb__read_item(e, e->ro, &keys[i], a, &olds[i], err);
        if (rc) return rc;
        op->status = op->fn(op->ctx, olds[i], &nexts[i], &op->error);
        if (op->status) {
            failed = true;
        } else if (nexts[i] && nexts[i] != olds[i] &&
                   !ddb__same_key(op->table, nexts[i], &keys[i])) {
            return ddb_error_set(err, DDB_ERR_INTERNAL, "mutation changed the primary key");
        }
    }
    if (failed) return ddb_error_set(err, DDB_ERR_TRANSACTION_CANCELED, "Transaction cancelled");
    return 0;
}

/* ddb_write_all_once's part under the writer: the token's lookup, the
 * mutations, and one batch of the item changes and the token's record. */
static int write_locked(rk_engine_t *e, ddb_write_t *ops, size_t n, const bytes_t *keys,
                        const ddb_token_t *token, bool *replayed, ddb_arena_t *a,
                        ddb_error_t *err) {
    token_seen_t seen = {.replay = false, .stale_ms = -1};
    if (token) {
        int rc = ddb__token_check(e, token, ddb_now_ms(), &seen, err);
        if (rc) return rc;
        if (seen.replay) {
            *replayed = true;
            return 0;
        }
    }
    size_t cnt = n ? n : 1;
    ddb_table_info_t *cur = ddb_arena_alloc(a, sizeof *cur * cnt);
    const ddb_value_t **olds = ddb_arena_alloc(a, sizeof *olds * cnt);
    const ddb_value_t **nexts = ddb_arena_alloc(a, sizeof *nexts * cnt);
    memset(olds, 0, sizeof *olds * cnt);
    memset(nexts, 0, sizeof *nexts * cnt);
    int rc = mutate_all(e, ops, n, keys, cur, olds, nexts, a, err);
    if (rc) return rc;
    rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
    stats_delta_t d;
    ddb__delta_init(&d);
    for (size_t i = 0; !rc && i < n; i++) {
        if (ddb__unchanged(olds[i], nexts[i])) continue;
        rc = ddb__batch_item(e, wb, &cur[i], &keys[i], olds[i], nexts[i], &d, false, err);
    }
    /* the token is applied with the items or not at all; its time is the
     * commit's, from which DynamoDB counts the window */
    if (!rc && token) ddb__token_put(e, wb, token, &seen, ddb_now_ms());
    if (rc)
        ddb__abandon_batch(e, wb);
    else
        rc = ddb__commit_batch(e, wb, &d, err);
    ddb__delta_free(&d);
    return rc;
}

int rk_write_all_once(rk_engine_t *e, ddb_write_t *ops, size_t n, const ddb_token_t *token,
                      bool *replayed, ddb_arena_t *a, ddb_error_t *err) {
    bool dummy;
    if (!replayed) replayed = &dummy;
    *replayed = false;
    bytes_t *keys = calloc(n ? n : 1, sizeof *keys);
    if (!keys) abort();
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        if (kc_item_key(&keys[i], ops[i].table->id, &ops[i].table->key, ops[i].key)) {
            rc = ddb_error_set(err, DDB_ERR_VALIDATION,
                               "The provided key element does not match the schema");
        }
    }
    if (!rc) {
        pthread_mutex_lock(&e->writer);
        rc = write_locked(e, ops, n, keys, token, replayed, a, err);
        pthread_mutex_unlock(&e->writer);
    }
    for (size_t i = 0; i < n; i++)
        bytes_free(&keys[i]);
    free(keys);
    return rc;
}

int rk_write_all(rk_engine_t *e, ddb_write_t *ops, size_t n, ddb_arena_t *a, ddb_error_t *err) {
    return rk_write_all_once(e, ops, n, NULL, NULL, a, err);
}
