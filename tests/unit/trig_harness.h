/* trig_harness.h: what the dispatcher's tests share: a real engine with a
 * streamed table, mappings stored the way the Lambda API stores them, and an
 * in-process function (the invoke callback) that records every event and
 * fails, times out, answers partial failures or window state on command.
 * Included by tests/unit/test_trigger*.c only. */
#ifndef DDB_TRIG_HARNESS_H
#define DDB_TRIG_HARNESS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "query/buf.h"
#include "storage/ddb.h"
#include "streams/esm.h"
#include "streams/trigger.h"
#include "streams/wire.h"

#define H_MAX 4096

static struct {
    pthread_mutex_t mu;
    char *calls[H_MAX]; /* every event, in invocation order */
    size_t ncalls;
    char *dests[64]; /* OnFailure records */
    size_t ndests;
    char *logs[H_MAX];
    size_t nlogs;
    /* behaviour */
    int fail_next;          /* fail this many invocations from now */
    bool fail_always;       /* fail every invocation */
    const char *poison;     /* fail every batch whose event contains this */
    fn_outcome_t fail_as;   /* FN_ERROR (default) or FN_TIMEOUT */
    char *respond_once;     /* the body of the next successful answer */
    bool windowed;          /* answer {"state":{"n":previous n + records}} */
    int delay_ms;           /* each invocation takes this long */
    int cur, max_conc;      /* invocations at once, now and at most */
    atomic_llong clock_ofs; /* the dispatcher's clock runs this far ahead */
} H = {.mu = PTHREAD_MUTEX_INITIALIZER};

static inline void h_sleep(int ms) {
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static inline void h_reset(void) {
    pthread_mutex_lock(&H.mu);
    for (size_t i = 0; i < H.ncalls; i++)
        free(H.calls[i]);
    for (size_t i = 0; i < H.ndests; i++)
        free(H.dests[i]);
    for (size_t i = 0; i < H.nlogs; i++)
        free(H.logs[i]);
    free(H.respond_once);
    H.ncalls = H.ndests = H.nlogs = 0;
    H.fail_next = 0;
    H.fail_always = false;
    H.poison = NULL;
    H.fail_as = FN_ERROR;
    H.respond_once = NULL;
    H.windowed = false;
    H.delay_ms = 0;
    H.cur = H.max_conc = 0;
    atomic_store(&H.clock_ofs, 0);
    pthread_mutex_unlock(&H.mu);
}

static inline size_t h_records(const cJSON *ev) {
    return (size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(ev, "Records"));
}

static inline void h_invoke(void *ctx, const char *arn, const char *event, size_t len,
                            const char *id, fn_result_t *out) {
    (void)ctx, (void)arn, (void)id;
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&H.mu);
    if (H.ncalls < H_MAX) H.calls[H.ncalls++] = strndup(event, len);
    bool fail = H.fail_always || (H.poison && strstr(event, H.poison));
    if (!fail && H.fail_next > 0) {
        H.fail_next--;
        fail = true;
    }
    char *body = NULL;
    if (!fail && H.respond_once) {
        body = H.respond_once;
        H.respond_once = NULL;
    } else if (!fail && H.windowed) {
        cJSON *ev = cJSON_ParseWithLength(event, len);
        const cJSON *n =
            cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(ev, "state"), "n");
        double prev = cJSON_IsNumber(n) ? n->valuedouble : 0;
        char b[64];
        snprintf(b, sizeof b, "{\"state\":{\"n\":%d}}", (int)prev + (int)h_records(ev));
        body = strdup(b);
        cJSON_Delete(ev);
    }
    int delay = H.delay_ms;
    H.cur++;
    if (H.cur > H.max_conc) H.max_conc = H.cur;
    fn_outcome_t fail_as = H.fail_as;
    pthread_mutex_unlock(&H.mu);
    if (delay) h_sleep(delay);
    pthread_mutex_lock(&H.mu);
    H.cur--;
    pthread_mutex_unlock(&H.mu);
    if (fail) {
        out->outcome = fail_as;
        out->status = 200;
        snprintf(out->error_type, sizeof out->error_type, "Unhandled");
        snprintf(out->error_msg, sizeof out->error_msg, "told to fail");
        free(body);
        return;
    }
    out->outcome = FN_OK;
    out->status = 200;
    out->body = body;
    out->body_len = body ? strlen(body) : 0;
}

