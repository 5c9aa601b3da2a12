/* ops_item.c: single-item operations: PutItem, GetItem, DeleteItem.
 *
 * Each validates its request completely before touching the engine, then
 * performs one atomic read-modify-write (ddb_item_write) or one read, and
 * writes the response JSON. */
#include <string.h>

#include "server/ddbd.h"
#include "server/json.h"
#include "server/params.h"

/* DynamoDB's item size limit: 400 KB. */
#define MAX_ITEM_BYTES (400 * 1024)

enum { RV_NONE, RV_ALL_OLD, RV_UPDATED_OLD, RV_ALL_NEW, RV_UPDATED_NEW };

static int parse_return_values(ddbd_req_t *r, int *rv) {
    static const char *const names[] = {"NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW",
                                        "UPDATED_NEW"};
    const char *s;
    size_t l;
    int rc = p_str(r->in, "ReturnValues", &s, &l, r->err);
    if (rc) return rc;
    *rv = RV_NONE;
    if (!s) return 0;
    for (int i = 0; i < 5; i++) {
        if (strlen(names[i]) == l && memcmp(names[i], s, l) == 0) {
            *rv = i;
            return 0;
        }
    }
    return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                         "1 validation error detected: Value '%.*s' at 'returnValues' failed to "
                         "satisfy constraint: Member must satisfy enum value set: [ALL_NEW, "
                         "UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]",
                         (int)(l > 100 ? 100 : l), s);
}

/* Expression and legacy condition parameters arrive with the expression
 * language; until then they are refused rather than ignored, so that no
 * conditional write is ever applied unconditionally. */
static int refuse_conditions(ddbd_req_t *r) {
    static const char *const members[] = {"ConditionExpression", "Expected",
                                          "ExpressionAttributeNames", "ExpressionAttributeValues",
                                          "ConditionalOperator", "ProjectionExpression", NULL};
    for (const char *const *m = members; *m; m++) {
        const cJSON *j = cJSON_GetObjectItemCaseSensitive(r->in, *m);
        if (j && !cJSON_IsNull(j)) {
            return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                                 "%s is not supported by this version of ddbd yet", *m);
        }
    }
    return 0;
}

/* Reads the Item/Key member as a map value. */
static int read_item_member(ddbd_req_t *r, const char *member, const char *where,
                            ddb_value_t *out) {
    const cJSON *j;
    int rc = p_obj(r->in, member, &j, r->err);
    if (rc) return rc;
    if (!j) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "1 validation error detected: Value null at '%s' failed to satisfy "
                             "constraint: Member must not be null",
                             where);
    }
    return json_to_item(r->arena, j, out, r->err);
}

typedef struct write_ctx {
    const ddb_value_t *new_item; /* NULL: delete */
    const ddb_value_t *old;      /* captured old item */
} write_ctx_t;

static int replace_item(void *ctx, const ddb_value_t *old, const ddb_value_t **new_item,
                        ddb_error_t *err) {
    write_ctx_t *w = ctx;
    (void)err;
    w->old = old;
    *new_item = w->new_item ? w->new_item : old ? NULL : old;
    return 0;
}

static void put_attributes(ddbd_req_t *r, const ddb_value_t *item) {
    if (!item) return;
    buf_puts(r->out, ",\"Attributes\":");
    json_put_item(r->out, item);
}

static size_t size_or_zero(const ddb_value_t *item) {
    return item ? ddb_item_size(item) : 0;
}

/* The request members PutItem and DeleteItem share: the item or key map,
 * ReturnValues (NONE or ALL_OLD only) and ReturnConsumedCapacity. */
static int parse_write_request(ddbd_req_t *r, const char *member, const char *where,
                               ddb_value_t *value, int *rv, int *rcc) {
    int rc = read_item_member(r, member, where, value);
    if (!rc) rc = parse_return_values(r, rv);
    if (!rc) rc = ddbd_parse_rcc(r, rcc);
    if (!rc) rc = refuse_conditions(r);
    if (rc) return rc;
    if (*rv != RV_NONE && *rv != RV_ALL_OLD) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION, "ReturnValues can only be ALL_OLD or NONE");
    }
    return 0;
}

/* Writes the response object: Attributes (when asked and present) and
 * ConsumedCapacity (when asked). */
static void put_write_response(ddbd_req_t *r, const ddb_table_info_t *t, const ddb_value_t *attrs,
                               int rcc, double units) {
    buf_putc(r->out, '{');
    size_t mark = r->out->len;
    put_attributes(r, attrs);
    ddbd_put_consumed(r, t, rcc, units);
    if (r->out->len > mark) r->out->data[mark] = ' '; /* the first member's comma */
    buf_putc(r->out, '}');
}

