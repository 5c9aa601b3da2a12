/* limit_server.c: the ceiling for any server built like ddbd. One libuv
 * loop, llhttp parsing, keep-alive and pipelining, and for every request a
 * fixed small JSON answer: no routing, no JSON, no storage. Benchmarks
 * report ddbd's throughput as a share of this one's, measured in the same
 * sitting. Usage: limit_server PORT */
#include <llhttp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

static const char RESPONSE[] =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: application/x-amz-json-1.0\r\n"
    "x-amzn-RequestId: 00000000000000000000000000000000000000000000000000000\r\n"
    "Content-Length: 2\r\n"
    "\r\n"
    "{}";

typedef struct conn {
    uv_tcp_t tcp;
    llhttp_t parser;
    llhttp_settings_t *settings;
    int pending; /* complete requests of the current read */
} conn_t;

static llhttp_settings_t settings;

static void on_close(uv_handle_t *h) {
    free(h->data);
}

static void on_write(uv_write_t *w, int status) {
    (void)status;
    free(w->data);
    free(w);
}

static int on_complete(llhttp_t *p) {
    conn_t *c = p->data;
    c->pending++;
    return 0;
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b) {
    (void)h;
    b->base = malloc(suggested);
    b->len = suggested;
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b) {
    conn_t *c = s->data;
    if (n < 0) {
        free(b->base);
        uv_close((uv_handle_t *)s, on_close);
        return;
    }
    c->pending = 0;
    if (n > 0 && llhttp_execute(&c->parser, b->base, (size_t)n) != HPE_OK) {
        free(b->base);
        uv_close((uv_handle_t *)s, on_close);
        return;
    }
    free(b->base);
    if (!c->pending) return;
    size_t one = sizeof RESPONSE - 1, len = one * (size_t)c->pending;
    char *out = malloc(len);
    for (int i = 0; i < c->pending; i++)
        memcpy(out + one * (size_t)i, RESPONSE, one);
    uv_write_t *w = malloc(sizeof *w);
    w->data = out;
    uv_buf_t buf = uv_buf_init(out, (unsigned)len);
    uv_write(w, s, &buf, 1, on_write);
}

static void on_connection(uv_stream_t *server, int status) {
    if (status < 0) return;
    conn_t *c = calloc(1, sizeof *c);
    uv_tcp_init(server->loop, &c->tcp);
    c->tcp.data = c;
    if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
        uv_close((uv_handle_t *)&c->tcp, on_close);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    llhttp_init(&c->parser, HTTP_REQUEST, &settings);
    c->parser.data = c;
    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

static void on_signal(uv_signal_t *h, int signum) {
    (void)signum;
    uv_stop(h->loop);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: limit_server PORT\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    llhttp_settings_init(&settings);
    settings.on_message_complete = on_complete;
    uv_loop_t *loop = uv_default_loop();
    uv_tcp_t server;
    uv_tcp_init(loop, &server);
    struct sockaddr_in addr;
    uv_ip4_addr("127.0.0.1", atoi(argv[1]), &addr);
    if (uv_tcp_bind(&server, (const struct sockaddr *)&addr, 0) ||
        uv_listen((uv_stream_t *)&server, 1024, on_connection)) {
        fprintf(stderr, "limit_server: cannot listen on port %s\n", argv[1]);
        return 1;
    }
    uv_signal_t sig;
    uv_signal_init(loop, &sig);
    uv_signal_start(&sig, on_signal, SIGTERM);
    return uv_run(loop, UV_RUN_DEFAULT);
}
