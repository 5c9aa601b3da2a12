/* meta.c: table-description maps. */
#include "server/meta.h"

#include "query/json.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mb_init(mb_t *m, ddb_arena_t *arena, size_t cap) {
    m->arena = arena;
    m->cap = cap ? cap : 8;
    m->n = 0;
    m->a = ddb_arena_alloc(arena, sizeof(ddb_attr_t) * m->cap);
}

static ddb_attr_t *mb_add(mb_t *m, const char *name) {
    if (m->n == m->cap) {
        ddb_attr_t *na = ddb_arena_alloc(m->arena, sizeof(ddb_attr_t) * m->cap * 2);
        memcpy(na, m->a, sizeof(ddb_attr_t) * m->n);
        m->a = na;
        m->cap *= 2;
    }
    ddb_attr_t *at = &m->a[m->n++];
    at->name = name;
    at->name_len = strlen(name);
    return at;
}

void mb_str(mb_t *m, const char *name, const char *s, size_t len) {
    ddb_attr_t *at = mb_add(m, name);
    at->value.type = DDB_T_S;
    at->value.u.str.ptr = ddb_arena_memdup(m->arena, s, len);
    at->value.u.str.len = len;
}

void mb_int(mb_t *m, const char *name, int64_t v) {
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%" PRId64, v);
    ddb_attr_t *at = mb_add(m, name);
    at->value.type = DDB_T_N;
    at->value.u.str.ptr = ddb_arena_strndup(m->arena, tmp, (size_t)n);
    at->value.u.str.len = (size_t)n;
}

void mb_bool(mb_t *m, const char *name, bool v) {
    ddb_attr_t *at = mb_add(m, name);
    at->value.type = DDB_T_BOOL;
    at->value.u.boolean = v;
}

void mb_val(mb_t *m, const char *name, const ddb_value_t *v) {
    ddb_attr_t *at = mb_add(m, name);
    at->value = *v;
}

ddb_value_t mb_done(mb_t *m) {
    ddb_value_t v = {.type = DDB_T_M};
    v.u.map.a = m->a;
    v.u.map.n = m->n;
    return v;
}

void mb_copy_except(mb_t *m, const ddb_value_t *src, const char *const *skip) {
    if (!src || src->type != DDB_T_M) return;
    for (size_t i = 0; i < src->u.map.n; i++) {
        const ddb_attr_t *s = &src->u.map.a[i];
        bool skipped = false;
        for (const char *const *k = skip; k && *k; k++) {
            if (strlen(*k) == s->name_len && memcmp(*k, s->name, s->name_len) == 0) skipped = true;
        }
        if (skipped) continue;
        ddb_attr_t *at = mb_add(m, "");
        at->name = s->name;
        at->name_len = s->name_len;
        at->value = s->value;
    }
}

const ddb_value_t *meta_get(const ddb_value_t *meta, const char *name) {
    return ddb_map_get(meta, name, strlen(name));
}

const char *meta_str(const ddb_value_t *meta, const char *name, size_t *len) {
    const ddb_value_t *v = meta_get(meta, name);
    if (!v || v->type != DDB_T_S) {
        if (len) *len = 0;
        return NULL;
    }
    if (len) *len = v->u.str.len;
    return v->u.str.ptr;
}

int64_t meta_int(const ddb_value_t *meta, const char *name, int64_t dflt) {
    const ddb_value_t *v = meta_get(meta, name);
    if (!v || v->type != DDB_T_N || v->u.str.len >= 32) return dflt;
    char tmp[32];
    memcpy(tmp, v->u.str.ptr, v->u.str.len);
    tmp[v->u.str.len] = '\0';
    return strtoll(tmp, NULL, 10);
}

bool meta_bool(const ddb_value_t *meta, const char *name, bool dflt) {
    const ddb_value_t *v = meta_get(meta, name);
    if (!v || v->type != DDB_T_BOOL) return dflt;
    return v->u.boolean;
}

int64_t meta_decreases_today(const ddb_value_t *meta, int64_t now_ms) {
    int64_t last_s = meta_int(meta, "LastDecrease", -1); /* whole seconds of the text */
    if (last_s < 0 || last_s / 86400 != now_ms / 1000 / 86400) return 0;
    return meta_int(meta, "Decreases", 0);
}

const char *meta_time_text(ddb_arena_t *a, int64_t ms) {
    char tmp[JSON_EPOCH_MAX];
    size_t n = json_epoch_text(tmp, ms);
    return ddb_arena_strndup(a, tmp, n);
}
