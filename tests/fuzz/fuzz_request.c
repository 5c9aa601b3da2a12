/* fuzz_request.c: libFuzzer target of the whole request path of ddbd: router,
 * request JSON, validation and every operation, writes included, against an
 * in-memory engine set up as server/main.c sets it up (no sockets).
 *
 * Input: one or more requests separated by a line "%%"; each is a first line
 * naming the operation ("PutItem", "GetRecords", ...; an unknown name picks
 * one by its bytes; "GET /path", "POST /path", "PUT /path" or "DELETE /path"
 * is a REST request, e.g. the Lambda API's event-source mappings) and the
 * body. In a line or body, $STREAM $SHARD $ITER $SEQ $UUID $BACKUP are
 * replaced by the last stream ARN, shard id, shard iterator, sequence
 * number, mapping UUID and backup ARN seen in a response, so that Streams,
 * Lambda and backup calls reach real shards, mappings (whose dispatcher
 * runs, its functions answering in process) and backups. Every response
 * must be JSON (a
 * DynamoDB error body or a result) with a 2xx/4xx status; a 5xx aborts.
 *
 * The engine lives across inputs (fast) and is recreated every
 * FUZZ_RESET_EVERY inputs (default 256) so that it cannot grow without
 * bound; a crash reproduces from its input alone in most cases, since a
 * single input runs against a fresh engine. Never writes to disk. The
 * engine's maintenance thread runs beside the requests: LeakSanitizer must
 * not count its live arenas as leaks (tests/fuzz/lsan.supp, set by
 * tools/fuzz.sh).
 * FUZZ_VERBOSE=1 prints every request and response (to read a reproducer). */
#define _GNU_SOURCE /* memmem */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/ddbd.h"
#include "storage/ddb.h"
#include "streams/fn.h"
#include "streams/trigger.h"

#define SEP "\n%%\n"

static ddb_engine_t *engine;
static ddbd_t srv;
static long inputs, reset_every = 256;
static bool verbose; /* FUZZ_VERBOSE=1: print each request and response */

/* Values picked up from responses, for the $NAME placeholders. */
typedef struct capture {
    const char *placeholder; /* "$STREAM" */
    const char *member;      /* "\"StreamArn\":\"" */
    char value[512];
} capture_t;

static capture_t captures[] = {
    {"$STREAM", "\"StreamArn\":\"", ""},
    {"$SHARD", "\"ShardId\":\"", ""},
    {"$ITER", "ShardIterator\":\"", ""}, /* ShardIterator and NextShardIterator */
    {"$SEQ", "\"SequenceNumber\":\"", ""},
    {"$UUID", "\"UUID\":\"", ""}, /* an event-source mapping */
    {"$BACKUP", "\"BackupArn\":\"", ""},
};
#define NCAPTURES (sizeof captures / sizeof captures[0])

/* The functions mappings may name ("proc", "other") answer at once, in
 * process: the dispatcher runs as in ddbd, no process is started. */
static void invoke_ok(void *ctx, const char *arn, const char *event, size_t len, const char *id,
                      fn_result_t *out) {
    (void)ctx, (void)arn, (void)event, (void)len, (void)id;
    memset(out, 0, sizeof *out);
    out->outcome = FN_OK;
    out->status = 200;
}

static int send_dropped(void *ctx, const char *arn, const char *json, size_t len, char *err,
                        size_t errlen) {
    (void)ctx, (void)arn, (void)json, (void)len, (void)err, (void)errlen;
    return 0;
}

static void quiet(void *ctx, const char *line) {
    (void)ctx;
    if (verbose) fprintf(stderr, "  %s\n", line);
}

static void engine_close(void) {
    if (!engine) return;
    trig_stop(srv.triggers);
    fn_registry_free(srv.functions);
    ddb_close(engine);
    buf_free(&srv.headers);
    ddb_arena_destroy(srv.arena);
    ddb_arena_destroy(srv.scratch);
    engine = NULL;
}

