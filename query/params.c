/* params.c: typed member access and validation-error lists. */
#include "query/params.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int wrong_type(ddb_error_t *err, const char *name, const char *want) {
    return ddb_error_set(err, DDB_ERR_SERIALIZATION,
                         "Unexpected value type for member '%s'; expected %s", name, want);
}

int p_str(const cJSON *obj, const char *name, const char **s, size_t *len, ddb_error_t *err) {
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, name);
    *s = NULL;
    *len = 0;
    if (!j || cJSON_IsNull(j)) return 0;
    if (!cJSON_IsString(j)) return wrong_type(err, name, "a string");
    *s = j->valuestring;
    *len = strlen(j->valuestring);
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

void vlist_table_name(vlist_t *v, const char *where, const char *name, size_t len) {
    if (!name) {
        vlist_add(v, "Value null at '%s' failed to satisfy constraint: Member must not be null",
                  where);
        return;
    }
    if (!name_chars_ok(name, len)) {
        vlist_add(v,
                  "Value '%.*s' at '%s' failed to satisfy constraint: Member must satisfy regular "
                  "expression pattern: [a-zA-Z0-9_.-]+",
                  (int)(len > 300 ? 300 : len), name, where);
    }
    if (len < 3) {
        vlist_add(v,
                  "Value '%.*s' at '%s' failed to satisfy constraint: Member must have length "
                  "greater than or equal to 3",
                  (int)len, name, where);
    } else if (len > 255) {
        vlist_add(v,
                  "Value '%.*s' at '%s' failed to satisfy constraint: Member must have length "
                  "less than or equal to 255",
                  (int)(len > 300 ? 300 : len), name, where);
    }
}

void vlist_range(vlist_t *v, const char *where, bool present, int64_t value, int64_t min, int64_t max) {
    if (!present || (value >= min && value <= max)) return;
    vlist_add(v, "Value '%lld' at '%s' failed to satisfy constraint: Member must have value %s %lld",
              (long long)value, where, value < min ? "greater than or equal to" : "less than or equal to",
              (long long)(value < min ? min : max));
}
