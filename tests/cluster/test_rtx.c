/* test_rtx.c: transactions across buckets (storage/redis/rtx.h) on a real
 * local Redis Cluster (run by tests/cluster/run.sh): 8 threads moving units
 * between accounts in ten buckets keep the sum exact and leave no intent; a
 * stale version anywhere writes nothing; a front end that stops after the
 * prepares leaves items that plain writes see as held until any front end
 * aborts the abandoned transaction; one that stops after deciding to commit
 * is rolled forward by the first resolver.
 * Usage: test_rtx redis-cluster://HOST:PORT,... */
#include "storage/redis/rtx.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../unit/check.h"

static rc_cluster_t *cluster;
enum { ACCOUNTS = 10, THREADS = 8, TRANSFERS = 30, START = 100 };
static const rtx_opts_t opts = {.abandon_ms = 300};

static void account(uint32_t table, int i, rs_bucket_t *b) {
    rs_bucket_name(b, table, (uint32_t)i);
}

/* An account's balance and version; resolves a transaction holding it. */
static int balance(rc_conn_t *k, uint32_t table, int i, long *bal, uint64_t *ver, char *holder) {
    rs_bucket_t b;
    account(table, i, &b);
    redisReply *body = NULL;
    ddb_error_t err;
    int rc = rs_get(k, &b, "acct", 4, &body, ver, holder, &err);
    if (rc) return rc;
    *bal = body ? strtol(body->str, NULL, 10) : -1;
    if (body) freeReplyObject(body);
    return 0;
}

static void seed(rc_conn_t *k, uint32_t table) {
    for (int i = 0; i < ACCOUNTS; i++) {
        rs_bucket_t b;
        account(table, i, &b);
        char s[16];
        int n = snprintf(s, sizeof s, "%d", START);
        rs_write_t w = {.key = "acct", .klen = 4, .body = s, .blen = (size_t)n, .expiry_s = -1};
        ddb_error_t err;
        CHECK(rs_apply(k, &b, 1, &w, 1, 0, NULL, NULL, &err) == 0);
    }
}

/* One transfer of 1 from a to b; 0, or DDB_ERR_TRANSACTION_CONFLICT. */
static int transfer(rc_conn_t *k, uint32_t table, int a, int b, int stop_after) {
    long ba, bb;
    uint64_t va, vb;
    char ha[RS_TXID_LEN + 1], hb[RS_TXID_LEN + 1];
    if (balance(k, table, a, &ba, &va, ha) || balance(k, table, b, &bb, &vb, hb))
        return DDB_ERR_INTERNAL;
    ddb_error_t err;
    bool resolved;
    rs_bucket_t where;
    if (ha[0]) {
        account(table, a, &where);
        rtx_resolve(k, ha, &where, &opts, &resolved, &err);
        return DDB_ERR_TRANSACTION_CONFLICT;
    }
    if (hb[0]) {
        account(table, b, &where);
        rtx_resolve(k, hb, &where, &opts, &resolved, &err);
        return DDB_ERR_TRANSACTION_CONFLICT;
    }
    char sa[16], sb[16];
    int la = snprintf(sa, sizeof sa, "%ld", ba - 1), lb = snprintf(sb, sizeof sb, "%ld", bb + 1);
    rs_write_t wa = {
        .key = "acct", .klen = 4, .expect = va, .body = sa, .blen = (size_t)la, .expiry_s = -1};
    rs_write_t wb = {
        .key = "acct", .klen = 4, .expect = vb, .body = sb, .blen = (size_t)lb, .expiry_s = -1};
    rtx_group_t g[2] = {{.w = &wa, .n = 1, .nsets = 1}, {.w = &wb, .n = 1, .nsets = 1}};
    account(table, a, &g[0].sets[0]);
    account(table, b, &g[1].sets[0]);
    rtx_opts_t o = opts;
    o.stop_after = stop_after;
    return rtx_run(k, g, 2, &o, NULL, NULL, NULL, &err);
}

