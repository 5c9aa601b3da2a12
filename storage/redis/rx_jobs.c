/* rx_jobs.c: the cluster's background jobs (a restore's fill, a GSI's
 * backfill). A job runs in a thread of its own on the front end that
 * started it, holding a lease in the catalog's slot that it renews as it
 * goes (ddb.lua's ddb_lease); when that front end stops or dies, its lease
 * expires and any front end's sweeper resumes the job from what the
 * catalog says is left. Jobs see e->stop and return, leaving the rest to a
 * resume; rx_close waits for them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "storage/redis/rx_int.h"

/* ddb_lease on key: ms > 0 takes or renews it for this front end, 0 gives
 * it up; whether it is (was) this front end's. */
static bool lease_call(rx_engine_t *e, const char *key, int ms) {
    char n[16];
    snprintf(n, sizeof n, "%d", ms);
    const char *argv[] = {"FCALL", "ddb_lease", "1", key, e->owner, n};
    redisReply *r;
    ddb_error_t err;
    if (rx__cat(e, true, 6, argv, NULL, &r, &err)) return false;
    bool ok = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
    freeReplyObject(r);
    return ok;
}

bool rx__job_lease(rx_engine_t *e, const char *key) {
    return lease_call(e, key, RX_JOB_LEASE_MS);
}

void rx__job_release(rx_engine_t *e, const char *key) {
    (void)lease_call(e, key, 0);
}

bool rx__job_leased(rx_engine_t *e, const char *key) {
    const char *argv[] = {"EXISTS", key};
    redisReply *r;
    ddb_error_t err;
    if (rx__cat(e, false, 2, argv, NULL, &r, &err)) return true; /* unknown: leave it */
    bool held = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
    freeReplyObject(r);
    return held;
}

bool rx__job_sleep(rx_engine_t *e, int ms) {
    while (ms > 0 && !atomic_load(&e->stop)) {
        int step = ms < 50 ? ms : 50;
        struct timespec ts = {0, (long)step * 1000000L};
        nanosleep(&ts, NULL);
        ms -= step;
    }
    return !atomic_load(&e->stop);
}

typedef struct job {
    rx_engine_t *e;
    rx_job_fn fn;
    void *arg;
} job_t;

static void *job_main(void *p) {
    job_t *j = p;
    rx_engine_t *e = j->e;
    j->fn(e, j->arg);
    free(j);
    pthread_mutex_lock(&e->mu);
    e->jobs--;
    pthread_cond_broadcast(&e->jobs_cond);
    pthread_mutex_unlock(&e->mu);
    return NULL;
}

void rx__job_start(rx_engine_t *e, rx_job_fn fn, void *arg) {
    job_t *j = malloc(sizeof *j);
    if (!j) abort();
    *j = (job_t){e, fn, arg};
    pthread_mutex_lock(&e->mu);
    if (atomic_load(&e->stop)) {
        pthread_mutex_unlock(&e->mu);
        free(arg);
        free(j);
        return;
    }
    e->jobs++;
    pthread_mutex_unlock(&e->mu);
    pthread_t th;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&th, &at, job_main, j)) {
        pthread_mutex_lock(&e->mu);
        e->jobs--;
        pthread_mutex_unlock(&e->mu);
        free(arg);
        free(j);
    }
    pthread_attr_destroy(&at);
}

void rx__jobs_wait(rx_engine_t *e) {
    pthread_mutex_lock(&e->mu);
    while (e->jobs > 0)
        pthread_cond_wait(&e->jobs_cond, &e->mu);
    pthread_mutex_unlock(&e->mu);
}
