/* main.c: ddbd, the DynamoDB-compatible server.
 *
 * Parses flags, opens the engine (RocksDB in --data-dir, or in memory),
 * serves the DynamoDB JSON protocol on --host:--port with --threads event
 * loops (one per thread, each listening on the port with SO_REUSEPORT, all
 * sharing the engine), and shuts down cleanly on SIGINT/SIGTERM (stop
 * accepting, close connections, close the engine so every acknowledged
 * write is on disk). */
#include <malloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <llhttp.h>
#include <openssl/crypto.h>
#include <uv.h>
#include <xxhash.h>

#include "server/auth.h"
#include "server/ddbd.h"
#include "server/http.h"
#include "server/metrics.h"
#include "server/log.h"
#include "storage/ddb.h"
#include "streams/fn.h"
#include "streams/trigger.h"

typedef struct options {
    const char *host;
    long port;
    const char *data_dir;
    const char *store;   /* --store: rocksdb:DIR or redis-cluster://HOST:PORT,... */
    const char *cluster; /* the latter's URL (NULL: RocksDB) */
    long cluster_replicas;
    bool in_memory;
    bool shared_regions; /* --shared-regions: one table namespace for every region */
    bool sync;
    bool check;
    const char *backup_to; /* --backup-to: checkpoint the data directory there and exit */
    long backfill_batch;
    long backfill_pause_ms;
    long ttl_interval_ms;
    long shard_rollover_s;
    long stream_retention_s;
    long stream_shards;
    long idempotency_window_s;
    long threads;
    long iterator_lifetime_s;
    long max_connections; /* 0: from the descriptor limit */
    long max_tables;      /* 0: no limit */
    long header_timeout_ms, body_timeout_ms, idle_timeout_ms;
    const char *functions[256]; /* --function NAME=TARGET, in order */
    int nfunctions;
    long function_timeout_ms;
    const char *lambda_endpoint, *sqs_endpoint, *sns_endpoint;
    const char *auth_file;                         /* --auth: verify SigV4 against these keys */
    const char *log_level, *log_format, *log_file; /* NULL: info, by the terminal, stderr */
    const char *pitr_retention;                    /* --pitr-retention DURATION (NULL: 35d) */
    long pitr_retention_s;
} options_t;

