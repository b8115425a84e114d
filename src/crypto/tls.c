/* TLS 1.3 contexts for attested channels (RA-TLS): the peer's leaf certificate is handed to a
 * caller-given check instead of X.509 path building, since RA-TLS certificates are self-signed and
 * their trust comes from the attestation evidence they carry. Blocking sockets the caller owns. */
#include "crypto/ossl.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <stdlib.h>
#include <string.h>

struct uat_tls_ctx {
    SSL_CTX *ssl;
    uat_tls_peer_check check;
    void *user;
    int require_peer;
};

struct uat_tls_conn {
    SSL *ssl;
    const uat_tls_ctx *ctx;
    void *user;
    uat_err peer_err; /* what the peer check returned */
    int checked;      /* the peer check ran (the peer sent a certificate) */
};

/* Replaces X509_verify_cert for the handshake: only the peer's leaf certificate is examined. */
static int check_leaf(X509_STORE_CTX *xs, void *arg)
{
    (void)arg;
    SSL *ssl = X509_STORE_CTX_get_ex_data(xs, SSL_get_ex_data_X509_STORE_CTX_idx());
    uat_tls_conn *c = ssl != NULL ? SSL_get_app_data(ssl) : NULL;
    X509 *leaf = X509_STORE_CTX_get0_cert(xs);
    if (c == NULL || leaf == NULL) {
        X509_STORE_CTX_set_error(xs, X509_V_ERR_UNSPECIFIED);
        return 0;
    }
    /* the certificate OpenSSL decoded for the handshake is the one checked: no second decode */
    uat_cert *cert = NULL;
    c->peer_err = uat_cert_from_ossl(leaf, &cert);
    if (c->peer_err == UAT_OK) {
        c->peer_err = c->ctx->check(c->user, cert);
    }
    uat_cert_free(cert);
    c->checked = 1;
    if (c->peer_err != UAT_OK) {
        X509_STORE_CTX_set_error(xs, X509_V_ERR_APPLICATION_VERIFICATION);
        return 0;
    }
    X509_STORE_CTX_set_error(xs, X509_V_OK);
    return 1;
}

static int no_password(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return 0;
}

static uat_err use_cert_and_key(SSL_CTX *s, uat_span cert_der, uat_span key_pem)
{
    UAT_ENSURE(cert_der.len <= (size_t)INT32_MAX && key_pem.len <= (size_t)INT32_MAX,
               UAT_ERR_RESOURCE_LIMIT, "tls.ctx", "", -1);
    if (SSL_CTX_use_certificate_ASN1(s, (int)cert_der.len, cert_der.p) != 1) {
        return UAT_OSSL_FAIL(UAT_ERR_PARSE_BAD_CERT, "tls.ctx");
    }
    BIO *bio = BIO_new_mem_buf(key_pem.p, (int)key_pem.len);
    EVP_PKEY *pkey = bio != NULL ? PEM_read_bio_PrivateKey(bio, NULL, no_password, NULL) : NULL;
    BIO_free(bio);
    int ok = pkey != NULL && SSL_CTX_use_PrivateKey(s, pkey) == 1 &&
             SSL_CTX_check_private_key(s) == 1;
    EVP_PKEY_free(pkey);
    return ok ? UAT_OK : UAT_OSSL_FAIL(UAT_ERR_CRYPTO_BAD_KEY, "tls.ctx");
}

/* TLS 1.3 only; no session resumption, so every connection runs the peer check. */
static uat_err configure(uat_tls_ctx *c, int is_server)
{
    SSL_CTX *s = c->ssl;
    if (SSL_CTX_set_min_proto_version(s, TLS1_3_VERSION) != 1 ||
        SSL_CTX_set_max_proto_version(s, TLS1_3_VERSION) != 1) {
        return UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, "tls.ctx");
    }
    SSL_CTX_set_session_cache_mode(s, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(s, SSL_OP_NO_TICKET);
    if (is_server && SSL_CTX_set_num_tickets(s, 0) != 1) {
        return UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, "tls.ctx");
    }
    if (c->check == NULL) {
        SSL_CTX_set_verify(s, SSL_VERIFY_NONE, NULL);
        return UAT_OK;
    }
    int mode = SSL_VERIFY_PEER | (c->require_peer ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0);
    SSL_CTX_set_verify(s, mode, NULL);
    SSL_CTX_set_cert_verify_callback(s, check_leaf, c);
    return UAT_OK;
}

