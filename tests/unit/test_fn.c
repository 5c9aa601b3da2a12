/* test_fn.c: the functions triggers invoke (streams/fn.h), each kind against
 * real processes: Node handlers of a Serverless Framework layout
 * (tests/functions/sls-app) through the shipped runner, commands, the HTTP
 * function server tests/functions/http_function.py as an HTTP function, a
 * Lambda Invoke endpoint (which verifies the SigV4 signature) and an
 * SQS/SNS recorder; every failure mode maps to its outcome. Needs node and
 * python3. SIGPIPE is left at its default: no invocation may raise it. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "check.h"
#include "streams/fn.h"

/* ---- the log, captured */

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static char *log_lines[4096];
static int n_log;

static void capture(void *ctx, const char *line) {
    (void)ctx;
    pthread_mutex_lock(&log_mu);
    if (n_log < 4096) log_lines[n_log++] = strdup(line);
    pthread_mutex_unlock(&log_mu);
}

static bool logged(const char *needle) {
    bool found = false;
    pthread_mutex_lock(&log_mu);
    for (int i = 0; i < n_log && !found; i++)
        found = strstr(log_lines[i], needle) != NULL;
    pthread_mutex_unlock(&log_mu);
    return found;
}

static fn_registry_t *registry(int timeout_ms, const char *lambda, const char *sqs,
                               const char *sns) {
    fn_opts_t o = {.timeout_ms = timeout_ms,
                   .lambda_endpoint = lambda,
                   .sqs_endpoint = sqs,
                   .sns_endpoint = sns,
                   .log = capture};
    fn_registry_t *r = fn_registry_new(&o);
    if (!r) abort();
    return r;
}

static void add(fn_registry_t *r, const char *spec) {
    char err[512] = "";
    int rc = fn_registry_add(r, spec, err, sizeof err);
    if (rc) fprintf(stderr, "fn_registry_add(%s): %s\n", spec, err);
    CHECK(rc == 0);
}

static fn_result_t call(fn_registry_t *r, const char *name, const char *event, const char *id) {
    char arn[256];
    fn_result_t res;
    if (!fn_resolve(r, name, arn, sizeof arn)) snprintf(arn, sizeof arn, "%s", name);
    fn_invoke(r, arn, event, strlen(event), id, &res);
    return res;
}

/* Invokes and checks the outcome (and error type, when want_type). */
static void expect(fn_registry_t *r, const char *name, const char *event, fn_outcome_t want,
                   const char *want_type, const char *want_in_msg) {
    fn_result_t res = call(r, name, event, "req-x");
    if (res.outcome != want)
        fprintf(stderr, "%s %s: outcome %d (%s: %s), want %d\n", name, event, res.outcome,
                res.error_type, res.error_msg, want);
    CHECK(res.outcome == want);
    if (want_type) CHECK_STR(res.error_type, want_type);
    if (want_in_msg && !strstr(res.error_msg, want_in_msg)) {
        fprintf(stderr, "%s: message \"%s\" lacks \"%s\"\n", name, res.error_msg, want_in_msg);
        CHECK(0);
    }
    fn_result_free(&res);
}

static cJSON *body_json(const fn_result_t *res) {
    return res->body ? cJSON_ParseWithLength(res->body, res->body_len) : NULL;
}

static const char *jstr(const cJSON *j, const char *path) {
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    const cJSON *cur = j;
    for (char *save, *k = strtok_r(buf, ".", &save); k && cur; k = strtok_r(NULL, ".", &save))
        cur = cJSON_GetObjectItemCaseSensitive(cur, k);
    return cJSON_IsString(cur) ? cur->valuestring : NULL;
}

static double jnum(const cJSON *j, const char *path) {
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    const cJSON *cur = j;
    for (char *save, *k = strtok_r(buf, ".", &save); k && cur; k = strtok_r(NULL, ".", &save))
        cur = cJSON_GetObjectItemCaseSensitive(cur, k);
    return cJSON_IsNumber(cur) ? cur->valuedouble : -1;
}

