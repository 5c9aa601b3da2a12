/* buf.c: growable byte buffer. */
#include "query/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(buf_t *b) {
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void buf_free(buf_t *b) {
    free(b->data);
    buf_init(b);
}

void buf_reset(buf_t *b) {
    b->len = 0;
}

void buf_reserve(buf_t *b, size_t extra) {
    if (b->cap - b->len >= extra + 1 && b->data) return;
    buf_grow(b, extra);
}

void buf_grow(buf_t *b, size_t extra) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < extra + 1)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) {
        fprintf(stderr, "ddbd: out of memory\n");
        abort();
    }
    b->data = p;
    b->cap = cap;
}

void buf_puts(buf_t *b, const char *s) {
    buf_put(b, s, strlen(s));
}

void buf_printf(buf_t *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char tmp[256];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof tmp) {
        buf_put(b, tmp, (size_t)n);
        return;
    }
    buf_reserve(b, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

const char *buf_cstr(buf_t *b) {
    buf_reserve(b, 1);
    b->data[b->len] = '\0';
    return b->data;
}
