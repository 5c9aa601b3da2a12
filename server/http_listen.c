/* http_listen.c: the listening side of the HTTP front end: binding (with
 * SO_REUSEPORT for several loops), accepting under the connection cap,
 * pausing on descriptor exhaustion and listening again, the sweep that
 * closes connections past their deadline, and the server's start and stop. */
#include "server/http_internal.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void pause_listening(http_server_t *s);

static void free_handle(uv_handle_t *h) {
    free(h);
}

/* Over the connection cap: the connection is taken off the queue and closed
 * at once, so the client learns at once and the backlog does not grow. */
static void refuse(uv_stream_t *ls) {
    uv_tcp_t *t = malloc(sizeof *t);
    if (!t) return;
    uv_tcp_init(ls->loop, t);
    uv_accept(ls, (uv_stream_t *)t);
    uv_close((uv_handle_t *)t, free_handle);
}

static void on_connection(uv_stream_t *ls, int status) {
    http_server_t *s = ls->data;
    if (status == UV_EMFILE || status == UV_ENFILE) {
        /* Out of descriptors: libuv would call us again and again for the
         * same pending connection (spinning, deaf to signals); stop
         * listening until connections close, and try again from the sweep. */
        pause_listening(s);
        return;
    }
    if (status < 0) return;
    if (s->lim.max_connections && s->lim.nconns &&
        atomic_load(s->lim.nconns) >= s->lim.max_connections) {
        refuse(ls);
        return;
    }
    if (http__conn_accept(s, ls)) refuse(ls);
}

/* A listening-ready socket bound with SO_REUSEPORT (libuv 1.44 cannot ask
 * for it), opened into the listener. */
static int bind_reuseport(uv_tcp_t *listener, const struct sockaddr *addr) {
    int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return uv_translate_sys_error(errno);
    int one = 1;
    socklen_t len =
        addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) || bind(fd, addr, len)) {
        int rc = uv_translate_sys_error(errno);
        close(fd);
        return rc;
    }
    int rc = uv_tcp_open(listener, fd);
    if (rc) close(fd);
    return rc;
}

static int parse_addr(const char *host, int port, struct sockaddr_storage *addr) {
    if (strcmp(host, "localhost") == 0) host = "127.0.0.1";
    return strchr(host, ':') ? uv_ip6_addr(host, port, (struct sockaddr_in6 *)addr)
                             : uv_ip4_addr(host, port, (struct sockaddr_in *)addr);
}

int http_port_free(const char *host, int port) {
    struct sockaddr_storage addr;
    int rc = parse_addr(host, port, &addr);
    if (rc) return rc;
    int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return uv_translate_sys_error(errno);
    int one = 1;
    socklen_t len =
        addr.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    rc = bind(fd, (const struct sockaddr *)&addr, len) ? uv_translate_sys_error(errno) : 0;
    close(fd);
    return rc;
}

/* Opens, binds and starts the listener on s->addr. */
static int listen_on(http_server_t *s) {
    uv_tcp_init(s->loop, &s->listener);
    s->listener.data = s;
    int rc = s->reuseport ? bind_reuseport(&s->listener, (const struct sockaddr *)&s->addr)
                          : uv_tcp_bind(&s->listener, (const struct sockaddr *)&s->addr, 0);
    if (!rc) rc = uv_listen((uv_stream_t *)&s->listener, 1024, on_connection);
    s->listening = rc == 0;
    return rc;
}

static void on_server_handle_closed(uv_handle_t *h);

static void on_listener_closed(uv_handle_t *h) {
    http_server_t *s = h->data;
    s->listener_closed = true;
    on_server_handle_closed(h);
}

static void pause_listening(http_server_t *s) {
    if (!s->listening) return;
    s->listening = false;
    s->listener_closed = false;
    s->relisten_at = uv_now(s->loop) + 100;
    uv_close((uv_handle_t *)&s->listener, on_listener_closed);
}

/* While paused after EMFILE: listening again once descriptors are free
 * (the listener's handle is reused once its close has completed). */
