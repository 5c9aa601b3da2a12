/* catalog.c: the catalog: table records (key schema, meta, index
 * definitions and the latest stream, one map value in the item codec), a
 * cache of them that every request's lookup hits, the id counter (table,
 * index and stream ids are never reused, so a deleted table's ranges can be
 * dropped lazily), and the backfill cursors. Puts records into the caller's
 * batch; never writes a batch itself. */
#include <stdlib.h>
#include <string.h>

#include "storage/catalog.h"
#include "storage/index.h"
#include "storage/stats.h"

#define NEXT_ID_KEY "\x01next_table_id"

void ddb__table_key(bytes_t *k, const char *name, size_t len) {
    bytes_putc(k, DDB__TABLE_KEY_PREFIX);
    bytes_put(k, name, len);
}

void ddb__backfill_key(uint8_t k[5], uint32_t index_id) {
    k[0] = DDB__BACKFILL_KEY_PREFIX;
    kc_put_be32(k + 1, index_id);
}

void ddb__put_table_record(rk_engine_t *e, rocksdb_writebatch_t *wb, const ddb_table_info_t *t) {
    e->cat_changed = true;
    bytes_t k = {0}, rec = {0};
    ddb__table_key(&k, t->name, t->name_len);
    ddb__encode_table(&rec, t);
    rocksdb_writebatch_put_cf(wb, e->cf[CF_CATALOG], (const char *)k.p, k.len, (const char *)rec.p,
                              rec.len);
    bytes_free(&k);
    bytes_free(&rec);
}

void ddb__delete_table_record(rk_engine_t *e, rocksdb_writebatch_t *wb, const char *name,
                              size_t len) {
    e->cat_changed = true;
    bytes_t k = {0};
    ddb__table_key(&k, name, len);
    rocksdb_writebatch_delete_cf(wb, e->cf[CF_CATALOG], (const char *)k.p, k.len);
    bytes_free(&k);
}

int ddb__table_exists(rk_engine_t *e, const bytes_t *k, bool *found, ddb_error_t *err) {
    char *v;
    size_t vl;
    int rc = ddb__get(e, e->ro, CF_CATALOG, k->p, k->len, &v, &vl, err);
    *found = v != NULL;
    free(v);
    return rc;
}

int ddb__alloc_ids(rk_engine_t *e, rocksdb_writebatch_t *wb, uint32_t n, uint32_t *first,
                   ddb_error_t *err) {
    char *v;
    size_t vl;
    int rc = ddb__get(e, e->ro, CF_CATALOG, NEXT_ID_KEY, sizeof NEXT_ID_KEY - 1, &v, &vl, err);
    if (rc) return rc;
    *first = v && vl == 4 ? kc_get_be32((const uint8_t *)v) : 1;
    free(v);
    uint8_t next[4];
    kc_put_be32(next, *first + n);
    rocksdb_writebatch_put_cf(wb, e->cf[CF_CATALOG], NEXT_ID_KEY, sizeof NEXT_ID_KEY - 1,
                              (const char *)next, 4);
    return 0;
}

/* ---- the catalog cache ----------------------------------------------------------
 * Every request looks its table up, and every write looks it up again under
 * the writer: a copy of each table record read saves those RocksDB reads.
 * Entries are record bytes, copied out under the lock and decoded by the
 * caller. Catalog writes (all under the writer) set cat_changed; write_batch
 * then drops every entry and advances the generation, so that a lookup that
 * read the old record concurrently does not put it back. */
typedef struct cat_entry {
    char *name;
    size_t name_len;
    uint8_t *rec;
    size_t rec_len;
} cat_entry_t;

static bool cat_lookup(rk_engine_t *e, const char *name, size_t len, bytes_t *rec, uint64_t *gen) {
    pthread_mutex_lock(&e->cat_mu);
    *gen = e->cat_gen;
    bool found = false;
    for (size_t i = 0; i < e->ncat; i++) {
        cat_entry_t *c = &e->cat[i];
        if (c->name_len == len && memcmp(c->name, name, len) == 0) {
            bytes_put(rec, c->rec, c->rec_len);
            found = true;
            break;
        }
    }
    pthread_mutex_unlock(&e->cat_mu);
    return found;
}

