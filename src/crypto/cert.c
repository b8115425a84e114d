/* Parsed certificates and reusable trust stores (OpenSSL decodes certificates slowly: decode once). */
#include <openssl/err.h>
#include <openssl/x509_vfy.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "core/limits.h"
#include "crypto/ossl.h"

struct uat_cert {
    X509 *x;
    uat_buf der;
    char cn[128];
    uat_time not_before, not_after;
    uat_key key;
};

struct uat_x509_store {
    X509_STORE *store;
};

uat_err uat_cert_parse(uat_span der, uat_cert **out)
{
    uat_cert *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return UAT_NOMEM("x509.cert");
    }
    uat_buf_init(&c->der, UAT_MAX_FILE_BYTES);
    uat_err rc = UAT_OK;
    c->x = uat_ossl_d2i_cert(der);
    if (c->x == NULL) {
        rc = UAT_OSSL_FAIL(UAT_ERR_PARSE_BAD_CERT, "x509.cert");
        goto fail;
    }
    UAT_TRY_GOTO(rc, uat_buf_append(&c->der, der.p, der.len), fail);
    if (uat_ossl_name_cn(X509_get_subject_name(c->x), c->cn, sizeof(c->cn), "x509.cert") != UAT_OK) {
        c->cn[0] = '\0';
        uat_error_clear();
    }
    UAT_TRY_GOTO(rc, uat_ossl_asn1_time(X509_get0_notBefore(c->x), &c->not_before), fail);
    UAT_TRY_GOTO(rc, uat_ossl_asn1_time(X509_get0_notAfter(c->x), &c->not_after), fail);
    c->key.pkey = X509_get_pubkey(c->x);
    if (c->key.pkey == NULL) {
        rc = UAT_OSSL_FAIL(UAT_ERR_PARSE_BAD_CERT, "x509.cert");
        goto fail;
    }
    *out = c;
    return UAT_OK;
fail:
    uat_cert_free(c);
    return rc;
}

/* A uat_cert for a certificate OpenSSL already decoded (the peer's leaf in a handshake): no
 * second decode. Takes a reference to x. */
uat_err uat_cert_from_ossl(X509 *x, uat_cert **out)
{
    uat_cert *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return UAT_NOMEM("x509.cert");
    }
    uat_buf_init(&c->der, UAT_MAX_FILE_BYTES);
    unsigned char *der = NULL;
    int n = i2d_X509(x, &der);
    uat_err rc = n > 0 ? uat_buf_append(&c->der, der, (size_t)n)
                       : UAT_OSSL_FAIL(UAT_ERR_PARSE_BAD_CERT, "x509.cert");
    OPENSSL_free(der);
    if (rc == UAT_OK && X509_up_ref(x) == 1) {
        c->x = x;
    } else if (rc == UAT_OK) {
        rc = UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, "x509.cert");
    }
    if (rc == UAT_OK && uat_ossl_name_cn(X509_get_subject_name(x), c->cn, sizeof(c->cn),
                                         "x509.cert") != UAT_OK) {
        c->cn[0] = '\0';
        uat_error_clear();
    }
    if (rc == UAT_OK) {
        rc = uat_ossl_asn1_time(X509_get0_notBefore(x), &c->not_before);
    }
    if (rc == UAT_OK) {
        rc = uat_ossl_asn1_time(X509_get0_notAfter(x), &c->not_after);
    }
    if (rc == UAT_OK && (c->key.pkey = X509_get_pubkey(x)) == NULL) {
        rc = UAT_OSSL_FAIL(UAT_ERR_PARSE_BAD_CERT, "x509.cert");
    }
    if (rc != UAT_OK) {
        uat_cert_free(c);
        return rc;
    }
    *out = c;
    return UAT_OK;
}

void uat_cert_free(uat_cert *c)
{
    if (c != NULL) {
        X509_free(c->x);
        EVP_PKEY_free(c->key.pkey);
        uat_buf_free(&c->der);
        free(c);
    }
}

