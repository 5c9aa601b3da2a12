/* ops_table.c: the control plane's table operations: CreateTable,
 * DescribeTable, ListTables, DeleteTable, UpdateTable.
 *
 * Validates requests the way DynamoDB does (constraint lists first, then the
 * semantic checks) and keeps each table's description as a meta map in the
 * engine's catalog (rendered by table_desc.c). */
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "server/ddbd.h"
#include "server/indexes.h"
#include "query/json.h"
#include "server/meta.h"
#include "query/params.h"
#include "server/streams.h"

static void make_uuid(char out[37]) {
    unsigned char b[16];
    if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b) {
        /* fall back to the clock: uniqueness matters, not unpredictability */
        int64_t t = ddb_now_ms();
        for (size_t i = 0; i < sizeof b; i++)
            b[i] = (unsigned char)(t >> (i % 8 * 8)) ^ (unsigned char)i;
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
}

/* ---- CreateTable --------------------------------------------------------- */

typedef struct key_elem {
    const char *name;
    size_t len;
    const char *key_type;
    size_t key_type_len;
} key_elem_t;

static bool streq(const char *s, size_t len, const char *lit) {
    return s && strlen(lit) == len && memcmp(s, lit, len) == 0;
}

static int parse_key_schema(ddbd_req_t *r, const cJSON *arr, key_elem_t *keys, size_t *nkeys,
                            vlist_t *v) {
    size_t n = 0;
    const cJSON *e;
    int idx = 0;
    cJSON_ArrayForEach(e, arr) {
        idx++;
        if (!cJSON_IsObject(e)) {
            return p_error_type(r->err, "KeySchema");
        }
        key_elem_t k = {0};
        int rc = p_str(e, "AttributeName", &k.name, &k.len, r->err);
        if (!rc) rc = p_str(e, "KeyType", &k.key_type, &k.key_type_len, r->err);
        if (rc) return rc;
        if (!k.name) {
            vlist_not_null(v, "keySchema.%d.member.attributeName", idx);
        } else {
            vlist_len(v, k.name, p_cut(k.len, 300), k.len, 1, 255,
                      "keySchema.%d.member.attributeName", idx);
        }
        if (!k.key_type) {
            vlist_not_null(v, "keySchema.%d.member.keyType", idx);
        } else if (!streq(k.key_type, k.key_type_len, "HASH") &&
                   !streq(k.key_type, k.key_type_len, "RANGE")) {
            vlist_enum(v, k.key_type, p_cut(k.key_type_len, 100), "HASH, RANGE",
                       "keySchema.%d.member.keyType", idx);
        }
        if (n < 8) keys[n] = k;
        n++;
    }
    *nkeys = n;
    return 0;
}

static void check_throughput(const cJSON *pt, vlist_t *v, const char *where, int64_t *rcu,
                             int64_t *wcu, bool *rp, bool *wp, ddb_error_t *err, int *rc) {
    *rc = p_int(pt, "ReadCapacityUnits", rcu, rp, err);
    if (!*rc) *rc = p_int(pt, "WriteCapacityUnits", wcu, wp, err);
    if (*rc) return;
    if (!*rp) {
        vlist_not_null(v, "%s.readCapacityUnits", where);
    } else if (*rcu < 1) {
        vlist_value_min(v, *rcu, 1, "%s.readCapacityUnits", where);
    }
    if (!*wp) {
        vlist_not_null(v, "%s.writeCapacityUnits", where);
    } else if (*wcu < 1) {
        vlist_value_min(v, *wcu, 1, "%s.writeCapacityUnits", where);
    }
}

#define BILLING_MODES "PROVISIONED, PAY_PER_REQUEST"

static bool billing_mode_valid(const char *bm, size_t len) {
    return streq(bm, len, "PROVISIONED") || streq(bm, len, "PAY_PER_REQUEST");
}

