/* rx_index.c: secondary indexes on the cluster, and the write set every
 * write goes through. An index's entries live in key sets shaped as a
 * table's buckets (the entry key's partition hash choosing the bucket), one
 * sorted set of entry keys and one hash of projected items each, so
 * rx_iter.c reads an index as it reads a table. A GSI's are buckets of its
 * own id, and follow the table's change feed (rx_gsi.c): eventually
 * consistent, as DynamoDB's. An LSI shares its table's partition key, so
 * its entries of an item are in the item's own bucket's slot (a key set
 * "{t<table>:<bucket>}l<index>.") and are written in the same function call
 * as the item: an LSI never disagrees with its table, and a write to a
 * table with LSIs is one step, as one without. A GSI added later is
 * backfilled here, in the background. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/index.h"
#include "storage/keyrange.h"
#include "storage/redis/rx_int.h"

void rx__ws_free(rx_wset_t *s) {
    for (size_t i = 0; i < s->n; i++) {
        bytes_free(&s->it[i].key);
        bytes_free(&s->it[i].body);
        bytes_free(&s->it[i].rec);
    }
    free(s->it);
    memset(s, 0, sizeof *s);
}

rs_write_t *rx__ws_add(rx_engine_t *e, rx_wset_t *s, const uint8_t *key, size_t klen, size_t op) {
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 8;
        s->it = realloc(s->it, s->cap * sizeof *s->it);
        if (!s->it) abort();
    }
    rx_witem_t *it = &s->it[s->n++];
    memset(it, 0, sizeof *it);
    bytes_put(&it->key, key, klen);
    rx__bucket(e, key, klen, &it->b);
    it->op = op;
    it->w = (rs_write_t){.key = it->key.p, .klen = it->key.len, .expiry_s = -1};
    return &it->w;
}

/* A put of body at w (the body kept in the set's item). */
static int ws_put(rx_wset_t *s, rs_write_t *w, const ddb_value_t *v, ddb_error_t *err) {
    rx_witem_t *it = &s->it[s->n - 1];
    if (ic_encode(&it->body, v))
        return ddb_error_set(err, DDB_ERR_INTERNAL, "item nests deeper than %d levels",
                             IC_MAX_DEPTH);
    w->op = RS_PUT;
    w->body = it->body.p;
    w->blen = it->body.len;
    return 0;
}

int rx__ws_item(rx_engine_t *e, rx_wset_t *s, const ddb_table_info_t *t, const bytes_t *k,
                const ddb_value_t *old, const ddb_value_t *next, uint64_t version, size_t op,
                ddb_arena_t *a, ddb_error_t *err) {
    rs_write_t *w = rx__ws_add(e, s, k->p, k->len, op);
    w->expect = version;
    if (ddb__unchanged(old, next)) {
        w->op = RS_CHECK; /* read-only in a transaction: it must still be as read */
        return 0;
    }
    w->hist = t->pitr.enabled; /* point-in-time recovery's history of the item */
    uint64_t expiry = rx__expiry(t, next);
    w->expiry_s = expiry ? (int64_t)expiry : -1;
    w->dsize = (int64_t)(next ? ddb_item_size(next) : 0) - (int64_t)(old ? ddb_item_size(old) : 0);
    s->it[s->n - 1].dcount = (next != NULL) - (old != NULL);
    int rc = 0;
    if (next)
        rc = ws_put(s, w, next, err);
    else
        w->op = RS_DELETE;
    if (!rc && rx__feed_on(t)) {
        /* its change record: the stream's, and what the GSI appliers follow */
        rx_witem_t *it = &s->it[s->n - 1];
        rx__feed_record(&it->rec, t, old, next, s->by_ttl);
        w->record = it->rec.p;
        w->rlen = it->rec.len;
        s->records = true;
    }
    /* local indexes here, with the item; GSIs from the change feed (rx_gsi.c) */
    for (size_t i = 0; !rc && i < t->nindexes; i++) {
        const ddb_index_info_t *ix = &t->indexes[i];
        if (ix->ttl || !ix->local) continue;
        ix_change_t c;
        ddb__ix_change(a, t, ix, old, next, &c);
        if (c.had && (!c.has || c.moved)) {
            rs_write_t *d = rx__ws_add(e, s, c.ok.p, c.ok.len, op);
            rx__key_set(e, t, ix, c.ok.p, c.ok.len, &s->it[s->n - 1].b);
            d->blind = true;
            d->op = RS_DELETE;
            d->dsize = -(int64_t)ddb_item_size(&c.op);
            s->it[s->n - 1].dcount = -1;
        }
        if (c.has && (!c.had || c.moved || !ddb_value_equal(&c.op, &c.np))) {
            rs_write_t *p = rx__ws_add(e, s, c.nk.p, c.nk.len, op);
            rx__key_set(e, t, ix, c.nk.p, c.nk.len, &s->it[s->n - 1].b);
            p->blind = true;
            p->dsize = (int64_t)ddb_item_size(&c.np) -
                       (c.had && !c.moved ? (int64_t)ddb_item_size(&c.op) : 0);
            s->it[s->n - 1].dcount = c.had && !c.moved ? 0 : 1;
            rc = ws_put(s, p, &c.np, err);
        }
        ddb__ix_change_free(&c);
    }
    return rc;
}

