/* test_expr.c: the expression language without a server: parsing (good and
 * bad expressions with DynamoDB's messages), evaluation truth tables, update
 * application, projection and the unused-name/value check. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "query/expr.h"

static ddb_arena_t *A;

static ddb_value_t S(const char *s) {
    return (ddb_value_t){.type = DDB_T_S, .u.str = {s, strlen(s)}};
}

static ddb_value_t N(const char *s) {
    return (ddb_value_t){.type = DDB_T_N, .u.str = {s, strlen(s)}};
}

static ddb_value_t map(ddb_attr_t *attrs, size_t n) {
    return (ddb_value_t){.type = DDB_T_M, .u.map = {attrs, n}};
}

/* item: {pk: "k", n: 5, s: "hello", l: [1, "x"], m: {b: 1}} */
static ddb_value_t item(void) {
    static ddb_value_t l[2];
    static ddb_attr_t m[1], top[5];
    l[0] = N("1");
    l[1] = S("x");
    m[0] = (ddb_attr_t){"b", 1, N("1")};
    top[0] = (ddb_attr_t){"pk", 2, S("k")};
    top[1] = (ddb_attr_t){"n", 1, N("5")};
    top[2] = (ddb_attr_t){"s", 1, S("hello")};
    top[3] = (ddb_attr_t){"l", 1, {.type = DDB_T_L, .u.list = {l, 2}}};
    top[4] = (ddb_attr_t){"m", 1, map(m, 1)};
    return map(top, 5);
}

/* :a = 5, :b = "he", :c = 10, :d = "x" ; #n = n */
static ddb_value_t values(void) {
    static ddb_attr_t v[4];
    v[0] = (ddb_attr_t){":a", 2, N("5")};
    v[1] = (ddb_attr_t){":b", 2, S("he")};
    v[2] = (ddb_attr_t){":c", 2, N("10")};
    v[3] = (ddb_attr_t){":d", 2, S("x")};
    return map(v, 4);
}

static ddb_value_t names(void) {
    static ddb_attr_t n[1];
    n[0] = (ddb_attr_t){"#n", 2, S("n")};
    return map(n, 1);
}

static void test_truth(void) {
    static const struct {
        const char *expr;
        bool want;
    } cases[] = {
        {"n = :a", true},
        {"#n = :a", true},
        {"n <> :a", false},
        {"n < :c AND n >= :a", true},
        {"n BETWEEN :a AND :c", true},
        {"n IN (:c, :a)", true},
        {"begins_with(s, :b)", true},
        {"contains(l, :d)", true},
        {"contains(s, :d)", false},
        {"size(s) = :a", true},
        {"size(l) < :a", true},
        {"attribute_exists(m.b) AND attribute_not_exists(m.c)", true},
        {"l[1] = :d", true},
        {"l[5] = :d", false},
        {"nope <> :a", true},
        {"nope < :a", false},
        {"s < :a", false},
        {"NOT n = :a OR s = :b", false},
        {"n = :a OR s = :b AND n = :c", true},
        {"(n = :a OR s = :b) AND n = :c", false},
        {"NOT (n = :c)", true},
        /* an operand in parentheses, as DynamoDB takes it */
        {"(n) = :a", true},
        {"n = (:a)", true},
        {"(n) = (:c)", false},
        {"((n) = :a)", true},
        {"(size(s)) = :a", true},
        {"size((s)) = :a", true},
        {"(n) BETWEEN (:a) AND :c", true},
        {"(n) IN ((:c), :a)", true},
        {"NOT (n) = :c", true},
        {"begins_with((s), :b) AND (#n) = :a", true},
        {"((n) = :a) AND ((s) = :b)", false},
    };
    ddb_value_t it = item(), v = values(), nm = names();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        expr_ctx_t ctx;
        expr_ctx_init(&ctx, A, &nm, &v);
        expr_node_t *c;
        ddb_error_t err;
        int rc = expr_parse_condition(&ctx, "ConditionExpression", cases[i].expr,
                                      strlen(cases[i].expr), &c, &err);
        CHECK(rc == 0);
        if (rc) {
            fprintf(stderr, "  %s: %s\n", cases[i].expr, err.msg);
            continue;
        }
        bool got = expr_eval(c, &it);
        CHECK(got == cases[i].want);
        if (got != cases[i].want) fprintf(stderr, "  %s: got %d\n", cases[i].expr, got);
    }
}

