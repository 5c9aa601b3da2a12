/* test_partiql.c: unit tests of query/partiql.h's lexer and parser — the
 * AST of every construct, every syntax error with its message and offset,
 * and the limits (statement length, nesting); test_partiql_plan.c has the
 * planner's. Messages marked "AWS" are DynamoDB's
 * own (pinned against real DynamoDB by a public conformance suite), "Local"
 * are what AWS DynamoDB Local 2.x answered to ExecuteStatement; the rest are
 * ddb's where neither says (noted beside them). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "query/partiql.h"
#include "query/partiql_lex.h"

#define NWF "Statement wasn't well formed, can't be processed: "

static const pq_index_t INDEXES[] = {
    {"gi1", {"g", DDB_T_S, NULL, DDB_T_NONE}},
    {"lsi1", {"pk", DDB_T_S, "d", DDB_T_S}},
};
/* "tt1": pk (S) + sk (N), a GSI on g and an LSI on d */
static const pq_schema_t COMPOSITE = {{"pk", DDB_T_S, "sk", DDB_T_N}, INDEXES, 2};

static ddb_arena_t *A;

static pq_stmt_t *parse(const char *s) {
    pq_stmt_t *st = NULL;
    ddb_error_t err;
    if (pq_parse(s, strlen(s), A, &st, &err)) {
        fprintf(stderr, "parse failed: %s: %s\n", s, err.msg);
        return NULL;
    }
    return st;
}

static void test_lexer(void) {
    const char *s = "SeLeCt <<'it''s'>> \"a\"\"b\" 1.5e-3 ? <= <> != >> -- c\n/* d */ x;";
    pq_tok_kind_t kinds[] = {PQ_T_IDENT,  PQ_T_LBAG,  PQ_T_STRING, PQ_T_RBAG, PQ_T_QIDENT,
                             PQ_T_NUMBER, PQ_T_PARAM, PQ_T_OP,     PQ_T_OP,   PQ_T_OP,
                             PQ_T_RBAG,   PQ_T_IDENT, PQ_T_PUNCT,  PQ_T_EOF};
    const char *texts[] = {"SeLeCt", "<<", "'it''s'", ">>", "\"a\"\"b\"", "1.5e-3", "?",
                           "<=",     "<>", "!=",      ">>", "x",          ";",      ""};
    pq_tok_t t = {PQ_T_EOF, 0, s, 0};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        t = pq__lex(s, strlen(s), t.pos + t.len);
        CHECK(t.kind == kinds[i]);
        CHECK(t.len == strlen(texts[i]) && memcmp(t.p, texts[i], t.len) == 0);
    }
    t = pq__lex(s, strlen(s), 0);
    CHECK(pq__is_kw(&t, "select") && pq__is_kw(&t, "SELECT") && !pq__is_kw(&t, "sel"));
    t = pq__lex("'open", 5, 0);
    CHECK(t.kind == PQ_T_BAD);
    t = pq__lex("/* open", 7, 0);
    CHECK(t.kind == PQ_T_BAD);
    t = pq__lex("#", 1, 0);
    CHECK(t.kind == PQ_T_BAD);
    /* a NUL inside a string or name is refused (cJSON strings end there) */
    t = pq__lex("'a\0b'", 5, 0);
    CHECK(t.kind == PQ_T_BAD);
    t = pq__lex("\"a\0b\"", 5, 0);
    CHECK(t.kind == PQ_T_BAD);
    /* nothing reads past len: a statement ending in a word, in a buffer of
     * exactly its length (ASan sees a read past it; found by fuzz_partiql) */
    const char *w = "SELECT * FROM tt1 WHERE x";
    char *exact = malloc(strlen(w));
    memcpy(exact, w, strlen(w));
    pq_stmt_t *st;
    ddb_error_t err;
    CHECK(pq_parse(exact, strlen(w), A, &st, &err) == 0 && st->where->kind == PQ_N_PATH);
    free(exact);
    /* the lexer never reads past len: "12" of "123" */
    t = pq__lex("123", 2, 0);
    CHECK(t.kind == PQ_T_NUMBER && t.len == 2);
}

