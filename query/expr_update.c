/* expr_update.c: applying UpdateExpressions (SET with arithmetic,
 * if_not_exists and list_append; REMOVE; ADD; DELETE) to an item, and the
 * builders that turn the legacy Expected/AttributeUpdates parameters into
 * the same trees. Values are computed from the old item first, as DynamoDB
 * does, then applied; containers along a changed path are copied, so the old
 * item is never modified. Pure. */
#include <string.h>

#include "query/expr_internal.h"
#include "query/params.h"
#include "query/number.h"

static int bad_type(ddb_error_t *err) {
    return ddb_error_set(err, DDB_ERR_VALIDATION,
                         "An operand in the update expression has an incorrect data type");
}

static int bad_path(ddb_error_t *err) {
    return ddb_error_set(
        err, DDB_ERR_VALIDATION,
        "The document path provided in the update expression is invalid for update");
}

/* DynamoDB's limit on a document's nesting: an attribute is level 1. */
#define MAX_NESTING 32

/* Whether v, at level `level` of the item, nests beyond MAX_NESTING (the
 * walk stops at the limit, so its recursion is bounded). */
static bool nests_too_deep(const ddb_value_t *v, size_t level) {
    if (level > MAX_NESTING) return true;
    if (v->type == DDB_T_L) {
        for (size_t i = 0; i < v->u.list.n; i++) {
            if (nests_too_deep(&v->u.list.v[i], level + 1)) return true;
        }
    } else if (v->type == DDB_T_M) {
        for (size_t i = 0; i < v->u.map.n; i++) {
            if (nests_too_deep(&v->u.map.a[i].value, level + 1)) return true;
        }
    }
    return false;
}

/* An update may put a value nested within the limit at a deep path (SET
 * a.b.c = :deep) and so nest the item beyond what PutItem would accept:
 * DynamoDB refuses it, with a shorter message than PutItem's. ADD's result
 * is a number or a set, one level at its path. */
static int check_nesting(const expr_action_t *act, const ddb_value_t *set_value, ddb_error_t *err) {
    bool deep = act->kind == ACT_SET   ? nests_too_deep(set_value, act->path.n)
                : act->kind == ACT_ADD ? act->path.n > MAX_NESTING
                                       : false;
    if (!deep) return 0;
    return ddb_error_set(err, DDB_ERR_VALIDATION, "Nesting Levels have exceeded supported limits");
}

static int number_op(ddb_arena_t *a, const ddb_value_t *x, const ddb_value_t *y, bool add,
                     ddb_value_t *out, ddb_error_t *err) {
    ddb_num_t p, q, r;
    if (ddb_num_parse(x->u.str.ptr, x->u.str.len, &p, err) ||
        ddb_num_parse(y->u.str.ptr, y->u.str.len, &q, err)) {
        return DDB_ERR_VALIDATION;
    }
    int rc = add ? ddb_num_add(&p, &q, &r, err) : ddb_num_sub(&p, &q, &r, err);
    if (rc) return rc;
    char *text = ddb_arena_alloc(a, DDB_NUM_MAX_TEXT);
    out->type = DDB_T_N;
    out->u.str.len = ddb_num_format(&r, text, DDB_NUM_MAX_TEXT);
    out->u.str.ptr = text;
    return 0;
}

