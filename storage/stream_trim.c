/* stream_trim.c: stream retention, run by the maintenance thread: records
 * older than the retention are trimmed (the trim point moves up in the same
 * batch), then closed shards left empty, then disabled streams past the
 * retention as a whole. A stream of several lanes has one trim point for
 * all of them, below which every lane's records are gone. Takes the writer a stream at a time;
 * bounded work per stream and round. */
#include <stdlib.h>
#include <string.h>

#include "storage/commit.h"
#include "storage/streams.h"

#define TRIM_SCAN_MAX 10000 /* records looked at per stream and round */

/* Deletes everything of a stream, in wb. */
static void drop_stream(rk_engine_t *e, rocksdb_writebatch_t *wb, uint32_t id, uint32_t lanes) {
    const char tags[] = {'D', 'H', lanes > 1 ? 'L' : 'R', 'T'};
    for (size_t i = 0; i < sizeof tags; i++) {
        bytes_t lo = {0}, hi = {0};
        ddb__skey(&lo, tags[i], id);
        ddb__skey(&hi, tags[i], id);
        kc_successor(&hi);
        rocksdb_writebatch_delete_range_cf(wb, e->cf[CF_STREAMS], (const char *)lo.p, lo.len,
                                           (const char *)hi.p, hi.len);
        bytes_free(&lo);
        bytes_free(&hi);
    }
    ddb__st_forget(e, id);
}

/* What a scan of one run of records found. */
typedef struct trim_scan {
    uint64_t first; /* the first record (0: none) */
    uint64_t keep;  /* the first record not older than cutoff (0: none seen) */
    uint64_t last;  /* the last record older than cutoff looked at (0: none) */
    bool cut;       /* the scan stopped at its bound, not at the run's end */
} trim_scan_t;

/* Scans the records under prefix (keys klen long, seq last) from the
 * oldest, at most max of them. */
static int scan_run(rk_engine_t *e, uint32_t id, const bytes_t *prefix, size_t klen, int64_t cutoff,
                    size_t max, trim_scan_t *out, ddb_error_t *err) {
    bytes_t lo = {0}, hi = {0};
    bytes_put(&lo, prefix->p, prefix->len);
    bytes_put(&hi, prefix->p, prefix->len);
    kc_successor(&hi);
    rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
    rocksdb_readoptions_set_iterate_upper_bound(ro, (const char *)hi.p, hi.len);
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(e->db, ro, e->cf[CF_STREAMS]);
    *out = (trim_scan_t){0};
    size_t seen = 0;
    int rc = 0;
    for (rocksdb_iter_seek(it, (const char *)lo.p, lo.len); rocksdb_iter_valid(it) && seen < max;
         rocksdb_iter_next(it), seen++) {
        size_t kl, vl;
        const uint8_t *k = (const uint8_t *)rocksdb_iter_key(it, &kl);
        const uint8_t *v = (const uint8_t *)rocksdb_iter_value(it, &vl);
        if (kl != klen || vl < 8) {
            rc = ddb_error_set(err, DDB_ERR_INTERNAL, "stream %u: corrupt record", id);
            break;
        }
        uint64_t seq = kc_get_be64(k + klen - 8);
        if (!out->first) out->first = seq;
        if ((int64_t)kc_get_be64(v) >= cutoff) {
            out->keep = seq;
            break;
        }
        out->last = seq;
    }
    out->cut = !rc && !out->keep && rocksdb_iter_valid(it);
    if (!rc) rc = ddb__iter_status(it, err);
    rocksdb_iter_destroy(it);
    rocksdb_readoptions_destroy(ro);
    bytes_free(&lo);
    bytes_free(&hi);
    return rc;
}

/* The new trim point of a one-lane stream (0: nothing to trim): the first
 * record not older than cutoff, or past the last one looked at. */
static int find_trim(rk_engine_t *e, uint32_t id, int64_t cutoff, uint64_t *trim,
                     ddb_error_t *err) {
    bytes_t prefix = {0};
    ddb__skey(&prefix, 'R', id);
    trim_scan_t sc;
    int rc = scan_run(e, id, &prefix, DDB__RECORD_KEY_LEN, cutoff, TRIM_SCAN_MAX, &sc, err);
    bytes_free(&prefix);
    *trim = !sc.last ? 0 : sc.keep ? sc.keep : sc.last + 1;
    return rc;
}

/* The same for a stream of several lanes. A lane that still has a record
 * to keep (or was not scanned to its end) bounds the trim point: nothing
 * at or above its first kept record may go. Lanes wholly older than the
 * cutoff bound nothing; when every lane is, the point passes them all. */
