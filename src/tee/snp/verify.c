/* SEV-SNP report verification: the VCEK/VLEK (evidence or collateral) and its chain to the
 * configured ARK, the report signature, then the certificate against the signed report (signing key
 * kind, product, REPORTED_TCB, CHIP_ID); then the normalized claims. */
#include <stdio.h>
#include <string.h>

#include "tee/snp/store.h"

#define CHECK "snp.verify"
#define MAX_CANDIDATES (SNP_MAX_VEKS + 2u) /* the collateral's and two from the evidence */

typedef struct candidates {
    snp_vek *v[MAX_CANDIDATES];
    size_t n;
} candidates;

/* The VCEK and VLEK entries of the certificate table; each must hold its own kind. */
static uat_err evidence_candidates(snp_store *s, const uat_snp_cert_table *t, candidates *c)
{
    const uint8_t *guids[2] = {uat_snp_guid_vcek, uat_snp_guid_vlek};
    for (unsigned k = 0; k < 2; k++) {
        const uat_snp_cert_entry *e = uat_snp_cert_table_find(t, guids[k]);
        snp_vek *v = NULL;
        if (e == NULL) {
            continue;
        }
        UAT_TRY(snp_store_evidence_vek(s, e->data, &v));
        if ((unsigned)v->ext.kind != k) {
            return UAT_FAILF(UAT_ERR_VERIFY_CHAIN, "snp.cert_table", "guid", -1,
                             "the certificate table's %s entry holds a %s certificate",
                             k == UAT_SNP_VCEK ? "VCEK" : "VLEK",
                             k == UAT_SNP_VCEK ? "VLEK" : "VCEK");
        }
        c->v[c->n++] = v;
    }
    return UAT_OK;
}

static void collateral_candidates(snp_store *s, candidates *c)
{
    for (size_t i = 0; i < s->ncoll && c->n < MAX_CANDIDATES; i++) {
        int dup = 0;
        for (size_t k = 0; k < c->n; k++) {
            dup |= c->v[k] == &s->coll[i];
        }
        if (!dup) {
            c->v[c->n++] = &s->coll[i];
        }
    }
}

static int any_matches(const candidates *c, const uat_snp_report *r)
{
    for (size_t i = 0; i < c->n; i++) {
        if (uat_snp_vek_matches(&c->v[i]->ext, r)) {
            return 1;
        }
    }
    return 0;
}

/* No certificate of the report's kind at hand. */
static uat_err no_key(const candidates *c, const uat_snp_report *r)
{
    if (c->n > 0) {
        return uat_snp_check_kind(&c->v[0]->ext, r);
    }
    return UAT_FAILF(UAT_ERR_VERIFY_COLLATERAL, CHECK, "signing_key", 0x48,
                     "no %s for this report: put it (DER or PEM, as AMD KDS serves it) in the "
                     "collateral directory, or carry it in the report's certificate table",
                     r->signing_key == UAT_SNP_KEY_VCEK ? "VCEK" : "VLEK");
}

static uat_err try_vek(snp_store *s, snp_vek *v, uat_span in, const uat_snp_report *r, uat_time at)
{
    uint8_t sig[96];
    memcpy(sig, r->sig_r, 48);
    memcpy(sig + 48, r->sig_s, 48);
    UAT_TRY(snp_vek_chain(s, v, at));
    /* spec: 56860 ATTESTATION_REPORT SIGNATURE: bytes 0h-29Fh, with the key SIGNING_KEY names */
    uat_err rc =
        uat_sig_verify(uat_cert_key(v->cert), UAT_SIG_ES384, uat_span_of(in.p, UAT_SNP_SIGNED_SIZE),
                       uat_span_of(sig, 96), "snp.signature");
    if (rc == UAT_ERR_VERIFY_SIGNATURE) {
        rc = UAT_FAILF(rc, "snp.signature", "signature", UAT_SNP_SIGNED_SIZE,
                       "the report signature does not verify with the %s",
                       v->ext.kind == UAT_SNP_VCEK ? "VCEK" : "VLEK");
    }
    return rc;
}

/* The certificate that signed the report. Those matching the report (kind, product, TCB, chip) are
 * tried first, and only those when there are any; the first failure is the one reported. */
