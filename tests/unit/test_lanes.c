/* test_lanes.c: streams of several open shards (ddb_engine_opts.stream_shards):
 * an item's records all in the lane of its partition key, in order, every
 * lane used; each lane rolling over on its own with the right parent; the
 * lane count kept by the stream across a reopen with another count; trimming,
 * disabling and ddb_check over lanes (which finds a record in the wrong
 * lane); and a one-lane stream stored exactly as before lanes (record keys,
 * shard records, descriptor). Looks at the raw streams column family through
 * storage/engine.h, as only a storage test may. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "storage/codec.h"
#include "storage/engine.h"
#include "storage/streams.h"

#define LANES 4
#define ITEMS 40

static ddb_value_t sval(const char *s) {
    return (ddb_value_t){.type = DDB_T_S, .u.str = {s, strlen(s)}};
}

static void sleep_ms(int ms) {
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int put_fn(void *ctx, const ddb_value_t *old, const ddb_value_t **new_item,
                  ddb_error_t *err) {
    (void)old, (void)err;
    *new_item = ctx;
    return 0;
}

static ddb_table_info_t make_table(ddb_engine_t *e, const char *name) {
    static ddb_value_t meta = {.type = DDB_T_M};
    ddb_table_info_t t = {.name = name, .name_len = strlen(name), .meta = &meta};
    t.key = (ddb_key_schema_t){"pk", 2, DDB_T_S, NULL, 0, DDB_T_NONE};
    t.stream.enabled = true;
    t.stream.view = DDB_VIEW_NEW_AND_OLD_IMAGES;
    ddb_error_t err;
    CHECK(ddb_table_create(e, &t, &err) == 0);
    return t;
}

/* Writes {pk: "k<i>", v: v}. */
static void put(ddb_engine_t *e, ddb_table_info_t *t, int i, const char *v) {
    char pk[16];
    snprintf(pk, sizeof pk, "k%d", i);
    ddb_attr_t at[2] = {{"pk", 2, sval(pk)}, {"v", 1, sval(v)}};
    ddb_value_t item = {.type = DDB_T_M, .u.map = {at, 2}};
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_error_t err;
    CHECK(ddb_item_write(e, t, &item, put_fn, &item, a, &err) == 0);
    ddb_arena_destroy(a);
}

/* The item number a record's keys name. */
static int item_of(const ddb_stream_record_t *r) {
    const ddb_value_t *pk = ddb_map_get(r->keys, "pk", 2);
    return pk ? atoi(pk->u.str.ptr + 1) : -1;
}

/* One record as read back: its shard. */
typedef struct seen {
    uint64_t seq;
    uint32_t shard, lane;
    int item;
} seen_t;

/* Reads every shard of the stream to its end; records into v (cap 1000). */
static size_t read_all(ddb_engine_t *e, uint32_t stream, seen_t *v, ddb_shard_t **shards,
                       size_t *nshards, ddb_arena_t *a) {
    uint64_t trim;
    ddb_error_t err;
    CHECK(ddb_stream_shards(e, stream, a, shards, nshards, &trim, &err) == 0);
    size_t n = 0;
    for (size_t i = 0; i < *nshards; i++) {
        const ddb_shard_t *s = &(*shards)[i];
        uint64_t from = s->start > trim ? s->start : trim;
        for (int rounds = 0; rounds < 100; rounds++) {
            ddb_stream_record_t *r;
            size_t got;
            uint64_t next;
            bool done;
            CHECK(ddb_stream_read(e, stream, s->index, from, 7, 1 << 20, a, &r, &got, &next, &done,
                                  &err) == 0);
            for (size_t j = 0; j < got && n < 1000; j++)
                v[n++] = (seen_t){r[j].seq, s->index, s->lane, item_of(&r[j])};
            from = next;
            if (done || !got) break;
        }
    }
    return n;
}

/* Counts the streams column family's keys of stream id under tag. */
static size_t count_keys(ddb_engine_t *e, char tag, uint32_t id, size_t *klen, size_t *vlen) {
    bytes_t lo = {0};
    ddb__skey(&lo, tag, id);
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(ddb__rocks(e)->db, ddb__rocks(e)->ro,
                                                        ddb__rocks(e)->cf[CF_STREAMS]);
    size_t n = 0;
    for (rocksdb_iter_seek(it, (const char *)lo.p, lo.len); rocksdb_iter_valid(it);
         rocksdb_iter_next(it)) {
        size_t kl, vl;
        const char *k = rocksdb_iter_key(it, &kl);
        rocksdb_iter_value(it, &vl);
        if (kl < lo.len || memcmp(k, lo.p, lo.len) != 0) break;
        if (klen) *klen = kl;
        if (vlen) *vlen = vl;
        n++;
    }
    rocksdb_iter_destroy(it);
    bytes_free(&lo);
    return n;
}

