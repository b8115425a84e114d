/* The JSON TEE.RA.1.0 report ([tverlib] teeverifier.c Convert / get_*_from_payload, PROVENANCE.md
 * Format 2):
 *   {"report_sign": {<scenario>: b64url(sig)}, "akcert": {<scenario>: <AK cert>},
 *    "payload": {version, timestamp, nonce, [key], scenario, uuid, [requester_uuid], hash_alg,
 *                sign_alg, ta_mem, ta_img, ta_attr, tcb}, "handler": "report-output"}
 * AK cert, sce_no_as: {"signature": {"drk_cert", "drk_sign"}, "payload": {version, timestamp,
 * scenario, sign_alg, hash_alg, qta_img, qta_mem, tcb, ak_pub {kty, n, e}}, "handler"};
 * sce_as_no_daa: b64url(X.509 certificate); sce_as_with_daa: b64url(DAA credential).
 * The signed bytes of each payload are recomputed here from the parsed payload (cjson.c). Pure.
 * Members are exactly the format's; every base64url string is strict (RFC 4648 §5). */
#include <string.h>

#include "core/limits.h"
#include "tee/itrustee/itrustee.h"
#include "evidence/claims_int.h"

#define CHECK "itrustee.json"
#define CHECK_AK "itrustee.akcert"


static uat_err str_member(const json_t *o, const char *name, const char *check, const char **s,
                          size_t *n)
{
    const json_t *v = json_object_get(o, name);
    if (!json_is_string(v)) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, check, name, -1, "%s is missing or not a string",
                         name);
    }
    *s = json_string_value(v);
    *n = json_string_length(v);
    return UAT_OK;
}

static uat_err b64url_member(const json_t *o, const char *name, const char *check, uat_buf *out)
{
    const char *s;
    size_t n;
    UAT_TRY(str_member(o, name, check, &s, &n));
    uat_err rc = uat_b64_decode(s, n, UAT_B64_URL, out);
    if (rc != UAT_OK) {
        return UAT_FAILF(rc, check, name, -1, "%s is not base64url", name);
    }
    return UAT_OK;
}

/* A fixed-size base64url value (hashes). */
static uat_err b64url_fixed(const json_t *o, const char *name, const char *check, uint8_t *out,
                            size_t n)
{
    uat_buf b;
    uat_buf_init(&b, 1024);
    uat_err rc = b64url_member(o, name, check, &b);
    if (rc == UAT_OK && b.len != n) {
        rc = UAT_FAILF(UAT_ERR_PARSE_BAD_LENGTH, check, name, -1, "%s is %zu bytes, not %zu", name,
                       b.len, n);
    }
    if (rc == UAT_OK) {
        memcpy(out, b.p, n);
    }
    uat_buf_free(&b);
    return rc;
}

static uat_err expect_str(const json_t *o, const char *name, const char *want, const char *check)
{
    const char *s;
    size_t n;
    UAT_TRY(str_member(o, name, check, &s, &n));
    if (n != strlen(want) || memcmp(s, want, n) != 0) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, check, name, -1, "%s is \"%.64s\", not \"%s\"",
                         name, s, want);
    }
    return UAT_OK;
}

static uat_err scenario_of(const json_t *o, const char *check, uint32_t *out)
{
    static const char *const names[] = {"sce_no_as", "sce_as_no_daa", "sce_as_with_daa"};
    const char *s;
    size_t n;
    UAT_TRY(str_member(o, "scenario", check, &s, &n));
    for (uint32_t i = 0; i < 3; i++) {
        if (strlen(names[i]) == n && memcmp(names[i], s, n) == 0) {
            *out = i;
            return UAT_OK;
        }
    }
    return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, check, "scenario", -1,
                     "scenario \"%.64s\" is not sce_no_as, sce_as_no_daa or sce_as_with_daa", s);
}

