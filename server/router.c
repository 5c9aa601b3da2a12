/* router.c: from an HTTP request to an operation and back.
 *
 * Two kinds of request: the JSON protocol (POST with X-Amz-Target: DynamoDB
 * and DynamoDB Streams), whose method, Content-Type and SigV4 Authorization
 * are checked, body parsed once and errors rendered in DynamoDB's shape
 * ({"__type": ..., "message" or "Message": ...}); and REST paths (the Lambda API under
 * /2015-03-31/), matched by method and path pattern, whose errors are
 * rendered as that service renders them. Never lets bad input reach an
 * operation. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/auth.h"
#include "server/ddbd.h"
#include "server/lambda.h"
#include "server/metrics.h"
#include "server/route.h"
#include "query/json.h"

#define TARGET_PREFIX "DynamoDB_20120810."

typedef struct op_entry {
    const char *name;
    ddbd_op_fn fn;
} op_entry_t;

static const op_entry_t ops[] = {
    {"BatchExecuteStatement", op_batch_execute_statement},
    {"BatchGetItem", op_batch_get_item},
    {"BatchWriteItem", op_batch_write_item},
    {"CreateBackup", op_create_backup},
    {"CreateTable", op_create_table},
    {"DeleteBackup", op_delete_backup},
    {"DeleteItem", op_delete_item},
    {"DeleteTable", op_delete_table},
    {"DescribeBackup", op_describe_backup},
    {"DescribeContinuousBackups", op_describe_continuous_backups},
    {"DescribeEndpoints", op_describe_endpoints},
    {"DescribeLimits", op_describe_limits},
    {"DescribeTable", op_describe_table},
    {"DescribeTimeToLive", op_describe_time_to_live},
    {"ExecuteStatement", op_execute_statement},
    {"ExecuteTransaction", op_execute_transaction},
    {"GetItem", op_get_item},
    {"ListBackups", op_list_backups},
    {"ListTables", op_list_tables},
    {"ListTagsOfResource", op_list_tags_of_resource},
    {"PutItem", op_put_item},
    {"Query", op_query},
    {"RestoreTableFromBackup", op_restore_table_from_backup},
    {"RestoreTableToPointInTime", op_restore_table_to_point_in_time},
    {"Scan", op_scan},
    {"TagResource", op_tag_resource},
    {"TransactGetItems", op_transact_get_items},
    {"TransactWriteItems", op_transact_write_items},
    {"UntagResource", op_untag_resource},
    {"UpdateContinuousBackups", op_update_continuous_backups},
    {"UpdateItem", op_update_item},
    {"UpdateTable", op_update_table},
    {"UpdateTimeToLive", op_update_time_to_live},
};

#define STREAMS_PREFIX "DynamoDBStreams_20120810."

static const op_entry_t stream_ops[] = {
    {"DescribeStream", op_describe_stream},
    {"GetRecords", op_get_records},
    {"GetShardIterator", op_get_shard_iterator},
    {"ListStreams", op_list_streams},
};

static bool has_prefix(const char *s, size_t len, const char *prefix) {
    size_t n = strlen(prefix);
    return len >= n && memcmp(s, prefix, n) == 0;
}

/* Metrics slots (server/metrics.h): the DynamoDB operations', then the
 * Streams operations', then the catch-alls. */
#define NOPS         (sizeof ops / sizeof ops[0])
#define SLOT_LAMBDA  (NOPS + sizeof stream_ops / sizeof stream_ops[0])
#define SLOT_UNKNOWN (SLOT_LAMBDA + 1)
_Static_assert(SLOT_UNKNOWN < METRICS_MAX_OPS, "METRICS_MAX_OPS too small");

/* The operation of one table of operations named after a target prefix. */
static const op_entry_t *find_in(const op_entry_t *table, size_t n, const char *name, size_t len) {
    for (size_t i = 0; i < n; i++) {
        if (strlen(table[i].name) == len && memcmp(table[i].name, name, len) == 0) return &table[i];
    }
    return NULL;
}

