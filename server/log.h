/* log.h: ddbd's log: leveled lines (error, warn, info, debug) as JSON
 * objects or aligned text, to stderr or an appended file that SIGHUP
 * reopens. Safe from any thread: a line is built on the caller's stack and
 * leaves in one write(2), so lines of concurrent writers never interleave.
 * One process-wide log, configured once at startup by main (log_open);
 * nothing here knows about requests, tables or the engine. */
#ifndef DDB_LOG_H
#define DDB_LOG_H

#include <stdbool.h>
#include <stddef.h>

typedef enum { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG } log_level_t;
typedef enum { LOG_JSON, LOG_TEXT } log_format_t;

/* Parses "error", "warn", "info" or "debug"; -1 for anything else. */
int log_parse_level(const char *s, log_level_t *out);

/* Parses "json" or "text"; -1 for anything else. */
int log_parse_format(const char *s, log_format_t *out);

/* Configures the log: lines at level or more severe, in fmt, appended to
 * path (created 0600 by the umask) or, path NULL, written to stderr.
 * 0, or -1 with a sentence in err. Before it: info lines, text, stderr. */
int log_open(log_level_t level, log_format_t fmt, const char *path, char *err, size_t errlen);

/* Opens the file again by its path (after logrotate renamed it) and makes
 * every later line go there; a writer racing it writes to the old file or
 * the new one, never to a closed descriptor. No-op without a file. 0, or
 * -1 (the old file stays in use) with a sentence in err. */
int log_reopen(char *err, size_t errlen);

/* Whether the log goes to a file (--log-file), not stderr. */
bool log_has_file(void);

/* Closes the file (a later line goes to stderr). */
void log_close(void);

/* Whether a line at level would be written. */
bool log_enabled(log_level_t level);

/* One line whose message is printf-formatted. */
void log_msg(log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A line verbatim (without its newline), whatever the format: output that
 * is someone else's text (a function's console), passed through. */
void log_raw(log_level_t level, const char *line, size_t len);

/* A line "WORD k=v k=v ...[: text]" (how the trigger dispatcher writes
 * its lines) with those fields: msg is the text after the colon, or WORD
 * plus msg_default; a value of up to 15 digits (no leading 0) is a number.
 * A line not of that form is the message. */
void log_kv_line(log_level_t level, const char *line, const char *msg_default);

/* A line with fields, built on the caller's stack:
 *     log_line_t l;
 *     if (log_begin(&l, LOG_INFO, "request")) {
 *         log_str(&l, "table", name, len);
 *         log_int(&l, "status", 200);
 *         log_end(&l);
 *     }
 * A line longer than the buffer is cut (its JSON stays valid). */
typedef struct log_line {
    char buf[4096];
    size_t len;
    size_t cap;       /* room for the fields: what the closing bytes need is kept back */
    size_t msg_start; /* text: where the message began, until the first field */
    log_format_t fmt;
    log_level_t level;
} log_line_t;

/* false (and nothing to end) when level is not logged. */
bool log_begin(log_line_t *l, log_level_t level, const char *msg);

/* A string field of len bytes (any bytes: escaped); s NULL: null. */
void log_str(log_line_t *l, const char *key, const char *s, size_t len);

/* An integer field. */
void log_int(log_line_t *l, const char *key, long long v);

/* A number field. */
void log_num(log_line_t *l, const char *key, double v);

/* Writes the line (into the thread's buffer, if it has one). */
void log_end(log_line_t *l);

/* From now on (on) the lines this thread ends with log_end collect in a
 * buffer of its own, written whole lines at a time by log_flush (or when
 * full): an event loop's request lines cost one write(2) per round, not
 * one per request. A log_msg or log_raw line flushes it first and is
 * written at once. off: flushes and frees the buffer. */
void log_thread_buffer(bool on);

/* Writes the calling thread's buffered lines. */
void log_flush(void);

#endif
