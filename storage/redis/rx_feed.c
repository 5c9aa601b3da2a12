/* rx_feed.c: the change feed and the DynamoDB Streams API over it. Every
 * write of a table whose stream is enabled or that has a GSI appends its
 * change record to its bucket's stream (ddb.lua's write, in the same
 * function call as the item), so the feed is exactly the committed writes,
 * each bucket's in commit order. A stream's shards are time windows of
 * shard_rollover each, times its lanes: lane j holds the buckets b with
 * b % lanes == j, and a window's shard of a lane has its records ordered by
 * sequence number (rx__seq: record time, then bucket, then the record id's
 * sequence). Shards need no bookkeeping: any front end computes the same
 * ones from the descriptor (the window after k is k's child: lineage).
 * Reading merges the lane's buckets up to a horizon below which every
 * bucket is complete: each bucket's read comes with its master's clock,
 * and records added later have ids at or after it (less RX_FEED_SKEW_MS,
 * for masters whose clocks differ a little after a failover). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "storage/redis/rx_int.h"
#include "storage/streamrec.h"

#define RX_FEED_SKEW_MS  50  /* masters' clocks agree within this */
#define RX_FEED_POLL_MS  50  /* ddb_stream_wait's longest sleep between looks */
#define RX_TRIM_GRACE_MS 500 /* a position this far below the trim point reads on from it */

uint64_t rx__seq(int64_t ms, uint32_t bucket, uint64_t n) {
    uint64_t t = ms > RX_SEQ_EPOCH_MS ? (uint64_t)(ms - RX_SEQ_EPOCH_MS) : 0;
    if (t >= (1ull << 42)) t = (1ull << 42) - 1;
    return t << 22 | (uint64_t)(bucket & 63) << 16 | (n > 0xffff ? 0xffff : n);
}

static int64_t seq_ms(uint64_t seq) {
    return (int64_t)(seq >> 22) + RX_SEQ_EPOCH_MS;
}

bool rx__has_gsi(const ddb_table_info_t *t) {
    for (size_t i = 0; i < t->nindexes; i++)
        if (!t->indexes[i].ttl && !t->indexes[i].local) return true;
    return false;
}

bool rx__feed_on(const ddb_table_info_t *t) {
    return t->stream.enabled || rx__has_gsi(t);
}

void rx__feed_record(bytes_t *out, const ddb_table_info_t *t, const ddb_value_t *old,
                     const ddb_value_t *next, bool by_ttl) {
    uint8_t id[4];
    kc_put_be32(id, t->stream.enabled ? t->stream.id : 0);
    bytes_put(out, id, 4);
    bool gsi = rx__has_gsi(t);
    ddb_stream_view_t v = t->stream.enabled ? t->stream.view : DDB_VIEW_KEYS_ONLY;
    ddb__encode_record(out, t, old, next, gsi || ddb__view_new(v), gsi || ddb__view_old(v), by_ttl,
                       ddb_now_ms());
}

void rx__feed_notify(rx_engine_t *e, const rx_wset_t *s) {
    pthread_mutex_lock(&e->feed_mu);
    e->feed_gen++;
    for (size_t i = 0; i < s->n; i++) {
        const rx_witem_t *x = &s->it[i];
        if (!x->rec.len || x->key.len < 12) continue;
        uint64_t d =
            (uint64_t)kc_get_be32(x->key.p) << 32 | rx__bucket_index(e, kc_get_be64(x->key.p + 4));
        if (e->ndirty < sizeof e->dirty / sizeof e->dirty[0])
            e->dirty[e->ndirty++] = d;
        else
            e->dirty_overflow = true;
    }
    pthread_cond_broadcast(&e->feed_cond);
    pthread_mutex_unlock(&e->feed_mu);
}

/* ---- descriptors --------------------------------------------------------- */

/* A descriptor record of RX_CAT_STREAMS: [table id BE32][storage/streamrec.h's
 * descriptor] (the id names the buckets whose feed the stream reads, which
 * outlive the table's record when it is deleted). */
static bool decode_desc(const char *p, size_t len, uint32_t id, ddb_arena_t *a,
                        ddb_stream_desc_t *d, uint32_t *table) {
    if (len < 4) return false;
    uint8_t *copy = ddb_arena_alloc(a, len);
    memcpy(copy, p, len);
    *table = kc_get_be32(copy);
    return ddb__decode_desc(copy + 4, len - 4, id, a, d);
}

