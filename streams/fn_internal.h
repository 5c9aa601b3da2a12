/* fn_internal.h: what the files of the function module (fn.c registry and
 * dispatch, fn_node.c, fn_cmd.c, fn_http.c, fn_dest.c) share. Nothing outside
 * streams/fn*.c includes it; the module's interface is streams/fn.h. */
#ifndef DDB_STREAMS_FN_INTERNAL_H
#define DDB_STREAMS_FN_INTERNAL_H

#include <pthread.h>

#include "streams/fn.h"

typedef enum fn_kind { FN_NODE = 1, FN_HTTP, FN_CMD } fn_kind_t;

typedef struct fn__node_pool fn__node_pool_t;

typedef struct fn_entry {
    char *name;
    fn_kind_t kind;
    char *target;          /* after the scheme: PATH.EXPORT, the URL, the program */
    fn__node_pool_t *pool; /* FN_NODE: its workers */
} fn_entry_t;

typedef struct fn__curl_pool fn__curl_pool_t;

struct fn_registry {
    fn_opts_t o;
    fn_entry_t *fns;
    size_t n;
    fn__curl_pool_t *curl; /* reused easy handles (their connection caches) */
    char *access_key, *secret_key, *session_token; /* SigV4 credentials (env or test/test) */
};

/* The runner's text (generated from streams/node_runner.js at build time). */
extern const unsigned char fn__node_runner_js[];

/* One line to the registry's log (fn_opts_t.log, or stderr). */
void fn__log(fn_registry_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Fills out as a failure with an error type and a formatted message. */
void fn__fail(fn_result_t *out, fn_outcome_t outcome, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "Task timed out after 3.00 seconds" into out as FN_TIMEOUT. */
void fn__timed_out(fn_result_t *out, int timeout_ms);

/* A signal as Lambda's runtime names it in "Runtime exited with error:
 * signal: killed" (Go's words: killed, segmentation fault, aborted...). */
const char *fn__signal_name(int sig, char *buf, size_t len);

/* Milliseconds of CLOCK_MONOTONIC. */
long long fn__now_ms(void);

/* Forwards each complete line of buf[0..*len) to the log and keeps the rest
 * (a partial line) at the start of buf; flush also sends the partial line.
 * With request_id, each line goes out in Lambda's form (TIME, id, INFO). */
void fn__log_lines(fn_registry_t *r, const char *request_id, char *buf, size_t *len, bool flush);

/* Whether body is a Lambda error payload (a JSON object with errorMessage):
 * then out is an FN_ERROR (or FN_TIMEOUT for "Task timed out after N
 * seconds") with its errorType (dflt_type when absent) and errorMessage. */
bool fn__error_body(const char *body, size_t len, const char *dflt_type, fn_result_t *out);

/* Whether text holds Lambda's "Task timed out after N seconds": then out is
 * an FN_TIMEOUT with that sentence. */
bool fn__timeout_text(const char *text, size_t len, fn_result_t *out);

/* RFC 3986 percent-encoding of s[0..n) (unreserved kept), malloc'd. */
char *fn__urlencode(const char *s, size_t n);

/* Starts a function process (fn_spawn.c): file (found on PATH with
 * search) with argv, fds[i] as its descriptor i for i < nfds, ddbd's
 * environment plus the NULL-ended NAME, value pairs of vars, SIGPIPE at its
 * default; own_group: a process group of its own. The pid, or -1 with
 * errno. */
pid_t fn__spawn(const char *file, bool search, char *const argv[], const int *fds, int nfds,
                const char *const vars[], bool own_group);

/* fn_node.c: checks the handler file exists (0, or -1 with a sentence). */
int fn__node_check(const char *target, char *err, size_t errlen);
fn__node_pool_t *fn__node_pool_new(void);
void fn__node_invoke(fn_registry_t *r, fn_entry_t *e, const char *arn, const char *event,
                     size_t len, const char *request_id, fn_result_t *out);
void fn__node_pool_free(fn__node_pool_t *p);

/* fn_cmd.c */
void fn__cmd_invoke(fn_registry_t *r, fn_entry_t *e, const char *arn, const char *event, size_t len,
                    const char *request_id, fn_result_t *out);

/* fn_http.c: HTTP functions and the Lambda Invoke API. */
int fn__http_init(fn_registry_t *r);
void fn__http_free(fn_registry_t *r);
void fn__http_invoke(fn_registry_t *r, const char *url, const char *event, size_t len,
                     const char *request_id, fn_result_t *out);
void fn__lambda_invoke(fn_registry_t *r, const char *arn, const char *event, size_t len,
                       const char *request_id, fn_result_t *out);

/* A signed (or plain) POST. status 0 means no HTTP answer: curl_code says why. */
typedef struct fn__http_resp {
    int status;
    int curl_code;  /* CURLcode */
    bool connected; /* a connection was made */
    char *body;     /* malloc'd, NUL-terminated */
    size_t body_len;
    char function_error[64]; /* X-Amz-Function-Error */
    char error_type[128];    /* x-amzn-ErrorType */
} fn__http_resp_t;

/* POSTs body to url with content_type; service non-NULL: SigV4-signed for
 * (service, region). timeout_ms bounds the whole exchange. */
void fn__http_post(fn_registry_t *r, const char *url, const char *content_type, const char *body,
                   size_t len, const char *service, const char *region, long timeout_ms,
                   fn__http_resp_t *resp);
void fn__http_resp_free(fn__http_resp_t *resp);

#endif
