/* libFuzzer target: CMW JSON parsing, and re-serialization of whatever parses. */
#include <stdlib.h>

#include "uattest/evidence.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uat_cmw *c = NULL;
    if (uat_cmw_parse_json(data, size, &c) == UAT_OK) {
        uint8_t *out = NULL;
        size_t n = 0;
        if (uat_cmw_serialize(c, UAT_CMW_JSON, &out, &n) == UAT_OK) {
            /* what we wrote must parse again */
            uat_cmw *again = NULL;
            if (uat_cmw_parse_json(out, n, &again) != UAT_OK) {
                abort();
            }
            uat_cmw_free(again);
        }
        free(out);
        uat_cmw_free(c);
    }
    return 0;
}
