/* rx_gsi.c: GSIs maintained from the change feed, asynchronously, as
 * DynamoDB maintains its own. Each front end runs one applier thread; a
 * bucket of a table is applied by one front end at a time, the holder of
 * its lease (ddb_feed_take, renewed by every take, taken over by another
 * front end once it expires), which reads the bucket's records after the
 * last one applied, turns each into its GSIs' entry changes (computed by
 * storage/index.c, as the RocksDB store's) and writes them with
 * ddb_ix_apply: every entry carries its item's version and the later
 * version wins, so records applied twice (after a crash, a lease taken
 * over mid-batch) or a backfill racing the feed converge to the entries of
 * each item's latest version. Only then is the bucket's position advanced
 * (ddb_feed_done): an acknowledged write's entries are never skipped.
 * Buckets that had records are read again at once, the others of this
 * front end every RX_GSI_COLD_MS, every bucket every RX_GSI_OTHERS_MS (to
 * take over expired leases), and this front end's own writes wake the
 * applier for their buckets. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "storage/index.h"
#include "storage/redis/rx_int.h"
#include "storage/streamrec.h"

#define RX_GSI_LEASE_MS  5000   /* a bucket's lease lasts this long unrenewed */
#define RX_GSI_BATCH     256    /* records read from a bucket per take */
#define RX_GSI_COLD_MS   20     /* this front end's buckets without records: looked at this often */
#define RX_GSI_OTHERS_MS 1000   /* every bucket (another front end's lease may have expired) */
#define RX_GSI_TOMB_MS   300000 /* how long a removed entry's version is remembered */

enum { HOT = 1, MINE = 2 };

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- entry writes ---------------------------------------------------------- */

/* One entry write of an index bucket. */
typedef struct gsi_op {
    rs_bucket_t b;
    bytes_t key, body;
    uint64_t version, size;
    bool put;
} gsi_op_t;

typedef struct gsi_ops {
    gsi_op_t *v;
    size_t n, cap;
} gsi_ops_t;

static void ops_free(gsi_ops_t *o) {
    for (size_t i = 0; i < o->n; i++) {
        bytes_free(&o->v[i].key);
        bytes_free(&o->v[i].body);
    }
    free(o->v);
    memset(o, 0, sizeof *o);
}

static int ops_add(rx_engine_t *e, gsi_ops_t *o, const bytes_t *key, uint64_t version,
                   const ddb_value_t *put, ddb_error_t *err) {
    if (o->n == o->cap) {
        o->cap = o->cap ? 2 * o->cap : 16;
        o->v = realloc(o->v, o->cap * sizeof *o->v);
        if (!o->v) abort();
    }
    gsi_op_t *op = &o->v[o->n];
    memset(op, 0, sizeof *op);
    bytes_put(&op->key, key->p, key->len);
    rx__bucket(e, key->p, key->len, &op->b);
    op->version = version;
    op->put = put != NULL;
    if (put) {
        if (ic_encode(&op->body, put)) {
            bytes_free(&op->key);
            return ddb_error_set(err, DDB_ERR_INTERNAL, "item nests deeper than %d levels",
                                 IC_MAX_DEPTH);
        }
        op->size = ddb_item_size(put);
    }
    o->n++;
    return 0;
}

/* The entry changes of every GSI of t for an item's change old -> next at
 * version. */
static int ops_of_change(rx_engine_t *e, gsi_ops_t *o, const ddb_table_info_t *t,
                         const ddb_value_t *old, const ddb_value_t *next, uint64_t version,
                         ddb_arena_t *a, ddb_error_t *err) {
    int rc = 0;
    for (size_t i = 0; !rc && i < t->nindexes; i++) {
        const ddb_index_info_t *ix = &t->indexes[i];
        if (ix->ttl || ix->local) continue;
        ix_change_t c;
        ddb__ix_change(a, t, ix, old, next, &c);
        if (c.had && (!c.has || c.moved)) rc = ops_add(e, o, &c.ok, version, NULL, err);
        if (!rc && c.has && (!c.had || c.moved || !ddb_value_equal(&c.op, &c.np)))
            rc = ops_add(e, o, &c.nk, version, &c.np, err);
        ddb__ix_change_free(&c);
    }
    return rc;
}

