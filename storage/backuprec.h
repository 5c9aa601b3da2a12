/* backuprec.h: a backup's record and id as stored, shared by the RocksDB
 * store (storage/backup.c) and the cluster backend (storage/redis/
 * rx_backup.c). Pure but for the random part of a new id. */
#ifndef DDB_STORAGE_BACKUPREC_H
#define DDB_STORAGE_BACKUPREC_H

#include "storage/codec.h"

#define DDB__BACKUP_ID_LEN 23

/* [len BE16][bytes]: the strings of backup records and restore states. The
 * reader points *s into the encoding (false when cut short). */
void ddb__put_str16(bytes_t *b, const void *s, size_t len);
bool ddb__get_str16(const uint8_t **p, const uint8_t *end, const uint8_t **s, size_t *len);

/* A backup's record: [status][type][created BE64][expires BE64][count
 * BE64][size BE64][name len BE16][name][table len BE16][table name][table
 * record]; decoded strings in the arena. */
void ddb__encode_backup(bytes_t *out, const ddb_backup_info_t *b);
int ddb__decode_backup(const char *id, const uint8_t *p, size_t len, ddb_arena_t *a,
                       ddb_backup_info_t *b, ddb_error_t *err);

/* Copies a caller's id into out (NUL-terminated); false when it is not a
 * well-formed id (14 digits, '-', 8 lowercase hex digits). */
bool ddb__backup_take_id(char out[DDB__BACKUP_ID_LEN + 1], const char *id, size_t len);

/* A new id: the time in ms and 32 random bits. */
void ddb__backup_new_id(int64_t now, char id[DDB__BACKUP_ID_LEN + 1]);

/* Makes a restore's target what DynamoDB restores: no stream, TTL or PITR
 * of its own (its TTL index dropped), its indexes not backfilling. */
void ddb__restore_target(ddb_table_info_t *target);

/* Point-in-time recovery, the same on both stores: ddb_pitr_set's change
 * of p (on again starts a new window at now; on while on only changes its
 * length; off clears it), true when the table's history must go (it was on
 * and is turned off); t's recovery window, p's own or default_ms; and
 * whether table name (src) may be restored to at_ms, as ddb_pitr_restore
 * refuses (DDB_ERR_PITR_UNAVAILABLE, DDB_ERR_INVALID_RESTORE_TIME). */
bool ddb__pitr_edit(ddb_pitr_t *p, bool enabled, uint32_t period_days, int64_t now);
int64_t ddb__pitr_period_of(const ddb_table_info_t *t, int64_t default_ms);
void ddb__pitr_window_of(const ddb_table_info_t *t, int64_t default_ms, int64_t now,
                         int64_t *earliest_ms, int64_t *latest_ms);
int ddb__pitr_admit(const ddb_table_info_t *src, const char *name, size_t len, int64_t at_ms,
                    int64_t default_ms, int64_t now, ddb_error_t *err);

#endif
