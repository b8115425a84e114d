/* HaiGuang (Hygon) CSV: the attestation report, the Hygon certificate formats, the trustee JSON
 * evidence, verification to the Hygon Root Key (HRK) and the /dev/csv-guest attester.
 *
 * Sources (no public Hygon specification exists; these agree with each other byte for byte):
 *   [csv-rs]   Hygon csv-rs (github.com/wojiaohanliyang/csv-rs, also openanolis/csv-rs):
 *              src/api/guest/types.rs (TeeInfoV1/V2, TeeInfoSigner, AttestationReportWrapper,
 *              GuestPolicy), src/certs/ca/cert/mod.rs (HRK/HSK), src/certs/csv/cert/mod.rs
 *              (CEK/PEK), src/certs/mod.rs (Usage, Algorithm), src/crypto/mod.rs (signatures);
 *   [librats]  inclavare-containers/librats include/librats/csv.h (csv_attestation_report,
 *              CSV_ATTESTATION_REPORT_SIGN_DATA_SIZE = offsetof(sig_usage));
 *   [rats-tls] inclavare-containers/rats-tls src/verifiers/csv/hygoncert.c (verify_hsk_cert,
 *              verify_cek_cert, verify_pek_cert: key usages, signature slots, signed lengths);
 *   [trustee]  confidential-containers/trustee deps/verifier/src/csv/mod.rs (evidence JSON,
 *              HSK/CEK lookup, claims);
 *   [kernel]   Hygon Linux drivers/virt/coco/csv-guest/csv-guest.h (CSV_CMD_GET_REPORT).
 *
 * Layouts (all integers little-endian; SM2 coordinates and signature halves little-endian in
 * 72-byte fields of which the first 32 bytes are used):
 *
 * HRK/HSK "ca" certificate, 832 bytes [csv-rs ca::Certificate]:
 *     0   4 ver (1)            4  16 kid         20  16 sid       36   4 usage (HRK 0, HSK 0x13)
 *    40  24 reserved          64   4 g (curve 3 = SM2-256)        68  72 x     140  72 y
 *   212   2 uid_size         214 254 user_id    468 108 reserved
 *   576  72 sig r            648  72 sig s      720 112 reserved (unsigned)
 *   signed: [0, 576) by the issuer (HRK: itself; HSK: the HRK), issuer's user_id as SM2 ID.
 *
 * CEK/PEK "csv" certificate, 2084 bytes [csv-rs csv::Certificate; librats csv_cert_t]:
 *     0   4 ver (1)            4   1 api_major    5   1 api_minor    6   2 reserved
 *     8   4 pubkey usage      12   4 pubkey algo (4 SM2 signing, 5 SM2 key agreement)
 *    16   4 g                 20  72 x           92  72 y          164   2 uid_size
 *   166 254 user_id          420  16 sid        436 608 reserved
 *  1044 520 sig1, 1564 520 sig2: usage 4, algo 4, r 72, s 72, reserved 368 (unsigned)
 *   signed: [0, 1044) by the issuer, issuer's user_id as SM2 ID.
 *
 * Attestation report, padded to 4096 bytes [csv-rs AttestationReportV1/V2; librats]:
 *   v1 (legacy) tee_info, 0x150 bytes:
 *     0  32 user_pubkey_digest   32 16 vm_id    48 16 vm_version   64 64 report_data
 *   128  16 mnonce              144 32 measure 176  4 policy      180  4 sig_usage
 *   184   4 sig_algo            188  4 anonce  192 72 sig r       264 72 sig s
 *   every field before anonce is stored XORed with anonce (little-endian, repeating);
 *   signed by the PEK: [0, 0xB4), i.e. through policy, as stored (anonymised).
 *   v2 (extended, flags 1) tee_info, 0x490 bytes: the same first 0xBC bytes unanonymised, then
 *   188 build u32, 192 rtmr_version u16, 194 reserved0[14], 208 rtmr0..4 (5 x 32),
 *   368 reserved1[656], 1024 sig r, 1096 sig s; signed: [0, 0x400).
 *   signer, after tee_info: pek_cert 2084, sn 64, reserved 32, mac 32 (HMAC-SM3 keyed with the
 *   mnonce over pek_cert..reserved, as the firmware returns them: pek_cert and sn XORed with
 *   anonce). The rest of the page is zero.
 */
#ifndef UAT_TEE_CSV_H
#define UAT_TEE_CSV_H

#include "crypto/crypto.h"
#include "evidence/registry.h"

#define UAT_CSV_MEDIA_TYPE "application/vnd.hygon.csv.evidence+json"

