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

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "crypto/crypto.h"
#include "evidence/claims_int.h"
#include "uattest/jinzhao.h"

#define CHECK "jinzhao"

enum jz_payload {
    JZ_QUOTE,       /* {b64_quote, json_collateral?}: the quote is the TEE's evidence */
    JZ_KUNPENG,     /* {b64_quote, int64_version?}: iTrustee report_response */
    JZ_UNSUPPORTED, /* a payload uattest does not take yet (docs/compat.md) */
};

/* The members of one proto3 message in field-number order (the order protobuf's JSON printer
 * writes them; COMPAT.md D §2.1), with their JSON types: a string, an int64 (a number or a
 * decimal string on input, a decimal string on output) or a nested message carried as JSON text
 * in a string. */
enum jz_kind { JZ_STR, JZ_INT64, JZ_MSG };
struct jz_field {
    const char *name;
    enum jz_kind kind;
    const struct jz_field *msg; /* JZ_MSG: the embedded message's fields */
};

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
static const struct jz_field jz_dcap_report[] = {
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

/* str_tee_platform (COMPAT.md D §2.2, A ual/common/attestation.cpp) -> registry TEE, and the
 * message of its json_report (§2.4). docs/compat.md carries the same table. */
static const struct {
    const char *platform;
    const char *tee;
    enum jz_payload payload;
    int binds_key; /* report data [32,64) = SHA-256(pem_public_key) (COMPAT.md D §2.3) */
    const struct jz_field *fields;
} jz_platforms[] = {
    {"SGX_DCAP", "sgx", JZ_QUOTE, 1, jz_dcap_report},
    {"TDX", "tdx", JZ_QUOTE, 1, jz_dcap_report},
    {"HyperEnclave", "hyperenclave", JZ_QUOTE, 1, jz_quote_only},
    {"Kunpeng", "itrustee", JZ_KUNPENG, 0, jz_kunpeng_report},
    {"CSV", "csv", JZ_UNSUPPORTED, 1, jz_csv_report},
    {"SGX_EPID", "sgx-epid", JZ_UNSUPPORTED, 1, jz_quote_only},
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

/* Object o has only the members of message f, each of its type; embedded messages recursively
 * (two levels at most: json_report, then json_collateral or json_cert_chain). */
static uat_err check_msg(const json_t *o, const struct jz_field *f, const char *where)
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
        if (f[i].kind == JZ_STR) {
            UAT_TRY(optional_string(o, key));
        } else if (f[i].kind == JZ_INT64) {
            UAT_TRY(optional_int64(o, key));
        } else {
            json_t *c = NULL;
            UAT_TRY(embedded_object(o, key, &c));
            uat_err rc = check_msg(c, f[i].msg, f[i].name);
            json_decref(c);
            UAT_TRY(rc);
        }
    }
    return UAT_OK;
}

/* json_report of one platform: members checked, embedded messages parsed, quote decoded. */
static uat_err payload(const json_t *report, size_t k, uat_buf *inner)
{
    json_t *p = NULL;
    UAT_TRY(embedded_object(report, "json_report", &p));
    /* collateral and certificate chains: shape-checked, not used (docs/compat.md) */
    uat_err rc = check_msg(p, jz_platforms[k].fields, "json_report");
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

/* ---- writing jinzhao JSON as jinzhao writes it (COMPAT.md D §2.1, §7.3) ----
 * protobuf's JSON printer (3.21, A ual/include/attestation/common/protobuf.h: default options):
 * compact, fields in field-number order, empty strings and zero int64s omitted, int64 as a
 * decimal string, nested messages here as JSON text in a string. Its string escaping (protobuf
 * util/internal/json_escaping.cc) [inferred from protobuf's source as recalled, documented in
 * docs/compat.md]: '"' and '\\' with a backslash, \b \f \n \r \t, other control characters, 0x7f,
 * '<' and '>' as \u00xx (lower-case hex), the invisible or line-breaking code points below as
 * \uxxxx, everything else (including '/', and UTF-8 text) as is. */
static int jz_escape_cp(uint32_t cp)
{
    return cp == 0xad || (cp >= 0x600 && cp <= 0x603) || cp == 0x6dd || cp == 0x70f ||
           cp == 0x17b4 || cp == 0x17b5 || (cp >= 0x200b && cp <= 0x200f) ||
           (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x2064) ||
           (cp >= 0x206a && cp <= 0x206f) || cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb);
}

static uat_err put_u16_escape(uat_buf *b, uint32_t u)
{
    static const char hex[] = "0123456789abcdef";
    char e[6] = {'\\', 'u', hex[(u >> 12) & 15], hex[(u >> 8) & 15], hex[(u >> 4) & 15],
                 hex[u & 15]};
    return uat_buf_append(b, e, sizeof(e));
}

