/* iterator.h: shard iterators, the opaque position strings of
 * GetShardIterator and GetRecords.
 *
 * An iterator is self-describing text: STREAM_ARN|shard(hex)|position|
 * issued_ms|checksum, the checksum an XXH3 of everything before it, so the
 * server keeps no iterator state. Server side only: the checksum is not a
 * secret today, but a later signing key will be, so clients never make or
 * check one. Expiry is the caller's (it knows the clock and the lifetime). */
#ifndef DDB_STREAMS_ITERATOR_H
#define DDB_STREAMS_ITERATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "query/buf.h"

/* The longest iterator read back. */
#define SAPI_ITERATOR_MAX 2048

typedef struct sapi_iterator {
    const char *arn; /* the stream ARN it starts with (points into the parsed text) */
    size_t arn_len;
    uint32_t shard;    /* shard index */
    uint64_t pos;      /* sequence number to read from */
    int64_t issued_ms; /* when it was made */
} sapi_iterator_t;

/* Writes an iterator as a JSON string into b. */
void sapi_iterator_put(buf_t *b,        /* output */
                       const char *arn, /* the stream ARN, as sw_put_stream_arn writes it */
                       size_t arn_len,  /* length of arn */
                       uint32_t shard,  /* shard index */
                       uint64_t pos,    /* sequence number to read from */
                       int64_t now_ms); /* issue time */

/* Reads an iterator back; false when it is malformed, too long, or its
 * checksum does not match. */
bool sapi_iterator_parse(const char *s, size_t len, sapi_iterator_t *out);

#endif
