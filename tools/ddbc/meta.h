/* meta.h: ddbc's backslash commands (\use, \d, \o, \x, \timing, \capacity, \connect, \i,
 * \q, \?) and the help texts (--help, \?). */
#ifndef DDBC_META_H
#define DDBC_META_H

#include <stddef.h>

#include "tools/ddbc/session.h"

/* Runs the meta-command text[0..len) (after its '\'). 0, -1 on error, 1 for \q. */
int meta_run(session_t *s, const char *text, size_t len);

/* The help of --help and of \? . */
extern const char *const META_USAGE;
extern const char *const META_HELP;

/* Reads a whole file into a malloc'ed buffer (*len its length); NULL with errno set. */
char *meta_read_file(const char *path, size_t *len);

#endif
