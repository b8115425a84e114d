/* libFuzzer target: SEV-SNP report and evidence parsing (pure), description and inspection. */
#include <stdlib.h>
#include <string.h>

#include "tee/snp/snp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uat_span in = uat_span_of(data, size);
    uat_snp_report r;
    uat_snp_cert_table t;
    if (uat_snp_report_parse(in, &r) == UAT_OK) {
        json_t *described = json_object();
        /* every parsed report can be described, in every product's TCB layout */
        if (uat_snp_describe(&r, uat_snp_product_from_cpuid(&r), described) != UAT_OK ||
            uat_snp_describe(&r, UAT_SNP_PRODUCT_TURIN, described) != UAT_OK) {
            abort();
        }
        json_decref(described);
    }
    uat_err parsed = uat_snp_evidence_parse(in, &r, &t);
    /* well-formed evidence is always recognised as SNP evidence */
    if (parsed == UAT_OK && !uat_snp_sniff(in)) {
        abort();
    }
    for (size_t i = 0; parsed == UAT_OK && i < t.n; i++) {
        /* every certificate lies inside the input, after the report */
        if (t.e[i].data.p < data + UAT_SNP_REPORT_SIZE || t.e[i].data.len > size ||
            t.e[i].data.p + t.e[i].data.len > data + size) {
            abort();
        }
    }
    json_t *fields = json_object();
    uat_err inspected = uat_snp_inspect(in, fields);
    /* inspection is parsing plus description: both agree on what is well-formed */
    if ((parsed == UAT_OK) != (inspected == UAT_OK)) {
        abort();
    }
    json_decref(fields);
    return 0;
}
