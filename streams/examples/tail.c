/* tail.c: dds_tail, an example consumer of libddbstreams that uses dds.h alone: prints every
 * change of a table's stream as one JSON line, checkpoints each batch once it is printed, and
 * runs an event loop (poll on dds_fd, a self-pipe for SIGINT/SIGTERM) so that it stops cleanly,
 * releasing its leases. Errors the consumer recovers from (a gap, a lost lease) are reported on
 * stderr; configuration, credential and missing-stream errors, and errors that repeat, end it.
 *
 *   dds_tail [--endpoint URL] [--region R] [--profile P] [--app LEASE_TABLE]
 *            [--from trim_horizon|latest] [--max-records N] TABLE_OR_STREAM_ARN */
#include <dds.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_ERRORS_IN_A_ROW 10 /* then the stream is not coming back by itself */

static int signal_pipe[2] = {-1, -1};

static void on_signal(int sig) {
    (void)sig;
    int saved = errno;
    ssize_t w = write(signal_pipe[1], "x", 1); /* async-signal-safe; a full pipe is enough */
    (void)w;
    errno = saved;
}

static int setup_signals(void) {
    if (pipe(signal_pipe)) return -1;
    for (int i = 0; i < 2; i++) {
        fcntl(signal_pipe[i], F_SETFL, fcntl(signal_pipe[i], F_GETFL) | O_NONBLOCK);
        fcntl(signal_pipe[i], F_SETFD, FD_CLOEXEC);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL)) return -1;
    return 0;
}

static void usage(FILE *f) {
    fprintf(f, "usage: dds_tail [--endpoint URL] [--region R] [--profile P] [--app LEASE_TABLE]\n"
               "                [--from trim_horizon|latest] [--max-records N] "
               "TABLE_OR_STREAM_ARN\n");
}

/* s as a JSON string literal */
static void put_str(FILE *f, const char *s) {
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            fprintf(f, "\\%c", *p);
        } else if (*p < 0x20) {
            fprintf(f, "\\u%04x", *p);
        } else {
            fputc(*p, f);
        }
    }
    fputc('"', f);
}

/* ,"name":<the image's DynamoDB JSON text>, when the record has it */
static void put_image(FILE *f, const char *name, const char *json, size_t len) {
    if (!json) return;
    fprintf(f, ",\"%s\":", name);
    fwrite(json, 1, len, f);
}

static void print_record(FILE *f, const dds_record *r) {
    size_t len;
    const char *json;
    fputs("{\"shard\":", f);
    put_str(f, dds_record_shard_id(r));
    fputs(",\"seq\":", f);
    put_str(f, dds_record_seq(r));
    fprintf(f, ",\"event\":\"%s\",\"time\":%" PRId64 ",\"ttl\":%s", dds_record_event_name(r),
            dds_record_time_ms(r), dds_record_is_ttl(r) ? "true" : "false");
    json = dds_record_keys_json(r, &len);
    put_image(f, "keys", json, len);
    json = dds_record_new_json(r, &len);
    put_image(f, "new", json, len);
    json = dds_record_old_json(r, &len);
    put_image(f, "old", json, len);
    fputs("}\n", f);
}

/* One line on stderr for an error the consumer reported. */
static void report(const dds_error *e) {
    fprintf(stderr, "dds_tail: %s", dds_code_name(e->code));
    if (e->shard_id[0]) fprintf(stderr, " shard %s", e->shard_id);
    if (e->seq[0]) fprintf(stderr, " resuming at %s", e->seq);
    if (e->type[0]) fprintf(stderr, " (%s)", e->type);
    fprintf(stderr, ": %s\n", e->message);
}

/* Errors the consumer goes on from by itself, which do not count as failures. */
static int recoverable(int code) {
    return code == DDS_EGAP || code == DDS_ELEASE_LOST;
}

/* Prints a batch, then checkpoints it. Returns 0, or the error of its checkpoint. */
static int deliver(dds_consumer *c, dds_batch *b) {
    for (size_t i = 0; i < dds_batch_len(b); i++)
        print_record(stdout, dds_batch_at(b, i));
    /* what is checkpointed has been written out: a crash after it loses nothing printed */
    fflush(stdout);
    int rc = dds_checkpoint(c, b, NULL);
    dds_batch_free(b);
    return rc;
}

/* 0, 1 for --help, -1 for a bad command line. */
static int parse_args(int argc, char **argv, dds_config *cfg) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) return 1;
        if (a[0] != '-' || !a[1]) {
            if (cfg->table) return -1;
            cfg->table = a;
            continue;
        }
        if (i + 1 >= argc) return -1;
        const char *v = argv[++i];
        if (!strcmp(a, "--endpoint")) {
            cfg->endpoint = v;
        } else if (!strcmp(a, "--region")) {
            cfg->region = v;
        } else if (!strcmp(a, "--profile")) {
            cfg->profile = v;
        } else if (!strcmp(a, "--app")) {
            cfg->app = v;
        } else if (!strcmp(a, "--from") && !strcmp(v, "trim_horizon")) {
            cfg->start = DDS_TRIM_HORIZON;
        } else if (!strcmp(a, "--from") && !strcmp(v, "latest")) {
            cfg->start = DDS_LATEST;
        } else if (!strcmp(a, "--max-records")) {
            char *end;
            long n = strtol(v, &end, 10);
            if (*end || n < 1 || n > 1000) return -1;
            cfg->max_records = (int)n;
        } else {
            return -1;
        }
    }
    return cfg->table ? 0 : -1;
}

/* Reads until a signal, dds_close'ing at the end; the exit status. */
static int run(dds_consumer *c) {
    int errors = 0;
    for (;;) {
        struct pollfd fds[2] = {{dds_fd(c), POLLIN, 0}, {signal_pipe[0], POLLIN, 0}};
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            perror("dds_tail: poll");
            return 1;
        }
        if (fds[1].revents) return 0;
        if (!(fds[0].revents & POLLIN)) continue;
        dds_batch *b;
        int rc = dds_next(c, &b, 0);
        if (rc == 0) continue;
        if (rc > 0) rc = deliver(c, b);
        if (rc == 0) {
            errors = 0;
            continue;
        }
        if (rc == DDS_ECLOSED) return 0;
        report(dds_last_error(c));
        if (recoverable(rc)) continue;
        if (++errors >= MAX_ERRORS_IN_A_ROW) {
            fprintf(stderr, "dds_tail: %d errors in a row; stopping\n", errors);
            return 1;
        }
    }
}

int main(int argc, char **argv) {
    dds_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.start = DDS_TRIM_HORIZON;
    int args = parse_args(argc, argv, &cfg);
    if (args) {
        usage(args > 0 ? stdout : stderr);
        return args > 0 ? 0 : 2;
    }
    if (setup_signals()) {
        perror("dds_tail: signals");
        return 1;
    }
    dds_error err;
    dds_consumer *c = dds_open(&cfg, &err);
    if (!c) {
        report(&err);
        return 1; /* DDS_ECONFIG, DDS_EAUTH, DDS_ENOSTREAM, ...: nothing to read */
    }
    fprintf(stderr, "dds_tail: reading %s as %s\n", dds_stream_arn(c), dds_worker_id(c));
    int status = run(c);
    if (dds_close(c)) {
        fprintf(stderr, "dds_tail: releasing the leases failed\n");
        if (!status) status = 1;
    }
    return status;
}
