/* jinzhao-attest compatibility (libuattest-jinzhao, docs/compat.md): report generation with
 * jinzhao's C names and signatures (ual/include/attestation/generation/
 * unified_attestation_generation.h), so a jinzhao application relinks against uattest.
 * Return 0 (TEE_SUCCESS) or a TeeErrorCode (attestation/common/error.h). *len: the buffer size
 * in, the JSON length out; no NUL is written; TEE_ERROR_RA_SMALLER_REPORT_BUFFER unless the size
 * is larger than the JSON. */
#ifndef UAL_INCLUDE_ATTESTATION_GENERATION_UNIFIED_ATTESTATION_GENERATION_H_
#define UAL_INCLUDE_ATTESTATION_GENERATION_UNIFIED_ATTESTATION_GENERATION_H_

#include "attestation/common/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A UnifiedAttestationReport of this machine's TEE. tee_identity: not used (uattest has no
 * enclave ids; the TEE and its device come from the environment, docs/compat.md). report_type:
 * "BackgroundCheck" (or "Passport" where it needs no collateral). report_hex_nonce: at most 64
 * hex chars. report_params_buf: UnifiedAttestationReportParams JSON (hex_user_data,
 * pem_public_key, ...). */
extern int UnifiedAttestationGenerateReport(const char* tee_identity, const char* report_type,
                                            const char* report_hex_nonce,
                                            const char* report_params_buf,
                                            const unsigned int report_params_len,
                                            char* report_json_buf, unsigned int* report_json_len);

/* The same as an UnifiedAttestationAuthReport carrying params' pem_public_key (uattest holds no
 * UAK: without pem_public_key the AuthReport carries no key). */
extern int UnifiedAttestationGenerateAuthReport(const char* tee_identity, const char* report_type,
                                                const char* report_hex_nonce,
                                                const char* report_params_buf,
                                                const unsigned int report_params_len,
                                                char* auth_report_buf,
                                                unsigned int* auth_report_len);

#ifdef __cplusplus
}
#endif
#endif
