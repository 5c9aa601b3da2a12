/* client_creds.c: the standard AWS credential chain of the client transport: environment,
 * profile files (static keys, credential_process run through /bin/sh -c), the container
 * credentials endpoint, EC2 instance metadata (IMDSv2). Reads the environment and files, runs
 * one process or makes a few short-timeout HTTP requests; never prints, never caches (the
 * client refreshes by resolving again), never follows role_arn or SSO settings. */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "streams/client_int.h"

extern char **environ;

#define VALUE_CAP       1024
#define BODY_MAX        (1 << 20) /* credential documents are a few hundred bytes */
#define PROCESS_TIMEOUT 60000     /* ms a credential_process may take */
#define CONTAINER_MS    2000
#define IMDS_MS         1000
#define IMDS_DEFAULT    "http://169.254.169.254"
#define CONTAINER_HOST  "http://169.254.170.2"

void dc_credentials_free(dc_credentials_t *c) {
    if (!c) return;
    free(c->access_key_id);
    free(c->secret);
    free(c->session_token);
    memset(c, 0, sizeof *c);
}

int dc__credentials_set(dc_credentials_t *out, const char *akid, const char *secret,
                        const char *token, int64_t expires, const char *source, dc_error_t *err) {
    dc_credentials_free(out);
    out->access_key_id = strdup(akid);
    out->secret = strdup(secret);
    out->session_token = token && *token ? strdup(token) : NULL;
    out->expires = expires;
    snprintf(out->source, sizeof out->source, "%s", source);
    if (out->access_key_id && out->secret && (!token || !*token || out->session_token)) return 0;
    dc_credentials_free(out);
    return dc__fail(err, DC_ECONFIG, "out of memory");
}

/* ISO 8601 "2024-01-01T00:00:00Z" (fraction and a +hh:mm offset allowed) as epoch seconds. */
static int parse_iso8601(const char *s, int64_t *out) {
    struct tm tm = {0};
    int n = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec, &n) != 6)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    const char *p = s + n;
    if (*p == '.')
        while (isdigit((unsigned char)*++p)) {
        }
    int64_t off = 0;
    int oh, om;
    if ((*p == '+' || *p == '-') && sscanf(p + 1, "%2d:%2d", &oh, &om) == 2)
        off = (*p == '+' ? 1 : -1) * (int64_t)(oh * 3600 + om * 60);
    else if (*p != 'Z' && *p != 'z' && *p != 0)
        return -1;
    *out = (int64_t)timegm(&tm) - off;
    return 0;
}

static const char *jstr(const cJSON *o, const char *name) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : NULL;
}

/* A credential document (credential_process', the container's, IMDS'): AccessKeyId,
 * SecretAccessKey, the token under token_key, an optional Expiration. */
static int creds_from_json(const char *body, size_t len, const char *token_key, const char *source,
                           dc_credentials_t *out, dc_error_t *err) {
    cJSON *j = cJSON_ParseWithLength(body, len);
    if (!cJSON_IsObject(j)) {
        cJSON_Delete(j);
        return dc__fail(err, DC_ECONFIG, "%s credentials: not a JSON object", source);
    }
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(j, "Version");
    const char *code = jstr(j, "Code");
    const char *akid = jstr(j, "AccessKeyId"), *secret = jstr(j, "SecretAccessKey");
    const char *exp = jstr(j, "Expiration");
    int64_t expires = 0;
    int rc;
    if (strcmp(source, "process") == 0 && (!cJSON_IsNumber(ver) || ver->valuedouble != 1))
        rc = dc__fail(err, DC_ECONFIG, "credential_process: Version must be 1");
    else if (code && strcmp(code, "Success") != 0)
        rc = dc__fail(err, DC_ECONFIG, "%s credentials: Code %.100s", source, code);
    else if (!akid || !secret)
        rc = dc__fail(err, DC_ECONFIG, "%s credentials: no AccessKeyId or SecretAccessKey", source);
    else if (exp && parse_iso8601(exp, &expires) != 0)
        rc = dc__fail(err, DC_ECONFIG, "%s credentials: bad Expiration \"%.64s\"", source, exp);
    else
        rc = dc__credentials_set(out, akid, secret, jstr(j, token_key), expires, source, err);
    cJSON_Delete(j);
    return rc;
}

/* ---- environment ---- */

