/* expr_parse.c: the recursive-descent parsers of condition, update and
 * projection expressions over expr_lex.c's tokens, with DynamoDB's messages
 * for syntax errors, function misuse and overlapping paths. Pure. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query/expr_internal.h"
#include "query/expr_lex.h"

/* ---- functions ---------------------------------------------------------------- */

typedef struct fn_info {
    const char *name;
    expr_kind_t kind;
    int nargs;
    bool condition; /* usable as a condition (vs as an operand) */
    bool update;    /* usable in an UpdateExpression SET */
} fn_info_t;

static const fn_info_t functions[] = {
    {"attribute_exists", EXPR_EXISTS, 1, true, false},
    {"attribute_not_exists", EXPR_NOT_EXISTS, 1, true, false},
    {"attribute_type", EXPR_ATTR_TYPE, 2, true, false},
    {"begins_with", EXPR_BEGINS_WITH, 2, true, false},
    {"contains", EXPR_CONTAINS, 2, true, false},
    {"size", EXPR_SIZE, 1, false, false},
    {"if_not_exists", EXPR_IF_NOT_EXISTS, 2, false, true},
    {"list_append", EXPR_LIST_APPEND, 2, false, true},
};

static const fn_info_t *find_fn(const char *s, size_t len) {
    for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++) {
        if (strlen(functions[i].name) == len && memcmp(functions[i].name, s, len) == 0) {
            return &functions[i];
        }
    }
    return NULL;
}

static bool at_function(const parser_t *p) {
    return expr__peek(p)->kind == T_NAME && p->toks[p->pos + 1].kind == T_LPAREN;
}

/* CTX_UPDATE_ARG: an argument of an update function, where DynamoDB takes
 * neither arithmetic nor list_append */
typedef enum { CTX_CONDITION, CTX_OPERAND, CTX_UPDATE, CTX_UPDATE_ARG } fn_ctx_t;

static int parse_operand(parser_t *p, fn_ctx_t where, expr_node_t **out);
static int parse_primary_operand(parser_t *p, fn_ctx_t where, expr_node_t **out);

static const char *type_of(const expr_node_t *n) {
    return ddb_type_name(n->value->type);
}

static bool same_path(const expr_node_t *a, const expr_node_t *b) {
    return a->kind == EXPR_PATH && b->kind == EXPR_PATH && a->path.n == b->path.n &&
           expr_paths_clash(&a->path, &b->path) == 1;
}

/* DynamoDB refuses an operator or function whose first operand is the same
 * path as one of the others (`a = a`, contains(a, a)); reported after the
 * parse. True when it did. */
static bool check_distinct(parser_t *p, const char *op, const expr_node_t *first,
                           expr_node_t *const *rest, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (!same_path(first, rest[i])) continue;
        char path[300];
        expr_path_render(&first->path, path, sizeof path);
        expr__defer(p,
                    "The first operand must be distinct from the remaining operands for this "
                    "operator or function; operator: %s, first operand: %s",
                    op, path);
        return true;
    }
    return false;
}

