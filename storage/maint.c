/* maint.c: the maintenance thread: runs index backfills whenever woken (a
 * bounded step at a time, so writers interleave), and every
 * ttl_interval_ms the TTL sweeper, stream trimming and the sweep of expired
 * idempotency tokens; after each piece of work it commits (group commit) so
 * its writes reach the WAL. Its jobs take the writer themselves; this file
 * never does. Errors are logged: there is no caller to return them to, and
 * the next round retries. */
#include <sched.h>
#include <stdio.h>
#include <time.h>

#include "storage/backfill.h"
#include "storage/backup.h"
#include "storage/maint.h"
#include "storage/streams.h"
#include "storage/tokens.h"
#include "storage/ttl.h"

static bool maint_stopping(rk_engine_t *e) {
    pthread_mutex_lock(&e->bf_mu);
    bool stop = e->bf_stop;
    pthread_mutex_unlock(&e->bf_mu);
    return stop;
}

static void report(const char *job, int rc, const ddb_error_t *err) {
    if (rc) fprintf(stderr, "ddb: %s: %s\n", job, err->msg);
}

static void pause_between_steps(rk_engine_t *e) {
    if (!e->bf_pause_ms) {
        sched_yield();
        return;
    }
    struct timespec ts = {.tv_sec = e->bf_pause_ms / 1000,
                          .tv_nsec = (long)(e->bf_pause_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Runs rounds of a job (backfills; backup copies and restores) while they
 * have more to do, committing after each; false when stopping. */
typedef int (*round_fn)(rk_engine_t *e, bool *more, ddb_error_t *err);
static bool run_rounds(rk_engine_t *e, const char *job, round_fn round) {
    ddb_error_t err;
    for (;;) {
        bool more;
        int rc = round(e, &more, &err);
        report(job, rc, &err);
        if (rc || !more) return true;
        report("commit", rk_commit(e, &err), &err);
        if (maint_stopping(e)) return false;
        pause_between_steps(e);
    }
}

void ddb__maint_wake(rk_engine_t *e) {
    pthread_mutex_lock(&e->bf_mu);
    e->bf_wake = true;
    pthread_cond_signal(&e->bf_cond);
    pthread_mutex_unlock(&e->bf_mu);
}

static void *maint_main(void *arg) {
    rk_engine_t *e = arg;
    int64_t next_tick = ddb_now_ms() + e->ttl_interval_ms;
    for (;;) {
        pthread_mutex_lock(&e->bf_mu);
        if (!e->bf_wake && !e->bf_stop) {
            struct timespec until = {.tv_sec = next_tick / 1000,
                                     .tv_nsec = (long)(next_tick % 1000) * 1000000L};
            pthread_cond_timedwait(&e->bf_cond, &e->bf_mu, &until);
        }
        bool wake = e->bf_wake, stop = e->bf_stop;
        e->bf_wake = false;
        pthread_mutex_unlock(&e->bf_mu);
        if (stop) break;
        if (wake && !run_rounds(e, "backfill", ddb__backfill_round)) break;
        if (wake && !run_rounds(e, "backup", ddb__backup_round)) break;
        ddb_error_t err;
        int64_t now = ddb_now_ms();
        if (now >= next_tick) {
            report("TTL sweep", ddb__ttl_sweep(e, now, &err), &err);
            report("stream trimming", ddb__st_maintain(e, now, &err), &err);
            report("token sweep", ddb__token_sweep(e, now, &err), &err);
            report("backup expiry and PITR trimming", ddb__backup_maintain(e, now, &err), &err);
            /* a copy or restore whose step failed (a full disk) is retried */
            if (!run_rounds(e, "backup", ddb__backup_round)) break;
            next_tick = ddb_now_ms() + e->ttl_interval_ms;
        }
        report("commit", rk_commit(e, &err), &err);
    }
    return NULL;
}

void ddb__maint_init(rk_engine_t *e) {
    pthread_mutex_init(&e->bf_mu, NULL);
    pthread_cond_init(&e->bf_cond, NULL);
    e->bf_wake = true; /* resume backfills a previous run left unfinished */
}

bool ddb__maint_start(rk_engine_t *e) {
    e->bf_started = pthread_create(&e->bf_thread, NULL, maint_main, e) == 0;
    return e->bf_started;
}

void ddb__maint_stop(rk_engine_t *e) {
    if (e->bf_started) {
        pthread_mutex_lock(&e->bf_mu);
        e->bf_stop = true;
        pthread_cond_signal(&e->bf_cond);
        pthread_mutex_unlock(&e->bf_mu);
        pthread_join(e->bf_thread, NULL);
        e->bf_started = false;
    }
    pthread_mutex_destroy(&e->bf_mu);
    pthread_cond_destroy(&e->bf_cond);
}