static bool same_tag(const rs_bucket_t *a, const rs_bucket_t *b) {
    return a->len == b->len && !memcmp(a->tag, b->tag, a->len);
}

/* A command's words, owned (the ones it formats itself in nums). */
typedef struct words {
    const char **v;
    size_t *len;
    char (*nums)[24];
    size_t n, nnums;
} words_t;

static void words_init(words_t *w, size_t cap, size_t nums) {
    w->v = malloc(cap * sizeof *w->v);
    w->len = malloc(cap * sizeof *w->len);
    w->nums = malloc((nums ? nums : 1) * sizeof *w->nums);
    if (!w->v || !w->len || !w->nums) abort();
    w->n = w->nnums = 0;
}

static void word(words_t *w, const void *p, size_t len) {
    w->v[w->n] = p;
    w->len[w->n++] = len;
}

static void word_num(words_t *w, unsigned long long x) {
    char *s = w->nums[w->nnums++];
    snprintf(s, sizeof w->nums[0], "%llu", x);
    word(w, s, strlen(s));
}

static void words_free(words_t *w) {
    free(w->v), free(w->len), free(w->nums);
}

/* Runs cmds[0..n) (their words in w) pipelined, then frees the words and
 * replies (each first given to seen, when not NULL); an error reply fails
 * it, naming fn. */
typedef void (*reply_fn)(rx_engine_t *e, const rc_cmd_t *cmd);
static int run_words(rx_engine_t *e, rc_cmd_t *cmds, words_t *w, size_t n, const char *fn,
                     reply_fn seen, ddb_error_t *err) {
    for (size_t i = 0; i < n; i++) {
        cmds[i].argc = (int)w[i].n;
        cmds[i].argv = w[i].v;
        cmds[i].argvlen = w[i].len;
    }
    int rc = rc_exec(rx__conn(e), cmds, n, err);
    for (size_t i = 0; i < n; i++) {
        if (!rc && cmds[i].reply && cmds[i].reply->type == REDIS_REPLY_ERROR)
            rc = ddb_error_set(err, DDB_ERR_INTERNAL, "%s: %.*s", fn, (int)cmds[i].reply->len,
                               cmds[i].reply->str);
        if (seen && cmds[i].reply) seen(e, &cmds[i]);
        if (cmds[i].reply) freeReplyObject(cmds[i].reply);
        words_free(&w[i]);
    }
    return rc;
}

/* An index bucket's statistics change (ddb_ix_apply's reply), counted at
 * once as this front end's own writes are. */
static void count_entries(rx_engine_t *e, const rc_cmd_t *cmd) {
    const redisReply *r = cmd->reply;
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 3 || cmd->klen < 3 ||
        r->element[1]->type != REDIS_REPLY_INTEGER || r->element[2]->type != REDIS_REPLY_INTEGER)
        return;
    uint32_t id = (uint32_t)strtoul((const char *)cmd->key + 2, NULL, 10); /* "{t<id>:<b>}" */
    rx__stats_note(e, id, r->element[1]->integer, r->element[2]->integer);
}

/* Writes every op, one ddb_ix_apply per index bucket, all pipelined. */
static int ops_run(rx_engine_t *e, gsi_ops_t *o, ddb_error_t *err) {
    if (!o->n) return 0;
    static const char *const suffix[7] = {"z", "b", "v", "n", "w", "d", "e"};
    bool *placed = calloc(o->n, sizeof *placed);
    rc_cmd_t *cmds = calloc(o->n, sizeof *cmds);
    words_t *w = calloc(o->n, sizeof *w);
    char(*names)[7][48] = calloc(o->n, sizeof *names);
    if (!placed || !cmds || !w || !names) abort();
    unsigned long long now = (unsigned long long)ddb_now_ms();
    size_t nc = 0;
    for (size_t i = 0; i < o->n; i++) {
        if (placed[i]) continue;
        size_t m = 0;
        for (size_t j = i; j < o->n; j++)
            if (!placed[j] && same_tag(&o->v[j].b, &o->v[i].b)) m++;
        words_t *x = &w[nc];
        words_init(x, 13 + 5 * m, 3 + 2 * m);
        word(x, "FCALL", 5);
        word(x, "ddb_ix_apply", 12);
        word(x, "7", 1);
        for (int k = 0; k < 7; k++) {
            snprintf(names[nc][k], sizeof names[nc][k], "%s%s", o->v[i].b.tag, suffix[k]);
            word(x, names[nc][k], strlen(names[nc][k]));
        }
        word_num(x, now);
        word_num(x, RX_GSI_TOMB_MS);
        word_num(x, m);
        for (size_t j = i; j < o->n; j++) {
            gsi_op_t *op = &o->v[j];
            if (placed[j] || !same_tag(&op->b, &o->v[i].b)) continue;
            placed[j] = true;
            word(x, op->key.p, op->key.len);
            word_num(x, op->version);
            word(x, op->put ? "P" : "D", 1);
            word(x, op->put ? (const char *)op->body.p : "", op->put ? op->body.len : 0);
            word_num(x, op->size);
        }
        /* an entry must survive a failover before its record counts as applied */
        cmds[nc++] = (rc_cmd_t){
            .key = o->v[i].b.tag, .klen = o->v[i].b.len, .write = true, .idempotent = true};
    }
    int rc = run_words(e, cmds, w, nc, "ddb_ix_apply", count_entries, err);
    free(placed), free(cmds), free(w), free(names);
    return rc;
}

