/* streamrec.h: the encodings of a stream's descriptor and of its change
 * records, shared by the RocksDB store (storage/streams.c) and the cluster
 * backend's change feed (storage/redis/rx_feed.c). Pure. */
#ifndef DDB_STORAGE_STREAMREC_H
#define DDB_STORAGE_STREAMREC_H

#include "storage/codec.h"

/* A descriptor's value (every field of d but id) and back; decoded strings
 * point into the arena or p. */
void ddb__encode_desc(bytes_t *out, const ddb_stream_desc_t *d);
bool ddb__decode_desc(const uint8_t *p, size_t len, uint32_t id, ddb_arena_t *a,
                      ddb_stream_desc_t *d);

/* Appends the record of an item's change on table t from old to next
 * (either NULL, not both) at now_ms: [time ms BE64][event][by ttl][item
 * codec map: k the key attributes, n the new image when with_new, o the
 * old one when with_old]. */
void ddb__encode_record(bytes_t *out, const ddb_table_info_t *t, const ddb_value_t *old,
                        const ddb_value_t *next, bool with_new, bool with_old, bool by_ttl,
                        int64_t now_ms);

/* Whether a stream of this view carries new (old) images. */
bool ddb__view_new(ddb_stream_view_t view);
bool ddb__view_old(ddb_stream_view_t view);

/* Decodes record value p of sequence number seq; DDB_ERR_INTERNAL (naming
 * the stream and seq) when malformed. */
int ddb__decode_record(const uint8_t *p, size_t len, uint32_t stream, uint64_t seq, ddb_arena_t *a,
                       ddb_stream_record_t *r, ddb_error_t *err);

#endif
