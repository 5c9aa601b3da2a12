/* ddb.h: the engine's public interface (libddb).
 *
 * An engine is one RocksDB database (or an in-memory one) holding a catalog of
 * tables and their items. Writes to items go through a single writer: the
 * engine reads the current item, hands it to a caller-supplied mutate callback
 * (which evaluates conditions and computes the new item), and commits the
 * result, its counters and (later) its index/stream/TTL entries in one atomic
 * RocksDB batch. Reads run concurrently on the caller's thread.
 *
 * No RocksDB type appears here; this header is all that server/, tests and
 * benchmarks may use of storage/. Values returned by reads live in the
 * caller's arena.
 *
 * Caveats, LMDB-style. Each call below says:
 *   writer   - it takes the engine's single writer mutex (one mutation at a
 *              time, engine-wide), so it waits for the write in progress and
 *              delays the writes behind it; never call one from a mutate
 *              callback (the writer is not recursive: it would deadlock);
 *   blocks   - what it may wait on besides its own RocksDB I/O (disk reads
 *              and writes, and a WAL fsync with sync);
 *   threads  - "any thread" means it is safe from any number of event-loop
 *              threads at once on one engine; the engine keeps no
 *              per-thread state. ddb_open/ddb_close are not: no other call
 *              may run on the engine during ddb_close.
 * Iterators (ddb_iter_t) belong to one thread at a time. */
#ifndef DDB_DDB_H
#define DDB_DDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "query/arena.h"
#include "query/error.h"
#include "query/value.h"

typedef struct ddb_engine ddb_engine_t;

typedef struct ddb_engine_opts {
    const char *cluster;         /* "redis-cluster://HOST:PORT[,...]": the Redis Cluster
                                  * backend (storage/redis/); NULL: RocksDB, embedded */
    uint32_t cluster_replicas;   /* cluster: replicas of its master that must have a write
                                  * (WAIT) before it is acknowledged (0: none) */
    const char *data_dir;        /* directory of the RocksDB database (created if missing) */
    bool in_memory;              /* keep everything in memory; data_dir ignored */
    bool sync;                   /* fsync the WAL on every write (default: write to WAL only) */
    bool inspect_only;           /* no maintenance thread (backfills, TTL sweeps, trimming):
                                  * ddbd --check looks at the data without changing it */
    bool group_commit;           /* writes stay in the WAL buffer until ddb_commit, which
                                  * writes (and with sync, fsyncs) them all at once */
    uint32_t backfill_batch;     /* items indexed per backfill step (0: 1000) */
    uint32_t backfill_pause_ms;  /* pause between backfill steps (writers run meanwhile) */
    uint32_t ttl_interval_ms;    /* period of the TTL sweeper and stream trimming (0: 2000) */
    uint32_t shard_rollover_s;   /* a stream shard closes after this long (0: 4 hours) */
    uint32_t stream_retention_s; /* stream records are trimmed after this long (0: 24 hours) */
    uint32_t stream_shards;      /* open shards ("lanes") of a stream created from now on (0: 1;
                                  * at most DDB_STREAM_LANES_MAX): an item's records go to lane
                                  * hash(partition key) % N; a stream keeps the count it was
                                  * created with */
    uint32_t max_tables;         /* ddb_table_create refuses a table past this many (0: no
                                  * limit): DynamoDB's per-region table quota */
    uint32_t token_window_s;     /* idempotency tokens (ddb_write_all_once) are remembered this
                                  * long after their write (0: 600, DynamoDB's 10 minutes) */
    bool read_only_if_full;      /* when the store cannot be opened for writing because the
                                  * disk is full, open it read-only (see ddb_read_only) */
    uint32_t pitr_retention_s;   /* point-in-time recovery window of tables that name none
                                  * (0: 35 days, DynamoDB's); also how long the SYSTEM backup
                                  * of a deleted PITR table is kept */
} ddb_engine_opts_t;

/* Opens (creating if needed) the engine. On success *out owns it; release
 * with ddb_close. Fails with DDB_ERR_RESOURCE_IN_USE when another process
 * has the data directory open, DDB_ERR_INTERNAL when the store cannot be
 * opened otherwise or its stream sequence counter cannot be read. Starts the
 * maintenance thread unless inspect_only (or read-only). */
int ddb_open(const ddb_engine_opts_t *opts, ddb_engine_t **out, ddb_error_t *err);

/* NULL when the engine can write; else why it was opened read-only (a
 * sentence, owned by the engine). A read-only engine serves every read and
 * fails every write with DDB_ERR_INTERNAL; it stays read-only until it is
 * closed and opened again. Any thread. */
const char *ddb_read_only(ddb_engine_t *e);

/* With group_commit: writes every write made so far to the WAL (fsynced
 * with sync) before the caller acknowledges any of them, and then publishes
 * their stream records to readers (ddb_stream_latest/ddb_stream_wait).
 * Cheap when nothing was written since the last call.
 * Fails (DDB_ERR_INTERNAL) when the flush fails, or when any write or flush
 * failed since the previous ddb_commit: a failed write can take unflushed
 * batches of earlier writes with it, so none may be acknowledged. After a
 * failure (a full disk) the store refuses writes (DDB_ERR_INTERNAL) until
 * RocksDB's recovery resumes it (within 5 s of 8 MB being free; see
 * commit.c); meanwhile this flushes nothing (and, with no new failure,
 * succeeds, so that reads are answered). Writes that were applied but not
 * flushed when the failure struck are never acknowledged, yet readers may
 * see them; the recovery makes them durable, an exit before it loses them.
 * Not the writer; blocks on another thread's flush in progress (one at a
 * time) and on the flush itself; while it flushes, writes wait. Any thread. */
