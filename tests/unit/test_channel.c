/* The attestation channel (src/channel, docs/channel.md): message parsers at every truncation and
 * against malformed fields, the selection rule, and whole runs sim <-> sim over a socketpair, with
 * a test hook standing in for an attacker on the wire (downgrade, replay, reflection, tampering). */
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <ftw.h>
#include <sys/socket.h>
#include <unistd.h>

#include "channel/channel_int.h"
#include "uattest/uattest.h"

#include "uat_assert.h"

static char g_dir[256], g_a[300], g_b[300], g_trust_a[320], g_trust_b[320];

/* ---- message parsers ---- */

static void offer_of(uat_chan_offer *o, const char *const *att, size_t na, const char *const *ver,
                     size_t nv)
{
    memset(o, 0, sizeof(*o));
    o->version = UAT_CHANNEL_VERSION;
    for (size_t i = 0; i < na; i++) {
        strcpy(o->attest[o->nattest++], att[i]);
    }
    for (size_t i = 0; i < nv; i++) {
        strcpy(o->verify[o->nverify++], ver[i]);
    }
    memset(o->nonce, 0xa5, sizeof(o->nonce));
}

static void test_offer_roundtrip_and_truncation(void **state)
{
    (void)state;
    const char *att[] = {"tpm", "sim"}, *ver[] = {"sgx", "sim", "sgx-epid"};
    uat_chan_offer o, back;
    offer_of(&o, att, 2, ver, 3);
    uat_buf b;
    uat_buf_init(&b, UAT_CHAN_MAX_OFFER);
    assert_ok(uat_chan_offer_build(&o, &b));
    assert_ok(uat_chan_offer_parse(uat_buf_span(&b), &back));
    assert_memory_equal(&o, &back, sizeof(o));
    /* every truncation fails, and never as success */
    for (size_t n = 0; n < b.len; n++) {
        uat_err e = uat_chan_offer_parse(uat_span_of(b.p, n), &back);
        assert_int_equal(uat_err_category(e), UAT_CAT_PARSE);
    }
    /* a trailing byte */
    assert_ok(uat_buf_put_u8(&b, 0));
    assert_err(uat_chan_offer_parse(uat_buf_span(&b), &back), UAT_ERR_PARSE_TRAILING_BYTES);
    uat_buf_free(&b);
}

/* Builds an offer by hand: version, two lists of raw strings, a nonce of nlen bytes. */
static void raw_offer(uat_buf *b, uint64_t version, const char *const *att, size_t na,
                      const char *const *ver, size_t nv, size_t nlen)
{
    uint8_t nonce[64] = {0};
    uat_buf_init(b, 1 << 16);
    assert_ok(uat_cbor_put_head(b, UAT_CBOR_ARRAY, 4));
    assert_ok(uat_cbor_put_head(b, UAT_CBOR_UINT, version));
    assert_ok(uat_cbor_put_head(b, UAT_CBOR_ARRAY, na));
    for (size_t i = 0; i < na; i++) {
        assert_ok(uat_cbor_put_string(b, UAT_CBOR_TSTR, att[i], strlen(att[i])));
    }
    assert_ok(uat_cbor_put_head(b, UAT_CBOR_ARRAY, nv));
    for (size_t i = 0; i < nv; i++) {
        assert_ok(uat_cbor_put_string(b, UAT_CBOR_TSTR, ver[i], strlen(ver[i])));
    }
    assert_ok(uat_cbor_put_string(b, UAT_CBOR_BSTR, nonce, nlen));
}

static void expect_offer(uat_buf *b, uat_err want, const char *field)
{
    uat_chan_offer o;
    uat_err got = uat_chan_offer_parse(uat_buf_span(b), &o);
    if (getenv("UAT_CHANNEL_TEST_DEBUG")) {
        fprintf(stderr, "offer: %s %s\n", uat_err_name(got), uat_last_error()->field);
    }
    assert_err(got, want);
    assert_string_equal(uat_last_error()->field, field);
    uat_buf_free(b);
}

static void test_offer_negative(void **state)
{
    (void)state;
    const char *sim[] = {"sim"}, *dup[] = {"sim", "tpm", "sim"}, *upper[] = {"SIM"};
    const char *empty[] = {""}, *longname[] = {"abcdefghijklmnopqrstuvwxyz0123456"};
    const char *many[17];
    for (size_t i = 0; i < 17; i++) {
        many[i] = "sim";
    }
    uat_buf b;
    raw_offer(&b, 2, sim, 1, sim, 1, 32);
    expect_offer(&b, UAT_ERR_PARSE_BAD_VERSION, "version");
    raw_offer(&b, 1, dup, 3, sim, 1, 32);
    expect_offer(&b, UAT_ERR_PARSE_BAD_VALUE, "attest");
    raw_offer(&b, 1, sim, 1, dup, 3, 32);
    expect_offer(&b, UAT_ERR_PARSE_BAD_VALUE, "verify");
    raw_offer(&b, 1, upper, 1, sim, 1, 32);
    expect_offer(&b, UAT_ERR_PARSE_BAD_VALUE, "attest");
    raw_offer(&b, 1, sim, 1, empty, 1, 32);
    expect_offer(&b, UAT_ERR_PARSE_BAD_VALUE, "verify");
    raw_offer(&b, 1, longname, 1, sim, 1, 32);
    expect_offer(&b, UAT_ERR_RESOURCE_LIMIT, "attest");
    raw_offer(&b, 1, many, 17, sim, 1, 32);
    expect_offer(&b, UAT_ERR_PARSE_BAD_LENGTH, "attest");
    raw_offer(&b, 1, sim, 1, sim, 1, 31);
    expect_offer(&b, UAT_ERR_PARSE_BAD_LENGTH, "nonce");
    raw_offer(&b, 1, sim, 1, sim, 1, 33);
    expect_offer(&b, UAT_ERR_PARSE_BAD_LENGTH, "nonce");
    /* not an array of four */
    uat_buf_init(&b, 64);
    assert_ok(uat_cbor_put_head(&b, UAT_CBOR_ARRAY, 3));
    expect_offer(&b, UAT_ERR_PARSE_BAD_CBOR, "offer");
}

