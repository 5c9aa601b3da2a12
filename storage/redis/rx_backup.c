/* rx_backup.c: on-demand backups and their restores on the cluster. A
 * backup's record (storage/backuprec.h) lives in the catalog; its items are
 * a copy of each of the table's buckets, made in one step per bucket
 * (ddb.lua's ddb_snapshot: COPY within the bucket's slot, so each
 * partition is copied at one instant; a transaction across buckets may be
 * seen in part, where the RocksDB store's checkpoint is one instant of the
 * whole table) under the bucket's hash tag, "{t<table>:<b>}B<backup id>"
 * then z and b: the copy outlives the table. A restore creates the target
 * table restoring (its restore's state written with its record), fills it
 * in the background by ordinary writes (LSI entries with the item, GSIs
 * from the change feed, statistics; every write conditional on what it
 * read, so a fill resumed by another front end after this one stopped
 * repeats nothing) and then clears restoring. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "storage/backuprec.h"
#include "storage/keyrange.h"
#include "storage/redis/rx_int.h"
#include "storage/tablerec.h"

/* The hash tag (and key prefix) of backup id's copy of bucket b of table. */
static void copy_bucket(rs_bucket_t *out, uint32_t table, uint32_t b, const char *id) {
    rs_bucket_name(out, table, b);
    int n = snprintf(out->tag + out->len, sizeof out->tag - out->len, "B%s", id);
    out->len += (size_t)n;
}

static int not_found(ddb_error_t *err, const char *id, size_t len) {
    return ddb_error_set(err, DDB_ERR_BACKUP_NOT_FOUND, "Backup not found: %.*s", (int)len, id);
}

static int put_record(rx_engine_t *e, const ddb_backup_info_t *b, ddb_error_t *err) {
    bytes_t v = {0};
    ddb__encode_backup(&v, b);
    const char *argv[] = {"HSET", RX_CAT_BACKUPS, b->id, (const char *)v.p};
    size_t lens[] = {4, strlen(RX_CAT_BACKUPS), b->id_len, v.len};
    redisReply *r;
    int rc = rx__cat(e, true, 4, argv, lens, &r, err);
    if (!rc) freeReplyObject(r);
    bytes_free(&v);
    return rc;
}

/* Whether a restore reads backup id now. */
static int in_use(rx_engine_t *e, const char *id, bool *used, ddb_error_t *err) {
    const char *argv[] = {"HVALS", RX_CAT_RESTORES};
    redisReply *r;
    int rc = rx__cat(e, false, 2, argv, NULL, &r, err);
    if (rc) return rc;
    *used = false;
    for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++)
        if (r->element[i]->len == DDB__BACKUP_ID_LEN &&
            !memcmp(r->element[i]->str, id, r->element[i]->len))
            *used = true;
    freeReplyObject(r);
    return 0;
}

static int read_record(rx_engine_t *e, const char *id, ddb_arena_t *a, ddb_backup_info_t *out,
                       ddb_error_t *err) {
    const char *argv[] = {"HGET", RX_CAT_BACKUPS, id};
    redisReply *r;
    int rc = rx__cat(e, false, 3, argv, NULL, &r, err);
    if (rc) return rc;
    if (r->type != REDIS_REPLY_STRING) {
        freeReplyObject(r);
        return not_found(err, id, strlen(id));
    }
    uint8_t *copy = ddb_arena_alloc(a, r->len ? r->len : 1);
    memcpy(copy, r->str, r->len);
    rc = ddb__decode_backup(id, copy, r->len, a, out, err);
    freeReplyObject(r);
    if (!rc) rc = in_use(e, id, &out->restoring, err);
    return rc;
}

int rx_backup_get(rx_engine_t *e, const char *id, size_t id_len, ddb_arena_t *a,
                  ddb_backup_info_t *out, ddb_error_t *err) {
    char bid[DDB__BACKUP_ID_LEN + 1];
    if (!ddb__backup_take_id(bid, id, id_len)) return not_found(err, id, id_len);
    return read_record(e, bid, a, out, err);
}

