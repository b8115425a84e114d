/* Signature verification and signing: ECDSA (raw r||s and DER), RSA PKCS#1 v1.5 and PSS, Ed25519. */
#include "crypto/ossl.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <stdio.h>

#include "core/codec.h"

struct alg_info {
    enum uat_hash_alg hash;
    enum uat_key_kind key; /* required key kind */
    size_t raw_half;       /* ECDSA raw r||s: bytes per half; 0 for DER or non-ECDSA */
    int pss;
};

static uat_err alg_info(enum uat_sig_alg alg, struct alg_info *ai)
{
    static const struct alg_info table[] = {
        [UAT_SIG_ES256] = {UAT_HASH_SHA256, UAT_KEY_EC_P256, 32, 0},
        [UAT_SIG_ES384] = {UAT_HASH_SHA384, UAT_KEY_EC_P384, 48, 0},
        [UAT_SIG_ES512] = {UAT_HASH_SHA512, UAT_KEY_EC_P521, 66, 0},
        [UAT_SIG_ES256_DER] = {UAT_HASH_SHA256, UAT_KEY_EC_P256, 0, 0},
        [UAT_SIG_ES384_DER] = {UAT_HASH_SHA384, UAT_KEY_EC_P384, 0, 0},
        [UAT_SIG_ES512_DER] = {UAT_HASH_SHA512, UAT_KEY_EC_P521, 0, 0},
        [UAT_SIG_RS256] = {UAT_HASH_SHA256, UAT_KEY_RSA, 0, 0},
        [UAT_SIG_RS384] = {UAT_HASH_SHA384, UAT_KEY_RSA, 0, 0},
        [UAT_SIG_RS512] = {UAT_HASH_SHA512, UAT_KEY_RSA, 0, 0},
        [UAT_SIG_PS256] = {UAT_HASH_SHA256, UAT_KEY_RSA, 0, 1},
        [UAT_SIG_PS384] = {UAT_HASH_SHA384, UAT_KEY_RSA, 0, 1},
        [UAT_SIG_PS512] = {UAT_HASH_SHA512, UAT_KEY_RSA, 0, 1},
        [UAT_SIG_EDDSA] = {UAT_HASH_SHA512, UAT_KEY_ED25519, 0, 0},
    };
    UAT_ENSURE((size_t)alg < sizeof(table) / sizeof(table[0]), UAT_ERR_UNSUPPORTED_ALGORITHM,
               "signature", "alg", -1);
    *ai = table[alg];
    return UAT_OK;
}

/* The explanation record of a signature that verified: the algorithm and which key (the start of
 * the SHA-256 of its SubjectPublicKeyInfo), under the caller's check name. */
void uat_ossl_trace_sig(const char *check, const char *alg, EVP_PKEY *pkey)
{
    unsigned char *spki = NULL;
    int n = pkey != NULL ? i2d_PUBKEY(pkey, &spki) : -1;
    unsigned char h[32];
    unsigned hl = 0;
    char fp[17] = "?";
    if (n > 0 && EVP_Digest(spki, (size_t)n, h, &hl, EVP_sha256(), NULL) == 1 && hl == 32) {
        uat_hex_encode(h, 8, fp);
    }
    OPENSSL_free(spki);
    ERR_clear_error();
    char required[96];
    snprintf(required, sizeof(required), "%s over the signed bytes", alg);
    uat_trace_stepf(check, UAT_STEP_PASS, required,
                    "the signature verifies with the key whose SPKI SHA-256 starts %s", fp);
}

static const char *alg_name(enum uat_sig_alg alg)
{
    static const char *const names[] = {
        [UAT_SIG_ES256] = "ES256",  [UAT_SIG_ES384] = "ES384",  [UAT_SIG_ES512] = "ES512",
        [UAT_SIG_ES256_DER] = "ES256", [UAT_SIG_ES384_DER] = "ES384", [UAT_SIG_ES512_DER] = "ES512",
        [UAT_SIG_RS256] = "RS256",  [UAT_SIG_RS384] = "RS384",  [UAT_SIG_RS512] = "RS512",
        [UAT_SIG_PS256] = "PS256",  [UAT_SIG_PS384] = "PS384",  [UAT_SIG_PS512] = "PS512",
        [UAT_SIG_EDDSA] = "EdDSA",
    };
    return (size_t)alg < sizeof(names) / sizeof(names[0]) && names[alg] ? names[alg] : "?";
}

