/* streams.c: DynamoDB Streams storage. Every committed change of an item
 * of a table with an enabled stream appends one record, in the same write
 * batch as the change, under a sequence number from one engine-wide counter
 * that the single writer advances: numbers increase in commit order, so a
 * reader that has seen number n has seen every record below n.
 *
 * Layout in the streams column family:
 *   SEQ_KEY                       -> next sequence number (BE64)
 *   'D' [stream]                  -> descriptor (table, key schema, view, times, enabled)
 *   'H' [stream] [shard]          -> shard: created, start, end, closed, parent
 *   'R' [stream] [seq]            -> record: [time ms BE64][event][by ttl][item codec map]
 *   'T' [stream]                  -> trim point: the lowest sequence number retained
 * A stream has one open shard at a time; it rolls over to a child shard
 * once it is older than the rollover period and holds records. Records
 * older than the retention are trimmed, then closed shards left empty, then
 * disabled streams past the retention. */
#include <stdlib.h>
#include <string.h>

#include "storage/engine.h"

#define SEQ_KEY "\x01seq"
#define SHARD_REC_LEN 30

static void skey(bytes_t *k, char tag, uint32_t stream) {
    uint8_t b[5];
    b[0] = (uint8_t)tag;
    kc_put_be32(b + 1, stream);
    bytes_put(k, b, 5);
}

static void skey32(bytes_t *k, char tag, uint32_t stream, uint32_t x) {
    skey(k, tag, stream);
    uint8_t b[4];
    kc_put_be32(b, x);
    bytes_put(k, b, 4);
}

static void skey64(bytes_t *k, char tag, uint32_t stream, uint64_t x) {
    skey(k, tag, stream);
    uint8_t b[8];
    kc_put_be64(b, x);
    bytes_put(k, b, 8);
}

static char *get(ddb_engine_t *e, const rocksdb_readoptions_t *ro, const bytes_t *k, size_t *vl) {
    char *msg = NULL;
    char *v = rocksdb_get_cf(e->db, ro, e->cf[CF_STREAMS], (const char *)k->p, k->len, vl, &msg);
    free(msg);
    return v;
}

static void put(ddb_engine_t *e, rocksdb_writebatch_t *wb, const bytes_t *k, const void *v, size_t vl) {
    rocksdb_writebatch_put_cf(wb, e->cf[CF_STREAMS], (const char *)k->p, k->len, v, vl);
}

/* ---- shards ------------------------------------------------------------------- */

static void encode_shard(uint8_t b[SHARD_REC_LEN], const ddb_shard_t *s) {
    kc_put_be64(b, (uint64_t)s->created_ms);
    kc_put_be64(b + 8, s->start);
    kc_put_be64(b + 16, s->end);
    b[24] = s->closed;
    b[25] = s->has_parent;
    kc_put_be32(b + 26, s->parent);
}

static bool decode_shard(const uint8_t *b, size_t len, uint32_t index, ddb_shard_t *s) {
    if (len != SHARD_REC_LEN) return false;
    s->index = index;
    s->created_ms = (int64_t)kc_get_be64(b);
    s->start = kc_get_be64(b + 8);
    s->end = kc_get_be64(b + 16);
    s->closed = b[24] != 0;
    s->has_parent = b[25] != 0;
    s->parent = kc_get_be32(b + 26);
    return true;
}

static void put_shard(ddb_engine_t *e, rocksdb_writebatch_t *wb, uint32_t stream, const ddb_shard_t *s) {
    bytes_t k = {0};
    skey32(&k, 'H', stream, s->index);
    uint8_t b[SHARD_REC_LEN];
    encode_shard(b, s);
    put(e, wb, &k, b, sizeof b);
    bytes_free(&k);
}

/* ---- writer-side state ----------------------------------------------------------- */

void st_open(ddb_engine_t *e) {
    bytes_t k = {0};
    bytes_put(&k, SEQ_KEY, sizeof SEQ_KEY - 1);
    size_t vl;
    char *v = get(e, e->ro, &k, &vl);
    e->next_seq = v && vl == 8 ? kc_get_be64((const uint8_t *)v) : 1;
    free(v);
    bytes_free(&k);
}

