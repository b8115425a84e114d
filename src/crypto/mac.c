/* Message authentication codes: HMAC (RFC 2104) over the hashes of crypto.h. */
#include "crypto/ossl.h"

#include <openssl/core_names.h>
#include <openssl/params.h>

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

uat_err uat_hmac(enum uat_hash_alg alg, uat_span key, const uat_span *parts, size_t nparts,
                 uint8_t *out)
{
    const EVP_MD *md = uat_ossl_md(alg);
    UAT_ENSURE(md != NULL, UAT_ERR_UNSUPPORTED_ALGORITHM, CHECK, "", -1);
    UAT_ENSURE(key.len > 0 && (parts != NULL || nparts == 0) && out != NULL,
               UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "", -1);
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
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
    EVP_MAC_free(mac);
    return rc;
}
