/* index_keys.c: the KeySchema of a secondary index at the protocol level:
 * parsing it (a GSI may name up to four partition and four sort attributes,
 * a multi-attribute key), describing it, and which attributes it names.
 * Touches no storage: indexes arrive and leave as ddb_index_info_t. */
#include <string.h>

#include "server/indexes.h"
#include "query/json.h"
#include "query/params.h"

static bool streq(const char *s, size_t len, const char *lit) {
    return s && strlen(lit) == len && memcmp(s, lit, len) == 0;
}

static const char *const ordinal[] = {"first", "second", "third",   "fourth",
                                      "fifth", "sixth",  "seventh", "eighth"};

/* Multi-attribute keys: at most four of each kind, each attribute once.
 * DynamoDB documents the limits but not these messages; they are ours, in
 * its words. */
static int check_multi(ddbd_req_t *r, const ddb_index_info_t *ix) {
    if (ix->nhash > DDB_KEY_ATTRS_MAX || ix->nrange > DDB_KEY_ATTRS_MAX) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "Invalid KeySchema: A global secondary index KeySchema can have at "
                             "most %d HASH and %d RANGE KeySchemaElements",
                             DDB_KEY_ATTRS_MAX, DDB_KEY_ATTRS_MAX);
    }
    size_t n = ix->nhash + ix->nrange;
    for (size_t i = 0; i < n; i++) {
        const ddb_key_attr_t *a = i < ix->nhash ? &ix->hash[i] : &ix->range[i - ix->nhash];
        for (size_t j = 0; j < i; j++) {
            const ddb_key_attr_t *b = j < ix->nhash ? &ix->hash[j] : &ix->range[j - ix->nhash];
            if (a->len == b->len && memcmp(a->name, b->name, a->len) == 0) {
                return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                                     "Invalid KeySchema: The attribute %.*s is specified more "
                                     "than once in the KeySchema",
                                     (int)a->len, a->name);
            }
        }
    }
    return 0;
}

int ddbd_parse_index_key(ddbd_req_t *r, const cJSON *ks, bool global, const attr_def_t *defs,
                         size_t ndefs, ddb_index_info_t *ix) {
    int n = cJSON_GetArraySize(ks);
    int max = global ? 2 * DDB_KEY_ATTRS_MAX : 2;
    if (!cJSON_IsArray(ks) || n < 1 || n > max) {
        /* DynamoDB names the upper bound here, even for an empty list */
        return p_error_len_max(r->err, "[...]", 5, n < 1 ? 2 : max, "keySchema");
    }
    memset(&ix->key, 0, sizeof ix->key);
    ddb_key_attr_t hash[2 * DDB_KEY_ATTRS_MAX] = {{0}}, range[2 * DDB_KEY_ATTRS_MAX] = {{0}};
    size_t nh = 0, nr = 0;
    int i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, ks) {
        const char *name, *kt;
        size_t nl, kl;
        int rc = p_str(e, "AttributeName", &name, &nl, r->err);
        if (!rc) rc = p_str(e, "KeyType", &kt, &kl, r->err);
        if (rc) return rc;
        bool is_hash = streq(kt, kl, "HASH"), is_range = streq(kt, kl, "RANGE");
        if (!name || !(is_hash || is_range) || (i == 0 && !is_hash) ||
            (!global && i > 0 && is_hash)) {
            return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                                 "Invalid KeySchema: The %s KeySchemaElement is not a %s key type",
                                 ordinal[i], i == 0 ? "HASH" : "RANGE");
        }
        if (is_hash && nr > 0) {
            /* not documented by DynamoDB: our message */
            return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                                 "Invalid KeySchema: The %s KeySchemaElement is a HASH key type "
                                 "after a RANGE key type; all HASH KeySchemaElements must come "
                                 "first",
                                 ordinal[i]);
        }
        ddb_type_t t = ddbd_attr_type(defs, ndefs, name, nl);
        if (t == DDB_T_NONE) {
            return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                                 "%s %s key not specified in Attribute Definitions.Type unknown.",
                                 global ? "Global Secondary Index" : "Local Secondary Index",
                                 is_hash ? "hash" : "range");
        }
        if (is_hash)
            hash[nh++] = (ddb_key_attr_t){name, nl, t};
        else
            range[nr++] = (ddb_key_attr_t){name, nl, t};
        i++;
    }
    ix->key.hash_name = hash[0].name, ix->key.hash_len = hash[0].len;
    ix->key.hash_type = hash[0].type;
    if (nr) {
        ix->key.range_name = range[0].name, ix->key.range_len = range[0].len;
        ix->key.range_type = range[0].type;
    }
    ix->nhash = ix->nrange = 0;
    if (nh == 1 && nr <= 1) return 0; /* a single-attribute key, as ever */
    ix->nhash = nh;
    ix->nrange = nr;
    if (nh > DDB_KEY_ATTRS_MAX || nr > DDB_KEY_ATTRS_MAX) return check_multi(r, ix);
    memcpy(ix->hash, hash, sizeof *hash * nh);
    memcpy(ix->range, range, sizeof *range * nr);
    return check_multi(r, ix);
}

bool ddbd_index_key_has(const ddb_index_info_t *ix, const char *name, size_t len) {
    ddb_key_attr_t k[DDB_KEY_ATTRS_MAX];
    for (int range = 0; range < 2; range++) {
        size_t n = ddb_index_attrs(ix, range, k);
        for (size_t i = 0; i < n; i++) {
            if (k[i].len == len && memcmp(k[i].name, name, len) == 0) return true;
        }
    }
    return false;
}

void ddbd_put_index_key_schema(buf_t *b, const ddb_index_info_t *ix) {
    if (!ix->nhash) {
        ddbd_put_key_schema(b, &ix->key);
        return;
    }
    buf_putc(b, '[');
    for (size_t i = 0; i < ix->nhash + ix->nrange; i++) {
        const ddb_key_attr_t *a = i < ix->nhash ? &ix->hash[i] : &ix->range[i - ix->nhash];
        if (i) buf_putc(b, ',');
        buf_puts(b, "{\"AttributeName\":");
        json_put_str(b, a->name, a->len);
        buf_printf(b, ",\"KeyType\":\"%s\"}", i < ix->nhash ? "HASH" : "RANGE");
    }
    buf_putc(b, ']');
}
