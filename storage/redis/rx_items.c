/* rx_items.c: items on the cluster. A write reads the item and its version,
 * runs the caller's mutate callback, and applies the result conditional on
 * that version (ddb_apply): a concurrent writer from any front end makes the
 * apply fail and the write is read and mutated again, so the callback may
 * run more than once (the server's are pure functions of the old item) and
 * conditions and arithmetic stay exact. Several items go through rtx_run:
 * one bucket's in one call, several buckets' in two phases. Reads resolve a
 * transaction they find holding the item before answering (read committed).
 * Idempotency tokens are items of their own, written in their
 * transaction's write set. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "storage/keyrange.h"
#include "storage/redis/rx_int.h"

int rx__read(rx_engine_t *e, rc_conn_t *k, const rs_bucket_t *b, const bytes_t *key, ddb_arena_t *a,
             const ddb_value_t **out, uint64_t *version, ddb_error_t *err) {
    *out = NULL;
    for (int attempt = 0;; attempt++) {
        redisReply *body = NULL;
        char holder[RS_TXID_LEN + 1];
        int rc = rs_get(k, b, key->p, key->len, &body, version, holder, err);
        if (rc) return rc;
        if (holder[0] && attempt < 3) {
            bool resolved;
            if (body) freeReplyObject(body);
            rc = rtx_resolve(k, holder, b, &e->tx, &resolved, err);
            if (rc) return rc;
            if (resolved) continue;
            /* alive and young: its writes are not committed, the item is as it was */
            rc = rs_get(k, b, key->p, key->len, &body, version, NULL, err);
            if (rc) return rc;
        }
        if (!body) return 0;
        ddb_value_t *item = ddb_arena_alloc(a, sizeof *item);
        rc = ic_decode((const uint8_t *)body->str, body->len, a, item, err);
        freeReplyObject(body);
        if (!rc) *out = item;
        return rc;
    }
}

static int ongoing(ddb_error_t *err) {
    return ddb_error_set(err, DDB_ERR_TRANSACTION_CONFLICT, "Transaction is ongoing for the item");
}

/* After a write set's run ended in rc: when a transaction held one of its
 * items, finishes that transaction if it can (a retry then may go through)
 * or, while it lives on, answers "ongoing" with *final set (retrying will
 * not help). Other outcomes pass through. */
static int settle(rx_engine_t *e, const rx_wset_t *s, const char *holder, int rc, bool *final,
                  ddb_error_t *err) {
    if (rc != DDB_ERR_TRANSACTION_CONFLICT || !holder[0]) return rc;
    bool resolved;
    int r2 = rtx_resolve(rx__conn(e), holder, &s->conflict_bucket, &e->tx, &resolved, err);
    if (r2) return r2;
    if (resolved) return rc;
    *final = true;
    return ongoing(err);
}

int rx_item_get(rx_engine_t *e, const ddb_table_info_t *t, const ddb_value_t *key, ddb_arena_t *a,
                const ddb_value_t **out, ddb_error_t *err) {
    bytes_t k = {0};
    int rc = ddb__item_key(&k, t, key, err);
    if (rc) return rc;
    rs_bucket_t b;
    rx__bucket(e, k.p, k.len, &b);
    uint64_t ver;
    rc = rx__read(e, rx__conn(e), &b, &k, a, out, &ver, err);
    bytes_free(&k);
    return rc;
}

/* The version and holder of an item now (its body dropped). */
static int peek(rc_conn_t *k, const rs_bucket_t *b, const bytes_t *key, uint64_t *version,
                char *holder, ddb_error_t *err) {
    redisReply *body = NULL;
    int rc = rs_get(k, b, key->p, key->len, &body, version, holder, err);
    if (body) freeReplyObject(body);
    return rc;
}

/* Several items as they all were at one moment: read once, then their
 * versions checked again; when none changed and no transaction held any,
 * each had its value from its first read to its second, so all of them
 * had theirs together in between (versions are never reused). A
 * transaction holding one is finished first (rolled forward once decided,
 * aborted once abandoned); one still young makes the read a conflict. */
