/* index.c: secondary-index entries and definitions. An entry's key orders
 * an index by its own key and then by the table key, so items with equal
 * index keys come back in a deterministic order. Pure. */
#include "storage/index.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const ddb_index_info_t *ddb_table_index(const ddb_table_info_t *t, const char *name, size_t len) {
    for (size_t i = 0; i < t->nindexes; i++) {
        const ddb_index_info_t *ix = &t->indexes[i];
        if (ix->name_len == len && memcmp(ix->name, name, len) == 0) return ix;
    }
    return NULL;
}

const ddb_index_info_t *ddb_table_ttl(const ddb_table_info_t *t) {
    for (size_t i = 0; i < t->nindexes; i++) {
        if (t->indexes[i].ttl) return &t->indexes[i];
    }
    return NULL;
}

size_t ddb_index_attrs(const ddb_index_info_t *ix, bool range,
                       ddb_key_attr_t out[DDB_KEY_ATTRS_MAX]) {
    if (ix->nhash) {
        size_t n = range ? ix->nrange : ix->nhash;
        memcpy(out, range ? ix->range : ix->hash, sizeof *out * n);
        return n;
    }
    const ddb_key_schema_t *k = &ix->key;
    if (!range) {
        out[0] = (ddb_key_attr_t){k->hash_name, k->hash_len, k->hash_type};
        return 1;
    }
    if (k->range_type == DDB_T_NONE) return 0;
    out[0] = (ddb_key_attr_t){k->range_name, k->range_len, k->range_type};
    return 1;
}

bool ddb__ix_expiry(const ddb_value_t *v, uint64_t *secs) {
    if (!v || v->type != DDB_T_N || v->u.str.len == 0 || v->u.str.len > 60) return false;
    char tmp[64];
    memcpy(tmp, v->u.str.ptr, v->u.str.len);
    tmp[v->u.str.len] = '\0';
    long double x = strtold(tmp, NULL);
    if (!(x >= 0)) return false;
    *secs = x >= 1.8e19L ? UINT64_MAX : (uint64_t)x;
    return true;
}

bool ddb__ix_expired(const ddb_index_info_t *ttl, const ddb_value_t *item, uint64_t now) {
    uint64_t secs;
    if (!ddb__ix_expiry(ddb_map_get(item, ttl->key.hash_name, ttl->key.hash_len), &secs))
        return false;
    return secs <= now && secs + 5ull * 365 * 24 * 3600 >= now;
}

bool ddb_index_value_fits(const ddb_value_t *v, bool range) {
    if ((v->type == DDB_T_S || v->type == DDB_T_B) && v->u.str.len == 0) return false;
    return ddb_value_size(v) <= (range ? DDB_INDEX_RANGE_MAX : DDB_INDEX_HASH_MAX);
}

static const ddb_value_t *attr_of(const ddb_value_t *item, const char *name, size_t len,
                                  ddb_type_t type) {
    const ddb_value_t *v = ddb_map_get(item, name, len);
    return v && v->type == type ? v : NULL;
}

/* The TTL index's entry: [index id][expiry seconds BE64][table key]; items
 * whose TTL attribute is not a non-negative number are not in it. */
static int expiry_key(bytes_t *out, const ddb_table_info_t *t, const ddb_index_info_t *ix,
                      const ddb_value_t *item) {
    uint64_t secs;
    const ddb_value_t *th = attr_of(item, t->key.hash_name, t->key.hash_len, t->key.hash_type);
    const ddb_value_t *tr =
        t->key.range_type != DDB_T_NONE
            ? attr_of(item, t->key.range_name, t->key.range_len, t->key.range_type)
            : NULL;
    if (!ddb__ix_expiry(ddb_map_get(item, ix->key.hash_name, ix->key.hash_len), &secs) || !th ||
        (t->key.range_type != DDB_T_NONE && !tr)) {
        return 1;
    }
    uint8_t b[12];
    kc_put_be32(b, ix->id);
    kc_put_be64(b + 4, secs);
    bytes_put(out, b, 12);
    kc_encode_value(out, th);
    if (tr) kc_encode_value(out, tr);
    return 0;
}

/* [index id][hash][enc(partition values)..][enc(sort values)..][table key]:
 * with one partition and at most one sort attribute this is the
 * single-attribute layout, byte for byte. */
