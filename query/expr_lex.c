/* expr_lex.c: the front of the expression parsers: the context of names and
 * values a request supplies (and the check that each was used), the lexer,
 * token helpers with DynamoDB's syntax-error message, and the paths, names
 * and value references every expression kind shares. Pure. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query/expr_internal.h"
#include "query/expr_lex.h"

/* ---- context --------------------------------------------------------------- */

void expr_ctx_init(expr_ctx_t *ctx, ddb_arena_t *arena, const ddb_value_t *names,
                   const ddb_value_t *values) {
    ctx->arena = arena;
    ctx->names = names;
    ctx->values = values;
    size_t nn = names ? names->u.map.n : 0, nv = values ? values->u.map.n : 0;
    ctx->names_used = ddb_arena_alloc(arena, sizeof(bool) * (nn ? nn : 1));
    ctx->values_used = ddb_arena_alloc(arena, sizeof(bool) * (nv ? nv : 1));
}

static int unused(const ddb_value_t *map, const bool *used, const char *what, ddb_error_t *err) {
    char list[800];
    size_t k = 0;
    int count = 0;
    for (size_t i = 0; map && i < map->u.map.n; i++) {
        if (used[i]) continue;
        const ddb_attr_t *a = &map->u.map.a[i];
        int n = snprintf(list + k, sizeof list - k, "%s%.*s", count ? ", " : "", (int)a->name_len,
                         a->name);
        if (n > 0 && (size_t)n < sizeof list - k) k += (size_t)n;
        count++;
    }
    if (!count) return 0;
    return ddb_error_set(err, DDB_ERR_VALIDATION,
                         "Value provided in %s unused in expressions: keys: {%.*s}", what, (int)k,
                         list);
}

int expr_check_unused(const expr_ctx_t *ctx, ddb_error_t *err) {
    int rc = unused(ctx->names, ctx->names_used, "ExpressionAttributeNames", err);
    if (!rc) rc = unused(ctx->values, ctx->values_used, "ExpressionAttributeValues", err);
    return rc;
}

/* ---- lexer ------------------------------------------------------------------ */

static bool name_start(char c) {
    return isalpha((unsigned char)c) || c == '_';
}

static bool name_char(char c) {
    return isalnum((unsigned char)c) || c == '_';
}

void expr__lex(parser_t *p) {
    size_t cap = p->len + 2, n = 0;
    p->toks = ddb_arena_alloc(p->ctx->arena, sizeof(tok_t) * cap);
    size_t i = 0;
    while (i < p->len) {
        char c = p->s[i];
        if (isspace((unsigned char)c)) {
            i++;
            continue;
        }
        tok_t t = {.start = i, .len = 1};
        if (name_start(c)) {
            t.kind = T_NAME;
            while (i + t.len < p->len && name_char(p->s[i + t.len]))
                t.len++;
        } else if ((c == '#' || c == ':') && i + 1 < p->len && name_char(p->s[i + 1])) {
            t.kind = c == '#' ? T_HNAME : T_VALUE;
            while (i + t.len < p->len && name_char(p->s[i + t.len]))
                t.len++;
        } else if (isdigit((unsigned char)c)) {
            t.kind = T_NUMBER;
            while (i + t.len < p->len && isdigit((unsigned char)p->s[i + t.len]))
                t.len++;
        } else {
            char d = i + 1 < p->len ? p->s[i + 1] : 0;
            switch (c) {
            case '(':
                t.kind = T_LPAREN;
                break;
            case ')':
                t.kind = T_RPAREN;
                break;
            case '[':
                t.kind = T_LBRACK;
                break;
            case ']':
                t.kind = T_RBRACK;
                break;
            case ',':
                t.kind = T_COMMA;
                break;
            case '.':
                t.kind = T_DOT;
                break;
            case '=':
                t.kind = T_EQ;
                break;
            case '+':
                t.kind = T_PLUS;
                break;
            case '-':
                t.kind = T_MINUS;
                break;
            case '<':
                if (d == '>')
                    t.kind = T_NE, t.len = 2;
                else if (d == '=')
                    t.kind = T_LE, t.len = 2;
                else
                    t.kind = T_LT;
                break;
            case '>':
                if (d == '=')
                    t.kind = T_GE, t.len = 2;
                else
                    t.kind = T_GT;
                break;
            default:
                t.kind = T_BAD;
                break;
            }
        }
        p->toks[n++] = t;
        i += t.len;
    }
    p->toks[n] = (tok_t){.kind = T_EOF, .start = p->len, .len = 0};
    p->ntoks = n;
    p->pos = 0;
}