/* Computes a SET operand against the old item. */
static int compute(ddb_arena_t *a, const expr_node_t *n, const ddb_value_t *old, ddb_value_t *out,
                   ddb_error_t *err) {
    ddb_value_t x, y;
    int rc;
    switch (n->kind) {
    case EXPR_VALUE:
        *out = *n->value;
        return 0;
    case EXPR_PATH: {
        const ddb_value_t *v = old ? expr_resolve(old, &n->path) : NULL;
        if (!v) {
            return ddb_error_set(err, DDB_ERR_VALIDATION,
                                 "The provided expression refers to an attribute that does not "
                                 "exist in the item");
        }
        *out = *v;
        return 0;
    }
    case EXPR_IF_NOT_EXISTS: {
        const ddb_value_t *v = old ? expr_resolve(old, &n->a->path) : NULL;
        if (v) {
            *out = *v;
            return 0;
        }
        return compute(a, n->b, old, out, err);
    }
    case EXPR_LIST_APPEND:
        rc = compute(a, n->a, old, &x, err);
        if (!rc) rc = compute(a, n->b, old, &y, err);
        if (rc) return rc;
        if (x.type != DDB_T_L || y.type != DDB_T_L) return bad_type(err);
        out->type = DDB_T_L;
        out->u.list.n = x.u.list.n + y.u.list.n;
        out->u.list.v =
            ddb_arena_alloc(a, sizeof(ddb_value_t) * (out->u.list.n ? out->u.list.n : 1));
        if (x.u.list.n) memcpy(out->u.list.v, x.u.list.v, sizeof(ddb_value_t) * x.u.list.n);
        if (y.u.list.n)
            memcpy(out->u.list.v + x.u.list.n, y.u.list.v, sizeof(ddb_value_t) * y.u.list.n);
        return 0;
    case EXPR_PLUS:
    case EXPR_MINUS:
        rc = compute(a, n->a, old, &x, err);
        if (!rc) rc = compute(a, n->b, old, &y, err);
        if (rc) return rc;
        if (x.type != DDB_T_N || y.type != DDB_T_N) return bad_type(err);
        return number_op(a, &x, &y, n->kind == EXPR_PLUS, out, err);
    default:
        return bad_type(err);
    }
}

/* ---- copy-on-write edits ------------------------------------------------------ */

typedef enum { EDIT_SET, EDIT_REMOVE } edit_t;

static void own_container(ddb_arena_t *a, ddb_value_t *c, size_t extra) {
    if (c->type == DDB_T_M) {
        ddb_attr_t *na = ddb_arena_alloc(a, sizeof *na * (c->u.map.n + extra + 1));
        if (c->u.map.n) memcpy(na, c->u.map.a, sizeof *na * c->u.map.n);
        c->u.map.a = na;
    } else {
        ddb_value_t *nv = ddb_arena_alloc(a, sizeof *nv * (c->u.list.n + extra + 1));
        if (c->u.list.n) memcpy(nv, c->u.list.v, sizeof *nv * c->u.list.n);
        c->u.list.v = nv;
    }
}

static ddb_value_t *child(ddb_value_t *c, const expr_step_t *st) {
    if (st->index < 0) {
        if (c->type != DDB_T_M) return NULL;
        for (size_t i = 0; i < c->u.map.n; i++) {
            ddb_attr_t *at = &c->u.map.a[i];
            if (at->name_len == st->len && memcmp(at->name, st->name, st->len) == 0)
                return &at->value;
        }
        return NULL;
    }
    if (c->type != DDB_T_L || (size_t)st->index >= c->u.list.n) return NULL;
    return &c->u.list.v[st->index];
}

/* Edits container c (already owned by the caller) at p->steps[d..]. Every
 * step but the last must find a container of its kind (a map for a name, a
 * list for an index), for a removal too: DynamoDB refuses REMOVE a.b when a
 * is missing or a string, and accepts it when only b is missing. */
