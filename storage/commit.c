/* commit.c: the commit of a write batch (RocksDB write, group commit's WAL
 * flush) and the commit notification of stream readers: the watermark of
 * records a reader may read, published after they are written (flushed,
 * with group commit), and the condition variable ddb_stream_wait sleeps on.
 * Knows nothing of streams, catalog or statistics; never takes the writer.
 *
 * When the store cannot write (a full disk: a WAL write or flush, a memtable
 * flush or a MANIFEST write fails) RocksDB records a background error and
 * refuses every write until its error recovery resumes it (for a full disk:
 * its SstFileManager checks every 5 seconds, and once a write buffer's worth
 * (8 MB) is free flushes the memtables to new files and switches to a new
 * WAL). RocksDB 7.8 cannot recover from a failure while switching memtables
 * (its old WAL's buffer lost: a fatal error): then writes fail until ddbd
 * restarts; rare, as the WAL is flushed every round. Meanwhile its failed
 * WAL writer must not be touched again: a second flush on it turns the error
 * into a fatal one (no recovery) and an append to it fails an assertion in
 * RocksDB 7.8. So every write and every flush here runs under wal_mu; after
 * a failure no flush is tried until a write succeeds again, which RocksDB
 * only allows once it has resumed (on its new WAL). A write that failed may
 * have taken unflushed batches of other writes with it: every round commit
 * that overlaps a failure fails (ddb_commit_round), so none of those is
 * acknowledged. They are in the memtable, though: readers may see them, and
 * they become durable when the recovery flushes the memtables (or are lost
 * if the process ends first) -- as with a write whose reply a network
 * failure lost. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "storage/commit.h"

void ddb__commit_start(rk_engine_t *e, uint64_t seq) {
    atomic_store(&e->seq_visible, seq);
    atomic_store(&e->seq_written, seq);
}

void ddb__commit_init(rk_engine_t *e) {
    pthread_mutex_init(&e->commit_mu, NULL);
    pthread_mutex_init(&e->wal_mu, NULL);
    atomic_store(&e->waiters, 0);
    pthread_mutex_init(&e->notify_mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&e->notify_cond, &ca);
    pthread_condattr_destroy(&ca);
}

void ddb__commit_destroy(rk_engine_t *e) {
    pthread_mutex_destroy(&e->commit_mu);
    pthread_mutex_destroy(&e->wal_mu);
    pthread_mutex_destroy(&e->notify_mu);
    pthread_cond_destroy(&e->notify_cond);
}

bool ddb__space_error(const char *msg) {
    return msg && (strstr(msg, "No space left on device") || strstr(msg, "Disk quota exceeded"));
}

/* The error a refused or failed write answers with (msg: RocksDB's, freed). */
static int cannot_write(ddb_error_t *err, char *msg) {
    int rc = ddb_error_set(err, DDB_ERR_INTERNAL,
                           ddb__space_error(msg)
                               ? "The server cannot write to its data store: the disk is full "
                                 "(%s). Reads still work; writes resume once space is freed"
                               : "The server cannot write to its data store (%s). Reads still "
                                 "work; writes resume once the store recovers",
                           msg);
    free(msg);
    return rc;
}

/* A write or flush failed (msg: RocksDB's): no flush until a write succeeds
 * again. Only the first failure counts: it may have lost the WAL buffer,
 * while a write RocksDB refuses afterwards (it has stopped writes) touches
 * no file and loses nothing. Caller holds wal_mu. */
static void write_failed(rk_engine_t *e, const char *msg) {
    if (atomic_exchange(&e->write_failed, true)) return;
    atomic_fetch_add(&e->failures, 1);
    fprintf(stderr, "ddb: the store cannot write, writes fail until it recovers: %s\n", msg);
}