/* The operation an X-Amz-Target names (DynamoDB or DynamoDB Streams). */
static const op_entry_t *find_op(const char *target, size_t len) {
    if (has_prefix(target, len, STREAMS_PREFIX)) {
        size_t pl = strlen(STREAMS_PREFIX);
        return find_in(stream_ops, sizeof stream_ops / sizeof stream_ops[0], target + pl, len - pl);
    }
    if (has_prefix(target, len, TARGET_PREFIX)) {
        size_t pl = strlen(TARGET_PREFIX);
        return find_in(ops, sizeof ops / sizeof ops[0], target + pl, len - pl);
    }
    return NULL;
}

/* Notes the request's operation for the metrics. */
static void set_op(ddbd_t *srv, const op_entry_t *op) {
    bool dynamodb = op >= ops && op < ops + NOPS;
    srv->op_slot = dynamodb ? (int)(op - ops) : (int)NOPS + (int)(op - stream_ops);
    srv->op_name = op->name;
}

static void write_error(http_response_t *resp, const ddb_error_t *err, const buf_t *extra) {
    resp->status = ddb_error_http_status(err->code);
    buf_reset(&resp->body);
    json_put_error(&resp->body, err, extra);
}

/* Without --auth: accepts any syntactically valid SigV4 header and takes the
 * region from its credential scope: Credential=AKID/DATE/REGION/SERVICE/aws4_request. */
static int check_auth_shape(const http_request_t *req, char *region, size_t cap, ddb_error_t *err) {
    const char *a = req->authorization;
    size_t len = req->authorization_len;
    if (!a || len == 0) {
        return ddb_error_set(err, DDB_ERR_MISSING_AUTH,
                             "Request must contain either a valid (registered) AWS access key ID "
                             "or X.509 certificate.");
    }
    if (!has_prefix(a, len, "AWS4-HMAC-SHA256 ")) {
        return ddb_error_set(err, DDB_ERR_INCOMPLETE_SIGNATURE,
                             "Authorization header requires existence of either a "
                             "'X-Amz-Date' or a 'Date' header.");
    }
    const char *end = a + len;
    const char *cred = NULL;
    for (const char *p = a; p + 11 <= end; p++) {
        if (memcmp(p, "Credential=", 11) == 0) {
            cred = p + 11;
            break;
        }
    }
    const char *parts[5] = {0};
    size_t plen[5] = {0};
    int n = 0;
    if (cred) {
        const char *p = cred;
        while (n < 5 && p < end) {
            const char *q = p;
            while (q < end && *q != '/' && *q != ',' && *q != ' ')
                q++;
            parts[n] = p;
            plen[n] = (size_t)(q - p);
            n++;
            if (q >= end || *q != '/') break;
            p = q + 1;
        }
    }
    if (n < 5 || plen[2] == 0 || plen[2] >= cap || !has_prefix(parts[4], plen[4], "aws4_request")) {
        return ddb_error_set(err, DDB_ERR_INCOMPLETE_SIGNATURE,
                             "Authorization header requires 'Credential' parameter. Authorization "
                             "header requires 'Signature' parameter. Authorization header "
                             "requires 'SignedHeaders' parameter. Authorization=%.*s",
                             (int)(len > 200 ? 200 : len), a);
    }
    memcpy(region, parts[2], plen[2]);
    region[plen[2]] = '\0';
    return 0;
}

/* With --auth the signature is verified for the scope's service (DynamoDB
 * Streams' clients sign as "dynamodb" too); without, only its shape is checked. */
static int check_auth(const ddbd_t *srv, const http_request_t *req, const char *service,
                      unsigned flags, char *region, size_t cap, ddb_error_t *err) {
    if (!srv->auth) return check_auth_shape(req, region, cap, err);
    return auth_verify(srv->auth, srv->arena, req, service, (int64_t)time(NULL), flags, region, cap,
                       err);
}

