/* libFuzzer target: Intel DCAP quote v3/v4/v5 parsing (pure), description and inspection. */
#include <stdlib.h>

#include "tee/intel/intel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uat_span in = uat_span_of(data, size);
    uat_intel_quote q;
    uat_err parsed = uat_intel_quote_parse(in, &q);
    if (parsed == UAT_OK) {
        json_t *described = json_object();
        if (uat_intel_quote_describe(&q, described) != UAT_OK) {
            abort(); /* every parsed quote can be described */
        }
        json_decref(described);
    }
    json_t *fields = json_object();
    uat_err inspected = uat_intel_inspect(in, fields);
    /* inspection is parsing plus description: both agree on what is well-formed */
    if ((parsed == UAT_OK) != (inspected == UAT_OK)) {
        abort();
    }
    json_decref(fields);
    return 0;
}
