/* jinzhao-attest (Ant Group Unified Attestation) report JSON written by uattest (docs/compat.md).
 * uat_verify reads jinzhao reports as it reads any evidence; these functions write them, byte for
 * byte as jinzhao's protobuf JSON mapping does, so a jinzhao verifier reads what uattest writes.
 * The C API that jinzhao applications link against is uattest/jinzhao/unified_attestation.h. */
#ifndef UATTEST_JINZHAO_H
#define UATTEST_JINZHAO_H

#include "uattest/claims.h"
#include "uattest/evidence.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A jinzhao UnifiedAttestationReport holding one CMW record's evidence (*json_out, malloc'd,
 * NUL-terminated), or an UnifiedAttestationAuthReport {report, pem_public_key} when
 * pem_public_key is non-NULL (jinzhao binds SHA-256 of the exact PEM text in report data
 * [32,64): bind it when collecting). report_type: "BackgroundCheck" (NULL) or "Passport" (only for
 * platforms whose Passport payload needs no collateral: HyperEnclave, Kunpeng). Errors:
 * UNSUPPORTED_TEE for a TEE jinzhao has no platform for (sim, SNP, TPM, ...), UNSUPPORTED_FEATURE
 * for a collection or a Passport that would need collateral. */
UAT_API UAT_MUST_USE uat_err uat_jinzhao_from_cmw(const uat_cmw *evidence, const char *report_type,
                                                  const char *pem_public_key, char **json_out);

/* Reads a jinzhao report or AuthReport with every check uat_verify applies to one (unknown
 * members, nesting, types, base64) and writes it back as jinzhao writes it (*json_out, malloc'd):
 * a report jinzhao wrote comes back byte-identical. */
UAT_API UAT_MUST_USE uat_err uat_jinzhao_rewrite(const uint8_t *p, size_t n, char **json_out);

/* jinzhao's UnifiedAttestationAttributes (COMPAT.md D §3.1) of verified claims, written as
 * jinzhao writes them (upper-case hex, decimal prod id and svn, "true"/"false"; TDX
 * measurements concatenated as jinzhao does). UNSUPPORTED_TEE for a TEE without a jinzhao
 * platform. */
UAT_API UAT_MUST_USE uat_err uat_jinzhao_attributes(const uat_claims *claims, char **json_out);

/* Checks verified claims against a jinzhao UnifiedAttestationPolicy JSON with jinzhao's rules
 * (OR over main_attributes, AND within one, an empty field matches anything, str_min_isvsvn and
 * str_verified_time at least, hex_user_data and hex_nonce as prefixes, hex_hash_or_pem_pubkey as
 * the hash or its PEM, bool parsing) but hex compared ignoring case (docs/compat.md).
 * VERIFY_POLICY naming the field that failed (of the last entry), also for a policy with no
 * entry; PARSE_BAD_JSON for unknown members; UNSUPPORTED_FEATURE for nested policies. */
UAT_API UAT_MUST_USE uat_err uat_jinzhao_policy_check(const uat_claims *claims, const char *policy,
                                                      size_t n);

/* jinzhao's report data (COMPAT.md D §2.3) from a hex nonce (or NULL) and
 * UnifiedAttestationReportParams JSON (n == 0: none): [0,32) the nonce or hex_user_data
 * (zero-padded; both: USAGE_INVALID_ARGUMENT), [32,64) SHA-256 of pem_public_key or zero.
 * *pem_out: a malloc'd copy of pem_public_key, or NULL. Hex is read strictly
 * (PARSE_BAD_ENCODING), unlike jinzhao. */
UAT_API UAT_MUST_USE uat_err uat_jinzhao_report_data(const char *hex_nonce, const char *params,
                                                     size_t n, uint8_t report_data[64],
                                                     char **pem_out);

#ifdef __cplusplus
}
#endif
#endif