static bool content_type_ok(const http_request_t *req) {
    const char *ct = req->content_type;
    size_t len = req->content_type_len;
    if (!ct) return true;
    return has_prefix(ct, len, "application/x-amz-json-1.0") ||
           has_prefix(ct, len, "application/x-amz-json-1.1") ||
           has_prefix(ct, len, "application/json");
}

/* cJSON allocates a node (and a string) per value: during a request that
 * memory comes from the request arena, released wholesale when the next
 * request resets it, instead of a malloc/free pair per node. Outside
 * requests cJSON uses malloc. No cJSON memory outlives its request. */
static _Thread_local ddb_arena_t *json_arena;

static void *json_malloc(size_t n) {
    return json_arena ? ddb_arena_alloc(json_arena, n) : malloc(n);
}

static void json_free(void *p) {
    if (!json_arena) free(p);
}

static pthread_once_t json_hooks_once = PTHREAD_ONCE_INIT;

static void json_hooks(void) {
    cJSON_Hooks h = {.malloc_fn = json_malloc, .free_fn = json_free};
    cJSON_InitHooks(&h);
}

/* ---- REST routes ------------------------------------------------------------ */

typedef struct rest_route {
    const char *method;  /* NULL ends a table */
    const char *pattern; /* path with {param} segments */
    ddbd_rest_fn fn;
} rest_route_t;

/* The Lambda API: event-source mappings (server/ops_lambda.c); any other
 * path answers Lambda's not-found error. The SDKs send the collection
 * with its trailing slash, hand-written clients often without. */
#define ESM_PATH "/2015-03-31/event-source-mappings"
static const rest_route_t lambda_routes[] = {
    {"POST", ESM_PATH "/", op_lambda_create_esm},
    {"POST", ESM_PATH, op_lambda_create_esm},
    {"GET", ESM_PATH "/", op_lambda_list_esms},
    {"GET", ESM_PATH, op_lambda_list_esms},
    {"GET", ESM_PATH "/{UUID}", op_lambda_get_esm},
    {"PUT", ESM_PATH "/{UUID}", op_lambda_update_esm},
    {"DELETE", ESM_PATH "/{UUID}", op_lambda_delete_esm},
    {NULL, NULL, NULL},
};

typedef struct rest_service {
    const char *prefix; /* path prefix that selects the service */
    const rest_route_t *routes;
    const char *not_found_type; /* the answer for a path no route matches */
    const char *not_found_msg;
} rest_service_t;

static const rest_service_t rest_services[] = {
    {"/2015-03-31/", lambda_routes, "ResourceNotFoundException",
     "The resource you requested does not exist."},
};

int ddbd_rest_error_set(ddbd_rest_error_t *e, int status, const char *type, const char *fmt, ...) {
    e->status = status;
    snprintf(e->type, sizeof e->type, "%s", type);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return status;
}

int ddbd_rest_error_from(ddbd_rest_error_t *e, const ddb_error_t *err) {
    switch (err->code) {
    case DDB_ERR_RESOURCE_NOT_FOUND:
        return ddbd_rest_error_set(e, 404, "ResourceNotFoundException", "%s", err->msg);
    case DDB_ERR_VALIDATION:
    case DDB_ERR_SERIALIZATION:
        return ddbd_rest_error_set(e, 400, "InvalidParameterValueException", "%s", err->msg);
    case DDB_ERR_MISSING_AUTH:
    case DDB_ERR_INCOMPLETE_SIGNATURE:
    case DDB_ERR_ACCESS_DENIED:
    case DDB_ERR_UNRECOGNIZED_CLIENT:
    case DDB_ERR_INVALID_SIGNATURE: {
        const char *type = strchr(ddb_error_type(err->code), '#') + 1;
        return ddbd_rest_error_set(e, 403, type, "%s", err->msg);
    }
    case DDB_ERR_REQUEST_TOO_LARGE:
        return ddbd_rest_error_set(e, 413, "RequestTooLargeException", "%s", err->msg);
    default:
        return ddbd_rest_error_set(e, 500, "ServiceException", "%s", err->msg);
    }
}

