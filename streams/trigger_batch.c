/* trigger_batch.c: one batch of a lane: the event {"Records":[...]} (with a
 * tumbling window's members), the invocation through trig_opts_t.invoke,
 * its outcome (function errors, ReportBatchItemFailures responses, a
 * window's state), retries with backoff, BisectBatchOnFunctionError, record
 * age, and the OnFailure record of a discarded batch. One log line per
 * invocation. Never holds a lock while a function runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "query/json.h"
#include "streams/trigger_int.h"

#define BACKOFF_MAX_MS 2000

void trig__iso(char out[32], int64_t ms, bool with_ms) {
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    if (with_ms) {
        snprintf(out + n, 32 - n, ".%03dZ", (int)(ms % 1000));
    } else {
        snprintf(out + n, 32 - n, "Z");
    }
}

static void request_id(char out[ESM_UUID_LEN + 1]) {
    unsigned char r[16];
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) {
        for (size_t i = 0; i < sizeof r; i++)
            r[i] = (unsigned char)rand();
    }
    r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
    r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
    snprintf(out, ESM_UUID_LEN + 1,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0], r[1],
             r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14],
             r[15]);
}

static void put_event(buf_t *b, const tlane_t *l, trec_t **r, size_t n, const twin_t *w) {
    const tmap_t *m = l->sh->m;
    buf_puts(b, "{\"Records\":[");
    for (size_t i = 0; i < n; i++) {
        if (i) buf_putc(b, ',');
        buf_put(b, r[i]->json, r[i]->len);
    }
    buf_putc(b, ']');
    if (w) {
        char s[32], e[32];
        trig__iso(s, w->start_s * 1000, false);
        trig__iso(e, w->end_s * 1000, false);
        buf_printf(b, ",\"window\":{\"start\":\"%s\",\"end\":\"%s\"},\"state\":", s, e);
        buf_puts(b, l->win_state ? l->win_state : "{}");
        buf_puts(b, ",\"shardId\":");
        json_put_str(b, l->sh->shard_id, strlen(l->sh->shard_id));
        buf_puts(b, ",\"eventSourceARN\":");
        json_put_str(b, m->stream_arn, strlen(m->stream_arn));
        buf_printf(b, ",\"isFinalInvokeForWindow\":%s,\"isWindowTerminatedEarly\":%s",
                   w->final ? "true" : "false", w->early ? "true" : "false");
    }
    buf_putc(b, '}');
}

typedef enum verdict { V_OK, V_PARTIAL, V_INVALID } verdict_t;

/* What a successful invocation's response says: V_OK, V_PARTIAL with
 * *first the lowest failed record (ReportBatchItemFailures), or V_INVALID
 * (a response Lambda takes as a failure of the whole batch). A window's
 * new state into *state (malloc'd). */
static verdict_t read_response(const tmap_t *m, trec_t **r, size_t n, const fn_result_t *res,
                               bool windowed, size_t *first, char **state) {
    *first = n;
    *state = NULL;
    bool empty = !res->body || res->body_len == 0;
    if (empty && !windowed) return V_OK;
    if (!m->cfg.report_item_failures && !windowed) return V_OK;
    cJSON *o = empty ? NULL : cJSON_ParseWithLength(res->body, res->body_len);
    if (!o) return empty && !windowed ? V_OK : V_INVALID;
    verdict_t v = V_OK;
    if (windowed) {
        /* a window's invocation must answer its state */
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(o, "state");
        if (!cJSON_IsObject(o) || !st) {
            cJSON_Delete(o);
            return V_INVALID;
        }
        *state = cJSON_IsObject(st) ? cJSON_PrintUnformatted(st) : NULL;
    }
    const cJSON *f = cJSON_IsObject(o) && m->cfg.report_item_failures
                         ? cJSON_GetObjectItemCaseSensitive(o, "batchItemFailures")
                         : NULL;
    if (f && !cJSON_IsNull(f)) {
        if (!cJSON_IsArray(f)) v = V_INVALID;
        const cJSON *it;
        cJSON_ArrayForEach(it, f) {
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "itemIdentifier");
            uint64_t seq;
            size_t i = n;
            if (cJSON_IsString(id) &&
                sw_seq_parse(id->valuestring, strlen(id->valuestring), &seq)) {
                for (i = 0; i < n && r[i]->seq != seq; i++) {
                }
            }
            if (i == n) { /* empty, null, misnamed or not a record of the batch */
                v = V_INVALID;
                break;
            }
            if (i < *first) *first = i;
            v = V_PARTIAL;
        }
    }
    cJSON_Delete(o);
    if (v != V_OK) {
        free(*state);
        *state = NULL;
    }
    return v;
}

