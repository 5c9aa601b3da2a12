/* partiql_plan.c: a parsed PartiQL statement to the DynamoDB request it
 * stands for (query/partiql.h): the helpers every plan shares, SELECT's
 * access path as DynamoDB chooses it (GetItem, a Query per partition-key
 * value, Scan) and the entry points; the writes are partiql_write.c's.
 * Builds JSON only; executing a plan is the caller's. Pure. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "query/partiql_internal.h"

static size_t count_and(const pq_node_t *n) {
    size_t k = 1;
    while (n->kind == PQ_N_AND) {
        k += 1;
        n = n->kids[0];
    }
    return k;
}

/* Flattens the left-deep AND chain the parser builds (iteratively: a long
 * chain must not recurse). */
void pq__split_and(planner_t *p, const pq_node_t *where) {
    conj_t *w = &p->w;
    w->n = where ? count_and(where) : 0;
    w->v = ddb_arena_alloc(p->c.a, (w->n ? w->n : 1) * sizeof *w->v);
    w->used = ddb_arena_alloc(p->c.a, (w->n ? w->n : 1) * sizeof *w->used);
    size_t i = w->n;
    const pq_node_t *n = where;
    while (i > 1) {
        w->v[--i] = n->kids[1];
        n = n->kids[0];
    }
    if (i) w->v[0] = n;
}

int pq__fail(planner_t *p, const char *msg) {
    return ddb_error_set(p->c.err, DDB_ERR_VALIDATION, "%s", msg);
}

/* `name = literal` in either order: the literal, else NULL. */
const pq_node_t *pq__eq_on(const pq_node_t *n, const char *name) {
    if (!name || n->kind != PQ_N_CMP || n->op != PQ_EQ) return NULL;
    if (pq__is_attr(n->kids[0], name) && pq__is_literal(n->kids[1])) return n->kids[1];
    if (pq__is_attr(n->kids[1], name) && pq__is_literal(n->kids[0])) return n->kids[0];
    return NULL;
}

/* Collects the values of `h = a OR h = b ...` into vals; false if another
 * condition is in the OR. */
static bool or_of_eqs(planner_t *p, const pq_node_t *n, const char *h, const pq_node_t ***vals,
                      size_t *nv) {
    if (n->kind == PQ_N_OR)
        return or_of_eqs(p, n->kids[0], h, vals, nv) && or_of_eqs(p, n->kids[1], h, vals, nv);
    const pq_node_t *v = pq__eq_on(n, h);
    if (!v) return false;
    const pq_node_t **x = ddb_arena_alloc(p->c.a, (*nv + 1) * sizeof *x);
    if (*nv) memcpy(x, *vals, *nv * sizeof *x);
    x[(*nv)++] = v;
    *vals = x;
    return true;
}

/* The partition key's values: from `h = v`, `h IN [..]` or an OR of `h = v`
 * (*from_or: the last, whose repeated values are one Query). */
static bool find_hash(planner_t *p, const pq_node_t ***vals, size_t *nv, bool *from_or) {
    const char *h = p->keys->hash;
    for (size_t i = 0; i < p->w.n; i++) {
        const pq_node_t *n = p->w.v[i], *v = pq__eq_on(n, h);
        *nv = 0;
        if (v) {
            *vals = ddb_arena_alloc(p->c.a, sizeof **vals);
            (*vals)[0] = v;
            *nv = 1;
        } else if (n->kind == PQ_N_IN && pq__is_attr(n->kids[0], h) &&
                   n->kids[1]->kind == PQ_N_LIST && n->kids[1]->nkids > 0) {
            *vals = (const pq_node_t **)n->kids[1]->kids;
            *nv = n->kids[1]->nkids;
            for (size_t k = 0; k < *nv; k++)
                if (!pq__is_literal((*vals)[k])) *nv = 0;
        } else if (n->kind == PQ_N_OR) {
            *from_or = true;
            if (!or_of_eqs(p, n, h, vals, nv)) *nv = 0;
        }
        if (*nv) {
            p->w.used[i] = true;
            return true;
        }
    }
    return false;
}

/* A sort-key condition DynamoDB can use: comparisons (not <>), BETWEEN,
 * begins_with, on the range attribute with literal operands. */
static const pq_node_t *find_range(planner_t *p) {
    const char *r = p->keys->range;
    if (!r) return NULL;
    for (size_t i = 0; i < p->w.n; i++) {
        const pq_node_t *n = p->w.v[i];
        bool ok = false;
        if (n->kind == PQ_N_CMP && n->op != PQ_NE)
            ok = (pq__is_attr(n->kids[0], r) && pq__is_literal(n->kids[1])) ||
                 (pq__is_attr(n->kids[1], r) && pq__is_literal(n->kids[0]));
        else if (n->kind == PQ_N_BETWEEN)
            ok = pq__is_attr(n->kids[0], r) && pq__is_literal(n->kids[1]) &&
                 pq__is_literal(n->kids[2]);
        else if (n->kind == PQ_N_CALL && n->len == 11 &&
                 strncasecmp(n->text, "begins_with", 11) == 0)
            ok = n->nkids == 2 && pq__is_attr(n->kids[0], r) && pq__is_literal(n->kids[1]);
        if (ok) {
            p->w.used[i] = true;
            return n;
        }
    }
    return NULL;
}

