/* test_ddbc_explain.c: unit tests of ddbc's client-side planning (tools/ddbc/explain.h): the
 * schema read from a DescribeTable answer, statements planned to GetItem / Query on an index /
 * Scan, the scan-and-write form of a keyless UPDATE/DELETE, transaction entries, EXPLAIN. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tools/ddbc/explain.h"

static const char *DESCRIBE =
    "{\"Table\":{\"TableName\":\"tbl\",\"AttributeDefinitions\":["
    "{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"},{\"AttributeName\":\"sk\","
    "\"AttributeType\":\"N\"},{\"AttributeName\":\"g\",\"AttributeType\":\"S\"}],"
    "\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"},{\"AttributeName\":\"sk\","
    "\"KeyType\":\"RANGE\"}],\"GlobalSecondaryIndexes\":[{\"IndexName\":\"byg\",\"KeySchema\":"
    "[{\"AttributeName\":\"g\",\"KeyType\":\"HASH\"}]}]}}";

static ddb_arena_t *A;
static pq_schema_t SCHEMA;

/* "Op {request}" of the statement's plan (first request), or "error at N: msg". */
static char *plan(const char *s, xp_plan_t *x) {
    ddb_error_t err;
    size_t pos = 0;
    char *out = calloc(1, 4096);
    if (xp_parse(s, strlen(s), A, x, &pos, &err) || xp_plan(x, &SCHEMA, A, &err)) {
        snprintf(out, 4096, "error at %zu: %s", pos, err.msg);
        return out;
    }
    char *j = cJSON_PrintUnformatted(x->plan->req[0]);
    snprintf(out, 4096, "%s%s %s", x->keyless ? "keyless " : "", pq_op_name(x->plan->op), j);
    free(j);
    return out;
}

#define CHECK_PLAN(stmt, want)                                                                     \
    do {                                                                                           \
        xp_plan_t x_;                                                                              \
        char *got_ = plan(stmt, &x_);                                                              \
        CHECK_STR(got_, want);                                                                     \
        free(got_);                                                                                \
        xp_free(&x_);                                                                              \
    } while (0)

static void test_schema(void) {
    cJSON *d = cJSON_Parse(DESCRIBE);
    ddb_error_t err;
    CHECK(xp_schema(d, A, &SCHEMA, &err) == 0);
    CHECK_STR(SCHEMA.keys.hash, "pk");
    CHECK(SCHEMA.keys.hash_type == DDB_T_S && SCHEMA.keys.range_type == DDB_T_N);
    CHECK(SCHEMA.nindexes == 1);
    CHECK_STR(SCHEMA.indexes[0].name, "byg");
    CHECK_STR(SCHEMA.indexes[0].keys.hash, "g");
    cJSON_Delete(d);
    pq_schema_t none;
    d = cJSON_Parse("{\"Table\":{}}");
    CHECK(xp_schema(d, A, &none, &err) == DDB_ERR_VALIDATION);
    cJSON_Delete(d);
}

static void test_plans(void) {
    CHECK_PLAN(
        "SELECT * FROM tbl WHERE pk = 'a' AND sk = 1",
        "GetItem {\"TableName\":\"tbl\",\"Key\":{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"}}}");
    CHECK_PLAN("SELECT * FROM \"tbl\".\"byg\" WHERE g = 'x' LIMIT 5;",
               "Query {\"TableName\":\"tbl\",\"IndexName\":\"byg\",\"KeyConditionExpression\":"
               "\"#n0 = :v0\",\"ExpressionAttributeNames\":{\"#n0\":\"g\"},"
               "\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"x\"}}}");
    CHECK_PLAN("SELECT * FROM tbl", "Scan {\"TableName\":\"tbl\"}");
    CHECK_PLAN("SELECT * FROM tbl WHERE", "error at 23: Statement wasn't well formed, can't be "
                                          "processed: Unexpected term");
    CHECK_PLAN("DELETE FROM tbl WHERE pk = 'a' LIMIT 2", "error at 31: LIMIT is for SELECT only");
    CHECK_PLAN("DELETE FROM tbl WHERE pk = 'a' AND v > 3",
               "keyless Query {\"TableName\":\"tbl\",\"KeyConditionExpression\":\"#n0 = :v0\","
               "\"FilterExpression\":\"#n1 > :v1\",\"ExpressionAttributeNames\":{\"#n0\":\"pk\","
               "\"#n1\":\"v\"},\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"a\"},\":v1\":{"
               "\"N\":\"3\"}}}");
}

