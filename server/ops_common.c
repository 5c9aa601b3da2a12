/* ops_common.c: helpers shared by the operation handlers: table lookup by
 * the request's TableName, and table ARNs. */
#include <string.h>

#include "server/ddbd.h"
#include "query/arn.h"
#include "query/json.h"
#include "query/params.h"

int ddbd_load_table(ddbd_req_t *r, bool control, ddb_table_info_t *t) {
    const char *name;
    size_t nl;
    int rc = p_str(r->in, "TableName", &name, &nl, r->err);
    if (rc) return rc;
    return ddbd_load_table_name(r, name, nl, control, t);
}

int ddbd_load_table_name(ddbd_req_t *r, const char *name, size_t nl, bool control,
                         ddb_table_info_t *t) {
    vlist_t v;
    vlist_init(&v);
    vlist_table_name(&v, "tableName", name, nl);
    int rc = vlist_finish(&v, r->err);
    if (rc) return rc;
    name = ddbd_qname(r, name, nl, &nl);
    /* a batch or transaction names the same table again and again: the
     * request keeps the last table it loaded (the engine re-checks the
     * catalog under the writer anyway) */
    const ddb_table_info_t *last = r->last_table ? *r->last_table : NULL;
    if (last && last->name_len == nl && memcmp(last->name, name, nl) == 0) {
        *t = *last;
        return 0;
    }
    *t = (ddb_table_info_t){0}; /* fields the engine leaves alone read as unset */
    rc = ddb_table_get(r->srv->engine, name, nl, r->arena, t, r->err);
    /* a table a restore is still filling is CREATING: DynamoDB serves no
     * data operation on a table that is not ACTIVE */
    if (!rc && !control && t->restoring) rc = DDB_ERR_RESOURCE_NOT_FOUND;
    if (!rc && !control && r->last_table) {
        ddb_table_info_t *keep = ddb_arena_alloc(r->arena, sizeof *keep);
        *keep = *t;
        *r->last_table = keep;
    }
    if (rc == DDB_ERR_RESOURCE_NOT_FOUND) {
        name = ddb_qname_plain(name, nl, &nl);
        if (control) {
            return ddb_error_set(r->err, DDB_ERR_RESOURCE_NOT_FOUND,
                                 "Requested resource not found: Table: %.*s not found", (int)nl,
                                 name);
        }
        return ddb_error_set(r->err, DDB_ERR_RESOURCE_NOT_FOUND, "Requested resource not found");
    }
    return rc;
}

void ddbd_put_table_arn(ddbd_req_t *r, buf_t *b, const char *name, size_t len) {
    ddb_arn_put_table(b, r->region, DDBD_ACCOUNT, name, len);
}

void ddbd_put_table_name(buf_t *b, const char *name, size_t len) {
    name = ddb_qname_plain(name, len, &len);
    json_put_str(b, name, len);
}

const char *ddbd_region_ns(const ddbd_t *srv, const char *region) {
    return srv->shared_regions || !strcmp(region, DDBD_DEFAULT_REGION) ? "" : region;
}

const char *ddbd_qname(ddbd_req_t *r, const char *name, size_t len, size_t *qlen) {
    const char *ns = ddbd_region_ns(r->srv, r->region);
    if (!*ns) {
        *qlen = len;
        return name;
    }
    buf_t b = {0};
    ddb_qname_put(&b, ns, strlen(ns), name, len);
    char *q = ddb_arena_strndup(r->arena, b.data, b.len);
    *qlen = b.len;
    buf_free(&b);
    return q;
}

bool ddbd_in_region(const ddbd_req_t *r, const char *q, size_t qlen) {
    const char *ns = ddbd_region_ns(r->srv, r->region), *rg, *n;
    size_t rl, nl;
    ddb_qname_split(q, qlen, &rg, &rl, &n, &nl);
    return rl == strlen(ns) && memcmp(rg, ns, rl) == 0;
}

int ddbd_table_from_arn(ddbd_req_t *r, const char *arn, size_t len, const char **name,
                        size_t *name_len) {
    /* arn:aws:dynamodb:REGION:ACCOUNT:table/NAME[/...]; any account maps to
     * the one account; the region must be the request's */
    ddb_arn_t a;
    if (!ddb_arn_parse(arn, len, &a) || a.partition_len != 3 || memcmp(a.partition, "aws", 3) ||
        a.service_len != 8 || memcmp(a.service, "dynamodb", 8)) {
        goto invalid;
    }
    if (!r->srv->shared_regions &&
        (a.region_len != strlen(r->region) || memcmp(a.region, r->region, a.region_len))) {
        /* "~~NAME": qualified by an empty region, which no table has */
        char *q = ddb_arena_alloc(r->arena, a.table_len + 3);
        q[0] = q[1] = DDB_QNAME_MARK;
        memcpy(q + 2, a.table, a.table_len);
        q[a.table_len + 2] = 0;
        *name = q;
        *name_len = a.table_len + 2;
        return 0;
    }
    *name = ddbd_qname(r, a.table, a.table_len, name_len);
    return 0;
invalid:
    return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                         "Invalid TableArn: Invalid ResourceArn "
                         "provided as input %.*s",
                         (int)(len > 300 ? 300 : len), arn);
}

/* ---- keys ---------------------------------------------------------------- */

#define MAX_HASH_KEY_BYTES  2048
#define MAX_RANGE_KEY_BYTES 1024

