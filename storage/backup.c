/* backup.c: on-demand and SYSTEM backups: their records, the checkpoint
 * each starts from (one instant of the whole store, taken while writes go
 * on), the background copy of the table out of it into the backup store
 * (resumed after a restart, the checkpoint then deleted), listing and
 * deletion, the expiry of SYSTEM backups, and ddb_checkpoint. Restores are
 * in restore.c, the PITR logs in pitr.c. A backup's items are never
 * changed once copied. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "storage/backup.h"
#include "storage/catalog.h"
#include "storage/maint.h"
#include "storage/writer.h"

/* The copy in progress: the checkpoint, open read-only, and where the
 * copy stands in it. */
typedef struct bk_copy {
    char id[DDB__BACKUP_ID_LEN + 1];
    rocksdb_t *db;
    rocksdb_column_family_handle_t *cf[CF_COUNT];
    rocksdb_readoptions_t *ro;
    rocksdb_iterator_t *it;
    bytes_t table_rec; /* the table's record in the checkpoint, with its statistics */
    uint64_t count, size;
    uint8_t hi[4]; /* the iterator's upper bound (kept alive with it) */
} bk_copy_t;

/* ---- records ---------------------------------------------------------------- */

static void record_key(bytes_t *k, const char *id) {
    bytes_putc(k, 'B');
    bytes_put(k, id, DDB__BACKUP_ID_LEN);
}

int ddb__backup_read(rk_engine_t *e, const rocksdb_readoptions_t *ro, const char *id,
                     ddb_arena_t *a, ddb_backup_info_t *out, ddb_error_t *err) {
    bytes_t k = {0};
    record_key(&k, id);
    char *v;
    size_t vl;
    int rc = ddb__get(e, ro, CF_BACKUPS, k.p, k.len, &v, &vl, err);
    bytes_free(&k);
    if (rc) return rc;
    if (!v) return ddb_error_set(err, DDB_ERR_BACKUP_NOT_FOUND, "Backup not found: %s", id);
    rc = ddb__decode_backup(id, (const uint8_t *)v, vl, a, out, err);
    free(v);
    return rc;
}

int rk_backup_get(rk_engine_t *e, const char *id, size_t id_len, ddb_arena_t *a,
                  ddb_backup_info_t *out, ddb_error_t *err) {
    char bid[DDB__BACKUP_ID_LEN + 1];
    if (!ddb__backup_take_id(bid, id, id_len)) {
        return ddb_error_set(err, DDB_ERR_BACKUP_NOT_FOUND, "Backup not found: %.*s", (int)id_len,
                             id);
    }
    int rc = ddb__backup_read(e, e->ro, bid, a, out, err);
    if (!rc) rc = ddb__restore_uses_backup(e, bid, &out->restoring, err);
    return rc;
}

int rk_backup_list(rk_engine_t *e, const char *after, size_t after_len, ddb_backup_fn fn, void *ctx,
                   ddb_error_t *err) {
    bytes_t start = {0};
    bytes_putc(&start, 'B');
    if (after) bytes_put(&start, after, after_len);
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(e->db, e->ro, e->cf[CF_BACKUPS]);
    ddb_arena_t *a = ddb_arena_create(0);
    int rc = 0;
    for (rocksdb_iter_seek(it, (const char *)start.p, start.len); !rc && rocksdb_iter_valid(it);
         rocksdb_iter_next(it)) {
        size_t kl, vl;
        const char *k = rocksdb_iter_key(it, &kl);
        if (kl < 1 || k[0] != 'B') break;
        if (kl != 1 + DDB__BACKUP_ID_LEN) continue;
        if (after && ddb__cmp_bytes((const uint8_t *)k + 1, kl - 1, (const uint8_t *)after,
                                    after_len) <= 0) {
            continue;
        }
        const char *v = rocksdb_iter_value(it, &vl);
        char id[DDB__BACKUP_ID_LEN + 1];
        memcpy(id, k + 1, DDB__BACKUP_ID_LEN);
        id[DDB__BACKUP_ID_LEN] = '\0';
        ddb_arena_reset(a);
        ddb_backup_info_t b;
        rc = ddb__decode_backup(id, (const uint8_t *)v, vl, a, &b, err);
        if (!rc) rc = ddb__restore_uses_backup(e, id, &b.restoring, err);
        if (!rc) rc = fn(ctx, &b);
    }
    if (!rc) rc = ddb__iter_status(it, err);
    rocksdb_iter_destroy(it);
    ddb_arena_destroy(a);
    bytes_free(&start);
    return rc;
}

