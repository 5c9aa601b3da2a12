/* engine_api.c: ddb.h's entry points. Each hands its call to the backend
 * the engine was opened on: RocksDB (storage/rocks.h, the embedded default)
 * or the Redis Cluster (storage/redis/rx.h, opts.cluster); nothing here
 * knows more of a backend than its entry points. */
#include <stdlib.h>

#include "storage/redis/rx.h"
#include "storage/rocks.h"

/* Exactly one of the two is set. */
struct ddb_engine {
    rk_engine_t *rocks;
    rx_engine_t *redis;
};

struct ddb_iter {
    rk_iter_t *rocks;
    rx_iter_t *redis;
};

rk_engine_t *ddb__rocks(ddb_engine_t *e) {
    return e ? e->rocks : NULL;
}

int ddb_open(const ddb_engine_opts_t *opts, ddb_engine_t **out, ddb_error_t *err) {
    *out = NULL;
    ddb_engine_t *e = calloc(1, sizeof *e);
    if (!e) return ddb_error_set(err, DDB_ERR_INTERNAL, "out of memory");
    int rc = opts->cluster ? rx_open(opts, &e->redis, err) : rk_open(opts, &e->rocks, err);
    if (rc) {
        free(e);
        return rc;
    }
    *out = e;
    return 0;
}

const char *ddb_read_only(ddb_engine_t *e) {
    return e->rocks ? rk_read_only(e->rocks) : rx_read_only(e->redis);
}

int ddb_commit(ddb_engine_t *e, ddb_error_t *err) {
    return e->rocks ? rk_commit(e->rocks, err) : rx_commit(e->redis, err);
}

int ddb_commit_round(ddb_engine_t *e, uint64_t *mark, ddb_error_t *err) {
    return e->rocks ? rk_commit_round(e->rocks, mark, err) : rx_commit_round(e->redis, mark, err);
}

int ddb_secret(ddb_engine_t *e, uint8_t out[DDB_SECRET_LEN], ddb_error_t *err) {
    return e->rocks ? rk_secret(e->rocks, out, err) : rx_secret(e->redis, out, err);
}

void ddb_close(ddb_engine_t *e) {
    if (!e) return;
    if (e->rocks)
        rk_close(e->rocks);
    else
        rx_close(e->redis);
    free(e);
}

int ddb_table_create(ddb_engine_t *e, ddb_table_info_t *info, ddb_error_t *err) {
    return e->rocks ? rk_table_create(e->rocks, info, err) : rx_table_create(e->redis, info, err);
}

int ddb_table_get(ddb_engine_t *e, const char *name, size_t len, ddb_arena_t *a,
                  ddb_table_info_t *out, ddb_error_t *err) {
    return e->rocks ? rk_table_get(e->rocks, name, len, a, out, err)
                    : rx_table_get(e->redis, name, len, a, out, err);
}

int ddb_table_set_meta(ddb_engine_t *e, const char *name, size_t len, const ddb_value_t *meta,
                       ddb_error_t *err) {
    return e->rocks ? rk_table_set_meta(e->rocks, name, len, meta, err)
                    : rx_table_set_meta(e->redis, name, len, meta, err);
}

int ddb_index_add(ddb_engine_t *e, const char *table, size_t len, ddb_index_info_t *ix,
                  const ddb_value_t *meta, ddb_error_t *err) {
    return e->rocks ? rk_index_add(e->rocks, table, len, ix, meta, err)
                    : rx_index_add(e->redis, table, len, ix, meta, err);
}

int ddb_index_drop(ddb_engine_t *e, const char *table, size_t len, const char *index,
                   size_t index_len, const ddb_value_t *meta, ddb_error_t *err) {
    return e->rocks ? rk_index_drop(e->rocks, table, len, index, index_len, meta, err)
                    : rx_index_drop(e->redis, table, len, index, index_len, meta, err);
}

int ddb_ttl_set(ddb_engine_t *e, const char *table, size_t len, const char *attr, size_t attr_len,
                ddb_error_t *err) {
    return e->rocks ? rk_ttl_set(e->rocks, table, len, attr, attr_len, err)
                    : rx_ttl_set(e->redis, table, len, attr, attr_len, err);
}

