/* fn_node.c: node: functions: a pool of long-lived `node -e RUNNER` workers
 * per function (concurrent invocations get separate workers, as Lambda
 * instances; grown on demand up to POOL_MAX), the frame protocol on the
 * worker's fd 3 (see streams/node_runner.js), its stdout/stderr forwarded
 * to the log, timeouts and deaths turned into Lambda's errors. A worker that
 * timed out or died is never reused: it is killed, reaped and replaced. */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "streams/fn_internal.h"

#define POOL_MAX        10    /* workers per function */
#define INIT_TIMEOUT_MS 10000 /* Lambda's limit on a function's init phase */
#define LOG_BUF         8192

typedef struct worker {
    pid_t pid; /* 0: no process in this slot */
    int ctl;   /* our end of the frame socket (the worker's fd 3), non-blocking */
    int out, err;
    char obuf[LOG_BUF], ebuf[LOG_BUF];
    size_t olen, elen;
    char *cbuf; /* frames received, not yet consumed */
    size_t clen, ccap;
    bool busy; /* taken by an invocation (or being spawned) */
} worker_t;

struct fn__node_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    worker_t w[POOL_MAX];
};

/* Splits PATH.EXPORT as Lambda does: the module is the path up to the first
 * '.' of its last component. */
static int split_handler(const char *target, char *mod, size_t modlen) {
    const char *slash = strrchr(target, '/');
    const char *base = slash ? slash + 1 : target;
    const char *dot = strchr(base, '.');
    if (!dot || dot == base || !dot[1]) return -1;
    snprintf(mod, modlen, "%.*s", (int)(dot - target), target);
    return 0;
}

int fn__node_check(const char *target, char *err, size_t errlen) {
    char mod[4096];
    if (split_handler(target, mod, sizeof mod)) {
        snprintf(err, errlen,
                 "--function node:%s: want PATH.EXPORT, the handler as serverless.yml names it "
                 "(functions/events/process.handler)",
                 target);
        return -1;
    }
    static const char *const exts[] = {".js", ".mjs", ".cjs"};
    for (size_t i = 0; i < 3; i++) {
        char path[4200];
        struct stat st;
        snprintf(path, sizeof path, "%s%s", mod, exts[i]);
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) return 0;
    }
    char cwd[1024];
    if (!getcwd(cwd, sizeof cwd)) snprintf(cwd, sizeof cwd, "?");
    snprintf(err, errlen, "--function node:%s: no handler file %s.js, %s.mjs or %s.cjs (in %s)",
             target, mod, mod, mod, cwd);
    return -1;
}

fn__node_pool_t *fn__node_pool_new(void) {
    fn__node_pool_t *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    return p;
}

/* Kills (when still running) and reaps the worker, forwards what it logged
 * last, and leaves its slot empty; returns its wait status. */
static int worker_end(fn_registry_t *r, worker_t *w, bool kill_it) {
    int st = 0;
    if (w->pid > 0) {
        if (kill_it) kill(w->pid, SIGKILL);
        /* a worker that closed fd 3 is exiting: give it a moment to say how */
        for (int i = 0; i < 200 && !kill_it; i++) {
            pid_t got = waitpid(w->pid, &st, WNOHANG);
            if (got == w->pid) goto reaped;
            if (got < 0) goto reaped;
            usleep(5000);
        }
        kill(w->pid, SIGKILL);
        while (waitpid(w->pid, &st, 0) < 0 && errno == EINTR) {
        }
    }
reaped:
    if (w->ctl >= 0) close(w->ctl);
    if (w->out >= 0) {
        ssize_t n;
        while ((n = read(w->out, w->obuf + w->olen, LOG_BUF - w->olen)) > 0) {
            w->olen += (size_t)n;
            fn__log_lines(r, NULL, w->obuf, &w->olen, w->olen == LOG_BUF);
        }
        fn__log_lines(r, NULL, w->obuf, &w->olen, true);
        close(w->out);
    }
    if (w->err >= 0) {
        ssize_t n;
        while ((n = read(w->err, w->ebuf + w->elen, LOG_BUF - w->elen)) > 0) {
            w->elen += (size_t)n;
            fn__log_lines(r, NULL, w->ebuf, &w->elen, w->elen == LOG_BUF);
        }
        fn__log_lines(r, NULL, w->ebuf, &w->elen, true);
        close(w->err);
    }
    free(w->cbuf);
    bool busy = w->busy;
    *w = (worker_t){.pid = 0, .ctl = -1, .out = -1, .err = -1, .busy = busy};
    return st;
}

