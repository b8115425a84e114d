/* TPM 2.0 attestation: TPM structures read through the bounded reader, the evidence format,
 * quote and certify verification, AK trust, event logs, the tpm2-tss attester and credential
 * activation.
 *
 * spec: TCG TPM 2.0 Library, Part 2 "Structures" rev 1.59: §10.12.8 TPMS_ATTEST (magic
 *       TPM_GENERATED_VALUE 0xFF544347, TPM_ST_ATTEST_QUOTE 0x8018, TPM_ST_ATTEST_CERTIFY 0x8017),
 *       §10.12.4 TPMS_QUOTE_INFO, §10.12.3 TPMS_CERTIFY_INFO, §12.2.4 TPMT_PUBLIC, §11.3.4
 *       TPMT_SIGNATURE, §10.6 TPML_PCR_SELECTION; Part 1 §16 (Names), §24 (credential protection),
 *       §11.4.9 (KDFa/KDFe); TCG PC Client Platform Firmware Profile rev 1.05 §10 (event logs);
 *       TCG EK Credential Profile 2.5 (EK templates, NV indices 0x01C00002 / 0x01C0000A).
 *
 * Evidence (media type UAT_TPM_MEDIA_TYPE, docs/tpm.md): one CBOR map with text keys
 *   "attest"        bstr  TPMS_ATTEST as the TPM produced it (quote or certify)
 *   "signature"     bstr  TPMT_SIGNATURE over "attest"
 *   "ak_pub"        bstr  TPMT_PUBLIC of the attestation key
 *   "ak_chain"      [+ bstr]  optional: AK certificate (DER) first, then intermediates
 *   "pcrs"          {+ uint => {+ uint => bstr}}  optional: TPM_ALG_ID of the bank => PCR index
 *                   => value; every PCR the quote selects must be present
 *   "event_log"     bstr  optional: TCG PC Client binary event log (crypto-agile or SHA-1)
 *   "ima_log"       bstr  optional: IMA binary measurement list (ima-ng / ima-sig templates)
 *   "certified_pub" bstr  optional: TPMT_PUBLIC of the object a certify statement names
 *   "ek_cert"       bstr  optional: EK certificate (DER), for enrolment
 *   "ek_pub"        bstr  optional: EK TPMT_PUBLIC, for enrolment
 * Unknown keys are errors. The binding (qualifyingData / extraData) is the report data: 32 bytes
 * when report_data[32..63] is zero, else all 64 (DESIGN.md §4).
 */
#ifndef UAT_TEE_TPM_H
#define UAT_TEE_TPM_H

#include "core/reader.h"
#include "crypto/crypto.h"
#include "evidence/registry.h"

#define UAT_TPM_MEDIA_TYPE "application/vnd.uattest.tpm+cbor"