/* ---- node: */

typedef struct conc {
    fn_registry_t *r;
    double pid;
    fn_outcome_t outcome;
} conc_t;

static void *conc_call(void *arg) {
    conc_t *c = arg;
    fn_result_t res = call(c->r, "process", "{\"sleepMs\":400}", "req-conc");
    cJSON *j = body_json(&res);
    c->pid = jnum(j, "pid");
    c->outcome = res.outcome;
    cJSON_Delete(j);
    fn_result_free(&res);
    return NULL;
}

static void test_node(void) {
    fn_registry_t *r = registry(1500, NULL, NULL, NULL);
    char err[512] = "";
    CHECK(fn_registry_add(r, "nofile=node:functions/events/missing.handler", err, sizeof err));
    CHECK(strstr(err, "no handler file functions/events/missing.js") != NULL);
    CHECK(fn_registry_add(r, "noexport=node:functions/events/process", err, sizeof err));
    add(r, "process=node:functions/events/process.handler");
    add(r, "nested=node:functions/events/process.nested.inner.handler");
    add(r, "notfn=node:functions/events/process.notAFunction");
    add(r, "nope=node:functions/events/process.nope");
    add(r, "badimport=node:functions/events/badimport.handler");
    add(r, "callback=node:functions/events/callback.handler");
    add(r, "cbfails=node:functions/events/callback.fails");
    add(r, "cbstring=node:functions/events/callback.failsWithString");
    add(r, "succeed=node:functions/events/callback.succeed");
    add(r, "noanswer=node:functions/events/callback.noAnswer");
    add(r, "esm=node:functions/events/esm.handler");
    add(r, "esmpkg=node:functions/esm-pkg/handler.handler");
    add(r, "throws=node:functions/events/errors.throws");
    add(r, "throwsync=node:functions/events/errors.throwsSync");
    add(r, "rejects=node:functions/events/errors.rejects");
    add(r, "slow=node:functions/events/slow.handler");
    add(r, "exits=node:functions/events/exits.handler");
    add(r, "crashes=node:functions/events/exits.crashes");

    /* an async handler, the context Lambda gives it, its logs */
    fn_result_t res = call(r, "process", "{\"Records\":[{},{}]}", "req-1");
    CHECK(res.outcome == FN_OK);
    CHECK(res.status == 200);
    cJSON *j = body_json(&res);
    CHECK(jnum(j, "records") == 2);
    CHECK_STR(jstr(j, "context.awsRequestId"), "req-1");
    CHECK_STR(jstr(j, "context.functionName"), "process");
    CHECK_STR(jstr(j, "context.functionVersion"), "$LATEST");
    CHECK_STR(jstr(j, "context.invokedFunctionArn"),
              "arn:aws:lambda:us-east-1:000000000000:function:process");
    CHECK_STR(jstr(j, "context.memoryLimitInMB"), "128");
    CHECK_STR(jstr(j, "context.logGroupName"), "/aws/lambda/process");
    CHECK(jstr(j, "context.logStreamName") &&
          strstr(jstr(j, "context.logStreamName"), "/[$LATEST]"));
    double rem = jnum(j, "context.remaining");
    CHECK(rem > 0 && rem <= 1500);
    CHECK(cJSON_IsTrue(
        cJSON_GetObjectItem(cJSON_GetObjectItem(j, "context"), "callbackWaitsForEmptyEventLoop")));
    CHECK_STR(jstr(j, "env.AWS_LAMBDA_FUNCTION_NAME"), "process");
    double pid = jnum(j, "pid"), started = jnum(j, "started");
    cJSON_Delete(j);
    fn_result_free(&res);
    CHECK(logged("\treq-1\tINFO\trecords 2"));
    CHECK(logged("\treq-1\tWARN\tmulti\rline"));
    CHECK(logged("\tundefined\tINFO\tcold start"));
    CHECK(logged("raw stdout write"));

    /* the worker is long-lived: the same process answers again */
    res = call(r, "process", "{}", "req-2");
    j = body_json(&res);
    CHECK(res.outcome == FN_OK && jnum(j, "pid") == pid && jnum(j, "started") == started);
    cJSON_Delete(j);
    fn_result_free(&res);

    /* concurrent invocations get separate workers */
    conc_t c[3] = {{r, 0, 0}, {r, 0, 0}, {r, 0, 0}};
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, conc_call, &c[i]);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < 3; i++)
        CHECK(c[i].outcome == FN_OK && c[i].pid > 0);
    CHECK(c[0].pid != c[1].pid && c[1].pid != c[2].pid && c[0].pid != c[2].pid);

    res = call(r, "nested", "{}", "req-3");
    CHECK(res.outcome == FN_OK && res.body && !strcmp(res.body, "\"nested\""));
    fn_result_free(&res);
    expect(r, "notfn", "{}", FN_ERROR, "Runtime.HandlerNotFound",
           "process.notAFunction is not a function");
    expect(r, "nope", "{}", FN_ERROR, "Runtime.HandlerNotFound",
           "process.nope is undefined or not exported");
    expect(r, "badimport", "{}", FN_ERROR, "Runtime.ImportModuleError", "Cannot find module");

    /* callback style, ES modules */
    res = call(r, "callback", "{\"x\":7}", "req-4");
    CHECK(res.outcome == FN_OK && res.body &&
          !strcmp(res.body, "{\"style\":\"callback\",\"got\":7}"));
    fn_result_free(&res);
    expect(r, "cbfails", "{}", FN_ERROR, "RangeError", "out of range");
    expect(r, "cbstring", "{}", FN_ERROR, "string", "plain string");
    /* neither promise nor callback: null once the event loop is empty (after the timer) */
    char marker[] = "/tmp/ddb-test-fn-noanswer-XXXXXX";
    int mfd = mkstemp(marker);
    CHECK(mfd >= 0);
    if (mfd >= 0) close(mfd);
    char ev[128];
    snprintf(ev, sizeof ev, "{\"file\":\"%s\"}", marker);
    res = call(r, "noanswer", ev, "req-4b");
    CHECK(res.outcome == FN_OK && res.body && !strcmp(res.body, "null"));
    fn_result_free(&res);
    char seen[32] = "";
    FILE *mf = fopen(marker, "r");
    if (mf) {
        if (!fgets(seen, sizeof seen, mf)) seen[0] = 0;
        fclose(mf);
    }
    CHECK_STR(seen, "timer ran");
    unlink(marker);
    res = call(r, "succeed", "{}", "req-5");
    CHECK(res.outcome == FN_OK && res.body && strstr(res.body, "\"succeed\""));
    fn_result_free(&res);
    res = call(r, "esm", "{\"x\":1}", "req-6");
    CHECK(res.outcome == FN_OK && res.body && !strcmp(res.body, "{\"style\":\"esm\",\"got\":1}"));
    fn_result_free(&res);
    res = call(r, "esmpkg", "{}", "req-7");
    CHECK(res.outcome == FN_OK && res.body && strstr(res.body, "\"esm-js\""));
    fn_result_free(&res);

    /* errors: thrown, rejected; the body is Lambda's error payload */
    res = call(r, "throws", "{}", "req-8");
    CHECK(res.outcome == FN_ERROR);
    CHECK_STR(res.error_type, "ValidationError");
    CHECK_STR(res.error_msg, "bad record");
    j = body_json(&res);
    CHECK_STR(jstr(j, "errorType"), "ValidationError");
    CHECK(cJSON_IsArray(cJSON_GetObjectItem(j, "trace")));
    cJSON_Delete(j);
    fn_result_free(&res);
    expect(r, "throwsync", "{}", FN_ERROR, "Error", "sync boom");
    expect(r, "rejects", "{}", FN_ERROR, "TypeError", "rejected");

    /* past the timeout: Lambda's words; the worker is replaced */
    long long t0 = time(NULL);
    expect(r, "slow", "{}", FN_TIMEOUT, NULL, "Task timed out after 1.50 seconds");
    CHECK(time(NULL) - t0 < 10);
    CHECK(logged("\tINFO\tgoing to sleep"));
    res = call(r, "slow", "{\"sleepMs\":10}", "req-9");
    CHECK(res.outcome == FN_OK && res.body && !strcmp(res.body, "\"woke up\""));
    fn_result_free(&res);

    /* the runtime exits in the middle: Runtime.ExitError, then a fresh worker */
    expect(r, "exits", "{\"code\":3}", FN_ERROR, "Runtime.ExitError", "exit status 3");
    expect(r, "exits", "{\"code\":0}", FN_ERROR, "Runtime.ExitError",
           "Runtime exited without providing a reason");
    expect(r, "crashes", "{}", FN_ERROR, "Runtime.ExitError", "signal: killed");
    CHECK(logged("exiting with 3"));
    res = call(r, "process", "{}", "req-10");
    CHECK(res.outcome == FN_OK);
    fn_result_free(&res);
    fn_registry_free(r);
}

