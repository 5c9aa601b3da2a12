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

/* DynamoDB's deserializer error for a member (or an element of one) of the
 * wrong JSON type: "Unexpected value type for member 'M'". */
int p_error_type(ddb_error_t *err, const char *member);

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

/* ---- DynamoDB's constraint messages -------------------------------------------
 *
 * Each adds one "Value V at 'W' failed to satisfy constraint: Member must ..."
 * to a vlist_t. `where` is a printf format naming the member as DynamoDB
 * does ("tableName", "keySchema.%d.member.keyType"); a quoted value V is
 * the first `shown` bytes of value (see p_cut), or a literal such as "[...]". */

/* How many bytes of a len-byte value a message quotes: at most cut. */
int p_cut(size_t len, size_t cut);

/* "Value null at 'W' ...: Member must not be null". */
void vlist_not_null(vlist_t *v, const char *where, ...) __attribute__((format(printf, 2, 3)));

/* "...: Member must have length greater than or equal to min". */
void vlist_len_min(vlist_t *v, const char *value, int shown, size_t min, const char *where, ...)
    __attribute__((format(printf, 5, 6)));

/* "...: Member must have length less than or equal to max". */
void vlist_len_max(vlist_t *v, const char *value, int shown, size_t max, const char *where, ...)
    __attribute__((format(printf, 5, 6)));

/* The one of the two above that applies when len is outside [min, max];
 * nothing otherwise. */
void vlist_len(vlist_t *v, const char *value, int shown, size_t len, size_t min, size_t max,
               const char *where, ...) __attribute__((format(printf, 7, 8)));

/* "...: Member must satisfy enum value set: [set]" (set as DynamoDB lists it). */
void vlist_enum(vlist_t *v, const char *value, int shown, const char *set, const char *where, ...)
    __attribute__((format(printf, 5, 6)));

/* "Value 'N' at 'W' ...: Member must have value greater than or equal to min"
 * and "... less than or equal to max". */
void vlist_value_min(vlist_t *v, int64_t value, int64_t min, const char *where, ...)
    __attribute__((format(printf, 4, 5)));
void vlist_value_max(vlist_t *v, int64_t value, int64_t max, const char *where, ...)
    __attribute__((format(printf, 4, 5)));

/* Adds the range error of an integer member (e.g. Limit) when present and
 * outside [min, max]. */
void vlist_range(vlist_t *v, const char *where, bool present, int64_t value, int64_t min,
                 int64_t max);

/* Standard table-name constraints (length 3..255, [a-zA-Z0-9_.-]+) at `where`. */
void vlist_table_name(vlist_t *v, const char *where, const char *name, size_t len);

/* The same messages as a request's only error ("1 validation error
 * detected: ..."): set err and return DDB_ERR_VALIDATION (p_error_len: 0
 * when len is within [min, max]). */
int p_error_not_null(ddb_error_t *err, const char *where, ...)
    __attribute__((format(printf, 2, 3)));
int p_error_len_min(ddb_error_t *err, const char *value, int shown, size_t min, const char *where,
                    ...) __attribute__((format(printf, 5, 6)));
int p_error_len_max(ddb_error_t *err, const char *value, int shown, size_t max, const char *where,
                    ...) __attribute__((format(printf, 5, 6)));
int p_error_len(ddb_error_t *err, const char *value, int shown, size_t len, size_t min, size_t max,
                const char *where, ...) __attribute__((format(printf, 7, 8)));
int p_error_enum(ddb_error_t *err, const char *value, int shown, const char *set, const char *where,
                 ...) __attribute__((format(printf, 5, 6)));
/* vlist_range's error as a request's only one: 0 when absent or in range. */
int p_error_range(ddb_error_t *err, const char *where, bool present, int64_t value, int64_t min,
                  int64_t max);
int p_error_value_min(ddb_error_t *err, int64_t value, int64_t min, const char *where, ...)
    __attribute__((format(printf, 4, 5)));

#endif
