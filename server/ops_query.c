/* ops_query.c: Query and Scan.
 *
 * Both read a snapshot iterator page by page: Limit counts items read before
 * the filter, a page stops once it has read 1 MB of items (DynamoDB's size of
 * each item), and LastEvaluatedKey is the primary key of the last item read,
 * so resuming never skips or repeats an unchanged item. Items are written
 * straight into the response as they are read. */
#include <stdio.h>
#include <string.h>

#include "server/ddbd.h"
#include "server/exprs.h"
#include "server/indexes.h"
#include "query/expr_key_multi.h"
#include "query/json.h"
#include "query/params.h"

#define PAGE_BYTES   (1024 * 1024)
#define MAX_SEGMENTS 1000000

typedef enum { SEL_ALL, SEL_PROJECTED, SEL_SPECIFIC, SEL_COUNT } select_t;

typedef struct page {
    const ddb_index_info_t *index; /* NULL: the table */
    bool fetch;                    /* LSI: read each item whole from the table */
    int64_t limit;                 /* 0: none */
    const expr_node_t *filter;
    const expr_projection_t *proj;
    select_t select;
    bool consistent;
    int rcc;
} page_t;

static int parse_select(ddbd_req_t *r, const req_exprs_t *x, select_t *out) {
    static const char *const names[] = {"ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES",
                                        "SPECIFIC_ATTRIBUTES", "COUNT"};
    const char *s;
    size_t l;
    int rc = p_str(r->in, "Select", &s, &l, r->err);
    if (rc) return rc;
    bool has_proj = x->proj != NULL;
    const char *what = cJSON_GetObjectItemCaseSensitive(r->in, "AttributesToGet")
                           ? "AttributesToGet"
                           : "ProjectionExpression";
    *out = has_proj ? SEL_SPECIFIC : SEL_ALL;
    if (!s) return 0;
    int found = -1;
    for (int i = 0; i < 4; i++) {
        if (strlen(names[i]) == l && memcmp(names[i], s, l) == 0) found = i;
    }
    if (found < 0) {
        return p_error_enum(r->err, s, p_cut(l, 100),
                            "SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES",
                            "select");
    }
    *out = (select_t)found;
    if (*out == SEL_SPECIFIC && !has_proj) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "Must specify the AttributesToGet or ProjectionExpression when "
                             "choosing to get SPECIFIC_ATTRIBUTES");
    }
    if (*out != SEL_SPECIFIC && has_proj) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "Cannot specify the %s when choosing to get %s", what,
                             *out == SEL_COUNT ? "only the Count" : names[found]);
    }
    if (*out == SEL_PROJECTED && !cJSON_GetObjectItemCaseSensitive(r->in, "IndexName")) {
        return ddb_error_set(
            r->err, DDB_ERR_VALIDATION,
            "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName");
    }
    return 0;
}

static bool projects(const ddb_table_info_t *t, const ddb_index_info_t *ix, const char *name,
                     size_t len) {
    const ddb_key_schema_t *ks[1] = {&t->key};
    if (ix->projection == DDB_PROJ_ALL || ddbd_index_key_has(ix, name, len)) return true;
    for (int i = 0; i < 1; i++) {
        if (ks[i]->hash_len == len && !memcmp(ks[i]->hash_name, name, len)) return true;
        if (ks[i]->range_type && ks[i]->range_len == len && !memcmp(ks[i]->range_name, name, len))
            return true;
    }
    for (size_t i = 0; ix->projection == DDB_PROJ_INCLUDE && i < ix->ninclude; i++) {
        if (ix->include_len[i] == len && !memcmp(ix->include[i], name, len)) return true;
    }
    return false;
}

/* What an index read may return: a GSI only what it projects, an LSI
 * anything (fetched from the table when not projected). */
