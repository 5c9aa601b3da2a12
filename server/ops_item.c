/* ops_item.c: single-item operations: PutItem, GetItem, DeleteItem and
 * UpdateItem, with conditions, projections, updates and ReturnValues.
 *
 * Each validates its request completely before touching the engine, then
 * performs one atomic read-check-write (ddb_item_write: the condition is
 * evaluated and the update applied under the engine's writer, so concurrent
 * writers of the same item cannot interleave) or one read, and writes the
 * response JSON. */
#include <string.h>

#include "server/ddbd.h"
#include "server/exprs.h"
#include "server/indexes.h"
#include "server/items.h"
#include "query/json.h"
#include "query/params.h"

/* DynamoDB's item size limit: 400 KB. */
#define MAX_ITEM_BYTES (400 * 1024)

static int parse_return_values(ddbd_req_t *r, item_rv_t *rv) {
    static const char *const names[] = {"NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"};
    const char *s;
    size_t l;
    int rc = p_str(r->in, "ReturnValues", &s, &l, r->err);
    if (rc) return rc;
    *rv = RV_NONE;
    if (!s) return 0;
    for (int i = 0; i < 5; i++) {
        if (strlen(names[i]) == l && memcmp(names[i], s, l) == 0) {
            *rv = (item_rv_t)i;
            return 0;
        }
    }
    return p_error_enum(r->err, s, p_cut(l, 100),
                        "ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW", "returnValues");
}

int item_read_map(ddbd_req_t *r, const cJSON *in, const char *member, const char *where,
                  ddb_value_t *out) {
    const cJSON *j;
    int rc = p_obj(in, member, &j, r->err);
    if (rc) return rc;
    if (!j) return p_error_not_null(r->err, "%s", where);
    return json_to_item(r->arena, j, out, r->err);
}

/* ---- prepared writes ------------------------------------------------------------ */

int item_spec_read(ddbd_req_t *r, const cJSON *in, write_kind_t kind, const char *table,
                   item_spec_t *s) {
    static const unsigned accepted[] = {
        [W_PUT] = EXPRS_CONDITION,
        [W_DELETE] = EXPRS_CONDITION,
        [W_UPDATE] = EXPRS_CONDITION | EXPRS_UPDATE,
        [W_CHECK] = EXPRS_CONDITION,
    };
    memset(s, 0, sizeof *s);
    s->kind = kind;
    req_exprs_t x;
    int rc = kind == W_PUT ? item_read_map(r, in, "Item", "item", &s->item)
                           : item_read_map(r, in, "Key", "key", &s->key);
    if (!rc) rc = exprs_parse(r, in, accepted[kind], &x);
    if (rc) return rc;
    if (kind == W_CHECK && !x.cond) return p_error_not_null(r->err, "conditionExpression");
    s->cond = x.cond;
    s->update = x.update;
    s->old_on_failure = x.old_on_failure;
    /* TableName is read last, where DynamoDB reports its errors */
    if (table) {
        s->table = table;
        s->table_len = strlen(table);
        return 0;
    }
    return p_str(in, "TableName", &s->table, &s->table_len, r->err);
}

int item_prepare(ddbd_req_t *r, const item_spec_t *s, item_write_t *w) {
    memset(w, 0, sizeof *w);
    w->s = *s;
    w->r = r;
    int rc = ddbd_load_table_name(r, s->table, s->table_len, false, &w->table);
    if (rc) return rc;
    if (s->kind == W_PUT) {
        rc = ddbd_item_key(r, &w->table, &s->item, &w->key);
        if (!rc) rc = ddbd_check_index_keys(&w->table, &s->item, r->err);
        if (rc) return rc;
        if (ddb_item_size(&s->item) > MAX_ITEM_BYTES) {
            return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                                 "Item size has exceeded the maximum allowed size");
        }
        return 0;
    }
    w->key = s->key;
    rc = ddbd_check_key(r, &w->table, &w->key);
    if (!rc && s->kind == W_UPDATE && s->update) {
        const ddb_key_schema_t *k = &w->table.key;
        rc = expr_update_check_keys(s->update, k->hash_name, k->hash_len, k->range_name,
                                    k->range_len, r->err);
    }
    return rc;
}

/* Whether v is a key attribute's value of another type than want, or one
 * over the key's size limit (not an empty string: that is refused with the
 * request). */
static bool key_value_wrong(const ddb_value_t *v, ddb_type_t want, size_t max) {
    if (v->type != want) return true;
    if ((want == DDB_T_S || want == DDB_T_B) && v->u.str.len == 0) return false;
    return ddb_value_size(v) > max;
}