/* A CreateTable request as it is read and checked, step by step. */
typedef struct create_req {
    const char *name, *bm, *tclass;
    size_t nl, bml, tcl;
    const cJSON *ad, *ks, *pt, *tags, *gsi, *lsi, *ss;
    bool dp, dpp;
    attr_def_t *defs; /* AttributeDefinitions */
    size_t ndefs;
    key_elem_t keys[8]; /* KeySchema (the count may exceed 8: an error then) */
    size_t nkeys;
    int64_t rcu, wcu;
    bool rp, wp, on_demand;
    ddb_value_t tagv;          /* Tags as a list value */
    ddb_key_schema_t key;      /* the table's primary key */
    ddb_index_info_t *indexes; /* its secondary indexes */
    size_t nindexes;
    ddb_value_t index_tp; /* their provisioned throughput */
    bool stream_on;
    ddb_stream_view_t view;
} create_req_t;

/* Step 1: the members, with DynamoDB's deserializer's type errors. */
static int create_read(ddbd_req_t *r, create_req_t *c) {
    int rc = p_str(r->in, "TableName", &c->name, &c->nl, r->err);
    if (!rc) rc = p_arr(r->in, "AttributeDefinitions", &c->ad, r->err);
    if (!rc) rc = p_arr(r->in, "KeySchema", &c->ks, r->err);
    if (!rc) rc = p_str(r->in, "BillingMode", &c->bm, &c->bml, r->err);
    if (!rc) rc = p_obj(r->in, "ProvisionedThroughput", &c->pt, r->err);
    if (!rc) rc = p_arr(r->in, "Tags", &c->tags, r->err);
    if (!rc) rc = p_arr(r->in, "GlobalSecondaryIndexes", &c->gsi, r->err);
    if (!rc) rc = p_arr(r->in, "LocalSecondaryIndexes", &c->lsi, r->err);
    if (!rc) rc = p_obj(r->in, "StreamSpecification", &c->ss, r->err);
    if (!rc) rc = p_str(r->in, "TableClass", &c->tclass, &c->tcl, r->err);
    if (!rc) rc = p_bool(r->in, "DeletionProtectionEnabled", &c->dp, &c->dpp, r->err);
    return rc;
}

/* Step 2: the constraint violations, reported together. */
static int create_constraints(ddbd_req_t *r, create_req_t *c) {
    vlist_t v;
    vlist_init(&v);
    int rc = 0;
    if (c->ad) {
        rc = ddbd_parse_attr_defs(r, c->ad, &c->defs, &c->ndefs, &v);
        if (rc) return rc;
    }
    vlist_table_name(&v, "tableName", c->name, c->nl);
    if (c->ks) {
        rc = parse_key_schema(r, c->ks, c->keys, &c->nkeys, &v);
        if (rc) return rc;
        vlist_len(&v, "[...]", 5, c->nkeys, 1, 2, "keySchema");
    } else {
        vlist_not_null(&v, "keySchema");
    }
    if (!c->ad) vlist_not_null(&v, "attributeDefinitions");
    if (c->bm && !billing_mode_valid(c->bm, c->bml)) {
        vlist_enum(&v, c->bm, p_cut(c->bml, 100), BILLING_MODES, "billingMode");
    }
    if (c->tclass && !streq(c->tclass, c->tcl, "STANDARD") &&
        !streq(c->tclass, c->tcl, "STANDARD_INFREQUENT_ACCESS")) {
        vlist_enum(&v, c->tclass, p_cut(c->tcl, 100), "STANDARD, STANDARD_INFREQUENT_ACCESS",
                   "tableClass");
    }
    if (c->pt) {
        check_throughput(c->pt, &v, "provisionedThroughput", &c->rcu, &c->wcu, &c->rp, &c->wp,
                         r->err, &rc);
        if (rc) return rc;
    }
    c->tagv = (ddb_value_t){.type = DDB_T_L};
    if (c->tags) {
        rc = ddbd_parse_tags(r, c->tags, &c->tagv, &v, "tags");
        if (rc) return rc;
    }
    return vlist_finish(&v, r->err);
}

