/* error.c: formatting of ddb_error_t. Pure. */
#include "query/error.h"

#include <stdarg.h>
#include <stdio.h>

int ddb_error_set(ddb_error_t *err, ddb_status_t code, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return (int)code;
}

void ddb_error_clear(ddb_error_t *err) {
    if (!err) return;
    err->code = DDB_OK;
    err->msg[0] = '\0';
}
