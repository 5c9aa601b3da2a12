/* partiql_check.c: a planned request passed through the expression
 * language's own parser (query/expr.h), so that what DynamoDB refuses in a
 * translated statement (attribute type names, operand types, too many IN
 * operands, overlapping paths) is refused at planning with DynamoDB's
 * PartiQL wording: the expression message without its "Invalid
 * <Parameter>: " prefix. Reads the request; never changes it. Pure. */
#include <string.h>

#include "query/expr.h"
#include "query/json.h"
#include "query/partiql_internal.h"

/* {"#n0":"name",...} as a map of S values. */
static void names_value(ddb_arena_t *a, const cJSON *o, ddb_value_t *out) {
    size_t n = (size_t)cJSON_GetArraySize(o), i = 0;
    ddb_attr_t *at = ddb_arena_alloc(a, (n ? n : 1) * sizeof *at);
    for (const cJSON *e = o->child; e; e = e->next, i++) {
        at[i].name = e->string;
        at[i].name_len = strlen(e->string);
        at[i].value.type = DDB_T_S;
        at[i].value.u.str.ptr = e->valuestring;
        at[i].value.u.str.len = strlen(e->valuestring);
    }
    *out = (ddb_value_t){.type = DDB_T_M, .u.map = {at, n}};
}

/* The expression parser's error as PartiQL words it. */
static int reword(const ddb_error_t *in, ddb_error_t *err) {
    const char *m = in->msg;
    const char *nest = "Nesting Levels have exceeded supported limits"; /* Local: no detail */
    if (strncmp(m, nest, strlen(nest)) == 0)
        return ddb_error_set(err, DDB_ERR_VALIDATION, "%s", nest);
    if (strncmp(m, "Invalid ", 8) == 0) {
        const char *colon = strstr(m, "Expression: ");
        if (colon) m = colon + 12;
    }
    return ddb_error_set(err, DDB_ERR_VALIDATION, "%s", m);
}

static const char *member(const cJSON *r, const char *name) {
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(r, name);
    return e ? e->valuestring : NULL;
}

/* True for the expression parser's own size limit: a statement may be 8 KB
 * where an expression may be 4 KB, and DynamoDB applies the statement's. */
static bool size_only(const ddb_error_t *e) {
    return strstr(e->msg, "Expression size has exceeded") != NULL;
}

int pq__check_request(pq_ctx_t *c, const cJSON *r) {
    ddb_value_t names, values;
    const cJSON *jn = cJSON_GetObjectItemCaseSensitive(r, "ExpressionAttributeNames");
    const cJSON *jv = cJSON_GetObjectItemCaseSensitive(r, "ExpressionAttributeValues");
    ddb_error_t e;
    if (jn) names_value(c->a, jn, &names);
    if (jv && json_to_item(c->a, jv, &values, &e)) return reword(&e, c->err);
    expr_ctx_t ctx;
    expr_ctx_init(&ctx, c->a, jn ? &names : NULL, jv ? &values : NULL);
    static const char *const conds[] = {"KeyConditionExpression", "FilterExpression",
                                        "ConditionExpression"};
    for (int i = 0; i < 3; i++) {
        const char *s = member(r, conds[i]);
        expr_node_t *n;
        if (s && expr_parse_condition(&ctx, conds[i], s, strlen(s), &n, &e) && !size_only(&e))
            return reword(&e, c->err);
    }
    const char *s = member(r, "ProjectionExpression");
    expr_projection_t *proj;
    if (s && expr_parse_projection(&ctx, s, strlen(s), &proj, &e) && !size_only(&e))
        return reword(&e, c->err);
    s = member(r, "UpdateExpression");
    expr_update_t *up;
    if (s && expr_parse_update(&ctx, s, strlen(s), &up, &e) && !size_only(&e))
        return reword(&e, c->err);
    return 0;
}
