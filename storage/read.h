/* read.h: point reads of items by encoded key. Internal to storage/. */
#ifndef DDB_STORAGE_READ_H
#define DDB_STORAGE_READ_H

#include "storage/engine.h"

/* Reads one item by encoded key with ro into a (*out NULL when absent). */
int ddb__read_item(rk_engine_t *e, const rocksdb_readoptions_t *ro, const bytes_t *k,
                   ddb_arena_t *a, const ddb_value_t **out, ddb_error_t *err);

/* Encodes t's item key of key into k; the schema mismatch message (and k
 * freed) when it does not fit. */
int ddb__item_key(bytes_t *k, const ddb_table_info_t *t, const ddb_value_t *key, ddb_error_t *err);

#endif
