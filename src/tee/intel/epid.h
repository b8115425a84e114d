/* Intel SGX EPID attestation: the Intel Attestation Service (IAS) Attestation Verification Report.
 *
 * spec: Attestation Service for Intel SGX: API Documentation rev 6 (API v3/v4), §4.2.1 (report
 *       fields), §4.2.2 (report signature: X-IASReport-Signature, RSASSA-PKCS1-v1_5 SHA-256);
 *       Intel SGX SDK sgx_quote.h (sgx_quote_t) and sgx_report.h (sgx_report_body_t).
 *
 * Evidence (docs/sgx-epid.md), a JSON object:
 *   {"report": "<base64 of the exact report body bytes as IAS served them>",
 *    "signature": "<base64 X-IASReport-Signature>",
 *    "certificates": "<PEM: the IAS report signing certificate, optionally followed by its CA>"}
 *
 * isvEnclaveQuoteBody is the quote without its signature (432 bytes, integers little-endian):
 *   off  size  field                   off  size  field (report body, at 48 + off)
 *     0     2  version                   0    16  cpu_svn
 *     2     2  sign_type                16     4  misc_select
 *     4     4  epid_group_id            20    12  reserved
 *     8     2  qe_svn                   32    16  isv_ext_prod_id
 *    10     2  pce_svn                  48    16  attributes (flags u64: bit 1 = DEBUG, then xfrm)
 *    12     4  xeid                     64    32  mr_enclave
 *    16    32  basename                 96    32  reserved
 *    48   384  report body             128    32  mr_signer
 *                                      160    32  reserved
 *                                      192    64  config_id
 *                                      256     2  isv_prod_id
 *                                      258     2  isv_svn
 *                                      260     2  config_svn
 *                                      262    42  reserved
 *                                      304    16  isv_family_id
 *                                      320    64  report_data
 */
#ifndef UAT_TEE_SGX_EPID_H
#define UAT_TEE_SGX_EPID_H

#include "crypto/crypto.h"
#include "evidence/registry.h"
#include "tee/intel/intel.h"

#define UAT_EPID_MEDIA_TYPE "application/vnd.uattest.sgx-epid-ias+json"
#define UAT_EPID_HEADER_SIZE 48u
#define UAT_EPID_REPORT_BODY_SIZE 384u
#define UAT_EPID_QUOTE_BODY_SIZE (UAT_EPID_HEADER_SIZE + UAT_EPID_REPORT_BODY_SIZE)
#define UAT_EPID_ATTR_DEBUG 0x02u    /* spec: SDM Vol 3D, SECS ATTRIBUTES.DEBUG (bit 1) */
#define UAT_EPID_PSEUDONYM_SIZE 128u /* spec: IAS API rev 6 §4.2.1: EPID B (64) || K (64) */
#define UAT_EPID_MAX_NONCE_LEN 32u   /* spec: IAS API rev 6 §4.2.1: nonce, at most 32 chars */

/* Caps on what the evidence may carry (a real report is about 1-3 KB). */
#define UAT_EPID_MAX_REPORT_BYTES (64u * 1024u)
#define UAT_EPID_MAX_SIGNATURE_BYTES 1024u /* RSA up to 8192 bits */
#define UAT_EPID_MAX_TEXT_LEN 1024u        /* id, advisoryURL, one advisory ID, statuses */
#define UAT_EPID_MAX_ADVISORIES 256u
#define UAT_EPID_MAX_PIB_BYTES 1024u /* platformInfoBlob TLV (105 bytes in practice) */

_Static_assert(2 + 2 + 4 + 2 + 2 + 4 + 32 == UAT_EPID_HEADER_SIZE, "EPID quote header");
_Static_assert(UAT_EPID_QUOTE_BODY_SIZE == 432, "isvEnclaveQuoteBody");

/* spec: sgx_quote.h sgx_quote_t (without signature_len and signature) */
typedef struct uat_epid_quote {
    uint16_t version;   /* 1 or 2 for EPID quotes */
    uint16_t sign_type; /* 0 unlinkable, 1 linkable */
    uint8_t epid_group_id[4];
    uint16_t qe_svn;
    uint16_t pce_svn;
    uint32_t xeid;
    uint8_t basename[32];
    uat_sgx_report body; /* spec: sgx_report.h sgx_report_body_t */
} uat_epid_quote;