static int check_fn_args(parser_t *p, const fn_info_t *f, expr_node_t **args, int nargs) {
    if (nargs != f->nargs) {
        char tmp[200];
        snprintf(tmp, sizeof tmp,
                 "Incorrect number of operands for operator or function; "
                 "operator or function: %s, number of operands: %d",
                 f->name, nargs);
        return ddb_error_set(p->err, DDB_ERR_VALIDATION, "Invalid %s: %s", p->what, tmp);
    }
    bool distinct_args = f->kind == EXPR_ATTR_TYPE || f->kind == EXPR_BEGINS_WITH ||
                         f->kind == EXPR_CONTAINS || f->kind == EXPR_IF_NOT_EXISTS;
    if (distinct_args && check_distinct(p, f->name, args[0], args + 1, (size_t)nargs - 1)) return 0;
    if (f->kind == EXPR_SIZE && args[0]->kind == EXPR_SIZE) {
        return expr__invalid(p,
                             "Incorrect operand type for operator or function; operator or "
                             "function: %.*s, operand type: N",
                             "size", 4);
    }
    bool needs_path = f->kind == EXPR_EXISTS || f->kind == EXPR_NOT_EXISTS ||
                      f->kind == EXPR_ATTR_TYPE || f->kind == EXPR_SIZE ||
                      f->kind == EXPR_IF_NOT_EXISTS;
    if (needs_path && args[0]->kind != EXPR_PATH) {
        return expr__invalid(
            p, "Operator or function requires a document path; operator or function: %.*s", f->name,
            strlen(f->name));
    }
    if (f->kind == EXPR_ATTR_TYPE) {
        static const char *const types = " S SS N NS B BS BOOL NULL L M ";
        const expr_node_t *t = args[1];
        if (t->kind != EXPR_VALUE) {
            return expr__invalid(p,
                                 "Incorrect operand type for operator or function; operator or "
                                 "function: %.*s, operand type: PATH",
                                 "attribute_type", 14);
        }
        char key[16];
        bool ok = t->value->type == DDB_T_S && t->value->u.str.len < 8;
        if (ok) {
            snprintf(key, sizeof key, " %.*s ", (int)t->value->u.str.len, t->value->u.str.ptr);
            ok = strstr(types, key) != NULL;
        }
        if (!ok) {
            if (t->value->type != DDB_T_S) {
                return expr__invalid(p,
                                     "Incorrect operand type for operator or function; operator or "
                                     "function: attribute_type, operand type: %.*s",
                                     type_of(t), strlen(type_of(t)));
            }
            return expr__invalid(p,
                                 "Invalid attribute type name found; type: %.*s, valid types: "
                                 "{N,BS,L,B,NULL,M,S,SS,NS,BOOL}",
                                 t->value->u.str.ptr, t->value->u.str.len);
        }
    }
    if (f->kind == EXPR_LIST_APPEND) {
        for (int i = 0; i < 2; i++) {
            if (args[i]->kind == EXPR_VALUE && args[i]->value->type != DDB_T_L) {
                char tmp[200];
                snprintf(tmp, sizeof tmp,
                         "Incorrect operand type for operator or function; "
                         "operator or function: list_append, operand type: %s",
                         type_of(args[i]));
                return ddb_error_set(p->err, DDB_ERR_VALIDATION, "Invalid %s: %s", p->what, tmp);
            }
        }
    }
    if (f->kind == EXPR_BEGINS_WITH) {
        for (int i = 0; i < 2; i++) {
            bool bad = args[i]->kind == EXPR_SIZE ||
                       (args[i]->kind == EXPR_VALUE && args[i]->value->type != DDB_T_S &&
                        args[i]->value->type != DDB_T_B);
            if (bad) {
                char tmp[200];
                snprintf(tmp, sizeof tmp,
                         "Incorrect operand type for operator or function; "
                         "operator or function: begins_with, operand type: %s",
                         args[i]->kind == EXPR_SIZE ? "N" : type_of(args[i]));
                return ddb_error_set(p->err, DDB_ERR_VALIDATION, "Invalid %s: %s", p->what, tmp);
            }
        }
    }
    return 0;
}

/* name '(' args ')' where the function must fit `where`. */
static int parse_function(parser_t *p, fn_ctx_t where, expr_node_t **out) {
    const tok_t *t = expr__peek(p);
    const char *s = p->s + t->start;
    const fn_info_t *f = find_fn(s, t->len);
    if (!f) return expr__invalid(p, "Invalid function name; function: %.*s", s, t->len);
    bool in_update = where == CTX_UPDATE || where == CTX_UPDATE_ARG;
    bool allowed = where == CTX_CONDITION ? f->condition
                   : where == CTX_OPERAND ? f->kind == EXPR_SIZE
                   : where == CTX_UPDATE  ? f->update
                                          : f->kind == EXPR_IF_NOT_EXISTS;
    if (!allowed && in_update && !f->update) {
        return expr__invalid(p,
                             "The function is not allowed in an update expression; function: %.*s",
                             f->name, strlen(f->name));
    }
    if (!allowed && !in_update && f->update) {
        return expr__invalid(
            p, "The function is not allowed in a condition expression; function: %.*s", f->name,
            strlen(f->name));
    }
    if (!allowed) {
        return expr__invalid(p,
                             "The function is not allowed to be used this way in an expression; "
                             "function: %.*s",
                             f->name, strlen(f->name));
    }
    p->pos += 2; /* name ( */
    if (++p->depth > MAX_DEPTH) return expr__too_deep(p);
    expr_node_t *args[8];
    int nargs = 0;
    if (expr__peek(p)->kind != T_RPAREN) {
        do {
            if (nargs == 8) return expr__syntax_error(p);
            int rc = in_update ? parse_primary_operand(p, CTX_UPDATE_ARG, &args[nargs++])
                               : parse_operand(p, CTX_OPERAND, &args[nargs++]);
            if (rc) return rc;
        } while (expr__accept(p, T_COMMA));
    }
    int rc = expr__expect(p, T_RPAREN);
    if (rc) return rc;
    p->depth--;
    rc = check_fn_args(p, f, args, nargs);
    if (rc) return rc;
    expr_node_t *n = expr__node(p, f->kind);
    n->a = args[0];
    n->b = nargs > 1 ? args[1] : NULL;
    if (f->kind == EXPR_SIZE) n->path = args[0]->path;
    *out = n;
    return 0;
}

