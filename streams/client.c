/* client.c: one DynamoDB / DynamoDB Streams JSON 1.0 call at a time over a client's own
 * libcurl handle (HTTP/1.1 keep-alive, TLS with peer verification): SigV4 signing
 * (query/sigv4.h), error bodies, retries with full-jitter backoff, the x-amz-crc32 check,
 * clock-skew correction and the refresh of expiring credentials. Never prints, never aborts;
 * every wait (transfer or backoff) ends within a few ms of the abort flag being raised. */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "query/arena.h"
#include "query/crc32.h"
#include "query/sigv4.h"
#include "streams/client_int.h"

#define DEFAULT_ATTEMPTS 10
#define DEFAULT_TIMEOUT  15000
#define DEFAULT_CONNECT  3000
#define BACKOFF_BASE_MS  50
#define BACKOFF_CAP_MS   20000
#define REFRESH_BEFORE_S 300 /* refresh expiring credentials 5 minutes ahead, as the SDKs */
#define SLICE_MS         20  /* how often a wait looks at the abort flag */
#define ENDPOINT_CAP     1024
#define CONTENT_TYPE     "application/x-amz-json-1.0"

typedef struct dc_target {
    char url[ENDPOINT_CAP + 2]; /* the endpoint, with "/" when it has no path */
    char host[256];             /* the Host header: the URL's authority, as signed */
    char path[ENDPOINT_CAP];    /* the request path */
} dc_target_t;

struct dc_client {
    CURLM *multi; /* holds the connection cache: keep-alive across calls */
    CURL *h;
    char region[64];
    char endpoint[2][ENDPOINT_CAP];
    dc_target_t target[2];
    int custom;
    char *profile; /* as given (NULL: the environment's), for refreshing */
    dc_credentials_t cred;
    int64_t skew; /* seconds the service's clock is ahead of ours */
    const atomic_int *abort;
    int max_attempts;
    long timeout_ms, connect_ms; /* one attempt's, connecting's (dc_dup copies them) */
    ddb_arena_t *arena;          /* the signing strings of one attempt */
    uint64_t rng;
    /* the response of the attempt in progress */
    buf_t *resp;
    int has_crc; /* 1: crc holds x-amz-crc32; 2: the header was unparsable (never matches) */
    uint32_t crc;
    char date[64];
    char type_hdr[96];
    char curl_err[CURL_ERROR_SIZE];
};

/* The kind of a failed attempt, for the code of the last one. */
enum { K_NET = 1, K_CRC, K_THROTTLE, K_SERVICE };

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static void global_init(void) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

void dc__curl_global(void) {
    pthread_once(&global_once, global_init);
}

const char *dc_code_name(int code) {
    static const char *const names[] = {"DC_OK",        "DC_ECONFIG",  "DC_EAUTH", "DC_ENET",
                                        "DC_ETHROTTLE", "DC_ESERVICE", "DC_ECRC",  "DC_EABORTED"};
    return code >= 0 && code <= DC_EABORTED ? names[code] : "DC_UNKNOWN";
}

int dc_backoff_ms(int attempt, int base_ms, int cap_ms, double rnd) {
    if (attempt < 1) attempt = 1;
    if (base_ms < 0) base_ms = 0;
    if (rnd < 0) rnd = 0;
    if (rnd >= 1) rnd = 0.999999;
    double ceiling =
        attempt > 40 ? (double)cap_ms : (double)base_ms * (double)(1ull << (attempt - 1));
    if (ceiling > cap_ms) ceiling = cap_ms;
    return (int)(rnd * ceiling);
}

static const char *const throttle_types[] = {"ProvisionedThroughputExceededException",
                                             "ThrottlingException", "RequestLimitExceeded",
                                             "LimitExceededException"};
static const char *const transient_types[] = {"InternalServerError", "ServiceUnavailable",
                                              "TransactionInProgressException"};
static const char *const auth_types[] = {"UnrecognizedClientException",
                                         "InvalidSignatureException",
                                         "MissingAuthenticationTokenException",
                                         "IncompleteSignatureException",
                                         "ExpiredTokenException",
                                         "InvalidClientTokenId",
                                         "AccessDeniedException",
                                         "SignatureDoesNotMatch"};

