/* libuattest-jinzhao: jinzhao-attest's C API (include/uattest/jinzhao/) on libuattest's public
 * API; no TEE is named here. Configuration comes from the environment (docs/compat.md):
 *   UATTEST_JINZHAO_TEE, UATTEST_JINZHAO_ROOT, UATTEST_JINZHAO_OPTS (KEY=VALUE,KEY=VALUE),
 *   UATTEST_JINZHAO_STATE_DIR: the attester (generation);
 *   UATTEST_JINZHAO_TRUST, UATTEST_JINZHAO_COLLATERAL, UATTEST_JINZHAO_AT (RFC 3339, UTC):
 *   the verifier. uattest's errors are mapped to jinzhao's TeeErrorCode values, and logged with
 *   their names on stderr when UATTEST_JINZHAO_LOG is set. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "unified_attestation.h"
#include "uattest/uattest.h"

#define UAL_API __attribute__((visibility("default")))

static int map_err(uat_err e)
{
    if (e == UAT_OK) {
        return TEE_SUCCESS;
    }
    if (getenv("UATTEST_JINZHAO_LOG") != NULL) {
        char msg[512];
        uat_error_format(uat_last_error(), msg, sizeof(msg));
        fprintf(stderr, "uattest-jinzhao: [%s] %s\n", uat_err_name(e), msg);
    }
    const char *field = uat_last_error()->field;
    static const struct {
        const char *field;
        int code;
    } attr[] = {
        {"hex_ta_measurement", TEE_ERROR_RA_VERIFY_ATTR_TA_MEASUREMENT},
        {"hex_signer", TEE_ERROR_RA_VERIFY_ATTR_SIGNER},
        {"hex_user_data", TEE_ERROR_RA_VERIFY_ATTR_USER_DATA},
        {"hex_prod_id", TEE_ERROR_RA_VERIFY_ATTR_ISV_PORDID},
        {"str_min_isvsvn", TEE_ERROR_RA_VERIFY_ATTR_ISV_SVN},
        {"str_tee_platform", TEE_ERROR_RA_VERIFY_ATTR_TEE_PLATFORM},
        {"bool_debug_disabled", TEE_ERROR_RA_VERIFY_ATTR_DEBUG_DISABLED},
        {"hex_nonce", TEE_ERROR_RA_VERIFY_ATTR_NONCE},
        {"hex_hash_or_pem_pubkey", TEE_ERROR_RA_VERIFY_ATTR_PUBKEY},
        {"hex_platform_measurement", TEE_ERROR_RA_VERIFY_ATTR_PLATFORM_MEASUREMENT},
        {"hex_boot_measurement", TEE_ERROR_RA_VERIFY_ATTR_BOOT_MEASUREMENT},
        {"main_attributes", TEE_ERROR_RA_VERIFY_RULE_ENTRY_EMPTY},
    };
    if (e == UAT_ERR_VERIFY_POLICY) {
        for (size_t i = 0; i < sizeof(attr) / sizeof(attr[0]); i++) {
            if (strcmp(field, attr[i].field) == 0) {
                return attr[i].code;
            }
        }
        return TEE_ERROR_RA_VERIFY_ATTR;
    }
    if (strcmp(field, "hex_user_data") == 0 && e == UAT_ERR_USAGE_INVALID_ARGUMENT) {
        return TEE_ERROR_RA_HAVE_BOTH_NONCE_AND_USER_DATA;
    }
    if (strcmp(field, "report_hex_nonce") == 0) {
        return TEE_ERROR_RA_TOO_LONG_NONCE;
    }
    switch (e) {
    case UAT_ERR_VERIFY_SIGNATURE: return TEE_ERROR_RA_VERIFY_SIGNATURE;
    case UAT_ERR_VERIFY_BINDING: return TEE_ERROR_RA_VERIFY_ATTR_PUBKEY;
    case UAT_ERR_PARSE_BAD_ENCODING: return TEE_ERROR_BYTES_BASE64_DECODE;
    case UAT_ERR_UNSUPPORTED_TEE: return TEE_ERROR_UNSUPPORTED_TEE;
    case UAT_ERR_UNSUPPORTED_FEATURE: return TEE_ERROR_NOT_IMPLEMENTED;
    case UAT_ERR_RESOURCE_NO_MEMORY: return TEE_ERROR_MALLOC;
    default: break;
    }
    switch (uat_err_category(e)) {
    case UAT_CAT_PARSE: return TEE_ERROR_PROTOBUF_PARSE_JSON;
    case UAT_CAT_USAGE: return TEE_ERROR_PARAMETERS;
    case UAT_CAT_VERIFY: return TEE_ERROR_RA_VERIFY;
    case UAT_CAT_PLATFORM: return TEE_ERROR_RA_GENERATE;
    default: return TEE_ERROR_GENERIC;
    }
}

/* Copies text to buf as jinzhao does: *len is the buffer size in, the length out, no NUL. */
static int copy_out(const char *text, char *buf, unsigned int *len, int too_small)
{
    size_t n = strlen(text);
    if (*len <= n) {
        return too_small;
    }
    memcpy(buf, text, n);
    *len = (unsigned int)n;
    return TEE_SUCCESS;
}

