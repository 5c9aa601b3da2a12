/* check_streams.c: the streams part of ddb_check. For every stream:
 *  - shards: consecutive indexes, each child's parent is the shard before
 *    it, which is closed, and the child starts after the parent's end; only
 *    the last shard of an enabled stream is open (a disabled stream has
 *    none open); no shard starts past the sequence counter. A stream of
 *    several lanes: the same per lane (indexes growing, each child's
 *    parent the lane's shard before), every shard of the stream's lane
 *    count, and an enabled stream has one open shard in every lane;
 *  - records: every key is well formed and every record decodes; sequence
 *    numbers are at or above the trim point and below the counter, strictly
 *    increasing, and each lies inside a shard's [start, end] (end open for
 *    the open shard), so no record is outside or between shards; with
 *    lanes, per lane: each record is in its lane's key run, in one of its
 *    lane's shards, and its lane is its partition key's (ddb__lane_of);
 *    no record is stored under the other layout's tag;
 *  - images, only for the table's current, enabled stream with a NEW_IMAGE
 *    or NEW_AND_OLD_IMAGES view: replaying each item key's retained records
 *    in order, INSERT follows nothing or a REMOVE, MODIFY/REMOVE follow an
 *    INSERT/MODIFY, images are present exactly where the view and event
 *    call for them, each OldImage (NEW_AND_OLD_IMAGES) equals the previous
 *    record's NewImage, and the last record's NewImage equals the current
 *    item (absent after a REMOVE). Trimming only removes a key's oldest
 *    records, so this holds for every key with a retained record; items
 *    with no record (written before the stream was enabled, or whose
 *    records aged out) are not checked.
 * Reads the caller's snapshot; never writes. */
#include <stdlib.h>
#include <string.h>

#include "storage/catalog.h"
#include "storage/check.h"
#include "storage/read.h"
#include "storage/streams.h"

/* One record as the image replay needs it. */
typedef struct replay_rec {
    bytes_t key; /* the item key the record's keys encode */
    ddb_stream_record_t r;
} replay_rec_t;

typedef struct replay {
    replay_rec_t *v;
    size_t n, cap;
} replay_t;

static void replay_free(replay_t *rp) {
    for (size_t i = 0; i < rp->n; i++)
        bytes_free(&rp->v[i].key);
    free(rp->v);
}

/* Checks one lane's chain sh[0..n) (a one-lane stream: all its shards). */
static int check_chain(const rk_engine_t *e, const ddb_stream_desc_t *d, const ddb_shard_t *sh,
                       size_t n, ddb_error_t *err) {
    if (d->enabled && (n == 0 || sh[n - 1].closed)) {
        return ddb_error_set(err, DDB_ERR_INTERNAL, "stream %u: enabled without an open shard",
                             d->id);
    }
    for (size_t i = 0; i < n; i++) {
        const ddb_shard_t *s = &sh[i];
        if (!s->closed && (i + 1 < n || !d->enabled)) {
            return ddb_error_set(err, DDB_ERR_INTERNAL,
                                 "stream %u: shard %u is open but not the "
                                 "enabled stream's last",
                                 d->id, s->index);
        }
        if (s->start > e->next_seq || (s->closed && s->end < s->start)) {
            return ddb_error_set(err, DDB_ERR_INTERNAL,
                                 "stream %u: shard %u has range [%llu, %llu]", d->id, s->index,
                                 (unsigned long long)s->start, (unsigned long long)s->end);
        }
        if (i == 0) continue;
        const ddb_shard_t *p = &sh[i - 1];
        bool next_ok = d->lanes > 1 ? s->index > p->index : s->index == p->index + 1;
        if (!next_ok || !s->has_parent || s->parent != p->index || s->start <= p->end) {
            return ddb_error_set(err, DDB_ERR_INTERNAL,
                                 "stream %u: shard %u does not follow "
                                 "shard %u (start %llu, parent end %llu)",
                                 d->id, s->index, p->index, (unsigned long long)s->start,
                                 (unsigned long long)p->end);
        }
    }
    return 0;
}

/* The shards of lane `lane` of sh[0..n), in order, into the arena. */
static ddb_shard_t *lane_shards(const ddb_shard_t *sh, size_t n, uint32_t lane, ddb_arena_t *a,
                                size_t *out_n) {
    ddb_shard_t *v = ddb_arena_alloc(a, sizeof *v * (n ? n : 1));
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (sh[i].lane == lane) v[m++] = sh[i];
    }
    *out_n = m;
    return v;
}

