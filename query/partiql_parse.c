/* partiql_parse.c: PartiQL statements to an AST (query/partiql.h).
 *
 * Recursive descent over partiql_lex.c's tokens, with DynamoDB's messages
 * for what it cannot read. Recursion is bounded by PQ_MAX_DEPTH so a deeply
 * nested input is an error, not a stack overflow. Checks only the grammar:
 * what a statement means for a table is partiql_plan.c's. Pure. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query/partiql_internal.h"
#include "query/partiql_lex.h"

typedef struct parser {
    const char *s;
    size_t len;
    ddb_arena_t *a;
    ddb_error_t *err;
    size_t *err_pos;
    pq_tok_t t;     /* the current token */
    size_t nparams; /* ? seen so far */
    int depth;
} parser_t;

static void next(parser_t *p) {
    p->t = pq__lex(p->s, p->len, p->t.pos + p->t.len);
}

#define PQ_EMPTY_COMPONENT "Path component cannot be an empty string"

/* A syntax error at the current token: DynamoDB's envelope and detail. */
static int syntax(parser_t *p, const char *detail) {
    if (p->err_pos) *p->err_pos = p->t.pos;
    return ddb_error_set(p->err, DDB_ERR_VALIDATION, PQ_NOT_WELL_FORMED "%s", detail);
}

/* An error DynamoDB words without the envelope, positioned at t. */
static int plain(parser_t *p, const pq_tok_t *t, const char *msg, bool with_pos) {
    if (p->err_pos) *p->err_pos = t->pos;
    if (!with_pos) return ddb_error_set(p->err, DDB_ERR_VALIDATION, "%s", msg);
    char at[48];
    pq__at(p->s, t->pos, t->len, at);
    return ddb_error_set(p->err, DDB_ERR_VALIDATION, "%s at %s", msg, at);
}

static bool at_end(const parser_t *p) {
    return p->t.kind == PQ_T_EOF || pq__is(&p->t, ";");
}

/* What DynamoDB says when a term should start at the current token. */
static int bad_term(parser_t *p) {
    if (p->t.kind == PQ_T_BAD) return syntax(p, "");
    if (p->t.kind == PQ_T_OP || pq__is_kw(&p->t, "is") || pq__is_kw(&p->t, "like") ||
        pq__is_kw(&p->t, "between") || pq__is_kw(&p->t, "in"))
        return syntax(p, "Unexpected operator");
    if (pq__is_kw(&p->t, "select")) /* a subquery: only EXISTS(SELECT ...) as a statement */
        return plain(p, &p->t, "Unsupported token in expression: SELECT", true);
    if (pq__is_reserved(&p->t)) return syntax(p, "Unexpected keyword");
    return syntax(p, "Unexpected term");
}

static pq_node_t *node(parser_t *p, pq_node_kind_t k, size_t pos) {
    pq_node_t *n = ddb_arena_alloc(p->a, sizeof *n);
    n->kind = k;
    n->pos = pos;
    return n;
}

static void add_kid(parser_t *p, pq_node_t *n, pq_node_t *kid, pq_node_t *key) {
    /* grow by doubling inside the arena (at 0, 1, 2, 4, ...); old arrays stay behind */
    if ((n->nkids & (n->nkids - 1)) == 0) {
        size_t cap = n->nkids ? n->nkids * 2 : 1;
        pq_node_t **k = ddb_arena_alloc(p->a, cap * sizeof *k);
        pq_node_t **y = ddb_arena_alloc(p->a, cap * sizeof *y);
        if (n->nkids) {
            memcpy(k, n->kids, n->nkids * sizeof *k);
            memcpy(y, n->keys, n->nkids * sizeof *y);
        }
        n->kids = k;
        n->keys = y;
    }
    n->kids[n->nkids] = kid;
    n->keys[n->nkids] = key;
    n->nkids++;
}

static pq_node_t *binary(parser_t *p, pq_node_kind_t k, pq_node_t *l, pq_node_t *r) {
    pq_node_t *n = node(p, k, l->pos);
    add_kid(p, n, l, NULL);
    add_kid(p, n, r, NULL);
    return n;
}