/* s is valid UTF-8 (jansson checked it, or uattest wrote it). */
static uat_err put_string(uat_buf *b, const char *s, size_t n)
{
    UAT_TRY(uat_buf_append(b, "\"", 1));
    for (size_t i = 0; i < n; i++) {
        uint8_t c = (uint8_t)s[i];
        const char *short_esc = c == '"'    ? "\\\""
                                : c == '\\' ? "\\\\"
                                : c == '\b' ? "\\b"
                                : c == '\f' ? "\\f"
                                : c == '\n' ? "\\n"
                                : c == '\r' ? "\\r"
                                : c == '\t' ? "\\t"
                                            : NULL;
        if (short_esc != NULL) {
            UAT_TRY(uat_buf_append_str(b, short_esc));
        } else if (c < 0x20 || c == 0x7f || c == '<' || c == '>') {
            UAT_TRY(put_u16_escape(b, c));
        } else if (c < 0x80) {
            UAT_TRY(uat_buf_append(b, &s[i], 1));
        } else {
            size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
            if (len > n - i) {
                len = n - i;
            }
            uint32_t cp = c & (len == 4 ? 0x07u : len == 3 ? 0x0fu : 0x1fu);
            for (size_t k = 1; k < len; k++) {
                cp = (cp << 6) | ((uint8_t)s[i + k] & 0x3fu);
            }
            if (len <= 3 && jz_escape_cp(cp)) {
                UAT_TRY(put_u16_escape(b, cp));
            } else {
                UAT_TRY(uat_buf_append(b, &s[i], len));
            }
            i += len - 1;
        }
    }
    return uat_buf_append(b, "\"", 1);
}

static uat_err put_key(uat_buf *b, int *first, const char *name)
{
    if (!*first) {
        UAT_TRY(uat_buf_append(b, ",", 1));
    }
    *first = 0;
    UAT_TRY(put_string(b, name, strlen(name)));
    return uat_buf_append(b, ":", 1);
}

/* Message f from object o (already checked by check_msg). */
static uat_err emit_msg(uat_buf *b, const json_t *o, const struct jz_field *f)
{
    int first = 1;
    UAT_TRY(uat_buf_append(b, "{", 1));
    for (size_t i = 0; f[i].name != NULL; i++) {
        const json_t *v = json_object_get(o, f[i].name);
        if (v == NULL) {
            continue;
        }
        if (f[i].kind == JZ_STR) {
            if (json_string_length(v) > 0) {
                UAT_TRY(put_key(b, &first, f[i].name));
                UAT_TRY(put_string(b, json_string_value(v), json_string_length(v)));
            }
        } else if (f[i].kind == JZ_INT64) {
            long long x = json_is_integer(v) ? (long long)json_integer_value(v)
                                             : strtoll(json_string_value(v), NULL, 10);
            if (x != 0) {
                char num[32];
                int m = snprintf(num, sizeof(num), "\"%lld\"", x);
                UAT_TRY(put_key(b, &first, f[i].name));
                UAT_TRY(uat_buf_append(b, num, (size_t)m));
            }
        } else {
            json_t *c = NULL;
            uat_buf t;
            uat_buf_init(&t, UAT_MAX_CMW_TEXT_BYTES);
            uat_err rc = embedded_object(o, f[i].name, &c);
            rc = rc == UAT_OK ? emit_msg(&t, c, f[i].msg) : rc;
            rc = rc == UAT_OK ? put_key(b, &first, f[i].name) : rc;
            rc = rc == UAT_OK ? put_string(b, (const char *)t.p, t.len) : rc;
            json_decref(c);
            uat_buf_free(&t);
            UAT_TRY(rc);
        }
    }
    return uat_buf_append(b, "}", 1);
}

static size_t platform_index(const char *platform)
{
    size_t k = 0, n = sizeof(jz_platforms) / sizeof(jz_platforms[0]);
    while (k < n && (platform == NULL || strcmp(platform, jz_platforms[k].platform) != 0)) {
        k++;
    }
    return k;
}

/* UnifiedAttestationReport r (already checked by report()). */
static uat_err emit_report(uat_buf *b, const json_t *r)
{
    size_t k = platform_index(json_string_value(json_object_get(r, "str_tee_platform")));
    UAT_ENSURE(k < sizeof(jz_platforms) / sizeof(jz_platforms[0]), UAT_ERR_UNSUPPORTED_TEE, CHECK,
               "str_tee_platform", -1);
    const struct jz_field fields[] = {
        {"str_report_version", JZ_STR, NULL},
        {"str_report_type", JZ_STR, NULL},
        {"str_tee_platform", JZ_STR, NULL},
        {"json_report", JZ_MSG, jz_platforms[k].fields},
        {"json_nested_reports", JZ_STR, NULL},
        {NULL, JZ_STR, NULL},
    };
    return emit_msg(b, r, fields);
}