static int check_shards(const rk_engine_t *e, const ddb_stream_desc_t *d, const ddb_shard_t *sh,
                        size_t n, ddb_arena_t *a, ddb_error_t *err) {
    for (size_t i = 0; i < n; i++) {
        if (sh[i].lanes != d->lanes || sh[i].lane >= d->lanes) {
            return ddb_error_set(err, DDB_ERR_INTERNAL,
                                 "stream %u: shard %u is of lane %u of %u, the stream has %u",
                                 d->id, sh[i].index, sh[i].lane, sh[i].lanes, d->lanes);
        }
    }
    int rc = 0;
    for (uint32_t l = 0; !rc && l < d->lanes; l++) {
        size_t m;
        const ddb_shard_t *v = lane_shards(sh, n, l, a, &m);
        rc = check_chain(e, d, v, m, err);
    }
    return rc;
}

/* Checks one record's place: above the trim point and the previous record,
 * below the counter, inside a shard (*j: the shard the previous one was
 * in). */
static int check_place(const rk_engine_t *e, uint32_t id, uint64_t seq, uint64_t prev,
                       uint64_t trim, const ddb_shard_t *sh, size_t n, size_t *j,
                       ddb_error_t *err) {
    if (seq < trim || seq >= e->next_seq || (prev && seq <= prev)) {
        return ddb_error_set(err, DDB_ERR_INTERNAL,
                             "stream %u: record %llu out of order "
                             "(previous %llu, trim point %llu, counter %llu)",
                             id, (unsigned long long)seq, (unsigned long long)prev,
                             (unsigned long long)trim, (unsigned long long)e->next_seq);
    }
    while (*j < n && sh[*j].closed && seq > sh[*j].end)
        (*j)++;
    if (*j == n || seq < sh[*j].start) {
        return ddb_error_set(err, DDB_ERR_INTERNAL, "stream %u: record %llu is in no shard", id,
                             (unsigned long long)seq);
    }
    return 0;
}

/* One run of records to walk: a one-lane stream's, or one lane's. */
typedef struct run {
    const ddb_stream_desc_t *d;
    uint32_t lane;
    bytes_t prefix; /* the run's keys begin so */
    size_t klen;    /* and are this long, the sequence number last */
} run_t;

/* Whether any key begins with prefix. */
static int any_under(rk_engine_t *e, const rocksdb_readoptions_t *ro, const bytes_t *prefix,
                     bool *yes, ddb_error_t *err) {
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(e->db, ro, e->cf[CF_STREAMS]);
    rocksdb_iter_seek(it, (const char *)prefix->p, prefix->len);
    *yes = false;
    if (rocksdb_iter_valid(it)) {
        size_t kl;
        const char *k = rocksdb_iter_key(it, &kl);
        *yes = kl >= prefix->len && memcmp(k, prefix->p, prefix->len) == 0;
    }
    int rc = ddb__iter_status(it, err);
    rocksdb_iter_destroy(it);
    return rc;
}

/* Walks a run's records in order (sh[0..n): the run's shards); with t
 * (images are checked), keeps each one in rp. */
static int check_records(rk_engine_t *e, const rocksdb_readoptions_t *ro, const run_t *run,
                         uint64_t trim, const ddb_shard_t *sh, size_t n, const ddb_table_info_t *t,
                         ddb_arena_t *a, replay_t *rp, ddb_error_t *err) {
    uint32_t id = run->d->id;
    bytes_t lo = {0}, hi = {0};
    bytes_put(&lo, run->prefix.p, run->prefix.len);
    bytes_put(&hi, run->prefix.p, run->prefix.len);
    kc_successor(&hi);
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(e->db, ro, e->cf[CF_STREAMS]);
    uint64_t prev = 0;
    size_t j = 0;
    int rc = 0;
    for (rocksdb_iter_seek(it, (const char *)lo.p, lo.len); !rc && rocksdb_iter_valid(it);
         rocksdb_iter_next(it)) {
        size_t kl, vl;
        const uint8_t *k = (const uint8_t *)rocksdb_iter_key(it, &kl);
        if (ddb__cmp_bytes(k, kl, hi.p, hi.len) >= 0) break;
        if (kl != run->klen) {
            rc = ddb_error_set(err, DDB_ERR_INTERNAL, "stream %u: malformed record key", id);
            break;
        }
        uint64_t seq = kc_get_be64(k + kl - 8);
        const uint8_t *v = (const uint8_t *)rocksdb_iter_value(it, &vl);
        ddb_stream_record_t r;
        rc = ddb__decode_record(v, vl, id, seq, a, &r, err);
        if (!rc) rc = check_place(e, id, seq, prev, trim, sh, n, &j, err);
        if (!rc && run->d->lanes > 1 &&
            ddb__lane_of(&run->d->key, r.keys, run->d->lanes) != run->lane) {
            rc = ddb_error_set(err, DDB_ERR_INTERNAL,
                               "stream %u: record %llu is in lane %u, its key's is %u", id,
                               (unsigned long long)seq, run->lane,
                               ddb__lane_of(&run->d->key, r.keys, run->d->lanes));
        }
        prev = seq;
        if (rc || !t) continue;
        if (rp->n == rp->cap) {
            rp->cap = rp->cap ? rp->cap * 2 : 64;
            rp->v = realloc(rp->v, rp->cap * sizeof *rp->v);
            if (!rp->v) abort();
        }
        replay_rec_t *x = &rp->v[rp->n++];
        x->key = (bytes_t){0};
        x->r = r;
        if (kc_item_key(&x->key, t->id, &t->key, r.keys)) {
            rc = ddb_error_set(err, DDB_ERR_INTERNAL,
                               "stream %u: record %llu's keys do not fit "
                               "table %s",
                               id, (unsigned long long)seq, t->name);
        }
    }
    if (!rc) rc = ddb__iter_status(it, err);
    rocksdb_iter_destroy(it);
    bytes_free(&lo);
    bytes_free(&hi);
    return rc;
}

