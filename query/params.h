/* params.h: typed access to request members and DynamoDB's validation lists.
 *
 * Getters return DDB_ERR_SERIALIZATION when a member has the wrong JSON type
 * (as DynamoDB's deserializer does) and leave the out-parameters untouched
 * when the member is absent. Constraint violations ("Value 'x' at 'tableName'
 * failed to satisfy constraint: ...") are collected in a vlist_t and reported
 * together as "N validation errors detected: a; b", like DynamoDB. */
#ifndef DDB_PARAMS_H
#define DDB_PARAMS_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "query/error.h"

/* Member `name` of obj as string; *s NULL when absent. */
int p_str(const cJSON *obj, const char *name, const char **s, size_t *len, ddb_error_t *err);

/* Member as 64-bit integer (JSON number with integral value); *present false when absent. */
int p_int(const cJSON *obj, const char *name, int64_t *v, bool *present, ddb_error_t *err);

/* Member as boolean; *present false when absent. */
int p_bool(const cJSON *obj, const char *name, bool *v, bool *present, ddb_error_t *err);

/* Member as object / array; *out NULL when absent. */
int p_obj(const cJSON *obj, const char *name, const cJSON **out, ddb_error_t *err);
int p_arr(const cJSON *obj, const char *name, const cJSON **out, ddb_error_t *err);

/* Collected constraint violations. */
typedef struct vlist {
    int count;
    char text[2048];
} vlist_t;

void vlist_init(vlist_t *v);
void vlist_add(vlist_t *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* If any violations: sets err to the ValidationException and returns it. */
int vlist_finish(vlist_t *v, ddb_error_t *err);

/* Standard table-name constraints (length 3..255, [a-zA-Z0-9_.-]+) at `where`. */
/* Adds the range error of an integer member (e.g. Limit) when present and
 * outside [min, max]. */
void vlist_range(vlist_t *v, const char *where, bool present, int64_t value, int64_t min, int64_t max);

void vlist_table_name(vlist_t *v, const char *where, const char *name, size_t len);

#endif
