/* dc_call: one DynamoDB or DynamoDB Streams call through libddbstreams' client transport
 * (streams/client.h), for tests and operators: the response body on stdout (exit 0), or one
 * JSON error line on stderr (exit 1). --resolve prints what the client resolved instead of
 * calling. SIGINT/SIGTERM raise the client's abort flag (the call ends with DC_EABORTED). */
#include <cjson/cJSON.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "streams/client.h"

static atomic_int stop_flag;

static void on_signal(int sig) {
    (void)sig;
    atomic_store(&stop_flag, 1);
}

static int usage(void) {
    fprintf(stderr, "usage: dc_call [--endpoint URL] [--region R] [--profile P] [--streams]\n"
                    "               [--max-attempts N] [--timeout-ms N] OP [JSON|-]\n"
                    "       dc_call [options] --resolve\n");
    return 2;
}

static int print_error(const dc_error_t *e) {
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "code", dc_code_name(e->code));
    cJSON_AddNumberToObject(j, "status", e->status);
    cJSON_AddNumberToObject(j, "attempts", e->attempts);
    cJSON_AddStringToObject(j, "type", e->type);
    cJSON_AddStringToObject(j, "message", e->message);
    char *s = cJSON_PrintUnformatted(j);
    fprintf(stderr, "%s\n", s ? s : "{\"code\":\"DC_UNKNOWN\"}");
    free(s);
    cJSON_Delete(j);
    return 1;
}

static int print_resolved(const dc_client_t *c) {
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "region", dc_region(c));
    cJSON_AddStringToObject(j, "endpoint", dc_endpoint(c, DC_DYNAMODB));
    cJSON_AddStringToObject(j, "streams_endpoint", dc_endpoint(c, DC_STREAMS));
    cJSON_AddBoolToObject(j, "custom_endpoint", dc_custom_endpoint(c));
    cJSON_AddStringToObject(j, "credentials", dc_credential_source(c));
    char *s = cJSON_PrintUnformatted(j);
    printf("%s\n", s ? s : "{}");
    free(s);
    cJSON_Delete(j);
    return 0;
}

static int read_stdin(buf_t *b) {
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
        buf_put(b, chunk, n);
    return ferror(stdin) ? -1 : 0;
}

int main(int argc, char **argv) {
    dc_options_t o = {0};
    dc_service_t svc = DC_DYNAMODB;
    int resolve = 0, i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        const char *a = argv[i];
        int has_value = i + 1 < argc;
        if (strcmp(a, "--streams") == 0)
            svc = DC_STREAMS;
        else if (strcmp(a, "--resolve") == 0)
            resolve = 1;
        else if (strcmp(a, "--endpoint") == 0 && has_value)
            o.endpoint = argv[++i];
        else if (strcmp(a, "--region") == 0 && has_value)
            o.region = argv[++i];
        else if (strcmp(a, "--profile") == 0 && has_value)
            o.profile = argv[++i];
        else if (strcmp(a, "--max-attempts") == 0 && has_value)
            o.max_attempts = atoi(argv[++i]);
        else if (strcmp(a, "--timeout-ms") == 0 && has_value)
            o.timeout_ms = atoi(argv[++i]);
        else
            return usage();
    }
    if (!resolve && (i >= argc || argc - i > 2)) return usage();
    dc_error_t err;
    dc_client_t *c = dc_open(&o, &err);
    if (!c) return print_error(&err);
    if (resolve) {
        int rc = print_resolved(c);
        dc_close(c);
        return rc;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    dc_set_abort(c, &stop_flag);
    buf_t body, resp;
    buf_init(&body);
    buf_init(&resp);
    const char *arg = i + 1 < argc ? argv[i + 1] : "{}";
    if (strcmp(arg, "-") == 0 ? read_stdin(&body) : (buf_puts(&body, arg), 0)) {
        fprintf(stderr, "dc_call: cannot read the request from stdin\n");
        return 2;
    }
    int rc = dc_call(c, svc, argv[i], buf_cstr(&body), body.len, &resp, &err);
    if (rc == 0) {
        fwrite(resp.data, 1, resp.len, stdout);
        if (resp.len && resp.data[resp.len - 1] != '\n') putchar('\n');
    } else {
        print_error(&err);
    }
    buf_free(&body);
    buf_free(&resp);
    dc_close(c);
    return rc == 0 ? 0 : 1;
}
