/* engine.c: opening and closing an engine: the RocksDB database and its
 * column families by role (catalog, items, stats, index, streams; see
 * DESIGN.md), their tuning, and the start and stop of the maintenance
 * thread. Everything else lives in the module named for it (catalog.c,
 * stats.c, writer.c, commit.c, read.c, iter.c, backfill.c, ttl.c, streams.c,
 * stream_read.c, stream_trim.c, maint.c, check.c, check_streams.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <rocksdb/c.h>

#include "storage/backup.h"
#include "storage/catalog.h"
#include "storage/commit.h"
#include "storage/engine.h"
#include "storage/maint.h"
#include "storage/streams.h"

static const char *const cf_names[CF_COUNT] = {"default", "catalog", "items",  "stats",
                                               "index",   "streams", "backups"};

/* The open's error. RocksDB's answer when another process holds the
 * database's LOCK file ("IO error: While lock file: DIR/LOCK: Resource
 * temporarily unavailable") becomes DDB_ERR_RESOURCE_IN_USE, said plainly. */
static int open_error(ddb_error_t *err, const char *path, char *msg) {
    if (!strstr(msg, "While lock file:")) return ddb__rocks_error(err, msg);
    free(msg);
    return ddb_error_set(err, DDB_ERR_RESOURCE_IN_USE,
                         "the data directory %s is in use by another ddbd process", path);
}

char *ddb__open_store(rk_engine_t *e, const char *path, bool read_only, rocksdb_t **db,
                      rocksdb_column_family_handle_t **cf) {
    const rocksdb_options_t *cfopts[CF_COUNT];
    for (int i = 0; i < CF_COUNT; i++)
        cfopts[i] = i == CF_ITEMS || i == CF_INDEX ? e->keyed_opts : e->opts;
    char *msg = NULL;
    if (read_only)
        *db = rocksdb_open_for_read_only_column_families(e->opts, path, CF_COUNT, cf_names, cfopts,
                                                         cf, 0, &msg);
    else
        *db = rocksdb_open_column_families(e->opts, path, CF_COUNT, cf_names, cfopts, cf, &msg);
    return msg;
}

static char *open_db(rk_engine_t *e, const char *path, bool read_only) {
    return ddb__open_store(e, path, read_only, &e->db, e->cf);
}

