/* Huawei Kunpeng iTrustee (TrustZone) TA attestation reports, in both formats a verifier meets:
 * the legacy binary `report_response` and the JSON `TEE.RA.1.0` report.
 *
 * Sources (no public specification; these agree with each other and with the corpus samples):
 *   [tverlib] openeuler-mirror/kunpengsecl attestation/tee/tverlib/verifier/teeverifier.{c,h}
 *             (report_response / ak_cert layouts, ra_params tags, the JSON members, the signed bytes
 *             base64url(cJSON_Print(payload)), tee_verify_nonce, basevalue files);
 *   [corpus]  ../shared/corpus/huawei-itrustee/PROVENANCE.md (byte layouts, signed ranges, outcomes).
 *
 * Scenarios: 0 = no attestation service (AK certified by the device's DRK, whose certificate
 * chains to Huawei IT Product CA -> Huawei Equipment CA); 1 = AS without DAA (an X.509 AK
 * certificate issued by a configured attestation-service CA); 2 = AS with DAA (refused:
 * UNSUPPORTED_FEATURE).
 */
#ifndef UAT_TEE_ITRUSTEE_H
#define UAT_TEE_ITRUSTEE_H

#include "crypto/crypto.h"
#include "evidence/registry.h"

#define UAT_ITRUSTEE_MEDIA_TYPE "application/vnd.huawei.itrustee.ta-report"

#define UAT_ITR_NONCE_LEN 64u /* USER_DATA_SIZE */
#define UAT_ITR_HASH_LEN 32u  /* SHA-256 */
#define UAT_ITR_UUID_LEN 16u

enum uat_itr_scenario {
    UAT_ITR_SCE_NO_AS = 0,
    UAT_ITR_SCE_AS_NO_DAA = 1,
    UAT_ITR_SCE_AS_WITH_DAA = 2,
};

/* ra_params tags ([tverlib] teeverifier.h RA_TAG_*) and algorithm values (RA_ALG_*). */
#define UAT_ITR_TAG_SIGN_TYPE 0x10000000u
#define UAT_ITR_TAG_HASH_TYPE 0x10000001u
#define UAT_ITR_TAG_QTA_IMG_HASH 0x20000000u
#define UAT_ITR_TAG_TA_IMG_HASH 0x20000001u
#define UAT_ITR_TAG_QTA_MEM_HASH 0x20000002u
#define UAT_ITR_TAG_TA_MEM_HASH 0x20000003u
#define UAT_ITR_TAG_RESERVED 0x20000004u
#define UAT_ITR_TAG_AK_PUB 0x20000005u
#define UAT_ITR_TAG_SIGN_DRK 0x20000006u
#define UAT_ITR_TAG_SIGN_AK 0x20000007u
#define UAT_ITR_TAG_CERT_DRK 0x20000008u
#define UAT_ITR_TAG_CERT_AK 0x20000009u
#define UAT_ITR_ALG_RSA_4096 0x00020001u /* RSASSA-PSS MGF1 SHA-256, 4096-bit key */
#define UAT_ITR_ALG_SHA_256 0x00020002u

/* A parsed report, either format, everything owned. Pure data: no signature checked yet. */
typedef struct uat_itr_report {
    int json;                       /* 1: TEE.RA.1.0 JSON, 0: binary report_response */
    uint32_t scenario;              /* enum uat_itr_scenario */
    uint8_t nonce[UAT_ITR_NONCE_LEN]; /* zero-padded to 64 bytes (tee_verify_nonce) */
    uint8_t uuid[UAT_ITR_UUID_LEN]; /* TA UUID, RFC 4122 byte order */
    uint8_t ta_img[UAT_ITR_HASH_LEN], ta_mem[UAT_ITR_HASH_LEN];
    uint32_t sign_type, hash_type;  /* binary: SIGN_TYPE / HASH_TYPE; JSON: mapped from the names */
    uat_buf signed_ak;              /* the bytes the AK signs */
    uat_buf sign_ak;                /* the AK's signature (scenario 0/1: RSASSA-PSS) */
    uat_buf ak_cert;                /* scenario 1: X.509 AK certificate (PEM or DER); 2: DAA cred */
    /* scenario 0: the DRK-signed AK certificate */
    int has_qta;
    uint8_t qta_img[UAT_ITR_HASH_LEN], qta_mem[UAT_ITR_HASH_LEN];
    int ak_daa;                     /* JSON ak_pub.kty is "DAA": no RSA key */
    uat_buf signed_drk;             /* the bytes the DRK signs */
    uat_buf sign_drk;
    uat_buf drk_der;                /* the DRK certificate */
    uat_buf ak_n, ak_e;             /* the AK's RSA modulus and exponent, big-endian */
    json_t *fields;                 /* the report's own fields under their vendor names */
} uat_itr_report;

void uat_itr_report_free(uat_itr_report *r);

/* parse_bin.c: the binary report_response (and its scenario-0 ak_cert). Pure. */
UAT_MUST_USE uat_err uat_itr_parse_bin(uat_span in, uat_itr_report *out);
/* parse_json.c: the TEE.RA.1.0 JSON report. Pure. */
UAT_MUST_USE uat_err uat_itr_parse_json(uat_span in, uat_itr_report *out);
/* A scenario-0 "provisioning-output" AK certificate alone (JSON): fills the scenario-0 part of
 * out (signed_drk, sign_drk, drk_der, ak_n/ak_e or ak_daa, qta hashes, fields). Pure. */
UAT_MUST_USE uat_err uat_itr_parse_json_akcert(uat_span in, uat_itr_report *out);
/* parse_bin.c: runs fill on a fresh report; on failure frees everything and leaves out alone. */
UAT_MUST_USE uat_err uat_itr_parse_with(uat_span in, uat_itr_report *out,
                                        uat_err (*fill)(uat_span, uat_itr_report *));
/* Either format, chosen by the first byte that is not JSON whitespace ('{': JSON). */
UAT_MUST_USE uat_err uat_itr_parse(uat_span in, uat_itr_report *out);

/* cjson.c: cJSON_Print (cJSON's formatted printer) of a parsed JSON value, members in the order
 * received, appended to out: the text iTrustee signs (base64url-encoded). PARSE_TOO_DEEP past
 * UAT_MAX_ITRUSTEE_JSON_DEPTH. */
UAT_MUST_USE uat_err uat_itr_cjson_print(const json_t *v, uat_buf *out);
/* base64url-without-padding of cJSON_Print(v): the signed bytes of a JSON payload. */
UAT_MUST_USE uat_err uat_itr_signed_payload(const json_t *v, uat_buf *out);

int uat_itrustee_sniff(uat_span in);
UAT_MUST_USE uat_err uat_itrustee_inspect(uat_span in, json_t *fields);

/* verify.c */
UAT_MUST_USE uat_err uat_itrustee_verify(uat_span in, const uat_verify_ctx *ctx,
                                         uat_claims *claims, uat_verify_out *out);
/* A JSON provisioning-output AK certificate: the DRK chain and the DRK's signature. *daa is set
 * when the certified AK is a DAA key (usable for no report this verifier accepts). */
UAT_MUST_USE uat_err uat_itrustee_verify_akcert(uat_span in, const uat_verify_ctx *ctx, int *daa);
void uat_itrustee_cache_free(void *cache);

/* refvals.c: kunpengsecl basevalue files ("UUID image-hash memory-hash" per line) as reference
 * value documents of this TEE (docs/itrustee.md), appended to docs. */
UAT_MUST_USE uat_err uat_itrustee_refvals_import(const char *format, uat_span text, json_t *docs);

extern const uat_tee_ops uat_tee_itrustee;

#endif
