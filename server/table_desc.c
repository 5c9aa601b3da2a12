/* table_desc.c: the TableDescription object of CreateTable, DescribeTable,
 * UpdateTable and DeleteTable, rendered from the table's meta map in the
 * catalog and the engine's live statistics, straight into the response
 * buffer. Reads only; never changes the catalog. */
#include <string.h>

#include "query/json.h"
#include "server/ddbd.h"
#include "server/indexes.h"
#include "server/meta.h"
#include "server/streams.h"

static void put_num_member(buf_t *b, const char *name, const ddb_value_t *meta, const char *key,
                           int64_t dflt) {
    buf_putc(b, ',');
    json_put_key(b, name);
    buf_printf(b, "%lld", (long long)meta_int(meta, key, dflt));
}

static void put_time_member(buf_t *b, const char *name, const ddb_value_t *meta, const char *key) {
    const ddb_value_t *v = meta_get(meta, key);
    if (!v || v->type != DDB_T_N) return;
    buf_putc(b, ',');
    json_put_key(b, name);
    buf_put(b, v->u.str.ptr, v->u.str.len);
}

static void put_attr_defs(buf_t *b, const ddb_value_t *meta) {
    const ddb_value_t *defs = meta_get(meta, "AttributeDefinitions");
    buf_putc(b, '[');
    for (size_t i = 0; defs && defs->type == DDB_T_L && i < defs->u.list.n; i++) {
        const ddb_value_t *d = &defs->u.list.v[i];
        size_t nl, tl;
        const char *n = meta_str(d, "AttributeName", &nl);
        const char *t = meta_str(d, "AttributeType", &tl);
        if (i) buf_putc(b, ',');
        buf_puts(b, "{\"AttributeName\":");
        json_put_str(b, n ? n : "", nl);
        buf_puts(b, ",\"AttributeType\":");
        json_put_str(b, t ? t : "", tl);
        buf_putc(b, '}');
    }
    buf_putc(b, ']');
}

/* ,"RestoreSummary":{...} of a table made by a restore (recorded in its
 * meta when the restore began); in progress while the engine fills it. */
static void put_restore_summary(buf_t *b, const ddb_table_info_t *t) {
    const ddb_value_t *rs = meta_get(t->meta, "RestoreSummary");
    if (!rs || rs->type != DDB_T_M) return;
    buf_puts(b, ",\"RestoreSummary\":{");
    static const char *const sources[] = {"SourceBackupArn", "SourceTableArn"};
    for (size_t i = 0; i < 2; i++) {
        size_t l;
        const char *s = meta_str(rs, sources[i], &l);
        if (!s) continue;
        json_put_key(b, sources[i]);
        json_put_str(b, s, l);
        buf_putc(b, ',');
    }
    const ddb_value_t *at = meta_get(rs, "RestoreDateTime");
    buf_puts(b, "\"RestoreDateTime\":");
    if (at && at->type == DDB_T_N)
        buf_put(b, at->u.str.ptr, at->u.str.len);
    else
        buf_putc(b, '0');
    buf_printf(b, ",\"RestoreInProgress\":%s}", t->restoring ? "true" : "false");
}

/* ,"ProvisionedThroughput":{...}: the Last*DateTime members only once the
 * throughput has been raised or lowered (DynamoDB omits them before). */
static void put_throughput(buf_t *b, const ddb_value_t *meta) {
    buf_puts(b, ",\"ProvisionedThroughput\":{");
    static const char *const dates[][2] = {{"LastIncrease", "LastIncreaseDateTime"},
                                           {"LastDecrease", "LastDecreaseDateTime"}};
    for (size_t i = 0; i < 2; i++) {
        const ddb_value_t *v = meta_get(meta, dates[i][0]);
        if (!v || v->type != DDB_T_N) continue;
        json_put_key(b, dates[i][1]);
        buf_put(b, v->u.str.ptr, v->u.str.len);
        buf_putc(b, ',');
    }
    buf_printf(b, "\"NumberOfDecreasesToday\":%lld",
               (long long)meta_decreases_today(meta, ddb_now_ms()));
    put_num_member(b, "ReadCapacityUnits", meta, "RCU", 0);
    put_num_member(b, "WriteCapacityUnits", meta, "WCU", 0);
    buf_putc(b, '}');
}

