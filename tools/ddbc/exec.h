/* exec.h: runs ddbc statements: PartiQL planned client-side (explain.h) and executed through
 * GetItem / Query / Scan / PutItem / UpdateItem / DeleteItem, EXPLAIN, BEGIN ... COMMIT as
 * one TransactWriteItems, and the dispatch to DDL, SHOW, DESCRIBE, TAIL and meta-commands.
 * Prints results to stdout and errors to stderr. */
#ifndef DDBC_EXEC_H
#define DDBC_EXEC_H

#include <stddef.h>

#include "tools/ddbc/session.h"

/* Runs one statement text[0..len) (its ';' optional). 0, or -1 when it failed (the error
 * printed), or 1 for \q. */
int ex_run(session_t *s, const char *text, size_t len);

/* Runs every statement of a script text[0..len) in order (a last one may lack its ';').
 * Returns the number that failed, or -1 after \q. */
int ex_run_script(session_t *s, const char *text, size_t len);

#endif
