/* Arm CCA attestation tokens: the realm token (signed by the RAK it carries) and the platform token
 * (signed by the CPAK) in one collection; parsing, verification with configured CPAKs, and the
 * configfs-tsm attester (arm64 realms).
 *
 * spec: Arm Realm Management Monitor specification (DEN0137) 1.0-rel0 §A7.2 "Realm attestation
 *       token" (claims 10, 44235-44240, 265; the RAK as an uncompressed point, or a COSE_Key when
 *       the realm profile claim is present), §A7.2.3.2 (binding: the platform token's challenge is
 *       the hash of the RAK with cca-realm-public-key-hash-algo-id);
 *       draft-ffm-rats-cca-token-00 §3 (platform claims 265, 10, 2396, 256, 2401, 2395, 2399,
 *       2400, 2402; software components 1, 2, 4, 5, 6; lifecycle ranges), §4 (collections: the
 *       EAT collection tag 399 {44234: bstr platform, 44241: bstr realm}, and the CMW collection
 *       tag 907 {44234: [263, bstr], 44241: [263, bstr]});
 *       RFC 9052 (COSE_Sign1, src/evidence/cose.h).
 *
 * Evidence (media type below, docs/cca.md): the collection bytes as the RMM returns them (tag 399),
 * or the CMW collection form (tag 907). Raw tokens are recognised without a CMW envelope.
 */
#ifndef UAT_TEE_CCA_H
#define UAT_TEE_CCA_H

#include "crypto/crypto.h"
#include "evidence/cose.h"
#include "evidence/registry.h"

#define UAT_CCA_MEDIA_TYPE "application/eat-collection; profile=\"http://arm.com/CCA-SSD/1.0.0\""

#define UAT_CCA_TAG_COLLECTION 399u /* EAT collection */
#define UAT_CCA_TAG_CMW 907u        /* CMW collection */
#define UAT_CCA_CMW_CF 263u         /* the content-format of each CMW record */
#define UAT_CCA_KEY_PLATFORM 44234
#define UAT_CCA_KEY_REALM 44241

#define UAT_CCA_CHALLENGE_LEN 64u
#define UAT_CCA_RPV_LEN 64u
#define UAT_CCA_REM_COUNT 4u
#define UAT_CCA_MAX_SW_COMPONENTS 32u
#define UAT_CCA_IMPL_ID_LEN 32u
#define UAT_CCA_INST_ID_LEN 33u
#define UAT_CCA_MAX_RAK_LEN 1024u /* DER SPKI of an RSA-4096 key (virtCCA) is 550 bytes */

#define UAT_CCA_PROFILE_PLATFORM_LEGACY "http://arm.com/CCA-SSD/1.0.0"
#define UAT_CCA_PROFILE_PLATFORM "tag:arm.com,2023:cca_platform#1.0.0"
#define UAT_CCA_PROFILE_REALM "tag:arm.com,2023:realm#1.0.0"

/* Which dialect of realm claims: Arm CCA, or Huawei virtCCA's CVM token (no profile; the RAK a
 * DER SubjectPublicKeyInfo or a raw P-521 point). */
enum uat_cca_flavor {
    UAT_CCA_ARM = 0,
    UAT_CCA_VIRTCCA = 1,
};

/* spec: DEN0137 §A7.2.3.1 realm claims; spans point into the input */
typedef struct uat_cca_realm {
    int has_profile;
    uat_span profile;          /* 265 */
    uat_span challenge;        /* 10: 64 bytes */
    uat_span personalization;  /* 44235: 64 bytes */
    uat_span hash_algo;        /* 44236: text */
    enum uat_hash_alg hash;
    uat_span rak;              /* 44237: as encoded (the binding hashes these bytes) */
    int64_t rak_off;
    uat_span rak_hash_algo;    /* 44240: text */
    enum uat_hash_alg rak_hash;
    uat_span rim;              /* 44238 */
    uat_span rem[UAT_CCA_REM_COUNT]; /* 44239 */
} uat_cca_realm;

/* spec: draft-ffm-rats-cca-token §3.3.1 software component */
typedef struct uat_cca_sw_component {
    uat_span type;        /* 1, optional text */
    uat_span value;       /* 2, measurement value */
    uat_span version;     /* 4, optional text */
    uat_span signer_id;   /* 5 */
    uat_span desc;        /* 6, optional text: the hash algorithm of the measurement */
    unsigned present;     /* bit k: key k present */
} uat_cca_sw_component;

