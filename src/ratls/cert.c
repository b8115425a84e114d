/* Generating interoperable RA-TLS certificates: a fresh key pair, evidence bound to it through the
 * claims-buffer, the evidence extension, a self-signature. */
#include <stdlib.h>
#include <string.h>

#include "evidence/registry.h"
#include "ratls/ratls.h"

#define CHECK "ratls.cert"
#define SUBJECT_CN "uattest RA-TLS"
#define DEFAULT_BACKDATE 60         /* seconds: tolerate a peer clock slightly behind */
#define DEFAULT_LIFETIME (24 * 3600) /* seconds */
#define MAX_NONCE_BYTES 1024u
#define MAX_CERT_BYTES (UAT_RATLS_MAX_EXT_BYTES + 65536u)

/* spec: cert doc "Evidence Custom Claims"; SGX/TDX doc: claims-buffer = {"pubkey-hash":
 * h'<hash-entry>', ?"nonce": h'<nonce>'}, hash-entry = [1 (sha-256), SHA-256(SPKI DER)] */
uat_err uat_ratls_claims_build(uat_span spki_der, const uint8_t *nonce, size_t nonce_len,
                               uat_buf *out)
{
    uint8_t h[32];
    UAT_TRY(uat_hash(UAT_HASH_SHA256, &spki_der, 1, h));
    uat_buf entry;
    uat_buf_init(&entry, 64);
    uat_err rc;
    UAT_TRY_GOTO(rc, uat_cbor_put_head(&entry, UAT_CBOR_ARRAY, 2), out);
    UAT_TRY_GOTO(rc, uat_cbor_put_head(&entry, UAT_CBOR_UINT, 1), out);
    UAT_TRY_GOTO(rc, uat_cbor_put_string(&entry, UAT_CBOR_BSTR, h, sizeof(h)), out);
    UAT_TRY_GOTO(rc, uat_cbor_put_head(out, UAT_CBOR_MAP, nonce != NULL ? 2 : 1), out);
    UAT_TRY_GOTO(rc, uat_cbor_put_string(out, UAT_CBOR_TSTR, "pubkey-hash", 11), out);
    UAT_TRY_GOTO(rc, uat_cbor_put_string(out, UAT_CBOR_BSTR, entry.p, entry.len), out);
    if (nonce != NULL) {
        UAT_TRY_GOTO(rc, uat_cbor_put_string(out, UAT_CBOR_TSTR, "nonce", 5), out);
        rc = uat_cbor_put_string(out, UAT_CBOR_BSTR, nonce, nonce_len);
    }
out:
    uat_buf_free(&entry);
    return rc;
}

uat_err uat_ratls_ext_build(uint64_t tag, const char *media_type, uat_span evidence,
                            uat_span claims, uat_buf *out)
{
    if (tag != 0) {
        /* spec: SGX/TDX doc: <tag>([ evidence, claims-buffer ]) */
        UAT_TRY(uat_cbor_put_head(out, UAT_CBOR_TAG, tag));
        UAT_TRY(uat_cbor_put_head(out, UAT_CBOR_ARRAY, 2));
    } else {
        /* a TEE without a tag: [[media-type, evidence], claims-buffer] (docs/ratls.md) */
        UAT_ENSURE(media_type != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "media type", -1);
        UAT_TRY(uat_cbor_put_head(out, UAT_CBOR_ARRAY, 2));
        UAT_TRY(uat_cbor_put_head(out, UAT_CBOR_ARRAY, 2));
        UAT_TRY(uat_cbor_put_string(out, UAT_CBOR_TSTR, media_type, strlen(media_type)));
    }
    UAT_TRY(uat_cbor_put_string(out, UAT_CBOR_BSTR, evidence.p, evidence.len));
    return uat_cbor_put_string(out, UAT_CBOR_BSTR, claims.p, claims.len);
}

/* Collects evidence whose report_data binds the claims-buffer and writes the extension value. */
static uat_err evidence_ext(uat_attester *a, uat_verifier *endorser, uat_span claims, uat_buf *ext,
                           uat_buf *endorsements)
{
    /* spec: SGX/TDX doc: report data = SHA-256(claims-buffer); the rest of report_data is zero */
    uint8_t rd[UAT_REPORT_DATA_LEN] = {0};
    UAT_TRY(uat_hash(UAT_HASH_SHA256, &claims, 1, rd));
    uat_cmw *cmw = NULL;
    UAT_TRY(uat_attester_collect(a, rd, &cmw));
    uat_err rc = UAT_OK;
    const char *mt = uat_cmw_kind(cmw) == UAT_CMW_RECORD ? uat_cmw_media_type(cmw) : NULL;
    const uat_tee_ops *ops = mt != NULL ? uat_registry_by_media_type(mt) : NULL;
    if (ops == NULL) {
        rc = UAT_FAILF(UAT_ERR_UNSUPPORTED_TEE, CHECK, "evidence", -1,
                       "the attester's evidence is not a record of a registered TEE");
    } else {
        const uint8_t *p = NULL;
        size_t n = 0;
        uat_cmw_value(cmw, &p, &n);
        rc = uat_ratls_ext_build(ops->cbor_tag, mt, uat_span_of(p, n), claims, ext);
        if (rc == UAT_OK && endorser != NULL) {
            uint8_t *e = NULL;
            size_t elen = 0;
            rc = uat_verifier_endorsements(endorser, p, n, &e, &elen);
            rc = rc != UAT_OK ? rc : uat_buf_append(endorsements, e, elen);
            free(e);
        }
    }
    uat_cmw_free(cmw);
    return rc;
}