static int in_list(const char *type, const char *const *list, size_t n) {
    for (size_t i = 0; type && i < n; i++)
        if (strcmp(type, list[i]) == 0) return 1;
    return 0;
}
#define IN_LIST(t, l) in_list((t), (l), sizeof(l) / sizeof *(l))

int dc_retryable(int status, const char *type) {
    if (status == 0 || status >= 500) return 1;
    return IN_LIST(type, throttle_types) || IN_LIST(type, transient_types);
}

/* ---- opening ---- */

static int parse_target(const char *endpoint, dc_target_t *t, dc_error_t *err) {
    const char *p = strstr(endpoint, "://");
    if (!p) return dc__fail(err, DC_ECONFIG, "bad endpoint %.200s", endpoint);
    p += 3;
    size_t auth = strcspn(p, "/");
    if (auth == 0 || auth >= sizeof t->host)
        return dc__fail(err, DC_ECONFIG, "bad endpoint host in %.200s", endpoint);
    memcpy(t->host, p, auth);
    t->host[auth] = 0;
    snprintf(t->path, sizeof t->path, "%s", p[auth] ? p + auth : "/");
    snprintf(t->url, sizeof t->url, "%s%s", endpoint, p[auth] ? "" : "/");
    return 0;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud) {
    dc_client_t *c = ud;
    buf_put(c->resp, p, size * n);
    return size * n;
}

static int header_is(const char *p, size_t len, const char *name, const char **value) {
    size_t n = strlen(name);
    if (len <= n || strncasecmp(p, name, n) != 0 || p[n] != ':') return 0;
    *value = p + n + 1;
    while (*value < p + len && (**value == ' ' || **value == '\t'))
        (*value)++;
    return 1;
}

/* Copies a header value (up to CR/LF) into out. */
static void header_copy(const char *v, const char *end, char *out, size_t cap) {
    size_t n = 0;
    while (v + n < end && v[n] != '\r' && v[n] != '\n')
        n++;
    snprintf(out, cap, "%.*s", (int)n, v);
}

static size_t on_header(char *p, size_t size, size_t n, void *ud) {
    dc_client_t *c = ud;
    size_t len = size * n;
    const char *v, *end = p + len;
    char tmp[32];
    if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) { /* a new response (after an interim one) */
        c->has_crc = 0;
        c->date[0] = c->type_hdr[0] = 0;
    } else if (header_is(p, len, "x-amz-crc32", &v)) {
        header_copy(v, end, tmp, sizeof tmp);
        char *e;
        unsigned long x = strtoul(tmp, &e, 10);
        int ok = e != tmp && *e == 0 && x <= UINT32_MAX;
        c->has_crc = ok ? 1 : 2;
        c->crc = ok ? (uint32_t)x : 0;
    } else if (header_is(p, len, "date", &v)) {
        header_copy(v, end, c->date, sizeof c->date);
    } else if (header_is(p, len, "x-amzn-errortype", &v)) {
        header_copy(v, end, c->type_hdr, sizeof c->type_hdr);
        c->type_hdr[strcspn(c->type_hdr, ":")] = 0;
    }
    return len;
}

static int setup_curl(dc_client_t *c, dc_error_t *err) {
    dc__curl_global();
    c->multi = curl_multi_init();
    c->h = curl_easy_init();
    if (!c->multi || !c->h) return dc__fail(err, DC_ECONFIG, "libcurl: out of memory");
    CURL *h = c->h;
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->connect_ms);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "ddbstreams/" DDB_VERSION);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, c);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->curl_err);
    char ca[ENDPOINT_CAP];
    const char *bundle = getenv("AWS_CA_BUNDLE");
    if ((!bundle || !*bundle) && dc__config_get(c->profile, "ca_bundle", ca, sizeof ca) && *ca)
        bundle = ca;
    if (bundle && *bundle) curl_easy_setopt(h, CURLOPT_CAINFO, bundle);
    return 0;
}

/* The backoff jitter's generator and the signing arena of a new client. */
static void seed(dc_client_t *c) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    c->rng = ((uint64_t)ts.tv_sec * 1000000007u) ^ (uint64_t)ts.tv_nsec ^ (uintptr_t)c;
    c->arena = ddb_arena_create(0);
}

