/* The CSV attestation report (pure parsing): legacy (v1) and extended (v2) tee_info, the signer
 * that follows it, the zero padding of the page. Layout and sources: csv.h. */
#include <string.h>

#include "core/reader.h"
#include "tee/csv/csv.h"

#define CHECK "csv.report"

void uat_csv_xor_anonce(uint8_t *p, size_t n, uint32_t anonce)
{
    /* [csv-rs] TeeInfo::raw: byte i ^= anonce.to_le_bytes()[i % 4]; every anonymised field starts
     * at a multiple of 4, so one pass over consecutive fields is the same as field by field */
    const uint8_t k[4] = {(uint8_t)anonce, (uint8_t)(anonce >> 8), (uint8_t)(anonce >> 16),
                          (uint8_t)(anonce >> 24)};
    for (size_t i = 0; i < n; i++) {
        p[i] ^= k[i % 4];
    }
}

static uat_err read_sig(uat_reader *r, uat_csv_sig *sig)
{
    uint8_t le[UAT_CSV_ECC_LEN];
    uint8_t *dst[2] = {sig->r, sig->s};
    const char *names[2] = {"sig.r", "sig.s"};
    for (size_t h = 0; h < 2; h++) {
        UAT_TRY(uat_rd_copy(r, le, sizeof(le), names[h]));
        UAT_TRY(uat_rd_zeros(r, UAT_CSV_ECC_FIELD - UAT_CSV_ECC_LEN, names[h]));
        for (size_t i = 0; i < UAT_CSV_ECC_LEN; i++) {
            dst[h][i] = le[UAT_CSV_ECC_LEN - 1 - i];
        }
    }
    return UAT_OK;
}

/* [csv-rs] TeeInfoV1/V2: the fields both versions share, offsets 0 to 0xBC */
static uat_err read_common(uat_reader *r, uat_csv_report *o)
{
    UAT_TRY(uat_rd_copy(r, o->user_pubkey_digest, 32, "user_pubkey_digest"));
    UAT_TRY(uat_rd_copy(r, o->vm_id, 16, "vm_id"));
    UAT_TRY(uat_rd_copy(r, o->vm_version, 16, "vm_version"));
    UAT_TRY(uat_rd_copy(r, o->report_data, 64, "report_data"));
    UAT_TRY(uat_rd_copy(r, o->mnonce, 16, "mnonce"));
    UAT_TRY(uat_rd_copy(r, o->measure, 32, "measure"));
    UAT_TRY(uat_rd_u32le(r, "policy", &o->policy));
    UAT_TRY(uat_rd_u32le(r, "sig_usage", &o->sig_usage));
    return uat_rd_u32le(r, "sig_algo", &o->sig_algo);
}

/* [csv-rs] TeeInfo accessors: in v1 every field before anonce is XORed with anonce */
static void deanonymise(uat_csv_report *o)
{
    uint32_t a = o->anonce;
    uat_csv_xor_anonce(o->user_pubkey_digest, sizeof(o->user_pubkey_digest), a);
    uat_csv_xor_anonce(o->vm_id, sizeof(o->vm_id), a);
    uat_csv_xor_anonce(o->vm_version, sizeof(o->vm_version), a);
    uat_csv_xor_anonce(o->report_data, sizeof(o->report_data), a);
    uat_csv_xor_anonce(o->mnonce, sizeof(o->mnonce), a);
    uat_csv_xor_anonce(o->measure, sizeof(o->measure), a);
    o->policy ^= a;
    o->sig_usage ^= a;
    o->sig_algo ^= a;
}

static uat_err read_v2_tail(uat_reader *r, uat_csv_report *o)
{
    UAT_TRY(uat_rd_u32le(r, "build", &o->build));
    UAT_TRY(uat_rd_u16le(r, "rtmr_version", &o->rtmr_version));
    UAT_TRY(uat_rd_copy(r, o->reserved0, sizeof(o->reserved0), "reserved0"));
    for (size_t i = 0; i < UAT_CSV_RTMR_COUNT; i++) {
        UAT_TRY(uat_rd_copy(r, o->rtmr[i], UAT_CSV_RTMR_SIZE, "rtmr"));
    }
    /* signed and exposed as [trustee] does (claims reserved0, reserved1), not interpreted */
    return uat_rd_span(r, 656, "reserved1", &o->reserved1);
}

/* [csv-rs] TeeInfoSigner {pek_cert[2084], sn[64], reserved[32], mac[32]}, then zero padding */
static uat_err read_signer(uat_reader *r, uat_csv_report *o)
{
    UAT_TRY(uat_rd_span(r, UAT_CSV_CERT_SIZE, "pek_cert", &o->pek_cert));
    UAT_TRY(uat_rd_span(r, UAT_CSV_SN_SIZE, "sn", &o->sn));
    UAT_TRY(uat_rd_span(r, 32, "reserved", &o->signer_reserved));
    UAT_TRY(uat_rd_span(r, 32, "mac", &o->mac));
    /* [csv-rs] AttestationReportWrapper: the report is padded to 4096 bytes with zeros */
    return uat_rd_zeros(r, uat_rd_left(r), "padding");
}

