/* test_rc_cluster.c: the cluster client against a real local Redis Cluster
 * (tools/cluster.sh up; run by tests/cluster/run.sh): routing to every
 * master, pipelines across nodes, ASK during a slot migration and MOVED
 * after it, and a master killed with kill -9 under writes acknowledged with
 * WAIT: writes resume after the failover and every acknowledged one is there.
 * Usage: test_rc_cluster redis-cluster://HOST:PORT,... */
#include "storage/redis/rc.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../unit/check.h"

static const char *url;

static rc_cluster_t *open_cluster(int wait_replicas) {
    rc_opts_t o = {.wait_replicas = wait_replicas, .failover_wait_ms = 20000};
    rc_cluster_t *c = NULL;
    ddb_error_t err;
    if (rc_cluster_open(url, &o, &c, &err)) {
        fprintf(stderr, "rc_cluster_open: %s\n", err.msg);
        exit(1);
    }
    return c;
}

/* A plain connection to one node, for the test's own administration. */
static redisContext *admin(const rc_addr_t *a) {
    redisContext *x = redisConnect(a->host, a->port);
    if (!x || x->err) {
        fprintf(stderr, "cannot connect to %s:%d\n", a->host, a->port);
        exit(1);
    }
    return x;
}

static void node_id(const rc_addr_t *a, char out[64]) {
    redisContext *x = admin(a);
    redisReply *r = redisCommand(x, "CLUSTER MYID");
    snprintf(out, 64, "%s", r && r->type == REDIS_REPLY_STRING ? r->str : "");
    freeReplyObject(r);
    redisFree(x);
}

/* SET key value (or GET key) through the client; the reply's string. */
static int set(rc_conn_t *k, const char *key, const char *val) {
    const char *argv[] = {"SET", key, val};
    redisReply *r = NULL;
    ddb_error_t err;
    int rc = rc_command(k, key, strlen(key), true, 3, argv, NULL, &r, &err);
    int ok = rc == 0 && r && r->type == REDIS_REPLY_STATUS;
    if (!ok) fprintf(stderr, "SET %s: %s\n", key, rc ? err.msg : "unexpected reply");
    if (r) freeReplyObject(r);
    return ok ? 0 : -1;
}

static char *get(rc_conn_t *k, const char *key) {
    const char *argv[] = {"GET", key};
    redisReply *r = NULL;
    ddb_error_t err;
    char *out = NULL;
    if (rc_command(k, key, strlen(key), false, 2, argv, NULL, &r, &err) == 0 && r &&
        r->type == REDIS_REPLY_STRING)
        out = strdup(r->str);
    if (r) freeReplyObject(r);
    return out;
}

/* 3000 SETs in one pipelined rc_exec reach every master; GETs read them back. */
static void test_pipeline(void) {
    rc_cluster_t *c = open_cluster(1);
    rc_conn_t *k = rc_conn_create(c);
    rc_addr_t m[RC_NODES_MAX];
    size_t nm = rc_cluster_masters(c, m, RC_NODES_MAX);
    CHECK(nm == 3);
    enum { N = 3000 };
    static char keys[N][16], vals[N][16];
    static const char *argv[N][3];
    static rc_cmd_t cmds[N];
    size_t per_master[RC_NODES_MAX] = {0};
    for (int i = 0; i < N; i++) {
        snprintf(keys[i], sizeof keys[i], "p:%d", i);
        snprintf(vals[i], sizeof vals[i], "v%d", i * 7);
        argv[i][0] = "SET", argv[i][1] = keys[i], argv[i][2] = vals[i];
        cmds[i] = (rc_cmd_t){
            .key = keys[i], .klen = strlen(keys[i]), .argc = 3, .argv = argv[i], .write = true};
        rc_addr_t a;
        rc_cluster_master(c, rc_key_slot(keys[i], strlen(keys[i])), &a);
        for (size_t j = 0; j < nm; j++)
            if (a.port == m[j].port && !strcmp(a.host, m[j].host)) per_master[j]++;
    }
    for (size_t j = 0; j < nm; j++)
        CHECK(per_master[j] > N / 10);
    ddb_error_t err;
    int rc = rc_exec(k, cmds, N, &err);
    if (rc) fprintf(stderr, "pipelined SETs: %s\n", err.msg);
    CHECK(rc == 0);
    int ok = 0;
    for (int i = 0; i < N; i++) {
        ok += cmds[i].reply && cmds[i].reply->type == REDIS_REPLY_STATUS;
        if (cmds[i].reply) freeReplyObject(cmds[i].reply);
        argv[i][0] = "GET";
        cmds[i].argc = 2;
        cmds[i].write = false;
    }
    CHECK(ok == N);
    CHECK(rc_exec(k, cmds, N, &err) == 0);
    ok = 0;
    for (int i = 0; i < N; i++) {
        ok += cmds[i].reply && cmds[i].reply->type == REDIS_REPLY_STRING &&
              !strcmp(cmds[i].reply->str, vals[i]);
        if (cmds[i].reply) freeReplyObject(cmds[i].reply);
    }
    CHECK(ok == N);
    rc_conn_destroy(k);
    rc_cluster_close(c);
}