/* The unescaped text of a quoted token ('' -> ', "" -> "). */
static const char *unquote(parser_t *p, const pq_tok_t *t, size_t *len) {
    char q = t->p[0];
    char *out = ddb_arena_alloc(p->a, t->len);
    size_t n = 0;
    for (size_t i = 1; i + 1 < t->len; i++) {
        out[n++] = t->p[i];
        if (t->p[i] == q) i++;
    }
    *len = n;
    return out;
}

static bool is_name(const pq_tok_t *t) {
    return t->kind == PQ_T_QIDENT || (t->kind == PQ_T_IDENT && !pq__is_reserved(t));
}

static void path_push(parser_t *p, pq_node_t *n, pq_elem_t e) {
    if ((n->nelems & (n->nelems - 1)) == 0) {
        size_t cap = n->nelems ? n->nelems * 2 : 1;
        pq_elem_t *x = ddb_arena_alloc(p->a, cap * sizeof *x);
        if (n->nelems) memcpy(x, n->elems, n->nelems * sizeof *x);
        n->elems = x;
    }
    n->elems[n->nelems++] = e;
}

static pq_elem_t name_elem(parser_t *p) {
    pq_elem_t e = {p->t.p, p->t.len, -1};
    if (p->t.kind == PQ_T_QIDENT) e.name = unquote(p, &p->t, &e.len);
    return e;
}

/* path := name ('.' name | '[' integer ']')*, the current token a name. */
static int parse_path(parser_t *p, pq_node_t **out) {
    pq_node_t *n = node(p, PQ_N_PATH, p->t.pos);
    pq_elem_t e = name_elem(p);
    if (e.len == 0) return plain(p, &p->t, PQ_EMPTY_COMPONENT, false);
    path_push(p, n, e);
    next(p);
    for (;;) {
        if (pq__is(&p->t, ".")) {
            next(p);
            if (!is_name(&p->t)) return syntax(p, "Invalid path dot component");
            e = name_elem(p);
            if (e.len == 0) return plain(p, &p->t, PQ_EMPTY_COMPONENT, false);
            path_push(p, n, e);
            next(p);
        } else if (pq__is(&p->t, "[")) {
            next(p);
            pq_tok_t num = p->t;
            bool neg = pq__is(&p->t, "-");
            if (neg) {
                next(p);
                num.len = p->t.pos + p->t.len - num.pos;
            }
            if (p->t.kind != PQ_T_NUMBER) return syntax(p, "Invalid path component");
            for (size_t i = 0; i < p->t.len; i++)
                if (!isdigit((unsigned char)p->t.p[i])) return syntax(p, "Invalid path component");
            if (neg)
                return plain(p, &p->t, "List index is not within the allowable range; index: [-1]",
                             true);
            long v = 0;
            for (size_t i = 0; i < p->t.len && v <= 100000000; i++)
                v = v * 10 + (p->t.p[i] - '0');
            pq_elem_t e = {NULL, 0, v};
            path_push(p, n, e);
            next(p);
            if (!pq__is(&p->t, "]")) return syntax(p, "Invalid path component");
            next(p);
        } else {
            *out = n;
            return 0;
        }
    }
}

static int parse_expr(parser_t *p, pq_node_t **out);
static int parse_operand(parser_t *p, pq_node_t **out);

/* Elements up to the closing token `close` ("]", ">>", ")"), comma-separated. */
static int parse_elems(parser_t *p, pq_node_t *n, const char *close) {
    next(p);
    if (pq__is(&p->t, close)) {
        next(p);
        return 0;
    }
    for (;;) {
        pq_node_t *e;
        int rc = parse_expr(p, &e);
        if (rc) return rc;
        add_kid(p, n, e, NULL);
        if (pq__is(&p->t, close)) {
            next(p);
            return 0;
        }
        if (!pq__is(&p->t, ",")) return at_end(p) ? syntax(p, "Unexpected term") : bad_term(p);
        next(p);
    }
}

/* {'k': v, ...}: keys are operands here; that they are strings is checked
 * when the map becomes a value (DynamoDB reports it there, positioned). */
