/* fn.c: the function registry: --function NAME=TARGET arguments, name and
 * ARN resolution as Lambda accepts FunctionName, and dispatch of an
 * invocation to its target kind. SKELETON: invocation of each kind and the
 * destinations are being written (fn_invoke answers FN_UNREACHABLE). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "streams/fn.h"

typedef enum fn_kind { FN_NODE = 1, FN_HTTP, FN_CMD } fn_kind_t;

typedef struct fn_entry {
    char *name;
    fn_kind_t kind;
    char *target; /* after the scheme: PATH.EXPORT, the URL, the program */
} fn_entry_t;

struct fn_registry {
    fn_opts_t o;
    fn_entry_t *fns;
    size_t n;
};

fn_registry_t *fn_registry_new(const fn_opts_t *o) {
    fn_registry_t *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->o = *o;
    if (!r->o.region) r->o.region = "us-east-1";
    if (!r->o.account) r->o.account = "000000000000";
    if (r->o.timeout_ms <= 0) r->o.timeout_ms = 3000;
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
    fn_entry_t *fns = realloc(r->fns, sizeof *fns * (r->n + 1));
    if (!fns) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    r->fns = fns;
    fns[r->n] = (fn_entry_t){strndup(spec, nl), kind, strdup(target)};
    r->n++;
    return 0;
}

/* The function name in a FunctionName: NAME, ACCOUNT:function:NAME[:Q] or
 * arn:aws:lambda:REGION:ACCOUNT:function:NAME[:Q]. */
static bool split_name(const char *s, const char **name, size_t *nl, const char **qual) {
    const char *p = strstr(s, "function:");
    const char *n = p ? p + 9 : s;
    if (p && p != s && p[-1] != ':') return false;
    const char *colon = strchr(n, ':');
    *name = n;
    *nl = colon ? (size_t)(colon - n) : strlen(n);
    *qual = colon ? colon + 1 : NULL;
    return name_ok(n, *nl);
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
    (void)r, (void)arn, (void)event, (void)len, (void)request_id;
    memset(out, 0, sizeof *out);
    out->outcome = FN_UNREACHABLE;
    snprintf(out->error_msg, sizeof out->error_msg, "invocation not implemented yet");
}

void fn_result_free(fn_result_t *res) {
    free(res->body);
    res->body = NULL;
}

int fn_send_destination(fn_registry_t *r, const char *arn, const char *json, size_t len, char *err,
                        size_t errlen) {
    (void)r, (void)arn, (void)json, (void)len;
    snprintf(err, errlen, "destinations not implemented yet");
    return -1;
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
    }
    free(r->fns);
    free(r);
}
