/* The SGX / TDX endorsement format: the collateral of a quote as one CBOR item, carried in the
 * RA-TLS endorsements extension (tcg-dice-endorsement-manifest, 2.23.133.5.4.2).
 *
 * spec: CCC interoperable-ra-tls docs/Interoperable-RA-TLS-SGX-TDX-evidence-formats.md,
 *       "SGX / TDX Endorsement Data Format": tag 60000 ([VERSION, TCB_INFO, TCB_ISSUER_CHAIN,
 *       CRL_PCK_CERT, CRL_PCK_PROC_CA, CRL_ISSUER_CHAIN_PCK_CERT, QE_ID_INFO, QE_ID_ISSUER_CHAIN,
 *       ?CREATION_DATETIME]), the entry order of Open Enclave's oe_sgx_endorsements_fields_t.
 *       CRL_PCK_CERT is the CRL that revokes PCK certificates (issued by the PCK Processor or
 *       Platform CA), CRL_PCK_PROC_CA the one that revokes those CAs (issued by the root CA).
 *
 * Written: VERSION 3 as a 32-bit CBOR integer (rats-tls reads exactly that width), text items
 * (JSON, PEM) with the terminating NUL that DCAP's collateral strings carry, CRLs as DER.
 * Read: any integer width, versions 1 to 4, with or without the NUL, CRLs as DER or PEM. Nothing
 * read here is trusted: every item is verified like collateral from a directory.
 */
#include <string.h>

#include "core/cbor.h"
#include "core/limits.h"
#include "tee/intel/intel.h"
#include "tee/intel/store.h"

#define CHECK "intel.endorsements"
#define ENDORSEMENT_VERSION 3u
#define TAG_INTEL_QUOTE 60000u

enum {
    F_VERSION,
    F_TCB_INFO,
    F_TCB_ISSUER_CHAIN,
    F_CRL_PCK_CERT,
    F_CRL_PCK_PROC_CA,
    F_CRL_ISSUER_CHAIN_PCK_CERT,
    F_QE_ID_INFO,
    F_QE_ID_ISSUER_CHAIN,
    F_CREATION_DATETIME,
    F_COUNT
};

static const char *const field_names[F_COUNT] = {
    "VERSION",        "TCB_INFO",    "TCB_ISSUER_CHAIN",   "CRL_PCK_CERT",     "CRL_PCK_PROC_CA",
    "CRL_ISSUER_CHAIN_PCK_CERT", "QE_ID_INFO", "QE_ID_ISSUER_CHAIN", "CREATION_DATETIME"};

/* A C string's terminating NUL (DCAP collateral sizes count it) is not part of the content. */
static uat_span strip_nul(uat_span s)
{
    if (s.len > 0 && s.p[s.len - 1] == '\0') {
        s.len--;
    }
    return s;
}

static uat_err add_certs(intel_store *s, uat_span pem, const char *field)
{
    uat_err rc = uat_der_list_load_certs(strip_nul(pem), &s->certs);
    return rc == UAT_OK ? UAT_OK
                        : UAT_FAILF(rc, CHECK, field, -1, "%s holds no certificate chain", field);
}

static uat_err add_crl(intel_store *s, uat_span crl, const char *field)
{
    uat_err rc = uat_der_list_load_crls(strip_nul(crl), &s->crls);
    return rc == UAT_OK ? UAT_OK : UAT_FAILF(rc, CHECK, field, -1, "%s holds no CRL", field);
}

static uat_err add_json(intel_store *s, uat_span text, const char *field, size_t *ntcb_or_id,
                        size_t before)
{
    UAT_TRY(intel_store_add_json(s, strip_nul(text), field));
    UAT_ENSURE(*ntcb_or_id == before + 1, UAT_ERR_VERIFY_COLLATERAL, CHECK, field, -1);
    return UAT_OK;
}

