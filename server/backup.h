/* backup.h: what the backup operations (ops_backup.c) and point-in-time
 * recovery (ops_pitr.c) share: the tables they name (by name or ARN), the
 * engine's errors in DynamoDB's words, and the target of a restore (its
 * overrides, its meta built as CreateTable builds one, its answer). The
 * engine (storage/) does the copying; nothing here touches items. */
#ifndef DDB_BACKUP_H
#define DDB_BACKUP_H

#include "server/ddbd.h"

/* A restore's overrides (RestoreTableFromBackup, RestoreTableToPointInTime). */
typedef struct restore_ov {
    const char *target; /* TargetTableName */
    size_t target_len;
    const char *bm; /* BillingModeOverride (NULL: the source's) */
    size_t bml;
    const cJSON *gsi, *lsi; /* Global/LocalSecondaryIndexOverride (NULL: the source's) */
    const cJSON *pt;        /* ProvisionedThroughputOverride (NULL: the source's) */
    int64_t rcu, wcu;
} restore_ov_t;

/* Reads TargetTableName and the overrides, adding their constraint
 * violations to v (the caller reports v). */
int ddbd_restore_read(ddbd_req_t *r, restore_ov_t *ov, vlist_t *v);

/* The target table of a restore of src: src's key, its indexes (or the
 * overrides; never its TTL index, stream or PITR), billing and throughput
 * (or the overrides), no tags; its meta records summary (RestoreSummary
 * without RestoreInProgress). Everything in the request arena. */
int ddbd_restore_target(ddbd_req_t *r, const restore_ov_t *ov, const ddb_table_info_t *src,
                        const ddb_value_t *summary, ddb_table_info_t *out);

/* Writes {"TableDescription":...} of a restore's target just created
 * (CREATING, RestoreInProgress, as DynamoDB answers). */
void ddbd_restore_answer(ddbd_req_t *r, ddb_table_info_t *target);

/* The engine's error rc of a backup or restore call in DynamoDB's words:
 * table names the table concerned, arn the backup (either may be NULL). */
int ddbd_backup_error(ddbd_req_t *r, int rc, const char *table, size_t len, const char *arn,
                      size_t arn_len);

/* The table a TableName member names (a name or a table ARN; member and
 * where are its JSON and constraint names), looked up: TableNotFoundException
 * when absent, as the backup APIs answer. */
int ddbd_backup_table(ddbd_req_t *r, const char *member, const char *where, ddb_table_info_t *t);

/* A timestamp member (epoch seconds, fractions allowed) in milliseconds;
 * *present false when absent. */
int ddbd_parse_time(ddbd_req_t *r, const char *member, int64_t *ms, bool *present);

/* Writes epoch milliseconds as DynamoDB's epoch seconds (no quotes). */
void ddbd_put_time(buf_t *b, int64_t ms);

#endif