int rx_backup_list(rx_engine_t *e, const char *after, size_t after_len, ddb_backup_fn fn, void *ctx,
                   ddb_error_t *err) {
    const char *argv[] = {"HKEYS", RX_CAT_BACKUPS};
    redisReply *r;
    int rc = rx__cat(e, false, 2, argv, NULL, &r, err);
    if (rc) return rc;
    size_t n = r->type == REDIS_REPLY_ARRAY ? r->elements : 0;
    redisReply **ids = malloc((n ? n : 1) * sizeof *ids);
    if (!ids) abort();
    for (size_t i = 0; i < n; i++)
        ids[i] = r->element[i];
    qsort(ids, n, sizeof *ids, rx__cmp_replies); /* ids sort by creation */
    ddb_arena_t *a = ddb_arena_create(0);
    for (size_t i = 0; !rc && i < n; i++) {
        if (after && ddb__cmp_bytes((const uint8_t *)ids[i]->str, ids[i]->len,
                                    (const uint8_t *)after, after_len) <= 0)
            continue;
        char bid[DDB__BACKUP_ID_LEN + 1];
        if (!ddb__backup_take_id(bid, ids[i]->str, ids[i]->len)) continue;
        ddb_arena_reset(a);
        ddb_backup_info_t b;
        rc = read_record(e, bid, a, &b, err);
        if (rc == DDB_ERR_BACKUP_NOT_FOUND) { /* deleted meanwhile */
            rc = 0;
            continue;
        }
        if (!rc) rc = fn(ctx, &b);
    }
    ddb_arena_destroy(a);
    free(ids);
    freeReplyObject(r);
    return rc;
}

/* A backup of table t named name (type, expires_ms: the record's). */
static int make_backup(rx_engine_t *e, const ddb_table_info_t *t, const char *name, size_t name_len,
                       ddb_backup_type_t type, int64_t expires_ms, ddb_arena_t *a,
                       ddb_backup_info_t *out, ddb_error_t *err) {
    int64_t now = ddb_now_ms();
    char id[DDB__BACKUP_ID_LEN + 1];
    ddb__backup_new_id(now, id);
    *out = (ddb_backup_info_t){.id = ddb_arena_strndup(a, id, DDB__BACKUP_ID_LEN),
                               .id_len = DDB__BACKUP_ID_LEN,
                               .name = ddb_arena_strndup(a, name, name_len),
                               .name_len = name_len,
                               .type = type,
                               .status = DDB_BACKUP_CREATING,
                               .created_ms = now,
                               .expires_ms = expires_ms,
                               .table = *t};
    int rc = put_record(e, out, err);
    if (rc) return rc;
    /* every bucket copied in one step of its own, all pipelined */
    uint32_t nb = e->buckets;
    rc_cmd_t *cmds = calloc(nb, sizeof *cmds);
    char(*keys)[5][80] = calloc(nb, sizeof *keys);
    const char *(*argv)[8] = calloc(nb, sizeof *argv);
    if (!cmds || !keys || !argv) abort();
    for (uint32_t b = 0; b < nb; b++) {
        rs_bucket_t src, dst;
        rs_bucket_name(&src, t->id, b);
        copy_bucket(&dst, t->id, b, id);
        snprintf(keys[b][0], 80, "%sz", src.tag);
        snprintf(keys[b][1], 80, "%sb", src.tag);
        snprintf(keys[b][2], 80, "%sn", src.tag);
        snprintf(keys[b][3], 80, "%sz", dst.tag);
        snprintf(keys[b][4], 80, "%sb", dst.tag);
        const char *v[] = {"FCALL",    "ddb_snapshot", "5",        keys[b][0],
                           keys[b][1], keys[b][2],     keys[b][3], keys[b][4]};
        memcpy(argv[b], v, sizeof v);
        cmds[b] = (rc_cmd_t){.key = keys[b][0],
                             .klen = strlen(keys[b][0]),
                             .argc = 8,
                             .argv = argv[b],
                             .write = true,
                             .idempotent = true};
    }
    rc = rc_exec(rx__conn(e), cmds, nb, err);
    uint64_t count = 0;
    int64_t bytes = 0;
    for (uint32_t b = 0; b < nb; b++) {
        const redisReply *r = cmds[b].reply;
        if (!rc && (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2))
            rc = ddb_error_set(err, DDB_ERR_INTERNAL, "ddb_snapshot: %.*s",
                               r && r->type == REDIS_REPLY_ERROR ? (int)r->len : 0,
                               r && r->type == REDIS_REPLY_ERROR ? r->str : "");
        if (!rc) {
            count += (uint64_t)r->element[0]->integer;
            bytes += r->element[1]->integer;
        }
        if (cmds[b].reply) freeReplyObject(cmds[b].reply);
    }
    free(cmds), free(keys), free(argv);
    if (rc) return rc;
    /* AVAILABLE with the copy's own figures; the answer says how it was asked for */
    ddb_backup_info_t done = *out;
    done.status = DDB_BACKUP_AVAILABLE;
    done.table.item_count = count;
    done.table.size_bytes = bytes > 0 ? (uint64_t)bytes : 0;
    return put_record(e, &done, err);
}

