/* The attestation channel's run (TLS 1.3 mode): after the TLS handshake and before any
 * application data, offers both ways, negotiation, evidence both ways bound to this run, key
 * confirmation. Every failure sends the peer an alert naming the check. State machine and
 * security argument: docs/channel.md. */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <errno.h>
#include <unistd.h>

#include "channel/channel_cfg.h"
#include "evidence/registry.h"

#define FINISHED_LABEL "EXPORTER-uattest-channel-finished"


static const char *type_name(uint8_t t)
{
    switch (t) {
    case UAT_CHAN_OFFER: return "offer";
    case UAT_CHAN_EVIDENCE: return "evidence";
    case UAT_CHAN_FINISHED: return "finished";
    case UAT_CHAN_ALERT: return "alert";
    case UAT_CHAN_RECORD: return "record";
    default: return "unknown";
    }
}

static size_t type_max(uint8_t t)
{
    switch (t) {
    case UAT_CHAN_OFFER: return UAT_CHAN_MAX_OFFER;
    case UAT_CHAN_EVIDENCE: return UAT_CHAN_MAX_EVIDENCE;
    case UAT_CHAN_FINISHED: return UAT_CHAN_MAX_FINISHED;
    case UAT_CHAN_RECORD: return UAT_CHAN_MAX_RECORD;
    default: return UAT_CHAN_MAX_ALERT;
    }
}

uat_err uat_chan_record_peer_key(void *user, const uat_cert *leaf)
{
    uat_channel *ch = user;
    uat_buf spki;
    uat_buf_init(&spki, 16384);
    uat_err rc = uat_cert_spki(leaf, &spki);
    if (rc == UAT_OK) {
        uat_span s = uat_buf_span(&spki);
        rc = uat_hash(UAT_HASH_SHA256, &s, 1, ch->peer_spki_hash);
    }
    ch->have_peer_key = rc == UAT_OK;
    uat_buf_free(&spki);
    /* the point a TEE's certification of the key names (a TPM-resident TLS key) */
    const uat_key *k = uat_cert_key(leaf);
    size_t len = 0;
    ch->have_peer_point = 0;
    if (rc == UAT_OK && k != NULL && uat_key_kind_of(k) == UAT_KEY_EC_P256 &&
        uat_key_ec_point(k, ch->peer_point + 1, ch->peer_point + 33, 32, &len) == UAT_OK &&
        len == 32) {
        ch->peer_point[0] = 0x04;
        ch->have_peer_point = 1;
    }
    return rc;
}


/* The stream under the messages: TLS in TLS mode, the bare file descriptor in bare mode. */
static uat_err io_write(uat_channel *ch, const uint8_t *p, size_t n)
{
    if (ch->tls != NULL) {
        return uat_tls_write(ch->tls, p, n);
    }
    while (n > 0) {
        ssize_t k = send(ch->fd, p, n, MSG_NOSIGNAL);
        if (k < 0 && errno == ENOTSOCK) {
            k = write(ch->fd, p, n); /* a pipe: the caller ignores SIGPIPE */
        }
        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k <= 0) {
            return UAT_FAILF(UAT_ERR_IO_NETWORK, "channel.stream", "write", -1,
                             "cannot write to the peer: %s", k < 0 ? strerror(errno) : "closed");
        }
        p += k;
        n -= (size_t)k;
    }
    return UAT_OK;
}

static uat_err io_read(uat_channel *ch, uint8_t *p, size_t n, size_t *got)
{
    if (ch->tls != NULL) {
        return uat_tls_read(ch->tls, p, n, got);
    }
    for (;;) {
        ssize_t k = read(ch->fd, p, n);
        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k < 0 && errno != ECONNRESET) {
            return UAT_FAILF(UAT_ERR_IO_NETWORK, "channel.stream", "read", -1,
                             "cannot read from the peer: %s", strerror(errno));
        }
        *got = k < 0 ? 0 : (size_t)k; /* a reset is a close: the message is then truncated */
        return UAT_OK;
    }
}

