/* commit.h: how a batch reaches RocksDB and the WAL, and how stream readers
 * learn that it has (the commit notification). Internal to storage/. */
#ifndef DDB_STORAGE_COMMIT_H
#define DDB_STORAGE_COMMIT_H

#include "storage/engine.h"

/* Sets up the commit state (before anything can fail in ddb_open). */
void ddb__commit_init(rk_engine_t *e);
/* Sets the watermark at open: seq is the next sequence number. */
void ddb__commit_start(rk_engine_t *e, uint64_t seq);
void ddb__commit_destroy(rk_engine_t *e);

/* Writes wb (and destroys it): a plain commit, nothing else. Caller holds
 * the writer. A store that cannot write (read-only, or after a failure until
 * RocksDB recovers) answers DDB_ERR_INTERNAL saying so. */
int ddb__write_batch(rk_engine_t *e, rocksdb_writebatch_t *wb, ddb_error_t *err);

/* After a written batch whose stream records end below next_seq (caller
 * holds the writer): readers may read them now, or with group commit once
 * ddb_commit has flushed them. One atomic store, plus a broadcast only when
 * someone waits in ddb_stream_wait. */
void ddb__publish(rk_engine_t *e, uint64_t next_seq);

/* Whether a RocksDB error message says the disk (or quota) is full. */
bool ddb__space_error(const char *msg);

#endif
