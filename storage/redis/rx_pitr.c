/* rx_pitr.c: point-in-time recovery on the cluster. A write to a table
 * with PITR on appends its item's state before (its body, or nothing when
 * it did not exist) to its bucket's history stream ("{t<table>:<b>}h") in
 * the same function call as the write (ddb.lua's write), so the history is
 * exactly the committed writes in each bucket's commit order, timed by the
 * bucket's master. A restore to T creates its target restoring, copies
 * each source bucket in one step (ddb_pitr_copy, the copy recording the
 * newest history record it holds), and leaves the rest to the restore's
 * fill (rx_backup.c): it undoes, newest first, every history record after
 * T in each copy (ddb_pitr_undo), which leaves the copy as the bucket was
 * at T, then writes the copy's items into the target. As with backups,
 * each bucket is restored to its own master's T: a transaction across
 * buckets committing at T can be seen in part. The history is trimmed past
 * the window by the sweeper, but never past the time of a restore still
 * reading it. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/backuprec.h"
#include "storage/redis/rx_int.h"

void rx__pitr_copy_set(rs_bucket_t *out, uint32_t src, uint32_t bucket, uint32_t target) {
    rs_bucket_name(out, src, bucket);
    int n = snprintf(out->tag + out->len, sizeof out->tag - out->len, "P%" PRIu32 ".", target);
    out->len += (size_t)n;
}

bool rx__pitr_state_parse(const char *v, size_t len, uint32_t *src, int64_t *at_ms) {
    char buf[48];
    if (len < 2 || len >= sizeof buf || v[0] != 'P') return false;
    memcpy(buf, v, len);
    buf[len] = '\0';
    unsigned s;
    long long at;
    if (sscanf(buf, "P%u:%lld", &s, &at) != 2) return false;
    *src = s;
    *at_ms = at;
    return true;
}

typedef struct pitr_change {
    bool enabled;
    uint32_t days;
    int64_t now;
    bool *drop; /* out: the history must go */
} pitr_change_t;

static int change_pitr(ddb_arena_t *a, ddb_table_info_t *t, const void *ctx, ddb_error_t *err) {
    const pitr_change_t *c = ctx;
    (void)a, (void)err;
    *c->drop = ddb__pitr_edit(&t->pitr, c->enabled, c->days, c->now);
    return 0;
}

typedef struct hist_ctx {
    uint32_t table;
    const char *cmd; /* "DEL", or "XTRIM" to cut */
    char cut[24];
} hist_ctx_t;

static void hist_cmd(void *ctx, uint32_t b, rx_cmd_t *c) {
    const hist_ctx_t *h = ctx;
    rs_bucket_t s;
    rs_bucket_name(&s, h->table, b);
    rx__cmd_word(c, "%s", h->cmd);
    rx__cmd_key(c, &s, "h");
    if (!strcmp(h->cmd, "XTRIM")) {
        rx__cmd_word(c, "MINID"); /* exact: a few records past the window go too */
        rx__cmd_word(c, "%s", h->cut);
    }
}

int rx_pitr_set(rx_engine_t *e, const char *table, size_t len, bool enabled, uint32_t period_days,
                ddb_error_t *err) {
    bool drop = false;
    pitr_change_t c = {enabled, period_days, ddb_now_ms(), &drop};
    int rc = rx__change_record(e, table, len, change_pitr, &c, err);
    if (rc == DDB_ERR_RESOURCE_NOT_FOUND)
        return ddb_error_set(err, DDB_ERR_TABLE_NOT_FOUND, "Table not found: %.*s", (int)len,
                             table);
    if (rc || !drop) return rc;
    /* off: its history goes (on again starts a new window) */
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_table_info_t t;
    rc = rx_table_get(e, table, len, a, &t, err);
    hist_ctx_t h = {.table = rc ? 0 : t.id, .cmd = "DEL"};
    ddb_arena_destroy(a);
    return rc ? rc : rx__per_bucket(e, true, hist_cmd, NULL, &h, err);
}

void rx_pitr_window(rx_engine_t *e, const ddb_table_info_t *t, int64_t *earliest_ms,
                    int64_t *latest_ms) {
    ddb__pitr_window_of(t, e->pitr_retention_ms, ddb_now_ms(), earliest_ms, latest_ms);
}

typedef struct copy_ctx {
    uint32_t src, target;
} copy_ctx_t;

