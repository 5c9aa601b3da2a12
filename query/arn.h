/* arn.h: DynamoDB ARNs, written and read.
 *
 * arn:PARTITION:dynamodb:REGION:ACCOUNT:table/NAME, optionally followed by
 * /index/INDEX or /stream/LABEL. Pure: no I/O. Parsing never copies: the
 * parts of a parsed ARN point into the text given. Which parts a caller
 * checks (partition, region, account) is the caller's decision. */
#ifndef DDB_ARN_H
#define DDB_ARN_H

#include <stdbool.h>
#include <stddef.h>

#include "query/buf.h"

/* What the resource part names after table/NAME. */
typedef enum ddb_arn_kind {
    DDB_ARN_TABLE = 1, /* table/NAME */
    DDB_ARN_INDEX,     /* table/NAME/index/INDEX */
    DDB_ARN_STREAM,    /* table/NAME/stream/LABEL */
    DDB_ARN_OTHER      /* table/NAME/anything else (sub: what follows NAME) */
} ddb_arn_kind_t;

/* A parsed ARN; each part is pointer + length into the parsed text. */
typedef struct ddb_arn {
    ddb_arn_kind_t kind;
    const char *partition; /* "aws", "aws-cn", ... */
    size_t partition_len;
    const char *service; /* "dynamodb" */
    size_t service_len;
    const char *region;
    size_t region_len;
    const char *account;
    size_t account_len;
    const char *table; /* never empty */
    size_t table_len;
    const char *sub; /* index name, stream label, or the OTHER tail; NULL for TABLE */
    size_t sub_len;
} ddb_arn_t;

/* ---- region-qualified table names ----
 * The engine keeps each region's tables apart by name: a table of region R
 * is stored as "~R~NAME" ('~' sorts after every character a table name may
 * hold, so one region's tables are one contiguous run of the catalog), and
 * a table of the default namespace (the default region, or every region
 * under --shared-regions) as plain NAME, as before regions existed. What
 * DynamoDB shows (TableName, ARNs) is always the plain name. */
#define DDB_QNAME_MARK '~'

/* Splits a stored name: true with its region and plain name when it is
 * qualified; false (name = the whole, region empty) when plain. */
bool ddb_qname_split(const char *q, size_t ql, const char **region, size_t *region_len,
                     const char **name, size_t *name_len);

/* The plain name of a stored one (pointing into q). */
const char *ddb_qname_plain(const char *q, size_t ql, size_t *len);

/* Writes the stored name of table name in region (region NULL or empty:
 * the default namespace, the name as given) into b. */
void ddb_qname_put(buf_t *b, const char *region, size_t region_len, const char *name,
                   size_t name_len);

/* Writes arn:aws:dynamodb:REGION:ACCOUNT:table/NAME into b (no quotes).
 * A region-qualified table (above) names its own region and plain name;
 * region is the one of a table of the default namespace. */
void ddb_arn_put_table(buf_t *b,            /* output */
                       const char *region,  /* NUL-terminated */
                       const char *account, /* NUL-terminated */
                       const char *table,   /* table name bytes */
                       size_t table_len);   /* length of table */

/* Writes the table ARN followed by /index/INDEX. */
void ddb_arn_put_index(buf_t *b, const char *region, const char *account, const char *table,
                       size_t table_len, const char *index, size_t index_len);

/* Writes the table ARN followed by /stream/LABEL (label NUL-terminated). */
void ddb_arn_put_stream(buf_t *b, const char *region, const char *account, const char *table,
                        size_t table_len, const char *label);

/* Parses "arn:P:S:R:A:table/NAME[/...]": five colon-separated fields, the
 * last one the resource. False when malformed (too few fields, no table/,
 * empty table name); service and partition are not checked here. */
bool ddb_arn_parse(const char *s, size_t len, ddb_arn_t *out);

/* Parses the resource part alone ("table/NAME[/...]") into out's kind,
 * table and sub, leaving the other fields untouched. */
bool ddb_arn_parse_resource(const char *s, size_t len, ddb_arn_t *out);

#endif