static void encode_desc(bytes_t *out, const ddb_stream_desc_t *d, uint32_t table) {
    uint8_t id[4];
    kc_put_be32(id, table);
    bytes_put(out, id, 4);
    ddb__encode_desc(out, d);
}

void rx__stream_desc(bytes_t *out, rx_engine_t *e, const ddb_table_info_t *t,
                     ddb_stream_view_t view, int64_t now_ms) {
    ddb_stream_desc_t d = {.table = t->name,
                           .table_len = t->name_len,
                           .key = t->key,
                           .view = view,
                           .created_ms = now_ms,
                           .enabled = true,
                           .lanes = e->stream_lanes};
    encode_desc(out, &d, t->id);
}

/* Stream id's descriptor and table id (*found false when there is none). */
static int get_desc(rx_engine_t *e, uint32_t id, ddb_arena_t *a, ddb_stream_desc_t *d,
                    uint32_t *table, bool *found, ddb_error_t *err) {
    char f[16];
    snprintf(f, sizeof f, "%u", id);
    const char *argv[] = {"HGET", RX_CAT_STREAMS, f};
    redisReply *r;
    int rc = rx__cat(e, false, 3, argv, NULL, &r, err);
    if (rc) return rc;
    *found = false;
    if (r->type == REDIS_REPLY_STRING) {
        *found = decode_desc(r->str, r->len, id, a, d, table);
        if (!*found)
            rc = ddb_error_set(err, DDB_ERR_INTERNAL, "stream %u: descriptor does not decode", id);
    }
    freeReplyObject(r);
    return rc;
}

int rx__stream_disable(rx_engine_t *e, uint32_t id, int64_t now_ms, ddb_error_t *err) {
    for (int attempt = 0; attempt < RX_RETRIES; attempt++) {
        ddb_arena_t *a = ddb_arena_create(0);
        char f[16];
        snprintf(f, sizeof f, "%u", id);
        const char *get[] = {"HGET", RX_CAT_STREAMS, f};
        redisReply *r = NULL;
        int rc = rx__cat(e, false, 3, get, NULL, &r, err);
        ddb_stream_desc_t d;
        uint32_t table;
        bool ok = !rc && r->type == REDIS_REPLY_STRING &&
                  decode_desc(r->str, r->len, id, a, &d, &table) && d.enabled;
        int done = 1;
        if (ok) {
            d.enabled = false;
            d.disabled_ms = now_ms;
            bytes_t v = {0};
            encode_desc(&v, &d, table);
            const char *cas[] = {"FCALL", "ddb_cas",        "1", RX_CAT_STREAMS, f,
                                 r->str,  (const char *)v.p};
            size_t lens[] = {5, 7, 1, strlen(RX_CAT_STREAMS), strlen(f), r->len, v.len};
            redisReply *c;
            rc = rx__cat(e, true, 7, cas, lens, &c, err);
            if (!rc) {
                done = c->type == REDIS_REPLY_INTEGER && c->integer == 1;
                freeReplyObject(c);
            }
            bytes_free(&v);
        }
        if (r) freeReplyObject(r);
        ddb_arena_destroy(a);
        if (rc || done) return rc;
    }
    return ddb_error_set(err, DDB_ERR_INTERNAL, "stream %u: its descriptor kept changing", id);
}

typedef struct stream_change {
    ddb_stream_view_t view;
    const ddb_value_t *meta;
    uint32_t id; /* the new stream's */
    int64_t now_ms;
    uint32_t old; /* out: the stream disabled (0: none) */
} stream_change_t;

static int change_stream(ddb_arena_t *a, ddb_table_info_t *t, const void *ctx, ddb_error_t *err) {
    stream_change_t *c = (stream_change_t *)ctx;
    (void)a, (void)err;
    c->old = t->stream.enabled ? t->stream.id : 0;
    t->stream.enabled = false;
    if (c->view)
        t->stream = (ddb_stream_ref_t){
            .id = c->id, .enabled = true, .view = c->view, .created_ms = c->now_ms};
    if (c->meta) t->meta = c->meta;
    return 0;
}