/* Whether two writes go to one bucket. */
static bool same_bucket(const rs_bucket_t *a, const rs_bucket_t *b) {
    return ddb__cmp_bytes((const uint8_t *)a->tag, a->len, (const uint8_t *)b->tag, b->len) == 0;
}

/* The index of key set b in g's, added when new (within RTX_SETS_MAX). */
static int set_of(rtx_group_t *g, const rs_bucket_t *b, size_t *out, ddb_error_t *err) {
    for (size_t i = 0; i < g->nsets; i++)
        if (same_bucket(&g->sets[i], b)) return (int)(*out = i, 0);
    if (g->nsets == RTX_SETS_MAX)
        return ddb_error_set(err, DDB_ERR_INTERNAL, "a write names more than %d key sets of %.*s",
                             RTX_SETS_MAX, (int)b->len, b->tag);
    g->sets[ *out = g->nsets++] = *b;
    return 0;
}

int rx__ws_run(rx_engine_t *e, rx_wset_t *s, size_t *failed_op, char *holder, ddb_error_t *err) {
    if (holder) holder[0] = '\0';
    if (!s->n) return 0;
    /* the writes grouped by slot (an item's bucket with its LSIs' key sets),
     * in order of first appearance */
    rs_write_t *w = calloc(s->n, sizeof *w);
    size_t *from = calloc(s->n, sizeof *from);
    rtx_group_t *g = calloc(s->n, sizeof *g);
    bool *placed = calloc(s->n, sizeof *placed);
    if (!w || !from || !g || !placed) abort();
    size_t ng = 0, at = 0;
    int rc = 0;
    for (size_t i = 0; !rc && i < s->n; i++) {
        if (placed[i]) continue;
        g[ng] = (rtx_group_t){.w = &w[at]};
        for (size_t j = i; !rc && j < s->n; j++) {
            if (placed[j] || !rs_same_slot(&s->it[j].b, &s->it[i].b)) continue;
            placed[j] = true;
            from[at] = j;
            w[at] = s->it[j].w;
            rc = set_of(&g[ng], &s->it[j].b, &w[at++].set, err);
            g[ng].n++;
        }
        ng++;
    }
    size_t fg = 0, fi = 0;
    if (!rc) rc = rtx_run(rx__conn(e), g, ng, &e->tx, &fg, &fi, holder, err);
    if (rc && failed_op && fg < ng && fi < g[fg].n)
        *failed_op = s->it[from[(size_t)(g[fg].w - w) + fi]].op;
    if (rc == DDB_ERR_TRANSACTION_CONFLICT) s->conflict_bucket = g[fg].sets[g[fg].w[fi].set];
    if (!rc) {
        /* statistics: the table's and each index's own */
        for (size_t i = 0; i < s->n; i++) {
            const rx_witem_t *x = &s->it[i];
            if (x->w.op != RS_CHECK && !x->token && x->key.len >= 4)
                rx__stats_note(e, kc_get_be32(x->key.p), x->dcount, x->w.dsize);
        }
        if (s->records) {
            size_t nrec = 0;
            for (size_t i = 0; i < s->n; i++)
                nrec += s->it[i].rec.len > 0;
            atomic_fetch_add(&e->records_written, nrec);
            rx__feed_notify(e, s);
        }
    }
    free(w), free(from), free(g), free(placed);
    return rc;
}

