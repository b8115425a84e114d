/* The CSV evidence JSON of [trustee] (deps/verifier/src/csv/mod.rs CsvEvidence), pure: JSON text to
 * the binary formats of csv.h and back (the attester writes the same shape).
 *
 *   {"attestation_report": {"magic": [16 bytes], "flags": u32, "data": [4096 bytes]},
 *    "cert_chain": {"pek": <csv::Certificate>, "hsk_cek": {"hsk": <ca::Certificate>,
 *                                                          "cek": <csv::Certificate>}},
 *    "serial_number": [bytes], "cc_eventlog": "<base64>"}
 *
 * Certificates are serde's rendering of the csv-rs structs: nested objects whose members are the
 * struct fields, byte arrays as JSON arrays of integers, Usage/Algorithm/Group as integers. The
 * schema tables below list every member in wire order; the JSON must have exactly these members.
 * hsk_cek and cc_eventlog are optional (absent or null). cc_eventlog is not interpreted: trustee
 * replays it against RTMR1-4 of v2 reports; no event-log claim is produced from it here.
 */
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "core/reader.h"
#include "tee/csv/csv.h"
#include "evidence/claims_int.h"

#define CHECK "csv.evidence"

enum kind { K_U8, K_U16, K_U32, K_BYTES, K_OBJ, K_PAIR };

typedef struct field {
    const char *name;
    enum kind kind;
    size_t n;                 /* K_BYTES: exact length */
    const struct field *sub;  /* K_OBJ, K_PAIR: members, terminated by a NULL name */
} field;

#define END {NULL, K_U8, 0, NULL}

/* [csv-rs] lib.rs Version; crypto/key/ecc.rs PubKey; crypto/sig/ecdsa.rs Signature */
static const field f_version[] = {{"major", K_U8, 0, NULL}, {"minor", K_U8, 0, NULL}, END};
static const field f_ecc[] = {
    {"g", K_U32, 0, NULL}, {"x", K_BYTES, 72, NULL}, {"y", K_BYTES, 72, NULL}, END};
static const field f_sig[] = {{"r", K_BYTES, 72, NULL}, {"s", K_BYTES, 72, NULL}, END};
/* [csv-rs] certs/csv/cert/key/mod.rs PubKey; certs/csv/cert/mod.rs Data, Body, Signatures */
static const field f_csv_pubkey[] = {
    {"usage", K_U32, 0, NULL}, {"algo", K_U32, 0, NULL}, {"key", K_OBJ, 0, f_ecc}, END};
static const field f_csv_data[] = {
    {"firmware", K_OBJ, 0, f_version}, {"reserved1", K_U16, 0, NULL},
    {"pubkey", K_OBJ, 0, f_csv_pubkey}, {"uid_size", K_U16, 0, NULL},
    {"user_id", K_BYTES, 254, NULL},   {"sid", K_BYTES, 16, NULL},
    {"reserved2", K_BYTES, 608, NULL}, END};
static const field f_csv_body[] = {{"ver", K_U32, 0, NULL}, {"data", K_OBJ, 0, f_csv_data}, END};
static const field f_slot[] = {{"usage", K_U32, 0, NULL},
                               {"algo", K_U32, 0, NULL},
                               {"signature", K_OBJ, 0, f_sig},
                               {"_reserved", K_BYTES, 368, NULL},
                               END};
static const field f_csv_cert[] = {
    {"body", K_OBJ, 0, f_csv_body}, {"sigs", K_PAIR, 0, f_slot}, END};
/* [csv-rs] certs/ca/cert/mod.rs Data, Preamble, Body, Certificate */
static const field f_ca_data[] = {{"kid", K_BYTES, 16, NULL},
                                  {"sid", K_BYTES, 16, NULL},
                                  {"usage", K_U32, 0, NULL},
                                  {"reserved", K_BYTES, 24, NULL},
                                  END};
static const field f_ca_preamble[] = {
    {"ver", K_U32, 0, NULL}, {"data", K_OBJ, 0, f_ca_data}, END};
