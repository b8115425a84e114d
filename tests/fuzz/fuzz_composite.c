/* libFuzzer target: composite evidence (docs/composite.md) through uat_verify: the collection, each
 * member's resolution and evidence parsing, the binding rules (one member has a caller nonce).
 * No trust anchors are configured, so no input can verify; nothing may crash or leak. */
#include <stdlib.h>

#include "uattest/uattest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t rd[64] = {1, 2, 3};
    uat_verifier *v = NULL;
    if (uat_verifier_new(&v) != UAT_OK) {
        return 0;
    }
    uat_verifier_set_time(v, 1767830400);
    if (uat_verifier_set_member_nonce(v, "gpu0", rd, 32) == UAT_OK) {
        uat_claims *c = NULL;
        if (uat_verify(v, data, size, rd, &c) == UAT_OK) {
            abort(); /* nothing verifies without a trust anchor */
        }
        if (uat_verify(v, data, size, NULL, &c) == UAT_OK) {
            abort();
        }
    }
    uat_verifier_free(v);
    return 0;
}