/* Reads what a log pipe has into its line buffer and forwards whole lines;
 * a line longer than the buffer goes out in pieces. */
static void drain_log(fn_registry_t *r, int fd, char *buf, size_t *len) {
    for (;;) {
        ssize_t n = read(fd, buf + *len, LOG_BUF - *len);
        if (n <= 0) return;
        *len += (size_t)n;
        fn__log_lines(r, NULL, buf, len, *len == LOG_BUF);
    }
}

/* A complete frame at the start of cbuf: its type and payload. */
static bool frame_ready(worker_t *w, char *type, size_t typelen, size_t *off, size_t *plen) {
    char *nl = memchr(w->cbuf, '\n', w->clen);
    if (!nl) return false;
    char *sp = memchr(w->cbuf, ' ', (size_t)(nl - w->cbuf));
    if (!sp) return false;
    snprintf(type, typelen, "%.*s", (int)(sp - w->cbuf), w->cbuf);
    size_t len = strtoull(sp + 1, NULL, 10);
    size_t hdr = (size_t)(nl - w->cbuf) + 1;
    if (w->clen < hdr + len) return false;
    *off = hdr;
    *plen = len;
    return true;
}

static void frame_consume(worker_t *w, size_t n) {
    memmove(w->cbuf, w->cbuf + n, w->clen - n);
    w->clen -= n;
}

/* Sends out[0..outlen) and waits for the next frame, forwarding logs all the
 * while (a worker blocked on a full stdout pipe would never answer).
 * 0: a frame is ready; 1: the deadline passed; -1: the worker is gone. */
