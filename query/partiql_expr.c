/* partiql_expr.c: PartiQL expressions to DynamoDB's expression language.
 *
 * Turns AST literals into attribute values and WHERE conditions into
 * condition-expression text with #n/:v placeholders (names deduplicated,
 * values in order of appearance), with DynamoDB's messages for what has no
 * equivalent. Owns no state beyond the pq_ctx_t it is handed. Pure. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "query/json.h"
#include "query/number.h"
#include "query/partiql_internal.h"
#include "query/partiql_lex.h"

void pq__at(const char *text, size_t pos, size_t n, char out[48]) {
    size_t line = 1, col = 1, len = 0;
    for (size_t i = 0; i < pos; i++) {
        if (text[i] == '\n') {
            line++;
            col = 1;
        } else if (((unsigned char)text[i] & 0xC0) != 0x80) {
            col++;
        }
    }
    for (size_t i = pos; i < pos + n; i++)
        len += ((unsigned char)text[i] & 0xC0) != 0x80;
    snprintf(out, 48, "%zu:%zu:%zu", line, col, len);
}

size_t pq__node_toklen(const char *text, size_t len, const pq_node_t *n) {
    pq_tok_t t = pq__lex(text, len, n->pos);
    return t.len;
}

/* An error positioned at node n: "msg at L:C:N". */
static int at_node(pq_ctx_t *c, const pq_node_t *n, const char *msg) {
    char at[48];
    pq__at(c->text, n->pos, pq__node_toklen(c->text, c->text_len, n), at);
    return ddb_error_set(c->err, DDB_ERR_VALIDATION, "%s at %s", msg, at);
}

bool pq__is_attr(const pq_node_t *n, const char *name) {
    return n->kind == PQ_N_PATH && n->nelems == 1 && n->elems[0].index < 0 &&
           strlen(name) == n->elems[0].len && memcmp(name, n->elems[0].name, n->elems[0].len) == 0;
}

bool pq__is_literal(const pq_node_t *n) {
    switch (n->kind) {
    case PQ_N_STR:
    case PQ_N_NUM:
    case PQ_N_BOOL:
    case PQ_N_NULL:
    case PQ_N_PARAM:
    case PQ_N_LIST:
    case PQ_N_SET:
    case PQ_N_MAP:
        return true;
    default:
        return false;
    }
}

/* "[a, b]" as DynamoDB renders a set literal in its duplicates message. */
static void set_text(const ddb_value_t *v, char *out, size_t cap) {
    size_t n = (size_t)snprintf(out, cap, "[");
    for (size_t i = 0; i < v->u.list.n && n < cap; i++) {
        const ddb_value_t *e = &v->u.list.v[i];
        n += (size_t)snprintf(out + n, cap - n, "%s%.*s", i ? ", " : "", (int)e->u.str.len,
                              e->u.str.ptr);
    }
    if (n < cap) snprintf(out + n, cap - n, "]");
}

static int value_at(pq_ctx_t *c, const pq_node_t *n, ddb_value_t *out, char *path, size_t plen);

static int set_value(pq_ctx_t *c, const pq_node_t *n, ddb_value_t *out, char *path, size_t plen) {
    if (n->nkids == 0) return at_node(c, n, "Empty bags are not supported"); /* Local */
    ddb_value_t *els = ddb_arena_alloc(c->a, n->nkids * sizeof *els);
    for (size_t i = 0; i < n->nkids; i++) {
        int rc = value_at(c, n->kids[i], &els[i], path, plen);
        if (rc) return rc;
        if ((els[i].type != DDB_T_S && els[i].type != DDB_T_N) || (i && els[i].type != els[0].type))
            return ddb_error_set(c->err, DDB_ERR_VALIDATION,
                                 "Unsupported data type in Bag. DynamoDB only supports either "
                                 "numbers or strings in bags");
    }
    out->type = els[0].type == DDB_T_S ? DDB_T_SS : DDB_T_NS;
    out->u.list.v = els;
    out->u.list.n = n->nkids;
    for (size_t i = 0; i < n->nkids; i++) {
        for (size_t j = 0; j < i; j++) {
            if (!ddb_value_equal(&els[i], &els[j])) continue;
            char text[512];
            set_text(out, text, sizeof text);
            return ddb_error_set(c->err, DDB_ERR_VALIDATION,
                                 "One or more parameter values were invalid: Input collection %s "
                                 "contains duplicates.",
                                 text);
        }
    }
    return 0;
}

