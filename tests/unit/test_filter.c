/* test_filter.c: Lambda event filtering (streams/filter.c) against real
 * Lambda-form DynamoDB records written by sw_record_put (INSERT, MODIFY,
 * REMOVE, a TTL deletion) and a few hand-written records for the JSON types
 * DynamoDB records never carry (null, plain numbers): every operator
 * matching and not matching, N-is-a-string, exists with and without the
 * type, AND across fields, OR across filters, invalid patterns with
 * Lambda's message, and bounded work on deep or huge input. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "query/json.h"
#include "streams/filter.h"
#include "streams/record.h"

#define ARN "arn:aws:dynamodb:us-east-1:123456789012:table/Orders/stream/2024-01-01T00:00:00.000"

static ddb_arena_t *arena;

static const ddb_value_t *item(const char *json) {
    if (!json) return NULL;
    cJSON *j = cJSON_Parse(json);
    ddb_value_t parsed, *v = ddb_arena_alloc(arena, sizeof *v);
    ddb_error_t err;
    ddb_error_clear(&err);
    int rc = json_to_item(arena, j, &parsed, &err);
    if (!rc) ddb_value_clone(arena, &parsed, v);
    cJSON_Delete(j);
    CHECK(rc == 0);
    return rc ? NULL : v;
}

/* A Lambda-form record as the dispatcher sees it: written, then parsed. */
static cJSON *record(sw_event_t ev, const char *keys, const char *new_img, const char *old_img,
                     bool by_ttl) {
    sw_record_t r = {0};
    strcpy(r.event_id, "c4ca4238a0b923820dcc509a6f75849b");
    r.event = ev;
    r.region = "us-east-1";
    r.region_len = strlen(r.region);
    r.source_arn = ARN;
    r.source_arn_len = strlen(ARN);
    r.time_s = 1700000000;
    r.keys = item(keys);
    r.new_image = item(new_img);
    r.old_image = item(old_img);
    r.seq = 4200;
    r.size = 59;
    r.view = SW_VIEW_NEW_AND_OLD_IMAGES;
    r.by_ttl = by_ttl;
    buf_t b;
    buf_init(&b);
    sw_record_put(&b, &r, SW_FORM_LAMBDA);
    cJSON *j = cJSON_ParseWithLength(b.data, b.len);
    buf_free(&b);
    CHECK(j != NULL);
    return j;
}

enum { INS, MOD, REM, TTL, RAW, NREC };
static cJSON *recs[NREC];

static void make_records(void) {
    const char *keys = "{\"PK\":{\"S\":\"USER#alice\"},\"SK\":{\"N\":\"5\"}}";
    const char *img1 = "{\"PK\":{\"S\":\"USER#alice\"},\"SK\":{\"N\":\"5\"},"
                       "\"name\":{\"S\":\"Alice\"},\"age\":{\"N\":\"30\"},"
                       "\"tags\":{\"SS\":[\"red\",\"blue\"]},\"vip\":{\"BOOL\":true},"
                       "\"gone\":{\"NULL\":true},\"note\":{\"S\":\"\"},"
                       "\"items\":{\"L\":[{\"S\":\"book\"},{\"N\":\"7\"}]},"
                       "\"addr\":{\"M\":{\"city\":{\"S\":\"Paris\"}}}}";
    const char *img2 = "{\"PK\":{\"S\":\"USER#alice\"},\"SK\":{\"N\":\"5\"},"
                       "\"name\":{\"S\":\"Alicia\"},\"age\":{\"N\":\"31\"}}";
    recs[INS] = record(SW_EV_INSERT, keys, img1, NULL, false);
    recs[MOD] = record(SW_EV_MODIFY, keys, img2, img1, false);
    recs[REM] = record(SW_EV_REMOVE, keys, NULL, img2, false);
    recs[TTL] = record(SW_EV_REMOVE, keys, NULL, img2, true);
    recs[RAW] = cJSON_Parse("{\"n\":5.0,\"neg\":-2,\"nul\":null,\"s\":\"5\",\"b\":false,"
                            "\"arr\":[1,[2,[3]],\"x\"],\"e\":[],\"o\":{\"k\":1},"
                            "\"Mixed\":\"HeLLo\"}");
    CHECK(recs[RAW] != NULL);
}

