/* client.h: the client transport of libddbstreams and ddbc: one DynamoDB (or DynamoDB Streams)
 * JSON 1.0 call at a time over HTTP/1.1 keep-alive, with TLS (libcurl), SigV4-signed with the
 * standard AWS credential chain, retried with jittered exponential backoff on throttling, 5xx,
 * network errors and CRC32 mismatches. A client is used by one thread at a time (open one per
 * thread); it never aborts the process, never prints, and never blocks past its timeouts. */
#ifndef DDB_STREAMS_CLIENT_H
#define DDB_STREAMS_CLIENT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "query/buf.h"

/* What a failed call was (dc_error_t.code). */
typedef enum dc_code {
    DC_OK = 0,
    DC_ECONFIG,   /* no usable region/endpoint/credentials, or a bad option */
    DC_EAUTH,     /* the service refused the credentials or signature (type tells which) */
    DC_ENET,      /* connection, TLS or timeout, after every retry */
    DC_ETHROTTLE, /* throttled on every attempt */
    DC_ESERVICE,  /* any other error the service returned (type and message are its own) */
    DC_ECRC,      /* every attempt's body failed its x-amz-crc32 check */
    DC_EABORTED   /* the abort flag was raised (dc_set_abort) */
} dc_code_t;

/* An error as a value. type is the service's short __type ("ValidationException", without
 * the "com.amazonaws...#" prefix) or "" for transport errors; message its message. */
typedef struct dc_error {
    int code;          /* dc_code_t */
    int status;        /* HTTP status of the last attempt (0: no response) */
    int attempts;      /* attempts made */
    char type[96];     /* the service's error type, or "" */
    char message[512]; /* human-readable */
} dc_error_t;

/* The services a call goes to. Both sign as "dynamodb"; they differ in X-Amz-Target prefix
 * (DynamoDB_20120810 / DynamoDBStreams_20120810) and in AWS's host name. */
typedef enum dc_service { DC_DYNAMODB = 0, DC_STREAMS } dc_service_t;

typedef struct dc_options {
    const char *endpoint;   /* NULL: AWS_ENDPOINT_URL_DYNAMODB(_STREAMS), AWS_ENDPOINT_URL, the
                             * profile's endpoint_url, else AWS's regional endpoint
                             * (https://dynamodb.R.amazonaws.com, streams.dynamodb.R...) */
    const char *region;     /* NULL: AWS_REGION, AWS_DEFAULT_REGION, the profile's region,
                             * else us-east-1 */
    const char *profile;    /* NULL: AWS_PROFILE, else "default" */
    int max_attempts;       /* attempts per call including the first (0: 10, as the SDKs'
                             * DynamoDB default) */
    int timeout_ms;         /* one attempt's whole time (0: 15000) */
    int connect_timeout_ms; /* connecting (0: 3000) */
} dc_options_t;

typedef struct dc_client dc_client_t;

/* Resolves region, endpoint and credentials (from the environment and the profile files, at
 * open; only expiring credentials are looked up again) and prepares a connection. NULL with *err
 * set (DC_ECONFIG) when there is no region, no credentials, or a bad endpoint. */
dc_client_t *dc_open(const dc_options_t *o, dc_error_t *err);

/* A second client like c (for another thread): the same region, endpoints, options and
 * credentials, without resolving them again (no profile files read, no credential_process
 * run, no metadata service asked), and a connection of its own. NULL with *err set. */
dc_client_t *dc_dup(const dc_client_t *c, dc_error_t *err);

/* One call: POST body to the service's endpoint with X-Amz-Target <prefix>.<op>. Returns 0 with
 * the 200 response's body in *resp (reset first), or the dc_code_t with *err set; an error
 * response's body is also left in *resp. Credentials that expire (process, container, IMDS)
 * are refreshed before they do. */