static long sum(rc_conn_t *k, uint32_t table) {
    long s = 0;
    for (int i = 0; i < ACCOUNTS; i++) {
        long bal;
        uint64_t ver;
        char holder[RS_TXID_LEN + 1];
        if (balance(k, table, i, &bal, &ver, holder)) return -1;
        s += bal;
    }
    return s;
}

static long long intents(rc_conn_t *k, uint32_t table) {
    long long n = 0;
    for (int i = 0; i < ACCOUNTS; i++) {
        rs_bucket_t b;
        account(table, i, &b);
        char key[64];
        snprintf(key, sizeof key, "%si", b.tag);
        const char *argv[] = {"HLEN", key};
        redisReply *r = NULL;
        ddb_error_t err;
        if (rc_command(k, b.tag, b.len, false, 2, argv, NULL, &r, &err) == 0 &&
            r->type == REDIS_REPLY_INTEGER)
            n += r->integer;
        if (r) freeReplyObject(r);
    }
    return n;
}

static void *mover(void *arg) {
    unsigned seedv = (unsigned)(uintptr_t)arg;
    rc_conn_t *k = rc_conn_create(cluster);
    long done = 0, conflicts = 0;
    while (done < TRANSFERS) {
        int a = (int)(rand_r(&seedv) % ACCOUNTS), b = (int)(rand_r(&seedv) % ACCOUNTS);
        if (a == b) continue;
        int rc = transfer(k, 1, a, b, 0);
        if (rc == 0)
            done++;
        else if (rc == DDB_ERR_TRANSACTION_CONFLICT)
            conflicts++;
        else
            break;
    }
    rc_conn_destroy(k);
    return (void *)(done == TRANSFERS ? conflicts : -1);
}

/* Whether transaction txid's coordinator record still exists. */
static bool record_exists(rc_conn_t *k, const char *txid) {
    char key[64];
    snprintf(key, sizeof key, "{x:%s}", txid);
    const char *argv[] = {"EXISTS", key};
    redisReply *r = NULL;
    ddb_error_t err;
    bool yes = rc_command(k, key, strlen(key), false, 2, argv, NULL, &r, &err) == 0 &&
               r->type == REDIS_REPLY_INTEGER && r->integer == 1;
    if (r) freeReplyObject(r);
    return yes;
}

static void test_transfers(rc_conn_t *k) {
    seed(k, 1);
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, mover, (void *)(uintptr_t)(i + 1));
    long conflicts = 0;
    bool all = true;
    for (int i = 0; i < THREADS; i++) {
        void *c;
        pthread_join(t[i], &c);
        if ((long)c < 0)
            all = false;
        else
            conflicts += (long)c;
    }
    CHECK(all);
    long s = sum(k, 1);
    printf("transfers: %d done, %ld conflicts retried, sum %ld\n", THREADS * TRANSFERS, conflicts,
           s);
    CHECK(s == ACCOUNTS * START);
    CHECK(intents(k, 1) == 0);
}

static void test_stale(rc_conn_t *k) {
    seed(k, 2);
    long bal;
    uint64_t v0, v1;
    char h[RS_TXID_LEN + 1];
    CHECK(balance(k, 2, 0, &bal, &v0, h) == 0);
    CHECK(balance(k, 2, 1, &bal, &v1, h) == 0);
    rs_write_t wa = {
        .key = "acct", .klen = 4, .expect = v0, .body = "0", .blen = 1, .expiry_s = -1};
    rs_write_t wb = {
        .key = "acct", .klen = 4, .expect = v1 + 7, .body = "0", .blen = 1, .expiry_s = -1};
    rtx_group_t g[2] = {{.w = &wa, .n = 1, .nsets = 1}, {.w = &wb, .n = 1, .nsets = 1}};
    account(2, 0, &g[0].sets[0]);
    account(2, 1, &g[1].sets[0]);
    size_t failed = 9, item = 9;
    char holder[RS_TXID_LEN + 1] = "x";
    ddb_error_t err;
    CHECK(rtx_run(k, g, 2, &opts, &failed, &item, holder, &err) == DDB_ERR_TRANSACTION_CONFLICT);
    CHECK(failed == 1 && item == 0 && holder[0] == '\0');
    CHECK(sum(k, 2) == ACCOUNTS * START);
    CHECK(intents(k, 2) == 0); /* the first bucket's prepare was released */
    /* a check-only item (ConditionCheck) that fails cancels the writes too */
    rs_write_t ck = {.key = "acct", .klen = 4, .expect = v1 + 1, .op = RS_CHECK, .expiry_s = -1};
    rtx_group_t g2[2] = {{.w = &wa, .n = 1, .nsets = 1}, {.w = &ck, .n = 1, .nsets = 1}};
    g2[0].sets[0] = g[0].sets[0];
    g2[1].sets[0] = g[1].sets[0];
    CHECK(rtx_run(k, g2, 2, &opts, &failed, &item, holder, &err) == DDB_ERR_TRANSACTION_CONFLICT);
    ck.expect = v1;
    CHECK(rtx_run(k, g2, 2, &opts, &failed, &item, holder, &err) == 0);
    CHECK(balance(k, 2, 0, &bal, &v0, h) == 0 && bal == 0);
    CHECK(balance(k, 2, 1, &bal, &v1, h) == 0 && bal == START);
}