/* The value of key literal v, checked against the schema's type. */
int pq__key_value(planner_t *p, const pq_node_t *v, const char *name, ddb_type_t type,
                  ddb_value_t *out) {
    int rc = pq__value(&p->c, v, out);
    if (rc) return rc;
    if (out->type != type)
        return ddb_error_set(p->c.err, DDB_ERR_VALIDATION,
                             "Key attribute's data type should match its data type in table's "
                             "schema: Key %s",
                             name);
    return 0;
}

/* Checks the literal operands of a sort-key condition against its type. */
static int check_range(planner_t *p, const pq_node_t *n) {
    ddb_value_t v;
    for (size_t i = 0; i < n->nkids; i++) {
        if (!pq__is_literal(n->kids[i])) continue;
        int rc = pq__key_value(p, n->kids[i], p->keys->range, p->keys->range_type, &v);
        if (rc) return rc;
    }
    return 0;
}

/* The unused conjuncts, ANDed, as a condition expression into b. */
int pq__emit_rest(planner_t *p, buf_t *b, bool *any) {
    for (size_t i = 0; i < p->w.n; i++) {
        if (p->w.used[i]) continue;
        const pq_node_t *n = p->w.v[i];
        if (b->len) buf_puts(b, " AND ");
        bool paren = n->kind == PQ_N_OR;
        if (paren) buf_putc(b, '(');
        int rc = pq__emit_cond(&p->c, b, n);
        if (rc) return rc;
        if (paren) buf_putc(b, ')');
        *any = true;
    }
    return 0;
}

void pq__add_str(cJSON *o, const char *k, buf_t *b) {
    cJSON_AddItemToObject(o, k, cJSON_CreateString(buf_cstr(b)));
}

/* Resets the placeholder maps for a new request. */
void pq__new_request(planner_t *p) {
    p->c.names = cJSON_CreateObject();
    p->c.values = cJSON_CreateObject();
    p->c.nnames = p->c.nvalues = 0;
}

/* Moves the placeholder maps into request r (when not empty). */
void pq__finish_request(planner_t *p, cJSON *r) {
    if (p->c.names->child)
        cJSON_AddItemToObject(r, "ExpressionAttributeNames", p->c.names);
    else
        cJSON_Delete(p->c.names);
    if (p->c.values->child)
        cJSON_AddItemToObject(r, "ExpressionAttributeValues", p->c.values);
    else
        cJSON_Delete(p->c.values);
    p->c.names = p->c.values = NULL;
}

void pq__drop_request(planner_t *p, cJSON *r) {
    cJSON_Delete(p->c.names);
    cJSON_Delete(p->c.values);
    p->c.names = p->c.values = NULL;
    cJSON_Delete(r);
}

cJSON *pq__table_request(planner_t *p, bool index) {
    const pq_stmt_t *st = p->st;
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "TableName", ddb_arena_strndup(p->c.a, st->table, st->table_len));
    if (index && st->index)
        cJSON_AddStringToObject(r, "IndexName",
                                ddb_arena_strndup(p->c.a, st->index, st->index_len));
    return r;
}

/* The placeholder of a top-level attribute into b. */
void pq__emit_attr(planner_t *p, buf_t *b, const char *name) {
    pq_elem_t e = {name, strlen(name), -1};
    pq_node_t n = {.kind = PQ_N_PATH, .elems = &e, .nelems = 1};
    pq__emit_path(&p->c, b, &n);
}

void pq__add_json_value(cJSON *o, const char *name, const ddb_value_t *v) {
    cJSON_AddItemToObject(o, name, pq__value_json(v));
}

/* The projection of a SELECT into r (none for *). */
static void add_projection(planner_t *p, cJSON *r) {
    if (p->st->star) return;
    buf_t b;
    buf_init(&b);
    for (size_t i = 0; i < p->st->nproj; i++) {
        if (i) buf_puts(&b, ", ");
        pq__emit_path(&p->c, &b, p->st->proj[i]);
    }
    pq__add_str(r, "ProjectionExpression", &b);
    buf_free(&b);
}

/* ORDER BY: only on the key attributes of a Query; DESC on the sort key
 * reverses it. */
