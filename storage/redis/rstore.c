/* rstore.c: bucket-level item storage on the cluster (see rstore.h): key
 * names, the function library's loading, and the FCALL/ZRANGEBYLEX calls
 * with their arguments marshalled and replies checked. */
#include "storage/redis/rstore.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* storage/redis/ddb.lua, compiled in (CMakeLists.txt, ddb_embed) */
extern const unsigned char rs__ddb_lua[];

void rs_bucket_name(rs_bucket_t *b, uint32_t table, uint32_t bucket) {
    int n = snprintf(b->tag, sizeof b->tag, "{t%" PRIu32 ":%" PRIu32 "}", table, bucket);
    b->len = (size_t)n;
}

void rs_bucket_local(rs_bucket_t *b, uint32_t table, uint32_t bucket, uint32_t index) {
    int n = snprintf(b->tag, sizeof b->tag, "{t%" PRIu32 ":%" PRIu32 "}l%" PRIu32 ".", table,
                     bucket, index);
    b->len = (size_t)n;
}

bool rs_same_slot(const rs_bucket_t *a, const rs_bucket_t *b) {
    const char *ea = memchr(a->tag, '}', a->len), *eb = memchr(b->tag, '}', b->len);
    size_t la = ea ? (size_t)(ea - a->tag) : a->len, lb = eb ? (size_t)(eb - b->tag) : b->len;
    return la == lb && !memcmp(a->tag, b->tag, la);
}

const char *const rs_bucket_suffix[RS_BUCKET_KEYS] = {"z", "b", "v", "x", "s",
                                                      "c", "i", "p", "n", "h"};

/* "{t1:2}" + suffix into buf; its length. */
static size_t key_name(char *buf, size_t cap, const rs_bucket_t *b, const char *suffix) {
    int n = snprintf(buf, cap, "%.*s%s", (int)b->len, b->tag, suffix);
    return n < 0 ? 0 : ((size_t)n < cap ? (size_t)n : cap - 1);
}

int rs_load_functions(rc_conn_t *k, ddb_error_t *err) {
    const char *ver_argv[] = {"FCALL_RO", "ddb_version", "0"};
    const char *load_argv[] = {"FUNCTION", "LOAD", "REPLACE", (const char *)rs__ddb_lua};
    rc_addr_t m[RC_NODES_MAX];
    size_t n = rc_cluster_masters(rc_conn_cluster(k), m, RC_NODES_MAX);
    for (size_t i = 0; i < n; i++) {
        redisReply *r = NULL;
        int rc = rc_node_command(k, &m[i], 3, ver_argv, NULL, &r, err);
        if (rc) return rc;
        /* an error reply: no library (or an older one without ddb_version) */
        long long have = r->type == REDIS_REPLY_INTEGER ? r->integer : 0;
        freeReplyObject(r);
        if (have > RS_LIBRARY_VERSION)
            return ddb_error_set(
                err, DDB_ERR_INTERNAL,
                "%s:%d runs version %lld of ddb's functions, newer than this ddbd's %d", m[i].host,
                m[i].port, have, RS_LIBRARY_VERSION);
        if (have == RS_LIBRARY_VERSION) continue;
        rc = rc_node_command(k, &m[i], 4, load_argv, NULL, &r, err);
        if (rc) return rc;
        if (r->type == REDIS_REPLY_ERROR) {
            rc = ddb_error_set(err, DDB_ERR_INTERNAL, "FUNCTION LOAD on %s:%d: %.*s", m[i].host,
                               m[i].port, (int)r->len, r->str);
        }
        freeReplyObject(r);
        if (rc) return rc;
    }
    return 0;
}

int rs_get(rc_conn_t *k, const rs_bucket_t *b, const void *key, size_t klen, redisReply **body,
           uint64_t *version, char holder[RS_TXID_LEN + 1], ddb_error_t *err) {
    char kb[64], kv[64], ki[64];
    size_t lb = key_name(kb, sizeof kb, b, "b"), lv = key_name(kv, sizeof kv, b, "v"),
           li = key_name(ki, sizeof ki, b, "i");
    const char *argv[] = {"FCALL_RO", "ddb_get", "3", kb, kv, ki, key};
    size_t lens[] = {8, 7, 1, lb, lv, li, klen};
    redisReply *r = NULL;
    *body = NULL;
    *version = 0;
    if (holder) holder[0] = '\0';
    int rc = rc_command(k, b->tag, b->len, false, 7, argv, lens, &r, err);
    if (rc) {
        if (r) freeReplyObject(r);
        return rc;
    }
    if (r->type == REDIS_REPLY_ERROR) {
        rc = ddb_error_set(err, DDB_ERR_INTERNAL, "ddb_get: %.*s", (int)r->len, r->str);
        freeReplyObject(r);
        return rc;
    }
    if (r->type != REDIS_REPLY_ARRAY || (r->elements != 0 && r->elements != 3)) {
        freeReplyObject(r);
        return ddb_error_set(err, DDB_ERR_INTERNAL, "ddb_get: an unexpected reply");
    }
    if (r->elements == 3) {
        redisReply *bo = r->element[0], *ve = r->element[1], *ho = r->element[2];
        if (bo->type != REDIS_REPLY_STRING || ve->type != REDIS_REPLY_STRING ||
            ho->type != REDIS_REPLY_STRING || ho->len > RS_TXID_LEN) {
            freeReplyObject(r);
            return ddb_error_set(err, DDB_ERR_INTERNAL, "ddb_get: an unexpected reply");
        }
        *version = strtoull(ve->str, NULL, 10);
        if (holder) {
            memcpy(holder, ho->str, ho->len);
            holder[ho->len] = '\0';
        }
        if (*version) { /* hand out the body element alone */
            r->element[0] = NULL;
            *body = bo;
        }
    }
    freeReplyObject(r);
    return 0;
}