/* A report or AuthReport document as jinzhao writes it, NUL-terminated in *out. */
static uat_err emit_doc(const json_t *doc, char **out)
{
    uat_buf b;
    uat_buf_init(&b, UAT_MAX_CMW_TEXT_BYTES);
    uat_err rc;
    const json_t *r = json_object_get(doc, "report");
    if (r != NULL) {
        /* UnifiedAttestationAuthReport {report (1), pem_public_key (2)} */
        const json_t *pem = json_object_get(doc, "pem_public_key");
        rc = uat_buf_append_str(&b, "{\"report\":");
        rc = rc == UAT_OK ? emit_report(&b, r) : rc;
        if (rc == UAT_OK && json_string_length(pem) > 0) {
            rc = uat_buf_append_str(&b, ",\"pem_public_key\":");
            rc = rc == UAT_OK ? put_string(&b, json_string_value(pem), json_string_length(pem)) : rc;
        }
        rc = rc == UAT_OK ? uat_buf_append(&b, "}", 1) : rc;
    } else {
        rc = emit_report(&b, doc);
    }
    rc = rc == UAT_OK ? uat_buf_terminate(&b) : rc;
    if (rc != UAT_OK) {
        uat_buf_free(&b);
        return rc;
    }
    size_t n;
    uat_buf_take(&b, (uint8_t **)out, &n);
    return UAT_OK;
}

uat_err uat_jinzhao_rewrite(const uint8_t *p, size_t n, char **json_out)
{
    UAT_ENSURE(p != NULL && json_out != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "", -1);
    const uat_tee_ops *ops = NULL;
    uat_buf inner;
    uat_buf_init(&inner, UAT_MAX_CMW_TEXT_BYTES);
    uat_err rc = uat_jinzhao_unwrap(uat_span_of(p, n), &ops, &inner); /* every check of verify */
    uat_buf_free(&inner);
    UAT_TRY(rc);
    json_t *doc = json_loadb((const char *)p, n, JSON_REJECT_DUPLICATES, NULL);
    rc = doc != NULL ? emit_doc(doc, json_out) : UAT_NOMEM(CHECK);
    json_decref(doc);
    return rc;
}

uat_err uat_jinzhao_from_cmw(const uat_cmw *evidence, const char *report_type,
                             const char *pem_public_key, char **json_out)
{
    UAT_ENSURE(evidence != NULL && json_out != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "", -1);
    if (report_type == NULL) {
        report_type = "BackgroundCheck";
    }
    if (uat_cmw_kind(evidence) != UAT_CMW_RECORD) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, CHECK, "evidence", -1,
                         "a jinzhao report carries one platform's evidence, not a collection");
    }
    const uat_tee_ops *ops = uat_registry_by_media_type(uat_cmw_media_type(evidence));
    size_t k = 0, n = sizeof(jz_platforms) / sizeof(jz_platforms[0]);
    while (ops != NULL && k < n && strcmp(jz_platforms[k].tee, ops->name) != 0) {
        k++;
    }
    if (ops == NULL || k == n) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_TEE, CHECK, "tee", -1,
                         "jinzhao-attest defines no platform for %s evidence",
                         ops != NULL ? ops->name : "this");
    }
    if (jz_platforms[k].payload == JZ_UNSUPPORTED) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, CHECK, "tee", -1,
                         "jinzhao %s reports are not written yet", jz_platforms[k].platform);
    }
    /* Passport = evidence + collateral (COMPAT.md D §2.4); only the platforms whose Passport
     * payload is the BackgroundCheck one can be written without collateral */
    int passport = strcmp(report_type, "Passport") == 0;
    UAT_ENSURE(passport || strcmp(report_type, "BackgroundCheck") == 0, UAT_ERR_USAGE_INVALID_ARGUMENT,
               CHECK, "report_type", -1);
    if (passport && jz_platforms[k].fields == jz_dcap_report) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, CHECK, "report_type", -1,
                         "a jinzhao %s Passport report needs collateral: write BackgroundCheck",
                         jz_platforms[k].platform);
    }
    const uint8_t *v;
    size_t vn;
    uat_cmw_value(evidence, &v, &vn);
    uat_buf b64;
    uat_buf_init(&b64, UAT_MAX_CMW_TEXT_BYTES);
    uat_err rc = uat_b64_encode(v, vn, UAT_B64_STD, &b64);
    json_t *payload = NULL, *doc = NULL;
    char *text = NULL;
    if (rc == UAT_OK) {
        payload = json_pack("{s:s%}", "b64_quote", (const char *)b64.p, b64.len);
        text = payload != NULL ? json_dumps(payload, JSON_COMPACT) : NULL;
        json_t *r = text != NULL ? json_pack("{s:s,s:s,s:s,s:s}", "str_report_version", "1.0",
                                             "str_report_type", report_type, "str_tee_platform",
                                             jz_platforms[k].platform, "json_report", text)
                                 : NULL;
        doc = r == NULL || pem_public_key == NULL
                  ? r
                  : json_pack("{s:o,s:s}", "report", r, "pem_public_key", pem_public_key);
        rc = doc != NULL ? emit_doc(doc, json_out) : UAT_NOMEM(CHECK);
    }
    free(text);
    json_decref(payload);
    json_decref(doc);
    uat_buf_free(&b64);
    return rc;
}

