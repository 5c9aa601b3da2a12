/* test_partiql_plan.c: unit tests of query/partiql.h's planner — the exact
 * DynamoDB request (and operation) for representative statements, each
 * checked to be one ddbd's expression parser accepts (pq_check.h), every
 * refusal with its message, and parameter binding. Messages marked "AWS" are DynamoDB's
 * own (pinned against real DynamoDB by a public conformance suite), "Local"
 * are what AWS DynamoDB Local 2.x answered to ExecuteStatement; the rest are
 * ddb's where neither says (noted beside them). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "pq_check.h"
#include "query/partiql.h"

static const pq_index_t INDEXES[] = {
    {"gi1", {"g", DDB_T_S, NULL, DDB_T_NONE}},
    {"lsi1", {"pk", DDB_T_S, "d", DDB_T_S}},
};
/* "tt1": pk (S) + sk (N), a GSI on g and an LSI on d; "hh1": id (S) only */
static const pq_schema_t COMPOSITE = {{"pk", DDB_T_S, "sk", DDB_T_N}, INDEXES, 2};
static const pq_schema_t HASH = {{"id", DDB_T_S, NULL, DDB_T_NONE}, NULL, 0};

/* Parameters the statements with ? get, in order. */
static const ddb_value_t PARAMS[] = {
    {.type = DDB_T_S, .u.str = {"p1", 2}},
    {.type = DDB_T_N, .u.str = {"7", 1}},
};

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

/* The plan of s as pq_plan_json prints it (malloc'ed), or NULL with err. */
static char *plan(const pq_schema_t *schema, const char *s, const ddb_value_t *params, size_t n,
                  pq_op_t *op, ddb_error_t *err) {
    pq_stmt_t *st;
    if (pq_parse(s, strlen(s), A, &st, err)) return NULL;
    pq_plan_t *p;
    if (pq_plan(st, schema, params, n, A, &p, err)) return NULL;
    *op = p->op;
    /* every plan is a request ddbd's own expression parser accepts */
    ddb_error_t e2;
    const char *bad = pq_check_plan(A, schema, p, &e2);
    if (bad) fprintf(stderr, "%s: the plan's %s is refused: %s\n", s, bad, e2.msg);
    CHECK(bad == NULL);
    char *j = pq_plan_json(p);
    pq_plan_free(p);
    return j;
}

