/* libFuzzer target: the SPDM GET_MEASUREMENTS request and MEASUREMENTS response of NVIDIA GPU
 * evidence (pure parse, src/tee/nvgpu/spdm.c), and the evidence CBOR map around it. Seeds: the
 * corpus reports g1 and g2 (../shared/corpus/nvidia-gpu) and g1 as a CBOR map. */
#include <stdlib.h>
#include <string.h>

#include "tee/nvgpu/nvgpu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uat_span in = uat_span_of(data, size);
    uat_nvgpu_report *r = calloc(1, sizeof(*r));
    if (r == NULL) {
        return 0;
    }
    if (uat_nvgpu_report_parse(in, r) == UAT_OK) {
        /* the signed span is a prefix, the signature follows it, at most one zero byte after */
        if (r->signed_span.p != data || r->rsp.signature.p != data + r->signed_span.len ||
            r->signed_span.len + UAT_SPDM_P384_SIG_LEN + r->rsp.trailing != size ||
            r->rsp.trailing > 1 || r->request.len > r->signed_span.len) {
            abort();
        }
        json_t *o = json_object();
        if (uat_nvgpu_report_describe(r, o) != UAT_OK) {
            abort();
        }
        json_decref(o);
    }
    free(r);
    uat_nvgpu_evidence ev;
    if (uat_nvgpu_evidence_decode(in, &ev) == UAT_OK && (ev.ncerts == 0 || ev.report.len == 0)) {
        abort();
    }
    return 0;
}
