/* The channel's messages: strict CBOR on the bounded reader, every field charged to its message
 * and every message consumed exactly. Pure: no I/O, no crypto. Formats: docs/channel.md. */
#include <string.h>

#include "channel/channel_int.h"

#define CHECK_OFFER "channel.offer"
#define CHECK_EVIDENCE "channel.evidence"
#define CHECK_FINISHED "channel.finished"
#define CHECK_ALERT "channel.alert"

int uat_chan_mech_valid(const char *name, size_t len)
{
    if (len == 0 || len > UAT_CHANNEL_MAX_MECHANISM_LEN) {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
            return 0;
        }
    }
    return 1;
}

/* [* tstr]: at most UAT_CHANNEL_MAX_MECHANISMS well-formed names, none twice. */
static uat_err parse_list(uat_reader *r, const char *field, uat_chan_mech *names, size_t *n)
{
    int64_t at = uat_rd_pos(r);
    uint64_t count = 0;
    UAT_TRY(uat_cbor_expect(r, UAT_CBOR_ARRAY, field, &count));
    UAT_ENSURE(count <= UAT_CHANNEL_MAX_MECHANISMS, UAT_ERR_PARSE_BAD_LENGTH, r->check, field, at);
    for (size_t i = 0; i < (size_t)count; i++) {
        uat_span s;
        at = uat_rd_pos(r);
        UAT_TRY(uat_cbor_string(r, UAT_CBOR_TSTR, UAT_CHANNEL_MAX_MECHANISM_LEN, field, &s));
        UAT_ENSURE(uat_chan_mech_valid((const char *)s.p, s.len), UAT_ERR_PARSE_BAD_VALUE,
                   r->check, field, at);
        memcpy(names[i], s.p, s.len);
        names[i][s.len] = '\0';
        for (size_t k = 0; k < i; k++) {
            if (strcmp(names[k], names[i]) == 0) {
                return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, r->check, field, at,
                                 "mechanism '%s' is listed twice", names[i]);
            }
        }
    }
    *n = (size_t)count;
    return UAT_OK;
}

uat_err uat_chan_offer_parse(uat_span body, uat_chan_offer *out)
{
    UAT_ENSURE(out != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK_OFFER, "", -1);
    uat_reader r;
    uat_rd_init(&r, body, CHECK_OFFER);
    UAT_ENSURE(body.len <= UAT_CHAN_MAX_OFFER, UAT_ERR_RESOURCE_LIMIT, CHECK_OFFER, "", 0);
    uat_chan_offer o;
    memset(&o, 0, sizeof(o));
    uint64_t n = 0;
    UAT_TRY(uat_cbor_expect(&r, UAT_CBOR_ARRAY, "offer", &n));
    UAT_ENSURE(n == 4, UAT_ERR_PARSE_BAD_CBOR, CHECK_OFFER, "offer", 0);
    int64_t at = uat_rd_pos(&r);
    UAT_TRY(uat_cbor_expect(&r, UAT_CBOR_UINT, "version", &o.version));
    if (o.version != UAT_CHANNEL_VERSION) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VERSION, CHECK_OFFER, "version", at,
                         "protocol version %llu; this endpoint speaks %u",
                         (unsigned long long)o.version, UAT_CHANNEL_VERSION);
    }
    UAT_TRY(parse_list(&r, "attest", o.attest, &o.nattest));
    UAT_TRY(parse_list(&r, "verify", o.verify, &o.nverify));
    uat_span nonce;
    at = uat_rd_pos(&r);
    UAT_TRY(uat_cbor_string(&r, UAT_CBOR_BSTR, 2 * UAT_CHANNEL_NONCE_SIZE, "nonce", &nonce));
    UAT_ENSURE(nonce.len == UAT_CHANNEL_NONCE_SIZE, UAT_ERR_PARSE_BAD_LENGTH, CHECK_OFFER, "nonce",
               at);
    memcpy(o.nonce, nonce.p, nonce.len);
    UAT_TRY(uat_rd_end(&r));
    *out = o;
    return UAT_OK;
}

