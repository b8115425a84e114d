/* The channel's bare mode (the paper's Figure 1, docs/channel.md "Bare mode"): after the offers,
 * each side makes an ECDH P-256 key (inside its TEE when the TEE holds keys, through the registry's
 * bound-key operations; else in software) and evidence whose report data binds the key, the
 * peer's nonce and the offers; the verifier checks the evidence and, for a TEE-held key, the
 * TEE's proof of the key. Both derive Z, then keys with HKDF-SHA-256 over Z and the transcript,
 * confirm them with finished messages, and exchange AES-256-GCM records with sequence numbers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channel/channel_cfg.h"
#include "evidence/registry.h"

#define CHECK_RECORD "channel.record"
#define KEYS_INFO "uattest-channel/1 bare keys"
#define GCM_IV 12u
#define GCM_TAG 16u
#define SEQ_SIZE 8u
#define INNER_DATA 0u
#define INNER_CLOSE 1u

struct uat_chan_bare {
    uat_attester *att; /* this side's attester (borrowed) */
    void *tee_key;     /* the TEE's handle of a bound key, or NULL */
    uat_key *soft;     /* a software key, or NULL */
    uint8_t own_q[UAT_CHAN_POINT_SIZE], peer_q[UAT_CHAN_POINT_SIZE];
    uint8_t key_w[32], key_r[32], iv_w[GCM_IV], iv_r[GCM_IV], exporter[32];
    uint64_t seq_w, seq_r;
    uat_buf in; /* decrypted bytes not yet read */
    size_t in_off;
    int peer_closed, closed;
};

void uat_chan_bare_free(uat_channel *ch)
{
    uat_chan_bare *b = ch->bare;
    if (b == NULL) {
        return;
    }
    uat_attester_kx_free(b->att, b->tee_key);
    uat_key_free(b->soft);
    uat_buf_free(&b->in);
    uat_wipe(b, sizeof(*b));
    free(b);
    ch->bare = NULL;
}

/* This side's key: the TEE's when it holds keys, else one made in software. */
static uat_err make_key(uat_chan_bare *b)
{
    if (uat_attester_has_kx(b->att)) {
        return uat_attester_kx_create(b->att, UAT_KX_ECDH, &b->tee_key, b->own_q);
    }
    UAT_TRY(uat_key_generate(UAT_KEY_EC_P256, &b->soft));
    size_t len = 0;
    UAT_TRY(uat_key_ec_point(b->soft, b->own_q + 1, b->own_q + 33, 32, &len));
    UAT_ENSURE(len == 32, UAT_ERR_INTERNAL, "channel.key", "", -1);
    b->own_q[0] = 0x04;
    return UAT_OK;
}

static uat_err make_evidence(uat_channel *ch)
{
    uat_chan_bare *b = ch->bare;
    UAT_TRY(make_key(b));
    uint8_t rd[UAT_REPORT_DATA_LEN];
    UAT_TRY(uat_chan_bare_binding(ch->role, ch->peer.nonce, ch->th, b->own_q, rd));
    uat_cmw *cmw = NULL;
    uat_buf proof;
    uat_buf_init(&proof, UAT_MAX_EVIDENCE_BYTES);
    uat_err rc = b->tee_key != NULL ? uat_attester_kx_prove(b->att, b->tee_key, rd, &cmw, &proof)
                                    : uat_attester_collect(b->att, rd, &cmw);
    uint8_t *bytes = NULL;
    size_t n = 0;
    if (rc == UAT_OK) {
        rc = uat_cmw_serialize(cmw, UAT_CMW_CBOR, &bytes, &n);
    }
    uat_cmw_free(cmw);
    if (rc == UAT_OK) {
        rc = uat_chan_bare_ev_build(ch->own_mech, b->own_q, uat_span_of(bytes, n),
                                    uat_buf_span(&proof), &ch->own_ev);
    }
    uat_buf_free(&proof);
    free(bytes);
    return rc;
}

