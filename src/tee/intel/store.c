/* The Intel collateral store (see store.h).
 * Bundle directory (docs/intel.md): any files under <collateral>/intel/ or <collateral>/:
 * *.json with a "tcbInfo" or "enclaveIdentity" member (Intel PCS v4 shapes, signed bytes kept),
 * CRLs in DER or PEM, certificates (issuer chains) in PEM or DER. Other files are ignored. */
#include <stdlib.h>
#include <string.h>

#include "collateral/trust.h"
#include "core/file.h"
#include "core/limits.h"
#include "tee/intel/store.h"

#define CHECK "intel.collateral"

static int ends_with(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcmp(s + n - m, suf) == 0;
}

uat_err intel_store_add_json(intel_store *s, uat_span text, const char *path)
{
    if (memmem(text.p, text.len, "\"tcbInfo\"", 9) != NULL) {
        uat_tcb_info *nt = realloc(s->tcb, (s->ntcb + 1) * sizeof(*nt));
        intel_window *nw = nt ? realloc(s->tcb_w, (s->ntcb + 1) * sizeof(*nw)) : NULL;
        if (nt != NULL) {
            s->tcb = nt;
        }
        if (nw == NULL) {
            return UAT_NOMEM(CHECK);
        }
        s->tcb_w = nw;
        uat_err rc = uat_tcb_info_parse(text, &s->tcb[s->ntcb]);
        if (rc != UAT_OK) {
            return UAT_FAILF(rc, CHECK, "tcbInfo", -1, "%s is not a valid TCB info", path);
        }
        memset(&s->tcb_w[s->ntcb++], 0, sizeof(intel_window));
    } else if (memmem(text.p, text.len, "\"enclaveIdentity\"", 17) != NULL) {
        uat_enclave_identity *ni = realloc(s->ids, (s->nid + 1) * sizeof(*ni));
        intel_window *nw = ni ? realloc(s->id_w, (s->nid + 1) * sizeof(*nw)) : NULL;
        if (ni != NULL) {
            s->ids = ni;
        }
        if (nw == NULL) {
            return UAT_NOMEM(CHECK);
        }
        s->id_w = nw;
        uat_err rc = uat_identity_parse(text, &s->ids[s->nid]);
        if (rc != UAT_OK) {
            return UAT_FAILF(rc, CHECK, "enclaveIdentity", -1, "%s is not a valid enclave identity",
                             path);
        }
        memset(&s->id_w[s->nid++], 0, sizeof(intel_window));
    }
    return UAT_OK; /* other JSON shapes (e.g. a combined collateral.json) are not ours */
}

static uat_err add_file(intel_store *s, const char *path)
{
    uat_buf b;
    uat_buf_init(&b, UAT_MAX_FILE_BYTES);
    uat_err rc = uat_file_read(path, UAT_MAX_FILE_BYTES, &b);
    if (rc == UAT_OK && ends_with(path, ".json")) {
        rc = intel_store_add_json(s, uat_buf_span(&b), path);
    } else if (rc == UAT_OK && (ends_with(path, ".der") || ends_with(path, ".pem") ||
                                ends_with(path, ".crl") || ends_with(path, ".crt"))) {
        /* a CRL, else certificates; a file that is neither is an error, not silently skipped */
        if (uat_der_list_load_crls(uat_buf_span(&b), &s->crls) != UAT_OK &&
            uat_der_list_load_certs(uat_buf_span(&b), &s->certs) != UAT_OK) {
            rc = UAT_FAILF(UAT_ERR_PARSE_BAD_CERT, CHECK, "", -1,
                           "%s holds no certificate or CRL", path);
        }
    }
    uat_buf_free(&b);
    return rc;
}

static uat_err add_one(void *ud, const char *path)
{
    return add_file((intel_store *)ud, path);
}

static uat_err load_collateral(intel_store *s, const char *root)
{
    return uat_collateral_each_file(root, "intel", add_one, s);
}

