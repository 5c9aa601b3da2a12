/* expr_internal.h: what the expr_*.c files share and nobody else uses. */
#ifndef DDB_EXPR_INTERNAL_H
#define DDB_EXPR_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "query/expr.h"

/* True if s[0..len) is one of DynamoDB's reserved words (case-insensitive). */
bool expr_is_reserved(const char *s, size_t len);

/* Resolves path against item: the value there, or NULL when absent. */
const ddb_value_t *expr_resolve(const ddb_value_t *item, const expr_path_t *path);

/* Renders a path as DynamoDB does in messages: [a, b, [2]]. */
void expr_path_render(const expr_path_t *p, char *out, size_t cap);

/* 0: disjoint; 1: one is a prefix of the other (overlap); 2: they differ in
 * the kind of step (name vs index) at the same depth (conflict). */
int expr_paths_clash(const expr_path_t *a, const expr_path_t *b);

/* Orders two scalar values of the same type (N numerically, S/B bytewise). */
int expr_compare_scalars(const ddb_value_t *a, const ddb_value_t *b);

#endif
