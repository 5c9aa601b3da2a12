/* dds_core.h: the consumer itself, shared by the files that run it: dds.c (the caller's side:
 * open, next, checkpoint, close), dds_worker.c (the background thread: shard sync, lease
 * rounds, reads), dds_shard.c (Streams API calls) and dds_lease.c (lease table calls). One
 * mutex guards everything here but the clients; HTTP calls are made without it, except the
 * lease writes, which hold lease_mu so a renewal and a checkpoint never race on a counter. */
#ifndef DDS_CORE_H
#define DDS_CORE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

#include "streams/dds_int.h"

#define DDS__MAX_SHARDS 4096 /* shards tracked at once (DescribeStream's live ones) */

/* One shard as this consumer knows it. */
typedef struct dds_shard {
    char id[DDS__ID_MAX];
    char parent[DDS__ID_MAX];   /* ParentShardId, or "" */
    char end_seq[DDS__SEQ_MAX]; /* SequenceNumberRange's end, "" while open */
    bool listed;                /* in the last DescribeStream */

    /* reading */
    bool active;                  /* owned (leases) or eligible (tail): being read */
    uint64_t gen;                 /* bumps whenever reading restarts from the lease */
    char *iter;                   /* current shard iterator (malloc), or NULL */
    int64_t iter_ms;              /* when it was obtained (monotonic) */
    char last_read[DDS__SEQ_MAX]; /* last record read this generation, or "" */
    char position[DDS__SEQ_MAX];  /* where reading starts when there is no last_read: a
                                   * sequence number or DDS__CK_TRIM/LATEST/END */
    bool queued;                  /* a batch of it waits in the queue */
    bool ended;                   /* read to its end (no NextShardIterator) */
    int64_t next_read_ms;         /* not before (monotonic) */
    int errors;                   /* consecutive failed reads (backoff) */

    /* leases */
    bool owned;
    int64_t counter;               /* leaseCounter as this worker last wrote or read it */
    int64_t renewed_ms;            /* start of the last successful renew or take */
    char checkpoint[DDS__SEQ_MAX]; /* as stored in the lease */
    char ckpt_done[DDS__SEQ_MAX];  /* last sequence number checkpointed by the caller */
} dds_shard;

/* A queued item: a batch, or an error report. */
typedef struct dds_qitem {
    dds_batch *batch;
    dds_error err;
    struct dds_qitem *next;
} dds_qitem;

/* A lease table row as last scanned, and when its counter was last seen to change. */
typedef struct dds_seen {
    dds_lease lease;
    int64_t seen_ms;
} dds_seen;

struct dds_consumer {
    dds_config cfg;
    char table[256];
    char app[256];
    char worker[DDS__ID_MAX];
    char stream_arn[512];
    int64_t poll_ms, lease_ms;

    dc_client_t *bg;   /* the background thread's client */
    dc_client_t *user; /* the caller's (checkpoints) */

    pthread_mutex_t mu;       /* everything below */
    pthread_cond_t wake_bg;   /* the background thread has work (a batch was taken, ...) */
    pthread_cond_t wake_user; /* the queue has an item */
    pthread_mutex_t lease_mu; /* held across a lease write (renew, take, checkpoint) */
    pthread_t thread;
    bool started;
    atomic_int closing;
    bool kicked; /* wake_bg was signalled: the background thread must not sleep through it */

    dds_shard *shards;
    size_t nshards, capshards;
    bool synced_once;  /* the first DescribeStream is done */
    bool leases_exist; /* the lease table held leases of this stream at the first scan */

    dds_seen *seen; /* the lease table as last scanned */
    size_t nseen, capseen;

    dds_qitem *head, *tail;
    size_t queued;
    int efd; /* eventfd: readable while head != NULL */

    dds_error last; /* dds_last_error */
};

/* Monotonic milliseconds. */
int64_t dds__now_ms(void);

