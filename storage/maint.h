/* maint.h: the maintenance thread (backfills, TTL sweeps, stream
 * trimming, expired idempotency tokens). Internal to storage/. */
#ifndef DDB_STORAGE_MAINT_H
#define DDB_STORAGE_MAINT_H

#include "storage/engine.h"

/* Sets up the thread's wake-up state (ddb_index_add wakes it, started or
 * not). */
void ddb__maint_init(rk_engine_t *e);

/* Wakes the thread to run the backfills and backup jobs now. */
void ddb__maint_wake(rk_engine_t *e);

/* Starts the thread (it resumes backfills a previous run left unfinished);
 * false when it could not be created. */
bool ddb__maint_start(rk_engine_t *e);

/* Stops and joins the thread, if started, and releases its state. */
void ddb__maint_stop(rk_engine_t *e);

#endif