static const field f_ca_body[] = {{"preamble", K_OBJ, 0, f_ca_preamble},
                                  {"pubkey", K_OBJ, 0, f_ecc},
                                  {"uid_size", K_U16, 0, NULL},
                                  {"user_id", K_BYTES, 254, NULL},
                                  {"reserved", K_BYTES, 108, NULL},
                                  END};
static const field f_ca_cert[] = {{"body", K_OBJ, 0, f_ca_body},
                                  {"signature", K_OBJ, 0, f_sig},
                                  {"_reserved", K_BYTES, 112, NULL},
                                  END};
/* [csv-rs] api/guest/types.rs AttestationReportWrapper */
static const field f_wrapper[] = {{"magic", K_BYTES, 16, NULL},
                                  {"flags", K_U32, 0, NULL},
                                  {"data", K_BYTES, UAT_CSV_REPORT_PAGE, NULL},
                                  END};

static const uint8_t ext_magic[16] = UAT_CSV_EXT_MAGIC;

/* ---- JSON to binary ---- */

static uat_err obj_to_bin(const json_t *j, const field *f, const char *name, uat_buf *out);

static uat_err int_to_bin(const json_t *v, const field *f, uat_buf *out)
{
    static const json_int_t max[] = {[K_U8] = 0xff, [K_U16] = 0xffff, [K_U32] = 0xffffffff};
    json_int_t x = json_integer_value(v);
    if (!json_is_integer(v) || x < 0 || x > max[f->kind]) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, CHECK, f->name, -1,
                         "%s is not an integer 0..%lld", f->name, (long long)max[f->kind]);
    }
    uint32_t u = (uint32_t)x;
    return f->kind == K_U8    ? uat_buf_put_u8(out, (uint8_t)u)
           : f->kind == K_U16 ? uat_buf_put_u16le(out, (uint16_t)u)
                              : uat_buf_put_u32le(out, u);
}

static uat_err bytes_to_bin(const json_t *v, const field *f, uat_buf *out)
{
    if (!json_is_array(v) || json_array_size(v) != f->n) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, CHECK, f->name, -1,
                         "%s is not an array of %zu bytes", f->name, f->n);
    }
    UAT_TRY(uat_buf_reserve(out, f->n));
    for (size_t i = 0; i < f->n; i++) {
        const json_t *e = json_array_get(v, i);
        json_int_t x = json_integer_value(e);
        if (!json_is_integer(e) || x < 0 || x > 255) {
            return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, CHECK, f->name, (int64_t)i,
                             "%s[%zu] is not an integer 0..255", f->name, i);
        }
        UAT_TRY(uat_buf_put_u8(out, (uint8_t)x));
    }
    return UAT_OK;
}

static uat_err field_to_bin(const json_t *v, const field *f, uat_buf *out)
{
    switch (f->kind) {
    case K_U8:
    case K_U16:
    case K_U32:
        return int_to_bin(v, f, out);
    case K_BYTES:
        return bytes_to_bin(v, f, out);
    case K_OBJ:
        return obj_to_bin(v, f->sub, f->name, out);
    case K_PAIR:
        break;
    }
    UAT_ENSURE(json_is_array(v) && json_array_size(v) == 2, UAT_ERR_PARSE_BAD_JSON, CHECK, f->name,
               -1);
    UAT_TRY(obj_to_bin(json_array_get(v, 0), f->sub, f->name, out));
    return obj_to_bin(json_array_get(v, 1), f->sub, f->name, out);
}

/* An object with exactly the members of f, in any order; their values in f's order. */
static uat_err obj_to_bin(const json_t *j, const field *f, const char *name, uat_buf *out)
{
    if (!json_is_object(j)) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, CHECK, name, -1, "%s is not an object", name);
    }
    size_t n = 0;
    for (; f[n].name != NULL; n++) {
        const json_t *v = json_object_get(j, f[n].name);
        if (v == NULL) {
            return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, CHECK, f[n].name, -1,
                             "%s has no member %s", name, f[n].name);
        }
        UAT_TRY(field_to_bin(v, &f[n], out));
    }
    if (json_object_size(j) != n) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, CHECK, name, -1,
                         "%s has %zu members, not the %zu of its format", name,
                         json_object_size(j), n);
    }
    return UAT_OK;
}

