/* libFuzzer target: the Azure HCL report (pure parse), the az-snp-vtpm evidence map (decode,
 * re-encode, decode again), trustee's evidence JSON import, and inspection. */
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "tee/azsnpvtpm/azsnpvtpm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What parses is one SNP report, a runtime header and the variable data, inside the input. */
static void hcl(uat_span in)
{
    uat_hcl_report h;
    if (uat_hcl_report_parse(in, &h) != UAT_OK) {
        return;
    }
    if (h.snp_report.len != UAT_SNP_REPORT_SIZE || h.report_size > in.len ||
        h.var_data.len == 0 || h.var_data.len > UAT_MAX_HCL_VAR_DATA ||
        h.var_data.p + h.var_data.len > in.p + in.len ||
        h.data_size != h.var_data.len + UAT_HCL_RUNTIME_HEADER_SIZE ||
        h.report_type != UAT_HCL_REPORT_TYPE_SNP) {
        abort();
    }
}

/* Decoded evidence encodes; its encoding decodes and encodes the same bytes. */
static void evidence(uat_span in)
{
    uat_azsnpvtpm_evidence ev, back;
    if (uat_azsnpvtpm_evidence_decode(in, &ev) != UAT_OK) {
        return;
    }
    uat_buf a, b;
    uat_buf_init(&a, UAT_MAX_EVIDENCE_BYTES);
    uat_buf_init(&b, UAT_MAX_EVIDENCE_BYTES);
    if (uat_azsnpvtpm_evidence_encode(&ev, &a) != UAT_OK ||
        uat_azsnpvtpm_evidence_decode(uat_buf_span(&a), &back) != UAT_OK ||
        uat_azsnpvtpm_evidence_encode(&back, &b) != UAT_OK || a.len != b.len ||
        memcmp(a.p, b.p, a.len) != 0 || back.hcl_report.len != ev.hcl_report.len ||
        back.tpm.nbanks != ev.tpm.nbanks || back.vcek.len != ev.vcek.len) {
        abort();
    }
    uat_buf_free(&a);
    uat_buf_free(&b);
}

static void import(uat_span in)
{
    uat_azsnpvtpm_import st;
    uat_azsnpvtpm_evidence ev;
    if (uat_azsnpvtpm_import_json(in, &st, &ev) == UAT_OK &&
        (ev.hcl_report.len != st.hcl.len || ev.tpm.attest.len != st.attest.len ||
         ev.tpm.nbanks != 1)) {
        abort();
    }
    uat_azsnpvtpm_import_free(&st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uat_span in = uat_span_of(data, size);
    hcl(in);
    evidence(in);
    import(in);
    json_t *fields = json_object();
    (void)uat_tee_azsnpvtpm.inspect(in, fields);
    json_decref(fields);
    (void)uat_azsnpvtpm_sniff(in);
    return 0;
}
