/* The sim TEE: a software attester and verifier for development and tests.
 *
 * Report layout (docs/sim-report.md), all integers little-endian:
 *   off  size  field
 *     0     4  magic        "USIM"
 *     4     2  version      1
 *     6     2  flags        bit 0 = debug; other bits reserved (zero)
 *     8     4  svn
 *    12     4  reserved     zero
 *    16    48  measurement  SHA-384 of what was measured
 *    64    48  signer       SHA-384 of the signer identity
 *   112    64  report_data  the caller's binding
 *   176    32  key_id       SHA-256 of the signing key's DER SubjectPublicKeyInfo
 *   208    64  signature    ECDSA P-256 / SHA-256 over bytes [0, 208), raw r||s
 * A sim key is never trusted unless the verifier's trust directory names it
 * (a PEM file under <trust>/sim/); claims say "tee": "sim" so no policy mistakes it for hardware.
 */
#ifndef UAT_TEE_SIM_H
#define UAT_TEE_SIM_H

#include "evidence/registry.h"

#define UAT_SIM_MAGIC "USIM"
#define UAT_SIM_VERSION 1u
#define UAT_SIM_FLAG_DEBUG 0x0001u
#define UAT_SIM_SIGNED_SIZE 208u
#define UAT_SIM_SIG_SIZE 64u
#define UAT_SIM_REPORT_SIZE (UAT_SIM_SIGNED_SIZE + UAT_SIM_SIG_SIZE)
#define UAT_SIM_MEDIA_TYPE "application/vnd.uattest.sim-report"

typedef struct uat_sim_report {
    uint16_t version;
    uint16_t flags;
    uint32_t svn;
    uint8_t measurement[48];
    uint8_t signer[48];
    uint8_t report_data[64];
    uint8_t key_id[32];
    uint8_t signature[UAT_SIM_SIG_SIZE];
} uat_sim_report;

_Static_assert(4 + 2 + 2 + 4 + 4 + 48 + 48 + 64 + 32 == UAT_SIM_SIGNED_SIZE, "sim signed size");
_Static_assert(UAT_SIM_REPORT_SIZE == 272, "sim report size");

/* parse.c: pure */
UAT_MUST_USE uat_err uat_sim_parse(uat_span in, uat_sim_report *out);
int uat_sim_sniff(uat_span in);
UAT_MUST_USE uat_err uat_sim_describe(const uat_sim_report *r, json_t *fields);
UAT_MUST_USE uat_err uat_sim_inspect(uat_span in, json_t *fields);
/* verify.c */
struct uat_key;
/* SHA-256 of the key's DER SubjectPublicKeyInfo. */
UAT_MUST_USE uat_err uat_sim_key_id(const struct uat_key *k, uint8_t id[32]);
UAT_MUST_USE uat_err uat_sim_verify(uat_span in, const uat_verify_ctx *ctx, uat_claims *claims,
                                    uat_verify_out *out);
/* The trust anchors cached per verifier (ops cache_free). */
void uat_sim_cache_free(void *cache);
/* attest.c */
/* Frees the attester's cache (the loaded key, its id, signer and measurement). */
void uat_sim_attest_cache_free(void *cache);
UAT_MUST_USE uat_err uat_sim_collect(const uat_attest_ctx *ctx, const uint8_t *report_data,
                                     uat_buf *out);
/* The sealing key for label (registry.h seal_key). */
UAT_MUST_USE uat_err uat_sim_seal_key(const uat_attest_ctx *ctx, const char *label,
                                      uint8_t key[32]);

extern const uat_tee_ops uat_tee_sim;

#endif