/* The peer failed and closed while this side was still sending: its alert may be waiting. */
static uat_err alert_after_failed_write(uat_channel *ch, uat_err rc)
{
    uat_error_detail saved = *uat_last_error();
    char check[128], field[128], message[256];
    snprintf(check, sizeof(check), "%s", saved.check);
    snprintf(field, sizeof(field), "%s", saved.field);
    snprintf(message, sizeof(message), "%s", saved.message);
    uat_buf b;
    uat_buf_init(&b, UAT_CHAN_MAX_ALERT);
    uat_err got = uat_chan_recv(ch, UAT_CHAN_ALERT, &b);
    uat_buf_free(&b);
    if (got == UAT_ERR_IO_PEER_ALERT) {
        return got;
    }
    return UAT_FAILF(rc, check, field, saved.offset, "%s", message);
}

uat_err uat_chan_send(uat_channel *ch, uint8_t type, uat_span body)
{
    uat_buf wire, copy;
    uat_buf_init(&wire, UAT_CHAN_HEADER_SIZE + UAT_CHAN_MAX_EVIDENCE);
    uat_buf_init(&copy, UAT_CHAN_MAX_EVIDENCE);
    uat_err rc = UAT_OK;
    if (ch->cfg->hook != NULL) {
        /* what travels may differ from what this side recorded: the attacker tests' wire */
        UAT_TRY_GOTO(rc, uat_buf_append(&copy, body.p, body.len), out);
        ch->cfg->hook(ch->cfg->hook_user, 1, &type, &copy);
        body = uat_buf_span(&copy);
    }
    UAT_ENSURE_GOTO(rc, body.len <= type_max(type), UAT_ERR_RESOURCE_LIMIT, "channel.send",
                    type_name(type), -1, out);
    UAT_TRY_GOTO(rc, uat_buf_put_u8(&wire, type), out);
    UAT_TRY_GOTO(rc, uat_buf_put_u32be(&wire, (uint32_t)body.len), out);
    UAT_TRY_GOTO(rc, uat_buf_append(&wire, body.p, body.len), out);
    rc = io_write(ch, wire.p, wire.len);
    if (rc == UAT_ERR_IO_NETWORK && type != UAT_CHAN_ALERT) {
        rc = alert_after_failed_write(ch, rc);
    }
out:
    uat_buf_free(&copy);
    uat_buf_free(&wire);
    return rc;
}

/* Reads n bytes; *got < n only when the peer closed the connection. */
uat_err uat_chan_read_exact(uat_channel *ch, uint8_t *p, size_t n, size_t *got)
{
    *got = 0;
    while (*got < n) {
        size_t k = 0;
        UAT_TRY(io_read(ch, p + *got, n - *got, &k));
        if (k == 0) {
            return UAT_OK;
        }
        *got += k;
    }
    return UAT_OK;
}

static uat_err peer_alert(uat_span body)
{
    uat_err e = UAT_OK;
    char check[UAT_CHAN_MAX_CHECK_LEN + 1];
    UAT_TRY(uat_chan_alert_parse(body, &e, check));
    return UAT_FAILF(UAT_ERR_IO_PEER_ALERT, "channel.peer", check, -1,
                     "the peer refused the run: %s in its check '%s'", uat_err_name(e), check);
}

