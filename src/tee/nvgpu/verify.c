/* NVIDIA GPU evidence verification (docs/nvgpu.md), checks in this order:
 *   1. the evidence (CBOR map or trustee JSON) and the SPDM request and response (spdm.c);
 *   2. the device chain, leaf first, to an NVIDIA Device Identity CA of <trust>/nvidia-gpu/ at
 *      the evaluation time (certificates whose subject names a RIM root are RIM anchors, never
 *      device anchors);
 *   3. the leaf's FWID (CompositeDeviceID 2.23.133.5.4.1) equals the opaque data's FWID;
 *   4. the MEASUREMENTS signature: ECDSA P-384 with the leaf key over SHA-384 of the request
 *      followed by the response without its signature (SPDM 1.1 L1, DSP0274 1.1.1 §10.11.1);
 *   5. the binding: the request's nonce is the report data, compared by the generic check;
 *   6. when the collateral folder holds RIMs: the driver and VBIOS RIMs of the report's versions
 *      verify (XML signature, chain to the RIM root) and every active golden index matches
 *      (rim_collateral.c, rim_verify.c).
 * SPDM 1.2 and later sign a 64-byte version prefix, a context string and a transcript that
 * starts with GET_VERSION..ALGORITHMS (DSP0274 1.2.1 §15); this evidence does not carry those
 * messages, so such reports parse but are refused with UNSUPPORTED_FEATURE.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "collateral/trust.h"
#include "tee/nvgpu/nvgpu.h"
#include "tee/nvgpu/rim.h"

#define CHECK "nvidia-gpu.verify"
#define CHECK_CHAIN "nvidia-gpu.chain"
#define CHECK_FWID "nvidia-gpu.fwid"
#define CHECK_SIG "nvidia-gpu.signature"

/* A verifier's cache slot: the device anchors and their store, read once; and the last chain that
 * verified, with where that verdict holds: every certificate of it and every anchor within its
 * validity, OpenSSL's [notBefore, notAfter) (no CRL: nothing else in the verdict depends on the
 * time). A report whose chain is the same bytes, evaluated in that window, reuses the verdict and
 * the decoded certificates (the leaf's key with its precomputation); its signature, FWID and
 * nonce are checked as always. */
typedef struct nv_cache {
    uat_cert **anchors;
    size_t nanchors;
    uat_x509_store *xs;
    uat_cert *certs[UAT_MAX_CERT_CHAIN];
    uint8_t *der[UAT_MAX_CERT_CHAIN];
    size_t ncerts;
    uat_time lo, hi;
    uat_coll_memo used; /* the collateral (CRLs) that verdict used: recorded on each reuse */
} nv_cache;

typedef struct nv_state {
    uat_nvgpu_store store;
    uat_nvgpu_evidence ev;
    uat_nvgpu_report rep;
    uat_cert *certs[UAT_MAX_CERT_CHAIN];
    size_t ncerts;
    uat_cert **anchors;
    size_t nanchors;
    uat_x509_store *xs;
    uint8_t fwid[UAT_NVGPU_FWID_LEN];
    int borrowed; /* certs, anchors and xs belong to the verifier's cache */
} nv_state;

static void free_certs(uat_cert **c, size_t n)
{
    for (size_t i = 0; c != NULL && i < n; i++) {
        uat_cert_free(c[i]);
    }
}

static void chain_free(nv_cache *c)
{
    for (size_t i = 0; i < c->ncerts; i++) {
        uat_cert_free(c->certs[i]);
        free(c->der[i]);
    }
    c->ncerts = 0;
}

static void nv_cache_free(void *p)
{
    nv_cache *c = p;
    if (c != NULL) {
        chain_free(c);
        free_certs(c->anchors, c->nanchors);
        free(c->anchors);
        uat_x509_store_free(c->xs);
        free(c);
    }
}