static int check_key_value(ddbd_req_t *r, const char *name, size_t nl, ddb_type_t want,
                           const ddb_value_t *v, size_t max_bytes, bool is_hash) {
    if (v->type != want) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "One or more parameter values were invalid: Type mismatch for key "
                             "%.*s expected: %s actual: %s",
                             (int)nl, name, ddb_type_name(want), ddb_type_name(v->type));
    }
    if ((want == DDB_T_S || want == DDB_T_B) && v->u.str.len == 0) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "One or more parameter values are not valid. The AttributeValue for "
                             "a key attribute cannot contain an empty %s value. Key: %.*s",
                             want == DDB_T_S ? "string" : "binary", (int)nl, name);
    }
    if (ddb_value_size(v) > max_bytes) {
        if (is_hash) {
            return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                                 "One or more parameter values were invalid: Size of hashkey has "
                                 "exceeded the maximum size limit of2048 bytes");
        }
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "One or more parameter values were invalid: Aggregated size of all "
                             "range keys has exceeded the size limit of 1024 bytes");
    }
    return 0;
}

int ddbd_item_key(ddbd_req_t *r, const ddb_table_info_t *t, const ddb_value_t *item,
                  ddb_value_t *key) {
    const ddb_key_schema_t *k = &t->key;
    bool has_range = k->range_type != DDB_T_NONE;
    const ddb_value_t *hv = ddb_map_get(item, k->hash_name, k->hash_len);
    const ddb_value_t *rv = has_range ? ddb_map_get(item, k->range_name, k->range_len) : NULL;
    if (!hv || (has_range && !rv)) {
        const char *missing = !hv ? k->hash_name : k->range_name;
        size_t ml = !hv ? k->hash_len : k->range_len;
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "One or more parameter values were invalid: Missing the key %.*s in "
                             "the item",
                             (int)ml, missing);
    }
    int rc =
        check_key_value(r, k->hash_name, k->hash_len, k->hash_type, hv, MAX_HASH_KEY_BYTES, true);
    if (!rc && has_range) {
        rc = check_key_value(r, k->range_name, k->range_len, k->range_type, rv, MAX_RANGE_KEY_BYTES,
                             false);
    }
    if (rc) return rc;
    ddb_attr_t *attrs = ddb_arena_alloc(r->arena, sizeof(ddb_attr_t) * 2);
    attrs[0] = (ddb_attr_t){k->hash_name, k->hash_len, *hv};
    if (has_range) attrs[1] = (ddb_attr_t){k->range_name, k->range_len, *rv};
    key->type = DDB_T_M;
    key->u.map.a = attrs;
    key->u.map.n = has_range ? 2 : 1;
    return 0;
}

int ddbd_check_key(ddbd_req_t *r, const ddb_table_info_t *t, const ddb_value_t *key) {
    const ddb_key_schema_t *k = &t->key;
    size_t want = k->range_type != DDB_T_NONE ? 2 : 1;
    const ddb_value_t *hv = ddb_map_get(key, k->hash_name, k->hash_len);
    const ddb_value_t *rv = want == 2 ? ddb_map_get(key, k->range_name, k->range_len) : NULL;
    if (key->u.map.n != want || !hv || (want == 2 && !rv) || hv->type != k->hash_type ||
        (rv && rv->type != k->range_type)) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "The provided key element does not match the schema");
    }
    int rc =
        check_key_value(r, k->hash_name, k->hash_len, k->hash_type, hv, MAX_HASH_KEY_BYTES, true);
    if (!rc && rv) {
        rc = check_key_value(r, k->range_name, k->range_len, k->range_type, rv, MAX_RANGE_KEY_BYTES,
                             false);
    }
    return rc;
}

/* ---- capacity ------------------------------------------------------------ */

double ddbd_read_units(size_t size, bool consistent) {
    size_t blocks = (size + 4095) / 4096;
    if (blocks == 0) blocks = 1;
    return consistent ? (double)blocks : (double)blocks / 2.0;
}

double ddbd_write_units(size_t size) {
    size_t blocks = (size + 1023) / 1024;
    return blocks ? (double)blocks : 1.0;
}

int ddbd_parse_rcc(ddbd_req_t *r, int *mode) {
    const char *s;
    size_t l;
    int rc = p_str(r->in, "ReturnConsumedCapacity", &s, &l, r->err);
    if (rc) return rc;
    *mode = 0;
    if (!s || (l == 4 && memcmp(s, "NONE", 4) == 0)) return 0;
    if (l == 5 && memcmp(s, "TOTAL", 5) == 0) {
        *mode = 1;
        return 0;
    }
    if (l == 7 && memcmp(s, "INDEXES", 7) == 0) {
        *mode = 2;
        return 0;
    }
    return p_error_enum(r->err, s, p_cut(l, 100), "INDEXES, TOTAL, NONE", "returnConsumedCapacity");
}

void ddbd_put_capacity(buf_t *b, const char *table, size_t len, int mode, double units) {
    buf_puts(b, "{\"TableName\":");
    table = ddb_qname_plain(table, len, &len);
    json_put_str(b, table, len);
    buf_printf(b, ",\"CapacityUnits\":%.1f", units);
    if (mode == 2) buf_printf(b, ",\"Table\":{\"CapacityUnits\":%.1f}", units);
    buf_putc(b, '}');
}

void ddbd_put_consumed(ddbd_req_t *r, const ddb_table_info_t *t, int mode, double units) {
    r->srv->note.capacity = units; /* for the request log, asked for or not */
    r->srv->note.has_capacity = true;
    if (!mode) return;
    buf_puts(r->out, ",\"ConsumedCapacity\":");
    ddbd_put_capacity(r->out, t->name, t->name_len, mode, units);
}

void ddbd_put_key_schema(buf_t *b, const ddb_key_schema_t *k) {
    bool range = k->range_type != DDB_T_NONE;
    json_put_key_schema(b, k->hash_name, k->hash_len, range ? k->range_name : NULL,
                        range ? k->range_len : 0);
}
