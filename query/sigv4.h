/* sigv4.h: AWS Signature Version 4 (AWS4-HMAC-SHA256), both sides of it: a client signs a
 * request (Authorization header or presigned query string); a server parses the signature it
 * received, recomputes it with the secret and compares in constant time, and checks the request
 * time against its clock. Pure: no I/O, never reads the clock (time is a parameter), no global
 * state; safe from any thread. Every output lives in the caller's ddb_arena_t (nothing to free
 * but the arena); inputs are pointer + length and may hold any bytes. */
#ifndef DDB_QUERY_SIGV4_H
#define DDB_QUERY_SIGV4_H

#include <stddef.h>
#include <stdint.h>

#include "query/arena.h"

/* Results. A server maps them to AWS's errors (comments give the usual mapping). */
typedef enum ddb_sigv4_status {
    DDB_SIGV4_OK = 0,
    DDB_SIGV4_ERR_NO_AUTH,           /* no Authorization, no X-Amz-* params: MissingAuthToken */
    DDB_SIGV4_ERR_ALGORITHM,         /* scheme/X-Amz-Algorithm not AWS4-HMAC-SHA256: Incomplete */
    DDB_SIGV4_ERR_KEY_VALUE,         /* a part without '=' (auth->bad names it): Incomplete */
    DDB_SIGV4_ERR_NO_CREDENTIAL,     /* no Credential part: IncompleteSignature */
    DDB_SIGV4_ERR_NO_SIGNED_HEADERS, /* no SignedHeaders part: IncompleteSignature */
    DDB_SIGV4_ERR_NO_SIGNATURE,      /* no Signature part: IncompleteSignature */
    DDB_SIGV4_ERR_NO_DATE,           /* neither X-Amz-Date nor Date: IncompleteSignature */
    DDB_SIGV4_ERR_CREDENTIAL_FORM,   /* Credential not 5 '/'-separated parts: IncompleteSig */
    DDB_SIGV4_ERR_TERMINATOR,        /* scope terminator not aws4_request: IncompleteSignature */
    DDB_SIGV4_ERR_DATE_FORM,         /* a date that is not YYYYMMDD'T'HHMMSS'Z' (or HTTP-date) */
    DDB_SIGV4_ERR_EXPIRES,           /* X-Amz-Expires not an integer in 1..604800 */
    DDB_SIGV4_ERR_SCOPE_DATE,        /* scope date != YYYYMMDD of the request time: Incomplete */
    DDB_SIGV4_ERR_HOST_NOT_SIGNED,   /* 'host' missing from SignedHeaders: InvalidSignature */
    DDB_SIGV4_ERR_HEADER_MISSING,    /* a signed header is not in the request: InvalidSig */
    DDB_SIGV4_ERR_MISMATCH,          /* the signature differs: InvalidSignatureException */
    DDB_SIGV4_ERR_EXPIRED,           /* request time too far in the past: InvalidSignature */
    DDB_SIGV4_ERR_NOT_YET_CURRENT,   /* request time too far in the future: InvalidSignature */
    DDB_SIGV4_ERR_ARGUMENT,          /* caller error: bad region/service/date argument */
    DDB_SIGV4__COUNT
} ddb_sigv4_status_t;

/* Bits of ddb_sigv4_auth_t.missing: AWS lists every missing part in one message. */
#define DDB_SIGV4_MISSING_CREDENTIAL     0x1u
#define DDB_SIGV4_MISSING_SIGNED_HEADERS 0x2u
#define DDB_SIGV4_MISSING_SIGNATURE      0x4u
#define DDB_SIGV4_MISSING_DATE           0x8u

/* ddb_sigv4_request_t.flags */
#define DDB_SIGV4_S3_PATH        0x1u /* S3 path rules: no normalization, encoded once */
#define DDB_SIGV4_UNSIGNED_TOKEN 0x2u /* sign without the session token; sent after signing */

#define DDB_SIGV4_MAX_SKEW         900    /* AWS accepts request times within 15 minutes of now */
#define DDB_SIGV4_MAX_EXPIRES      604800 /* the longest X-Amz-Expires (7 days) */
#define DDB_SIGV4_UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"

/* One HTTP header as sent or received; names are matched case-insensitively. */
typedef struct ddb_sigv4_header {
    const char *name;  /* header name, any case */
    size_t name_len;   /* its length */
    const char *value; /* raw value; trimmed and space-collapsed when canonicalized */
    size_t value_len;  /* its length */
} ddb_sigv4_header_t;

/* The request, as it is (or will be) on the wire. The path and query are the wire forms, i.e.
 * percent-encoded as sent: the canonical URI normalizes the path ("//" and "." dropped, ".."
 * removes a segment) and URI-encodes every segment once more (so "/a%20b" signs as
 * "/a%2520b"), as AWS requires of every service but S3; with DDB_SIGV4_S3_PATH the path is
 * neither normalized nor double-encoded (only re-encoded to AWS's single encoding). Query
 * parameters are percent-decoded then RFC 3986-encoded, so raw and encoded forms sign alike;
 * '+' is a literal plus, not a space. */
