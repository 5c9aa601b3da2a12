/* exprs.c: expression and legacy condition/update/projection members of item
 * requests, validated the way DynamoDB validates them. */
#include "server/exprs.h"

#include <stdio.h>
#include <string.h>

#include "query/json.h"
#include "query/params.h"

static const cJSON *member(const cJSON *in, const char *name) {
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(in, name);
    return j && !cJSON_IsNull(j) ? j : NULL;
}

/* Lists the members present among names[] as "{A, B}" into out. */
static int present_list(const cJSON *in, const char *const *names, char *out, size_t cap) {
    int count = 0;
    size_t k = (size_t)snprintf(out, cap, "{");
    for (const char *const *n = names; *n; n++) {
        if (!member(in, *n)) continue;
        k += (size_t)snprintf(out + k, cap - k, "%s%s", count ? ", " : "", *n);
        count++;
    }
    snprintf(out + k, cap - k, "}");
    return count;
}

/* DynamoDB refuses a request that mixes the two kinds of parameters, except
 * that Query's legacy KeyConditions clashes with KeyConditionExpression
 * alone: KeyConditions with a FilterExpression or a ProjectionExpression is
 * accepted (DynamoDB Local). The lists name the members present in
 * DynamoDB's order. */
static int check_no_mixing(ddbd_req_t *r, const cJSON *in) {
    static const char *const legacy[] = {
        "AttributesToGet", "AttributeUpdates",    "Expected", "QueryFilter",
        "ScanFilter",      "ConditionalOperator", NULL};
    static const char *const legacy_key[] = {
        "AttributesToGet", "AttributeUpdates",    "Expected",      "QueryFilter",
        "ScanFilter",      "ConditionalOperator", "KeyConditions", NULL};
    static const char *const modern[] = {"ProjectionExpression",   "UpdateExpression",
                                         "ConditionExpression",    "FilterExpression",
                                         "KeyConditionExpression", NULL};
    char l[200], m[200];
    bool key_clash = member(in, "KeyConditions") && member(in, "KeyConditionExpression");
    int nlegacy = present_list(in, key_clash ? legacy_key : legacy, l, sizeof l);
    if ((nlegacy && present_list(in, modern, m, sizeof m)) || key_clash) {
        present_list(in, modern, m, sizeof m);
        return ddb_error_set(
            r->err, DDB_ERR_VALIDATION,
            "Can not use both expression and non-expression parameters in the "
            "same request: Non-expression parameters: %s Expression parameters: %s",
            l, m);
    }
    return 0;
}

/* ExpressionAttributeNames: {"#n": "name"}, keys must start with '#'. */
static int read_names(ddbd_req_t *r, const cJSON *j, ddb_value_t *out) {
    if (!cJSON_IsObject(j)) {
        return p_error_type(r->err, "ExpressionAttributeNames");
    }
    size_t n = (size_t)cJSON_GetArraySize(j);
    if (n == 0) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "ExpressionAttributeNames must not be empty");
    }
    out->type = DDB_T_M;
    out->u.map.a = ddb_arena_alloc(r->arena, sizeof(ddb_attr_t) * n);
    out->u.map.n = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, j) {
        if (!cJSON_IsString(e)) {
            return p_error_type(r->err, "ExpressionAttributeNames");
        }
        size_t kl, vl;
        const char *key = json_key(e, &kl), *val = json_str(e, &vl);
        if (kl < 2 || key[0] != '#') {
            return ddb_error_set(
                r->err, DDB_ERR_VALIDATION,
                "ExpressionAttributeNames contains invalid key: Syntax error; key: \"%s\"",
                e->string);
        }
        if (ddb_check_attr_name(vl, r->err)) {
            char why[sizeof r->err->msg];
            snprintf(why, sizeof why, "%s", r->err->msg);
            return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                                 "ExpressionAttributeNames contains invalid value: %s for key %s",
                                 why, e->string);
        }
        ddb_attr_t *a = &out->u.map.a[out->u.map.n++];
        a->name = key;
        a->name_len = kl;
        a->value.type = DDB_T_S;
        a->value.u.str.ptr = val;
        a->value.u.str.len = vl;
    }
    return 0;
}