/* ,"BillingModeSummary":{...} of a table that is on demand or has been: a
 * table switched back to PROVISIONED keeps it, with the time it last went
 * on demand; one created PROVISIONED has none. */
static void put_billing_summary(buf_t *b, const ddb_value_t *meta) {
    size_t bml;
    const char *bm = meta_str(meta, "BillingMode", &bml);
    bool on_demand = bm && bml == 15 && memcmp(bm, "PAY_PER_REQUEST", 15) == 0;
    if (!on_demand && !meta_get(meta, "PayPerRequestSince")) return;
    buf_puts(b, ",\"BillingModeSummary\":{\"BillingMode\":");
    buf_puts(b, on_demand ? "\"PAY_PER_REQUEST\"" : "\"PROVISIONED\"");
    put_time_member(b, "LastUpdateToPayPerRequestDateTime", meta, "PayPerRequestSince");
    buf_putc(b, '}');
}

static void put_identity(ddbd_req_t *r, const ddb_table_info_t *t) {
    buf_t *b = r->out;
    buf_printf(b, ",\"TableSizeBytes\":%llu,\"ItemCount\":%llu", (unsigned long long)t->size_bytes,
               (unsigned long long)t->item_count);
    buf_puts(b, ",\"TableArn\":\"");
    ddbd_put_table_arn(r, b, t->name, t->name_len);
    buf_puts(b, "\",\"TableId\":");
    size_t idl;
    const char *id = meta_str(t->meta, "TableId", &idl);
    json_put_str(b, id ? id : "", idl);
    put_billing_summary(b, t->meta);
}

/* DeleteTable's answer: DynamoDB describes the table being deleted briefly
 * (its API reference's example; no key schema, attribute definitions,
 * creation time or indexes, which go with it). */
static void put_deleted_desc(ddbd_req_t *r, const ddb_table_info_t *t) {
    buf_t *b = r->out;
    buf_puts(b, "{\"TableName\":");
    json_put_str(b, t->name, t->name_len);
    buf_puts(b, ",\"TableStatus\":\"DELETING\"");
    put_throughput(b, t->meta);
    put_identity(r, t);
    buf_printf(b, ",\"DeletionProtectionEnabled\":false}");
}

void ddbd_put_table_desc(ddbd_req_t *r, const ddb_table_info_t *t, const char *status,
                         const char *deleting, size_t deleting_len) {
    if (strcmp(status, "DELETING") == 0) {
        put_deleted_desc(r, t);
        return;
    }
    buf_t *b = r->out;
    const ddb_value_t *meta = t->meta;
    buf_puts(b, "{\"AttributeDefinitions\":");
    put_attr_defs(b, meta);
    buf_puts(b, ",\"TableName\":");
    size_t pl;
    const char *plain = ddb_qname_plain(t->name, t->name_len, &pl);
    json_put_str(b, plain, pl);
    buf_puts(b, ",\"KeySchema\":");
    ddbd_put_key_schema(b, &t->key);
    /* a restore's target is CREATING until its items are in (DynamoDB's
     * answer to every control-plane call meanwhile) */
    if (t->restoring && strcmp(status, "ACTIVE") == 0) status = "CREATING";
    buf_puts(b, ",\"TableStatus\":");
    json_put_str(b, status, strlen(status));
    put_time_member(b, "CreationDateTime", meta, "CreationDateTime");
    put_throughput(b, meta);
    put_identity(r, t);
    size_t tcl;
    const char *tc = meta_str(meta, "TableClass", &tcl);
    if (tc) {
        buf_puts(b, ",\"TableClassSummary\":{\"TableClass\":");
        json_put_str(b, tc, tcl);
        buf_putc(b, '}');
    }
    buf_printf(b, ",\"DeletionProtectionEnabled\":%s",
               meta_bool(meta, "DeletionProtection", false) ? "true" : "false");
    ddbd_put_stream_desc(r, t);
    ddbd_put_indexes_desc(r, t, deleting, deleting_len);
    put_restore_summary(b, t);
    buf_putc(b, '}');
}
