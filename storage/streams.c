/* streams.c: DynamoDB Streams storage, the writer's side. Every committed
 * change of an item of a table with an enabled stream appends one record,
 * in the same write batch as the change, under a sequence number from one
 * engine-wide counter that the single writer advances: numbers increase in
 * commit order, so a reader that has seen number n has seen every record
 * below n. A stream has one open shard per lane (one lane unless created
 * under --stream-shards N): an item's records always go to the same lane,
 * so its order is one shard chain's. A lane's open shard rolls over to a
 * child once it is older than the rollover period and holds records. The
 * layout is in streams.h. Puts into the caller's batch; never writes one. */
#include <stdlib.h>
#include <string.h>

#include "storage/streamrec.h"
#include "storage/streams.h"

void ddb__skey(bytes_t *k, char tag, uint32_t stream) {
    uint8_t b[5];
    b[0] = (uint8_t)tag;
    kc_put_be32(b + 1, stream);
    bytes_put(k, b, 5);
}

void ddb__skey32(bytes_t *k, char tag, uint32_t stream, uint32_t x) {
    ddb__skey(k, tag, stream);
    uint8_t b[4];
    kc_put_be32(b, x);
    bytes_put(k, b, 4);
}

void ddb__skey64(bytes_t *k, char tag, uint32_t stream, uint64_t x) {
    ddb__skey(k, tag, stream);
    uint8_t b[8];
    kc_put_be64(b, x);
    bytes_put(k, b, 8);
}

void ddb__lane_key(bytes_t *k, uint32_t stream, uint32_t lane, uint64_t seq) {
    ddb__skey32(k, 'L', stream, lane);
    uint8_t b[8];
    kc_put_be64(b, seq);
    bytes_put(k, b, 8);
}

uint32_t ddb__lane_of(const ddb_key_schema_t *ks, const ddb_value_t *keys, uint32_t lanes) {
    if (lanes <= 1) return 0;
    const ddb_value_t *h = ddb_map_get(keys, ks->hash_name, ks->hash_len);
    bytes_t pk = {0};
    uint32_t lane = 0;
    if (h && kc_encode_value(&pk, h) == 0)
        lane = (uint32_t)(kc_partition_hash(pk.p, pk.len) % lanes);
    bytes_free(&pk);
    return lane;
}

static void put(rk_engine_t *e, rocksdb_writebatch_t *wb, const bytes_t *k, const void *v,
                size_t vl) {
    rocksdb_writebatch_put_cf(wb, e->cf[CF_STREAMS], (const char *)k->p, k->len, v, vl);
}

/* ---- shards ---------------------------------------------------------------------- */

/* The encoding's length: lanes > 1 adds [lane][lanes]. */
static size_t encode_shard(uint8_t b[DDB__SHARD_REC_LEN_LANES], const ddb_shard_t *s) {
    kc_put_be64(b, (uint64_t)s->created_ms);
    kc_put_be64(b + 8, s->start);
    kc_put_be64(b + 16, s->end);
    b[24] = s->closed;
    b[25] = s->has_parent;
    kc_put_be32(b + 26, s->parent);
    if (s->lanes <= 1) return DDB__SHARD_REC_LEN;
    b[30] = (uint8_t)s->lane;
    b[31] = (uint8_t)s->lanes;
    return DDB__SHARD_REC_LEN_LANES;
}

bool ddb__decode_shard(const uint8_t *b, size_t len, uint32_t index, ddb_shard_t *s) {
    if (len != DDB__SHARD_REC_LEN && len != DDB__SHARD_REC_LEN_LANES) return false;
    s->lane = 0;
    s->lanes = 1;
    if (len == DDB__SHARD_REC_LEN_LANES) {
        s->lane = b[30];
        s->lanes = b[31];
        if (s->lanes < 2 || s->lanes > DDB_STREAM_LANES_MAX || s->lane >= s->lanes) return false;
    }
    s->index = index;
    s->created_ms = (int64_t)kc_get_be64(b);
    s->start = kc_get_be64(b + 8);
    s->end = kc_get_be64(b + 16);
    s->closed = b[24] != 0;
    s->has_parent = b[25] != 0;
    s->parent = kc_get_be32(b + 26);
    return true;
}

