/* engine_stats.c: ddb_engine_stats and ddb_rocksdb_version, the engine's
 * read-only window for metrics: its own counters (engine.h), RocksDB's
 * properties summed over the column families, and, when statistics are
 * enabled (engine.c), RocksDB's block-cache and stall tickers. Never writes
 * and never takes the writer: a scrape must not delay requests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <rocksdb/c.h>

#include "storage/engine.h"

/* From rocksdb/version.h, by CMakeLists.txt: that header is C++. */
const char *ddb_rocksdb_version(void) {
    return DDB_ROCKSDB_VERSION;
}

/* An integer property summed over every column family (0 where unknown). */
static uint64_t prop_sum(rk_engine_t *e, const char *name) {
    uint64_t total = 0;
    for (int i = 0; i < CF_COUNT; i++) {
        uint64_t v;
        if (e->cf[i] && rocksdb_property_int_cf(e->db, e->cf[i], name, &v) == 0) total += v;
    }
    return total;
}

/* A database-wide integer property (0 where unknown). */
static uint64_t prop(rk_engine_t *e, const char *name) {
    uint64_t v;
    return rocksdb_property_int(e->db, name, &v) == 0 ? v : 0;
}

/* The COUNT of ticker `name` in RocksDB's statistics dump (lines like
 * "rocksdb.block.cache.hit COUNT : 42"), 0 when absent. */
static uint64_t ticker(const char *dump, const char *name) {
    size_t n = strlen(name);
    for (const char *p = strstr(dump, name); p; p = strstr(p + 1, name)) {
        if ((p != dump && p[-1] != '\n') || strncmp(p + n, " COUNT : ", 9) != 0) continue;
        return strtoull(p + n + 9, NULL, 10);
    }
    return 0;
}

void rk_engine_stats(rk_engine_t *e, ddb_engine_stats_t *out) {
    memset(out, 0, sizeof *out);
    uint64_t seq = rk_stream_latest(e);
    out->stream_records = seq > 1 ? seq - 1 : 0; /* sequence numbers start at 1 */
    out->ttl_deleted = atomic_load_explicit(&e->ttl_deleted, memory_order_relaxed);
    out->backfill_scanned = atomic_load_explicit(&e->backfill_scanned, memory_order_relaxed);
    out->memtable_bytes = prop_sum(e, "rocksdb.cur-size-all-mem-tables");
    out->sst_bytes = prop_sum(e, "rocksdb.total-sst-files-size");
    out->pending_compaction_bytes = prop_sum(e, "rocksdb.estimate-pending-compaction-bytes");
    out->delayed_write_rate = prop(e, "rocksdb.actual-delayed-write-rate");
    out->write_stopped = prop(e, "rocksdb.is-write-stopped") != 0;
    out->block_cache_bytes = rocksdb_cache_get_usage(e->cache);
    out->block_cache_capacity = rocksdb_cache_get_capacity(e->cache);
    char *dump = rocksdb_options_statistics_get_string(e->opts);
    if (!dump) return; /* statistics are off */
    out->has_statistics = true;
    out->block_cache_hits = ticker(dump, "rocksdb.block.cache.hit");
    out->block_cache_misses = ticker(dump, "rocksdb.block.cache.miss");
    out->stall_micros = ticker(dump, "rocksdb.stall.micros");
    rocksdb_free(dump);
}
