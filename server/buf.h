/* buf.h: growable byte buffer used to build responses without JSON trees.
 * Owns its memory (malloc); buf_free releases it. Aborts on OOM. */
#ifndef DDB_BUF_H
#define DDB_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct buf {
    char *data;
    size_t len;
    size_t cap;
} buf_t;

void buf_init(buf_t *b);
void buf_free(buf_t *b);
void buf_reset(buf_t *b);                 /* len = 0, keeps memory */
void buf_reserve(buf_t *b, size_t extra); /* ensure cap >= len + extra */
void buf_put(buf_t *b, const void *p, size_t n);
void buf_putc(buf_t *b, char c);
void buf_puts(buf_t *b, const char *s);
void buf_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
