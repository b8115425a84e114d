/* libFuzzer target: CMW CBOR parsing, and re-serialization of whatever parses. */
#include <stdlib.h>

#include "uattest/evidence.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uat_cmw *c = NULL;
    if (uat_cmw_parse_cbor(data, size, &c) == UAT_OK) {
        uint8_t *out = NULL;
        size_t n = 0;
        if (uat_cmw_serialize(c, UAT_CMW_CBOR, &out, &n) == UAT_OK) {
            uat_cmw *again = NULL;
            if (uat_cmw_parse_cbor(out, n, &again) != UAT_OK) {
                abort();
            }
            uat_cmw_free(again);
        }
        free(out);
        uat_cmw_free(c);
    }
    return 0;
}