int rx_backup_create(rx_engine_t *e, const char *table, size_t len, const char *name,
                     size_t name_len, ddb_arena_t *a, ddb_backup_info_t *out, ddb_error_t *err) {
    ddb_table_info_t t;
    int rc = rx_table_get(e, table, len, a, &t, err);
    if (rc == DDB_ERR_RESOURCE_NOT_FOUND)
        return ddb_error_set(err, DDB_ERR_TABLE_NOT_FOUND, "Table not found: %.*s", (int)len,
                             table);
    if (rc) return rc;
    if (t.restoring)
        return ddb_error_set(err, DDB_ERR_TABLE_IN_USE, "Table is being restored: %.*s", (int)len,
                             table);
    return make_backup(e, &t, name, name_len, DDB_BACKUP_USER, 0, a, out, err);
}

int rx__backup_system(rx_engine_t *e, const ddb_table_info_t *t, ddb_error_t *err) {
    static const char suffix[] = "$DeletedTableBackup";
    char *name = malloc(t->name_len + sizeof suffix);
    if (!name) abort();
    memcpy(name, t->name, t->name_len);
    memcpy(name + t->name_len, suffix, sizeof suffix);
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_table_info_t cur;
    /* with its statistics as they are now */
    int rc = rx_table_get(e, t->name, t->name_len, a, &cur, err);
    ddb_backup_info_t b;
    if (!rc)
        rc = make_backup(e, &cur, name, t->name_len + sizeof suffix - 1, DDB_BACKUP_SYSTEM,
                         ddb_now_ms() + ddb__pitr_period_of(t, e->pitr_retention_ms), a, &b, err);
    ddb_arena_destroy(a);
    free(name);
    return rc;
}

static void drop_copy_cmd(void *ctx, uint32_t bucket, rx_cmd_t *c) {
    const ddb_backup_info_t *b = ctx;
    rs_bucket_t copy;
    copy_bucket(&copy, b->table.id, bucket, b->id);
    rx__cmd_word(c, "DEL");
    rx__cmd_key(c, &copy, "z");
    rx__cmd_key(c, &copy, "b");
}

/* Deletes backup b's copies and record. */
static int drop_copy(rx_engine_t *e, const ddb_backup_info_t *b, ddb_error_t *err) {
    int rc = rx__per_bucket(e, true, drop_copy_cmd, NULL, (void *)b, err);
    if (rc) return rc;
    const char *del[] = {"HDEL", RX_CAT_BACKUPS, b->id};
    redisReply *r;
    rc = rx__cat(e, true, 3, del, NULL, &r, err);
    if (!rc) freeReplyObject(r);
    return rc;
}

int rx_backup_delete(rx_engine_t *e, const char *id, size_t id_len, ddb_arena_t *a,
                     ddb_backup_info_t *out, ddb_error_t *err) {
    char bid[DDB__BACKUP_ID_LEN + 1];
    if (!ddb__backup_take_id(bid, id, id_len)) return not_found(err, id, id_len);
    int rc = read_record(e, bid, a, out, err);
    if (rc) return rc;
    if (out->restoring || out->status == DDB_BACKUP_CREATING)
        return ddb_error_set(err, DDB_ERR_BACKUP_IN_USE, "Backup is being %s: %s",
                             out->restoring ? "restored" : "created", bid);
    rc = drop_copy(e, out, err);
    if (!rc) out->status = DDB_BACKUP_DELETED;
    return rc;
}

/* ---- restores ----------------------------------------------------------------- */