/* A map literal; at the top of an INSERT (top) each attribute's value is
 * itself "root" in DynamoDB's messages, so the key is not appended. */
/* The PartiQL type name DynamoDB gives a map key that is not a string
 * (Local: INT for 1; the others follow PartiQL's names). */
static const char *key_type(const pq_node_t *k, const ddb_value_t *v) {
    if (k->kind == PQ_N_NUM)
        return memchr(k->text, '.', k->len) || memchr(k->text, 'e', k->len) ||
                       memchr(k->text, 'E', k->len)
                   ? "DECIMAL"
                   : "INT";
    switch (v->type) {
    case DDB_T_N:
        return "DECIMAL";
    case DDB_T_BOOL:
        return "BOOL";
    case DDB_T_NULL:
        return "NULL";
    case DDB_T_L:
        return "LIST";
    case DDB_T_M:
        return "STRUCT";
    case DDB_T_B:
        return "BLOB";
    default:
        return "BAG";
    }
}

static int map_value(pq_ctx_t *c, const pq_node_t *n, ddb_value_t *out, char *path, size_t plen,
                     bool top) {
    ddb_attr_t *attrs = ddb_arena_alloc(c->a, (n->nkids ? n->nkids : 1) * sizeof *attrs);
    for (size_t i = 0; i < n->nkids; i++) {
        ddb_value_t key;
        int rc = value_at(c, n->keys[i], &key, path, plen);
        if (rc) return rc;
        if (key.type != DDB_T_S) {
            char msg[600];
            snprintf(msg, sizeof msg, "Tuple keys must be of type String. Actual type: %s under %s",
                     key_type(n->keys[i], &key), path);
            return at_node(c, n->keys[i], msg);
        }
        if (key.u.str.len == 0) {
            /* DynamoDB's words for an empty attribute name in a tuple */
            return ddb_error_set(c->err, DDB_ERR_VALIDATION,
                                 "Path component cannot be an empty string");
        }
        for (size_t j = 0; j < i; j++) {
            if (attrs[j].name_len != key.u.str.len ||
                memcmp(attrs[j].name, key.u.str.ptr, key.u.str.len) != 0)
                continue;
            char msg[600];
            snprintf(msg, sizeof msg, "Duplicate keys in tuple. Key: %.*s under %s",
                     (int)key.u.str.len, key.u.str.ptr, path);
            return at_node(c, n->keys[i], msg);
        }
        attrs[i].name = key.u.str.ptr;
        attrs[i].name_len = key.u.str.len;
        size_t l = strlen(path);
        if (!top) snprintf(path + l, plen - l, ".%.*s", (int)key.u.str.len, key.u.str.ptr);
        rc = value_at(c, n->kids[i], &attrs[i].value, path, plen);
        if (rc) return rc;
        path[l] = 0;
    }
    out->type = DDB_T_M;
    out->u.map.a = attrs;
    out->u.map.n = n->nkids;
    return 0;
}

static int num_value(pq_ctx_t *c, const pq_node_t *n, ddb_value_t *out, const char *path) {
    ddb_num_t num;
    ddb_error_t e;
    if (ddb_num_parse(n->text, n->len, &num, &e))
        return ddb_error_set(c->err, DDB_ERR_VALIDATION, "%s under %s", e.msg, path);
    char *text = ddb_arena_alloc(c->a, DDB_NUM_MAX_TEXT);
    out->type = DDB_T_N;
    out->u.str.ptr = text;
    out->u.str.len = ddb_num_format(&num, text, DDB_NUM_MAX_TEXT);
    return 0;
}