static void try_relisten(http_server_t *s) {
    if (s->listening || s->stopping || !s->listener_closed || uv_now(s->loop) < s->relisten_at) {
        return;
    }
    s->open_handles++;
    s->listener_closed = false;
    if (listen_on(s) == 0) return;
    s->relisten_at = uv_now(s->loop) + 100;
    uv_close((uv_handle_t *)&s->listener, on_listener_closed);
}

/* Every few hundred milliseconds: closes connections past their deadline
 * (slow or stalled headers and bodies, idle keep-alives) and re-listens
 * after a pause. */
static void on_sweep(uv_timer_t *t) {
    http_server_t *s = t->data;
    uint64_t now = uv_now(s->loop);
    for (conn_t *c = s->conns, *next; c; c = next) {
        next = c->next;
        if (c->deadline && now >= c->deadline && !c->closing) http__conn_close(c);
    }
    try_relisten(s);
}

int http_server_start(uv_loop_t *loop, const char *host, int port, bool reuseport,
                      http_handler_fn handler, void *ctx, http_server_t **out) {
    http_server_t *s = calloc(1, sizeof *s);
    if (!s) return UV_ENOMEM;
    s->loop = loop;
    s->handler = handler;
    s->ctx = ctx;
    s->reuseport = reuseport;
    if (getrandom(&s->seed, sizeof s->seed, 0) != (ssize_t)sizeof s->seed) {
        s->seed = (uint64_t)time(NULL) * 0x9E3779B97F4A7C15ull;
    }
    int rc = parse_addr(host, port, &s->addr);
    if (rc) {
        free(s);
        return rc;
    }
    uv_check_init(loop, &s->check);
    s->check.data = s;
    uv_check_start(&s->check, http__on_check);
    uv_timer_init(loop, &s->sweep);
    s->sweep.data = s;
    s->open_handles = 3;
    rc = listen_on(s);
    if (rc) {
        uv_close((uv_handle_t *)&s->listener, NULL);
        uv_close((uv_handle_t *)&s->check, NULL);
        uv_close((uv_handle_t *)&s->sweep, NULL);
        uv_run(loop, UV_RUN_NOWAIT);
        free(s);
        return rc;
    }
    struct sockaddr_storage bound;
    int blen = sizeof bound;
    uv_tcp_getsockname(&s->listener, (struct sockaddr *)&bound, &blen);
    s->port = bound.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&bound)->sin6_port)
                                          : ntohs(((struct sockaddr_in *)&bound)->sin_port);
    /* port 0 asked for any port: listening again must take the same one */
    if (s->addr.ss_family == AF_INET6)
        ((struct sockaddr_in6 *)&s->addr)->sin6_port = htons((uint16_t)s->port);
    else
        ((struct sockaddr_in *)&s->addr)->sin_port = htons((uint16_t)s->port);
    uv_timer_start(&s->sweep, on_sweep, 250, 250);
    *out = s;
    return 0;
}

void http_server_set_limits(http_server_t *s, const http_limits_t *l) {
    s->lim = *l;
    /* sweep often enough that a deadline is kept to about a quarter of it */
    uint64_t least = 1000;
    const uint64_t t[] = {l->header_ms, l->body_ms, l->idle_ms};
    for (int i = 0; i < 3; i++) {
        if (t[i] && t[i] / 4 < least) least = t[i] / 4;
    }
    if (least < 20) least = 20;
    uv_timer_start(&s->sweep, on_sweep, least, least);
}

int http_server_port(const http_server_t *s) {
    return s->port;
}

static void on_server_handle_closed(uv_handle_t *h) {
    http_server_t *s = h->data;
    if (--s->open_handles == 0) {
        buf_free(&s->resp_body);
        buf_free(&s->zbody);
        buf_free(&s->hdrs);
        free(s);
    }
}

void http_server_set_commit(http_server_t *s, http_commit_fn fn) {
    s->commit = fn;
}

void http_server_stop(http_server_t *s) {
    if (s->stopping) return;
    s->stopping = true;
    while (s->conns)
        http__conn_close(s->conns);
    uv_close((uv_handle_t *)&s->check, on_server_handle_closed);
    uv_close((uv_handle_t *)&s->sweep, on_server_handle_closed);
    if (s->listening) uv_close((uv_handle_t *)&s->listener, on_server_handle_closed);
    s->listening = false;
}