static int index_reads(ddbd_req_t *r, const ddb_table_info_t *t, page_t *pg) {
    const ddb_index_info_t *ix = pg->index;
    if (!ix) return 0;
    /* without Select, an index read returns what the index projects */
    bool all =
        pg->select == SEL_ALL && !pg->proj && cJSON_GetObjectItemCaseSensitive(r->in, "Select");
    if (all && ix->projection != DDB_PROJ_ALL) {
        if (!ix->local) {
            return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                                 "One or more parameter values were invalid: Select type "
                                 "ALL_ATTRIBUTES is not supported for global secondary index %.*s "
                                 "because its projection type is not ALL",
                                 (int)ix->name_len, ix->name);
        }
        pg->fetch = true;
    }
    for (size_t i = 0; pg->proj && i < pg->proj->n; i++) {
        const expr_step_t *st = &pg->proj->paths[i].steps[0];
        if (projects(t, ix, st->name, st->len)) continue;
        if (ix->local) {
            pg->fetch = true;
            continue;
        }
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "One or more parameter values were invalid: Global secondary index "
                             "%.*s does not project [%.*s]",
                             (int)ix->name_len, ix->name, (int)st->len, st->name);
    }
    return 0;
}

#define KEY_NAMES_MAX (2 + 2 * DDB_KEY_ATTRS_MAX)

/* The distinct attributes of the table key and the index key (every one of
 * a multi-attribute key), table key first. */
static size_t key_names(const ddb_table_info_t *t, const ddb_index_info_t *ix,
                        ddb_key_attr_t out[KEY_NAMES_MAX]) {
    size_t n = 0;
    out[n++] = (ddb_key_attr_t){t->key.hash_name, t->key.hash_len, t->key.hash_type};
    if (t->key.range_type != DDB_T_NONE)
        out[n++] = (ddb_key_attr_t){t->key.range_name, t->key.range_len, t->key.range_type};
    ddb_key_attr_t k[DDB_KEY_ATTRS_MAX];
    for (int range = 0; ix && range < 2; range++) {
        size_t m = ddb_index_attrs(ix, range, k);
        for (size_t j = 0; j < m; j++) {
            bool dup = false;
            for (size_t i = 0; i < n; i++)
                dup |= out[i].len == k[j].len && !memcmp(out[i].name, k[j].name, k[j].len);
            if (!dup) out[n++] = k[j];
        }
    }
    return n;
}

/* An ExclusiveStartKey holds the table key (and, on an index, its key). */
static int check_start_key(ddbd_req_t *r, const ddb_table_info_t *t, const ddb_index_info_t *ix,
                           const ddb_value_t *k) {
    ddb_key_attr_t names[KEY_NAMES_MAX];
    size_t nnames = key_names(t, ix, names);
    if (k->u.map.n != nnames) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "The provided starting key is invalid: The provided key element "
                             "does not match the schema");
    }
    ddb_value_t tk;
    int rc = ddbd_item_key(r, t, k, &tk);
    if (!rc && ix) {
        for (size_t i = 0; !rc && i < nnames; i++) {
            const ddb_value_t *h = ddb_map_get(k, names[i].name, names[i].len);
            if (!h || h->type != names[i].type) {
                rc = ddb_error_set(r->err, DDB_ERR_VALIDATION,
                                   "The provided key element does not match the schema");
            }
        }
    }
    if (rc) {
        /* the detail is copied out first: formatting err->msg into itself
         * (overlapping vsnprintf) garbled the message */
        char detail[sizeof r->err->msg];
        snprintf(detail, sizeof detail, "%s", r->err->msg);
        return ddb_error_set(r->err, DDB_ERR_VALIDATION, "The provided starting key is invalid: %s",
                             detail);
    }
    return 0;
}

