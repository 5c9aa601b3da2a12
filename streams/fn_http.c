/* fn_http.c: functions reached over HTTP: http:// and https:// targets (the
 * event POSTed as is, e.g. to the Runtime Interface Emulator) and the Lambda
 * Invoke API at --lambda-endpoint (SigV4-signed), through libcurl with a pool
 * of easy handles whose connections are reused. It also owns the signed
 * POST the destinations use. It never retries: the dispatcher decides that. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "query/arena.h"
#include "query/sigv4.h"
#include "streams/fn_internal.h"

#define POOL_KEEP 16 /* idle easy handles kept (each with its live connections) */

struct fn__curl_pool {
    pthread_mutex_t mu;
    CURL *idle[POOL_KEEP];
    int n;
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static void global_init(void) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

int fn__http_init(fn_registry_t *r) {
    pthread_once(&global_once, global_init);
    r->curl = calloc(1, sizeof *r->curl);
    if (!r->curl) return -1;
    pthread_mutex_init(&r->curl->mu, NULL);
    return 0;
}

void fn__http_free(fn_registry_t *r) {
    if (!r->curl) return;
    for (int i = 0; i < r->curl->n; i++)
        curl_easy_cleanup(r->curl->idle[i]);
    pthread_mutex_destroy(&r->curl->mu);
    free(r->curl);
    r->curl = NULL;
}

static CURL *take(fn__curl_pool_t *p) {
    CURL *h = NULL;
    pthread_mutex_lock(&p->mu);
    if (p->n) h = p->idle[--p->n];
    pthread_mutex_unlock(&p->mu);
    if (h) {
        curl_easy_reset(h); /* keeps its live connections */
        return h;
    }
    return curl_easy_init();
}

static void give(fn__curl_pool_t *p, CURL *h) {
    pthread_mutex_lock(&p->mu);
    if (p->n < POOL_KEEP) {
        p->idle[p->n++] = h;
        h = NULL;
    }
    pthread_mutex_unlock(&p->mu);
    if (h) curl_easy_cleanup(h);
}

typedef struct sink {
    char *p;
    size_t n, cap;
    bool oom;
} sink_t;

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud) {
    sink_t *s = ud;
    size_t n = size * nmemb;
    if (s->n + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < s->n + n + 1)
            cap *= 2;
        char *p = realloc(s->p, cap);
        if (!p) {
            s->oom = true;
            return 0;
        }
        s->p = p;
        s->cap = cap;
    }
    memcpy(s->p + s->n, data, n);
    s->n += n;
    s->p[s->n] = 0;
    return n;
}

/* Copies header `name`'s value (trimmed) into dst when line is that header. */
static void header_value(const char *line, size_t n, const char *name, char *dst, size_t dlen) {
    size_t nl = strlen(name);
    if (n <= nl || strncasecmp(line, name, nl) || line[nl] != ':') return;
    const char *v = line + nl + 1, *end = line + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
    snprintf(dst, dlen, "%.*s", (int)(end - v), v);
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *ud) {
    fn__http_resp_t *resp = ud;
    size_t n = size * nmemb;
    header_value(data, n, "X-Amz-Function-Error", resp->function_error,
                 sizeof resp->function_error);
    header_value(data, n, "x-amzn-ErrorType", resp->error_type, sizeof resp->error_type);
    return n;
}

