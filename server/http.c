/* http.c: HTTP/1.1 over libuv with llhttp: keep-alive, pipelining (responses
 * in request order), bounded headers and bodies, back-pressure, deadlines,
 * and the headers every DynamoDB response carries. Each connection owns its
 * parser and reusable buffers; handlers run synchronously on the loop
 * thread. Listening, the connection cap and the deadline sweep are in
 * http_listen.c; body codings and CORS headers in http_body.c (over
 * http_gzip.c) and http_cors.c. A CORS preflight is answered here. */
#include "server/http_internal.h"

#include "query/crc32.h"

#include <ctype.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- responses ------------------------------------------------------------- */

static const char *reason(int status) {
    switch (status) {
    case 100:
        return "Continue";
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 413:
        return "Request Entity Too Large";
    case 414:
        return "URI Too Long";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    default:
        return "Unknown";
    }
}

static const char *date_header(http_server_t *s) {
    time_t now = time(NULL);
    if (now != s->date_sec) {
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(s->date, sizeof s->date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        s->date_sec = now;
    }
    return s->date;
}

static void make_request_id(http_server_t *s, char out[53]) {
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    uint64_t x = s->seed ^ (++s->seq * 0x9E3779B97F4A7C15ull);
    for (int i = 0; i < 52; i++) {
        /* xorshift64*: cheap, and unique per (seed, seq) for practical purposes */
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        out[i] = alphabet[((x * 0x2545F4914F6CDD1Dull) >> 32) % 36];
    }
    out[52] = '\0';
}

static void http__resume(conn_t *c);

/* Gives c until ms from now (0: no deadline) before the sweep closes it. */
void http__set_deadline(conn_t *c, uint64_t ms) {
    c->deadline = ms ? uv_now(c->srv->loop) + ms : 0;
}

/* Accounting after size bytes of c's output left: closes the connection
 * once its last response is out if that response asked to, and resumes
 * reading paused by back-pressure. */
static void after_shutdown(uv_shutdown_t *req, int status) {
    (void)status; /* the drain goes on until EOF, MAX_DRAIN or its deadline */
    (void)req;
}

static void wrote(conn_t *c, size_t size) {
    c->pending -= size;
    if (!c->in_request) http__set_deadline(c, c->srv->lim.idle_ms); /* the client reads: not idle */
    if (c->close_after_write && c->pending == 0) {
        if (!c->draining || uv_shutdown(&c->shutdown, (uv_stream_t *)&c->tcp, after_shutdown)) {
            http__conn_close(c);
        }
        return;
    }
    if (!c->reading && !c->closing && c->pending < MAX_PENDING_WRITE / 2) {
        http__resume(c); /* resume reading after back-pressure */
    }
}

static void on_write(uv_write_t *req, int status) {
    wreq_t *w = (wreq_t *)req;
    conn_t *c = w->c;
    size_t size = w->size;
    free(w->body);
    free(w);
    if (status < 0) {
        c->pending -= size;
        http__conn_close(c);
        return;
    }
    wrote(c, size);
}

/* Sends a connection's queued output: straight into the socket when it
 * takes it all (the usual case: no allocation, no callback, no change of
 * the poll set), else what is left goes to libuv as one queued write,
 * which keeps the order behind any write still queued. */
static void write_out(conn_t *c) {
    if (c->closing || c->out.len == 0) return;
    if (c->out_close) c->close_after_write = true;
    uv_buf_t b = uv_buf_init(c->out.data, (unsigned)c->out.len);
    int n = uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
    if (n == (int)c->out.len) {
        c->out.len = 0; /* a small buffer stays for the next round */
        if (c->out.cap > 64 * 1024) {
            buf_free(&c->out);
            buf_init(&c->out);
        }
        wrote(c, (size_t)n);
        return;
    }
    if (n < 0 && n != UV_EAGAIN) {
        http__conn_close(c);
        return;
    }
    size_t done = n > 0 ? (size_t)n : 0; /* what the socket took already */
    c->pending -= done;
    wreq_t *w = calloc(1, sizeof *w);
    if (!w) abort();
    w->c = c;
    w->body = c->out.data; /* the write owns the buffer now */
    w->size = c->out.len - done;
    b = uv_buf_init(c->out.data + done, (unsigned)w->size);
    buf_init(&c->out);
    if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_write) < 0) {
        c->pending -= w->size;
        free(w->body);
        free(w);
        http__conn_close(c);
    }
}

