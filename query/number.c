/* number.c: exact decimal numbers as DynamoDB stores them: parse with
 * DynamoDB's validation, canonical text, comparison, addition/subtraction
 * and an order-preserving key encoding. No floating point. Pure. */
#include "query/number.h"

#include <string.h>

/* value = 0.d1..dn * 10^exp; DynamoDB's range is 1E-130 <= |v| < 1E+126, so
 * for normalized mantissas exp lies in [-129, 126]. */
#define EXP_MIN (-129)
#define EXP_MAX 126

static const char msg_nan[] = "A value provided cannot be converted into a number";

static int range_check(const ddb_num_t *n, ddb_error_t *err) {
    if (n->ndigits == 0) return 0;
    if (n->exp > EXP_MAX) {
        return ddb_error_set(err, DDB_ERR_VALIDATION,
                             "Number overflow. Attempting to store a number with magnitude "
                             "larger than supported range");
    }
    if (n->exp < EXP_MIN) {
        return ddb_error_set(err, DDB_ERR_VALIDATION,
                             "Number underflow. Attempting to store a number with magnitude "
                             "smaller than supported range");
    }
    return 0;
}

int ddb_num_parse(const char *s, size_t len, ddb_num_t *out, ddb_error_t *err) {
    size_t i = 0;
    bool neg = false;
    memset(out, 0, sizeof *out);
    if (i < len && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
    /* collect digits of the mantissa, remembering the decimal point position */
    uint8_t digits[DDB_NUM_MAX_DIGITS];
    int nd = 0;     /* significant digits kept */
    long point = 0; /* digits before the decimal point (after leading zeros) */
    bool seen_digit = false, seen_point = false, leading = true;
    long trailing_zeros = 0; /* zeros seen after the last nonzero digit */
    for (; i < len; i++) {
        char c = s[i];
        if (c == '.') {
            if (seen_point) return ddb_error_set(err, DDB_ERR_VALIDATION, msg_nan);
            seen_point = true;
            continue;
        }
        if (c < '0' || c > '9') break;
        seen_digit = true;
        if (leading && c == '0') {
            if (seen_point) point--; /* 0.00x: shifts the exponent down */
            continue;
        }
        leading = false;
        if (!seen_point) point++;
        if (c == '0') {
            trailing_zeros++;
            continue;
        }
        /* a nonzero digit: flush pending zeros as significant */
        if (nd + trailing_zeros + 1 > DDB_NUM_MAX_DIGITS) {
            return ddb_error_set(err, DDB_ERR_VALIDATION,
                                 "Attempting to store more than 38 significant digits in a Number");
        }
        for (; trailing_zeros > 0; trailing_zeros--)
            digits[nd++] = 0;
        digits[nd++] = (uint8_t)(c - '0');
    }
    if (!seen_digit) return ddb_error_set(err, DDB_ERR_VALIDATION, msg_nan);
    long exp10 = 0;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        bool eneg = false;
        if (i < len && (s[i] == '+' || s[i] == '-')) eneg = s[i++] == '-';
        if (i >= len) return ddb_error_set(err, DDB_ERR_VALIDATION, msg_nan);
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
            if (exp10 < 100000) exp10 = exp10 * 10 + (s[i] - '0');
        }
        if (eneg) exp10 = -exp10;
    }
    if (i != len) return ddb_error_set(err, DDB_ERR_VALIDATION, msg_nan);
    if (nd == 0) return 0; /* zero, any sign or exponent */
    out->neg = neg;
    out->ndigits = (uint8_t)nd;
    memcpy(out->d, digits, (size_t)nd);
    long e = point + exp10;
    if (e > EXP_MAX) e = EXP_MAX + 1;
    if (e < EXP_MIN) e = EXP_MIN - 1;
    out->exp = (int16_t)e;
    return range_check(out, err);
}