/* spec: Part 2 §6.2 TPM_GENERATED, §6.9 TPM_ST, §6.3 TPM_ALG_ID */
#define UAT_TPM_GENERATED_VALUE 0xFF544347u
#define UAT_TPM_ST_ATTEST_CERTIFY 0x8017u
#define UAT_TPM_ST_ATTEST_QUOTE 0x8018u
#define UAT_TPM_ALG_RSA 0x0001u
#define UAT_TPM_ALG_SHA1 0x0004u
#define UAT_TPM_ALG_HMAC 0x0005u
#define UAT_TPM_ALG_AES 0x0006u
#define UAT_TPM_ALG_KEYEDHASH 0x0008u
#define UAT_TPM_ALG_SHA256 0x000Bu
#define UAT_TPM_ALG_SHA384 0x000Cu
#define UAT_TPM_ALG_SHA512 0x000Du
#define UAT_TPM_ALG_NULL 0x0010u
#define UAT_TPM_ALG_SM3_256 0x0012u
#define UAT_TPM_ALG_RSASSA 0x0014u
#define UAT_TPM_ALG_RSAES 0x0015u
#define UAT_TPM_ALG_RSAPSS 0x0016u
#define UAT_TPM_ALG_OAEP 0x0017u
#define UAT_TPM_ALG_ECDSA 0x0018u
#define UAT_TPM_ALG_ECDH 0x0019u
#define UAT_TPM_ALG_ECDAA 0x001Au
#define UAT_TPM_ALG_SM2 0x001Bu
#define UAT_TPM_ALG_ECSCHNORR 0x001Cu
#define UAT_TPM_ALG_KDF1_SP800_56A 0x0020u
#define UAT_TPM_ALG_KDF1_SP800_108 0x0022u
#define UAT_TPM_ALG_ECC 0x0023u
#define UAT_TPM_ALG_SYMCIPHER 0x0025u
#define UAT_TPM_ALG_CFB 0x0043u
#define UAT_TPM_ECC_NIST_P256 0x0003u
#define UAT_TPM_ECC_NIST_P384 0x0004u
/* more of §6.3 TPM_ALG_ID and §6.4 TPM_ECC_CURVE, for the parameter variants TPMT_PUBLIC allows */
#define UAT_TPM_ALG_MGF1 0x0007u
#define UAT_TPM_ALG_XOR 0x000Au
#define UAT_TPM_ALG_SM4 0x0013u
#define UAT_TPM_ALG_ECMQV 0x001Du
#define UAT_TPM_ALG_KDF2 0x0021u
#define UAT_TPM_ALG_CAMELLIA 0x0026u
#define UAT_TPM_ALG_SHA3_256 0x0027u
#define UAT_TPM_ALG_SHA3_384 0x0028u
#define UAT_TPM_ALG_SHA3_512 0x0029u
#define UAT_TPM_ALG_CTR 0x0040u
#define UAT_TPM_ALG_OFB 0x0041u
#define UAT_TPM_ALG_CBC 0x0042u
#define UAT_TPM_ALG_ECB 0x0044u
#define UAT_TPM_ECC_NIST_P192 0x0001u
#define UAT_TPM_ECC_NIST_P224 0x0002u
#define UAT_TPM_ECC_NIST_P521 0x0005u
#define UAT_TPM_ECC_BN_P256 0x0010u
#define UAT_TPM_ECC_BN_P638 0x0011u
#define UAT_TPM_ECC_SM2_P256 0x0020u

/* spec: Part 2 §8.3 TPMA_OBJECT */
#define UAT_TPMA_FIXED_TPM (1u << 1)
#define UAT_TPMA_ST_CLEAR (1u << 2)
#define UAT_TPMA_FIXED_PARENT (1u << 4)
#define UAT_TPMA_SENSITIVE_DATA_ORIGIN (1u << 5)
#define UAT_TPMA_USER_WITH_AUTH (1u << 6)
#define UAT_TPMA_ADMIN_WITH_POLICY (1u << 7)
#define UAT_TPMA_NO_DA (1u << 10)
#define UAT_TPMA_RESTRICTED (1u << 16)
#define UAT_TPMA_DECRYPT (1u << 17)
#define UAT_TPMA_SIGN (1u << 18)
#define UAT_TPMA_ENCRYPTED_DUPLICATION (1u << 11)
#define UAT_TPMA_X509_SIGN (1u << 19) /* rev 1.59 */
/* bits 0, 3, 8-9, 12-15 and 20-31 are reserved */
#define UAT_TPMA_RESERVED 0xFFF0F309u
/* What an attestation key must be: a restricted signing key the TPM made and never lets go of */
#define UAT_TPMA_AK_REQUIRED                                                                       \
    (UAT_TPMA_SIGN | UAT_TPMA_RESTRICTED | UAT_TPMA_FIXED_TPM | UAT_TPMA_FIXED_PARENT |            \
     UAT_TPMA_SENSITIVE_DATA_ORIGIN)

#define UAT_TPM_MAX_BANKS 4u
#define UAT_TPM_NUM_PCRS 24u
#define UAT_TPM_MAX_NAME 66u /* TPMU_NAME: 2-byte algorithm + SHA-512 digest */
#define UAT_TPM_MAX_DATA 66u /* TPM2B_DATA: sizeof(TPMT_HA) */

/* spec: Part 2 §10.6.2 TPMS_PCR_SELECTION, §10.6.3 TPML_PCR_SELECTION */
typedef struct uat_tpm_pcr_select {
    uint16_t hash;    /* TPM_ALG_ID of the bank */
    uint32_t mask;    /* bit i = PCR i selected (sizeofSelect <= 3: PCRs 0-23) */
} uat_tpm_pcr_select;