static void usage(FILE *f) {
    fprintf(f, "usage: ddbd [options]\n"
               "  --port N         TCP port to listen on (default 8000)\n"
               "  --host ADDR      address to bind (default 127.0.0.1)\n"
               "  --data-dir DIR   RocksDB data directory (default ./data)\n"
               "  --store SPEC     rocksdb:DIR (the default, as --data-dir DIR) or\n"
               "                   redis-cluster://HOST:PORT[,HOST:PORT...]: tables on a Redis\n"
               "                   Cluster shared by any number of ddbd front ends\n"
               "  --cluster-replicas N  replicas WAIT must see have a write before it is\n"
               "                   acknowledged (default 1; 0: the master's AOF alone)\n"
               "  --in-memory      keep all data in memory; nothing is written to disk\n"
               "  --shared-regions one table namespace for every region (default: each\n"
               "                   region has its own tables, as in AWS; a request's region\n"
               "                   is its signature's, us-east-1 when unsigned)\n"
               "  --sync           fsync the write-ahead log on every write (default: an\n"
               "                   acknowledged write is in the WAL, which survives a process\n"
               "                   crash; --sync also survives power loss)\n"
               "  --threads N      event-loop threads serving requests (default: the number\n"
               "                   of cores)\n"
               "  --check          verify the data directory (statistics, every secondary\n"
               "                   index and every stream against its table), print the\n"
               "                   result and exit (a missing directory is an error)\n"
               "  --backup-to DIR  copy the whole data directory, consistently, to DIR (which\n"
               "                   must not exist; a RocksDB checkpoint: DIR is a data\n"
               "                   directory) and exit; with ddbd stopped (offline)\n"
               "  --backfill-batch N     items indexed per step when a new GSI is built\n"
               "                         (default 1000; writes run between steps)\n"
               "  --backfill-pause-ms N  pause between backfill steps (default 0)\n"
               "  --ttl-interval S       seconds between TTL sweeps (expired items are deleted\n"
               "                         within about this delay; default 2, fractions allowed)\n"
               "  --shard-rollover S     seconds after which a stream shard closes and a child\n"
               "                         shard takes over (default 14400)\n"
               "  --stream-retention S   seconds stream records are kept (default 86400)\n"
               "  --stream-shards N      open shards of a stream created from now on, 1..64\n"
               "                         (default 1): an item's records go to the shard of\n"
               "                         its partition key; each rolls over on its own\n"
               "  --iterator-lifetime S  seconds a shard iterator stays valid (default 900)\n"
               "  --pitr-retention D     point-in-time recovery window of tables that name\n"
               "                         none, and how long a deleted table's SYSTEM backup\n"
               "                         is kept: 35d, 12h, 90m, 30s (a plain number is days;\n"
               "                         default 35d, DynamoDB's)\n"
               "  --max-tables N         tables at most (default 2500, DynamoDB's default\n"
               "                         quota per region; 0: no limit)\n"
               "  --idempotency-window S seconds a TransactWriteItems ClientRequestToken is\n"
               "                         remembered after its transaction (default 600, as\n"
               "                         DynamoDB)\n"
               "  --max-connections N    open client connections at most (default: 3/4 of\n"
               "                         the descriptors left after 128 for storage, at most\n"
               "                         10000); over it a new connection is closed at once\n"
               "  --header-timeout S     seconds a request's headers may take to arrive\n"
               "                         (default 20; 0: none)\n"
               "  --body-timeout S       seconds its body may take after them (default 60)\n"
               "  --idle-timeout S       seconds an idle keep-alive connection is kept\n"
               "                         (default 60)\n"
               "  --function NAME=TARGET  a function event-source mappings can name\n"
               "                         (repeatable): node:PATH.EXPORT (a Node.js handler\n"
               "                         file, e.g. functions/events/process.handler),\n"
               "                         http://HOST:PORT/PATH (the event is POSTed there)\n"
               "                         or cmd:PROGRAM (event on stdin, response on stdout)\n"
               "  --function-timeout S   seconds an invocation may take (default 3, Lambda's)\n"
               "  --lambda-endpoint URL  invoke every other function name through the Lambda\n"
               "                         Invoke API at URL (sam local, LocalStack, AWS)\n"
               "  --sqs-endpoint URL     where OnFailure records for SQS queues are sent\n"
               "  --sns-endpoint URL     where OnFailure records for SNS topics are sent\n"
               "  --auth FILE      verify every request's SigV4 signature against the access\n"
               "                   keys of FILE (the ~/.aws/credentials format); without it\n"
               "                   any well-formed signature is accepted (local development)\n"
               "  --version        print the version of ddbd and of its libraries and exit\n"
               "  --log-level L          error, warn, info (default: a line per request\n"
               "                         and per trigger invocation) or debug\n"
               "  --log-format F         json (one object per line; the default unless\n"
               "                         stderr is a terminal) or text\n"
               "  --log-file PATH        append the log to PATH instead of stderr; SIGHUP\n"
               "                         reopens it (log rotation)\n"
               "  --help           show this help\n");
}

/* --version: ddbd's and every library's it runs with (the linked ones as
 * they report themselves at run time). */
static void print_version(void) {
    unsigned xxh = XXH_versionNumber();
    printf("ddbd %s\n"
           "RocksDB %s\n"
           "libuv %s\n"
           "cJSON %s\n"
           "llhttp %d.%d.%d\n"
           "libcurl %s\n"
           "OpenSSL %s\n"
           "xxHash %u.%u.%u\n",
           DDB_VERSION, ddb_rocksdb_version(), uv_version_string(), cJSON_Version(),
           LLHTTP_VERSION_MAJOR, LLHTTP_VERSION_MINOR, LLHTTP_VERSION_PATCH,
           curl_version_info(CURLVERSION_NOW)->version, OpenSSL_version(OPENSSL_VERSION_STRING),
           xxh / 10000, xxh / 100 % 100, xxh % 100);
}