const tok_t *expr__peek(const parser_t *p) {
    return &p->toks[p->pos];
}

bool expr__is_kw(const parser_t *p, const tok_t *t, const char *kw) {
    size_t n = strlen(kw);
    if (t->kind != T_NAME || t->len != n) return false;
    for (size_t i = 0; i < n; i++) {
        if (toupper((unsigned char)p->s[t->start + i]) != kw[i]) return false;
    }
    return true;
}

/* DynamoDB: Syntax error; token: "<tok>", near: "<prev tok next>". */
int expr__syntax_error(parser_t *p) {
    const tok_t *t = expr__peek(p);
    if (t->kind == T_EOF) {
        size_t from = p->pos > 0 ? p->toks[p->pos - 1].start : 0;
        return ddb_error_set(p->err, DDB_ERR_VALIDATION,
                             "Invalid %s: Syntax error; token: \"<EOF>\", near: \"%.*s\"", p->what,
                             (int)(p->len - from), p->s + from);
    }
    size_t from = p->pos > 0 ? p->toks[p->pos - 1].start : t->start;
    const tok_t *next = p->pos < p->ntoks ? &p->toks[p->pos + 1] : t;
    size_t to = next->kind == T_EOF ? t->start + t->len : next->start + next->len;
    return ddb_error_set(p->err, DDB_ERR_VALIDATION,
                         "Invalid %s: Syntax error; token: \"%.*s\", near: \"%.*s\"", p->what,
                         (int)t->len, p->s + t->start, (int)(to - from), p->s + from);
}

int expr__invalid(parser_t *p, const char *fmt, const char *a, size_t alen) {
    char detail[600];
    snprintf(detail, sizeof detail, fmt, (int)alen, a);
    return ddb_error_set(p->err, DDB_ERR_VALIDATION, "Invalid %s: %s", p->what, detail);
}