static int value_at(pq_ctx_t *c, const pq_node_t *n, ddb_value_t *out, char *path, size_t plen) {
    memset(out, 0, sizeof *out);
    switch (n->kind) {
    case PQ_N_STR:
        out->type = DDB_T_S;
        out->u.str.ptr = n->text;
        out->u.str.len = n->len;
        return 0;
    case PQ_N_NUM:
        return num_value(c, n, out, path);
    case PQ_N_BOOL:
        out->type = DDB_T_BOOL;
        out->u.boolean = n->boolean;
        return 0;
    case PQ_N_NULL:
        out->type = DDB_T_NULL;
        out->u.boolean = true;
        return 0;
    case PQ_N_PARAM:
        if (n->param >= c->nparams)
            return ddb_error_set(c->err, DDB_ERR_VALIDATION,
                                 "Number of parameters in request and statement don't match.");
        *out = c->params[n->param];
        return 0;
    case PQ_N_SET:
        return set_value(c, n, out, path, plen);
    case PQ_N_MAP:
        return map_value(c, n, out, path, plen, false);
    case PQ_N_LIST: {
        ddb_value_t *els = ddb_arena_alloc(c->a, (n->nkids ? n->nkids : 1) * sizeof *els);
        size_t l = strlen(path);
        for (size_t i = 0; i < n->nkids; i++) {
            snprintf(path + l, plen - l, "[%zu]", i);
            int rc = value_at(c, n->kids[i], &els[i], path, plen);
            if (rc) return rc;
        }
        path[l] = 0;
        out->type = DDB_T_L;
        out->u.list.v = els;
        out->u.list.n = n->nkids;
        return 0;
    }
    default: {
        pq_tok_t t = pq__lex(c->text, c->text_len, n->pos);
        char msg[400];
        snprintf(msg, sizeof msg, "Unsupported data type: %.*s under key %s",
                 (int)(t.len > 200 ? 200 : t.len), t.p, path);
        return at_node(c, n, msg);
    }
    }
}

int pq__value(pq_ctx_t *c, const pq_node_t *n, ddb_value_t *out) {
    char path[512] = "root";
    return value_at(c, n, out, path, sizeof path);
}

int pq__item(pq_ctx_t *c, const pq_node_t *n, ddb_value_t *out) {
    char path[512] = "root";
    return map_value(c, n, out, path, sizeof path, true);
}

cJSON *pq__value_json(const ddb_value_t *v) {
    buf_t b;
    buf_init(&b);
    json_put_value(&b, v);
    cJSON *j = cJSON_ParseWithLength(b.data, b.len);
    buf_free(&b);
    return j;
}

/* The placeholder of attribute name (len bytes): an existing one or a new #nK. */
static void name_placeholder(pq_ctx_t *c, buf_t *b, const char *name, size_t len) {
    int k = 0;
    for (cJSON *e = c->names->child; e; e = e->next, k++) {
        if (strlen(e->valuestring) == len && memcmp(e->valuestring, name, len) == 0) {
            buf_puts(b, e->string);
            return;
        }
    }
    char ph[24];
    snprintf(ph, sizeof ph, "#n%d", c->nnames++);
    cJSON_AddItemToObject(c->names, ph, cJSON_CreateString(ddb_arena_strndup(c->a, name, len)));
    buf_puts(b, ph);
}

void pq__emit_path(pq_ctx_t *c, buf_t *b, const pq_node_t *n) {
    for (size_t i = 0; i < n->nelems; i++) {
        const pq_elem_t *e = &n->elems[i];
        if (e->index >= 0) {
            buf_printf(b, "[%ld]", e->index);
            continue;
        }
        if (i) buf_putc(b, '.');
        name_placeholder(c, b, e->name, e->len);
    }
}

int pq__emit_value(pq_ctx_t *c, buf_t *b, const pq_node_t *n) {
    ddb_value_t v;
    int rc = pq__value(c, n, &v);
    if (rc) return rc;
    char ph[24];
    snprintf(ph, sizeof ph, ":v%d", c->nvalues++);
    cJSON_AddItemToObject(c->values, ph, pq__value_json(&v));
    buf_puts(b, ph);
    return 0;
}

