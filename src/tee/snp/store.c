/* The SEV-SNP certificate store (see store.h). Trust directory (<trust>/snp/ or <trust>/): AMD
 * roots "ARK-Milan", "ARK-Genoa", "ARK-Turin" are the anchors; ASK/ASVK certificates there (KDS
 * cert_chain bundles) are intermediates, verified to the ARK like any other. Collateral bundle
 * (<collateral>/snp/ or <collateral>/, docs/snp.md): *.der, *.pem, *.crt, *.cer, *.crl files
 * holding VCEK/VLEK certificates, ASK/ASVK chains and CRLs. A root found in the collateral is
 * ignored: only configured roots are trusted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collateral/trust.h"
#include "core/file.h"
#include "core/limits.h"
#include "tee/snp/store.h"

#define CHECK "snp.collateral"

static int ends_with(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcmp(s + n - m, suf) == 0;
}

static int same_der(const uat_cert *c, uat_span der)
{
    uat_span a = uat_cert_der(c);
    return a.len == der.len && memcmp(a.p, der.p, der.len) == 0;
}

static int known_der(const snp_store *s, uat_span der)
{
    for (size_t i = 0; i < s->nanchors; i++) {
        if (same_der(s->anchors[i], der)) {
            return 1;
        }
    }
    for (size_t i = 0; i < s->ninter; i++) {
        if (same_der(s->inter[i], der)) {
            return 1;
        }
    }
    for (size_t i = 0; i < s->ncoll; i++) {
        if (same_der(s->coll[i].cert, der)) {
            return 1;
        }
    }
    return 0;
}

static uat_err push_cert(uat_cert ***list, size_t *n, uat_cert *c)
{
    uat_cert **nl = realloc(*list, (*n + 1) * sizeof(*nl));
    if (nl == NULL) {
        return UAT_NOMEM(CHECK);
    }
    *list = nl;
    nl[(*n)++] = c;
    return UAT_OK;
}

/* Another ASK or ASVK, with where it came from. */
static uat_err push_inter(snp_store *s, uat_cert *c, const char *source)
{
    const char **ns = realloc(s->inter_src, (s->ninter + 1) * sizeof(*ns));
    if (ns == NULL) {
        return UAT_NOMEM(CHECK);
    }
    s->inter_src = ns;
    ns[s->ninter] = source;
    return push_cert(&s->inter, &s->ninter, c);
}

static uat_err vek_init(uat_cert *c, const char *source, snp_vek *v)
{
    memset(v, 0, sizeof(*v));
    v->source = source;
    uat_span der = uat_cert_der(c);
    UAT_TRY(uat_hash(UAT_HASH_SHA256, &der, 1, v->der_hash));
    UAT_TRY(uat_snp_vek_ext_read(c, &v->ext));
    v->cert = c;
    return UAT_OK;
}

static uat_err add_coll_vek(snp_store *s, uat_cert *c, const char *origin, const char *source)
{
    UAT_ENSURE(s->ncoll < SNP_MAX_VEKS, UAT_ERR_RESOURCE_LIMIT, CHECK, "", -1);
    snp_vek *nv = realloc(s->coll, (s->ncoll + 1) * sizeof(*nv));
    if (nv == NULL) {
        return UAT_NOMEM(CHECK);
    }
    s->coll = nv;
    uat_err rc = vek_init(c, source, &s->coll[s->ncoll]);
    if (rc != UAT_OK) {
        char detail[256];
        snprintf(detail, sizeof(detail), "%s", uat_last_error()->message);
        return UAT_FAILF(rc, CHECK, uat_last_error()->field, -1, "%s: %s", origin, detail);
    }
    s->ncoll++;
    return UAT_OK;
}

/* Sorts one parsed certificate by its subject (spec: 57230 §2: ARK-<product> signs SEV-<product>
 * (ASK) and SEV-VLEK-<product> (ASVK), which sign SEV-VCEK and SEV-VLEK). */
