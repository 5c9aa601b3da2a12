/* trigger_shard.c: one shard of a mapping's stream: the reader (the
 * supervisor's thread) follows the shard on the commit watermark, filters
 * records and routes each to a lane by its partition key; ParallelizationFactor
 * lane threads take batches (BatchSize, 6 MB, batching window, tumbling
 * windows) and deliver them (trigger_batch.c). The checkpoint is the lowest
 * unfinished record. Never sleeps to poll: it waits on ddb_stream_wait. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "query/arn.h"
#include "streams/record.h"
#include "streams/trigger_int.h"

#define READ_CHUNK     1000
#define WAIT_SLICE_MS  100
#define CKPT_FLUSH_MS  100 /* longest a busy shard's checkpoint waits for the WAL */
#define PENDING_BYTES  (32u << 20)
#define EVENT_OVERHEAD 4096 /* {"Records":[]} and a tumbling window's members */

static void deadline(struct timespec *ts, int64_t ms) {
    if (ms < 0) ms = 0;
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += (time_t)(ms / 1000);
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) ts->tv_sec++, ts->tv_nsec -= 1000000000L;
}

static void timed_wait(tshard_t *sh, int64_t ms) {
    struct timespec ts;
    deadline(&ts, ms);
    pthread_cond_timedwait(&sh->cond, &sh->mu, &ts);
}

int trig__sleep(tshard_t *sh, int ms) {
    int64_t until = ddb_now_ms() + ms;
    pthread_mutex_lock(&sh->mu);
    for (int64_t now = ddb_now_ms(); !sh->stop && now < until; now = ddb_now_ms()) {
        timed_wait(sh, until - now);
    }
    int rc = sh->stop ? -1 : 0;
    pthread_mutex_unlock(&sh->mu);
    return rc;
}

void trig__finish(tshard_t *sh, trec_t **r, size_t n) {
    pthread_mutex_lock(&sh->ckmu);
    pthread_mutex_lock(&sh->mu);
    for (size_t i = 0; i < n; i++)
        r[i]->done = true;
    while (sh->head && sh->head->done) {
        trec_t *x = sh->head;
        sh->head = x->next;
        if (!sh->head) sh->tail = NULL;
        sh->pending--;
        sh->pending_bytes -= x->len;
        free(x->json);
        free(x);
    }
    uint64_t target = sh->head ? sh->head->seq : sh->read_next;
    pthread_cond_broadcast(&sh->cond);
    pthread_mutex_unlock(&sh->mu);
    if (target > sh->ckpt) {
        /* flushed at most CKPT_FLUSH_MS after the last flush, and at once
         * when the shard goes idle (trig__ckpt_settle): a busy shard costs
         * no WAL flush per batch, and a crash repeats at most that much */
        int64_t now = ddb_now_ms();
        bool flush = now - sh->ckpt_flush_ms >= CKPT_FLUSH_MS;
        ddb_error_t err;
        if (trig__ckpt_write(sh->m->t->o.engine, sh->m->uuid, sh->shard_id, target, false, flush,
                             &err)) {
            trig__log(sh->m->t, "trigger mapping=%s shard=%s: cannot write checkpoint: %s",
                      sh->m->uuid, sh->shard_id, err.msg);
        } else {
            sh->ckpt = target;
            sh->ckpt_lazy = !flush;
            if (flush) sh->ckpt_flush_ms = now;
        }
    }
    pthread_mutex_unlock(&sh->ckmu);
}

void trig__ckpt_settle(tshard_t *sh) {
    pthread_mutex_lock(&sh->ckmu);
    if (sh->ckpt_lazy) {
        ddb_error_t err;
        if (ddb_commit(sh->m->t->o.engine, &err)) {
            trig__log(sh->m->t, "trigger mapping=%s shard=%s: cannot flush checkpoints: %s",
                      sh->m->uuid, sh->shard_id, err.msg);
        } else {
            sh->ckpt_lazy = false;
            sh->ckpt_flush_ms = ddb_now_ms();
        }
    }
    pthread_mutex_unlock(&sh->ckmu);
}

/* ---- lanes ---------------------------------------------------------------------- */

static int64_t window_of(const trec_t *r, int tumbling_s) {
    int64_t s = r->time_ms / 1000;
    return s - s % tumbling_s;
}

static void lane_push(tlane_t *l, trec_t *r) {
    r->lnext = NULL;
    if (l->tail) {
        l->tail->lnext = r;
    } else {
        l->head = r;
    }
    l->tail = r;
    l->count++;
    l->bytes += r->len + 1;
}

