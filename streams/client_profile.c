/* client_profile.c: where the client transport's settings come from, apart from credentials:
 * the shared config and credentials files (INI sections, the config file's "[profile NAME]"
 * and "[services NAME]" with indented sub-settings), the region and the two endpoints.
 * Reads the environment and those files; never writes, never touches the network, never
 * prints. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "streams/client_int.h"

#define PATH_CAP  4096
#define VALUE_CAP 1024

int dc__fail(dc_error_t *err, int code, const char *fmt, ...) {
    if (!err) return code;
    memset(err, 0, sizeof *err);
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return code;
}

const char *dc__profile_name(const char *profile) {
    if (profile && *profile) return profile;
    const char *e = getenv("AWS_PROFILE");
    return e && *e ? e : "default";
}

static void file_path(const char *env, const char *name, char *out, size_t cap) {
    const char *v = getenv(env);
    const char *home = getenv("HOME");
    if (!home) home = "";
    if (v && *v && v[0] == '~' && v[1] == '/')
        snprintf(out, cap, "%s%s", home, v + 1);
    else if (v && *v)
        snprintf(out, cap, "%s", v);
    else
        snprintf(out, cap, "%s/.aws/%s", home, name);
}

void dc__credentials_path(char *out, size_t cap) {
    file_path("AWS_SHARED_CREDENTIALS_FILE", "credentials", out, cap);
}

void dc__config_path(char *out, size_t cap) {
    file_path("AWS_CONFIG_FILE", "config", out, cap);
}

static char *trim(char *s) {
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = 0;
    return s;
}

/* Whether the text between '[' and ']' names section want ("profile x" matches "profile   x"). */
static int section_is(char *s, const char *want) {
    s = trim(s);
    char *sp = s;
    while (*sp && !isspace((unsigned char)*sp))
        sp++;
    if (!*sp) return strcmp(s, want) == 0;
    size_t kind = (size_t)(sp - s);
    const char *rest = trim(sp);
    return strncmp(s, want, kind) == 0 && want[kind] == ' ' && strcmp(rest, want + kind + 1) == 0;
}

/* The value of key in section of an INI file: 1 with it in out, 0 when absent (or no file).
 * key NULL: whether the section exists. An indented "sub = v" under a key with an empty value
 * is the key "key.sub" (the config file's nested settings, e.g. services' endpoint_url). */
static int ini_get(const char *path, const char *section, const char *key, char *out, size_t cap) {
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    char *line = NULL;
    size_t n = 0;
    int in = 0, found = 0;
    char parent[128] = "", full[256];
    while (getline(&line, &n, f) >= 0) {
        int indented = line[0] == ' ' || line[0] == '\t';
        char *s = trim(line);
        if (!*s || *s == '#' || *s == ';') continue;
        if (*s == '[') {
            char *e = strchr(s, ']');
            if (e) *e = 0;
            in = e && section_is(s + 1, section);
            found |= in && !key;
            parent[0] = 0;
            continue;
        }
        char *eq = strchr(s, '=');
        if (!in || !key || !eq) continue;
        *eq = 0;
        char *name = trim(s), *value = trim(eq + 1);
        if (indented && parent[0]) {
            snprintf(full, sizeof full, "%s.%s", parent, name);
            name = full;
        } else {
            snprintf(parent, sizeof parent, "%s", *value ? "" : name);
        }
        if (strcasecmp(name, key) != 0) continue;
        if (out && cap) snprintf(out, cap, "%s", value);
        found = 1;
    }
    free(line);
    fclose(f);
    return found;
}

/* The config file names a profile "[profile NAME]", the default one "[default]" (some tools
 * write "[profile default]": both are read, the plain one last so that it wins). */
static int config_section_get(const char *name, const char *key, char *out, size_t cap) {
    char path[PATH_CAP], sect[512];
    dc__config_path(path, sizeof path);
    snprintf(sect, sizeof sect, "profile %s", name);
    int found = ini_get(path, sect, key, out, cap);
    if (strcmp(name, "default") == 0) found |= ini_get(path, "default", key, out, cap);
    return found;
}

int dc__config_get(const char *profile, const char *key, char *out, size_t cap) {
    return config_section_get(dc__profile_name(profile), key, out, cap);
}

int dc_profile_get(const char *profile, const char *key, char *out, size_t cap) {
    const char *name = dc__profile_name(profile);
    char path[PATH_CAP];
    dc__credentials_path(path, sizeof path);
    if (ini_get(path, name, key, out, cap)) return 1;
    return config_section_get(name, key, out, cap);
}

static int valid_region(const char *r) {
    size_t n = strlen(r);
    if (n == 0 || n > 63) return 0;
    for (size_t i = 0; i < n; i++)
        if (!islower((unsigned char)r[i]) && !isdigit((unsigned char)r[i]) && r[i] != '-') return 0;
    return 1;
}

