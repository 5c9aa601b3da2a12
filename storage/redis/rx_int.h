/* rx_int.h: the Redis Cluster backend's shared state (struct rx_engine) and
 * the helpers its files share: this thread's connections, bucket names of
 * item keys, the catalog's keys. Internal to storage/redis/rx_*.c. */
#ifndef DDB_STORAGE_RX_INT_H
#define DDB_STORAGE_RX_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "storage/codec.h"
#include "storage/redis/rtx.h"
#include "storage/redis/rx.h"

/* The catalog's keys (one slot: "{ddb:cat}"). */
#define RX_CAT_TABLES "{ddb:cat}t"  /* hash: table name -> table record */
#define RX_CAT_IDS    "{ddb:cat}id" /* counter: the last id handed out */
#define RX_CAT_BUCKETS                                                                             \
    "{ddb:cat}buckets"                    /* the cluster's buckets per table (fixed at creation)   \
                                           */
#define RX_CAT_SECRET   "{ddb:cat}secret" /* the store's secret (ddb_secret) */
#define RX_CAT_BACKUPS  "{ddb:cat}bk"     /* hash: backup id -> its record (storage/backuprec.h) */
#define RX_CAT_RESTORES "{ddb:cat}rst"    /* hash: restoring table's id -> the backup it reads */
#define RX_CAT_STREAMS                                                                             \
    "{ddb:cat}st" /* hash: stream id (decimal) -> its descriptor (storage/streamrec.h) */
#define RX_CAT_DEAD                                                                                \
    "{ddb:cat}dead" /* hash: "<owner>:<id>" of a dropped table or index -> "<ms>:<keep feed>" */
#define RX_CAT_TAG "{ddb:cat}"

#define RX_BUCKETS_DEFAULT 64   /* buckets per table on a new cluster (a power of two) */
#define RX_RETRIES         1000 /* conditional writes retried on a conflict at most */
#define RX_PAGE            100  /* items an iterator fetches per call */

/* A table's statistics as this front end last read them (DynamoDB's own are
 * refreshed about every six hours; these at most every RX_STATS_MS). */
#define RX_STATS_MS 5000
typedef struct rx_stats {
    uint32_t id;
    uint64_t count;
    int64_t bytes;
    int64_t at_ms;
    int64_t dcount, dbytes; /* this front end's own writes since: counted at once */
} rx_stats_t;

struct rx_engine {
    rc_cluster_t *c;
    pthread_key_t conn_key; /* this thread's rc_conn_t */
    pthread_mutex_t mu;     /* guards conns and stats */
    rc_conn_t **conns;      /* every thread's, closed with the engine */
    size_t nconns, capconns;
    rx_stats_t *stats;
    size_t nstats, capstats;
    uint32_t buckets;      /* buckets per table (a power of two) */
    unsigned bucket_shift; /* bucket = partition hash >> bucket_shift */
    uint32_t max_tables;
    rtx_opts_t tx;
    /* rx_ttl.c: this front end's TTL sweeper */
    uint32_t ttl_interval_ms;
    pthread_t sweeper;
    bool sweeping;
    _Atomic bool stop;
    pthread_cond_t stop_cond; /* with mu: wakes the sweeper to stop */
    uint64_t ttl_deleted;     /* items it deleted (atomic adds) */
    int64_t token_window_ms;  /* idempotency tokens are remembered this long */
    /* rx_feed.c: streams over the change feed */
    uint32_t stream_lanes; /* shards open at once of a stream created from now on */
    int64_t rollover_ms;   /* a shard's time window */
    int64_t retention_ms;  /* records are trimmed after this long */
    pthread_mutex_t feed_mu;
    pthread_cond_t feed_cond; /* with feed_mu: this front end wrote change records */
    uint64_t feed_gen;        /* counts those writes (under feed_mu) */
    uint64_t dirty[256];      /* their buckets (table id << 32 | bucket), for the applier */
    size_t ndirty;
    bool dirty_overflow;  /* more than fit: the applier looks at every bucket */
    uint64_t applied_gen; /* the applier has applied (or found another front end's lease
                           * on) every bucket of this front end's writes up to this
                           * feed_gen (under feed_mu; broadcast on feed_cond) */
    /* rx_gsi.c: this front end's GSI applier */
    char owner[20]; /* this front end's id in the appliers' leases */
    pthread_t applier;
    bool applying;
    _Atomic uint64_t gsi_applied;      /* change records it applied */
    _Atomic uint64_t records_written;  /* change records this front end's writes appended */
    _Atomic uint64_t backfill_scanned; /* items its index and TTL backfills read */
    _Atomic int64_t gsi_lag_ms;        /* the latest record's age when applied */
    /* rx_jobs.c: background jobs running on this front end (their threads; under mu) */
    int jobs;
    pthread_cond_t jobs_cond;
    uint32_t backfill_batch;    /* items a GSI backfill writes between pauses */
    uint32_t backfill_pause_ms; /* its pause */
    int64_t pitr_retention_ms;  /* PITR's window of tables that name none */
};