/* Plans: the operation and the exact request for each statement. */
static const struct {
    const pq_schema_t *schema;
    const char *stmt;
    pq_op_t op;
    const char *json;
} PLANS[] = {
    {&COMPOSITE, "SELECT * FROM \"tt1\"", PQ_OP_SCAN,
     "{\"Operation\":\"Scan\",\"Request\":{\"TableName\":\"tt1\"}}"},
    {&COMPOSITE, "SELECT * FROM \"tt1\" WHERE pk = 'a'", PQ_OP_QUERY,
     "{\"Operation\":\"Query\",\"Request\":{\"TableName\":\"tt1\",\"KeyConditionExpression\":\"#n0 "
     "= "
     ":v0\",\"ExpressionAttributeNames\":{\"#n0\":\"pk\"},\"ExpressionAttributeValues\":{\":v0\":{"
     "\"S\":\"a\"}}}}"},
    {&COMPOSITE, "select * from \"tt1\" where 'a' = pk", PQ_OP_QUERY,
     "{\"Operation\":\"Query\",\"Request\":{\"TableName\":\"tt1\",\"KeyConditionExpression\":\"#n0 "
     "= "
     ":v0\",\"ExpressionAttributeNames\":{\"#n0\":\"pk\"},\"ExpressionAttributeValues\":{\":v0\":{"
     "\"S\":\"a\"}}}}"},
    {&COMPOSITE, "SELECT * FROM \"tt1\" WHERE pk = 'a' AND sk = 1", PQ_OP_GET_ITEM,
     "{\"Operation\":\"GetItem\",\"Request\":{\"TableName\":\"tt1\",\"Key\":{\"pk\":{\"S\":\"a\"},"
     "\"sk\":{\"N\":\"1\"}}}}"},
    {&HASH, "SELECT * FROM \"hh1\" WHERE id = 'a'", PQ_OP_GET_ITEM,
     "{\"Operation\":\"GetItem\",\"Request\":{\"TableName\":\"hh1\",\"Key\":{\"id\":{\"S\":\"a\"}}}"
     "}"},
    {&HASH, "SELECT id, \"x y\", m.a[2] FROM \"hh1\" WHERE id = 'a'", PQ_OP_GET_ITEM,
     "{\"Operation\":\"GetItem\",\"Request\":{\"TableName\":\"hh1\",\"Key\":{\"id\":{\"S\":\"a\"}},"
     "\"ProjectionExpression\":\"#n0, #n1, "
     "#n2.#n3[2]\",\"ExpressionAttributeNames\":{\"#n0\":\"id\",\"#n1\":\"x "
     "y\",\"#n2\":\"m\",\"#n3\":\"a\"}}}"},
    {&COMPOSITE, "SELECT * FROM \"tt1\" WHERE pk = 'a' AND sk = 1 AND x = 2", PQ_OP_QUERY,
     "{\"Operation\":\"Query\",\"Request\":{\"TableName\":\"tt1\",\"KeyConditionExpression\":\"#n0 "
     "= :v0 AND #n1 = :v1\",\"FilterExpression\":\"#n2 = "
     ":v2\",\"ExpressionAttributeNames\":{\"#n0\":\"pk\",\"#n1\":\"sk\",\"#n2\":\"x\"},"
     "\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"a\"},\":v1\":{\"N\":\"1\"},\":v2\":{\"N\":"
     "\"2\"}}}}"},
    {&COMPOSITE, "SELECT * FROM \"tt1\" WHERE pk = 'a' AND sk > 1", PQ_OP_QUERY,
     "{\"Operation\":\"Query\",\"Request\":{\"TableName\":\"tt1\",\"KeyConditionExpression\":\"#n0 "
     "= :v0 AND #n1 > "
     ":v1\",\"ExpressionAttributeNames\":{\"#n0\":\"pk\",\"#n1\":\"sk\"},"
     "\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"a\"},\":v1\":{\"N\":\"1\"}}}}"},
    {&COMPOSITE, "SELECT * FROM \"tt1\" WHERE pk = 'a' AND 5 >= sk", PQ_OP_QUERY,
     "{\"Operation\":\"Query\",\"Request\":{\"TableName\":\"tt1\",\"KeyConditionExpression\":\"#n0 "
     "= :v0 AND #n1 <= "
     ":v1\",\"ExpressionAttributeNames\":{\"#n0\":\"pk\",\"#n1\":\"sk\"},"
     "\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"a\"},\":v1\":{\"N\":\"5\"}}}}"},
    {&COMPOSITE, "SELECT * FROM \"tt1\" WHERE pk = 'a' AND sk BETWEEN 1 AND 5", PQ_OP_QUERY,
     "{\"Operation\":\"Query\",\"Request\":{\"TableName\":\"tt1\",\"KeyConditionExpression\":\"#n0 "
     "= :v0 AND #n1 BETWEEN :v1 AND "
     ":v2\",\"ExpressionAttributeNames\":{\"#n0\":\"pk\",\"#n1\":\"sk\"},"
     "\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"a\"},\":v1\":{\"N\":\"1\"},\":v2\":{\"N\":"
     "\"5\"}}}}"},
    {&COMPOSITE, "SELECT * FROM \"tt1\".\"lsi1\" WHERE pk = 'a' AND begins_with(d, 'x')",
     PQ_OP_QUERY,
     "{\"Operation\":\"Query\",\"Request\":{\"TableName\":\"tt1\",\"IndexName\":\"lsi1\","
     "\"KeyConditionExpression\":\"#n0 = :v0 AND begins_with(#n1, "
     ":v1)\",\"ExpressionAttributeNames\":{\"#n0\":\"pk\",\"#n1\":\"d\"},"
     "\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"a\"},\":v1\":{\"S\":\"x\"}}}}"},
    {&COMPOSITE, "SELECT * FROM \"tt1\" WHERE pk = 'a' AND sk <> 1", PQ_OP_QUERY,
     "{\"Operation\":\"Query\",\"Request\":{\"TableName\":\"tt1\",\"KeyConditionExpression\":\"#n0 "
     "= :v0\",\"FilterExpression\":\"#n1 <> "
     ":v1\",\"ExpressionAttributeNames\":{\"#n0\":\"pk\",\"#n1\":\"sk\"},"
     "\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"a\"},\":v1\":{\"N\":\"1\"}}}}"},
    {&COMPOSITE, "SELECT * FROM \"tt1\" WHERE pk = 'a' AND sk > 1 AND sk < 9", PQ_OP_QUERY,
     "{\"Operation\":\"Query\",\"Request\":{\"TableName\":\"tt1\",\"KeyConditionExpression\":\"#n0 "
     "= :v0 AND #n1 > :v1\",\"FilterExpression\":\"#n1 < "
     ":v2\",\"ExpressionAttributeNames\":{\"#n0\":\"pk\",\"#n1\":\"sk\"},"
     "\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"a\"},\":v1\":{\"N\":\"1\"},\":v2\":{\"N\":"
     "\"9\"}}}}"},
    {&COMPOSITE, "SELECT * FROM \"tt1\" WHERE pk = 'a' ORDER BY sk DESC", PQ_OP_QUERY,
     "{\"Operation\":\"Query\",\"Request\":{\"TableName\":\"tt1\",\"KeyConditionExpression\":\"#n0 "
     "= "
     ":v0\",\"ExpressionAttributeNames\":{\"#n0\":\"pk\"},\"ExpressionAttributeValues\":{\":v0\":{"
     "\"S\":\"a\"}},\"ScanIndexForward\":false}}"},
    {&COMPOSITE, "SELECT * FROM \"tt1\" WHERE pk = 'a' ORDER BY pk, sk ASC", PQ_OP_QUERY,
     "{\"Operation\":\"Query\",\"Request\":{\"TableName\":\"tt1\",\"KeyConditionExpression\":\"#n0 "
     "= "
     ":v0\",\"ExpressionAttributeNames\":{\"#n0\":\"pk\"},\"ExpressionAttributeValues\":{\":v0\":{"
     "\"S\":\"a\"}}}}"},
    {&COMPOSITE, "SELECT * FROM \"tt1\" WHERE pk IN ['a', 'b'] AND x = 1", PQ_OP_QUERY,
     "{\"Operation\":\"Query\",\"Requests\":[{\"TableName\":\"tt1\",\"KeyConditionExpression\":\"#"
     "n0 = :v0\",\"FilterExpression\":\"#n1 = "
     ":v1\",\"ExpressionAttributeNames\":{\"#n0\":\"pk\",\"#n1\":\"x\"},"
     "\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"a\"},\":v1\":{\"N\":\"1\"}}},{\"TableName\":"
     "\"tt1\",\"KeyConditionExpression\":\"#n0 = :v0\",\"FilterExpression\":\"#n1 = "
     ":v1\",\"ExpressionAttributeNames\":{\"#n0\":\"pk\",\"#n1\":\"x\"},"
     "\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"b\"},\":v1\":{\"N\":\"1\"}}}]}"},
    {&COMPOSITE, "SELECT * FROM \"tt1\" WHERE pk = 'a' OR pk = 'b'", PQ_OP_QUERY,
     "{\"Operation\":\"Query\",\"Requests\":[{\"TableName\":\"tt1\",\"KeyConditionExpression\":\"#"
     "n0 = "
     ":v0\",\"ExpressionAttributeNames\":{\"#n0\":\"pk\"},\"ExpressionAttributeValues\":{\":v0\":{"
     "\"S\":\"a\"}}},{\"TableName\":\"tt1\",\"KeyConditionExpression\":\"#n0 = "
     ":v0\",\"ExpressionAttributeNames\":{\"#n0\":\"pk\"},\"ExpressionAttributeValues\":{\":v0\":{"
     "\"S\":\"b\"}}}]}"},
    {&COMPOSITE, "SELECT * FROM \"tt1\" WHERE pk = 'a' OR x = 1", PQ_OP_SCAN,
     "{\"Operation\":\"Scan\",\"Request\":{\"TableName\":\"tt1\",\"FilterExpression\":\"#n0 = :v0 "
     "OR #n1 = "
     ":v1\",\"ExpressionAttributeNames\":{\"#n0\":\"pk\",\"#n1\":\"x\"},"
     "\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"a\"},\":v1\":{\"N\":\"1\"}}}}"},
    {&COMPOSITE, "SELECT * FROM \"tt1\" WHERE pk > 'a'", PQ_OP_SCAN,
     "{\"Operation\":\"Scan\",\"Request\":{\"TableName\":\"tt1\",\"FilterExpression\":\"#n0 > "
     ":v0\",\"ExpressionAttributeNames\":{\"#n0\":\"pk\"},\"ExpressionAttributeValues\":{\":v0\":{"
     "\"S\":\"a\"}}}}"},
    {&COMPOSITE, "SELECT * FROM \"tt1\" WHERE x = 1 AND (y = 2 OR NOT z < 3)", PQ_OP_SCAN,
     "{\"Operation\":\"Scan\",\"Request\":{\"TableName\":\"tt1\",\"FilterExpression\":\"#n0 = :v0 "
     "AND (#n1 = :v1 OR NOT #n2 < "
     ":v2)\",\"ExpressionAttributeNames\":{\"#n0\":\"x\",\"#n1\":\"y\",\"#n2\":\"z\"},"
     "\"ExpressionAttributeValues\":{\":v0\":{\"N\":\"1\"},\":v1\":{\"N\":\"2\"},\":v2\":{\"N\":"
     "\"3\"}}}}"},
    {&COMPOSITE, "SELECT * FROM \"tt1\" WHERE NOT (x = 1 AND y = 2)", PQ_OP_SCAN,
     "{\"Operation\":\"Scan\",\"Request\":{\"TableName\":\"tt1\",\"FilterExpression\":\"NOT (#n0 = "
     ":v0 AND #n1 = "
     ":v1)\",\"ExpressionAttributeNames\":{\"#n0\":\"x\",\"#n1\":\"y\"},"
     "\"ExpressionAttributeValues\":{\":v0\":{\"N\":\"1\"},\":v1\":{\"N\":\"2\"}}}}"},
    {&COMPOSITE, "SELECT * FROM \"tt1\" WHERE x NOT BETWEEN 1 AND 2 OR y NOT IN [1]", PQ_OP_SCAN,
     "{\"Operation\":\"Scan\",\"Request\":{\"TableName\":\"tt1\",\"FilterExpression\":\"NOT #n0 "
     "BETWEEN :v0 AND :v1 OR NOT #n1 IN "
     "(:v2)\",\"ExpressionAttributeNames\":{\"#n0\":\"x\",\"#n1\":\"y\"},"
     "\"ExpressionAttributeValues\":{\":v0\":{\"N\":\"1\"},\":v1\":{\"N\":\"2\"},\":v2\":{\"N\":"
     "\"1\"}}}}"},
    {&COMPOSITE, "SELECT * FROM \"tt1\" WHERE x IS NULL OR y IS NOT MISSING", PQ_OP_SCAN,
     "{\"Operation\":\"Scan\",\"Request\":{\"TableName\":\"tt1\",\"FilterExpression\":\"attribute_"
     "type(#n0, :v0) OR "
     "attribute_exists(#n1)\",\"ExpressionAttributeNames\":{\"#n0\":\"x\",\"#n1\":\"y\"},"
     "\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"NULL\"}}}}"},
    {&COMPOSITE, "SELECT * FROM \"tt1\" WHERE contains(tags, 'red') AND size(tags) >= 2",
     PQ_OP_SCAN,
     "{\"Operation\":\"Scan\",\"Request\":{\"TableName\":\"tt1\",\"FilterExpression\":\"contains(#"
     "n0, :v0) AND size(#n0) >= "
     ":v1\",\"ExpressionAttributeNames\":{\"#n0\":\"tags\"},\"ExpressionAttributeValues\":{\":v0\":"
     "{\"S\":\"red\"},\":v1\":{\"N\":\"2\"}}}}"},
    {&COMPOSITE, "SELECT * FROM \"tt1\" WHERE attribute_type(x, 'SS')", PQ_OP_SCAN,
     "{\"Operation\":\"Scan\",\"Request\":{\"TableName\":\"tt1\",\"FilterExpression\":\"attribute_"
     "type(#n0, "
     ":v0)\",\"ExpressionAttributeNames\":{\"#n0\":\"x\"},\"ExpressionAttributeValues\":{\":v0\":{"
     "\"S\":\"SS\"}}}}"},
    {&COMPOSITE, "SELECT * FROM \"tt1\".\"gi1\" WHERE g = 'x'", PQ_OP_QUERY,
     "{\"Operation\":\"Query\",\"Request\":{\"TableName\":\"tt1\",\"IndexName\":\"gi1\","
     "\"KeyConditionExpression\":\"#n0 = "
     ":v0\",\"ExpressionAttributeNames\":{\"#n0\":\"g\"},\"ExpressionAttributeValues\":{\":v0\":{"
     "\"S\":\"x\"}}}}"},
    {&COMPOSITE, "SELECT * FROM \"tt1\".\"gi1\" WHERE x = 1", PQ_OP_SCAN,
     "{\"Operation\":\"Scan\",\"Request\":{\"TableName\":\"tt1\",\"IndexName\":\"gi1\","
     "\"FilterExpression\":\"#n0 = "
     ":v0\",\"ExpressionAttributeNames\":{\"#n0\":\"x\"},\"ExpressionAttributeValues\":{\":v0\":{"
     "\"N\":\"1\"}}}}"},
    {&COMPOSITE, "SELECT * FROM \"tt1\".\"lsi1\" WHERE pk = 'a' AND d < 'm' ORDER BY d DESC",
     PQ_OP_QUERY,
     "{\"Operation\":\"Query\",\"Request\":{\"TableName\":\"tt1\",\"IndexName\":\"lsi1\","
     "\"KeyConditionExpression\":\"#n0 = :v0 AND #n1 < "
     ":v1\",\"ExpressionAttributeNames\":{\"#n0\":\"pk\",\"#n1\":\"d\"},"
     "\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"a\"},\":v1\":{\"S\":\"m\"}},"
     "\"ScanIndexForward\":false}}"},
    {&COMPOSITE, "SELECT * FROM \"tt1\" WHERE x = <<'a', 'b'>> AND y = [1, 'x', {'k': NULL}]",
     PQ_OP_SCAN,
     "{\"Operation\":\"Scan\",\"Request\":{\"TableName\":\"tt1\",\"FilterExpression\":\"#n0 = :v0 "
     "AND #n1 = "
     ":v1\",\"ExpressionAttributeNames\":{\"#n0\":\"x\",\"#n1\":\"y\"},"
     "\"ExpressionAttributeValues\":{\":v0\":{\"SS\":[\"a\",\"b\"]},\":v1\":{\"L\":[{\"N\":\"1\"},{"
     "\"S\":\"x\"},{\"M\":{\"k\":{\"NULL\":true}}}]}}}}"},
    {&COMPOSITE, "SELECT * FROM \"tt1\" WHERE pk = ? AND sk = ?", PQ_OP_GET_ITEM,
     "{\"Operation\":\"GetItem\",\"Request\":{\"TableName\":\"tt1\",\"Key\":{\"pk\":{\"S\":\"p1\"},"
     "\"sk\":{\"N\":\"7\"}}}}"},
    {&COMPOSITE, "SELECT * FROM \"tt1\" WHERE pk IN [?, 'z']", PQ_OP_QUERY,
     "{\"Operation\":\"Query\",\"Requests\":[{\"TableName\":\"tt1\",\"KeyConditionExpression\":\"#"
     "n0 = "
     ":v0\",\"ExpressionAttributeNames\":{\"#n0\":\"pk\"},\"ExpressionAttributeValues\":{\":v0\":{"
     "\"S\":\"p1\"}}},{\"TableName\":\"tt1\",\"KeyConditionExpression\":\"#n0 = "
     ":v0\",\"ExpressionAttributeNames\":{\"#n0\":\"pk\"},\"ExpressionAttributeValues\":{\":v0\":{"
     "\"S\":\"z\"}}}]}"},
    {&COMPOSITE,
     "INSERT INTO \"tt1\" VALUE {'pk': 'a', 'sk': 1, 'tags': <<'x'>>, 'm': {'n': [1.50, TRUE]}}",
     PQ_OP_PUT_ITEM,
     "{\"Operation\":\"PutItem\",\"Request\":{\"TableName\":\"tt1\",\"Item\":{\"pk\":{\"S\":\"a\"},"
     "\"sk\":{\"N\":\"1\"},\"tags\":{\"SS\":[\"x\"]},\"m\":{\"M\":{\"n\":{\"L\":[{\"N\":\"1.5\"},{"
     "\"BOOL\":true}]}}}},\"ConditionExpression\":\"attribute_not_exists(#n0)\","
     "\"ExpressionAttributeNames\":{\"#n0\":\"pk\"}}}"},
    {&COMPOSITE, "INSERT INTO \"tt1\" VALUE {'pk': ?, 'sk': ?}", PQ_OP_PUT_ITEM,
     "{\"Operation\":\"PutItem\",\"Request\":{\"TableName\":\"tt1\",\"Item\":{\"pk\":{\"S\":\"p1\"}"
     ",\"sk\":{\"N\":\"7\"}},\"ConditionExpression\":\"attribute_not_exists(#n0)\","
     "\"ExpressionAttributeNames\":{\"#n0\":\"pk\"}}}"},
    {&COMPOSITE,
     "UPDATE \"tt1\" SET x = 1, y = y + 2 SET z = if_not_exists(z, 0) - 1 REMOVE w REMOVE l[0] "
     "WHERE pk "
     "= 'a' AND sk = 1",
     PQ_OP_UPDATE_ITEM,
     "{\"Operation\":\"UpdateItem\",\"Request\":{\"TableName\":\"tt1\",\"Key\":{\"pk\":{\"S\":"
     "\"a\"},\"sk\":{\"N\":\"1\"}},\"UpdateExpression\":\"SET #n0 = :v0, #n1 = #n1 + :v1, #n2 = "
     "if_not_exists(#n2, :v2) - :v3 REMOVE #n3, "
     "#n4[0]\",\"ConditionExpression\":\"attribute_exists(#n5)\",\"ExpressionAttributeNames\":{\"#"
     "n0\":\"x\",\"#n1\":\"y\",\"#n2\":\"z\",\"#n3\":\"w\",\"#n4\":\"l\",\"#n5\":\"pk\"},"
     "\"ExpressionAttributeValues\":{\":v0\":{\"N\":\"1\"},\":v1\":{\"N\":\"2\"},\":v2\":{\"N\":"
     "\"0\"},\":v3\":{\"N\":\"1\"}}}}"},
    {&COMPOSITE,
     "UPDATE \"tt1\" SET l = list_append(l, [1]), s = set_add(s, <<'a'>>), t = set_delete(t, "
     "<<2>>) WHERE sk = 1 AND pk = 'a' RETURNING ALL NEW *",
     PQ_OP_UPDATE_ITEM,
     "{\"Operation\":\"UpdateItem\",\"Request\":{\"TableName\":\"tt1\",\"Key\":{\"pk\":{\"S\":"
     "\"a\"},\"sk\":{\"N\":\"1\"}},\"UpdateExpression\":\"SET #n0 = list_append(#n0, :v0) ADD #n1 "
     ":v1 DELETE #n2 "
     ":v2\",\"ConditionExpression\":\"attribute_exists(#n3)\",\"ExpressionAttributeNames\":{\"#"
     "n0\":\"l\",\"#n1\":\"s\",\"#n2\":\"t\",\"#n3\":\"pk\"},\"ExpressionAttributeValues\":{\":"
     "v0\":{\"L\":[{\"N\":\"1\"}]},\":v1\":{\"SS\":[\"a\"]},\":v2\":{\"NS\":[\"2\"]}},"
     "\"ReturnValues\":\"ALL_NEW\"}}"},
    {&COMPOSITE,
     "UPDATE \"tt1\" SET x = 1 WHERE pk = 'a' AND sk = 1 AND (y = 1 OR y = 2) RETURNING MODIFIED "
     "OLD *",
     PQ_OP_UPDATE_ITEM,
     "{\"Operation\":\"UpdateItem\",\"Request\":{\"TableName\":\"tt1\",\"Key\":{\"pk\":{\"S\":"
     "\"a\"},\"sk\":{\"N\":\"1\"}},\"UpdateExpression\":\"SET #n0 = "
     ":v0\",\"ConditionExpression\":\"attribute_exists(#n1) AND (#n2 = :v1 OR #n2 = "
     ":v2)\",\"ExpressionAttributeNames\":{\"#n0\":\"x\",\"#n1\":\"pk\",\"#n2\":\"y\"},"
     "\"ExpressionAttributeValues\":{\":v0\":{\"N\":\"1\"},\":v1\":{\"N\":\"1\"},\":v2\":{\"N\":"
     "\"2\"}},\"ReturnValues\":\"UPDATED_OLD\"}}"},
    {&HASH, "UPDATE \"hh1\" REMOVE a.b WHERE id = 'a' RETURNING MODIFIED NEW *", PQ_OP_UPDATE_ITEM,
     "{\"Operation\":\"UpdateItem\",\"Request\":{\"TableName\":\"hh1\",\"Key\":{\"id\":{\"S\":"
     "\"a\"}},\"UpdateExpression\":\"REMOVE "
     "#n0.#n1\",\"ConditionExpression\":\"attribute_exists(#n2)\",\"ExpressionAttributeNames\":{\"#"
     "n0\":\"a\",\"#n1\":\"b\",\"#n2\":\"id\"},\"ReturnValues\":\"UPDATED_NEW\"}}"},
    {&HASH, "UPDATE \"hh1\" SET a = 1 WHERE id = 'a' RETURNING ALL OLD *", PQ_OP_UPDATE_ITEM,
     "{\"Operation\":\"UpdateItem\",\"Request\":{\"TableName\":\"hh1\",\"Key\":{\"id\":{\"S\":"
     "\"a\"}},\"UpdateExpression\":\"SET #n0 = "
     ":v0\",\"ConditionExpression\":\"attribute_exists(#n1)\",\"ExpressionAttributeNames\":{\"#"
     "n0\":\"a\",\"#n1\":\"id\"},\"ExpressionAttributeValues\":{\":v0\":{\"N\":\"1\"}},"
     "\"ReturnValues\":\"ALL_OLD\"}}"},
    {&COMPOSITE, "DELETE FROM \"tt1\" WHERE pk = 'a' AND sk = 1", PQ_OP_DELETE_ITEM,
     "{\"Operation\":\"DeleteItem\",\"Request\":{\"TableName\":\"tt1\",\"Key\":{\"pk\":{\"S\":"
     "\"a\"},\"sk\":{\"N\":\"1\"}}}}"},
    {&COMPOSITE,
     "DELETE FROM \"tt1\" WHERE pk = 'a' AND sk = 1 AND x IS MISSING RETURNING ALL OLD *",
     PQ_OP_DELETE_ITEM,
     "{\"Operation\":\"DeleteItem\",\"Request\":{\"TableName\":\"tt1\",\"Key\":{\"pk\":{\"S\":"
     "\"a\"},\"sk\":{\"N\":\"1\"}},\"ConditionExpression\":\"attribute_not_exists(#n0)\","
     "\"ExpressionAttributeNames\":{\"#n0\":\"x\"},\"ReturnValues\":\"ALL_OLD\"}}"},
    {&HASH, "EXISTS(SELECT * FROM \"hh1\" WHERE id = 'a' AND n > 0)", PQ_OP_CONDITION_CHECK,
     "{\"Operation\":\"ConditionCheck\",\"Request\":{\"TableName\":\"hh1\",\"Key\":{\"id\":{\"S\":"
     "\"a\"}},\"ConditionExpression\":\"attribute_exists(#n0) AND #n1 > "
     ":v0\",\"ExpressionAttributeNames\":{\"#n0\":\"id\",\"#n1\":\"n\"},"
     "\"ExpressionAttributeValues\":{\":v0\":{\"N\":\"0\"}}}}"},
};

