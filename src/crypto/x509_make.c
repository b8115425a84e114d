/* Building certificates: self-signed X.509 v3 with caller-given extensions (RA-TLS). */
#include "crypto/ossl.h"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <string.h>

#define CHECK "x509.make"

/* spec: RFC 5280 §4.1.2.2: a positive serial of at most 20 octets, unique per issuer (random) */
static uat_err set_serial(X509 *x)
{
    uint8_t raw[16];
    UAT_TRY(uat_random(raw, sizeof(raw)));
    raw[0] &= 0x7f;
    raw[0] |= 0x01; /* never zero, never negative */
    BIGNUM *bn = BN_bin2bn(raw, (int)sizeof(raw), NULL);
    int ok = bn != NULL && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
    BN_free(bn);
    return ok ? UAT_OK : UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, CHECK);
}

static uat_err set_names_and_times(X509 *x, const char *cn, uat_time nb, uat_time na)
{
    X509_NAME *name = X509_get_subject_name(x);
    int ok = X509_set_version(x, X509_VERSION_3) == 1 &&
             X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1,
                                        -1, 0) == 1 &&
             X509_set_issuer_name(x, name) == 1 &&
             ASN1_TIME_set(X509_getm_notBefore(x), (time_t)nb) != NULL &&
             ASN1_TIME_set(X509_getm_notAfter(x), (time_t)na) != NULL;
    return ok ? UAT_OK : UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, CHECK);
}

static uat_err add_ext(X509 *x, const uat_x509_ext_spec *e)
{
    UAT_ENSURE(e->oid != NULL && e->value.len > 0 && e->value.len <= (size_t)INT32_MAX,
               UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "extension", -1);
    ASN1_OBJECT *obj = OBJ_txt2obj(e->oid, 1);
    ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
    X509_EXTENSION *ext = NULL;
    int ok = obj != NULL && os != NULL &&
             ASN1_OCTET_STRING_set(os, e->value.p, (int)e->value.len) == 1 &&
             (ext = X509_EXTENSION_create_by_OBJ(NULL, obj, e->critical ? 1 : 0, os)) != NULL &&
             X509_add_ext(x, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    ASN1_OCTET_STRING_free(os);
    ASN1_OBJECT_free(obj);
    return ok ? UAT_OK : UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, CHECK);
}

/* The digest that goes with the key: the curve's own size for ECDSA, SHA-256 for RSA. */
static uat_err sign_md(const uat_key *key, const EVP_MD **md)
{
    switch (uat_key_kind_of(key)) {
    case UAT_KEY_EC_P256:
    case UAT_KEY_RSA:
        *md = EVP_sha256();
        return UAT_OK;
    case UAT_KEY_EC_P384:
        *md = EVP_sha384();
        return UAT_OK;
    case UAT_KEY_EC_P521:
        *md = EVP_sha512();
        return UAT_OK;
    case UAT_KEY_ED25519:
        *md = NULL; /* EdDSA hashes internally */
        return UAT_OK;
    default:
        return UAT_FAIL(UAT_ERR_UNSUPPORTED_ALGORITHM, CHECK, "key", -1);
    }
}

/* A token's key signs in its own library context (provider.c), so that its provider does. */
static uat_err sign_cert(X509 *x, const uat_key *key, const EVP_MD *md)
{
    if (key->libctx == NULL) {
        return X509_sign(x, key->pkey, md) > 0 ? UAT_OK : UAT_ERR_CRYPTO_FAILURE;
    }
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    int ok = mctx != NULL &&
             EVP_DigestSignInit_ex(mctx, NULL, md != NULL ? EVP_MD_get0_name(md) : NULL,
                                   key->libctx, key->propq, key->pkey, NULL) == 1 &&
             X509_sign_ctx(x, mctx) > 0;
    EVP_MD_CTX_free(mctx);
    return ok ? UAT_OK : UAT_ERR_CRYPTO_FAILURE;
}

