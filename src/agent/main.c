/* uattest-agent: the attestation proxy on the attested machine (docs/agent.md). Flags and the
 * config file are in config.c; this file starts the agent, waits for SIGINT/SIGTERM and stops it
 * cleanly (the socket file is removed, the keys wiped). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "core/file.h"
#include "service/log.h"

static int startup_failed(const char *what, uat_err e)
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

static uat_err write_ready_file(const char *path, unsigned port)
{
    char text[16];
    int n = snprintf(text, sizeof(text), "%u\n", port);
    return uat_file_write_atomic(path, text, (size_t)n, 0644);
}

static int serve(uat_agent *a, const sigset_t *stop)
{
    uat_agent_http *h = NULL;
    unsigned port = 0;
    uat_err e = uat_agent_http_start(a, &h, &port);
    if (e != UAT_OK) {
        return startup_failed("cannot listen", e);
    }
    e = uat_agent_refresher_start(a);
    if (e != UAT_OK) {
        uat_agent_http_stop(h);
        return startup_failed("cannot start the token refresher", e);
    }
    const uat_agent_config *c = a->cfg;
    char p[16];
    snprintf(p, sizeof(p), "%u", port);
    uat_log_event("info", "listening", "socket", c->socket_path, "group", c->socket_group,
                  "tcp_port", c->tcp_listen ? p : NULL, "tee", uat_attester_tee(a->attester),
                  "service", c->service_url, NULL);
    if (c->jwks_url == NULL) {
        uat_log_event("warn", "tokens are not verified by the agent: set service.jwks_url", "kind",
                      c->service_kind, NULL);
    }
    if (c->ready_file != NULL && (e = write_ready_file(c->ready_file, port)) != UAT_OK) {
        uat_agent_http_stop(h);
        return startup_failed("cannot write the ready file", e);
    }
    int sig = 0;
    sigwait(stop, &sig);
    uat_log_event("info", "stopping", "signal", sig == SIGTERM ? "SIGTERM" : "SIGINT", NULL);
    uat_agent_http_stop(h);
    return 0;
}

int main(int argc, char **argv)
{
    uat_agent_config cfg;
    int done = 0;
    int rc = uat_agent_config_load(argc, argv, &cfg, &done);
    if (rc != 0 || done) {
        uat_agent_config_free(&cfg);
        return rc;
    }
    signal(SIGPIPE, SIG_IGN);
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL); /* before any thread starts: all inherit it */
    uat_agent *a = NULL;
    uat_err e = uat_agent_open(&cfg, &a);
    rc = e == UAT_OK ? serve(a, &stop) : startup_failed("cannot open the attester", e);
    uat_agent_close(a);
    uat_agent_config_free(&cfg);
    return rc;
}
