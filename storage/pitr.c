/* pitr.c: point-in-time recovery's change logs: turning PITR on and off,
 * the window a restore may aim at, appending each write's previous item
 * state to its table's log in the write's own batch, and trimming the log
 * past the window. Restores that read the logs are in restore.c. Every log
 * record of one batch carries one time, and times never go back, so a
 * restore to T undoes whole batches (a transaction is never split). */
#include <stdlib.h>
#include <string.h>

#include "storage/backup.h"
#include "storage/catalog.h"
#include "storage/writer.h"

void ddb__pitr_key(uint8_t k[13], uint32_t table_id, uint64_t seq) {
    k[0] = 'L';
    kc_put_be32(k + 1, table_id);
    kc_put_be64(k + 5, seq);
}

int64_t ddb__pitr_period(const rk_engine_t *e, const ddb_table_info_t *t) {
    return ddb__pitr_period_of(t, e->pitr_retention_ms);
}

/* The last sequence number in table t's log, raising e->pitr_last to it. */
static int last_seq(rk_engine_t *e, const ddb_table_info_t *t, void *ctx, ddb_error_t *err) {
    (void)ctx;
    uint8_t hi[13];
    ddb__pitr_key(hi, t->id, UINT64_MAX);
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(e->db, e->ro, e->cf[CF_BACKUPS]);
    rocksdb_iter_seek_for_prev(it, (const char *)hi, sizeof hi);
    if (rocksdb_iter_valid(it)) {
        size_t kl;
        const uint8_t *k = (const uint8_t *)rocksdb_iter_key(it, &kl);
        if (kl == 13 && k[0] == 'L' && kc_get_be32(k + 1) == t->id) {
            uint64_t seq = kc_get_be64(k + 5);
            if (seq > e->pitr_last) e->pitr_last = seq;
        }
    }
    int rc = ddb__iter_status(it, err);
    rocksdb_iter_destroy(it);
    return rc;
}

int ddb__pitr_open(rk_engine_t *e, ddb_error_t *err) {
    e->pitr_last = 0;
    return ddb__each_table(e, last_seq, NULL, err);
}

int ddb__pitr_append(rk_engine_t *e, rocksdb_writebatch_t *wb, const ddb_table_info_t *t,
                     const bytes_t *k, const ddb_value_t *old, ddb_error_t *err) {
    int64_t now = ddb_now_ms();
    if (!e->pitr_in_batch) {
        e->pitr_in_batch = true;
        /* the previous batch's time stays here: times never go back */
        if (now > e->pitr_batch_ms) e->pitr_batch_ms = now;
    }
    /* a sequence number at least the time in µs: trimming by time can then
     * cut the log by key (every record below T*1000 is older than T) */
    uint64_t seq = e->pitr_last + 1;
    uint64_t floor = (uint64_t)e->pitr_batch_ms * 1000;
    if (seq < floor) seq = floor;
    bytes_t v = {0};
    uint8_t hdr[13];
    kc_put_be64(hdr, (uint64_t)e->pitr_batch_ms);
    hdr[8] = old != NULL;
    kc_put_be32(hdr + 9, (uint32_t)k->len);
    bytes_put(&v, hdr, sizeof hdr);
    bytes_put(&v, k->p, k->len);
    if (old && ic_encode(&v, old)) {
        bytes_free(&v);
        return ddb_error_set(err, DDB_ERR_INTERNAL, "item nests deeper than %d levels",
                             IC_MAX_DEPTH);
    }
    uint8_t key[13];
    ddb__pitr_key(key, t->id, seq);
    rocksdb_writebatch_put_cf(wb, e->cf[CF_BACKUPS], (const char *)key, sizeof key,
                              (const char *)v.p, v.len);
    bytes_free(&v);
    e->pitr_last = seq;
    return 0;
}

void ddb__pitr_batch_done(rk_engine_t *e) {
    e->pitr_in_batch = false;
}

void ddb__pitr_drop_log(rk_engine_t *e, rocksdb_writebatch_t *wb, uint32_t table_id) {
    uint8_t lo[13], hi[13];
    ddb__pitr_key(lo, table_id, 0);
    ddb__pitr_key(hi, table_id + 1, 0);
    rocksdb_writebatch_delete_range_cf(wb, e->cf[CF_BACKUPS], (const char *)lo, sizeof lo,
                                       (const char *)hi, sizeof hi);
}

int rk_pitr_set(rk_engine_t *e, const char *table, size_t len, bool enabled, uint32_t period_days,
                ddb_error_t *err) {
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_table_info_t t;
    pthread_mutex_lock(&e->writer);
    int rc = ddb__get_table_record(e, table, len, a, &t, err);
    if (rc == DDB_ERR_RESOURCE_NOT_FOUND) {
        rc = ddb_error_set(err, DDB_ERR_TABLE_NOT_FOUND, "Table not found: %.*s", (int)len, table);
    }
    if (!rc) {
        rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
        if (ddb__pitr_edit(&t.pitr, enabled, period_days, ddb_now_ms()))
            ddb__pitr_drop_log(e, wb, t.id);
        ddb__put_table_record(e, wb, &t);
        rc = ddb__commit_batch(e, wb, NULL, err);
    }
    pthread_mutex_unlock(&e->writer);
    ddb_arena_destroy(a);
    return rc;
}

void rk_pitr_window(rk_engine_t *e, const ddb_table_info_t *t, int64_t *earliest_ms,
                    int64_t *latest_ms) {
    ddb__pitr_window_of(t, e->pitr_retention_ms, ddb_now_ms(), earliest_ms, latest_ms);
}

int ddb__pitr_trim(rk_engine_t *e, const ddb_table_info_t *t, int64_t now_ms, int64_t floor_ms,
                   ddb_error_t *err) {
    int64_t cut = now_ms - ddb__pitr_period(e, t);
    if (floor_ms < cut) cut = floor_ms;
    if (cut <= 0) return 0;
    /* only when the oldest record is past the cut: a range tombstone per
     * tick and table would pile up */
    uint8_t lo[13], hi[13];
    ddb__pitr_key(lo, t->id, 0);
    ddb__pitr_key(hi, t->id, (uint64_t)cut * 1000);
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(e->db, e->ro, e->cf[CF_BACKUPS]);
    rocksdb_iter_seek(it, (const char *)lo, sizeof lo);
    bool due = false;
    if (rocksdb_iter_valid(it)) {
        size_t kl;
        const char *k = rocksdb_iter_key(it, &kl);
        due = ddb__cmp_bytes((const uint8_t *)k, kl, hi, sizeof hi) < 0;
    }
    int rc = ddb__iter_status(it, err);
    rocksdb_iter_destroy(it);
    if (rc || !due) return rc;
    pthread_mutex_lock(&e->writer);
    rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
    rocksdb_writebatch_delete_range_cf(wb, e->cf[CF_BACKUPS], (const char *)lo, sizeof lo,
                                       (const char *)hi, sizeof hi);
    rc = ddb__commit_batch(e, wb, NULL, err);
    pthread_mutex_unlock(&e->writer);
    return rc;
}