int rx__gsi_put(rx_engine_t *e, const ddb_table_info_t *t, const ddb_index_info_t *ix,
                const ddb_value_t *item, uint64_t version, ddb_error_t *err) {
    ddb_arena_t *a = ddb_arena_create(0);
    ix_change_t c;
    ddb__ix_change(a, t, ix, NULL, item, &c);
    gsi_ops_t o = {0};
    int rc = c.has ? ops_add(e, &o, &c.nk, version, &c.np, err) : 0;
    if (!rc) rc = ops_run(e, &o, err);
    ops_free(&o);
    ddb__ix_change_free(&c);
    ddb_arena_destroy(a);
    return rc;
}

/* ---- the applier ------------------------------------------------------------- */

/* What the applier knows of a table with GSIs between table-list reads. */
typedef struct gsi_table {
    uint32_t id;
    ddb_table_info_t *t; /* in the applier's table arena */
    int64_t cold_due;    /* when this front end's buckets are looked at next */
    int64_t others_due;  /* when every bucket is */
    uint8_t *hot;        /* per bucket: HOT (it had records at its last take, or this
                          * front end wrote to it since), MINE (its lease is ours) */
    bool seen;           /* in the latest table list */
} gsi_table_t;

typedef struct applier {
    rx_engine_t *e;
    ddb_arena_t *ta; /* the tables' records */
    gsi_table_t *v;
    size_t n, cap;
    int64_t tables_due;
} applier_t;

static int note_table(void *ctx, const ddb_table_info_t *t) {
    applier_t *ap = ctx;
    if (!rx__has_gsi(t)) return 0;
    for (size_t i = 0; i < ap->n; i++)
        if (ap->v[i].id == t->id) {
            ap->v[i].t = (ddb_table_info_t *)t;
            ap->v[i].seen = true;
            return 0;
        }
    if (ap->n == ap->cap) {
        ap->cap = ap->cap ? 2 * ap->cap : 8;
        ap->v = realloc(ap->v, ap->cap * sizeof *ap->v);
        if (!ap->v) abort();
    }
    uint8_t *hot = calloc(ap->e->buckets, 1);
    if (!hot) abort();
    ap->v[ap->n++] =
        (gsi_table_t){.id = t->id, .t = (ddb_table_info_t *)t, .hot = hot, .seen = true};
    return 0;
}

/* Reads the table list again: tables with GSIs come and go. */
static void refresh_tables(applier_t *ap) {
    ddb_arena_t *a = ddb_arena_create(0);
    for (size_t i = 0; i < ap->n; i++)
        ap->v[i].seen = false;
    ddb_error_t err;
    if (rx__each_table(ap->e, a, note_table, ap, &err)) {
        /* keep what was known */
        for (size_t i = 0; i < ap->n; i++)
            ap->v[i].seen = true;
        ddb_arena_destroy(a);
        return;
    }
    size_t k = 0;
    for (size_t i = 0; i < ap->n; i++) {
        if (ap->v[i].seen)
            ap->v[k++] = ap->v[i];
        else
            free(ap->v[i].hot);
    }
    ap->n = k;
    if (ap->ta) ddb_arena_destroy(ap->ta);
    ap->ta = a;
}