int ddb__write_batch(rk_engine_t *e, rocksdb_writebatch_t *wb, ddb_error_t *err) {
    if (e->read_only) {
        rocksdb_writebatch_destroy(wb);
        return ddb_error_set(err, DDB_ERR_INTERNAL, "The server is read-only: %s",
                             e->read_only_why);
    }
    char *msg = NULL;
    pthread_mutex_lock(&e->wal_mu);
    bool failed = atomic_load(&e->write_failed);
    /* dirty before the write (a reader of it on another thread must find
     * something to flush) and after it (a flush that ran meanwhile may have
     * missed it, and the writer's own commit must flush it) */
    if (e->group_commit) atomic_store(&e->wal_dirty, true);
    rocksdb_write(e->db, e->wo, wb, &msg);
    if (msg) {
        write_failed(e, msg);
    } else if (failed) {
        /* RocksDB took a write: it has resumed, on a new WAL */
        atomic_store(&e->write_failed, false);
        fprintf(stderr, "ddb: the store writes again\n");
    }
    if (!msg && e->group_commit) atomic_store(&e->wal_dirty, true);
    pthread_mutex_unlock(&e->wal_mu);
    rocksdb_writebatch_destroy(wb);
    if (msg) return cannot_write(err, msg);
    return 0;
}

/* Raises the watermark to seq and wakes the waiters, if any. The waiter
 * count is read after the store (both seq_cst): either the writer sees a
 * waiter and broadcasts under notify_mu, or the waiter, which counts itself
 * before it looks, sees the new watermark. */
static void make_visible(rk_engine_t *e, uint64_t seq) {
    uint64_t cur = atomic_load(&e->seq_visible);
    while (cur < seq && !atomic_compare_exchange_weak(&e->seq_visible, &cur, seq)) {
    }
    if (atomic_load(&e->waiters) > 0) {
        pthread_mutex_lock(&e->notify_mu);
        pthread_cond_broadcast(&e->notify_cond);
        pthread_mutex_unlock(&e->notify_mu);
    }
}

void ddb__publish(rk_engine_t *e, uint64_t next_seq) {
    atomic_store(&e->seq_written, next_seq);
    /* without group commit the write is in the WAL already */
    if (!e->group_commit) make_visible(e, next_seq);
}

/* Flushes the WAL unless a failure stopped writes: 0, or the flush's error
 * (a failure now). Caller holds commit_mu. */
static int flush_wal(rk_engine_t *e, ddb_error_t *err) {
    /* read after clearing dirty: every batch counted in it was written
     * before this flush; a batch written later sets dirty again and its own
     * commit publishes it */
    uint64_t written = atomic_load(&e->seq_written);
    char *msg = NULL;
    pthread_mutex_lock(&e->wal_mu);
    bool failed = atomic_load(&e->write_failed);
    if (!failed) rocksdb_flush_wal(e->db, e->sync ? 1 : 0, &msg);
    if (msg) write_failed(e, msg);
    pthread_mutex_unlock(&e->wal_mu);
    if (failed || msg) {
        /* still unflushed: published by the first flush after the recovery
         * (which has made them durable by flushing the memtables) */
        atomic_store(&e->wal_dirty, true);
        if (msg) return ddb__rocks_error(err, msg);
        return 0;
    }
    make_visible(e, written);
    return 0;
}

int rk_commit_round(rk_engine_t *e, uint64_t *mark, ddb_error_t *err) {
    if (!e->group_commit) return 0;
    /* under commit_mu, so that a thread finding nothing left to flush knows
     * that another thread's flush of the same writes has completed: its
     * readers may have seen those writes */
    pthread_mutex_lock(&e->commit_mu);
    int rc = 0;
    if (atomic_exchange(&e->wal_dirty, false)) rc = flush_wal(e, err);
    /* read after the flush: a failure since the caller's last commit may
     * have lost a write of this round with the WAL buffer */
    uint64_t failures = atomic_load(&e->failures);
    if (!rc && failures != *mark)
        rc = ddb_error_set(err, DDB_ERR_INTERNAL,
                           "a write failed since the last commit: this round's writes may be "
                           "lost");
    *mark = failures;
    pthread_mutex_unlock(&e->commit_mu);
    return rc;
}

int rk_commit(rk_engine_t *e, ddb_error_t *err) {
    /* e->commit_mark is read and written under commit_mu, which
     * ddb_commit_round takes before it looks at the mark */
    return rk_commit_round(e, &e->commit_mark, err);
}

uint64_t rk_stream_latest(rk_engine_t *e) {
    return atomic_load(&e->seq_visible);
}

int rk_stream_wait(rk_engine_t *e, uint64_t after, int timeout_ms) {
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
