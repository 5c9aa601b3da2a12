/* http_gzip.c: gzip and deflate for the HTTP front end, over zlib: parses
 * the coding headers, inflates request bodies in bounded steps (a body that
 * would inflate past the limit is stopped one byte past it, so a
 * decompression bomb costs no more memory than an honest body) and deflates
 * response bodies. Pure: never does I/O, never inflates without a bound. */
#include "server/http_gzip.h"

#include <ctype.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <zlib.h>

/* Does token t[0..n) equal lit, ignoring case? */
static bool tok_eq(const char *t, size_t n, const char *lit) {
    size_t m = strlen(lit);
    if (n != m) return false;
    for (size_t i = 0; i < n; i++) {
        if (tolower((unsigned char)t[i]) != lit[i]) return false;
    }
    return true;
}

static bool is_ows(char ch) {
    return ch == ' ' || ch == '\t';
}

/* The next comma-separated element of v from *pos on, trimmed: its coding
 * name (name, nlen) and its parameters after the first ';' (par, plen).
 * False at the end. */
static bool next_elem(const char *v, size_t len, size_t *pos, const char **name, size_t *nlen,
                      const char **par, size_t *plen) {
    while (*pos < len && (is_ows(v[*pos]) || v[*pos] == ','))
        (*pos)++;
    if (*pos >= len) return false;
    size_t start = *pos;
    while (*pos < len && v[*pos] != ',')
        (*pos)++;
    size_t end = *pos;
    size_t semi = start;
    while (semi < end && v[semi] != ';')
        semi++;
    size_t ne = semi;
    while (ne > start && is_ows(v[ne - 1]))
        ne--;
    *name = v + start;
    *nlen = ne - start;
    *par = semi < end ? v + semi + 1 : v + end;
    *plen = semi < end ? end - semi - 1 : 0;
    return true;
}

http_enc_t http_gzip_encoding(const char *value, size_t len) {
    http_enc_t enc = HTTP_ENC_IDENTITY;
    size_t pos = 0, nlen, plen;
    const char *name, *par;
    while (next_elem(value, len, &pos, &name, &nlen, &par, &plen)) {
        http_enc_t e = tok_eq(name, nlen, "identity") ? HTTP_ENC_IDENTITY
                       : tok_eq(name, nlen, "gzip") || tok_eq(name, nlen, "x-gzip") ? HTTP_ENC_GZIP
                       : tok_eq(name, nlen, "deflate") ? HTTP_ENC_DEFLATE
                                                       : HTTP_ENC_UNKNOWN;
        if (e == HTTP_ENC_IDENTITY) continue;
        /* one real coding at most: stacked ones are not worth the code */
        if (e == HTTP_ENC_UNKNOWN || enc != HTTP_ENC_IDENTITY) return HTTP_ENC_UNKNOWN;
        enc = e;
    }
    return enc;
}

/* Is the q parameter in par[0..plen) zero ("q=0", "q=0.0", "q=0.000")? */
static bool q_zero(const char *par, size_t plen) {
    for (size_t i = 0; i + 1 < plen; i++) {
        if ((par[i] == 'q' || par[i] == 'Q') &&
            (i == 0 || par[i - 1] == ';' || is_ows(par[i - 1]))) {
            size_t j = i + 1;
            while (j < plen && is_ows(par[j]))
                j++;
            if (j >= plen || par[j] != '=') continue;
            j++;
            while (j < plen && is_ows(par[j]))
                j++;
            if (j >= plen || par[j] != '0') return false;
            for (j++; j < plen && par[j] != ';' && !is_ows(par[j]); j++) {
                if (par[j] != '.' && par[j] != '0') return false;
            }
            return true;
        }
    }
    return false;
}