static void cat_insert(rk_engine_t *e, const char *name, size_t len, const char *rec,
                       size_t rec_len, uint64_t gen) {
    pthread_mutex_lock(&e->cat_mu);
    if (gen == e->cat_gen && e->ncat < 4096) {
        if (e->ncat == e->capcat) {
            size_t cap = e->capcat ? e->capcat * 2 : 16;
            cat_entry_t *nc = realloc(e->cat, cap * sizeof *nc);
            if (!nc) abort();
            e->cat = nc;
            e->capcat = cap;
        }
        cat_entry_t *c = &e->cat[e->ncat++];
        c->name = malloc(len ? len : 1);
        c->rec = malloc(rec_len ? rec_len : 1);
        if (!c->name || !c->rec) abort();
        memcpy(c->name, name, len);
        memcpy(c->rec, rec, rec_len);
        c->name_len = len;
        c->rec_len = rec_len;
    }
    pthread_mutex_unlock(&e->cat_mu);
}

/* Drops every cached record and advances the generation. */
static void cat_clear(rk_engine_t *e) {
    pthread_mutex_lock(&e->cat_mu);
    for (size_t i = 0; i < e->ncat; i++) {
        free(e->cat[i].name);
        free(e->cat[i].rec);
    }
    e->ncat = 0;
    e->cat_gen++;
    pthread_mutex_unlock(&e->cat_mu);
}

void ddb__cat_init(rk_engine_t *e) {
    pthread_mutex_init(&e->cat_mu, NULL);
    e->cat_gen = 1; /* 0 marks a table copy of unknown age */
}

void ddb__cat_destroy(rk_engine_t *e) {
    cat_clear(e);
    free(e->cat);
    pthread_mutex_destroy(&e->cat_mu);
}

void ddb__cat_settle(rk_engine_t *e) {
    if (!e->cat_changed) return;
    e->cat_changed = false;
    cat_clear(e);
}

bool ddb__cat_current(rk_engine_t *e, const ddb_table_info_t *t) {
    pthread_mutex_lock(&e->cat_mu);
    bool same = t->catalog_gen && t->catalog_gen == e->cat_gen;
    pthread_mutex_unlock(&e->cat_mu);
    return same;
}

int ddb__get_table_record(rk_engine_t *e, const char *name, size_t len, ddb_arena_t *a,
                          ddb_table_info_t *out, ddb_error_t *err) {
    bytes_t rec = {0};
    uint64_t gen;
    int rc;
    if (cat_lookup(e, name, len, &rec, &gen)) {
        out->name = ddb_arena_strndup(a, name, len);
        out->name_len = len;
        rc = ddb__decode_table(rec.p, rec.len, a, out, err);
        out->catalog_gen = gen;
        bytes_free(&rec);
        return rc;
    }
    bytes_t k = {0};
    ddb__table_key(&k, name, len);
    char *v;
    size_t vl;
    rc = ddb__get(e, e->ro, CF_CATALOG, k.p, k.len, &v, &vl, err);
    bytes_free(&k);
    if (rc) return rc;
    if (!v) {
        return ddb_error_set(err, DDB_ERR_RESOURCE_NOT_FOUND,
                             "Requested resource not found: Table: %.*s not found", (int)len, name);
    }
    out->name = ddb_arena_strndup(a, name, len);
    out->name_len = len;
    rc = ddb__decode_table((const uint8_t *)v, vl, a, out, err);
    out->catalog_gen = gen;
    if (!rc) cat_insert(e, name, len, v, vl, gen);
    free(v);
    return rc;
}

int rk_table_get(rk_engine_t *e, const char *name, size_t len, ddb_arena_t *a,
                 ddb_table_info_t *out, ddb_error_t *err) {
    int rc = ddb__get_table_record(e, name, len, a, out, err);
    if (rc) return rc;
    return ddb__stats_read(e, out, err);
}

