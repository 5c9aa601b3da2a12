/* sigv4.c: AWS Signature Version 4, the signing half: canonical request (URI, query, headers),
 * string to sign, signing key, the Authorization header and presigned query forms, and the
 * verifier that recomputes a parsed signature (parsing and dates are sigv4_parse.c's).
 * Pure: HMAC-SHA256/SHA-256 from libcrypto, memory from the caller's arena, time passed in;
 * never does I/O or reads the clock. */
/* OpenSSL 3's one-shot EVP_Digest, SHA256 and HMAC fetch the algorithm under a lock and allocate a
 * context on every call: most of a verification's cost once the signing key is cached. The
 * low-level SHA-256 (deprecated in 3.0, still built) does neither, so it is used on purpose. */
#define OPENSSL_SUPPRESS_DEPRECATED

#include "query/sigv4.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "query/sigv4_internal.h"

/* ---- a string builder over the arena ---- */

/* Capacity is estimated up front; growing copies into a fresh arena block (the old one is
 * wasted until the arena is reset, bounded by the doubling). */
typedef struct sv4_sb {
    ddb_arena_t *arena;
    char *p;
    size_t len, cap;
} sv4_sb_t;

static void sv4_sb_init(sv4_sb_t *b, ddb_arena_t *arena, size_t cap) {
    b->arena = arena;
    b->cap = cap < 64 ? 64 : cap;
    b->p = ddb_arena_alloc(arena, b->cap + 1);
    b->len = 0;
}

static void sv4_sb_put(sv4_sb_t *b, const void *s, size_t n) {
    if (b->len + n > b->cap) {
        size_t cap = (b->len + n) * 2;
        char *p = ddb_arena_alloc(b->arena, cap + 1);
        memcpy(p, b->p, b->len);
        b->p = p;
        b->cap = cap;
    }
    if (n) memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sv4_sb_puts(sv4_sb_t *b, const char *s) {
    sv4_sb_put(b, s, strlen(s));
}

static void sv4_sb_putc(sv4_sb_t *b, char c) {
    sv4_sb_put(b, &c, 1);
}

/* ---- bytes (the sv4__ ones are shared with sigv4_parse.c: sigv4_internal.h) ---- */

static const char sv4_hex_lower[] = "0123456789abcdef";

static void sv4_hex(const unsigned char *in, size_t n, char *out) {
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = sv4_hex_lower[in[i] >> 4];
        out[2 * i + 1] = sv4_hex_lower[in[i] & 15];
    }
    out[2 * n] = '\0';
}

/* SHA256() itself goes through EVP in OpenSSL 3: the context calls do not. */
static void sv4_sha256(const void *p, size_t n, unsigned char md[32]) {
    SHA256_CTX c;
    SHA256_Init(&c);
    SHA256_Update(&c, p, n);
    SHA256_Final(md, &c);
}

static void sv4_sha256_hex(const void *p, size_t n, char out[65]) {
    unsigned char md[32];
    sv4_sha256(p, n, md);
    sv4_hex(md, 32, out);
}

/* HMAC-SHA256 (RFC 2104): H((K ^ opad) || H((K ^ ipad) || msg)), K hashed when over a block. */
static void sv4_hmac(const void *key, size_t key_len, const void *msg, size_t n,
                     unsigned char out[32]) {
    unsigned char k[SHA256_CBLOCK] = {0}, pad[SHA256_CBLOCK], inner[32];
    if (key_len > SHA256_CBLOCK)
        sv4_sha256(key, key_len, k);
    else
        memcpy(k, key, key_len);
    SHA256_CTX c;
    for (size_t i = 0; i < SHA256_CBLOCK; i++)
        pad[i] = k[i] ^ 0x36;
    SHA256_Init(&c);
    SHA256_Update(&c, pad, sizeof pad);
    SHA256_Update(&c, msg, n);
    SHA256_Final(inner, &c);
    for (size_t i = 0; i < SHA256_CBLOCK; i++)
        pad[i] = k[i] ^ 0x5c;
    SHA256_Init(&c);
    SHA256_Update(&c, pad, sizeof pad);
    SHA256_Update(&c, inner, sizeof inner);
    SHA256_Final(out, &c);
    OPENSSL_cleanse(k, sizeof k);
    OPENSSL_cleanse(pad, sizeof pad);
    OPENSSL_cleanse(&c, sizeof c);
}

