/* ops_index.c: secondary indexes at the protocol level: parsing and
 * validating index definitions, describing them, and checking the index key
 * attributes of every written item. Messages follow DynamoDB Local where it
 * was asked. */
#include <string.h>

#include "server/indexes.h"
#include "query/json.h"
#include "server/meta.h"
#include "query/params.h"

static bool streq(const char *s, size_t len, const char *lit) {
    return s && strlen(lit) == len && memcmp(s, lit, len) == 0;
}

ddb_type_t ddbd_attr_type(const attr_def_t *defs, size_t n, const char *name, size_t len) {
    for (size_t i = 0; i < n; i++) {
        if (defs[i].len == len && memcmp(defs[i].name, name, len) == 0) return defs[i].type;
    }
    return DDB_T_NONE;
}

/* KeySchema of an index: HASH [, RANGE], with defined attributes. */
int ddbd_parse_attr_defs(ddbd_req_t *r, const cJSON *arr, attr_def_t **out, size_t *ndefs,
                         vlist_t *v) {
    size_t n = 0, cap = (size_t)cJSON_GetArraySize(arr);
    attr_def_t *defs = ddb_arena_alloc(r->arena, sizeof *defs * (cap ? cap : 1));
    *out = defs;
    *ndefs = 0;
    const cJSON *e;
    int idx = 0;
    cJSON_ArrayForEach(e, arr) {
        idx++;
        if (!cJSON_IsObject(e)) {
            return p_error_type(r->err, "AttributeDefinitions");
        }
        const char *name, *type;
        size_t nl, tl;
        int rc = p_str(e, "AttributeName", &name, &nl, r->err);
        if (!rc) rc = p_str(e, "AttributeType", &type, &tl, r->err);
        if (rc) return rc;
        if (!name) {
            vlist_not_null(v, "attributeDefinitions.%d.member.attributeName", idx);
        } else {
            vlist_len(v, name, p_cut(nl, 300), nl, 1, 255,
                      "attributeDefinitions.%d.member.attributeName", idx);
        }
        ddb_type_t t = DDB_T_NONE;
        if (!type) {
            vlist_not_null(v, "attributeDefinitions.%d.member.attributeType", idx);
        } else {
            t = ddb_type_from_name(type, tl);
            if (t != DDB_T_S && t != DDB_T_N && t != DDB_T_B) {
                vlist_enum(v, type, p_cut(tl, 100), "B, N, S",
                           "attributeDefinitions.%d.member.attributeType", idx);
                t = DDB_T_NONE;
            }
        }
        defs[n++] = (attr_def_t){name, nl, t};
    }
    *ndefs = n;
    return 0;
}

/* NonKeyAttributes summed over all of a table's indexes (an attribute in
 * two indexes counts twice), as DynamoDB documents. */
#define MAX_PROJECTED 100

static int too_many_projected(ddbd_req_t *r) {
    /* DynamoDB Local answers "No more than 20 attributes per table can be
     * projected into Local Secondary Indices", an old limit's words */
    return ddb_error_set(r->err, DDB_ERR_LIMIT_EXCEEDED,
                         "One or more parameter values were invalid: Number of projected "
                         "attributes in all indexes exceeds limit of %d",
                         MAX_PROJECTED);
}

