/* kv.c: the server's own durable records (ddb_kv_*): small values under a
 * namespace byte and a key, kept in the catalog column family beside the
 * tables, e.g. event-source mappings and their checkpoints. Never touches
 * item, index or stream data; a write is in the WAL before it returns. */
#include <stdlib.h>
#include <string.h>

#include "storage/codec.h"
#include "storage/commit.h"
#include "storage/engine.h"

/* Outside the 't' and 'b' ranges that the table and backfill scans walk,
 * and after the "\x01..." singletons. */
#define KV_PREFIX 0x02

static void kv_key(bytes_t *k, uint8_t ns, const void *key, size_t klen) {
    bytes_putc(k, KV_PREFIX);
    bytes_putc(k, ns);
    bytes_put(k, key, klen);
}

int rk_kv_get(rk_engine_t *e, uint8_t ns, const void *key, size_t klen, ddb_arena_t *a, char **val,
              size_t *vlen, ddb_error_t *err) {
    bytes_t k = {0};
    kv_key(&k, ns, key, klen);
    char *v;
    size_t vl;
    int rc = ddb__get(e, e->ro, CF_CATALOG, k.p, k.len, &v, &vl, err);
    bytes_free(&k);
    *val = NULL;
    *vlen = 0;
    if (rc || !v) return rc;
    *val = ddb_arena_alloc(a, vl + 1);
    memcpy(*val, v, vl);
    (*val)[vl] = 0;
    *vlen = vl;
    free(v);
    return 0;
}

/* One put (val non-NULL) or delete, through the writer and the commit path
 * (in the WAL, fsynced with sync, before the caller acts on it). */
static int kv_write(rk_engine_t *e, uint8_t ns, const void *key, size_t klen, const void *val,
                    size_t vlen, bool flush, ddb_error_t *err) {
    bytes_t k = {0};
    kv_key(&k, ns, key, klen);
    rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
    if (val) {
        rocksdb_writebatch_put_cf(wb, e->cf[CF_CATALOG], (const char *)k.p, k.len, val, vlen);
    } else {
        rocksdb_writebatch_delete_cf(wb, e->cf[CF_CATALOG], (const char *)k.p, k.len);
    }
    bytes_free(&k);
    pthread_mutex_lock(&e->writer);
    int rc = ddb__write_batch(e, wb, err);
    pthread_mutex_unlock(&e->writer);
    return rc || !flush ? rc : rk_commit(e, err);
}

int rk_kv_put(rk_engine_t *e, uint8_t ns, const void *key, size_t klen, const void *val,
              size_t vlen, ddb_error_t *err) {
    return kv_write(e, ns, key, klen, val ? val : "", vlen, true, err);
}

int rk_kv_put_lazy(rk_engine_t *e, uint8_t ns, const void *key, size_t klen, const void *val,
                   size_t vlen, ddb_error_t *err) {
    return kv_write(e, ns, key, klen, val ? val : "", vlen, false, err);
}

int rk_kv_delete(rk_engine_t *e, uint8_t ns, const void *key, size_t klen, ddb_error_t *err) {
    return kv_write(e, ns, key, klen, NULL, 0, true, err);
}

int rk_kv_scan(rk_engine_t *e, uint8_t ns, const void *prefix, size_t plen, ddb_kv_fn fn, void *ctx,
               ddb_error_t *err) {
    bytes_t k = {0};
    kv_key(&k, ns, prefix, plen);
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(e->db, e->ro, e->cf[CF_CATALOG]);
    for (rocksdb_iter_seek(it, (const char *)k.p, k.len); rocksdb_iter_valid(it);
         rocksdb_iter_next(it)) {
        size_t kl, vl;
        const char *key = rocksdb_iter_key(it, &kl);
        if (kl < k.len || memcmp(key, k.p, k.len) != 0) break;
        const char *v = rocksdb_iter_value(it, &vl);
        if (fn(ctx, key + 2, kl - 2, v, vl)) break;
    }
    int rc = ddb__iter_status(it, err);
    rocksdb_iter_destroy(it);
    bytes_free(&k);
    return rc;
}
