/* value.c: type names, lookup, deep equality, cloning and DynamoDB's size
 * rules for attribute values (and names). Pure. */
#include "query/value.h"

#include <string.h>

#include "query/number.h"

static const char *const type_names[] = {
    [DDB_T_NONE] = "", [DDB_T_S] = "S",       [DDB_T_N] = "N",       [DDB_T_B] = "B",
    [DDB_T_SS] = "SS", [DDB_T_NS] = "NS",     [DDB_T_BS] = "BS",     [DDB_T_M] = "M",
    [DDB_T_L] = "L",   [DDB_T_BOOL] = "BOOL", [DDB_T_NULL] = "NULL",
};

const char *ddb_type_name(ddb_type_t t) {
    if ((unsigned)t > DDB_T_NULL) return "";
    return type_names[t];
}

ddb_type_t ddb_type_from_name(const char *name, size_t len) {
    for (int t = DDB_T_S; t <= DDB_T_NULL; t++) {
        const char *n = type_names[t];
        if (strlen(n) == len && memcmp(n, name, len) == 0) return (ddb_type_t)t;
    }
    return DDB_T_NONE;
}

bool ddb_type_is_set(ddb_type_t t) {
    return t == DDB_T_SS || t == DDB_T_NS || t == DDB_T_BS;
}

ddb_type_t ddb_set_elem_type(ddb_type_t t) {
    switch (t) {
    case DDB_T_SS:
        return DDB_T_S;
    case DDB_T_NS:
        return DDB_T_N;
    case DDB_T_BS:
        return DDB_T_B;
    default:
        return DDB_T_NONE;
    }
}

const ddb_value_t *ddb_map_get(const ddb_value_t *map, const char *name, size_t len) {
    if (!map || map->type != DDB_T_M) return NULL;
    for (size_t i = 0; i < map->u.map.n; i++) {
        const ddb_attr_t *a = &map->u.map.a[i];
        if (a->name_len == len && memcmp(a->name, name, len) == 0) return &a->value;
    }
    return NULL;
}

static bool bytes_equal(const ddb_value_t *a, const ddb_value_t *b) {
    return a->u.str.len == b->u.str.len && memcmp(a->u.str.ptr, b->u.str.ptr, a->u.str.len) == 0;
}

/* Numbers are stored canonically, so equal numbers have equal text; parse
 * anyway when the texts differ, in case a caller built a non-canonical one. */
static bool numbers_equal(const ddb_value_t *a, const ddb_value_t *b) {
    if (bytes_equal(a, b)) return true;
    ddb_num_t x, y;
    if (ddb_num_parse(a->u.str.ptr, a->u.str.len, &x, NULL)) return false;
    if (ddb_num_parse(b->u.str.ptr, b->u.str.len, &y, NULL)) return false;
    return ddb_num_cmp(&x, &y) == 0;
}

static bool set_contains(const ddb_value_t *set, const ddb_value_t *elem) {
    for (size_t i = 0; i < set->u.list.n; i++) {
        if (ddb_value_equal(&set->u.list.v[i], elem)) return true;
    }
    return false;
}

bool ddb_value_equal(const ddb_value_t *a, const ddb_value_t *b) {
    if (a->type != b->type) return false;
    switch (a->type) {
    case DDB_T_S:
    case DDB_T_B:
        return bytes_equal(a, b);
    case DDB_T_N:
        return numbers_equal(a, b);
    case DDB_T_BOOL:
        return a->u.boolean == b->u.boolean;
    case DDB_T_NULL:
        return true;
    case DDB_T_SS:
    case DDB_T_NS:
    case DDB_T_BS:
        /* set members are unique, so equal sizes + inclusion means equality */
        if (a->u.list.n != b->u.list.n) return false;
        for (size_t i = 0; i < a->u.list.n; i++) {
            if (!set_contains(b, &a->u.list.v[i])) return false;
        }
        return true;
    case DDB_T_L:
        if (a->u.list.n != b->u.list.n) return false;
        for (size_t i = 0; i < a->u.list.n; i++) {
            if (!ddb_value_equal(&a->u.list.v[i], &b->u.list.v[i])) return false;
        }
        return true;
    case DDB_T_M:
        if (a->u.map.n != b->u.map.n) return false;
        for (size_t i = 0; i < a->u.map.n; i++) {
            const ddb_attr_t *x = &a->u.map.a[i];
            const ddb_value_t *y = ddb_map_get(b, x->name, x->name_len);
            if (!y || !ddb_value_equal(&x->value, y)) return false;
        }
        return true;
    case DDB_T_NONE:
        return true;
    }
    return false;
}

