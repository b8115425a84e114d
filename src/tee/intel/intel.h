/* Intel SGX and TDX DCAP quotes: parsing, PCK extensions, collateral and TCB evaluation.
 *
 * spec: Intel SGX ECDSA Quote Library API (DCAP 1.21) Appendix A (quote v3);
 *       Intel TDX DCAP Quote Generation Library and Quote Verification Library (quote v4, v5);
 *       Intel SGX PCK Certificate and CRL Profile 1.5 (SGX extensions);
 *       Intel PCS API v4 (TCB Info v2/v3, Enclave Identity v2).
 */
#ifndef UAT_TEE_INTEL_H
#define UAT_TEE_INTEL_H

#include "crypto/crypto.h"
#include "evidence/registry.h"

#define UAT_INTEL_HEADER_SIZE 48u
#define UAT_SGX_REPORT_SIZE 384u
#define UAT_TD10_REPORT_SIZE 584u
#define UAT_TD15_REPORT_SIZE 648u
#define UAT_INTEL_TEE_SGX 0x00000000u
#define UAT_INTEL_TEE_TDX 0x00000081u
#define UAT_INTEL_ATT_KEY_ECDSA_P256 2u

_Static_assert(16 + 4 + 12 + 16 + 16 + 32 + 32 + 32 + 32 + 64 + 2 + 2 + 2 + 42 + 16 + 64 ==
                   UAT_SGX_REPORT_SIZE,
               "SGX report body");
_Static_assert(16 + 48 + 48 + 8 + 8 + 8 + 48 * 4 + 48 * 4 + 64 == UAT_TD10_REPORT_SIZE,
               "TD report body 1.0");

/* spec: DCAP Quote Library API Table 5: SGX report body */
typedef struct uat_sgx_report {
    uint8_t cpu_svn[16];
    uint32_t misc_select;
    uint8_t isv_ext_prod_id[16];
    uint8_t attributes[16];
    uint8_t mr_enclave[32];
    uint8_t mr_signer[32];
    uint8_t config_id[64];
    uint16_t isv_prod_id;
    uint16_t isv_svn;
    uint16_t config_svn;
    uint8_t isv_family_id[16];
    uint8_t report_data[64];
} uat_sgx_report;

/* spec: TDX DCAP QVL: TD report body 1.0 (584 bytes) and 1.5 (648 bytes) */
typedef struct uat_td_report {
    uint8_t tee_tcb_svn[16];
    uint8_t mr_seam[48];
    uint8_t mr_signer_seam[48];
    uint8_t seam_attributes[8];
    uint8_t td_attributes[8];
    uint8_t xfam[8];
    uint8_t mr_td[48];
    uint8_t mr_config_id[48];
    uint8_t mr_owner[48];
    uint8_t mr_owner_config[48];
    uint8_t rtmr[4][48];
    uint8_t report_data[64];
    int is_15;
    uint8_t tee_tcb_svn2[16];
    uint8_t mr_servicetd[48];
} uat_td_report;

typedef struct uat_intel_quote {
    /* header */
    uint16_t version;
    uint16_t att_key_type;
    uint32_t tee_type;
    uint16_t qe_svn;  /* v3 header; reserved in v4/v5 */
    uint16_t pce_svn; /* v3 header; reserved in v4/v5 */
    uint8_t qe_vendor_id[16];
    uint8_t user_data[20];
    uint16_t body_type; /* v5: 1 SGX, 2 TD 1.0, 3 TD 1.5; derived for v3/v4 */
    uat_sgx_report sgx;
    uat_td_report td;
    uat_span signed_part; /* header and body: what the attestation key signed */
    /* signature data */
    uint8_t signature[64];
    uint8_t att_key[64];
    uat_span qe_report_raw; /* 384 bytes, signed by the PCK key */
    uat_sgx_report qe_report;
    uint8_t qe_report_sig[64];
    uat_span qe_auth_data;
    uint16_t cert_type; /* innermost certification data type (5) */
    uat_span pck_chain_pem;
    size_t trailing_zeros;
} uat_intel_quote;