/* Turns a bucket's records (a take's reply) into entry ops; *last: the id
 * of the last record. */
static int ops_of_records(rx_engine_t *e, gsi_ops_t *o, const ddb_table_info_t *t,
                          const redisReply *list, const redisReply **last, ddb_arena_t *a,
                          int64_t *lag, ddb_error_t *err) {
    int rc = 0;
    int64_t now = ddb_now_ms();
    for (size_t i = 0; !rc && i < list->elements; i++) {
        const redisReply *ent = list->element[i];
        if (ent->type != REDIS_REPLY_ARRAY || ent->elements != 2) continue;
        *last = ent->element[0];
        const redisReply *f = ent->element[1], *ver = NULL, *body = NULL;
        for (size_t j = 0; f->type == REDIS_REPLY_ARRAY && j + 1 < f->elements; j += 2) {
            if (f->element[j]->len == 1 && f->element[j]->str[0] == 'v') ver = f->element[j + 1];
            if (f->element[j]->len == 1 && f->element[j]->str[0] == 'r') body = f->element[j + 1];
        }
        if (!ver || !body || body->len < 4) continue;
        ddb_stream_record_t r;
        ddb_error_t e2;
        if (ddb__decode_record((const uint8_t *)body->str + 4, body->len - 4, 0, 0, a, &r, &e2))
            continue;
        /* a record written before the table had a GSI may lack images: the
         * GSI's backfill has its item */
        bool complete =
            (r.event == DDB_EV_INSERT || r.old_image) && (r.event == DDB_EV_REMOVE || r.new_image);
        if (!complete) continue;
        uint64_t v = strtoull(ver->str, NULL, 10);
        rc = ops_of_change(e, o, t, r.old_image, r.new_image, v, a, err);
        if (now - r.time_ms > *lag) *lag = now - r.time_ms;
    }
    return rc;
}

/* One take of the buckets of table g with a flag of want (every bucket when
 * want is 0), their records applied and their positions advanced. Returns
 * how many records were applied. */
