/* HyperEnclave quote parsing (pure): the sgx_quote_t frame, the SGX report body, the platform
 * signature structure with its TPMS_ATTEST, and the PCR list extension. Layout: hyperenclave.h. */
#include <string.h>

#include "core/check.h"
#include "core/codec.h"
#include "core/der.h"
#include "core/limits.h"
#include "tee/hyperenclave/hyperenclave.h"

#define CHECK "hyperenclave.quote"
#define CHECK_PCRS "hyperenclave.pcr_list"

/* Absolute offsets of the TPMS_ATTEST fields HyperEnclave fixes (hyperenclave.h) */
#define AT_TYPE (UAT_HE_ATTEST_OFFSET + 4)
#define AT_SIGNER (UAT_HE_ATTEST_OFFSET + 6)
#define AT_EXTRA (UAT_HE_ATTEST_OFFSET + 42)
#define AT_SELECT (UAT_HE_ATTEST_OFFSET + 103)
#define AT_DIGEST (UAT_HE_ATTEST_OFFSET + 113)

const uint8_t uat_he_user_id[14] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14};

/* spec: [ual] sgx_quote_t (Intel SGX SDK sgx_quote.h): the 48-byte header */
static uat_err parse_header(uat_reader *r, uat_he_quote *q)
{
    UAT_TRY(uat_rd_u16le(r, "version", &q->version));
    UAT_TRY(uat_rd_u16le(r, "sign_type", &q->sign_type));
    UAT_TRY(uat_rd_copy(r, q->epid_group_id, 4, "epid_group_id"));
    UAT_TRY(uat_rd_u16le(r, "qe_svn", &q->qe_svn));
    UAT_TRY(uat_rd_u16le(r, "pce_svn", &q->pce_svn));
    UAT_TRY(uat_rd_u32le(r, "xeid", &q->xeid));
    return uat_rd_copy(r, q->basename, 32, "basename");
}

/* What HyperEnclave's TPM quote must be beyond a well-formed TPMS_ATTEST [ual platform.cpp]. */
static uat_err check_attest(const uat_tpm_attest *a)
{
    if (a->type != UAT_TPM_ST_ATTEST_QUOTE) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK, "platform_attest.type", AT_TYPE,
                         "TPM_ST 0x%04x, not TPM_ST_ATTEST_QUOTE 0x8018", a->type);
    }
    /* an SM3 Name (the TPM key's nameAlg || digest) and an SM3 TPMT_HA: 147 bytes in all */
    if (a->qualified_signer_len != 2 + UAT_HE_PCR_SIZE || a->qualified_signer[0] != 0 ||
        a->qualified_signer[1] != UAT_TPM_ALG_SM3_256) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK, "platform_attest.qualifiedSigner",
                         AT_SIGNER, "a %zu-byte Name, not an SM3-256 Name (34 bytes)",
                         a->qualified_signer_len);
    }
    if (a->extra_data_len != 2 + UAT_HE_PCR_SIZE || a->extra_data[0] != 0 ||
        a->extra_data[1] != UAT_TPM_ALG_SM3_256) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK, "platform_attest.extraData", AT_EXTRA,
                         "%zu bytes, not TPM_ALG_SM3_256 and an SM3 digest (34 bytes)",
                         a->extra_data_len);
    }
    if (a->nsel != 1 || a->sel[0].hash != UAT_TPM_ALG_SM3_256 ||
        a->sel[0].mask != UAT_HE_PCR_MASK) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK, "platform_attest.pcrSelect", AT_SELECT,
                         "the quote must select PCRs 0-9, 12 and 13 of the SM3-256 bank only");
    }
    UAT_ENSURE(a->pcr_digest_len == UAT_HE_PCR_SIZE, UAT_ERR_PARSE_BAD_LENGTH, CHECK,
               "platform_attest.pcrDigest", AT_DIGEST);
    return UAT_OK;
}

/* spec: [ual] platform_quote_sig_t */
static uat_err parse_signature(uat_reader *s, uat_he_quote *q)
{
    UAT_TRY(uat_rd_copy(s, q->enclave_sig, UAT_HE_SM2_SIG_SIZE, "enclave_sig"));
    UAT_TRY(uat_rd_copy(s, q->hv_att_key_pub, UAT_HE_KEY_SIZE, "hv_att_key_pub"));
    UAT_TRY(uat_rd_span(s, UAT_HE_TPM_ATTEST_SIZE, "platform_attest", &q->platform_attest_raw));
    UAT_TRY(uat_rd_copy(s, q->platform_sig, UAT_HE_SM2_SIG_SIZE, "platform_sig"));
    uat_rd_rest(s, &q->cert);
    /* offsets of errors inside the TPM structure are relative to platform_attest (564) */
    UAT_TRY(uat_tpm_parse_attest(q->platform_attest_raw, &q->attest));
    return check_attest(&q->attest);
}