typedef struct fill {
    rx_engine_t *e;
    uint32_t table;
    char bid[DDB__BACKUP_ID_LEN + 1]; /* a backup's restore: its id */
    bool pitr;                        /* else a PITR restore of table src to at_ms */
    uint32_t src;
    int64_t at_ms;
} fill_t;

/* The key of the fill's lease on table id's restore. */
static void restore_lease_key(char out[48], uint32_t table) {
    snprintf(out, 48, "%s:lease:%u", RX_CAT_RESTORES, table);
}

static bool restore_lease(rx_engine_t *e, uint32_t table) {
    char key[48];
    restore_lease_key(key, table);
    return rx__job_lease(e, key);
}

/* Writes one backed-up item into the target table t unless it is there
 * already as it should be. */
static int fill_item(rx_engine_t *e, const ddb_table_info_t *t, const ddb_value_t *item,
                     ddb_arena_t *a, ddb_error_t *err) {
    bytes_t k = {0};
    int rc = ddb__item_key(&k, t, item, err);
    if (rc) return rc;
    rs_bucket_t b;
    rx__bucket(e, k.p, k.len, &b);
    rc = DDB_ERR_TRANSACTION_CONFLICT;
    for (int attempt = 0; attempt < RX_RETRIES && rc == DDB_ERR_TRANSACTION_CONFLICT; attempt++) {
        const ddb_value_t *old;
        uint64_t ver;
        rc = rx__read(e, rx__conn(e), &b, &k, a, &old, &ver, err);
        if (rc) break;
        rx_wset_t s = {0};
        rc = rx__ws_item(e, &s, t, &k, old, item, ver, 0, a, err);
        if (!rc && s.it[0].w.op != RS_CHECK) rc = rx__ws_run(e, &s, NULL, NULL, err);
        rx__ws_free(&s);
    }
    bytes_free(&k);
    return rc;
}

static int finish_restore(ddb_arena_t *a, ddb_table_info_t *t, const void *ctx, ddb_error_t *err) {
    (void)a, (void)ctx, (void)err;
    t->restoring = false;
    return 0;
}

/* Forgets table's restore (done, or its table gone). */
static void drop_restore(rx_engine_t *e, uint32_t table) {
    char field[16];
    snprintf(field, sizeof field, "%u", table);
    const char *del[] = {"HDEL", RX_CAT_RESTORES, field};
    redisReply *r;
    ddb_error_t err;
    if (rx__cat(e, true, 3, del, NULL, &r, &err) == 0) freeReplyObject(r);
}

/* Walks' own stops, apart from every DDB_ERR_* status */
#define FOUND        (-1) /* find_target: the target's record */
#define FILL_STOPPED (-2) /* fill_one: the engine closes, or the lease passed on */

typedef struct fill_run {
    rx_engine_t *e;
    const fill_t *f;
    ddb_table_info_t *t; /* the target, once found */
    size_t since_lease;  /* items written since the lease was renewed */
} fill_run_t;

static int find_target(void *ctx, const ddb_table_info_t *t) {
    fill_run_t *r = ctx;
    if (t->id != r->f->table) return 0;
    *r->t = *t;
    return FOUND;
}

/* Writes one backed-up item, renewing the lease every RX_PAGE items. */
static int fill_one(void *ctx, const rs_bucket_t *b, const redisReply *key, const redisReply *body,
                    ddb_error_t *err) {
    fill_run_t *r = ctx;
    (void)b, (void)key;
    if (r->since_lease++ % RX_PAGE == 0 &&
        (atomic_load(&r->e->stop) || !restore_lease(r->e, r->f->table)))
        return FILL_STOPPED;
    ddb_arena_t *ia = ddb_arena_create(0);
    ddb_value_t item;
    int rc = ic_decode((const uint8_t *)body->str, body->len, ia, &item, err);
    if (!rc) rc = fill_item(r->e, r->t, &item, ia, err);
    ddb_arena_destroy(ia);
    return rc;
}

/* Fills restore f's table from its backup, page by page, then clears its
 * restoring. Stops (leaving the rest to a later resume) when the engine
 * closes or the lease is lost. */
/* A PITR restore's copy of bucket b as it was at f->at_ms: copied (if the
 * restore's request could not) and its history after that time undone,
 * page by page (both idempotent: a resumed fill does them again safely). */