static int check_order(planner_t *p, bool query, bool *forward) {
    const pq_stmt_t *st = p->st;
    *forward = true;
    if (st->norder == 0) return 0;
    if (!st->where)
        return pq__fail(p, "Must have WHERE clause in the statement when using ORDER BY clause.");
    for (size_t i = 0; i < st->norder; i++) {
        const pq_node_t *o = st->order[i];
        bool hash = pq__is_attr(o, p->keys->hash);
        bool range = p->keys->range && pq__is_attr(o, p->keys->range);
        if (!hash && !range) {
            char msg[400];
            snprintf(msg, sizeof msg,
                     "Variable reference %.*s in ORDER BY clause must be part of the primary key",
                     (int)(o->elems[0].len > 255 ? 255 : o->elems[0].len), o->elems[0].name);
            return pq__fail(p, msg);
        }
        if (range) *forward = !st->order_desc[i];
    }
    if (!query)
        return pq__fail(p, "Must have at least one non-optional hash key condition in WHERE clause "
                           "when using ORDER BY clause.");
    return 0;
}

/* A comparison with its path on the left (`1 < sk` is `sk > 1`): key
 * conditions name the key first. */
static const pq_node_t *path_first(planner_t *p, const pq_node_t *n) {
    static const pq_cmp_t flip[] = {PQ_EQ, PQ_NE, PQ_GT, PQ_GE, PQ_LT, PQ_LE};
    if (n->kind != PQ_N_CMP || n->kids[0]->kind == PQ_N_PATH) return n;
    pq_node_t *f = ddb_arena_alloc(p->c.a, sizeof *f);
    *f = *n;
    f->kids = ddb_arena_alloc(p->c.a, 2 * sizeof *f->kids);
    f->kids[0] = n->kids[1];
    f->kids[1] = n->kids[0];
    f->op = flip[n->op];
    return f;
}

/* One Query (or GetItem when full is set) for partition-key value hv. */
static int read_request(planner_t *p, pq_op_t op, const pq_node_t *hv, const pq_node_t *rc_node,
                        bool forward, cJSON **out) {
    const pq_keys_t *k = p->keys;
    cJSON *r = pq__table_request(p, op != PQ_OP_GET_ITEM);
    pq__new_request(p);
    ddb_value_t hval;
    int rc = pq__key_value(p, hv, k->hash, k->hash_type, &hval);
    buf_t kc, f;
    buf_init(&kc);
    buf_init(&f);
    bool any = false;
    if (!rc && op == PQ_OP_GET_ITEM) {
        cJSON *key = cJSON_AddObjectToObject(r, "Key");
        pq__add_json_value(key, k->hash, &hval);
        if (rc_node) {
            ddb_value_t rv;
            rc = pq__key_value(p, pq__eq_on(rc_node, k->range), k->range, k->range_type, &rv);
            if (!rc) pq__add_json_value(key, k->range, &rv);
        }
    } else if (!rc && op == PQ_OP_QUERY) {
        pq__emit_attr(p, &kc, k->hash);
        buf_puts(&kc, " = ");
        rc = pq__emit_value(&p->c, &kc, hv);
        if (!rc && rc_node) {
            rc = check_range(p, rc_node);
            buf_puts(&kc, " AND ");
            if (!rc) rc = pq__emit_cond(&p->c, &kc, path_first(p, rc_node));
        }
        if (!rc) rc = pq__emit_rest(p, &f, &any);
        if (!rc) pq__add_str(r, "KeyConditionExpression", &kc);
        if (!rc && any) pq__add_str(r, "FilterExpression", &f);
    }
    if (!rc) add_projection(p, r);
    buf_free(&kc);
    buf_free(&f);
    if (rc) {
        pq__drop_request(p, r);
        return rc;
    }
    pq__finish_request(p, r);
    if (op == PQ_OP_QUERY && !forward) cJSON_AddBoolToObject(r, "ScanIndexForward", false);
    *out = r;
    return 0;
}

static int plan_scan(planner_t *p, pq_plan_t *plan) {
    cJSON *r = pq__table_request(p, true);
    pq__new_request(p);
    buf_t f;
    buf_init(&f);
    int rc = 0;
    if (p->st->where) rc = pq__emit_cond(&p->c, &f, p->st->where);
    if (!rc && p->st->where) pq__add_str(r, "FilterExpression", &f);
    buf_free(&f);
    if (rc) {
        pq__drop_request(p, r);
        return rc;
    }
    add_projection(p, r);
    pq__finish_request(p, r);
    plan->op = PQ_OP_SCAN;
    plan->req = ddb_arena_alloc(p->c.a, sizeof *plan->req);
    plan->req[0] = r;
    plan->nreq = 1;
    return 0;
}

/* Drops repeated values from vals (an OR names an item once; DynamoDB
 * Local answers IN ['a', 'a'] twice, and so does the plan). */