/* Members common to Query and Scan. */
static int parse_common(ddbd_req_t *r, unsigned accepted, req_exprs_t *x, page_t *pg,
                        ddb_table_info_t *t, ddb_value_t **start) {
    int64_t limit = 0;
    bool lp, cp;
    const cJSON *esk;
    const char *index;
    size_t il;
    memset(pg, 0, sizeof *pg);
    int rc = p_int(r->in, "Limit", &limit, &lp, r->err);
    if (!rc) rc = p_bool(r->in, "ConsistentRead", &pg->consistent, &cp, r->err);
    if (!rc) rc = p_obj(r->in, "ExclusiveStartKey", &esk, r->err);
    if (!rc) rc = p_str(r->in, "IndexName", &index, &il, r->err);
    if (!rc) rc = ddbd_parse_rcc(r, &pg->rcc);
    if (rc) return rc;
    if (lp && limit < 1) return p_error_value_min(r->err, limit, 1, "limit");
    pg->limit = lp ? limit : 0;
    rc = exprs_parse(r, r->in, accepted, x);
    if (!rc) rc = parse_select(r, x, &pg->select);
    if (rc) return rc;
    pg->filter = x->filter;
    pg->proj = x->proj;
    rc = ddbd_load_table(r, false, t);
    if (rc) return rc;
    if (index) {
        pg->index = ddb_table_index(t, index, il);
        if (!pg->index) {
            return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                                 "The table does not have the specified index: %.*s", (int)il,
                                 index);
        }
        if (pg->index->backfilling) {
            return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                                 "Cannot read from backfilling global secondary index: %.*s",
                                 (int)il, index);
        }
        if (!pg->index->local && pg->consistent) {
            return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                                 "Consistent read cannot be true when querying a GSI");
        }
    }
    rc = index_reads(r, t, pg);
    if (rc) return rc;
    *start = NULL;
    if (esk) {
        ddb_value_t *k = ddb_arena_alloc(r->arena, sizeof *k);
        rc = json_to_item(r->arena, esk, k, r->err);
        if (rc) return rc;
        rc = check_start_key(r, t, pg->index, k);
        if (rc) return rc;
        *start = k;
    }
    return 0;
}

static void put_member(buf_t *b, const ddb_value_t *item, const char *name, size_t len,
                       bool *first) {
    if (!*first) buf_putc(b, ',');
    *first = false;
    json_put_str(b, name, len);
    buf_putc(b, ':');
    json_put_value(b, ddb_map_get(item, name, len));
}

/* Writes the key of item as a map: the primary key, plus the index key
 * attributes when reading an index (each attribute once). */
static void put_key_of(buf_t *b, const ddb_table_info_t *t, const ddb_index_info_t *ix,
                       const ddb_value_t *item) {
    ddb_key_attr_t names[KEY_NAMES_MAX];
    size_t n = key_names(t, ix, names);
    bool first = true;
    buf_putc(b, '{');
    for (size_t i = 0; i < n; i++)
        put_member(b, item, names[i].name, names[i].len, &first);
    buf_putc(b, '}');
}

/* Reads one page from it and writes the whole response. */
static int run_page(ddbd_req_t *r, const ddb_table_info_t *t, ddb_iter_t *it, const page_t *pg) {
    buf_t *b = r->out;
    bool items = pg->select != SEL_COUNT;
    buf_puts(b, items ? "{\"Items\":[" : "{");
    int64_t scanned = 0, count = 0;
    size_t bytes = 0;
    bool more = false;
    ddb_arena_t *scratch = r->srv->scratch;
    ddb_arena_reset(scratch);
    buf_t last;
    buf_init(&last);
    for (;;) {
        const ddb_value_t *item;
        int rc = ddb_iter_next(it, scratch, &item, r->err);
        if (rc) {
            buf_free(&last);
            return rc;
        }
        if (!item) break;
        if (pg->fetch) {
            const ddb_value_t *full;
            rc = ddb_item_get(r->srv->engine, t, item, scratch, &full, r->err);
            if (rc) {
                buf_free(&last);
                return rc;
            }
            if (full) item = full;
        }
        scanned++;
        bytes += ddb_item_size(item);
        if (!pg->filter || expr_eval(pg->filter, item)) {
            if (items) {
                if (count) buf_putc(b, ',');
                json_put_projected(b, scratch, pg->proj, item);
            }
            count++;
        }
        if ((pg->limit && scanned == pg->limit) || bytes >= PAGE_BYTES) {
            buf_reset(&last);
            put_key_of(&last, t, pg->index, item);
            more = true;
            break;
        }
        ddb_arena_reset(scratch);
    }
    ddb_arena_reset(scratch);
    if (items) buf_puts(b, "],");
    buf_printf(b, "\"Count\":%lld,\"ScannedCount\":%lld", (long long)count, (long long)scanned);
    if (more) {
        buf_puts(b, ",\"LastEvaluatedKey\":");
        buf_put(b, last.data, last.len);
    }
    buf_free(&last);
    /* the bytes read, filtered or not, rounded once for the page; an
     * index's read is the index's */
    ddbd_capacity_t cap = {0};
    ddbd_cap_read(&cap, t, pg->index, ddbd_read_units(bytes, pg->consistent));
    ddbd_put_consumed(r, t, pg->rcc, &cap);
    buf_putc(b, '}');
    return 0;
}