/* One message of the expected type (an alert from the peer ends the run with IO_PEER_ALERT). */
uat_err uat_chan_recv(uat_channel *ch, uint8_t expect, uat_buf *body)
{
    uint8_t hdr[UAT_CHAN_HEADER_SIZE];
    size_t got = 0;
    UAT_TRY(uat_chan_read_exact(ch, hdr, sizeof(hdr), &got));
    if (got == 0 && expect == UAT_CHAN_RECORD) {
        return UAT_FAILF(UAT_ERR_PARSE_TRUNCATED, "channel.record", "close", 0,
                         "the peer's stream ended without its close record: truncated");
    }
    if (got == 0) {
        return UAT_FAILF(UAT_ERR_IO_NETWORK, "channel.message", type_name(expect), 0,
                         "the peer closed the channel before its %s message", type_name(expect));
    }
    UAT_ENSURE(got == sizeof(hdr), UAT_ERR_PARSE_TRUNCATED, "channel.message", "header",
               (int64_t)got);
    uat_reader r;
    uat_rd_init(&r, uat_span_of(hdr, sizeof(hdr)), "channel.message");
    uint8_t type = 0;
    uint32_t len = 0;
    UAT_TRY(uat_rd_u8(&r, "type", &type));
    UAT_TRY(uat_rd_u32be(&r, "length", &len));
    if (type != expect && type != UAT_CHAN_ALERT) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, "channel.message", "type", 0,
                         "expected the %s message, received type %u", type_name(expect), type);
    }
    UAT_ENSURE(len <= type_max(type), UAT_ERR_PARSE_BAD_LENGTH, "channel.message", "length", 1);
    UAT_TRY(uat_buf_reserve(body, len));
    UAT_TRY(uat_chan_read_exact(ch, body->p + body->len, len, &got));
    UAT_ENSURE(got == len, UAT_ERR_PARSE_TRUNCATED, "channel.message", type_name(type),
               (int64_t)(UAT_CHAN_HEADER_SIZE + got));
    body->len += len;
    if (ch->cfg->hook != NULL) {
        ch->cfg->hook(ch->cfg->hook_user, 0, &type, body);
    }
    if (type == UAT_CHAN_ALERT) {
        return peer_alert(uat_buf_span(body));
    }
    /* (only when an alert was all that was asked for) */
    UAT_ENSURE(type == expect, UAT_ERR_PARSE_BAD_VALUE, "channel.message", "type", 0);
    return UAT_OK;
}

static uat_err exchange_offers(uat_channel *ch)
{
    UAT_TRY(uat_chan_own_offer(ch->cfg, &ch->own));
    UAT_TRY(uat_chan_offer_build(&ch->own, &ch->own_offer));
    if (ch->role == 'c') {
        UAT_TRY(uat_chan_send(ch, UAT_CHAN_OFFER, uat_buf_span(&ch->own_offer)));
        UAT_TRY(uat_chan_recv(ch, UAT_CHAN_OFFER, &ch->peer_offer));
        UAT_TRY(uat_chan_offer_parse(uat_buf_span(&ch->peer_offer), &ch->peer));
    } else {
        /* a malformed offer is refused before this side says anything about itself */
        UAT_TRY(uat_chan_recv(ch, UAT_CHAN_OFFER, &ch->peer_offer));
        UAT_TRY(uat_chan_offer_parse(uat_buf_span(&ch->peer_offer), &ch->peer));
        UAT_TRY(uat_chan_send(ch, UAT_CHAN_OFFER, uat_buf_span(&ch->own_offer)));
    }
    /* an offer reflected back carries this side's own nonce */
    UAT_ENSURE(!uat_ct_equal(ch->peer.nonce, ch->own.nonce, UAT_CHANNEL_NONCE_SIZE),
               UAT_ERR_VERIFY_NONCE, "channel.nonce", "nonce", -1);
    uat_span c = uat_buf_span(ch->role == 'c' ? &ch->own_offer : &ch->peer_offer);
    uat_span s = uat_buf_span(ch->role == 'c' ? &ch->peer_offer : &ch->own_offer);
    UAT_TRY(uat_chan_transcript(c, s, ch->th));
    if (ch->tls == NULL) {
        return UAT_OK; /* bare mode: no TLS session to bind */
    }
    /* spec: RFC 8446 §7.5: the exporter, with the offers' hash as its context */
    return uat_tls_export(ch->tls, UAT_CHANNEL_EXPORTER_LABEL, uat_span_of(ch->th, sizeof(ch->th)),
                          ch->exporter, sizeof(ch->exporter));
}

static uat_err negotiate(uat_channel *ch)
{
    const char *own = uat_chan_select(&ch->own, &ch->peer);
    const char *peer = uat_chan_select(&ch->peer, &ch->own);
    if (own == NULL) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_NO_COMMON_MECHANISM, "channel.negotiate", "attest",
                         -1, "the peer verifies none of the %zu mechanisms this endpoint attests "
                         "with", ch->own.nattest);
    }
    if (peer == NULL) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_NO_COMMON_MECHANISM, "channel.negotiate", "verify",
                         -1, "this endpoint verifies none of the %zu mechanisms the peer attests "
                         "with", ch->peer.nattest);
    }
    strcpy(ch->own_mech, own);
    strcpy(ch->peer_mech, peer);
    return UAT_OK;
}

