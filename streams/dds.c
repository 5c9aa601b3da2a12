/* dds.c: the caller's side of a consumer: opening it (configuration, the stream, the lease
 * table, the background thread), taking batches from the queue the background thread fills,
 * checkpoints, the readiness descriptor, and closing (stopping the thread, releasing leases).
 * The queue holds at most one batch per shard, so memory is bounded by the shards read times
 * max_records, never by the backlog. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "streams/dds_core.h"

int64_t dds__now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void dds__abstime(struct timespec *ts, int64_t ms) {
    clock_gettime(CLOCK_MONOTONIC, ts);
    int64_t ns = ts->tv_nsec + ms % 1000 * 1000000;
    ts->tv_sec += ms / 1000 + ns / 1000000000;
    ts->tv_nsec = ns % 1000000000;
}

int dds__seq_cmp(const char *a, const char *b) {
    while (*a == '0' && a[1])
        a++;
    while (*b == '0' && b[1])
        b++;
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb) return la < lb ? -1 : 1;
    int c = strcmp(a, b);
    return c < 0 ? -1 : c > 0;
}

dds_shard *dds__shard(dds_consumer *c, const char *id, bool create) {
    for (size_t i = 0; i < c->nshards; i++) {
        if (!strcmp(c->shards[i].id, id)) return &c->shards[i];
    }
    if (!create || c->nshards >= DDS__MAX_SHARDS) return NULL;
    if (c->nshards == c->capshards) {
        size_t nc = c->capshards ? c->capshards * 2 : 16;
        dds_shard *g = realloc(c->shards, nc * sizeof *g);
        if (!g) return NULL;
        c->shards = g;
        c->capshards = nc;
    }
    dds_shard *s = &c->shards[c->nshards++];
    memset(s, 0, sizeof *s);
    dds__copy(s->id, sizeof s->id, id);
    return s;
}

void dds__kick(dds_consumer *c) {
    c->kicked = true;
    pthread_cond_signal(&c->wake_bg);
}

void dds__push(dds_consumer *c, dds_batch *b, const dds_error *err) {
    dds_qitem *q = calloc(1, sizeof *q);
    if (!q) {
        dds_batch_free(b);
        return;
    }
    q->batch = b;
    if (err) q->err = *err;
    if (c->tail)
        c->tail->next = q;
    else
        c->head = q;
    c->tail = q;
    c->queued++;
    uint64_t one = 1;
    if (c->queued == 1 && write(c->efd, &one, sizeof one) < 0) {
        /* the counter cannot overflow here: it is drained whenever the queue empties */
    }
    pthread_cond_signal(&c->wake_user);
}

/* Takes the head of the queue (holds mu). */
static dds_qitem *pop(dds_consumer *c) {
    dds_qitem *q = c->head;
    if (!q) return NULL;
    c->head = q->next;
    if (!c->head) c->tail = NULL;
    if (--c->queued == 0) {
        uint64_t v;
        if (read(c->efd, &v, sizeof v) < 0) { /* already drained: nothing to do */
        }
    }
    return q;
}

static int check_config(const dds_config *cfg, dds_error *err) {
    if (!cfg || !cfg->table || !cfg->table[0])
        return dds__fail(err, DDS_EINVAL, "dds_config.table is required");
    if (strlen(cfg->table) >= 512) return dds__fail(err, DDS_EINVAL, "dds_config.table too long");
    if (cfg->start != DDS_TRIM_HORIZON && cfg->start != DDS_LATEST)
        return dds__fail(err, DDS_EINVAL,
                         "dds_config.start must be DDS_TRIM_HORIZON or DDS_LATEST");
    if (cfg->max_records < 0 || cfg->max_records > 1000)
        return dds__fail(err, DDS_EINVAL, "dds_config.max_records must be 1..1000 (0: 1000)");
    if (cfg->lease_ms < 0 || (cfg->lease_ms && cfg->lease_ms < 100))
        return dds__fail(err, DDS_EINVAL, "dds_config.lease_ms must be at least 100 (0: 10000)");
    if (cfg->poll_ms < 0 || cfg->max_leases < 0)
        return dds__fail(err, DDS_EINVAL, "dds_config.poll_ms and max_leases must be >= 0");
    if (cfg->app && (strlen(cfg->app) < 3 || strlen(cfg->app) > 255))
        return dds__fail(err, DDS_EINVAL, "dds_config.app must be a table name (3..255 bytes)");
    if (cfg->worker_id && (!cfg->worker_id[0] || strlen(cfg->worker_id) >= DDS__ID_MAX))
        return dds__fail(err, DDS_EINVAL, "dds_config.worker_id must be 1..79 bytes");
    return 0;
}