static void test_other_messages(void **state)
{
    (void)state;
    uint8_t ev[40] = {1, 2, 3};
    uat_buf b;
    uat_buf_init(&b, 4096);
    uat_span none = {NULL, 0};
    assert_ok(uat_chan_evidence_build("sim", uat_span_of(ev, sizeof(ev)), none, &b));
    uat_chan_mech m;
    uat_span cmw, proof;
    assert_ok(uat_chan_evidence_parse(uat_buf_span(&b), m, &cmw, &proof));
    assert_string_equal(m, "sim");
    assert_int_equal(cmw.len, sizeof(ev));
    assert_int_equal(proof.len, 0);
    for (size_t n = 0; n < b.len; n++) {
        assert_int_equal(
            uat_err_category(uat_chan_evidence_parse(uat_span_of(b.p, n), m, &cmw, &proof)),
            UAT_CAT_PARSE);
    }
    uat_buf_free(&b);
    /* with the TLS key's proof: a third element, never empty */
    uint8_t pr[7] = {9, 8, 7};
    uat_buf_init(&b, 4096);
    assert_ok(uat_chan_evidence_build("tpm", uat_span_of(ev, sizeof(ev)),
                                      uat_span_of(pr, sizeof(pr)), &b));
    assert_ok(uat_chan_evidence_parse(uat_buf_span(&b), m, &cmw, &proof));
    assert_int_equal(proof.len, sizeof(pr));
    assert_memory_equal(proof.p, pr, sizeof(pr));
    for (size_t n = 0; n < b.len; n++) {
        assert_int_equal(
            uat_err_category(uat_chan_evidence_parse(uat_span_of(b.p, n), m, &cmw, &proof)),
            UAT_CAT_PARSE);
    }
    uat_buf_free(&b);
    uat_buf_init(&b, 4096);
    assert_ok(uat_cbor_put_head(&b, UAT_CBOR_ARRAY, 3));
    assert_ok(uat_cbor_put_string(&b, UAT_CBOR_TSTR, "tpm", 3));
    assert_ok(uat_cbor_put_string(&b, UAT_CBOR_BSTR, ev, sizeof(ev)));
    assert_ok(uat_cbor_put_string(&b, UAT_CBOR_BSTR, pr, 0));
    assert_int_equal(uat_chan_evidence_parse(uat_buf_span(&b), m, &cmw, &proof),
                     UAT_ERR_PARSE_BAD_LENGTH); /* an empty proof has one encoding: none */
    uat_buf_free(&b);

    uat_buf_init(&b, 4096);
    assert_ok(uat_chan_alert_build(UAT_ERR_VERIFY_BINDING, "channel.binding", &b));
    uat_err e;
    char check[UAT_CHAN_MAX_CHECK_LEN + 1];
    assert_ok(uat_chan_alert_parse(uat_buf_span(&b), &e, check));
    assert_int_equal(e, UAT_ERR_VERIFY_BINDING);
    assert_string_equal(check, "channel.binding");
    for (size_t n = 0; n < b.len; n++) {
        assert_int_equal(uat_err_category(uat_chan_alert_parse(uat_span_of(b.p, n), &e, check)),
                         UAT_CAT_PARSE);
    }
    uat_buf_free(&b);
    /* an alert must name a real error, not OK */
    uat_buf_init(&b, 64);
    assert_ok(uat_cbor_put_head(&b, UAT_CBOR_ARRAY, 2));
    assert_ok(uat_cbor_put_head(&b, UAT_CBOR_UINT, 0));
    assert_ok(uat_cbor_put_string(&b, UAT_CBOR_TSTR, "x", 1));
    assert_err(uat_chan_alert_parse(uat_buf_span(&b), &e, check), UAT_ERR_PARSE_BAD_VALUE);
    uat_buf_free(&b);

    uint8_t mac[32] = {9}, got[32];
    uat_buf_init(&b, 64);
    assert_ok(uat_chan_finished_build(mac, &b));
    assert_ok(uat_chan_finished_parse(uat_buf_span(&b), got));
    assert_memory_equal(mac, got, 32);
    assert_err(uat_chan_finished_parse(uat_span_of(b.p, b.len - 1), got), UAT_ERR_PARSE_TRUNCATED);
    uat_buf_free(&b);
}

