/* test_ddbc_ddl.c: unit tests of ddbc's statement language (tools/ddbc/lang.h: the splitter,
 * the classifier, LIMIT) and its DDL (tools/ddbc/ddl.h): each statement's exact request
 * JSON, and each syntax error's message and offset. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tools/ddbc/ddl.h"
#include "tools/ddbc/lang.h"

/* The statement's steps as "Op {json}" lines. */
static char *ddl(const char *s) {
    ddl_plan_t d;
    ddb_error_t err;
    size_t pos = 0;
    if (ddl_parse(s, strlen(s), &d, &pos, &err)) {
        char *e = malloc(1200);
        snprintf(e, 1200, "error at %zu: %s", pos, err.msg);
        return e;
    }
    size_t cap = 8192, n = 0;
    char *out = calloc(1, cap);
    for (size_t i = 0; i < d.n; i++) {
        char *j = cJSON_PrintUnformatted(d.steps[i].req);
        n += (size_t)snprintf(out + n, cap - n, "%s%s%s%s %s", i ? "\n" : "", d.steps[i].op,
                              d.steps[i].wait_active ? "(wait)" : "",
                              d.steps[i].ttl_lookup ? "(lookup)" : "", j);
        free(j);
    }
    ddl_free(&d);
    return out;
}

#define CHECK_DDL(stmt, want)                                                                      \
    do {                                                                                           \
        char *got_ = ddl(stmt);                                                                    \
        CHECK_STR(got_, want);                                                                     \
        free(got_);                                                                                \
    } while (0)

static void test_create(void) {
    CHECK_DDL("CREATE TABLE t1 (pk S HASH);",
              "CreateTable {\"TableName\":\"t1\",\"AttributeDefinitions\":[{\"AttributeName\":"
              "\"pk\",\"AttributeType\":\"S\"}],\"KeySchema\":[{\"AttributeName\":\"pk\","
              "\"KeyType\":\"HASH\"}],\"BillingMode\":\"PAY_PER_REQUEST\"}");
    CHECK_DDL(
        "create table \"my-t\" (PK S HASH, SK N RANGE) GSI g1 (gk S HASH, SK N RANGE) PROJECT "
        "INCLUDE (a, \"b c\") STREAM NEW_AND_OLD_IMAGES TTL exp BILLING PROVISIONED(5, 7)",
        "CreateTable {\"TableName\":\"my-t\",\"AttributeDefinitions\":[{\"AttributeName\":"
        "\"PK\",\"AttributeType\":\"S\"},{\"AttributeName\":\"SK\",\"AttributeType\":\"N\"},"
        "{\"AttributeName\":\"gk\",\"AttributeType\":\"S\"}],\"KeySchema\":[{\"AttributeName\":"
        "\"PK\",\"KeyType\":\"HASH\"},{\"AttributeName\":\"SK\",\"KeyType\":\"RANGE\"}],"
        "\"BillingMode\":\"PROVISIONED\",\"GlobalSecondaryIndexes\":[{\"IndexName\":\"g1\","
        "\"KeySchema\":[{\"AttributeName\":\"gk\",\"KeyType\":\"HASH\"},{\"AttributeName\":"
        "\"SK\",\"KeyType\":\"RANGE\"}],\"Projection\":{\"ProjectionType\":\"INCLUDE\","
        "\"NonKeyAttributes\":[\"a\",\"b c\"]},\"ProvisionedThroughput\":{\"ReadCapacityUnits\":"
        "5,\"WriteCapacityUnits\":7}}],\"StreamSpecification\":{\"StreamEnabled\":true,"
        "\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"},\"ProvisionedThroughput\":{"
        "\"ReadCapacityUnits\":5,\"WriteCapacityUnits\":7}}\n"
        "UpdateTimeToLive(wait) {\"TableName\":\"my-t\",\"TimeToLiveSpecification\":{"
        "\"Enabled\":true,\"AttributeName\":\"exp\"}}");
    CHECK_DDL("CREATE TABLE t (a N HASH, b B RANGE) LSI l1 (a N HASH, c S RANGE) PROJECT KEYS",
              "CreateTable {\"TableName\":\"t\",\"AttributeDefinitions\":[{\"AttributeName\":"
              "\"a\",\"AttributeType\":\"N\"},{\"AttributeName\":\"b\",\"AttributeType\":\"B\"},"
              "{\"AttributeName\":\"c\",\"AttributeType\":\"S\"}],\"KeySchema\":[{"
              "\"AttributeName\":\"a\",\"KeyType\":\"HASH\"},{\"AttributeName\":\"b\","
              "\"KeyType\":\"RANGE\"}],\"BillingMode\":\"PAY_PER_REQUEST\","
              "\"LocalSecondaryIndexes\":[{\"IndexName\":\"l1\",\"KeySchema\":[{"
              "\"AttributeName\":\"a\",\"KeyType\":\"HASH\"},{\"AttributeName\":\"c\","
              "\"KeyType\":\"RANGE\"}],\"Projection\":{\"ProjectionType\":\"KEYS_ONLY\"}}]}");
}

