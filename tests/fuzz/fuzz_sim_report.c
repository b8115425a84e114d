/* libFuzzer target: sim report parsing (pure) and inspection, and the verifier on raw input. */
#include <stdlib.h>

#include "tee/sim/sim.h"
#include "uattest/verifier.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uat_sim_report r;
    uat_err parsed = uat_sim_parse(uat_span_of(data, size), &r);
    json_t *fields = json_object();
    uat_err inspected = uat_sim_inspect(uat_span_of(data, size), fields);
    /* inspection is parsing plus description: both agree on what is well-formed */
    if ((parsed == UAT_OK) != (inspected == UAT_OK)) {
        abort();
    }
    json_decref(fields);
    char *text = NULL;
    if (uat_inspect(data, size, &text) == UAT_OK) {
        free(text);
    }
    return 0;
}
