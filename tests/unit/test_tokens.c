/* test_tokens.c: idempotency tokens of ddb_write_all_once: a replay calls
 * and writes nothing, another digest is a mismatch, a failed write leaves
 * its token unused, concurrent copies apply once, an expired token is a new
 * request, and the sweep deletes exactly the expired records. The records
 * are counted through the engine's internals (storage/engine.h), which only
 * a storage test may use. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "storage/engine.h"
#include "storage/tokens.h"

static ddb_table_info_t table;
static ddb_attr_t key_attr = {"pk", 2, {.type = DDB_T_S, .u.str = {"k", 1}}};
static ddb_value_t key = {.type = DDB_T_M, .u.map = {&key_attr, 1}};

/* Counts its calls and writes a counter item {pk: k, n: calls}. */
typedef struct counting {
    atomic_int calls;
    bool refuse;
    ddb_attr_t attrs[2];
    char num[16];
    ddb_value_t item;
} counting_t;

static int count_fn(void *ctx, const ddb_value_t *old, const ddb_value_t **new_item,
                    ddb_error_t *err) {
    (void)old;
    counting_t *c = ctx;
    int n = atomic_fetch_add(&c->calls, 1) + 1;
    if (c->refuse) return ddb_error_set(err, DDB_ERR_CONDITIONAL_CHECK, "refused");
    snprintf(c->num, sizeof c->num, "%d", n);
    c->attrs[0] = key_attr;
    c->attrs[1] = (ddb_attr_t){"n", 1, {.type = DDB_T_N, .u.str = {c->num, strlen(c->num)}}};
    c->item = (ddb_value_t){.type = DDB_T_M, .u.map = {c->attrs, 2}};
    *new_item = &c->item;
    return 0;
}

static ddb_token_t token(const char *text, uint8_t digest) {
    ddb_token_t t = {.text = text, .len = strlen(text)};
    memset(t.digest, digest, sizeof t.digest);
    return t;
}

/* One transaction of a single counting write with token t. */
static int send(ddb_engine_t *e, counting_t *c, const ddb_token_t *t, bool *replayed) {
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_write_t op = {.table = &table, .key = &key, .fn = count_fn, .ctx = c};
    ddb_error_t err;
    int rc = ddb_write_all_once(e, &op, 1, t, replayed, a, &err);
    if (rc == DDB_ERR_TRANSACTION_CANCELED) CHECK(op.status == DDB_ERR_CONDITIONAL_CHECK);
    ddb_arena_destroy(a);
    return rc;
}

/* Keys in the tokens' column family. */
static size_t token_keys(ddb_engine_t *e) {
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(ddb__rocks(e)->db, ddb__rocks(e)->ro,
                                                        ddb__rocks(e)->cf[CF_DEFAULT]);
    size_t n = 0;
    for (rocksdb_iter_seek_to_first(it); rocksdb_iter_valid(it); rocksdb_iter_next(it))
        n++;
    rocksdb_iter_destroy(it);
    return n;
}

static ddb_engine_t *open_engine(void) {
    ddb_engine_opts_t o = {.in_memory = true, .inspect_only = true, .token_window_s = 60};
    ddb_engine_t *e;
    ddb_error_t err;
    CHECK(ddb_open(&o, &e, &err) == 0);
    static ddb_value_t meta = {.type = DDB_T_M};
    table = (ddb_table_info_t){.name = "t", .name_len = 1, .meta = &meta};
    table.key = (ddb_key_schema_t){.hash_name = "pk", .hash_len = 2, .hash_type = DDB_T_S};
    CHECK(ddb_table_create(e, &table, &err) == 0);
    return e;
}

static void test_replay_and_mismatch(void) {
    ddb_engine_t *e = open_engine();
    counting_t c = {0};
    bool replayed = true;
    ddb_token_t a = token("tok-a", 1), a2 = token("tok-a", 2);
    CHECK(send(e, &c, &a, &replayed) == 0 && !replayed && c.calls == 1);
    CHECK(send(e, &c, &a, &replayed) == 0 && replayed && c.calls == 1);
    CHECK(send(e, &c, &a2, &replayed) == DDB_ERR_IDEMPOTENT_MISMATCH && c.calls == 1);
    CHECK(send(e, &c, NULL, &replayed) == 0 && !replayed && c.calls == 2);
    /* a failed transaction does not record its token */
    counting_t refused = {.refuse = true};
    ddb_token_t b = token("tok-b", 1);
    CHECK(send(e, &refused, &b, &replayed) == DDB_ERR_TRANSACTION_CANCELED);
    CHECK(token_keys(e) == 2);
    CHECK(send(e, &c, &b, &replayed) == 0 && !replayed && c.calls == 3);
    CHECK(token_keys(e) == 4);
    ddb_close(e);
}

