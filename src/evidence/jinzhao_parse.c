/* jinzhao-attest UnifiedAttestationReport / UnifiedAttestationAuthReport JSON
 * (spec: ../shared/COMPAT.md part D §2.1-§2.4 = jinzhao ual/proto/attestation.proto, and §7.3).
 *
 * jinzhao serialises proto3 messages with protobuf's JSON mapping and parses them with unknown
 * fields refused; nested messages travel as JSON text inside strings (json_report,
 * json_collateral, json_cert_chain, json_nested_reports). uattest reads them as strictly: every
 * object has only the members its message defines, each member has its proto type, and the
 * embedded JSON strings must hold objects. The platform payload's quote is handed, by registry
 * name, to the TEE in the table below; nothing here verifies anything. */
#include "evidence/jinzhao_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "crypto/crypto.h"
#include "evidence/claims_int.h"
#include "uattest/jinzhao.h"

#define CHECK UAT_JZ_CHECK

/* SgxQlQveCollateral (COMPAT.md D §2.4, A ual/proto/attestation.proto: version = 1 ... tee_type = 20) */
static const struct jz_field jz_collateral[] = {
    {"version", JZ_INT64, NULL},
    {"pck_crl_issuer_chain", JZ_STR, NULL},
    {"root_ca_crl", JZ_STR, NULL},
    {"pck_crl", JZ_STR, NULL},
    {"tcb_info_issuer_chain", JZ_STR, NULL},
    {"tcb_info", JZ_STR, NULL},
    {"qe_identity_issuer_chain", JZ_STR, NULL},
    {"qe_identity", JZ_STR, NULL},
    {"tee_type", JZ_INT64, NULL},
    {NULL, JZ_STR, NULL},
};
/* HygonCsvCertChain */
static const struct jz_field jz_csv_chain[] = {
    {"b64_hsk_cert", JZ_STR, NULL},
    {"b64_cek_cert", JZ_STR, NULL},
    {NULL, JZ_STR, NULL},
};
/* DcapReport and IntelTdxReport */
const struct jz_field uat_jz_dcap_report[] = {
    {"b64_quote", JZ_STR, NULL},
    {"json_collateral", JZ_MSG, jz_collateral},
    {NULL, JZ_STR, NULL},
};
/* HyperEnclaveReport; EpidReport (BackgroundCheck) has the same one member */
static const struct jz_field jz_quote_only[] = {
    {"b64_quote", JZ_STR, NULL},
    {NULL, JZ_STR, NULL},
};
static const struct jz_field jz_kunpeng_report[] = {
    {"b64_quote", JZ_STR, NULL},
    {"int64_version", JZ_INT64, NULL},
    {NULL, JZ_STR, NULL},
};
static const struct jz_field jz_csv_report[] = {
    {"b64_quote", JZ_STR, NULL},
    {"str_chip_id", JZ_STR, NULL},
    {"json_cert_chain", JZ_MSG, jz_csv_chain},
    {NULL, JZ_STR, NULL},
};

/* IasReport (A ual/network/ias/ias_client.cpp) */
const struct jz_field uat_jz_ias_report[] = {
    {"b64_signature", JZ_STR, NULL},    {"str_signing_cert", JZ_STR, NULL},
    {"str_advisory_url", JZ_STR, NULL}, {"str_advisory_ids", JZ_STR, NULL},
    {"json_response_body", JZ_STR, NULL}, {NULL, JZ_STR, NULL},
};

/* docs/compat.md carries the same table. */
const struct uat_jz_platform uat_jz_platforms[] = {
    {"SGX_DCAP", "sgx", JZ_QUOTE, 1, uat_jz_dcap_report, NULL, NULL, NULL},
    {"TDX", "tdx", JZ_QUOTE, 1, uat_jz_dcap_report, NULL, NULL, NULL},
    {"HyperEnclave", "hyperenclave", JZ_QUOTE, 1, jz_quote_only, NULL, NULL, NULL},
    {"Kunpeng", "itrustee", JZ_KUNPENG, 0, jz_kunpeng_report, NULL, NULL, NULL},
    {"CSV", "csv", JZ_IMPORT, 1, jz_csv_report, "HygonCsvReport", NULL, NULL},
    /* BackgroundCheck: EpidReport {b64_quote}; Passport: base64 of the IasReport JSON */
    {"SGX_EPID", "sgx-epid", JZ_IMPORT, 1, jz_quote_only, "EpidReport", "IasReport",
     uat_jz_ias_report},
};
const size_t uat_jz_nplatforms = sizeof(uat_jz_platforms) / sizeof(uat_jz_platforms[0]);