static const char *scenario_name(uint32_t s)
{
    return s == UAT_ITR_SCE_NO_AS ? "sce_no_as"
           : s == UAT_ITR_SCE_AS_NO_DAA ? "sce_as_no_daa" : "sce_as_with_daa";
}

/* Counters as firmware prints them: a string, or a number in older firmware. */
static uat_err timestamp(const json_t *o, const char *check)
{
    const json_t *t = json_object_get(o, "timestamp");
    UAT_ENSURE(json_is_string(t) || json_is_number(t), UAT_ERR_PARSE_BAD_JSON, check, "timestamp",
               -1);
    return UAT_OK;
}

/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", hex in either case. */
static uat_err uuid_parse(const char *s, size_t n, uint8_t *out)
{
    char hex[33];
    size_t k = 0;
    for (size_t i = 0; i < n && k <= 32; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-') {
                break;
            }
            continue;
        }
        hex[k++] = s[i];
    }
    if (n != 36 || k != 32 || uat_hex_decode_fixed(hex, 32, out, UAT_ITR_UUID_LEN) != UAT_OK) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK, "uuid", -1,
                         "uuid \"%.40s\" is not of the form 8-4-4-4-12 hex digits", s);
    }
    return UAT_OK;
}

/* ak_pub: {"kty": "RSA", "n", "e"} or {"kty": "DAA", "qs"} */
static uat_err ak_pub(const json_t *p, uat_itr_report *out)
{
    static const char *const rsa[] = {"kty", "n", "e", NULL};
    static const char *const daa[] = {"kty", "qs", NULL};
    const json_t *k = json_object_get(p, "ak_pub");
    UAT_ENSURE(json_is_object(k), UAT_ERR_PARSE_BAD_JSON, CHECK_AK, "ak_pub", -1);
    const char *kty = json_string_value(json_object_get(k, "kty"));
    if (kty != NULL && strcmp(kty, "DAA") == 0) {
        out->ak_daa = 1;
        return uat_json_only_members(k, daa, CHECK_AK, "ak_pub");
    }
    UAT_TRY(expect_str(k, "kty", "RSA", CHECK_AK));
    UAT_TRY(uat_json_only_members(k, rsa, CHECK_AK, "ak_pub"));
    UAT_TRY(b64url_member(k, "n", CHECK_AK, &out->ak_n));
    return b64url_member(k, "e", CHECK_AK, &out->ak_e);
}

/* drk_cert: b64url of the DER certificate's base64 text, NUL-padded to a fixed size. */
static uat_err drk_cert(const json_t *sig, uat_itr_report *out)
{
    uat_buf text;
    uat_buf_init(&text, UAT_MAX_EVIDENCE_BYTES);
    uat_err rc = b64url_member(sig, "drk_cert", CHECK_AK, &text);
    size_t n = text.len;
    while (rc == UAT_OK && n > 0 && text.p[n - 1] == 0) {
        n--;
    }
    if (rc == UAT_OK && uat_b64_decode((const char *)text.p, n, UAT_B64_STD, &out->drk_der) !=
                            UAT_OK) {
        rc = UAT_FAILF(UAT_ERR_PARSE_BAD_ENCODING, CHECK_AK, "drk_cert", -1,
                       "drk_cert does not hold base64 text of a DER certificate");
    }
    uat_buf_free(&text);
    return rc;
}

