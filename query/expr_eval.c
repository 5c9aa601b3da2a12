/* expr_eval.c: evaluation of conditions over items, projection, and the path
 * helpers shared with the parser. Comparisons follow DynamoDB: operands of
 * different types (or missing attributes) never match an ordering, numbers
 * compare numerically, strings and binaries by unsigned bytes. Pure. */
#include <stdio.h>
#include <string.h>

#include "query/expr_internal.h"
#include "query/number.h"

const ddb_value_t *expr_resolve(const ddb_value_t *item, const expr_path_t *path) {
    const ddb_value_t *v = item;
    for (size_t i = 0; v && i < path->n; i++) {
        const expr_step_t *st = &path->steps[i];
        if (st->index < 0) {
            v = v->type == DDB_T_M ? ddb_map_get(v, st->name, st->len) : NULL;
        } else {
            v = v->type == DDB_T_L && (size_t)st->index < v->u.list.n ? &v->u.list.v[st->index]
                                                                      : NULL;
        }
    }
    return v;
}

void expr_path_render(const expr_path_t *p, char *out, size_t cap) {
    size_t k = 0;
    k += (size_t)snprintf(out + k, cap - k, "[");
    for (size_t i = 0; i < p->n && k < cap; i++) {
        const expr_step_t *st = &p->steps[i];
        const char *sep = i ? ", " : "";
        if (st->index < 0) {
            k += (size_t)snprintf(out + k, cap - k, "%s%.*s", sep, (int)st->len, st->name);
        } else {
            k += (size_t)snprintf(out + k, cap - k, "%s[%ld]", sep, st->index);
        }
    }
    if (k < cap) snprintf(out + k, cap - k, "]");
}

int expr_paths_clash(const expr_path_t *a, const expr_path_t *b) {
    size_t n = a->n < b->n ? a->n : b->n;
    for (size_t i = 0; i < n; i++) {
        const expr_step_t *x = &a->steps[i], *y = &b->steps[i];
        if ((x->index < 0) != (y->index < 0)) return 2;
        if (x->index < 0) {
            if (x->len != y->len || memcmp(x->name, y->name, x->len) != 0) return 0;
        } else if (x->index != y->index) {
            return 0;
        }
    }
    return 1;
}

int expr_compare_scalars(const ddb_value_t *a, const ddb_value_t *b) {
    if (a->type == DDB_T_N) {
        ddb_num_t x, y;
        ddb_num_parse(a->u.str.ptr, a->u.str.len, &x, NULL);
        ddb_num_parse(b->u.str.ptr, b->u.str.len, &y, NULL);
        return ddb_num_cmp(&x, &y);
    }
    size_t n = a->u.str.len < b->u.str.len ? a->u.str.len : b->u.str.len;
    int c = memcmp(a->u.str.ptr, b->u.str.ptr, n);
    if (c) return c < 0 ? -1 : 1;
    return (a->u.str.len > b->u.str.len) - (a->u.str.len < b->u.str.len);
}

/* ---- evaluation --------------------------------------------------------------- */

/* size() of a string counts UTF-16 code units, as DynamoDB (a Java service)
 * does: one per character, two for characters beyond U+FFFF. */
static size_t utf16_length(const char *s, size_t len) {
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c & 0xC0) == 0x80) continue; /* continuation byte */
        n += c >= 0xF0 ? 2 : 1;
    }
    return n;
}

/* An operand's value: a path's value, a constant, or size() as a number in
 * the scratch value. NULL when the operand has no value (missing path). */
static const ddb_value_t *operand(const expr_node_t *n, const ddb_value_t *item,
                                  ddb_value_t *scratch, char *buf, size_t cap) {
    switch (n->kind) {
    case EXPR_VALUE:
        return n->value;
    case EXPR_PATH:
        return expr_resolve(item, &n->path);
    case EXPR_SIZE: {
        const ddb_value_t *v = expr_resolve(item, &n->path);
        if (!v) return NULL;
        size_t size;
        switch (v->type) {
        case DDB_T_S:
            size = utf16_length(v->u.str.ptr, v->u.str.len);
            break;
        case DDB_T_B:
            size = v->u.str.len;
            break;
        case DDB_T_SS:
        case DDB_T_NS:
        case DDB_T_BS:
        case DDB_T_L:
            size = v->u.list.n;
            break;
        case DDB_T_M:
            size = v->u.map.n;
            break;
        default:
            return NULL; /* size of N, BOOL, NULL: no value */
        }
        int len = snprintf(buf, cap, "%zu", size);
        scratch->type = DDB_T_N;
        scratch->u.str.ptr = buf;
        scratch->u.str.len = (size_t)len;
        return scratch;
    }
    default:
        return NULL;
    }
}

