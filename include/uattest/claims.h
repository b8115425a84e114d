/* Normalized claims (DESIGN.md section 4): the same names from every verifier.
 *
 * Top level: tee, measurement, signer, product_id, svn, debug, report_data,
 * tcb{status, date, advisory_ids}, platform{...}, tee_claims{vendor field names},
 * verified_at, valid_until. Byte values are lower-case hex strings; times are
 * RFC 3339 UTC strings.
 */
#ifndef UATTEST_CLAIMS_H
#define UATTEST_CLAIMS_H

#include "uattest/err.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct uat_claims uat_claims;

UAT_API void uat_claims_free(uat_claims *c);
/* The TEE name ("sim", "sgx", ...). */
UAT_API const char *uat_claims_tee(const uat_claims *c);
/* A top-level string claim ("measurement", "signer", "report_data", ...), or NULL. */
UAT_API const char *uat_claims_get_string(const uat_claims *c, const char *name);
/* A top-level integer or boolean claim; UAT_ERR_USAGE_INVALID_ARGUMENT if absent. */
UAT_API UAT_MUST_USE uat_err uat_claims_get_int(const uat_claims *c, const char *name,
                                                int64_t *out);
UAT_API UAT_MUST_USE uat_err uat_claims_get_bool(const uat_claims *c, const char *name,
                                                 int *out);
/* A string field of tee_claims (vendor name, e.g. "mr_enclave"), or NULL. */
UAT_API const char *uat_claims_tee_field(const uat_claims *c, const char *name);
/* The whole document as JSON text; free() the result. */
UAT_API UAT_MUST_USE uat_err uat_claims_to_json(const uat_claims *c, int pretty, char **out);

#ifdef __cplusplus
}
#endif
#endif
