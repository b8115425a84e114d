/* iTrustee verification: the AK's key (scenario 0: certified by the DRK, whose certificate chains
 * to the configured Huawei anchors; scenario 1: an X.509 certificate from a configured
 * attestation-service CA), the AK's signature over the report, the nonce, then the claims.
 * Scenario 2 (DAA) is refused: UNSUPPORTED_FEATURE.
 *
 * Trust anchors (<trust>/itrustee/, or <trust> itself): the Huawei certificates DRK certificates
 * chain to (Huawei IT Product CA, Huawei Equipment CA), DER or PEM; every configured certificate
 * is trusted. Scenario 1 only: the attestation service's CA certificates in <trust>/itrustee/as/
 * (never the Huawei folder itself: a Huawei CA does not issue AK certificates). */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "collateral/trust.h"
#include "core/file.h"
#include "core/limits.h"
#include "tee/itrustee/itrustee.h"

#define CHECK "itrustee.verify"
#define CHECK_DRK "itrustee.drk_chain"
#define CHECK_AS "itrustee.ak_chain"

/* A verifier's cache slot: the anchor store, and the last DRK certificate and AK key decoded
 * (reports from one device carry the same DRK and AK: their decoded objects, Montgomery contexts
 * included, are reused; the chain and both signatures are still verified on every report). */
typedef struct itr_cache {
    uat_x509_store *store;
    uint8_t *drk_der; /* the DER drk was decoded from */
    size_t drk_len;
    uat_cert *drk;
    uint8_t *ak_ne; /* the AK's modulus then exponent, as the report carries them */
    size_t ak_n_len, ak_e_len;
    uat_key *ak;
} itr_cache;

void uat_itrustee_cache_free(void *cache)
{
    itr_cache *a = cache;
    if (a != NULL) {
        uat_x509_store_free(a->store);
        uat_cert_free(a->drk);
        free(a->drk_der);
        uat_key_free(a->ak);
        free(a->ak_ne);
        free(a);
    }
}

static uat_err store_of(const uat_der_list *l, uat_x509_store **out)
{
    uat_cert **certs = calloc(l->n + 1, sizeof(*certs));
    if (certs == NULL) {
        return UAT_NOMEM(CHECK);
    }
    uat_err rc = UAT_OK;
    for (size_t i = 0; rc == UAT_OK && i < l->n; i++) {
        rc = uat_cert_parse(uat_buf_span(&l->items[i]), &certs[i]);
    }
    if (rc == UAT_OK) {
        rc = uat_x509_store_new(certs, l->n, NULL, out);
    }
    for (size_t i = 0; i < l->n; i++) {
        uat_cert_free(certs[i]);
    }
    free(certs);
    return rc;
}

static uat_err anchors_get(const uat_verify_ctx *ctx, itr_cache **out)
{
    if (ctx->cache != NULL && *ctx->cache != NULL) {
        *out = *ctx->cache;
        return UAT_OK;
    }
    itr_cache *a = calloc(1, sizeof(*a));
    uat_der_list l = {NULL, 0, 0};
    if (a == NULL) {
        return UAT_NOMEM(CHECK);
    }
    uat_err rc = uat_trust_load_certs(ctx->trust_dir, "itrustee", &l);
    rc = rc != UAT_OK ? rc : store_of(&l, &a->store);
    uat_der_list_free(&l);
    if (rc != UAT_OK) {
        uat_itrustee_cache_free(a);
        return rc;
    }
    if (ctx->cache != NULL) {
        *ctx->cache = a;
    }
    *out = a;
    return UAT_OK;
}

/* The report's DRK certificate, decoded, from the cache when it holds the same DER (borrowed:
 * *owned = 0) or decoded now (kept in the cache when there is one). */
static uat_err drk_decode(itr_cache *a, int cached, uat_span der, uat_cert **drk, int *owned)
{
    if (cached && a->drk != NULL && a->drk_len == der.len && memcmp(a->drk_der, der.p, der.len) == 0) {
        *drk = a->drk;
        *owned = 0;
        return UAT_OK;
    }
    uat_cert *c = NULL;
    UAT_TRY(uat_cert_parse(der, &c));
    uint8_t *copy = cached && der.len > 0 ? malloc(der.len) : NULL;
    if (copy == NULL) {
        *drk = c;
        *owned = 1;
        return UAT_OK;
    }
    memcpy(copy, der.p, der.len);
    uat_cert_free(a->drk);
    free(a->drk_der);
    a->drk = c;
    a->drk_der = copy;
    a->drk_len = der.len;
    *drk = c;
    *owned = 0;
    return UAT_OK;
}