int ddb_commit(ddb_engine_t *e, ddb_error_t *err);

/* ddb_commit for one of several callers that each acknowledge their own
 * writes (an event loop's round of requests): fails when a failure happened
 * since this caller's previous call. *mark is the caller's: 0 before its
 * first call, then only this function changes it. Any thread. */
int ddb_commit_round(ddb_engine_t *e, uint64_t *mark, ddb_error_t *err);

/* Milliseconds since the epoch (the clock of stream records, TTL and the
 * server's timestamps). Any thread. */
int64_t ddb_now_ms(void);

/* The data directory's secret: DDB_SECRET_LEN random bytes, made
 * (getrandom) and stored durably the first time they are asked for, the same
 * ever after for this data directory (a new one per process in_memory).
 * Keys what the server signs for clients and must take back unforged (shard
 * iterators). A point read; the first call takes the writer. Any thread. */
#define DDB_SECRET_LEN 32
int ddb_secret(ddb_engine_t *e, uint8_t out[DDB_SECRET_LEN], ddb_error_t *err);

/* Flushes and closes the engine (stopping the maintenance thread); safe
 * with NULL. No other call may be in progress or follow, including a
 * ddb_stream_wait. */
void ddb_close(ddb_engine_t *e);

/* ---- catalog ---------------------------------------------------------- */

/* Primary key of a table. Hash key always present; range_type == DDB_T_NONE
 * when the table has no sort key. Types are S, N or B. */
typedef struct ddb_key_schema {
    const char *hash_name;
    size_t hash_len;
    ddb_type_t hash_type;
    const char *range_name;
    size_t range_len;
    ddb_type_t range_type;
} ddb_key_schema_t;

/* One attribute of a multi-attribute index key. */
typedef struct ddb_key_attr {
    const char *name;
    size_t len;
    ddb_type_t type; /* S, N or B */
} ddb_key_attr_t;

#define DDB_KEY_ATTRS_MAX 4 /* partition (and sort) attributes of a GSI key at most */

/* What a secondary index stores of each item besides the keys. */
typedef enum ddb_projection {
    DDB_PROJ_ALL = 0,   /* the whole item */
    DDB_PROJ_KEYS_ONLY, /* table and index keys only */
    DDB_PROJ_INCLUDE    /* keys plus the listed non-key attributes */
} ddb_projection_t;

/* A global or local secondary index. Items lacking the index key attributes
 * are not in the index (sparse indexes). */
typedef struct ddb_index_info {
    const char *name; /* index name */
    size_t name_len;
    uint32_t id;          /* assigned by the engine, never reused; prefixes the index's keys */
    bool local;           /* LSI: same partition key as the table */
    ddb_key_schema_t key; /* single-attribute key; with a multi-attribute key, its
                           * first partition and first sort attribute */
    /* A multi-attribute key (GSIs only): nhash > 0 lists every partition
     * attribute in hash[] and every sort attribute in range[], in key order;
     * nhash == 0 means the key is `key` alone. Entries hash the encodings of
     * all partition values together and sort by the sort values in order. */
    size_t nhash, nrange;
    ddb_key_attr_t hash[DDB_KEY_ATTRS_MAX], range[DDB_KEY_ATTRS_MAX];
    ddb_projection_t projection;
    const char *const *include; /* DDB_PROJ_INCLUDE: non-key attribute names */
    const size_t *include_len;
    size_t ninclude;
    bool backfilling;    /* still being built from the table's existing items */
    bool ttl;            /* the table's hidden expiry index (key.hash_name is the TTL
                          * attribute; entries ordered by expiry time), not a user index */
    uint64_t item_count; /* out of ddb_table_get: entries in the index */
    uint64_t size_bytes; /* out of ddb_table_get: sum of the projected items' sizes */
} ddb_index_info_t;

/* What a table's stream records carry of the item. */
typedef enum ddb_stream_view {
    DDB_VIEW_KEYS_ONLY = 1,
    DDB_VIEW_NEW_IMAGE,
    DDB_VIEW_OLD_IMAGE,
    DDB_VIEW_NEW_AND_OLD_IMAGES
} ddb_stream_view_t;

/* A table's latest stream. */
typedef struct ddb_stream_ref {
    uint32_t id;  /* 0: the table never had a stream */
    bool enabled; /* every change appends a record */
    ddb_stream_view_t view;
    int64_t created_ms; /* creation time: the stream's label */
} ddb_stream_ref_t;

/* A table's point-in-time recovery (ddb_pitr_set). */
typedef struct ddb_pitr {
    bool enabled;
    int64_t since_ms;  /* when it was (last) enabled */
    int64_t period_ms; /* its recovery window; 0: the engine's (pitr_retention_s) */
} ddb_pitr_t;