/* The key condition's range must contain the start key: its partition, and
 * its sort key within the sort-key condition. */
static bool start_in_range(const ddb_key_schema_t *ks, const expr_key_cond_t *kc,
                           const ddb_value_t *start) {
    const ddb_value_t *h = ddb_map_get(start, ks->hash_name, ks->hash_len);
    if (!h || !ddb_value_equal(h, kc->hash)) return false;
    if (ks->range_type == DDB_T_NONE) return true;
    return expr_key_cond_holds(kc, ddb_map_get(start, ks->range_name, ks->range_len));
}

/* The name DynamoDB's messages give the request's filter. */
static const char *filter_name(const ddbd_req_t *r) {
    return cJSON_GetObjectItemCaseSensitive(r->in, "QueryFilter") ? "QueryFilter"
                                                                  : "Filter Expression";
}

/* DynamoDB refuses a Query filter that reads the queried key's attributes
 * (the table's, or on an index the index's), hash key first. */
static int check_filter_keys(ddbd_req_t *r, const expr_node_t *filter, const ddb_key_schema_t *ks) {
    expr_key_attr_t keys[2] = {{ks->hash_name, ks->hash_len, ks->hash_type},
                               {ks->range_name, ks->range_len, ks->range_type}};
    return expr_filter_check_keys(filter, keys, ks->range_type != DDB_T_NONE ? 2 : 1,
                                  filter_name(r), r->err);
}

/* Query on an index with a multi-attribute key: every partition attribute
 * by =, sort attributes left to right, and no key attribute in the filter. */
static int query_multi(ddbd_req_t *r, const req_exprs_t *x, const page_t *pg,
                       const ddb_table_info_t *t, const ddb_value_t *start, bool forward) {
    const ddb_index_info_t *ix = pg->index;
    expr_key_attr_t h[DDB_KEY_ATTRS_MAX], s[DDB_KEY_ATTRS_MAX], all[2 * DDB_KEY_ATTRS_MAX];
    for (size_t i = 0; i < ix->nhash; i++)
        all[i] = h[i] = (expr_key_attr_t){ix->hash[i].name, ix->hash[i].len, ix->hash[i].type};
    for (size_t i = 0; i < ix->nrange; i++)
        all[ix->nhash + i] = s[i] =
            (expr_key_attr_t){ix->range[i].name, ix->range[i].len, ix->range[i].type};
    expr_key_multi_t kc;
    int rc = expr_key_condition_multi(x->key, h, ix->nhash, s, ix->nrange, &kc, r->err);
    if (!rc && pg->filter)
        rc =
            expr_filter_check_keys(pg->filter, all, ix->nhash + ix->nrange, filter_name(r), r->err);
    if (rc) return rc;
    ddb_key_range_t range = {.lo = kc.lo,
                             .lo_incl = kc.lo_incl,
                             .hi = kc.hi,
                             .hi_incl = kc.hi_incl,
                             .prefix = kc.prefix,
                             .nhashv = kc.nhash,
                             .neq = kc.neq};
    for (size_t i = 0; i < kc.nhash; i++) {
        range.hashv[i] = kc.hash[i];
        const ddb_value_t *v = start ? ddb_map_get(start, h[i].name, h[i].len) : NULL;
        if (start && (!v || !ddb_value_equal(v, kc.hash[i]))) {
            return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                                 "The provided starting key does not match the range key "
                                 "predicate");
        }
    }
    for (size_t i = 0; i < kc.neq; i++)
        range.eq[i] = kc.eq[i];
    ddb_iter_t *it;
    rc = ddb_iter_query(r->srv->engine, t, ix, &range, start, !forward, &it, r->err);
    if (rc) return rc;
    rc = run_page(r, t, it, pg);
    ddb_iter_destroy(it);
    return rc;
}

