/* partiql_internal.h: what partiql_parse.c, partiql_value.c and
 * partiql_plan.c share (not part of the public interface, query/partiql.h).
 * Pure. */
#ifndef DDB_PARTIQL_INTERNAL_H
#define DDB_PARTIQL_INTERNAL_H

#include <cjson/cJSON.h>

#include "query/buf.h"
#include "query/partiql.h"

/* DynamoDB's envelope of every syntax error. */
#define PQ_NOT_WELL_FORMED "Statement wasn't well formed, can't be processed: "

/* "L:C:N" as DynamoDB writes positions: line and column from 1, counted in
 * characters (not bytes), and the length in characters of n bytes at pos. */
void pq__at(const char *text, size_t pos, size_t n, char out[48]);

/* The length in bytes of the token a node starts with (for positions). */
size_t pq__node_toklen(const char *text, size_t len, const pq_node_t *n);

/* What planning one statement needs at hand. */
typedef struct pq_ctx {
    const char *text;          /* the statement (node offsets point into it) */
    size_t text_len;           /* its length */
    const ddb_value_t *params; /* bound parameters */
    size_t nparams;            /* number of params */
    ddb_arena_t *a;            /* scratch and values */
    ddb_error_t *err;          /* where errors go */
    cJSON *names;              /* ExpressionAttributeNames being built */
    cJSON *values;             /* ExpressionAttributeValues being built */
    int nnames, nvalues;       /* placeholders handed out */
} pq_ctx_t;

/* The value of a literal node (string, number, boolean, null, list, map,
 * set or parameter), with DynamoDB's messages for what cannot be one. */
int pq__value(pq_ctx_t *c, const pq_node_t *n, ddb_value_t *out);

/* The item of an INSERT (n a PQ_N_MAP) as a map value. */
int pq__item(pq_ctx_t *c, const pq_node_t *n, ddb_value_t *out);

/* A value as its DynamoDB JSON ({"S":"x"}); NULL if cJSON runs out of memory. */
cJSON *pq__value_json(const ddb_value_t *v);

/* Appends to b the placeholder of path n (#n0.#n1[2]), adding the names. */
void pq__emit_path(pq_ctx_t *c, buf_t *b, const pq_node_t *n);

/* Appends to b a value placeholder (:v0) bound to the value of node n. */
int pq__emit_value(pq_ctx_t *c, buf_t *b, const pq_node_t *n);

/* Appends to b condition n as a DynamoDB condition expression. */
int pq__emit_cond(pq_ctx_t *c, buf_t *b, const pq_node_t *n);

/* Passes request r through query/expr.h's parsers: DynamoDB's message
 * (without the "Invalid <Parameter>: " prefix) for what they refuse. */
int pq__check_request(pq_ctx_t *c, const cJSON *r);

/* True when n is a path of one name equal to name. */
bool pq__is_attr(const pq_node_t *n, const char *name);

/* True when n is a literal or a parameter (a value, not a path or call). */
bool pq__is_literal(const pq_node_t *n);

/* ---- planning (partiql_plan.c, partiql_write.c) ---- */

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

/* Splits WHERE into p->w at its top-level ANDs. */
void pq__split_and(planner_t *p, const pq_node_t *where);

/* DDB_ERR_VALIDATION with msg. */
int pq__fail(planner_t *p, const char *msg);

/* `name = literal` in either order: the literal, else NULL. */
const pq_node_t *pq__eq_on(const pq_node_t *n, const char *name);

/* The value of key literal v, checked against the schema's type. */
int pq__key_value(planner_t *p, const pq_node_t *v, const char *name, ddb_type_t type,
                  ddb_value_t *out);

/* The conjuncts not taken as key conditions, ANDed, into b (*any: some). */
int pq__emit_rest(planner_t *p, buf_t *b, bool *any);

/* r[k] = the text of b. */
void pq__add_str(cJSON *r, const char *k, buf_t *b);

/* Fresh placeholder maps for a request; moved into r, or dropped with it. */
void pq__new_request(planner_t *p);
void pq__finish_request(planner_t *p, cJSON *r);
void pq__drop_request(planner_t *p, cJSON *r);

/* {"TableName":...} and, when index is set, the statement's IndexName. */
cJSON *pq__table_request(planner_t *p, bool index);

/* The placeholder of a top-level attribute into b. */
void pq__emit_attr(planner_t *p, buf_t *b, const char *name);

/* o[name] = v as DynamoDB JSON. */
void pq__add_json_value(cJSON *o, const char *name, const ddb_value_t *v);

/* The write statements' plans (partiql_write.c). */
int pq__plan_insert(planner_t *p, const pq_schema_t *schema, pq_plan_t *plan);
int pq__plan_keyed(planner_t *p, const pq_schema_t *schema, pq_plan_t *plan);

#endif