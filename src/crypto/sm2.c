/* SM2 signature verification with a distinguishing identifier (Hygon CSV certificates, reports).
 *
 * spec: GB/T 32918.2-2016 (SM2 digital signature: e = SM3(Z_A || M), Z_A = SM3(ENTL_A || ID_A ||
 *       a || b || x_G || y_G || x_A || y_A)); GB/T 32905-2016 (SM3); OpenSSL 3 SM2(7): the ID is
 *       set with EVP_PKEY_CTX_set1_id on the context handed to EVP_DigestVerifyInit.
 */
#include "crypto/ossl.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <string.h>

#define SM2_COORD 32u

/* An SM2 public key from its affine coordinates (big-endian); CRYPTO_BAD_KEY off the curve. */
static uat_err sm2_key(const uint8_t x[32], const uint8_t y[32], const char *check, EVP_PKEY **out)
{
    uint8_t point[1 + 2 * SM2_COORD];
    point[0] = 0x04; /* SEC 1 §2.3.3: uncompressed */
    memcpy(point + 1, x, SM2_COORD);
    memcpy(point + 1 + SM2_COORD, y, SM2_COORD);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)(uintptr_t)"SM2", 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point)),
        OSSL_PARAM_construct_end(),
    };
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL);
    EVP_PKEY *pkey = NULL;
    int ok = ctx != NULL && EVP_PKEY_fromdata_init(ctx) == 1 &&
             EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) == 1;
    EVP_PKEY_CTX_free(ctx);
    if (!ok) {
        EVP_PKEY_free(pkey);
        return UAT_OSSL_FAIL(UAT_ERR_CRYPTO_BAD_KEY, check);
    }
    *out = pkey;
    return UAT_OK;
}

/* (r, s) big-endian into a DER SM2 signature (the same ASN.1 SEQUENCE as ECDSA-Sig-Value). */
static uat_err sm2_sig_der(const uint8_t r[32], const uint8_t s[32], const char *check,
                           uat_buf *der)
{
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *br = BN_bin2bn(r, (int)SM2_COORD, NULL);
    BIGNUM *bs = BN_bin2bn(s, (int)SM2_COORD, NULL);
    if (es == NULL || br == NULL || bs == NULL || ECDSA_SIG_set0(es, br, bs) != 1) {
        BN_free(br);
        BN_free(bs);
        ECDSA_SIG_free(es);
        return UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, check);
    }
    unsigned char *p = NULL;
    int n = i2d_ECDSA_SIG(es, &p);
    uat_err rc = n > 0 ? uat_buf_append(der, p, (size_t)n)
                       : UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, check);
    OPENSSL_free(p);
    ECDSA_SIG_free(es);
    return rc;
}

static uat_err sm2_digest_verify(EVP_PKEY *pkey, uat_span id, uat_span msg, uat_span der,
                                 const char *check)
{
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    uat_err rc = UAT_OK;
    if (mctx == NULL || pctx == NULL ||
        EVP_PKEY_CTX_set1_id(pctx, id.p, (int)id.len) <= 0) {
        rc = UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, check);
    } else {
        EVP_MD_CTX_set_pkey_ctx(mctx, pctx); /* the digest context borrows pctx */
        if (EVP_DigestVerifyInit(mctx, NULL, EVP_sm3(), NULL, pkey) != 1) {
            rc = UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, check);
        } else if (EVP_DigestVerify(mctx, der.p, der.len, msg.p, msg.len) != 1) {
            ERR_clear_error();
            rc = UAT_FAIL(UAT_ERR_VERIFY_SIGNATURE, check, "signature", -1);
        }
    }
    EVP_MD_CTX_free(mctx);
    EVP_PKEY_CTX_free(pctx);
    return rc;
}

uat_err uat_sm2_verify(const uint8_t x[32], const uint8_t y[32], uat_span id, uat_span msg,
                       const uint8_t r[32], const uint8_t s[32], const char *check)
{
    /* spec: GB/T 32918.2 §5.5: ENTL_A is 16 bits of bit length: the ID is at most 8191 bytes */
    UAT_ENSURE(id.len > 0 && id.len <= 8191 && (id.p != NULL), UAT_ERR_USAGE_INVALID_ARGUMENT,
               check, "id", -1);
    UAT_ENSURE(msg.p != NULL || msg.len == 0, UAT_ERR_USAGE_INVALID_ARGUMENT, check, "msg", -1);
    EVP_PKEY *pkey = NULL;
    UAT_TRY(sm2_key(x, y, check, &pkey));
    uat_buf der;
    uat_buf_init(&der, 128);
    uat_err rc = sm2_sig_der(r, s, check, &der);
    if (rc == UAT_OK) {
        rc = sm2_digest_verify(pkey, id, msg, uat_buf_span(&der), check);
    }
    if (rc == UAT_OK && UAT_TRACING()) {
        uat_ossl_trace_sig(check, "SM2 with SM3", pkey);
    }
    uat_buf_free(&der);
    EVP_PKEY_free(pkey);
    return rc;
}

uat_err uat_sm2_verify_digest(const uint8_t x[32], const uint8_t y[32], const uint8_t digest[32],
                              const uint8_t r[32], const uint8_t s[32], const char *check)
{
    UAT_ENSURE(digest != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, check, "digest", -1);
    EVP_PKEY *pkey = NULL;
    UAT_TRY(sm2_key(x, y, check, &pkey));
    uat_buf der;
    uat_buf_init(&der, 128);
    uat_err rc = sm2_sig_der(r, s, check, &der);
    EVP_PKEY_CTX *pctx = NULL;
    if (rc == UAT_OK) {
        /* spec: OpenSSL 3 EVP_PKEY_verify(3) with an SM2 key: tbs is e itself (GB/T 32918.2 §7.1
         * step B4 onwards), no digest is computed */
        pctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
        if (pctx == NULL || EVP_PKEY_verify_init(pctx) != 1) {
            rc = UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, check);
        } else if (EVP_PKEY_verify(pctx, der.p, der.len, digest, SM2_COORD) != 1) {
            ERR_clear_error();
            rc = UAT_FAIL(UAT_ERR_VERIFY_SIGNATURE, check, "signature", -1);
        } else if (UAT_TRACING()) {
            uat_ossl_trace_sig(check, "SM2", pkey);
        }
    }
    EVP_PKEY_CTX_free(pctx);
    uat_buf_free(&der);
    EVP_PKEY_free(pkey);
    return rc;
}

uat_err uat_key_sm2_point(const uat_key *k, uint8_t x[32], uint8_t y[32], const char *check)
{
    char group[32] = "";
    UAT_ENSURE(k != NULL && k->pkey != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, check, "key", -1);
    if (EVP_PKEY_get_utf8_string_param(k->pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                       NULL) != 1 ||
        strcmp(group, "SM2") != 0) {
        ERR_clear_error();
        return UAT_FAILF(UAT_ERR_CRYPTO_BAD_KEY, check, "key", -1,
                         "the key is not on the SM2 curve (group \"%s\")", group);
    }
    BIGNUM *bx = NULL, *by = NULL;
    int ok = EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_EC_PUB_X, &bx) == 1 &&
             EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &by) == 1 &&
             BN_bn2binpad(bx, x, (int)SM2_COORD) == (int)SM2_COORD &&
             BN_bn2binpad(by, y, (int)SM2_COORD) == (int)SM2_COORD;
    BN_free(bx);
    BN_free(by);
    return ok ? UAT_OK : UAT_OSSL_FAIL(UAT_ERR_CRYPTO_BAD_KEY, check);
}