static uat_err put_list(uat_buf *b, const uat_chan_mech *names, size_t n)
{
    UAT_ENSURE(n <= UAT_CHANNEL_MAX_MECHANISMS, UAT_ERR_RESOURCE_LIMIT, CHECK_OFFER, "", -1);
    UAT_TRY(uat_cbor_put_head(b, UAT_CBOR_ARRAY, n));
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(names[i]);
        UAT_ENSURE(uat_chan_mech_valid(names[i], len), UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK_OFFER,
                   "mechanism", -1);
        UAT_TRY(uat_cbor_put_string(b, UAT_CBOR_TSTR, names[i], len));
    }
    return UAT_OK;
}

uat_err uat_chan_offer_build(const uat_chan_offer *o, uat_buf *out)
{
    UAT_ENSURE(o != NULL && out != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK_OFFER, "", -1);
    UAT_TRY(uat_cbor_put_head(out, UAT_CBOR_ARRAY, 4));
    UAT_TRY(uat_cbor_put_head(out, UAT_CBOR_UINT, o->version));
    UAT_TRY(put_list(out, o->attest, o->nattest));
    UAT_TRY(put_list(out, o->verify, o->nverify));
    return uat_cbor_put_string(out, UAT_CBOR_BSTR, o->nonce, sizeof(o->nonce));
}

static int listed(const uat_chan_mech *names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(names[i], name) == 0) {
            return 1;
        }
    }
    return 0;
}

const char *uat_chan_select(const uat_chan_offer *attesting, const uat_chan_offer *verifying)
{
    for (size_t i = 0; i < attesting->nattest; i++) {
        if (listed(verifying->verify, verifying->nverify, attesting->attest[i])) {
            return attesting->attest[i];
        }
    }
    return NULL;
}

uat_err uat_chan_evidence_parse(uat_span body, uat_chan_mech mech, uat_span *cmw,
                                uat_span *proof)
{
    uat_reader r;
    uat_rd_init(&r, body, CHECK_EVIDENCE);
    uint64_t n = 0;
    UAT_TRY(uat_cbor_expect(&r, UAT_CBOR_ARRAY, "evidence", &n));
    UAT_ENSURE(n == 2 || n == 3, UAT_ERR_PARSE_BAD_CBOR, CHECK_EVIDENCE, "evidence", 0);
    uat_span m, ev;
    int64_t at = uat_rd_pos(&r);
    UAT_TRY(uat_cbor_string(&r, UAT_CBOR_TSTR, UAT_CHANNEL_MAX_MECHANISM_LEN, "mechanism", &m));
    UAT_ENSURE(uat_chan_mech_valid((const char *)m.p, m.len), UAT_ERR_PARSE_BAD_VALUE,
               CHECK_EVIDENCE, "mechanism", at);
    at = uat_rd_pos(&r);
    UAT_TRY(uat_cbor_string(&r, UAT_CBOR_BSTR, UAT_MAX_EVIDENCE_BYTES + 4096u, "cmw", &ev));
    UAT_ENSURE(ev.len > 0, UAT_ERR_PARSE_BAD_LENGTH, CHECK_EVIDENCE, "cmw", at);
    uat_span pr = {NULL, 0};
    if (n == 3) { /* the TLS key's proof: present only when there is one (one encoding) */
        at = uat_rd_pos(&r);
        UAT_TRY(uat_cbor_string(&r, UAT_CBOR_BSTR, UAT_MAX_EVIDENCE_BYTES, "proof", &pr));
        UAT_ENSURE(pr.len > 0, UAT_ERR_PARSE_BAD_LENGTH, CHECK_EVIDENCE, "proof", at);
    }
    UAT_TRY(uat_rd_end(&r));
    memcpy(mech, m.p, m.len);
    mech[m.len] = '\0';
    *cmw = ev;
    *proof = pr;
    return UAT_OK;
}

