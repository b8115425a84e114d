/* CSV evidence from jinzhao-attest's HygonCsvReport (../shared/COMPAT.md part D §2.4, §7.3;
 * jinzhao ual/proto/attestation.proto, ual/verification/platforms/csv/verifier_csv.cpp):
 *   {b64_quote: base64 of the 4096-byte attestation report page as the firmware returns it,
 *    str_chip_id: the chip ID (jinzhao assigns 65 bytes, so trailing NULs travel as \u0000),
 *    json_cert_chain: {b64_hsk_cert: HSK 832 B, b64_cek_cert: CEK 2084 B} (Passport)}
 * rewritten as [trustee] evidence JSON (evidence.c) for uat_csv_verify. jinzhao's report is the
 * legacy (v1) layout: the PEK is the firmware's copy in the report's signer, which jinzhao's
 * verifier XORs back with anonce (verifier_csv.cpp VerifyCertChain); [trustee]'s csv-rs leaves
 * it restored. Either form is taken: the copy that parses as a PEK certificate is the PEK, and
 * uat_csv_verify then checks it against the signer in both forms and verifies the chain. */
#include <string.h>

#include "core/limits.h"
#include "tee/csv/csv.h"

#define CHECK "csv.jinzhao"

static uat_err b64_member(const json_t *o, const char *name, size_t want, uat_buf *out)
{
    const json_t *v = json_object_get(o, name);
    UAT_ENSURE(json_is_string(v), UAT_ERR_PARSE_BAD_JSON, CHECK, name, -1);
    /* spec: COMPAT.md D §2.1: base64 = RFC 4648 standard alphabet with padding */
    if (uat_b64_decode(json_string_value(v), json_string_length(v), UAT_B64_STD, out) != UAT_OK) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_ENCODING, CHECK, name, -1,
                         "%s is not padded standard base64", name);
    }
    if (out->len != want) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_LENGTH, CHECK, name, -1,
                         "%s holds %zu bytes, a CSV %s is %zu", name, out->len, name, want);
    }
    return UAT_OK;
}

/* str_chip_id without jinzhao's trailing NULs: 1..64 bytes, no NUL inside. */
static uat_err chip_id(const json_t *o, uat_span *out)
{
    const json_t *v = json_object_get(o, "str_chip_id");
    UAT_ENSURE(json_is_string(v), UAT_ERR_PARSE_BAD_JSON, CHECK, "str_chip_id", -1);
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    while (n > 0 && s[n - 1] == '\0') {
        n--;
    }
    UAT_ENSURE(n > 0 && n <= UAT_CSV_SN_SIZE && memchr(s, '\0', n) == NULL,
               UAT_ERR_PARSE_BAD_VALUE, CHECK, "str_chip_id", -1);
    *out = uat_span_of(s, n);
    return UAT_OK;
}

/* The PEK from the report's signer (v1 tee_info, 0x150 bytes, then pek_cert), restored. */
static void pek_of(const uint8_t *page, uint8_t pek[UAT_CSV_CERT_SIZE])
{
    /* spec: csv.h v1 tee_info: anonce at 188, little-endian */
    uint32_t anonce = (uint32_t)page[188] | (uint32_t)page[189] << 8 |
                      (uint32_t)page[190] << 16 | (uint32_t)page[191] << 24;
    memcpy(pek, page + UAT_CSV_TEE_INFO_V1_SIZE, UAT_CSV_CERT_SIZE);
    uat_csv_cert c;
    if (uat_csv_cert_parse(uat_span_of(pek, UAT_CSV_CERT_SIZE), &c) == UAT_OK &&
        c.usage == UAT_CSV_USAGE_PEK) {
        return; /* restored already ([trustee]) */
    }
    uat_error_clear();
    uat_csv_xor_anonce(pek, UAT_CSV_CERT_SIZE, anonce); /* as the firmware returns it */
}

static uat_err hygon_csv_report(const json_t *msg, uat_buf *out)
{
    static const char *const members[] = {"b64_quote", "str_chip_id", "json_cert_chain", NULL};
    static const char *const chain_members[] = {"b64_hsk_cert", "b64_cek_cert", NULL};
    UAT_TRY(uat_json_only_members(msg, members, CHECK, "json_report"));
    const json_t *chain = json_object_get(msg, "json_cert_chain");
    UAT_ENSURE(chain == NULL || json_is_object(chain), UAT_ERR_PARSE_BAD_JSON, CHECK,
               "json_cert_chain", -1);
    uat_span sn;
    UAT_TRY(chip_id(msg, &sn));
    uat_buf page, hsk, cek, hsk_cek;
    uat_buf_init(&page, UAT_CSV_REPORT_PAGE);
    uat_buf_init(&hsk, UAT_CSV_CA_CERT_SIZE);
    uat_buf_init(&cek, UAT_CSV_CERT_SIZE);
    uat_buf_init(&hsk_cek, UAT_CSV_HSK_CEK_SIZE);
    uint8_t pek[UAT_CSV_CERT_SIZE];
    static const uint8_t v1_magic[16] = {0};
    uat_err rc = b64_member(msg, "b64_quote", UAT_CSV_REPORT_PAGE, &page);
    /* jinzhao: both certificates or neither (COLLATERAL_EMPTY); uattest then looks in the
     * collateral directory as for any CSV evidence without cert_chain.hsk_cek */
    int has_hsk = json_string_length(json_object_get(chain, "b64_hsk_cert")) > 0;
    int has_cek = json_string_length(json_object_get(chain, "b64_cek_cert")) > 0;
    if (rc == UAT_OK && chain != NULL) {
        rc = uat_json_only_members(chain, chain_members, CHECK, "json_cert_chain");
    }
    if (rc == UAT_OK && has_hsk != has_cek) {
        rc = UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK, "json_cert_chain", -1,
                       "json_cert_chain has the %s certificate without the %s",
                       has_hsk ? "HSK" : "CEK", has_hsk ? "CEK" : "HSK");
    }
    if (rc == UAT_OK && has_hsk) {
        rc = b64_member(chain, "b64_hsk_cert", UAT_CSV_CA_CERT_SIZE, &hsk);
        rc = rc == UAT_OK ? b64_member(chain, "b64_cek_cert", UAT_CSV_CERT_SIZE, &cek) : rc;
        rc = rc == UAT_OK ? uat_buf_append(&hsk_cek, hsk.p, hsk.len) : rc;
        rc = rc == UAT_OK ? uat_buf_append(&hsk_cek, cek.p, cek.len) : rc;
    }
    if (rc == UAT_OK) {
        pek_of(page.p, pek);
        uat_csv_evidence_in in = {
            .magic = v1_magic,
            .flags = 0,
            .data = uat_buf_span(&page),
            .pek = uat_span_of(pek, sizeof(pek)),
            .hsk_cek = uat_buf_span(&hsk_cek),
            .serial = sn,
        };
        rc = uat_csv_evidence_write(&in, out);
    }
    uat_buf_free(&page);
    uat_buf_free(&hsk);
    uat_buf_free(&cek);
    uat_buf_free(&hsk_cek);
    return rc;
}

uat_err uat_csv_evidence_import(const char *format, const json_t *msg, uat_buf *out)
{
    UAT_ENSURE(format != NULL && json_is_object(msg) && out != NULL,
               UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "", -1);
    if (strcmp(format, "jinzhao/HygonCsvReport") == 0) {
        return hygon_csv_report(msg, out);
    }
    return UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, CHECK, "format", -1,
                     "CSV evidence is not taken from %.64s", format);
}