/* The sce_no_as AK certificate (a "provisioning-output"); want: the scenario its payload names. */
static uat_err akcert_no_as(const json_t *a, int any_scenario, uat_itr_report *out)
{
    static const char *const top[] = {"signature", "payload", "handler", NULL};
    static const char *const sig[] = {"drk_cert", "drk_sign", NULL};
    static const char *const pl[] = {"version", "timestamp", "scenario", "sign_alg", "hash_alg",
                                     "qta_img", "qta_mem",   "tcb",      "ak_pub",   NULL};
    UAT_ENSURE(json_is_object(a), UAT_ERR_PARSE_BAD_JSON, CHECK_AK, "akcert", -1);
    UAT_TRY(uat_json_only_members(a, top, CHECK_AK, "the AK certificate"));
    const json_t *s = json_object_get(a, "signature"), *p = json_object_get(a, "payload");
    UAT_ENSURE(json_is_object(s), UAT_ERR_PARSE_BAD_JSON, CHECK_AK, "signature", -1);
    UAT_ENSURE(json_is_object(p), UAT_ERR_PARSE_BAD_JSON, CHECK_AK, "payload", -1);
    UAT_TRY(uat_json_only_members(s, sig, CHECK_AK, "the AK certificate's signature"));
    UAT_TRY(uat_json_only_members(p, pl, CHECK_AK, "the AK certificate's payload"));
    uint32_t sce = 0;
    UAT_TRY(expect_str(p, "version", "TEE.RA.1.0", CHECK_AK));
    UAT_TRY(timestamp(p, CHECK_AK));
    UAT_TRY(scenario_of(p, CHECK_AK, &sce));
    UAT_ENSURE(any_scenario || sce == UAT_ITR_SCE_NO_AS, UAT_ERR_PARSE_BAD_VALUE, CHECK_AK,
               "scenario", -1);
    UAT_TRY(expect_str(p, "sign_alg", "PS256", CHECK_AK));
    UAT_TRY(expect_str(p, "hash_alg", "HS256", CHECK_AK));
    UAT_TRY(b64url_fixed(p, "qta_img", CHECK_AK, out->qta_img, UAT_ITR_HASH_LEN));
    UAT_TRY(b64url_fixed(p, "qta_mem", CHECK_AK, out->qta_mem, UAT_ITR_HASH_LEN));
    out->has_qta = 1;
    UAT_ENSURE(json_is_string(json_object_get(p, "tcb")), UAT_ERR_PARSE_BAD_JSON, CHECK_AK, "tcb",
               -1);
    UAT_TRY(ak_pub(p, out));
    UAT_TRY(b64url_member(s, "drk_sign", CHECK_AK, &out->sign_drk));
    UAT_TRY(drk_cert(s, out));
    UAT_TRY(uat_itr_signed_payload(p, &out->signed_drk));
    json_t *ak = json_object();
    UAT_TRY(uat_json_set(out->fields, "akcert", ak));
    UAT_TRY(uat_json_set_str(ak, "scenario", scenario_name(sce)));
    UAT_TRY(uat_json_set(ak, "timestamp", json_deep_copy(json_object_get(p, "timestamp"))));
    return uat_json_set(ak, "tcb", json_deep_copy(json_object_get(p, "tcb")));
}

/* The member of report_sign / akcert named by the scenario: the only member. */
static uat_err by_scenario(const json_t *top, const char *name, uint32_t sce, const json_t **out)
{
    const json_t *o = json_object_get(top, name);
    UAT_ENSURE(json_is_object(o), UAT_ERR_PARSE_BAD_JSON, CHECK, name, -1);
    const char *const only[] = {scenario_name(sce), NULL};
    UAT_TRY(uat_json_only_members(o, only, CHECK, name));
    *out = json_object_get(o, scenario_name(sce));
    if (*out == NULL) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, CHECK, name, -1, "%s has no member \"%s\"", name,
                         scenario_name(sce));
    }
    return UAT_OK;
}

