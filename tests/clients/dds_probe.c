/* dds_probe.c: a libddbstreams worker for the protocol tests: reads a table's stream through
 * dds.h and prints what it is given, one JSON line each — a record {"w","shard","seq","event",
 * "keys","new","old","ttl","end","rx"} or an error {"w","error","shard","seq","message"} — flushing
 * before it checkpoints, so a test sees every record delivered, including those of a worker it
 * kills. Exits 0 on SIGTERM/SIGINT after dds_close, 2 when dds_open fails. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "streams/dds.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig) {
    (void)sig;
    stop = 1;
}

static void put_json_str(const char *s) {
    putchar('"');
    for (; s && *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            printf("\\%c", ch);
        else if (ch < 0x20)
            printf("\\u%04x", ch);
        else
            putchar(ch);
    }
    putchar('"');
}

static void put_image(const char *name, const char *json, size_t len) {
    if (!json) return;
    printf(",\"%s\":%.*s", name, (int)len, json);
}

/* Wall-clock milliseconds: when a record was handed over (end-to-end latency). */
static long long wall_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void put_record(const char *w, const dds_record *r, int end, long long rx) {
    size_t len;
    const char *j;
    printf("{\"w\":");
    put_json_str(w);
    printf(",\"shard\":");
    put_json_str(dds_record_shard_id(r));
    printf(",\"seq\":");
    put_json_str(dds_record_seq(r));
    printf(",\"event\":\"%s\",\"ttl\":%s,\"end\":%s,\"size\":%zu,\"time\":%lld,\"rx\":%lld",
           dds_record_event_name(r), dds_record_is_ttl(r) ? "true" : "false",
           end ? "true" : "false", dds_record_size(r), (long long)dds_record_time_ms(r), rx);
    j = dds_record_keys_json(r, &len);
    put_image("keys", j, len);
    j = dds_record_new_json(r, &len);
    put_image("new", j, len);
    j = dds_record_old_json(r, &len);
    put_image("old", j, len);
    printf("}\n");
}

static void put_error(const char *w, const dds_error *e) {
    printf("{\"w\":");
    put_json_str(w);
    printf(",\"error\":\"%s\",\"type\":", dds_code_name(e->code));
    put_json_str(e->type);
    printf(",\"shard\":");
    put_json_str(e->shard_id);
    printf(",\"seq\":");
    put_json_str(e->seq);
    printf(",\"message\":");
    put_json_str(e->message);
    printf("}\n");
    fflush(stdout);
}

static const char *arg(int argc, char **argv, int *i) {
    if (*i + 1 >= argc) {
        fprintf(stderr, "dds_probe: %s needs a value\n", argv[*i]);
        exit(2);
    }
    return argv[++*i];
}

int main(int argc, char **argv) {
    dds_config cfg = {0};
    int no_checkpoint = 0, limit = -1, pause_ms = 0, quiet = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--endpoint"))
            cfg.endpoint = arg(argc, argv, &i);
        else if (!strcmp(a, "--region"))
            cfg.region = arg(argc, argv, &i);
        else if (!strcmp(a, "--app"))
            cfg.app = arg(argc, argv, &i);
        else if (!strcmp(a, "--worker"))
            cfg.worker_id = arg(argc, argv, &i);
        else if (!strcmp(a, "--lease-ms"))
            cfg.lease_ms = atoi(arg(argc, argv, &i));
        else if (!strcmp(a, "--poll-ms"))
            cfg.poll_ms = atoi(arg(argc, argv, &i));
        else if (!strcmp(a, "--max-records"))
            cfg.max_records = atoi(arg(argc, argv, &i));
        else if (!strcmp(a, "--max-leases"))
            cfg.max_leases = atoi(arg(argc, argv, &i));
        else if (!strcmp(a, "--latest"))
            cfg.start = DDS_LATEST;
        else if (!strcmp(a, "--no-checkpoint"))
            no_checkpoint = 1;
        else if (!strcmp(a, "--pause-ms"))
            pause_ms = atoi(arg(argc, argv, &i)); /* wait after each batch (iterator expiry) */
        else if (!strcmp(a, "--quiet"))
            quiet = 1; /* count only: one line per batch (benchmarks) */
        else if (!strcmp(a, "--records"))
            limit = atoi(arg(argc, argv, &i)); /* exit (closing) after this many */
        else if (a[0] != '-' && !cfg.table)
            cfg.table = a;
        else {
            fprintf(stderr, "dds_probe: unknown argument %s\n", a);
            return 2;
        }
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);

    dds_error err;
    dds_consumer *c = dds_open(&cfg, &err);
    if (!c) {
        put_error(cfg.worker_id ? cfg.worker_id : "", &err);
        return 2;
    }
    char w[128]; /* kept past dds_close, which frees the consumer's copy */
    snprintf(w, sizeof w, "%s", dds_worker_id(c));
    printf("{\"w\":");
    put_json_str(w);
    printf(",\"open\":");
    put_json_str(dds_stream_arn(c));
    printf("}\n");
    fflush(stdout);
    long seen = 0;
    while (!stop && (limit < 0 || seen < limit)) {
        /* wait on the descriptor, as an event loop would */
        struct pollfd p = {.fd = dds_fd(c), .events = POLLIN};
        int pr = poll(&p, 1, 200);
        if (pr < 0 && errno != EINTR) break;
        dds_batch *b;
        int rc = dds_next(c, &b, 0);
        if (rc < 0) {
            put_error(w, dds_last_error(c));
            continue;
        }
        if (rc == 0) continue;
        long long rx = wall_ms();
        size_t n = dds_batch_len(b);
        if (quiet)
            printf("{\"n\":%zu,\"rx\":%lld,\"last\":\"%s\"}\n", n, rx,
                   dds_record_seq(dds_batch_at(b, n - 1)));
        for (size_t i = 0; !quiet && i < n; i++)
            put_record(w, dds_batch_at(b, i), dds_batch_shard_end(b) && i + 1 == n, rx);
        seen += (long)dds_batch_len(b);
        fflush(stdout);
        if (!no_checkpoint && dds_checkpoint(c, b, NULL) < 0) put_error(w, dds_last_error(c));
        dds_batch_free(b);
        if (pause_ms) usleep((useconds_t)pause_ms * 1000);
    }
    int rc = dds_close(c);
    printf("{\"w\":");
    put_json_str(w);
    printf(",\"closed\":%d}\n", rc);
    fflush(stdout);
    return 0;
}
