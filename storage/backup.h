/* backup.h: the backup store and the PITR change logs (the backups column
 * family), restores, and the maintenance jobs that copy backups and fill
 * restored tables. Internal to storage/; the public side is ddb.h's
 * "backups and point-in-time recovery".
 *
 * Layout in the backups column family:
 *   'B' [id]                    -> backup record (backup.c)
 *   'I' [id] [item key tail]    -> a backed-up item, encoded as in the items
 *                                  CF (the tail: the item key after its table id)
 *   'L' [table BE32] [seq BE64] -> a change of a table with PITR on:
 *                                  [time ms BE64][had old][key len BE32][item key][old item]
 * In the catalog column family:
 *   'R' [table BE32]            -> the restore state of a restoring table (restore.c)
 * ([id]: DDB__BACKUP_ID_LEN characters, ordered by creation) */
#ifndef DDB_STORAGE_BACKUP_H
#define DDB_STORAGE_BACKUP_H

#include "storage/backuprec.h"
#include "storage/engine.h"
#include "storage/stats.h"

#define DDB__RESTORE_KEY 'R'

/* ---- backup.c ---- */

/* Reads backup id's record with ro into a (DDB_ERR_BACKUP_NOT_FOUND when
 * absent). */
int ddb__backup_read(rk_engine_t *e, const rocksdb_readoptions_t *ro, const char *id,
                     ddb_arena_t *a, ddb_backup_info_t *out, ddb_error_t *err);

/* The key range [lo, hi) of backup id's items. */
void ddb__backup_items_range(bytes_t *lo, bytes_t *hi, const char *id);

/* Under the writer: the SYSTEM backup of table t, which is about to be
 * deleted in the writer's next batch (its checkpoint is taken now). */
int ddb__backup_system(rk_engine_t *e, const ddb_table_info_t *t, ddb_error_t *err);

/* One step of the maintenance jobs: the copy of a CREATING backup, else a
 * step of a restore. *more while work remains. Takes the writer a step at a
 * time. */
int ddb__backup_round(rk_engine_t *e, bool *more, ddb_error_t *err);

/* Every tick: deletes expired SYSTEM backups and trims change logs past
 * their window. */
int ddb__backup_maintain(rk_engine_t *e, int64_t now_ms, ddb_error_t *err);

/* Releases the jobs' state (open checkpoint, snapshot) at close. */
void ddb__backup_jobs_release(rk_engine_t *e);

/* ---- restore.c ---- */

/* The catalog key of table id's restore state. */
void ddb__restore_key(uint8_t k[5], uint32_t table_id);

/* One step of the first restoring table's fill (writer taken here); *more
 * while a restore has more to do. */
int ddb__restore_round(rk_engine_t *e, bool *more, ddb_error_t *err);

/* Whether a restore reads backup id (a restoring table's state names it). */
int ddb__restore_uses_backup(rk_engine_t *e, const char *id, bool *used, ddb_error_t *err);

/* The earliest time a PITR restore in progress aims at in table id's log
 * (INT64_MAX: none). */
int ddb__restore_pitr_floor(rk_engine_t *e, uint32_t table_id, int64_t *at_ms, ddb_error_t *err);

void ddb__restore_release(rk_engine_t *e);

/* ---- pitr.c ---- */

/* Loads the change logs' last sequence number (at open). */
int ddb__pitr_open(rk_engine_t *e, ddb_error_t *err);

/* Puts the change record of item key k (previous state old, NULL: absent)
 * of table t (PITR on) into wb (writer). */
int ddb__pitr_append(rk_engine_t *e, rocksdb_writebatch_t *wb, const ddb_table_info_t *t,
                     const bytes_t *k, const ddb_value_t *old, ddb_error_t *err);

/* The batch is written or dropped: the next one takes a new time. */
void ddb__pitr_batch_done(rk_engine_t *e);

/* Deletes table id's change log (PITR off, table deleted), in wb. */
void ddb__pitr_drop_log(rk_engine_t *e, rocksdb_writebatch_t *wb, uint32_t table_id);

/* The change-log key of table id at seq. */
void ddb__pitr_key(uint8_t k[13], uint32_t table_id, uint64_t seq);

/* The recovery window of t in ms (its own, else the engine's). */
int64_t ddb__pitr_period(const rk_engine_t *e, const ddb_table_info_t *t);

/* Trims table t's log of changes older than its window (but none later
 * than floor_ms, which a restore in progress needs), writer taken here. */
int ddb__pitr_trim(rk_engine_t *e, const ddb_table_info_t *t, int64_t now_ms, int64_t floor_ms,
                   ddb_error_t *err);

#endif