static int parse_map(parser_t *p, pq_node_t *n) {
    next(p);
    if (pq__is(&p->t, "}")) {
        next(p);
        return 0;
    }
    for (;;) {
        pq_node_t *key, *v;
        int rc = parse_operand(p, &key);
        if (rc) return rc;
        if (!pq__is(&p->t, ":")) return syntax(p, "Expected ':'");
        next(p);
        rc = parse_expr(p, &v);
        if (rc) return rc;
        add_kid(p, n, v, key);
        if (pq__is(&p->t, "}")) {
            next(p);
            return 0;
        }
        if (!pq__is(&p->t, ",")) return at_end(p) ? syntax(p, "Unexpected term") : bad_term(p);
        next(p);
    }
}

/* A number token: its exponent must fit in 32 bits (DynamoDB cannot even
 * convert the literal otherwise: an empty detail). */
static int number(parser_t *p, pq_node_t *n, size_t start) {
    const char *e = memchr(p->t.p, 'e', p->t.len);
    if (!e) e = memchr(p->t.p, 'E', p->t.len);
    if (e) {
        size_t digits = 0;
        for (const char *q = e + 1; q < p->t.p + p->t.len; q++)
            if (isdigit((unsigned char)*q) && (digits || *q != '0')) digits++;
        if (digits > 9) return syntax(p, "");
    }
    n->text = p->s + start;
    n->len = p->t.pos + p->t.len - start;
    next(p);
    return 0;
}

/* True when word t is followed by '(' (a function call). */
static bool is_call(const parser_t *p, const pq_tok_t *t) {
    pq_tok_t after = pq__lex(p->s, p->len, t->pos + t->len);
    return pq__is(&after, "(");
}

/* operand := literal | ? | path | name(args) | (expr) | [..] | <<..>> | {..} */
static int parse_operand(parser_t *p, pq_node_t **out) {
    if (++p->depth > PQ_MAX_DEPTH) return syntax(p, "Expression nesting is too deep");
    pq_tok_t t = p->t;
    pq_node_t *n = NULL;
    int rc = 0;
    if (t.kind == PQ_T_STRING) {
        n = node(p, PQ_N_STR, t.pos);
        n->text = unquote(p, &t, &n->len);
        next(p);
    } else if (t.kind == PQ_T_NUMBER) {
        n = node(p, PQ_N_NUM, t.pos);
        rc = number(p, n, t.pos);
    } else if (pq__is(&t, "-") || pq__is(&t, "+")) {
        next(p);
        if (p->t.kind != PQ_T_NUMBER) return bad_term(p);
        n = node(p, PQ_N_NUM, t.pos);
        rc = number(p, n, pq__is(&t, "-") ? t.pos : p->t.pos);
    } else if (t.kind == PQ_T_PARAM) {
        n = node(p, PQ_N_PARAM, t.pos);
        n->param = p->nparams++;
        next(p);
    } else if (pq__is_kw(&t, "true") || pq__is_kw(&t, "false")) {
        n = node(p, PQ_N_BOOL, t.pos);
        n->boolean = pq__is_kw(&t, "true");
        next(p);
    } else if (pq__is_kw(&t, "null") || pq__is_kw(&t, "missing")) {
        n = node(p, pq__is_kw(&t, "null") ? PQ_N_NULL : PQ_N_MISSING, t.pos);
        next(p);
    } else if (pq__is(&t, "[") || t.kind == PQ_T_LBAG) {
        n = node(p, t.kind == PQ_T_LBAG ? PQ_N_SET : PQ_N_LIST, t.pos);
        rc = parse_elems(p, n, t.kind == PQ_T_LBAG ? ">>" : "]");
    } else if (pq__is(&t, "{")) {
        n = node(p, PQ_N_MAP, t.pos);
        rc = parse_map(p, n);
    } else if (pq__is(&t, "(")) {
        next(p);
        if (at_end(p) || pq__is(&p->t, ")")) return syntax(p, "Unexpected term");
        rc = parse_expr(p, &n);
        if (!rc && !pq__is(&p->t, ")"))
            rc = at_end(p) ? syntax(p, "Unexpected term") : syntax(p, "Unexpected token");
        if (!rc) next(p);
    } else if (t.kind == PQ_T_IDENT && is_call(p, &t)) {
        n = node(p, PQ_N_CALL, t.pos);
        n->text = t.p;
        n->len = t.len;
        next(p);
        rc = parse_elems(p, n, ")");
    } else if (is_name(&t)) {
        rc = parse_path(p, &n);
    } else {
        return bad_term(p);
    }
    p->depth--;
    *out = n;
    return rc;
}