void ddb__backup_items_range(bytes_t *lo, bytes_t *hi, const char *id) {
    bytes_putc(lo, 'I');
    bytes_put(lo, id, DDB__BACKUP_ID_LEN);
    /* the prefix's successor: its last character (a hex digit) plus one; a
     * 0xff byte after the prefix would sort before keys going on with 0xff */
    bytes_put(hi, lo->p, lo->len);
    hi->p[hi->len - 1]++;
}

/* Deletes backup id's record and items, in wb. */
static void delete_backup(rk_engine_t *e, rocksdb_writebatch_t *wb, const char *id) {
    bytes_t k = {0}, lo = {0}, hi = {0};
    record_key(&k, id);
    rocksdb_writebatch_delete_cf(wb, e->cf[CF_BACKUPS], (const char *)k.p, k.len);
    ddb__backup_items_range(&lo, &hi, id);
    rocksdb_writebatch_delete_range_cf(wb, e->cf[CF_BACKUPS], (const char *)lo.p, lo.len,
                                       (const char *)hi.p, hi.len);
    bytes_free(&k);
    bytes_free(&lo);
    bytes_free(&hi);
}

int rk_backup_delete(rk_engine_t *e, const char *id, size_t id_len, ddb_arena_t *a,
                     ddb_backup_info_t *out, ddb_error_t *err) {
    char bid[DDB__BACKUP_ID_LEN + 1];
    if (!ddb__backup_take_id(bid, id, id_len)) {
        return ddb_error_set(err, DDB_ERR_BACKUP_NOT_FOUND, "Backup not found: %.*s", (int)id_len,
                             id);
    }
    pthread_mutex_lock(&e->writer);
    int rc = ddb__backup_read(e, e->ro, bid, a, out, err);
    bool used = false;
    if (!rc) rc = ddb__restore_uses_backup(e, bid, &used, err);
    if (!rc && (used || out->status == DDB_BACKUP_CREATING)) {
        rc = ddb_error_set(err, DDB_ERR_BACKUP_IN_USE, "Backup is being %s: %s",
                           used ? "restored" : "created", bid);
    }
    if (!rc) {
        rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
        delete_backup(e, wb, bid);
        rc = ddb__commit_batch(e, wb, NULL, err);
        out->status = DDB_BACKUP_DELETED;
    }
    pthread_mutex_unlock(&e->writer);
    return rc;
}

/* ---- creation ----------------------------------------------------------------- */

/* The checkpoint directory of backup id (malloc'd). */
static char *checkpoint_dir(const rk_engine_t *e, const char *id) {
    size_t n = strlen(e->path) + sizeof "/backup-" + DDB__BACKUP_ID_LEN;
    char *p = malloc(n);
    if (!p) abort();
    snprintf(p, n, "%s/backup-%s", e->path, id);
    return p;
}

/* One attempt at a checkpoint in dir: NULL or RocksDB's error (malloc'd). */
static char *checkpoint_once(rk_engine_t *e, const char *dir) {
    char *msg = NULL;
    rocksdb_checkpoint_t *cp = rocksdb_checkpoint_object_create(e->db, &msg);
    /* log_size_for_flush 0: the memtables are flushed, so the checkpoint
     * holds every write made before it, WAL or not */
    if (!msg) rocksdb_checkpoint_create(cp, dir, 0, &msg);
    if (cp) rocksdb_checkpoint_object_destroy(cp);
    return msg;
}

int rk_checkpoint(rk_engine_t *e, const char *dir, ddb_error_t *err) {
    /* RocksDB 7.8 can list an SST file that a compaction (set off by the
     * checkpoint's own flush) deletes before it is linked: the checkpoint
     * then fails with "while link file to ...". Another attempt finds the
     * compaction's output instead. */
    char *msg = NULL;
    for (int attempt = 0; attempt < 5; attempt++) {
        free(msg);
        msg = checkpoint_once(e, dir);
        if (!msg || !strstr(msg, "link file")) break;
        size_t n = strlen(dir) + 5;
        char *tmp = malloc(n);
        if (!tmp) abort();
        snprintf(tmp, n, "%s.tmp", dir);
        char *m2 = NULL;
        rocksdb_destroy_db(e->opts, tmp, &m2);
        free(m2);
        if (!e->in_memory) rmdir(tmp);
        free(tmp);
    }
    return msg ? ddb__rocks_error(err, msg) : 0;
}