/* A table as the catalog knows it. All pointers live in the arena passed to
 * ddb_table_get (or are borrowed from the caller for ddb_table_create). */
typedef struct ddb_table_info {
    const char *name; /* table name, NUL-terminated */
    size_t name_len;
    uint32_t id;               /* internal id, never reused; prefixes the table's keys */
    ddb_key_schema_t key;      /* primary key */
    const ddb_value_t *meta;   /* server-owned description (an M value), stored verbatim */
    uint64_t item_count;       /* exact number of items */
    uint64_t size_bytes;       /* sum of ddb_item_size over the items */
    ddb_index_info_t *indexes; /* secondary indexes (and the hidden TTL index) */
    size_t nindexes;
    ddb_stream_ref_t stream; /* ddb_table_create: stream.enabled/view ask for one */
    ddb_pitr_t pitr;         /* point-in-time recovery (ignored by ddb_table_create) */
    bool restoring;          /* a restore is still filling the table (DynamoDB's CREATING):
                              * the engine refuses item writes to it (RESOURCE_NOT_FOUND),
                              * and the server must refuse reads and writes alike */
    uint64_t catalog_gen;    /* out of ddb_table_get: the catalog's version this copy
                              * was read at (writes reuse a copy still current) */
} ddb_table_info_t;

/* The table's TTL index (its key names the TTL attribute), or NULL. Pure. */
const ddb_index_info_t *ddb_table_ttl(const ddb_table_info_t *t);

/* The index of t named name, or NULL. Pure. */
const ddb_index_info_t *ddb_table_index(const ddb_table_info_t *t, const char *name, size_t len);

/* The longest value of an index partition-key attribute and of a sort-key
 * attribute (each attribute of a multi-attribute key on its own). */
#define DDB_INDEX_HASH_MAX  2048
#define DDB_INDEX_RANGE_MAX 1024

/* Whether v may be the value of an index key attribute: not an empty
 * string or binary, and within the size limit of its kind. */
bool ddb_index_value_fits(const ddb_value_t *v, bool range);

/* An index's partition (range false) or sort (range true) attributes in key
 * order into out, single- or multi-attribute alike; returns how many (0: no
 * sort key). */
size_t ddb_index_attrs(const ddb_index_info_t *ix, bool range,
                       ddb_key_attr_t out[DDB_KEY_ATTRS_MAX]);

/* The entry writes an item change (old -> next, NULL for none) costs index
 * ix, as DynamoDB counts them: 0 (in it neither before nor after, or its
 * entry unchanged), 1 (a put, a delete, or an update in place of a
 * projected attribute) or 2 (a delete and a put: an index key attribute
 * changed). sizes[i] is the i-th write's entry size in bytes (its keys and
 * projected attributes; an update in place: the larger). The same entries
 * the writer writes (projections in a). Pure. */
size_t ddb_index_writes(ddb_arena_t *a, const ddb_table_info_t *t, const ddb_index_info_t *ix,
                        const ddb_value_t *old, const ddb_value_t *next, size_t sizes[2]);

/* Creates a table. Fails with DDB_ERR_RESOURCE_IN_USE if the name exists,
 * DDB_ERR_LIMIT_EXCEEDED when the engine holds opts.max_tables tables.
 * info->id, item_count and size_bytes are ignored (assigned by the engine);
 * on success info->id (and its indexes' and stream's ids) hold the new ids.
 * Writer. Any thread. */
int ddb_table_create(ddb_engine_t *e, ddb_table_info_t *info, ddb_error_t *err);

/* Looks up a table by name; DDB_ERR_RESOURCE_NOT_FOUND if absent. Copies
 * everything into arena a, with the current statistics. Not the writer
 * (a short catalog-cache lock and statistics lock); any thread. */
int ddb_table_get(ddb_engine_t *e, const char *name, size_t len, ddb_arena_t *a,
                  ddb_table_info_t *out, ddb_error_t *err);

/* Replaces a table's meta value (UpdateTable, tags, ...). Writer. Any
 * thread. */
int ddb_table_set_meta(ddb_engine_t *e, const char *name, size_t len, const ddb_value_t *meta,
                       ddb_error_t *err);

/* Adds a global secondary index to a table, and replaces the table's meta in
 * the same catalog write. From then on every write maintains the index for
 * the items the backfill has reached; a background backfill indexes the
 * existing items in key order, a bounded step at a time, and clears
 * ix->backfilling when it has reached the end. The result equals the index
 * that would exist had it been there from the start, however writes race
 * the backfill. On success ix->id holds the new id. Writer (the backfill
 * then runs on the maintenance thread, taking the writer a step at a
 * time). Any thread. */
int ddb_index_add(ddb_engine_t *e, const char *table, size_t len, ddb_index_info_t *ix,
                  const ddb_value_t *meta, ddb_error_t *err);

/* Removes an index and all its entries (and a backfill in progress), and
 * replaces the table's meta in the same write (meta NULL: keep it).
 * Writer. Any thread. */
int ddb_index_drop(ddb_engine_t *e, const char *table, size_t len, const char *index,
                   size_t index_len, const ddb_value_t *meta, ddb_error_t *err);

/* Turns TTL on (attr: the expiry attribute) or off (attr NULL) for a table:
 * maintains an expiry index (built in the background like a GSI) that the
 * sweeper reads to delete expired items. Writer. Any thread. */
