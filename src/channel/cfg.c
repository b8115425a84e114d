/* An endpoint's channel configuration: its TLS key and self-signed certificate, its attesters
 * (what it attests with), the mechanisms it accepts and how it verifies and appraises the peer. */
#include <stdlib.h>
#include <string.h>

#include "channel/channel_cfg.h"
#include "evidence/registry.h"

#define CHECK "channel.cfg"

/* A fresh P-256 key and a self-signed certificate for it: in this protocol the peer's evidence,
 * which binds the hash of this key, is what vouches for the key, not an issuer. */
static uat_err make_identity(uat_channel_cfg *c)
{
    uat_key *k = NULL;
    uat_buf spki;
    uat_buf_init(&spki, 4096);
    uat_err rc;
    UAT_TRY_GOTO(rc, uat_key_generate(UAT_KEY_EC_P256, &k), out);
    uat_time now = uat_time_now();
    UAT_TRY_GOTO(rc, uat_x509_self_signed(k, "uattest-channel", now - 60, now + 86400 * 365, NULL,
                                          0, &c->cert),
                 out);
    UAT_TRY_GOTO(rc, uat_key_private_pem(k, &c->key_pem), out);
    UAT_TRY_GOTO(rc, uat_key_spki_der(k, &spki), out);
    uat_span s = uat_buf_span(&spki);
    UAT_TRY_GOTO(rc, uat_hash(UAT_HASH_SHA256, &s, 1, c->spki_hash), out);
out:
    uat_buf_free(&spki);
    uat_key_free(k);
    return rc;
}

/* The TLS key made inside the TEE of attester a (registry.h kx_*, UAT_KX_SIGN), used through the
 * TEE's OpenSSL provider, its self-signed certificate, and TLS contexts that sign with it; on
 * success they replace the software identity. docs/channel.md "TPM-resident TLS key". */
static uat_err tee_identity(uat_channel_cfg *c, uat_attester *a)
{
    void *kx = NULL;
    uint8_t pub[UAT_KX_POINT_LEN], x[32], y[32];
    uat_key *k = NULL, *check = NULL;
    uat_tls_ctx *srv = NULL, *cli = NULL;
    uat_buf cert, spki;
    uat_buf_init(&cert, 16384);
    uat_buf_init(&spki, 4096);
    uint8_t hash[UAT_CHAN_HASH_SIZE];
    size_t len = 0;
    uat_err rc;
    UAT_TRY_GOTO(rc, uat_attester_kx_create(a, UAT_KX_SIGN, &kx, pub), out);
    UAT_TRY_GOTO(rc, uat_attester_kx_signing_key(a, kx, &k), out);
    uat_time now = uat_time_now();
    UAT_TRY_GOTO(rc, uat_x509_self_signed(k, "uattest-channel", now - 60, now + 86400 * 365, NULL,
                                          0, &cert),
                 out);
    /* the certificate carries the key the TEE made (the point its proof will name) */
    UAT_TRY_GOTO(rc, uat_x509_public_key(uat_buf_span(&cert), &check), out);
    UAT_TRY_GOTO(rc, uat_key_ec_point(check, x, y, sizeof(x), &len), out);
    UAT_ENSURE_GOTO(rc, len == 32 && memcmp(x, pub + 1, 32) == 0 && memcmp(y, pub + 33, 32) == 0,
                    UAT_ERR_CRYPTO_BAD_KEY, CHECK, "tls_key", -1, out);
    UAT_TRY_GOTO(rc, uat_key_spki_der(check, &spki), out);
    uat_span s = uat_buf_span(&spki);
    UAT_TRY_GOTO(rc, uat_hash(UAT_HASH_SHA256, &s, 1, hash), out);
    UAT_TRY_GOTO(rc, uat_tls_ctx_new_key(1, uat_buf_span(&cert), k, uat_chan_record_peer_key, NULL,
                                         1, &srv),
                 out);
    UAT_TRY_GOTO(rc, uat_tls_ctx_new_key(0, uat_buf_span(&cert), k, uat_chan_record_peer_key, NULL,
                                         1, &cli),
                 out);
    uat_tls_ctx_free(c->server);
    uat_tls_ctx_free(c->client);
    c->server = srv;
    c->client = cli;
    srv = cli = NULL;
    uat_buf_free(&c->key_pem); /* the software key is gone (wiped) */
    uat_buf_free(&c->cert);
    c->cert = cert;
    uat_buf_init(&cert, 16384);
    memcpy(c->spki_hash, hash, sizeof(hash));
    c->tls_att = a;
    c->tls_kx = kx;
    c->tls_key = k;
    kx = NULL;
    k = NULL;
out:
    uat_tls_ctx_free(srv);
    uat_tls_ctx_free(cli);
    uat_key_free(check);
    uat_key_free(k); /* before the TEE's handle */
    if (kx != NULL) {
        uat_attester_kx_free(a, kx);
    }
    uat_buf_free(&cert);
    uat_buf_free(&spki);
    return rc;
}

uat_err uat_channel_cfg_new(uat_channel_cfg **out)
{
    UAT_ENSURE(out != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "", -1);
    uat_channel_cfg *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return UAT_NOMEM(CHECK);
    }
    uat_buf_init(&c->cert, 16384);
    uat_buf_init(&c->key_pem, 16384);
    uat_err rc = make_identity(c);
    uat_span cert = uat_buf_span(&c->cert), key = uat_buf_span(&c->key_pem);
    /* both sides must show a certificate: its key is what each side's evidence binds */
    if (rc == UAT_OK) {
        rc = uat_tls_ctx_new(1, cert, key, uat_chan_record_peer_key, NULL, 1, &c->server);
    }
    if (rc == UAT_OK) {
        rc = uat_tls_ctx_new(0, cert, key, uat_chan_record_peer_key, NULL, 1, &c->client);
    }
    if (rc != UAT_OK) {
        uat_channel_cfg_free(c);
        return rc;
    }
    *out = c;
    return UAT_OK;
}

