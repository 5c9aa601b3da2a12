/* edit.c: the interactive loop (edit.h) over libedit's readline interface. A statement is
 * gathered line by line until lang.h's splitter sees its ';' and is then kept in the history
 * as one entry; Ctrl-C empties the line being typed (or stops the statement running). The
 * completion state is the session's (readline's callbacks take no argument, hence one
 * pointer to it here, set while the loop runs). */
#include "tools/ddbc/edit.h"

#include <editline/readline.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "query/buf.h"
#include "tools/ddbc/admin.h"
#include "tools/ddbc/exec.h"
#include "tools/ddbc/lang.h"

static session_t *ED_SESSION; /* the session completion reads while ed_loop runs */

static const char *const KEYWORDS[] = {"SELECT",
                                       "FROM",
                                       "WHERE",
                                       "AND",
                                       "OR",
                                       "NOT",
                                       "BETWEEN",
                                       "IN",
                                       "IS",
                                       "NULL",
                                       "MISSING",
                                       "EXISTS",
                                       "INSERT",
                                       "INTO",
                                       "VALUE",
                                       "UPDATE",
                                       "SET",
                                       "REMOVE",
                                       "DELETE",
                                       "RETURNING",
                                       "ALL",
                                       "OLD",
                                       "NEW",
                                       "MODIFIED",
                                       "ORDER",
                                       "BY",
                                       "ASC",
                                       "DESC",
                                       "LIMIT",
                                       "EXPLAIN",
                                       "BEGIN",
                                       "COMMIT",
                                       "ROLLBACK",
                                       "CREATE",
                                       "ALTER",
                                       "DROP",
                                       "TABLE",
                                       "TABLES",
                                       "SHOW",
                                       "DESCRIBE",
                                       "TAIL",
                                       "TRIM_HORIZON",
                                       "LATEST",
                                       "GSI",
                                       "LSI",
                                       "HASH",
                                       "RANGE",
                                       "PROJECT",
                                       "KEYS",
                                       "INCLUDE",
                                       "STREAM",
                                       "NEW_AND_OLD_IMAGES",
                                       "NEW_IMAGE",
                                       "OLD_IMAGE",
                                       "KEYS_ONLY",
                                       "OFF",
                                       "TTL",
                                       "BILLING",
                                       "PAY_PER_REQUEST",
                                       "PROVISIONED",
                                       "ADD",
                                       "begins_with",
                                       "contains",
                                       "attribute_exists",
                                       "attribute_not_exists",
                                       "attribute_type",
                                       "size",
                                       "list_append",
                                       "set_add",
                                       "set_delete",
                                       "\\use",
                                       "\\d",
                                       "\\o",
                                       "\\x",
                                       "\\timing",
                                       "\\capacity",
                                       "\\connect",
                                       "\\i",
                                       "\\q",
                                       "\\?",
                                       NULL};

/* The candidates: keywords (in the case the word was started in), then names; only table
 * names where a table name goes (after FROM, INTO, UPDATE, TABLE, DESCRIBE, TAIL, \use, \d). */
static size_t CAND_LIST, CAND_IDX;
static bool ONLY_TABLES;

/* Whether the word before offset start of the line is one a table name follows. */
static bool after_table_word(const char *line, int start) {
    static const char *const words[] = {"FROM", "INTO",  "UPDATE", "TABLE", "DESCRIBE",
                                        "TAIL", "\\use", "\\d",    NULL};
    int e = start;
    while (e > 0 && (line[e - 1] == ' ' || line[e - 1] == '\t'))
        e--;
    int b = e;
    while (b > 0 && line[b - 1] != ' ' && line[b - 1] != '\t')
        b--;
    for (size_t i = 0; words[i]; i++) {
        if ((size_t)(e - b) == strlen(words[i]) && strncasecmp(line + b, words[i], e - b) == 0)
            return true;
    }
    return false;
}

static char *next_name(const ss_names_t *l, const char *text, size_t len) {
    while (CAND_IDX < l->n) {
        const char *n = l->v[CAND_IDX++];
        if (strncmp(n, text, len) == 0) return strdup(n);
    }
    return NULL;
}