int ddb_stream_set(ddb_engine_t *e, const char *table, size_t len, ddb_stream_view_t view,
                   const ddb_value_t *meta, ddb_error_t *err) {
    return e->rocks ? rk_stream_set(e->rocks, table, len, view, meta, err)
                    : rx_stream_set(e->redis, table, len, view, meta, err);
}

int ddb_table_delete(ddb_engine_t *e, const char *name, size_t len, ddb_error_t *err) {
    return e->rocks ? rk_table_delete(e->rocks, name, len, err)
                    : rx_table_delete(e->redis, name, len, err);
}

int ddb_table_list(ddb_engine_t *e, const char *after, size_t after_len, size_t limit,
                   ddb_arena_t *a, const char ***names, size_t **lens, size_t *count, bool *more,
                   ddb_error_t *err) {
    return e->rocks
               ? rk_table_list(e->rocks, after, after_len, limit, a, names, lens, count, more, err)
               : rx_table_list(e->redis, after, after_len, limit, a, names, lens, count, more, err);
}

int ddb_item_write(ddb_engine_t *e, const ddb_table_info_t *t, const ddb_value_t *key,
                   ddb_mutate_fn fn, void *ctx, ddb_arena_t *a, ddb_error_t *err) {
    return e->rocks ? rk_item_write(e->rocks, t, key, fn, ctx, a, err)
                    : rx_item_write(e->redis, t, key, fn, ctx, a, err);
}

int ddb_write_all(ddb_engine_t *e, ddb_write_t *ops, size_t n, ddb_arena_t *a, ddb_error_t *err) {
    return e->rocks ? rk_write_all(e->rocks, ops, n, a, err)
                    : rx_write_all(e->redis, ops, n, a, err);
}

int ddb_write_all_once(ddb_engine_t *e, ddb_write_t *ops, size_t n, const ddb_token_t *token,
                       bool *replayed, ddb_arena_t *a, ddb_error_t *err) {
    return e->rocks ? rk_write_all_once(e->rocks, ops, n, token, replayed, a, err)
                    : rx_write_all_once(e->redis, ops, n, token, replayed, a, err);
}

int ddb_read_all(ddb_engine_t *e, const ddb_table_info_t *const *tables,
                 const ddb_value_t *const *keys, size_t n, ddb_arena_t *a, const ddb_value_t **out,
                 ddb_error_t *err) {
    return e->rocks ? rk_read_all(e->rocks, tables, keys, n, a, out, err)
                    : rx_read_all(e->redis, tables, keys, n, a, out, err);
}

int ddb_item_get(ddb_engine_t *e, const ddb_table_info_t *t, const ddb_value_t *key, ddb_arena_t *a,
                 const ddb_value_t **out, ddb_error_t *err) {
    return e->rocks ? rk_item_get(e->rocks, t, key, a, out, err)
                    : rx_item_get(e->redis, t, key, a, out, err);
}

int ddb_iter_scan(ddb_engine_t *e, const ddb_table_info_t *t, const ddb_index_info_t *index,
                  const ddb_value_t *start_after, uint32_t segment, uint32_t total,
                  ddb_iter_t **out, ddb_error_t *err) {
    *out = NULL;
    ddb_iter_t *it = calloc(1, sizeof *it);
    if (!it) return ddb_error_set(err, DDB_ERR_INTERNAL, "out of memory");
    int rc = e->rocks
                 ? rk_iter_scan(e->rocks, t, index, start_after, segment, total, &it->rocks, err)
                 : rx_iter_scan(e->redis, t, index, start_after, segment, total, &it->redis, err);
    if (rc) {
        free(it);
        return rc;
    }
    *out = it;
    return 0;
}