/* spec: Part 2 §10.12.8 TPMS_ATTEST and the TPMU_ATTEST members for quote and certify */
typedef struct uat_tpm_attest {
    uint32_t magic;
    uint16_t type;
    uint8_t qualified_signer[UAT_TPM_MAX_NAME];
    size_t qualified_signer_len;
    uint8_t extra_data[UAT_TPM_MAX_DATA];
    size_t extra_data_len;
    uint64_t clock;
    uint32_t reset_count;
    uint32_t restart_count;
    uint8_t safe;
    uint64_t firmware_version;
    /* quote */
    size_t nsel;
    uat_tpm_pcr_select sel[UAT_TPM_MAX_BANKS];
    uint8_t pcr_digest[UAT_HASH_MAX];
    size_t pcr_digest_len;
    /* certify */
    uint8_t name[UAT_TPM_MAX_NAME];
    size_t name_len;
    uint8_t qualified_name[UAT_TPM_MAX_NAME];
    size_t qualified_name_len;
} uat_tpm_attest;

/* spec: Part 2 §12.2.4 TPMT_PUBLIC (RSA and ECC keys; other types are PARSE_BAD_VALUE) */
typedef struct uat_tpm_public {
    uint16_t type;       /* UAT_TPM_ALG_RSA or UAT_TPM_ALG_ECC */
    uint16_t name_alg;
    uint32_t attributes; /* TPMA_OBJECT */
    uint8_t auth_policy[UAT_HASH_MAX];
    size_t auth_policy_len;
    uint16_t sym_alg;    /* symmetric.algorithm (UAT_TPM_ALG_NULL for signing keys) */
    uint16_t sym_bits, sym_mode;
    uint16_t scheme;     /* parameters.scheme.scheme */
    uint16_t scheme_hash;
    uint16_t scheme_count; /* ECDAA: the commit counter */
    uint16_t rsa_bits;   /* RSA */
    uint32_t rsa_exponent; /* 0 means 65537 */
    uint8_t rsa_modulus[512];
    size_t rsa_modulus_len;
    uint16_t curve;      /* ECC */
    uint16_t kdf, kdf_hash;
    uint8_t ecc_x[66], ecc_y[66];
    size_t ecc_x_len, ecc_y_len;
    uat_span raw;        /* the exact TPMT_PUBLIC bytes (the Name is computed over them) */
} uat_tpm_public;

/* spec: Part 2 §11.3.4 TPMT_SIGNATURE (RSASSA, RSAPSS, ECDSA) */
typedef struct uat_tpm_signature {
    uint16_t sig_alg;
    uint16_t hash;
    uint8_t rsa[512];
    size_t rsa_len;
    uint8_t ecc_r[66], ecc_s[66];
    size_t ecc_r_len, ecc_s_len;
} uat_tpm_signature;

/* The decoded evidence map (spans borrow the input). */
typedef struct uat_tpm_evidence {
    uat_span attest, signature, ak_pub;
    size_t nchain;
    uat_span chain[4];
    /* pcrs: values[b][i] for bank alg[b]; present[b] bit i = PCR i given */
    size_t nbanks;
    uint16_t bank_alg[UAT_TPM_MAX_BANKS];
    uint32_t present[UAT_TPM_MAX_BANKS];
    uat_span pcr[UAT_TPM_MAX_BANKS][UAT_TPM_NUM_PCRS];
    uat_span event_log, ima_log, certified_pub, ek_cert, ek_pub; /* len 0 = absent */
    /* the Trustee JSON form only (trustee.c): the AK as a DER SubjectPublicKeyInfo instead of
     * ak_pub, and the report data the attester says it quoted */
    uat_span ak_spki, report_data;
} uat_tpm_evidence;

/* marshal.c: the TPM structures (big-endian, TPM2B = 16-bit size + bytes) */
UAT_MUST_USE uat_err uat_tpm_parse_attest(uat_span in, uat_tpm_attest *out);
UAT_MUST_USE uat_err uat_tpm_parse_public(uat_span in, uat_tpm_public *out);
UAT_MUST_USE uat_err uat_tpm_parse_signature(uat_span in, uat_tpm_signature *out);
/* TPM_ALG_ID of a hash → crypto layer hash; 0 on success, PARSE_BAD_VALUE / UNSUPPORTED_ALGORITHM. */
UAT_MUST_USE uat_err uat_tpm_hash_alg(uint16_t alg, enum uat_hash_alg *out);
/* The same, recording the caller's check, field and input offset on failure. */
UAT_MUST_USE uat_err uat_tpm_hash_alg_at(uint16_t alg, const char *check, const char *field,
                                         int64_t offset, enum uat_hash_alg *out);