int rk_open(const ddb_engine_opts_t *o, rk_engine_t **out, ddb_error_t *err) {
    rk_engine_t *e = calloc(1, sizeof *e);
    if (!e) return ddb_error_set(err, DDB_ERR_INTERNAL, "out of memory");
    pthread_mutex_init(&e->writer, NULL);
    pthread_mutex_init(&e->stats_mu, NULL);
    ddb__cat_init(e);
    ddb__commit_init(e);
    ddb__maint_init(e);
    e->opts = rocksdb_options_create();
    rocksdb_options_set_create_if_missing(e->opts, 1);
    rocksdb_options_set_create_missing_column_families(e->opts, 1);
    rocksdb_options_set_write_buffer_size(e->opts, 8 << 20);
    rocksdb_options_set_max_background_jobs(e->opts, 2);
    rocksdb_options_set_keep_log_file_num(e->opts, 2);
    /* column families written rarely (catalog, statistics) would otherwise
     * pin every WAL file since their last flush: hundreds of MB of log on
     * disk, replayed at start */
    rocksdb_options_set_max_total_wal_size(e->opts, 32 << 20);
    /* RocksDB's LOG sits on the data disk: when that fills, its writer
     * fails, and RocksDB 7.8 asserts on the next line it appends (its error
     * recovery logs at ERROR level). Headers only (written at open); the
     * errors that matter reach ddb as statuses, and ddbd prints them. */
    rocksdb_options_set_info_log_level(e->opts, 5 /* HEADER_LEVEL */);
    if (o->group_commit) rocksdb_options_set_manual_wal_flush(e->opts, 1);
    /* block cache hits and misses, write stall time (ddb_engine_stats): a
     * few atomic adds per block read */
    rocksdb_options_enable_statistics(e->opts);
    e->cache = rocksdb_cache_create_lru(64 << 20);
    e->topts = rocksdb_block_based_options_create();
    rocksdb_block_based_options_set_block_cache(e->topts, e->cache);
    rocksdb_block_based_options_set_filter_policy(e->topts, rocksdb_filterpolicy_create_bloom(10));
    rocksdb_options_set_block_based_table_factory(e->opts, e->topts);
    const char *path = o->data_dir ? o->data_dir : "./data";
    /* background flushes and compactions run below the request threads'
     * CPU priority, so they do not stall rounds of requests (p99) */
    e->env = o->in_memory ? rocksdb_create_mem_env() : rocksdb_create_default_env();
    rocksdb_env_lower_thread_pool_cpu_priority(e->env);
    rocksdb_env_lower_high_priority_thread_pool_cpu_priority(e->env);
    rocksdb_options_set_env(e->opts, e->env);
    if (o->in_memory) path = "/ddb-in-memory";
    e->path = strdup(path);
    e->in_memory = o->in_memory;
    if (!e->path) abort();
    /* items and index entries start with [id BE32][partition hash BE64]: a
     * 12-byte prefix, with blooms, lets a Query skip every file and memtable
     * range that lacks its partition; other iterators ask for total order */
    e->keyed_opts = rocksdb_options_create_copy(e->opts);
    rocksdb_options_set_prefix_extractor(e->keyed_opts,
                                         rocksdb_slicetransform_create_fixed_prefix(12));
    rocksdb_options_set_memtable_prefix_bloom_size_ratio(e->keyed_opts, 0.05);
    rocksdb_options_set_memtable_whole_key_filtering(e->keyed_opts, 1);
    /* few sorted runs per partition: a flush is merged into L1 at once
     * (L0 never holds more than the file being compacted), and L1 is kept
     * small (64 MB, in 8 MB files) so that merge stays cheap. A Query seeks
     * every run that holds its partition; with overwrites spread over the
     * table that is every run, and four L0 files cost a third of Query
     * throughput (bench/RESULTS.md) for no gain in write throughput. */
    rocksdb_options_set_level0_file_num_compaction_trigger(e->keyed_opts, 1);
    rocksdb_options_set_max_bytes_for_level_base(e->keyed_opts, 64 << 20);
    rocksdb_options_set_target_file_size_base(e->keyed_opts, 8 << 20);
    char *msg = open_db(e, path, false);
    if (msg && o->read_only_if_full && !o->in_memory && ddb__space_error(msg)) {
        /* the disk is full: RocksDB cannot create its new WAL, MANIFEST or
         * OPTIONS file, but the data can still be read (a read-only open
         * writes nothing and replays the WAL into memory) */
        char *ro_msg = open_db(e, path, true);
        if (!ro_msg) {
            e->read_only = true;
            snprintf(e->read_only_why, sizeof e->read_only_why,
                     "it could not open its data store for writing at start (the disk is "
                     "full: %s); restart it once space is freed",
                     msg);
            free(msg);
            msg = NULL;
        }
        free(ro_msg);
    }
    if (msg) {
        int rc = open_error(err, path, msg);
        e->db = NULL;
        rk_close(e);
        return rc;
    }
    e->wo = rocksdb_writeoptions_create();
    e->group_commit = o->group_commit;
    e->sync = o->sync;
    rocksdb_writeoptions_set_sync(e->wo, o->sync && !o->group_commit ? 1 : 0);
    e->ro = rocksdb_readoptions_create();
    e->bf_batch = o->backfill_batch ? o->backfill_batch : 1000;
    e->bf_pause_ms = o->backfill_pause_ms;
    e->ttl_interval_ms = o->ttl_interval_ms ? o->ttl_interval_ms : 2000;
    e->max_tables = o->max_tables;
    e->rollover_ms = (int64_t)(o->shard_rollover_s ? o->shard_rollover_s : 4 * 3600) * 1000;
    e->retention_ms = (int64_t)(o->stream_retention_s ? o->stream_retention_s : 24 * 3600) * 1000;
    e->stream_lanes = o->stream_shards ? o->stream_shards : 1;
    if (e->stream_lanes > DDB_STREAM_LANES_MAX) e->stream_lanes = DDB_STREAM_LANES_MAX;
    e->token_window_ms = (int64_t)(o->token_window_s ? o->token_window_s : 600) * 1000;
    e->pitr_retention_ms = (int64_t)(o->pitr_retention_s ? o->pitr_retention_s : 35 * 86400) * 1000;
    /* a counter that cannot be read fails the open: starting over at 1
     * would reuse sequence numbers readers have seen */
    int rc = ddb__st_open(e, err);
    if (!rc) rc = ddb__pitr_open(e, err);
    if (rc) {
        rk_close(e);
        return rc;
    }
    ddb__commit_start(e, e->next_seq);
    if (!o->inspect_only && !e->read_only) ddb__maint_start(e);
    *out = e;
    return 0;
}

const char *rk_read_only(rk_engine_t *e) {
    return e->read_only ? e->read_only_why : NULL;
}

void rk_close(rk_engine_t *e) {
    if (!e) return;
    ddb_error_t err;
    ddb__maint_stop(e);
    ddb__backup_jobs_release(e);
    if (e->db) {
        /* nowhere to return it: say so, as the maintenance thread does */
        if (rk_commit(e, &err)) fprintf(stderr, "ddb: final commit at close: %s\n", err.msg);
        for (int i = 0; i < CF_COUNT; i++) {
            if (e->cf[i]) rocksdb_column_family_handle_destroy(e->cf[i]);
        }
        rocksdb_close(e->db);
    }
    if (e->wo) rocksdb_writeoptions_destroy(e->wo);
    if (e->ro) rocksdb_readoptions_destroy(e->ro);
    rocksdb_options_destroy(e->opts);
    if (e->keyed_opts) rocksdb_options_destroy(e->keyed_opts);
    rocksdb_block_based_options_destroy(e->topts);
    rocksdb_cache_destroy(e->cache);
    if (e->env) rocksdb_env_destroy(e->env);
    pthread_mutex_destroy(&e->writer);
    ddb__cat_destroy(e);
    ddb__commit_destroy(e);
    pthread_mutex_destroy(&e->stats_mu);
    free(e->stats);
    free(e->streams);
    free(e->path);
    free(e);
}
