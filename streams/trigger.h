/* trigger.h: the trigger dispatcher: every enabled event-source mapping
 * follows its DynamoDB stream and delivers batches of change records to its
 * function with Lambda's semantics (batching window, retries, bisection,
 * record age, partial batch failures, filters, parallelization, tumbling
 * windows, OnFailure destinations), checkpointing each (mapping, shard)
 * durably in the engine (DDB_KV_CHECKPOINTS). Runs on threads of its own;
 * never on an event loop, never holds the writer while a function runs. */
#ifndef DDB_STREAMS_TRIGGER_H
#define DDB_STREAMS_TRIGGER_H

#include <stddef.h>
#include <stdint.h>

#include "storage/ddb.h"
#include "streams/esm.h"
#include "streams/fn.h"

typedef struct trig trig_t;

/* Lambda's cap on a tumbling window's state (1 MB per shard): an answer
 * whose state is larger ends the window early (isWindowTerminatedEarly). */
#define TRIG_MAX_WINDOW_STATE (1u << 20)

typedef struct trig_opts {
    ddb_engine_t *engine;
    const char *region;  /* awsRegion of records (default us-east-1); a table of another
                          * region (query/arn.h: region-qualified) has its own */
    bool shared_regions; /* --shared-regions: a mapping's stream ARN names a table of the
                          * one namespace whatever its region (else of its region) */
    const char *account; /* account id of ARNs */
    /* how a batch reaches its function and a failure record its
     * destination (ddbd: fn_invoke and fn_send_destination of its
     * registry; a test may pass its own) */
    void (*invoke)(void *ctx, const char *function_arn, const char *event, size_t len,
                   const char *request_id, fn_result_t *out);
    int (*send_destination)(void *ctx, const char *arn, const char *json, size_t len, char *err,
                            size_t errlen);
    void *fn_ctx;
    /* one line per invocation and per background event; NULL: stderr */
    void (*log)(void *ctx, const char *line);
    void *log_ctx;
    /* the first delay before retrying a failed batch, doubling up to 2 s
     * per retry (0: 100 ms) */
    int retry_base_ms;
    /* the clock that record ages (MaximumRecordAgeInSeconds) and the ends
     * of tumbling windows are measured against; NULL: ddb_now_ms (a test
     * may run it ahead) */
    int64_t (*now_ms)(void *ctx);
    void *clock_ctx;
} trig_opts_t;

/* Starts the dispatcher and every mapping stored in the engine. */
int trig_start(const trig_opts_t *o, trig_t **out, ddb_error_t *err);

/* The stored mapping `uuid` was created, updated or deleted (the Lambda
 * API calls this after its ddb_kv write): start, reconfigure or stop it
 * (a deleted mapping's checkpoints are deleted too). Returns at once. */
void trig_reload(trig_t *t, const char *uuid);

/* The mapping's runtime state and LastProcessingResult ("No records
 * processed", "OK", "PROBLEM: Function call failed", ...) into
 * last_result; *state as the dispatcher sees it (ESM_ENABLED once it
 * runs). 0, or -1 when the dispatcher does not know the mapping. */
int trig_status(trig_t *t, const char *uuid, esm_state_t *state, char *last_result, size_t n);

/* Stops every mapping (waiting for invocations in flight) and frees t;
 * NULL-safe. Before ddb_close. */
void trig_stop(trig_t *t);

#endif
