/* fuzz_auth.c: libFuzzer target of --auth's two input paths: the
 * credentials file (auth_keys_parse) and SigV4 verification of any request
 * (auth_verify), headers, query string and body as a client sends them.
 *
 * Input: the credentials text, a line "%%", then the request: a first line
 * "METHOD URL", header lines "Name: value", an empty line and the body.
 * Verification runs against the parsed keys when the file parsed, else
 * against a fixed key (AKIDFUZZ / secret), at a fixed "now" near the dates
 * the seeds sign with. Every outcome must be 0 or one of the four
 * signature errors with a message; anything else aborts. FUZZ_VERBOSE=1
 * prints each outcome. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/auth.h"

#define SEP "\n%%\n"
#define NOW 1735689600 /* 2025-01-01T00:00:00Z */

static const char FIXED[] = "[default]\naws_access_key_id = AKIDFUZZ\n"
                            "aws_secret_access_key = secret\n";

/* The request part into req (strings point into text, which is modified). */
static void parse_request(char *text, size_t len, http_request_t *req, http_header_t *hs,
                          size_t max) {
    char *end = text + len, *p = text;
    char *nl = memchr(p, '\n', (size_t)(end - p));
    char *line_end = nl ? nl : end;
    char *sp = memchr(p, ' ', (size_t)(line_end - p));
    *line_end = 0;
    if (sp) {
        *sp = 0;
        req->method = p;
        req->url = sp + 1;
    } else {
        req->method = "POST";
        req->url = p;
    }
    req->url_len = strlen(req->url);
    p = nl ? nl + 1 : end;
    while (p < end && *p != '\n' && req->n_headers < max) {
        nl = memchr(p, '\n', (size_t)(end - p));
        line_end = nl ? nl : end;
        char *colon = memchr(p, ':', (size_t)(line_end - p));
        if (colon) {
            char *v = colon + 1;
            while (v < line_end && *v == ' ')
                v++;
            http_header_t *h = &hs[req->n_headers++];
            *h = (http_header_t){p, (size_t)(colon - p), v, (size_t)(line_end - v)};
            if (h->name_len == 13 && !strncasecmp(p, "Authorization", 13)) {
                req->authorization = v;
                req->authorization_len = h->value_len;
            }
        }
        p = nl ? nl + 1 : end;
    }
    if (p < end && *p == '\n') p++;
    req->body = p < end ? p : NULL;
    req->body_len = (size_t)(end - p);
    req->headers = hs;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = 0;
    char *sep = strstr(text, SEP);
    size_t klen = sep ? (size_t)(sep - text) : size;
    char msg[512];
    auth_keys_t *keys = NULL;
    if (auth_keys_parse(text, klen, &keys, msg, sizeof msg)) {
        if (keys || !msg[0]) abort(); /* a refusal says why and leaves nothing */
        if (auth_keys_parse(FIXED, sizeof FIXED - 1, &keys, msg, sizeof msg)) abort();
    }
    if (sep) {
        http_request_t req = {.request_id = "fuzz"};
        http_header_t hs[64];
        char *rq = sep + strlen(SEP);
        parse_request(rq, size - (size_t)(rq - text), &req, hs, 64);
        auth_verifier_t *v = auth_verifier_create(keys);
        ddb_arena_t *a = ddb_arena_create(0);
        char region[64];
        ddb_error_t err;
        ddb_error_clear(&err);
        for (int i = 0; i < 2; i++) { /* twice: the second use hits the key cache */
            int rc = auth_verify(v, a, &req, i ? "lambda" : "dynamodb", NOW,
                                 i ? AUTH_SHOW_CANONICAL : 0, region, sizeof region, &err);
            if (rc && rc != DDB_ERR_MISSING_AUTH && rc != DDB_ERR_INCOMPLETE_SIGNATURE &&
                rc != DDB_ERR_UNRECOGNIZED_CLIENT && rc != DDB_ERR_INVALID_SIGNATURE)
                abort();
            if (rc && !err.msg[0]) abort();
            if (getenv("FUZZ_VERBOSE"))
                fprintf(stderr, "%s: %d %s\n", i ? "lambda" : "dynamodb", rc,
                        rc ? err.msg : region);
            ddb_arena_reset(a);
        }
        ddb_arena_destroy(a);
        auth_verifier_destroy(v);
    }
    auth_keys_free(keys);
    free(text);
    return 0;
}
