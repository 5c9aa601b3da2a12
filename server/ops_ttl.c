/* ops_ttl.c: UpdateTimeToLive and DescribeTimeToLive. The engine keeps an
 * expiry index while TTL is on and its sweeper deletes expired items; TTL is
 * ENABLING until that index has been built from the existing items.
 * Messages follow DynamoDB Local where it was asked. */
#include <string.h>

#include "server/ddbd.h"
#include "query/json.h"
#include "query/params.h"

int op_describe_time_to_live(ddbd_req_t *r) {
    ddb_table_info_t t;
    int rc = ddbd_load_table(r, true, &t);
    if (rc) return rc;
    const ddb_index_info_t *ttl = ddb_table_ttl(&t);
    if (!ttl) {
        buf_puts(r->out, "{\"TimeToLiveDescription\":{\"TimeToLiveStatus\":\"DISABLED\"}}");
        return 0;
    }
    buf_printf(r->out, "{\"TimeToLiveDescription\":{\"TimeToLiveStatus\":\"%s\",\"AttributeName\":",
               ttl->backfilling ? "ENABLING" : "ENABLED");
    json_put_str(r->out, ttl->key.hash_name, ttl->key.hash_len);
    buf_puts(r->out, "}}");
    return 0;
}

int op_update_time_to_live(ddbd_req_t *r) {
    const cJSON *spec;
    const char *name, *attr = NULL;
    size_t nl, al = 0;
    bool enabled = false, ep = false;
    int rc = p_str(r->in, "TableName", &name, &nl, r->err);
    if (!rc) rc = p_obj(r->in, "TimeToLiveSpecification", &spec, r->err);
    if (!rc && spec) rc = p_str(spec, "AttributeName", &attr, &al, r->err);
    if (!rc && spec) rc = p_bool(spec, "Enabled", &enabled, &ep, r->err);
    if (rc) return rc;
    vlist_t v;
    vlist_init(&v);
    vlist_table_name(&v, "tableName", name, nl);
    if (spec && !ep) vlist_not_null(&v, "timeToLiveSpecification.enabled");
    if (spec && !attr) vlist_not_null(&v, "timeToLiveSpecification.attributeName");
    rc = vlist_finish(&v, r->err);
    if (rc) return rc;
    if (!spec)
        return ddb_error_set(r->err, DDB_ERR_VALIDATION, "TimeToLiveSpecification cannot be null");
    if (al < 1 || al > 255) {
        return ddb_error_set(
            r->err, DDB_ERR_VALIDATION,
            "Names of key attributes and attributes projected into an index must be "
            "between 1 and 255 characters, inclusive");
    }
    ddb_table_info_t t;
    rc = ddbd_load_table(r, true, &t);
    if (rc) return rc;
    const ddb_index_info_t *ttl = ddb_table_ttl(&t);
    bool same = ttl && ttl->key.hash_len == al && memcmp(ttl->key.hash_name, attr, al) == 0;
    if (ttl && !same) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "TimeToLive is active on a different AttributeName");
    }
    if (enabled && ttl)
        return ddb_error_set(r->err, DDB_ERR_VALIDATION, "TimeToLive is already enabled");
    if (!enabled && !ttl)
        return ddb_error_set(r->err, DDB_ERR_VALIDATION, "TimeToLive is already disabled");
    rc = ddb_ttl_set(r->srv->engine, t.name, t.name_len, enabled ? attr : NULL, al, r->err);
    if (rc) return rc;
    buf_printf(r->out, "{\"TimeToLiveSpecification\":{\"Enabled\":%s,\"AttributeName\":",
               enabled ? "true" : "false");
    json_put_str(r->out, attr, al);
    buf_puts(r->out, "}}");
    return 0;
}
