/* partiql_exec.h: what the PartiQL operations (ops_partiql.c,
 * ops_partiql_batch.c) share: a statement parsed, its table loaded and its
 * plan made (query/partiql.h), and the call of an existing operation handler
 * (GetItem, Query, PutItem, ...) with a plan's request as its body. Never
 * executes a statement any other way than through those handlers. */
#ifndef DDB_PARTIQL_EXEC_H
#define DDB_PARTIQL_EXEC_H

#include "query/partiql.h"
#include "server/ddbd.h"

/* One statement on its way to execution; everything in the request arena
 * (the plan's cJSON trees go with it: the router's cJSON hooks allocate
 * there during a request). */
typedef struct pqx_stmt {
    pq_stmt_t *st;          /* parsed (pqx_parse) */
    ddb_table_info_t table; /* loaded (pqx_plan) */
    bool has_table;         /* the table was found */
    pq_plan_t *plan;        /* planned (pqx_plan) */
} pqx_stmt_t;

/* Reads the Statement member of obj: a string of 1..8192 characters (where
 * names it in the messages). */
int pqx_statement(const cJSON *obj, const char *where, const char **text, size_t *len,
                  ddb_error_t *err);

/* Reads a statement member (1..8192 characters; where names it in the
 * messages) and parses it; syntax errors are the parser's. */
int pqx_parse(ddbd_req_t *r, const cJSON *obj, const char *where, pqx_stmt_t *s, ddb_error_t *err);

/* Loads the statement's table and plans it with the JSON Parameters list
 * params (NULL: none). */
int pqx_plan(ddbd_req_t *r, const cJSON *params, pqx_stmt_t *s, ddb_error_t *err);

/* The handler of a plan's operation (NULL for a ConditionCheck). */
ddbd_op_fn pqx_handler(pq_op_t op);

/* Calls fn with in as the request body, errors into err/err_extra, and
 * parses its response into *out. The capacity it used is left in
 * r->srv->note.cap. */
int pqx_call(ddbd_req_t *r, ddbd_op_fn fn, const cJSON *in, ddb_error_t *err, buf_t *err_extra,
             cJSON **out);

/* Passes the request's ReturnConsumedCapacity on to req, a statement's
 * own request, so that its handler accounts its index writes too. */
void pqx_ask_capacity(ddbd_req_t *r, cJSON *req);

/* Writes one response item (a JSON map of AttributeValues) as DynamoDB
 * writes items. */
int pqx_put_item(ddbd_req_t *r, buf_t *b, const cJSON *item, ddb_error_t *err);

/* Notes the statement's table for the request log. */
void pqx_note_table(ddbd_req_t *r, const pqx_stmt_t *s);

#endif
