/* rx_check.c: ddbd --check on the cluster: every table's items are read
 * bucket by bucket and checked for what the backend promises of them: each
 * item is in the bucket its key hashes to, under the key its attributes
 * give, with a version; its TTL entry says its expiry (or it has none); no
 * transaction holds anything; every bucket's statistics (count, bytes) are
 * its items'; and every secondary index holds exactly the entries the
 * table implies (same keys, same projections, same statistics), GSIs once
 * their change feed is applied (rx__gsi_settle); a GSI still backfilling
 * holds only entries the table implies. The first difference is
 * the error. Meant for a quiet cluster: writes racing the check can make
 * it report differences that are not there. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/index.h"
#include "storage/keyrange.h"
#include "storage/redis/rx_int.h"

#define RX_CHECK_SETTLE_MS 30000 /* how long GSIs may take to catch up */

typedef struct entry {
    bytes_t key, body;
} entry_t;

typedef struct entries {
    entry_t *v;
    size_t n, cap;
} entries_t;

static void entries_add(entries_t *s, const void *key, size_t klen, const void *body, size_t blen) {
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        if (!s->v) abort();
    }
    entry_t *x = &s->v[s->n++];
    memset(x, 0, sizeof *x);
    bytes_put(&x->key, key, klen);
    bytes_put(&x->body, body, blen);
}

static void entries_free(entries_t *s) {
    for (size_t i = 0; i < s->n; i++) {
        bytes_free(&s->v[i].key);
        bytes_free(&s->v[i].body);
    }
    free(s->v);
    memset(s, 0, sizeof *s);
}

static int cmp_entry(const void *a, const void *b) {
    const entry_t *x = a, *y = b;
    return ddb__cmp_bytes(x->key.p, x->key.len, y->key.p, y->key.len);
}

typedef struct bucket_sum {
    uint64_t count;
    int64_t bytes;
} bucket_sum_t;

typedef struct check_ctx {
    rx_engine_t *e;
    const ddb_table_info_t *t;
    entries_t *want; /* per index of t */
    bucket_sum_t sum;
    entries_t *got; /* an index's entries as read */
    ddb_error_t *err;
} check_ctx_t;

static int bad(ddb_error_t *err, const ddb_table_info_t *t, const char *what,
               const rs_bucket_t *b) {
    return ddb_error_set(err, DDB_ERR_INTERNAL, "table %.*s: %s (bucket %s)", (int)t->name_len,
                         t->name, what, b->tag);
}

/* A score of sorted set (tag + suffix) for member, or -1 when absent. */
static int score_of(rx_engine_t *e, const rs_bucket_t *b, const char *suffix, const redisReply *m,
                    long long *out, ddb_error_t *err) {
    char key[64];
    snprintf(key, sizeof key, "%s%s", b->tag, suffix);
    const char *argv[] = {"ZSCORE", key, m->str};
    size_t lens[] = {6, strlen(key), m->len};
    redisReply *r;
    int rc = rx__call(e, b->tag, b->len, false, 3, argv, lens, &r, err);
    if (rc) return rc;
    *out = r->type == REDIS_REPLY_STRING ? strtoll(r->str, NULL, 10) : -1;
    freeReplyObject(r);
    return 0;
}

static int check_item(void *ctx, const rs_bucket_t *b, const redisReply *key,
                      const redisReply *body, ddb_error_t *err) {
    check_ctx_t *c = ctx;
    const ddb_table_info_t *t = c->t;
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_value_t item;
    int rc = 0;
    if (ic_decode((const uint8_t *)body->str, body->len, a, &item, err)) {
        rc = bad(err, t, "an item does not decode", b);
        goto out;
    }
    bytes_t k = {0};
    if (ddb__item_key(&k, t, &item, err) || k.len != key->len || memcmp(k.p, key->str, k.len)) {
        bytes_free(&k);
        rc = bad(err, t, "an item is stored under another key than its attributes give", b);
        goto out;
    }
    bytes_free(&k);
    rs_bucket_t home;
    rx__bucket(c->e, (const uint8_t *)key->str, key->len, &home);
    if (home.len != b->len || memcmp(home.tag, b->tag, b->len)) {
        rc = bad(err, t, "an item is not in the bucket its key hashes to", b);
        goto out;
    }
    uint64_t ver;
    redisReply *again = NULL;
    rc = rs_get(rx__conn(c->e), b, key->str, key->len, &again, &ver, NULL, err);
    if (again) freeReplyObject(again);
    if (!rc && !ver) rc = bad(err, t, "an item has no version", b);
    if (rc) goto out;
    if (ddb_table_ttl(t)) {
        long long at = -1;
        rc = score_of(c->e, b, "x", key, &at, err);
        uint64_t want = rx__expiry(t, &item);
        /* a due entry the sweeper found naming no expirable item (more than five
         * years past, DynamoDB's rule) is dropped: its item keeps no entry */
        bool dropped = want && at == -1 && want <= (uint64_t)(ddb_now_ms() / 1000);
        if (!rc && !dropped && (want ? at != (long long)want : at != -1))
            rc = bad(err, t, "an item's TTL entry does not say its expiry", b);
        if (rc) goto out;
    }
    c->sum.count++;
    c->sum.bytes += (int64_t)ddb_item_size(&item);
    for (size_t i = 0; i < t->nindexes; i++) {
        const ddb_index_info_t *ix = &t->indexes[i];
        if (ix->ttl) continue;
        ix_change_t ch;
        ddb__ix_change(a, t, ix, NULL, &item, &ch);
        if (ch.has) {
            bytes_t p = {0};
            ic_encode(&p, &ch.np);
            entries_add(&c->want[i], ch.nk.p, ch.nk.len, p.p, p.len);
            bytes_free(&p);
        }
        ddb__ix_change_free(&ch);
    }
out:
    ddb_arena_destroy(a);
    return rc;
}