uat_err uat_he_quote_parse(uat_span in, uat_he_quote *out)
{
    UAT_ENSURE(out != NULL && (in.p != NULL || in.len == 0), UAT_ERR_USAGE_INVALID_ARGUMENT,
               CHECK, "", -1);
    UAT_ENSURE(in.len <= UAT_MAX_EVIDENCE_BYTES, UAT_ERR_RESOURCE_LIMIT, CHECK, "quote", -1);
    uat_reader r;
    uat_rd_init(&r, in, CHECK);
    uat_he_quote q;
    memset(&q, 0, sizeof(q));
    UAT_TRY(parse_header(&r, &q));
    UAT_TRY(uat_sgx_report_parse(&r, &q.body));
    q.body_raw = uat_span_of(in.p + UAT_HE_BODY_OFFSET, UAT_SGX_REPORT_SIZE);
    UAT_TRY(uat_rd_u32le(&r, "signature_len", &q.signature_len));
    if (q.signature_len <= UAT_HE_SIG_FIXED ||
        q.signature_len > UAT_HE_SIG_FIXED + UAT_HE_MAX_CERT) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_LENGTH, CHECK, "signature_len", UAT_HE_SIG_LEN_OFFSET,
                         "%u bytes: the %u-byte platform signature and a certificate of at most "
                         "%u bytes",
                         q.signature_len, UAT_HE_SIG_FIXED, UAT_HE_MAX_CERT);
    }
    uat_reader s;
    UAT_TRY(uat_rd_sub(&r, q.signature_len, q.signature_len, "signature", &s));
    UAT_TRY(uat_rd_end(&r));
    UAT_TRY(parse_signature(&s, &q));
    *out = q;
    return UAT_OK;
}

int uat_he_sniff(uat_span in)
{
    static const uint8_t quote_magic[6] = {0xff, 0x54, 0x43, 0x47, 0x80, 0x18};
    if (in.p == NULL || in.len <= UAT_HE_CERT_OFFSET || in.len > UAT_MAX_EVIDENCE_BYTES) {
        return 0;
    }
    const uint8_t *l = in.p + UAT_HE_SIG_LEN_OFFSET;
    uint32_t sig_len = (uint32_t)l[0] | (uint32_t)l[1] << 8 | (uint32_t)l[2] << 16 |
                       (uint32_t)l[3] << 24;
    return sig_len == in.len - UAT_HE_SIG_OFFSET &&
           memcmp(in.p + UAT_HE_ATTEST_OFFSET, quote_magic, sizeof(quote_magic)) == 0;
}

uat_err uat_he_pcr_list_parse(uat_span ext, uat_buf *out)
{
    uat_reader r, str;
    uat_rd_init(&r, ext, CHECK_PCRS);
    /* spec: [ual] get_ext_data_offset: the value is a UTF8String (tag 0x0c) of base64 text */
    UAT_TRY(uat_der_element(&r, 0x0c, "utf8string", &str));
    UAT_TRY(uat_rd_end(&r));
    uat_span text;
    uat_rd_rest(&str, &text);
    UAT_ENSURE(text.len <= 2 * UAT_HE_MAX_PCR_LIST, UAT_ERR_PARSE_BAD_LENGTH, CHECK_PCRS,
               "utf8string", -1);
    size_t before = out->len;
    UAT_TRY(uat_b64_decode((const char *)text.p, text.len, UAT_B64_STD, out));
    size_t n = out->len - before;
    if (n % UAT_HE_PCR_SIZE != 0 || n < 2 * UAT_HE_PCR_SIZE || n > UAT_HE_MAX_PCR_LIST) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_LENGTH, CHECK_PCRS, "pcr_list", -1,
                         "%zu bytes: whole 32-byte SM3 values, at least the PCR digest and PCR 13",
                         n);
    }
    return UAT_OK;
}

uat_err uat_he_quote_describe(const uat_he_quote *q, json_t *o)
{
    UAT_TRY(uat_json_set_int(o, "version", q->version));
    UAT_TRY(uat_json_set_int(o, "sign_type", q->sign_type));
    UAT_TRY(uat_json_set_hex(o, "epid_group_id", q->epid_group_id, 4));
    UAT_TRY(uat_json_set_int(o, "qe_svn", q->qe_svn));
    UAT_TRY(uat_json_set_int(o, "pce_svn", q->pce_svn));
    UAT_TRY(uat_json_set_int(o, "xeid", q->xeid));
    UAT_TRY(uat_json_set_hex(o, "basename", q->basename, 32));
    json_t *body = json_object();
    UAT_TRY(uat_json_set(o, "report_body", body));
    UAT_TRY(uat_sgx_report_describe(&q->body, body));
    UAT_TRY(uat_json_set_int(o, "signature_len", q->signature_len));
    UAT_TRY(uat_json_set_hex(o, "enclave_sig", q->enclave_sig, UAT_HE_SM2_SIG_SIZE));
    UAT_TRY(uat_json_set_hex(o, "hv_att_key_pub", q->hv_att_key_pub, UAT_HE_KEY_SIZE));
    json_t *att = json_object();
    UAT_TRY(uat_json_set(o, "platform_attest", att));
    UAT_TRY(uat_tpm_describe_attest(&q->attest, att));
    UAT_TRY(uat_json_set_hex(o, "platform_sig", q->platform_sig, UAT_HE_SM2_SIG_SIZE));
    return uat_json_set_int(o, "cert_len", (int64_t)q->cert.len);
}

uat_err uat_he_inspect(uat_span in, json_t *fields)
{
    uat_he_quote q;
    UAT_TRY(uat_he_quote_parse(in, &q));
    return uat_he_quote_describe(&q, fields);
}
