/* main.c: ddbc's entry point — the command line, the session, Ctrl-C, and the choice
 * between the interactive loop (a terminal, no -e/-f) and running statements from -e, -f or
 * stdin. The exit status is 1 when any statement failed, 2 for a bad command line. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/ddbc/edit.h"
#include "tools/ddbc/exec.h"
#include "tools/ddbc/meta.h"
#include "tools/ddbc/session.h"

static session_t SESSION; /* the one session: Ctrl-C's handler raises its stop flag */

static void on_sigint(int sig) {
    (void)sig;
    atomic_store(&SESSION.stop, 1);
}

static void catch_sigint(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: a read at the prompt returns on Ctrl-C */
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

enum { OPT_ENDPOINT = 256, OPT_REGION, OPT_PROFILE, OPT_YES };

int main(int argc, char **argv) {
    static const struct option LONG[] = {{"endpoint", required_argument, NULL, OPT_ENDPOINT},
                                         {"region", required_argument, NULL, OPT_REGION},
                                         {"profile", required_argument, NULL, OPT_PROFILE},
                                         {"yes", no_argument, NULL, OPT_YES},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    session_t *s = &SESSION;
    const char **stmts = calloc((size_t)argc + 1, sizeof *stmts);
    size_t nstmts = 0;
    const char *file = NULL, *format = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "o:e:f:yh", LONG, NULL)) != -1) {
        switch (c) {
        case OPT_ENDPOINT:
            snprintf(s->endpoint, sizeof s->endpoint, "%s", optarg);
            break;
        case OPT_REGION:
            snprintf(s->region, sizeof s->region, "%s", optarg);
            break;
        case OPT_PROFILE:
            snprintf(s->profile, sizeof s->profile, "%s", optarg);
            break;
        case 'y':
        case OPT_YES:
            s->yes = true;
            break;
        case 'o':
            format = optarg;
            break;
        case 'e':
            stmts[nstmts++] = optarg;
            break;
        case 'f':
            file = optarg;
            break;
        case 'h':
            fputs(META_USAGE, stdout);
            free(stmts);
            return 0;
        default:
            fputs(META_USAGE, stderr);
            free(stmts);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "ddbc: unexpected argument %s\n", argv[optind]);
        fputs(META_USAGE, stderr);
        free(stmts);
        return 2;
    }
    bool interactive = !nstmts && !file && isatty(STDIN_FILENO);
    s->tty = interactive;
    s->format = isatty(STDOUT_FILENO) ? OUT_TABLE : OUT_JSONL;
    if (format && !out_format_parse(format, &s->format)) {
        fprintf(stderr, "ddbc: unknown format %s (table, json, jsonl, ddbjson, csv)\n", format);
        free(stmts);
        return 2;
    }
    catch_sigint();
    if (ss_connect(s)) {
        free(stmts);
        return 1;
    }
    int failed = 0;
    bool quit = false;
    if (interactive) {
        fprintf(stderr, "ddbc %s connected to %s (\\? for help, \\q to quit)\n", DDB_VERSION,
                dc_endpoint(s->client, DC_DYNAMODB));
        failed = ed_loop(s);
    } else {
        for (size_t i = 0; i < nstmts && !quit; i++) {
            int rc = ex_run_script(s, stmts[i], strlen(stmts[i]));
            quit = rc < 0;
            failed += rc > 0 ? rc : 0;
        }
        if (!quit && (file || !nstmts)) {
            size_t len;
            char *text = meta_read_file(file ? file : "-", &len);
            if (!text) {
                fprintf(stderr, "ddbc: cannot read %s: %s\n", file ? file : "stdin",
                        strerror(errno));
                free(stmts);
                ss_disconnect(s);
                return 2;
            }
            int rc = ex_run_script(s, text, len);
            failed += rc > 0 ? rc : 0;
            free(text);
        }
    }
    if (s->tx) {
        fprintf(stderr, "ERROR: the transaction was neither committed nor rolled back\n");
        failed++;
        cJSON_Delete(s->tx);
    }
    ss_disconnect(s);
    free(stmts);
    return failed > 0 ? 1 : 0;
}