static void destroy(dds_consumer *c) {
    dds_qitem *q;
    while ((q = pop(c))) {
        dds_batch_free(q->batch);
        free(q);
    }
    for (size_t i = 0; i < c->nshards; i++)
        free(c->shards[i].iter);
    free(c->shards);
    free(c->seen);
    if (c->bg) dc_close(c->bg);
    if (c->user) dc_close(c->user);
    if (c->efd >= 0) close(c->efd);
    pthread_mutex_destroy(&c->mu);
    pthread_mutex_destroy(&c->lease_mu);
    pthread_cond_destroy(&c->wake_bg);
    pthread_cond_destroy(&c->wake_user);
    free(c);
}

dds_consumer *dds_open(const dds_config *cfg, dds_error *err) {
    dds_error scratch;
    if (!err) err = &scratch;
    memset(err, 0, sizeof *err);
    if (check_config(cfg, err)) return NULL;
    dds_consumer *c = calloc(1, sizeof *c);
    if (!c) {
        dds__fail(err, DDS_EINVAL, "out of memory");
        return NULL;
    }
    c->cfg = *cfg;
    c->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    pthread_mutex_init(&c->mu, NULL);
    pthread_mutex_init(&c->lease_mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&c->wake_bg, &ca);
    pthread_cond_init(&c->wake_user, &ca);
    pthread_condattr_destroy(&ca);
    if (c->efd < 0) {
        dds__fail(err, DDS_EINVAL, "eventfd: %s", strerror(errno));
        destroy(c);
        return NULL;
    }
    dds__copy(c->table, sizeof c->table, cfg->table);
    dds__copy(c->app, sizeof c->app, cfg->app);
    c->cfg.table = c->table;
    c->cfg.app = cfg->app ? c->app : NULL;
    if (cfg->worker_id) {
        dds__copy(c->worker, sizeof c->worker, cfg->worker_id);
    } else {
        char host[64] = "host";
        gethostname(host, sizeof host - 1);
        snprintf(c->worker, sizeof c->worker, "%.60s-%ld", host, (long)getpid());
    }
    c->cfg.worker_id = c->worker;
    c->cfg.endpoint = c->cfg.region = c->cfg.profile = NULL; /* not kept: the clients have them */
    if (!c->cfg.max_records) c->cfg.max_records = 1000;
    c->lease_ms = cfg->lease_ms ? cfg->lease_ms : 10000;

    dc_options_t o = {.endpoint = cfg->endpoint, .region = cfg->region, .profile = cfg->profile};
    dc_error_t ce;
    if (!(c->bg = dc_open(&o, &ce)) || !(c->user = dc_dup(c->bg, &ce))) {
        dds__from_client(&ce, err);
        destroy(c);
        return NULL;
    }
    dc_set_abort(c->bg, &c->closing);
    c->poll_ms = cfg->poll_ms ? cfg->poll_ms : dc_custom_endpoint(c->bg) ? 20 : 250;

    int rc = 0;
    if (!strncmp(cfg->table, "arn:", 4))
        dds__copy(c->stream_arn, sizeof c->stream_arn, cfg->table);
    else
        rc = dds__resolve_stream(c->user, cfg->table, c->stream_arn, sizeof c->stream_arn, err);
    if (!rc && c->cfg.app) rc = dds__lease_table(c->user, c->app, err);
    if (!rc && pthread_create(&c->thread, NULL, dds__run, c))
        rc = dds__fail(err, DDS_EINVAL, "cannot start the background thread");
    if (rc) {
        destroy(c);
        return NULL;
    }
    c->started = true;
    return c;
}

int dds_next(dds_consumer *c, dds_batch **out, int timeout_ms) {
    *out = NULL;
    int64_t deadline = timeout_ms < 0 ? INT64_MAX : dds__now_ms() + timeout_ms;
    pthread_mutex_lock(&c->mu);
    for (;;) {
        dds_qitem *q = pop(c);
        if (q) {
            dds_batch *b = q->batch;
            int rc = 0;
            if (!b) {
                c->last = q->err;
                rc = q->err.code;
            } else {
                dds_shard *s = dds__shard(c, b->shard_id, false);
                if (s) s->queued = false;
                dds__kick(c); /* the shard can be read again */
                if (s && s->active && s->gen == b->lease_gen) {
                    *out = b;
                    rc = 1;
                } else {
                    dds_batch_free(b); /* read under a lease since lost */
                }
            }
            free(q);
            if (rc) {
                pthread_mutex_unlock(&c->mu);
                return rc;
            }
            continue;
        }
        if (atomic_load(&c->closing)) {
            pthread_mutex_unlock(&c->mu);
            dds__fail(&c->last, DDS_ECLOSED, "the consumer is closing");
            return DDS_ECLOSED;
        }
        int64_t now = dds__now_ms();
        if (now >= deadline) break;
        int64_t until = deadline - now > 3600000 ? now + 3600000 : deadline;
        struct timespec ts;
        dds__abstime(&ts, until - now);
        pthread_cond_timedwait(&c->wake_user, &c->mu, &ts);
    }
    pthread_mutex_unlock(&c->mu);
    return 0;
}