static int edit(ddb_arena_t *a, ddb_value_t *c, const expr_path_t *p, size_t d, edit_t what,
                const ddb_value_t *v, ddb_error_t *err) {
    const expr_step_t *st = &p->steps[d];
    bool is_map_step = st->index < 0;
    if ((is_map_step && c->type != DDB_T_M) || (!is_map_step && c->type != DDB_T_L)) {
        return bad_path(err);
    }
    if (d + 1 < p->n) {
        ddb_value_t *ch = child(c, st);
        if (!ch || (ch->type != DDB_T_M && ch->type != DDB_T_L)) return bad_path(err);
        own_container(a, c, 0);
        ch = child(c, st);
        own_container(a, ch, 1);
        return edit(a, ch, p, d + 1, what, v, err);
    }
    own_container(a, c, 1);
    ddb_value_t *existing = child(c, st);
    if (what == EDIT_SET) {
        if (existing) {
            *existing = *v;
        } else if (is_map_step) {
            c->u.map.a[c->u.map.n++] = (ddb_attr_t){st->name, st->len, *v};
        } else {
            c->u.list.v[c->u.list.n++] = *v; /* past the end: append */
        }
        return 0;
    }
    if (!existing) return 0;
    if (is_map_step) {
        size_t i =
            (size_t)((ddb_attr_t *)((char *)existing - offsetof(ddb_attr_t, value)) - c->u.map.a);
        memmove(&c->u.map.a[i], &c->u.map.a[i + 1], sizeof(ddb_attr_t) * (c->u.map.n - i - 1));
        c->u.map.n--;
    } else {
        size_t i = (size_t)st->index;
        memmove(&c->u.list.v[i], &c->u.list.v[i + 1], sizeof(ddb_value_t) * (c->u.list.n - i - 1));
        c->u.list.n--;
    }
    return 0;
}

/* ---- ADD / DELETE on sets and numbers ----------------------------------------- */

static int set_union(ddb_arena_t *a, const ddb_value_t *cur, const ddb_value_t *add,
                     ddb_value_t *out) {
    out->type = cur->type;
    out->u.list.v = ddb_arena_alloc(a, sizeof(ddb_value_t) * (cur->u.list.n + add->u.list.n + 1));
    out->u.list.n = 0;
    for (size_t i = 0; i < cur->u.list.n; i++)
        out->u.list.v[out->u.list.n++] = cur->u.list.v[i];
    for (size_t i = 0; i < add->u.list.n; i++) {
        bool dup = false;
        for (size_t k = 0; k < cur->u.list.n && !dup; k++)
            dup = ddb_value_equal(&cur->u.list.v[k], &add->u.list.v[i]);
        if (!dup) out->u.list.v[out->u.list.n++] = add->u.list.v[i];
    }
    return 0;
}

static void set_minus(ddb_arena_t *a, const ddb_value_t *cur, const ddb_value_t *del,
                      ddb_value_t *out) {
    out->type = cur->type;
    out->u.list.v = ddb_arena_alloc(a, sizeof(ddb_value_t) * (cur->u.list.n + 1));
    out->u.list.n = 0;
    for (size_t i = 0; i < cur->u.list.n; i++) {
        bool gone = false;
        for (size_t k = 0; k < del->u.list.n && !gone; k++)
            gone = ddb_value_equal(&cur->u.list.v[i], &del->u.list.v[k]);
        if (!gone) out->u.list.v[out->u.list.n++] = cur->u.list.v[i];
    }
}

static int apply_add(ddb_arena_t *a, ddb_value_t *item, const expr_action_t *act,
                     ddb_error_t *err) {
    const ddb_value_t *v = act->value->value;
    const ddb_value_t *cur = expr_resolve(item, &act->path);
    ddb_value_t next;
    if (!cur) {
        next = *v;
    } else if (cur->type == DDB_T_N && v->type == DDB_T_N) {
        int rc = number_op(a, cur, v, true, &next, err);
        if (rc) return rc;
    } else if (ddb_type_is_set(cur->type) && cur->type == v->type) {
        set_union(a, cur, v, &next);
    } else if (cur->type == DDB_T_L && v->type == DDB_T_L) {
        /* legacy AttributeUpdates ADD appends to lists */
        ddb_value_t both = {.type = DDB_T_L};
        both.u.list.n = cur->u.list.n + v->u.list.n;
        both.u.list.v = ddb_arena_alloc(a, sizeof(ddb_value_t) * (both.u.list.n + 1));
        memcpy(both.u.list.v, cur->u.list.v, sizeof(ddb_value_t) * cur->u.list.n);
        memcpy(both.u.list.v + cur->u.list.n, v->u.list.v, sizeof(ddb_value_t) * v->u.list.n);
        next = both;
    } else {
        return bad_type(err);
    }
    return edit(a, item, &act->path, 0, EDIT_SET, &next, err);
}

