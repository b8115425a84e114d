/* Intel DCAP quote v3/v4/v5 parsing (pure: bytes to struct, no crypto). */
#include <string.h>

#include "core/limits.h"
#include "core/reader.h"
#include "tee/intel/intel.h"

#define CHECK "intel.quote"

/* spec: DCAP Quote Library API Table 3: QE Vendor ID of the Intel QE */
static const uint8_t intel_qe_vendor[16] = {0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9,
                                            0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07};

/* spec: DCAP Quote Library API Table 5 (SGX report body, 384 bytes); the SDM (Vol. 3D, "Layout of
 * REPORT") says the reserved bytes at 20, 160 and 262 are zero; the 32 at 96 are only reserved. */
uat_err uat_sgx_report_parse(uat_reader *r, uat_sgx_report *s)
{
    uat_reader b;
    UAT_TRY(uat_rd_sub(r, UAT_SGX_REPORT_SIZE, UAT_SGX_REPORT_SIZE, "report_body", &b));
    UAT_TRY(uat_rd_copy(&b, s->cpu_svn, 16, "cpu_svn"));
    UAT_TRY(uat_rd_u32le(&b, "misc_select", &s->misc_select));
    UAT_TRY(uat_rd_zeros(&b, 12, "reserved1"));
    UAT_TRY(uat_rd_copy(&b, s->isv_ext_prod_id, 16, "isv_ext_prod_id"));
    UAT_TRY(uat_rd_copy(&b, s->attributes, 16, "attributes"));
    UAT_TRY(uat_rd_copy(&b, s->mr_enclave, 32, "mr_enclave"));
    UAT_TRY(uat_rd_skip(&b, 32, "reserved2"));
    UAT_TRY(uat_rd_copy(&b, s->mr_signer, 32, "mr_signer"));
    UAT_TRY(uat_rd_zeros(&b, 32, "reserved3"));
    UAT_TRY(uat_rd_copy(&b, s->config_id, 64, "config_id"));
    UAT_TRY(uat_rd_u16le(&b, "isv_prod_id", &s->isv_prod_id));
    UAT_TRY(uat_rd_u16le(&b, "isv_svn", &s->isv_svn));
    UAT_TRY(uat_rd_u16le(&b, "config_svn", &s->config_svn));
    UAT_TRY(uat_rd_zeros(&b, 42, "reserved4"));
    UAT_TRY(uat_rd_copy(&b, s->isv_family_id, 16, "isv_family_id"));
    UAT_TRY(uat_rd_copy(&b, s->report_data, 64, "report_data"));
    return uat_rd_end(&b);
}

/* spec: TDX DCAP QVL: TD report body 1.0 / 1.5 */
static uat_err parse_td_report(uat_reader *r, int is_15, uat_td_report *t)
{
    uat_reader b;
    size_t size = is_15 ? UAT_TD15_REPORT_SIZE : UAT_TD10_REPORT_SIZE;
    UAT_TRY(uat_rd_sub(r, size, size, "report_body", &b));
    UAT_TRY(uat_rd_copy(&b, t->tee_tcb_svn, 16, "tee_tcb_svn"));
    UAT_TRY(uat_rd_copy(&b, t->mr_seam, 48, "mr_seam"));
    UAT_TRY(uat_rd_copy(&b, t->mr_signer_seam, 48, "mr_signer_seam"));
    UAT_TRY(uat_rd_copy(&b, t->seam_attributes, 8, "seam_attributes"));
    UAT_TRY(uat_rd_copy(&b, t->td_attributes, 8, "td_attributes"));
    UAT_TRY(uat_rd_copy(&b, t->xfam, 8, "xfam"));
    UAT_TRY(uat_rd_copy(&b, t->mr_td, 48, "mr_td"));
    UAT_TRY(uat_rd_copy(&b, t->mr_config_id, 48, "mr_config_id"));
    UAT_TRY(uat_rd_copy(&b, t->mr_owner, 48, "mr_owner"));
    UAT_TRY(uat_rd_copy(&b, t->mr_owner_config, 48, "mr_owner_config"));
    for (size_t i = 0; i < 4; i++) {
        UAT_TRY(uat_rd_copy(&b, t->rtmr[i], 48, "rtmr"));
    }
    UAT_TRY(uat_rd_copy(&b, t->report_data, 64, "report_data"));
    t->is_15 = is_15;
    if (is_15) {
        UAT_TRY(uat_rd_copy(&b, t->tee_tcb_svn2, 16, "tee_tcb_svn2"));
        UAT_TRY(uat_rd_copy(&b, t->mr_servicetd, 48, "mr_servicetd"));
    }
    return uat_rd_end(&b);
}

