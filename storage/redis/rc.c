/* rc.c: the Redis Cluster client (see rc.h): CRC16 slots, the slot map read
 * with CLUSTER SLOTS, per-thread connections, and rc_exec's loop of
 * send-everything-then-read with redirections and failover retries.
 * Never retries a command that may have run unless it says it is idempotent. */
#include "storage/redis/rc.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct rc_cluster {
    rc_opts_t o;
    pthread_mutex_t mu;
    rc_addr_t seeds[RC_NODES_MAX];
    size_t nseeds;
    rc_addr_t nodes[RC_NODES_MAX]; /* every node the map ever named; indexes are stable */
    size_t nnodes;
    uint8_t slot_node[RC_SLOTS]; /* index into nodes of each slot's master */
};

struct rc_conn {
    rc_cluster_t *c;
    rc_addr_t addr[RC_NODES_MAX];
    redisContext *ctx[RC_NODES_MAX];
    size_t n;
};

/* ---- pure ------------------------------------------------------------- */

/* CRC16-CCITT (XMODEM): polynomial 0x1021, initial 0, as Redis Cluster. */
static uint16_t crc16(const uint8_t *p, size_t n) {
    uint16_t crc = 0;
    for (size_t i = 0; i < n; i++) {
        crc ^= (uint16_t)(p[i] << 8);
        for (int b = 0; b < 8; b++)
            crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
    }
    return crc;
}

uint16_t rc_key_slot(const void *key, size_t len) {
    const uint8_t *k = key;
    const uint8_t *open = memchr(k, '{', len);
    if (open) {
        size_t at = (size_t)(open - k) + 1;
        const uint8_t *close = memchr(k + at, '}', len - at);
        if (close && close > k + at)
            return crc16(k + at, (size_t)(close - (k + at))) & (RC_SLOTS - 1);
    }
    return crc16(k, len) & (RC_SLOTS - 1);
}

int rc_url_parse(const char *url, rc_addr_t *out, size_t cap, size_t *n, ddb_error_t *err) {
    static const char scheme[] = "redis-cluster://";
    *n = 0;
    if (strncmp(url, scheme, sizeof scheme - 1) != 0)
        return ddb_error_set(err, DDB_ERR_VALIDATION, "a cluster URL starts with %s, got '%s'",
                             scheme, url);
    const char *p = url + sizeof scheme - 1;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *colon = NULL;
        for (size_t i = 0; i < len; i++)
            if (p[i] == ':') colon = p + i;
        if (!colon || colon == p)
            return ddb_error_set(err, DDB_ERR_VALIDATION, "'%.*s' is not HOST:PORT", (int)len, p);
        size_t hlen = (size_t)(colon - p);
        if (hlen >= sizeof out[0].host)
            return ddb_error_set(err, DDB_ERR_VALIDATION, "host '%.*s' is longer than 63 bytes",
                                 (int)hlen, p);
        long port = 0;
        const char *d = colon + 1;
        if (d == p + len)
            return ddb_error_set(err, DDB_ERR_VALIDATION, "'%.*s' has no port", (int)len, p);
        for (; d < p + len; d++) {
            if (*d < '0' || *d > '9' || port > 65535) break;
            port = port * 10 + (*d - '0');
        }
        if (d != p + len || port < 1 || port > 65535)
            return ddb_error_set(err, DDB_ERR_VALIDATION, "'%.*s' has no valid port", (int)len, p);
        if (*n == cap)
            return ddb_error_set(err, DDB_ERR_VALIDATION, "more than %zu cluster nodes", cap);
        memcpy(out[*n].host, p, hlen);
        out[*n].host[hlen] = '\0';
        out[*n].port = (int)port;
        (*n)++;
        if (!end) break;
        p = end + 1;
        if (!*p) return ddb_error_set(err, DDB_ERR_VALIDATION, "'%s' ends with a comma", url);
    }
    if (*n == 0) return ddb_error_set(err, DDB_ERR_VALIDATION, "'%s' names no node", url);
    return 0;
}

/* ---- connections ------------------------------------------------------ */

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
    }
}

static bool same_addr(const rc_addr_t *a, const rc_addr_t *b) {
    return a->port == b->port && !strcmp(a->host, b->host);
}