static uat_err classify(snp_store *s, uat_cert *c, int trusted, const char *origin,
                        const char *source)
{
    const char *cn = uat_cert_cn(c);
    uat_err rc = UAT_OK;
    if (strcmp(cn, "SEV-VCEK") == 0 || strcmp(cn, "SEV-VLEK") == 0) {
        rc = add_coll_vek(s, c, origin, source);
    } else if (strncmp(cn, "ARK-", 4) == 0 && trusted &&
               uat_snp_product_from_name(cn + 4) != UAT_SNP_PRODUCT_UNKNOWN) {
        rc = push_cert(&s->anchors, &s->nanchors, c);
    } else if (strncmp(cn, "SEV-", 4) == 0 && strncmp(cn, "SEV-VLEK-", 9) != 0 &&
               uat_snp_product_from_name(cn + 4) != UAT_SNP_PRODUCT_UNKNOWN) {
        rc = push_inter(s, c, source);
    } else if (strncmp(cn, "SEV-VLEK-", 9) == 0 &&
               uat_snp_product_from_name(cn + 9) != UAT_SNP_PRODUCT_UNKNOWN) {
        rc = push_inter(s, c, source);
    } else {
        uat_cert_free(c); /* not part of an AMD chain, or a root that is not configured */
        return UAT_OK;
    }
    if (rc != UAT_OK) {
        uat_cert_free(c);
    }
    return rc;
}

static uat_err add_der(snp_store *s, uat_span der, int trusted, const char *origin,
                       const char *source)
{
    if (known_der(s, der)) {
        return UAT_OK;
    }
    uat_cert *c = NULL;
    UAT_TRY(uat_cert_parse(der, &c));
    return classify(s, c, trusted, origin, source);
}

uat_err snp_store_add_der(snp_store *s, uat_span der, const char *origin, const char *source)
{
    return add_der(s, der, 0, origin, source);
}

/* After CRLs changed: their dates, and every chain is checked again. */
static uat_err refresh_crls(snp_store *s)
{
    snp_crl *ni = realloc(s->crl_info, (s->crls.n + 1) * sizeof(*ni));
    if (ni == NULL) {
        return UAT_NOMEM(CHECK);
    }
    s->crl_info = ni;
    for (size_t i = 0; i < s->crls.n; i++) {
        UAT_TRY(uat_crl_info(uat_buf_span(&s->crls.items[i]), ni[i].issuer_cn,
                             sizeof(ni[i].issuer_cn), &ni[i].this_update, &ni[i].next_update));
    }
    for (size_t p = 0; p < SNP_PRODUCTS; p++) {
        uat_x509_store_free(s->x509[p]);
        s->x509[p] = NULL;
    }
    for (size_t i = 0; i < s->ncoll; i++) {
        s->coll[i].w.ok = 0;
    }
    for (size_t i = 0; i < s->nev; i++) {
        s->ev[i].w.ok = 0;
    }
    return UAT_OK;
}

uat_err snp_store_add_file(snp_store *s, uat_span bytes, const char *origin, const char *source)
{
    uat_der_list crls = {NULL, 0, 0}, certs = {NULL, 0, 0};
    /* a CRL, certificates, or (PEM) both; a file with neither is an error, not skipped */
    int crl_ok = uat_der_list_load_crls(bytes, &crls) == UAT_OK;
    int cert_ok = uat_der_list_load_certs(bytes, &certs) == UAT_OK;
    uat_error_clear();
    uat_err rc = UAT_OK;
    if (!crl_ok && !cert_ok) {
        rc = UAT_FAILF(UAT_ERR_PARSE_BAD_CERT, CHECK, "", -1, "%s holds no certificate or CRL",
                       origin);
    }
    for (size_t i = 0; rc == UAT_OK && cert_ok && i < certs.n; i++) {
        rc = add_der(s, uat_buf_span(&certs.items[i]), 0, origin, source);
    }
    for (size_t i = 0; rc == UAT_OK && crl_ok && i < crls.n; i++) {
        rc = uat_der_list_add(&s->crls, uat_buf_span(&crls.items[i]));
    }
    if (rc == UAT_OK && crl_ok) {
        rc = refresh_crls(s);
    }
    uat_der_list_free(&certs);
    uat_der_list_free(&crls);
    return rc;
}

