/* Intel SGX / TDX DCAP quote verification: PCK chain, QE report, binding, quote signature,
 * collateral, TCB evaluation; then the normalized claims. */
#include <stdlib.h>
#include <string.h>

#include "tee/intel/store.h"
#include "tee/intel/tcb.h"

#define CHECK "intel.quote"

/* spec: DCAP Quote Library API: QE report.report_data = SHA-256(attestation key || QE auth data) || 0^32 */
static uat_err check_qe_binding(const uat_intel_quote *q)
{
    uat_span parts[2] = {uat_span_of(q->att_key, 64), q->qe_auth_data};
    uint8_t h[32];
    UAT_TRY(uat_hash(UAT_HASH_SHA256, parts, 2, h));
    UAT_ENSURE(uat_ct_equal(h, q->qe_report.report_data, 32) &&
                   uat_is_zero(q->qe_report.report_data + 32, 32),
               UAT_ERR_VERIFY_BINDING, "intel.qe_binding", "qe_report.report_data", -1);
    uat_step_hex("intel.qe_binding", q->qe_report.report_data, 32, h, 32);
    return UAT_OK;
}

static uat_err check_signatures(const uat_intel_quote *q, const intel_pck *pck)
{
    UAT_TRY(uat_sig_verify(uat_cert_key(pck->leaf), UAT_SIG_ES256, q->qe_report_raw,
                           uat_span_of(q->qe_report_sig, 64), "intel.qe_report_signature"));
    UAT_TRY(check_qe_binding(q));
    uat_key *ak = NULL;
    uat_err rc = uat_key_from_ec_point(UAT_KEY_EC_P256, uat_span_of(q->att_key, 32),
                                       uat_span_of(q->att_key + 32, 32), &ak);
    if (rc == UAT_OK) {
        rc = uat_sig_verify(ak, UAT_SIG_ES256, q->signed_part, uat_span_of(q->signature, 64),
                            "intel.quote_signature");
    }
    uat_key_free(ak);
    return rc;
}

static uat_err evaluate(intel_store *s, const uat_intel_quote *q, const intel_pck *pck,
                        uat_time at, uat_tcb_result *r, uat_time *valid_until)
{
    int tdx = q->body_type != 1;
    const uat_tcb_info *t = NULL;
    const uat_enclave_identity *e = NULL;
    uat_time hi_t = 0, hi_e = 0;
    /* every piece of collateral is checked (signature, dates) before any TCB is judged */
    UAT_TRY(intel_tcb_info(s, pck->ext.fmspc, tdx, at, &t, &hi_t));
    UAT_TRY(intel_identity(s, tdx ? "TD_QE" : "QE", at, &e, &hi_e));
    UAT_ENSURE(memcmp(t->pceid, pck->ext.pceid, 2) == 0, UAT_ERR_VERIFY_COLLATERAL, "intel.tcb",
               "pceId", -1);
    UAT_TRY(uat_tcb_eval_platform(t, &pck->ext, tdx ? &q->td : NULL, r));
    if (tdx) {
        UAT_TRY(uat_tcb_eval_module(t, &q->td, r));
    }
    UAT_TRY(uat_tcb_eval_qe(e, &q->qe_report, r));
    *valid_until = pck->w.hi;
    if (hi_t < *valid_until) {
        *valid_until = hi_t;
    }
    if (hi_e < *valid_until) {
        *valid_until = hi_e;
    }
    UAT_ENSURE(r->status != UAT_TCB_REVOKED, UAT_ERR_VERIFY_REVOKED, "intel.tcb", "tcbStatus", -1);
    if (UAT_TRACING()) {
        char *adv = json_dumps(r->advisories, JSON_COMPACT);
        uat_stepf("intel.tcb", "a TCB level of the TCB info matches; not Revoked",
                  "platform %s, QE %s, advisories %s", uat_tcb_status_name(r->status),
                  uat_tcb_status_name(r->qe_status), adv != NULL ? adv : "?");
        free(adv);
    }
    return UAT_OK;
}

static uat_err platform_claims(const intel_pck *pck, json_t *doc)
{
    json_t *p = json_object();
    UAT_TRY(uat_json_set(doc, "platform", p));
    UAT_TRY(uat_json_set_hex(p, "fmspc", pck->ext.fmspc, 6));
    UAT_TRY(uat_json_set_hex(p, "pceid", pck->ext.pceid, 2));
    UAT_TRY(uat_json_set_int(p, "pcesvn", pck->ext.pcesvn));
    UAT_TRY(uat_json_set_hex(p, "cpusvn", pck->ext.cpusvn, 16));
    UAT_TRY(uat_json_set_hex(p, "tcb_components", pck->ext.tcb_comp, 16));
    UAT_TRY(uat_json_set_hex(p, "ppid", pck->ext.ppid, 16));
    UAT_TRY(uat_json_set_int(p, "sgx_type", pck->ext.sgx_type));
    UAT_TRY(uat_json_set_str(p, "pck_ca", pck->processor_ca ? "processor" : "platform"));
    if (pck->ext.has_platform) {
        UAT_TRY(uat_json_set_hex(p, "platform_instance_id", pck->ext.platform_instance_id, 16));
    }
    return UAT_OK;
}