/* After each round of I/O callbacks: the commit hook makes every write the
 * round's requests did durable (one WAL write for all of them: group
 * commit), and only then do their responses leave. */
void http__on_check(uv_check_t *h) {
    http_server_t *s = h->data;
    /* sending can resume a connection held by back-pressure, whose parsed
     * requests queue further responses: those go out in this round too */
    while (s->dirty) {
        /* a failed commit must not be acknowledged: those connections close
         * unanswered, as after a network failure, and the clients retry */
        bool durable = !s->commit || s->commit(s->ctx) == 0;
        conn_t *c = s->dirty;
        s->dirty = NULL;
        while (c) {
            conn_t *next = c->dirty_next;
            c->is_dirty = false;
            c->dirty_next = NULL;
            if (durable)
                write_out(c);
            else
                http__conn_close(c);
            c = next;
        }
    }
}

/* Puts c on the list of connections on_check sends to. */
static void mark_dirty(conn_t *c) {
    if (c->is_dirty) return;
    c->is_dirty = true;
    c->dirty_next = c->srv->dirty;
    c->srv->dirty = c;
}

/* Queues one response (sent by on_check); body is copied. */
static void send_response(conn_t *c, int status, const char *ctype, const char *headers,
                          const char *body, size_t len, const char *request_id, bool close) {
    http_server_t *s = c->srv;
    size_t before = c->out.len;
    buf_printf(&c->out,
               "HTTP/1.1 %d %s\r\n"
               "x-amzn-RequestId: %s\r\n"
               "x-amz-crc32: %u\r\n"
               "Content-Type: %s\r\n"
               "Content-Length: %zu\r\n"
               "Date: %s\r\n"
               "%s%s\r\n",
               status, reason(status), request_id, ddb_crc32(body, len), ctype, len, date_header(s),
               headers ? headers : "", close ? "Connection: close\r\n" : "");
    if (len) buf_put(&c->out, body, len);
    c->pending += c->out.len - before;
    if (close) c->out_close = true;
    mark_dirty(c);
}

/* ---- the request-log hook -------------------------------------------------- */

void http_server_set_log(http_server_t *s, http_log_fn fn) {
    s->log = fn;
}

/* The client's address, formatted once per connection. */
static const char *peer(conn_t *c) {
    if (c->peer[0]) return c->peer;
    struct sockaddr_storage ss;
    int len = sizeof ss;
    char ip[46] = "?";
    int port = 0;
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) == 0) {
        if (ss.ss_family == AF_INET6) {
            const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;
            uv_ip6_name(a, ip, sizeof ip);
            port = ntohs(a->sin6_port);
        } else {
            const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;
            uv_ip4_name(a, ip, sizeof ip);
            port = ntohs(a->sin_port);
        }
    }
    snprintf(c->peer, sizeof c->peer, ss.ss_family == AF_INET6 ? "[%s]:%d" : "%s:%d", ip, port);
    return c->peer;
}

static void log_exchange(conn_t *c, const http_request_t *req, const http_response_t *resp) {
    uint64_t ns = uv_hrtime() - c->begin_ns;
    http_exchange_t x = {.remote = peer(c),
                         .latency_us = ns / 1000 ? ns / 1000 : 1,
                         .bytes_in = req->body_len,
                         .bytes_out = resp->body.len};
    c->srv->log(c->srv->ctx, req, resp, &x);
}