/* Each item's records are in one lane, in order; every lane has some;
 * every record's lane is its shard's. */
static void check_placement(const seen_t *v, size_t n, size_t want) {
    CHECK(n == want);
    int lane_of[ITEMS];
    uint64_t last[ITEMS] = {0};
    size_t per_lane[LANES] = {0};
    for (int i = 0; i < ITEMS; i++)
        lane_of[i] = -1;
    for (size_t i = 0; i < n; i++) {
        int it = v[i].item;
        CHECK(it >= 0 && it < ITEMS);
        if (it < 0 || it >= ITEMS) continue;
        CHECK(lane_of[it] < 0 || lane_of[it] == (int)v[i].lane);
        lane_of[it] = (int)v[i].lane;
        per_lane[v[i].lane]++;
        CHECK(v[i].seq > last[it]); /* shards are read oldest first: per-item order */
        last[it] = v[i].seq;
        for (size_t j = 0; j < i; j++)
            CHECK(v[j].seq != v[i].seq); /* read exactly once */
    }
    for (int l = 0; l < LANES; l++)
        CHECK(per_lane[l] > 0);
}

static void test_lanes(const char *dir) {
    ddb_engine_opts_t o = {.data_dir = dir, .stream_shards = LANES, .shard_rollover_s = 1};
    ddb_engine_t *e;
    ddb_error_t err;
    CHECK(ddb_open(&o, &e, &err) == 0);
    ddb_table_info_t t = make_table(e, "lanes");
    for (int i = 0; i < ITEMS; i++)
        put(e, &t, i, "a");
    for (int i = 0; i < ITEMS; i++)
        put(e, &t, i, "b");
    ddb_arena_t *a = ddb_arena_create(0);
    static seen_t v[1000];
    ddb_shard_t *sh;
    size_t nsh;
    size_t n = read_all(e, t.stream.id, v, &sh, &nsh, a);
    CHECK(nsh == LANES);
    for (size_t i = 0; i < nsh; i++) {
        CHECK(sh[i].index == i && sh[i].lane == i && sh[i].lanes == LANES);
        CHECK(!sh[i].closed && !sh[i].has_parent);
    }
    check_placement(v, n, 2 * ITEMS);
    /* the layout: records under 'L', none under 'R'; shards of 32 bytes */
    size_t kl = 0, vl = 0;
    CHECK(count_keys(e, 'L', t.stream.id, &kl, NULL) == 2 * ITEMS && kl == 17);
    CHECK(count_keys(e, 'R', t.stream.id, NULL, NULL) == 0);
    CHECK(count_keys(e, 'H', t.stream.id, NULL, &vl) == LANES && vl == 32);
    ddb_stream_desc_t *all;
    size_t nd;
    CHECK(ddb_stream_list(e, a, &all, &nd, &err) == 0);
    CHECK(nd == 1 && all[0].lanes == LANES);
    CHECK(ddb_check(e, &err) == 0);

    /* one lane rolls over: item 0's; the others stay open */
    uint32_t lane0 = LANES;
    for (size_t i = 0; i < n; i++) {
        if (v[i].item == 0) lane0 = v[i].lane;
    }
    sleep_ms(1100);
    put(e, &t, 0, "c");
    CHECK(ddb_stream_shards(e, t.stream.id, a, &sh, &nsh, &(uint64_t){0}, &err) == 0);
    CHECK(nsh == LANES + 1);
    for (size_t i = 0; i < LANES && nsh == LANES + 1; i++)
        CHECK(sh[i].closed == (sh[i].lane == lane0));
    if (nsh == LANES + 1) {
        CHECK(sh[LANES].index == LANES && sh[LANES].lane == lane0 && !sh[LANES].closed);
        CHECK(sh[LANES].has_parent && sh[LANES].parent == lane0);
        CHECK(sh[LANES].start > sh[lane0].end);
    }
    n = read_all(e, t.stream.id, v, &sh, &nsh, a);
    check_placement(v, n, 2 * ITEMS + 1);
    CHECK(v[n - 1].item == 0 && v[n - 1].shard == LANES); /* the child comes last */
    CHECK(ddb_check(e, &err) == 0);
    ddb_arena_destroy(a);
    ddb_close(e);

    /* reopened with one lane for new streams: this one keeps four */
    o.stream_shards = 1;
    CHECK(ddb_open(&o, &e, &err) == 0);
    a = ddb_arena_create(0);
    CHECK(ddb_stream_list(e, a, &all, &nd, &err) == 0);
    CHECK(nd == 1 && all[0].lanes == LANES);
    sleep_ms(1100);
    for (int i = 0; i < ITEMS; i++)
        put(e, &t, i, "d"); /* every lane rolls over now; lane0's child a second time */
    CHECK(count_keys(e, 'R', t.stream.id, NULL, NULL) == 0);
    n = read_all(e, t.stream.id, v, &sh, &nsh, a);
    check_placement(v, n, 3 * ITEMS + 1);
    CHECK(nsh == 2 * LANES + 1);
    for (size_t i = LANES + 1; i < nsh; i++) { /* indexes go on from the stream's last */
        CHECK(sh[i].index == i && sh[i].has_parent && !sh[i].closed);
        const ddb_shard_t *p = NULL;
        for (size_t j = 0; j < nsh; j++) {
            if (sh[j].index == sh[i].parent) p = &sh[j];
        }
        CHECK(p && p->lane == sh[i].lane && p->closed && p->end < sh[i].start);
    }
    CHECK(ddb_check(e, &err) == 0);
    /* a new stream is of one lane, stored as before lanes */
    ddb_table_info_t one = make_table(e, "one");
    put(e, &one, 1, "x");
    put(e, &one, 2, "x");
    size_t okl = 0, ovl = 0;
    CHECK(count_keys(e, 'R', one.stream.id, &okl, NULL) == 2 && okl == DDB__RECORD_KEY_LEN);
    CHECK(count_keys(e, 'L', one.stream.id, NULL, NULL) == 0);
    CHECK(count_keys(e, 'H', one.stream.id, NULL, &ovl) == 1 && ovl == DDB__SHARD_REC_LEN);

    /* disabling closes every lane; a lane with no record yet reads as done */
    static ddb_value_t meta = {.type = DDB_T_M};
    ddb_arena_destroy(a);
    ddb_close(e);
    o.stream_shards = LANES;
    CHECK(ddb_open(&o, &e, &err) == 0);
    a = ddb_arena_create(0);
    ddb_table_info_t few = make_table(e, "few");
    put(e, &few, 0, "x"); /* one lane gets a record, three stay empty */
    CHECK(ddb_stream_set(e, "few", 3, DDB_VIEW_KEYS_ONLY, &meta, &err) == 0);
    CHECK(ddb_stream_shards(e, few.stream.id, a, &sh, &nsh, &(uint64_t){0}, &err) == 0);
    CHECK(nsh == LANES);
    size_t got_total = 0;
    for (size_t i = 0; i < nsh; i++) {
        CHECK(sh[i].closed);
        ddb_stream_record_t *r;
        size_t got;
        uint64_t next;
        bool done;
        CHECK(ddb_stream_read(e, few.stream.id, sh[i].index, sh[i].start, 100, 1 << 20, a, &r, &got,
                              &next, &done, &err) == 0);
        CHECK(done);
        got_total += got;
    }
    CHECK(got_total == 1);
    CHECK(ddb_check(e, &err) == 0);
    ddb_arena_destroy(a);
    ddb_close(e);
}

