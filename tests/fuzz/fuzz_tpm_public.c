/* libFuzzer target: TPMT_PUBLIC parsing (pure), description, Name and the key it holds. */
#include <stdlib.h>
#include <string.h>

#include "tee/tpm/tpm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uat_span in = uat_span_of(data, size);
    uat_tpm_public p;
    if (uat_tpm_parse_public(in, &p) != UAT_OK) {
        return 0;
    }
    /* what parses is an RSA or ECC key within its limits, with no reserved attribute */
    if ((p.type != UAT_TPM_ALG_RSA && p.type != UAT_TPM_ALG_ECC) ||
        (p.attributes & UAT_TPMA_RESERVED) != 0 || p.raw.p != data || p.raw.len != size ||
        p.rsa_modulus_len > sizeof(p.rsa_modulus) || p.ecc_x_len > sizeof(p.ecc_x) ||
        p.ecc_y_len > sizeof(p.ecc_y) || p.auth_policy_len > UAT_HASH_MAX) {
        abort();
    }
    uint8_t name[UAT_TPM_MAX_NAME];
    size_t name_len = 0;
    json_t *o = json_object();
    if (uat_tpm_name(&p, name, &name_len) != UAT_OK || name_len < 22 || name_len > sizeof(name) ||
        uat_tpm_describe_public(&p, o) != UAT_OK) {
        abort();
    }
    json_decref(o);
    uat_key *k = NULL;
    if (uat_tpm_public_key(&p, &k) == UAT_OK) {
        uat_key_free(k);
    }
    return 0;
}