/* operand: path | :value | function (size in conditions; if_not_exists,
 * list_append in updates), and in updates `operand (+|-) operand`. */
static int parse_primary_operand(parser_t *p, fn_ctx_t where, expr_node_t **out) {
    const tok_t *t = expr__peek(p);
    if (t->kind == T_LPAREN) {
        /* (operand): DynamoDB takes an operand in parentheses, but not in
         * two pairs at once, ((a)) */
        p->pos++;
        if (++p->depth > MAX_DEPTH) return expr__too_deep(p);
        int rc = where == CTX_UPDATE_ARG ? parse_primary_operand(p, where, out)
                                         : parse_operand(p, where, out);
        if (!rc) rc = expr__expect(p, T_RPAREN);
        if (rc) return rc;
        p->depth--;
        if ((*out)->parens) p->redundant = true;
        (*out)->parens = true;
        return 0;
    }
    if (t->kind == T_VALUE) return expr__value_ref(p, out);
    if (at_function(p)) return parse_function(p, where, out);
    if (t->kind == T_NAME || t->kind == T_HNAME) {
        expr_node_t *n = expr__node(p, EXPR_PATH);
        int rc = expr__parse_path(p, &n->path);
        if (rc) return rc;
        *out = n;
        return 0;
    }
    return expr__syntax_error(p);
}

static int parse_operand(parser_t *p, fn_ctx_t where, expr_node_t **out) {
    int rc = parse_primary_operand(p, where, out);
    if (rc || where != CTX_UPDATE) return rc;
    tok_kind_t k = expr__peek(p)->kind;
    if (k != T_PLUS && k != T_MINUS) return 0;
    p->pos++;
    expr_node_t *n = expr__node(p, k == T_PLUS ? EXPR_PLUS : EXPR_MINUS);
    n->a = *out;
    rc = parse_primary_operand(p, where, &n->b);
    if (rc) return rc;
    for (int i = 0; i < 2; i++) {
        const expr_node_t *o = i ? n->b : n->a;
        if (o->kind == EXPR_LIST_APPEND) {
            return expr__invalid(p,
                                 "The function is not allowed to be used this way in an "
                                 "expression; function: %.*s",
                                 "list_append", 11);
        }
        if (o->kind == EXPR_VALUE && o->value->type != DDB_T_N) {
            char tmp[200];
            snprintf(tmp, sizeof tmp,
                     "Incorrect operand type for operator or function; operator or "
                     "function: %c, operand type: %s",
                     k == T_PLUS ? '+' : '-', ddb_type_name(o->value->type));
            return ddb_error_set(p->err, DDB_ERR_VALIDATION, "Invalid %s: %s", p->what, tmp);
        }
    }
    *out = n;
    return 0;
}

/* ---- conditions ----------------------------------------------------------------- */

static int parse_or(parser_t *p, expr_node_t **out);

static bool orderable_constant(const expr_node_t *n) {
    if (n->kind != EXPR_VALUE) return true;
    ddb_type_t t = n->value->type;
    return t == DDB_T_S || t == DDB_T_N || t == DDB_T_B;
}

static const char *cmp_text(expr_cmp_t c) {
    static const char *const t[] = {"=", "<>", "<", "<=", ">", ">="};
    return t[c];
}

static int check_orderable(parser_t *p, const char *op, expr_node_t *a, expr_node_t *b) {
    expr_node_t *bad = !orderable_constant(a) ? a : !orderable_constant(b) ? b : NULL;
    if (!bad) return 0;
    char tmp[200];
    snprintf(tmp, sizeof tmp,
             "Incorrect operand type for operator or function; operator or "
             "function: %s, operand type: %s",
             op, type_of(bad));
    return ddb_error_set(p->err, DDB_ERR_VALIDATION, "Invalid %s: %s", p->what, tmp);
}

