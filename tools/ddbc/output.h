/* output.h: how ddbc prints items — aligned tables (with an expanded, one-attribute-a-line
 * form), plain JSON, JSON lines, DynamoDB JSON lines and RFC 4180 CSV. Items come as the wire
 * gives them (cJSON objects of AttributeValues) and numbers are printed as their text, so all
 * 38 digits survive. Pure: renders into a buffer, writes nothing. */
#ifndef DDBC_OUTPUT_H
#define DDBC_OUTPUT_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "query/buf.h"

typedef enum out_format { OUT_TABLE, OUT_JSON, OUT_JSONL, OUT_DDBJSON, OUT_CSV } out_format_t;

/* "table", "json", "jsonl", "ddbjson", "csv" into *f; false for anything else. */
bool out_format_parse(const char *name, out_format_t *f);
const char *out_format_name(out_format_t f);

/* True for formats printed page by page as results arrive (jsonl, ddbjson); the others need
 * the whole result (a table's columns are the union of every item's attributes). */
bool out_streams(out_format_t f);

typedef struct out_opts {
    out_format_t format;
    bool expanded;            /* table: one "name | value" line per attribute, per record */
    size_t max_width;         /* table: cells wider than this are cut with "…" (0: 40) */
    const char *const *first; /* columns to put first when present (the key attributes) */
    size_t nfirst;            /* number of first */
} out_opts_t;

/* Renders items[0..n) into b (appended). The table format ends with "(N rows)". */
void out_items(const out_opts_t *o, cJSON *const *items, size_t n, buf_t *b);

/* One AttributeValue as plain JSON (numbers unquoted and exact, sets as arrays). */
void out_value_json(const cJSON *av, buf_t *b);
/* One AttributeValue as a person reads it: strings bare at the top and 'quoted' inside, sets
 * as <<...>>, lists [...], maps {'k': v}. */
void out_value_text(const cJSON *av, bool top, buf_t *b);
/* An item (name -> AttributeValue) as one plain JSON object. */
void out_item_json(const cJSON *item, buf_t *b);

/* A CSV field, quoted when it holds a comma, a quote, CR or LF (RFC 4180). */
void out_csv_field(const char *s, size_t len, buf_t *b);

#endif
