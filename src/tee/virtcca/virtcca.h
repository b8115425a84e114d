/* Huawei virtCCA (CCA-shaped confidential VMs on Kunpeng): the evidence of openEuler's Global
 * Trust Authority (GTA), its CVM token, the device certificate chained to the Huawei roots, the
 * RAK binding, and the CCEL and IMA logs replayed into the REMs.
 *
 * Sources (no public specification; these agree with each other and with the corpus sample):
 *   [gta]     openeuler-mirror/global-trust-authority attestation_server/verifier/virtcca/src/
 *             {evidence,tokens,log_verifier}.rs (evidence JSON, log replay into REM[index-1]);
 *   [secgear] openeuler-mirror/secGear service/attestation/attestation-service/verifier/src/
 *             virtcca/{mod,ccatoken}.rs (token decoding: tag 399 {44241: CVM token, 44234:
 *             platform token}, the CVM payload a byte string holding the claims map, the RAK a DER
 *             SubjectPublicKeyInfo or a raw P-521 point, the platform challenge = hash of the RAK);
 *   [sdk]     openeuler-mirror/virtCCA_sdk attestation/samples/src/token_validate.c
 *             (verify_cvm_pubkey: the RAK equals the device (AIK) certificate's key).
 *
 * Evidence (media type below, docs/virtcca.md): GTA's JSON, with or without its envelope:
 *   {"attester_type": "virt_cca", "evidence": {"vcca_token": b64, "dev_cert": b64,
 *    "logs": [{"log_type": "CCEL" | "ImaLog", "log_data": b64}]}}
 * (standard base64; dev_cert DER, or PEM text; logs optional, at most one of each type).
 */
#ifndef UAT_TEE_VIRTCCA_H
#define UAT_TEE_VIRTCCA_H

#include "tee/cca/cca.h"

#define UAT_VIRTCCA_MEDIA_TYPE "application/vnd.huawei.virtcca.evidence+json"

typedef struct uat_virtcca_evidence {
    uat_buf token;        /* vcca_token */
    uat_der_list certs;   /* dev_cert: the device certificate first, then any PEM blocks after it */
    int dev_cert_pem;     /* dev_cert was PEM (the form that comes with a platform token) */
    int has_ccel, has_ima;
    uat_buf ccel;         /* the CCEL log area (TCG2 crypto-agile event log) */
    uat_buf ima;          /* the IMA measurement list, ASCII or binary */
} uat_virtcca_evidence;

/* evidence.c: pure */
UAT_MUST_USE uat_err uat_virtcca_evidence_parse(uat_span json, uat_virtcca_evidence *out);
void uat_virtcca_evidence_free(uat_virtcca_evidence *e);
/* GTA's evidence JSON (with its envelope); empty spans leave a part out. */
UAT_MUST_USE uat_err uat_virtcca_evidence_write(uat_span token, uat_span dev_cert, uat_span ccel,
                                                uat_span ima, uat_buf *out);
int uat_virtcca_sniff(uat_span in);
UAT_MUST_USE uat_err uat_virtcca_inspect(uat_span in, json_t *fields);

/* logs.c: the CCEL (MR index i extends REM[i-1]) and then the IMA list (PCR p extends REM[p-1];
 * entries of PCR 10, the IMA boot aggregate's default, have no REM) replayed with the realm's hash
 * algorithm and compared with the token's REMs: the CCEL explains REM0-REM2 (and REM3 when it
 * extends it), the IMA list the REMs its entries name. A REM that does not match is
 * VERIFY_MEASUREMENT naming the log, the REM and the first event that diverges. Claims about the
 * logs are added to o ("ccel", "ima"). */
UAT_MUST_USE uat_err uat_virtcca_check_logs(const uat_cca_realm *r, const uat_virtcca_evidence *e,
                                            json_t *o);

/* verify.c */
typedef struct uat_virtcca_opts {
    /* Accept a CVM token whose RAK is not the device certificate's key and that carries no
     * platform token (tokens as GTA accepts them): nothing then ties the token to the device, and
     * the claims say so. Off by default. */
    int allow_unbound_rak_insecure;
} uat_virtcca_opts;
UAT_MUST_USE uat_err uat_virtcca_verify_opts(uat_span in, const uat_verify_ctx *ctx,
                                             const uat_virtcca_opts *opts, uat_claims *claims,
                                             uat_verify_out *out);
UAT_MUST_USE uat_err uat_virtcca_verify(uat_span in, const uat_verify_ctx *ctx,
                                        uat_claims *claims, uat_verify_out *out);
void uat_virtcca_cache_free(void *cache);

extern const uat_tee_ops uat_tee_virtcca;

#endif