static int apply_delete(ddb_arena_t *a, ddb_value_t *item, const expr_action_t *act,
                        ddb_error_t *err) {
    const ddb_value_t *v = act->value ? act->value->value : NULL;
    const ddb_value_t *cur = expr_resolve(item, &act->path);
    /* nothing to delete from, but the path must still be valid */
    if (!cur || !v) return edit(a, item, &act->path, 0, EDIT_REMOVE, NULL, err);
    if (cur->type != v->type) return bad_type(err);
    ddb_value_t next;
    set_minus(a, cur, v, &next);
    if (next.u.list.n == 0) return edit(a, item, &act->path, 0, EDIT_REMOVE, NULL, err);
    return edit(a, item, &act->path, 0, EDIT_SET, &next, err);
}

/* REMOVE of list elements: later indexes of one list go first, so that each
 * index refers to the list as it was before the update. */
static bool remove_before(const expr_action_t *x, const expr_action_t *y) {
    const expr_path_t *p = &x->path, *q = &y->path;
    if (p->n != q->n) return false;
    const expr_step_t *a = &p->steps[p->n - 1], *b = &q->steps[q->n - 1];
    return a->index > b->index && expr_paths_clash(&(expr_path_t){p->steps, p->n - 1},
                                                   &(expr_path_t){q->steps, q->n - 1}) == 1;
}

int expr_apply_update(ddb_arena_t *a, const expr_update_t *u, const ddb_value_t *old,
                      ddb_value_t *out, ddb_error_t *err) {
    ddb_value_t *vals = ddb_arena_alloc(a, sizeof(ddb_value_t) * (u->n + 1));
    for (size_t i = 0; i < u->n; i++) {
        if (u->actions[i].kind != ACT_SET) continue;
        int rc = compute(a, u->actions[i].value, old, &vals[i], err);
        if (rc) return rc;
    }
    ddb_value_t item = {.type = DDB_T_M};
    if (old) item = *old;
    own_container(a, &item, 0);
    /* removals, latest list index first */
    const expr_action_t **rem = ddb_arena_alloc(a, sizeof *rem * (u->n + 1));
    size_t nrem = 0;
    for (size_t i = 0; i < u->n; i++) {
        if (u->actions[i].kind == ACT_REMOVE) rem[nrem++] = &u->actions[i];
    }
    for (size_t i = 1; i < nrem; i++) {
        for (size_t j = i; j > 0 && remove_before(rem[j], rem[j - 1]); j--) {
            const expr_action_t *t = rem[j];
            rem[j] = rem[j - 1];
            rem[j - 1] = t;
        }
    }
    for (size_t i = 0; i < nrem; i++) {
        int rc = edit(a, &item, &rem[i]->path, 0, EDIT_REMOVE, NULL, err);
        if (rc) return rc;
    }
    for (size_t i = 0; i < u->n; i++) {
        const expr_action_t *act = &u->actions[i];
        int rc = 0;
        if (act->kind == ACT_SET)
            rc = edit(a, &item, &act->path, 0, EDIT_SET, &vals[i], err);
        else if (act->kind == ACT_ADD)
            rc = apply_add(a, &item, act, err);
        else if (act->kind == ACT_DELETE)
            rc = apply_delete(a, &item, act, err);
        if (rc) return rc;
        rc = check_nesting(act, &vals[i], err);
        if (rc) return rc;
    }
    *out = item;
    return 0;
}

int expr_update_check_keys(const expr_update_t *u, const char *hash, size_t hash_len,
                           const char *range, size_t range_len, ddb_error_t *err) {
    for (size_t i = 0; i < u->n; i++) {
        const expr_step_t *st = &u->actions[i].path.steps[0];
        bool is_hash = st->len == hash_len && memcmp(st->name, hash, hash_len) == 0;
        bool is_range = range && st->len == range_len && memcmp(st->name, range, range_len) == 0;
        if (is_hash || is_range) {
            return ddb_error_set(err, DDB_ERR_VALIDATION,
                                 "One or more parameter values were invalid: Cannot update "
                                 "attribute %.*s. This attribute is part of the key",
                                 (int)st->len, st->name);
        }
    }
    return 0;
}