/* ---- cmd: */

static int count_fds(void) {
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    for (struct dirent *e; d && (e = readdir(d));)
        n += e->d_name[0] != '.';
    if (d) closedir(d);
    return n;
}

static void test_cmd(void) {
    /* 3 s: python3 starts within the timeout even on a loaded machine */
    fn_registry_t *r = registry(3000, NULL, NULL, NULL);
    add(r, "c=cmd:python3 ../cmd_function.py a 'b c'");
    add(r, "noread=cmd:python3 ../cmd_function.py --noread");
    add(r, "nosuch=cmd:/no/such/program");
    int fds = count_fds();
    fn_result_t res = call(r, "c", "{\"Records\":[{}]}", "req-c1");
    CHECK(res.outcome == FN_OK && res.status == 200);
    cJSON *j = body_json(&res);
    CHECK(jnum(j, "records") == 1);
    CHECK_STR(jstr(j, "fn"), "c");
    const cJSON *args = cJSON_GetObjectItem(j, "args");
    CHECK(cJSON_GetArraySize(args) == 2);
    CHECK_STR(cJSON_GetArrayItem(args, 1)->valuestring, "b c");
    cJSON_Delete(j);
    fn_result_free(&res);
    CHECK(logged("\treq-c1\tINFO\tcmd got 1 records"));

    expect(r, "c", "{\"exit\":2}", FN_ERROR, "CmdError", "asked to exit");
    /* /bin/sh reports its child's SIGKILL as exit status 137 */
    expect(r, "c", "{\"crash\":true}", FN_ERROR, "Runtime.ExitError", "exit status 137");
    expect(r, "nosuch", "{}", FN_ERROR, "Runtime.ExitError", "exit status 127");
    long long t0 = time(NULL);
    expect(r, "c", "{\"sleep\":20}", FN_TIMEOUT, NULL, "Task timed out after 3.00 seconds");
    CHECK(time(NULL) - t0 < 10);

    /* a program that never reads a large event: no SIGPIPE, an answer */
    size_t big = 4u << 20;
    char *ev = malloc(big + 16);
    memset(ev, ' ', big);
    memcpy(ev, "{\"Records\":[]}", 14);
    fn_result_t r2;
    fn_invoke(r, "arn:aws:lambda:us-east-1:000000000000:function:noread", ev, big, "req-c2", &r2);
    CHECK(r2.outcome == FN_OK && r2.body && strstr(r2.body, "unread"));
    fn_result_free(&r2);
    free(ev);

    /* nothing left behind: descriptors closed, children reaped */
    CHECK(count_fds() == fds);
    int st;
    CHECK(waitpid(-1, &st, WNOHANG) <= 0);
    fn_registry_free(r);
}