/* Starts backup id of t: its checkpoint, then its CREATING record (writer
 * held for the record) into *b. The checkpoint comes first, so that the
 * copy never meets a record without one; a checkpoint left without a
 * record by a crash is swept at the next open. */
static int start_backup(rk_engine_t *e, const ddb_table_info_t *t, const char *id, int64_t now,
                        const char *name, size_t name_len, ddb_backup_type_t type,
                        int64_t expires_ms, bool writer_held, ddb_arena_t *a, ddb_backup_info_t *b,
                        ddb_error_t *err) {
    char *dir = checkpoint_dir(e, id);
    int rc = rk_checkpoint(e, dir, err);
    free(dir);
    if (rc) return rc;
    *b = (ddb_backup_info_t){.id = ddb_arena_strndup(a, id, DDB__BACKUP_ID_LEN),
                             .id_len = DDB__BACKUP_ID_LEN,
                             .name = ddb_arena_strndup(a, name, name_len),
                             .name_len = name_len,
                             .type = type,
                             .status = DDB_BACKUP_CREATING,
                             .created_ms = now,
                             .expires_ms = expires_ms,
                             .table = *t};
    bytes_t k = {0}, v = {0};
    record_key(&k, id);
    ddb__encode_backup(&v, b);
    rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
    rocksdb_writebatch_put_cf(wb, e->cf[CF_BACKUPS], (const char *)k.p, k.len, (const char *)v.p,
                              v.len);
    bytes_free(&k);
    bytes_free(&v);
    if (!writer_held) pthread_mutex_lock(&e->writer);
    rc = ddb__commit_batch(e, wb, NULL, err);
    if (!writer_held) pthread_mutex_unlock(&e->writer);
    if (!rc) ddb__maint_wake(e);
    return rc;
}

int rk_backup_create(rk_engine_t *e, const char *table, size_t len, const char *name,
                     size_t name_len, ddb_arena_t *a, ddb_backup_info_t *out, ddb_error_t *err) {
    ddb_table_info_t t;
    int rc = rk_table_get(e, table, len, a, &t, err);
    if (rc == DDB_ERR_RESOURCE_NOT_FOUND) {
        return ddb_error_set(err, DDB_ERR_TABLE_NOT_FOUND, "Table not found: %.*s", (int)len,
                             table);
    }
    if (rc) return rc;
    if (t.restoring) {
        return ddb_error_set(err, DDB_ERR_TABLE_IN_USE, "Table is being restored: %.*s", (int)len,
                             table);
    }
    int64_t now = ddb_now_ms();
    char id[DDB__BACKUP_ID_LEN + 1];
    ddb__backup_new_id(now, id);
    return start_backup(e, &t, id, now, name, name_len, DDB_BACKUP_USER, 0, false, a, out, err);
}

int ddb__backup_system(rk_engine_t *e, const ddb_table_info_t *t, ddb_error_t *err) {
    ddb_arena_t *a = ddb_arena_create(0);
    char *name = malloc(t->name_len + sizeof "$DeletedTableBackup");
    if (!name) abort();
    memcpy(name, t->name, t->name_len);
    memcpy(name + t->name_len, "$DeletedTableBackup", sizeof "$DeletedTableBackup");
    ddb_table_info_t cur = *t;
    int rc = ddb__stats_read(e, &cur, err);
    int64_t now = ddb_now_ms();
    char id[DDB__BACKUP_ID_LEN + 1];
    ddb__backup_new_id(now, id);
    ddb_backup_info_t b;
    if (!rc) {
        rc = start_backup(e, &cur, id, now, name, t->name_len + sizeof "$DeletedTableBackup" - 1,
                          DDB_BACKUP_SYSTEM, now + ddb__pitr_period(e, t), true, a, &b, err);
    }
    free(name);
    ddb_arena_destroy(a);
    return rc;
}

/* ---- the copy ------------------------------------------------------------------- */

