/* uattest-agent: the attestation proxy on the attested machine (docs/agent.md). Flags and the
 * config file are in config.c; this file starts the agent, waits for SIGINT/SIGTERM and stops it
 * cleanly (the socket file is removed, the keys wiped). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "service/daemon.h"
#include "service/log.h"

static int serve(uat_agent *a, const sigset_t *stop)
{
    uat_agent_http *h = NULL;
    unsigned port = 0;
    uat_err e = uat_agent_http_start(a, &h, &port);
    if (e != UAT_OK) {
        return uat_daemon_failed("cannot listen", e);
    }
    e = uat_agent_refresher_start(a);
    if (e != UAT_OK) {
        uat_agent_http_stop(h);
        return uat_daemon_failed("cannot start the token refresher", e);
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
    if (c->ready_file != NULL && (e = uat_daemon_ready_file(c->ready_file, port)) != UAT_OK) {
        uat_agent_http_stop(h);
        return uat_daemon_failed("cannot write the ready file", e);
    }
    uat_daemon_wait(stop);
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
    sigset_t stop;
    uat_daemon_signals(&stop); /* before any thread starts: all inherit it */
    uat_agent *a = NULL;
    uat_err e = uat_agent_open(&cfg, &a);
    rc = e == UAT_OK ? serve(a, &stop) : uat_daemon_failed("cannot open the attester", e);
    uat_agent_close(a);
    uat_agent_config_free(&cfg);
    return rc;
}
