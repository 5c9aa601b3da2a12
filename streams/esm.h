/* esm.h: an event-source mapping (Lambda's CreateEventSourceMapping for a
 * DynamoDB stream) as the server keeps it: the struct every part shares
 * (the Lambda API in server/ops_lambda.c validates requests into it, the
 * trigger dispatcher in streams/trigger.c runs it), its stored form (the
 * record under DDB_KV_MAPPINGS, keyed by UUID) and its JSON rendering as
 * Lambda answers it. Pure (cJSON, query/ only): no I/O, no engine. */
#ifndef DDB_STREAMS_ESM_H
#define DDB_STREAMS_ESM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "query/arena.h"
#include "query/buf.h"
#include "query/error.h"

#define ESM_UUID_LEN      36
#define ESM_MAX_FILTERS   10 /* Lambda's quota: filters per mapping */
#define ESM_DEFAULT_BATCH 100
#define ESM_MAX_BATCH     10000
#define ESM_MAX_PAYLOAD   (6 * 1024 * 1024) /* synchronous invocation payload limit */

typedef enum esm_start { ESM_TRIM_HORIZON = 1, ESM_LATEST } esm_start_t;

/* Lifecycle states (Lambda's names). */
typedef enum esm_state {
    ESM_CREATING = 1,
    ESM_ENABLING,
    ESM_ENABLED,
    ESM_DISABLING,
    ESM_DISABLED,
    ESM_UPDATING,
    ESM_DELETING
} esm_state_t;

/* One mapping. Strings are NUL-terminated, in the arena the mapping was
 * parsed into (or borrowed by whoever built it). */
typedef struct esm {
    char uuid[ESM_UUID_LEN + 1];
    const char *function_arn;     /* arn:aws:lambda:REGION:ACCOUNT:function:NAME */
    const char *event_source_arn; /* the stream ARN as given */
    esm_start_t start;
    int batch_size;            /* 1..10000, default 100 */
    int window_s;              /* MaximumBatchingWindowInSeconds 0..300, default 0 */
    int parallelization;       /* 1..10, default 1 */
    int max_retries;           /* -1 (until the record expires) or 0..10000, default -1 */
    int max_age_s;             /* -1 (no limit) or 60..604800, default -1 */
    bool bisect;               /* BisectBatchOnFunctionError, default false */
    bool report_item_failures; /* FunctionResponseTypes ["ReportBatchItemFailures"] */
    int tumbling_s;            /* TumblingWindowInSeconds 0..900, default 0 (off) */
    const char *on_failure;    /* DestinationConfig.OnFailure.Destination (SQS/SNS ARN) or NULL */
    const char *filters[ESM_MAX_FILTERS]; /* FilterCriteria.Filters[].Pattern (JSON text) */
    size_t nfilters;
    bool enabled;             /* what the user asked (Enabled) */
    esm_state_t state;        /* as stored: Enabled/Disabled (or a transition) */
    const char *state_reason; /* StateTransitionReason: "User action" */
    int64_t last_modified_ms;
} esm_t;

/* Lambda's name of a state ("Enabled"). */
const char *esm_state_name(esm_state_t s);

/* Writes m as the JSON object Lambda answers for CreateEventSourceMapping,
 * Get/Update/Delete and each element of ListEventSourceMappings: every
 * member Lambda shows for a DynamoDB-stream mapping, with `state` (not
 * m->state: responses show transitions such as "Creating") and
 * LastProcessingResult `last_result` ("No records processed", "OK", ...). */
void esm_put_json(buf_t *b, const esm_t *m, esm_state_t state, const char *last_result);

/* Writes m's stored form (the record under DDB_KV_MAPPINGS): esm_put_json
 * with m->state, plus what the user asked (Enabled). */
void esm_put_stored(buf_t *b, const esm_t *m);

/* Reads a mapping back from esm_put_stored's text (the stored form) into m,
 * strings in arena a. DDB_ERR_INTERNAL when it is not such a text. */
int esm_parse(const char *json, size_t len, ddb_arena_t *a, esm_t *m, ddb_error_t *err);

#endif