/* Lambda's error shape: the type in x-amzn-ErrorType, the message in the
 * body with "Type" User (the caller's fault) or Service; the front end's
 * ValidationException (the model's constraints) carries no Type. */
static void write_rest_error(ddbd_t *srv, http_response_t *resp, const ddbd_rest_error_t *e) {
    resp->status = e->status;
    resp->content_type = "application/json";
    buf_reset(&srv->headers);
    buf_printf(&srv->headers, "x-amzn-ErrorType: %s\r\n", e->type);
    resp->headers = buf_cstr(&srv->headers);
    buf_reset(&resp->body);
    if (strcmp(e->type, "ValidationException") == 0)
        buf_putc(&resp->body, '{');
    else
        buf_puts(&resp->body, e->status >= 500 ? "{\"Type\":\"Service\"," : "{\"Type\":\"User\",");
    buf_puts(&resp->body, "\"message\":");
    json_put_str(&resp->body, e->msg, strlen(e->msg));
    buf_putc(&resp->body, '}');
}

/* The REST service whose prefix the path starts with, or NULL. */
static const rest_service_t *find_service(const char *path, size_t len) {
    for (size_t i = 0; i < sizeof rest_services / sizeof rest_services[0]; i++) {
        if (has_prefix(path, len, rest_services[i].prefix)) return &rest_services[i];
    }
    return NULL;
}

static int parse_rest_body(ddbd_rest_req_t *r, const http_request_t *req) {
    r->raw = req->body;
    r->raw_len = req->body_len;
    if (req->body_len == 0) return 0;
    cJSON *in;
    ddb_error_t perr;
    if (json_parse_request(req->body, req->body_len, &in, &perr)) {
        return ddbd_rest_error_set(r->err, 400, "InvalidRequestContentException",
                                   "Could not parse request body into json: %s", perr.msg);
    }
    r->body = in;
    return 0;
}

static int rest_route(ddbd_t *srv, const rest_service_t *svc, const http_request_t *req,
                      http_response_t *resp, ddbd_rest_error_t *err) {
    ddbd_rest_req_t r = {.srv = srv,
                         .arena = srv->arena,
                         .method = req->method,
                         .out = &resp->body,
                         .status = 200,
                         .err = err};
    ddb_error_t auth;
    if (check_auth(srv, req, "lambda", AUTH_SHOW_CANONICAL, r.region, sizeof r.region, &auth))
        return ddbd_rest_error_from(err, &auth);
    const char *path, *qs;
    size_t path_len, qs_len;
    route_split_url(req->url, req->url_len, &path, &path_len, &qs, &qs_len);
    route_kv_t *params = ddb_arena_alloc(srv->arena, sizeof *params * ROUTE_MAX_PARAMS);
    const rest_route_t *hit = NULL;
    for (const rest_route_t *rt = svc->routes; rt->method && !hit; rt++) {
        if (strcmp(rt->method, req->method) != 0) continue;
        if (route_match(srv->arena, rt->pattern, path, path_len, params, &r.nparams)) hit = rt;
    }
    if (!hit) return ddbd_rest_error_set(err, 404, svc->not_found_type, "%s", svc->not_found_msg);
    r.params = params;
    route_kv_t *query;
    route_parse_query(srv->arena, qs, qs_len, &query, &r.nquery);
    r.query = query;
    pthread_once(&json_hooks_once, json_hooks);
    json_arena = srv->arena;
    int rc = parse_rest_body(&r, req);
    if (!rc) rc = hit->fn(&r);
    json_arena = NULL; /* the tree goes with the arena */
    if (!rc) {
        resp->status = r.status;
        resp->content_type = "application/json";
    }
    return rc;
}