uat_err uat_chan_evidence_build(const char *mech, uat_span cmw, uat_span proof, uat_buf *out)
{
    UAT_ENSURE(mech != NULL && uat_chan_mech_valid(mech, strlen(mech)) && cmw.len > 0,
               UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK_EVIDENCE, "", -1);
    UAT_TRY(uat_cbor_put_head(out, UAT_CBOR_ARRAY, proof.len > 0 ? 3 : 2));
    UAT_TRY(uat_cbor_put_string(out, UAT_CBOR_TSTR, mech, strlen(mech)));
    UAT_TRY(uat_cbor_put_string(out, UAT_CBOR_BSTR, cmw.p, cmw.len));
    return proof.len > 0 ? uat_cbor_put_string(out, UAT_CBOR_BSTR, proof.p, proof.len) : UAT_OK;
}

uat_err uat_chan_finished_parse(uat_span body, uint8_t mac[UAT_CHAN_HASH_SIZE])
{
    uat_reader r;
    uat_rd_init(&r, body, CHECK_FINISHED);
    uat_span s;
    UAT_TRY(uat_cbor_string(&r, UAT_CBOR_BSTR, UAT_CHAN_HASH_SIZE, "verify_data", &s));
    UAT_ENSURE(s.len == UAT_CHAN_HASH_SIZE, UAT_ERR_PARSE_BAD_LENGTH, CHECK_FINISHED,
               "verify_data", 0);
    UAT_TRY(uat_rd_end(&r));
    memcpy(mac, s.p, s.len);
    return UAT_OK;
}

uat_err uat_chan_finished_build(const uint8_t mac[UAT_CHAN_HASH_SIZE], uat_buf *out)
{
    return uat_cbor_put_string(out, UAT_CBOR_BSTR, mac, UAT_CHAN_HASH_SIZE);
}

static int known_error(uint64_t code)
{
    if (code == 0 || code > 0xffffu) {
        return 0;
    }
    uat_err e = (uat_err)code;
    return uat_err_from_name(uat_err_name(e)) == e;
}

uat_err uat_chan_alert_parse(uat_span body, uat_err *err, char check[UAT_CHAN_MAX_CHECK_LEN + 1])
{
    uat_reader r;
    uat_rd_init(&r, body, CHECK_ALERT);
    uint64_t n = 0, code = 0;
    UAT_TRY(uat_cbor_expect(&r, UAT_CBOR_ARRAY, "alert", &n));
    UAT_ENSURE(n == 2, UAT_ERR_PARSE_BAD_CBOR, CHECK_ALERT, "alert", 0);
    int64_t at = uat_rd_pos(&r);
    UAT_TRY(uat_cbor_expect(&r, UAT_CBOR_UINT, "error", &code));
    UAT_ENSURE(known_error(code), UAT_ERR_PARSE_BAD_VALUE, CHECK_ALERT, "error", at);
    uat_span s;
    at = uat_rd_pos(&r);
    UAT_TRY(uat_cbor_string(&r, UAT_CBOR_TSTR, UAT_CHAN_MAX_CHECK_LEN, "check", &s));
    for (size_t i = 0; i < s.len; i++) {
        UAT_ENSURE(s.p[i] >= 0x20 && s.p[i] < 0x7f, UAT_ERR_PARSE_BAD_VALUE, CHECK_ALERT, "check",
                   at);
    }
    UAT_TRY(uat_rd_end(&r));
    *err = (uat_err)code;
    memcpy(check, s.p, s.len);
    check[s.len] = '\0';
    return UAT_OK;
}

