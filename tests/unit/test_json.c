/* test_json.c: AttributeValue JSON <-> value conversion, base64, escaping
 * and the validation messages of server/json.c. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "query/json.h"

static ddb_arena_t *arena;

/* Parses one AttributeValue and writes it back; returns the status. */
static int roundtrip(const char *in, char *out, size_t cap, ddb_error_t *err) {
    cJSON *j = cJSON_Parse(in);
    if (!j) return -1;
    ddb_value_t v;
    ddb_error_clear(err);
    int rc = json_to_value(arena, j, &v, err);
    if (!rc) {
        buf_t b;
        buf_init(&b);
        json_put_value(&b, &v);
        snprintf(out, cap, "%.*s", (int)b.len, b.data);
        buf_free(&b);
    }
    cJSON_Delete(j);
    return rc;
}

static void test_roundtrips(void) {
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"{\"S\":\"hello\"}", "{\"S\":\"hello\"}"},
        {"{\"S\":\"\"}", "{\"S\":\"\"}"},
        {"{\"S\":\"q\\\"b\\\\n\\n\\u0001\"}", "{\"S\":\"q\\\"b\\\\n\\n\\u0001\"}"},
        {"{\"S\":\"\xc3\xa9\xe2\x82\xac\"}", "{\"S\":\"\xc3\xa9\xe2\x82\xac\"}"},
        {"{\"N\":\"1.50\"}", "{\"N\":\"1.5\"}"},
        {"{\"N\":\"-0\"}", "{\"N\":\"0\"}"},
        {"{\"B\":\"AAEC\"}", "{\"B\":\"AAEC\"}"},
        {"{\"B\":\"YQ==\"}", "{\"B\":\"YQ==\"}"},
        {"{\"B\":\"YWI=\"}", "{\"B\":\"YWI=\"}"},
        {"{\"B\":\"\"}", "{\"B\":\"\"}"},
        {"{\"BOOL\":false}", "{\"BOOL\":false}"},
        {"{\"NULL\":true}", "{\"NULL\":true}"},
        {"{\"SS\":[\"a\",\"b\"]}", "{\"SS\":[\"a\",\"b\"]}"},
        {"{\"NS\":[\"1\",\"2.0\"]}", "{\"NS\":[\"1\",\"2\"]}"},
        {"{\"BS\":[\"YQ==\",\"Yg==\"]}", "{\"BS\":[\"YQ==\",\"Yg==\"]}"},
        {"{\"L\":[]}", "{\"L\":[]}"},
        {"{\"M\":{}}", "{\"M\":{}}"},
        {"{\"L\":[{\"S\":\"a\"},{\"M\":{\"x\":{\"N\":\"1\"}}}]}",
         "{\"L\":[{\"S\":\"a\"},{\"M\":{\"x\":{\"N\":\"1\"}}}]}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[512] = "";
        ddb_error_t err;
        int rc = roundtrip(cases[i].in, out, sizeof out, &err);
        CHECK(rc == 0);
        if (rc) fprintf(stderr, "  input %s: %s\n", cases[i].in, err.msg);
        CHECK_STR(out, cases[i].out);
    }
}

