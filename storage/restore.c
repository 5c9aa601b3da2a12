/* restore.c: restores into new tables: from a backup (its copied items)
 * or to a point in time (the source's items from a snapshot, then its
 * change log undone newest first down to the target time). The target
 * exists from the start with restoring set; a bounded step at a time
 * (writer held) fills it through ddb__batch_item, so index entries and
 * statistics are built as for any write, and the step moves the restore's
 * cursor in the same batch. After a restart a PITR restore begins again
 * from a new snapshot: copying current items over what is there and
 * undoing every change after T again yields the table at T. Never writes
 * the source. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/backup.h"
#include "storage/catalog.h"
#include "storage/maint.h"
#include "storage/read.h"
#include "storage/writer.h"

enum { RS_BACKUP = 1, RS_PITR = 2 };
enum { PH_COPY = 0, PH_UNDO = 1 };

/* A restore's state ('R' [table] in the catalog). */
typedef struct rs_state {
    uint8_t kind, phase;
    int64_t at_ms;                    /* RS_PITR: the target time */
    uint32_t src_id;                  /* RS_PITR: the source table's id */
    char bid[DDB__BACKUP_ID_LEN + 1]; /* RS_BACKUP: the backup */
    bytes_t src_name;                 /* RS_PITR: the source table's name */
    bytes_t name;                     /* the restoring table's name */
    bytes_t cursor;                   /* the last source key done in this phase (empty: none yet) */
} rs_state_t;

/* The snapshot a PITR restore reads its source from (in memory: a restart
 * begins the restore again). */
typedef struct rs_snap {
    uint32_t table_id; /* the restoring table */
    const rocksdb_snapshot_t *snap;
    rocksdb_readoptions_t *ro;
} rs_snap_t;

void ddb__restore_key(uint8_t k[5], uint32_t table_id) {
    k[0] = DDB__RESTORE_KEY;
    kc_put_be32(k + 1, table_id);
}

/* [kind][phase][at BE64][src id BE32][backup id][src name][name][cursor], the
 * last three each [len BE16][bytes] */
static void encode_state(bytes_t *out, const rs_state_t *s) {
    uint8_t h[14 + DDB__BACKUP_ID_LEN];
    memset(h, 0, sizeof h);
    h[0] = s->kind;
    h[1] = s->phase;
    kc_put_be64(h + 2, (uint64_t)s->at_ms);
    kc_put_be32(h + 10, s->src_id);
    memcpy(h + 14, s->bid, strnlen(s->bid, DDB__BACKUP_ID_LEN));
    bytes_put(out, h, sizeof h);
    ddb__put_str16(out, s->src_name.p, s->src_name.len);
    ddb__put_str16(out, s->name.p, s->name.len);
    ddb__put_str16(out, s->cursor.p, s->cursor.len);
}

static bool get16(const uint8_t **p, const uint8_t *end, bytes_t *s) {
    const uint8_t *v;
    size_t l;
    if (!ddb__get_str16(p, end, &v, &l)) return false;
    bytes_put(s, v, l);
    return true;
}

static bool decode_state(const uint8_t *p, size_t len, rs_state_t *s) {
    memset(s, 0, sizeof *s);
    const uint8_t *end = p + len;
    if (len < 14 + DDB__BACKUP_ID_LEN) return false;
    s->kind = p[0];
    s->phase = p[1];
    s->at_ms = (int64_t)kc_get_be64(p + 2);
    s->src_id = kc_get_be32(p + 10);
    memcpy(s->bid, p + 14, DDB__BACKUP_ID_LEN);
    s->bid[DDB__BACKUP_ID_LEN] = '\0';
    p += 14 + DDB__BACKUP_ID_LEN;
    return get16(&p, end, &s->src_name) && get16(&p, end, &s->name) && get16(&p, end, &s->cursor);
}

