/* restore.c: the target table of a restore (from a backup or to a point in
 * time) as DynamoDB makes it: the source's key, secondary indexes, billing
 * and throughput, or the request's overrides; no stream, TTL, tags or PITR
 * (the developer guide's list of what a restore leaves to be set up
 * again). Also the helpers the backup and PITR operations share. Builds
 * descriptions only; the engine copies the items. */
#include <math.h>
#include <string.h>

#include "query/json.h"
#include "server/backup.h"
#include "server/indexes.h"
#include "server/meta.h"

static bool streq(const char *s, size_t len, const char *lit) {
    return s && strlen(lit) == len && memcmp(s, lit, len) == 0;
}

void ddbd_put_time(buf_t *b, int64_t ms) {
    char t[JSON_EPOCH_MAX];
    buf_put(b, t, json_epoch_text(t, ms));
}

int ddbd_parse_time(ddbd_req_t *r, const char *member, int64_t *ms, bool *present) {
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(r->in, member);
    *present = false;
    if (!j || cJSON_IsNull(j)) return 0;
    if (!cJSON_IsNumber(j) || !isfinite(j->valuedouble)) return p_error_type(r->err, member);
    *ms = (int64_t)llround(j->valuedouble * 1000.0);
    *present = true;
    return 0;
}

int ddbd_backup_error(ddbd_req_t *r, int rc, const char *table, size_t len, const char *arn,
                      size_t arn_len) {
    if (table) table = ddb_qname_plain(table, len, &len);
    int tl = (int)len, al = (int)arn_len;
    switch (rc) {
    case DDB_ERR_TABLE_NOT_FOUND:
    case DDB_ERR_RESOURCE_NOT_FOUND:
        return ddb_error_set(r->err, DDB_ERR_TABLE_NOT_FOUND, "Table not found: %.*s", tl, table);
    case DDB_ERR_TABLE_ALREADY_EXISTS:
    case DDB_ERR_RESOURCE_IN_USE:
        return ddb_error_set(r->err, DDB_ERR_TABLE_ALREADY_EXISTS, "Table already exists: %.*s", tl,
                             table);
    case DDB_ERR_TABLE_IN_USE:
        return ddb_error_set(r->err, DDB_ERR_TABLE_IN_USE, "Table is being restored: %.*s", tl,
                             table);
    case DDB_ERR_BACKUP_NOT_FOUND:
        return ddb_error_set(r->err, DDB_ERR_BACKUP_NOT_FOUND, "Backup not found: %.*s", al, arn);
    case DDB_ERR_BACKUP_IN_USE:
        return ddb_error_set(r->err, DDB_ERR_BACKUP_IN_USE, "Backup is in use: %.*s", al, arn);
    case DDB_ERR_PITR_UNAVAILABLE:
        return ddb_error_set(r->err, DDB_ERR_PITR_UNAVAILABLE,
                             "Point in time recovery is not enabled for table '%.*s'", tl, table);
    default:
        return rc; /* the engine's own message (a quota, a storage failure) */
    }
}

int ddbd_backup_table(ddbd_req_t *r, const char *member, const char *where, ddb_table_info_t *t) {
    const char *name;
    size_t nl;
    int rc = p_str(r->in, member, &name, &nl, r->err);
    if (rc) return rc;
    if (!name) return p_error_not_null(r->err, "%s", where);
    rc = p_error_len(r->err, name, p_cut(nl, 300), nl, 1, 1024, "%s", where);
    if (rc) return rc;
    const char *shown = name;
    size_t shown_len = nl;
    if (nl > 4 && memcmp(name, "arn:", 4) == 0) {
        rc = ddbd_table_from_arn(r, name, nl, &name, &nl);
        if (rc) return rc;
    } else {
        name = ddbd_qname(r, name, nl, &nl);
    }
    *t = (ddb_table_info_t){0};
    rc = ddb_table_get(r->srv->engine, name, nl, r->arena, t, r->err);
    if (rc) return ddbd_backup_error(r, rc, shown, shown_len, NULL, 0);
    return 0;
}

/* ---- overrides ------------------------------------------------------------ */

