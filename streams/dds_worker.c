/* dds_worker.c: a consumer's background thread. It lists the stream's shards, keeps the
 * leases (renewing its own, creating leases for shards whose parents are finished, taking
 * expired ones and stealing to balance), and reads each shard it holds, one batch queued per
 * shard at a time, in order. State changes happen under the consumer's mutex; every HTTP call
 * is made without it, and its result is applied only if the shard's generation is unchanged
 * (a lease lost or retaken in between makes the result stale). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "streams/dds_core.h"

#define ITER_MAX_AGE_MS (14 * 60 * 1000) /* iterators last 15 minutes: renew before */

typedef struct bg {
    dds_consumer *c;
    int64_t next_sync, next_scan, next_renew;
    int64_t sync_every;
    int last_code; /* the report limiter: one report of a kind per 5 s */
    char last_type[96];
    int64_t last_report;
} bg_t;

/* Queues an error report for the caller (holds mu), at most one of a kind per 5 s. */
static void report(bg_t *g, dds_error *e, const char *shard) {
    int64_t now = dds__now_ms();
    if (e->code == DDS_ECLOSED) return;
    bool same = e->code == g->last_code && !strcmp(e->type, g->last_type);
    if (same && now - g->last_report < 5000 && e->code != DDS_ELEASE_LOST && e->code != DDS_EGAP)
        return;
    g->last_code = e->code;
    dds__copy(g->last_type, sizeof g->last_type, e->type);
    g->last_report = now;
    if (shard) dds__copy(e->shard_id, sizeof e->shard_id, shard);
    dds__push(g->c, NULL, e);
}

/* The shard stops being read here (holds mu). */
static void drop(dds_shard *s) {
    s->active = s->owned = false;
    s->gen++;
    free(s->iter);
    s->iter = NULL;
}

static void lost(bg_t *g, dds_shard *s, const char *why) {
    drop(s);
    dds_error e;
    dds__fail(&e, DDS_ELEASE_LOST, "shard %s: %s", s->id, why);
    report(g, &e, s->id);
}

/* Applies the outcome of a conditional write to shard s's lease (holds mu): the new counter,
 * or the lease lost, or a report. True when it was written. */
static bool written(bg_t *g, dds_shard *s, int rc, dds_error *e, int64_t counter) {
    if (!rc) {
        s->counter = counter;
        return true;
    }
    if (rc == DDS_ELEASE_LOST)
        lost(g, s, "the lease was taken by another worker");
    else
        report(g, e, s->id);
    return false;
}

/* ---- shards ---------------------------------------------------------------------------- */

/* Without leases every shard is ours once its parent is read (holds mu). */
static void tail_eligible(dds_consumer *c, bool first) {
    for (size_t i = 0; i < c->nshards; i++) {
        dds_shard *s = &c->shards[i];
        if (s->active || s->ended || !s->listed) continue;
        dds_shard *p = s->parent[0] ? dds__shard(c, s->parent, false) : NULL;
        if (first && c->cfg.start == DDS_LATEST) {
            if (s->end_seq[0]) {
                s->ended = true; /* before LATEST: not read */
                continue;
            }
            dds__copy(s->position, sizeof s->position, DDS__CK_LATEST);
        } else if (p && p->listed && !p->ended) {
            continue; /* its parent first */
        } else {
            dds__copy(s->position, sizeof s->position, DDS__CK_TRIM);
        }
        s->active = true;
        s->gen++;
        s->next_read_ms = 0;
    }
}

