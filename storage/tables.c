/* tables.c: the catalog's changes: creating, describing anew (meta) and
 * deleting tables, and turning a table's stream on or off. Each takes the
 * writer and commits one batch through the writer (writer.c); index
 * changes are in backfill.c. */
#include <stdlib.h>
#include <string.h>

#include "query/arn.h"
#include "storage/backup.h"
#include "storage/catalog.h"
#include "storage/stats.h"
#include "storage/streams.h"
#include "storage/writer.h"

int ddb__table_create_into(rk_engine_t *e, ddb_table_info_t *info, rocksdb_writebatch_t *wb,
                           stats_delta_t *d, ddb_error_t *err) {
    uint32_t id;
    int rc = ddb__alloc_ids(e, wb, 1 + (uint32_t)info->nindexes + (info->stream.enabled ? 1 : 0),
                            &id, err);
    if (rc) return rc;
    info->id = id;
    info->item_count = info->size_bytes = 0;
    for (size_t i = 0; i < info->nindexes; i++)
        info->indexes[i].id = id + 1 + (uint32_t)i;
    if (info->stream.enabled) {
        info->stream.id = id + 1 + (uint32_t)info->nindexes;
        info->stream.created_ms = ddb_now_ms();
        ddb__st_create(e, wb, info->stream.id, info, info->stream.view, info->stream.created_ms);
    } else {
        memset(&info->stream, 0, sizeof info->stream);
    }
    ddb__put_table_record(e, wb, info);
    ddb__delta_zero(d, id);
    for (size_t i = 0; i < info->nindexes; i++)
        ddb__delta_zero(d, info->indexes[i].id);
    return 0;
}

/* Whether the catalog holds e->max_tables tables already in the region of
 * table name (the quota is per region, as DynamoDB's: a region's tables are
 * one run of the catalog, query/arn.h) (under the writer, so that
 * concurrent creates cannot pass the limit together). */
static int at_table_limit(rk_engine_t *e, const char *name, size_t len, bool *full,
                          ddb_error_t *err) {
    *full = false;
    if (!e->max_tables) return 0;
    const char *rg, *plain;
    size_t rl, pl;
    bool qualified = ddb_qname_split(name, len, &rg, &rl, &plain, &pl);
    /* the run's prefix: 't' alone (a plain name never starts with '~'), or
     * 't' + "~REGION~" */
    size_t prl = qualified ? (size_t)(plain - name) + 1 : 1;
    char *prefix = malloc(prl);
    if (!prefix) abort();
    prefix[0] = DDB__TABLE_KEY_PREFIX;
    memcpy(prefix + 1, name, prl - 1);
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(e->db, e->ro, e->cf[CF_CATALOG]);
    uint32_t n = 0;
    for (rocksdb_iter_seek(it, prefix, prl); rocksdb_iter_valid(it) && n < e->max_tables;
         rocksdb_iter_next(it)) {
        size_t kl;
        const char *k = rocksdb_iter_key(it, &kl);
        if (kl < prl || memcmp(k, prefix, prl) != 0) break;
        if (!qualified && kl > 1 && k[1] == DDB_QNAME_MARK) break;
        n++;
    }
    free(prefix);
    int rc = ddb__iter_status(it, err);
    rocksdb_iter_destroy(it);
    *full = n >= e->max_tables;
    return rc;
}

int ddb__table_admit(rk_engine_t *e, const char *name, size_t len, ddb_error_t *err) {
    bytes_t k = {0};
    ddb__table_key(&k, name, len);
    bool exists, full = false;
    int rc = ddb__table_exists(e, &k, &exists, err);
    bytes_free(&k);
    if (!rc && exists) {
        rc = ddb_error_set(err, DDB_ERR_RESOURCE_IN_USE, "Table already exists: %.*s", (int)len,
                           name);
    }
    if (!rc) rc = at_table_limit(e, name, len, &full, err);
    if (!rc && full) {
        rc = ddb_error_set(err, DDB_ERR_LIMIT_EXCEEDED,
                           "Subscriber limit exceeded: There is a limit of %u tables per "
                           "subscriber",
                           e->max_tables);
    }
    return rc;
}

int rk_table_create(rk_engine_t *e, ddb_table_info_t *info, ddb_error_t *err) {
    pthread_mutex_lock(&e->writer);
    int rc = ddb__table_admit(e, info->name, info->name_len, err);
    if (!rc) {
        info->restoring = false;
        memset(&info->pitr, 0, sizeof info->pitr);
        rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
        stats_delta_t d;
        ddb__delta_init(&d);
        rc = ddb__table_create_into(e, info, wb, &d, err);
        if (rc)
            ddb__abandon_batch(e, wb);
        else
            rc = ddb__commit_batch(e, wb, &d, err);
        ddb__delta_free(&d);
    }
    pthread_mutex_unlock(&e->writer);
    return rc;
}

