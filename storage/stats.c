/* stats.c: the statistics of tables and indexes: the stats column family
 * ([id BE32] -> [count BE64][size BE64]), a cache of it that readers use
 * without the writer (stats_mu), and the growable per-batch delta the
 * writer fills. Never writes a batch itself: the writer puts d's entries
 * into its batch and applies them once written. */
#include <stdlib.h>
#include <string.h>

#include "storage/stats.h"

/* Appends s to the cache (caller holds stats_mu). */
static table_stats_t *cache_append(rk_engine_t *e, const table_stats_t *s) {
    if (e->nstats == e->capstats) {
        size_t cap = e->capstats ? e->capstats * 2 : 16;
        table_stats_t *ns = realloc(e->stats, cap * sizeof *ns);
        if (!ns) abort();
        e->stats = ns;
        e->capstats = cap;
    }
    e->stats[e->nstats] = *s;
    return &e->stats[e->nstats++];
}

/* The cached entry of id, loading it on first use (caller holds
 * stats_mu). */
static int stats_find(rk_engine_t *e, uint32_t id, table_stats_t **out, ddb_error_t *err) {
    for (size_t i = 0; i < e->nstats; i++) {
        if (e->stats[i].id == id) {
            *out = &e->stats[i];
            return 0;
        }
    }
    uint8_t k[4];
    kc_put_be32(k, id);
    char *v;
    size_t vl;
    int rc = ddb__get(e, e->ro, CF_STATS, k, 4, &v, &vl, err);
    if (rc) return rc;
    table_stats_t s = {.id = id};
    if (v && vl == 16) {
        s.count = kc_get_be64((const uint8_t *)v);
        s.size = kc_get_be64((const uint8_t *)v + 8);
    }
    free(v);
    *out = cache_append(e, &s);
    return 0;
}

void ddb__stats_forget(rk_engine_t *e, uint32_t id) {
    pthread_mutex_lock(&e->stats_mu);
    for (size_t i = 0; i < e->nstats; i++) {
        if (e->stats[i].id == id) {
            e->stats[i] = e->stats[--e->nstats];
            break;
        }
    }
    pthread_mutex_unlock(&e->stats_mu);
}

int ddb__stats_read(rk_engine_t *e, ddb_table_info_t *t, ddb_error_t *err) {
    pthread_mutex_lock(&e->stats_mu);
    table_stats_t *s;
    int rc = stats_find(e, t->id, &s, err);
    if (!rc) {
        t->item_count = s->count;
        t->size_bytes = s->size;
    }
    for (size_t i = 0; !rc && i < t->nindexes; i++) {
        rc = stats_find(e, t->indexes[i].id, &s, err);
        if (rc) break;
        t->indexes[i].item_count = s->count;
        t->indexes[i].size_bytes = s->size;
    }
    pthread_mutex_unlock(&e->stats_mu);
    return rc;
}

/* ---- the per-batch delta ------------------------------------------------------------ */

void ddb__delta_init(stats_delta_t *d) {
    d->v = d->inl;
    d->n = 0;
    d->cap = DDB__DELTA_INLINE;
}

void ddb__delta_free(stats_delta_t *d) {
    if (d->v != d->inl) free(d->v);
    ddb__delta_init(d);
}

/* A new slot at the end of d (growing it). */
static table_stats_t *delta_push(stats_delta_t *d) {
    if (d->n == d->cap) {
        size_t cap = d->cap * 2;
        table_stats_t *nv = malloc(cap * sizeof *nv);
        if (!nv) abort();
        memcpy(nv, d->v, d->n * sizeof *nv);
        if (d->v != d->inl) free(d->v);
        d->v = nv;
        d->cap = cap;
    }
    return &d->v[d->n++];
}

int ddb__delta_get(rk_engine_t *e, stats_delta_t *d, uint32_t id, table_stats_t **out,
                   ddb_error_t *err) {
    for (size_t i = 0; i < d->n; i++) {
        if (d->v[i].id == id) {
            *out = &d->v[i];
            return 0;
        }
    }
    pthread_mutex_lock(&e->stats_mu);
    table_stats_t *s;
    int rc = stats_find(e, id, &s, err);
    table_stats_t copy = rc ? (table_stats_t){0} : *s;
    pthread_mutex_unlock(&e->stats_mu);
    if (rc) return rc;
    *out = delta_push(d);
    **out = copy;
    return 0;
}

void ddb__delta_zero(stats_delta_t *d, uint32_t id) {
    *delta_push(d) = (table_stats_t){.id = id};
}

void ddb__delta_put(rk_engine_t *e, rocksdb_writebatch_t *wb, const stats_delta_t *d) {
    for (size_t i = 0; i < d->n; i++) {
        uint8_t k[4], v[16];
        kc_put_be32(k, d->v[i].id);
        kc_put_be64(v, d->v[i].count);
        kc_put_be64(v + 8, d->v[i].size);
        rocksdb_writebatch_put_cf(wb, e->cf[CF_STATS], (const char *)k, 4, (const char *)v, 16);
    }
}

void ddb__delta_apply(rk_engine_t *e, const stats_delta_t *d) {
    pthread_mutex_lock(&e->stats_mu);
    for (size_t i = 0; i < d->n; i++) {
        table_stats_t *s = NULL;
        for (size_t j = 0; j < e->nstats && !s; j++) {
            if (e->stats[j].id == d->v[i].id) s = &e->stats[j];
        }
        if (s)
            *s = d->v[i];
        else
            cache_append(e, &d->v[i]);
    }
    pthread_mutex_unlock(&e->stats_mu);
}