static void test_errors(void) {
    static const struct {
        const char *in;
        ddb_status_t code;
        const char *msg; /* prefix */
    } cases[] = {
        {"{}", DDB_ERR_VALIDATION, "Supplied AttributeValue is empty"},
        {"{\"S\":\"a\",\"N\":\"1\"}", DDB_ERR_VALIDATION,
         "Supplied AttributeValue has more than one datatypes set"},
        {"{\"SS\":[]}", DDB_ERR_VALIDATION,
         "One or more parameter values were invalid: An string set  may not be empty"},
        {"{\"NS\":[]}", DDB_ERR_VALIDATION,
         "One or more parameter values were invalid: An number set  may not be empty"},
        {"{\"SS\":[\"a\",\"a\"]}", DDB_ERR_VALIDATION,
         "One or more parameter values were invalid: Input collection [a, a] contains duplicates"},
        {"{\"NS\":[\"1\",\"1.0\"]}", DDB_ERR_VALIDATION,
         "One or more parameter values were invalid: Input collection [1, 1] contains duplicates"},
        {"{\"NULL\":false}", DDB_ERR_VALIDATION,
         "One or more parameter values were invalid: Null attribute value types must have the "
         "value of true"},
        {"{\"B\":\"abc\"}", DDB_ERR_SERIALIZATION, "Base64"},
        {"{\"B\":\"ab!=\"}", DDB_ERR_SERIALIZATION, "Base64"},
        {"{\"S\":5}", DDB_ERR_SERIALIZATION, ""},
        {"{\"BOOL\":\"true\"}", DDB_ERR_SERIALIZATION, ""},
        {"{\"L\":{}}", DDB_ERR_SERIALIZATION, ""},
        {"{\"N\":\"abc\"}", DDB_ERR_VALIDATION, ""},
        {"[]", DDB_ERR_SERIALIZATION, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[256];
        ddb_error_t err;
        int rc = roundtrip(cases[i].in, out, sizeof out, &err);
        CHECK(rc == (int)cases[i].code);
        if (rc != (int)cases[i].code) fprintf(stderr, "  input %s: rc %d\n", cases[i].in, rc);
        CHECK(strncmp(err.msg, cases[i].msg, strlen(cases[i].msg)) == 0);
        if (strncmp(err.msg, cases[i].msg, strlen(cases[i].msg)) != 0) {
            fprintf(stderr, "  input %s: message \"%s\"\n", cases[i].in, err.msg);
        }
    }
}

static void test_depth(void) {
    /* values nest at most 32 deep: 31 lists around a string pass, 32 fail
     * (DynamoDB Local: "Nesting Levels have exceeded supported limits") */
    for (int levels = 30; levels <= 33; levels++) {
        buf_t b;
        buf_init(&b);
        for (int i = 0; i < levels; i++)
            buf_puts(&b, "{\"L\":[");
        buf_puts(&b, "{\"S\":\"x\"}");
        for (int i = 0; i < levels; i++)
            buf_puts(&b, "]}");
        buf_putc(&b, '\0');
        char out[4096];
        ddb_error_t err;
        int rc = roundtrip(b.data, out, sizeof out, &err);
        CHECK(levels <= 31 ? rc == 0 : rc == DDB_ERR_VALIDATION);
        buf_free(&b);
    }
}

static void test_base64_all_lengths(void) {
    unsigned char raw[64];
    for (int i = 0; i < 64; i++)
        raw[i] = (unsigned char)(i * 37 + 5);
    for (size_t len = 0; len <= sizeof raw; len++) {
        buf_t b;
        buf_init(&b);
        json_put_base64(&b, raw, len);
        unsigned char *dec;
        size_t dl;
        /* strip the quotes */
        int rc = json_base64_decode(arena, b.data + 1, b.len - 2, &dec, &dl);
        CHECK(rc == 0 && dl == len && memcmp(dec, raw, len) == 0);
        buf_free(&b);
    }
}

static void test_duplicate_members(void) {
    cJSON *j = cJSON_Parse("{\"a\":{\"S\":\"1\"},\"b\":{\"N\":\"2\"},\"a\":{\"S\":\"3\"}}");
    ddb_value_t item;
    ddb_error_t err;
    CHECK(json_to_item(arena, j, &item, &err) == 0);
    CHECK(item.u.map.n == 2);
    const ddb_value_t *a = ddb_map_get(&item, "a", 1);
    CHECK(a && a->u.str.len == 1 && a->u.str.ptr[0] == '3');
    cJSON_Delete(j);
}

/* The byte-at-a-time escaper json_put_str must agree with (it skips clean
 * 8-byte words at once). */
static void escape_ref(buf_t *b, const char *s, size_t len) {
    buf_putc(b, '"');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"')
            buf_puts(b, "\\\"");
        else if (c == '\\')
            buf_puts(b, "\\\\");
        else if (c == '\n')
            buf_puts(b, "\\n");
        else if (c == '\r')
            buf_puts(b, "\\r");
        else if (c == '\t')
            buf_puts(b, "\\t");
        else if (c == '\b')
            buf_puts(b, "\\b");
        else if (c == '\f')
            buf_puts(b, "\\f");
        else if (c < 0x20)
            buf_printf(b, "\\u%04x", c);
        else
            buf_putc(b, (char)c);
    }
    buf_putc(b, '"');
}

