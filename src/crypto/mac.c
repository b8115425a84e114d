/* Message authentication codes: HMAC (RFC 2104) over the hashes of crypto.h. */
#include "crypto/ossl.h"

#include <openssl/core_names.h>
#include <openssl/params.h>
#include <pthread.h>

#define CHECK "hmac"

static uat_err mac_feed(EVP_MAC_CTX *ctx, const uat_span *parts, size_t nparts)
{
    for (size_t i = 0; i < nparts; i++) {
        if (parts[i].len > 0 && EVP_MAC_update(ctx, parts[i].p, parts[i].len) != 1) {
            return UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, CHECK);
        }
    }
    return UAT_OK;
}

/* HMAC, fetched once (kept for the process's life): no provider lookup per MAC. */
static EVP_MAC *hmac;
static pthread_once_t hmac_once = PTHREAD_ONCE_INIT;

static void fetch_hmac(void)
{
    hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
}

uat_err uat_hmac(enum uat_hash_alg alg, uat_span key, const uat_span *parts, size_t nparts,
                 uint8_t *out)
{
    const EVP_MD *md = uat_ossl_md(alg);
    UAT_ENSURE(md != NULL, UAT_ERR_UNSUPPORTED_ALGORITHM, CHECK, "", -1);
    UAT_ENSURE(key.len > 0 && (parts != NULL || nparts == 0) && out != NULL,
               UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "", -1);
    pthread_once(&hmac_once, fetch_hmac);
    EVP_MAC_CTX *ctx = hmac != NULL ? EVP_MAC_CTX_new(hmac) : NULL;
    uat_err rc = UAT_OK;
    if (ctx == NULL) {
        rc = UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, CHECK);
        goto done;
    }
    OSSL_PARAM params[2] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                         (char *)(uintptr_t)EVP_MD_get0_name(md), 0),
        OSSL_PARAM_construct_end(),
    };
    if (EVP_MAC_init(ctx, key.p, key.len, params) != 1) {
        rc = UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, CHECK);
        goto done;
    }
    UAT_TRY_GOTO(rc, mac_feed(ctx, parts, nparts), done);
    size_t n = 0;
    if (EVP_MAC_final(ctx, out, &n, uat_hash_len(alg)) != 1 || n != uat_hash_len(alg)) {
        rc = UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, CHECK);
    }
done:
    EVP_MAC_CTX_free(ctx);
    return rc;
}

/* spec: RFC 5869 §2.2 (extract: PRK = HMAC(salt, IKM)) and §2.3 (expand: T(i) = HMAC(PRK,
 * T(i-1) || info || i)) */
uat_err uat_hkdf_sha256(uat_span salt, uat_span ikm, uat_span info, uint8_t *out, size_t n)
{
    UAT_ENSURE(out != NULL && n > 0 && n <= 255u * 32u, UAT_ERR_USAGE_INVALID_ARGUMENT, "hkdf",
               "length", -1);
    static const uint8_t zeros[32];
    uint8_t prk[32], t[32];
    if (salt.len == 0) {
        salt = uat_span_of(zeros, sizeof(zeros));
    }
    uat_err rc = uat_hmac(UAT_HASH_SHA256, salt, &ikm, 1, prk);
    size_t done = 0, tlen = 0;
    for (uint8_t i = 1; rc == UAT_OK && done < n; i++) {
        uat_span parts[3] = {uat_span_of(t, tlen), info, uat_span_of(&i, 1)};
        rc = uat_hmac(UAT_HASH_SHA256, uat_span_of(prk, sizeof(prk)), parts, 3, t);
        tlen = sizeof(t);
        size_t k = n - done < tlen ? n - done : tlen;
        if (rc == UAT_OK) {
            memcpy(out + done, t, k);
            done += k;
        }
    }
    uat_wipe(prk, sizeof(prk));
    uat_wipe(t, sizeof(t));
    return rc;
}