/* quote.c: pure; the 384-byte SGX report body is shared with EPID quotes (epid_parse.c) */
struct uat_reader;
UAT_MUST_USE uat_err uat_sgx_report_parse(struct uat_reader *r, uat_sgx_report *s);
UAT_MUST_USE uat_err uat_sgx_report_describe(const uat_sgx_report *s, json_t *o);
UAT_MUST_USE uat_err uat_intel_quote_parse(uat_span in, uat_intel_quote *q);
int uat_intel_sniff_sgx(uat_span in);
int uat_intel_sniff_tdx(uat_span in);
UAT_MUST_USE uat_err uat_intel_quote_describe(const uat_intel_quote *q, json_t *out);
UAT_MUST_USE uat_err uat_intel_inspect(uat_span in, json_t *fields);

/* spec: PCK Certificate and CRL Profile §1.3.5: SGX extensions */
typedef struct uat_pck_ext {
    uint8_t ppid[16];
    uint8_t tcb_comp[16];
    uint16_t pcesvn;
    uint8_t cpusvn[16];
    uint8_t pceid[2];
    uint8_t fmspc[6];
    uint32_t sgx_type; /* 0 Standard, 1 Scalable, 2 ScalableWithIntegrity */
    int has_platform;  /* Platform CA certificates only */
    uint8_t platform_instance_id[16];
    int dynamic_platform, cached_keys, smt_enabled;
} uat_pck_ext;

/* pckext.c: pure DER parsing of the extension value (OID 1.2.840.113741.1.13.1) */
#define UAT_SGX_EXT_OID "1.2.840.113741.1.13.1"
UAT_MUST_USE uat_err uat_pck_ext_parse(uat_span der, uat_pck_ext *out);

/* attest.c: TDX through configfs-tsm, or /dev/tdx_guest through a transport tests replace. The
 * transport performs TDX_CMD_GET_REPORT0 on the device at path with req as the kernel's struct
 * tdx_report_req (linux/tdx-guest.h) and returns 0 or the errno value. */
#define UAT_TDX_TDREPORT_SIZE 1024u
typedef struct uat_tdx_report_req {
    uint8_t reportdata[64];
    uint8_t tdreport[UAT_TDX_TDREPORT_SIZE];
} uat_tdx_report_req;
typedef struct uat_tdx_transport {
    int (*get_report0)(void *user, const char *path, uat_tdx_report_req *req);
    void *user;
} uat_tdx_transport;
extern const uat_tdx_transport uat_tdx_ioctl_transport;
/* The TD report (TDREPORT_STRUCT) for report_data from root/dev/tdx_guest, checked to be a TD
 * report carrying report_data. It is MAC'd for this platform: local use, or a QGS makes a quote. */
UAT_MUST_USE uat_err uat_tdx_tdreport_via(const uat_tdx_transport *t, const char *root,
                                          const uint8_t *report_data,
                                          uint8_t tdreport[UAT_TDX_TDREPORT_SIZE]);
UAT_MUST_USE uat_err uat_tdx_collect_via(const uat_tdx_transport *t, const uat_attest_ctx *ctx,
                                         const uint8_t *report_data, uat_buf *out);
UAT_MUST_USE uat_err uat_tdx_collect(const uat_attest_ctx *ctx, const uint8_t *report_data,
                                     uat_buf *out);
/* attest_sgx.c: Gramine's /dev/attestation, or Intel's DCAP quote library (dlopen) given the
 * enclave's REPORT */
#define UAT_SGX_APP_REPORT_SIZE 432u  /* sgx_report_t */
#define UAT_SGX_TARGET_INFO_SIZE 512u /* sgx_target_info_t */
UAT_MUST_USE uat_err uat_sgx_collect(const uat_attest_ctx *ctx, const uint8_t *report_data,
                                     uat_buf *out);

extern const uat_tee_ops uat_tee_sgx;
extern const uat_tee_ops uat_tee_tdx;

#endif
