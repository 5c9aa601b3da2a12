/* expr.h: DynamoDB's expression language: ConditionExpression and
 * FilterExpression, KeyConditionExpression, UpdateExpression and
 * ProjectionExpression — lexing, parsing with DynamoDB's validation messages,
 * evaluation over items, update application and projection.
 *
 * Pure: no I/O. ASTs, values and results live in the caller's arena. One
 * expr_ctx_t spans all expressions of a request, so that unused
 * ExpressionAttributeNames/Values can be reported as DynamoDB does. */
#ifndef DDB_EXPR_H
#define DDB_EXPR_H

#include <stdbool.h>
#include <stddef.h>

#include "query/arena.h"
#include "query/error.h"
#include "query/value.h"

/* ---- paths ---------------------------------------------------------------- */

typedef struct expr_step {
    const char *name; /* attribute name (NULL for a list index) */
    size_t len;
    long index; /* list index, or -1 for a name */
} expr_step_t;

typedef struct expr_path {
    expr_step_t *steps;
    size_t n;
} expr_path_t;

/* ---- ASTs ----------------------------------------------------------------- */

typedef enum expr_kind {
    /* operands */
    EXPR_PATH,          /* a document path */
    EXPR_VALUE,         /* an :value */
    EXPR_SIZE,          /* size(path) */
    EXPR_IF_NOT_EXISTS, /* if_not_exists(path, operand) (update only) */
    EXPR_LIST_APPEND,   /* list_append(a, b) (update only) */
    EXPR_PLUS,          /* a + b (update only) */
    EXPR_MINUS,         /* a - b (update only) */
    /* conditions */
    EXPR_CMP,     /* a op b */
    EXPR_BETWEEN, /* a BETWEEN b AND c */
    EXPR_IN,      /* a IN (list...) */
    EXPR_AND,
    EXPR_OR,
    EXPR_NOT,
    EXPR_EXISTS,      /* attribute_exists(path) */
    EXPR_NOT_EXISTS,  /* attribute_not_exists(path) */
    EXPR_ATTR_TYPE,   /* attribute_type(path, :type) */
    EXPR_BEGINS_WITH, /* begins_with(a, b) */
    EXPR_CONTAINS     /* contains(a, b) */
} expr_kind_t;

typedef enum expr_cmp { CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE } expr_cmp_t;

typedef struct expr_node expr_node_t;
struct expr_node {
    expr_kind_t kind;
    expr_cmp_t cmp;         /* EXPR_CMP */
    expr_node_t *a, *b, *c; /* operands / children */
    expr_node_t **list;     /* EXPR_IN operands */
    size_t nlist;
    expr_path_t path;         /* EXPR_PATH, EXPR_SIZE */
    const ddb_value_t *value; /* EXPR_VALUE */
    bool parens;              /* the parser's: written in parentheses */
};

/* ---- request context ------------------------------------------------------ */

typedef struct expr_ctx {
    ddb_arena_t *arena;
    const ddb_value_t *names;  /* ExpressionAttributeNames: M of S, or NULL */
    const ddb_value_t *values; /* ExpressionAttributeValues: M, or NULL */
    bool *names_used;          /* per entry of names */
    bool *values_used;         /* per entry of values */
} expr_ctx_t;

/* Prepares a context; names/values may be NULL. */
void expr_ctx_init(expr_ctx_t *ctx, ddb_arena_t *arena, const ddb_value_t *names,
                   const ddb_value_t *values);

/* After all expressions of a request are parsed: DynamoDB's error for
 * ExpressionAttributeNames/Values entries that no expression used. */
int expr_check_unused(const expr_ctx_t *ctx, ddb_error_t *err);

/* ---- conditions (ConditionExpression, FilterExpression) ------------------- */

/* Parses a condition. `what` names the parameter in messages
 * ("ConditionExpression", "FilterExpression", "KeyConditionExpression"). */
int expr_parse_condition(expr_ctx_t *ctx, const char *what, const char *text, size_t len,
                         expr_node_t **out, ddb_error_t *err);

/* Evaluates a condition against item (a map value, or NULL for "no item"). */
bool expr_eval(const expr_node_t *cond, const ddb_value_t *item);

/* Whether cond uses the top-level attribute name: 0 no, 1 as a whole, 2 only
 * nested paths under it (a.b, a[0]). */
int expr_references(const expr_node_t *cond, const char *name, size_t len);

/* ---- key conditions (Query) ------------------------------------------------- */

/* What a KeyConditionExpression selects: the partition key value and an
 * optional sort-key range. */
