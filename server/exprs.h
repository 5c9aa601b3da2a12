/* exprs.h: the expression-related members of item requests.
 *
 * Reads ConditionExpression / UpdateExpression / ProjectionExpression with
 * ExpressionAttributeNames and ExpressionAttributeValues, or their legacy
 * counterparts (Expected + ConditionalOperator, AttributeUpdates,
 * AttributesToGet), validates them together as DynamoDB does (no mixing of
 * the two styles, no unused or undefined names/values), and yields parsed
 * trees from query/expr.h. */
#ifndef DDB_EXPRS_H
#define DDB_EXPRS_H

#include "query/expr.h"
#include "server/ddbd.h"

/* Which members an operation accepts. */
enum {
    EXPRS_CONDITION = 1,  /* ConditionExpression / Expected */
    EXPRS_UPDATE = 2,     /* UpdateExpression / AttributeUpdates */
    EXPRS_PROJECTION = 4, /* ProjectionExpression / AttributesToGet */
    EXPRS_KEY = 8,        /* KeyConditionExpression / KeyConditions */
    EXPRS_FILTER = 16,    /* FilterExpression / QueryFilter or ScanFilter */
};

typedef struct req_exprs {
    expr_ctx_t ctx;
    expr_node_t *cond;       /* NULL when no condition */
    expr_update_t *update;   /* NULL when no update */
    expr_projection_t *proj; /* NULL when no projection */
    expr_node_t *key;        /* NULL when no key condition */
    expr_node_t *filter;     /* NULL when no filter */
    bool old_on_failure;     /* ReturnValuesOnConditionCheckFailure = ALL_OLD */
} req_exprs_t;

/* Parses and validates the members of the JSON object `in` (the request
 * body or one batch/transaction entry) named by `accepted` (an EXPRS_*
 * mask); r supplies the arena and the error. */
int exprs_parse(ddbd_req_t *r, const cJSON *in, unsigned accepted, req_exprs_t *x);

#endif