static void test_selection_rule(void **state)
{
    (void)state;
    const char *a_att[] = {"tpm", "sim"}, *b_ver[] = {"sim", "tpm"};
    const char *b_att[] = {"snp", "sgx"}, *a_ver[] = {"sgx", "snp"};
    uat_chan_offer a, b;
    offer_of(&a, a_att, 2, a_ver, 2);
    offer_of(&b, b_att, 2, b_ver, 2);
    /* the attesting side's preference decides */
    assert_string_equal(uat_chan_select(&a, &b), "tpm");
    assert_string_equal(uat_chan_select(&b, &a), "snp");
    const char *only_cca[] = {"cca"};
    offer_of(&b, b_att, 2, only_cca, 1);
    assert_null(uat_chan_select(&a, &b));
}

/* ---- whole runs over a socketpair ---- */

struct side {
    uat_channel_cfg *cfg;
    uat_attester *att;
    uat_verifier *v;
    uat_refvals *rv;
    uat_policy *pol;
    int fd;
    uat_err rc;
    char check[128];
    uat_channel *ch;
};

static void side_new(struct side *s, const char *state, const char *trust)
{
    memset(s, 0, sizeof(*s));
    assert_ok(uat_channel_cfg_new(&s->cfg));
    assert_ok(uat_attester_new("sim", NULL, &s->att));
    assert_ok(uat_attester_set_option(s->att, "state-dir", state));
    assert_ok(uat_attester_set_option(s->att, "measure", "uattest channel unit test"));
    assert_ok(uat_channel_cfg_add_attester(s->cfg, s->att));
    assert_ok(uat_verifier_new(&s->v));
    assert_ok(uat_verifier_set_trust_dir(s->v, trust));
    uat_channel_cfg_set_verifier(s->cfg, s->v);
}

static void side_free(struct side *s)
{
    uat_channel_close(s->ch);
    uat_channel_cfg_free(s->cfg);
    uat_attester_free(s->att);
    uat_verifier_free(s->v);
    uat_refvals_free(s->rv);
    uat_policy_free(s->pol);
    if (s->fd >= 0) {
        close(s->fd);
    }
}

static void side_done(struct side *s)
{
    snprintf(s->check, sizeof(s->check), "%s", s->rc == UAT_OK ? "" : uat_last_error()->check);
    if (s->rc != UAT_OK) {
        close(s->fd); /* the peer's pending read ends */
        s->fd = -1;
    }
}

static void *server_main(void *p)
{
    struct side *s = p;
    s->rc = uat_channel_accept(s->cfg, s->fd, &s->ch);
    side_done(s);
    return NULL;
}

/* Runs client c against server s; results in c->rc / s->rc and their checks. */
static void run_pair(struct side *c, struct side *s)
{
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    c->fd = sv[0];
    s->fd = sv[1];
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, server_main, s), 0);
    c->rc = uat_channel_connect(c->cfg, c->fd, &c->ch);
    side_done(c);
    assert_int_equal(pthread_join(t, NULL), 0);
}

static void test_sim_pair_success(void **state)
{
    (void)state;
    struct side c, s;
    side_new(&c, g_a, g_trust_b);
    side_new(&s, g_b, g_trust_a);
    assert_ok(uat_policy_default(&s.pol));
    uat_channel_cfg_set_appraisal(s.cfg, NULL, s.pol);
    run_pair(&c, &s);
    assert_ok(c.rc);
    assert_ok(s.rc);
    assert_string_equal(uat_channel_own_mechanism(c.ch), "sim");
    assert_string_equal(uat_channel_peer_mechanism(s.ch), "sim");
    assert_string_equal(uat_claims_tee(uat_channel_peer_claims(c.ch)), "sim");
    assert_string_equal(uat_claims_tee(uat_channel_peer_claims(s.ch)), "sim");
    assert_null(uat_channel_peer_ear(c.ch));
    assert_non_null(uat_channel_peer_ear(s.ch));
    /* application data both ways, and one key on both ends */
    char buf[16];
    size_t n = 0;
    assert_ok(uat_channel_write(c.ch, "ping", 4));
    assert_ok(uat_channel_read(s.ch, buf, sizeof(buf), &n));
    assert_int_equal(n, 4);
    assert_memory_equal(buf, "ping", 4);
    assert_ok(uat_channel_write(s.ch, "pong", 4));
    assert_ok(uat_channel_read(c.ch, buf, sizeof(buf), &n));
    assert_memory_equal(buf, "pong", 4);
    uint8_t kc[32], ks[32];
    assert_ok(uat_channel_export_key(c.ch, "EXPORTER-app", kc, sizeof(kc)));
    assert_ok(uat_channel_export_key(s.ch, "EXPORTER-app", ks, sizeof(ks)));
    assert_memory_equal(kc, ks, sizeof(kc));
    assert_err(uat_channel_export_key(c.ch, UAT_CHANNEL_EXPORTER_LABEL, kc, 32),
               UAT_ERR_USAGE_INVALID_ARGUMENT);
    side_free(&c);
    side_free(&s);
}

