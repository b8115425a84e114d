/* libFuzzer target: COSE_Sign1 parsing (pure) and the Sig_structure built from what was parsed. */
#include <stdlib.h>
#include <string.h>

#include "evidence/cose.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int inside(uat_span s, const uint8_t *data, size_t size)
{
    return s.len == 0 || (s.p >= data && s.len <= size && s.p + s.len <= data + size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uat_cose_sign1 m;
    if (uat_cose_sign1_parse(uat_span_of(data, size), "fuzz.cose", &m) != UAT_OK) {
        return 0;
    }
    /* every view is a view into the input; the offsets say where */
    if (!inside(m.protected_hdr, data, size) || !inside(m.payload, data, size) ||
        !inside(m.signature, data, size) || !inside(m.kid, data, size) ||
        (m.payload.len > 0 && m.payload.p != data + m.payload_off) ||
        (m.signature.len > 0 && m.signature.p != data + m.signature_off)) {
        abort();
    }
    /* only the supported algorithms parse */
    if (strcmp(uat_cose_alg_name(m.alg), "unknown") == 0) {
        abort();
    }
    /* the Sig_structure holds the protected header and the payload exactly */
    uat_buf tbs;
    uat_buf_init(&tbs, size + 64);
    if (uat_cose_sig_structure(&m, uat_span_of(NULL, 0), &tbs) != UAT_OK ||
        tbs.len < m.protected_hdr.len + m.payload.len + 12 ||
        (m.payload.len > 0 &&
         memcmp(tbs.p + tbs.len - m.payload.len, m.payload.p, m.payload.len) != 0)) {
        abort();
    }
    uat_buf_free(&tbs);
    return 0;
}