static void send_error(conn_t *c, int status, const char *msg) {
    char id[53];
    make_request_id(c->srv, id);
    buf_t b;
    buf_init(&b);
    http__put_serialization_error(&b, msg);
    buf_t h;
    buf_init(&h);
    if (c->has_origin) http__cors_headers(&h, c->origin.data, c->origin.len, false, NULL, 0);
    send_response(c, status, "application/x-amz-json-1.0", h.len ? buf_cstr(&h) : NULL, b.data,
                  b.len, id, true);
    buf_free(&h);
    if (c->srv->log) { /* refused before it parsed: what is known of it */
        http_request_t req = {.method = "",
                              .url = buf_cstr(&c->url),
                              .url_len = c->url.len,
                              .body_len = c->body.len,
                              .request_id = id};
        http_response_t resp = {.status = status, .body = b};
        log_exchange(c, &req, &resp);
    }
    buf_free(&b);
}

/* ---- parsing --------------------------------------------------------------- */

static bool ieq(const char *a, size_t alen, const char *lit) {
    size_t n = strlen(lit);
    if (alen != n) return false;
    for (size_t i = 0; i < n; i++) {
        if (tolower((unsigned char)a[i]) != lit[i]) return false;
    }
    return true;
}

static conn_t *conn_of(llhttp_t *p) {
    return (conn_t *)p->data;
}

static int on_message_begin(llhttp_t *p) {
    conn_t *c = conn_of(p);
    buf_reset(&c->target);
    buf_reset(&c->ctype);
    buf_reset(&c->auth);
    buf_reset(&c->url);
    buf_reset(&c->body);
    buf_reset(&c->field);
    buf_reset(&c->hraw);
    buf_reset(&c->hspan);
    buf_reset(&c->cenc);
    buf_reset(&c->aenc);
    buf_reset(&c->origin);
    buf_reset(&c->acrh);
    c->has_target = c->has_ctype = c->has_auth = false;
    c->has_cenc = c->has_origin = c->has_acrh = false;
    c->url_too_long = false;
    c->conn_close = false;
    c->expect_continue = false;
    c->too_large = false;
    c->header_bytes = 0;
    c->cur = H_NONE;
    c->in_request = true;
    if (c->srv->log) c->begin_ns = uv_hrtime();
    http__set_deadline(c, c->srv->lim.header_ms);
    return 0;
}

static int count_header(conn_t *c, size_t len) {
    c->header_bytes += len;
    return c->header_bytes > MAX_HEADER_BYTES ? -1 : 0;
}

static int on_url(llhttp_t *p, const char *at, size_t len) {
    conn_t *c = conn_of(p);
    if (c->url.len + len > MAX_URL_BYTES) {
        c->url_too_long = true;
        return HPE_USER;
    }
    if (count_header(c, len)) return HPE_USER;
    buf_put(&c->url, at, len);
    return 0;
}

static int on_header_field(llhttp_t *p, const char *at, size_t len) {
    conn_t *c = conn_of(p);
    if (count_header(c, len)) return HPE_USER;
    buf_put(&c->field, at, len);
    return 0;
}

static int on_header_field_complete(llhttp_t *p) {
    conn_t *c = conn_of(p);
    const char *f = c->field.data ? c->field.data : "";
    size_t n = c->field.len;
    c->cur = ieq(f, n, "x-amz-target")                     ? H_TARGET
             : ieq(f, n, "content-type")                   ? H_CTYPE
             : ieq(f, n, "authorization")                  ? H_AUTH
             : ieq(f, n, "connection")                     ? H_CONN
             : ieq(f, n, "expect")                         ? H_EXPECT
             : ieq(f, n, "content-encoding")               ? H_CENC
             : ieq(f, n, "accept-encoding")                ? H_AENC
             : ieq(f, n, "origin")                         ? H_ORIGIN
             : ieq(f, n, "access-control-request-headers") ? H_ACRH
                                                           : H_OTHER;
    /* the whole list is kept too: a signature may cover any header. The ':'
     * and CRLF of each line count toward the header limit, so that the
     * list's size is bounded by it even for empty headers */
    if (count_header(c, 4)) return HPE_USER;
    hspan_t h = {(uint32_t)c->hraw.len, (uint32_t)n, (uint32_t)(c->hraw.len + n), 0};
    buf_put(&c->hraw, f, n);
    buf_put(&c->hspan, &h, sizeof h);
    buf_reset(&c->field);
    if (c->cur == H_TARGET) c->has_target = true;
    if (c->cur == H_CTYPE) c->has_ctype = true;
    if (c->cur == H_AUTH) c->has_auth = true;
    if (c->cur == H_CENC) {
        if (c->has_cenc) buf_putc(&c->cenc, ','); /* repeated: one list (RFC 9110 5.3) */
        c->has_cenc = true;
    }
    if (c->cur == H_AENC && c->aenc.len) buf_putc(&c->aenc, ',');
    if (c->cur == H_ORIGIN) {
        buf_reset(&c->origin); /* one origin: the last one sent */
        c->has_origin = true;
    }
    if (c->cur == H_ACRH) {
        if (c->has_acrh) buf_putc(&c->acrh, ',');
        c->has_acrh = true;
    }
    return 0;
}