static ddb_filter_t *compile(const char *p) {
    ddb_filter_t *f = NULL;
    ddb_error_t err;
    ddb_error_clear(&err);
    int rc = ddb_filter_compile(p, strlen(p), &f, &err);
    if (rc) fprintf(stderr, "compile failed (%s): %s\n", err.msg, p);
    CHECK(rc == 0 && f != NULL);
    return f;
}

/* A pattern and, per record (INS MOD REM TTL RAW), whether it matches. */
static const struct {
    const char *pattern;
    const char *want; /* one of '1'/'0' per record */
} cases[] = {
    /* exact strings, metadata fields */
    {"{\"eventName\":[\"INSERT\"]}", "10000"},
    {"{\"eventName\":[\"INSERT\",\"MODIFY\"]}", "11000"},
    {"{\"eventName\":[\"insert\"]}", "00000"},
    {"{\"eventSource\":[\"aws:dynamodb\"],\"awsRegion\":[\"us-east-1\"]}", "11110"},
    {"{\"eventSourceARN\":[\"" ARN "\"]}", "11110"},
    {"{\"eventVersion\":[\"1.1\"]}", "11110"},
    /* keys and images, nested */
    {"{\"dynamodb\":{\"Keys\":{\"PK\":{\"S\":[\"USER#alice\"]}}}}", "11110"},
    {"{\"dynamodb\":{\"NewImage\":{\"name\":{\"S\":[\"Alice\"]}}}}", "10000"},
    {"{\"dynamodb\":{\"OldImage\":{\"name\":{\"S\":[\"Alice\"]}}}}", "01000"},
    {"{\"dynamodb\":{\"NewImage\":{\"addr\":{\"M\":{\"city\":{\"S\":[\"Paris\"]}}}}}}", "10000"},
    /* N values are strings: equal as strings, never as numbers or numeric */
    {"{\"dynamodb\":{\"Keys\":{\"SK\":{\"N\":[\"5\"]}}}}", "11110"},
    {"{\"dynamodb\":{\"Keys\":{\"SK\":{\"N\":[5]}}}}", "00000"},
    {"{\"dynamodb\":{\"NewImage\":{\"age\":{\"N\":[{\"numeric\":[\">\",0]}]}}}}", "00000"},
    {"{\"dynamodb\":{\"NewImage\":{\"age\":{\"N\":[{\"numeric\":[\"=\",30]}]}}}}", "00000"},
    /* numeric on real JSON numbers (SizeBytes is one) */
    {"{\"dynamodb\":{\"SizeBytes\":[{\"numeric\":[\">\",0,\"<=\",59]}]}}", "11110"},
    {"{\"dynamodb\":{\"SizeBytes\":[{\"numeric\":[\">\",0,\"<\",59]}]}}", "00000"},
    {"{\"dynamodb\":{\"SizeBytes\":[{\"numeric\":[\">=\",59]}]}}", "11110"},
    {"{\"dynamodb\":{\"SizeBytes\":[{\"numeric\":[\">\",59]}]}}", "00000"},
    {"{\"dynamodb\":{\"SizeBytes\":[59]}}", "11110"},
    {"{\"n\":[{\"numeric\":[\"=\",5]}]}", "00001"},
    {"{\"n\":[{\"numeric\":[\"=\",6]}]}", "00000"},
    {"{\"n\":[5]}", "00001"}, /* 5 matches 5.0 */
    {"{\"s\":[5]}", "00000"}, /* a string "5" is not the number 5 */
    {"{\"n\":[\"5\"]}", "00000"},
    {"{\"neg\":[{\"numeric\":[\"<\",0]}]}", "00001"},
    {"{\"s\":[{\"numeric\":[\">\",0]}]}", "00000"},
    /* booleans, null, empty */
    {"{\"dynamodb\":{\"NewImage\":{\"vip\":{\"BOOL\":[true]}}}}", "10000"},
    {"{\"dynamodb\":{\"NewImage\":{\"vip\":{\"BOOL\":[false]}}}}", "00000"},
    {"{\"b\":[false]}", "00001"},
    {"{\"nul\":[null]}", "00001"},
    {"{\"missing\":[null]}", "00000"}, /* null is not a missing field */
    {"{\"s\":[null]}", "00000"},
    {"{\"dynamodb\":{\"NewImage\":{\"note\":{\"S\":[\"\"]}}}}", "10000"},
    {"{\"dynamodb\":{\"NewImage\":{\"name\":{\"S\":[\"\"]}}}}", "00000"},
    /* prefix, suffix, equals-ignore-case */
    {"{\"dynamodb\":{\"Keys\":{\"PK\":{\"S\":[{\"prefix\":\"USER#\"}]}}}}", "11110"},
    {"{\"dynamodb\":{\"Keys\":{\"PK\":{\"S\":[{\"prefix\":\"ORDER#\"}]}}}}", "00000"},
    {"{\"dynamodb\":{\"Keys\":{\"PK\":{\"S\":[{\"prefix\":\"user#\"}]}}}}", "00000"},
    {"{\"dynamodb\":{\"NewImage\":{\"name\":{\"S\":[{\"suffix\":\"cia\"}]}}}}", "01000"},
    {"{\"dynamodb\":{\"NewImage\":{\"name\":{\"S\":[{\"suffix\":\"xAlicia\"}]}}}}", "00000"},
    {"{\"Mixed\":[{\"equals-ignore-case\":\"hello\"}]}", "00001"},
    {"{\"Mixed\":[{\"equals-ignore-case\":\"hell\"}]}", "00000"},
    {"{\"eventName\":[{\"equals-ignore-case\":\"remove\"}]}", "00110"},
    {"{\"s\":[{\"prefix\":\"\"}]}", "00001"},
    {"{\"n\":[{\"prefix\":\"5\"}]}", "00000"}, /* prefix is for strings */
    /* anything-but */
    {"{\"eventName\":[{\"anything-but\":[\"REMOVE\"]}]}", "11000"},
    {"{\"eventName\":[{\"anything-but\":\"INSERT\"}]}", "01110"},
    {"{\"eventName\":[{\"anything-but\":[\"INSERT\",\"MODIFY\"]}]}", "00110"},
    {"{\"eventName\":[{\"anything-but\":{\"prefix\":\"MOD\"}}]}", "10110"},
    {"{\"eventName\":[{\"anything-but\":{\"suffix\":\"ERT\"}}]}", "01110"},
    {"{\"eventName\":[{\"anything-but\":{\"equals-ignore-case\":\"insert\"}}]}", "01110"},
    {"{\"missing\":[{\"anything-but\":[\"x\"]}]}", "00000"}, /* needs a value */
    {"{\"n\":[{\"anything-but\":[5]}]}", "00000"},
    {"{\"n\":[{\"anything-but\":[6,\"5\"]}]}", "00001"},
    /* exists: leaves only, so the type must be named */
    {"{\"dynamodb\":{\"NewImage\":{\"name\":{\"S\":[{\"exists\":true}]}}}}", "11000"},
    {"{\"dynamodb\":{\"NewImage\":{\"name\":[{\"exists\":true}]}}}", "00000"},
    {"{\"dynamodb\":{\"NewImage\":{\"name\":[{\"exists\":false}]}}}", "11111"},
    {"{\"dynamodb\":{\"NewImage\":{\"name\":{\"S\":[{\"exists\":false}]}}}}", "00111"},
    {"{\"dynamodb\":{\"NewImage\":{\"age\":{\"S\":[{\"exists\":true}]}}}}", "00000"},
    {"{\"dynamodb\":{\"OldImage\":{\"age\":{\"N\":[{\"exists\":true}]}}}}", "01110"},
    {"{\"nul\":[{\"exists\":true}]}", "00001"}, /* null is a value */
    {"{\"e\":[{\"exists\":true}]}", "00000"},   /* an empty array holds none */
    {"{\"o\":[{\"exists\":true}]}", "00000"},   /* an object is not a leaf */
    {"{\"o\":{\"k\":[{\"exists\":true}]}}", "00001"},
    /* TTL deletions: userIdentity */
    {"{\"userIdentity\":{\"type\":[\"Service\"],\"principalId\":[\"dynamodb.amazonaws.com\"]}}",
     "00010"},
    {"{\"userIdentity\":{\"type\":[{\"exists\":false}]}}", "11101"},
    {"{\"eventName\":[\"REMOVE\"],\"userIdentity\":{\"type\":[{\"exists\":false}]}}", "00100"},
    /* arrays in the record: any element */
    {"{\"dynamodb\":{\"NewImage\":{\"tags\":{\"SS\":[\"blue\"]}}}}", "10000"},
    {"{\"dynamodb\":{\"NewImage\":{\"tags\":{\"SS\":[\"green\"]}}}}", "00000"},
    {"{\"dynamodb\":{\"NewImage\":{\"items\":{\"L\":{\"S\":[\"book\"]}}}}}", "10000"},
    {"{\"dynamodb\":{\"NewImage\":{\"items\":{\"L\":{\"N\":[\"7\"]}}}}}", "10000"},
    {"{\"arr\":[3]}", "00001"}, /* nested arrays are looked through */
    {"{\"arr\":[\"x\"]}", "00001"},
    {"{\"arr\":[4]}", "00000"},
    /* AND across fields, OR within one */
    {"{\"eventName\":[\"MODIFY\"],\"dynamodb\":{\"NewImage\":{\"age\":{\"N\":[\"31\"]}}}}",
     "01000"},
    {"{\"eventName\":[\"INSERT\"],\"dynamodb\":{\"NewImage\":{\"age\":{\"N\":[\"31\"]}}}}",
     "00000"},
    {"{\"dynamodb\":{\"NewImage\":{\"age\":{\"N\":[\"30\",\"31\"]},"
     "\"name\":{\"S\":[{\"prefix\":\"Ali\"}]}}}}",
     "11000"},
    {"{\"eventName\":[\"INSERT\",{\"prefix\":\"REM\"}]}", "10110"},
    {"{\"dynamodb\":{\"NewImage\":{\"x\":{\"S\":[{\"exists\":false},\"y\"]}}}}", "11111"},
};