static int pump(fn_registry_t *r, worker_t *w, const char *out, size_t outlen, long long deadline,
                char *type, size_t typelen, size_t *off, size_t *plen) {
    size_t sent = 0;
    for (;;) {
        if (sent == outlen && w->clen && frame_ready(w, type, typelen, off, plen)) return 0;
        long long left = deadline - fn__now_ms();
        if (left <= 0) return 1;
        struct pollfd pf[3] = {{w->ctl, (short)(POLLIN | (sent < outlen ? POLLOUT : 0)), 0},
                               {w->out, POLLIN, 0},
                               {w->err, POLLIN, 0}};
        int n = poll(pf, 3, (int)(left > 1000000 ? 1000000 : left));
        if (n < 0 && errno != EINTR) return -1;
        if (n <= 0) continue;
        if (pf[1].revents) drain_log(r, w->out, w->obuf, &w->olen);
        if (pf[2].revents) drain_log(r, w->err, w->ebuf, &w->elen);
        if (pf[0].revents & POLLOUT) {
            ssize_t k = send(w->ctl, out + sent, outlen - sent, MSG_NOSIGNAL);
            if (k < 0 && errno != EAGAIN && errno != EINTR) return -1;
            if (k > 0) sent += (size_t)k;
        }
        if (pf[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            if (w->ccap - w->clen < 65536) {
                size_t cap = w->ccap ? w->ccap * 2 : 131072;
                char *b = realloc(w->cbuf, cap);
                if (!b) return -1;
                w->cbuf = b;
                w->ccap = cap;
            }
            ssize_t k = recv(w->ctl, w->cbuf + w->clen, w->ccap - w->clen, 0);
            if (k == 0) return -1;
            if (k < 0 && errno != EAGAIN && errno != EINTR) return -1;
            if (k > 0) w->clen += (size_t)k;
        }
    }
}

/* Starts a worker in slot w and waits for its READY. 0, or -1 with out set. */
static int worker_spawn(fn_registry_t *r, fn_entry_t *e, const char *arn, worker_t *w,
                        fn_result_t *out) {
    int sv[2] = {-1, -1}, po[2] = {-1, -1}, pe[2] = {-1, -1};
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) || pipe2(po, O_CLOEXEC) ||
        pipe2(pe, O_CLOEXEC) || devnull < 0) {
        fn__fail(out, FN_UNREACHABLE, "ServiceException", "cannot start node: %s", strerror(errno));
        int fds[] = {sv[0], sv[1], po[0], po[1], pe[0], pe[1], devnull};
        for (size_t i = 0; i < 7; i++)
            if (fds[i] >= 0) close(fds[i]);
        return -1;
    }
    const char *vars[] = {"DDB_FN_NAME", e->name,         "DDB_FN_HANDLER", e->target, "DDB_FN_ARN",
                          arn,           "DDB_FN_REGION", r->o.region,      NULL};
    char *argv[] = {"node", "-e", (char *)fn__node_runner_js, NULL};
    int fds[] = {devnull, po[1], pe[1], sv[1]};
    pid_t pid = fn__spawn("node", true, argv, fds, 4, vars, false);
    int rc = pid < 0 ? -1 : 0;
    int saved = errno;
    close(sv[1]);
    close(po[1]);
    close(pe[1]);
    close(devnull);
    if (rc) {
        close(sv[0]);
        close(po[0]);
        close(pe[0]);
        fn__fail(out, FN_UNREACHABLE, "ServiceException", "cannot start node: %s", strerror(saved));
        return -1;
    }
    w->pid = pid;
    w->ctl = sv[0];
    w->out = po[0];
    w->err = pe[0];
    fcntl(w->ctl, F_SETFL, fcntl(w->ctl, F_GETFL) | O_NONBLOCK);
    fcntl(w->out, F_SETFL, fcntl(w->out, F_GETFL) | O_NONBLOCK);
    fcntl(w->err, F_SETFL, fcntl(w->err, F_GETFL) | O_NONBLOCK);
    char type[16];
    size_t off, plen;
    int got = pump(r, w, NULL, 0, fn__now_ms() + INIT_TIMEOUT_MS, type, sizeof type, &off, &plen);
    if (got == 0 && !strcmp(type, "READY")) {
        frame_consume(w, off + plen);
        return 0;
    }
    int st = worker_end(r, w, true);
    if (got == 1) {
        fn__fail(out, FN_ERROR, "Runtime.InitError",
                 "the node worker of %s did not initialise within %d seconds", e->name,
                 INIT_TIMEOUT_MS / 1000);
    } else {
        fn__fail(out, FN_ERROR, "Runtime.ExitError",
                 "Runtime exited during init: exit status %d (is node installed?)",
                 WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
    }
    return -1;
}

/* Takes an idle worker, or an empty slot to start one in; waits when all
 * POOL_MAX are busy. */
static worker_t *acquire(fn__node_pool_t *p) {
    pthread_mutex_lock(&p->mu);
    worker_t *got = NULL;
    while (!got) {
        for (int i = 0; i < POOL_MAX && !got; i++)
            if (!p->w[i].busy && p->w[i].pid > 0) got = &p->w[i];
        for (int i = 0; i < POOL_MAX && !got; i++)
            if (!p->w[i].busy) got = &p->w[i];
        if (!got) pthread_cond_wait(&p->cv, &p->mu);
    }
    got->busy = true;
    pthread_mutex_unlock(&p->mu);
    return got;
}

static void release(fn__node_pool_t *p, worker_t *w) {
    pthread_mutex_lock(&p->mu);
    w->busy = false;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

/* The error of an "E" frame: {errorType, errorMessage}. */
static void error_frame(fn_result_t *out, const char *p, size_t n) {
    cJSON *j = cJSON_ParseWithLength(p, n);
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "errorType");
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "errorMessage");
    fn__fail(out, FN_ERROR, cJSON_IsString(t) ? t->valuestring : "Error", "%s",
             cJSON_IsString(m) ? m->valuestring : "");
    cJSON_Delete(j);
}

