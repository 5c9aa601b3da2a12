/* reqlog.c: the request log: one info line per answered request (id,
 * client, access key, operation, table, status, error type, latency, bytes,
 * capacity), from what the front end (http_exchange_t), the request, the
 * response and the router's note (ddbd_note_t) know. Reads only: never
 * changes a response, and allocates nothing. */
#include <string.h>

#include "server/ddbd.h"
#include "server/log.h"

#define LAMBDA_ESM_PATH "/2015-03-31/event-source-mappings"

static void note_str(ddbd_t *srv, const cJSON *s) {
    if (!cJSON_IsString(s) || !s->valuestring) return;
    size_t n = strlen(s->valuestring);
    if (n >= sizeof srv->note.table) n = sizeof srv->note.table - 1;
    memcpy(srv->note.table, s->valuestring, n);
    srv->note.table_len = n;
}

void ddbd_note_table(ddbd_t *srv, const cJSON *in) {
    if (!log_enabled(LOG_INFO) || !cJSON_IsObject(in)) return;
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(in, "TableName");
    if (t) {
        note_str(srv, t);
        return;
    }
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(in, "RequestItems");
    if (cJSON_IsObject(items) && items->child && items->child->string) {
        cJSON name = {.type = cJSON_String, .valuestring = items->child->string};
        note_str(srv, &name);
        return;
    }
    const cJSON *tx = cJSON_GetObjectItemCaseSensitive(in, "TransactItems");
    if (cJSON_IsArray(tx) && tx->child && cJSON_IsObject(tx->child->child))
        note_str(srv, cJSON_GetObjectItemCaseSensitive(tx->child->child, "TableName"));
}

/* The operation: X-Amz-Target's name after its service prefix, the Lambda
 * API's name for a mapping route, else METHOD and path. */
static void put_operation(log_line_t *l, const http_request_t *req) {
    if (req->target) {
        const char *dot = memchr(req->target, '.', req->target_len);
        const char *op = dot ? dot + 1 : req->target;
        log_str(l, "op", op, req->target_len - (size_t)(op - req->target));
        return;
    }
    if (!req->method[0]) { /* refused before it parsed */
        log_str(l, "op", NULL, 0);
        return;
    }
    const char *path, *qs;
    size_t len, qs_len;
    route_split_url(req->url, req->url_len, &path, &len, &qs, &qs_len);
    size_t pl = strlen(LAMBDA_ESM_PATH);
    if (len >= pl && memcmp(path, LAMBDA_ESM_PATH, pl) == 0) {
        bool collection = len == pl || (len == pl + 1 && path[pl] == '/');
        bool one = !collection && path[pl] == '/' && !memchr(path + pl + 1, '/', len - pl - 1);
        const char *m = req->method, *name = NULL;
        if (collection && !strcmp(m, "POST")) name = "CreateEventSourceMapping";
        if (collection && !strcmp(m, "GET")) name = "ListEventSourceMappings";
        if (one && !strcmp(m, "GET")) name = "GetEventSourceMapping";
        if (one && !strcmp(m, "PUT")) name = "UpdateEventSourceMapping";
        if (one && !strcmp(m, "DELETE")) name = "DeleteEventSourceMapping";
        if (name) {
            log_str(l, "op", name, strlen(name));
            return;
        }
    }
    char op[160];
    int n = snprintf(op, sizeof op, "%s %.*s", req->method, (int)(len > 140 ? 140 : len), path);
    log_str(l, "op", op, (size_t)n);
}

/* The access key id of the SigV4 credential (Credential=AKID/...), or null. */
static void put_access_key(log_line_t *l, const http_request_t *req) {
    const char *a = req->authorization, *end = a ? a + req->authorization_len : NULL;
    for (const char *p = a; p && p + 11 <= end; p++) {
        if (memcmp(p, "Credential=", 11) != 0) continue;
        const char *k = p + 11, *q = k;
        while (q < end && *q != '/' && *q != ',' && *q != ' ')
            q++;
        log_str(l, "access_key", k, (size_t)(q - k));
        return;
    }
    log_str(l, "access_key", NULL, 0);
}

/* The error type's short name: the x-amzn-ErrorType header of a REST
 * error, or the __type of a JSON one after its '#'; null on success. */
static void put_error_type(log_line_t *l, const http_response_t *resp) {
    static const char hdr[] = "x-amzn-ErrorType: ", type[] = "{\"__type\":\"";
    const char *s = NULL;
    size_t n = 0;
    const char *h = resp->status >= 400 && resp->headers ? strstr(resp->headers, hdr) : NULL;
    if (h) {
        s = h + sizeof hdr - 1;
        n = strcspn(s, "\r\n");
    } else if (resp->status >= 400 && resp->body.len > sizeof type - 1 &&
               memcmp(resp->body.data, type, sizeof type - 1) == 0) {
        s = resp->body.data + sizeof type - 1;
        const char *q = memchr(s, '"', resp->body.len - (sizeof type - 1));
        n = q ? (size_t)(q - s) : 0;
        const char *hash = memchr(s, '#', n);
        if (hash) {
            n -= (size_t)(hash + 1 - s);
            s = hash + 1;
        }
    }
    log_str(l, "error", s, n);
}

void ddbd_log_request(void *ctx, const http_request_t *req, const http_response_t *resp,
                      const http_exchange_t *x) {
    ddbd_t *srv = ctx;
    log_line_t l;
    if (!log_begin(&l, LOG_INFO, "request")) return;
    log_str(&l, "id", req->request_id, strlen(req->request_id));
    log_str(&l, "remote", x->remote, strlen(x->remote));
    put_access_key(&l, req);
    put_operation(&l, req);
    log_str(&l, "table", srv->note.table_len ? srv->note.table : NULL, srv->note.table_len);
    log_int(&l, "status", resp->status);
    put_error_type(&l, resp);
    log_int(&l, "latency_us", (long long)x->latency_us);
    log_int(&l, "bytes_in", (long long)x->bytes_in);
    log_int(&l, "bytes_out", (long long)x->bytes_out);
    if (srv->note.has_capacity)
        log_num(&l, "capacity", srv->note.capacity);
    else
        log_str(&l, "capacity", NULL, 0);
    log_end(&l);
    srv->note.table_len = 0; /* a refused request after it must not show its table */
    srv->note.has_capacity = false;
}