static int projection(ddbd_req_t *r, const cJSON *p, ddb_index_info_t *ix) {
    const char *pt;
    size_t pl;
    const cJSON *nka;
    if (!cJSON_IsObject(p)) return p_error_not_null(r->err, "projection");
    int rc = p_str(p, "ProjectionType", &pt, &pl, r->err);
    if (!rc) rc = p_arr(p, "NonKeyAttributes", &nka, r->err);
    if (rc) return rc;
    if (!pt) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "Indexes must have a projection specified");
    }
    if (streq(pt, pl, "ALL"))
        ix->projection = DDB_PROJ_ALL;
    else if (streq(pt, pl, "KEYS_ONLY"))
        ix->projection = DDB_PROJ_KEYS_ONLY;
    else if (streq(pt, pl, "INCLUDE"))
        ix->projection = DDB_PROJ_INCLUDE;
    else {
        return p_error_enum(r->err, pt, p_cut(pl, 100), "ALL, INCLUDE, KEYS_ONLY",
                            "projection.projectionType");
    }
    size_t n = nka ? (size_t)cJSON_GetArraySize(nka) : 0;
    if (ix->projection == DDB_PROJ_INCLUDE && n == 0) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "If Projection type INCLUDE is specified, some non-key attributes to "
                             "include in the projection must be specified as well");
    }
    if (ix->projection != DDB_PROJ_INCLUDE && n) { /* an empty list is no list */
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "No attributes should be specified to be projected unless projection "
                             "type is INCLUDE");
    }
    if (n == 0) return 0;
    if (n > MAX_PROJECTED) return too_many_projected(r);
    const char **names = ddb_arena_alloc(r->arena, sizeof(char *) * n);
    size_t *lens = ddb_arena_alloc(r->arena, sizeof(size_t) * n);
    size_t i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, nka) {
        if (!cJSON_IsString(e)) {
            return p_error_type(r->err, "NonKeyAttributes");
        }
        names[i] = json_str(e, &lens[i]);
        if (lens[i] == 0 || lens[i] > 255) {
            return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                                 "Names of key attributes and attributes projected into an index "
                                 "must be between 1 and 255 characters, inclusive");
        }
        for (size_t j = 0; j < i; j++) {
            if (lens[j] == lens[i] && memcmp(names[j], names[i], lens[i]) == 0) {
                return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                                     "Cannot have two attributes with the same name");
            }
        }
        i++;
    }
    ix->include = names;
    ix->include_len = lens;
    ix->ninclude = n;
    return 0;
}

/* A GSI's ProvisionedThroughput (required unless on demand, refused when
 * on demand): adds name -> {RCU, WCU} to tp. */
static int index_throughput(ddbd_req_t *r, const cJSON *pt, bool on_demand, const char *name,
                            size_t nl, mb_t *tp) {
    if (on_demand && pt) {
        return ddb_error_set(
            r->err, DDB_ERR_VALIDATION,
            "One or more parameter values were invalid: ProvisionedThroughput should "
            "not be specified for index: %.*s when BillingMode is PAY_PER_REQUEST",
            (int)nl, name);
    }
    if (!on_demand && !pt) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "No provisioned throughput specified for the global secondary index");
    }
    int64_t rcu = 0, wcu = 0;
    bool rp = false, wp = false;
    if (pt) {
        int rc = p_int(pt, "ReadCapacityUnits", &rcu, &rp, r->err);
        if (!rc) rc = p_int(pt, "WriteCapacityUnits", &wcu, &wp, r->err);
        if (rc) return rc;
        if (!rp || !wp || rcu < 1 || wcu < 1) {
            return ddb_error_set(
                r->err, DDB_ERR_VALIDATION,
                "Table read and write throughput must be at least 1, and cannot be null");
        }
    }
    mb_t m;
    mb_init(&m, r->arena, 2);
    mb_int(&m, "RCU", rcu);
    mb_int(&m, "WCU", wcu);
    ddb_value_t mv = mb_done(&m);
    mb_val(tp, ddb_arena_strndup(r->arena, name, nl), &mv);
    return 0;
}

