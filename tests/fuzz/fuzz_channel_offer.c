/* libFuzzer target: the channel's messages (src/channel/msg.c). The first byte picks the message
 * (offer, evidence, alert, finished, bare-mode evidence), the rest is its body. For whatever parses: an offer
 * re-encodes to the input byte for byte (the parser takes only shortest heads and the writer makes
 * them), its names are well-formed and unique, and selection against itself is its first name; a
 * bare-mode evidence message re-encodes to the input and its key is an uncompressed point. */
#include <stdlib.h>
#include <string.h>

#include "channel/channel_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_offer(const uat_chan_offer *o, uat_span in)
{
    uat_buf b;
    uat_buf_init(&b, UAT_CHAN_MAX_OFFER);
    if (uat_chan_offer_build(o, &b) != UAT_OK || b.len != in.len ||
        memcmp(b.p, in.p, in.len) != 0) {
        abort();
    }
    uat_buf_free(&b);
    for (size_t i = 0; i < o->nattest; i++) {
        for (size_t k = 0; k < i; k++) {
            if (strcmp(o->attest[i], o->attest[k]) == 0) {
                abort();
            }
        }
    }
    const char *sel = uat_chan_select(o, o);
    uat_chan_offer self = *o;
    memcpy(self.verify, o->attest, sizeof(o->attest));
    self.nverify = o->nattest;
    const char *first = uat_chan_select(o, &self);
    if ((o->nattest == 0) != (first == NULL) || (first != NULL && first != o->attest[0]) ||
        (sel != NULL && !uat_chan_mech_valid(sel, strlen(sel)))) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) {
        return 0;
    }
    uat_span in = uat_span_of(data + 1, size - 1);
    switch (data[0] % 5) {
    case 0: {
        uat_chan_offer o;
        if (uat_chan_offer_parse(in, &o) == UAT_OK) {
            check_offer(&o, in);
        }
        break;
    }
    case 1: {
        uat_chan_mech m;
        uat_span cmw, proof;
        if (uat_chan_evidence_parse(in, m, &cmw, &proof) == UAT_OK &&
            (cmw.len == 0 || cmw.p < in.p || cmw.len > in.len ||
             (size_t)(cmw.p - in.p) > in.len - cmw.len || !uat_chan_mech_valid(m, strlen(m)) ||
             (proof.len > 0 && (proof.p < in.p || (size_t)(proof.p - in.p) > in.len - proof.len)))) {
            abort();
        }
        break;
    }
    case 2: {
        uat_err e;
        char check[UAT_CHAN_MAX_CHECK_LEN + 1];
        if (uat_chan_alert_parse(in, &e, check) == UAT_OK &&
            (e == UAT_OK || strlen(check) > UAT_CHAN_MAX_CHECK_LEN)) {
            abort();
        }
        break;
    }
    case 4: {
        uat_chan_bare_ev ev;
        if (uat_chan_bare_ev_parse(in, &ev) == UAT_OK) {
            uat_buf b;
            uat_buf_init(&b, in.len);
            if (ev.key[0] != 0x04 || ev.cmw.len == 0 ||
                uat_chan_bare_ev_build(ev.mech, ev.key, ev.cmw, ev.proof, &b) != UAT_OK ||
                b.len != in.len || memcmp(b.p, in.p, in.len) != 0) {
                abort();
            }
            uat_buf_free(&b);
        }
        break;
    }
    default: {
        uint8_t mac[UAT_CHAN_HASH_SIZE];
        if (uat_chan_finished_parse(in, mac) == UAT_OK && in.len != UAT_CHAN_HASH_SIZE + 2) {
            abort(); /* bstr .size 32: a two-byte head and 32 bytes */
        }
        break;
    }
    }
    return 0;
}