bool item_failure_is_reason(const item_write_t *w, const item_spec_t *s) {
    const ddb_table_info_t *t = &w->table;
    const ddb_key_schema_t *k = &t->key;
    if (!t->name || !k->hash_name) return false; /* the table itself failed */
    const ddb_value_t *from = s->kind == W_PUT ? &s->item : &s->key;
    const ddb_value_t *hv = ddb_map_get(from, k->hash_name, k->hash_len);
    const ddb_value_t *rv =
        k->range_type != DDB_T_NONE ? ddb_map_get(from, k->range_name, k->range_len) : NULL;
    if (!hv || (k->range_type != DDB_T_NONE && !rv)) return false; /* a key missing */
    for (int i = 0; i < 2; i++) {
        const ddb_value_t *v = i ? rv : hv;
        if (v && (v->type == DDB_T_S || v->type == DDB_T_B) && v->u.str.len == 0 &&
            v->type == (i ? k->range_type : k->hash_type)) {
            return false; /* an empty key string */
        }
    }
    /* a table key's size limits are an index key's */
    if (key_value_wrong(hv, k->hash_type, DDB_INDEX_HASH_MAX) ||
        (rv && key_value_wrong(rv, k->range_type, DDB_INDEX_RANGE_MAX))) {
        return true;
    }
    if (s->kind == W_PUT) {
        /* an index key attribute of another type */
        for (size_t i = 0; i < t->nindexes; i++) {
            const ddb_index_info_t *ix = &t->indexes[i];
            if (ix->ttl) continue;
            ddb_key_attr_t a[DDB_KEY_ATTRS_MAX];
            for (int range = 0; range < 2; range++) {
                size_t n = ddb_index_attrs(ix, range, a);
                for (size_t j = 0; j < n; j++) {
                    const ddb_value_t *v = ddb_map_get(&s->item, a[j].name, a[j].len);
                    if (v && v->type != a[j].type) return true;
                }
            }
        }
    }
    if (s->kind == W_UPDATE && s->update) {
        ddb_error_t scratch;
        return expr_update_check_keys(s->update, k->hash_name, k->hash_len, k->range_name,
                                      k->range_len, &scratch) != 0;
    }
    return false;
}

/* Reads and prepares the write of a single-item request (r->in). */
static int prepare_request(ddbd_req_t *r, write_kind_t kind, item_rv_t rv, item_write_t *w) {
    item_spec_t s;
    int rc = item_spec_read(r, r->in, kind, NULL, &s);
    if (rc) return rc;
    s.return_values = rv;
    return item_prepare(r, &s, w);
}

/* Builds the item an update starts from when none exists: just its key. */
static const ddb_value_t *key_only_item(ddb_arena_t *a, const ddb_value_t *key) {
    ddb_value_t *v = ddb_arena_alloc(a, sizeof *v);
    ddb_value_clone(a, key, v);
    return v;
}

int item_mutate(void *ctx, const ddb_value_t *old, const ddb_value_t **new_item, ddb_error_t *err) {
    item_write_t *w = ctx;
    w->old = old;
    if (w->s.cond && !expr_eval(w->s.cond, old)) {
        return ddb_error_set(err, DDB_ERR_CONDITIONAL_CHECK, "The conditional request failed");
    }
    switch (w->s.kind) {
    case W_CHECK:
        *new_item = w->result = old;
        return 0;
    case W_PUT:
        *new_item = w->result = &w->s.item;
        return 0;
    case W_DELETE:
        *new_item = w->result = old ? NULL : old;
        return 0;
    case W_UPDATE:
        break;
    }
    const ddb_value_t *base = old ? old : key_only_item(w->r->arena, &w->key);
    ddb_value_t *next = ddb_arena_alloc(w->r->arena, sizeof *next);
    if (w->s.update) {
        int rc = expr_apply_update(w->r->arena, w->s.update, base, next, err);
        if (rc) return rc;
    } else {
        *next = *base;
    }
    if (ddb_item_size(next) > MAX_ITEM_BYTES) {
        return ddb_error_set(err, DDB_ERR_VALIDATION,
                             "Item size to update has exceeded the maximum allowed size");
    }
    /* actions that leave a missing item with nothing but its key (REMOVE,
     * DELETE from a set it lacks) create nothing, and so write no stream
     * record, as in DynamoDB; an update without actions creates the key-only
     * item. DynamoDB Local creates it in both cases. */
    if (!old && w->s.update && w->s.update->n && next->u.map.n == w->key.u.map.n) {
        *new_item = w->result = NULL;
        return 0;
    }
    int rc = ddbd_check_index_keys(&w->table, next, err);
    if (rc) return rc;
    *new_item = w->result = next;
    return 0;
}

/* Runs one write; on a failed condition adds "Item" to the error when asked. */
static int run_write(ddbd_req_t *r, item_write_t *w) {
    int rc = ddb_item_write(r->srv->engine, &w->table, &w->key, item_mutate, w, r->arena, r->err);
    if (rc == DDB_ERR_CONDITIONAL_CHECK && w->s.old_on_failure && w->old) {
        buf_puts(r->err_extra, "\"Item\":");
        json_put_item(r->err_extra, w->old);
    }
    return rc;
}

/* Drops the comma that opens the first member written at b[mark] (the
 * members are written each with its leading comma): compact JSON, as
 * DynamoDB's, has no space there either. */