static uat_err make_evidence(uat_channel *ch)
{
    uat_attester *a = uat_chan_attester(ch->cfg, ch->own_mech);
    UAT_ENSURE(a != NULL, UAT_ERR_INTERNAL, "channel.evidence", "mechanism", -1);
    uint8_t rd[UAT_REPORT_DATA_LEN];
    UAT_TRY(uat_chan_binding(ch->role, ch->peer.nonce, ch->th, ch->exporter, ch->cfg->spki_hash,
                             rd));
    uat_cmw *cmw = NULL;
    uat_buf proof;
    uat_buf_init(&proof, UAT_MAX_EVIDENCE_BYTES);
    /* a TLS key the TEE holds: its evidence and its certification of the key (TPM: TPM2_Quote
     * and TPM2_Certify by the same AK, both with rd as qualifying data) */
    uat_err rc = a == ch->cfg->tls_att
                     ? uat_attester_kx_prove(a, ch->cfg->tls_kx, rd, &cmw, &proof)
                     : uat_attester_collect(a, rd, &cmw);
    uint8_t *bytes = NULL;
    size_t n = 0;
    if (rc == UAT_OK) {
        rc = uat_cmw_serialize(cmw, UAT_CMW_CBOR, &bytes, &n);
    }
    uat_cmw_free(cmw);
    if (rc == UAT_OK) {
        rc = uat_chan_evidence_build(ch->own_mech, uat_span_of(bytes, n), uat_buf_span(&proof),
                                     &ch->own_ev);
    }
    free(bytes);
    uat_buf_free(&proof);
    return rc;
}

uat_err uat_chan_appraise(uat_channel *ch)
{
    const uat_channel_cfg *cfg = ch->cfg;
    if (cfg->policy == NULL) {
        return UAT_OK;
    }
    uat_refvals *none = NULL;
    if (cfg->refvals == NULL) {
        UAT_TRY(uat_refvals_new(&none));
    }
    uat_appraisal_ctx ctx = {uat_time_now(), ch->own.nonce, sizeof(ch->own.nonce), NULL};
    uat_err rc = uat_appraise(cfg->policy, cfg->refvals ? cfg->refvals : none, ch->claims, &ctx,
                              &ch->ear);
    uat_refvals_free(none);
    UAT_TRY(rc);
    if (strcmp(uat_ear_status(ch->ear), "contraindicated") == 0) {
        return UAT_FAILF(UAT_ERR_VERIFY_POLICY, "channel.appraisal", "", -1,
                         "the peer's verified evidence does not satisfy the policy "
                         "(contraindicated)");
    }
    return UAT_OK;
}

static uat_err verify_peer(uat_channel *ch)
{
    uat_chan_mech mech;
    uat_span cmw, proof;
    UAT_TRY(uat_chan_evidence_parse(uat_buf_span(&ch->peer_ev), mech, &cmw, &proof));
    if (strcmp(mech, ch->peer_mech) != 0) {
        return UAT_FAILF(UAT_ERR_VERIFY_BINDING, "channel.mechanism", "mechanism", -1,
                         "the peer attested with '%s'; the offers select '%s'", mech,
                         ch->peer_mech);
    }
    UAT_ENSURE(ch->have_peer_key, UAT_ERR_VERIFY_BINDING, "channel.peer_key", "", -1);
    UAT_ENSURE(ch->cfg->verifier != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, "channel.verify",
               "verifier", -1);
    uint8_t rd[UAT_REPORT_DATA_LEN];
    char peer_role = ch->role == 'c' ? 's' : 'c';
    UAT_TRY(uat_chan_binding(peer_role, ch->own.nonce, ch->th, ch->exporter, ch->peer_spki_hash,
                             rd));
    UAT_TRY(uat_chan_verify_peer(ch, cmw, rd,
                                 "this side's nonce, both offers, the TLS session and the peer's "
                                 "key"));
    const char *tee = uat_claims_tee(ch->claims);
    if (uat_tee_has_kx(tee)) {
        /* a TEE that holds keys must prove the TLS key is its own, not a software key */
        if (proof.len == 0) {
            return UAT_FAILF(UAT_ERR_VERIFY_BINDING, "channel.key_proof", "proof", -1,
                             "the peer's TLS key comes without the %s's proof that it holds it",
                             tee);
        }
        if (!ch->have_peer_point) {
            return UAT_FAILF(UAT_ERR_VERIFY_BINDING, "channel.key_proof", "peer_key", -1,
                             "the peer's TLS key is not a P-256 key its %s can hold", tee);
        }
        UAT_TRY(uat_verifier_kx_verify(ch->cfg->verifier, tee, cmw.p, cmw.len, proof, UAT_KX_SIGN,
                                       rd, ch->peer_point));
    } else {
        UAT_ENSURE(proof.len == 0, UAT_ERR_PARSE_BAD_VALUE, "channel.evidence", "proof", -1);
    }
    return uat_chan_appraise(ch);
}