typedef struct ddb_sigv4_request {
    const char *method;                /* HTTP method, e.g. "POST" (used as given) */
    size_t method_len;                 /* its length */
    const char *path;                  /* wire path without '?' and query; "" means "/" */
    size_t path_len;                   /* its length */
    const char *query;                 /* wire query string without '?', or NULL */
    size_t query_len;                  /* its length */
    const ddb_sigv4_header_t *headers; /* sign: the headers to sign; verify: all received */
    size_t n_headers;                  /* number of headers */
    const void *payload;               /* request body (hashed unless payload_hash is set) */
    size_t payload_len;                /* its length */
    const char *payload_hash;          /* hex SHA-256 of the body or UNSIGNED-PAYLOAD, or NULL */
    size_t payload_hash_len;           /* its length */
    unsigned flags;                    /* DDB_SIGV4_S3_PATH, DDB_SIGV4_UNSIGNED_TOKEN */
} ddb_sigv4_request_t;

/* A server verifying must not take payload_hash from the x-amz-content-sha256 header unless it
 * also checks the body against it: with payload_hash NULL the body itself is hashed. */

/* Who signs, for what. */
typedef struct ddb_sigv4_credentials {
    const char *access_key_id;        /* AKID, as it appears in Credential= */
    size_t access_key_id_len;         /* its length */
    const char *secret;               /* secret access key (unused when signing_key is set) */
    size_t secret_len;                /* its length */
    const char *session_token;        /* STS session token, or NULL */
    size_t session_token_len;         /* its length */
    const unsigned char *signing_key; /* 32 bytes from ddb_sigv4_signing_key, or NULL */
} ddb_sigv4_credentials_t;

/* The credential scope and the request time. */
typedef struct ddb_sigv4_scope {
    const char *amz_date; /* 16 bytes "YYYYMMDD'T'HHMMSS'Z'" (see ddb_sigv4_format_date) */
    const char *region;   /* e.g. "us-east-1" */
    size_t region_len;    /* its length */
    const char *service;  /* e.g. "dynamodb" */
    size_t service_len;   /* its length */
} ddb_sigv4_scope_t;

/* What signing (or verifying) computed. Strings are NUL-terminated, in the arena. */
typedef struct ddb_sigv4_signed {
    char *canonical_request; /* the canonical request */
    size_t canonical_request_len;
    char *string_to_sign; /* "AWS4-HMAC-SHA256\n<date>\n<scope>\n<hex sha256(creq)>" */
    size_t string_to_sign_len;
    char *signed_headers; /* "host;x-amz-date" */
    size_t signed_headers_len;
    char *authorization; /* Authorization header value (header signing only, else NULL) */
    size_t authorization_len;
    char *query; /* presign: the query string to send, signature last, else NULL */
    size_t query_len;
    char signature[65]; /* lower-case hex HMAC, NUL-terminated */
    char amz_date[17];  /* the request time to send as X-Amz-Date */
} ddb_sigv4_signed_t;

/* A parsed signature: from an Authorization header or a presigned query string. Pointers refer
 * into the parsed input (header form) or into the arena (query form, percent-decoded). */
typedef struct ddb_sigv4_auth {
    int presigned;              /* 1 when parsed from the query string */
    const char *access_key_id;  /* Credential's first part */
    size_t access_key_id_len;   /* its length */
    const char *date;           /* scope date, YYYYMMDD as sent (checked by verify) */
    size_t date_len;            /* its length */
    const char *region;         /* scope region (the caller checks it) */
    size_t region_len;          /* its length */
    const char *service;        /* scope service (the caller checks it, e.g. "dynamodb") */
    size_t service_len;         /* its length */
    const char *terminator;     /* scope terminator, "aws4_request" */
    size_t terminator_len;      /* its length */
    const char *signed_headers; /* "host;x-amz-date" as sent */
    size_t signed_headers_len;  /* its length */
    const char *signature;      /* hex signature as sent */
    size_t signature_len;       /* its length */
    const char *security_token; /* X-Amz-Security-Token (header or param), or NULL */
    size_t security_token_len;  /* its length */
    char amz_date[17];          /* request time: X-Amz-Date, or Date converted; "" if none */
    int64_t expires;            /* X-Amz-Expires seconds (presigned), else -1 */
    unsigned missing;           /* DDB_SIGV4_MISSING_* bits */
    const char *bad;            /* on error: the offending part (for the message), or NULL */
    size_t bad_len;             /* its length */
} ddb_sigv4_auth_t;

/* The name of a status ("OK", "MISMATCH", ...), for logs and tests. */
const char *ddb_sigv4_status_name(ddb_sigv4_status_t s);

/* Formats epoch seconds (UTC) as "YYYYMMDD'T'HHMMSS'Z'" into out (17 bytes with the NUL). */
void ddb_sigv4_format_date(int64_t epoch, char out[17]);

/* Parses "YYYYMMDD'T'HHMMSS'Z'" into epoch seconds; DDB_SIGV4_ERR_DATE_FORM if malformed. */
ddb_sigv4_status_t ddb_sigv4_parse_date(const char *s, /* the date text */
                                        size_t len,    /* its length (must be 16) */
                                        int64_t *epoch /* out: seconds since 1970, UTC */
);

