/* engine.h: the engine's shared state (struct rk_engine), its column
 * families, and the few helpers every storage file uses (common.c). Each
 * module's own internals are in its header (catalog.h, stats.h, commit.h,
 * read.h, streams.h, writer.h, ...). Internal to storage/: nothing outside
 * it includes this, and every non-static name it declares is ddb__. */
#ifndef DDB_STORAGE_ENGINE_H
#define DDB_STORAGE_ENGINE_H

#include <pthread.h>
#include <stdatomic.h>
#include <rocksdb/c.h>

#include "storage/codec.h"
#include "storage/rocks.h"

/* CF_DEFAULT holds the idempotency tokens (tokens.c) and nothing else;
 * CF_BACKUPS the backups and the PITR change logs (backup.h). */
enum { CF_DEFAULT, CF_CATALOG, CF_ITEMS, CF_STATS, CF_INDEX, CF_STREAMS, CF_BACKUPS, CF_COUNT };

/* A table's or index's statistics (the stats CF's value, cached). */
typedef struct table_stats {
    uint32_t id;
    uint64_t count, size;
} table_stats_t;

/* Where one lane of a stream's writing stands (its open shard). */
typedef struct stream_lane {
    uint32_t shard; /* the open shard's index */
    int64_t shard_created_ms;
    uint64_t shard_start;
    uint64_t last_seq; /* the open shard's last record, 0: none yet */
    bool has_parent;
    uint32_t parent;
} stream_lane_t;

/* Where a stream's writing stands (a cache of its open shards; guarded by
 * the writer). */
typedef struct stream_state {
    uint32_t id;
    uint32_t nlanes;     /* 1: the single-chain layout */
    uint32_t next_shard; /* the index the next child shard gets */
    stream_lane_t lane[DDB_STREAM_LANES_MAX];
} stream_state_t;

struct rk_engine {
    rocksdb_t *db;
    rocksdb_options_t *opts;
    rocksdb_options_t *keyed_opts; /* items and index: with the partition prefix extractor */
    rocksdb_env_t *env;            /* in-memory env, or NULL */
    rocksdb_cache_t *cache;
    rocksdb_block_based_table_options_t *topts;
    rocksdb_column_family_handle_t *cf[CF_COUNT];
    rocksdb_writeoptions_t *wo;
    rocksdb_readoptions_t *ro;
    bool group_commit, sync;
    /* commit.c */
    atomic_bool wal_dirty;     /* group commit: writes not yet flushed to the WAL */
    pthread_mutex_t commit_mu; /* one WAL flush at a time (see ddb_commit) */
    /* commit.c: the store's ability to write (see commit.c's top comment).
     * wal_mu orders every write against every WAL flush; write_failed: a
     * write or flush failed and RocksDB refuses writes until it recovers;
     * failures counts such events (round commits compare it with their mark);
     * read_only: opened read-only, why says why (engine.c). */
    pthread_mutex_t wal_mu;
    atomic_bool write_failed;
    _Atomic uint64_t failures;
    uint64_t commit_mark; /* ddb_commit's own mark (under commit_mu) */
    bool read_only;
    char read_only_why[512];
    pthread_mutex_t writer; /* the single writer: every mutation holds it */
    /* stats.c: cache of the stats CF; the writer holds both locks to change it */
    table_stats_t *stats;
    size_t nstats, capstats;
    pthread_mutex_t stats_mu; /* guards the stats cache for readers */
    /* catalog.c: record copies by table name */
    pthread_mutex_t cat_mu;
    struct cat_entry *cat;
    size_t ncat, capcat;
    uint64_t cat_gen;
    bool cat_changed; /* a catalog write is in the batch being assembled (writer) */
    /* streams.c: the sequence counter and the open-shard cache (writer) */
    uint64_t next_seq; /* the next stream sequence number; 0: unknown (reload) */
    stream_state_t *streams;
    size_t nstreams, capstreams;
    /* commit.c: the commit notification of stream readers. seq_visible is
     * the sequence number after the last record a reader may read (written,
     * and with group commit flushed); seq_written the one after the last
     * record written. Waiters sleep on notify_cond, never on the writer. */
    _Atomic uint64_t seq_visible, seq_written;
    atomic_int waiters;
    pthread_mutex_t notify_mu;
    pthread_cond_t notify_cond; /* CLOCK_MONOTONIC */
    /* maint.c: index backfills a bounded step at a time, the TTL sweeper
     * and stream trimming every ttl_interval_ms */
    pthread_t bf_thread;
    bool bf_started;
    pthread_mutex_t bf_mu;
    pthread_cond_t bf_cond;
    bool bf_wake, bf_stop;
    uint32_t bf_batch, bf_pause_ms;
    uint32_t ttl_interval_ms;
    uint32_t max_tables; /* 0: no limit */
    int64_t rollover_ms, retention_ms;
    uint32_t stream_lanes;   /* lanes of a stream created now (1..DDB_STREAM_LANES_MAX) */
    int64_t token_window_ms; /* tokens.c: how long an idempotency token is remembered */
    /* engine_stats.c: counters since open, for ddb_engine_stats; written by
     * the maintenance thread only (relaxed: nothing is ordered by them) */
    _Atomic uint64_t ttl_deleted;      /* ttl.c: items the sweeper deleted */
    _Atomic uint64_t backfill_scanned; /* backfill.c: items the backfills read */
    /* backup.c, restore.c, pitr.c */
    char *path;                /* the store's directory (checkpoints are made in it) */
    bool in_memory;            /* (so no checkpoint outlives the process) */
    int64_t pitr_retention_ms; /* the default recovery window */
    uint64_t pitr_last;        /* the change logs' last sequence number (writer) */
    bool pitr_in_batch;        /* the batch being assembled has a change-log time: */
    int64_t pitr_batch_ms;     /* this one, for all its records; between batches the
                                * last one's, so that times never go back (writer) */
    struct bk_copy *bk_copy;   /* the backup copy in progress (maintenance thread) */
    struct rs_snap *rs_snap;   /* the PITR restore in progress's snapshot (same) */
    bool bk_swept;             /* leftover checkpoints removed since open (same) */
};

/* ---- engine.c ---- */

/* Opens the RocksDB store at path with the engine's options and column
 * families (read-only: a checkpoint, or a store on a full disk): NULL, or
 * RocksDB's error (malloc'd). */
char *ddb__open_store(rk_engine_t *e, const char *path, bool read_only, rocksdb_t **db,
                      rocksdb_column_family_handle_t **cf);

/* ---- common.c ---- */

/* Turns a RocksDB error message (freed) into DDB_ERR_INTERNAL. */
int ddb__rocks_error(ddb_error_t *err, char *msg);

/* Reads key k of column family cf with ro: 0 with *v the value (malloc'd,
 * the caller frees it) or NULL when absent, or DDB_ERR_INTERNAL. */
int ddb__get(rk_engine_t *e, const rocksdb_readoptions_t *ro, int cf, const void *k, size_t kl,
             char **v, size_t *vl, ddb_error_t *err);

/* The iterator's error status after a loop over it: 0 or DDB_ERR_INTERNAL
 * (the iterator stays the caller's to destroy). */
int ddb__iter_status(rocksdb_iterator_t *it, ddb_error_t *err);

#endif
