/* trigger.c: the dispatcher's lifecycle: the list of mappings, one
 * supervisor thread per mapping that loads its stored configuration,
 * binds it to the stream its ARN names, picks the shard and position to
 * deliver from (checkpoints, StartingPosition, lineage, trimming) and runs
 * it (trigger_shard.c). A stream of several lanes (--stream-shards) gets a
 * thread per lane, each following its lane's chain of shards in lineage
 * order, the lanes side by side. Never invokes a function itself; never blocks the
 * caller of trig_reload/trig_status. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "query/arn.h"
#include "streams/trigger_int.h"

int64_t trig__now(const trig_t *t) {
    return t->o.now_ms ? t->o.now_ms(t->o.clock_ctx) : ddb_now_ms();
}

void trig__log(const trig_t *t, const char *fmt, ...) {
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (t->o.log) {
        t->o.log(t->o.log_ctx, line);
    } else {
        fprintf(stderr, "%s\n", line);
    }
}

void trig__set_result(tmap_t *m, const char *text) {
    pthread_mutex_lock(&m->mu);
    snprintf(m->last, sizeof m->last, "%s", text);
    pthread_mutex_unlock(&m->mu);
}

static void set_state(tmap_t *m, esm_state_t s) {
    pthread_mutex_lock(&m->mu);
    m->state = s;
    pthread_mutex_unlock(&m->mu);
}

/* Waits on the mapping until reloaded or stopped, or ms passes (< 0: no
 * limit). true when reloaded or stopped. */
static bool wait_event(tmap_t *m, int ms) {
    pthread_mutex_lock(&m->mu);
    if (!m->reload && !m->stop) {
        if (ms < 0) {
            pthread_cond_wait(&m->cond, &m->mu);
        } else {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += ms / 1000;
            ts.tv_nsec += (long)(ms % 1000) * 1000000L;
            if (ts.tv_nsec >= 1000000000L) ts.tv_sec++, ts.tv_nsec -= 1000000000L;
            pthread_cond_timedwait(&m->cond, &m->mu, &ts);
        }
    }
    bool ev = m->reload || m->stop;
    pthread_mutex_unlock(&m->mu);
    return ev;
}

static bool interrupted(tmap_t *m) {
    pthread_mutex_lock(&m->mu);
    bool ev = m->reload || m->stop;
    pthread_mutex_unlock(&m->mu);
    return ev;
}

static void free_config(tmap_t *m) {
    for (size_t i = 0; i < m->nfilters; i++)
        ddb_filter_free(m->filters[i]);
    m->nfilters = 0;
    if (m->arena) ddb_arena_destroy(m->arena);
    m->arena = NULL;
}

/* Loads the stored mapping: 1 when it exists, 0 when deleted, -1 on error. */
static int load_config(tmap_t *m) {
    free_config(m);
    m->arena = ddb_arena_create(0);
    ddb_error_t err;
    char *val;
    size_t vlen;
    if (ddb_kv_get(m->t->o.engine, DDB_KV_MAPPINGS, m->uuid, strlen(m->uuid), m->arena, &val, &vlen,
                   &err)) {
        trig__log(m->t, "trigger mapping=%s cannot read its record: %s", m->uuid, err.msg);
        return -1;
    }
    if (!val) return 0;
    if (esm_parse(val, vlen, m->arena, &m->cfg, &err)) {
        trig__log(m->t, "trigger mapping=%s: %s", m->uuid, err.msg);
        return -1;
    }
    for (size_t i = 0; i < m->cfg.nfilters; i++) {
        if (ddb_filter_compile(m->cfg.filters[i], strlen(m->cfg.filters[i]),
                               &m->filters[m->nfilters], &err)) {
            trig__log(m->t, "trigger mapping=%s: bad filter: %s", m->uuid, err.msg);
            return -1;
        }
        m->nfilters++;
    }
    if (m->cfg.batch_size < 1) m->cfg.batch_size = ESM_DEFAULT_BATCH;
    if (m->cfg.parallelization < 1) m->cfg.parallelization = 1;
    if (m->cfg.parallelization > TRIG_MAX_LANES) m->cfg.parallelization = TRIG_MAX_LANES;
    return 1;
}

/* Binds the mapping to the stream its ARN names (":table/TABLE/stream/LABEL"):
 * true when that stream is still readable. */
