/* Arm CCA attester: the attestation token through configfs-tsm (provider "arm_cca_guest", Linux
 * drivers/virt/coco/arm-cca-guest: the 64-byte inblob is the realm challenge of RSI_ATTEST_TOKEN_INIT,
 * the outblob the token collection). Options: tsm-entry (the report entry name; default
 * uattest-<pid>). Detection: the RSI platform device (arm-cca-dev) or /sys/firmware/cca. */
#include <stdio.h>
#include <string.h>

#include "core/limits.h"
#include "evidence/tsm.h"
#include "tee/cca/cca.h"

#define CHECK "cca.attest"

/* What the kernel returned must be a token for this challenge. */
static uat_err check_token(uat_span tok, const uint8_t *report_data)
{
    uat_cca_token t;
    if (uat_cca_token_parse(tok, UAT_CCA_ARM, "cca.token", &t) != UAT_OK) {
        char detail[300];
        snprintf(detail, sizeof(detail), "%s %.40s: %.200s", uat_err_name(uat_last_error()->err),
                 uat_last_error()->field, uat_last_error()->message);
        return UAT_FAILF(UAT_ERR_PLATFORM_DEVICE, CHECK, "outblob", uat_last_error()->offset,
                         "the arm_cca_guest outblob (%zu bytes) is not a CCA token (%s)", tok.len,
                         detail);
    }
    /* spec: DEN0137 §B4.3.8 RSI_ATTEST_TOKEN_INIT: the challenge becomes cca-realm-challenge */
    UAT_ENSURE(uat_ct_equal(t.realm.challenge.p, report_data, UAT_CCA_CHALLENGE_LEN),
               UAT_ERR_PLATFORM_DEVICE, CHECK, "cca-realm-challenge", -1);
    return UAT_OK;
}

uat_err uat_cca_collect(const uat_attest_ctx *ctx, const uint8_t *report_data, uat_buf *out)
{
    if (!uat_tsm_available(ctx->root)) {
        return UAT_FAILF(UAT_ERR_PLATFORM_DEVICE, CHECK, "", -1,
                         "no configfs-tsm under %s: CCA tokens are collected through configfs-tsm "
                         "(Linux 6.13 or later with the arm-cca-guest driver, configfs mounted)",
                         ctx->root);
    }
    uat_tsm_request req = {ctx->root,           uat_attest_opt(ctx, "tsm-entry"),
                           "arm_cca_guest",     report_data,
                           UAT_REPORT_DATA_LEN, -1};
    uat_buf tok;
    uat_buf_init(&tok, UAT_MAX_EVIDENCE_BYTES);
    uat_err rc = uat_tsm_report(&req, &tok, NULL);
    if (rc == UAT_OK) {
        rc = check_token(uat_buf_span(&tok), report_data);
    }
    if (rc == UAT_OK) {
        rc = uat_buf_append(out, tok.p, tok.len);
    }
    uat_buf_free(&tok);
    return rc;
}