/* ---- index definitions ------------------------------------------------ */

typedef struct ix_edit {
    const ddb_index_info_t *add; /* NULL: drop `name` */
    const char *name;
    size_t name_len;
    bool backfilling;
    const ddb_value_t *meta;
} ix_edit_t;

static int edit_indexes(ddb_arena_t *a, ddb_table_info_t *t, const void *ctx, ddb_error_t *err) {
    const ix_edit_t *x = ctx;
    ddb_index_info_t *ix = ddb_arena_alloc(a, sizeof *ix * (t->nindexes + 1));
    size_t n = 0;
    bool found = false;
    for (size_t i = 0; i < t->nindexes; i++) {
        const ddb_index_info_t *cur = &t->indexes[i];
        bool named =
            !cur->ttl && cur->name_len == x->name_len && !memcmp(cur->name, x->name, x->name_len);
        if (named) {
            found = true;
            if (!x->add) continue; /* dropped */
            if (x->add->id != cur->id)
                return ddb_error_set(err, DDB_ERR_VALIDATION,
                                     "Attempting to create an index which already exists");
            ix[n] = *cur;
            ix[n++].backfilling = x->backfilling;
            continue;
        }
        ix[n++] = *cur;
    }
    if (x->add && !found) {
        ix[n] = *x->add;
        ix[n++].backfilling = x->backfilling;
    }
    if (!x->add && !found)
        return ddb_error_set(err, DDB_ERR_RESOURCE_NOT_FOUND, "Requested resource not found");
    t->indexes = ix;
    t->nindexes = n;
    if (x->meta) t->meta = x->meta;
    return 0;
}

/* ---- GSI backfills --------------------------------------------------------- */

/* A GSI added to a table with items is built in the background, as
 * DynamoDB builds it (IndexStatus CREATING, Backfilling, its reads refused
 * until it is ACTIVE): a job (rx_jobs.c) walks the table's buckets writing
 * each item's entry at the item's version, while the change feed keeps the
 * index up to date with later writes (ddb_ix_apply's last writer by version
 * makes either order right). Its state is the index's backfilling flag in
 * the table's record and the next bucket to walk ("{ddb:cat}bf:pos:<id>"),
 * so a backfill whose front end died is resumed, from that bucket, by any
 * front end's sweeper once its lease ("{ddb:cat}bf:lease:<id>") expires. */
/* The walk starts this long after the index was added: writes that read
 * the table's record before (and so wrote no change record for it) are done
 * by then, and every applier has read the new record (RX_GSI_TABLES_MS), so
 * no later write's entry is left to records applied without the index. */
#define RX_BACKFILL_GRACE_MS (2 * RX_GSI_TABLES_MS)
#define BF_STOPPED           (-2) /* a walk's own stop: the engine closes, or the lease passed on */
#define BF_FOUND             (-1) /* find_index: the table and its index */

static void bf_key(char out[48], const char *what, uint32_t index) {
    snprintf(out, 48, RX_CAT_TAG "bf:%s:%u", what, index);
}

typedef struct bf_run {
    rx_engine_t *e;
    uint32_t table, index;
    char lease[48];
    ddb_table_info_t *t; /* found: the table's record, and its index */
    const ddb_index_info_t *ix;
    uint64_t n; /* items walked */
} bf_run_t;