int ddb_ttl_set(ddb_engine_t *e, const char *table, size_t len, const char *attr, size_t attr_len,
                ddb_error_t *err);

/* Enables a new stream on a table (view: what records carry) or disables
 * the current one (view 0), replacing the table's meta in the same write.
 * A disabled stream stays readable until its records age out. Writer.
 * Any thread. */
int ddb_stream_set(ddb_engine_t *e, const char *table, size_t len, ddb_stream_view_t view,
                   const ddb_value_t *meta, ddb_error_t *err);

/* Deletes a table and all its items (its stream stays readable until its
 * records age out). DDB_ERR_RESOURCE_NOT_FOUND if absent. Writer. Any
 * thread. */
int ddb_table_delete(ddb_engine_t *e, const char *name, size_t len, ddb_error_t *err);

/* Lists table names in ascending byte order. Not the writer; any thread. */
int ddb_table_list(ddb_engine_t *e,     /* the engine */
                   const char *after,   /* list names after this one (NULL: from the start) */
                   size_t after_len,    /* its length (0: from the start) */
                   size_t limit,        /* at most this many names */
                   ddb_arena_t *a,      /* names and the arrays are allocated here */
                   const char ***names, /* out: the names, NUL-terminated */
                   size_t **lens,       /* out: their lengths */
                   size_t *count,       /* out: how many */
                   bool *more,          /* out: further names exist past the last one */
                   ddb_error_t *err);   /* out: the error when not 0 */

/* ---- items ------------------------------------------------------------ */

/* Computes the new state of one item from its current state, under the
 * writer: old is the stored item or NULL when absent. Set *new_item to the
 * item to store (it must carry the same primary key), to NULL to delete it,
 * or return DDB_ERR_* (e.g. DDB_ERR_CONDITIONAL_CHECK) to abort without
 * writing anything. *new_item == old (pointer-equal) means "no change".
 * Runs with the writer held: it must not call a writer function of the
 * engine (deadlock), and should be quick (every other write waits). */
typedef int (*ddb_mutate_fn)(void *ctx, const ddb_value_t *old, const ddb_value_t **new_item,
                             ddb_error_t *err);

/* Atomically reads, mutates and writes the item whose primary key is given by
 * key (a map holding exactly the key attributes, already validated). old and
 * new items handed to fn live in arena a. The item, its index and TTL
 * entries, its stream record and the statistics are one batch. Writer (for
 * the read, fn and the write). Any thread. */
int ddb_item_write(ddb_engine_t *e,           /* the engine */
                   const ddb_table_info_t *t, /* the table (a copy from ddb_table_get) */
                   const ddb_value_t *key,    /* the item's primary key map */
                   ddb_mutate_fn fn,          /* computes the new item, under the writer */
                   void *ctx,                 /* fn's context */
                   ddb_arena_t *a,            /* old and new items live here */
                   ddb_error_t *err);         /* out: fn's or the storage error when not 0 */

/* One item write of a multi-item write. */
typedef struct ddb_write {
    const ddb_table_info_t *table;
    const ddb_value_t *key; /* primary key map */
    ddb_mutate_fn fn;
    void *ctx;
    int status;        /* out: fn's status (0 or DDB_ERR_*) */
    ddb_error_t error; /* out: fn's error when status != 0 */
} ddb_write_t;

/* Applies n item writes all-or-nothing, under the writer, as one atomic
 * batch: every fn is called (so every failure is reported in its op's
 * status), and nothing is written unless all succeed. Returns 0, or
 * DDB_ERR_TRANSACTION_CANCELED when some fn failed, or a storage error. The
 * keys must be distinct items; there is no limit on n or on the number of
 * tables and indexes involved. Writer. Any thread. */
int ddb_write_all(ddb_engine_t *e, ddb_write_t *ops, size_t n, ddb_arena_t *a, ddb_error_t *err);

/* A client request token (TransactWriteItems' ClientRequestToken) and what
 * it stands for. Two writes with one token are the same request exactly
 * when their digests are equal; what goes into the digest is the caller's
 * choice (the server digests TransactItems, see server/ops_batch.c). */
typedef struct ddb_token {
    const char *text;   /* the token: any bytes, not NUL-terminated */
    size_t len;         /* its length, 1 or more */
    uint8_t digest[16]; /* the caller's digest of the request's parameters */
} ddb_token_t;

/* ddb_write_all, made idempotent by token (NULL: exactly ddb_write_all).
 * Under the writer, before any fn is called, the token is looked up:
 *  - applied less than the engine's token window ago (token_window_s)
 *    with the same digest: nothing is called or written, *replayed is set,
 *    and 0 is returned (the request's first application stands);
 *  - the same, with another digest: DDB_ERR_IDEMPOTENT_MISMATCH (DynamoDB's
 *    message), nothing is called or written;
 *  - otherwise (never seen, or its window has passed) the write proceeds
 *    as ddb_write_all's, and when it succeeds the token, its digest and the
 *    time are recorded in the same atomic batch as the items. A write that
 *    fails (DDB_ERR_TRANSACTION_CANCELED or a storage error) records
 *    nothing: its token may be sent again.
 * Concurrent calls with one token therefore apply it once. Tokens persist
 * with the data; the maintenance thread deletes them once their window has
 * passed. Writer. Any thread. */