static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void test_abandoned(rc_conn_t *k) {
    seed(k, 3);
    CHECK(transfer(k, 3, 0, 1, 1) == 0); /* "dies" after its prepares */
    long bal;
    uint64_t ver;
    char holder[RS_TXID_LEN + 1];
    CHECK(balance(k, 3, 0, &bal, &ver, holder) == 0);
    CHECK(bal == START && holder[0] != '\0');
    /* a plain write of a held item is refused, naming the holder */
    rs_bucket_t b;
    account(3, 0, &b);
    rs_write_t w = {
        .key = "acct", .klen = 4, .expect = ver, .body = "5", .blen = 1, .expiry_s = -1};
    char h2[RS_TXID_LEN + 1];
    ddb_error_t err;
    CHECK(rs_apply(k, &b, 1, &w, 1, 0, NULL, h2, &err) == DDB_ERR_TRANSACTION_CONFLICT);
    CHECK(!strcmp(h2, holder));
    bool resolved = true;
    CHECK(rtx_resolve(k, holder, &b, &opts, &resolved, &err) == 0);
    CHECK(!resolved); /* still young: it may yet commit */
    sleep_ms(opts.abandon_ms + 100);
    CHECK(record_exists(k, holder));
    CHECK(rtx_resolve(k, holder, &b, &opts, &resolved, &err) == 0);
    CHECK(resolved);
    CHECK(!record_exists(k, holder)); /* finished everywhere: the record has served */
    CHECK(intents(k, 3) == 0);
    CHECK(sum(k, 3) == ACCOUNTS * START);
    CHECK(balance(k, 3, 1, &bal, &ver, holder) == 0 && bal == START);
    CHECK(rs_apply(k, &b, 1, &w, 1, 0, NULL, h2, &err) == 0);
}

static void test_decided(rc_conn_t *k) {
    seed(k, 4);
    CHECK(transfer(k, 4, 0, 1, 2) == 0); /* "dies" after deciding to commit */
    long bal;
    uint64_t ver;
    char holder[RS_TXID_LEN + 1];
    CHECK(balance(k, 4, 1, &bal, &ver, holder) == 0);
    CHECK(bal == START && holder[0] != '\0');
    rs_bucket_t b;
    account(4, 1, &b);
    bool resolved = false;
    ddb_error_t err;
    char txid[RS_TXID_LEN + 1];
    snprintf(txid, sizeof txid, "%s", holder);
    CHECK(record_exists(k, txid));
    CHECK(rtx_resolve(k, holder, &b, &opts, &resolved, &err) == 0);
    CHECK(resolved); /* decided: rolled forward at once, in both buckets */
    CHECK(!record_exists(k, txid));
    CHECK(balance(k, 4, 0, &bal, &ver, holder) == 0 && bal == START - 1 && holder[0] == '\0');
    CHECK(balance(k, 4, 1, &bal, &ver, holder) == 0 && bal == START + 1 && holder[0] == '\0');
    CHECK(intents(k, 4) == 0);
}