static int from_env(dc_credentials_t *out, dc_error_t *err, int *got) {
    const char *akid = getenv("AWS_ACCESS_KEY_ID"), *secret = getenv("AWS_SECRET_ACCESS_KEY");
    int has_a = akid && *akid, has_s = secret && *secret;
    if (!has_a && !has_s) return 0;
    *got = 1;
    if (!has_a || !has_s)
        return dc__fail(err, DC_ECONFIG, "partial credentials in the environment: %s is not set",
                        has_a ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
    const char *token = getenv("AWS_SESSION_TOKEN");
    if (!token || !*token) token = getenv("AWS_SECURITY_TOKEN");
    return dc__credentials_set(out, akid, secret, token, 0, "env", err);
}

/* ---- credential_process ---- */

/* Runs cmd through /bin/sh -c with its stdout into b, within PROCESS_TIMEOUT. */
static int run_process(const char *cmd, buf_t *b, dc_error_t *err) {
    int fd[2];
    if (pipe(fd) != 0)
        return dc__fail(err, DC_ECONFIG, "credential_process: pipe: %s", strerror(errno));
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fd[1], 1);
    posix_spawn_file_actions_addclose(&fa, fd[0]);
    posix_spawn_file_actions_addclose(&fa, fd[1]);
    char *argv[] = {"/bin/sh", "-c", (char *)cmd, NULL};
    pid_t pid;
    int rc = posix_spawn(&pid, "/bin/sh", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fd[1]);
    if (rc != 0) {
        close(fd[0]);
        return dc__fail(err, DC_ECONFIG, "credential_process: %s", strerror(rc));
    }
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int timed_out = 0;
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        long left =
            PROCESS_TIMEOUT - ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
        struct pollfd p = {fd[0], POLLIN, 0};
        if (left <= 0 || poll(&p, 1, (int)left) == 0) {
            timed_out = 1;
            break;
        }
        char chunk[4096];
        ssize_t n = read(fd[0], chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        if (b->len + (size_t)n <= BODY_MAX) buf_put(b, chunk, (size_t)n);
    }
    close(fd[0]);
    if (timed_out) kill(pid, SIGKILL);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    if (timed_out)
        return dc__fail(err, DC_ECONFIG, "credential_process timed out after %d s",
                        PROCESS_TIMEOUT / 1000);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return dc__fail(err, DC_ECONFIG, "credential_process failed (exit status %d)",
                        WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
    return 0;
}

static int from_process(const char *cmd, dc_credentials_t *out, dc_error_t *err) {
    buf_t b;
    buf_init(&b);
    int rc = run_process(cmd, &b, err);
    if (rc == 0)
        rc = creds_from_json(b.data ? b.data : "", b.len, "SessionToken", "process", out, err);
    buf_free(&b);
    return rc;
}

/* ---- profiles ---- */

static int unsupported(const char *name, dc_error_t *err, int *got) {
    static const char *const role[] = {"role_arn", "source_profile", "credential_source",
                                       "web_identity_token_file"};
    static const char *const sso[] = {"sso_session", "sso_start_url", "sso_account_id"};
    char v[VALUE_CAP];
    for (size_t i = 0; i < sizeof role / sizeof *role; i++)
        if (dc_profile_get(name, role[i], v, sizeof v)) {
            *got = 1;
            return dc__fail(err, DC_ECONFIG,
                            "profile %s: %s (STS AssumeRole) is not supported by ddbstreams; "
                            "give the profile static keys or a credential_process",
                            name, role[i]);
        }
    for (size_t i = 0; i < sizeof sso / sizeof *sso; i++)
        if (dc_profile_get(name, sso[i], v, sizeof v)) {
            *got = 1;
            return dc__fail(err, DC_ECONFIG,
                            "profile %s: %s (IAM Identity Center / SSO) is not supported by "
                            "ddbstreams; give the profile static keys or a credential_process",
                            name, sso[i]);
        }
    return 0;
}

static int from_profile(const char *profile, dc_credentials_t *out, dc_error_t *err, int *got) {
    const char *name = dc__profile_name(profile);
    if (!dc_profile_get(name, NULL, NULL, 0)) {
        if (strcmp(name, "default") == 0) return 0;
        char cp[VALUE_CAP], fp[VALUE_CAP];
        dc__credentials_path(cp, sizeof cp);
        dc__config_path(fp, sizeof fp);
        *got = 1;
        return dc__fail(err, DC_ECONFIG, "profile %.100s not found in %.150s or %.150s", name, cp,
                        fp);
    }
    char akid[VALUE_CAP], secret[VALUE_CAP], token[4 * VALUE_CAP] = "", cmd[VALUE_CAP];
    int has_a = dc_profile_get(name, "aws_access_key_id", akid, sizeof akid) && *akid;
    int has_s = dc_profile_get(name, "aws_secret_access_key", secret, sizeof secret) && *secret;
    if (has_a || has_s) {
        *got = 1;
        if (!has_a || !has_s)
            return dc__fail(err, DC_ECONFIG, "profile %s: %s is missing", name,
                            has_a ? "aws_secret_access_key" : "aws_access_key_id");
        if (!dc_profile_get(name, "aws_session_token", token, sizeof token))
            dc_profile_get(name, "aws_security_token", token, sizeof token);
        char source[64];
        snprintf(source, sizeof source, "profile:%.50s", name);
        return dc__credentials_set(out, akid, secret, token, 0, source, err);
    }
    if (dc_profile_get(name, "credential_process", cmd, sizeof cmd) && *cmd) {
        *got = 1;
        return from_process(cmd, out, err);
    }
    return unsupported(name, err, got);
}

/* ---- HTTP, for the container and instance metadata endpoints ---- */

static size_t on_body(char *p, size_t size, size_t n, void *ud) {
    buf_t *b = ud;
    if (b->len + size * n > BODY_MAX) return 0;
    buf_put(b, p, size * n);
    return size * n;
}

/* One request, never through a proxy (the endpoints are link-local or loopback). Returns 0
 * with the status (any) and body, or -1 with the transport's error in why. */
static int http_fetch(const char *method, const char *url, const char *header, long timeout_ms,
                      buf_t *body, long *status, char why[CURL_ERROR_SIZE]) {
    dc__curl_global();
    CURL *h = curl_easy_init();
    if (!h) {
        snprintf(why, CURL_ERROR_SIZE, "out of memory");
        return -1;
    }
    struct curl_slist *hl = header ? curl_slist_append(NULL, header) : NULL;
    why[0] = 0;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    if (strcmp(method, "PUT") == 0) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, why);
    CURLcode cc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
    if (cc != CURLE_OK && !why[0]) snprintf(why, CURL_ERROR_SIZE, "%s", curl_easy_strerror(cc));
    curl_slist_free_all(hl);
    curl_easy_cleanup(h);
    return cc == CURLE_OK ? 0 : -1;
}