int ddb_iter_query(ddb_engine_t *e, const ddb_table_info_t *t, const ddb_index_info_t *index,
                   const ddb_key_range_t *range, const ddb_value_t *start_after, bool reverse,
                   ddb_iter_t **out, ddb_error_t *err) {
    *out = NULL;
    ddb_iter_t *it = calloc(1, sizeof *it);
    if (!it) return ddb_error_set(err, DDB_ERR_INTERNAL, "out of memory");
    int rc = e->rocks
                 ? rk_iter_query(e->rocks, t, index, range, start_after, reverse, &it->rocks, err)
                 : rx_iter_query(e->redis, t, index, range, start_after, reverse, &it->redis, err);
    if (rc) {
        free(it);
        return rc;
    }
    *out = it;
    return 0;
}

int ddb_iter_next(ddb_iter_t *it, ddb_arena_t *a, const ddb_value_t **item, ddb_error_t *err) {
    return it->rocks ? rk_iter_next(it->rocks, a, item, err)
                     : rx_iter_next(it->redis, a, item, err);
}

void ddb_iter_destroy(ddb_iter_t *it) {
    if (!it) return;
    if (it->rocks)
        rk_iter_destroy(it->rocks);
    else
        rx_iter_destroy(it->redis);
    free(it);
}

int ddb_stream_list(ddb_engine_t *e, ddb_arena_t *a, ddb_stream_desc_t **out, size_t *n,
                    ddb_error_t *err) {
    return e->rocks ? rk_stream_list(e->rocks, a, out, n, err)
                    : rx_stream_list(e->redis, a, out, n, err);
}

int ddb_stream_shards(ddb_engine_t *e, uint32_t stream, ddb_arena_t *a, ddb_shard_t **out,
                      size_t *n, uint64_t *trim, ddb_error_t *err) {
    return e->rocks ? rk_stream_shards(e->rocks, stream, a, out, n, trim, err)
                    : rx_stream_shards(e->redis, stream, a, out, n, trim, err);
}

int ddb_stream_read(ddb_engine_t *e, uint32_t stream, uint32_t shard, uint64_t from, size_t limit,
                    size_t max_bytes, ddb_arena_t *a, ddb_stream_record_t **out, size_t *n,
                    uint64_t *next, bool *done, ddb_error_t *err) {
    return e->rocks ? rk_stream_read(e->rocks, stream, shard, from, limit, max_bytes, a, out, n,
                                     next, done, err)
                    : rx_stream_read(e->redis, stream, shard, from, limit, max_bytes, a, out, n,
                                     next, done, err);
}

int ddb_kv_get(ddb_engine_t *e, uint8_t ns, const void *key, size_t klen, ddb_arena_t *a,
               char **val, size_t *vlen, ddb_error_t *err) {
    return e->rocks ? rk_kv_get(e->rocks, ns, key, klen, a, val, vlen, err)
                    : rx_kv_get(e->redis, ns, key, klen, a, val, vlen, err);
}

int ddb_kv_put(ddb_engine_t *e, uint8_t ns, const void *key, size_t klen, const void *val,
               size_t vlen, ddb_error_t *err) {
    return e->rocks ? rk_kv_put(e->rocks, ns, key, klen, val, vlen, err)
                    : rx_kv_put(e->redis, ns, key, klen, val, vlen, err);
}

int ddb_kv_delete(ddb_engine_t *e, uint8_t ns, const void *key, size_t klen, ddb_error_t *err) {
    return e->rocks ? rk_kv_delete(e->rocks, ns, key, klen, err)
                    : rx_kv_delete(e->redis, ns, key, klen, err);
}

int ddb_kv_put_lazy(ddb_engine_t *e, uint8_t ns, const void *key, size_t klen, const void *val,
                    size_t vlen, ddb_error_t *err) {
    return e->rocks ? rk_kv_put_lazy(e->rocks, ns, key, klen, val, vlen, err)
                    : rx_kv_put_lazy(e->redis, ns, key, klen, val, vlen, err);
}

int ddb_kv_scan(ddb_engine_t *e, uint8_t ns, const void *prefix, size_t plen, ddb_kv_fn fn,
                void *ctx, ddb_error_t *err) {
    return e->rocks ? rk_kv_scan(e->rocks, ns, prefix, plen, fn, ctx, err)
                    : rx_kv_scan(e->redis, ns, prefix, plen, fn, ctx, err);
}

