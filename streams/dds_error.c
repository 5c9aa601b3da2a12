/* dds_error.c: libddbstreams' errors as values: setting one, naming a code, and carrying a
 * transport error over into the library's codes; and the bounded string copy every file uses. Never
 * prints, never aborts. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "streams/dds_core.h"

void dds__copyn(char *dst, size_t cap, const char *s, size_t n) {
    if (!cap) return;
    if (n >= cap) n = cap - 1;
    if (n) memcpy(dst, s, n);
    dst[n] = 0;
}

void dds__copy(char *dst, size_t cap, const char *s) {
    dds__copyn(dst, cap, s ? s : "", s ? strlen(s) : 0);
}

int dds__fail(dds_error *err, int code, const char *fmt, ...) {
    if (!err) return code;
    memset(err, 0, sizeof *err);
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return code;
}

const char *dds_code_name(int code) {
    switch (code) {
    case DDS_OK:
        return "DDS_OK";
    case DDS_EINVAL:
        return "DDS_EINVAL";
    case DDS_ECONFIG:
        return "DDS_ECONFIG";
    case DDS_EAUTH:
        return "DDS_EAUTH";
    case DDS_ENET:
        return "DDS_ENET";
    case DDS_ETHROTTLE:
        return "DDS_ETHROTTLE";
    case DDS_ESERVICE:
        return "DDS_ESERVICE";
    case DDS_ENOSTREAM:
        return "DDS_ENOSTREAM";
    case DDS_ELEASE_LOST:
        return "DDS_ELEASE_LOST";
    case DDS_EGAP:
        return "DDS_EGAP";
    case DDS_ECLOSED:
        return "DDS_ECLOSED";
    case DDS_ECRC:
        return "DDS_ECRC";
    default:
        return "DDS_UNKNOWN";
    }
}

int dds__from_client(const dc_error_t *ce, dds_error *err) {
    int code;
    switch (ce->code) {
    case DC_OK:
        return 0;
    case DC_ECONFIG:
        code = DDS_ECONFIG;
        break;
    case DC_EAUTH:
        code = DDS_EAUTH;
        break;
    case DC_ENET:
        code = DDS_ENET;
        break;
    case DC_ETHROTTLE:
        code = DDS_ETHROTTLE;
        break;
    case DC_ECRC:
        code = DDS_ECRC;
        break;
    case DC_EABORTED:
        code = DDS_ECLOSED;
        break;
    default:
        if (!strcmp(ce->type, "ResourceNotFoundException"))
            code = DDS_ENOSTREAM;
        else if (!strcmp(ce->type, "ConditionalCheckFailedException"))
            code = DDS_ELEASE_LOST;
        else
            code = DDS_ESERVICE;
        break;
    }
    if (!err) return code;
    memset(err, 0, sizeof *err);
    err->code = code;
    snprintf(err->type, sizeof err->type, "%s", ce->type);
    snprintf(err->message, sizeof err->message, "%s", ce->message);
    return code;
}

int dds__call(dc_client_t *cl, dc_service_t svc, const char *op, const buf_t *body, buf_t *resp,
              dds_error *err) {
    dc_error_t ce;
    bool empty = !body || !body->len;
    int rc = dc_call(cl, svc, op, empty ? "{}" : body->data, empty ? 2 : body->len, resp, &ce);
    return rc ? dds__from_client(&ce, err) : 0;
}
