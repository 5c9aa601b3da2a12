/* expr_key.c: KeyConditionExpression analysis: one equality on the
 * partition key, optionally AND one condition on the sort key (=, <, <=, >,
 * >=, BETWEEN, begins_with), checked against the key schema with DynamoDB's
 * messages and turned into a key range. Pure. */
#include <string.h>

#include "query/expr_internal.h"

static bool is_key_path(const expr_node_t *n, const char *name, size_t len) {
    return n && n->kind == EXPR_PATH && n->path.n == 1 && n->path.steps[0].index < 0 &&
           n->path.steps[0].len == len && memcmp(n->path.steps[0].name, name, len) == 0;
}

static const char *op_name(const expr_node_t *n) {
    static const char *const cmp[] = {"=", "<>", "<", "<=", ">", ">="};
    switch (n->kind) {
    case EXPR_OR:
        return "OR";
    case EXPR_NOT:
        return "NOT";
    case EXPR_IN:
        return "IN";
    case EXPR_CMP:
        return cmp[n->cmp];
    case EXPR_EXISTS:
        return "attribute_exists";
    case EXPR_NOT_EXISTS:
        return "attribute_not_exists";
    case EXPR_ATTR_TYPE:
        return "attribute_type";
    case EXPR_CONTAINS:
        return "contains";
    case EXPR_SIZE:
        return "size";
    default:
        return "";
    }
}

typedef struct keyctx {
    const char *hash, *range;
    size_t hash_len, range_len;
    ddb_type_t hash_type, range_type;
    expr_key_cond_t *out;
    bool have_hash, have_range;
    ddb_error_t *err;
} keyctx_t;

static int type_mismatch(ddb_error_t *err) {
    return ddb_error_set(err, DDB_ERR_VALIDATION,
                         "One or more parameter values were invalid: Condition parameter type "
                         "does not match schema type");
}

static int not_supported(ddb_error_t *err) {
    return ddb_error_set(err, DDB_ERR_VALIDATION, "Query key condition not supported");
}

/* The attribute a single condition constrains (its path operand). */
static const expr_node_t *subject(const expr_node_t *n) {
    if (n->a && n->a->kind == EXPR_PATH) return n->a;
    if (n->kind == EXPR_CMP && n->b && n->b->kind == EXPR_PATH) return n->b;
    return NULL;
}

/* The constant side of a comparison, flipping the operator when the
 * constant is on the left (":v < sk" means "sk > :v"). */
static const ddb_value_t *constant(const expr_node_t *n, expr_cmp_t *cmp) {
    *cmp = n->cmp;
    if (n->b && n->b->kind == EXPR_VALUE) return n->b->value;
    if (n->a && n->a->kind == EXPR_VALUE) {
        static const expr_cmp_t flip[] = {CMP_EQ, CMP_NE, CMP_GT, CMP_GE, CMP_LT, CMP_LE};
        *cmp = flip[n->cmp];
        return n->a->value;
    }
    return NULL;
}