static void describe_value(const ddb_value_t *v, char *out, size_t cap) {
    snprintf(out, cap, "AttributeValue: {%s:%.*s}", ddb_type_name(v->type),
             (int)(v->u.str.len > 200 ? 200 : v->u.str.len), v->u.str.ptr);
}

/* a comparison, BETWEEN, IN, or a boolean function */
static int parse_predicate(parser_t *p, expr_node_t **out) {
    if (at_function(p)) {
        const tok_t *t = expr__peek(p);
        const fn_info_t *f = find_fn(p->s + t->start, t->len);
        if (!f || f->condition) return parse_function(p, CTX_CONDITION, out);
        /* size(...) etc. start an operand */
    }
    expr_node_t *a;
    int rc = parse_operand(p, CTX_OPERAND, &a);
    if (rc) return rc;
    const tok_t *t = expr__peek(p);
    bool continues = (t->kind >= T_EQ && t->kind <= T_GE) || expr__is_kw(p, t, "BETWEEN") ||
                     expr__is_kw(p, t, "IN");
    if (a->kind == EXPR_SIZE && !continues) {
        return expr__invalid(p,
                             "The function is not allowed to be used this way in an expression; "
                             "function: %.*s",
                             "size", 4);
    }
    expr_cmp_t cmp;
    switch (t->kind) {
    case T_EQ:
        cmp = CMP_EQ;
        break;
    case T_NE:
        cmp = CMP_NE;
        break;
    case T_LT:
        cmp = CMP_LT;
        break;
    case T_LE:
        cmp = CMP_LE;
        break;
    case T_GT:
        cmp = CMP_GT;
        break;
    case T_GE:
        cmp = CMP_GE;
        break;
    default:
        if (expr__is_kw(p, t, "BETWEEN")) {
            p->pos++;
            expr_node_t *n = expr__node(p, EXPR_BETWEEN);
            n->a = a;
            rc = parse_operand(p, CTX_OPERAND, &n->b);
            if (rc) return rc;
            if (!expr__is_kw(p, expr__peek(p), "AND")) return expr__syntax_error(p);
            p->pos++;
            rc = parse_operand(p, CTX_OPERAND, &n->c);
            if (rc) return rc;
            expr_node_t *bounds[2] = {n->b, n->c};
            check_distinct(p, "BETWEEN", n->a, bounds, 2);
            rc = check_orderable(p, "BETWEEN", n->a, n->b);
            if (!rc) rc = check_orderable(p, "BETWEEN", n->a, n->c);
            if (rc) return rc;
            if (n->b->kind == EXPR_VALUE && n->c->kind == EXPR_VALUE &&
                n->b->value->type == n->c->value->type &&
                expr_compare_scalars(n->b->value, n->c->value) > 0) {
                char lo[300], hi[300];
                describe_value(n->b->value, lo, sizeof lo);
                describe_value(n->c->value, hi, sizeof hi);
                return ddb_error_set(p->err, DDB_ERR_VALIDATION,
                                     "Invalid %s: The BETWEEN operator requires upper bound to be "
                                     "greater than or equal to lower bound; lower bound operand: "
                                     "%s, upper bound operand: %s",
                                     p->what, lo, hi);
            }
            *out = n;
            return 0;
        }
        if (expr__is_kw(p, t, "IN")) {
            p->pos++;
            rc = expr__expect(p, T_LPAREN);
            if (rc) return rc;
            expr_node_t *n = expr__node(p, EXPR_IN);
            n->a = a;
            n->list = ddb_arena_alloc(p->ctx->arena, sizeof(expr_node_t *) * (MAX_IN_OPERANDS + 1));
            do {
                if (n->nlist == MAX_IN_OPERANDS) {
                    return ddb_error_set(p->err, DDB_ERR_VALIDATION,
                                         "Invalid %s: The IN operator is provided with too many "
                                         "operands; number of operands: %d",
                                         p->what, MAX_IN_OPERANDS + 1);
                }
                rc = parse_operand(p, CTX_OPERAND, &n->list[n->nlist++]);
                if (rc) return rc;
            } while (expr__accept(p, T_COMMA));
            rc = expr__expect(p, T_RPAREN);
            if (rc) return rc;
            check_distinct(p, "IN", n->a, n->list, n->nlist);
            *out = n;
            return 0;
        }
        return expr__syntax_error(p);
    }
    p->pos++;
    expr_node_t *n = expr__node(p, EXPR_CMP);
    n->cmp = cmp;
    n->a = a;
    rc = parse_operand(p, CTX_OPERAND, &n->b);
    if (rc) return rc;
    check_distinct(p, cmp_text(cmp), n->a, &n->b, 1);
    if (cmp != CMP_EQ && cmp != CMP_NE) {
        rc = check_orderable(p, cmp_text(cmp), n->a, n->b);
        if (rc) return rc;
    }
    *out = n;
    return 0;
}

