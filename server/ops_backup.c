/* ops_backup.c: on-demand backups at the protocol level: CreateBackup,
 * DescribeBackup, ListBackups, DeleteBackup, RestoreTableFromBackup.
 *
 * Validates requests as DynamoDB does, names backups by ARN (the source
 * table's ARN, "/backup/", the engine's id), parses those ARNs strictly and
 * renders BackupDetails, BackupSummaries and the source table's details.
 * The engine takes, keeps, lists and restores the copies; nothing here
 * reads or writes items. */
#include <string.h>

#include "query/arn.h"
#include "query/json.h"
#include "server/backup.h"
#include "server/indexes.h"
#include "server/meta.h"
#include "server/streams.h"

static bool streq(const char *s, size_t len, const char *lit) {
    return s && strlen(lit) == len && memcmp(s, lit, len) == 0;
}

static void put_backup_arn(ddbd_req_t *r, buf_t *b, const ddb_backup_info_t *k) {
    ddbd_put_table_arn(r, b, k->table.name, k->table.name_len);
    buf_puts(b, "/backup/");
    buf_put(b, k->id, k->id_len);
}

static const char *status_name(ddb_backup_status_t s) {
    return s == DDB_BACKUP_CREATING    ? "CREATING"
           : s == DDB_BACKUP_AVAILABLE ? "AVAILABLE"
                                       : "DELETED";
}

static const char *type_name(ddb_backup_type_t t) {
    return t == DDB_BACKUP_SYSTEM ? "SYSTEM" : "USER";
}

