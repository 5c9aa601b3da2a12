/* expr_key_multi.h: KeyConditionExpression analysis for an index with a
 * multi-attribute key (up to four partition and four sort attributes), and
 * the Query rule that a filter names no key attribute of such an index.
 * Pure: no I/O. */
#ifndef DDB_EXPR_KEY_MULTI_H
#define DDB_EXPR_KEY_MULTI_H

#include "query/expr.h"

#define EXPR_KEY_ATTRS_MAX 4

/* One key attribute of the index, in key order. */
typedef struct expr_key_attr {
    const char *name;
    size_t len;
    ddb_type_t type;
} expr_key_attr_t;

/* What the condition selects: every partition value (in key order), the
 * values of the leading sort attributes fixed by =, and an optional range
 * (lo/hi or a begins_with prefix) on the sort attribute after those. */
typedef struct expr_key_multi {
    const ddb_value_t *hash[EXPR_KEY_ATTRS_MAX];
    size_t nhash;
    const ddb_value_t *eq[EXPR_KEY_ATTRS_MAX];
    size_t neq;
    const ddb_value_t *lo, *hi, *prefix;
    bool lo_incl, hi_incl;
} expr_key_multi_t;

/* Checks cond against the key: = on every partition attribute (any order),
 * conditions on sort attributes left to right with = on all but the last;
 * DynamoDB's messages where it has them. */
int expr_key_condition_multi(const expr_node_t *cond, const expr_key_attr_t *hash, size_t nhash,
                             const expr_key_attr_t *range, size_t nrange, expr_key_multi_t *out,
                             ddb_error_t *err);

/* A Query's filter may not read a key attribute of the queried key (the
 * table's, or the index's, all of them for a multi-attribute one): DynamoDB's
 * error for the first key attribute, in key order, that it reads — "<what>
 * can only contain non-primary key attributes" when it reads the attribute,
 * "Key attributes must be scalars" when only a path inside it. what is
 * "Filter Expression" or "QueryFilter". */
int expr_filter_check_keys(const expr_node_t *filter, const expr_key_attr_t *keys, size_t nkeys,
                           const char *what, ddb_error_t *err);

#endif