int ddbd_restore_read(ddbd_req_t *r, restore_ov_t *ov, vlist_t *v) {
    const cJSON *sse, *odt;
    int rc = p_str(r->in, "TargetTableName", &ov->target, &ov->target_len, r->err);
    if (!rc) rc = p_str(r->in, "BillingModeOverride", &ov->bm, &ov->bml, r->err);
    if (!rc) rc = p_arr(r->in, "GlobalSecondaryIndexOverride", &ov->gsi, r->err);
    if (!rc) rc = p_arr(r->in, "LocalSecondaryIndexOverride", &ov->lsi, r->err);
    if (!rc) rc = p_obj(r->in, "ProvisionedThroughputOverride", &ov->pt, r->err);
    if (!rc) rc = p_obj(r->in, "SSESpecificationOverride", &sse, r->err);
    if (!rc) rc = p_obj(r->in, "OnDemandThroughputOverride", &odt, r->err);
    if (rc) return rc;
    vlist_table_name(v, "targetTableName", ov->target, ov->target_len);
    if (ov->bm && !streq(ov->bm, ov->bml, "PROVISIONED") &&
        !streq(ov->bm, ov->bml, "PAY_PER_REQUEST")) {
        vlist_enum(v, ov->bm, p_cut(ov->bml, 100), "PROVISIONED, PAY_PER_REQUEST",
                   "billingModeOverride");
    }
    if (ov->pt) {
        bool rp, wp;
        rc = p_int(ov->pt, "ReadCapacityUnits", &ov->rcu, &rp, r->err);
        if (!rc) rc = p_int(ov->pt, "WriteCapacityUnits", &ov->wcu, &wp, r->err);
        if (rc) return rc;
        if (!rp)
            vlist_not_null(v, "provisionedThroughputOverride.readCapacityUnits");
        else if (ov->rcu < 1)
            vlist_value_min(v, ov->rcu, 1, "provisionedThroughputOverride.readCapacityUnits");
        if (!wp)
            vlist_not_null(v, "provisionedThroughputOverride.writeCapacityUnits");
        else if (ov->wcu < 1)
            vlist_value_min(v, ov->wcu, 1, "provisionedThroughputOverride.writeCapacityUnits");
    }
    return 0;
}

/* The source's AttributeDefinitions (its meta) as CreateTable parses them. */
static void source_defs(ddbd_req_t *r, const ddb_table_info_t *src, attr_def_t **out, size_t *n) {
    const ddb_value_t *defs = meta_get(src->meta, "AttributeDefinitions");
    size_t cnt = defs && defs->type == DDB_T_L ? defs->u.list.n : 0;
    attr_def_t *d = ddb_arena_alloc(r->arena, sizeof *d * (cnt + 1));
    size_t k = 0;
    for (size_t i = 0; i < cnt; i++) {
        size_t nl, tl;
        const char *name = meta_str(&defs->u.list.v[i], "AttributeName", &nl);
        const char *type = meta_str(&defs->u.list.v[i], "AttributeType", &tl);
        if (!name || !type || tl != 1) continue;
        d[k++] = (attr_def_t){name, nl,
                              type[0] == 'N'   ? DDB_T_N
                              : type[0] == 'B' ? DDB_T_B
                                               : DDB_T_S};
    }
    *out = d;
    *n = k;
}

static bool key_has(const ddb_key_schema_t *k, const char *name, size_t len) {
    return (len == k->hash_len && !memcmp(name, k->hash_name, len)) ||
           (k->range_type && len == k->range_len && !memcmp(name, k->range_name, len));
}

/* Billing of the target: the override, else the source's. */
static int restore_billing(ddbd_req_t *r, const restore_ov_t *ov, const ddb_table_info_t *src,
                           bool *on_demand, int64_t *rcu, int64_t *wcu) {
    size_t l;
    const char *cur = meta_str(src->meta, "BillingMode", &l);
    bool was = streq(cur, l, "PAY_PER_REQUEST");
    *on_demand = ov->bm ? streq(ov->bm, ov->bml, "PAY_PER_REQUEST") : was;
    if (*on_demand && ov->pt) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "One or more parameter values were invalid: Neither "
                             "ReadCapacityUnits nor WriteCapacityUnits can be specified when "
                             "BillingMode is PAY_PER_REQUEST");
    }
    *rcu = ov->pt ? ov->rcu : meta_int(src->meta, "RCU", 0);
    *wcu = ov->pt ? ov->wcu : meta_int(src->meta, "WCU", 0);
    if (!*on_demand && (*rcu < 1 || *wcu < 1)) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "One or more parameter values were invalid: ReadCapacityUnits and "
                             "WriteCapacityUnits must both be specified when BillingMode is "
                             "PROVISIONED");
    }
    return 0;
}

/* The target's indexes: each kind overridden or the source's (never its
 * TTL index); *tp their provisioned throughput. */