int rx_read_all(rx_engine_t *e, const ddb_table_info_t *const *tables,
                const ddb_value_t *const *keys, size_t n, ddb_arena_t *a, const ddb_value_t **out,
                ddb_error_t *err) {
    rc_conn_t *conn = rx__conn(e);
    bytes_t *k = calloc(n ? n : 1, sizeof *k);
    rs_bucket_t *b = calloc(n ? n : 1, sizeof *b);
    uint64_t *ver = calloc(n ? n : 1, sizeof *ver);
    if (!k || !b || !ver) abort();
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        rc = ddb__item_key(&k[i], tables[i], keys[i], err);
        if (!rc) rx__bucket(e, k[i].p, k[i].len, &b[i]);
    }
    bool consistent = false;
    for (int attempt = 0; !rc && !consistent && attempt < RX_RETRIES; attempt++) {
        if (attempt) {
            struct timespec ts = {0, 1000000}; /* a transaction is finishing: let it */
            nanosleep(&ts, NULL);
        }
        for (size_t i = 0; i < n && !rc; i++)
            rc = rx__read(e, conn, &b[i], &k[i], a, &out[i], &ver[i], err);
        consistent = true;
        for (size_t i = 0; i < n && !rc && consistent; i++) {
            uint64_t v2;
            char holder[RS_TXID_LEN + 1];
            rc = peek(conn, &b[i], &k[i], &v2, holder, err);
            if (!rc && (v2 != ver[i] || holder[0])) consistent = false;
        }
    }
    if (!rc && !consistent) rc = ongoing(err);
    for (size_t i = 0; i < n; i++)
        bytes_free(&k[i]);
    free(k), free(b), free(ver);
    return rc;
}

int rx_item_write(rx_engine_t *e, const ddb_table_info_t *t, const ddb_value_t *key,
                  ddb_mutate_fn fn, void *ctx, ddb_arena_t *a, ddb_error_t *err) {
    bytes_t k = {0};
    int rc = ddb__item_key(&k, t, key, err);
    if (rc) return rc;
    rs_bucket_t b;
    rx__bucket(e, k.p, k.len, &b);
    rc_conn_t *conn = rx__conn(e);
    rc = DDB_ERR_TRANSACTION_CONFLICT;
    bool final = false;
    for (int attempt = 0; attempt < RX_RETRIES && rc == DDB_ERR_TRANSACTION_CONFLICT && !final;
         attempt++) {
        const ddb_value_t *old = NULL, *next = NULL;
        uint64_t ver;
        rc = rx__read(e, conn, &b, &k, a, &old, &ver, err);
        if (!rc) rc = fn(ctx, old, &next, err);
        if (rc || ddb__unchanged(old, next)) break;
        if (next && !ddb__same_key(t, next, &k)) {
            rc = ddb_error_set(err, DDB_ERR_INTERNAL, "mutation changed the primary key");
            break;
        }
        rx_wset_t s = {0};
        char holder[RS_TXID_LEN + 1] = "";
        rc = rx__ws_item(e, &s, t, &k, old, next, ver, 0, a, err);
        if (!rc) rc = rx__ws_run(e, &s, NULL, holder, err);
        rc = settle(e, &s, holder, rc, &final, err);
        rx__ws_free(&s);
    }
    bytes_free(&k);
    return rc;
}

/* ---- several items ----------------------------------------------------- */

/* Idempotency tokens are items of their own in RX_TOKEN_BUCKETS buckets
 * "{ddb:tok:<n>}" (by a hash of the token): [digest 16][applied ms BE64]
 * under the token's text, with an expiry entry for the sweeper
 * (rx__tokens_sweep). A transaction with a token writes it in its own write
 * set, expecting the version it read (0: none), so the token is recorded
 * exactly when its transaction is: of concurrent copies one applies, the
 * others meet the token and replay. */
#define RX_TOKEN_BUCKETS 16

static void token_bucket_n(uint32_t n, rs_bucket_t *out) {
    out->len = (size_t)snprintf(out->tag, sizeof out->tag, "{ddb:tok:%u}", n);
}