static void test_no_common_mechanism(void **state)
{
    (void)state;
    struct side c, s;
    side_new(&c, g_a, g_trust_b);
    side_new(&s, g_b, g_trust_a);
    assert_ok(uat_channel_cfg_add_accept(c.cfg, "tpm")); /* the server attests only with sim */
    run_pair(&c, &s);
    assert_err(c.rc, UAT_ERR_UNSUPPORTED_NO_COMMON_MECHANISM);
    assert_err(s.rc, UAT_ERR_UNSUPPORTED_NO_COMMON_MECHANISM);
    assert_string_equal(c.check, "channel.negotiate");
    assert_string_equal(s.check, "channel.negotiate");
    side_free(&c);
    side_free(&s);
}

static void test_untrusted_peer(void **state)
{
    (void)state;
    struct side c, s;
    side_new(&c, g_a, g_trust_b);
    side_new(&s, g_b, g_trust_b); /* the server does not trust the client's sim key */
    run_pair(&c, &s);
    assert_err(s.rc, UAT_ERR_VERIFY_UNTRUSTED_KEY);
    assert_err(c.rc, UAT_ERR_IO_PEER_ALERT);
    assert_string_equal(c.check, "channel.peer");
    side_free(&c);
    side_free(&s);
}

static void test_policy_rejects(void **state)
{
    (void)state;
    struct side c, s;
    side_new(&c, g_a, g_trust_b);
    side_new(&s, g_b, g_trust_a);
    const char *rv = "{\"id\":\"app\",\"tee\":\"sim\",\"values\":{\"measurement\":[\"00\"]}}";
    assert_ok(uat_refvals_new(&c.rv));
    assert_ok(uat_refvals_add_json(c.rv, rv, strlen(rv)));
    assert_ok(uat_policy_default(&c.pol));
    uat_channel_cfg_set_appraisal(c.cfg, c.rv, c.pol);
    run_pair(&c, &s);
    assert_err(c.rc, UAT_ERR_VERIFY_POLICY);
    assert_string_equal(c.check, "channel.appraisal");
    side_free(&c);
    side_free(&s);
}

/* ---- an attacker on the wire (the test hook) ---- */

struct wire {
    uint8_t type;     /* the message the hook acts on */
    int outgoing;
    int action;       /* what it does */
    uat_buf saved;    /* evidence of an earlier run, or the peer's */
    uint8_t nonce[32];
};
enum { A_SAVE = 1, A_REPLACE, A_STRIP_VERIFY, A_FLIP, A_RETYPE, A_TRUNCATE, A_SAVE_NONCE,
       A_SET_NONCE, A_REFLECT };

static void hook(void *user, int outgoing, uint8_t *type, uat_buf *body)
{
    struct wire *w = user;
    if (w->action == A_REFLECT) { /* server: the client's evidence goes back as the server's */
        if (*type == UAT_CHAN_EVIDENCE && !outgoing) {
            w->saved.len = 0;
            assert_ok(uat_buf_append(&w->saved, body->p, body->len));
        } else if (*type == UAT_CHAN_EVIDENCE && outgoing) {
            body->len = 0;
            assert_ok(uat_buf_append(body, w->saved.p, w->saved.len));
        }
        return;
    }
    if (w->action == A_SET_NONCE && *type == UAT_CHAN_OFFER && !outgoing) {
        uat_chan_offer o;
        assert_ok(uat_chan_offer_parse(uat_buf_span(body), &o));
        memcpy(w->nonce, o.nonce, 32); /* the client's nonce, sent back in the server's offer */
        return;
    }
    if (*type != w->type || outgoing != w->outgoing) {
        return;
    }
    uat_chan_offer o;
    switch (w->action) {
    case A_SAVE:
        w->saved.len = 0;
        assert_ok(uat_buf_append(&w->saved, body->p, body->len));
        break;
    case A_REPLACE:
        body->len = 0;
        assert_ok(uat_buf_append(body, w->saved.p, w->saved.len));
        break;
    case A_STRIP_VERIFY: /* downgrade: strip the client's first accepted mechanism */
        assert_ok(uat_chan_offer_parse(uat_buf_span(body), &o));
        memmove(o.verify[0], o.verify[1], sizeof(o.verify[0]) * (o.nverify - 1));
        o.nverify--;
        body->len = 0;
        assert_ok(uat_chan_offer_build(&o, body));
        break;
    case A_FLIP:
        body->p[body->len - 8] ^= 1; /* inside a signature or MAC, not a trailing indicator */
        break;
    case A_RETYPE:
        *type = UAT_CHAN_OFFER;
        break;
    case A_TRUNCATE:
        body->len--;
        break;
    case A_SET_NONCE:
        assert_ok(uat_chan_offer_parse(uat_buf_span(body), &o));
        memcpy(o.nonce, w->nonce, 32);
        body->len = 0;
        assert_ok(uat_chan_offer_build(&o, body));
        break;
    default:
        break;
    }
}

