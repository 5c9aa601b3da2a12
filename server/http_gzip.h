/* http_gzip.h: the HTTP content codings ddbd speaks (gzip, zlib-wrapped or
 * raw deflate, identity) over zlib: reading Content-Encoding and
 * Accept-Encoding, inflating a request body under a hard bound, and
 * compressing a response body. Pure: no I/O, no sockets, no state. */
#ifndef DDB_HTTP_GZIP_H
#define DDB_HTTP_GZIP_H

#include <stddef.h>

#include "query/buf.h"

typedef enum {
    HTTP_ENC_IDENTITY, /* no coding (or only "identity") */
    HTTP_ENC_GZIP,     /* RFC 1952, one or more members back to back */
    HTTP_ENC_DEFLATE,  /* RFC 1950 zlib stream (raw RFC 1951 accepted too) */
    HTTP_ENC_UNKNOWN   /* anything else, or more than one coding stacked */
} http_enc_t;

/* The coding a Content-Encoding value (len bytes, any case, a list of
 * tokens where "identity" counts for nothing) names. */
http_enc_t http_gzip_encoding(const char *value, size_t len);

/* The coding to answer with for an Accept-Encoding value: gzip if it is
 * accepted (q > 0, by name or "*"), else deflate, else identity. */
http_enc_t http_gzip_accept(const char *value, size_t len);

/* What inflating gave. */
typedef enum {
    HTTP_INFLATE_OK,      /* out holds the whole body */
    HTTP_INFLATE_CORRUPT, /* not a valid (or a truncated, or an empty) stream */
    HTTP_INFLATE_TOO_BIG  /* it inflates past limit: stopped there */
} http_inflate_t;

/* Appends the decoding of in[0..len) (coded by enc: GZIP or DEFLATE) to
 * out, never holding more than limit + 1 decoded bytes however far the
 * input would inflate. */
http_inflate_t http_gzip_inflate(http_enc_t enc, const char *in, size_t len, size_t limit,
                                 buf_t *out);

/* Appends in[0..len) compressed with enc (GZIP or DEFLATE) to out; 0, or
 * -1 when zlib fails (out is then as it was). */
int http_gzip_deflate(http_enc_t enc, const char *in, size_t len, buf_t *out);

#endif
