/* dds.h: libddbstreams, the DynamoDB Streams consumer library: the whole public interface.
 *
 * A consumer reads one table's stream (from ddbd or from AWS) and hands its records to the
 * caller in batches, strictly in order within a shard (so in order per item), walking shard
 * lineage (a child shard only after its parents are finished), renewing 15-minute iterators
 * and following shard rollover by itself. With an `app`, workers (processes, machines) that
 * share the app name share the stream: each shard is leased to one worker at a time through
 * KCL-shaped items in an ordinary DynamoDB table named `app`, checkpoints live in those items,
 * and a worker that dies has its shards taken over after `lease_ms`. Without an `app` the
 * consumer reads every shard itself and keeps its positions in memory (a "tail").
 *
 * Errors are values (a code and a message), never abort() or exit(); nothing is printed.
 * A consumer is used from one thread (plus dds_fd for event loops); it runs one background
 * thread of its own for leases and reads. Link with `pkg-config --libs ddbstreams`. */
#ifndef DDS_H
#define DDS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* dds_config.start: where a shard with no checkpoint is read from. */
#define DDS_TRIM_HORIZON 0 /* its oldest record still retained */
#define DDS_LATEST       1 /* records written after the consumer first saw the stream */

/* Error codes: every function that can fail returns one of these (negative), or 0. */
typedef enum dds_code {
    DDS_OK = 0,
    DDS_EINVAL = -1,      /* a bad argument or configuration */
    DDS_ECONFIG = -2,     /* no region, endpoint or credentials could be resolved */
    DDS_EAUTH = -3,       /* the service refused the credentials or the signature */
    DDS_ENET = -4,        /* the service could not be reached (after retries) */
    DDS_ETHROTTLE = -5,   /* throttled on every retry */
    DDS_ESERVICE = -6,    /* another error of the service (type and message are its own) */
    DDS_ENOSTREAM = -7,   /* the table does not exist or has no stream */
    DDS_ELEASE_LOST = -8, /* a shard's lease was taken by another worker (shard_id says which):
                           * its records are no longer delivered here and its checkpoints
                           * are refused */
    DDS_EGAP = -9,        /* a shard's checkpoint had been trimmed: records were lost between
                           * the checkpoint and seq, the oldest one available, where reading
                           * resumes (reported once per gap) */
    DDS_ECLOSED = -10,    /* the consumer is closing */
    DDS_ECRC = -11        /* responses failed their CRC32 check on every retry */
} dds_code;

/* An error as a value. */
typedef struct dds_error {
    int code;          /* dds_code */
    char type[96];     /* the service's error type (e.g. "ResourceNotFoundException"), or "" */
    char message[512]; /* what happened, for a person */
    char shard_id[80]; /* the shard concerned (ELEASE_LOST, EGAP), or "" */
    char seq[48];      /* EGAP: the oldest sequence number available; else "" */
} dds_error;

typedef struct dds_config {
    const char *endpoint;  /* NULL: AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL, the profile's
                            * endpoint_url, else AWS's regional endpoints */
    const char *region;    /* NULL: AWS_REGION, AWS_DEFAULT_REGION, the profile's, us-east-1 */
    const char *profile;   /* NULL: AWS_PROFILE, else "default" (the standard chain) */
    const char *table;     /* table name (its latest stream is read) or a stream ARN */
    const char *app;       /* lease table name, created if missing; NULL: no leases (tail) */
    const char *worker_id; /* NULL: "<hostname>-<pid>" */
    int start;             /* DDS_TRIM_HORIZON or DDS_LATEST, for shards with no checkpoint */
    int max_records;       /* records per batch, 1..1000 (0: 1000) */
    int lease_ms;          /* lease duration (0: 10000); renewed every lease_ms / 3 */
    int poll_ms;           /* wait before reading an idle shard again (0: 20 with a custom
                            * endpoint, 250 against AWS, whose limit is 5 reads/s a shard) */
    int max_leases;        /* shards this worker holds at most (0: no limit) */
} dds_config;

typedef struct dds_consumer dds_consumer;
typedef struct dds_batch dds_batch;
typedef struct dds_record dds_record;
typedef struct dds_value dds_value;

/* Opens a consumer: resolves the stream (DescribeTable of a table name), creates the lease
 * table when missing, and starts the background thread. NULL with *err set on failure. */
dds_consumer *dds_open(const dds_config *cfg, dds_error *err);

/* The next batch of records of one shard, waiting up to timeout_ms (-1: no limit, 0: none).
 * Returns 1 with *out set (free it with dds_batch_free), 0 when nothing came in time, or a
 * negative dds_code (dds_last_error tells more). Errors are reports: the consumer keeps
 * going (it retries in the background), and the caller decides whether to stop. */
