/* log.c: the process's log lines: built on the caller's stack, written in
 * one write(2) of whole lines (O_APPEND: concurrent writers' lines never
 * interleave) to a descriptor that SIGHUP's reopen replaces with dup2
 * (atomic: a writer never sees it closed). The configuration is set once
 * by main before any thread starts; only the descriptor's file changes
 * afterwards. Never allocates on the path of a line. */
#include "server/log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static log_level_t log_level = LOG_INFO;
static log_format_t log_fmt = LOG_TEXT;
static int log_fd = STDERR_FILENO;
static char *log_path; /* NULL: stderr */
/* The most one write(2) may carry and stay whole beside other writers: a
 * pipe keeps PIPE_BUF bytes together, a regular file a whole write */
static size_t log_atomic = PIPE_BUF;
static pthread_mutex_t reopen_mu = PTHREAD_MUTEX_INITIALIZER;

static const char *const level_names[] = {"error", "warn", "info", "debug"};
static const char *const level_upper[] = {"ERROR", "WARN ", "INFO ", "DEBUG"};

int log_parse_level(const char *s, log_level_t *out) {
    for (int i = 0; i < 4; i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *out = (log_level_t)i;
            return 0;
        }
    }
    return -1;
}

int log_parse_format(const char *s, log_format_t *out) {
    if (strcmp(s, "json") == 0) {
        *out = LOG_JSON;
        return 0;
    }
    if (strcmp(s, "text") == 0) {
        *out = LOG_TEXT;
        return 0;
    }
    return -1;
}

static int open_file(const char *path, char *err, size_t errlen) {
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) snprintf(err, errlen, "cannot open log file %s: %s", path, strerror(errno));
    return fd;
}

static size_t atomic_size(int fd) {
    struct stat st;
    return fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? SIZE_MAX : PIPE_BUF;
}

int log_open(log_level_t level, log_format_t fmt, const char *path, char *err, size_t errlen) {
    log_level = level;
    log_fmt = fmt;
    log_atomic = atomic_size(log_fd);
    if (!path) return 0;
    int fd = open_file(path, err, errlen);
    if (fd < 0) return -1;
    log_path = strdup(path);
    if (!log_path) abort();
    log_fd = fd;
    log_atomic = atomic_size(fd);
    return 0;
}

int log_reopen(char *err, size_t errlen) {
    if (!log_path) return 0;
    pthread_mutex_lock(&reopen_mu);
    int fd = open_file(log_path, err, errlen);
    int rc = -1;
    if (fd >= 0) {
        /* dup2 swaps the file behind log_fd in one step: a write racing it
         * lands in the old file or the new one */
        rc = dup2(fd, log_fd) < 0 ? -1 : 0;
        if (rc) snprintf(err, errlen, "cannot reopen log file: %s", strerror(errno));
        close(fd);
    }
    pthread_mutex_unlock(&reopen_mu);
    return rc;
}

bool log_has_file(void) {
    return log_path != NULL;
}

void log_close(void) {
    if (!log_path) return;
    close(log_fd);
    log_fd = STDERR_FILENO;
    free(log_path);
    log_path = NULL;
}

bool log_enabled(log_level_t level) {
    return level <= log_level;
}

/* ---- building a line ----------------------------------------------------- */

static bool room(log_line_t *l, size_t n) {
    return l->len + n <= l->cap;
}

static void put(log_line_t *l, const char *s, size_t n) {
    if (!room(l, n)) n = l->cap > l->len ? l->cap - l->len : 0;
    memcpy(l->buf + l->len, s, n);
    l->len += n;
}

static void puts_(log_line_t *l, const char *s) {
    put(l, s, strlen(s));
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if none. */
static size_t utf8_len(const unsigned char *s, size_t n) {
    size_t k = s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
    if (s[0] >= 0xF5 || k == 0 || k > n) return 0;
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
    }
    return k;
}

/* s as a JSON string, quotes included; invalid UTF-8 becomes U+FFFD. Cut
 * (still closed) when the line is full. */
