/* The attestation channel's internals: its messages (pure parsers and writers on the strict CBOR
 * reader), the selection rule and the binding. Formats byte by byte: docs/channel.md. */
#ifndef UAT_CHANNEL_INT_H
#define UAT_CHANNEL_INT_H

#include "core/cbor.h"
#include "core/limits.h"
#include "crypto/crypto.h"
#include "uattest/channel.h"

/* Framing: type (1 byte) || body length (4 bytes big-endian) || body (CBOR). */
enum uat_chan_type {
    UAT_CHAN_OFFER = 1,
    UAT_CHAN_EVIDENCE = 2,
    UAT_CHAN_FINISHED = 3,
    UAT_CHAN_ALERT = 4,
    UAT_CHAN_RECORD = 5, /* bare mode's application data */
};
#define UAT_CHAN_HEADER_SIZE 5u
#define UAT_CHAN_MAX_OFFER 2048u
#define UAT_CHAN_MAX_EVIDENCE (UAT_MAX_EVIDENCE_BYTES + 4096u) /* evidence + its CMW envelope */
#define UAT_CHAN_MAX_FINISHED 64u
#define UAT_CHAN_MAX_ALERT 256u
#define UAT_CHAN_MAX_PLAINTEXT 16384u /* application bytes in one bare-mode record */
#define UAT_CHAN_RECORD_OVERHEAD 25u  /* sequence (8) + inner type (1) + GCM tag (16) */
#define UAT_CHAN_MAX_RECORD (UAT_CHAN_MAX_PLAINTEXT + UAT_CHAN_RECORD_OVERHEAD)
#define UAT_CHAN_POINT_SIZE 65u /* an uncompressed P-256 point */
#define UAT_CHAN_MAX_CHECK_LEN 64u /* the check named in an alert */
#define UAT_CHAN_HASH_SIZE 32u     /* SHA-256 everywhere in the channel */

typedef char uat_chan_mech[UAT_CHANNEL_MAX_MECHANISM_LEN + 1];

typedef struct uat_chan_offer {
    uint64_t version;
    size_t nattest;
    size_t nverify;
    uat_chan_mech attest[UAT_CHANNEL_MAX_MECHANISMS]; /* preference order */
    uat_chan_mech verify[UAT_CHANNEL_MAX_MECHANISMS]; /* preference order */
    uint8_t nonce[UAT_CHANNEL_NONCE_SIZE];
} uat_chan_offer;

/* msg.c: pure. offer = [version: uint, attest: [* tstr], verify: [* tstr], nonce: bstr .size 32];
 * mechanism names are 1..32 bytes of [a-z0-9_-], no name twice in a list. Written on success. */
UAT_MUST_USE uat_err uat_chan_offer_parse(uat_span body, uat_chan_offer *out);
UAT_MUST_USE uat_err uat_chan_offer_build(const uat_chan_offer *o, uat_buf *out);
/* True when name is a well-formed mechanism name. */
int uat_chan_mech_valid(const char *name, size_t len);
/* The selection rule: the first mechanism of the attesting side's attest list (its preference)
 * that the verifying side's verify list holds; NULL when there is none. */
const char *uat_chan_select(const uat_chan_offer *attesting, const uat_chan_offer *verifying);
/* evidence = [mechanism: tstr, cmw: bstr] / [mechanism: tstr, cmw: bstr, proof: bstr] (cmw: the
 * CMW in CBOR; proof, non-empty when present: the TEE's proof that it holds the endpoint's TLS
 * key, registry.h kx_prove; views into body; proof empty when absent). */
UAT_MUST_USE uat_err uat_chan_evidence_parse(uat_span body, uat_chan_mech mech, uat_span *cmw,
                                             uat_span *proof);
UAT_MUST_USE uat_err uat_chan_evidence_build(const char *mech, uat_span cmw, uat_span proof,
                                             uat_buf *out);
/* Bare mode: evidence = [mechanism: tstr, key: bstr .size 65 (0x04 || x || y), cmw: bstr,
 * proof: bstr (the TEE's proof that it holds the key; empty for a key made in software)]. */