/* ---- the HTTP function server */

static pid_t server_pid;
static char base[64];

static void start_server(void) {
    int p[2];
    if (pipe(p)) abort();
    server_pid = fork();
    if (server_pid == 0) {
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        execlp("python3", "python3", "../http_function.py", "0", (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    char line[32] = "";
    FILE *f = fdopen(p[0], "r");
    if (!fgets(line, sizeof line, f)) {
        fprintf(stderr, "http_function.py did not start\n");
        exit(1);
    }
    fclose(f);
    snprintf(base, sizeof base, "http://127.0.0.1:%d", atoi(line));
}

static size_t grow(char *d, size_t s, size_t n, void *ud) {
    char **b = ud;
    size_t old = *b ? strlen(*b) : 0;
    *b = realloc(*b, old + s * n + 1);
    memcpy(*b + old, d, s * n);
    (*b)[old + s * n] = 0;
    return s * n;
}

/* method on base+path with body; the answer's text (malloc'd). */
static char *ctl(const char *method, const char *path, const char *body) {
    char url[256], *out = NULL;
    snprintf(url, sizeof url, "%s%s", base, path);
    CURL *h = curl_easy_init();
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    if (body) curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, grow);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &out);
    CHECK(curl_easy_perform(h) == CURLE_OK);
    curl_easy_cleanup(h);
    return out;
}

static void control(const char *json) {
    free(ctl("POST", "/control", json));
}

/* The last recorded invocation (or message), parsed. */
static cJSON *last(const char *what) {
    char *t = ctl("GET", what, NULL);
    cJSON *a = cJSON_Parse(t);
    free(t);
    cJSON *e = cJSON_Duplicate(cJSON_GetArrayItem(a, cJSON_GetArraySize(a) - 1), 1);
    cJSON_Delete(a);
    return e;
}

static void test_http(void) {
    fn_registry_t *r = registry(1500, NULL, NULL, NULL);
    char spec[256];
    snprintf(spec, sizeof spec, "web=%s/2015-03-31/functions/function/invocations", base);
    add(r, spec);
    add(r, "dead=http://127.0.0.1:1/invocations");
    const char *ev = "{\"Records\":[{\"dynamodb\":{\"SequenceNumber\":\"100\"}},"
                     "{\"dynamodb\":{\"SequenceNumber\":\"200\"}}]}";
    control("{}");
    fn_result_t res = call(r, "web", ev, "req-h1");
    CHECK(res.outcome == FN_OK && res.status == 200);
    CHECK(res.body && !strcmp(res.body, "{\"batchItemFailures\": []}"));
    fn_result_free(&res);
    cJSON *e = last("/events");
    CHECK_STR(jstr(e, "path"), "/2015-03-31/functions/function/invocations");
    CHECK_STR(jstr(e, "headers.Content-Type"), "application/json");
    CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(e, "body"), "Records")) == 2);
    double peer = jnum(e, "peer");
    cJSON_Delete(e);
    /* the connection is reused: the next call comes from the same client port */
    res = call(r, "web", ev, "req-h1b");
    CHECK(res.outcome == FN_OK);
    fn_result_free(&res);
    e = last("/events");
    CHECK(peer > 0 && jnum(e, "peer") == peer);
    cJSON_Delete(e);

    control("{\"mode\":\"fail\"}");
    expect(r, "web", ev, FN_ERROR, "Error", "told to fail");
    control("{\"mode\":\"fail\",\"status\":502}");
    expect(r, "web", ev, FN_ERROR, "Error", "told to fail");
    control("{\"mode\":\"crash\",\"status\":502}");
    expect(r, "web", ev, FN_ERROR, "Unhandled", "HTTP 502");
    control("{\"mode\":\"crash\"}");
    expect(r, "web", ev, FN_ERROR, "Runtime.ExitError", "without an answer");
    control("{\"body\":\"{\\\"errorType\\\":\\\"Boom\\\",\\\"errorMessage\\\":\\\"bad\\\"}\"}");
    expect(r, "web", ev, FN_ERROR, "Boom", "bad");
    control("{\"body\":\"{\\\"errorMessage\\\":\\\"only a message\\\"}\"}");
    expect(r, "web", ev, FN_ERROR, "Unhandled", "only a message");
    control("{\"mode\":\"timeout\"}");
    expect(r, "web", ev, FN_TIMEOUT, NULL, "Task timed out after 3.00 seconds");
    control("{\"body\":\"Task timed out after 5.00 seconds\"}");
    expect(r, "web", ev, FN_TIMEOUT, NULL, "Task timed out after 5.00 seconds");
    control("{\"delay_ms\":4000}");
    expect(r, "web", ev, FN_TIMEOUT, NULL, "Task timed out after 1.50 seconds");
    control("{\"body\":\"\"}");
    res = call(r, "web", ev, "req-h2");
    CHECK(res.outcome == FN_OK && res.body_len == 0);
    fn_result_free(&res);
    control("{\"mode\":\"partial\",\"fail_ids\":[\"200\",\"999\"]}");
    res = call(r, "web", ev, "req-h3");
    CHECK(res.outcome == FN_OK && res.body &&
          !strcmp(res.body, "{\"batchItemFailures\": [{\"itemIdentifier\": \"200\"}]}"));
    fn_result_free(&res);
    control("{\"mode\":\"fail\",\"fail_count\":1}");
    expect(r, "web", ev, FN_ERROR, "Error", NULL);
    expect(r, "web", ev, FN_OK, NULL, NULL);
    control("{\"fail_if_contains\":\"\\\"200\\\"\"}");
    expect(r, "web", ev, FN_ERROR, NULL, NULL);
    expect(r, "web", "{\"Records\":[{\"dynamodb\":{\"SequenceNumber\":\"100\"}}]}", FN_OK, NULL,
           NULL);
    expect(r, "dead", ev, FN_UNREACHABLE, NULL, NULL);
    expect(r, "unknown", ev, FN_UNREACHABLE, "ResourceNotFoundException", NULL);
    control("{}");
    fn_registry_free(r);
}

