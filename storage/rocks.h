/* rocks.h: the RocksDB backend's entry points (the embedded default store):
 * ddb.h's functions under the rk_ prefix, on the backend's own engine and
 * iterator types; storage/engine_api.c hands ddb.h's calls to them. Their
 * documentation is ddb.h's. Internal to storage/ (and the storage tests that
 * reach into RocksDB: ddb__rocks). */
#ifndef DDB_STORAGE_ROCKS_H
#define DDB_STORAGE_ROCKS_H

#include "storage/ddb.h"

typedef struct rk_engine rk_engine_t;
typedef struct rk_iter rk_iter_t;

/* The RocksDB engine behind e (NULL when e runs on another backend). */
rk_engine_t *ddb__rocks(ddb_engine_t *e);

int rk_open(const ddb_engine_opts_t *opts, rk_engine_t **out, ddb_error_t *err);
const char *rk_read_only(rk_engine_t *e);
int rk_commit(rk_engine_t *e, ddb_error_t *err);
int rk_commit_round(rk_engine_t *e, uint64_t *mark, ddb_error_t *err);
int rk_secret(rk_engine_t *e, uint8_t out[DDB_SECRET_LEN], ddb_error_t *err);
void rk_close(rk_engine_t *e);
int rk_table_create(rk_engine_t *e, ddb_table_info_t *info, ddb_error_t *err);
int rk_table_get(rk_engine_t *e, const char *name, size_t len, ddb_arena_t *a,
                 ddb_table_info_t *out, ddb_error_t *err);
int rk_table_set_meta(rk_engine_t *e, const char *name, size_t len, const ddb_value_t *meta,
                      ddb_error_t *err);
int rk_index_add(rk_engine_t *e, const char *table, size_t len, ddb_index_info_t *ix,
                 const ddb_value_t *meta, ddb_error_t *err);
int rk_index_drop(rk_engine_t *e, const char *table, size_t len, const char *index,
                  size_t index_len, const ddb_value_t *meta, ddb_error_t *err);
int rk_ttl_set(rk_engine_t *e, const char *table, size_t len, const char *attr, size_t attr_len,
               ddb_error_t *err);
int rk_stream_set(rk_engine_t *e, const char *table, size_t len, ddb_stream_view_t view,
                  const ddb_value_t *meta, ddb_error_t *err);
int rk_table_delete(rk_engine_t *e, const char *name, size_t len, ddb_error_t *err);
int rk_table_list(rk_engine_t *e, const char *after, size_t after_len, size_t limit, ddb_arena_t *a,
                  const char ***names, size_t **lens, size_t *count, bool *more, ddb_error_t *err);
int rk_item_write(rk_engine_t *e, const ddb_table_info_t *t, const ddb_value_t *key,
                  ddb_mutate_fn fn, void *ctx, ddb_arena_t *a, ddb_error_t *err);
int rk_write_all(rk_engine_t *e, ddb_write_t *ops, size_t n, ddb_arena_t *a, ddb_error_t *err);
int rk_write_all_once(rk_engine_t *e, ddb_write_t *ops, size_t n, const ddb_token_t *token,
                      bool *replayed, ddb_arena_t *a, ddb_error_t *err);
int rk_read_all(rk_engine_t *e, const ddb_table_info_t *const *tables,
                const ddb_value_t *const *keys, size_t n, ddb_arena_t *a, const ddb_value_t **out,
                ddb_error_t *err);
int rk_item_get(rk_engine_t *e, const ddb_table_info_t *t, const ddb_value_t *key, ddb_arena_t *a,
                const ddb_value_t **out, ddb_error_t *err);
int rk_iter_scan(rk_engine_t *e, const ddb_table_info_t *t, const ddb_index_info_t *index,
                 const ddb_value_t *start_after, uint32_t segment, uint32_t total, rk_iter_t **out,
                 ddb_error_t *err);
int rk_iter_query(rk_engine_t *e, const ddb_table_info_t *t, const ddb_index_info_t *index,
                  const ddb_key_range_t *range, const ddb_value_t *start_after, bool reverse,
                  rk_iter_t **out, ddb_error_t *err);
int rk_iter_next(rk_iter_t *it, ddb_arena_t *a, const ddb_value_t **item, ddb_error_t *err);
void rk_iter_destroy(rk_iter_t *it);
int rk_stream_list(rk_engine_t *e, ddb_arena_t *a, ddb_stream_desc_t **out, size_t *n,
                   ddb_error_t *err);
int rk_stream_shards(rk_engine_t *e, uint32_t stream, ddb_arena_t *a, ddb_shard_t **out, size_t *n,
                     uint64_t *trim, ddb_error_t *err);
int rk_stream_read(rk_engine_t *e, uint32_t stream, uint32_t shard, uint64_t from, size_t limit,
                   size_t max_bytes, ddb_arena_t *a, ddb_stream_record_t **out, size_t *n,
                   uint64_t *next, bool *done, ddb_error_t *err);
int rk_kv_get(rk_engine_t *e, uint8_t ns, const void *key, size_t klen, ddb_arena_t *a, char **val,
              size_t *vlen, ddb_error_t *err);
int rk_kv_put(rk_engine_t *e, uint8_t ns, const void *key, size_t klen, const void *val,
              size_t vlen, ddb_error_t *err);
int rk_kv_delete(rk_engine_t *e, uint8_t ns, const void *key, size_t klen, ddb_error_t *err);
int rk_kv_put_lazy(rk_engine_t *e, uint8_t ns, const void *key, size_t klen, const void *val,
                   size_t vlen, ddb_error_t *err);
int rk_kv_scan(rk_engine_t *e, uint8_t ns, const void *prefix, size_t plen, ddb_kv_fn fn, void *ctx,
               ddb_error_t *err);
uint64_t rk_stream_latest(rk_engine_t *e);
int rk_stream_wait(rk_engine_t *e, uint64_t after, int timeout_ms);
void rk_engine_stats(rk_engine_t *e, ddb_engine_stats_t *out);
int rk_backup_create(rk_engine_t *e, const char *table, size_t len, const char *name,
                     size_t name_len, ddb_arena_t *a, ddb_backup_info_t *out, ddb_error_t *err);
int rk_backup_get(rk_engine_t *e, const char *id, size_t id_len, ddb_arena_t *a,
                  ddb_backup_info_t *out, ddb_error_t *err);
int rk_backup_list(rk_engine_t *e, const char *after, size_t after_len, ddb_backup_fn fn, void *ctx,
                   ddb_error_t *err);
int rk_backup_delete(rk_engine_t *e, const char *id, size_t id_len, ddb_arena_t *a,
                     ddb_backup_info_t *out, ddb_error_t *err);
int rk_backup_restore(rk_engine_t *e, const char *id, size_t id_len, ddb_table_info_t *target,
                      ddb_error_t *err);
int rk_pitr_set(rk_engine_t *e, const char *table, size_t len, bool enabled, uint32_t period_days,
                ddb_error_t *err);
void rk_pitr_window(rk_engine_t *e, const ddb_table_info_t *t, int64_t *earliest_ms,
                    int64_t *latest_ms);
int rk_pitr_restore(rk_engine_t *e, const char *source, size_t len, int64_t at_ms,
                    ddb_table_info_t *target, ddb_error_t *err);
int rk_checkpoint(rk_engine_t *e, const char *dir, ddb_error_t *err);
int rk_check(rk_engine_t *e, ddb_error_t *err);

#endif
