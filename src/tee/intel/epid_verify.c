/* SGX EPID / IAS report verification: the signing certificate chain and the report signature come
 * first (over the exact report bytes), then strict parsing of what they authenticated. */
#include <string.h>

#include "collateral/trust.h"
#include "tee/intel/epid.h"

#define CHECK_CHAIN "sgx-epid.chain"
#define CHECK_SIG "sgx-epid.signature"
#define CHECK_REPORT "sgx-epid.report"
#define CHECK_NONCE "sgx-epid.nonce"

/* spec: IAS API rev 6 §4.2.2: X-IASReport-Signing-Certificate is the Attestation Report Signing
 * certificate, issued by the Attestation Report Signing CA (the configured trust anchor). */
static uat_err verify_chain(const uat_epid_evidence *ev, const uat_verify_ctx *ctx,
                            uat_time *not_after)
{
    UAT_ENSURE(ev->certs.n > 0, UAT_ERR_PARSE_BAD_CERT, CHECK_CHAIN, "certificates", -1);
    uat_der_list anchors = {NULL, 0, 0};
    uat_der_list inter = {NULL, 0, 0};
    uat_span leaf = uat_buf_span(&ev->certs.items[0]);
    uat_err rc;
    UAT_TRY(uat_trust_load_certs(ctx->trust_dir, "sgx-epid", &anchors));
    /* whatever follows the signing certificate is untrusted: only the anchors end a chain */
    for (size_t i = 1; i < ev->certs.n; i++) {
        UAT_TRY_GOTO(rc, uat_der_list_add(&inter, uat_buf_span(&ev->certs.items[i])), out);
    }
    uat_chain_args a = {leaf, &inter, &anchors, NULL, 0, ctx->at, CHECK_CHAIN};
    UAT_TRY_GOTO(rc, uat_x509_verify_chain(&a), out);
    uat_time not_before = 0;
    rc = uat_x509_validity(leaf, &not_before, not_after);
out:
    uat_der_list_free(&inter);
    uat_der_list_free(&anchors);
    return rc;
}

/* spec: IAS API rev 6 §4.2.2: X-IASReport-Signature is RSASSA-PKCS1-v1_5 with SHA-256 over the
 * report body exactly as served, made with the signing certificate's key */
static uat_err verify_signature(const uat_epid_evidence *ev)
{
    uat_key *key = NULL;
    UAT_TRY(uat_x509_public_key(uat_buf_span(&ev->certs.items[0]), &key));
    uat_err rc = uat_sig_verify(key, UAT_SIG_RS256, uat_buf_span(&ev->report),
                                uat_buf_span(&ev->signature), CHECK_SIG);
    uat_key_free(key);
    if (rc == UAT_ERR_VERIFY_SIGNATURE) {
        rc = UAT_FAILF(rc, CHECK_SIG, "signature", -1,
                       "the IAS report signature does not verify with the signing certificate");
    }
    return rc;
}

/* The evaluation time cannot precede the report: IAS had not issued it yet. */
static uat_err check_issued(const uat_epid_report *r, uat_time at)
{
    if (at != UAT_TIME_UNCHECKED && r->timestamp > at) {
        return UAT_FAILF(UAT_ERR_VERIFY_EXPIRED, CHECK_REPORT, "timestamp", -1,
                         "the report was issued at %.32sZ, after the evaluation time",
                         r->timestamp_text);
    }
    uat_stepf(CHECK_REPORT, "a report IAS issued at or before the evaluation time",
              "report %.64s, version %lld, issued %.32sZ", r->id, (long long)r->version,
              r->timestamp_text);
    return UAT_OK;
}

/* spec: IAS API rev 6 §4.2.1/§4.2.2: the report echoes the nonce of the request; a caller that
 * sent one requires it back, byte for byte */