static uat_err use_cert_and_token_key(SSL_CTX *s, uat_span cert_der, const uat_key *key)
{
    UAT_ENSURE(cert_der.len <= (size_t)INT32_MAX, UAT_ERR_RESOURCE_LIMIT, "tls.ctx", "", -1);
    if (SSL_CTX_use_certificate_ASN1(s, (int)cert_der.len, cert_der.p) != 1) {
        return UAT_OSSL_FAIL(UAT_ERR_PARSE_BAD_CERT, "tls.ctx");
    }
    if (SSL_CTX_use_PrivateKey(s, key->pkey) != 1 || SSL_CTX_check_private_key(s) != 1) {
        return UAT_OSSL_FAIL(UAT_ERR_CRYPTO_BAD_KEY, "tls.ctx");
    }
    return UAT_OK;
}

static uat_err ctx_new(int is_server, uat_span cert_der, uat_span key_pem, const uat_key *key,
                       uat_tls_peer_check check, void *user, int require_peer_cert,
                       uat_tls_ctx **out)
{
    int has_key = key_pem.len > 0 || key != NULL;
    UAT_ENSURE(out != NULL && (cert_der.len > 0) == has_key && (!is_server || has_key) &&
                   (is_server || check != NULL),
               UAT_ERR_USAGE_INVALID_ARGUMENT, "tls.ctx", "", -1);
    uat_tls_ctx *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return UAT_NOMEM("tls.ctx");
    }
    c->check = check;
    c->user = user;
    c->require_peer = is_server ? require_peer_cert != 0 : 1; /* a server always shows one */
    const SSL_METHOD *m = is_server ? TLS_server_method() : TLS_client_method();
    /* a token's key: the whole context lives in the key's library context, whose property
     * query hands the key's signatures to the token's provider (provider.c) */
    c->ssl = key != NULL && key->libctx != NULL ? SSL_CTX_new_ex(key->libctx, key->propq, m)
                                                : SSL_CTX_new(m);
    uat_err rc = c->ssl != NULL ? configure(c, is_server)
                                : UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, "tls.ctx");
    if (rc == UAT_OK && key != NULL) {
        rc = use_cert_and_token_key(c->ssl, cert_der, key);
    } else if (rc == UAT_OK && cert_der.len > 0) {
        rc = use_cert_and_key(c->ssl, cert_der, key_pem);
    }
    if (rc != UAT_OK) {
        uat_tls_ctx_free(c);
        return rc;
    }
    *out = c;
    return UAT_OK;
}

uat_err uat_tls_ctx_new(int is_server, uat_span cert_der, uat_span key_pem,
                        uat_tls_peer_check check, void *user, int require_peer_cert,
                        uat_tls_ctx **out)
{
    return ctx_new(is_server, cert_der, key_pem, NULL, check, user, require_peer_cert, out);
}

uat_err uat_tls_ctx_new_key(int is_server, uat_span cert_der, const uat_key *key,
                            uat_tls_peer_check check, void *user, int require_peer_cert,
                            uat_tls_ctx **out)
{
    UAT_ENSURE(key != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, "tls.ctx", "key", -1);
    return ctx_new(is_server, cert_der, uat_span_of(NULL, 0), key, check, user,
                   require_peer_cert, out);
}

void uat_tls_ctx_free(uat_tls_ctx *c)
{
    if (c != NULL) {
        SSL_CTX_free(c->ssl);
        free(c);
    }
}

static uat_err handshake(uat_tls_conn *c, int is_server)
{
    const char *check = is_server ? "tls.accept" : "tls.connect";
    ERR_clear_error();
    int r = is_server ? SSL_accept(c->ssl) : SSL_connect(c->ssl);
    if (r != 1) {
        if (c->checked && c->peer_err != UAT_OK) {
            ERR_clear_error(); /* the peer check recorded why */
            return c->peer_err;
        }
        return UAT_OSSL_FAIL(UAT_ERR_IO_NETWORK, check);
    }
    /* fail closed: a peer that must be checked was checked and passed */
    UAT_ENSURE(c->ctx->check == NULL || !c->ctx->require_peer ||
                   (c->checked && c->peer_err == UAT_OK),
               UAT_ERR_VERIFY_BINDING, check, "peer certificate", -1);
    return UAT_OK;
}

