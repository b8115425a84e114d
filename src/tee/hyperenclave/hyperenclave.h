/* HyperEnclave (Ant Group): the enclave quote, signed by the hypervisor attestation key, with the
 * TPM quote that vouches for that key and the platform certificate that vouches for the TPM key.
 *
 * No public specification and no public quote exist (../shared/corpus/hyperenclave/PROVENANCE.md).
 * Sources, facts only:
 *   [ual]  asterinas/jinzhao-attest @ 0d59ea04 ual/verification/platforms/hyperenclave/
 *          verifier_hyperenclave.{h,cpp} (platform_quote_sig_t, the three checks, user id 01..0E,
 *          OID 1.2.86.1), platform.{h,cpp} (TPMS_ATTEST decoding, PCRs 0-9,12,13, PCR 13 =
 *          SM3(0^32 || SM3(hv_att_key_pub)), CFCA OCA33 anchors), sm2.cpp / sm3.cpp (the enclave
 *          signature hashes Z_A || M; the platform signature is over SM3(M) without Z_A);
 *   [hv]   HyperEnclave hypervisor src/hypercall/tc.rs (create_quote: the TPM quote's user data is
 *          SM3(report_data), HE_TPM_ATT_DATA_LEN 147, HE_HV_ATT_KEY_LEN 64).
 *
 * Layout (integers of the SGX part little-endian; TPM structures big-endian; SM2 coordinates and
 * signature halves big-endian, 32 bytes each):
 *     0  48 header: version u16, sign_type u16, epid_group_id[4], qe_svn u16, pce_svn u16,
 *                   xeid u32, basename[32]                           (sgx_quote_t, not signed)
 *    48 384 report_body (sgx_report_body_t)                            signed by enclave_sig
 *   432   4 signature_len = 339 + certificate length
 *   436  64 enclave_sig     SM2 r || s over report_body, key 04 || hv_att_key_pub, ID 01 02 .. 0E
 *   500  64 hv_att_key_pub  x || y of the hypervisor attestation key
 *   564 147 platform_attest TPMS_ATTEST (TPM_ST_ATTEST_QUOTE, SM3-256 bank, PCRs 0-9, 12, 13)
 *   711  64 platform_sig    SM2 r || s over SM3(platform_attest) by the platform certificate's key
 *   775   . cert            DER platform certificate (SM2 with SM3), issued by a configured anchor;
 *                           extension 1.2.86.1: UTF8String, base64 of the PCR list: its first 32
 *                           bytes are the quote's pcrDigest, its last 32 bytes PCR 13.
 *   The 147-byte size fixes qualifiedSigner and extraData at 34 bytes each (an SM3 Name and an
 *   SM3 TPMT_HA): extraData = TPM_ALG_SM3_256 || SM3(report_data) binds the TPM quote to the
 *   report.
 */
#ifndef UAT_TEE_HYPERENCLAVE_H
#define UAT_TEE_HYPERENCLAVE_H

#include "core/reader.h"
#include "crypto/crypto.h"
#include "evidence/registry.h"
#include "tee/intel/intel.h"
#include "tee/tpm/tpm.h"

#define UAT_HE_MEDIA_TYPE "application/vnd.uattest.hyperenclave.quote"

#define UAT_HE_HEADER_SIZE 48u
#define UAT_HE_BODY_OFFSET 48u
#define UAT_HE_SIG_LEN_OFFSET 432u
#define UAT_HE_SIG_OFFSET 436u
#define UAT_HE_SM2_SIG_SIZE 64u
#define UAT_HE_KEY_SIZE 64u
#define UAT_HE_TPM_ATTEST_SIZE 147u
#define UAT_HE_SIG_FIXED 339u /* platform_quote_sig_t without cert */
#define UAT_HE_ATTEST_OFFSET (UAT_HE_SIG_OFFSET + 2 * 64u)
#define UAT_HE_CERT_OFFSET (UAT_HE_SIG_OFFSET + UAT_HE_SIG_FIXED)
#define UAT_HE_MAX_CERT 2048u    /* [ual] DER_CERT_BUF_SIZE */
#define UAT_HE_PCR_SIZE 32u      /* SM3-256 */
#define UAT_HE_MAX_PCR_LIST 1024u
#define UAT_HE_PCR_MASK 0x0033FFu /* PCRs 0-9, 12, 13 [ual verify_pcr_digest] */
#define UAT_HE_PCR_EXT_OID "1.2.86.1"
#define UAT_HE_TRUST_NAME "hyperenclave"

_Static_assert(UAT_HE_BODY_OFFSET + UAT_SGX_REPORT_SIZE == UAT_HE_SIG_LEN_OFFSET, "sgx_quote_t");
_Static_assert(64 + 64 + UAT_HE_TPM_ATTEST_SIZE + 64 == UAT_HE_SIG_FIXED, "platform_quote_sig_t");
/* magic, type, qualifiedSigner (2+34), extraData (2+34), clockInfo, firmwareVersion, one PCR
 * selection of 3 octets, pcrDigest (2+32) */
_Static_assert(4 + 2 + 36 + 36 + 17 + 8 + (4 + 2 + 1 + 3) + 34 == UAT_HE_TPM_ATTEST_SIZE,
               "TPMS_ATTEST");

/* The SM2 user ID HyperEnclave signs enclave reports with [ual kUserId]. */
extern const uint8_t uat_he_user_id[14];

typedef struct uat_he_quote {
    uint16_t version;
    uint16_t sign_type;
    uint8_t epid_group_id[4];
    uint16_t qe_svn;
    uint16_t pce_svn;
    uint32_t xeid;
    uint8_t basename[32];
    uat_sgx_report body;
    uat_span body_raw; /* the 384 signed bytes */
    uint32_t signature_len;
    uint8_t enclave_sig[UAT_HE_SM2_SIG_SIZE];
    uint8_t hv_att_key_pub[UAT_HE_KEY_SIZE];
    uat_span platform_attest_raw; /* the 147 signed bytes */
    uat_tpm_attest attest;
    uint8_t platform_sig[UAT_HE_SM2_SIG_SIZE];
    uat_span cert; /* DER */
} uat_he_quote;

/* quote.c: pure */
UAT_MUST_USE uat_err uat_he_quote_parse(uat_span in, uat_he_quote *out);
int uat_he_sniff(uat_span in);
UAT_MUST_USE uat_err uat_he_quote_describe(const uat_he_quote *q, json_t *o);
UAT_MUST_USE uat_err uat_he_inspect(uat_span in, json_t *fields);
/* The PCR list of the platform certificate's extension 1.2.86.1 (its DER extnValue contents):
 * a UTF8String holding base64 of whole SM3 PCR values, at least two. Appends to out. */
UAT_MUST_USE uat_err uat_he_pcr_list_parse(uat_span ext, uat_buf *out);

/* verify.c */
/* The configured anchors: every certificate of <trust_dir>/hyperenclave/ except jinzhao-attest's
 * local test root (a development anchor, never trusted). USAGE_NO_TRUST_ANCHOR when none is
 * left. */
UAT_MUST_USE uat_err uat_he_load_anchors(const char *trust_dir, uat_cert ***out, size_t *n);
void uat_he_anchors_free(uat_cert **a, size_t n);
UAT_MUST_USE uat_err uat_he_verify(uat_span in, const uat_verify_ctx *ctx, uat_claims *claims,
                                   uat_verify_out *out);

extern const uat_tee_ops uat_tee_hyperenclave;

#endif
