/* Internal to src/crypto: the OpenSSL side of uat_key and error conversion. */
#ifndef UAT_CRYPTO_OSSL_H
#define UAT_CRYPTO_OSSL_H

#include "crypto/crypto.h"

#include <openssl/evp.h>

struct uat_key {
    EVP_PKEY *pkey;
};

/* Records err with OpenSSL's first queued error as detail and clears the queue. */
uat_err uat_ossl_fail(uat_err err, const char *check, const char *file, int line);
#define UAT_OSSL_FAIL(err, check) uat_ossl_fail((err), (check), __FILE__, __LINE__)

const EVP_MD *uat_ossl_md(enum uat_hash_alg alg);
UAT_MUST_USE uat_err uat_key_wrap(EVP_PKEY *pkey, uat_key **out); /* takes pkey */

#endif