static int on_header_value(llhttp_t *p, const char *at, size_t len) {
    conn_t *c = conn_of(p);
    if (count_header(c, len)) return HPE_USER;
    buf_put(&c->hraw, at, len);
    switch (c->cur) {
    case H_TARGET:
        buf_put(&c->target, at, len);
        break;
    case H_CTYPE:
        buf_put(&c->ctype, at, len);
        break;
    case H_AUTH:
        buf_put(&c->auth, at, len);
        break;
    case H_CONN:
        if (len >= 5 && ieq(at, 5, "close")) c->conn_close = true;
        break;
    case H_EXPECT:
        if (len >= 12 && ieq(at, 12, "100-continue")) c->expect_continue = true;
        break;
    case H_CENC:
        buf_put(&c->cenc, at, len);
        break;
    case H_AENC:
        buf_put(&c->aenc, at, len);
        break;
    case H_ORIGIN:
        buf_put(&c->origin, at, len);
        break;
    case H_ACRH:
        buf_put(&c->acrh, at, len);
        break;
    default:
        break;
    }
    return 0;
}

static int on_header_value_complete(llhttp_t *p) {
    conn_t *c = conn_of(p);
    hspan_t *h = (hspan_t *)(c->hspan.data + c->hspan.len - sizeof *h);
    h->value_len = (uint32_t)(c->hraw.len - h->value_off);
    return 0;
}

/* The request's headers as pointers into hraw, which no longer grows. */
static const http_header_t *header_list(conn_t *c, size_t *n) {
    *n = c->hspan.len / sizeof(hspan_t);
    buf_reset(&c->hlist);
    for (size_t i = 0; i < *n; i++) {
        const hspan_t *s = (const hspan_t *)(c->hspan.data + i * sizeof *s);
        http_header_t h = {c->hraw.data + s->name_off, s->name_len, c->hraw.data + s->value_off,
                           s->value_len};
        buf_put(&c->hlist, &h, sizeof h);
    }
    return (const http_header_t *)c->hlist.data;
}

static int on_headers_complete(llhttp_t *p) {
    conn_t *c = conn_of(p);
    http__set_deadline(c, c->srv->lim.body_ms);
    if (p->content_length > HTTP_MAX_BODY && (p->flags & F_CONTENT_LENGTH)) {
        c->too_large = true;
        return HPE_USER;
    }
    if (c->expect_continue) {
        static char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
        if (c->out.len == 0 && c->pending == 0) {
            uv_buf_t b = uv_buf_init(cont, sizeof cont - 1);
            uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
        } else {
            buf_put(&c->out, cont, sizeof cont - 1); /* after the responses queued before it */
            mark_dirty(c);
        }
    }
    return 0;
}

static int on_body(llhttp_t *p, const char *at, size_t len) {
    conn_t *c = conn_of(p);
    if (c->body.len + len > HTTP_MAX_BODY) {
        c->too_large = true;
        return HPE_USER;
    }
    buf_put(&c->body, at, len);
    return 0;
}

