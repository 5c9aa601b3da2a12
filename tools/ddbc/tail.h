/* tail.h: TAIL t [FROM TRIM_HORIZON|LATEST] — follows a table's stream live through
 * libddbstreams (streams/dds.h, without leases) and prints each change until Ctrl-C. */
#ifndef DDBC_TAIL_H
#define DDBC_TAIL_H

#include <stddef.h>

#include "tools/ddbc/session.h"

/* text[0..len) is the whole statement, rest the offset after TAIL. 0, or -1 on error. */
int tail_run(session_t *s, const char *text, size_t len, size_t rest);

#endif