static uat_err finished_mac(uat_channel *ch, uint8_t mac[UAT_CHAN_HASH_SIZE])
{
    uat_span c = uat_buf_span(ch->role == 'c' ? &ch->own_ev : &ch->peer_ev);
    uat_span s = uat_buf_span(ch->role == 'c' ? &ch->peer_ev : &ch->own_ev);
    UAT_TRY(uat_chan_transcript_full(ch->th, c, s, ch->th_full));
    return uat_tls_export(ch->tls, FINISHED_LABEL, uat_span_of(ch->th_full, UAT_CHAN_HASH_SIZE),
                          mac, UAT_CHAN_HASH_SIZE);
}

/* Client: its evidence first, then the server's, then the key confirmation. The server verifies
 * the client before it attests, and takes the finished message as the client's acceptance. */
static uat_err exchange_evidence(uat_channel *ch)
{
    uint8_t mac[UAT_CHAN_HASH_SIZE], got[UAT_CHAN_HASH_SIZE];
    uat_buf fin;
    uat_buf_init(&fin, UAT_CHAN_MAX_FINISHED);
    uat_err rc;
    if (ch->role == 'c') {
        UAT_TRY_GOTO(rc, make_evidence(ch), out);
        UAT_TRY_GOTO(rc, uat_chan_send(ch, UAT_CHAN_EVIDENCE, uat_buf_span(&ch->own_ev)), out);
        UAT_TRY_GOTO(rc, uat_chan_recv(ch, UAT_CHAN_EVIDENCE, &ch->peer_ev), out);
        UAT_TRY_GOTO(rc, verify_peer(ch), out);
        UAT_TRY_GOTO(rc, finished_mac(ch, mac), out);
        UAT_TRY_GOTO(rc, uat_chan_finished_build(mac, &fin), out);
        rc = uat_chan_send(ch, UAT_CHAN_FINISHED, uat_buf_span(&fin));
    } else {
        UAT_TRY_GOTO(rc, uat_chan_recv(ch, UAT_CHAN_EVIDENCE, &ch->peer_ev), out);
        UAT_TRY_GOTO(rc, verify_peer(ch), out);
        UAT_TRY_GOTO(rc, make_evidence(ch), out);
        UAT_TRY_GOTO(rc, uat_chan_send(ch, UAT_CHAN_EVIDENCE, uat_buf_span(&ch->own_ev)), out);
        UAT_TRY_GOTO(rc, finished_mac(ch, mac), out);
        UAT_TRY_GOTO(rc, uat_chan_recv(ch, UAT_CHAN_FINISHED, &fin), out);
        UAT_TRY_GOTO(rc, uat_chan_finished_parse(uat_buf_span(&fin), got), out);
        UAT_ENSURE_GOTO(rc, uat_ct_equal(mac, got, sizeof(mac)), UAT_ERR_VERIFY_BINDING,
                        "channel.finished", "verify_data", -1, out);
    }
out:
    uat_buf_free(&fin);
    uat_wipe(mac, sizeof(mac));
    return rc;
}