#define UAT_CSV_CA_CERT_SIZE 832u
#define UAT_CSV_CA_SIGNED_SIZE 576u
#define UAT_CSV_CERT_SIZE 2084u
#define UAT_CSV_CERT_SIGNED_SIZE 1044u
#define UAT_CSV_SIG_SLOT_SIZE 520u
#define UAT_CSV_HSK_CEK_SIZE (UAT_CSV_CA_CERT_SIZE + UAT_CSV_CERT_SIZE)
#define UAT_CSV_ECC_FIELD 72u  /* a coordinate or signature half as stored */
#define UAT_CSV_ECC_LEN 32u    /* of which the SM2-256 value uses the first 32 bytes */
#define UAT_CSV_UID_FIELD 254u /* user_id bytes after uid_size */

#define UAT_CSV_REPORT_PAGE 4096u
#define UAT_CSV_TEE_INFO_V1_SIZE 0x150u
#define UAT_CSV_TEE_INFO_V2_SIZE 0x490u
#define UAT_CSV_SIGNED_V1 0xb4u  /* [librats] CSV_ATTESTATION_REPORT_SIGN_DATA_SIZE = 180 */
#define UAT_CSV_SIGNED_V2 0x400u /* [csv-rs] TeeInfoV2 Encoder: through reserved1 */
#define UAT_CSV_SN_SIZE 64u
#define UAT_CSV_SIGNER_SIZE (UAT_CSV_CERT_SIZE + UAT_CSV_SN_SIZE + 32u + 32u)
#define UAT_CSV_RTMR_COUNT 5u
#define UAT_CSV_RTMR_SIZE 32u
#define UAT_CSV_EXT_MAGIC "ATTESTATION_EXT" /* and a NUL: 16 bytes [csv-rs ATTESTATION_EXT_MAGIC] */
#define UAT_CSV_HSK_CEK_FILE "hsk_cek.cert"
#define UAT_CSV_HRK_FILE "hrk.cert"

/* [csv-rs] certs/mod.rs Usage; [librats] key_usage_t (0x1000 marks an empty signature slot) */
#define UAT_CSV_USAGE_HRK 0x0000u
#define UAT_CSV_USAGE_HSK 0x0013u
#define UAT_CSV_USAGE_INVALID 0x1000u
#define UAT_CSV_USAGE_OCA 0x1001u
#define UAT_CSV_USAGE_PEK 0x1002u
#define UAT_CSV_USAGE_PDH 0x1003u
#define UAT_CSV_USAGE_CEK 0x1004u
/* [csv-rs] Algorithm; Group */
#define UAT_CSV_ALGO_SM2_SA 4u
#define UAT_CSV_ALGO_SM2_DH 5u
#define UAT_CSV_CURVE_P256 1u
#define UAT_CSV_CURVE_P384 2u
#define UAT_CSV_CURVE_SM2_256 3u

_Static_assert(4 + 16 + 16 + 4 + 24 + 4 + 72 + 72 + 2 + 254 + 108 == UAT_CSV_CA_SIGNED_SIZE,
               "ca body");
_Static_assert(UAT_CSV_CA_SIGNED_SIZE + 72 + 72 + 112 == UAT_CSV_CA_CERT_SIZE, "ca cert");
_Static_assert(4 + 1 + 1 + 2 + 4 + 4 + 4 + 72 + 72 + 2 + 254 + 16 + 608 == UAT_CSV_CERT_SIGNED_SIZE,
               "csv body");
_Static_assert(4 + 4 + 72 + 72 + 368 == UAT_CSV_SIG_SLOT_SIZE, "csv signature slot");
_Static_assert(UAT_CSV_CERT_SIGNED_SIZE + 2 * UAT_CSV_SIG_SLOT_SIZE == UAT_CSV_CERT_SIZE,
               "csv cert");
_Static_assert(32 + 16 + 16 + 64 + 16 + 32 + 4 == UAT_CSV_SIGNED_V1, "v1 signed part");
_Static_assert(UAT_CSV_SIGNED_V1 + 4 + 4 + 4 + 72 + 72 == UAT_CSV_TEE_INFO_V1_SIZE, "v1 tee_info");
_Static_assert(UAT_CSV_SIGNED_V1 + 4 + 4 + 4 + 2 + 14 + 5 * 32 + 656 == UAT_CSV_SIGNED_V2,
               "v2 signed part");
_Static_assert(UAT_CSV_SIGNED_V2 + 72 + 72 == UAT_CSV_TEE_INFO_V2_SIZE, "v2 tee_info");
_Static_assert(UAT_CSV_TEE_INFO_V2_SIZE + UAT_CSV_SIGNER_SIZE <= UAT_CSV_REPORT_PAGE, "page");

