/* test_sigv4_parse.c: AWS Signature Version 4, the receiving side's parsers. Each malformed
 * Authorization header or presigned query gets its own code (and names the offending part),
 * Date stands in for X-Amz-Date, request dates format and parse both ways (and reject what is
 * not a real time), and the clock-skew check accepts exactly 15 minutes either way. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "query/sigv4.h"

static ddb_sigv4_header_t hdr(const char *name, const char *value) {
    return (ddb_sigv4_header_t){name, strlen(name), value, strlen(value)};
}

#define CRED "Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request"
#define SIG  "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"

/* Each malformed Authorization header gets its own code, for the server's error mapping. */
static void test_parse_header(void) {
    static const struct {
        const char *value, *date; /* date: the X-Amz-Date header, or NULL for none */
        ddb_sigv4_status_t want;
        unsigned missing;
        const char *bad; /* the part auth->bad should name, or NULL */
    } cases[] = {
        {"AWS4-HMAC-SHA256 " CRED ", SignedHeaders=host;x-amz-date, " SIG, "20150830T123600Z",
         DDB_SIGV4_OK, 0, NULL},
        {"  AWS4-HMAC-SHA256 " CRED ",SignedHeaders=host;x-amz-date,  " SIG " ", "20150830T123600Z",
         DDB_SIGV4_OK, 0, NULL},
        {"", "20150830T123600Z", DDB_SIGV4_ERR_NO_AUTH, 0, NULL},
        {"AWS4-HMAC-SHA1 " CRED ", SignedHeaders=host, " SIG, "20150830T123600Z",
         DDB_SIGV4_ERR_ALGORITHM, 0, "AWS4-HMAC-SHA1"},
        {"AWS4-HMAC-SHA256 SignedHeaders=host, " SIG, "20150830T123600Z",
         DDB_SIGV4_ERR_NO_CREDENTIAL, DDB_SIGV4_MISSING_CREDENTIAL, NULL},
        {"AWS4-HMAC-SHA256 " CRED ", " SIG, "20150830T123600Z", DDB_SIGV4_ERR_NO_SIGNED_HEADERS,
         DDB_SIGV4_MISSING_SIGNED_HEADERS, NULL},
        {"AWS4-HMAC-SHA256 " CRED ", SignedHeaders=host", "20150830T123600Z",
         DDB_SIGV4_ERR_NO_SIGNATURE, DDB_SIGV4_MISSING_SIGNATURE, NULL},
        {"AWS4-HMAC-SHA256", NULL, DDB_SIGV4_ERR_NO_CREDENTIAL, 0xF, NULL},
        {"AWS4-HMAC-SHA256 " CRED ", SignedHeaders=host, " SIG, NULL, DDB_SIGV4_ERR_NO_DATE,
         DDB_SIGV4_MISSING_DATE, NULL},
        {"AWS4-HMAC-SHA256 " CRED ", SignedHeaders=host, " SIG, "2015-08-30T12:36:00Z",
         DDB_SIGV4_ERR_DATE_FORM, 0, "2015-08-30T12:36:00Z"},
        {"AWS4-HMAC-SHA256 " CRED ", SignedHeaders=host, " SIG, "20150231T123600Z",
         DDB_SIGV4_ERR_DATE_FORM, 0, "20150231T123600Z"},
        {"AWS4-HMAC-SHA256 " CRED ", SignedHeaders, " SIG, "20150830T123600Z",
         DDB_SIGV4_ERR_KEY_VALUE, 0, "SignedHeaders"},
        {"AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/service, SignedHeaders=host, " SIG,
         "20150830T123600Z", DDB_SIGV4_ERR_CREDENTIAL_FORM, 0, "AKID/20150830/us-east-1/service"},
        {"AWS4-HMAC-SHA256 Credential=A/20150830/us-east-1/service/aws4_request/x, "
         "SignedHeaders=host, " SIG,
         "20150830T123600Z", DDB_SIGV4_ERR_CREDENTIAL_FORM, 0, NULL},
        {"AWS4-HMAC-SHA256 Credential=A/20150830/us-east-1/service/aws5_request, "
         "SignedHeaders=host, " SIG,
         "20150830T123600Z", DDB_SIGV4_ERR_TERMINATOR, 0, "aws5_request"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ddb_sigv4_header_t h[2] = {hdr("Host", "example.amazonaws.com")};
        size_t n = 1;
        if (cases[i].date) h[n++] = hdr("X-Amz-Date", cases[i].date);
        ddb_sigv4_auth_t auth;
        ddb_sigv4_status_t st =
            ddb_sigv4_parse_header(cases[i].value, strlen(cases[i].value), h, n, &auth);
        if (st != cases[i].want)
            fprintf(stderr, "case %zu: %s, want %s\n", i, ddb_sigv4_status_name(st),
                    ddb_sigv4_status_name(cases[i].want));
        CHECK(st == cases[i].want);
        CHECK(auth.missing == cases[i].missing);
        if (cases[i].bad)
            CHECK(auth.bad && auth.bad_len == strlen(cases[i].bad) &&
                  memcmp(auth.bad, cases[i].bad, auth.bad_len) == 0);
    }

    /* Date (IMF-fixdate) when there is no X-Amz-Date; X-Amz-Date wins when both are there */
    ddb_sigv4_header_t h[3] = {hdr("Date", "Sun, 30 Aug 2015 12:36:00 GMT")};
    ddb_sigv4_auth_t auth;
    const char *v = "AWS4-HMAC-SHA256 " CRED ", SignedHeaders=host;x-amz-date, " SIG;
    CHECK(ddb_sigv4_parse_header(v, strlen(v), h, 1, &auth) == DDB_SIGV4_OK);
    CHECK_STR(auth.amz_date, "20150830T123600Z");
    CHECK(auth.signed_headers_len == 15 && auth.signature_len == 64);
    CHECK(auth.terminator_len == 12 && auth.region_len == 9);
    h[1] = hdr("X-Amz-Date", "20150830T123700Z");
    CHECK(ddb_sigv4_parse_header(v, strlen(v), h, 2, &auth) == DDB_SIGV4_OK);
    CHECK_STR(auth.amz_date, "20150830T123700Z");
    h[0] = hdr("Date", "30 Aug 2015 12:36:00");
    CHECK(ddb_sigv4_parse_header(v, strlen(v), h, 1, &auth) == DDB_SIGV4_ERR_DATE_FORM);

    /* presigned: every X-Amz-* parameter is decoded; the codes mirror the header form's */
    ddb_arena_t *a = ddb_arena_create(0);
    const char *q = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2F"
                    "us-east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z";
    CHECK(ddb_sigv4_parse_query(a, q, strlen(q), &auth) == DDB_SIGV4_ERR_NO_SIGNED_HEADERS);
    CHECK(auth.missing == (DDB_SIGV4_MISSING_SIGNED_HEADERS | DDB_SIGV4_MISSING_SIGNATURE));
    CHECK(ddb_sigv4_parse_query(a, "a=1&b=2", 7, &auth) == DDB_SIGV4_ERR_NO_AUTH);
    CHECK(ddb_sigv4_parse_query(a, NULL, 0, &auth) == DDB_SIGV4_ERR_NO_AUTH);
    q = "X-Amz-Algorithm=AWS4-HMAC-SHA1&X-Amz-Signature=00";
    CHECK(ddb_sigv4_parse_query(a, q, strlen(q), &auth) == DDB_SIGV4_ERR_ALGORITHM);
    q = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=604801";
    CHECK(ddb_sigv4_parse_query(a, q, strlen(q), &auth) == DDB_SIGV4_ERR_EXPIRES);
    q = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=0";
    CHECK(ddb_sigv4_parse_query(a, q, strlen(q), &auth) == DDB_SIGV4_ERR_EXPIRES);
    ddb_arena_destroy(a);
}

/* AWS allows 15 minutes either way; exactly 15 minutes is still accepted. */
static void test_clock(void) {
    ddb_sigv4_auth_t auth = {.expires = -1};
    memcpy(auth.amz_date, "20150830T123600Z", 17);
    const int64_t t = 1440938160; /* 2015-08-30T12:36:00Z */
    static const struct {
        int64_t now_minus_t;
        ddb_sigv4_status_t want;
    } cases[] = {
        {0, DDB_SIGV4_OK},
        {900, DDB_SIGV4_OK},
        {901, DDB_SIGV4_ERR_EXPIRED},
        {86400, DDB_SIGV4_ERR_EXPIRED},
        {-900, DDB_SIGV4_OK},
        {-901, DDB_SIGV4_ERR_NOT_YET_CURRENT},
        {-86400, DDB_SIGV4_ERR_NOT_YET_CURRENT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK(ddb_sigv4_check_time(&auth, t + cases[i].now_minus_t, DDB_SIGV4_MAX_SKEW) ==
              cases[i].want);
    auth.amz_date[0] = 'x';
    CHECK(ddb_sigv4_check_time(&auth, t, DDB_SIGV4_MAX_SKEW) == DDB_SIGV4_ERR_DATE_FORM);
}

static void test_dates(void) {
    static const struct {
        int64_t epoch;
        const char *text;
    } cases[] = {
        {0, "19700101T000000Z"},          {1440938160, "20150830T123600Z"},
        {1456704000, "20160229T000000Z"}, {951868799, "20000229T235959Z"},
        {-1, "19691231T235959Z"},         {4102444800, "21000101T000000Z"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[17];
        ddb_sigv4_format_date(cases[i].epoch, out);
        CHECK_STR(out, cases[i].text);
        int64_t back = 0;
        CHECK(ddb_sigv4_parse_date(cases[i].text, 16, &back) == DDB_SIGV4_OK);
        CHECK(back == cases[i].epoch);
    }
    static const char *const bad[] = {"20150229T000000Z", "20151301T000000Z", "20150830T240000Z",
                                      "20150830T123660Z", "20150830 123600Z", "20150830T123600",
                                      "2015083OT123600Z", "20150830T123600z"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t t;
        CHECK(ddb_sigv4_parse_date(bad[i], strlen(bad[i]), &t) == DDB_SIGV4_ERR_DATE_FORM);
    }
}

int main(void) {
    test_parse_header();
    test_clock();
    test_dates();
    return check_summary();
}