/* Derives kSigning = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service),
 * "aws4_request"). It changes once a day per region and service: callers may cache it and pass
 * it as ddb_sigv4_credentials_t.signing_key or to ddb_sigv4_verify. */
void ddb_sigv4_signing_key(const char *secret,     /* secret access key */
                           size_t secret_len,      /* its length */
                           const char *date,       /* scope date, YYYYMMDD */
                           size_t date_len,        /* its length (8) */
                           const char *region,     /* e.g. "us-east-1" */
                           size_t region_len,      /* its length */
                           const char *service,    /* e.g. "dynamodb" */
                           size_t service_len,     /* its length */
                           unsigned char out[32]); /* out: the signing key */

/* Signs req for the Authorization header. The headers signed are req's (an "authorization"
 * among them is skipped) plus x-amz-date (when absent) and x-amz-security-token (when the
 * credentials carry a token, it is absent, and DDB_SIGV4_UNSIGNED_TOKEN is not set). The caller
 * sends X-Amz-Date (out->amz_date), X-Amz-Security-Token and Authorization with the request. */
ddb_sigv4_status_t ddb_sigv4_sign(ddb_arena_t *arena,                  /* holds *out's strings */
                                  const ddb_sigv4_request_t *req,      /* what to sign */
                                  const ddb_sigv4_credentials_t *cred, /* who signs */
                                  const ddb_sigv4_scope_t *scope,      /* date, region, service */
                                  ddb_sigv4_signed_t *out);            /* out: the results */

/* Signs req as a presigned URL valid for expires seconds: out->query is req's query followed by
 * the X-Amz-Algorithm, -Credential, -Date, -Expires, -SignedHeaders, -Security-Token (with a
 * token) and -Signature parameters. S3 callers pass payload_hash UNSIGNED-PAYLOAD. */
ddb_sigv4_status_t ddb_sigv4_presign(ddb_arena_t *arena,                  /* holds *out's strings */
                                     const ddb_sigv4_request_t *req,      /* what to sign */
                                     const ddb_sigv4_credentials_t *cred, /* who signs */
                                     const ddb_sigv4_scope_t *scope, /* date, region, service */
                                     int64_t expires,                /* 1..604800 seconds */
                                     ddb_sigv4_signed_t *out);       /* out: the results */

/* Parses an Authorization header value ("AWS4-HMAC-SHA256 Credential=..., SignedHeaders=...,
 * Signature=...") and takes the request time from the X-Amz-Date header (or an IMF-fixdate
 * Date header) and the token from X-Amz-Security-Token among headers. Returns the first failure
 * in the order of the codes; auth->missing lists every missing part. */
ddb_sigv4_status_t ddb_sigv4_parse_header(const char *value,                 /* header value */
                                          size_t value_len,                  /* its length */
                                          const ddb_sigv4_header_t *headers, /* all received */
                                          size_t n_headers,                  /* their number */
                                          ddb_sigv4_auth_t *auth);           /* out: the parts */

/* Parses the presigned form from a wire query string (X-Amz-Algorithm, X-Amz-Credential,
 * X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders, X-Amz-Signature, X-Amz-Security-Token).
 * DDB_SIGV4_ERR_NO_AUTH when none of them is there. */
ddb_sigv4_status_t ddb_sigv4_parse_query(ddb_arena_t *arena,      /* holds decoded values */
                                         const char *query,       /* wire query, without '?' */
                                         size_t query_len,        /* its length */
                                         ddb_sigv4_auth_t *auth); /* out: the parts */

/* Recomputes the signature of a received request and compares it in constant time. Checks
 * that the scope date is the request date and that host and every signed header are present;
 * region, service and the access key's identity are the caller's to check, and the clock is
 * ddb_sigv4_check_time's. The canonical query of a presigned request omits X-Amz-Signature. */
ddb_sigv4_status_t ddb_sigv4_verify(ddb_arena_t *arena,               /* scratch for the strings */
                                    const ddb_sigv4_request_t *req,   /* as received */
                                    const ddb_sigv4_auth_t *auth,     /* from ddb_sigv4_parse_* */
                                    const char *secret,               /* secret of the access key */
                                    size_t secret_len,                /* its length */
                                    const unsigned char *signing_key, /* cached key, or NULL */
                                    ddb_sigv4_signed_t *out); /* out: what was computed, or NULL */

/* Checks the request time against now: DDB_SIGV4_ERR_EXPIRED when it is more than skew seconds
 * before now (or, presigned, now is past time + expires), DDB_SIGV4_ERR_NOT_YET_CURRENT when it
 * is more than skew seconds after now. Exactly skew seconds either way is accepted. */
ddb_sigv4_status_t ddb_sigv4_check_time(const ddb_sigv4_auth_t *auth, /* parsed signature */
                                        int64_t now,                  /* epoch seconds, UTC */
                                        int64_t skew);                /* DDB_SIGV4_MAX_SKEW */

#endif