/* The "Some index key attributes are not defined" error, listing both. */
static int undefined_key_error(ddbd_req_t *r, const create_req_t *c) {
    buf_t kb, db;
    buf_init(&kb);
    buf_init(&db);
    for (size_t i = 0; i < c->nkeys; i++) {
        if (i) buf_puts(&kb, ", ");
        buf_put(&kb, c->keys[i].name, c->keys[i].len);
    }
    for (size_t i = 0; i < c->ndefs; i++) {
        if (i) buf_puts(&db, ", ");
        buf_put(&db, c->defs[i].name, c->defs[i].len);
    }
    int rc =
        ddb_error_set(r->err, DDB_ERR_VALIDATION,
                      "One or more parameter values were invalid: Some index key "
                      "attributes are not defined in AttributeDefinitions. Keys: [%.*s], "
                      "AttributeDefinitions: [%.*s]",
                      (int)kb.len, kb.data ? kb.data : "", (int)db.len, db.data ? db.data : "");
    buf_free(&kb);
    buf_free(&db);
    return rc;
}

/* Step 3a: billing and the primary key, in DynamoDB's order; fills c->key. */
static int create_check_key(ddbd_req_t *r, create_req_t *c) {
    c->on_demand = c->bm && streq(c->bm, c->bml, "PAY_PER_REQUEST");
    if (c->on_demand && c->pt) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "One or more parameter values were invalid: Neither "
                             "ReadCapacityUnits nor WriteCapacityUnits can be specified when "
                             "BillingMode is PAY_PER_REQUEST");
    }
    if (!c->on_demand && !c->pt) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "One or more parameter values were invalid: ReadCapacityUnits and "
                             "WriteCapacityUnits must both be specified when BillingMode is "
                             "PROVISIONED");
    }
    const key_elem_t *keys = c->keys;
    if (!streq(keys[0].key_type, keys[0].key_type_len, "HASH")) {
        return ddb_error_set(
            r->err, DDB_ERR_VALIDATION,
            "Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
    }
    if (c->nkeys == 2 && !streq(keys[1].key_type, keys[1].key_type_len, "RANGE")) {
        return ddb_error_set(
            r->err, DDB_ERR_VALIDATION,
            "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");
    }
    if (c->nkeys == 2 && keys[0].len == keys[1].len &&
        memcmp(keys[0].name, keys[1].name, keys[0].len) == 0) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "Both the Hash Key and the Range Key element in the KeySchema have "
                             "the same name");
    }
    const attr_def_t *defs = c->defs;
    for (size_t i = 0; i < c->ndefs; i++) {
        for (size_t j = i + 1; j < c->ndefs; j++) {
            if (defs[i].len == defs[j].len &&
                memcmp(defs[i].name, defs[j].name, defs[i].len) == 0) {
                return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                                     "Cannot have two attributes with the same name");
            }
        }
    }
    c->key = (ddb_key_schema_t){0};
    for (size_t k = 0; k < c->nkeys; k++) {
        ddb_type_t kt = DDB_T_NONE;
        for (size_t i = 0; i < c->ndefs; i++) {
            if (defs[i].len == keys[k].len && memcmp(defs[i].name, keys[k].name, keys[k].len) == 0)
                kt = defs[i].type;
        }
        if (kt == DDB_T_NONE) return undefined_key_error(r, c);
        if (k == 0) {
            c->key.hash_name = keys[0].name, c->key.hash_len = keys[0].len;
            c->key.hash_type = kt;
        } else {
            c->key.range_name = keys[1].name, c->key.range_len = keys[1].len;
            c->key.range_type = kt;
        }
    }
    return 0;
}

