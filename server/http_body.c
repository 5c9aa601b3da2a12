/* http_body.c: the codings of message bodies on a connection: a request
 * body's Content-Encoding undone before its handler sees it (with the
 * answers for one that cannot be), a response compressed as its client
 * accepts, and the response's extra header lines (CORS included). Never
 * inflates without the body limit as its bound. */
#define _GNU_SOURCE /* strcasestr */
#include "server/http_gzip.h"
#include "server/http_internal.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "query/error.h"

void http__put_serialization_error(buf_t *b, const char *msg) {
    const char *type = ddb_error_type(DDB_ERR_SERIALIZATION);
    buf_printf(b, "{\"__type\":\"%s\",\"%s\":\"%s\"}", type,
               ddb_error_message_key(DDB_ERR_SERIALIZATION), msg);
}

/* Replaces req's body by its decoding when Content-Encoding compressed it.
 * False, with resp filled in with the error, when it cannot be decoded. */
bool http__decode_body(conn_t *c, http_request_t *req, http_response_t *resp) {
    if (!c->has_cenc) return true;
    http_enc_t enc = http_gzip_encoding(c->cenc.data ? c->cenc.data : "", c->cenc.len);
    if (enc == HTTP_ENC_IDENTITY) return true;
    /* DynamoDB answers an unknown coding and a broken stream with a 500
     * (retryable, which they are not); DynamoDB Local ignores the header.
     * A client's mistake is a 400 here, as a malformed body is */
    if (enc == HTTP_ENC_UNKNOWN) {
        resp->status = 400;
        http__put_serialization_error(&resp->body, "Unsupported Content-Encoding: only gzip, "
                                                   "deflate and identity are accepted");
        return false;
    }
    buf_reset(&c->plain);
    http_inflate_t r = http_gzip_inflate(enc, c->body.data ? c->body.data : "", c->body.len,
                                         HTTP_MAX_BODY, &c->plain);
    if (r == HTTP_INFLATE_TOO_BIG) { /* the same answer as a plain body that large */
        resp->status = 413;
        http__put_serialization_error(&resp->body, "Request entity too large: the request body "
                                                   "exceeds the maximum size");
    } else if (r == HTTP_INFLATE_CORRUPT) {
        resp->status = 400;
        http__put_serialization_error(&resp->body, enc == HTTP_ENC_GZIP
                                                       ? "The request body is not valid gzip data "
                                                         "(Content-Encoding)"
                                                       : "The request body is not valid deflate "
                                                         "data (Content-Encoding)");
    }
    if (r != HTTP_INFLATE_OK) {
        buf_reset(&c->plain);
        if (c->plain.cap > (1u << 20)) buf_free(&c->plain); /* keep no bomb's worth around */
        return false;
    }
    req->wire_body = req->body;
    req->wire_body_len = req->body_len;
    req->body = c->plain.data ? c->plain.data : "";
    req->body_len = c->plain.len;
    return true;
}

/* Bodies smaller than this go out as they are: compressing them saves
 * little and costs the client a decoder. */
#define COMPRESS_MIN 1024

void http__encode_response(conn_t *c, const http_response_t *resp, bool preflight,
                           const char **body_out, size_t *len_out) {
    http_server_t *s = c->srv;
    buf_reset(&s->hdrs);
    if (resp->headers) buf_puts(&s->hdrs, resp->headers);
    if (c->has_origin || preflight) {
        http__cors_headers(&s->hdrs, c->origin.data, c->origin.len, preflight,
                           c->has_acrh ? c->acrh.data : NULL, c->acrh.len);
    }
    const char *body = resp->body.data;
    size_t len = resp->body.len;
    http_enc_t enc = c->aenc.len && len >= COMPRESS_MIN
                         ? http_gzip_accept(c->aenc.data, c->aenc.len)
                         : HTTP_ENC_IDENTITY;
    /* a handler that set its own Content-Encoding sends its bytes as they are */
    if (enc != HTTP_ENC_IDENTITY && resp->headers &&
        strcasestr(resp->headers, "content-encoding:")) {
        enc = HTTP_ENC_IDENTITY;
    }
    if (enc != HTTP_ENC_IDENTITY) {
        buf_reset(&s->zbody);
        if (http_gzip_deflate(enc, body, len, &s->zbody) == 0) {
            body = s->zbody.data;
            len = s->zbody.len;
            buf_puts(&s->hdrs, enc == HTTP_ENC_GZIP ? "Content-Encoding: gzip\r\n"
                                                    : "Content-Encoding: deflate\r\n");
        }
    }
    if (c->aenc.len) buf_puts(&s->hdrs, "Vary: Accept-Encoding\r\n");
    *body_out = body;
    *len_out = len;
}
