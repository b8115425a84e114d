/* Verifying Intel collateral once per validity window: TCB signing certificate selection,
 * TCB info and enclave identity signatures and dates, PCK chains with both CRLs. */
#include <string.h>

#include "core/limits.h"
#include "core/trace.h"
#include "tee/intel/store.h"

#define CHECK "intel.collateral"

/* The verdict holds at `at`: reused, and the collateral it used recorded again (an audit
 * record lists the same collateral whether the verdict was cached or not). */
static int window_reuse(const intel_window *w, uat_time at)
{
    if (!w->ok || at < w->lo || at > w->hi || (UAT_TRACING_COLLATERAL() && w->used.lost)) {
        return 0;
    }
    uat_coll_memo_record(&w->used);
    return 1;
}

static void window_narrow(intel_window *w, uat_time lo, uat_time hi)
{
    if (lo > w->lo) {
        w->lo = lo;
    }
    if (hi != 0 && hi < w->hi) {
        w->hi = hi;
    }
}

static void narrow_by_crls(const intel_store *s, intel_window *w)
{
    window_narrow(w, s->crl_w.lo, s->crl_w.hi);
}

static void cert_window(const uat_cert *c, intel_window *w)
{
    window_narrow(w, uat_cert_not_before(c), uat_cert_not_after(c));
}

/* A TCB signing candidate valid at `at`, decoded, named right and chained to a root (with the
 * root CRL) — once per window. */
static uat_err signing_chain(intel_store *s, intel_signer *sg, uat_time at)
{
    if (window_reuse(&sg->w, at)) {
        return UAT_OK;
    }
    if (at != UAT_TIME_UNCHECKED && (at < sg->not_before || at >= sg->not_after)) {
        char a[32] = "", b[32] = "";
        if (uat_time_format(sg->not_before, a) != UAT_OK || uat_time_format(sg->not_after, b) != UAT_OK) {
            a[0] = b[0] = '\0';
        }
        return UAT_FAILF(UAT_ERR_VERIFY_EXPIRED, "intel.tcb_signing_chain", "certificate", -1,
                         "the TCB signing certificate is valid from %s to %s", a, b);
    }
    if (sg->cert == NULL) {
        UAT_TRY(intel_store_cert(s, sg->der, &sg->cert));
    }
    UAT_ENSURE(strcmp(uat_cert_cn(sg->cert), TCB_SIGNING_CN) == 0, UAT_ERR_VERIFY_COLLATERAL,
               "intel.tcb_signing_chain", "subject", -1);
    intel_window nw = {1, INT64_MIN, INT64_MAX, {.n = 0}};
    uat_trace_cert_source(NULL); /* the TCB signing certificate travels with the collateral */
    uat_err rc = uat_x509_store_verify_used(s->x509, sg->cert, NULL, 0, 1, 2, at,
                                            "intel.tcb_signing_chain", &nw.used);
    uat_trace_cert_source("evidence");
    UAT_TRY(rc);
    cert_window(sg->cert, &nw);
    narrow_by_crls(s, &nw);
    for (size_t k = 0; k < s->nanchors; k++) {
        cert_window(s->anchors[k], &nw);
    }
    sg->w = nw;
    return UAT_OK;
}

/* Verifies a PCS signature (ES256, raw r||s over the exact member text) with the TCB signing
 * certificate valid at `at`: Intel re-issued it with the same key, so validity picks the one.
 * Candidates not valid at `at` are not even decoded. */
static uat_err verify_pcs_signature(intel_store *s, uat_span body, const uint8_t sig[64],
                                    uat_time at, const char *what, intel_window *w)
{
    uat_err last = UAT_FAILF(UAT_ERR_VERIFY_COLLATERAL, CHECK, what, -1,
                             "no \"%s\" certificate among the trust anchors and collateral",
                             TCB_SIGNING_CN);
    for (size_t i = 0; i < s->nsigners; i++) {
        intel_signer *sg = &s->signers[i];
        uat_err rc = signing_chain(s, sg, at);
        if (rc != UAT_OK) {
            last = rc;
            continue;
        }
        rc = uat_sig_verify(uat_cert_key(sg->cert), UAT_SIG_ES256, body, uat_span_of(sig, 64),
                            "intel.collateral_signature");
        if (rc != UAT_OK) {
            return UAT_FAILF(rc, "intel.collateral_signature", what, -1,
                             "the %s signature does not verify with the TCB signing key", what);
        }
        window_narrow(w, sg->w.lo, sg->w.hi);
        uat_coll_memo_merge(&w->used, &sg->w.used); /* the CRLs its chain consulted */
        return UAT_OK;
    }
    return last;
}

