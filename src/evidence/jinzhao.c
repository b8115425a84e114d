/* jinzhao-attest UnifiedAttestationReport / UnifiedAttestationAuthReport JSON
 * (spec: ../shared/COMPAT.md part D §2.1-§2.4 = jinzhao ual/proto/attestation.proto, and §7.3).
 *
 * jinzhao serialises proto3 messages with protobuf's JSON mapping and parses them with unknown
 * fields refused; nested messages travel as JSON text inside strings (json_report,
 * json_collateral, json_cert_chain, json_nested_reports). uattest reads them as strictly: every
 * object has only the members its message defines, each member has its proto type, and the
 * embedded JSON strings must hold objects. The platform payload's quote is handed, by registry
 * name, to the TEE in the table below; nothing here verifies anything. */
#include "evidence/jinzhao.h"

#include <string.h>

#include "core/limits.h"
#include "crypto/crypto.h"
#include "evidence/claims_int.h"

#define CHECK "jinzhao"

enum jz_payload {
    JZ_QUOTE,       /* {b64_quote, json_collateral?}: the quote is the TEE's evidence */
    JZ_KUNPENG,     /* {b64_quote, int64_version?}: iTrustee report_response */
    JZ_UNSUPPORTED, /* a payload uattest does not take yet (docs/compat.md) */
};

/* str_tee_platform (COMPAT.md D §2.2, A ual/common/attestation.cpp) -> registry TEE, and the
 * members of its json_report message (§2.4). docs/compat.md carries the same table. */
static const struct {
    const char *platform;
    const char *tee;
    enum jz_payload payload;
    int binds_key; /* report data [32,64) = SHA-256(pem_public_key) (COMPAT.md D §2.3) */
    const char *const members[4];
} jz_platforms[] = {
    {"SGX_DCAP", "sgx", JZ_QUOTE, 1, {"b64_quote", "json_collateral", NULL}},
    {"TDX", "tdx", JZ_QUOTE, 1, {"b64_quote", "json_collateral", NULL}},
    {"HyperEnclave", "hyperenclave", JZ_QUOTE, 1, {"b64_quote", NULL}},
    {"Kunpeng", "itrustee", JZ_KUNPENG, 0, {"b64_quote", "int64_version", NULL}},
    {"CSV", "csv", JZ_UNSUPPORTED, 1, {"b64_quote", "str_chip_id", "json_cert_chain", NULL}},
    {"SGX_EPID", "sgx-epid", JZ_UNSUPPORTED, 1, {"b64_quote", NULL}},
};

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
static uat_err embedded_object(const json_t *o, const char *name, json_t **out)
{
    const json_t *v = json_object_get(o, name);
    UAT_ENSURE(json_is_string(v), UAT_ERR_PARSE_BAD_JSON, CHECK, name, -1);
    json_error_t err;
    json_t *doc =
        json_loadb(json_string_value(v), json_string_length(v), JSON_REJECT_DUPLICATES, &err);
    if (!json_is_object(doc)) {
        json_decref(doc);
        return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, CHECK, name, err.position,
                         "%s is not the JSON text of an object", name);
    }
    *out = doc;
    return UAT_OK;
}

static uat_err optional_string(const json_t *o, const char *name)
{
    const json_t *v = json_object_get(o, name);
    if (v != NULL && !json_is_string(v)) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, CHECK, name, -1, "%s is not a string", name);
    }
    return UAT_OK;
}

/* proto3 int64 in JSON: a number or a decimal string (COMPAT.md D §2.1). */
static uat_err optional_int64(const json_t *o, const char *name)
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

/* json_report of one platform: members checked, embedded messages parsed, quote decoded. */
static uat_err payload(const json_t *report, size_t k, uat_buf *inner)
{
    json_t *p = NULL;
    UAT_TRY(embedded_object(report, "json_report", &p));
    uat_err rc = uat_json_only_members(p, jz_platforms[k].members, CHECK, "json_report");
    rc = rc == UAT_OK ? optional_string(p, "str_chip_id") : rc;
    rc = rc == UAT_OK ? optional_int64(p, "int64_version") : rc;
    const char *nested[] = {"json_collateral", "json_cert_chain"};
    for (size_t i = 0; rc == UAT_OK && i < 2; i++) {
        json_t *c = NULL;
        rc = json_object_get(p, nested[i]) != NULL ? embedded_object(p, nested[i], &c) : UAT_OK;
        json_decref(c); /* collateral: shape-checked, not used (docs/compat.md) */
    }
    const json_t *q = json_object_get(p, "b64_quote");
    if (rc == UAT_OK && !json_is_string(q)) {
        rc = UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, CHECK, "json_report.b64_quote", -1,
                       "json_report has no b64_quote string");
    }
    if (rc == UAT_OK && jz_platforms[k].payload == JZ_UNSUPPORTED) {
        rc = UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, CHECK, "str_tee_platform", -1,
                       "jinzhao %s reports are not accepted yet", jz_platforms[k].platform);
    }
    if (rc == UAT_OK) {
        /* spec: COMPAT.md D §2.1: base64 = RFC 4648 standard alphabet with padding */
        rc = uat_b64_decode(json_string_value(q), json_string_length(q), UAT_B64_STD, inner);
        if (rc != UAT_OK) {
            rc = UAT_FAILF(UAT_ERR_PARSE_BAD_ENCODING, CHECK, "json_report.b64_quote", -1,
                           "b64_quote is not padded standard base64");
        } else if (inner->len == 0) {
            rc = UAT_FAIL(UAT_ERR_PARSE_TRUNCATED, CHECK, "json_report.b64_quote", 0);
        }
    }
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
        UAT_TRY(optional_string(r, names[i]));
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
    for (size_t k = 0; k < sizeof(jz_platforms) / sizeof(jz_platforms[0]); k++) {
        if (strcmp(platform, jz_platforms[k].platform) != 0) {
            continue;
        }
        UAT_TRY(payload(r, k, inner));
        const uat_tee_ops *o = uat_registry_by_name(jz_platforms[k].tee);
        if (o == NULL) {
            return UAT_FAILF(UAT_ERR_UNSUPPORTED_TEE, CHECK, "str_tee_platform", -1,
                             "this build has no %s verifier for jinzhao %s", jz_platforms[k].tee,
                             platform);
        }
        *ops = o;
        return UAT_OK;
    }
    return UAT_FAILF(UAT_ERR_UNSUPPORTED_TEE, CHECK, "str_tee_platform", -1,
                     "jinzhao defines no platform %.64s", platform);
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
        rc = rc == UAT_OK ? optional_string(doc, "pem_public_key") : rc;
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
    for (size_t k = 0; k < sizeof(jz_platforms) / sizeof(jz_platforms[0]); k++) {
        if (strcmp(platform, jz_platforms[k].platform) == 0) {
            binds = jz_platforms[k].binds_key && strcmp(tee, jz_platforms[k].tee) == 0;
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