static void put_quoted(log_line_t *l, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    l->buf[l->len++] = '"'; /* the reserve always holds a quote */
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n; i++) {
        if (!room(l, 6)) break;
        unsigned char c = p[i];
        if (c == '"' || c == '\\') {
            l->buf[l->len++] = '\\';
            l->buf[l->len++] = (char)c;
        } else if (c < 0x20 || c == 0x7F) {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            if (c == '\n' || c == '\t' || c == '\r') e[1] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
            put(l, e, e[1] == 'u' ? 6 : 2);
        } else if (c < 0x80) {
            l->buf[l->len++] = (char)c;
        } else {
            size_t k = utf8_len(p + i, n - i);
            if (k) {
                put(l, s + i, k);
                i += k - 1;
            } else {
                put(l, "\\ufffd", 6);
            }
        }
    }
    l->buf[l->len++] = '"';
}

/* A text value: bare when it is one plain word, else quoted as JSON. */
static void put_text_value(log_line_t *l, const char *s, size_t n) {
    bool plain = n > 0;
    for (size_t i = 0; i < n && plain; i++) {
        unsigned char c = (unsigned char)s[i];
        plain = c > 0x20 && c < 0x7F && c != '"' && c != '=';
    }
    if (plain)
        put(l, s, n);
    else
        put_quoted(l, s, n);
}

/* The time as ISO-8601 UTC with milliseconds; the date and the seconds are
 * formatted once a second per thread. */
static void put_time(log_line_t *l) {
    static _Thread_local time_t sec = -1;
    static _Thread_local char ymdhms[24];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (ts.tv_sec != sec) {
        struct tm tm;
        gmtime_r(&ts.tv_sec, &tm);
        strftime(ymdhms, sizeof ymdhms, "%Y-%m-%dT%H:%M:%S", &tm);
        sec = ts.tv_sec;
    }
    char t[40];
    int n = snprintf(t, sizeof t, "%s.%03dZ", ymdhms, (int)(ts.tv_nsec / 1000000));
    put(l, t, (size_t)n);
}

bool log_begin(log_line_t *l, log_level_t level, const char *msg) {
    if (level > log_level) return false;
    l->len = 0;
    l->msg_start = 0;
    l->cap = sizeof l->buf - 4; /* a closing quote, "}" and "\n" */
    l->fmt = log_fmt;
    l->level = level;
    if (l->fmt == LOG_JSON) {
        puts_(l, "{\"time\":\"");
        put_time(l);
        puts_(l, "\",\"level\":\"");
        puts_(l, level_names[level]);
        puts_(l, "\",\"msg\":");
        put_quoted(l, msg, strlen(msg));
        return true;
    }
    put_time(l);
    put(l, " ", 1);
    puts_(l, level_upper[level]);
    put(l, " ", 1);
    l->msg_start = l->len;
    for (const char *p = msg; *p; p++) /* one line, whatever the message holds */
        put(l, *p == '\n' || *p == '\r' ? " " : p, 1);
    return true;
}

static void put_key(log_line_t *l, const char *key) {
    if (l->fmt == LOG_JSON) {
        put(l, ",\"", 2);
        puts_(l, key);
        put(l, "\":", 2);
    } else {
        if (l->msg_start) { /* the first field: the fields start in one column */
            for (size_t w = l->len - l->msg_start; w < 8; w++)
                put(l, " ", 1);
            l->msg_start = 0;
        }
        put(l, " ", 1);
        puts_(l, key);
        put(l, "=", 1);
    }
}

void log_str(log_line_t *l, const char *key, const char *s, size_t len) {
    if (!room(l, strlen(key) + 8)) return;
    put_key(l, key);
    if (!s)
        puts_(l, l->fmt == LOG_JSON ? "null" : "-");
    else if (l->fmt == LOG_JSON)
        put_quoted(l, s, len);
    else
        put_text_value(l, s, len);
}

void log_int(log_line_t *l, const char *key, long long v) {
    char n[24];
    int k = snprintf(n, sizeof n, "%lld", v);
    if (!room(l, strlen(key) + 4 + (size_t)k)) return;
    put_key(l, key);
    put(l, n, (size_t)k);
}

void log_num(log_line_t *l, const char *key, double v) {
    char n[32];
    int k = snprintf(n, sizeof n, "%.10g", v);
    if (!room(l, strlen(key) + 4 + (size_t)k)) return;
    put_key(l, key);
    put(l, n, (size_t)k);
}