static int one_index(ddbd_req_t *r, const cJSON *d, bool global, bool on_demand,
                     const ddb_key_schema_t *tk, const attr_def_t *defs, size_t ndefs,
                     ddb_index_info_t *ix, mb_t *tp) {
    if (!cJSON_IsObject(d)) {
        return p_error_type(r->err, global ? "GlobalSecondaryIndexes" : "LocalSecondaryIndexes");
    }
    const char *name;
    size_t nl;
    const cJSON *ks, *proj, *pt;
    int rc = p_str(d, "IndexName", &name, &nl, r->err);
    if (!rc) rc = p_arr(d, "KeySchema", &ks, r->err);
    if (!rc) rc = p_obj(d, "Projection", &proj, r->err);
    if (!rc) rc = p_obj(d, "ProvisionedThroughput", &pt, r->err);
    if (rc) return rc;
    vlist_t v;
    vlist_init(&v);
    vlist_table_name(&v, "indexName", name, nl);
    rc = vlist_finish(&v, r->err);
    if (rc) return rc;
    memset(ix, 0, sizeof *ix);
    ix->name = name;
    ix->name_len = nl;
    ix->local = !global;
    rc = ddbd_parse_index_key(r, ks, global, defs, ndefs, ix);
    if (!rc) rc = projection(r, proj, ix);
    if (rc) return rc;
    if (!global) {
        if (tk->range_type == DDB_T_NONE) {
            return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                                 "Local Secondary indices are not allowed on hash tables, only "
                                 "hash and range tables");
        }
        if (ix->key.hash_len != tk->hash_len ||
            memcmp(ix->key.hash_name, tk->hash_name, tk->hash_len) != 0) {
            return ddb_error_set(
                r->err, DDB_ERR_VALIDATION,
                "Local Secondary indices must have the same hash key as the main table");
        }
        if (ix->key.range_type == DDB_T_NONE) {
            return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                                 "One or more parameter values were invalid: Index KeySchema does "
                                 "not have a range key for index: %.*s",
                                 (int)nl, name);
        }
        return 0;
    }
    return index_throughput(r, pt, on_demand, name, nl, tp);
}

int ddbd_parse_indexes(ddbd_req_t *r, const cJSON *gsi, const cJSON *lsi, bool on_demand,
                       const ddb_key_schema_t *table_key, const attr_def_t *defs, size_t ndefs,
                       ddb_index_info_t **out, size_t *n, ddb_value_t *throughput) {
    size_t ng = gsi ? (size_t)cJSON_GetArraySize(gsi) : 0,
           nlsi = lsi ? (size_t)cJSON_GetArraySize(lsi) : 0;
    if (gsi && ng == 0) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION, "GSI list is empty/invalid");
    }
    if (lsi && nlsi == 0) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION, "LSI list is empty/invalid");
    }
    if (ng > MAX_GSI) {
        return ddb_error_set(
            r->err, DDB_ERR_LIMIT_EXCEEDED,
            "One or more parameter values were invalid: GlobalSecondaryIndex count "
            "exceeds the per-table limit of %d",
            MAX_GSI);
    }
    if (nlsi > MAX_LSI) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "One or more parameter values were invalid: LocalSecondaryIndex count "
                             "exceeds the per-table limit of %d",
                             MAX_LSI);
    }
    ddb_index_info_t *ix = ddb_arena_alloc(r->arena, sizeof *ix * (ng + nlsi + 1));
    mb_t tp;
    mb_init(&tp, r->arena, ng + 1);
    size_t k = 0;
    const cJSON *d;
    for (int pass = 0; pass < 2; pass++) {
        const cJSON *list = pass == 0 ? gsi : lsi;
        if (!list) continue;
        cJSON_ArrayForEach(d, list) {
            int rc = one_index(r, d, pass == 0, on_demand, table_key, defs, ndefs, &ix[k], &tp);
            if (rc) return rc;
            for (size_t j = 0; j < k; j++) {
                if (ix[j].name_len == ix[k].name_len &&
                    memcmp(ix[j].name, ix[k].name, ix[k].name_len) == 0) {
                    return ddb_error_set(
                        r->err, DDB_ERR_VALIDATION,
                        ix[j].local == ix[k].local
                            ? (ix[k].local ? "Two local secondary indices have the same name"
                                           : "Two global secondary indices have the same name")
                            : "One or more parameter values were invalid: Duplicate index name: "
                              "%.*s",
                        (int)ix[k].name_len, ix[k].name);
                }
            }
            k++;
        }
    }
    size_t projected = 0;
    for (size_t j = 0; j < k; j++)
        projected += ix[j].ninclude;
    if (projected > MAX_PROJECTED) return too_many_projected(r);
    *out = ix;
    *n = k;
    *throughput = mb_done(&tp);
    return 0;
}