static int check_options(const dc_options_t *o, dc_error_t *err) {
    if (o->max_attempts < 0) return dc__fail(err, DC_ECONFIG, "max_attempts must not be negative");
    if (o->timeout_ms < 0 || o->connect_timeout_ms < 0)
        return dc__fail(err, DC_ECONFIG, "timeouts must not be negative");
    return 0;
}

static int resolve_all(dc_client_t *c, const dc_options_t *o, dc_error_t *err) {
    int rc = dc_resolve_region(o->region, o->profile, c->region, sizeof c->region, err);
    for (int s = DC_DYNAMODB; !rc && s <= DC_STREAMS; s++) {
        int custom = 0;
        rc = dc_resolve_endpoint(o->endpoint, o->profile, c->region, (dc_service_t)s,
                                 c->endpoint[s], sizeof c->endpoint[s], &custom, err);
        if (!rc) rc = parse_target(c->endpoint[s], &c->target[s], err);
        c->custom |= custom;
    }
    if (!rc) rc = dc_resolve_credentials(o->profile, &c->cred, err);
    return rc;
}

dc_client_t *dc_open(const dc_options_t *o, dc_error_t *err) {
    static const dc_options_t none = {0};
    dc_error_t local;
    if (!err) err = &local;
    memset(err, 0, sizeof *err);
    if (!o) o = &none;
    if (check_options(o, err)) return NULL;
    dc_client_t *c = calloc(1, sizeof *c);
    if (!c) {
        dc__fail(err, DC_ECONFIG, "out of memory");
        return NULL;
    }
    c->max_attempts = o->max_attempts ? o->max_attempts : DEFAULT_ATTEMPTS;
    c->timeout_ms = o->timeout_ms ? o->timeout_ms : DEFAULT_TIMEOUT;
    c->connect_ms = o->connect_timeout_ms ? o->connect_timeout_ms : DEFAULT_CONNECT;
    c->profile = o->profile && *o->profile ? strdup(o->profile) : NULL;
    seed(c);
    int rc = (o->profile && *o->profile && !c->profile) ? dc__fail(err, DC_ECONFIG, "out of memory")
                                                        : resolve_all(c, o, err);
    if (!rc) rc = setup_curl(c, err);
    if (rc) {
        dc_close(c);
        return NULL;
    }
    return c;
}

dc_client_t *dc_dup(const dc_client_t *src, dc_error_t *err) {
    dc_error_t local;
    if (!err) err = &local;
    memset(err, 0, sizeof *err);
    dc_client_t *c = calloc(1, sizeof *c);
    if (!c) {
        dc__fail(err, DC_ECONFIG, "out of memory");
        return NULL;
    }
    memcpy(c->region, src->region, sizeof c->region);
    memcpy(c->endpoint, src->endpoint, sizeof c->endpoint);
    memcpy(c->target, src->target, sizeof c->target);
    c->custom = src->custom;
    c->skew = src->skew;
    c->max_attempts = src->max_attempts;
    c->timeout_ms = src->timeout_ms;
    c->connect_ms = src->connect_ms;
    c->profile = src->profile ? strdup(src->profile) : NULL;
    seed(c);
    const dc_credentials_t *k = &src->cred;
    int rc = src->profile && !c->profile
                 ? dc__fail(err, DC_ECONFIG, "out of memory")
                 : dc__credentials_set(&c->cred, k->access_key_id, k->secret, k->session_token,
                                       k->expires, k->source, err);
    if (!rc) rc = setup_curl(c, err);
    if (rc) {
        dc_close(c);
        return NULL;
    }
    return c;
}

void dc_close(dc_client_t *c) {
    if (!c) return;
    if (c->h) curl_easy_cleanup(c->h);
    if (c->multi) curl_multi_cleanup(c->multi);
    dc_credentials_free(&c->cred);
    ddb_arena_destroy(c->arena);
    free(c->profile);
    free(c);
}

void dc_set_abort(dc_client_t *c, const atomic_int *flag) {
    c->abort = flag;
}

const char *dc_region(const dc_client_t *c) {
    return c->region;
}

const char *dc_endpoint(const dc_client_t *c, dc_service_t svc) {
    return c->endpoint[svc == DC_STREAMS ? DC_STREAMS : DC_DYNAMODB];
}

