/* uattestd: the attestation service (docs/service.md). Flags and the config file are in config.c;
 * this file starts the service, waits for SIGINT/SIGTERM and stops it cleanly. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "service/config.h"
#include "service/http.h"
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

static int init_admin(uat_svc *s)
{
    char token[128];
    uat_err e = uat_svc_admin_create(s, token, sizeof(token));
    if (e != UAT_OK) {
        return startup_failed("cannot create an admin token", e);
    }
    /* printed once: only its SHA-256 is kept */
    printf("%s\n", token);
    fflush(stdout);
    uat_wipe(token, sizeof(token));
    return 0;
}

static uat_err write_ready_file(const char *path, unsigned port)
{
    char text[16];
    int n = snprintf(text, sizeof(text), "%u\n", port);
    return uat_file_write_atomic(path, text, (size_t)n, 0644);
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
        return startup_failed("cannot start the HTTP server", e);
    }
    log_listening(s->cfg, port);
    if (s->cfg->ready_file != NULL && (e = write_ready_file(s->cfg->ready_file, port)) != UAT_OK) {
        uat_http_stop(h);
        return startup_failed("cannot write the ready file", e);
    }
    int sig = 0;
    sigwait(stop, &sig);
    uat_log_event("info", "stopping", "signal", sig == SIGTERM ? "SIGTERM" : "SIGINT", NULL);
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
    signal(SIGPIPE, SIG_IGN);
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL); /* before any thread starts: all inherit it */
    uat_svc *s = NULL;
    uat_err e = uat_svc_open(&cfg, &s);
    if (e != UAT_OK) {
        rc = startup_failed("cannot open the service state", e);
    } else {
        rc = cfg.init_admin ? init_admin(s) : serve(s, &stop);
    }
    uat_svc_close(s);
    uat_config_free(&cfg);
    return rc;
}