/* spec: IAS API rev 6 §4.2.1: isvEnclaveQuoteStatus */
enum uat_epid_status {
    UAT_EPID_OK,
    UAT_EPID_SIGNATURE_INVALID,
    UAT_EPID_GROUP_REVOKED,
    UAT_EPID_SIGNATURE_REVOKED,
    UAT_EPID_KEY_REVOKED,
    UAT_EPID_SIGRL_VERSION_MISMATCH,
    UAT_EPID_GROUP_OUT_OF_DATE,
    UAT_EPID_CONFIGURATION_NEEDED,
    UAT_EPID_SW_HARDENING_NEEDED,                   /* API v4 only */
    UAT_EPID_CONFIGURATION_AND_SW_HARDENING_NEEDED, /* API v4 only */
    UAT_EPID_STATUS_COUNT
};

/* The Attestation Verification Report. Strings are borrowed from json (freed with the report). */
typedef struct uat_epid_report {
    json_t *json;
    int64_t version; /* 3 or 4 */
    const char *id;
    const char *timestamp_text; /* as IAS wrote it: UTC without a zone */
    uat_time timestamp;         /* fraction of a second truncated */
    enum uat_epid_status status;
    uat_epid_quote quote;
    const char *nonce; /* NULL when absent, likewise below */
    const char *advisory_url;
    json_t *advisory_ids; /* borrowed array of strings */
    const char *pse_manifest_status;
    int has_revocation_reason;
    int64_t revocation_reason;
    int has_pse_manifest_hash;
    uint8_t pse_manifest_hash[32];
    int has_pseudonym;
    uint8_t epid_pseudonym[UAT_EPID_PSEUDONYM_SIZE];
    int has_pib;
    size_t pib_len;
    uint8_t platform_info_blob[UAT_EPID_MAX_PIB_BYTES];
} uat_epid_report;

typedef struct uat_epid_evidence {
    uat_buf report; /* the exact signed bytes */
    uat_buf signature;
    uat_der_list certs; /* [0] the report signing certificate, then any CA */
} uat_epid_evidence;

/* parse.c: pure (no crypto, no I/O) */
int uat_epid_sniff(uat_span in);
/* The evidence JSON object. On failure nothing is left to free. */
UAT_MUST_USE uat_err uat_epid_evidence_parse(uat_span in, uat_epid_evidence *out);
void uat_epid_evidence_free(uat_epid_evidence *e);
/* The 432-byte isvEnclaveQuoteBody. */
UAT_MUST_USE uat_err uat_epid_quote_parse(uat_span in, uat_epid_quote *out);
/* The report JSON text (the signed bytes). Free with uat_epid_report_free. */
UAT_MUST_USE uat_err uat_epid_report_parse(uat_span text, uat_epid_report *out);
void uat_epid_report_free(uat_epid_report *r);
/* IAS timestamp: YYYY-MM-DDTHH:MM:SS[.fraction], UTC, no zone designator. */
UAT_MUST_USE uat_err uat_epid_time_parse(const char *s, size_t len, uat_time *out);
/* isvEnclaveQuoteStatus text to enum: PARSE_BAD_VALUE when unknown or not defined for version. */
UAT_MUST_USE uat_err uat_epid_status_parse(const char *s, int64_t ias_version,
                                           enum uat_epid_status *out);
const char *uat_epid_status_name(enum uat_epid_status st);
/* Pure mapping of a status to the normalized tcb.status; fails (VERIFY_REVOKED for revoked
 * groups, signatures and keys, VERIFY_SIGNATURE for SIGNATURE_INVALID) when the quote cannot
 * be trusted at all. */
UAT_MUST_USE uat_err uat_epid_status_tcb(enum uat_epid_status st, const char **tcb_status);
/* Quote and report fields under their SGX / IAS names (tee_claims, inspect). */
UAT_MUST_USE uat_err uat_epid_describe(const uat_epid_report *r, json_t *fields);
UAT_MUST_USE uat_err uat_epid_inspect(uat_span in, json_t *fields);
/* epid_import.c: pure. Evidence from a foreign ecosystem's message (registry.h evidence_import):
 * "jinzhao/IasReport"; "jinzhao/EpidReport" is UNSUPPORTED_FEATURE (IAS is retired). */
UAT_MUST_USE uat_err uat_epid_evidence_import(const char *format, const json_t *msg,
                                              uat_buf *out);
/* verify.c */
UAT_MUST_USE uat_err uat_epid_verify(uat_span in, const uat_verify_ctx *ctx, uat_claims *claims,
                                     uat_verify_out *out);

extern const uat_tee_ops uat_tee_sgx_epid;

#endif