static uat_err parse_header(uat_reader *r, uat_intel_quote *q)
{
    UAT_TRY(uat_rd_u16le(r, "version", &q->version));
    UAT_ENSURE(q->version >= 3 && q->version <= 5, UAT_ERR_PARSE_BAD_VERSION, CHECK, "version", 0);
    UAT_TRY(uat_rd_u16le(r, "att_key_type", &q->att_key_type));
    UAT_ENSURE(q->att_key_type == UAT_INTEL_ATT_KEY_ECDSA_P256, UAT_ERR_UNSUPPORTED_ALGORITHM, CHECK,
               "att_key_type", 2);
    UAT_TRY(uat_rd_u32le(r, "tee_type", &q->tee_type));
    UAT_ENSURE(q->tee_type == UAT_INTEL_TEE_SGX ||
                   (q->tee_type == UAT_INTEL_TEE_TDX && q->version >= 4),
               UAT_ERR_PARSE_BAD_VALUE, CHECK, "tee_type", 4);
    UAT_TRY(uat_rd_u16le(r, "qe_svn", &q->qe_svn));
    UAT_TRY(uat_rd_u16le(r, "pce_svn", &q->pce_svn));
    UAT_TRY(uat_rd_copy(r, q->qe_vendor_id, 16, "qe_vendor_id"));
    UAT_ENSURE(memcmp(q->qe_vendor_id, intel_qe_vendor, 16) == 0, UAT_ERR_UNSUPPORTED_TEE, CHECK,
               "qe_vendor_id", 12);
    return uat_rd_copy(r, q->user_data, 20, "user_data");
}

static uat_err parse_body(uat_reader *r, uat_intel_quote *q)
{
    if (q->version == 5) {
        uint32_t size;
        UAT_TRY(uat_rd_u16le(r, "body_type", &q->body_type));
        UAT_TRY(uat_rd_u32le(r, "body_size", &size));
        size_t expect = q->body_type == 1   ? UAT_SGX_REPORT_SIZE
                        : q->body_type == 2 ? UAT_TD10_REPORT_SIZE
                        : q->body_type == 3 ? UAT_TD15_REPORT_SIZE
                                            : 0;
        UAT_ENSURE(expect != 0, UAT_ERR_PARSE_BAD_VALUE, CHECK, "body_type", 48);
        UAT_ENSURE(size == expect, UAT_ERR_PARSE_BAD_LENGTH, CHECK, "body_size", 50);
        UAT_ENSURE((q->body_type == 1) == (q->tee_type == UAT_INTEL_TEE_SGX),
                   UAT_ERR_PARSE_BAD_VALUE, CHECK, "body_type", 48);
    } else {
        q->body_type = q->tee_type == UAT_INTEL_TEE_SGX ? 1 : 2;
    }
    if (q->body_type == 1) {
        return uat_sgx_report_parse(r, &q->sgx);
    }
    return parse_td_report(r, q->body_type == 3, &q->td);
}

/* spec: DCAP Quote Library API Table 9: certification data = type (2), size (4), data */
static uat_err cert_data(uat_reader *r, uint16_t *type, uat_reader *data)
{
    uint32_t size;
    UAT_TRY(uat_rd_u16le(r, "cert_data_type", type));
    UAT_TRY(uat_rd_u32le(r, "cert_data_size", &size));
    return uat_rd_sub(r, size, UAT_MAX_EVIDENCE_BYTES, "cert_data", data);
}

static uat_err parse_pck_chain(uat_reader *r, uat_intel_quote *q)
{
    uat_reader chain;
    UAT_TRY(cert_data(r, &q->cert_type, &chain));
    /* spec: Table 9: type 5 = concatenated PCK cert chain (PEM); 1-4 need the PCK cert from a PCCS */
    UAT_ENSURE(q->cert_type == 5, UAT_ERR_UNSUPPORTED_FEATURE, CHECK, "cert_data_type",
               uat_rd_pos(&chain) - 6);
    uat_rd_rest(&chain, &q->pck_chain_pem);
    /* PEM is text: printable ASCII and line breaks, possibly NUL-terminated */
    for (size_t i = 0; i < q->pck_chain_pem.len; i++) {
        uint8_t c = q->pck_chain_pem.p[i];
        UAT_ENSURE((c >= 0x20 && c < 0x7f) || c == '\n' || c == '\r' || c == 0,
                   UAT_ERR_PARSE_BAD_CERT, CHECK, "pck_chain", chain.base + (int64_t)i);
    }
    return UAT_OK;
}