int rx_stream_set(rx_engine_t *e, const char *table, size_t len, ddb_stream_view_t view,
                  const ddb_value_t *meta, ddb_error_t *err) {
    if (view && !e->stream_lanes)
        return rx__unsupported(err, "DynamoDB Streams on a cluster of more than 64 buckets");
    stream_change_t c = {.view = view, .meta = meta, .now_ms = ddb_now_ms()};
    int rc = 0;
    if (view) {
        /* the new stream's descriptor first: a table never names a stream that is not there */
        ddb_arena_t *a = ddb_arena_create(0);
        ddb_table_info_t t;
        rc = rx_table_get(e, table, len, a, &t, err);
        const char *incr[] = {"INCR", RX_CAT_IDS};
        redisReply *r = NULL;
        if (!rc) rc = rx__cat(e, true, 2, incr, NULL, &r, err);
        if (!rc) {
            c.id = r->type == REDIS_REPLY_INTEGER ? (uint32_t)r->integer : 0;
            freeReplyObject(r);
            bytes_t v = {0};
            rx__stream_desc(&v, e, &t, view, c.now_ms);
            char f[16];
            snprintf(f, sizeof f, "%u", c.id);
            const char *set[] = {"HSET", RX_CAT_STREAMS, f, (const char *)v.p};
            size_t lens[] = {4, strlen(RX_CAT_STREAMS), strlen(f), v.len};
            rc = rx__cat(e, true, 4, set, lens, &r, err);
            if (!rc) freeReplyObject(r);
            bytes_free(&v);
        }
        ddb_arena_destroy(a);
    }
    if (!rc) rc = rx__change_record(e, table, len, change_stream, &c, err);
    if (rc && c.id) rx__stream_disable(e, c.id, c.now_ms, &(ddb_error_t){0});
    if (!rc && c.old) rc = rx__stream_disable(e, c.old, c.now_ms, err);
    return rc;
}

/* ---- listing and shards ---------------------------------------------------- */

static int cmp_desc(const void *a, const void *b) {
    const ddb_stream_desc_t *x = a, *y = b;
    return x->id < y->id ? 1 : x->id > y->id ? -1 : 0;
}

int rx_stream_list(rx_engine_t *e, ddb_arena_t *a, ddb_stream_desc_t **out, size_t *n,
                   ddb_error_t *err) {
    *out = NULL;
    *n = 0;
    const char *argv[] = {"HGETALL", RX_CAT_STREAMS};
    redisReply *r;
    int rc = rx__cat(e, false, 2, argv, NULL, &r, err);
    if (rc) return rc;
    size_t cnt = r->type == REDIS_REPLY_ARRAY ? r->elements / 2 : 0;
    ddb_stream_desc_t *v = ddb_arena_alloc(a, sizeof *v * (cnt ? cnt : 1));
    int64_t horizon = ddb_now_ms() - e->retention_ms;
    for (size_t i = 0; i < cnt; i++) {
        const redisReply *f = r->element[2 * i], *val = r->element[2 * i + 1];
        uint32_t id = (uint32_t)strtoul(f->str, NULL, 10);
        uint32_t table;
        if (!decode_desc(val->str, val->len, id, a, &v[*n], &table)) continue;
        if (!v[*n].enabled && v[*n].disabled_ms < horizon) {
            /* disabled past the retention: nothing of it is readable */
            const char *del[] = {"HDEL", RX_CAT_STREAMS, f->str};
            redisReply *d;
            if (rx__cat(e, true, 3, del, NULL, &d, &(ddb_error_t){0}) == 0) freeReplyObject(d);
            continue;
        }
        (*n)++;
    }
    freeReplyObject(r);
    qsort(v, *n, sizeof *v, cmp_desc);
    *out = v;
    return 0;
}

/* Where a stream's shards stand now: its window length, the last instant
 * it takes records at (now, or when it was disabled), the first retained. */
typedef struct span {
    int64_t window, last_ms, trim_ms;
} span_t;

static span_t span_of(const rx_engine_t *e, const ddb_stream_desc_t *d) {
    span_t s = {.window = e->rollover_ms, .last_ms = d->enabled ? ddb_now_ms() : d->disabled_ms};
    s.trim_ms = ddb_now_ms() - e->retention_ms;
    if (s.trim_ms < d->created_ms) s.trim_ms = d->created_ms;
    return s;
}

/* Shard `index` of stream d, as ddb_stream_shards describes it. false when
 * it does not exist (yet, or any more). */
