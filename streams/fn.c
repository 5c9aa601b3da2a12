/* fn.c: the function registry: --function NAME=TARGET arguments, name and
 * ARN resolution as Lambda accepts FunctionName, dispatch of an invocation to
 * its target kind (fn_node.c, fn_http.c, fn_cmd.c; destinations in
 * fn_dest.c), and the helpers they share. It never blocks but in the
 * targets' invocations, which run on the caller's thread. */
#define _GNU_SOURCE /* memmem */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "streams/fn_internal.h"

void fn__log(fn_registry_t *r, const char *fmt, ...) {
    char line[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (r->o.log) {
        r->o.log(r->o.log_ctx, line);
    } else {
        fprintf(stderr, "%s\n", line);
    }
}

static void log_line(fn_registry_t *r, const char *request_id, const char *s, size_t n) {
    if (!request_id) {
        fn__log(r, "%.*s", (int)n, s);
        return;
    }
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    fn__log(r, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ\t%s\tINFO\t%.*s", tm.tm_year + 1900,
            tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
            request_id, (int)n, s);
}

void fn__log_lines(fn_registry_t *r, const char *request_id, char *buf, size_t *len, bool flush) {
    size_t start = 0;
    for (size_t i = 0; i < *len; i++) {
        if (buf[i] != '\n') continue;
        log_line(r, request_id, buf + start, i - start);
        start = i + 1;
    }
    if (flush && start < *len) {
        log_line(r, request_id, buf + start, *len - start);
        start = *len;
    }
    memmove(buf, buf + start, *len - start);
    *len -= start;
}

void fn__fail(fn_result_t *out, fn_outcome_t outcome, const char *type, const char *fmt, ...) {
    out->outcome = outcome;
    snprintf(out->error_type, sizeof out->error_type, "%s", type);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->error_msg, sizeof out->error_msg, fmt, ap);
    va_end(ap);
}

void fn__timed_out(fn_result_t *out, int timeout_ms) {
    /* Lambda's own words, and its error type for a timeout */
    fn__fail(out, FN_TIMEOUT, "Sandbox.Timedout", "Task timed out after %.2f seconds",
             timeout_ms / 1000.0);
}

bool fn__timeout_text(const char *text, size_t len, fn_result_t *out) {
    static const char pat[] = "Task timed out after ";
    const char *end = text + len;
    for (const char *p = text; p && (size_t)(end - p) >= sizeof pat - 1;) {
        p = memmem(p, (size_t)(end - p), pat, sizeof pat - 1);
        if (!p) break;
        const char *q = p + sizeof pat - 1, *num = q;
        while (q < end && ((*q >= '0' && *q <= '9') || *q == '.'))
            q++;
        if (q > num && end - q >= 8 && !memcmp(q, " seconds", 8)) {
            fn__fail(out, FN_TIMEOUT, "Sandbox.Timedout", "%.*s", (int)(q + 8 - p), p);
            return true;
        }
        p = q;
    }
    return false;
}

bool fn__error_body(const char *body, size_t len, const char *dflt_type, fn_result_t *out) {
    size_t i = 0;
    while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
        i++;
    /* cheap tests first: most answers are results, not errors */
    if (i == len || body[i] != '{' || !memmem(body, len, "errorMessage", 12)) return false;
    cJSON *j = cJSON_ParseWithLength(body, len);
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "errorMessage");
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "errorType");
    bool is = cJSON_IsObject(j) && m && !cJSON_IsNull(m);
    if (is) {
        char *ms = cJSON_IsString(m) ? NULL : cJSON_PrintUnformatted(m);
        const char *msg = ms ? ms : m->valuestring;
        if (!fn__timeout_text(msg, strlen(msg), out))
            fn__fail(out, FN_ERROR, cJSON_IsString(t) ? t->valuestring : dflt_type, "%s", msg);
        free(ms);
    }
    cJSON_Delete(j);
    return is;
}

char *fn__urlencode(const char *s, size_t n) {
    static const char hex[] = "0123456789ABCDEF";
    char *o = malloc(n * 3 + 1), *p = o;
    if (!o) return NULL;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            *p++ = (char)c;
        } else {
            *p++ = '%';
            *p++ = hex[c >> 4];
            *p++ = hex[c & 15];
        }
    }
    *p = 0;
    return o;
}

const char *fn__signal_name(int sig, char *buf, size_t len) {
    switch (sig) {
    case SIGKILL:
        return "killed";
    case SIGSEGV:
        return "segmentation fault";
    case SIGABRT:
        return "aborted";
    case SIGTERM:
        return "terminated";
    case SIGBUS:
        return "bus error";
    case SIGILL:
        return "illegal instruction";
    case SIGFPE:
        return "floating point exception";
    case SIGINT:
        return "interrupt";
    case SIGPIPE:
        return "broken pipe";
    }
    snprintf(buf, len, "signal %d", sig);
    return buf;
}

long long fn__now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *env_or(const char *name, const char *dflt) {
    const char *v = getenv(name);
    return strdup(v && *v ? v : dflt);
}

fn_registry_t *fn_registry_new(const fn_opts_t *o) {
    fn_registry_t *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->o = *o;
    if (!r->o.region) r->o.region = "us-east-1";
    if (!r->o.account) r->o.account = "000000000000";
    if (r->o.timeout_ms <= 0) r->o.timeout_ms = 3000;
    /* the credentials every AWS SDK reads; emulators accept any, so test/test */
    r->access_key = env_or("AWS_ACCESS_KEY_ID", "test");
    r->secret_key = env_or("AWS_SECRET_ACCESS_KEY", "test");
    const char *tok = getenv("AWS_SESSION_TOKEN");
    r->session_token = tok && *tok ? strdup(tok) : NULL;
    if (!r->access_key || !r->secret_key || fn__http_init(r)) {
        fn_registry_free(r);
        return NULL;
    }
    return r;
}