static uat_err load_anchors(nv_state *s, const uat_verify_ctx *ctx)
{
    uat_der_list l = {NULL, 0, 0};
    UAT_TRY(uat_trust_load_certs(ctx->trust_dir, UAT_NVGPU_NAME, &l));
    s->anchors = calloc(l.n, sizeof(*s->anchors));
    uat_err rc = s->anchors != NULL ? UAT_OK : UAT_NOMEM(CHECK_CHAIN);
    for (size_t i = 0; rc == UAT_OK && i < l.n; i++) {
        uat_cert *c = NULL;
        rc = uat_cert_parse(uat_buf_span(&l.items[i]), &c);
        if (rc == UAT_OK && strstr(uat_cert_cn(c), "RIM") != NULL) {
            uat_cert_free(c); /* the RIM root signs reference values, not devices */
        } else if (rc == UAT_OK) {
            s->anchors[s->nanchors++] = c;
        }
    }
    uat_der_list_free(&l);
    if (rc == UAT_OK && s->nanchors == 0) {
        rc = UAT_FAILF(UAT_ERR_USAGE_NO_TRUST_ANCHOR, CHECK_CHAIN, UAT_NVGPU_NAME, -1,
                       "no NVIDIA Device Identity CA is configured");
    }
    return rc;
}

static int same_span(uat_span a, uat_span b)
{
    return a.len == b.len && memcmp(a.p, b.p, a.len) == 0;
}

/* A chain may end with a copy of its root: then that copy must be a configured anchor byte for
 * byte, and the verified path must use every certificate the evidence carries (*depth), so that
 * no carried byte goes unchecked. A last certificate named like an anchor, or self-issued, is
 * such a copy. */
static uat_err check_root_copy(const nv_state *s, size_t *depth)
{
    uat_span der = s->ev.certs[s->ev.ncerts - 1], issuer, subject, ai, as;
    uat_time nb, na;
    UAT_TRY(uat_x509_peek(der, &issuer, &subject, &nb, &na));
    int is_copy = same_span(issuer, subject);
    for (size_t i = 0; i < s->nanchors; i++) {
        UAT_TRY(uat_x509_peek(uat_cert_der(s->anchors[i]), &ai, &as, &nb, &na));
        is_copy |= same_span(as, subject) || same_span(as, issuer);
    }
    *depth = s->ev.ncerts + (is_copy ? 0 : 1);
    for (size_t i = 0; is_copy && i < s->nanchors; i++) {
        if (same_span(uat_cert_der(s->anchors[i]), der)) {
            return UAT_OK;
        }
    }
    if (!is_copy) {
        return UAT_OK;
    }
    return UAT_FAILF(UAT_ERR_VERIFY_CHAIN, CHECK_CHAIN, "certs", -1,
                     "the chain ends with a root certificate (%s) that is not a configured "
                     "NVIDIA Device Identity CA",
                     uat_cert_cn(s->certs[s->ncerts - 1]));
}

/* The cached verdict for the evidence's chain at ctx->at: certs borrowed from the cache. */
static int chain_cached(nv_state *s, const uat_verify_ctx *ctx)
{
    nv_cache *c = ctx->cache != NULL ? *ctx->cache : NULL;
    if (c == NULL || c->ncerts != s->ev.ncerts || ctx->at < c->lo || ctx->at >= c->hi ||
        (UAT_TRACING_COLLATERAL() && c->used.lost)) {
        return 0;
    }
    for (size_t i = 0; i < c->ncerts; i++) {
        uat_span d = uat_cert_der(c->certs[i]);
        if (d.len != s->ev.certs[i].len || memcmp(c->der[i], s->ev.certs[i].p, d.len) != 0) {
            return 0;
        }
    }
    memcpy(s->certs, c->certs, c->ncerts * sizeof(c->certs[0]));
    s->ncerts = c->ncerts;
    s->borrowed = 1;
    uat_coll_memo_record(&c->used);
    return 1;
}

/* Anchors and their store from the cache, or loaded now (into the cache when there is one). */
static uat_err anchors_get(nv_state *s, const uat_verify_ctx *ctx, nv_cache **cache)
{
    nv_cache *c = ctx->cache != NULL ? *ctx->cache : NULL;
    if (c == NULL) {
        UAT_TRY(load_anchors(s, ctx));
        UAT_TRY(uat_x509_store_new(s->anchors, s->nanchors, NULL, &s->xs));
        if (ctx->cache != NULL && (c = calloc(1, sizeof(*c))) != NULL) {
            c->anchors = s->anchors;
            c->nanchors = s->nanchors;
            c->xs = s->xs;
            *ctx->cache = c;
        }
    }
    if (c != NULL) {
        s->anchors = c->anchors;
        s->nanchors = c->nanchors;
        s->xs = c->xs;
    }
    *cache = c;
    return UAT_OK;
}