static bool shard_of(const ddb_stream_desc_t *d, const span_t *s, uint32_t index,
                     ddb_shard_t *out) {
    uint32_t k = index / d->lanes, lane = index % d->lanes;
    int64_t ws = d->created_ms + (int64_t)k * s->window, we = ws + s->window;
    if (ws > s->last_ms) return false;
    bool last = we > s->last_ms;
    if (last && !d->enabled) we = d->disabled_ms + 1;
    if (we <= s->trim_ms) return false;
    *out = (ddb_shard_t){.index = index,
                         .created_ms = ws,
                         .start = rx__seq(ws, 0, 0),
                         .end = rx__seq(we, 0, 0) - 1,
                         .closed = !last || !d->enabled,
                         .has_parent = k > 0,
                         .parent = k ? index - d->lanes : 0,
                         .lane = lane,
                         .lanes = d->lanes};
    return true;
}

static int load_desc(rx_engine_t *e, uint32_t stream, ddb_arena_t *a, ddb_stream_desc_t *d,
                     uint32_t *table, ddb_error_t *err) {
    bool found;
    int rc = get_desc(e, stream, a, d, table, &found, err);
    if (rc) return rc;
    if (!found || (!d->enabled && d->disabled_ms < ddb_now_ms() - e->retention_ms))
        return ddb_error_set(err, DDB_ERR_RESOURCE_NOT_FOUND, "Requested resource not found");
    return 0;
}

int rx_stream_shards(rx_engine_t *e, uint32_t stream, ddb_arena_t *a, ddb_shard_t **out, size_t *n,
                     uint64_t *trim, ddb_error_t *err) {
    ddb_stream_desc_t d;
    uint32_t table;
    int rc = load_desc(e, stream, a, &d, &table, err);
    if (rc) return rc;
    span_t s = span_of(e, &d);
    uint32_t kmin = (uint32_t)((s.trim_ms - d.created_ms) / s.window);
    uint32_t kmax = (uint32_t)((s.last_ms - d.created_ms) / s.window);
    if (kmax < kmin) kmax = kmin;
    size_t cap = (size_t)(kmax - kmin + 1) * d.lanes;
    ddb_shard_t *v = ddb_arena_alloc(a, sizeof *v * cap);
    *n = 0;
    for (uint32_t k = kmin; k <= kmax; k++)
        for (uint32_t l = 0; l < d.lanes; l++)
            if (shard_of(&d, &s, k * d.lanes + l, &v[*n])) (*n)++;
    *out = v;
    *trim = rx__seq(s.trim_ms, 0, 0);
    return 0;
}

/* ---- reading a shard -------------------------------------------------------- */

typedef struct feed_rec {
    uint64_t seq;
    const redisReply *body;
} feed_rec_t;

static int cmp_rec(const void *a, const void *b) {
    const feed_rec_t *x = a, *y = b;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Parses a stream entry id "ms-n". */
static bool parse_id(const redisReply *r, int64_t *ms, uint64_t *n) {
    if (r->type != REDIS_REPLY_STRING) return false;
    char buf[48];
    if (r->len >= sizeof buf) return false;
    memcpy(buf, r->str, r->len);
    buf[r->len] = '\0';
    char *dash;
    long long m = strtoll(buf, &dash, 10);
    if (*dash != '-') return false;
    *ms = m;
    *n = strtoull(dash + 1, NULL, 10);
    return true;
}

/* The field named f of a stream entry's field list. */
static const redisReply *entry_field(const redisReply *fields, const char *f) {
    for (size_t i = 0; fields->type == REDIS_REPLY_ARRAY && i + 1 < fields->elements; i += 2)
        if (fields->element[i]->len == strlen(f) && !memcmp(fields->element[i]->str, f, strlen(f)))
            return fields->element[i + 1];
    return NULL;
}

/* The lane's records of one bucket in the window from `from` on, for the merge. */
typedef struct bucket_read {
    uint64_t horizon; /* every record of the bucket below it is among these */
    size_t nrecs;
} bucket_read_t;

static void bucket_start(char *out, size_t cap, uint64_t from, uint32_t b) {
    int64_t ms = seq_ms(from);
    uint32_t fb = (uint32_t)(from >> 16) & 63;
    uint64_t fn = from & 0xffff;
    if (b > fb)
        snprintf(out, cap, "%lld-0", (long long)ms);
    else if (b == fb)
        snprintf(out, cap, "%lld-%llu", (long long)ms, (unsigned long long)fn);
    else
        snprintf(out, cap, "%lld-0", (long long)ms + 1);
}

/* Decodes the records of reply r (a bucket's ddb_feed_read) of stream id
 * into recs, and the bucket's horizon. */
static void take_bucket(const redisReply *r, uint32_t b, uint32_t stream, size_t limit,
                        int64_t wend, feed_rec_t *recs, size_t *nrecs, uint64_t *horizon) {
    *horizon = 0;
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
        r->element[0]->type != REDIS_REPLY_INTEGER)
        return;
    int64_t now = r->element[0]->integer - RX_FEED_SKEW_MS;
    const redisReply *list = r->element[1];
    size_t cnt = list->type == REDIS_REPLY_ARRAY ? list->elements : 0;
    uint64_t last = 0;
    for (size_t i = 0; i < cnt; i++) {
        const redisReply *ent = list->element[i];
        int64_t ms;
        uint64_t nn;
        if (ent->type != REDIS_REPLY_ARRAY || ent->elements != 2 ||
            !parse_id(ent->element[0], &ms, &nn))
            continue;
        last = rx__seq(ms, b, nn);
        const redisReply *body = entry_field(ent->element[1], "r");
        if (!body || body->len < 4 || kc_get_be32((const uint8_t *)body->str) != stream) continue;
        recs[(*nrecs)++] = (feed_rec_t){last, body};
    }
    if (cnt >= limit)
        *horizon = last + 1; /* more may follow: complete only up to the last one read */
    else
        *horizon = rx__seq(now < wend ? now : wend, 0, 0);
}