void ddb_value_clone(ddb_arena_t *a, const ddb_value_t *v, ddb_value_t *out) {
    out->type = v->type;
    switch (v->type) {
    case DDB_T_S:
    case DDB_T_N:
    case DDB_T_B:
        out->u.str.ptr = ddb_arena_memdup(a, v->u.str.ptr, v->u.str.len);
        out->u.str.len = v->u.str.len;
        break;
    case DDB_T_BOOL:
        out->u.boolean = v->u.boolean;
        break;
    case DDB_T_SS:
    case DDB_T_NS:
    case DDB_T_BS:
    case DDB_T_L:
        out->u.list.n = v->u.list.n;
        out->u.list.v = ddb_arena_alloc(a, sizeof(ddb_value_t) * (v->u.list.n ? v->u.list.n : 1));
        for (size_t i = 0; i < v->u.list.n; i++) {
            ddb_value_clone(a, &v->u.list.v[i], &out->u.list.v[i]);
        }
        break;
    case DDB_T_M:
        out->u.map.n = v->u.map.n;
        out->u.map.a = ddb_arena_alloc(a, sizeof(ddb_attr_t) * (v->u.map.n ? v->u.map.n : 1));
        for (size_t i = 0; i < v->u.map.n; i++) {
            const ddb_attr_t *s = &v->u.map.a[i];
            ddb_attr_t *d = &out->u.map.a[i];
            d->name = ddb_arena_memdup(a, s->name, s->name_len);
            d->name_len = s->name_len;
            ddb_value_clone(a, &s->value, &d->value);
        }
        break;
    case DDB_T_NULL:
    case DDB_T_NONE:
        break;
    }
}

/* "1 byte per two significant digits + 1 byte" (DynamoDB developer guide,
 * Item sizes and formats). */
static size_t number_size(const ddb_value_t *v) {
    ddb_num_t n;
    if (ddb_num_parse(v->u.str.ptr, v->u.str.len, &n, NULL)) return v->u.str.len;
    return (size_t)(ddb_num_digits(&n) + 1) / 2 + 1;
}

int ddb_check_attr_name(size_t len, ddb_error_t *err) {
    if (len == 0) return ddb_error_set(err, DDB_ERR_VALIDATION, "Empty attribute name");
    if (len > DDB_ATTR_NAME_MAX) {
        return ddb_error_set(err, DDB_ERR_VALIDATION,
                             "Attribute name is too large, must be less than 65536 bytes");
    }
    return 0;
}

size_t ddb_value_size(const ddb_value_t *v) {
    size_t size = 0;
    switch (v->type) {
    case DDB_T_S:
    case DDB_T_B:
        return v->u.str.len;
    case DDB_T_N:
        return number_size(v);
    case DDB_T_BOOL:
    case DDB_T_NULL:
        return 1;
    case DDB_T_SS:
    case DDB_T_NS:
    case DDB_T_BS:
        for (size_t i = 0; i < v->u.list.n; i++)
            size += ddb_value_size(&v->u.list.v[i]);
        return size;
    case DDB_T_L:
        /* 3 bytes per list + 1 byte per element */
        size = 3;
        for (size_t i = 0; i < v->u.list.n; i++)
            size += 1 + ddb_value_size(&v->u.list.v[i]);
        return size;
    case DDB_T_M:
        size = 3;
        for (size_t i = 0; i < v->u.map.n; i++) {
            const ddb_attr_t *a = &v->u.map.a[i];
            size += 1 + a->name_len + ddb_value_size(&a->value);
        }
        return size;
    case DDB_T_NONE:
        return 0;
    }
    return 0;
}

size_t ddb_item_size(const ddb_value_t *item) {
    size_t size = 0;
    if (item->type != DDB_T_M) return 0;
    for (size_t i = 0; i < item->u.map.n; i++) {
        const ddb_attr_t *a = &item->u.map.a[i];
        size += a->name_len + ddb_value_size(&a->value);
    }
    return size;
}