static void drop_first_comma(buf_t *b, size_t mark) {
    if (b->len <= mark) return;
    memmove(b->data + mark, b->data + mark + 1, b->len - mark - 1);
    b->len--;
}

/* Writes {"Attributes":...,"ConsumedCapacity":...} with the members that
 * apply: the write's capacity, its index writes' when asked for. */
static void put_write_response(ddbd_req_t *r, const item_write_t *w, const ddb_value_t *attrs,
                               int rcc) {
    ddbd_capacity_t cap = {0};
    ddbd_cap_write(r, &w->table, w->old, w->result, 1, rcc != 0, &cap);
    buf_putc(r->out, '{');
    size_t mark = r->out->len;
    if (attrs && attrs->u.map.n) {
        buf_puts(r->out, ",\"Attributes\":");
        json_put_item(r->out, attrs);
    }
    ddbd_put_consumed(r, &w->table, rcc, &cap);
    drop_first_comma(r->out, mark);
    buf_putc(r->out, '}');
}

/* ReturnValues and ReturnConsumedCapacity of the single-item writes. */
static int parse_returns(ddbd_req_t *r, bool all_values, item_rv_t *rv, int *rcc) {
    int rc = parse_return_values(r, rv);
    if (!rc) rc = ddbd_parse_rcc(r, rcc);
    if (rc) return rc;
    if (!all_values && *rv != RV_NONE && *rv != RV_ALL_OLD) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "ReturnValues can only be ALL_OLD or NONE");
    }
    return 0;
}

int op_put_item(ddbd_req_t *r) {
    item_rv_t rv;
    int rcc;
    item_write_t w;
    int rc = parse_returns(r, false, &rv, &rcc);
    if (!rc) rc = prepare_request(r, W_PUT, rv, &w);
    if (!rc) rc = run_write(r, &w);
    if (rc) return rc;
    put_write_response(r, &w, w.s.return_values == RV_ALL_OLD ? w.old : NULL, rcc);
    return 0;
}

int op_delete_item(ddbd_req_t *r) {
    item_rv_t rv;
    int rcc;
    item_write_t w;
    int rc = parse_returns(r, false, &rv, &rcc);
    if (!rc) rc = prepare_request(r, W_DELETE, rv, &w);
    if (!rc) rc = run_write(r, &w);
    if (rc) return rc;
    put_write_response(r, &w, w.s.return_values == RV_ALL_OLD ? w.old : NULL, rcc);
    return 0;
}

/* The attributes UpdateItem returns for ReturnValues. */
static const ddb_value_t *update_return(ddbd_req_t *r, const item_write_t *w) {
    item_rv_t rv = w->s.return_values;
    const ddb_value_t *src = rv == RV_ALL_OLD || rv == RV_UPDATED_OLD ? w->old : w->result;
    if (!src || rv == RV_NONE) return NULL;
    if (rv == RV_ALL_OLD || rv == RV_ALL_NEW) return src;
    if (!w->s.update) return NULL;
    expr_projection_t paths;
    expr_update_paths(r->arena, w->s.update, &paths);
    ddb_value_t *out = ddb_arena_alloc(r->arena, sizeof *out);
    expr_project(r->arena, &paths, src, out);
    return out;
}

int op_update_item(ddbd_req_t *r) {
    item_rv_t rv;
    int rcc;
    item_write_t w;
    int rc = parse_returns(r, true, &rv, &rcc);
    if (!rc) rc = prepare_request(r, W_UPDATE, rv, &w);
    if (!rc) rc = run_write(r, &w);
    if (rc) return rc;
    put_write_response(r, &w, update_return(r, &w), rcc);
    return 0;
}

int op_get_item(ddbd_req_t *r) {
    ddb_value_t key;
    int rcc;
    bool consistent = false, cp;
    req_exprs_t x;
    int rc = item_read_map(r, r->in, "Key", "key", &key);
    if (!rc) rc = ddbd_parse_rcc(r, &rcc);
    if (!rc) rc = p_bool(r->in, "ConsistentRead", &consistent, &cp, r->err);
    if (!rc) rc = exprs_parse(r, r->in, EXPRS_PROJECTION, &x);
    if (rc) return rc;
    ddb_table_info_t t;
    rc = ddbd_load_table(r, false, &t);
    if (!rc) rc = ddbd_check_key(r, &t, &key);
    if (rc) return rc;
    const ddb_value_t *item;
    rc = ddb_item_get(r->srv->engine, &t, &key, r->arena, &item, r->err);
    if (rc) return rc;
    ddbd_capacity_t cap = {0}; /* a missing item costs what a small one does */
    ddbd_cap_read(&cap, &t, NULL, ddbd_read_units(item ? ddb_item_size(item) : 0, consistent));
    buf_putc(r->out, '{');
    size_t mark = r->out->len;
    if (item) {
        buf_puts(r->out, ",\"Item\":");
        json_put_projected(r->out, r->arena, x.proj, item);
    }
    ddbd_put_consumed(r, &t, rcc, &cap);
    drop_first_comma(r->out, mark);
    buf_putc(r->out, '}');
    return 0;
}
