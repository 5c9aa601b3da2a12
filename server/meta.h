/* meta.h: building and reading the table description kept in the catalog.
 *
 * The engine stores a table's description as an opaque map value; the server
 * owns its shape (AttributeDefinitions, BillingMode, throughput, tags,
 * timestamps, ...). These helpers build such maps in an arena and read
 * members back. */
#ifndef DDB_META_H
#define DDB_META_H

#include <stdbool.h>
#include <stdint.h>

#include "query/arena.h"
#include "query/value.h"

typedef struct mb {
    ddb_arena_t *arena;
    ddb_attr_t *a;
    size_t n, cap;
} mb_t;

void mb_init(mb_t *m, ddb_arena_t *arena, size_t cap);
void mb_str(mb_t *m, const char *name, const char *s, size_t len);
void mb_int(mb_t *m, const char *name, int64_t v);
void mb_bool(mb_t *m, const char *name, bool v);
void mb_val(mb_t *m, const char *name, const ddb_value_t *v);
/* Returns the built map (its attributes live in the arena). */
ddb_value_t mb_done(mb_t *m);

/* Copies every attribute of src except those named in skip (NULL-terminated list). */
void mb_copy_except(mb_t *m, const ddb_value_t *src, const char *const *skip);

/* Readers: default when absent or of another type. */
const char *meta_str(const ddb_value_t *meta, const char *name, size_t *len);
int64_t meta_int(const ddb_value_t *meta, const char *name, int64_t dflt);
bool meta_bool(const ddb_value_t *meta, const char *name, bool dflt);
const ddb_value_t *meta_get(const ddb_value_t *meta, const char *name);

/* The table's NumberOfDecreasesToday at now_ms: its count of throughput
 * decreases ("Decreases") while its last one ("LastDecrease") is of the
 * same UTC day, 0 from the next day on. */
int64_t meta_decreases_today(const ddb_value_t *meta, int64_t now_ms);

/* Milliseconds since the epoch as a canonical N text (seconds with up to 3 decimals). */
const char *meta_time_text(ddb_arena_t *a, int64_t ms);

#endif
