/* iterator.h: shard iterators, the opaque position strings of
 * GetShardIterator and GetRecords.
 *
 * An iterator is self-describing text: STREAM_ARN|shard(hex)|position|
 * issued_ms|mac, the mac an HMAC-SHA256 of everything before it under the
 * data directory's secret (ddb_secret), so the server keeps no iterator
 * state and clients can neither forge nor alter one. Server side only.
 * Expiry is the caller's (it knows the lifetime); the issue time's range is
 * checked here, so the caller's arithmetic on it cannot overflow. */
#ifndef DDB_STREAMS_ITERATOR_H
#define DDB_STREAMS_ITERATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "query/buf.h"

/* The longest iterator read back. */
#define SAPI_ITERATOR_MAX 2048

/* The key's length (the engine's secret, DDB_SECRET_LEN). */
#define SAPI_ITERATOR_KEY_LEN 32

/* How far in the future an issue time may lie (clock steps between the
 * write and the read, on one machine). */
#define SAPI_ITERATOR_SKEW_MS (60 * 1000)

typedef struct sapi_iterator {
    const char *arn; /* the stream ARN it starts with (points into the parsed text) */
    size_t arn_len;
    uint32_t shard;    /* shard index */
    uint64_t pos;      /* sequence number to read from */
    int64_t issued_ms; /* when it was made: 0 <= issued_ms <= now + SAPI_ITERATOR_SKEW_MS */
} sapi_iterator_t;

/* Writes an iterator as a JSON string into b. */
void sapi_iterator_put(buf_t *b,                                 /* output */
                       const uint8_t key[SAPI_ITERATOR_KEY_LEN], /* the signing key */
                       const char *arn, /* the stream ARN, as sw_put_stream_arn writes it */
                       size_t arn_len,  /* length of arn */
                       uint32_t shard,  /* shard index */
                       uint64_t pos,    /* sequence number to read from */
                       int64_t now_ms); /* issue time */

/* Reads an iterator back; false when it is malformed, too long, not signed
 * with key, or issued before the epoch or after now_ms + SAPI_ITERATOR_SKEW_MS. */
bool sapi_iterator_parse(const char *s,                            /* the text */
                         size_t len,                               /* its length */
                         const uint8_t key[SAPI_ITERATOR_KEY_LEN], /* the signing key */
                         int64_t now_ms,                           /* the time now */
                         sapi_iterator_t *out);                    /* out: the fields */

#endif
