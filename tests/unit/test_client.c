/* test_client.c: the client transport's pure decisions and its configuration (streams/client.h):
 * backoff bounds, which failures retry, region and endpoint precedence, the credential chain
 * over temporary profile files and a credential_process script. Changes only its own
 * environment and files in a temporary directory; never touches the network (IMDS disabled). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "streams/client.h"

static char dir[256];

static void write_file(const char *name, const char *text, int mode) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f) return;
    fputs(text, f);
    fclose(f);
    chmod(path, (mode_t)mode);
}

static void clear_env(void) {
    static const char *const vars[] = {"AWS_ACCESS_KEY_ID",
                                       "AWS_SECRET_ACCESS_KEY",
                                       "AWS_SESSION_TOKEN",
                                       "AWS_SECURITY_TOKEN",
                                       "AWS_PROFILE",
                                       "AWS_REGION",
                                       "AWS_DEFAULT_REGION",
                                       "AWS_ENDPOINT_URL",
                                       "AWS_ENDPOINT_URL_DYNAMODB",
                                       "AWS_ENDPOINT_URL_DYNAMODB_STREAMS",
                                       "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
                                       "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                                       "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                                       "AWS_EC2_METADATA_SERVICE_ENDPOINT",
                                       "AWS_CA_BUNDLE"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++)
        unsetenv(vars[i]);
    char p[512];
    snprintf(p, sizeof p, "%s/credentials", dir);
    setenv("AWS_SHARED_CREDENTIALS_FILE", p, 1);
    snprintf(p, sizeof p, "%s/config", dir);
    setenv("AWS_CONFIG_FILE", p, 1);
    setenv("HOME", dir, 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    unlink(getenv("AWS_SHARED_CREDENTIALS_FILE"));
    unlink(getenv("AWS_CONFIG_FILE"));
}

static void test_backoff(void) {
    CHECK(dc_backoff_ms(1, 50, 20000, 0.0) == 0);
    CHECK(dc_backoff_ms(1, 50, 20000, 0.999) == 49);
    CHECK(dc_backoff_ms(2, 50, 20000, 0.5) == 50);
    CHECK(dc_backoff_ms(3, 50, 20000, 0.999) == 199);
    CHECK(dc_backoff_ms(10, 50, 20000, 0.999) == 19980); /* 50 * 512 = 25600 capped at 20000 */
    CHECK(dc_backoff_ms(64, 50, 20000, 0.5) == 10000);   /* no overflow far out */
    CHECK(dc_backoff_ms(1000, 50, 20000, 0.999) < 20000);
    CHECK(dc_backoff_ms(0, 50, 20000, 0.999) == 49); /* attempt below 1 counts as the first */
    for (int a = 1; a <= 30; a++)
        for (double r = 0; r < 1; r += 0.0625) {
            int ms = dc_backoff_ms(a, 50, 20000, r);
            long ceiling = a > 20 ? 20000 : 50L << (a - 1);
            if (ceiling > 20000) ceiling = 20000;
            CHECK(ms >= 0 && ms < ceiling);
        }
}

static void test_retryable(void) {
    CHECK(dc_retryable(0, ""));
    CHECK(dc_retryable(500, "InternalServerError"));
    CHECK(dc_retryable(503, ""));
    CHECK(dc_retryable(400, "ProvisionedThroughputExceededException"));
    CHECK(dc_retryable(400, "ThrottlingException"));
    CHECK(dc_retryable(400, "RequestLimitExceeded"));
    CHECK(dc_retryable(400, "LimitExceededException"));
    CHECK(dc_retryable(400, "TransactionInProgressException"));
    CHECK(!dc_retryable(400, "ValidationException"));
    CHECK(!dc_retryable(400, "ResourceNotFoundException"));
    CHECK(!dc_retryable(400, "UnrecognizedClientException"));
    CHECK(!dc_retryable(400, "ConditionalCheckFailedException"));
    CHECK(!dc_retryable(200, ""));
    CHECK(!dc_retryable(404, NULL));
    CHECK_STR(dc_code_name(DC_ETHROTTLE), "DC_ETHROTTLE");
    CHECK_STR(dc_code_name(99), "DC_UNKNOWN");
}