/* An option with a value: --name V or --name=V. */
typedef struct opt_value {
    const char *name;
    const char **str; /* string option, or */
    long *num;        /* number option in [min, max] */
    long min, max;
    long scale; /* >1: a decimal number of units, stored times scale */
} opt_value_t;

/* A duration as --pitr-retention takes it: digits and a unit (d, h, m, s;
 * none: days), in seconds; -1 when malformed or outside 1 s .. 3650 days. */
static long parse_duration(const char *s) {
    char *end;
    long n = strtol(s, &end, 10);
    if (end == s || n < 1 || !isdigit((unsigned char)*s)) return -1;
    long unit = !*end || !strcmp(end, "d") ? 86400
                : !strcmp(end, "h")        ? 3600
                : !strcmp(end, "m")        ? 60
                : !strcmp(end, "s")        ? 1
                                           : 0;
    if (!unit || n > 3650L * 86400 / unit) return -1;
    return n * unit;
}

static int parse_args(int argc, char **argv, options_t *o) {
    const opt_value_t vals[] = {
        {"--port", NULL, &o->port, 0, 65535, 0},
        {"--threads", NULL, &o->threads, 1, 256, 0},
        {"--host", &o->host, NULL, 0, 0, 0},
        {"--data-dir", &o->data_dir, NULL, 0, 0, 0},
        {"--store", &o->store, NULL, 0, 0, 0},
        {"--cluster-replicas", NULL, &o->cluster_replicas, 0, 16, 0},
        {"--backfill-batch", NULL, &o->backfill_batch, 1, 1000000, 0},
        {"--backfill-pause-ms", NULL, &o->backfill_pause_ms, 0, 60000, 0},
        {"--ttl-interval", NULL, &o->ttl_interval_ms, 10, 86400000, 1000},
        {"--shard-rollover", NULL, &o->shard_rollover_s, 1, 86400 * 7, 0},
        {"--stream-retention", NULL, &o->stream_retention_s, 1, 86400 * 7, 0},
        {"--stream-shards", NULL, &o->stream_shards, 1, DDB_STREAM_LANES_MAX, 0},
        {"--iterator-lifetime", NULL, &o->iterator_lifetime_s, 1, 86400, 0},
        {"--max-tables", NULL, &o->max_tables, 0, 1000000, 0},
        {"--idempotency-window", NULL, &o->idempotency_window_s, 1, 86400, 0},
        {"--max-connections", NULL, &o->max_connections, 1, 10000000, 0},
        {"--header-timeout", NULL, &o->header_timeout_ms, 0, 86400000, 1000},
        {"--body-timeout", NULL, &o->body_timeout_ms, 0, 86400000, 1000},
        {"--idle-timeout", NULL, &o->idle_timeout_ms, 0, 86400000, 1000},
        {"--function-timeout", NULL, &o->function_timeout_ms, 1, 900000, 1000},
        {"--lambda-endpoint", &o->lambda_endpoint, NULL, 0, 0, 0},
        {"--sqs-endpoint", &o->sqs_endpoint, NULL, 0, 0, 0},
        {"--sns-endpoint", &o->sns_endpoint, NULL, 0, 0, 0},
        {"--auth", &o->auth_file, NULL, 0, 0, 0},
        {"--backup-to", &o->backup_to, NULL, 0, 0, 0},
        {"--log-level", &o->log_level, NULL, 0, 0, 0},
        {"--log-format", &o->log_format, NULL, 0, 0, 0},
        {"--log-file", &o->log_file, NULL, 0, 0, 0},
        {"--pitr-retention", &o->pitr_retention, NULL, 0, 0, 0},
        {"--function", NULL, NULL, 0, 0, 0},
    };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *eq = strchr(a, '=');
        size_t nl = eq ? (size_t)(eq - a) : strlen(a);
        const opt_value_t *ov = NULL;
        for (size_t k = 0; k < sizeof vals / sizeof vals[0]; k++) {
            if (strlen(vals[k].name) == nl && !strncmp(a, vals[k].name, nl)) ov = &vals[k];
        }
        if (ov) {
            const char *val = eq ? eq + 1 : i + 1 < argc ? argv[++i] : NULL;
            if (!val) {
                fprintf(stderr, "ddbd: %s needs a value\n", ov->name);
                return -1;
            }
            if (ov->str) {
                *ov->str = val;
                continue;
            }
            if (!ov->num) { /* --function: repeatable */
                if (o->nfunctions == (int)(sizeof o->functions / sizeof o->functions[0])) {
                    fprintf(stderr, "ddbd: too many --function arguments\n");
                    return -1;
                }
                o->functions[o->nfunctions++] = val;
                continue;
            }
            char *end;
            long n = ov->scale > 1 ? (long)(strtod(val, &end) * (double)ov->scale)
                                   : strtol(val, &end, 10);
            if (!*val || *end || n < ov->min || n > ov->max) {
                fprintf(stderr, "ddbd: invalid value '%s' for %s\n", val, ov->name);
                return -1;
            }
            *ov->num = n;
        } else if (!strcmp(a, "--in-memory")) {
            o->in_memory = true;
        } else if (!strcmp(a, "--shared-regions")) {
            o->shared_regions = true;
        } else if (!strcmp(a, "--sync")) {
            o->sync = true;
        } else if (!strcmp(a, "--check")) {
            o->check = true;

        } else if (!strcmp(a, "--version")) {
            print_version();
            exit(0);
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            exit(0);
        } else {
            fprintf(stderr, "ddbd: unknown option '%s'\n", a);
            usage(stderr);
            return -1;
        }
    }
    if (o->pitr_retention) {
        o->pitr_retention_s = parse_duration(o->pitr_retention);
        if (o->pitr_retention_s < 0) {
            fprintf(stderr, "ddbd: invalid value '%s' for --pitr-retention\n", o->pitr_retention);
            return -1;
        }
    }
    return 0;
}