uat_err intel_store_add_endorsements(intel_store *s, uat_span in)
{
    uat_reader r;
    uat_rd_init(&r, in, CHECK);
    uint64_t tag = 0, n = 0, version = 0;
    UAT_TRY(uat_cbor_expect(&r, UAT_CBOR_TAG, "tag", &tag));
    UAT_ENSURE(tag == TAG_INTEL_QUOTE, UAT_ERR_PARSE_BAD_VALUE, CHECK, "tag", 0);
    UAT_TRY(uat_cbor_expect(&r, UAT_CBOR_ARRAY, "entries", &n));
    UAT_ENSURE(n == F_COUNT - 1 || n == F_COUNT, UAT_ERR_PARSE_BAD_LENGTH, CHECK, "entries",
               uat_rd_pos(&r));
    UAT_TRY(uat_cbor_uint_any_width(&r, field_names[F_VERSION], &version));
    UAT_ENSURE(version >= 1 && version <= 4, UAT_ERR_PARSE_BAD_VERSION, CHECK, "VERSION",
               uat_rd_pos(&r));
    uat_span item[F_COUNT];
    memset(item, 0, sizeof(item));
    for (size_t i = F_TCB_INFO; i < n; i++) {
        UAT_TRY(uat_cbor_string(&r, UAT_CBOR_BSTR, UAT_MAX_FILE_BYTES, field_names[i], &item[i]));
    }
    UAT_TRY(uat_rd_end(&r));
    UAT_TRY(add_certs(s, item[F_TCB_ISSUER_CHAIN], "TCB_ISSUER_CHAIN"));
    UAT_TRY(add_certs(s, item[F_CRL_ISSUER_CHAIN_PCK_CERT], "CRL_ISSUER_CHAIN_PCK_CERT"));
    UAT_TRY(add_certs(s, item[F_QE_ID_ISSUER_CHAIN], "QE_ID_ISSUER_CHAIN"));
    UAT_TRY(add_crl(s, item[F_CRL_PCK_CERT], "CRL_PCK_CERT"));
    UAT_TRY(add_crl(s, item[F_CRL_PCK_PROC_CA], "CRL_PCK_PROC_CA"));
    UAT_TRY(add_json(s, item[F_TCB_INFO], "TCB_INFO", &s->ntcb, s->ntcb));
    UAT_TRY(add_json(s, item[F_QE_ID_INFO], "QE_ID_INFO", &s->nid, s->nid));
    return intel_store_refresh(s);
}

/* ---- writing ------------------------------------------------------------------------------ */

static uat_err put_text(uat_buf *out, uat_span text)
{
    UAT_TRY(uat_cbor_put_head(out, UAT_CBOR_BSTR, text.len + 1));
    UAT_TRY(uat_buf_append(out, text.p, text.len));
    return uat_buf_put_u8(out, 0);
}

static uat_err put_pem_chain(uat_buf *out, const uat_cert *leaf, const uat_cert *root)
{
    uat_buf pem;
    uat_buf_init(&pem, UAT_MAX_FILE_BYTES);
    uat_err rc = uat_pem_encode("CERTIFICATE", uat_cert_der(leaf), &pem);
    rc = rc != UAT_OK ? rc : uat_pem_encode("CERTIFICATE", uat_cert_der(root), &pem);
    rc = rc != UAT_OK ? rc : put_text(out, uat_buf_span(&pem));
    uat_buf_free(&pem);
    return rc;
}

static uat_err find_crl(const intel_store *s, const char *issuer_cn, uat_time at, uat_span *out)
{
    for (size_t i = 0; i < s->crls.n; i++) {
        char cn[128];
        uat_time tu = 0, nu = 0;
        UAT_TRY(uat_crl_info(uat_buf_span(&s->crls.items[i]), cn, sizeof(cn), &tu, &nu));
        if (strcmp(cn, issuer_cn) == 0 && tu <= at && (nu == 0 || at <= nu)) {
            *out = uat_buf_span(&s->crls.items[i]);
            return UAT_OK;
        }
    }
    return UAT_FAILF(UAT_ERR_VERIFY_COLLATERAL, CHECK, "crl", -1,
                     "no CRL issued by %s is current at the evaluation time", issuer_cn);
}

