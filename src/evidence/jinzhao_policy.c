/* jinzhao-attest UnifiedAttestationAttributes and UnifiedAttestationPolicy (COMPAT.md D §3):
 * attributes of verified claims, jinzhao's policy check, and policies as reference values. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/limits.h"
#include "crypto/crypto.h"
#include "evidence/jinzhao_int.h"
#include "uattest/jinzhao.h"

#define CHECK UAT_JZ_CHECK

/* ---- UnifiedAttestationAttributes and UnifiedAttestationPolicy (COMPAT.md D §3) ---- */

/* UnifiedAttestationAttributes in field-number order (§3.1) */
const struct jz_field uat_jz_attributes[] = {
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
    size_t k = 0, n = uat_jz_nplatforms;
    while (tee != NULL && k < n && strcmp(uat_jz_platforms[k].tee, tee) != 0) {
        k++;
    }
    if (tee == NULL || k == n) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_TEE, CHECK, "tee", -1,
                         "jinzhao-attest defines no platform for %s evidence",
                         tee != NULL ? tee : "this");
    }
    json_t *o = json_object();
    UAT_ENSURE(o != NULL, UAT_ERR_RESOURCE_NO_MEMORY, CHECK, "", -1);
    json_object_set_new(o, "str_tee_platform", json_string(uat_jz_platforms[k].platform));
    static const char *const meas[] = {"measurement", NULL}, *const signer[] = {"signer", NULL},
                             *const rd[] = {"report_data", NULL};
    static const char *const tdx_platform[] = {"mr_seam",  "mr_signer_seam", "mr_td",
                                               "mr_config_id", "mr_owner", "mr_owner_config",
                                               NULL};
    static const char *const tdx_boot[] = {"rtmr0", "rtmr1", NULL},
                             *const tdx_ta[] = {"rtmr2", "rtmr3", NULL};
    uat_err rc = UAT_OK;
    int is_tdx = strcmp(uat_jz_platforms[k].platform, "TDX") == 0;
    int is_kunpeng = uat_jz_platforms[k].payload == JZ_KUNPENG;
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
    uat_err rc = uat_jz_emit_msg(&b, o, uat_jz_attributes);
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

int uat_jz_bool(const char *s)
{
    return strcmp(s, "true") == 0 || strcmp(s, "1") == 0;
}

uat_err uat_jz_int(const char *s, const char *field, long long *out)
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
        UAT_TRY(uat_jz_int(want, name, &w));
        ok = hl > 0 && uat_jz_int(have, name, &h) == UAT_OK && h >= w;
        uat_error_clear();
    } else if (strcmp(name, "bool_debug_disabled") == 0) {
        ok = uat_jz_bool(want) == uat_jz_bool(have);
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
    UAT_TRY(uat_jz_check_msg(entry, uat_jz_attributes, "main_attributes"));
    for (size_t i = 0; uat_jz_attributes[i].name != NULL; i++) {
        const char *want = json_string_value(json_object_get(entry, uat_jz_attributes[i].name));
        if (want != NULL && want[0] != '\0') { /* an empty field is a wildcard */
            UAT_TRY(match_field(uat_jz_attributes[i].name, want, attrs));
        }
    }
    return UAT_OK;
}

/* OR over entries (an array of UnifiedAttestationAttributes) against attrs; on failure the last
 * entry's error, as jinzhao reports it; no entry: VERIFY_POLICY naming field (RULE_ENTRY_EMPTY). */
static uat_err match_any(const json_t *entries, const json_t *attrs, const char *field)
{
    if (json_array_size(entries) == 0) {
        return UAT_FAILF(UAT_ERR_VERIFY_POLICY, CHECK, field, -1,
                         "the jinzhao policy has no %s entry (jinzhao: RULE_ENTRY_EMPTY)", field);
    }
    uat_err rc = UAT_OK;
    for (size_t i = 0; i < json_array_size(entries); i++) {
        rc = match_entry(json_array_get(entries, i), attrs);
        if (rc == UAT_OK || uat_err_category(rc) != UAT_CAT_VERIFY) {
            return rc;
        }
        if (i + 1 < json_array_size(entries)) {
            uat_error_clear();
        }
    }
    return rc;
}

/* UnifiedAttestationNestedPolicies {str_group_name (1), str_group_id (2), policies (3)},
 * UnifiedAttestationNestedPolicy {sub_attributes (1)} (COMPAT.md D §3.2) */
static const struct jz_field jz_nested_policy[] = {
    {"sub_attributes", JZ_LIST, uat_jz_attributes},
    {NULL, JZ_STR, NULL},
};
static const struct jz_field jz_nested_policies[] = {
    {"str_group_name", JZ_STR, NULL},
    {"str_group_id", JZ_STR, NULL},
    {"policies", JZ_LIST, jz_nested_policy},
    {NULL, JZ_STR, NULL},
};

/* jinzhao's nested step (§3.2 step 3, verifier_interface.cpp): skipped when there are neither
 * results nor policies; else as many results as policies, the group name and id when the policy
 * sets them, and result i matching an entry of policy i. nested is the verified jinzhao_nested
 * claim (its signature was checked by uat_verify), NULL when the report had none. */