static void test_cases(void) {
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ddb_filter_t *f = compile(cases[i].pattern);
        if (!f) continue;
        for (int r = 0; r < NREC; r++) {
            bool want = cases[i].want[r] == '1';
            bool got = ddb_filter_match(f, recs[r]);
            if (got != want)
                fprintf(stderr, "case %zu record %d: got %d, want %d: %s\n", i, r, got, want,
                        cases[i].pattern);
            CHECK(got == want);
        }
        ddb_filter_free(f);
    }
}

/* What a mapping does with its filters (the dispatcher's rule): a record
 * passes when any matches; no filters at all pass everything. */
static bool passes(const char *const *patterns, size_t n, const cJSON *rec) {
    ddb_filter_t *fs[10] = {0};
    for (size_t i = 0; i < n; i++)
        fs[i] = compile(patterns[i]);
    bool any = ddb_filter_match_any((const ddb_filter_t *const *)fs, n, rec);
    for (size_t i = 0; i < n; i++)
        ddb_filter_free(fs[i]);
    return any;
}

static void test_or_across_filters(void) {
    const char *two[] = {"{\"eventName\":[\"INSERT\"]}",
                         "{\"dynamodb\":{\"OldImage\":{\"age\":{\"N\":[\"31\"]}}}}"};
    CHECK(passes(two, 2, recs[INS]));
    CHECK(!passes(two, 2, recs[MOD])); /* its old age is 30 */
    CHECK(passes(two, 2, recs[REM]));
    CHECK(!passes(two, 1, recs[REM]));
    CHECK(passes(NULL, 0, recs[MOD]));
}