static inline int h_dest(void *ctx, const char *arn, const char *json, size_t len, char *err,
                         size_t errlen) {
    (void)ctx, (void)arn, (void)err, (void)errlen;
    pthread_mutex_lock(&H.mu);
    if (H.ndests < 64) H.dests[H.ndests++] = strndup(json, len);
    pthread_mutex_unlock(&H.mu);
    return 0;
}

static inline void h_log(void *ctx, const char *line) {
    (void)ctx;
    pthread_mutex_lock(&H.mu);
    if (H.nlogs < H_MAX) H.logs[H.nlogs++] = strdup(line);
    pthread_mutex_unlock(&H.mu);
}

static inline int64_t h_now(void *ctx) {
    (void)ctx;
    return ddb_now_ms() + atomic_load(&H.clock_ofs);
}

static inline size_t h_ncalls(void) {
    pthread_mutex_lock(&H.mu);
    size_t n = H.ncalls;
    pthread_mutex_unlock(&H.mu);
    return n;
}

static inline size_t h_ndests(void) {
    pthread_mutex_lock(&H.mu);
    size_t n = H.ndests;
    pthread_mutex_unlock(&H.mu);
    return n;
}

/* Event i, parsed (cJSON_Delete it). */
static inline cJSON *h_event(size_t i) {
    pthread_mutex_lock(&H.mu);
    cJSON *o = i < H.ncalls ? cJSON_Parse(H.calls[i]) : NULL;
    pthread_mutex_unlock(&H.mu);
    return o;
}

static inline bool h_logged(const char *needle) {
    bool found = false;
    pthread_mutex_lock(&H.mu);
    for (size_t i = 0; i < H.nlogs && !found; i++)
        found = strstr(H.logs[i], needle) != NULL;
    pthread_mutex_unlock(&H.mu);
    return found;
}

/* Waits up to ms for cond (checked every 5 ms). */
#define WAIT_UNTIL(cond, ms)                                                                       \
    do {                                                                                           \
        for (int w_ = 0; w_ < (ms) / 5 && !(cond); w_++)                                           \
            h_sleep(5);                                                                            \
    } while (0)

/* The values of "v" of every delivered record (NewImage, else OldImage),
 * joined with ',' in delivery order, into out. */
static inline void h_delivered(buf_t *out) {
    buf_reset(out);
    pthread_mutex_lock(&H.mu);
    for (size_t i = 0; i < H.ncalls; i++) {
        cJSON *ev = cJSON_Parse(H.calls[i]);
        const cJSON *r;
        cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(ev, "Records")) {
            const cJSON *d = cJSON_GetObjectItemCaseSensitive(r, "dynamodb");
            const cJSON *img = cJSON_GetObjectItemCaseSensitive(d, "NewImage");
            if (!img) img = cJSON_GetObjectItemCaseSensitive(d, "OldImage");
            const cJSON *v =
                cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(img, "v"), "S");
            if (out->len) buf_putc(out, ',');
            buf_puts(out, cJSON_IsString(v) ? v->valuestring : "?");
        }
        cJSON_Delete(ev);
    }
    pthread_mutex_unlock(&H.mu);
    buf_cstr(out);
}

/* ---- the engine side ---- */

static inline ddb_value_t h_sval(const char *s) {
    ddb_value_t v = {.type = DDB_T_S};
    v.u.str.ptr = s;
    v.u.str.len = strlen(s);
    return v;
}

typedef struct h_item {
    ddb_attr_t attrs[2];
    ddb_value_t item;
} h_item_t;

static inline int h_put_fn(void *ctx, const ddb_value_t *old, const ddb_value_t **new_item,
                           ddb_error_t *err) {
    (void)old, (void)err;
    *new_item = ctx;
    return 0;
}

static inline int h_delete_fn(void *ctx, const ddb_value_t *old, const ddb_value_t **new_item,
                              ddb_error_t *err) {
    (void)ctx, (void)old, (void)err;
    *new_item = NULL;
    return 0;
}