static void engine_open(void) {
    /* the maintenance thread runs as in ddbd: TTL sweeps (every second),
     * backfills of the indexes an input adds, stream trimming */
    ddb_engine_opts_t eo = {.in_memory = true, .group_commit = true, .ttl_interval_ms = 1000};
    ddb_error_t err;
    ddb_error_clear(&err);
    if (ddb_open(&eo, &engine, &err)) {
        fprintf(stderr, "fuzz_request: cannot open the engine: %s\n", err.msg);
        abort();
    }
    srv = (ddbd_t){.engine = engine, .arena = ddb_arena_create(0), .scratch = ddb_arena_create(0)};
    fn_opts_t fo = {.sqs_endpoint = "http://127.0.0.1:9", .log = quiet};
    srv.functions = fn_registry_new(&fo);
    char msg[256];
    if (!srv.functions || fn_registry_add(srv.functions, "proc=cmd:true", msg, sizeof msg) ||
        fn_registry_add(srv.functions, "other=cmd:true", msg, sizeof msg)) {
        fprintf(stderr, "fuzz_request: cannot set up functions\n");
        abort();
    }
    trig_opts_t to = {
        .engine = engine, .invoke = invoke_ok, .send_destination = send_dropped, .log = quiet};
    if (trig_start(&to, &srv.triggers, &err)) {
        fprintf(stderr, "fuzz_request: cannot start triggers: %s\n", err.msg);
        abort();
    }
    for (size_t i = 0; i < NCAPTURES; i++)
        captures[i].value[0] = 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    const char *e = getenv("FUZZ_RESET_EVERY");
    if (e && atol(e) > 0) reset_every = atol(e);
    verbose = getenv("FUZZ_VERBOSE") != NULL;
    return 0;
}

static const char *const ops[] = {
    "BatchGetItem",
    "BatchWriteItem",
    "CreateTable",
    "DeleteItem",
    "DeleteTable",
    "DescribeEndpoints",
    "DescribeLimits",
    "DescribeTable",
    "DescribeTimeToLive",
    "GetItem",
    "ListTables",
    "ListTagsOfResource",
    "PutItem",
    "Query",
    "Scan",
    "TagResource",
    "TransactGetItems",
    "TransactWriteItems",
    "UntagResource",
    "UpdateItem",
    "UpdateTable",
    "UpdateTimeToLive",
    "CreateBackup",
    "DescribeBackup",
    "ListBackups",
    "DeleteBackup",
    "RestoreTableFromBackup",
    "UpdateContinuousBackups",
    "DescribeContinuousBackups",
    "RestoreTableToPointInTime",
    "ExecuteStatement",
    "BatchExecuteStatement",
    "ExecuteTransaction",
    "DescribeStream",
    "GetRecords",
    "GetShardIterator",
    "ListStreams",
};
#define NOPS             (sizeof ops / sizeof ops[0])
#define FIRST_STREAMS_OP 33

/* The X-Amz-Target for an operation line. */
static void target_of(const char *line, size_t len, buf_t *t) {
    size_t k = NOPS;
    for (size_t i = 0; i < NOPS; i++) {
        if (strlen(ops[i]) == len && memcmp(ops[i], line, len) == 0) k = i;
    }
    if (k == NOPS) {
        unsigned h = 0;
        for (size_t i = 0; i < len; i++)
            h = h * 31 + (unsigned char)line[i];
        k = h % NOPS;
    }
    buf_puts(t, k >= FIRST_STREAMS_OP ? "DynamoDBStreams_20120810." : "DynamoDB_20120810.");
    buf_puts(t, ops[k]);
}

/* body with the placeholders replaced by their captured values. */
static void substitute(const char *body, size_t len, buf_t *out) {
    size_t i = 0;
    while (i < len) {
        const capture_t *hit = NULL;
        if (body[i] == '$') {
            for (size_t k = 0; k < NCAPTURES && !hit; k++) {
                size_t pl = strlen(captures[k].placeholder);
                if (len - i >= pl && memcmp(body + i, captures[k].placeholder, pl) == 0)
                    hit = &captures[k];
            }
        }
        if (!hit) {
            buf_putc(out, body[i++]);
            continue;
        }
        buf_puts(out, hit->value);
        i += strlen(hit->placeholder);
    }
}

/* Remembers the last value of each captured member in a response. */
static void capture(const buf_t *resp) {
    for (size_t k = 0; k < NCAPTURES; k++) {
        const char *m = captures[k].member;
        size_t ml = strlen(m);
        const char *last = NULL;
        for (const char *p = resp->data; p && (size_t)(p - resp->data) + ml <= resp->len;) {
            p = memmem(p, resp->len - (size_t)(p - resp->data), m, ml);
            if (!p) break;
            p += ml;
            last = p;
        }
        if (!last) continue;
        const char *end = memchr(last, '"', resp->len - (size_t)(last - resp->data));
        size_t vl = end ? (size_t)(end - last) : 0;
        if (vl >= sizeof captures[k].value) continue;
        memcpy(captures[k].value, last, vl);
        captures[k].value[vl] = 0;
    }
}

