/* libFuzzer target: the Trustee TPM evidence JSON (src/tee/tpm/trustee.c), decoded and then
 * described (inspect parses the TPM structures it carries) without verification. */
#include <stdlib.h>
#include <string.h>

#include "tee/tpm/tpm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uat_span in = uat_span_of(data, size);
    uat_tpm_evidence ev;
    uat_buf store;
    if (uat_tpm_trustee_decode(in, &ev, &store) == UAT_OK) {
        /* every part decoded is non-empty and lies in the store; one AK form, one SHA-256 bank */
        if (ev.attest.len == 0 || ev.signature.len == 0 ||
            (ev.ak_pub.len == 0) == (ev.ak_spki.len == 0) || ev.nbanks != 1 ||
            ev.bank_alg[0] != UAT_TPM_ALG_SHA256 || ev.present[0] == 0 ||
            ev.attest.p < store.p || ev.attest.p + ev.attest.len > store.p + store.len) {
            abort();
        }
        for (unsigned i = 0; i < UAT_TPM_NUM_PCRS; i++) {
            if (((ev.present[0] >> i) & 1u) != (ev.pcr[0][i].len == 32)) {
                abort();
            }
        }
        uat_buf_free(&store);
    }
    json_t *f = json_object();
    if (uat_tpm_inspect(in, f) != UAT_OK) {
        uat_error_clear(); /* the TPM structures inside need not parse */
    }
    json_decref(f);
    return 0;
}