static int sv4_unreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

int sv4__hexval(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static void sv4_put_encoded_byte(sv4_sb_t *b, unsigned char c) {
    static const char up[] = "0123456789ABCDEF";
    if (sv4_unreserved(c)) {
        sv4_sb_putc(b, (char)c);
        return;
    }
    char e[3] = {'%', up[c >> 4], up[c & 15]};
    sv4_sb_put(b, e, 3);
}

/* URI-encodes every byte but the unreserved ones (and '/' when keep_slash). */
static void sv4_put_encoded(sv4_sb_t *b, const char *s, size_t n, int keep_slash) {
    for (size_t i = 0; i < n; i++) {
        if (keep_slash && s[i] == '/')
            sv4_sb_putc(b, '/');
        else
            sv4_put_encoded_byte(b, (unsigned char)s[i]);
    }
}

/* Decodes valid %XX escapes (anything else is literal), then encodes as sv4_put_encoded. */
static void sv4_put_reencoded(sv4_sb_t *b, const char *s, size_t n, int keep_slash) {
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%' && i + 2 < n && sv4__hexval(s[i + 1]) >= 0 && sv4__hexval(s[i + 2]) >= 0) {
            c = (unsigned char)(sv4__hexval(s[i + 1]) << 4 | sv4__hexval(s[i + 2]));
            i += 2;
        } else if (keep_slash && c == '/') {
            sv4_sb_putc(b, '/');
            continue;
        }
        sv4_put_encoded_byte(b, c);
    }
}

/* The index of the first c in s[i..n), or n. */
size_t sv4__find(const char *s, size_t i, size_t n, char c) {
    while (i < n && s[i] != c)
        i++;
    return i;
}

