/* libFuzzer target: the binary iTrustee report_response (and its scenario-0 ak_cert), parsed and
 * described without verification. */
#include <stdlib.h>
#include <string.h>

#include "tee/itrustee/itrustee.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uat_span in = uat_span_of(data, size);
    uat_itr_report r;
    if (uat_itr_parse_bin(in, &r) == UAT_OK) {
        /* a parsed report is complete: a signed prefix, a signature, a scenario it names */
        if (r.signed_ak.len == 0 || r.sign_ak.len == 0 || r.scenario > UAT_ITR_SCE_AS_WITH_DAA ||
            r.signed_ak.len >= size ||
            (r.scenario == UAT_ITR_SCE_NO_AS && (!r.has_qta || r.drk_der.len == 0))) {
            abort();
        }
        uat_itr_report_free(&r);
    }
    json_t *f = json_object();
    uat_err inspected = uat_itrustee_inspect(in, f);
    if (inspected == UAT_OK && !uat_itrustee_sniff(in) && size > 0 && data[0] != '{') {
        abort(); /* a binary report that parses is recognised as one */
    }
    json_decref(f);
    return 0;
}