uat_span uat_cert_der(const uat_cert *c) { return uat_buf_span(&c->der); }
const char *uat_cert_cn(const uat_cert *c) { return c->cn; }
uat_time uat_cert_not_before(const uat_cert *c) { return c->not_before; }
uat_time uat_cert_not_after(const uat_cert *c) { return c->not_after; }
const uat_key *uat_cert_key(const uat_cert *c) { return &c->key; }

uat_err uat_cert_extension(const uat_cert *c, const char *oid, uat_buf *out)
{
    return uat_ossl_extension(c->x, oid, out); /* the decoded certificate: no second decode */
}

static uat_err add_crls(X509_STORE *store, const uat_der_list *crls)
{
    for (size_t i = 0; crls != NULL && i < crls->n; i++) {
        uat_span s = uat_buf_span(&crls->items[i]);
        const unsigned char *p = s.p;
        X509_CRL *c = d2i_X509_CRL(NULL, &p, (long)s.len);
        if (c == NULL) {
            return UAT_OSSL_FAIL(UAT_ERR_PARSE_BAD_CERT, "x509.crl");
        }
        int ok = X509_STORE_add_crl(store, c);
        X509_CRL_free(c);
        if (ok != 1) {
            return UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, "x509.crl");
        }
    }
    return UAT_OK;
}

uat_err uat_x509_store_new(uat_cert *const *anchors, size_t nanchors, const uat_der_list *crls,
                           uat_x509_store **out)
{
    uat_x509_store *s = calloc(1, sizeof(*s));
    if (s == NULL || (s->store = X509_STORE_new()) == NULL) {
        free(s);
        return UAT_NOMEM("x509.store");
    }
    uat_err rc = UAT_OK;
    for (size_t i = 0; rc == UAT_OK && i < nanchors; i++) {
        if (X509_STORE_add_cert(s->store, anchors[i]->x) != 1) {
            rc = UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, "x509.store");
        }
    }
    if (rc == UAT_OK) {
        rc = add_crls(s->store, crls);
    }
    if (rc != UAT_OK) {
        uat_x509_store_free(s);
        return rc;
    }
    *out = s;
    return UAT_OK;
}

void uat_x509_store_free(uat_x509_store *s)
{
    if (s != NULL) {
        X509_STORE_free(s->store);
        free(s);
    }
}

/* With require_crls off, a certificate without a CRL passes; a CRL that is present still counts. */
static int crl_optional_cb(int ok, X509_STORE_CTX *ctx)
{
    if (!ok && X509_STORE_CTX_get_error(ctx) == X509_V_ERR_UNABLE_TO_GET_CRL) {
        X509_STORE_CTX_set_error(ctx, X509_V_OK);
        return 1;
    }
    return ok;
}

static uat_err map_verify_error(int code, int depth, X509 *cert, const char *check)
{
    uat_err e;
    switch (code) {
    case X509_V_ERR_CERT_REVOKED:
        e = UAT_ERR_VERIFY_REVOKED;
        break;
    case X509_V_ERR_CERT_NOT_YET_VALID:
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CRL_NOT_YET_VALID:
    case X509_V_ERR_CRL_HAS_EXPIRED:
        e = UAT_ERR_VERIFY_EXPIRED;
        break;
    case X509_V_ERR_UNABLE_TO_GET_CRL:
        e = UAT_ERR_VERIFY_COLLATERAL;
        break;
    default:
        e = UAT_ERR_VERIFY_CHAIN;
        break;
    }
    /* name the certificate and, for a validity failure, the window it missed */
    char cn[96] = "", when[80] = "", a[32], b[32];
    uat_time nb = 0, na = 0;
    if (cert != NULL && uat_ossl_name_cn(X509_get_subject_name(cert), cn + 2, sizeof(cn) - 3,
                                         check) == UAT_OK) {
        memcpy(cn, " (", 2);
        size_t l = strlen(cn);
        cn[l] = ')';
        cn[l + 1] = '\0';
    }
    if ((code == X509_V_ERR_CERT_HAS_EXPIRED || code == X509_V_ERR_CERT_NOT_YET_VALID) &&
        uat_ossl_asn1_time(X509_get0_notBefore(cert), &nb) == UAT_OK &&
        uat_ossl_asn1_time(X509_get0_notAfter(cert), &na) == UAT_OK &&
        uat_time_format(nb, a) == UAT_OK && uat_time_format(na, b) == UAT_OK) {
        snprintf(when, sizeof(when), ": valid %s to %s", a, b);
    }
    ERR_clear_error();
    return UAT_FAILF(e, check, "certificate", -1, "depth %d%s: %s%s", depth, cn,
                     X509_verify_cert_error_string(code), when);
}

