/* engine.c: libddb on RocksDB: the catalog, per-table statistics, the single
 * writer that applies every item mutation as one atomic write batch, reads
 * and snapshot iterators.
 *
 * Column families by role: catalog (table name -> table record, and the next
 * id), items (item key -> item record), index (secondary-index entry key ->
 * projected item), stats (table or index id -> count and size). An item, its
 * index entries and the statistics change in one write batch. Table and
 * index ids come from one counter and are never reused, so a deleted table's
 * ranges can be dropped lazily. */
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <rocksdb/c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/codec.h"
#include "storage/ddb.h"
#include "storage/engine.h"
#include "storage/index.h"

static const char *const cf_names[CF_COUNT] = {"default", "catalog", "items", "stats", "index", "streams"};

#define NEXT_ID_KEY "\x01next_table_id"
#define TABLE_KEY_PREFIX 't'
#define BACKFILL_KEY_PREFIX 'b' /* + index id: key of the last item a backfill has indexed */

static void *maint_main(void *arg);
static void cat_clear(ddb_engine_t *e);

int rocks_error(ddb_error_t *err, char *msg) {
    int rc = ddb_error_set(err, DDB_ERR_INTERNAL, "storage error: %s", msg ? msg : "unknown");
    free(msg);
    return rc;
}

int cmp_bytes(const uint8_t *a, size_t al, const uint8_t *b, size_t bl) {
    size_t m = al < bl ? al : bl;
    int c = memcmp(a, b, m);
    if (c) return c;
    return (al > bl) - (al < bl);
}

