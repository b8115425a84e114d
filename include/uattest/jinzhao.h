/* jinzhao-attest (Ant Group Unified Attestation) report JSON written by uattest (docs/compat.md).
 * uat_verify reads jinzhao reports as it reads any evidence; these functions write them, byte for
 * byte as jinzhao's protobuf JSON mapping does, so a jinzhao verifier reads what uattest writes.
 * The C API that jinzhao applications link against is uattest/jinzhao/unified_attestation.h. */
#ifndef UATTEST_JINZHAO_H
#define UATTEST_JINZHAO_H

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

#ifdef __cplusplus
}
#endif
#endif
