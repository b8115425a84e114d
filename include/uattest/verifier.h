/* Verify evidence from any supported TEE. */
#ifndef UATTEST_VERIFIER_H
#define UATTEST_VERIFIER_H

#include "uattest/claims.h"
#include "uattest/evidence.h"

#ifdef __cplusplus
extern "C" {
#endif

#define UAT_REPORT_DATA_SIZE 64

typedef struct uat_verifier uat_verifier;

UAT_API UAT_MUST_USE uat_err uat_verifier_new(uat_verifier **out);
UAT_API void uat_verifier_free(uat_verifier *v);
/* Directory of trust anchors: one subfolder per TEE (<dir>/<tee>/...). */
UAT_API UAT_MUST_USE uat_err uat_verifier_set_trust_dir(uat_verifier *v, const char *dir);
/* Directory of collateral: one subfolder per TEE. */
UAT_API UAT_MUST_USE uat_err uat_verifier_set_collateral_dir(uat_verifier *v, const char *dir);
/* Allows fetching missing collateral of one vendor ("intel", "amd", ...) from a service compatible
 * with the vendor's (Intel PCS v4 / PCCS, AMD KDS). Nothing is fetched unless allowed. */
UAT_API UAT_MUST_USE uat_err uat_verifier_set_fetch(uat_verifier *v, const char *vendor,
                                                    const char *base_url);
/* Reference values whose `signer` lists pin evidence keys that have no vendor certificate chain
 * (a TPM attestation key pinned by its Name). Borrowed: rv must outlive the verifier's use. */
typedef struct uat_refvals uat_refvals;
UAT_API void uat_verifier_set_reference_values(uat_verifier *v, const uat_refvals *rv);
/* A nonce the evidence must carry in a nonce field of its own, besides the report data binding
 * (the nonce of an Intel IAS attestation verification report: VERIFY_BINDING when it is absent
 * or differs). Evidence formats without such a field do not use it. n = 0 clears it. */
UAT_API UAT_MUST_USE uat_err uat_verifier_set_evidence_nonce(uat_verifier *v, const uint8_t *nonce,
                                                             size_t n);
/* Evaluation time in seconds since the epoch (default: now at each call). */
UAT_API void uat_verifier_set_time(uat_verifier *v, int64_t unix_seconds);
/* The early-warning window for collateral expiry: when what a verification used (certificates,
 * CRLs, TCB info, ...) expires within `seconds` of the evaluation time, the claims carry
 * "collateral_expiring": true (policies may act on it, docs/operations.md "Freshness"); 0 (the
 * default) turns it off. The claim "valid_until" always gives the earliest expiry. */
UAT_API void uat_verifier_set_expiry_warning(uat_verifier *v, int64_t seconds);

/* Migration switch for jinzhao-attest users (docs/compat.md, off by default): a jinzhao report
 * whose strict verification fails only because a certificate, CRL or collateral document is not
 * valid at the evaluation time (VERIFY_EXPIRED) is verified again with no validity period
 * checked, as jinzhao verifies it; if that passes, the claims carry "jinzhao_lax" {"waived":
 * ["VERIFY_EXPIRED"], "strict_error": the strict verdict}. Signatures, chains to the anchors,
 * revocation and bindings are still checked. Other evidence is unaffected. */
UAT_API void uat_verifier_set_jinzhao_lax_insecure(uat_verifier *v, int on);

/* Record every check the next uat_verify* calls run (off by default; no cost when off). While on,
 * verifications do not reuse what earlier calls verified: the explanation shows every check. */
UAT_API void uat_verifier_set_explain(uat_verifier *v, int on);
/* The explanation of the last uat_verify* call on v as JSON (owned by v, valid until the next
 * call or free), or NULL when explain is off. Present whether verification passed or failed.
 * Its shape: docs/explain.md and docs/explain.schema.json. */
UAT_API const char *uat_verifier_explanation(const uat_verifier *v);
/* Record only the collateral the next uat_verify* calls use (uat_verifier_collateral), without
 * the explanation's checks: what an audit log keeps (off by default). Verifications keep reusing
 * what earlier calls verified where the TEE's cache records the collateral it reuses. */
UAT_API void uat_verifier_set_record_collateral(uat_verifier *v, int on);
/* The collateral the last uat_verify* call used whose bytes are known, as "kind:sha256" items
 * (hex SHA-256: a CRL's DER, a TCB info's or QE identity's signed body, a RIM file) joined by ",",
 * sorted, each once; "" when none (owned by v like the explanation), NULL when neither explain
 * nor collateral recording is on. What uattestd's audit log records and `uattest audit replay`
 * compares. */
UAT_API const char *uat_verifier_collateral(const uat_verifier *v);
/* An explanation (the JSON above, from this library or a service's response) as text for people;
 * *out is malloc'd. PARSE_BAD_JSON when json is not an explanation. */
UAT_API UAT_MUST_USE uat_err uat_explanation_format_text(const char *json, char **out);

/* Verifies a CMW (JSON or CBOR) or raw evidence of a TEE that can be recognised.
 * expected_report_data: the 64-byte binding the evidence must carry, or NULL when
 * the caller checks the returned report_data claim itself.
 * On success *out holds the normalized claims (free with uat_claims_free). */
UAT_API UAT_MUST_USE uat_err uat_verify(uat_verifier *v, const uint8_t *evidence, size_t n,
                                        const uint8_t *expected_report_data, uat_claims **out);

/* As uat_verify, with collateral that travelled with the evidence (the RA-TLS endorsements
 * extension: the TEE's endorsement format, e.g. the Intel collateral array). It is checked like
 * collateral from the directory (vendor signatures, chains to the configured anchors, validity)
 * and used instead of the verifier's cached collateral for this call. */
UAT_API UAT_MUST_USE uat_err uat_verify_with_collateral(uat_verifier *v, const uint8_t *evidence,
                                                        size_t n, const uint8_t *collateral,
                                                        size_t collateral_len,
                                                        const uint8_t *expected_report_data,
                                                        uat_claims **out);
/* The collateral a verifier of this evidence needs, in the TEE's endorsement format (what
 * uat_verify_with_collateral accepts), from this verifier's collateral directory and allowed
 * fetches. *out is malloc'd. UNSUPPORTED_FEATURE for TEEs without an endorsement format. */
UAT_API UAT_MUST_USE uat_err uat_verifier_endorsements(uat_verifier *v, const uint8_t *evidence,
                                                       size_t n, uint8_t **out, size_t *out_len);
/* Enrolment by credential activation (TPM: docs/tpm.md "Attester and enrolment"): from evidence
 * that names an endorsement key (with its certificate, checked against the trust directory) and
 * the key to enrol, a challenge only the device holding both can open, and the secret a correct
 * answer (uat_attester_enrol_respond) returns. Both are malloc'd; wipe and free the secret.
 * UNSUPPORTED_FEATURE for TEEs without enrolment. */
UAT_API UAT_MUST_USE uat_err uat_verifier_enrol_challenge(uat_verifier *v, const uint8_t *evidence,
                                                          size_t n, uint8_t **challenge,
                                                          size_t *challenge_len, uint8_t **secret,
                                                          size_t *secret_len);
/* Parses evidence without verifying anything and returns its fields as JSON (free()). */
UAT_API UAT_MUST_USE uat_err uat_inspect(const uint8_t *evidence, size_t n, char **json_out);

#ifdef __cplusplus
}
#endif
#endif
