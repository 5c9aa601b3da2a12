/* sigv4_internal.h: what sigv4.c (signing, verifying) and sigv4_parse.c (parsing, dates) share
 * and nobody else uses: the scheme's fixed strings and the byte helpers both sides need. Never
 * include it outside query/sigv4*.c; sigv4.h is the whole public interface. Defined in sigv4.c. */
#ifndef DDB_QUERY_SIGV4_INTERNAL_H
#define DDB_QUERY_SIGV4_INTERNAL_H

#include <stddef.h>

#define SV4__ALGORITHM  "AWS4-HMAC-SHA256"
#define SV4__TERMINATOR "aws4_request"

/* A piece of a larger string (not NUL-terminated). */
typedef struct sv4__span {
    const char *p;
    size_t n;
} sv4__span_t;

/* The value of hex digit c (either case), or -1. */
int sv4__hexval(unsigned char c);

/* The index of the first c in s[i..n), or n. */
size_t sv4__find(const char *s, size_t i, size_t n, char c);

/* 1 if a[0..an) and b[0..bn) are equal ignoring ASCII case. */
int sv4__ieq(const char *a, size_t an, const char *b, size_t bn);

/* 1 if a[0..an) is exactly the NUL-terminated lit. */
int sv4__eq(const char *a, size_t an, const char *lit);

/* 1 for the white space AWS trims: space, tab, CR, LF. */
int sv4__space(char c);

#endif
