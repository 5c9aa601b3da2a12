/* buf.h: growable byte buffer used to build responses without JSON trees.
 * Owns its memory (malloc); buf_free releases it. Aborts on OOM. */
#ifndef DDB_BUF_H
#define DDB_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct buf {
    char *data;
    size_t len;
    size_t cap;
} buf_t;

void buf_init(buf_t *b);
void buf_free(buf_t *b);
void buf_reset(buf_t *b);                 /* len = 0, keeps memory */
void buf_reserve(buf_t *b, size_t extra); /* ensure cap >= len + extra */
void buf_grow(buf_t *b, size_t extra);    /* the slow path of buf_reserve */
void buf_puts(buf_t *b, const char *s);
void buf_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The contents NUL-terminated (the terminator is not counted in len). */
const char *buf_cstr(buf_t *b);

/* Appending is on every response's hot path: inline, with the growth out of line. */
static inline void buf_put(buf_t *b, const void *p, size_t n) {
    if (b->cap - b->len < n + 1 || !b->data) buf_grow(b, n);
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
}

static inline void buf_putc(buf_t *b, char c) {
    if (b->cap - b->len < 2 || !b->data) buf_grow(b, 1);
    b->data[b->len++] = c;
}

#endif
