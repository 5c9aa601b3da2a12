/* check.h: the consistency checker's parts (ddb_check is in check.c).
 * Internal to storage/. */
#ifndef DDB_STORAGE_CHECK_H
#define DDB_STORAGE_CHECK_H

#include "storage/engine.h"

/* Checks every stream read with ro (a snapshot; caller holds the writer):
 * shard layout, record order and decoding, and for a table's current
 * stream with new images, that they agree with the table. */
int ddb__check_streams(rk_engine_t *e, const rocksdb_readoptions_t *ro, ddb_error_t *err);

#endif