static uat_err verify_peer(uat_channel *ch)
{
    uat_chan_bare_ev ev;
    UAT_TRY(uat_chan_bare_ev_parse(uat_buf_span(&ch->peer_ev), &ev));
    if (strcmp(ev.mech, ch->peer_mech) != 0) {
        return UAT_FAILF(UAT_ERR_VERIFY_BINDING, "channel.mechanism", "mechanism", -1,
                         "the peer attested with '%s'; the offers select '%s'", ev.mech,
                         ch->peer_mech);
    }
    UAT_ENSURE(!uat_ct_equal(ev.key, ch->bare->own_q, UAT_CHAN_POINT_SIZE),
               UAT_ERR_VERIFY_BINDING, "channel.key", "key", -1);
    uint8_t rd[UAT_REPORT_DATA_LEN];
    UAT_TRY(uat_chan_bare_binding(ch->role == 'c' ? 's' : 'c', ch->own.nonce, ch->th, ev.key, rd));
    UAT_TRY(uat_chan_verify_peer(ch, ev.cmw, rd,
                                 "this side's nonce, both offers and the peer's key"));
    const char *tee = uat_claims_tee(ch->claims);
    if (uat_tee_has_kx(tee)) {
        /* a TEE that holds keys must prove this one is its own, not a software key */
        if (ev.proof.len == 0) {
            return UAT_FAILF(UAT_ERR_VERIFY_BINDING, "channel.key_proof", "proof", -1,
                             "the peer's %s key comes without the TEE's proof that it holds it",
                             tee);
        }
        UAT_TRY(uat_verifier_kx_verify(ch->cfg->verifier, tee, ev.cmw.p, ev.cmw.len, ev.proof,
                                       UAT_KX_ECDH, rd, ev.key));
    } else {
        UAT_ENSURE(ev.proof.len == 0, UAT_ERR_PARSE_BAD_VALUE, "channel.evidence", "proof", -1);
    }
    memcpy(ch->bare->peer_q, ev.key, UAT_CHAN_POINT_SIZE);
    return uat_chan_appraise(ch);
}

static uat_err shared_secret(uat_chan_bare *b, uint8_t z[32])
{
    if (b->tee_key != NULL) {
        return uat_attester_kx_agree(b->att, b->tee_key, b->peer_q, z);
    }
    uat_key *peer = NULL;
    UAT_TRY(uat_key_from_ec_point(UAT_KEY_EC_P256, uat_span_of(b->peer_q + 1, 32),
                                  uat_span_of(b->peer_q + 33, 32), &peer));
    uat_buf zb;
    uat_buf_init(&zb, 64);
    uat_err rc = uat_ecdh(b->soft, peer, &zb);
    if (rc == UAT_OK && zb.len != 32) {
        rc = UAT_FAILF(UAT_ERR_INTERNAL, "channel.ecdh", "", -1, "Z is %zu bytes", zb.len);
    }
    if (rc == UAT_OK) {
        memcpy(z, zb.p, 32);
    }
    uat_wipe(zb.p, zb.len);
    uat_buf_free(&zb);
    uat_key_free(peer);
    return rc;
}

/* The key schedule: OKM = HKDF-SHA-256(salt = TH_full, IKM = Z, info = KEYS_INFO, 184 bytes) =
 * key_c2s(32) || key_s2c(32) || iv_c2s(12) || iv_s2c(12) || fin_c(32) || fin_s(32) || exporter(32);
 * finished_X = HMAC-SHA-256(fin_X, TH_full). */
static uat_err schedule(uat_channel *ch, uint8_t fin_own[32], uint8_t fin_peer[32])
{
    uat_chan_bare *b = ch->bare;
    uint8_t z[32], okm[184];
    uat_span c = uat_buf_span(ch->role == 'c' ? &ch->own_ev : &ch->peer_ev);
    uat_span s = uat_buf_span(ch->role == 'c' ? &ch->peer_ev : &ch->own_ev);
    UAT_TRY(uat_chan_transcript_full(ch->th, c, s, ch->th_full));
    uat_err rc = shared_secret(b, z);
    if (rc == UAT_OK) {
        rc = uat_hkdf_sha256(uat_span_of(ch->th_full, 32), uat_span_of(z, 32),
                             uat_span_of(KEYS_INFO, sizeof(KEYS_INFO) - 1), okm, sizeof(okm));
    }
    if (rc == UAT_OK) {
        int cl = ch->role == 'c';
        memcpy(b->key_w, okm + (cl ? 0 : 32), 32);
        memcpy(b->key_r, okm + (cl ? 32 : 0), 32);
        memcpy(b->iv_w, okm + (cl ? 64 : 76), GCM_IV);
        memcpy(b->iv_r, okm + (cl ? 76 : 64), GCM_IV);
        uat_span th = uat_span_of(ch->th_full, 32);
        rc = uat_hmac(UAT_HASH_SHA256, uat_span_of(okm + (cl ? 88 : 120), 32), &th, 1, fin_own);
        if (rc == UAT_OK) {
            rc = uat_hmac(UAT_HASH_SHA256, uat_span_of(okm + (cl ? 120 : 88), 32), &th, 1,
                          fin_peer);
        }
        memcpy(b->exporter, okm + 152, 32);
    }
    uat_wipe(z, sizeof(z));
    uat_wipe(okm, sizeof(okm));
    return rc;
}

