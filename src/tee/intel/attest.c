/* Intel attesters: TDX quotes through configfs-tsm; SGX quotes from inside a Gramine enclave
 * (/dev/attestation). The root path is a parameter, so tests use a fake tree.
 * Options: tsm-entry (configfs-tsm report entry name; default uattest-<pid>). */
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "core/limits.h"
#include "evidence/tsm.h"
#include "tee/intel/intel.h"

uat_err uat_tdx_collect(const uat_attest_ctx *ctx, const uint8_t *report_data, uat_buf *out)
{
    if (!uat_tsm_available(ctx->root)) {
        return UAT_FAILF(UAT_ERR_PLATFORM_DEVICE, "tdx.attest", "", -1,
                         "no configfs-tsm under %s: TDX quotes need Linux 6.7 or later with "
                         "configfs mounted (/dev/tdx_guest alone only gives a TD report)",
                         ctx->root);
    }
    uat_tsm_request req = {ctx->root, uat_attest_opt(ctx, "tsm-entry"), "tdx_guest", report_data,
                           UAT_REPORT_DATA_LEN, -1};
    UAT_TRY(uat_tsm_report(&req, out, NULL));
    /* what the kernel returned must be a TDX quote */
    UAT_ENSURE(uat_intel_sniff_tdx(uat_buf_span(out)), UAT_ERR_PLATFORM_DEVICE, "tdx.attest",
               "outblob", -1);
    return UAT_OK;
}

/* Gramine: https://gramine.readthedocs.io "Attestation and Secret Provisioning": write the 64-byte
 * user report data, read the quote produced by the platform's quoting enclave. */
uat_err uat_sgx_collect(const uat_attest_ctx *ctx, const uint8_t *report_data, uat_buf *out)
{
    char *dev = uat_path_join(ctx->root, "dev/attestation");
    char *urd = dev ? uat_path_join(dev, "user_report_data") : NULL;
    char *quote = dev ? uat_path_join(dev, "quote") : NULL;
    uat_err rc = urd && quote ? UAT_OK : UAT_NOMEM("sgx.attest");
    if (rc == UAT_OK && !uat_file_exists(urd)) {
        rc = UAT_FAILF(UAT_ERR_PLATFORM_DEVICE, "sgx.attest", "", -1,
                       "no %s: SGX quotes are collected from inside a Gramine enclave", urd);
    }
    if (rc == UAT_OK) {
        FILE *f = fopen(urd, "wb");
        int ok = f != NULL && fwrite(report_data, 1, UAT_REPORT_DATA_LEN, f) == UAT_REPORT_DATA_LEN;
        ok = f != NULL && fclose(f) == 0 && ok;
        rc = ok ? UAT_OK : UAT_FAIL(UAT_ERR_PLATFORM_DEVICE, "sgx.attest", "user_report_data", -1);
    }
    if (rc == UAT_OK) {
        rc = uat_file_read(quote, UAT_MAX_EVIDENCE_BYTES, out);
    }
    if (rc == UAT_OK && !uat_intel_sniff_sgx(uat_buf_span(out))) {
        rc = UAT_FAIL(UAT_ERR_PLATFORM_DEVICE, "sgx.attest", "quote", -1);
    }
    free(dev);
    free(urd);
    free(quote);
    return rc;
}
