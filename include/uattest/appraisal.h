/* Appraisal: verified claims + reference values + policy -> an EAR attestation result
 * (draft-ietf-rats-ear, trustworthiness vector of draft-ietf-rats-ar4si). Formats: docs/appraisal.md. */
#ifndef UATTEST_APPRAISAL_H
#define UATTEST_APPRAISAL_H

#include "uattest/claims.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A set of reference value documents (each for one TEE; the documents of a TEE are alternatives). */
typedef struct uat_refvals uat_refvals;
UAT_API UAT_MUST_USE uat_err uat_refvals_new(uat_refvals **out);
UAT_API void uat_refvals_free(uat_refvals *r);
/* Adds one JSON document (or a JSON array of documents); documents with an id already present
 * replace it. PARSE_BAD_JSON / PARSE_BAD_VALUE with the field when malformed. */
UAT_API UAT_MUST_USE uat_err uat_refvals_add_json(uat_refvals *r, const char *json, size_t n);
/* Adds every *.json file of a directory, or one file. */
UAT_API UAT_MUST_USE uat_err uat_refvals_add_path(uat_refvals *r, const char *path);
UAT_API UAT_MUST_USE uat_err uat_refvals_remove(uat_refvals *r, const char *id);
UAT_API size_t uat_refvals_count(const uat_refvals *r);
/* Converts reference values kept in a foreign format (format "kunpengsecl": kunpengsecl baseline
 * files, for itrustee) into a JSON array of reference value documents, as
 * uat_refvals_add_json accepts them: *json_out is NUL-terminated, malloc'd (free() it).
 * The TEE that knows the format converts it; UNSUPPORTED_FEATURE when none does. */
UAT_API UAT_MUST_USE uat_err uat_refvals_import(const char *format, const uint8_t *text, size_t n,
                                                char **json_out);

/* An appraisal policy: declarative JSON (an object with "trustworthiness") or a Lua 5.4 script. */
typedef struct uat_policy uat_policy;
UAT_API UAT_MUST_USE uat_err uat_policy_parse(const char *text, size_t n, uat_policy **out);
/* The built-in declarative policy (docs/appraisal.md). */
UAT_API UAT_MUST_USE uat_err uat_policy_default(uat_policy **out);
UAT_API const char *uat_policy_id(const uat_policy *p);
UAT_API void uat_policy_free(uat_policy *p);

typedef struct uat_appraisal_ctx {
    int64_t now;                 /* "iat" of the result */
    const uint8_t *nonce;        /* "eat_nonce" (base64url in the result); may be NULL */
    size_t nonce_len;
    const char *runtime_key_jwk; /* public key bound in the evidence (JSON text); may be NULL */
} uat_appraisal_ctx;

/* An attestation result (EAR claims set). */
typedef struct uat_ear uat_ear;
/* Appraises the claims of one TEE: never fails for a policy's sake (a policy error gives a
 * contraindicated result with the reason); fails only on bad arguments or no memory. */
UAT_API UAT_MUST_USE uat_err uat_appraise(const uat_policy *p, const uat_refvals *rv,
                                          const uat_claims *claims, const uat_appraisal_ctx *ctx,
                                          uat_ear **out);
/* "affirming", "warning", "contraindicated" or "none": the overall status (worst submod). */
UAT_API const char *uat_ear_status(const uat_ear *e);
/* The name of the result's first submodule (the TEE whose claims were appraised), "" when none.
 * Borrowed from e. */
UAT_API const char *uat_ear_tee(const uat_ear *e);
/* The EAR claims set as JSON text (free()). */
UAT_API UAT_MUST_USE uat_err uat_ear_to_json(const uat_ear *e, int pretty, char **out);
UAT_API void uat_ear_free(uat_ear *e);

struct uat_token_keys;
/* The EAR as a signed token (see token.h uat_token_sign), without a JSON text round trip. */
UAT_API UAT_MUST_USE uat_err uat_ear_sign(const uat_ear *e, const struct uat_token_keys *k,
                                          int64_t now, int64_t ttl, char **jwt);

#ifdef __cplusplus
}
#endif
#endif