static int same_der(const uat_cert *c, uat_span der)
{
    uat_span a = uat_cert_der(c);
    return a.len == der.len && memcmp(a.p, der.p, der.len) == 0;
}

/* The parsed certificate for der: parsed once per distinct DER (OpenSSL 3 decodes slowly). */
uat_err intel_store_cert(intel_store *s, uat_span der, uat_cert **out)
{
    for (size_t i = 0; i < s->nowned; i++) {
        if (same_der(s->owned[i], der)) {
            *out = s->owned[i];
            return UAT_OK;
        }
    }
    uat_cert **no = realloc(s->owned, (s->nowned + 1) * sizeof(*no));
    if (no == NULL) {
        return UAT_NOMEM(CHECK);
    }
    s->owned = no;
    UAT_TRY(uat_cert_parse(der, &s->owned[s->nowned]));
    *out = s->owned[s->nowned++];
    return UAT_OK;
}

static uat_err add_unique(uat_cert ***list, size_t *n, uat_cert *c)
{
    for (size_t i = 0; i < *n; i++) {
        if ((*list)[i] == c) {
            return UAT_OK;
        }
    }
    uat_cert **nl = realloc(*list, (*n + 1) * sizeof(*nl));
    if (nl == NULL) {
        return UAT_NOMEM(CHECK);
    }
    *list = nl;
    nl[(*n)++] = c;
    return UAT_OK;
}

const uat_cert *intel_anchor_by_der(const intel_store *s, uat_span der)
{
    for (size_t i = 0; i < s->nanchors; i++) {
        if (same_der(s->anchors[i], der)) {
            return s->anchors[i];
        }
    }
    return NULL;
}

static int self_signed(uat_span der)
{
    uat_span issuer, subject;
    uat_time nb = 0, na = 0;
    int yes = uat_x509_peek(der, &issuer, &subject, &nb, &na) == UAT_OK &&
              issuer.len == subject.len && memcmp(issuer.p, subject.p, issuer.len) == 0;
    uat_error_clear();
    return yes;
}

/* The roots: the self-signed certificates of the trust folder (it may also hold TCB signing
 * certificates, which are candidates that chain to a root, not anchors). */
static uat_err pick_anchors(intel_store *s)
{
    for (size_t i = 0; i < s->anchor_der.n; i++) {
        uat_span der = uat_buf_span(&s->anchor_der.items[i]);
        if (!self_signed(der)) {
            continue;
        }
        uat_cert *c = NULL;
        UAT_TRY(intel_store_cert(s, der, &c));
        UAT_TRY(add_unique(&s->anchors, &s->nanchors, c));
    }
    return UAT_OK;
}

static uat_err add_signer(intel_store *s, uat_span der)
{
    for (size_t i = 0; i < s->nsigners; i++) {
        if (s->signers[i].der.len == der.len && memcmp(s->signers[i].der.p, der.p, der.len) == 0) {
            return UAT_OK;
        }
    }
    intel_signer sg;
    memset(&sg, 0, sizeof(sg));
    uat_span issuer, subject;
    UAT_TRY(uat_x509_peek(der, &issuer, &subject, &sg.not_before, &sg.not_after));
    intel_signer *ns = realloc(s->signers, (s->nsigners + 1) * sizeof(*ns));
    if (ns == NULL) {
        return UAT_NOMEM(CHECK);
    }
    sg.der = der;
    ns[s->nsigners++] = sg;
    s->signers = ns;
    return UAT_OK;
}

/* The TCB signing candidates: certificates whose DER holds the name "Intel SGX TCB Signing"; the
 * decoded subject is checked when one is used. */
