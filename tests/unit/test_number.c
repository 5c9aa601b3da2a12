/* test_number.c: exact decimals: parsing with DynamoDB's messages, canonical
 * text (as DynamoDB Local returns it), comparison, arithmetic and the
 * order-preserving key encoding. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "query/number.h"

static ddb_num_t num(const char *s) {
    ddb_num_t n;
    ddb_error_t err;
    if (ddb_num_parse(s, strlen(s), &n, &err)) {
        fprintf(stderr, "bad test number %s: %s\n", s, err.msg);
        abort();
    }
    return n;
}

static const char *fmt(const ddb_num_t *n) {
    static char buf[DDB_NUM_MAX_TEXT];
    ddb_num_format(n, buf, sizeof buf);
    return buf;
}

static void test_canonical_text(void) {
    /* pairs observed from DynamoDB Local (PutItem then GetItem) */
    static const char *const cases[][2] = {
        {"1.0", "1"},
        {"1.50", "1.5"},
        {"-0", "0"},
        {"0.000", "0"},
        {"1e2", "100"},
        {"1E+2", "100"},
        {"1.5e-3", "0.0015"},
        {"007", "7"},
        {".5", "0.5"},
        {"5.", "5"},
        {"+3", "3"},
        {"-12.500", "-12.5"},
        {"1E+30", "1000000000000000000000000000000"},
        {"123.456e1", "1234.56"},
        {"0.0001e4", "1"},
        {"-1e-130",
         "-0.0000000000000000000000000000000000000000000000000000000000000000000000000000"
         "000000000000000000000000000000000000000000000000000001"},
        {"12345678901234567890123456789012345678", "12345678901234567890123456789012345678"},
        {"1234567890123456789012345678901234567800000",
         "1234567890123456789012345678901234567800000"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ddb_num_t n = num(cases[i][0]);
        CHECK_STR(fmt(&n), cases[i][1]);
        /* canonical text parses back to the same number and the same text */
        ddb_num_t m = num(fmt(&n));
        CHECK(ddb_num_cmp(&n, &m) == 0);
    }
}

static void test_parse_errors(void) {
    static const char *const nan = "A value provided cannot be converted into a number";
    static const char *const cases[][2] = {
        {"", nan},
        {"abc", nan},
        {"1e", nan},
        {"1.2.3", nan},
        {"--1", nan},
        {" 1", nan},
        {"1 ", nan},
        {"NaN", nan},
        {"Infinity", nan},
        {".", nan},
        {"e5", nan},
        {"0x10", nan},
        {"1e126", "Number overflow. Attempting to store a number with magnitude larger than "
                  "supported range"},
        {"-1e126", "Number overflow. Attempting to store a number with magnitude larger than "
                   "supported range"},
        {"1e-131", "Number underflow. Attempting to store a number with magnitude smaller than "
                   "supported range"},
        {"123456789012345678901234567890123456789",
         "Attempting to store more than 38 significant digits in a Number"},
        {"1.00000000000000000000000000000000000001",
         "Attempting to store more than 38 significant digits in a Number"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ddb_num_t n;
        ddb_error_t err = {0};
        int rc = ddb_num_parse(cases[i][0], strlen(cases[i][0]), &n, &err);
        CHECK(rc == DDB_ERR_VALIDATION);
        CHECK_STR(err.msg, cases[i][1]);
    }
    /* the extremes of the range are accepted */
    ddb_num_t n;
    CHECK(ddb_num_parse("9.9999999999999999999999999999999999999E+125", 44, &n, NULL) == 0);
    CHECK(ddb_num_parse("1E-130", 6, &n, NULL) == 0);
    CHECK(ddb_num_parse("0e999999", 8, &n, NULL) == 0 && n.ndigits == 0);
}

static int sign(int x) {
    return (x > 0) - (x < 0);
}

static void test_compare(void) {
    static const char *const ordered[] = {
        "-1e125", "-100", "-10.5", "-10", "-9.99", "-1",   "-0.5", "-0.05", "-1e-130", "0",
        "1e-130", "0.05", "0.5",   "1",   "1.5",   "9.99", "10",   "10.5",  "100",     "1e125",
    };
    size_t n = sizeof ordered / sizeof ordered[0];
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            ddb_num_t a = num(ordered[i]), b = num(ordered[j]);
            int want = (i > j) - (i < j);
            CHECK(sign(ddb_num_cmp(&a, &b)) == want);
            uint8_t ka[DDB_NUM_MAX_KEY], kb[DDB_NUM_MAX_KEY];
            size_t la = ddb_num_encode_key(&a, ka), lb = ddb_num_encode_key(&b, kb);
            size_t m = la < lb ? la : lb;
            int c = memcmp(ka, kb, m);
            if (c == 0) c = (la > lb) - (la < lb);
            CHECK(sign(c) == want);
        }
    }
    ddb_num_t a = num("42"), b = num("42.000"), c = num("4.2e1");
    CHECK(ddb_num_cmp(&a, &b) == 0 && ddb_num_cmp(&b, &c) == 0);
}