/* One run with a hook on the client (on_client) or on the server. */
static void attacked(struct wire *w, int on_client, uat_err want_c, uat_err want_s,
                     const char *check_c, const char *check_s)
{
    struct side c, s;
    side_new(&c, g_a, g_trust_b);
    side_new(&s, g_b, g_trust_a);
    assert_ok(uat_channel_cfg_add_accept(c.cfg, "tpm"));
    assert_ok(uat_channel_cfg_add_accept(c.cfg, "sim"));
    uat_channel_cfg_set_hook(on_client ? c.cfg : s.cfg, hook, w);
    run_pair(&c, &s);
    if (getenv("UAT_CHANNEL_TEST_DEBUG")) {
        fprintf(stderr, "client %s %s / server %s %s\n", uat_err_name(c.rc), c.check,
                uat_err_name(s.rc), s.check);
    }
    assert_err(c.rc, want_c);
    assert_err(s.rc, want_s);
    if (check_c != NULL) {
        assert_string_equal(c.check, check_c);
    }
    if (check_s != NULL) {
        assert_string_equal(s.check, check_s);
    }
    side_free(&c);
    side_free(&s);
}

static void test_downgrade_detected(void **state)
{
    (void)state;
    struct wire w = {UAT_CHAN_OFFER, 1, A_STRIP_VERIFY, {0}, {0}};
    attacked(&w, 1, UAT_ERR_IO_PEER_ALERT, UAT_ERR_VERIFY_BINDING, "channel.peer",
             "channel.binding");
}

static void test_replayed_evidence_rejected(void **state)
{
    (void)state;
    struct wire w = {UAT_CHAN_EVIDENCE, 1, A_SAVE, {0}, {0}};
    uat_buf_init(&w.saved, UAT_CHAN_MAX_EVIDENCE);
    attacked(&w, 1, UAT_OK, UAT_OK, NULL, NULL);
    assert_true(w.saved.len > 0);
    w.action = A_REPLACE; /* the first run's evidence, in a second run */
    attacked(&w, 1, UAT_ERR_IO_PEER_ALERT, UAT_ERR_VERIFY_BINDING, "channel.peer",
             "channel.binding");
    uat_buf_free(&w.saved);
}

static void test_reflected_evidence_rejected(void **state)
{
    (void)state;
    /* both ends share one sim key, so only the binding can tell the client's evidence apart */
    struct side c, s;
    side_new(&c, g_a, g_trust_a);
    side_new(&s, g_a, g_trust_a);
    struct wire w = {0, 0, A_REFLECT, {0}, {0}};
    uat_buf_init(&w.saved, UAT_CHAN_MAX_EVIDENCE);
    uat_channel_cfg_set_hook(s.cfg, hook, &w);
    run_pair(&c, &s);
    assert_err(c.rc, UAT_ERR_VERIFY_BINDING);
    assert_string_equal(c.check, "channel.binding");
    uat_buf_free(&w.saved);
    side_free(&c);
    side_free(&s);
}

static void test_reflected_nonce_rejected(void **state)
{
    (void)state;
    struct wire w = {UAT_CHAN_OFFER, 1, A_SET_NONCE, {0}, {0}};
    attacked(&w, 0, UAT_ERR_VERIFY_NONCE, UAT_ERR_IO_PEER_ALERT, "channel.nonce", "channel.peer");
}

static void test_tampered_finished_rejected(void **state)
{
    (void)state;
    struct wire w = {UAT_CHAN_FINISHED, 1, A_FLIP, {0}, {0}};
    attacked(&w, 1, UAT_OK, UAT_ERR_VERIFY_BINDING, NULL, "channel.finished");
}

static void test_out_of_order_rejected(void **state)
{
    (void)state;
    struct wire w = {UAT_CHAN_FINISHED, 1, A_RETYPE, {0}, {0}};
    attacked(&w, 1, UAT_OK, UAT_ERR_PARSE_BAD_VALUE, NULL, "channel.message");
}

static void test_truncated_messages_rejected(void **state)
{
    (void)state;
    struct wire w = {UAT_CHAN_OFFER, 1, A_TRUNCATE, {0}, {0}};
    attacked(&w, 1, UAT_ERR_IO_PEER_ALERT, UAT_ERR_PARSE_TRUNCATED, "channel.peer",
             "channel.offer");
    w.type = UAT_CHAN_EVIDENCE;
    attacked(&w, 1, UAT_ERR_IO_PEER_ALERT, UAT_ERR_PARSE_TRUNCATED, "channel.peer",
             "channel.evidence");
    /* a tampered evidence signature */
    w.action = A_FLIP;
    attacked(&w, 1, UAT_ERR_IO_PEER_ALERT, UAT_ERR_VERIFY_SIGNATURE, "channel.peer", NULL);
}

static void test_truncated_stream(void **state)
{
    (void)state;
    /* the peer's bytes stop inside a message: a truncation, named */
    struct side s;
    side_new(&s, g_b, g_trust_a);
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    s.fd = sv[1];
    close(sv[0]); /* no TLS at all: the handshake fails as a network error */
    assert_err(uat_channel_accept(s.cfg, s.fd, &s.ch), UAT_ERR_IO_NETWORK);
    side_free(&s);
}