/* ---- UnifiedAttestationAttributes and UnifiedAttestationPolicy (COMPAT.md D §3) ---- */

/* UnifiedAttestationAttributes in field-number order (§3.1) */
static const struct jz_field jz_attributes[] = {
    {"str_tee_platform", JZ_STR, NULL},      {"hex_platform_hw_version", JZ_STR, NULL},
    {"hex_platform_sw_version", JZ_STR, NULL}, {"hex_secure_flags", JZ_STR, NULL},
    {"hex_platform_measurement", JZ_STR, NULL}, {"hex_boot_measurement", JZ_STR, NULL},
    {"str_tee_name", JZ_STR, NULL},          {"str_tee_identity", JZ_STR, NULL},
    {"hex_ta_measurement", JZ_STR, NULL},    {"hex_ta_dyn_measurement", JZ_STR, NULL},
    {"hex_signer", JZ_STR, NULL},            {"hex_prod_id", JZ_STR, NULL},
    {"str_min_isvsvn", JZ_STR, NULL},        {"bool_debug_disabled", JZ_STR, NULL},
    {"hex_user_data", JZ_STR, NULL},         {"hex_hash_or_pem_pubkey", JZ_STR, NULL},
    {"hex_nonce", JZ_STR, NULL},             {"hex_spid", JZ_STR, NULL},
    {"str_verified_time", JZ_STR, NULL},     {NULL, JZ_STR, NULL},
};

/* Upper-case hex (jinzhao's Dec2Hex, §2.1) of the concatenated claim strings into o[name];
 * tee-claim names when tee_claims, else top-level claims. Missing claims: nothing set. */
static uat_err set_hex(json_t *o, const char *name, const uat_claims *c, int tee_claims,
                       const char *const *claims, size_t from, size_t len)
{
    uat_buf b;
    uat_buf_init(&b, 4096);
    uat_err rc = UAT_OK;
    for (size_t i = 0; rc == UAT_OK && claims[i] != NULL; i++) {
        const char *v = tee_claims ? uat_claims_tee_field(c, claims[i])
                                   : uat_claims_get_string(c, claims[i]);
        if (v == NULL) {
            uat_buf_free(&b);
            return UAT_OK;
        }
        rc = uat_buf_append_str(&b, v);
    }
    if (rc == UAT_OK && b.len > from) {
        size_t n = len != 0 && len < b.len - from ? len : b.len - from;
        for (size_t i = 0; i < n; i++) {
            char ch = (char)b.p[from + i];
            b.p[from + i] = (uint8_t)(ch >= 'a' && ch <= 'f' ? ch - 'a' + 'A' : ch);
        }
        rc = json_object_set_new(o, name, json_stringn((const char *)b.p + from, n)) == 0
                 ? UAT_OK
                 : UAT_NOMEM(CHECK);
    }
    uat_buf_free(&b);
    return rc;
}

static uat_err set_dec(json_t *o, const char *name, const uat_claims *c, const char *claim)
{
    int64_t v;
    if (uat_claims_get_int(c, claim, &v) != UAT_OK) {
        uat_error_clear();
        return UAT_OK;
    }
    char s[32];
    snprintf(s, sizeof(s), "%lld", (long long)v);
    return json_object_set_new(o, name, json_string(s)) == 0 ? UAT_OK : UAT_NOMEM(CHECK);
}