static void state_free(rs_state_t *s) {
    bytes_free(&s->src_name);
    bytes_free(&s->name);
    bytes_free(&s->cursor);
}

static void put_state(rk_engine_t *e, rocksdb_writebatch_t *wb, uint32_t table_id,
                      const rs_state_t *s) {
    uint8_t k[5];
    ddb__restore_key(k, table_id);
    bytes_t v = {0};
    encode_state(&v, s);
    rocksdb_writebatch_put_cf(wb, e->cf[CF_CATALOG], (const char *)k, 5, (const char *)v.p, v.len);
    bytes_free(&v);
}

/* Calls fn for every restore in progress (its table id and state) until
 * fn returns nonzero. */
typedef int (*state_fn)(void *ctx, uint32_t table_id, const rs_state_t *s);
static int each_state(rk_engine_t *e, state_fn fn, void *ctx, ddb_error_t *err) {
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(e->db, e->ro, e->cf[CF_CATALOG]);
    const char tag = DDB__RESTORE_KEY;
    int rc = 0;
    for (rocksdb_iter_seek(it, &tag, 1); !rc && rocksdb_iter_valid(it); rocksdb_iter_next(it)) {
        size_t kl, vl;
        const char *k = rocksdb_iter_key(it, &kl);
        if (kl < 1 || k[0] != tag) break;
        const char *v = rocksdb_iter_value(it, &vl);
        rs_state_t s;
        if (kl != 5 || !decode_state((const uint8_t *)v, vl, &s)) {
            state_free(&s);
            continue;
        }
        rc = fn(ctx, kc_get_be32((const uint8_t *)k + 1), &s);
        state_free(&s);
    }
    int st = ddb__iter_status(it, err);
    rocksdb_iter_destroy(it);
    return st ? st : rc < 0 ? 0 : rc;
}

typedef struct {
    const char *bid;
    bool used;
} uses_ctx;

static int uses_one(void *ctx, uint32_t table_id, const rs_state_t *s) {
    (void)table_id;
    uses_ctx *c = ctx;
    if (s->kind == RS_BACKUP && strcmp(s->bid, c->bid) == 0) {
        c->used = true;
        return -1; /* stop */
    }
    return 0;
}

int ddb__restore_uses_backup(rk_engine_t *e, const char *id, bool *used, ddb_error_t *err) {
    uses_ctx c = {id, false};
    int rc = each_state(e, uses_one, &c, err);
    *used = c.used;
    return rc;
}

typedef struct {
    uint32_t src;
    int64_t at;
} floor_ctx;

static int floor_one(void *ctx, uint32_t table_id, const rs_state_t *s) {
    (void)table_id;
    floor_ctx *c = ctx;
    if (s->kind == RS_PITR && s->src_id == c->src && s->at_ms < c->at) c->at = s->at_ms;
    return 0;
}

int ddb__restore_pitr_floor(rk_engine_t *e, uint32_t table_id, int64_t *at_ms, ddb_error_t *err) {
    floor_ctx c = {table_id, INT64_MAX};
    int rc = each_state(e, floor_one, &c, err);
    *at_ms = c.at;
    return rc;
}

void ddb__restore_release(rk_engine_t *e) {
    rs_snap_t *r = e->rs_snap;
    if (!r) return;
    rocksdb_readoptions_destroy(r->ro);
    rocksdb_release_snapshot(e->db, r->snap);
    free(r);
    e->rs_snap = NULL;
}

/* ---- starting a restore ------------------------------------------------------- */

/* Creates target (restoring) with restore state s, in one batch (writer
 * held); a taken name is DDB_ERR_TABLE_ALREADY_EXISTS. */