/* Lambda's function names: letters, digits, - and _, 1..64. */
static bool name_ok(const char *s, size_t n) {
    if (n < 1 || n > 64) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return true;
}

static fn_entry_t *find(fn_registry_t *r, const char *name, size_t n) {
    for (size_t i = 0; i < r->n; i++) {
        if (strlen(r->fns[i].name) == n && memcmp(r->fns[i].name, name, n) == 0) return &r->fns[i];
    }
    return NULL;
}

int fn_registry_add(fn_registry_t *r, const char *spec, char *err, size_t errlen) {
    const char *eq = strchr(spec, '=');
    if (!eq || !name_ok(spec, (size_t)(eq - spec))) {
        snprintf(err, errlen,
                 "--function %s: want NAME=node:PATH.EXPORT, NAME=http://... or "
                 "NAME=cmd:PROGRAM (NAME: 1-64 letters, digits, - or _)",
                 spec);
        return -1;
    }
    size_t nl = (size_t)(eq - spec);
    if (find(r, spec, nl)) {
        snprintf(err, errlen, "--function %.*s given twice", (int)nl, spec);
        return -1;
    }
    const char *t = eq + 1;
    fn_kind_t kind;
    const char *target;
    if (!strncmp(t, "node:", 5)) {
        kind = FN_NODE;
        target = t + 5;
    } else if (!strncmp(t, "http://", 7) || !strncmp(t, "https://", 8)) {
        kind = FN_HTTP;
        target = t;
    } else if (!strncmp(t, "cmd:", 4)) {
        kind = FN_CMD;
        target = t + 4;
    } else {
        snprintf(err, errlen, "--function %s: unknown target (node:, http://, https:// or cmd:)",
                 spec);
        return -1;
    }
    if (!*target) {
        snprintf(err, errlen, "--function %s: the target is empty", spec);
        return -1;
    }
    if (kind == FN_NODE && fn__node_check(target, err, errlen)) return -1;
    fn__node_pool_t *pool = NULL;
    if (kind == FN_NODE && !(pool = fn__node_pool_new())) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    fn_entry_t *fns = realloc(r->fns, sizeof *fns * (r->n + 1));
    if (!fns) {
        fn__node_pool_free(pool);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    r->fns = fns;
    fns[r->n] = (fn_entry_t){strndup(spec, nl), kind, strdup(target), pool};
    r->n++;
    return 0;
}

/* The function name in a FunctionName: NAME, ACCOUNT:function:NAME[:Q] or
 * arn:aws:lambda:REGION:ACCOUNT:function:NAME[:Q]. */
void fn_name_split(const char *s, const char **name, size_t *nl, const char **qual) {
    const char *p = strstr(s, "function:");
    const char *n = p ? p + 9 : s;
    const char *colon = strchr(n, ':');
    *name = n;
    *nl = colon ? (size_t)(colon - n) : strlen(n);
    *qual = colon ? colon + 1 : NULL;
}

/* fn_name_split, and whether the name is one Lambda accepts. */
static bool split_name(const char *s, const char **name, size_t *nl, const char **qual) {
    const char *p = strstr(s, "function:");
    if (p && p != s && p[-1] != ':') return false;
    fn_name_split(s, name, nl, qual);
    return name_ok(*name, *nl);
}

bool fn_resolve(fn_registry_t *r, const char *name, char *arn, size_t arn_len) {
    const char *n, *qual;
    size_t nl;
    if (!split_name(name, &n, &nl, &qual)) return false;
    if (!find(r, n, nl) && !r->o.lambda_endpoint) return false;
    snprintf(arn, arn_len, "arn:aws:lambda:%s:%s:function:%.*s%s%s", r->o.region, r->o.account,
             (int)nl, n, qual ? ":" : "", qual ? qual : "");
    return true;
}

void fn_invoke(fn_registry_t *r, const char *arn, const char *event, size_t len,
               const char *request_id, fn_result_t *out) {
    memset(out, 0, sizeof *out);
    const char *n, *qual;
    size_t nl;
    fn_entry_t *e = NULL;
    if (split_name(arn, &n, &nl, &qual)) e = find(r, n, nl);
    if (!e) {
        if (r->o.lambda_endpoint) {
            fn__lambda_invoke(r, arn, event, len, request_id, out);
        } else {
            fn__fail(out, FN_UNREACHABLE, "ResourceNotFoundException", "Function not found: %s",
                     arn);
        }
        return;
    }
    switch (e->kind) {
    case FN_NODE:
        fn__node_invoke(r, e, arn, event, len, request_id, out);
        break;
    case FN_HTTP:
        fn__http_invoke(r, e->target, event, len, request_id, out);
        break;
    case FN_CMD:
        fn__cmd_invoke(r, e, arn, event, len, request_id, out);
        break;
    }
}

void fn_result_free(fn_result_t *res) {
    free(res->body);
    res->body = NULL;
}

bool fn_destination_ok(fn_registry_t *r, const char *arn) {
    if (!strncmp(arn, "arn:aws:sqs:", 12)) return r->o.sqs_endpoint != NULL;
    if (!strncmp(arn, "arn:aws:sns:", 12)) return r->o.sns_endpoint != NULL;
    return false;
}

void fn_registry_free(fn_registry_t *r) {
    if (!r) return;
    for (size_t i = 0; i < r->n; i++) {
        free(r->fns[i].name);
        free(r->fns[i].target);
        fn__node_pool_free(r->fns[i].pool);
    }
    fn__http_free(r);
    free(r->access_key);
    free(r->secret_key);
    free(r->session_token);
    free(r->fns);
    free(r);
}