static void check_invalid(const char *p, size_t len, const char *msg) {
    ddb_filter_t *f = (ddb_filter_t *)1;
    ddb_error_t err;
    ddb_error_clear(&err);
    int rc = ddb_filter_compile(p, len, &f, &err);
    if (rc != DDB_ERR_VALIDATION) fprintf(stderr, "accepted: %.*s\n", (int)len, p);
    CHECK(rc == DDB_ERR_VALIDATION && err.code == DDB_ERR_VALIDATION && f == NULL);
    CHECK_STR(err.msg, msg);
}

static void test_invalid(void) {
    static const char *bad[] = {
        "",
        "[]",
        "\"eventName\"",
        "{}",
        "{\"eventName\":\"INSERT\"}", /* a leaf must be an array */
        "{\"eventName\":5}",
        "{\"eventName\":null}",
        "{\"eventName\":[]}",
        "{\"dynamodb\":{}}",
        "{\"eventName\":[[\"INSERT\"]]}",
        "{\"eventName\":[\"INSERT\"]} x", /* trailing text */
        "{\"eventName\":[\"INSERT\"]",
        "{\"eventName\":[{}]}",
        "{\"eventName\":[{\"prefix\":\"a\",\"suffix\":\"b\"}]}",
        "{\"eventName\":[{\"prefix\":5}]}",
        "{\"eventName\":[{\"suffix\":null}]}",
        "{\"eventName\":[{\"equals-ignore-case\":[\"a\"]}]}",
        "{\"eventName\":[{\"wildcard\":\"*\"}]}",
        "{\"eventName\":[{\"cidr\":\"10.0.0.0/8\"}]}",
        "{\"eventName\":[{\"exists\":\"true\"}]}",
        "{\"eventName\":[{\"exists\":1}]}",
        "{\"eventName\":[{\"anything-but\":[]}]}",
        "{\"eventName\":[{\"anything-but\":null}]}",
        "{\"eventName\":[{\"anything-but\":[true]}]}",
        "{\"eventName\":[{\"anything-but\":[[\"a\"]]}]}",
        "{\"eventName\":[{\"anything-but\":{\"exists\":true}}]}",
        "{\"eventName\":[{\"anything-but\":{\"prefix\":1}}]}",
        "{\"x\":[{\"numeric\":[]}]}",
        "{\"x\":[{\"numeric\":[\">\"]}]}",
        "{\"x\":[{\"numeric\":[\">\",\"1\"]}]}",
        "{\"x\":[{\"numeric\":[\"!=\",1]}]}",
        "{\"x\":[{\"numeric\":[\">\",1,\">\",2]}]}",
        "{\"x\":[{\"numeric\":[\"<\",1,\"<=\",2]}]}",
        "{\"x\":[{\"numeric\":[\">\",5,\"<\",5]}]}",
        "{\"x\":[{\"numeric\":[\">\",6,\"<\",5]}]}",
        "{\"x\":[{\"numeric\":[\"=\",1,\"<\",5]}]}",
        "{\"x\":[{\"numeric\":[\">\",1,\"<\",5,\"=\",3]}]}",
        "{\"x\":[{\"numeric\":5}]}",
        "{\"x\":[{\"unknown\":1}]}",
        "{\"eventName\":[\"\x80\"]}", /* not UTF-8 */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        check_invalid(bad[i], strlen(bad[i]), "Invalid filter pattern definition.");
    /* len, not the NUL, ends the text */
    check_invalid("{\"a\":[1]}", 5, "Invalid filter pattern definition.");
}

/* Nesting deeper than the bound is refused; up to it works; a pattern over
 * 4096 bytes names the constraint; a deep record costs bounded stack. */
static void test_bounds(void) {
    char p[DDB_FILTER_MAX_PATTERN + 2];
    size_t o = 0;
    for (int i = 0; i < DDB_FILTER_MAX_DEPTH; i++)
        o += (size_t)sprintf(p + o, "{\"a\":");
    o += (size_t)sprintf(p + o, "[1]");
    for (int i = 0; i < DDB_FILTER_MAX_DEPTH; i++)
        p[o++] = '}';
    p[o] = '\0';
    ddb_filter_t *f = compile(p);
    /* the record: the same path, and the value 1 at its end */
    cJSON *rec;
    buf_t b;
    buf_init(&b);
    for (int i = 0; i < DDB_FILTER_MAX_DEPTH; i++)
        buf_puts(&b, "{\"a\":");
    buf_puts(&b, "1");
    for (int i = 0; i < DDB_FILTER_MAX_DEPTH; i++)
        buf_putc(&b, '}');
    rec = cJSON_ParseWithLength(b.data, b.len);
    CHECK(rec != NULL);
    CHECK(f && ddb_filter_match(f, rec));
    cJSON_Delete(rec);
    buf_free(&b);
    ddb_filter_free(f);

    o = 0;
    for (int i = 0; i <= DDB_FILTER_MAX_DEPTH; i++)
        o += (size_t)sprintf(p + o, "{\"a\":");
    o += (size_t)sprintf(p + o, "[1]");
    for (int i = 0; i <= DDB_FILTER_MAX_DEPTH; i++)
        p[o++] = '}';
    check_invalid(p, o, "Invalid filter pattern definition.");

    /* 4096 bytes pass, 4097 do not */
    memset(p, ' ', sizeof p);
    memcpy(p, "{\"a\":[1]}", 9);
    ddb_error_t err;
    ddb_filter_t *big = NULL;
    CHECK(ddb_filter_compile(p, DDB_FILTER_MAX_PATTERN, &big, &err) == 0 && big);
    ddb_filter_free(big);
    check_invalid(p, DDB_FILTER_MAX_PATTERN + 1,
                  "Member must have length less than or equal to 4096");

    /* a record of deeply nested arrays and objects: matching stays bounded */
    buf_init(&b);
    buf_puts(&b, "{\"a\":");
    for (int i = 0; i < 900; i++)
        buf_putc(&b, '[');
    buf_puts(&b, "1");
    for (int i = 0; i < 900; i++)
        buf_putc(&b, ']');
    buf_putc(&b, '}');
    rec = cJSON_ParseWithLength(b.data, b.len);
    CHECK(rec != NULL);
    f = compile("{\"a\":[1]}");
    CHECK(f && !ddb_filter_match(f, rec)); /* past FILTER_MAX_ARRAYS: not looked at */
    ddb_filter_free(f);
    f = compile("{\"a\":[{\"exists\":false}]}");
    CHECK(f && ddb_filter_match(f, rec));
    ddb_filter_free(f);
    cJSON_Delete(rec);
    buf_free(&b);

    /* a wide record: many members, one of them matched */
    buf_init(&b);
    buf_putc(&b, '{');
    for (int i = 0; i < 20000; i++) {
        char k[32];
        sprintf(k, "%s\"k%d\":%d", i ? "," : "", i, i);
        buf_puts(&b, k);
    }
    buf_putc(&b, '}');
    rec = cJSON_ParseWithLength(b.data, b.len);
    f = compile("{\"k19999\":[{\"numeric\":[\">=\",19999]}],\"k0\":[0]}");
    CHECK(rec && f && ddb_filter_match(f, rec));
    ddb_filter_free(f);
    cJSON_Delete(rec);
    buf_free(&b);
}

int main(void) {
    arena = ddb_arena_create(0);
    make_records();
    test_cases();
    test_or_across_filters();
    test_invalid();
    test_bounds();
    for (int r = 0; r < NREC; r++)
        cJSON_Delete(recs[r]);
    ddb_arena_destroy(arena);
    return check_summary();
}
