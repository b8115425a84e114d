/* Encryption primitives for JWE (RFC 7518): RSAES-OAEP key transport and AES-GCM. libjose in
 * Debian 12 (11-2) offers only RSA1_5 for RSA keys, so RSA-OAEP-256 is built here. */
#include "crypto/ossl.h"

#include <openssl/core_names.h>
#include <openssl/rsa.h>
#include <stdlib.h>
#include <string.h>

#define CHECK_OAEP "rsa.oaep"
#define CHECK_GCM "aes.gcm"
#define GCM_TAG_LEN 16

static EVP_PKEY_CTX *oaep_ctx(const uat_key *k, enum uat_hash_alg h, int decrypt)
{
    const EVP_MD *md = uat_ossl_md(h);
    EVP_PKEY_CTX *ctx = md ? EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL) : NULL;
    int ok =
        ctx != NULL && (decrypt ? EVP_PKEY_decrypt_init(ctx) : EVP_PKEY_encrypt_init(ctx)) == 1 &&
        EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) == 1 &&
        EVP_PKEY_CTX_set_rsa_oaep_md(ctx, md) == 1 && EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) == 1;
    if (!ok) {
        EVP_PKEY_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

/* spec: RFC 8017 §7.1 (RSAES-OAEP), the hash used for both OAEP and MGF1 (RFC 7518 §4.3) */
static uat_err oaep(const uat_key *k, enum uat_hash_alg h, uat_span in, uat_buf *out, int decrypt)
{
    UAT_ENSURE(k != NULL && uat_key_kind_of(k) == UAT_KEY_RSA, UAT_ERR_CRYPTO_BAD_KEY, CHECK_OAEP,
               "", -1);
    UAT_ENSURE(!decrypt || uat_key_is_private(k), UAT_ERR_CRYPTO_BAD_KEY, CHECK_OAEP, "", -1);
    EVP_PKEY_CTX *ctx = oaep_ctx(k, h, decrypt);
    if (ctx == NULL) {
        return UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, CHECK_OAEP);
    }
    size_t n = 0;
    int (*fn)(EVP_PKEY_CTX *, unsigned char *, size_t *, const unsigned char *, size_t) =
        decrypt ? EVP_PKEY_decrypt : EVP_PKEY_encrypt;
    /* the first call gives the modulus size, an upper bound: work in a scratch buffer of it */
    uint8_t *tmp = fn(ctx, NULL, &n, in.p, in.len) == 1 && n > 0 ? malloc(n) : NULL;
    size_t cap = n;
    uat_err rc = UAT_OK;
    if (tmp == NULL) {
        rc = UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, CHECK_OAEP);
    } else if (fn(ctx, tmp, &n, in.p, in.len) != 1) {
        rc = UAT_OSSL_FAIL(decrypt ? UAT_ERR_VERIFY_SIGNATURE : UAT_ERR_CRYPTO_FAILURE, CHECK_OAEP);
    } else {
        rc = uat_buf_append(out, tmp, n);
    }
    if (tmp != NULL) {
        uat_wipe(tmp, cap);
        free(tmp);
    }
    EVP_PKEY_CTX_free(ctx);
    return rc;
}

uat_err uat_rsa_oaep_encrypt(const uat_key *k, enum uat_hash_alg h, uat_span pt, uat_buf *out)
{
    return oaep(k, h, pt, out, 0);
}

uat_err uat_rsa_oaep_decrypt(const uat_key *k, enum uat_hash_alg h, uat_span ct, uat_buf *out)
{
    return oaep(k, h, ct, out, 1);
}

static const EVP_CIPHER *gcm_cipher(size_t key_len)
{
    return key_len == 16   ? EVP_aes_128_gcm()
           : key_len == 24 ? EVP_aes_192_gcm()
           : key_len == 32 ? EVP_aes_256_gcm()
                           : NULL;
}

/* One GCM pass over aad and in; out gets len(in) bytes. */
static uat_err gcm(uat_span key, uat_span iv, uat_span aad, uat_span in, uat_buf *out,
                   uint8_t tag[GCM_TAG_LEN], int decrypt)
{
    const EVP_CIPHER *c = gcm_cipher(key.len);
    UAT_ENSURE(c != NULL && iv.len == 12 && in.len <= INT32_MAX && aad.len <= INT32_MAX,
               UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK_GCM, "key", -1);
    UAT_TRY(uat_buf_reserve(out, in.len + 16));
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0, fin = 0;
    int ok = ctx != NULL && EVP_CipherInit_ex(ctx, c, NULL, key.p, iv.p, decrypt ? 0 : 1) == 1 &&
             (aad.len == 0 || EVP_CipherUpdate(ctx, NULL, &n, aad.p, (int)aad.len) == 1) &&
             EVP_CipherUpdate(ctx, out->p + out->len, &n, in.p, (int)in.len) == 1 &&
             (!decrypt || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, GCM_TAG_LEN, tag) == 1);
    int done = ok && EVP_CipherFinal_ex(ctx, out->p + out->len + n, &fin) == 1;
    ok = done && (decrypt || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, GCM_TAG_LEN, tag) == 1);
    EVP_CIPHER_CTX_free(ctx);
    if (!ok) {
        uat_wipe(out->p + out->len, in.len);
        /* a tag mismatch fails only at the final step */
        return UAT_OSSL_FAIL(ok || !decrypt ? UAT_ERR_CRYPTO_FAILURE : UAT_ERR_VERIFY_SIGNATURE,
                             CHECK_GCM);
    }
    out->len += (size_t)n + (size_t)fin;
    return UAT_OK;
}

uat_err uat_aes_gcm_encrypt(uat_span key, uat_span iv, uat_span aad, uat_span pt, uat_buf *ct,
                            uint8_t tag[16])
{
    return gcm(key, iv, aad, pt, ct, tag, 0);
}

uat_err uat_aes_gcm_decrypt(uat_span key, uat_span iv, uat_span aad, uat_span ct,
                            const uint8_t tag[16], uat_buf *pt)
{
    uint8_t t[GCM_TAG_LEN];
    memcpy(t, tag, sizeof(t));
    return gcm(key, iv, aad, ct, pt, t, 1);
}