/* How many items of key set b a transaction holds. */
static long long held(rc_conn_t *k, const rs_bucket_t *b) {
    char key[64];
    snprintf(key, sizeof key, "%si", b->tag);
    const char *argv[] = {"HLEN", key};
    redisReply *r = NULL;
    ddb_error_t err;
    long long n = -1;
    if (rc_command(k, b->tag, b->len, false, 2, argv, NULL, &r, &err) == 0 &&
        r->type == REDIS_REPLY_INTEGER)
        n = r->integer;
    if (r) freeReplyObject(r);
    return n;
}

/* A slot's share with two key sets (an item and its LSI entry), its front
 * end dying after the commit decision: a write meeting the held entry
 * resolves it from the entry's key set, finishing both slots' key sets. */
static void test_key_sets(rc_conn_t *k) {
    seed(k, 5);
    long bal;
    uint64_t v0, v1;
    char h[RS_TXID_LEN + 1];
    CHECK(balance(k, 5, 0, &bal, &v0, h) == 0);
    CHECK(balance(k, 5, 1, &bal, &v1, h) == 0);
    rs_write_t w0[2] = {
        {.key = "acct", .klen = 4, .expect = v0, .body = "99", .blen = 2, .expiry_s = -1},
        {.set = 1,
         .key = "entry",
         .klen = 5,
         .blind = true,
         .body = "e",
         .blen = 1,
         .expiry_s = -1}};
    rs_write_t w1 = {
        .key = "acct", .klen = 4, .expect = v1, .body = "101", .blen = 3, .expiry_s = -1};
    rtx_group_t g[2] = {{.w = w0, .n = 2, .nsets = 2}, {.w = &w1, .n = 1, .nsets = 1}};
    account(5, 0, &g[0].sets[0]);
    rs_bucket_local(&g[0].sets[1], 5, 0, 77);
    account(5, 1, &g[1].sets[0]);
    rtx_opts_t o = opts;
    o.stop_after = 2;
    ddb_error_t err;
    CHECK(rtx_run(k, g, 2, &o, NULL, NULL, NULL, &err) == 0);
    const rs_bucket_t *lsi = &g[0].sets[1];
    CHECK(held(k, lsi) == 1 && held(k, &g[0].sets[0]) == 1);
    /* a blind write of the entry meets the holder */
    rs_write_t again = {
        .key = "entry", .klen = 5, .blind = true, .body = "f", .blen = 1, .expiry_s = -1};
    char holder[RS_TXID_LEN + 1];
    CHECK(rs_apply(k, lsi, 1, &again, 1, 0, NULL, holder, &err) == DDB_ERR_TRANSACTION_CONFLICT);
    CHECK(holder[0] != '\0');
    bool resolved = false;
    CHECK(rtx_resolve(k, holder, lsi, &opts, &resolved, &err) == 0);
    CHECK(resolved);
    CHECK(!record_exists(k, holder));
    CHECK(held(k, lsi) == 0 && held(k, &g[0].sets[0]) == 0 && held(k, &g[1].sets[0]) == 0);
    CHECK(balance(k, 5, 0, &bal, &v0, h) == 0 && bal == 99);
    CHECK(balance(k, 5, 1, &bal, &v1, h) == 0 && bal == 101);
    redisReply *body = NULL;
    uint64_t ver = 0;
    CHECK(rs_get(k, lsi, "entry", 5, &body, &ver, h, &err) == 0);
    CHECK(body && body->len == 1 && body->str[0] == 'e' && ver > 0);
    if (body) freeReplyObject(body);
    CHECK(rs_apply(k, lsi, 1, &again, 1, 0, NULL, holder, &err) == 0);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: test_rtx redis-cluster://HOST:PORT,...\n");
        return 2;
    }
    rc_opts_t o = {.wait_replicas = 1};
    ddb_error_t err;
    if (rc_cluster_open(argv[1], &o, &cluster, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    rc_conn_t *k = rc_conn_create(cluster);
    if (rs_load_functions(k, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    test_transfers(k);
    test_stale(k);
    test_abandoned(k);
    test_decided(k);
    test_key_sets(k);
    rc_conn_destroy(k);
    rc_cluster_close(cluster);
    return check_summary();
}