int ddb_write_all_once(ddb_engine_t *e,          /* the engine */
                       ddb_write_t *ops,         /* the item writes (as ddb_write_all's) */
                       size_t n,                 /* how many */
                       const ddb_token_t *token, /* the request's token, or NULL */
                       bool *replayed,           /* out: true when the token was a replay and
                                                  * nothing was written (may be NULL) */
                       ddb_arena_t *a,           /* old and new items live here */
                       ddb_error_t *err);        /* out: the error when not 0 */

/* Reads n items from one consistent snapshot. Not the writer; any thread. */
int ddb_read_all(ddb_engine_t *e,                       /* the engine */
                 const ddb_table_info_t *const *tables, /* tables[i]: item i's table */
                 const ddb_value_t *const *keys,        /* keys[i]: item i's primary key map */
                 size_t n,                              /* number of items */
                 ddb_arena_t *a,                        /* the items are decoded here */
                 const ddb_value_t **out,               /* out[i]: item i, NULL when absent */
                 ddb_error_t *err);                     /* out: the error when not 0 */

/* Reads one item by primary key into arena a; *out = NULL when absent.
 * Not the writer; any thread. */
int ddb_item_get(ddb_engine_t *e, const ddb_table_info_t *t, const ddb_value_t *key, ddb_arena_t *a,
                 const ddb_value_t **out, ddb_error_t *err);

/* ---- iteration (scan order: by partition-key hash, then sort key) ------ */

typedef struct ddb_iter ddb_iter_t;

/* Iterates all items of a table (or, with index, the index's projected
 * items, ordered by index key then table key) in scan order, starting after
 * the item whose key is start_after (the primary key, plus the index key
 * attributes for an index; NULL: from the beginning). segment/total
 * restrict to one parallel-scan segment (total == 0 or 1: whole table). The
 * iterator reads a consistent snapshot. Release with ddb_iter_destroy.
 * Not the writer; any thread (the iterator then belongs to the caller's
 * thread until destroyed). */
int ddb_iter_scan(ddb_engine_t *e,                /* the engine */
                  const ddb_table_info_t *t,      /* the table */
                  const ddb_index_info_t *index,  /* NULL, or the index to scan */
                  const ddb_value_t *start_after, /* continue after this key (NULL: start) */
                  uint32_t segment,               /* the parallel-scan segment, 0-based */
                  uint32_t total,                 /* of this many (0 or 1: whole table) */
                  ddb_iter_t **out,               /* out: the iterator (ddb_iter_destroy) */
                  ddb_error_t *err);              /* out: the error when not 0 */

/* The items of one partition whose sort key lies in a range. lo/hi are
 * sort-key bounds (NULL: open), prefix a begins_with operand (S or B) or
 * NULL. For a table without a sort key only hash is used. */
typedef struct ddb_key_range {
    const ddb_value_t *hash; /* partition key value */
    const ddb_value_t *lo;
    bool lo_incl;
    const ddb_value_t *hi;
    bool hi_incl;
    const ddb_value_t *prefix;
    /* On an index with a multi-attribute key (hash unused): every partition
     * value in key order, then the values of the leading sort attributes
     * fixed by equality; lo/hi/prefix then bound the next sort attribute. */
    const ddb_value_t *hashv[DDB_KEY_ATTRS_MAX];
    size_t nhashv;
    const ddb_value_t *eq[DDB_KEY_ATTRS_MAX];
    size_t neq;
} ddb_key_range_t;

/* Iterates one partition's items in sort-key order. Reads a consistent
 * snapshot and never reads outside the range. Not the writer; any thread. */
int ddb_iter_query(ddb_engine_t *e,                /* the engine */
                   const ddb_table_info_t *t,      /* the table */
                   const ddb_index_info_t *index,  /* NULL, or the index whose key range is */
                   const ddb_key_range_t *range,   /* the partition and sort-key range */
                   const ddb_value_t *start_after, /* continue after this item's key (NULL:
                                                    * from the first) */
                   bool reverse,                   /* descending sort-key order */
                   ddb_iter_t **out,               /* out: the iterator (ddb_iter_destroy) */
                   ddb_error_t *err);              /* out: the error when not 0 */

/* Next item into arena a: returns 0 with *item set, or with *item NULL at
 * the end; or a DDB_ERR_* status (a storage error met by the iterator). */
int ddb_iter_next(ddb_iter_t *it, ddb_arena_t *a, const ddb_value_t **item, ddb_error_t *err);

void ddb_iter_destroy(ddb_iter_t *it);

/* ---- streams -------------------------------------------------------------------- */

/* A stream as DescribeStream/ListStreams know it (strings in the arena). */
typedef struct ddb_stream_desc {
    uint32_t id;
    const char *table; /* NUL-terminated */
    size_t table_len;
    ddb_key_schema_t key;
    ddb_stream_view_t view;
    int64_t created_ms;
    bool enabled;
    int64_t disabled_ms; /* when it was disabled (0 while enabled) */
    uint32_t lanes;      /* shards open at once (1..DDB_STREAM_LANES_MAX) */
} ddb_stream_desc_t;