static trec_t *lane_pop(tlane_t *l) {
    trec_t *r = l->head;
    l->head = r->lnext;
    if (!l->head) l->tail = NULL;
    l->count--;
    l->bytes -= r->len + 1;
    return r;
}

/* Whether lane l (shard locked) has a batch to deliver now; fills batch,
 * *n and *w (w->final for a tumbling window's last invocation, which may
 * carry no records). *wait_ms: how long to wait otherwise (-1: until told). */
static bool lane_take(tlane_t *l, trec_t **batch, size_t *n, twin_t *w, bool *windowed,
                      int64_t *wait_ms) {
    tshard_t *sh = l->sh;
    const esm_t *c = &sh->m->cfg;
    const int T = c->tumbling_s;
    size_t cap = ESM_MAX_PAYLOAD - EVENT_OVERHEAD - (l->win_state ? strlen(l->win_state) : 0);
    int64_t now = ddb_now_ms();
    *n = 0;
    *windowed = T > 0;
    *wait_ms = -1;
    if (T > 0 && l->win_open && l->win_early) {
        /* the state outgrew its cap: the window's final invocation now, with
         * no records; what is left of the window's records opens it again */
        *w = (twin_t){l->win_start_s, l->win_start_s + T, true, true};
        return true;
    }
    if (T > 0 && l->win_open) {
        int64_t end = l->win_start_s + T;
        bool later = l->count && window_of(l->head, T) != l->win_start_s;
        bool ended = sh->eof || trig__now(sh->m->t) / 1000 >= end;
        if (!l->count && !ended) *wait_ms = WAIT_SLICE_MS;
        if (later || (!l->count && ended)) {
            /* the window is over and everything of it delivered: its final
             * invocation, with no records */
            *w = (twin_t){l->win_start_s, end, true, false};
            return true;
        }
    }
    if (!l->count) return false;
    int64_t due = l->head->ready_ms + (int64_t)c->window_s * 1000;
    bool ready = l->count >= (size_t)c->batch_size || l->bytes >= cap || sh->eof || now >= due;
    if (T > 0 && !ready) {
        /* a record of a later window (or a window that ended) need not wait */
        int64_t hw = window_of(l->head, T);
        ready = window_of(l->tail, T) != hw || trig__now(sh->m->t) / 1000 >= hw + T;
    }
    if (!ready) {
        *wait_ms = due - now;
        return false;
    }
    int64_t hw = T > 0 ? window_of(l->head, T) : 0;
    size_t bytes = 0;
    while (l->head && *n < (size_t)c->batch_size && (*n == 0 || bytes + l->head->len + 1 <= cap) &&
           (T == 0 || window_of(l->head, T) == hw)) {
        bytes += l->head->len + 1;
        batch[(*n)++] = lane_pop(l);
    }
    if (T > 0) {
        if (!l->win_open) {
            l->win_open = true;
            l->win_start_s = hw;
            free(l->win_state);
            l->win_state = NULL;
        }
        bool more_of_window = l->head && window_of(l->head, T) == hw;
        bool later = l->head && !more_of_window;
        bool ended = sh->eof || trig__now(sh->m->t) / 1000 >= hw + T;
        *w = (twin_t){hw, hw + T, later || (!more_of_window && ended), false};
    }
    return true;
}

static void *lane_main(void *arg) {
    tlane_t *l = arg;
    tshard_t *sh = l->sh;
    trec_t **batch = malloc((size_t)sh->m->cfg.batch_size * sizeof *batch);
    if (!batch) abort();
    pthread_mutex_lock(&sh->mu);
    while (!sh->stop) {
        size_t n;
        twin_t w;
        bool windowed;
        int64_t wait_ms;
        if (!lane_take(l, batch, &n, &w, &windowed, &wait_ms)) {
            if (wait_ms < 0) {
                pthread_cond_wait(&sh->cond, &sh->mu);
            } else {
                timed_wait(sh, wait_ms < WAIT_SLICE_MS ? wait_ms : WAIT_SLICE_MS);
            }
            continue;
        }
        pthread_mutex_unlock(&sh->mu);
        int rc = trig__deliver(l, batch, n, windowed ? &w : NULL);
        pthread_mutex_lock(&sh->mu);
        if (rc == 0 && windowed && w.final) {
            l->win_open = false;
            l->win_early = false;
            free(l->win_state);
            l->win_state = NULL;
            pthread_cond_broadcast(&sh->cond);
        }
    }
    pthread_mutex_unlock(&sh->mu);
    free(batch);
    return NULL;
}

