/* fuzz_http_body.c: libFuzzer target of the body codings of ddbd's HTTP
 * front end (server/http_body.c over server/http_gzip.c): what a request's
 * Content-Encoding and body go through before its handler sees them, and
 * the Accept-Encoding choice and compression of a response.
 *
 * Input: a first line, the Content-Encoding value (e.g. "gzip"), then the
 * body as sent. Every decoding must stay within the bound (the body limit
 * here is small, so that bombs are found fast), an undecodable body must be
 * refused with a 4xx JSON error, and what is compressed must inflate back
 * to itself. No sockets, no engine. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/http_gzip.h"
#include "server/http_internal.h"

#define LIMIT (256u * 1024u)

static void check_roundtrip(http_enc_t enc, const char *data, size_t len) {
    buf_t z, back;
    buf_init(&z);
    buf_init(&back);
    if (http_gzip_deflate(enc, data, len, &z) != 0) abort();
    http_inflate_t r = http_gzip_inflate(enc, z.data, z.len, len, &back);
    if (r != HTTP_INFLATE_OK || back.len != len || (len && memcmp(back.data, data, len))) abort();
    buf_free(&z);
    buf_free(&back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *in = (const char *)data;
    const char *nl = memchr(in, '\n', size);
    size_t hlen = nl ? (size_t)(nl - in) : size;
    const char *body = nl ? nl + 1 : in + size;
    size_t blen = size - (size_t)(body - in);

    /* the header parsers: any bytes */
    http_enc_t enc = http_gzip_encoding(in, hlen);
    (void)http_gzip_accept(in, hlen);

    /* the bounded inflate, for both codings whatever the header says */
    for (int e = HTTP_ENC_GZIP; e <= HTTP_ENC_DEFLATE; e++) {
        buf_t out;
        buf_init(&out);
        http_inflate_t r = http_gzip_inflate((http_enc_t)e, body, blen, LIMIT, &out);
        if (r == HTTP_INFLATE_OK ? out.len > LIMIT : out.len != 0) abort();
        if (out.cap > 4 * (LIMIT + 256 * 1024)) abort(); /* never far past the bound */
        buf_free(&out);
    }

    /* the request path: a connection's body and Content-Encoding */
    conn_t *c = calloc(1, sizeof *c);
    if (!c) return 0;
    buf_put(&c->cenc, in, hlen);
    c->has_cenc = true;
    buf_put(&c->body, body, blen);
    http_request_t req = {.body = c->body.data, .body_len = c->body.len};
    http_response_t resp = {.status = 200};
    buf_init(&resp.body);
    if (http__decode_body(c, &req, &resp)) {
        if (req.body_len > HTTP_MAX_BODY) abort();
        if (enc != HTTP_ENC_IDENTITY && req.wire_body != c->body.data) abort();
    } else {
        if (resp.status < 400 || resp.status > 499 || resp.body.len == 0) abort();
        if (resp.body.data[0] != '{') abort();
    }
    buf_free(&resp.body);
    buf_free(&c->cenc);
    buf_free(&c->body);
    buf_free(&c->plain);
    free(c);

    /* what a response goes through: compression inflates back */
    size_t n = blen < 4096 ? blen : 4096;
    check_roundtrip(HTTP_ENC_GZIP, body, n);
    check_roundtrip(HTTP_ENC_DEFLATE, body, n);
    return 0;
}