static uat_err send_finished(uat_channel *ch, const uint8_t mac[32])
{
    uat_buf fin;
    uat_buf_init(&fin, UAT_CHAN_MAX_FINISHED);
    uat_err rc = uat_chan_finished_build(mac, &fin);
    if (rc == UAT_OK) {
        rc = uat_chan_send(ch, UAT_CHAN_FINISHED, uat_buf_span(&fin));
    }
    uat_buf_free(&fin);
    return rc;
}

static uat_err recv_finished(uat_channel *ch, const uint8_t want[32])
{
    uint8_t got[32];
    uat_buf fin;
    uat_buf_init(&fin, UAT_CHAN_MAX_FINISHED);
    uat_err rc = uat_chan_recv(ch, UAT_CHAN_FINISHED, &fin);
    if (rc == UAT_OK) {
        rc = uat_chan_finished_parse(uat_buf_span(&fin), got);
    }
    if (rc == UAT_OK && !uat_ct_equal(got, want, 32)) {
        rc = UAT_FAILF(UAT_ERR_VERIFY_BINDING, "channel.finished", "verify_data", -1,
                       "the peer's key confirmation does not match: it holds another Z or saw "
                       "another transcript");
    }
    uat_buf_free(&fin);
    return rc;
}

/* Client (A in the paper): its key and evidence first; the server (B) verifies them before it
 * makes its own key; then both confirm the keys, the client first. */
uat_err uat_chan_bare_run(uat_channel *ch)
{
    ch->bare = calloc(1, sizeof(*ch->bare));
    if (ch->bare == NULL) {
        return UAT_NOMEM("channel.bare");
    }
    uat_buf_init(&ch->bare->in, UAT_CHAN_MAX_PLAINTEXT);
    ch->bare->att = uat_chan_attester(ch->cfg, ch->own_mech);
    UAT_ENSURE(ch->bare->att != NULL, UAT_ERR_INTERNAL, "channel.evidence", "mechanism", -1);
    uint8_t fin_own[32], fin_peer[32];
    uat_err rc;
    if (ch->role == 'c') {
        UAT_TRY_GOTO(rc, make_evidence(ch), out);
        UAT_TRY_GOTO(rc, uat_chan_send(ch, UAT_CHAN_EVIDENCE, uat_buf_span(&ch->own_ev)), out);
        UAT_TRY_GOTO(rc, uat_chan_recv(ch, UAT_CHAN_EVIDENCE, &ch->peer_ev), out);
        UAT_TRY_GOTO(rc, verify_peer(ch), out);
        UAT_TRY_GOTO(rc, schedule(ch, fin_own, fin_peer), out);
        UAT_TRY_GOTO(rc, send_finished(ch, fin_own), out);
        rc = recv_finished(ch, fin_peer);
    } else {
        UAT_TRY_GOTO(rc, uat_chan_recv(ch, UAT_CHAN_EVIDENCE, &ch->peer_ev), out);
        UAT_TRY_GOTO(rc, verify_peer(ch), out);
        UAT_TRY_GOTO(rc, make_evidence(ch), out);
        UAT_TRY_GOTO(rc, uat_chan_send(ch, UAT_CHAN_EVIDENCE, uat_buf_span(&ch->own_ev)), out);
        UAT_TRY_GOTO(rc, schedule(ch, fin_own, fin_peer), out);
        UAT_TRY_GOTO(rc, recv_finished(ch, fin_peer), out);
        rc = send_finished(ch, fin_own);
    }
out:
    uat_wipe(fin_own, sizeof(fin_own));
    uat_wipe(fin_peer, sizeof(fin_peer));
    return rc;
}

/* ---- records: seq (8, big-endian) || AES-256-GCM(inner type (1) || data) || tag (16); the IV
 * is the direction's IV with the sequence XORed into its last 8 bytes; the AAD is the message
 * header (type, length) and the sequence. ------------------------------------------------- */