/* ---- the reader ----------------------------------------------------------------- */

static uint64_t fnv1a(const void *p, size_t n) {
    const unsigned char *s = p;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 1099511628211ull;
    return h;
}

/* The lane of a record: by its partition key, so that one key's records
 * stay in order. */
static uint32_t lane_of(const tmap_t *m, const ddb_stream_record_t *x, uint32_t nlanes) {
    if (nlanes <= 1 || !x->keys) return 0;
    const ddb_value_t *v = ddb_map_get(x->keys, m->stream.key.hash_name, m->stream.key.hash_len);
    if (!v) return 0;
    return (uint32_t)(fnv1a(v->u.str.ptr, v->u.str.len) % nlanes);
}

static bool passes(const tmap_t *m, const char *json, size_t len) {
    if (!m->nfilters) return true;
    cJSON *o = cJSON_ParseWithLength(json, len);
    bool ok = false;
    for (size_t i = 0; o && i < m->nfilters && !ok; i++)
        ok = ddb_filter_match(m->filters[i], o);
    cJSON_Delete(o);
    return ok;
}

static trec_t *make_rec(tmap_t *m, const ddb_stream_record_t *x, uint32_t nlanes, int64_t now) {
    sw_record_t w;
    memset(&w, 0, sizeof w);
    sw_event_id(w.event_id, m->stream.id, x->seq);
    w.event = (sw_event_t)x->event;
    const char *tn;
    size_t tl;
    if (!ddb_qname_split(m->stream.table, m->stream.table_len, &w.region, &w.region_len, &tn,
                         &tl)) {
        w.region = m->t->o.region;
        w.region_len = strlen(w.region);
    }
    w.source_arn = m->stream_arn;
    w.source_arn_len = strlen(m->stream_arn);
    w.time_s = x->time_ms / 1000;
    w.keys = x->keys;
    w.new_image = x->new_image;
    w.old_image = x->old_image;
    w.seq = x->seq;
    w.size = x->size;
    w.view = (sw_view_t)m->stream.view;
    w.by_ttl = x->by_ttl;
    buf_t b;
    buf_init(&b);
    sw_record_put(&b, &w, SW_FORM_LAMBDA);
    trec_t *r = calloc(1, sizeof *r);
    if (!r) abort();
    r->seq = x->seq;
    r->time_ms = x->time_ms;
    r->ready_ms = now;
    r->lane = lane_of(m, x, nlanes);
    buf_cstr(&b);
    r->json = b.data;
    r->len = b.len;
    r->done = !passes(m, r->json, r->len);
    return r;
}

static bool drained(const tshard_t *sh) {
    if (sh->pending) return false;
    for (uint32_t i = 0; i < sh->nlanes; i++) {
        if (sh->lanes[i].win_open) return false;
    }
    return true;
}

static void shard_free(tshard_t *sh) {
    while (sh->head) {
        trec_t *x = sh->head;
        sh->head = x->next;
        free(x->json);
        free(x);
    }
    for (uint32_t i = 0; i < sh->nlanes; i++)
        free(sh->lanes[i].win_state);
    pthread_mutex_destroy(&sh->mu);
    pthread_mutex_destroy(&sh->ckmu);
    pthread_cond_destroy(&sh->cond);
    free(sh);
}