static void test_plans(void) {
    for (size_t i = 0; i < sizeof PLANS / sizeof PLANS[0]; i++) {
        ddb_error_t err = {0};
        pq_op_t op = (pq_op_t)-1;
        pq_stmt_t *st;
        const char *s = PLANS[i].stmt;
        size_t np = pq_parse(s, strlen(s), A, &st, &err) == 0 ? st->nparams : 0;
        char *j = plan(PLANS[i].schema, s, PARAMS, np, &op, &err);
        if (!j) fprintf(stderr, "%s: %s\n", s, err.msg);
        CHECK(op == PLANS[i].op);
        CHECK_STR(j, PLANS[i].json);
        free(j);
    }
}

static void test_in_or_repeats(void) {
    /* Local: OR names an item once, IN as often as it is listed */
    ddb_error_t err;
    pq_op_t op;
    char *j = plan(&HASH, "SELECT * FROM \"hh1\" WHERE id = 'd1' OR id = 'd1' OR id = 'd2'", NULL,
                   0, &op, &err);
    CHECK(op == PQ_OP_QUERY);
    const char *want =
        "{\"Operation\":\"Query\",\"Requests\":[{\"TableName\":\"hh1\","
        "\"KeyConditionExpression\":\"#n0 = :v0\",\"ExpressionAttributeNames\":{\"#n0\":\"id\"},"
        "\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"d1\"}}},{\"TableName\":\"hh1\","
        "\"KeyConditionExpression\":\"#n0 = :v0\",\"ExpressionAttributeNames\":{\"#n0\":\"id\"},"
        "\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"d2\"}}}]}";
    CHECK_STR(j, want);
    free(j);
    j = plan(&HASH, "SELECT * FROM \"hh1\" WHERE id IN ['d1', 'd1']", NULL, 0, &op, &err);
    CHECK(j && strstr(j, "\"Requests\":[{") && strstr(strstr(j, "d1") + 2, "d1"));
    free(j);
}

