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

double ddbd_cap_total(const ddbd_capacity_t *c) {
    double u = c->table;
    for (size_t i = 0; i < DDBD_CAP_INDEXES; i++)
        u += c->ix[i];
    return u;
}

void ddbd_cap_add(ddbd_capacity_t *into, const ddbd_capacity_t *c, double factor) {
    into->table += factor * c->table;
    for (size_t i = 0; i < DDBD_CAP_INDEXES; i++)
        into->ix[i] += factor * c->ix[i];
}

void ddbd_cap_read(ddbd_capacity_t *c, const ddb_table_info_t *t, const ddb_index_info_t *ix,
                   double units) {
    size_t i = ix ? (size_t)(ix - t->indexes) : DDBD_CAP_INDEXES;
    if (i < DDBD_CAP_INDEXES)
        c->ix[i] += units;
    else
        c->table += units;
}

void ddbd_cap_write(ddbd_req_t *r, const ddb_table_info_t *t, const ddb_value_t *old,
                    const ddb_value_t *next, double factor, bool indexes, ddbd_capacity_t *c) {
    size_t a = old ? ddb_item_size(old) : 0, b = next ? ddb_item_size(next) : 0;
    c->table += factor * ddbd_write_units(a > b ? a : b);
    for (size_t i = 0; indexes && i < t->nindexes && i < DDBD_CAP_INDEXES; i++) {
        if (t->indexes[i].ttl) continue; /* ddbd's own: DynamoDB has no such index */
        size_t sizes[2];
        size_t n = ddb_index_writes(r->arena, t, &t->indexes[i], old, next, sizes);
        for (size_t k = 0; k < n; k++)
            c->ix[i] += factor * ddbd_write_units(sizes[k]);
    }
}

/* "CapacityUnits":u, with the kind's named member. */
static void put_units(buf_t *b, double u, ddbd_cap_kind_t kind) {
    buf_printf(b, "\"CapacityUnits\":%.1f", u);
    if (kind == CAP_READS) buf_printf(b, ",\"ReadCapacityUnits\":%.1f", u);
    if (kind == CAP_WRITES) buf_printf(b, ",\"WriteCapacityUnits\":%.1f", u);
}

/* ,"LocalSecondaryIndexes"/"GlobalSecondaryIndexes":{name:{...}} of the
 * indexes that used any units. */
static void put_indexes(buf_t *b, const ddb_table_info_t *t, const ddbd_capacity_t *c, bool local,
                        ddbd_cap_kind_t kind) {
    bool first = true;
    for (size_t i = 0; i < t->nindexes && i < DDBD_CAP_INDEXES; i++) {
        const ddb_index_info_t *ix = &t->indexes[i];
        if (ix->ttl || ix->local != local || c->ix[i] == 0) continue;
        buf_puts(b, first
                        ? (local ? ",\"LocalSecondaryIndexes\":{" : ",\"GlobalSecondaryIndexes\":{")
                        : ",");
        first = false;
        json_put_str(b, ix->name, ix->name_len);
        buf_puts(b, ":{");
        put_units(b, c->ix[i], kind);
        buf_putc(b, '}');
    }
    if (!first) buf_putc(b, '}');
}

void ddbd_put_capacity(buf_t *b, const ddb_table_info_t *t, int mode, const ddbd_capacity_t *c,
                       ddbd_cap_kind_t kind) {
    buf_puts(b, "{\"TableName\":");
    ddbd_put_table_name(b, t->name, t->name_len);
    buf_putc(b, ',');
    put_units(b, ddbd_cap_total(c), kind);
    if (mode == 2) {
        buf_puts(b, ",\"Table\":{");
        put_units(b, c->table, kind);
        buf_putc(b, '}');
        put_indexes(b, t, c, true, kind);
        put_indexes(b, t, c, false, kind);
    }
    buf_putc(b, '}');
}

void ddbd_put_consumed(ddbd_req_t *r, const ddb_table_info_t *t, int mode,
                       const ddbd_capacity_t *c) {
    r->srv->note.capacity = ddbd_cap_total(c); /* for the request log, asked for or not */
    r->srv->note.cap = *c;
    r->srv->note.has_capacity = true;
    if (!mode) return;
    buf_puts(r->out, ",\"ConsumedCapacity\":");
    ddbd_put_capacity(r->out, t, mode, c, CAP_PLAIN);
}

void ddbd_put_key_schema(buf_t *b, const ddb_key_schema_t *k) {
    bool range = k->range_type != DDB_T_NONE;
    json_put_key_schema(b, k->hash_name, k->hash_len, range ? k->range_name : NULL,
                        range ? k->range_len : 0);
}