/* Keys of a bucket beside rs_bucket_suffix's: the GSI applier's lease and
 * the last record it applied (a table's buckets), and an index bucket's
 * entry sizes and tombstones (ddb.lua's ddb_ix_apply). */
#define RX_EXTRA_KEYS 5
extern const char *const rx_extra_suffix[RX_EXTRA_KEYS];

/* A stream's sequence numbers on the cluster: [ms since RX_SEQ_EPOCH_MS:
 * 42 bits][bucket: 6][the record id's sequence within its ms: 16], so a
 * shard merging several buckets orders its records by time, then bucket. */
#define RX_SEQ_EPOCH_MS 1577836800000LL /* 2020-01-01 */
#define RX_SEQ_BUCKETS  64              /* buckets a stream can tell apart */
uint64_t rx__seq(int64_t ms, uint32_t bucket, uint64_t n);

/* How often a GSI applier reads the table list again: for this long after
 * an index is added, an applier may apply records without it. */
#define RX_GSI_TABLES_MS 1000

/* Whether writes of table t append change records (an enabled stream, or a
 * GSI fed by them), and the record of a change from old to next: the
 * stream's id (BE32; 0 for none) then storage/streamrec.h's record, with
 * both images when a GSI needs them. */
bool rx__feed_on(const ddb_table_info_t *t);
bool rx__has_gsi(const ddb_table_info_t *t);
void rx__feed_record(bytes_t *out, const ddb_table_info_t *t, const ddb_value_t *old,
                     const ddb_value_t *next, bool by_ttl);
/* Wakes stream readers and the GSI applier: s's records were written. */
typedef struct rx_wset rx_wset_t;
void rx__feed_notify(rx_engine_t *e, const rx_wset_t *s);
/* The descriptor record of a new stream on table t (created at now). */
void rx__stream_desc(bytes_t *out, rx_engine_t *e, const ddb_table_info_t *t,
                     ddb_stream_view_t view, int64_t now_ms);
/* Marks stream id disabled at now_ms (if it is enabled). */
int rx__stream_disable(rx_engine_t *e, uint32_t id, int64_t now_ms, ddb_error_t *err);

/* Waits (briefly) until this front end's GSI applier has applied the
 * records of every write this front end made before: a front end reads its
 * own writes in its GSIs (DynamoDB promises less: eventual consistency). */
void rx__gsi_barrier(rx_engine_t *e);

/* Applies every table's change records to its GSIs until all are applied
 * (as a front end's applier would: leases held by other front ends are
 * waited for), or fails after timeout_ms. For the checker. */
int rx__gsi_settle(rx_engine_t *e, int timeout_ms, ddb_error_t *err);

/* Starts and stops this front end's GSI applier (rx_gsi.c). */
void rx__applier_start(rx_engine_t *e);
void rx__applier_stop(rx_engine_t *e);
/* Writes one item's entry of GSI ix (the backfill) at the item's version,
 * as the applier would. */