/* A batch given up: its OnFailure record to the destination, if any. */
typedef struct attempt {
    int invokes;
    fn_result_t last;
    char id[ESM_UUID_LEN + 1];
} attempt_t;

static void discard(tlane_t *l, trec_t **r, size_t n, const char *condition, const attempt_t *at) {
    tshard_t *sh = l->sh;
    tmap_t *m = sh->m;
    trig_t *t = m->t;
    if (n == 0) {
        trig__log(t, "trigger mapping=%s shard=%s: window invocation discarded (%s)", m->uuid,
                  sh->shard_id, condition);
        return;
    }
    char first[SW_SEQ_MAX + 1], last[SW_SEQ_MAX + 1];
    sw_seq_format(first, r[0]->seq);
    sw_seq_format(last, r[n - 1]->seq);
    const char *dest = m->cfg.on_failure;
    if (dest && *dest) {
        buf_t b;
        buf_init(&b);
        char id[ESM_UUID_LEN + 1], now[32], fa[32], la[32];
        if (at->id[0]) {
            memcpy(id, at->id, sizeof id);
        } else {
            request_id(id);
        }
        buf_printf(&b, "{\"requestContext\":{\"requestId\":\"%s\",\"functionArn\":", id);
        json_put_str(&b, m->cfg.function_arn, strlen(m->cfg.function_arn));
        buf_printf(&b, ",\"condition\":\"%s\",\"approximateInvokeCount\":%d}", condition,
                   at->invokes);
        if (at->invokes) {
            buf_printf(&b,
                       ",\"responseContext\":{\"statusCode\":%d,\"executedVersion\":\"$LATEST\"",
                       at->last.status);
            if (at->last.outcome != FN_OK) {
                const char *fe = at->last.error_type[0] ? at->last.error_type : "Unhandled";
                buf_puts(&b, ",\"functionError\":");
                json_put_str(&b, fe, strlen(fe));
            }
            buf_putc(&b, '}');
        }
        trig__iso(now, ddb_now_ms(), true);
        trig__iso(fa, r[0]->time_ms, false);
        trig__iso(la, r[n - 1]->time_ms, false);
        buf_printf(&b, ",\"version\":\"1.0\",\"timestamp\":\"%s\",\"DDBStreamBatchInfo\":{", now);
        buf_printf(&b,
                   "\"shardId\":\"%s\",\"startSequenceNumber\":\"%s\",\"endSequenceNumber\":\"%s\","
                   "\"approximateArrivalOfFirstRecord\":\"%s\","
                   "\"approximateArrivalOfLastRecord\":\"%s\",\"batchSize\":%zu,\"streamArn\":",
                   sh->shard_id, first, last, fa, la, n);
        json_put_str(&b, m->stream_arn, strlen(m->stream_arn));
        buf_puts(&b, "}}");
        char msg[256] = "";
        int rc = t->o.send_destination
                     ? t->o.send_destination(t->o.fn_ctx, dest, b.data, b.len, msg, sizeof msg)
                     : -1;
        trig__log(t,
                  "trigger mapping=%s shard=%s: batch %s..%s (%zu records) discarded (%s); "
                  "OnFailure %s: %s",
                  m->uuid, sh->shard_id, first, last, n, condition, dest,
                  rc ? (msg[0] ? msg : "not delivered") : "sent");
        buf_free(&b);
    } else {
        trig__log(t, "trigger mapping=%s shard=%s: batch %s..%s (%zu records) discarded (%s)",
                  m->uuid, sh->shard_id, first, last, n, condition);
    }
    trig__finish(sh, r, n);
}

/* Whether the record at seq has been trimmed from the stream (expired). */
static bool expired(const tshard_t *sh, uint64_t seq) {
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_shard_t *s;
    size_t n;
    uint64_t trim = 0;
    ddb_error_t err;
    bool gone =
        ddb_stream_shards(sh->m->t->o.engine, sh->m->stream.id, a, &s, &n, &trim, &err) == 0 &&
        seq < trim;
    ddb_arena_destroy(a);
    return gone;
}

static const char *problem(fn_outcome_t o) {
    switch (o) {
    case FN_TIMEOUT:
        return "PROBLEM: Function timed out";
    case FN_UNREACHABLE:
        return "PROBLEM: Function could not be invoked";
    default:
        return "PROBLEM: Function call failed";
    }
}

static const char *outcome_name(fn_outcome_t o, verdict_t v) {
    switch (o) {
    case FN_OK:
        return v == V_OK ? "OK" : v == V_PARTIAL ? "PartialFailure" : "InvalidResponse";
    case FN_ERROR:
        return "FunctionError";
    case FN_TIMEOUT:
        return "Timeout";
    default:
        return "Unreachable";
    }
}

