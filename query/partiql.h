/* partiql.h: DynamoDB's PartiQL dialect — lexer, parser and planner.
 *
 * pq_parse turns a statement into an AST (arena-allocated); pq_plan turns
 * the AST, the table's key schema and the statement's parameters into the
 * one DynamoDB API request (or requests, for IN on a partition key) it is
 * equivalent to, as DynamoDB JSON. Shared by ddbd (ExecuteStatement) and
 * ddbc (EXPLAIN). Pure: no I/O, no catalog access (the caller describes the
 * table), no global state. */
#ifndef DDB_PARTIQL_H
#define DDB_PARTIQL_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "query/arena.h"
#include "query/error.h"
#include "query/value.h"

/* DynamoDB's limit on ExecuteStatement's Statement (1..8192 characters). */
#define PQ_MAX_STATEMENT 8192
/* Nesting bound of expressions and literals: deeper input is a syntax error
 * instead of a deep recursion (a few hundred bytes of stack a level).
 * DynamoDB Local takes 1000 parentheses and overflows its stack at 2000;
 * documents nest 32 levels at most anyway. */
#define PQ_MAX_DEPTH 256

typedef enum pq_kind {
    PQ_SELECT,
    PQ_INSERT,
    PQ_UPDATE,
    PQ_DELETE,
    PQ_EXISTS /* EXISTS(SELECT ...): a transaction's condition check */
} pq_kind_t;

typedef enum pq_node_kind {
    PQ_N_PATH,    /* document path: elems */
    PQ_N_STR,     /* 'string': text */
    PQ_N_NUM,     /* number literal: text as written */
    PQ_N_BOOL,    /* TRUE / FALSE: boolean */
    PQ_N_NULL,    /* NULL */
    PQ_N_MISSING, /* MISSING */
    PQ_N_PARAM,   /* ?: param (0-based, in order of appearance) */
    PQ_N_LIST,    /* [a, b]: kids */
    PQ_N_SET,     /* <<a, b>>: kids */
    PQ_N_MAP,     /* {'k': v}: keys[i] -> kids[i] */
    PQ_N_CMP,     /* kids[0] op kids[1] */
    PQ_N_BETWEEN, /* kids[0] BETWEEN kids[1] AND kids[2] */
    PQ_N_IN,      /* kids[0] IN kids[1] (a PQ_N_LIST, or a PQ_N_PARAM) */
    PQ_N_AND,     /* kids[0] AND kids[1] */
    PQ_N_OR,      /* kids[0] OR kids[1] */
    PQ_N_NOT,     /* NOT kids[0] */
    PQ_N_IS,      /* kids[0] IS [NOT] NULL|MISSING: negated, is_missing */
    PQ_N_CALL,    /* name(kids...): begins_with, contains, ... */
    PQ_N_ADD,     /* kids[0] + kids[1] (UPDATE SET only) */
    PQ_N_SUB      /* kids[0] - kids[1] (UPDATE SET only) */
} pq_node_kind_t;

typedef enum pq_cmp { PQ_EQ, PQ_NE, PQ_LT, PQ_LE, PQ_GT, PQ_GE } pq_cmp_t;

/* One element of a path: a name (index < 0) or a list index [n]. */
typedef struct pq_elem {
    const char *name; /* attribute name bytes (not NUL-terminated) */
    size_t len;       /* length of name */
    long index;       /* >= 0 for [n] */
} pq_elem_t;

typedef struct pq_node pq_node_t;
struct pq_node {
    pq_node_kind_t kind;
    size_t pos;       /* byte offset of the node's first token */
    pq_cmp_t op;      /* PQ_N_CMP */
    const char *text; /* STR (unescaped), NUM, CALL (name as written) */
    size_t len;       /* length of text */
    bool boolean;     /* BOOL */
    bool negated;     /* IS NOT ... */
    bool is_missing;  /* IS [NOT] MISSING (else NULL) */
    size_t param;     /* PARAM */
    pq_elem_t *elems; /* PATH */
    size_t nelems;    /* PATH */
    pq_node_t **kids; /* operands, elements, map values */
    pq_node_t **keys; /* MAP: the key of each kid (PQ_N_STR or PQ_N_PARAM) */
    size_t nkids;     /* number of kids (and keys) */
};

/* UPDATE's actions in statement order. */
typedef struct pq_action {
    bool remove;      /* REMOVE path (else SET path = value) */
    pq_node_t *path;  /* PQ_N_PATH */
    pq_node_t *value; /* SET's value: operand, + / -, list_append, set_add, set_delete */
} pq_action_t;

typedef enum pq_returning {
    PQ_RET_NONE,
    PQ_RET_ALL_OLD,
    PQ_RET_MODIFIED_OLD,
    PQ_RET_ALL_NEW,
    PQ_RET_MODIFIED_NEW
} pq_returning_t;

