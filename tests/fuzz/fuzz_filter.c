/* fuzz_filter.c: libFuzzer target of Lambda event filtering (streams/filter.h).
 *
 * Input: a pattern (the first line) and a record (the rest, JSON). Any
 * pattern either compiles or fails with DDB_ERR_VALIDATION and one of the
 * two messages; matching never changes the record and gives the same answer
 * twice; and the pattern made of the record's own values (each leaf as an
 * exact value) always matches it. Aborts (a crash) on a violation. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "streams/filter.h"

#define REQUIRE(c)                                                                                 \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "fuzz_filter: %s:%d: %s\n", __FILE__, __LINE__, #c);                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static ddb_filter_t *compile(const char *p, size_t len) {
    ddb_filter_t *f = (ddb_filter_t *)&f; /* must be reset on failure */
    ddb_error_t err;
    ddb_error_clear(&err);
    int rc = ddb_filter_compile(p, len, &f, &err);
    if (rc == 0) {
        REQUIRE(f != NULL);
        return f;
    }
    REQUIRE(f == NULL);
    REQUIRE(rc == DDB_ERR_VALIDATION && err.code == DDB_ERR_VALIDATION);
    REQUIRE(strcmp(err.msg, DDB_FILTER_INVALID) == 0 ||
            (len > DDB_FILTER_MAX_PATTERN &&
             strcmp(err.msg, "Member must have length less than or equal to 4096") == 0));
    return NULL;
}

/* The pattern naming v's leaves with their own values, or NULL when v has
 * none usable (empty containers, non-finite numbers, too deep). */
static cJSON *pattern_of(const cJSON *v, int depth, int arrays) {
    if (cJSON_IsArray(v)) {
        if (arrays >= 32) return NULL;
        for (const cJSON *e = v->child; e; e = e->next) {
            cJSON *p = pattern_of(e, depth, arrays + 1);
            if (p) return p;
        }
        return NULL;
    }
    if (cJSON_IsObject(v)) {
        if (depth >= DDB_FILTER_MAX_DEPTH - 1) return NULL;
        cJSON *o = cJSON_CreateObject();
        for (const cJSON *c = v->child; c; c = c->next) {
            if (cJSON_GetObjectItemCaseSensitive(v, c->string) != c) continue; /* a duplicate */
            cJSON *p = pattern_of(c, depth + 1, arrays);
            if (p) cJSON_AddItemToObject(o, c->string, p);
        }
        if (o->child) return o;
        cJSON_Delete(o);
        return NULL;
    }
    if (cJSON_IsNumber(v) && !isfinite(v->valuedouble)) return NULL;
    if (cJSON_IsInvalid(v) || cJSON_IsRaw(v)) return NULL;
    cJSON *a = cJSON_CreateArray();
    if (cJSON_IsNumber(v)) { /* cJSON prints 15 digits when they come close: write all 17 */
        char num[40];
        snprintf(num, sizeof num, "%.17g", v->valuedouble);
        cJSON_AddItemToArray(a, cJSON_CreateRaw(num));
    } else {
        cJSON_AddItemToArray(a, cJSON_Duplicate(v, false));
    }
    return a;
}

static void check_self_match(const cJSON *rec) {
    if (!cJSON_IsObject(rec)) return;
    cJSON *p = pattern_of(rec, 0, 0);
    if (!p) return;
    char *text = cJSON_PrintUnformatted(p);
    cJSON_Delete(p);
    if (!text) return;
    ddb_filter_t *f = compile(text, strlen(text));
    if (f && !ddb_filter_match(f, rec)) fprintf(stderr, "fuzz_filter: self pattern %s\n", text);
    if (f) REQUIRE(ddb_filter_match(f, rec)); /* refused only when too long or not UTF-8 */
    ddb_filter_free(f);
    cJSON_free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *p = (const char *)data;
    const char *nl = memchr(p, '\n', size);
    size_t plen = nl ? (size_t)(nl - p) : size;
    ddb_filter_t *f = compile(p, plen);
    cJSON *rec = nl ? cJSON_ParseWithLength(nl + 1, size - plen - 1) : NULL;
    if (rec) {
        char *before = cJSON_PrintUnformatted(rec);
        if (f) {
            bool m = ddb_filter_match(f, rec);
            REQUIRE(ddb_filter_match(f, rec) == m);
            const ddb_filter_t *fs[2] = {f, f};
            REQUIRE(ddb_filter_match_any(fs, 2, rec) == m);
        }
        check_self_match(rec);
        char *after = cJSON_PrintUnformatted(rec);
        REQUIRE((!before && !after) || (before && after && strcmp(before, after) == 0));
        cJSON_free(before);
        cJSON_free(after);
        cJSON_Delete(rec);
    }
    ddb_filter_free(f);
    return 0;
}