uat_err uat_csv_report_parse(uat_span data, int version, uat_csv_report *out)
{
    UAT_ENSURE(data.p != NULL || data.len == 0, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "", -1);
    UAT_ENSURE(version == 1 || version == 2, UAT_ERR_PARSE_BAD_VERSION, CHECK, "version", -1);
    if (data.len != UAT_CSV_REPORT_PAGE) {
        return UAT_FAILF(data.len < UAT_CSV_REPORT_PAGE ? UAT_ERR_PARSE_TRUNCATED
                                                        : UAT_ERR_PARSE_TRAILING_BYTES,
                         CHECK, "data", -1, "the report is %zu bytes, not a %u-byte page",
                         data.len, UAT_CSV_REPORT_PAGE);
    }
    uat_reader r;
    uat_rd_init(&r, data, CHECK);
    uat_csv_report o;
    memset(&o, 0, sizeof(o));
    o.version = version;
    UAT_TRY(read_common(&r, &o));
    if (version == 1) {
        UAT_TRY(uat_rd_u32le(&r, "anonce", &o.anonce));
        deanonymise(&o);
    } else {
        UAT_TRY(read_v2_tail(&r, &o));
    }
    /* [librats] sign data: [0, offsetof(sig_usage)); [csv-rs] TeeInfoV2 Encoder: to reserved1 */
    o.signed_part = uat_span_of(data.p, version == 1 ? UAT_CSV_SIGNED_V1 : UAT_CSV_SIGNED_V2);
    /* [csv-rs] (PEK, TeeInfo)::verify: the report signature has usage PEK; algorithm SM2 */
    UAT_ENSURE(o.sig_usage == UAT_CSV_USAGE_PEK, UAT_ERR_PARSE_BAD_VALUE, CHECK, "sig_usage", 180);
    UAT_ENSURE(o.sig_algo == UAT_CSV_ALGO_SM2_SA, UAT_ERR_PARSE_BAD_VALUE, CHECK, "sig_algo", 184);
    UAT_TRY(read_sig(&r, &o.sig));
    UAT_TRY(read_signer(&r, &o));
    UAT_TRY(uat_rd_end(&r));
    *out = o;
    return UAT_OK;
}

/* [csv-rs] GuestPolicy bit fields, under [trustee]'s claim names */
static uat_err describe_policy(uint32_t p, json_t *o)
{
    static const struct {
        const char *name;
        unsigned shift, bits;
    } f[] = {
        {"nodbg", 0, 1},       {"noks", 1, 1},        {"es", 2, 1},          {"nosend", 3, 1},
        {"domain", 4, 1},      {"csv", 5, 1},         {"csv3", 6, 1},        {"asid_reuse", 7, 1},
        {"hsk_version", 8, 4}, {"cek_version", 12, 4}, {"api_major", 16, 8}, {"api_minor", 24, 8},
    };
    json_t *pol = json_object();
    UAT_TRY(uat_json_set(o, "policy", pol));
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
        UAT_TRY(uat_json_set_int(pol, f[i].name, (p >> f[i].shift) & ((1u << f[i].bits) - 1u)));
    }
    return uat_json_set_int(pol, "raw", p);
}

static uat_err describe_v2(const uat_csv_report *r, json_t *o)
{
    static const char *const names[UAT_CSV_RTMR_COUNT] = {"rtmr0", "rtmr1", "rtmr2", "rtmr3",
                                                          "rtmr4"};
    UAT_TRY(uat_json_set_int(o, "build", r->build));
    UAT_TRY(uat_json_set_int(o, "rtmr_version", r->rtmr_version));
    UAT_TRY(uat_json_set_hex(o, "reserved0", r->reserved0, sizeof(r->reserved0)));
    for (size_t i = 0; i < UAT_CSV_RTMR_COUNT; i++) {
        UAT_TRY(uat_json_set_hex(o, names[i], r->rtmr[i], UAT_CSV_RTMR_SIZE));
    }
    return uat_json_set_hex(o, "reserved1", r->reserved1.p, r->reserved1.len);
}

uat_err uat_csv_report_describe(const uat_csv_report *r, json_t *o)
{
    UAT_TRY(uat_json_set_int(o, "version", r->version));
    UAT_TRY(describe_policy(r->policy, o));
    UAT_TRY(uat_json_set_hex(o, "user_pubkey_digest", r->user_pubkey_digest, 32));
    UAT_TRY(uat_json_set_hex(o, "vm_id", r->vm_id, sizeof(r->vm_id)));
    UAT_TRY(uat_json_set_hex(o, "vm_version", r->vm_version, sizeof(r->vm_version)));
    UAT_TRY(uat_json_set_hex(o, "report_data", r->report_data, sizeof(r->report_data)));
    UAT_TRY(uat_json_set_hex(o, "mnonce", r->mnonce, sizeof(r->mnonce)));
    UAT_TRY(uat_json_set_hex(o, "measure", r->measure, sizeof(r->measure)));
    UAT_TRY(uat_json_set_int(o, "sig_usage", r->sig_usage));
    UAT_TRY(uat_json_set_int(o, "sig_algo", r->sig_algo));
    if (r->version == 1) {
        return uat_json_set_int(o, "anonce", r->anonce);
    }
    return describe_v2(r, o);
}