static int rhs(parser_t *p, int (*f)(parser_t *, pq_node_t **), pq_node_t **out) {
    next(p);
    if (at_end(p)) return syntax(p, "Missing right-hand side expression of infix operator");
    return f(p, out);
}

/* sum := operand (('+'|'-') operand)* — only UPDATE SET can use the result,
 * but DynamoDB parses it anywhere and refuses it when planning. */
static int parse_sum(parser_t *p, pq_node_t **out) {
    int rc = parse_operand(p, out);
    while (!rc && (pq__is(&p->t, "+") || pq__is(&p->t, "-"))) {
        pq_node_kind_t k = pq__is(&p->t, "+") ? PQ_N_ADD : PQ_N_SUB;
        pq_node_t *r;
        rc = rhs(p, parse_operand, &r);
        if (!rc) *out = binary(p, k, *out, r);
    }
    return rc;
}

/* IS [NOT] NULL|MISSING after operand l. */
static int parse_is(parser_t *p, pq_node_t *l, pq_node_t **out) {
    pq_node_t *n = node(p, PQ_N_IS, l->pos);
    add_kid(p, n, l, NULL);
    next(p);
    if (pq__is_kw(&p->t, "not")) {
        n->negated = true;
        next(p);
    }
    if (!pq__is_kw(&p->t, "null") && !pq__is_kw(&p->t, "missing"))
        return at_end(p) ? syntax(p, "Unexpected term") : syntax(p, "Expected type name");
    n->is_missing = pq__is_kw(&p->t, "missing");
    next(p);
    *out = n;
    return 0;
}

/* pred := sum [cmp sum | [NOT] BETWEEN sum AND sum | [NOT] IN operand | IS ...] */
static int parse_pred(parser_t *p, pq_node_t **out) {
    pq_node_t *l, *r;
    int rc = parse_sum(p, &l);
    if (rc) return rc;
    pq_cmp_t op;
    bool neg = false;
    if (pq__is_kw(&p->t, "not")) {
        pq_tok_t k = pq__lex(p->s, p->len, p->t.pos + p->t.len);
        if (pq__is_kw(&k, "between") || pq__is_kw(&k, "in")) {
            neg = true;
            next(p);
        }
    }
    if (pq__cmp_op(&p->t, &op)) {
        rc = rhs(p, parse_sum, &r);
        if (rc) return rc;
        *out = binary(p, PQ_N_CMP, l, r);
        (*out)->op = op;
        return 0;
    }
    if (pq__is_kw(&p->t, "is")) return parse_is(p, l, out);
    if (pq__is_kw(&p->t, "between")) {
        pq_node_t *lo, *hi;
        rc = rhs(p, parse_sum, &lo);
        if (rc) return rc;
        if (!pq__is_kw(&p->t, "and")) return syntax(p, "Expected AND");
        rc = rhs(p, parse_sum, &hi);
        if (rc) return rc;
        *out = binary(p, PQ_N_BETWEEN, l, lo);
        add_kid(p, *out, hi, NULL);
    } else if (pq__is_kw(&p->t, "in")) {
        next(p);
        if (at_end(p)) return syntax(p, "Missing right-hand side expression of infix operator");
        if (pq__is(&p->t, "(")) { /* IN (a, b): the SQL form of a list */
            r = node(p, PQ_N_LIST, p->t.pos);
            rc = parse_elems(p, r, ")");
        } else {
            rc = parse_operand(p, &r);
        }
        if (rc) return rc;
        *out = binary(p, PQ_N_IN, l, r);
    } else {
        *out = l;
        return 0;
    }
    if (neg) {
        pq_node_t *n = node(p, PQ_N_NOT, l->pos);
        add_kid(p, n, *out, NULL);
        *out = n;
    }
    return 0;
}

static int parse_not(parser_t *p, pq_node_t **out) {
    if (!pq__is_kw(&p->t, "not")) return parse_pred(p, out);
    if (++p->depth > PQ_MAX_DEPTH) return syntax(p, "Expression nesting is too deep");
    pq_node_t *n = node(p, PQ_N_NOT, p->t.pos), *k;
    next(p);
    if (at_end(p)) return syntax(p, "Unexpected term");
    int rc = parse_not(p, &k);
    if (rc) return rc;
    p->depth--;
    add_kid(p, n, k, NULL);
    *out = n;
    return 0;
}