static uat_err select_signer(snp_store *s, const candidates *c, uat_span in,
                             const uat_snp_report *r, uat_time at, snp_vek **out)
{
    int any_match = 0, any_kind = 0;
    for (size_t i = 0; i < c->n; i++) {
        any_match |= uat_snp_vek_matches(&c->v[i]->ext, r);
        any_kind |= (unsigned)c->v[i]->ext.kind == r->signing_key;
    }
    if (!any_kind) {
        return no_key(c, r);
    }
    uat_error_detail first;
    memset(&first, 0, sizeof(first));
    for (size_t i = 0; i < c->n; i++) {
        snp_vek *v = c->v[i];
        if ((unsigned)v->ext.kind != r->signing_key ||
            (any_match && !uat_snp_vek_matches(&v->ext, r))) {
            continue;
        }
        if (try_vek(s, v, in, r, at) == UAT_OK) {
            *out = v;
            return UAT_OK;
        }
        if (first.err == UAT_OK) {
            first = *uat_last_error();
        }
    }
    if (!any_match) {
        /* nothing at hand was issued for this chip and TCB: say so, with the first failure */
        return uat_fail_fmt(first.err, first.check, first.field, first.offset, first.file,
                            first.line,
                            "no %s at hand matches the report's CHIP_ID and REPORTED_TCB; "
                            "the first one tried fails: %s",
                            r->signing_key == UAT_SNP_KEY_VCEK ? "VCEK" : "VLEK", first.message);
    }
    return uat_fail_fmt(first.err, first.check, first.field, first.offset, first.file, first.line,
                        "%s", first.message);
}

static uat_err platform_claims(const uat_snp_report *r, const snp_vek *v, json_t *doc)
{
    json_t *p = json_object();
    char fw[16];
    UAT_TRY(uat_json_set(doc, "platform", p));
    UAT_TRY(uat_json_set_str(p, "product", uat_snp_product_name(v->ext.product)));
    UAT_TRY(uat_json_set_str(p, "product_name", v->ext.product_name));
    UAT_TRY(uat_json_set_str(p, "signing_key", v->ext.kind == UAT_SNP_VCEK ? "VCEK" : "VLEK"));
    if (v->ext.kind == UAT_SNP_VCEK) {
        UAT_TRY(uat_json_set_hex(p, "hwid", v->ext.hwid, v->ext.hwid_len));
    } else {
        UAT_TRY(uat_json_set_str(p, "csp_id", v->ext.csp_id));
    }
    UAT_TRY(uat_snp_tcb_json(p, "tcb", r->reported_tcb, v->ext.product));
    snprintf(fw, sizeof(fw), "%u.%u.%u", r->current_major, r->current_minor, r->current_build);
    UAT_TRY(uat_json_set_str(p, "firmware", fw));
    UAT_TRY(uat_json_set_int(p, "vmpl", r->vmpl));
    /* spec: 56860 PLATFORM_INFO bits 0-5 */
    UAT_TRY(uat_json_set_bool(p, "smt_enabled", (r->platform_info & 0x01) != 0));
    UAT_TRY(uat_json_set_bool(p, "tsme_enabled", (r->platform_info & 0x02) != 0));
    UAT_TRY(uat_json_set_bool(p, "ecc_enabled", (r->platform_info & 0x04) != 0));
    UAT_TRY(uat_json_set_bool(p, "rapl_disabled", (r->platform_info & 0x08) != 0));
    UAT_TRY(uat_json_set_bool(p, "ciphertext_hiding_enabled", (r->platform_info & 0x10) != 0));
    return uat_json_set_bool(p, "alias_check_complete", (r->platform_info & 0x20) != 0);
}

static uat_err fill_claims(const uat_snp_report *r, const snp_vek *v, uat_claims *claims)
{
    json_t *doc = uat_claims_doc(claims);
    UAT_TRY(uat_json_set_hex(doc, "measurement", r->measurement, 48));
    UAT_TRY(uat_json_set_int(doc, "svn", r->guest_svn));
    /* spec: 56860 §4.3 guest policy bit 19: DEBUG allowed */
    UAT_TRY(uat_json_set_bool(doc, "debug", (r->policy & UAT_SNP_POLICY_DEBUG) != 0));
    UAT_TRY(uat_json_set_hex(doc, "report_data", r->report_data, 64));
    json_t *tcb = json_object();
    UAT_TRY(uat_json_set(doc, "tcb", tcb));
    /* AMD publishes no TCB levels: a chain, signature and REPORTED_TCB that all check out is the
     * whole verdict; minimum TCB values belong to the appraisal policy */
    UAT_TRY(uat_json_set_str(tcb, "status", "UpToDate"));
    UAT_TRY(platform_claims(r, v, doc));
    return uat_snp_describe(r, v->ext.product, uat_claims_tee_obj(claims));
}

