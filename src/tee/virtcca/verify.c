/* virtCCA verification: the device certificate to the configured Huawei roots, the CVM token's
 * signature by its RAK, the RAK's tie to the device (the platform token's challenge, or the device
 * certificate's own key), then the CCEL and IMA logs against the REMs, then the claims.
 *
 * Trust anchors (<trust>/virtcca/, or <trust> itself): the Huawei certificates the device chains
 * end at (DER or PEM): Huawei Equipment Root CA and Huawei IT Product CA (RSA, devices without a
 * platform token), Huawei ECC Attestation Root CA 1 and Huawei Computing ECC CCA CA 1 (P-521,
 * devices with one). Every configured certificate is trusted. */
#include <stdlib.h>
#include <string.h>

#include "collateral/trust.h"
#include "tee/virtcca/virtcca.h"

#define CHECK "virtcca.verify"
#define CHECK_CHAIN "virtcca.chain"
#define CHECK_BIND "virtcca.binding"

typedef struct virtcca_anchors {
    uat_der_list certs;
} virtcca_anchors;

void uat_virtcca_cache_free(void *cache)
{
    virtcca_anchors *a = cache;
    if (a != NULL) {
        uat_der_list_free(&a->certs);
        free(a);
    }
}

static uat_err anchors_get(const uat_verify_ctx *ctx, virtcca_anchors **out)
{
    if (ctx->cache != NULL && *ctx->cache != NULL) {
        *out = *ctx->cache;
        return UAT_OK;
    }
    virtcca_anchors *a = calloc(1, sizeof(*a));
    if (a == NULL) {
        return UAT_NOMEM(CHECK);
    }
    uat_err rc = uat_trust_load_certs(ctx->trust_dir, "virtcca", &a->certs);
    if (rc != UAT_OK) {
        uat_virtcca_cache_free(a);
        return rc;
    }
    if (ctx->cache != NULL) {
        *ctx->cache = a;
    }
    *out = a;
    return UAT_OK;
}

/* The device certificate (first of dev_cert) to a configured anchor, any further PEM blocks of
 * dev_cert as untrusted intermediates. */
static uat_err device_chain(const uat_virtcca_evidence *e, const virtcca_anchors *a, uat_time at,
                            uat_cert **leaf)
{
    uat_der_list inter = {NULL, 0, 0};
    uat_err rc = UAT_OK;
    for (size_t i = 1; rc == UAT_OK && i < e->certs.n; i++) {
        rc = uat_der_list_add(&inter, uat_buf_span(&e->certs.items[i]));
    }
    uat_chain_args args = {uat_buf_span(&e->certs.items[0]), &inter, &a->certs, NULL, 0, at,
                           CHECK_CHAIN};
    if (rc == UAT_OK) {
        rc = uat_x509_verify_chain(&args);
    }
    uat_der_list_free(&inter);
    return rc == UAT_OK ? uat_cert_parse(uat_buf_span(&e->certs.items[0]), leaf) : rc;
}

static uat_err spki_of(const uat_key *k, uat_buf *out)
{
    uat_buf_init(out, 4096);
    return uat_key_spki_der(k, out);
}

/* [sdk] verify_cvm_pubkey: the RAK is the device certificate's key (EVP_PKEY_cmp); compared as
 * re-encoded SubjectPublicKeyInfo so a raw P-521 RAK matches its certificate too. */
static uat_err rak_is_device_key(const uat_key *rak, const uat_cert *dev, int *same)
{
    uat_buf a, b;
    uat_err rc = spki_of(rak, &a);
    uat_err rc2 = spki_of(uat_cert_key(dev), &b);
    rc = rc != UAT_OK ? rc : rc2;
    *same = rc == UAT_OK && a.len == b.len && memcmp(a.p, b.p, a.len) == 0;
    uat_buf_free(&a);
    uat_buf_free(&b);
    return rc;
}

typedef struct vstate {
    uat_cca_token t;
    uat_key *rak;
    uat_cert *dev;
    const char *binding; /* how the RAK is tied to the device */
} vstate;

/* The platform token: signed by the device key, its challenge the hash of the RAK. */
static uat_err platform_token(vstate *s)
{
    uat_err rc = uat_cose_sign1_verify(&s->t.platform_cose, uat_cert_key(s->dev),
                                       uat_span_of(NULL, 0), "virtcca.platform");
    if (rc != UAT_OK) {
        return rc;
    }
    UAT_TRY(uat_cca_check_binding(&s->t.platform, &s->t.realm, CHECK_BIND));
    UAT_TRY(uat_cca_check_lifecycle(&s->t.platform, CHECK));
    s->binding = "platform-token";
    return UAT_OK;
}

static uat_err bind_rak(vstate *s, const uat_virtcca_opts *opts)
{
    if (s->t.has_platform) {
        return platform_token(s);
    }
    int same = 0;
    UAT_TRY(rak_is_device_key(s->rak, s->dev, &same));
    if (same) {
        s->binding = "device-certificate";
        uat_step(CHECK_BIND, "the CVM token's RAK is the device certificate's key",
                 "the RAK is the device certificate's key, or a platform token vouches for it");
        return UAT_OK;
    }
    if (opts->allow_unbound_rak_insecure) {
        s->binding = "none";
        uat_step_skip(CHECK_BIND, "the RAK is not bound to the device: allowed by "
                                  "allow_unbound_rak_insecure");
        return UAT_OK;
    }
    return UAT_FAILF(UAT_ERR_VERIFY_UNTRUSTED_KEY, CHECK_BIND, "cca-realm-public-key",
                     s->t.realm.rak_off,
                     "the CVM token's RAK is not the device certificate's key and no platform "
                     "token vouches for it: nothing ties the token to the device");
}

