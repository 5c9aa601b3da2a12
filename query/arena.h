/* arena.h: bump allocator for per-request memory.
 *
 * Everything a request allocates (parsed values, expression trees, response
 * scratch) comes from one arena that is reset or destroyed when the response
 * has been sent; nothing allocated from it is freed individually. Pure. */
#ifndef DDB_ARENA_H
#define DDB_ARENA_H

#include <stddef.h>

typedef struct ddb_arena ddb_arena_t;

/* Creates an arena whose chunks are at least chunk_size bytes (0: default). */
ddb_arena_t *ddb_arena_create(size_t chunk_size);

/* Returns size bytes aligned to 16, zeroed; never NULL (aborts on OOM). */
void *ddb_arena_alloc(ddb_arena_t *a, size_t size);

/* Copies len bytes of p into the arena and NUL-terminates the copy. */
char *ddb_arena_strndup(ddb_arena_t *a, const char *p, size_t len);

/* Copies len bytes of p into the arena (no terminator). */
void *ddb_arena_memdup(ddb_arena_t *a, const void *p, size_t len);

/* Frees all allocations but keeps the first chunk for reuse. */
void ddb_arena_reset(ddb_arena_t *a);

/* Frees the arena and everything allocated from it. */
void ddb_arena_destroy(ddb_arena_t *a);

#endif
