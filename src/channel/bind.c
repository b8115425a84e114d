/* The channel's transcript hashes and the report data that binds each side's evidence to this
 * run: the peer's nonce, both offers, the TLS session (exporter) and the endpoint's TLS key.
 * Why each input is there: docs/channel.md "Binding". */
#include <string.h>

#include "channel/channel_int.h"

static const char offers_label[] = "uattest-channel/1 offers";
static const char evidence_label[] = "uattest-channel/1 evidence";
static const char full_label[] = "uattest-channel/1 transcript";

static void be32(size_t n, uint8_t out[4])
{
    out[0] = (uint8_t)(n >> 24);
    out[1] = (uint8_t)(n >> 16);
    out[2] = (uint8_t)(n >> 8);
    out[3] = (uint8_t)n;
}

uat_err uat_chan_transcript(uat_span offer_c, uat_span offer_s, uint8_t th[UAT_CHAN_HASH_SIZE])
{
    UAT_ENSURE(offer_c.len <= UAT_CHAN_MAX_OFFER && offer_s.len <= UAT_CHAN_MAX_OFFER,
               UAT_ERR_RESOURCE_LIMIT, "channel.transcript", "offer", -1);
    uint8_t lc[4], ls[4];
    be32(offer_c.len, lc);
    be32(offer_s.len, ls);
    /* length prefixes: no shift of bytes between the two offers gives the same hash */
    uat_span parts[5] = {uat_span_of(offers_label, sizeof(offers_label) - 1), uat_span_of(lc, 4),
                         offer_c, uat_span_of(ls, 4), offer_s};
    return uat_hash(UAT_HASH_SHA256, parts, 5, th);
}

uat_err uat_chan_binding(char role, const uint8_t peer_nonce[UAT_CHANNEL_NONCE_SIZE],
                         const uint8_t th[UAT_CHAN_HASH_SIZE],
                         const uint8_t exporter[UAT_CHAN_HASH_SIZE],
                         const uint8_t spki_hash[UAT_CHAN_HASH_SIZE],
                         uint8_t rd[UAT_REPORT_DATA_LEN])
{
    UAT_ENSURE(role == 'c' || role == 's', UAT_ERR_USAGE_INVALID_ARGUMENT, "channel.binding",
               "role", -1);
    uint8_t r = (uint8_t)role;
    uat_span parts[6] = {uat_span_of(evidence_label, sizeof(evidence_label) - 1),
                         uat_span_of(&r, 1),
                         uat_span_of(peer_nonce, UAT_CHANNEL_NONCE_SIZE),
                         uat_span_of(th, UAT_CHAN_HASH_SIZE),
                         uat_span_of(exporter, UAT_CHAN_HASH_SIZE),
                         uat_span_of(spki_hash, UAT_CHAN_HASH_SIZE)};
    memset(rd, 0, UAT_REPORT_DATA_LEN);
    return uat_hash(UAT_HASH_SHA256, parts, 6, rd);
}

uat_err uat_chan_transcript_full(const uint8_t th[UAT_CHAN_HASH_SIZE], uat_span evidence_c,
                                 uat_span evidence_s, uint8_t out[UAT_CHAN_HASH_SIZE])
{
    uint8_t hc[UAT_CHAN_HASH_SIZE], hs[UAT_CHAN_HASH_SIZE];
    UAT_TRY(uat_hash(UAT_HASH_SHA256, &evidence_c, 1, hc));
    UAT_TRY(uat_hash(UAT_HASH_SHA256, &evidence_s, 1, hs));
    uat_span parts[4] = {uat_span_of(full_label, sizeof(full_label) - 1),
                         uat_span_of(th, UAT_CHAN_HASH_SIZE), uat_span_of(hc, sizeof(hc)),
                         uat_span_of(hs, sizeof(hs))};
    return uat_hash(UAT_HASH_SHA256, parts, 4, out);
}

static const char bare_label[] = "uattest-channel/1 bare evidence";

uat_err uat_chan_bare_binding(char role, const uint8_t peer_nonce[UAT_CHANNEL_NONCE_SIZE],
                              const uint8_t th[UAT_CHAN_HASH_SIZE],
                              const uint8_t key[UAT_CHAN_POINT_SIZE],
                              uint8_t rd[UAT_REPORT_DATA_LEN])
{
    UAT_ENSURE(role == 'c' || role == 's', UAT_ERR_USAGE_INVALID_ARGUMENT, "channel.binding",
               "role", -1);
    uint8_t r = (uint8_t)role;
    /* a label of its own: evidence made for TLS mode never verifies in bare mode, nor back */
    uat_span parts[5] = {uat_span_of(bare_label, sizeof(bare_label) - 1), uat_span_of(&r, 1),
                         uat_span_of(peer_nonce, UAT_CHANNEL_NONCE_SIZE),
                         uat_span_of(th, UAT_CHAN_HASH_SIZE),
                         uat_span_of(key, UAT_CHAN_POINT_SIZE)};
    memset(rd, 0, UAT_REPORT_DATA_LEN);
    return uat_hash(UAT_HASH_SHA256, parts, 5, rd);
}