int ddb_open(const ddb_engine_opts_t *o, ddb_engine_t **out, ddb_error_t *err) {
    ddb_engine_t *e = calloc(1, sizeof *e);
    if (!e) return ddb_error_set(err, DDB_ERR_INTERNAL, "out of memory");
    pthread_mutex_init(&e->writer, NULL);
    pthread_mutex_init(&e->cat_mu, NULL);
    pthread_mutex_init(&e->commit_mu, NULL);
    e->cat_gen = 1; /* 0 marks a table copy of unknown age */
    pthread_mutex_init(&e->stats_mu, NULL);
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
    rocksdb_options_set_info_log_level(e->opts, 3); /* errors only */
    if (o->group_commit) rocksdb_options_set_manual_wal_flush(e->opts, 1);
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
    /* items and index entries start with [id BE32][partition hash BE64]: a
     * 12-byte prefix, with blooms, lets a Query skip every file and memtable
     * range that lacks its partition; other iterators ask for total order */
    e->keyed_opts = rocksdb_options_create_copy(e->opts);
    rocksdb_options_set_prefix_extractor(e->keyed_opts, rocksdb_slicetransform_create_fixed_prefix(12));
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
    const rocksdb_options_t *cfopts[CF_COUNT];
    for (int i = 0; i < CF_COUNT; i++) cfopts[i] = i == CF_ITEMS || i == CF_INDEX ? e->keyed_opts : e->opts;
    char *msg = NULL;
    e->db = rocksdb_open_column_families(e->opts, path, CF_COUNT, cf_names, cfopts, e->cf, &msg);
    if (msg) {
        int rc = rocks_error(err, msg);
        e->db = NULL;
        ddb_close(e);
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
    e->rollover_ms = (int64_t)(o->shard_rollover_s ? o->shard_rollover_s : 4 * 3600) * 1000;
    e->retention_ms = (int64_t)(o->stream_retention_s ? o->stream_retention_s : 24 * 3600) * 1000;
    st_open(e);
    pthread_mutex_init(&e->bf_mu, NULL);
    pthread_cond_init(&e->bf_cond, NULL);
    e->bf_wake = true; /* resume backfills a previous run left unfinished */
    if (!o->inspect_only && pthread_create(&e->bf_thread, NULL, maint_main, e) == 0) e->bf_started = true;
    *out = e;
    return 0;
}

void ddb_close(ddb_engine_t *e) {
    if (!e) return;
    ddb_error_t err;
    if (e->bf_started) {
        pthread_mutex_lock(&e->bf_mu);
        e->bf_stop = true;
        pthread_cond_signal(&e->bf_cond);
        pthread_mutex_unlock(&e->bf_mu);
        pthread_join(e->bf_thread, NULL);
        pthread_mutex_destroy(&e->bf_mu);
        pthread_cond_destroy(&e->bf_cond);
    }
    if (e->db) {
        ddb_commit(e, &err);
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
    cat_clear(e);
    free(e->cat);
    pthread_mutex_destroy(&e->cat_mu);
    pthread_mutex_destroy(&e->commit_mu);
    pthread_mutex_destroy(&e->stats_mu);
    free(e->stats);
    free(e->streams);
    free(e);
}

static void backfill_key(uint8_t k[5], uint32_t index_id) {
    k[0] = BACKFILL_KEY_PREFIX;
    kc_put_be32(k + 1, index_id);
}

/* ---- catalog records ---------------------------------------------------- */

static void table_key(bytes_t *k, const char *name, size_t len) {
    bytes_putc(k, TABLE_KEY_PREFIX);
    bytes_put(k, name, len);
}

/* Table record: the key schema and meta as one map value via the item codec. */
static void encode_table(bytes_t *out, const ddb_table_info_t *t) {
    uint8_t id[4];
    kc_put_be32(id, t->id);
    bytes_put(out, id, 4);
    ddb_attr_t attrs[7];
    size_t n = 0;
    char ht = (char)t->key.hash_type, rt = (char)t->key.range_type;
    attrs[n++] = (ddb_attr_t){"hn", 2, {.type = DDB_T_S, .u.str = {t->key.hash_name, t->key.hash_len}}};
    attrs[n++] = (ddb_attr_t){"ht", 2, {.type = DDB_T_B, .u.str = {&ht, 1}}};
    if (t->key.range_type != DDB_T_NONE) {
        attrs[n++] = (ddb_attr_t){"rn", 2, {.type = DDB_T_S, .u.str = {t->key.range_name, t->key.range_len}}};
        attrs[n++] = (ddb_attr_t){"rt", 2, {.type = DDB_T_B, .u.str = {&rt, 1}}};
    }
    ddb_value_t empty = {.type = DDB_T_M};
    attrs[n++] = (ddb_attr_t){"meta", 4, t->meta ? *t->meta : empty};
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_value_t ix;
    ix_defs_to_value(a, t->indexes, t->nindexes, &ix);
    attrs[n++] = (ddb_attr_t){"ix", 2, ix};
    /* the latest stream: [id BE32][view][enabled][created ms BE64] */
    uint8_t st[14];
    if (t->stream.id) {
        kc_put_be32(st, t->stream.id);
        st[4] = (uint8_t)t->stream.view;
        st[5] = t->stream.enabled;
        kc_put_be64(st + 6, (uint64_t)t->stream.created_ms);
        attrs[n++] = (ddb_attr_t){"st", 2, {.type = DDB_T_B, .u.str = {(const char *)st, sizeof st}}};
    }
    ddb_value_t rec = {.type = DDB_T_M, .u.map = {attrs, n}};
    ic_encode(out, &rec);
    ddb_arena_destroy(a);
}

static int decode_table(const uint8_t *p, size_t len, ddb_arena_t *a, ddb_table_info_t *t,
                        ddb_error_t *err) {
    if (len < 4) return ddb_error_set(err, DDB_ERR_INTERNAL, "corrupt table record");
    t->id = kc_get_be32(p);
    ddb_value_t *rec = ddb_arena_alloc(a, sizeof *rec);
    int rc = ic_decode(p + 4, len - 4, a, rec, err);
    if (rc) return rc;
    const ddb_value_t *hn = ddb_map_get(rec, "hn", 2), *ht = ddb_map_get(rec, "ht", 2);
    const ddb_value_t *rn = ddb_map_get(rec, "rn", 2), *rt = ddb_map_get(rec, "rt", 2);
    const ddb_value_t *meta = ddb_map_get(rec, "meta", 4);
    if (!hn || !ht || ht->u.str.len != 1 || !meta) {
        return ddb_error_set(err, DDB_ERR_INTERNAL, "corrupt table record");
    }
    t->key.hash_name = hn->u.str.ptr;
    t->key.hash_len = hn->u.str.len;
    t->key.hash_type = (ddb_type_t)ht->u.str.ptr[0];
    t->key.range_type = DDB_T_NONE;
    t->key.range_name = NULL;
    t->key.range_len = 0;
    if (rn && rt && rt->u.str.len == 1) {
        t->key.range_name = rn->u.str.ptr;
        t->key.range_len = rn->u.str.len;
        t->key.range_type = (ddb_type_t)rt->u.str.ptr[0];
    }
    t->meta = meta;
    memset(&t->stream, 0, sizeof t->stream);
    const ddb_value_t *st = ddb_map_get(rec, "st", 2);
    if (st && st->type == DDB_T_B && st->u.str.len == 14) {
        const uint8_t *b = (const uint8_t *)st->u.str.ptr;
        t->stream.id = kc_get_be32(b);
        t->stream.view = (ddb_stream_view_t)b[4];
        t->stream.enabled = b[5] != 0;
        t->stream.created_ms = (int64_t)kc_get_be64(b + 6);
    }
    if (ix_defs_from_value(a, ddb_map_get(rec, "ix", 2), &t->indexes, &t->nindexes)) {
        return ddb_error_set(err, DDB_ERR_INTERNAL, "corrupt table record (indexes)");
    }
    return 0;
}

/* Writes table record t (with meta) into batch wb. */
void put_table_record(ddb_engine_t *e, rocksdb_writebatch_t *wb, const ddb_table_info_t *t) {
    e->cat_changed = true;
    bytes_t k = {0}, rec = {0};
    table_key(&k, t->name, t->name_len);
    encode_table(&rec, t);
    rocksdb_writebatch_put_cf(wb, e->cf[CF_CATALOG], (const char *)k.p, k.len, (const char *)rec.p, rec.len);
    bytes_free(&k);
    bytes_free(&rec);
}

/* ---- statistics (caller holds the writer) ------------------------------- */

static table_stats_t *stats_find(ddb_engine_t *e, uint32_t id, bool load) {
    for (size_t i = 0; i < e->nstats; i++) {
        if (e->stats[i].id == id) return &e->stats[i];
    }
    if (!load) return NULL;
    if (e->nstats == e->capstats) {
        size_t cap = e->capstats ? e->capstats * 2 : 16;
        table_stats_t *ns = realloc(e->stats, cap * sizeof *ns);
        if (!ns) abort();
        e->stats = ns;
        e->capstats = cap;
    }
    table_stats_t *s = &e->stats[e->nstats++];
    s->id = id;
    s->count = s->size = 0;
    uint8_t k[4];
    kc_put_be32(k, id);
    size_t vl = 0;
    char *msg = NULL;
    char *v = rocksdb_get_cf(e->db, e->ro, e->cf[CF_STATS], (const char *)k, 4, &vl, &msg);
    free(msg);
    if (v && vl == 16) {
        s->count = kc_get_be64((const uint8_t *)v);
        s->size = kc_get_be64((const uint8_t *)v + 8);
    }
    free(v);
    return s;
}

static void stats_forget(ddb_engine_t *e, uint32_t id) {
    pthread_mutex_lock(&e->stats_mu);
    for (size_t i = 0; i < e->nstats; i++) {
        if (e->stats[i].id == id) {
            e->stats[i] = e->stats[--e->nstats];
            break;
        }
    }
    pthread_mutex_unlock(&e->stats_mu);
}

/* Sets an id's cached statistics (writer). */
static void stats_set(ddb_engine_t *e, const table_stats_t *v) {
    pthread_mutex_lock(&e->stats_mu);
    *stats_find(e, v->id, true) = *v;
    pthread_mutex_unlock(&e->stats_mu);
}

static void stats_put(rocksdb_writebatch_t *wb, ddb_engine_t *e, const table_stats_t *s) {
    uint8_t k[4], v[16];
    kc_put_be32(k, s->id);
    kc_put_be64(v, s->count);
    kc_put_be64(v + 8, s->size);
    rocksdb_writebatch_put_cf(wb, e->cf[CF_STATS], (const char *)k, 4, (const char *)v, 16);
}

/* Readers do not wait for the writer: the cache has its own lock. */
static void read_stats(ddb_engine_t *e, ddb_table_info_t *t) {
    pthread_mutex_lock(&e->stats_mu);
    table_stats_t *s = stats_find(e, t->id, true);
    t->item_count = s->count;
    t->size_bytes = s->size;
    for (size_t i = 0; i < t->nindexes; i++) {
        s = stats_find(e, t->indexes[i].id, true);
        t->indexes[i].item_count = s->count;
        t->indexes[i].size_bytes = s->size;
    }
    pthread_mutex_unlock(&e->stats_mu);
}


static table_stats_t *delta_get(ddb_engine_t *e, stats_delta_t *d, uint32_t id) {
    for (size_t i = 0; i < d->n; i++) {
        if (d->v[i].id == id) return &d->v[i];
    }
    if (d->n == sizeof d->v / sizeof d->v[0]) abort(); /* 25 tables x 21 ids can't reach this */
    pthread_mutex_lock(&e->stats_mu);
    d->v[d->n] = *stats_find(e, id, true);
    pthread_mutex_unlock(&e->stats_mu);
    return &d->v[d->n++];
}


/* ---- catalog ------------------------------------------------------------- */

int write_batch(ddb_engine_t *e, rocksdb_writebatch_t *wb, ddb_error_t *err) {
    char *msg = NULL;
    /* dirty before the write (a reader of it on another thread must find
     * something to flush) and after it (a flush that ran meanwhile may have
     * missed it, and the writer's own commit must flush it) */
    if (e->group_commit) atomic_store(&e->wal_dirty, true);
    rocksdb_write(e->db, e->wo, wb, &msg);
    rocksdb_writebatch_destroy(wb);
    if (e->cat_changed) {
        e->cat_changed = false;
        cat_clear(e);
    }
    if (msg) {
        st_reset(e); /* the batch's stream records and shard changes did not happen */
        return rocks_error(err, msg);
    }
    if (e->group_commit) atomic_store(&e->wal_dirty, true);
    return 0;
}

int write_batch_stats(ddb_engine_t *e, rocksdb_writebatch_t *wb, const stats_delta_t *d,
                      ddb_error_t *err) {
    for (size_t i = 0; i < d->n; i++) stats_put(wb, e, &d->v[i]);
    int rc = write_batch(e, wb, err);
    if (!rc) {
        for (size_t i = 0; i < d->n; i++) stats_set(e, &d->v[i]);
    }
    return rc;
}

/* Takes n fresh ids from the catalog's counter (ids are never reused), the
 * counter's new value going into wb. */
static int alloc_ids(ddb_engine_t *e, rocksdb_writebatch_t *wb, uint32_t n, uint32_t *first,
                     ddb_error_t *err) {
    size_t vl;
    char *msg = NULL;
    char *v = rocksdb_get_cf(e->db, e->ro, e->cf[CF_CATALOG], NEXT_ID_KEY, sizeof NEXT_ID_KEY - 1, &vl, &msg);
    if (msg) {
        free(v);
        return rocks_error(err, msg);
    }
    *first = v && vl == 4 ? kc_get_be32((const uint8_t *)v) : 1;
    free(v);
    uint8_t next[4];
    kc_put_be32(next, *first + n);
    rocksdb_writebatch_put_cf(wb, e->cf[CF_CATALOG], NEXT_ID_KEY, sizeof NEXT_ID_KEY - 1, (const char *)next, 4);
    return 0;
}

int ddb_commit(ddb_engine_t *e, ddb_error_t *err) {
    if (!e->group_commit) return 0;
    /* under commit_mu, so that a thread finding nothing left to flush knows
     * that another thread's flush of the same writes has completed: its
     * readers may have seen those writes */
    pthread_mutex_lock(&e->commit_mu);
    int rc = 0;
    if (atomic_exchange(&e->wal_dirty, false)) {
        char *msg = NULL;
        rocksdb_flush_wal(e->db, e->sync ? 1 : 0, &msg);
        if (msg) {
            atomic_store(&e->wal_dirty, true);
            rc = rocks_error(err, msg);
        }
    }
    pthread_mutex_unlock(&e->commit_mu);
    return rc;
}

static bool table_exists(ddb_engine_t *e, const bytes_t *k) {
    size_t vl;
    char *msg = NULL;
    char *v = rocksdb_get_cf(e->db, e->ro, e->cf[CF_CATALOG], (const char *)k->p, k->len, &vl, &msg);
    free(msg);
    bool found = v != NULL;
    free(v);
    return found;
}

int ddb_table_create(ddb_engine_t *e, ddb_table_info_t *info, ddb_error_t *err) {
    bytes_t k = {0};
    table_key(&k, info->name, info->name_len);
    pthread_mutex_lock(&e->writer);
    int rc = 0;
    if (table_exists(e, &k)) {
        rc = ddb_error_set(err, DDB_ERR_RESOURCE_IN_USE, "Table already exists: %.*s",
                           (int)info->name_len, info->name);
        goto out;
    }
    rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
    uint32_t id;
    rc = alloc_ids(e, wb, 1 + (uint32_t)info->nindexes + (info->stream.enabled ? 1 : 0), &id, err);
    if (rc) {
        rocksdb_writebatch_destroy(wb);
        goto out;
    }
    info->id = id;
    info->item_count = info->size_bytes = 0;
    for (size_t i = 0; i < info->nindexes; i++) info->indexes[i].id = id + 1 + (uint32_t)i;
    if (info->stream.enabled) {
        info->stream.id = id + 1 + (uint32_t)info->nindexes;
        info->stream.created_ms = ddb_now_ms();
        st_create(e, wb, info->stream.id, info, info->stream.view, info->stream.created_ms);
    } else {
        memset(&info->stream, 0, sizeof info->stream);
    }
    put_table_record(e, wb, info);
    table_stats_t zero = {.id = id};
    stats_put(wb, e, &zero);
    for (size_t i = 0; i < info->nindexes; i++) {
        zero.id = info->indexes[i].id;
        stats_put(wb, e, &zero);
    }
    rc = write_batch(e, wb, err);
out:
    pthread_mutex_unlock(&e->writer);
    bytes_free(&k);
    return rc;
}

/* ---- the catalog cache ----------------------------------------------------------
 * Every request looks its table up, and every write looks it up again under
 * the writer: a copy of each table record read saves those RocksDB reads.
 * Entries are record bytes, copied out under the lock and decoded by the
 * caller. Catalog writes (all under the writer) set cat_changed; write_batch
 * then drops every entry and advances the generation, so that a lookup that
 * read the old record concurrently does not put it back. */
typedef struct cat_entry {
    char *name;
    size_t name_len;
    uint8_t *rec;
    size_t rec_len;
} cat_entry_t;

static bool cat_lookup(ddb_engine_t *e, const char *name, size_t len, bytes_t *rec, uint64_t *gen) {
    pthread_mutex_lock(&e->cat_mu);
    *gen = e->cat_gen;
    bool found = false;
    for (size_t i = 0; i < e->ncat; i++) {
        cat_entry_t *c = &e->cat[i];
        if (c->name_len == len && memcmp(c->name, name, len) == 0) {
            bytes_put(rec, c->rec, c->rec_len);
            found = true;
            break;
        }
    }
    pthread_mutex_unlock(&e->cat_mu);
    return found;
}

static void cat_insert(ddb_engine_t *e, const char *name, size_t len, const char *rec, size_t rec_len,
                       uint64_t gen) {
    pthread_mutex_lock(&e->cat_mu);
    if (gen == e->cat_gen && e->ncat < 4096) {
        if (e->ncat == e->capcat) {
            size_t cap = e->capcat ? e->capcat * 2 : 16;
            cat_entry_t *nc = realloc(e->cat, cap * sizeof *nc);
            if (!nc) abort();
            e->cat = nc;
            e->capcat = cap;
        }
        cat_entry_t *c = &e->cat[e->ncat++];
        c->name = malloc(len ? len : 1);
        c->rec = malloc(rec_len ? rec_len : 1);
        if (!c->name || !c->rec) abort();
        memcpy(c->name, name, len);
        memcpy(c->rec, rec, rec_len);
        c->name_len = len;
        c->rec_len = rec_len;
    }
    pthread_mutex_unlock(&e->cat_mu);
}

static void cat_clear(ddb_engine_t *e) {
    pthread_mutex_lock(&e->cat_mu);
    for (size_t i = 0; i < e->ncat; i++) {
        free(e->cat[i].name);
        free(e->cat[i].rec);
    }
    e->ncat = 0;
    e->cat_gen++;
    pthread_mutex_unlock(&e->cat_mu);
}

int get_table_record(ddb_engine_t *e, const char *name, size_t len, ddb_arena_t *a,
                     ddb_table_info_t *out, ddb_error_t *err) {
    bytes_t rec = {0};
    uint64_t gen;
    int rc;
    if (cat_lookup(e, name, len, &rec, &gen)) {
        out->name = ddb_arena_strndup(a, name, len);
        out->name_len = len;
        rc = decode_table(rec.p, rec.len, a, out, err);
        out->catalog_gen = gen;
        bytes_free(&rec);
        return rc;
    }
    bytes_t k = {0};
    table_key(&k, name, len);
    size_t vl;
    char *msg = NULL;
    char *v = rocksdb_get_cf(e->db, e->ro, e->cf[CF_CATALOG], (const char *)k.p, k.len, &vl, &msg);
    bytes_free(&k);
    if (msg) {
        free(v);
        return rocks_error(err, msg);
    }
    if (!v) {
        return ddb_error_set(err, DDB_ERR_RESOURCE_NOT_FOUND,
                             "Requested resource not found: Table: %.*s not found", (int)len, name);
    }
    out->name = ddb_arena_strndup(a, name, len);
    out->name_len = len;
    rc = decode_table((const uint8_t *)v, vl, a, out, err);
    out->catalog_gen = gen;
    if (!rc) cat_insert(e, name, len, v, vl, gen);
    free(v);
    return rc;
}

int ddb_table_get(ddb_engine_t *e, const char *name, size_t len, ddb_arena_t *a,
                  ddb_table_info_t *out, ddb_error_t *err) {
    int rc = get_table_record(e, name, len, a, out, err);
    if (rc) return rc;
    read_stats(e, out);
    return 0;
}

int ddb_table_set_meta(ddb_engine_t *e, const char *name, size_t len, const ddb_value_t *meta,
                       ddb_error_t *err) {
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_table_info_t t;
    pthread_mutex_lock(&e->writer);
    int rc = get_table_record(e, name, len, a, &t, err);
    if (!rc) {
        t.meta = meta;
        rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
        put_table_record(e, wb, &t);
        rc = write_batch(e, wb, err);
    }
    pthread_mutex_unlock(&e->writer);
    ddb_arena_destroy(a);
    return rc;
}

int ddb_table_delete(ddb_engine_t *e, const char *name, size_t len, ddb_error_t *err) {
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_table_info_t t;
    pthread_mutex_lock(&e->writer);
    int rc = get_table_record(e, name, len, a, &t, err);
    if (!rc) {
        bytes_t k = {0};
        table_key(&k, name, len);
        uint8_t lo[4], hi[4], sk[4];
        kc_put_be32(lo, t.id);
        kc_put_be32(hi, t.id + 1);
        kc_put_be32(sk, t.id);
        rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
        /* the stream outlives the table until its records age out */
        if (t.stream.enabled) st_disable(e, wb, t.stream.id, ddb_now_ms());
        rocksdb_writebatch_delete_cf(wb, e->cf[CF_CATALOG], (const char *)k.p, k.len);
        e->cat_changed = true;
        rocksdb_writebatch_delete_cf(wb, e->cf[CF_STATS], (const char *)sk, 4);
        rocksdb_writebatch_delete_range_cf(wb, e->cf[CF_ITEMS], (const char *)lo, 4,
                                           (const char *)hi, 4);
        for (size_t i = 0; i < t.nindexes; i++) {
            kc_put_be32(lo, t.indexes[i].id);
            kc_put_be32(hi, t.indexes[i].id + 1);
            kc_put_be32(sk, t.indexes[i].id);
            rocksdb_writebatch_delete_range_cf(wb, e->cf[CF_INDEX], (const char *)lo, 4,
                                               (const char *)hi, 4);
            rocksdb_writebatch_delete_cf(wb, e->cf[CF_STATS], (const char *)sk, 4);
            uint8_t bk[5];
            backfill_key(bk, t.indexes[i].id);
            rocksdb_writebatch_delete_cf(wb, e->cf[CF_CATALOG], (const char *)bk, 5);
        }
        rc = write_batch(e, wb, err);
        if (!rc) {
            stats_forget(e, t.id);
            for (size_t i = 0; i < t.nindexes; i++) stats_forget(e, t.indexes[i].id);
        }
        bytes_free(&k);
    }
    pthread_mutex_unlock(&e->writer);
    ddb_arena_destroy(a);
    return rc;
}

int ddb_table_list(ddb_engine_t *e, const char *after, size_t after_len, size_t limit,
                   ddb_arena_t *a, const char ***names, size_t **lens, size_t *count, bool *more,
                   ddb_error_t *err) {
    *names = ddb_arena_alloc(a, sizeof(char *) * (limit + 1));
    *lens = ddb_arena_alloc(a, sizeof(size_t) * (limit + 1));
    *count = 0;
    *more = false;
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(e->db, e->ro, e->cf[CF_CATALOG]);
    bytes_t start = {0};
    bytes_putc(&start, TABLE_KEY_PREFIX);
    if (after && after_len) bytes_put(&start, after, after_len);
    rocksdb_iter_seek(it, (const char *)start.p, start.len);
    for (; rocksdb_iter_valid(it); rocksdb_iter_next(it)) {
        size_t kl;
        const char *k = rocksdb_iter_key(it, &kl);
        if (kl < 1 || k[0] != TABLE_KEY_PREFIX) break;
        if (after && after_len && kl - 1 == after_len && memcmp(k + 1, after, after_len) == 0) {
            continue;
        }
        if (*count == limit) {
            *more = true;
            break;
        }
        (*names)[*count] = ddb_arena_strndup(a, k + 1, kl - 1);
        (*lens)[*count] = kl - 1;
        (*count)++;
    }
    char *msg = NULL;
    rocksdb_iter_get_error(it, &msg);
    rocksdb_iter_destroy(it);
    bytes_free(&start);
    if (msg) return rocks_error(err, msg);
    return 0;
}

/* ---- items --------------------------------------------------------------- */

int read_item(ddb_engine_t *e, const rocksdb_readoptions_t *ro, const bytes_t *k,
              ddb_arena_t *a, const ddb_value_t **out, ddb_error_t *err) {
    size_t vl;
    char *msg = NULL;
    char *v = rocksdb_get_cf(e->db, ro, e->cf[CF_ITEMS], (const char *)k->p, k->len, &vl, &msg);
    *out = NULL;
    if (msg) {
        free(v);
        return rocks_error(err, msg);
    }
    if (!v) return 0;
    ddb_value_t *item = ddb_arena_alloc(a, sizeof *item);
    int rc = ic_decode((const uint8_t *)v, vl, a, item, err);
    free(v);
    if (!rc) *out = item;
    return rc;
}

/* Encodes a table's item key; the schema mismatch message when it does not fit. */
static int item_key(bytes_t *k, const ddb_table_info_t *t, const ddb_value_t *key, ddb_error_t *err) {
    if (!kc_item_key(k, t->id, &t->key, key)) return 0;
    bytes_free(k);
    return ddb_error_set(err, DDB_ERR_VALIDATION, "The provided key element does not match the schema");
}

int ddb_item_get(ddb_engine_t *e, const ddb_table_info_t *t, const ddb_value_t *key,
                 ddb_arena_t *a, const ddb_value_t **out, ddb_error_t *err) {
    bytes_t k = {0};
    int rc = item_key(&k, t, key, err);
    if (rc) return rc;
    rc = read_item(e, e->ro, &k, a, out, err);
    bytes_free(&k);
    return rc;
}

/* The table as the catalog holds it now (decoded into a), under the
 * writer: writes use its index list, not the caller's possibly older copy,
 * so an index added meanwhile is maintained. False when the table was
 * deleted (and perhaps re-created) since the caller looked it up: its old id
 * range must not receive writes. */
static bool current_table(ddb_engine_t *e, const ddb_table_info_t *t, ddb_arena_t *a,
                          ddb_table_info_t *cur) {
    /* no catalog change since the caller read its copy (changes happen
     * under the writer, which the caller holds): the copy is current */
    pthread_mutex_lock(&e->cat_mu);
    bool same = t->catalog_gen && t->catalog_gen == e->cat_gen;
    pthread_mutex_unlock(&e->cat_mu);
    if (same) {
        *cur = *t;
        return true;
    }
    ddb_error_t err;
    ddb_error_clear(&err);
    if (get_table_record(e, t->name, t->name_len, a, cur, &err)) return false;
    return cur->id == t->id;
}

/* Where the backfill of an index stands: the key of the last item it has
 * indexed (empty: none yet), read with ro. */
static void backfill_cursor(ddb_engine_t *e, const rocksdb_readoptions_t *ro, uint32_t index_id,
                            bytes_t *out) {
    uint8_t k[5];
    backfill_key(k, index_id);
    size_t vl;
    char *msg = NULL;
    char *v = rocksdb_get_cf(e->db, ro, e->cf[CF_CATALOG], (const char *)k, 5, &vl, &msg);
    free(msg);
    if (v) bytes_put(out, v, vl);
    free(v);
}

/* Whether item key k is already covered by index ix: always, unless the
 * index is backfilling and its backfill has not reached k yet (the backfill
 * will index the item's state when it gets there). */
static bool index_covers(ddb_engine_t *e, const rocksdb_readoptions_t *ro,
                         const ddb_index_info_t *ix, const uint8_t *k, size_t kl) {
    if (!ix->backfilling) return true;
    bytes_t cur = {0};
    backfill_cursor(e, ro, ix->id, &cur);
    bool covered = cur.len && cmp_bytes(k, kl, cur.p, cur.len) <= 0;
    bytes_free(&cur);
    return covered;
}

/* A write that leaves the item as it was changes nothing: no batch, and so
 * no stream record (DynamoDB writes none for it either). */
static bool unchanged(const ddb_value_t *old, const ddb_value_t *next) {
    return next == old || (old && next && ddb_value_equal(old, next));
}

static bool same_key(const ddb_table_info_t *t, const ddb_value_t *item, const bytes_t *k) {
    bytes_t k2 = {0};
    int rc = kc_item_key(&k2, t->id, &t->key, item);
    bool same = !rc && k2.len == k->len && memcmp(k2.p, k->p, k->len) == 0;
    bytes_free(&k2);
    return same;
}

/* Adds one item change to a batch: the item, each secondary index's entry
 * (removed, replaced or added), and their statistics in d. */
void batch_item(ddb_engine_t *e, rocksdb_writebatch_t *wb, const ddb_table_info_t *t,
                const bytes_t *k, const ddb_value_t *old, const ddb_value_t *next,
                stats_delta_t *d, bool by_ttl) {
    table_stats_t *ts = delta_get(e, d, t->id);
    if (old) {
        ts->count--;
        ts->size -= ddb_item_size(old);
    }
    if (next) {
        bytes_t rec = {0};
        ic_encode(&rec, next);
        rocksdb_writebatch_put_cf(wb, e->cf[CF_ITEMS], (const char *)k->p, k->len,
                                  (const char *)rec.p, rec.len);
        bytes_free(&rec);
        ts->count++;
        ts->size += ddb_item_size(next);
    } else {
        rocksdb_writebatch_delete_cf(wb, e->cf[CF_ITEMS], (const char *)k->p, k->len);
    }
    if (t->stream.enabled && t->stream.id) st_append(e, wb, t, old, next, by_ttl, ddb_now_ms());
    if (!t->nindexes) return;
    ddb_arena_t *a = ddb_arena_create(0);
    for (size_t i = 0; i < t->nindexes; i++) {
        const ddb_index_info_t *ix = &t->indexes[i];
        if (!index_covers(e, e->ro, ix, k->p, k->len)) continue;
        table_stats_t *is = delta_get(e, d, ix->id);
        bytes_t ok = {0}, nk = {0};
        bool had = old && ix_entry_key(&ok, t, ix, old);
        bool has = next && ix_entry_key(&nk, t, ix, next);
        ddb_value_t p;
        if (had) {
            ix_project(a, t, ix, old, &p);
            is->count--;
            is->size -= ddb_item_size(&p);
            bool same = has && ok.len == nk.len && memcmp(ok.p, nk.p, ok.len) == 0;
            if (!same) rocksdb_writebatch_delete_cf(wb, e->cf[CF_INDEX], (const char *)ok.p, ok.len);
        }
        if (has) {
            ix_project(a, t, ix, next, &p);
            bytes_t rec = {0};
            ic_encode(&rec, &p);
            rocksdb_writebatch_put_cf(wb, e->cf[CF_INDEX], (const char *)nk.p, nk.len,
                                      (const char *)rec.p, rec.len);
            bytes_free(&rec);
            is->count++;
            is->size += ddb_item_size(&p);
        }
        bytes_free(&ok);
        bytes_free(&nk);
    }
    ddb_arena_destroy(a);
}

int ddb_item_write(ddb_engine_t *e, const ddb_table_info_t *t, const ddb_value_t *key,
                   ddb_mutate_fn fn, void *ctx, ddb_arena_t *a, ddb_error_t *err) {
    bytes_t k = {0};
    int rc = item_key(&k, t, key, err);
    if (rc) return rc;
    pthread_mutex_lock(&e->writer);
    const ddb_value_t *old = NULL, *next = NULL;
    rc = read_item(e, e->ro, &k, a, &old, err);
    if (!rc) rc = fn(ctx, old, &next, err);
    if (rc || unchanged(old, next)) goto out;
    if (next && !same_key(t, next, &k)) {
        rc = ddb_error_set(err, DDB_ERR_INTERNAL, "mutation changed the primary key");
        goto out;
    }
    ddb_table_info_t cur;
    if (!current_table(e, t, a, &cur)) {
        rc = ddb_error_set(err, DDB_ERR_RESOURCE_NOT_FOUND, "Requested resource not found");
        goto out;
    }
    rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
    stats_delta_t d = {.n = 0};
    batch_item(e, wb, &cur, &k, old, next, &d, false);
    rc = write_batch_stats(e, wb, &d, err);
out:
    pthread_mutex_unlock(&e->writer);
    bytes_free(&k);
    return rc;
}

/* ---- adding and dropping indexes ------------------------------------------ */

int ddb_index_add(ddb_engine_t *e, const char *table, size_t len, ddb_index_info_t *ix,
                  const ddb_value_t *meta, ddb_error_t *err) {
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_table_info_t t;
    pthread_mutex_lock(&e->writer);
    int rc = get_table_record(e, table, len, a, &t, err);
    if (!rc && ddb_table_index(&t, ix->name, ix->name_len)) {
        rc = ddb_error_set(err, DDB_ERR_VALIDATION, "Attempting to create an index which already exists");
    }
    rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
    uint32_t id;
    if (!rc) rc = alloc_ids(e, wb, 1, &id, err);
    if (rc) {
        rocksdb_writebatch_destroy(wb);
    } else {
        ix->id = id;
        ix->backfilling = true;
        ddb_index_info_t *all = ddb_arena_alloc(a, sizeof *all * (t.nindexes + 1));
        memcpy(all, t.indexes, sizeof *all * t.nindexes);
        all[t.nindexes] = *ix;
        t.indexes = all;
        t.nindexes++;
        if (meta) t.meta = meta;
        put_table_record(e, wb, &t);
        stats_delta_t zero = {.v = {{.id = id}}, .n = 1};
        rc = write_batch_stats(e, wb, &zero, err);
    }
    pthread_mutex_unlock(&e->writer);
    ddb_arena_destroy(a);
    if (!rc) {
        pthread_mutex_lock(&e->bf_mu);
        e->bf_wake = true;
        pthread_cond_signal(&e->bf_cond);
        pthread_mutex_unlock(&e->bf_mu);
    }
    return rc;
}

int ddb_index_drop(ddb_engine_t *e, const char *table, size_t len, const char *index,
                   size_t index_len, const ddb_value_t *meta, ddb_error_t *err) {
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_table_info_t t;
    pthread_mutex_lock(&e->writer);
    int rc = get_table_record(e, table, len, a, &t, err);
    const ddb_index_info_t *ix = rc ? NULL : ddb_table_index(&t, index, index_len);
    if (!rc && !ix) rc = ddb_error_set(err, DDB_ERR_RESOURCE_NOT_FOUND, "Requested resource not found");
    if (!rc) {
        uint32_t id = ix->id;
        size_t at = (size_t)(ix - t.indexes);
        ddb_index_info_t *rest = ddb_arena_alloc(a, sizeof *rest * (t.nindexes ? t.nindexes : 1));
        memcpy(rest, t.indexes, sizeof *rest * at);
        memcpy(rest + at, t.indexes + at + 1, sizeof *rest * (t.nindexes - at - 1));
        t.indexes = rest;
        t.nindexes--;
        if (meta) t.meta = meta;
        uint8_t lo[4], hi[4], bk[5];
        kc_put_be32(lo, id);
        kc_put_be32(hi, id + 1);
        backfill_key(bk, id);
        rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
        put_table_record(e, wb, &t);
        rocksdb_writebatch_delete_cf(wb, e->cf[CF_CATALOG], (const char *)bk, 5);
        rocksdb_writebatch_delete_cf(wb, e->cf[CF_STATS], (const char *)lo, 4);
        rocksdb_writebatch_delete_range_cf(wb, e->cf[CF_INDEX], (const char *)lo, 4, (const char *)hi, 4);
        rc = write_batch(e, wb, err);
        if (!rc) stats_forget(e, id);
    }
    pthread_mutex_unlock(&e->writer);
    ddb_arena_destroy(a);
    return rc;
}

/* One bounded step of the backfill of index index_id of the table called
 * name, under the writer: indexes the next items after the cursor and moves
 * the cursor in the same batch; at the end of the table, marks the index
 * built. Returns true while more remains. */
static bool backfill_step(ddb_engine_t *e, const char *name, size_t len, uint32_t index_id) {
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_table_info_t t;
    ddb_error_t err;
    ddb_error_clear(&err);
    bool more = false;
    pthread_mutex_lock(&e->writer);
    ddb_index_info_t *ix = NULL;
    if (!get_table_record(e, name, len, a, &t, &err)) {
        for (size_t i = 0; i < t.nindexes; i++) {
            if (t.indexes[i].id == index_id && t.indexes[i].backfilling) ix = &t.indexes[i];
        }
    }
    if (!ix) goto out;
    bytes_t lower = {0}, upper = {0}, last = {0};
    backfill_cursor(e, e->ro, index_id, &lower);
    if (lower.len) {
        bytes_putc(&lower, 0); /* the smallest key after the cursor */
    } else {
        uint8_t b[4];
        kc_put_be32(b, t.id);
        bytes_put(&lower, b, 4);
    }
    uint8_t hi[4];
    kc_put_be32(hi, t.id + 1);
    bytes_put(&upper, hi, 4);
    rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
    rocksdb_readoptions_set_iterate_upper_bound(ro, (const char *)upper.p, upper.len);
    rocksdb_readoptions_set_total_order_seek(ro, 1);
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(e->db, ro, e->cf[CF_ITEMS]);
    rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
    stats_delta_t d = {.n = 0};
    table_stats_t *is = delta_get(e, &d, index_id);
    uint32_t n = 0;
    for (rocksdb_iter_seek(it, (const char *)lower.p, lower.len); rocksdb_iter_valid(it) && n < e->bf_batch;
         rocksdb_iter_next(it), n++) {
        size_t kl, vl;
        const char *k = rocksdb_iter_key(it, &kl);
        const char *v = rocksdb_iter_value(it, &vl);
        ddb_value_t item;
        if (ic_decode((const uint8_t *)v, vl, a, &item, &err)) continue;
        last.len = 0;
        bytes_put(&last, k, kl);
        bytes_t ek = {0};
        if (ix_entry_key(&ek, &t, ix, &item)) {
            ddb_value_t p;
            ix_project(a, &t, ix, &item, &p);
            bytes_t rec = {0};
            ic_encode(&rec, &p);
            rocksdb_writebatch_put_cf(wb, e->cf[CF_INDEX], (const char *)ek.p, ek.len, (const char *)rec.p, rec.len);
            bytes_free(&rec);
            is->count++;
            is->size += ddb_item_size(&p);
        }
        bytes_free(&ek);
    }
    more = rocksdb_iter_valid(it);
    rocksdb_iter_destroy(it);
    rocksdb_readoptions_destroy(ro);
    uint8_t bk[5];
    backfill_key(bk, index_id);
    if (more) {
        rocksdb_writebatch_put_cf(wb, e->cf[CF_CATALOG], (const char *)bk, 5, (const char *)last.p, last.len);
    } else {
        ix->backfilling = false;
        put_table_record(e, wb, &t);
        rocksdb_writebatch_delete_cf(wb, e->cf[CF_CATALOG], (const char *)bk, 5);
    }
    if (write_batch_stats(e, wb, &d, &err)) {
        fprintf(stderr, "ddb: backfill of index %u: %s\n", index_id, err.msg);
        more = false;
    }
    bytes_free(&lower);
    bytes_free(&upper);
    bytes_free(&last);
out:
    pthread_mutex_unlock(&e->writer);
    ddb_arena_destroy(a);
    return more;
}

/* One round over the catalog: a step of every unfinished backfill. Returns
 * true while some backfill has more to do. */
static bool backfill_round(ddb_engine_t *e) {
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_error_t err;
    ddb_error_clear(&err);
    const char **names;
    size_t *lens, count;
    bool more = false, any = false;
    if (ddb_table_list(e, NULL, 0, 1u << 20, a, &names, &lens, &count, &more, &err) == 0) {
        for (size_t i = 0; i < count; i++) {
            ddb_table_info_t t;
            if (get_table_record(e, names[i], lens[i], a, &t, &err)) continue;
            for (size_t j = 0; j < t.nindexes; j++) {
                if (t.indexes[j].backfilling) any |= backfill_step(e, names[i], lens[i], t.indexes[j].id);
            }
        }
    }
    ddb_arena_destroy(a);
    return any;
}

int64_t ddb_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool maint_stopping(ddb_engine_t *e) {
    pthread_mutex_lock(&e->bf_mu);
    bool stop = e->bf_stop;
    pthread_mutex_unlock(&e->bf_mu);
    return stop;
}

/* The maintenance thread: runs backfills whenever woken (a bounded step at a
 * time, so writers interleave), and every ttl_interval_ms the TTL sweeper
 * and stream trimming. */
static void *maint_main(void *arg) {
    ddb_engine_t *e = arg;
    int64_t next_tick = ddb_now_ms() + e->ttl_interval_ms;
    for (;;) {
        pthread_mutex_lock(&e->bf_mu);
        if (!e->bf_wake && !e->bf_stop) {
            struct timespec until = {.tv_sec = next_tick / 1000, .tv_nsec = (long)(next_tick % 1000) * 1000000L};
            pthread_cond_timedwait(&e->bf_cond, &e->bf_mu, &until);
        }
        bool wake = e->bf_wake, stop = e->bf_stop;
        e->bf_wake = false;
        pthread_mutex_unlock(&e->bf_mu);
        if (stop) break;
        ddb_error_t err;
        while (wake && backfill_round(e)) {
            ddb_commit(e, &err);
            if (maint_stopping(e)) return NULL;
            if (e->bf_pause_ms) {
                struct timespec ts = {.tv_sec = e->bf_pause_ms / 1000, .tv_nsec = (long)(e->bf_pause_ms % 1000) * 1000000L};
                nanosleep(&ts, NULL);
            } else {
                sched_yield();
            }
        }
        int64_t now = ddb_now_ms();
        if (now >= next_tick) {
            ttl_sweep(e, now);
            st_maintain(e, now);
            next_tick = ddb_now_ms() + e->ttl_interval_ms;
        }
        ddb_commit(e, &err);
    }
    return NULL;
}

/* ---- TTL and streams on a table ----------------------------------------------- */

int ddb_ttl_set(ddb_engine_t *e, const char *table, size_t len, const char *attr, size_t attr_len,
                ddb_error_t *err) {
    if (!attr) return ddb_index_drop(e, table, len, "", 0, NULL, err);
    ddb_index_info_t ix = {.name = "", .name_len = 0, .ttl = true, .projection = DDB_PROJ_KEYS_ONLY,
                           .key = {.hash_name = attr, .hash_len = attr_len, .hash_type = DDB_T_N}};
    return ddb_index_add(e, table, len, &ix, NULL, err);
}

int ddb_stream_set(ddb_engine_t *e, const char *table, size_t len, ddb_stream_view_t view,
                   const ddb_value_t *meta, ddb_error_t *err) {
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_table_info_t t;
    pthread_mutex_lock(&e->writer);
    int rc = get_table_record(e, table, len, a, &t, err);
    rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
    uint32_t id = 0;
    if (!rc && view) rc = alloc_ids(e, wb, 1, &id, err);
    if (rc) {
        rocksdb_writebatch_destroy(wb);
    } else {
        int64_t now = ddb_now_ms();
        if (t.stream.enabled) st_disable(e, wb, t.stream.id, now);
        t.stream.enabled = false;
        if (view) {
            t.stream = (ddb_stream_ref_t){.id = id, .enabled = true, .view = view, .created_ms = now};
            st_create(e, wb, id, &t, view, now);
        }
        if (meta) t.meta = meta;
        put_table_record(e, wb, &t);
        rc = write_batch(e, wb, err);
    }
    pthread_mutex_unlock(&e->writer);
    ddb_arena_destroy(a);
    return rc;
}

/* ---- multi-item writes and reads --------------------------------------------- */

int ddb_write_all(ddb_engine_t *e, ddb_write_t *ops, size_t n, ddb_arena_t *a, ddb_error_t *err) {
    bytes_t *keys = calloc(n ? n : 1, sizeof *keys);
    const ddb_value_t **olds = calloc(n ? n : 1, sizeof *olds), **nexts = calloc(n ? n : 1, sizeof *nexts);
    if (!keys || !olds || !nexts) abort();
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        if (kc_item_key(&keys[i], ops[i].table->id, &ops[i].table->key, ops[i].key)) {
            rc = ddb_error_set(err, DDB_ERR_VALIDATION,
                               "The provided key element does not match the schema");
        }
    }
    pthread_mutex_lock(&e->writer);
    bool failed = false;
    ddb_table_info_t *cur = ddb_arena_alloc(a, sizeof *cur * (n ? n : 1));
    for (size_t i = 0; i < n && !rc; i++) {
        ddb_write_t *op = &ops[i];
        ddb_error_clear(&op->error);
        if (!current_table(e, op->table, a, &cur[i])) {
            op->status = ddb_error_set(&op->error, DDB_ERR_RESOURCE_NOT_FOUND, "Requested resource not found");
            failed = true;
            continue;
        }
        rc = read_item(e, e->ro, &keys[i], a, &olds[i], err);
        if (rc) break;
        op->status = op->fn(op->ctx, olds[i], &nexts[i], &op->error);
        if (op->status) {
            failed = true;
        } else if (nexts[i] && nexts[i] != olds[i] && !same_key(op->table, nexts[i], &keys[i])) {
            rc = ddb_error_set(err, DDB_ERR_INTERNAL, "mutation changed the primary key");
        }
    }
    if (!rc && failed) rc = ddb_error_set(err, DDB_ERR_TRANSACTION_CANCELED, "Transaction cancelled");
    if (!rc) {
        rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
        stats_delta_t *d = calloc(1, sizeof *d);
        if (!d) abort();
        for (size_t i = 0; i < n; i++) {
            if (unchanged(olds[i], nexts[i])) continue;
            batch_item(e, wb, &cur[i], &keys[i], olds[i], nexts[i], d, false);
        }
        rc = write_batch_stats(e, wb, d, err);
        free(d);
    }
    pthread_mutex_unlock(&e->writer);
    for (size_t i = 0; i < n; i++) bytes_free(&keys[i]);
    free(keys);
    free(olds);
    free(nexts);
    return rc;
}

int ddb_read_all(ddb_engine_t *e, const ddb_table_info_t *const *tables,
                 const ddb_value_t *const *keys, size_t n, ddb_arena_t *a,
                 const ddb_value_t **out, ddb_error_t *err) {
    const rocksdb_snapshot_t *snap = rocksdb_create_snapshot(e->db);
    rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
    rocksdb_readoptions_set_snapshot(ro, snap);
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        bytes_t k = {0};
        if (kc_item_key(&k, tables[i]->id, &tables[i]->key, keys[i])) {
            rc = ddb_error_set(err, DDB_ERR_VALIDATION, "The provided key element does not match the schema");
        } else {
            rc = read_item(e, ro, &k, a, &out[i], err);
        }
        bytes_free(&k);
    }
    rocksdb_readoptions_destroy(ro);
    rocksdb_release_snapshot(e->db, snap);
    return rc;
}