static int parse_and(parser_t *p, pq_node_t **out) {
    int rc = parse_not(p, out);
    while (!rc && pq__is_kw(&p->t, "and")) {
        pq_node_t *r;
        rc = rhs(p, parse_not, &r);
        if (!rc) *out = binary(p, PQ_N_AND, *out, r);
    }
    return rc;
}

static int parse_expr(parser_t *p, pq_node_t **out) {
    int rc = parse_and(p, out);
    while (!rc && pq__is_kw(&p->t, "or")) {
        pq_node_t *r;
        rc = rhs(p, parse_and, &r);
        if (!rc) *out = binary(p, PQ_N_OR, *out, r);
    }
    return rc;
}

/* table := name ['.' name] (the index), then no alias. */
static int parse_table(parser_t *p, pq_stmt_t *st, bool select, bool alias_check) {
    if (!is_name(&p->t)) {
        if (!select) return syntax(p, "Expected identifier for simple path");
        return bad_term(p);
    }
    pq_elem_t e = name_elem(p);
    st->table = e.name;
    st->table_len = e.len;
    next(p);
    if (pq__is(&p->t, ".")) {
        next(p);
        if (!is_name(&p->t)) return syntax(p, "Invalid path dot component");
        e = name_elem(p);
        st->index = e.name;
        st->index_len = e.len;
        next(p);
    }
    if (alias_check && (pq__is_kw(&p->t, "as") || is_name(&p->t)))
        return plain(p, &p->t, "Aliasing is not supported", false);
    return 0;
}

static int parse_where(parser_t *p, pq_stmt_t *st) {
    if (!pq__is_kw(&p->t, "where")) return 0;
    next(p);
    if (at_end(p)) return syntax(p, "Unexpected term");
    return parse_expr(p, &st->where);
}

static int parse_returning(parser_t *p, pq_stmt_t *st) {
    if (!pq__is_kw(&p->t, "returning")) return 0;
    st->ret_pos = p->t.pos;
    next(p);
    bool all = pq__is_kw(&p->t, "all");
    if (!all && !pq__is_kw(&p->t, "modified")) return syntax(p, "Unexpected token");
    next(p);
    bool old = pq__is_kw(&p->t, "old");
    if (!old && !pq__is_kw(&p->t, "new")) return syntax(p, "Unexpected token");
    next(p);
    if (!pq__is(&p->t, "*")) return syntax(p, "Unexpected token");
    next(p);
    st->ret = all ? (old ? PQ_RET_ALL_OLD : PQ_RET_ALL_NEW)
                  : (old ? PQ_RET_MODIFIED_OLD : PQ_RET_MODIFIED_NEW);
    return 0;
}

/* A path list (SELECT's projection, ORDER BY's keys, REMOVE's targets). */
static int push_node(parser_t *p, pq_node_t ***v, size_t *n, pq_node_t *x) {
    if ((*n & (*n - 1)) == 0) {
        size_t cap = *n ? *n * 2 : 1;
        pq_node_t **y = ddb_arena_alloc(p->a, cap * sizeof *y);
        if (*n) memcpy(y, *v, *n * sizeof *y);
        *v = y;
    }
    (*v)[(*n)++] = x;
    return 0;
}

static int parse_projection(parser_t *p, pq_stmt_t *st) {
    if (pq__is(&p->t, "*")) {
        st->star = true;
        next(p);
        return 0;
    }
    for (;;) {
        pq_tok_t after = pq__lex(p->s, p->len, p->t.pos + p->t.len);
        if (p->t.kind == PQ_T_IDENT && pq__is(&after, "("))
            return plain(p, &p->t, "Unexpected path component", true);
        if (!is_name(&p->t)) return bad_term(p);
        pq_node_t *path;
        int rc = parse_path(p, &path);
        if (rc) return rc;
        push_node(p, &st->proj, &st->nproj, path);
        if (pq__is_kw(&p->t, "from")) return 0;
        if (!pq__is(&p->t, ",")) {
            if (at_end(p)) return syntax(p, "Unexpected term");
            return plain(p, &p->t, "Unexpected path component", true);
        }
        next(p);
    }
}