/* One event loop serving requests: its own listener, connections and
 * request arena; the engine is shared. */
typedef struct worker {
    uv_loop_t loop;
    uv_async_t stop; /* asks this loop to stop (from the signal handler's loop) */
    http_server_t *server;
    ddbd_t srv;
    uv_thread_t thread;
    uint64_t commit_mark; /* this loop's ddb_commit_round mark */
} worker_t;

typedef struct app {
    uv_signal_t sigint, sigterm, sighup;
    worker_t *workers;
    int n;
} app_t;

static void on_stop(uv_async_t *a) {
    worker_t *w = a->data;
    http_server_stop(w->server);
    uv_close((uv_handle_t *)&w->stop, NULL);
}

static void on_signal(uv_signal_t *h, int signum) {
    app_t *app = h->data;
    log_msg(LOG_INFO, "received signal %d, shutting down", signum);
    for (int i = 0; i < app->n; i++)
        uv_async_send(&app->workers[i].stop);
    uv_close((uv_handle_t *)&app->sigint, NULL);
    uv_close((uv_handle_t *)&app->sigterm, NULL);
    uv_close((uv_handle_t *)&app->sighup, NULL);
}

/* SIGHUP: logrotate has renamed the log file; later lines go to a new one. */
static void on_hup(uv_signal_t *h, int signum) {
    (void)h, (void)signum;
    char err[512];
    if (log_reopen(err, sizeof err))
        log_msg(LOG_ERROR, "%s", err);
    else
        log_msg(LOG_INFO, "log file reopened");
}

/* Before a round's responses leave: their writes reach the WAL together.
 * The context is the loop's ddbd_t, inside its worker_t. */
static int commit(void *ctx) {
    worker_t *w = (worker_t *)((char *)ctx - offsetof(worker_t, srv));
    ddb_error_t err;
    log_flush(); /* the round's request lines, before its responses leave */
    int rc = ddb_commit_round(w->srv.engine, &w->commit_mark, &err);
    if (rc) log_msg(LOG_ERROR, "commit failed, the round goes unanswered: %s", err.msg);
    return rc;
}