/* The DRK certificate to the Huawei anchors at ctx->at; *owned when the caller frees *drk. */
static uat_err drk_chain(const uat_itr_report *r, const uat_verify_ctx *ctx, uat_cert **drk,
                         int *owned)
{
    itr_cache *a = NULL;
    uat_cert *c = NULL;
    int own = 1;
    UAT_TRY(anchors_get(ctx, &a));
    uat_err rc = drk_decode(a, ctx->cache != NULL, uat_buf_span(&r->drk_der), &c, &own);
    if (rc == UAT_OK) {
        rc = uat_x509_store_verify(a->store, c, NULL, 0, 0, 0, ctx->at, CHECK_DRK);
    }
    if (ctx->cache == NULL) {
        uat_itrustee_cache_free(a);
    }
    if (rc != UAT_OK) {
        if (own) {
            uat_cert_free(c);
        }
        return rc;
    }
    *drk = c;
    *owned = own;
    return UAT_OK;
}

/* The AK's RSA key, from the cache when it holds the same modulus and exponent (borrowed:
 * *owned = 0) or imported now (kept in the cache when there is one). */
static uat_err ak_import(const uat_itr_report *r, const uat_verify_ctx *ctx, uat_key **ak,
                         int *owned)
{
    itr_cache *a = ctx->cache != NULL ? *ctx->cache : NULL;
    uat_span n = uat_buf_span(&r->ak_n), e = uat_buf_span(&r->ak_e);
    if (a != NULL && a->ak != NULL && a->ak_n_len == n.len && a->ak_e_len == e.len &&
        memcmp(a->ak_ne, n.p, n.len) == 0 && memcmp(a->ak_ne + n.len, e.p, e.len) == 0) {
        *ak = a->ak;
        *owned = 0;
        return UAT_OK;
    }
    uat_key *k = NULL;
    UAT_TRY(uat_key_from_rsa(n, e, &k));
    uint8_t *copy = a != NULL && n.len + e.len > 0 ? malloc(n.len + e.len) : NULL;
    if (copy == NULL) {
        *ak = k;
        *owned = 1;
        return UAT_OK;
    }
    memcpy(copy, n.p, n.len);
    memcpy(copy + n.len, e.p, e.len);
    uat_key_free(a->ak);
    free(a->ak_ne);
    a->ak = k;
    a->ak_ne = copy;
    a->ak_n_len = n.len;
    a->ak_e_len = e.len;
    *ak = k;
    *owned = 0;
    return UAT_OK;
}

static uat_err rsa4096(const uat_key *k, const char *field, const char *check)
{
    if (uat_key_kind_of(k) != UAT_KEY_RSA || uat_key_bits(k) != 4096) {
        return UAT_FAILF(UAT_ERR_CRYPTO_BAD_KEY, check, field, -1,
                         "the %s is not an RSA-4096 key (RA_ALG_RSA_4096)", field);
    }
    return UAT_OK;
}

/* The certificate (DRK or AK) and the AK key a report is verified with; each either owned or
 * borrowed from the verifier's cache. */
typedef struct itr_held {
    uat_cert *cert;
    uat_key *ak;
    int cert_owned, ak_owned;
} itr_held;

static void held_free(itr_held *h)
{
    if (h->ak_owned) {
        uat_key_free(h->ak);
    }
    if (h->cert_owned) {
        uat_cert_free(h->cert);
    }
}

/* Scenario 0: the DRK chain, the DRK's signature over the AK certificate, the AK's key. */
static uat_err ak_from_drk(const uat_itr_report *r, const uat_verify_ctx *ctx, itr_held *h)
{
    if (r->ak_daa) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, CHECK, "ak_pub", -1,
                         "the AK certificate certifies a DAA key: DAA signatures are not "
                         "supported");
    }
    UAT_TRY(drk_chain(r, ctx, &h->cert, &h->cert_owned));
    UAT_TRY(rsa4096(uat_cert_key(h->cert), "DRK certificate key", CHECK));
    /* spec: PROVENANCE.md: SIGN_DRK covers ak_cert [0, offset(SIGN_DRK)); JSON: the signed payload */
    UAT_TRY(uat_sig_verify(uat_cert_key(h->cert), UAT_SIG_PS256, uat_buf_span(&r->signed_drk),
                           uat_buf_span(&r->sign_drk), "itrustee.sign_drk"));
    UAT_TRY(ak_import(r, ctx, &h->ak, &h->ak_owned));
    return rsa4096(h->ak, "AK", CHECK);
}