/* ---- iteration ------------------------------------------------------------ */

struct ddb_iter {
    ddb_engine_t *e;
    const rocksdb_snapshot_t *snap;
    rocksdb_readoptions_t *ro;
    rocksdb_iterator_t *it;
    bytes_t lower, upper; /* [lower, upper): the only keys the iterator may read */
    bool reverse;
};

/* Opens the snapshot iterator over [lower, upper) of the items family. */
static ddb_iter_t *iter_open(ddb_engine_t *e, int cf, bytes_t lower, bytes_t upper, bool reverse,
                             bool one_partition) {
    ddb_iter_t *it = calloc(1, sizeof *it);
    if (!it) abort();
    it->e = e;
    it->lower = lower;
    it->upper = upper;
    it->reverse = reverse;
    it->snap = rocksdb_create_snapshot(e->db);
    it->ro = rocksdb_readoptions_create();
    rocksdb_readoptions_set_snapshot(it->ro, it->snap);
    rocksdb_readoptions_set_iterate_lower_bound(it->ro, (const char *)it->lower.p, it->lower.len);
    rocksdb_readoptions_set_iterate_upper_bound(it->ro, (const char *)it->upper.p, it->upper.len);
    /* a Query stays in one partition: the prefix blooms skip files without it */
    if (one_partition) rocksdb_readoptions_set_prefix_same_as_start(it->ro, 1);
    else rocksdb_readoptions_set_total_order_seek(it->ro, 1);
    it->it = rocksdb_create_iterator_cf(e->db, it->ro, e->cf[cf]);
    return it;
}