/* QE report, its signature, QE authentication data and the PCK chain */
static uat_err parse_qe_part(uat_reader *r, uat_intel_quote *q)
{
    uat_reader rep = *r;
    UAT_TRY(uat_rd_span(r, UAT_SGX_REPORT_SIZE, "qe_report", &q->qe_report_raw));
    UAT_TRY(uat_sgx_report_parse(&rep, &q->qe_report));
    UAT_TRY(uat_rd_copy(r, q->qe_report_sig, 64, "qe_report_signature"));
    uint16_t auth_len;
    UAT_TRY(uat_rd_u16le(r, "qe_auth_data_size", &auth_len));
    UAT_TRY(uat_rd_span(r, auth_len, "qe_auth_data", &q->qe_auth_data));
    return parse_pck_chain(r, q);
}

static uat_err parse_signature_data(uat_reader *r, uat_intel_quote *q)
{
    uint32_t len;
    uat_reader sd;
    UAT_TRY(uat_rd_u32le(r, "signature_data_len", &len));
    UAT_TRY(uat_rd_sub(r, len, UAT_MAX_EVIDENCE_BYTES, "signature_data", &sd));
    UAT_TRY(uat_rd_copy(&sd, q->signature, 64, "quote_signature"));
    UAT_TRY(uat_rd_copy(&sd, q->att_key, 64, "attestation_key"));
    if (q->version == 3) {
        UAT_TRY(parse_qe_part(&sd, q));
        return uat_rd_end(&sd);
    }
    uint16_t type;
    uat_reader qe;
    UAT_TRY(cert_data(&sd, &type, &qe));
    /* spec: TDX DCAP QVL: v4/v5 carry type 6, QE report certification data */
    UAT_ENSURE(type == 6, UAT_ERR_UNSUPPORTED_FEATURE, CHECK, "cert_data_type", uat_rd_pos(&qe) - 6);
    UAT_TRY(parse_qe_part(&qe, q));
    UAT_TRY(uat_rd_end(&qe));
    return uat_rd_end(&sd);
}

uat_err uat_intel_quote_parse(uat_span in, uat_intel_quote *q)
{
    uat_reader r;
    uat_rd_init(&r, in, CHECK);
    memset(q, 0, sizeof(*q));
    UAT_TRY(parse_header(&r, q));
    UAT_TRY(parse_body(&r, q));
    q->signed_part = uat_span_of(in.p, r.off);
    UAT_TRY(parse_signature_data(&r, q));
    /* real quotes carry zero padding after the signature data: tolerated only when all zero */
    uat_span rest;
    int64_t at = uat_rd_pos(&r);
    uat_rd_rest(&r, &rest);
    for (size_t i = 0; i < rest.len; i++) {
        UAT_ENSURE(rest.p[i] == 0, UAT_ERR_PARSE_TRAILING_BYTES, CHECK, "", at + (int64_t)i);
    }
    q->trailing_zeros = rest.len;
    return UAT_OK;
}

static int sniff(uat_span in, uint32_t tee_type)
{
    uat_reader r;
    uat_rd_init(&r, in, CHECK);
    uint16_t version = 0, key = 0;
    uint32_t tee = 0;
    uint8_t vendor[16];
    if (uat_rd_u16le(&r, "", &version) != UAT_OK || uat_rd_u16le(&r, "", &key) != UAT_OK ||
        uat_rd_u32le(&r, "", &tee) != UAT_OK || uat_rd_skip(&r, 4, "") != UAT_OK ||
        uat_rd_copy(&r, vendor, 16, "") != UAT_OK) {
        uat_error_clear();
        return 0;
    }
    /* any version: the parser then names an unsupported one (PARSE_BAD_VERSION) */
    (void)version;
    (void)key;
    return tee == tee_type && memcmp(vendor, intel_qe_vendor, 16) == 0;
}

int uat_intel_sniff_sgx(uat_span in)
{
    return sniff(in, UAT_INTEL_TEE_SGX);
}

int uat_intel_sniff_tdx(uat_span in)
{
    return sniff(in, UAT_INTEL_TEE_TDX);
}