static uat_err start(uat_tls_ctx *ctx, int fd, void *user, int is_server, uat_tls_conn **out)
{
    UAT_ENSURE(ctx != NULL && fd >= 0 && out != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT,
               is_server ? "tls.accept" : "tls.connect", "", -1);
    uat_tls_conn *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return UAT_NOMEM("tls.conn");
    }
    c->ctx = ctx;
    c->user = user != NULL ? user : ctx->user;
    c->ssl = SSL_new(ctx->ssl);
    uat_err rc = UAT_OK;
    if (c->ssl == NULL || SSL_set_fd(c->ssl, fd) != 1 || SSL_set_app_data(c->ssl, c) != 1) {
        rc = UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, "tls.conn");
    }
    if (rc == UAT_OK) {
        rc = handshake(c, is_server);
    }
    if (rc != UAT_OK) {
        SSL_free(c->ssl);
        free(c);
        return rc;
    }
    *out = c;
    return UAT_OK;
}

uat_err uat_tls_accept(uat_tls_ctx *ctx, int fd, void *conn_user, uat_tls_conn **out)
{
    return start(ctx, fd, conn_user, 1, out);
}

uat_err uat_tls_connect(uat_tls_ctx *ctx, int fd, void *conn_user, uat_tls_conn **out)
{
    return start(ctx, fd, conn_user, 0, out);
}

uat_err uat_tls_read(uat_tls_conn *c, void *buf, size_t cap, size_t *n)
{
    UAT_ENSURE(c != NULL && buf != NULL && n != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, "tls.read",
               "", -1);
    size_t got = 0;
    ERR_clear_error();
    int r = SSL_read_ex(c->ssl, buf, cap, &got);
    if (r == 1) {
        *n = got;
        return UAT_OK;
    }
    int e = SSL_get_error(c->ssl, r);
    if (e == SSL_ERROR_ZERO_RETURN) {
        *n = 0; /* the peer closed the connection cleanly (close_notify) */
        return UAT_OK;
    }
    if (ERR_peek_error() == 0) {
        return UAT_FAILF(UAT_ERR_IO_NETWORK, "tls.read", "", -1,
                         e == SSL_ERROR_SYSCALL ? "the connection ended without close_notify"
                                                : "TLS read failed (SSL error %d)", e);
    }
    return UAT_OSSL_FAIL(UAT_ERR_IO_NETWORK, "tls.read");
}

uat_err uat_tls_write(uat_tls_conn *c, const void *buf, size_t n)
{
    UAT_ENSURE(c != NULL && (buf != NULL || n == 0), UAT_ERR_USAGE_INVALID_ARGUMENT, "tls.write",
               "", -1);
    const uint8_t *p = buf;
    while (n > 0) {
        size_t done = 0;
        ERR_clear_error();
        if (SSL_write_ex(c->ssl, p, n, &done) != 1) {
            return UAT_OSSL_FAIL(UAT_ERR_IO_NETWORK, "tls.write");
        }
        p += done;
        n -= done;
    }
    return UAT_OK;
}

void uat_tls_close(uat_tls_conn *c)
{
    if (c != NULL) {
        (void)SSL_shutdown(c->ssl); /* sends close_notify; the peer's answer is not awaited */
        ERR_clear_error();
        SSL_free(c->ssl);
        free(c);
    }
}

uat_err uat_tls_export(uat_tls_conn *c, const char *label, uat_span context, uint8_t *out,
                       size_t n)
{
    UAT_ENSURE(c != NULL && label != NULL && out != NULL && n > 0 &&
                   (context.p != NULL || context.len == 0),
               UAT_ERR_USAGE_INVALID_ARGUMENT, "tls.export", "", -1);
    ERR_clear_error();
    /* spec: RFC 8446 §7.5: TLS-Exporter(label, context_value, key_length); use_context = 1 */
    if (SSL_export_keying_material(c->ssl, out, n, label, strlen(label), context.p, context.len,
                                   1) != 1) {
        return UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, "tls.export");
    }
    return UAT_OK;
}

size_t uat_tls_pending(const uat_tls_conn *c)
{
    int n = c != NULL ? SSL_pending(c->ssl) : 0;
    return n > 0 ? (size_t)n : 0;
}

uat_err uat_tls_shutdown_write(uat_tls_conn *c)
{
    UAT_ENSURE(c != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, "tls.shutdown", "", -1);
    ERR_clear_error();
    /* 0: close_notify sent, the peer's not yet seen; 1: both; < 0: failed */
    if (SSL_shutdown(c->ssl) < 0) {
        return UAT_OSSL_FAIL(UAT_ERR_IO_NETWORK, "tls.shutdown");
    }
    return UAT_OK;
}