static void test_string_escapes_at_every_position(void) {
    const char specials[] = {'"', '\\', '\n', 0x01, 0x1f, '\t', (char)0xc3, (char)0xa9, 'a', ' '};
    int bad = 0;
    for (size_t len = 0; len < 40; len++) {
        for (size_t pos = 0; pos < len; pos++) {
            for (size_t k = 0; k < sizeof specials; k++) {
                char s[40];
                for (size_t i = 0; i < len; i++)
                    s[i] = (char)('a' + (i % 26));
                s[pos] = specials[k];
                buf_t got, want;
                buf_init(&got);
                buf_init(&want);
                json_put_str(&got, s, len);
                escape_ref(&want, s, len);
                if (got.len != want.len || memcmp(got.data, want.data, got.len) != 0) bad++;
                buf_free(&got);
                buf_free(&want);
            }
        }
    }
    CHECK(bad == 0);
}

/* json_parse_request: what a request body must be beyond JSON's grammar. */
static void test_request_text(void) {
    static const struct {
        const char *body;
        size_t len; /* 0: strlen */
        bool ok;
    } cases[] = {
        {"{\"a\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}", 0, true}, /* 2, 3, 4 bytes */
        {"{\"a\":\"\xed\x9f\xbf\xee\x80\x80\xf4\x8f\xbf\xbf\"}", 0,
         true},                                        /* U+D7FF U+E000 U+10FFFF */
        {"{\"a\":\"x\xff\"}", 0, false},               /* never valid */
        {"{\"a\":\"x\xc0\xaf\"}", 0, false},           /* overlong '/' */
        {"{\"a\":\"x\xe0\x80\xaf\"}", 0, false},       /* overlong, 3 bytes */
        {"{\"a\":\"x\xed\xa0\x80\"}", 0, false},       /* a surrogate, UTF-8 encoded */
        {"{\"a\":\"x\xf4\x90\x80\x80\"}", 0, false},   /* past U+10FFFF */
        {"{\"a\":\"x\xe2\x82\"}", 0, false},           /* cut short */
        {"{\"a\":\"x\xe2\x82", 9, false},              /* cut short by the end */
        {"{\"a\":\"x\x80\"}", 0, false},               /* a lone continuation byte */
        {"{\"xxxxxxxxxxxxxxxx\":\"\x01\"}", 0, false}, /* raw control character */
        {"{\"a\":\"tab\there\"}", 0, false},
        {"{\"a\":\"q\\\"\x01\"}", 0, false}, /* after an escaped quote: still inside */
        {"{\"a\":\"b\\\\\"}\n", 0, true},    /* an escaped backslash ends nothing */
        {"{\n\t\"a\" : 1 }\r\n ", 0, true},  /* white space between and after */
        {"{\"a\":1} x", 0, false},           /* trailing bytes */
        {"{\"a\":1}{}", 0, false},
        {"[1]", 0, false}, /* not an object */
        {"", 0, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len = cases[i].len ? cases[i].len : strlen(cases[i].body);
        cJSON *j;
        ddb_error_t err;
        ddb_error_clear(&err);
        int rc = json_parse_request(cases[i].body, len, &j, &err);
        if ((rc == 0) != cases[i].ok) fprintf(stderr, "request text case %zu\n", i);
        CHECK((rc == 0) == cases[i].ok);
        if (rc) CHECK(err.code == DDB_ERR_SERIALIZATION && err.msg[0]);
        if (!rc) cJSON_Delete(j);
    }
}

/* Text denser than DynamoDB JSON can be (under 3 bytes a value) is refused
 * before parsing; the densest real shapes pass. */
static void test_request_density(void) {
    static const struct {
        const char *open, *elem, *close;
        bool ok;
    } cases[] = {
        {"{\"a\":[", "0,", "0]}", false},   /* 2 bytes a value */
        {"{\"a\":[", "[],", "[]]}", false}, /* an empty list counts as two value starts */
        {"{\"a\":{\"L\":[", "{\"L\":[]},", "{\"L\":[]}]}}", true},
        {"{\"a\":{\"SS\":[", "\"\",", "\"\"]}}", true}, /* 3 */
        {"{\"a\":{\"L\":[", "{\"M\":{}},", "{\"M\":{}}]}}", true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        buf_t b;
        buf_init(&b);
        buf_puts(&b, cases[i].open);
        for (int k = 0; k < 20000; k++)
            buf_puts(&b, cases[i].elem);
        buf_puts(&b, cases[i].close);
        cJSON *j = NULL;
        ddb_error_t err;
        int rc = json_parse_request(b.data, b.len, &j, &err);
        CHECK((rc == 0) == cases[i].ok);
        if (rc) CHECK(err.code == DDB_ERR_SERIALIZATION && strstr(err.msg, "values in"));
        cJSON_Delete(j);
        buf_free(&b);
    }
}

/* \u0000 survives cJSON: names and strings keep their NULs and lengths. */
static void test_nul_characters(void) {
    const char body[] = "{\"Item\":{\"a\\u0000b\":{\"S\":\"x\\u0000y\\u0000\"},"
                        "\"c\":{\"S\":\"\\\\u0000\"}},\"T\":\"t\\u0000\"}";
    cJSON *j;
    ddb_error_t err;
    CHECK(json_parse_request(body, sizeof body - 1, &j, &err) == 0);
    ddb_value_t item;
    CHECK(json_to_item(arena, cJSON_GetObjectItemCaseSensitive(j, "Item"), &item, &err) == 0);
    CHECK(item.u.map.n == 2);
    const ddb_attr_t *a = &item.u.map.a[0];
    CHECK(a->name_len == 3 && memcmp(a->name, "a\0b", 3) == 0);
    CHECK(a->value.u.str.len == 4 && memcmp(a->value.u.str.ptr, "x\0y\0", 4) == 0);
    const ddb_attr_t *c = &item.u.map.a[1]; /* an escaped backslash, then u0000 */
    CHECK(c->value.u.str.len == 6 && memcmp(c->value.u.str.ptr, "\\u0000", 6) == 0);
    size_t len;
    const char *t = json_str(cJSON_GetObjectItemCaseSensitive(j, "T"), &len);
    CHECK(len == 2 && memcmp(t, "t\0", 2) == 0);
    t = json_str(cJSON_GetObjectItemCaseSensitive(j, "T"), &len); /* decoded once, read again */
    CHECK(len == 2);
    /* an error message quoting such a string writes the NUL as \u0000 */
    ddb_error_set(&err, DDB_ERR_VALIDATION,
                  "bad 'a\xc0\x80"
                  "b'");
    buf_t b;
    buf_init(&b);
    json_put_error(&b, &err, NULL);
    CHECK(b.len > 0 && strstr(buf_cstr(&b), "bad 'a\\u0000b'") != NULL);
    buf_free(&b);
    cJSON_Delete(j);
    /* a \u0000 and then a text that ends in a backslash (fuzz_expr found the
     * copy reading and writing past it) */
    static const char cut[] = {'{', '"', 'a', '"', ':',  '"',  '\\', 'u',
                               '0', '0', '0', '0', '\\', '\\', '\\'};
    char *exact = malloc(sizeof cut);
    memcpy(exact, cut, sizeof cut);
    CHECK(json_parse_request(exact, sizeof cut, &j, &err) == DDB_ERR_SERIALIZATION);
    free(exact);
}

/* The scan skips plain bytes a word at a time: a bad byte is found at every
 * offset of a long string, and separators are counted at every offset. */
static void test_request_text_every_offset(void) {
    const unsigned char bad[] = {0xff, 0x01, 0xc0};
    int missed = 0;
    for (size_t k = 0; k < sizeof bad; k++) {
        for (size_t pos = 0; pos < 40; pos++) {
            char body[64];
            size_t n = (size_t)snprintf(body, sizeof body, "{\"a\":\"%s\"}",
                                        "abcdefghijklmnopqrstuvwxyzabcdefghijklmn");
            body[7 + pos] = (char)bad[k];
            cJSON *j = NULL;
            ddb_error_t err;
            if (json_parse_request(body, n, &j, &err) != DDB_ERR_SERIALIZATION) missed++;
            cJSON_Delete(j);
        }
    }
    CHECK(missed == 0);
}

/* json_member_span: the value text of a top-level member, across strings
 * with escaped quotes and brackets, nested values and whitespace; nothing
 * for an absent member, a nested one of the same name, or cut text. */
static bool span_is(const char *text, const char *name, const char *want) {
    size_t vs, ve;
    if (!json_member_span(text, strlen(text), name, &vs, &ve)) return want == NULL;
    return want && ve - vs == strlen(want) && memcmp(text + vs, want, ve - vs) == 0;
}

static void test_member_span(void) {
    const char *t =
        "{\"Items\":[{\"a\":{\"S\":\"x]}\\\"\"}},{\"b\":{\"N\":\"1\"}}],"
        "\"Count\":2, \"ScannedCount\" : 7 ,\"LastEvaluatedKey\":{\"Count\":{\"N\":\"3\"}}}";
    CHECK(span_is(t, "Items", "[{\"a\":{\"S\":\"x]}\\\"\"}},{\"b\":{\"N\":\"1\"}}]"));
    CHECK(span_is(t, "Count", "2"));
    CHECK(span_is(t, "ScannedCount", "7"));
    CHECK(span_is(t, "LastEvaluatedKey", "{\"Count\":{\"N\":\"3\"}}"));
    CHECK(span_is(t, "Item", NULL));
    CHECK(span_is(t, "N", NULL));
    CHECK(span_is("{}", "Items", NULL));
    CHECK(span_is("[1]", "Items", NULL));
    CHECK(span_is("{\"Items\":[1,2", "Items", NULL));
    CHECK(span_is("{\"Items\":\"abc", "Items", NULL));
    CHECK(span_is("{\"Item\":{}}", "Item", "{}"));
    /* a string ending in an escaped backslash ends at its quote */
    CHECK(span_is("{\"a\":\"b\\\\\",\"c\":1}", "c", "1"));
    CHECK(span_is("{\"a\":\"\\\\\\\"\",\"c\":[2]}", "c", "[2]"));
    json_member_t m[2];
    CHECK(json_members(t, strlen(t), m, 2) == 2 && m[1].name_len == 5);
    /* every cut of the text: never a span past its end */
    for (size_t n = 0; n < strlen(t); n++) {
        size_t vs, ve;
        if (json_member_span(t, n, "LastEvaluatedKey", &vs, &ve)) CHECK(ve <= n);
    }
}

int main(void) {
    arena = ddb_arena_create(0);
    test_member_span();
    test_request_text_every_offset();
    test_nul_characters();
    test_request_text();
    test_request_density();
    test_string_escapes_at_every_position();
    test_roundtrips();
    test_errors();
    test_depth();
    test_base64_all_lengths();
    test_duplicate_members();
    ddb_arena_destroy(arena);
    return check_summary();
}