static uat_err device_claims(const vstate *s, json_t *p)
{
    json_t *d = json_object();
    UAT_TRY(uat_json_set(p, "device_certificate", d));
    UAT_TRY(uat_json_set_str(d, "subject_cn", uat_cert_cn(s->dev)));
    UAT_TRY(uat_json_set_time(d, "not_before", uat_cert_not_before(s->dev)));
    return uat_json_set_time(d, "not_after", uat_cert_not_after(s->dev));
}

static uat_err fill_claims(const vstate *s, const uat_virtcca_opts *opts, uat_claims *claims)
{
    json_t *doc = uat_claims_doc(claims), *p = json_object(), *tee = uat_claims_tee_obj(claims);
    const uat_cca_realm *r = &s->t.realm;
    UAT_TRY(uat_json_set_hex(doc, "measurement", r->rim.p, r->rim.len));
    UAT_TRY(uat_json_set_hex(doc, "report_data", r->challenge.p, r->challenge.len));
    UAT_TRY(uat_json_set(doc, "platform", p));
    UAT_TRY(device_claims(s, p));
    UAT_TRY(uat_json_set_str(p, "rak_binding", s->binding));
    if (opts->allow_unbound_rak_insecure && strcmp(s->binding, "none") == 0) {
        UAT_TRY(uat_json_set_bool(p, "rak_unbound_insecure", 1));
    }
    if (s->t.has_platform) {
        /* a platform token says what the platform is: its lifecycle gives debug and the TCB */
        json_t *tcb = json_object();
        UAT_TRY(uat_json_set_bool(doc, "debug", uat_cca_lifecycle_debug(s->t.platform.lifecycle)));
        UAT_TRY(uat_json_set(doc, "tcb", tcb));
        UAT_TRY(uat_json_set_str(tcb, "status", "UpToDate"));
        UAT_TRY(uat_cca_platform_describe(&s->t.platform, p));
    }
    return uat_cca_realm_describe(r, tee);
}

static uat_err verify_parts(vstate *s, const uat_virtcca_evidence *e, const uat_verify_ctx *ctx,
                            const uat_virtcca_opts *opts, uat_claims *claims)
{
    virtcca_anchors *a = NULL;
    UAT_TRY(uat_cca_token_parse(uat_buf_span(&e->token), UAT_CCA_VIRTCCA, "virtcca.token", &s->t));
    UAT_TRY(anchors_get(ctx, &a));
    uat_err rc = device_chain(e, a, ctx->at, &s->dev);
    if (ctx->cache == NULL) {
        uat_virtcca_cache_free(a);
    }
    UAT_TRY(rc);
    UAT_TRY(uat_cca_rak_key(&s->t.realm, UAT_CCA_VIRTCCA, &s->rak));
    UAT_TRY(uat_cose_sign1_verify(&s->t.realm_cose, s->rak, uat_span_of(NULL, 0), "virtcca.cvm"));
    UAT_TRY(bind_rak(s, opts));
    UAT_TRY(uat_virtcca_check_logs(&s->t.realm, e, uat_claims_tee_obj(claims)));
    return fill_claims(s, opts, claims);
}

uat_err uat_virtcca_verify_opts(uat_span in, const uat_verify_ctx *ctx,
                                const uat_virtcca_opts *opts, uat_claims *claims,
                                uat_verify_out *out)
{
    uat_virtcca_evidence e;
    vstate s;
    memset(&s, 0, sizeof(s));
    UAT_TRY(uat_virtcca_evidence_parse(in, &e));
    uat_err rc = verify_parts(&s, &e, ctx, opts, claims);
    if (rc == UAT_OK) {
        memcpy(out->report_data, s.t.realm.challenge.p, UAT_CCA_CHALLENGE_LEN);
        out->report_data_len = UAT_CCA_CHALLENGE_LEN;
        out->valid_until = uat_cert_not_after(s.dev);
    }
    uat_key_free(s.rak);
    uat_cert_free(s.dev);
    uat_virtcca_evidence_free(&e);
    return rc;
}

uat_err uat_virtcca_verify(uat_span in, const uat_verify_ctx *ctx, uat_claims *claims,
                           uat_verify_out *out)
{
    static const uat_virtcca_opts defaults = {0};
    return uat_virtcca_verify_opts(in, ctx, &defaults, claims, out);
}

const uat_tee_ops uat_tee_virtcca = {
    .name = "virtcca",
    .media_type = UAT_VIRTCCA_MEDIA_TYPE,
    .cbor_tag = 0,
    .detect_paths = NULL, /* no attester: virtCCA_sdk's /dev/tsi interface is not implemented */
    .options = NULL,
    .sniff = uat_virtcca_sniff,
    .inspect = uat_virtcca_inspect,
    .verify = uat_virtcca_verify,
    .cache_free = uat_virtcca_cache_free,
    .cache_traced = 1, /* trust anchors only: the chain and every check run on each call */
    .collect = NULL,
};
