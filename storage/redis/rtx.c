/* rtx.c: the two-phase protocol of rtx.h over rstore's ddb_prepare and
 * rs_finish and the coordinator functions of ddb.lua (ddb_tx_begin,
 * ddb_tx_decide). The coordinator record lives under its own hash tag
 * ("{x:<txid>}"), so coordinators spread over the slots like the data. */
#include "storage/redis/rtx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static void coord_key(char out[64], const char *txid) {
    snprintf(out, 64, "{x:%s}", txid);
}

static int new_txid(char out[RS_TXID_LEN + 1], ddb_error_t *err) {
    uint8_t r[RS_TXID_LEN / 2];
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
        return ddb_error_set(err, DDB_ERR_INTERNAL, "getrandom failed");
    for (size_t i = 0; i < sizeof r; i++)
        snprintf(out + 2 * i, 3, "%02x", r[i]);
    return 0;
}

/* FCALL fn 1 key args...: the reply, checked not to be an error. */
static int coord_call(rc_conn_t *k, const char *fn, const char *key, int nargs, const char **args,
                      redisReply **out, ddb_error_t *err) {
    const char *argv[8] = {"FCALL", fn, "1", key};
    for (int i = 0; i < nargs; i++)
        argv[4 + i] = args[i];
    *out = NULL;
    int rc = rc_command(k, key, strlen(key), true, 4 + nargs, argv, NULL, out, err);
    if (!rc && (*out)->type == REDIS_REPLY_ERROR)
        rc = ddb_error_set(err, DDB_ERR_INTERNAL, "%s: %.*s", fn, (int)(*out)->len, (*out)->str);
    if (rc && *out) {
        freeReplyObject(*out);
        *out = NULL;
    }
    return rc;
}

static void delete_record(rc_conn_t *k, const char *txid) {
    char key[64];
    coord_key(key, txid);
    const char *del[] = {"DEL", key};
    redisReply *d = NULL;
    ddb_error_t e2;
    if (rc_command(k, key, strlen(key), true, 2, del, NULL, &d, &e2) == 0) freeReplyObject(d);
}

/* The decision: 'C', 'A' or 'P' (an abort asked too early), and the
 * buckets the record names (copied into buckets, at most cap bytes). */
static int decide(rc_conn_t *k, const char *txid, char want, int min_age_ms, char *state,
                  char *buckets, size_t cap, ddb_error_t *err) {
    char key[64], w[2] = {want, 0}, age[16];
    coord_key(key, txid);
    snprintf(age, sizeof age, "%d", min_age_ms);
    const char *args[] = {w, age};
    redisReply *r;
    int rc = coord_call(k, "ddb_tx_decide", key, 2, args, &r, err);
    if (rc) return rc;
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
        r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_STRING) {
        freeReplyObject(r);
        return ddb_error_set(err, DDB_ERR_INTERNAL, "ddb_tx_decide: an unexpected reply");
    }
    *state = r->element[0]->str[0];
    if (buckets) snprintf(buckets, cap, "%s", r->element[1]->str);
    freeReplyObject(r);
    return 0;
}

/* The coordinator record's list of a transaction's slots: each slot's key
 * sets joined by '+', the slots by ','. */
static char *slot_list(const rtx_group_t *g, size_t ng) {
    size_t cap = 1;
    for (size_t i = 0; i < ng; i++)
        for (size_t j = 0; j < g[i].nsets; j++)
            cap += g[i].sets[j].len + 1;
    char *list = malloc(cap);
    if (!list) return NULL;
    size_t at = 0;
    for (size_t i = 0; i < ng; i++)
        for (size_t j = 0; j < g[i].nsets; j++) {
            if (i || j) list[at++] = j ? '+' : ',';
            memcpy(list + at, g[i].sets[j].tag, g[i].sets[j].len);
            at += g[i].sets[j].len;
        }
    list[at] = '\0';
    return list;
}

/* One slot's key sets from list's entry at p (up to ',' or the end); the
 * position after it. */
static const char *parse_slot(const char *p, rtx_group_t *g) {
    g->nsets = 0;
    for (;;) {
        size_t len = strcspn(p, "+,");
        if (len < sizeof g->sets[0].tag && g->nsets < RTX_SETS_MAX) {
            rs_bucket_t *b = &g->sets[g->nsets++];
            memcpy(b->tag, p, len);
            b->tag[len] = '\0';
            b->len = len;
        }
        p += len;
        if (*p != '+') return p;
        p++;
    }
}

/* Finishes txid in every slot of the list (slot_list), or with an empty
 * list (a record gone: nothing can be prepared) in where alone. */