static int restore_indexes(ddbd_req_t *r, const restore_ov_t *ov, const ddb_table_info_t *src,
                           bool on_demand, int64_t rcu, int64_t wcu, const attr_def_t *defs,
                           size_t ndefs, ddb_table_info_t *out, ddb_value_t *tp) {
    ddb_index_info_t *ix = NULL;
    size_t n = 0;
    ddb_value_t otp = {.type = DDB_T_M};
    /* an empty override leaves every index of its kind out (a restore
     * "without secondary indexes"); CreateTable refuses an empty list */
    const cJSON *gsi = ov->gsi && cJSON_GetArraySize(ov->gsi) ? ov->gsi : NULL;
    const cJSON *lsi = ov->lsi && cJSON_GetArraySize(ov->lsi) ? ov->lsi : NULL;
    if (gsi || lsi) {
        int rc = ddbd_parse_indexes(r, gsi, lsi, on_demand, &src->key, defs, ndefs, &ix, &n, &otp);
        if (rc) return rc;
    }
    ddb_index_info_t *all = ddb_arena_alloc(r->arena, sizeof *all * (n + src->nindexes + 1));
    if (n) memcpy(all, ix, sizeof *all * n);
    mb_t m;
    mb_init(&m, r->arena, n + src->nindexes + 1);
    mb_copy_except(&m, &otp, NULL);
    const ddb_value_t *stp = meta_get(src->meta, "IndexThroughput");
    for (size_t i = 0; i < src->nindexes; i++) {
        const ddb_index_info_t *s = &src->indexes[i];
        if (s->ttl || (s->local ? ov->lsi != NULL : ov->gsi != NULL)) continue;
        ddb_index_info_t c = *s;
        c.id = 0, c.backfilling = false, c.item_count = 0, c.size_bytes = 0;
        all[n++] = c;
        if (s->local || on_demand) continue;
        const ddb_value_t *mine = stp ? ddb_map_get(stp, s->name, s->name_len) : NULL;
        mb_t e;
        mb_init(&e, r->arena, 2);
        mb_int(&e, "RCU", mine ? meta_int(mine, "RCU", rcu) : rcu);
        mb_int(&e, "WCU", mine ? meta_int(mine, "WCU", wcu) : wcu);
        ddb_value_t ev = mb_done(&e);
        mb_val(&m, ddb_arena_strndup(r->arena, s->name, s->name_len), &ev);
    }
    out->indexes = all;
    out->nindexes = n;
    *tp = mb_done(&m);
    return 0;
}

int ddbd_restore_target(ddbd_req_t *r, const restore_ov_t *ov, const ddb_table_info_t *src,
                        const ddb_value_t *summary, ddb_table_info_t *out) {
    bool on_demand = false;
    int64_t rcu = 0, wcu = 0;
    int rc = restore_billing(r, ov, src, &on_demand, &rcu, &wcu);
    if (rc) return rc;
    attr_def_t *defs;
    size_t ndefs;
    source_defs(r, src, &defs, &ndefs);
    size_t ql;
    const char *qn = ddbd_qname(r, ov->target, ov->target_len, &ql);
    *out = (ddb_table_info_t){.name = qn, .name_len = ql, .key = src->key};
    ddb_value_t *tp = ddb_arena_alloc(r->arena, sizeof *tp);
    rc = restore_indexes(r, ov, src, on_demand, rcu, wcu, defs, ndefs, out, tp);
    if (rc) return rc;
    /* the definitions are exactly the key attributes of the table and the
     * indexes it keeps (an index left out takes its own with it) */
    size_t used = 0;
    for (size_t i = 0; i < ndefs; i++) {
        bool keep = key_has(&src->key, defs[i].name, defs[i].len);
        for (size_t x = 0; !keep && x < out->nindexes; x++)
            keep = ddbd_index_key_has(&out->indexes[x], defs[i].name, defs[i].len);
        if (keep) defs[used++] = defs[i];
    }
    size_t tcl;
    const char *tclass = meta_str(src->meta, "TableClass", &tcl);
    ddbd_meta_spec_t ms = {.defs = defs,
                           .ndefs = used,
                           .on_demand = on_demand,
                           .rcu = rcu,
                           .wcu = wcu,
                           .tclass = tclass,
                           .tcl = tcl,
                           .index_tp = tp,
                           .restore = summary};
    ddb_value_t *meta = ddb_arena_alloc(r->arena, sizeof *meta);
    *meta = ddbd_table_meta(r->arena, &ms);
    out->meta = meta;
    return 0;
}

void ddbd_restore_answer(ddbd_req_t *r, ddb_table_info_t *target) {
    ddb_table_info_t t = {0};
    ddb_error_t e;
    ddb_error_clear(&e);
    /* the table as the catalog now has it (its ids); the answer is the
     * request's, given when the restore began, as DynamoDB's is */
    if (ddb_table_get(r->srv->engine, target->name, target->name_len, r->arena, &t, &e) == 0)
        *target = t;
    target->restoring = true;
    target->item_count = 0;
    target->size_bytes = 0;
    buf_puts(r->out, "{\"TableDescription\":");
    ddbd_put_table_desc(r, target, "ACTIVE", NULL, 0);
    buf_putc(r->out, '}');
}