static uat_err make_cert(uat_attester *a, uat_verifier *endorser, const uat_key *k,
                         const uint8_t *nonce, size_t nonce_len, uat_time nb, uat_time na,
                         uat_buf *der)
{
    static const uint8_t not_a_ca[] = {0x30, 0x00}; /* BasicConstraints SEQUENCE {}: cA FALSE */
    uat_buf spki, claims, ext, endorsements;
    uat_buf_init(&spki, 4096);
    uat_buf_init(&claims, UAT_RATLS_MAX_CLAIMS_BYTES);
    uat_buf_init(&ext, UAT_RATLS_MAX_EXT_BYTES);
    uat_buf_init(&endorsements, UAT_RATLS_MAX_EXT_BYTES);
    uat_err rc;
    UAT_TRY_GOTO(rc, uat_key_spki_der(k, &spki), out);
    UAT_TRY_GOTO(rc, uat_ratls_claims_build(uat_buf_span(&spki), nonce, nonce_len, &claims), out);
    UAT_TRY_GOTO(rc, evidence_ext(a, endorser, uat_buf_span(&claims), &ext, &endorsements), out);
    /* spec: cert doc: both extensions non-critical */
    const uat_x509_ext_spec exts[] = {
        {"2.5.29.19", 0, uat_span_of(not_a_ca, sizeof(not_a_ca))},
        {UAT_RATLS_OID_EVIDENCE, 0, uat_buf_span(&ext)},
        {UAT_RATLS_OID_ENDORSEMENTS, 0, uat_buf_span(&endorsements)},
    };
    size_t nexts = sizeof(exts) / sizeof(exts[0]) - (endorser == NULL ? 1 : 0);
    rc = uat_x509_self_signed(k, SUBJECT_CN, nb, na, exts, nexts, der);
out:
    uat_buf_free(&spki);
    uat_buf_free(&claims);
    uat_buf_free(&ext);
    uat_buf_free(&endorsements);
    return rc;
}

static uat_err key_kind(enum uat_ratls_key_kind kind, enum uat_key_kind *out)
{
    switch (kind) {
    case UAT_RATLS_KEY_P256:
        *out = UAT_KEY_EC_P256;
        return UAT_OK;
    case UAT_RATLS_KEY_P384:
        *out = UAT_KEY_EC_P384;
        return UAT_OK;
    case UAT_RATLS_KEY_RSA3072:
        *out = UAT_KEY_RSA; /* uat_key_generate makes 3072-bit RSA keys */
        return UAT_OK;
    default:
        return UAT_FAIL(UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "key kind", -1);
    }
}

static uat_err validity(int64_t nb, int64_t na, uat_time *from, uat_time *to)
{
    if (nb == 0 && na == 0) {
        uat_time now = uat_time_now();
        nb = now - DEFAULT_BACKDATE;
        na = now + DEFAULT_LIFETIME;
    }
    UAT_ENSURE(nb < na, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "validity", -1);
    *from = nb;
    *to = na;
    return UAT_OK;
}

uat_err uat_ratls_cert_new(uat_attester *a, enum uat_ratls_key_kind kind, const uint8_t *nonce,
                           size_t nonce_len, int64_t not_before, int64_t not_after,
                           uint8_t **cert_der, size_t *cert_len, char **key_pem)
{
    return uat_ratls_cert_new_endorsed(a, NULL, kind, nonce, nonce_len, not_before, not_after,
                                       cert_der, cert_len, key_pem);
}

uat_err uat_ratls_cert_new_endorsed(uat_attester *a, uat_verifier *endorser,
                                    enum uat_ratls_key_kind kind, const uint8_t *nonce,
                                    size_t nonce_len, int64_t not_before, int64_t not_after,
                                    uint8_t **cert_der, size_t *cert_len, char **key_pem)
{
    UAT_ENSURE(a != NULL && cert_der != NULL && cert_len != NULL && key_pem != NULL &&
                   (nonce != NULL || nonce_len == 0) && nonce_len <= MAX_NONCE_BYTES,
               UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "", -1);
    uat_error_clear();
    enum uat_key_kind kk = UAT_KEY_OTHER;
    uat_time nb = 0, na = 0;
    UAT_TRY(key_kind(kind, &kk));
    UAT_TRY(validity(not_before, not_after, &nb, &na));
    uat_key *k = NULL;
    UAT_TRY(uat_key_generate(kk, &k));
    uat_buf der, pem;
    uat_buf_init(&der, MAX_CERT_BYTES);
    uat_buf_init(&pem, 16384);
    uat_err rc;
    UAT_TRY_GOTO(rc, make_cert(a, endorser, k, nonce, nonce_len, nb, na, &der), out);
    UAT_TRY_GOTO(rc, uat_key_private_pem(k, &pem), out);
    size_t pem_len = 0;
    uat_buf_take(&der, cert_der, cert_len);
    uat_buf_take(&pem, (uint8_t **)key_pem, &pem_len);
out:
    uat_buf_free(&der);
    uat_buf_free(&pem);
    uat_key_free(k);
    return rc;
}
