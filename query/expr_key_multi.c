/* expr_key_multi.c: KeyConditionExpression on a multi-attribute index key:
 * which partition and sort attributes each condition constrains, checked
 * against the key order, and turned into the partition values, the sort
 * prefix fixed by equality and a range on the next sort attribute. Pure. */
#include <string.h>

#include "query/expr_key_multi.h"

typedef struct cond {
    const expr_node_t *n;
    expr_cmp_t cmp;       /* EXPR_CMP, constant on the right */
    const ddb_value_t *v; /* the constant of a comparison */
} cond_t;

static int bad(ddb_error_t *err, const char *msg) {
    return ddb_error_set(err, DDB_ERR_VALIDATION, "%s", msg);
}

static int type_mismatch(ddb_error_t *err) {
    return bad(err, "One or more parameter values were invalid: Condition parameter type does "
                    "not match schema type");
}

static int missed(ddb_error_t *err, const expr_key_attr_t *k) {
    return ddb_error_set(err, DDB_ERR_VALIDATION, "Query condition missed key schema element: %.*s",
                         (int)k->len, k->name);
}

/* The top-level attribute a condition's path operand names, or NULL. */
static const expr_path_t *subject(const expr_node_t *n) {
    if (n->a && n->a->kind == EXPR_PATH) return &n->a->path;
    if (n->kind == EXPR_CMP && n->b && n->b->kind == EXPR_PATH) return &n->b->path;
    return NULL;
}

static int find(const expr_path_t *p, const expr_key_attr_t *k, size_t n) {
    if (!p || p->n != 1 || p->steps[0].index >= 0) return -1;
    for (size_t i = 0; i < n; i++) {
        if (k[i].len == p->steps[0].len && !memcmp(k[i].name, p->steps[0].name, k[i].len))
            return (int)i;
    }
    return -1;
}

typedef struct ctx {
    const expr_key_attr_t *hash, *range;
    size_t nhash, nrange;
    cond_t hc[EXPR_KEY_ATTRS_MAX], rc[EXPR_KEY_ATTRS_MAX];
    ddb_error_t *err;
} ctx_t;

static int one(ctx_t *c, const expr_node_t *n) {
    if (n->kind != EXPR_CMP && n->kind != EXPR_BETWEEN && n->kind != EXPR_BEGINS_WITH) {
        return bad(c->err, "Query key condition not supported");
    }
    if (n->kind == EXPR_CMP && n->cmp == CMP_NE) {
        return bad(c->err, "Invalid operator used in KeyConditionExpression: <>");
    }
    const expr_path_t *p = subject(n);
    int h = find(p, c->hash, c->nhash), r = h < 0 ? find(p, c->range, c->nrange) : -1;
    if (h < 0 && r < 0) {
        for (size_t i = 0; i < c->nhash; i++)
            if (!c->hc[i].n) return missed(c->err, &c->hash[i]);
        for (size_t i = 0; i < c->nrange; i++)
            if (!c->rc[i].n) return missed(c->err, &c->range[i]);
        return bad(c->err, "Query key condition not supported");
    }
    cond_t *slot = h >= 0 ? &c->hc[h] : &c->rc[r];
    if (slot->n)
        return bad(c->err, "KeyConditionExpressions must only contain one condition per key");
    slot->n = n;
    if (n->kind != EXPR_CMP) return 0;
    static const expr_cmp_t flip[] = {CMP_EQ, CMP_NE, CMP_GT, CMP_GE, CMP_LT, CMP_LE};
    if (n->b && n->b->kind == EXPR_VALUE) {
        slot->cmp = n->cmp, slot->v = n->b->value;
    } else if (n->a && n->a->kind == EXPR_VALUE) {
        slot->cmp = flip[n->cmp], slot->v = n->a->value;
    } else {
        return bad(c->err, "Query key condition not supported");
    }
    return 0;
}

static int walk(ctx_t *c, const expr_node_t *n) {
    if (n->kind == EXPR_AND) {
        int rc = walk(c, n->a);
        return rc ? rc : walk(c, n->b);
    }
    return one(c, n);
}