void rx__pitr_copy_cmd(uint32_t src, uint32_t target, uint32_t b, rx_cmd_t *c) {
    rs_bucket_t s, d;
    rs_bucket_name(&s, src, b);
    rx__pitr_copy_set(&d, src, b, target);
    rx__cmd_word(c, "FCALL");
    rx__cmd_word(c, "ddb_pitr_copy");
    rx__cmd_word(c, "6");
    rx__cmd_key(c, &s, "z");
    rx__cmd_key(c, &s, "b");
    rx__cmd_key(c, &s, "h");
    rx__cmd_key(c, &d, "z");
    rx__cmd_key(c, &d, "b");
    rx__cmd_key(c, &d, "l");
}

static void copy_cmd(void *ctx, uint32_t b, rx_cmd_t *c) {
    const copy_ctx_t *x = ctx;
    rx__pitr_copy_cmd(x->src, x->target, b, c);
}

static int copy_reply(void *ctx, uint32_t b, const redisReply *r, ddb_error_t *err) {
    (void)ctx;
    if (r && r->type == REDIS_REPLY_INTEGER) return 0;
    return ddb_error_set(err, DDB_ERR_INTERNAL, "ddb_pitr_copy of bucket %u: %.*s", b,
                         r && r->type == REDIS_REPLY_ERROR ? (int)r->len : 0,
                         r && r->type == REDIS_REPLY_ERROR ? r->str : "");
}

int rx_pitr_restore(rx_engine_t *e, const char *source, size_t len, int64_t at_ms,
                    ddb_table_info_t *target, ddb_error_t *err) {
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_table_info_t src;
    int rc = rx_table_get(e, source, len, a, &src, err);
    if (rc == DDB_ERR_RESOURCE_NOT_FOUND)
        rc = ddb_error_set(err, DDB_ERR_TABLE_NOT_FOUND, "Table not found: %.*s", (int)len, source);
    if (!rc)
        rc = ddb__pitr_admit(&src, source, len, at_ms, e->pitr_retention_ms, ddb_now_ms(), err);
    uint32_t src_id = src.id;
    ddb_arena_destroy(a);
    if (rc) return rc;
    char state[48];
    snprintf(state, sizeof state, "P%" PRIu32 ":%lld", src_id, (long long)at_ms);
    ddb__restore_target(target);
    rc = rx__table_create(e, target, state, err);
    if (rc == DDB_ERR_RESOURCE_IN_USE)
        return ddb_error_set(err, DDB_ERR_TABLE_ALREADY_EXISTS, "Table already exists: %.*s",
                             (int)target->name_len, target->name);
    if (rc) return rc;
    /* the copies now (each bucket in one step); should this fail, the fill makes the rest */
    copy_ctx_t x = {src_id, target->id};
    ddb_error_t e2;
    (void)rx__per_bucket(e, true, copy_cmd, copy_reply, &x, &e2);
    rx__restore_start(e, target->id, state);
    return 0;
}

/* ---- trimming ------------------------------------------------------------------ */

typedef struct trim_ctx {
    rx_engine_t *e;
    redisReply *states; /* restores' states (HVALS) */
    int64_t now;
} trim_ctx_t;

static int trim_one(void *ctx, const ddb_table_info_t *t) {
    trim_ctx_t *x = ctx;
    if (!t->pitr.enabled) return 0;
    int64_t cut = x->now - ddb__pitr_period_of(t, x->e->pitr_retention_ms);
    /* never past the time a restore from it still reads */
    for (size_t i = 0; x->states && i < x->states->elements; i++) {
        uint32_t src;
        int64_t at;
        const redisReply *v = x->states->element[i];
        if (v->type == REDIS_REPLY_STRING && rx__pitr_state_parse(v->str, v->len, &src, &at) &&
            src == t->id && at < cut)
            cut = at;
    }
    if (cut <= 0) return 0;
    hist_ctx_t h = {.table = t->id, .cmd = "XTRIM"};
    snprintf(h.cut, sizeof h.cut, "%lld", (long long)cut);
    ddb_error_t err;
    (void)rx__per_bucket(x->e, true, hist_cmd, NULL, &h, &err);
    return 0;
}

void rx__pitr_trim(rx_engine_t *e) {
    const char *argv[] = {"HVALS", RX_CAT_RESTORES};
    trim_ctx_t x = {.e = e, .now = ddb_now_ms()};
    ddb_error_t err;
    if (rx__cat(e, false, 2, argv, NULL, &x.states, &err)) return;
    if (x.states->type != REDIS_REPLY_ARRAY) {
        freeReplyObject(x.states);
        return;
    }
    ddb_arena_t *a = ddb_arena_create(0);
    (void)rx__each_table(e, a, trim_one, &x, &err);
    ddb_arena_destroy(a);
    freeReplyObject(x.states);
}