static int entry_key(bytes_t *out, const ddb_table_info_t *t, const ddb_index_info_t *ix,
                     const ddb_value_t *item, bool strict) {
    if (ix->ttl) return strict ? DDB_ERR_VALIDATION : expiry_key(out, t, ix, item);
    ddb_key_attr_t ha[DDB_KEY_ATTRS_MAX], ra[DDB_KEY_ATTRS_MAX];
    size_t nh = ddb_index_attrs(ix, false, ha), nr = ddb_index_attrs(ix, true, ra);
    const ddb_value_t *hv[DDB_KEY_ATTRS_MAX], *rv[DDB_KEY_ATTRS_MAX];
    bool all = true;
    for (size_t i = 0; i < nh; i++)
        all &= (hv[i] = attr_of(item, ha[i].name, ha[i].len, ha[i].type)) != NULL;
    for (size_t i = 0; i < nr; i++)
        all &= (rv[i] = attr_of(item, ra[i].name, ra[i].len, ra[i].type)) != NULL;
    /* an index key violation (a value too long, or an empty string or
     * binary) keeps the item out of the index: a write refuses such items
     * first, so only a backfill over older items meets one */
    for (size_t i = 0; all && !strict && i < nh + nr; i++)
        all = ddb_index_value_fits(i < nh ? hv[i] : rv[i - nh], i >= nh);
    const ddb_value_t *th = attr_of(item, t->key.hash_name, t->key.hash_len, t->key.hash_type);
    const ddb_value_t *tr =
        t->key.range_type != DDB_T_NONE
            ? attr_of(item, t->key.range_name, t->key.range_len, t->key.range_type)
            : NULL;
    if (!all || !th || (t->key.range_type != DDB_T_NONE && !tr)) {
        return strict ? DDB_ERR_VALIDATION : 1;
    }
    kc_partition_prefix_n(out, ix->id, hv, nh);
    for (size_t i = 0; i < nr; i++)
        kc_encode_value(out, rv[i]);
    kc_encode_value(out, th);
    if (tr) kc_encode_value(out, tr);
    return 0;
}

bool ddb__ix_entry_key(bytes_t *out, const ddb_table_info_t *t, const ddb_index_info_t *ix,
                       const ddb_value_t *item) {
    return entry_key(out, t, ix, item, false) == 0;
}

int ddb__ix_start_key(bytes_t *out, const ddb_table_info_t *t, const ddb_index_info_t *ix,
                      const ddb_value_t *key) {
    return entry_key(out, t, ix, key, true);
}

static bool is_key_attr(const ddb_key_schema_t *k, const char *name, size_t len) {
    return (k->hash_len == len && memcmp(k->hash_name, name, len) == 0) ||
           (k->range_type != DDB_T_NONE && k->range_len == len &&
            memcmp(k->range_name, name, len) == 0);
}

static bool is_index_attr(const ddb_index_info_t *ix, const char *name, size_t len) {
    if (!ix->nhash) return is_key_attr(&ix->key, name, len);
    for (size_t i = 0; i < ix->nhash + ix->nrange; i++) {
        const ddb_key_attr_t *k = i < ix->nhash ? &ix->hash[i] : &ix->range[i - ix->nhash];
        if (k->len == len && memcmp(k->name, name, len) == 0) return true;
    }
    return false;
}

void ddb__ix_project(ddb_arena_t *a, const ddb_table_info_t *t, const ddb_index_info_t *ix,
                     const ddb_value_t *item, ddb_value_t *out) {
    if (ix->projection == DDB_PROJ_ALL) {
        *out = *item;
        return;
    }
    out->type = DDB_T_M;
    out->u.map.a = ddb_arena_alloc(a, sizeof(ddb_attr_t) * (item->u.map.n ? item->u.map.n : 1));
    out->u.map.n = 0;
    for (size_t i = 0; i < item->u.map.n; i++) {
        const ddb_attr_t *at = &item->u.map.a[i];
        bool keep = is_key_attr(&t->key, at->name, at->name_len) ||
                    is_index_attr(ix, at->name, at->name_len);
        for (size_t k = 0; !keep && ix->projection == DDB_PROJ_INCLUDE && k < ix->ninclude; k++) {
            keep = ix->include_len[k] == at->name_len &&
                   memcmp(ix->include[k], at->name, at->name_len) == 0;
        }
        if (keep) out->u.map.a[out->u.map.n++] = *at;
    }
}

void ddb__ix_change(ddb_arena_t *a, const ddb_table_info_t *t, const ddb_index_info_t *ix,
                    const ddb_value_t *old, const ddb_value_t *next, ix_change_t *c) {
    memset(c, 0, sizeof *c);
    c->had = old && ddb__ix_entry_key(&c->ok, t, ix, old);
    c->has = next && ddb__ix_entry_key(&c->nk, t, ix, next);
    c->moved =
        c->had && c->has && (c->ok.len != c->nk.len || memcmp(c->ok.p, c->nk.p, c->ok.len) != 0);
    if (c->had) ddb__ix_project(a, t, ix, old, &c->op);
    if (c->has) ddb__ix_project(a, t, ix, next, &c->np);
}