static void test_parse_errors(void) {
    static const struct {
        const char *expr;
        const char *msg;
    } cases[] = {
        {"a = = :a", "Invalid ConditionExpression: Syntax error; token: \"=\", near: \"= = :a\""},
        {"a = :a OR", "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"OR\""},
        {"Status = :a", "Invalid ConditionExpression: Attribute name is a reserved keyword; "
                        "reserved keyword: Status"},
        {"foo(a)", "Invalid ConditionExpression: Invalid function name; function: foo"},
        {"a = :zz", "Invalid ConditionExpression: An expression attribute value used in expression "
                    "is not defined; attribute value: :zz"},
        {"#q = :a",
         "Invalid ConditionExpression: An expression attribute name used in the document "
         "path is not defined; attribute name: #q"},
        {"n BETWEEN :c AND :a",
         "Invalid ConditionExpression: The BETWEEN operator requires upper "
         "bound to be greater than or equal to lower bound; lower bound "
         "operand: AttributeValue: {N:10}, upper bound operand: AttributeValue: {N:5}"},
        {"", "Invalid ConditionExpression: The expression can not be empty;"},
        {"a = :a)", "Invalid ConditionExpression: Syntax error; token: \")\", near: \":a)\""},
        {"((((a = :a)", "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \")\""},
        /* parentheses around an operand, but not two pairs at once */
        {"((n)) = :a", "Invalid ConditionExpression: The expression has redundant parentheses;"},
        {"n = (((:a)))", "Invalid ConditionExpression: The expression has redundant parentheses;"},
        {"(((n) = :a))", "Invalid ConditionExpression: The expression has redundant parentheses;"},
        {"((n = :a))", "Invalid ConditionExpression: The expression has redundant parentheses;"},
        {"(n) = :a)", "Invalid ConditionExpression: Syntax error; token: \")\", near: \":a)\""},
    };
    ddb_value_t v = values(), nm = names();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        expr_ctx_t ctx;
        expr_ctx_init(&ctx, A, &nm, &v);
        expr_node_t *c;
        ddb_error_t err = {0};
        int rc = expr_parse_condition(&ctx, "ConditionExpression", cases[i].expr,
                                      strlen(cases[i].expr), &c, &err);
        CHECK(rc == DDB_ERR_VALIDATION);
        CHECK_STR(err.msg, cases[i].msg);
    }
    /* a deep nest of parentheses is refused, not a stack overflow */
    char deep[2000];
    memset(deep, '(', 1000);
    strcpy(deep + 1000, "a = :a");
    expr_ctx_t ctx;
    expr_ctx_init(&ctx, A, &nm, &v);
    expr_node_t *c;
    ddb_error_t err;
    CHECK(expr_parse_condition(&ctx, "ConditionExpression", deep, strlen(deep), &c, &err) ==
          DDB_ERR_VALIDATION);
}

static void test_unused(void) {
    ddb_value_t v = values(), nm = names();
    expr_ctx_t ctx;
    expr_ctx_init(&ctx, A, &nm, &v);
    expr_node_t *c;
    ddb_error_t err;
    CHECK(expr_parse_condition(&ctx, "ConditionExpression", "n = :a OR s = :d", 16, &c, &err) == 0);
    CHECK(expr_check_unused(&ctx, &err) == DDB_ERR_VALIDATION);
    CHECK_STR(err.msg,
              "Value provided in ExpressionAttributeNames unused in expressions: keys: {#n}");
    CHECK(expr_parse_condition(&ctx, "ConditionExpression", "#n = :a", 7, &c, &err) == 0);
    CHECK(expr_check_unused(&ctx, &err) == DDB_ERR_VALIDATION);
    CHECK_STR(err.msg,
              "Value provided in ExpressionAttributeValues unused in expressions: keys: {:b, :c}");
}

static void render(const ddb_value_t *v, char *out, size_t cap);

static void render_into(const ddb_value_t *v, char **p, char *end) {
    int n = 0;
    switch (v->type) {
    case DDB_T_S:
        n = snprintf(*p, (size_t)(end - *p), "\"%.*s\"", (int)v->u.str.len, v->u.str.ptr);
        break;
    case DDB_T_N:
        n = snprintf(*p, (size_t)(end - *p), "%.*s", (int)v->u.str.len, v->u.str.ptr);
        break;
    case DDB_T_L:
    case DDB_T_SS:
    case DDB_T_NS:
        n = snprintf(*p, (size_t)(end - *p), "[");
        *p += n;
        for (size_t i = 0; i < v->u.list.n; i++) {
            if (i) *(*p)++ = ',';
            render_into(&v->u.list.v[i], p, end);
        }
        n = snprintf(*p, (size_t)(end - *p), "]");
        break;
    case DDB_T_M:
        n = snprintf(*p, (size_t)(end - *p), "{");
        *p += n;
        for (size_t i = 0; i < v->u.map.n; i++) {
            if (i) *(*p)++ = ',';
            *p += snprintf(*p, (size_t)(end - *p), "%.*s:", (int)v->u.map.a[i].name_len,
                           v->u.map.a[i].name);
            render_into(&v->u.map.a[i].value, p, end);
        }
        n = snprintf(*p, (size_t)(end - *p), "}");
        break;
    default:
        n = snprintf(*p, (size_t)(end - *p), "?");
        break;
    }
    *p += n;
}