void ddbd_put_index_head(buf_t *b, const ddb_index_info_t *ix) {
    static const char *const types[] = {"ALL", "KEYS_ONLY", "INCLUDE"};
    buf_puts(b, "{\"IndexName\":");
    json_put_str(b, ix->name, ix->name_len);
    buf_puts(b, ",\"KeySchema\":");
    ddbd_put_index_key_schema(b, ix);
    buf_printf(b, ",\"Projection\":{\"ProjectionType\":\"%s\"", types[ix->projection]);
    if (ix->ninclude) {
        buf_puts(b, ",\"NonKeyAttributes\":[");
        for (size_t i = 0; i < ix->ninclude; i++) {
            if (i) buf_putc(b, ',');
            json_put_str(b, ix->include[i], ix->include_len[i]);
        }
        buf_putc(b, ']');
    }
    buf_putc(b, '}');
}

static void put_one(ddbd_req_t *r, const ddb_table_info_t *t, const ddb_index_info_t *ix,
                    bool deleting) {
    buf_t *b = r->out;
    ddbd_put_index_head(b, ix);
    if (!ix->local) {
        buf_printf(b, ",\"IndexStatus\":\"%s\"",
                   deleting          ? "DELETING"
                   : ix->backfilling ? "CREATING"
                                     : "ACTIVE");
        if (ix->backfilling) buf_puts(b, ",\"Backfilling\":true");
        const ddb_value_t *all = meta_get(t->meta, "IndexThroughput");
        const ddb_value_t *mine = all ? ddb_map_get(all, ix->name, ix->name_len) : NULL;
        buf_printf(b,
                   ",\"ProvisionedThroughput\":{\"NumberOfDecreasesToday\":0,"
                   "\"ReadCapacityUnits\":%lld,\"WriteCapacityUnits\":%lld}",
                   (long long)meta_int(mine, "RCU", 0), (long long)meta_int(mine, "WCU", 0));
    }
    /* statistics of an index only once it is built (as DynamoDB Local reports them) */
    if (!deleting && !ix->backfilling) {
        buf_printf(b, ",\"IndexSizeBytes\":%llu,\"ItemCount\":%llu",
                   (unsigned long long)ix->size_bytes, (unsigned long long)ix->item_count);
    }
    buf_puts(b, ",\"IndexArn\":\"");
    ddbd_put_table_arn(r, b, t->name, t->name_len);
    buf_puts(b, "/index/");
    buf_put(b, ix->name, ix->name_len);
    buf_puts(b, "\"}");
}

void ddbd_put_indexes_desc(ddbd_req_t *r, const ddb_table_info_t *t, const char *deleting,
                           size_t deleting_len) {
    for (int local = 0; local < 2; local++) {
        bool any = false;
        for (size_t i = 0; i < t->nindexes; i++) {
            if (t->indexes[i].ttl || t->indexes[i].local != (local == 1)) continue;
            buf_puts(r->out, any     ? ","
                             : local ? ",\"LocalSecondaryIndexes\":["
                                     : ",\"GlobalSecondaryIndexes\":[");
            any = true;
            const ddb_index_info_t *ix = &t->indexes[i];
            put_one(r, t, ix,
                    deleting && ix->name_len == deleting_len &&
                        memcmp(ix->name, deleting, deleting_len) == 0);
        }
        if (any) buf_putc(r->out, ']');
    }
}

