/* test_expr_key_multi.c: KeyConditionExpression on a multi-attribute index
 * key (what each accepted shape selects, the message of each refused one)
 * and the rule that a Query filter names no key attribute. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "query/expr_key_multi.h"

static ddb_arena_t *A;

static ddb_value_t S(const char *s) {
    return (ddb_value_t){.type = DDB_T_S, .u.str = {s, strlen(s)}};
}

static ddb_value_t N(const char *s) {
    return (ddb_value_t){.type = DDB_T_N, .u.str = {s, strlen(s)}};
}

static const expr_key_attr_t H[2] = {{"a", 1, DDB_T_S}, {"b", 1, DDB_T_N}};
static const expr_key_attr_t R[3] = {{"x", 1, DDB_T_S}, {"y", 1, DDB_T_N}, {"z", 1, DDB_T_S}};

static expr_node_t *parse(const char *text) {
    static ddb_attr_t vals[3];
    vals[0] = (ddb_attr_t){":s", 2, S("p")};
    vals[1] = (ddb_attr_t){":n", 2, N("1")};
    vals[2] = (ddb_attr_t){":t", 2, S("q")};
    ddb_value_t v = {.type = DDB_T_M, .u.map = {vals, 3}};
    expr_ctx_t ctx;
    expr_ctx_init(&ctx, A, NULL, &v);
    expr_node_t *c = NULL;
    ddb_error_t err;
    if (expr_parse_condition(&ctx, "KeyConditionExpression", text, strlen(text), &c, &err)) {
        fprintf(stderr, "  %s: %s\n", text, err.msg);
        return NULL;
    }
    return c;
}

static void test_accepted(void) {
    expr_key_multi_t k;
    ddb_error_t err;
    CHECK(expr_key_condition_multi(parse("b = :n AND a = :s"), H, 2, R, 3, &k, &err) == 0);
    CHECK(k.nhash == 2 && k.hash[0]->type == DDB_T_S && k.hash[1]->type == DDB_T_N);
    CHECK(k.neq == 0 && !k.lo && !k.hi && !k.prefix);
    CHECK(expr_key_condition_multi(parse("a = :s AND b = :n AND x = :s AND y > :n"), H, 2, R, 3, &k,
                                   &err) == 0);
    CHECK(k.neq == 1 && k.lo && !k.lo_incl && !k.hi);
    CHECK(expr_key_condition_multi(parse("a = :s AND b = :n AND x = :s AND y = :n AND z = :t"), H,
                                   2, R, 3, &k, &err) == 0);
    CHECK(k.neq == 3 && !k.lo && !k.hi);
    CHECK(expr_key_condition_multi(parse("a = :s AND b = :n AND begins_with(x, :t)"), H, 2, R, 3,
                                   &k, &err) == 0);
    CHECK(k.neq == 0 && k.prefix);
    CHECK(expr_key_condition_multi(parse("a = :s AND b = :n AND x = :s AND y BETWEEN :n AND :n"), H,
                                   2, R, 3, &k, &err) == 0);
    CHECK(k.neq == 1 && k.lo && k.hi && k.lo_incl && k.hi_incl);
}

static void test_refused(void) {
    static const struct {
        const char *expr, *msg;
    } cases[] = {
        {"a = :s", "Query condition missed key schema element: b"},
        {"a = :s AND b = :n AND y = :n", "Query condition missed key schema element: x"},
        {"a = :s AND b = :n AND x = :s AND z = :t", "Query condition missed key schema element: y"},
        {"a = :s AND b = :n AND x < :s AND y = :n",
         "Query key condition not supported: only the last sort key attribute in a condition may "
         "use an operator other than =; x is followed by y"},
        {"a = :s AND b < :n", "Query key condition not supported"},
        {"a = :s AND b = :s",
         "One or more parameter values were invalid: Condition parameter type does not match "
         "schema type"},
        {"a = :s AND b = :n AND x = :s AND y > :s",
         "One or more parameter values were invalid: Condition parameter type does not match "
         "schema type"},
        {"a = :s AND a = :s AND b = :n",
         "KeyConditionExpressions must only contain one condition per key"},
        {"a = :s AND b = :n AND x <> :s", "Invalid operator used in KeyConditionExpression: <>"},
        {"a = :s AND b = :n AND w = :s", "Query condition missed key schema element: x"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        expr_key_multi_t k;
        ddb_error_t err;
        expr_node_t *c = parse(cases[i].expr);
        CHECK(c != NULL);
        if (!c) continue;
        CHECK(expr_key_condition_multi(c, H, 2, R, 3, &k, &err) == DDB_ERR_VALIDATION);
        CHECK_STR(err.msg, cases[i].msg);
    }
}

static void test_filter_keys(void) {
    expr_key_attr_t all[5] = {H[0], H[1], R[0], R[1], R[2]};
    ddb_error_t err;
    CHECK(expr_filter_check_keys(parse("w = :s OR size(v) > :n"), all, 5, "Filter Expression",
                                 &err) == 0);
    CHECK(expr_filter_check_keys(parse("w = :s OR NOT (size(y) > :n)"), all, 5, "Filter Expression",
                                 &err) == DDB_ERR_VALIDATION);
    CHECK_STR(err.msg, "Filter Expression can only contain non-primary key attributes: Primary "
                       "key attribute: y");
    CHECK(expr_filter_check_keys(parse("w IN (:s, :t) AND attribute_exists(a)"), all, 5,
                                 "Filter Expression", &err) == DDB_ERR_VALIDATION);
    CHECK_STR(err.msg, "Filter Expression can only contain non-primary key attributes: Primary "
                       "key attribute: a");
}

int main(void) {
    A = ddb_arena_create(0);
    test_accepted();
    test_refused();
    test_filter_keys();
    ddb_arena_destroy(A);
    return check_summary();
}