static void render(const ddb_value_t *v, char *out, size_t cap) {
    char *p = out;
    render_into(v, &p, out + cap);
}

static void test_updates(void) {
    static const struct {
        const char *expr;
        const char *want; /* rendered item, or the error message */
        bool error;
    } cases[] = {
        {"SET n = n + :a", "{pk:\"k\",n:10,s:\"hello\",l:[1,\"x\"],m:{b:1}}", false},
        {"SET n = :a - :c, z = :d", "{pk:\"k\",n:-5,s:\"hello\",l:[1,\"x\"],m:{b:1},z:\"x\"}",
         false},
        {"SET l[5] = :d, m.c = :b", "{pk:\"k\",n:5,s:\"hello\",l:[1,\"x\",\"x\"],m:{b:1,c:\"he\"}}",
         false},
        {"REMOVE l[0], s, m.b", "{pk:\"k\",n:5,l:[\"x\"],m:{}}", false},
        {"ADD n :c, q :a", "{pk:\"k\",n:15,s:\"hello\",l:[1,\"x\"],m:{b:1},q:5}", false},
        {"SET z = if_not_exists(n, :c), y = if_not_exists(nope, :c)",
         "{pk:\"k\",n:5,s:\"hello\",l:[1,\"x\"],m:{b:1},z:5,y:10}", false},
        {"SET l = list_append(:l, l)", "{pk:\"k\",n:5,s:\"hello\",l:[\"x\",1,\"x\"],m:{b:1}}",
         false},
        {"SET n = (n) + (:a)", "{pk:\"k\",n:10,s:\"hello\",l:[1,\"x\"],m:{b:1}}", false},
        {"SET n = (n - :a), z = if_not_exists((z), :d)",
         "{pk:\"k\",n:0,s:\"hello\",l:[1,\"x\"],m:{b:1},z:\"x\"}", false},
        {"SET s = s + :a", "An operand in the update expression has an incorrect data type", true},
        {"SET q.r = :a",
         "The document path provided in the update expression is invalid for update", true},
        /* every step but the last needs a container of its kind, for
         * removals too; a missing last step is removed as a no-op */
        {"REMOVE s.b", "The document path provided in the update expression is invalid for update",
         true},
        {"REMOVE m[0]", "The document path provided in the update expression is invalid for update",
         true},
        {"REMOVE nope.x",
         "The document path provided in the update expression is invalid for update", true},
        {"REMOVE l[9].x",
         "The document path provided in the update expression is invalid for update", true},
        {"DELETE nope.x :s",
         "The document path provided in the update expression is invalid for update", true},
        {"DELETE l.x :s",
         "The document path provided in the update expression is invalid for update", true},
        {"ADD m[0] :a", "The document path provided in the update expression is invalid for update",
         true},
        {"REMOVE l[9], m.nope, nope", "{pk:\"k\",n:5,s:\"hello\",l:[1,\"x\"],m:{b:1}}", false},
        {"DELETE m.nope :s, l[9] :s", "{pk:\"k\",n:5,s:\"hello\",l:[1,\"x\"],m:{b:1}}", false},
        {"SET a = :a, a.b = :a",
         "Invalid UpdateExpression: Two document paths overlap with each other; "
         "must remove or rewrite one of these paths; path one: [a], path two: [a, b]",
         true},
    };
    static ddb_attr_t vv[6];
    static ddb_value_t lv[1], sv[1];
    lv[0] = S("x");
    sv[0] = S("x");
    vv[0] = (ddb_attr_t){":a", 2, N("5")};
    vv[1] = (ddb_attr_t){":b", 2, S("he")};
    vv[2] = (ddb_attr_t){":c", 2, N("10")};
    vv[3] = (ddb_attr_t){":d", 2, S("x")};
    vv[4] = (ddb_attr_t){":l", 2, {.type = DDB_T_L, .u.list = {lv, 1}}};
    vv[5] = (ddb_attr_t){":s", 2, {.type = DDB_T_SS, .u.list = {sv, 1}}};
    ddb_value_t v = map(vv, 6);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ddb_value_t it = item();
        char before[512], after[512] = "";
        render(&it, before, sizeof before);
        expr_ctx_t ctx;
        expr_ctx_init(&ctx, A, NULL, &v);
        expr_update_t *u;
        ddb_error_t err = {0};
        int rc = expr_parse_update(&ctx, cases[i].expr, strlen(cases[i].expr), &u, &err);
        ddb_value_t out;
        if (!rc) rc = expr_apply_update(A, u, &it, &out, &err);
        if (cases[i].error) {
            CHECK(rc == DDB_ERR_VALIDATION);
            CHECK_STR(err.msg, cases[i].want);
        } else {
            CHECK(rc == 0);
            if (rc) fprintf(stderr, "  %s: %s\n", cases[i].expr, err.msg);
            if (!rc) render(&out, after, sizeof after);
            CHECK_STR(after, cases[i].want);
        }
        /* the old item is never modified */
        char again[512];
        render(&it, again, sizeof again);
        CHECK_STR(again, before);
    }
}