static bool resolve_stream(tmap_t *m) {
    const char *arn = m->cfg.event_source_arn;
    const char *tp = strstr(arn, ":table/");
    if (!tp) return false;
    tp += 7;
    const char *sp = strstr(tp, "/stream/");
    if (!sp) return false;
    size_t tl = (size_t)(sp - tp);
    const char *label = sp + 8;
    /* the table of the ARN's region (the default region's and, under
     * --shared-regions, every region's: plain) */
    buf_t want;
    buf_init(&want);
    ddb_arn_t a;
    size_t al = strlen(arn);
    if (!m->t->o.shared_regions && ddb_arn_parse(arn, al, &a) &&
        !(a.region_len == strlen(m->t->o.region) &&
          memcmp(a.region, m->t->o.region, a.region_len) == 0)) {
        ddb_qname_put(&want, a.region, a.region_len, tp, tl);
    } else {
        buf_put(&want, tp, tl);
    }
    ddb_stream_desc_t *all;
    size_t n;
    ddb_error_t err;
    bool found = false;
    if (ddb_stream_list(m->t->o.engine, m->arena, &all, &n, &err)) n = 0;
    for (size_t i = 0; i < n && !found; i++) {
        char l[SW_LABEL_SIZE];
        sw_stream_label(l, all[i].created_ms);
        if (all[i].table_len == want.len && memcmp(all[i].table, want.data, want.len) == 0 &&
            strcmp(l, label) == 0) {
            m->stream = all[i];
            buf_t b;
            buf_init(&b);
            sw_put_stream_arn(&b, m->t->o.region, m->t->o.account, all[i].table, all[i].table_len,
                              all[i].created_ms);
            snprintf(m->stream_arn, sizeof m->stream_arn, "%s", buf_cstr(&b));
            buf_free(&b);
            found = true;
        }
    }
    buf_free(&want);
    return found;
}

static const tckpt_t *find_ckpt(const tckpt_t *v, size_t n, const char *id) {
    for (size_t i = 0; i < n; i++) {
        if (strcmp(v[i].shard_id, id) == 0) return &v[i];
    }
    return NULL;
}

#define ALL_LANES UINT32_MAX

/* Whether the shard id names one of sh[0..n) (of lane `lane` unless ALL_LANES). */
static bool has_shard(const ddb_shard_t *sh, size_t n, uint32_t lane, const char *shard_id) {
    for (size_t i = 0; i < n; i++) {
        if (lane != ALL_LANES && sh[i].lane != lane) continue;
        char id[SW_SHARD_ID_LEN + 1];
        sw_shard_id(id, sh[i].created_ms, sh[i].index);
        if (strcmp(id, shard_id) == 0) return true;
    }
    return false;
}

/* Where to deliver lane `lane` (ALL_LANES: a stream of one lane) from: 1
 * with *shard and *pos, 0 when every shard of it is drained (a disabled
 * stream), -1 on error. Shards are oldest first, so a parent always comes
 * before its child. A checkpoint of a shard that is gone cannot be placed
 * in a lane: it counts as an earlier shard of every lane, and only the
 * first lane reports it lost. */
static int pick(tmap_t *m, ddb_arena_t *a, uint32_t lane, ddb_shard_t *shard, uint64_t *pos) {
    ddb_engine_t *e = m->t->o.engine;
    ddb_shard_t *all, *sh;
    size_t nall, n = 0;
    uint64_t trim;
    ddb_error_t err;
    if (ddb_stream_shards(e, m->stream.id, a, &all, &nall, &trim, &err)) return -1;
    sh = ddb_arena_alloc(a, sizeof *sh * (nall ? nall : 1));
    for (size_t i = 0; i < nall; i++) {
        if (lane == ALL_LANES || all[i].lane == lane) sh[n++] = all[i];
    }
    tckpt_t *ck;
    size_t nck;
    if (trig__ckpt_list(e, m->uuid, &ck, &nck, &err)) return -1;
    int rc = 0;
    bool earlier = false; /* a checkpoint of a shard before this one */
    /* a checkpoint (not closed) of a shard that is gone: trimmed under us */
    bool lost = false;
    for (size_t j = 0; j < nck; j++) {
        if (has_shard(sh, n, ALL_LANES, ck[j].shard_id)) continue;
        if (has_shard(all, nall, ALL_LANES, ck[j].shard_id)) continue; /* another lane's */
        if (!ck[j].closed && (lane == ALL_LANES || lane == 0)) lost = true;
        earlier = true;
    }
    for (size_t i = 0; i < n && !rc; i++) {
        char id[SW_SHARD_ID_LEN + 1];
        sw_shard_id(id, sh[i].created_ms, sh[i].index);
        const tckpt_t *c = find_ckpt(ck, nck, id);
        uint64_t lo = sh[i].start > trim ? sh[i].start : trim;
        if (c && c->closed) {
            earlier = true;
            continue;
        }
        *shard = sh[i];
        if (c) {
            *pos = c->next > lo ? c->next : lo;
            if (c->next < trim) lost = true;
        } else if (earlier || m->cfg.start == ESM_TRIM_HORIZON) {
            *pos = lo;
        } else {
            /* LATEST: what commits from now on, fixed by a checkpoint so
             * that a restart does not move it */
            *shard = sh[n - 1];
            uint64_t latest = ddb_stream_latest(e);
            lo = shard->start > trim ? shard->start : trim;
            *pos = latest > lo ? latest : lo;
            sw_shard_id(id, shard->created_ms, shard->index);
            if (trig__ckpt_put(e, m->uuid, id, *pos, false, &err)) {
                free(ck);
                return -1;
            }
        }
        rc = 1;
    }
    free(ck);
    if (rc == 1 && lost) {
        trig__set_result(m, TRIG_TRIMMED_RESULT);
        trig__log(m->t,
                  "trigger mapping=%s: records were trimmed before delivery; resuming at %llu",
                  m->uuid, (unsigned long long)*pos);
    }
    return rc;
}