int rk_table_set_meta(rk_engine_t *e, const char *name, size_t len, const ddb_value_t *meta,
                      ddb_error_t *err) {
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_table_info_t t;
    pthread_mutex_lock(&e->writer);
    int rc = ddb__get_table_record(e, name, len, a, &t, err);
    if (!rc) {
        t.meta = meta;
        rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
        ddb__put_table_record(e, wb, &t);
        rc = ddb__commit_batch(e, wb, NULL, err);
    }
    pthread_mutex_unlock(&e->writer);
    ddb_arena_destroy(a);
    return rc;
}

/* Deletes the data of id (a table's items, or an index's entries when cf
 * is CF_INDEX) and its statistics, in wb. */
static void delete_id(rk_engine_t *e, rocksdb_writebatch_t *wb, int cf, uint32_t id) {
    uint8_t lo[4], hi[4];
    kc_put_be32(lo, id);
    kc_put_be32(hi, id + 1);
    rocksdb_writebatch_delete_range_cf(wb, e->cf[cf], (const char *)lo, 4, (const char *)hi, 4);
    rocksdb_writebatch_delete_cf(wb, e->cf[CF_STATS], (const char *)lo, 4);
}

int ddb__table_delete_locked(rk_engine_t *e, const char *name, size_t len, ddb_error_t *err) {
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_table_info_t t;
    int rc = ddb__get_table_record(e, name, len, a, &t, err);
    /* a table with PITR on leaves a SYSTEM backup of what it held */
    if (!rc && t.pitr.enabled) rc = ddb__backup_system(e, &t, err);
    rocksdb_writebatch_t *wb = rc ? NULL : rocksdb_writebatch_create();
    /* the stream outlives the table until its records age out */
    if (!rc && t.stream.enabled) rc = ddb__st_disable(e, wb, t.stream.id, ddb_now_ms(), err);
    if (!rc) {
        ddb__delete_table_record(e, wb, name, len);
        delete_id(e, wb, CF_ITEMS, t.id);
        for (size_t i = 0; i < t.nindexes; i++) {
            delete_id(e, wb, CF_INDEX, t.indexes[i].id);
            uint8_t bk[5];
            ddb__backfill_key(bk, t.indexes[i].id);
            rocksdb_writebatch_delete_cf(wb, e->cf[CF_CATALOG], (const char *)bk, 5);
        }
        /* PITR off dropped the log already: no range tombstone otherwise */
        if (t.pitr.enabled) ddb__pitr_drop_log(e, wb, t.id);
        if (t.restoring) {
            uint8_t rk[5];
            ddb__restore_key(rk, t.id);
            rocksdb_writebatch_delete_cf(wb, e->cf[CF_CATALOG], (const char *)rk, 5);
        }
        rc = ddb__commit_batch(e, wb, NULL, err);
        if (!rc) {
            ddb__stats_forget(e, t.id);
            for (size_t i = 0; i < t.nindexes; i++)
                ddb__stats_forget(e, t.indexes[i].id);
        }
    } else if (wb) {
        ddb__abandon_batch(e, wb);
    }
    ddb_arena_destroy(a);
    return rc;
}

int rk_table_delete(rk_engine_t *e, const char *name, size_t len, ddb_error_t *err) {
    pthread_mutex_lock(&e->writer);
    int rc = ddb__table_delete_locked(e, name, len, err);
    pthread_mutex_unlock(&e->writer);
    return rc;
}

int rk_stream_set(rk_engine_t *e, const char *table, size_t len, ddb_stream_view_t view,
                  const ddb_value_t *meta, ddb_error_t *err) {
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_table_info_t t;
    pthread_mutex_lock(&e->writer);
    int rc = ddb__get_table_record(e, table, len, a, &t, err);
    rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
    uint32_t id = 0;
    if (!rc && view) rc = ddb__alloc_ids(e, wb, 1, &id, err);
    int64_t now = ddb_now_ms();
    if (!rc && t.stream.enabled) rc = ddb__st_disable(e, wb, t.stream.id, now, err);
    if (rc) {
        ddb__abandon_batch(e, wb);
    } else {
        t.stream.enabled = false;
        if (view) {
            t.stream =
                (ddb_stream_ref_t){.id = id, .enabled = true, .view = view, .created_ms = now};
            ddb__st_create(e, wb, id, &t, view, now);
        }
        if (meta) t.meta = meta;
        ddb__put_table_record(e, wb, &t);
        rc = ddb__commit_batch(e, wb, NULL, err);
    }
    pthread_mutex_unlock(&e->writer);
    ddb_arena_destroy(a);
    return rc;
}