/* Item key, then sequence number. */
static int replay_cmp(const void *pa, const void *pb) {
    const replay_rec_t *a = pa, *b = pb;
    int c = ddb__cmp_bytes(a->key.p, a->key.len, b->key.p, b->key.len);
    if (c) return c;
    return (a->r.seq > b->r.seq) - (a->r.seq < b->r.seq);
}

static bool same_item(const replay_rec_t *a, const replay_rec_t *b) {
    return ddb__cmp_bytes(a->key.p, a->key.len, b->key.p, b->key.len) == 0;
}

static bool same_image(const ddb_value_t *a, const ddb_value_t *b) {
    return (!a && !b) || (a && b && ddb_value_equal(a, b));
}

/* Checks record x given the record before it for the same item (or NULL). */
static int check_step(const ddb_stream_desc_t *d, const ddb_stream_record_t *prev,
                      const ddb_stream_record_t *x, ddb_error_t *err) {
    bool both = d->view == DDB_VIEW_NEW_AND_OLD_IMAGES;
    bool images_ok = (x->new_image != NULL) == (x->event != DDB_EV_REMOVE) &&
                     (!both || (x->old_image != NULL) == (x->event != DDB_EV_INSERT));
    bool order_ok = !prev || (x->event == DDB_EV_INSERT) == (prev->event == DDB_EV_REMOVE);
    bool old_ok =
        !prev || !both || x->event == DDB_EV_INSERT || same_image(x->old_image, prev->new_image);
    if (images_ok && order_ok && old_ok) return 0;
    return ddb_error_set(err, DDB_ERR_INTERNAL, "stream %u: record %llu (%s) %s", d->id,
                         (unsigned long long)x->seq,
                         x->event == DDB_EV_INSERT   ? "INSERT"
                         : x->event == DDB_EV_MODIFY ? "MODIFY"
                                                     : "REMOVE",
                         !images_ok  ? "lacks an image its view calls for"
                         : !order_ok ? "does not follow the item's previous record"
                                     : "has an OldImage unlike the previous NewImage");
}

/* Replays rp's records per item and compares the last with the table. */
static int check_images(rk_engine_t *e, const rocksdb_readoptions_t *ro, const ddb_stream_desc_t *d,
                        replay_t *rp, ddb_arena_t *a, ddb_error_t *err) {
    qsort(rp->v, rp->n, sizeof *rp->v, replay_cmp);
    int rc = 0;
    for (size_t i = 0; !rc && i < rp->n; i++) {
        bool first = i == 0 || !same_item(&rp->v[i - 1], &rp->v[i]);
        rc = check_step(d, first ? NULL : &rp->v[i - 1].r, &rp->v[i].r, err);
        bool last = i + 1 == rp->n || !same_item(&rp->v[i], &rp->v[i + 1]);
        if (rc || !last) continue;
        const ddb_value_t *item;
        rc = ddb__read_item(e, ro, &rp->v[i].key, a, &item, err);
        if (!rc && !same_image(item, rp->v[i].r.new_image)) {
            rc = ddb_error_set(err, DDB_ERR_INTERNAL,
                               "stream %u: record %llu, the item's last, "
                               "%s",
                               d->id, (unsigned long long)rp->v[i].r.seq,
                               item ? "does not carry the item as stored"
                                    : "carries an item the table lacks");
        }
    }
    return rc;
}

/* Whether d's images can be checked against the table: d is the table's
 * current stream, enabled, with new images. t is filled then. */