static int route(ddbd_t *srv, const http_request_t *req, http_response_t *resp, ddb_error_t *err,
                 buf_t *extra) {
    const op_entry_t *op = req->target ? find_op(req->target, req->target_len) : NULL;
    if (op) set_op(srv, op);
    ddbd_op_fn fn = op ? op->fn : NULL;
    if (!fn) {
        return ddb_error_set(err, DDB_ERR_UNKNOWN_OPERATION, "An unknown operation was requested.");
    }
    if (!content_type_ok(req)) {
        return ddb_error_set(err, DDB_ERR_UNKNOWN_OPERATION, "An unknown operation was requested.");
    }
    const ddb_table_info_t *last_table = NULL;
    ddbd_req_t r = {.srv = srv,
                    .arena = srv->arena,
                    .out = &resp->body,
                    .err = err,
                    .last_table = &last_table,
                    .err_extra = extra};
    int rc = check_auth(srv, req, "dynamodb", 0, r.region, sizeof r.region, err);
    if (rc) return rc;
    pthread_once(&json_hooks_once, json_hooks);
    json_arena = srv->arena;
    cJSON *in;
    rc = json_parse_request(req->body ? req->body : "", req->body_len, &in, err);
    if (rc) {
        json_arena = NULL;
        return rc;
    }
    r.in = in;
    rc = fn(&r);
    ddbd_note_table(srv, in);
    json_arena = NULL; /* the tree goes with the arena */
    return rc;
}

static void handle(ddbd_t *srv, const http_request_t *req, http_response_t *resp) {
    ddb_error_t err;
    ddb_error_clear(&err);
    if (strcmp(req->method, "GET") == 0 && req->url_len == 1) {
        /* DynamoDB answers health checks on GET / with a plain text line */
        resp->content_type = "text/plain";
        buf_puts(&resp->body, "healthy: dynamodb." DDBD_DEFAULT_REGION ".amazonaws.com ");
        srv->op_slot = -1; /* not an operation: not counted */
        return;
    }
    if (srv->metrics && strcmp(req->method, "GET") == 0 && req->url_len == 8 &&
        memcmp(req->url, "/metrics", 8) == 0) {
        resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
        metrics_render(srv->metrics, srv->engine, srv->arena, &resp->body);
        srv->op_slot = -1;
        return;
    }
    const char *path, *qs;
    size_t path_len, qs_len;
    route_split_url(req->url, req->url_len, &path, &path_len, &qs, &qs_len);
    const rest_service_t *svc = req->target ? NULL : find_service(path, path_len);
    if (svc) {
        srv->op_slot = SLOT_LAMBDA;
        srv->op_name = "Lambda";
        ddbd_rest_error_t rerr;
        if (rest_route(srv, svc, req, resp, &rerr)) write_rest_error(srv, resp, &rerr);
        return;
    }
    buf_t extra;
    buf_init(&extra);
    int rc = strcmp(req->method, "POST") != 0 ? ddb_error_set(&err, DDB_ERR_UNKNOWN_OPERATION,
                                                              "An unknown operation was requested.")
                                              : route(srv, req, resp, &err, &extra);
    if (rc) write_error(resp, &err, &extra);
    buf_free(&extra);
}

void ddbd_handle(void *ctx, const http_request_t *req, http_response_t *resp) {
    ddbd_t *srv = ctx;
    uint64_t t0 = srv->stats ? metrics_now_ns() : 0;
    srv->op_slot = SLOT_UNKNOWN; /* until the router finds the operation */
    srv->op_name = "Unknown";
    ddb_arena_reset(srv->arena);
    srv->note = (ddbd_note_t){.table_len = 0}; /* the request log's, of this request */
    handle(srv, req, resp);
    /* the response is in resp (and srv->headers): a huge request's memory
     * goes back now, not when the next request on this loop comes */
    ddb_arena_reset(srv->arena);
    if (srv->stats && srv->op_slot >= 0) {
        metrics_count(srv->stats, srv->op_slot, srv->op_name, resp->status, metrics_now_ns() - t0,
                      req->body_len, resp->body.len);
    }
}