static int not_boolean(pq_ctx_t *c) {
    return ddb_error_set(c->err, DDB_ERR_VALIDATION,
                         "WHERE clause must contain an expression that resolves to a boolean");
}

static int operands(pq_ctx_t *c, const pq_node_t *n, const char *name, size_t want) {
    if (n->nkids == want) return 0;
    return ddb_error_set(c->err, DDB_ERR_VALIDATION,
                         "Incorrect number of operands for operator or function; operator or "
                         "function: %s, number of operands: %zu",
                         name, n->nkids);
}

static int needs_path(pq_ctx_t *c, const pq_node_t *n, const char *name) {
    if (n->kind == PQ_N_PATH) return 0;
    return ddb_error_set(c->err, DDB_ERR_VALIDATION,
                         "Operator or function requires a document path; operator or function: %s",
                         name);
}

/* The function's name lower-cased into out (DynamoDB's names are). */
static const char *fn_name(const pq_node_t *n, char out[32]) {
    size_t l = n->len < 31 ? n->len : 31;
    for (size_t i = 0; i < l; i++)
        out[i] = (char)tolower((unsigned char)n->text[i]);
    out[l] = 0;
    return out;
}

static int emit_call(pq_ctx_t *c, buf_t *b, const pq_node_t *n);

/* An operand of a comparison: a path, a value or size(path). */
static int emit_operand(pq_ctx_t *c, buf_t *b, const pq_node_t *n) {
    char name[32];
    switch (n->kind) {
    case PQ_N_PATH:
        pq__emit_path(c, b, n);
        return 0;
    case PQ_N_ADD:
    case PQ_N_SUB:
        return ddb_error_set(c->err, DDB_ERR_VALIDATION,
                             "Unsupported operator in Condition Expression. Operator: %c",
                             n->kind == PQ_N_ADD ? '+' : '-');
    case PQ_N_CALL:
        if (strcmp(fn_name(n, name), "size") == 0) {
            int rc = operands(c, n, name, 1);
            if (!rc) rc = needs_path(c, n->kids[0], name);
            if (rc) return rc;
            buf_puts(b, "size(");
            pq__emit_path(c, b, n->kids[0]);
            buf_putc(b, ')');
            return 0;
        }
        {
            /* a condition where a value should be: DynamoDB names an
             * unknown function first */
            buf_t tmp;
            buf_init(&tmp);
            int rc = emit_call(c, &tmp, n);
            buf_free(&tmp);
            return rc ? rc : not_boolean(c);
        }
    default:
        if (pq__is_literal(n) || n->kind == PQ_N_MISSING) return pq__emit_value(c, b, n);
        return not_boolean(c);
    }
}

static int emit_call(pq_ctx_t *c, buf_t *b, const pq_node_t *n) {
    static const struct {
        const char *name;
        size_t args;
    } fns[] = {{"begins_with", 2},
               {"contains", 2},
               {"attribute_type", 2},
               {"attribute_exists", 1},
               {"attribute_not_exists", 1}};
    char name[32];
    fn_name(n, name);
    if (strcmp(name, "size") == 0) return not_boolean(c);
    if (strcmp(name, "list_append") == 0 || strcmp(name, "if_not_exists") == 0)
        return ddb_error_set(c->err, DDB_ERR_VALIDATION,
                             "The function is not allowed in a condition expression; function: %s",
                             name);
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
        if (strcmp(name, fns[i].name) != 0) continue;
        int rc = operands(c, n, name, fns[i].args);
        if (!rc) rc = needs_path(c, n->kids[0], name);
        if (rc) return rc;
        buf_printf(b, "%s(", name);
        for (size_t k = 0; k < n->nkids; k++) {
            if (k) buf_puts(b, ", ");
            rc = emit_operand(c, b, n->kids[k]);
            if (rc) return rc;
        }
        buf_putc(b, ')');
        return 0;
    }
    char msg[64];
    snprintf(msg, sizeof msg, "Unrecognized function: %s", name);
    return at_node(c, n, msg);
}