/* Delivers one lane's chain of shards (ALL_LANES: the stream's only one)
 * until interrupted. */
static void run_chain(tmap_t *m, uint32_t lane) {
    ddb_arena_t *a = ddb_arena_create(0);
    while (!interrupted(m)) {
        ddb_arena_reset(a);
        ddb_shard_t shard;
        uint64_t pos;
        int rc = pick(m, a, lane, &shard, &pos);
        set_state(m, ESM_ENABLED);
        if (rc <= 0) {
            /* drained (or an engine error): nothing until a reload */
            wait_event(m, rc < 0 ? 1000 : 500);
            continue;
        }
        tshard_end_t end = trig__run_shard(m, &shard, pos);
        if (end == TSH_ERROR) wait_event(m, 1000);
        if (end == TSH_TRIMMED) {
            trig__set_result(m, TRIG_TRIMMED_RESULT);
            trig__log(m->t,
                      "trigger mapping=%s: records were trimmed before delivery; resuming "
                      "at the oldest record",
                      m->uuid);
        }
    }
    ddb_arena_destroy(a);
}

typedef struct lane_run {
    tmap_t *m;
    uint32_t lane;
    pthread_t th;
} lane_run_t;

static void *lane_main(void *arg) {
    lane_run_t *r = arg;
    run_chain(r->m, r->lane);
    return NULL;
}

/* Delivers the stream until interrupted: its one chain on this thread, or
 * each lane's on a thread of its own. */
static void run_stream(tmap_t *m) {
    uint32_t lanes = m->stream.lanes;
    if (lanes <= 1) {
        run_chain(m, ALL_LANES);
        return;
    }
    lane_run_t *runs = calloc(lanes, sizeof *runs);
    if (!runs) abort();
    for (uint32_t i = 0; i < lanes; i++) {
        runs[i] = (lane_run_t){.m = m, .lane = i};
        if (pthread_create(&runs[i].th, NULL, lane_main, &runs[i])) abort();
    }
    for (uint32_t i = 0; i < lanes; i++)
        pthread_join(runs[i].th, NULL);
    free(runs);
}

static void *supervise(void *arg) {
    tmap_t *m = arg;
    for (;;) {
        pthread_mutex_lock(&m->mu);
        bool stop = m->stop;
        m->reload = false;
        pthread_mutex_unlock(&m->mu);
        if (stop) break;
        int rc = load_config(m);
        if (rc == 0) {
            ddb_error_t err;
            if (trig__ckpt_delete_all(m->t->o.engine, m->uuid, &err)) {
                trig__log(m->t, "trigger mapping=%s: cannot delete checkpoints: %s", m->uuid,
                          err.msg);
            }
            pthread_mutex_lock(&m->mu);
            m->deleted = true;
            pthread_mutex_unlock(&m->mu);
            break;
        }
        if (rc < 0) {
            wait_event(m, 1000);
            continue;
        }
        if (!m->cfg.enabled) {
            set_state(m, ESM_DISABLED);
            wait_event(m, -1);
            continue;
        }
        if (!resolve_stream(m)) {
            set_state(m, ESM_ENABLED);
            trig__set_result(m, "PROBLEM: The event source stream does not exist");
            wait_event(m, 1000);
            continue;
        }
        run_stream(m);
    }
    free_config(m);
    pthread_mutex_lock(&m->mu);
    m->finished = true;
    pthread_mutex_unlock(&m->mu);
    return NULL;
}

