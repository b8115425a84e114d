/* jinzhao-attest compatibility (libuattest-jinzhao, docs/compat.md): report verification with
 * jinzhao's C names and signatures (ual/include/attestation/verification/
 * unified_attestation_verification.h). Verification is uattest's (vendor chains, CRLs, TCB
 * status, collateral expiry); trust anchors, collateral and the evaluation time come from the
 * environment (UATTEST_JINZHAO_TRUST, _COLLATERAL, _AT). Return 0 or a TeeErrorCode. */
#ifndef UAL_INCLUDE_ATTESTATION_VERIFICATION_UNIFIED_ATTESTATION_VERIFICATION_H_
#define UAL_INCLUDE_ATTESTATION_VERIFICATION_UNIFIED_ATTESTATION_VERIFICATION_H_

#include "attestation/common/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* An UnifiedAttestationAuthReport verified and then matched against an
 * UnifiedAttestationPolicy JSON (jinzhao's rules; hex ignoring case). */
extern int UnifiedAttestationVerifyAuthReport(const char* auth_json_str,
                                              const unsigned int auth_json_len,
                                              const char* policy_json_str,
                                              const unsigned int policy_json_len);

/* The same for an UnifiedAttestationReport. */
extern int UnifiedAttestationVerifyReport(const char* report_json_str,
                                          const unsigned int report_json_len,
                                          const char* policy_json_str,
                                          const unsigned int policy_json_len);

/* The UnifiedAttestationAttributes JSON of an AuthReport. Unlike jinzhao (which parses without
 * verifying), uattest returns attributes only of evidence that verifies. */
extern int UnifiedAttestationGetAuthReportAttr(const char* auth_json_str,
                                               const unsigned int auth_json_len,
                                               char* attr_json_str, unsigned int* attr_json_len);

/* The same for an UnifiedAttestationReport. */
extern int UnifiedAttestationGetReportAttr(const char* report_json_str,
                                           const unsigned int report_json_len,
                                           char* attr_json_str, unsigned int* attr_json_len);

#ifdef __cplusplus
}
#endif
#endif