/* Positions a reverse iterator on the last key < bound (and >= lower). */
static void seek_before(ddb_iter_t *it, const uint8_t *bound, size_t len) {
    rocksdb_iter_seek_for_prev(it->it, (const char *)bound, len);
    while (rocksdb_iter_valid(it->it)) {
        size_t kl;
        const uint8_t *k = (const uint8_t *)rocksdb_iter_key(it->it, &kl);
        if (cmp_bytes(k, kl, bound, len) < 0) break;
        rocksdb_iter_prev(it->it);
    }
}

/* Positions the iterator at the first key of its range in its direction, or
 * strictly after (forward) / before (reverse) the key `after`. */
static void iter_position(ddb_iter_t *it, const bytes_t *after) {
    if (!it->reverse) {
        if (after && cmp_bytes(after->p, after->len, it->lower.p, it->lower.len) >= 0) {
            bytes_t k = {0};
            bytes_put(&k, after->p, after->len);
            bytes_putc(&k, 0); /* smallest key greater than `after` */
            rocksdb_iter_seek(it->it, (const char *)k.p, k.len);
            bytes_free(&k);
        } else {
            rocksdb_iter_seek(it->it, (const char *)it->lower.p, it->lower.len);
        }
        return;
    }
    if (after && cmp_bytes(after->p, after->len, it->upper.p, it->upper.len) < 0) {
        seek_before(it, after->p, after->len);
    } else {
        seek_before(it, it->upper.p, it->upper.len);
    }
}