/* ---- bare mode ---- */

static void test_bare_evidence_every_truncation(void **state)
{
    (void)state;
    uint8_t key[UAT_CHAN_POINT_SIZE];
    memset(key, 7, sizeof(key));
    key[0] = 0x04;
    uat_buf b;
    uat_buf_init(&b, 4096);
    const uint8_t cmw[3] = {1, 2, 3}, proof[2] = {9, 9};
    assert_ok(uat_chan_bare_ev_build("tpm", key, uat_span_of(cmw, 3), uat_span_of(proof, 2), &b));
    uat_chan_bare_ev ev;
    assert_ok(uat_chan_bare_ev_parse(uat_buf_span(&b), &ev));
    assert_string_equal(ev.mech, "tpm");
    assert_memory_equal(ev.key, key, sizeof(key));
    assert_int_equal(ev.proof.len, 2);
    for (size_t k = 0; k < b.len; k++) { /* every prefix is refused by name */
        uat_err e = uat_chan_bare_ev_parse(uat_span_of(b.p, k), &ev);
        assert_true(e == UAT_ERR_PARSE_TRUNCATED || e == UAT_ERR_PARSE_BAD_CBOR);
    }
    b.p[7] = 0x02; /* a compressed point is not accepted */
    assert_err(uat_chan_bare_ev_parse(uat_buf_span(&b), &ev), UAT_ERR_PARSE_BAD_VALUE);
    uat_buf_free(&b);
}

static void bare_pair(struct side *c, struct side *s, struct wire *w)
{
    side_new(c, g_a, g_trust_b);
    side_new(s, g_b, g_trust_a);
    assert_ok(uat_channel_cfg_set_mode(c->cfg, UAT_CHANNEL_MODE_BARE));
    assert_ok(uat_channel_cfg_set_mode(s->cfg, UAT_CHANNEL_MODE_BARE));
    assert_ok(uat_channel_cfg_add_accept(c->cfg, "tpm"));
    assert_ok(uat_channel_cfg_add_accept(c->cfg, "sim"));
    if (w != NULL) {
        uat_channel_cfg_set_hook(c->cfg, hook, w);
    }
    run_pair(c, s);
}

static void test_bare_pair_records(void **state)
{
    (void)state;
    struct side c, s;
    struct wire w = {UAT_CHAN_RECORD, 1, 0, {0}, {0}};
    uat_buf_init(&w.saved, UAT_CHAN_MAX_RECORD);
    bare_pair(&c, &s, &w);
    assert_ok(c.rc);
    assert_ok(s.rc);
    assert_string_equal(uat_claims_tee(uat_channel_peer_claims(c.ch)), "sim");
    char buf[32];
    size_t n = 0;
    uint8_t kc[32], ks[32];
    assert_ok(uat_channel_export_key(c.ch, "EXPORTER-app", kc, sizeof(kc)));
    assert_ok(uat_channel_export_key(s.ch, "EXPORTER-app", ks, sizeof(ks)));
    assert_memory_equal(kc, ks, sizeof(kc));
    w.action = A_SAVE; /* record 0, kept by the attacker */
    assert_ok(uat_channel_write(c.ch, "one", 3));
    assert_ok(uat_channel_read(s.ch, buf, sizeof(buf), &n));
    assert_int_equal(n, 3);
    assert_memory_equal(buf, "one", 3);
    assert_ok(uat_channel_write(s.ch, "back", 4));
    assert_ok(uat_channel_read(c.ch, buf, sizeof(buf), &n));
    assert_memory_equal(buf, "back", 4);
    w.action = A_REPLACE; /* record 1 on the wire is record 0 again */
    assert_ok(uat_channel_write(c.ch, "two", 3));
    assert_err(uat_channel_read(s.ch, buf, sizeof(buf), &n), UAT_ERR_VERIFY_NONCE);
    assert_string_equal(uat_last_error()->check, "channel.record");
    assert_string_equal(uat_last_error()->field, "sequence");
    uat_buf_free(&w.saved);
    side_free(&c);
    side_free(&s);
}

static void test_bare_record_tampered_truncated_closed(void **state)
{
    (void)state;
    struct side c, s;
    struct wire w = {UAT_CHAN_RECORD, 1, A_FLIP, {0}, {0}};
    bare_pair(&c, &s, &w);
    assert_ok(c.rc);
    assert_ok(s.rc);
    char buf[32];
    size_t n = 0;
    assert_ok(uat_channel_write(c.ch, "changed-in-transit", 18));
    assert_err(uat_channel_read(s.ch, buf, sizeof(buf), &n), UAT_ERR_VERIFY_SIGNATURE);
    assert_string_equal(uat_last_error()->check, "channel.record");
    side_free(&c);
    side_free(&s);
    /* a clean close is the close record; a stream cut without it is a truncation */
    bare_pair(&c, &s, NULL);
    assert_ok(uat_channel_write(s.ch, "x", 1));
    assert_ok(uat_channel_shutdown_write(s.ch));
    assert_ok(uat_channel_read(c.ch, buf, sizeof(buf), &n));
    assert_int_equal(n, 1);
    assert_ok(uat_channel_read(c.ch, buf, sizeof(buf), &n));
    assert_int_equal(n, 0);
    assert_err(uat_channel_write(s.ch, "y", 1), UAT_ERR_USAGE_BAD_STATE);
    shutdown(c.fd, SHUT_WR); /* the client's stream ends without its close record */
    assert_err(uat_channel_read(s.ch, buf, sizeof(buf), &n), UAT_ERR_PARSE_TRUNCATED);
    assert_string_equal(uat_last_error()->check, "channel.record");
    side_free(&c);
    side_free(&s);
}

