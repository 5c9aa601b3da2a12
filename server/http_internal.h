/* http_internal.h: what the two halves of the HTTP front end share: the
 * server and connection structures and the few calls across them (http.c:
 * requests and responses on a connection; http_listen.c: listening,
 * accepting, deadlines). Not an interface for anything outside server/http*. */
#ifndef DDB_HTTP_INTERNAL_H
#define DDB_HTTP_INTERNAL_H

#include <stdatomic.h>
#include <llhttp.h>
#include <sys/socket.h>

#include "server/http.h"

/* The request line and headers together at most (431 past it), and the
 * request line alone (414): enough for any SDK's request, and each
 * connection's header buffers stay small. */
#define MAX_HEADER_BYTES  (16 * 1024)
#define MAX_URL_BYTES     (8 * 1024)
#define MAX_PENDING_WRITE (8u << 20) /* pause parsing above this much unsent output */
/* After an error answer that closes the connection (413, 431, 400), what the
 * client is still sending is read and dropped, up to this much, so that it
 * reads the answer instead of a reset. */
#define MAX_DRAIN (HTTP_MAX_BODY + (1u << 20))
#define DRAIN_MS  5000

typedef enum {
    H_NONE,
    H_TARGET,
    H_CTYPE,
    H_AUTH,
    H_CONN,
    H_EXPECT,
    H_CENC,   /* Content-Encoding */
    H_AENC,   /* Accept-Encoding */
    H_ORIGIN, /* Origin (CORS) */
    H_ACRH,   /* Access-Control-Request-Headers (a CORS preflight) */
    H_OTHER
} hdr_t;

struct http_server {
    uv_loop_t *loop;
    uv_tcp_t listener;
    uv_check_t check; /* after each round of I/O: commit, then send the responses */
    uv_timer_t sweep; /* closes connections past their deadline; re-listens after EMFILE */
    http_limits_t lim;
    struct sockaddr_storage addr; /* what the listener is bound to (to bind it again) */
    bool reuseport;
    bool listening;       /* the listener is open (false while paused after EMFILE) */
    bool listener_closed; /* paused, and the listener's close has completed */
    uint64_t relisten_at; /* loop time to try listening again while paused */
    http_handler_fn handler;
    void *ctx;
    http_commit_fn commit;
    http_log_fn log;
    struct conn *dirty;   /* connections with responses queued this round */
    int open_handles;     /* listener, check and sweep: the last one closed frees the server */
    char rbuf[64 * 1024]; /* every read lands here: parsed at once, and what
                           * a request needs is copied out by the parser callbacks */
    buf_t resp_body;      /* the handler's response body, reused request after request */
    buf_t zbody;          /* a compressed response body, reused likewise */
    buf_t hdrs;           /* a response's extra header lines, reused likewise */
    struct conn *conns;   /* all open connections, for shutdown */
    uint64_t seq;         /* request counter for request ids */
    uint64_t seed;        /* random start-up seed mixed into request ids */
    bool stopping;
    int port;
    time_t date_sec; /* cached Date header */
    char date[64];
};

typedef struct conn {
    uv_tcp_t tcp;
    http_server_t *srv;
    struct conn *next, *prev;
    llhttp_t parser;
    llhttp_settings_t settings;
    hdr_t cur;   /* header whose value is being read */
    buf_t field; /* current header field name */
    buf_t target, ctype, auth, url;
    buf_t cenc, aenc, origin, acrh; /* Content-Encoding, Accept-Encoding, CORS headers */
    buf_t plain;                    /* the body inflated, when it came compressed */
    buf_t hraw;                     /* every header's name and value bytes, back to back */
    buf_t hspan;                    /* hspan_t per complete header: where it lies in hraw */
    buf_t hlist;                    /* the request's http_header_t array, built when it completes */
    bool has_target, has_ctype, has_auth;
    bool has_cenc, has_origin, has_acrh;
    bool url_too_long;    /* request line over MAX_URL_BYTES */
    bool conn_close;      /* Connection: close seen */
    bool expect_continue; /* Expect: 100-continue seen */
    bool too_large;       /* body over the limit */
    size_t header_bytes;
    buf_t body;
    size_t pending; /* bytes queued for writing */
    bool reading;   /* uv_read_start active */
    bool closing;
    bool close_after_write;
    buf_t out;      /* responses queued this round, sent after the commit */
    bool out_close; /* the last queued response closes the connection */
    bool is_dirty;  /* on the server's dirty list */
    struct conn *dirty_next;
    bool in_request;     /* a request's bytes have begun to arrive */
    _Atomic int *nconns; /* the connection count this one is in (NULL: none) */
    bool held;           /* parsing paused by back-pressure; `rest` holds what
                          * was read and not yet parsed */
    buf_t rest;
    bool draining; /* answered an error: reading and dropping what comes */
    size_t drained;
    uv_shutdown_t shutdown;
    uint64_t deadline; /* loop time (ms) it is closed at if nothing happens; 0: none */
    uint64_t begin_ns; /* uv_hrtime of the request's first byte (with a log hook) */
    char peer[56];     /* "ip:port" for the log, formatted at its first request */
} conn_t;

/* A received header inside conn_t.hraw (offsets: hraw may move as it grows). */
typedef struct hspan {
    uint32_t name_off, name_len, value_off, value_len;
} hspan_t;

typedef struct wreq {
    uv_write_t req;
    conn_t *c;
    char *body; /* the bytes written (owned) */
    size_t size;
} wreq_t;

/* Appends the CORS header lines for a request with Origin origin[0..len)
 * to out; a preflight (OPTIONS) also gets what it asks, the headers it
 * may send being acrh[0..acrh_len) (NULL: the SDKs' list). */
void http__cors_headers(buf_t *out, const char *origin, size_t len, bool preflight,
                        const char *acrh, size_t acrh_len);

/* Appends the SerializationException body {"__type":...,"Message":msg} to
 * b, shaped by query/error.c as every other error (http_body.c). */
void http__put_serialization_error(buf_t *b, const char *msg);

/* Replaces req's body by its decoding when Content-Encoding compressed it
 * (req->wire_body then keeps the bytes as sent). False, with resp filled in
 * with the error to answer, when it cannot be decoded. */
bool http__decode_body(conn_t *c, http_request_t *req, http_response_t *resp);

/* The body (*body, *len) to send for resp, compressed when c's client
 * accepts it and it is worth it, and its extra header lines in
 * c->srv->hdrs (resp's own, CORS, Content-Encoding). */
void http__encode_response(conn_t *c, const http_response_t *resp, bool preflight,
                           const char **body, size_t *len);

/* Closes c (its memory goes with the handle's close callback). */
void http__conn_close(conn_t *c);

/* Gives c until ms from now (0: no deadline) before the sweep closes it. */
void http__set_deadline(conn_t *c, uint64_t ms);

/* After each round of I/O: commits, then sends the round's responses. */
void http__on_check(uv_check_t *h);

/* Accepts the pending connection of listener ls into a new connection of s
 * and starts reading it; nonzero when out of memory (nothing accepted). */
int http__conn_accept(http_server_t *s, uv_stream_t *ls);

#endif