/* Whether the group opening at the current '(' is an operand, `(a) = :v`:
 * a comparator, BETWEEN or IN follows its ')'. */
static bool operand_group(const parser_t *p) {
    size_t open = 0, i = p->pos;
    for (; i < p->ntoks && p->toks[i].kind != T_EOF; i++) {
        if (p->toks[i].kind == T_LPAREN) open++;
        if (p->toks[i].kind == T_RPAREN && --open == 0) break;
    }
    if (i >= p->ntoks || p->toks[i].kind == T_EOF) return false;
    const tok_t *next = &p->toks[i + 1];
    switch (next->kind) {
    case T_EQ:
    case T_NE:
    case T_LT:
    case T_LE:
    case T_GT:
    case T_GE:
        return true;
    default:
        return expr__is_kw(p, next, "BETWEEN") || expr__is_kw(p, next, "IN");
    }
}

static int parse_unary(parser_t *p, expr_node_t **out) {
    if (++p->depth > MAX_DEPTH) return expr__too_deep(p);
    int rc;
    if (expr__is_kw(p, expr__peek(p), "NOT")) {
        p->pos++;
        expr_node_t *n = expr__node(p, EXPR_NOT);
        rc = parse_unary(p, &n->a);
        *out = n;
    } else if (expr__peek(p)->kind == T_LPAREN && operand_group(p)) {
        rc = parse_predicate(p, out);
    } else if (expr__accept(p, T_LPAREN)) {
        rc = parse_or(p, out);
        if (!rc) rc = expr__expect(p, T_RPAREN);
        /* ((x)): DynamoDB refuses a group that is all one other group */
        if (!rc && (*out)->parens) p->redundant = true;
        if (!rc) (*out)->parens = true;
    } else {
        rc = parse_predicate(p, out);
    }
    p->depth--;
    return rc;
}

static int parse_and(parser_t *p, expr_node_t **out) {
    int rc = parse_unary(p, out);
    while (!rc && expr__is_kw(p, expr__peek(p), "AND")) {
        p->pos++;
        expr_node_t *n = expr__node(p, EXPR_AND);
        n->a = *out;
        rc = parse_unary(p, &n->b);
        *out = n;
    }
    return rc;
}

static int parse_or(parser_t *p, expr_node_t **out) {
    int rc = parse_and(p, out);
    while (!rc && expr__is_kw(p, expr__peek(p), "OR")) {
        p->pos++;
        expr_node_t *n = expr__node(p, EXPR_OR);
        n->a = *out;
        rc = parse_and(p, &n->b);
        *out = n;
    }
    return rc;
}

int expr_parse_condition(expr_ctx_t *ctx, const char *what, const char *text, size_t len,
                         expr_node_t **out, ddb_error_t *err) {
    parser_t p;
    int rc = expr__begin(&p, ctx, what, text, len, err);
    if (rc) return rc;
    rc = parse_or(&p, out);
    if (!rc && expr__peek(&p)->kind != T_EOF) rc = expr__syntax_error(&p);
    if (!rc) rc = expr__finish(&p);
    return rc;
}

/* ---- projections ---------------------------------------------------------------- */

static int check_clashes(parser_t *p, const expr_path_t *paths, size_t n) {
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < i; j++) {
            int c = expr_paths_clash(&paths[j], &paths[i]);
            if (!c) continue;
            char one[300], two[300];
            expr_path_render(&paths[j], one, sizeof one);
            expr_path_render(&paths[i], two, sizeof two);
            return ddb_error_set(
                p->err, DDB_ERR_VALIDATION,
                "Invalid %s: Two document paths %s with each other; must remove or "
                "rewrite one of these paths; path one: %s, path two: %s",
                p->what, c == 1 ? "overlap" : "conflict", one, two);
        }
    }
    return 0;
}

