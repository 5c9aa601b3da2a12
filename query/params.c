/* params.c: typed member access and validation-error lists. */
#include "query/params.h"

#include "query/json.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int wrong_type(ddb_error_t *err, const char *name, const char *want) {
    return ddb_error_set(err, DDB_ERR_SERIALIZATION,
                         "Unexpected value type for member '%s'; expected %s", name, want);
}

int p_error_type(ddb_error_t *err, const char *member) {
    return ddb_error_set(err, DDB_ERR_SERIALIZATION, "Unexpected value type for member '%s'",
                         member);
}

int p_str(const cJSON *obj, const char *name, const char **s, size_t *len, ddb_error_t *err) {
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, name);
    *s = NULL;
    *len = 0;
    if (!j || cJSON_IsNull(j)) return 0;
    if (!cJSON_IsString(j)) return wrong_type(err, name, "a string");
    *s = json_str(j, len); /* full length: a \u0000 in the request stays a NUL */
    return 0;
}

int p_int(const cJSON *obj, const char *name, int64_t *v, bool *present, ddb_error_t *err) {
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, name);
    *present = false;
    if (!j || cJSON_IsNull(j)) return 0;
    if (!cJSON_IsNumber(j)) return wrong_type(err, name, "a number");
    double d = j->valuedouble;
    if (d != floor(d) || d > 9.2e18 || d < -9.2e18) return wrong_type(err, name, "an integer");
    *v = (int64_t)d;
    *present = true;
    return 0;
}

int p_bool(const cJSON *obj, const char *name, bool *v, bool *present, ddb_error_t *err) {
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, name);
    *present = false;
    if (!j || cJSON_IsNull(j)) return 0;
    if (!cJSON_IsBool(j)) return wrong_type(err, name, "a boolean");
    *v = cJSON_IsTrue(j);
    *present = true;
    return 0;
}

int p_obj(const cJSON *obj, const char *name, const cJSON **out, ddb_error_t *err) {
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, name);
    *out = NULL;
    if (!j || cJSON_IsNull(j)) return 0;
    if (!cJSON_IsObject(j)) return wrong_type(err, name, "an object");
    *out = j;
    return 0;
}

int p_arr(const cJSON *obj, const char *name, const cJSON **out, ddb_error_t *err) {
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, name);
    *out = NULL;
    if (!j || cJSON_IsNull(j)) return 0;
    if (!cJSON_IsArray(j)) return wrong_type(err, name, "a list");
    *out = j;
    return 0;
}

void vlist_init(vlist_t *v) {
    v->count = 0;
    v->text[0] = '\0';
}

void vlist_add(vlist_t *v, const char *fmt, ...) {
    size_t used = strlen(v->text);
    if (v->count && used < sizeof v->text - 2) {
        memcpy(v->text + used, "; ", 3);
        used += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    if (used < sizeof v->text) vsnprintf(v->text + used, sizeof v->text - used, fmt, ap);
    va_end(ap);
    v->count++;
}

int vlist_finish(vlist_t *v, ddb_error_t *err) {
    if (!v->count) return 0;
    return ddb_error_set(err, DDB_ERR_VALIDATION, "%d validation error%s detected: %s", v->count,
                         v->count == 1 ? "" : "s", v->text);
}

static bool name_chars_ok(const char *s, size_t len) {
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-' || c == '.';
        if (!ok) return false;
    }
    return true;
}

int p_cut(size_t len, size_t cut) {
    return (int)(len > cut ? cut : len);
}

/* ---- the constraint messages: each built from a va_list of `where` ---------- */

#define GT_EQ "greater than or equal to"
#define LT_EQ "less than or equal to"

static void add_not_null(vlist_t *v, const char *fmt, va_list ap) {
    char where[256];
    vsnprintf(where, sizeof where, fmt, ap);
    vlist_add(v, "Value null at '%s' failed to satisfy constraint: Member must not be null", where);
}

static void add_len(vlist_t *v, const char *value, int shown, const char *bound, size_t n,
                    const char *fmt, va_list ap) {
    char where[256];
    vsnprintf(where, sizeof where, fmt, ap);
    vlist_add(v,
              "Value '%.*s' at '%s' failed to satisfy constraint: Member must have length %s %zu",
              shown, value, where, bound, n);
}

/* The length message that applies to len, or 0 when len is within range. */
static const char *len_bound(size_t len, size_t min, size_t max, size_t *n) {
    *n = len < min ? min : max;
    return len < min ? GT_EQ : len > max ? LT_EQ : NULL;
}

static void add_enum(vlist_t *v, const char *value, int shown, const char *set, const char *fmt,
                     va_list ap) {
    char where[256];
    vsnprintf(where, sizeof where, fmt, ap);
    vlist_add(v,
              "Value '%.*s' at '%s' failed to satisfy constraint: Member must satisfy enum value "
              "set: [%s]",
              shown, value, where, set);
}

static void add_value(vlist_t *v, int64_t value, const char *bound, int64_t n, const char *fmt,
                      va_list ap) {
    char where[256];
    vsnprintf(where, sizeof where, fmt, ap);
    vlist_add(v,
              "Value '%lld' at '%s' failed to satisfy constraint: Member must have value %s %lld",
              (long long)value, where, bound, (long long)n);
}