static int parse_order(parser_t *p, pq_stmt_t *st) {
    if (!pq__is_kw(&p->t, "order")) return 0;
    next(p);
    if (!pq__is_kw(&p->t, "by")) return syntax(p, "Expected BY");
    size_t cap = 0;
    for (;;) {
        next(p);
        if (!is_name(&p->t)) return at_end(p) ? syntax(p, "Unexpected term") : bad_term(p);
        pq_node_t *path;
        int rc = parse_path(p, &path);
        if (rc) return rc;
        size_t n = st->norder;
        push_node(p, &st->order, &st->norder, path);
        if (n + 1 > cap) {
            bool *d = ddb_arena_alloc(p->a, (n + 1) * 2 * sizeof *d);
            if (n) memcpy(d, st->order_desc, n * sizeof *d);
            st->order_desc = d;
            cap = (n + 1) * 2;
        }
        if (pq__is_kw(&p->t, "desc") || pq__is_kw(&p->t, "asc")) {
            st->order_desc[n] = pq__is_kw(&p->t, "desc");
            next(p);
        }
        if (!pq__is(&p->t, ",")) return 0;
    }
}

static int parse_select(parser_t *p, pq_stmt_t *st) {
    st->kind = PQ_SELECT;
    next(p);
    if (pq__is_kw(&p->t, "from")) return syntax(p, "Unexpected keyword");
    int rc = parse_projection(p, st);
    if (rc) return rc;
    if (!pq__is_kw(&p->t, "from"))
        return at_end(p) ? syntax(p, "Unexpected term") : syntax(p, "Unexpected token");
    next(p);
    if (at_end(p)) return syntax(p, "Unexpected term");
    rc = parse_table(p, st, true, true);
    if (!rc) rc = parse_where(p, st);
    if (!rc) rc = parse_order(p, st);
    return rc;
}

static int parse_insert(parser_t *p, pq_stmt_t *st) {
    st->kind = PQ_INSERT;
    next(p);
    if (!pq__is_kw(&p->t, "into")) return syntax(p, "Expected INTO");
    next(p);
    int rc = parse_table(p, st, false, false);
    if (rc) return rc;
    if (!pq__is_kw(&p->t, "value"))
        return at_end(p) ? syntax(p, "Unexpected term")
                         : syntax(p, "Unexpected token after expression");
    next(p);
    if (at_end(p)) return syntax(p, "Unexpected term");
    rc = parse_operand(p, &st->value);
    if (!rc) rc = parse_returning(p, st);
    return rc;
}

static int push_action(parser_t *p, pq_stmt_t *st, pq_action_t act) {
    if ((st->nacts & (st->nacts - 1)) == 0) {
        size_t cap = st->nacts ? st->nacts * 2 : 1;
        pq_action_t *v = ddb_arena_alloc(p->a, cap * sizeof *v);
        if (st->nacts) memcpy(v, st->acts, st->nacts * sizeof *v);
        st->acts = v;
    }
    st->acts[st->nacts++] = act;
    return 0;
}

/* SET path = sum {, ...} | REMOVE path, one or more of them. */
static int parse_actions(parser_t *p, pq_stmt_t *st) {
    while (pq__is_kw(&p->t, "set") || pq__is_kw(&p->t, "remove")) {
        bool remove = pq__is_kw(&p->t, "remove");
        do {
            next(p);
            pq_action_t act = {remove, NULL, NULL};
            if (!is_name(&p->t)) return syntax(p, "Expected identifier for simple path");
            int rc = parse_path(p, &act.path);
            if (rc) return rc;
            if (!remove) {
                if (!pq__is(&p->t, "="))
                    return at_end(p) ? syntax(p, "Unexpected term") : syntax(p, "Expected '='");
                rc = rhs(p, parse_sum, &act.value);
                if (rc) return rc;
            }
            push_action(p, st, act);
        } while (!remove && pq__is(&p->t, ",")); /* REMOVE takes one path (Local) */
    }
    if (st->nacts == 0)
        return at_end(p) ? syntax(p, "Unexpected term") : syntax(p, "Unexpected keyword");
    return 0;
}