size_t ddb_num_format(const ddb_num_t *n, char *buf, size_t cap) {
    char tmp[DDB_NUM_MAX_TEXT];
    size_t k = 0;
    if (n->ndigits == 0) {
        tmp[k++] = '0';
    } else {
        if (n->neg) tmp[k++] = '-';
        int e = n->exp, nd = n->ndigits;
        if (e <= 0) {
            /* 0.000ddd */
            tmp[k++] = '0';
            tmp[k++] = '.';
            for (int z = 0; z < -e; z++)
                tmp[k++] = '0';
            for (int j = 0; j < nd; j++)
                tmp[k++] = (char)('0' + n->d[j]);
        } else if (e >= nd) {
            /* ddd000 */
            for (int j = 0; j < nd; j++)
                tmp[k++] = (char)('0' + n->d[j]);
            for (int z = 0; z < e - nd; z++)
                tmp[k++] = '0';
        } else {
            for (int j = 0; j < nd; j++) {
                if (j == e) tmp[k++] = '.';
                tmp[k++] = (char)('0' + n->d[j]);
            }
        }
    }
    if (cap == 0) return k;
    size_t m = k < cap - 1 ? k : cap - 1;
    memcpy(buf, tmp, m);
    buf[m] = '\0';
    return m;
}

/* Compares magnitudes of two nonzero normalized numbers. */
static int cmp_mag(const ddb_num_t *a, const ddb_num_t *b) {
    if (a->exp != b->exp) return a->exp < b->exp ? -1 : 1;
    int n = a->ndigits > b->ndigits ? a->ndigits : b->ndigits;
    for (int i = 0; i < n; i++) {
        int x = i < a->ndigits ? a->d[i] : 0, y = i < b->ndigits ? b->d[i] : 0;
        if (x != y) return x < y ? -1 : 1;
    }
    return 0;
}

int ddb_num_cmp(const ddb_num_t *a, const ddb_num_t *b) {
    int sa = a->ndigits == 0 ? 0 : a->neg ? -1 : 1;
    int sb = b->ndigits == 0 ? 0 : b->neg ? -1 : 1;
    if (sa != sb) return sa < sb ? -1 : 1;
    if (sa == 0) return 0;
    int m = cmp_mag(a, b);
    return sa < 0 ? -m : m;
}

/* Aligned digit arrays: position p holds the digit of weight 10^(top - 1 - p). */
#define WIDE (2 * 260)

static void spread(const ddb_num_t *n, int top, uint8_t *w) {
    for (int j = 0; j < n->ndigits; j++)
        w[top - n->exp + j] = n->d[j];
}

static int normalize(uint8_t *w, int len, int top, bool neg, ddb_num_t *out, ddb_error_t *err) {
    int first = 0;
    while (first < len && w[first] == 0)
        first++;
    memset(out, 0, sizeof *out);
    if (first == len) return 0;
    int last = len - 1;
    while (w[last] == 0)
        last--;
    int nd = last - first + 1;
    /* precision is checked before range, as DynamoDB Local does for sums */
    if (nd > DDB_NUM_MAX_DIGITS) {
        return ddb_error_set(err, DDB_ERR_VALIDATION,
                             "Attempting to store more than 38 significant digits in a Number");
    }
    out->neg = neg;
    out->ndigits = (uint8_t)nd;
    memcpy(out->d, w + first, (size_t)nd);
    out->exp = (int16_t)(top - first);
    return range_check(out, err);
}

static int add_signed(const ddb_num_t *a, const ddb_num_t *b, bool bneg, ddb_num_t *out,
                      ddb_error_t *err) {
    if (b->ndigits == 0) {
        *out = *a;
        return 0;
    }
    if (a->ndigits == 0) {
        *out = *b;
        out->neg = bneg;
        return 0;
    }
    /* exponents lie in [-130, 127], so one wide array covers both operands */
    uint8_t x[WIDE] = {0}, y[WIDE] = {0};
    int top = 1 + (a->exp > b->exp ? a->exp : b->exp); /* one spare digit for the carry */
    int low_a = a->exp - a->ndigits, low_b = b->exp - b->ndigits;
    int low = low_a < low_b ? low_a : low_b;
    int len = top - low;
    spread(a, top, x);
    spread(b, top, y);
    if (a->neg == bneg) {
        int carry = 0;
        for (int p = len - 1; p >= 0; p--) {
            int s = x[p] + y[p] + carry;
            x[p] = (uint8_t)(s % 10);
            carry = s / 10;
        }
        return normalize(x, len, top, a->neg, out, err);
    }
    /* different signs: subtract the smaller magnitude from the larger */
    int c = cmp_mag(a, b);
    if (c == 0) {
        memset(out, 0, sizeof *out);
        return 0;
    }
    uint8_t *big = c > 0 ? x : y, *small = c > 0 ? y : x;
    bool neg = c > 0 ? a->neg : bneg;
    int borrow = 0;
    for (int p = len - 1; p >= 0; p--) {
        int s = big[p] - small[p] - borrow;
        borrow = s < 0;
        big[p] = (uint8_t)(s + (borrow ? 10 : 0));
    }
    return normalize(big, len, top, neg, out, err);
}