/* A decimal number as an argument, in a caller's buffer. */
typedef struct numbuf {
    char *p;
    size_t used, cap;
} numbuf_t;

static const char *num(numbuf_t *nb, uint64_t v, size_t *len) {
    char *at = nb->p + nb->used;
    int n = snprintf(at, nb->cap - nb->used, "%" PRIu64, v);
    nb->used += (size_t)n + 1;
    *len = (size_t)n;
    return at;
}

/* The words of one bucket function call: FCALL name nkeys keys... then
 * the caller's arguments. */
typedef struct call {
    const char **argv;
    size_t *lens;
    size_t argc, cap;
    char *names; /* the key names, 64 bytes each */
    numbuf_t nb;
} call_t;

#define BUCKET_KEYS RS_BUCKET_KEYS

static int call_init(call_t *c, size_t args, const char *fn, const rs_bucket_t *sets, size_t nsets,
                     ddb_error_t *err) {
    size_t nkeys = BUCKET_KEYS * nsets;
    c->cap = 3 + nkeys + args;
    c->argc = 0;
    c->argv = malloc(c->cap * sizeof *c->argv);
    c->lens = malloc(c->cap * sizeof *c->lens);
    c->names = malloc(nkeys * 64);
    c->nb = (numbuf_t){malloc((4 + args) * 24), 0, (4 + args) * 24};
    if (!c->argv || !c->lens || !c->names || !c->nb.p)
        return ddb_error_set(err, DDB_ERR_INTERNAL, "out of memory");
    c->argv[c->argc] = "FCALL", c->lens[c->argc++] = 5;
    c->argv[c->argc] = fn, c->lens[c->argc++] = strlen(fn);
    c->argv[c->argc] = num(&c->nb, nkeys, &c->lens[c->argc]), c->argc++;
    for (size_t i = 0; i < nkeys; i++) {
        char *name = c->names + i * 64;
        c->argv[c->argc] = name;
        c->lens[c->argc++] =
            key_name(name, 64, &sets[i / BUCKET_KEYS], rs_bucket_suffix[i % BUCKET_KEYS]);
    }
    return 0;
}

static void call_arg(call_t *c, const void *p, size_t len) {
    c->argv[c->argc] = p, c->lens[c->argc++] = len;
}

static void call_num(call_t *c, uint64_t v) {
    c->argv[c->argc] = num(&c->nb, v, &c->lens[c->argc]), c->argc++;
}

static void call_snum(call_t *c, int64_t v) {
    char *at = c->nb.p + c->nb.used;
    int n = snprintf(at, c->nb.cap - c->nb.used, "%" PRId64, v);
    c->nb.used += (size_t)n + 1;
    c->argv[c->argc] = at, c->lens[c->argc++] = (size_t)n;
}

static void call_free(call_t *c) {
    free(c->argv);
    free(c->lens);
    free(c->names);
    free(c->nb.p);
}

/* The arguments n items take (ddb.lua's parse_items). */
#define ITEM_ARGS(n) (9 * (n))

static int call_items(call_t *c, const rs_write_t *w, size_t n, size_t nsets, ddb_error_t *err) {
    for (size_t i = 0; i < n; i++) {
        const rs_write_t *x = &w[i];
        bool put = x->op == RS_PUT;
        if (x->set >= nsets)
            return ddb_error_set(err, DDB_ERR_INTERNAL, "a write names key set %zu of %zu", x->set,
                                 nsets);
        call_num(c, x->set + 1);
        call_arg(c, x->key, x->klen);
        if (x->blind)
            call_arg(c, "*", 1);
        else
            call_num(c, x->expect);
        call_arg(c, x->op == RS_PUT ? "P" : x->op == RS_DELETE ? "D" : "C", 1);
        call_arg(c, put ? x->body : "", put ? x->blen : 0);
        if (!put || x->expiry_s < 0)
            call_arg(c, "", 0);
        else
            call_num(c, (uint64_t)x->expiry_s);
        call_arg(c, x->record ? x->record : "", x->record ? x->rlen : 0);
        call_snum(c, x->dsize);
        bool hist = x->hist && x->op != RS_CHECK;
        call_arg(c, hist ? "1" : "", hist);
    }
    return 0;
}