/* Every stream still readable, newest first. Not the writer; any thread. */
int ddb_stream_list(ddb_engine_t *e, ddb_arena_t *a, ddb_stream_desc_t **out, size_t *n,
                    ddb_error_t *err);

#define DDB_STREAM_LANES_MAX 64 /* open shards of one stream at most */

/* A shard: the records of its stream's lane with sequence numbers in
 * [start, end] (end open while !closed). A stream has `lanes` chains of
 * shards, one open at a time each; within a lane shards follow one
 * another: each child starts after its parent (the lane's shard before)
 * closed. Indexes are unique in the stream and grow with creation. */
typedef struct ddb_shard {
    uint32_t index;
    int64_t created_ms;
    uint64_t start, end;
    bool closed;
    bool has_parent;
    uint32_t parent;
    uint32_t lane;  /* the chain it belongs to, < lanes */
    uint32_t lanes; /* the stream's lane count (1: one chain, today's layout) */
} ddb_shard_t;

/* The stream's shards not yet trimmed, from one snapshot. Not the writer;
 * any thread. */
int ddb_stream_shards(ddb_engine_t *e,   /* the engine */
                      uint32_t stream,   /* the stream's id */
                      ddb_arena_t *a,    /* the shards are allocated here */
                      ddb_shard_t **out, /* out: the shards, oldest first */
                      size_t *n,         /* out: how many */
                      uint64_t *trim,    /* out: the lowest sequence number still retained
                                          * (records below it are gone) */
                      ddb_error_t *err); /* out: the error when not 0 */

typedef enum ddb_event { DDB_EV_INSERT = 1, DDB_EV_MODIFY, DDB_EV_REMOVE } ddb_event_t;

/* One change record. Images are NULL when the view or event has none. */
typedef struct ddb_stream_record {
    uint64_t seq;
    ddb_event_t event;
    int64_t time_ms;
    bool by_ttl; /* a deletion by the TTL sweeper */
    const ddb_value_t *keys, *new_image, *old_image;
    size_t size; /* SizeBytes: keys plus images */
} ddb_stream_record_t;

/* Reads records of one shard of a stream, oldest first, from one snapshot
 * of the shard and its records, and only records below ddb_stream_latest
 * (committed, and with group commit flushed: a record a reader has seen is
 * never taken back by a crash). DDB_ERR_TRIMMED_DATA when records at
 * `from` have been trimmed; DDB_ERR_RESOURCE_NOT_FOUND when the shard is
 * gone; DDB_ERR_INTERNAL when a stored record does not decode. Not the
 * writer; never blocks on writes; any thread. */
int ddb_stream_read(ddb_engine_t *e,           /* the engine */
                    uint32_t stream,           /* the stream's id */
                    uint32_t shard,            /* the shard's index */
                    uint64_t from,             /* first sequence number wanted */
                    size_t limit,              /* at most this many records */
                    size_t max_bytes,          /* and about this many bytes (SizeBytes), at
                                                * least one record */
                    ddb_arena_t *a,            /* records and images are decoded here */
                    ddb_stream_record_t **out, /* out: the records */
                    size_t *n,                 /* out: how many */
                    uint64_t *next,            /* out: the sequence number to continue from */
                    bool *done,                /* out: the shard is closed and nothing of it
                                                * is left after *next */
                    ddb_error_t *err);         /* out: the error when not 0 */

/* ---- the server's own records ------------------------------------------- */

/* Small durable records of the server's (event-source mappings, their
 * checkpoints), apart from every table: a namespace byte `ns` (the
 * server's choice) and a key of up to a few hundred bytes. */
#define DDB_KV_MAPPINGS    1 /* event-source mappings, by UUID */
#define DDB_KV_CHECKPOINTS 2 /* trigger checkpoints, by mapping UUID + shard */

/* Reads one record: *val (NUL-terminated, in the arena) or NULL when
 * absent. Not the writer; any thread. */
int ddb_kv_get(ddb_engine_t *e, uint8_t ns, const void *key, size_t klen, ddb_arena_t *a,
               char **val, size_t *vlen, ddb_error_t *err);

/* Writes (replaces) or deletes one record; in the WAL (fsynced with sync)
 * when it returns 0. Writer (briefly); any thread. */
int ddb_kv_put(ddb_engine_t *e, uint8_t ns, const void *key, size_t klen, const void *val,
               size_t vlen, ddb_error_t *err);
int ddb_kv_delete(ddb_engine_t *e, uint8_t ns, const void *key, size_t klen, ddb_error_t *err);

/* ddb_kv_put for a record whose loss in a crash only repeats work (a
 * trigger checkpoint: a lost one redelivers, it never skips): with group
 * commit it reaches the WAL with the next ddb_commit of any caller instead
 * of being flushed now; readers see it at once. Writes reach the WAL in
 * order, so a crash keeps a prefix of them. Writer (briefly); any thread. */
int ddb_kv_put_lazy(ddb_engine_t *e, uint8_t ns, const void *key, size_t klen, const void *val,
                    size_t vlen, ddb_error_t *err);

/* Calls fn for every record of ns whose key starts with prefix, in key
 * order, from one iterator (not a snapshot of later writes); fn returns
 * nonzero to stop. Not the writer; any thread. */