/* raw r||s → DER ECDSA-Sig-Value */
static uat_err raw_to_der(uat_span sig, size_t half, uat_buf *der, const char *check)
{
    UAT_ENSURE(sig.len == 2 * half, UAT_ERR_VERIFY_SIGNATURE, check, "signature", -1);
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig.p, (int)half, NULL);
    BIGNUM *s = BN_bin2bn(sig.p + half, (int)half, NULL);
    uat_err rc = UAT_OK;
    if (es == NULL || r == NULL || s == NULL || ECDSA_SIG_set0(es, r, s) != 1) {
        BN_free(r);
        BN_free(s);
        rc = UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, check);
    } else {
        unsigned char *p = NULL;
        int n = i2d_ECDSA_SIG(es, &p);
        rc = n > 0 ? uat_buf_append(der, p, (size_t)n)
                   : UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, check);
        OPENSSL_free(p);
    }
    ECDSA_SIG_free(es);
    return rc;
}

static uat_err der_to_raw(uat_span der, size_t half, uat_buf *out)
{
    const unsigned char *p = der.p;
    ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)der.len);
    if (es == NULL) {
        return UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, "signature.sign");
    }
    uint8_t raw[2 * 66];
    const BIGNUM *r = ECDSA_SIG_get0_r(es);
    const BIGNUM *s = ECDSA_SIG_get0_s(es);
    uat_err rc = UAT_OK;
    if (BN_bn2binpad(r, raw, (int)half) < 0 || BN_bn2binpad(s, raw + half, (int)half) < 0) {
        rc = UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, "signature.sign");
    } else {
        rc = uat_buf_append(out, raw, 2 * half);
    }
    ECDSA_SIG_free(es);
    return rc;
}

static uat_err setup_ctx(EVP_MD_CTX *ctx, const uat_key *k, const struct alg_info *ai, int sign,
                         const char *check)
{
    const EVP_MD *md = ai->key == UAT_KEY_ED25519 ? NULL : uat_ossl_md(ai->hash);
    EVP_PKEY_CTX *pctx = NULL;
    int ok = sign ? EVP_DigestSignInit_ex(ctx, &pctx, md ? EVP_MD_get0_name(md) : NULL, NULL,
                                          NULL, k->pkey, NULL)
                  : EVP_DigestVerifyInit_ex(ctx, &pctx, md ? EVP_MD_get0_name(md) : NULL, NULL,
                                            NULL, k->pkey, NULL);
    if (ok != 1) {
        return UAT_OSSL_FAIL(UAT_ERR_CRYPTO_BAD_KEY, check);
    }
    if (ai->pss) {
        if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
            EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1 ||
            EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) != 1) {
            return UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, check);
        }
    } else if (ai->key == UAT_KEY_RSA) {
        if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
            return UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, check);
        }
    }
    return UAT_OK;
}

uat_err uat_sig_verify(const uat_key *k, enum uat_sig_alg alg, uat_span msg, uat_span sig,
                       const char *check)
{
    struct alg_info ai;
    check = check ? check : "signature";
    UAT_TRY(alg_info(alg, &ai));
    if (uat_key_kind_of(k) != ai.key) {
        return UAT_FAILF(UAT_ERR_CRYPTO_BAD_KEY, check, "key", -1,
                         "the key does not match the signature algorithm");
    }
    uat_buf der;
    uat_buf_init(&der, 256);
    uat_err rc = UAT_OK;
    EVP_MD_CTX *ctx = NULL;
    if (ai.raw_half != 0) {
        UAT_TRY_GOTO(rc, raw_to_der(sig, ai.raw_half, &der, check), out);
        sig = uat_buf_span(&der);
    }
    ctx = EVP_MD_CTX_new();
    if (ctx == NULL) {
        rc = UAT_NOMEM(check);
        goto out;
    }
    UAT_TRY_GOTO(rc, setup_ctx(ctx, k, &ai, 0, check), out);
    if (EVP_DigestVerify(ctx, sig.p, sig.len, msg.p, msg.len) != 1) {
        ERR_clear_error();
        rc = UAT_FAIL(UAT_ERR_VERIFY_SIGNATURE, check, "signature", -1);
    }
    if (rc == UAT_OK && UAT_TRACING()) {
        uat_ossl_trace_sig(check, alg_name(alg), k->pkey);
    }
out:
    EVP_MD_CTX_free(ctx);
    uat_buf_free(&der);
    return rc;
}

