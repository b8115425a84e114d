/* Explanation records of the certificates and CRLs a chain verification used (check.h trace). */
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <string.h>

#include "core/trace.h"
#include "crypto/ossl.h"

/* RFC 2253 text of a name ("CN=Intel SGX Root CA,O=Intel Corporation,..."). */
static void name_text(const X509_NAME *name, char *out, size_t cap)
{
    out[0] = '\0';
    BIO *b = BIO_new(BIO_s_mem());
    if (b != NULL && X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
        int n = BIO_read(b, out, (int)cap - 1);
        out[n > 0 ? n : 0] = '\0';
    }
    BIO_free(b);
}

static void serial_text(const ASN1_INTEGER *serial, char *out, size_t cap)
{
    out[0] = '\0';
    BIGNUM *bn = serial != NULL ? ASN1_INTEGER_to_BN(serial, NULL) : NULL;
    char *hex = bn != NULL ? BN_bn2hex(bn) : NULL;
    if (hex != NULL) {
        size_t i = 0;
        for (; hex[i] != '\0' && i + 1 < cap; i++) {
            out[i] = (char)(hex[i] >= 'A' && hex[i] <= 'F' ? hex[i] - 'A' + 'a' : hex[i]);
        }
        out[i] = '\0';
    }
    OPENSSL_free(hex);
    BN_free(bn);
}

static void trace_x509(X509 *x, const char *role, const char *source)
{
    char subject[512], issuer[512], serial[128];
    uat_time nb = 0, na = 0;
    name_text(X509_get_subject_name(x), subject, sizeof(subject));
    name_text(X509_get_issuer_name(x), issuer, sizeof(issuer));
    serial_text(X509_get0_serialNumber(x), serial, sizeof(serial));
    if (uat_ossl_asn1_time(X509_get0_notBefore(x), &nb) != UAT_OK ||
        uat_ossl_asn1_time(X509_get0_notAfter(x), &na) != UAT_OK) {
        uat_error_clear();
    }
    uat_trace_cert_(role, subject, issuer, serial, nb, na, source);
}

static void trace_crl(X509_CRL *c, const char *source)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    int hashed = X509_CRL_digest(c, EVP_sha256(), md, &mdlen) == 1 && mdlen == 32;
    if (!UAT_TRACING()) { /* only the collateral is recorded: what an audit record keeps */
        uat_trace_collateral_("crl", NULL, 0, 0, NULL, hashed ? md : NULL);
        ERR_clear_error();
        return;
    }
    char issuer[512], number[128] = "";
    uat_time tu = 0, nu = 0;
    name_text(X509_CRL_get_issuer(c), issuer, sizeof(issuer));
    ASN1_INTEGER *crl_number = X509_CRL_get_ext_d2i(c, NID_crl_number, NULL, NULL);
    if (crl_number != NULL) {
        serial_text(crl_number, number, sizeof(number));
        ASN1_INTEGER_free(crl_number);
    }
    if (uat_ossl_asn1_time(X509_CRL_get0_lastUpdate(c), &tu) != UAT_OK ||
        (X509_CRL_get0_nextUpdate(c) != NULL &&
         uat_ossl_asn1_time(X509_CRL_get0_nextUpdate(c), &nu) != UAT_OK)) {
        uat_error_clear();
    }
    uat_trace_cert_("crl", issuer, issuer, number[0] != '\0' ? number : NULL, tu, nu, source);
    uat_trace_collateral_("crl", issuer, tu, nu, source, hashed ? md : NULL);
    ERR_clear_error();
}

/* The certificates of a path and the step that it reached an anchor (explanation only). */
static void trace_path(X509_STORE_CTX *ctx, STACK_OF(X509) *chain, int n, int verified,
                       const char *check)
{
    if (n <= 0) {
        trace_x509(X509_STORE_CTX_get0_cert(ctx), "leaf", NULL);
        return;
    }
    for (int i = 0; i < n; i++) {
        X509 *x = sk_X509_value(chain, i);
        /* a verified path ends at the anchor from the trust directory (a partial chain may end at
         * a pinned intermediate); a failed one only when it reached a self-signed certificate */
        int anchor = i == n - 1 && n > 1 &&
                     (verified || X509_check_issued(x, x) == X509_V_OK);
        trace_x509(x, i == 0 ? "leaf" : anchor ? "root" : "intermediate",
                   anchor || (i == 0 && n == 1 && verified) ? "trust dir" : NULL);
    }
    if (verified) {
        char root[512];
        name_text(X509_get_subject_name(sk_X509_value(chain, n - 1)), root, sizeof(root));
        uat_stepf(check, "a path to a trust anchor, valid at the evaluation time",
                  "%d certificates up to %s", n, root);
    }
}

/* Calls fn for each CRL of store whose issuer issued a certificate of the path ctx built: the
 * CRLs the verification consulted. */
static void each_crl_consulted(X509_STORE_CTX *ctx, X509_STORE *store,
                               void (*fn)(X509_CRL *crl, void *arg), void *arg)
{
    STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
    int n = chain != NULL ? sk_X509_num(chain) : 0;
    STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(store);
    for (int k = 0; objs != NULL && k < sk_X509_OBJECT_num(objs); k++) {
        X509_CRL *crl = X509_OBJECT_get0_X509_CRL(sk_X509_OBJECT_value(objs, k));
        for (int i = 0; crl != NULL && i < n; i++) {
            if (X509_NAME_cmp(X509_CRL_get_issuer(crl),
                              X509_get_issuer_name(sk_X509_value(chain, i))) == 0) {
                fn(crl, arg);
                break;
            }
        }
    }
}

static void trace_crl_fn(X509_CRL *crl, void *arg)
{
    (void)arg;
    trace_crl(crl, uat_trace_coll_source_now());
}

void uat_ossl_trace_chain(X509_STORE_CTX *ctx, X509_STORE *store, int verified, const char *check)
{
    if (!UAT_TRACING_COLLATERAL()) {
        return;
    }
    if (UAT_TRACING()) {
        STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
        trace_path(ctx, chain, chain != NULL ? sk_X509_num(chain) : 0, verified, check);
    }
    each_crl_consulted(ctx, store, trace_crl_fn, NULL);
}

/* As a collateral-only trace records a CRL (trace_crl): what a cache hit records again. */
static void memo_crl_fn(X509_CRL *crl, void *arg)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    int hashed = X509_CRL_digest(crl, EVP_sha256(), md, &mdlen) == 1 && mdlen == 32;
    uat_coll_memo_add(arg, "crl", NULL, 0, 0, hashed ? md : NULL);
    ERR_clear_error();
}

void uat_ossl_memo_chain_crls(X509_STORE_CTX *ctx, X509_STORE *store, uat_coll_memo *m)
{
    each_crl_consulted(ctx, store, memo_crl_fn, m);
}