static const uat_cert *root_anchor(const intel_store *s)
{
    for (size_t i = 0; i < s->nanchors; i++) {
        if (strcmp(uat_cert_cn(s->anchors[i]), "Intel SGX Root CA") == 0) {
            return s->anchors[i];
        }
    }
    return NULL;
}

/* The TCB signing certificate the collateral verified with (decoded and valid at `at`). */
static const uat_cert *signing_cert(const intel_store *s, uat_time at)
{
    for (size_t i = 0; i < s->nsigners; i++) {
        const intel_signer *sg = &s->signers[i];
        if (sg->cert != NULL && sg->not_before <= at && at <= sg->not_after) {
            return sg->cert;
        }
    }
    return NULL;
}

uat_err intel_endorsements_write(intel_store *s, const uat_intel_quote *q, const intel_pck *pck,
                                 const uat_tcb_info *tcb, const uat_enclave_identity *qe,
                                 uat_time at, uat_buf *out)
{
    const uat_cert *root = root_anchor(s), *signer = signing_cert(s, at);
    UAT_ENSURE(root != NULL && signer != NULL, UAT_ERR_VERIFY_COLLATERAL, CHECK, "chain", -1);
    /* the PCK CA is the quote's own intermediate: the chain already verified to the root */
    uat_der_list chain;
    memset(&chain, 0, sizeof(chain));
    UAT_TRY(uat_pem_certs_strict(q->pck_chain_pem, &chain));
    uat_cert *ca = NULL;
    uat_err rc = chain.n >= 2 ? intel_store_cert(s, uat_buf_span(&chain.items[1]), &ca)
                              : UAT_FAIL(UAT_ERR_VERIFY_CHAIN, CHECK, "pck_chain", -1);
    uat_span pck_crl = {NULL, 0}, root_crl = {NULL, 0};
    rc = rc != UAT_OK ? rc
                      : find_crl(s, pck->processor_ca ? "Intel SGX PCK Processor CA"
                                                      : "Intel SGX PCK Platform CA",
                                 at, &pck_crl);
    rc = rc != UAT_OK ? rc : find_crl(s, "Intel SGX Root CA", at, &root_crl);
    rc = rc != UAT_OK ? rc : uat_cbor_put_head(out, UAT_CBOR_TAG, TAG_INTEL_QUOTE);
    rc = rc != UAT_OK ? rc : uat_cbor_put_head(out, UAT_CBOR_ARRAY, F_COUNT - 1);
    /* VERSION as a 32-bit integer (0x1a): the width rats-tls decodes */
    const uint8_t version[5] = {0x1a, 0, 0, 0, ENDORSEMENT_VERSION};
    rc = rc != UAT_OK ? rc : uat_buf_append(out, version, sizeof(version));
    rc = rc != UAT_OK ? rc : put_text(out, uat_buf_span(&tcb->raw));
    rc = rc != UAT_OK ? rc : put_pem_chain(out, signer, root);
    rc = rc != UAT_OK ? rc : uat_cbor_put_string(out, UAT_CBOR_BSTR, pck_crl.p, pck_crl.len);
    rc = rc != UAT_OK ? rc : uat_cbor_put_string(out, UAT_CBOR_BSTR, root_crl.p, root_crl.len);
    rc = rc != UAT_OK ? rc : put_pem_chain(out, ca, root);
    rc = rc != UAT_OK ? rc : put_text(out, uat_buf_span(&qe->raw));
    rc = rc != UAT_OK ? rc : put_pem_chain(out, signer, root);
    uat_der_list_free(&chain);
    return rc;
}
