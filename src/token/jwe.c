/* Compact JWE to a workload's public key (docs/service.md, resource release). EC keys go through
 * libjose (ECDH-ES+A256KW); RSA keys through the crypto layer, since Debian 12's libjose (11-2)
 * offers only RSA1_5 for RSA, which RFC 8725 §3.2 advises against. */
#include "token/jwe.h"

#include <jose/jose.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"

#define CHECK "jwe.encrypt"
#define RSA_MIN_N_B64 342u /* spec: RFC 7518 §4.3: 2048 bits or more (256 bytes in base64url) */
#define CEK_LEN 32u        /* spec: RFC 7518 §5.3: A256GCM */
#define IV_LEN 12u
#define TAG_LEN 16u

/* ---- shared ---- */

static uat_err append_b64(uat_buf *b, const uint8_t *p, size_t n, int dot)
{
    if (dot) {
        UAT_TRY(uat_buf_append_str(b, "."));
    }
    return uat_b64_encode(p, n, UAT_B64_URL, b);
}

static uat_err take_text(uat_buf *b, char **out)
{
    UAT_TRY(uat_buf_terminate(b));
    size_t n = 0;
    uat_buf_take(b, (uint8_t **)out, &n);
    return UAT_OK;
}

static uat_err public_jwk(const uat_key *k, json_t **jwk)
{
    uat_buf text;
    uat_buf_init(&text, 16384);
    uat_err rc = uat_key_public_jwk(k, &text);
    if (rc == UAT_OK) {
        *jwk = json_loadb((const char *)text.p, text.len, 0, NULL);
        rc = *jwk != NULL ? UAT_OK : UAT_NOMEM(CHECK);
    }
    uat_buf_free(&text);
    return rc;
}

/* ---- EC: ECDH-ES+A256KW with libjose ---- */

/* Moves the recipient's header (epk) into the protected header, as `jose jwe enc -c` does. */
static int protect_all(json_t *jwe)
{
    json_t *h = jose_jwe_hdr(jwe, jwe);
    if (h == NULL || json_object_set_new(jwe, "protected", h) != 0) {
        return 0;
    }
    json_object_del(jwe, "unprotected");
    json_object_del(jwe, "header");
    return 1;
}

/* spec: RFC 7516 §7.1: BASE64URL(protected) . key . iv . ciphertext . tag */
static uat_err compact(const json_t *jwe, char **out)
{
    static const char *const parts[5] = {"protected", "encrypted_key", "iv", "ciphertext", "tag"};
    uat_buf b;
    uat_buf_init(&b, 4 * UAT_JWE_MAX_PLAINTEXT);
    uat_err rc = UAT_OK;
    for (size_t i = 0; rc == UAT_OK && i < 5; i++) {
        const char *v = json_string_value(json_object_get(jwe, parts[i]));
        if (v == NULL) {
            rc = UAT_FAIL(UAT_ERR_CRYPTO_FAILURE, CHECK, parts[i], -1);
        } else if (i > 0) {
            rc = uat_buf_append_str(&b, ".");
        }
        if (rc == UAT_OK) {
            rc = uat_buf_append_str(&b, v);
        }
    }
    if (rc == UAT_OK) {
        rc = take_text(&b, out);
    }
    uat_buf_free(&b);
    return rc;
}

static uat_err ec_jwe(const uat_key *k, const uint8_t *pt, size_t n, char **out)
{
    json_t *jwk = NULL;
    UAT_TRY(public_jwk(k, &jwk));
    json_t *jwe =
        json_pack("{s:{s:s,s:s}}", "protected", "alg", "ECDH-ES+A256KW", "enc", "A256GCM");
    json_t *cek = json_object();
    uat_err rc = UAT_OK;
    if (jwe == NULL || cek == NULL) {
        rc = UAT_NOMEM(CHECK);
    } else if (!jose_jwe_enc_jwk(NULL, jwe, NULL, jwk, cek) || !protect_all(jwe) ||
               !jose_jwe_enc_cek(NULL, jwe, cek, pt, n)) {
        rc = UAT_FAIL(UAT_ERR_CRYPTO_FAILURE, CHECK, "ECDH-ES+A256KW", -1);
    } else {
        rc = compact(jwe, out);
    }
    json_decref(cek); /* jansson cannot wipe the CEK it holds; it goes with its object */
    json_decref(jwe);
    json_decref(jwk);
    return rc;
}