/* Converts j to exactly size bytes of the binary format. */
static uat_err json_to_fixed(const json_t *j, const field *f, const char *name, uint8_t *dst,
                             size_t size)
{
    uat_buf b;
    uat_buf_init(&b, size);
    uat_err rc = obj_to_bin(j, f, name, &b);
    if (rc == UAT_OK && b.len != size) {
        rc = UAT_FAIL(UAT_ERR_INTERNAL, CHECK, name, -1);
    }
    if (rc == UAT_OK) {
        memcpy(dst, b.p, size);
    }
    uat_buf_free(&b);
    return rc;
}

uat_err uat_csv_cert_from_json(const json_t *j, uint8_t out[UAT_CSV_CERT_SIZE])
{
    return json_to_fixed(j, f_csv_cert, "csv certificate", out, UAT_CSV_CERT_SIZE);
}

uat_err uat_csv_ca_cert_from_json(const json_t *j, uint8_t out[UAT_CSV_CA_CERT_SIZE])
{
    return json_to_fixed(j, f_ca_cert, "ca certificate", out, UAT_CSV_CA_CERT_SIZE);
}

/* ---- binary to JSON ---- */

static uat_err obj_to_json(uat_reader *r, const field *f, json_t **out);

static json_t *bytes_to_json(uat_span s)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < s.len; i++) {
        if (json_array_append_new(a, json_integer(s.p[i])) != 0) {
            json_decref(a);
            a = NULL;
        }
    }
    return a;
}

static uat_err pair_to_json(uat_reader *r, const field *f, json_t **out)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < 2; i++) {
        json_t *e = NULL;
        uat_err rc = obj_to_json(r, f->sub, &e);
        if (rc != UAT_OK || json_array_append_new(a, e) != 0) {
            json_decref(a);
            return rc != UAT_OK ? rc : UAT_NOMEM(CHECK);
        }
    }
    *out = a;
    return a != NULL ? UAT_OK : UAT_NOMEM(CHECK);
}

static uat_err field_to_json(uat_reader *r, const field *f, json_t **out)
{
    uint8_t u8 = 0;
    uint16_t u16 = 0;
    uint32_t u32 = 0;
    uat_span s;
    switch (f->kind) {
    case K_U8:
        UAT_TRY(uat_rd_u8(r, f->name, &u8));
        *out = json_integer(u8);
        break;
    case K_U16:
        UAT_TRY(uat_rd_u16le(r, f->name, &u16));
        *out = json_integer(u16);
        break;
    case K_U32:
        UAT_TRY(uat_rd_u32le(r, f->name, &u32));
        *out = json_integer(u32);
        break;
    case K_BYTES:
        UAT_TRY(uat_rd_span(r, f->n, f->name, &s));
        *out = bytes_to_json(s);
        break;
    case K_OBJ:
        return obj_to_json(r, f->sub, out);
    case K_PAIR:
        return pair_to_json(r, f, out);
    }
    return *out != NULL ? UAT_OK : UAT_NOMEM(CHECK);
}

static uat_err obj_to_json(uat_reader *r, const field *f, json_t **out)
{
    json_t *o = json_object();
    if (o == NULL) {
        return UAT_NOMEM(CHECK);
    }
    for (size_t i = 0; f[i].name != NULL; i++) {
        json_t *v = NULL;
        uat_err rc = field_to_json(r, &f[i], &v);
        if (rc == UAT_OK) {
            rc = uat_json_set(o, f[i].name, v);
        }
        if (rc != UAT_OK) {
            json_decref(o);
            return rc;
        }
    }
    *out = o;
    return UAT_OK;
}

static uat_err bin_to_json(uat_span in, const field *f, const char *check, json_t **out)
{
    uat_reader r;
    uat_rd_init(&r, in, check);
    json_t *o = NULL;
    UAT_TRY(obj_to_json(&r, f, &o));
    uat_err rc = uat_rd_end(&r);
    if (rc != UAT_OK) {
        json_decref(o);
        return rc;
    }
    *out = o;
    return UAT_OK;
}

uat_err uat_csv_cert_to_json(uat_span cert, json_t **out)
{
    return bin_to_json(cert, f_csv_cert, "csv.cert", out);
}