static void test_alter_drop(void) {
    CHECK_DDL("ALTER TABLE t ADD GSI byg (g N HASH) PROJECT ALL",
              "UpdateTable {\"TableName\":\"t\",\"AttributeDefinitions\":[{\"AttributeName\":"
              "\"g\",\"AttributeType\":\"N\"}],\"GlobalSecondaryIndexUpdates\":[{\"Create\":{"
              "\"IndexName\":\"byg\",\"KeySchema\":[{\"AttributeName\":\"g\",\"KeyType\":"
              "\"HASH\"}],\"Projection\":{\"ProjectionType\":\"ALL\"}}}]}");
    CHECK_DDL("ALTER TABLE t DROP GSI byg",
              "UpdateTable {\"TableName\":\"t\",\"GlobalSecondaryIndexUpdates\":[{\"Delete\":{"
              "\"IndexName\":\"byg\"}}]}");
    CHECK_DDL("ALTER TABLE t STREAM KEYS_ONLY",
              "UpdateTable {\"TableName\":\"t\",\"StreamSpecification\":{\"StreamEnabled\":true,"
              "\"StreamViewType\":\"KEYS_ONLY\"}}");
    CHECK_DDL("ALTER TABLE t STREAM OFF",
              "UpdateTable {\"TableName\":\"t\",\"StreamSpecification\":{\"StreamEnabled\":"
              "false}}");
    CHECK_DDL("ALTER TABLE t TTL OFF;",
              "UpdateTimeToLive(lookup) {\"TableName\":\"t\",\"TimeToLiveSpecification\":{"
              "\"Enabled\":false,\"AttributeName\":\"\"}}");
    CHECK_DDL("ALTER TABLE t BILLING PAY_PER_REQUEST",
              "UpdateTable {\"TableName\":\"t\",\"BillingMode\":\"PAY_PER_REQUEST\"}");
    CHECK_DDL("ALTER TABLE t BILLING PROVISIONED (1,2)",
              "UpdateTable {\"TableName\":\"t\",\"BillingMode\":\"PROVISIONED\","
              "\"ProvisionedThroughput\":{\"ReadCapacityUnits\":1,\"WriteCapacityUnits\":2}}");
    CHECK_DDL("DROP TABLE t;", "DeleteTable {\"TableName\":\"t\"}");
}

static void test_errors(void) {
    CHECK_DDL("CREATE TABLE t (pk S)", "error at 20: expected HASH, found ')'");
    CHECK_DDL("CREATE TABLE t (pk X HASH)",
              "error at 19: expected a key type (S, N or B), found 'X'");
    CHECK_DDL("CREATE TABLE t (pk S HASH) GSI g (pk N HASH)",
              "error at 34: attribute pk is given two different types");
    CHECK_DDL("CREATE TABLE t (pk S HASH) STREAM ON",
              "error at 34: expected NEW_AND_OLD_IMAGES, NEW_IMAGE, OLD_IMAGE, KEYS_ONLY or OFF, "
              "found 'ON'");
    CHECK_DDL("CREATE TABLE t (pk S HASH) BILLING PROVISIONED(0, 1)",
              "error at 47: expected a positive number, found '0'");
    CHECK_DDL("CREATE TABLE", "error at 12: expected a table name, found the end of the statement");
    CHECK_DDL("DROP TABLE t extra",
              "error at 13: expected the end of the statement, found 'extra'");
    CHECK_DDL("ALTER TABLE t RENAME", "error at 14: expected ADD GSI, DROP GSI, STREAM, TTL or "
                                      "BILLING, found 'RENAME'");
    CHECK_DDL("CREATE TABLE t (pk S HASH) TTL a TTL b",
              "error at 33: TTL is given twice, found 'TTL'");
}