void uat_channel_cfg_free(uat_channel_cfg *c)
{
    if (c != NULL) {
        uat_tls_ctx_free(c->server);
        uat_tls_ctx_free(c->client);
        uat_key_free(c->tls_key); /* unloads the TEE's provider, before the TEE's handle */
        if (c->tls_kx != NULL) {
            uat_attester_kx_free(c->tls_att, c->tls_kx);
        }
        uat_buf_free(&c->cert);
        uat_buf_free(&c->key_pem); /* wiped */
        free(c);
    }
}

uat_err uat_channel_cfg_add_attester(uat_channel_cfg *c, uat_attester *a)
{
    UAT_ENSURE(c != NULL && a != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "attester", -1);
    const char *tee = uat_attester_tee(a);
    UAT_ENSURE(tee != NULL && uat_chan_mech_valid(tee, strlen(tee)),
               UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "attester", -1);
    UAT_ENSURE(c->nattesters < UAT_CHANNEL_MAX_MECHANISMS, UAT_ERR_RESOURCE_LIMIT, CHECK,
               "attester", -1);
    for (size_t i = 0; i < c->nattesters; i++) {
        if (strcmp(uat_attester_tee(c->attesters[i]), tee) == 0) {
            return UAT_FAILF(UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "attester", -1,
                             "an attester for '%s' is already configured", tee);
        }
    }
    if (c->mode == UAT_CHANNEL_MODE_TLS && c->tls_att == NULL && uat_attester_has_kx_sign(a)) {
        UAT_TRY(tee_identity(c, a));
    }
    c->attesters[c->nattesters++] = a;
    return UAT_OK;
}

uat_err uat_channel_cfg_add_accept(uat_channel_cfg *c, const char *tee)
{
    UAT_ENSURE(c != NULL && tee != NULL && uat_chan_mech_valid(tee, strlen(tee)),
               UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "accept", -1);
    UAT_ENSURE(c->naccept < UAT_CHANNEL_MAX_MECHANISMS, UAT_ERR_RESOURCE_LIMIT, CHECK, "accept",
               -1);
    for (size_t i = 0; i < c->naccept; i++) {
        UAT_ENSURE(strcmp(c->accept[i], tee) != 0, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK,
                   "accept", -1);
    }
    /* a name this build cannot verify would be an offer it cannot keep */
    int known = 0;
    for (size_t i = 0; uat_tee_name(i) != NULL; i++) {
        known |= strcmp(uat_tee_name(i), tee) == 0;
    }
    if (!known) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_TEE, CHECK, "accept", -1,
                         "'%s' is not a TEE this build verifies", tee);
    }
    strcpy(c->accept[c->naccept++], tee);
    return UAT_OK;
}

void uat_channel_cfg_set_verifier(uat_channel_cfg *c, uat_verifier *v)
{
    if (c != NULL) {
        c->verifier = v;
    }
}

void uat_channel_cfg_set_appraisal(uat_channel_cfg *c, const uat_refvals *refvals,
                                   const uat_policy *policy)
{
    if (c != NULL) {
        c->refvals = refvals;
        c->policy = policy;
    }
}

void uat_channel_cfg_set_hook(uat_channel_cfg *c, uat_chan_hook fn, void *user)
{
    if (c != NULL) {
        c->hook = fn;
        c->hook_user = user;
    }
}

uat_err uat_chan_own_offer(const uat_channel_cfg *c, uat_chan_offer *o)
{
    memset(o, 0, sizeof(*o));
    o->version = UAT_CHANNEL_VERSION;
    for (size_t i = 0; i < c->nattesters; i++) {
        strcpy(o->attest[o->nattest++], uat_attester_tee(c->attesters[i]));
    }
    if (c->naccept > 0) {
        memcpy(o->verify, c->accept, sizeof(c->accept));
        o->nverify = c->naccept;
    } else {
        for (size_t i = 0; uat_tee_name(i) != NULL && o->nverify < UAT_CHANNEL_MAX_MECHANISMS;
             i++) {
            if (uat_chan_mech_valid(uat_tee_name(i), strlen(uat_tee_name(i)))) {
                strcpy(o->verify[o->nverify++], uat_tee_name(i));
            }
        }
    }
    return uat_random(o->nonce, sizeof(o->nonce));
}

uat_attester *uat_chan_attester(const uat_channel_cfg *c, const char *mech)
{
    for (size_t i = 0; i < c->nattesters; i++) {
        if (strcmp(uat_attester_tee(c->attesters[i]), mech) == 0) {
            return c->attesters[i];
        }
    }
    return NULL;
}

uat_err uat_channel_cfg_set_mode(uat_channel_cfg *c, int mode)
{
    UAT_ENSURE(c != NULL && (mode == UAT_CHANNEL_MODE_TLS || mode == UAT_CHANNEL_MODE_BARE),
               UAT_ERR_USAGE_INVALID_ARGUMENT, "channel.mode", "mode", -1);
    c->mode = mode;
    return UAT_OK;
}