static int find_lanes_trim(rk_engine_t *e, uint32_t id, uint32_t lanes, int64_t cutoff,
                           uint64_t *trim, ddb_error_t *err) {
    uint64_t bound = UINT64_MAX, past = 0, first = UINT64_MAX;
    size_t max = TRIM_SCAN_MAX / lanes;
    int rc = 0;
    for (uint32_t i = 0; !rc && i < lanes; i++) {
        bytes_t prefix = {0};
        ddb__skey32(&prefix, 'L', id, i);
        trim_scan_t sc;
        rc = scan_run(e, id, &prefix, DDB__LANE_RECORD_KEY_LEN, cutoff, max, &sc, err);
        bytes_free(&prefix);
        if (rc || !sc.first) continue;
        if (sc.first < first) first = sc.first;
        uint64_t b = sc.keep ? sc.keep : sc.cut ? sc.last + 1 : 0;
        if (b && b < bound) bound = b;
        if (!b && sc.last + 1 > past) past = sc.last + 1;
    }
    uint64_t t = bound != UINT64_MAX ? bound : past;
    *trim = !rc && first != UINT64_MAX && t > first ? t : 0;
    return rc;
}

/* Deletes a stream's records below trim and the closed shards wholly
 * below it, and stores the trim point, in wb. */
static int trim_below(rk_engine_t *e, rocksdb_writebatch_t *wb, uint32_t id, uint32_t lanes,
                      uint64_t trim, ddb_error_t *err) {
    for (uint32_t i = 0; i < lanes; i++) {
        bytes_t lo = {0}, upto = {0};
        if (lanes > 1) {
            ddb__lane_key(&lo, id, i, 0);
            ddb__lane_key(&upto, id, i, trim);
        } else {
            ddb__skey(&lo, 'R', id);
            ddb__skey64(&upto, 'R', id, trim);
        }
        rocksdb_writebatch_delete_range_cf(wb, e->cf[CF_STREAMS], (const char *)lo.p, lo.len,
                                           (const char *)upto.p, upto.len);
        bytes_free(&lo);
        bytes_free(&upto);
    }
    bytes_t tk = {0};
    ddb__skey(&tk, 'T', id);
    uint8_t b[8];
    kc_put_be64(b, trim);
    rocksdb_writebatch_put_cf(wb, e->cf[CF_STREAMS], (const char *)tk.p, tk.len, (const char *)b,
                              8);
    bytes_free(&tk);
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_shard_t *sh;
    size_t n;
    int rc = ddb__shards_from(e, e->ro, id, a, &sh, &n, err);
    for (size_t i = 0; !rc && i < n; i++) {
        if (!sh[i].closed || sh[i].end >= trim) continue;
        bytes_t sk = {0};
        ddb__skey32(&sk, 'H', id, sh[i].index);
        rocksdb_writebatch_delete_cf(wb, e->cf[CF_STREAMS], (const char *)sk.p, sk.len);
        bytes_free(&sk);
    }
    ddb_arena_destroy(a);
    return rc;
}

/* Trims one stream, under the writer. */
static int trim_stream(rk_engine_t *e, const ddb_stream_desc_t *d, int64_t cutoff,
                       ddb_error_t *err) {
    rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
    int rc = 0;
    if (!d->enabled && d->disabled_ms < cutoff) {
        drop_stream(e, wb, d->id, d->lanes);
    } else {
        uint64_t trim;
        if (d->lanes > 1) {
            rc = find_lanes_trim(e, d->id, d->lanes, cutoff, &trim, err);
        } else {
            rc = find_trim(e, d->id, cutoff, &trim, err);
        }
        if (!rc && !trim) {
            rocksdb_writebatch_destroy(wb);
            return 0;
        }
        if (!rc) rc = trim_below(e, wb, d->id, d->lanes, trim, err);
    }
    if (rc) {
        rocksdb_writebatch_destroy(wb);
        return rc;
    }
    return ddb__write_batch(e, wb, err);
}

int ddb__st_maintain(rk_engine_t *e, int64_t now_ms, ddb_error_t *err) {
    int64_t cutoff = now_ms - e->retention_ms;
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_stream_desc_t *all;
    size_t n;
    int rc = rk_stream_list(e, a, &all, &n, err);
    for (size_t i = 0; !rc && i < n; i++) {
        pthread_mutex_lock(&e->writer);
        rc = trim_stream(e, &all[i], cutoff, err);
        pthread_mutex_unlock(&e->writer);
    }
    ddb_arena_destroy(a);
    return rc;
}
