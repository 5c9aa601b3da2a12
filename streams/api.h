/* api.h: the DynamoDB Streams API (DynamoDBStreams_20120810.*):
 * ListStreams, DescribeStream, GetShardIterator, GetRecords.
 *
 * Each operation reads its request members, checks them with DynamoDB's
 * messages, calls the engine (storage/ddb.h: reads only, never the writer)
 * and writes its JSON response into out. Safe from any loop thread: all
 * state is in the context. Must never include server/ headers. */
#ifndef DDB_STREAMS_API_H
#define DDB_STREAMS_API_H

#include <cjson/cJSON.h>

#include "query/arena.h"
#include "query/buf.h"
#include "query/error.h"
#include "storage/ddb.h"

/* What an operation needs of the request it serves. */
typedef struct sapi_ctx {
    ddb_engine_t *engine;    /* the engine the streams live in */
    ddb_arena_t *arena;      /* per-request memory (freed with the response) */
    const char *region;      /* the request's region (a region-qualified table's ARNs name
                              * its own: query/arn.h) */
    const char *ns;          /* the request's table namespace: a region, or NULL or "" for
                              * the default one (server/ddbd.h: ddbd_region_ns) */
    bool shared_regions;     /* --shared-regions: an ARN of any region names this
                              * namespace's streams (else only one of the request's) */
    const char *account;     /* account id written into every ARN */
    int64_t iterator_ttl_ms; /* lifetime of a shard iterator (0: 15 minutes, as DynamoDB) */
    ddb_error_t *err;        /* error out-parameter */
} sapi_ctx_t;

/* Each takes the request body (a JSON object) and writes the response body;
 * returns 0 or the DDB_ERR_* status set in c->err. */
int sapi_list_streams(const sapi_ctx_t *c, const cJSON *in, buf_t *out);
int sapi_describe_stream(const sapi_ctx_t *c, const cJSON *in, buf_t *out);
int sapi_get_shard_iterator(const sapi_ctx_t *c, const cJSON *in, buf_t *out);
int sapi_get_records(const sapi_ctx_t *c, const cJSON *in, buf_t *out);

/* The stream a stream ARN names in the request's namespace (its account is
 * not checked; its region must be the request's unless shared_regions);
 * DDB_ERR_RESOURCE_NOT_FOUND when none. */
int sapi_find_stream(const sapi_ctx_t *c, const char *arn, size_t len, ddb_stream_desc_t *out);

#endif
