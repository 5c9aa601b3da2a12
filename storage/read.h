/* read.h: point reads of items by encoded key. Internal to storage/. */
#ifndef DDB_STORAGE_READ_H
#define DDB_STORAGE_READ_H

#include "storage/engine.h"
#include "storage/keyrange.h"

/* Reads one item by encoded key with ro into a (*out NULL when absent). */
int ddb__read_item(rk_engine_t *e, const rocksdb_readoptions_t *ro, const bytes_t *k,
                   ddb_arena_t *a, const ddb_value_t **out, ddb_error_t *err);

#endif