/* The planner's refusals. AWS: the number messages with "under root...",
 * set_add/set_delete's, attribute_exists's operand messages, Unrecognized
 * function ... at, Unsupported data type ... under key root, Empty bags,
 * Input collection [..] contains duplicates, EXISTS() must contain...
 * Local: the ORDER BY, key type, key presence, index, RETURNING, MISSING,
 * WHERE boolean, IN, bag type, Condition Expression operator, function not
 * allowed, Duplicate keys in tuple, Unsupported format, Multiple conditions
 * and mandatory equality messages. */
static const struct {
    const pq_schema_t *schema;
    const char *stmt;
    const char *msg;
} PLAN_ERRORS[] = {
    {&COMPOSITE, "SELECT * FROM \"tt1\" WHERE pk = 'a' ORDER BY x",
     "Variable reference x in ORDER BY clause must be part of the primary key"},
    {&COMPOSITE, "SELECT * FROM \"tt1\" ORDER BY sk",
     "Must have WHERE clause in the statement when using ORDER BY clause."},
    {&COMPOSITE, "SELECT * FROM \"tt1\" WHERE x = 'a' ORDER BY sk",
     "Must have at least one non-optional hash key condition in WHERE clause when using ORDER BY "
     "clause."},
    {&COMPOSITE, "SELECT * FROM \"tt1\".\"gi1\" WHERE g = 'x' ORDER BY sk",
     "Variable reference sk in ORDER BY clause must be part of the primary key"},
    {&COMPOSITE, "SELECT * FROM \"tt1\".\"nosuch\" WHERE g = 'x'",
     "The table does not have the specified index: nosuch"},
    {&COMPOSITE, "SELECT * FROM \"tt1\" WHERE pk = 1",
     "Key attribute's data type should match its data type in table's schema: Key pk"},
    {&COMPOSITE, "SELECT * FROM \"tt1\" WHERE pk = 'a' AND sk = 'x'",
     "Key attribute's data type should match its data type in table's schema: Key sk"},
    {&COMPOSITE, "SELECT * FROM \"tt1\" WHERE pk = 'a' AND sk > 'x'",
     "Key attribute's data type should match its data type in table's schema: Key sk"},
    {&COMPOSITE, "SELECT * FROM \"tt1\" WHERE x = MISSING",
     "MISSING must be compared using IS operator"},
    {&COMPOSITE, "SELECT * FROM \"tt1\" WHERE x",
     "WHERE clause must contain an expression that resolves to a boolean"},
    {&COMPOSITE, "SELECT * FROM \"tt1\" WHERE size(x)",
     "WHERE clause must contain an expression that resolves to a boolean"},
    {&COMPOSITE, "SELECT * FROM \"tt1\" WHERE x = y + 1",
     "Unsupported operator in Condition Expression. Operator: +"},
    {&COMPOSITE, "SELECT * FROM \"tt1\" WHERE x = <<>>", "Empty bags are not supported at 1:31:2"},
    {&COMPOSITE, "SELECT * FROM \"tt1\" WHERE x = <<1, 'a'>>",
     "Unsupported data type in Bag. DynamoDB only supports either numbers or strings in bags"},
    {&COMPOSITE, "SELECT * FROM \"tt1\" WHERE x = <<'x', 'x'>>",
     "One or more parameter values were invalid: Input collection [x, x] contains duplicates."},
    {&COMPOSITE, "SELECT * FROM \"tt1\" WHERE x IN []",
     "IN operator must have a left hand argument of type Variable Reference and right hand "
     "argument of type Seq with at least one member"},
    {&COMPOSITE, "SELECT * FROM \"tt1\" WHERE x IN ?",
     "IN operator must have a left hand argument of type Variable Reference and right hand "
     "argument of type Seq with at least one member"},
    {&COMPOSITE, "SELECT * FROM \"tt1\" WHERE nosuchfn(x)",
     "Unrecognized function: nosuchfn at 1:27:8"},
    {&COMPOSITE, "SELECT * FROM \"tt1\" WHERE pk = 'a' AND EXISTS(ss)",
     "Unrecognized function: exists at 1:40:6"},
    {&COMPOSITE, "SELECT * FROM \"tt1\" WHERE set_add(ss, <<'x'>>) = ss",
     "Unrecognized function: set_add at 1:27:7"},
    {&COMPOSITE, "SELECT * FROM \"tt1\" WHERE list_append(x, y) = 1",
     "The function is not allowed in a condition expression; function: list_append"},
    {&COMPOSITE, "SELECT * FROM \"tt1\" WHERE begins_with(x)",
     "Incorrect number of operands for operator or function; operator or function: begins_with, "
     "number of operands: 1"},
    {&COMPOSITE, "SELECT * FROM \"tt1\" WHERE attribute_exists('ss')",
     "Operator or function requires a document path; operator or function: attribute_exists"},
    {&COMPOSITE, "SELECT * FROM \"tt1\" WHERE attribute_exists(ss, ns)",
     "Incorrect number of operands for operator or function; operator or function: "
     "attribute_exists, number of operands: 2"},
    {&COMPOSITE, "SELECT * FROM \"tt1\" WHERE x = 1e126",
     "Number overflow. Attempting to store a number with magnitude larger than supported range "
     "under root"},
    {&COMPOSITE, "SELECT * FROM \"tt1\" WHERE x = 1e-131",
     "Number underflow. Attempting to store a number with magnitude smaller than supported range "
     "under root"},
    {&COMPOSITE, "SELECT * FROM \"tt1\" WHERE x = 123456789012345678901234567890123456789",
     "Attempting to store more than 38 significant digits in a Number under root"},
    {&COMPOSITE, "INSERT INTO \"tt1\" VALUE {'pk': 'a'}",
     "Key attribute should be present in the item: Key sk"},
    {&COMPOSITE, "INSERT INTO \"tt1\" VALUE {'pk': 'a', 'sk': 'x'}",
     "Key attribute's data type should match its data type in table's schema: Key sk"},
    {&COMPOSITE, "INSERT INTO \"tt1\" VALUE {'pk': 'a', 'sk': 3, 'pk': 'b'}",
     "Duplicate keys in tuple. Key: pk under root at 1:46:4"},
    {&COMPOSITE, "INSERT INTO \"tt1\" VALUE ?",
     "Unsupported format in item expression. Please use struct format {...} to express item values "
     "for insert statement. at 1:25:1"},
    {&COMPOSITE, "INSERT INTO \"tt1\" VALUE {'pk': 'a', 'sk': 1} RETURNING ALL OLD *",
     "RETURNING is not supported in INSERT"},
    {&COMPOSITE, "INSERT INTO \"tt1\".\"gi1\" VALUE {'pk': 'a', 'sk': 1}",
     "This operation is not supported on an index"},
    {&COMPOSITE, "INSERT INTO \"tt1\" VALUE {'pk': 'a', 'sk': 1, 'm': {'x': 1e126}}",
     "Number overflow. Attempting to store a number with magnitude larger than supported range "
     "under root.x"},
    {&COMPOSITE, "INSERT INTO \"tt1\" VALUE {'pk': 'a', 'sk': 1, 'l': [1, 1e126]}",
     "Number overflow. Attempting to store a number with magnitude larger than supported range "
     "under root[1]"},
    {&COMPOSITE, "INSERT INTO \"tt1\" VALUE {'pk': 'a', 'sk': 1, 'ss': set_add(<<'a'>>, <<'b'>>)}",
     "Unsupported data type: set_add under key root at 1:52:7"},
    {&COMPOSITE, "UPDATE \"tt1\" SET x = 1",
     "Where clause does not contain a mandatory equality on all key attributes"},
    {&COMPOSITE, "UPDATE \"tt1\" SET x = 1 WHERE pk = 'a'",
     "Where clause does not contain a mandatory equality on all key attributes"},
    {&COMPOSITE, "UPDATE \"tt1\" SET x = 1 WHERE pk = 'a' AND sk > 1",
     "Where clause does not contain a mandatory equality on all key attributes"},
    {&COMPOSITE, "UPDATE \"tt1\" SET x = 1 WHERE pk = 'a' AND sk = 1 OR pk = 'b'",
     "Where clause does not contain a mandatory equality on all key attributes"},
    {&COMPOSITE, "UPDATE \"tt1\" SET x = 1 WHERE pk IN ['a'] AND sk = 1",
     "Where clause does not contain a mandatory equality on all key attributes"},
    {&HASH, "UPDATE \"hh1\" SET x = 1 WHERE id = 'a' AND id = 'b'",
     "Multiple conditions on same key id. Only single item Update/Insert/Delete are supported"},
    {&HASH, "UPDATE \"hh1\" SET t = set_add(ss, <<'x'>>) WHERE id = 'a'",
     "The first argument to SET_ADD must equal the assignment value at 1:22:7"},
    {&HASH, "UPDATE \"hh1\" SET ss = set_add(<<'a'>>, <<'b'>>) WHERE id = 'a'",
     "The first argument to SET_ADD must equal the assignment value at 1:23:7"},
    {&HASH, "UPDATE \"hh1\" SET ss = set_add(ss, 'x') WHERE id = 'a'",
     "The second argument to SET_ADD must be a value with type SET at 1:31:2"},
    {&HASH, "UPDATE \"hh1\" SET ss = set_add(ss) WHERE id = 'a'",
     "SET_ADD must have exactly two arguments at 1:23:7"},
    {&HASH, "UPDATE \"hh1\" SET ss = set_add(ss, <<'x', 'x'>>) WHERE id = 'a'",
     "One or more parameter values were invalid: Input collection [x, x] contains duplicates."},
    {&HASH, "UPDATE \"hh1\" SET ss = set_delete(ss, ['a']) WHERE id = 'a'",
     "The second argument to SET_DELETE must be a value with type SET at 1:34:2"},
    {&HASH, "UPDATE \"hh1\" SET ss = set_add(ss, <<>>) WHERE id = 'a'",
     "Empty bags are not supported"},
    {&HASH, "UPDATE \"hh1\" SET x = nosuch(x) WHERE id = 'a'",
     "Unrecognized function: nosuch at 1:22:6"},
    {&HASH, "UPDATE \"hh1\" SET x = 1e-131 WHERE id = 'a'",
     "Number underflow. Attempting to store a number with magnitude smaller than supported range "
     "under root"},
    {&COMPOSITE, "DELETE FROM \"tt1\" WHERE pk = 'a'",
     "Where clause does not contain a mandatory equality on all key attributes"},
    {&COMPOSITE, "DELETE FROM \"tt1\" WHERE pk = 'a' AND sk = 1 RETURNING ALL NEW *",
     "Invalid returning clause: RETURNING ALL NEW *. Only RETURNING ALL OLD * is allowed in DELETE "
     "statements."},
    {&COMPOSITE, "DELETE FROM \"tt1\".\"gi1\" WHERE pk = 'a' AND sk = 1",
     "This operation is not supported on an index"},
    {&HASH, "EXISTS(SELECT * FROM \"hh1\" WHERE id = 'a')",
     "EXISTS() must contain a single item read with additional condition"},
    {&HASH, "EXISTS(SELECT * FROM \"hh1\" WHERE x = 1)",
     "Where clause does not contain a mandatory equality on all key attributes"},
    /* Local: the item of an INSERT, and updating a key */
    {&HASH, "INSERT INTO \"hh1\" VALUE {'id': 'q1', 'x': MISSING}",
     "Unsupported data type: MISSING under key root at 1:43:7"},
    {&HASH, "INSERT INTO \"hh1\" VALUE {'id': 'q2', 'x': <<>>}",
     "Empty bags are not supported at 1:43:2"},
    {&HASH, "INSERT INTO \"hh1\" VALUE {'id': 'q3', 1: 2}",
     "Tuple keys must be of type String. Actual type: INT under root at 1:38:1"},
    {&HASH, "INSERT INTO \"hh1\" VALUE {'id': 'q4', 'x': y}",
     "Unsupported data type: y under key root at 1:43:1"},
    {&HASH, "UPDATE \"hh1\" SET id = 'x' WHERE id = 'm3'",
     "One or more parameter values were invalid: Cannot update attribute id. This attribute is "
     "part of the key"},
    {&COMPOSITE, "UPDATE \"tt1\" REMOVE sk WHERE pk = 'a' AND sk = 1",
     "One or more parameter values were invalid: Cannot update attribute sk. This attribute is "
     "part of the key"},
    {&HASH, "SELECT * FROM \"hh1\" WHERE x BETWEEN 5 AND 1",
     "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower "
     "bound operand: AttributeValue: {N:5}, upper bound operand: AttributeValue: {N:1}"},
    /* Local: documents nest 32 levels */
    {&HASH,
     "SELECT * FROM \"hh1\" WHERE x = "
     "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
     "Nesting Levels have exceeded supported limits"},
    /* Local: what the expression language refuses, worded without its
     * "Invalid FilterExpression: " prefix (ddb's expression parser names
     * overlapping paths in the other order) */
    {&HASH, "SELECT * FROM \"hh1\" WHERE attribute_type(x, 'idM')",
     "Invalid attribute type name found; type: idM, valid types: {N,BS,L,B,NULL,M,S,SS,NS,BOOL}"},
    {&HASH, "SELECT * FROM \"hh1\" WHERE begins_with(x, 1)",
     "Incorrect operand type for operator or function; operator or function: begins_with, "
     "operand type: N"},
    {&HASH, "UPDATE \"hh1\" SET a = 1, a = 2 WHERE id = 'm3'",
     "Two document paths overlap with each other; must remove or rewrite one of these paths; "
     "path one: [a], path two: [a]"},
    {&HASH, "SELECT x, x.y FROM \"hh1\"",
     "Two document paths overlap with each other; must remove or rewrite one of these paths; "
     "path one: [x], path two: [x, y]"},
};