static void test_select_ast(void) {
    pq_stmt_t *st = parse("select a.\"b c\"[3], d from \"tt1\".\"gi1\" where x = 1 and not (y "
                          "<> 'q' or z is not missing) order by pk desc, sk;");
    CHECK(st && st->kind == PQ_SELECT && !st->star && st->nproj == 2);
    if (!st) return;
    CHECK(st->table_len == 3 && memcmp(st->table, "tt1", 3) == 0);
    CHECK(st->index_len == 3 && memcmp(st->index, "gi1", 3) == 0);
    const pq_node_t *p0 = st->proj[0];
    CHECK(p0->kind == PQ_N_PATH && p0->nelems == 3);
    CHECK(p0->elems[1].len == 3 && memcmp(p0->elems[1].name, "b c", 3) == 0);
    CHECK(p0->elems[2].index == 3);
    const pq_node_t *w = st->where;
    CHECK(w->kind == PQ_N_AND && w->kids[0]->kind == PQ_N_CMP && w->kids[0]->op == PQ_EQ);
    const pq_node_t *n = w->kids[1];
    CHECK(n->kind == PQ_N_NOT && n->kids[0]->kind == PQ_N_OR);
    CHECK(n->kids[0]->kids[0]->op == PQ_NE);
    const pq_node_t *is = n->kids[0]->kids[1];
    CHECK(is->kind == PQ_N_IS && is->negated && is->is_missing);
    CHECK(st->norder == 2 && st->order_desc[0] && !st->order_desc[1]);
    CHECK(st->nparams == 0);
}

static void test_literals_ast(void) {
    pq_stmt_t *st = parse("SELECT * FROM tt1 WHERE a IN [1, -2.5e3, 'x'] AND b BETWEEN ? AND ? "
                          "AND c = <<'s'>> AND d = {'k': [TRUE, false, NULL], 'm': MISSING} "
                          "AND begins_with(e, 'it''s') AND f IN (?, 2)");
    CHECK(st != NULL);
    if (!st) return;
    CHECK(st->nparams == 3);
    CHECK(st->table_len == 3 && memcmp(st->table, "tt1", 3) == 0);
    /* the AND chain is left-deep: the last conjunct is kids[1] of the top */
    const pq_node_t *w = st->where;
    const pq_node_t *in2 = w->kids[1];
    CHECK(in2->kind == PQ_N_IN && in2->kids[1]->kind == PQ_N_LIST);
    CHECK(in2->kids[1]->kids[0]->kind == PQ_N_PARAM && in2->kids[1]->kids[0]->param == 2);
    const pq_node_t *bw = w->kids[0]->kids[1];
    CHECK(bw->kind == PQ_N_CALL && bw->nkids == 2);
    CHECK(bw->kids[1]->kind == PQ_N_STR && bw->kids[1]->len == 4 &&
          memcmp(bw->kids[1]->text, "it's", 4) == 0);
    const pq_node_t *map = w->kids[0]->kids[0]->kids[1]->kids[1];
    CHECK(map->kind == PQ_N_MAP && map->nkids == 2 && map->keys[1]->kind == PQ_N_STR);
    CHECK(map->kids[0]->kind == PQ_N_LIST && map->kids[0]->nkids == 3);
    CHECK(map->kids[0]->kids[1]->kind == PQ_N_BOOL && !map->kids[0]->kids[1]->boolean);
    CHECK(map->kids[0]->kids[2]->kind == PQ_N_NULL && map->kids[1]->kind == PQ_N_MISSING);
    const pq_node_t *set = w->kids[0]->kids[0]->kids[0]->kids[1]->kids[1];
    CHECK(set->kind == PQ_N_SET && set->nkids == 1);
    const pq_node_t *in = w->kids[0]->kids[0]->kids[0]->kids[0]->kids[0];
    CHECK(in->kind == PQ_N_IN && in->kids[1]->nkids == 3);
    CHECK(in->kids[1]->kids[1]->kind == PQ_N_NUM && in->kids[1]->kids[1]->len == 6);
    const pq_node_t *bt = w->kids[0]->kids[0]->kids[0]->kids[0]->kids[1];
    CHECK(bt->kind == PQ_N_BETWEEN && bt->kids[1]->param == 0 && bt->kids[2]->param == 1);
}