static uat_err finish(X509 *x, const uat_key *key, uat_buf *out)
{
    const EVP_MD *md = NULL;
    UAT_TRY(sign_md(key, &md));
    if (X509_set_pubkey(x, key->pkey) != 1 || sign_cert(x, key, md) != UAT_OK) {
        return UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, CHECK);
    }
    unsigned char *der = NULL;
    int n = i2d_X509(x, &der);
    if (n <= 0) {
        return UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, CHECK);
    }
    uat_err rc = uat_buf_append(out, der, (size_t)n);
    OPENSSL_free(der);
    return rc;
}

uat_err uat_x509_self_signed(const uat_key *key, const char *cn, uat_time not_before,
                             uat_time not_after, const uat_x509_ext_spec *exts, size_t n,
                             uat_buf *cert_der)
{
    UAT_ENSURE(key != NULL && cn != NULL && cert_der != NULL && (exts != NULL || n == 0) &&
                   not_before < not_after,
               UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "", -1);
    UAT_ENSURE(uat_key_is_private(key), UAT_ERR_CRYPTO_BAD_KEY, CHECK, "key", -1);
    X509 *x = X509_new();
    if (x == NULL) {
        return UAT_NOMEM(CHECK);
    }
    uat_err rc;
    UAT_TRY_GOTO(rc, set_serial(x), out);
    UAT_TRY_GOTO(rc, set_names_and_times(x, cn, not_before, not_after), out);
    for (size_t i = 0; i < n; i++) {
        UAT_TRY_GOTO(rc, add_ext(x, &exts[i]), out);
    }
    rc = finish(x, key, cert_der);
out:
    X509_free(x);
    ERR_clear_error();
    return rc;
}

/* spec: RFC 5280 §4.2.1.9 basicConstraints (critical on a CA), §4.1.2.4 issuer = the issuing
 * certificate's subject */
uat_err uat_x509_issue(const uat_key *issuer_key, uat_span issuer_der, const uat_key *subject,
                       const char *cn, int is_ca, uat_time not_before, uat_time not_after,
                       uat_buf *cert_der)
{
    UAT_ENSURE(issuer_key != NULL && subject != NULL && cn != NULL && cert_der != NULL &&
                   not_before < not_after,
               UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "", -1);
    UAT_ENSURE(uat_key_is_private(issuer_key), UAT_ERR_CRYPTO_BAD_KEY, CHECK, "issuer_key", -1);
    X509 *issuer = uat_ossl_d2i_cert(issuer_der);
    X509 *x = X509_new();
    const EVP_MD *md = NULL;
    uat_err rc = UAT_OK;
    if (issuer == NULL || x == NULL) {
        rc = UAT_OSSL_FAIL(UAT_ERR_PARSE_BAD_CERT, CHECK);
        goto out;
    }
    UAT_TRY_GOTO(rc, set_serial(x), out);
    UAT_TRY_GOTO(rc, set_names_and_times(x, cn, not_before, not_after), out);
    X509_EXTENSION *bc = X509V3_EXT_conf_nid(NULL, NULL, NID_basic_constraints,
                                             is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    int ok = bc != NULL && X509_add_ext(x, bc, -1) == 1 &&
             X509_set_issuer_name(x, X509_get_subject_name(issuer)) == 1 &&
             X509_set_pubkey(x, subject->pkey) == 1;
    X509_EXTENSION_free(bc);
    if (!ok) {
        rc = UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, CHECK);
        goto out;
    }
    UAT_TRY_GOTO(rc, sign_md(issuer_key, &md), out);
    if (X509_sign(x, issuer_key->pkey, md) <= 0) {
        rc = UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, CHECK);
        goto out;
    }
    unsigned char *der = NULL;
    int n = i2d_X509(x, &der);
    rc = n > 0 ? uat_buf_append(cert_der, der, (size_t)n)
               : UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, CHECK);
    OPENSSL_free(der);
out:
    X509_free(x);
    X509_free(issuer);
    ERR_clear_error();
    return rc;
}