static void record_iv(const uint8_t base[GCM_IV], uint64_t seq, uint8_t iv[GCM_IV])
{
    memcpy(iv, base, GCM_IV);
    for (unsigned i = 0; i < SEQ_SIZE; i++) {
        iv[GCM_IV - 1 - i] ^= (uint8_t)(seq >> (8 * i));
    }
}

static void record_aad(size_t body_len, const uint8_t seq[SEQ_SIZE], uint8_t aad[13])
{
    aad[0] = UAT_CHAN_RECORD;
    aad[1] = (uint8_t)(body_len >> 24);
    aad[2] = (uint8_t)(body_len >> 16);
    aad[3] = (uint8_t)(body_len >> 8);
    aad[4] = (uint8_t)body_len;
    memcpy(aad + 5, seq, SEQ_SIZE);
}

static uat_err send_record(uat_channel *ch, uint8_t inner, const uint8_t *p, size_t n)
{
    uat_chan_bare *b = ch->bare;
    UAT_ENSURE(!b->closed, UAT_ERR_USAGE_BAD_STATE, CHECK_RECORD, "closed", -1);
    UAT_ENSURE(b->seq_w != UINT64_MAX, UAT_ERR_RESOURCE_LIMIT, CHECK_RECORD, "sequence", -1);
    uat_buf pt, body;
    uat_buf_init(&pt, UAT_CHAN_MAX_PLAINTEXT + 1);
    uat_buf_init(&body, UAT_CHAN_MAX_RECORD);
    uint8_t iv[GCM_IV], aad[13], tag[GCM_TAG];
    uat_err rc;
    UAT_TRY_GOTO(rc, uat_buf_put_u64be(&body, b->seq_w), out);
    UAT_TRY_GOTO(rc, uat_buf_put_u8(&pt, inner), out);
    UAT_TRY_GOTO(rc, uat_buf_append(&pt, p, n), out);
    record_iv(b->iv_w, b->seq_w, iv);
    record_aad(SEQ_SIZE + pt.len + GCM_TAG, body.p, aad);
    UAT_TRY_GOTO(rc, uat_aes_gcm_encrypt(uat_span_of(b->key_w, 32), uat_span_of(iv, GCM_IV),
                                         uat_span_of(aad, sizeof(aad)), uat_buf_span(&pt), &body,
                                         tag),
                 out);
    UAT_TRY_GOTO(rc, uat_buf_append(&body, tag, GCM_TAG), out);
    b->seq_w++;
    rc = uat_chan_send(ch, UAT_CHAN_RECORD, uat_buf_span(&body));
out:
    uat_wipe(pt.p, pt.len);
    uat_buf_free(&pt);
    uat_buf_free(&body);
    return rc;
}

uat_err uat_chan_bare_write(uat_channel *ch, const void *buf, size_t n)
{
    const uint8_t *p = buf;
    while (n > 0) {
        size_t k = n < UAT_CHAN_MAX_PLAINTEXT ? n : UAT_CHAN_MAX_PLAINTEXT;
        UAT_TRY(send_record(ch, INNER_DATA, p, k));
        p += k;
        n -= k;
    }
    return UAT_OK;
}

uat_err uat_chan_bare_shutdown(uat_channel *ch)
{
    if (ch->bare->closed) {
        return UAT_OK;
    }
    UAT_TRY(send_record(ch, INNER_CLOSE, NULL, 0));
    ch->bare->closed = 1;
    return UAT_OK;
}

