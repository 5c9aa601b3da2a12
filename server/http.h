/* http.h: the HTTP/1.1 front end of ddbd (libuv + llhttp).
 *
 * Accepts connections, parses requests with llhttp (keep-alive, pipelining:
 * responses go out in request order), enforces the body limit, and hands each
 * complete request to one handler callback that fills in a response. Adds the
 * headers every DynamoDB response carries (x-amzn-RequestId, x-amz-crc32,
 * Content-Type, Content-Length). Inflates gzip/deflate request bodies,
 * compresses responses a client accepts compressed, answers CORS preflights
 * and adds CORS headers. Knows nothing about DynamoDB operations. */
#ifndef DDB_HTTP_H
#define DDB_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "query/buf.h"

/* Largest request body accepted; larger ones get 413 without being read. */
#define HTTP_MAX_BODY (16u * 1024u * 1024u + 64u * 1024u)

/* One request header as received: name as sent (any case), value without
 * the leading whitespace llhttp drops. Neither is NUL-terminated. */
typedef struct http_header {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
} http_header_t;

typedef struct http_request {
    const char *method; /* "POST", "GET", ... NUL-terminated */
    const char *url;    /* request target, NUL-terminated */
    size_t url_len;
    const char *target; /* X-Amz-Target value or NULL */
    size_t target_len;
    const char *content_type; /* Content-Type value or NULL */
    size_t content_type_len;
    const char *authorization; /* Authorization value or NULL */
    size_t authorization_len;
    const char *body; /* request body (not NUL-terminated), may be NULL when empty */
    size_t body_len;
    const char *wire_body; /* the body as it came (what a signature covers): compressed
                            * when Content-Encoding says so, body its decoding; NULL:
                            * the same as body */
    size_t wire_body_len;
    const char *request_id;       /* id generated for this request, NUL-terminated */
    const http_header_t *headers; /* every header in the order received (what a
                                   * SigV4 signature covers), valid during the call */
    size_t n_headers;
} http_request_t;

typedef struct http_response {
    int status;               /* HTTP status, default 200 */
    const char *content_type; /* default "application/x-amz-json-1.0" */
    const char *headers;      /* extra header lines, each "Name: value\r\n", or NULL; must
                               * stay valid until the handler returns (e.g. request arena) */
    buf_t body;               /* response body, owned by the server */
} http_response_t;

/* Called once per complete request on the loop thread. Fill resp->status,
 * optionally resp->content_type (a static string) and resp->headers, and
 * resp->body. */
typedef void (*http_handler_fn)(void *ctx, const http_request_t *req, http_response_t *resp);

typedef struct http_server http_server_t;

/* Called on the loop thread after a round of requests and before their
 * responses are sent (ctx is the handler's): makes their writes durable.
 * Nonzero: it failed, and the round's connections are closed unanswered. */
typedef int (*http_commit_fn)(void *ctx);

/* Binds host:port on loop and starts accepting. With reuseport the socket
 * is bound with SO_REUSEPORT, so several loops (threads) can each listen on
 * the same port and the kernel spreads connections over them. Returns 0 or
 * a negative libuv error code (message via uv_strerror). *out owns the
 * listening socket. */
int http_server_start(uv_loop_t *loop, const char *host, int port, bool reuseport,
                      http_handler_fn handler, void *ctx, http_server_t **out);

/* 0 when host:port can be bound by a socket that does not share it (no
 * other process listens there, with or without SO_REUSEPORT), else a
 * negative libuv error code. Threads sharing a port check it first, so that
 * a second ddbd on a taken port fails instead of silently sharing it. */
int http_port_free(const char *host, int port);

/* Sets the commit hook. */
void http_server_set_commit(http_server_t *s, http_commit_fn fn);

/* What the front end knows of one answered request, for a request log. */
typedef struct http_exchange {
    const char *remote;  /* the client's "ip:port" ("[ip6]:port") */
    uint64_t latency_us; /* from the request's first byte to its response queued */
    size_t bytes_in;     /* request body bytes */
    size_t bytes_out;    /* response body bytes */
} http_exchange_t;

/* Called on the loop thread once per request, right after its response is
 * queued (ctx is the handler's; req and resp as the handler saw them).
 * Requests refused before they parse (400, 413, 431) come with an empty
 * method and no handler call before. */
typedef void (*http_log_fn)(void *ctx, const http_request_t *req, const http_response_t *resp,
                            const http_exchange_t *x);

/* Sets the request-log hook (NULL: none, and no clock is read). */
void http_server_set_log(http_server_t *s, http_log_fn fn);

/* What one client may hold of a server. The loops of one ddbd share one
 * connection count, so the cap is on the process. Times are milliseconds;
 * 0 turns a timeout off. */
typedef struct http_limits {
    int max_connections; /* open connections at most (all loops together); over
                          * it a new connection is accepted and closed at once */
    _Atomic int *nconns; /* the shared count of open connections */
    uint64_t header_ms;  /* a request's line and headers must arrive within this,
                          * counted from its first byte (or from the accept) */
    uint64_t body_ms;    /* its body within this after the headers */
    uint64_t idle_ms;    /* a keep-alive connection with nothing to do is closed
                          * after this (also one whose client reads nothing of the
                          * responses it has queued) */
} http_limits_t;

/* Sets the limits (copied); before the first connection. Without it: no
 * cap and no timeouts. */
void http_server_set_limits(http_server_t *s, const http_limits_t *l);

/* The port the server is bound to (useful after binding port 0). */
int http_server_port(const http_server_t *s);

/* Stops accepting, closes every connection; frees the server once the loop
 * has run the close callbacks. */
void http_server_stop(http_server_t *s);

#endif
