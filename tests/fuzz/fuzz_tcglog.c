/* libFuzzer target: TCG PC Client event logs and CCELs (uat_tcglog_parse, uat_tcglog_parse_ccel),
 * then everything a verifier does with a parsed log: events and digests stay inside the parsed
 * copy, every bank replays or is refused as unsupported, a log checks against its own replay,
 * and the claims either build or fail with an error. */
#include <stdlib.h>
#include <string.h>

#include "evidence/tcglog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void exercise(const uat_tcglog *l)
{
    size_t count = uat_tcglog_count(l);
    uint16_t algs[UAT_TCGLOG_MAX_BANKS];
    size_t nb = uat_tcglog_banks(l, algs, UAT_TCGLOG_MAX_BANKS);
    if (nb == 0 || nb > UAT_TCGLOG_MAX_BANKS) {
        abort();
    }
    for (size_t i = 0; i < count; i++) {
        uat_tcglog_event e;
        if (uat_tcglog_event_at(l, i, &e) != UAT_OK || e.offset < 0) {
            abort();
        }
        for (size_t b = 0; b < nb; b++) {
            if (uat_tcglog_digest(l, i, algs[b]).len == 0) {
                abort();
            }
        }
    }
    for (size_t b = 0; b < nb; b++) {
        uint8_t regs[UAT_TCGLOG_MAX_REGS][UAT_HASH_MAX];
        size_t n;
        uint32_t ext;
        uat_err rc = uat_tcglog_replay(l, algs[b], regs, &n, &ext);
        if (rc == UAT_ERR_UNSUPPORTED_ALGORITHM) {
            continue;
        }
        if (rc != UAT_OK) {
            abort();
        }
        /* a log always explains its own replay */
        const uint8_t(*cregs)[UAT_HASH_MAX] = (const uint8_t(*)[UAT_HASH_MAX])regs;
        if (uat_tcglog_is_ccel(l) ? uat_tcglog_check_ccel(l, algs[b], 0xF, cregs + 1, "rem")
                                  : uat_tcglog_check(l, algs[b], 0xFFFFFFFFu, cregs)) {
            abort();
        }
    }
    json_t *claims = json_object();
    if (uat_tcglog_claims(l, claims) == UAT_OK &&
        json_integer_value(json_object_get(claims, "events")) != (json_int_t)count) {
        abort();
    }
    json_decref(claims);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uat_tcglog *l = NULL;
    if (uat_tcglog_parse(uat_span_of(data, size), &l) == UAT_OK) {
        exercise(l);
        uat_tcglog_free(l);
    }
    l = NULL;
    if (uat_tcglog_parse_ccel(uat_span_of(data, size), &l) == UAT_OK) {
        exercise(l);
        uat_tcglog_free(l);
    }
    return 0;
}