size_t uat_jz_platform_index(const char *platform)
{
    size_t k = 0;
    while (k < uat_jz_nplatforms &&
           (platform == NULL || strcmp(platform, uat_jz_platforms[k].platform) != 0)) {
        k++;
    }
    return k;
}

static size_t skip_ws(uat_span in)
{
    size_t i = 0;
    while (i < in.len &&
           (in.p[i] == ' ' || in.p[i] == '\t' || in.p[i] == '\r' || in.p[i] == '\n')) {
        i++;
    }
    return i;
}

static int is_report(const json_t *o)
{
    return json_is_object(o) && json_object_get(o, "str_tee_platform") != NULL;
}

int uat_jinzhao_sniff(uat_span in)
{
    size_t i = skip_ws(in);
    if (in.p == NULL || i == in.len || in.p[i] != '{' || in.len > UAT_MAX_CMW_TEXT_BYTES) {
        return 0;
    }
    /* neither member below can be in the text: no need to parse it (large reports of other TEEs
     * pass here first) */
    if (uat_json_text_lacks(in, "str_tee_platform") && uat_json_text_lacks(in, "pem_public_key")) {
        return 0;
    }
    json_t *j = json_loadb((const char *)in.p, in.len, 0, NULL);
    /* an AuthReport is {report, pem_public_key}: either member marks one, whatever the report */
    int ok =
        is_report(j) ||
        (json_is_object(j) && json_object_get(j, "report") != NULL &&
         (is_report(json_object_get(j, "report")) || json_object_get(j, "pem_public_key") != NULL));
    json_decref(j);
    return ok;
}

/* A string member that holds JSON text of an object (protobuf's nested-message-as-string). */
uat_err uat_jz_embedded_object(const json_t *o, const char *name, json_t **out)
{
    const json_t *v = json_object_get(o, name);
    UAT_ENSURE(json_is_string(v), UAT_ERR_PARSE_BAD_JSON, CHECK, name, -1);
    json_error_t err;
    /* JSON_ALLOW_NUL: jinzhao's CSV str_chip_id carries its trailing NULs as \u0000 */
    json_t *doc = json_loadb(json_string_value(v), json_string_length(v),
                             JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &err);
    if (!json_is_object(doc)) {
        json_decref(doc);
        return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, CHECK, name, err.position,
                         "%s is not the JSON text of an object", name);
    }
    *out = doc;
    return UAT_OK;
}

uat_err uat_jz_optional_string(const json_t *o, const char *name)
{
    const json_t *v = json_object_get(o, name);
    if (v != NULL && !json_is_string(v)) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, CHECK, name, -1, "%s is not a string", name);
    }
    return UAT_OK;
}

/* proto3 int64 in JSON: a number or a decimal string (COMPAT.md D §2.1). */
uat_err uat_jz_optional_int64(const json_t *o, const char *name)
{
    const json_t *v = json_object_get(o, name);
    if (v == NULL || json_is_integer(v)) {
        return UAT_OK;
    }
    const char *s = json_string_value(v);
    size_t n = json_string_length(v), i = s != NULL && n > 0 && s[0] == '-' ? 1 : 0;
    UAT_ENSURE(s != NULL && n > i && n - i <= 19, UAT_ERR_PARSE_BAD_JSON, CHECK, name, -1);
    for (; i < n; i++) {
        UAT_ENSURE(s[i] >= '0' && s[i] <= '9', UAT_ERR_PARSE_BAD_JSON, CHECK, name, -1);
    }
    return UAT_OK;
}

