/* SEV-SNP attester: the report through configfs-tsm (provider "sev_guest", Linux 6.7+), with the
 * VCEK or VLEK of the host's certificate table (auxblob) passed along after it. Options: vmpl (0-3:
 * the configfs-tsm privlevel, i.e. the VMPL the report is requested for), tsm-entry (the report
 * entry name; default uattest-<pid>). /dev/sev-guest (SNP_GET_REPORT / SNP_GET_EXT_REPORT ioctls)
 * is only used for detection. */
#include <stdio.h>
#include <string.h>

#include "core/limits.h"
#include "evidence/tsm.h"
#include "tee/snp/snp.h"

#define CHECK "snp.attest"

static uat_err vmpl_opt(const uat_attest_ctx *ctx, int *out)
{
    const char *v = uat_attest_opt(ctx, "vmpl");
    if (v == NULL) {
        *out = -1; /* the kernel's default */
        return UAT_OK;
    }
    /* spec: 56860 MSG_REPORT_REQ: VMPL 0-3 */
    if (!(v[0] >= '0' && v[0] <= '3' && v[1] == '\0')) {
        return UAT_FAILF(UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "vmpl", -1,
                         "option vmpl is 0, 1, 2 or 3, not \"%s\"", v);
    }
    *out = v[0] - '0';
    return UAT_OK;
}

/* The VCEK and VLEK entries of the host's certificate table, as a table of their own. */
static uat_err pass_veks(uat_span aux, uat_buf *out)
{
    if (aux.len == 0) {
        return UAT_OK; /* no certificates from the host: the verifier uses its collateral */
    }
    uat_snp_cert_table t;
    if (uat_snp_cert_table_parse(aux, &t) != UAT_OK) {
        char detail[256];
        snprintf(detail, sizeof(detail), "%s", uat_last_error()->message);
        return UAT_FAILF(UAT_ERR_PLATFORM_DEVICE, CHECK, "auxblob", uat_last_error()->offset,
                         "the host's certificate table is malformed (%s %s) %s",
                         uat_err_name(uat_last_error()->err), uat_last_error()->field, detail);
    }
    uat_snp_cert_entry keep[2];
    size_t n = 0;
    const uint8_t *guids[2] = {uat_snp_guid_vcek, uat_snp_guid_vlek};
    for (size_t k = 0; k < 2; k++) {
        const uat_snp_cert_entry *e = uat_snp_cert_table_find(&t, guids[k]);
        if (e != NULL) {
            keep[n++] = *e;
        }
    }
    return n > 0 ? uat_snp_cert_table_build(keep, n, out) : UAT_OK;
}

/* What the kernel returned must be a report for this request. */
static uat_err check_report(uat_span rep, const uint8_t *report_data, int vmpl)
{
    uat_snp_report r;
    if (rep.len != UAT_SNP_REPORT_SIZE || uat_snp_report_parse(rep, &r) != UAT_OK) {
        return UAT_FAILF(UAT_ERR_PLATFORM_DEVICE, CHECK, "outblob", -1,
                         "the sev_guest outblob (%zu bytes) is not an SEV-SNP report", rep.len);
    }
    UAT_ENSURE(uat_ct_equal(r.report_data, report_data, UAT_REPORT_DATA_LEN),
               UAT_ERR_PLATFORM_DEVICE, CHECK, "report_data", 0x50);
    UAT_ENSURE(vmpl < 0 || r.vmpl == (uint32_t)vmpl, UAT_ERR_PLATFORM_DEVICE, CHECK, "vmpl", 0x30);
    return UAT_OK;
}

uat_err uat_snp_collect(const uat_attest_ctx *ctx, const uint8_t *report_data, uat_buf *out)
{
    if (!uat_tsm_available(ctx->root)) {
        return UAT_FAILF(UAT_ERR_PLATFORM_DEVICE, CHECK, "", -1,
                         "no configfs-tsm under %s: SEV-SNP reports are collected through "
                         "configfs-tsm (Linux 6.7 or later, configfs mounted)",
                         ctx->root);
    }
    int vmpl = -1;
    UAT_TRY(vmpl_opt(ctx, &vmpl));
    uat_tsm_request req = {ctx->root,           uat_attest_opt(ctx, "tsm-entry"),
                           "sev_guest",         report_data,
                           UAT_REPORT_DATA_LEN, vmpl};
    uat_buf rep, aux;
    uat_buf_init(&rep, UAT_MAX_EVIDENCE_BYTES);
    uat_buf_init(&aux, UAT_MAX_EVIDENCE_BYTES);
    uat_err rc = uat_tsm_report(&req, &rep, &aux);
    if (rc == UAT_OK) {
        rc = check_report(uat_buf_span(&rep), report_data, vmpl);
    }
    if (rc == UAT_OK) {
        rc = uat_buf_append(out, rep.p, rep.len);
    }
    if (rc == UAT_OK) {
        rc = pass_veks(uat_buf_span(&aux), out);
    }
    uat_buf_free(&rep);
    uat_buf_free(&aux);
    return rc;
}
