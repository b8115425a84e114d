/* Fields of a certificate exactly as its DER holds them (no re-encoding), and the PKCS#1 form of
 * an RSA public key. RA-TLS hashes these bytes, so they must be the bytes the peer signed. */
#include "crypto/ossl.h"

#include <openssl/err.h>
#include <openssl/x509.h>
#include <string.h>

#include "core/der.h"

#define CHECK "x509.fields"
#define DER_CTX_0 0xa0u /* [0] EXPLICIT version */
#define DER_CTX_1 0x81u /* [1] IMPLICIT issuerUniqueID */
#define DER_CTX_2 0x82u /* [2] IMPLICIT subjectUniqueID */
#define DER_CTX_3 0xa3u /* [3] EXPLICIT extensions */

static uat_err skip_element(uat_reader *r, const char *field)
{
    uat_reader sub;
    return uat_der_element(r, uat_der_peek_tag(r), field, &sub);
}

/* spec: RFC 5280 §4.1: Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signature };
 * leaves tbs positioned at subjectPublicKeyInfo. */
static uat_err open_tbs(const uat_cert *c, uat_reader *tbs)
{
    uat_reader r, cert;
    uat_rd_init(&r, uat_cert_der(c), CHECK);
    UAT_TRY(uat_der_element(&r, UAT_DER_SEQUENCE, "Certificate", &cert));
    UAT_TRY(uat_der_element(&cert, UAT_DER_SEQUENCE, "tbsCertificate", tbs));
    if (uat_der_peek_tag(tbs) == DER_CTX_0) {
        UAT_TRY(skip_element(tbs, "version"));
    }
    UAT_TRY(skip_element(tbs, "serialNumber"));
    UAT_TRY(skip_element(tbs, "signature"));
    UAT_TRY(skip_element(tbs, "issuer"));
    UAT_TRY(skip_element(tbs, "validity"));
    return skip_element(tbs, "subject");
}

static uat_err spki_span(uat_reader *tbs, uat_span *out)
{
    size_t start = tbs->off;
    uat_reader spki;
    UAT_TRY(uat_der_element(tbs, UAT_DER_SEQUENCE, "subjectPublicKeyInfo", &spki));
    *out = uat_span_of(tbs->p + start, tbs->off - start);
    return UAT_OK;
}

uat_err uat_cert_spki(const uat_cert *c, uat_buf *out)
{
    uat_reader tbs;
    uat_span s;
    UAT_ENSURE(c != NULL && out != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "", -1);
    UAT_TRY(open_tbs(c, &tbs));
    UAT_TRY(spki_span(&tbs, &s));
    return uat_buf_append(out, s.p, s.len);
}

/* spec: RFC 5280 §4.1: Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE,
 * extnValue OCTET STRING } */
static uat_err match_ext(uat_reader *exts, const uint8_t *oid, size_t oid_len, uat_span *value,
                         int *hit)
{
    uat_reader ext, octets;
    uat_span id;
    int critical = 0;
    UAT_TRY(uat_der_element(exts, UAT_DER_SEQUENCE, "extension", &ext));
    UAT_TRY(uat_der_oid(&ext, "extnID", &id));
    if (uat_der_peek_tag(&ext) == UAT_DER_BOOLEAN) {
        UAT_TRY(uat_der_bool(&ext, "critical", &critical));
    }
    UAT_TRY(uat_der_element(&ext, UAT_DER_OCTET_STRING, "extnValue", &octets));
    UAT_TRY(uat_rd_end(&ext));
    *hit = id.len == oid_len && memcmp(id.p, oid, oid_len) == 0;
    if (*hit) {
        *value = uat_span_of(octets.p, octets.len);
    }
    return UAT_OK;
}

static uat_err find_in(uat_reader *tbs, const uint8_t *oid, size_t oid_len, uat_span *value,
                       size_t *count)
{
    while (uat_rd_left(tbs) > 0) {
        uint8_t tag = uat_der_peek_tag(tbs);
        if (tag == DER_CTX_1 || tag == DER_CTX_2) {
            UAT_TRY(skip_element(tbs, "uniqueID"));
            continue;
        }
        uat_reader wrap, exts;
        UAT_TRY(uat_der_element(tbs, DER_CTX_3, "extensions", &wrap));
        UAT_TRY(uat_der_element(&wrap, UAT_DER_SEQUENCE, "extensions", &exts));
        UAT_TRY(uat_rd_end(&wrap));
        while (uat_rd_left(&exts) > 0) {
            int hit = 0;
            uat_span v = {NULL, 0};
            UAT_TRY(match_ext(&exts, oid, oid_len, &v, &hit));
            if (hit && (*count)++ == 0) {
                *value = v;
            }
        }
    }
    return UAT_OK;
}

uat_err uat_cert_ext_find(const uat_cert *c, const char *oid, uat_span *value, size_t *count)
{
    UAT_ENSURE(c != NULL && oid != NULL && value != NULL && count != NULL,
               UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "", -1);
    uint8_t enc[64];
    size_t enc_len = uat_der_oid_encode(oid, enc, sizeof(enc));
    UAT_ENSURE(enc_len > 0, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "oid", -1);
    uat_reader tbs;
    uat_span spki, v = {NULL, 0};
    size_t n = 0;
    UAT_TRY(open_tbs(c, &tbs));
    UAT_TRY(spki_span(&tbs, &spki));
    UAT_TRY(find_in(&tbs, enc, enc_len, &v, &n));
    *value = v;
    *count = n;
    return UAT_OK;
}

uat_err uat_key_rsa_pkcs1(const uat_key *k, uat_buf *out)
{
    UAT_ENSURE(k != NULL && out != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, "key.pkcs1", "", -1);
    UAT_ENSURE(uat_key_kind_of(k) == UAT_KEY_RSA, UAT_ERR_CRYPTO_BAD_KEY, "key.pkcs1", "", -1);
    /* spec: RFC 8017 §A.1.1: RSAPublicKey ::= SEQUENCE { modulus, publicExponent } */
    unsigned char *der = NULL;
    int n = i2d_PublicKey(k->pkey, &der);
    if (n <= 0) {
        return UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, "key.pkcs1");
    }
    uat_err rc = uat_buf_append(out, der, (size_t)n);
    OPENSSL_free(der);
    return rc;
}
