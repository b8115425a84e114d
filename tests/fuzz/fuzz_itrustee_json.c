/* libFuzzer target: the JSON TEE.RA.1.0 report and provisioning-output AK certificates, parsed
 * (the cJSON re-printing of both payloads included) without verification. */
#include <stdlib.h>
#include <string.h>

#include "tee/itrustee/itrustee.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uat_span in = uat_span_of(data, size);
    uat_itr_report r;
    if (uat_itr_parse_json(in, &r) == UAT_OK) {
        /* the signed bytes are base64url text of a printed object: never empty */
        if (!r.json || r.signed_ak.len == 0 || r.scenario > UAT_ITR_SCE_AS_WITH_DAA ||
            (r.scenario == UAT_ITR_SCE_NO_AS && r.signed_drk.len == 0)) {
            abort();
        }
        json_t *f = json_object();
        if (uat_itrustee_inspect(in, f) != UAT_OK) {
            abort(); /* inspection is parsing plus description */
        }
        json_decref(f);
        uat_itr_report_free(&r);
    }
    if (uat_itr_parse_json_akcert(in, &r) == UAT_OK) {
        if (r.signed_drk.len == 0 || r.drk_der.len == 0) {
            abort();
        }
        uat_itr_report_free(&r);
    }
    return 0;
}