/* A refusal of ddb_apply/ddb_prepare ("DDBCONFLICT i version", "DDBLOCKED i
 * txid") as DDB_ERR_TRANSACTION_CONFLICT; other errors as DDB_ERR_INTERNAL. */
static int refusal(const redisReply *r, const char *fn, size_t *conflict, char *holder,
                   ddb_error_t *err) {
    bool locked = !strncmp(r->str, "DDBLOCKED ", 10);
    if (locked || !strncmp(r->str, "DDBCONFLICT ", 12)) {
        char *rest;
        size_t i = strtoull(r->str + (locked ? 10 : 12), &rest, 10);
        if (conflict) *conflict = i ? i - 1 : 0;
        if (holder) {
            holder[0] = '\0';
            if (locked && *rest == ' ' && strlen(rest + 1) <= RS_TXID_LEN) strcpy(holder, rest + 1);
        }
        return ddb_error_set(err, DDB_ERR_TRANSACTION_CONFLICT, "item %zu %s", i,
                             locked ? "is held by a transaction" : "changed since it was read");
    }
    return ddb_error_set(err, DDB_ERR_INTERNAL, "%s: %.*s", fn, (int)r->len, r->str);
}

/* The per-item {version, stream id} reply of ddb_apply/ddb_commit into w. */
static int versions(const redisReply *r, const char *fn, rs_write_t *w, size_t n,
                    ddb_error_t *err) {
    if (r->type != REDIS_REPLY_ARRAY || r->elements != n)
        return ddb_error_set(err, DDB_ERR_INTERNAL, "%s: an unexpected reply", fn);
    for (size_t i = 0; i < n; i++) {
        redisReply *e = r->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
            e->element[0]->type != REDIS_REPLY_INTEGER)
            return ddb_error_set(err, DDB_ERR_INTERNAL, "%s: an unexpected reply", fn);
        w[i].version = (uint64_t)e->element[0]->integer;
        redisReply *id = e->element[1];
        bool has = id->type == REDIS_REPLY_STRING && id->len < sizeof w[i].stream_id;
        memcpy(w[i].stream_id, has ? id->str : "", has ? id->len : 0);
        w[i].stream_id[has ? id->len : 0] = '\0';
    }
    return 0;
}

int rs_apply(rc_conn_t *k, const rs_bucket_t *sets, size_t nsets, rs_write_t *w, size_t n,
             size_t stream_keep_ms, size_t *conflict, char *holder, ddb_error_t *err) {
    call_t c;
    int rc = call_init(&c, 2 + ITEM_ARGS(n), "ddb_apply", sets, nsets, err);
    if (!rc) {
        call_num(&c, n);
        call_num(&c, stream_keep_ms);
        rc = call_items(&c, w, n, nsets, err);
    }
    redisReply *r = NULL;
    if (!rc) rc = rc_command(k, sets->tag, sets->len, true, (int)c.argc, c.argv, c.lens, &r, err);
    if (!rc)
        rc = r->type == REDIS_REPLY_ERROR ? refusal(r, "ddb_apply", conflict, holder, err)
                                          : versions(r, "ddb_apply", w, n, err);
    if (r) freeReplyObject(r);
    call_free(&c);
    return rc;
}

int rs_prepare(rc_conn_t *k, const rs_bucket_t *sets, size_t nsets, const char *txid,
               const rs_write_t *w, size_t n, size_t *conflict, char *holder, ddb_error_t *err) {
    call_t c;
    int rc = call_init(&c, 2 + ITEM_ARGS(n), "ddb_prepare", sets, nsets, err);
    if (!rc) {
        call_arg(&c, txid, strlen(txid));
        call_num(&c, n);
        rc = call_items(&c, w, n, nsets, err);
    }
    redisReply *r = NULL;
    if (!rc) rc = rc_command(k, sets->tag, sets->len, true, (int)c.argc, c.argv, c.lens, &r, err);
    if (!rc && r->type == REDIS_REPLY_ERROR) rc = refusal(r, "ddb_prepare", conflict, holder, err);
    if (r) freeReplyObject(r);
    call_free(&c);
    return rc;
}

