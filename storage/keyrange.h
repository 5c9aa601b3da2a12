/* keyrange.h: the key ranges of iterations, shared by both backends: the
 * [lower, upper) byte range of a Query's partition and sort-key condition
 * and of a parallel-scan segment, in the codec's item (or index entry) keys,
 * the key a Scan or Query continues after, and the two checks every write
 * makes of a mutation's result. Pure (codec only). */
#ifndef DDB_STORAGE_KEYRANGE_H
#define DDB_STORAGE_KEYRANGE_H

#include "storage/codec.h"

/* [lower, upper) of the keys of range (over index's entries, or t's items
 * when index is NULL); DDB_ERR_VALIDATION when a value does not match the
 * key's types. The caller frees both. */
int ddb__query_bounds(const ddb_table_info_t *t, const ddb_index_info_t *index,
                      const ddb_key_range_t *range, bytes_t *lower, bytes_t *upper,
                      ddb_error_t *err);

/* [lower, upper) of parallel-scan segment of total over the keys of id (a
 * table's or an index's). */
void ddb__segment_bounds(uint32_t id, uint32_t segment, uint32_t total, bytes_t *lower,
                         bytes_t *upper);

/* The key of start_after (an item's primary key, with the index's key
 * attributes for an index), the one an iteration continues after;
 * DDB_ERR_VALIDATION (DynamoDB's message) when it does not match the schema. */
int ddb__start_key(const ddb_table_info_t *t, const ddb_index_info_t *index,
                   const ddb_value_t *start_after, bytes_t *out, ddb_error_t *err);

/* Whether a parallel scan's start key lies in [lower, upper) (a key that does
 * not encode counts as inside: ddb__start_key refuses it). */
bool ddb__key_in_bounds(const ddb_table_info_t *t, const ddb_index_info_t *index,
                        const ddb_value_t *key, const bytes_t *lower, const bytes_t *upper);

/* Encodes t's item key of key into k; the schema mismatch message (and k
 * freed) when it does not fit. */
int ddb__item_key(bytes_t *k, const ddb_table_info_t *t, const ddb_value_t *key, ddb_error_t *err);

/* Whether a mutation leaves the item as it was (no write, no stream record:
 * DynamoDB writes none for it either). */
bool ddb__unchanged(const ddb_value_t *old, const ddb_value_t *next);

/* Whether item carries the primary key encoded in k (a mutation must not
 * change it). */
bool ddb__same_key(const ddb_table_info_t *t, const ddb_value_t *item, const bytes_t *k);

#endif