static void test_projection(void) {
    ddb_value_t it = item();
    static const struct {
        const char *expr, *want;
    } cases[] = {
        {"s, l[1], m.b", "{s:\"hello\",l:[\"x\"],m:{b:1}}"},
        {"l[1], l[0]", "{l:[1,\"x\"]}"},
        {"nope, m.nope", "{}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        expr_ctx_t ctx;
        expr_ctx_init(&ctx, A, NULL, NULL);
        expr_projection_t *p;
        ddb_error_t err;
        CHECK(expr_parse_projection(&ctx, cases[i].expr, strlen(cases[i].expr), &p, &err) == 0);
        ddb_value_t out;
        expr_project(A, p, &it, &out);
        char got[256];
        render(&out, got, sizeof got);
        CHECK_STR(got, cases[i].want);
    }
}

/* UPDATED_OLD / UPDATED_NEW: a projection of exactly the updated paths. */
static void test_updated_paths(void) {
    static const struct {
        const char *expr, *old_want, *new_want;
    } cases[] = {
        {"SET m.b = :a", "{m:{b:1}}", "{m:{b:5}}"},
        {"SET l[1] = :a", "{l:[\"x\"]}", "{l:[5]}"},
        {"SET l[9] = :a", "{}", "{}"}, /* appended at index 2: nothing at l[9] */
        {"REMOVE l[0]", "{l:[1]}", "{l:[\"x\"]}"},
        {"REMOVE m.b, s", "{s:\"hello\",m:{b:1}}", "{}"},
        {"ADD m.c :a", "{}", "{m:{c:5}}"},
    };
    static ddb_attr_t vv[1];
    vv[0] = (ddb_attr_t){":a", 2, N("5")};
    ddb_value_t v = map(vv, 1);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ddb_value_t it = item(), next, proj;
        expr_ctx_t ctx;
        expr_ctx_init(&ctx, A, NULL, &v);
        expr_update_t *u;
        ddb_error_t err = {0};
        CHECK(expr_parse_update(&ctx, cases[i].expr, strlen(cases[i].expr), &u, &err) == 0);
        CHECK(expr_apply_update(A, u, &it, &next, &err) == 0);
        expr_projection_t paths;
        expr_update_paths(A, u, &paths);
        char got[256];
        expr_project(A, &paths, &it, &proj);
        render(&proj, got, sizeof got);
        CHECK_STR(got, cases[i].old_want);
        expr_project(A, &paths, &next, &proj);
        render(&proj, got, sizeof got);
        CHECK_STR(got, cases[i].new_want);
    }
}

/* A list index at the very end of the text: the parser reads the index's
 * digits within the text's length, not up to a NUL that need not be there
 * (under ASan, strtol read past this exact-size buffer). */
static void test_index_at_end_of_text(void) {
    static const char *texts[] = {"l[1", "l[12", "a.b[3"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        size_t len = strlen(texts[i]);
        char *exact = malloc(len); /* no NUL after the text */
        memcpy(exact, texts[i], len);
        expr_ctx_t ctx;
        expr_ctx_init(&ctx, A, NULL, NULL);
        expr_projection_t *p;
        ddb_error_t err;
        CHECK(expr_parse_projection(&ctx, exact, len, &p, &err) == DDB_ERR_VALIDATION);
        free(exact);
    }
}

int main(void) {
    A = ddb_arena_create(0);
    test_index_at_end_of_text();
    test_truth();
    test_parse_errors();
    test_unused();
    test_updates();
    test_projection();
    test_updated_paths();
    ddb_arena_destroy(A);
    return check_summary();
}