static void sync_shards(bg_t *g) {
    dds_consumer *c = g->c;
    dds_listed *l;
    size_t n;
    dds_error e;
    int rc = dds__describe(c->bg, c->stream_arn, &l, &n, &e);
    pthread_mutex_lock(&c->mu);
    if (rc) {
        report(g, &e, NULL);
    } else {
        for (size_t i = 0; i < c->nshards; i++)
            c->shards[i].listed = false;
        for (size_t i = 0; i < n; i++) {
            dds_shard *s = dds__shard(c, l[i].id, true);
            if (!s) break;
            s->listed = true;
            dds__copy(s->parent, sizeof s->parent, l[i].parent);
            dds__copy(s->end_seq, sizeof s->end_seq, l[i].end);
        }
        if (!c->cfg.app) tail_eligible(c, !c->synced_once);
        c->synced_once = true;
    }
    pthread_mutex_unlock(&c->mu);
    free(l);
}

/* ---- leases ---------------------------------------------------------------------------- */

static void renew_all(bg_t *g) {
    dds_consumer *c = g->c;
    for (size_t i = 0;; i++) {
        pthread_mutex_lock(&c->lease_mu);
        pthread_mutex_lock(&c->mu);
        if (i >= c->nshards || atomic_load(&c->closing)) {
            pthread_mutex_unlock(&c->mu);
            pthread_mutex_unlock(&c->lease_mu);
            return;
        }
        dds_shard *s = &c->shards[i];
        if (!s->owned) {
            pthread_mutex_unlock(&c->mu);
            pthread_mutex_unlock(&c->lease_mu);
            continue;
        }
        char id[DDS__ID_MAX];
        dds__copy(id, sizeof id, s->id);
        int64_t counter = s->counter, gen = (int64_t)s->gen, start = dds__now_ms();
        pthread_mutex_unlock(&c->mu);
        dds_error e;
        int rc = dds__lease_renew(c->bg, c->app, id, c->worker, &counter, &e);
        pthread_mutex_lock(&c->mu);
        s = dds__shard(c, id, false);
        if (s && s->owned && (int64_t)s->gen == gen && written(g, s, rc, &e, counter))
            s->renewed_ms = start;
        pthread_mutex_unlock(&c->mu);
        pthread_mutex_unlock(&c->lease_mu);
    }
}

/* Leases not renewed within lease_ms are given up here before anyone can take them. */
static void expire_own(bg_t *g) {
    dds_consumer *c = g->c;
    int64_t now = dds__now_ms();
    for (size_t i = 0; i < c->nshards; i++) {
        dds_shard *s = &c->shards[i];
        if (s->owned && now - s->renewed_ms > c->lease_ms)
            lost(g, s, "the lease could not be renewed in time");
    }
}

/* Remembers the scan, noting when each lease's counter (or owner) last changed (holds mu). */
static void note_scan(dds_consumer *c, const dds_lease *l, size_t n, int64_t now) {
    dds_seen *ns = calloc(n ? n : 1, sizeof *ns);
    if (!ns) return;
    for (size_t i = 0; i < n; i++) {
        ns[i].lease = l[i];
        ns[i].seen_ms = now;
        for (size_t j = 0; j < c->nseen; j++) {
            const dds_lease *o = &c->seen[j].lease;
            if (!strcmp(o->key, l[i].key) && o->counter == l[i].counter &&
                !strcmp(o->owner, l[i].owner))
                ns[i].seen_ms = c->seen[j].seen_ms;
        }
    }
    free(c->seen);
    c->seen = ns;
    c->nseen = n;
}

static bool of_stream(const dds_consumer *c, const dds_lease *l) {
    if (l->stream[0]) return !strcmp(l->stream, c->stream_arn);
    for (size_t i = 0; i < c->nshards; i++) /* a KCL-made lease: by its shard */
        if (c->shards[i].listed && !strcmp(c->shards[i].id, l->key)) return true;
    return false;
}

static const dds_lease *lease_of(const dds_lease *l, size_t n, const char *key) {
    for (size_t i = 0; i < n; i++)
        if (!strcmp(l[i].key, key)) return &l[i];
    return NULL;
}