/* The CLOCK_MONOTONIC time ms from now, for the condition variables' waits. */
void dds__abstime(struct timespec *ts, int64_t ms);

/* The shard named id (NULL when unknown); with create, added when missing. Holds mu. */
dds_shard *dds__shard(dds_consumer *c, const char *id, bool create);

/* Wakes the background thread (holds mu): a batch was taken, a shard finished, closing. */
void dds__kick(dds_consumer *c);

/* Queues a batch or an error (err NULL: batch). Holds mu. */
void dds__push(dds_consumer *c, dds_batch *b, const dds_error *err);

/* Sequence numbers compared as numbers (decimal text of any length). */
int dds__seq_cmp(const char *a, const char *b);

/* One call through the client (body NULL or empty: "{}"), its error mapped by
 * dds__from_client (so a failed condition is DDS_ELEASE_LOST). dds_error.c. */
int dds__call(dc_client_t *cl, dc_service_t svc, const char *op, const buf_t *body, buf_t *resp,
              dds_error *err);

/* ---- dds_worker.c ---- */
void *dds__run(void *consumer);

/* ---- dds_shard.c: the Streams API (client cl; no lock held) ---- */

/* The stream ARN of table (its latest stream) into out; DDS_ENOSTREAM when it has none. */
int dds__resolve_stream(dc_client_t *cl, const char *table, char *out, size_t cap, dds_error *err);

/* One listed shard of DescribeStream. */
typedef struct dds_listed {
    char id[DDS__ID_MAX], parent[DDS__ID_MAX], end[DDS__SEQ_MAX];
} dds_listed;

/* Every shard of the stream (all pages), malloc'ed into *out. */
int dds__describe(dc_client_t *cl, const char *arn, dds_listed **out, size_t *n, dds_error *err);

/* A shard iterator at position (a sequence number: after it; or DDS__CK_TRIM/LATEST). */
int dds__iterator(dc_client_t *cl, const char *arn, const char *shard, const char *position,
                  char **iter, dds_error *err);

/* One GetRecords: a batch (possibly empty) and the next iterator (NULL at the end). */
int dds__get_records(dc_client_t *cl, const char *iter, int limit, const char *shard,
                     dds_batch **out, char **next, dds_error *err);

/* ---- dds_lease.c: the lease table (client cl; no lock held but lease_mu where said) ---- */

/* Creates the lease table when missing and waits until it is ACTIVE. */
int dds__lease_table(dc_client_t *cl, const char *app, dds_error *err);
/* Every lease (all pages, consistent), malloc'ed into *out. */
int dds__lease_scan(dc_client_t *cl, const char *app, dds_lease **out, size_t *n, dds_error *err);
/* Puts a new lease unless one exists (an existing one is not an error: *created 0). */
int dds__lease_create(dc_client_t *cl, const char *app, const dds_lease *l, int *created,
                      dds_error *err);
/* The conditional writes, each on leaseCounter == *counter, each setting *counter + 1 (and
 * updating *counter) on success; DDS_ELEASE_LOST when the condition failed. */
int dds__lease_renew(dc_client_t *cl, const char *app, const char *key, const char *owner,
                     int64_t *counter, dds_error *err);
int dds__lease_take(dc_client_t *cl, const char *app, const char *key, const char *owner,
                    bool switch_owner, int64_t *counter, dds_error *err);
int dds__lease_checkpoint(dc_client_t *cl, const char *app, const char *key, const char *owner,
                          const char *checkpoint, int64_t *counter, dds_error *err);
/* Removes the owner (dds_close): others take it at once. */
int dds__lease_release(dc_client_t *cl, const char *app, const char *key, const char *owner,
                       int64_t *counter, dds_error *err);
/* Deletes a lease (of another stream, or finished and trimmed), on its counter. */
int dds__lease_delete(dc_client_t *cl, const char *app, const char *key, int64_t counter,
                      dds_error *err);

#endif
