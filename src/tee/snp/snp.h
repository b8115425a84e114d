/* AMD SEV-SNP attestation reports: parsing, the extended-report certificate table, VCEK/VLEK
 * certificate extensions, verification to the AMD roots, and the configfs-tsm attester.
 *
 * spec: AMD SEV Secure Nested Paging Firmware ABI Specification (56860) rev 1.58,
 *       table "ATTESTATION_REPORT Structure" (report versions 2, 3 and 5), §2.2 "TCB Version",
 *       appendix "ECDSA P-384 with SHA-384" signature format;
 *       AMD Versioned Chip Endorsement Key (VCEK) Certificate and KDS Interface Specification
 *       (57230) rev 0.60 §3 (VCEK/VLEK extensions), §2 (certificate chains);
 *       AMD SEV-ES Guest-Hypervisor Communication Block Standardization (56421) rev 2.03
 *       §4.1.8.1 "SNP Extended Guest Request" (the certificate table).
 *
 * Evidence (media type application/vnd.amd.sev.snp.report, docs/snp.md): the 1184-byte report,
 * optionally followed by a certificate table as the host returns it with an extended report
 * (configfs-tsm auxblob); the verifier takes the VCEK or VLEK from that table or from the
 * collateral directory.
 */
#ifndef UAT_TEE_SNP_H
#define UAT_TEE_SNP_H

#include "crypto/crypto.h"
#include "evidence/registry.h"

#define UAT_SNP_MEDIA_TYPE "application/vnd.amd.sev.snp.report"
#define UAT_SNP_REPORT_SIZE 1184u
#define UAT_SNP_SIGNED_SIZE 0x2a0u /* the signature covers bytes [0, 0x2A0) */
#define UAT_SNP_SIG_ALGO_ECDSA_P384_SHA384 1u
#define UAT_SNP_POLICY_DEBUG (1ull << 19)
#define UAT_SNP_POLICY_RESERVED_ONE (1ull << 17)
#define UAT_SNP_KEY_VCEK 0u
#define UAT_SNP_KEY_VLEK 1u
#define UAT_SNP_KEY_NONE 7u
#define UAT_SNP_CERT_ENTRY_SIZE 24u
#define UAT_SNP_MAX_CERT_ENTRIES 16u

/* spec: 56860 ATTESTATION_REPORT: offsets 0x000-0x1F8, the version-dependent tail, the signature */
_Static_assert(4 + 4 + 8 + 16 + 16 + 4 + 4 + 8 + 8 + 4 + 4 + 64 + 48 + 32 + 48 + 48 + 32 + 32 + 8 +
                       24 + 64 + 8 + 4 + 4 + 8 ==
                   0x1f8,
               "SNP report fields up to LAUNCH_TCB");
_Static_assert(0x1f8 + 8 + 8 + 152 == UAT_SNP_SIGNED_SIZE, "SNP v5 mitigation vectors");
_Static_assert(UAT_SNP_SIGNED_SIZE + 72 + 72 + 368 == UAT_SNP_REPORT_SIZE, "SNP report size");

/* spec: 56860 ATTESTATION_REPORT (field names as in the specification, lower case) */
typedef struct uat_snp_report {
    uint32_t version;
    uint32_t guest_svn;
    uint64_t policy;
    uint8_t family_id[16];
    uint8_t image_id[16];
    uint32_t vmpl;
    uint32_t signature_algo;
    uint64_t current_tcb;
    uint64_t platform_info;
    uint32_t key_info; /* 0x48: AUTHOR_KEY_EN, MASK_CHIP_KEY, SIGNING_KEY */
    int author_key_en;
    int mask_chip_key;
    uint32_t signing_key; /* 0 VCEK, 1 VLEK, 7 none */
    uint8_t report_data[64];
    uint8_t measurement[48];
    uint8_t host_data[32];
    uint8_t id_key_digest[48];
    uint8_t author_key_digest[48];
    uint8_t report_id[32];
    uint8_t report_id_ma[32];
    uint64_t reported_tcb;
    uint8_t cpuid_fam_id; /* version 3 and later */
    uint8_t cpuid_mod_id;
    uint8_t cpuid_step;
    uint8_t chip_id[64];
    uint64_t committed_tcb;
    uint8_t current_build, current_minor, current_major;
    uint8_t committed_build, committed_minor, committed_major;
    uint64_t launch_tcb;
    uint64_t launch_mit_vector; /* version 5 and later */
    uint64_t current_mit_vector;
    uint8_t sig_r[48]; /* big-endian, converted from the 72-byte little-endian field */
    uint8_t sig_s[48];
} uat_snp_report;