static void copy_close(rk_engine_t *e, bool remove) {
    bk_copy_t *c = e->bk_copy;
    if (!c) return;
    if (c->it) rocksdb_iter_destroy(c->it);
    if (c->ro) rocksdb_readoptions_destroy(c->ro);
    for (int i = 0; i < CF_COUNT; i++) {
        if (c->cf[i]) rocksdb_column_family_handle_destroy(c->cf[i]);
    }
    if (c->db) rocksdb_close(c->db);
    if (remove) {
        char *dir = checkpoint_dir(e, c->id);
        char *msg = NULL;
        rocksdb_destroy_db(e->opts, dir, &msg);
        if (msg) fprintf(stderr, "ddb: removing checkpoint %s: %s\n", dir, msg);
        free(msg);
        if (!e->in_memory) rmdir(dir);
        free(dir);
    }
    bytes_free(&c->table_rec);
    free(c);
    e->bk_copy = NULL;
}

void ddb__backup_jobs_release(rk_engine_t *e) {
    copy_close(e, false);
    ddb__restore_release(e);
}

/* A backup whose copy cannot be made (its checkpoint is missing, or its
 * table was deleted before the checkpoint) is dropped, saying so. */
static int drop_backup(rk_engine_t *e, const char *id, const char *why, ddb_error_t *err) {
    fprintf(stderr, "ddb: backup %s dropped: %s\n", id, why);
    pthread_mutex_lock(&e->writer);
    rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
    delete_backup(e, wb, id);
    int rc = ddb__commit_batch(e, wb, NULL, err);
    pthread_mutex_unlock(&e->writer);
    return rc;
}

/* Opens backup b's checkpoint as e->bk_copy, positioned at its table's
 * first item. */
static int copy_open(rk_engine_t *e, const ddb_backup_info_t *b, ddb_error_t *err) {
    bk_copy_t *c = calloc(1, sizeof *c);
    if (!c) abort();
    memcpy(c->id, b->id, DDB__BACKUP_ID_LEN + 1);
    e->bk_copy = c;
    char *dir = checkpoint_dir(e, b->id);
    char *msg = ddb__open_store(e, dir, true, &c->db, c->cf);
    free(dir);
    if (msg) {
        c->db = NULL;
        memset(c->cf, 0, sizeof c->cf);
        copy_close(e, true);
        int rc = drop_backup(e, b->id, msg, err);
        free(msg);
        return rc;
    }
    c->ro = rocksdb_readoptions_create();
    bytes_t k = {0};
    ddb__table_key(&k, b->table.name, b->table.name_len);
    size_t vl;
    char *v = rocksdb_get_cf(c->db, c->ro, c->cf[CF_CATALOG], (const char *)k.p, k.len, &vl, &msg);
    bytes_free(&k);
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_table_info_t t;
    int rc = 0;
    if (msg) {
        rc = ddb__rocks_error(err, msg);
    } else if (!v || ddb__decode_table((const uint8_t *)v, vl, a, &t, err)) {
        copy_close(e, true);
        rc = drop_backup(e, b->id, "its table is not in its checkpoint", err);
    } else {
        uint8_t sk[4];
        kc_put_be32(sk, t.id);
        size_t sl;
        char *s = rocksdb_get_cf(c->db, c->ro, c->cf[CF_STATS], (const char *)sk, 4, &sl, &msg);
        if (s && sl >= 16) {
            c->count = kc_get_be64((const uint8_t *)s);
            c->size = kc_get_be64((const uint8_t *)s + 8);
        }
        free(s);
        free(msg);
        t.name = b->table.name;
        t.name_len = b->table.name_len;
        t.restoring = false;
        ddb__encode_table(&c->table_rec, &t);
        kc_put_be32(c->hi, t.id + 1);
        rocksdb_readoptions_set_iterate_upper_bound(c->ro, (const char *)c->hi, 4);
        rocksdb_readoptions_set_total_order_seek(c->ro, 1);
        c->it = rocksdb_create_iterator_cf(c->db, c->ro, c->cf[CF_ITEMS]);
        rocksdb_iter_seek(c->it, (const char *)sk, 4);
    }
    free(v);
    ddb_arena_destroy(a);
    return rc;
}

/* One step of the copy: the next items into the backup store; at the end,
 * the record AVAILABLE (with the table as the checkpoint has it) and the
 * checkpoint removed. */