/* Adds X-Amz-Date, Authorization (and the token) for a POST of body to url. */
static struct curl_slist *sign(fn_registry_t *r, struct curl_slist *hl, const char *url,
                               const char *content_type, const char *body, size_t len,
                               const char *service, const char *region) {
    CURLU *u = curl_url();
    char *host = NULL, *port = NULL, *path = NULL, *query = NULL;
    if (!u || curl_url_set(u, CURLUPART_URL, url, 0) || curl_url_get(u, CURLUPART_HOST, &host, 0) ||
        curl_url_get(u, CURLUPART_PATH, &path, 0)) {
        curl_url_cleanup(u);
        curl_free(host);
        curl_free(path);
        return hl; /* unsigned: the server will say why it refuses */
    }
    curl_url_get(u, CURLUPART_PORT, &port, 0);
    curl_url_get(u, CURLUPART_QUERY, &query, 0);
    char hosthdr[512];
    snprintf(hosthdr, sizeof hosthdr, "%s%s%s", host, port ? ":" : "", port ? port : "");
    ddb_sigv4_header_t hs[2] = {{"host", 4, hosthdr, strlen(hosthdr)},
                                {"content-type", 12, content_type, strlen(content_type)}};
    ddb_sigv4_request_t req = {.method = "POST",
                               .method_len = 4,
                               .path = path,
                               .path_len = strlen(path),
                               .query = query,
                               .query_len = query ? strlen(query) : 0,
                               .headers = hs,
                               .n_headers = 2,
                               .payload = body,
                               .payload_len = len};
    ddb_sigv4_credentials_t cred = {.access_key_id = r->access_key,
                                    .access_key_id_len = strlen(r->access_key),
                                    .secret = r->secret_key,
                                    .secret_len = strlen(r->secret_key),
                                    .session_token = r->session_token,
                                    .session_token_len =
                                        r->session_token ? strlen(r->session_token) : 0};
    char date[17];
    ddb_sigv4_format_date((int64_t)time(NULL), date);
    ddb_sigv4_scope_t scope = {date, region, strlen(region), service, strlen(service)};
    ddb_arena_t *a = ddb_arena_create(4096);
    ddb_sigv4_signed_t out;
    if (a && ddb_sigv4_sign(a, &req, &cred, &scope, &out) == DDB_SIGV4_OK) {
        char line[2048];
        snprintf(line, sizeof line, "Host: %s", hosthdr);
        hl = curl_slist_append(hl, line);
        snprintf(line, sizeof line, "X-Amz-Date: %s", out.amz_date);
        hl = curl_slist_append(hl, line);
        snprintf(line, sizeof line, "Authorization: %s", out.authorization);
        hl = curl_slist_append(hl, line);
        if (r->session_token) {
            size_t tl = strlen(r->session_token) + 32;
            char *t = malloc(tl);
            if (t) {
                snprintf(t, tl, "X-Amz-Security-Token: %s", r->session_token);
                hl = curl_slist_append(hl, t);
                free(t);
            }
        }
    }
    ddb_arena_destroy(a);
    curl_free(host);
    curl_free(port);
    curl_free(path);
    curl_free(query);
    curl_url_cleanup(u);
    return hl;
}

void fn__http_post(fn_registry_t *r, const char *url, const char *content_type, const char *body,
                   size_t len, const char *service, const char *region, long timeout_ms,
                   fn__http_resp_t *resp) {
    memset(resp, 0, sizeof *resp);
    CURL *h = take(r->curl);
    if (!h) {
        resp->curl_code = CURLE_OUT_OF_MEMORY;
        return;
    }
    char ct[256];
    snprintf(ct, sizeof ct, "Content-Type: %s", content_type);
    struct curl_slist *hl = curl_slist_append(NULL, ct);
    hl = curl_slist_append(hl, "Expect:"); /* no 100-continue round trip for large events */
    if (service) hl = sign(r, hl, url, content_type, body, len, service, region);
    sink_t s = {0};
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L); /* threads: no SIGALRM for timeouts */
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 10000 ? timeout_ms : 10000L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, resp);
    curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
    CURLcode rc = curl_easy_perform(h);
    long status = 0, sent = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    /* the request went out (connect time is 0 on a reused connection, so not that) */
    curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &sent);
    resp->connected = sent > 0 || status > 0;
    resp->curl_code = (int)rc;
    resp->status = rc == CURLE_OK ? (int)status : 0;
    resp->body = s.p;
    resp->body_len = s.n;
    curl_slist_free_all(hl);
    give(r->curl, h);
}

void fn__http_resp_free(fn__http_resp_t *resp) {
    free(resp->body);
    resp->body = NULL;
}

/* What a failed transfer means for the function. */
static void transfer_failed(const fn__http_resp_t *resp, const char *url, int timeout_ms,
                            fn_result_t *out) {
    CURLcode c = (CURLcode)resp->curl_code;
    if (c == CURLE_OPERATION_TIMEDOUT && resp->connected) {
        fn__timed_out(out, timeout_ms);
    } else if (c == CURLE_GOT_NOTHING || c == CURLE_RECV_ERROR || c == CURLE_PARTIAL_FILE ||
               (c == CURLE_SEND_ERROR && resp->connected)) {
        /* it took the event and hung up without answering: a crashed runtime */
        fn__fail(out, FN_ERROR, "Runtime.ExitError",
                 "%s closed the connection without an answer (%s)", url, curl_easy_strerror(c));
    } else {
        fn__fail(out, FN_UNREACHABLE, "ServiceException", "cannot invoke %s: %s", url,
                 curl_easy_strerror(c));
    }
}

static void take_body(fn__http_resp_t *resp, fn_result_t *out) {
    out->status = resp->status;
    out->body = resp->body;
    out->body_len = resp->body_len;
    resp->body = NULL;
}