static void test_lambda(void) {
    fn_registry_t *r = registry(1500, base, NULL, NULL);
    add(r, "local=cmd:python3 ../cmd_function.py");
    char arn[256];
    CHECK(fn_resolve(r, "remote", arn, sizeof arn));
    CHECK_STR(arn, "arn:aws:lambda:us-east-1:000000000000:function:remote");
    control("{}");
    expect(r, "remote", "{\"Records\":[]}", FN_OK, NULL, NULL); /* 403 if the signature were off */
    cJSON *e = last("/events");
    CHECK_STR(jstr(e, "function"), "remote");
    CHECK(cJSON_IsNull(cJSON_GetObjectItem(e, "qualifier")));
    CHECK(jstr(e, "headers.Authorization") &&
          strstr(jstr(e, "headers.Authorization"), "/us-east-1/lambda/aws4_request"));
    cJSON_Delete(e);
    expect(r, "arn:aws:lambda:us-east-1:000000000000:function:remote:prod", "{}", FN_OK, NULL,
           NULL);
    e = last("/events");
    CHECK_STR(jstr(e, "qualifier"), "prod");
    cJSON_Delete(e);
    /* a name given with --function does not go to the endpoint */
    expect(r, "local", "{}", FN_OK, NULL, NULL);
    e = last("/events");
    CHECK_STR(jstr(e, "qualifier"), "prod");
    cJSON_Delete(e);
    control("{\"mode\":\"fail\"}");
    expect(r, "remote", "{}", FN_ERROR, "Error", "told to fail");
    control("{\"mode\":\"timeout\"}");
    expect(r, "remote", "{}", FN_TIMEOUT, NULL, "Task timed out after 3.00 seconds");
    control("{}");
    expect(r, "missing", "{}", FN_UNREACHABLE, "ResourceNotFoundException",
           "Function not found: missing");
    fn_registry_free(r);

    /* the endpoint really checks the signature: a wrong secret is refused */
    setenv("AWS_SECRET_ACCESS_KEY", "wrong", 1);
    r = registry(1500, base, NULL, NULL);
    unsetenv("AWS_SECRET_ACCESS_KEY");
    expect(r, "remote", "{}", FN_UNREACHABLE, "InvalidSignatureException", "signature mismatch");
    fn_registry_free(r);
}