int expr_parse_projection(expr_ctx_t *ctx, const char *text, size_t len, expr_projection_t **out,
                          ddb_error_t *err) {
    parser_t p;
    int rc = expr__begin(&p, ctx, "ProjectionExpression", text, len, err);
    if (rc) return rc;
    expr_projection_t *pr = ddb_arena_alloc(ctx->arena, sizeof *pr);
    pr->paths = ddb_arena_alloc(ctx->arena, sizeof(expr_path_t) * (p.ntoks + 1));
    do {
        rc = expr__parse_path(&p, &pr->paths[pr->n++]);
        if (rc) return rc;
    } while (expr__accept(&p, T_COMMA));
    if (expr__peek(&p)->kind != T_EOF) return expr__syntax_error(&p);
    rc = expr__finish(&p);
    if (rc) return rc;
    rc = check_clashes(&p, pr->paths, pr->n);
    if (rc) return rc;
    *out = pr;
    return 0;
}

/* ---- updates ---------------------------------------------------------------------- */

static int parse_actions(parser_t *p, expr_action_kind_t kind, expr_action_t *acts, size_t *n) {
    do {
        expr_action_t *a = &acts[(*n)++];
        a->kind = kind;
        int rc = expr__parse_path(p, &a->path);
        if (rc) return rc;
        if (kind == ACT_SET) {
            rc = expr__expect(p, T_EQ);
            if (!rc) rc = parse_operand(p, CTX_UPDATE, &a->value);
        } else if (kind == ACT_ADD || kind == ACT_DELETE) {
            if (expr__peek(p)->kind != T_VALUE) return expr__syntax_error(p);
            rc = expr__value_ref(p, &a->value);
            if (rc) return rc;
            ddb_type_t t = a->value->value->type;
            bool ok = kind == ACT_ADD ? (t == DDB_T_N || ddb_type_is_set(t)) : ddb_type_is_set(t);
            if (!ok) {
                static const char *const words[] = {
                    [DDB_T_S] = "STRING",      [DDB_T_N] = "NUMBER",      [DDB_T_B] = "BINARY",
                    [DDB_T_SS] = "STRING SET", [DDB_T_NS] = "NUMBER SET", [DDB_T_BS] = "BINARY SET",
                    [DDB_T_M] = "MAP",         [DDB_T_L] = "LIST",        [DDB_T_BOOL] = "BOOLEAN",
                    [DDB_T_NULL] = "NULL",
                };
                char tmp[200];
                snprintf(tmp, sizeof tmp,
                         "Incorrect operand type for operator or function; "
                         "operator: %s, operand type: %s, typeSet: %s",
                         kind == ACT_ADD ? "ADD" : "DELETE", words[t] ? words[t] : "",
                         kind == ACT_ADD ? "ALLOWED_FOR_ADD_OPERAND"
                                         : "ALLOWED_FOR_DELETE_OPERAND");
                return ddb_error_set(p->err, DDB_ERR_VALIDATION, "Invalid %s: %s", p->what, tmp);
            }
        }
        if (rc) return rc;
    } while (expr__accept(p, T_COMMA));
    return 0;
}

int expr_parse_update(expr_ctx_t *ctx, const char *text, size_t len, expr_update_t **out,
                      ddb_error_t *err) {
    parser_t p;
    int rc = expr__begin(&p, ctx, "UpdateExpression", text, len, err);
    if (rc) return rc;
    expr_update_t *u = ddb_arena_alloc(ctx->arena, sizeof *u);
    u->actions = ddb_arena_alloc(ctx->arena, sizeof(expr_action_t) * (p.ntoks + 1));
    static const char *const clauses[] = {"SET", "REMOVE", "ADD", "DELETE"};
    bool seen[4] = {false};
    while (expr__peek(&p)->kind != T_EOF) {
        int which = -1;
        for (int i = 0; i < 4; i++) {
            if (expr__is_kw(&p, expr__peek(&p), clauses[i])) which = i;
        }
        if (which < 0) return expr__syntax_error(&p);
        if (seen[which]) {
            return ddb_error_set(err, DDB_ERR_VALIDATION,
                                 "Invalid UpdateExpression: The \"%s\" section can only be used "
                                 "once in an update expression;",
                                 clauses[which]);
        }
        seen[which] = true;
        p.pos++;
        rc = parse_actions(&p, (expr_action_kind_t)which, u->actions, &u->n);
        if (rc) return rc;
    }
    rc = expr__finish(&p);
    if (rc) return rc;
    expr_path_t *paths = ddb_arena_alloc(ctx->arena, sizeof(expr_path_t) * (u->n + 1));
    for (size_t i = 0; i < u->n; i++)
        paths[i] = u->actions[i].path;
    rc = check_clashes(&p, paths, u->n);
    if (rc) return rc;
    *out = u;
    return 0;
}