static int images_checkable(rk_engine_t *e, const ddb_stream_desc_t *d, ddb_arena_t *a,
                            ddb_table_info_t *t, bool *yes, ddb_error_t *err) {
    *yes = false;
    if (!d->enabled || (d->view != DDB_VIEW_NEW_IMAGE && d->view != DDB_VIEW_NEW_AND_OLD_IMAGES)) {
        return 0;
    }
    int rc = ddb__get_table_record(e, d->table, d->table_len, a, t, err);
    if (rc == DDB_ERR_RESOURCE_NOT_FOUND) return 0;
    if (rc) return rc;
    *yes = t->stream.id == d->id && t->stream.enabled;
    return 0;
}

/* Walks every run of d's records: 'R' for one lane, each lane's 'L' run
 * otherwise; records under the other tag are misplaced. */
static int check_runs(rk_engine_t *e, const rocksdb_readoptions_t *ro, const ddb_stream_desc_t *d,
                      uint64_t trim, const ddb_shard_t *sh, size_t n, const ddb_table_info_t *t,
                      ddb_arena_t *a, replay_t *rp, ddb_error_t *err) {
    bool lanes = d->lanes > 1;
    bytes_t other = {0};
    ddb__skey(&other, lanes ? 'R' : 'L', d->id);
    bool stray;
    int rc = any_under(e, ro, &other, &stray, err);
    bytes_free(&other);
    if (!rc && stray) {
        rc = ddb_error_set(err, DDB_ERR_INTERNAL, "stream %u: records under the %s layout", d->id,
                           lanes ? "one-lane" : "lanes'");
    }
    for (uint32_t l = 0; !rc && l < d->lanes; l++) {
        run_t run = {.d = d, .lane = l};
        if (lanes) {
            ddb__skey32(&run.prefix, 'L', d->id, l);
            run.klen = DDB__LANE_RECORD_KEY_LEN;
        } else {
            ddb__skey(&run.prefix, 'R', d->id);
            run.klen = DDB__RECORD_KEY_LEN;
        }
        size_t m;
        const ddb_shard_t *v = lane_shards(sh, n, l, a, &m);
        rc = check_records(e, ro, &run, trim, v, m, t, a, rp, err);
        bytes_free(&run.prefix);
    }
    if (!rc && lanes) { /* nothing past the last lane's run */
        bytes_t past = {0};
        ddb__skey32(&past, 'L', d->id, d->lanes);
        bytes_t end = {0};
        ddb__skey(&end, 'L', d->id);
        kc_successor(&end);
        rocksdb_iterator_t *it = rocksdb_create_iterator_cf(e->db, ro, e->cf[CF_STREAMS]);
        rocksdb_iter_seek(it, (const char *)past.p, past.len);
        if (rocksdb_iter_valid(it)) {
            size_t kl;
            const uint8_t *k = (const uint8_t *)rocksdb_iter_key(it, &kl);
            if (ddb__cmp_bytes(k, kl, end.p, end.len) < 0) {
                rc = ddb_error_set(err, DDB_ERR_INTERNAL, "stream %u: a record of no lane", d->id);
            }
        }
        if (!rc) rc = ddb__iter_status(it, err);
        rocksdb_iter_destroy(it);
        bytes_free(&past);
        bytes_free(&end);
    }
    return rc;
}

static int check_stream(rk_engine_t *e, const rocksdb_readoptions_t *ro, const ddb_stream_desc_t *d,
                        ddb_arena_t *a, ddb_error_t *err) {
    uint64_t trim;
    ddb_shard_t *sh;
    size_t n;
    ddb_table_info_t t;
    bool images;
    int rc = ddb__trim_point(e, ro, d->id, &trim, err);
    if (!rc) rc = ddb__shards_from(e, ro, d->id, a, &sh, &n, err);
    if (!rc) rc = check_shards(e, d, sh, n, a, err);
    if (!rc) rc = images_checkable(e, d, a, &t, &images, err);
    replay_t rp = {0};
    if (!rc) rc = check_runs(e, ro, d, trim, sh, n, images ? &t : NULL, a, &rp, err);
    if (!rc && images) rc = check_images(e, ro, d, &rp, a, err);
    replay_free(&rp);
    return rc;
}

int ddb__check_streams(rk_engine_t *e, const rocksdb_readoptions_t *ro, ddb_error_t *err) {
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_stream_desc_t *all;
    size_t n;
    int rc = rk_stream_list(e, a, &all, &n, err);
    for (size_t i = 0; !rc && i < n; i++)
        rc = check_stream(e, ro, &all[i], a, err);
    ddb_arena_destroy(a);
    return rc;
}
