/* commit.c: the commit of a write batch (RocksDB write, group commit's WAL
 * flush) and the commit notification of stream readers: the watermark of
 * records a reader may read, published after they are written (flushed,
 * with group commit), and the condition variable ddb_stream_wait sleeps on.
 * Knows nothing of streams, catalog or statistics; never takes the writer. */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "storage/commit.h"

void ddb__commit_start(ddb_engine_t *e, uint64_t seq) {
    atomic_store(&e->seq_visible, seq);
    atomic_store(&e->seq_written, seq);
}

void ddb__commit_init(ddb_engine_t *e) {
    pthread_mutex_init(&e->commit_mu, NULL);
    atomic_store(&e->waiters, 0);
    pthread_mutex_init(&e->notify_mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&e->notify_cond, &ca);
    pthread_condattr_destroy(&ca);
}

void ddb__commit_destroy(ddb_engine_t *e) {
    pthread_mutex_destroy(&e->commit_mu);
    pthread_mutex_destroy(&e->notify_mu);
    pthread_cond_destroy(&e->notify_cond);
}

int ddb__write_batch(ddb_engine_t *e, rocksdb_writebatch_t *wb, ddb_error_t *err) {
    char *msg = NULL;
    /* dirty before the write (a reader of it on another thread must find
     * something to flush) and after it (a flush that ran meanwhile may have
     * missed it, and the writer's own commit must flush it) */
    if (e->group_commit) atomic_store(&e->wal_dirty, true);
    rocksdb_write(e->db, e->wo, wb, &msg);
    rocksdb_writebatch_destroy(wb);
    if (msg) return ddb__rocks_error(err, msg);
    if (e->group_commit) atomic_store(&e->wal_dirty, true);
    return 0;
}

/* Raises the watermark to seq and wakes the waiters, if any. The waiter
 * count is read after the store (both seq_cst): either the writer sees a
 * waiter and broadcasts under notify_mu, or the waiter, which counts itself
 * before it looks, sees the new watermark. */
static void make_visible(ddb_engine_t *e, uint64_t seq) {
    uint64_t cur = atomic_load(&e->seq_visible);
    while (cur < seq && !atomic_compare_exchange_weak(&e->seq_visible, &cur, seq)) {
    }
    if (atomic_load(&e->waiters) > 0) {
        pthread_mutex_lock(&e->notify_mu);
        pthread_cond_broadcast(&e->notify_cond);
        pthread_mutex_unlock(&e->notify_mu);
    }
}

void ddb__publish(ddb_engine_t *e, uint64_t next_seq) {
    atomic_store(&e->seq_written, next_seq);
    /* without group commit the write is in the WAL already */
    if (!e->group_commit) make_visible(e, next_seq);
}

int ddb_commit(ddb_engine_t *e, ddb_error_t *err) {
    if (!e->group_commit) return 0;
    /* under commit_mu, so that a thread finding nothing left to flush knows
     * that another thread's flush of the same writes has completed: its
     * readers may have seen those writes */
    pthread_mutex_lock(&e->commit_mu);
    int rc = 0;
    if (atomic_exchange(&e->wal_dirty, false)) {
        /* read after clearing dirty: every batch counted in it was written
         * before this flush; a batch written later sets dirty again and its
         * own commit publishes it */
        uint64_t written = atomic_load(&e->seq_written);
        char *msg = NULL;
        rocksdb_flush_wal(e->db, e->sync ? 1 : 0, &msg);
        if (msg) {
            atomic_store(&e->wal_dirty, true);
            rc = ddb__rocks_error(err, msg);
        } else {
            make_visible(e, written);
        }
    }
    pthread_mutex_unlock(&e->commit_mu);
    return rc;
}

uint64_t ddb_stream_latest(ddb_engine_t *e) {
    return atomic_load(&e->seq_visible);
}

int ddb_stream_wait(ddb_engine_t *e, uint64_t after, int timeout_ms) {
    if (atomic_load(&e->seq_visible) > after) return 1;
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    if (timeout_ms > 0) {
        until.tv_sec += timeout_ms / 1000;
        until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
    }
    atomic_fetch_add(&e->waiters, 1);
    pthread_mutex_lock(&e->notify_mu);
    int rc = 0;
    while (!(rc = atomic_load(&e->seq_visible) > after) && timeout_ms != 0) {
        if (timeout_ms < 0) {
            pthread_cond_wait(&e->notify_cond, &e->notify_mu);
        } else if (pthread_cond_timedwait(&e->notify_cond, &e->notify_mu, &until) == ETIMEDOUT) {
            rc = atomic_load(&e->seq_visible) > after;
            break;
        }
    }
    pthread_mutex_unlock(&e->notify_mu);
    atomic_fetch_sub(&e->waiters, 1);
    return rc;
}