static void put_shard(rk_engine_t *e, rocksdb_writebatch_t *wb, uint32_t stream,
                      const ddb_shard_t *s) {
    bytes_t k = {0};
    ddb__skey32(&k, 'H', stream, s->index);
    uint8_t b[DDB__SHARD_REC_LEN_LANES];
    size_t len = encode_shard(b, s);
    put(e, wb, &k, b, len);
    bytes_free(&k);
}

/* ---- the sequence counter and the open-shard cache ---------------------------------- */

int ddb__st_open(rk_engine_t *e, ddb_error_t *err) {
    char *v;
    size_t vl;
    int rc = ddb__get(e, e->ro, CF_STREAMS, DDB__SEQ_KEY, sizeof DDB__SEQ_KEY - 1, &v, &vl, err);
    if (rc) return rc;
    if (v && vl != 8)
        rc = ddb_error_set(err, DDB_ERR_INTERNAL, "corrupt stream sequence counter");
    else
        e->next_seq = v ? kc_get_be64((const uint8_t *)v) : 1;
    free(v);
    return rc;
}

void ddb__st_reset(rk_engine_t *e) {
    e->nstreams = 0;
    ddb_error_t err;
    if (ddb__st_open(e, &err)) e->next_seq = 0; /* unknown: the next append retries */
}

void ddb__st_forget(rk_engine_t *e, uint32_t id) {
    for (size_t i = 0; i < e->nstreams; i++) {
        if (e->streams[i].id == id) {
            e->streams[i] = e->streams[--e->nstreams];
            return;
        }
    }
}

static stream_state_t *remember(rk_engine_t *e, const stream_state_t *s) {
    ddb__st_forget(e, s->id);
    if (e->nstreams == e->capstreams) {
        size_t cap = e->capstreams ? e->capstreams * 2 : 8;
        stream_state_t *ns = realloc(e->streams, cap * sizeof *ns);
        if (!ns) abort();
        e->streams = ns;
        e->capstreams = cap;
    }
    e->streams[e->nstreams] = *s;
    return &e->streams[e->nstreams++];
}

/* The key (into *key, emptied first) and value (into *val) of the last key
 * starting with prefix; *found false when there is none. */
static int last_under(rk_engine_t *e, const bytes_t *prefix, bytes_t *key, bytes_t *val,
                      bool *found, ddb_error_t *err) {
    bytes_t lo = {0}, hi = {0};
    bytes_put(&lo, prefix->p, prefix->len);
    bytes_put(&hi, prefix->p, prefix->len);
    kc_successor(&hi);
    rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
    rocksdb_readoptions_set_iterate_lower_bound(ro, (const char *)lo.p, lo.len);
    rocksdb_readoptions_set_iterate_upper_bound(ro, (const char *)hi.p, hi.len);
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(e->db, ro, e->cf[CF_STREAMS]);
    rocksdb_iter_seek_to_last(it);
    *found = rocksdb_iter_valid(it);
    key->len = val->len = 0;
    if (*found) {
        size_t kl, vl;
        const char *k = rocksdb_iter_key(it, &kl);
        const char *v = rocksdb_iter_value(it, &vl);
        bytes_put(key, k, kl);
        bytes_put(val, v, vl);
    }
    int rc = ddb__iter_status(it, err);
    rocksdb_iter_destroy(it);
    rocksdb_readoptions_destroy(ro);
    bytes_free(&lo);
    bytes_free(&hi);
    return rc;
}

static int read_desc(rk_engine_t *e, uint32_t id, ddb_arena_t *a, ddb_stream_desc_t *d, bool *found,
                     ddb_error_t *err);

/* The last record of lane l of stream s into l->last_seq (kept only when
 * it is in the lane's open shard). */
static int load_last(rk_engine_t *e, const stream_state_t *s, uint32_t lane, stream_lane_t *l,
                     ddb_error_t *err) {
    bytes_t prefix = {0}, k = {0}, v = {0};
    bool lanes = s->nlanes > 1;
    if (lanes) {
        ddb__skey32(&prefix, 'L', s->id, lane);
    } else {
        ddb__skey(&prefix, 'R', s->id);
    }
    size_t klen = lanes ? DDB__LANE_RECORD_KEY_LEN : DDB__RECORD_KEY_LEN;
    bool found;
    int rc = last_under(e, &prefix, &k, &v, &found, err);
    if (!rc && found && k.len == klen) {
        uint64_t seq = kc_get_be64(k.p + klen - 8);
        if (seq >= l->shard_start) l->last_seq = seq;
    }
    bytes_free(&prefix);
    bytes_free(&k);
    bytes_free(&v);
    return rc;
}

