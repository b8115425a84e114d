/* libFuzzer target: jinzhao-attest report JSON (src/evidence/jinzhao.c), unwrapped to the platform
 * evidence without verification, and the resolve layer that detects it. */
#include <stdlib.h>

#include "evidence/jinzhao.h"
#include "evidence/resolve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uat_span in = uat_span_of(data, size);
    const uat_tee_ops *ops = NULL;
    uat_buf inner;
    uat_buf_init(&inner, 4u * 1024u * 1024u);
    if (uat_jinzhao_unwrap(in, &ops, &inner) == UAT_OK) {
        /* success names a registry TEE and yields non-empty evidence */
        if (ops == NULL || ops->name == NULL || inner.len == 0) {
            abort();
        }
    }
    uat_buf_free(&inner);
    if (uat_jinzhao_sniff(in) && size > 0) {
        uat_cmw *c = NULL;
        if (uat_resolve_input(data, size, &c) == UAT_OK) {
            uat_cmw_free(c);
        }
    }
    return 0;
}