static redisContext *dial(const rc_opts_t *o, const rc_addr_t *a) {
    int cto = o->connect_timeout_ms ? o->connect_timeout_ms : 1000;
    int rto = o->command_timeout_ms ? o->command_timeout_ms : 5000;
    struct timeval ct = {cto / 1000, (cto % 1000) * 1000}, rt = {rto / 1000, (rto % 1000) * 1000};
    redisContext *ctx = redisConnectWithTimeout(a->host, a->port, ct);
    if (!ctx) return NULL;
    if (ctx->err || redisSetTimeout(ctx, rt) != REDIS_OK) {
        redisFree(ctx);
        return NULL;
    }
    return ctx;
}

/* The node index of an address, added when new; -1 when the table is full.
 * Under c->mu. */
static int node_index(rc_cluster_t *c, const rc_addr_t *a) {
    for (size_t i = 0; i < c->nnodes; i++)
        if (same_addr(&c->nodes[i], a)) return (int)i;
    if (c->nnodes == RC_NODES_MAX) return -1;
    c->nodes[c->nnodes] = *a;
    return (int)c->nnodes++;
}

/* Reads CLUSTER SLOTS from one node into a new map; 0 when it covers every
 * slot. `asked` stands in for nodes the reply names with an empty host. */
static int read_slots(rc_cluster_t *c, redisContext *ctx, const rc_addr_t *asked) {
    redisReply *r = redisCommand(ctx, "CLUSTER SLOTS");
    if (!r) return -1;
    int rc = -1;
    uint8_t covered[RC_SLOTS] = {0}, map[RC_SLOTS];
    if (r->type != REDIS_REPLY_ARRAY) goto done;
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < r->elements; i++) {
        redisReply *e = r->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements < 3) continue;
        redisReply *m = e->element[2];
        if (e->element[0]->type != REDIS_REPLY_INTEGER ||
            e->element[1]->type != REDIS_REPLY_INTEGER || m->type != REDIS_REPLY_ARRAY ||
            m->elements < 2 || m->element[0]->type != REDIS_REPLY_STRING ||
            m->element[1]->type != REDIS_REPLY_INTEGER)
            continue;
        long long lo = e->element[0]->integer, hi = e->element[1]->integer;
        if (lo < 0 || hi >= RC_SLOTS || lo > hi) continue;
        rc_addr_t a;
        if (m->element[0]->len == 0 || m->element[0]->len >= sizeof a.host) {
            size_t hl = strnlen(asked->host, sizeof a.host - 1);
            memcpy(a.host, asked->host, hl);
            a.host[hl] = '\0';
        } else {
            memcpy(a.host, m->element[0]->str, m->element[0]->len);
            a.host[m->element[0]->len] = '\0';
        }
        a.port = (int)m->element[1]->integer;
        int ni = node_index(c, &a);
        if (ni < 0) continue;
        for (long long s = lo; s <= hi; s++) {
            map[s] = (uint8_t)ni;
            covered[s] = 1;
        }
    }
    rc = 0;
    for (size_t s = 0; s < RC_SLOTS; s++)
        if (!covered[s]) rc = -1;
    if (rc == 0) memcpy(c->slot_node, map, sizeof map);
    pthread_mutex_unlock(&c->mu);
done:
    freeReplyObject(r);
    return rc;
}

int rc_cluster_refresh(rc_cluster_t *c, ddb_error_t *err) {
    /* the known nodes first (the map's masters and replicas we heard of), then the seeds */
    rc_addr_t tryv[2 * RC_NODES_MAX];
    size_t n = 0;
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < c->nnodes; i++)
        tryv[n++] = c->nodes[i];
    for (size_t i = 0; i < c->nseeds; i++)
        tryv[n++] = c->seeds[i];
    pthread_mutex_unlock(&c->mu);
    for (size_t i = 0; i < n; i++) {
        redisContext *ctx = dial(&c->o, &tryv[i]);
        if (!ctx) continue;
        int rc = read_slots(c, ctx, &tryv[i]);
        redisFree(ctx);
        if (rc == 0) return 0;
    }
    return ddb_error_set(err, DDB_ERR_INTERNAL,
                         "no cluster node answered with a slot map covering every slot");
}

int rc_cluster_open(const char *url, const rc_opts_t *opts, rc_cluster_t **out, ddb_error_t *err) {
    *out = NULL;
    rc_cluster_t *c = calloc(1, sizeof *c);
    if (!c) return ddb_error_set(err, DDB_ERR_INTERNAL, "out of memory");
    if (opts) c->o = *opts;
    pthread_mutex_init(&c->mu, NULL);
    int rc = rc_url_parse(url, c->seeds, RC_NODES_MAX, &c->nseeds, err);
    if (rc == 0) rc = rc_cluster_refresh(c, err);
    if (rc) {
        rc_cluster_close(c);
        return rc;
    }
    *out = c;
    return 0;
}