/* The attributes jinzhao's verifier fills for a platform (§3.1), from verified claims. */
static uat_err attributes(const uat_claims *c, json_t **out)
{
    const char *tee = uat_claims_tee(c);
    size_t k = 0, n = sizeof(jz_platforms) / sizeof(jz_platforms[0]);
    while (tee != NULL && k < n && strcmp(jz_platforms[k].tee, tee) != 0) {
        k++;
    }
    if (tee == NULL || k == n) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_TEE, CHECK, "tee", -1,
                         "jinzhao-attest defines no platform for %s evidence",
                         tee != NULL ? tee : "this");
    }
    json_t *o = json_object();
    UAT_ENSURE(o != NULL, UAT_ERR_RESOURCE_NO_MEMORY, CHECK, "", -1);
    json_object_set_new(o, "str_tee_platform", json_string(jz_platforms[k].platform));
    static const char *const meas[] = {"measurement", NULL}, *const signer[] = {"signer", NULL},
                             *const rd[] = {"report_data", NULL};
    static const char *const tdx_platform[] = {"mr_seam",  "mr_signer_seam", "mr_td",
                                               "mr_config_id", "mr_owner", "mr_owner_config",
                                               NULL};
    static const char *const tdx_boot[] = {"rtmr0", "rtmr1", NULL},
                             *const tdx_ta[] = {"rtmr2", "rtmr3", NULL};
    uat_err rc = UAT_OK;
    int is_tdx = strcmp(jz_platforms[k].platform, "TDX") == 0;
    int is_kunpeng = jz_platforms[k].payload == JZ_KUNPENG;
    if (is_tdx) {
        rc = set_hex(o, "hex_platform_measurement", c, 1, tdx_platform, 0, 0);
        rc = rc == UAT_OK ? set_hex(o, "hex_boot_measurement", c, 1, tdx_boot, 0, 0) : rc;
        rc = rc == UAT_OK ? set_hex(o, "hex_ta_measurement", c, 1, tdx_ta, 0, 0) : rc;
    } else {
        rc = set_hex(o, "hex_ta_measurement", c, 0, meas, 0, 0);
        rc = rc == UAT_OK ? set_hex(o, "hex_signer", c, 0, signer, 0, 0) : rc;
        rc = rc == UAT_OK ? set_dec(o, "hex_prod_id", c, "product_id") : rc;
        rc = rc == UAT_OK ? set_dec(o, "str_min_isvsvn", c, "svn") : rc;
    }
    int debug = 0;
    if (rc == UAT_OK && !is_kunpeng) {
        if (uat_claims_get_bool(c, "debug", &debug) == UAT_OK) {
            json_object_set_new(o, "bool_debug_disabled", json_string(debug ? "false" : "true"));
        } else {
            uat_error_clear(); /* no debug claim: the attribute is left out */
        }
    }
    if (rc == UAT_OK && is_kunpeng) {
        rc = set_hex(o, "hex_nonce", c, 0, rd, 0, 0);
    } else if (rc == UAT_OK) {
        rc = set_hex(o, "hex_user_data", c, 0, rd, 0, 64);
        rc = rc == UAT_OK ? set_hex(o, "hex_hash_or_pem_pubkey", c, 0, rd, 64, 64) : rc;
    }
    if (rc != UAT_OK) {
        json_decref(o);
        return rc;
    }
    *out = o;
    return UAT_OK;
}

uat_err uat_jinzhao_attributes(const uat_claims *claims, char **json_out)
{
    UAT_ENSURE(claims != NULL && json_out != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "", -1);
    json_t *o = NULL;
    UAT_TRY(attributes(claims, &o));
    uat_buf b;
    uat_buf_init(&b, UAT_MAX_CMW_TEXT_BYTES);
    uat_err rc = emit_msg(&b, o, jz_attributes);
    rc = rc == UAT_OK ? uat_buf_terminate(&b) : rc;
    json_decref(o);
    if (rc != UAT_OK) {
        uat_buf_free(&b);
        return rc;
    }
    size_t n;
    uat_buf_take(&b, (uint8_t **)json_out, &n);
    return UAT_OK;
}

static int jz_bool(const char *s)
{
    return strcmp(s, "true") == 0 || strcmp(s, "1") == 0;
}

static uat_err jz_int(const char *s, const char *field, long long *out)
{
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (s[0] == '\0' || end == NULL || *end != '\0') {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK, field, -1, "%s is not a decimal number",
                         field);
    }
    *out = v;
    return UAT_OK;
}

/* One expected field against the actual attributes (jinzhao's comparators, §3.2; hex compared
 * ignoring case, as TrustFlow does, because jinzhao writes upper case and policies are often
 * lower case). UAT_OK when it matches. */
static uat_err match_field(const char *name, const char *want, const json_t *attrs)
{
    const char *have = json_string_value(json_object_get(attrs, name));
    have = have != NULL ? have : "";
    size_t wl = strlen(want), hl = strlen(have);
    int ok;
    if (strcmp(name, "str_min_isvsvn") == 0 || strcmp(name, "str_verified_time") == 0) {
        long long w, h;
        UAT_TRY(jz_int(want, name, &w));
        ok = hl > 0 && jz_int(have, name, &h) == UAT_OK && h >= w;
        uat_error_clear();
    } else if (strcmp(name, "bool_debug_disabled") == 0) {
        ok = jz_bool(want) == jz_bool(have);
    } else if (strcmp(name, "hex_user_data") == 0 || strcmp(name, "hex_nonce") == 0) {
        ok = wl <= hl && strncasecmp(want, have, wl) == 0;
    } else if (strcmp(name, "hex_hash_or_pem_pubkey") == 0) {
        uint8_t h[32];
        char hex[65];
        uat_span part = uat_span_of(want, wl);
        ok = strcasecmp(want, have) == 0;
        if (!ok) {
            UAT_TRY(uat_hash(UAT_HASH_SHA256, &part, 1, h));
            uat_hex_encode(h, sizeof(h), hex);
            ok = strcasecmp(hex, have) == 0;
        }
    } else if (strncmp(name, "hex_", 4) == 0) {
        ok = strcasecmp(want, have) == 0;
    } else {
        ok = strcmp(want, have) == 0;
    }
    if (!ok) {
        return UAT_FAILF(UAT_ERR_VERIFY_POLICY, CHECK, name, -1,
                         "%s is \"%.80s\", the jinzhao policy wants \"%.80s\"", name, have, want);
    }
    return UAT_OK;
}