static void test_plan_errors(void) {
    for (size_t i = 0; i < sizeof PLAN_ERRORS / sizeof PLAN_ERRORS[0]; i++) {
        ddb_error_t err = {0};
        pq_op_t op;
        const char *s = PLAN_ERRORS[i].stmt;
        pq_stmt_t *st;
        size_t np = pq_parse(s, strlen(s), A, &st, &err) == 0 ? st->nparams : 0;
        char *j = plan(PLAN_ERRORS[i].schema, s, PARAMS, np, &op, &err);
        CHECK(j == NULL && err.code == DDB_ERR_VALIDATION);
        CHECK_STR(err.msg, PLAN_ERRORS[i].msg);
        free(j);
    }
}

static void test_in_limit(void) {
    /* Local: more than 100 IN operands in a filter */
    char s[1024];
    size_t k = (size_t)sprintf(s, "SELECT * FROM \"hh1\" WHERE x IN [0");
    for (int i = 1; i <= 100; i++)
        k += (size_t)sprintf(s + k, ",%d", i);
    sprintf(s + k, "]");
    ddb_error_t err;
    pq_op_t op;
    CHECK(plan(&HASH, s, NULL, 0, &op, &err) == NULL);
    CHECK_STR(err.msg,
              "The IN operator is provided with too many operands; number of operands: 101");
}