/* Opens an iterator over [lower, upper) (taking both) positioned after
 * start_after's key when given. */
static int iter_start(ddb_engine_t *e, const ddb_table_info_t *t, const ddb_index_info_t *ix,
                      bytes_t lower, bytes_t upper, bool reverse, bool one_partition,
                      const ddb_value_t *start_after, ddb_iter_t **out, ddb_error_t *err) {
    bytes_t after = {0};
    int bad = 0;
    if (start_after) {
        bad = ix ? ix_start_key(&after, t, ix, start_after)
                 : kc_item_key(&after, t->id, &t->key, start_after);
    }
    if (bad) {
        bytes_free(&lower);
        bytes_free(&upper);
        bytes_free(&after);
        return ddb_error_set(err, DDB_ERR_VALIDATION,
                             "The provided starting key is invalid: The provided key element "
                             "does not match the schema");
    }
    ddb_iter_t *it = iter_open(e, ix ? CF_INDEX : CF_ITEMS, lower, upper, reverse, one_partition);
    iter_position(it, start_after ? &after : NULL);
    bytes_free(&after);
    *out = it;
    return 0;
}

int ddb_iter_scan(ddb_engine_t *e, const ddb_table_info_t *t, const ddb_index_info_t *index,
                  const ddb_value_t *start_after, uint32_t segment, uint32_t total,
                  ddb_iter_t **out, ddb_error_t *err) {
    /* segment bounds: [id][segment start hash] .. [id][next start hash] */
    uint32_t id = index ? index->id : t->id;
    int lo_end, hi_end;
    uint64_t lo = kc_segment_start(segment, total, &lo_end);
    uint64_t hi = kc_segment_start(segment + 1, total, &hi_end);
    bytes_t lower = {0}, upper = {0};
    uint8_t b[12];
    kc_put_be32(b, id);
    kc_put_be64(b + 4, lo);
    bytes_put(&lower, b, 12);
    if (hi_end) {
        kc_put_be32(b, id + 1);
        bytes_put(&upper, b, 4);
    } else {
        kc_put_be64(b + 4, hi);
        bytes_put(&upper, b, 12);
    }
    return iter_start(e, t, index, lower, upper, false, false, start_after, out, err);
}

