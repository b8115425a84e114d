/* Composite evidence: several pieces of evidence (a CPU TEE and its GPUs, ...) in one CMW
 * collection, collected and verified as one under one session binding (docs/composite.md).
 *
 * uat_attester_new("sim+nvidia-gpu", ...) collects one; uat_verify of a collection verifies one:
 * each member with its TEE's verifier, bound by the rule its TEE states for itself, and the claims
 * hold one claims document per member under "members", keyed by the collection label. Appraisal
 * gives one EAR submod per member, keyed by the same label.
 */
#ifndef UATTEST_COMPOSITE_H
#define UATTEST_COMPOSITE_H

#include "uattest/verifier.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The collection type ("__cmwc_t") of composite evidence; a collection without a type is
 * accepted as composite evidence too, one of another type is not. */
#define UAT_COMPOSITE_CMWC_TYPE "tag:github.com,2025:uattest/composite"
#define UAT_COMPOSITE_NONCE_SIZE 32

/* The nonce of a member that takes its nonce from the session (a GPU's SPDM requester nonce):
 * SHA-256("uattest composite nonce v1" ‖ 0x00 ‖ binding[0..64) ‖ label). The one definition,
 * used by the attester and the verifier. binding: the 64-byte session binding (DESIGN.md §4). */
UAT_API UAT_MUST_USE uat_err uat_composite_nonce(const uint8_t binding[64], const char *label,
                                                 uint8_t out[UAT_COMPOSITE_NONCE_SIZE]);

/* An explicit nonce the member under label must carry instead of the derived one (1 to 64 bytes,
 * zero-padded to 64 like report data; n = 0 removes it): for evidence whose nonce the caller
 * chose itself outside the session (docs/composite.md). The member's claims then say
 * "binding": "caller-nonce". */
UAT_API UAT_MUST_USE uat_err uat_verifier_set_member_nonce(uat_verifier *v, const char *label,
                                                           const uint8_t *nonce, size_t n);

#ifdef __cplusplus
}
#endif
#endif