static int find_index(void *ctx, const ddb_table_info_t *t) {
    bf_run_t *r = ctx;
    if (t->id != r->table) return 0;
    for (size_t i = 0; i < t->nindexes; i++) {
        if (t->indexes[i].id != r->index) continue;
        *r->t = *t;
        r->ix = &r->t->indexes[i];
        return BF_FOUND;
    }
    return 0;
}

/* Whether the index is still there (r->t and r->ix its latest, in a). */
static bool index_exists(bf_run_t *r, ddb_arena_t *a) {
    ddb_error_t err;
    r->ix = NULL;
    return rx__each_table(r->e, a, find_index, r, &err) == BF_FOUND;
}

/* Writes one item's entry, at the item's version; renews the lease every
 * RX_PAGE items and pauses every backfill_batch. */
static int bf_item(void *ctx, const rs_bucket_t *b, const redisReply *k, const redisReply *body,
                   ddb_error_t *err) {
    bf_run_t *r = ctx;
    (void)body;
    rx_engine_t *e = r->e;
    if (r->n && r->n % RX_PAGE == 0 && (atomic_load(&e->stop) || !rx__job_lease(e, r->lease)))
        return BF_STOPPED;
    if (r->n && e->backfill_pause_ms && r->n % e->backfill_batch == 0 &&
        !rx__job_sleep(e, (int)e->backfill_pause_ms))
        return BF_STOPPED;
    r->n++;
    bytes_t key = {0};
    bytes_put(&key, k->str, k->len);
    ddb_arena_t *a = ddb_arena_create(0);
    const ddb_value_t *item = NULL;
    uint64_t ver;
    int rc = rx__read(e, rx__conn(e), b, &key, a, &item, &ver, err);
    atomic_fetch_add(&e->backfill_scanned, 1);
    if (!rc && item) rc = rx__gsi_put(e, r->t, r->ix, item, ver, err);
    ddb_arena_destroy(a);
    bytes_free(&key);
    return rc;
}

static int end_backfill(ddb_arena_t *a, ddb_table_info_t *t, const void *ctx, ddb_error_t *err) {
    uint32_t id = *(const uint32_t *)ctx;
    (void)err;
    ddb_index_info_t *ix = ddb_arena_alloc(a, sizeof *ix * (t->nindexes + 1));
    for (size_t i = 0; i < t->nindexes; i++) {
        ix[i] = t->indexes[i];
        if (ix[i].id == id) ix[i].backfilling = false;
    }
    t->indexes = ix;
    return 0;
}

/* A catalog command's reply, dropped; whether it answered. */
static bool cat_do(rx_engine_t *e, int argc, const char **argv) {
    redisReply *r;
    ddb_error_t err;
    if (rx__cat(e, true, argc, argv, NULL, &r, &err)) return false;
    freeReplyObject(r);
    return true;
}

static void backfill_job(rx_engine_t *e, void *arg) {
    bf_run_t r = *(const bf_run_t *)arg;
    free(arg);
    r.e = e;
    bf_key(r.lease, "lease", r.index);
    char pos[48];
    bf_key(pos, "pos", r.index);
    if (!rx__job_lease(e, r.lease)) return;
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_table_info_t t;
    r.t = &t;
    ddb_error_t err;
    int rc = rx__job_sleep(e, RX_BACKFILL_GRACE_MS) ? 0 : BF_STOPPED;
    const char *get[] = {"GET", pos};
    redisReply *p = NULL;
    if (!rc && rx__cat(e, false, 2, get, NULL, &p, &err)) rc = BF_STOPPED;
    uint32_t from = p && p->type == REDIS_REPLY_STRING ? (uint32_t)strtoul(p->str, NULL, 10) : 0;
    if (p) freeReplyObject(p);
    bool gone = false;
    for (uint32_t b = from; !rc && b <= e->buckets; b++) {
        /* each bucket with the latest record: a dropped index (or table) ends the walk */
        ddb_arena_destroy(a);
        a = ddb_arena_create(0);
        if (!index_exists(&r, a) || !r.ix->backfilling) {
            gone = !r.ix;
            break;
        }
        if (b == e->buckets) {
            /* its ItemCount read afresh from here on (the walk's entries are not counted as
             * they go), before it shows ACTIVE */
            rx__stats_drop(e, r.index);
            uint32_t id = r.index;
            if (rx__change_record(e, t.name, t.name_len, end_backfill, &id, &err)) rc = BF_STOPPED;
            break;
        }
        if (!rx__job_lease(e, r.lease)) rc = BF_STOPPED;
        if (!rc) rc = rx__each_item(e, 0, t.id, b, false, bf_item, &r, &err);
        char next[16];
        snprintf(next, sizeof next, "%u", b + 1);
        const char *set[] = {"SET", pos, next};
        if (!rc && !cat_do(e, 3, set)) rc = BF_STOPPED;
    }
    if (gone) { /* what this walk wrote into a dropped index's buckets goes with it */
        (void)rx__drop_buckets(e, 0, r.index, false, &err);
        rx__note_dead(e, 0, r.index, false);
    }
    if (!rc) {
        const char *del[] = {"DEL", pos};
        (void)cat_do(e, 2, del);
    }
    rx__job_release(e, r.lease);
    ddb_arena_destroy(a);
}