static void one_request(const char *p, size_t len) {
    const char *nl = memchr(p, '\n', len);
    size_t ll = nl ? (size_t)(nl - p) : len;
    const char *body = nl ? nl + 1 : p + len;
    size_t bl = nl ? len - ll - 1 : 0;
    buf_t target, in;
    buf_init(&target);
    buf_init(&in);
    http_request_t req = {
        .method = "POST",
        .url = "/",
        .url_len = 1,
        .content_type = "application/x-amz-json-1.0",
        .content_type_len = strlen("application/x-amz-json-1.0"),
        .authorization = "AWS4-HMAC-SHA256 Credential=AKIDFUZZ/20240101/us-east-1/dynamodb/"
                         "aws4_request, SignedHeaders=host;x-amz-date, Signature=00",
        .request_id = "fuzz",
    };
    req.authorization_len = strlen(req.authorization);
    char method[8] = "", *url = NULL;
    size_t ml = 0;
    static const char *const methods[] = {"GET", "POST", "PUT", "DELETE"};
    for (size_t i = 0; i < 4; i++) {
        size_t n = strlen(methods[i]);
        if (ll > n + 1 && !memcmp(p, methods[i], n) && p[n] == ' ' && p[n + 1] == '/') ml = n;
    }
    if (ml) {
        /* a REST request: METHOD /path?query */
        memcpy(method, p, ml);
        method[ml] = 0;
        /* placeholders replaced; NUL-terminated, and cut at a NUL as llhttp
         * would refuse one */
        buf_t u;
        buf_init(&u);
        substitute(p + ml + 1, ll - ml - 1, &u);
        url = strndup(u.data ? u.data : "", u.len);
        buf_free(&u);
        req.method = method;
        req.url = url;
        req.url_len = strlen(url);
        req.content_type = "application/json";
        req.content_type_len = strlen(req.content_type);
    } else {
        target_of(p, ll, &target);
        req.target = target.data;
        req.target_len = target.len;
    }
    substitute(body, bl, &in);
    /* a copy of exactly the body's length, so ASan sees any read past it */
    char *copy = malloc(in.len ? in.len : 1);
    if (in.len) memcpy(copy, in.data, in.len);
    req.body = in.len ? copy : NULL;
    req.body_len = in.len;
    http_response_t resp = {.status = 200};
    buf_init(&resp.body);
    ddbd_handle(&srv, &req, &resp);
    if (verbose) {
        fprintf(stderr, "> %s %.*s\n  %.*s\n< %d %.*s\n", req.method, (int)req.target_len,
                req.target ? req.target : req.url, (int)req.body_len, req.body ? req.body : "",
                resp.status, (int)resp.body.len, resp.body.data);
    }
    ddb_error_t err;
    if (ddb_commit(engine, &err)) {
        fprintf(stderr, "fuzz_request: commit failed: %s\n", err.msg);
        abort();
    }
    if (resp.status >= 500 || resp.status < 200) {
        fprintf(stderr, "fuzz_request: status %d: %.*s\n", resp.status, (int)resp.body.len,
                resp.body.data);
        abort();
    }
    if (strcmp(req.method, "GET") != 0 || req.url_len != 1) {
        cJSON *j = cJSON_ParseWithLength(resp.body.data, resp.body.len);
        if (!j) {
            fprintf(stderr, "fuzz_request: the response is not JSON: %.*s\n", (int)resp.body.len,
                    resp.body.data);
            abort();
        }
        cJSON_Delete(j);
    }
    capture(&resp.body);
    buf_free(&resp.body);
    free(copy);
    free(url);
    buf_free(&in);
    buf_free(&target);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (engine && ++inputs % reset_every == 0) engine_close();
    if (!engine) {
        engine_open();
        /* closed at exit, joining the maintenance thread (a backup round
         * left running opens its checkpoint while RocksDB's statics are
         * destroyed); registered after the first open built RocksDB's
         * lazily made statics, so that it runs before they go */
        static bool registered;
        if (!registered) atexit(engine_close);
        registered = true;
    }
    const char *p = (const char *)data, *end = p + size;
    while (p <= end) {
        const char *sep = memmem(p, (size_t)(end - p), SEP, strlen(SEP));
        size_t len = sep ? (size_t)(sep - p) : (size_t)(end - p);
        if (len) one_request(p, len);
        if (!sep) break;
        p = sep + strlen(SEP);
    }
    return 0;
}
