/* meta.c: the backslash commands and the help texts (meta.h). Settings change the session;
 * \i runs a file through the same statement runner as -f; \connect reopens the transport. */
#include "tools/ddbc/meta.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/ddbc/admin.h"
#include "tools/ddbc/exec.h"

const char *const META_USAGE =
    "usage: ddbc [options]\n"
    "\n"
    "ddbc is an interactive shell for DynamoDB's PartiQL and for table administration, against\n"
    "ddbd or AWS DynamoDB (any endpoint speaking the DynamoDB API).\n"
    "\n"
    "options:\n"
    "  --endpoint URL   the endpoint (default: AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL,\n"
    "                   the profile's endpoint_url, else AWS's regional endpoint)\n"
    "  --region R       the region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's)\n"
    "  --profile P      the credentials profile (default: AWS_PROFILE, else \"default\")\n"
    "  -o FORMAT        table, json, jsonl, ddbjson or csv (default: table on a terminal,\n"
    "                   jsonl otherwise)\n"
    "  -e STATEMENT     run STATEMENT (repeatable); then exit\n"
    "  -f FILE          run the statements in FILE (- for stdin); then exit\n"
    "  --yes            do not ask before scans and writes without the full key\n"
    "  -h, --help       this help\n"
    "\n"
    "Without -e or -f, ddbc reads statements from the terminal (with line editing and\n"
    "history) or from stdin. Statements end with ';'. The exit status is 1 when any\n"
    "statement failed (its DynamoDB error type and message go to stderr).\n"
    "Type \\? inside ddbc for the statements it understands.\n";

const char *const META_HELP =
    "Statements (end each with ';'):\n"
    "  SELECT * | a, b FROM t[.\"index\"] [WHERE ...] [ORDER BY k [DESC]] [LIMIT n]\n"
    "  INSERT INTO t VALUE {'pk': 'a', 'n': 1}\n"
    "  UPDATE t SET a = 1 [REMOVE b] WHERE ... [RETURNING ALL NEW *]\n"
    "  DELETE FROM t WHERE ... [RETURNING ALL OLD *]\n"
    "      (without the full key: a Scan or Query, then one write per item, after asking)\n"
    "  EXPLAIN <statement>        the exact API request(s) it sends, and their kind\n"
    "  BEGIN; <writes>; COMMIT;   one TransactWriteItems (ROLLBACK drops it)\n"
    "  CREATE TABLE t (pk S HASH[, sk N RANGE]) [GSI g (k S HASH[, r N RANGE])\n"
    "      [PROJECT ALL|KEYS|INCLUDE (a, b)]] [LSI ...] [STREAM NEW_AND_OLD_IMAGES|NEW_IMAGE|\n"
    "      OLD_IMAGE|KEYS_ONLY] [TTL attr] [BILLING PAY_PER_REQUEST|PROVISIONED(r, w)]\n"
    "  ALTER TABLE t ADD GSI g (...) [PROJECT ...] | DROP GSI g | STREAM view|OFF\n"
    "      | TTL attr|OFF | BILLING ...\n"
    "  DROP TABLE t\n"
    "  SHOW TABLES                the tables\n"
    "  DESCRIBE t                 keys, indexes, stream, TTL, item count, size\n"
    "  TAIL t [FROM TRIM_HORIZON|LATEST]   follow the table's stream until Ctrl-C\n"
    "Meta-commands (no ';'):\n"
    "  \\use t          the current table (completion of its attribute names)\n"
    "  \\d [t]          DESCRIBE t, or SHOW TABLES\n"
    "  \\o FORMAT       table, json, jsonl, ddbjson, csv\n"
    "  \\x              expanded rows on/off (table format)\n"
    "  \\timing         the time of each statement on/off\n"
    "  \\capacity       the capacity each statement consumed on/off\n"
    "  \\connect URL|REGION   another endpoint or AWS region\n"
    "  \\i FILE         run the statements in FILE\n"
    "  \\q              quit\n"
    "  \\?              this help\n"
    "Ctrl-C stops the statement in progress; Ctrl-D quits.\n";