static uat_err as_anchors(const uat_verify_ctx *ctx, uat_der_list *out)
{
    UAT_ENSURE(ctx->trust_dir != NULL, UAT_ERR_USAGE_NO_TRUST_ANCHOR, CHECK_AS, "as", -1);
    char *dir = uat_tee_dir(ctx->trust_dir, "itrustee");
    char *as = dir != NULL ? uat_path_join(dir, "as") : NULL;
    struct stat st;
    uat_err rc = UAT_OK;
    if (as == NULL) {
        rc = UAT_NOMEM(CHECK_AS);
    } else if (stat(as, &st) != 0 || !S_ISDIR(st.st_mode)) {
        rc = UAT_FAILF(UAT_ERR_USAGE_NO_TRUST_ANCHOR, CHECK_AS, "as", -1,
                       "scenario 1 needs the attestation service's CA certificates in %s", as);
    } else {
        rc = uat_trust_load_certs(dir, "as", out);
    }
    free(as);
    free(dir);
    return rc;
}

/* Scenario 1: the AK certificate (PEM, maybe with intermediates after it, or DER) to the
 * attestation service's CA. */
static uat_err ak_from_as(const uat_itr_report *r, const uat_verify_ctx *ctx, uat_cert **akc,
                          uat_key **ak)
{
    uat_der_list certs = {NULL, 0, 0}, inter = {NULL, 0, 0}, anchors = {NULL, 0, 0};
    static const char begin[] = "-----BEGIN";
    uat_span in = uat_buf_span(&r->ak_cert);
    uat_err rc;
    if (in.len > sizeof(begin) - 1 && memcmp(in.p, begin, sizeof(begin) - 1) == 0) {
        rc = uat_pem_certs_strict(in, &certs);
    } else {
        rc = uat_der_list_add(&certs, in);
    }
    if (rc == UAT_OK && (certs.n == 0 || certs.n > UAT_MAX_CERT_CHAIN)) {
        rc = UAT_FAILF(UAT_ERR_PARSE_BAD_CERT, CHECK_AS, "cert_ak", -1,
                       "the AK certificate holds %zu certificates", certs.n);
    }
    for (size_t i = 1; rc == UAT_OK && i < certs.n; i++) {
        rc = uat_der_list_add(&inter, uat_buf_span(&certs.items[i]));
    }
    rc = rc != UAT_OK ? rc : as_anchors(ctx, &anchors);
    if (rc == UAT_OK) {
        uat_chain_args args = {uat_buf_span(&certs.items[0]), &inter, &anchors, NULL, 0, ctx->at,
                               CHECK_AS};
        rc = uat_x509_verify_chain(&args);
    }
    rc = rc != UAT_OK ? rc : uat_cert_parse(uat_buf_span(&certs.items[0]), akc);
    rc = rc != UAT_OK ? rc : uat_x509_public_key(uat_cert_der(*akc), ak);
    rc = rc != UAT_OK ? rc : rsa4096(*ak, "AK certificate key", CHECK);
    uat_der_list_free(&certs);
    uat_der_list_free(&inter);
    uat_der_list_free(&anchors);
    return rc;
}

static uat_err check_algorithms(const uat_itr_report *r)
{
    if (r->scenario == UAT_ITR_SCE_AS_WITH_DAA) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, CHECK, "scenario", r->json ? -1 : 92,
                         "scenario 2 (attestation service with DAA): DAA signatures over the "
                         "FP512BN curve are not supported");
    }
    if (r->sign_type != UAT_ITR_ALG_RSA_4096 || r->hash_type != UAT_ITR_ALG_SHA_256) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_ALGORITHM, CHECK, "sign_type", -1,
                         "sign/hash algorithm 0x%x/0x%x: only RSA-4096 PSS (0x20001, PS256) "
                         "with SHA-256 (0x20002, HS256) is supported",
                         r->sign_type, r->hash_type);
    }
    return UAT_OK;
}

/* spec: [tverlib] tee_verify_nonce: both nonces zero-padded to 64 bytes, compared whole */
static uat_err check_nonce(const uat_itr_report *r, uat_span want)
{
    uint8_t padded[UAT_ITR_NONCE_LEN] = {0};
    if (want.len == 0) {
        uat_step_skip("itrustee.nonce", "no evidence nonce given (the report data binding applies)");
        return UAT_OK;
    }
    UAT_ENSURE(want.len <= UAT_ITR_NONCE_LEN, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "nonce", -1);
    memcpy(padded, want.p, want.len);
    if (!uat_ct_equal(padded, r->nonce, UAT_ITR_NONCE_LEN)) {
        return UAT_FAILF(UAT_ERR_VERIFY_BINDING, CHECK, "nonce", r->json ? -1 : 12,
                         "the report's nonce is not the expected nonce");
    }
    uat_step_hex("itrustee.nonce", r->nonce, UAT_ITR_NONCE_LEN, padded, UAT_ITR_NONCE_LEN);
    return UAT_OK;
}