const char *dc_credential_source(const dc_client_t *c) {
    return c->cred.source;
}

int dc_custom_endpoint(const dc_client_t *c) {
    return c->custom;
}

/* ---- one attempt ---- */

static int aborted(const dc_client_t *c) {
    return c->abort && atomic_load(c->abort) != 0;
}

static double next_rnd(dc_client_t *c) {
    /* splitmix64: jitter needs spread, not secrecy */
    uint64_t z = (c->rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return (double)(z >> 11) / 9007199254740992.0;
}

/* Sleeps ms in slices; 1 when the abort flag ended the wait. */
static int sleep_ms(const dc_client_t *c, int ms) {
    while (ms > 0) {
        if (aborted(c)) return 1;
        int step = ms < SLICE_MS ? ms : SLICE_MS;
        struct timespec ts = {0, (long)step * 1000000L};
        nanosleep(&ts, NULL);
        ms -= step;
    }
    return aborted(c);
}

/* Credentials from a process, the container or IMDS are fetched again shortly before they
 * expire; a failed refresh keeps the old ones while they last. */
static int refresh(dc_client_t *c, dc_error_t *err) {
    int64_t now = (int64_t)time(NULL);
    if (!c->cred.expires || now + REFRESH_BEFORE_S < c->cred.expires) return 0;
    dc_credentials_t fresh;
    dc_error_t e;
    if (dc_resolve_credentials(c->profile, &fresh, &e) == 0) {
        dc_credentials_free(&c->cred);
        c->cred = fresh;
        return 0;
    }
    if (now < c->cred.expires) return 0;
    *err = e;
    return err->code;
}

static struct curl_slist *add_header(ddb_arena_t *a, struct curl_slist *l, const char *name,
                                     const char *value, int *oom) {
    size_t cap = strlen(name) + strlen(value) + 3;
    char *line = ddb_arena_alloc(a, cap);
    snprintf(line, cap, "%s: %s", name, value);
    struct curl_slist *n = curl_slist_append(l, line);
    if (!n) *oom = 1;
    return n ? n : l;
}

/* The signed headers of one attempt, at the (skew-corrected) time now. */
static struct curl_slist *sign(dc_client_t *c, const dc_target_t *t, const char *target,
                               const char *body, size_t len, dc_error_t *err) {
    ddb_arena_reset(c->arena);
    char amz[17];
    ddb_sigv4_format_date((int64_t)time(NULL) + c->skew, amz);
    ddb_sigv4_header_t hs[] = {
        {"host", 4, t->host, strlen(t->host)},
        {"content-type", 12, CONTENT_TYPE, sizeof CONTENT_TYPE - 1},
        {"x-amz-date", 10, amz, 16},
        {"x-amz-target", 12, target, strlen(target)},
    };
    ddb_sigv4_request_t req = {.method = "POST",
                               .method_len = 4,
                               .path = t->path,
                               .path_len = strlen(t->path),
                               .headers = hs,
                               .n_headers = sizeof hs / sizeof *hs,
                               .payload = body,
                               .payload_len = len};
    const dc_credentials_t *k = &c->cred;
    ddb_sigv4_credentials_t cred = {k->access_key_id,
                                    strlen(k->access_key_id),
                                    k->secret,
                                    strlen(k->secret),
                                    k->session_token,
                                    k->session_token ? strlen(k->session_token) : 0,
                                    NULL};
    ddb_sigv4_scope_t scope = {amz, c->region, strlen(c->region), "dynamodb", 8};
    ddb_sigv4_signed_t out;
    ddb_sigv4_status_t st = ddb_sigv4_sign(c->arena, &req, &cred, &scope, &out);
    if (st != DDB_SIGV4_OK) {
        dc__fail(err, DC_ECONFIG, "signing failed: %s", ddb_sigv4_status_name(st));
        return NULL;
    }
    int oom = 0;
    struct curl_slist *l = add_header(c->arena, NULL, "Host", t->host, &oom);
    l = add_header(c->arena, l, "Content-Type", CONTENT_TYPE, &oom);
    l = add_header(c->arena, l, "X-Amz-Target", target, &oom);
    l = add_header(c->arena, l, "X-Amz-Date", out.amz_date, &oom);
    if (k->session_token)
        l = add_header(c->arena, l, "X-Amz-Security-Token", k->session_token, &oom);
    l = add_header(c->arena, l, "Authorization", out.authorization, &oom);
    l = curl_slist_append(l, "Expect:"); /* no 100-continue round trip on larger bodies */
    if (oom || !l) {
        curl_slist_free_all(l);
        dc__fail(err, DC_ECONFIG, "out of memory");
        return NULL;
    }
    return l;
}

/* Runs one transfer on the client's multi handle, looking at the abort flag every slice.
 * Returns curl's result; *was_aborted when the flag ended it. */
static CURLcode perform(dc_client_t *c, const dc_target_t *t, struct curl_slist *hl,
                        const char *body, size_t len, int *was_aborted) {
    c->has_crc = 0;
    c->date[0] = c->type_hdr[0] = c->curl_err[0] = 0;
    *was_aborted = 0;
    curl_easy_setopt(c->h, CURLOPT_URL, t->url);
    curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    if (curl_multi_add_handle(c->multi, c->h) != CURLM_OK) return CURLE_OUT_OF_MEMORY;
    CURLcode cc = CURLE_OK;
    int running = 1;
    while (running) {
        if (curl_multi_perform(c->multi, &running) != CURLM_OK) {
            cc = CURLE_OUT_OF_MEMORY;
            break;
        }
        if (!running) break;
        if (aborted(c)) {
            *was_aborted = 1;
            break;
        }
        curl_multi_poll(c->multi, NULL, 0, SLICE_MS, NULL);
    }
    int left;
    CURLMsg *m;
    while ((m = curl_multi_info_read(c->multi, &left)))
        if (m->msg == CURLMSG_DONE && m->easy_handle == c->h) cc = m->data.result;
    curl_multi_remove_handle(c->multi, c->h);
    return cc;
}

/* type and message of an error response: the body's __type (after '#') and message/Message,
 * else the x-amzn-ErrorType header. */
static void parse_error(const dc_client_t *c, const buf_t *b, int status, dc_error_t *err) {
    cJSON *j = cJSON_ParseWithLength(b->data ? b->data : "", b->len);
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "__type");
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "message");
    if (!cJSON_IsString(m)) m = cJSON_GetObjectItemCaseSensitive(j, "Message");
    const char *type = cJSON_IsString(t) ? t->valuestring : c->type_hdr;
    const char *hash = strrchr(type, '#');
    snprintf(err->type, sizeof err->type, "%s", hash ? hash + 1 : type);
    if (cJSON_IsString(m))
        snprintf(err->message, sizeof err->message, "%s", m->valuestring);
    else
        snprintf(err->message, sizeof err->message, "HTTP %d%s%.200s", status, b->len ? ": " : "",
                 b->len ? b->data : "");
    cJSON_Delete(j);
}

