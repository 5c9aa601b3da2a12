/* rx.h: the Redis Cluster backend's entry points (ddbd --store
 * redis-cluster://...): ddb.h's functions under the rx_ prefix, on the
 * backend's own engine and iterator types; storage/engine_api.c hands ddb.h's
 * calls to them. Their documentation is ddb.h's; where this backend differs
 * (what it does not support yet, its consistency) the function says so in
 * rx_*.c. Internal to storage/. */
#ifndef DDB_STORAGE_RX_H
#define DDB_STORAGE_RX_H

#include "storage/ddb.h"

typedef struct rx_engine rx_engine_t;
typedef struct rx_iter rx_iter_t;

int rx_open(const ddb_engine_opts_t *opts, rx_engine_t **out, ddb_error_t *err);
const char *rx_read_only(rx_engine_t *e);
int rx_commit(rx_engine_t *e, ddb_error_t *err);
int rx_commit_round(rx_engine_t *e, uint64_t *mark, ddb_error_t *err);
int rx_secret(rx_engine_t *e, uint8_t out[DDB_SECRET_LEN], ddb_error_t *err);
void rx_close(rx_engine_t *e);
int rx_table_create(rx_engine_t *e, ddb_table_info_t *info, ddb_error_t *err);
int rx_table_get(rx_engine_t *e, const char *name, size_t len, ddb_arena_t *a,
                 ddb_table_info_t *out, ddb_error_t *err);
int rx_table_set_meta(rx_engine_t *e, const char *name, size_t len, const ddb_value_t *meta,
                      ddb_error_t *err);
int rx_index_add(rx_engine_t *e, const char *table, size_t len, ddb_index_info_t *ix,
                 const ddb_value_t *meta, ddb_error_t *err);
int rx_index_drop(rx_engine_t *e, const char *table, size_t len, const char *index,
                  size_t index_len, const ddb_value_t *meta, ddb_error_t *err);
int rx_ttl_set(rx_engine_t *e, const char *table, size_t len, const char *attr, size_t attr_len,
               ddb_error_t *err);
int rx_stream_set(rx_engine_t *e, const char *table, size_t len, ddb_stream_view_t view,
                  const ddb_value_t *meta, ddb_error_t *err);
int rx_table_delete(rx_engine_t *e, const char *name, size_t len, ddb_error_t *err);
int rx_table_list(rx_engine_t *e, const char *after, size_t after_len, size_t limit, ddb_arena_t *a,
                  const char ***names, size_t **lens, size_t *count, bool *more, ddb_error_t *err);
int rx_item_write(rx_engine_t *e, const ddb_table_info_t *t, const ddb_value_t *key,
                  ddb_mutate_fn fn, void *ctx, ddb_arena_t *a, ddb_error_t *err);
int rx_write_all(rx_engine_t *e, ddb_write_t *ops, size_t n, ddb_arena_t *a, ddb_error_t *err);
int rx_write_all_once(rx_engine_t *e, ddb_write_t *ops, size_t n, const ddb_token_t *token,
                      bool *replayed, ddb_arena_t *a, ddb_error_t *err);
int rx_read_all(rx_engine_t *e, const ddb_table_info_t *const *tables,
                const ddb_value_t *const *keys, size_t n, ddb_arena_t *a, const ddb_value_t **out,
                ddb_error_t *err);
int rx_item_get(rx_engine_t *e, const ddb_table_info_t *t, const ddb_value_t *key, ddb_arena_t *a,
                const ddb_value_t **out, ddb_error_t *err);
int rx_iter_scan(rx_engine_t *e, const ddb_table_info_t *t, const ddb_index_info_t *index,
                 const ddb_value_t *start_after, uint32_t segment, uint32_t total, rx_iter_t **out,
                 ddb_error_t *err);
int rx_iter_query(rx_engine_t *e, const ddb_table_info_t *t, const ddb_index_info_t *index,
                  const ddb_key_range_t *range, const ddb_value_t *start_after, bool reverse,
                  rx_iter_t **out, ddb_error_t *err);
int rx_iter_next(rx_iter_t *it, ddb_arena_t *a, const ddb_value_t **item, ddb_error_t *err);
void rx_iter_destroy(rx_iter_t *it);
int rx_stream_list(rx_engine_t *e, ddb_arena_t *a, ddb_stream_desc_t **out, size_t *n,
                   ddb_error_t *err);
int rx_stream_shards(rx_engine_t *e, uint32_t stream, ddb_arena_t *a, ddb_shard_t **out, size_t *n,
                     uint64_t *trim, ddb_error_t *err);
int rx_stream_read(rx_engine_t *e, uint32_t stream, uint32_t shard, uint64_t from, size_t limit,
                   size_t max_bytes, ddb_arena_t *a, ddb_stream_record_t **out, size_t *n,
                   uint64_t *next, bool *done, ddb_error_t *err);
int rx_kv_get(rx_engine_t *e, uint8_t ns, const void *key, size_t klen, ddb_arena_t *a, char **val,
              size_t *vlen, ddb_error_t *err);
int rx_kv_put(rx_engine_t *e, uint8_t ns, const void *key, size_t klen, const void *val,
              size_t vlen, ddb_error_t *err);
int rx_kv_delete(rx_engine_t *e, uint8_t ns, const void *key, size_t klen, ddb_error_t *err);
int rx_kv_put_lazy(rx_engine_t *e, uint8_t ns, const void *key, size_t klen, const void *val,
                   size_t vlen, ddb_error_t *err);
int rx_kv_scan(rx_engine_t *e, uint8_t ns, const void *prefix, size_t plen, ddb_kv_fn fn, void *ctx,
               ddb_error_t *err);
uint64_t rx_stream_latest(rx_engine_t *e);
int rx_stream_wait(rx_engine_t *e, uint64_t after, int timeout_ms);
void rx_engine_stats(rx_engine_t *e, ddb_engine_stats_t *out);
int rx_backup_create(rx_engine_t *e, const char *table, size_t len, const char *name,
                     size_t name_len, ddb_arena_t *a, ddb_backup_info_t *out, ddb_error_t *err);
int rx_backup_get(rx_engine_t *e, const char *id, size_t id_len, ddb_arena_t *a,
                  ddb_backup_info_t *out, ddb_error_t *err);
int rx_backup_list(rx_engine_t *e, const char *after, size_t after_len, ddb_backup_fn fn, void *ctx,
                   ddb_error_t *err);
int rx_backup_delete(rx_engine_t *e, const char *id, size_t id_len, ddb_arena_t *a,
                     ddb_backup_info_t *out, ddb_error_t *err);
int rx_backup_restore(rx_engine_t *e, const char *id, size_t id_len, ddb_table_info_t *target,
                      ddb_error_t *err);
int rx_pitr_set(rx_engine_t *e, const char *table, size_t len, bool enabled, uint32_t period_days,
                ddb_error_t *err);
void rx_pitr_window(rx_engine_t *e, const ddb_table_info_t *t, int64_t *earliest_ms,
                    int64_t *latest_ms);
int rx_pitr_restore(rx_engine_t *e, const char *source, size_t len, int64_t at_ms,
                    ddb_table_info_t *target, ddb_error_t *err);
int rx_checkpoint(rx_engine_t *e, const char *dir, ddb_error_t *err);
int rx_check(rx_engine_t *e, ddb_error_t *err);

#endif