static void uuid_text(const uint8_t *u, char out[37])
{
    char hex[33];
    uat_hex_encode(u, UAT_ITR_UUID_LEN, hex);
    snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

/* The report's fields under their vendor names: inspect output and tee_claims. */
static uat_err describe(const uat_itr_report *r, json_t *o)
{
    static const char *const sce[] = {"sce_no_as", "sce_as_no_daa", "sce_as_with_daa"};
    char uuid[37];
    uuid_text(r->uuid, uuid);
    const char *k;
    json_t *v;
    json_object_foreach(r->fields, k, v)
    {
        UAT_TRY(uat_json_set(o, k, json_deep_copy(v)));
    }
    UAT_TRY(uat_json_set_str(o, "format", r->json ? "TEE.RA.1.0" : "report_response"));
    UAT_TRY(uat_json_set_str(o, "scenario", sce[r->scenario]));
    UAT_TRY(uat_json_set_str(o, "uuid", uuid));
    UAT_TRY(uat_json_set_hex(o, "nonce", r->nonce, UAT_ITR_NONCE_LEN));
    UAT_TRY(uat_json_set_hex(o, "ta_img", r->ta_img, UAT_ITR_HASH_LEN));
    UAT_TRY(uat_json_set_hex(o, "ta_mem", r->ta_mem, UAT_ITR_HASH_LEN));
    if (json_object_get(o, "ta_attr") == NULL) {
        UAT_TRY(uat_json_set_str(o, "ta_attr", ""));
    }
    if (r->has_qta) {
        UAT_TRY(uat_json_set_hex(o, "qta_img", r->qta_img, UAT_ITR_HASH_LEN));
        UAT_TRY(uat_json_set_hex(o, "qta_mem", r->qta_mem, UAT_ITR_HASH_LEN));
    }
    return UAT_OK;
}

static uat_err fill_claims(const uat_itr_report *r, const uat_cert *cert, uat_claims *claims)
{
    json_t *doc = uat_claims_doc(claims), *p = json_object(), *d = json_object();
    UAT_TRY(uat_json_set_hex(doc, "measurement", r->ta_img, UAT_ITR_HASH_LEN));
    UAT_TRY(uat_json_set_hex(doc, "report_data", r->nonce, UAT_ITR_NONCE_LEN));
    /* iTrustee TAs have no debug mode a report could state (TEE_UUID, image and memory hashes are
     * all it says of the TA): reports are of production TAs, as kunpengsecl assumes */
    UAT_TRY(uat_json_set_bool(doc, "debug", 0));
    UAT_TRY(uat_json_set(doc, "platform", p));
    UAT_TRY(describe(r, uat_claims_tee_obj(claims)));
    if (r->scenario == UAT_ITR_SCE_NO_AS) {
        /* the DRK certificate's subject CN is the device's serial number */
        UAT_TRY(uat_json_set_str(p, "device_serial", uat_cert_cn(cert)));
    }
    UAT_TRY(uat_json_set(p, r->scenario == UAT_ITR_SCE_NO_AS ? "drk_certificate" : "ak_certificate",
                         d));
    UAT_TRY(uat_json_set_str(d, "subject_cn", uat_cert_cn(cert)));
    UAT_TRY(uat_json_set_time(d, "not_before", uat_cert_not_before(cert)));
    return uat_json_set_time(d, "not_after", uat_cert_not_after(cert));
}

static uat_err verify_report(const uat_itr_report *r, const uat_verify_ctx *ctx,
                             uat_claims *claims, uat_verify_out *out)
{
    itr_held h = {NULL, NULL, 1, 1};
    uat_err rc = check_algorithms(r);
    rc = rc != UAT_OK ? rc : check_nonce(r, ctx->nonce);
    if (rc == UAT_OK) {
        rc = r->scenario == UAT_ITR_SCE_NO_AS ? ak_from_drk(r, ctx, &h)
                                              : ak_from_as(r, ctx, &h.cert, &h.ak);
    }
    uat_key *ak = h.ak;
    const uat_cert *cert = h.cert;
    /* spec: PROVENANCE.md: SIGN_AK covers report [0, offset(SIGN_AK)); JSON: the signed payload */
    rc = rc != UAT_OK ? rc
                      : uat_sig_verify(ak, UAT_SIG_PS256, uat_buf_span(&r->signed_ak),
                                       uat_buf_span(&r->sign_ak), "itrustee.sign_ak");
    rc = rc != UAT_OK ? rc : fill_claims(r, cert, claims);
    if (rc == UAT_OK) {
        memcpy(out->report_data, r->nonce, UAT_ITR_NONCE_LEN);
        out->report_data_len = UAT_ITR_NONCE_LEN;
        out->valid_until = uat_cert_not_after(cert);
    }
    held_free(&h);
    return rc;
}

uat_err uat_itrustee_verify(uat_span in, const uat_verify_ctx *ctx, uat_claims *claims,
                            uat_verify_out *out)
{
    uat_itr_report r;
    UAT_TRY(uat_itr_parse(in, &r));
    uat_err rc = verify_report(&r, ctx, claims, out);
    uat_itr_report_free(&r);
    return rc;
}

uat_err uat_itrustee_verify_akcert(uat_span in, const uat_verify_ctx *ctx, int *daa)
{
    uat_itr_report r;
    uat_cert *drk = NULL;
    int owned = 0;
    UAT_TRY(uat_itr_parse_json_akcert(in, &r));
    uat_err rc = drk_chain(&r, ctx, &drk, &owned);
    rc = rc != UAT_OK ? rc : rsa4096(uat_cert_key(drk), "DRK certificate key", CHECK);
    rc = rc != UAT_OK ? rc
                      : uat_sig_verify(uat_cert_key(drk), UAT_SIG_PS256,
                                       uat_buf_span(&r.signed_drk), uat_buf_span(&r.sign_drk),
                                       "itrustee.sign_drk");
    if (rc == UAT_OK) {
        *daa = r.ak_daa;
    }
    if (owned) {
        uat_cert_free(drk);
    }
    uat_itr_report_free(&r);
    return rc;
}

/* Binary: version 1, a known scenario and a param table that fits; JSON: a TEE.RA report. */
int uat_itrustee_sniff(uat_span in)
{
    static const char sign[] = "\"report_sign\"", ra[] = "\"TEE.RA.";
    size_t i = 0;
    while (i < in.len && (in.p[i] == ' ' || in.p[i] == '\t' || in.p[i] == '\n' || in.p[i] == '\r')) {
        i++;
    }
    if (i < in.len && in.p[i] == '{') {
        return memmem(in.p, in.len, sign, sizeof(sign) - 1) != NULL &&
               memmem(in.p, in.len, ra, sizeof(ra) - 1) != NULL;
    }
    if (in.len < 100) {
        return 0;
    }
    uint32_t version = (uint32_t)in.p[0] | (uint32_t)in.p[1] << 8 | (uint32_t)in.p[2] << 16 |
                       (uint32_t)in.p[3] << 24;
    uint32_t sce = in.p[92] | (uint32_t)in.p[93] << 8 | (uint32_t)in.p[94] << 16 |
                   (uint32_t)in.p[95] << 24;
    uint32_t n = in.p[96] | (uint32_t)in.p[97] << 8 | (uint32_t)in.p[98] << 16 |
                 (uint32_t)in.p[99] << 24;
    return version == 1 && sce <= 2 && n > 0 && n <= UAT_MAX_ITRUSTEE_PARAMS &&
           in.len - 100 >= 12u * n && in.p[100 + 3] >> 4 >= 1 && in.p[100 + 3] >> 4 <= 2;
}

uat_err uat_itrustee_inspect(uat_span in, json_t *fields)
{
    uat_itr_report r;
    UAT_TRY(uat_itr_parse(in, &r));
    uat_err rc = describe(&r, fields);
    uat_itr_report_free(&r);
    return rc;
}

const uat_tee_ops uat_tee_itrustee = {
    .name = "itrustee",
    .media_type = UAT_ITRUSTEE_MEDIA_TYPE,
    .cbor_tag = 0,
    .detect_paths = NULL, /* no attester: the QCA (libqca) interface is not implemented */
    .options = NULL,
    .sniff = uat_itrustee_sniff,
    .inspect = uat_itrustee_inspect,
    .verify = uat_itrustee_verify,
    .cache_free = uat_itrustee_cache_free,
    /* the anchor store and decoded objects only: the chain and both signatures run each call */
    .cache_traced = 1,
    .collect = NULL,
    .refvals_import = uat_itrustee_refvals_import,
};