static tmap_t *map_new(trig_t *t, const char *uuid, size_t len) {
    tmap_t *m = calloc(1, sizeof *m);
    if (!m) abort();
    m->t = t;
    if (len > ESM_UUID_LEN) len = ESM_UUID_LEN;
    memcpy(m->uuid, uuid, len);
    pthread_mutex_init(&m->mu, NULL);
    pthread_cond_init(&m->cond, NULL);
    m->state = ESM_CREATING;
    snprintf(m->last, sizeof m->last, "No records processed");
    if (pthread_create(&m->th, NULL, supervise, m)) abort();
    return m;
}

static void map_free(tmap_t *m) {
    pthread_join(m->th, NULL);
    pthread_mutex_destroy(&m->mu);
    pthread_cond_destroy(&m->cond);
    free(m);
}

/* Tells the mapping's supervisor (and the shard it delivers) to look again. */
static void poke(tmap_t *m, bool stop) {
    pthread_mutex_lock(&m->mu);
    if (stop) {
        m->stop = true;
    } else {
        m->reload = true;
    }
    pthread_cond_broadcast(&m->cond);
    for (size_t i = 0; i < DDB_STREAM_LANES_MAX; i++) {
        tshard_t *sh = m->sh[i];
        if (!sh) continue;
        pthread_mutex_lock(&sh->mu);
        sh->stop = true;
        pthread_cond_broadcast(&sh->cond);
        pthread_mutex_unlock(&sh->mu);
    }
    pthread_mutex_unlock(&m->mu);
}

typedef struct start_ctx {
    trig_t *t;
} start_ctx_t;

static int start_one(void *ctx, const char *key, size_t klen, const char *val, size_t vlen) {
    (void)val, (void)vlen;
    trig_t *t = ((start_ctx_t *)ctx)->t;
    tmap_t *m = map_new(t, key, klen);
    m->next = t->maps;
    t->maps = m;
    return 0;
}

int trig_start(const trig_opts_t *o, trig_t **out, ddb_error_t *err) {
    trig_t *t = calloc(1, sizeof *t);
    if (!t) abort();
    t->o = *o;
    if (!t->o.region) t->o.region = "us-east-1";
    if (!t->o.account) t->o.account = "000000000000";
    pthread_mutex_init(&t->mu, NULL);
    start_ctx_t c = {t};
    pthread_mutex_lock(&t->mu);
    int rc = ddb_kv_scan(o->engine, DDB_KV_MAPPINGS, "", 0, start_one, &c, err);
    pthread_mutex_unlock(&t->mu);
    if (rc) {
        trig_stop(t);
        return rc;
    }
    *out = t;
    return 0;
}

void trig_reload(trig_t *t, const char *uuid) {
    if (!t || !uuid) return;
    pthread_mutex_lock(&t->mu);
    tmap_t *found = NULL;
    for (tmap_t **p = &t->maps; *p;) {
        tmap_t *m = *p;
        pthread_mutex_lock(&m->mu);
        bool finished = m->finished;
        pthread_mutex_unlock(&m->mu);
        if (finished) { /* a deleted mapping's thread has ended: reap it */
            *p = m->next;
            map_free(m);
            continue;
        }
        if (strcmp(m->uuid, uuid) == 0) found = m;
        p = &m->next;
    }
    if (found) {
        poke(found, false);
    } else {
        tmap_t *m = map_new(t, uuid, strlen(uuid));
        m->next = t->maps;
        t->maps = m;
    }
    pthread_mutex_unlock(&t->mu);
}

int trig_status(trig_t *t, const char *uuid, esm_state_t *state, char *last_result, size_t n) {
    if (!t || !uuid) return -1;
    int rc = -1;
    pthread_mutex_lock(&t->mu);
    for (tmap_t *m = t->maps; m; m = m->next) {
        if (strcmp(m->uuid, uuid) != 0) continue;
        pthread_mutex_lock(&m->mu);
        if (!m->deleted) {
            if (state) *state = m->state;
            if (last_result && n) snprintf(last_result, n, "%s", m->last);
            rc = 0;
        }
        pthread_mutex_unlock(&m->mu);
        if (rc == 0) break;
    }
    pthread_mutex_unlock(&t->mu);
    return rc;
}

void trig_stop(trig_t *t) {
    if (!t) return;
    pthread_mutex_lock(&t->mu);
    for (tmap_t *m = t->maps; m; m = m->next)
        poke(m, true);
    while (t->maps) {
        tmap_t *m = t->maps;
        t->maps = m->next;
        map_free(m);
    }
    pthread_mutex_unlock(&t->mu);
    pthread_mutex_destroy(&t->mu);
    free(t);
}