static uat_err fill_claims(const uat_intel_quote *q, const intel_pck *pck, uat_tcb_result *r,
                           uat_claims *claims)
{
    json_t *doc = uat_claims_doc(claims);
    if (q->body_type == 1) {
        const uat_sgx_report *b = &q->sgx;
        UAT_TRY(uat_json_set_hex(doc, "measurement", b->mr_enclave, 32));
        UAT_TRY(uat_json_set_hex(doc, "signer", b->mr_signer, 32));
        UAT_TRY(uat_json_set_int(doc, "product_id", b->isv_prod_id));
        UAT_TRY(uat_json_set_int(doc, "svn", b->isv_svn));
        /* spec: SGX attributes.flags bit 1 = DEBUG */
        UAT_TRY(uat_json_set_bool(doc, "debug", (b->attributes[0] & 0x02) != 0));
        UAT_TRY(uat_json_set_hex(doc, "report_data", b->report_data, 64));
    } else {
        UAT_TRY(uat_json_set_hex(doc, "measurement", q->td.mr_td, 48));
        /* spec: TDX module ABI: TDATTRIBUTES bit 0 = DEBUG */
        UAT_TRY(uat_json_set_bool(doc, "debug", (q->td.td_attributes[0] & 0x01) != 0));
        UAT_TRY(uat_json_set_hex(doc, "report_data", q->td.report_data, 64));
    }
    json_t *tcb = json_object();
    UAT_TRY(uat_json_set(doc, "tcb", tcb));
    UAT_TRY(uat_json_set_str(tcb, "status", uat_tcb_status_name(r->status)));
    UAT_TRY(uat_json_set_time(tcb, "date", r->date));
    UAT_TRY(uat_json_set(tcb, "advisory_ids", json_incref(r->advisories)));
    UAT_TRY(uat_json_set_str(tcb, "qe_status", uat_tcb_status_name(r->qe_status)));
    UAT_TRY(platform_claims(pck, doc));
    return uat_intel_quote_describe(q, uat_claims_tee_obj(claims));
}

/* What the collateral lacks for this quote, from the service the caller allowed. */
static uat_err fetch_missing(intel_store *s, const char *base, const uat_intel_quote *q,
                             const intel_pck *pck)
{
    int tdx = q->body_type != 1;
    if (!intel_store_has_tcb_info(s, pck->ext.fmspc, tdx)) {
        UAT_TRY(intel_fetch_tcb_info(s, base, pck->ext.fmspc, tdx));
    }
    if (!intel_store_has_identity(s, tdx ? "TD_QE" : "QE")) {
        UAT_TRY(intel_fetch_identity(s, base, tdx));
    }
    return UAT_OK;
}

static uat_err verify_quote(uat_span in, const uat_verify_ctx *ctx, int want_tdx,
                            uat_claims *claims, uat_verify_out *out, intel_store *s)
{
    uat_intel_quote q;
    UAT_TRY(uat_intel_quote_parse(in, &q));
    UAT_ENSURE((q.body_type != 1) == want_tdx, UAT_ERR_PARSE_BAD_VALUE, CHECK, "tee_type", 4);
    const char *fetch = uat_verify_fetch_url(ctx, "intel");
    const intel_pck *pck = NULL;
    if (fetch != NULL) {
        UAT_TRY(intel_fetch_crls(s, fetch));
    }
    UAT_TRY(intel_pck_chain(s, q.pck_chain_pem, ctx->at, &pck));
    if (fetch != NULL) {
        UAT_TRY(fetch_missing(s, fetch, &q, pck));
    }
    UAT_TRY(check_signatures(&q, pck));
    uat_tcb_result r = {UAT_TCB_UP_TO_DATE, UAT_TCB_UP_TO_DATE, 0, json_array()};
    uat_time valid_until = 0;
    uat_err rc = r.advisories ? evaluate(s, &q, pck, ctx->at, &r, &valid_until) : UAT_NOMEM(CHECK);
    if (rc == UAT_OK) {
        rc = fill_claims(&q, pck, &r, claims);
    }
    json_decref(r.advisories);
    UAT_TRY(rc);
    memcpy(out->report_data, q.body_type == 1 ? q.sgx.report_data : q.td.report_data, 64);
    out->report_data_len = 64;
    out->valid_until = valid_until;
    return UAT_OK;
}