/* Object o has only the members of message f, each of its type; embedded messages recursively
 * (two levels at most: json_report, then json_collateral or json_cert_chain). When out is not
 * NULL, the members are copied into it with the embedded messages as parsed objects. */
static uat_err parse_msg(const json_t *o, const struct jz_field *f, const char *where, json_t *out)
{
    const char *key;
    json_t *v;
    json_object_foreach ((json_t *)o, key, v) {
        size_t i = 0;
        while (f[i].name != NULL && strcmp(f[i].name, key) != 0) {
            i++;
        }
        if (f[i].name == NULL) {
            return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, CHECK, where, -1,
                             "%s has no member \"%.64s\" in jinzhao's message", where, key);
        }
        json_t *copy = NULL;
        if (f[i].kind == JZ_STR) {
            UAT_TRY(uat_jz_optional_string(o, key));
        } else if (f[i].kind == JZ_INT64) {
            UAT_TRY(uat_jz_optional_int64(o, key));
        } else {
            json_t *c = NULL;
            UAT_TRY(uat_jz_embedded_object(o, key, &c));
            copy = out != NULL ? json_object() : NULL;
            uat_err rc = out != NULL && copy == NULL ? UAT_NOMEM(CHECK)
                                                     : parse_msg(c, f[i].msg, f[i].name, copy);
            json_decref(c);
            if (rc != UAT_OK) {
                json_decref(copy);
                return rc;
            }
        }
        if (out != NULL && json_object_set_new(out, key, copy != NULL ? copy : json_incref(v)) != 0) {
            return UAT_NOMEM(CHECK);
        }
    }
    return UAT_OK;
}

uat_err uat_jz_check_msg(const json_t *o, const struct jz_field *f, const char *where)
{
    return parse_msg(o, f, where, NULL);
}

uat_err uat_jz_ias_object(const json_t *report, json_t **out, int *wrapped)
{
    const json_t *v = json_object_get(report, "json_report");
    UAT_ENSURE(json_is_string(v), UAT_ERR_PARSE_BAD_JSON, CHECK, "json_report", -1);
    const char *s = json_string_value(v);
    size_t n = json_string_length(v), i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) {
        i++;
    }
    if (i < n && s[i] == '{') {
        *wrapped = 0; /* ReportConvert::BgcheckToPassport stores the plain JSON */
        return uat_jz_embedded_object(report, "json_report", out);
    }
    /* spec: COMPAT.md D §2.4: IasFetchReport stores base64(JSON(IasReport)), standard alphabet */
    uat_buf text;
    uat_buf_init(&text, UAT_MAX_CMW_TEXT_BYTES);
    uat_err rc = uat_b64_decode(s, n, UAT_B64_STD, &text);
    if (rc != UAT_OK) {
        uat_buf_free(&text);
        return UAT_FAILF(UAT_ERR_PARSE_BAD_ENCODING, CHECK, "json_report", -1,
                         "an SGX_EPID Passport's json_report is neither base64 nor JSON text");
    }
    json_error_t err;
    json_t *doc = json_loadb((const char *)text.p, text.len, JSON_REJECT_DUPLICATES, &err);
    uat_buf_free(&text);
    if (!json_is_object(doc)) {
        json_decref(doc);
        return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, CHECK, "json_report", err.position,
                         "an SGX_EPID Passport's json_report is not base64 of an IasReport object");
    }
    *wrapped = 1;
    *out = doc;
    return UAT_OK;
}

/* The quote of a JZ_QUOTE / JZ_KUNPENG payload p: padded standard base64, not empty. */
static uat_err quote_of(const json_t *p, uat_buf *inner)
{
    const json_t *q = json_object_get(p, "b64_quote");
    if (!json_is_string(q)) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, CHECK, "json_report.b64_quote", -1,
                         "json_report has no b64_quote string");
    }
    /* spec: COMPAT.md D §2.1: base64 = RFC 4648 standard alphabet with padding */
    if (uat_b64_decode(json_string_value(q), json_string_length(q), UAT_B64_STD, inner) !=
        UAT_OK) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_ENCODING, CHECK, "json_report.b64_quote", -1,
                         "b64_quote is not padded standard base64");
    }
    UAT_ENSURE(inner->len > 0, UAT_ERR_PARSE_TRUNCATED, CHECK, "json_report.b64_quote", 0);
    return UAT_OK;
}

