/* ops_pitr.c: point-in-time recovery at the protocol level:
 * UpdateContinuousBackups, DescribeContinuousBackups and
 * RestoreTableToPointInTime, validated as DynamoDB validates them, with the
 * recovery window the engine keeps (ddb_pitr_window) reported as it is.
 * The engine keeps the change log and rebuilds the table; nothing here
 * reads or writes items. */
#include <string.h>

#include "query/json.h"
#include "server/backup.h"
#include "server/meta.h"

#define DAY_MS (86400 * 1000LL)

/* RecoveryPeriodInDays of t: its own, or the engine's window in whole days
 * (at least 1, the member's minimum, when --pitr-retention is shorter). */
static int64_t period_days(const ddbd_req_t *r, const ddb_table_info_t *t) {
    int64_t ms = t->pitr.period_ms;
    if (!ms)
        ms = (r->srv->pitr_retention_s ? (int64_t)r->srv->pitr_retention_s : 35 * 86400) * 1000;
    int64_t d = (ms + DAY_MS - 1) / DAY_MS;
    return d < 1 ? 1 : d;
}

static void put_continuous(ddbd_req_t *r, const ddb_table_info_t *t) {
    buf_t *b = r->out;
    buf_puts(b, "{\"ContinuousBackupsDescription\":{\"ContinuousBackupsStatus\":\"ENABLED\","
                "\"PointInTimeRecoveryDescription\":{\"PointInTimeRecoveryStatus\":");
    if (!t->pitr.enabled) {
        buf_puts(b, "\"DISABLED\"}}}");
        return;
    }
    int64_t earliest, latest;
    ddb_pitr_window(r->srv->engine, t, &earliest, &latest);
    buf_printf(b, "\"ENABLED\",\"RecoveryPeriodInDays\":%lld", (long long)period_days(r, t));
    buf_puts(b, ",\"EarliestRestorableDateTime\":");
    ddbd_put_time(b, earliest);
    buf_puts(b, ",\"LatestRestorableDateTime\":");
    ddbd_put_time(b, latest);
    buf_puts(b, "}}}");
}

int op_describe_continuous_backups(ddbd_req_t *r) {
    ddb_table_info_t t;
    int rc = ddbd_backup_table(r, "TableName", "tableName", &t);
    if (rc) return rc;
    put_continuous(r, &t);
    return 0;
}

int op_update_continuous_backups(ddbd_req_t *r) {
    const char *name;
    size_t nl;
    const cJSON *spec;
    bool on = false, onp = false, pp = false;
    int64_t days = 0;
    int rc = p_str(r->in, "TableName", &name, &nl, r->err);
    if (!rc) rc = p_obj(r->in, "PointInTimeRecoverySpecification", &spec, r->err);
    if (!rc && spec) rc = p_bool(spec, "PointInTimeRecoveryEnabled", &on, &onp, r->err);
    if (!rc && spec) rc = p_int(spec, "RecoveryPeriodInDays", &days, &pp, r->err);
    if (rc) return rc;
    vlist_t v;
    vlist_init(&v);
    if (!name)
        vlist_not_null(&v, "tableName");
    else
        vlist_len(&v, name, p_cut(nl, 300), nl, 1, 1024, "tableName");
    if (!spec) {
        vlist_not_null(&v, "pointInTimeRecoverySpecification");
    } else {
        if (!onp) vlist_not_null(&v, "pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled");
        vlist_range(&v, "pointInTimeRecoverySpecification.recoveryPeriodInDays", pp, days, 1, 35);
    }
    rc = vlist_finish(&v, r->err);
    if (rc) return rc;
    ddb_table_info_t t;
    rc = ddbd_backup_table(r, "TableName", "tableName", &t);
    if (rc) return rc;
    /* enabling it again without a period changes nothing (the engine would
     * take a missing period for its own window's) */
    uint32_t want = pp ? (uint32_t)days : 0;
    bool same = on && t.pitr.enabled && (!pp || t.pitr.period_ms == (int64_t)want * DAY_MS);
    if (!same && (on || t.pitr.enabled)) {
        rc = ddb_pitr_set(r->srv->engine, t.name, t.name_len, on, want, r->err);
        if (rc) return ddbd_backup_error(r, rc, t.name, t.name_len, NULL, 0);
        rc = ddb_table_get(r->srv->engine, t.name, t.name_len, r->arena, &t, r->err);
        if (rc) return ddbd_backup_error(r, rc, t.name, t.name_len, NULL, 0);
    }
    put_continuous(r, &t);
    return 0;
}