static int read_values(ddbd_req_t *r, const cJSON *j, ddb_value_t *out) {
    if (!cJSON_IsObject(j)) {
        return p_error_type(r->err, "ExpressionAttributeValues");
    }
    if (cJSON_GetArraySize(j) == 0) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "ExpressionAttributeValues must not be empty");
    }
    const cJSON *e;
    cJSON_ArrayForEach(e, j) {
        if (strlen(e->string) < 2 || e->string[0] != ':') {
            return ddb_error_set(
                r->err, DDB_ERR_VALIDATION,
                "ExpressionAttributeValues contains invalid key: Syntax error; key: \"%s\"",
                e->string);
        }
    }
    int rc = json_to_item(r->arena, j, out, r->err);
    if (rc != DDB_ERR_VALIDATION) return rc;
    /* find which value failed, to name its key as DynamoDB does */
    cJSON_ArrayForEach(e, j) {
        ddb_value_t v;
        ddb_error_t one;
        if (json_to_value(r->arena, e, &v, &one) == DDB_ERR_VALIDATION) {
            return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                                 "ExpressionAttributeValues contains invalid value: %s for key %s",
                                 one.msg, e->string);
        }
    }
    return rc;
}

/* Expected / KeyConditions / QueryFilter / ScanFilter: {"attr": {"Value": AV,
 * "Exists": bool, "ComparisonOperator": op, "AttributeValueList": [AV...]}}
 * (Value and Exists only in Expected). */
static int read_legacy_conditions(ddbd_req_t *r, const cJSON *in, const cJSON *j, const char *what,
                                  bool use_conditional_operator, expr_node_t **out) {
    if (!cJSON_IsObject(j)) {
        return p_error_type(r->err, what);
    }
    size_t n = (size_t)cJSON_GetArraySize(j);
    expr_legacy_cond_t *conds = ddb_arena_alloc(r->arena, sizeof *conds * (n ? n : 1));
    size_t i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, j) {
        expr_legacy_cond_t *c = &conds[i++];
        if (!cJSON_IsObject(e)) {
            return p_error_type(r->err, what);
        }
        c->name = json_key(e, &c->len);
        int rc = ddb_check_attr_name(c->len, r->err);
        if (rc) return rc;
        c->exists = -1;
        bool ex, exp;
        const cJSON *val, *list;
        rc = p_str(e, "ComparisonOperator", &c->op, &c->op_len, r->err);
        if (!rc) rc = p_bool(e, "Exists", &ex, &exp, r->err);
        if (!rc) rc = p_obj(e, "Value", &val, r->err);
        if (!rc) rc = p_arr(e, "AttributeValueList", &list, r->err);
        if (rc) return rc;
        if (exp) c->exists = ex ? 1 : 0;
        if (val && list) {
            return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                                 "One or more parameter values were invalid: Value and "
                                 "AttributeValueList cannot be used together for Attribute: %s",
                                 e->string);
        }
        if (c->op && (val || exp)) {
            return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                                 "One or more parameter values were invalid: %s cannot be used "
                                 "with ComparisonOperator for Attribute: %s",
                                 val ? "Value" : "Exists", e->string);
        }
        if (val) {
            ddb_value_t *v = ddb_arena_alloc(r->arena, sizeof *v);
            rc = json_to_value(r->arena, val, v, r->err);
            if (rc) return rc;
            c->values = v;
            c->nvalues = 1;
        } else if (list) {
            size_t m = (size_t)cJSON_GetArraySize(list);
            ddb_value_t *v = ddb_arena_alloc(r->arena, sizeof *v * (m ? m : 1));
            size_t k = 0;
            const cJSON *le;
            cJSON_ArrayForEach(le, list) {
                rc = json_to_value(r->arena, le, &v[k++], r->err);
                if (rc) return rc;
            }
            c->values = v;
            c->nvalues = m;
        }
    }
    const char *cop = NULL;
    size_t col = 0;
    int rc = use_conditional_operator ? p_str(in, "ConditionalOperator", &cop, &col, r->err) : 0;
    if (rc) return rc;
    bool is_or = cop && col == 2 && memcmp(cop, "OR", 2) == 0;
    if (cop && !is_or && !(col == 3 && memcmp(cop, "AND", 3) == 0)) {
        return p_error_enum(r->err, cop, (int)col, "AND, OR", "conditionalOperator");
    }
    if (cop && n == 0) {
        /* Expected: {} (or an empty filter) with it: nothing to join */
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "ConditionalOperator cannot be used without Filter or Expected");
    }
    return expr_from_legacy(r->arena, what, conds, n, is_or, out, r->err);
}

