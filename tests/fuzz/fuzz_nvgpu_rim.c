/* libFuzzer target: NVIDIA RIM parsing (src/tee/nvgpu/rim.c: libxml2, SWID Meta, Measurement
 * resources, KeyInfo certificates). Seeds: the driver and a VBIOS RIM of
 * ../shared/corpus/nvidia-gpu/rim, byte for byte. */
#include <stdlib.h>
#include <string.h>

#include "tee/nvgpu/rim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uat_nvgpu_rim *r = NULL;
    if (uat_nvgpu_rim_parse(uat_span_of(data, size), &r) == UAT_OK) {
        if (r->nmeas == 0 || r->nmeas > UAT_MAX_RIM_MEASUREMENTS || r->certs.n == 0) {
            abort(); /* a parsed RIM has measurements and a signer */
        }
        for (size_t i = 0; i < r->nmeas; i++) {
            if (r->meas[i].nalt == 0 || r->meas[i].nalt > UAT_MAX_RIM_ALTERNATIVES ||
                r->meas[i].index >= UAT_MAX_RIM_MEASUREMENTS) {
                abort();
            }
        }
        uat_nvgpu_rim_free(r);
    }
    return 0;
}
