/* fn.h: functions that triggers invoke, and where failed batches go.
 *
 * A function name (or Lambda function ARN) resolves to a target given on
 * ddbd's command line: --function NAME=node:PATH.EXPORT (a Node.js handler
 * file run by a long-lived worker of the runner ddb ships),
 * NAME=http://HOST:PORT/PATH (the event POSTed there), NAME=cmd:PROGRAM
 * (event on stdin, response on stdout), or any name through the Lambda
 * Invoke API at --lambda-endpoint (SigV4-signed). OnFailure destinations
 * (SQS queue / SNS topic ARNs) are delivered to --sqs-endpoint /
 * --sns-endpoint. Invocations block the calling thread (the dispatcher's
 * own threads, never an event loop). Thread-safe: any number of threads
 * may invoke the same function at once. */
#ifndef DDB_STREAMS_FN_H
#define DDB_STREAMS_FN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fn_registry fn_registry_t;

typedef struct fn_opts {
    int timeout_ms;              /* --function-timeout (default 3000, Lambda's default) */
    const char *lambda_endpoint; /* --lambda-endpoint URL or NULL */
    const char *sqs_endpoint;    /* --sqs-endpoint URL or NULL */
    const char *sns_endpoint;    /* --sns-endpoint URL or NULL */
    const char *region;          /* for ARNs and SigV4 (default us-east-1) */
    const char *account;         /* account id in ARNs ("000000000000") */
    /* where log lines go (console.log of node handlers, with the request
     * id; invocation failures); NULL: stderr */
    void (*log)(void *ctx, const char *line);
    void *log_ctx;
} fn_opts_t;

fn_registry_t *fn_registry_new(const fn_opts_t *o);

/* Adds one --function argument "NAME=TARGET". 0, or -1 with a sentence in
 * err (unknown scheme, missing handler file, bad NAME, duplicate NAME). */
int fn_registry_add(fn_registry_t *r, const char *spec, char *err, size_t errlen);

/* Resolves FunctionName as Lambda accepts it (a name, a function ARN, a
 * partial ARN ACCOUNT:function:NAME; a qualifier :$LATEST or alias is kept
 * in the ARN) into arn (the function's full ARN). true when the function
 * exists: it was given with --function, or --lambda-endpoint is set. */
bool fn_resolve(fn_registry_t *r, const char *name, char *arn, size_t arn_len);

/* The function name and qualifier in a FunctionName as Lambda accepts it
 * (NAME[:QUAL], ACCOUNT:function:NAME[:QUAL] or a full ARN): *name, *nl
 * and *qual (NULL when none; NUL-terminated, the rest of s). Pure; checks
 * nothing (fn_resolve does). */
void fn_name_split(const char *s, const char **name, size_t *nl, const char **qual);

typedef enum fn_outcome {
    FN_OK = 0,     /* the function returned; body is its response (may be empty/null) */
    FN_ERROR,      /* a function error (X-Amz-Function-Error, {errorType,errorMessage},
                    * 5xx, crash, non-zero exit, empty body from a dead runtime) */
    FN_TIMEOUT,    /* it ran past the timeout ("Task timed out after N seconds") */
    FN_UNREACHABLE /* it could not be invoked (connection refused, spawn failed) */
} fn_outcome_t;

typedef struct fn_result {
    fn_outcome_t outcome;
    int status; /* HTTP status (200 for node/cmd successes), 0 when none */
    char *body; /* response payload (malloc'd, NUL-terminated; may be NULL) */
    size_t body_len;
    char error_type[64]; /* errorType or "Unhandled"/"TimeoutError"/... on failure */
    char error_msg[512]; /* errorMessage or a sentence */
} fn_result_t;

/* Invokes function `arn` (as fn_resolve gave it) synchronously with the
 * event JSON, request id `request_id` (the context's awsRequestId), and
 * returns its result (fn_result_free releases it). The call itself always
 * "succeeds": every failure is an outcome. */
void fn_invoke(fn_registry_t *r, const char *arn, const char *event, size_t len,
               const char *request_id, fn_result_t *out);
void fn_result_free(fn_result_t *res);

/* Sends an OnFailure record (JSON text) to a destination ARN: an SQS
 * queue (SendMessage to --sqs-endpoint) or an SNS topic (Publish to
 * --sns-endpoint). 0, or -1 with a sentence in err. */
int fn_send_destination(fn_registry_t *r, const char *arn, const char *json, size_t len, char *err,
                        size_t errlen);

/* Whether a destination ARN can be delivered to (an SQS or SNS ARN whose
 * endpoint is configured). */
bool fn_destination_ok(fn_registry_t *r, const char *arn);

/* Stops every worker (node processes) and frees the registry; NULL-safe. */
void fn_registry_free(fn_registry_t *r);

#endif
