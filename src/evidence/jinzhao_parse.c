/* jinzhao-attest UnifiedAttestationReport / UnifiedAttestationAuthReport JSON
 * (spec: ../shared/COMPAT.md part D §2.1-§2.4 = jinzhao ual/proto/attestation.proto, and §7.3).
 *
 * jinzhao serialises proto3 messages with protobuf's JSON mapping and parses them with unknown
 * fields refused; nested messages travel as JSON text inside strings (json_report,
 * json_collateral, json_cert_chain, json_nested_reports). uattest reads them as strictly: every
 * object has only the members its message defines, each member has its proto type, and the
 * embedded JSON strings must hold objects. The platform payload's quote (or, for CSV and
 * SGX_EPID, the message converted by the TEE's evidence_import) is handed, by registry name, to
 * the TEE in the table below. Reading verifies nothing; uat_jinzhao_check_binding, after the
 * TEE verified the evidence, checks the AuthReport's key and the nested results' signature. */
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

/* UnifiedAttestationNestedResult {result (3)}; UnifiedAttestationNestedResults {str_group_name (1),
 * str_group_id (2), results (3)}; UnifiedAttestationNestedReports {json_nested_results (1),
 * b64_nested_signature (2)} (COMPAT.md D §2.2: the format since jinzhao commit 341edc75) */