/* The chain verified: kept in the cache (its certificates then borrowed by s). */
static void chain_keep(nv_state *s, nv_cache *c, const uat_coll_memo *used)
{
    uat_time lo = INT64_MIN, hi = INT64_MAX;
    chain_free(c);
    for (size_t i = 0; i < s->ncerts + c->nanchors; i++) {
        const uat_cert *x = i < s->ncerts ? s->certs[i] : c->anchors[i - s->ncerts];
        lo = uat_cert_not_before(x) > lo ? uat_cert_not_before(x) : lo;
        hi = uat_cert_not_after(x) < hi ? uat_cert_not_after(x) : hi;
    }
    for (size_t i = 0; i < s->ncerts; i++) {
        uat_span d = uat_cert_der(s->certs[i]);
        c->der[i] = malloc(d.len > 0 ? d.len : 1);
        if (c->der[i] == NULL) {
            for (size_t j = 0; j < i; j++) {
                free(c->der[j]);
            }
            return; /* not cached: s keeps its certificates */
        }
        memcpy(c->der[i], d.p, d.len);
    }
    memcpy(c->certs, s->certs, s->ncerts * sizeof(s->certs[0]));
    c->ncerts = s->ncerts;
    c->lo = lo;
    c->hi = hi;
    c->used = *used;
    s->borrowed = 1;
}

static uat_err check_chain(nv_state *s, const uat_verify_ctx *ctx)
{
    /* the device leaf and at least its issuer: a lone certificate is not a device chain */
    if (s->ev.ncerts < 2) {
        return UAT_FAILF(UAT_ERR_VERIFY_CHAIN, CHECK_CHAIN, "certs", -1,
                         "the chain has %zu certificate(s); it needs the device leaf and the "
                         "certificates up to the NVIDIA Device Identity CA",
                         s->ev.ncerts);
    }
    if (chain_cached(s, ctx)) {
        return UAT_OK;
    }
    for (size_t i = 0; i < s->ev.ncerts; i++) {
        UAT_TRY(uat_cert_parse(s->ev.certs[i], &s->certs[i]));
        s->ncerts++;
    }
    nv_cache *c = NULL;
    UAT_TRY(anchors_get(s, ctx, &c));
    size_t depth = 0;
    UAT_TRY(check_root_copy(s, &depth));
    /* no CRL: NVIDIA publishes device revocation through OCSP only, and nothing is fetched */
    uat_coll_memo used = {.n = 0};
    UAT_TRY(uat_x509_store_verify_used(s->xs, s->certs[0], s->certs + 1, s->ncerts - 1, 0, depth,
                                       ctx->at, CHECK_CHAIN, &used));
    if (c != NULL) {
        chain_keep(s, c, &used);
    }
    return UAT_OK;
}

static uat_err check_fwid(nv_state *s)
{
    uat_span ext;
    size_t count = 0;
    UAT_TRY(uat_cert_ext_find(s->certs[0], UAT_NVGPU_FWID_OID, &ext, &count));
    if (count != 1) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_CERT, CHECK_FWID, UAT_NVGPU_FWID_OID, -1,
                         "the leaf certificate (%s) has the FWID extension %zu times, not once: "
                         "is the chain missing its device leaf?",
                         uat_cert_cn(s->certs[0]), count);
    }
    UAT_TRY(uat_nvgpu_fwid_parse(ext, s->fwid));
    const uat_nvgpu_tlv *t = uat_nvgpu_opaque_find(&s->rep.opaque, UAT_NV_OPAQUE_FWID);
    if (t == NULL) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK_FWID, "fwid", -1,
                         "the response's opaque data has no FWID");
    }
    if (t->data.len != UAT_NVGPU_FWID_LEN ||
        !uat_ct_equal(t->data.p, s->fwid, UAT_NVGPU_FWID_LEN)) {
        return UAT_FAILF(UAT_ERR_VERIFY_MEASUREMENT, CHECK_FWID, "fwid", t->at + 4,
                         "the opaque data's FWID is not the one the leaf certificate carries");
    }
    uat_step_hex(CHECK_FWID, t->data.p, t->data.len, s->fwid, UAT_NVGPU_FWID_LEN);
    return UAT_OK;
}