static uat_err add_path(snp_store *s, const char *path)
{
    if (!ends_with(path, ".der") && !ends_with(path, ".pem") && !ends_with(path, ".crt") &&
        !ends_with(path, ".cer") && !ends_with(path, ".crl")) {
        return UAT_OK; /* reports, notes and other files of a bundle */
    }
    uat_buf b;
    uat_buf_init(&b, UAT_MAX_FILE_BYTES);
    uat_err rc = uat_file_read(path, UAT_MAX_FILE_BYTES, &b);
    if (rc == UAT_OK) {
        rc = snp_store_add_file(s, uat_buf_span(&b), path, "collateral dir");
    }
    uat_buf_free(&b);
    return rc;
}

static uat_err add_one(void *ud, const char *path)
{
    return add_path((snp_store *)ud, path);
}

static uat_err load_collateral(snp_store *s, const char *root)
{
    return uat_collateral_each_file(root, "snp", add_one, s);
}

static uat_err load_trust(snp_store *s, const char *trust_dir)
{
    uat_der_list l = {NULL, 0, 0};
    UAT_TRY(uat_trust_load_certs(trust_dir, "snp", &l));
    uat_err rc = UAT_OK;
    for (size_t i = 0; rc == UAT_OK && i < l.n; i++) {
        rc = add_der(s, uat_buf_span(&l.items[i]), 1, "trust directory", "trust dir");
    }
    uat_der_list_free(&l);
    if (rc == UAT_OK && s->nanchors == 0) {
        rc = UAT_FAILF(UAT_ERR_USAGE_NO_TRUST_ANCHOR, CHECK, "", -1,
                       "no AMD root (ARK-Milan, ARK-Genoa or ARK-Turin) among the "
                       "trust anchors");
    }
    return rc;
}

static void used_clear(snp_vek *v)
{
    memset(&v->used, 0, sizeof(v->used));
}

static void vek_free(snp_vek *v)
{
    uat_cert_free(v->cert);
    v->cert = NULL;
    used_clear(v);
}

void snp_store_free(void *p)
{
    snp_store *s = p;
    if (s == NULL) {
        return;
    }
    for (size_t i = 0; i < s->nanchors; i++) {
        uat_cert_free(s->anchors[i]);
    }
    for (size_t i = 0; i < s->ninter; i++) {
        uat_cert_free(s->inter[i]);
    }
    for (size_t i = 0; i < s->ncoll; i++) {
        vek_free(&s->coll[i]);
    }
    for (size_t i = 0; i < s->nev; i++) {
        vek_free(&s->ev[i]);
    }
    for (size_t k = 0; k < SNP_PRODUCTS; k++) {
        uat_x509_store_free(s->x509[k]);
    }
    free(s->anchors);
    free(s->inter);
    free(s->inter_src);
    free(s->coll);
    free(s->crl_info);
    uat_der_list_free(&s->crls);
    free(s);
}

static uat_err store_load(const uat_verify_ctx *ctx, snp_store *s)
{
    UAT_TRY(load_trust(s, ctx->trust_dir));
    if (ctx->collateral_dir != NULL) {
        UAT_TRY(load_collateral(s, ctx->collateral_dir));
    }
    return UAT_OK;
}

uat_err snp_store_get(const uat_verify_ctx *ctx, snp_store **out)
{
    if (ctx->cache != NULL && *ctx->cache != NULL) {
        *out = *ctx->cache;
        return UAT_OK;
    }
    snp_store *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return UAT_NOMEM(CHECK);
    }
    uat_err rc = store_load(ctx, s);
    if (rc != UAT_OK) {
        snp_store_free(s);
        return rc;
    }
    if (ctx->cache != NULL) {
        *ctx->cache = s;
    }
    *out = s;
    return UAT_OK;
}