static int generate(const char *report_type, const char *hex_nonce, const char *params,
                    unsigned int params_len, int auth, char *buf, unsigned int *len)
{
    if (report_type == NULL || buf == NULL || len == NULL || (params == NULL && params_len != 0)) {
        return TEE_ERROR_PARAMETERS;
    }
    if (strcmp(report_type, "BackgroundCheck") != 0 && strcmp(report_type, "Passport") != 0) {
        return strcmp(report_type, "Uas") == 0 ? TEE_ERROR_NOT_IMPLEMENTED : TEE_ERROR_RA_REPORT_TYPE;
    }
    uint8_t rd[64];
    char *pem = NULL, *json = NULL;
    uat_attester *a = NULL;
    uat_cmw *cmw = NULL;
    const char *root = getenv("UATTEST_JINZHAO_ROOT");
    uat_err e = uat_jinzhao_report_data(hex_nonce, params, params_len, rd, &pem);
    e = e == UAT_OK ? uat_attester_new(getenv("UATTEST_JINZHAO_TEE"), root != NULL ? root : "/", &a)
                    : e;
    const char *state = getenv("UATTEST_JINZHAO_STATE_DIR");
    if (e == UAT_OK && state != NULL) {
        e = uat_attester_set_option(a, "state-dir", state);
    }
    const char *opts = getenv("UATTEST_JINZHAO_OPTS");
    char *copy = opts != NULL ? strdup(opts) : NULL, *save = NULL;
    for (char *kv = copy != NULL ? strtok_r(copy, ",", &save) : NULL; e == UAT_OK && kv != NULL;
         kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '=');
        if (eq == NULL) {
            free(copy);
            uat_attester_free(a);
            free(pem);
            return TEE_ERROR_PARAMETERS;
        }
        *eq = '\0';
        e = uat_attester_set_option(a, kv, eq + 1);
    }
    free(copy);
    e = e == UAT_OK ? uat_attester_collect(a, rd, &cmw) : e;
    e = e == UAT_OK ? uat_jinzhao_from_cmw(cmw, report_type, auth ? (pem != NULL ? pem : "") : NULL,
                                           &json)
                    : e;
    int rc = e == UAT_OK ? copy_out(json, buf, len, TEE_ERROR_RA_SMALLER_REPORT_BUFFER) : map_err(e);
    free(json);
    uat_cmw_free(cmw);
    uat_attester_free(a);
    free(pem);
    return rc;
}

UAL_API int UnifiedAttestationGenerateReport(const char *tee_identity, const char *report_type,
                                             const char *report_hex_nonce,
                                             const char *report_params_buf,
                                             const unsigned int report_params_len,
                                             char *report_json_buf, unsigned int *report_json_len)
{
    (void)tee_identity; /* uattest has no enclave ids (docs/compat.md) */
    return generate(report_type, report_hex_nonce, report_params_buf, report_params_len, 0,
                    report_json_buf, report_json_len);
}

UAL_API int UnifiedAttestationGenerateAuthReport(const char *tee_identity, const char *report_type,
                                                 const char *report_hex_nonce,
                                                 const char *report_params_buf,
                                                 const unsigned int report_params_len,
                                                 char *auth_report_buf,
                                                 unsigned int *auth_report_len)
{
    (void)tee_identity;
    return generate(report_type, report_hex_nonce, report_params_buf, report_params_len, 1,
                    auth_report_buf, auth_report_len);
}

