/* libFuzzer target: TPMS_ATTEST and TPMT_SIGNATURE parsing (pure) and description, and the TPM
 * evidence map: decode, re-encode, inspect. */
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "tee/tpm/tpm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void attest(uat_span in)
{
    uat_tpm_attest a;
    if (uat_tpm_parse_attest(in, &a) != UAT_OK) {
        return;
    }
    /* what parses is a quote or a certify statement within its limits, and can be described */
    if (a.magic != UAT_TPM_GENERATED_VALUE || a.nsel > UAT_TPM_MAX_BANKS ||
        a.extra_data_len > UAT_TPM_MAX_DATA || a.pcr_digest_len > UAT_HASH_MAX ||
        (a.type != UAT_TPM_ST_ATTEST_QUOTE && a.type != UAT_TPM_ST_ATTEST_CERTIFY)) {
        abort();
    }
    for (size_t i = 0; i < a.nsel; i++) {
        if (a.sel[i].mask >= (1u << UAT_TPM_NUM_PCRS)) {
            abort();
        }
    }
    json_t *o = json_object();
    if (uat_tpm_describe_attest(&a, o) != UAT_OK) {
        abort();
    }
    json_decref(o);
}

static void signature(uat_span in)
{
    uat_tpm_signature s;
    if (uat_tpm_parse_signature(in, &s) != UAT_OK) {
        return;
    }
    json_t *o = json_object();
    if (uat_tpm_describe_signature(&s, o) != UAT_OK) {
        abort();
    }
    json_decref(o);
}

/* Decoded evidence encodes; its encoding decodes to the same members and encodes the same. */
static void evidence(uat_span in)
{
    uat_tpm_evidence ev, back;
    if (uat_tpm_evidence_decode(in, &ev) != UAT_OK) {
        return;
    }
    uat_buf a, b;
    uat_buf_init(&a, UAT_MAX_EVIDENCE_BYTES);
    uat_buf_init(&b, UAT_MAX_EVIDENCE_BYTES);
    if (uat_tpm_evidence_encode(&ev, &a) != UAT_OK ||
        uat_tpm_evidence_decode(uat_buf_span(&a), &back) != UAT_OK ||
        uat_tpm_evidence_encode(&back, &b) != UAT_OK || a.len != b.len ||
        memcmp(a.p, b.p, a.len) != 0 || back.nbanks != ev.nbanks || back.nchain != ev.nchain ||
        back.attest.len != ev.attest.len ||
        memcmp(back.attest.p, ev.attest.p, ev.attest.len) != 0) {
        abort();
    }
    uat_buf_free(&a);
    uat_buf_free(&b);
    /* inspection succeeds exactly when every structure of the evidence parses */
    uat_tpm_attest at;
    uat_tpm_signature sig;
    uat_tpm_public pub;
    int parts = uat_tpm_parse_attest(ev.attest, &at) == UAT_OK &&
                uat_tpm_parse_signature(ev.signature, &sig) == UAT_OK &&
                uat_tpm_parse_public(ev.ak_pub, &pub) == UAT_OK &&
                (ev.certified_pub.len == 0 ||
                 uat_tpm_parse_public(ev.certified_pub, &pub) == UAT_OK) &&
                (ev.ek_pub.len == 0 || uat_tpm_parse_public(ev.ek_pub, &pub) == UAT_OK);
    json_t *fields = json_object();
    if ((uat_tpm_inspect(in, fields) == UAT_OK) != parts) {
        abort();
    }
    json_decref(fields);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uat_span in = uat_span_of(data, size);
    attest(in);
    signature(in);
    evidence(in);
    return 0;
}