static uat_err match_nested(const json_t *np, const json_t *nested)
{
    if (np != NULL) {
        UAT_ENSURE(json_is_object(np), UAT_ERR_PARSE_BAD_JSON, CHECK, "nested_policies", -1);
        UAT_TRY(uat_jz_check_msg(np, jz_nested_policies, "nested_policies"));
    }
    const json_t *pols = json_object_get(np, "policies");
    const json_t *res = json_object_get(nested, "results");
    if (json_array_size(pols) == 0 && json_array_size(res) == 0) {
        return UAT_OK;
    }
    if (json_array_size(pols) != json_array_size(res)) {
        return UAT_FAILF(UAT_ERR_VERIFY_POLICY, CHECK, "nested_policies", -1,
                         "the report has %zu nested results, the jinzhao policy %zu nested "
                         "policies",
                         json_array_size(res), json_array_size(pols));
    }
    static const char *const group[] = {"str_group_name", "str_group_id"};
    for (size_t g = 0; g < 2; g++) {
        const char *want = json_string_value(json_object_get(np, group[g]));
        const char *have = json_string_value(json_object_get(nested, group[g]));
        if (want != NULL && want[0] != '\0' && (have == NULL || strcmp(want, have) != 0)) {
            return UAT_FAILF(UAT_ERR_VERIFY_POLICY, CHECK, group[g], -1,
                             "nested %s is \"%.80s\", the jinzhao policy wants \"%.80s\"",
                             group[g], have != NULL ? have : "", want);
        }
    }
    for (size_t i = 0; i < json_array_size(res); i++) {
        const json_t *attrs = json_object_get(json_array_get(res, i), "result");
        json_t *empty = attrs == NULL ? json_object() : NULL;
        uat_err rc = match_any(json_object_get(json_array_get(pols, i), "sub_attributes"),
                               attrs != NULL ? attrs : empty, "sub_attributes");
        json_decref(empty);
        UAT_TRY(rc); /* the error names the attribute that failed, as for main_attributes */
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
    rc = rc == UAT_OK ? uat_jz_optional_string(p, "pem_public_key") : rc;
    if (rc == UAT_OK && main != NULL && !json_is_array(main)) {
        rc = UAT_FAIL(UAT_ERR_PARSE_BAD_JSON, CHECK, "main_attributes", -1);
    }
    rc = rc == UAT_OK ? attributes(claims, &attrs) : rc;
    if (rc == UAT_OK && pem != NULL && pem[0] != '\0') {
        rc = match_field("hex_hash_or_pem_pubkey", pem, attrs);
    }
    /* main attester, then nested (the platform check ran first, in uat_verify) */
    rc = rc == UAT_OK ? match_any(main, attrs, "main_attributes") : rc;
    if (rc == UAT_OK) {
        rc = match_nested(nested, json_object_get(uat_claims_doc(claims), "jinzhao_nested"));
    }
    json_decref(attrs);
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
    UAT_TRY(uat_jz_check_msg(e, uat_jz_attributes, "main_attributes"));
    const char *platform = json_string_value(json_object_get(e, "str_tee_platform"));
    size_t k = uat_jz_platform_index(platform);
    if (k == uat_jz_nplatforms) {
        return UAT_FAILF(platform == NULL || platform[0] == '\0' ? UAT_ERR_PARSE_BAD_VALUE
                                                                 : UAT_ERR_UNSUPPORTED_TEE,
                         CHECK, "str_tee_platform", -1,
                         "each main_attributes entry must name its jinzhao platform "
                         "(str_tee_platform) to become reference values");
    }
    int tdx = strcmp(platform, "TDX") == 0, kunpeng = uat_jz_platforms[k].payload == JZ_KUNPENG;
    json_t *d = json_object(), *v = json_object();
    char id[48];
    snprintf(id, sizeof(id), "jinzhao:main_attributes[%zu]", idx);
    UAT_ENSURE(d != NULL && v != NULL && json_object_set_new(d, "id", json_string(id)) == 0 &&
                   json_object_set_new(d, "tee", json_string(uat_jz_platforms[k].tee)) == 0 &&
                   json_object_set_new(d, "values", v) == 0,
               UAT_ERR_RESOURCE_NO_MEMORY, CHECK, "", -1);
    uat_err rc = UAT_OK;
    static const char *const tdx_platform[] = {"mr_seam",      "mr_signer_seam", "mr_td",
                                               "mr_config_id", "mr_owner",       "mr_owner_config"};
    static const char *const tdx_boot[] = {"rtmr0", "rtmr1"}, *const tdx_ta[] = {"rtmr2", "rtmr3"};
    for (size_t i = 1; rc == UAT_OK && uat_jz_attributes[i].name != NULL; i++) {
        const char *f = uat_jz_attributes[i].name;
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
            rc = uat_jz_int(s, f, &n);
            json_t *c = strcmp(f, "hex_prod_id") == 0 ? json_pack("[I]", (json_int_t)n)
                                                       : json_pack("{s:I}", "min", (json_int_t)n);
            if (rc == UAT_OK && json_object_set_new(v, f[0] == 'h' ? "product_id" : "svn", c) != 0) {
                rc = UAT_NOMEM(CHECK);
            } else if (rc != UAT_OK) {
                json_decref(c);
            }
        } else if (!kunpeng && strcmp(f, "bool_debug_disabled") == 0) {
            if (!uat_jz_bool(s)) { /* jinzhao compares equal: this entry wants a debuggable TEE */
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
    rc = rc == UAT_OK ? uat_jz_optional_string(p, "pem_public_key") : rc;
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