int op_query(ddbd_req_t *r) {
    req_exprs_t x;
    page_t pg;
    ddb_table_info_t t;
    ddb_value_t *start;
    bool forward = true, fp;
    int rc = p_bool(r->in, "ScanIndexForward", &forward, &fp, r->err);
    if (!rc) {
        rc = parse_common(r, EXPRS_KEY | EXPRS_FILTER | EXPRS_PROJECTION, &x, &pg, &t, &start);
    }
    if (rc) return rc;
    if (!x.key) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "Either the KeyConditions or KeyConditionExpression parameter must "
                             "be specified in the request.");
    }
    if (pg.index && pg.index->nhash) return query_multi(r, &x, &pg, &t, start, forward);
    expr_key_cond_t kc;
    const ddb_key_schema_t *ks = pg.index ? &pg.index->key : &t.key;
    rc = expr_key_condition(x.key, ks->hash_name, ks->hash_len, ks->hash_type, ks->range_name,
                            ks->range_len, ks->range_type, &kc, r->err);
    if (!rc) rc = check_filter_keys(r, x.filter, ks);
    if (rc) return rc;
    if (start && !start_in_range(ks, &kc, start)) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "The provided starting key does not match the range key predicate");
    }
    ddb_key_range_t range = {.hash = kc.hash,
                             .lo = kc.lo,
                             .lo_incl = kc.lo_incl,
                             .hi = kc.hi,
                             .hi_incl = kc.hi_incl,
                             .prefix = kc.prefix};
    ddb_iter_t *it;
    rc = ddb_iter_query(r->srv->engine, &t, pg.index, &range, start, !forward, &it, r->err);
    if (rc) return rc;
    rc = run_page(r, &t, it, &pg);
    ddb_iter_destroy(it);
    return rc;
}

int op_scan(ddbd_req_t *r) {
    req_exprs_t x;
    page_t pg;
    ddb_table_info_t t;
    ddb_value_t *start;
    int64_t seg = 0, total = 0;
    bool sp, tp;
    int rc = p_int(r->in, "Segment", &seg, &sp, r->err);
    if (!rc) rc = p_int(r->in, "TotalSegments", &total, &tp, r->err);
    if (rc) return rc;
    vlist_t v;
    vlist_init(&v);
    if (sp && seg < 0) vlist_value_min(&v, seg, 0, "segment");
    if (tp && (total < 1 || total > MAX_SEGMENTS)) {
        vlist_range(&v, "totalSegments", tp, total, 1, MAX_SEGMENTS);
    } else if (sp && tp && seg >= total) {
        vlist_value_max(&v, seg, total - 1, "segment");
    }
    rc = vlist_finish(&v, r->err);
    if (rc) return rc;
    if (tp && !sp) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "If total segments is specified, a particular segment must also be "
                             "specified for this request");
    }
    if (sp && !tp) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "If segment is specified, total segment must also be specified");
    }
    rc = parse_common(r, EXPRS_FILTER | EXPRS_PROJECTION, &x, &pg, &t, &start);
    if (rc) return rc;
    ddb_iter_t *it;
    rc = ddb_iter_scan(r->srv->engine, &t, pg.index, start, (uint32_t)seg,
                       (uint32_t)(tp ? total : 1), &it, r->err);
    if (rc) return rc;
    rc = run_page(r, &t, it, &pg);
    ddb_iter_destroy(it);
    return rc;
}