uat_err uat_sig_sign(const uat_key *k, enum uat_sig_alg alg, uat_span msg, uat_buf *out)
{
    struct alg_info ai;
    UAT_TRY(alg_info(alg, &ai));
    UAT_ENSURE(uat_key_kind_of(k) == ai.key, UAT_ERR_CRYPTO_BAD_KEY, "signature.sign", "key", -1);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx == NULL) {
        return UAT_NOMEM("signature.sign");
    }
    uat_buf tmp;
    uat_buf_init(&tmp, 1024);
    size_t n = 0;
    uat_err rc;
    UAT_TRY_GOTO(rc, setup_ctx(ctx, k, &ai, 1, "signature.sign"), out);
    if (EVP_DigestSign(ctx, NULL, &n, msg.p, msg.len) != 1) {
        rc = UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, "signature.sign");
        goto out;
    }
    UAT_TRY_GOTO(rc, uat_buf_reserve(&tmp, n), out);
    if (EVP_DigestSign(ctx, tmp.p, &n, msg.p, msg.len) != 1) {
        rc = UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, "signature.sign");
        goto out;
    }
    tmp.len = n;
    rc = ai.raw_half != 0 ? der_to_raw(uat_buf_span(&tmp), ai.raw_half, out)
                          : uat_buf_append(out, tmp.p, tmp.len);
out:
    EVP_MD_CTX_free(ctx);
    uat_buf_free(&tmp);
    return rc;
}

/* ---- TPM schemes: the hash is chosen apart from the key ---------------------------------- */

static uat_err scheme_key(const uat_key *k, enum uat_sig_scheme s, const char *check, size_t *half)
{
    enum uat_key_kind kind = k != NULL ? uat_key_kind_of(k) : UAT_KEY_OTHER;
    *half = kind == UAT_KEY_EC_P256 ? 32 : kind == UAT_KEY_EC_P384 ? 48 : kind == UAT_KEY_EC_P521 ? 66 : 0;
    int ok = s == UAT_SCHEME_ECDSA ? *half > 0
                                    : (s == UAT_SCHEME_RSASSA || s == UAT_SCHEME_RSAPSS) &&
                                          kind == UAT_KEY_RSA;
    if (!ok) {
        return UAT_FAILF(UAT_ERR_CRYPTO_BAD_KEY, check, "key", -1,
                         "the key does not match the signature scheme");
    }
    return UAT_OK;
}

/* salt: for RSASSA-PSS only, a length in bytes */
static uat_err scheme_ctx(EVP_MD_CTX *ctx, const uat_key *k, enum uat_sig_scheme s, const EVP_MD *md,
                          int salt, int sign, const char *check)
{
    EVP_PKEY_CTX *pctx = NULL;
    int ok = sign ? EVP_DigestSignInit_ex(ctx, &pctx, EVP_MD_get0_name(md), NULL, NULL, k->pkey,
                                          NULL)
                  : EVP_DigestVerifyInit_ex(ctx, &pctx, EVP_MD_get0_name(md), NULL, NULL, k->pkey,
                                            NULL);
    if (ok != 1) {
        return UAT_OSSL_FAIL(UAT_ERR_CRYPTO_BAD_KEY, check);
    }
    if (s == UAT_SCHEME_RSAPSS) {
        ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
             EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt) == 1 &&
             EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) == 1;
    } else if (s == UAT_SCHEME_RSASSA) {
        ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
    }
    return ok ? UAT_OK : UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, check);
}