static void test_write_ast(void) {
    pq_stmt_t *st = parse("INSERT INTO \"tt1\" VALUE {'pk': ?, 'sk': 1}");
    CHECK(st && st->kind == PQ_INSERT && st->value->kind == PQ_N_MAP && st->nparams == 1);
    st = parse("UPDATE \"tt1\" SET a = a + 1, b = list_append(b, [1]) REMOVE c SET d = 'x' "
               "WHERE pk = 'k' AND sk = 1 RETURNING MODIFIED NEW *");
    CHECK(st && st->kind == PQ_UPDATE && st->nacts == 4);
    if (st) {
        CHECK(!st->acts[0].remove && st->acts[0].value->kind == PQ_N_ADD);
        CHECK(st->acts[1].value->kind == PQ_N_CALL && st->acts[2].remove);
        CHECK(st->acts[3].value->kind == PQ_N_STR && st->ret == PQ_RET_MODIFIED_NEW);
    }
    st = parse("delete from \"tt1\" where pk = 'k' and sk = 1 returning all old *");
    CHECK(st && st->kind == PQ_DELETE && st->ret == PQ_RET_ALL_OLD && st->where);
    st = parse("EXISTS (SELECT * FROM \"hh1\" WHERE id = 'a' AND x = 1)");
    CHECK(st && st->kind == PQ_EXISTS && st->inner && st->inner->kind == PQ_SELECT);
    CHECK(st && st->table_len == 3);
}

/* Syntax errors: the message and the byte offset of the token it names.
 * AWS pins the envelope and details (Unexpected term/keyword/operator/token
 * after expression, Missing right-hand side..., Expected type name, Expected
 * identifier for simple path, Invalid path dot component, Aliasing is not
 * supported, the empty detail for unreadable literals and comments,
 * Unexpected path component at L:C:N); Local pins List index... and
 * Unsupported token in expression; "Invalid path component" and "Unexpected
 * token" (after RETURNING) are ddb's choice where Local only echoes the
 * statement. */