/* One record into b->in (nothing for a close record: peer_closed is then set). */
static uat_err recv_record(uat_channel *ch)
{
    uat_chan_bare *b = ch->bare;
    uat_buf body;
    uat_buf_init(&body, UAT_CHAN_MAX_RECORD);
    uat_err rc;
    UAT_TRY_GOTO(rc, uat_chan_recv(ch, UAT_CHAN_RECORD, &body), out);
    UAT_ENSURE_GOTO(rc, body.len >= UAT_CHAN_RECORD_OVERHEAD, UAT_ERR_PARSE_BAD_LENGTH,
                    CHECK_RECORD, "length", UAT_CHAN_HEADER_SIZE, out);
    uint64_t seq = 0;
    for (unsigned i = 0; i < SEQ_SIZE; i++) {
        seq = seq << 8 | body.p[i];
    }
    if (seq != b->seq_r) {
        rc = UAT_FAILF(UAT_ERR_VERIFY_NONCE, CHECK_RECORD, "sequence", UAT_CHAN_HEADER_SIZE,
                       "record %llu where %llu was due: %s", (unsigned long long)seq,
                       (unsigned long long)b->seq_r,
                       seq < b->seq_r ? "replayed" : "reordered, or a record was dropped");
        goto out;
    }
    uint8_t iv[GCM_IV], aad[13];
    record_iv(b->iv_r, seq, iv);
    record_aad(body.len, body.p, aad);
    uat_span ct = uat_span_of(body.p + SEQ_SIZE, body.len - SEQ_SIZE - GCM_TAG);
    size_t at = b->in.len;
    rc = uat_aes_gcm_decrypt(uat_span_of(b->key_r, 32), uat_span_of(iv, GCM_IV),
                             uat_span_of(aad, sizeof(aad)), ct, body.p + body.len - GCM_TAG,
                             &b->in);
    if (rc != UAT_OK) {
        rc = UAT_FAILF(UAT_ERR_VERIFY_SIGNATURE, CHECK_RECORD, "tag", UAT_CHAN_HEADER_SIZE,
                       "record %llu does not authenticate: changed in transit or not from the "
                       "attested peer", (unsigned long long)seq);
        goto out;
    }
    b->seq_r++;
    uint8_t inner = b->in.p[at];
    memmove(b->in.p + at, b->in.p + at + 1, b->in.len - at - 1);
    b->in.len--;
    if (inner == INNER_CLOSE && b->in.len == at) {
        b->peer_closed = 1;
    } else if (inner != INNER_DATA) {
        rc = UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK_RECORD, "inner_type", -1,
                       "record %llu has inner type %u", (unsigned long long)seq, inner);
    }
out:
    uat_buf_free(&body);
    return rc;
}

/* A failed record read tells the peer which check failed (best effort). */
static uat_err record_fail(uat_channel *ch, uat_err rc)
{
    if (rc == UAT_ERR_IO_PEER_ALERT || rc == UAT_ERR_IO_NETWORK) {
        return rc;
    }
    uat_error_detail saved = *uat_last_error();
    char check[128], field[128], message[256];
    snprintf(check, sizeof(check), "%s", saved.check);
    snprintf(field, sizeof(field), "%s", saved.field);
    snprintf(message, sizeof(message), "%s", saved.message);
    uat_buf a;
    uat_buf_init(&a, UAT_CHAN_MAX_ALERT);
    uat_err sent = uat_chan_alert_build(rc, check, &a);
    if (sent == UAT_OK) {
        sent = uat_chan_send(ch, UAT_CHAN_ALERT, uat_buf_span(&a));
    }
    (void)sent; /* best effort: the peer may be gone */
    uat_buf_free(&a);
    ch->bare->peer_closed = 1; /* nothing more is read after a failure */
    return UAT_FAILF(rc, check, field, saved.offset, "%s", message);
}

uat_err uat_chan_bare_read(uat_channel *ch, void *buf, size_t cap, size_t *n)
{
    UAT_ENSURE(buf != NULL && n != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK_RECORD, "", -1);
    uat_chan_bare *b = ch->bare;
    *n = 0;
    while (b->in_off == b->in.len && !b->peer_closed) {
        b->in.len = 0;
        b->in_off = 0;
        uat_err rc = recv_record(ch);
        if (rc != UAT_OK) {
            return record_fail(ch, rc);
        }
    }
    size_t k = b->in.len - b->in_off < cap ? b->in.len - b->in_off : cap;
    memcpy(buf, b->in.p + b->in_off, k);
    b->in_off += k;
    *n = k;
    return UAT_OK;
}

size_t uat_chan_bare_pending(const uat_channel *ch)
{
    return ch->bare->in.len - ch->bare->in_off;
}

uat_err uat_chan_bare_export(uat_channel *ch, const char *label, uint8_t *out, size_t n)
{
    uat_span info[1] = {uat_span_of(label, strlen(label))};
    uint8_t salt[32];
    uat_span th = uat_span_of(ch->th_full, sizeof(ch->th_full));
    /* salt: HMAC(exporter secret, TH_full): the exported key is bound to the whole run */
    UAT_TRY(uat_hmac(UAT_HASH_SHA256, uat_span_of(ch->bare->exporter, 32), &th, 1, salt));
    uat_err rc = uat_hkdf_sha256(uat_span_of(salt, 32), uat_span_of(ch->bare->exporter, 32),
                                 info[0], out, n);
    uat_wipe(salt, sizeof(salt));
    return rc;
}