static size_t apply_round(applier_t *ap, gsi_table_t *g, uint8_t want, bool *behind) {
    rx_engine_t *e = ap->e;
    uint32_t nb = e->buckets;
    rc_cmd_t *cmds = calloc(nb, sizeof *cmds);
    uint32_t *bk = calloc(nb, sizeof *bk);
    char(*keys)[3][48] = calloc(nb, sizeof *keys);
    const char *(*argv)[9] = calloc(nb, sizeof *argv);
    if (!cmds || !bk || !keys || !argv) abort();
    char lease[16], batch[16];
    snprintf(lease, sizeof lease, "%d", RX_GSI_LEASE_MS);
    snprintf(batch, sizeof batch, "%d", RX_GSI_BATCH);
    size_t nc = 0;
    for (uint32_t b = 0; b < nb; b++) {
        if (want && !(g->hot[b] & want)) continue;
        rs_bucket_t t;
        rs_bucket_name(&t, g->id, b);
        snprintf(keys[nc][0], 48, "%sa", t.tag);
        snprintf(keys[nc][1], 48, "%sg", t.tag);
        snprintf(keys[nc][2], 48, "%ss", t.tag);
        const char *v[] = {"FCALL",     "ddb_feed_take", "3",   keys[nc][0], keys[nc][1],
                           keys[nc][2], e->owner,        lease, batch};
        memcpy(argv[nc], v, sizeof v);
        cmds[nc] = (rc_cmd_t){
            .key = keys[nc][0], .klen = strlen(keys[nc][0]), .argc = 9, .argv = argv[nc]};
        bk[nc++] = b;
    }
    int64_t taken = mono_ms();
    ddb_error_t err;
    int rc = rc_exec(rx__conn(e), cmds, nc, &err);
    ddb_arena_t *a = ddb_arena_create(0);
    gsi_ops_t o = {0};
    const redisReply **last = calloc(nc ? nc : 1, sizeof *last);
    if (!last) abort();
    size_t applied = 0;
    int64_t lag = 0;
    for (size_t i = 0; i < nc; i++) {
        const redisReply *r = cmds[i].reply;
        g->hot[bk[i]] = 0;
        if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 3) g->hot[bk[i]] = MINE;
        if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 3 ||
            r->element[2]->type != REDIS_REPLY_ARRAY || !r->element[2]->elements)
            continue; /* another front end's, or nothing new */
        if (ops_of_records(e, &o, g->t, r->element[2], &last[i], a, &lag, &err)) {
            last[i] = NULL; /* not applied: read again */
            *behind = true;
            continue;
        }
        applied += r->element[2]->elements;
        g->hot[bk[i]] |= HOT;
        if (r->element[2]->elements >= RX_GSI_BATCH) *behind = true; /* more after these */
    }
    /* a lease close to expiry may have passed on: leave the batch to its new holder */
    bool fresh = mono_ms() - taken < RX_GSI_LEASE_MS / 2;
    bool ran = applied && fresh && ops_run(e, &o, &err) == 0;
    if (rc || (applied && !ran)) *behind = true;
    if (ran) {
        rc_cmd_t *done = calloc(nc, sizeof *done);
        words_t *w = calloc(nc, sizeof *w);
        if (!done || !w) abort();
        size_t nd = 0;
        for (size_t i = 0; i < nc; i++) {
            if (!last[i]) continue;
            words_t *x = &w[nd];
            words_init(x, 7, 0);
            word(x, "FCALL", 5);
            word(x, "ddb_feed_done", 13);
            word(x, "2", 1);
            word(x, keys[i][0], strlen(keys[i][0]));
            word(x, keys[i][1], strlen(keys[i][1]));
            word(x, e->owner, strlen(e->owner));
            word(x, last[i]->str, last[i]->len);
            /* not waited for: a position lost in a failover only repeats work */
            done[nd++] =
                (rc_cmd_t){.key = keys[i][0], .klen = strlen(keys[i][0]), .idempotent = true};
        }
        if (run_words(e, done, w, nd, "ddb_feed_done", NULL, &err) == 0) {
            atomic_fetch_add(&e->gsi_applied, applied);
            atomic_store(&e->gsi_lag_ms, lag);
        } else {
            *behind = true;
        }
        free(done), free(w);
    }
    ops_free(&o);
    ddb_arena_destroy(a);
    for (size_t i = 0; i < nc; i++)
        if (cmds[i].reply) freeReplyObject(cmds[i].reply);
    free(last), free(cmds), free(bk), free(keys), free(argv);
    return applied;
}

/* Takes this front end's dirty marks into the tables' hot flags; returns
 * the feed generation they cover. */
/* Marks the buckets of this front end's writes hot. The marks of a table
 * the applier does not know yet are kept for the take after the tables'
 * refresh (fresh: the tables were just read, so an unknown one is gone). */
static uint64_t take_dirty(applier_t *ap, bool fresh) {
    rx_engine_t *e = ap->e;
    pthread_mutex_lock(&e->feed_mu);
    uint64_t gen = e->feed_gen;
    size_t keep = 0;
    for (size_t d = 0; d < e->ndirty; d++) {
        bool known = false;
        for (size_t i = 0; i < ap->n; i++)
            if (ap->v[i].id == (uint32_t)(e->dirty[d] >> 32)) {
                ap->v[i].hot[(uint32_t)e->dirty[d] % e->buckets] |= HOT;
                known = true;
            }
        if (!known && !fresh) {
            ap->tables_due = 0; /* a table new to the applier */
            e->dirty[keep++] = e->dirty[d];
        }
    }
    for (size_t i = 0; e->dirty_overflow && i < ap->n; i++)
        ap->v[i].others_due = 0;
    if (e->dirty_overflow) ap->tables_due = 0;
    e->ndirty = keep;
    e->dirty_overflow = false;
    pthread_mutex_unlock(&e->feed_mu);
    return gen;
}

static void publish_applied(rx_engine_t *e, uint64_t gen) {
    pthread_mutex_lock(&e->feed_mu);
    if (gen > e->applied_gen) {
        e->applied_gen = gen;
        pthread_cond_broadcast(&e->feed_cond);
    }
    pthread_mutex_unlock(&e->feed_mu);
}

void rx__gsi_barrier(rx_engine_t *e) {
    if (!e->applying) return;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 1; /* the applier is stuck (a failover): read what is there */
    pthread_mutex_lock(&e->feed_mu);
    uint64_t want = e->feed_gen;
    while (e->applied_gen < want && !atomic_load(&e->stop))
        if (pthread_cond_timedwait(&e->feed_cond, &e->feed_mu, &until)) break;
    pthread_mutex_unlock(&e->feed_mu);
}