static inline ddb_table_info_t h_table(ddb_engine_t *e, const char *name) {
    static ddb_value_t meta = {.type = DDB_T_M};
    ddb_table_info_t t = {.name = name, .name_len = strlen(name), .meta = &meta};
    t.key = (ddb_key_schema_t){"pk", 2, DDB_T_S, NULL, 0, DDB_T_NONE};
    t.stream.enabled = true;
    t.stream.view = DDB_VIEW_NEW_AND_OLD_IMAGES;
    ddb_error_t err;
    CHECK(ddb_table_create(e, &t, &err) == 0);
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_table_info_t got;
    CHECK(ddb_table_get(e, name, strlen(name), a, &got, &err) == 0);
    t.stream = got.stream;
    ddb_arena_destroy(a);
    return t;
}

/* Puts {pk, v} (v NULL: deletes pk). */
static inline void h_write(ddb_engine_t *e, const ddb_table_info_t *t, const char *pk,
                           const char *v) {
    h_item_t it;
    it.attrs[0] = (ddb_attr_t){"pk", 2, h_sval(pk)};
    it.attrs[1] = (ddb_attr_t){"v", 1, h_sval(v ? v : "")};
    it.item = (ddb_value_t){.type = DDB_T_M, .u.map = {it.attrs, v ? 2 : 1}};
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_error_t err;
    if (v) {
        CHECK(ddb_item_write(e, t, &it.item, h_put_fn, &it.item, a, &err) == 0);
    } else {
        CHECK(ddb_item_write(e, t, &it.item, h_delete_fn, NULL, a, &err) == 0);
    }
    ddb_arena_destroy(a);
}

static inline void h_arn(char out[256], const ddb_table_info_t *t) {
    buf_t b;
    buf_init(&b);
    sw_put_stream_arn(&b, "us-east-1", "000000000000", t->name, t->name_len, t->stream.created_ms);
    snprintf(out, 256, "%s", buf_cstr(&b));
    buf_free(&b);
}

static inline esm_t h_mapping(const char *uuid, const char *arn) {
    esm_t m;
    memset(&m, 0, sizeof m);
    snprintf(m.uuid, sizeof m.uuid, "%s", uuid);
    m.function_arn = "arn:aws:lambda:us-east-1:000000000000:function:f";
    m.event_source_arn = arn;
    m.start = ESM_TRIM_HORIZON;
    m.batch_size = 100;
    m.parallelization = 1;
    m.max_retries = -1;
    m.max_age_s = -1;
    m.enabled = true;
    m.state = ESM_ENABLED;
    m.state_reason = "USER_INITIATED";
    return m;
}

static inline void h_store(ddb_engine_t *e, trig_t *t, const esm_t *m) {
    buf_t b;
    buf_init(&b);
    esm_put_stored(&b, m);
    ddb_error_t err;
    CHECK(ddb_kv_put(e, DDB_KV_MAPPINGS, m->uuid, strlen(m->uuid), b.data, b.len, &err) == 0);
    buf_free(&b);
    if (t) trig_reload(t, m->uuid);
}

static inline trig_t *h_start(ddb_engine_t *e) {
    trig_opts_t o = {.engine = e,
                     .region = "us-east-1",
                     .account = "000000000000",
                     .invoke = h_invoke,
                     .send_destination = h_dest,
                     .log = h_log,
                     .retry_base_ms = 5,
                     .now_ms = h_now};
    trig_t *t = NULL;
    ddb_error_t err;
    CHECK(trig_start(&o, &t, &err) == 0);
    return t;
}

static inline esm_state_t h_state(trig_t *t, const char *uuid, char *last, size_t n) {
    esm_state_t s = 0;
    char buf[256];
    if (trig_status(t, uuid, &s, last ? last : buf, last ? n : sizeof buf)) return 0;
    return s;
}

/* The sequence number of record r of event ev. */
static inline uint64_t h_seq(const cJSON *ev, int r) {
    const cJSON *rec = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(ev, "Records"), r);
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(rec, "dynamodb"), "SequenceNumber");
    uint64_t v = 0;
    if (cJSON_IsString(s)) sw_seq_parse(s->valuestring, strlen(s->valuestring), &v);
    return v;
}

#endif