/* Tells the peer which check failed here (best effort), keeping this side's error detail. */
static uat_err fail_run(uat_channel *ch, uat_err rc)
{
    if (rc == UAT_ERR_IO_PEER_ALERT || rc == UAT_ERR_IO_NETWORK ||
        (ch->tls == NULL && ch->cfg->mode != UAT_CHANNEL_MODE_BARE)) {
        return rc;
    }
    const uat_error_detail *d = uat_last_error();
    uat_error_detail saved = *d;
    char check[128], field[128];
    snprintf(check, sizeof(check), "%s", d->check);
    snprintf(field, sizeof(field), "%s", d->field);
    uat_buf a;
    uat_buf_init(&a, UAT_CHAN_MAX_ALERT);
    uat_err sent = uat_chan_alert_build(rc, check, &a);
    if (sent == UAT_OK) {
        sent = uat_chan_send(ch, UAT_CHAN_ALERT, uat_buf_span(&a));
    }
    uat_buf_free(&a);
    if (sent != UAT_OK) {
        (void)UAT_FAILF(rc, check, field, saved.offset, "%s", saved.message);
    }
    return rc;
}

static void channel_free(uat_channel *ch)
{
    uat_tls_close(ch->tls);
    uat_chan_bare_free(ch);
    uat_claims_free(ch->claims);
    uat_ear_free(ch->ear);
    uat_buf_free(&ch->own_offer);
    uat_buf_free(&ch->peer_offer);
    uat_buf_free(&ch->own_ev);
    uat_buf_free(&ch->peer_ev);
    if (ch->own_fd >= 0) {
        close(ch->own_fd);
    }
    uat_wipe(ch, sizeof(*ch));
    free(ch);
}

static uat_err start(const uat_channel_cfg *cfg, int fd, char role, int own_fd, uat_channel **out)
{
    UAT_ENSURE(cfg != NULL && fd >= 0 && out != NULL && cfg->nattesters > 0 &&
                   cfg->verifier != NULL,
               UAT_ERR_USAGE_INVALID_ARGUMENT, "channel.start", "", -1);
    uat_error_clear();
    uat_channel *ch = calloc(1, sizeof(*ch));
    if (ch == NULL) {
        return UAT_NOMEM("channel.start");
    }
    ch->cfg = cfg;
    ch->role = role;
    ch->own_fd = own_fd;
    ch->fd = fd;
    uat_buf_init(&ch->own_offer, UAT_CHAN_MAX_OFFER);
    uat_buf_init(&ch->peer_offer, UAT_CHAN_MAX_OFFER);
    uat_buf_init(&ch->own_ev, UAT_CHAN_MAX_EVIDENCE);
    uat_buf_init(&ch->peer_ev, UAT_CHAN_MAX_EVIDENCE);
    int bare = cfg->mode == UAT_CHANNEL_MODE_BARE;
    uat_err rc = bare        ? UAT_OK
                 : role == 'c' ? uat_tls_connect(cfg->client, fd, ch, &ch->tls)
                               : uat_tls_accept(cfg->server, fd, ch, &ch->tls);
    if (rc == UAT_OK) {
        rc = exchange_offers(ch);
        rc = rc == UAT_OK ? negotiate(ch) : rc;
        rc = rc != UAT_OK ? rc : bare ? uat_chan_bare_run(ch) : exchange_evidence(ch);
        rc = rc == UAT_OK ? UAT_OK : fail_run(ch, rc);
    }
    if (rc != UAT_OK) {
        ch->own_fd = -1; /* on failure the caller's socket stays the caller's */
        channel_free(ch);
        return rc;
    }
    *out = ch;
    return UAT_OK;
}

uat_err uat_channel_connect(const uat_channel_cfg *cfg, int fd, uat_channel **out)
{
    return start(cfg, fd, 'c', -1, out);
}

uat_err uat_channel_accept(const uat_channel_cfg *cfg, int fd, uat_channel **out)
{
    return start(cfg, fd, 's', -1, out);
}

uat_err uat_channel_connect_host(const uat_channel_cfg *cfg, const char *host, const char *port,
                                 uat_channel **out)
{
    UAT_ENSURE(host != NULL && port != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, "channel.connect",
               "", -1);
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &res) != 0) {
        return UAT_FAILF(UAT_ERR_IO_NETWORK, "channel.connect", "host", -1,
                         "cannot resolve %s", host);
    }
    int fd = -1;
    for (struct addrinfo *a = res; a != NULL && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0) {
        return UAT_FAILF(UAT_ERR_IO_NETWORK, "channel.connect", "port", -1,
                         "cannot connect to %s port %s", host, port);
    }
    uat_err rc = start(cfg, fd, 'c', fd, out);
    if (rc != UAT_OK) {
        close(fd);
    }
    return rc;
}

