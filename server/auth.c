/* auth.c: --auth: the key table read from a credentials file, and the SigV4 check of a request
 * (query/sigv4.h does the cryptography) with the errors AWS answers. Owns the mapping from a
 * verification status to AWS's exception and message text, and each thread's cache of derived
 * signing keys (one HMAC chain per key, day, region and service instead of one per request).
 * Never puts a secret in a message. */
#include "server/auth.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "query/sigv4.h"

/* ---- the key table ----------------------------------------------------------------------- */

typedef struct auth_key {
    char *id; /* access key id */
    size_t id_len;
    char *secret; /* secret access key */
    size_t secret_len;
} auth_key_t;

struct auth_keys {
    auth_key_t *keys;
    size_t n, cap;
};

/* Larger than any credentials file; a bigger one is refused rather than read into memory. */
#define AUTH_MAX_FILE (4u << 20)

static char *auth_dup(const char *s, size_t n) {
    char *d = malloc(n + 1);
    if (!d) return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static int auth_add(auth_keys_t *k, const char *id, size_t id_len, const char *secret,
                    size_t secret_len, char *msg, size_t cap) {
    for (size_t i = 0; i < k->n; i++) {
        if (k->keys[i].id_len != id_len || memcmp(k->keys[i].id, id, id_len) != 0) continue;
        if (k->keys[i].secret_len == secret_len && !memcmp(k->keys[i].secret, secret, secret_len))
            return 0; /* the same key in two profiles */
        snprintf(msg, cap, "access key id %.*s has two different secrets", (int)id_len, id);
        return -1;
    }
    if (k->n == k->cap) {
        size_t nc = k->cap ? k->cap * 2 : 8;
        auth_key_t *nk = realloc(k->keys, nc * sizeof *nk);
        if (!nk) return snprintf(msg, cap, "out of memory"), -1;
        k->keys = nk;
        k->cap = nc;
    }
    auth_key_t *e = &k->keys[k->n];
    e->id = auth_dup(id, id_len);
    e->secret = auth_dup(secret, secret_len);
    if (!e->id || !e->secret) {
        free(e->id);
        free(e->secret);
        return snprintf(msg, cap, "out of memory"), -1;
    }
    e->id_len = id_len;
    e->secret_len = secret_len;
    k->n++;
    return 0;
}

/* What one [profile] section has set so far. */
typedef struct auth_profile {
    const char *name, *id, *secret;
    size_t name_len, id_len, secret_len;
    int line; /* where the section starts */
} auth_profile_t;

static int auth_end_profile(auth_keys_t *k, const auth_profile_t *p, char *msg, size_t cap) {
    if (!p->id && !p->secret) return 0; /* e.g. a profile of other settings */
    if (!p->id || !p->secret) {
        snprintf(msg, cap, "profile [%.*s] (line %d) has %s but no %s", (int)p->name_len, p->name,
                 p->line, p->id ? "aws_access_key_id" : "aws_secret_access_key",
                 p->id ? "aws_secret_access_key" : "aws_access_key_id");
        return -1;
    }
    if (p->id_len == 0 || p->secret_len == 0) {
        snprintf(msg, cap, "profile [%.*s] (line %d) has an empty key", (int)p->name_len, p->name,
                 p->line);
        return -1;
    }
    return auth_add(k, p->id, p->id_len, p->secret, p->secret_len, msg, cap);
}

static bool auth_key_is(const char *s, size_t n, const char *name) {
    size_t m = strlen(name);
    if (n != m) return false;
    for (size_t i = 0; i < n; i++) {
        if (tolower((unsigned char)s[i]) != name[i]) return false;
    }
    return true;
}

static void auth_trim(const char **s, size_t *n) {
    while (*n && isspace((unsigned char)**s))
        (*s)++, (*n)--;
    while (*n && isspace((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

/* One line of the file: a comment, a [section] or key = value. */
static int auth_line(auth_keys_t *k, auth_profile_t *p, const char *s, size_t n, int line,
                     char *msg, size_t cap) {
    auth_trim(&s, &n);
    if (n == 0 || s[0] == ';' || s[0] == '#') return 0;
    if (s[0] == '[') {
        if (s[n - 1] != ']') return snprintf(msg, cap, "line %d: a section without ']'", line), -1;
        if (auth_end_profile(k, p, msg, cap)) return -1;
        const char *name = s + 1;
        size_t name_len = n - 2;
        auth_trim(&name, &name_len);
        *p = (auth_profile_t){.name = name, .name_len = name_len, .line = line};
        return 0;
    }
    const char *eq = memchr(s, '=', n);
    if (!eq) return snprintf(msg, cap, "line %d: neither a [profile] nor key = value", line), -1;
    if (!p->name) return snprintf(msg, cap, "line %d: a key before any [profile]", line), -1;
    const char *key = s, *val = eq + 1;
    size_t key_len = (size_t)(eq - s), val_len = n - key_len - 1;
    auth_trim(&key, &key_len);
    auth_trim(&val, &val_len);
    if (auth_key_is(key, key_len, "aws_access_key_id")) p->id = val, p->id_len = val_len;
    if (auth_key_is(key, key_len, "aws_secret_access_key"))
        p->secret = val, p->secret_len = val_len;
    return 0;
}

static int auth_parse(auth_keys_t *k, const char *text, size_t len, char *msg, size_t cap) {
    auth_profile_t p = {0};
    int line = 0;
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - text) : len;
        if (auth_line(k, &p, text + i, end - i, ++line, msg, cap)) return -1;
        i = end + 1;
    }
    return auth_end_profile(k, &p, msg, cap);
}

static char *auth_read_file(const char *path, size_t *len, char *msg, size_t cap) {
    FILE *f = fopen(path, "rb");
    if (!f) return snprintf(msg, cap, "cannot read it: %s", strerror(errno)), NULL;
    char *text = malloc(AUTH_MAX_FILE + 1);
    size_t n = text ? fread(text, 1, AUTH_MAX_FILE + 1, f) : 0;
    int bad = !text || ferror(f);
    if (bad) snprintf(msg, cap, "cannot read it: %s", text ? strerror(errno) : "out of memory");
    fclose(f);
    if (!bad && n > AUTH_MAX_FILE) {
        snprintf(msg, cap, "larger than %u bytes: not a credentials file", AUTH_MAX_FILE);
        bad = 1;
    }
    if (bad) {
        free(text);
        return NULL;
    }
    *len = n;
    return text;
}

int auth_keys_load(const char *path, auth_keys_t **out, char *msg, size_t cap) {
    *out = NULL;
    size_t len;
    char *text = auth_read_file(path, &len, msg, cap);
    if (!text) return -1;
    int rc = auth_keys_parse(text, len, out, msg, cap);
    OPENSSL_cleanse(text, len);
    free(text);
    return rc;
}

int auth_keys_parse(const char *text, size_t len, auth_keys_t **out, char *msg, size_t cap) {
    *out = NULL;
    auth_keys_t *k = calloc(1, sizeof *k);
    int rc = k ? auth_parse(k, text, len, msg, cap) : (snprintf(msg, cap, "out of memory"), -1);
    if (!rc && k->n == 0) {
        snprintf(msg, cap,
                 "no access key in it (a [profile] with aws_access_key_id and "
                 "aws_secret_access_key)");
        rc = -1;
    }
    if (rc) {
        auth_keys_free(k);
        return -1;
    }
    *out = k;
    return 0;
}

size_t auth_keys_count(const auth_keys_t *k) {
    return k ? k->n : 0;
}

void auth_keys_free(auth_keys_t *k) {
    if (!k) return;
    for (size_t i = 0; i < k->n; i++) {
        OPENSSL_cleanse(k->keys[i].secret, k->keys[i].secret_len);
        free(k->keys[i].id);
        free(k->keys[i].secret);
    }
    free(k->keys);
    free(k);
}

static const auth_key_t *auth_find(const auth_keys_t *k, const char *id, size_t len) {
    for (size_t i = 0; i < k->n; i++) {
        if (k->keys[i].id_len == len && memcmp(k->keys[i].id, id, len) == 0) return &k->keys[i];
    }
    return NULL;
}

/* ---- the signing-key cache --------------------------------------------------------------- */

/* A signing key is one day's, for one region and service: a loop sees a handful at a time.
 * Replacement is round-robin; a miss costs the four HMACs the cache saves. */
#define AUTH_CACHE_SLOTS 16

typedef struct auth_slot {
    const auth_key_t *key; /* NULL: empty */
    char date[8];
    char region[64];
    size_t region_len;
    char service[16];
    size_t service_len;
    unsigned char signing_key[32];
} auth_slot_t;

struct auth_verifier {
    const auth_keys_t *keys;
    auth_slot_t slots[AUTH_CACHE_SLOTS];
    unsigned next; /* the slot the next miss fills */
};

auth_verifier_t *auth_verifier_create(const auth_keys_t *keys) {
    auth_verifier_t *v = calloc(1, sizeof *v);
    if (v) v->keys = keys;
    return v;
}

void auth_verifier_destroy(auth_verifier_t *v) {
    if (!v) return;
    OPENSSL_cleanse(v, sizeof *v);
    free(v);
}

static const unsigned char *auth_signing_key(auth_verifier_t *v, const auth_key_t *key,
                                             const ddb_sigv4_auth_t *a) {
    for (unsigned i = 0; i < AUTH_CACHE_SLOTS; i++) {
        auth_slot_t *s = &v->slots[i];
        if (s->key == key && !memcmp(s->date, a->date, 8) && s->region_len == a->region_len &&
            !memcmp(s->region, a->region, a->region_len) && s->service_len == a->service_len &&
            !memcmp(s->service, a->service, a->service_len))
            return s->signing_key;
    }
    if (a->region_len > sizeof v->slots[0].region || a->service_len > sizeof v->slots[0].service)
        return NULL; /* not cached: derived for this request only */
    auth_slot_t *s = &v->slots[v->next++ % AUTH_CACHE_SLOTS];
    s->key = key;
    memcpy(s->date, a->date, 8);
    memcpy(s->region, a->region, a->region_len);
    s->region_len = a->region_len;
    memcpy(s->service, a->service, a->service_len);
    s->service_len = a->service_len;
    ddb_sigv4_signing_key(key->secret, key->secret_len, a->date, 8, a->region, a->region_len,
                          a->service, a->service_len, s->signing_key);
    return s->signing_key;
}

/* ---- AWS's errors ------------------------------------------------------------------------ */

#define AUTH_MISMATCH_MSG                                                                          \
    "The request signature we calculated does not match the signature you provided. Check your "   \
    "AWS Secret Access Key and signing method. Consult the service documentation for details."

/* "Authorization header requires 'Credential' parameter. ..." for each missing part, in AWS's
 * order, then what was sent; the query form names the parameters instead. */
static int auth_missing(const ddb_sigv4_auth_t *a, const http_request_t *req, ddb_error_t *err) {
    char m[1024] = "";
    size_t n = 0;
    if (a->presigned) {
        static const char *const names[] = {"X-Amz-Credential", "X-Amz-SignedHeaders",
                                            "X-Amz-Signature", "X-Amz-Date"};
        for (unsigned b = 0; b < 4; b++) {
            if (!(a->missing & (1u << b))) continue;
            n += (size_t)snprintf(m + n, sizeof m - n,
                                  "AWS query-string parameters must include '%s'. ", names[b]);
        }
        return ddb_error_set(err, DDB_ERR_INCOMPLETE_SIGNATURE,
                             "%sRe-examine the query-string parameters.", m);
    }
    if (a->missing & DDB_SIGV4_MISSING_CREDENTIAL)
        n += (size_t)snprintf(m + n, sizeof m - n,
                              "Authorization header requires 'Credential' parameter. ");
    if (a->missing & DDB_SIGV4_MISSING_SIGNATURE)
        n += (size_t)snprintf(m + n, sizeof m - n,
                              "Authorization header requires 'Signature' parameter. ");
    if (a->missing & DDB_SIGV4_MISSING_SIGNED_HEADERS)
        n += (size_t)snprintf(m + n, sizeof m - n,
                              "Authorization header requires 'SignedHeaders' parameter. ");
    if (a->missing & DDB_SIGV4_MISSING_DATE)
        n += (size_t)snprintf(m + n, sizeof m - n,
                              "Authorization header requires existence of either a 'X-Amz-Date' "
                              "or a 'Date' header. ");
    size_t len = req->authorization_len;
    return ddb_error_set(err, DDB_ERR_INCOMPLETE_SIGNATURE, "%sAuthorization=%.*s", m,
                         (int)(len > 200 ? 200 : len), req->authorization);
}

/* The errors of parsing (ddb_sigv4_parse_*). */
static int auth_parse_error(ddb_sigv4_status_t st, const ddb_sigv4_auth_t *a,
                            const http_request_t *req, ddb_error_t *err) {
    int bn = (int)(a->bad_len > 200 ? 200 : a->bad_len);
    const char *bad = a->bad ? a->bad : "";
    switch (st) {
    case DDB_SIGV4_ERR_NO_AUTH:
        return ddb_error_set(err, DDB_ERR_MISSING_AUTH,
                             "Request must contain either a valid (registered) AWS access key ID "
                             "or X.509 certificate.");
    case DDB_SIGV4_ERR_ALGORITHM:
        if (a->presigned)
            return ddb_error_set(err, DDB_ERR_INCOMPLETE_SIGNATURE,
                                 "Unsupported AWS 'algorithm': '%.*s'", bn, bad);
        /* what ddbd answered for another scheme before --auth existed */
        return ddb_error_set(err, DDB_ERR_INCOMPLETE_SIGNATURE,
                             "Authorization header requires existence of either a "
                             "'X-Amz-Date' or a 'Date' header.");
    case DDB_SIGV4_ERR_KEY_VALUE: {
        size_t len = req->authorization_len;
        return ddb_error_set(err, DDB_ERR_INCOMPLETE_SIGNATURE,
                             "'%.*s' not a valid key=value pair (missing equal-sign) in "
                             "Authorization header: '%.*s'.",
                             bn, bad, (int)(len > 200 ? 200 : len), req->authorization);
    }
    case DDB_SIGV4_ERR_NO_CREDENTIAL:
    case DDB_SIGV4_ERR_NO_SIGNED_HEADERS:
    case DDB_SIGV4_ERR_NO_SIGNATURE:
    case DDB_SIGV4_ERR_NO_DATE:
        return auth_missing(a, req, err);
    case DDB_SIGV4_ERR_CREDENTIAL_FORM:
        return ddb_error_set(err, DDB_ERR_INCOMPLETE_SIGNATURE,
                             "Credential must have exactly 5 slash-delimited elements, e.g. "
                             "keyid/date/region/service/term, got '%.*s'",
                             bn, bad);
    case DDB_SIGV4_ERR_TERMINATOR:
        return ddb_error_set(err, DDB_ERR_INCOMPLETE_SIGNATURE,
                             "Credential should be scoped with a valid terminator: "
                             "'aws4_request', not '%.*s'. ",
                             bn, bad);
    case DDB_SIGV4_ERR_DATE_FORM:
        return ddb_error_set(err, DDB_ERR_INCOMPLETE_SIGNATURE,
                             "Date must be in ISO-8601 'basic format'. Got '%.*s'. See "
                             "http://en.wikipedia.org/wiki/ISO_8601",
                             bn, bad);
    case DDB_SIGV4_ERR_EXPIRES:
        return ddb_error_set(err, DDB_ERR_INCOMPLETE_SIGNATURE,
                             "X-Amz-Expires must be a number of seconds from 1 to 604800 (a "
                             "week), not '%.*s'",
                             bn, bad);
    default:
        return ddb_error_set(err, DDB_ERR_INCOMPLETE_SIGNATURE, "Malformed signature (%s).",
                             ddb_sigv4_status_name(st));
    }
}

/* Outside the 15 minutes (or past X-Amz-Expires): AWS names the three times involved. */
static int auth_time_error(ddb_sigv4_status_t st, const ddb_sigv4_auth_t *a, int64_t now,
                           ddb_error_t *err) {
    char now_s[17], edge[17];
    ddb_sigv4_format_date(now, now_s);
    if (st == DDB_SIGV4_ERR_NOT_YET_CURRENT) {
        ddb_sigv4_format_date(now + DDB_SIGV4_MAX_SKEW, edge);
        return ddb_error_set(err, DDB_ERR_INVALID_SIGNATURE,
                             "Signature not yet current: %s is still later than %s (%s + 15 min.)",
                             a->amz_date, edge, now_s);
    }
    if (a->presigned && a->expires >= 0) {
        ddb_sigv4_format_date(now - a->expires, edge);
        return ddb_error_set(err, DDB_ERR_INVALID_SIGNATURE,
                             "Signature expired: %s is now earlier than %s (%s - %lld sec.)",
                             a->amz_date, edge, now_s, (long long)a->expires);
    }
    ddb_sigv4_format_date(now - DDB_SIGV4_MAX_SKEW, edge);
    return ddb_error_set(err, DDB_ERR_INVALID_SIGNATURE,
                         "Signature expired: %s is now earlier than %s (%s - 15 min.)", a->amz_date,
                         edge, now_s);
}

/* The errors of ddb_sigv4_verify. */
static int auth_verify_error(ddb_sigv4_status_t st, const ddb_sigv4_auth_t *a,
                             const ddb_sigv4_signed_t *out, unsigned flags, ddb_error_t *err) {
    switch (st) {
    case DDB_SIGV4_ERR_SCOPE_DATE:
        return ddb_error_set(err, DDB_ERR_INCOMPLETE_SIGNATURE,
                             "Date in Credential scope does not match YYYYMMDD from ISO-8601 "
                             "version of date from HTTP: '%.*s' != '%.8s', from '%s'.",
                             (int)(a->date_len > 64 ? 64 : a->date_len), a->date, a->amz_date,
                             a->amz_date);
    case DDB_SIGV4_ERR_HOST_NOT_SIGNED:
        return ddb_error_set(err, DDB_ERR_INVALID_SIGNATURE,
                             "'Host' or ':authority' must be a 'SignedHeader' in the AWS "
                             "Authorization.");
    case DDB_SIGV4_ERR_MISMATCH:
        if ((flags & AUTH_SHOW_CANONICAL) && out->canonical_request)
            return ddb_error_set(err, DDB_ERR_INVALID_SIGNATURE,
                                 AUTH_MISMATCH_MSG "\n\nThe Canonical String for this request "
                                                   "should have been\n'%s'\n\nThe String-to-Sign "
                                                   "should have been\n'%s'\n",
                                 out->canonical_request, out->string_to_sign);
        return ddb_error_set(err, DDB_ERR_INVALID_SIGNATURE, AUTH_MISMATCH_MSG);
    default: /* a signed header that is not in the request cannot match: a mismatch */
        return ddb_error_set(err, DDB_ERR_INVALID_SIGNATURE, AUTH_MISMATCH_MSG);
    }
}

/* ---- verification ------------------------------------------------------------------------ */

static ddb_sigv4_header_t *auth_headers(ddb_arena_t *arena, const http_request_t *req) {
    ddb_sigv4_header_t *h = ddb_arena_alloc(arena, (req->n_headers + 1) * sizeof *h);
    for (size_t i = 0; i < req->n_headers; i++) {
        h[i] = (ddb_sigv4_header_t){req->headers[i].name, req->headers[i].name_len,
                                    req->headers[i].value, req->headers[i].value_len};
    }
    return h;
}

static void auth_split_url(const http_request_t *req, ddb_sigv4_request_t *r) {
    const char *q = memchr(req->url, '?', req->url_len);
    r->path = req->url;
    r->path_len = q ? (size_t)(q - req->url) : req->url_len;
    r->query = q ? q + 1 : NULL;
    r->query_len = q ? req->url_len - r->path_len - 1 : 0;
}

int auth_verify(auth_verifier_t *v, ddb_arena_t *arena, const http_request_t *req,
                const char *service, int64_t now, unsigned flags, char *region, size_t cap,
                ddb_error_t *err) {
    ddb_sigv4_header_t *h = auth_headers(arena, req);
    ddb_sigv4_request_t r = {.method = req->method,
                             .method_len = strlen(req->method),
                             .headers = h,
                             .n_headers = req->n_headers,
                             .payload = req->wire_body ? req->wire_body
                                        : req->body    ? req->body
                                                       : "",
                             .payload_len = req->wire_body ? req->wire_body_len : req->body_len};
    auth_split_url(req, &r);
    ddb_sigv4_auth_t a;
    ddb_sigv4_status_t st = req->authorization
                                ? ddb_sigv4_parse_header(req->authorization, req->authorization_len,
                                                         h, req->n_headers, &a)
                                : ddb_sigv4_parse_query(arena, r.query, r.query_len, &a);
    if (st) return auth_parse_error(st, &a, req, err);
    if (a.service_len != strlen(service) || memcmp(a.service, service, a.service_len) != 0)
        return ddb_error_set(err, DDB_ERR_INVALID_SIGNATURE,
                             "Credential should be scoped to correct service: '%s'. ", service);
    if (a.region_len == 0 || a.region_len >= cap)
        return ddb_error_set(err, DDB_ERR_INCOMPLETE_SIGNATURE,
                             "Credential should be scoped to a valid region. ");
    const auth_key_t *key = auth_find(v->keys, a.access_key_id, a.access_key_id_len);
    if (!key)
        return ddb_error_set(err, DDB_ERR_UNRECOGNIZED_CLIENT,
                             "The security token included in the request is invalid.");
    st = ddb_sigv4_check_time(&a, now, DDB_SIGV4_MAX_SKEW);
    if (st == DDB_SIGV4_ERR_EXPIRED || st == DDB_SIGV4_ERR_NOT_YET_CURRENT)
        return auth_time_error(st, &a, now, err);
    if (st) return auth_parse_error(st, &a, req, err);
    const unsigned char *sk = a.date_len == 8 ? auth_signing_key(v, key, &a) : NULL;
    ddb_sigv4_signed_t out = {0};
    st = ddb_sigv4_verify(arena, &r, &a, key->secret, key->secret_len, sk, &out);
    if (st) return auth_verify_error(st, &a, &out, flags, err);
    memcpy(region, a.region, a.region_len);
    region[a.region_len] = '\0';
    return 0;
}
