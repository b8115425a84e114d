/* The Intel collateral store of one verifier: files loaded once, each signature and chain
 * verified once and reused while the evaluation time stays inside the window it holds for. */
#ifndef UAT_TEE_INTEL_STORE_H
#define UAT_TEE_INTEL_STORE_H

#include "tee/intel/collateral.h"

#define TCB_SIGNING_CN "Intel SGX TCB Signing"

/* Where a verdict holds, and the collateral it used (recorded again each time it is reused). */
typedef struct intel_window {
    int ok;
    uat_time lo, hi;
    uat_coll_memo used;
} intel_window;

/* A TCB signing candidate: chosen by its validity (read without decoding), decoded when used. */
typedef struct intel_signer {
    uat_span der;   /* in intel_store.certs */
    uat_cert *cert; /* NULL until used; owned by intel_store.owned */
    uat_time not_before, not_after;
    intel_window w; /* its chain verification window */
} intel_signer;

typedef struct intel_pck {
    uint8_t chain_hash[32];
    intel_window w;
    uat_cert *leaf; /* its key signs the QE report */
    uat_pck_ext ext;
    int processor_ca; /* issued by the PCK Processor CA (else Platform CA) */
} intel_pck;

typedef struct intel_store {
    uat_der_list anchor_der; /* trust directory certificates */
    uat_der_list certs;      /* anchors + collateral certificates, as loaded */
    uat_der_list crls;
    uat_cert **owned;        /* every certificate parsed, each distinct DER once */
    size_t nowned;
    uat_cert **anchors;      /* borrowed from owned */
    size_t nanchors;
    intel_signer *signers;   /* "Intel SGX TCB Signing" candidates */
    size_t nsigners;
    uat_x509_store *x509;    /* anchors + CRLs */
    intel_window crl_w;      /* where every CRL is current */
    size_t ntcb, nid, npck;
    uat_tcb_info *tcb;
    intel_window *tcb_w;
    uat_enclave_identity *ids;
    intel_window *id_w;
    intel_pck pck[16];
} intel_store;

/* The store in ctx->cache, loaded from the trust and collateral directories on first use. */
UAT_MUST_USE uat_err intel_store_get(const uat_verify_ctx *ctx, intel_store **out);
void intel_store_free(void *store);

/* Adds a TCB info or enclave identity document (other JSON is ignored). */
UAT_MUST_USE uat_err intel_store_add_json(intel_store *s, uat_span text, const char *origin);
/* After certificates or CRLs were added: TCB signing candidates, CRL window, trust store. */
UAT_MUST_USE uat_err intel_store_refresh(intel_store *s);
/* True when a CRL issued by the CA with this commonName is loaded. */
int intel_store_has_crl(const intel_store *s, const char *issuer_cn);

/* endorse.c: the SGX/TDX endorsement format (RA-TLS endorsements extension) */
/* Adds the collateral of an endorsement item (untrusted: verified when used) and refreshes. */
UAT_MUST_USE uat_err intel_store_add_endorsements(intel_store *s, uat_span in);
/* Writes the endorsement item for a verified quote from the collateral that verified it. */
UAT_MUST_USE uat_err intel_endorsements_write(intel_store *s, const uat_intel_quote *q,
                                              const intel_pck *pck, const uat_tcb_info *tcb,
                                              const uat_enclave_identity *qe, uat_time at,
                                              uat_buf *out);

/* pcs.c: fetching what is missing from an Intel PCS v4 / PCCS compatible service */
UAT_MUST_USE uat_err intel_fetch_crls(intel_store *s, const char *base);
UAT_MUST_USE uat_err intel_fetch_tcb_info(intel_store *s, const char *base, const uint8_t fmspc[6],
                                          int tdx);
UAT_MUST_USE uat_err intel_fetch_identity(intel_store *s, const char *base, int tdx);
int intel_store_has_tcb_info(const intel_store *s, const uint8_t fmspc[6], int tdx);
int intel_store_has_identity(const intel_store *s, const char *id);

/* The decoded certificate for der, decoded once per store. */
UAT_MUST_USE uat_err intel_store_cert(intel_store *s, uat_span der, uat_cert **out);

/* The configured anchor with exactly these DER bytes, or NULL. */
const uat_cert *intel_anchor_by_der(const intel_store *s, uat_span der);

/* The TCB info for fmspc (SGX or TDX), verified at ctx->at. */
UAT_MUST_USE uat_err intel_tcb_info(intel_store *s, const uint8_t fmspc[6], int tdx, uat_time at,
                                    const uat_tcb_info **out, uat_time *hi);
/* The enclave identity "QE", "QVE" or "TD_QE", verified at ctx->at. */
UAT_MUST_USE uat_err intel_identity(intel_store *s, const char *id, uat_time at,
                                    const uat_enclave_identity **out, uat_time *hi);
/* The PCK chain of a quote (PEM), verified to the root with both CRLs at ctx->at. */
UAT_MUST_USE uat_err intel_pck_chain(intel_store *s, uat_span pem, uat_time at,
                                     const intel_pck **out);

#endif
