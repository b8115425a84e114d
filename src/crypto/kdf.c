/* The TPM's key derivations and the primitives of credential protection (MakeCredential in
 * software, for enrolment by credential activation): KDFa, KDFe, AES-CFB, RSA-OAEP with a label,
 * ECDH with an ephemeral key.
 *
 * spec: TCG TPM 2.0 Library Part 1 rev 1.59 §11.4.10.2 (KDFa), §11.4.10.3 (KDFe), §24
 *       (credential protection); NIST SP 800-108 §5.1 (counter mode), SP 800-56A rev 3 §5.8.2
 *       (concatenation KDF), SP 800-38A §6.3 (CFB); RFC 8017 §7.1 (RSAES-OAEP). */
#include "crypto/ossl.h"

#include <openssl/core_names.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/rsa.h>
#include <string.h>

#define CHECK_KDF "kdf"
#define CHECK_CFB "aes.cfb"
#define CHECK_OAEP "rsa.oaep"
#define CHECK_ECDH "ecdh"

static void put_be32(uint8_t b[4], uint32_t v)
{
    b[0] = (uint8_t)(v >> 24);
    b[1] = (uint8_t)(v >> 16);
    b[2] = (uint8_t)(v >> 8);
    b[3] = (uint8_t)v;
}

/* The TPM's label: the string with its terminating NUL (Part 1 §11.4.10.1: a label that does
 * not end in a zero octet gets one). */
static uat_span label_span(const char *label)
{
    return uat_span_of(label, strlen(label) + 1);
}

static uat_err kdf_args(enum uat_hash_alg h, const char *label, size_t bits, const uint8_t *out)
{
    UAT_ENSURE(uat_hash_len(h) > 0, UAT_ERR_UNSUPPORTED_ALGORITHM, CHECK_KDF, "hash", -1);
    UAT_ENSURE(label != NULL && out != NULL && bits > 0 && bits % 8 == 0 && bits <= 8u * 4096u,
               UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK_KDF, "bits", -1);
    return UAT_OK;
}

/* spec: Part 1 §11.4.10.2:
 * K(i) = HMAC(key, [i]_32 || Label || Context_U || Context_V || [bits]_32)
 * (SP 800-108 counter mode); the output is the first bits / 8 bytes of K(1) || K(2) || ... */
uat_err uat_kdfa(enum uat_hash_alg h, uat_span key, const char *label, uat_span context_u,
                 uat_span context_v, size_t bits, uint8_t *out)
{
    UAT_TRY(kdf_args(h, label, bits, out));
    size_t hl = uat_hash_len(h), n = bits / 8;
    uint8_t counter[4], len_bits[4], block[UAT_HASH_MAX];
    put_be32(len_bits, (uint32_t)bits);
    uat_err rc = UAT_OK;
    for (uint32_t i = 1, done = 0; done < n; i++) {
        put_be32(counter, i);
        const uat_span parts[5] = {uat_span_of(counter, 4), label_span(label), context_u, context_v,
                                   uat_span_of(len_bits, 4)};
        UAT_TRY_GOTO(rc, uat_hmac(h, key, parts, 5, block), done_);
        size_t take = n - done < hl ? n - done : hl;
        memcpy(out + done, block, take);
        done += (uint32_t)take;
    }
done_:
    uat_wipe(block, sizeof(block));
    return rc;
}

/* spec: Part 1 §11.4.10.3: K(i) = H([i]_32 || Z || Use || PartyUInfo || PartyVInfo) (SP 800-56A
 * concatenation KDF with OtherInfo = Use || PartyUInfo || PartyVInfo) */
uat_err uat_kdfe(enum uat_hash_alg h, uat_span z, const char *label, uat_span party_u,
                 uat_span party_v, size_t bits, uint8_t *out)
{
    UAT_TRY(kdf_args(h, label, bits, out));
    size_t hl = uat_hash_len(h), n = bits / 8;
    uint8_t counter[4], block[UAT_HASH_MAX];
    uat_err rc = UAT_OK;
    for (uint32_t i = 1, done = 0; done < n; i++) {
        put_be32(counter, i);
        const uat_span parts[5] = {uat_span_of(counter, 4), z, label_span(label), party_u, party_v};
        UAT_TRY_GOTO(rc, uat_hash(h, parts, 5, block), done_);
        size_t take = n - done < hl ? n - done : hl;
        memcpy(out + done, block, take);
        done += (uint32_t)take;
    }
done_:
    uat_wipe(block, sizeof(block));
    return rc;
}