typedef int (*ddb_kv_fn)(void *ctx, const char *key, size_t klen, const char *val, size_t vlen);
int ddb_kv_scan(ddb_engine_t *e, uint8_t ns, const void *prefix, size_t plen, ddb_kv_fn fn,
                void *ctx, ddb_error_t *err);

/* ---- commit notification (stream readers, triggers) ---------------------- */

/* The commit watermark: the sequence number after the last record a reader
 * may read (ddb_stream_read returns records below it); every record below
 * it is committed, and with group commit in the WAL. The next record will
 * have this number or a later one. Lock-free (one atomic load): not the
 * writer, never blocks, any thread. */
uint64_t ddb_stream_latest(ddb_engine_t *e);

/* Waits until the watermark passes `after` (ddb_stream_latest(e) > after:
 * a record with sequence number >= after can be read), or timeout_ms
 * elapses (0: do not wait; < 0: no limit). Returns 1 when it has passed,
 * 0 on timeout. A reader that has read up to *next waits with after =
 * *next. Sleeps on a condition variable of its own, never on the writer:
 * writes go on while readers wait, and a commit that publishes records
 * wakes every waiter. Blocks (by design); any thread, but not an event
 * loop's own thread unless timeout_ms is 0 (an fd-based form for event
 * loops is not provided yet). Every wait must have returned before
 * ddb_close. */
int ddb_stream_wait(ddb_engine_t *e, uint64_t after, int timeout_ms);

/* ---- statistics (metrics) ---------------------------------------------------- */

/* The engine's counters and RocksDB's key figures at one moment (each read
 * on its own: not one snapshot). Counters count since ddb_open. */
typedef struct ddb_engine_stats {
    uint64_t stream_records;           /* stream records committed, ever (from the sequence
                                        * counter: it survives restarts) */
    uint64_t ttl_deleted;              /* items the TTL sweeper deleted */
    uint64_t backfill_scanned;         /* items index backfills read (TTL indexes too) */
    uint64_t memtable_bytes;           /* all column families' memtables */
    uint64_t sst_bytes;                /* all column families' SST files */
    uint64_t pending_compaction_bytes; /* RocksDB's estimate, summed over column families */
    uint64_t block_cache_bytes;        /* the block cache's usage */
    uint64_t block_cache_capacity;
    uint64_t block_cache_hits; /* lookups that found their block (0: no statistics) */
    uint64_t block_cache_misses;
    uint64_t stall_micros;       /* time writes spent stalled by RocksDB (0: no statistics) */
    uint64_t delayed_write_rate; /* bytes/s writes are held to now; 0: not delayed */
    bool write_stopped;          /* RocksDB stops writes now (too many L0 files, memtables
                                  * or pending compaction bytes) */
    bool has_statistics;         /* the hit, miss and stall counters are kept */
} ddb_engine_stats_t;

/* Fills *out. Reads RocksDB properties (a few microseconds) and, with
 * statistics, formats RocksDB's statistics (tens of microseconds): meant
 * for a scrape, not a request path. Not the writer; any thread. */
void ddb_engine_stats(ddb_engine_t *e, ddb_engine_stats_t *out);

/* The RocksDB version linked in, "MAJOR.MINOR.PATCH" (static). Pure. */
const char *ddb_rocksdb_version(void);

/* ---- backups and point-in-time recovery (backup.c, restore.c, pitr.c) ---------------
 * A backup is a copy of one table taken at one instant while writes go on
 * (a RocksDB checkpoint of the store, from which the table is then copied
 * into the backup store in the background, a bounded step at a time): it is
 * CREATING until the copy is done, then AVAILABLE, and it survives restarts
 * (an unfinished copy resumes from its checkpoint). Restores create a new
 * table with restoring set, fill it in the background through the writer
 * (index entries and statistics as for any write; no stream records), then
 * clear restoring. Point-in-time recovery keeps, for each write to a table
 * with PITR on, the item's previous state in the table's change log (in the
 * same batch as the write); a restore to T copies the table's current items
 * from a snapshot and then undoes, newest first, every change later than T.
 * The log is trimmed past the recovery window. Messages of the errors below
 * are the engine's; the server may reword them as DynamoDB's. */

typedef enum ddb_backup_status {
    DDB_BACKUP_CREATING = 1,
    DDB_BACKUP_AVAILABLE,
    DDB_BACKUP_DELETED /* only in ddb_backup_delete's answer */
} ddb_backup_status_t;

typedef enum ddb_backup_type {
    DDB_BACKUP_USER = 1, /* CreateBackup */
    DDB_BACKUP_SYSTEM    /* made by ddb_table_delete of a table with PITR on */
} ddb_backup_type_t;

/* A backup (strings in the caller's arena, NUL-terminated). */
typedef struct ddb_backup_info {
    const char *id; /* "01700000000000-1a2b3c4d": creation ms, 14 digits, '-', 8 hex
                     * digits; unique, ordered by creation; the tail of the ARN */
    size_t id_len;
    const char *name; /* BackupName */
    size_t name_len;
    ddb_backup_type_t type;
    ddb_backup_status_t status;
    int64_t created_ms;
    int64_t expires_ms; /* SYSTEM: when the engine deletes it; 0: never */
    /* the source table as it was: name, id, key, meta, indexes (the TTL index
     * included), stream, pitr; item_count and size_bytes are the backup's
     * (the table's at the request while CREATING, exact once AVAILABLE) */
    ddb_table_info_t table;
    bool restoring; /* a restore from it is in progress */
} ddb_backup_info_t;

