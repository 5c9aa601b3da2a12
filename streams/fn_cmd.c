/* fn_cmd.c: cmd: functions: PROGRAM run by /bin/sh -c (so it may carry
 * arguments and quoting) per invocation, the event on its stdin (a socket:
 * a program that exits without reading cannot SIGPIPE ddbd), its stdout the
 * response, its stderr forwarded line by line to the log. A non-zero exit or
 * a signal is a function error; past the timeout its process group is
 * killed. Every child is reaped and every descriptor closed before return. */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "streams/fn_internal.h"

#define MAX_RESPONSE (6u << 20) /* Lambda's synchronous response limit */

static pid_t spawn(fn_registry_t *r, fn_entry_t *e, const char *arn, const char *request_id, int in,
                   int out, int err) {
    const char *vars[] = {"AWS_LAMBDA_FUNCTION_NAME",
                          e->name,
                          "AWS_LAMBDA_FUNCTION_ARN",
                          arn,
                          "AWS_REQUEST_ID",
                          request_id ? request_id : "",
                          "AWS_REGION",
                          r->o.region,
                          NULL};
    char *argv[] = {"sh", "-c", e->target, NULL};
    int fds[] = {in, out, err};
    return fn__spawn("/bin/sh", false, argv, fds, 3, vars, true);
}

void fn__cmd_invoke(fn_registry_t *r, fn_entry_t *e, const char *arn, const char *event, size_t len,
                    const char *request_id, fn_result_t *out) {
    int sv[2] = {-1, -1}, po[2] = {-1, -1}, pe[2] = {-1, -1};
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) || pipe2(po, O_CLOEXEC) ||
        pipe2(pe, O_CLOEXEC)) {
        fn__fail(out, FN_UNREACHABLE, "ServiceException", "cannot run %s: %s", e->target,
                 strerror(errno));
        int fds[] = {sv[0], sv[1], po[0], po[1], pe[0], pe[1]};
        for (size_t i = 0; i < 6; i++)
            if (fds[i] >= 0) close(fds[i]);
        return;
    }
    pid_t pid = spawn(r, e, arn, request_id, sv[1], po[1], pe[1]);
    int saved = errno;
    close(sv[1]);
    close(po[1]);
    close(pe[1]);
    if (pid < 0) {
        close(sv[0]);
        close(po[0]);
        close(pe[0]);
        fn__fail(out, FN_UNREACHABLE, "ServiceException", "cannot run /bin/sh: %s",
                 strerror(saved));
        return;
    }
    int in = sv[0], o = po[0], er = pe[0];
    fcntl(in, F_SETFL, fcntl(in, F_GETFL) | O_NONBLOCK);
    fcntl(o, F_SETFL, fcntl(o, F_GETFL) | O_NONBLOCK);
    fcntl(er, F_SETFL, fcntl(er, F_GETFL) | O_NONBLOCK);
    if (len == 0) {
        shutdown(in, SHUT_WR);
    }
    char ebuf[8192];
    size_t elen = 0, sent = 0;
    char *body = NULL;
    size_t blen = 0, bcap = 0;
    bool too_big = false, timed_out = false, exited = false;
    int st = 0;
    long long deadline = fn__now_ms() + r->o.timeout_ms;
    while (o >= 0 || er >= 0 || !exited) {
        long long left = deadline - fn__now_ms();
        if (left <= 0) {
            timed_out = true;
            break;
        }
        if (!exited && waitpid(pid, &st, WNOHANG) == pid) exited = true;
        /* once it exited, what a leftover grandchild keeps open is not waited for */
        if (exited && o < 0 && er < 0) break;
        struct pollfd pf[3] = {{o, POLLIN, 0}, {er, POLLIN, 0}, {sent < len ? in : -1, POLLOUT, 0}};
        int n = poll(pf, 3, exited ? 0 : (int)(left < 20 ? left : 20));
        if (n < 0 && errno != EINTR) break;
        if (exited && n == 0) break;
        if (pf[2].revents & POLLOUT) {
            ssize_t k = send(in, event + sent, len - sent, MSG_NOSIGNAL);
            if (k > 0) sent += (size_t)k;
            if (k < 0 && errno != EAGAIN && errno != EINTR) sent = len; /* it stopped reading */
            if (sent == len) shutdown(in, SHUT_WR);
        } else if (pf[2].revents & (POLLERR | POLLHUP)) {
            sent = len;
        }
        if (pf[0].revents) {
            if (bcap - blen < 65536) {
                size_t cap = bcap ? bcap * 2 : 65536 * 2;
                char *b = realloc(body, cap);
                if (!b) {
                    too_big = true;
                    break;
                }
                body = b;
                bcap = cap;
            }
            ssize_t k = read(o, body + blen, bcap - blen - 1);
            if (k > 0) blen += (size_t)k;
            if (k == 0) {
                close(o);
                o = -1;
            }
            if (blen > MAX_RESPONSE) {
                too_big = true;
                break;
            }
        }
        if (pf[1].revents) {
            ssize_t k = read(er, ebuf + elen, sizeof ebuf - elen);
            if (k > 0) {
                elen += (size_t)k;
                fn__log_lines(r, request_id ? request_id : "", ebuf, &elen, elen == sizeof ebuf);
            } else if (k == 0) {
                close(er);
                er = -1;
            }
        }
    }
    if (!exited) {
        kill(-pid, SIGKILL);
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
        }
    }
    fn__log_lines(r, request_id ? request_id : "", ebuf, &elen, true);
    close(in);
    if (o >= 0) close(o);
    if (er >= 0) close(er);
    if (body) body[blen] = 0;
    out->body = body;
    out->body_len = blen;
    const char *rid = request_id ? request_id : "";
    char sig[32];
    if (timed_out) {
        fn__timed_out(out, r->o.timeout_ms);
    } else if (too_big) {
        fn__fail(out, FN_ERROR, "Function.ResponseSizeTooLarge",
                 "Response payload size exceeded maximum allowed payload size (6291556 bytes).");
    } else if (WIFSIGNALED(st)) {
        fn__fail(out, FN_ERROR, "Runtime.ExitError",
                 "RequestId: %s Error: Runtime exited with error: signal: %s", rid,
                 fn__signal_name(WTERMSIG(st), sig, sizeof sig));
    } else if (WEXITSTATUS(st)) {
        if (!fn__error_body(body ? body : "", blen, "Runtime.ExitError", out))
            fn__fail(out, FN_ERROR, "Runtime.ExitError",
                     "RequestId: %s Error: Runtime exited with error: exit status %d", rid,
                     WEXITSTATUS(st));
        out->outcome = FN_ERROR;
    } else if (!fn__error_body(body ? body : "", blen, "Unhandled", out)) {
        out->outcome = FN_OK;
        out->status = 200;
    }
}