void ddb__ix_change_free(ix_change_t *c) {
    bytes_free(&c->ok);
    bytes_free(&c->nk);
}

size_t ddb_index_writes(ddb_arena_t *a, const ddb_table_info_t *t, const ddb_index_info_t *ix,
                        const ddb_value_t *old, const ddb_value_t *next, size_t sizes[2]) {
    ix_change_t c;
    ddb__ix_change(a, t, ix, old, next, &c);
    size_t n = 0;
    if (c.had && c.has && !c.moved) {
        if (!ddb_value_equal(&c.op, &c.np)) {
            size_t o = ddb_item_size(&c.op), p = ddb_item_size(&c.np);
            sizes[n++] = o > p ? o : p;
        }
    } else {
        if (c.had) sizes[n++] = ddb_item_size(&c.op);
        if (c.has) sizes[n++] = ddb_item_size(&c.np);
    }
    ddb__ix_change_free(&c);
    return n;
}

/* ---- definitions in the table record ------------------------------------------ */

static ddb_value_t str_value(const char *s, size_t len) {
    return (ddb_value_t){.type = DDB_T_S, .u.str = {s, len}};
}

static ddb_value_t num_value(ddb_arena_t *a, uint64_t v) {
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%" PRIu64, v);
    return (ddb_value_t){.type = DDB_T_N,
                         .u.str = {ddb_arena_strndup(a, tmp, (size_t)n), (size_t)n}};
}

/* Key attributes as a list of [name, type] lists. */
static ddb_value_t attrs_value(ddb_arena_t *a, const ddb_key_attr_t *k, size_t n) {
    ddb_value_t out = {.type = DDB_T_L};
    out.u.list.n = n;
    out.u.list.v = ddb_arena_alloc(a, sizeof(ddb_value_t) * (n ? n : 1));
    for (size_t i = 0; i < n; i++) {
        ddb_value_t *pair = ddb_arena_alloc(a, sizeof *pair * 2);
        pair[0] = str_value(k[i].name, k[i].len);
        pair[1] = num_value(a, (uint64_t)k[i].type);
        out.u.list.v[i] = (ddb_value_t){.type = DDB_T_L, .u.list = {pair, 2}};
    }
    return out;
}

void ddb__ix_defs_to_value(ddb_arena_t *a, const ddb_index_info_t *ix, size_t n, ddb_value_t *out) {
    out->type = DDB_T_L;
    out->u.list.n = n;
    out->u.list.v = ddb_arena_alloc(a, sizeof(ddb_value_t) * (n ? n : 1));
    for (size_t i = 0; i < n; i++) {
        const ddb_index_info_t *x = &ix[i];
        ddb_attr_t *at = ddb_arena_alloc(a, sizeof *at * 13);
        size_t k = 0;
        at[k++] = (ddb_attr_t){"n", 1, str_value(x->name, x->name_len)};
        at[k++] = (ddb_attr_t){"i", 1, num_value(a, x->id)};
        at[k++] = (ddb_attr_t){"l", 1, {.type = DDB_T_BOOL, .u.boolean = x->local}};
        at[k++] = (ddb_attr_t){"b", 1, {.type = DDB_T_BOOL, .u.boolean = x->backfilling}};
        at[k++] = (ddb_attr_t){"t", 1, {.type = DDB_T_BOOL, .u.boolean = x->ttl}};
        at[k++] = (ddb_attr_t){"p", 1, num_value(a, (uint64_t)x->projection)};
        at[k++] = (ddb_attr_t){"hn", 2, str_value(x->key.hash_name, x->key.hash_len)};
        at[k++] = (ddb_attr_t){"ht", 2, num_value(a, (uint64_t)x->key.hash_type)};
        if (x->key.range_type != DDB_T_NONE) {
            at[k++] = (ddb_attr_t){"rn", 2, str_value(x->key.range_name, x->key.range_len)};
            at[k++] = (ddb_attr_t){"rt", 2, num_value(a, (uint64_t)x->key.range_type)};
        }
        ddb_value_t inc = {.type = DDB_T_L};
        inc.u.list.n = x->ninclude;
        inc.u.list.v = ddb_arena_alloc(a, sizeof(ddb_value_t) * (x->ninclude ? x->ninclude : 1));
        for (size_t j = 0; j < x->ninclude; j++)
            inc.u.list.v[j] = str_value(x->include[j], x->include_len[j]);
        at[k++] = (ddb_attr_t){"inc", 3, inc};
        if (x->nhash) {
            /* only multi-attribute keys add these: older records stay as they were */
            at[k++] = (ddb_attr_t){"mh", 2, attrs_value(a, x->hash, x->nhash)};
            at[k++] = (ddb_attr_t){"mr", 2, attrs_value(a, x->range, x->nrange)};
        }
        out->u.list.v[i] = (ddb_value_t){.type = DDB_T_M, .u.map = {at, k}};
    }
}