/* Appends enc(v) to a copy of part, then, when `past` is set, turns it into
 * the smallest key after every key that starts with it. */
static void bound(bytes_t *out, const bytes_t *part, const ddb_value_t *v, bool past) {
    bytes_put(out, part->p, part->len);
    kc_encode_value(out, v);
    if (past) kc_successor(out);
}

int ddb_iter_query(ddb_engine_t *e, const ddb_table_info_t *t, const ddb_index_info_t *index,
                   const ddb_key_range_t *range, const ddb_value_t *start_after, bool reverse,
                   ddb_iter_t **out, ddb_error_t *err) {
    bytes_t part = {0}, lower = {0}, upper = {0};
    int rc = kc_partition_prefix(&part, index ? index->id : t->id, range->hash);
    if (rc) {
        bytes_free(&part);
        return ddb_error_set(err, DDB_ERR_VALIDATION,
                             "One or more parameter values were invalid: Condition parameter type "
                             "does not match schema type");
    }
    /* keys of equal sort keys may continue (index entries end with the table
     * key), so bounds past a value are successors, not value + 0x00 */
    bool bounded_above = false;
    if (range->prefix) {
        bytes_put(&lower, part.p, part.len);
        kc_encode_prefix(&lower, range->prefix);
        bytes_put(&upper, lower.p, lower.len);
        bounded_above = kc_successor(&upper);
    } else {
        if (range->lo) bound(&lower, &part, range->lo, !range->lo_incl);
        else bytes_put(&lower, part.p, part.len);
        if (range->hi) {
            bound(&upper, &part, range->hi, range->hi_incl);
            bounded_above = true;
        }
    }
    if (!bounded_above) {
        upper.len = 0;
        bytes_put(&upper, part.p, part.len);
        if (!kc_successor(&upper)) {
            /* the partition prefix starts with the id, which never is all 0xFF */
            bytes_free(&part);
            bytes_free(&lower);
            bytes_free(&upper);
            return ddb_error_set(err, DDB_ERR_INTERNAL, "no upper bound for partition");
        }
    }
    bytes_free(&part);
    return iter_start(e, t, index, lower, upper, reverse, true, start_after, out, err);
}

