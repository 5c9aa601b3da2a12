/* ddbd.h: the DynamoDB operations layer of the server.
 *
 * Owns the server context (engine, account) and the per-request context that
 * every operation handler receives; the router (router.c) turns an HTTP
 * request into a call of one handler, and writes the handler's JSON output or
 * its error as DynamoDB's response. Handlers write JSON straight into the
 * output buffer and allocate only from the request arena. */
#ifndef DDB_DDBD_H
#define DDB_DDBD_H

#include <cjson/cJSON.h>

#include "query/arena.h"
#include "query/arn.h"
#include "query/error.h"
#include "query/params.h"
#include "query/buf.h"
#include "server/http.h"
#include "server/route.h"
#include "storage/ddb.h"

/* The account id in every ARN: one namespace for all credentials. */
#define DDBD_ACCOUNT        "000000000000"
#define DDBD_DEFAULT_REGION "us-east-1"

/* Index slots of a capacity account: more than a table's indexes (20
 * global, 5 local, the TTL index). */
#define DDBD_CAP_INDEXES 32

/* The capacity units a request used on one table: the table's own, and
 * each index's by its position in the table's index list. */
typedef struct ddbd_capacity {
    double table;
    double ix[DDBD_CAP_INDEXES];
} ddbd_capacity_t;

/* What the request log records of the current request beyond its HTTP
 * exchange: the router and the handlers fill it, reset per request. */
typedef struct ddbd_note {
    char table[256];     /* the request's table: TableName, or a batch's first */
    size_t table_len;    /* 0: none */
    double capacity;     /* capacity units the handler reported (cap's total) */
    ddbd_capacity_t cap; /* ... by table and index (a PartiQL statement reads it back) */
    bool has_capacity;   /* false: it reported none */
} ddbd_note_t;

typedef struct ddbd {
    ddb_engine_t *engine;    /* shared engine */
    ddb_arena_t *arena;      /* request arena of this loop thread, reset per request */
    ddb_arena_t *scratch;    /* per-item memory of a Query or Scan page, reset item by item
                              * (kept across requests: a fresh 64 KB arena per page made
                              * malloc consolidate its heap every Query) */
    buf_t headers;           /* extra response header lines of the current request (REST errors) */
    int64_t iterator_ttl_ms; /* lifetime of a stream shard iterator (0: 15 minutes, as DynamoDB) */
    uint32_t pitr_retention_s;     /* the engine's PITR window, --pitr-retention (0: 35 days) */
    struct fn_registry *functions; /* functions mappings may name (streams/fn.h), shared */
    struct trig *triggers;         /* the trigger dispatcher (streams/trigger.h), shared */
    struct auth_verifier *auth;    /* --auth: this loop's verifier (server/auth.h); NULL:
                                    * any well-formed credential is accepted */
    struct metrics *metrics;       /* the registry GET /metrics renders (server/metrics.h),
                                    * shared; NULL: no metrics */
    struct metrics_loop *stats;    /* this loop's request counters in it */
    int op_slot;                   /* the current request's operation: its metrics slot */
    const char *op_name;           /* and name (static), set by the router */
    ddbd_note_t note;              /* the current request, for the request log */
    bool shared_regions;           /* --shared-regions: one table namespace for every region
                                    * (else each region has its own, as in AWS) */
} ddbd_t;

typedef struct ddbd_req {
    ddbd_t *srv;
    ddb_arena_t *arena;                  /* per-request memory */
    const cJSON *in;                     /* request body (a JSON object) */
    buf_t *out;                          /* JSON response body */
    char region[64];                     /* region from the SigV4 credential scope */
    ddb_error_t *err;                    /* error out-parameter */
    buf_t *err_extra;                    /* extra members for the error body (e.g. "Item":{...}) */
    const ddb_table_info_t **last_table; /* slot: the table ddbd_load_table loaded
                                          * last, shared with sub-requests */
} ddbd_req_t;

typedef int (*ddbd_op_fn)(ddbd_req_t *r);

/* ---- REST operations (the Lambda API's paths) ---------------------------- */

/* The error of a REST operation, rendered the way its service renders
 * errors (Lambda: the status, an x-amzn-ErrorType header and
 * {"Type":"User","message":...}). */
typedef struct ddbd_rest_error {
    int status;    /* HTTP status */
    char type[64]; /* error type, e.g. "ResourceNotFoundException" */
    char msg[1024];
} ddbd_rest_error_t;