static int collect_entry(void *ctx, const rs_bucket_t *b, const redisReply *key,
                         const redisReply *body, ddb_error_t *err) {
    check_ctx_t *c = ctx;
    (void)b, (void)err;
    entries_add(c->got, key->str, key->len, body->str, body->len);
    return 0;
}

/* A bucket's statistics and that nothing is held in it. */
static int check_bucket(check_ctx_t *c, uint32_t owner, uint32_t id, uint32_t bucket,
                        const bucket_sum_t *sum, ddb_error_t *err) {
    rs_bucket_t b;
    rx__set_name(owner, id, bucket, &b);
    uint64_t count;
    int64_t bytes;
    int rc = rs_stats(rx__conn(c->e), &b, &count, &bytes, err);
    if (rc) return rc;
    if (count != sum->count || bytes != sum->bytes) {
        char what[160];
        snprintf(what, sizeof what,
                 "statistics say %llu items of %lld bytes where there are %llu of %lld",
                 (unsigned long long)count, (long long)bytes, (unsigned long long)sum->count,
                 (long long)sum->bytes);
        return bad(err, c->t, what, &b);
    }
    for (int k = 0; k < 2; k++) {
        char key[64];
        snprintf(key, sizeof key, "%s%s", b.tag, k ? "p" : "i");
        const char *argv[] = {"HLEN", key};
        redisReply *r;
        rc = rx__call(c->e, b.tag, b.len, false, 2, argv, NULL, &r, err);
        if (rc) return rc;
        long long held = r->type == REDIS_REPLY_INTEGER ? r->integer : 0;
        freeReplyObject(r);
        if (held) return bad(err, c->t, "a transaction still holds items", &b);
    }
    return 0;
}

/* Index ix holds exactly want (sorted here). */
static int check_index(check_ctx_t *c, const ddb_index_info_t *ix, entries_t *want,
                       ddb_error_t *err) {
    entries_t got = {0};
    c->got = &got;
    int rc = 0;
    bucket_sum_t *sums = calloc(c->e->buckets, sizeof *sums);
    if (!sums) abort();
    for (uint32_t b = 0; !rc && b < c->e->buckets; b++)
        rc = rx__each_item(c->e, rx__owner(c->t, ix), ix->id, b, true, collect_entry, c, err);
    if (want->n > 1) qsort(want->v, want->n, sizeof *want->v, cmp_entry);
    if (got.n > 1) qsort(got.v, got.n, sizeof *got.v, cmp_entry);
    ddb_arena_t *a = ddb_arena_create(0);
    /* a GSI still backfilling holds some of its entries: each must be its item's */
    size_t w = 0;
    for (size_t i = 0; !rc && i < got.n; i++, w++) {
        while (ix->backfilling && w < want->n && cmp_entry(&want->v[w], &got.v[i]) < 0)
            w++;
        ddb_value_t x, y;
        ddb_error_t e2;
        if (w == want->n || cmp_entry(&want->v[w], &got.v[i]) ||
            ic_decode(want->v[w].body.p, want->v[w].body.len, a, &x, &e2) ||
            ic_decode(got.v[i].body.p, got.v[i].body.len, a, &y, &e2) || !ddb_value_equal(&x, &y))
            rc = ddb_error_set(err, DDB_ERR_INTERNAL,
                               "table %.*s: index %.*s: entry %zu differs from its item's",
                               (int)c->t->name_len, c->t->name, (int)ix->name_len, ix->name, i);
        else {
            uint32_t bk = rx__bucket_index(c->e, kc_get_be64(got.v[i].key.p + 4));
            sums[bk].count++;
            sums[bk].bytes += (int64_t)ddb_item_size(&y);
        }
    }
    if (!rc && want->n != got.n && !ix->backfilling)
        rc = ddb_error_set(err, DDB_ERR_INTERNAL,
                           "table %.*s: index %.*s has %zu entries where its table implies %zu",
                           (int)c->t->name_len, c->t->name, (int)ix->name_len, ix->name, got.n,
                           want->n);
    ddb_arena_destroy(a);
    for (uint32_t b = 0; !rc && b < c->e->buckets; b++)
        rc = check_bucket(c, rx__owner(c->t, ix), ix->id, b, &sums[b], err);
    free(sums);
    entries_free(&got);
    return rc;
}

static int check_table(void *ctx, const ddb_table_info_t *t) {
    check_ctx_t *c = ctx;
    ddb_error_t *err = c->err;
    c->t = t;
    c->want = calloc(t->nindexes ? t->nindexes : 1, sizeof *c->want);
    if (!c->want) abort();
    int rc = 0;
    for (uint32_t b = 0; !rc && b < c->e->buckets; b++) {
        c->sum = (bucket_sum_t){0};
        rc = rx__each_item(c->e, 0, t->id, b, true, check_item, c, err);
        if (!rc) rc = check_bucket(c, 0, t->id, b, &c->sum, err);
    }
    for (size_t i = 0; !rc && i < t->nindexes; i++)
        if (!t->indexes[i].ttl) rc = check_index(c, &t->indexes[i], &c->want[i], err);
    for (size_t i = 0; i < t->nindexes; i++)
        entries_free(&c->want[i]);
    free(c->want);
    return rc;
}

int rx_check(rx_engine_t *e, ddb_error_t *err) {
    int rc = rx__gsi_settle(e, RX_CHECK_SETTLE_MS, err);
    if (rc) return rc;
    ddb_arena_t *a = ddb_arena_create(0);
    check_ctx_t c = {.e = e, .err = err};
    rc = rx__each_table(e, a, check_table, &c, err);
    ddb_arena_destroy(a);
    return rc;
}