void expr__defer(parser_t *p, const char *fmt, ...) {
    if (p->has_deferred) return;
    char detail[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    ddb_error_set(&p->deferred, DDB_ERR_VALIDATION, "Invalid %s: %s", p->what, detail);
    p->has_deferred = true;
}

int expr__finish(parser_t *p) {
    if (p->operators > MAX_OPERATORS) {
        return ddb_error_set(p->err, DDB_ERR_VALIDATION,
                             "Invalid %s: The expression contains too many operators; operator "
                             "count: %d",
                             p->what, MAX_OPERATORS + 1);
    }
    if (p->redundant) {
        return ddb_error_set(p->err, DDB_ERR_VALIDATION,
                             "Invalid %s: The expression has redundant parentheses;", p->what);
    }
    if (!p->has_deferred) return 0;
    if (p->err) *p->err = p->deferred;
    return p->deferred.code;
}

int expr__too_deep(parser_t *p) {
    p->redundant = true;
    return expr__finish(p);
}

bool expr__accept(parser_t *p, tok_kind_t k) {
    if (expr__peek(p)->kind != k) return false;
    p->pos++;
    return true;
}

int expr__expect(parser_t *p, tok_kind_t k) {
    return expr__accept(p, k) ? 0 : expr__syntax_error(p);
}

/* ---- names, values, paths ------------------------------------------------- */

static long map_index(const ddb_value_t *map, const char *s, size_t len) {
    for (size_t i = 0; map && i < map->u.map.n; i++) {
        const ddb_attr_t *a = &map->u.map.a[i];
        if (a->name_len == len && memcmp(a->name, s, len) == 0) return (long)i;
    }
    return -1;
}

static int name_step(parser_t *p, expr_step_t *st) {
    const tok_t *t = expr__peek(p);
    const char *s = p->s + t->start;
    if (t->kind == T_NAME) {
        if (expr_is_reserved(s, t->len)) {
            return expr__invalid(p, "Attribute name is a reserved keyword; reserved keyword: %.*s",
                                 s, t->len);
        }
        st->name = s;
        st->len = t->len;
    } else if (t->kind == T_HNAME) {
        long i = map_index(p->ctx->names, s, t->len);
        if (i < 0) {
            return expr__invalid(p,
                                 "An expression attribute name used in the document path is not "
                                 "defined; attribute name: %.*s",
                                 s, t->len);
        }
        p->ctx->names_used[i] = true;
        const ddb_value_t *v = &p->ctx->names->u.map.a[i].value;
        st->name = v->u.str.ptr;
        st->len = v->u.str.len;
    } else {
        return expr__syntax_error(p);
    }
    st->index = -1;
    p->pos++;
    return 0;
}

int expr__parse_path(parser_t *p, expr_path_t *out) {
    size_t cap = 4, n = 0;
    expr_step_t *steps = ddb_arena_alloc(p->ctx->arena, sizeof *steps * cap);
    int rc = name_step(p, &steps[n++]);
    if (rc) return rc;
    for (;;) {
        expr_step_t st;
        if (expr__accept(p, T_DOT)) {
            rc = name_step(p, &st);
            if (rc) return rc;
        } else if (expr__accept(p, T_LBRACK)) {
            const tok_t *t = expr__peek(p);
            if (t->kind != T_NUMBER) return expr__syntax_error(p);
            if (t->len > 9)
                return expr__invalid(p, "List index is too large; index: %.*s", p->s + t->start,
                                     t->len);
            /* the digits of the token only: the text need not end after it */
            long index = 0;
            for (size_t i = 0; i < t->len; i++)
                index = index * 10 + (p->s[t->start + i] - '0');
            st = (expr_step_t){.name = NULL, .len = 0, .index = index};
            p->pos++;
            rc = expr__expect(p, T_RBRACK);
            if (rc) return rc;
        } else {
            break;
        }
        if (n == cap) {
            expr_step_t *ns = ddb_arena_alloc(p->ctx->arena, sizeof *ns * cap * 2);
            memcpy(ns, steps, sizeof *ns * n);
            steps = ns;
            cap *= 2;
        }
        steps[n++] = st;
    }
    if (n > MAX_PATH_DEPTH) {
        expr__defer(p, "The document path has too many nesting levels; nesting levels: %zu", n);
    }
    out->steps = steps;
    out->n = n;
    return 0;
}

expr_node_t *expr__node(parser_t *p, expr_kind_t kind) {
    expr_node_t *n = ddb_arena_alloc(p->ctx->arena, sizeof *n);
    n->kind = kind;
    if (kind != EXPR_PATH && kind != EXPR_VALUE) p->operators++;
    return n;
}

int expr__value_ref(parser_t *p, expr_node_t **out) {
    const tok_t *t = expr__peek(p);
    long i = map_index(p->ctx->values, p->s + t->start, t->len);
    if (i < 0) {
        return expr__invalid(p,
                             "An expression attribute value used in expression is not defined; "
                             "attribute value: %.*s",
                             p->s + t->start, t->len);
    }
    p->ctx->values_used[i] = true;
    p->pos++;
    expr_node_t *n = expr__node(p, EXPR_VALUE);
    n->value = &p->ctx->values->u.map.a[i].value;
    *out = n;
    return 0;
}

int expr__begin(parser_t *p, expr_ctx_t *ctx, const char *what, const char *text, size_t len,
                ddb_error_t *err) {
    *p = (parser_t){.ctx = ctx, .what = what, .s = text, .len = len, .err = err};
    if (len == 0) {
        return ddb_error_set(err, DDB_ERR_VALIDATION,
                             "Invalid %s: The expression can not be empty;", what);
    }
    if (len > MAX_EXPR_BYTES) {
        return ddb_error_set(err, DDB_ERR_VALIDATION,
                             "Invalid %s: Expression size has exceeded the maximum allowed size; "
                             "expression size: %zu",
                             what, len);
    }
    expr__lex(p);
    for (size_t k = 0; k < p->ntoks; k++) {
        if (p->toks[k].kind == T_BAD) {
            p->pos = k;
            return expr__syntax_error(p);
        }
    }
    return 0;
}