int ddb_num_add(const ddb_num_t *a, const ddb_num_t *b, ddb_num_t *out, ddb_error_t *err) {
    return add_signed(a, b, b->neg, out, err);
}

int ddb_num_sub(const ddb_num_t *a, const ddb_num_t *b, ddb_num_t *out, ddb_error_t *err) {
    return add_signed(a, b, !b->neg, out, err);
}

/* Key encoding: one class byte (0x01 negative, 0x02 zero, 0x03 positive), then
 * for nonzero numbers the exponent biased into one byte and the digits packed
 * two per byte as (10*hi + lo + 1) * ... -- here: each digit pair as a byte
 * 1..100 (pair value + 1), terminated by 0x00. Negative numbers store the
 * complement of every byte after the class byte so that larger magnitudes
 * sort first. Shorter digit strings sort before longer ones with the same
 * prefix because the terminator 0x00 is below every digit byte. */
size_t ddb_num_encode_key(const ddb_num_t *n, uint8_t *buf) {
    if (n->ndigits == 0) {
        buf[0] = 0x02;
        return 1;
    }
    size_t k = 0;
    buf[k++] = n->neg ? 0x01 : 0x03;
    size_t start = k;
    buf[k++] = (uint8_t)(n->exp + 129); /* exp in [-129, 126] -> 0..255 */
    for (int j = 0; j < n->ndigits; j += 2) {
        int hi = n->d[j], lo = j + 1 < n->ndigits ? n->d[j + 1] : 0;
        buf[k++] = (uint8_t)(hi * 10 + lo + 1);
    }
    buf[k++] = 0x00;
    if (n->neg) {
        for (size_t p = start; p < k; p++)
            buf[p] = (uint8_t)~buf[p];
    }
    return k;
}

size_t ddb_num_decode_key(const uint8_t *buf, size_t len, ddb_num_t *out) {
    memset(out, 0, sizeof *out);
    if (len < 1) return 0;
    if (buf[0] == 0x02) return 1;
    if (buf[0] != 0x01 && buf[0] != 0x03) return 0;
    bool neg = buf[0] == 0x01;
    uint8_t flip = neg ? 0xff : 0x00;
    if (len < 3) return 0;
    out->neg = neg;
    out->exp = (int16_t)((buf[1] ^ flip) - 129);
    size_t k = 2;
    int nd = 0;
    for (;; k++) {
        if (k >= len) return 0;
        uint8_t b = buf[k] ^ flip;
        if (b == 0) break;
        if (b > 100 || nd + 2 > DDB_NUM_MAX_DIGITS + 1) return 0;
        /* only the canonical encoding: the mantissa starts with a nonzero
         * digit (else cmp, which assumes normalized numbers, goes wrong) */
        if (k == 2 && b <= 10) return 0;
        out->d[nd++] = (uint8_t)((b - 1) / 10);
        if (nd < DDB_NUM_MAX_DIGITS) out->d[nd++] = (uint8_t)((b - 1) % 10);
    }
    /* ... and ends with a nonzero digit: no trailing 00 pair */
    if (k == 2 || (buf[k - 1] ^ flip) == 1) return 0;
    while (nd > 0 && out->d[nd - 1] == 0)
        nd--;
    out->ndigits = (uint8_t)nd;
    return k + 1;
}