static uat_err check_signature(const nv_state *s)
{
    if (s->rep.req.version != UAT_SPDM_V11) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, CHECK_SIG, "SPDMVersion", 0,
                         "SPDM 1.2+ signatures cover the GET_VERSION..ALGORITHMS transcript, "
                         "which this evidence does not carry (docs/nvgpu.md)");
    }
    const uat_key *k = uat_cert_key(s->certs[0]);
    if (uat_key_kind_of(k) != UAT_KEY_EC_P384) {
        return UAT_FAILF(UAT_ERR_CRYPTO_BAD_KEY, CHECK_SIG, "leaf", -1,
                         "the device leaf key is not ECDSA P-384");
    }
    /* spec: DSP0274 1.1.1 §10.11.1: Signature = Sign(SK, Hash(L1)), L1 = request ‖ response
     * without the signature; BaseAsymAlgo TPM_ALG_ECDSA_ECC_NIST_P384 with SHA-384 */
    return uat_sig_verify(k, UAT_SIG_ES384, s->rep.signed_span, s->rep.rsp.signature, CHECK_SIG);
}

static uat_err verify_state(uat_span in, const uat_verify_ctx *ctx, nv_state *s)
{
    UAT_TRY(uat_nvgpu_load(in, &s->store, &s->ev));
    UAT_TRY(uat_nvgpu_report_parse(s->ev.report, &s->rep));
    UAT_TRY(check_chain(s, ctx));
    UAT_TRY(check_fwid(s));
    return check_signature(s);
}

/* "Hopper" / "Blackwell": from the evidence's arch, else from the leaf's chip name */
static const char *arch_of(const nv_state *s)
{
    const char *a = s->ev.arch;
    const char *cn = uat_cert_cn(s->certs[0]);
    if (strcasecmp(a, "hopper") == 0 || (a[0] == '\0' && strncmp(cn, "GH100", 5) == 0)) {
        return "Hopper";
    }
    if (strcasecmp(a, "blackwell") == 0 || (a[0] == '\0' && strncmp(cn, "GB", 2) == 0)) {
        return "Blackwell";
    }
    return a;
}

static uat_err fill_measurements(const uat_nvgpu_report *r, json_t *t)
{
    json_t *m = json_object();
    UAT_TRY(uat_json_set(t, "measurements", m));
    for (unsigned i = 0; i < r->rsp.nblocks; i++) {
        char k[8];
        snprintf(k, sizeof(k), "%u", r->rsp.blocks[i].index);
        UAT_TRY(uat_json_set_hex(m, k, r->rsp.blocks[i].value.p, r->rsp.blocks[i].value.len));
    }
    return UAT_OK;
}

static uat_err fill_platform(const nv_state *s, json_t *cfg, json_t *doc)
{
    static const char *const copy[] = {"driver_version", "vbios_version", "chip_sku", "project",
                                       "project_sku"};
    json_t *p = json_object();
    UAT_TRY(uat_json_set(doc, "platform", p));
    UAT_TRY(uat_json_set_str(p, "arch", arch_of(s)));
    for (size_t i = 0; i < sizeof(copy) / sizeof(copy[0]); i++) {
        json_t *v = json_object_get(cfg, copy[i]);
        if (v != NULL) {
            UAT_TRY(uat_json_set(p, copy[i], json_incref(v)));
        }
    }
    UAT_TRY(uat_json_set_hex(p, "fwid", s->fwid, UAT_NVGPU_FWID_LEN));
    return uat_json_set_str(p, "device_cert_cn", uat_cert_cn(s->certs[0]));
}