static int read_attribute_updates(ddbd_req_t *r, const cJSON *j, req_exprs_t *x) {
    if (!cJSON_IsObject(j)) {
        return p_error_type(r->err, "AttributeUpdates");
    }
    size_t n = (size_t)cJSON_GetArraySize(j);
    expr_legacy_update_t *ups = ddb_arena_alloc(r->arena, sizeof *ups * (n ? n : 1));
    size_t i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, j) {
        expr_legacy_update_t *u = &ups[i++];
        if (!cJSON_IsObject(e)) {
            return p_error_type(r->err, "AttributeUpdates");
        }
        u->name = json_key(e, &u->len);
        const cJSON *val;
        int rc = ddb_check_attr_name(u->len, r->err);
        if (!rc) rc = p_str(e, "Action", &u->action, &u->action_len, r->err);
        if (!rc) rc = p_obj(e, "Value", &val, r->err);
        if (rc) return rc;
        if (val) {
            ddb_value_t *v = ddb_arena_alloc(r->arena, sizeof *v);
            rc = json_to_value(r->arena, val, v, r->err);
            if (rc) return rc;
            u->value = v;
        }
    }
    return expr_update_from_legacy(r->arena, ups, n, &x->update, r->err);
}

static int read_attributes_to_get(ddbd_req_t *r, const cJSON *j, req_exprs_t *x) {
    if (!cJSON_IsArray(j)) {
        return p_error_type(r->err, "AttributesToGet");
    }
    size_t n = (size_t)cJSON_GetArraySize(j);
    if (n == 0) return p_error_len_min(r->err, "[]", 2, 1, "attributesToGet");
    const char **names = ddb_arena_alloc(r->arena, sizeof(char *) * n);
    size_t *lens = ddb_arena_alloc(r->arena, sizeof(size_t) * n);
    size_t i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, j) {
        if (!cJSON_IsString(e)) {
            return p_error_type(r->err, "AttributesToGet");
        }
        size_t len;
        const char *name = json_str(e, &len);
        int rc = ddb_check_attr_name(len, r->err);
        if (rc) return rc;
        for (size_t k = 0; k < i; k++) {
            if (lens[k] == len && memcmp(names[k], name, len) == 0) {
                return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                                     "One or more parameter values were invalid: Duplicate value "
                                     "in attribute name: %.*s",
                                     (int)len, name);
            }
        }
        names[i] = name;
        lens[i] = len;
        i++;
    }
    x->proj = ddb_arena_alloc(r->arena, sizeof *x->proj);
    expr_projection_from_names(r->arena, names, lens, n, x->proj);
    return 0;
}

static int read_on_failure(ddbd_req_t *r, const cJSON *in, req_exprs_t *x) {
    const char *s;
    size_t l;
    int rc = p_str(in, "ReturnValuesOnConditionCheckFailure", &s, &l, r->err);
    if (rc || !s) return rc;
    if (l == 7 && memcmp(s, "ALL_OLD", 7) == 0) {
        x->old_on_failure = true;
        return 0;
    }
    if (l == 4 && memcmp(s, "NONE", 4) == 0) return 0;
    return p_error_enum(r->err, s, (int)l, "ALL_OLD, NONE", "returnValuesOnConditionCheckFailure");
}