static const struct {
    const char *stmt;
    size_t pos;
    const char *msg;
} PARSE_ERRORS[] = {
    {"SELECT FROM \"tt1\"", 7, NWF "Unexpected keyword"},
    {"SELECT * FROM", 13, NWF "Unexpected term"},
    {"SELECT * FROM \"tt1\" WHERE", 25, NWF "Unexpected term"},
    {"SELECT * FROM \"tt1\" WHERE;", 25, NWF "Unexpected term"},
    {"SELECT * FROM \"tt1\" WHERE NOT", 29, NWF "Unexpected term"},
    {"SELECT * FROM \"tt1\" WHERE (", 27, NWF "Unexpected term"},
    {"SELECT * FROM \"tt1\" WHERE pk =", 30,
     NWF "Missing right-hand side expression of infix operator"},
    {"SELECT * FROM \"tt1\" WHERE pk = 'a' AND", 38,
     NWF "Missing right-hand side expression of infix operator"},
    {"SELECT * FROM \"tt1\" WHERE pk = 'a' OR", 37,
     NWF "Missing right-hand side expression of infix operator"},
    {"SELECT * FROM \"tt1\" WHERE ORDER BY pk", 26, NWF "Unexpected keyword"},
    {"SELECT * FROM \"tt1\" WHERE pk = 'a' AND x IS FOO", 44, NWF "Expected type name"},
    {"SELECT * FROM \"tt1\" WHERE IS NULL", 26, NWF "Unexpected operator"},
    {"SELECT * FROM \"tt1\" WHERE pk = LIKE", 31, NWF "Unexpected operator"},
    {"SELECT * FROM \"tt1\" WHERE a == 1", 29, NWF "Unexpected operator"},
    {"SELECT * FROM \"tt1\" WHERE pk = 1 foo", 33, NWF "Unexpected token after expression"},
    {"SELECT * FROM \"tt1\" WHERE pk = 1 e5", 33, NWF "Unexpected token after expression"},
    {"SELECT * FROM \"tt1\" WHERE pk = 1)", 32, NWF "Unexpected token after expression"},
    {"SELECT * FROM \"tt1\" ORDER BY pk WHERE pk = 1", 32, NWF "Unexpected token after expression"},
    {"DELETE FROM \"tt1\" WHERE pk = 1 ORDER BY pk", 31, NWF "Unexpected token after expression"},
    {"INSERT INTO \"tt1\" VALUE {'pk': 1} foo", 34, NWF "Unexpected token after expression"},
    {"UPDATE \"tt1\" SET a = 9 WHERE pk = 1 foo", 36, NWF "Unexpected token after expression"},
    {"SELECT * FROM \"tt1\" WHERE pk = 1e2147483648", 31, NWF ""},
    {"SELECT * FROM \"tt1\" WHERE pk = 1 # note", 33, NWF ""},
    {"SELECT * FROM \"tt1\" WHERE pk = 1 /* note", 33, NWF ""},
    {"SELECT * FROM \"tt1\" WHERE a = 'x", 30, NWF ""},
    {"SELECT * FROM \"tt1\" WHERE a = \"x", 30, NWF ""},
    {"SELECT * FROM \"tt1\" t WHERE pk = 'x'", 20, "Aliasing is not supported"},
    {"SELECT * FROM \"tt1\" AS t WHERE pk = 'x'", 20, "Aliasing is not supported"},
    {"UPDATE \"tt1\" t SET a = 3 WHERE pk = 'x'", 13, "Aliasing is not supported"},
    {"DELETE FROM \"tt1\" t WHERE pk = 'x'", 18, "Aliasing is not supported"},
    {"INSERT INTO \"tt1\" t VALUE {'pk': 'x'}", 18, NWF "Unexpected token after expression"},
    {"DELETE FROM", 11, NWF "Expected identifier for simple path"},
    {"DELETE FROM;", 11, NWF "Expected identifier for simple path"},
    {"DELETE FROM WHERE pk = 'a'", 12, NWF "Expected identifier for simple path"},
    {"SELECT a. FROM \"tt1\"", 10, NWF "Invalid path dot component"},
    {"SELECT * FROM \"tt1\" WHERE m.inner = 1", 28, NWF "Invalid path dot component"},
    {"SELECT a.b[ FROM \"tt1\"", 12, NWF "Invalid path component"},
    {"SELECT * FROM \"tt1\" WHERE x[-1] = 1", 29,
     "List index is not within the allowable range; index: [-1] at 1:30:1"},
    {"SELECT x + 1 FROM \"tt1\"", 9, "Unexpected path component at 1:10:1"},
    {"SELECT attribute_exists(ss) FROM \"tt1\"", 7, "Unexpected path component at 1:8:16"},
    {"SELECT * FROM \"tt1\" WHERE x = 1 @", 32, NWF ""},
    {"INSERT INTO \"tt1\" VALUES {'pk': 'a'}", 18, NWF "Unexpected token after expression"},
    /* Local refuses a REMOVE list (each REMOVE takes one path) */
    {"UPDATE \"tt1\" SET x = 1 REMOVE w, l[0] WHERE pk = 'a'", 31,
     NWF "Unexpected token after expression"},
    {"UPDATE \"tt1\" WHERE pk = 'a'", 13, NWF "Unexpected keyword"},
    {"UPDATE \"tt1\" SET x = 1 RETURNING ALL OLD * WHERE pk = 'a'", 43,
     NWF "Unexpected token after expression"},
    {"UPDATE \"tt1\" SET x = 1 WHERE pk = 'a' RETURNING ALL OLD", 55, NWF "Unexpected token"},
    {"UPDATE \"tt1\" SET x = 1 WHERE pk = 'a' RETURNING SOME OLD *", 48, NWF "Unexpected token"},
    {"SELECT * FROM t", 15,
     "Table name should be within the length [3, 255] and only contain 'a-z', 'A-Z', '0-9', '-', "
     "'_', '.'."},
    {"SELECT * FROM \"a$b\"", 19,
     "Table name should be within the length [3, 255] and only contain 'a-z', 'A-Z', '0-9', '-', "
     "'_', '.'."},
    {"SELECT * FROM \"tt1\" WHERE EXISTS(SELECT * FROM \"tt1\")", 33,
     "Unsupported token in expression: SELECT at 1:34:6"},
    {"FOO", 0, "Unsupported operation: VariableReference"}, /* Local */
    {"FOO BAR", 0, NWF "Unexpected term"},
    {"", 0,
     "1 validation error detected: Value at 'statement' failed to satisfy constraint: Member must "
     "have length greater than or equal to 1"},
};