/* A one-lane stream's descriptor has exactly the members it had before
 * lanes (no "ln"). */
static void test_one_lane_descriptor(void) {
    ddb_engine_opts_t o = {.in_memory = true};
    ddb_engine_t *e;
    ddb_error_t err;
    CHECK(ddb_open(&o, &e, &err) == 0);
    ddb_table_info_t t = make_table(e, "plain");
    bytes_t k = {0};
    ddb__skey(&k, 'D', t.stream.id);
    char *v;
    size_t vl;
    CHECK(ddb__get(ddb__rocks(e), ddb__rocks(e)->ro, CF_STREAMS, k.p, k.len, &v, &vl, &err) == 0 &&
          v);
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_value_t m;
    CHECK(v && ic_decode((const uint8_t *)v, vl, a, &m, &err) == 0);
    CHECK(v && m.type == DDB_T_M && m.u.map.n == 4 && !ddb_map_get(&m, "ln", 2));
    free(v);
    bytes_free(&k);
    ddb_arena_destroy(a);
    ddb_close(e);
}

/* Trimming passes over every lane: once all records are older than the
 * retention, each lane's are gone, reads below the trim point fail, and
 * new records land in their lanes. */
static void test_lanes_trim(void) {
    ddb_engine_opts_t o = {
        .in_memory = true, .stream_shards = LANES, .stream_retention_s = 1, .ttl_interval_ms = 50};
    ddb_engine_t *e;
    ddb_error_t err;
    CHECK(ddb_open(&o, &e, &err) == 0);
    ddb_table_info_t t = make_table(e, "trimmed");
    for (int i = 0; i < ITEMS; i++)
        put(e, &t, i, "a");
    uint64_t first = 0;
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_shard_t *sh;
    size_t nsh;
    CHECK(ddb_stream_shards(e, t.stream.id, a, &sh, &nsh, &first, &err) == 0);
    CHECK(first == 0);
    uint64_t trim = 0;
    for (int i = 0; i < 100 && !trim; i++) {
        sleep_ms(50);
        CHECK(ddb_stream_shards(e, t.stream.id, a, &sh, &nsh, &trim, &err) == 0);
    }
    CHECK(trim > 0);
    /* the trim point is written first, the lanes' records deleted after it: wait for them */
    for (int i = 0; i < 100 && count_keys(e, 'L', t.stream.id, NULL, NULL); i++)
        sleep_ms(50);
    CHECK(count_keys(e, 'L', t.stream.id, NULL, NULL) == 0);
    ddb_stream_record_t *r;
    size_t got;
    uint64_t next;
    bool done;
    CHECK(ddb_stream_read(e, t.stream.id, 0, 1, 10, 1 << 20, a, &r, &got, &next, &done, &err) ==
          DDB_ERR_TRIMMED_DATA);
    put(e, &t, 1, "b");
    CHECK(count_keys(e, 'L', t.stream.id, NULL, NULL) == 1);
    CHECK(ddb_check(e, &err) == 0);
    ddb_arena_destroy(a);
    ddb_close(e);
}