static int create_target(rk_engine_t *e, ddb_table_info_t *target, rs_state_t *s,
                         ddb_error_t *err) {
    int rc = ddb__table_admit(e, target->name, target->name_len, err);
    if (rc == DDB_ERR_RESOURCE_IN_USE) {
        return ddb_error_set(err, DDB_ERR_TABLE_ALREADY_EXISTS, "Table already exists: %.*s",
                             (int)target->name_len, target->name);
    }
    if (rc) return rc;
    ddb__restore_target(target);
    target->restoring = true;
    rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
    stats_delta_t d;
    ddb__delta_init(&d);
    rc = ddb__table_create_into(e, target, wb, &d, err);
    if (!rc) {
        bytes_put(&s->name, target->name, target->name_len);
        put_state(e, wb, target->id, s);
        rc = ddb__commit_batch(e, wb, &d, err);
    } else {
        ddb__abandon_batch(e, wb);
    }
    ddb__delta_free(&d);
    return rc;
}

int rk_backup_restore(rk_engine_t *e, const char *id, size_t id_len, ddb_table_info_t *target,
                      ddb_error_t *err) {
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_backup_info_t b;
    int rc = rk_backup_get(e, id, id_len, a, &b, err);
    rs_state_t s = {.kind = RS_BACKUP};
    if (!rc) {
        memcpy(s.bid, b.id, DDB__BACKUP_ID_LEN + 1);
        pthread_mutex_lock(&e->writer);
        /* read again under the writer: a deletion may have won the race */
        rc = ddb__backup_read(e, e->ro, s.bid, a, &b, err);
        if (!rc && b.status != DDB_BACKUP_AVAILABLE) {
            rc = ddb_error_set(err, DDB_ERR_BACKUP_IN_USE, "Backup is being created: %s", s.bid);
        }
        if (!rc) rc = create_target(e, target, &s, err);
        pthread_mutex_unlock(&e->writer);
    }
    state_free(&s);
    ddb_arena_destroy(a);
    if (!rc) ddb__maint_wake(e);
    return rc;
}

int rk_pitr_restore(rk_engine_t *e, const char *source, size_t len, int64_t at_ms,
                    ddb_table_info_t *target, ddb_error_t *err) {
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_table_info_t src;
    rs_state_t s = {.kind = RS_PITR, .at_ms = at_ms};
    pthread_mutex_lock(&e->writer);
    int rc = ddb__get_table_record(e, source, len, a, &src, err);
    if (rc == DDB_ERR_RESOURCE_NOT_FOUND) {
        rc = ddb_error_set(err, DDB_ERR_TABLE_NOT_FOUND, "Table not found: %.*s", (int)len, source);
    }
    if (!rc)
        rc = ddb__pitr_admit(&src, source, len, at_ms, e->pitr_retention_ms, ddb_now_ms(), err);
    if (!rc) {
        s.src_id = src.id;
        bytes_put(&s.src_name, source, len);
        rc = create_target(e, target, &s, err);
    }
    pthread_mutex_unlock(&e->writer);
    state_free(&s);
    ddb_arena_destroy(a);
    if (!rc) ddb__maint_wake(e);
    return rc;
}

/* ---- the fill ------------------------------------------------------------------ */

/* Sets target item key k (table t's id + tail) to next (NULL: absent), in
 * wb/d, against what the target holds now. */
static int set_item(rk_engine_t *e, rocksdb_writebatch_t *wb, const ddb_table_info_t *t,
                    const char *tail, size_t tail_len, const ddb_value_t *next, stats_delta_t *d,
                    ddb_arena_t *a, ddb_error_t *err) {
    bytes_t k = {0};
    uint8_t id[4];
    kc_put_be32(id, t->id);
    bytes_put(&k, id, 4);
    bytes_put(&k, tail, tail_len);
    const ddb_value_t *old;
    int rc = ddb__read_item(e, e->ro, &k, a, &old, err);
    bool same = (!old && !next) || (old && next && ddb_value_equal(old, next));
    if (!rc && !same) rc = ddb__batch_item(e, wb, t, &k, old, next, d, false, err);
    bytes_free(&k);
    return rc;
}

