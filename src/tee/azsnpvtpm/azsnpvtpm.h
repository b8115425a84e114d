/* Azure SEV-SNP confidential VMs: the vTPM quote and the SNP report bound together by the HCL
 * report (docs/azsnpvtpm.md).
 *
 * spec: Microsoft OpenHCL igvm_attest "get" protocol (IGVM_ATTEST request, version 1/2):
 *       IgvmAttestRequestHeader (signature 'HCLA', version, report_size, request_type, status,
 *       reserved[3]), the hardware report area (IGVM_ATTEST_REPORT_SIZE_MAX 0x4A0 = one SNP
 *       ATTESTATION_REPORT), IgvmAttestRequestData (data_size, version, report_type, hash_type,
 *       variable_data_size) and the runtime claims JSON; user-facing copy in vTPM NV index
 *       0x01400001. AMD 56860 rev 1.58 ATTESTATION_REPORT (src/tee/snp); TCG TPM 2.0 Library
 *       rev 1.59 Part 2 TPMS_ATTEST / TPMT_SIGNATURE (src/tee/tpm).
 *
 * Evidence (media type UAT_AZSNPVTPM_MEDIA_TYPE): one CBOR map with text keys
 *   "hcl_report" bstr  the HCL report as read from NV 0x01400001 (zero padding allowed)
 *   "attest"     bstr  TPMS_ATTEST of the quote, as the TPM produced it
 *   "signature"  bstr  TPMT_SIGNATURE over "attest" (RSASSA or RSAPSS: the AK is RSA)
 *   "pcrs"       {+ uint => {+ uint => bstr}}  as in the TPM evidence map (tpm.h)
 *   "vcek"       bstr  optional: the VCEK (DER) that signed the SNP report
 * or trustee's az-snp-vtpm evidence JSON (version 2: tpm_quote{signature, message, pcrs},
 * hcl_report, vcek), imported into the same struct.
 */
#ifndef UAT_TEE_AZSNPVTPM_H
#define UAT_TEE_AZSNPVTPM_H

#include "core/reader.h"
#include "crypto/crypto.h"
#include "evidence/registry.h"
#include "tee/snp/snp.h"
#include "tee/tpm/tpm.h"

#define UAT_AZSNPVTPM_MEDIA_TYPE "application/vnd.uattest.az-snp-vtpm+cbor"

/* spec: IgvmAttestRequestHeader and IgvmAttestRequestData */
#define UAT_HCL_SIGNATURE 0x414C4348u /* 'HCLA' as a little-endian u32 */
#define UAT_HCL_HEADER_SIZE 32u
#define UAT_HCL_HW_REPORT_SIZE 0x4A0u /* IGVM_ATTEST_REPORT_SIZE_MAX: the SNP report */
#define UAT_HCL_RUNTIME_OFFSET (UAT_HCL_HEADER_SIZE + UAT_HCL_HW_REPORT_SIZE) /* 0x4C0 */
#define UAT_HCL_RUNTIME_HEADER_SIZE 20u
#define UAT_HCL_REQUEST_AK_CERT 2u
#define UAT_HCL_REPORT_TYPE_SNP 2u
#define UAT_HCL_REPORT_TYPE_TDX 4u
#define UAT_HCL_HASH_SHA256 1u
#define UAT_HCL_HASH_SHA384 2u
#define UAT_HCL_HASH_SHA512 3u
#define UAT_HCL_AK_KID "HCLAkPub"

_Static_assert(UAT_HCL_HW_REPORT_SIZE == UAT_SNP_REPORT_SIZE, "the HCL hardware report is SNP's");
_Static_assert(UAT_HCL_RUNTIME_OFFSET == 0x4C0, "runtime claims at 0x4C0");
_Static_assert(4 * 5 + 12 == UAT_HCL_HEADER_SIZE, "IgvmAttestRequestHeader");
_Static_assert(4 * 5 == UAT_HCL_RUNTIME_HEADER_SIZE, "IgvmAttestRequestData header");

typedef struct uat_hcl_report {
    uint32_t version;      /* 1 or 2 */
    uint32_t report_size;  /* header + hardware report + runtime data */
    uint32_t request_type; /* 2: AK_CERT (the NV 0x01400001 report) */
    uint32_t status;
    uat_span snp_report;   /* 1184 bytes at 0x20 */
    uint32_t data_size;    /* runtime header + variable data */
    uint32_t data_version; /* 1 */
    uint32_t report_type;  /* 2: SNP */
    uint32_t hash_type;    /* 1 SHA-256, 2 SHA-384, 3 SHA-512 */
    uat_span var_data;     /* the runtime claims JSON, exactly as carried */
} uat_hcl_report;

typedef struct uat_azsnpvtpm_evidence {
    uat_span hcl_report;
    uat_tpm_evidence tpm; /* attest, signature and the PCR banks; the other members unused */
    uat_span vcek;        /* len 0 = absent */
} uat_azsnpvtpm_evidence;

/* hcl.c: pure. The whole HCL report through the bounded reader; bytes after report_size must be
 * zero (the NV index's padding). */
UAT_MUST_USE uat_err uat_hcl_report_parse(uat_span in, uat_hcl_report *out);
/* The digest the hash type names; PARSE_BAD_VALUE for another type. */
UAT_MUST_USE uat_err uat_hcl_hash_alg(uint32_t hash_type, enum uat_hash_alg *out);

/* evidence.c: the CBOR map (strict, spans into in) and its deterministic encoding */
UAT_MUST_USE uat_err uat_azsnpvtpm_evidence_decode(uat_span in, uat_azsnpvtpm_evidence *out);
UAT_MUST_USE uat_err uat_azsnpvtpm_evidence_encode(const uat_azsnpvtpm_evidence *ev,
                                                   uat_buf *out);
/* trustee's evidence JSON: the decoded bytes are owned by *store (free with
 * uat_azsnpvtpm_import_free), the spans of *out point into it. */
typedef struct uat_azsnpvtpm_import {
    uat_buf hcl, attest, signature, vcek, pcrs;
} uat_azsnpvtpm_import;
UAT_MUST_USE uat_err uat_azsnpvtpm_import_json(uat_span in, uat_azsnpvtpm_import *store,
                                               uat_azsnpvtpm_evidence *out);
void uat_azsnpvtpm_import_free(uat_azsnpvtpm_import *store);
/* True for the CBOR map (first key "hcl_report") or trustee's JSON (hcl_report and tpm_quote). */
int uat_azsnpvtpm_sniff(uat_span ev);
/* Either form, decoded; store is always initialised and must be freed. */
UAT_MUST_USE uat_err uat_azsnpvtpm_load(uat_span in, uat_azsnpvtpm_import *store,
                                        uat_azsnpvtpm_evidence *out);

extern const uat_tee_ops uat_tee_azsnpvtpm;

#endif