static int copy_step(rk_engine_t *e, ddb_error_t *err) {
    bk_copy_t *c = e->bk_copy;
    rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
    bytes_t k = {0};
    uint32_t n = 0;
    for (; rocksdb_iter_valid(c->it) && n < e->bf_batch; rocksdb_iter_next(c->it), n++) {
        size_t kl, vl;
        const char *ik = rocksdb_iter_key(c->it, &kl);
        const char *v = rocksdb_iter_value(c->it, &vl);
        if (kl < 4) continue;
        k.len = 0;
        bytes_putc(&k, 'I');
        bytes_put(&k, c->id, DDB__BACKUP_ID_LEN);
        bytes_put(&k, ik + 4, kl - 4);
        rocksdb_writebatch_put_cf(wb, e->cf[CF_BACKUPS], (const char *)k.p, k.len, v, vl);
    }
    bytes_free(&k);
    int rc = ddb__iter_status(c->it, err);
    bool done = !rc && !rocksdb_iter_valid(c->it);
    ddb_arena_t *a = ddb_arena_create(0);
    if (!rc && done) {
        /* the record keeps its name, type, times; the table is the checkpoint's */
        ddb_backup_info_t b;
        ddb_table_info_t t;
        rc = ddb__backup_read(e, e->ro, c->id, a, &b, err);
        if (!rc) rc = ddb__decode_table(c->table_rec.p, c->table_rec.len, a, &t, err);
        if (!rc) {
            t.name = b.table.name;
            t.name_len = b.table.name_len;
            t.item_count = c->count;
            t.size_bytes = c->size;
            b.table = t;
            b.status = DDB_BACKUP_AVAILABLE;
            bytes_t rk = {0}, rv = {0};
            record_key(&rk, c->id);
            ddb__encode_backup(&rv, &b);
            rocksdb_writebatch_put_cf(wb, e->cf[CF_BACKUPS], (const char *)rk.p, rk.len,
                                      (const char *)rv.p, rv.len);
            bytes_free(&rk);
            bytes_free(&rv);
        }
    }
    ddb_arena_destroy(a);
    if (rc) {
        rocksdb_writebatch_destroy(wb);
        return rc;
    }
    pthread_mutex_lock(&e->writer);
    rc = ddb__commit_batch(e, wb, NULL, err);
    pthread_mutex_unlock(&e->writer);
    if (!rc && done) copy_close(e, true);
    return rc;
}

/* The first CREATING backup (id into out), if any. */
static int first_creating(rk_engine_t *e, ddb_arena_t *a, ddb_backup_info_t *out, bool *found,
                          ddb_error_t *err) {
    *found = false;
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(e->db, e->ro, e->cf[CF_BACKUPS]);
    int rc = 0;
    for (rocksdb_iter_seek(it, "B", 1); !rc && rocksdb_iter_valid(it); rocksdb_iter_next(it)) {
        size_t kl, vl;
        const char *k = rocksdb_iter_key(it, &kl);
        if (kl < 1 || k[0] != 'B') break;
        const char *v = rocksdb_iter_value(it, &vl);
        if (kl != 1 + DDB__BACKUP_ID_LEN || vl < 1 || v[0] != DDB_BACKUP_CREATING) continue;
        char id[DDB__BACKUP_ID_LEN + 1];
        memcpy(id, k + 1, DDB__BACKUP_ID_LEN);
        id[DDB__BACKUP_ID_LEN] = '\0';
        rc = ddb__decode_backup(id, (const uint8_t *)v, vl, a, out, err);
        *found = !rc;
        break;
    }
    if (!rc) rc = ddb__iter_status(it, err);
    rocksdb_iter_destroy(it);
    return rc;
}

/* Once per open (on disk): removes checkpoints no CREATING backup owns —
 * left by a crash after a copy finished, or during a checkpoint. */