/* The leases to create and delete after a scan (holds mu): *mk new leases, *rm stale ones. */
static void plan_table(dds_consumer *c, const dds_lease *l, size_t n, dds_lease *mk, size_t *nmk,
                       dds_lease *rm, size_t *nrm, size_t cap) {
    *nmk = *nrm = 0;
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        if (!of_stream(c, &l[i])) {
            if (*nrm < cap && l[i].stream[0]) rm[(*nrm)++] = l[i]; /* another stream's */
            continue;
        }
        any = true;
        dds_shard *s = dds__shard(c, l[i].key, false);
        if (!strcmp(l[i].checkpoint, DDS__CK_END) && (!s || !s->listed) && *nrm < cap)
            rm[(*nrm)++] = l[i]; /* finished and trimmed away */
    }
    bool first = !any && !c->leases_exist;
    if (any) c->leases_exist = true;
    for (size_t i = 0; i < c->nshards && *nmk < cap; i++) {
        dds_shard *s = &c->shards[i];
        if (!s->listed || lease_of(l, n, s->id)) continue;
        const dds_shard *p = s->parent[0] ? dds__shard(c, s->parent, false) : NULL;
        bool parent_listed = p && p->listed;
        const dds_lease *pl = parent_listed ? lease_of(l, n, p->id) : NULL;
        const char *ck;
        if (first && c->cfg.start == DDS_LATEST) {
            ck = s->end_seq[0] ? DDS__CK_END : DDS__CK_LATEST; /* the past is skipped */
        } else if (!parent_listed || (pl && !strcmp(pl->checkpoint, DDS__CK_END))) {
            ck = DDS__CK_TRIM;
        } else {
            continue; /* its parent is not finished */
        }
        dds_lease *m = &mk[(*nmk)++];
        memset(m, 0, sizeof *m);
        dds__copy(m->key, sizeof m->key, s->id);
        dds__copy(m->checkpoint, sizeof m->checkpoint, ck);
        dds__copy(m->parents[0], sizeof m->parents[0], s->parent);
        dds__copy(m->stream, sizeof m->stream, c->stream_arn);
    }
}

/* Takes leases as dds__plan decides. */
static void take_leases(bg_t *g) {
    dds_consumer *c = g->c;
    int64_t now = dds__now_ms();
    pthread_mutex_lock(&c->mu);
    size_t n = 0;
    dds_view_lease *v = calloc(c->nseen ? c->nseen : 1, sizeof *v);
    dds_lease *ls = calloc(c->nseen ? c->nseen : 1, sizeof *ls);
    for (size_t i = 0; v && ls && i < c->nseen; i++) {
        const dds_lease *l = &c->seen[i].lease;
        if (!of_stream(c, l) || !strcmp(l->checkpoint, DDS__CK_END)) continue;
        ls[n] = *l;
        dds_shard *s = dds__shard(c, l->key, false);
        /* ours on the table but not held here (a restart with the same id): free to take */
        if (!strcmp(l->owner, c->worker) && !(s && s->owned)) ls[n].owner[0] = 0;
        v[n].lease = &ls[n];
        v[n].seen_ms = c->seen[i].seen_ms;
        n++;
    }
    dds_plan p;
    memset(&p, 0, sizeof p);
    if (v && ls) dds__plan(v, n, c->worker, now, c->lease_ms, c->cfg.max_leases, &p);
    size_t want[65], nw = 0;
    for (size_t i = 0; i < p.ntake && i < 64; i++)
        want[nw++] = p.take[i];
    if (p.steal && p.steal_at < n) want[nw++] = p.steal_at;
    pthread_mutex_unlock(&c->mu);

    for (size_t i = 0; i < nw && !atomic_load(&c->closing); i++) {
        const dds_lease *l = v[want[i]].lease;
        int64_t counter = l->counter, start = dds__now_ms();
        bool sw = l->owner[0] && strcmp(l->owner, c->worker);
        dds_error e;
        pthread_mutex_lock(&c->lease_mu);
        int rc = dds__lease_take(c->bg, c->app, l->key, c->worker, sw, &counter, &e);
        pthread_mutex_lock(&c->mu);
        dds_shard *s = rc ? NULL : dds__shard(c, l->key, true);
        if (s) {
            free(s->iter);
            s->iter = NULL;
            s->owned = s->active = true;
            s->gen++;
            s->counter = counter;
            s->renewed_ms = start;
            dds__copy(s->checkpoint, sizeof s->checkpoint, l->checkpoint);
            dds__copy(s->position, sizeof s->position, l->checkpoint);
            bool seq = l->checkpoint[0] >= '0' && l->checkpoint[0] <= '9';
            dds__copy(s->ckpt_done, sizeof s->ckpt_done, seq ? l->checkpoint : "");
            s->last_read[0] = 0;
            s->ended = s->queued = false;
            s->next_read_ms = 0;
            s->errors = 0;
        } else if (rc && rc != DDS_ELEASE_LOST) {
            report(g, &e, l->key);
        }
        pthread_mutex_unlock(&c->mu);
        pthread_mutex_unlock(&c->lease_mu);
    }
    free(v);
    free(ls);
}