/* spec: 56421 §4.1.8.1: certificate table entry: GUID, offset and length from the table start */
typedef struct uat_snp_cert_entry {
    uint8_t guid[16];
    uat_span data;
} uat_snp_cert_entry;

typedef struct uat_snp_cert_table {
    size_t n;
    uat_snp_cert_entry e[UAT_SNP_MAX_CERT_ENTRIES];
} uat_snp_cert_table;

extern const uint8_t uat_snp_guid_vcek[16];
extern const uint8_t uat_snp_guid_vlek[16];
extern const uint8_t uat_snp_guid_ask[16];
extern const uint8_t uat_snp_guid_ark[16];

/* report.c: pure parsing */
/* Exactly 1184 bytes: every reserved field zero, version 2, 3 or 5, ECDSA P-384. */
UAT_MUST_USE uat_err uat_snp_report_parse(uat_span in, uat_snp_report *out);
/* The table: entries checked one by one against the blob, all-zero terminator, unreferenced
 * bytes zero. An empty blob is an empty table. */
UAT_MUST_USE uat_err uat_snp_cert_table_parse(uat_span in, uat_snp_cert_table *out);
/* Evidence = report || optional certificate table. */
UAT_MUST_USE uat_err uat_snp_evidence_parse(uat_span in, uat_snp_report *report,
                                            uat_snp_cert_table *table);
/* The entry with this GUID, or NULL. */
const uat_snp_cert_entry *uat_snp_cert_table_find(const uat_snp_cert_table *t,
                                                  const uint8_t guid[16]);
/* Builds a certificate table (entries, terminator, data) into out. */
UAT_MUST_USE uat_err uat_snp_cert_table_build(const uat_snp_cert_entry *e, size_t n, uat_buf *out);
int uat_snp_sniff(uat_span in);

/* The processor generations KDS serves certificates for. */
enum uat_snp_product {
    UAT_SNP_PRODUCT_UNKNOWN = 0,
    UAT_SNP_PRODUCT_MILAN,
    UAT_SNP_PRODUCT_GENOA,
    UAT_SNP_PRODUCT_TURIN,
};
const char *uat_snp_product_name(enum uat_snp_product p);
/* From the report's CPUID fields (version 3 and later); UNKNOWN otherwise. */
enum uat_snp_product uat_snp_product_from_cpuid(const uat_snp_report *r);
/* From a productName extension ("Milan-B0", "Genoa", "Turin-B0"). */
enum uat_snp_product uat_snp_product_from_name(const char *name);

/* spec: 56860 §2.2 TCB_VERSION. Milan/Genoa: boot_loader byte 0, tee 1, reserved 2-5, snp 6,
 * microcode 7. Turin: fmc byte 0, boot_loader 1, tee 2, snp 3, reserved 4-6, microcode 7. */
typedef struct uat_snp_tcb {
    int turin;
    uint8_t fmc, boot_loader, tee, snp, microcode;
    uint8_t reserved[4]; /* bytes 2-5 (Milan/Genoa), 4-6 (Turin) */
} uat_snp_tcb;
void uat_snp_tcb_decode(uint64_t raw, enum uat_snp_product p, uat_snp_tcb *out);

/* describe.c: JSON under the specification's names */
UAT_MUST_USE uat_err uat_snp_describe(const uat_snp_report *r, enum uat_snp_product p, json_t *out);
UAT_MUST_USE uat_err uat_snp_inspect(uat_span in, json_t *fields);
/* A TCB_VERSION as {raw, [fmc,] boot_loader, tee, snp, microcode}. */
UAT_MUST_USE uat_err uat_snp_tcb_json(json_t *o, const char *name, uint64_t raw,
                                      enum uat_snp_product p);

/* spec: 57230 §3: the X.509 extensions of a VCEK or VLEK certificate */
#define UAT_SNP_OID_STRUCT_VERSION "1.3.6.1.4.1.3704.1.1"
#define UAT_SNP_OID_PRODUCT_NAME "1.3.6.1.4.1.3704.1.2"
#define UAT_SNP_OID_SPL_PREFIX                                                                     \
    "1.3.6.1.4.1.3704.1.3" /* .1 bl .2 tee .3 snp .4-.7 reserved .8 ucode .9 fmc */
#define UAT_SNP_OID_HWID "1.3.6.1.4.1.3704.1.4"
#define UAT_SNP_OID_CSP_ID "1.3.6.1.4.1.3704.1.5"

