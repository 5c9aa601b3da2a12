/* test_route.c: the REST path matcher (server/route.c): {param} segments,
 * literal segments, trailing slashes, percent-decoding of path parameters
 * and query strings, and splitting a request target. Links only ddbroute
 * (and query/), never libuv or the engine. */
#include <stdbool.h>
#include <string.h>

#include "check.h"
#include "server/route.h"

static ddb_arena_t *arena;

/* Matches path against pattern; on a match *n parameters land in params. */
static bool match(const char *pattern, const char *path, route_kv_t *params, size_t *n) {
    return route_match(arena, pattern, path, strlen(path), params, n);
}

static void test_literals(void) {
    route_kv_t p[ROUTE_MAX_PARAMS];
    size_t n = 99;
    CHECK(match("/2015-03-31/event-source-mappings/", "/2015-03-31/event-source-mappings/", p, &n));
    CHECK(n == 0);
    /* a trailing slash is a segment of its own */
    CHECK(!match("/2015-03-31/event-source-mappings/", "/2015-03-31/event-source-mappings", p, &n));
    CHECK(!match("/2015-03-31/event-source-mappings", "/2015-03-31/event-source-mappings/", p, &n));
    CHECK(!match("/2015-03-31/functions", "/2015-03-31/function", p, &n));
    CHECK(!match("/2015-03-31/functions", "/2015-03-31/functionsX", p, &n));
    CHECK(!match("/a/b", "/a", p, &n));
    CHECK(!match("/a", "/a/b", p, &n));
    CHECK(match("/", "/", p, &n));
    CHECK(!match("/a", "", p, &n));
    CHECK(!match("/a", "a", p, &n));
    /* literals compare undecoded */
    CHECK(!match("/a b", "/a%20b", p, &n));
}

static void test_params(void) {
    route_kv_t p[ROUTE_MAX_PARAMS];
    size_t n = 0;
    CHECK(match("/2015-03-31/event-source-mappings/{UUID}",
                "/2015-03-31/event-source-mappings/14e0db71-xmpl-4eb5", p, &n));
    CHECK(n == 1);
    CHECK(p[0].name_len == 4 && memcmp(p[0].name, "UUID", 4) == 0);
    CHECK_STR(p[0].value, "14e0db71-xmpl-4eb5");
    CHECK(p[0].value_len == 18);
    CHECK(route_get(p, n, "UUID") == &p[0]);
    CHECK(route_get(p, n, "uuid") == NULL);

    /* a parameter in the middle; its value is percent-decoded, '+' kept */
    CHECK(match("/2015-03-31/functions/{name}/invocations",
                "/2015-03-31/functions/arn%3Aaws%3Alambda%3Afn+x/invocations", p, &n));
    CHECK(n == 1);
    CHECK_STR(p[0].value, "arn:aws:lambda:fn+x");
    /* an encoded slash stays inside one segment */
    CHECK(match("/f/{name}/i", "/f/a%2Fb/i", p, &n));
    CHECK_STR(p[0].value, "a/b");
    /* empty segments do not match a parameter */
    CHECK(!match("/2015-03-31/functions/{name}/invocations", "/2015-03-31/functions//invocations",
                 p, &n));
    CHECK(!match("/2015-03-31/event-source-mappings/{UUID}", "/2015-03-31/event-source-mappings/",
                 p, &n));
    CHECK(!match("/f/{name}/invocations", "/f/x/invocation", p, &n));
    CHECK(!match("/f/{name}", "/f/x/y", p, &n));

    CHECK(match("/{a}/x/{b}", "/1/x/2", p, &n));
    CHECK(n == 2);
    CHECK_STR(route_get(p, n, "a")->value, "1");
    CHECK_STR(route_get(p, n, "b")->value, "2");
}

static void test_decode(void) {
    size_t len;
    CHECK_STR(route_decode(arena, "a%20b%2fc", 9, false, &len), "a b/c");
    CHECK(len == 5);
    CHECK_STR(route_decode(arena, "a+b", 3, true, &len), "a b");
    CHECK_STR(route_decode(arena, "a+b", 3, false, &len), "a+b");
    /* malformed escapes are kept as they are */
    CHECK_STR(route_decode(arena, "100%", 4, false, &len), "100%");
    CHECK_STR(route_decode(arena, "%4", 2, false, &len), "%4");
    CHECK_STR(route_decode(arena, "%zz", 3, false, &len), "%zz");
    CHECK_STR(route_decode(arena, "%41%42", 6, false, &len), "AB");
    /* a decoded NUL keeps its byte; the length says where the value ends */
    char *z = route_decode(arena, "a%00b", 5, false, &len);
    CHECK(len == 3 && z[0] == 'a' && z[1] == '\0' && z[2] == 'b');
}

static void test_url_and_query(void) {
    const char *path, *qs;
    size_t pl, ql;
    const char *url = "/2015-03-31/event-source-mappings/?FunctionName=f%3A1&Marker=&MaxItems=10";
    route_split_url(url, strlen(url), &path, &pl, &qs, &ql);
    CHECK(pl == strlen("/2015-03-31/event-source-mappings/"));
    CHECK(ql == strlen("FunctionName=f%3A1&Marker=&MaxItems=10"));
    route_kv_t *q;
    size_t n;
    route_parse_query(arena, qs, ql, &q, &n);
    CHECK(n == 3);
    CHECK_STR(route_get(q, n, "FunctionName")->value, "f:1");
    CHECK_STR(route_get(q, n, "Marker")->value, "");
    CHECK_STR(route_get(q, n, "MaxItems")->value, "10");
    CHECK(route_get(q, n, "Missing") == NULL);

    route_split_url("/x", 2, &path, &pl, &qs, &ql);
    CHECK(pl == 2 && qs == NULL && ql == 0);
    route_parse_query(arena, qs, ql, &q, &n);
    CHECK(q == NULL && n == 0);

    /* keys are decoded too; empty pieces and a bare key */
    const char *s = "&a%20b=c+d&&flag";
    route_parse_query(arena, s, strlen(s), &q, &n);
    CHECK(n == 2);
    CHECK_STR(q[0].name, "a b");
    CHECK_STR(q[0].value, "c d");
    CHECK_STR(q[1].name, "flag");
    CHECK_STR(q[1].value, "");
}

int main(void) {
    arena = ddb_arena_create(0);
    test_literals();
    test_params();
    test_decode();
    test_url_and_query();
    ddb_arena_destroy(arena);
    return check_summary();
}