static void token_bucket(const char *text, size_t len, rs_bucket_t *out) {
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)text[i]) * 16777619u;
    token_bucket_n(h % RX_TOKEN_BUCKETS, out);
}

/* The token's state: *version (0: never recorded, or its window passed and
 * it may be written again: then *version is what to expect), and whether
 * it is a replay (same digest, in its window) or a mismatch. */
static int token_seen(rx_engine_t *e, const ddb_token_t *t, uint64_t *version, bool *replay,
                      char holder[RS_TXID_LEN + 1], ddb_error_t *err) {
    rs_bucket_t b;
    token_bucket(t->text, t->len, &b);
    redisReply *body = NULL;
    *replay = false;
    int rc = rs_get(rx__conn(e), &b, t->text, t->len, &body, version, holder, err);
    if (rc || !body) return rc;
    if (body->len == 24 &&
        (int64_t)kc_get_be64((const uint8_t *)body->str + 16) + e->token_window_ms > ddb_now_ms()) {
        if (memcmp(body->str, t->digest, 16) == 0)
            *replay = true;
        else
            rc = ddb_error_set(err, DDB_ERR_IDEMPOTENT_MISMATCH,
                               "Request with the same client token was previously submitted with "
                               "different request parameters");
    }
    freeReplyObject(body);
    return rc;
}

/* Adds the token's write to s (expecting version). */
static void token_write(rx_engine_t *e, rx_wset_t *s, const ddb_token_t *t, uint64_t version) {
    rs_write_t *w = rx__ws_add(e, s, (const uint8_t *)t->text, t->len, 0);
    rx_witem_t *it = &s->it[s->n - 1];
    token_bucket(t->text, t->len, &it->b);
    it->token = true;
    uint8_t val[24];
    memcpy(val, t->digest, 16);
    int64_t now = ddb_now_ms();
    kc_put_be64(val + 16, (uint64_t)now);
    bytes_put(&it->body, val, sizeof val);
    w->op = RS_PUT;
    w->expect = version;
    w->body = it->body.p;
    w->blen = it->body.len;
    w->expiry_s = (now + e->token_window_ms) / 1000 + 1;
}

/* One attempt of a multi-item write: every op read and mutated, then one
 * write set of their writes (their index entries' and the token's).
 * *final: a conflict retrying will not cure (a live transaction holds an
 * item). */
static int write_once(rx_engine_t *e, ddb_write_t *ops, size_t n, const bytes_t *keys,
                      const rs_bucket_t *bk, const ddb_token_t *token, uint64_t token_version,
                      ddb_arena_t *a, bool *final, ddb_error_t *err) {
    rc_conn_t *conn = rx__conn(e);
    const ddb_value_t **olds = ddb_arena_alloc(a, sizeof *olds * (n ? n : 1));
    const ddb_value_t **nexts = ddb_arena_alloc(a, sizeof *nexts * (n ? n : 1));
    uint64_t *vers = ddb_arena_alloc(a, sizeof *vers * (n ? n : 1));
    bool failed = false;
    for (size_t i = 0; i < n; i++) {
        ddb_write_t *op = &ops[i];
        ddb_error_clear(&op->error);
        olds[i] = nexts[i] = NULL;
        int rc = rx__read(e, conn, &bk[i], &keys[i], a, &olds[i], &vers[i], err);
        if (rc) return rc;
        op->status = op->fn(op->ctx, olds[i], &nexts[i], &op->error);
        if (op->status)
            failed = true;
        else if (nexts[i] && nexts[i] != olds[i] && !ddb__same_key(op->table, nexts[i], &keys[i]))
            return ddb_error_set(err, DDB_ERR_INTERNAL, "mutation changed the primary key");
    }
    if (failed) return ddb_error_set(err, DDB_ERR_TRANSACTION_CANCELED, "Transaction cancelled");
    rx_wset_t s = {0};
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++)
        rc = rx__ws_item(e, &s, ops[i].table, &keys[i], olds[i], nexts[i], vers[i], i, a, err);
    if (!rc && token) token_write(e, &s, token, token_version);
    char holder[RS_TXID_LEN + 1] = "";
    if (!rc) rc = rx__ws_run(e, &s, NULL, holder, err);
    rc = settle(e, &s, holder, rc, final, err);
    rx__ws_free(&s);
    return rc;
}