int ddb_iter_next(ddb_iter_t *it, ddb_arena_t *a, const ddb_value_t **item, ddb_error_t *err) {
    *item = NULL;
    if (!rocksdb_iter_valid(it->it)) {
        char *msg = NULL;
        rocksdb_iter_get_error(it->it, &msg);
        if (msg) return rocks_error(err, msg);
        return 0;
    }
    size_t vl;
    const char *v = rocksdb_iter_value(it->it, &vl);
    ddb_value_t *out = ddb_arena_alloc(a, sizeof *out);
    int rc = ic_decode((const uint8_t *)v, vl, a, out, err);
    if (rc) return rc;
    *item = out;
    if (it->reverse) rocksdb_iter_prev(it->it);
    else rocksdb_iter_next(it->it);
    return 0;
}

void ddb_iter_destroy(ddb_iter_t *it) {
    if (!it) return;
    if (it->it) rocksdb_iter_destroy(it->it);
    if (it->ro) rocksdb_readoptions_destroy(it->ro);
    if (it->snap) rocksdb_release_snapshot(it->e->db, it->snap);
    bytes_free(&it->lower);
    bytes_free(&it->upper);
    free(it);
}

/* Counts the entries stored under an index id. */
static uint64_t count_index_entries(ddb_engine_t *e, const rocksdb_readoptions_t *ro, uint32_t id) {
    uint8_t lo[4], hi[4];
    kc_put_be32(lo, id);
    kc_put_be32(hi, id + 1);
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(e->db, ro, e->cf[CF_INDEX]);
    uint64_t n = 0;
    for (rocksdb_iter_seek(it, (const char *)lo, 4); rocksdb_iter_valid(it); rocksdb_iter_next(it)) {
        size_t kl;
        const char *k = rocksdb_iter_key(it, &kl);
        if (memcmp(k, hi, 4) >= 0) break;
        n++;
    }
    rocksdb_iter_destroy(it);
    return n;
}