/* Copies the next items of a source (items under [lo, hi) of cf, read with
 * ro; each key's tail after skip bytes is the target key's after the table
 * id) after s->cursor; *done at the end. */
static int copy_items(rk_engine_t *e, rocksdb_writebatch_t *wb, const ddb_table_info_t *t,
                      rs_state_t *s, rocksdb_readoptions_t *ro, int cf, const bytes_t *lo,
                      const bytes_t *hi, size_t skip, stats_delta_t *d, bool *done,
                      ddb_error_t *err) {
    rocksdb_readoptions_set_iterate_upper_bound(ro, (const char *)hi->p, hi->len);
    rocksdb_readoptions_set_total_order_seek(ro, 1);
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(e->db, ro, e->cf[cf]);
    bytes_t from = {0};
    if (s->cursor.len) {
        bytes_put(&from, s->cursor.p, s->cursor.len);
        bytes_putc(&from, 0);
    } else {
        bytes_put(&from, lo->p, lo->len);
    }
    ddb_arena_t *a = ddb_arena_create(0);
    uint32_t n = 0;
    int rc = 0;
    for (rocksdb_iter_seek(it, (const char *)from.p, from.len);
         !rc && rocksdb_iter_valid(it) && n < e->bf_batch; rocksdb_iter_next(it), n++) {
        size_t kl, vl;
        const char *k = rocksdb_iter_key(it, &kl);
        const char *v = rocksdb_iter_value(it, &vl);
        if (kl < skip) continue;
        ddb_value_t item;
        rc = ic_decode((const uint8_t *)v, vl, a, &item, err);
        if (!rc) rc = set_item(e, wb, t, k + skip, kl - skip, &item, d, a, err);
        s->cursor.len = 0;
        bytes_put(&s->cursor, k, kl);
    }
    *done = !rc && !rocksdb_iter_valid(it);
    if (!rc) rc = ddb__iter_status(it, err);
    rocksdb_iter_destroy(it);
    ddb_arena_destroy(a);
    bytes_free(&from);
    return rc;
}

static bool touched(const bytes_t *seen, size_t n, const char *k, size_t kl) {
    for (size_t i = 0; i < n; i++) {
        if (seen[i].len == kl && memcmp(seen[i].p, k, kl) == 0) return true;
    }
    return false;
}

/* Undoes the next source changes (newest first, before s->cursor) later
 * than s->at_ms; *done when the next is not later. */