void st_reset(ddb_engine_t *e) {
    e->nstreams = 0;
    st_open(e);
}

static void forget(ddb_engine_t *e, uint32_t id) {
    for (size_t i = 0; i < e->nstreams; i++) {
        if (e->streams[i].id == id) {
            e->streams[i] = e->streams[--e->nstreams];
            return;
        }
    }
}

static stream_state_t *remember(ddb_engine_t *e, const stream_state_t *s) {
    forget(e, s->id);
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

/* The last key with the given 5-byte prefix, or false. */
static bool last_under(ddb_engine_t *e, const rocksdb_readoptions_t *ro, char tag, uint32_t stream,
                       bytes_t *key, const char **val, size_t *vl, rocksdb_iterator_t **itp) {
    bytes_t lo = {0}, hi = {0};
    skey(&lo, tag, stream);
    skey(&hi, tag, stream);
    kc_successor(&hi);
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(e->db, ro, e->cf[CF_STREAMS]);
    rocksdb_iter_seek_for_prev(it, (const char *)hi.p, hi.len);
    bool found = false;
    while (rocksdb_iter_valid(it)) {
        size_t kl;
        const uint8_t *k = (const uint8_t *)rocksdb_iter_key(it, &kl);
        if (cmp_bytes(k, kl, hi.p, hi.len) >= 0) {
            rocksdb_iter_prev(it);
            continue;
        }
        if (kl >= 5 && memcmp(k, lo.p, 5) == 0) {
            key->len = 0;
            bytes_put(key, k, kl);
            *val = rocksdb_iter_value(it, vl);
            found = true;
        }
        break;
    }
    bytes_free(&lo);
    bytes_free(&hi);
    *itp = it;
    return found;
}

/* The open shard of a stream (loaded into the cache on first use). */
static stream_state_t *state_of(ddb_engine_t *e, uint32_t id) {
    for (size_t i = 0; i < e->nstreams; i++) {
        if (e->streams[i].id == id) return &e->streams[i];
    }
    stream_state_t s = {.id = id};
    bytes_t k = {0};
    const char *v;
    size_t vl;
    rocksdb_iterator_t *it;
    ddb_shard_t sh = {0};
    if (last_under(e, e->ro, 'H', id, &k, &v, &vl, &it) && k.len == 9) {
        decode_shard((const uint8_t *)v, vl, kc_get_be32(k.p + 5), &sh);
    }
    rocksdb_iter_destroy(it);
    s.shard = sh.index;
    s.shard_created_ms = sh.created_ms;
    s.shard_start = sh.start;
    s.has_parent = sh.has_parent;
    s.parent = sh.parent;
    if (last_under(e, e->ro, 'R', id, &k, &v, &vl, &it) && k.len == 13) {
        uint64_t seq = kc_get_be64(k.p + 5);
        if (seq >= sh.start) s.last_seq = seq;
    }
    rocksdb_iter_destroy(it);
    bytes_free(&k);
    return remember(e, &s);
}

/* ---- descriptors ------------------------------------------------------------------ */

static void put_desc(ddb_engine_t *e, rocksdb_writebatch_t *wb, uint32_t id, const char *table,
                     size_t table_len, const ddb_key_schema_t *key, ddb_stream_view_t view,
                     int64_t created_ms, bool enabled, int64_t disabled_ms) {
    uint8_t nums[18];
    nums[0] = (uint8_t)view;
    nums[1] = enabled;
    kc_put_be64(nums + 2, (uint64_t)created_ms);
    kc_put_be64(nums + 10, (uint64_t)disabled_ms);
    char ht = (char)key->hash_type, rt = (char)key->range_type;
    ddb_attr_t at[6];
    size_t n = 0;
    at[n++] = (ddb_attr_t){"tn", 2, {.type = DDB_T_S, .u.str = {table, table_len}}};
    at[n++] = (ddb_attr_t){"x", 1, {.type = DDB_T_B, .u.str = {(const char *)nums, sizeof nums}}};
    at[n++] = (ddb_attr_t){"hn", 2, {.type = DDB_T_S, .u.str = {key->hash_name, key->hash_len}}};
    at[n++] = (ddb_attr_t){"ht", 2, {.type = DDB_T_B, .u.str = {&ht, 1}}};
    if (key->range_type != DDB_T_NONE) {
        at[n++] = (ddb_attr_t){"rn", 2, {.type = DDB_T_S, .u.str = {key->range_name, key->range_len}}};
        at[n++] = (ddb_attr_t){"rt", 2, {.type = DDB_T_B, .u.str = {&rt, 1}}};
    }
    ddb_value_t m = {.type = DDB_T_M, .u.map = {at, n}};
    bytes_t k = {0}, v = {0};
    skey(&k, 'D', id);
    ic_encode(&v, &m);
    put(e, wb, &k, v.p, v.len);
    bytes_free(&k);
    bytes_free(&v);
}

static bool decode_desc(const uint8_t *p, size_t len, uint32_t id, ddb_arena_t *a, ddb_stream_desc_t *d) {
    ddb_value_t m;
    ddb_error_t err;
    if (ic_decode(p, len, a, &m, &err)) return false;
    const ddb_value_t *tn = ddb_map_get(&m, "tn", 2), *x = ddb_map_get(&m, "x", 1);
    const ddb_value_t *hn = ddb_map_get(&m, "hn", 2), *ht = ddb_map_get(&m, "ht", 2);
    const ddb_value_t *rn = ddb_map_get(&m, "rn", 2), *rt = ddb_map_get(&m, "rt", 2);
    if (!tn || !x || x->u.str.len != 18 || !hn || !ht || ht->u.str.len != 1) return false;
    const uint8_t *b = (const uint8_t *)x->u.str.ptr;
    memset(d, 0, sizeof *d);
    d->id = id;
    d->table = ddb_arena_strndup(a, tn->u.str.ptr, tn->u.str.len);
    d->table_len = tn->u.str.len;
    d->view = (ddb_stream_view_t)b[0];
    d->enabled = b[1] != 0;
    d->created_ms = (int64_t)kc_get_be64(b + 2);
    d->disabled_ms = (int64_t)kc_get_be64(b + 10);
    d->key.hash_name = hn->u.str.ptr;
    d->key.hash_len = hn->u.str.len;
    d->key.hash_type = (ddb_type_t)ht->u.str.ptr[0];
    d->key.range_type = DDB_T_NONE;
    if (rn && rt && rt->u.str.len == 1) {
        d->key.range_name = rn->u.str.ptr;
        d->key.range_len = rn->u.str.len;
        d->key.range_type = (ddb_type_t)rt->u.str.ptr[0];
    }
    return true;
}

void st_create(ddb_engine_t *e, rocksdb_writebatch_t *wb, uint32_t id, const ddb_table_info_t *t,
               ddb_stream_view_t view, int64_t now_ms) {
    put_desc(e, wb, id, t->name, t->name_len, &t->key, view, now_ms, true, 0);
    ddb_shard_t sh = {.index = 0, .created_ms = now_ms, .start = e->next_seq};
    put_shard(e, wb, id, &sh);
    stream_state_t s = {.id = id, .shard = 0, .shard_created_ms = now_ms, .shard_start = sh.start};
    remember(e, &s);
}

void st_disable(ddb_engine_t *e, rocksdb_writebatch_t *wb, uint32_t id, int64_t now_ms) {
    bytes_t k = {0};
    skey(&k, 'D', id);
    size_t vl;
    char *v = get(e, e->ro, &k, &vl);
    bytes_free(&k);
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_stream_desc_t d;
    if (v && decode_desc((const uint8_t *)v, vl, id, a, &d)) {
        put_desc(e, wb, id, d.table, d.table_len, &d.key, d.view, d.created_ms, false, now_ms);
        stream_state_t *s = state_of(e, id);
        ddb_shard_t sh = {.index = s->shard, .created_ms = s->shard_created_ms, .start = s->shard_start,
                          .end = s->last_seq ? s->last_seq : s->shard_start, .closed = true,
                          .has_parent = s->has_parent, .parent = s->parent};
        put_shard(e, wb, id, &sh);
        forget(e, id);
    }
    free(v);
    ddb_arena_destroy(a);
}

/* ---- records ------------------------------------------------------------------------ */

/* The table-key attributes of item. */
static ddb_value_t keys_of(ddb_arena_t *a, const ddb_table_info_t *t, const ddb_value_t *item) {
    ddb_value_t out = {.type = DDB_T_M};
    out.u.map.a = ddb_arena_alloc(a, sizeof(ddb_attr_t) * 2);
    const ddb_key_schema_t *k = &t->key;
    const ddb_value_t *h = ddb_map_get(item, k->hash_name, k->hash_len);
    if (h) out.u.map.a[out.u.map.n++] = (ddb_attr_t){k->hash_name, k->hash_len, *h};
    if (k->range_type != DDB_T_NONE) {
        const ddb_value_t *r = ddb_map_get(item, k->range_name, k->range_len);
        if (r) out.u.map.a[out.u.map.n++] = (ddb_attr_t){k->range_name, k->range_len, *r};
    }
    return out;
}

void st_append(ddb_engine_t *e, rocksdb_writebatch_t *wb, const ddb_table_info_t *t,
               const ddb_value_t *old, const ddb_value_t *next, bool by_ttl, int64_t now_ms) {
    uint32_t id = t->stream.id;
    stream_state_t *s = state_of(e, id);
    uint64_t seq = e->next_seq++;
    if (s->last_seq && now_ms - s->shard_created_ms >= e->rollover_ms) {
        ddb_shard_t closed = {.index = s->shard, .created_ms = s->shard_created_ms, .start = s->shard_start,
                              .end = s->last_seq, .closed = true, .has_parent = s->has_parent,
                              .parent = s->parent};
        put_shard(e, wb, id, &closed);
        ddb_shard_t child = {.index = s->shard + 1, .created_ms = now_ms, .start = seq,
                             .has_parent = true, .parent = s->shard};
        put_shard(e, wb, id, &child);
        s->has_parent = true;
        s->parent = s->shard;
        s->shard++;
        s->shard_created_ms = now_ms;
        s->shard_start = seq;
    }
    s->last_seq = seq;
    ddb_stream_view_t view = t->stream.view;
    ddb_event_t ev = !old ? DDB_EV_INSERT : !next ? DDB_EV_REMOVE : DDB_EV_MODIFY;
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_attr_t at[3];
    size_t n = 0;
    at[n++] = (ddb_attr_t){"k", 1, keys_of(a, t, next ? next : old)};
    if (next && (view == DDB_VIEW_NEW_IMAGE || view == DDB_VIEW_NEW_AND_OLD_IMAGES)) {
        at[n++] = (ddb_attr_t){"n", 1, *next};
    }
    if (old && (view == DDB_VIEW_OLD_IMAGE || view == DDB_VIEW_NEW_AND_OLD_IMAGES)) {
        at[n++] = (ddb_attr_t){"o", 1, *old};
    }
    ddb_value_t m = {.type = DDB_T_M, .u.map = {at, n}};
    bytes_t k = {0}, v = {0};
    uint8_t head[10];
    kc_put_be64(head, (uint64_t)now_ms);
    head[8] = (uint8_t)ev;
    head[9] = by_ttl;
    bytes_put(&v, head, sizeof head);
    ic_encode(&v, &m);
    skey64(&k, 'R', id, seq);
    put(e, wb, &k, v.p, v.len);
    k.len = 0;
    bytes_put(&k, SEQ_KEY, sizeof SEQ_KEY - 1);
    uint8_t nb[8];
    kc_put_be64(nb, e->next_seq);
    put(e, wb, &k, nb, 8);
    bytes_free(&k);
    bytes_free(&v);
    ddb_arena_destroy(a);
}

static bool decode_record(const uint8_t *p, size_t len, uint64_t seq, ddb_arena_t *a,
                          ddb_stream_record_t *r) {
    if (len < 10) return false;
    ddb_value_t *m = ddb_arena_alloc(a, sizeof *m);
    ddb_error_t err;
    if (ic_decode(p + 10, len - 10, a, m, &err)) return false;
    memset(r, 0, sizeof *r);
    r->seq = seq;
    r->time_ms = (int64_t)kc_get_be64(p);
    r->event = (ddb_event_t)p[8];
    r->by_ttl = p[9] != 0;
    r->keys = ddb_map_get(m, "k", 1);
    r->new_image = ddb_map_get(m, "n", 1);
    r->old_image = ddb_map_get(m, "o", 1);
    if (!r->keys) return false;
    r->size = ddb_item_size(r->keys);
    if (r->new_image) r->size += ddb_item_size(r->new_image);
    if (r->old_image) r->size += ddb_item_size(r->old_image);
    return true;
}

/* ---- reads ---------------------------------------------------------------------------- */

static uint64_t trim_point(ddb_engine_t *e, const rocksdb_readoptions_t *ro, uint32_t id) {
    bytes_t k = {0};
    skey(&k, 'T', id);
    size_t vl;
    char *v = get(e, ro, &k, &vl);
    uint64_t t = v && vl == 8 ? kc_get_be64((const uint8_t *)v) : 0;
    free(v);
    bytes_free(&k);
    return t;
}

/* Room for one more element in an arena array of cnt elements of size
 * bytes (doubling *cap when full). */
static void *arena_room(ddb_arena_t *a, void *v, size_t cnt, size_t *cap, size_t size) {
    if (cnt < *cap) return v;
    void *nv = ddb_arena_alloc(a, size * *cap * 2);
    memcpy(nv, v, size * cnt);
    *cap *= 2;
    return nv;
}

int ddb_stream_list(ddb_engine_t *e, ddb_arena_t *a, ddb_stream_desc_t **out, size_t *n,
                    ddb_error_t *err) {
    (void)err;
    size_t cap = 8, cnt = 0;
    ddb_stream_desc_t *v = ddb_arena_alloc(a, sizeof *v * cap);
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(e->db, e->ro, e->cf[CF_STREAMS]);
    for (rocksdb_iter_seek(it, "D", 1); rocksdb_iter_valid(it); rocksdb_iter_next(it)) {
        size_t kl, vl;
        const uint8_t *k = (const uint8_t *)rocksdb_iter_key(it, &kl);
        if (kl != 5 || k[0] != 'D') break;
        const uint8_t *val = (const uint8_t *)rocksdb_iter_value(it, &vl);
        v = arena_room(a, v, cnt, &cap, sizeof *v);
        if (decode_desc(val, vl, kc_get_be32(k + 1), a, &v[cnt])) cnt++;
    }
    rocksdb_iter_destroy(it);
    for (size_t i = 0; i < cnt / 2; i++) { /* ids grow with time: newest first */
        ddb_stream_desc_t tmp = v[i];
        v[i] = v[cnt - 1 - i];
        v[cnt - 1 - i] = tmp;
    }
    *out = v;
    *n = cnt;
    return 0;
}

static int shards_from(ddb_engine_t *e, const rocksdb_readoptions_t *ro, uint32_t id, ddb_arena_t *a,
                       ddb_shard_t **out, size_t *n) {
    size_t cap = 8, cnt = 0;
    ddb_shard_t *v = ddb_arena_alloc(a, sizeof *v * cap);
    bytes_t lo = {0};
    skey(&lo, 'H', id);
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(e->db, ro, e->cf[CF_STREAMS]);
    for (rocksdb_iter_seek(it, (const char *)lo.p, lo.len); rocksdb_iter_valid(it); rocksdb_iter_next(it)) {
        size_t kl, vl;
        const uint8_t *k = (const uint8_t *)rocksdb_iter_key(it, &kl);
        if (kl != 9 || memcmp(k, lo.p, 5) != 0) break;
        const uint8_t *val = (const uint8_t *)rocksdb_iter_value(it, &vl);
        v = arena_room(a, v, cnt, &cap, sizeof *v);
        if (decode_shard(val, vl, kc_get_be32(k + 5), &v[cnt])) cnt++;
    }
    rocksdb_iter_destroy(it);
    bytes_free(&lo);
    *out = v;
    *n = cnt;
    return 0;
}

int ddb_stream_shards(ddb_engine_t *e, uint32_t stream, ddb_arena_t *a, ddb_shard_t **out,
                      size_t *n, uint64_t *trim, ddb_error_t *err) {
    (void)err;
    const rocksdb_snapshot_t *snap = rocksdb_create_snapshot(e->db);
    rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
    rocksdb_readoptions_set_snapshot(ro, snap);
    *trim = trim_point(e, ro, stream);
    int rc = shards_from(e, ro, stream, a, out, n);
    rocksdb_readoptions_destroy(ro);
    rocksdb_release_snapshot(e->db, snap);
    return rc;
}

int ddb_stream_read(ddb_engine_t *e, uint32_t stream, uint32_t shard, uint64_t from, size_t limit,
                    size_t max_bytes, ddb_arena_t *a, ddb_stream_record_t **out, size_t *n,
                    uint64_t *next, bool *done, ddb_error_t *err) {
    const rocksdb_snapshot_t *snap = rocksdb_create_snapshot(e->db);
    rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
    rocksdb_readoptions_set_snapshot(ro, snap);
    *n = 0;
    *next = from;
    *done = false;
    *out = ddb_arena_alloc(a, sizeof **out * (limit ? limit : 1));
    bytes_t k = {0};
    skey32(&k, 'H', stream, shard);
    size_t vl;
    char *v = get(e, ro, &k, &vl);
    ddb_shard_t sh = {0};
    int rc = 0;
    if (!v || !decode_shard((const uint8_t *)v, vl, shard, &sh)) {
        rc = ddb_error_set(err, DDB_ERR_RESOURCE_NOT_FOUND, "Requested resource not found: Shard does not exist");
    } else if (from < trim_point(e, ro, stream)) {
        rc = ddb_error_set(err, DDB_ERR_TRIMMED_DATA,
                           "The operation attempted to read past the oldest stream record in a shard.");
    }
    free(v);
    bytes_free(&k);
    if (!rc) {
        uint64_t to = sh.closed ? sh.end : UINT64_MAX;
        bytes_t lo = {0}, hi = {0};
        skey64(&lo, 'R', stream, from < sh.start ? sh.start : from);
        skey(&hi, 'R', stream);
        kc_successor(&hi);
        rocksdb_readoptions_set_iterate_upper_bound(ro, (const char *)hi.p, hi.len);
        rocksdb_iterator_t *it = rocksdb_create_iterator_cf(e->db, ro, e->cf[CF_STREAMS]);
        size_t bytes = 0;
        for (rocksdb_iter_seek(it, (const char *)lo.p, lo.len); rocksdb_iter_valid(it) && *n < limit;
             rocksdb_iter_next(it)) {
            size_t kl, rl;
            const uint8_t *rk = (const uint8_t *)rocksdb_iter_key(it, &kl);
            if (kl != 13) break;
            uint64_t seq = kc_get_be64(rk + 5);
            if (seq > to) break;
            const uint8_t *rv = (const uint8_t *)rocksdb_iter_value(it, &rl);
            ddb_stream_record_t *r = &(*out)[*n];
            if (!decode_record(rv, rl, seq, a, r)) continue;
            if (*n && bytes + r->size > max_bytes) break;
            bytes += r->size;
            (*n)++;
            *next = seq + 1;
        }
        rocksdb_iter_destroy(it);
        bytes_free(&lo);
        bytes_free(&hi);
        if (*next < sh.start) *next = sh.start;
        *done = sh.closed && *next > sh.end;
    }
    rocksdb_readoptions_destroy(ro);
    rocksdb_release_snapshot(e->db, snap);
    return rc;
}

uint64_t ddb_stream_latest(ddb_engine_t *e) {
    pthread_mutex_lock(&e->writer);
    uint64_t s = e->next_seq;
    pthread_mutex_unlock(&e->writer);
    return s;
}

/* ---- trimming ---------------------------------------------------------------------- */

/* Deletes everything of a stream. */
static void drop_stream(ddb_engine_t *e, rocksdb_writebatch_t *wb, uint32_t id) {
    const char tags[] = {'D', 'H', 'R', 'T'};
    for (size_t i = 0; i < sizeof tags; i++) {
        bytes_t lo = {0}, hi = {0};
        skey(&lo, tags[i], id);
        skey(&hi, tags[i], id);
        kc_successor(&hi);
        rocksdb_writebatch_delete_range_cf(wb, e->cf[CF_STREAMS], (const char *)lo.p, lo.len,
                                           (const char *)hi.p, hi.len);
        bytes_free(&lo);
        bytes_free(&hi);
    }
    forget(e, id);
}

/* Trims one stream, under the writer: records older than cutoff (at most a
 * bounded number per call), closed shards they leave empty, and the whole
 * stream once it has been disabled for longer than the retention. */
static void trim_stream(ddb_engine_t *e, uint32_t id, bool enabled, int64_t disabled_ms, int64_t cutoff) {
    rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
    if (!enabled && disabled_ms < cutoff) {
        drop_stream(e, wb, id);
    } else {
        bytes_t lo = {0}, hi = {0};
        skey(&lo, 'R', id);
        skey(&hi, 'R', id);
        kc_successor(&hi);
        rocksdb_iterator_t *it = rocksdb_create_iterator_cf(e->db, e->ro, e->cf[CF_STREAMS]);
        uint64_t keep = 0, last = 0;
        size_t seen = 0;
        for (rocksdb_iter_seek(it, (const char *)lo.p, lo.len); rocksdb_iter_valid(it) && seen < 10000;
             rocksdb_iter_next(it), seen++) {
            size_t kl, vl;
            const uint8_t *k = (const uint8_t *)rocksdb_iter_key(it, &kl);
            if (cmp_bytes(k, kl, hi.p, hi.len) >= 0 || kl != 13) break;
            const uint8_t *v = (const uint8_t *)rocksdb_iter_value(it, &vl);
            uint64_t seq = kc_get_be64(k + 5);
            if (vl < 8 || (int64_t)kc_get_be64(v) >= cutoff) {
                keep = seq;
                break;
            }
            last = seq;
        }
        rocksdb_iter_destroy(it);
        if (last) {
            uint64_t trim = keep ? keep : last + 1;
            bytes_t upto = {0}, tk = {0};
            skey64(&upto, 'R', id, trim);
            rocksdb_writebatch_delete_range_cf(wb, e->cf[CF_STREAMS], (const char *)lo.p, lo.len,
                                               (const char *)upto.p, upto.len);
            skey(&tk, 'T', id);
            uint8_t b[8];
            kc_put_be64(b, trim);
            put(e, wb, &tk, b, 8);
            /* closed shards wholly below the trim point go */
            ddb_arena_t *a = ddb_arena_create(0);
            ddb_shard_t *sh;
            size_t n;
            shards_from(e, e->ro, id, a, &sh, &n);
            for (size_t i = 0; i < n; i++) {
                if (!sh[i].closed || sh[i].end >= trim) continue;
                bytes_t sk = {0};
                skey32(&sk, 'H', id, sh[i].index);
                rocksdb_writebatch_delete_cf(wb, e->cf[CF_STREAMS], (const char *)sk.p, sk.len);
                bytes_free(&sk);
            }
            ddb_arena_destroy(a);
            bytes_free(&upto);
            bytes_free(&tk);
        }
        bytes_free(&lo);
        bytes_free(&hi);
    }
    ddb_error_t err;
    write_batch(e, wb, &err);
}

void st_maintain(ddb_engine_t *e, int64_t now_ms) {
    int64_t cutoff = now_ms - e->retention_ms;
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_stream_desc_t *all;
    size_t n;
    ddb_error_t err;
    ddb_stream_list(e, a, &all, &n, &err);
    for (size_t i = 0; i < n; i++) {
        pthread_mutex_lock(&e->writer);
        trim_stream(e, all[i].id, all[i].enabled, all[i].disabled_ms, cutoff);
        pthread_mutex_unlock(&e->writer);
    }
    ddb_arena_destroy(a);
}
