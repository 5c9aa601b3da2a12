/* codec.h: storage's byte formats: order-preserving key encoding (kc_) and
 * the compact item serialization (ic_). Internal to storage/ (the engine
 * benchmarks and the codec's unit test use it too). Pure.
 *
 * Naming: the codec is the one storage module whose exported symbols keep a
 * module prefix (kc_, ic_) instead of ddb__, because callers outside
 * storage/ name them; the byte string below is header-only (no symbol). */
#ifndef DDB_STORAGE_CODEC_H
#define DDB_STORAGE_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query/arena.h"
#include "query/error.h"
#include "query/value.h"
#include "storage/ddb.h"

/* A growable byte string (malloc-owned). */
typedef struct bytes {
    uint8_t *p;
    size_t len, cap;
} bytes_t;

/* Appends n bytes (aborts when out of memory, as every allocation of the
 * engine does). */
static inline void bytes_put(bytes_t *b, const void *p, size_t n) {
    if (b->cap - b->len < n || !b->p) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap - b->len < n)
            cap *= 2;
        uint8_t *np = realloc(b->p, cap);
        if (!np) {
            fprintf(stderr, "ddb: out of memory\n");
            abort();
        }
        b->p = np;
        b->cap = cap;
    }
    if (n) memcpy(b->p + b->len, p, n);
    b->len += n;
}

static inline void bytes_putc(bytes_t *b, uint8_t c) {
    bytes_put(b, &c, 1);
}

static inline void bytes_free(bytes_t *b) {
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

/* ---- key codec ---------------------------------------------------------- */

/* Appends the order-preserving encoding of a key value (S, N or B): memcmp
 * order of encodings equals DynamoDB's order of values, and no encoding is a
 * prefix of another. Returns DDB_ERR_VALIDATION for other types. */
int kc_encode_value(bytes_t *out, const ddb_value_t *v);

/* Appends the escaped bytes of an S or B value without the terminator: every
 * encoding of a value that begins with v begins with these bytes. */
int kc_encode_prefix(bytes_t *out, const ddb_value_t *v);

/* Turns b into the smallest byte string greater than every string that has b
 * as a prefix (drops trailing 0xFF bytes, increments the last); false if
 * there is none (b empty or all 0xFF). */
bool kc_successor(bytes_t *b);

/* Decodes one key value of type t from p[0..len); returns bytes consumed or 0. */
size_t kc_decode_value(const uint8_t *p, size_t len, ddb_type_t t, ddb_arena_t *a,
                       ddb_value_t *out);

/* Appends [table id][hash][enc(hash key)]: the prefix of a partition's keys. */
int kc_partition_prefix(bytes_t *out, uint32_t table_id, const ddb_value_t *hash);

/* The same for a multi-attribute partition key: [id][hash of the encodings
 * concatenated][enc(hash[0])]..[enc(hash[n-1])]; n == 1 is kc_partition_prefix.
 * Each encoding is self-delimiting, so distinct tuples never share bytes. */
int kc_partition_prefix_n(bytes_t *out, uint32_t table_id, const ddb_value_t *const *hash,
                          size_t n);

/* Appends the item key: [table id BE32][hash BE64][enc(hash key)][enc(range key)].
 * key is a map holding the key attributes named by ks. */
int kc_item_key(bytes_t *out, uint32_t table_id, const ddb_key_schema_t *ks,
                const ddb_value_t *key);

/* The 8-byte partition hash of an encoded partition key. */
uint64_t kc_partition_hash(const uint8_t *enc, size_t len);

/* First hash of parallel-scan segment seg of total (seg == total: 2^64, as
 * *end_is_max = true). */
uint64_t kc_segment_start(uint32_t seg, uint32_t total, int *is_end);

/* memcmp order of byte strings, a shorter prefix first (the order of keys
 * in RocksDB and of members in the cluster's sorted sets alike). */
int ddb__cmp_bytes(const uint8_t *a, size_t al, const uint8_t *b, size_t bl);

void kc_put_be32(uint8_t *p, uint32_t v);
void kc_put_be64(uint8_t *p, uint64_t v);
uint32_t kc_get_be32(const uint8_t *p);
uint64_t kc_get_be64(const uint8_t *p);

/* ---- item codec --------------------------------------------------------- */

/* How deep a serialized value may nest, the outermost value being depth 0:
 * both directions hold to it, so every record the engine writes it can read
 * back. DynamoDB's 32 levels of an item (checked above the engine) and the
 * stream record's wrapping of images fit well under it. */
#define IC_MAX_DEPTH 64

/* Appends the serialization of v (any type). Returns 0, or DDB_ERR_INTERNAL
 * with nothing appended when v nests deeper than IC_MAX_DEPTH (a caller that
 * let such a value through would otherwise store a record nobody can read). */
int ic_encode(bytes_t *out, const ddb_value_t *v);

/* Decodes a serialization into arena a; DDB_ERR_INTERNAL if malformed or
 * nested deeper than IC_MAX_DEPTH. */
int ic_decode(const uint8_t *p, size_t len, ddb_arena_t *a, ddb_value_t *out, ddb_error_t *err);

#endif
