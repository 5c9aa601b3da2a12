/* engine.h: the engine's internals shared by its files (engine.c: catalog,
 * items, indexes, iteration; streams.c: stream records and the Streams
 * reads; ttl.c: the expiry sweeper). Not part of libddb's interface. */
#ifndef DDB_STORAGE_ENGINE_H
#define DDB_STORAGE_ENGINE_H

#include <pthread.h>
#include <stdatomic.h>
#include <rocksdb/c.h>

#include "storage/codec.h"
#include "storage/ddb.h"

enum { CF_DEFAULT, CF_CATALOG, CF_ITEMS, CF_STATS, CF_INDEX, CF_STREAMS, CF_COUNT };

typedef struct table_stats {
    uint32_t id;
    uint64_t count, size;
} table_stats_t;

/* Where a stream's writing stands (a cache of its open shard; guarded by
 * the writer). */
typedef struct stream_state {
    uint32_t id;
    uint32_t shard;       /* the open shard's index */
    int64_t shard_created_ms;
    uint64_t shard_start;
    uint64_t last_seq;    /* the open shard's last record, 0: none yet */
    bool has_parent;
    uint32_t parent;
} stream_state_t;

struct ddb_engine {
    rocksdb_t *db;
    rocksdb_options_t *opts;
    rocksdb_options_t *keyed_opts; /* items and index: with the partition prefix extractor */
    rocksdb_env_t *env; /* in-memory env, or NULL */
    rocksdb_cache_t *cache;
    rocksdb_block_based_table_options_t *topts;
    rocksdb_column_family_handle_t *cf[CF_COUNT];
    rocksdb_writeoptions_t *wo;
    rocksdb_readoptions_t *ro;
    bool group_commit, sync;
    atomic_bool wal_dirty; /* group commit: writes not yet flushed to the WAL */
    pthread_mutex_t commit_mu; /* one WAL flush at a time (see ddb_commit) */
    pthread_mutex_t writer; /* the single writer: every mutation holds it */
    table_stats_t *stats;   /* cache of the stats CF, guarded by writer */
    size_t nstats, capstats;
    pthread_mutex_t stats_mu; /* guards the stats cache for readers (writers hold both) */
    uint64_t next_seq;      /* the next stream sequence number, guarded by writer */
    /* catalog cache (engine.c): record copies by table name */
    pthread_mutex_t cat_mu;
    struct cat_entry *cat;
    size_t ncat, capcat;
    uint64_t cat_gen;
    bool cat_changed;       /* a catalog write is in the batch being written (writer) */
    stream_state_t *streams; /* open-shard cache, guarded by writer */
    size_t nstreams, capstreams;
    /* the maintenance thread: index backfills a bounded step at a time, the
     * TTL sweeper and stream trimming every ttl_interval_ms */
    pthread_t bf_thread;
    bool bf_started;
    pthread_mutex_t bf_mu;
    pthread_cond_t bf_cond;
    bool bf_wake, bf_stop;
    uint32_t bf_batch, bf_pause_ms;
    uint32_t ttl_interval_ms;
    int64_t rollover_ms, retention_ms;
};

/* Turns a RocksDB error message (freed) into DDB_ERR_INTERNAL. */
int rocks_error(ddb_error_t *err, char *msg);
int cmp_bytes(const uint8_t *a, size_t al, const uint8_t *b, size_t bl);

/* Writes wb (and destroys it). On failure the cached stream state is
 * reloaded: the batch's stream records did not happen. */
int write_batch(ddb_engine_t *e, rocksdb_writebatch_t *wb, ddb_error_t *err);

/* Catalog access under the writer. */
int get_table_record(ddb_engine_t *e, const char *name, size_t len, ddb_arena_t *a,
                     ddb_table_info_t *out, ddb_error_t *err);
void put_table_record(ddb_engine_t *e, rocksdb_writebatch_t *wb, const ddb_table_info_t *t);

/* Reads one item by encoded key into a (*out NULL when absent). */
int read_item(ddb_engine_t *e, const rocksdb_readoptions_t *ro, const bytes_t *k, ddb_arena_t *a,
              const ddb_value_t **out, ddb_error_t *err);

/* Statistics changed by one batch: copies applied to the cache once the
 * batch is written (caller holds the writer). */
typedef struct stats_delta {
    table_stats_t v[64];
    size_t n;
} stats_delta_t;
/* Adds d's statistics to wb, writes it, and on success updates the
 * statistics cache. */
int write_batch_stats(ddb_engine_t *e, rocksdb_writebatch_t *wb, const stats_delta_t *d,
                      ddb_error_t *err);

/* Adds one item change (old -> next, either may be NULL) of table t (the
 * catalog's current record) to a batch: the item, its index entries, its
 * stream record, and their statistics in d. by_ttl marks a deletion by the
 * TTL sweeper. */
void batch_item(ddb_engine_t *e, rocksdb_writebatch_t *wb, const ddb_table_info_t *t,
                const bytes_t *k, const ddb_value_t *old, const ddb_value_t *next,
                stats_delta_t *d, bool by_ttl);

/* ---- streams.c (caller holds the writer) ---- */

/* Loads the sequence counter at open. */
void st_open(ddb_engine_t *e);
/* Writes a new stream's descriptor and first shard for table t. */
void st_create(ddb_engine_t *e, rocksdb_writebatch_t *wb, uint32_t id, const ddb_table_info_t *t,
               ddb_stream_view_t view, int64_t now_ms);
/* Marks a stream disabled and closes its open shard. */
void st_disable(ddb_engine_t *e, rocksdb_writebatch_t *wb, uint32_t id, int64_t now_ms);
/* Appends the record of one item change (rolling the shard over when due). */
void st_append(ddb_engine_t *e, rocksdb_writebatch_t *wb, const ddb_table_info_t *t,
               const ddb_value_t *old, const ddb_value_t *next, bool by_ttl, int64_t now_ms);
/* Forgets cached stream state after a failed batch. */
void st_reset(ddb_engine_t *e);
/* Trims records older than the retention, and streams left empty. Takes
 * the writer itself, a stream at a time. */
void st_maintain(ddb_engine_t *e, int64_t now_ms);

/* ---- ttl.c ---- */

/* Deletes expired items of every table with TTL on (bounded work per
 * table per call). Takes the writer itself, a group of items at a time. */
void ttl_sweep(ddb_engine_t *e, int64_t now_ms);

#endif