static int undo_changes(rk_engine_t *e, rocksdb_writebatch_t *wb, const ddb_table_info_t *t,
                        rs_state_t *s, rocksdb_readoptions_t *ro, stats_delta_t *d, bool *done,
                        ddb_error_t *err) {
    uint8_t lo[13], end[13];
    ddb__pitr_key(lo, s->src_id, 0);
    ddb__pitr_key(end, s->src_id + 1, 0);
    const char *hi = s->cursor.len ? (const char *)s->cursor.p : (const char *)end;
    size_t hil = s->cursor.len ? s->cursor.len : sizeof end;
    rocksdb_readoptions_set_iterate_lower_bound(ro, (const char *)lo, sizeof lo);
    rocksdb_readoptions_set_iterate_upper_bound(ro, hi, hil);
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(e->db, ro, e->cf[CF_BACKUPS]);
    ddb_arena_t *a = ddb_arena_create(0);
    bytes_t last = {0};
    bytes_t *seen = calloc(e->bf_batch, sizeof *seen);
    if (!seen) abort();
    size_t nseen = 0;
    uint32_t n = 0;
    int rc = 0;
    *done = false;
    for (rocksdb_iter_seek_to_last(it); !rc && rocksdb_iter_valid(it) && n < e->bf_batch;
         rocksdb_iter_prev(it), n++) {
        size_t kl, vl;
        const char *k = rocksdb_iter_key(it, &kl);
        const uint8_t *v = (const uint8_t *)rocksdb_iter_value(it, &vl);
        if (vl < 13) {
            rc = ddb_error_set(err, DDB_ERR_INTERNAL, "corrupt change record");
            break;
        }
        if ((int64_t)kc_get_be64(v) <= s->at_ms) {
            *done = true;
            break;
        }
        size_t ikl = kc_get_be32(v + 9);
        if (ikl < 4 || ikl > vl - 13) {
            rc = ddb_error_set(err, DDB_ERR_INTERNAL, "corrupt change record");
            break;
        }
        const char *ik = (const char *)v + 13;
        /* a key this step already changed: its state is in wb, not the
         * store, and set_item compares with the store; the next step
         * (after this batch is written) takes it */
        if (touched(seen, nseen, ik, ikl)) break;
        bytes_put(&seen[nseen++], ik, ikl);
        ddb_value_t old, *prev = NULL;
        if (v[8]) {
            rc = ic_decode(v + 13 + ikl, vl - 13 - ikl, a, &old, err);
            prev = &old;
        }
        if (!rc) rc = set_item(e, wb, t, ik + 4, ikl - 4, prev, d, a, err);
        last.len = 0;
        bytes_put(&last, k, kl);
    }
    for (size_t i = 0; i < nseen; i++)
        bytes_free(&seen[i]);
    free(seen);
    if (!rc && !*done && !rocksdb_iter_valid(it)) *done = true;
    if (!rc) rc = ddb__iter_status(it, err);
    rocksdb_iter_destroy(it);
    /* the bounds must outlive the iterator; the next step gets its own */
    rocksdb_readoptions_set_iterate_lower_bound(ro, NULL, 0);
    rocksdb_readoptions_set_iterate_upper_bound(ro, NULL, 0);
    if (!rc && last.len) {
        s->cursor.len = 0;
        bytes_put(&s->cursor, last.p, last.len);
    }
    bytes_free(&last);
    ddb_arena_destroy(a);
    return rc;
}

/* The snapshot of PITR restore into table t: taken now when there is none
 * (first step, or after a restart: the restore then begins again). False
 * when the source is gone from the snapshot (the restore cannot be made). */
static bool pitr_snapshot(rk_engine_t *e, const ddb_table_info_t *t, rs_state_t *s) {
    if (e->rs_snap && e->rs_snap->table_id == t->id) return true;
    ddb__restore_release(e);
    rs_snap_t *r = calloc(1, sizeof *r);
    if (!r) abort();
    r->table_id = t->id;
    r->snap = rocksdb_create_snapshot(e->db);
    r->ro = rocksdb_readoptions_create();
    rocksdb_readoptions_set_snapshot(r->ro, r->snap);
    e->rs_snap = r;
    s->phase = PH_COPY;
    s->cursor.len = 0;
    bytes_t k = {0};
    ddb__table_key(&k, (const char *)s->src_name.p, s->src_name.len);
    char *v;
    size_t vl;
    ddb_error_t err;
    int rc = ddb__get(e, r->ro, CF_CATALOG, k.p, k.len, &v, &vl, &err);
    bytes_free(&k);
    bool ok = !rc && v && vl >= 4 && kc_get_be32((const uint8_t *)v) == s->src_id;
    free(v);
    return ok;
}