/* ---- the container endpoint (ECS, EKS Pod Identity) ---- */

/* AWS_CONTAINER_CREDENTIALS_FULL_URI over plain http must stay on this machine or on the
 * container agents' link-local addresses, as the SDKs require. */
static int full_uri_allowed(const char *u) {
    if (strncmp(u, "https://", 8) == 0) return 1;
    if (strncmp(u, "http://", 7) != 0) return 0;
    const char *h = u + 7;
    size_t n = h[0] == '[' ? strcspn(h, "]") + 1 : strcspn(h, ":/");
    static const char *const ok[] = {"localhost", "[::1]", "169.254.170.2", "169.254.170.23",
                                     "[fd00:ec2::23]"};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
        if (strlen(ok[i]) == n && strncasecmp(h, ok[i], n) == 0) return 1;
    return strncmp(h, "127.", 4) == 0;
}

static int container_token(char *out, size_t cap, dc_error_t *err) {
    out[0] = 0;
    const char *file = getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    const char *tok = getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN");
    if (file && *file) {
        FILE *f = fopen(file, "r");
        if (!f)
            return dc__fail(err, DC_ECONFIG, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE %.200s: %s",
                            file, strerror(errno));
        size_t n = fread(out, 1, cap - 1, f);
        fclose(f);
        out[n] = 0;
        while (n > 0 && isspace((unsigned char)out[n - 1]))
            out[--n] = 0;
    } else if (tok && *tok) {
        snprintf(out, cap, "%s", tok);
    }
    if (strpbrk(out, "\r\n"))
        return dc__fail(err, DC_ECONFIG, "the container authorization token holds a newline");
    return 0;
}

static int from_container(dc_credentials_t *out, dc_error_t *err, int *got) {
    const char *rel = getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    const char *full = getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    if ((!rel || !*rel) && (!full || !*full)) return 0;
    *got = 1;
    char url[2 * VALUE_CAP], tok[4 * VALUE_CAP], hdr[4 * VALUE_CAP + 32], why[CURL_ERROR_SIZE];
    if (rel && *rel) {
        snprintf(url, sizeof url, "%s%s%s", CONTAINER_HOST, rel[0] == '/' ? "" : "/", rel);
    } else {
        if (!full_uri_allowed(full))
            return dc__fail(err, DC_ECONFIG,
                            "AWS_CONTAINER_CREDENTIALS_FULL_URI %.200s: plain http is allowed "
                            "only to loopback or the container agent's addresses",
                            full);
        snprintf(url, sizeof url, "%s", full);
    }
    int rc = container_token(tok, sizeof tok, err);
    if (rc) return rc;
    snprintf(hdr, sizeof hdr, "Authorization: %s", tok);
    buf_t b;
    buf_init(&b);
    long status = 0;
    if (http_fetch("GET", url, tok[0] ? hdr : NULL, CONTAINER_MS, &b, &status, why) != 0)
        rc = dc__fail(err, DC_ECONFIG, "container credentials %.200s: %s", url, why);
    else if (status != 200)
        rc = dc__fail(err, DC_ECONFIG, "container credentials %.200s: HTTP %ld", url, status);
    else
        rc = creds_from_json(b.data ? b.data : "", b.len, "Token", "container", out, err);
    buf_free(&b);
    return rc;
}