/* UPDATED_OLD/UPDATED_NEW return what a projection of the updated paths
 * finds in the old or the new item: only the updated sub-paths (SET a.b.c
 * gives {a: {b: {c}}}, SET l[1] gives {l: [that element]}), as DynamoDB
 * does; a path that src lacks (an element appended past the end, a removed
 * attribute in the new item) gives nothing. DynamoDB Local returns whole
 * top-level attributes instead. The update's paths never overlap (the
 * parser refuses that), so each is projected once. */
void expr_update_paths(ddb_arena_t *a, const expr_update_t *u, expr_projection_t *out) {
    out->n = u->n;
    out->paths = ddb_arena_alloc(a, sizeof(expr_path_t) * (u->n + 1));
    for (size_t i = 0; i < u->n; i++)
        out->paths[i] = u->actions[i].path;
}

/* ---- legacy parameters ------------------------------------------------------------ */

static expr_node_t *mk(ddb_arena_t *a, expr_kind_t k) {
    expr_node_t *n = ddb_arena_alloc(a, sizeof *n);
    n->kind = k;
    return n;
}

static expr_node_t *mk_path(ddb_arena_t *a, const char *name, size_t len) {
    expr_node_t *n = mk(a, EXPR_PATH);
    expr_step_t *st = ddb_arena_alloc(a, sizeof *st);
    *st = (expr_step_t){.name = name, .len = len, .index = -1};
    n->path = (expr_path_t){st, 1};
    return n;
}

static expr_node_t *mk_value(ddb_arena_t *a, const ddb_value_t *v) {
    expr_node_t *n = mk(a, EXPR_VALUE);
    n->value = v;
    return n;
}

static expr_node_t *mk2(ddb_arena_t *a, expr_kind_t k, expr_node_t *x, expr_node_t *y) {
    expr_node_t *n = mk(a, k);
    n->a = x;
    n->b = y;
    return n;
}

typedef struct legacy_op {
    const char *name;
    int nvalues; /* -1: one or more */
} legacy_op_t;

static const legacy_op_t legacy_ops[] = {
    {"EQ", 1},          {"NE", 1},       {"LE", 1},      {"LT", 1},       {"GE", 1},
    {"GT", 1},          {"NOT_NULL", 0}, {"NULL", 0},    {"CONTAINS", 1}, {"NOT_CONTAINS", 1},
    {"BEGINS_WITH", 1}, {"IN", -1},      {"BETWEEN", 2},
};

/* The operand types each legacy operator takes, as DynamoDB checks them up
 * front: a value no item could match is a validation error, not a failed
 * condition. */
static bool legacy_type_ok(const char *op, ddb_type_t t) {
    bool scalar = t == DDB_T_S || t == DDB_T_N || t == DDB_T_B;
    if (!strcmp(op, "BEGINS_WITH")) return t == DDB_T_S || t == DDB_T_B;
    if (!strcmp(op, "CONTAINS") || !strcmp(op, "NOT_CONTAINS")) {
        return !ddb_type_is_set(t) && t != DDB_T_L && t != DDB_T_M;
    }
    if (!strcmp(op, "EQ") || !strcmp(op, "NE")) return true;
    return scalar; /* LT LE GT GE IN BETWEEN */
}

static int legacy_operands(const char *op, const ddb_value_t *v, size_t n, ddb_error_t *err) {
    for (size_t i = 0; i < n; i++) {
        if (!legacy_type_ok(op, v[i].type)) {
            return ddb_error_set(err, DDB_ERR_VALIDATION,
                                 "One or more parameter values were invalid: ComparisonOperator %s "
                                 "is not valid for %s AttributeValue type",
                                 op, ddb_type_name(v[i].type));
        }
    }
    bool listed = !strcmp(op, "IN") || !strcmp(op, "BETWEEN");
    for (size_t i = 1; listed && i < n; i++) {
        if (v[i].type != v[0].type) {
            return ddb_error_set(err, DDB_ERR_VALIDATION,
                                 "One or more parameter values were invalid: AttributeValues "
                                 "inside AttributeValueList must be of same type");
        }
    }
    if (!strcmp(op, "BETWEEN") && expr_compare_scalars(&v[0], &v[1]) > 0) {
        return ddb_error_set(err, DDB_ERR_VALIDATION,
                             "The BETWEEN condition was provided a range where the lower bound is "
                             "greater than the upper bound");
    }
    return 0;
}