static void test_region(void) {
    char r[64];
    dc_error_t e;
    clear_env();
    CHECK(dc_resolve_region(NULL, NULL, r, sizeof r, &e) == 0);
    CHECK_STR(r, "us-east-1");
    write_file("config", "[default]\nregion = eu-north-1\n[profile p2]\nregion=ap-south-1\n", 0600);
    CHECK(dc_resolve_region(NULL, NULL, r, sizeof r, &e) == 0);
    CHECK_STR(r, "eu-north-1");
    CHECK(dc_resolve_region(NULL, "p2", r, sizeof r, &e) == 0);
    CHECK_STR(r, "ap-south-1");
    setenv("AWS_PROFILE", "p2", 1);
    CHECK(dc_resolve_region(NULL, NULL, r, sizeof r, &e) == 0);
    CHECK_STR(r, "ap-south-1");
    setenv("AWS_DEFAULT_REGION", "us-west-1", 1);
    CHECK(dc_resolve_region(NULL, NULL, r, sizeof r, &e) == 0);
    CHECK_STR(r, "us-west-1");
    setenv("AWS_REGION", "us-west-2", 1);
    CHECK(dc_resolve_region(NULL, NULL, r, sizeof r, &e) == 0);
    CHECK_STR(r, "us-west-2");
    CHECK(dc_resolve_region("ca-central-1", NULL, r, sizeof r, &e) == 0);
    CHECK_STR(r, "ca-central-1");
    CHECK(dc_resolve_region("Bad Region", NULL, r, sizeof r, &e) == DC_ECONFIG);
    CHECK(e.code == DC_ECONFIG && strstr(e.message, "bad region"));
}

static void test_endpoint(void) {
    char out[256];
    int custom = -1;
    dc_error_t e;
    clear_env();
    CHECK(dc_resolve_endpoint(NULL, NULL, "eu-west-1", DC_DYNAMODB, out, sizeof out, &custom, &e) ==
          0);
    CHECK_STR(out, "https://dynamodb.eu-west-1.amazonaws.com");
    CHECK(custom == 0);
    CHECK(dc_resolve_endpoint(NULL, NULL, "eu-west-1", DC_STREAMS, out, sizeof out, &custom, &e) ==
          0);
    CHECK_STR(out, "https://streams.dynamodb.eu-west-1.amazonaws.com");
    CHECK(dc_resolve_endpoint(NULL, NULL, "cn-north-1", DC_DYNAMODB, out, sizeof out, NULL, &e) ==
          0);
    CHECK_STR(out, "https://dynamodb.cn-north-1.amazonaws.com.cn");

    write_file("config",
               "[default]\nendpoint_url = http://profile:1\n"
               "[profile svc]\nservices = local\n"
               "[services local]\ndynamodb =\n  endpoint_url = http://svc-ddb:2\n"
               "dynamodb_streams =\n  endpoint_url = http://svc-streams:3\n",
               0600);
    CHECK(dc_resolve_endpoint(NULL, NULL, "us-east-1", DC_DYNAMODB, out, sizeof out, &custom, &e) ==
          0);
    CHECK_STR(out, "http://profile:1");
    CHECK(custom == 1);
    CHECK(dc_resolve_endpoint(NULL, NULL, "us-east-1", DC_STREAMS, out, sizeof out, &custom, &e) ==
          0);
    CHECK_STR(out, "http://profile:1"); /* one server serves both services */
    CHECK(dc_resolve_endpoint(NULL, "svc", "us-east-1", DC_DYNAMODB, out, sizeof out, &custom,
                              &e) == 0);
    CHECK_STR(out, "http://svc-ddb:2");
    CHECK(dc_resolve_endpoint(NULL, "svc", "us-east-1", DC_STREAMS, out, sizeof out, &custom, &e) ==
          0);
    CHECK_STR(out, "http://svc-streams:3");

    setenv("AWS_ENDPOINT_URL", "http://global:4/", 1);
    CHECK(dc_resolve_endpoint(NULL, "svc", "us-east-1", DC_STREAMS, out, sizeof out, &custom, &e) ==
          0);
    CHECK_STR(out, "http://global:4"); /* trailing '/' dropped */
    setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://ddb:5", 1);
    CHECK(dc_resolve_endpoint(NULL, NULL, "us-east-1", DC_DYNAMODB, out, sizeof out, &custom, &e) ==
          0);
    CHECK_STR(out, "http://ddb:5");
    CHECK(dc_resolve_endpoint(NULL, NULL, "us-east-1", DC_STREAMS, out, sizeof out, &custom, &e) ==
          0);
    CHECK_STR(out, "http://ddb:5");
    setenv("AWS_ENDPOINT_URL_DYNAMODB_STREAMS", "https://streams:6", 1);
    CHECK(dc_resolve_endpoint(NULL, NULL, "us-east-1", DC_STREAMS, out, sizeof out, &custom, &e) ==
          0);
    CHECK_STR(out, "https://streams:6");
    CHECK(dc_resolve_endpoint(NULL, NULL, "us-east-1", DC_DYNAMODB, out, sizeof out, &custom, &e) ==
          0);
    CHECK_STR(out, "http://ddb:5");
    CHECK(dc_resolve_endpoint("http://flag:7", NULL, "us-east-1", DC_STREAMS, out, sizeof out,
                              &custom, &e) == 0);
    CHECK_STR(out, "http://flag:7");
    CHECK(custom == 1);
    setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
    CHECK(dc_resolve_endpoint(NULL, NULL, "us-east-1", DC_DYNAMODB, out, sizeof out, &custom, &e) ==
          0);
    CHECK_STR(out, "https://dynamodb.us-east-1.amazonaws.com");
    CHECK(custom == 0);

    static const char *const bad[] = {"localhost:8000", "ftp://x",          "http://",
                                      "http://a b",     "http://user@host", "http://h/?q=1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        CHECK(dc_resolve_endpoint(bad[i], NULL, "us-east-1", DC_DYNAMODB, out, sizeof out, &custom,
                                  &e) == DC_ECONFIG);
        CHECK(strstr(e.message, "bad endpoint") != NULL);
    }
}