static void lease_round(bg_t *g) {
    dds_consumer *c = g->c;
    dds_lease *l;
    size_t n;
    dds_error e;
    int rc = dds__lease_scan(c->bg, c->app, &l, &n, &e);
    if (rc) {
        pthread_mutex_lock(&c->mu);
        report(g, &e, NULL);
        pthread_mutex_unlock(&c->mu);
        return;
    }
    enum { CAP = 256 };
    dds_lease *mk = calloc(CAP, sizeof *mk), *rm = calloc(CAP, sizeof *rm);
    size_t nmk = 0, nrm = 0;
    pthread_mutex_lock(&c->mu);
    note_scan(c, l, n, dds__now_ms());
    if (mk && rm) plan_table(c, l, n, mk, &nmk, rm, &nrm, CAP);
    pthread_mutex_unlock(&c->mu);
    int made = 0;
    for (size_t i = 0; i < nmk && !atomic_load(&c->closing); i++) {
        int created = 0;
        if (dds__lease_create(c->bg, c->app, &mk[i], &created, &e)) {
            pthread_mutex_lock(&c->mu);
            report(g, &e, mk[i].key);
            pthread_mutex_unlock(&c->mu);
            break;
        }
        made += created;
    }
    for (size_t i = 0; i < nrm && !atomic_load(&c->closing); i++)
        dds__lease_delete(c->bg, c->app, rm[i].key, rm[i].counter, &e);
    free(mk);
    free(rm);
    free(l);
    if (made) {
        g->next_scan = 0; /* take them without waiting a round */
        return;
    }
    take_leases(g);
}

/* Writes SHARD_END for a shard read to its end with everything before it checkpointed. */
static void finish(bg_t *g, const char *id) {
    dds_consumer *c = g->c;
    pthread_mutex_lock(&c->lease_mu);
    pthread_mutex_lock(&c->mu);
    dds_shard *s = dds__shard(c, id, false);
    if (!s || !s->owned || !s->ended || !strcmp(s->checkpoint, DDS__CK_END) ||
        (s->last_read[0] && dds__seq_cmp(s->ckpt_done, s->last_read))) {
        pthread_mutex_unlock(&c->mu);
        pthread_mutex_unlock(&c->lease_mu);
        return;
    }
    int64_t counter = s->counter;
    uint64_t gen = s->gen;
    pthread_mutex_unlock(&c->mu);
    dds_error e;
    int rc = dds__lease_checkpoint(c->bg, c->app, id, c->worker, DDS__CK_END, &counter, &e);
    pthread_mutex_lock(&c->mu);
    s = dds__shard(c, id, false);
    if (s && s->gen == gen && written(g, s, rc, &e, counter))
        dds__copy(s->checkpoint, sizeof s->checkpoint, DDS__CK_END);
    pthread_mutex_unlock(&c->mu);
    pthread_mutex_unlock(&c->lease_mu);
}