/* Whether attribute name[0..len) is a key attribute of k. */
static bool in_key(const ddb_key_schema_t *k, const char *name, size_t len) {
    return (len == k->hash_len && !memcmp(name, k->hash_name, len)) ||
           (k->range_type && len == k->range_len && !memcmp(name, k->range_name, len));
}

/* Step 3b: the indexes, the definitions they and the key use, tags and
 * stream, in DynamoDB's order. */
static int create_check_rest(ddbd_req_t *r, create_req_t *c) {
    c->index_tp = (ddb_value_t){.type = DDB_T_M};
    if (c->gsi || c->lsi) {
        int rc = ddbd_parse_indexes(r, c->gsi, c->lsi, c->on_demand, &c->key, c->defs, c->ndefs,
                                    &c->indexes, &c->nindexes, &c->index_tp);
        if (rc) return rc;
    }
    /* the attribute definitions are exactly the key attributes of the table and its indexes */
    size_t used = 0;
    for (size_t i = 0; i < c->ndefs; i++) {
        bool is_key = in_key(&c->key, c->defs[i].name, c->defs[i].len);
        for (size_t x = 0; !is_key && x < c->nindexes; x++) {
            is_key = ddbd_index_key_has(&c->indexes[x], c->defs[i].name, c->defs[i].len);
        }
        used += is_key;
    }
    if (used != c->ndefs) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "One or more parameter values were invalid: Number of attributes in "
                             "KeySchema does not exactly match number of attributes defined in "
                             "AttributeDefinitions");
    }
    int rc = ddbd_check_tag_count(r, c->tagv.u.list.n);
    if (rc) return rc;
    c->stream_on = false;
    c->view = 0;
    if (c->ss) rc = ddbd_parse_stream_spec(r, c->ss, &c->stream_on, &c->view);
    return rc;
}

/* The description kept in the catalog of a new table (CreateTable's, a
 * restore's target). */
ddb_value_t ddbd_table_meta(ddb_arena_t *a, const ddbd_meta_spec_t *s) {
    int64_t now = ddb_now_ms();
    const char *nowtext = meta_time_text(a, now);
    ddb_value_t *nowv = ddb_arena_alloc(a, sizeof *nowv);
    *nowv = (ddb_value_t){.type = DDB_T_N, .u.str = {nowtext, strlen(nowtext)}};
    mb_t m;
    mb_init(&m, a, 16);
    ddb_value_t defl = {.type = DDB_T_L};
    defl.u.list.v = ddb_arena_alloc(a, sizeof(ddb_value_t) * (s->ndefs ? s->ndefs : 1));
    for (size_t i = 0; i < s->ndefs; i++) {
        mb_t d;
        mb_init(&d, a, 2);
        mb_str(&d, "AttributeName", s->defs[i].name, s->defs[i].len);
        const char *tn = ddb_type_name(s->defs[i].type);
        mb_str(&d, "AttributeType", tn, strlen(tn));
        defl.u.list.v[defl.u.list.n++] = mb_done(&d);
    }
    mb_val(&m, "AttributeDefinitions", &defl);
    mb_val(&m, "CreationDateTime", nowv);
    char uuid[37];
    make_uuid(uuid);
    mb_str(&m, "TableId", uuid, 36);
    bool od = s->on_demand;
    mb_str(&m, "BillingMode", od ? "PAY_PER_REQUEST" : "PROVISIONED", od ? 15 : 11);
    if (od) mb_val(&m, "PayPerRequestSince", nowv);
    mb_int(&m, "RCU", od ? 0 : s->rcu);
    mb_int(&m, "WCU", od ? 0 : s->wcu);
    ddb_value_t none = {.type = DDB_T_L};
    mb_val(&m, "Tags", s->tags ? s->tags : &none);
    if (s->tclass) mb_str(&m, "TableClass", s->tclass, s->tcl);
    mb_bool(&m, "DeletionProtection", s->deletion_protection);
    if (s->index_tp && s->index_tp->u.map.n) mb_val(&m, "IndexThroughput", s->index_tp);
    if (s->restore) mb_val(&m, "RestoreSummary", s->restore);
    return mb_done(&m);
}