static uat_err check_dates(uat_time issue, uat_time next, uat_time at, const char *what)
{
    char a[32] = "", b[32] = "";
    if (at != UAT_TIME_UNCHECKED && (at < issue || at > next)) {
        if (uat_time_format(issue, a) != UAT_OK || uat_time_format(next, b) != UAT_OK) {
            a[0] = b[0] = '\0';
        }
        return UAT_FAILF(UAT_ERR_VERIFY_EXPIRED, CHECK, what, -1,
                         "the %s is valid from %s to %s, not at the evaluation time", what, a, b);
    }
    return UAT_OK;
}

static uat_err verify_item(intel_store *s, uat_span body, const uint8_t sig[64],
                           uat_time issue, uat_time next, uat_time at, const char *what,
                           intel_window *w)
{
    if (window_reuse(w, at)) {
        return UAT_OK;
    }
    intel_window nw = {0, issue, next, {.n = 0}};
    UAT_TRY(check_dates(issue, next, at, what));
    if (UAT_TRACING()) {
        char a[32] = "?", b[32] = "?", t[32] = "?";
        (void)(uat_time_format(issue, a) == UAT_OK && uat_time_format(next, b) == UAT_OK &&
               uat_time_format(at, t) == UAT_OK);
        uat_stepf(CHECK, "the evaluation time within issueDate .. nextUpdate",
                  "%s issued %s, next update %s; evaluated at %s", what, a, b, t);
    }
    /* the digest of the signed body: what the signature covers, the same whether the document
     * came as a file, a PCS response or in-band; kept with the verdict for its reuses */
    uint8_t md[32];
    int hashed = uat_hash(UAT_HASH_SHA256, &body, 1, md) == UAT_OK;
    if (!hashed) {
        uat_error_clear();
    }
    const char *kind = strcmp(what, "tcbInfo") == 0 ? "tcb_info" : "qe_identity";
    uat_coll_memo_add(&nw.used, kind, TCB_SIGNING_CN, issue, next, hashed ? md : NULL);
    uat_trace_collateral(kind, TCB_SIGNING_CN, issue, next, uat_trace_coll_source_now(),
                         hashed ? md : NULL);
    UAT_TRY(verify_pcs_signature(s, body, sig, at, what, &nw));
    nw.ok = 1;
    *w = nw;
    return UAT_OK;
}

/* Of several documents for the same key, the one valid at `at` with the highest evaluation data
 * number; when none is valid, the highest (its dates then fail with VERIFY_EXPIRED). */
static int better(uat_time at, uat_time issue, uat_time next, uint32_t eval, int have_best,
                  uat_time b_issue, uat_time b_next, uint32_t b_eval)
{
    int valid = at >= issue && at <= next;
    int best_valid = have_best && at >= b_issue && at <= b_next;
    return !have_best || (valid && !best_valid) || (valid == best_valid && eval > b_eval);
}

uat_err intel_tcb_info(intel_store *s, const uint8_t fmspc[6], int tdx, uat_time at,
                       const uat_tcb_info **out, uat_time *hi)
{
    size_t best = s->ntcb;
    for (size_t i = 0; i < s->ntcb; i++) {
        const uat_tcb_info *t = &s->tcb[i], *b = best < s->ntcb ? &s->tcb[best] : NULL;
        if (t->is_tdx == tdx && memcmp(t->fmspc, fmspc, 6) == 0 &&
            better(at, t->issue_date, t->next_update, t->eval_number, b != NULL,
                   b ? b->issue_date : 0, b ? b->next_update : 0, b ? b->eval_number : 0)) {
            best = i;
        }
    }
    if (best == s->ntcb) {
        char hex[13];
        uat_hex_encode(fmspc, 6, hex);
        return UAT_FAILF(UAT_ERR_VERIFY_COLLATERAL, CHECK, "tcbInfo", -1,
                         "no %s TCB info for FMSPC %s in the collateral", tdx ? "TDX" : "SGX", hex);
    }
    const uat_tcb_info *t = &s->tcb[best];
    UAT_TRY(verify_item(s, t->body, t->signature, t->issue_date, t->next_update, at, "tcbInfo",
                        &s->tcb_w[best]));
    *out = t;
    *hi = s->tcb_w[best].hi;
    return UAT_OK;
}

uat_err intel_identity(intel_store *s, const char *id, uat_time at,
                       const uat_enclave_identity **out, uat_time *hi)
{
    size_t best = s->nid;
    for (size_t i = 0; i < s->nid; i++) {
        const uat_enclave_identity *e = &s->ids[i], *b = best < s->nid ? &s->ids[best] : NULL;
        if (strcmp(e->id, id) == 0 &&
            better(at, e->issue_date, e->next_update, e->eval_number, b != NULL,
                   b ? b->issue_date : 0, b ? b->next_update : 0, b ? b->eval_number : 0)) {
            best = i;
        }
    }
    if (best == s->nid) {
        return UAT_FAILF(UAT_ERR_VERIFY_COLLATERAL, CHECK, "enclaveIdentity", -1,
                         "no %s identity in the collateral", id);
    }
    const uat_enclave_identity *e = &s->ids[best];
    UAT_TRY(verify_item(s, e->body, e->signature, e->issue_date, e->next_update, at,
                        "enclaveIdentity", &s->id_w[best]));
    *out = e;
    *hi = s->id_w[best].hi;
    return UAT_OK;
}