/* Loads a stream's open shards: the lane count from its descriptor, each
 * lane's newest shard, and the records they hold. */
static int load_state(rk_engine_t *e, stream_state_t *s, ddb_error_t *err) {
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_stream_desc_t d;
    bool found;
    ddb_shard_t *sh;
    size_t n = 0;
    int rc = read_desc(e, s->id, a, &d, &found, err);
    s->nlanes = !rc && found ? d.lanes : 1;
    if (!rc) rc = ddb__shards_from(e, e->ro, s->id, a, &sh, &n, err);
    for (size_t i = 0; !rc && i < n; i++) { /* oldest first: a lane's newest wins */
        if (sh[i].lane >= s->nlanes) {
            rc = ddb_error_set(err, DDB_ERR_INTERNAL, "stream %u: shard %u of lane %u", s->id,
                               sh[i].index, sh[i].lane);
            break;
        }
        stream_lane_t *l = &s->lane[sh[i].lane];
        *l = (stream_lane_t){.shard = sh[i].index,
                             .shard_created_ms = sh[i].created_ms,
                             .shard_start = sh[i].start,
                             .has_parent = sh[i].has_parent,
                             .parent = sh[i].parent};
        if (sh[i].index >= s->next_shard) s->next_shard = sh[i].index + 1;
    }
    for (uint32_t i = 0; !rc && i < s->nlanes; i++)
        rc = load_last(e, s, i, &s->lane[i], err);
    ddb_arena_destroy(a);
    return rc;
}

/* The open shards of a stream (loaded into the cache on first use). */
static int state_of(rk_engine_t *e, uint32_t id, stream_state_t **out, ddb_error_t *err) {
    for (size_t i = 0; i < e->nstreams; i++) {
        if (e->streams[i].id == id) {
            *out = &e->streams[i];
            return 0;
        }
    }
    stream_state_t *s = calloc(1, sizeof *s);
    if (!s) abort();
    s->id = id;
    int rc = load_state(e, s, err);
    if (!rc) *out = remember(e, s);
    free(s);
    return rc;
}

/* ---- descriptors ------------------------------------------------------------------ */

static void put_desc(rk_engine_t *e, rocksdb_writebatch_t *wb, const ddb_stream_desc_t *d) {
    bytes_t k = {0}, v = {0};
    ddb__skey(&k, 'D', d->id);
    ddb__encode_desc(&v, d);
    put(e, wb, &k, v.p, v.len);
    bytes_free(&k);
    bytes_free(&v);
}

void ddb__st_create(rk_engine_t *e, rocksdb_writebatch_t *wb, uint32_t id,
                    const ddb_table_info_t *t, ddb_stream_view_t view, int64_t now_ms) {
    uint32_t lanes = e->stream_lanes ? e->stream_lanes : 1;
    ddb_stream_desc_t d = {.id = id,
                           .table = t->name,
                           .table_len = t->name_len,
                           .key = t->key,
                           .view = view,
                           .created_ms = now_ms,
                           .enabled = true,
                           .lanes = lanes};
    put_desc(e, wb, &d);
    stream_state_t *s = calloc(1, sizeof *s);
    if (!s) abort();
    *s = (stream_state_t){.id = id, .nlanes = lanes, .next_shard = lanes};
    for (uint32_t i = 0; i < lanes; i++) { /* lane i opens with shard i */
        ddb_shard_t sh = {
            .index = i, .created_ms = now_ms, .start = e->next_seq, .lane = i, .lanes = lanes};
        put_shard(e, wb, id, &sh);
        s->lane[i] =
            (stream_lane_t){.shard = i, .shard_created_ms = now_ms, .shard_start = sh.start};
    }
    remember(e, s);
    free(s);
}

/* The descriptor of stream id (*found false when it is gone). */
static int read_desc(rk_engine_t *e, uint32_t id, ddb_arena_t *a, ddb_stream_desc_t *d, bool *found,
                     ddb_error_t *err) {
    bytes_t k = {0};
    ddb__skey(&k, 'D', id);
    char *v;
    size_t vl;
    int rc = ddb__get(e, e->ro, CF_STREAMS, k.p, k.len, &v, &vl, err);
    bytes_free(&k);
    *found = !rc && v;
    if (*found && !ddb__decode_desc((const uint8_t *)v, vl, id, a, d)) {
        rc = ddb_error_set(err, DDB_ERR_INTERNAL, "stream %u: corrupt descriptor", id);
    }
    free(v);
    return rc;
}