/* Checks one table (and its indexes) against its items, read from snap. */
static int check_table(ddb_engine_t *e, const ddb_table_info_t *t, rocksdb_readoptions_t *ro,
                       ddb_error_t *err) {
    ddb_iter_t *it;
    int rc = ddb_iter_scan(e, t, NULL, NULL, 0, 1, &it, err);
    if (rc) return rc;
    uint64_t n = 0, size = 0;
    uint64_t *icount = calloc(t->nindexes + 1, sizeof *icount), *isize = calloc(t->nindexes + 1, sizeof *isize);
    if (!icount || !isize) abort();
    ddb_arena_t *ia = ddb_arena_create(0);
    const ddb_value_t *item;
    while (!rc && (rc = ddb_iter_next(it, ia, &item, err)) == 0 && item) {
        n++;
        size += ddb_item_size(item);
        bytes_t ik = {0};
        kc_item_key(&ik, t->id, &t->key, item);
        for (size_t i = 0; !rc && i < t->nindexes; i++) {
            const ddb_index_info_t *ix = &t->indexes[i];
            bytes_t k = {0}, want = {0};
            if (!index_covers(e, ro, ix, ik.p, ik.len)) continue;
            if (!ix_entry_key(&k, t, ix, item)) continue;
            ddb_value_t p;
            ix_project(ia, t, ix, item, &p);
            ic_encode(&want, &p);
            icount[i]++;
            isize[i] += ddb_item_size(&p);
            size_t vl;
            char *msg = NULL;
            char *v = rocksdb_get_cf(e->db, ro, e->cf[CF_INDEX], (const char *)k.p, k.len, &vl, &msg);
            free(msg);
            if (!v || vl != want.len || memcmp(v, want.p, vl) != 0) {
                rc = ddb_error_set(err, DDB_ERR_INTERNAL, "table %s: index %.*s %s an item's entry",
                                   t->name, (int)ix->name_len, ix->name, v ? "has a stale copy of" : "lacks");
            }
            free(v);
            bytes_free(&k);
            bytes_free(&want);
        }
        bytes_free(&ik);
        ddb_arena_reset(ia);
    }
    ddb_arena_destroy(ia);
    ddb_iter_destroy(it);
    if (!rc && (n != t->item_count || size != t->size_bytes)) {
        rc = ddb_error_set(err, DDB_ERR_INTERNAL,
                           "table %s: stats say %llu items / %llu bytes, scan finds %llu / %llu",
                           t->name, (unsigned long long)t->item_count,
                           (unsigned long long)t->size_bytes, (unsigned long long)n,
                           (unsigned long long)size);
    }
    for (size_t i = 0; !rc && i < t->nindexes; i++) {
        const ddb_index_info_t *ix = &t->indexes[i];
        uint64_t stored = count_index_entries(e, ro, ix->id);
        if (stored != icount[i] || ix->item_count != icount[i] || ix->size_bytes != isize[i]) {
            rc = ddb_error_set(err, DDB_ERR_INTERNAL,
                               "table %s: index %.*s holds %llu entries (stats %llu / %llu bytes), "
                               "the table implies %llu / %llu bytes",
                               t->name, (int)ix->name_len, ix->name, (unsigned long long)stored,
                               (unsigned long long)ix->item_count, (unsigned long long)ix->size_bytes,
                               (unsigned long long)icount[i], (unsigned long long)isize[i]);
        }
    }
    free(icount);
    free(isize);
    return rc;
}

int ddb_check(ddb_engine_t *e, ddb_error_t *err) {
    ddb_arena_t *a = ddb_arena_create(0);
    const char **names;
    size_t *lens, count;
    bool more;
    /* the whole check holds the writer, so catalog, statistics, backfill
     * cursors and data all agree (writes wait meanwhile) */
    pthread_mutex_lock(&e->writer);
    const rocksdb_snapshot_t *snap = rocksdb_create_snapshot(e->db);
    rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
    rocksdb_readoptions_set_snapshot(ro, snap);
    rocksdb_readoptions_set_total_order_seek(ro, 1);
    int rc = ddb_table_list(e, NULL, 0, 1u << 20, a, &names, &lens, &count, &more, err);
    for (size_t i = 0; !rc && i < count; i++) {
        ddb_table_info_t t;
        rc = get_table_record(e, names[i], lens[i], a, &t, err);
        if (!rc) {
            read_stats(e, &t);
            rc = check_table(e, &t, ro, err);
        }
    }
    rocksdb_readoptions_destroy(ro);
    rocksdb_release_snapshot(e->db, snap);
    pthread_mutex_unlock(&e->writer);
    ddb_arena_destroy(a);
    return rc;
}
