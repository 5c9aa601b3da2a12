/* ttl.h: the TTL sweeper (run by the maintenance thread). Internal. */
#ifndef DDB_STORAGE_TTL_H
#define DDB_STORAGE_TTL_H

#include "storage/engine.h"

/* Deletes expired items of every table with TTL on (bounded work per table
 * per call). Takes the writer itself, a group of items at a time. */
int ddb__ttl_sweep(rk_engine_t *e, int64_t now_ms, ddb_error_t *err);

#endif