static uat_err verify_report(uat_span in, const uat_verify_ctx *ctx, snp_store *s,
                             uat_claims *claims, uat_verify_out *out)
{
    uat_snp_report r;
    uat_snp_cert_table t;
    UAT_TRY(uat_snp_evidence_parse(in, &r, &t));
    if (r.signing_key == UAT_SNP_KEY_NONE) {
        return UAT_FAILF(UAT_ERR_VERIFY_SIGNATURE, "snp.signature", "signing_key", 0x48,
                         "the report is not signed (SIGNING_KEY 7: none)");
    }
    candidates c;
    c.n = 0;
    UAT_TRY(evidence_candidates(s, &t, &c));
    collateral_candidates(s, &c);
    const char *kds = uat_verify_fetch_url(ctx, "amd");
    if (kds != NULL && !any_matches(&c, &r)) {
        /* nothing at hand signed this report: ask the KDS the caller allowed, then look again
         * (the store may have moved its entries) */
        UAT_TRY(snp_kds_fetch(s, kds, &r));
        c.n = 0;
        UAT_TRY(evidence_candidates(s, &t, &c));
        collateral_candidates(s, &c);
    }
    snp_vek *v = NULL;
    UAT_TRY(select_signer(s, &c, in, &r, ctx->at, &v));
    UAT_TRY(uat_snp_check_kind(&v->ext, &r));
    uat_step("snp.signing_key", r.signing_key == UAT_SNP_KEY_VCEK ? "VCEK" : "VLEK",
             "the kind of key SIGNING_KEY names");
    UAT_TRY(uat_snp_check_product(&v->ext, &r));
    uat_step("snp.product", "the report's CPUID family and model", "the product of the certificate");
    UAT_TRY(uat_snp_check_tcb(&v->ext, &r));
    uat_stepf("snp.tcb", "the TCB SPLs of the VCEK/VLEK certificate, all eight bytes",
              "REPORTED_TCB %016llx", (unsigned long long)r.reported_tcb);
    UAT_TRY(uat_snp_check_hwid(&v->ext, &r));
    uat_step_hex("snp.hwid", r.chip_id, sizeof(r.chip_id), NULL, 0);
    UAT_TRY(fill_claims(&r, v, claims));
    memcpy(out->report_data, r.report_data, 64);
    out->report_data_len = 64;
    out->valid_until = v->w.hi;
    return UAT_OK;
}

static uat_err snp_verify(uat_span in, const uat_verify_ctx *ctx, uat_claims *claims,
                          uat_verify_out *out)
{
    snp_store *s = NULL;
    UAT_TRY(snp_store_get(ctx, &s));
    uat_err rc = verify_report(in, ctx, s, claims, out);
    if (ctx->cache == NULL) {
        snp_store_free(s);
    }
    return rc;
}

static const char *const snp_detect[] = {"dev/sev-guest", NULL};
static const char *const snp_options[] = {"vmpl", "tsm-entry", "interface", NULL};

const uat_tee_ops uat_tee_snp = {
    .name = "snp",
    .media_type = UAT_SNP_MEDIA_TYPE,
    .cbor_tag = 0x1A7504, /* the rats-tls RA-TLS tag for SEV-SNP reports */
    .detect_paths = snp_detect,
    .options = snp_options,
    .sniff = uat_snp_sniff,
    .inspect = uat_snp_inspect,
    .verify = snp_verify,
    .cache_free = snp_store_free,
    /* a hit records the VCEK/VLEK, ASK/ASVK, ARK and CRLs its chain used (store.c snp_vek_chain) */
    .cache_records_collateral = 1,
    .collect = uat_snp_collect,
    .seal_key = uat_snp_seal_key,
};