/* Reads what is committed after sh->read_next into the lanes. */
static tshard_end_t read_more(tshard_t *sh, ddb_arena_t *a, size_t room) {
    tmap_t *m = sh->m;
    ddb_engine_t *e = m->t->o.engine;
    uint64_t seen = ddb_stream_latest(e);
    ddb_stream_record_t *recs;
    size_t n;
    uint64_t next;
    bool done;
    ddb_error_t err;
    ddb_arena_reset(a);
    int rc = ddb_stream_read(e, m->stream.id, sh->info.index, sh->read_next, room, 4u << 20, a,
                             &recs, &n, &next, &done, &err);
    if (rc == DDB_ERR_TRIMMED_DATA || rc == DDB_ERR_RESOURCE_NOT_FOUND) return TSH_TRIMMED;
    if (rc) {
        trig__log(m->t, "trigger mapping=%s shard=%s: cannot read the stream: %s", m->uuid,
                  sh->shard_id, err.msg);
        return TSH_ERROR;
    }
    int64_t now = ddb_now_ms();
    trec_t *first = NULL, *last = NULL;
    for (size_t i = 0; i < n; i++) {
        trec_t *r = make_rec(m, &recs[i], sh->nlanes, now);
        if (last) {
            last->next = r;
        } else {
            first = r;
        }
        last = r;
    }
    pthread_mutex_lock(&sh->mu);
    for (trec_t *r = first; r; r = r->next) {
        sh->pending++;
        sh->pending_bytes += r->len;
        if (!r->done) lane_push(&sh->lanes[r->lane], r);
    }
    if (first) {
        if (sh->tail) {
            sh->tail->next = first;
        } else {
            sh->head = first;
        }
        sh->tail = last;
    }
    sh->read_next = next;
    if (done) sh->eof = true;
    pthread_cond_broadcast(&sh->cond);
    pthread_mutex_unlock(&sh->mu);
    trig__finish(sh, NULL, 0); /* records filtered out are finished at once */
    if (!n && !done) {
        trig__ckpt_settle(sh); /* idle: what was delivered is checkpointed durably */
        ddb_stream_wait(e, seen, WAIT_SLICE_MS);
    }
    return TSH_STOPPED;
}

tshard_end_t trig__run_shard(tmap_t *m, const ddb_shard_t *info, uint64_t pos) {
    tshard_t *sh = calloc(1, sizeof *sh);
    if (!sh) abort();
    sh->m = m;
    sh->info = *info;
    sw_shard_id(sh->shard_id, info->created_ms, info->index);
    pthread_mutex_init(&sh->mu, NULL);
    pthread_mutex_init(&sh->ckmu, NULL);
    pthread_cond_init(&sh->cond, NULL);
    sh->read_next = pos;
    sh->ckpt = pos;
    sh->nlanes = (uint32_t)m->cfg.parallelization;
    size_t max_pending = 2 * (size_t)sh->nlanes * (size_t)m->cfg.batch_size;
    if (max_pending < 2 * READ_CHUNK) max_pending = 2 * READ_CHUNK;
    pthread_mutex_lock(&m->mu);
    m->sh[info->lane] = sh;
    if (m->stop || m->reload) sh->stop = true;
    pthread_mutex_unlock(&m->mu);
    for (uint32_t i = 0; i < sh->nlanes; i++) {
        sh->lanes[i].sh = sh;
        sh->lanes[i].idx = i;
        if (pthread_create(&sh->lanes[i].th, NULL, lane_main, &sh->lanes[i])) abort();
    }
    ddb_arena_t *a = ddb_arena_create(0);
    tshard_end_t end = TSH_STOPPED;
    for (;;) {
        pthread_mutex_lock(&sh->mu);
        while (!sh->stop && (sh->pending >= max_pending || sh->pending_bytes >= PENDING_BYTES)) {
            timed_wait(sh, WAIT_SLICE_MS);
        }
        bool stop = sh->stop, eof = sh->eof, fin = sh->eof && drained(sh);
        size_t room = max_pending - sh->pending;
        if (eof && !fin && !stop) timed_wait(sh, WAIT_SLICE_MS);
        pthread_mutex_unlock(&sh->mu);
        if (stop) break;
        if (fin) {
            ddb_error_t err;
            if (trig__ckpt_put(m->t->o.engine, m->uuid, sh->shard_id, sh->read_next, true, &err)) {
                trig__log(m->t, "trigger mapping=%s shard=%s: cannot write checkpoint: %s", m->uuid,
                          sh->shard_id, err.msg);
                end = TSH_ERROR;
            } else {
                end = TSH_DONE;
            }
            break;
        }
        if (eof) continue;
        if (room > READ_CHUNK) room = READ_CHUNK;
        end = read_more(sh, a, room);
        if (end != TSH_STOPPED) break;
    }
    ddb_arena_destroy(a);
    pthread_mutex_lock(&sh->mu);
    sh->stop = true;
    pthread_cond_broadcast(&sh->cond);
    pthread_mutex_unlock(&sh->mu);
    for (uint32_t i = 0; i < sh->nlanes; i++)
        pthread_join(sh->lanes[i].th, NULL);
    trig__ckpt_settle(sh); /* the lanes are done: their last checkpoint reaches the WAL */
    pthread_mutex_lock(&m->mu);
    m->sh[info->lane] = NULL;
    pthread_mutex_unlock(&m->mu);
    shard_free(sh);
    return end;
}