/* Starts index's backfill on table in a job of its own. */
static void start_backfill(rx_engine_t *e, uint32_t table, uint32_t index) {
    bf_run_t *r = calloc(1, sizeof *r);
    if (!r) abort();
    r->table = table;
    r->index = index;
    rx__job_start(e, backfill_job, r);
}

static int resume_one(void *ctx, const ddb_table_info_t *t) {
    rx_engine_t *e = ctx;
    for (size_t i = 0; i < t->nindexes; i++) {
        const ddb_index_info_t *ix = &t->indexes[i];
        if (ix->ttl || ix->local || !ix->backfilling) continue;
        /* a backfill running anywhere holds the lease (renewed); a stopped one's expires */
        char lease[48];
        bf_key(lease, "lease", ix->id);
        if (!rx__job_leased(e, lease)) start_backfill(e, t->id, ix->id);
    }
    return 0;
}

void rx__backfills_resume(rx_engine_t *e) {
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_error_t err;
    (void)rx__each_table(e, a, resume_one, e, &err);
    ddb_arena_destroy(a);
}

int rx_index_add(rx_engine_t *e, const char *table, size_t len, ddb_index_info_t *ix,
                 const ddb_value_t *meta, ddb_error_t *err) {
    const char *incr[] = {"INCR", RX_CAT_IDS};
    redisReply *r;
    int rc = rx__cat(e, true, 2, incr, NULL, &r, err);
    if (rc) return rc;
    ix->id = r->type == REDIS_REPLY_INTEGER ? (uint32_t)r->integer : 0;
    freeReplyObject(r);
    ix_edit_t x = {
        .add = ix, .name = ix->name, .name_len = ix->name_len, .backfilling = true, .meta = meta};
    rc = rx__change_record(e, table, len, edit_indexes, &x, err);
    if (rc) return rc;
    /* writes' change records maintain the index from now on; the backfill adds what was there */
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_table_info_t t;
    rc = rx_table_get(e, table, len, a, &t, err);
    if (!rc) start_backfill(e, t.id, ix->id);
    ddb_arena_destroy(a);
    return rc;
}

int rx_index_drop(rx_engine_t *e, const char *table, size_t len, const char *index,
                  size_t index_len, const ddb_value_t *meta, ddb_error_t *err) {
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_table_info_t t;
    int rc = rx_table_get(e, table, len, a, &t, err);
    const ddb_index_info_t *ix = rc ? NULL : ddb_table_index(&t, index, index_len);
    uint32_t id = ix ? ix->id : 0, owner = rx__owner(&t, ix);
    ddb_arena_destroy(a);
    if (rc) return rc;
    ix_edit_t x = {.name = index, .name_len = index_len, .meta = meta};
    rc = rx__change_record(e, table, len, edit_indexes, &x, err);
    if (!rc && id) rx__note_dead(e, owner, id, false);
    if (!rc && id) rc = rx__drop_buckets(e, owner, id, false, err);
    return rc;
}
