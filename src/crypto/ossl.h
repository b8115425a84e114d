/* Internal to src/crypto: the OpenSSL side of uat_key and error conversion. */
#ifndef UAT_CRYPTO_OSSL_H
#define UAT_CRYPTO_OSSL_H

#include "crypto/crypto.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

struct uat_key {
    EVP_PKEY *pkey;
    /* a key held by a token (provider.c): its own library context (freed after pkey) and the
     * property query its operations and TLS contexts use; both NULL for software keys */
    OSSL_LIB_CTX *libctx;
    char *propq;
};

/* Records err with OpenSSL's first queued error as detail and clears the queue. */
uat_err uat_ossl_fail(uat_err err, const char *check, const char *file, int line);
#define UAT_OSSL_FAIL(err, check) uat_ossl_fail((err), (check), __FILE__, __LINE__)

const EVP_MD *uat_ossl_md(enum uat_hash_alg alg);
UAT_MUST_USE uat_err uat_key_wrap(EVP_PKEY *pkey, uat_key **out); /* takes pkey */

/* x509.c internals shared with cert.c */
X509 *uat_ossl_d2i_cert(uat_span der); /* exact: no trailing bytes */
uat_err uat_ossl_asn1_time(const ASN1_TIME *t, uat_time *out);
uat_err uat_cert_from_ossl(X509 *x, uat_cert **out);
uat_err uat_ossl_extension(X509 *x, const char *oid, uat_buf *out); /* see uat_x509_extension */ /* takes a reference, no second decode */
uat_err uat_ossl_name_cn(const X509_NAME *name, char *out, size_t cap, const char *check);
/* x509_trace.c: records the path ctx built (verified or not) and the CRLs of store it consulted in
 * the explanation trace; nothing when no trace is on. */
#include <openssl/x509_vfy.h>
void uat_ossl_trace_sig(const char *check, const char *alg, EVP_PKEY *pkey);
void uat_ossl_trace_chain(X509_STORE_CTX *ctx, X509_STORE *store, int verified, const char *check);
/* Adds the CRLs of store the path ctx built consulted to m, as the trace records them. */
void uat_ossl_memo_chain_crls(X509_STORE_CTX *ctx, X509_STORE *store, uat_coll_memo *m);

#endif