typedef struct uat_chan_bare_ev {
    uat_chan_mech mech;
    uint8_t key[UAT_CHAN_POINT_SIZE];
    uat_span cmw, proof; /* views into the body */
} uat_chan_bare_ev;
UAT_MUST_USE uat_err uat_chan_bare_ev_parse(uat_span body, uat_chan_bare_ev *out);
UAT_MUST_USE uat_err uat_chan_bare_ev_build(const char *mech, const uint8_t key[UAT_CHAN_POINT_SIZE],
                                            uat_span cmw, uat_span proof, uat_buf *out);
/* finished = bstr .size 32 (the key confirmation). */
UAT_MUST_USE uat_err uat_chan_finished_parse(uat_span body, uint8_t mac[UAT_CHAN_HASH_SIZE]);
UAT_MUST_USE uat_err uat_chan_finished_build(const uint8_t mac[UAT_CHAN_HASH_SIZE], uat_buf *out);
/* alert = [error: uint (a row of the error table, not OK), check: tstr (printable, <= 64)]. */
UAT_MUST_USE uat_err uat_chan_alert_parse(uat_span body, uat_err *err,
                                          char check[UAT_CHAN_MAX_CHECK_LEN + 1]);
UAT_MUST_USE uat_err uat_chan_alert_build(uat_err err, const char *check, uat_buf *out);

/* bind.c: the transcript hash of both offers (client's first), as the bytes that travelled:
 *   TH = SHA-256("uattest-channel/1 offers" || u32be(|offer_c|) || offer_c || u32be(|offer_s|) || offer_s)
 * and the report data each side's evidence carries:
 *   rd[0:32] = SHA-256("uattest-channel/1 evidence" || role || peer_nonce || TH || exporter
 *                      || SHA-256(own TLS certificate SPKI)),  rd[32:64] = 0
 * role is 'c' (TLS client) or 's' (TLS server), the side whose evidence it is. */
UAT_MUST_USE uat_err uat_chan_transcript(uat_span offer_c, uat_span offer_s,
                                         uint8_t th[UAT_CHAN_HASH_SIZE]);
/* Verifies the peer's evidence against the binding rd this side expects and checks it is from the
 * negotiated mechanism (ch->claims set); a binding failure names what rd covers (bound). */
UAT_MUST_USE uat_err uat_chan_verify_peer(uat_channel *ch, uat_span cmw, const uint8_t *rd,
                                          const char *bound);
UAT_MUST_USE uat_err uat_chan_binding(char role, const uint8_t peer_nonce[UAT_CHANNEL_NONCE_SIZE],
                                      const uint8_t th[UAT_CHAN_HASH_SIZE],
                                      const uint8_t exporter[UAT_CHAN_HASH_SIZE],
                                      const uint8_t spki_hash[UAT_CHAN_HASH_SIZE],
                                      uint8_t rd[UAT_REPORT_DATA_LEN]);
/* Bare mode's report data: rd[0:32] = SHA-256("uattest-channel/1 bare evidence" || role
 * || peer_nonce || TH || key), rd[32:64] = 0; key: the endpoint's ECDH point (65 bytes). */
UAT_MUST_USE uat_err uat_chan_bare_binding(char role,
                                           const uint8_t peer_nonce[UAT_CHANNEL_NONCE_SIZE],
                                           const uint8_t th[UAT_CHAN_HASH_SIZE],
                                           const uint8_t key[UAT_CHAN_POINT_SIZE],
                                           uint8_t rd[UAT_REPORT_DATA_LEN]);
/* The full transcript: TH and both evidence messages as they travelled (client's first). */
UAT_MUST_USE uat_err uat_chan_transcript_full(const uint8_t th[UAT_CHAN_HASH_SIZE],
                                              uat_span evidence_c, uat_span evidence_s,
                                              uint8_t out[UAT_CHAN_HASH_SIZE]);

/* Tests only: sees (and may change) every message body and type, outgoing after it entered the
 * transcript (what an attacker on the wire could do) and incoming before it is parsed. */
typedef void (*uat_chan_hook)(void *user, int outgoing, uint8_t *type, uat_buf *body);
void uat_channel_cfg_set_hook(uat_channel_cfg *c, uat_chan_hook fn, void *user);

#endif