static const EVP_CIPHER *cfb_cipher(size_t key_len)
{
    return key_len == 16   ? EVP_aes_128_cfb128()
           : key_len == 24 ? EVP_aes_192_cfb128()
           : key_len == 32 ? EVP_aes_256_cfb128()
                           : NULL;
}

/* CFB is a stream mode: the output has the input's length, no padding. */
static uat_err cfb(uat_span key, uat_span iv, uat_span in, uint8_t *out, int encrypt)
{
    const EVP_CIPHER *c = cfb_cipher(key.len);
    UAT_ENSURE(c != NULL && iv.len == 16 && in.len <= INT32_MAX && (out != NULL || in.len == 0),
               UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK_CFB, "key", -1);
    if (in.len == 0) {
        return UAT_OK;
    }
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0, fin = 0;
    int ok = ctx != NULL && EVP_CipherInit_ex(ctx, c, NULL, key.p, iv.p, encrypt) == 1 &&
             EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
             EVP_CipherUpdate(ctx, out, &n, in.p, (int)in.len) == 1 &&
             EVP_CipherFinal_ex(ctx, out + n, &fin) == 1 && (size_t)n + (size_t)fin == in.len;
    EVP_CIPHER_CTX_free(ctx);
    return ok ? UAT_OK : UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, CHECK_CFB);
}

uat_err uat_aes_cfb_encrypt(uat_span key, uat_span iv, uat_span in, uint8_t *out)
{
    return cfb(key, iv, in, out, 1);
}

uat_err uat_aes_cfb_decrypt(uat_span key, uat_span iv, uat_span in, uint8_t *out)
{
    return cfb(key, iv, in, out, 0);
}

/* The OAEP context: h for OAEP and MGF1, and the label (OpenSSL takes its own copy). */
static EVP_PKEY_CTX *oaep_ctx(const uat_key *k, enum uat_hash_alg h, uat_span label, int decrypt)
{
    const EVP_MD *md = uat_ossl_md(h);
    EVP_PKEY_CTX *ctx = md ? EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL) : NULL;
    unsigned char *copy =
        label.len > 0 && label.len <= INT32_MAX ? OPENSSL_malloc(label.len) : NULL;
    if (copy != NULL) {
        memcpy(copy, label.p, label.len);
    }
    int ok = ctx != NULL && (label.len == 0 || copy != NULL) &&
             (decrypt ? EVP_PKEY_decrypt_init(ctx) : EVP_PKEY_encrypt_init(ctx)) == 1 &&
             EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) == 1 &&
             EVP_PKEY_CTX_set_rsa_oaep_md(ctx, md) == 1 &&
             EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) == 1 &&
             (copy == NULL || EVP_PKEY_CTX_set0_rsa_oaep_label(ctx, copy, (int)label.len) == 1);
    if (ok) {
        return ctx; /* the context owns the label copy now */
    }
    OPENSSL_free(copy);
    EVP_PKEY_CTX_free(ctx);
    return NULL;
}

static uat_err oaep(const uat_key *k, enum uat_hash_alg h, uat_span label, uat_span in,
                    uat_buf *out, int decrypt)
{
    UAT_ENSURE(k != NULL && uat_key_kind_of(k) == UAT_KEY_RSA, UAT_ERR_CRYPTO_BAD_KEY, CHECK_OAEP,
               "", -1);
    UAT_ENSURE(!decrypt || uat_key_is_private(k), UAT_ERR_CRYPTO_BAD_KEY, CHECK_OAEP, "", -1);
    EVP_PKEY_CTX *ctx = oaep_ctx(k, h, label, decrypt);
    if (ctx == NULL) {
        return UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, CHECK_OAEP);
    }
    int (*fn)(EVP_PKEY_CTX *, unsigned char *, size_t *, const unsigned char *, size_t) =
        decrypt ? EVP_PKEY_decrypt : EVP_PKEY_encrypt;
    size_t n = 0;
    uint8_t tmp[1024]; /* RSA up to 8192 bits */
    uat_err rc = UAT_OK;
    if (fn(ctx, NULL, &n, in.p, in.len) != 1 || n == 0 || n > sizeof(tmp)) {
        rc = UAT_OSSL_FAIL(UAT_ERR_CRYPTO_BAD_KEY, CHECK_OAEP);
    } else if (fn(ctx, tmp, &n, in.p, in.len) != 1) {
        rc = UAT_OSSL_FAIL(decrypt ? UAT_ERR_VERIFY_SIGNATURE : UAT_ERR_CRYPTO_FAILURE, CHECK_OAEP);
    } else {
        rc = uat_buf_append(out, tmp, n);
    }
    uat_wipe(tmp, sizeof(tmp));
    EVP_PKEY_CTX_free(ctx);
    return rc;
}

