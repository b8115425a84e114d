/* Hashes and randomness. */
#include "crypto/ossl.h"

#include <openssl/err.h>
#include <openssl/rand.h>
#include <pthread.h>

uat_err uat_ossl_fail(uat_err err, const char *check, const char *file, int line)
{
    unsigned long code = ERR_peek_error();
    char text[200] = "";
    if (code != 0) {
        ERR_error_string_n(code, text, sizeof(text));
    }
    ERR_clear_error();
    if (text[0] != '\0') {
        return uat_fail_fmt(err, check, "", -1, file, line, "%s", text);
    }
    return uat_fail_at(err, check, "", -1, file, line);
}

/* The digests, fetched from the default library context once: a digest init with one of these
 * skips the provider lookup (and its locks) that the legacy EVP_sha256() objects cost each time.
 * Kept for the process's life. */
static EVP_MD *fetched[UAT_HASH_SM3 + 1];
static pthread_once_t fetched_once = PTHREAD_ONCE_INIT;

static void fetch_digests(void)
{
    static const char *const names[] = {
        [UAT_HASH_SHA1] = "SHA1",     [UAT_HASH_SHA256] = "SHA2-256", [UAT_HASH_SHA384] = "SHA2-384",
        [UAT_HASH_SHA512] = "SHA2-512", [UAT_HASH_SM3] = "SM3",
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        fetched[i] = names[i] != NULL ? EVP_MD_fetch(NULL, names[i], NULL) : NULL;
    }
    ERR_clear_error(); /* a digest the providers lack falls back to the legacy object */
}

const EVP_MD *uat_ossl_md(enum uat_hash_alg alg)
{
    pthread_once(&fetched_once, fetch_digests);
    if ((unsigned)alg < sizeof(fetched) / sizeof(fetched[0]) && fetched[alg] != NULL) {
        return fetched[alg];
    }
    switch (alg) {
    case UAT_HASH_SHA1:
        return EVP_sha1();
    case UAT_HASH_SHA256:
        return EVP_sha256();
    case UAT_HASH_SHA384:
        return EVP_sha384();
    case UAT_HASH_SHA512:
        return EVP_sha512();
    case UAT_HASH_SM3:
        return EVP_sm3();
    }
    return NULL;
}

size_t uat_hash_len(enum uat_hash_alg alg)
{
    switch (alg) {
    case UAT_HASH_SHA1:
        return 20;
    case UAT_HASH_SHA256:
    case UAT_HASH_SM3:
        return 32;
    case UAT_HASH_SHA384:
        return 48;
    case UAT_HASH_SHA512:
        return 64;
    }
    return 0;
}

const char *uat_hash_name(enum uat_hash_alg alg)
{
    switch (alg) {
    case UAT_HASH_SHA1:
        return "sha1";
    case UAT_HASH_SHA256:
        return "sha256";
    case UAT_HASH_SHA384:
        return "sha384";
    case UAT_HASH_SHA512:
        return "sha512";
    case UAT_HASH_SM3:
        return "sm3";
    }
    return "unknown";
}

uat_err uat_hash(enum uat_hash_alg alg, const uat_span *parts, size_t nparts, uint8_t *out)
{
    const EVP_MD *md = uat_ossl_md(alg);
    UAT_ENSURE(md != NULL, UAT_ERR_UNSUPPORTED_ALGORITHM, "hash", "", -1);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx == NULL) {
        return UAT_NOMEM("hash");
    }
    uat_err rc = UAT_OK;
    if (EVP_DigestInit_ex(ctx, md, NULL) != 1) {
        rc = UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, "hash.init");
        goto out;
    }
    for (size_t i = 0; i < nparts; i++) {
        if (parts[i].len > 0 && EVP_DigestUpdate(ctx, parts[i].p, parts[i].len) != 1) {
            rc = UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, "hash.update");
            goto out;
        }
    }
    if (EVP_DigestFinal_ex(ctx, out, NULL) != 1) {
        rc = UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, "hash.final");
    }
out:
    EVP_MD_CTX_free(ctx);
    return rc;
}

uat_err uat_random(void *out, size_t n)
{
    UAT_ENSURE(n <= INT32_MAX, UAT_ERR_USAGE_INVALID_ARGUMENT, "random", "", -1);
    if (RAND_bytes(out, (int)n) != 1) {
        return UAT_OSSL_FAIL(UAT_ERR_CRYPTO_RANDOM, "random");
    }
    return UAT_OK;
}