static uat_err payload_values(const json_t *p, uat_itr_report *out)
{
    uat_buf nonce;
    uat_buf_init(&nonce, 1024);
    uat_err rc = b64url_member(p, "nonce", CHECK, &nonce);
    /* spec: [tverlib] get_nonce_from_payload / tee_verify_nonce: at most 64 bytes, zero-padded */
    if (rc == UAT_OK && nonce.len > UAT_ITR_NONCE_LEN) {
        rc = UAT_FAILF(UAT_ERR_PARSE_BAD_LENGTH, CHECK, "nonce", -1, "nonce is %zu bytes, not <= 64",
                       nonce.len);
    }
    if (rc == UAT_OK) {
        memcpy(out->nonce, nonce.p, nonce.len);
    }
    uat_buf_free(&nonce);
    UAT_TRY(rc);
    const char *s;
    size_t n;
    UAT_TRY(str_member(p, "uuid", CHECK, &s, &n));
    UAT_TRY(uuid_parse(s, n, out->uuid));
    UAT_TRY(b64url_fixed(p, "ta_img", CHECK, out->ta_img, UAT_ITR_HASH_LEN));
    return b64url_fixed(p, "ta_mem", CHECK, out->ta_mem, UAT_ITR_HASH_LEN);
}

/* The vendor fields that are not decoded into the report struct. */
static uat_err payload_fields(const json_t *p, uat_itr_report *out)
{
    static const char *const copied[] = {"version", "timestamp", "hash_alg", "sign_alg",
                                         "ta_attr", "tcb", "requester_uuid", "key", NULL};
    for (size_t i = 0; copied[i] != NULL; i++) {
        const json_t *v = json_object_get(p, copied[i]);
        if (v != NULL) {
            UAT_TRY(uat_json_set(out->fields, copied[i], json_deep_copy(v)));
        }
    }
    const json_t *attr = json_object_get(p, "ta_attr");
    UAT_ENSURE(json_is_string(attr) || json_is_object(attr), UAT_ERR_PARSE_BAD_JSON, CHECK,
               "ta_attr", -1);
    UAT_ENSURE(json_is_string(json_object_get(p, "tcb")), UAT_ERR_PARSE_BAD_JSON, CHECK, "tcb", -1);
    const json_t *key = json_object_get(p, "key");
    UAT_ENSURE(key == NULL || json_is_object(key), UAT_ERR_PARSE_BAD_JSON, CHECK, "key", -1);
    const json_t *req = json_object_get(p, "requester_uuid");
    UAT_ENSURE(req == NULL || json_is_string(req), UAT_ERR_PARSE_BAD_JSON, CHECK, "requester_uuid",
               -1);
    return UAT_OK;
}

static uat_err payload(const json_t *p, uat_itr_report *out)
{
    static const char *const pl[] = {"version",  "timestamp", "nonce",  "key",     "scenario",
                                     "uuid",     "requester_uuid", "hash_alg", "sign_alg",
                                     "ta_mem",   "ta_img",    "ta_attr", "tcb",     NULL};
    UAT_ENSURE(json_is_object(p), UAT_ERR_PARSE_BAD_JSON, CHECK, "payload", -1);
    UAT_TRY(uat_json_only_members(p, pl, CHECK, "the payload"));
    UAT_TRY(expect_str(p, "version", "TEE.RA.1.0", CHECK));
    UAT_TRY(timestamp(p, CHECK));
    UAT_TRY(scenario_of(p, CHECK, &out->scenario));
    const char *hash, *sign;
    size_t hn, sn;
    UAT_TRY(str_member(p, "hash_alg", CHECK, &hash, &hn));
    UAT_TRY(str_member(p, "sign_alg", CHECK, &sign, &sn));
    /* names mapped to the binary format's algorithm values; checked by the verifier */
    out->hash_type = hn == 5 && memcmp(hash, "HS256", 5) == 0 ? UAT_ITR_ALG_SHA_256 : 0;
    out->sign_type = sn == 5 && memcmp(sign, "PS256", 5) == 0 ? UAT_ITR_ALG_RSA_4096 : 0;
    UAT_TRY(payload_values(p, out));
    UAT_TRY(payload_fields(p, out));
    return uat_itr_signed_payload(p, &out->signed_ak);
}

