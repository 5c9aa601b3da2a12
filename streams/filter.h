/* filter.h: Lambda event filtering (FilterCriteria) for DynamoDB stream
 * records: a filter pattern compiled once, then matched against each
 * record in its Lambda event form. Pure (cJSON, query/ only): no I/O, no
 * threads; a compiled filter is immutable, so any thread may match with it.
 *
 * Semantics are Lambda's: a record passes a mapping when it matches any of
 * its filters (OR); a pattern matches when every field it names matches
 * (AND), a field's array of conditions matching when any does (OR).
 * Conditions: exact values (strings, numbers, booleans, null), "" (empty),
 * prefix, suffix, equals-ignore-case, anything-but, numeric ranges, exists.
 * A DynamoDB N value is a JSON string ("N": "5"), so `numeric` never
 * matches it; `exists` sees leaves only, so it must name the type
 * (dynamodb.NewImage.x.S). The full table is at the top of filter.c. */
#ifndef DDB_STREAMS_FILTER_H
#define DDB_STREAMS_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "query/error.h"

#define DDB_FILTER_MAX_PATTERN 4096 /* Filter.Pattern's length constraint in Lambda's API */
#define DDB_FILTER_MAX_DEPTH   100  /* nested objects in a pattern (ddb's bound, see filter.c) */
#define DDB_FILTER_INVALID     "Invalid filter pattern definition." /* Lambda's message */

typedef struct ddb_filter ddb_filter_t;

/* Compiles one pattern (the text of Filters[].Pattern, len bytes, no NUL
 * needed). Invalid patterns fail with DDB_ERR_VALIDATION and Lambda's
 * message for them (DDB_FILTER_INVALID; a pattern over
 * DDB_FILTER_MAX_PATTERN bytes names that constraint). On success *out owns
 * its memory, O(len) bytes (ddb_filter_free). */
int ddb_filter_compile(const char *pattern, size_t len, ddb_filter_t **out, ddb_error_t *err);

/* Whether one record (a Lambda-form Records[] element, parsed) matches.
 * Never modifies the record; bounded stack whatever the record's depth. */
bool ddb_filter_match(const ddb_filter_t *f, const cJSON *record);

/* Whether the record passes a mapping's filters fs[0..n): any of them
 * matches, or n is 0 (a mapping without FilterCriteria takes everything). */
bool ddb_filter_match_any(const ddb_filter_t *const *fs, size_t n, const cJSON *record);

/* Frees f (NULL is fine). */
void ddb_filter_free(ddb_filter_t *f);

#endif