int op_put_item(ddbd_req_t *r) {
    ddb_value_t item;
    int rv, rcc;
    int rc = parse_write_request(r, "Item", "item", &item, &rv, &rcc);
    if (rc) return rc;
    ddb_table_info_t t;
    rc = ddbd_load_table(r, false, &t);
    if (rc) return rc;
    ddb_value_t key;
    rc = ddbd_item_key(r, &t, &item, &key);
    if (rc) return rc;
    size_t size = ddb_item_size(&item);
    if (size > MAX_ITEM_BYTES) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "Item size has exceeded the maximum allowed size");
    }
    write_ctx_t w = {.new_item = &item};
    rc = ddb_item_write(r->srv->engine, &t, &key, replace_item, &w, r->arena, r->err);
    if (rc) return rc;
    size_t old_size = size_or_zero(w.old);
    put_write_response(r, &t, rv == RV_ALL_OLD ? w.old : NULL, rcc,
                       ddbd_write_units(size > old_size ? size : old_size));
    return 0;
}

int op_delete_item(ddbd_req_t *r) {
    ddb_value_t key;
    int rv, rcc;
    int rc = parse_write_request(r, "Key", "key", &key, &rv, &rcc);
    if (rc) return rc;
    ddb_table_info_t t;
    rc = ddbd_load_table(r, false, &t);
    if (!rc) rc = ddbd_check_key(r, &t, &key);
    if (rc) return rc;
    write_ctx_t w = {.new_item = NULL};
    rc = ddb_item_write(r->srv->engine, &t, &key, replace_item, &w, r->arena, r->err);
    if (rc) return rc;
    put_write_response(r, &t, rv == RV_ALL_OLD ? w.old : NULL, rcc,
                       ddbd_write_units(size_or_zero(w.old)));
    return 0;
}

/* AttributesToGet: keep only the named top-level attributes. */
static int project_names(ddbd_req_t *r, const cJSON *names, const ddb_value_t *item,
                         ddb_value_t *out) {
    size_t n = (size_t)cJSON_GetArraySize(names);
    out->type = DDB_T_M;
    out->u.map.a = ddb_arena_alloc(r->arena, sizeof(ddb_attr_t) * (n ? n : 1));
    out->u.map.n = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, names) {
        if (!cJSON_IsString(e)) {
            return ddb_error_set(r->err, DDB_ERR_SERIALIZATION,
                                 "Unexpected value type for member 'AttributesToGet'");
        }
        for (size_t i = 0; i < item->u.map.n; i++) {
            const ddb_attr_t *a = &item->u.map.a[i];
            if (a->name_len == strlen(e->valuestring) &&
                memcmp(a->name, e->valuestring, a->name_len) == 0) {
                out->u.map.a[out->u.map.n++] = *a;
            }
        }
    }
    return 0;
}

static int check_attributes_to_get(ddbd_req_t *r, const cJSON *names) {
    int n = cJSON_GetArraySize(names);
    if (n < 1) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "1 validation error detected: Value '[]' at 'attributesToGet' failed "
                             "to satisfy constraint: Member must have length greater than or "
                             "equal to 1");
    }
    const cJSON *a, *b;
    cJSON_ArrayForEach(a, names) {
        if (!cJSON_IsString(a)) {
            return ddb_error_set(r->err, DDB_ERR_SERIALIZATION,
                                 "Unexpected value type for member 'AttributesToGet'");
        }
        for (b = a->next; b; b = b->next) {
            if (cJSON_IsString(b) && strcmp(a->valuestring, b->valuestring) == 0) {
                return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                                     "One or more parameter values were invalid: Duplicate value "
                                     "in attribute name: %s",
                                     a->valuestring);
            }
        }
    }
    return 0;
}

int op_get_item(ddbd_req_t *r) {
    ddb_value_t key;
    int rcc;
    bool consistent = false, cp;
    const cJSON *atg;
    int rc = read_item_member(r, "Key", "key", &key);
    if (!rc) rc = ddbd_parse_rcc(r, &rcc);
    if (!rc) rc = p_bool(r->in, "ConsistentRead", &consistent, &cp, r->err);
    if (!rc) rc = p_arr(r->in, "AttributesToGet", &atg, r->err);
    if (!rc && atg) rc = check_attributes_to_get(r, atg);
    if (!rc) rc = refuse_conditions(r);
    if (rc) return rc;
    ddb_table_info_t t;
    rc = ddbd_load_table(r, false, &t);
    if (!rc) rc = ddbd_check_key(r, &t, &key);
    if (rc) return rc;
    const ddb_value_t *item;
    rc = ddb_item_get(r->srv->engine, &t, &key, r->arena, &item, r->err);
    if (rc) return rc;
    double units = ddbd_read_units(size_or_zero(item), consistent);
    buf_putc(r->out, '{');
    size_t mark = r->out->len;
    if (item) {
        ddb_value_t projected;
        if (atg) {
            rc = project_names(r, atg, item, &projected);
            if (rc) return rc;
            item = &projected;
        }
        buf_puts(r->out, ",\"Item\":");
        json_put_item(r->out, item);
    }
    ddbd_put_consumed(r, &t, rcc, units);
    if (r->out->len > mark) r->out->data[mark] = ' ';
    buf_putc(r->out, '}');
    return 0;
}