uat_err uat_csv_ca_cert_to_json(uat_span cert, json_t **out)
{
    return bin_to_json(cert, f_ca_cert, "csv.ca_cert", out);
}

/* ---- the evidence ---- */

/* [csv-rs] AttestationReport::try_from(&AttestationReportWrapper) */
static uat_err report_version(const uat_csv_evidence *e, int *version)
{
    static const uint8_t zero[16] = {0};
    if (memcmp(e->magic, zero, 16) == 0) {
        /* legacy report: nothing to extend; other flags are not defined for it */
        UAT_ENSURE(e->flags == 0, UAT_ERR_PARSE_BAD_VALUE, CHECK, "attestation_report.flags", -1);
        *version = 1;
        return UAT_OK;
    }
    UAT_ENSURE(memcmp(e->magic, ext_magic, 16) == 0, UAT_ERR_PARSE_BAD_MAGIC, CHECK,
               "attestation_report.magic", -1);
    if (e->flags > 1) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VERSION, CHECK, "attestation_report.flags", -1,
                         "extended report flags 0x%x name a format this verifier does not know "
                         "(0: legacy, 1: extended v2)",
                         e->flags);
    }
    *version = e->flags == 0 ? 1 : 2;
    return UAT_OK;
}

static uat_err parse_wrapper(const json_t *j, uat_csv_evidence *e)
{
    uint8_t raw[16 + 4 + UAT_CSV_REPORT_PAGE];
    UAT_TRY(json_to_fixed(j, f_wrapper, "attestation_report", raw, sizeof(raw)));
    memcpy(e->magic, raw, 16);
    e->flags = (uint32_t)raw[16] | (uint32_t)raw[17] << 8 | (uint32_t)raw[18] << 16 |
               (uint32_t)raw[19] << 24;
    memcpy(e->data, raw + 20, UAT_CSV_REPORT_PAGE);
    return report_version(e, &e->version);
}

/* [trustee] CertificateChain {hsk_cek: Option<HskCek {hsk, cek}>, pek} */
static uat_err parse_chain(const json_t *j, uat_csv_evidence *e)
{
    UAT_ENSURE(json_is_object(j), UAT_ERR_PARSE_BAD_JSON, CHECK, "cert_chain", -1);
    const json_t *hc = json_object_get(j, "hsk_cek");
    size_t members = hc != NULL ? 2 : 1;
    UAT_ENSURE(json_object_size(j) == members, UAT_ERR_PARSE_BAD_JSON, CHECK, "cert_chain", -1);
    UAT_TRY(uat_csv_cert_from_json(json_object_get(j, "pek"), e->pek));
    e->has_hsk_cek = hc != NULL && !json_is_null(hc);
    if (!e->has_hsk_cek) {
        return UAT_OK;
    }
    UAT_ENSURE(json_is_object(hc) && json_object_size(hc) == 2, UAT_ERR_PARSE_BAD_JSON, CHECK,
               "hsk_cek", -1);
    UAT_TRY(uat_csv_ca_cert_from_json(json_object_get(hc, "hsk"), e->hsk_cek));
    return uat_csv_cert_from_json(json_object_get(hc, "cek"), e->hsk_cek + UAT_CSV_CA_CERT_SIZE);
}

static int chip_id_char(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_';
}

/* [trustee] serial_number: the chip ID, NUL-padded ([csv-rs] TeeInfoSigner.sn is 64 bytes). It
 * names a folder of the collateral: letters, digits, '-' and '_' only. */
