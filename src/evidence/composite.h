/* Composite evidence inside the library (docs/composite.md): the verifier of a CMW collection
 * (composite.c) and the attester that collects one (composite_attest.c), with their hooks in
 * verifier.c and attester.c. */
#ifndef UAT_EVIDENCE_COMPOSITE_H
#define UAT_EVIDENCE_COMPOSITE_H

#include "evidence/registry.h"
#include "uattest/attester.h"
#include "uattest/composite.h"

/* ---- verifier side ---- */

/* Explicit member nonces a caller set (uat_verifier_set_member_nonce), kept by the verifier. */
typedef struct uat_member_nonces uat_member_nonces;
void uat_member_nonces_free(uat_member_nonces *m);
UAT_MUST_USE uat_err uat_member_nonces_set(uat_member_nonces **m, const char *label,
                                           const uint8_t *nonce, size_t n);

/* verifier.c: the verifier's member nonces (may be NULL). */
const uat_member_nonces *uat_verifier_member_nonces(const uat_verifier *v);
/* verifier.c: one record or tag CMW verified by its TEE's verifier, without any binding check:
 * the claims (verified_at, valid_until set), what the verifier handed back and its TEE. */
UAT_MUST_USE uat_err uat_verify_member(uat_verifier *v, const uat_cmw *c, uat_span inband,
                                       uat_claims **out, uat_verify_out *vo,
                                       const uat_tee_ops **ops);

/* verifier.c: the evidence's report data is the expected binding (DESIGN.md section 4: a shorter
 * field carries its prefix, the rest of what is expected is zero), compared in constant time. */
int uat_binding_matches(const uat_verify_out *vo, const uint8_t *expected);

/* composite.c: a collection verified as one; expected: the session binding, or NULL (then the
 * first member that carries report data gives it, and every member must agree with it). */
UAT_MUST_USE uat_err uat_composite_verify(uat_verifier *v, const uat_cmw *c,
                                          const uint8_t *expected, uat_claims **out);

/* ---- attester side ---- */

/* True when a --tee value names a composite ("a+b", "a*n", "a+b*n"). */
int uat_composite_spec(const char *tee);

typedef struct uat_composite_att uat_composite_att;
UAT_MUST_USE uat_err uat_composite_att_new(const char *spec, const char *root,
                                           uat_composite_att **out);
void uat_composite_att_free(uat_composite_att *c);
const char *uat_composite_att_name(const uat_composite_att *c);
/* Passes the option to every member whose TEE knows it ("state-dir" to all); USAGE when none
 * knows it. */
UAT_MUST_USE uat_err uat_composite_att_set_option(uat_composite_att *c, const char *key,
                                                  const char *value);
UAT_MUST_USE uat_err uat_composite_att_collect(uat_composite_att *c, const uint8_t *report_data,
                                               uat_cmw **out);

/* attester.c: what the composite attester needs of its member attesters. */
const uat_tee_ops *uat_attester_ops(const uat_attester *a);
int uat_attester_knows_option(const uat_attester *a, const char *key);

#endif
