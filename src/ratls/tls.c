/* RA-TLS channels: TLS 1.3 contexts (src/crypto/tls.c) whose peer check is uat_ratls_verify_cert,
 * with the verified peer's claims kept per connection. */
#include <stdlib.h>
#include <string.h>

#include "ratls/ratls.h"

struct uat_ratls_tls {
    uat_tls_ctx *ctx;
    uat_ratls_opts peer; /* a copy; what it points to is the caller's */
    int has_peer;
};

struct uat_ratls_conn {
    uat_tls_conn *tls;
    const uat_ratls_opts *opts;
    uat_claims *claims;
    uat_ear *ear;
};

static void conn_results_free(uat_ratls_conn *c)
{
    uat_claims_free(c->claims);
    uat_ear_free(c->ear);
    c->claims = NULL;
    c->ear = NULL;
}

/* The handshake's peer check: the peer's leaf certificate must be a verified RA-TLS certificate. */
static uat_err peer_check(void *user, const uat_cert *leaf)
{
    uat_ratls_conn *c = user;
    conn_results_free(c);
    uat_error_clear();
    return uat_ratls_verify_parsed(leaf, c->opts, &c->claims, c->opts->policy ? &c->ear : NULL);
}

static uat_err tls_new(int is_server, const uint8_t *cert_der, size_t cert_len,
                       const char *key_pem, const uat_ratls_opts *peer, uat_ratls_tls **out)
{
    UAT_ENSURE(out != NULL && (cert_der != NULL) == (key_pem != NULL) &&
                   (cert_der == NULL || cert_len > 0) &&
                   (peer == NULL || peer->verifier != NULL),
               UAT_ERR_USAGE_INVALID_ARGUMENT, "ratls.tls", "", -1);
    uat_ratls_tls *t = calloc(1, sizeof(*t));
    if (t == NULL) {
        return UAT_NOMEM("ratls.tls");
    }
    if (peer != NULL) {
        t->peer = *peer;
        t->has_peer = 1;
    }
    uat_span cert = uat_span_of(cert_der, cert_der != NULL ? cert_len : 0);
    uat_span key = uat_span_of(key_pem, key_pem != NULL ? strlen(key_pem) : 0);
    uat_err rc = uat_tls_ctx_new(is_server, cert, key, peer != NULL ? peer_check : NULL, NULL,
                                 peer != NULL, &t->ctx);
    if (rc != UAT_OK) {
        free(t);
        return rc;
    }
    *out = t;
    return UAT_OK;
}

uat_err uat_ratls_tls_server(const uint8_t *cert_der, size_t cert_len, const char *key_pem,
                             const uat_ratls_opts *peer, uat_ratls_tls **out)
{
    UAT_ENSURE(cert_der != NULL && key_pem != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, "ratls.tls",
               "certificate", -1);
    return tls_new(1, cert_der, cert_len, key_pem, peer, out);
}

uat_err uat_ratls_tls_client(const uint8_t *cert_der, size_t cert_len, const char *key_pem,
                             const uat_ratls_opts *peer, uat_ratls_tls **out)
{
    /* a client that does not verify the server's attestation is not RA-TLS */
    UAT_ENSURE(peer != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, "ratls.tls", "peer", -1);
    return tls_new(0, cert_der, cert_len, key_pem, peer, out);
}

void uat_ratls_tls_free(uat_ratls_tls *t)
{
    if (t != NULL) {
        uat_tls_ctx_free(t->ctx);
        free(t);
    }
}

static uat_err start(uat_ratls_tls *t, int fd, int is_server, uat_ratls_conn **out)
{
    UAT_ENSURE(t != NULL && out != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, "ratls.tls", "", -1);
    uat_error_clear();
    uat_ratls_conn *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return UAT_NOMEM("ratls.tls");
    }
    c->opts = t->has_peer ? &t->peer : NULL;
    uat_err rc = is_server ? uat_tls_accept(t->ctx, fd, c, &c->tls)
                           : uat_tls_connect(t->ctx, fd, c, &c->tls);
    if (rc != UAT_OK) {
        conn_results_free(c);
        free(c);
        return rc;
    }
    *out = c;
    return UAT_OK;
}

uat_err uat_ratls_accept(uat_ratls_tls *t, int fd, uat_ratls_conn **out)
{
    return start(t, fd, 1, out);
}

uat_err uat_ratls_connect(uat_ratls_tls *t, int fd, uat_ratls_conn **out)
{
    return start(t, fd, 0, out);
}

uat_err uat_ratls_read(uat_ratls_conn *c, void *buf, size_t cap, size_t *n)
{
    UAT_ENSURE(c != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, "ratls.read", "", -1);
    return uat_tls_read(c->tls, buf, cap, n);
}

uat_err uat_ratls_write(uat_ratls_conn *c, const void *buf, size_t n)
{
    UAT_ENSURE(c != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, "ratls.write", "", -1);
    return uat_tls_write(c->tls, buf, n);
}

const uat_claims *uat_ratls_peer_claims(const uat_ratls_conn *c)
{
    return c != NULL ? c->claims : NULL;
}

const uat_ear *uat_ratls_peer_ear(const uat_ratls_conn *c)
{
    return c != NULL ? c->ear : NULL;
}

void uat_ratls_close(uat_ratls_conn *c)
{
    if (c != NULL) {
        uat_tls_close(c->tls);
        conn_results_free(c);
        free(c);
    }
}
