/* auth_verify.c: what --auth adds to each request. Signs a GetItem request the way boto3 does
 * (the same headers, a realistic body), then times auth_verify on it in a loop: header copy,
 * parsing, the cached signing key, canonical request, two SHA-256 and the HMAC. Prints
 * nanoseconds per verification, to set against a GetItem's per-request cost measured with wrk.
 * Usage: auth_verify [ITERATIONS] (default 200000). Never touches the network or a disk. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "query/sigv4.h"
#include "server/auth.h"

#define BODY                                                                                       \
    "{\"TableName\": \"bench\", \"Key\": {\"pk\": {\"S\": \"user#000042\"}}, \"ConsistentRead\": " \
    "false}"

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static http_header_t hdr(const char *name, const char *value) {
    return (http_header_t){name, strlen(name), value, strlen(value)};
}

int main(int argc, char **argv) {
    long iters = argc > 1 ? atol(argv[1]) : 200000;
    char path[] = "/tmp/ddb-auth-bench-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return perror("mkstemp"), 1;
    const char *ini = "[default]\naws_access_key_id = AKIDBENCH\n"
                      "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n";
    if (write(fd, ini, strlen(ini)) != (ssize_t)strlen(ini)) return perror("write"), 1;
    close(fd);
    auth_keys_t *keys;
    char msg[256];
    int rc = auth_keys_load(path, &keys, msg, sizeof msg);
    unlink(path);
    if (rc) return fprintf(stderr, "auth_verify: %s\n", msg), 1;
    auth_verifier_t *v = auth_verifier_create(keys);
    ddb_arena_t *arena = ddb_arena_create(0);

    /* the headers boto3 sends with a GetItem, in its order */
    char amz_date[17];
    int64_t now = (int64_t)time(NULL);
    ddb_sigv4_format_date(now, amz_date);
    char clen[16];
    snprintf(clen, sizeof clen, "%zu", strlen(BODY));
    http_header_t h[10] = {
        hdr("Host", "127.0.0.1:8000"),
        hdr("Accept-Encoding", "identity"),
        hdr("X-Amz-Target", "DynamoDB_20120810.GetItem"),
        hdr("Content-Type", "application/x-amz-json-1.0"),
        hdr("User-Agent",
            "Boto3/1.34.46 md/Botocore#1.34.46 ua/2.0 os/linux#6.1.0 "
            "md/arch#x86_64 lang/python#3.11.2 md/pyimpl#CPython cfg/retry-mode#legacy"),
        hdr("X-Amz-Date", amz_date),
        hdr("amz-sdk-invocation-id", "4c2ad4b5-0f43-4a4e-9b39-51d4a0b16a0e"),
        hdr("amz-sdk-request", "attempt=1"),
        hdr("Content-Length", clen),
    };
    size_t nh = 9;
    ddb_sigv4_header_t sh[9];
    for (size_t i = 0; i < nh; i++)
        sh[i] = (ddb_sigv4_header_t){h[i].name, h[i].name_len, h[i].value, h[i].value_len};
    ddb_sigv4_request_t sreq = {.method = "POST",
                                .method_len = 4,
                                .path = "/",
                                .path_len = 1,
                                .headers = sh,
                                .n_headers = nh,
                                .payload = BODY,
                                .payload_len = strlen(BODY)};
    const char *secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    ddb_sigv4_credentials_t cred = {"AKIDBENCH", 9, secret, strlen(secret), NULL, 0, NULL};
    ddb_sigv4_scope_t scope = {amz_date, "us-east-1", 9, "dynamodb", 8};
    ddb_sigv4_signed_t out;
    if (ddb_sigv4_sign(arena, &sreq, &cred, &scope, &out)) return fprintf(stderr, "sign\n"), 1;
    char *authz = strdup(out.authorization);
    h[nh++] = hdr("Authorization", authz);
    http_request_t req = {.method = "POST",
                          .url = "/",
                          .url_len = 1,
                          .authorization = authz,
                          .authorization_len = strlen(authz),
                          .body = BODY,
                          .body_len = strlen(BODY),
                          .headers = h,
                          .n_headers = nh};

    char region[64];
    ddb_error_t err;
    double t0 = now_s();
    for (long i = 0; i < iters; i++) {
        ddb_arena_reset(arena);
        if (auth_verify(v, arena, &req, "dynamodb", now, 0, region, sizeof region, &err)) {
            fprintf(stderr, "auth_verify: %s\n", err.msg);
            return 1;
        }
    }
    double dt = now_s() - t0;
    printf("auth_verify: %ld verifications of a signed GetItem in %.3f s: %.0f ns each "
           "(%.0f per second on one core)\n",
           iters, dt, dt / (double)iters * 1e9, (double)iters / dt);
    free(authz);
    ddb_arena_destroy(arena);
    auth_verifier_destroy(v);
    auth_keys_free(keys);
    return 0;
}
