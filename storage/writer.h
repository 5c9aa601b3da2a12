/* writer.h: the single writer's batch assembly and commit. Every mutation
 * holds e->writer while it assembles a batch and commits it through
 * ddb__commit_batch (or drops it with ddb__abandon_batch), which keeps the
 * caches (catalog, statistics, stream state) and the stream watermark in
 * step with what was written. Internal to storage/. */
#ifndef DDB_STORAGE_WRITER_H
#define DDB_STORAGE_WRITER_H

#include "storage/engine.h"
#include "storage/stats.h"

/* Adds one item change (old -> next, either may be NULL) of table t (the
 * catalog's current record) to wb: the item, its index entries, its stream
 * record, and their statistics in d. by_ttl marks a deletion by the TTL
 * sweeper. On failure the batch must be abandoned. */
int ddb__batch_item(rk_engine_t *e, rocksdb_writebatch_t *wb, const ddb_table_info_t *t,
                    const bytes_t *k, const ddb_value_t *old, const ddb_value_t *next,
                    stats_delta_t *d, bool by_ttl, ddb_error_t *err);

/* Adds d's statistics (d may be NULL) to wb and writes it (destroying wb).
 * Written: the statistics cache takes d, the catalog cache is dropped if
 * the batch changed the catalog, and the batch's stream records are
 * published. Not written: the stream cache is reset (its records did not
 * happen). */
int ddb__commit_batch(rk_engine_t *e, rocksdb_writebatch_t *wb, const stats_delta_t *d,
                      ddb_error_t *err);

/* Destroys a batch that will not be written, undoing what its assembly
 * did to the caches. */
void ddb__abandon_batch(rk_engine_t *e, rocksdb_writebatch_t *wb);

#endif
