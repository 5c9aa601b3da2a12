/* index.h: secondary-index entries (internal to storage/, ddb__ix_ names): which items an
 * index holds, the key of an item's entry, its projected item, and the
 * index definitions' place in the table record. Pure. */
#ifndef DDB_STORAGE_INDEX_H
#define DDB_STORAGE_INDEX_H

#include <stdbool.h>

#include "storage/codec.h"
#include "storage/ddb.h"

/* Appends the key of item's entry in ix: [index id][hash][enc(index hash)]
 * [enc(index range)][enc(table hash)][enc(table range)]. False (nothing
 * appended) when item lacks an index key attribute, has one of another
 * type, or one that does not fit (ddb_index_value_fits): such items are not
 * in the index. */
bool ddb__ix_entry_key(bytes_t *out, const ddb_table_info_t *t, const ddb_index_info_t *ix,
                       const ddb_value_t *item);

/* The expiry time (whole epoch seconds) a TTL attribute value stands for:
 * false unless a non-negative number. */
bool ddb__ix_expiry(const ddb_value_t *v, uint64_t *secs);

/* Whether item has expired at now (epoch seconds) as DynamoDB decides it
 * for TTL index ttl: its TTL attribute a number of epoch seconds not after
 * now and not more than five years before it. */
bool ddb__ix_expired(const ddb_index_info_t *ttl, const ddb_value_t *item, uint64_t now);

/* The entry key of a start key map (table key + index key attributes). */
int ddb__ix_start_key(bytes_t *out, const ddb_table_info_t *t, const ddb_index_info_t *ix,
                      const ddb_value_t *key);

/* The projected item ix stores for item (attributes borrowed from item). */
void ddb__ix_project(ddb_arena_t *a, const ddb_table_info_t *t, const ddb_index_info_t *ix,
                     const ddb_value_t *item, ddb_value_t *out);

/* One index's part in an item change: whether the old and the new item
 * are in ix, their entry keys, and their projections (in a). */
typedef struct ix_change {
    bool had, has; /* old / next in the index */
    bool moved;    /* in it before and after, under another entry key */
    bytes_t ok, nk;
    ddb_value_t op, np;
} ix_change_t;

void ddb__ix_change(ddb_arena_t *a, const ddb_table_info_t *t, const ddb_index_info_t *ix,
                    const ddb_value_t *old, const ddb_value_t *next, ix_change_t *c);
void ddb__ix_change_free(ix_change_t *c);

/* Index definitions <-> the list value kept in the table record. */
void ddb__ix_defs_to_value(ddb_arena_t *a, const ddb_index_info_t *ix, size_t n, ddb_value_t *out);
int ddb__ix_defs_from_value(ddb_arena_t *a, const ddb_value_t *v, ddb_index_info_t **out,
                            size_t *n);

#endif
