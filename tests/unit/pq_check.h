/* pq_check.h: checks that a PartiQL plan is a request ddbd's JSON API
 * accepts as it stands: its Key/Item are items, its names and values are
 * well-formed and all used, and every expression parses with query/expr.h
 * (a KeyConditionExpression also fits the target's key schema). Shared by
 * test_partiql.c and fuzz_partiql.c; returns NULL or what is wrong. */
#ifndef DDB_PQ_CHECK_H
#define DDB_PQ_CHECK_H

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "query/expr.h"
#include "query/json.h"
#include "query/partiql.h"

/* {"#n0":"name",...} as a map of S values. */
static inline int pq_check_names_(ddb_arena_t *a, const cJSON *o, ddb_value_t *out) {
    size_t n = (size_t)cJSON_GetArraySize(o), i = 0;
    ddb_attr_t *at = ddb_arena_alloc(a, (n ? n : 1) * sizeof *at);
    for (const cJSON *e = o ? o->child : NULL; e; e = e->next, i++) {
        if (!cJSON_IsString(e)) return -1;
        at[i].name = e->string;
        at[i].name_len = strlen(e->string);
        at[i].value =
            (ddb_value_t){.type = DDB_T_S, .u.str = {e->valuestring, strlen(e->valuestring)}};
    }
    *out = (ddb_value_t){.type = DDB_T_M, .u.map = {at, n}};
    return 0;
}

/* The key schema a request targets (its IndexName, else the table's). */
static inline const pq_keys_t *pq_check_keys_(const pq_schema_t *s, const cJSON *r) {
    const cJSON *ix = cJSON_GetObjectItemCaseSensitive(r, "IndexName");
    if (!ix) return &s->keys;
    for (size_t i = 0; i < s->nindexes; i++)
        if (strcmp(s->indexes[i].name, ix->valuestring) == 0) return &s->indexes[i].keys;
    return NULL;
}

static inline const char *pq_check_request(ddb_arena_t *a, const pq_schema_t *s, const cJSON *r,
                                           ddb_error_t *err) {
    ddb_value_t names, values, item;
    const cJSON *jn = cJSON_GetObjectItemCaseSensitive(r, "ExpressionAttributeNames");
    const cJSON *jv = cJSON_GetObjectItemCaseSensitive(r, "ExpressionAttributeValues");
    if (!cJSON_GetObjectItemCaseSensitive(r, "TableName")) return "no TableName";
    if (jn && pq_check_names_(a, jn, &names)) return "names";
    if (jv && json_to_item(a, jv, &values, err)) return "values";
    const char *items[] = {"Key", "Item"};
    for (int i = 0; i < 2; i++) {
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(r, items[i]);
        if (k && json_to_item(a, k, &item, err)) return items[i];
    }
    expr_ctx_t ctx;
    expr_ctx_init(&ctx, a, jn ? &names : NULL, jv ? &values : NULL);
    const char *conds[] = {"KeyConditionExpression", "FilterExpression", "ConditionExpression"};
    for (int i = 0; i < 3; i++) {
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(r, conds[i]);
        if (!e) continue;
        expr_node_t *c;
        if (expr_parse_condition(&ctx, conds[i], e->valuestring, strlen(e->valuestring), &c, err))
            return conds[i];
        const pq_keys_t *k = pq_check_keys_(s, r);
        if (i == 0 && (!k || expr_key_condition(c, k->hash, strlen(k->hash), k->hash_type, k->range,
                                                k->range ? strlen(k->range) : 0, k->range_type,
                                                &(expr_key_cond_t){0}, err)))
            return "key condition";
    }
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(r, "ProjectionExpression");
    expr_projection_t *proj;
    if (p && expr_parse_projection(&ctx, p->valuestring, strlen(p->valuestring), &proj, err))
        return "ProjectionExpression";
    const cJSON *u = cJSON_GetObjectItemCaseSensitive(r, "UpdateExpression");
    expr_update_t *up;
    if (u && expr_parse_update(&ctx, u->valuestring, strlen(u->valuestring), &up, err))
        return "UpdateExpression";
    if (expr_check_unused(&ctx, err)) return "unused";
    return NULL;
}

/* NULL when every request of plan passes; else what failed (err says why). */
static inline const char *pq_check_plan(ddb_arena_t *a, const pq_schema_t *s, const pq_plan_t *p,
                                        ddb_error_t *err) {
    if (p->nreq == 0) return "no request";
    for (size_t i = 0; i < p->nreq; i++) {
        const char *bad = pq_check_request(a, s, p->req[i], err);
        if (bad) return bad;
    }
    return NULL;
}

#endif
