/* record.h: one change record as JSON, in the two shapes clients see it:
 * an element of GetRecords' Records[] (the DynamoDB Streams API) and a
 * record of the event a Lambda function receives from a DynamoDB
 * event-source mapping. One writer for both, selected by sw_form_t, and a
 * reader that takes either back into values.
 *
 * Pure (links ddbquery alone): no storage/, RocksDB, libuv or I/O. */
#ifndef DDB_STREAMS_RECORD_H
#define DDB_STREAMS_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "query/arena.h"
#include "query/buf.h"
#include "query/error.h"
#include "query/value.h"
#include "streams/wire.h"

/* The two shapes differ in three places:
 *
 *   member                        SW_FORM_STREAMS        SW_FORM_LAMBDA
 *   dynamodb.ApproximateCreation  integer seconds        seconds with ".0"
 *     DateTime                      (1428537600)           (1428537600.0)
 *   eventSourceARN                absent                 the stream ARN
 *   userIdentity (TTL deletions)  PrincipalId, Type      principalId, type
 */
typedef enum sw_form {
    SW_FORM_STREAMS = 1, /* GetRecords Records[] element */
    SW_FORM_LAMBDA       /* Lambda event Records[] element */
} sw_form_t;

/* A record as it travels. Strings and values are borrowed when writing and
 * live in the arena after sw_record_parse. */
typedef struct sw_record {
    char event_id[SW_EVENT_ID_LEN + 1]; /* eventID (any text up to 32 bytes when parsed) */
    sw_event_t event;                   /* eventName */
    const char *region;                 /* awsRegion */
    size_t region_len;
    const char *source_arn; /* eventSourceARN: written in the Lambda form only;
                             * NULL when parsed from a record without one */
    size_t source_arn_len;
    int64_t time_s;          /* ApproximateCreationDateTime, seconds since the epoch */
    const ddb_value_t *keys; /* Keys (a map) */
    const ddb_value_t *new_image, *old_image; /* NULL when the view or event has none */
    uint64_t seq;                             /* SequenceNumber */
    size_t size;                              /* SizeBytes */
    sw_view_t view;                           /* StreamViewType */
    bool by_ttl;                              /* a deletion by TTL: userIdentity */
} sw_record_t;

/* Writes r as one JSON object in the given form. */
void sw_record_put(buf_t *b, const sw_record_t *r, sw_form_t form);

/* Reads one Records[] element of either form into out; strings and values
 * are copied into arena a, so rec may be freed afterwards. A missing or
 * mistyped member is DDB_ERR_SERIALIZATION with a message naming it. */
int sw_record_parse(ddb_arena_t *a, const cJSON *rec, sw_record_t *out, ddb_error_t *err);

#endif