static uint64_t num_of(const ddb_value_t *v) {
    if (!v || v->type != DDB_T_N || v->u.str.len >= 24) return 0;
    char tmp[24];
    memcpy(tmp, v->u.str.ptr, v->u.str.len);
    tmp[v->u.str.len] = '\0';
    return strtoull(tmp, NULL, 10);
}

static int attrs_from_value(const ddb_value_t *v, ddb_key_attr_t *k, size_t *n) {
    if (!v || v->type != DDB_T_L || v->u.list.n > DDB_KEY_ATTRS_MAX) return DDB_ERR_INTERNAL;
    for (size_t i = 0; i < v->u.list.n; i++) {
        const ddb_value_t *p = &v->u.list.v[i];
        if (p->type != DDB_T_L || p->u.list.n != 2 || p->u.list.v[0].type != DDB_T_S)
            return DDB_ERR_INTERNAL;
        k[i] = (ddb_key_attr_t){p->u.list.v[0].u.str.ptr, p->u.list.v[0].u.str.len,
                                (ddb_type_t)num_of(&p->u.list.v[1])};
    }
    *n = v->u.list.n;
    return 0;
}

int ddb__ix_defs_from_value(ddb_arena_t *a, const ddb_value_t *v, ddb_index_info_t **out,
                            size_t *n) {
    *out = NULL;
    *n = 0;
    if (!v) return 0;
    if (v->type != DDB_T_L) return DDB_ERR_INTERNAL;
    ddb_index_info_t *ix = ddb_arena_alloc(a, sizeof *ix * (v->u.list.n ? v->u.list.n : 1));
    for (size_t i = 0; i < v->u.list.n; i++) {
        const ddb_value_t *d = &v->u.list.v[i];
        const ddb_value_t *nm = ddb_map_get(d, "n", 1), *hn = ddb_map_get(d, "hn", 2);
        const ddb_value_t *rn = ddb_map_get(d, "rn", 2), *inc = ddb_map_get(d, "inc", 3);
        const ddb_value_t *l = ddb_map_get(d, "l", 1), *b = ddb_map_get(d, "b", 1);
        const ddb_value_t *tt = ddb_map_get(d, "t", 1);
        if (!nm || nm->type != DDB_T_S || !hn || hn->type != DDB_T_S || !inc ||
            inc->type != DDB_T_L) {
            return DDB_ERR_INTERNAL;
        }
        ddb_index_info_t *x = &ix[i];
        x->name = nm->u.str.ptr;
        x->name_len = nm->u.str.len;
        x->id = (uint32_t)num_of(ddb_map_get(d, "i", 1));
        x->local = l && l->type == DDB_T_BOOL && l->u.boolean;
        x->backfilling = b && b->type == DDB_T_BOOL && b->u.boolean;
        x->ttl = tt && tt->type == DDB_T_BOOL && tt->u.boolean;
        x->projection = (ddb_projection_t)num_of(ddb_map_get(d, "p", 1));
        x->key.hash_name = hn->u.str.ptr;
        x->key.hash_len = hn->u.str.len;
        x->key.hash_type = (ddb_type_t)num_of(ddb_map_get(d, "ht", 2));
        x->key.range_type = DDB_T_NONE;
        if (rn && rn->type == DDB_T_S) {
            x->key.range_name = rn->u.str.ptr;
            x->key.range_len = rn->u.str.len;
            x->key.range_type = (ddb_type_t)num_of(ddb_map_get(d, "rt", 2));
        }
        const ddb_value_t *mh = ddb_map_get(d, "mh", 2);
        if (mh &&
            (attrs_from_value(mh, x->hash, &x->nhash) ||
             attrs_from_value(ddb_map_get(d, "mr", 2), x->range, &x->nrange) || x->nhash == 0)) {
            return DDB_ERR_INTERNAL;
        }
        x->ninclude = inc->u.list.n;
        const char **names = ddb_arena_alloc(a, sizeof(char *) * (x->ninclude ? x->ninclude : 1));
        size_t *lens = ddb_arena_alloc(a, sizeof(size_t) * (x->ninclude ? x->ninclude : 1));
        for (size_t j = 0; j < x->ninclude; j++) {
            names[j] = inc->u.list.v[j].u.str.ptr;
            lens[j] = inc->u.list.v[j].u.str.len;
        }
        x->include = names;
        x->include_len = lens;
    }
    *out = ix;
    *n = v->u.list.n;
    return 0;
}
