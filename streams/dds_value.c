/* dds_value.c: libddbstreams' walkable values: the Keys, NewImage and OldImage of a record
 * built from their text on first access (json_to_item, into the batch's arena: most consumers
 * read only the text, or only some records, and building costs ~6x the parse), and the value
 * accessors of dds.h over query/value.h trees. Batches are used from one thread, so the lazy
 * build needs no lock. Never prints, never aborts. */
#include <string.h>

#include <cjson/cJSON.h>

#include "query/json.h"
#include "streams/dds_int.h"

/* ---- record images as values ------------------------------------------------------------- */

/* A copy of v in a with every string and name NUL-terminated (json_to_item's point into the
 * cJSON tree, which does not outlive the build). */
static void clone_value(ddb_arena_t *a, const ddb_value_t *v, ddb_value_t *out) {
    *out = *v;
    switch (v->type) {
    case DDB_T_S:
    case DDB_T_N:
    case DDB_T_B:
        out->u.str.ptr = ddb_arena_strndup(a, v->u.str.ptr, v->u.str.len);
        break;
    case DDB_T_SS:
    case DDB_T_NS:
    case DDB_T_BS:
    case DDB_T_L:
        out->u.list.v = ddb_arena_alloc(a, sizeof *v * (v->u.list.n ? v->u.list.n : 1));
        for (size_t i = 0; i < v->u.list.n; i++)
            clone_value(a, &v->u.list.v[i], &out->u.list.v[i]);
        break;
    case DDB_T_M:
        out->u.map.a = ddb_arena_alloc(a, sizeof(ddb_attr_t) * (v->u.map.n ? v->u.map.n : 1));
        for (size_t i = 0; i < v->u.map.n; i++) {
            const ddb_attr_t *s = &v->u.map.a[i];
            ddb_attr_t *d = &out->u.map.a[i];
            d->name = ddb_arena_strndup(a, s->name, s->name_len);
            d->name_len = s->name_len;
            clone_value(a, &s->value, &d->value);
        }
        break;
    default:
        break;
    }
}

/* The value of an image's text, built the first time it is asked for (most consumers read
 * only the text or only some records; batches are used from one thread). NULL when the text
 * is not a DynamoDB item. */
static const dds_value *image_value(const dds_record *cr, unsigned bit, const char *text,
                                    size_t len, const dds_value *const *slot) {
    dds_record *r = (dds_record *)cr; /* records live in their batch's writable arena */
    if (!text || (r->built & bit) || !r->arena) return *slot;
    r->built |= bit;
    cJSON *tree;
    ddb_error_t e;
    if (json_parse_request(text, len, &tree, &e)) return NULL;
    ddb_arena_t *scratch = ddb_arena_create(len * 2 + 1024);
    ddb_value_t item;
    dds_value *out = NULL;
    if (json_to_item(scratch, tree, &item, &e) == 0) {
        out = ddb_arena_alloc(r->arena, sizeof *out);
        clone_value(r->arena, &item, &out->v);
    }
    ddb_arena_destroy(scratch);
    cJSON_Delete(tree);
    *(const dds_value **)slot = out;
    return out;
}

const dds_value *dds_record_keys(const dds_record *r) {
    return image_value(r, 1, r->keys_json, r->keys_len, &r->keys);
}

const dds_value *dds_record_new(const dds_record *r) {
    return image_value(r, 2, r->new_json, r->new_len, &r->new_image);
}

const dds_value *dds_record_old(const dds_record *r) {
    return image_value(r, 4, r->old_json, r->old_len, &r->old_image);
}

/* ---- values ------------------------------------------------------------------------------ */

dds_type dds_value_type(const dds_value *v) {
    /* ddb_type_t lists the types in dds_type's order, from 1 */
    return v ? (dds_type)v->v.type : (dds_type)0;
}

const char *dds_value_bytes(const dds_value *v, size_t *len) {
    if (!v || (v->v.type != DDB_T_S && v->v.type != DDB_T_N && v->v.type != DDB_T_B)) {
        if (len) *len = 0;
        return NULL;
    }
    if (len) *len = v->v.u.str.len;
    return v->v.u.str.ptr;
}

int dds_value_bool(const dds_value *v) {
    return v && v->v.type == DDB_T_BOOL && v->v.u.boolean;
}

size_t dds_value_len(const dds_value *v) {
    if (!v) return 0;
    switch (v->v.type) {
    case DDB_T_L:
    case DDB_T_SS:
    case DDB_T_NS:
    case DDB_T_BS:
        return v->v.u.list.n;
    case DDB_T_M:
        return v->v.u.map.n;
    default:
        return 0;
    }
}

const dds_value *dds_value_at(const dds_value *v, size_t i) {
    if (i >= dds_value_len(v)) return NULL;
    if (v->v.type == DDB_T_M) return (const dds_value *)&v->v.u.map.a[i].value;
    return (const dds_value *)&v->v.u.list.v[i];
}

const char *dds_value_name_at(const dds_value *v, size_t i, size_t *len) {
    if (!v || v->v.type != DDB_T_M || i >= v->v.u.map.n) {
        if (len) *len = 0;
        return NULL;
    }
    if (len) *len = v->v.u.map.a[i].name_len;
    return v->v.u.map.a[i].name;
}

const dds_value *dds_value_get(const dds_value *v, const char *name) {
    if (!v || !name) return NULL;
    return (const dds_value *)ddb_map_get(&v->v, name, strlen(name));
}
