/* partiql_plan.c: a parsed PartiQL statement to the DynamoDB request it
 * stands for (query/partiql.h): the access path DynamoDB chooses (GetItem,
 * Query per partition-key value, Scan), writes keyed by the full primary key
 * with the rest of WHERE as a condition, and DynamoDB's refusals. Builds
 * JSON only; executing a plan is the caller's. Pure. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "query/partiql_internal.h"

/* The WHERE clause of one statement split at its top-level ANDs. */
typedef struct conj {
    const pq_node_t **v; /* the conjuncts, in statement order */
    bool *used;          /* taken as a key condition */
    size_t n;            /* number of conjuncts */
} conj_t;

/* Planning one statement: the shared context and the statement. */
typedef struct planner {
    pq_ctx_t c;
    const pq_stmt_t *st;
    const pq_keys_t *keys; /* the table's or the index's key schema */
    conj_t w;
} planner_t;

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
static void split_and(planner_t *p, const pq_node_t *where) {
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

static int fail(planner_t *p, const char *msg) {
    return ddb_error_set(p->c.err, DDB_ERR_VALIDATION, "%s", msg);
}

/* `name = literal` in either order: the literal, else NULL. */
static const pq_node_t *eq_on(const pq_node_t *n, const char *name) {
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
    const pq_node_t *v = eq_on(n, h);
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
        const pq_node_t *n = p->w.v[i], *v = eq_on(n, h);
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
static int key_value(planner_t *p, const pq_node_t *v, const char *name, ddb_type_t type,
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
        int rc = key_value(p, n->kids[i], p->keys->range, p->keys->range_type, &v);
        if (rc) return rc;
    }
    return 0;
}

/* The unused conjuncts, ANDed, as a condition expression into b. */
static int emit_rest(planner_t *p, buf_t *b, bool *any) {
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

static void add_str(cJSON *o, const char *k, buf_t *b) {
    cJSON_AddItemToObject(o, k, cJSON_CreateString(buf_cstr(b)));
}

/* Resets the placeholder maps for a new request. */
static void new_request(planner_t *p) {
    p->c.names = cJSON_CreateObject();
    p->c.values = cJSON_CreateObject();
    p->c.nnames = p->c.nvalues = 0;
}

/* Moves the placeholder maps into request r (when not empty). */
static void finish_request(planner_t *p, cJSON *r) {
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

static void drop_request(planner_t *p, cJSON *r) {
    cJSON_Delete(p->c.names);
    cJSON_Delete(p->c.values);
    p->c.names = p->c.values = NULL;
    cJSON_Delete(r);
}

static cJSON *table_request(planner_t *p, bool index) {
    const pq_stmt_t *st = p->st;
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "TableName", ddb_arena_strndup(p->c.a, st->table, st->table_len));
    if (index && st->index)
        cJSON_AddStringToObject(r, "IndexName",
                                ddb_arena_strndup(p->c.a, st->index, st->index_len));
    return r;
}

/* The placeholder of a top-level attribute into b. */
static void emit_attr(planner_t *p, buf_t *b, const char *name) {
    pq_elem_t e = {name, strlen(name), -1};
    pq_node_t n = {.kind = PQ_N_PATH, .elems = &e, .nelems = 1};
    pq__emit_path(&p->c, b, &n);
}

static void add_json_value(cJSON *o, const char *name, const ddb_value_t *v) {
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
    add_str(r, "ProjectionExpression", &b);
    buf_free(&b);
}

/* ORDER BY: only on the key attributes of a Query; DESC on the sort key
 * reverses it. */
static int check_order(planner_t *p, bool query, bool *forward) {
    const pq_stmt_t *st = p->st;
    *forward = true;
    if (st->norder == 0) return 0;
    if (!st->where)
        return fail(p, "Must have WHERE clause in the statement when using ORDER BY clause.");
    for (size_t i = 0; i < st->norder; i++) {
        const pq_node_t *o = st->order[i];
        bool hash = pq__is_attr(o, p->keys->hash);
        bool range = p->keys->range && pq__is_attr(o, p->keys->range);
        if (!hash && !range) {
            char msg[400];
            snprintf(msg, sizeof msg,
                     "Variable reference %.*s in ORDER BY clause must be part of the primary key",
                     (int)(o->elems[0].len > 255 ? 255 : o->elems[0].len), o->elems[0].name);
            return fail(p, msg);
        }
        if (range) *forward = !st->order_desc[i];
    }
    if (!query)
        return fail(p, "Must have at least one non-optional hash key condition in WHERE clause "
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
    cJSON *r = table_request(p, op != PQ_OP_GET_ITEM);
    new_request(p);
    ddb_value_t hval;
    int rc = key_value(p, hv, k->hash, k->hash_type, &hval);
    buf_t kc, f;
    buf_init(&kc);
    buf_init(&f);
    bool any = false;
    if (!rc && op == PQ_OP_GET_ITEM) {
        cJSON *key = cJSON_AddObjectToObject(r, "Key");
        add_json_value(key, k->hash, &hval);
        if (rc_node) {
            ddb_value_t rv;
            rc = key_value(p, eq_on(rc_node, k->range), k->range, k->range_type, &rv);
            if (!rc) add_json_value(key, k->range, &rv);
        }
    } else if (!rc && op == PQ_OP_QUERY) {
        emit_attr(p, &kc, k->hash);
        buf_puts(&kc, " = ");
        rc = pq__emit_value(&p->c, &kc, hv);
        if (!rc && rc_node) {
            rc = check_range(p, rc_node);
            buf_puts(&kc, " AND ");
            if (!rc) rc = pq__emit_cond(&p->c, &kc, path_first(p, rc_node));
        }
        if (!rc) rc = emit_rest(p, &f, &any);
        if (!rc) add_str(r, "KeyConditionExpression", &kc);
        if (!rc && any) add_str(r, "FilterExpression", &f);
    }
    if (!rc) add_projection(p, r);
    buf_free(&kc);
    buf_free(&f);
    if (rc) {
        drop_request(p, r);
        return rc;
    }
    finish_request(p, r);
    if (op == PQ_OP_QUERY && !forward) cJSON_AddBoolToObject(r, "ScanIndexForward", false);
    *out = r;
    return 0;
}

static int plan_scan(planner_t *p, pq_plan_t *plan) {
    cJSON *r = table_request(p, true);
    new_request(p);
    buf_t f;
    buf_init(&f);
    int rc = 0;
    if (p->st->where) rc = pq__emit_cond(&p->c, &f, p->st->where);
    if (!rc && p->st->where) add_str(r, "FilterExpression", &f);
    buf_free(&f);
    if (rc) {
        drop_request(p, r);
        return rc;
    }
    add_projection(p, r);
    finish_request(p, r);
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
    split_and(p, st->where);
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
    bool full = !p->keys->range || (range && eq_on(range, p->keys->range));
    plan->op = !st->index && nh == 1 && full && !rest ? PQ_OP_GET_ITEM : PQ_OP_QUERY;
    plan->req = ddb_arena_alloc(p->c.a, nh * sizeof *plan->req);
    for (size_t i = 0; i < nh; i++) {
        rc = read_request(p, plan->op, hv[i], range, forward, &plan->req[i]);
        if (rc) return rc;
        plan->nreq++;
    }
    return 0;
}

/* The full primary key of a write from `key = literal` conjuncts into key
 * (a JSON object); each key attribute exactly once. */
static int write_key(planner_t *p, cJSON *key) {
    const char *names[2] = {p->keys->hash, p->keys->range};
    ddb_type_t types[2] = {p->keys->hash_type, p->keys->range_type};
    for (int k = 0; k < 2 && names[k]; k++) {
        const pq_node_t *v = NULL;
        for (size_t i = 0; i < p->w.n; i++) {
            const pq_node_t *x = eq_on(p->w.v[i], names[k]);
            if (!x) continue;
            if (v)
                return ddb_error_set(p->c.err, DDB_ERR_VALIDATION,
                                     "Multiple conditions on same key %s. Only single item "
                                     "Update/Insert/Delete are supported",
                                     names[k]);
            v = x;
            p->w.used[i] = true;
        }
        if (!v)
            return fail(p, "Where clause does not contain a mandatory equality on all key "
                           "attributes");
        ddb_value_t val;
        int rc = key_value(p, v, names[k], types[k], &val);
        if (rc) return rc;
        add_json_value(key, names[k], &val);
    }
    return 0;
}

static bool same_path(const pq_node_t *a, const pq_node_t *b) {
    if (a->kind != PQ_N_PATH || b->kind != PQ_N_PATH || a->nelems != b->nelems) return false;
    for (size_t i = 0; i < a->nelems; i++) {
        const pq_elem_t *x = &a->elems[i], *y = &b->elems[i];
        if (x->index != y->index || x->len != y->len) return false;
        if (x->len && memcmp(x->name, y->name, x->len) != 0) return false;
    }
    return true;
}

static int at(planner_t *p, const pq_node_t *n, const char *fmt, const char *arg) {
    char where[48], msg[128];
    pq__at(p->c.text, n->pos, pq__node_toklen(p->c.text, p->c.text_len, n), where);
    snprintf(msg, sizeof msg, fmt, arg);
    return ddb_error_set(p->c.err, DDB_ERR_VALIDATION, "%s at %s", msg, where);
}

static bool is_fn(const pq_node_t *n, const char *name) {
    return n->kind == PQ_N_CALL && n->len == strlen(name) &&
           strncasecmp(n->text, name, n->len) == 0;
}

/* set_add(path, <<...>>) / set_delete(...) as ADD / DELETE path :v into b. */
static int emit_set_fn(planner_t *p, buf_t *b, const pq_action_t *act, const char *upper) {
    const pq_node_t *f = act->value;
    if (f->nkids != 2) return at(p, f, "%s must have exactly two arguments", upper);
    if (!same_path(f->kids[0], act->path))
        return at(p, f, "The first argument to %s must equal the assignment value", upper);
    if (f->kids[1]->kind == PQ_N_SET && f->kids[1]->nkids == 0) /* AWS: no position here */
        return fail(p, "Empty bags are not supported");
    ddb_value_t v;
    int rc = pq__value(&p->c, f->kids[1], &v);
    if (rc) return rc;
    if (!ddb_type_is_set(v.type))
        return at(p, f->kids[0], "The second argument to %s must be a value with type SET", upper);
    if (b->len) buf_puts(b, ", ");
    pq__emit_path(&p->c, b, act->path);
    buf_putc(b, ' ');
    return pq__emit_value(&p->c, b, f->kids[1]);
}

/* An operand of SET's value: a path, a literal, or if_not_exists(path, v). */
static int emit_set_operand(planner_t *p, buf_t *b, const pq_node_t *n) {
    if (n->kind == PQ_N_PATH) {
        pq__emit_path(&p->c, b, n);
        return 0;
    }
    if (pq__is_literal(n)) return pq__emit_value(&p->c, b, n);
    if (is_fn(n, "if_not_exists") || is_fn(n, "list_append")) {
        bool ine = is_fn(n, "if_not_exists");
        if (n->nkids != 2)
            return ddb_error_set(p->c.err, DDB_ERR_VALIDATION,
                                 "Incorrect number of operands for operator or function; operator "
                                 "or function: %s, number of operands: %zu",
                                 ine ? "if_not_exists" : "list_append", n->nkids);
        if (ine && n->kids[0]->kind != PQ_N_PATH)
            return fail(p, "Operator or function requires a document path; operator or "
                           "function: if_not_exists");
        buf_puts(b, ine ? "if_not_exists(" : "list_append(");
        int rc = emit_set_operand(p, b, n->kids[0]);
        buf_puts(b, ", ");
        if (!rc) rc = emit_set_operand(p, b, n->kids[1]);
        buf_putc(b, ')');
        return rc;
    }
    if (n->kind == PQ_N_CALL) {
        char name[32];
        size_t l = n->len < 31 ? n->len : 31;
        for (size_t i = 0; i < l; i++)
            name[i] = (char)tolower((unsigned char)n->text[i]);
        name[l] = 0;
        return at(p, n, "Unrecognized function: %s", name);
    }
    if (n->kind == PQ_N_MISSING) return fail(p, "MISSING must be compared using IS operator");
    return fail(p, "Unsupported operation in SET clause");
}

/* UPDATE's actions as an UpdateExpression into r. */
static int update_expression(planner_t *p, cJSON *r) {
    buf_t set, rem, add, del, all;
    buf_init(&set);
    buf_init(&rem);
    buf_init(&add);
    buf_init(&del);
    int rc = 0;
    for (size_t i = 0; i < p->st->nacts && !rc; i++) {
        const pq_action_t *act = &p->st->acts[i];
        const pq_node_t *v = act->value;
        const pq_elem_t *e = &act->path->elems[0];
        const char *key = p->keys->hash;
        if (p->keys->range && strlen(p->keys->range) == e->len &&
            memcmp(p->keys->range, e->name, e->len) == 0)
            key = p->keys->range;
        if (strlen(key) == e->len && memcmp(key, e->name, e->len) == 0) { /* Local */
            rc = ddb_error_set(p->c.err, DDB_ERR_VALIDATION,
                               "One or more parameter values were invalid: Cannot update attribute "
                               "%s. This attribute is part of the key",
                               key);
            break;
        }
        if (act->remove) {
            if (rem.len) buf_puts(&rem, ", ");
            pq__emit_path(&p->c, &rem, act->path);
        } else if (is_fn(v, "set_add")) {
            rc = emit_set_fn(p, &add, act, "SET_ADD");
        } else if (is_fn(v, "set_delete")) {
            rc = emit_set_fn(p, &del, act, "SET_DELETE");
        } else {
            if (set.len) buf_puts(&set, ", ");
            pq__emit_path(&p->c, &set, act->path);
            buf_puts(&set, " = ");
            if (v->kind == PQ_N_ADD || v->kind == PQ_N_SUB) {
                rc = emit_set_operand(p, &set, v->kids[0]);
                buf_puts(&set, v->kind == PQ_N_ADD ? " + " : " - ");
                if (!rc) rc = emit_set_operand(p, &set, v->kids[1]);
            } else {
                rc = emit_set_operand(p, &set, v);
            }
        }
    }
    buf_init(&all);
    const char *kw[4] = {"SET ", "REMOVE ", "ADD ", "DELETE "};
    buf_t *parts[4] = {&set, &rem, &add, &del};
    for (int k = 0; k < 4; k++) {
        if (!parts[k]->len) continue;
        if (all.len) buf_putc(&all, ' ');
        buf_puts(&all, kw[k]);
        buf_put(&all, parts[k]->data, parts[k]->len);
        buf_free(parts[k]);
    }
    if (!rc) add_str(r, "UpdateExpression", &all);
    buf_free(&all);
    return rc;
}

static const char *const RET_VALUES[] = {NULL, "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"};
static const char *const RET_TEXT[] = {NULL, "ALL OLD", "MODIFIED OLD", "ALL NEW", "MODIFIED NEW"};

/* UPDATE, DELETE and EXISTS: the full key, the rest of WHERE as the
 * condition (after attribute_exists(hash) when the item must exist). */
static int plan_keyed(planner_t *p, const pq_schema_t *schema, pq_plan_t *plan) {
    const pq_stmt_t *st = p->st->kind == PQ_EXISTS ? p->st->inner : p->st;
    pq_kind_t kind = p->st->kind;
    if (st->index) return fail(p, "This operation is not supported on an index");
    if (kind == PQ_DELETE && st->ret != PQ_RET_NONE && st->ret != PQ_RET_ALL_OLD)
        return ddb_error_set(p->c.err, DDB_ERR_VALIDATION,
                             "Invalid returning clause: RETURNING %s *. Only RETURNING ALL OLD * "
                             "is allowed in DELETE statements.",
                             RET_TEXT[st->ret]);
    p->keys = &schema->keys;
    split_and(p, st->where);
    cJSON *r = table_request(p, false);
    new_request(p);
    cJSON *key = cJSON_AddObjectToObject(r, "Key");
    int rc = write_key(p, key);
    bool rest = false;
    for (size_t i = 0; i < p->w.n; i++)
        rest |= !p->w.used[i];
    if (!rc && kind == PQ_EXISTS && !rest)
        rc = fail(p, "EXISTS() must contain a single item read with additional condition");
    if (!rc && kind == PQ_UPDATE) rc = update_expression(p, r);
    buf_t cond;
    buf_init(&cond);
    if (!rc && kind != PQ_DELETE) {
        buf_puts(&cond, "attribute_exists(");
        emit_attr(p, &cond, p->keys->hash);
        buf_putc(&cond, ')');
    }
    bool any = false;
    if (!rc) rc = emit_rest(p, &cond, &any);
    if (!rc && cond.len) add_str(r, "ConditionExpression", &cond);
    buf_free(&cond);
    if (rc) {
        drop_request(p, r);
        return rc;
    }
    finish_request(p, r);
    if (st->ret != PQ_RET_NONE) cJSON_AddStringToObject(r, "ReturnValues", RET_VALUES[st->ret]);
    plan->op = kind == PQ_UPDATE   ? PQ_OP_UPDATE_ITEM
               : kind == PQ_DELETE ? PQ_OP_DELETE_ITEM
                                   : PQ_OP_CONDITION_CHECK;
    plan->req = ddb_arena_alloc(p->c.a, sizeof *plan->req);
    plan->req[0] = r;
    plan->nreq = 1;
    return 0;
}

static int plan_insert(planner_t *p, const pq_schema_t *schema, pq_plan_t *plan) {
    const pq_stmt_t *st = p->st;
    if (st->index) return fail(p, "This operation is not supported on an index");
    if (st->ret != PQ_RET_NONE) return fail(p, "RETURNING is not supported in INSERT");
    if (st->value->kind != PQ_N_MAP)
        return at(p, st->value, "%s",
                  "Unsupported format in item expression. Please use struct format {...} to "
                  "express item values for insert statement.");
    ddb_value_t item;
    int rc = pq__item(&p->c, st->value, &item);
    if (rc) return rc;
    const pq_keys_t *k = &schema->keys;
    const char *names[2] = {k->hash, k->range};
    ddb_type_t types[2] = {k->hash_type, k->range_type};
    for (int i = 0; i < 2 && names[i]; i++) {
        const ddb_value_t *v = ddb_map_get(&item, names[i], strlen(names[i]));
        if (!v)
            return ddb_error_set(p->c.err, DDB_ERR_VALIDATION,
                                 "Key attribute should be present in the item: Key %s", names[i]);
        if (v->type != types[i])
            return ddb_error_set(p->c.err, DDB_ERR_VALIDATION,
                                 "Key attribute's data type should match its data type in table's "
                                 "schema: Key %s",
                                 names[i]);
    }
    p->keys = k;
    cJSON *r = table_request(p, false);
    cJSON *m = pq__value_json(&item); /* {"M":{...}}: the item is what M holds */
    cJSON_AddItemToObject(r, "Item", cJSON_DetachItemFromObject(m, "M"));
    cJSON_Delete(m);
    new_request(p);
    buf_t cond;
    buf_init(&cond);
    buf_puts(&cond, "attribute_not_exists(");
    emit_attr(p, &cond, k->hash);
    buf_putc(&cond, ')');
    add_str(r, "ConditionExpression", &cond);
    buf_free(&cond);
    finish_request(p, r);
    plan->op = PQ_OP_PUT_ITEM;
    plan->insert = true;
    plan->req = ddb_arena_alloc(p->c.a, sizeof *plan->req);
    plan->req[0] = r;
    plan->nreq = 1;
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
        rc = plan_insert(&p, schema, plan);
        break;
    default:
        rc = plan_keyed(&p, schema, plan);
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