/* spec: PCK Certificate and CRL Profile: leaf "Intel SGX PCK Certificate" issued by the
 * "Intel SGX PCK Platform CA" or "Intel SGX PCK Processor CA", issued by the Intel SGX Root CA */
static uat_err check_pck(uat_cert *const *chain, const intel_store *s, uat_time at, intel_pck *p)
{
    UAT_TRY(uat_x509_store_verify_used(s->x509, chain[0], chain + 1, 1, 1, 3, at,
                                       "intel.pck_chain", &p->w.used));
    const char *cn = uat_cert_cn(chain[1]);
    UAT_ENSURE(strcmp(cn, "Intel SGX PCK Platform CA") == 0 ||
                   strcmp(cn, "Intel SGX PCK Processor CA") == 0,
               UAT_ERR_VERIFY_CHAIN, "intel.pck_chain", "issuer", -1);
    p->processor_ca = strcmp(cn, "Intel SGX PCK Processor CA") == 0;
    uat_buf ext;
    uat_buf_init(&ext, 4096);
    uat_err rc = uat_cert_extension(chain[0], UAT_SGX_EXT_OID, &ext);
    if (rc == UAT_OK) {
        rc = uat_pck_ext_parse(uat_buf_span(&ext), &p->ext);
    }
    uat_buf_free(&ext);
    UAT_TRY(rc);
    UAT_ENSURE(uat_key_kind_of(uat_cert_key(chain[0])) == UAT_KEY_EC_P256, UAT_ERR_CRYPTO_BAD_KEY,
               "intel.pck_chain", "pck_key", -1);
    p->w.lo = INT64_MIN;
    p->w.hi = INT64_MAX;
    for (size_t i = 0; i < 2; i++) {
        cert_window(chain[i], &p->w);
    }
    narrow_by_crls(s, &p->w);
    p->w.ok = 1;
    return UAT_OK;
}

/* PCK and PCK CA parsed; the root must be the configured root itself (spec: QVL PCK chain check),
 * so it is not decoded again: the anchor with the same bytes stands in for it. */
static uat_err parse_chain(const intel_store *s, uat_span pem, uat_cert *chain[2])
{
    uat_der_list der = {NULL, 0, 0};
    uat_err rc = uat_pem_certs_strict(pem, &der);
    if (rc == UAT_OK && der.n != 3) {
        rc = UAT_FAILF(UAT_ERR_VERIFY_CHAIN, "intel.pck_chain", "", -1,
                       "the quote carries %zu certificates; a PCK chain is PCK, CA and root", der.n);
    }
    if (rc == UAT_OK && intel_anchor_by_der(s, uat_buf_span(&der.items[2])) == NULL) {
        rc = UAT_FAILF(UAT_ERR_VERIFY_CHAIN, "intel.pck_chain", "root", -1,
                       "the root CA in the quote is not a configured trust anchor");
    }
    for (size_t i = 0; rc == UAT_OK && i < 2; i++) {
        rc = uat_cert_parse(uat_buf_span(&der.items[i]), &chain[i]);
    }
    uat_der_list_free(&der);
    return rc;
}

uat_err intel_pck_chain(intel_store *s, uat_span pem, uat_time at, const intel_pck **out)
{
    uint8_t hash[32];
    UAT_TRY(uat_hash(UAT_HASH_SHA256, &pem, 1, hash));
    for (size_t i = 0; i < s->npck; i++) {
        if (memcmp(s->pck[i].chain_hash, hash, 32) == 0 && window_reuse(&s->pck[i].w, at)) {
            *out = &s->pck[i];
            return UAT_OK;
        }
    }
    uat_cert *chain[2] = {NULL, NULL};
    intel_pck p;
    memset(&p, 0, sizeof(p));
    uat_err rc = parse_chain(s, pem, chain);
    if (rc == UAT_OK) {
        rc = check_pck(chain, s, at, &p);
    }
    uat_cert_free(chain[1]);
    if (rc != UAT_OK) {
        uat_cert_free(chain[0]);
        return rc;
    }
    p.leaf = chain[0];
    memcpy(p.chain_hash, hash, 32);
    /* replace an entry of the same chain, else a free slot, else the first */
    size_t slot = s->npck < sizeof(s->pck) / sizeof(s->pck[0]) ? s->npck : 0;
    for (size_t i = 0; i < s->npck; i++) {
        if (memcmp(s->pck[i].chain_hash, hash, 32) == 0) {
            slot = i;
        }
    }
    if (slot < s->npck) {
        uat_cert_free(s->pck[slot].leaf);
    } else {
        s->npck++;
    }
    s->pck[slot] = p;
    *out = &s->pck[slot];
    return UAT_OK;
}