int rk_table_list(rk_engine_t *e, const char *after, size_t after_len, size_t limit, ddb_arena_t *a,
                  const char ***names, size_t **lens, size_t *count, bool *more, ddb_error_t *err) {
    *names = ddb_arena_alloc(a, sizeof(char *) * (limit + 1));
    *lens = ddb_arena_alloc(a, sizeof(size_t) * (limit + 1));
    *count = 0;
    *more = false;
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(e->db, e->ro, e->cf[CF_CATALOG]);
    bytes_t start = {0};
    bytes_putc(&start, DDB__TABLE_KEY_PREFIX);
    if (after && after_len) bytes_put(&start, after, after_len);
    rocksdb_iter_seek(it, (const char *)start.p, start.len);
    for (; rocksdb_iter_valid(it); rocksdb_iter_next(it)) {
        size_t kl;
        const char *k = rocksdb_iter_key(it, &kl);
        if (kl < 1 || k[0] != DDB__TABLE_KEY_PREFIX) break;
        if (after && after_len && kl - 1 == after_len && memcmp(k + 1, after, after_len) == 0) {
            continue;
        }
        if (*count == limit) {
            *more = true;
            break;
        }
        (*names)[*count] = ddb_arena_strndup(a, k + 1, kl - 1);
        (*lens)[*count] = kl - 1;
        (*count)++;
    }
    char *msg = NULL;
    rocksdb_iter_get_error(it, &msg);
    rocksdb_iter_destroy(it);
    bytes_free(&start);
    if (msg) return ddb__rocks_error(err, msg);
    return 0;
}

/* ---- backfill cursors ------------------------------------------------------------ */

int ddb__backfill_cursor(rk_engine_t *e, const rocksdb_readoptions_t *ro, uint32_t index_id,
                         bytes_t *out, ddb_error_t *err) {
    uint8_t k[5];
    ddb__backfill_key(k, index_id);
    char *v;
    size_t vl;
    int rc = ddb__get(e, ro, CF_CATALOG, k, 5, &v, &vl, err);
    if (v) bytes_put(out, v, vl);
    free(v);
    return rc;
}

int ddb__index_covers(rk_engine_t *e, const rocksdb_readoptions_t *ro, const ddb_index_info_t *ix,
                      const uint8_t *k, size_t kl, bool *covered, ddb_error_t *err) {
    *covered = true;
    if (!ix->backfilling) return 0;
    bytes_t cur = {0};
    int rc = ddb__backfill_cursor(e, ro, ix->id, &cur, err);
    *covered = !rc && cur.len && ddb__cmp_bytes(k, kl, cur.p, cur.len) <= 0;
    bytes_free(&cur);
    return rc;
}

int ddb__each_table(rk_engine_t *e, ddb__table_fn fn, void *ctx, ddb_error_t *err) {
    ddb_arena_t *page = ddb_arena_create(0), *one = ddb_arena_create(0);
    const char *after = NULL;
    size_t after_len = 0;
    bool more = true;
    int rc = 0;
    while (!rc && more) {
        const char **names;
        size_t *lens, count;
        rc = rk_table_list(e, after, after_len, 256, page, &names, &lens, &count, &more, err);
        for (size_t i = 0; !rc && i < count; i++) {
            ddb_arena_reset(one);
            ddb_table_info_t t;
            rc = ddb__get_table_record(e, names[i], lens[i], one, &t, err);
            if (rc == DDB_ERR_RESOURCE_NOT_FOUND) {
                rc = 0; /* deleted since the page was read */
                continue;
            }
            if (!rc) rc = fn(e, &t, ctx, err);
        }
        if (!rc && count) {
            /* the next page starts after this one's last name (copied: the
             * page arena is reset) */
            char *last = ddb_arena_strndup(one, names[count - 1], lens[count - 1]);
            ddb_arena_reset(page);
            after = ddb_arena_strndup(page, last, lens[count - 1]);
            after_len = lens[count - 1];
        }
    }
    ddb_arena_destroy(one);
    ddb_arena_destroy(page);
    return rc;
}