/* RFC 3339 UTC "YYYY-MM-DDTHH:MM:SSZ" */
static int parse_at(const char *s, int64_t *out)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    const char *end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (end == NULL || *end != '\0') {
        return -1;
    }
    *out = (int64_t)timegm(&tm);
    return 0;
}

/* The report verified with the environment's verifier configuration. */
static uat_err verified(const char *json, unsigned int len, uat_claims **claims)
{
    uat_verifier *v = NULL;
    uat_err rc = uat_verifier_new(&v);
    if (rc != UAT_OK) {
        return rc;
    }
    const char *trust = getenv("UATTEST_JINZHAO_TRUST");
    const char *coll = getenv("UATTEST_JINZHAO_COLLATERAL");
    const char *at = getenv("UATTEST_JINZHAO_AT");
    uat_err e = trust != NULL ? uat_verifier_set_trust_dir(v, trust) : UAT_OK;
    e = e == UAT_OK && coll != NULL ? uat_verifier_set_collateral_dir(v, coll) : e;
    int64_t t;
    if (e == UAT_OK && at != NULL) {
        if (parse_at(at, &t) != 0) {
            uat_verifier_free(v);
            return UAT_ERR_USAGE_INVALID_ARGUMENT;
        }
        uat_verifier_set_time(v, t);
    }
    const char *lax = getenv("UATTEST_JINZHAO_LAX_INSECURE");
    if (lax != NULL && strcmp(lax, "1") == 0) {
        /* jinzhao's verdict where it checks no validity period (docs/compat.md) */
        fprintf(stderr, "uattest-jinzhao: warning: UATTEST_JINZHAO_LAX_INSECURE=1: reports refused "
                        "only for expiry are verified again without validity periods\n");
        uat_verifier_set_jinzhao_lax_insecure(v, 1);
    }
    e = e == UAT_OK ? uat_verify(v, (const uint8_t *)json, len, NULL, claims) : e;
    uat_verifier_free(v);
    return e;
}

static int verify(const char *json, unsigned int len, const char *policy, unsigned int policy_len)
{
    if (json == NULL || policy == NULL) {
        return TEE_ERROR_PARAMETERS;
    }
    uat_claims *c = NULL;
    uat_err e = verified(json, len, &c);
    e = e == UAT_OK ? uat_jinzhao_policy_check(c, policy, policy_len) : e;
    uat_claims_free(c);
    return map_err(e);
}

UAL_API int UnifiedAttestationVerifyAuthReport(const char *auth_json_str,
                                               const unsigned int auth_json_len,
                                               const char *policy_json_str,
                                               const unsigned int policy_json_len)
{
    return verify(auth_json_str, auth_json_len, policy_json_str, policy_json_len);
}

UAL_API int UnifiedAttestationVerifyReport(const char *report_json_str,
                                           const unsigned int report_json_len,
                                           const char *policy_json_str,
                                           const unsigned int policy_json_len)
{
    return verify(report_json_str, report_json_len, policy_json_str, policy_json_len);
}

static int get_attr(const char *json, unsigned int len, char *out, unsigned int *out_len)
{
    if (json == NULL || out == NULL || out_len == NULL) {
        return TEE_ERROR_PARAMETERS;
    }
    uat_claims *c = NULL;
    char *attrs = NULL;
    uat_err e = verified(json, len, &c);
    e = e == UAT_OK ? uat_jinzhao_attributes(c, &attrs) : e;
    int rc = e == UAT_OK ? copy_out(attrs, out, out_len, TEE_ERROR_RA_VERIFY_SMALLER_INFO_BUFFER)
                         : map_err(e);
    free(attrs);
    uat_claims_free(c);
    return rc;
}

UAL_API int UnifiedAttestationGetAuthReportAttr(const char *auth_json_str,
                                                const unsigned int auth_json_len,
                                                char *attr_json_str, unsigned int *attr_json_len)
{
    return get_attr(auth_json_str, auth_json_len, attr_json_str, attr_json_len);
}

UAL_API int UnifiedAttestationGetReportAttr(const char *report_json_str,
                                            const unsigned int report_json_len,
                                            char *attr_json_str, unsigned int *attr_json_len)
{
    return get_attr(report_json_str, report_json_len, attr_json_str, attr_json_len);
}