int op_create_table(ddbd_req_t *r) {
    create_req_t c = {0};
    int rc = create_read(r, &c);
    if (!rc) rc = create_constraints(r, &c);
    if (!rc) rc = create_check_key(r, &c);
    if (!rc) rc = create_check_rest(r, &c);
    if (rc) return rc;
    ddbd_meta_spec_t ms = {.defs = c.defs,
                           .ndefs = c.ndefs,
                           .on_demand = c.on_demand,
                           .rcu = c.rcu,
                           .wcu = c.wcu,
                           .tags = &c.tagv,
                           .tclass = c.tclass,
                           .tcl = c.tcl,
                           .deletion_protection = c.dp,
                           .index_tp = &c.index_tp};
    ddb_value_t meta = ddbd_table_meta(r->arena, &ms);
    size_t ql;
    const char *qn = ddbd_qname(r, c.name, c.nl, &ql);
    ddb_table_info_t info = {.name = qn,
                             .name_len = ql,
                             .meta = &meta,
                             .key = c.key,
                             .indexes = c.indexes,
                             .nindexes = c.nindexes,
                             .stream = {.enabled = c.stream_on, .view = c.view}};
    rc = ddb_table_create(r->srv->engine, &info, r->err);
    if (rc == DDB_ERR_RESOURCE_IN_USE) {
        return ddb_error_set(r->err, DDB_ERR_RESOURCE_IN_USE, "Table already exists: %.*s",
                             (int)c.nl, c.name);
    }
    if (rc) return rc;
    buf_puts(r->out, "{\"TableDescription\":");
    ddbd_put_table_desc(r, &info, "ACTIVE", NULL, 0);
    buf_putc(r->out, '}');
    return 0;
}

/* ---- DescribeTable / DeleteTable ---------------------------------------- */

int op_describe_table(ddbd_req_t *r) {
    ddb_table_info_t t;
    int rc = ddbd_load_table(r, true, &t);
    if (rc) return rc;
    buf_puts(r->out, "{\"Table\":");
    ddbd_put_table_desc(r, &t, "ACTIVE", NULL, 0);
    buf_putc(r->out, '}');
    return 0;
}

/* A table a restore is still filling cannot change (DynamoDB's answer for
 * a table being created). */
static int refuse_restoring(ddbd_req_t *r, const ddb_table_info_t *t) {
    if (!t->restoring) return 0;
    size_t pl;
    const char *plain = ddb_qname_plain(t->name, t->name_len, &pl);
    return ddb_error_set(r->err, DDB_ERR_RESOURCE_IN_USE,
                         "Attempt to change a resource which is still in use: Table is being "
                         "created: %.*s",
                         (int)pl, plain);
}

int op_delete_table(ddbd_req_t *r) {
    ddb_table_info_t t;
    int rc = ddbd_load_table(r, true, &t);
    if (!rc) rc = refuse_restoring(r, &t);
    if (rc) return rc;
    if (meta_bool(t.meta, "DeletionProtection", false)) {
        buf_t arn;
        buf_init(&arn);
        ddbd_put_table_arn(r, &arn, t.name, t.name_len);
        rc = ddb_error_set(r->err, DDB_ERR_VALIDATION,
                           "Resource cannot be deleted as it is currently protected against "
                           "deletion. Disable deletion protection first.");
        buf_free(&arn);
        return rc;
    }
    rc = ddb_table_delete(r->srv->engine, t.name, t.name_len, r->err);
    if (rc == DDB_ERR_RESOURCE_NOT_FOUND) {
        size_t pl;
        const char *plain = ddb_qname_plain(t.name, t.name_len, &pl);
        return ddb_error_set(r->err, DDB_ERR_RESOURCE_NOT_FOUND,
                             "Requested resource not found: Table: %.*s not found", (int)pl, plain);
    }
    if (rc) return rc;
    buf_puts(r->out, "{\"TableDescription\":");
    ddbd_put_table_desc(r, &t, "DELETING", NULL, 0);
    buf_putc(r->out, '}');
    return 0;
}

