/* libFuzzer target: the SGX extension value of a PCK certificate (strict DER). */
#include <stdlib.h>
#include <string.h>

#include "tee/intel/intel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uat_pck_ext e, before;
    memset(&e, 0xa5, sizeof(e));
    before = e;
    if (uat_pck_ext_parse(uat_span_of(data, size), &e) != UAT_OK) {
        /* out-params are set only on success */
        if (memcmp(&e, &before, sizeof(e)) != 0) {
            abort();
        }
        return 0;
    }
    if (e.sgx_type > 2) {
        abort();
    }
    return 0;
}