static int legacy_one(ddb_arena_t *a, const char *what, const expr_legacy_cond_t *c,
                      expr_node_t **out, ddb_error_t *err) {
    const char *op = c->op;
    size_t op_len = c->op_len;
    if (!op) {
        /* Expected without ComparisonOperator: Value and/or Exists */
        if (c->exists == 0) {
            if (c->nvalues) {
                return ddb_error_set(err, DDB_ERR_VALIDATION,
                                     "One or more parameter values were invalid: Value cannot be "
                                     "used when Exists is false for Attribute: %.*s",
                                     (int)c->len, c->name);
            }
            *out = mk2(a, EXPR_NOT_EXISTS, mk_path(a, c->name, c->len), NULL);
            return 0;
        }
        if (!c->nvalues) {
            return ddb_error_set(err, DDB_ERR_VALIDATION,
                                 "One or more parameter values were invalid: Value must be "
                                 "provided when Exists is %s for Attribute: %.*s",
                                 c->exists == 1 ? "true" : "null", (int)c->len, c->name);
        }
        op = "EQ";
        op_len = 2;
    }
    const legacy_op_t *lo = NULL;
    for (size_t i = 0; i < sizeof legacy_ops / sizeof legacy_ops[0]; i++) {
        if (strlen(legacy_ops[i].name) == op_len && memcmp(legacy_ops[i].name, op, op_len) == 0) {
            lo = &legacy_ops[i];
        }
    }
    if (!lo) {
        return p_error_enum(err, op, (int)op_len,
                            "IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, "
                            "BEGINS_WITH, GE, CONTAINS",
                            "%s.%.*s.member.comparisonOperator", what, (int)c->len, c->name);
    }
    bool count_ok = lo->nvalues < 0 ? c->nvalues >= 1 : (size_t)lo->nvalues == c->nvalues;
    if (!count_ok) {
        return ddb_error_set(err, DDB_ERR_VALIDATION,
                             "One or more parameter values were invalid: Invalid number of "
                             "argument(s) for the %s ComparisonOperator",
                             lo->name);
    }
    int rc = legacy_operands(lo->name, c->values, c->nvalues, err);
    if (rc) return rc;
    expr_node_t *path = mk_path(a, c->name, c->len);
    const ddb_value_t *v = c->values;
    const char *n = lo->name;
    expr_node_t *r;
    if (!strcmp(n, "NOT_NULL")) {
        r = mk2(a, EXPR_EXISTS, path, NULL);
    } else if (!strcmp(n, "NULL")) {
        r = mk2(a, EXPR_NOT_EXISTS, path, NULL);
    } else if (!strcmp(n, "CONTAINS")) {
        r = mk2(a, EXPR_CONTAINS, path, mk_value(a, &v[0]));
    } else if (!strcmp(n, "NOT_CONTAINS")) {
        r = mk2(a, EXPR_AND, mk2(a, EXPR_EXISTS, path, NULL),
                mk2(a, EXPR_NOT, mk2(a, EXPR_CONTAINS, path, mk_value(a, &v[0])), NULL));
    } else if (!strcmp(n, "BEGINS_WITH")) {
        r = mk2(a, EXPR_BEGINS_WITH, path, mk_value(a, &v[0]));
    } else if (!strcmp(n, "BETWEEN")) {
        r = mk2(a, EXPR_BETWEEN, path, mk_value(a, &v[0]));
        r->c = mk_value(a, &v[1]);
    } else if (!strcmp(n, "IN")) {
        r = mk2(a, EXPR_IN, path, NULL);
        r->list = ddb_arena_alloc(a, sizeof(expr_node_t *) * c->nvalues);
        for (size_t i = 0; i < c->nvalues; i++)
            r->list[r->nlist++] = mk_value(a, &v[i]);
    } else if (!strcmp(n, "NE")) {
        /* legacy NE also holds when the attribute is absent */
        r = mk2(a, EXPR_NOT, mk2(a, EXPR_CMP, path, mk_value(a, &v[0])), NULL);
    } else {
        static const struct {
            const char *n;
            expr_cmp_t c;
        } cmps[] = {{"EQ", CMP_EQ}, {"LE", CMP_LE}, {"LT", CMP_LT}, {"GE", CMP_GE}, {"GT", CMP_GT}};
        r = mk2(a, EXPR_CMP, path, mk_value(a, &v[0]));
        for (size_t i = 0; i < 5; i++) {
            if (!strcmp(n, cmps[i].n)) r->cmp = cmps[i].c;
        }
    }
    *out = r;
    return 0;
}

