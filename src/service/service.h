/* uattestd: the service context shared by the HTTP layer and the routes. The service uses the
 * library's public API for everything that touches evidence (it never names a TEE) and a few
 * internal helpers (buffers, codecs, HMAC, JWE). */
#ifndef UAT_SERVICE_SERVICE_H
#define UAT_SERVICE_SERVICE_H

#include <pthread.h>
#include <stdatomic.h>

#include "core/buf.h"
#include "service/metrics.h"
#include "service/nonce.h"
#include "service/session.h"
#include "service/store.h"
#include "uattest/uattest.h"

#define UAT_SVC_MAX_BODY (1024u * 1024u) /* one request body */
#define UAT_SVC_MAX_FETCH 8u
#define UAT_SVC_ADMIN_TOKEN_BYTES 32u

typedef struct uat_svc_config {
    char *listen;     /* ADDR:PORT, [V6ADDR]:PORT; port 0 picks a free one */
    char *data_dir;   /* deployment key, token keys, SQLite database */
    char *store;      /* store URI (default sqlite:<data_dir>/uattest.db) */
    char *trust;      /* trust anchors, one folder per TEE */
    char *collateral; /* collateral, one folder per TEE (optional) */
    char *fetch_vendor[UAT_SVC_MAX_FETCH];
    char *fetch_url[UAT_SVC_MAX_FETCH];
    size_t nfetch;
    char *tls_cert, *tls_key; /* PEM files: HTTPS when both are set */
    char *ready_file;         /* written with the bound port once the server listens */
    char *ui_dir;             /* the web console's static files (docs/console.md) */
    long nonce_ttl, token_ttl;
    long collateral_warning_days; /* claim collateral_expiring within this many days; 0 = off */
    long jinzhao_lax_insecure;    /* 1: uat_verifier_set_jinzhao_lax_insecure (docs/compat.md) */
    long max_connections, connection_timeout, threads;
    /* the PCCS / KDS collateral caches (routes_pccs.c): upstream base URLs (NULL: serve only
     * what the store holds), refresh this long before an item's expiry, and ask upstream about
     * one item at most once per retry_after seconds while it is due */
    char *upstream_intel, *upstream_amd;
    long refresh_before, retry_after;
    int init_admin;
    /* Tests only (config key test_evaluation_time_insecure, docs/service.md): verify at this
     * fixed time instead of now, and without the nonce binding, so that recorded (corpus)
     * evidence goes through POST /v1/attest; the nonce is still required and spent, and the audit
     * record's time is this time. NULL / 0: off. */
    char *test_at_text;
    int64_t test_at;
} uat_svc_config;

typedef struct uat_svc {
    const uat_svc_config *cfg;
    uat_store *store;
    uat_token_keys *keys;
    uat_policy *default_policy; /* parsed once; read-only, shared by the worker threads */
    uint8_t nonce_key[UAT_NONCE_KEY_LEN];
    uat_refvals *refvals; /* mirrors the store's reference values */
    pthread_rwlock_t refvals_lock;
    _Atomic int64_t refvals_generation; /* the store's generation refvals was loaded at */
    pthread_mutex_t reload_lock;        /* one reload at a time */
    pthread_key_t verifier_key; /* one uat_verifier per worker thread (its caches are not shared) */
    uat_metrics *metrics;
    uat_sessions *sessions; /* KBS and Veraison sessions (session.h) */
    struct uat_pccs *pccs;  /* the collateral caches' in-flight refreshes (routes_pccs.c) */
} uat_svc;

/* svc.c: the data directory, the deployment key, the store, token keys and reference values. */
UAT_MUST_USE uat_err uat_svc_open(const uat_svc_config *cfg, uat_svc **out);
void uat_svc_close(uat_svc *s);
/* Gives v the trust anchors, collateral and fetch permissions of cfg. */
UAT_MUST_USE uat_err uat_svc_verifier_configure(const uat_svc_config *cfg, uat_verifier *v);
/* This thread's verifier, configured from cfg (created on first use). */
UAT_MUST_USE uat_err uat_svc_verifier(uat_svc *s, uat_verifier **out);
/* Creates an admin token: its text into out (NUL-terminated), only its SHA-256 into the store. */
UAT_MUST_USE uat_err uat_svc_admin_create(uat_svc *s, char *out, size_t cap);
/* Lower-case hex SHA-256 of text (65 bytes with the NUL). */
UAT_MUST_USE uat_err uat_svc_sha256_hex(const char *text, size_t n, char out[65]);
/* Reloads the in-memory reference values from the store. */
UAT_MUST_USE uat_err uat_svc_reload_refvals(uat_svc *s);
/* Reloads them when the store's reference values changed since they were loaded (a write
 * through another replica): an attestation sees every reference value acknowledged before it. */
UAT_MUST_USE uat_err uat_svc_refvals_sync(uat_svc *s);

#endif