int dc_resolve_region(const char *region, const char *profile, char *out, size_t cap,
                      dc_error_t *err) {
    char buf[VALUE_CAP];
    const char *r = region && *region ? region : getenv("AWS_REGION");
    if (!r || !*r) r = getenv("AWS_DEFAULT_REGION");
    if ((!r || !*r) && dc__config_get(profile, "region", buf, sizeof buf)) r = buf;
    if (!r || !*r) r = "us-east-1";
    if (!valid_region(r))
        return dc__fail(err, DC_ECONFIG, "bad region \"%.64s\" (want e.g. us-east-1)", r);
    if (strlen(r) >= cap) return dc__fail(err, DC_ECONFIG, "region too long");
    snprintf(out, cap, "%s", r);
    return 0;
}

static const char *env(const char *name) {
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

static int is_true(const char *v) {
    return v && strcasecmp(v, "true") == 0;
}

/* The profile's "services = NAME" names a "[services NAME]" section whose "dynamodb" (or
 * "dynamodb_streams") sub-settings may hold an endpoint_url. */
static int services_endpoint(const char *profile, const char *id, char *out, size_t cap) {
    char name[256], path[PATH_CAP], sect[512], key[64];
    if (!dc__config_get(profile, "services", name, sizeof name) || !*name) return 0;
    dc__config_path(path, sizeof path);
    snprintf(sect, sizeof sect, "services %s", name);
    snprintf(key, sizeof key, "%s.endpoint_url", id);
    return ini_get(path, sect, key, out, cap) && *out;
}

/* An endpoint the user configured, in the SDKs' order, or NULL. A streams call falls back on
 * DynamoDB's own settings: one server (ddbd, DynamoDB Local) serves both services. */
static const char *configured(const char *profile, dc_service_t svc, char *buf, size_t cap) {
    char v[64];
    if (is_true(getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"))) return NULL;
    if (dc__config_get(profile, "ignore_configured_endpoint_urls", v, sizeof v) && is_true(v))
        return NULL;
    const char *e = svc == DC_STREAMS ? env("AWS_ENDPOINT_URL_DYNAMODB_STREAMS") : NULL;
    if (!e) e = env("AWS_ENDPOINT_URL_DYNAMODB");
    if (!e) e = env("AWS_ENDPOINT_URL");
    if (e) return e;
    if (svc == DC_STREAMS && services_endpoint(profile, "dynamodb_streams", buf, cap)) return buf;
    if (services_endpoint(profile, "dynamodb", buf, cap)) return buf;
    if (dc__config_get(profile, "endpoint_url", buf, cap) && *buf) return buf;
    return NULL;
}

/* http(s)://authority[/path], no spaces, no user info. */
static int valid_endpoint(const char *e) {
    const char *p = strncmp(e, "https://", 8) == 0  ? e + 8
                    : strncmp(e, "http://", 7) == 0 ? e + 7
                                                    : NULL;
    if (!p || !*p || *p == '/') return 0;
    for (const char *q = p; *q; q++)
        if (isspace((unsigned char)*q) || iscntrl((unsigned char)*q)) return 0;
    size_t auth = strcspn(p, "/?#");
    return memchr(p, '@', auth) == NULL && p[strcspn(p, "?#")] == 0;
}

int dc_resolve_endpoint(const char *endpoint, const char *profile, const char *region,
                        dc_service_t svc, char *out, size_t cap, int *custom, dc_error_t *err) {
    char buf[VALUE_CAP];
    const char *e = endpoint && *endpoint ? endpoint : configured(profile, svc, buf, sizeof buf);
    if (custom) *custom = e != NULL;
    if (!e) {
        if (!region || !valid_region(region))
            return dc__fail(err, DC_ECONFIG, "no region for AWS's endpoint");
        const char *suffix = strncmp(region, "cn-", 3) == 0 ? "amazonaws.com.cn" : "amazonaws.com";
        int n = snprintf(out, cap, "https://%sdynamodb.%s.%s", svc == DC_STREAMS ? "streams." : "",
                         region, suffix);
        if (n < 0 || (size_t)n >= cap) return dc__fail(err, DC_ECONFIG, "endpoint too long");
        return 0;
    }
    if (!valid_endpoint(e))
        return dc__fail(err, DC_ECONFIG, "bad endpoint \"%.200s\" (want http(s)://host[:port])", e);
    size_t n = strlen(e);
    while (n > 0 && e[n - 1] == '/')
        n--;
    if (n >= cap) return dc__fail(err, DC_ECONFIG, "endpoint too long");
    memcpy(out, e, n);
    out[n] = 0;
    return 0;
}