/* ---- ListTables ------------------------------------------------------------ */

int op_list_tables(ddbd_req_t *r) {
    const char *start;
    size_t sl;
    int64_t limit = 100;
    bool lp;
    int rc = p_str(r->in, "ExclusiveStartTableName", &start, &sl, r->err);
    if (!rc) rc = p_int(r->in, "Limit", &limit, &lp, r->err);
    if (rc) return rc;
    vlist_t v;
    vlist_init(&v);
    if (start) vlist_table_name(&v, "exclusiveStartTableName", start, sl);
    vlist_range(&v, "limit", lp, limit, 1, 100);
    rc = vlist_finish(&v, r->err);
    if (rc) return rc;
    if (!lp) limit = 100;
    /* the region's tables are one run of the catalog (query/arn.h): list
     * from its start (or after ExclusiveStartTableName in it), one name
     * past the limit to know whether more of the run follow */
    const char *ns = ddbd_region_ns(r->srv, r->region);
    size_t afl = 0;
    const char *after = NULL;
    if (start || *ns) after = ddbd_qname(r, start ? start : "", start ? sl : 0, &afl);
    const char **names;
    size_t *lens, count;
    bool more;
    rc = ddb_table_list(r->srv->engine, after, afl, (size_t)limit + 1, r->arena, &names, &lens,
                        &count, &more, r->err);
    if (rc) return rc;
    size_t in = 0;
    while (in < count && ddbd_in_region(r, names[in], lens[in]))
        in++;
    more = in > (size_t)limit;
    if (more) in = (size_t)limit;
    buf_puts(r->out, "{\"TableNames\":[");
    for (size_t i = 0; i < in; i++) {
        if (i) buf_putc(r->out, ',');
        size_t pl;
        const char *plain = ddb_qname_plain(names[i], lens[i], &pl);
        json_put_str(r->out, plain, pl);
    }
    buf_putc(r->out, ']');
    if (more && in) {
        size_t pl;
        const char *plain = ddb_qname_plain(names[in - 1], lens[in - 1], &pl);
        buf_puts(r->out, ",\"LastEvaluatedTableName\":");
        json_put_str(r->out, plain, pl);
    }
    buf_putc(r->out, '}');
    return 0;
}

/* ---- UpdateTable ----------------------------------------------------------- */