/* Frees what a loop thread's ddbd_t owns. */
static void srv_free(ddbd_t *s) {
    auth_verifier_destroy(s->auth);
    buf_free(&s->headers);
    ddb_arena_destroy(s->arena);
    ddb_arena_destroy(s->scratch);
}

/* Raises the soft descriptor limit to the hard one (a server wants every
 * descriptor it may have) and returns the limit now in force. */
static long raise_nofile(void) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl)) return 1024;
    if (rl.rlim_cur < rl.rlim_max) {
        struct rlimit want = {.rlim_cur = rl.rlim_max, .rlim_max = rl.rlim_max};
        if (setrlimit(RLIMIT_NOFILE, &want) == 0) rl.rlim_cur = rl.rlim_max;
    }
    return rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 10000000 ? 10000000 : (long)rl.rlim_cur;
}

/* The default connection cap: well under the descriptor limit, leaving
 * RocksDB's files and the process's own a reserve. */
static long default_max_connections(long nofile) {
    long n = (nofile - 128) * 3 / 4;
    if (n > 10000) n = 10000;
    return n < 16 ? 16 : n;
}

/* --check looks at an existing database and creates nothing: a mistyped
 * --data-dir must not become an empty database that "passes". Every RocksDB
 * database has a CURRENT file (naming its manifest). */
static int check_data_dir(const char *dir, const char *flag) {
    struct stat st;
    if (stat(dir, &st) != 0) {
        fprintf(stderr, "ddbd: no data directory at %s (%s creates nothing)\n", dir, flag);
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        fprintf(stderr, "ddbd: %s is not a directory\n", dir);
        return -1;
    }
    size_t n = strlen(dir) + sizeof "/CURRENT";
    char *current = malloc(n);
    if (!current) abort();
    snprintf(current, n, "%s/CURRENT", dir);
    int rc = stat(current, &st);
    free(current);
    if (rc != 0) {
        fprintf(stderr, "ddbd: %s holds no ddbd database (%s creates nothing)\n", dir, flag);
        return -1;
    }
    return 0;
}

/* A failure to start: said plainly on stderr (where whoever started ddbd
 * looks), and in the log file too when there is one. */
static void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fatal(const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "ddbd: %s\n", msg);
    if (log_has_file()) log_msg(LOG_ERROR, "%s", msg);
}

/* The dispatcher's lines ("trigger mapping=... outcome=OK request=...")
 * become lines with those fields: an invocation that did not succeed, a
 * discarded batch or a trim is a warning, a failure to read or write an
 * error. */
static void trigger_log(void *ctx, const char *line) {
    (void)ctx;
    log_level_t level = LOG_INFO;
    if (strstr(line, ": cannot ") || strstr(line, ": bad "))
        level = LOG_ERROR;
    else if (strstr(line, ": ") || !strstr(line, " outcome=OK "))
        level = LOG_WARN;
    log_kv_line(level, line, " invocation");
}

/* A function's console lines (TIME\tREQUEST-ID\tLEVEL\tmessage, Lambda's
 * format) are the function's own text and pass through as they are;
 * ddbd's lines about a function (a timeout) are warnings. */
static void function_log(void *ctx, const char *line) {
    (void)ctx;
    if (line[0] >= '0' && line[0] <= '9' && strchr(line, '\t'))
        log_raw(LOG_INFO, line, strlen(line));
    else
        log_msg(LOG_WARN, "%s", line);
}

/* The dispatcher's ways out, through the registry. */
static void invoke(void *ctx, const char *arn, const char *event, size_t len, const char *id,
                   fn_result_t *out) {
    fn_invoke(ctx, arn, event, len, id, out);
}

static int send_destination(void *ctx, const char *arn, const char *json, size_t len, char *err,
                            size_t errlen) {
    return fn_send_destination(ctx, arn, json, len, err, errlen);
}

/* The functions of --function and --lambda-endpoint, and the dispatcher
 * that delivers stream records to them. */