/* A finished shard's lease is let go, so balancing counts only unfinished work. */
static void release_finished(bg_t *g) {
    dds_consumer *c = g->c;
    for (size_t i = 0;; i++) {
        pthread_mutex_lock(&c->lease_mu);
        pthread_mutex_lock(&c->mu);
        if (i >= c->nshards) {
            pthread_mutex_unlock(&c->mu);
            pthread_mutex_unlock(&c->lease_mu);
            return;
        }
        dds_shard *s = &c->shards[i];
        bool go = s->owned && !s->queued && !strcmp(s->checkpoint, DDS__CK_END);
        char id[DDS__ID_MAX];
        dds__copy(id, sizeof id, s->id);
        int64_t counter = s->counter;
        if (go) drop(s);
        pthread_mutex_unlock(&c->mu);
        if (go) {
            dds_error e;
            dds__lease_release(c->bg, c->app, id, c->worker, &counter, &e);
            g->next_scan = 0; /* its children can be leased now */
            g->next_sync = 0;
        }
        pthread_mutex_unlock(&c->lease_mu);
    }
}

/* ---- reading --------------------------------------------------------------------------- */

static bool is(const dds_error *e, const char *type) {
    return !strcmp(e->type, type);
}

/* The shard's records are gone (trimmed) from its position on: report, and move past it. */
static void gone(bg_t *g, dds_shard *s) {
    dds_error e;
    dds__fail(&e, DDS_EGAP, "shard %s: its records from %s on were trimmed", s->id,
              s->last_read[0] ? s->last_read : s->position);
    report(g, &e, s->id);
    s->ended = true;
    free(s->iter);
    s->iter = NULL;
}

/* One read of shard index i. Returns true when it made progress worth another round now. */
static bool read_one(bg_t *g, size_t i) {
    dds_consumer *c = g->c;
    pthread_mutex_lock(&c->mu);
    dds_shard *s = &c->shards[i];
    int64_t now = dds__now_ms();
    if (!s->active || s->queued || s->ended || now < s->next_read_ms) {
        pthread_mutex_unlock(&c->mu);
        return false;
    }
    char id[DDS__ID_MAX], pos[DDS__SEQ_MAX], from[DDS__SEQ_MAX];
    dds__copy(id, sizeof id, s->id);
    dds__copy(pos, sizeof pos, s->last_read[0] ? s->last_read : s->position);
    dds__copy(from, sizeof from, pos);
    uint64_t gen = s->gen;
    char *iter = s->iter;
    if (iter && now - s->iter_ms > ITER_MAX_AGE_MS) {
        free(iter);
        iter = NULL;
    }
    s->iter = NULL;
    pthread_mutex_unlock(&c->mu);

    dds_error e = {0};
    int rc = 0;
    bool gap = false, shard_gone = false;
    dds_batch *b = NULL;
    char *next = NULL;
    for (int attempt = 0; attempt < 3; attempt++) {
        if (!iter) {
            if (!strcmp(pos, DDS__CK_END)) break;
            rc = dds__iterator(c->bg, c->stream_arn, id, pos, &iter, &e);
            if (rc && is(&e, "TrimmedDataAccessException")) {
                gap = true;
                rc = dds__iterator(c->bg, c->stream_arn, id, DDS__CK_TRIM, &iter, &e);
            }
            if (rc && is(&e, "ResourceNotFoundException")) shard_gone = true;
            if (rc) break;
            now = dds__now_ms();
        }
        rc = dds__get_records(c->bg, iter, c->cfg.max_records, id, &b, &next, &e);
        free(iter);
        iter = NULL;
        if (!rc) break;
        if (is(&e, "ExpiredIteratorException")) continue;
        if (is(&e, "TrimmedDataAccessException")) {
            gap = true;
            dds__copy(pos, sizeof pos, DDS__CK_TRIM);
            continue;
        }
        if (is(&e, "ResourceNotFoundException")) shard_gone = true;
        break;
    }

    pthread_mutex_lock(&c->mu);
    s = dds__shard(c, id, false);
    bool again = false, end = false;
    if (!s || s->gen != gen || !s->active) {
        dds_batch_free(b);
        free(next);
    } else if (shard_gone) {
        gone(g, s);
        end = true;
    } else if (rc) {
        s->errors++;
        int64_t wait = (int64_t)c->poll_ms << (s->errors < 8 ? s->errors : 8);
        s->next_read_ms = dds__now_ms() + (wait > 5000 ? 5000 : wait);
        report(g, &e, id);
    } else {
        s->errors = 0;
        if (gap) {
            dds_error ge;
            const char *first = b && b->n ? b->recs[0].seq : "";
            dds__fail(&ge, DDS_EGAP,
                      "shard %s: records after %s were trimmed; reading resumes at %s", id, from,
                      first[0] ? first : "its end");
            dds__copy(ge.seq, sizeof ge.seq, first);
            report(g, &ge, id);
        }
        s->iter = next;
        s->iter_ms = now;
        if (!next) {
            s->ended = true;
            end = true;
        }
        if (b && b->n) {
            dds__copy(s->last_read, sizeof s->last_read, b->recs[b->n - 1].seq);
            b->lease_gen = gen;
            b->shard_end = !next;
            s->queued = true;
            dds__push(c, b, NULL);
            again = true;
        } else {
            dds_batch_free(b);
            s->next_read_ms = dds__now_ms() + c->poll_ms;
        }
    }
    pthread_mutex_unlock(&c->mu);
    if (end) {
        g->next_sync = 0; /* its children appear */
        if (c->cfg.app) finish(g, id);
    }
    return again;
}