int rx__gsi_put(rx_engine_t *e, const ddb_table_info_t *t, const ddb_index_info_t *ix,
                const ddb_value_t *item, uint64_t version, ddb_error_t *err);

/* This thread's connections to the cluster (made on first use). */
rc_conn_t *rx__conn(rx_engine_t *e);

/* The bucket a partition hash falls in (its top bits), and the bucket of
 * an item key ([id][hash BE64]...) or GSI entry key. */
uint32_t rx__bucket_index(const rx_engine_t *e, uint64_t hash);
void rx__bucket(const rx_engine_t *e, const uint8_t *key, size_t len, rs_bucket_t *out);

/* The key set of a bucket of table (or index) id: its own bucket, or for a
 * local index (owner: its table's id; 0 for any other) its key set in its
 * table's bucket (rs_bucket_local: the item's slot). rx__owner is owner for
 * index ix of t (NULL: the table itself). */
void rx__set_name(uint32_t owner, uint32_t id, uint32_t bucket, rs_bucket_t *out);
uint32_t rx__owner(const ddb_table_info_t *t, const ddb_index_info_t *ix);
/* The key set of a key of t (ix NULL) or of its index ix's entries. */
void rx__key_set(const rx_engine_t *e, const ddb_table_info_t *t, const ddb_index_info_t *ix,
                 const uint8_t *key, size_t len, rs_bucket_t *out);

/* The reply of one command routed by key (not an error reply: that is
 * turned into DDB_ERR_INTERNAL); rx__cat sends it to the catalog's slot. */
int rx__call(rx_engine_t *e, const char *key, size_t klen, bool write, int argc, const char **argv,
             const size_t *lens, redisReply **out, ddb_error_t *err);
int rx__cat(rx_engine_t *e, bool write, int argc, const char **argv, const size_t *lens,
            redisReply **out, ddb_error_t *err);

/* Commands one per bucket of [0, e->buckets), pipelined: build writes
 * bucket b's words into c (rx__cmd_word; the first rx__cmd_key routes it;
 * no words: no command for b), then got (may be NULL) sees each reply; its
 * first nonzero status stops the replies' walk and is returned. */
