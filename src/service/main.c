/* uattestd: the attestation service (docs/service.md). Flags and the config file are in config.c;
 * this file starts the service, waits for SIGINT/SIGTERM and stops it cleanly. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/config.h"
#include "service/http.h"
#include "service/daemon.h"
#include "service/log.h"

static int init_admin(uat_svc *s)
{
    char token[128];
    uat_err e = uat_svc_admin_create(s, token, sizeof(token));
    if (e != UAT_OK) {
        return uat_daemon_failed("cannot create an admin token", e);
    }
    /* printed once: only its SHA-256 is kept */
    printf("%s\n", token);
    fflush(stdout);
    uat_wipe(token, sizeof(token));
    return 0;
}

static void log_listening(const uat_svc_config *cfg, unsigned port)
{
    char p[16];
    snprintf(p, sizeof(p), "%u", port);
    uat_log_event("info", "listening", "listen", cfg->listen, "port", p, "scheme",
                  cfg->tls_cert ? "https" : "http", "data_dir", cfg->data_dir, "trust", cfg->trust,
                  NULL);
    if (cfg->jinzhao_lax_insecure) {
        uat_log_event("warning", "jinzhao_lax_insecure", "detail",
                      "jinzhao reports refused only for expiry are verified again without validity "
                      "periods (claim jinzhao_lax)",
                      NULL);
    }
}

/* Serves until SIGINT or SIGTERM (blocked in every thread, taken here with sigwait). */
static int serve(uat_svc *s, const sigset_t *stop)
{
    uat_http *h = NULL;
    unsigned port = 0;
    uat_err e = uat_http_start(s, &h, &port);
    if (e != UAT_OK) {
        return uat_daemon_failed("cannot start the HTTP server", e);
    }
    log_listening(s->cfg, port);
    if (s->cfg->ready_file != NULL && (e = uat_daemon_ready_file(s->cfg->ready_file, port)) != UAT_OK) {
        uat_http_stop(h);
        return uat_daemon_failed("cannot write the ready file", e);
    }
    uat_daemon_wait(stop);
    uat_http_stop(h);
    return 0;
}

int main(int argc, char **argv)
{
    uat_svc_config cfg;
    int rc = uat_config_parse(argc, argv, &cfg);
    if (rc != 0) {
        uat_config_free(&cfg);
        return rc < 0 ? 0 : rc;
    }
    sigset_t stop;
    uat_daemon_signals(&stop); /* before any thread starts: all inherit it */
    uat_svc *s = NULL;
    uat_err e = uat_svc_open(&cfg, &s);
    if (e != UAT_OK) {
        rc = uat_daemon_failed("cannot open the service state", e);
    } else {
        rc = cfg.init_admin ? init_admin(s) : serve(s, &stop);
    }
    uat_svc_close(s);
    uat_config_free(&cfg);
    return rc;
}