#define UNDO_PAGE 256
static int pitr_bucket(fill_t *f, uint32_t b, ddb_error_t *err) {
    rx_engine_t *e = f->e;
    rx_cmd_t c = {.route = -1};
    rx__pitr_copy_cmd(f->src, f->table, b, &c);
    redisReply *r;
    int rc =
        rx__call(e, c.argv[c.route], strlen(c.argv[c.route]), true, c.argc, c.argv, NULL, &r, err);
    if (rc) return rc;
    freeReplyObject(r);
    rs_bucket_t s, d;
    rs_bucket_name(&s, f->src, b);
    rx__pitr_copy_set(&d, f->src, b, f->table);
    rx_cmd_t u = {.route = -1};
    rx__cmd_word(&u, "FCALL");
    rx__cmd_word(&u, "ddb_pitr_undo");
    rx__cmd_word(&u, "4");
    rx__cmd_key(&u, &d, "z");
    rx__cmd_key(&u, &d, "b");
    rx__cmd_key(&u, &d, "l");
    rx__cmd_key(&u, &s, "h");
    rx__cmd_word(&u, "%lld", (long long)f->at_ms);
    rx__cmd_word(&u, "%d", UNDO_PAGE);
    for (long long more = 1; more;) {
        if (atomic_load(&e->stop) || !restore_lease(e, f->table)) return FILL_STOPPED;
        rc = rx__call(e, u.argv[u.route], strlen(u.argv[u.route]), true, u.argc, u.argv, NULL, &r,
                      err);
        if (rc) return rc;
        more = r->type == REDIS_REPLY_INTEGER ? r->integer : 0;
        freeReplyObject(r);
    }
    return 0;
}

static void drop_pitr_copy(void *ctx, uint32_t b, rx_cmd_t *c) {
    const fill_t *f = ctx;
    rs_bucket_t d;
    rx__pitr_copy_set(&d, f->src, b, f->table);
    rx__cmd_word(c, "DEL");
    rx__cmd_key(c, &d, "z");
    rx__cmd_key(c, &d, "b");
    rx__cmd_key(c, &d, "l");
}

static void run_fill(fill_t *f) {
    rx_engine_t *e = f->e;
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_error_t err;
    ddb_backup_info_t bk;
    ddb_table_info_t t;
    fill_run_t run = {.e = e, .f = f, .t = &t};
    int rc = f->pitr ? 0 : read_record(e, f->bid, a, &bk, &err);
    /* the target's record, found by its id */
    int found = rc ? 0 : rx__each_table(e, a, find_target, &run, &err);
    if (!rc && found == FOUND) {
        for (uint32_t b = 0; !rc && b < e->buckets; b++) {
            rs_bucket_t c;
            if (f->pitr) {
                rc = pitr_bucket(f, b, &err);
                rx__pitr_copy_set(&c, f->src, b, f->table);
            } else {
                copy_bucket(&c, bk.table.id, b, f->bid);
            }
            if (!rc) rc = rx__each_in(e, &c, true, fill_one, &run, &err);
        }
        /* its counts read afresh from here on, before it shows ACTIVE (a count cached while
         * the fill ran may have missed writes that raced its reading) */
        rx__stats_drop(e, t.id);
        for (size_t i = 0; i < t.nindexes; i++)
            rx__stats_drop(e, t.indexes[i].id);
        if (!rc && rx__change_record(e, t.name, t.name_len, finish_restore, NULL, &err) == 0) {
            if (f->pitr) (void)rx__per_bucket(e, true, drop_pitr_copy, NULL, f, &err);
            drop_restore(e, f->table);
            char key[48];
            restore_lease_key(key, f->table);
            rx__job_release(e, key);
        }
    } else if (!rc && found == 0) {
        /* the target is gone (deleted while restoring) */
        if (f->pitr) (void)rx__per_bucket(e, true, drop_pitr_copy, NULL, f, &err);
        drop_restore(e, f->table);
    }
    ddb_arena_destroy(a);
}

static void fill_job(rx_engine_t *e, void *arg) {
    (void)e;
    run_fill(arg);
    free(arg);
}

/* The fill of table's restore (its state: a backup id, or a PITR
 * restore's); false when the state is neither. */