static void test_params(void) {
    ddb_error_t err;
    pq_op_t op;
    /* Local: a count that differs from the statement's ?s */
    const char *s = "SELECT * FROM \"tt1\" WHERE pk = ? AND sk = ?";
    CHECK(plan(&COMPOSITE, s, PARAMS, 1, &op, &err) == NULL);
    CHECK_STR(err.msg, "Number of parameters in request and statement don't match.");
    CHECK(plan(&COMPOSITE, "SELECT * FROM \"tt1\" WHERE pk = ?", NULL, 0, &op, &err) == NULL);
    CHECK_STR(err.msg, "Number of parameters in request and statement don't match.");
    /* Local ignores parameters given to a statement that has none */
    char *j = plan(&COMPOSITE, "SELECT * FROM \"tt1\"", PARAMS, 1, &op, &err);
    CHECK_STR(j, "{\"Operation\":\"Scan\",\"Request\":{\"TableName\":\"tt1\"}}");
    free(j);
    /* a parameter of the wrong type for the key */
    CHECK(plan(&COMPOSITE, "SELECT * FROM \"tt1\" WHERE pk = ? AND sk = ?", PARAMS + 1, 2, &op,
               &err) == NULL);
    CHECK_STR(err.msg,
              "Key attribute's data type should match its data type in table's schema: Key pk");
    /* binary parameters are base64 on the wire; sets pass through */
    ddb_value_t bs[2] = {{.type = DDB_T_B, .u.str = {"\x01\x02\xff", 3}},
                         {.type = DDB_T_SS, .u.list = {(ddb_value_t *)PARAMS, 1}}};
    j = plan(&HASH, "UPDATE \"hh1\" SET b = ?, s = set_add(s, ?) WHERE id = 'k'", bs, 2, &op, &err);
    CHECK(op == PQ_OP_UPDATE_ITEM);
    CHECK_STR(j,
              "{\"Operation\":\"UpdateItem\",\"Request\":{\"TableName\":\"hh1\",\"Key\":{\"id\":"
              "{\"S\":\"k\"}},\"UpdateExpression\":\"SET #n0 = :v0 ADD #n1 :v1\","
              "\"ConditionExpression\":\"attribute_exists(#n2)\",\"ExpressionAttributeNames\":"
              "{\"#n0\":\"b\",\"#n1\":\"s\",\"#n2\":\"id\"},\"ExpressionAttributeValues\":{\":v0\":"
              "{\"B\":\"AQL/\"},\":v1\":{\"SS\":[\"p1\"]}}}}");
    free(j);
}