static void test_bare_evidence_attacks(void **state)
{
    (void)state;
    struct side c, s;
    /* a truncated bare evidence message */
    struct wire w = {UAT_CHAN_EVIDENCE, 1, A_TRUNCATE, {0}, {0}};
    bare_pair(&c, &s, &w);
    assert_err(s.rc, UAT_ERR_PARSE_TRUNCATED);
    assert_string_equal(s.check, "channel.evidence");
    assert_err(c.rc, UAT_ERR_IO_PEER_ALERT);
    side_free(&c);
    side_free(&s);
    /* the client's offer changed in transit (downgrade): the binding breaks */
    w.type = UAT_CHAN_OFFER;
    w.action = A_STRIP_VERIFY;
    bare_pair(&c, &s, &w);
    assert_err(s.rc, UAT_ERR_VERIFY_BINDING);
    assert_string_equal(s.check, "channel.binding");
    side_free(&c);
    side_free(&s);
}

/* ---- setup ---- */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int setup(void **state)
{
    (void)state;
    signal(SIGPIPE, SIG_IGN);
    snprintf(g_dir, sizeof(g_dir), "/tmp/uat-channel-XXXXXX");
    if (mkdtemp(g_dir) == NULL) {
        return -1;
    }
    snprintf(g_a, sizeof(g_a), "%s/a", g_dir);
    snprintf(g_b, sizeof(g_b), "%s/b", g_dir);
    snprintf(g_trust_a, sizeof(g_trust_a), "%s/trust", g_a);
    snprintf(g_trust_b, sizeof(g_trust_b), "%s/trust", g_b);
    const char *dirs[2] = {g_a, g_b};
    for (int i = 0; i < 2; i++) { /* collecting once creates each sim key and trust anchor */
        uat_attester *a = NULL;
        uat_cmw *c = NULL;
        uint8_t rd[64] = {0};
        if (uat_attester_new("sim", NULL, &a) != UAT_OK ||
            uat_attester_set_option(a, "state-dir", dirs[i]) != UAT_OK ||
            uat_attester_collect(a, rd, &c) != UAT_OK) {
            return -1;
        }
        uat_cmw_free(c);
        uat_attester_free(a);
    }
    return 0;
}

/* ---- a live stream cut at every byte offset of the handshake ---- */

/* Forwards bytes both ways between a client end (a) and a server end (b) until limit bytes have
 * passed in all, then cuts both connections. */
struct cutter {
    int a, b;
    size_t limit;
    size_t count; /* atomic: read by the test thread */
};

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k <= 0) {
            return -1;
        }
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

static void *cut_main(void *p)
{
    struct cutter *x = p;
    struct pollfd f[2] = {{x->a, POLLIN, 0}, {x->b, POLLIN, 0}};
    uint8_t buf[4096];
    int done = 0;
    while (!done && __atomic_load_n(&x->count, __ATOMIC_SEQ_CST) < x->limit) {
        if (poll(f, 2, -1) < 0) {
            break;
        }
        for (int i = 0; i < 2 && !done; i++) {
            if ((f[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) {
                continue;
            }
            size_t room = x->limit - __atomic_load_n(&x->count, __ATOMIC_SEQ_CST);
            ssize_t k = read(f[i].fd, buf, room < sizeof(buf) ? room : sizeof(buf));
            if (k <= 0 || write_all(f[1 - i].fd, buf, (size_t)k) != 0) {
                done = 1;
                break;
            }
            __atomic_add_fetch(&x->count, (size_t)k, __ATOMIC_SEQ_CST);
            done = __atomic_load_n(&x->count, __ATOMIC_SEQ_CST) >= x->limit;
        }
    }
    shutdown(x->a, SHUT_RDWR); /* the cut: both ends see the stream end here */
    shutdown(x->b, SHUT_RDWR);
    return NULL;
}

/* One run of c against s through a cutter at limit; returns the bytes forwarded by the time
 * both handshakes returned. The channels are left open for the caller to inspect. */
static size_t run_cut(struct side *c, struct side *s, size_t limit, struct cutter *x,
                      pthread_t *tp)
{
    int cs[2], ss[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, cs), 0);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, ss), 0);
    c->fd = cs[0];
    s->fd = ss[0];
    x->a = cs[1];
    x->b = ss[1];
    x->limit = limit;
    x->count = 0;
    assert_int_equal(pthread_create(tp, NULL, cut_main, x), 0);
    pthread_t ts;
    assert_int_equal(pthread_create(&ts, NULL, server_main, s), 0);
    c->rc = uat_channel_connect(c->cfg, c->fd, &c->ch);
    side_done(c);
    assert_int_equal(pthread_join(ts, NULL), 0);
    return __atomic_load_n(&x->count, __ATOMIC_SEQ_CST);
}