/* The store for this call: the cached one, or with in-band endorsements a fresh one of the
 * trust anchors and collateral directory plus what the evidence brought (never cached). */
static uat_err store_for(const uat_verify_ctx *ctx, intel_store **s)
{
    UAT_TRY(intel_store_get(ctx, s));
    uat_err rc = ctx->inband.len > 0 ? intel_store_add_endorsements(*s, ctx->inband) : UAT_OK;
    if (rc != UAT_OK && ctx->cache == NULL) {
        intel_store_free(*s);
        *s = NULL;
    }
    return rc;
}

static uat_err intel_verify(uat_span in, const uat_verify_ctx *ctx, int want_tdx,
                            uat_claims *claims, uat_verify_out *out)
{
    intel_store *s = NULL;
    UAT_TRY(store_for(ctx, &s));
    uat_err rc = verify_quote(in, ctx, want_tdx, claims, out, s);
    if (ctx->cache == NULL) {
        intel_store_free(s);
    }
    return rc;
}

/* The endorsements of a quote: verified first, so only collateral that verifies it is exported. */
static uat_err intel_endorse(uat_span in, const uat_verify_ctx *ctx, uat_buf *out)
{
    intel_store *s = NULL;
    uat_claims *claims = NULL;
    uat_verify_out vo;
    uat_intel_quote q;
    UAT_TRY(uat_intel_quote_parse(in, &q));
    int tdx = q.body_type != 1;
    UAT_TRY(store_for(ctx, &s));
    uat_err rc = uat_claims_new(tdx ? "tdx" : "sgx", &claims);
    rc = rc != UAT_OK ? rc : verify_quote(in, ctx, tdx, claims, &vo, s);
    const intel_pck *pck = NULL;
    const uat_tcb_info *t = NULL;
    const uat_enclave_identity *e = NULL;
    uat_time hi = 0;
    rc = rc != UAT_OK ? rc : intel_pck_chain(s, q.pck_chain_pem, ctx->at, &pck);
    rc = rc != UAT_OK ? rc : intel_tcb_info(s, pck->ext.fmspc, tdx, ctx->at, &t, &hi);
    rc = rc != UAT_OK ? rc : intel_identity(s, tdx ? "TD_QE" : "QE", ctx->at, &e, &hi);
    rc = rc != UAT_OK ? rc : intel_endorsements_write(s, &q, pck, t, e, ctx->at, out);
    uat_claims_free(claims);
    if (ctx->cache == NULL) {
        intel_store_free(s);
    }
    return rc;
}

static uat_err sgx_verify(uat_span in, const uat_verify_ctx *ctx, uat_claims *claims,
                          uat_verify_out *out)
{
    return intel_verify(in, ctx, 0, claims, out);
}

static uat_err tdx_verify(uat_span in, const uat_verify_ctx *ctx, uat_claims *claims,
                          uat_verify_out *out)
{
    return intel_verify(in, ctx, 1, claims, out);
}

static const char *const sgx_detect[] = {"dev/attestation/quote", "dev/sgx_enclave", NULL};
static const char *const tdx_detect[] = {"dev/tdx_guest", NULL};
static const char *const sgx_options[] = {"interface", "dcap-ql", "enclave-report",
                                         "qe-target-info", NULL};
static const char *const tdx_options[] = {"interface", "tsm-entry", NULL};

const uat_tee_ops uat_tee_sgx = {
    .name = "sgx",
    .media_type = "application/vnd.intel.sgx.quote",
    .cbor_tag = 60000,
    .detect_paths = sgx_detect,
    .options = sgx_options,
    .sniff = uat_intel_sniff_sgx,
    .inspect = uat_intel_inspect,
    .verify = sgx_verify,
    .cache_free = intel_store_free,
    /* verdicts reused within their windows record the collateral they used (store_verify.c) */
    .cache_records_collateral = 1,
    .collect = uat_sgx_collect,
    .endorse = intel_endorse,
};

const uat_tee_ops uat_tee_tdx = {
    .name = "tdx",
    .media_type = "application/vnd.intel.tdx.quote",
    .cbor_tag = 60000, /* the CCC interoperable RA-TLS tag for Intel SGX and TDX quotes */
    .detect_paths = tdx_detect,
    .options = tdx_options,
    .sniff = uat_intel_sniff_tdx,
    .inspect = uat_intel_inspect,
    .verify = tdx_verify,
    .cache_free = intel_store_free,
    /* verdicts reused within their windows record the collateral they used (store_verify.c) */
    .cache_records_collateral = 1,
    .collect = uat_tdx_collect,
    .endorse = intel_endorse,
};
