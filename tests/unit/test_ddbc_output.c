/* test_ddbc_output.c: unit tests of ddbc's formatters (tools/ddbc/output.h): the table's
 * layout (union of attributes, keys first, alignment, truncation, expanded form), plain JSON
 * with 38-digit numbers kept exactly, DynamoDB JSON lines, and CSV's RFC 4180 quoting. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tools/ddbc/output.h"

static cJSON *ITEMS[8];
static size_t NITEMS;

static void items(const char *json) {
    for (size_t i = 0; i < NITEMS; i++)
        cJSON_Delete(ITEMS[i]);
    NITEMS = 0;
    cJSON *a = cJSON_Parse(json);
    cJSON *e;
    cJSON_ArrayForEach(e, a) {
        ITEMS[NITEMS++] = cJSON_Duplicate(e, true);
    }
    cJSON_Delete(a);
}

static const char *render(out_format_t f, bool expanded, size_t width) {
    static buf_t b;
    static const char *const KEYS[] = {"pk", "sk"};
    out_opts_t o = {f, expanded, width, KEYS, 2};
    buf_reset(&b);
    out_items(&o, ITEMS, NITEMS, &b);
    return buf_cstr(&b);
}

#define N38 "12345678901234567890123456789012345678"

static void test_json(void) {
    items("[{\"n\":{\"N\":\"" N38 "\"},\"pk\":{\"S\":\"a\\\"b\"},\"f\":{\"N\":\"-0."
          "000000000000000000000000000000000000001\"}}]");
    CHECK_STR(render(OUT_JSONL, false, 0),
              "{\"pk\":\"a\\\"b\",\"n\":" N38
              ",\"f\":-0.000000000000000000000000000000000000001}\n"); /* the key first */
    items("[{\"s\":{\"SS\":[\"x\",\"y\"]},\"ns\":{\"NS\":[\"1\",\"" N38
          "\"]},\"b\":{\"B\":\"AAE=\"},"
          "\"l\":{\"L\":[{\"BOOL\":true},{\"NULL\":true},{\"M\":{\"k\":{\"N\":\"2\"}}}]}},{}]");
    CHECK_STR(render(OUT_JSON, false, 0), "[{\"s\":[\"x\",\"y\"],\"ns\":[1," N38
                                          "],\"b\":\"AAE=\",\"l\":[true,null,{\"k\":2}]},{}]\n");
    CHECK_STR(render(OUT_DDBJSON, false, 0),
              "{\"s\":{\"SS\":[\"x\",\"y\"]},\"ns\":{\"NS\":[\"1\",\"" N38 "\"]},\"b\":{\"B\":"
              "\"AAE=\"},\"l\":{\"L\":[{\"BOOL\":true},{\"NULL\":true},{\"M\":{\"k\":{\"N\":\"2\"}}"
              "}]}}\n{}\n");
    items("[]");
    CHECK_STR(render(OUT_JSON, false, 0), "[]\n");
    CHECK_STR(render(OUT_JSONL, false, 0), "");
}

static void test_table(void) {
    items("[{\"v\":{\"S\":\"hello\"},\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"5\"}},"
          "{\"sk\":{\"N\":\"10\"},\"pk\":{\"S\":\"bb\"},\"n\":{\"N\":\"123\"},\"m\":{\"M\":{\"x\":{"
          "\"SS\":[\"p\",\"q\"]}}}}]");
    CHECK_STR(render(OUT_TABLE, false, 0), " pk | sk |   v   |  n  |          m\n"
                                           "----+----+-------+-----+---------------------\n"
                                           " a  |    | hello |   5 | \n"
                                           " bb | 10 |       | 123 | {'x': <<'p', 'q'>>}\n"
                                           "(2 rows)\n");
    CHECK_STR(render(OUT_TABLE, false, 4), " pk | sk |  v   |  n  |  m\n"
                                           "----+----+------+-----+------\n"
                                           " a  |    | hel\xE2\x80\xA6 |   5 | \n"
                                           " bb | 10 |      | 123 | {'x\xE2\x80\xA6\n"
                                           "(2 rows)\n");
    CHECK_STR(render(OUT_TABLE, true, 0),
              "-[ RECORD 1 ]-\npk | a\nv  | hello\nn  | 5\n"
              "-[ RECORD 2 ]-\npk | bb\nsk | 10\nn  | 123\nm  | {'x': <<'p', 'q'>>}\n(2 rows)\n");
    items("[{\"pk\":{\"S\":\"\xC3\xA9t\xC3\xA9\\nx\"}}]");
    CHECK_STR(render(OUT_TABLE, false, 0), "  pk\n-------\n \xC3\xA9t\xC3\xA9 x\n(1 row)\n");
    items("[]");
    CHECK_STR(render(OUT_TABLE, false, 0), "\n\n(0 rows)\n");
}

static void test_csv(void) {
    items("[{\"pk\":{\"S\":\"a,b\"},\"q\":{\"S\":\"say \\\"hi\\\"\"},\"n\":{\"N\":\"" N38 "\"}},"
          "{\"pk\":{\"S\":\"line\\nbreak\"},\"l\":{\"L\":[{\"S\":\"x\"}]},\"z\":{\"NULL\":true}}]");
    CHECK_STR(render(OUT_CSV, false, 0), "pk,q,n,l,z\r\n"
                                         "\"a,b\",\"say \"\"hi\"\"\"," N38 ",,\r\n"
                                         "\"line\nbreak\",,,\"[\"\"x\"\"]\",null\r\n");
    buf_t b;
    buf_init(&b);
    out_csv_field("plain text", 10, &b);
    out_csv_field("cr\r", 3, &b);
    CHECK_STR(buf_cstr(&b), "plain text\"cr\r\"");
    buf_free(&b);
}

static void test_formats(void) {
    out_format_t f;
    CHECK(out_format_parse("csv", &f) && f == OUT_CSV);
    CHECK(out_format_parse("ddbjson", &f) && f == OUT_DDBJSON);
    CHECK(!out_format_parse("xml", &f));
    CHECK_STR(out_format_name(OUT_JSONL), "jsonl");
    CHECK(out_streams(OUT_JSONL) && !out_streams(OUT_TABLE) && !out_streams(OUT_CSV));
}

int main(void) {
    test_json();
    test_table();
    test_csv();
    test_formats();
    items("[]");
    return check_summary();
}
