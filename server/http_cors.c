/* http_cors.c: the CORS headers of ddbd's responses, so that a browser page
 * (the AWS SDK for JavaScript in a browser, an admin UI) may call it: the
 * answer to a preflight, and what every response to a request with an
 * Origin carries. Only formats header lines: never decides anything else. */
#include "server/http_internal.h"

#include <stdbool.h>

/* What a browser client of DynamoDB sends when the preflight does not say. */
#define SDK_HEADERS                                                                                \
    "content-type, x-amz-target, x-amz-date, authorization, x-amz-security-token, "                \
    "x-amz-user-agent, amz-sdk-invocation-id, amz-sdk-request, x-amz-content-sha256"

/* Appends v[0..len) as a header value, without bytes that have no place in
 * one (llhttp refuses CR and LF already; other controls are dropped too). */
static void put_value(buf_t *out, const char *v, size_t len) {
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)v[i];
        if (ch >= 0x20 && ch != 0x7f) buf_putc(out, (char)ch);
    }
}

void http__cors_headers(buf_t *out, const char *origin, size_t len, bool preflight,
                        const char *acrh, size_t acrh_len) {
    buf_puts(out, "Access-Control-Allow-Origin: ");
    if (origin && len)
        put_value(out, origin, len);
    else
        buf_putc(out, '*');
    /* the answer depends on Origin: a cache must not give one origin's to another */
    buf_puts(out, "\r\nVary: Origin\r\n");
    if (!preflight) {
        buf_puts(out, "Access-Control-Expose-Headers: x-amzn-RequestId, x-amz-crc32, x-amz-id-2, "
                      "Date\r\n");
        return;
    }
    buf_puts(out, "Access-Control-Allow-Methods: GET, POST, PUT, DELETE, OPTIONS\r\n"
                  "Access-Control-Allow-Headers: ");
    if (acrh && acrh_len)
        put_value(out, acrh, acrh_len);
    else
        buf_puts(out, SDK_HEADERS);
    buf_puts(out, "\r\nAccess-Control-Max-Age: 86400\r\n");
}