static uat_err pick_signing(intel_store *s)
{
    static const char name[] = TCB_SIGNING_CN;
    for (size_t i = 0; i < s->certs.n; i++) {
        uat_span der = uat_buf_span(&s->certs.items[i]);
        if (memmem(der.p, der.len, name, sizeof(name) - 1) != NULL) {
            UAT_TRY(add_signer(s, der));
        }
    }
    return UAT_OK;
}

/* Where every CRL is current: a cached verification holds only inside it. */
static uat_err crl_window(intel_store *s)
{
    s->crl_w.lo = INT64_MIN;
    s->crl_w.hi = INT64_MAX;
    for (size_t i = 0; i < s->crls.n; i++) {
        uat_time tu = 0, nu = 0;
        UAT_TRY(uat_crl_peek(uat_buf_span(&s->crls.items[i]), &tu, &nu));
        s->crl_w.lo = tu > s->crl_w.lo ? tu : s->crl_w.lo;
        s->crl_w.hi = nu != 0 && nu < s->crl_w.hi ? nu : s->crl_w.hi;
    }
    return UAT_OK;
}

/* After certificates or CRLs were added (loaded or fetched): candidates, windows, trust store. */
uat_err intel_store_refresh(intel_store *s)
{
    UAT_TRY(pick_signing(s));
    UAT_TRY(crl_window(s));
    uat_x509_store_free(s->x509);
    s->x509 = NULL;
    for (size_t i = 0; i < s->nsigners; i++) {
        s->signers[i].w.ok = 0; /* the CRLs changed: chains are checked again */
    }
    return uat_x509_store_new(s->anchors, s->nanchors, &s->crls, &s->x509);
}

static uat_err store_load(const uat_verify_ctx *ctx, intel_store *s)
{
    int fetch = uat_verify_fetch_url(ctx, "intel") != NULL;
    UAT_ENSURE(ctx->collateral_dir != NULL || fetch || ctx->inband.len > 0,
               UAT_ERR_VERIFY_COLLATERAL, CHECK, "", -1);
    UAT_TRY(uat_trust_load_certs(ctx->trust_dir, "intel", &s->anchor_der));
    for (size_t i = 0; i < s->anchor_der.n; i++) {
        UAT_TRY(uat_der_list_add(&s->certs, uat_buf_span(&s->anchor_der.items[i])));
    }
    if (ctx->collateral_dir != NULL) {
        UAT_TRY(load_collateral(s, ctx->collateral_dir));
    }
    UAT_TRY(pick_anchors(s));
    return intel_store_refresh(s);
}

void intel_store_free(void *p)
{
    intel_store *s = p;
    if (s == NULL) {
        return;
    }
    uat_der_list_free(&s->anchor_der);
    uat_der_list_free(&s->certs);
    for (size_t i = 0; i < s->nowned; i++) {
        uat_cert_free(s->owned[i]);
    }
    free(s->owned);
    free(s->anchors);
    free(s->signers);
    uat_x509_store_free(s->x509);
    uat_der_list_free(&s->crls);
    for (size_t i = 0; i < s->ntcb; i++) {
        uat_tcb_info_free(&s->tcb[i]);
    }
    for (size_t i = 0; i < s->nid; i++) {
        uat_identity_free(&s->ids[i]);
    }
    for (size_t i = 0; i < s->npck; i++) {
        uat_cert_free(s->pck[i].leaf);
    }
    free(s->tcb);
    free(s->tcb_w);
    free(s->ids);
    free(s->id_w);
    free(s);
}

uat_err intel_store_get(const uat_verify_ctx *ctx, intel_store **out)
{
    if (ctx->cache != NULL && *ctx->cache != NULL) {
        *out = *ctx->cache;
        return UAT_OK;
    }
    intel_store *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return UAT_NOMEM(CHECK);
    }
    uat_err rc = store_load(ctx, s);
    if (rc != UAT_OK) {
        intel_store_free(s);
        return rc;
    }
    if (ctx->cache != NULL) {
        *ctx->cache = s;
    }
    *out = s;
    return UAT_OK;
}