const dds_error *dds_last_error(const dds_consumer *c) {
    return &c->last;
}

int dds_fd(dds_consumer *c) {
    return c->efd;
}

const char *dds_stream_arn(const dds_consumer *c) {
    return c->stream_arn;
}

const char *dds_worker_id(const dds_consumer *c) {
    return c->worker;
}

static int ck_fail(dds_consumer *c, int code, const char *shard, const char *fmt, const char *a) {
    dds__fail(&c->last, code, fmt, a);
    dds__copy(c->last.shard_id, sizeof c->last.shard_id, shard);
    return code;
}

int dds_checkpoint(dds_consumer *c, const dds_batch *b, const char *seq) {
    if (!b || !b->n) return ck_fail(c, DDS_EINVAL, "", "checkpoint of an empty batch%s", "");
    const char *at = b->recs[b->n - 1].seq;
    if (seq) {
        size_t i = 0;
        while (i < b->n && strcmp(b->recs[i].seq, seq))
            i++;
        if (i == b->n)
            return ck_fail(c, DDS_EINVAL, b->shard_id, "sequence number %s is not in the batch",
                           seq);
        at = b->recs[i].seq;
    }
    pthread_mutex_lock(&c->lease_mu);
    pthread_mutex_lock(&c->mu);
    dds_shard *s = dds__shard(c, b->shard_id, false);
    if (!s || !s->active || s->gen != b->lease_gen) {
        pthread_mutex_unlock(&c->mu);
        pthread_mutex_unlock(&c->lease_mu);
        return ck_fail(c, DDS_ELEASE_LOST, b->shard_id,
                       "shard %s is no longer leased to this worker", b->shard_id);
    }
    if (s->ckpt_done[0] && dds__seq_cmp(at, s->ckpt_done) <= 0) {
        pthread_mutex_unlock(&c->mu);
        pthread_mutex_unlock(&c->lease_mu);
        return 0; /* already covered */
    }
    /* the shard's last record checkpointed: the shard is finished */
    bool end = s->ended && !dds__seq_cmp(at, s->last_read);
    char value[DDS__SEQ_MAX];
    dds__copy(value, sizeof value, end ? DDS__CK_END : at);
    int64_t counter = s->counter;
    pthread_mutex_unlock(&c->mu);

    int rc = 0;
    dds_error e = {0};
    if (c->cfg.app)
        rc = dds__lease_checkpoint(c->user, c->app, b->shard_id, c->worker, value, &counter, &e);
    pthread_mutex_lock(&c->mu);
    s = dds__shard(c, b->shard_id, false);
    if (s && !rc) {
        s->counter = counter;
        dds__copy(s->checkpoint, sizeof s->checkpoint, value);
        dds__copy(s->ckpt_done, sizeof s->ckpt_done, at);
        if (end) dds__kick(c); /* children may start */
    } else if (s && rc == DDS_ELEASE_LOST && s->gen == b->lease_gen) {
        s->active = s->owned = false;
        s->gen++;
    }
    pthread_mutex_unlock(&c->mu);
    pthread_mutex_unlock(&c->lease_mu);
    if (rc) {
        c->last = e;
        dds__copy(c->last.shard_id, sizeof c->last.shard_id, b->shard_id);
        if (rc == DDS_ELEASE_LOST)
            snprintf(c->last.message, sizeof c->last.message,
                     "shard %s is no longer leased to this worker", b->shard_id);
    }
    return rc;
}

int dds_close(dds_consumer *c) {
    if (!c) return 0;
    pthread_mutex_lock(&c->mu);
    atomic_store(&c->closing, 1);
    dds__kick(c);
    pthread_cond_broadcast(&c->wake_user);
    pthread_mutex_unlock(&c->mu);
    if (c->started) pthread_join(c->thread, NULL);
    int first = 0;
    for (size_t i = 0; c->cfg.app && i < c->nshards; i++) {
        dds_shard *s = &c->shards[i];
        if (!s->owned) continue;
        dds_error e;
        int rc = dds__lease_release(c->user, c->app, s->id, c->worker, &s->counter, &e);
        if (rc && rc != DDS_ELEASE_LOST && !first) first = rc;
    }
    destroy(c);
    return first;
}
