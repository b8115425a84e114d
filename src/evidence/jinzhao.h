/* jinzhao-attest report JSON (../shared/COMPAT.md part D §2, §7.3; docs/compat.md): an
 * UnifiedAttestationReport or UnifiedAttestationAuthReport is unwrapped to the platform's own
 * evidence and the registry TEE that verifies it. Parsing only, no I/O; the check after
 * verification (the AuthReport's key, the nested results' signature) hashes and verifies. */
#ifndef UAT_EVIDENCE_JINZHAO_H
#define UAT_EVIDENCE_JINZHAO_H

#include "evidence/registry.h"

/* True when the bytes are a JSON object with a top-level "str_tee_platform" (a report), or a
 * "report" that is one or comes with "pem_public_key" (an AuthReport): what `uattest verify`
 * takes for a jinzhao report. */
int uat_jinzhao_sniff(uat_span in);

/* The platform evidence (*inner, appended) inside a jinzhao report and the registry TEE whose
 * verifier takes it (*ops). Errors: PARSE_BAD_JSON (not JSON, unknown member, wrong nesting,
 * wrong type), PARSE_BAD_ENCODING (b64_quote not padded standard base64), PARSE_BAD_VALUE
 * (report version or type jinzhao does not define), UNSUPPORTED_TEE (a platform jinzhao does not
 * define, or whose TEE this build lacks), UNSUPPORTED_FEATURE (a payload uattest does not take:
 * nested reports, Uas, an SGX_EPID BackgroundCheck quote). CSV and SGX_EPID Passport messages
 * come back as their TEE's own evidence (registry.h evidence_import), with its errors. */
UAT_MUST_USE uat_err uat_jinzhao_unwrap(uat_span in, const uat_tee_ops **ops, uat_buf *inner);

/* After the platform evidence verified (claims): an AuthReport's non-empty pem_public_key must be
 * the key the evidence binds (report data [32,64) = SHA-256 of the PEM text, for the platforms
 * whose jinzhao generator binds one; Kunpeng binds none, so a key there is refused):
 * VERIFY_BINDING. Nested (group) results must be signed with that key (RSASSA-PKCS1-v1_5
 * SHA-256 over the exact json_nested_results text): VERIFY_BINDING without a key,
 * VERIFY_SIGNATURE for a bad signature; verified, they become the claim jinzhao_nested
 * {str_group_name, str_group_id, results: [{result: UnifiedAttestationAttributes}]}. OK for a
 * bare report or an AuthReport without key or nested results. */
UAT_MUST_USE uat_err uat_jinzhao_check_binding(uat_span in, uat_claims *claims);

/* A jinzhao UnifiedAttestationPolicy (COMPAT.md D §3.2) as reference value documents appended to
 * docs (docs/appraisal.md), one per main_attributes entry, for `refvals import --format jinzhao`
 * (src/appraisal/import.c). Each entry must name its platform; fields that are bindings or that
 * uattest's claims do not carry are UNSUPPORTED_FEATURE naming the field (docs/compat.md). */
UAT_MUST_USE uat_err uat_jinzhao_policy_refvals(uat_span text, json_t *docs);

#endif