static void test_arithmetic(void) {
    static const char *const cases[][4] = {
        {"0.1", "+", "0.2", "0.3"},
        {"1", "-", "1", "0"},
        {"5", "-", "7.25", "-2.25"},
        {"-5", "+", "-5", "-10"},
        {"99.99", "+", "0.01", "100"},
        {"1e20", "+", "1", "100000000000000000001"},
        {"-3", "-", "-10", "7"},
        {"0", "-", "4.5", "-4.5"},
        {"1e-130", "-", "1e-130", "0"},
        {"9.9999999999999999999999999999999999999E+125", "-",
         "9.9999999999999999999999999999999999999E+125", "0"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ddb_num_t a = num(cases[i][0]), b = num(cases[i][2]), out;
        ddb_error_t err;
        int rc = cases[i][1][0] == '+' ? ddb_num_add(&a, &b, &out, &err)
                                       : ddb_num_sub(&a, &b, &out, &err);
        CHECK(rc == 0);
        CHECK_STR(fmt(&out), cases[i][3]);
    }
    ddb_num_t big = num("9.9999999999999999999999999999999999999E+125"), out;
    ddb_error_t err;
    /* max + max needs 39 digits: DynamoDB Local reports precision before range */
    CHECK(ddb_num_add(&big, &big, &out, &err) == DDB_ERR_VALIDATION);
    CHECK_STR(err.msg, "Attempting to store more than 38 significant digits in a Number");
    ddb_num_t nine = num("9E+125"), one = num("1E+125");
    CHECK(ddb_num_add(&nine, &one, &out, &err) == DDB_ERR_VALIDATION);
    CHECK_STR(
        err.msg,
        "Number overflow. Attempting to store a number with magnitude larger than supported range");
    ddb_num_t x = num("1e30"), y = num("1e-30");
    CHECK(ddb_num_add(&x, &y, &out, &err) == DDB_ERR_VALIDATION);
    CHECK_STR(err.msg, "Attempting to store more than 38 significant digits in a Number");
}

/* Random numbers: encoding order equals numeric order, and decoding is exact. */
static void test_key_encoding_property(void) {
    uint64_t s = 88172645463325252ull;
    ddb_num_t nums[600];
    for (size_t i = 0; i < 600; i++) {
        char text[64];
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        int digits = 1 + (int)(s % 38);
        int exp = (int)((s >> 8) % 60) - 30;
        size_t k = 0;
        if ((s >> 20) & 1) text[k++] = '-';
        for (int d = 0; d < digits; d++) {
            s ^= s << 13, s ^= s >> 7, s ^= s << 17;
            text[k++] = (char)('0' + (d == 0 ? 1 + s % 9 : s % 10));
        }
        k += (size_t)snprintf(text + k, sizeof text - k, "e%d", exp);
        ddb_error_t err;
        CHECK(ddb_num_parse(text, k, &nums[i], &err) == 0);
    }
    for (size_t i = 0; i < 600; i++) {
        uint8_t ki[DDB_NUM_MAX_KEY];
        size_t li = ddb_num_encode_key(&nums[i], ki);
        CHECK(li <= DDB_NUM_MAX_KEY);
        ddb_num_t back;
        CHECK(ddb_num_decode_key(ki, li, &back) == li);
        CHECK(ddb_num_cmp(&back, &nums[i]) == 0);
        for (size_t j = 0; j < 600; j += 7) {
            uint8_t kj[DDB_NUM_MAX_KEY];
            size_t lj = ddb_num_encode_key(&nums[j], kj);
            size_t m = li < lj ? li : lj;
            int c = memcmp(ki, kj, m);
            if (c == 0) c = (li > lj) - (li < lj);
            CHECK(sign(c) == sign(ddb_num_cmp(&nums[i], &nums[j])));
        }
    }
    uint8_t junk[3] = {0x03, 0x80, 0x00};
    ddb_num_t out;
    CHECK(ddb_num_decode_key(junk, 2, &out) == 0); /* truncated */
    /* only canonical encodings decode: a leading zero digit pair would give
     * an unnormalized mantissa (0.001 * 10^125 that compares unequal to the
     * same value parsed), a trailing 00 pair a second encoding of a number */
    static const uint8_t leading[] = {0x01, 0x01, 0xfe, 0xf4, 0xff};
    CHECK(ddb_num_decode_key(leading, sizeof leading, &out) == 0);
    static const uint8_t leading_pos[] = {0x03, 0x82, 0x01, 0x0c, 0x00};
    CHECK(ddb_num_decode_key(leading_pos, sizeof leading_pos, &out) == 0);
    static const uint8_t trailing[] = {0x03, 0x82, 0x1c, 0x01, 0x00};
    CHECK(ddb_num_decode_key(trailing, sizeof trailing, &out) == 0);
    static const uint8_t fine[] = {0x03, 0x82, 0x1c, 0x0b, 0x00}; /* 0.2710 * 10^1 */
    CHECK(ddb_num_decode_key(fine, sizeof fine, &out) == sizeof fine);
    CHECK(out.ndigits == 3 && out.d[0] == 2 && out.d[1] == 7 && out.d[2] == 1);
}

int main(void) {
    test_canonical_text();
    test_parse_errors();
    test_compare();
    test_arithmetic();
    test_key_encoding_property();
    return check_summary();
}
