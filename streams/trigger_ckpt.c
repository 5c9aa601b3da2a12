/* trigger_ckpt.c: the dispatcher's checkpoints, one durable record per
 * (mapping, shard) under DDB_KV_CHECKPOINTS: key "UUID/SHARDID", value
 * "NEXT" or "NEXT closed" (NEXT: the first sequence number not yet
 * finished). Only the dispatcher writes them; never the mapping records. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "streams/trigger_int.h"

static size_t ckpt_key(char *out, size_t cap, const char *uuid, const char *shard_id) {
    int n = snprintf(out, cap, "%s/%s", uuid, shard_id ? shard_id : "");
    return n < 0 ? 0 : (size_t)n;
}

int trig__ckpt_put(ddb_engine_t *e, const char *uuid, const char *shard_id, uint64_t next,
                   bool closed, ddb_error_t *err) {
    return trig__ckpt_write(e, uuid, shard_id, next, closed, true, err);
}

int trig__ckpt_write(ddb_engine_t *e, const char *uuid, const char *shard_id, uint64_t next,
                     bool closed, bool flush, ddb_error_t *err) {
    char key[128], val[64];
    size_t kl = ckpt_key(key, sizeof key, uuid, shard_id);
    int vl = snprintf(val, sizeof val, "%llu%s", (unsigned long long)next, closed ? " closed" : "");
    return flush ? ddb_kv_put(e, DDB_KV_CHECKPOINTS, key, kl, val, (size_t)vl, err)
                 : ddb_kv_put_lazy(e, DDB_KV_CHECKPOINTS, key, kl, val, (size_t)vl, err);
}

typedef struct ckpt_acc {
    tckpt_t *v;
    size_t n, cap;
    size_t prefix;
} ckpt_acc_t;

static int collect(void *ctx, const char *key, size_t klen, const char *val, size_t vlen) {
    ckpt_acc_t *acc = ctx;
    if (acc->n == acc->cap) {
        acc->cap = acc->cap ? acc->cap * 2 : 8;
        acc->v = realloc(acc->v, acc->cap * sizeof *acc->v);
        if (!acc->v) abort();
    }
    tckpt_t *c = &acc->v[acc->n];
    memset(c, 0, sizeof *c);
    size_t idl = klen - acc->prefix;
    if (idl > SW_SHARD_ID_LEN) idl = SW_SHARD_ID_LEN;
    memcpy(c->shard_id, key + acc->prefix, idl);
    char text[64];
    size_t tl = vlen < sizeof text - 1 ? vlen : sizeof text - 1;
    memcpy(text, val, tl);
    text[tl] = 0;
    c->next = strtoull(text, NULL, 10);
    c->closed = strstr(text, "closed") != NULL;
    acc->n++;
    return 0;
}

int trig__ckpt_list(ddb_engine_t *e, const char *uuid, tckpt_t **out, size_t *n, ddb_error_t *err) {
    char prefix[64];
    size_t pl = ckpt_key(prefix, sizeof prefix, uuid, NULL);
    ckpt_acc_t acc = {.prefix = pl};
    int rc = ddb_kv_scan(e, DDB_KV_CHECKPOINTS, prefix, pl, collect, &acc, err);
    if (rc) {
        free(acc.v);
        return rc;
    }
    *out = acc.v;
    *n = acc.n;
    return 0;
}

int trig__ckpt_delete_all(ddb_engine_t *e, const char *uuid, ddb_error_t *err) {
    tckpt_t *v;
    size_t n;
    int rc = trig__ckpt_list(e, uuid, &v, &n, err);
    if (rc) return rc;
    for (size_t i = 0; i < n && !rc; i++) {
        char key[128];
        size_t kl = ckpt_key(key, sizeof key, uuid, v[i].shard_id);
        rc = ddb_kv_delete(e, DDB_KV_CHECKPOINTS, key, kl, err);
    }
    free(v);
    return rc;
}