/* A slot moved from one master to another while a client holds the old map:
 * during the migration a key not yet moved is read on the source and a new
 * key is sent to the target (ASK); afterwards every key is found (MOVED). */
static void test_migration(void) {
    rc_cluster_t *c = open_cluster(0);
    rc_conn_t *k = rc_conn_create(c);
    const char *old_key = "{mig}old", *new_key = "{mig}new";
    uint16_t slot = rc_key_slot(old_key, strlen(old_key));
    CHECK(set(k, old_key, "before") == 0);
    rc_addr_t src, m[RC_NODES_MAX], dst;
    rc_cluster_master(c, slot, &src);
    size_t nm = rc_cluster_masters(c, m, RC_NODES_MAX);
    dst = m[0].port == src.port ? m[1] : m[0];
    char sid[64], did[64], slot_s[8];
    node_id(&src, sid);
    node_id(&dst, did);
    snprintf(slot_s, sizeof slot_s, "%u", slot);
    redisContext *xs = admin(&src), *xd = admin(&dst);
    freeReplyObject(redisCommand(xd, "CLUSTER SETSLOT %s IMPORTING %s", slot_s, sid));
    freeReplyObject(redisCommand(xs, "CLUSTER SETSLOT %s MIGRATING %s", slot_s, did));
    /* mid-migration: the old key still lives on the source, a new one goes to the target by ASK */
    char *v = get(k, old_key);
    CHECK(v && !strcmp(v, "before"));
    free(v);
    CHECK(set(k, new_key, "during") == 0);
    redisReply *r = redisCommand(xd, "ASKING");
    freeReplyObject(r);
    r = redisCommand(xd, "GET %s", new_key);
    CHECK(r && r->type == REDIS_REPLY_STRING && !strcmp(r->str, "during"));
    freeReplyObject(r);
    r = redisCommand(xs, "MIGRATE %s %d %s 0 5000 KEYS %s", dst.host, dst.port, "", old_key);
    CHECK(r && r->type == REDIS_REPLY_STATUS);
    freeReplyObject(r);
    for (size_t i = 0; i < nm; i++) {
        redisContext *x = admin(&m[i]);
        freeReplyObject(redisCommand(x, "CLUSTER SETSLOT %s NODE %s", slot_s, did));
        redisFree(x);
    }
    /* the client's map still names the source: MOVED sends it on */
    v = get(k, old_key);
    CHECK(v && !strcmp(v, "before"));
    free(v);
    v = get(k, new_key);
    CHECK(v && !strcmp(v, "during"));
    free(v);
    rc_addr_t now;
    rc_cluster_master(c, slot, &now);
    CHECK(now.port == dst.port);
    redisFree(xs);
    redisFree(xd);
    rc_conn_destroy(k);
    rc_cluster_close(c);
}

/* kill -9 of a master while one writer SETs keys of its slots with WAIT 1:
 * within the failover wait the writes go on (to the promoted replica), and
 * every write that was acknowledged is there afterwards. */
static void test_failover(void) {
    rc_cluster_t *c = open_cluster(1);
    rc_conn_t *k = rc_conn_create(c);
    const char *probe = "{fo}0";
    rc_addr_t victim;
    rc_cluster_master(c, rc_key_slot(probe, strlen(probe)), &victim);
    redisContext *x = admin(&victim);
    redisReply *r = redisCommand(x, "INFO server");
    long pid = 0;
    const char *p = r && r->str ? strstr(r->str, "process_id:") : NULL;
    if (p) pid = strtol(p + 11, NULL, 10);
    freeReplyObject(r);
    redisFree(x);
    CHECK(pid > 0);
    enum { N = 400 };
    bool acked[N] = {0};
    int failed = 0, after = 0;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < N; i++) {
        if (i == 100 && pid > 0) kill((pid_t)pid, SIGKILL);
        char key[32], val[32];
        snprintf(key, sizeof key, "{fo}%d", i);
        snprintf(val, sizeof val, "w%d", i);
        if (set(k, key, val) == 0) {
            acked[i] = true;
            if (i > 100) after++;
        } else {
            failed++;
        }
    }
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("failover: %d writes failed, %d acknowledged after the kill, %.1f s\n", failed, after,
           (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    CHECK(after > 250); /* writes resumed on the promoted replica */
    rc_addr_t promoted;
    rc_cluster_master(c, rc_key_slot(probe, strlen(probe)), &promoted);
    CHECK(promoted.port != victim.port);
    int lost = 0;
    for (int i = 0; i < N; i++) {
        if (!acked[i]) continue;
        char key[32], want[32];
        snprintf(key, sizeof key, "{fo}%d", i);
        snprintf(want, sizeof want, "w%d", i);
        char *v = get(k, key);
        if (!v || strcmp(v, want)) lost++;
        free(v);
    }
    if (lost) fprintf(stderr, "%d acknowledged writes lost\n", lost);
    CHECK(lost == 0);
    rc_conn_destroy(k);
    rc_cluster_close(c);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: test_rc_cluster redis-cluster://HOST:PORT,...\n");
        return 2;
    }
    url = argv[1];
    test_pipeline();
    test_migration();
    test_failover();
    return check_summary();
}