static bool fill_of(fill_t *f, rx_engine_t *e, uint32_t table, const char *state, size_t len) {
    memset(f, 0, sizeof *f);
    f->e = e;
    f->table = table;
    if (rx__pitr_state_parse(state, len, &f->src, &f->at_ms)) return f->pitr = true;
    return ddb__backup_take_id(f->bid, state, len);
}

void rx__restore_start(rx_engine_t *e, uint32_t table, const char *state) {
    fill_t *f = malloc(sizeof *f);
    if (!f) abort();
    if (!fill_of(f, e, table, state, strlen(state))) {
        free(f);
        return;
    }
    rx__job_start(e, fill_job, f);
}

int rx_backup_restore(rx_engine_t *e, const char *id, size_t id_len, ddb_table_info_t *target,
                      ddb_error_t *err) {
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_backup_info_t b;
    int rc = rx_backup_get(e, id, id_len, a, &b, err);
    if (!rc && b.status != DDB_BACKUP_AVAILABLE)
        rc = ddb_error_set(err, DDB_ERR_BACKUP_IN_USE, "Backup is being created: %s", b.id);
    char bid[DDB__BACKUP_ID_LEN + 1] = "";
    if (!rc) snprintf(bid, sizeof bid, "%s", b.id);
    ddb_arena_destroy(a);
    if (rc) return rc;
    ddb__restore_target(target);
    rc = rx__table_create(e, target, bid, err);
    if (rc == DDB_ERR_RESOURCE_IN_USE)
        return ddb_error_set(err, DDB_ERR_TABLE_ALREADY_EXISTS, "Table already exists: %.*s",
                             (int)target->name_len, target->name);
    if (rc) return rc;
    rx__restore_start(e, target->id, bid);
    return 0;
}

void rx__restores_resume(rx_engine_t *e) {
    const char *argv[] = {"HGETALL", RX_CAT_RESTORES};
    redisReply *r;
    ddb_error_t err;
    if (rx__cat(e, false, 2, argv, NULL, &r, &err)) return;
    for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements; i += 2) {
        uint32_t table = (uint32_t)strtoul(r->element[i]->str, NULL, 10);
        fill_t f;
        if (!fill_of(&f, e, table, r->element[i + 1]->str, r->element[i + 1]->len)) continue;
        /* a fill of this front end's holds the lease (renewed); a stopped one's expires */
        char key[48];
        restore_lease_key(key, table);
        if (rx__job_leased(e, key)) continue;
        fill_t *j = malloc(sizeof *j);
        if (!j) abort();
        *j = f;
        rx__job_start(e, fill_job, j);
    }
    freeReplyObject(r);
}

/* ---- SYSTEM backups' expiry, and backups whose front end died ------------------ */

/* A backup CREATING this long was left by a front end that died copying
 * it (the copy is one pipelined step of the request): it failed, and goes. */
#define RX_BACKUP_ABANDON_MS 60000

typedef struct expired {
    char (*ids)[DDB__BACKUP_ID_LEN + 1];
    size_t n, cap;
    int64_t now;
} expired_t;

static int note_expired(void *ctx, const ddb_backup_info_t *b) {
    expired_t *x = ctx;
    bool expired =
        b->type == DDB_BACKUP_SYSTEM && b->expires_ms && b->expires_ms <= x->now && !b->restoring;
    bool abandoned =
        b->status == DDB_BACKUP_CREATING && b->created_ms + RX_BACKUP_ABANDON_MS <= x->now;
    if (!expired && !abandoned) return 0;
    if (x->n == x->cap) {
        x->cap = x->cap ? 2 * x->cap : 8;
        x->ids = realloc(x->ids, x->cap * sizeof *x->ids);
        if (!x->ids) abort();
    }
    snprintf(x->ids[x->n++], DDB__BACKUP_ID_LEN + 1, "%s", b->id);
    return 0;
}

void rx__backups_expire(rx_engine_t *e) {
    expired_t x = {.now = ddb_now_ms()};
    ddb_error_t err;
    (void)rx_backup_list(e, NULL, 0, note_expired, &x, &err);
    for (size_t i = 0; i < x.n; i++) {
        ddb_arena_t *a = ddb_arena_create(0);
        ddb_backup_info_t b;
        if (read_record(e, x.ids[i], a, &b, &err) == 0 && !b.restoring)
            (void)drop_copy(e, &b, &err);
        ddb_arena_destroy(a);
    }
    free(x.ids);
}