/* ---- RSA: RSA-OAEP-256 + A256GCM with the crypto layer ---- */

static uat_err rsa_check(const uat_key *k)
{
    json_t *jwk = NULL;
    UAT_TRY(public_jwk(k, &jwk));
    size_t nlen = json_string_length(json_object_get(jwk, "n"));
    json_decref(jwk);
    if (nlen < RSA_MIN_N_B64) {
        return UAT_FAILF(UAT_ERR_CRYPTO_BAD_KEY, CHECK, "akpub", -1,
                         "an RSA key must have at least 2048 bits");
    }
    return UAT_OK;
}

/* spec: RFC 7516 §5.1 steps 2-19 for one recipient, compact serialization */
static uat_err rsa_jwe(const uat_key *k, const uint8_t *pt, size_t n, char **out)
{
    static const char header[] = "{\"alg\":\"RSA-OAEP-256\",\"enc\":\"A256GCM\"}";
    uint8_t cek[CEK_LEN], iv[IV_LEN], tag[TAG_LEN];
    uat_buf b, ek, ct;
    uat_buf_init(&b, 4 * UAT_JWE_MAX_PLAINTEXT);
    uat_buf_init(&ek, 2048);
    uat_buf_init(&ct, UAT_JWE_MAX_PLAINTEXT + 32);
    uat_err rc = rsa_check(k);
    rc = rc == UAT_OK ? uat_random(cek, sizeof(cek)) : rc;
    rc = rc == UAT_OK ? uat_random(iv, sizeof(iv)) : rc;
    rc = rc == UAT_OK ? uat_rsa_oaep_encrypt(k, UAT_HASH_SHA256, uat_span_of(cek, CEK_LEN), &ek)
                      : rc;
    rc = rc == UAT_OK ? append_b64(&b, (const uint8_t *)header, sizeof(header) - 1, 0) : rc;
    size_t aad_len = b.len; /* the AAD is ASCII(BASE64URL(protected header)) */
    rc = rc == UAT_OK ? uat_aes_gcm_encrypt(uat_span_of(cek, CEK_LEN), uat_span_of(iv, IV_LEN),
                                            uat_span_of(b.p, aad_len), uat_span_of(pt, n), &ct, tag)
                      : rc;
    rc = rc == UAT_OK ? append_b64(&b, ek.p, ek.len, 1) : rc;
    rc = rc == UAT_OK ? append_b64(&b, iv, IV_LEN, 1) : rc;
    rc = rc == UAT_OK ? append_b64(&b, ct.p, ct.len, 1) : rc;
    rc = rc == UAT_OK ? append_b64(&b, tag, TAG_LEN, 1) : rc;
    rc = rc == UAT_OK ? take_text(&b, out) : rc;
    uat_wipe(cek, sizeof(cek));
    uat_buf_free(&b);
    uat_buf_free(&ek);
    uat_buf_free(&ct);
    return rc;
}

uat_err uat_jwe_encrypt_spki(uat_span spki_der, const uint8_t *pt, size_t n, char **out)
{
    UAT_ENSURE(out != NULL && (pt != NULL || n == 0), UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "",
               -1);
    UAT_ENSURE(n <= UAT_JWE_MAX_PLAINTEXT, UAT_ERR_RESOURCE_LIMIT, CHECK, "plaintext", -1);
    uat_key *k = NULL;
    UAT_TRY(uat_key_from_spki_der(spki_der, &k));
    uat_err rc;
    switch (uat_key_kind_of(k)) {
    case UAT_KEY_EC_P256:
    case UAT_KEY_EC_P384:
    case UAT_KEY_EC_P521: rc = ec_jwe(k, pt, n, out); break;
    case UAT_KEY_RSA: rc = rsa_jwe(k, pt, n, out); break;
    default:
        rc = UAT_FAILF(UAT_ERR_CRYPTO_BAD_KEY, CHECK, "akpub", -1,
                       "the bound key is neither EC P-256/384/521 nor RSA");
    }
    uat_key_free(k);
    return rc;
}