static uat_err signature_and_cert(const json_t *j, uat_itr_report *out)
{
    const json_t *sig = NULL, *cert = NULL;
    UAT_TRY(by_scenario(j, "report_sign", out->scenario, &sig));
    UAT_TRY(by_scenario(j, "akcert", out->scenario, &cert));
    if (out->scenario == UAT_ITR_SCE_AS_WITH_DAA) {
        /* a DAA signature object and credential: kept as they are, never verified */
        return UAT_OK;
    }
    UAT_ENSURE(json_is_string(sig), UAT_ERR_PARSE_BAD_JSON, CHECK, "report_sign", -1);
    uat_err rc = uat_b64_decode(json_string_value(sig), json_string_length(sig), UAT_B64_URL,
                                &out->sign_ak);
    if (rc != UAT_OK) {
        return UAT_FAILF(rc, CHECK, "report_sign", -1, "report_sign is not base64url");
    }
    if (out->scenario == UAT_ITR_SCE_NO_AS) {
        return akcert_no_as(cert, 0, out);
    }
    UAT_ENSURE(json_is_string(cert), UAT_ERR_PARSE_BAD_JSON, CHECK, "akcert", -1);
    rc = uat_b64_decode(json_string_value(cert), json_string_length(cert), UAT_B64_URL,
                        &out->ak_cert);
    return rc == UAT_OK ? UAT_OK : UAT_FAILF(rc, CHECK, "akcert", -1, "akcert is not base64url");
}

static json_t *load(uat_span in, uat_err *rc)
{
    json_error_t jerr;
    json_t *j = NULL;
    if (in.len > UAT_MAX_CMW_TEXT_BYTES) {
        *rc = UAT_FAIL(UAT_ERR_RESOURCE_LIMIT, CHECK, "", -1);
        return NULL;
    }
    j = uat_json_load_plain(in); /* the usual report's shape, parsed without jansson's lexer */
    if (j != NULL) {
        return j;
    }
    j = in.len > 0 ? json_loadb((const char *)in.p, in.len,
                                JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL, &jerr)
                   : NULL;
    if (j == NULL) {
        *rc = UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, CHECK, "", in.len ? (int64_t)jerr.position : 0,
                        "%s", in.len ? jerr.text : "empty input");
    } else if (!json_is_object(j)) {
        *rc = UAT_FAIL(UAT_ERR_PARSE_BAD_JSON, CHECK, "", 0);
        json_decref(j);
        j = NULL;
    }
    return j;
}

static uat_err fill_report(uat_span in, uat_itr_report *out)
{
    static const char *const top[] = {"report_sign", "akcert", "payload", "handler", NULL};
    uat_err rc = UAT_OK;
    json_t *j = load(in, &rc);
    if (j == NULL) {
        return rc;
    }
    out->json = 1;
    rc = uat_json_only_members(j, top, CHECK, "the report");
    const json_t *h = json_object_get(j, "handler");
    if (rc == UAT_OK && h != NULL && !json_is_string(h)) {
        rc = UAT_FAIL(UAT_ERR_PARSE_BAD_JSON, CHECK, "handler", -1);
    }
    rc = rc != UAT_OK ? rc : payload(json_object_get(j, "payload"), out);
    rc = rc != UAT_OK ? rc : signature_and_cert(j, out);
    json_decref(j);
    return rc;
}

static uat_err fill_akcert(uat_span in, uat_itr_report *out)
{
    uat_err rc = UAT_OK;
    json_t *j = load(in, &rc);
    if (j == NULL) {
        return rc;
    }
    out->json = 1;
    rc = akcert_no_as(j, 1, out);
    json_decref(j);
    return rc;
}

uat_err uat_itr_parse_json(uat_span in, uat_itr_report *out)
{
    return uat_itr_parse_with(in, out, fill_report);
}

uat_err uat_itr_parse_json_akcert(uat_span in, uat_itr_report *out)
{
    return uat_itr_parse_with(in, out, fill_akcert);
}
