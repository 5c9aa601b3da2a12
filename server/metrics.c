/* metrics.c: per-loop request counters and the Prometheus text rendering
 * of GET /metrics (format 0.0.4: # HELP and # TYPE before each family,
 * counters ending in _total, histograms as cumulative _bucket{le} series
 * with _sum and _count, label values escaped).
 *
 * Counting never locks or shares a cache line between loops: a loop's
 * counters have one writer (relaxed load + store, a plain add), and a
 * scrape sums them. A scrape never takes the engine's writer. */
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "query/arn.h"
#include "server/metrics.h"

/* Latency buckets (upper bounds, seconds and nanoseconds); the last,
 * +Inf, is implicit. */
static const char *const bucket_le[] = {"0.0001", "0.00025", "0.0005", "0.001", "0.0025",
                                        "0.005",  "0.01",    "0.025",  "0.05",  "0.1",
                                        "0.25",   "0.5",     "1"};
static const uint64_t bucket_ns[] = {100000,    250000,    500000,    1000000,  2500000,
                                     5000000,   10000000,  25000000,  50000000, 100000000,
                                     250000000, 500000000, 1000000000};
#define NFINITE  (sizeof bucket_ns / sizeof bucket_ns[0])
#define NBUCKETS (NFINITE + 1)

/* Distinct statuses counted per operation; past them a status counts as
 * "other" (code 0 in the last slot). */
#define NSTATUS 8

typedef struct op_stats {
    _Atomic(const char *) name; /* set by the first request of the slot */
    _Atomic int code[NSTATUS];  /* 0: free (or, in the last slot, "other") */
    _Atomic uint64_t count[NSTATUS];
    _Atomic uint64_t bucket[NBUCKETS]; /* not cumulative: the scrape sums them */
    _Atomic uint64_t sum_ns;
} op_stats_t;

struct metrics_loop {
    alignas(64) op_stats_t ops[METRICS_MAX_OPS];
    _Atomic uint64_t bytes_in, bytes_out;
};

struct metrics {
    int nloops;
    metrics_loop_t **loops;
    _Atomic int *nconns;
};

/* Adds d to a counter that only the calling thread writes. */
static void bump(_Atomic uint64_t *c, uint64_t d) {
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + d,
                          memory_order_relaxed);
}

static uint64_t get(_Atomic uint64_t *c) {
    return atomic_load_explicit(c, memory_order_relaxed);
}

metrics_t *metrics_create(int nloops, _Atomic int *nconns) {
    metrics_t *m = calloc(1, sizeof *m);
    if (!m) abort();
    m->nloops = nloops;
    m->nconns = nconns;
    m->loops = calloc((size_t)nloops, sizeof *m->loops);
    if (!m->loops) abort();
    size_t size = (sizeof(metrics_loop_t) + 63) / 64 * 64;
    for (int i = 0; i < nloops; i++) {
        m->loops[i] = aligned_alloc(64, size);
        if (!m->loops[i]) abort();
        memset(m->loops[i], 0, size);
    }
    return m;
}

void metrics_destroy(metrics_t *m) {
    if (!m) return;
    for (int i = 0; i < m->nloops; i++)
        free(m->loops[i]);
    free(m->loops);
    free(m);
}

metrics_loop_t *metrics_loop(metrics_t *m, int i) {
    return m->loops[i];
}

uint64_t metrics_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The status slot of code in o, claiming a free one (single writer). */
static int status_slot(op_stats_t *o, int code) {
    for (int i = 0; i < NSTATUS - 1; i++) {
        int c = atomic_load_explicit(&o->code[i], memory_order_relaxed);
        if (c == code) return i;
        if (c == 0) {
            atomic_store_explicit(&o->code[i], code, memory_order_release);
            return i;
        }
    }
    return NSTATUS - 1;
}

void metrics_count(metrics_loop_t *l, int slot, const char *op, int status, uint64_t ns,
                   size_t bytes_in, size_t bytes_out) {
    op_stats_t *o = &l->ops[slot];
    if (!atomic_load_explicit(&o->name, memory_order_relaxed))
        atomic_store_explicit(&o->name, op, memory_order_release);
    bump(&o->count[status_slot(o, status)], 1);
    size_t b = 0;
    while (b < NFINITE && ns > bucket_ns[b])
        b++;
    bump(&o->bucket[b], 1);
    bump(&o->sum_ns, ns);
    bump(&l->bytes_in, bytes_in);
    bump(&l->bytes_out, bytes_out);
}