static int parse_update(parser_t *p, pq_stmt_t *st) {
    st->kind = PQ_UPDATE;
    next(p);
    int rc = parse_table(p, st, false, true);
    if (!rc) rc = parse_actions(p, st);
    if (!rc) rc = parse_where(p, st);
    if (!rc) rc = parse_returning(p, st);
    return rc;
}

static int parse_delete(parser_t *p, pq_stmt_t *st) {
    st->kind = PQ_DELETE;
    next(p);
    if (!pq__is_kw(&p->t, "from")) return syntax(p, "Expected FROM");
    next(p);
    int rc = parse_table(p, st, false, true);
    if (!rc) rc = parse_where(p, st);
    if (!rc) rc = parse_returning(p, st);
    return rc;
}

static int parse_exists(parser_t *p, pq_stmt_t *st) {
    st->kind = PQ_EXISTS;
    next(p);
    if (!pq__is(&p->t, "(")) return syntax(p, "Expected '('");
    next(p);
    if (!pq__is_kw(&p->t, "select")) return bad_term(p);
    st->inner = ddb_arena_alloc(p->a, sizeof *st->inner);
    int rc = parse_select(p, st->inner);
    if (rc) return rc;
    if (!pq__is(&p->t, ")"))
        return at_end(p) ? syntax(p, "Unexpected term") : syntax(p, "Unexpected token");
    next(p);
    st->table = st->inner->table;
    st->table_len = st->inner->table_len;
    return 0;
}

/* True when the statement is one name and nothing else (PartiQL parses
 * it as an expression, which DynamoDB then refuses to run). */
static bool bare_name(const parser_t *p) {
    pq_tok_t t = pq__lex(p->s, p->len, p->t.pos + p->t.len);
    if (pq__is(&t, ";")) t = pq__lex(p->s, p->len, t.pos + t.len);
    return t.kind == PQ_T_EOF;
}

int pq_parse_at(const char *text, size_t len, ddb_arena_t *a, pq_stmt_t **out, size_t *err_pos,
                ddb_error_t *err) {
    size_t n = pq__chars(text, len);
    if (n < 1 || n > PQ_MAX_STATEMENT)
        return ddb_error_set(err, DDB_ERR_VALIDATION,
                             "1 validation error detected: Value at 'statement' failed to satisfy "
                             "constraint: Member must have length %s %d",
                             n < 1 ? "greater than or equal to" : "less than or equal to",
                             n < 1 ? 1 : PQ_MAX_STATEMENT);
    parser_t p = {text, len, a, err, err_pos, {PQ_T_EOF, 0, text, 0}, 0, 0};
    p.t = pq__lex(text, len, 0);
    pq_stmt_t *st = ddb_arena_alloc(a, sizeof *st);
    int rc;
    if (pq__is_kw(&p.t, "select"))
        rc = parse_select(&p, st);
    else if (pq__is_kw(&p.t, "insert"))
        rc = parse_insert(&p, st);
    else if (pq__is_kw(&p.t, "update"))
        rc = parse_update(&p, st);
    else if (pq__is_kw(&p.t, "delete"))
        rc = parse_delete(&p, st);
    else if (pq__is_kw(&p.t, "exists"))
        rc = parse_exists(&p, st);
    else if (is_name(&p.t) && bare_name(&p)) /* Local */
        rc = plain(&p, &p.t, "Unsupported operation: VariableReference", false);
    else
        rc = bad_term(&p);
    if (rc) return rc;
    if (pq__is(&p.t, ";")) next(&p);
    if (p.t.kind != PQ_T_EOF) {
        if (p.t.kind == PQ_T_BAD) return syntax(&p, "");
        return syntax(&p, "Unexpected token after expression");
    }
    const pq_stmt_t *target = st->kind == PQ_EXISTS ? st->inner : st;
    if (!pq__table_name_ok(target->table, target->table_len))
        return plain(&p, &p.t,
                     "Table name should be within the length [3, 255] and only contain 'a-z', "
                     "'A-Z', '0-9', '-', '_', '.'.",
                     false);
    st->nparams = p.nparams;
    st->text = text;
    st->text_len = len;
    *out = st;
    return 0;
}

int pq_parse(const char *text, size_t len, ddb_arena_t *a, pq_stmt_t **out, ddb_error_t *err) {
    return pq_parse_at(text, len, a, out, NULL, err);
}