static void write_line(const char *s, size_t n) {
    while (n > 0) {
        ssize_t w = write(log_fd, s, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return; /* nowhere to say so: the line is lost */
        s += w;
        n -= (size_t)w;
    }
}

/* A thread's buffered lines (log_thread_buffer): whole lines only. */
typedef struct tbuf {
    char *data;
    size_t len;
} tbuf_t;
#define TBUF_CAP (64 * 1024)
static _Thread_local tbuf_t tbuf;

void log_thread_buffer(bool on) {
    log_flush();
    if (on && !tbuf.data) {
        tbuf.data = malloc(TBUF_CAP);
        if (!tbuf.data) abort();
    }
    if (!on) {
        free(tbuf.data);
        tbuf.data = NULL;
    }
}

void log_flush(void) {
    size_t at = 0;
    while (at < tbuf.len) { /* the most whole lines that stay whole in one write */
        size_t n = tbuf.len - at;
        if (n > log_atomic) {
            n = 0;
            for (size_t i = at; i < tbuf.len && i - at < log_atomic; i++) {
                if (tbuf.data[i] == '\n') n = i + 1 - at;
            }
            if (n == 0) n = log_atomic; /* no line is longer: cannot happen */
        }
        write_line(tbuf.data + at, n);
        at += n;
    }
    tbuf.len = 0;
}

static void finish(log_line_t *l, bool buffered) {
    if (l->fmt == LOG_JSON) l->buf[l->len++] = '}';
    l->buf[l->len++] = '\n';
    if (!buffered || !tbuf.data) {
        log_flush(); /* after what the thread wrote before it */
        write_line(l->buf, l->len);
        return;
    }
    if (tbuf.len + l->len > TBUF_CAP) log_flush();
    memcpy(tbuf.data + tbuf.len, l->buf, l->len);
    tbuf.len += l->len;
}

void log_end(log_line_t *l) {
    finish(l, true);
}

void log_msg(log_level_t level, const char *fmt, ...) {
    if (level > log_level) return;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    log_line_t l;
    log_begin(&l, level, msg);
    finish(&l, false);
}

void log_raw(log_level_t level, const char *line, size_t len) {
    if (level > log_level) return;
    char buf[4096];
    if (len > sizeof buf - 1) len = sizeof buf - 1;
    memcpy(buf, line, len);
    buf[len] = '\n';
    log_flush();
    write_line(buf, len + 1);
}

static bool is_number(const char *s, size_t n) {
    if (n == 0 || n > 15 || (s[0] == '0' && n > 1)) return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
    }
    return true;
}

void log_kv_line(log_level_t level, const char *line, const char *msg_default) {
    if (level > log_level) return;
    const char *word_end = strchr(line, ' ');
    struct {
        const char *k, *v;
        size_t kn, vn;
    } f[24];
    int nf = 0;
    const char *p = word_end ? word_end + 1 : line + strlen(line), *rest = NULL;
    while (*p && nf < 24) {
        size_t tn = strcspn(p, " ");
        const char *eq = memchr(p, '=', tn);
        if (!eq || eq == p || eq - p > 31) break;
        bool last = p[tn - 1] == ':';
        f[nf].k = p, f[nf].kn = (size_t)(eq - p);
        f[nf].v = eq + 1, f[nf].vn = tn - f[nf].kn - 1 - (last ? 1 : 0);
        nf++;
        p += tn;
        while (*p == ' ')
            p++;
        if (last) {
            rest = p;
            break;
        }
    }
    if (!word_end || nf == 0 || (*p && !rest)) {
        log_msg(level, "%s", line);
        return;
    }
    char msg[1024];
    if (rest)
        snprintf(msg, sizeof msg, "%.*s", (int)strlen(rest), rest);
    else
        snprintf(msg, sizeof msg, "%.*s%s", (int)(word_end - line), line, msg_default);
    log_line_t l;
    log_begin(&l, level, msg);
    for (int i = 0; i < nf; i++) {
        char key[32];
        memcpy(key, f[i].k, f[i].kn);
        key[f[i].kn] = '\0';
        if (is_number(f[i].v, f[i].vn))
            log_int(&l, key, strtoll(f[i].v, NULL, 10));
        else
            log_str(&l, key, f[i].v, f[i].vn);
    }
    log_end(&l);
}