static bool stopped(tshard_t *sh) {
    pthread_mutex_lock(&sh->mu);
    bool s = sh->stop;
    pthread_mutex_unlock(&sh->mu);
    return s;
}

/* One invocation of r[0..n): its verdict; *first the lowest failed record. */
static verdict_t invoke_once(tlane_t *l, trec_t **r, size_t n, const twin_t *w, buf_t *ev,
                             attempt_t *at, size_t *first) {
    tmap_t *m = l->sh->m;
    trig_t *t = m->t;
    buf_reset(ev);
    put_event(ev, l, r, n, w);
    buf_cstr(ev);
    fn_result_free(&at->last);
    memset(&at->last, 0, sizeof at->last);
    request_id(at->id);
    int64_t t0 = ddb_now_ms();
    t->o.invoke(t->o.fn_ctx, m->cfg.function_arn, ev->data, ev->len, at->id, &at->last);
    int64_t dur = ddb_now_ms() - t0;
    at->invokes++;
    char *state = NULL;
    verdict_t v = V_INVALID;
    *first = n;
    if (at->last.outcome == FN_OK) {
        v = read_response(m, r, n, &at->last, w != NULL, first, &state);
        if (v == V_OK && w) {
            free(l->win_state);
            l->win_state = state;
            /* a state past 1 MB ends the window: its final invocation comes next */
            if (!w->final && state && strlen(state) > TRIG_MAX_WINDOW_STATE) l->win_early = true;
        }
    }
    char fs[SW_SEQ_MAX + 1] = "-", ls[SW_SEQ_MAX + 1] = "-";
    if (n) sw_seq_format(fs, r[0]->seq), sw_seq_format(ls, r[n - 1]->seq);
    trig__log(t,
              "trigger mapping=%s function=%s shard=%s batch=%zu first=%s last=%s duration_ms=%lld "
              "outcome=%s request=%s",
              m->uuid, m->cfg.function_arn, l->sh->shard_id, n, fs, ls, (long long)dur,
              outcome_name(at->last.outcome, v), at->id);
    trig__set_result(m, at->last.outcome == FN_OK && v == V_OK ? "OK" : problem(at->last.outcome));
    return v;
}

static int deliver(tlane_t *l, trec_t **r, size_t n, const twin_t *w, attempt_t *at, buf_t *ev) {
    tshard_t *sh = l->sh;
    const esm_t *c = &sh->m->cfg;
    trig_t *t = sh->m->t;
    int base = t->o.retry_base_ms > 0 ? t->o.retry_base_ms : 100;
    int backoff = base, retries = 0;
    at->invokes = 0;
    at->id[0] = 0;
    for (;;) {
        if (stopped(sh)) return -1;
        if (n && c->max_age_s >= 0 && trig__now(t) - r[0]->time_ms > c->max_age_s * 1000LL) {
            discard(l, r, n, "RecordAgeExceeded", at);
            return 0;
        }
        size_t first;
        verdict_t v = invoke_once(l, r, n, w, ev, at, &first);
        if (at->last.outcome == FN_OK && v == V_OK) {
            trig__finish(sh, r, n);
            return 0;
        }
        if (at->last.outcome == FN_UNREACHABLE) {
            /* not invoked: retried until the records expire, not counted */
            at->invokes--;
        } else if (v == V_PARTIAL) {
            /* everything before the lowest failure is done; retry from it */
            trig__finish(sh, r, first);
            r += first;
            n -= first;
            retries++;
        } else if (c->bisect && n > 1) {
            /* a split is not a retry: each half runs on its own */
            size_t h = n / 2;
            twin_t w1;
            if (w) w1 = *w, w1.final = false;
            attempt_t sub = {0};
            int rc = deliver(l, r, h, w ? &w1 : NULL, &sub, ev);
            fn_result_free(&sub.last);
            if (rc) return rc;
            attempt_t sub2 = {0};
            rc = deliver(l, r + h, n - h, w, &sub2, ev);
            fn_result_free(&sub2.last);
            return rc;
        } else {
            retries++;
        }
        if (c->max_retries >= 0 && retries > c->max_retries) {
            discard(l, r, n, "RetryAttemptsExhausted", at);
            return 0;
        }
        if (n && expired(sh, r[0]->seq)) { /* past the stream's retention */
            discard(l, r, n, "RecordAgeExceeded", at);
            return 0;
        }
        if (trig__sleep(sh, backoff)) return -1;
        backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
    }
}

int trig__deliver(tlane_t *l, trec_t **r, size_t n, const twin_t *w) {
    attempt_t at = {0};
    buf_t ev;
    buf_init(&ev);
    int rc = deliver(l, r, n, w, &at, &ev);
    fn_result_free(&at.last);
    buf_free(&ev);
    return rc;
}