/* json_report of platform k in a report of type: members checked, embedded messages parsed, the
 * platform's evidence into inner (the quote, or what the TEE makes of the message). */
static uat_err payload(const json_t *report, size_t k, const char *type, const uat_tee_ops *ops,
                       uat_buf *inner)
{
    const struct uat_jz_platform *pl = &uat_jz_platforms[k];
    int passport = strcmp(type, "Passport") == 0 && pl->passport_fields != NULL;
    const struct jz_field *fields = passport ? pl->passport_fields : pl->fields;
    json_t *p = NULL, *msg = NULL;
    int wrapped = 0;
    uat_err rc = passport ? uat_jz_ias_object(report, &p, &wrapped)
                          : uat_jz_embedded_object(report, "json_report", &p);
    if (rc == UAT_OK && pl->payload == JZ_IMPORT) {
        /* collateral and chains carried in the message go to the TEE, untrusted as the quote */
        char format[64];
        snprintf(format, sizeof(format), "jinzhao/%s", passport ? pl->passport_message : pl->message);
        msg = json_object();
        rc = msg == NULL ? UAT_NOMEM(CHECK) : parse_msg(p, fields, "json_report", msg);
        if (rc == UAT_OK && ops->evidence_import == NULL) {
            rc = UAT_FAILF(UAT_ERR_INTERNAL, CHECK, "str_tee_platform", -1,
                           "the %s TEE converts no jinzhao message", ops->name);
        }
        rc = rc == UAT_OK ? ops->evidence_import(format, msg, inner) : rc;
    } else if (rc == UAT_OK) {
        /* collateral: shape-checked, not used (docs/compat.md) */
        rc = uat_jz_check_msg(p, fields, "json_report");
        rc = rc == UAT_OK ? quote_of(p, inner) : rc;
    }
    json_decref(msg);
    json_decref(p);
    return rc;
}

/* UnifiedAttestationReport (COMPAT.md D §2.2). */
static uat_err report(const json_t *r, const uat_tee_ops **ops, uat_buf *inner)
{
    static const char *const names[] = {"str_report_version",  "str_report_type",
                                        "str_tee_platform",    "json_report",
                                        "json_nested_reports", NULL};
    UAT_ENSURE(json_is_object(r), UAT_ERR_PARSE_BAD_JSON, CHECK, "report", -1);
    UAT_TRY(uat_json_only_members(r, names, CHECK, "report"));
    for (size_t i = 0; names[i] != NULL; i++) {
        UAT_TRY(uat_jz_optional_string(r, names[i]));
    }
    const char *version = json_string_value(json_object_get(r, "str_report_version"));
    const char *type = json_string_value(json_object_get(r, "str_report_type"));
    const char *platform = json_string_value(json_object_get(r, "str_tee_platform"));
    const char *nested = json_string_value(json_object_get(r, "json_nested_reports"));
    UAT_ENSURE(version == NULL || strcmp(version, "1.0") == 0, UAT_ERR_PARSE_BAD_VALUE, CHECK,
               "str_report_version", -1);
    UAT_ENSURE(type != NULL && (strcmp(type, "BackgroundCheck") == 0 ||
                                strcmp(type, "Passport") == 0 || strcmp(type, "Uas") == 0),
               UAT_ERR_PARSE_BAD_VALUE, CHECK, "str_report_type", -1);
    if (strcmp(type, "Uas") == 0) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, CHECK, "str_report_type", -1,
                         "a Uas report carries another service's verdict, not evidence");
    }
    if (nested != NULL && nested[0] != '\0') {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, CHECK, "json_nested_reports", -1,
                         "nested (group) reports are not accepted yet");
    }
    UAT_ENSURE(platform != NULL, UAT_ERR_PARSE_BAD_JSON, CHECK, "str_tee_platform", -1);
    size_t k = uat_jz_platform_index(platform);
    if (k == uat_jz_nplatforms) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_TEE, CHECK, "str_tee_platform", -1,
                         "jinzhao defines no platform %.64s", platform);
    }
    const uat_tee_ops *o = uat_registry_by_name(uat_jz_platforms[k].tee);
    if (o == NULL) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_TEE, CHECK, "str_tee_platform", -1,
                         "this build has no %s verifier for jinzhao %s", uat_jz_platforms[k].tee,
                         platform);
    }
    UAT_TRY(payload(r, k, type, o, inner));
    *ops = o;
    return UAT_OK;
}