void rc_cluster_master(rc_cluster_t *c, uint16_t slot, rc_addr_t *out) {
    pthread_mutex_lock(&c->mu);
    *out = c->nodes[c->slot_node[slot & (RC_SLOTS - 1)]];
    pthread_mutex_unlock(&c->mu);
}

size_t rc_cluster_masters(rc_cluster_t *c, rc_addr_t *out, size_t cap) {
    size_t n = 0;
    bool seen[RC_NODES_MAX] = {0};
    pthread_mutex_lock(&c->mu);
    for (size_t s = 0; s < RC_SLOTS && n < cap; s++) {
        uint8_t ni = c->slot_node[s];
        if (seen[ni]) continue;
        seen[ni] = true;
        out[n++] = c->nodes[ni];
    }
    pthread_mutex_unlock(&c->mu);
    return n;
}

void rc_cluster_close(rc_cluster_t *c) {
    if (!c) return;
    pthread_mutex_destroy(&c->mu);
    free(c);
}

rc_conn_t *rc_conn_create(rc_cluster_t *c) {
    rc_conn_t *k = calloc(1, sizeof *k);
    if (k) k->c = c;
    return k;
}

void rc_conn_destroy(rc_conn_t *k) {
    if (!k) return;
    for (size_t i = 0; i < k->n; i++)
        if (k->ctx[i]) redisFree(k->ctx[i]);
    free(k);
}

/* This thread's connection to a node (dialled when missing or broken);
 * its slot in k->ctx via *at. NULL when the node cannot be reached. */
static redisContext *conn_to(rc_conn_t *k, const rc_addr_t *a, size_t *at) {
    size_t i = 0;
    while (i < k->n && !same_addr(&k->addr[i], a))
        i++;
    if (i == k->n) {
        if (k->n == RC_NODES_MAX) return NULL;
        k->addr[k->n++] = *a;
        k->ctx[i] = NULL;
    }
    *at = i;
    if (!k->ctx[i]) k->ctx[i] = dial(&k->c->o, a);
    return k->ctx[i];
}

static void conn_drop(rc_conn_t *k, size_t at) {
    if (k->ctx[at]) redisFree(k->ctx[at]);
    k->ctx[at] = NULL;
}

/* ---- rc_exec ---------------------------------------------------------- */

/* What became of one command in a round. */
enum { ST_PENDING, ST_DONE, ST_FAILED };

typedef struct cmd_state {
    int st;
    bool redirected; /* `to` holds a MOVED/ASK target */
    bool asking;
    rc_addr_t to;
} cmd_state_t;

/* "MOVED 3999 127.0.0.1:6381" / "ASK 3999 127.0.0.1:6381": the target. */
static bool parse_redirect(const char *s, size_t len, rc_addr_t *to) {
    const char *sp = memchr(s, ' ', len);
    if (!sp) return false;
    sp = memchr(sp + 1, ' ', len - (size_t)(sp + 1 - s));
    if (!sp) return false;
    const char *hp = sp + 1, *end = s + len, *colon = NULL;
    for (const char *p = hp; p < end; p++)
        if (*p == ':') colon = p;
    if (!colon || colon == hp || (size_t)(colon - hp) >= sizeof to->host) return false;
    memcpy(to->host, hp, (size_t)(colon - hp));
    to->host[colon - hp] = '\0';
    to->port = atoi(colon + 1);
    return to->port > 0;
}

static bool starts(const redisReply *r, const char *word) {
    size_t n = strlen(word);
    return r->len >= n && !memcmp(r->str, word, n) && (r->len == n || r->str[n] == ' ');
}

