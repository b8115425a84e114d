/* What uattestd and uattest-agent share as daemons: start-up failures logged by name with the
 * error table's exit code, the ready file, and SIGINT/SIGTERM taken with sigwait. */
#ifndef UAT_SERVICE_DAEMON_H
#define UAT_SERVICE_DAEMON_H

#include <signal.h>

#include "uattest/err.h"

/* Logs "what" with the error's name and detail; returns the error's exit code. */
int uat_daemon_failed(const char *what, uat_err e);
/* Writes "PORT\n" to path atomically (tests and supervisors wait for it). */
UAT_MUST_USE uat_err uat_daemon_ready_file(const char *path, unsigned port);
/* SIGPIPE ignored; SIGINT and SIGTERM blocked in this thread and every thread it starts
 * (call before any starts) and collected in *stop for uat_daemon_wait. */
void uat_daemon_signals(sigset_t *stop);
/* Waits for one of stop's signals and logs it. */
void uat_daemon_wait(const sigset_t *stop);
/* A usage error from a flag or the config: "prog: msg (see 'prog --help')" on stderr. */
int uat_daemon_usage(const char *prog, const char *msg);
/* *slot = a copy of v (the old value freed); a usage error when out of memory. */
int uat_daemon_set_str(const char *prog, char **slot, const char *v);

#endif