static uat_err fill_claims(const nv_state *s, uat_claims *claims)
{
    json_t *doc = uat_claims_doc(claims);
    json_t *t = uat_claims_tee_obj(claims);
    uint8_t digest[48];
    /* the one value a baseline pins: SHA-384 of the signed MeasurementRecord */
    UAT_TRY(uat_hash(UAT_HASH_SHA384, &s->rep.rsp.record, 1, digest));
    UAT_TRY(uat_json_set_hex(doc, "measurement", digest, sizeof(digest)));
    UAT_TRY(uat_json_set_hex(doc, "report_data", s->rep.req.nonce, UAT_SPDM_NONCE_LEN));
    UAT_TRY(uat_json_set_str(t, "arch", arch_of(s)));
    if (s->ev.uuid[0] != '\0') {
        UAT_TRY(uat_json_set_str(t, "uuid", s->ev.uuid));
    }
    UAT_TRY(fill_measurements(&s->rep, t));
    json_t *cfg = json_object();
    UAT_TRY(uat_json_set(t, "config", cfg));
    UAT_TRY(uat_nvgpu_opaque_describe(&s->rep.opaque, cfg));
    json_t *spdm = json_object();
    UAT_TRY(uat_json_set(t, "spdm", spdm));
    UAT_TRY(uat_nvgpu_report_describe(&s->rep, spdm));
    /* said in the claims: the report had a zero byte after its signature, which was ignored */
    UAT_TRY(uat_json_set_int(t, "trailing_zero_bytes", (int64_t)s->rep.rsp.trailing));
    return fill_platform(s, cfg, doc);
}

static uat_time earliest_expiry(const nv_state *s)
{
    uat_time t = 0;
    for (size_t i = 0; i < s->ncerts; i++) {
        uat_time na = uat_cert_not_after(s->certs[i]);
        t = (t == 0 || na < t) ? na : t;
    }
    return t;
}

uat_err uat_nvgpu_verify(uat_span in, const uat_verify_ctx *ctx, uat_claims *claims,
                         uat_verify_out *out)
{
    nv_state *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return UAT_NOMEM(CHECK);
    }
    uat_err rc = verify_state(in, ctx, s);
    if (rc == UAT_OK) {
        rc = fill_claims(s, claims);
    }
    if (rc == UAT_OK) {
        rc = uat_nvgpu_rim_check(ctx, &s->rep, uat_claims_tee_obj(claims));
    }
    if (rc == UAT_OK) {
        memset(out->report_data, 0, sizeof(out->report_data));
        memcpy(out->report_data, s->rep.req.nonce, UAT_SPDM_NONCE_LEN);
        out->report_data_len = UAT_SPDM_NONCE_LEN;
        out->valid_until = earliest_expiry(s);
    }
    if (!s->borrowed) {
        free_certs(s->certs, s->ncerts);
    }
    if (ctx->cache == NULL || *ctx->cache == NULL || ((nv_cache *)*ctx->cache)->xs != s->xs) {
        free_certs(s->anchors, s->nanchors);
        free(s->anchors);
        uat_x509_store_free(s->xs);
    }
    uat_nvgpu_store_free(&s->store);
    free(s);
    return rc;
}

static uat_err nv_inspect_all(uat_span in, uat_nvgpu_store *st, json_t *fields)
{
    uat_nvgpu_evidence ev;
    UAT_TRY(uat_nvgpu_load(in, st, &ev));
    uat_nvgpu_report *r = calloc(1, sizeof(*r));
    if (r == NULL) {
        return UAT_NOMEM("nvidia-gpu.inspect");
    }
    uat_err rc = uat_nvgpu_report_parse(ev.report, r);
    if (rc == UAT_OK) {
        rc = uat_nvgpu_report_describe(r, fields);
    }
    if (rc == UAT_OK) {
        rc = uat_json_set_int(fields, "certificates", (int64_t)ev.ncerts);
    }
    free(r);
    return rc;
}

static uat_err nv_inspect(uat_span in, json_t *fields)
{
    uat_nvgpu_store st;
    uat_err rc = nv_inspect_all(in, &st, fields);
    uat_nvgpu_store_free(&st);
    return rc;
}

static const char *const nv_options[] = {"nvml", UAT_ATTEST_OPT_DEVICE, NULL};

const uat_tee_ops uat_tee_nvgpu = {
    .name = UAT_NVGPU_NAME,
    .media_type = UAT_NVGPU_MEDIA_TYPE,
    .cbor_tag = 0,
    .detect_paths = NULL, /* a GPU is not the machine's TEE: name it (--tee a+nvidia-gpu) */
    .options = nv_options,
    .binding = UAT_BIND_DERIVED_NONCE, /* the SPDM nonce the attester derives (composite.md) */
    .sniff = uat_nvgpu_sniff,
    .inspect = nv_inspect,
    .verify = uat_nvgpu_verify,
    .cache_free = nv_cache_free,
    /* a reused chain verdict records the collateral its verification used (chain_cached) */
    .cache_records_collateral = 1,
    .collect = uat_nvgpu_collect,
};