/* An engine backup id: 14 digits, '-', 8 lowercase hex digits. */
static bool id_ok(const char *id, size_t len) {
    if (len != 23 || id[14] != '-') return false;
    for (size_t i = 0; i < 23; i++) {
        char c = id[i];
        if (i < 14 && (c < '0' || c > '9')) return false;
        if (i > 14 && !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
}

/* arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/backup/ID: the id and the
 * table it names; false for anything else. */
static bool parse_backup_arn(const char *arn, size_t len, const char **id, size_t *idl,
                             const char **table, size_t *tl) {
    ddb_arn_t a;
    if (!ddb_arn_parse(arn, len, &a) || !streq(a.partition, a.partition_len, "aws") ||
        !streq(a.service, a.service_len, "dynamodb") || a.kind != DDB_ARN_OTHER || a.sub_len < 8 ||
        memcmp(a.sub, "/backup/", 8) != 0) {
        return false;
    }
    *id = a.sub + 8;
    *idl = a.sub_len - 8;
    *table = a.table;
    *tl = a.table_len;
    return id_ok(*id, *idl);
}

/* The backup a BackupArn-typed member names (where: its constraint name),
 * or BackupNotFoundException: an ARN that is not a backup ARN, names
 * another table than the backup's, or names no backup. *arn, *al: as sent. */
static int load_backup(ddbd_req_t *r, const char *member, const char *where, const char **arn,
                       size_t *al, ddb_backup_info_t *b) {
    int rc = p_str(r->in, member, arn, al, r->err);
    if (rc) return rc;
    if (!*arn) return p_error_not_null(r->err, "%s", where);
    rc = p_error_len(r->err, *arn, p_cut(*al, 300), *al, 37, 1024, "%s", where);
    if (rc) return rc;
    const char *id, *table;
    size_t idl, tl;
    if (!parse_backup_arn(*arn, *al, &id, &idl, &table, &tl))
        return ddbd_backup_error(r, DDB_ERR_BACKUP_NOT_FOUND, NULL, 0, *arn, *al);
    /* the ARN names its region: a backup of another region's table is none
     * of this region's */
    rc = ddbd_table_from_arn(r, *arn, *al, &table, &tl);
    if (rc) return ddbd_backup_error(r, DDB_ERR_BACKUP_NOT_FOUND, NULL, 0, *arn, *al);
    rc = ddb_backup_get(r->srv->engine, id, idl, r->arena, b, r->err);
    if (!rc && (b->table.name_len != tl || memcmp(b->table.name, table, tl) != 0))
        rc = DDB_ERR_BACKUP_NOT_FOUND;
    if (rc) return ddbd_backup_error(r, rc, NULL, 0, *arn, *al);
    return 0;
}

/* ---- shapes ----------------------------------------------------------------- */

static void put_details(ddbd_req_t *r, const ddb_backup_info_t *k) {
    buf_t *b = r->out;
    buf_puts(b, "{\"BackupArn\":\"");
    put_backup_arn(r, b, k);
    buf_puts(b, "\",\"BackupName\":");
    ddbd_put_table_name(b, k->name, k->name_len); /* a system backup's is its table's */
    buf_printf(b, ",\"BackupSizeBytes\":%llu,\"BackupStatus\":\"%s\",\"BackupType\":\"%s\"",
               (unsigned long long)k->table.size_bytes, status_name(k->status), type_name(k->type));
    buf_puts(b, ",\"BackupCreationDateTime\":");
    ddbd_put_time(b, k->created_ms);
    if (k->expires_ms) {
        buf_puts(b, ",\"BackupExpiryDateTime\":");
        ddbd_put_time(b, k->expires_ms);
    }
    buf_putc(b, '}');
}

static void put_meta_time(buf_t *b, const ddb_value_t *meta, const char *key) {
    const ddb_value_t *v = meta_get(meta, key);
    if (v && v->type == DDB_T_N)
        buf_put(b, v->u.str.ptr, v->u.str.len);
    else
        buf_putc(b, '0');
}

static void put_source_table(ddbd_req_t *r, const ddb_table_info_t *t) {
    buf_t *b = r->out;
    size_t idl, bml;
    const char *id = meta_str(t->meta, "TableId", &idl);
    const char *bm = meta_str(t->meta, "BillingMode", &bml);
    buf_puts(b, "{\"TableName\":");
    ddbd_put_table_name(b, t->name, t->name_len);
    buf_puts(b, ",\"TableId\":");
    json_put_str(b, id ? id : "", idl);
    buf_puts(b, ",\"TableArn\":\"");
    ddbd_put_table_arn(r, b, t->name, t->name_len);
    buf_printf(b, "\",\"TableSizeBytes\":%llu,\"KeySchema\":", (unsigned long long)t->size_bytes);
    ddbd_put_key_schema(b, &t->key);
    buf_puts(b, ",\"TableCreationDateTime\":");
    put_meta_time(b, t->meta, "CreationDateTime");
    buf_printf(b,
               ",\"ProvisionedThroughput\":{\"ReadCapacityUnits\":%lld,"
               "\"WriteCapacityUnits\":%lld}",
               (long long)meta_int(t->meta, "RCU", 0), (long long)meta_int(t->meta, "WCU", 0));
    buf_printf(b, ",\"ItemCount\":%llu,\"BillingMode\":", (unsigned long long)t->item_count);
    json_put_str(b, bm ? bm : "PROVISIONED", bm ? bml : 11);
    buf_putc(b, '}');
}

static void put_index(ddbd_req_t *r, const ddb_table_info_t *t, const ddb_index_info_t *ix) {
    buf_t *b = r->out;
    ddbd_put_index_head(b, ix);
    if (!ix->local) {
        const ddb_value_t *all = meta_get(t->meta, "IndexThroughput");
        const ddb_value_t *mine = all ? ddb_map_get(all, ix->name, ix->name_len) : NULL;
        buf_printf(b,
                   ",\"ProvisionedThroughput\":{\"ReadCapacityUnits\":%lld,"
                   "\"WriteCapacityUnits\":%lld}",
                   (long long)meta_int(mine, "RCU", 0), (long long)meta_int(mine, "WCU", 0));
    }
    buf_putc(b, '}');
}

/* SourceTableFeatureDetails: the indexes, stream and TTL the table had. */
static void put_features(ddbd_req_t *r, const ddb_table_info_t *t) {
    buf_t *b = r->out;
    buf_putc(b, '{');
    bool first = true;
    for (int local = 1; local >= 0; local--) {
        bool any = false;
        for (size_t i = 0; i < t->nindexes; i++) {
            const ddb_index_info_t *ix = &t->indexes[i];
            if (ix->ttl || ix->local != (local == 1)) continue;
            if (!any) {
                if (!first) buf_putc(b, ',');
                buf_puts(b, local ? "\"LocalSecondaryIndexes\":[" : "\"GlobalSecondaryIndexes\":[");
                first = false;
            } else {
                buf_putc(b, ',');
            }
            any = true;
            put_index(r, t, ix);
        }
        if (any) buf_putc(b, ']');
    }
    if (t->stream.id && t->stream.enabled) {
        if (!first) buf_putc(b, ',');
        buf_printf(b, "\"StreamDescription\":{\"StreamEnabled\":true,\"StreamViewType\":\"%s\"}",
                   ddbd_view_name(t->stream.view));
        first = false;
    }
    const ddb_index_info_t *ttl = ddb_table_ttl(t);
    if (ttl) {
        if (!first) buf_putc(b, ',');
        buf_puts(b, "\"TimeToLiveDescription\":{\"AttributeName\":");
        json_put_str(b, ttl->key.hash_name, ttl->key.hash_len);
        buf_puts(b, ",\"TimeToLiveStatus\":\"ENABLED\"}");
    }
    buf_putc(b, '}');
}

static void put_description(ddbd_req_t *r, const ddb_backup_info_t *k) {
    buf_puts(r->out, "{\"BackupDescription\":{\"BackupDetails\":");
    put_details(r, k);
    buf_puts(r->out, ",\"SourceTableDetails\":");
    put_source_table(r, &k->table);
    buf_puts(r->out, ",\"SourceTableFeatureDetails\":");
    put_features(r, &k->table);
    buf_puts(r->out, "}}");
}

/* ---- operations ------------------------------------------------------------ */

int op_create_backup(ddbd_req_t *r) {
    const char *name, *bname;
    size_t nl, bl;
    int rc = p_str(r->in, "TableName", &name, &nl, r->err);
    if (!rc) rc = p_str(r->in, "BackupName", &bname, &bl, r->err);
    if (rc) return rc;
    vlist_t v;
    vlist_init(&v);
    if (!name)
        vlist_not_null(&v, "tableName");
    else
        vlist_len(&v, name, p_cut(nl, 300), nl, 1, 1024, "tableName");
    vlist_table_name(&v, "backupName", bname, bl);
    rc = vlist_finish(&v, r->err);
    if (rc) return rc;
    ddb_table_info_t t;
    rc = ddbd_backup_table(r, "TableName", "tableName", &t);
    if (rc) return rc;
    ddb_backup_info_t k;
    rc = ddb_backup_create(r->srv->engine, t.name, t.name_len, bname, bl, r->arena, &k, r->err);
    if (rc) return ddbd_backup_error(r, rc, t.name, t.name_len, NULL, 0);
    buf_puts(r->out, "{\"BackupDetails\":");
    put_details(r, &k);
    buf_putc(r->out, '}');
    return 0;
}

int op_describe_backup(ddbd_req_t *r) {
    const char *arn;
    size_t al;
    ddb_backup_info_t k;
    int rc = load_backup(r, "BackupArn", "backupArn", &arn, &al, &k);
    if (rc) return rc;
    put_description(r, &k);
    return 0;
}

int op_delete_backup(ddbd_req_t *r) {
    const char *arn;
    size_t al;
    ddb_backup_info_t k;
    int rc = load_backup(r, "BackupArn", "backupArn", &arn, &al, &k);
    if (rc) return rc;
    rc = ddb_backup_delete(r->srv->engine, k.id, k.id_len, r->arena, &k, r->err);
    if (rc) return ddbd_backup_error(r, rc, NULL, 0, arn, al);
    k.status = DDB_BACKUP_DELETED;
    put_description(r, &k);
    return 0;
}

/* ListBackups' walk: the filters, the page so far and where it ends. */
typedef struct list_walk {
    ddbd_req_t *r;
    const char *table; /* TableName filter (NULL: all) */
    size_t table_len;
    int64_t lower_ms, upper_ms; /* [lower, upper) creation times; upper 0: none */
    int type;                   /* 0: all, else a ddb_backup_type_t */
    int64_t limit;
    int64_t count;
    buf_t last; /* the ARN of the last backup listed */
    bool more;  /* a further match exists past the page */
} list_walk_t;

static int list_one(void *ctx, const ddb_backup_info_t *k) {
    list_walk_t *w = ctx;
    if (w->table &&
        (k->table.name_len != w->table_len || memcmp(k->table.name, w->table, w->table_len) != 0)) {
        return 0;
    }
    if (!ddbd_in_region(w->r, k->table.name, k->table.name_len)) return 0; /* another region's */
    if (k->created_ms < w->lower_ms || (w->upper_ms && k->created_ms >= w->upper_ms)) return 0;
    if (w->type && (int)k->type != w->type) return 0;
    if (w->count == w->limit) {
        w->more = true;
        return -1; /* a page's end, told apart from the engine's DDB_ERR_* codes */
    }
    buf_t *b = w->r->out;
    if (w->count++) buf_putc(b, ',');
    size_t idl;
    const char *id = meta_str(k->table.meta, "TableId", &idl);
    buf_puts(b, "{\"TableName\":");
    ddbd_put_table_name(b, k->table.name, k->table.name_len);
    buf_puts(b, ",\"TableId\":");
    json_put_str(b, id ? id : "", idl);
    buf_puts(b, ",\"TableArn\":\"");
    ddbd_put_table_arn(w->r, b, k->table.name, k->table.name_len);
    buf_puts(b, "\",\"BackupArn\":\"");
    buf_reset(&w->last);
    put_backup_arn(w->r, &w->last, k);
    buf_put(b, w->last.data, w->last.len);
    buf_puts(b, "\",\"BackupName\":");
    ddbd_put_table_name(b, k->name, k->name_len); /* a system backup's is its table's */
    buf_puts(b, ",\"BackupCreationDateTime\":");
    ddbd_put_time(b, k->created_ms);
    if (k->expires_ms) {
        buf_puts(b, ",\"BackupExpiryDateTime\":");
        ddbd_put_time(b, k->expires_ms);
    }
    buf_printf(b, ",\"BackupStatus\":\"%s\",\"BackupType\":\"%s\",\"BackupSizeBytes\":%llu}",
               status_name(k->status), type_name(k->type), (unsigned long long)k->table.size_bytes);
    return 0;
}

/* ListBackups' members, checked; *after: the exclusive start's id. */
static int list_read(ddbd_req_t *r, list_walk_t *w, const char **after, size_t *afl) {
    const char *start, *bt;
    size_t sl, btl;
    bool lp, lop, upp;
    int rc = p_str(r->in, "TableName", &w->table, &w->table_len, r->err);
    if (!rc) rc = p_int(r->in, "Limit", &w->limit, &lp, r->err);
    if (!rc) rc = ddbd_parse_time(r, "TimeRangeLowerBound", &w->lower_ms, &lop);
    if (!rc) rc = ddbd_parse_time(r, "TimeRangeUpperBound", &w->upper_ms, &upp);
    if (!rc) rc = p_str(r->in, "ExclusiveStartBackupArn", &start, &sl, r->err);
    if (!rc) rc = p_str(r->in, "BackupType", &bt, &btl, r->err);
    if (rc) return rc;
    vlist_t v;
    vlist_init(&v);
    if (w->table)
        vlist_len(&v, w->table, p_cut(w->table_len, 300), w->table_len, 1, 1024, "tableName");
    vlist_range(&v, "limit", lp, w->limit, 1, 100);
    if (start) vlist_len(&v, start, p_cut(sl, 300), sl, 37, 1024, "exclusiveStartBackupArn");
    w->type = DDB_BACKUP_USER; /* DynamoDB lists on-demand backups of yours unless asked */
    if (streq(bt, btl, "SYSTEM"))
        w->type = DDB_BACKUP_SYSTEM;
    else if (streq(bt, btl, "ALL"))
        w->type = 0;
    else if (streq(bt, btl, "AWS_BACKUP"))
        w->type = -1; /* ddbd has no AWS Backup: matches nothing */
    else if (bt && !streq(bt, btl, "USER"))
        vlist_enum(&v, bt, p_cut(btl, 100), "USER, SYSTEM, AWS_BACKUP, ALL", "backupType");
    rc = vlist_finish(&v, r->err);
    if (rc) return rc;
    if (!lp) w->limit = INT64_MAX;
    if (!lop) w->lower_ms = INT64_MIN;
    if (!upp) w->upper_ms = 0;
    if (w->table && w->table_len > 4 && memcmp(w->table, "arn:", 4) == 0) {
        rc = ddbd_table_from_arn(r, w->table, w->table_len, &w->table, &w->table_len);
        if (rc) return rc;
    } else if (w->table) {
        w->table = ddbd_qname(r, w->table, w->table_len, &w->table_len);
    }
    *after = NULL;
    *afl = 0;
    if (start) {
        const char *table;
        size_t tl;
        if (!parse_backup_arn(start, sl, after, afl, &table, &tl))
            return ddbd_backup_error(r, DDB_ERR_BACKUP_NOT_FOUND, NULL, 0, start, sl);
    }
    return 0;
}

int op_list_backups(ddbd_req_t *r) {
    list_walk_t w = {.r = r};
    const char *after;
    size_t afl;
    int rc = list_read(r, &w, &after, &afl);
    if (rc) return rc;
    buf_init(&w.last);
    buf_puts(r->out, "{\"BackupSummaries\":[");
    rc = ddb_backup_list(r->srv->engine, after, afl, list_one, &w, r->err);
    if (rc && !(rc == -1 && w.more)) {
        buf_free(&w.last);
        return rc;
    }
    buf_putc(r->out, ']');
    if (w.more) {
        buf_puts(r->out, ",\"LastEvaluatedBackupArn\":");
        json_put_str(r->out, w.last.data, w.last.len);
    }
    buf_putc(r->out, '}');
    buf_free(&w.last);
    return 0;
}

int op_restore_table_from_backup(ddbd_req_t *r) {
    restore_ov_t ov = {0};
    const char *arn;
    size_t al;
    int rc = p_str(r->in, "BackupArn", &arn, &al, r->err);
    if (rc) return rc;
    vlist_t v;
    vlist_init(&v);
    rc = ddbd_restore_read(r, &ov, &v);
    if (rc) return rc;
    if (!arn)
        vlist_not_null(&v, "backupArn");
    else
        vlist_len(&v, arn, p_cut(al, 300), al, 37, 1024, "backupArn");
    rc = vlist_finish(&v, r->err);
    if (rc) return rc;
    ddb_backup_info_t k;
    rc = load_backup(r, "BackupArn", "backupArn", &arn, &al, &k);
    if (rc) return rc;
    mb_t s;
    mb_init(&s, r->arena, 2);
    buf_t ab;
    buf_init(&ab);
    put_backup_arn(r, &ab, &k);
    mb_str(&s, "SourceBackupArn", ab.data, ab.len);
    buf_free(&ab);
    const char *at = meta_time_text(r->arena, k.created_ms);
    ddb_value_t atv = {.type = DDB_T_N, .u.str = {at, strlen(at)}};
    mb_val(&s, "RestoreDateTime", &atv);
    ddb_value_t summary = mb_done(&s);
    ddb_table_info_t target;
    rc = ddbd_restore_target(r, &ov, &k.table, &summary, &target);
    if (rc) return rc;
    rc = ddb_backup_restore(r->srv->engine, k.id, k.id_len, &target, r->err);
    if (rc) return ddbd_backup_error(r, rc, ov.target, ov.target_len, arn, al);
    ddbd_restore_answer(r, &target);
    return 0;
}
