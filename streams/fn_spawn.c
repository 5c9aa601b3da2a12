/* fn_spawn.c: how every function process starts (cmd: programs, node
 * workers): posix_spawn with the caller's descriptors in place, ddbd's
 * environment plus the function's own variables, SIGPIPE back at its
 * default (ddbd ignores it) and no signal blocked. Never forks ddbd's
 * memory; never leaves a descriptor of ddbd open in the child (all are
 * O_CLOEXEC). */
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "streams/fn_internal.h"

extern char **environ;

/* The environment: ddbd's, then "NAME=value" for each pair of vars. */
static char **make_env(const char *const vars[]) {
    size_t nenv = 0, nvars = 0;
    while (environ[nenv])
        nenv++;
    while (vars[nvars * 2])
        nvars++;
    char **envp = calloc(nenv + nvars + 1, sizeof *envp);
    if (!envp) return NULL;
    memcpy(envp, environ, nenv * sizeof *envp);
    for (size_t i = 0; i < nvars; i++) {
        const char *name = vars[2 * i], *value = vars[2 * i + 1] ? vars[2 * i + 1] : "";
        size_t n = strlen(name) + strlen(value) + 2;
        char *s = malloc(n);
        if (!s) {
            for (size_t k = 0; k < i; k++)
                free(envp[nenv + k]);
            free(envp);
            return NULL;
        }
        snprintf(s, n, "%s=%s", name, value);
        envp[nenv + i] = s;
    }
    return envp;
}

pid_t fn__spawn(const char *file, bool search, char *const argv[], const int *fds, int nfds,
                const char *const vars[], bool own_group) {
    char **envp = make_env(vars);
    if (!envp) {
        errno = ENOMEM;
        return -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    for (int i = 0; i < nfds; i++)
        posix_spawn_file_actions_adddup2(&fa, fds[i], i);
    posix_spawnattr_init(&at);
    sigset_t none, def;
    sigemptyset(&none);
    sigemptyset(&def);
    sigaddset(&def, SIGPIPE);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &def);
    short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    if (own_group) {
        posix_spawnattr_setpgroup(&at, 0); /* a timeout kills the whole group */
        flags |= POSIX_SPAWN_SETPGROUP;
    }
    posix_spawnattr_setflags(&at, flags);
    pid_t pid = -1;
    int rc = search ? posix_spawnp(&pid, file, &fa, &at, argv, envp)
                    : posix_spawn(&pid, file, &fa, &at, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    size_t nenv = 0;
    while (environ[nenv])
        nenv++;
    for (char **p = envp + nenv; *p; p++)
        free(*p);
    free(envp);
    if (rc) {
        errno = rc;
        return -1;
    }
    return pid;
}