/* One step of the restore into t (the catalog's record, writer held). */
static int restore_step(rk_engine_t *e, ddb_table_info_t *t, rs_state_t *s, bool *more,
                        ddb_error_t *err) {
    if (s->kind == RS_PITR && !pitr_snapshot(e, t, s)) {
        fprintf(stderr, "ddb: restore of %.*s dropped: its source table is gone\n",
                (int)t->name_len, t->name);
        ddb__restore_release(e);
        *more = true;
        return ddb__table_delete_locked(e, t->name, t->name_len, err);
    }
    rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
    stats_delta_t d;
    ddb__delta_init(&d);
    bool done = false;
    int rc;
    if (s->kind == RS_BACKUP) {
        bytes_t lo = {0}, hi = {0};
        ddb__backup_items_range(&lo, &hi, s->bid);
        rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
        rc = copy_items(e, wb, t, s, ro, CF_BACKUPS, &lo, &hi, lo.len, &d, &done, err);
        rocksdb_readoptions_destroy(ro);
        bytes_free(&lo);
        bytes_free(&hi);
    } else if (s->phase == PH_COPY) {
        bytes_t lo = {0}, hi = {0};
        uint8_t b[4];
        kc_put_be32(b, s->src_id);
        bytes_put(&lo, b, 4);
        kc_put_be32(b, s->src_id + 1);
        bytes_put(&hi, b, 4);
        rc = copy_items(e, wb, t, s, e->rs_snap->ro, CF_ITEMS, &lo, &hi, 4, &d, &done, err);
        rocksdb_readoptions_set_iterate_upper_bound(e->rs_snap->ro, NULL, 0);
        bytes_free(&lo);
        bytes_free(&hi);
        if (!rc && done) {
            s->phase = PH_UNDO;
            s->cursor.len = 0;
            done = false;
        }
    } else {
        rc = undo_changes(e, wb, t, s, e->rs_snap->ro, &d, &done, err);
    }
    if (!rc && done) {
        t->restoring = false;
        ddb__put_table_record(e, wb, t);
        uint8_t k[5];
        ddb__restore_key(k, t->id);
        rocksdb_writebatch_delete_cf(wb, e->cf[CF_CATALOG], (const char *)k, 5);
    } else if (!rc) {
        put_state(e, wb, t->id, s);
    }
    if (rc)
        ddb__abandon_batch(e, wb);
    else
        rc = ddb__commit_batch(e, wb, &d, err);
    ddb__delta_free(&d);
    if (!rc && done && s->kind == RS_PITR) ddb__restore_release(e);
    *more = true; /* this one's next step, or the next restore */
    return rc;
}

typedef struct {
    uint32_t id;
    rs_state_t s;
    bool found;
} first_ctx;

static int first_one(void *ctx, uint32_t table_id, const rs_state_t *s) {
    first_ctx *c = ctx;
    c->id = table_id;
    c->s.kind = s->kind;
    c->s.phase = s->phase;
    c->s.at_ms = s->at_ms;
    c->s.src_id = s->src_id;
    memcpy(c->s.bid, s->bid, sizeof c->s.bid);
    bytes_put(&c->s.src_name, s->src_name.p, s->src_name.len);
    bytes_put(&c->s.name, s->name.p, s->name.len);
    bytes_put(&c->s.cursor, s->cursor.p, s->cursor.len);
    c->found = true;
    return -1; /* the first is enough */
}

int ddb__restore_round(rk_engine_t *e, bool *more, ddb_error_t *err) {
    *more = false;
    first_ctx c = {0};
    int rc = each_state(e, first_one, &c, err);
    if (rc || !c.found) {
        state_free(&c.s);
        if (!rc) ddb__restore_release(e);
        return rc;
    }
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_table_info_t t;
    pthread_mutex_lock(&e->writer);
    rc = ddb__get_table_record(e, (const char *)c.s.name.p, c.s.name.len, a, &t, err);
    if (!rc && t.id == c.id && t.restoring) {
        rc = restore_step(e, &t, &c.s, more, err);
    } else if (!rc || rc == DDB_ERR_RESOURCE_NOT_FOUND) {
        /* a state its table outlived (or never got): drop it */
        uint8_t k[5];
        ddb__restore_key(k, c.id);
        rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
        rocksdb_writebatch_delete_cf(wb, e->cf[CF_CATALOG], (const char *)k, 5);
        rc = ddb__commit_batch(e, wb, NULL, err);
        *more = !rc;
    }
    pthread_mutex_unlock(&e->writer);
    ddb_arena_destroy(a);
    state_free(&c.s);
    return rc;
}
