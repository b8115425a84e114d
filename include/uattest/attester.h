/* Collect evidence on this machine. */
#ifndef UATTEST_ATTESTER_H
#define UATTEST_ATTESTER_H

#include "uattest/evidence.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct uat_attester uat_attester;

/* tee: a TEE name, or NULL / "auto" to detect one under root ("/" when NULL). */
UAT_API UAT_MUST_USE uat_err uat_attester_new(const char *tee, const char *root,
                                              uat_attester **out);
UAT_API void uat_attester_free(uat_attester *a);
UAT_API const char *uat_attester_tee(const uat_attester *a);
/* A TEE-specific option (see docs/tees.md); unknown keys are USAGE errors. */
UAT_API UAT_MUST_USE uat_err uat_attester_set_option(uat_attester *a, const char *key,
                                                     const char *value);
/* Produces evidence carrying report_data (64 bytes) as a CMW record. An attester may keep what
 * it loaded for the next collect (the sim TEE: its key and measurement; docs/tees.md), until an
 * option changes: one attester is for one thread at a time. */
UAT_API UAT_MUST_USE uat_err uat_attester_collect(uat_attester *a, const uint8_t *report_data,
                                                  uat_cmw **out);

/* Answers an enrolment challenge of uat_verifier_enrol_challenge with this device's keys (TPM:
 * ActivateCredential); *secret is malloc'd (wipe and free it). UNSUPPORTED_FEATURE for TEEs
 * without enrolment. */
UAT_API UAT_MUST_USE uat_err uat_attester_enrol_respond(uat_attester *a, const uint8_t *challenge,
                                                        size_t n, uint8_t **secret,
                                                        size_t *secret_len);

/* TEEs this build knows, by index; NULL past the end. */
UAT_API const char *uat_tee_name(size_t i);
UAT_API const char *uat_tee_media_type(size_t i);
/* Names of the TEEs detected under root, in registry order; returns the count. */
UAT_API size_t uat_detect_tees(const char *root, const char **names, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