static int start_triggers(const options_t *o, ddb_engine_t *engine, fn_registry_t **fns,
                          trig_t **trig) {
    fn_opts_t fo = {.timeout_ms = (int)o->function_timeout_ms,
                    .lambda_endpoint = o->lambda_endpoint,
                    .sqs_endpoint = o->sqs_endpoint,
                    .sns_endpoint = o->sns_endpoint,
                    .region = DDBD_DEFAULT_REGION,
                    .account = DDBD_ACCOUNT,
                    .log = function_log};
    *fns = fn_registry_new(&fo);
    if (!*fns) abort();
    for (int i = 0; i < o->nfunctions; i++) {
        char msg[512];
        if (fn_registry_add(*fns, o->functions[i], msg, sizeof msg)) {
            fatal("%s", msg);
            return -1;
        }
    }
    trig_opts_t to = {.engine = engine,
                      .region = DDBD_DEFAULT_REGION,
                      .shared_regions = o->shared_regions,
                      .account = DDBD_ACCOUNT,
                      .invoke = invoke,
                      .send_destination = send_destination,
                      .fn_ctx = *fns,
                      .log = trigger_log};
    ddb_error_t err;
    if (trig_start(&to, trig, &err)) {
        fatal("cannot start triggers: %s", err.msg);
        return -1;
    }
    return 0;
}

/* --log-level, --log-format and --log-file. JSON unless a person reads
 * the log on a terminal. */
static int setup_log(const options_t *o) {
    log_level_t level = LOG_INFO;
    if (o->log_level && log_parse_level(o->log_level, &level)) {
        fprintf(stderr, "ddbd: invalid value '%s' for --log-level (error, warn, info, debug)\n",
                o->log_level);
        return -1;
    }
    log_format_t fmt = !o->log_file && isatty(STDERR_FILENO) ? LOG_TEXT : LOG_JSON;
    if (o->log_format && log_parse_format(o->log_format, &fmt)) {
        fprintf(stderr, "ddbd: invalid value '%s' for --log-format (json, text)\n", o->log_format);
        return -1;
    }
    char err[512];
    if (log_open(level, fmt, o->log_file, err, sizeof err)) {
        fprintf(stderr, "ddbd: %s\n", err);
        return -1;
    }
    return 0;
}

static void run_worker(void *arg) {
    worker_t *w = arg;
    log_thread_buffer(true); /* flushed by commit, round by round */
    uv_run(&w->loop, UV_RUN_DEFAULT);
    log_thread_buffer(false);
}

