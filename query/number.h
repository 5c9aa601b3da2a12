/* number.h: DynamoDB numbers as exact decimals.
 *
 * Up to 38 significant decimal digits, magnitude between 1E-130 and
 * 9.9999999999999999999999999999999999999E+125 (or zero). No floating point
 * anywhere: parse, canonical formatting, comparison, addition, subtraction
 * and an order-preserving binary key encoding. Pure: no I/O. */
#ifndef DDB_NUMBER_H
#define DDB_NUMBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "query/error.h"

#define DDB_NUM_MAX_DIGITS 38
/* Longest canonical text ddb_num_format can produce, including the NUL. */
#define DDB_NUM_MAX_TEXT 200
/* Longest key encoding ddb_num_encode_key can produce. */
#define DDB_NUM_MAX_KEY 24

/* value = (neg ? -1 : 1) * 0.d[0]d[1]...d[ndigits-1] * 10^exp.
 * Normalized: d[0] != 0 and d[ndigits-1] != 0 unless the number is zero,
 * which has ndigits == 0, neg == false, exp == 0. Digits are 0..9. */
typedef struct ddb_num {
    bool neg;
    int16_t exp;
    uint8_t ndigits;
    uint8_t d[DDB_NUM_MAX_DIGITS];
} ddb_num_t;

/* Parses DynamoDB number text (optional sign, digits, optional fraction,
 * optional exponent; leading/trailing zeros allowed). On failure returns
 * DDB_ERR_VALIDATION with DynamoDB's message (not a number, more than 38
 * significant digits, overflow, underflow). */
int ddb_num_parse(const char *s, size_t len, ddb_num_t *out, ddb_error_t *err);

/* Writes the canonical text DynamoDB returns for n (NUL-terminated) into buf
 * of cap bytes (cap >= DDB_NUM_MAX_TEXT is always enough); returns length. */
size_t ddb_num_format(const ddb_num_t *n, char *buf, size_t cap);

/* <0, 0, >0 as a is numerically less than, equal to, greater than b. */
int ddb_num_cmp(const ddb_num_t *a, const ddb_num_t *b);

/* out = a + b / a - b, exact. Fails with DynamoDB's validation message if the
 * result needs more than 38 significant digits or leaves the range. */
int ddb_num_add(const ddb_num_t *a, const ddb_num_t *b, ddb_num_t *out, ddb_error_t *err);
int ddb_num_sub(const ddb_num_t *a, const ddb_num_t *b, ddb_num_t *out, ddb_error_t *err);

/* Order-preserving encoding: memcmp order of encodings == numeric order.
 * Self-delimiting (decode finds the end). Writes at most DDB_NUM_MAX_KEY bytes
 * into buf and returns the length. */
size_t ddb_num_encode_key(const ddb_num_t *n, uint8_t *buf);

/* Decodes an encoding produced by ddb_num_encode_key from buf[0..len);
 * returns the number of bytes consumed, or 0 if malformed. */
size_t ddb_num_decode_key(const uint8_t *buf, size_t len, ddb_num_t *out);

/* Number of significant digits (0 for zero); used for DynamoDB's size rule. */
static inline int ddb_num_digits(const ddb_num_t *n) {
    return n->ndigits;
}

#endif