static uat_err run_verify(X509_STORE_CTX *ctx, int has_crls, int require_crls, uat_time at,
                          const char *check)
{
    X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx);
    /* not X509_V_FLAG_X509_STRICT: vendor certificates (AMD VCEK) lack an authority key id */
    unsigned long flags = X509_V_FLAG_PARTIAL_CHAIN;
    if (require_crls || has_crls) {
        flags |= X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL;
    }
    if (!require_crls) {
        X509_STORE_CTX_set_verify_cb(ctx, crl_optional_cb);
    }
    if (at == UAT_TIME_UNCHECKED) {
        flags |= X509_V_FLAG_NO_CHECK_TIME; /* validity periods waived (codec.h) */
    }
    X509_VERIFY_PARAM_set_flags(param, flags);
    if (at != UAT_TIME_UNCHECKED) {
        X509_VERIFY_PARAM_set_time(param, (time_t)at);
    }
    if (X509_verify_cert(ctx) != 1) {
        return map_verify_error(X509_STORE_CTX_get_error(ctx), X509_STORE_CTX_get_error_depth(ctx),
                                X509_STORE_CTX_get_current_cert(ctx), check);
    }
    return UAT_OK;
}

uat_err uat_x509_store_verify(const uat_x509_store *s, const uat_cert *leaf,
                              uat_cert *const *intermediates, size_t n, int require_crls,
                              size_t depth, uat_time at, const char *check)
{
    check = check ? check : "x509.chain";
    UAT_ENSURE(n <= UAT_MAX_CERT_CHAIN, UAT_ERR_RESOURCE_LIMIT, check, "intermediates", -1);
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    uat_err rc = UAT_OK;
    if (untrusted == NULL || ctx == NULL) {
        rc = UAT_NOMEM(check);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (sk_X509_push(untrusted, intermediates[i]->x) <= 0) {
            rc = UAT_NOMEM(check);
            goto out;
        }
    }
    if (X509_STORE_CTX_init(ctx, s->store, leaf->x, untrusted) != 1) {
        rc = UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, check);
        goto out;
    }
    STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(s->store);
    int has_crls = 0;
    for (int i = 0; objs != NULL && i < sk_X509_OBJECT_num(objs); i++) {
        has_crls |= X509_OBJECT_get_type(sk_X509_OBJECT_value(objs, i)) == X509_LU_CRL;
    }
    rc = run_verify(ctx, has_crls, require_crls, at, check);
    if (UAT_TRACING_COLLATERAL()) { /* the CRLs also when only the collateral is recorded */
        uat_ossl_trace_chain(ctx, s->store, rc == UAT_OK, check);
    }
    if (rc == UAT_OK && depth != 0) {
        int got = sk_X509_num(X509_STORE_CTX_get0_chain(ctx));
        if (got < 0 || (size_t)got != depth) {
            rc = UAT_FAILF(UAT_ERR_VERIFY_CHAIN, check, "depth", -1,
                           "the certificate path holds %d certificates where %zu are required", got,
                           depth);
        }
    }
out:
    X509_STORE_CTX_free(ctx);
    sk_X509_free(untrusted); /* the certificates belong to their uat_cert */
    return rc;
}
