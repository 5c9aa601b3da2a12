/* main.c: ddbd, the DynamoDB-compatible server.
 *
 * Parses flags, opens the engine (RocksDB in --data-dir, or in memory),
 * serves the DynamoDB JSON protocol on --host:--port with a libuv loop, and
 * shuts down cleanly on SIGINT/SIGTERM (stop accepting, close connections,
 * close the engine so every acknowledged write is on disk). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "server/ddbd.h"
#include "server/http.h"
#include "storage/ddb.h"

typedef struct options {
    const char *host;
    int port;
    const char *data_dir;
    bool in_memory;
    bool sync;
    bool check;
} options_t;

static void usage(FILE *f) {
    fprintf(f,
            "usage: ddbd [options]\n"
            "  --port N         TCP port to listen on (default 8000)\n"
            "  --host ADDR      address to bind (default 127.0.0.1)\n"
            "  --data-dir DIR   RocksDB data directory (default ./data)\n"
            "  --in-memory      keep all data in memory; nothing is written to disk\n"
            "  --sync           fsync the write-ahead log on every write\n"
            "  --check          verify the data directory (statistics and every secondary\n"
            "                   index against its table), print the result and exit\n"
            "                   (default: an acknowledged write is in the WAL, which survives\n"
            "                   a process crash; --sync also survives power loss)\n"
            "  --help           show this help\n");
}

static int parse_args(int argc, char **argv, options_t *o) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        const char *eq = strchr(a, '=');
        size_t nl = eq ? (size_t)(eq - a) : strlen(a);
        bool takes = (nl == 6 && !strncmp(a, "--port", 6)) || (nl == 6 && !strncmp(a, "--host", 6)) ||
                     (nl == 10 && !strncmp(a, "--data-dir", 10));
        if (takes) {
            if (eq) {
                val = eq + 1;
            } else if (i + 1 < argc) {
                val = argv[++i];
            } else {
                fprintf(stderr, "ddbd: %s needs a value\n", a);
                return -1;
            }
        }
        if (nl == 6 && !strncmp(a, "--port", 6)) {
            char *end;
            long p = strtol(val, &end, 10);
            if (*end || p < 0 || p > 65535) {
                fprintf(stderr, "ddbd: invalid port '%s'\n", val);
                return -1;
            }
            o->port = (int)p;
        } else if (nl == 6 && !strncmp(a, "--host", 6)) {
            o->host = val;
        } else if (nl == 10 && !strncmp(a, "--data-dir", 10)) {
            o->data_dir = val;
        } else if (!strcmp(a, "--in-memory")) {
            o->in_memory = true;
        } else if (!strcmp(a, "--sync")) {
            o->sync = true;
        } else if (!strcmp(a, "--check")) {
            o->check = true;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            exit(0);
        } else {
            fprintf(stderr, "ddbd: unknown option '%s'\n", a);
            usage(stderr);
            return -1;
        }
    }
    return 0;
}

typedef struct app {
    uv_signal_t sigint, sigterm;
    http_server_t *server;
} app_t;

static void on_signal(uv_signal_t *h, int signum) {
    app_t *app = h->data;
    fprintf(stderr, "ddbd: received signal %d, shutting down\n", signum);
    http_server_stop(app->server);
    uv_close((uv_handle_t *)&app->sigint, NULL);
    uv_close((uv_handle_t *)&app->sigterm, NULL);
}

int main(int argc, char **argv) {
    options_t o = {.host = "127.0.0.1", .port = 8000, .data_dir = "./data"};
    if (parse_args(argc, argv, &o)) return 2;
    signal(SIGPIPE, SIG_IGN);

    ddb_engine_opts_t eo = {.data_dir = o.data_dir, .in_memory = o.in_memory, .sync = o.sync};
    ddb_engine_t *engine;
    ddb_error_t err;
    ddb_error_clear(&err);
    if (ddb_open(&eo, &engine, &err)) {
        fprintf(stderr, "ddbd: cannot open data store: %s\n", err.msg);
        return 1;
    }
    if (o.check) {
        int bad = ddb_check(engine, &err);
        printf("%s\n", bad ? err.msg : "ddbd: check passed: statistics and indexes match the tables");
        ddb_close(engine);
        return bad ? 1 : 0;
    }
    ddbd_t srv = {.engine = engine, .tokens = ddbd_tokens_create(), .arena = ddb_arena_create(0)};
    uv_loop_t loop;
    uv_loop_init(&loop);
    app_t app = {0};
    int rc = http_server_start(&loop, o.host, o.port, ddbd_handle, &srv, &app.server);
    if (rc) {
        fprintf(stderr, "ddbd: cannot listen on %s:%d: %s\n", o.host, o.port, uv_strerror(rc));
        uv_run(&loop, UV_RUN_DEFAULT); /* run the listener's close callback */
        uv_loop_close(&loop);
        ddbd_tokens_destroy(srv.tokens);
        ddb_arena_destroy(srv.arena);
        ddb_close(engine);
        return 1;
    }
    uv_signal_init(&loop, &app.sigint);
    uv_signal_init(&loop, &app.sigterm);
    app.sigint.data = app.sigterm.data = &app;
    uv_signal_start(&app.sigint, on_signal, SIGINT);
    uv_signal_start(&app.sigterm, on_signal, SIGTERM);
    fprintf(stderr, "ddbd: listening on http://%s:%d (%s)\n", o.host, http_server_port(app.server),
            o.in_memory ? "in memory" : o.data_dir);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    ddbd_tokens_destroy(srv.tokens);
    ddb_arena_destroy(srv.arena);
    ddb_close(engine);
    fprintf(stderr, "ddbd: stopped\n");
    return 0;
}