void vlist_not_null(vlist_t *v, const char *where, ...) {
    va_list ap;
    va_start(ap, where);
    add_not_null(v, where, ap);
    va_end(ap);
}

void vlist_len_min(vlist_t *v, const char *value, int shown, size_t min, const char *where, ...) {
    va_list ap;
    va_start(ap, where);
    add_len(v, value, shown, GT_EQ, min, where, ap);
    va_end(ap);
}

void vlist_len_max(vlist_t *v, const char *value, int shown, size_t max, const char *where, ...) {
    va_list ap;
    va_start(ap, where);
    add_len(v, value, shown, LT_EQ, max, where, ap);
    va_end(ap);
}

void vlist_len(vlist_t *v, const char *value, int shown, size_t len, size_t min, size_t max,
               const char *where, ...) {
    size_t n;
    const char *bound = len_bound(len, min, max, &n);
    if (!bound) return;
    va_list ap;
    va_start(ap, where);
    add_len(v, value, shown, bound, n, where, ap);
    va_end(ap);
}

void vlist_enum(vlist_t *v, const char *value, int shown, const char *set, const char *where, ...) {
    va_list ap;
    va_start(ap, where);
    add_enum(v, value, shown, set, where, ap);
    va_end(ap);
}

void vlist_value_min(vlist_t *v, int64_t value, int64_t min, const char *where, ...) {
    va_list ap;
    va_start(ap, where);
    add_value(v, value, GT_EQ, min, where, ap);
    va_end(ap);
}

void vlist_value_max(vlist_t *v, int64_t value, int64_t max, const char *where, ...) {
    va_list ap;
    va_start(ap, where);
    add_value(v, value, LT_EQ, max, where, ap);
    va_end(ap);
}

void vlist_range(vlist_t *v, const char *where, bool present, int64_t value, int64_t min,
                 int64_t max) {
    if (!present || (value >= min && value <= max)) return;
    if (value < min) {
        vlist_value_min(v, value, min, "%s", where);
    } else {
        vlist_value_max(v, value, max, "%s", where);
    }
}

void vlist_table_name(vlist_t *v, const char *where, const char *name, size_t len) {
    if (!name) {
        vlist_not_null(v, "%s", where);
        return;
    }
    if (!name_chars_ok(name, len)) {
        vlist_add(v,
                  "Value '%.*s' at '%s' failed to satisfy constraint: Member must satisfy regular "
                  "expression pattern: [a-zA-Z0-9_.-]+",
                  p_cut(len, 300), name, where);
    }
    /* a short name is quoted whole, a long one cut at 300 bytes */
    vlist_len(v, name, p_cut(len, 300), len, 3, 255, "%s", where);
}

/* ---- the same as a request's only error ------------------------------------------ */

int p_error_not_null(ddb_error_t *err, const char *where, ...) {
    vlist_t v;
    vlist_init(&v);
    va_list ap;
    va_start(ap, where);
    add_not_null(&v, where, ap);
    va_end(ap);
    return vlist_finish(&v, err);
}

int p_error_len_min(ddb_error_t *err, const char *value, int shown, size_t min, const char *where,
                    ...) {
    vlist_t v;
    vlist_init(&v);
    va_list ap;
    va_start(ap, where);
    add_len(&v, value, shown, GT_EQ, min, where, ap);
    va_end(ap);
    return vlist_finish(&v, err);
}

int p_error_len_max(ddb_error_t *err, const char *value, int shown, size_t max, const char *where,
                    ...) {
    vlist_t v;
    vlist_init(&v);
    va_list ap;
    va_start(ap, where);
    add_len(&v, value, shown, LT_EQ, max, where, ap);
    va_end(ap);
    return vlist_finish(&v, err);
}

int p_error_len(ddb_error_t *err, const char *value, int shown, size_t len, size_t min, size_t max,
                const char *where, ...) {
    size_t n;
    const char *bound = len_bound(len, min, max, &n);
    if (!bound) return 0;
    vlist_t v;
    vlist_init(&v);
    va_list ap;
    va_start(ap, where);
    add_len(&v, value, shown, bound, n, where, ap);
    va_end(ap);
    return vlist_finish(&v, err);
}

int p_error_enum(ddb_error_t *err, const char *value, int shown, const char *set, const char *where,
                 ...) {
    vlist_t v;
    vlist_init(&v);
    va_list ap;
    va_start(ap, where);
    add_enum(&v, value, shown, set, where, ap);
    va_end(ap);
    return vlist_finish(&v, err);
}

int p_error_value_min(ddb_error_t *err, int64_t value, int64_t min, const char *where, ...) {
    vlist_t v;
    vlist_init(&v);
    va_list ap;
    va_start(ap, where);
    add_value(&v, value, GT_EQ, min, where, ap);
    va_end(ap);
    return vlist_finish(&v, err);
}

int p_error_range(ddb_error_t *err, const char *where, bool present, int64_t value, int64_t min,
                  int64_t max) {
    if (!present || (value >= min && value <= max)) return 0;
    vlist_t v;
    vlist_init(&v);
    vlist_range(&v, where, present, value, min, max);
    return vlist_finish(&v, err);
}
