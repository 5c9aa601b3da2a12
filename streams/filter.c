/* filter.c: Lambda event-filter patterns. SKELETON: being written; every
 * pattern that is a JSON object compiles and matches every record. */
#include <stdlib.h>

#include "streams/filter.h"

struct ddb_filter {
    int unused;
};

int ddb_filter_compile(const char *pattern, size_t len, ddb_filter_t **out, ddb_error_t *err) {
    cJSON *o = cJSON_ParseWithLength(pattern, len);
    bool ok = cJSON_IsObject(o);
    cJSON_Delete(o);
    if (!ok) return ddb_error_set(err, DDB_ERR_VALIDATION, "Invalid filter pattern definition.");
    *out = calloc(1, sizeof **out);
    return 0;
}

bool ddb_filter_match(const ddb_filter_t *f, const cJSON *record) {
    (void)f, (void)record;
    return true;
}

void ddb_filter_free(ddb_filter_t *f) {
    free(f);
}