int dds_next(dds_consumer *c, dds_batch **out, int timeout_ms);

/* The error behind the last negative return of this consumer. */
const dds_error *dds_last_error(const dds_consumer *c);

/* Records that the batch's records up to and including seq (NULL: the whole batch) are
 * processed: with leases, a conditional write to the shard's lease item (DDS_ELEASE_LOST when
 * the lease is no longer this worker's). A shard's last batch checkpointed in full marks the
 * shard SHARD_END, which lets its children be read: checkpoint every batch you finish.
 * DDS_EINVAL when seq is not in the batch. Blocks for one request. */
int dds_checkpoint(dds_consumer *c, const dds_batch *b, const char *seq);

/* A descriptor that is readable while dds_next would not block (a batch or an error is
 * waiting), for poll/epoll/libuv loops. Owned by the consumer; do not read or close it. */
int dds_fd(dds_consumer *c);

/* Stops the background thread and releases every lease this worker holds (so others take its
 * shards at once, from their checkpoints). Frees the consumer; batches still held stay valid
 * until freed. Returns 0, or the first error met while releasing. */
int dds_close(dds_consumer *c);

/* What the consumer reads: the stream ARN, and this worker's id. */
const char *dds_stream_arn(const dds_consumer *c);
const char *dds_worker_id(const dds_consumer *c);

/* ---- batches ---- */

size_t dds_batch_len(const dds_batch *b);
const dds_record *dds_batch_at(const dds_batch *b, size_t i); /* NULL when i >= len */
const char *dds_batch_shard_id(const dds_batch *b);
/* 1 when the batch holds the shard's last records (the shard is closed and read to its end). */
int dds_batch_shard_end(const dds_batch *b);
void dds_batch_free(dds_batch *b);

/* ---- records (valid while their batch is) ---- */

/* eventName: which change the record is. */
typedef enum dds_event { DDS_INSERT = 1, DDS_MODIFY, DDS_REMOVE } dds_event;

const char *dds_record_event_id(const dds_record *r);   /* eventID */
dds_event dds_record_event(const dds_record *r);        /* eventName as a value */
const char *dds_record_event_name(const dds_record *r); /* "INSERT", "MODIFY", "REMOVE" */
const char *dds_record_seq(const dds_record *r);        /* SequenceNumber (decimal text) */
int64_t dds_record_time_ms(const dds_record *r);        /* ApproximateCreationDateTime */
size_t dds_record_size(const dds_record *r);            /* SizeBytes */
const char *dds_record_view(const dds_record *r);       /* StreamViewType */
int dds_record_is_ttl(const dds_record *r); /* 1: a deletion by TTL (userIdentity dynamodb) */
const char *dds_record_shard_id(const dds_record *r);
/* The record as the Streams API returned it (one JSON object). */
const char *dds_record_json(const dds_record *r, size_t *len);
/* Keys, NewImage, OldImage as DynamoDB JSON text ({"pk":{"S":"a"}}); NULL when absent. */
const char *dds_record_keys_json(const dds_record *r, size_t *len);
const char *dds_record_new_json(const dds_record *r, size_t *len);
const char *dds_record_old_json(const dds_record *r, size_t *len);
/* The same as walkable values (maps); NULL when absent. */
const dds_value *dds_record_keys(const dds_record *r);
const dds_value *dds_record_new(const dds_record *r);
const dds_value *dds_record_old(const dds_record *r);

/* ---- values (valid while their batch is) ---- */

typedef enum dds_type {
    DDS_S = 1, /* string */
    DDS_N,     /* number (decimal text, exact) */
    DDS_B,     /* binary (decoded bytes) */
    DDS_SS,
    DDS_NS,
    DDS_BS,
    DDS_M,
    DDS_L,
    DDS_BOOL,
    DDS_NULL
} dds_type;

dds_type dds_value_type(const dds_value *v);
/* S: UTF-8 bytes; N: decimal text; B: the bytes. NULL for other types. */
const char *dds_value_bytes(const dds_value *v, size_t *len);
int dds_value_bool(const dds_value *v); /* BOOL: 0 or 1 */
/* Elements of L, SS, NS, BS; attributes of M; 0 otherwise. */
size_t dds_value_len(const dds_value *v);
/* Element i of L or a set, the value of attribute i of M; NULL out of range. */
const dds_value *dds_value_at(const dds_value *v, size_t i);
/* The name of attribute i of M (NULL otherwise). */
const char *dds_value_name_at(const dds_value *v, size_t i, size_t *len);
/* M: the attribute named name (NUL-terminated); NULL when absent. */
const dds_value *dds_value_get(const dds_value *v, const char *name);

/* The name of a code ("DDS_EGAP"), for logs. */
const char *dds_code_name(int code);

#ifdef __cplusplus
}
#endif

#endif