char *meta_read_file(const char *path, size_t *len) {
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0;
    char *b = malloc(cap);
    for (size_t r; b && (r = fread(b + n, 1, cap - n - 1, f)) > 0;) {
        n += r;
        if (cap - n < 2) b = realloc(b, cap *= 2);
    }
    if (f != stdin) fclose(f);
    if (b) b[n] = '\0';
    *len = n;
    return b;
}

static void toggle(bool *v, const char *what, const char *arg) {
    if (!strcmp(arg, "on"))
        *v = true;
    else if (!strcmp(arg, "off"))
        *v = false;
    else
        *v = !*v;
    fprintf(stderr, "%s is %s.\n", what, *v ? "on" : "off");
}

static int connect_to(session_t *s, const char *arg) {
    if (!*arg) {
        fprintf(stderr, "connected to %s (region %s, credentials from %s)\n",
                s->client ? dc_endpoint(s->client, DC_DYNAMODB) : "nothing",
                s->client ? dc_region(s->client) : "-",
                s->client ? dc_credential_source(s->client) : "-");
        return 0;
    }
    char old_ep[sizeof s->endpoint], old_region[sizeof s->region];
    memcpy(old_ep, s->endpoint, sizeof old_ep);
    memcpy(old_region, s->region, sizeof old_region);
    if (strstr(arg, "://")) {
        snprintf(s->endpoint, sizeof s->endpoint, "%s", arg);
    } else {
        snprintf(s->region, sizeof s->region, "%s", arg);
        s->endpoint[0] = '\0';
    }
    if (ss_connect(s)) {
        memcpy(s->endpoint, old_ep, sizeof old_ep);
        memcpy(s->region, old_region, sizeof old_region);
        return -1;
    }
    fprintf(stderr, "connected to %s\n", dc_endpoint(s->client, DC_DYNAMODB));
    return 0;
}

int meta_run(session_t *s, const char *text, size_t len) {
    char cmd[32] = "", arg[1024] = "";
    size_t i = 0, n = 0;
    while (i < len && !isspace((unsigned char)text[i]) && n + 1 < sizeof cmd)
        cmd[n++] = text[i++];
    cmd[n] = '\0';
    while (i < len && isspace((unsigned char)text[i]))
        i++;
    size_t e = len;
    while (e > i && (isspace((unsigned char)text[e - 1]) || text[e - 1] == ';'))
        e--;
    snprintf(arg, sizeof arg, "%.*s", (int)(e - i), text + i);
    if (!strcmp(cmd, "q") || !strcmp(cmd, "quit")) return 1;
    if (!strcmp(cmd, "?") || !strcmp(cmd, "h") || !strcmp(cmd, "help")) {
        fputs(META_HELP, stdout);
        fflush(stdout);
        return 0;
    }
    if (!strcmp(cmd, "use")) {
        if (*arg && !ss_schema(s, arg)) return -1;
        snprintf(s->use, sizeof s->use, "%s", arg);
        return 0;
    }
    if (!strcmp(cmd, "d")) return *arg ? ad_describe(s, arg) : ad_show_tables(s);
    if (!strcmp(cmd, "o")) {
        if (!*arg) {
            fprintf(stderr, "output format is %s\n", out_format_name(s->format));
            return 0;
        }
        if (out_format_parse(arg, &s->format)) return 0;
        ss_error(NULL, "unknown format %s (table, json, jsonl, ddbjson, csv)", arg);
        return -1;
    }
    if (!strcmp(cmd, "x")) {
        toggle(&s->expanded, "Expanded display", arg);
        return 0;
    }
    if (!strcmp(cmd, "timing")) {
        toggle(&s->timing, "Timing", arg);
        return 0;
    }
    if (!strcmp(cmd, "capacity")) {
        toggle(&s->capacity, "Consumed capacity", arg);
        return 0;
    }
    if (!strcmp(cmd, "connect") || !strcmp(cmd, "c")) return connect_to(s, arg);
    if (!strcmp(cmd, "i")) {
        size_t flen;
        char *body = meta_read_file(arg, &flen);
        if (!body) {
            ss_error(NULL, "cannot read %s: %s", arg, strerror(errno));
            return -1;
        }
        int failed = ex_run_script(s, body, flen);
        free(body);
        return failed < 0 ? 1 : failed ? -1 : 0;
    }
    ss_error(NULL, "unknown command \\%s (\\? lists them)", cmd);
    return -1;
}