/* One read of the shard; *pending: records past the horizon exist (they
 * show once every bucket's clock has passed them). */
static int read_once(rx_engine_t *e, uint32_t stream, uint32_t shard, uint64_t from, size_t limit,
                     size_t max_bytes, ddb_arena_t *a, ddb_stream_record_t **out, size_t *n,
                     uint64_t *next, bool *done, bool *pending, ddb_error_t *err) {
    *pending = false;
    *out = NULL;
    *n = 0;
    *next = from;
    *done = false;
    ddb_stream_desc_t d;
    uint32_t table;
    int rc = load_desc(e, stream, a, &d, &table, err);
    if (rc) return rc;
    span_t s = span_of(e, &d);
    ddb_shard_t sh;
    if (!shard_of(&d, &s, shard, &sh))
        return ddb_error_set(err, DDB_ERR_RESOURCE_NOT_FOUND, "Requested resource not found");
    /* below the retention (not merely before the stream began: LATEST may be).
     * The trim point moves with the clock: an iterator taken at it a moment
     * ago is not "trimmed" for that moment (RX_TRIM_GRACE_MS) */
    uint64_t trim = rx__seq(s.trim_ms, 0, 0);
    if (from < trim && s.trim_ms > d.created_ms) {
        if (from < rx__seq(s.trim_ms - RX_TRIM_GRACE_MS, 0, 0))
            return ddb_error_set(err, DDB_ERR_TRIMMED_DATA, "records before %llu have been trimmed",
                                 (unsigned long long)trim);
        from = trim;
    }
    if (from < sh.start) from = sh.start;
    *next = from;
    if (from > sh.end) {
        *done = sh.closed;
        return 0;
    }
    if (limit < 1) limit = 1;
    /* one read per bucket of the lane, from `from` on to the window's end */
    int64_t wend = seq_ms(sh.end + 1);
    rc_cmd_t *cmds = calloc(e->buckets, sizeof *cmds);
    uint32_t *bk = calloc(e->buckets, sizeof *bk);
    char(*names)[64] = calloc(e->buckets, sizeof *names);
    char(*starts)[48] = calloc(e->buckets, sizeof *starts);
    const char *(*argv)[7] = calloc(e->buckets, sizeof *argv);
    if (!cmds || !bk || !names || !starts || !argv) abort();
    char endid[32], count[24];
    snprintf(endid, sizeof endid, "%lld", (long long)(wend - 1));
    snprintf(count, sizeof count, "%zu", limit);
    size_t nb = 0;
    for (uint32_t b = 0; b < e->buckets && b < RX_SEQ_BUCKETS; b++) {
        if (b % d.lanes != sh.lane) continue;
        rs_bucket_t t;
        rs_bucket_name(&t, table, b);
        snprintf(names[nb], sizeof names[nb], "%ss", t.tag);
        bucket_start(starts[nb], sizeof starts[nb], from, b);
        const char *v[] = {"FCALL", "ddb_feed_read", "1", names[nb], starts[nb], endid, count};
        memcpy(argv[nb], v, sizeof v);
        cmds[nb] = (rc_cmd_t){.key = names[nb],
                              .klen = strlen(names[nb]),
                              .argc = 7,
                              .argv = argv[nb],
                              .idempotent = true};
        bk[nb++] = b;
    }
    rc = rc_exec(rx__conn(e), cmds, nb, err);
    /* merged below the lowest horizon */
    feed_rec_t *recs = malloc(sizeof *recs * (nb * limit + 1));
    if (!recs) abort();
    size_t nrecs = 0;
    uint64_t horizon = UINT64_MAX;
    for (size_t i = 0; !rc && i < nb; i++) {
        if (cmds[i].reply && cmds[i].reply->type == REDIS_REPLY_ERROR) {
            rc = ddb_error_set(err, DDB_ERR_INTERNAL, "ddb_feed_read: %.*s",
                               (int)cmds[i].reply->len, cmds[i].reply->str);
            break;
        }
        uint64_t h;
        take_bucket(cmds[i].reply, bk[i], stream, limit, wend, recs, &nrecs, &h);
        if (h < horizon) horizon = h;
    }
    if (!rc) {
        qsort(recs, nrecs, sizeof *recs, cmp_rec);
        ddb_stream_record_t *v = ddb_arena_alloc(a, sizeof *v * (nrecs ? nrecs : 1));
        size_t bytes = 0;
        bool cut = false;
        for (size_t i = 0; i < nrecs && !rc; i++) {
            if (recs[i].seq >= horizon) {
                *pending = true;
                break;
            }
            if (*n >= limit || (*n && bytes >= max_bytes)) {
                cut = true;
                break;
            }
            const redisReply *body = recs[i].body;
            uint8_t *copy = ddb_arena_alloc(a, body->len);
            memcpy(copy, body->str, body->len);
            ddb_stream_record_t *r = &v[*n];
            rc = ddb__decode_record(copy + 4, body->len - 4, stream, recs[i].seq, a, r, err);
            if (rc) break;
            /* the feed carries both images for GSIs: the stream shows its view's */
            if (!ddb__view_new(d.view)) r->new_image = NULL;
            if (!ddb__view_old(d.view)) r->old_image = NULL;
            r->size = ddb_item_size(r->keys) + (r->new_image ? ddb_item_size(r->new_image) : 0) +
                      (r->old_image ? ddb_item_size(r->old_image) : 0);
            bytes += r->size;
            (*n)++;
        }
        if (!rc) {
            *out = v;
            if (cut)
                *next = v[*n - 1].seq + 1;
            else
                *next = horizon > from ? (horizon > sh.end + 1 ? sh.end + 1 : horizon) : from;
            *done = !cut && horizon > sh.end;
        }
    }
    for (size_t i = 0; i < nb; i++)
        if (cmds[i].reply) freeReplyObject(cmds[i].reply);
    free(recs), free(cmds), free(bk), free(names), free(starts), free(argv);
    return rc;
}