static int finish_all(rc_conn_t *k, const char *txid, bool commit, const char *list,
                      const rs_bucket_t *where, const rtx_opts_t *o, ddb_error_t *err) {
    bool done;
    if (!*list)
        return where ? rs_finish(k, where, 1, txid, commit, o->stream_keep_ms, NULL, 0, &done, err)
                     : 0;
    int rc = 0;
    for (const char *p = list; !rc && *p;) {
        rtx_group_t g;
        p = parse_slot(p, &g);
        if (g.nsets)
            rc =
                rs_finish(k, g.sets, g.nsets, txid, commit, o->stream_keep_ms, NULL, 0, &done, err);
        if (*p == ',') p++;
    }
    return rc;
}

int rtx_resolve(rc_conn_t *k, const char *txid, const rs_bucket_t *where, const rtx_opts_t *o,
                bool *resolved, ddb_error_t *err) {
    int abandon = o->abandon_ms ? o->abandon_ms : 5000;
    char state, *buckets = malloc(65536);
    *resolved = false;
    if (!buckets) return ddb_error_set(err, DDB_ERR_INTERNAL, "out of memory");
    int rc = decide(k, txid, 'A', abandon, &state, buckets, 65536, err);
    if (!rc && state != 'P') {
        rc = finish_all(k, txid, state == 'C', buckets, where, o, err);
        *resolved = rc == 0;
        /* finished in every bucket: the record has served (see ddb_tx_begin) */
        if (*resolved && buckets[0]) delete_record(k, txid);
    }
    free(buckets);
    return rc;
}

int rtx_run(rc_conn_t *k, rtx_group_t *g, size_t ng, const rtx_opts_t *o, size_t *failed,
            size_t *item, char holder[RS_TXID_LEN + 1], ddb_error_t *err) {
    size_t f_dummy, i_dummy;
    if (!failed) failed = &f_dummy;
    if (!item) item = &i_dummy;
    if (holder) holder[0] = '\0';
    if (ng == 1) {
        *failed = 0;
        return rs_apply(k, g[0].sets, g[0].nsets, g[0].w, g[0].n, o->stream_keep_ms, item, holder,
                        err);
    }
    char txid[RS_TXID_LEN + 1], key[64];
    int rc = new_txid(txid, err);
    if (rc) return rc;
    coord_key(key, txid);
    char *list = slot_list(g, ng);
    if (!list) return ddb_error_set(err, DDB_ERR_INTERNAL, "out of memory");
    const char *args[] = {list};
    redisReply *r;
    rc = coord_call(k, "ddb_tx_begin", key, 1, args, &r, err);
    if (rc) goto out;
    freeReplyObject(r);
    size_t prepared = 0;
    for (; prepared < ng; prepared++) {
        rtx_group_t *x = &g[prepared];
        rc = rs_prepare(k, x->sets, x->nsets, txid, x->w, x->n, item, holder, err);
        if (rc) break;
    }
    if (o->stop_after == 1) goto out;
    char state = 'A';
    if (rc) {
        *failed = prepared;
        ddb_error_t e2;
        /* our own record: nobody else decides it before it is abandoned */
        if (decide(k, txid, 'A', 0, &state, NULL, 0, &e2) == 0 && state == 'A') {
            bool all = true;
            for (size_t i = 0; i < prepared; i++) {
                bool done;
                if (rs_finish(k, g[i].sets, g[i].nsets, txid, false, o->stream_keep_ms, NULL, 0,
                              &done, &e2))
                    all = false;
            }
            if (all) delete_record(k, txid);
        }
        goto out;
    }
    rc = decide(k, txid, 'C', 0, &state, NULL, 0, err);
    if (rc) goto out; /* undecided: a resolver aborts it once abandoned */
    if (state != 'C') {
        /* aborted as abandoned while it prepared (a very slow front end) */
        ddb_error_t e2;
        if (finish_all(k, txid, false, list, NULL, o, &e2) == 0) delete_record(k, txid);
        *failed = 0;
        rc = ddb_error_set(err, DDB_ERR_TRANSACTION_CONFLICT,
                           "the transaction was aborted as abandoned");
        goto out;
    }
    if (o->stop_after == 2) goto out;
    bool all = true;
    for (size_t i = 0; i < ng; i++) {
        bool done;
        ddb_error_t e2;
        if (rs_finish(k, g[i].sets, g[i].nsets, txid, true, o->stream_keep_ms, g[i].w, g[i].n,
                      &done, &e2))
            all = false;
    }
    if (all) delete_record(k, txid);
out:
    free(list);
    return rc;
}