/* Certificate and protocol errors do not heal by retrying. */
static int net_permanent(CURLcode cc) {
    return cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CACERT_BADFILE ||
           cc == CURLE_SSL_CERTPROBLEM || cc == CURLE_UNSUPPORTED_PROTOCOL ||
           cc == CURLE_URL_MALFORMAT || cc == CURLE_OUT_OF_MEMORY;
}

/* The service's clock differs from ours by more than SigV4 allows: the SDKs take the
 * service's time from the Date header and sign again. */
static int skew_fix(dc_client_t *c, const dc_error_t *e) {
    if (strcmp(e->type, "InvalidSignatureException") != 0 || !c->date[0]) return 0;
    if (!strstr(e->message, "Signature expired") && !strstr(e->message, "not yet current"))
        return 0;
    time_t server = curl_getdate(c->date, NULL);
    if (server <= 0) return 0;
    c->skew = (int64_t)server - (int64_t)time(NULL);
    return 1;
}

static int valid_op(const char *op) {
    if (!op || !*op || strlen(op) > 64) return 0;
    for (const char *p = op; *p; p++)
        if (!isalnum((unsigned char)*p)) return 0;
    return 1;
}

/* What a failed attempt leaves behind: its kind, or a final code (> 0) ending the call. */
static int judge(dc_client_t *c, CURLcode cc, const buf_t *b, int *kind, int *skew_done,
                 dc_error_t *err) {
    if (cc != CURLE_OK) {
        err->status = 0;
        err->type[0] = 0;
        snprintf(err->message, sizeof err->message, "%s",
                 c->curl_err[0] ? c->curl_err : curl_easy_strerror(cc));
        *kind = K_NET;
        return net_permanent(cc) ? DC_ENET : 0;
    }
    long status = 0;
    curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &status);
    err->status = (int)status;
    uint32_t got = ddb_crc32(b->data ? b->data : "", b->len);
    if (c->has_crc == 2 || (c->has_crc && got != c->crc)) {
        err->type[0] = 0;
        snprintf(err->message, sizeof err->message,
                 "x-amz-crc32 is %u but the body's CRC32 is %u (HTTP %ld)", c->crc, got, status);
        *kind = K_CRC;
        return 0;
    }
    if (status >= 200 && status < 300) return -1; /* success */
    parse_error(c, b, (int)status, err);
    if (IN_LIST(err->type, auth_types)) {
        if (!*skew_done && skew_fix(c, err)) {
            *skew_done = 1;
            *kind = 0; /* again at once */
            return 0;
        }
        return DC_EAUTH;
    }
    if (!dc_retryable((int)status, err->type)) return DC_ESERVICE;
    *kind = IN_LIST(err->type, throttle_types) ? K_THROTTLE : K_SERVICE;
    return 0;
}

