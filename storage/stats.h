/* stats.h: per-table and per-index statistics (item count, total size):
 * the stats column family, the engine's cache of it, and the statistics
 * delta of one write batch. Internal to storage/. */
#ifndef DDB_STORAGE_STATS_H
#define DDB_STORAGE_STATS_H

#include "storage/engine.h"

/* Statistics changed by one batch, applied to the cache once the batch is
 * written (the caller holds the writer). Grows with the batch: the first
 * slots are inline, so the common write allocates nothing; a batch over
 * many tables and indexes spills to the heap. Not movable once in use
 * (v may point at inl). */
#define DDB__DELTA_INLINE 16
typedef struct stats_delta {
    table_stats_t *v;
    size_t n, cap;
    table_stats_t inl[DDB__DELTA_INLINE];
} stats_delta_t;

void ddb__delta_init(stats_delta_t *d);
void ddb__delta_free(stats_delta_t *d);

/* The delta's entry for id (started from the cached statistics), in *out,
 * valid until the next ddb__delta_get on d. */
int ddb__delta_get(rk_engine_t *e, stats_delta_t *d, uint32_t id, table_stats_t **out,
                   ddb_error_t *err);

/* Adds a zero entry for a new id (a new table or index). */
void ddb__delta_zero(stats_delta_t *d, uint32_t id);

/* Puts every entry of d into wb. */
void ddb__delta_put(rk_engine_t *e, rocksdb_writebatch_t *wb, const stats_delta_t *d);

/* After wb was written: the cache takes d's values. */
void ddb__delta_apply(rk_engine_t *e, const stats_delta_t *d);

/* Drops an id's cached statistics (its table or index was deleted). */
void ddb__stats_forget(rk_engine_t *e, uint32_t id);

/* Fills t's and its indexes' item_count and size_bytes from the cache,
 * without the writer. */
int ddb__stats_read(rk_engine_t *e, ddb_table_info_t *t, ddb_error_t *err);

#endif