static const struct jz_field jz_nested_result[] = {
    {"result", JZ_OBJ, uat_jz_attributes},
    {NULL, JZ_STR, NULL},
};
static const struct jz_field jz_nested_results[] = {
    {"str_group_name", JZ_STR, NULL},
    {"str_group_id", JZ_STR, NULL},
    {"results", JZ_LIST, jz_nested_result},
    {NULL, JZ_STR, NULL},
};
const struct jz_field uat_jz_nested_reports[] = {
    {"json_nested_results", JZ_MSG, jz_nested_results},
    {"b64_nested_signature", JZ_STR, NULL},
    {NULL, JZ_STR, NULL},
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
static uat_err parse_msg(const json_t *o, const struct jz_field *f, const char *where, json_t *out);

/* A JZ_OBJ (object) or JZ_LIST (array of objects) member v of field f; *copy when want_copy. */
static uat_err parse_inline(const json_t *v, const struct jz_field *f, int want_copy, json_t **copy)
{
    int list = f->kind == JZ_LIST;
    UAT_ENSURE(list ? json_is_array(v) : json_is_object(v), UAT_ERR_PARSE_BAD_JSON, CHECK, f->name,
               -1);
    UAT_ENSURE(!list || json_array_size(v) <= UAT_MAX_JZ_NESTED, UAT_ERR_RESOURCE_LIMIT, CHECK,
               f->name, -1);
    json_t *c = want_copy ? (list ? json_array() : json_object()) : NULL;
    UAT_ENSURE(!want_copy || c != NULL, UAT_ERR_RESOURCE_NO_MEMORY, CHECK, f->name, -1);
    uat_err rc = UAT_OK;
    for (size_t k = 0; rc == UAT_OK && k < (list ? json_array_size(v) : 1); k++) {
        const json_t *e = list ? json_array_get(v, k) : v;
        json_t *ec = want_copy ? (list ? json_object() : c) : NULL;
        if (!json_is_object(e)) {
            rc = UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, CHECK, f->name, (int64_t)k,
                           "%s[%zu] is not an object", f->name, k);
        } else if (want_copy && ec == NULL) {
            rc = UAT_NOMEM(CHECK);
        } else {
            rc = parse_msg(e, f->msg, f->name, ec);
        }
        if (list && ec != NULL && rc != UAT_OK) {
            json_decref(ec);
        } else if (list && ec != NULL && json_array_append_new(c, ec) != 0) {
            rc = UAT_NOMEM(CHECK); /* jansson freed ec */
        }
    }
    if (rc != UAT_OK) {
        json_decref(c);
        return rc;
    }
    *copy = c;
    return UAT_OK;
}

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
        if (f[i].kind == JZ_STR || (f[i].kind == JZ_MSG && json_string_length(v) == 0)) {
            UAT_TRY(uat_jz_optional_string(o, key)); /* an empty json_* string: no message */
        } else if (f[i].kind == JZ_INT64) {
            UAT_TRY(uat_jz_optional_int64(o, key));
        } else if (f[i].kind == JZ_OBJ || f[i].kind == JZ_LIST) {
            UAT_TRY(parse_inline(v, &f[i], out != NULL, &copy));
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

/* json_nested_reports of report r (COMPAT.md D §2.2) as an object, its json_nested_results
 * parsed and shape-checked; NULL when r has none. b64_nested_signature is required and padded
 * standard base64; json_nested_results required. */
static uat_err nested_of(const json_t *r, json_t **out)
{
    static const struct jz_field field[] = {
        {"json_nested_reports", JZ_MSG, uat_jz_nested_reports},
        {NULL, JZ_STR, NULL},
    };
    *out = NULL;
    const json_t *v = json_object_get(r, "json_nested_reports");
    if (json_string_length(v) == 0) {
        return UAT_OK;
    }
    json_t *holder = json_object();
    UAT_ENSURE(holder != NULL, UAT_ERR_RESOURCE_NO_MEMORY, CHECK, "json_nested_reports", -1);
    json_t *only = json_pack("{s:O}", "json_nested_reports", (json_t *)v);
    uat_err rc = only != NULL ? parse_msg(only, field, "report", holder) : UAT_NOMEM(CHECK);
    json_decref(only);
    json_t *n = json_object_get(holder, "json_nested_reports");
    const json_t *sig = json_object_get(n, "b64_nested_signature");
    uat_buf b;
    uat_buf_init(&b, UAT_MAX_CMW_TEXT_BYTES);
    if (rc == UAT_OK && (!json_is_object(json_object_get(n, "json_nested_results")) ||
                         json_string_length(sig) == 0)) {
        rc = UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, CHECK, "json_nested_reports", -1,
                       "json_nested_reports needs json_nested_results and b64_nested_signature");
    }
    if (rc == UAT_OK && uat_b64_decode(json_string_value(sig), json_string_length(sig),
                                       UAT_B64_STD, &b) != UAT_OK) {
        rc = UAT_FAILF(UAT_ERR_PARSE_BAD_ENCODING, CHECK, "b64_nested_signature", -1,
                       "b64_nested_signature is not padded standard base64");
    }
    uat_buf_free(&b);
    if (rc == UAT_OK) {
        *out = json_incref(n);
    }
    json_decref(holder);
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
        json_t *n = NULL;
        uat_err rc = nested_of(r, &n); /* checked here, verified after the evidence */
        json_decref(n);
        UAT_TRY(rc);
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
/* The key check of an AuthReport whose pem_public_key is not empty. */
static uat_err key_bound(const char *platform, const json_t *pem, const char *tee,
                         const char *report_data_hex)
{
    int binds = 0;
    for (size_t k = 0; k < uat_jz_nplatforms; k++) {
        if (strcmp(platform, uat_jz_platforms[k].platform) == 0) {
            binds = uat_jz_platforms[k].binds_key && tee != NULL &&
                    strcmp(tee, uat_jz_platforms[k].tee) == 0;
        }
    }
    uint8_t h[32], rd[64];
    uat_span part = uat_span_of((const uint8_t *)json_string_value(pem), json_string_length(pem));
    if (!binds) {
        return UAT_FAILF(UAT_ERR_VERIFY_BINDING, CHECK, "pem_public_key", -1,
                         "%s evidence does not bind a public key", platform);
    }
    if (report_data_hex == NULL || strlen(report_data_hex) < 128 ||
        uat_hex_decode_fixed(report_data_hex, 128, rd, sizeof(rd)) != UAT_OK) {
        return UAT_FAIL(UAT_ERR_VERIFY_BINDING, CHECK, "pem_public_key", -1);
    }
    UAT_TRY(uat_hash(UAT_HASH_SHA256, &part, 1, h));
    if (!uat_ct_equal(h, rd + 32, sizeof(h))) {
        return UAT_FAILF(UAT_ERR_VERIFY_BINDING, CHECK, "pem_public_key", -1,
                         "report data [32,64) is not the SHA-256 of pem_public_key");
    }
    return UAT_OK;
}

/* The nested results of report r: RSASSA-PKCS1-v1_5 SHA-256 by the main attester's key (the
 * AuthReport's pem_public_key, already checked as bound) over the exact json_nested_results
 * text (spec: COMPAT.md D §2.2, jinzhao verifier_interface.cpp), then the results as the claim
 * jinzhao_nested. */
static uat_err nested_verified(const json_t *r, const json_t *pem, json_t *claims_doc)
{
    json_t *raw = NULL, *n = NULL;
    UAT_TRY(nested_of(r, &n));
    if (n == NULL) {
        return UAT_OK;
    }
    uat_err rc = UAT_OK;
    if (json_string_length(pem) == 0) {
        rc = UAT_FAILF(UAT_ERR_VERIFY_BINDING, CHECK, "json_nested_reports", -1,
                       "nested results are signed by the main attester's key: verify the "
                       "AuthReport that carries it (pem_public_key)");
    }
    rc = rc == UAT_OK ? uat_jz_embedded_object(r, "json_nested_reports", &raw) : rc;
    const json_t *text = json_object_get(raw, "json_nested_results");
    const json_t *sig64 = json_object_get(raw, "b64_nested_signature");
    uat_key *key = NULL;
    uat_buf sig;
    uat_buf_init(&sig, UAT_MAX_CMW_TEXT_BYTES);
    if (rc == UAT_OK) {
        rc = uat_key_from_pem(uat_span_of(json_string_value(pem), json_string_length(pem)), &key);
        if (rc != UAT_OK) {
            rc = UAT_FAILF(rc, CHECK, "pem_public_key", -1,
                           "pem_public_key is not a public key in PEM (PKCS#1 or SPKI)");
        }
    }
    if (rc == UAT_OK && uat_key_kind_of(key) != UAT_KEY_RSA) {
        rc = UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, CHECK, "pem_public_key", -1,
                       "jinzhao signs nested results with an RSA key only");
    }
    rc = rc == UAT_OK ? uat_b64_decode(json_string_value(sig64), json_string_length(sig64),
                                       UAT_B64_STD, &sig)
                      : rc;
    if (rc == UAT_OK) {
        rc = uat_sig_verify(key, UAT_SIG_RS256,
                            uat_span_of(json_string_value(text), json_string_length(text)),
                            uat_buf_span(&sig), "jinzhao.nested");
        if (rc != UAT_OK) {
            rc = UAT_FAILF(UAT_ERR_VERIFY_SIGNATURE, CHECK, "b64_nested_signature", -1,
                           "the nested results are not signed by pem_public_key");
        }
    }
    if (rc == UAT_OK &&
        json_object_set(claims_doc, "jinzhao_nested", json_object_get(n, "json_nested_results")) !=
            0) {
        rc = UAT_NOMEM(CHECK);
    }
    uat_key_free(key);
    uat_buf_free(&sig);
    json_decref(raw);
    json_decref(n);
    return rc;
}

uat_err uat_jinzhao_check_binding(uat_span in, uat_claims *claims)
{
    json_t *doc = json_loadb((const char *)in.p, in.len, JSON_REJECT_DUPLICATES, NULL);
    const json_t *r = json_object_get(doc, "report");
    const json_t *pem = json_object_get(doc, "pem_public_key");
    r = r != NULL ? r : doc;
    const char *platform = json_string_value(json_object_get(r, "str_tee_platform"));
    json_t *cd = uat_claims_doc(claims);
    uat_err rc = doc != NULL && platform != NULL
                     ? UAT_OK
                     : UAT_FAIL(UAT_ERR_PARSE_BAD_JSON, CHECK, "", -1); /* unwrap read it */
    if (rc == UAT_OK && json_string_length(pem) > 0) {
        rc = key_bound(platform, pem, uat_claims_tee(claims),
                       json_string_value(json_object_get(cd, "report_data")));
    }
    rc = rc == UAT_OK ? nested_verified(r, pem, cd) : rc;
    json_decref(doc);
    return rc;
}