static int final_code(int kind) {
    switch (kind) {
    case K_NET:
        return DC_ENET;
    case K_CRC:
        return DC_ECRC;
    case K_THROTTLE:
        return DC_ETHROTTLE;
    default:
        return DC_ESERVICE;
    }
}

/* Ends a call with code, keeping the count of attempts made. */
static int end_call(dc_error_t *err, int code, const char *message) {
    int attempts = err->attempts;
    dc__fail(err, code, "%s", message);
    err->attempts = attempts;
    return code;
}

static int call_loop(dc_client_t *c, const dc_target_t *t, const char *target, const char *body,
                     size_t len, buf_t *resp, dc_error_t *err) {
    int skew_done = 0, retries = 0;
    for (;;) {
        if (aborted(c)) return end_call(err, DC_EABORTED, "aborted");
        int rc = refresh(c, err);
        if (rc) return rc;
        struct curl_slist *hl = sign(c, t, target, body, len, err);
        if (!hl) return err->code;
        buf_reset(resp);
        c->resp = resp;
        int was_aborted;
        err->attempts++;
        CURLcode cc = perform(c, t, hl, body, len, &was_aborted);
        curl_slist_free_all(hl);
        if (was_aborted) return end_call(err, DC_EABORTED, "aborted during the transfer");
        int kind = 0;
        rc = judge(c, cc, resp, &kind, &skew_done, err);
        if (rc < 0) return 0;
        if (rc > 0) return err->code = rc;
        if (!kind) continue;
        if (++retries >= c->max_attempts) return err->code = final_code(kind);
        if (sleep_ms(c, dc_backoff_ms(retries, BACKOFF_BASE_MS, BACKOFF_CAP_MS, next_rnd(c))))
            return end_call(err, DC_EABORTED, "aborted while waiting to retry");
    }
}

int dc_call(dc_client_t *c, dc_service_t svc, const char *op, const char *body, size_t len,
            buf_t *resp, dc_error_t *err) {
    dc_error_t local;
    buf_t scratch;
    if (!err) err = &local;
    memset(err, 0, sizeof *err);
    if (!valid_op(op)) return dc__fail(err, DC_ECONFIG, "bad operation name");
    if (!body) body = "{}", len = 2;
    char target[128];
    snprintf(target, sizeof target, "%s.%s",
             svc == DC_STREAMS ? "DynamoDBStreams_20120810" : "DynamoDB_20120810", op);
    if (!resp) buf_init(&scratch);
    int rc = call_loop(c, &c->target[svc == DC_STREAMS ? DC_STREAMS : DC_DYNAMODB], target, body,
                       len, resp ? resp : &scratch, err);
    if (!resp) buf_free(&scratch);
    c->resp = NULL;
    if (rc == 0) err->code = 0;
    return rc;
}
