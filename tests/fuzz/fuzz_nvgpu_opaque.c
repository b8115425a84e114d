/* libFuzzer target: NVIDIA's SPDM opaque-data TLVs (src/tee/nvgpu/opaque.c) and the FWID
 * extension value. Seeds: the opaque data of the corpus reports g1 and g2 and g1's leaf FWID
 * extension (../shared/corpus/nvidia-gpu). */
#include <stdlib.h>
#include <string.h>

#include "tee/nvgpu/nvgpu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uat_nvgpu_opaque op;
    if (uat_nvgpu_opaque_parse(uat_span_of(data, size), 0, &op) == UAT_OK) {
        size_t total = 0;
        for (size_t i = 0; i < op.n; i++) {
            total += 4 + op.items[i].data.len;
            if (uat_nvgpu_opaque_find(&op, op.items[i].type) != &op.items[i]) {
                abort(); /* types are unique */
            }
        }
        if (total != size) {
            abort(); /* the TLVs tile the input */
        }
        json_t *o = json_object();
        /* may refuse a non-text version string, never crash */
        uat_err described = uat_nvgpu_opaque_describe(&op, o);
        (void)described;
        json_decref(o);
    }
    uint8_t fwid[UAT_NVGPU_FWID_LEN];
    if (uat_nvgpu_fwid_parse(uat_span_of(data, size), fwid) == UAT_OK && size < 4 + 48) {
        abort(); /* a FWID cannot fit in fewer bytes */
    }
    return 0;
}