int op_update_table(ddbd_req_t *r) {
    const char *bm;
    size_t bml;
    const cJSON *pt, *gsiu, *ss, *sse, *rep;
    bool dp = false, dpp = false;
    const char *tclass;
    size_t tcl;
    int rc = p_str(r->in, "BillingMode", &bm, &bml, r->err);
    if (!rc) rc = p_obj(r->in, "ProvisionedThroughput", &pt, r->err);
    if (!rc) rc = p_arr(r->in, "GlobalSecondaryIndexUpdates", &gsiu, r->err);
    if (!rc) rc = p_obj(r->in, "StreamSpecification", &ss, r->err);
    if (!rc) rc = p_obj(r->in, "SSESpecification", &sse, r->err);
    if (!rc) rc = p_arr(r->in, "ReplicaUpdates", &rep, r->err);
    if (!rc) rc = p_bool(r->in, "DeletionProtectionEnabled", &dp, &dpp, r->err);
    if (!rc) rc = p_str(r->in, "TableClass", &tclass, &tcl, r->err);
    if (rc) return rc;
    vlist_t v;
    vlist_init(&v);
    const char *name;
    size_t nl;
    rc = p_str(r->in, "TableName", &name, &nl, r->err);
    if (rc) return rc;
    vlist_table_name(&v, "tableName", name, nl);
    if (bm && !billing_mode_valid(bm, bml)) {
        vlist_enum(&v, bm, p_cut(bml, 100), BILLING_MODES, "billingMode");
    }
    int64_t rcu = 0, wcu = 0;
    bool rp = false, wp = false;
    if (pt) {
        check_throughput(pt, &v, "provisionedThroughput", &rcu, &wcu, &rp, &wp, r->err, &rc);
        if (rc) return rc;
    }
    rc = vlist_finish(&v, r->err);
    if (rc) return rc;
    if (rep) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "One or more parameter values were invalid: ReplicaUpdates is not "
                             "supported by ddbd (it has no global tables)");
    }
    bool stream_on = false;
    ddb_stream_view_t view = 0;
    if (ss) {
        rc = ddbd_parse_stream_spec(r, ss, &stream_on, &view);
        if (rc) return rc;
    }
    if (!bm && !pt && !sse && !dpp && !tclass && !gsiu && !ss) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "At least one of ProvisionedThroughput, BillingMode, "
                             "UpdateStreamEnabled, GlobalSecondaryIndexUpdates or "
                             "SSESpecification or ReplicaUpdates is required");
    }
    ddb_table_info_t t;
    rc = ddbd_load_table(r, true, &t);
    if (!rc) rc = refuse_restoring(r, &t);
    if (rc) return rc;
    size_t cur_l;
    const char *cur = meta_str(t.meta, "BillingMode", &cur_l);
    bool was_on_demand = streq(cur, cur_l, "PAY_PER_REQUEST");
    bool on_demand = bm ? streq(bm, bml, "PAY_PER_REQUEST") : was_on_demand;
    if (on_demand && pt) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "One or more parameter values were invalid: Neither "
                             "ReadCapacityUnits nor WriteCapacityUnits can be specified when "
                             "BillingMode is PAY_PER_REQUEST");
    }
    if (!on_demand && was_on_demand && !pt) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "One or more parameter values were invalid: ProvisionedThroughput "
                             "must be specified when BillingMode is PROVISIONED");
    }
    if (ss && stream_on && t.stream.enabled) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION, "Table already has an enabled stream");
    }
    if (ss && !stream_on && !t.stream.enabled) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION, "Table has no stream to disable");
    }
    gsi_update_t gu = {.action = GSI_NONE};
    if (gsiu) {
        rc = ddbd_parse_gsi_updates(r, gsiu,
                                    cJSON_GetObjectItemCaseSensitive(r->in, "AttributeDefinitions"),
                                    &t, on_demand, &gu);
        if (rc) return rc;
    }
    int64_t old_rcu = meta_int(t.meta, "RCU", 0), old_wcu = meta_int(t.meta, "WCU", 0);
    if (pt && !was_on_demand && !bm && rcu == old_rcu && wcu == old_wcu) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "The provisioned throughput for the table will not change. The "
                             "requested value equals the current value. Current "
                             "ReadCapacityUnits provisioned for the table: %lld. Requested "
                             "ReadCapacityUnits: %lld. Current WriteCapacityUnits provisioned "
                             "for the table: %lld. Requested WriteCapacityUnits: %lld. Refer to "
                             "the Amazon DynamoDB Developer Guide for current limits and how to "
                             "request higher limits.",
                             (long long)old_rcu, (long long)rcu, (long long)old_wcu,
                             (long long)wcu);
    }
    static const char *const replaced[] = {"BillingMode",
                                           "RCU",
                                           "WCU",
                                           "PayPerRequestSince",
                                           "LastIncrease",
                                           "LastDecrease",
                                           "Decreases",
                                           "DeletionProtection",
                                           "TableClass",
                                           "AttributeDefinitions",
                                           "IndexThroughput",
                                           NULL};
    mb_t m;
    mb_init(&m, r->arena, t.meta->u.map.n + 8);
    mb_copy_except(&m, t.meta, replaced);
    const ddb_value_t *defs = gu.action ? &gu.defs : meta_get(t.meta, "AttributeDefinitions");
    const ddb_value_t *itp = gu.action ? &gu.throughput : meta_get(t.meta, "IndexThroughput");
    if (defs) mb_val(&m, "AttributeDefinitions", defs);
    if (itp) mb_val(&m, "IndexThroughput", itp);
    int64_t now = ddb_now_ms();
    const char *nowtext = meta_time_text(r->arena, now);
    ddb_value_t nowv = {.type = DDB_T_N, .u.str = {nowtext, strlen(nowtext)}};
    mb_str(&m, "BillingMode", on_demand ? "PAY_PER_REQUEST" : "PROVISIONED", on_demand ? 15 : 11);
    if (on_demand) {
        const ddb_value_t *since = meta_get(t.meta, "PayPerRequestSince");
        mb_val(&m, "PayPerRequestSince", was_on_demand && since ? since : &nowv);
        mb_int(&m, "RCU", 0);
        mb_int(&m, "WCU", 0);
    } else {
        /* BillingModeSummary stays, with the last switch to on demand */
        const ddb_value_t *since = meta_get(t.meta, "PayPerRequestSince");
        if (since) mb_val(&m, "PayPerRequestSince", since);
        int64_t nr = pt ? rcu : old_rcu, nw = pt ? wcu : old_wcu;
        mb_int(&m, "RCU", nr);
        mb_int(&m, "WCU", nw);
        const ddb_value_t *li = meta_get(t.meta, "LastIncrease");
        const ddb_value_t *ld = meta_get(t.meta, "LastDecrease");
        int64_t decreases = meta_decreases_today(t.meta, now); /* a new day starts at 0 */
        if (!was_on_demand && (nr > old_rcu || nw > old_wcu)) li = &nowv;
        if (!was_on_demand && (nr < old_rcu || nw < old_wcu)) {
            ld = &nowv;
            decreases++;
        }
        if (li) mb_val(&m, "LastIncrease", li);
        if (ld) mb_val(&m, "LastDecrease", ld);
        mb_int(&m, "Decreases", decreases);
    }
    mb_bool(&m, "DeletionProtection", dpp ? dp : meta_bool(t.meta, "DeletionProtection", false));
    size_t otl;
    const char *otc = meta_str(t.meta, "TableClass", &otl);
    if (tclass)
        mb_str(&m, "TableClass", tclass, tcl);
    else if (otc)
        mb_str(&m, "TableClass", otc, otl);
    ddb_value_t meta = mb_done(&m);
    ddb_engine_t *eng = r->srv->engine;
    if (gu.action == GSI_CREATE)
        rc = ddb_index_add(eng, t.name, t.name_len, &gu.ix, &meta, r->err);
    else if (gu.action == GSI_DELETE)
        rc = ddb_index_drop(eng, t.name, t.name_len, gu.name, gu.name_len, &meta, r->err);
    else if (!ss)
        rc = ddb_table_set_meta(eng, t.name, t.name_len, &meta, r->err);
    if (!rc && ss)
        rc = ddb_stream_set(eng, t.name, t.name_len, stream_on ? view : 0, &meta, r->err);
    if (rc) return rc;
    ddb_table_info_t after;
    rc = ddbd_load_table(r, true, &after);
    if (rc) return rc;
    if (gu.action == GSI_DELETE) {
        /* the answer still shows the dropped index, as DELETING */
        after.meta = &meta;
        after.indexes = t.indexes;
        after.nindexes = t.nindexes;
    }
    buf_puts(r->out, "{\"TableDescription\":");
    ddbd_put_table_desc(r, &after, "ACTIVE", gu.name, gu.action == GSI_DELETE ? gu.name_len : 0);
    buf_putc(r->out, '}');
    return 0;
}