/* The range condition s on the sort attribute of type t into out. */
static int range_of(const cond_t *s, ddb_type_t t, expr_key_multi_t *out, ddb_error_t *err) {
    const expr_node_t *n = s->n;
    if (n->kind == EXPR_BEGINS_WITH) {
        if (!n->b || n->b->kind != EXPR_VALUE) return bad(err, "Query key condition not supported");
        if (n->b->value->type != t || t == DDB_T_N) return type_mismatch(err);
        out->prefix = n->b->value;
        return 0;
    }
    if (n->kind == EXPR_BETWEEN) {
        if (n->b->kind != EXPR_VALUE || n->c->kind != EXPR_VALUE)
            return bad(err, "Query key condition not supported");
        if (n->b->value->type != t || n->c->value->type != t) return type_mismatch(err);
        out->lo = n->b->value, out->hi = n->c->value;
        out->lo_incl = out->hi_incl = true;
        return 0;
    }
    if (s->v->type != t) return type_mismatch(err);
    switch (s->cmp) {
    case CMP_LT:
    case CMP_LE:
        out->hi = s->v, out->hi_incl = s->cmp == CMP_LE;
        return 0;
    case CMP_GT:
    case CMP_GE:
        out->lo = s->v, out->lo_incl = s->cmp == CMP_GE;
        return 0;
    default:
        return bad(err, "Query key condition not supported");
    }
}

int expr_key_condition_multi(const expr_node_t *cond, const expr_key_attr_t *hash, size_t nhash,
                             const expr_key_attr_t *range, size_t nrange, expr_key_multi_t *out,
                             ddb_error_t *err) {
    memset(out, 0, sizeof *out);
    ctx_t c = {.hash = hash, .range = range, .nhash = nhash, .nrange = nrange, .err = err};
    int rc = walk(&c, cond);
    if (rc) return rc;
    for (size_t i = 0; i < nhash; i++) {
        if (!c.hc[i].n) return missed(err, &hash[i]);
        if (c.hc[i].n->kind != EXPR_CMP || c.hc[i].cmp != CMP_EQ)
            return bad(err, "Query key condition not supported");
        if (c.hc[i].v->type != hash[i].type) return type_mismatch(err);
        out->hash[out->nhash++] = c.hc[i].v;
    }
    size_t last = 0; /* sort attributes constrained: a prefix of the key */
    while (last < nrange && c.rc[last].n)
        last++;
    for (size_t i = last; i < nrange; i++) {
        /* a later sort attribute without the earlier ones (our wording:
         * DynamoDB names the attribute the condition skipped) */
        if (c.rc[i].n) return missed(err, &range[last]);
    }
    for (size_t i = 0; i < last; i++) {
        const cond_t *s = &c.rc[i];
        bool eq = s->n->kind == EXPR_CMP && s->cmp == CMP_EQ;
        if (eq) {
            if (s->v->type != range[i].type) return type_mismatch(err);
            out->eq[out->neq++] = s->v;
            continue;
        }
        if (i + 1 < last) {
            /* not documented by DynamoDB: our message */
            return ddb_error_set(err, DDB_ERR_VALIDATION,
                                 "Query key condition not supported: only the last sort key "
                                 "attribute in a condition may use an operator other than =; "
                                 "%.*s is followed by %.*s",
                                 (int)range[i].len, range[i].name, (int)range[i + 1].len,
                                 range[i + 1].name);
        }
        return range_of(s, range[i].type, out, err);
    }
    return 0;
}

int expr_filter_check_keys(const expr_node_t *filter, const expr_key_attr_t *keys, size_t nkeys,
                           const char *what, ddb_error_t *err) {
    for (size_t i = 0; filter && i < nkeys; i++) {
        int use = expr_references(filter, keys[i].name, keys[i].len);
        if (use == 1) {
            return ddb_error_set(err, DDB_ERR_VALIDATION,
                                 "%s can only contain non-primary key attributes: Primary key "
                                 "attribute: %.*s",
                                 what, (int)keys[i].len, keys[i].name);
        }
        if (use == 2) {
            return ddb_error_set(err, DDB_ERR_VALIDATION,
                                 "Key attributes must be scalars; list random access '[]' and map "
                                 "lookup '.' are not allowed: Key: %.*s",
                                 (int)keys[i].len, keys[i].name);
        }
    }
    return 0;
}
