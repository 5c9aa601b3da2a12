/* catalog.h: table records in the catalog column family, the catalog
 * cache, id allocation and the backfill cursors kept beside the records.
 * Internal to storage/. */
#ifndef DDB_STORAGE_CATALOG_H
#define DDB_STORAGE_CATALOG_H

#include "storage/engine.h"
#include "storage/stats.h"
#include "storage/tablerec.h"

/* Catalog keys: 't' + table name -> table record (the name as the server
 * gives it: region-qualified for a region other than the default one,
 * query/arn.h, so each region's tables are one run of keys); 'b' + index id BE32 ->
 * key of the last item the index's backfill has indexed; NEXT_ID_KEY -> the
 * id counter. */
#define DDB__TABLE_KEY_PREFIX    't'
#define DDB__BACKFILL_KEY_PREFIX 'b'

void ddb__cat_init(rk_engine_t *e);
void ddb__cat_destroy(rk_engine_t *e);

/* Calls fn for every table in the catalog, in name order, with its record
 * (in a per-table scratch arena, valid during the call); stops at the first
 * nonzero status and returns it. Tables deleted meanwhile are skipped.
 * Reads the catalog a page at a time; takes no lock itself (callers that
 * hold the writer may use it). */
typedef int (*ddb__table_fn)(rk_engine_t *e, const ddb_table_info_t *t, void *ctx,
                             ddb_error_t *err);
int ddb__each_table(rk_engine_t *e, ddb__table_fn fn, void *ctx, ddb_error_t *err);

/* The table record named name (decoded into a), from the cache or the
 * catalog; DDB_ERR_RESOURCE_NOT_FOUND when absent. */
int ddb__get_table_record(rk_engine_t *e, const char *name, size_t len, ddb_arena_t *a,
                          ddb_table_info_t *out, ddb_error_t *err);

/* Puts table record t (with meta) into wb and marks the batch as a catalog
 * change (caller holds the writer). */
void ddb__put_table_record(rk_engine_t *e, rocksdb_writebatch_t *wb, const ddb_table_info_t *t);

/* Deletes table name's record in wb (a catalog change, as above). */
void ddb__delete_table_record(rk_engine_t *e, rocksdb_writebatch_t *wb, const char *name,
                              size_t len);

/* After a batch was written or abandoned: when it changed the catalog,
 * drops every cached record and advances the generation (writer). */
void ddb__cat_settle(rk_engine_t *e);

/* Whether t (a copy read at t->catalog_gen) is still the catalog's record
 * (caller holds the writer). */
bool ddb__cat_current(rk_engine_t *e, const ddb_table_info_t *t);

/* Whether a table record named by catalog key k exists. */
int ddb__table_exists(rk_engine_t *e, const bytes_t *k, bool *found, ddb_error_t *err);

/* The catalog key of table name. */
void ddb__table_key(bytes_t *k, const char *name, size_t len);

/* Takes n fresh ids from the catalog's counter (ids are never reused), the
 * counter's new value going into wb (caller holds the writer). */
int ddb__alloc_ids(rk_engine_t *e, rocksdb_writebatch_t *wb, uint32_t n, uint32_t *first,
                   ddb_error_t *err);

/* The catalog key of an index's backfill cursor. */
void ddb__backfill_key(uint8_t k[5], uint32_t index_id);

/* Where the backfill of an index stands: the key of the last item it has
 * indexed (empty: none yet), read with ro. */
int ddb__backfill_cursor(rk_engine_t *e, const rocksdb_readoptions_t *ro, uint32_t index_id,
                         bytes_t *out, ddb_error_t *err);

/* Whether item key k is already covered by index ix: always, unless the
 * index is backfilling and its backfill has not reached k yet (the backfill
 * will index the item's state when it gets there). */
int ddb__index_covers(rk_engine_t *e, const rocksdb_readoptions_t *ro, const ddb_index_info_t *ix,
                      const uint8_t *k, size_t kl, bool *covered, ddb_error_t *err);

/* ---- tables.c (writer held) ---- */

/* Whether a table named name may be created: DDB_ERR_RESOURCE_IN_USE when
 * the name is taken, DDB_ERR_LIMIT_EXCEEDED at the table quota. */
int ddb__table_admit(rk_engine_t *e, const char *name, size_t len, ddb_error_t *err);

/* Puts a new table (ids assigned into info) into wb and its zero
 * statistics into d. */
int ddb__table_create_into(rk_engine_t *e, ddb_table_info_t *info, rocksdb_writebatch_t *wb,
                           stats_delta_t *d, ddb_error_t *err);

/* ddb_table_delete with the writer held. */
int ddb__table_delete_locked(rk_engine_t *e, const char *name, size_t len, ddb_error_t *err);

#endif