static bool orderable(const ddb_value_t *a, const ddb_value_t *b) {
    return a && b && a->type == b->type &&
           (a->type == DDB_T_N || a->type == DDB_T_S || a->type == DDB_T_B);
}

static bool contains(const ddb_value_t *hay, const ddb_value_t *needle) {
    if (!hay || !needle) return false;
    switch (hay->type) {
    case DDB_T_S:
    case DDB_T_B:
        if (needle->type != hay->type) return false;
        if (needle->u.str.len == 0) return true;
        for (size_t i = 0; i + needle->u.str.len <= hay->u.str.len; i++) {
            if (memcmp(hay->u.str.ptr + i, needle->u.str.ptr, needle->u.str.len) == 0) return true;
        }
        return false;
    case DDB_T_SS:
    case DDB_T_NS:
    case DDB_T_BS:
    case DDB_T_L:
        for (size_t i = 0; i < hay->u.list.n; i++) {
            if (ddb_value_equal(&hay->u.list.v[i], needle)) return true;
        }
        return false;
    default:
        return false;
    }
}

bool expr_eval(const expr_node_t *c, const ddb_value_t *item) {
    ddb_value_t s1, s2, s3;
    char b1[32], b2[32], b3[32];
    switch (c->kind) {
    case EXPR_AND:
        return expr_eval(c->a, item) && expr_eval(c->b, item);
    case EXPR_OR:
        return expr_eval(c->a, item) || expr_eval(c->b, item);
    case EXPR_NOT:
        return !expr_eval(c->a, item);
    case EXPR_EXISTS:
        return expr_resolve(item, &c->a->path) != NULL;
    case EXPR_NOT_EXISTS:
        return expr_resolve(item, &c->a->path) == NULL;
    case EXPR_ATTR_TYPE: {
        const ddb_value_t *v = expr_resolve(item, &c->a->path);
        const ddb_value_t *t = c->b->value;
        const char *name = v ? ddb_type_name(v->type) : "";
        return v && strlen(name) == t->u.str.len && memcmp(name, t->u.str.ptr, t->u.str.len) == 0;
    }
    case EXPR_BEGINS_WITH: {
        const ddb_value_t *a = operand(c->a, item, &s1, b1, sizeof b1);
        const ddb_value_t *b = operand(c->b, item, &s2, b2, sizeof b2);
        if (!a || !b || a->type != b->type || (a->type != DDB_T_S && a->type != DDB_T_B))
            return false;
        return b->u.str.len <= a->u.str.len &&
               memcmp(a->u.str.ptr, b->u.str.ptr, b->u.str.len) == 0;
    }
    case EXPR_CONTAINS:
        return contains(operand(c->a, item, &s1, b1, sizeof b1),
                        operand(c->b, item, &s2, b2, sizeof b2));
    case EXPR_CMP: {
        const ddb_value_t *a = operand(c->a, item, &s1, b1, sizeof b1);
        const ddb_value_t *b = operand(c->b, item, &s2, b2, sizeof b2);
        if (c->cmp == CMP_EQ) return a && b && ddb_value_equal(a, b);
        /* a missing attribute is "not equal" to anything (DynamoDB Local agrees) */
        if (c->cmp == CMP_NE) return !(a && b && ddb_value_equal(a, b));
        if (!orderable(a, b)) return false;
        int r = expr_compare_scalars(a, b);
        switch (c->cmp) {
        case CMP_LT:
            return r < 0;
        case CMP_LE:
            return r <= 0;
        case CMP_GT:
            return r > 0;
        case CMP_GE:
            return r >= 0;
        default:
            return false;
        }
    }
    case EXPR_BETWEEN: {
        const ddb_value_t *a = operand(c->a, item, &s1, b1, sizeof b1);
        const ddb_value_t *lo = operand(c->b, item, &s2, b2, sizeof b2);
        const ddb_value_t *hi = operand(c->c, item, &s3, b3, sizeof b3);
        if (!orderable(a, lo) || !orderable(a, hi)) return false;
        return expr_compare_scalars(a, lo) >= 0 && expr_compare_scalars(a, hi) <= 0;
    }
    case EXPR_IN: {
        const ddb_value_t *a = operand(c->a, item, &s1, b1, sizeof b1);
        if (!a) return false;
        for (size_t i = 0; i < c->nlist; i++) {
            const ddb_value_t *v = operand(c->list[i], item, &s2, b2, sizeof b2);
            if (v && ddb_value_equal(a, v)) return true;
        }
        return false;
    }
    default:
        return false;
    }
}

