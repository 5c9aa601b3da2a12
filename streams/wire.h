/* wire.h: the names and numbers of DynamoDB Streams on the wire: view
 * types, event names, stream labels and ARNs, shard ids, sequence numbers
 * and event ids, each written and read back.
 *
 * Pure (links ddbquery alone): no storage/, RocksDB, libuv or I/O, so the
 * consumer library and tools can read what ddbd writes. The enums carry the
 * numeric values of storage/ddb.h's ddb_stream_view_t and ddb_event_t. */
#ifndef DDB_STREAMS_WIRE_H
#define DDB_STREAMS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "query/buf.h"

/* What a stream's records carry of the item (= ddb_stream_view_t). */
typedef enum sw_view {
    SW_VIEW_KEYS_ONLY = 1,
    SW_VIEW_NEW_IMAGE,
    SW_VIEW_OLD_IMAGE,
    SW_VIEW_NEW_AND_OLD_IMAGES
} sw_view_t;

/* The change a record describes (= ddb_event_t). */
typedef enum sw_event { SW_EV_INSERT = 1, SW_EV_MODIFY, SW_EV_REMOVE } sw_event_t;

/* "KEYS_ONLY" ... "NEW_AND_OLD_IMAGES"; "KEYS_ONLY" for a value out of range. */
const char *sw_view_name(sw_view_t v);

/* The view a name spells; 0 when it spells none. */
sw_view_t sw_view_parse(const char *s, size_t len);

/* "INSERT", "MODIFY", "REMOVE"; "INSERT" for a value out of range. */
const char *sw_event_name(sw_event_t e);

/* The event a name spells; 0 when it spells none. */
sw_event_t sw_event_parse(const char *s, size_t len);

/* A stream's label: its creation time as 2026-11-25T08:27:01.775 (UTC). */
#define SW_LABEL_SIZE 32
void sw_stream_label(char out[SW_LABEL_SIZE], int64_t created_ms);

/* Writes arn:aws:dynamodb:REGION:ACCOUNT:table/TABLE/stream/LABEL into b
 * (no quotes), LABEL being sw_stream_label(created_ms). */
void sw_put_stream_arn(buf_t *b,            /* output */
                       const char *region,  /* NUL-terminated */
                       const char *account, /* NUL-terminated */
                       const char *table,   /* table name bytes */
                       size_t table_len,    /* length of table */
                       int64_t created_ms); /* the stream's creation time */

/* Shard ids: shardId-<creation ms, 20 digits>-<index, 8 hex digits>. */
#define SW_SHARD_ID_LEN 37
void sw_shard_id(char out[SW_SHARD_ID_LEN + 1], int64_t created_ms, uint32_t index);

/* Reads a shard id back; false unless exactly that shape (digits only,
 * creation time within int64). */
bool sw_shard_id_parse(const char *s, size_t len, int64_t *created_ms, uint32_t *index);

/* Sequence numbers: decimal, zero-padded to 21 digits as DynamoDB's are
 * (which run to 40). Returns the length written. */
#define SW_SEQ_MAX 40
size_t sw_seq_format(char out[SW_SEQ_MAX + 1], uint64_t seq);

/* Writes a sequence number as a JSON string ("000000000000000000042"). */
void sw_put_seq(buf_t *b, uint64_t seq);

/* Reads 1 to 40 decimal digits; false for any other byte, more digits, or
 * a value that does not fit (leading zeros are fine). */
bool sw_seq_parse(const char *s, size_t len, uint64_t *seq);

/* A record's eventID: 32 hex digits derived from (stream id, sequence
 * number), the same each time the record is read. */
#define SW_EVENT_ID_LEN 32
void sw_event_id(char out[SW_EVENT_ID_LEN + 1], uint32_t stream, uint64_t seq);

#endif