uat_err uat_jinzhao_unwrap(uat_span in, const uat_tee_ops **ops, uat_buf *inner)
{
    UAT_ENSURE(in.len <= UAT_MAX_CMW_TEXT_BYTES, UAT_ERR_RESOURCE_LIMIT, CHECK, "", -1);
    json_error_t err;
    json_t *doc = json_loadb((const char *)in.p, in.len, JSON_REJECT_DUPLICATES, &err);
    if (!json_is_object(doc)) {
        json_decref(doc);
        return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, CHECK, "", err.position,
                         "a jinzhao report is a JSON object");
    }
    uat_err rc;
    if (json_object_get(doc, "report") != NULL) {
        /* UnifiedAttestationAuthReport {report, pem_public_key} (COMPAT.md D §2.2) */
        static const char *const names[] = {"report", "pem_public_key", NULL};
        rc = uat_json_only_members(doc, names, CHECK, "auth report");
        rc = rc == UAT_OK ? uat_jz_optional_string(doc, "pem_public_key") : rc;
        rc = rc == UAT_OK ? report(json_object_get(doc, "report"), ops, inner) : rc;
    } else {
        rc = report(doc, ops, inner);
    }
    json_decref(doc);
    return rc;
}

/* The AuthReport's pem_public_key must be the key the evidence binds: report data [32,64) =
 * SHA-256 of the exact PEM string (spec: COMPAT.md D §2.3, jinzhao PrepareReportData). */
uat_err uat_jinzhao_check_key(uat_span in, const char *tee, const char *report_data_hex)
{
    json_t *doc = json_loadb((const char *)in.p, in.len, JSON_REJECT_DUPLICATES, NULL);
    const json_t *pem = json_object_get(doc, "pem_public_key");
    const char *platform =
        json_string_value(json_object_get(json_object_get(doc, "report"), "str_tee_platform"));
    uat_err rc = UAT_OK;
    if (json_string_length(pem) == 0 || platform == NULL) {
        json_decref(doc);
        return UAT_OK; /* a bare report, or an AuthReport without a key: nothing is claimed */
    }
    int binds = 0;
    for (size_t k = 0; k < uat_jz_nplatforms; k++) {
        if (strcmp(platform, uat_jz_platforms[k].platform) == 0) {
            binds = uat_jz_platforms[k].binds_key && strcmp(tee, uat_jz_platforms[k].tee) == 0;
        }
    }
    uint8_t h[32], rd[64];
    uat_span part = uat_span_of((const uint8_t *)json_string_value(pem), json_string_length(pem));
    if (!binds) {
        rc = UAT_FAILF(UAT_ERR_VERIFY_BINDING, CHECK, "pem_public_key", -1,
                       "%s evidence does not bind a public key", platform);
    } else if (report_data_hex == NULL || strlen(report_data_hex) < 128 ||
               uat_hex_decode_fixed(report_data_hex, 128, rd, sizeof(rd)) != UAT_OK) {
        rc = UAT_FAIL(UAT_ERR_VERIFY_BINDING, CHECK, "pem_public_key", -1);
    } else {
        rc = uat_hash(UAT_HASH_SHA256, &part, 1, h);
        if (rc == UAT_OK && !uat_ct_equal(h, rd + 32, sizeof(h))) {
            rc = UAT_FAILF(UAT_ERR_VERIFY_BINDING, CHECK, "pem_public_key", -1,
                           "report data [32,64) is not the SHA-256 of pem_public_key");
        }
    }
    json_decref(doc);
    return rc;
}
