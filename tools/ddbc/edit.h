/* edit.h: ddbc's interactive loop on a terminal: libedit line editing, multi-line statements
 * ending in ';', history kept in ~/.ddbc_history, and tab completion of keywords, table
 * names, index names and the attribute names seen in results. */
#ifndef DDBC_EDIT_H
#define DDBC_EDIT_H

#include "tools/ddbc/session.h"

/* Reads and runs statements until \q or end of input. Returns the number that failed. */
int ed_loop(session_t *s);

#endif