/* ---- rendering ---------------------------------------------------------- */

static void family(buf_t *b, const char *name, const char *type, const char *help) {
    buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value, escaped as the format asks (\\, \" and \n). */
static void label_value(buf_t *b, const char *s, size_t len) {
    buf_putc(b, '"');
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\\')
            buf_puts(b, "\\\\");
        else if (s[i] == '"')
            buf_puts(b, "\\\"");
        else if (s[i] == '\n')
            buf_puts(b, "\\n");
        else
            buf_putc(b, s[i]);
    }
    buf_putc(b, '"');
}

static void sample_u64(buf_t *b, const char *name, uint64_t v) {
    buf_printf(b, "%s %llu\n", name, (unsigned long long)v);
}

static void gauge(buf_t *b, const char *name, const char *help, uint64_t v) {
    family(b, name, "gauge", help);
    sample_u64(b, name, v);
}

static void counter(buf_t *b, const char *name, const char *help, uint64_t v) {
    family(b, name, "counter", help);
    sample_u64(b, name, v);
}

/* One operation's sums over every loop: statuses merged up to MERGED
 * distinct ones (the last "other"). */
#define MERGED (NSTATUS * 2)
typedef struct op_sum {
    const char *name;
    int code[MERGED]; /* the loops' statuses, merged */
    uint64_t count[MERGED];
    int ncodes;
    uint64_t bucket[NBUCKETS], sum_ns;
} op_sum_t;

static int find_status(const op_sum_t *s, int code) {
    for (int i = 0; i < s->ncodes; i++) {
        if (s->code[i] == code) return i;
    }
    return -1;
}

static void add_status(op_sum_t *s, int code, uint64_t n) {
    int i = find_status(s, code);
    if (i < 0 && s->ncodes >= MERGED - 1) { /* the last slot is kept for "other" */
        code = 0;
        i = find_status(s, 0);
    }
    if (i < 0) {
        i = s->ncodes++;
        s->code[i] = code;
    }
    s->count[i] += n;
}

static void sum_op(metrics_t *m, int slot, op_sum_t *s) {
    memset(s, 0, sizeof *s);
    for (int i = 0; i < m->nloops; i++) {
        op_stats_t *o = &m->loops[i]->ops[slot];
        const char *name = atomic_load_explicit(&o->name, memory_order_acquire);
        if (!name) continue;
        s->name = name;
        for (int k = 0; k < NSTATUS; k++) {
            int code = atomic_load_explicit(&o->code[k], memory_order_acquire);
            uint64_t n = get(&o->count[k]);
            if (n && (code || k == NSTATUS - 1)) add_status(s, code, n);
        }
        for (size_t k = 0; k < NBUCKETS; k++)
            s->bucket[k] += get(&o->bucket[k]);
        s->sum_ns += get(&o->sum_ns);
    }
}

static void render_requests(metrics_t *m, buf_t *out) {
    op_sum_t *sums = calloc(METRICS_MAX_OPS, sizeof *sums);
    if (!sums) abort();
    for (int slot = 0; slot < METRICS_MAX_OPS; slot++)
        sum_op(m, slot, &sums[slot]);
    family(out, "ddb_requests_total", "counter",
           "Requests answered, by operation and HTTP status.");
    for (int slot = 0; slot < METRICS_MAX_OPS; slot++) {
        op_sum_t *s = &sums[slot];
        for (int k = 0; s->name && k < s->ncodes; k++) {
            buf_puts(out, "ddb_requests_total{operation=");
            label_value(out, s->name, strlen(s->name));
            if (s->code[k])
                buf_printf(out, ",status=\"%d\"}", s->code[k]);
            else
                buf_puts(out, ",status=\"other\"}");
            buf_printf(out, " %llu\n", (unsigned long long)s->count[k]);
        }
    }
    family(out, "ddb_request_duration_seconds", "histogram",
           "Time from a complete request to its response, by operation (the round's WAL "
           "flush is not included).");
    for (int slot = 0; slot < METRICS_MAX_OPS; slot++) {
        op_sum_t *s = &sums[slot];
        if (!s->name) continue;
        uint64_t cum = 0;
        for (size_t k = 0; k < NBUCKETS; k++) {
            cum += s->bucket[k];
            buf_puts(out, "ddb_request_duration_seconds_bucket{operation=");
            label_value(out, s->name, strlen(s->name));
            buf_printf(out, ",le=\"%s\"} %llu\n", k < NFINITE ? bucket_le[k] : "+Inf",
                       (unsigned long long)cum);
        }
        buf_puts(out, "ddb_request_duration_seconds_sum{operation=");
        label_value(out, s->name, strlen(s->name));
        buf_printf(out, "} %.9f\n", (double)s->sum_ns / 1e9);
        buf_puts(out, "ddb_request_duration_seconds_count{operation=");
        label_value(out, s->name, strlen(s->name));
        buf_printf(out, "} %llu\n", (unsigned long long)cum);
    }
    free(sums);
}

/* The per-table and per-index gauges, one family after another: each is
 * assembled in its own buffer in one pass over the catalog. */
enum { F_ITEMS, F_BYTES, F_IX_ITEMS, F_IX_BYTES, F_IX_BACKFILL, F_COUNT };

static const char *const table_fam[F_COUNT][2] = {
    {"ddb_table_items", "Items in a table."},
    {"ddb_table_size_bytes", "Sum of the sizes of a table's items (TableSizeBytes)."},
    {"ddb_index_items", "Items in a secondary index."},
    {"ddb_index_size_bytes", "Sum of the sizes of a secondary index's projected items."},
    {"ddb_index_backfilling", "1 while a global secondary index is being built from the table."},
};

static void put_series(buf_t *b, const char *name, const ddb_table_info_t *t,
                       const ddb_index_info_t *ix, uint64_t v) {
    /* a table of a region other than the default namespace's carries it
     * as a region label (the same name may be a table in two regions) */
    const char *rg, *tn;
    size_t rl, tl;
    bool qualified = ddb_qname_split(t->name, t->name_len, &rg, &rl, &tn, &tl);
    buf_printf(b, "%s{table=", name);
    label_value(b, tn, tl);
    if (qualified) {
        buf_puts(b, ",region=");
        label_value(b, rg, rl);
    }
    if (ix) {
        buf_puts(b, ",index=");
        label_value(b, ix->name, ix->name_len);
    }
    buf_printf(b, "} %llu\n", (unsigned long long)v);
}

static void table_series(buf_t *fam, const ddb_table_info_t *t, uint64_t *backfilling) {
    put_series(&fam[F_ITEMS], table_fam[F_ITEMS][0], t, NULL, t->item_count);
    put_series(&fam[F_BYTES], table_fam[F_BYTES][0], t, NULL, t->size_bytes);
    for (size_t i = 0; i < t->nindexes; i++) {
        const ddb_index_info_t *ix = &t->indexes[i];
        if (ix->backfilling) (*backfilling)++;
        if (ix->ttl) continue; /* the hidden expiry index is no user's index */
        put_series(&fam[F_IX_ITEMS], table_fam[F_IX_ITEMS][0], t, ix, ix->item_count);
        put_series(&fam[F_IX_BYTES], table_fam[F_IX_BYTES][0], t, ix, ix->size_bytes);
        put_series(&fam[F_IX_BACKFILL], table_fam[F_IX_BACKFILL][0], t, ix, ix->backfilling);
    }
}

/* Renders the table families; *backfilling counts the indexes (TTL's too)
 * being built. A table deleted between the list and its get is skipped. */
static void render_tables(ddb_engine_t *e, ddb_arena_t *a, buf_t *out, uint64_t *backfilling) {
    buf_t fam[F_COUNT];
    for (int f = 0; f < F_COUNT; f++)
        buf_init(&fam[f]);
    const char *after = NULL;
    size_t after_len = 0;
    bool more = true;
    ddb_error_t err;
    while (more) {
        const char **names;
        size_t *lens, n;
        if (ddb_table_list(e, after, after_len, 100, a, &names, &lens, &n, &more, &err)) break;
        for (size_t i = 0; i < n; i++) {
            ddb_table_info_t t;
            if (ddb_table_get(e, names[i], lens[i], a, &t, &err) == 0)
                table_series(fam, &t, backfilling);
        }
        if (n == 0) break;
        after = names[n - 1];
        after_len = lens[n - 1];
    }
    for (int f = 0; f < F_COUNT; f++) {
        family(out, table_fam[f][0], "gauge", table_fam[f][1]);
        buf_put(out, fam[f].data, fam[f].len);
        buf_free(&fam[f]);
    }
}

static void render_engine(ddb_engine_t *e, uint64_t backfilling, buf_t *out) {
    ddb_engine_stats_t s;
    ddb_engine_stats(e, &s);
    counter(out, "ddb_stream_records_total", "Stream records committed (all streams, ever).",
            s.stream_records);
    counter(out, "ddb_ttl_deleted_items_total", "Items the TTL sweeper deleted since start.",
            s.ttl_deleted);
    counter(out, "ddb_backfill_scanned_items_total",
            "Items index backfills (GSIs, TTL) read since start.", s.backfill_scanned);
    gauge(out, "ddb_indexes_backfilling", "Indexes (TTL's too) being built now.", backfilling);
    gauge(out, "ddb_rocksdb_memtable_bytes", "RocksDB memtables (all column families).",
          s.memtable_bytes);
    gauge(out, "ddb_rocksdb_sst_bytes", "RocksDB SST files (all column families).", s.sst_bytes);
    gauge(out, "ddb_rocksdb_pending_compaction_bytes",
          "RocksDB's estimate of the bytes compaction has still to rewrite.",
          s.pending_compaction_bytes);
    gauge(out, "ddb_rocksdb_block_cache_usage_bytes", "RocksDB block cache in use.",
          s.block_cache_bytes);
    gauge(out, "ddb_rocksdb_block_cache_capacity_bytes", "RocksDB block cache capacity.",
          s.block_cache_capacity);
    gauge(out, "ddb_rocksdb_delayed_write_rate_bytes",
          "Rate RocksDB holds writes to while it delays them (0: not delayed).",
          s.delayed_write_rate);
    gauge(out, "ddb_rocksdb_write_stopped", "1 while RocksDB stops writes.", s.write_stopped);
    if (!s.has_statistics) return;
    counter(out, "ddb_rocksdb_block_cache_hits_total", "RocksDB block cache hits.",
            s.block_cache_hits);
    counter(out, "ddb_rocksdb_block_cache_misses_total", "RocksDB block cache misses.",
            s.block_cache_misses);
    family(out, "ddb_rocksdb_block_cache_hit_ratio", "gauge",
           "Block cache hits over lookups since start (0 before any lookup).");
    uint64_t lookups = s.block_cache_hits + s.block_cache_misses;
    buf_printf(out, "ddb_rocksdb_block_cache_hit_ratio %.6f\n",
               lookups ? (double)s.block_cache_hits / (double)lookups : 0.0);
    family(out, "ddb_rocksdb_write_stall_seconds_total", "counter",
           "Time writes spent stalled by RocksDB.");
    buf_printf(out, "ddb_rocksdb_write_stall_seconds_total %.6f\n", (double)s.stall_micros / 1e6);
}

void metrics_render(metrics_t *m, ddb_engine_t *e, ddb_arena_t *a, buf_t *out) {
    family(out, "ddb_build_info", "gauge", "The ddbd version (always 1).");
    buf_puts(out, "ddb_build_info{version=");
    label_value(out, DDB_VERSION, strlen(DDB_VERSION));
    buf_puts(out, "} 1\n");
    render_requests(m, out);
    uint64_t in = 0, sent = 0;
    for (int i = 0; i < m->nloops; i++) {
        in += get(&m->loops[i]->bytes_in);
        sent += get(&m->loops[i]->bytes_out);
    }
    counter(out, "ddb_request_body_bytes_total", "Request body bytes received.", in);
    counter(out, "ddb_response_body_bytes_total", "Response body bytes sent.", sent);
    gauge(out, "ddb_connections_open", "Client connections open (all loops).",
          m->nconns ? (uint64_t)atomic_load_explicit(m->nconns, memory_order_relaxed) : 0);
    uint64_t backfilling = 0;
    render_tables(e, a, out, &backfilling);
    render_engine(e, backfilling, out);
}