static char *generator(const char *text, int state) {
    session_t *s = ED_SESSION;
    size_t len = strlen(text);
    if (!state) {
        CAND_LIST = 0;
        CAND_IDX = 0;
        if (!s->tables_listed) ad_list_tables(s);
    }
    if (CAND_LIST == 0 && ONLY_TABLES) {
        CAND_LIST = 1;
        CAND_IDX = 0;
    }
    if (CAND_LIST == 0) {
        bool lower = len && text[0] >= 'a' && text[0] <= 'z';
        while (KEYWORDS[CAND_IDX]) {
            const char *k = KEYWORDS[CAND_IDX++];
            if (strncasecmp(k, text, len) != 0) continue;
            char *c = strdup(k);
            for (char *p = c; lower && *p; p++)
                if (*p >= 'A' && *p <= 'Z') *p = (char)(*p + 32);
            return c;
        }
        CAND_LIST = 1;
        CAND_IDX = 0;
    }
    const ss_names_t *lists[] = {NULL, &s->tables, &s->indexes, &s->attrs};
    for (; CAND_LIST < (ONLY_TABLES ? 2u : 4u); CAND_LIST++, CAND_IDX = 0) {
        char *c = next_name(lists[CAND_LIST], text, len);
        if (c) return c;
    }
    return NULL;
}

static char **complete(const char *text, int start, int end) {
    (void)end;
    ONLY_TABLES = after_table_word(rl_line_buffer, start);
    rl_attempted_completion_over = 1;
    return rl_completion_matches(text, generator);
}

static const char *prompt(const session_t *s, bool continuation) {
    static char p[300];
    if (continuation) return "   ...> ";
    snprintf(p, sizeof p, "ddbc%s%s%s> ", *s->use ? ":" : "", s->use, s->tx ? "*" : "");
    return p;
}

/* Keeps statement text[0..len) in the history as one line. */
static void remember(const char *text, size_t len, const char *file) {
    char *h = malloc(len + 1);
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        h[n++] = text[i] == '\n' ? ' ' : text[i];
    while (n && h[n - 1] == ' ')
        n--;
    h[n] = '\0';
    if (n) {
        add_history(h);
        if (file) write_history(file);
    }
    free(h);
}

int ed_loop(session_t *s) {
    ED_SESSION = s;
    char file[1024] = "";
    const char *home = getenv("HOME");
    if (home) snprintf(file, sizeof file, "%s/.ddbc_history", home);
    rl_readline_name = "ddbc";
    rl_attempted_completion_function = complete;
    rl_basic_word_break_characters = " \t\n\"'`(),;=<>{}[]";
    using_history();
    stifle_history(2000);
    if (*file) read_history(file);
    buf_t acc;
    buf_init(&acc);
    int failed = 0;
    for (;;) {
        atomic_store(&s->stop, 0);
        char *line = readline(prompt(s, acc.len > 0));
        if (!line) {
            if (atomic_load(&s->stop)) { /* Ctrl-C at the prompt: drop what was typed */
                buf_reset(&acc);
                fputc('\n', stdout);
                continue;
            }
            break;
        }
        buf_puts(&acc, line);
        buf_putc(&acc, '\n');
        free(line);
        for (;;) {
            bool blank;
            size_t end = lx_statement_end(acc.data, acc.len, &blank);
            if (blank) buf_reset(&acc);
            if (!end) break;
            remember(acc.data, end, *file ? file : NULL);
            atomic_store(&s->stop, 0);
            int rc = ex_run(s, acc.data, end);
            memmove(acc.data, acc.data + end, acc.len - end);
            acc.len -= end;
            if (rc == 1) {
                buf_free(&acc);
                ED_SESSION = NULL;
                return failed;
            }
            failed += rc != 0;
        }
    }
    fputc('\n', stdout);
    buf_free(&acc);
    ED_SESSION = NULL;
    return failed;
}