int exprs_parse(ddbd_req_t *r, const cJSON *in, unsigned accepted, req_exprs_t *x) {
    memset(x, 0, sizeof *x);
    int rc = check_no_mixing(r, in);
    if (!rc) rc = read_on_failure(r, in, x);
    if (rc) return rc;
    const char *cond = NULL, *upd = NULL, *proj = NULL, *key = NULL, *filt = NULL;
    size_t cl = 0, ul = 0, pl = 0, kl = 0, fl = 0;
    if (accepted & EXPRS_CONDITION) rc = p_str(in, "ConditionExpression", &cond, &cl, r->err);
    if (!rc && (accepted & EXPRS_UPDATE)) rc = p_str(in, "UpdateExpression", &upd, &ul, r->err);
    if (!rc && (accepted & EXPRS_PROJECTION)) {
        rc = p_str(in, "ProjectionExpression", &proj, &pl, r->err);
    }
    if (!rc && (accepted & EXPRS_KEY)) rc = p_str(in, "KeyConditionExpression", &key, &kl, r->err);
    if (!rc && (accepted & EXPRS_FILTER)) rc = p_str(in, "FilterExpression", &filt, &fl, r->err);
    if (rc) return rc;
    const cJSON *jn = member(in, "ExpressionAttributeNames");
    const cJSON *jv = member(in, "ExpressionAttributeValues");
    bool any = cond || upd || proj || key || filt;
    if (jn && !any) {
        return ddb_error_set(
            r->err, DDB_ERR_VALIDATION,
            "ExpressionAttributeNames can only be specified when using expressions");
    }
    if (jv && !cond && !upd && !key && !filt) {
        const char *which =
            (accepted & EXPRS_UPDATE)      ? "UpdateExpression and ConditionExpression are null"
            : (accepted & EXPRS_CONDITION) ? "ConditionExpression is null"
            : (accepted & EXPRS_KEY)       ? "FilterExpression and KeyConditionExpression are null"
            : (accepted & EXPRS_FILTER)    ? "FilterExpression is null"
                                           : "ProjectionExpression does not use values";
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "ExpressionAttributeValues can only be specified when using "
                             "expressions: %s",
                             which);
    }
    ddb_value_t *names = NULL, *values = NULL;
    if (jn) {
        names = ddb_arena_alloc(r->arena, sizeof *names);
        rc = read_names(r, jn, names);
        if (rc) return rc;
    }
    if (jv) {
        values = ddb_arena_alloc(r->arena, sizeof *values);
        rc = read_values(r, jv, values);
        if (rc) return rc;
    }
    expr_ctx_init(&x->ctx, r->arena, names, values);
    if (upd) rc = expr_parse_update(&x->ctx, upd, ul, &x->update, r->err);
    if (!rc && cond)
        rc = expr_parse_condition(&x->ctx, "ConditionExpression", cond, cl, &x->cond, r->err);
    if (!rc && key)
        rc = expr_parse_condition(&x->ctx, "KeyConditionExpression", key, kl, &x->key, r->err);
    if (!rc && filt)
        rc = expr_parse_condition(&x->ctx, "FilterExpression", filt, fl, &x->filter, r->err);
    if (!rc && proj) rc = expr_parse_projection(&x->ctx, proj, pl, &x->proj, r->err);
    if (!rc && any) rc = expr_check_unused(&x->ctx, r->err);
    if (rc) return rc;
    /* legacy members */
    const cJSON *j;
    if ((accepted & EXPRS_CONDITION) && (j = member(in, "Expected"))) {
        rc = read_legacy_conditions(r, in, j, "Expected", true, &x->cond);
    } else if ((accepted & EXPRS_FILTER) && (j = member(in, "QueryFilter"))) {
        rc = read_legacy_conditions(r, in, j, "QueryFilter", true, &x->filter);
    } else if ((accepted & EXPRS_FILTER) && (j = member(in, "ScanFilter"))) {
        rc = read_legacy_conditions(r, in, j, "ScanFilter", true, &x->filter);
    } else if (member(in, "ConditionalOperator") && (accepted & (EXPRS_CONDITION | EXPRS_FILTER))) {
        rc = ddb_error_set(r->err, DDB_ERR_VALIDATION,
                           "ConditionalOperator cannot be used without Filter or Expected");
    }
    if (!rc && (accepted & EXPRS_KEY) && (j = member(in, "KeyConditions"))) {
        rc = read_legacy_conditions(r, in, j, "KeyConditions", false, &x->key);
    }
    if (!rc && (accepted & EXPRS_UPDATE) && (j = member(in, "AttributeUpdates"))) {
        rc = read_attribute_updates(r, j, x);
    }
    if (!rc && (accepted & EXPRS_PROJECTION) && (j = member(in, "AttributesToGet"))) {
        rc = read_attributes_to_get(r, j, x);
    }
    return rc;
}