/* Starts a backup of table (name) named name. DDB_ERR_TABLE_NOT_FOUND when
 * the table does not exist, DDB_ERR_TABLE_IN_USE while it is being
 * restored. *out: the new backup, CREATING. Takes a checkpoint (a flush of
 * the memtables and hard links; writes go on) and the writer briefly. Any
 * thread. */
int ddb_backup_create(ddb_engine_t *e, const char *table, size_t len, const char *name,
                      size_t name_len, ddb_arena_t *a, ddb_backup_info_t *out, ddb_error_t *err);

/* Looks a backup up by id; DDB_ERR_BACKUP_NOT_FOUND when absent. Not the
 * writer; any thread. */
int ddb_backup_get(ddb_engine_t *e, const char *id, size_t id_len, ddb_arena_t *a,
                   ddb_backup_info_t *out, ddb_error_t *err);

/* Calls fn for every backup with an id greater than after (NULL: all), in
 * id (creation) order, each decoded in a scratch arena valid during the
 * call; a nonzero return from fn stops the walk and is returned. Not the
 * writer; any thread. */
typedef int (*ddb_backup_fn)(void *ctx, const ddb_backup_info_t *b);
int ddb_backup_list(ddb_engine_t *e, const char *after, size_t after_len, ddb_backup_fn fn,
                    void *ctx, ddb_error_t *err);

/* Deletes a backup and its copy; *out: the backup as it was, status
 * DDB_BACKUP_DELETED. DDB_ERR_BACKUP_NOT_FOUND when absent,
 * DDB_ERR_BACKUP_IN_USE while it is CREATING or a restore reads it.
 * Writer. Any thread. */
int ddb_backup_delete(ddb_engine_t *e, const char *id, size_t id_len, ddb_arena_t *a,
                      ddb_backup_info_t *out, ddb_error_t *err);

/* Restores backup id into a new table target (name, key: the backup's,
 * indexes: any the caller chooses, e.g. the backup's or a subset, without
 * the TTL index; meta; stream and pitr are ignored: a restored table has
 * neither, as in DynamoDB). On success target->id and index ids are set
 * and the table exists with restoring set until its items are in.
 * DDB_ERR_BACKUP_NOT_FOUND, DDB_ERR_BACKUP_IN_USE (not AVAILABLE),
 * DDB_ERR_TABLE_ALREADY_EXISTS (target name taken), DDB_ERR_LIMIT_EXCEEDED
 * (table quota). Writer. Any thread. */
int ddb_backup_restore(ddb_engine_t *e, const char *id, size_t id_len, ddb_table_info_t *target,
                       ddb_error_t *err);

/* Turns point-in-time recovery on (period_days 1..35, or 0 for the engine's
 * window) or off for a table; turning it on again starts a new window.
 * DDB_ERR_TABLE_NOT_FOUND. Writer. Any thread. */
int ddb_pitr_set(ddb_engine_t *e, const char *table, size_t len, bool enabled, uint32_t period_days,
                 ddb_error_t *err);

/* The window a restore of t (PITR on) may aim at: [*earliest, *latest] in
 * ms since the epoch; latest is now (every acknowledged write is in the
 * log). Pure but for the clock. */
void ddb_pitr_window(ddb_engine_t *e, const ddb_table_info_t *t, int64_t *earliest_ms,
                     int64_t *latest_ms);

/* Restores table source as it was at at_ms (every write made at or before
 * at_ms, none after) into a new table target (as ddb_backup_restore's).
 * DDB_ERR_TABLE_NOT_FOUND (source), DDB_ERR_PITR_UNAVAILABLE (PITR off),
 * DDB_ERR_INVALID_RESTORE_TIME (outside the window),
 * DDB_ERR_TABLE_ALREADY_EXISTS, DDB_ERR_LIMIT_EXCEEDED. Writer. Any
 * thread. */
int ddb_pitr_restore(ddb_engine_t *e, const char *source, size_t len, int64_t at_ms,
                     ddb_table_info_t *target, ddb_error_t *err);

/* A consistent copy of the whole store in directory dir (which must not
 * exist): a RocksDB checkpoint, openable as a data directory. Not the
 * writer (writes go on); any thread. */
int ddb_checkpoint(ddb_engine_t *e, const char *dir, ddb_error_t *err);

/* ---- consistency ----------------------------------------------------------- */

/* Verifies every table's statistics against a full scan of its items, and
 * that every secondary index holds exactly the entries the table implies
 * (same keys, same projected items, same statistics); then every stream:
 * shard lineage and ranges, record order, placement and decoding, and for
 * a table's enabled stream with new images, that each item's records
 * replay to the item as stored (exactly what is checked:
 * storage/check_streams.c). The first difference is reported in err as
 * DDB_ERR_INTERNAL. Writer, for the whole check (writes wait); reads every
 * item, entry and record. Any thread, meant for tools (ddbd --check). */
int ddb_check(ddb_engine_t *e, ddb_error_t *err);

#endif