static void test_parse_errors(void) {
    for (size_t i = 0; i < sizeof PARSE_ERRORS / sizeof PARSE_ERRORS[0]; i++) {
        const char *s = PARSE_ERRORS[i].stmt;
        pq_stmt_t *st;
        size_t pos = 9999;
        ddb_error_t err;
        int rc = pq_parse_at(s, strlen(s), A, &st, &pos, &err);
        CHECK(rc == DDB_ERR_VALIDATION);
        CHECK_STR(err.msg, PARSE_ERRORS[i].msg);
        if (pos != PARSE_ERRORS[i].pos && s[0]) fprintf(stderr, "%s: pos %zu\n", s, pos);
        CHECK(pos == PARSE_ERRORS[i].pos || s[0] == 0);
    }
}

static void test_limits(void) {
    ddb_error_t err;
    pq_stmt_t *st;
    /* 8192 characters is DynamoDB's limit on Statement (multi-byte UTF-8
     * counts once) */
    size_t n = PQ_MAX_STATEMENT;
    char *s = malloc(n * 2 + 1);
    memcpy(s, "SELECT * FROM \"tt1\" WHERE a = '", 31);
    memset(s + 31, 'x', n - 32);
    s[n - 1] = '\'';
    s[n] = ' ';
    CHECK(pq_parse(s, n, A, &st, &err) == 0);
    CHECK(pq_parse(s, n + 1, A, &st, &err) == DDB_ERR_VALIDATION);
    CHECK_STR(err.msg, "1 validation error detected: Value at 'statement' failed to satisfy "
                       "constraint: Member must have length less than or equal to 8192");
    /* 8192 characters of which 200 take two bytes: within the limit */
    for (size_t i = 0; i < 200; i++)
        memcpy(s + 31 + i * 2, "\xc3\xa9", 2);
    memset(s + 431, 'x', PQ_MAX_STATEMENT - 232);
    s[PQ_MAX_STATEMENT + 199] = '\'';
    CHECK(pq_parse(s, PQ_MAX_STATEMENT + 200, A, &st, &err) == 0);
    /* Local: 200 parentheses are fine */
    size_t k = (size_t)sprintf(s, "SELECT * FROM \"tt1\" WHERE ");
    for (size_t i = 0; i < 200; i++)
        s[k++] = '(';
    k += (size_t)sprintf(s + k, "x = 1");
    for (size_t i = 0; i < 200; i++)
        s[k++] = ')';
    CHECK(pq_parse(s, k, A, &st, &err) == 0);
    /* nesting past PQ_MAX_DEPTH is an error, not a deep recursion */
    k = (size_t)sprintf(s, "SELECT * FROM \"tt1\" WHERE ");
    for (size_t i = 0; i < 4000; i++)
        s[k++] = '(';
    s[k] = 0;
    CHECK(pq_parse(s, k, A, &st, &err) == DDB_ERR_VALIDATION);
    CHECK_STR(err.msg, NWF "Expression nesting is too deep");
    k = (size_t)sprintf(s, "SELECT * FROM \"tt1\" WHERE a = ");
    for (size_t i = 0; i < 4000; i++)
        s[k++] = '[';
    s[k] = 0;
    CHECK(pq_parse(s, k, A, &st, &err) == DDB_ERR_VALIDATION);
    /* a long flat AND chain is fine and plans without deep recursion */
    k = (size_t)sprintf(s, "SELECT * FROM \"tt1\" WHERE pk = 'a'");
    while (k < 8000)
        k += (size_t)sprintf(s + k, " AND a = 1");
    pq_plan_t *p;
    CHECK(pq_parse(s, k, A, &st, &err) == 0);
    CHECK(pq_plan(st, &COMPOSITE, NULL, 0, A, &p, &err) == 0 && p->op == PQ_OP_QUERY);
    if (p) pq_plan_free(p);
    free(s);
}

int main(void) {
    A = ddb_arena_create(0);
    test_lexer();
    test_select_ast();
    test_literals_ast();
    test_write_ast();
    test_parse_errors();
    test_limits();
    ddb_arena_destroy(A);
    return check_summary();
}