int dc_call(dc_client_t *c,   /* the client */
            dc_service_t svc, /* DC_DYNAMODB or DC_STREAMS */
            const char *op,   /* operation name, e.g. "GetRecords" */
            const char *body, /* request JSON */
            size_t len,       /* its length */
            buf_t *resp,      /* out: the response body */
            dc_error_t *err); /* out: the error when not 0 */

/* A flag that, once non-zero, ends any backoff wait and transfer in progress with
 * DC_EABORTED (another thread raises it to shut a client's user down quickly). NULL: none. */
void dc_set_abort(dc_client_t *c, const atomic_int *flag);

/* What the client resolved, for logs, tests and ddbc (NUL-terminated, owned by the client). */
const char *dc_region(const dc_client_t *c);
const char *dc_endpoint(const dc_client_t *c, dc_service_t svc);
const char *dc_credential_source(const dc_client_t *c); /* "env", "profile:NAME", "process",
                                                         * "container", "imds" */
/* True when the endpoint was given (flag, environment or profile) rather than AWS's own. */
int dc_custom_endpoint(const dc_client_t *c);

void dc_close(dc_client_t *c);

/* ---- the pieces, exposed for tests and ddbc ---- */

/* Credentials as resolved; strings malloc'ed (dc_credentials_free). */
typedef struct dc_credentials {
    char *access_key_id;
    char *secret;
    char *session_token; /* or NULL */
    int64_t expires;     /* epoch seconds when they expire; 0: never */
    char source[64];     /* as dc_credential_source */
} dc_credentials_t;

/* The standard chain, in the SDKs' order: environment (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN); the profile in AWS_SHARED_CREDENTIALS_FILE
 * (~/.aws/credentials) then AWS_CONFIG_FILE (~/.aws/config, "[profile NAME]" sections):
 * static keys or credential_process; the container endpoint
 * (AWS_CONTAINER_CREDENTIALS_FULL_URI / _RELATIVE_URI); EC2 instance metadata (IMDSv2),
 * unless AWS_EC2_METADATA_DISABLED=true. profile NULL: AWS_PROFILE, else "default". */
int dc_resolve_credentials(const char *profile, dc_credentials_t *out, dc_error_t *err);
void dc_credentials_free(dc_credentials_t *c);

/* The region and the endpoint as dc_open resolves them, into out (NUL-terminated). */
int dc_resolve_region(const char *region, const char *profile, char *out, size_t cap,
                      dc_error_t *err);
int dc_resolve_endpoint(const char *endpoint, const char *profile, const char *region,
                        dc_service_t svc, char *out, size_t cap, int *custom, dc_error_t *err);

/* The wait before retry `attempt` (1 = the first retry): "full jitter" over an exponential
 * ceiling, base_ms * 2^(attempt-1) capped at cap_ms; rnd is a uniform value in [0, 1). */
int dc_backoff_ms(int attempt, int base_ms, int cap_ms, double rnd);

/* Whether a failed attempt is worth retrying: HTTP status 5xx or 0 (no response), or one of
 * the throttling / transient error types (ProvisionedThroughputExceededException,
 * ThrottlingException, RequestLimitExceeded, LimitExceededException,
 * InternalServerError, ServiceUnavailable, TransactionInProgressException). */
int dc_retryable(int status, const char *type);

/* The name of a dc_code_t ("DC_OK", "DC_ENET", ...; "DC_UNKNOWN" for anything else). */
const char *dc_code_name(int code);

/* A setting of a profile (NULL: AWS_PROFILE, else "default"), as the credential chain reads
 * them: the shared credentials file's [NAME] first, then the config file's [profile NAME]
 * ([default] for "default"); the last occurrence in a file wins. Returns 1 with the value in
 * out (NUL-terminated, cut at cap), 0 when absent. key NULL asks whether the profile has a
 * section in either file (out unused, may be NULL). */
int dc_profile_get(const char *profile, const char *key, char *out, size_t cap);

#endif
