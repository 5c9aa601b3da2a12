/* router.c: from an HTTP request to a DynamoDB operation and back.
 *
 * Checks the method, X-Amz-Target, Content-Type and SigV4 Authorization,
 * parses the JSON body once, dispatches to the operation, and renders
 * errors in DynamoDB's shape ({"__type": ..., "message": ...}). Never lets
 * bad input reach an operation. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/ddbd.h"
#include "query/json.h"

#define TARGET_PREFIX "DynamoDB_20120810."

typedef struct op_entry {
    const char *name;
    ddbd_op_fn fn;
} op_entry_t;

static const op_entry_t ops[] = {
    {"BatchGetItem", op_batch_get_item},
    {"BatchWriteItem", op_batch_write_item},
    {"CreateTable", op_create_table},
    {"DeleteItem", op_delete_item},
    {"DeleteTable", op_delete_table},
    {"DescribeEndpoints", op_describe_endpoints},
    {"DescribeLimits", op_describe_limits},
    {"DescribeTable", op_describe_table},
    {"DescribeTimeToLive", op_describe_time_to_live},
    {"GetItem", op_get_item},
    {"ListTables", op_list_tables},
    {"ListTagsOfResource", op_list_tags_of_resource},
    {"PutItem", op_put_item},
    {"Query", op_query},
    {"Scan", op_scan},
    {"TagResource", op_tag_resource},
    {"TransactGetItems", op_transact_get_items},
    {"TransactWriteItems", op_transact_write_items},
    {"UntagResource", op_untag_resource},
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

/* The operation of one table of operations named after a target prefix. */
static ddbd_op_fn find_in(const op_entry_t *table, size_t n, const char *name, size_t len) {
    for (size_t i = 0; i < n; i++) {
        if (strlen(table[i].name) == len && memcmp(table[i].name, name, len) == 0) return table[i].fn;
    }
    return NULL;
}

/* The operation an X-Amz-Target names (DynamoDB or DynamoDB Streams). */
static ddbd_op_fn find_op(const char *target, size_t len) {
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


static void write_error(http_response_t *resp, const ddb_error_t *err, const buf_t *extra) {
    resp->status = ddb_error_http_status(err->code);
    buf_reset(&resp->body);
    json_put_error(&resp->body, err, extra);
}

/* Accepts any syntactically valid SigV4 header and takes the region from its
 * credential scope: Credential=AKID/DATE/REGION/SERVICE/aws4_request. */
static int check_auth(const http_request_t *req, char *region, size_t cap, ddb_error_t *err) {
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
            while (q < end && *q != '/' && *q != ',' && *q != ' ') q++;
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

static int route(ddbd_t *srv, const http_request_t *req, http_response_t *resp, ddb_error_t *err,
                 buf_t *extra) {
    ddbd_op_fn fn = req->target ? find_op(req->target, req->target_len) : NULL;
    if (!fn) {
        return ddb_error_set(err, DDB_ERR_UNKNOWN_OPERATION, "An unknown operation was requested.");
    }
    if (!content_type_ok(req)) {
        return ddb_error_set(err, DDB_ERR_UNKNOWN_OPERATION, "An unknown operation was requested.");
    }
    const ddb_table_info_t *last_table = NULL;
    ddbd_req_t r = {.srv = srv, .arena = srv->arena, .out = &resp->body, .err = err, .last_table = &last_table,
                    .err_extra = extra};
    int rc = check_auth(req, r.region, sizeof r.region, err);
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
    json_arena = NULL; /* the tree goes with the arena */
    return rc;
}

void ddbd_handle(void *ctx, const http_request_t *req, http_response_t *resp) {
    ddbd_t *srv = ctx;
    ddb_error_t err;
    ddb_error_clear(&err);
    ddb_arena_reset(srv->arena);
    if (strcmp(req->method, "GET") == 0 && req->url_len == 1) {
        /* DynamoDB answers health checks on GET / with a plain text line */
        resp->content_type = "text/plain";
        buf_puts(&resp->body, "healthy: dynamodb." DDBD_DEFAULT_REGION ".amazonaws.com ");
        return;
    }
    buf_t extra;
    buf_init(&extra);
    int rc = strcmp(req->method, "POST") != 0
                 ? ddb_error_set(&err, DDB_ERR_UNKNOWN_OPERATION, "An unknown operation was requested.")
                 : route(srv, req, resp, &err, &extra);
    if (rc) write_error(resp, &err, &extra);
    buf_free(&extra);
}