/* ---- EC2 instance metadata, IMDSv2 ---- */

/* GET base+path with the session token; 0 with the 200 body in b, else -1 (why set). */
static int imds_get(const char *base, const char *path, const char *token, buf_t *b,
                    char why[CURL_ERROR_SIZE]) {
    char url[2 * VALUE_CAP], hdr[VALUE_CAP + 64];
    snprintf(url, sizeof url, "%s%s", base, path);
    snprintf(hdr, sizeof hdr, "X-aws-ec2-metadata-token: %s", token);
    long status = 0;
    buf_reset(b);
    if (http_fetch("GET", url, hdr, IMDS_MS, b, &status, why) != 0) return -1;
    if (status == 200) return 0;
    snprintf(why, CURL_ERROR_SIZE, "GET %.200s: HTTP %ld", path, status);
    return -1;
}

/* No instance metadata (no token) ends the chain with *got 0 and why set; a metadata service
 * that answers but fails is an error. */
static int from_imds(dc_credentials_t *out, dc_error_t *err, int *got, char why[CURL_ERROR_SIZE]) {
    const char *dis = getenv("AWS_EC2_METADATA_DISABLED");
    if (dis && strcasecmp(dis, "true") == 0) {
        snprintf(why, CURL_ERROR_SIZE, "disabled");
        return 0;
    }
    const char *e = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
    char base[VALUE_CAP], path[VALUE_CAP + 64], url[VALUE_CAP + 32];
    snprintf(base, sizeof base, "%s", e && *e ? e : IMDS_DEFAULT);
    for (size_t n = strlen(base); n > 0 && base[n - 1] == '/';)
        base[--n] = 0;
    snprintf(url, sizeof url, "%s/latest/api/token", base);
    buf_t b;
    buf_init(&b);
    long status = 0;
    int rc = 0;
    if (http_fetch("PUT", url, "X-aws-ec2-metadata-token-ttl-seconds: 21600", IMDS_MS, &b, &status,
                   why) != 0 ||
        status != 200 || !b.len) {
        if (!why[0]) snprintf(why, CURL_ERROR_SIZE, "PUT /latest/api/token: HTTP %ld", status);
        buf_free(&b);
        return 0;
    }
    *got = 1;
    char token[VALUE_CAP];
    snprintf(token, sizeof token, "%.*s", (int)strcspn(buf_cstr(&b), "\r\n"), b.data);
    const char *list = "/latest/meta-data/iam/security-credentials/";
    if (imds_get(base, list, token, &b, why) != 0) {
        rc = dc__fail(err, DC_ECONFIG, "instance metadata: %s", why);
    } else {
        char role[256];
        const char *r = buf_cstr(&b);
        r += strspn(r, " \t\r\n");
        snprintf(role, sizeof role, "%.*s", (int)strcspn(r, " \t\r\n"), r);
        snprintf(path, sizeof path, "%s%s", list, role);
        if (!role[0])
            rc = dc__fail(err, DC_ECONFIG, "instance metadata: no IAM role attached");
        else if (imds_get(base, path, token, &b, why) != 0)
            rc = dc__fail(err, DC_ECONFIG, "instance metadata: %s", why);
        else
            rc = creds_from_json(buf_cstr(&b), b.len, "Token", "imds", out, err);
    }
    buf_free(&b);
    return rc;
}

int dc_resolve_credentials(const char *profile, dc_credentials_t *out, dc_error_t *err) {
    memset(out, 0, sizeof *out);
    int got = 0, rc = from_env(out, err, &got);
    if (rc || got) return rc;
    rc = from_profile(profile, out, err, &got);
    if (rc || got) return rc;
    rc = from_container(out, err, &got);
    if (rc || got) return rc;
    char why[CURL_ERROR_SIZE] = "";
    rc = from_imds(out, err, &got, why);
    if (rc || got) return rc;
    char cp[VALUE_CAP], fp[VALUE_CAP];
    dc__credentials_path(cp, sizeof cp);
    dc__config_path(fp, sizeof fp);
    return dc__fail(err, DC_ECONFIG,
                    "no credentials: not in the environment (AWS_ACCESS_KEY_ID), nor profile "
                    "%.64s (%.120s, %.120s), no container endpoint, no instance metadata (%.100s)",
                    dc__profile_name(profile), cp, fp, why);
}