enum uat_snp_vek_kind {
    UAT_SNP_VCEK = 0, /* equal to the report's SIGNING_KEY values */
    UAT_SNP_VLEK = 1,
};

typedef struct uat_snp_vek_ext {
    enum uat_snp_vek_kind kind; /* from the subject commonName */
    uint8_t struct_version;
    char product_name[32];
    enum uat_snp_product product;
    size_t hwid_len; /* 64 (Milan, Genoa) or 8 (Turin); 0 for a VLEK */
    uint8_t hwid[64];
    char csp_id[128]; /* VLEK only */
    uint8_t spl[10]; /* by arc under 1.3.6.1.4.1.3704.1.3 */
    unsigned spl_seen;
    uint64_t tcb; /* the SPLs as TCB_VERSION in the product's layout */
} uat_snp_vek_ext;

/* certs.c: extension values (DER of each extnValue) to fields; pure */
UAT_MUST_USE uat_err uat_snp_ext_u8(uat_span der, const char *field, uint8_t *out);
UAT_MUST_USE uat_err uat_snp_ext_ia5(uat_span der, const char *field, char *out, size_t cap);
/* hwID: n raw bytes (the KDS encoding) or an OCTET STRING of n bytes. */
UAT_MUST_USE uat_err uat_snp_ext_hwid(uat_span der, size_t n, uint8_t *out);
/* After the SPLs, product and struct version are known: composes ext->tcb. */
UAT_MUST_USE uat_err uat_snp_vek_ext_finish(uat_snp_vek_ext *ext);
/* Reads every AMD extension of a parsed certificate (crypto layer for the DER lookup). */
UAT_MUST_USE uat_err uat_snp_vek_ext_read(const uat_cert *c, uat_snp_vek_ext *out);

/* The checks between a verified certificate and a signed report (VERIFY_TCB, VERIFY_CHAIN). */
UAT_MUST_USE uat_err uat_snp_check_kind(const uat_snp_vek_ext *e, const uat_snp_report *r);
UAT_MUST_USE uat_err uat_snp_check_product(const uat_snp_vek_ext *e, const uat_snp_report *r);
UAT_MUST_USE uat_err uat_snp_check_tcb(const uat_snp_vek_ext *e, const uat_snp_report *r);
UAT_MUST_USE uat_err uat_snp_check_hwid(const uat_snp_vek_ext *e, const uat_snp_report *r);
/* True when e can have signed r: same kind, product, TCB and chip (the checks above, quietly). */
int uat_snp_vek_matches(const uat_snp_vek_ext *e, const uat_snp_report *r);

/* attest.c: configfs-tsm, or /dev/sev-guest through a transport tests replace. The transport
 * performs one guest request ioctl (ext: SNP_GET_EXT_REPORT, else SNP_GET_REPORT) on the device at
 * path with io as the kernel's struct snp_guest_request_ioctl (linux/sev-guest.h) and returns 0
 * or the errno value; io->exitinfo2 is as the kernel left it. */
struct snp_guest_request_ioctl;
typedef struct uat_snp_transport {
    /* cmd: SNP_GET_REPORT, SNP_GET_EXT_REPORT or SNP_GET_DERIVED_KEY */
    int (*request)(void *user, const char *path, unsigned long cmd,
                   struct snp_guest_request_ioctl *io);
    void *user;
} uat_snp_transport;
extern const uat_snp_transport uat_snp_ioctl_transport;
UAT_MUST_USE uat_err uat_snp_collect_via(const uat_snp_transport *t, const uat_attest_ctx *ctx,
                                         const uint8_t *report_data, uat_buf *out);
UAT_MUST_USE uat_err uat_snp_collect(const uat_attest_ctx *ctx, const uint8_t *report_data,
                                     uat_buf *out);
/* The sealing key for label (registry.h seal_key): MSG_KEY_REQ through /dev/sev-guest
 * (SNP_GET_DERIVED_KEY) mixing the guest policy and the measurement into a VCEK-rooted key, then
 * HKDF-SHA-256 over the label. Option vmpl: the VMPL asked for (default 0). */
UAT_MUST_USE uat_err uat_snp_seal_key_via(const uat_snp_transport *t, const uat_attest_ctx *ctx,
                                          const char *label, uint8_t key[32]);
UAT_MUST_USE uat_err uat_snp_seal_key(const uat_attest_ctx *ctx, const char *label,
                                      uint8_t key[32]);

extern const uat_tee_ops uat_tee_snp;

#endif