/* an index with a multi-attribute key is scanned, as ddbd plans it */
static void test_multi_key_index(void) {
    cJSON *d =
        cJSON_Parse("{\"Table\":{\"TableName\":\"tbl\",\"AttributeDefinitions\":["
                    "{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"},{\"AttributeName\":\"a\","
                    "\"AttributeType\":\"S\"},{\"AttributeName\":\"b\",\"AttributeType\":\"N\"}],"
                    "\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}],"
                    "\"GlobalSecondaryIndexes\":[{\"IndexName\":\"ab\",\"KeySchema\":["
                    "{\"AttributeName\":\"a\",\"KeyType\":\"HASH\"},{\"AttributeName\":\"b\","
                    "\"KeyType\":\"HASH\"}]}]}}");
    ddb_error_t err;
    pq_schema_t keep = SCHEMA;
    CHECK(xp_schema(d, A, &SCHEMA, &err) == 0);
    CHECK(SCHEMA.nindexes == 1);
    CHECK_PLAN("SELECT * FROM \"tbl\".\"ab\" WHERE a = 'x' AND b = 1",
               "Scan {\"TableName\":\"tbl\",\"IndexName\":\"ab\",\"FilterExpression\":"
               "\"#n0 = :v0 AND #n1 = :v1\",\"ExpressionAttributeNames\":{\"#n0\":\"a\","
               "\"#n1\":\"b\"},\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"x\"},"
               "\":v1\":{\"N\":\"1\"}}}");
    SCHEMA = keep;
    cJSON_Delete(d);
}

static void test_keyed_write(void) {
    xp_plan_t x;
    ddb_error_t err;
    const char *s = "UPDATE tbl SET v = v + 1 WHERE pk = 'a' AND v > 3";
    CHECK(xp_parse(s, strlen(s), A, &x, NULL, &err) == 0);
    CHECK(xp_plan(&x, &SCHEMA, A, &err) == 0);
    CHECK(x.keyless && x.plan->op == PQ_OP_QUERY);
    cJSON *item = cJSON_Parse("{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"7\"},\"v\":{\"N\":\"4\"}}");
    pq_plan_t *w = NULL;
    CHECK(xp_keyed_write(&x, &SCHEMA, item, A, &w, &err) == 0);
    if (w) {
        CHECK(w->op == PQ_OP_UPDATE_ITEM);
        char *j = cJSON_PrintUnformatted(w->req[0]);
        CHECK(strstr(j, "\"Key\":{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"7\"}}") != NULL);
        CHECK(strstr(j, "> :v") != NULL); /* the rest of WHERE stays a condition */
        free(j);
        cJSON *e = xp_transact_item(w, &err);
        CHECK(e && cJSON_GetObjectItem(e, "Update") &&
              !cJSON_GetObjectItem(cJSON_GetObjectItem(e, "Update"), "ReturnValues"));
        cJSON_Delete(e);
        pq_plan_free(w);
    }
    cJSON_Delete(item);
    item = cJSON_Parse("{\"pk\":{\"S\":\"a\"}}");
    CHECK(xp_keyed_write(&x, &SCHEMA, item, A, &w, &err) == DDB_ERR_VALIDATION);
    cJSON_Delete(item);
    xp_free(&x);
    s = "SELECT * FROM tbl";
    CHECK(xp_parse(s, strlen(s), A, &x, NULL, &err) == 0 && xp_plan(&x, &SCHEMA, A, &err) == 0);
    CHECK(xp_transact_item(x.plan, &err) == NULL);
    CHECK_STR(err.msg, "a transaction holds INSERT, UPDATE, DELETE and EXISTS only, not Scan");
    xp_free(&x);
}

static void test_explain(void) {
    xp_plan_t x;
    ddb_error_t err;
    const char *s = "SELECT * FROM \"tbl\".\"byg\" WHERE g = 'x'";
    CHECK(xp_parse(s, strlen(s), A, &x, NULL, &err) == 0 && xp_plan(&x, &SCHEMA, A, &err) == 0);
    buf_t b;
    buf_init(&b);
    xp_explain(&x, false, &b);
    const char *want = "-- Query on index byg of tbl\n-- aws dynamodb query --cli-input-json";
    CHECK(strncmp(buf_cstr(&b), want, strlen(want)) == 0);
    buf_reset(&b);
    xp_explain(&x, true, &b);
    CHECK(strncmp(buf_cstr(&b),
                  "{\"Operation\":\"Query\",\"Note\":\"Query on index byg of tbl\","
                  "\"Request\":{\"TableName\":\"tbl\",\"IndexName\":\"byg\"",
                  95) == 0);
    xp_free(&x);
    char cli[64];
    xp_cli_name("TransactWriteItems", cli, sizeof cli);
    CHECK_STR(cli, "transact-write-items");
    buf_free(&b);
}

int main(void) {
    A = ddb_arena_create(0);
    test_schema();
    test_plans();
    test_multi_key_index();
    test_keyed_write();
    test_explain();
    ddb_arena_destroy(A);
    return check_summary();
}