/* ---- the loop -------------------------------------------------------------------------- */

static void wait_until(dds_consumer *c, int64_t until) {
    pthread_mutex_lock(&c->mu);
    int64_t now = dds__now_ms();
    if (until > now && !atomic_load(&c->closing) && !c->kicked) {
        struct timespec ts;
        dds__abstime(&ts, until - now);
        pthread_cond_timedwait(&c->wake_bg, &c->mu, &ts);
    }
    c->kicked = false;
    pthread_mutex_unlock(&c->mu);
}

void *dds__run(void *arg) {
    dds_consumer *c = arg;
    bg_t g = {.c = c, .sync_every = dc_custom_endpoint(c->bg) ? 1000 : 10000};
    while (!atomic_load(&c->closing)) {
        int64_t now = dds__now_ms();
        if (now >= g.next_sync) {
            g.next_sync = now + g.sync_every;
            sync_shards(&g);
        }
        if (c->cfg.app && c->synced_once) {
            if (now >= g.next_renew) {
                g.next_renew = now + c->lease_ms / 3;
                renew_all(&g);
            }
            pthread_mutex_lock(&c->mu);
            expire_own(&g);
            pthread_mutex_unlock(&c->mu);
            release_finished(&g);
            if (dds__now_ms() >= g.next_scan) {
                g.next_scan = dds__now_ms() + (c->lease_ms / 10 > 100 ? c->lease_ms / 10 : 100);
                lease_round(&g);
            }
        }
        bool again = false;
        for (size_t i = 0; i < c->nshards && !atomic_load(&c->closing); i++)
            again |= read_one(&g, i);
        if (again) continue;
        /* sleep until the next thing due: a read, a renewal, a scan, a sync */
        int64_t until = g.next_sync;
        if (c->cfg.app) {
            if (g.next_renew < until) until = g.next_renew;
            if (g.next_scan < until) until = g.next_scan;
        }
        pthread_mutex_lock(&c->mu);
        for (size_t i = 0; i < c->nshards; i++) {
            const dds_shard *s = &c->shards[i];
            if (s->active && !s->queued && !s->ended && s->next_read_ms < until)
                until = s->next_read_ms;
        }
        pthread_mutex_unlock(&c->mu);
        wait_until(c, until);
    }
    return NULL;
}