static int check_attr(const ddb_index_info_t *ix, const ddb_value_t *item, const char *name,
                      size_t len, ddb_type_t want, bool range, ddb_error_t *err) {
    const ddb_value_t *v = ddb_map_get(item, name, len);
    if (!v) return 0; /* sparse: not in the index */
    if (v->type != want) {
        return ddb_error_set(err, DDB_ERR_VALIDATION,
                             "One or more parameter values were invalid: Type mismatch for Index "
                             "Key %.*s Expected: %s Actual: %s IndexName: %.*s",
                             (int)len, name, ddb_type_name(want), ddb_type_name(v->type),
                             (int)ix->name_len, ix->name);
    }
    if ((want == DDB_T_S || want == DDB_T_B) && v->u.str.len == 0) {
        return ddb_error_set(
            err, DDB_ERR_VALIDATION,
            "One or more parameter values are not valid. A value specified for a "
            "secondary index key is not supported. The AttributeValue for a key "
            "attribute cannot contain an empty %s value. IndexName: %.*s, IndexKey: %.*s",
            want == DDB_T_S ? "string" : "binary", (int)ix->name_len, ix->name, (int)len, name);
    }
    if (!ddb_index_value_fits(v, range)) {
        /* AWS's words; DynamoDB Local stops after "Size limit exceeded" */
        return ddb_error_set(err, DDB_ERR_VALIDATION,
                             "One or more parameter values were invalid: Size limit exceeded for "
                             "Index Key %.*s Actual Size: %zu bytes Max Size: %d bytes IndexName: "
                             "%.*s",
                             (int)len, name, ddb_value_size(v),
                             range ? DDB_INDEX_RANGE_MAX : DDB_INDEX_HASH_MAX, (int)ix->name_len,
                             ix->name);
    }
    return 0;
}

int ddbd_check_index_keys(const ddb_table_info_t *t, const ddb_value_t *item, ddb_error_t *err) {
    for (size_t i = 0; i < t->nindexes; i++) {
        const ddb_index_info_t *ix = &t->indexes[i];
        if (ix->ttl) continue; /* any TTL value is allowed; only numbers expire */
        ddb_key_attr_t k[DDB_KEY_ATTRS_MAX];
        int rc = 0;
        for (int range = 0; !rc && range < 2; range++) {
            size_t n = ddb_index_attrs(ix, range, k);
            for (size_t j = 0; !rc && j < n; j++)
                rc = check_attr(ix, item, k[j].name, k[j].len, k[j].type, range, err);
        }
        if (rc) return rc;
    }
    return 0;
}

/* ---- UpdateTable GlobalSecondaryIndexUpdates ------------------------------ */

static bool key_uses(const ddb_key_schema_t *k, const char *name, size_t len) {
    return (k->hash_len == len && memcmp(k->hash_name, name, len) == 0) ||
           (k->range_type != DDB_T_NONE && k->range_len == len &&
            memcmp(k->range_name, name, len) == 0);
}

/* The table's attribute definitions afterwards: those of the table key and
 * of every index that remains (plus the new one). */
static ddb_value_t defs_after(ddbd_req_t *r, const ddb_table_info_t *t, const attr_def_t *defs,
                              size_t ndefs, const ddb_index_info_t *added, const char *dropped,
                              size_t dropped_len) {
    ddb_value_t out = {.type = DDB_T_L};
    out.u.list.v = ddb_arena_alloc(r->arena, sizeof(ddb_value_t) * (ndefs ? ndefs : 1));
    for (size_t i = 0; i < ndefs; i++) {
        bool used = key_uses(&t->key, defs[i].name, defs[i].len) ||
                    (added && ddbd_index_key_has(added, defs[i].name, defs[i].len));
        for (size_t x = 0; !used && x < t->nindexes; x++) {
            const ddb_index_info_t *ix = &t->indexes[x];
            if (ix->ttl) continue;
            if (dropped && ix->name_len == dropped_len &&
                memcmp(ix->name, dropped, dropped_len) == 0)
                continue;
            used = ddbd_index_key_has(ix, defs[i].name, defs[i].len);
        }
        if (!used) continue;
        mb_t d;
        mb_init(&d, r->arena, 2);
        mb_str(&d, "AttributeName", defs[i].name, defs[i].len);
        const char *tn = ddb_type_name(defs[i].type);
        mb_str(&d, "AttributeType", tn, strlen(tn));
        out.u.list.v[out.u.list.n++] = mb_done(&d);
    }
    return out;
}