void fn__http_invoke(fn_registry_t *r, const char *url, const char *event, size_t len,
                     const char *request_id, fn_result_t *out) {
    (void)request_id;
    fn__http_resp_t resp;
    fn__http_post(r, url, "application/json", event, len, NULL, NULL, r->o.timeout_ms, &resp);
    if (!resp.status) {
        transfer_failed(&resp, url, r->o.timeout_ms, out);
        fn__http_resp_free(&resp);
        return;
    }
    take_body(&resp, out);
    const char *b = out->body ? out->body : "";
    bool err_hdr = resp.function_error[0] != 0;
    if (fn__error_body(b, out->body_len, err_hdr ? resp.function_error : "Unhandled", out)) {
        /* {errorType, errorMessage}: the function failed, whatever the status */
    } else if (fn__timeout_text(b, out->body_len, out)) {
    } else if (err_hdr) {
        fn__fail(out, FN_ERROR, resp.function_error, "%.*s", 400, b);
    } else if (resp.status < 200 || resp.status >= 300) {
        /* the emulator's 502 for a crash; any other non-2xx is the function's failure too */
        fn__fail(out, FN_ERROR, "Unhandled", "HTTP %d from %s%s%.*s", resp.status, url,
                 out->body_len ? ": " : "", 300, b);
    } else {
        /* 200 with an empty body is a handler that returned nothing (emulators answer "" or
         * null); a crash shows as a 5xx, an error body or a dropped connection */
        out->outcome = FN_OK;
    }
    fn__http_resp_free(&resp);
}

/* A Lambda API error (the function never ran): its type and message. */
static void api_error(const fn__http_resp_t *resp, const char *b, size_t n, fn_result_t *out) {
    char type[128];
    snprintf(type, sizeof type, "%s", resp->error_type);
    type[strcspn(type, ":")] = 0; /* "ResourceNotFoundException:http://..." */
    const char *msg = NULL;
    cJSON *j = cJSON_ParseWithLength(b, n);
    if (cJSON_IsObject(j)) {
        const char *tk[] = {"__type", "Type", "code"}, *mk[] = {"message", "Message"};
        for (size_t i = 0; i < 3 && !type[0]; i++) {
            const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, tk[i]);
            if (!cJSON_IsString(t)) continue;
            const char *hash = strrchr(t->valuestring, '#');
            snprintf(type, sizeof type, "%s", hash ? hash + 1 : t->valuestring);
        }
        for (size_t i = 0; i < 2 && !msg; i++) {
            const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, mk[i]);
            if (cJSON_IsString(m)) msg = m->valuestring;
        }
    }
    if (!type[0]) snprintf(type, sizeof type, "HTTP %d", resp->status);
    fn__fail(out, FN_UNREACHABLE, type, "%s", msg ? msg : "the Lambda endpoint refused the call");
    cJSON_Delete(j);
}

/* Extra time the Lambda endpoint gets beyond --function-timeout: the remote
 * function's timeout is its own, and a timed-out answer still has to come back. */
#define LAMBDA_SLACK_MS 10000

void fn__lambda_invoke(fn_registry_t *r, const char *arn, const char *event, size_t len,
                       const char *request_id, fn_result_t *out) {
    (void)request_id;
    const char *p = strstr(arn, "function:");
    const char *name = p ? p + 9 : arn;
    const char *colon = strchr(name, ':');
    size_t nl = colon ? (size_t)(colon - name) : strlen(name);
    char *ename = fn__urlencode(name, nl);
    char *equal = colon ? fn__urlencode(colon + 1, strlen(colon + 1)) : NULL;
    const char *ep = r->o.lambda_endpoint;
    size_t el = strlen(ep);
    while (el && ep[el - 1] == '/')
        el--;
    size_t ul = el + strlen(ename ? ename : "") + (equal ? strlen(equal) : 0) + 64;
    char *url = malloc(ul);
    if (!ename || (colon && !equal) || !url) {
        free(ename);
        free(equal);
        free(url);
        fn__fail(out, FN_UNREACHABLE, "ServiceException", "out of memory");
        return;
    }
    snprintf(url, ul, "%.*s/2015-03-31/functions/%s/invocations%s%s", (int)el, ep, ename,
             equal ? "?Qualifier=" : "", equal ? equal : "");
    free(ename);
    free(equal);
    fn__http_resp_t resp;
    fn__http_post(r, url, "application/json", event, len, "lambda", r->o.region,
                  (long)r->o.timeout_ms + LAMBDA_SLACK_MS, &resp);
    if (!resp.status) {
        transfer_failed(&resp, url, r->o.timeout_ms, out);
    } else {
        take_body(&resp, out);
        const char *b = out->body ? out->body : "";
        if (resp.function_error[0]) {
            /* Lambda answers 200 with the header and {errorType, errorMessage} */
            if (!fn__error_body(b, out->body_len, resp.function_error, out) &&
                !fn__timeout_text(b, out->body_len, out))
                fn__fail(out, FN_ERROR, resp.function_error, "%.*s", 400, b);
        } else if (resp.status >= 300) {
            api_error(&resp, b, out->body_len, out);
        } else if (!fn__error_body(b, out->body_len, "Unhandled", out)) {
            out->outcome = FN_OK;
        }
    }
    free(url);
    fn__http_resp_free(&resp);
}