static void test_op_names(void) {
    CHECK_STR(pq_op_name(PQ_OP_GET_ITEM), "GetItem");
    CHECK_STR(pq_op_name(PQ_OP_QUERY), "Query");
    CHECK_STR(pq_op_name(PQ_OP_SCAN), "Scan");
    CHECK_STR(pq_op_name(PQ_OP_PUT_ITEM), "PutItem");
    CHECK_STR(pq_op_name(PQ_OP_UPDATE_ITEM), "UpdateItem");
    CHECK_STR(pq_op_name(PQ_OP_DELETE_ITEM), "DeleteItem");
    CHECK_STR(pq_op_name(PQ_OP_CONDITION_CHECK), "ConditionCheck");
    /* an INSERT's PutItem is marked so its caller maps the condition's
     * failure to DuplicateItemException */
    pq_stmt_t *st = parse("INSERT INTO \"hh1\" VALUE {'id': 'a'}");
    pq_plan_t *p = NULL;
    ddb_error_t err;
    CHECK(st && pq_plan(st, &HASH, NULL, 0, A, &p, &err) == 0 && p->insert);
    if (p) pq_plan_free(p);
    st = parse("UPDATE \"hh1\" SET a = 1 WHERE id = 'a'");
    CHECK(st && pq_plan(st, &HASH, NULL, 0, A, &p, &err) == 0 && !p->insert);
    if (p) pq_plan_free(p);
}

int main(void) {
    A = ddb_arena_create(0);
    test_plans();
    test_plan_errors();
    test_in_limit();
    test_in_or_repeats();
    test_params();
    test_op_names();
    ddb_arena_destroy(A);
    return check_summary();
}