/* spec: draft-ffm-rats-cca-token §3.3 platform claims */
typedef struct uat_cca_platform {
    uat_span profile;            /* 265 */
    uat_span challenge;          /* 10: 32, 48 or 64 bytes */
    uat_span implementation_id;  /* 2396: 32 bytes */
    uat_span instance_id;        /* 256: 33 bytes, UEID type 0x01 */
    uat_span config;             /* 2401 */
    uint16_t lifecycle;          /* 2395 */
    size_t nsw;                  /* 2399 */
    uat_cca_sw_component sw[UAT_CCA_MAX_SW_COMPONENTS];
    int has_vsi;
    uat_span vsi;                /* 2400, optional text */
    uat_span hash_algo;          /* 2402: text */
    int64_t challenge_off;
} uat_cca_platform;

/* The collection and its two tokens. */
typedef struct uat_cca_token {
    uint64_t form; /* UAT_CCA_TAG_COLLECTION or UAT_CCA_TAG_CMW */
    int has_platform;
    uat_cose_sign1 platform_cose;
    uat_cca_platform platform;
    uat_cose_sign1 realm_cose;
    uat_cca_realm realm;
} uat_cca_token;

/* claims.c: pure */
/* "sha-256", "sha-384", "sha-512" (COSE / IANA hash names); UNSUPPORTED_ALGORITHM otherwise. */
UAT_MUST_USE uat_err uat_cca_hash_algo(uat_reader *r, const char *field, uat_span *text,
                                       enum uat_hash_alg *out);
/* The realm claims map (a COSE payload read by r), whole. */
UAT_MUST_USE uat_err uat_cca_realm_parse(uat_reader *r, enum uat_cca_flavor flavor,
                                         uat_cca_realm *out);
UAT_MUST_USE uat_err uat_cca_platform_parse(uat_reader *r, uat_cca_platform *out);
/* spec: draft-ffm-rats-cca-token §3.3.4: "secured", ..., or NULL outside every defined range. */
const char *uat_cca_lifecycle_name(uint16_t v);
int uat_cca_lifecycle_debug(uint16_t v);
UAT_MUST_USE uat_err uat_cca_realm_describe(const uat_cca_realm *r, json_t *o);
UAT_MUST_USE uat_err uat_cca_platform_describe(const uat_cca_platform *p, json_t *o);
/* A JSON string of untrusted text already checked to be UTF-8 without NUL. */
UAT_MUST_USE uat_err uat_cca_json_text(json_t *o, const char *name, uat_span text);

/* token.c: pure */
/* Arm CCA: the tag-399 or tag-907 collection with both tokens. virtCCA: the tag-399 collection
 * with the CVM token (its payload a byte string holding the claims map) and an optional platform
 * token. check names the evidence in errors ("cca.token", "virtcca.token"). */
UAT_MUST_USE uat_err uat_cca_token_parse(uat_span in, enum uat_cca_flavor flavor,
                                         const char *check, uat_cca_token *out);
int uat_cca_sniff(uat_span in);
UAT_MUST_USE uat_err uat_cca_inspect(uat_span in, json_t *fields);

/* verify.c */
/* The RAK of realm claims as a key: an uncompressed EC point (P-256/384/521 by length), a COSE_Key
 * (EC2) when the realm carries a profile, and for virtCCA a DER SubjectPublicKeyInfo or a P-521
 * point. CRYPTO_BAD_KEY when it is not a valid key. */
UAT_MUST_USE uat_err uat_cca_rak_key(const uat_cca_realm *r, enum uat_cca_flavor flavor,
                                     uat_key **out);
/* The platform challenge is the hash of the RAK bytes with the RAK hash algorithm (VERIFY_BINDING). */
UAT_MUST_USE uat_err uat_cca_check_binding(const uat_cca_platform *p, const uat_cca_realm *r,
                                           const char *check);
/* Lifecycle: secured and the two debug states attest; others are VERIFY_TCB. */
UAT_MUST_USE uat_err uat_cca_check_lifecycle(const uat_cca_platform *p, const char *check);
UAT_MUST_USE uat_err uat_cca_verify(uat_span in, const uat_verify_ctx *ctx, uat_claims *claims,
                                    uat_verify_out *out);
void uat_cca_cache_free(void *cache);

/* attest.c: the token through configfs-tsm (provider arm_cca_guest). */
UAT_MUST_USE uat_err uat_cca_collect(const uat_attest_ctx *ctx, const uint8_t *report_data,
                                     uat_buf *out);

extern const uat_tee_ops uat_tee_cca;

#endif
