/* Writing jinzhao-attest JSON as jinzhao writes it (COMPAT.md D §2.1, §7.3), and jinzhao's
 * report-data layout (§2.3). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "crypto/crypto.h"
#include "evidence/jinzhao_int.h"
#include "uattest/jinzhao.h"

#define CHECK UAT_JZ_CHECK

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

/* Message f from object o (already checked by uat_jz_check_msg). */
uat_err uat_jz_emit_msg(uat_buf *b, const json_t *o, const struct jz_field *f)
{
    int first = 1;
    UAT_TRY(uat_buf_append(b, "{", 1));
    for (size_t i = 0; f[i].name != NULL; i++) {
        const json_t *v = json_object_get(o, f[i].name);
        if (v == NULL) {
            continue;
        }
        if (f[i].kind == JZ_STR || (f[i].kind == JZ_MSG && json_string_length(v) == 0)) {
            if (json_string_length(v) > 0) {
                UAT_TRY(put_key(b, &first, f[i].name));
                UAT_TRY(put_string(b, json_string_value(v), json_string_length(v)));
            }
        } else if (f[i].kind == JZ_OBJ) {
            UAT_TRY(put_key(b, &first, f[i].name));
            UAT_TRY(uat_jz_emit_msg(b, v, f[i].msg));
        } else if (f[i].kind == JZ_LIST) {
            /* a repeated message: omitted when empty, else an array of objects */
            for (size_t k = 0; k < json_array_size(v); k++) {
                if (k == 0) {
                    UAT_TRY(put_key(b, &first, f[i].name));
                }
                UAT_TRY(uat_buf_append(b, k == 0 ? "[" : ",", 1));
                UAT_TRY(uat_jz_emit_msg(b, json_array_get(v, k), f[i].msg));
            }
            if (json_array_size(v) > 0) {
                UAT_TRY(uat_buf_append(b, "]", 1));
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
            uat_err rc = uat_jz_embedded_object(o, f[i].name, &c);
            rc = rc == UAT_OK ? uat_jz_emit_msg(&t, c, f[i].msg) : rc;
            rc = rc == UAT_OK ? put_key(b, &first, f[i].name) : rc;
            rc = rc == UAT_OK ? put_string(b, (const char *)t.p, t.len) : rc;
            json_decref(c);
            uat_buf_free(&t);
            UAT_TRY(rc);
        }
    }
    return uat_buf_append(b, "}", 1);
}

/* UnifiedAttestationReport r (already checked by report()). */
static uat_err emit_report(uat_buf *b, const json_t *r)
{
    size_t k = uat_jz_platform_index(json_string_value(json_object_get(r, "str_tee_platform")));
    UAT_ENSURE(k < uat_jz_nplatforms, UAT_ERR_UNSUPPORTED_TEE, CHECK, "str_tee_platform", -1);
    const char *type = json_string_value(json_object_get(r, "str_report_type"));
    struct jz_field fields[] = {
        {"str_report_version", JZ_STR, NULL},
        {"str_report_type", JZ_STR, NULL},
        {"str_tee_platform", JZ_STR, NULL},
        {"json_report", JZ_MSG, uat_jz_platforms[k].fields},
        {"json_nested_reports", JZ_MSG, uat_jz_nested_reports},
        {NULL, JZ_STR, NULL},
    };
    if (type == NULL || strcmp(type, "Passport") != 0 || uat_jz_platforms[k].passport_fields == NULL) {
        return uat_jz_emit_msg(b, r, fields);
    }
    /* SGX_EPID Passport: the IasReport JSON, base64-wrapped as jinzhao's generator writes it, or
     * plain as its converter does (COMPAT.md D §2.4) */
    json_t *ias = NULL, *copy = NULL;
    int wrapped = 0;
    uat_buf text, b64;
    uat_buf_init(&text, UAT_MAX_CMW_TEXT_BYTES);
    uat_buf_init(&b64, UAT_MAX_CMW_TEXT_BYTES);
    uat_err rc = uat_jz_ias_object(r, &ias, &wrapped);
    fields[3].msg = uat_jz_platforms[k].passport_fields;
    if (rc == UAT_OK && wrapped) {
        fields[3].kind = JZ_STR;
        rc = uat_jz_emit_msg(&text, ias, uat_jz_platforms[k].passport_fields);
        rc = rc == UAT_OK ? uat_b64_encode(text.p, text.len, UAT_B64_STD, &b64) : rc;
        copy = rc == UAT_OK ? json_copy((json_t *)r) : NULL;
        if (rc == UAT_OK && (copy == NULL || json_object_set_new(copy, "json_report",
                                                                 json_stringn((const char *)b64.p,
                                                                              b64.len)) != 0)) {
            rc = UAT_NOMEM(CHECK);
        }
    }
    rc = rc == UAT_OK ? uat_jz_emit_msg(b, copy != NULL ? copy : r, fields) : rc;
    json_decref(copy);
    json_decref(ias);
    uat_buf_free(&text);
    uat_buf_free(&b64);
    return rc;
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
    size_t k = 0, n = uat_jz_nplatforms;
    while (ops != NULL && k < n && strcmp(uat_jz_platforms[k].tee, ops->name) != 0) {
        k++;
    }
    if (ops == NULL || k == n) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_TEE, CHECK, "tee", -1,
                         "jinzhao-attest defines no platform for %s evidence",
                         ops != NULL ? ops->name : "this");
    }
    if (uat_jz_platforms[k].payload == JZ_IMPORT) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, CHECK, "tee", -1,
                         "jinzhao %s reports are not written yet", uat_jz_platforms[k].platform);
    }
    /* Passport = evidence + collateral (COMPAT.md D §2.4); only the platforms whose Passport
     * payload is the BackgroundCheck one can be written without collateral */
    int passport = strcmp(report_type, "Passport") == 0;
    UAT_ENSURE(passport || strcmp(report_type, "BackgroundCheck") == 0, UAT_ERR_USAGE_INVALID_ARGUMENT,
               CHECK, "report_type", -1);
    if (passport && uat_jz_platforms[k].fields == uat_jz_dcap_report) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, CHECK, "report_type", -1,
                         "a jinzhao %s Passport report needs collateral: write BackgroundCheck",
                         uat_jz_platforms[k].platform);
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
                                             uat_jz_platforms[k].platform, "json_report", text)
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
    uat_err rc = uat_jz_check_msg(p, fields, "params");
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
