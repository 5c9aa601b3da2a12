/* arena.c: chunked bump allocator. Large requests get a chunk of their own;
 * reset keeps the first chunk, and up to ARENA_KEEP bytes of further
 * regular chunks for reuse, so a server's steady state allocates nothing
 * (freeing 64 KB chunks on every request made malloc consolidate its heap).
 * Past ARENA_KEEP an arena grows by chunks of half what it holds (up to
 * ARENA_MAX_GROW): few, large chunks, which reset frees and the allocator
 * can hand back to the system, instead of thousands of 64 KB chunks that
 * stay in the heap after one huge request. */
#include "query/arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_DEFAULT_CHUNK (64 * 1024)
#define ARENA_KEEP          (4u << 20)
#define ARENA_MAX_GROW      (8u << 20)

typedef struct chunk {
    struct chunk *next;
    size_t cap;
    size_t used;
    _Alignas(16) unsigned char data[];
} chunk_t;

struct ddb_arena {
    chunk_t *head;
    chunk_t *first; /* the original chunk, kept across resets */
    chunk_t *spare; /* regular chunks kept by reset, reused before malloc */
    size_t spare_bytes;
    size_t chunk_size;
    size_t held; /* bytes in the chunks in use since the last reset */
};

static chunk_t *chunk_new(size_t cap) {
    chunk_t *c = malloc(sizeof *c + cap);
    if (!c) {
        fprintf(stderr, "ddb: out of memory allocating %zu bytes\n", cap);
        abort();
    }
    c->next = NULL;
    c->cap = cap;
    c->used = 0;
    return c;
}

ddb_arena_t *ddb_arena_create(size_t chunk_size) {
    ddb_arena_t *a = calloc(1, sizeof *a);
    if (!a) abort();
    a->chunk_size = chunk_size ? chunk_size : ARENA_DEFAULT_CHUNK;
    a->head = chunk_new(a->chunk_size);
    a->first = a->head;
    return a;
}

void *ddb_arena_alloc(ddb_arena_t *a, size_t size) {
    size_t need = (size + 15) & ~(size_t)15;
    if (need == 0) need = 16;
    chunk_t *c = a->head;
    if (c->cap - c->used < need) {
        size_t cap = need > a->chunk_size ? need : a->chunk_size;
        if (need <= a->chunk_size && a->held >= ARENA_KEEP) {
            size_t grow = a->held / 2 > ARENA_MAX_GROW ? ARENA_MAX_GROW : a->held / 2;
            if (grow > cap) cap = grow;
        }
        a->held += cap;
        chunk_t *n;
        if (cap == a->chunk_size && a->spare) {
            n = a->spare;
            a->spare = n->next;
            a->spare_bytes -= n->cap;
            n->used = 0;
        } else {
            n = chunk_new(cap);
        }
        if (need > a->chunk_size) {
            /* oversized: keep the current chunk at the head for small allocations */
            n->next = c->next;
            c->next = n;
            n->used = need;
            memset(n->data, 0, need);
            return n->data;
        }
        n->next = c;
        a->head = n;
        c = n;
    }
    void *p = c->data + c->used;
    c->used += need;
    memset(p, 0, need);
    return p;
}

char *ddb_arena_strndup(ddb_arena_t *a, const char *p, size_t len) {
    char *s = ddb_arena_alloc(a, len + 1);
    if (len) memcpy(s, p, len);
    s[len] = '\0';
    return s;
}

void *ddb_arena_memdup(ddb_arena_t *a, const void *p, size_t len) {
    void *s = ddb_arena_alloc(a, len);
    if (len) memcpy(s, p, len);
    return s;
}

void ddb_arena_reset(ddb_arena_t *a) {
    chunk_t *c = a->head;
    while (c) {
        chunk_t *n = c->next;
        if (c != a->first) {
            if (c->cap == a->chunk_size && a->spare_bytes + c->cap <= ARENA_KEEP) {
                c->next = a->spare;
                a->spare = c;
                a->spare_bytes += c->cap;
            } else {
                free(c);
            }
        }
        c = n;
    }
    a->first->next = NULL;
    a->first->used = 0;
    a->head = a->first;
    a->held = 0;
}

void ddb_arena_destroy(ddb_arena_t *a) {
    if (!a) return;
    for (int list = 0; list < 2; list++) {
        chunk_t *c = list ? a->spare : a->head;
        while (c) {
            chunk_t *n = c->next;
            free(c);
            c = n;
        }
    }
    free(a);
}