/* Queues resp for c's request, encoded for the client (http_body.c). */
static void respond(conn_t *c, http_response_t *resp, const char *id, bool close, bool preflight) {
    http_server_t *s = c->srv;
    const char *body;
    size_t len;
    http__encode_response(c, resp, preflight, &body, &len);
    /* x-amz-crc32 is over the bytes sent, compressed or not: what the SDKs check */
    send_response(c, resp->status,
                  resp->content_type ? resp->content_type : "application/x-amz-json-1.0",
                  buf_cstr(&s->hdrs), body, len, id, close);
    if (s->zbody.cap > (1u << 20)) buf_free(&s->zbody);
}

static int on_message_complete(llhttp_t *p) {
    conn_t *c = conn_of(p);
    http_server_t *s = c->srv;
    char id[53];
    make_request_id(s, id);
    size_t n_headers;
    const http_header_t *headers = header_list(c, &n_headers);
    http_request_t req = {
        .method = llhttp_method_name((llhttp_method_t)p->method),
        .url = buf_cstr(&c->url),
        .url_len = c->url.len,
        .target = c->has_target ? buf_cstr(&c->target) : NULL,
        .target_len = c->target.len,
        .content_type = c->has_ctype ? buf_cstr(&c->ctype) : NULL,
        .content_type_len = c->ctype.len,
        .authorization = c->has_auth ? buf_cstr(&c->auth) : NULL,
        .authorization_len = c->auth.len,
        .body = c->body.data,
        .body_len = c->body.len,
        .request_id = id,
        .headers = headers,
        .n_headers = n_headers,
    };
    c->in_request = false;
    http__set_deadline(c, s->lim.idle_ms);
    http_response_t resp = {
        .status = 200, .content_type = NULL, .headers = NULL, .body = s->resp_body};
    buf_reset(&resp.body); /* one body buffer per loop, reused: send_response copies it */
    /* a browser's CORS preflight carries no credentials: answered here, before
     * any signature check, whatever the path */
    bool preflight = p->method == HTTP_OPTIONS;
    if (preflight) {
        resp.content_type = "text/plain";
    } else if (http__decode_body(c, &req, &resp)) {
        s->handler(s->ctx, &req, &resp);
    }
    bool close = c->conn_close || !llhttp_should_keep_alive(p);
    respond(c, &resp, id, close, preflight);
    if (s->log) log_exchange(c, &req, &resp);
    s->resp_body = resp.body;
    if (s->resp_body.cap > (1u << 20)) buf_free(&s->resp_body); /* keep no huge one around */
    if (c->plain.cap > (1u << 20)) buf_free(&c->plain);
    if (close) return HPE_PAUSED;
    if (c->pending > MAX_PENDING_WRITE) {
        /* back-pressure at the request, not after the whole read buffer:
         * a buffer of pipelined requests cannot queue more than one
         * response past the limit */
        c->held = true;
        return HPE_PAUSED;
    }
    return 0;
}

/* ---- connections ----------------------------------------------------------- */

static void on_close(uv_handle_t *h) {
    conn_t *c = h->data;
    if (c->nconns) atomic_fetch_sub(c->nconns, 1);
    buf_free(&c->out);
    buf_free(&c->field);
    buf_free(&c->target);
    buf_free(&c->ctype);
    buf_free(&c->auth);
    buf_free(&c->url);
    buf_free(&c->hraw);
    buf_free(&c->hspan);
    buf_free(&c->hlist);
    buf_free(&c->body);
    buf_free(&c->plain);
    buf_free(&c->cenc);
    buf_free(&c->aenc);
    buf_free(&c->origin);
    buf_free(&c->acrh);
    buf_free(&c->rest);
    free(c);
}

void http__conn_close(conn_t *c) {
    if (c->closing) return;
    c->closing = true;
    http_server_t *s = c->srv;
    if (c->is_dirty) { /* unlink: its memory goes with the handle */
        conn_t **pp = &s->dirty;
        while (*pp && *pp != c)
            pp = &(*pp)->dirty_next;
        if (*pp) *pp = c->dirty_next;
        c->is_dirty = false;
    }
    if (c->prev)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    uv_close((uv_handle_t *)&c->tcp, on_close);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b) {
    (void)suggested;
    conn_t *c = h->data;
    b->base = c->srv->rbuf;
    b->len = sizeof c->srv->rbuf;
}

