/* libFuzzer target: Arm CCA token collections (tag 399 / 907) and virtCCA evidence (GTA JSON and
 * its CVM token), parsed and described without verification; the RAK decoded as a key. */
#include <stdlib.h>
#include <string.h>

#include "tee/cca/cca.h"
#include "tee/virtcca/virtcca.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void token(uat_span in, enum uat_cca_flavor flavor)
{
    uat_cca_token t;
    if (uat_cca_token_parse(in, flavor, "fuzz.cca", &t) != UAT_OK) {
        return;
    }
    /* parsed tokens are complete: a realm always, a platform token for Arm CCA */
    if (t.realm.challenge.len != UAT_CCA_CHALLENGE_LEN || t.realm.rak.len == 0 ||
        (flavor == UAT_CCA_ARM && !t.has_platform) ||
        t.realm.rim.len != uat_hash_len(t.realm.hash)) {
        abort();
    }
    json_t *o = json_object();
    if (uat_cca_realm_describe(&t.realm, o) != UAT_OK ||
        (t.has_platform && uat_cca_platform_describe(&t.platform, o) != UAT_OK)) {
        abort();
    }
    json_decref(o);
    uat_key *k = NULL;
    if (uat_cca_rak_key(&t.realm, flavor, &k) == UAT_OK) {
        uat_key_free(k);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uat_span in = uat_span_of(data, size);
    token(in, UAT_CCA_ARM);
    token(in, UAT_CCA_VIRTCCA);
    json_t *fields = json_object();
    uat_err inspected = uat_cca_inspect(in, fields);
    uat_cca_token t;
    /* inspection is parsing plus description: both agree on what is well-formed */
    if ((inspected == UAT_OK) != (uat_cca_token_parse(in, UAT_CCA_ARM, "fuzz", &t) == UAT_OK)) {
        abort();
    }
    if (inspected == UAT_OK && !uat_cca_sniff(in)) {
        abort();
    }
    json_decref(fields);
    uat_virtcca_evidence e;
    if (uat_virtcca_evidence_parse(in, &e) == UAT_OK) {
        if (e.certs.n == 0 || e.token.len == 0) {
            abort();
        }
        token(uat_buf_span(&e.token), UAT_CCA_VIRTCCA);
        uat_virtcca_evidence_free(&e);
    }
    fields = json_object();
    if (uat_virtcca_inspect(in, fields) == UAT_OK && !uat_virtcca_sniff(in)) {
        abort(); /* evidence that parses is recognised as virtCCA evidence */
    }
    json_decref(fields);
    return 0;
}
