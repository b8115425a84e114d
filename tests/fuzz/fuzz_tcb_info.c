/* libFuzzer target: Intel PCS TCB info and enclave identity JSON, and the raw-member skimmer
 * their signatures depend on. */
#include <stdlib.h>

#include "collateral/jsonraw.h"
#include "tee/intel/collateral.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A member's text is a non-empty slice of the input. */
static void raw_member(uat_span in, const char *key)
{
    uat_span v = {NULL, 0};
    if (uat_json_raw_member(in, key, &v) == UAT_OK) {
        if (v.p == NULL || v.len == 0 || v.p < in.p || v.len > in.len ||
            (size_t)(v.p - in.p) > in.len - v.len) {
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uat_span in = uat_span_of(data, size);
    uat_tcb_info t;
    if (uat_tcb_info_parse(in, &t) == UAT_OK) {
        if (t.nlevels == 0 || (t.version != 2 && t.version != 3)) {
            abort();
        }
        uat_tcb_info_free(&t);
    }
    uat_enclave_identity e;
    if (uat_identity_parse(in, &e) == UAT_OK) {
        if (e.nlevels == 0 || e.version != 2) {
            abort();
        }
        uat_identity_free(&e);
    }
    raw_member(in, "tcbInfo");
    raw_member(in, "enclaveIdentity");
    raw_member(in, "signature");
    return 0;
}