static void stop_reading(conn_t *c) {
    if (c->reading) uv_read_stop((uv_stream_t *)&c->tcp);
    c->reading = false;
}

/* Parses len bytes of c's input; stops reading when the parser pauses (a
 * closing response was queued, or back-pressure) or fails (answered with an
 * error, then drained). */
static void feed(conn_t *c, const char *data, size_t len) {
    llhttp_errno_t e = llhttp_execute(&c->parser, data, len);
    if (e == HPE_OK) return;
    if (e == HPE_PAUSED) {
        stop_reading(c);
        if (c->held) {
            const char *at = llhttp_get_error_pos(&c->parser);
            size_t used = at && at >= data && at <= data + len ? (size_t)(at - data) : len;
            buf_put(&c->rest, data + used, len - used);
        }
        return;
    }
    c->draining = true;
    http__set_deadline(c, DRAIN_MS);
    if (c->too_large) {
        send_error(c, 413, "Request entity too large: the request body exceeds the maximum size");
    } else if (c->url_too_long) {
        send_error(c, 414, "Request line too long");
    } else if (c->header_bytes > MAX_HEADER_BYTES) {
        send_error(c, 431, "Request header fields too large");
    } else {
        send_error(c, 400, "Malformed HTTP request");
    }
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *b) {
    conn_t *c = st->data;
    if (nread < 0) {
        http__conn_close(c);
        return;
    }
    if (c->draining) {
        c->drained += (size_t)nread;
        if (c->drained > MAX_DRAIN) http__conn_close(c);
        return;
    }
    if (nread == 0 || c->closing || c->close_after_write) return;
    feed(c, b->base, (size_t)nread);
}

/* Reading again after back-pressure: first what was read and held. */
static void http__resume(conn_t *c) {
    if (c->held) {
        c->held = false;
        llhttp_resume(&c->parser);
        buf_t rest = c->rest;
        buf_init(&c->rest);
        feed(c, rest.data ? rest.data : "", rest.len);
        buf_free(&rest);
        if (c->held || c->closing || c->close_after_write || c->draining) return;
    }
    if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0) c->reading = true;
}

/* Accepts the pending connection of listener ls into a new connection of
 * s and starts reading it; nonzero when out of memory (nothing accepted). */
int http__conn_accept(http_server_t *s, uv_stream_t *ls) {
    conn_t *c = calloc(1, sizeof *c);
    if (!c) return -1;
    c->srv = s;
    uv_tcp_init(s->loop, &c->tcp);
    c->tcp.data = c;
    /* on_close gives it back, through its own pointer: at shutdown the
     * server is freed before its connections' close callbacks run */
    c->nconns = s->lim.nconns;
    if (c->nconns) atomic_fetch_add(c->nconns, 1);
    if (uv_accept(ls, (uv_stream_t *)&c->tcp) != 0) {
        uv_close((uv_handle_t *)&c->tcp, on_close);
        return 0;
    }
    http__set_deadline(c, s->lim.header_ms);
    uv_tcp_nodelay(&c->tcp, 1);
    llhttp_settings_init(&c->settings);
    c->settings.on_message_begin = on_message_begin;
    c->settings.on_url = on_url;
    c->settings.on_header_field = on_header_field;
    c->settings.on_header_field_complete = on_header_field_complete;
    c->settings.on_header_value = on_header_value;
    c->settings.on_header_value_complete = on_header_value_complete;
    c->settings.on_headers_complete = on_headers_complete;
    c->settings.on_body = on_body;
    c->settings.on_message_complete = on_message_complete;
    llhttp_init(&c->parser, HTTP_REQUEST, &c->settings);
    c->parser.data = c;
    c->next = s->conns;
    if (s->conns) s->conns->prev = c;
    s->conns = c;
    http__resume(c);
    return 0;
}