/* spec: Part 1 §16: Name = nameAlg (2 bytes, big-endian) ‖ H_nameAlg(TPMT_PUBLIC) */
UAT_MUST_USE uat_err uat_tpm_name(const uat_tpm_public *pub, uint8_t *name, size_t *name_len);
/* The public key of a TPMT_PUBLIC as a crypto-layer key (free with uat_key_free). */
UAT_MUST_USE uat_err uat_tpm_public_key(const uat_tpm_public *pub, uat_key **out);

/* evidence.c: the CBOR evidence map */
UAT_MUST_USE uat_err uat_tpm_evidence_decode(uat_span in, uat_tpm_evidence *out);
UAT_MUST_USE uat_err uat_tpm_evidence_encode(const uat_tpm_evidence *ev, uat_buf *out);
int uat_tpm_sniff(uat_span ev);
/* trustee.c: the JSON evidence of the CoCo TPM attester (Trustee's "tpm" primary_evidence) into
 * ev; the decoded bytes are in *store (set only on success; uat_buf_free it after ev). */
int uat_tpm_trustee_sniff(uat_span in);
UAT_MUST_USE uat_err uat_tpm_trustee_decode(uat_span in, uat_tpm_evidence *out, uat_buf *store);
/* Either input format: the Trustee JSON when it sniffs so, else the CBOR map. *store is always
 * initialised and must be freed (uat_buf_free) after ev. */
UAT_MUST_USE uat_err uat_tpm_evidence_read(uat_span in, uat_tpm_evidence *out, uat_buf *store);
/* The "pcrs" member's value ({+ uint => {+ uint => bstr}}) into ev's banks, with the evidence
 * map's rules; for evidence formats that carry a quote's PCRs the same way (src/tee/azsnpvtpm). */
UAT_MUST_USE uat_err uat_tpm_pcrs_decode(uat_reader *r, uat_tpm_evidence *ev);

/* verify.c: the quote checks, for verifiers that get the AK another way (src/tee/azsnpvtpm) */
/* The signature over the exact attest bytes with key and the signature's hash
 * (VERIFY_SIGNATURE). */
UAT_MUST_USE uat_err uat_tpm_check_signature(const uat_tpm_signature *s, enum uat_hash_alg hash,
                                             uat_span attest, const uat_key *key);
/* A quote's pcrDigest recomputed with hash from ev's PCR values of a's selection; ev->attest
 * gives the offset in errors. Every selected PCR must be given and no other
 * (VERIFY_MEASUREMENT). */
UAT_MUST_USE uat_err uat_tpm_check_pcr_digest(const uat_tpm_evidence *ev, const uat_tpm_attest *a,
                                              enum uat_hash_alg hash);
/* tee_claims of a verified statement: qualified_signer, extra_data, clock, reset_count,
 * restart_count, safe, firmware_version and, for a quote, pcrs and pcr00..pcr23. */
UAT_MUST_USE uat_err uat_tpm_attest_claims(const uat_tpm_evidence *ev, const uat_tpm_attest *a,
                                           json_t *tee);

/* aktrust.c: trust in the AK (docs/tpm.md): a certificate chain to a CA of <trust>/tpm/, a PEM
 * public key there, or the AK Name (hex) pinned as a `signer` reference value. *how is
 * "certificate", "pinned-key" or "reference-values"; *valid_until is lowered to the earliest
 * notAfter of the AK chain. VERIFY_UNTRUSTED_KEY when nothing vouches for the AK. */
UAT_MUST_USE uat_err uat_tpm_ak_trust(const uat_verify_ctx *ctx, const uat_tpm_evidence *ev,
                                      const uat_key *ak, const char *name_hex, const char **how,
                                      uat_time *valid_until);
/* Frees the trust folder cached in a verifier's slot. */
void uat_tpm_cache_free(void *cache);
/* The AK's key for the TPMT_PUBLIC bytes ak_pub (parsed as pub): the one this verifier imported
 * last when the bytes are the same, else imported now. *owned: the caller frees it. */
UAT_MUST_USE uat_err uat_tpm_ak_key(const uat_verify_ctx *ctx, uat_span ak_pub,
                                    const uat_tpm_public *pub, uat_key **out, int *owned);