static uat_err match_entry(const json_t *entry, const json_t *attrs)
{
    UAT_ENSURE(json_is_object(entry), UAT_ERR_PARSE_BAD_JSON, CHECK, "main_attributes", -1);
    UAT_TRY(check_msg(entry, jz_attributes, "main_attributes"));
    for (size_t i = 0; jz_attributes[i].name != NULL; i++) {
        const char *want = json_string_value(json_object_get(entry, jz_attributes[i].name));
        if (want != NULL && want[0] != '\0') { /* an empty field is a wildcard */
            UAT_TRY(match_field(jz_attributes[i].name, want, attrs));
        }
    }
    return UAT_OK;
}

/* UnifiedAttestationPolicy (§3.2): pem_public_key, main_attributes[], nested_policies */
uat_err uat_jinzhao_policy_check(const uat_claims *claims, const char *policy, size_t n)
{
    UAT_ENSURE(claims != NULL && policy != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "", -1);
    UAT_ENSURE(n <= UAT_MAX_CMW_TEXT_BYTES, UAT_ERR_RESOURCE_LIMIT, CHECK, "policy", -1);
    json_error_t jerr;
    json_t *p = json_loadb(policy, n, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(p)) {
        json_decref(p);
        return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, CHECK, "policy", jerr.position,
                         "a jinzhao policy is a JSON object");
    }
    static const char *const names[] = {"pem_public_key", "main_attributes", "nested_policies",
                                        NULL};
    json_t *attrs = NULL;
    const json_t *main = json_object_get(p, "main_attributes");
    const json_t *nested = json_object_get(p, "nested_policies");
    const char *pem = json_string_value(json_object_get(p, "pem_public_key"));
    uat_err rc = uat_json_only_members(p, names, CHECK, "policy");
    rc = rc == UAT_OK ? optional_string(p, "pem_public_key") : rc;
    if (rc == UAT_OK && main != NULL && !json_is_array(main)) {
        rc = UAT_FAIL(UAT_ERR_PARSE_BAD_JSON, CHECK, "main_attributes", -1);
    }
    if (rc == UAT_OK && nested != NULL && !(json_is_object(nested) && json_object_size(nested) == 0)) {
        rc = UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, CHECK, "nested_policies", -1,
                       "nested (group) policies are not accepted yet");
    }
    rc = rc == UAT_OK ? attributes(claims, &attrs) : rc;
    if (rc == UAT_OK && pem != NULL && pem[0] != '\0') {
        rc = match_field("hex_hash_or_pem_pubkey", pem, attrs);
    }
    if (rc == UAT_OK && json_array_size(main) == 0) {
        rc = UAT_FAILF(UAT_ERR_VERIFY_POLICY, CHECK, "main_attributes", -1,
                       "the jinzhao policy has no main_attributes entry (jinzhao: "
                       "RULE_ENTRY_EMPTY)");
    }
    /* OR over the entries; on failure the last entry's error (as jinzhao reports it) */
    for (size_t i = 0; rc == UAT_OK && i < json_array_size(main); i++) {
        rc = match_entry(json_array_get(main, i), attrs);
        if (rc == UAT_OK) {
            break;
        }
        if (uat_err_category(rc) == UAT_CAT_VERIFY && i + 1 < json_array_size(main)) {
            rc = UAT_OK;
            continue;
        }
    }
    json_decref(attrs);
    json_decref(p);
    return rc;
}

/* hex (at most 32 bytes, even length) into rd[0,32), zero-padded */
static uat_err first_half(const char *hex, const char *field, uint8_t rd[64])
{
    size_t l = strlen(hex);
    UAT_ENSURE(l <= 64, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, field, -1);
    if (l % 2 != 0 || uat_hex_decode_fixed(hex, l, rd, l / 2) != UAT_OK) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_ENCODING, CHECK, field, -1,
                         "%s is not hex of at most 32 bytes", field);
    }
    return UAT_OK;
}

/* UnifiedAttestationReportParams (COMPAT.md D §2.3) and the report-data layout jinzhao's
 * PrepareReportData builds. */