static uat_err check_nonce(const uat_epid_report *r, uat_span want)
{
    if (want.len == 0) {
        uat_step_skip(CHECK_NONCE, r->nonce != NULL ? "the report carries a nonce; none was "
                                                       "expected (it is a claim)"
                                                     : "no IAS nonce expected");
        return UAT_OK;
    }
    size_t n = r->nonce != NULL ? strlen(r->nonce) : 0;
    if (r->nonce == NULL || n != want.len || !uat_ct_equal(r->nonce, want.p, n)) {
        return UAT_FAILF(UAT_ERR_VERIFY_BINDING, CHECK_NONCE, "nonce", -1,
                         r->nonce == NULL ? "the report carries no nonce, one was expected"
                                          : "the report's nonce is not the expected one");
    }
    uat_step(CHECK_NONCE, r->nonce, "the IAS nonce the caller sent, byte for byte");
    return UAT_OK;
}

static uat_err fill_tcb(const uat_epid_report *r, const char *status, json_t *doc)
{
    json_t *tcb = json_object();
    UAT_TRY(uat_json_set(doc, "tcb", tcb));
    UAT_TRY(uat_json_set_str(tcb, "status", status));
    UAT_TRY(uat_json_set_time(tcb, "date", r->timestamp));
    json_t *ids = r->advisory_ids != NULL ? json_deep_copy(r->advisory_ids) : json_array();
    return uat_json_set(tcb, "advisory_ids", ids);
}

static uat_err fill_claims(const uat_epid_report *r, const char *status, uat_claims *claims)
{
    const uat_epid_quote *q = &r->quote;
    json_t *doc = uat_claims_doc(claims);
    UAT_TRY(uat_json_set_hex(doc, "measurement", q->body.mr_enclave, sizeof(q->body.mr_enclave)));
    UAT_TRY(uat_json_set_hex(doc, "signer", q->body.mr_signer, sizeof(q->body.mr_signer)));
    UAT_TRY(uat_json_set_int(doc, "product_id", q->body.isv_prod_id));
    UAT_TRY(uat_json_set_int(doc, "svn", q->body.isv_svn));
    /* spec: SDM Vol. 3D §38.7.1: ATTRIBUTES.DEBUG is bit 1 of the little-endian flags */
    UAT_TRY(uat_json_set_bool(doc, "debug", (q->body.attributes[0] & UAT_EPID_ATTR_DEBUG) != 0));
    UAT_TRY(uat_json_set_hex(doc, "report_data", q->body.report_data, sizeof(q->body.report_data)));
    UAT_TRY(fill_tcb(r, status, doc));
    return uat_epid_describe(r, uat_claims_tee_obj(claims));
}

uat_err uat_epid_verify(uat_span in, const uat_verify_ctx *ctx, uat_claims *claims,
                        uat_verify_out *out)
{
    uat_epid_evidence ev;
    UAT_TRY(uat_epid_evidence_parse(in, &ev));
    uat_epid_report r;
    memset(&r, 0, sizeof(r));
    uat_time not_after = 0;
    const char *status = NULL;
    uat_err rc;
    /* authenticate before interpreting: no byte of the report is read before its signature */
    UAT_TRY_GOTO(rc, verify_chain(&ev, ctx, &not_after), done);
    UAT_TRY_GOTO(rc, verify_signature(&ev), done);
    UAT_TRY_GOTO(rc, uat_epid_report_parse(uat_buf_span(&ev.report), &r), done);
    UAT_TRY_GOTO(rc, check_issued(&r, ctx->at), done);
    UAT_TRY_GOTO(rc, check_nonce(&r, ctx->nonce), done);
    UAT_TRY_GOTO(rc, uat_epid_status_tcb(r.status, &status), done);
    UAT_TRY_GOTO(rc, fill_claims(&r, status, claims), done);
    /* the generic binding check compares the quote's report_data; the IAS nonce was checked when
     * the caller gave one, and is a claim */
    memcpy(out->report_data, r.quote.body.report_data, sizeof(r.quote.body.report_data));
    out->report_data_len = sizeof(r.quote.body.report_data);
    out->valid_until = not_after;
done:
    uat_epid_report_free(&r);
    uat_epid_evidence_free(&ev);
    return rc;
}