static int sv4_lower(int c) {
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

int sv4__ieq(const char *a, size_t an, const char *b, size_t bn) {
    if (an != bn) return 0;
    for (size_t i = 0; i < an; i++)
        if (sv4_lower((unsigned char)a[i]) != sv4_lower((unsigned char)b[i])) return 0;
    return 1;
}

int sv4__eq(const char *a, size_t an, const char *lit) {
    return an == strlen(lit) && memcmp(a, lit, an) == 0;
}

static int sv4_cmp(const char *a, size_t an, const char *b, size_t bn) {
    int c = memcmp(a, b, an < bn ? an : bn);
    if (c) return c;
    return an < bn ? -1 : an > bn;
}

int sv4__space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* AWS's Trimall: no leading/trailing white space, each inner run of it one space. Folded
 * (multi-line) values collapse the same way. */
/* Runs of non-space bytes are copied whole: a header value (a User-Agent) is long. */
static void sv4_put_trimmed(sv4_sb_t *b, const char *v, size_t n) {
    size_t i = 0;
    while (i < n && sv4__space(v[i]))
        i++;
    while (i < n) {
        size_t j = i;
        while (j < n && !sv4__space(v[j]))
            j++;
        sv4_sb_put(b, v + i, j - i);
        while (j < n && sv4__space(v[j]))
            j++;
        if (j < n) sv4_sb_putc(b, ' ');
        i = j;
    }
}

/* ---- canonical URI ---- */

/* RFC 3986 dot-segment removal plus empty segments dropped ("//" is "/"), as the test suite
 * wants; a trailing '/' (or a final "." or "..") keeps a trailing '/' on a non-root result. */
static void sv4_put_uri(sv4_sb_t *b, const char *path, size_t n, unsigned flags) {
    if (n == 0) {
        sv4_sb_putc(b, '/');
        return;
    }
    if (flags & DDB_SIGV4_S3_PATH) {
        sv4_put_reencoded(b, path, n, 1);
        return;
    }
    size_t max = 1;
    for (size_t i = 0; i < n; i++)
        max += path[i] == '/';
    sv4__span_t *seg = ddb_arena_alloc(b->arena, max * sizeof *seg);
    size_t nseg = 0;
    int trailing = 0;
    for (size_t i = 0; i <= n;) {
        size_t j = sv4__find(path, i, n, '/');
        size_t len = j - i;
        trailing =
            j == n && (len == 0 || sv4__eq(path + i, len, ".") || sv4__eq(path + i, len, ".."));
        if (sv4__eq(path + i, len, "..")) {
            if (nseg) nseg--;
        } else if (len && !sv4__eq(path + i, len, ".")) {
            seg[nseg++] = (sv4__span_t){path + i, len};
        }
        i = j + 1;
    }
    for (size_t k = 0; k < nseg; k++) {
        sv4_sb_putc(b, '/');
        sv4_put_encoded(b, seg[k].p, seg[k].n, 0);
    }
    if (nseg == 0 || trailing) sv4_sb_putc(b, '/');
}

/* ---- canonical query ---- */

typedef struct sv4_param {
    const char *name; /* encoded, in the arena */
    size_t name_len;
    const char *value;
    size_t value_len;
} sv4_param_t;

static int sv4_param_cmp(const void *a, const void *b) {
    const sv4_param_t *x = a, *y = b;
    int c = sv4_cmp(x->name, x->name_len, y->name, y->name_len);
    return c ? c : sv4_cmp(x->value, x->value_len, y->value, y->value_len);
}

/* Encodes one piece into a fresh arena string (so the parameters can be sorted). */
static const char *sv4_reencode(ddb_arena_t *arena, const char *s, size_t n, size_t *out_len) {
    sv4_sb_t b;
    sv4_sb_init(&b, arena, n * 3);
    sv4_put_reencoded(&b, s, n, 0);
    *out_len = b.len;
    return b.p;
}

static void sv4_put_query(sv4_sb_t *b, const char *q, size_t n, int skip_signature) {
    if (!q || n == 0) return;
    size_t max = 1;
    for (size_t i = 0; i < n; i++)
        max += q[i] == '&';
    sv4_param_t *ps = ddb_arena_alloc(b->arena, max * sizeof *ps);
    size_t np = 0;
    for (size_t i = 0; i <= n;) {
        size_t j = sv4__find(q, i, n, '&');
        size_t eq = i;
        while (eq < j && q[eq] != '=')
            eq++;
        if (j > i) {
            sv4_param_t *p = &ps[np];
            p->name = sv4_reencode(b->arena, q + i, eq - i, &p->name_len);
            size_t vstart = eq < j ? eq + 1 : j;
            p->value = sv4_reencode(b->arena, q + vstart, j - vstart, &p->value_len);
            if (!(skip_signature && sv4__eq(p->name, p->name_len, "X-Amz-Signature"))) np++;
        }
        i = j + 1;
    }
    qsort(ps, np, sizeof *ps, sv4_param_cmp);
    for (size_t k = 0; k < np; k++) {
        if (k) sv4_sb_putc(b, '&');
        sv4_sb_put(b, ps[k].name, ps[k].name_len);
        sv4_sb_putc(b, '=');
        sv4_sb_put(b, ps[k].value, ps[k].value_len);
    }
}

/* ---- canonical headers ---- */

typedef struct sv4_hdr {
    char *name; /* lower-cased copy */
    size_t name_len;
    const char *value;
    size_t value_len;
    size_t order; /* position in the request: duplicates join in the order they came */
} sv4_hdr_t;

static int sv4_hdr_cmp(const void *a, const void *b) {
    const sv4_hdr_t *x = a, *y = b;
    int c = sv4_cmp(x->name, x->name_len, y->name, y->name_len);
    if (c) return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

static int sv4_has_header(const ddb_sigv4_header_t *h, size_t n, const char *name) {
    for (size_t i = 0; i < n; i++)
        if (sv4__ieq(h[i].name, h[i].name_len, name, strlen(name))) return 1;
    return 0;
}

/* Signing: every header given (plus extras), lower-cased, sorted, duplicates joined by ','. */
static void sv4_put_headers_all(sv4_sb_t *canon, sv4_sb_t *signed_list, const ddb_sigv4_header_t *h,
                                size_t n, const ddb_sigv4_header_t *extra, size_t n_extra) {
    sv4_hdr_t *hs = ddb_arena_alloc(canon->arena, (n + n_extra + 1) * sizeof *hs);
    size_t nh = 0;
    for (size_t i = 0; i < n + n_extra; i++) {
        const ddb_sigv4_header_t *src = i < n ? &h[i] : &extra[i - n];
        if (sv4__ieq(src->name, src->name_len, "authorization", 13)) continue;
        sv4_hdr_t *d = &hs[nh++];
        d->name = ddb_arena_strndup(canon->arena, src->name, src->name_len);
        for (size_t k = 0; k < src->name_len; k++)
            d->name[k] = (char)sv4_lower(d->name[k]);
        d->name_len = src->name_len;
        d->value = src->value;
        d->value_len = src->value_len;
        d->order = i;
    }
    qsort(hs, nh, sizeof *hs, sv4_hdr_cmp);
    for (size_t k = 0; k < nh; k++) {
        int same =
            k && sv4_cmp(hs[k].name, hs[k].name_len, hs[k - 1].name, hs[k - 1].name_len) == 0;
        if (same) {
            sv4_sb_putc(canon, ',');
        } else {
            if (k) sv4_sb_putc(canon, '\n');
            if (signed_list->len) sv4_sb_putc(signed_list, ';');
            sv4_sb_put(signed_list, hs[k].name, hs[k].name_len);
            sv4_sb_put(canon, hs[k].name, hs[k].name_len);
            sv4_sb_putc(canon, ':');
        }
        sv4_put_trimmed(canon, hs[k].value, hs[k].value_len);
    }
    if (nh) sv4_sb_putc(canon, '\n');
}

/* Verifying: the headers named in SignedHeaders, in its order, taken from what was received. */
static ddb_sigv4_status_t sv4_put_headers_listed(sv4_sb_t *canon, sv4_sb_t *signed_list,
                                                 const ddb_sigv4_header_t *h, size_t n,
                                                 const char *list, size_t list_len) {
    sv4_sb_put(signed_list, list, list_len);
    for (size_t i = 0; i < list_len;) {
        size_t j = sv4__find(list, i, list_len, ';');
        int found = 0;
        for (size_t k = 0; k < n; k++) {
            if (!sv4__ieq(h[k].name, h[k].name_len, list + i, j - i)) continue;
            if (!found) {
                size_t at = canon->len;
                sv4_sb_put(canon, list + i, j - i);
                for (size_t c = at; c < canon->len; c++)
                    canon->p[c] = (char)sv4_lower((unsigned char)canon->p[c]);
                sv4_sb_putc(canon, ':');
            } else {
                sv4_sb_putc(canon, ',');
            }
            sv4_put_trimmed(canon, h[k].value, h[k].value_len);
            found = 1;
        }
        if (!found) return DDB_SIGV4_ERR_HEADER_MISSING;
        sv4_sb_putc(canon, '\n');
        i = j + 1;
    }
    return DDB_SIGV4_OK;
}

/* ---- signing ---- */

void ddb_sigv4_signing_key(const char *secret, size_t secret_len, const char *date, size_t date_len,
                           const char *region, size_t region_len, const char *service,
                           size_t service_len, unsigned char out[32]) {
    unsigned char k[32];
    /* kSecret = "AWS4" + secret; secrets are 40 bytes, a longer one takes a heap copy */
    unsigned char stack[256];
    unsigned char *key = secret_len + 4 <= sizeof stack ? stack : malloc(secret_len + 4);
    if (!key) abort();
    memcpy(key, "AWS4", 4);
    memcpy(key + 4, secret, secret_len);
    sv4_hmac(key, secret_len + 4, date, date_len, k);
    OPENSSL_cleanse(key, secret_len + 4);
    if (key != stack) free(key);
    sv4_hmac(k, 32, region, region_len, k);
    sv4_hmac(k, 32, service, service_len, k);
    sv4_hmac(k, 32, SV4__TERMINATOR, strlen(SV4__TERMINATOR), out);
    OPENSSL_cleanse(k, sizeof k);
}

static int sv4_valid_scope(const ddb_sigv4_scope_t *scope) {
    int64_t t;
    if (!scope->amz_date || ddb_sigv4_parse_date(scope->amz_date, 16, &t) != DDB_SIGV4_OK) return 0;
    for (size_t i = 0; i < scope->region_len; i++)
        if (scope->region[i] == '/' || sv4__space(scope->region[i])) return 0;
    for (size_t i = 0; i < scope->service_len; i++)
        if (scope->service[i] == '/' || sv4__space(scope->service[i])) return 0;
    return scope->region_len && scope->service_len;
}

static void sv4_put_scope(sv4_sb_t *b, const char *date8, const ddb_sigv4_scope_t *scope) {
    sv4_sb_put(b, date8, 8);
    sv4_sb_putc(b, '/');
    sv4_sb_put(b, scope->region, scope->region_len);
    sv4_sb_putc(b, '/');
    sv4_sb_put(b, scope->service, scope->service_len);
    sv4_sb_putc(b, '/');
    sv4_sb_puts(b, SV4__TERMINATOR);
}

/* The parts of a canonical request, already canonical. */
typedef struct sv4_parts {
    sv4_sb_t uri, query, headers, signed_list;
} sv4_parts_t;

static void sv4_parts_init(sv4_parts_t *p, ddb_arena_t *arena, const ddb_sigv4_request_t *req) {
    size_t hdr_bytes = 0;
    for (size_t i = 0; i < req->n_headers; i++)
        hdr_bytes += req->headers[i].name_len + req->headers[i].value_len + 2;
    sv4_sb_init(&p->uri, arena, req->path_len * 3 + 1);
    sv4_sb_init(&p->query, arena, req->query_len * 3 + 1);
    sv4_sb_init(&p->headers, arena, hdr_bytes + 128);
    sv4_sb_init(&p->signed_list, arena, hdr_bytes / 2 + 64);
    sv4_put_uri(&p->uri, req->path, req->path_len, req->flags);
}

/* Assembles the canonical request and the string to sign, and signs with key. */
static void sv4_finish(ddb_arena_t *arena, const ddb_sigv4_request_t *req, sv4_parts_t *p,
                       const char *amz_date, const ddb_sigv4_scope_t *scope,
                       const unsigned char key[32], ddb_sigv4_signed_t *out) {
    char payload_hex[65];
    const char *ph = req->payload_hash;
    size_t ph_len = req->payload_hash_len;
    if (!ph) {
        sv4_sha256_hex(req->payload ? req->payload : "", req->payload_len, payload_hex);
        ph = payload_hex;
        ph_len = 64;
    }
    sv4_sb_t c;
    sv4_sb_init(&c, arena,
                req->method_len + p->uri.len + p->query.len + p->headers.len + p->signed_list.len +
                    ph_len + 5);
    const sv4__span_t line[6] = {{req->method, req->method_len},
                                 {p->uri.p, p->uri.len},
                                 {p->query.p, p->query.len},
                                 {p->headers.p, p->headers.len},
                                 {p->signed_list.p, p->signed_list.len},
                                 {ph, ph_len}};
    for (int k = 0; k < 6; k++) {
        if (k) sv4_sb_putc(&c, '\n');
        sv4_sb_put(&c, line[k].p, line[k].n);
    }

    char creq_hex[65];
    sv4_sha256_hex(c.p, c.len, creq_hex);
    sv4_sb_t s;
    sv4_sb_init(&s, arena, 128 + scope->region_len + scope->service_len);
    sv4_sb_puts(&s, SV4__ALGORITHM "\n");
    sv4_sb_put(&s, amz_date, 16);
    sv4_sb_putc(&s, '\n');
    sv4_put_scope(&s, amz_date, scope);
    sv4_sb_putc(&s, '\n');
    sv4_sb_put(&s, creq_hex, 64);

    unsigned char sig[32];
    sv4_hmac(key, 32, s.p, s.len, sig);
    memset(out, 0, sizeof *out);
    sv4_hex(sig, 32, out->signature);
    memcpy(out->amz_date, amz_date, 16);
    out->canonical_request = c.p;
    out->canonical_request_len = c.len;
    out->string_to_sign = s.p;
    out->string_to_sign_len = s.len;
    out->signed_headers = p->signed_list.p;
    out->signed_headers_len = p->signed_list.len;
}

static void sv4_key_for(const ddb_sigv4_credentials_t *cred, const ddb_sigv4_scope_t *scope,
                        unsigned char key[32]) {
    if (cred->signing_key) {
        memcpy(key, cred->signing_key, 32);
        return;
    }
    ddb_sigv4_signing_key(cred->secret, cred->secret_len, scope->amz_date, 8, scope->region,
                          scope->region_len, scope->service, scope->service_len, key);
}

ddb_sigv4_status_t ddb_sigv4_sign(ddb_arena_t *arena, const ddb_sigv4_request_t *req,
                                  const ddb_sigv4_credentials_t *cred,
                                  const ddb_sigv4_scope_t *scope, ddb_sigv4_signed_t *out) {
    if (!sv4_valid_scope(scope)) return DDB_SIGV4_ERR_ARGUMENT;
    ddb_sigv4_header_t extra[2];
    size_t n_extra = 0;
    if (!sv4_has_header(req->headers, req->n_headers, "x-amz-date"))
        extra[n_extra++] = (ddb_sigv4_header_t){"x-amz-date", 10, scope->amz_date, 16};
    if (cred->session_token && !(req->flags & DDB_SIGV4_UNSIGNED_TOKEN) &&
        !sv4_has_header(req->headers, req->n_headers, "x-amz-security-token"))
        extra[n_extra++] = (ddb_sigv4_header_t){"x-amz-security-token", 20, cred->session_token,
                                                cred->session_token_len};
    sv4_parts_t p;
    sv4_parts_init(&p, arena, req);
    sv4_put_query(&p.query, req->query, req->query_len, 0);
    sv4_put_headers_all(&p.headers, &p.signed_list, req->headers, req->n_headers, extra, n_extra);
    unsigned char key[32];
    sv4_key_for(cred, scope, key);
    sv4_finish(arena, req, &p, scope->amz_date, scope, key, out);
    OPENSSL_cleanse(key, sizeof key);

    sv4_sb_t a;
    sv4_sb_init(&a, arena, 160 + cred->access_key_id_len + p.signed_list.len);
    sv4_sb_puts(&a, SV4__ALGORITHM " Credential=");
    sv4_sb_put(&a, cred->access_key_id, cred->access_key_id_len);
    sv4_sb_putc(&a, '/');
    sv4_put_scope(&a, scope->amz_date, scope);
    sv4_sb_puts(&a, ", SignedHeaders=");
    sv4_sb_put(&a, p.signed_list.p, p.signed_list.len);
    sv4_sb_puts(&a, ", Signature=");
    sv4_sb_put(&a, out->signature, 64);
    out->authorization = a.p;
    out->authorization_len = a.len;
    return DDB_SIGV4_OK;
}

static void sv4_put_param(sv4_sb_t *b, const char *name, const char *v, size_t n) {
    if (b->len) sv4_sb_putc(b, '&');
    sv4_sb_puts(b, name);
    sv4_sb_putc(b, '=');
    sv4_put_encoded(b, v, n, 0);
}

ddb_sigv4_status_t ddb_sigv4_presign(ddb_arena_t *arena, const ddb_sigv4_request_t *req,
                                     const ddb_sigv4_credentials_t *cred,
                                     const ddb_sigv4_scope_t *scope, int64_t expires,
                                     ddb_sigv4_signed_t *out) {
    if (!sv4_valid_scope(scope) || expires < 1 || expires > DDB_SIGV4_MAX_EXPIRES)
        return DDB_SIGV4_ERR_ARGUMENT;
    sv4_parts_t p;
    sv4_parts_init(&p, arena, req);
    sv4_put_headers_all(&p.headers, &p.signed_list, req->headers, req->n_headers, NULL, 0);

    /* the query to send: the caller's, then ours in the order the SDKs write them */
    sv4_sb_t q, cr;
    sv4_sb_init(&q, arena, req->query_len + 3 * cred->session_token_len + 320);
    sv4_sb_init(&cr, arena, cred->access_key_id_len + 64);
    if (req->query_len) sv4_sb_put(&q, req->query, req->query_len);
    sv4_sb_put(&cr, cred->access_key_id, cred->access_key_id_len);
    sv4_sb_putc(&cr, '/');
    sv4_put_scope(&cr, scope->amz_date, scope);
    char num[24];
    int nl = snprintf(num, sizeof num, "%lld", (long long)expires);
    sv4_put_param(&q, "X-Amz-Algorithm", SV4__ALGORITHM, strlen(SV4__ALGORITHM));
    sv4_put_param(&q, "X-Amz-Credential", cr.p, cr.len);
    sv4_put_param(&q, "X-Amz-Date", scope->amz_date, 16);
    sv4_put_param(&q, "X-Amz-Expires", num, (size_t)nl);
    sv4_put_param(&q, "X-Amz-SignedHeaders", p.signed_list.p, p.signed_list.len);
    if (cred->session_token && !(req->flags & DDB_SIGV4_UNSIGNED_TOKEN))
        sv4_put_param(&q, "X-Amz-Security-Token", cred->session_token, cred->session_token_len);
    sv4_put_query(&p.query, q.p, q.len, 0);

    unsigned char key[32];
    sv4_key_for(cred, scope, key);
    sv4_finish(arena, req, &p, scope->amz_date, scope, key, out);
    OPENSSL_cleanse(key, sizeof key);
    sv4_put_param(&q, "X-Amz-Signature", out->signature, 64);
    out->query = q.p;
    out->query_len = q.len;
    return DDB_SIGV4_OK;
}

/* ---- verifying ---- */

static int sv4_lists_host(const char *list, size_t n) {
    for (size_t i = 0; i < n;) {
        size_t j = sv4__find(list, i, n, ';');
        if (sv4__ieq(list + i, j - i, "host", 4)) return 1;
        i = j + 1;
    }
    return 0;
}

ddb_sigv4_status_t ddb_sigv4_verify(ddb_arena_t *arena, const ddb_sigv4_request_t *req,
                                    const ddb_sigv4_auth_t *auth, const char *secret,
                                    size_t secret_len, const unsigned char *signing_key,
                                    ddb_sigv4_signed_t *out) {
    if (!auth->amz_date[0]) return DDB_SIGV4_ERR_NO_DATE;
    if (auth->date_len != 8 || memcmp(auth->date, auth->amz_date, 8) != 0)
        return DDB_SIGV4_ERR_SCOPE_DATE;
    if (!sv4_lists_host(auth->signed_headers, auth->signed_headers_len))
        return DDB_SIGV4_ERR_HOST_NOT_SIGNED;
    sv4_parts_t p;
    sv4_parts_init(&p, arena, req);
    sv4_put_query(&p.query, req->query, req->query_len, auth->presigned);
    ddb_sigv4_status_t st =
        sv4_put_headers_listed(&p.headers, &p.signed_list, req->headers, req->n_headers,
                               auth->signed_headers, auth->signed_headers_len);
    if (st) return st;
    ddb_sigv4_scope_t scope = {auth->amz_date, auth->region, auth->region_len, auth->service,
                               auth->service_len};
    unsigned char key[32];
    if (signing_key)
        memcpy(key, signing_key, 32);
    else
        ddb_sigv4_signing_key(secret, secret_len, auth->date, 8, auth->region, auth->region_len,
                              auth->service, auth->service_len, key);
    ddb_sigv4_signed_t local;
    if (!out) out = &local;
    sv4_finish(arena, req, &p, auth->amz_date, &scope, key, out);
    OPENSSL_cleanse(key, sizeof key);
    /* the length is not secret; the bytes are compared in constant time */
    if (auth->signature_len != 64 || CRYPTO_memcmp(out->signature, auth->signature, 64) != 0)
        return DDB_SIGV4_ERR_MISMATCH;
    return DDB_SIGV4_OK;
}

const char *ddb_sigv4_status_name(ddb_sigv4_status_t s) {
    static const char *const names[DDB_SIGV4__COUNT] = {
        "OK",           "NO_AUTH",         "ALGORITHM",
        "KEY_VALUE",    "NO_CREDENTIAL",   "NO_SIGNED_HEADERS",
        "NO_SIGNATURE", "NO_DATE",         "CREDENTIAL_FORM",
        "TERMINATOR",   "DATE_FORM",       "EXPIRES",
        "SCOPE_DATE",   "HOST_NOT_SIGNED", "HEADER_MISSING",
        "MISMATCH",     "EXPIRED",         "NOT_YET_CURRENT",
        "ARGUMENT",
    };
    return (unsigned)s < DDB_SIGV4__COUNT ? names[s] : "UNKNOWN";
}
