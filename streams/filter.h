/* filter.h: Lambda event filtering (FilterCriteria) for DynamoDB stream
 * records: a filter pattern compiled once, then matched against each
 * record in its Lambda event form. Pure (cJSON only): no I/O.
 *
 * Semantics are Lambda's: a record passes a mapping when it matches any of
 * its filters (OR); a pattern matches when every field it names matches
 * (AND), a field's array of conditions matching when any does (OR).
 * Conditions: exact values (strings, numbers, null), "" (empty), prefix,
 * anything-but, numeric ranges, exists. A DynamoDB N value is a JSON string
 * ("N": "5"), so `numeric` never matches it. */
#ifndef DDB_STREAMS_FILTER_H
#define DDB_STREAMS_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "query/error.h"

typedef struct ddb_filter ddb_filter_t;

/* Compiles one pattern (the text of Filters[].Pattern). Invalid patterns
 * fail with DDB_ERR_VALIDATION and Lambda's message for them. The filter
 * owns its memory (ddb_filter_free). */
int ddb_filter_compile(const char *pattern, size_t len, ddb_filter_t **out, ddb_error_t *err);

/* Whether one record (a Lambda-form Records[] element, parsed) matches. */
bool ddb_filter_match(const ddb_filter_t *f, const cJSON *record);

void ddb_filter_free(ddb_filter_t *f);

#endif
