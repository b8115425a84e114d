/* libFuzzer target: the RA-TLS evidence extension value (uat_ratls_ext_parse). For whatever parses:
 * every span lies inside the input, the claims-buffer parses alone to the same claims, and since
 * the parser accepts only shortest heads, re-encoding a tagged (or 2-element CMW record) extension
 * gives back the input byte for byte. */
#include <stdlib.h>
#include <string.h>

#include "ratls/ratls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int inside(uat_span s, const uint8_t *p, size_t n)
{
    return s.len == 0 || (s.p >= p && s.len <= n && (size_t)(s.p - p) <= n - s.len);
}

static void check_claims(const uat_ratls_ext *e)
{
    uat_ratls_ext again;
    if (uat_ratls_claims_parse(e->claims, &again) != UAT_OK ||
        again.hash_alg != e->hash_alg || again.pubkey_hash_len != e->pubkey_hash_len ||
        memcmp(again.pubkey_hash, e->pubkey_hash, e->pubkey_hash_len) != 0 ||
        again.has_nonce != e->has_nonce || again.unknown_claims != e->unknown_claims ||
        e->pubkey_hash_len != uat_hash_len(e->hash_alg)) {
        abort();
    }
}

static void check_rebuild(const uat_ratls_ext *e, const uint8_t *data, size_t size)
{
    int two = e->form == UAT_RATLS_FORM_TAGGED || e->cmw_record.p[0] == 0x82;
    /* tag 0 parses (any tag does) but the writer reads 0 as "no tag": nothing to compare */
    if (e->dice_wrapped || !two || (e->form == UAT_RATLS_FORM_TAGGED && e->tag == 0)) {
        return;
    }
    uat_buf b;
    uat_buf_init(&b, size + 64);
    if (uat_ratls_ext_build(e->form == UAT_RATLS_FORM_TAGGED ? e->tag : 0, e->media_type,
                            e->evidence, e->claims, &b) != UAT_OK ||
        b.len != size || memcmp(b.p, data, size) != 0) {
        abort();
    }
    uat_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uat_ratls_ext e;
    if (uat_ratls_ext_parse(uat_span_of(data, size), &e) != UAT_OK) {
        return 0;
    }
    if (!inside(e.evidence, data, size) || e.evidence.len == 0 || !inside(e.claims, data, size) ||
        (e.has_nonce && !inside(e.nonce, data, size)) ||
        (e.form == UAT_RATLS_FORM_CMW && (!inside(e.cmw_record, data, size) ||
                                          e.cmw_record.len == 0 || e.media_type[0] == '\0'))) {
        abort();
    }
    check_claims(&e);
    check_rebuild(&e, data, size);
    return 0;
}