static int emit_is(pq_ctx_t *c, buf_t *b, const pq_node_t *n) {
    const pq_node_t *k = n->kids[0];
    if (k->kind != PQ_N_PATH) return not_boolean(c);
    if (n->is_missing) { /* a missing attribute is MISSING; NULL is a value */
        buf_puts(b, n->negated ? "attribute_exists(" : "attribute_not_exists(");
        pq__emit_path(c, b, k);
        buf_putc(b, ')');
        return 0;
    }
    /* DynamoDB Local: IS NULL holds for the NULL type only, IS NOT NULL for
     * everything else (a missing attribute included) */
    buf_puts(b, n->negated ? "NOT attribute_type(" : "attribute_type(");
    pq__emit_path(c, b, k);
    ddb_value_t t = {.type = DDB_T_S, .u.str = {"NULL", 4}};
    char ph[24];
    snprintf(ph, sizeof ph, ":v%d", c->nvalues++);
    cJSON_AddItemToObject(c->values, ph, pq__value_json(&t));
    buf_printf(b, ", %s)", ph);
    return 0;
}

static int emit_in(pq_ctx_t *c, buf_t *b, const pq_node_t *n) {
    const pq_node_t *l = n->kids[0], *r = n->kids[1];
    if (l->kind != PQ_N_PATH || r->kind != PQ_N_LIST || r->nkids == 0)
        return ddb_error_set(c->err, DDB_ERR_VALIDATION,
                             "IN operator must have a left hand argument of type Variable "
                             "Reference and right hand argument of type Seq with at least one "
                             "member");
    pq__emit_path(c, b, l);
    buf_puts(b, " IN (");
    for (size_t i = 0; i < r->nkids; i++) {
        if (i) buf_puts(b, ", ");
        int rc = emit_operand(c, b, r->kids[i]);
        if (rc) return rc;
    }
    buf_putc(b, ')');
    return 0;
}

static int emit_sub(pq_ctx_t *c, buf_t *b, const pq_node_t *n, bool parens) {
    if (parens) buf_putc(b, '(');
    int rc = pq__emit_cond(c, b, n);
    if (parens) buf_putc(b, ')');
    return rc;
}

int pq__emit_cond(pq_ctx_t *c, buf_t *b, const pq_node_t *n) {
    static const char *const ops[] = {"=", "<>", "<", "<=", ">", ">="};
    int rc;
    switch (n->kind) {
    case PQ_N_AND:
    case PQ_N_OR: {
        bool conj = n->kind == PQ_N_AND;
        rc = emit_sub(c, b, n->kids[0], conj && n->kids[0]->kind == PQ_N_OR);
        if (rc) return rc;
        buf_puts(b, conj ? " AND " : " OR ");
        /* right operands are parenthesised when they would regroup */
        return emit_sub(c, b, n->kids[1],
                        n->kids[1]->kind == PQ_N_OR || (!conj && n->kids[1]->kind == PQ_N_AND));
    }
    case PQ_N_NOT:
        buf_puts(b, "NOT ");
        return emit_sub(c, b, n->kids[0],
                        n->kids[0]->kind == PQ_N_AND || n->kids[0]->kind == PQ_N_OR);
    case PQ_N_CMP:
        if (n->kids[0]->kind == PQ_N_MISSING || n->kids[1]->kind == PQ_N_MISSING)
            return ddb_error_set(c->err, DDB_ERR_VALIDATION,
                                 "MISSING must be compared using IS operator");
        rc = emit_operand(c, b, n->kids[0]);
        if (rc) return rc;
        buf_printf(b, " %s ", ops[n->op]);
        return emit_operand(c, b, n->kids[1]);
    case PQ_N_BETWEEN:
        rc = emit_operand(c, b, n->kids[0]);
        if (!rc) {
            buf_puts(b, " BETWEEN ");
            rc = emit_operand(c, b, n->kids[1]);
        }
        if (!rc) {
            buf_puts(b, " AND ");
            rc = emit_operand(c, b, n->kids[2]);
        }
        return rc;
    case PQ_N_IN:
        return emit_in(c, b, n);
    case PQ_N_IS:
        return emit_is(c, b, n);
    case PQ_N_CALL:
        return emit_call(c, b, n);
    default:
        return not_boolean(c);
    }
}