typedef struct expr_key_cond {
    const ddb_value_t *hash; /* partition key value */
    const ddb_value_t *lo;   /* sort-key lower bound or NULL */
    bool lo_incl;
    const ddb_value_t *hi; /* sort-key upper bound or NULL */
    bool hi_incl;
    const ddb_value_t *prefix; /* begins_with operand or NULL */
} expr_key_cond_t;

/* Checks a parsed key condition against the key schema (range_type
 * DDB_T_NONE: no sort key) with DynamoDB's messages, and extracts it. */
int expr_key_condition(const expr_node_t *cond, const char *hash, size_t hash_len,
                       ddb_type_t hash_type, const char *range, size_t range_len,
                       ddb_type_t range_type, expr_key_cond_t *out, ddb_error_t *err);

/* Whether a sort-key value (NULL: absent) lies in the key condition's range. */
bool expr_key_cond_holds(const expr_key_cond_t *kc, const ddb_value_t *range);

/* ---- projections ------------------------------------------------------------ */

typedef struct expr_projection {
    expr_path_t *paths;
    size_t n;
} expr_projection_t;

int expr_parse_projection(expr_ctx_t *ctx, const char *text, size_t len, expr_projection_t **out,
                          ddb_error_t *err);

/* Copies into *out the parts of item named by the projection (nested paths
 * keep their structure; list elements keep their relative order). */
void expr_project(ddb_arena_t *a, const expr_projection_t *p, const ddb_value_t *item,
                  ddb_value_t *out);

/* ---- updates ---------------------------------------------------------------- */

typedef enum expr_action_kind { ACT_SET, ACT_REMOVE, ACT_ADD, ACT_DELETE } expr_action_kind_t;

typedef struct expr_action {
    expr_action_kind_t kind;
    expr_path_t path;
    expr_node_t *value; /* SET: operand tree; ADD/DELETE: EXPR_VALUE; REMOVE: NULL */
} expr_action_t;

typedef struct expr_update {
    expr_action_t *actions;
    size_t n;
} expr_update_t;

int expr_parse_update(expr_ctx_t *ctx, const char *text, size_t len, expr_update_t **out,
                      ddb_error_t *err);

/* Applies the update to old (a map, or NULL when the item does not exist yet)
 * and writes the new item to *out (the key attributes must already be in
 * old, or be added by the caller). Errors are DynamoDB's runtime messages. */
int expr_apply_update(ddb_arena_t *a, const expr_update_t *u, const ddb_value_t *old,
                      ddb_value_t *out, ddb_error_t *err);

/* Fails with DynamoDB's message if an action's path starts at a key attribute. */
int expr_update_check_keys(const expr_update_t *u, const char *hash, size_t hash_len,
                           const char *range, size_t range_len, ddb_error_t *err);

/* What UPDATED_OLD / UPDATED_NEW return, as a projection (expr_project) of
 * the old or the new item: the updated paths themselves, sub-paths and list
 * elements included, as DynamoDB returns them. */
void expr_update_paths(ddb_arena_t *a, const expr_update_t *u, expr_projection_t *out);

/* ---- legacy parameters --------------------------------------------------------- */

/* One entry of Expected / QueryFilter / ScanFilter / KeyConditions. */
typedef struct expr_legacy_cond {
    const char *name; /* attribute name */
    size_t len;
    const char *op; /* ComparisonOperator, or NULL (Expected with Value/Exists) */
    size_t op_len;
    const ddb_value_t *values; /* AttributeValueList (or Value) */
    size_t nvalues;
    int exists; /* Expected.Exists: -1 absent, 0 false, 1 true */
} expr_legacy_cond_t;

/* Builds one condition tree from legacy conditions joined by AND (or OR when
 * conditional_or). `what` names the parameter in messages ("Expected"...). */
int expr_from_legacy(ddb_arena_t *a, const char *what, const expr_legacy_cond_t *conds, size_t n,
                     bool conditional_or, expr_node_t **out, ddb_error_t *err);

/* One AttributeUpdates entry: Action PUT (default), ADD or DELETE. */
typedef struct expr_legacy_update {
    const char *name;
    size_t len;
    const char *action; /* NULL means PUT */
    size_t action_len;
    const ddb_value_t *value; /* may be NULL for DELETE */
} expr_legacy_update_t;

int expr_update_from_legacy(ddb_arena_t *a, const expr_legacy_update_t *ups, size_t n,
                            expr_update_t **out, ddb_error_t *err);

/* AttributesToGet as a projection of top-level names. */
void expr_projection_from_names(ddb_arena_t *a, const char *const *names, const size_t *lens,
                                size_t n, expr_projection_t *out);

#endif