http_enc_t http_gzip_accept(const char *value, size_t len) {
    int gzip = -1, deflate = -1, star = -1; /* -1: not named, 0: refused, 1: accepted */
    size_t pos = 0, nlen, plen;
    const char *name, *par;
    while (next_elem(value, len, &pos, &name, &nlen, &par, &plen)) {
        int ok = !q_zero(par, plen);
        if (tok_eq(name, nlen, "gzip") || tok_eq(name, nlen, "x-gzip"))
            gzip = ok;
        else if (tok_eq(name, nlen, "deflate"))
            deflate = ok;
        else if (tok_eq(name, nlen, "*"))
            star = ok;
    }
    if (gzip == 1 || (gzip == -1 && star == 1)) return HTTP_ENC_GZIP;
    if (deflate == 1 || (deflate == -1 && star == 1)) return HTTP_ENC_DEFLATE;
    return HTTP_ENC_IDENTITY;
}

/* Does the stream start with a zlib header (RFC 1950: method 8, check bits)? */
static bool zlib_header(const unsigned char *p, size_t len) {
    return len >= 2 && (p[0] & 0x0f) == 8 && (p[0] >> 4) <= 7 && ((p[0] << 8) | p[1]) % 31 == 0;
}

http_inflate_t http_gzip_inflate(http_enc_t enc, const char *in, size_t len, size_t limit,
                                 buf_t *out) {
    if (len == 0) return HTTP_INFLATE_CORRUPT; /* not even a header */
    const unsigned char *p = (const unsigned char *)in;
    int wbits = enc == HTTP_ENC_GZIP ? 15 + 16 : zlib_header(p, len) ? 15 : -15;
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, wbits) != Z_OK) return HTTP_INFLATE_CORRUPT;
    size_t start = out->len, made = 0;
    http_inflate_t rc = HTTP_INFLATE_CORRUPT;
    z.next_in = (Bytef *)p;
    z.avail_in = len > UINT_MAX ? UINT_MAX : (uInt)len;
    for (;;) {
        /* room for at most limit + 1 bytes in all: one past it proves it too big */
        size_t room = limit + 1 - made;
        if (room > 256 * 1024) room = 256 * 1024;
        buf_reserve(out, room);
        z.next_out = (Bytef *)(out->data + out->len);
        z.avail_out = (uInt)room;
        int zr = inflate(&z, Z_NO_FLUSH);
        size_t got = room - z.avail_out;
        out->len += got;
        made += got;
        if (made > limit) {
            rc = HTTP_INFLATE_TOO_BIG;
            break;
        }
        if (zr == Z_STREAM_END) {
            /* gzip members may follow each other (RFC 1952 2.2); after a
             * deflate stream nothing may follow */
            if (z.avail_in == 0) {
                rc = HTTP_INFLATE_OK;
                break;
            }
            if (enc != HTTP_ENC_GZIP || inflateReset(&z) != Z_OK) break;
            continue;
        }
        if (zr == Z_BUF_ERROR && z.avail_in == 0) break; /* truncated */
        if (zr != Z_OK && zr != Z_BUF_ERROR) break;      /* corrupt */
    }
    inflateEnd(&z);
    if (rc != HTTP_INFLATE_OK) out->len = start;
    return rc;
}

int http_gzip_deflate(http_enc_t enc, const char *in, size_t len, buf_t *out) {
    z_stream z;
    memset(&z, 0, sizeof z);
    /* level 1: a response is sent once, so speed beats the last few percent */
    if (deflateInit2(&z, 1, Z_DEFLATED, enc == HTTP_ENC_GZIP ? 15 + 16 : 15, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK) {
        return -1;
    }
    size_t start = out->len;
    size_t bound = deflateBound(&z, (uLong)len) + 32;
    buf_reserve(out, bound);
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)(out->data + out->len);
    z.avail_out = (uInt)bound;
    int zr = deflate(&z, Z_FINISH);
    size_t made = bound - z.avail_out;
    deflateEnd(&z);
    if (zr != Z_STREAM_END) {
        out->len = start;
        return -1;
    }
    out->len += made;
    return 0;
}
