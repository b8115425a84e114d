/* Daemon start-up and shut-down shared by uattestd and uattest-agent (daemon.h). */
#include "service/daemon.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "service/log.h"

int uat_daemon_failed(const char *what, uat_err e)
{
    char text[768];
    const uat_error_detail *d = uat_last_error();
    if (d->err == e) {
        uat_error_format(d, text, sizeof(text));
    } else {
        snprintf(text, sizeof(text), "%s", uat_err_message(e));
    }
    uat_log_event("error", what, "error", uat_err_name(e), "detail", text, NULL);
    return uat_err_exit_code(e);
}

uat_err uat_daemon_ready_file(const char *path, unsigned port)
{
    char text[16];
    int n = snprintf(text, sizeof(text), "%u\n", port);
    return uat_file_write_atomic(path, text, (size_t)n, 0644);
}

void uat_daemon_signals(sigset_t *stop)
{
    signal(SIGPIPE, SIG_IGN);
    sigemptyset(stop);
    sigaddset(stop, SIGINT);
    sigaddset(stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, stop, NULL);
}

void uat_daemon_wait(const sigset_t *stop)
{
    int sig = 0;
    sigwait(stop, &sig);
    uat_log_event("info", "stopping", "signal", sig == SIGTERM ? "SIGTERM" : "SIGINT", NULL);
}

int uat_daemon_usage(const char *prog, const char *msg)
{
    fprintf(stderr, "%s: %s (see '%s --help')\n", prog, msg, prog);
    return uat_err_exit_code(UAT_ERR_USAGE_INVALID_ARGUMENT);
}

int uat_daemon_set_str(const char *prog, char **slot, const char *v)
{
    char *copy = strdup(v);
    if (copy == NULL) {
        return uat_daemon_usage(prog, "out of memory");
    }
    free(*slot);
    *slot = copy;
    return 0;
}