typedef struct pq_stmt pq_stmt_t;
struct pq_stmt {
    pq_kind_t kind;
    const char *table;  /* table name (unquoted) */
    size_t table_len;   /* length of table */
    const char *index;  /* SELECT FROM "t"."i": index name, else NULL */
    size_t index_len;   /* length of index */
    bool star;          /* SELECT * */
    pq_node_t **proj;   /* SELECT's paths (when not star) */
    size_t nproj;       /* number of proj */
    pq_node_t *where;   /* WHERE condition or NULL */
    pq_node_t **order;  /* ORDER BY paths */
    bool *order_desc;   /* DESC for each order path */
    size_t norder;      /* number of order paths */
    pq_node_t *value;   /* INSERT's VALUE (a PQ_N_MAP) */
    pq_action_t *acts;  /* UPDATE's SET/REMOVE actions */
    size_t nacts;       /* number of acts */
    pq_returning_t ret; /* RETURNING clause */
    size_t ret_pos;     /* offset of RETURNING (for its errors) */
    pq_stmt_t *inner;   /* PQ_EXISTS: the SELECT inside */
    size_t nparams;     /* number of ? in the statement */
    const char *text;   /* the statement parsed (positions in errors) */
    size_t text_len;    /* its length */
};

/* Parses text[0..len) (one statement, an optional trailing ';'). On a syntax
 * error returns DDB_ERR_VALIDATION with DynamoDB's message, and the byte
 * offset of the offending token in *err_pos when err_pos is not NULL. The
 * AST lives in arena a and points into text (keep text alive with it). */
int pq_parse_at(const char *text, size_t len, ddb_arena_t *a, pq_stmt_t **out, size_t *err_pos,
                ddb_error_t *err);
int pq_parse(const char *text, size_t len, ddb_arena_t *a, pq_stmt_t **out, ddb_error_t *err);

/* A key schema: hash attribute and optional range attribute, with their
 * scalar types (DDB_T_S, DDB_T_N or DDB_T_B). */
typedef struct pq_keys {
    const char *hash; /* partition key name (NUL-terminated) */
    ddb_type_t hash_type;
    const char *range; /* sort key name, NULL without one */
    ddb_type_t range_type;
} pq_keys_t;

typedef struct pq_index {
    const char *name; /* index name (NUL-terminated) */
    pq_keys_t keys;   /* the index's key schema */
} pq_index_t;

/* What the planner needs to know of the table (the server reads it from
 * its catalog, ddbc from DescribeTable). */
typedef struct pq_schema {
    pq_keys_t keys;            /* the table's primary key */
    const pq_index_t *indexes; /* its GSIs and LSIs */
    size_t nindexes;           /* number of indexes */
} pq_schema_t;

typedef enum pq_op {
    PQ_OP_GET_ITEM,
    PQ_OP_QUERY,
    PQ_OP_SCAN,
    PQ_OP_PUT_ITEM,
    PQ_OP_UPDATE_ITEM,
    PQ_OP_DELETE_ITEM,
    PQ_OP_CONDITION_CHECK /* EXISTS(...) in a transaction */
} pq_op_t;

/* A plan: the operation and its request(s), exactly as a client would send
 * them to DynamoDB's JSON API ({"TableName":..., "KeyConditionExpression":
 * ..., ...}). IN on the partition key gives one Query per value (nreq > 1),
 * whose results follow each other in the order written. Placeholders are
 * #n0, #n1 ... (one per distinct name) and :v0, :v1 ... (one per literal).
 * What belongs to the call and not the statement is the caller's to add:
 * ConsistentRead, Limit, ExclusiveStartKey (from NextToken),
 * ReturnConsumedCapacity, ReturnValuesOnConditionCheckFailure. A
 * ConditionCheck comes only from EXISTS(...), which DynamoDB accepts only in
 * ExecuteTransaction ("EXISTS can only be used in ExecuteTransaction write
 * requests." elsewhere: the caller's check). The cJSON trees are owned by
 * the plan: free them with pq_plan_free. */
typedef struct pq_plan {
    pq_op_t op;
    cJSON **req; /* the requests (nreq >= 1) */
    size_t nreq; /* number of requests */
    bool insert; /* PutItem of an INSERT: map ConditionalCheckFailed to DuplicateItem */
} pq_plan_t;

/* Plans stmt against schema, substituting params[0..nparams) for its '?'s
 * (their count must match the statement's when it has any). Fails with
 * DDB_ERR_VALIDATION and DynamoDB's message for what DynamoDB refuses
 * before touching data: writes without the full key, ORDER BY off the key,
 * key values of the wrong type, unknown indexes, and whatever the
 * expression language refuses of the translation (checked with query/expr.h,
 * worded as PartiQL words it). The table's existence is the caller's. The
 * plan struct is in arena a; its cJSON trees are malloc'ed (pq_plan_free). */
int pq_plan(const pq_stmt_t *stmt, const pq_schema_t *schema, const ddb_value_t *params,
            size_t nparams, ddb_arena_t *a, pq_plan_t **out, ddb_error_t *err);

/* The operation's name: "GetItem", "Query", ... */
const char *pq_op_name(pq_op_t op);

/* The plan as JSON text: {"Operation":"Query","Request":{...}} (with
 * "Requests":[...] when there are several); malloc'ed, the caller frees. */
char *pq_plan_json(const pq_plan_t *plan);

/* Frees the plan's cJSON trees (the struct itself is the arena's). */
void pq_plan_free(pq_plan_t *plan);

#endif