static size_t distinct(planner_t *p, const pq_node_t **vals, size_t n) {
    ddb_value_t *v = ddb_arena_alloc(p->c.a, n * sizeof *v);
    ddb_error_t ignore;
    ddb_error_t *keep = p->c.err;
    p->c.err = &ignore; /* a bad value is reported when its Query is built */
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        bool dup = false;
        if (pq__value(&p->c, vals[i], &v[k]) == 0)
            for (size_t j = 0; j < k && !dup; j++)
                dup = ddb_value_equal(&v[j], &v[k]);
        else
            v[k].type = DDB_T_NONE;
        if (!dup) vals[k++] = vals[i];
    }
    p->c.err = keep;
    return k;
}

static int plan_select(planner_t *p, const pq_schema_t *schema, pq_plan_t *plan) {
    const pq_stmt_t *st = p->st;
    p->keys = &schema->keys;
    if (st->index) {
        p->keys = NULL;
        for (size_t i = 0; i < schema->nindexes; i++)
            if (strlen(schema->indexes[i].name) == st->index_len &&
                memcmp(schema->indexes[i].name, st->index, st->index_len) == 0)
                p->keys = &schema->indexes[i].keys;
        if (!p->keys)
            return ddb_error_set(p->c.err, DDB_ERR_VALIDATION,
                                 "The table does not have the specified index: %.*s",
                                 (int)st->index_len, st->index);
    }
    pq__split_and(p, st->where);
    const pq_node_t **hv = NULL;
    size_t nh = 0;
    bool from_or = false;
    bool query = find_hash(p, &hv, &nh, &from_or);
    if (query && from_or) nh = distinct(p, hv, nh);
    const pq_node_t *range = query ? find_range(p) : NULL;
    bool forward;
    int rc = check_order(p, query, &forward);
    if (rc) return rc;
    if (!query) return plan_scan(p, plan);
    bool rest = false;
    for (size_t i = 0; i < p->w.n; i++)
        rest |= !p->w.used[i];
    bool full = !p->keys->range || (range && pq__eq_on(range, p->keys->range));
    plan->op = !st->index && nh == 1 && full && !rest ? PQ_OP_GET_ITEM : PQ_OP_QUERY;
    plan->req = ddb_arena_alloc(p->c.a, nh * sizeof *plan->req);
    for (size_t i = 0; i < nh; i++) {
        rc = read_request(p, plan->op, hv[i], range, forward, &plan->req[i]);
        if (rc) return rc;
        plan->nreq++;
    }
    return 0;
}

int pq_plan(const pq_stmt_t *stmt, const pq_schema_t *schema, const ddb_value_t *params,
            size_t nparams, ddb_arena_t *a, pq_plan_t **out, ddb_error_t *err) {
    /* DynamoDB Local refuses a count that differs from the statement's ?s
     * only when the statement has some (extra parameters to a statement
     * without any are ignored) */
    if (stmt->nparams && stmt->nparams != nparams)
        return ddb_error_set(err, DDB_ERR_VALIDATION,
                             "Number of parameters in request and statement don't match.");
    planner_t p = {{stmt->text, stmt->text_len, params, nparams, a, err, NULL, NULL, 0, 0},
                   stmt,
                   NULL,
                   {NULL, NULL, 0}};
    pq_plan_t *plan = ddb_arena_alloc(a, sizeof *plan);
    int rc;
    switch (stmt->kind) {
    case PQ_SELECT:
        rc = plan_select(&p, schema, plan);
        break;
    case PQ_INSERT:
        rc = pq__plan_insert(&p, schema, plan);
        break;
    default:
        rc = pq__plan_keyed(&p, schema, plan);
        break;
    }
    for (size_t i = 0; !rc && i < plan->nreq; i++)
        rc = pq__check_request(&p.c, plan->req[i]);
    if (rc) {
        pq_plan_free(plan);
        return rc;
    }
    *out = plan;
    return 0;
}

const char *pq_op_name(pq_op_t op) {
    static const char *const names[] = {"GetItem",    "Query",      "Scan",          "PutItem",
                                        "UpdateItem", "DeleteItem", "ConditionCheck"};
    return op <= PQ_OP_CONDITION_CHECK ? names[op] : "";
}

char *pq_plan_json(const pq_plan_t *plan) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "Operation", pq_op_name(plan->op));
    if (plan->nreq == 1) {
        cJSON_AddItemReferenceToObject(o, "Request", plan->req[0]);
    } else {
        cJSON *l = cJSON_AddArrayToObject(o, "Requests");
        for (size_t i = 0; i < plan->nreq; i++)
            cJSON_AddItemReferenceToArray(l, plan->req[i]);
    }
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

void pq_plan_free(pq_plan_t *plan) {
    if (!plan) return;
    for (size_t i = 0; i < plan->nreq; i++)
        cJSON_Delete(plan->req[i]);
    plan->nreq = 0;
}