/* Sets e and returns its status (nonzero), like ddb_error_set. */
int ddbd_rest_error_set(ddbd_rest_error_t *e, int status, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Turns an engine or validation error into the REST service's error. */
int ddbd_rest_error_from(ddbd_rest_error_t *e, const ddb_error_t *err);

/* What a REST handler receives: everything in the request arena. */
typedef struct ddbd_rest_req {
    ddbd_t *srv;
    ddb_arena_t *arena;       /* per-request memory */
    const char *method;       /* "GET", "POST", ... */
    const route_kv_t *params; /* path parameters ({name} segments), decoded */
    size_t nparams;
    const route_kv_t *query; /* query-string parameters, decoded */
    size_t nquery;
    const cJSON *body; /* the body parsed as JSON, NULL when empty */
    const char *raw;   /* the body as sent (may be NULL when empty) */
    size_t raw_len;
    buf_t *out;             /* response body (JSON) */
    int status;             /* response status on success (default 200) */
    char region[64];        /* region from the SigV4 credential scope */
    ddbd_rest_error_t *err; /* error out-parameter */
} ddbd_rest_req_t;

typedef int (*ddbd_rest_fn)(ddbd_rest_req_t *r);

/* HTTP handler: ctx is a ddbd_t*. */
void ddbd_handle(void *ctx, const http_request_t *req, http_response_t *resp);

/* The request log (reqlog.c): one info line per request; an http_log_fn
 * (ctx is a ddbd_t*). */
void ddbd_log_request(void *ctx, const http_request_t *req, const http_response_t *resp,
                      const http_exchange_t *x);

/* Notes the table a JSON-protocol request names (TableName, the first of
 * RequestItems or TransactItems) in srv->note. */
void ddbd_note_table(ddbd_t *srv, const cJSON *in);

/* Operations (ops_table.c). */
int op_create_table(ddbd_req_t *r);
int op_describe_table(ddbd_req_t *r);
int op_list_tables(ddbd_req_t *r);
int op_delete_table(ddbd_req_t *r);
int op_update_table(ddbd_req_t *r);
int op_tag_resource(ddbd_req_t *r);
int op_untag_resource(ddbd_req_t *r);
int op_list_tags_of_resource(ddbd_req_t *r);
int op_describe_limits(ddbd_req_t *r);
int op_describe_endpoints(ddbd_req_t *r);

/* What the catalog's description of a new table holds besides its
 * creation time and id (CreateTable, and the target of a restore). */
struct attr_def; /* server/indexes.h */
typedef struct ddbd_meta_spec {
    const struct attr_def *defs; /* AttributeDefinitions */
    size_t ndefs;
    bool on_demand; /* BillingMode PAY_PER_REQUEST (else PROVISIONED, rcu/wcu) */
    int64_t rcu, wcu;
    const ddb_value_t *tags; /* Tags as a list value (NULL: none) */
    const char *tclass;      /* TableClass (NULL: none) */
    size_t tcl;
    bool deletion_protection;
    const ddb_value_t *index_tp; /* the GSIs' throughput, name -> {RCU, WCU} (NULL: none) */
    const ddb_value_t *restore;  /* RestoreSummary {SourceBackupArn|SourceTableArn,
                                  * RestoreDateTime} of a restore's target (NULL: none) */
} ddbd_meta_spec_t;

/* The meta map of a new table (ops_table.c), in arena a: a new TableId,
 * CreationDateTime now. */
ddb_value_t ddbd_table_meta(ddb_arena_t *a, const ddbd_meta_spec_t *s);

/* Operations (ops_ttl.c). */
int op_describe_time_to_live(ddbd_req_t *r);
int op_update_time_to_live(ddbd_req_t *r);

/* Backups and restores (ops_backup.c). */
int op_create_backup(ddbd_req_t *r);
int op_describe_backup(ddbd_req_t *r);
int op_list_backups(ddbd_req_t *r);
int op_delete_backup(ddbd_req_t *r);
int op_restore_table_from_backup(ddbd_req_t *r);

/* Point-in-time recovery (ops_pitr.c). */
int op_update_continuous_backups(ddbd_req_t *r);
int op_describe_continuous_backups(ddbd_req_t *r);
int op_restore_table_to_point_in_time(ddbd_req_t *r);

/* DynamoDB Streams operations (ops_streams.c). */
int op_list_streams(ddbd_req_t *r);
int op_describe_stream(ddbd_req_t *r);
int op_get_shard_iterator(ddbd_req_t *r);
int op_get_records(ddbd_req_t *r);

/* Operations (ops_item.c). */
int op_put_item(ddbd_req_t *r);
int op_get_item(ddbd_req_t *r);
int op_delete_item(ddbd_req_t *r);
int op_update_item(ddbd_req_t *r);

/* Operations (ops_query.c). */
int op_query(ddbd_req_t *r);
int op_scan(ddbd_req_t *r);

/* Operations (ops_batch.c). */
int op_batch_write_item(ddbd_req_t *r);
int op_batch_get_item(ddbd_req_t *r);
int op_transact_write_items(ddbd_req_t *r);
int op_transact_get_items(ddbd_req_t *r);

/* PartiQL operations (ops_partiql.c, ops_partiql_batch.c). */
int op_execute_statement(ddbd_req_t *r);
int op_batch_execute_statement(ddbd_req_t *r);
int op_execute_transaction(ddbd_req_t *r);

/* Shared helpers (ops_common.c). */

/* Loads a table by the request's TableName member (validated). control:
 * control-plane wording of the not-found message ("Table: X not found"). */
int ddbd_load_table(ddbd_req_t *r, bool control, ddb_table_info_t *t);

/* The same for a table name given as a value (NULL: absent), validated as
 * the TableName member is. */
int ddbd_load_table_name(ddbd_req_t *r, const char *name, size_t len, bool control,
                         ddb_table_info_t *t);

/* Writes a TableDescription object for t with the given TableStatus;
 * deleting names an index to show as DELETING (NULL: none). Status
 * "DELETING" writes DeleteTable's brief description (table_desc.c). */
void ddbd_put_table_desc(ddbd_req_t *r, const ddb_table_info_t *t, const char *status,
                         const char *deleting, size_t deleting_len);

/* Parses a Tags list (CreateTable, TagResource) into a list value of
 * {Key, Value} maps, adding constraint violations at `where` to v; and
 * checks a resource's tag count against DynamoDB's limit (ops_account.c). */
int ddbd_parse_tags(ddbd_req_t *r, const cJSON *arr, ddb_value_t *out, vlist_t *v,
                    const char *where);
int ddbd_check_tag_count(ddbd_req_t *r, size_t n);

/* Writes a KeySchema list ([{"AttributeName":..,"KeyType":"HASH"},...]). */
void ddbd_put_key_schema(buf_t *b, const ddb_key_schema_t *k);

/* Writes a stored table name as the JSON string of its plain name. */
void ddbd_put_table_name(buf_t *b, const char *name, size_t len);

/* Writes the table ARN for name into b (no quotes). */
void ddbd_put_table_arn(ddbd_req_t *r, buf_t *b, const char *name, size_t len);

/* Regions (query/arn.h: region-qualified names): the namespace qualifier of
 * region, "" for the default namespace (the default region, or any region
 * under --shared-regions). */
const char *ddbd_region_ns(const ddbd_t *srv, const char *region);

/* The stored name of table name (plain, as a client names it) in the
 * request's region, in the arena; *qlen its length. */
const char *ddbd_qname(ddbd_req_t *r, const char *name, size_t len, size_t *qlen);

/* Whether stored name q is a table of the request's region. */
bool ddbd_in_region(const ddbd_req_t *r, const char *q, size_t qlen);

/* Resolves a table ARN (as TagResource's ResourceArn) to a stored name
 * (above). The ARN names its region: an ARN of a region other than the
 * request's (unless --shared-regions) resolves to a name no table has, as a
 * table of another region does not exist in this one. */
int ddbd_table_from_arn(ddbd_req_t *r, const char *arn, size_t len, const char **name,
                        size_t *name_len);

/* Checks an item's primary-key attributes against the schema (present, of
 * the declared type, non-empty, within the key size limits) and builds the
 * key map (in the arena) into *key. */
int ddbd_item_key(ddbd_req_t *r, const ddb_table_info_t *t, const ddb_value_t *item,
                  ddb_value_t *key);

/* Checks a Key parameter: exactly the key attributes, with the right types. */
int ddbd_check_key(ddbd_req_t *r, const ddb_table_info_t *t, const ddb_value_t *key);

/* Capacity units of reading/writing `size` bytes (DynamoDB's rounding). */
double ddbd_read_units(size_t size, bool consistent);
double ddbd_write_units(size_t size);

/* Parses ReturnConsumedCapacity (NONE/TOTAL/INDEXES); *mode 0, 1 or 2. */
int ddbd_parse_rcc(ddbd_req_t *r, int *mode);

/* A capacity account's total: the table's units and its indexes'. */
double ddbd_cap_total(const ddbd_capacity_t *c);

/* Adds factor times c's units to *into (the same table). */
void ddbd_cap_add(ddbd_capacity_t *into, const ddbd_capacity_t *c, double factor);

/* Charges a read of `units` to the table (ix NULL) or to its index ix. */
void ddbd_cap_read(ddbd_capacity_t *c, const ddb_table_info_t *t, const ddb_index_info_t *ix,
                   double units);

/* Charges factor times what an item write (old -> next, NULL for none)
 * costs: the table's write units of the larger of the two items, and when
 * indexes (ReturnConsumedCapacity was asked for: the index writes are
 * computed only then) each index's entry writes, 1 KB units each. */
void ddbd_cap_write(ddbd_req_t *r, const ddb_table_info_t *t, const ddb_value_t *old,
                    const ddb_value_t *next, double factor, bool indexes, ddbd_capacity_t *c);

/* Which unit members a ConsumedCapacity carries beside CapacityUnits:
 * transactions name theirs (ReadCapacityUnits / WriteCapacityUnits). */
typedef enum { CAP_PLAIN, CAP_READS, CAP_WRITES } ddbd_cap_kind_t;

/* Writes one ConsumedCapacity object of table t, {"TableName":..,
 * "CapacityUnits":..}, for mode 2 (INDEXES) with the "Table" part and the
 * "LocalSecondaryIndexes"/"GlobalSecondaryIndexes" that used any. */
void ddbd_put_capacity(buf_t *b, const ddb_table_info_t *t, int mode, const ddbd_capacity_t *c,
                       ddbd_cap_kind_t kind);

/* Notes c for the request log (and a PartiQL caller) and writes
 * ,"ConsumedCapacity":{...} for mode 1 (TOTAL) or 2 (INDEXES). */
void ddbd_put_consumed(ddbd_req_t *r, const ddb_table_info_t *t, int mode,
                       const ddbd_capacity_t *c);

#endif