/* describe.c: names and JSON under the TCG names */
/* "sha256", "rsassa", "ecc", ... for a TPM_ALG_ID; NULL when unknown. */
const char *uat_tpm_alg_name(uint16_t alg);
/* "nist_p256", ...; NULL when unknown. */
const char *uat_tpm_curve_name(uint16_t curve);
/* objectAttributes as named booleans (fixedTPM, stClear, ...) */
UAT_MUST_USE uat_err uat_tpm_attributes_json(uint32_t attributes, json_t *out);
UAT_MUST_USE uat_err uat_tpm_describe_attest(const uat_tpm_attest *a, json_t *out);
UAT_MUST_USE uat_err uat_tpm_describe_public(const uat_tpm_public *p, json_t *out);
UAT_MUST_USE uat_err uat_tpm_describe_signature(const uat_tpm_signature *s, json_t *out);
/* The ops table's inspect: every field under its TCG name, and the raw parts in hex. */
UAT_MUST_USE uat_err uat_tpm_inspect(uat_span ev, json_t *fields);

/* Event logs: src/evidence/tcglog.h (TCG PC Client log and IMA list, replayed in verify.c). */

/* credential.c: spec Part 1 §24: MakeCredential (verifier side, crypto layer only). */

extern const uat_tee_ops uat_tee_tpm;

/* attest.c / credential.c (attester and enrolment engineer) ----------------------------------- */
/* The ops table (verify.c) takes: .options = uat_tpm_attest_options, .collect = uat_tpm_collect,
 * .enrol_challenge = uat_tpm_enrol_challenge, .enrol_respond = uat_tpm_enrol_respond. */
/* Attester options (docs/tpm.md "Attester and enrolment"): tcti, ak-handle, ak-alg, pcrs,
 * event-log, ima-log, ek-nv. NULL-terminated, for the ops table's .options. */
extern const char *const uat_tpm_attest_options[];
/* kx.c: the bound-key operations of the channel's bare mode (registry.h kx_*): TPM2_Create of an
 * ECDH P-256 key, TPM2_Certify and TPM2_Quote by the AK, TPM2_ECDH_ZGen (kx.c has the details). */
UAT_MUST_USE uat_err uat_tpm_kx_create(const uat_attest_ctx *ctx, int use, void **key,
                                       uint8_t pub[65]);
/* The signing key (use UAT_KX_SIGN) as an OpenSSL key through the tpm2-openssl provider. */
struct uat_key;
UAT_MUST_USE uat_err uat_tpm_kx_signing_key(const uat_attest_ctx *ctx, void *key,
                                           struct uat_key **out);
UAT_MUST_USE uat_err uat_tpm_kx_prove(const uat_attest_ctx *ctx, void *key,
                                      const uint8_t *report_data, uat_buf *evidence,
                                      uat_buf *proof);
UAT_MUST_USE uat_err uat_tpm_kx_agree(void *key, const uint8_t peer[65], uint8_t z[32]);
void uat_tpm_kx_free(void *key);
/* ops->collect: quote over the selected PCRs with qualifyingData = the binding (tpm2-tss ESAPI). */
UAT_MUST_USE uat_err uat_tpm_collect(const uat_attest_ctx *ctx, const uint8_t *report_data,
                                     uat_buf *out);
/* ops->enrol_challenge: MakeCredential against the EK of ev (certificate chained to
 * <trust>/tpm/) for the AK of ev, in software. ops->enrol_respond: ActivateCredential. */
UAT_MUST_USE uat_err uat_tpm_enrol_challenge(uat_span ev, const uat_verify_ctx *ctx,
                                             uat_buf *challenge, uat_buf *secret);
UAT_MUST_USE uat_err uat_tpm_enrol_respond(const uat_attest_ctx *ctx, uat_span challenge,
                                           uat_buf *secret);
/* spec: Part 1 §24 / Part 3 §12.6 TPM2_MakeCredential, in software. ek: the EK public key (RSA:
 * seed encrypted with OAEP(nameAlg, "IDENTITY\0"); EC: ECDH + KDFe). name_alg / sym_bits: the EK's
 * nameAlg and AES key size. Appends the TPM2B_ID_OBJECT and TPM2B_ENCRYPTED_SECRET contents
 * (without their size fields). */
UAT_MUST_USE uat_err uat_tpm_make_credential(const uat_key *ek, uint16_t name_alg,
                                             uint16_t sym_bits, uat_span credential,
                                             uat_span ak_name, uat_buf *id_object,
                                             uat_buf *enc_secret);

#endif