static void test_destinations(void) {
    fn_registry_t *r = registry(1500, NULL, base, base);
    char err[256] = "";
    const char *rec =
        "{\"requestContext\":{\"condition\":\"RetryAttemptsExhausted\"},\"x\":\"a&b=c\"}";
    CHECK(fn_destination_ok(r, "arn:aws:sqs:us-east-1:000000000000:dlq"));
    CHECK(fn_send_destination(r, "arn:aws:sqs:us-east-1:000000000000:dlq", rec, strlen(rec), err,
                              sizeof err) == 0);
    cJSON *m = last("/messages");
    CHECK_STR(jstr(m, "path"), "/000000000000/dlq");
    CHECK_STR(jstr(m, "form.Action"), "SendMessage");
    CHECK_STR(jstr(m, "form.Version"), "2012-11-05");
    char q[128];
    snprintf(q, sizeof q, "%s/000000000000/dlq", base);
    CHECK_STR(jstr(m, "form.QueueUrl"), q);
    CHECK_STR(jstr(m, "form.MessageBody"), rec);
    CHECK(strstr(jstr(m, "authorization"), "/us-east-1/sqs/aws4_request") != NULL);
    cJSON_Delete(m);
    CHECK(fn_send_destination(r, "arn:aws:sns:eu-west-1:000000000000:alerts", rec, strlen(rec), err,
                              sizeof err) == 0);
    m = last("/messages");
    CHECK_STR(jstr(m, "form.Action"), "Publish");
    CHECK_STR(jstr(m, "form.TopicArn"), "arn:aws:sns:eu-west-1:000000000000:alerts");
    CHECK_STR(jstr(m, "form.Message"), rec);
    CHECK(strstr(jstr(m, "authorization"), "/eu-west-1/sns/aws4_request") != NULL);
    cJSON_Delete(m);
    CHECK(fn_send_destination(r, "arn:aws:s3:::bucket", rec, strlen(rec), err, sizeof err) == -1);
    CHECK(strstr(err, "not an SQS queue or SNS topic") != NULL);
    fn_registry_free(r);

    r = registry(1500, NULL, "http://127.0.0.1:1", NULL);
    CHECK(!fn_destination_ok(r, "arn:aws:sns:us-east-1:000000000000:alerts"));
    CHECK(fn_send_destination(r, "arn:aws:sqs:us-east-1:000000000000:dlq", rec, strlen(rec), err,
                              sizeof err) == -1);
    CHECK(strstr(err, "cannot send to arn:aws:sqs") != NULL);
    CHECK(fn_send_destination(r, "arn:aws:sns:us-east-1:000000000000:t", rec, strlen(rec), err,
                              sizeof err) == -1);
    CHECK(strstr(err, "no --sns-endpoint") != NULL);
    fn_registry_free(r);
}

int main(void) {
    if (chdir(DDB_SOURCE_DIR "/tests/functions/sls-app")) {
        perror("chdir");
        return 1;
    }
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    unsetenv("AWS_SESSION_TOKEN");
    test_node();
    test_cmd();
    start_server();
    test_http();
    test_lambda();
    test_destinations();
    kill(server_pid, SIGTERM);
    waitpid(server_pid, NULL, 0);
    for (int i = 0; i < n_log; i++)
        free(log_lines[i]);
    curl_global_cleanup();
    return check_summary();
}
