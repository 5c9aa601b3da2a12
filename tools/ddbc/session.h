/* session.h: one ddbc session's state — the connection (streams/client.h), the output
 * settings, the current table, the schema cache, an open transaction, the names seen for
 * completion — and the helpers every statement uses: calling the API, printing errors,
 * asking for confirmation. Implemented in session.c; only main.c creates a session. */
#ifndef DDBC_SESSION_H
#define DDBC_SESSION_H

#include <cjson/cJSON.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>

#include "query/arena.h"
#include "query/partiql.h"
#include "streams/client.h"
#include "tools/ddbc/output.h"

typedef struct ss_schema_entry {
    char table[256];
    ddb_arena_t *arena; /* holds schema's strings */
    pq_schema_t schema;
} ss_schema_entry_t;

typedef struct ss_names {
    char **v;
    size_t n, cap;
} ss_names_t;

typedef struct session {
    /* connection */
    char endpoint[512]; /* --endpoint / \connect URL, or "" (the environment's, else AWS's) */
    char region[64];    /* --region / \connect REGION, or "" */
    char profile[128];  /* --profile, or "" */
    dc_client_t *client;
    /* output */
    out_format_t format;
    bool expanded; /* \x */
    bool timing;   /* \timing */
    bool capacity; /* \capacity */
    /* interaction */
    bool yes;        /* --yes: no confirmation questions */
    bool tty;        /* statements come from a person at a terminal */
    char use[256];   /* \use: the current table, or "" */
    atomic_int stop; /* raised by Ctrl-C; ends the statement in progress */
    /* state */
    ss_schema_entry_t *schemas;
    size_t nschemas;
    cJSON *tx;                         /* BEGIN ... COMMIT: the TransactItems so far, or NULL */
    double consumed;                   /* capacity units the current statement consumed */
    ss_names_t tables, indexes, attrs; /* names seen, for completion */
    bool tables_listed;
} session_t;

/* (Re)connects with the session's endpoint/region/profile. 0, or -1 with the error printed. */
int ss_connect(session_t *s);
void ss_disconnect(session_t *s);

/* Calls op with req; on success *resp is the parsed answer (the caller frees it). On failure
 * prints "ERROR: <type>: <message>" and returns -1 (resp untouched); quiet: print nothing
 * and leave the service's error type in type_out (when not NULL). */
int ss_call(session_t *s, const char *op, const cJSON *req, cJSON **resp);
int ss_call_quiet(session_t *s, const char *op, const cJSON *req, cJSON **resp, char *type_out,
                  size_t cap, char *msg_out, size_t mcap);

/* The table's schema from DescribeTable, cached; NULL with the error printed. */
const pq_schema_t *ss_schema(session_t *s, const char *table);
/* Drops a table's cached schema (after DDL). */
void ss_forget(session_t *s, const char *table);

/* Prints an error: "ERROR: type: message" (type may be NULL). */
void ss_error(const char *type, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints a statement error pointing at byte pos of text[0..len): the line and a caret. */
void ss_error_at(const char *text, size_t len, size_t pos, const char *type, const char *msg);

/* Asks "question [y/N]" on a terminal; true with --yes; false (with a note to use --yes)
 * when the statements do not come from a terminal. */
bool ss_confirm(session_t *s, const char *question);

/* Remembers a name for completion (once). */
void ss_names_add(ss_names_t *l, const char *name);
void ss_names_clear(ss_names_t *l);

/* Writes b to stdout and flushes. */
void ss_print(const char *text, size_t len);

#endif