int rs_finish(rc_conn_t *k, const rs_bucket_t *sets, size_t nsets, const char *txid, bool commit,
              size_t stream_keep_ms, rs_write_t *w, size_t n, bool *done, ddb_error_t *err) {
    call_t c;
    const char *fn = commit ? "ddb_commit" : "ddb_abort";
    int rc = call_init(&c, 2, fn, sets, nsets, err);
    if (!rc) {
        call_arg(&c, txid, strlen(txid));
        if (commit) call_num(&c, stream_keep_ms);
    }
    redisReply *r = NULL;
    if (!rc) rc = rc_command(k, sets->tag, sets->len, true, (int)c.argc, c.argv, c.lens, &r, err);
    *done = false;
    if (!rc && r->type == REDIS_REPLY_ERROR) {
        rc = ddb_error_set(err, DDB_ERR_INTERNAL, "%s: %.*s", fn, (int)r->len, r->str);
    } else if (!rc && commit) {
        *done = r->type == REDIS_REPLY_ARRAY && r->elements > 0;
        if (*done && w) rc = versions(r, fn, w, n, err);
    } else if (!rc) {
        *done = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
    }
    if (r) freeReplyObject(r);
    call_free(&c);
    return rc;
}

/* A ZRANGEBYLEX bound: "-"/"+" when open, else "[" or "(" then the bytes. */
static char *lex_bound(const void *p, size_t len, bool incl, bool low, size_t *out_len) {
    if (!p) {
        *out_len = 1;
        return strdup(low ? "-" : "+");
    }
    char *s = malloc(len + 1);
    if (!s) return NULL;
    s[0] = incl ? '[' : '(';
    memcpy(s + 1, p, len);
    *out_len = len + 1;
    return s;
}

int rs_range(rc_conn_t *k, const rs_bucket_t *b, const void *lo, size_t lolen, bool lo_incl,
             const void *hi, size_t hilen, bool hi_incl, bool reverse, size_t limit, bool bodies,
             redisReply **out, ddb_error_t *err) {
    char z[64], hb[64];
    size_t zl = key_name(z, sizeof z, b, "z"), bl = key_name(hb, sizeof hb, b, "b"), l1 = 0, l2 = 0;
    char *min = lex_bound(lo, lolen, lo_incl, true, &l1),
         *max = lex_bound(hi, hilen, hi_incl, false, &l2);
    char lim[24];
    int ll = snprintf(lim, sizeof lim, "%zu", limit ? limit : (size_t)1 << 40);
    *out = NULL;
    if (!min || !max) {
        free(min);
        free(max);
        return ddb_error_set(err, DDB_ERR_INTERNAL, "out of memory");
    }
    const char *argv[] = {"FCALL_RO", "ddb_range", "2", z, hb, min, max, lim, reverse ? "1" : "0"};
    size_t lens[] = {8, 9, 1, zl, bl, l1, l2, (size_t)ll, 1};
    const char *zargv[] = {reverse ? "ZREVRANGEBYLEX" : "ZRANGEBYLEX",
                           z,
                           reverse ? max : min,
                           reverse ? min : max,
                           "LIMIT",
                           "0",
                           lim};
    size_t zlens[] = {reverse ? 14u : 11u, zl, reverse ? l2 : l1, reverse ? l1 : l2, 5, 1,
                      (size_t)ll};
    redisReply *r = NULL;
    int rc = bodies ? rc_command(k, b->tag, b->len, false, 9, argv, lens, &r, err)
                    : rc_command(k, b->tag, b->len, false, 7, zargv, zlens, &r, err);
    free(min);
    free(max);
    if (rc == 0 && r->type != REDIS_REPLY_ARRAY) {
        bool e = r->type == REDIS_REPLY_ERROR;
        rc = ddb_error_set(err, DDB_ERR_INTERNAL, "%s: %.*s", bodies ? "ddb_range" : zargv[0],
                           e ? (int)r->len : 0, e ? r->str : "");
        freeReplyObject(r);
        r = NULL;
    }
    *out = r;
    return rc;
}

int rs_stats(rc_conn_t *k, const rs_bucket_t *b, uint64_t *count, int64_t *bytes,
             ddb_error_t *err) {
    char hb[64], n[64];
    size_t bl = key_name(hb, sizeof hb, b, "b"), nl = key_name(n, sizeof n, b, "n");
    const char *argv[] = {"FCALL_RO", "ddb_stats", "2", hb, n};
    size_t lens[] = {8, 9, 1, bl, nl};
    redisReply *r = NULL;
    int rc = rc_command(k, b->tag, b->len, false, 5, argv, lens, &r, err);
    if (rc == 0 &&
        (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
         r->element[0]->type != REDIS_REPLY_INTEGER || r->element[1]->type != REDIS_REPLY_INTEGER))
        rc = ddb_error_set(err, DDB_ERR_INTERNAL, "ddb_stats: an unexpected reply");
    if (rc == 0) {
        *count = (uint64_t)r->element[0]->integer;
        *bytes = r->element[1]->integer;
    }
    if (r) freeReplyObject(r);
    return rc;
}