/* An SM2-256 public key and signature, converted to big-endian. */
typedef struct uat_csv_point {
    uint8_t x[UAT_CSV_ECC_LEN];
    uint8_t y[UAT_CSV_ECC_LEN];
} uat_csv_point;

typedef struct uat_csv_sig {
    uint8_t r[UAT_CSV_ECC_LEN];
    uint8_t s[UAT_CSV_ECC_LEN];
} uat_csv_sig;

/* HRK or HSK [csv-rs ca::Certificate] */
typedef struct uat_csv_ca_cert {
    uint32_t ver;
    uint8_t kid[16];
    uint8_t sid[16];
    uint32_t usage;
    uint32_t curve;
    uat_csv_point key;
    uint16_t uid_size;
    uint8_t user_id[UAT_CSV_UID_FIELD];
    uat_csv_sig sig;
    uat_span body; /* [0, 576) of the input */
} uat_csv_ca_cert;

/* One signature slot of a CEK or PEK; empty when usage is UAT_CSV_USAGE_INVALID. */
typedef struct uat_csv_sig_slot {
    uint32_t usage;
    uint32_t algo;
    uat_csv_sig sig;
} uat_csv_sig_slot;

/* CEK, PEK (also OCA, PDH) [csv-rs csv::Certificate] */
typedef struct uat_csv_cert {
    uint32_t ver;
    uint8_t api_major, api_minor;
    uint32_t usage; /* pubkey usage */
    uint32_t algo;  /* pubkey algo */
    uint32_t curve;
    uat_csv_point key;
    uint16_t uid_size;
    uint8_t user_id[UAT_CSV_UID_FIELD];
    uint8_t sid[16];
    uat_csv_sig_slot sigs[2];
    uat_span body; /* [0, 1044) of the input */
} uat_csv_cert;

/* The attestation report, with the v1 fields de-anonymised (XORed back with anonce). */
typedef struct uat_csv_report {
    int version; /* 1 legacy, 2 extended */
    uint8_t user_pubkey_digest[32];
    uint8_t vm_id[16];
    uint8_t vm_version[16];
    uint8_t report_data[64];
    uint8_t mnonce[16];
    uint8_t measure[32];
    uint32_t policy;
    uint32_t sig_usage;
    uint32_t sig_algo;
    uint32_t anonce;       /* v1; 0 in v2 */
    uint32_t build;        /* v2 */
    uint16_t rtmr_version; /* v2 */
    uint8_t reserved0[14]; /* v2 */
    uint8_t rtmr[UAT_CSV_RTMR_COUNT][UAT_CSV_RTMR_SIZE]; /* v2 */
    uat_span reserved1;    /* v2: 656 bytes */
    uat_csv_sig sig;
    uat_span signed_part;  /* what the PEK signed, as stored */
    uat_span pek_cert;     /* signer.pek_cert as stored (restored, or XORed with anonce) */
    uat_span sn;           /* signer.sn as stored */
    uat_span signer_reserved;
    uat_span mac;
} uat_csv_report;

/* The trustee evidence JSON ([trustee] CsvEvidence), decoded to the binary formats. */
typedef struct uat_csv_evidence {
    uint8_t magic[16];
    uint32_t flags;
    int version;                             /* 1 or 2, from magic and flags */
    uint8_t data[UAT_CSV_REPORT_PAGE];       /* attestation_report.data */
    uint8_t pek[UAT_CSV_CERT_SIZE];          /* cert_chain.pek */
    int has_hsk_cek;
    uint8_t hsk_cek[UAT_CSV_HSK_CEK_SIZE];   /* cert_chain.hsk_cek: HSK || CEK */
    uint8_t serial[UAT_CSV_SN_SIZE];         /* serial_number, zero-padded */
    size_t serial_len;
    char chip_id[UAT_CSV_SN_SIZE + 1];       /* serial_number up to its first NUL */
} uat_csv_evidence;

/* cert.c: pure */
UAT_MUST_USE uat_err uat_csv_ca_cert_parse(uat_span in, uat_csv_ca_cert *out);
UAT_MUST_USE uat_err uat_csv_cert_parse(uat_span in, uat_csv_cert *out);
/* hsk_cek.cert as the Hygon KDS serves it: HSK (832) || CEK (2084). */
UAT_MUST_USE uat_err uat_csv_hsk_cek_parse(uat_span in, uat_csv_ca_cert *hsk, uat_csv_cert *cek);
/* The slot whose usage is issuer_usage: exactly one, with algorithm SM2 signing. */
UAT_MUST_USE uat_err uat_csv_cert_slot(const uat_csv_cert *c, uint32_t issuer_usage,
                                       const char *what, const uat_csv_sig_slot **out);