static int one(keyctx_t *k, const expr_node_t *n) {
    const char *bad = op_name(n);
    if (*bad && n->kind != EXPR_CMP) {
        return ddb_error_set(k->err, DDB_ERR_VALIDATION,
                             "Invalid operator used in KeyConditionExpression: %s", bad);
    }
    if (n->kind == EXPR_CMP && n->cmp == CMP_NE) {
        return ddb_error_set(k->err, DDB_ERR_VALIDATION,
                             "Invalid operator used in KeyConditionExpression: <>");
    }
    const expr_node_t *subj = subject(n);
    bool on_hash = is_key_path(subj, k->hash, k->hash_len);
    bool on_range = k->range && is_key_path(subj, k->range, k->range_len);
    if (!on_hash && !on_range) {
        return ddb_error_set(
            k->err, DDB_ERR_VALIDATION, "Query condition missed key schema element: %.*s",
            (int)(k->have_hash ? k->range_len : k->hash_len), k->have_hash ? k->range : k->hash);
    }
    if ((on_hash && k->have_hash) || (on_range && k->have_range)) {
        return ddb_error_set(k->err, DDB_ERR_VALIDATION,
                             "KeyConditionExpressions must only contain one condition per key");
    }
    expr_key_cond_t *o = k->out;
    if (on_hash) {
        expr_cmp_t cmp;
        const ddb_value_t *v = n->kind == EXPR_CMP ? constant(n, &cmp) : NULL;
        if (!v || cmp != CMP_EQ) return not_supported(k->err);
        if (v->type != k->hash_type) return type_mismatch(k->err);
        o->hash = v;
        k->have_hash = true;
        return 0;
    }
    k->have_range = true;
    if (n->kind == EXPR_BEGINS_WITH) {
        if (!n->b || n->b->kind != EXPR_VALUE) return not_supported(k->err);
        if (n->b->value->type != k->range_type || k->range_type == DDB_T_N)
            return type_mismatch(k->err);
        o->prefix = n->b->value;
        return 0;
    }
    if (n->kind == EXPR_BETWEEN) {
        if (n->b->kind != EXPR_VALUE || n->c->kind != EXPR_VALUE) return not_supported(k->err);
        if (n->b->value->type != k->range_type || n->c->value->type != k->range_type) {
            return type_mismatch(k->err);
        }
        o->lo = n->b->value;
        o->hi = n->c->value;
        o->lo_incl = o->hi_incl = true;
        return 0;
    }
    expr_cmp_t cmp;
    const ddb_value_t *v = n->kind == EXPR_CMP ? constant(n, &cmp) : NULL;
    if (!v) return not_supported(k->err);
    if (v->type != k->range_type) return type_mismatch(k->err);
    switch (cmp) {
    case CMP_EQ:
        o->lo = o->hi = v, o->lo_incl = o->hi_incl = true;
        break;
    case CMP_LT:
        o->hi = v, o->hi_incl = false;
        break;
    case CMP_LE:
        o->hi = v, o->hi_incl = true;
        break;
    case CMP_GT:
        o->lo = v, o->lo_incl = false;
        break;
    case CMP_GE:
        o->lo = v, o->lo_incl = true;
        break;
    default:
        return not_supported(k->err);
    }
    return 0;
}

static int walk(keyctx_t *k, const expr_node_t *n) {
    if (n->kind == EXPR_AND) {
        int rc = walk(k, n->a);
        return rc ? rc : walk(k, n->b);
    }
    return one(k, n);
}

int expr_key_condition(const expr_node_t *cond, const char *hash, size_t hash_len,
                       ddb_type_t hash_type, const char *range, size_t range_len,
                       ddb_type_t range_type, expr_key_cond_t *out, ddb_error_t *err) {
    memset(out, 0, sizeof *out);
    keyctx_t k = {.hash = hash,
                  .hash_len = hash_len,
                  .hash_type = hash_type,
                  .range = range_type != DDB_T_NONE ? range : NULL,
                  .range_len = range_len,
                  .range_type = range_type,
                  .out = out,
                  .err = err};
    int rc = walk(&k, cond);
    if (rc) return rc;
    if (!k.have_hash) {
        return ddb_error_set(err, DDB_ERR_VALIDATION,
                             "Query condition missed key schema element: %.*s", (int)hash_len,
                             hash);
    }
    return 0;
}

bool expr_key_cond_holds(const expr_key_cond_t *kc, const ddb_value_t *range) {
    if (!kc->lo && !kc->hi && !kc->prefix) return true;
    if (!range) return false;
    if (kc->lo) {
        if (range->type != kc->lo->type) return false;
        int c = expr_compare_scalars(range, kc->lo);
        if (c < 0 || (c == 0 && !kc->lo_incl)) return false;
    }
    if (kc->hi) {
        if (range->type != kc->hi->type) return false;
        int c = expr_compare_scalars(range, kc->hi);
        if (c > 0 || (c == 0 && !kc->hi_incl)) return false;
    }
    if (kc->prefix) {
        const ddb_value_t *p = kc->prefix;
        if (range->type != p->type || range->u.str.len < p->u.str.len) return false;
        if (memcmp(range->u.str.ptr, p->u.str.ptr, p->u.str.len) != 0) return false;
    }
    return true;
}
