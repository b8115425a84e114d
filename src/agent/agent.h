/* uattest-agent: the attestation proxy on the attested machine (docs/agent.md). It uses the
 * library's public API for evidence (it never names a TEE) and a few internals: buffers, codecs,
 * the one HTTP client (collateral/fetch.h) and the JWE receiving side (token/jwe.h). */
#ifndef UAT_AGENT_AGENT_H
#define UAT_AGENT_AGENT_H

#include <jansson.h>
#include <pthread.h>

#include "core/buf.h"
#include "core/limits.h"
#include "token/jwe.h"
#include "uattest/uattest.h"

#define UAT_AGENT_MAX_BODY (256u * 1024u)   /* one request body (sealing: 64 KiB base64url) */
#define UAT_AGENT_MAX_NONCE 512u            /* POST /evidence nonce text */
#define UAT_AGENT_MAX_RUNTIME (64u * 1024u) /* POST /evidence runtime_data, decoded */
#define UAT_AGENT_MAX_SVC_RESPONSE (1024u * 1024u) /* one answer of the service */
#define UAT_AGENT_MAX_TOKEN 16384u                 /* an EAR token */
#define UAT_AGENT_MAX_CONNECTIONS 64u
#define UAT_AGENT_MAX_RESOURCE_PATH 512u

typedef struct uat_agent_config {
    char *socket_path;  /* the Unix socket (created 0660) */
    char *socket_group; /* its group (name or number); NULL keeps the agent's own */
    char *tcp_listen;   /* optional loopback ADDR:PORT (port 0 picks one) */
    char *service_url;  /* the attestation service's base URL */
    char *service_kind; /* "uattestd" or "kbs" (proto.h) */
    char *policy_id;    /* optional: the service's policy to appraise with (uattestd) */
    char *kbs_tee;      /* kbs: the "tee" of auth (default: the attester's TEE name) */
    char *jwks_url;     /* tokens are verified against it (uattestd: <url>/v1/jwks) */
    char *tee;          /* NULL or "auto": detected through the registry */
    char *root;         /* device root for detection ("/") */
    char *state_dir;    /* the attester's state directory; NULL: the attester's default */
    char *opt_key[UAT_MAX_OPTIONS], *opt_value[UAT_MAX_OPTIONS];
    size_t nopts;
    long refresh_margin;                 /* seconds before exp a token is renewed */
    long retry_attempts;                 /* tries per client request when the service is down */
    long retry_initial_ms, retry_max_ms; /* exponential backoff: first delay, cap */
    char *seal_resource;                 /* the resource holding the sealing key */
    char *seal_key;                      /* "tee" | "resource" | NULL: the TEE's where offered */
    char *ready_file;                    /* written once listening (flag only) */
} uat_agent_config;

/* config.c: defaults < --config FILE < flags. Returns 0, or an exit code after printing why
 * (*done set for --help / --version, which exit 0). */
int uat_agent_config_load(int argc, char **argv, uat_agent_config *c, int *done);
void uat_agent_config_free(uat_agent_config *c);

struct uat_agent_proto;

typedef struct uat_agent {
    const uat_agent_config *cfg;
    const struct uat_agent_proto *proto; /* service.kind */
    uat_attester *attester;              /* one thread at a time: attester_lock */
    pthread_mutex_t attester_lock;
    uat_jwe_key *key;   /* generated at start; its public JWK is bound into every attestation */
    char *runtime_data; /* {"jwk": <public key>}: the runtime data of the agent's attestations */

    /* the token cache (service.c) */
    pthread_mutex_t tok_lock; /* held across a refresh: concurrent callers share it */
    char *token;
    char status[24];
    int64_t exp;
    int64_t renew; /* when to renew: refresh_margin before exp, at most half the lifetime */
    pthread_mutex_t wake_lock;
    pthread_cond_t wake;
    int stopping;
    pthread_t refresher;
    int refresher_running;

    /* the sealing key, fetched once (wiped at exit) */
    pthread_mutex_t seal_lock;
    uint8_t seal_key[UAT_JWE_DIR_KEY_LEN];
    int have_seal_key;
} uat_agent;

UAT_MUST_USE uat_err uat_agent_open(const uat_agent_config *cfg, uat_agent **out);
void uat_agent_close(uat_agent *a);

/* service.c: the configured service. */
/* A token valid for at least refresh_margin more seconds: the cached one or a fresh attestation
 * (retried with backoff while the service cannot be reached). *token, *status: copies (free()). */
UAT_MUST_USE uat_err uat_agent_token(uat_agent *a, char **token, char **status, int64_t *exp);
/* The plaintext of resource path, released by the service as a JWE to the agent's key. */
UAT_MUST_USE uat_err uat_agent_resource(uat_agent *a, const char *path, uat_buf *out);
/* Starts / stops the background refresher (renews the token before it expires). */
UAT_MUST_USE uat_err uat_agent_refresher_start(uat_agent *a);
void uat_agent_refresher_stop(uat_agent *a);

/* agent.c */
/* CMW JSON evidence carrying report_data (64 bytes) from this machine's TEE. */
UAT_MUST_USE uat_err uat_agent_collect(uat_agent *a, const uint8_t rd[UAT_REPORT_DATA_LEN],
                                       uint8_t **cmw, size_t *n);
/* CMW JSON evidence from this machine's TEE bound to SHA-256(nonce || runtime) (DESIGN.md §4). */
UAT_MUST_USE uat_err uat_agent_evidence(uat_agent *a, const uint8_t *nonce, size_t nlen,
                                        const uint8_t *runtime, size_t rlen, uint8_t **cmw,
                                        size_t *n);
/* agent.c: "dir" + A256GCM JWE under the TEE's sealing key (kid "tee:<tee>") or the key released
 * as the seal resource (kid: the resource), as seal.key chooses (docs/agent.md). */
UAT_MUST_USE uat_err uat_agent_seal(uat_agent *a, const uint8_t *pt, size_t n, char **jwe);
UAT_MUST_USE uat_err uat_agent_unseal(uat_agent *a, const char *jwe, size_t n, uat_buf *pt);

/* http.c: the local API. */
typedef struct uat_agent_http uat_agent_http;
/* Listens on the Unix socket (and the TCP address when configured); *tcp_port: the bound port. */
UAT_MUST_USE uat_err uat_agent_http_start(uat_agent *a, uat_agent_http **out, unsigned *tcp_port);
void uat_agent_http_stop(uat_agent_http *h);

#endif
