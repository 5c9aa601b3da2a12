/* streams.h: the stream log's storage: key layout, record/shard/descriptor
 * encodings, and the writer's side (sequence counter, open-shard cache,
 * appending a change's record to the change's own batch). Internal to
 * storage/; the reads are in stream_read.c, trimming in stream_trim.c,
 * the checker in check_streams.c. */
#ifndef DDB_STORAGE_STREAMS_H
#define DDB_STORAGE_STREAMS_H

#include "storage/engine.h"
#include "storage/streamrec.h"

/* Layout in the streams column family:
 *   SEQ_KEY                    -> next sequence number (BE64)
 *   'D' [stream]               -> descriptor (table, key schema, view, times, enabled,
 *                                 and "ln" the lane count when above 1)
 *   'H' [stream] [shard]       -> shard: created, start, end, closed, parent (SHARD_REC_LEN),
 *                                 then [lane][lanes] (one byte each) when lanes > 1
 *   'R' [stream] [seq]         -> record of a one-lane stream: [time ms BE64][event][by ttl]
 *                                 [item codec map k/n/o]
 *   'L' [stream] [lane] [seq]  -> record of a stream of several lanes, the same value: a
 *                                 lane's records are contiguous, so a shard's read seeks
 *                                 straight to them
 *   'T' [stream]               -> trim point: the lowest sequence number retained
 * ([stream], [shard], [lane] BE32; [seq] BE64). A stream of one lane is written
 * exactly as before lanes existed. */
#define DDB__SEQ_KEY             "\x01seq"
#define DDB__SHARD_REC_LEN       30
#define DDB__SHARD_REC_LEN_LANES 32
#define DDB__RECORD_KEY_LEN      13
#define DDB__LANE_RECORD_KEY_LEN 17
#define DDB__SHARD_KEY_LEN       9

/* [tag][stream], + [x BE32], + [x BE64] */
void ddb__skey(bytes_t *k, char tag, uint32_t stream);
void ddb__skey32(bytes_t *k, char tag, uint32_t stream, uint32_t x);
void ddb__skey64(bytes_t *k, char tag, uint32_t stream, uint64_t x);

/* The first key of lane `lane`'s records from seq on ('L' [stream] [lane] [seq]). */
void ddb__lane_key(bytes_t *k, uint32_t stream, uint32_t lane, uint64_t seq);
/* The lane an item's records go to, of a stream of `lanes` lanes: its
 * partition key's hash (the one items are placed by) modulo lanes. keys:
 * the item or its key attributes. 0 when lanes is 1. */
uint32_t ddb__lane_of(const ddb_key_schema_t *ks, const ddb_value_t *keys, uint32_t lanes);

bool ddb__decode_shard(const uint8_t *b, size_t len, uint32_t index, ddb_shard_t *s);
/* (descriptors and records are encoded as storage/streamrec.h says) */

/* The stream's trim point read with ro (0: never trimmed). */
int ddb__trim_point(rk_engine_t *e, const rocksdb_readoptions_t *ro, uint32_t id, uint64_t *out,
                    ddb_error_t *err);
/* The stream's shards read with ro, oldest first, into arena a. */
int ddb__shards_from(rk_engine_t *e, const rocksdb_readoptions_t *ro, uint32_t id, ddb_arena_t *a,
                     ddb_shard_t **out, size_t *n, ddb_error_t *err);

/* ---- the writer's side (caller holds the writer) ---- */

/* Loads the sequence counter (at open, and after a failed batch). */
int ddb__st_open(rk_engine_t *e, ddb_error_t *err);
/* Forgets cached stream state after a batch that was not written: its
 * records and shard changes did not happen. The counter reloads on the
 * next append if it cannot be read now. */
void ddb__st_reset(rk_engine_t *e);
/* Drops one stream's cached state (its records are being deleted). */
void ddb__st_forget(rk_engine_t *e, uint32_t id);
/* Puts a new stream's descriptor and first shard for table t into wb. */
void ddb__st_create(rk_engine_t *e, rocksdb_writebatch_t *wb, uint32_t id,
                    const ddb_table_info_t *t, ddb_stream_view_t view, int64_t now_ms);
/* Marks a stream disabled and closes its open shard, in wb. */
int ddb__st_disable(rk_engine_t *e, rocksdb_writebatch_t *wb, uint32_t id, int64_t now_ms,
                    ddb_error_t *err);
/* Puts the record of one item change into wb (rolling the shard over when
 * due) and advances the counter. */
int ddb__st_append(rk_engine_t *e, rocksdb_writebatch_t *wb, const ddb_table_info_t *t,
                   const ddb_value_t *old, const ddb_value_t *next, bool by_ttl, int64_t now_ms,
                   ddb_error_t *err);

/* ---- stream_trim.c ---- */

/* Trims records older than the retention, closed shards left empty, and
 * disabled streams past the retention. Takes the writer itself, a stream
 * at a time. */
int ddb__st_maintain(rk_engine_t *e, int64_t now_ms, ddb_error_t *err);

#endif
