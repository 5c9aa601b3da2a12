/* rstore.c: bucket-level item storage on the cluster (see rstore.h): key
 * names, the function library's loading, and the FCALL/ZRANGEBYLEX calls
 * with their arguments marshalled and replies checked. */
#include "storage/redis/rstore.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

/* storage/redis/ddb.lua, compiled in (CMakeLists.txt, ddb_embed) */
extern const unsigned char rs__ddb_lua[];

void rs_bucket_name(rs_bucket_t *b, uint32_t table, uint32_t bucket) {
    int n = snprintf(b->tag, sizeof b->tag, "{t%" PRIu32 ":%" PRIu32 "}", table, bucket);
    b->len = (size_t)n;
}

uint32_t rs_bucket_of(const void *partition, size_t len, uint32_t nbuckets) {
    return (uint32_t)(XXH64(partition, len, 0) % nbuckets);
}

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
           uint64_t *version, ddb_error_t *err) {
    char kb[64], kv[64];
    size_t lb = key_name(kb, sizeof kb, b, "b"), lv = key_name(kv, sizeof kv, b, "v");
    const char *argv[] = {"FCALL_RO", "ddb_get", "2", kb, kv, key};
    size_t lens[] = {8, 7, 1, lb, lv, klen};
    redisReply *r = NULL;
    *body = NULL;
    *version = 0;
    int rc = rc_command(k, b->tag, b->len, false, 6, argv, lens, &r, err);
    if (rc) {
        if (r) freeReplyObject(r);
        return rc;
    }
    if (r->type == REDIS_REPLY_ERROR) {
        rc = ddb_error_set(err, DDB_ERR_INTERNAL, "ddb_get: %.*s", (int)r->len, r->str);
        freeReplyObject(r);
        return rc;
    }
    if (r->type != REDIS_REPLY_ARRAY || (r->elements != 0 && r->elements != 2)) {
        freeReplyObject(r);
        return ddb_error_set(err, DDB_ERR_INTERNAL, "ddb_get: an unexpected reply");
    }
    if (r->elements == 2) {
        redisReply *bo = r->element[0], *ve = r->element[1];
        if (bo->type != REDIS_REPLY_STRING || ve->type != REDIS_REPLY_STRING) {
            freeReplyObject(r);
            return ddb_error_set(err, DDB_ERR_INTERNAL, "ddb_get: an unexpected reply");
        }
        *version = strtoull(ve->str, NULL, 10);
        /* hand out the body element alone */
        r->element[0] = NULL;
        *body = bo;
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

int rs_apply(rc_conn_t *k, const rs_bucket_t *b, const char *const *sets, size_t nsets,
             rs_write_t *w, size_t n, size_t stream_max, size_t *conflict, ddb_error_t *err) {
    static const char *suffix[] = {"z", "b", "v", "x", "s", "c"};
    size_t nkeys = 6 + nsets, nargs = 2;
    for (size_t i = 0; i < n; i++)
        nargs += 7 + 3 * w[i].nentries;
    size_t argc = 3 + nkeys + nargs;
    const char **argv = malloc(argc * sizeof *argv);
    size_t *lens = malloc(argc * sizeof *lens);
    char *names = malloc(nkeys * 64);
    numbuf_t nb = {malloc((3 + 3 * nargs) * 24), 0, (3 + 3 * nargs) * 24};
    int rc = 0;
    if (!argv || !lens || !names || !nb.p) {
        rc = ddb_error_set(err, DDB_ERR_INTERNAL, "out of memory");
        goto out;
    }
    size_t a = 0;
    argv[a] = "FCALL", lens[a++] = 5;
    argv[a] = "ddb_apply", lens[a++] = 9;
    argv[a] = num(&nb, nkeys, &lens[a]), a++;
    for (size_t i = 0; i < nkeys; i++) {
        char *name = names + i * 64;
        char sfx[24];
        snprintf(sfx, sizeof sfx, "%s", i < 6 ? suffix[i] : sets[i - 6]);
        argv[a] = name, lens[a++] = key_name(name, 64, b, sfx);
    }
    argv[a] = num(&nb, n, &lens[a]), a++;
    argv[a] = num(&nb, stream_max, &lens[a]), a++;
    for (size_t i = 0; i < n; i++) {
        const rs_write_t *x = &w[i];
        argv[a] = x->key, lens[a++] = x->klen;
        argv[a] = num(&nb, x->expect, &lens[a]), a++;
        argv[a] = x->del ? "D" : "P", lens[a++] = 1;
        argv[a] = x->del ? "" : x->body, lens[a++] = x->del ? 0 : x->blen;
        if (x->del || x->expiry_s < 0)
            argv[a] = "", lens[a++] = 0;
        else
            argv[a] = num(&nb, (uint64_t)x->expiry_s, &lens[a]), a++;
        argv[a] = x->record ? x->record : "", lens[a++] = x->record ? x->rlen : 0;
        argv[a] = num(&nb, x->nentries, &lens[a]), a++;
        for (size_t j = 0; j < x->nentries; j++) {
            const rs_entry_t *e = &x->entries[j];
            if (e->set >= nsets) {
                rc = ddb_error_set(err, DDB_ERR_INTERNAL, "an entry names set %zu of %zu", e->set,
                                   nsets);
                goto out;
            }
            argv[a] = num(&nb, 7 + e->set, &lens[a]), a++;
            argv[a] = e->add ? "A" : "R", lens[a++] = 1;
            argv[a] = e->member, lens[a++] = e->len;
        }
    }
    redisReply *r = NULL;
    rc = rc_command(k, b->tag, b->len, true, (int)a, argv, lens, &r, err);
    if (rc == 0 && r->type == REDIS_REPLY_ERROR && !strncmp(r->str, "DDBCONFLICT ", 12)) {
        size_t i = strtoull(r->str + 12, NULL, 10);
        if (conflict) *conflict = i ? i - 1 : 0;
        rc = ddb_error_set(err, DDB_ERR_TRANSACTION_CONFLICT, "item %zu changed since it was read",
                           i);
    } else if (rc == 0 && r->type == REDIS_REPLY_ERROR) {
        rc = ddb_error_set(err, DDB_ERR_INTERNAL, "ddb_apply: %.*s", (int)r->len, r->str);
    } else if (rc == 0 && (r->type != REDIS_REPLY_ARRAY || r->elements != n)) {
        rc = ddb_error_set(err, DDB_ERR_INTERNAL, "ddb_apply: an unexpected reply");
    } else if (rc == 0) {
        for (size_t i = 0; i < n; i++) {
            redisReply *e = r->element[i];
            if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
                e->element[0]->type != REDIS_REPLY_INTEGER) {
                rc = ddb_error_set(err, DDB_ERR_INTERNAL, "ddb_apply: an unexpected reply");
                break;
            }
            w[i].version = (uint64_t)e->element[0]->integer;
            redisReply *id = e->element[1];
            snprintf(w[i].stream_id, sizeof w[i].stream_id, "%.*s",
                     id->type == REDIS_REPLY_STRING ? (int)id->len : 0,
                     id->type == REDIS_REPLY_STRING ? id->str : "");
        }
    }
    if (r) freeReplyObject(r);
out:
    free(argv);
    free(lens);
    free(names);
    free(nb.p);
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
             const void *hi, size_t hilen, bool hi_incl, bool reverse, size_t limit,
             redisReply **keys, ddb_error_t *err) {
    char z[64];
    size_t zl = key_name(z, sizeof z, b, "z"), l1, l2;
    char *min = lex_bound(lo, lolen, lo_incl, true, &l1),
         *max = lex_bound(hi, hilen, hi_incl, false, &l2);
    char lim[24];
    int ll = snprintf(lim, sizeof lim, "%zu", limit);
    *keys = NULL;
    if (!min || !max) {
        free(min);
        free(max);
        return ddb_error_set(err, DDB_ERR_INTERNAL, "out of memory");
    }
    const char *argv[] = {reverse ? "ZREVRANGEBYLEX" : "ZRANGEBYLEX",
                          z,
                          reverse ? max : min,
                          reverse ? min : max,
                          "LIMIT",
                          "0",
                          lim};
    size_t lens[] = {reverse ? 14u : 11u, zl, reverse ? l2 : l1, reverse ? l1 : l2, 5, 1,
                     (size_t)ll};
    redisReply *r = NULL;
    int rc = rc_command(k, b->tag, b->len, false, limit ? 7 : 4, argv, lens, &r, err);
    free(min);
    free(max);
    if (rc == 0 && r->type != REDIS_REPLY_ARRAY) {
        rc = ddb_error_set(err, DDB_ERR_INTERNAL, "%s: %.*s", argv[0],
                           r->type == REDIS_REPLY_ERROR ? (int)r->len : 0,
                           r->type == REDIS_REPLY_ERROR ? r->str : "");
        freeReplyObject(r);
        r = NULL;
    }
    *keys = r;
    return rc;
}
