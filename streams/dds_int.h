/* dds_int.h: what the files of libddbstreams share and callers never see: the shapes of
 * batches and records, the GetRecords parser (dds_record.c), the lease decisions
 * (dds_balance.c, pure) and the lease table calls (dds_lease.c). Never included outside
 * streams/dds*.c and their unit tests. */
#ifndef DDS_INT_H
#define DDS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "query/arena.h"
#include "query/value.h"
#include "streams/client.h"
#include "streams/dds.h"

#define DDS__ID_MAX  80 /* shard ids, worker ids, sequence numbers fit (with the NUL) */
#define DDS__SEQ_MAX 48

/* A value is a query/value.h ddb_value_t seen through dds.h's accessors. */
struct dds_value {
    ddb_value_t v;
};

struct dds_record {
    const char *event_id;   /* eventID */
    const char *event_name; /* "INSERT", ... */
    dds_event event;
    const char *seq;  /* dynamodb.SequenceNumber */
    const char *view; /* dynamodb.StreamViewType ("" when absent) */
    const char *shard_id;
    int64_t time_ms;  /* dynamodb.ApproximateCreationDateTime (seconds on the wire) * 1000 */
    size_t size;      /* dynamodb.SizeBytes */
    int ttl;          /* userIdentity is the TTL service principal */
    const char *json; /* the record's text in the response */
    size_t json_len;
    const char *keys_json, *new_json, *old_json; /* NUL-terminated spans, or NULL */
    size_t keys_len, new_len, old_len;
    const dds_value *keys, *new_image, *old_image; /* or NULL */
    ddb_arena_t *arena; /* the batch's: the values are built there on first access */
    unsigned built;     /* which values were built: 1 keys, 2 new_image, 4 old_image */
};

/* A batch owns an arena holding its records, their strings and values. */
struct dds_batch {
    ddb_arena_t *arena;
    dds_record *recs;
    size_t n;
    char shard_id[DDS__ID_MAX];
    int shard_end;      /* the shard is read to its end with this batch */
    uint64_t lease_gen; /* the consumer's generation of the shard's lease when read */
};

/* Parses a GetRecords response body into a new batch of shard_id's records (in order) and
 * the NextShardIterator (*next, malloc'ed; NULL when the shard is closed and read to its
 * end). DDS_ESERVICE with *err set when the body is not a GetRecords response. */
int dds__parse_records(const char *body, size_t len, const char *shard_id, dds_batch **out,
                       char **next, dds_error *err);

/* Maps a transport error onto the library's (code, type and message copied): a
 * ResourceNotFoundException is DDS_ENOSTREAM, a ConditionalCheckFailedException (only lease
 * writes are conditional) DDS_ELEASE_LOST. */
int dds__from_client(const dc_error_t *ce, dds_error *err);

/* Copies s (NULL: "") or s[0..n) into dst of cap bytes, cut to fit, NUL-terminated. */
void dds__copy(char *dst, size_t cap, const char *s);
void dds__copyn(char *dst, size_t cap, const char *s, size_t n);

/* Sets *err (when not NULL) and returns code. */
int dds__fail(dds_error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- leases (KCL's item shape) ---- */

#define DDS__CK_TRIM   "TRIM_HORIZON"
#define DDS__CK_LATEST "LATEST"
#define DDS__CK_END    "SHARD_END"

typedef struct dds_lease {
    char key[DDS__ID_MAX];         /* leaseKey: the shard id */
    char owner[DDS__ID_MAX];       /* leaseOwner, "" when none */
    int64_t counter;               /* leaseCounter */
    char checkpoint[DDS__SEQ_MAX]; /* a sequence number, or one of DDS__CK_* */
    int64_t owner_switches;        /* ownerSwitchesSinceCheckpoint */
    char parents[2][DDS__ID_MAX];  /* parentShardIds ("" when fewer) */
    char stream[512];              /* streamArn (ours; KCL ignores it) */
} dds_lease;

/* What a worker decides about the lease table after one scan (pure: dds_balance.c). */
typedef struct dds_view_lease {
    const dds_lease *lease;
    int64_t seen_ms; /* when this worker last saw its counter change (monotonic ms) */
} dds_view_lease;

typedef struct dds_plan {
    size_t take[64]; /* indexes into the view: expired or ownerless leases to take */
    size_t ntake;
    bool steal;      /* take one lease of the busiest worker too */
    size_t steal_at; /* which (valid when steal) */
} dds_plan;

/* Decides what worker `self` takes: leases with no owner or whose counter has not moved for
 * lease_ms are expired; the target is ceil(leases / workers) (workers: owners of unexpired
 * leases plus self), capped by max_leases when not 0; expired leases are taken first (those
 * finished, SHARD_END, are never taken); when there are none to take and self is below the
 * target, one lease is stolen from the worker holding the most, if it holds more than the
 * target (or the target and self holds at least two fewer). */
void dds__plan(const dds_view_lease *v, size_t n, const char *self, int64_t now_ms,
               int64_t lease_ms, int max_leases, dds_plan *out);

#endif