/* ddb_check finds a record stored in another lane than its key's. */
static void test_check_finds_a_misplaced_record(void) {
    ddb_engine_opts_t o = {.in_memory = true, .stream_shards = LANES};
    ddb_engine_t *e;
    ddb_error_t err;
    CHECK(ddb_open(&o, &e, &err) == 0);
    ddb_table_info_t t = make_table(e, "misplaced");
    put(e, &t, 7, "a");
    CHECK(ddb_check(e, &err) == 0);
    ddb_arena_t *a = ddb_arena_create(0);
    static seen_t v[1000];
    ddb_shard_t *sh;
    size_t nsh;
    CHECK(read_all(e, t.stream.id, v, &sh, &nsh, a) == 1);
    bytes_t k = {0}, other = {0};
    ddb__lane_key(&k, t.stream.id, v[0].lane, v[0].seq);
    ddb__lane_key(&other, t.stream.id, (v[0].lane + 1) % LANES, v[0].seq);
    char *val, *msg = NULL;
    size_t vl;
    CHECK(ddb__get(ddb__rocks(e), ddb__rocks(e)->ro, CF_STREAMS, k.p, k.len, &val, &vl, &err) ==
              0 &&
          val);
    rocksdb_delete_cf(ddb__rocks(e)->db, ddb__rocks(e)->wo, ddb__rocks(e)->cf[CF_STREAMS],
                      (const char *)k.p, k.len, &msg);
    rocksdb_put_cf(ddb__rocks(e)->db, ddb__rocks(e)->wo, ddb__rocks(e)->cf[CF_STREAMS],
                   (const char *)other.p, other.len, val, vl, &msg);
    CHECK(msg == NULL);
    CHECK(ddb_check(e, &err) == DDB_ERR_INTERNAL);
    CHECK(strstr(err.msg, "its key's is") != NULL);
    free(val);
    bytes_free(&k);
    bytes_free(&other);
    ddb_arena_destroy(a);
    ddb_close(e);
}

int main(void) {
    char dir[] = "/tmp/ddb-test-lanes-XXXXXX";
    if (!mkdtemp(dir)) return 2;
    test_lanes(dir);
    test_one_lane_descriptor();
    test_lanes_trim();
    test_check_finds_a_misplaced_record();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return check_summary();
}