void fn__node_invoke(fn_registry_t *r, fn_entry_t *e, const char *arn, const char *event,
                     size_t len, const char *request_id, fn_result_t *out) {
    fn__node_pool_t *p = e->pool;
    worker_t *w = acquire(p);
    int st;
    if (w->pid > 0 && waitpid(w->pid, &st, WNOHANG) == w->pid) {
        /* it died while idle (an exception thrown after it answered): replace it */
        w->pid = -1;
        worker_end(r, w, false);
    }
    if (w->pid <= 0) {
        *w = (worker_t){.ctl = -1, .out = -1, .err = -1, .busy = true};
        if (worker_spawn(r, e, arn, w, out)) {
            release(p, w);
            return;
        }
    }
    struct timeval tv;
    gettimeofday(&tv, NULL);
    long long deadline_epoch =
        (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000 + (long long)r->o.timeout_ms;
    cJSON *h = cJSON_CreateObject();
    cJSON_AddStringToObject(h, "requestId", request_id ? request_id : "");
    cJSON_AddNumberToObject(h, "deadline", (double)deadline_epoch);
    char *hs = cJSON_PrintUnformatted(h);
    cJSON_Delete(h);
    size_t hl = hs ? strlen(hs) : 0;
    size_t flen = 32 + hl + 1 + len;
    char *frame = hs ? malloc(flen) : NULL;
    if (!frame) {
        free(hs);
        release(p, w);
        fn__fail(out, FN_UNREACHABLE, "ServiceException", "out of memory");
        return;
    }
    int pre = snprintf(frame, 32, "I %zu\n", hl + 1 + len);
    memcpy(frame + pre, hs, hl);
    frame[pre + hl] = '\n';
    memcpy(frame + pre + hl + 1, event, len);
    free(hs);
    char type[16];
    size_t off, plen;
    int got = pump(r, w, frame, (size_t)pre + hl + 1 + len, fn__now_ms() + r->o.timeout_ms, type,
                   sizeof type, &off, &plen);
    free(frame);
    if (got == 0 && (!strcmp(type, "R") || !strcmp(type, "E"))) {
        if (type[0] == 'E') {
            error_frame(out, w->cbuf + off, plen);
        } else {
            out->outcome = FN_OK;
            out->status = 200;
        }
        out->body = malloc(plen + 1);
        if (out->body) {
            memcpy(out->body, w->cbuf + off, plen);
            out->body[plen] = 0;
            out->body_len = plen;
        }
        frame_consume(w, off + plen);
        /* what it logged while answering goes out before the caller logs the outcome */
        drain_log(r, w->out, w->obuf, &w->olen);
        drain_log(r, w->err, w->ebuf, &w->elen);
    } else if (got == 1) {
        fn__log(r, "%s: %s Task timed out after %.2f seconds", e->name,
                request_id ? request_id : "", r->o.timeout_ms / 1000.0);
        worker_end(r, w, true);
        fn__timed_out(out, r->o.timeout_ms);
    } else {
        st = worker_end(r, w, false);
        const char *rid = request_id ? request_id : "";
        char sig[32];
        if (WIFSIGNALED(st)) {
            fn__fail(out, FN_ERROR, "Runtime.ExitError",
                     "RequestId: %s Error: Runtime exited with error: signal: %s", rid,
                     fn__signal_name(WTERMSIG(st), sig, sizeof sig));
        } else if (WEXITSTATUS(st)) {
            fn__fail(out, FN_ERROR, "Runtime.ExitError",
                     "RequestId: %s Error: Runtime exited with error: exit status %d", rid,
                     WEXITSTATUS(st));
        } else {
            fn__fail(out, FN_ERROR, "Runtime.ExitError",
                     "RequestId: %s Error: Runtime exited without providing a reason", rid);
        }
    }
    release(p, w);
}

void fn__node_pool_free(fn__node_pool_t *p) {
    if (!p) return;
    for (int i = 0; i < POOL_MAX; i++) {
        worker_t *w = &p->w[i];
        if (w->pid <= 0) continue;
        /* closing fd 3 asks the runner to exit; a worker stuck in its handler is killed */
        shutdown(w->ctl, SHUT_RDWR);
    }
    for (int i = 0; i < POOL_MAX; i++) {
        worker_t *w = &p->w[i];
        if (w->pid <= 0) continue;
        int st;
        bool gone = false;
        for (int k = 0; k < 100 && !gone; k++) {
            gone = waitpid(w->pid, &st, WNOHANG) != 0;
            if (!gone) usleep(5000);
        }
        if (!gone) {
            kill(w->pid, SIGKILL);
            while (waitpid(w->pid, &st, 0) < 0 && errno == EINTR) {
            }
        }
        close(w->ctl);
        close(w->out);
        close(w->err);
        free(w->cbuf);
    }
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
}
