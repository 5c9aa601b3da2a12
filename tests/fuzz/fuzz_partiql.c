/* fuzz_partiql.c: libFuzzer target of the PartiQL parser and planner
 * (query/partiql.h).
 *
 * The input is a statement. It is parsed, and planned against a composite
 * table with an index and a hash-only table, with as many parameters as it
 * has ?s (of rotating types). Asserts what the server and ddbc rely on: no
 * crash or deep recursion on any input, an error always carries a message,
 * and every plan is a request ddbd's own JSON path accepts as it stands
 * (tests/unit/pq_check.h), printed by pq_plan_json as JSON that parses.
 * Aborts (a crash) on a violation. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query/partiql.h"
#include "tests/unit/pq_check.h"

#define REQUIRE(c)                                                                                 \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "fuzz_partiql: %s:%d: %s\n", __FILE__, __LINE__, #c);                  \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static const pq_index_t INDEXES[] = {
    {"gi1", {"g", DDB_T_S, NULL, DDB_T_NONE}},
    {"lsi1", {"pk", DDB_T_S, "d", DDB_T_N}},
};
static const pq_schema_t SCHEMAS[] = {
    {{"pk", DDB_T_S, "sk", DDB_T_N}, INDEXES, 2},
    {{"id", DDB_T_S, NULL, DDB_T_NONE}, NULL, 0},
};

static ddb_value_t S1 = {.type = DDB_T_S, .u.str = {"a", 1}};
static ddb_value_t N1 = {.type = DDB_T_N, .u.str = {"1", 1}};

/* The i-th parameter: S, N, SS, L, BOOL, NULL, B, M in turn. */
static ddb_value_t param(size_t i) {
    switch (i % 8) {
    case 0:
        return S1;
    case 1:
        return N1;
    case 2:
        return (ddb_value_t){.type = DDB_T_SS, .u.list = {&S1, 1}};
    case 3:
        return (ddb_value_t){.type = DDB_T_L, .u.list = {&N1, 1}};
    case 4:
        return (ddb_value_t){.type = DDB_T_BOOL, .u.boolean = true};
    case 5:
        return (ddb_value_t){.type = DDB_T_NULL, .u.boolean = true};
    case 6:
        return (ddb_value_t){.type = DDB_T_B, .u.str = {"\x00\xff", 2}};
    default:
        return (ddb_value_t){.type = DDB_T_M};
    }
}

static void check_plan(ddb_arena_t *a, const pq_schema_t *s, const pq_plan_t *p) {
    ddb_error_t err;
    const char *bad = pq_check_plan(a, s, p, &err);
    /* the planner applies the statement's 8 KB where an expression may
     * have 4 KB (DynamoDB's PartiQL has no such limit of its own) */
    if (bad && strstr(err.msg, "Expression size has exceeded")) bad = NULL;
    if (bad) fprintf(stderr, "fuzz_partiql: %s refused: %s\n", bad, err.msg);
    REQUIRE(bad == NULL);
    char *j = pq_plan_json(p);
    REQUIRE(j != NULL);
    cJSON *t = cJSON_Parse(j);
    REQUIRE(t != NULL);
    cJSON_Delete(t);
    free(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ddb_arena_t *a = ddb_arena_create(0);
    pq_stmt_t *st;
    ddb_error_t err;
    size_t pos = SIZE_MAX;
    if (pq_parse_at((const char *)data, size, a, &st, &pos, &err)) {
        REQUIRE(err.code == DDB_ERR_VALIDATION && err.msg[0]);
        REQUIRE(pos == SIZE_MAX || pos <= size);
        ddb_arena_destroy(a);
        return 0;
    }
    size_t n = st->nparams;
    ddb_value_t *params = ddb_arena_alloc(a, (n ? n : 1) * sizeof *params);
    for (size_t i = 0; i < n; i++)
        params[i] = param(i);
    for (size_t k = 0; k < sizeof SCHEMAS / sizeof SCHEMAS[0]; k++) {
        pq_plan_t *p;
        if (pq_plan(st, &SCHEMAS[k], params, n, a, &p, &err)) {
            REQUIRE(err.code == DDB_ERR_VALIDATION && err.msg[0]);
            continue;
        }
        check_plan(a, &SCHEMAS[k], p);
        pq_plan_free(p);
    }
    ddb_arena_destroy(a);
    return 0;
}
