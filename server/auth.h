/* auth.h: --auth: the access keys ddbd accepts (read from a file in the ~/.aws/credentials
 * format) and the SigV4 check of each request against them, with AWS's errors and messages.
 * The key table is read once at start-up and then only read (shared by every loop thread); a
 * verifier is one loop thread's, with its cache of derived signing keys. Never logs or returns
 * a secret. */
#ifndef DDB_SERVER_AUTH_H
#define DDB_SERVER_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "query/arena.h"
#include "query/error.h"
#include "server/http.h"

typedef struct auth_keys auth_keys_t;
typedef struct auth_verifier auth_verifier_t;

/* Reads the profiles of a credentials file ([name] sections with aws_access_key_id and
 * aws_secret_access_key; aws_session_token and other keys are ignored; ';' and '#' start
 * comment lines). Nonzero, with a sentence in msg, when the file cannot be read, a line is
 * neither a section nor key = value, a profile has one of the two keys without the other, one
 * access key id has two secrets, or there is no key at all. *out is freed by auth_keys_free. */
int auth_keys_load(const char *path,  /* the file */
                   auth_keys_t **out, /* out: the key table */
                   char *msg,         /* out: why it failed */
                   size_t cap);       /* size of msg */

/* The same from the file's text (len bytes; need not be NUL-terminated). */
int auth_keys_parse(const char *text, size_t len, auth_keys_t **out, char *msg, size_t cap);

/* The number of access keys in k. */
size_t auth_keys_count(const auth_keys_t *k);

/* Frees k (NULL is fine); no verifier of it may be in use. */
void auth_keys_free(auth_keys_t *k);

/* A verifier over keys (which must outlive it), for one thread; NULL when out of memory. */
auth_verifier_t *auth_verifier_create(const auth_keys_t *keys);

/* Frees v (NULL is fine). */
void auth_verifier_destroy(auth_verifier_t *v);

/* auth_verify's flags */
#define AUTH_SHOW_CANONICAL                                                                        \
    0x1u /* a mismatch's message carries the canonical request and the                             \
          * string to sign the server computed (Lambda's does) */

/* Checks req's SigV4 signature (Authorization header, else the presigned query form) as AWS
 * does: the scope's service must be service, its access key one of the table's, the request
 * time within 15 minutes of now (or within X-Amz-Expires, presigned), and the signature the
 * one the key's secret gives over the canonical request (the payload hash is the body's
 * SHA-256). 0 with the scope's region in region; else the error (MissingAuthenticationToken,
 * IncompleteSignature, UnrecognizedClient, InvalidSignature) with AWS's message in *err. */
int auth_verify(auth_verifier_t *v,        /* this thread's verifier */
                ddb_arena_t *arena,        /* scratch for the canonical strings */
                const http_request_t *req, /* the request as received */
                const char *service,       /* the scope's service must be this ("dynamodb") */
                int64_t now,               /* epoch seconds */
                unsigned flags,            /* AUTH_SHOW_CANONICAL */
                char *region,              /* out: the scope's region, NUL-terminated */
                size_t cap,                /* size of region */
                ddb_error_t *err);         /* out: the error */

#endif