uat_err uat_chan_alert_build(uat_err err, const char *check, uat_buf *out)
{
    char c[UAT_CHAN_MAX_CHECK_LEN + 1];
    size_t n = 0;
    /* only printable ASCII of the check travels, cut to the limit */
    for (size_t i = 0; check != NULL && check[i] != '\0' && n < UAT_CHAN_MAX_CHECK_LEN; i++) {
        c[n++] = check[i] >= 0x20 && check[i] < 0x7f ? check[i] : '?';
    }
    UAT_ENSURE(known_error((uint64_t)err), UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK_ALERT, "error",
               -1);
    UAT_TRY(uat_cbor_put_head(out, UAT_CBOR_ARRAY, 2));
    UAT_TRY(uat_cbor_put_head(out, UAT_CBOR_UINT, (uint64_t)err));
    return uat_cbor_put_string(out, UAT_CBOR_TSTR, c, n);
}

uat_err uat_chan_bare_ev_parse(uat_span body, uat_chan_bare_ev *out)
{
    UAT_ENSURE(out != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK_EVIDENCE, "", -1);
    uat_reader r;
    uat_rd_init(&r, body, CHECK_EVIDENCE);
    uint64_t n = 0;
    UAT_TRY(uat_cbor_expect(&r, UAT_CBOR_ARRAY, "evidence", &n));
    UAT_ENSURE(n == 4, UAT_ERR_PARSE_BAD_CBOR, CHECK_EVIDENCE, "evidence", 0);
    uat_span m, key, ev, proof;
    int64_t at = uat_rd_pos(&r);
    UAT_TRY(uat_cbor_string(&r, UAT_CBOR_TSTR, UAT_CHANNEL_MAX_MECHANISM_LEN, "mechanism", &m));
    UAT_ENSURE(uat_chan_mech_valid((const char *)m.p, m.len), UAT_ERR_PARSE_BAD_VALUE,
               CHECK_EVIDENCE, "mechanism", at);
    at = uat_rd_pos(&r);
    UAT_TRY(uat_cbor_string(&r, UAT_CBOR_BSTR, UAT_CHAN_POINT_SIZE, "key", &key));
    /* spec: SEC 1 v2 §2.3.3: an uncompressed point is 0x04 || x || y */
    UAT_ENSURE(key.len == UAT_CHAN_POINT_SIZE && key.p[0] == 0x04, UAT_ERR_PARSE_BAD_VALUE,
               CHECK_EVIDENCE, "key", at);
    at = uat_rd_pos(&r);
    UAT_TRY(uat_cbor_string(&r, UAT_CBOR_BSTR, UAT_MAX_EVIDENCE_BYTES + 4096u, "cmw", &ev));
    UAT_ENSURE(ev.len > 0, UAT_ERR_PARSE_BAD_LENGTH, CHECK_EVIDENCE, "cmw", at);
    UAT_TRY(uat_cbor_string(&r, UAT_CBOR_BSTR, UAT_MAX_EVIDENCE_BYTES, "proof", &proof));
    UAT_TRY(uat_rd_end(&r));
    memcpy(out->mech, m.p, m.len);
    out->mech[m.len] = '\0';
    memcpy(out->key, key.p, key.len);
    out->cmw = ev;
    out->proof = proof;
    return UAT_OK;
}

uat_err uat_chan_bare_ev_build(const char *mech, const uint8_t key[UAT_CHAN_POINT_SIZE],
                               uat_span cmw, uat_span proof, uat_buf *out)
{
    UAT_ENSURE(mech != NULL && uat_chan_mech_valid(mech, strlen(mech)) && key != NULL &&
                   cmw.len > 0,
               UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK_EVIDENCE, "", -1);
    UAT_TRY(uat_cbor_put_head(out, UAT_CBOR_ARRAY, 4));
    UAT_TRY(uat_cbor_put_string(out, UAT_CBOR_TSTR, mech, strlen(mech)));
    UAT_TRY(uat_cbor_put_string(out, UAT_CBOR_BSTR, key, UAT_CHAN_POINT_SIZE));
    UAT_TRY(uat_cbor_put_string(out, UAT_CBOR_BSTR, cmw.p, cmw.len));
    return uat_cbor_put_string(out, UAT_CBOR_BSTR, proof.p, proof.len);
}