#define RX_CMD_WORDS 10
typedef struct rx_cmd {
    char buf[RX_CMD_WORDS][80];
    const char *argv[RX_CMD_WORDS];
    int argc, route;
} rx_cmd_t;
void rx__cmd_word(rx_cmd_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rx__cmd_key(rx_cmd_t *c, const rs_bucket_t *set, const char *suffix);
typedef void (*rx_cmd_build_fn)(void *ctx, uint32_t b, rx_cmd_t *c);
typedef int (*rx_cmd_reply_fn)(void *ctx, uint32_t b, const redisReply *r, ddb_error_t *err);
int rx__per_bucket(rx_engine_t *e, bool write, rx_cmd_build_fn build, rx_cmd_reply_fn got,
                   void *ctx, ddb_error_t *err);

/* qsort's order of redisReply pointers by their strings' bytes. */
int rx__cmp_replies(const void *a, const void *b);

/* A refusal for what this backend does not do yet (a ValidationException
 * naming it, so a client sees at once why). */
int rx__unsupported(ddb_error_t *err, const char *what);

/* Reads an item: its decoded value (NULL when absent) and version,
 * resolving a transaction that holds it first (rtx_resolve). */
int rx__read(rx_engine_t *e, rc_conn_t *k, const rs_bucket_t *b, const bytes_t *key, ddb_arena_t *a,
             const ddb_value_t **out, uint64_t *version, ddb_error_t *err);

/* Replaces table name's record with what change makes of it (in a, the
 * record decoded into t), by compare-and-set: a change by another front end
 * in between makes it read and change again. */
typedef int (*rx_change_fn)(ddb_arena_t *a, ddb_table_info_t *t, const void *ctx, ddb_error_t *err);
int rx__change_record(rx_engine_t *e, const char *name, size_t len, rx_change_fn change,
                      const void *ctx, ddb_error_t *err);

/* The expiry (epoch seconds) item's TTL attribute gives it on table t, 0
 * for none (TTL off, or not a number). */
uint64_t rx__expiry(const ddb_table_info_t *t, const ddb_value_t *item);

/* Deletes idempotency tokens whose window has passed (rx_items.c). */
void rx__tokens_sweep(rx_engine_t *e);

/* Starts and stops this front end's TTL sweeper (rx_ttl.c). */
void rx__sweeper_start(rx_engine_t *e);
void rx__sweeper_stop(rx_engine_t *e);

/* A write set: every bucket write a request makes (items, and the index
 * entries their changes cause), run together by rtx_run (rx_index.c). */
typedef struct rx_witem {
    rs_bucket_t b;
    rs_write_t w; /* its key, body and record point into key, body and rec below */
    bytes_t key, body, rec;
    size_t op;      /* the request's operation it serves (a reason's index) */
    bool token;     /* an idempotency token's record (no table, no statistics) */
    int64_t dcount; /* how its table's (or index's) item count changes */
} rx_witem_t;

struct rx_wset {
    rx_witem_t *it;
    size_t n, cap;
    rs_bucket_t conflict_bucket; /* where rx__ws_run met a holder */
    bool by_ttl;                 /* the TTL sweeper's deletions (their change records say so) */
    bool records;                /* some write carries a change record */
};

/* A write of key (a blank one: the caller fills it) for operation op. */
rs_write_t *rx__ws_add(rx_engine_t *e, rx_wset_t *s, const uint8_t *key, size_t klen, size_t op);

/* The writes of an item's change from old to next (at version) on table t:
 * the item's own (a version check when nothing changes) and its index
 * entries'. */
int rx__ws_item(rx_engine_t *e, rx_wset_t *s, const ddb_table_info_t *t, const bytes_t *k,
                const ddb_value_t *old, const ddb_value_t *next, uint64_t version, size_t op,
                ddb_arena_t *a, ddb_error_t *err);

/* Runs the set all or none (rtx_run); on DDB_ERR_TRANSACTION_CONFLICT
 * *failed_op (may be NULL) is the operation whose write conflicted and
 * holder the holding transaction's id ("" for a version), found in
 * s->conflict_bucket. Counts the writes in the statistics on success. */
int rx__ws_run(rx_engine_t *e, rx_wset_t *s, size_t *failed_op, char *holder, ddb_error_t *err);
void rx__ws_free(rx_wset_t *s);

/* Notes table (or index) id as dropped at now (owner, keep_feed: as
 * rx__drop_buckets's), and the sweeper's second drop of what was noted
 * RX_DEAD_MS before: a write of another front end that read the table's
 * record before its deletion may land in its buckets after the first. */
#define RX_DEAD_MS 5000
void rx__note_dead(rx_engine_t *e, uint32_t owner, uint32_t id, bool keep_feed);
void rx__dead_sweep(rx_engine_t *e);

/* Deletes every bucket of a table or index id (owner: rx__set_name's;
 * all keys of each), but with keep_feed its change records, which expire
 * with the retention then (a deleted table's stream stays readable). */
int rx__drop_buckets(rx_engine_t *e, uint32_t owner, uint32_t id, bool keep_feed, ddb_error_t *err);

/* Calls fn for every item of a bucket of table (or index) id (owner:
 * rx__set_name's) in key order,
 * RX_PAGE at a time: its key, and its body when bodies (else NULL); stops at
 * the first nonzero status and returns it (rx_iter.c). */
typedef int (*rx_item_fn)(void *ctx, const rs_bucket_t *b, const redisReply *key,
                          const redisReply *body, ddb_error_t *err);
int rx__each_item(rx_engine_t *e, uint32_t owner, uint32_t id, uint32_t bucket, bool bodies,
                  rx_item_fn fn, void *ctx, ddb_error_t *err);
/* The same over the items of any bucket-shaped key set b (a backup's copy). */
int rx__each_in(rx_engine_t *e, const rs_bucket_t *b, bool bodies, rx_item_fn fn, void *ctx,
                ddb_error_t *err);

/* rx_table_create, or with restore_of (a backup id) a table created
 * restoring from it (its restore's state written with its record). */
int rx__table_create(rx_engine_t *e, ddb_table_info_t *info, const char *restore_of,
                     ddb_error_t *err);

/* Point-in-time recovery (rx_pitr.c): the key set of a restore's copy of
 * bucket b of table src (target: the restoring table's id), in src's slot;
 * a PITR restore's state ("P<src id>:<ms>") parsed; the ddb_pitr_copy
 * command of that copy; and the sweeper's trimming of the histories. */
void rx__pitr_copy_set(rs_bucket_t *out, uint32_t src, uint32_t bucket, uint32_t target);
bool rx__pitr_state_parse(const char *v, size_t len, uint32_t *src, int64_t *at_ms);
void rx__pitr_copy_cmd(uint32_t src, uint32_t target, uint32_t b, rx_cmd_t *c);
void rx__pitr_trim(rx_engine_t *e);

/* Starts the fill of restoring table id whose restore's state is state (a
 * backup id, or a PITR restore's); a SYSTEM backup of table t before its
 * deletion (PITR on), as DynamoDB makes one; and the sweeper's deletion of
 * SYSTEM backups past their expiry (rx_backup.c). */
void rx__restore_start(rx_engine_t *e, uint32_t table, const char *state);
int rx__backup_system(rx_engine_t *e, const ddb_table_info_t *t, ddb_error_t *err);
void rx__backups_expire(rx_engine_t *e);

/* Resumes the restores (rx_backup.c) and GSI backfills (rx_index.c) whose
 * front end stopped: a sweeper round. */
void rx__restores_resume(rx_engine_t *e);
void rx__backfills_resume(rx_engine_t *e);

/* Background jobs (rx_jobs.c): a lease in the catalog's slot, taken or
 * renewed (false: another front end holds it, or no answer), given up, or
 * looked at; fn(e, arg) run in a thread of its own (fn frees arg; when the
 * engine stops first, arg is freed unrun); a sleep cut short by the
 * engine's stop (false then); and rx_close's wait for every job. */
#define RX_JOB_LEASE_MS 10000 /* renewed every RX_PAGE items or so */
bool rx__job_lease(rx_engine_t *e, const char *key);
void rx__job_release(rx_engine_t *e, const char *key);
bool rx__job_leased(rx_engine_t *e, const char *key);
typedef void (*rx_job_fn)(rx_engine_t *e, void *arg);
void rx__job_start(rx_engine_t *e, rx_job_fn fn, void *arg);
bool rx__job_sleep(rx_engine_t *e, int ms);
void rx__jobs_wait(rx_engine_t *e);

/* Calls fn for every table's record (decoded into a; no statistics), in no
 * particular order; stops at fn's first nonzero return and returns it. */
typedef int (*rx_table_fn)(void *ctx, const ddb_table_info_t *t);
int rx__each_table(rx_engine_t *e, ddb_arena_t *a, rx_table_fn fn, void *ctx, ddb_error_t *err);

/* Forgets the cached statistics of a table (after its deletion). */
void rx__stats_drop(rx_engine_t *e, uint32_t id);

/* Counts a write of this front end in its table's statistics at once (the
 * other front ends' show at the next refresh). */
void rx__stats_note(rx_engine_t *e, uint32_t id, int64_t dcount, int64_t dbytes);

/* A table's (or index's; owner: rx__set_name's) statistics: the sum over
 * its buckets, read again when older than RX_STATS_MS, plus this front
 * end's writes since. */
int rx__stats(rx_engine_t *e, uint32_t owner, uint32_t id, uint64_t *count, uint64_t *bytes,
              ddb_error_t *err);

#endif