static void expect_creds(const char *profile, const char *akid, const char *secret,
                         const char *token, const char *source) {
    dc_credentials_t c;
    dc_error_t e = {0};
    int rc = dc_resolve_credentials(profile, &c, &e);
    CHECK(rc == 0);
    if (rc) {
        fprintf(stderr, "  resolve: %s\n", e.message);
        return;
    }
    CHECK_STR(c.access_key_id, akid);
    CHECK_STR(c.secret, secret);
    if (token)
        CHECK_STR(c.session_token, token);
    else
        CHECK(c.session_token == NULL);
    CHECK_STR(c.source, source);
    dc_credentials_free(&c);
}

static void expect_fail(const char *profile, const char *needle) {
    dc_credentials_t c;
    dc_error_t e = {0};
    CHECK(dc_resolve_credentials(profile, &c, &e) == DC_ECONFIG);
    CHECK(e.code == DC_ECONFIG);
    CHECK(strstr(e.message, needle) != NULL);
    if (!strstr(e.message, needle)) fprintf(stderr, "  message: %s\n", e.message);
}

static void test_credentials_chain(void) {
    clear_env();
    expect_fail(NULL, "no credentials");
    expect_fail("nobody", "profile nobody not found");

    write_file("config",
               "[default]\naws_access_key_id = CONFIGDEF\naws_secret_access_key = cs\n"
               "[profile cfg]\naws_access_key_id=CFGKEY\naws_secret_access_key=cfgsecret\n"
               "aws_session_token = cfgtoken\n"
               "[profile both]\naws_access_key_id = FROMCONFIG\naws_secret_access_key = x\n",
               0600);
    expect_creds(NULL, "CONFIGDEF", "cs", NULL, "profile:default");
    expect_creds("cfg", "CFGKEY", "cfgsecret", "cfgtoken", "profile:cfg");

    write_file("credentials",
               "# keys\n[default]\naws_access_key_id = CREDDEF\naws_secret_access_key = ds\n\n"
               "[both]\naws_access_key_id = FROMCREDS\naws_secret_access_key = y\n"
               "[profile cfg]\naws_access_key_id = NOTAPROFILE\naws_secret_access_key = z\n",
               0600);
    /* the credentials file comes first; "[profile x]" means nothing there */
    expect_creds(NULL, "CREDDEF", "ds", NULL, "profile:default");
    expect_creds("both", "FROMCREDS", "y", NULL, "profile:both");
    expect_creds("cfg", "CFGKEY", "cfgsecret", "cfgtoken", "profile:cfg");
    setenv("AWS_PROFILE", "both", 1);
    expect_creds(NULL, "FROMCREDS", "y", NULL, "profile:both");
    expect_creds("cfg", "CFGKEY", "cfgsecret", "cfgtoken", "profile:cfg"); /* option wins */

    setenv("AWS_ACCESS_KEY_ID", "ENVKEY", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
    setenv("AWS_SESSION_TOKEN", "envtoken", 1);
    expect_creds(NULL, "ENVKEY", "envsecret", "envtoken", "env");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    expect_fail(NULL, "partial credentials");
}

static void test_credentials_process_and_unsupported(void) {
    clear_env();
    write_file("creds.sh",
               "#!/bin/sh\n"
               "echo '{\"Version\": 1, \"AccessKeyId\": \"PROCKEY\", \"SecretAccessKey\": "
               "\"procsecret\", \"SessionToken\": \"proctoken\", "
               "\"Expiration\": \"2030-01-02T03:04:05Z\"}'\n",
               0700);
    write_file("fails.sh", "#!/bin/sh\necho nope >&2\nexit 3\n", 0700);
    write_file("v2.sh",
               "#!/bin/sh\necho '{\"Version\":2,\"AccessKeyId\":\"a\","
               "\"SecretAccessKey\":\"b\"}'\n",
               0700);
    char cfg[2048];
    snprintf(cfg, sizeof cfg,
             "[profile proc]\ncredential_process = %s/creds.sh --arg 'quoted value'\n"
             "[profile fails]\ncredential_process = %s/fails.sh\n"
             "[profile v2]\ncredential_process = %s/v2.sh\n"
             "[profile role]\nrole_arn = arn:aws:iam::123456789012:role/r\n"
             "source_profile = default\n"
             "[profile sso]\nsso_session = corp\nsso_account_id = 123456789012\n"
             "[profile empty]\nregion = us-west-2\n",
             dir, dir, dir);
    write_file("config", cfg, 0600);

    dc_credentials_t c;
    dc_error_t e;
    CHECK(dc_resolve_credentials("proc", &c, &e) == 0);
    CHECK_STR(c.access_key_id, "PROCKEY");
    CHECK_STR(c.secret, "procsecret");
    CHECK_STR(c.session_token, "proctoken");
    CHECK_STR(c.source, "process");
    CHECK(c.expires == 1893553445); /* 2030-01-02T03:04:05Z */
    dc_credentials_free(&c);

    expect_fail("fails", "exit status 3");
    expect_fail("v2", "Version must be 1");
    expect_fail("role", "not supported");
    expect_fail("role", "role_arn");
    expect_fail("sso", "not supported");
    /* a profile without credentials goes on down the chain, which ends here */
    expect_fail("empty", "no credentials");

    /* dc_open fails the same way, and succeeds (without the network) with a profile */
    dc_options_t o = {.profile = "role", .endpoint = "http://127.0.0.1:9"};
    CHECK(dc_open(&o, &e) == NULL);
    CHECK(e.code == DC_ECONFIG);
    o.profile = "proc";
    dc_client_t *cl = dc_open(&o, &e);
    CHECK(cl != NULL);
    if (cl) {
        CHECK_STR(dc_credential_source(cl), "process");
        CHECK_STR(dc_endpoint(cl, DC_STREAMS), "http://127.0.0.1:9");
        CHECK(dc_custom_endpoint(cl));
        dc_close(cl);
    }
    o.max_attempts = -1;
    CHECK(dc_open(&o, &e) == NULL);
    CHECK(e.code == DC_ECONFIG);
}

static void test_profile_get(void) {
    clear_env();
    write_file("config",
               "[profile  spaced ]\nkey = a value with spaces  \n; comment\n"
               "#comment = no\nkey=last wins\n",
               0600);
    char v[64];
    CHECK(dc_profile_get("spaced", "key", v, sizeof v) == 1);
    CHECK_STR(v, "last wins");
    CHECK(dc_profile_get("spaced", NULL, NULL, 0) == 1);
    CHECK(dc_profile_get("spaced", "comment", v, sizeof v) == 0);
    CHECK(dc_profile_get("other", NULL, NULL, 0) == 0);
}

/* A second client is made from the first without resolving again: the credential_process runs
 * once for both, and the copy has the same region, endpoints, and credentials. */
static void test_dup(void) {
    clear_env();
    char script[1024], cfg[1024], count[512];
    snprintf(count, sizeof count, "%s/runs", dir);
    snprintf(script, sizeof script,
             "#!/bin/sh\necho run >> '%s'\n"
             "echo '{\"Version\": 1, \"AccessKeyId\": \"DUPKEY\", \"SecretAccessKey\": \"s\"}'\n",
             count);
    write_file("count.sh", script, 0700);
    snprintf(cfg, sizeof cfg,
             "[profile counted]\nregion = eu-west-3\ncredential_process = %s/count.sh\n", dir);
    write_file("config", cfg, 0600);
    dc_options_t o = {.profile = "counted", .endpoint = "http://127.0.0.1:9"};
    dc_error_t e;
    dc_client_t *a = dc_open(&o, &e);
    CHECK(a != NULL);
    if (!a) return;
    dc_client_t *b = dc_dup(a, &e);
    CHECK(b != NULL);
    if (b) {
        CHECK_STR(dc_region(b), "eu-west-3");
        CHECK_STR(dc_endpoint(b, DC_DYNAMODB), dc_endpoint(a, DC_DYNAMODB));
        CHECK_STR(dc_endpoint(b, DC_STREAMS), dc_endpoint(a, DC_STREAMS));
        CHECK(dc_custom_endpoint(b));
        CHECK_STR(dc_credential_source(b), "process");
        dc_close(b);
    }
    dc_close(a);
    FILE *f = fopen(count, "r");
    int runs = 0;
    char line[16];
    while (f && fgets(line, sizeof line, f))
        runs++;
    if (f) fclose(f);
    CHECK(runs == 1);
}

int main(void) {
    snprintf(dir, sizeof dir, "/tmp/test_client_XXXXXX");
    if (!mkdtemp(dir)) return 1;
    test_backoff();
    test_retryable();
    test_region();
    test_endpoint();
    test_credentials_chain();
    test_credentials_process_and_unsupported();
    test_profile_get();
    test_dup();
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return check_summary();
}