static void test_splitter(void) {
    bool blank;
    const char *s = "SELECT * FROM \"a;b\" WHERE x = 'it''s;' -- ;\n /* ; */ ; next";
    CHECK(lx_statement_end(s, strlen(s), &blank) == strlen(s) - 5);
    CHECK(!blank);
    s = "SELECT 'open;";
    CHECK(lx_statement_end(s, strlen(s), &blank) == 0);
    s = "  -- only a comment\n";
    CHECK(lx_statement_end(s, strlen(s), &blank) == 0 && blank);
    s = "\\o csv\nSELECT";
    CHECK(lx_statement_end(s, strlen(s), &blank) == 7);
    s = "\\q";
    CHECK(lx_statement_end(s, strlen(s), &blank) == 0);
}

static void test_lexer(void) {
    const char *s = " \"a\"\"b\" 'it''s' my-table.x ( 'open";
    char name[32];
    lx_tok_t t = lx_next(s, strlen(s), 0);
    CHECK(t.kind == LX_QUOTED && t.pos == 1);
    lx_name(&t, name, sizeof name);
    CHECK_STR(name, "a\"b");
    t = lx_next(s, strlen(s), t.pos + t.len);
    lx_name(&t, name, sizeof name);
    CHECK(t.kind == LX_STRING);
    CHECK_STR(name, "it's");
    t = lx_next(s, strlen(s), t.pos + t.len);
    lx_name(&t, name, sizeof name);
    CHECK(t.kind == LX_WORD);
    CHECK_STR(name, "my-table.x");
    t = lx_next(s, strlen(s), t.pos + t.len);
    CHECK(lx_punct(&t, '('));
    t = lx_next(s, strlen(s), t.pos + t.len);
    CHECK(t.kind == LX_BAD && t.pos == 29);
    lx_name(&t, name, 4); /* truncated to the buffer */
    CHECK(strlen(name) == 3);
}

static void test_classify(void) {
    size_t rest;
    CHECK(lang_classify(" select * from t", 16, &rest) == LK_PARTIQL && rest == 1);
    CHECK(lang_classify("EXPLAIN SELECT 1", 16, &rest) == LK_EXPLAIN && rest == 7);
    CHECK(lang_classify("drop table t", 12, &rest) == LK_DDL && rest == 0);
    CHECK(lang_classify("SHOW TABLES", 11, &rest) == LK_SHOW);
    CHECK(lang_classify("desc t", 6, &rest) == LK_DESCRIBE && rest == 4);
    CHECK(lang_classify("BEGIN;", 6, &rest) == LK_BEGIN);
    CHECK(lang_classify("\\use t", 6, &rest) == LK_META && rest == 1);
    CHECK(lang_classify(" ;", 2, &rest) == LK_EMPTY);
    CHECK(lang_classify("FROB", 4, &rest) == LK_UNKNOWN);
    CHECK(lang_classify("TAIL t", 6, &rest) == LK_TAIL);
}

static void test_limit(void) {
    size_t cut;
    long n;
    const char *s = "SELECT * FROM t WHERE a = 'LIMIT 3' LIMIT 25 ;";
    CHECK(lang_strip_limit(s, strlen(s), &cut, &n) && n == 25 && cut == 36);
    s = "SELECT * FROM t WHERE a = 'LIMIT 3'";
    CHECK(!lang_strip_limit(s, strlen(s), &cut, &n));
    s = "SELECT * FROM t LIMIT x";
    CHECK(!lang_strip_limit(s, strlen(s), &cut, &n));
}

int main(void) {
    test_create();
    test_alter_drop();
    test_errors();
    test_splitter();
    test_lexer();
    test_classify();
    test_limit();
    return check_summary();
}
