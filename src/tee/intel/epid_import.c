/* EPID evidence from jinzhao-attest's messages (../shared/COMPAT.md part D §2.4, §7.3; jinzhao
 * ual/verification/platforms/sgx1/verifier_sgx_epid.cpp):
 *   IasReport {b64_signature, str_signing_cert, str_advisory_url, str_advisory_ids,
 *              json_response_body}: the IAS response (a Passport report's payload), rewritten as
 *     this TEE's evidence (epid.h): report = the exact json_response_body bytes, signature =
 *     b64_signature, certificates = str_signing_cert. The advisory URL and IDs are IAS's unsigned
 *     response headers as jinzhao copied them: not used (the signed body's advisoryIDs are what
 *     the claims carry).
 *   EpidReport {b64_quote}: a bare EPID quote (BackgroundCheck). Only IAS could verify it and IAS
 *     is retired: UNSUPPORTED_FEATURE (jinzhao too refuses to verify it:
 *     TEE_ERROR_RA_VERIFY_NEED_RERERENCE_DATA). */
#include <string.h>

#include "core/limits.h"
#include "tee/intel/epid.h"

#define CHECK "sgx-epid.jinzhao"

static uat_err required(const json_t *o, const char *name, const char **s, size_t *n)
{
    const json_t *v = json_object_get(o, name);
    if (!json_is_string(v) || json_string_length(v) == 0) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, CHECK, name, -1,
                         "the IasReport has no %s (jinzhao: INVALID_IAS_REPORT)", name);
    }
    *s = json_string_value(v);
    *n = json_string_length(v);
    return UAT_OK;
}

static uat_err ias_report(const json_t *msg, uat_buf *out)
{
    static const char *const members[] = {"b64_signature", "str_signing_cert",
                                          "str_advisory_url", "str_advisory_ids",
                                          "json_response_body", NULL};
    UAT_TRY(uat_json_only_members(msg, members, CHECK, "IasReport"));
    const char *sig, *certs, *body;
    size_t sig_n, certs_n, body_n;
    UAT_TRY(required(msg, "b64_signature", &sig, &sig_n));
    UAT_TRY(required(msg, "str_signing_cert", &certs, &certs_n));
    UAT_TRY(required(msg, "json_response_body", &body, &body_n));
    UAT_ENSURE(body_n <= UAT_EPID_MAX_REPORT_BYTES, UAT_ERR_RESOURCE_LIMIT, CHECK,
               "json_response_body", -1);
    uat_buf b64;
    uat_buf_init(&b64, UAT_MAX_CMW_TEXT_BYTES);
    uat_err rc = uat_b64_encode((const uint8_t *)body, body_n, UAT_B64_STD, &b64);
    json_t *ev = rc == UAT_OK ? json_pack("{s:s%,s:s%,s:s%}", "report", (const char *)b64.p,
                                          b64.len, "signature", sig, sig_n, "certificates",
                                          certs, certs_n)
                              : NULL;
    if (rc == UAT_OK) {
        rc = ev != NULL ? uat_json_write(ev, out) : UAT_NOMEM(CHECK);
    }
    json_decref(ev);
    uat_buf_free(&b64);
    return rc;
}

uat_err uat_epid_evidence_import(const char *format, const json_t *msg, uat_buf *out)
{
    UAT_ENSURE(format != NULL && json_is_object(msg) && out != NULL,
               UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "", -1);
    if (strcmp(format, "jinzhao/IasReport") == 0) {
        return ias_report(msg, out);
    }
    if (strcmp(format, "jinzhao/EpidReport") == 0) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, CHECK, "str_report_type", -1,
                         "a bare EPID quote (BackgroundCheck) is verified only by IAS, which is "
                         "retired: give the Passport report that carries IAS's signed response");
    }
    return UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, CHECK, "format", -1,
                     "EPID evidence is not taken from %.64s", format);
}
