/* explain.h: ddbc's client-side planning of PartiQL — the table's schema read from a
 * DescribeTable answer, a statement planned into the plain DynamoDB API requests it will send
 * (query/partiql.h), the scan-and-write form of UPDATE/DELETE without the full key, a write
 * as a TransactWriteItems entry, and EXPLAIN's text. Pure: sends nothing. */
#ifndef DDBC_EXPLAIN_H
#define DDBC_EXPLAIN_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "query/arena.h"
#include "query/buf.h"
#include "query/error.h"
#include "query/partiql.h"
#include "tools/ddbc/ddl.h"

/* The schema in a DescribeTable answer (the whole response or its "Table"), strings copied
 * into a. DDB_ERR_VALIDATION when it has no usable KeySchema. */
int xp_schema(const cJSON *table, ddb_arena_t *a, pq_schema_t *out, ddb_error_t *err);

typedef struct xp_plan {
    pq_stmt_t *stmt; /* the statement parsed (in the arena) */
    char table[256]; /* its table, NUL-terminated */
    long limit;      /* ddbc's LIMIT n, or -1 */
    pq_plan_t *plan; /* after xp_plan: the requests (for a keyless write, the read finding the
                      * items to write) */
    bool keyless;    /* UPDATE/DELETE without the full key: a read, then one keyed write for
                      * each item found (xp_keyed_write) */
} xp_plan_t;

/* Parses one PartiQL statement (a trailing `LIMIT n` is ddbc's own). text is copied into a.
 * On a syntax error: DDB_ERR_VALIDATION, the message, the byte offset in *err_pos. */
int xp_parse(const char *text, size_t len, ddb_arena_t *a, xp_plan_t *out, size_t *err_pos,
             ddb_error_t *err);

/* Plans the parsed statement against the schema. Free with xp_free. */
int xp_plan(xp_plan_t *x, const pq_schema_t *schema, ddb_arena_t *a, ddb_error_t *err);

/* A keyless UPDATE/DELETE's write of one item found (item: its attributes as AttributeValues,
 * which hold the key): the statement's own write with the item's key added to its WHERE,
 * so its other conditions still hold when it is written. Free *out with pq_plan_free. */
int xp_keyed_write(const xp_plan_t *x, const pq_schema_t *schema, const cJSON *item, ddb_arena_t *a,
                   pq_plan_t **out, ddb_error_t *err);

/* A planned write (PutItem, UpdateItem, DeleteItem, ConditionCheck) as one TransactItems
 * entry ({"Put": {...}} ...); NULL with err set for a read. The caller owns the result. */
cJSON *xp_transact_item(const pq_plan_t *p, ddb_error_t *err);

/* The index a Query or Scan request reads ("" for the table itself). */
const char *xp_index_of(const cJSON *req);

/* The CLI's name of an operation: "GetItem" -> "get-item". */
void xp_cli_name(const char *op, char *out, size_t cap);

/* EXPLAIN's text: what kind of access it is (GetItem, Query on which index, Scan) and each
 * request as pretty JSON usable with `aws dynamodb <op> --cli-input-json`. json: one line
 * {"Operation":...,"Index":...,"Requests":[...]} instead. */
void xp_explain(const xp_plan_t *x, bool json, buf_t *b);
void xp_explain_ddl(const ddl_plan_t *d, bool json, buf_t *b);
void xp_explain_request(const char *op, const cJSON *req, const char *note, bool json, buf_t *b);

void xp_free(xp_plan_t *x);

#endif