/* Gives up the leases this applier holds (its buckets marked MINE). */
typedef struct release_ctx {
    const applier_t *ap;
    const gsi_table_t *g;
} release_ctx_t;

static void release_cmd(void *ctx, uint32_t b, rx_cmd_t *c) {
    const release_ctx_t *r = ctx;
    if (!(r->g->hot[b] & MINE)) return;
    rs_bucket_t t;
    rs_bucket_name(&t, r->g->id, b);
    rx__cmd_word(c, "FCALL");
    rx__cmd_word(c, "ddb_feed_release");
    rx__cmd_word(c, "1");
    rx__cmd_key(c, &t, "a");
    rx__cmd_word(c, "%s", r->ap->e->owner);
}

static void release_leases(applier_t *ap) {
    for (size_t i = 0; i < ap->n; i++) {
        release_ctx_t r = {ap, &ap->v[i]};
        ddb_error_t err;
        (void)rx__per_bucket(ap->e, false, release_cmd, NULL, &r, &err);
    }
}

/* A clean stop: this front end's buckets applied to their end (for at most
 * RX_GSI_DRAIN_MS), then their leases given up, so that another front end
 * (or this one restarted) carries on at once rather than after the lease. */
#define RX_GSI_DRAIN_MS 2000
static void drain(applier_t *ap) {
    int64_t deadline = mono_ms() + RX_GSI_DRAIN_MS;
    /* the last writes' buckets, of tables made since the last refresh too */
    refresh_tables(ap);
    (void)take_dirty(ap, true);
    for (;;) {
        bool behind = false;
        size_t applied = 0;
        for (size_t i = 0; i < ap->n; i++)
            applied += apply_round(ap, &ap->v[i], HOT | MINE, &behind);
        if ((!applied && !behind) || mono_ms() > deadline) break;
    }
    release_leases(ap);
}

static void *applier_main(void *arg) {
    applier_t ap = {.e = arg};
    rx_engine_t *e = ap.e;
    while (!atomic_load(&e->stop)) {
        uint64_t gen = take_dirty(&ap, false);
        int64_t now = mono_ms();
        if (now >= ap.tables_due) {
            refresh_tables(&ap);
            ap.tables_due = now + RX_GSI_TABLES_MS;
            gen = take_dirty(&ap, true); /* with the marks of tables just learned of */
        }
        size_t applied = 0;
        bool behind = false;
        int64_t next_due = now + RX_GSI_COLD_MS;
        for (size_t i = 0; i < ap.n && !atomic_load(&e->stop); i++) {
            gsi_table_t *g = &ap.v[i];
            uint8_t want = HOT;
            if (now >= g->others_due) {
                want = 0;
                g->others_due = now + RX_GSI_OTHERS_MS;
                g->cold_due = now + RX_GSI_COLD_MS;
            } else if (now >= g->cold_due) {
                want = HOT | MINE;
                g->cold_due = now + RX_GSI_COLD_MS;
            }
            applied += apply_round(&ap, g, want, &behind);
            if (g->cold_due < next_due) next_due = g->cold_due;
        }
        /* every bucket of the writes up to gen was read to its end and applied */
        if (!behind) publish_applied(e, gen);
        if (applied) continue;
        /* idle: until a bucket is due, or this front end writes records */
        pthread_mutex_lock(&e->feed_mu);
        if (e->feed_gen == gen && !atomic_load(&e->stop)) {
            int64_t wait = next_due - mono_ms();
            if (wait > 0) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                ts.tv_nsec += (long)wait * 1000000L;
                ts.tv_sec += ts.tv_nsec / 1000000000L;
                ts.tv_nsec %= 1000000000L;
                pthread_cond_timedwait(&e->feed_cond, &e->feed_mu, &ts);
            }
        }
        pthread_mutex_unlock(&e->feed_mu);
    }
    drain(&ap);
    for (size_t i = 0; i < ap.n; i++)
        free(ap.v[i].hot);
    free(ap.v);
    if (ap.ta) ddb_arena_destroy(ap.ta);
    return NULL;
}

void rx__applier_start(rx_engine_t *e) {
    e->applying = pthread_create(&e->applier, NULL, applier_main, e) == 0;
}