uat_err uat_rsa_oaep_label_encrypt(const uat_key *k, enum uat_hash_alg h, uat_span label,
                                   uat_span pt, uat_buf *out)
{
    return oaep(k, h, label, pt, out, 0);
}

uat_err uat_rsa_oaep_label_decrypt(const uat_key *k, enum uat_hash_alg h, uat_span label,
                                   uat_span ct, uat_buf *out)
{
    return oaep(k, h, label, ct, out, 1);
}

static size_t field_len(const uat_key *k)
{
    switch (uat_key_kind_of(k)) {
    case UAT_KEY_EC_P256: return 32;
    case UAT_KEY_EC_P384: return 48;
    case UAT_KEY_EC_P521: return 66;
    default: return 0;
    }
}

uat_err uat_key_ec_point(const uat_key *k, uint8_t *x, uint8_t *y, size_t cap, size_t *len)
{
    size_t fl = k != NULL ? field_len(k) : 0;
    UAT_ENSURE(fl > 0, UAT_ERR_CRYPTO_BAD_KEY, "key.ec_point", "", -1);
    UAT_ENSURE(cap >= fl, UAT_ERR_USAGE_INVALID_ARGUMENT, "key.ec_point", "", -1);
    BIGNUM *bx = NULL, *by = NULL;
    int ok = EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_EC_PUB_X, &bx) == 1 &&
             EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &by) == 1 &&
             BN_bn2binpad(bx, x, (int)fl) == (int)fl && BN_bn2binpad(by, y, (int)fl) == (int)fl;
    BN_free(bx);
    BN_free(by);
    if (!ok) {
        return UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, "key.ec_point");
    }
    *len = fl;
    return UAT_OK;
}

size_t uat_key_bits(const uat_key *k)
{
    if (k == NULL) {
        return 0;
    }
    enum uat_key_kind kind = uat_key_kind_of(k);
    return kind == UAT_KEY_RSA || field_len(k) > 0 ? (size_t)EVP_PKEY_get_bits(k->pkey) : 0;
}

/* spec: SP 800-56A rev 3 §5.7.1.2: Z is the x coordinate of d * Q, padded to the field size */
uat_err uat_ecdh(const uat_key *priv, const uat_key *peer, uat_buf *z)
{
    size_t fl = priv != NULL && peer != NULL ? field_len(priv) : 0;
    UAT_ENSURE(fl > 0 && uat_key_kind_of(priv) == uat_key_kind_of(peer) && uat_key_is_private(priv),
               UAT_ERR_CRYPTO_BAD_KEY, CHECK_ECDH, "", -1);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, priv->pkey, NULL);
    uint8_t secret[66];
    size_t n = sizeof(secret);
    int ok = ctx != NULL && EVP_PKEY_derive_init(ctx) == 1 &&
             EVP_PKEY_derive_set_peer_ex(ctx, peer->pkey, 1) == 1 &&
             EVP_PKEY_derive(ctx, secret, &n) == 1 && n == fl;
    EVP_PKEY_CTX_free(ctx);
    uat_err rc =
        ok ? uat_buf_append(z, secret, n) : UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, CHECK_ECDH);
    uat_wipe(secret, sizeof(secret));
    return rc;
}

uat_err uat_ecdh_ephemeral(const uat_key *peer, uat_buf *z, uat_buf *x, uat_buf *y)
{
    UAT_ENSURE(peer != NULL && field_len(peer) > 0, UAT_ERR_CRYPTO_BAD_KEY, CHECK_ECDH, "", -1);
    uat_key *eph = NULL;
    UAT_TRY(uat_key_generate(uat_key_kind_of(peer), &eph));
    uint8_t ex[66], ey[66];
    size_t fl = 0;
    uat_err rc = uat_key_ec_point(eph, ex, ey, sizeof(ex), &fl);
    if (rc == UAT_OK) {
        rc = uat_ecdh(eph, peer, z);
    }
    if (rc == UAT_OK) {
        rc = uat_buf_append(x, ex, fl);
    }
    if (rc == UAT_OK) {
        rc = uat_buf_append(y, ey, fl);
    }
    uat_key_free(eph); /* the ephemeral private key is freed (and cleared by OpenSSL) here */
    return rc;
}