uat_err uat_jinzhao_report_data(const char *hex_nonce, const char *params, size_t n,
                                uint8_t report_data[64], char **pem_out)
{
    UAT_ENSURE(report_data != NULL && pem_out != NULL && (params != NULL || n == 0),
               UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "", -1);
    UAT_ENSURE(n <= UAT_MAX_CMW_TEXT_BYTES, UAT_ERR_RESOURCE_LIMIT, CHECK, "params", -1);
    static const struct jz_field fields[] = {
        {"str_report_identity", JZ_STR, NULL}, {"hex_user_data", JZ_STR, NULL},
        {"json_nested_reports", JZ_STR, NULL}, {"pem_public_key", JZ_STR, NULL},
        {"hex_spid", JZ_STR, NULL},            {NULL, JZ_STR, NULL},
    };
    *pem_out = NULL;
    memset(report_data, 0, 64);
    json_error_t jerr;
    json_t *p = n == 0 ? json_object() : json_loadb(params, n, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(p)) {
        json_decref(p);
        return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, CHECK, "params", n == 0 ? -1 : jerr.position,
                         "report params are a JSON object (UnifiedAttestationReportParams)");
    }
    uat_err rc = check_msg(p, fields, "params");
    const char *user = json_string_value(json_object_get(p, "hex_user_data"));
    const char *nested = json_string_value(json_object_get(p, "json_nested_reports"));
    const char *pem = json_string_value(json_object_get(p, "pem_public_key"));
    int has_nonce = hex_nonce != NULL && hex_nonce[0] != '\0';
    int has_user = user != NULL && user[0] != '\0';
    if (rc == UAT_OK && nested != NULL && nested[0] != '\0') {
        rc = UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, CHECK, "json_nested_reports", -1,
                       "nested (group) reports are not written yet");
    }
    if (rc == UAT_OK && has_nonce && has_user) {
        rc = UAT_FAILF(UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "hex_user_data", -1,
                       "give a nonce or hex_user_data, not both (jinzhao: "
                       "HAVE_BOTH_NONCE_AND_USER_DATA)");
    }
    if (rc == UAT_OK && (has_nonce || has_user)) {
        rc = first_half(has_nonce ? hex_nonce : user, has_nonce ? "report_hex_nonce" : "hex_user_data",
                        report_data);
    }
    if (rc == UAT_OK && pem != NULL && pem[0] != '\0') {
        uat_span part = uat_span_of(pem, strlen(pem));
        rc = uat_hash(UAT_HASH_SHA256, &part, 1, report_data + 32);
        *pem_out = rc == UAT_OK ? uat_strndup(pem, strlen(pem)) : NULL;
        rc = rc == UAT_OK && *pem_out == NULL ? UAT_NOMEM(CHECK) : rc;
    }
    json_decref(p);
    return rc;
}

/* ---- jinzhao policy -> reference value documents (docs/compat.md, docs/appraisal.md) ---- */

/* the hex of one field split into tee_claims of 48-byte registers (TDX, COMPAT.md D §3.1) */
static uat_err split_regs(json_t *values, const char *field, const char *hex,
                          const char *const *regs, size_t nregs)
{
    if (strlen(hex) != nregs * 96) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK, field, -1,
                         "%s is %zu hex chars, jinzhao's TDX %s is %zu", field, strlen(hex), field,
                         nregs * 96);
    }
    for (size_t i = 0; i < nregs; i++) {
        char path[64];
        snprintf(path, sizeof(path), "tee_claims.%s", regs[i]);
        json_t *l = json_pack("[s%]", hex + i * 96, (size_t)96);
        UAT_ENSURE(l != NULL && json_object_set_new(values, path, l) == 0,
                   UAT_ERR_RESOURCE_NO_MEMORY, CHECK, field, -1);
    }
    return UAT_OK;
}

static uat_err hex_value(json_t *values, const char *path, const char *field, const char *hex)
{
    for (const char *c = hex; *c != '\0'; c++) {
        if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f') || (*c >= 'A' && *c <= 'F'))) {
            return UAT_FAILF(UAT_ERR_PARSE_BAD_ENCODING, CHECK, field, -1, "%s is not hex", field);
        }
    }
    UAT_ENSURE(json_object_set_new(values, path, json_pack("[s]", hex)) == 0,
               UAT_ERR_RESOURCE_NO_MEMORY, CHECK, field, -1);
    return UAT_OK;
}