/* The shard record of lane l of stream s, open or closed at end. */
static ddb_shard_t lane_shard(const stream_state_t *s, uint32_t i, bool closed, uint64_t end) {
    const stream_lane_t *l = &s->lane[i];
    return (ddb_shard_t){.index = l->shard,
                         .created_ms = l->shard_created_ms,
                         .start = l->shard_start,
                         .end = end,
                         .closed = closed,
                         .has_parent = l->has_parent,
                         .parent = l->parent,
                         .lane = i,
                         .lanes = s->nlanes};
}

int ddb__st_disable(rk_engine_t *e, rocksdb_writebatch_t *wb, uint32_t id, int64_t now_ms,
                    ddb_error_t *err) {
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_stream_desc_t d;
    bool found;
    stream_state_t *s;
    int rc = read_desc(e, id, a, &d, &found, err);
    if (!rc && found && (rc = state_of(e, id, &s, err)) == 0) { /* no descriptor: dropped */
        d.enabled = false;
        d.disabled_ms = now_ms;
        put_desc(e, wb, &d);
        for (uint32_t i = 0; i < s->nlanes; i++) {
            const stream_lane_t *l = &s->lane[i];
            ddb_shard_t sh = lane_shard(s, i, true, l->last_seq ? l->last_seq : l->shard_start);
            put_shard(e, wb, id, &sh);
        }
        ddb__st_forget(e, id);
    }
    ddb_arena_destroy(a);
    return rc;
}

/* ---- records ---------------------------------------------------------------------- */

/* Closes lane i's open shard and opens its child starting at seq, in wb.
 * The child's index is the stream's next: with one lane, the parent's + 1. */
static void roll_over(rk_engine_t *e, rocksdb_writebatch_t *wb, stream_state_t *s, uint32_t i,
                      uint64_t seq, int64_t now_ms) {
    stream_lane_t *l = &s->lane[i];
    ddb_shard_t closed = lane_shard(s, i, true, l->last_seq);
    put_shard(e, wb, s->id, &closed);
    l->has_parent = true;
    l->parent = l->shard;
    l->shard = s->next_shard++;
    l->shard_created_ms = now_ms;
    l->shard_start = seq;
    ddb_shard_t child = lane_shard(s, i, false, 0);
    put_shard(e, wb, s->id, &child);
}

int ddb__st_append(rk_engine_t *e, rocksdb_writebatch_t *wb, const ddb_table_info_t *t,
                   const ddb_value_t *old, const ddb_value_t *next, bool by_ttl, int64_t now_ms,
                   ddb_error_t *err) {
    uint32_t id = t->stream.id;
    int rc = e->next_seq ? 0 : ddb__st_open(e, err);
    stream_state_t *s;
    if (!rc) rc = state_of(e, id, &s, err);
    if (rc) return rc;
    const ddb_value_t *item = next ? next : old;
    uint32_t lane = ddb__lane_of(&t->key, item, s->nlanes);
    stream_lane_t *l = &s->lane[lane];
    uint64_t seq = e->next_seq++;
    if (l->last_seq && now_ms - l->shard_created_ms >= e->rollover_ms) {
        roll_over(e, wb, s, lane, seq, now_ms);
    }
    l->last_seq = seq;
    ddb_stream_view_t view = t->stream.view;
    bytes_t k = {0}, v = {0};
    ddb__encode_record(&v, t, old, next, ddb__view_new(view), ddb__view_old(view), by_ttl, now_ms);
    if (s->nlanes > 1) {
        ddb__lane_key(&k, id, lane, seq);
    } else {
        ddb__skey64(&k, 'R', id, seq);
    }
    put(e, wb, &k, v.p, v.len);
    k.len = 0;
    bytes_put(&k, DDB__SEQ_KEY, sizeof DDB__SEQ_KEY - 1);
    uint8_t nb[8];
    kc_put_be64(nb, e->next_seq);
    put(e, wb, &k, nb, 8);
    bytes_free(&k);
    bytes_free(&v);
    return 0;
}