static uat_err parse_serial(const json_t *j, uat_csv_evidence *e)
{
    size_t n = json_array_size(j);
    UAT_ENSURE(json_is_array(j) && n >= 1 && n <= UAT_CSV_SN_SIZE, UAT_ERR_PARSE_BAD_JSON, CHECK,
               "serial_number", -1);
    field f = {"serial_number", K_BYTES, n, NULL};
    uat_buf b;
    uat_buf_init(&b, UAT_CSV_SN_SIZE);
    uat_err rc = bytes_to_bin(j, &f, &b);
    if (rc == UAT_OK) {
        memset(e->serial, 0, sizeof(e->serial));
        memcpy(e->serial, b.p, n);
        e->serial_len = n;
    }
    uat_buf_free(&b);
    UAT_TRY(rc);
    size_t len = 0;
    while (len < n && e->serial[len] != 0) {
        UAT_ENSURE(chip_id_char(e->serial[len]), UAT_ERR_PARSE_BAD_VALUE, CHECK, "serial_number",
                   (int64_t)len);
        len++;
    }
    UAT_ENSURE(len > 0, UAT_ERR_PARSE_BAD_VALUE, CHECK, "serial_number", 0);
    UAT_ENSURE(uat_is_zero(e->serial + len, n - len), UAT_ERR_PARSE_BAD_VALUE, CHECK,
               "serial_number", (int64_t)len);
    memcpy(e->chip_id, e->serial, len);
    e->chip_id[len] = '\0';
    return UAT_OK;
}

static uat_err evidence_from_json(const json_t *j, uat_csv_evidence *e)
{
    UAT_ENSURE(json_is_object(j), UAT_ERR_PARSE_BAD_JSON, CHECK, "", -1);
    const json_t *log = json_object_get(j, "cc_eventlog");
    UAT_ENSURE(log == NULL || json_is_null(log) || json_is_string(log), UAT_ERR_PARSE_BAD_JSON,
               CHECK, "cc_eventlog", -1);
    size_t members = 3 + (log != NULL ? 1 : 0);
    if (json_object_size(j) != members) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, CHECK, "", -1,
                         "the evidence has %zu members; CSV evidence has attestation_report, "
                         "cert_chain, serial_number and optionally cc_eventlog",
                         json_object_size(j));
    }
    UAT_TRY(parse_wrapper(json_object_get(j, "attestation_report"), e));
    UAT_TRY(parse_chain(json_object_get(j, "cert_chain"), e));
    return parse_serial(json_object_get(j, "serial_number"), e);
}

static json_t *load(uat_span in, json_error_t *err)
{
    if (in.p == NULL || in.len == 0 || in.len > UAT_MAX_EVIDENCE_BYTES) {
        return NULL;
    }
    return json_loadb((const char *)in.p, in.len, JSON_REJECT_DUPLICATES, err);
}

uat_err uat_csv_evidence_parse(uat_span in, uat_csv_evidence *out)
{
    UAT_ENSURE(in.len <= UAT_MAX_EVIDENCE_BYTES, UAT_ERR_RESOURCE_LIMIT, CHECK, "", -1);
    json_error_t err;
    json_t *j = load(in, &err);
    if (j == NULL) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, CHECK, "", in.len ? (int64_t)err.position : 0,
                         "%s", in.len ? err.text : "empty input");
    }
    uat_err rc = evidence_from_json(j, out);
    json_decref(j);
    return rc;
}

int uat_csv_sniff(uat_span in)
{
    size_t i = 0;
    while (in.p != NULL && i < in.len &&
           (in.p[i] == ' ' || in.p[i] == '\t' || in.p[i] == '\r' || in.p[i] == '\n')) {
        i++;
    }
    if (in.p == NULL || i == in.len || in.p[i] != '{') {
        return 0; /* not an object: no need to parse */
    }
    if (uat_json_text_lacks(in, "attestation_report")) {
        return 0; /* another format's JSON: no need to parse either */
    }
    json_error_t err;
    json_t *j = load(in, &err);
    int ok = json_is_object(json_object_get(j, "attestation_report")) &&
             json_is_object(json_object_get(j, "cert_chain")) &&
             json_is_array(json_object_get(j, "serial_number"));
    json_decref(j);
    return ok;
}

static uat_err describe_certs(const uat_csv_evidence *e, json_t *fields)
{
    uat_csv_cert pek, cek;
    uat_csv_ca_cert hsk;
    json_t *o = json_object();
    UAT_TRY(uat_json_set(fields, "pek", o));
    UAT_TRY(uat_csv_cert_parse(uat_span_of(e->pek, sizeof(e->pek)), &pek));
    UAT_TRY(uat_csv_cert_describe(&pek, o));
    if (!e->has_hsk_cek) {
        return UAT_OK;
    }
    UAT_TRY(uat_csv_hsk_cek_parse(uat_span_of(e->hsk_cek, sizeof(e->hsk_cek)), &hsk, &cek));
    UAT_TRY(uat_json_set(fields, "hsk", o = json_object()));
    UAT_TRY(uat_csv_ca_cert_describe(&hsk, o));
    UAT_TRY(uat_json_set(fields, "cek", o = json_object()));
    return uat_csv_cert_describe(&cek, o);
}

