/* libFuzzer target: HyperEnclave quote parsing (pure): the sgx_quote_t frame, the SGX report body,
 * platform_quote_sig_t with its TPMS_ATTEST, and the PCR list extension value. Seeds are
 * SYNTHETIC quotes (no real HyperEnclave quote is public). */
#include <stdlib.h>
#include <string.h>

#include "tee/hyperenclave/hyperenclave.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uat_span in = uat_span_of(data, size);
    uat_he_quote q;
    uat_err parsed = uat_he_quote_parse(in, &q);
    if (parsed == UAT_OK) {
        /* a parsed quote is recognised, its parts lie inside the input and it can be described */
        if (!uat_he_sniff(in) || q.body_raw.p != data + UAT_HE_BODY_OFFSET ||
            q.cert.p + q.cert.len != data + size || q.cert.len == 0) {
            abort();
        }
        json_t *o = json_object();
        if (uat_he_quote_describe(&q, o) != UAT_OK) {
            abort();
        }
        json_decref(o);
    }
    json_t *fields = json_object();
    uat_err inspected = uat_he_inspect(in, fields);
    if ((inspected == UAT_OK) != (parsed == UAT_OK)) {
        abort();
    }
    json_decref(fields);
    /* the same bytes as a PCR list extension value */
    uat_buf pcrs;
    uat_buf_init(&pcrs, UAT_HE_MAX_PCR_LIST + 4);
    if (uat_he_pcr_list_parse(in, &pcrs) == UAT_OK &&
        (pcrs.len % UAT_HE_PCR_SIZE != 0 || pcrs.len < 2 * UAT_HE_PCR_SIZE)) {
        abort();
    }
    uat_buf_free(&pcrs);
    return 0;
}