static void sweep_checkpoints(rk_engine_t *e) {
    e->bk_swept = true;
    if (e->in_memory) return;
    DIR *d = opendir(e->path);
    if (!d) return;
    struct dirent *de;
    ddb_arena_t *a = ddb_arena_create(0);
    while ((de = readdir(d))) {
        const char *n = de->d_name;
        if (strncmp(n, "backup-", 7) != 0) continue;
        size_t idl = strlen(n + 7);
        bool tmp = idl == DDB__BACKUP_ID_LEN + 4 && strcmp(n + 7 + DDB__BACKUP_ID_LEN, ".tmp") == 0;
        char id[DDB__BACKUP_ID_LEN + 1];
        if (!ddb__backup_take_id(id, n + 7, DDB__BACKUP_ID_LEN) ||
            (idl != DDB__BACKUP_ID_LEN && !tmp))
            continue;
        ddb_backup_info_t b;
        ddb_error_t err;
        ddb_arena_reset(a);
        int rc = ddb__backup_read(e, e->ro, id, a, &b, &err);
        if (!tmp && !rc && b.status == DDB_BACKUP_CREATING) continue;
        if (rc && rc != DDB_ERR_BACKUP_NOT_FOUND) continue;
        size_t pl = strlen(e->path) + strlen(n) + 2;
        char *dir = malloc(pl);
        if (!dir) abort();
        snprintf(dir, pl, "%s/%s", e->path, n);
        char *msg = NULL;
        rocksdb_destroy_db(e->opts, dir, &msg);
        free(msg);
        rmdir(dir);
        free(dir);
    }
    ddb_arena_destroy(a);
    closedir(d);
}

int ddb__backup_round(rk_engine_t *e, bool *more, ddb_error_t *err) {
    *more = false;
    if (!e->bk_swept) sweep_checkpoints(e);
    if (!e->bk_copy) {
        ddb_arena_t *a = ddb_arena_create(0);
        ddb_backup_info_t b;
        bool found;
        int rc = first_creating(e, a, &b, &found, err);
        if (!rc && found) rc = copy_open(e, &b, err);
        ddb_arena_destroy(a);
        if (rc) return rc;
        if (found) {
            *more = true; /* copied from the next round on (or dropped) */
            return 0;
        }
    }
    if (e->bk_copy) {
        int rc = copy_step(e, err);
        if (rc) copy_close(e, false); /* reopened by the next round */
        *more = !rc;                  /* this copy's next step, another backup or a restore */
        return rc;
    }
    return ddb__restore_round(e, more, err);
}

/* ---- expiry and trimming -------------------------------------------------------- */

static int trim_table(rk_engine_t *e, const ddb_table_info_t *t, void *ctx, ddb_error_t *err) {
    if (!t->pitr.enabled) return 0;
    int64_t floor;
    int rc = ddb__restore_pitr_floor(e, t->id, &floor, err);
    if (!rc) rc = ddb__pitr_trim(e, t, *(const int64_t *)ctx, floor, err);
    return rc;
}

/* Deletes the first SYSTEM backup past its expiry; *again when one was. */
static int expire_one(rk_engine_t *e, int64_t now, bool *again, ddb_error_t *err) {
    *again = false;
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(e->db, e->ro, e->cf[CF_BACKUPS]);
    char id[DDB__BACKUP_ID_LEN + 1] = {0};
    for (rocksdb_iter_seek(it, "B", 1); rocksdb_iter_valid(it); rocksdb_iter_next(it)) {
        size_t kl, vl;
        const char *k = rocksdb_iter_key(it, &kl);
        if (kl < 1 || k[0] != 'B') break;
        const uint8_t *v = (const uint8_t *)rocksdb_iter_value(it, &vl);
        if (kl != 1 + DDB__BACKUP_ID_LEN || vl < 34 || v[1] != DDB_BACKUP_SYSTEM ||
            v[0] != DDB_BACKUP_AVAILABLE) {
            continue;
        }
        int64_t exp = (int64_t)kc_get_be64(v + 10);
        if (exp && exp <= now) {
            memcpy(id, k + 1, DDB__BACKUP_ID_LEN);
            break;
        }
    }
    int rc = ddb__iter_status(it, err);
    rocksdb_iter_destroy(it);
    if (rc || !id[0]) return rc;
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_backup_info_t b;
    rc = rk_backup_delete(e, id, DDB__BACKUP_ID_LEN, a, &b, err);
    ddb_arena_destroy(a);
    if (rc == DDB_ERR_BACKUP_IN_USE) return 0; /* a restore reads it: next time */
    *again = !rc;
    return rc;
}

int ddb__backup_maintain(rk_engine_t *e, int64_t now_ms, ddb_error_t *err) {
    bool again = true;
    int rc = 0;
    while (!rc && again)
        rc = expire_one(e, now_ms, &again, err);
    if (!rc) rc = ddb__each_table(e, trim_table, &now_ms, err);
    return rc;
}