const char *uat_csv_usage_name(uint32_t usage); /* "HRK", "HSK", "CEK", "PEK", ... or "?" */
UAT_MUST_USE uat_err uat_csv_ca_cert_describe(const uat_csv_ca_cert *c, json_t *o);
UAT_MUST_USE uat_err uat_csv_cert_describe(const uat_csv_cert *c, json_t *o);

/* report.c: pure. data is the 4096-byte attestation_report.data, version 1 or 2. */
UAT_MUST_USE uat_err uat_csv_report_parse(uat_span data, int version, uat_csv_report *out);
/* The report's fields under [trustee]'s claim names (policy decoded into its bits). */
UAT_MUST_USE uat_err uat_csv_report_describe(const uat_csv_report *r, json_t *o);
/* The XOR with anonce (little-endian, repeating) v1 applies to its fields and signer. */
void uat_csv_xor_anonce(uint8_t *p, size_t n, uint32_t anonce);

/* evidence.c: pure (JSON text to the binary formats and back) */
UAT_MUST_USE uat_err uat_csv_evidence_parse(uat_span json, uat_csv_evidence *out);
int uat_csv_sniff(uat_span in);
UAT_MUST_USE uat_err uat_csv_inspect(uat_span in, json_t *fields);
/* A binary certificate as the JSON object serde gives it in [trustee] evidence (and back). */
UAT_MUST_USE uat_err uat_csv_cert_to_json(uat_span cert, json_t **out);
UAT_MUST_USE uat_err uat_csv_ca_cert_to_json(uat_span cert, json_t **out);
UAT_MUST_USE uat_err uat_csv_cert_from_json(const json_t *j, uint8_t out[UAT_CSV_CERT_SIZE]);
UAT_MUST_USE uat_err uat_csv_ca_cert_from_json(const json_t *j,
                                               uint8_t out[UAT_CSV_CA_CERT_SIZE]);
/* Evidence JSON text: report page (v1 when magic is all zero), PEK, optional HSK || CEK, serial. */
typedef struct uat_csv_evidence_in {
    const uint8_t *magic; /* 16 bytes */
    uint32_t flags;
    uat_span data;        /* 4096 bytes */
    uat_span pek;         /* 2084 bytes */
    uat_span hsk_cek;     /* empty or 2916 bytes */
    uat_span serial;      /* at most 64 bytes */
} uat_csv_evidence_in;
UAT_MUST_USE uat_err uat_csv_evidence_write(const uat_csv_evidence_in *in, uat_buf *out);

/* import.c: pure. Evidence from a foreign ecosystem's message (registry.h evidence_import):
 * "jinzhao/HygonCsvReport". */
UAT_MUST_USE uat_err uat_csv_evidence_import(const char *format, const json_t *msg, uat_buf *out);

/* verify.c */
/* The HRK's self-signature and its usage; the trust anchor's own consistency. */
UAT_MUST_USE uat_err uat_csv_verify_hrk(const uat_csv_ca_cert *hrk);
/* HRK -> HSK -> CEK -> PEK, each with the issuer's key, key usage and SM2 user ID. */
UAT_MUST_USE uat_err uat_csv_verify_chain(const uat_csv_ca_cert *hrk, const uat_csv_ca_cert *hsk,
                                          const uat_csv_cert *cek, const uat_csv_cert *pek);
/* The report's signature with the PEK's key and user ID. */
UAT_MUST_USE uat_err uat_csv_verify_report(const uat_csv_report *r, const uat_csv_cert *pek);
UAT_MUST_USE uat_err uat_csv_verify(uat_span in, const uat_verify_ctx *ctx, uat_claims *claims,
                                    uat_verify_out *out);

/* attest.c: the report through /dev/csv-guest. The transport performs CSV_CMD_GET_REPORT on the
 * device at path: buf (len bytes, a page) holds the request on entry and the report on return. */
typedef struct uat_csv_transport {
    uat_err (*get_report)(void *user, const char *path, uint8_t *buf, size_t len);
    void *user;
} uat_csv_transport;
extern const uat_csv_transport uat_csv_ioctl_transport;
UAT_MUST_USE uat_err uat_csv_collect_via(const uat_csv_transport *t, const uat_attest_ctx *ctx,
                                         const uint8_t *report_data, uat_buf *out);
UAT_MUST_USE uat_err uat_csv_collect(const uat_attest_ctx *ctx, const uint8_t *report_data,
                                     uat_buf *out);

extern const uat_tee_ops uat_tee_csv;

#endif