static void end_run(struct side *c, struct side *s, struct cutter *x, pthread_t tp)
{
    struct side *both[2] = {c, s};
    for (int i = 0; i < 2; i++) {
        uat_channel_close(both[i]->ch);
        both[i]->ch = NULL;
        if (both[i]->fd >= 0) {
            close(both[i]->fd);
            both[i]->fd = -1;
        }
    }
    assert_int_equal(pthread_join(tp, NULL), 0);
    close(x->a);
    close(x->b);
}

/* A side that failed names its error and check and holds no channel; a side whose part was
 * complete when the cut came (its peer's last message had passed) releases no data either. */
static void expect_cut(struct side *sd, const char *who, size_t at)
{
    if (sd->rc == UAT_OK) {
        char buf[16];
        size_t n = 0;
        uat_err e = uat_channel_read(sd->ch, buf, sizeof(buf), &n);
        if (e == UAT_OK && n != 0) {
            fail_msg("offset %zu: the %s read %zu bytes of application data", at, who, n);
        }
        return;
    }
    if (sd->ch != NULL || sd->check[0] == '\0' || strcmp(uat_err_name(sd->rc), "?") == 0) {
        fail_msg("offset %zu: the %s ended with %s (check '%s')", at, who,
                 uat_err_name(sd->rc), sd->check);
    }
}

static void every_cut(int mode)
{
    struct side c, s;
    side_new(&c, g_a, g_trust_b);
    side_new(&s, g_b, g_trust_a);
    assert_ok(uat_channel_cfg_set_mode(c.cfg, mode));
    assert_ok(uat_channel_cfg_set_mode(s.cfg, mode));
    struct cutter x;
    pthread_t tp;
    /* the whole handshake, uncut: its length */
    size_t total = run_cut(&c, &s, SIZE_MAX, &x, &tp);
    assert_ok(c.rc);
    assert_ok(s.rc);
    end_run(&c, &s, &x, tp);
    assert_true(total > 100);
    size_t client_ok = 0, server_ok = 0, shorter = 0;
    for (size_t at = 0; at < total; at++) {
        (void)run_cut(&c, &s, at, &x, &tp);
        if (c.rc == UAT_OK && s.rc == UAT_OK) {
            /* this run's handshake was shorter than the measured one and fit before the cut:
             * DER signatures (TLS CertificateVerify, evidence) vary by a few bytes per run */
            if (at + 16 < total) {
                fail_msg("offset %zu of %zu: both sides completed a cut handshake", at, total);
            }
            shorter++;
            end_run(&c, &s, &x, tp);
            continue;
        }
        expect_cut(&s, "server", at);
        expect_cut(&c, "client", at);
        client_ok += c.rc == UAT_OK;
        server_ok += s.rc == UAT_OK;
        end_run(&c, &s, &x, tp);
    }
    print_message("%s mode: %zu handshake bytes, every cut refused by name (one side's part was "
                  "complete at %zu (client) / %zu (server) of them, and released no data; %zu "
                  "runs near the end were shorter and completed before their cut)\n",
                  mode == UAT_CHANNEL_MODE_BARE ? "bare" : "TLS", total, client_ok, server_ok,
                  shorter);
    side_free(&c);
    side_free(&s);
}

static void test_every_cut_tls(void **state)
{
    (void)state;
    every_cut(UAT_CHANNEL_MODE_TLS);
}

static void test_every_cut_bare(void **state)
{
    (void)state;
    every_cut(UAT_CHANNEL_MODE_BARE);
}

static int teardown(void **state)
{
    (void)state;
    nftw(g_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_offer_negative),
        cmocka_unit_test(test_offer_roundtrip_and_truncation),
        cmocka_unit_test(test_other_messages),
        cmocka_unit_test(test_selection_rule),
        cmocka_unit_test(test_no_common_mechanism),
        cmocka_unit_test(test_untrusted_peer),
        cmocka_unit_test(test_policy_rejects),
        cmocka_unit_test(test_downgrade_detected),
        cmocka_unit_test(test_replayed_evidence_rejected),
        cmocka_unit_test(test_reflected_evidence_rejected),
        cmocka_unit_test(test_reflected_nonce_rejected),
        cmocka_unit_test(test_tampered_finished_rejected),
        cmocka_unit_test(test_out_of_order_rejected),
        cmocka_unit_test(test_truncated_messages_rejected),
        cmocka_unit_test(test_truncated_stream),
        cmocka_unit_test(test_sim_pair_success),
        cmocka_unit_test(test_bare_evidence_every_truncation),
        cmocka_unit_test(test_bare_pair_records),
        cmocka_unit_test(test_bare_record_tampered_truncated_closed),
        cmocka_unit_test(test_bare_evidence_attacks),
        cmocka_unit_test(test_every_cut_tls),
        cmocka_unit_test(test_every_cut_bare),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