/* IndexThroughput afterwards: the current entries except `skip`, plus `add`. */
static ddb_value_t throughput_after(ddbd_req_t *r, const ddb_value_t *cur, const char *skip,
                                    size_t skip_len, const ddb_value_t *add) {
    size_t n = cur && cur->type == DDB_T_M ? cur->u.map.n : 0;
    size_t na = add ? add->u.map.n : 0;
    ddb_value_t out = {.type = DDB_T_M};
    out.u.map.a = ddb_arena_alloc(r->arena, sizeof(ddb_attr_t) * (n + na + 1));
    for (size_t i = 0; i < n; i++) {
        const ddb_attr_t *at = &cur->u.map.a[i];
        if (skip && at->name_len == skip_len && memcmp(at->name, skip, skip_len) == 0) continue;
        out.u.map.a[out.u.map.n++] = *at;
    }
    for (size_t i = 0; i < na; i++)
        out.u.map.a[out.u.map.n++] = add->u.map.a[i];
    return out;
}

int ddbd_parse_gsi_updates(ddbd_req_t *r, const cJSON *updates, const cJSON *attr_defs,
                           const ddb_table_info_t *t, bool on_demand, gsi_update_t *out) {
    memset(out, 0, sizeof *out);
    const cJSON *u, *create = NULL, *del = NULL, *upd = NULL;
    int actions = 0;
    if (cJSON_GetArraySize(updates) == 0) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION, "Nothing to update");
    }
    cJSON_ArrayForEach(u, updates) {
        const cJSON *c = NULL, *d = NULL, *p = NULL;
        if (!cJSON_IsObject(u)) {
            return p_error_type(r->err, "GlobalSecondaryIndexUpdates");
        }
        int rc = p_obj(u, "Create", &c, r->err);
        if (!rc) rc = p_obj(u, "Delete", &d, r->err);
        if (!rc) rc = p_obj(u, "Update", &p, r->err);
        if (rc) return rc;
        if (!c && !d && !p) {
            return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                                 "Update global secondary index action is null");
        }
        actions += (c != NULL) + (d != NULL);
        if (c) create = c;
        if (d) del = d;
        if (p) upd = p;
    }
    if (actions > 1 || (actions == 1 && upd)) {
        return ddb_error_set(r->err, DDB_ERR_LIMIT_EXCEEDED,
                             "Subscriber limit exceeded: Only 1 online index can be created or "
                             "deleted simultaneously per table");
    }
    for (size_t i = 0; actions && i < t->nindexes; i++) {
        if (t->indexes[i].backfilling && !t->indexes[i].ttl) {
            return ddb_error_set(
                r->err, DDB_ERR_RESOURCE_IN_USE,
                "Attempt to change a resource which is still in use: Index is being created.");
        }
    }
    const ddb_value_t *cur_tp = meta_get(t->meta, "IndexThroughput");
    /* the current definitions, then the request's, which must agree with them */
    const ddb_value_t *cd = meta_get(t->meta, "AttributeDefinitions");
    size_t ncd = cd && cd->type == DDB_T_L ? cd->u.list.n : 0;
    size_t cap = ncd + (attr_defs ? (size_t)cJSON_GetArraySize(attr_defs) : 0);
    attr_def_t *defs = ddb_arena_alloc(r->arena, sizeof *defs * (cap ? cap : 1));
    size_t ndefs = 0;
    for (size_t i = 0; i < ncd; i++) {
        size_t nl, tl;
        const char *n = meta_str(&cd->u.list.v[i], "AttributeName", &nl);
        const char *ty = meta_str(&cd->u.list.v[i], "AttributeType", &tl);
        if (n && ty) defs[ndefs++] = (attr_def_t){n, nl, ddb_type_from_name(ty, tl)};
    }
    size_t ncur = ndefs;
    if (attr_defs) {
        vlist_t v;
        vlist_init(&v);
        attr_def_t *req;
        size_t nreq = 0;
        int rc = ddbd_parse_attr_defs(r, attr_defs, &req, &nreq, &v);
        if (!rc) rc = vlist_finish(&v, r->err);
        if (rc) return rc;
        for (size_t i = 0; i < nreq; i++) {
            ddb_type_t have = ddbd_attr_type(defs, ncur, req[i].name, req[i].len);
            if (have != DDB_T_NONE && have != req[i].type) {
                return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                                     "invalid attribute, SchemaElement redefined should be of same "
                                     "type as previously defined");
            }
            if (have == DDB_T_NONE &&
                ddbd_attr_type(defs, ndefs, req[i].name, req[i].len) == DDB_T_NONE) {
                defs[ndefs++] = req[i];
            }
        }
    }
    if (create) {
        if (!attr_defs) {
            return ddb_error_set(r->err, DDB_ERR_VALIDATION, "No Attribute Schema Defined");
        }
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(create, "IndexName");
        if (cJSON_IsString(name) &&
            ddb_table_index(t, name->valuestring, strlen(name->valuestring))) {
            return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                                 "Attempting to create an index which already exists");
        }
        mb_t tp;
        mb_init(&tp, r->arena, 2);
        int rc = one_index(r, create, true, on_demand, &t->key, defs, ndefs, &out->ix, &tp);
        if (rc) return rc;
        size_t ngsi = 0;
        for (size_t i = 0; i < t->nindexes; i++)
            ngsi += !t->indexes[i].local && !t->indexes[i].ttl;
        if (ngsi + 1 > MAX_GSI) {
            return ddb_error_set(r->err, DDB_ERR_LIMIT_EXCEEDED,
                                 "One or more parameter values were invalid: GlobalSecondaryIndex "
                                 "count exceeds the per-table limit of %d",
                                 MAX_GSI);
        }
        size_t projected = out->ix.ninclude;
        for (size_t i = 0; i < t->nindexes; i++)
            projected += t->indexes[i].ninclude;
        if (projected > MAX_PROJECTED) return too_many_projected(r);
        ddb_value_t added = mb_done(&tp);
        out->action = GSI_CREATE;
        out->defs = defs_after(r, t, defs, ndefs, &out->ix, NULL, 0);
        out->throughput = throughput_after(r, cur_tp, NULL, 0, &added);
        return 0;
    }
    const cJSON *target = del ? del : upd;
    const char *name;
    size_t nl;
    int rc = p_str(target, "IndexName", &name, &nl, r->err);
    if (rc) return rc;
    const ddb_index_info_t *ix = name ? ddb_table_index(t, name, nl) : NULL;
    if (!ix || ix->local) {
        if (del)
            return ddb_error_set(r->err, DDB_ERR_RESOURCE_NOT_FOUND,
                                 "Requested resource not found");
        return ddb_error_set(r->err, DDB_ERR_VALIDATION, "Invalid global secondary index name");
    }
    out->name = name;
    out->name_len = nl;
    if (del) {
        out->action = GSI_DELETE;
        out->defs = defs_after(r, t, defs, ndefs, NULL, name, nl);
        out->throughput = throughput_after(r, cur_tp, name, nl, NULL);
        return 0;
    }
    /* Update: new provisioned throughput of the index */
    const cJSON *pt;
    rc = p_obj(upd, "ProvisionedThroughput", &pt, r->err);
    mb_t m;
    mb_init(&m, r->arena, 1);
    if (!rc) rc = index_throughput(r, pt, on_demand, name, nl, &m);
    if (rc) return rc;
    ddb_value_t added = mb_done(&m);
    out->action = GSI_UPDATE;
    out->defs = defs_after(r, t, defs, ndefs, NULL, NULL, 0);
    out->throughput = throughput_after(r, cur_tp, name, nl, &added);
    return 0;
}