int rx_write_all_once(rx_engine_t *e, ddb_write_t *ops, size_t n, const ddb_token_t *token,
                      bool *replayed, ddb_arena_t *a, ddb_error_t *err) {
    bool dummy;
    if (!replayed) replayed = &dummy;
    *replayed = false;
    int rc = 0;
    bytes_t *keys = calloc(n ? n : 1, sizeof *keys);
    rs_bucket_t *bk = calloc(n ? n : 1, sizeof *bk);
    if (!keys || !bk) abort();
    for (size_t i = 0; i < n && !rc; i++) {
        rc = ddb__item_key(&keys[i], ops[i].table, ops[i].key, err);
        if (!rc) rx__bucket(e, keys[i].p, keys[i].len, &bk[i]);
    }
    if (!rc) {
        rc = DDB_ERR_TRANSACTION_CONFLICT;
        bool final = false;
        for (int attempt = 0; attempt < RX_RETRIES && rc == DDB_ERR_TRANSACTION_CONFLICT && !final;
             attempt++) {
            uint64_t tv = 0;
            if (token) {
                /* again each time: a concurrent copy may have applied it meanwhile */
                char holder[RS_TXID_LEN + 1];
                rc = token_seen(e, token, &tv, replayed, holder, err);
                if (rc || *replayed) break;
                if (holder[0]) {
                    /* a copy is committing it: its outcome decides (replay, or ours to try) */
                    bool resolved;
                    rs_bucket_t tb;
                    token_bucket(token->text, token->len, &tb);
                    rc = rtx_resolve(rx__conn(e), holder, &tb, &e->tx, &resolved, err);
                    if (rc) break;
                    if (!resolved) {
                        struct timespec ts = {0, 2000000};
                        nanosleep(&ts, NULL);
                    }
                    rc = DDB_ERR_TRANSACTION_CONFLICT;
                    continue;
                }
            }
            rc = write_once(e, ops, n, keys, bk, token, tv, a, &final, err);
            if (token && final) final = false, rc = DDB_ERR_TRANSACTION_CONFLICT; /* wait it out */
        }
    }
    for (size_t i = 0; i < n; i++)
        bytes_free(&keys[i]);
    free(keys);
    free(bk);
    return rc;
}

/* Deletes the tokens whose window has passed (a sweeper round). */
void rx__tokens_sweep(rx_engine_t *e) {
    char max[24];
    snprintf(max, sizeof max, "%lld", (long long)(ddb_now_ms() / 1000));
    for (uint32_t n = 0; n < RX_TOKEN_BUCKETS; n++) {
        rs_bucket_t b;
        token_bucket_n(n, &b);
        char hx[48];
        snprintf(hx, sizeof hx, "%sx", b.tag);
        const char *argv[] = {"ZRANGEBYSCORE", hx, "-inf", max, "LIMIT", "0", "100"};
        redisReply *due = NULL;
        ddb_error_t err;
        if (rx__call(e, b.tag, b.len, false, 7, argv, NULL, &due, &err)) continue;
        for (size_t i = 0; due->type == REDIS_REPLY_ARRAY && i < due->elements; i++) {
            const redisReply *k = due->element[i];
            uint64_t ver;
            redisReply *body = NULL;
            if (rs_get(rx__conn(e), &b, k->str, k->len, &body, &ver, NULL, &err)) continue;
            if (body) freeReplyObject(body);
            rs_write_t w = {
                .key = k->str, .klen = k->len, .expect = ver, .op = RS_DELETE, .expiry_s = -1};
            (void)rs_apply(rx__conn(e), &b, 1, &w, 1, 0, NULL, NULL, &err);
        }
        freeReplyObject(due);
    }
}

int rx_write_all(rx_engine_t *e, ddb_write_t *ops, size_t n, ddb_arena_t *a, ddb_error_t *err) {
    return rx_write_all_once(e, ops, n, NULL, NULL, a, err);
}