/* ---- projection --------------------------------------------------------------------- */

/* Projects v onto the sub-paths (suffixes starting at depth d) of the paths
 * in sel[0..n); returns false when nothing of v is selected. */
static bool project_value(ddb_arena_t *a, const ddb_value_t *v, const expr_path_t *const *sel,
                          size_t n, size_t d, ddb_value_t *out) {
    for (size_t i = 0; i < n; i++) {
        if (sel[i]->n == d) {
            *out = *v; /* the whole value is selected */
            return true;
        }
    }
    const expr_path_t **sub = ddb_arena_alloc(a, sizeof *sub * n);
    if (v->type == DDB_T_M) {
        out->type = DDB_T_M;
        out->u.map.a = ddb_arena_alloc(a, sizeof(ddb_attr_t) * (v->u.map.n ? v->u.map.n : 1));
        out->u.map.n = 0;
        for (size_t k = 0; k < v->u.map.n; k++) {
            const ddb_attr_t *at = &v->u.map.a[k];
            size_t m = 0;
            for (size_t i = 0; i < n; i++) {
                const expr_step_t *st = &sel[i]->steps[d];
                if (st->index < 0 && st->len == at->name_len &&
                    memcmp(st->name, at->name, st->len) == 0) {
                    sub[m++] = sel[i];
                }
            }
            ddb_attr_t *o = &out->u.map.a[out->u.map.n];
            if (m && project_value(a, &at->value, sub, m, d + 1, &o->value)) {
                o->name = at->name;
                o->name_len = at->name_len;
                out->u.map.n++;
            }
        }
        return out->u.map.n > 0;
    }
    if (v->type == DDB_T_L) {
        out->type = DDB_T_L;
        out->u.list.v = ddb_arena_alloc(a, sizeof(ddb_value_t) * (v->u.list.n ? v->u.list.n : 1));
        out->u.list.n = 0;
        for (size_t k = 0; k < v->u.list.n; k++) {
            size_t m = 0;
            for (size_t i = 0; i < n; i++) {
                if (sel[i]->steps[d].index == (long)k) sub[m++] = sel[i];
            }
            if (m &&
                project_value(a, &v->u.list.v[k], sub, m, d + 1, &out->u.list.v[out->u.list.n])) {
                out->u.list.n++;
            }
        }
        return out->u.list.n > 0;
    }
    return false;
}

void expr_project(ddb_arena_t *a, const expr_projection_t *p, const ddb_value_t *item,
                  ddb_value_t *out) {
    const expr_path_t **sel = ddb_arena_alloc(a, sizeof *sel * (p->n ? p->n : 1));
    for (size_t i = 0; i < p->n; i++)
        sel[i] = &p->paths[i];
    if (!project_value(a, item, sel, p->n, 0, out)) {
        out->type = DDB_T_M;
        out->u.map.a = NULL;
        out->u.map.n = 0;
    }
}

void expr_projection_from_names(ddb_arena_t *a, const char *const *names, const size_t *lens,
                                size_t n, expr_projection_t *out) {
    out->n = n;
    out->paths = ddb_arena_alloc(a, sizeof(expr_path_t) * (n ? n : 1));
    for (size_t i = 0; i < n; i++) {
        expr_step_t *st = ddb_arena_alloc(a, sizeof *st);
        *st = (expr_step_t){.name = names[i], .len = lens[i], .index = -1};
        out->paths[i] = (expr_path_t){st, 1};
    }
}

int expr_references(const expr_node_t *n, const char *name, size_t len) {
    if (!n) return 0;
    if (n->kind == EXPR_PATH) {
        const expr_step_t *st = &n->path.steps[0];
        if (st->len != len || memcmp(st->name, name, len) != 0) return 0;
        return n->path.n > 1 ? 2 : 1;
    }
    int best = 0;
    const expr_node_t *kids[3] = {n->a, n->b, n->c};
    for (size_t i = 0; i < 3 + n->nlist; i++) {
        int r = expr_references(i < 3 ? kids[i] : n->list[i - 3], name, len);
        if (r > best) best = r;
    }
    return best;
}