int rx_stream_read(rx_engine_t *e, uint32_t stream, uint32_t shard, uint64_t from, size_t limit,
                   size_t max_bytes, ddb_arena_t *a, ddb_stream_record_t **out, size_t *n,
                   uint64_t *next, bool *done, ddb_error_t *err) {
    bool pending;
    int rc =
        read_once(e, stream, shard, from, limit, max_bytes, a, out, n, next, done, &pending, err);
    if (!rc && !*n && pending) {
        /* records just written: wait the clocks' margin out once rather than
         * answer "nothing" for what is there (a reader at the stream's head) */
        struct timespec ts = {0, (RX_FEED_SKEW_MS + 2) * 1000000L};
        nanosleep(&ts, NULL);
        rc = read_once(e, stream, shard, from, limit, max_bytes, a, out, n, next, done, &pending,
                       err);
    }
    return rc;
}

/* Records from now on: the front end's clock (the masters' agree with it
 * within RX_FEED_SKEW_MS). */
uint64_t rx_stream_latest(rx_engine_t *e) {
    (void)e;
    return rx__seq(ddb_now_ms(), 0, 0);
}

int rx_stream_wait(rx_engine_t *e, uint64_t after, int timeout_ms) {
    if (timeout_ms != 0) {
        int ms = timeout_ms < 0 || timeout_ms > RX_FEED_POLL_MS ? RX_FEED_POLL_MS : timeout_ms;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += (long)ms * 1000000L;
        ts.tv_sec += ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        pthread_mutex_lock(&e->feed_mu);
        uint64_t gen = e->feed_gen;
        while (e->feed_gen == gen)
            if (pthread_cond_timedwait(&e->feed_cond, &e->feed_mu, &ts)) break;
        pthread_mutex_unlock(&e->feed_mu);
    }
    return rx_stream_latest(e) > after;
}