int rc_exec(rc_conn_t *k, rc_cmd_t *cmds, size_t n, ddb_error_t *err) {
    rc_cluster_t *c = k->c;
    int wait_n = c->o.wait_replicas;
    int wait_ms = c->o.wait_timeout_ms ? c->o.wait_timeout_ms : 1000;
    char wait_a[16], wait_b[16];
    snprintf(wait_a, sizeof wait_a, "%d", wait_n);
    snprintf(wait_b, sizeof wait_b, "%d", wait_ms);
    const char *wait_argv[] = {"WAIT", wait_a, wait_b};
    int64_t deadline = now_ms() + (c->o.failover_wait_ms ? c->o.failover_wait_ms : 15000);
    cmd_state_t *st = calloc(n ? n : 1, sizeof *st);
    size_t *order = malloc((n ? n : 1) * sizeof *order);
    if (!st || !order) {
        free(st);
        free(order);
        return ddb_error_set(err, DDB_ERR_INTERNAL, "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        cmds[i].reply = NULL;
    int rc = 0;
    size_t left = n;
    while (left > 0) {
        bool refresh = false, pause = false;
        /* the target of every pending command this round */
        rc_addr_t *to = malloc(n * sizeof *to);
        if (!to) {
            rc = ddb_error_set(err, DDB_ERR_INTERNAL, "out of memory");
            break;
        }
        for (size_t i = 0; i < n; i++) {
            if (st[i].st != ST_PENDING) continue;
            if (st[i].redirected)
                to[i] = st[i].to;
            else
                rc_cluster_master(c, rc_key_slot(cmds[i].key, cmds[i].klen), &to[i]);
        }
        /* one node at a time: append its share, then (after all are sent)
         * read each node's replies in order */
        bool *sent = calloc(n, sizeof *sent);
        size_t *node_of = calloc(n, sizeof *node_of);
        bool *taken = calloc(n, sizeof *taken);
        if (!sent || !node_of || !taken) {
            free(to), free(sent), free(node_of), free(taken);
            rc = ddb_error_set(err, DDB_ERR_INTERNAL, "out of memory");
            break;
        }
        size_t groups[RC_NODES_MAX], ngroups = 0;
        for (size_t i = 0; i < n; i++) {
            if (st[i].st != ST_PENDING || taken[i]) continue;
            size_t at;
            redisContext *ctx = conn_to(k, &to[i], &at);
            size_t count = 0, last_write = SIZE_MAX;
            for (size_t j = i; j < n; j++) {
                if (st[j].st != ST_PENDING || taken[j] || !same_addr(&to[j], &to[i])) continue;
                taken[j] = true;
                if (!ctx) continue; /* unreachable: stays pending */
                order[count++] = j;
                if (cmds[j].write) last_write = j;
            }
            if (!ctx) {
                refresh = pause = true;
                continue;
            }
            bool ok = true;
            for (size_t q = 0; q < count && ok; q++) {
                size_t j = order[q];
                if (st[j].asking) ok = redisAppendCommand(ctx, "ASKING") == REDIS_OK;
                if (ok)
                    ok = redisAppendCommandArgv(ctx, cmds[j].argc, cmds[j].argv, cmds[j].argvlen) ==
                         REDIS_OK;
                if (ok && wait_n > 0 && j == last_write)
                    ok = redisAppendCommandArgv(ctx, 3, wait_argv, NULL) == REDIS_OK;
                if (ok) {
                    sent[j] = true;
                    node_of[j] = at;
                }
            }
            if (!ok) { /* nothing was written to the socket yet: all may go again */
                conn_drop(k, at);
                for (size_t q = 0; q < count; q++)
                    sent[order[q]] = false;
                refresh = pause = true;
                continue;
            }
            if (ngroups < RC_NODES_MAX) groups[ngroups++] = at;
        }
        for (size_t g = 0; g < ngroups; g++) {
            size_t at = groups[g];
            bool broken = false;
            size_t last_write = SIZE_MAX;
            for (size_t j = 0; j < n; j++)
                if (sent[j] && node_of[j] == at && cmds[j].write) last_write = j;
            for (size_t j = 0; j < n; j++) {
                if (!sent[j] || node_of[j] != at) continue;
                redisReply *r = NULL;
                if (!broken && st[j].asking) {
                    if (redisGetReply(k->ctx[at], (void **)&r) != REDIS_OK) broken = true;
                    if (r) freeReplyObject(r);
                    r = NULL;
                }
                if (!broken && redisGetReply(k->ctx[at], (void **)&r) != REDIS_OK) broken = true;
                if (broken) {
                    /* sent, no reply: it may have run */
                    if (cmds[j].idempotent) {
                        st[j].redirected = st[j].asking = false;
                    } else {
                        st[j].st = ST_FAILED;
                        left--;
                        rc =
                            ddb_error_set(err, DDB_ERR_INTERNAL,
                                          "the connection to %s:%d broke before a reply: the write "
                                          "may or may not have been applied",
                                          k->addr[at].host, k->addr[at].port);
                    }
                    refresh = pause = true;
                    continue;
                }
                st[j].asking = false;
                if (r->type == REDIS_REPLY_ERROR && (starts(r, "MOVED") || starts(r, "ASK"))) {
                    bool ask = starts(r, "ASK");
                    st[j].redirected = parse_redirect(r->str, r->len, &st[j].to);
                    st[j].asking = ask && st[j].redirected;
                    if (!ask) refresh = true;
                    freeReplyObject(r);
                } else if (r->type == REDIS_REPLY_ERROR &&
                           (starts(r, "TRYAGAIN") || starts(r, "CLUSTERDOWN") ||
                            starts(r, "LOADING") || starts(r, "MASTERDOWN") ||
                            starts(r, "READONLY"))) {
                    st[j].redirected = false;
                    refresh = pause = true;
                    freeReplyObject(r);
                } else {
                    cmds[j].reply = r;
                    st[j].st = ST_DONE;
                    left--;
                }
                if (j == last_write && wait_n > 0) {
                    redisReply *w = NULL;
                    if (redisGetReply(k->ctx[at], (void **)&w) != REDIS_OK) {
                        broken = true;
                        rc = ddb_error_set(err, DDB_ERR_INTERNAL,
                                           "the connection to %s:%d broke in WAIT",
                                           k->addr[at].host, k->addr[at].port);
                    } else if (w->type != REDIS_REPLY_INTEGER || w->integer < wait_n) {
                        rc = ddb_error_set(
                            err, DDB_ERR_INTERNAL,
                            "a write was applied on %s:%d but no replica acknowledged "
                            "it within %d ms",
                            k->addr[at].host, k->addr[at].port, wait_ms);
                    }
                    if (w) freeReplyObject(w);
                }
            }
            if (broken) conn_drop(k, at);
        }
        free(to), free(sent), free(node_of), free(taken);
        if (left == 0) break;
        if (now_ms() > deadline) {
            for (size_t i = 0; i < n; i++)
                if (st[i].st == ST_PENDING) st[i].st = ST_FAILED;
            rc = ddb_error_set(err, DDB_ERR_INTERNAL,
                               "the cluster did not serve every slot within %d ms",
                               c->o.failover_wait_ms ? c->o.failover_wait_ms : 15000);
            break;
        }
        if (pause) sleep_ms(100);
        if (refresh) (void)rc_cluster_refresh(c, NULL);
    }
    free(st);
    free(order);
    return rc;
}

int rc_command(rc_conn_t *k, const void *key, size_t klen, bool write, int argc, const char **argv,
               const size_t *argvlen, redisReply **reply, ddb_error_t *err) {
    rc_cmd_t cmd = {
        .key = key, .klen = klen, .argc = argc, .argv = argv, .argvlen = argvlen, .write = write};
    int rc = rc_exec(k, &cmd, 1, err);
    *reply = cmd.reply;
    return rc;
}

rc_cluster_t *rc_conn_cluster(rc_conn_t *k) {
    return k->c;
}

int rc_node_command(rc_conn_t *k, const rc_addr_t *node, int argc, const char **argv,
                    const size_t *argvlen, redisReply **reply, ddb_error_t *err) {
    size_t at;
    *reply = NULL;
    redisContext *ctx = conn_to(k, node, &at);
    if (!ctx)
        return ddb_error_set(err, DDB_ERR_INTERNAL, "cannot reach %s:%d", node->host, node->port);
    *reply = redisCommandArgv(ctx, argc, argv, argvlen);
    if (!*reply) {
        conn_drop(k, at);
        return ddb_error_set(err, DDB_ERR_INTERNAL, "no reply from %s:%d", node->host, node->port);
    }
    return 0;
}

int rc_each_master(rc_conn_t *k, int argc, const char **argv, const size_t *argvlen,
                   ddb_error_t *err) {
    rc_addr_t m[RC_NODES_MAX];
    size_t n = rc_cluster_masters(k->c, m, RC_NODES_MAX);
    for (size_t i = 0; i < n; i++) {
        redisReply *r = NULL;
        int rc = rc_node_command(k, &m[i], argc, argv, argvlen, &r, err);
        if (rc) return rc;
        int bad = r->type == REDIS_REPLY_ERROR;
        if (bad)
            ddb_error_set(err, DDB_ERR_INTERNAL, "%s:%d: %.*s", m[i].host, m[i].port, (int)r->len,
                          r->str);
        freeReplyObject(r);
        if (bad) return DDB_ERR_INTERNAL;
    }
    return 0;
}