/* RestoreTableToPointInTime's source (SourceTableArn or SourceTableName). */
static int pitr_source(ddbd_req_t *r, const char *arn, size_t al, const char *name, size_t nl,
                       ddb_table_info_t *src) {
    if (!arn == !name) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             arn ? "Only one of SourceTableArn or SourceTableName can be specified"
                                 : "Either SourceTableArn or SourceTableName must be specified");
    }
    const char *shown = arn ? arn : name;
    size_t shown_len = arn ? al : nl;
    if (arn) {
        int rc = ddbd_table_from_arn(r, arn, al, &name, &nl);
        if (rc) return rc;
    } else {
        name = ddbd_qname(r, name, nl, &nl);
    }
    *src = (ddb_table_info_t){0};
    int rc = ddb_table_get(r->srv->engine, name, nl, r->arena, src, r->err);
    if (rc) return ddbd_backup_error(r, rc, shown, shown_len, NULL, 0);
    if (src->restoring) return ddbd_backup_error(r, DDB_ERR_TABLE_IN_USE, name, nl, NULL, 0);
    if (!src->pitr.enabled)
        return ddbd_backup_error(r, DDB_ERR_PITR_UNAVAILABLE, name, nl, NULL, 0);
    return 0;
}

int op_restore_table_to_point_in_time(ddbd_req_t *r) {
    const char *arn, *name;
    size_t al, nl;
    bool latest = false, lp = false, tp = false;
    int64_t at = 0;
    int rc = p_str(r->in, "SourceTableArn", &arn, &al, r->err);
    if (!rc) rc = p_str(r->in, "SourceTableName", &name, &nl, r->err);
    if (!rc) rc = p_bool(r->in, "UseLatestRestorableTime", &latest, &lp, r->err);
    if (!rc) rc = ddbd_parse_time(r, "RestoreDateTime", &at, &tp);
    if (rc) return rc;
    restore_ov_t ov = {0};
    vlist_t v;
    vlist_init(&v);
    if (arn) vlist_len(&v, arn, p_cut(al, 300), al, 1, 1024, "sourceTableArn");
    if (name) vlist_table_name(&v, "sourceTableName", name, nl);
    rc = ddbd_restore_read(r, &ov, &v);
    if (!rc) rc = vlist_finish(&v, r->err);
    if (rc) return rc;
    latest = lp && latest;
    if (latest && tp) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "Only one of RestoreDateTime or UseLatestRestorableTime can be "
                             "specified");
    }
    if (!latest && !tp) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "Either RestoreDateTime or UseLatestRestorableTime must be specified");
    }
    ddb_table_info_t src;
    rc = pitr_source(r, arn, al, name, nl, &src);
    if (rc) return rc;
    int64_t earliest, newest;
    ddb_pitr_window(r->srv->engine, &src, &earliest, &newest);
    if (latest) at = newest;
    if (at < earliest || at > newest) {
        return ddb_error_set(r->err, DDB_ERR_INVALID_RESTORE_TIME,
                             "RestoreDateTime must be between EarliestRestorableDateTime and "
                             "LatestRestorableDateTime");
    }
    mb_t s;
    mb_init(&s, r->arena, 2);
    buf_t ab;
    buf_init(&ab);
    ddbd_put_table_arn(r, &ab, src.name, src.name_len);
    mb_str(&s, "SourceTableArn", ab.data, ab.len);
    buf_free(&ab);
    const char *att = meta_time_text(r->arena, at);
    ddb_value_t atv = {.type = DDB_T_N, .u.str = {att, strlen(att)}};
    mb_val(&s, "RestoreDateTime", &atv);
    ddb_value_t summary = mb_done(&s);
    ddb_table_info_t target;
    rc = ddbd_restore_target(r, &ov, &src, &summary, &target);
    if (rc) return rc;
    rc = ddb_pitr_restore(r->srv->engine, src.name, src.name_len, at, &target, r->err);
    if (rc == DDB_ERR_INVALID_RESTORE_TIME) {
        return ddb_error_set(r->err, DDB_ERR_INVALID_RESTORE_TIME,
                             "RestoreDateTime must be between EarliestRestorableDateTime and "
                             "LatestRestorableDateTime");
    }
    if (rc == DDB_ERR_TABLE_NOT_FOUND || rc == DDB_ERR_PITR_UNAVAILABLE)
        return ddbd_backup_error(r, rc, src.name, src.name_len, NULL, 0);
    if (rc) return ddbd_backup_error(r, rc, ov.target, ov.target_len, NULL, 0);
    ddbd_restore_answer(r, &target);
    return 0;
}