uat_err uat_channel_read(uat_channel *ch, void *buf, size_t cap, size_t *n)
{
    UAT_ENSURE(ch != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, "channel.read", "", -1);
    if (ch->bare != NULL) {
        return uat_chan_bare_read(ch, buf, cap, n);
    }
    return uat_tls_read(ch->tls, buf, cap, n);
}

uat_err uat_channel_write(uat_channel *ch, const void *buf, size_t n)
{
    UAT_ENSURE(ch != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, "channel.write", "", -1);
    if (ch->bare != NULL) {
        return uat_chan_bare_write(ch, buf, n);
    }
    return uat_tls_write(ch->tls, buf, n);
}

uat_err uat_channel_shutdown_write(uat_channel *ch)
{
    UAT_ENSURE(ch != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, "channel.shutdown", "", -1);
    if (ch->bare != NULL) {
        return uat_chan_bare_shutdown(ch);
    }
    return uat_tls_shutdown_write(ch->tls);
}

int uat_channel_fd(const uat_channel *ch)
{
    return ch != NULL ? ch->fd : -1;
}

size_t uat_channel_pending(const uat_channel *ch)
{
    if (ch != NULL && ch->bare != NULL) {
        return uat_chan_bare_pending(ch);
    }
    return ch != NULL ? uat_tls_pending(ch->tls) : 0;
}

uat_err uat_channel_export_key(uat_channel *ch, const char *label, uint8_t *out, size_t n)
{
    UAT_ENSURE(ch != NULL && label != NULL && strcmp(label, UAT_CHANNEL_EXPORTER_LABEL) != 0 &&
                   strcmp(label, FINISHED_LABEL) != 0,
               UAT_ERR_USAGE_INVALID_ARGUMENT, "channel.export", "label", -1);
    if (ch->bare != NULL) {
        return uat_chan_bare_export(ch, label, out, n);
    }
    return uat_tls_export(ch->tls, label, uat_span_of(ch->th_full, sizeof(ch->th_full)), out, n);
}

const char *uat_channel_own_mechanism(const uat_channel *ch)
{
    return ch != NULL ? ch->own_mech : NULL;
}

const char *uat_channel_peer_mechanism(const uat_channel *ch)
{
    return ch != NULL ? ch->peer_mech : NULL;
}

const uat_claims *uat_channel_peer_claims(const uat_channel *ch)
{
    return ch != NULL ? ch->claims : NULL;
}

const uat_ear *uat_channel_peer_ear(const uat_channel *ch)
{
    return ch != NULL ? ch->ear : NULL;
}

void uat_channel_close(uat_channel *ch)
{
    if (ch != NULL && ch->bare != NULL) {
        uat_err sent = uat_chan_bare_shutdown(ch); /* bare mode's close_notify */
        (void)sent; /* best effort: the peer may be gone */
    }
    if (ch != NULL) {
        channel_free(ch);
    }
}

uat_err uat_chan_verify_peer(uat_channel *ch, uat_span cmw, const uint8_t *rd, const char *bound)
{
    uat_err rc = uat_verify(ch->cfg->verifier, cmw.p, cmw.len, rd, &ch->claims);
    if (rc == UAT_ERR_VERIFY_BINDING) {
        return UAT_FAILF(UAT_ERR_VERIFY_BINDING, "channel.binding", "report_data", -1,
                         "the peer's evidence is not bound to this run (%s): replayed, relayed, "
                         "reflected, another key, or an offer changed in transit",
                         bound);
    }
    UAT_TRY(rc);
    const char *tee = uat_claims_tee(ch->claims);
    if (tee == NULL || strcmp(tee, ch->peer_mech) != 0) {
        return UAT_FAILF(UAT_ERR_VERIFY_BINDING, "channel.mechanism", "tee", -1,
                         "the peer's evidence is from '%s', not the negotiated '%s'",
                         tee ? tee : "?", ch->peer_mech);
    }
    return UAT_OK;
}