/* One main_attributes entry as one reference value document. */
static uat_err policy_entry(const json_t *e, size_t idx, json_t *docs)
{
    UAT_ENSURE(json_is_object(e), UAT_ERR_PARSE_BAD_JSON, CHECK, "main_attributes", -1);
    UAT_TRY(check_msg(e, jz_attributes, "main_attributes"));
    const char *platform = json_string_value(json_object_get(e, "str_tee_platform"));
    size_t k = platform_index(platform);
    if (k == sizeof(jz_platforms) / sizeof(jz_platforms[0])) {
        return UAT_FAILF(platform == NULL || platform[0] == '\0' ? UAT_ERR_PARSE_BAD_VALUE
                                                                 : UAT_ERR_UNSUPPORTED_TEE,
                         CHECK, "str_tee_platform", -1,
                         "each main_attributes entry must name its jinzhao platform "
                         "(str_tee_platform) to become reference values");
    }
    int tdx = strcmp(platform, "TDX") == 0, kunpeng = jz_platforms[k].payload == JZ_KUNPENG;
    json_t *d = json_object(), *v = json_object();
    char id[48];
    snprintf(id, sizeof(id), "jinzhao:main_attributes[%zu]", idx);
    UAT_ENSURE(d != NULL && v != NULL && json_object_set_new(d, "id", json_string(id)) == 0 &&
                   json_object_set_new(d, "tee", json_string(jz_platforms[k].tee)) == 0 &&
                   json_object_set_new(d, "values", v) == 0,
               UAT_ERR_RESOURCE_NO_MEMORY, CHECK, "", -1);
    uat_err rc = UAT_OK;
    static const char *const tdx_platform[] = {"mr_seam",      "mr_signer_seam", "mr_td",
                                               "mr_config_id", "mr_owner",       "mr_owner_config"};
    static const char *const tdx_boot[] = {"rtmr0", "rtmr1"}, *const tdx_ta[] = {"rtmr2", "rtmr3"};
    for (size_t i = 1; rc == UAT_OK && jz_attributes[i].name != NULL; i++) {
        const char *f = jz_attributes[i].name;
        const char *s = json_string_value(json_object_get(e, f));
        if (s == NULL || s[0] == '\0') {
            continue; /* jinzhao: an empty field matches anything */
        }
        if (tdx && strcmp(f, "hex_platform_measurement") == 0) {
            rc = split_regs(v, f, s, tdx_platform, 6);
        } else if (tdx && strcmp(f, "hex_boot_measurement") == 0) {
            rc = split_regs(v, f, s, tdx_boot, 2);
        } else if (tdx && strcmp(f, "hex_ta_measurement") == 0) {
            rc = split_regs(v, f, s, tdx_ta, 2);
        } else if (!tdx && strcmp(f, "hex_ta_measurement") == 0) {
            rc = hex_value(v, "measurement", f, s);
        } else if (kunpeng && strcmp(f, "hex_ta_dyn_measurement") == 0) {
            rc = hex_value(v, "tee_claims.ta_mem", f, s);
        } else if (!tdx && !kunpeng && strcmp(f, "hex_signer") == 0) {
            rc = hex_value(v, "signer", f, s);
        } else if (!tdx && !kunpeng &&
                   (strcmp(f, "hex_prod_id") == 0 || strcmp(f, "str_min_isvsvn") == 0)) {
            long long n;
            rc = jz_int(s, f, &n);
            json_t *c = strcmp(f, "hex_prod_id") == 0 ? json_pack("[I]", (json_int_t)n)
                                                       : json_pack("{s:I}", "min", (json_int_t)n);
            if (rc == UAT_OK && json_object_set_new(v, f[0] == 'h' ? "product_id" : "svn", c) != 0) {
                rc = UAT_NOMEM(CHECK);
            } else if (rc != UAT_OK) {
                json_decref(c);
            }
        } else if (!kunpeng && strcmp(f, "bool_debug_disabled") == 0) {
            if (!jz_bool(s)) { /* jinzhao compares equal: this entry wants a debuggable TEE */
                rc = json_object_set_new(v, "debug", json_pack("[b]", 1)) == 0 &&
                             json_object_set_new(d, "debug_insecure", json_true()) == 0
                         ? UAT_OK
                         : UAT_NOMEM(CHECK);
            }
        } else {
            rc = UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, CHECK, f, -1,
                           "%s of %s is not a reference value (a per-attestation binding, or a "
                           "value uattest's claims do not carry): give it to the verifier "
                           "(--report-data, the AuthReport key) or drop it",
                           f, platform);
        }
    }
    if (rc == UAT_OK && json_array_append_new(docs, d) != 0) {
        return UAT_NOMEM(CHECK);
    }
    if (rc != UAT_OK) {
        json_decref(d);
    }
    return rc;
}

uat_err uat_jinzhao_policy_refvals(uat_span text, json_t *docs)
{
    json_error_t jerr;
    json_t *p = json_loadb((const char *)text.p, text.len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(p)) {
        json_decref(p);
        return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, CHECK, "policy", jerr.position,
                         "a jinzhao policy is a JSON object (UnifiedAttestationPolicy)");
    }
    static const char *const names[] = {"pem_public_key", "main_attributes", "nested_policies",
                                        NULL};
    const json_t *main = json_object_get(p, "main_attributes");
    const json_t *nested = json_object_get(p, "nested_policies");
    uat_err rc = uat_json_only_members(p, names, CHECK, "policy");
    rc = rc == UAT_OK ? optional_string(p, "pem_public_key") : rc;
    if (rc == UAT_OK && json_string_length(json_object_get(p, "pem_public_key")) > 0) {
        rc = UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, CHECK, "pem_public_key", -1,
                       "pem_public_key is a binding, not a reference value: verify the "
                       "AuthReport that carries it");
    }
    if (rc == UAT_OK && nested != NULL && !(json_is_object(nested) && json_object_size(nested) == 0)) {
        rc = UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, CHECK, "nested_policies", -1,
                       "nested (group) policies are not imported yet");
    }
    if (rc == UAT_OK && (!json_is_array(main) || json_array_size(main) == 0)) {
        rc = UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK, "main_attributes", -1,
                       "the jinzhao policy has no main_attributes entry (jinzhao: "
                       "RULE_ENTRY_EMPTY)");
    }
    for (size_t i = 0; rc == UAT_OK && i < json_array_size(main); i++) {
        rc = policy_entry(json_array_get(main, i), i, docs);
    }
    json_decref(p);
    return rc;
}