uat_err uat_csv_inspect(uat_span in, json_t *fields)
{
    uat_csv_evidence *e = malloc(sizeof(*e));
    if (e == NULL) {
        return UAT_NOMEM(CHECK);
    }
    uat_csv_report r;
    uat_err rc = uat_csv_evidence_parse(in, e);
    if (rc == UAT_OK) {
        rc = uat_csv_report_parse(uat_span_of(e->data, sizeof(e->data)), e->version, &r);
    }
    if (rc == UAT_OK) {
        rc = uat_csv_report_describe(&r, fields);
    }
    if (rc == UAT_OK) {
        rc = uat_json_set_str(fields, "serial_number", e->chip_id);
    }
    if (rc == UAT_OK) {
        rc = describe_certs(e, fields);
    }
    free(e);
    return rc;
}

/* ---- writing ---- */

static uat_err set_bin(json_t *o, const char *name, uat_span in, const field *f, const char *check)
{
    json_t *v = NULL;
    UAT_TRY(bin_to_json(in, f, check, &v));
    return uat_json_set(o, name, v);
}

static uat_err write_chain(const uat_csv_evidence_in *in, json_t *chain)
{
    if (in->hsk_cek.len != 0) {
        UAT_ENSURE(in->hsk_cek.len == UAT_CSV_HSK_CEK_SIZE, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK,
                   "hsk_cek", -1);
        json_t *hc = json_object();
        UAT_TRY(uat_json_set(chain, "hsk_cek", hc));
        UAT_TRY(set_bin(hc, "hsk", uat_span_of(in->hsk_cek.p, UAT_CSV_CA_CERT_SIZE), f_ca_cert,
                        "csv.ca_cert"));
        UAT_TRY(set_bin(hc, "cek",
                        uat_span_of(in->hsk_cek.p + UAT_CSV_CA_CERT_SIZE, UAT_CSV_CERT_SIZE),
                        f_csv_cert, "csv.cert"));
    }
    return set_bin(chain, "pek", in->pek, f_csv_cert, "csv.cert");
}

static uat_err write_doc(const uat_csv_evidence_in *in, json_t *doc)
{
    uint8_t raw[16 + 4 + UAT_CSV_REPORT_PAGE];
    UAT_ENSURE(in->magic != NULL && in->data.len == UAT_CSV_REPORT_PAGE &&
                   in->serial.len >= 1 && in->serial.len <= UAT_CSV_SN_SIZE,
               UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "", -1);
    memcpy(raw, in->magic, 16);
    for (size_t i = 0; i < 4; i++) {
        raw[16 + i] = (uint8_t)(in->flags >> (8 * i));
    }
    memcpy(raw + 20, in->data.p, UAT_CSV_REPORT_PAGE);
    UAT_TRY(set_bin(doc, "attestation_report", uat_span_of(raw, sizeof(raw)), f_wrapper, CHECK));
    json_t *chain = json_object();
    UAT_TRY(uat_json_set(doc, "cert_chain", chain));
    UAT_TRY(write_chain(in, chain));
    field f = {"serial_number", K_BYTES, in->serial.len, NULL};
    json_t *sn = NULL;
    uat_reader r;
    uat_rd_init(&r, in->serial, CHECK);
    UAT_TRY(field_to_json(&r, &f, &sn));
    return uat_json_set(doc, "serial_number", sn);
}

uat_err uat_csv_evidence_write(const uat_csv_evidence_in *in, uat_buf *out)
{
    json_t *doc = json_object();
    if (doc == NULL) {
        return UAT_NOMEM(CHECK);
    }
    uat_err rc = write_doc(in, doc);
    if (rc == UAT_OK) {
        rc = uat_json_write(doc, out);
    }
    json_decref(doc);
    return rc;
}
