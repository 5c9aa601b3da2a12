/* trigger_int.h: the dispatcher's insides, shared by its files: trigger.c
 * (mappings, their supervisor threads), trigger_shard.c (one shard: the
 * reader and its lanes), trigger_batch.c (one batch: event, invocation,
 * retries, bisection, partial failures, OnFailure), trigger_ckpt.c
 * (checkpoints). Nothing outside streams/trigger*.c includes it. */
#ifndef DDB_STREAMS_TRIGGER_INT_H
#define DDB_STREAMS_TRIGGER_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "query/arena.h"
#include "query/buf.h"
#include "storage/ddb.h"
#include "streams/esm.h"
#include "streams/filter.h"
#include "streams/trigger.h"
#include "streams/wire.h"

#define TRIG_MAX_LANES  10
#define TRIG_RESULT_LEN 160
#define TRIG_TRIMMED_RESULT                                                                        \
    "PROBLEM: Records were trimmed from the stream before they were processed; delivery "          \
    "resumed at the oldest record"

/* One record read and not yet finished: its Lambda-form JSON. */
typedef struct trec {
    struct trec *next;  /* the shard's pending list, in sequence order */
    struct trec *lnext; /* its lane's queue of records not yet taken */
    uint64_t seq;
    int64_t time_ms;  /* ApproximateCreationDateTime (ms) */
    int64_t ready_ms; /* when it was read: the batching window runs from here */
    uint32_t lane;
    bool done; /* delivered, discarded or filtered out */
    char *json;
    size_t len;
} trec_t;

typedef struct tshard tshard_t;

/* One of ParallelizationFactor concurrent batch streams of a shard. */
typedef struct tlane {
    tshard_t *sh;
    uint32_t idx;
    pthread_t th;
    trec_t *head, *tail; /* records not yet taken, oldest first */
    size_t count, bytes;
    /* tumbling window (TumblingWindowInSeconds) */
    bool win_open;
    int64_t win_start_s;
    char *win_state; /* the "state" of the last invocation of the window (malloc'd) */
    bool win_early;  /* that state passed TRIG_MAX_WINDOW_STATE: the window ends now */
} tlane_t;

typedef struct tmap tmap_t;

/* The shard a mapping is delivering from. */
struct tshard {
    tmap_t *m;
    ddb_shard_t info;
    char shard_id[SW_SHARD_ID_LEN + 1];
    pthread_mutex_t mu; /* everything below */
    pthread_cond_t cond;
    bool stop; /* interrupted (stop, reload): lanes return at once */
    bool eof;  /* the reader reached the end of the closed shard */
    trec_t *head, *tail;
    size_t pending, pending_bytes;
    uint64_t read_next;    /* the reader's position */
    pthread_mutex_t ckmu;  /* serialises checkpoint writes (monotonic) */
    uint64_t ckpt;         /* the last checkpoint written */
    bool ckpt_lazy;        /* ckpt is not flushed yet (ckmu) */
    int64_t ckpt_flush_ms; /* when checkpoints were last flushed (ckmu) */
    tlane_t lanes[TRIG_MAX_LANES];
    uint32_t nlanes;
};

/* One mapping and its supervisor thread. */
struct tmap {
    trig_t *t;
    char uuid[ESM_UUID_LEN + 1];
    pthread_t th;
    struct tmap *next;
    pthread_mutex_t mu; /* the flags, state and result below */
    pthread_cond_t cond;
    bool reload, stop, finished, deleted;
    esm_state_t state;
    char last[TRIG_RESULT_LEN];
    /* the shard being delivered in each of the stream's lanes (to
     * interrupt it); a stream of one lane uses sh[0] */
    tshard_t *sh[DDB_STREAM_LANES_MAX];
    /* the configuration, the supervisor's own (read by its lanes) */
    ddb_arena_t *arena;
    esm_t cfg;
    ddb_filter_t *filters[ESM_MAX_FILTERS];
    size_t nfilters;
    ddb_stream_desc_t stream;
    char stream_arn[512];
};

struct trig {
    trig_opts_t o;
    pthread_mutex_t mu; /* the list */
    tmap_t *maps;
};

/* ---- trigger.c ---- */
int64_t trig__now(const trig_t *t); /* the clock of record ages and windows */
void trig__log(const trig_t *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void trig__set_result(tmap_t *m, const char *text);

/* ---- trigger_shard.c ---- */
typedef enum tshard_end { TSH_DONE, TSH_STOPPED, TSH_TRIMMED, TSH_ERROR } tshard_end_t;
/* Delivers shard `info` from `pos` until it is drained (closed, every
 * record finished: its checkpoint says so), the mapping is interrupted,
 * its records are trimmed under it, or an engine error. */
tshard_end_t trig__run_shard(tmap_t *m, const ddb_shard_t *info, uint64_t pos);
/* Marks r[0..n) finished and moves the checkpoint past what is finished. */
void trig__finish(tshard_t *sh, trec_t **r, size_t n);
/* Sleeps ms unless the shard is interrupted first: 0, or -1 when it is. */
int trig__sleep(tshard_t *sh, int ms);

/* ---- trigger_batch.c ---- */
/* The window a tumbling-window batch belongs to (NULL otherwise). */
typedef struct twin {
    int64_t start_s, end_s;
    bool final;
    bool early; /* isWindowTerminatedEarly: the state grew past its cap */
} twin_t;

/* Delivers r[0..n) with retries, bisection, partial failures and the
 * OnFailure destination; finishes the records it delivered or discarded.
 * 0, or -1 when interrupted (what is unfinished stays unfinished). */
int trig__deliver(tlane_t *l, trec_t **r, size_t n, const twin_t *w);
/* ISO 8601 UTC ("2019-11-14T00:13:49.717Z"; without ms: "...:49Z"). */
void trig__iso(char out[32], int64_t ms, bool with_ms);

/* ---- trigger_ckpt.c ---- */
typedef struct tckpt {
    char shard_id[SW_SHARD_ID_LEN + 1];
    uint64_t next; /* the first sequence number not yet finished */
    bool closed;   /* the shard was drained */
} tckpt_t;
int trig__ckpt_put(ddb_engine_t *e, const char *uuid, const char *shard_id, uint64_t next,
                   bool closed, ddb_error_t *err);
/* The same, flushed now (flush) or with the next commit (ddb_kv_put_lazy):
 * a checkpoint lost in a crash redelivers a batch, it never skips one. */
int trig__ckpt_write(ddb_engine_t *e, const char *uuid, const char *shard_id, uint64_t next,
                     bool closed, bool flush, ddb_error_t *err);
/* Flushes a shard's lazily written checkpoints (when the shard goes idle). */
void trig__ckpt_settle(tshard_t *sh);
/* Every checkpoint of mapping uuid into *out (malloc'd; free it). */
int trig__ckpt_list(ddb_engine_t *e, const char *uuid, tckpt_t **out, size_t *n, ddb_error_t *err);
int trig__ckpt_delete_all(ddb_engine_t *e, const char *uuid, ddb_error_t *err);

#endif