uat_err snp_store_evidence_vek(snp_store *s, uat_span der, snp_vek **out)
{
    uint8_t h[32];
    UAT_TRY(uat_hash(UAT_HASH_SHA256, &der, 1, h));
    for (size_t i = 0; i < s->ncoll; i++) {
        if (memcmp(s->coll[i].der_hash, h, 32) == 0) {
            *out = &s->coll[i];
            return UAT_OK;
        }
    }
    for (size_t i = 0; i < s->nev; i++) {
        if (memcmp(s->ev[i].der_hash, h, 32) == 0) {
            *out = &s->ev[i];
            return UAT_OK;
        }
    }
    uat_cert *c = NULL;
    snp_vek v;
    UAT_TRY(uat_cert_parse(der, &c));
    uat_err rc = vek_init(c, "evidence", &v);
    if (rc != UAT_OK) {
        uat_cert_free(c);
        return rc;
    }
    size_t slot = s->ev_next;
    if (slot < s->nev) {
        vek_free(&s->ev[slot]);
    } else {
        s->nev++;
    }
    s->ev[slot] = v;
    s->ev_next = (slot + 1) % SNP_EVIDENCE_SLOTS;
    *out = &s->ev[slot];
    return UAT_OK;
}

/* OpenSSL takes a certificate as expired at its notAfter second and a CRL at its nextUpdate: the
 * window is [lo, hi), so a cached verdict never outlives a fresh one. */
static int window_holds(const snp_window *w, uat_time at)
{
    return w->ok && at >= w->lo && at < w->hi;
}

static void window_narrow(snp_window *w, uat_time lo, uat_time hi)
{
    if (lo > w->lo) {
        w->lo = lo;
    }
    if (hi != 0 && hi < w->hi) {
        w->hi = hi;
    }
}

static void cert_window(const uat_cert *c, snp_window *w)
{
    window_narrow(w, uat_cert_not_before(c), uat_cert_not_after(c));
}

/* The trust store of one product: its configured ARK(s) and every CRL. */
static uat_err product_store(snp_store *s, enum uat_snp_product p, const char *ark,
                             uat_x509_store **out)
{
    if (s->x509[p] != NULL) {
        *out = s->x509[p];
        return UAT_OK;
    }
    uat_cert **mine = calloc(s->nanchors + 1, sizeof(*mine));
    size_t n = 0;
    if (mine == NULL) {
        return UAT_NOMEM(CHECK);
    }
    for (size_t i = 0; i < s->nanchors; i++) {
        if (strcmp(uat_cert_cn(s->anchors[i]), ark) == 0) {
            mine[n++] = s->anchors[i];
        }
    }
    uat_err rc = n > 0 ? uat_x509_store_new(mine, n, &s->crls, &s->x509[p])
                       : UAT_FAILF(UAT_ERR_VERIFY_CHAIN, "snp.chain", "root", -1,
                                   "the certificate is for %s, but %s is not among the configured "
                                   "trust anchors",
                                   uat_snp_product_name(p), ark);
    free(mine);
    UAT_TRY(rc);
    *out = s->x509[p];
    return UAT_OK;
}

/* Where a verified chain holds: every certificate's validity and the CRLs of its two CAs. */
static snp_window chain_window(const snp_store *s, const snp_vek *v, const uat_cert *ask,
                               const char *ark)
{
    snp_window w = {1, INT64_MIN, INT64_MAX};
    cert_window(v->cert, &w);
    cert_window(ask, &w);
    for (size_t i = 0; i < s->nanchors; i++) {
        if (strcmp(uat_cert_cn(s->anchors[i]), ark) == 0) {
            cert_window(s->anchors[i], &w);
        }
    }
    for (size_t i = 0; i < s->crls.n; i++) {
        const snp_crl *c = &s->crl_info[i];
        if (strcmp(c->issuer_cn, ark) == 0 || strcmp(c->issuer_cn, uat_cert_cn(ask)) == 0) {
            window_narrow(&w, c->this_update, c->next_update);
        }
    }
    return w;
}

/* A certificate of the chain as a collateral record: the SHA-256 of its DER, its issuer's CN and
 * its validity as issued / next_update. */