int main(int argc, char **argv) {
    options_t o = {.host = "127.0.0.1",
                   .port = 8000,
                   .data_dir = "./data",
                   .max_tables = 2500,
                   .cluster_replicas = 1,
                   .header_timeout_ms = 20000,
                   .body_timeout_ms = 60000,
                   .idle_timeout_ms = 60000};
    if (parse_args(argc, argv, &o)) return 2;
    if (o.store && !strncmp(o.store, "rocksdb:", 8) && o.store[8]) {
        o.data_dir = o.store + 8;
    } else if (o.store && !strncmp(o.store, "redis-cluster://", 16)) {
        o.cluster = o.store;
        if (o.in_memory) {
            fprintf(stderr, "ddbd: --in-memory is for the embedded store, not --store %s\n",
                    o.store);
            return 2;
        }
    } else if (o.store) {
        fprintf(stderr,
                "ddbd: --store takes rocksdb:DIR or redis-cluster://HOST:PORT[,...], not '%s'\n",
                o.store);
        return 2;
    }
    if (setup_log(&o)) return 2;
    auth_keys_t *keys = NULL;
    char amsg[512];
    if (o.auth_file && auth_keys_load(o.auth_file, &keys, amsg, sizeof amsg)) {
        fprintf(stderr, "ddbd: --auth %s: %s; not starting\n", o.auth_file, amsg);
        return 2;
    }
    if (o.backup_to && o.in_memory) {
        fprintf(stderr, "ddbd: --backup-to copies a data directory; --in-memory has none\n");
        return 2;
    }
    if (o.backup_to) o.check = false;
    bool inspect = o.check || o.backup_to;
    if (inspect && !o.in_memory && !o.cluster &&
        check_data_dir(o.data_dir, o.check ? "--check" : "--backup-to"))
        return 1;
    /* the data is the users': the data directory RocksDB creates is 0700,
     * its files (tables, WAL, LOCK, LOG) 0600 */
    umask(077);
    signal(SIGPIPE, SIG_IGN);
    /* Large buffers (request bodies, response pages, queued output) come
     * from mmap and go back to the system when freed: glibc's default
     * threshold rises with each large free, after which they stay in the
     * heap and a burst of big requests leaves RSS high for good. */
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    long nofile = raise_nofile();
    if (!o.max_connections) o.max_connections = default_max_connections(nofile);

    ddb_engine_opts_t eo = {.cluster = o.cluster,
                            .cluster_replicas = (uint32_t)o.cluster_replicas,
                            .data_dir = o.data_dir,
                            .in_memory = o.in_memory,
                            .sync = o.sync,
                            .group_commit = !inspect,
                            .inspect_only = inspect,
                            .backfill_batch = (uint32_t)o.backfill_batch,
                            .backfill_pause_ms = (uint32_t)o.backfill_pause_ms,
                            .ttl_interval_ms = (uint32_t)o.ttl_interval_ms,
                            .shard_rollover_s = (uint32_t)o.shard_rollover_s,
                            .stream_retention_s = (uint32_t)o.stream_retention_s,
                            .stream_shards = (uint32_t)o.stream_shards,
                            .max_tables = (uint32_t)o.max_tables,
                            .token_window_s = (uint32_t)o.idempotency_window_s,
                            .pitr_retention_s = (uint32_t)o.pitr_retention_s,
                            .read_only_if_full = true};
    ddb_engine_t *engine;
    ddb_error_t err;
    ddb_error_clear(&err);
    if (ddb_open(&eo, &engine, &err)) {
        if (err.code == DDB_ERR_RESOURCE_IN_USE)
            fatal("%s", err.msg); /* another ddbd holds it: said plainly */
        else
            fatal("cannot open data store: %s", err.msg);
        return 1;
    }
    const char *ro = ddb_read_only(engine);
    if (ro)
        log_msg(LOG_WARN,
                "running READ-ONLY: reads are served, writes fail with InternalServerError: %s",
                ro);
    if (o.backup_to) {
        int bad = ddb_checkpoint(engine, o.backup_to, &err);
        if (bad)
            fprintf(stderr, "ddbd: --backup-to %s: %s\n", o.backup_to, err.msg);
        else
            printf("ddbd: %s copied to %s (start it with --data-dir %s)\n", o.data_dir, o.backup_to,
                   o.backup_to);
        ddb_close(engine);
        return bad ? 1 : 0;
    }
    if (o.check) {
        int bad = ddb_check(engine, &err);
        printf("%s\n", bad         ? err.msg
                       : o.cluster ? "ddbd: check passed: statistics, TTL entries and indexes "
                                     "match the tables"
                                   : "ddbd: check passed: statistics, indexes and streams match "
                                     "the tables");
        ddb_close(engine);
        return bad ? 1 : 0;
    }
    fn_registry_t *fns = NULL;
    trig_t *trig = NULL;
    if (start_triggers(&o, engine, &fns, &trig)) {
        trig_stop(trig);
        fn_registry_free(fns);
        ddb_close(engine);
        return 2;
    }
    int n = (int)(o.threads ? o.threads : sysconf(_SC_NPROCESSORS_ONLN));
    if (n < 1) n = 1;
    worker_t *workers = calloc((size_t)n, sizeof *workers);
    if (!workers) abort();
    _Atomic int nconns = 0; /* open connections of all loops together */
    http_limits_t limits = {.max_connections = (int)o.max_connections,
                            .nconns = &nconns,
                            .header_ms = (uint64_t)o.header_timeout_ms,
                            .body_ms = (uint64_t)o.body_timeout_ms,
                            .idle_ms = (uint64_t)o.idle_timeout_ms};
    metrics_t *metrics = metrics_create(n, &nconns);
    int port = (int)o.port, started = 0;
    int rc = n > 1 && port ? http_port_free(o.host, port) : 0;
    for (; !rc && started < n; started++) {
        worker_t *w = &workers[started];
        w->srv = (ddbd_t){.engine = engine,
                          .arena = ddb_arena_create(0),
                          .scratch = ddb_arena_create(0),
                          .iterator_ttl_ms = o.iterator_lifetime_s * 1000,
                          .pitr_retention_s = (uint32_t)o.pitr_retention_s,
                          .shared_regions = o.shared_regions,
                          .functions = fns,
                          .triggers = trig,
                          .auth = keys ? auth_verifier_create(keys) : NULL,
                          .metrics = metrics,
                          .stats = metrics_loop(metrics, started)};
        if (keys && !w->srv.auth) abort();
        uv_loop_init(&w->loop);
        rc = http_server_start(&w->loop, o.host, port, n > 1, ddbd_handle, &w->srv, &w->server);
        if (rc) {
            srv_free(&w->srv);
            uv_run(&w->loop, UV_RUN_DEFAULT);
            uv_loop_close(&w->loop);
            break;
        }
        port = http_server_port(w->server); /* port 0: the others join the one the first got */
        http_server_set_commit(w->server, commit);
        if (log_enabled(LOG_INFO)) http_server_set_log(w->server, ddbd_log_request);
        http_server_set_limits(w->server, &limits);
        uv_async_init(&w->loop, &w->stop, on_stop);
        w->stop.data = w;
    }
    if (rc) {
        fatal("cannot listen on %s:%ld: %s", o.host, o.port, uv_strerror(rc));
        for (int i = 0; i < started; i++) {
            http_server_stop(workers[i].server);
            uv_close((uv_handle_t *)&workers[i].stop, NULL);
            uv_run(&workers[i].loop, UV_RUN_DEFAULT); /* run the close callbacks */
            uv_loop_close(&workers[i].loop);
            srv_free(&workers[i].srv);
        }
        free(workers);
        metrics_destroy(metrics);
        trig_stop(trig);
        fn_registry_free(fns);
        ddb_close(engine);
        return 1;
    }
    app_t app = {.workers = workers, .n = n};
    uv_signal_init(&workers[0].loop, &app.sigint);
    uv_signal_init(&workers[0].loop, &app.sigterm);
    app.sigint.data = app.sigterm.data = &app;
    uv_signal_start(&app.sigint, on_signal, SIGINT);
    uv_signal_start(&app.sigterm, on_signal, SIGTERM);
    uv_signal_init(&workers[0].loop, &app.sighup);
    uv_signal_start(&app.sighup, on_hup, SIGHUP);
    if (keys)
        log_msg(LOG_INFO, "--auth: verifying SigV4 signatures against %zu access key%s",
                auth_keys_count(keys), auth_keys_count(keys) == 1 ? "" : "s");
    log_msg(LOG_INFO, "listening on http://%s:%d with %d thread%s (%s%s)", o.host, port, n,
            n == 1 ? "" : "s",
            o.cluster     ? o.cluster
            : o.in_memory ? "in memory"
                          : o.data_dir,
            ro ? ", read-only" : "");
    for (int i = 1; i < n; i++)
        uv_thread_create(&workers[i].thread, run_worker, &workers[i]);
    run_worker(&workers[0]);
    for (int i = 1; i < n; i++)
        uv_thread_join(&workers[i].thread);
    for (int i = 0; i < n; i++) {
        uv_loop_close(&workers[i].loop);
        srv_free(&workers[i].srv);
    }
    free(workers);
    metrics_destroy(metrics);
    trig_stop(trig); /* before the engine: it reads streams and writes checkpoints */
    fn_registry_free(fns);
    ddb_close(engine);
    auth_keys_free(keys);
    log_msg(LOG_INFO, "stopped");
    log_close();
    return 0;
}