uint64_t ddb_stream_latest(ddb_engine_t *e) {
    return e->rocks ? rk_stream_latest(e->rocks) : rx_stream_latest(e->redis);
}

int ddb_stream_wait(ddb_engine_t *e, uint64_t after, int timeout_ms) {
    return e->rocks ? rk_stream_wait(e->rocks, after, timeout_ms)
                    : rx_stream_wait(e->redis, after, timeout_ms);
}

void ddb_engine_stats(ddb_engine_t *e, ddb_engine_stats_t *out) {
    if (e->rocks)
        rk_engine_stats(e->rocks, out);
    else
        rx_engine_stats(e->redis, out);
}

int ddb_backup_create(ddb_engine_t *e, const char *table, size_t len, const char *name,
                      size_t name_len, ddb_arena_t *a, ddb_backup_info_t *out, ddb_error_t *err) {
    return e->rocks ? rk_backup_create(e->rocks, table, len, name, name_len, a, out, err)
                    : rx_backup_create(e->redis, table, len, name, name_len, a, out, err);
}

int ddb_backup_get(ddb_engine_t *e, const char *id, size_t id_len, ddb_arena_t *a,
                   ddb_backup_info_t *out, ddb_error_t *err) {
    return e->rocks ? rk_backup_get(e->rocks, id, id_len, a, out, err)
                    : rx_backup_get(e->redis, id, id_len, a, out, err);
}

int ddb_backup_list(ddb_engine_t *e, const char *after, size_t after_len, ddb_backup_fn fn,
                    void *ctx, ddb_error_t *err) {
    return e->rocks ? rk_backup_list(e->rocks, after, after_len, fn, ctx, err)
                    : rx_backup_list(e->redis, after, after_len, fn, ctx, err);
}

int ddb_backup_delete(ddb_engine_t *e, const char *id, size_t id_len, ddb_arena_t *a,
                      ddb_backup_info_t *out, ddb_error_t *err) {
    return e->rocks ? rk_backup_delete(e->rocks, id, id_len, a, out, err)
                    : rx_backup_delete(e->redis, id, id_len, a, out, err);
}

int ddb_backup_restore(ddb_engine_t *e, const char *id, size_t id_len, ddb_table_info_t *target,
                       ddb_error_t *err) {
    return e->rocks ? rk_backup_restore(e->rocks, id, id_len, target, err)
                    : rx_backup_restore(e->redis, id, id_len, target, err);
}

int ddb_pitr_set(ddb_engine_t *e, const char *table, size_t len, bool enabled, uint32_t period_days,
                 ddb_error_t *err) {
    return e->rocks ? rk_pitr_set(e->rocks, table, len, enabled, period_days, err)
                    : rx_pitr_set(e->redis, table, len, enabled, period_days, err);
}

void ddb_pitr_window(ddb_engine_t *e, const ddb_table_info_t *t, int64_t *earliest_ms,
                     int64_t *latest_ms) {
    if (e->rocks)
        rk_pitr_window(e->rocks, t, earliest_ms, latest_ms);
    else
        rx_pitr_window(e->redis, t, earliest_ms, latest_ms);
}

int ddb_pitr_restore(ddb_engine_t *e, const char *source, size_t len, int64_t at_ms,
                     ddb_table_info_t *target, ddb_error_t *err) {
    return e->rocks ? rk_pitr_restore(e->rocks, source, len, at_ms, target, err)
                    : rx_pitr_restore(e->redis, source, len, at_ms, target, err);
}

int ddb_checkpoint(ddb_engine_t *e, const char *dir, ddb_error_t *err) {
    return e->rocks ? rk_checkpoint(e->rocks, dir, err) : rx_checkpoint(e->redis, dir, err);
}

int ddb_check(ddb_engine_t *e, ddb_error_t *err) {
    return e->rocks ? rk_check(e->rocks, err) : rx_check(e->redis, err);
}