void rx__applier_stop(rx_engine_t *e) {
    if (!e->applying) return;
    pthread_mutex_lock(&e->feed_mu);
    atomic_store(&e->stop, true);
    pthread_cond_broadcast(&e->feed_cond);
    pthread_mutex_unlock(&e->feed_mu);
    pthread_join(e->applier, NULL);
    e->applying = false;
}

/* Whether every bucket of table id has applied its last change record. */
static int caught_up(rx_engine_t *e, uint32_t id, bool *all, uint32_t *lagging, ddb_error_t *err) {
    uint32_t nb = e->buckets;
    rc_cmd_t *cmds = calloc(2 * nb, sizeof *cmds);
    char(*keys)[2][48] = calloc(nb, sizeof *keys);
    const char *(*argv)[6] = calloc(2 * nb, sizeof *argv);
    if (!cmds || !keys || !argv) abort();
    for (uint32_t b = 0; b < nb; b++) {
        rs_bucket_t t;
        rs_bucket_name(&t, id, b);
        snprintf(keys[b][0], 48, "%sg", t.tag);
        snprintf(keys[b][1], 48, "%ss", t.tag);
        argv[2 * b][0] = "GET", argv[2 * b][1] = keys[b][0];
        const char *rev[] = {"XREVRANGE", keys[b][1], "+", "-", "COUNT", "1"};
        memcpy(argv[2 * b + 1], rev, sizeof rev);
        cmds[2 * b] = (rc_cmd_t){
            .key = keys[b][0], .klen = strlen(keys[b][0]), .argc = 2, .argv = argv[2 * b]};
        cmds[2 * b + 1] = (rc_cmd_t){
            .key = keys[b][1], .klen = strlen(keys[b][1]), .argc = 6, .argv = argv[2 * b + 1]};
    }
    int rc = rc_exec(rx__conn(e), cmds, 2 * nb, err);
    *all = true;
    for (uint32_t b = 0; !rc && b < nb && *all; b++) {
        const redisReply *g = cmds[2 * b].reply, *s = cmds[2 * b + 1].reply;
        const redisReply *last = s && s->type == REDIS_REPLY_ARRAY && s->elements == 1 &&
                                         s->element[0]->type == REDIS_REPLY_ARRAY
                                     ? s->element[0]->element[0]
                                     : NULL;
        if (!last) continue; /* no records */
        bool same = g && g->type == REDIS_REPLY_STRING && g->len == last->len &&
                    !memcmp(g->str, last->str, g->len);
        if (!same) *all = false, *lagging = b;
    }
    for (uint32_t i = 0; i < 2 * nb; i++)
        if (cmds[i].reply) freeReplyObject(cmds[i].reply);
    free(cmds), free(keys), free(argv);
    return rc;
}

int rx__gsi_settle(rx_engine_t *e, int timeout_ms, ddb_error_t *err) {
    applier_t ap = {.e = e};
    refresh_tables(&ap);
    int64_t deadline = mono_ms() + timeout_ms;
    int rc = 0;
    for (;;) {
        bool behind = false;
        size_t applied = 0;
        for (size_t i = 0; i < ap.n; i++)
            applied += apply_round(&ap, &ap.v[i], 0, &behind);
        bool all = !applied && !behind;
        uint32_t lagging = 0;
        const gsi_table_t *late = NULL;
        for (size_t i = 0; all && !rc && i < ap.n; i++) {
            rc = caught_up(e, ap.v[i].id, &all, &lagging, err);
            if (!all) late = &ap.v[i];
        }
        if (rc || all) break;
        if (mono_ms() > deadline) {
            rc = ddb_error_set(err, DDB_ERR_INTERNAL,
                               "table %.*s: bucket %u's change records are not all applied to "
                               "its GSIs after %d ms (its lease is another front end's, or the "
                               "applier fails)",
                               late ? (int)late->t->name_len : 0, late ? late->t->name : "",
                               lagging, timeout_ms);
            break;
        }
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
    release_leases(&ap); /* a front end takes its buckets on at once, not after the lease */
    for (size_t i = 0; i < ap.n; i++)
        free(ap.v[i].hot);
    free(ap.v);
    if (ap.ta) ddb_arena_destroy(ap.ta);
    return rc;
}