typedef struct racer {
    ddb_engine_t *e;
    counting_t *c;
    pthread_barrier_t *start;
    int rc;        /* out (checked by the main thread: CHECK is not thread-safe) */
    bool replayed; /* out */
} racer_t;

static void *race(void *arg) {
    racer_t *r = arg;
    ddb_token_t t = token("tok-race", 7);
    pthread_barrier_wait(r->start);
    r->rc = send(r->e, r->c, &t, &r->replayed);
    return NULL;
}

static void test_concurrent_copies(void) {
    ddb_engine_t *e = open_engine();
    enum { N = 8 };
    counting_t c = {0};
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, N);
    pthread_t th[N];
    racer_t r[N];
    for (int i = 0; i < N; i++) {
        r[i] = (racer_t){.e = e, .c = &c, .start = &start};
        pthread_create(&th[i], NULL, race, &r[i]);
    }
    int replays = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        CHECK(r[i].rc == 0);
        replays += r[i].replayed;
    }
    pthread_barrier_destroy(&start);
    CHECK(c.calls == 1 && replays == N - 1);
    ddb_close(e);
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void test_window_and_sweep(void) {
    ddb_engine_t *e = open_engine();
    ddb__rocks(e)->token_window_ms = 200;
    counting_t c = {0};
    bool replayed;
    ddb_token_t old = token("tok-old", 1), young = token("tok-young", 1);
    CHECK(send(e, &c, &old, &replayed) == 0 && !replayed);
    sleep_ms(250);
    CHECK(send(e, &c, &young, &replayed) == 0 && !replayed);
    CHECK(token_keys(e) == 4);
    ddb_error_t err;
    CHECK(ddb__token_sweep(ddb__rocks(e), ddb_now_ms(), &err) == 0);
    CHECK(token_keys(e) == 2); /* the old one only */
    CHECK(send(e, &c, &young, &replayed) == 0 && replayed);
    /* past the window a token is a new request, whatever its digest, and
     * is recorded afresh: its expired expiry key goes with the old record */
    sleep_ms(250);
    ddb_token_t other = token("tok-young", 9);
    CHECK(send(e, &c, &other, &replayed) == 0 && !replayed && c.calls == 3);
    CHECK(token_keys(e) == 2);
    CHECK(send(e, &c, &other, &replayed) == 0 && replayed);
    CHECK(ddb__token_sweep(ddb__rocks(e), ddb_now_ms(), &err) == 0);
    CHECK(token_keys(e) == 2);
    CHECK(ddb__token_sweep(ddb__rocks(e), ddb_now_ms() + 1000, &err) == 0);
    CHECK(token_keys(e) == 0);
    ddb_close(e);
}

static void test_bounded_sweep(void) {
    ddb_engine_t *e = open_engine();
    ddb__rocks(e)->token_window_ms = 1;
    counting_t c = {0};
    bool replayed;
    char text[32];
    for (int i = 0; i < 12000; i++) {
        snprintf(text, sizeof text, "tok-%d", i);
        ddb_token_t t = token(text, 1);
        CHECK(send(e, &c, &t, &replayed) == 0);
    }
    ddb_error_t err;
    int64_t later = ddb_now_ms() + 10;
    CHECK(ddb__token_sweep(ddb__rocks(e), later, &err) == 0);
    CHECK(token_keys(e) == 2 * 2000); /* 10,000 per call */
    CHECK(ddb__token_sweep(ddb__rocks(e), later, &err) == 0);
    CHECK(token_keys(e) == 0);
    ddb_close(e);
}

int main(void) {
    test_replay_and_mismatch();
    test_concurrent_copies();
    test_window_and_sweep();
    test_bounded_sweep();
    return check_summary();
}