static uat_err keep_cert(snp_vek *v, const char *kind, const uat_cert *c, const char *issuer,
                         const char *source)
{
    uat_span der = uat_cert_der(c);
    uint8_t h[32];
    UAT_TRY(uat_hash(UAT_HASH_SHA256, &der, 1, h));
    uat_coll_memo_add_src(&v->used, kind, issuer, uat_cert_not_before(c), uat_cert_not_after(c),
                          h, source);
    return UAT_OK;
}

/* After the chain verified through s->inter[ask]: the VCEK/VLEK, its ASK/ASVK and the ARK(s) of
 * that name (spec: 57230 §2 names them), next to the CRLs the chain verification consulted
 * (already in v->used). Strings are the store's (the certificates') or static. */
static uat_err keep_certs(const snp_store *s, snp_vek *v, size_t ask, const char *ark)
{
    const char *ark_cn = NULL; /* the anchors' own copy of the name: it outlives this call */
    for (size_t i = 0; i < s->nanchors && ark_cn == NULL; i++) {
        ark_cn = strcmp(uat_cert_cn(s->anchors[i]), ark) == 0 ? uat_cert_cn(s->anchors[i]) : NULL;
    }
    int vcek = v->ext.kind == UAT_SNP_VCEK;
    UAT_TRY(keep_cert(v, vcek ? "vcek" : "vlek", v->cert, uat_cert_cn(s->inter[ask]), v->source));
    UAT_TRY(keep_cert(v, vcek ? "ask" : "asvk", s->inter[ask], ark_cn, s->inter_src[ask]));
    for (size_t i = 0; i < s->nanchors; i++) {
        if (strcmp(uat_cert_cn(s->anchors[i]), ark) == 0) {
            UAT_TRY(keep_cert(v, "ark", s->anchors[i], ark_cn, "trust dir"));
        }
    }
    return UAT_OK;
}

/* spec: 57230 §2: VCEK <- ASK (SEV-<product>) <- ARK (ARK-<product>); VLEK <- ASVK
 * (SEV-VLEK-<product>) <- ARK. RSA-PSS SHA-384 throughout (OpenSSL). */
uat_err snp_vek_chain(snp_store *s, snp_vek *v, uat_time at)
{
    if (window_holds(&v->w, at) && !(UAT_TRACING_COLLATERAL() && v->used.lost)) {
        uat_coll_memo_record(&v->used); /* what the cold verification recorded */
        return UAT_OK;
    }
    enum uat_snp_product p = v->ext.product;
    const char *kind = v->ext.kind == UAT_SNP_VCEK ? "VCEK" : "VLEK";
    char ark[32], ask[40];
    snprintf(ark, sizeof(ark), "ARK-%s", uat_snp_product_name(p));
    snprintf(ask, sizeof(ask), "SEV-%s%s", v->ext.kind == UAT_SNP_VLEK ? "VLEK-" : "",
             uat_snp_product_name(p));
    uat_x509_store *x = NULL;
    UAT_TRY(product_store(s, p, ark, &x));
    v->w.ok = 0;
    used_clear(v);
    uat_coll_memo crls = {0}; /* the CRLs the chain verification consulted (and recorded) */
    uat_err rc = UAT_FAILF(UAT_ERR_VERIFY_CHAIN, "snp.chain", "issuer", -1,
                           "no %s certificate (the %s issuer) in the trust directory or collateral",
                           ask, kind);
    size_t used = 0;
    for (size_t i = 0; i < s->ninter; i++) {
        if (strcmp(uat_cert_cn(s->inter[i]), ask) != 0) {
            continue;
        }
        /* only the issuer of this kind and product: a VCEK never chains through an ASVK */
        rc = uat_x509_store_verify_used(x, v->cert, &s->inter[i], 1, 0, 3, at, "snp.chain",
                                        &crls);
        if (rc == UAT_OK) {
            used = i;
            break;
        }
    }
    if (rc == UAT_OK) {
        rc = keep_certs(s, v, used, ark);
    }
    if (rc == UAT_OK) {
        uat_coll_memo_record(&v->used); /* the certificates; the CRLs were recorded by the check */
        uat_coll_memo_merge(&v->used, &crls);
        v->w = chain_window(s, v, s->inter[used], ark);
    } else {
        used_clear(v);
    }
    return rc;
}