static int scheme_verify_once(const uat_key *k, enum uat_sig_scheme s, const EVP_MD *md, int salt,
                              uat_span msg, uat_span sig, const char *check, uat_err *rc)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx == NULL) {
        *rc = UAT_NOMEM(check);
        return 0;
    }
    *rc = scheme_ctx(ctx, k, s, md, salt, 0, check);
    int ok = *rc == UAT_OK && EVP_DigestVerify(ctx, sig.p, sig.len, msg.p, msg.len) == 1;
    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    return ok;
}

uat_err uat_sig_verify_scheme(const uat_key *k, enum uat_sig_scheme s, enum uat_hash_alg h,
                              uat_span msg, uat_span sig, const char *check)
{
    check = check ? check : "signature";
    const EVP_MD *md = uat_ossl_md(h);
    size_t half = 0;
    UAT_ENSURE(md != NULL, UAT_ERR_UNSUPPORTED_ALGORITHM, check, "hash", -1);
    UAT_TRY(scheme_key(k, s, check, &half));
    uat_buf der;
    uat_buf_init(&der, 256);
    uat_err rc = UAT_OK;
    if (s == UAT_SCHEME_ECDSA) {
        UAT_TRY_GOTO(rc, raw_to_der(sig, half, &der, check), out);
        sig = uat_buf_span(&der);
    }
    int hl = EVP_MD_get_size(md);
    /* spec: RFC 8017 §9.1.1: emLen = ceil((modBits - 1) / 8); the largest salt is emLen - hLen - 2 */
    int em_len = (EVP_PKEY_get_bits(k->pkey) - 1 + 7) / 8;
    int ok = scheme_verify_once(k, s, md, hl, msg, sig, check, &rc);
    if (!ok && rc == UAT_OK && s == UAT_SCHEME_RSAPSS && em_len - hl - 2 > hl) {
        ok = scheme_verify_once(k, s, md, em_len - hl - 2, msg, sig, check, &rc);
    }
    if (!ok && rc == UAT_OK) {
        rc = UAT_FAIL(UAT_ERR_VERIFY_SIGNATURE, check, "signature", -1);
    }
    if (rc == UAT_OK && UAT_TRACING()) {
        char alg[48];
        snprintf(alg, sizeof(alg), "%s with %s",
                 s == UAT_SCHEME_ECDSA ? "ECDSA" : s == UAT_SCHEME_RSAPSS ? "RSASSA-PSS" : "RSASSA-PKCS1-v1_5",
                 EVP_MD_get0_name(md));
        uat_ossl_trace_sig(check, alg, k->pkey);
    }
out:
    uat_buf_free(&der);
    return rc;
}

uat_err uat_sig_sign_scheme(const uat_key *k, enum uat_sig_scheme s, enum uat_hash_alg h,
                            uat_span msg, uat_buf *out)
{
    const EVP_MD *md = uat_ossl_md(h);
    size_t half = 0, n = 0;
    UAT_ENSURE(md != NULL, UAT_ERR_UNSUPPORTED_ALGORITHM, "signature.sign", "hash", -1);
    UAT_TRY(scheme_key(k, s, "signature.sign", &half));
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx == NULL) {
        return UAT_NOMEM("signature.sign");
    }
    uat_buf tmp;
    uat_buf_init(&tmp, 1024);
    uat_err rc;
    UAT_TRY_GOTO(rc, scheme_ctx(ctx, k, s, md, EVP_MD_get_size(md), 1, "signature.sign"), out);
    if (EVP_DigestSign(ctx, NULL, &n, msg.p, msg.len) != 1) {
        rc = UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, "signature.sign");
        goto out;
    }
    UAT_TRY_GOTO(rc, uat_buf_reserve(&tmp, n), out);
    if (EVP_DigestSign(ctx, tmp.p, &n, msg.p, msg.len) != 1) {
        rc = UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, "signature.sign");
        goto out;
    }
    tmp.len = n;
    rc = s == UAT_SCHEME_ECDSA ? der_to_raw(uat_buf_span(&tmp), half, out)
                               : uat_buf_append(out, tmp.p, tmp.len);
out:
    EVP_MD_CTX_free(ctx);
    uat_buf_free(&tmp);
    return rc;
}
