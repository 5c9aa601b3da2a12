/* stream_read.c: the Streams reads: the streams still readable, a stream's
 * shards, and a shard's records from a sequence number on, each from one
 * snapshot. Records are read only below the commit watermark (commit.c), so
 * a reader never sees a record a crash could still take back, and never
 * takes the writer. Nothing here writes. */
#include <stdlib.h>
#include <string.h>

#include "storage/streams.h"

int ddb__trim_point(rk_engine_t *e, const rocksdb_readoptions_t *ro, uint32_t id, uint64_t *out,
                    ddb_error_t *err) {
    bytes_t k = {0};
    ddb__skey(&k, 'T', id);
    char *v;
    size_t vl;
    int rc = ddb__get(e, ro, CF_STREAMS, k.p, k.len, &v, &vl, err);
    bytes_free(&k);
    *out = 0;
    if (!rc && v && vl != 8)
        rc = ddb_error_set(err, DDB_ERR_INTERNAL, "stream %u: corrupt trim point", id);
    else if (v)
        *out = kc_get_be64((const uint8_t *)v);
    free(v);
    return rc;
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

int rk_stream_list(rk_engine_t *e, ddb_arena_t *a, ddb_stream_desc_t **out, size_t *n,
                   ddb_error_t *err) {
    size_t cap = 8, cnt = 0;
    ddb_stream_desc_t *v = ddb_arena_alloc(a, sizeof *v * cap);
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(e->db, e->ro, e->cf[CF_STREAMS]);
    int rc = 0;
    for (rocksdb_iter_seek(it, "D", 1); !rc && rocksdb_iter_valid(it); rocksdb_iter_next(it)) {
        size_t kl, vl;
        const uint8_t *k = (const uint8_t *)rocksdb_iter_key(it, &kl);
        if (kl != 5 || k[0] != 'D') break;
        const uint8_t *val = (const uint8_t *)rocksdb_iter_value(it, &vl);
        v = arena_room(a, v, cnt, &cap, sizeof *v);
        uint32_t id = kc_get_be32(k + 1);
        if (ddb__decode_desc(val, vl, id, a, &v[cnt]))
            cnt++;
        else
            rc = ddb_error_set(err, DDB_ERR_INTERNAL, "stream %u: corrupt descriptor", id);
    }
    if (!rc) rc = ddb__iter_status(it, err);
    rocksdb_iter_destroy(it);
    for (size_t i = 0; i < cnt / 2; i++) { /* ids grow with time: newest first */
        ddb_stream_desc_t tmp = v[i];
        v[i] = v[cnt - 1 - i];
        v[cnt - 1 - i] = tmp;
    }
    *out = v;
    *n = rc ? 0 : cnt;
    return rc;
}

int ddb__shards_from(rk_engine_t *e, const rocksdb_readoptions_t *ro, uint32_t id, ddb_arena_t *a,
                     ddb_shard_t **out, size_t *n, ddb_error_t *err) {
    size_t cap = 8, cnt = 0;
    ddb_shard_t *v = ddb_arena_alloc(a, sizeof *v * cap);
    bytes_t lo = {0};
    ddb__skey(&lo, 'H', id);
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(e->db, ro, e->cf[CF_STREAMS]);
    int rc = 0;
    for (rocksdb_iter_seek(it, (const char *)lo.p, lo.len); !rc && rocksdb_iter_valid(it);
         rocksdb_iter_next(it)) {
        size_t kl, vl;
        const uint8_t *k = (const uint8_t *)rocksdb_iter_key(it, &kl);
        if (kl < 5 || memcmp(k, lo.p, 5) != 0) break;
        const uint8_t *val = (const uint8_t *)rocksdb_iter_value(it, &vl);
        v = arena_room(a, v, cnt, &cap, sizeof *v);
        if (kl == DDB__SHARD_KEY_LEN && ddb__decode_shard(val, vl, kc_get_be32(k + 5), &v[cnt])) {
            cnt++;
        } else {
            rc = ddb_error_set(err, DDB_ERR_INTERNAL, "stream %u: corrupt shard record", id);
        }
    }
    if (!rc) rc = ddb__iter_status(it, err);
    rocksdb_iter_destroy(it);
    bytes_free(&lo);
    *out = v;
    *n = rc ? 0 : cnt;
    return rc;
}

int rk_stream_shards(rk_engine_t *e, uint32_t stream, ddb_arena_t *a, ddb_shard_t **out, size_t *n,
                     uint64_t *trim, ddb_error_t *err) {
    const rocksdb_snapshot_t *snap = rocksdb_create_snapshot(e->db);
    rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
    rocksdb_readoptions_set_snapshot(ro, snap);
    *n = 0;
    int rc = ddb__trim_point(e, ro, stream, trim, err);
    if (!rc) rc = ddb__shards_from(e, ro, stream, a, out, n, err);
    rocksdb_readoptions_destroy(ro);
    rocksdb_release_snapshot(e->db, snap);
    return rc;
}

/* Reads shard sh's records in [from, below) with ro (see ddb_stream_read):
 * a one-lane stream's under 'R', a lane's under its own 'L' prefix, so a
 * read never walks another lane's records. *exhausted: nothing of the
 * shard's range is left after what was read. */
static int read_records(rk_engine_t *e, rocksdb_readoptions_t *ro, uint32_t stream,
                        const ddb_shard_t *sh, uint64_t from, uint64_t below, size_t limit,
                        size_t max_bytes, ddb_arena_t *a, ddb_stream_record_t *out, size_t *n,
                        uint64_t *next, bool *exhausted, ddb_error_t *err) {
    uint64_t to = sh->closed ? sh->end : UINT64_MAX;
    uint64_t first = from < sh->start ? sh->start : from;
    bool lanes = sh->lanes > 1;
    size_t klen = lanes ? DDB__LANE_RECORD_KEY_LEN : DDB__RECORD_KEY_LEN;
    bytes_t lo = {0}, hi = {0};
    if (lanes) {
        ddb__lane_key(&lo, stream, sh->lane, first);
        ddb__skey32(&hi, 'L', stream, sh->lane);
    } else {
        ddb__skey64(&lo, 'R', stream, first);
        ddb__skey(&hi, 'R', stream);
    }
    kc_successor(&hi);
    *exhausted = false;
    rocksdb_readoptions_set_iterate_upper_bound(ro, (const char *)hi.p, hi.len);
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(e->db, ro, e->cf[CF_STREAMS]);
    size_t bytes = 0;
    int rc = 0;
    rocksdb_iter_seek(it, (const char *)lo.p, lo.len);
    for (; rocksdb_iter_valid(it) && *n < limit; rocksdb_iter_next(it)) {
        size_t kl, rl;
        const uint8_t *rk = (const uint8_t *)rocksdb_iter_key(it, &kl);
        if (kl != klen) {
            rc = ddb_error_set(err, DDB_ERR_INTERNAL, "stream %u: corrupt record key", stream);
            break;
        }
        uint64_t seq = kc_get_be64(rk + klen - 8);
        if (seq > to) *exhausted = true;
        if (seq > to || seq >= below) break;
        const uint8_t *rv = (const uint8_t *)rocksdb_iter_value(it, &rl);
        ddb_stream_record_t *r = &out[*n];
        rc = ddb__decode_record(rv, rl, stream, seq, a, r, err);
        if (rc) break;
        if (*n && bytes + r->size > max_bytes) break;
        bytes += r->size;
        (*n)++;
        *next = seq + 1;
    }
    if (!rc && !rocksdb_iter_valid(it)) *exhausted = true;
    if (!rc) rc = ddb__iter_status(it, err);
    rocksdb_iter_destroy(it);
    bytes_free(&lo);
    bytes_free(&hi);
    return rc;
}

int rk_stream_read(rk_engine_t *e, uint32_t stream, uint32_t shard, uint64_t from, size_t limit,
                   size_t max_bytes, ddb_arena_t *a, ddb_stream_record_t **out, size_t *n,
                   uint64_t *next, bool *done, ddb_error_t *err) {
    /* the watermark before the snapshot: every record below it is in it */
    uint64_t below = rk_stream_latest(e);
    const rocksdb_snapshot_t *snap = rocksdb_create_snapshot(e->db);
    rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
    rocksdb_readoptions_set_snapshot(ro, snap);
    *n = 0;
    *next = from;
    *done = false;
    *out = ddb_arena_alloc(a, sizeof **out * (limit ? limit : 1));
    bytes_t k = {0};
    ddb__skey32(&k, 'H', stream, shard);
    char *v;
    size_t vl;
    ddb_shard_t sh = {0};
    uint64_t trim = 0;
    int rc = ddb__get(e, ro, CF_STREAMS, k.p, k.len, &v, &vl, err);
    bytes_free(&k);
    if (!rc && !v) {
        rc = ddb_error_set(err, DDB_ERR_RESOURCE_NOT_FOUND,
                           "Requested resource not found: Shard does not exist");
    } else if (!rc && !ddb__decode_shard((const uint8_t *)v, vl, shard, &sh)) {
        rc = ddb_error_set(err, DDB_ERR_INTERNAL, "stream %u: corrupt shard record", stream);
    }
    free(v);
    if (!rc) rc = ddb__trim_point(e, ro, stream, &trim, err);
    if (!rc && from < trim) {
        rc = ddb_error_set(err, DDB_ERR_TRIMMED_DATA,
                           "The operation attempted to read past the oldest stream record in a "
                           "shard.");
    }
    bool exhausted = false;
    if (!rc) {
        rc = read_records(e, ro, stream, &sh, from, below, limit, max_bytes, a, *out, n, next,
                          &exhausted, err);
    }
    if (!rc) {
        if (*next < sh.start) *next = sh.start;
        *done = sh.closed && *next > sh.end;
        /* a lane's shard holds only some of the numbers of its range, and
         * one closed empty (the stream disabled before the lane had a
         * record) none: it is done once nothing of it is left, its end
         * being visible */
        if (sh.lanes > 1 && sh.closed && exhausted && sh.end < below) *done = true;
    } else {
        *n = 0;
    }
    rocksdb_readoptions_destroy(ro);
    rocksdb_release_snapshot(e->db, snap);
    return rc;
}