int expr_from_legacy(ddb_arena_t *a, const char *what, const expr_legacy_cond_t *conds, size_t n,
                     bool conditional_or, expr_node_t **out, ddb_error_t *err) {
    expr_node_t *tree = NULL;
    for (size_t i = 0; i < n; i++) {
        expr_node_t *one = NULL;
        int rc = legacy_one(a, what, &conds[i], &one, err);
        if (rc) return rc;
        tree = tree ? mk2(a, conditional_or ? EXPR_OR : EXPR_AND, tree, one) : one;
    }
    *out = tree;
    return 0;
}

int expr_update_from_legacy(ddb_arena_t *a, const expr_legacy_update_t *ups, size_t n,
                            expr_update_t **out, ddb_error_t *err) {
    expr_update_t *u = ddb_arena_alloc(a, sizeof *u);
    u->actions = ddb_arena_alloc(a, sizeof(expr_action_t) * (n + 1));
    for (size_t i = 0; i < n; i++) {
        const expr_legacy_update_t *up = &ups[i];
        expr_action_t *act = &u->actions[u->n++];
        act->path = mk_path(a, up->name, up->len)->path;
        bool put = !up->action || (up->action_len == 3 && !memcmp(up->action, "PUT", 3));
        bool add = up->action && up->action_len == 3 && !memcmp(up->action, "ADD", 3);
        bool del = up->action && up->action_len == 6 && !memcmp(up->action, "DELETE", 6);
        if (!put && !add && !del) {
            return p_error_enum(err, up->action, (int)up->action_len, "ADD, PUT, DELETE",
                                "attributeUpdates.%.*s.member.action", (int)up->len, up->name);
        }
        if ((put || add) && !up->value) {
            return ddb_error_set(err, DDB_ERR_VALIDATION,
                                 "One or more parameter values were invalid: Only DELETE action "
                                 "is allowed when no attribute value is specified");
        }
        if (put) {
            act->kind = ACT_SET;
            act->value = mk_value(a, up->value);
        } else if (add) {
            ddb_type_t t = up->value->type;
            if (t != DDB_T_N && t != DDB_T_L && !ddb_type_is_set(t)) {
                return ddb_error_set(err, DDB_ERR_VALIDATION,
                                     "One or more parameter values were invalid: ADD action is "
                                     "not supported for the type %s",
                                     ddb_type_name(t));
            }
            act->kind = ACT_ADD;
            act->value = mk_value(a, up->value);
        } else {
            if (up->value && !ddb_type_is_set(up->value->type)) {
                return ddb_error_set(err, DDB_ERR_VALIDATION,
                                     "One or more parameter values were invalid: DELETE action "
                                     "with value is not supported for the type %s",
                                     ddb_type_name(up->value->type));
            }
            act->kind = up->value ? ACT_DELETE : ACT_REMOVE;
            act->value = up->value ? mk_value(a, up->value) : NULL;
        }
    }
    *out = u;
    return 0;
}
