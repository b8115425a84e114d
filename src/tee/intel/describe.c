/* Intel quote fields as JSON, under the names of Intel's specifications. */
#include "tee/intel/intel.h"

uat_err uat_sgx_report_describe(const uat_sgx_report *s, json_t *o)
{
    UAT_TRY(uat_json_set_hex(o, "cpu_svn", s->cpu_svn, 16));
    UAT_TRY(uat_json_set_int(o, "misc_select", s->misc_select));
    UAT_TRY(uat_json_set_hex(o, "isv_ext_prod_id", s->isv_ext_prod_id, 16));
    UAT_TRY(uat_json_set_hex(o, "attributes", s->attributes, 16));
    UAT_TRY(uat_json_set_hex(o, "mr_enclave", s->mr_enclave, 32));
    UAT_TRY(uat_json_set_hex(o, "mr_signer", s->mr_signer, 32));
    UAT_TRY(uat_json_set_hex(o, "config_id", s->config_id, 64));
    UAT_TRY(uat_json_set_int(o, "isv_prod_id", s->isv_prod_id));
    UAT_TRY(uat_json_set_int(o, "isv_svn", s->isv_svn));
    UAT_TRY(uat_json_set_int(o, "config_svn", s->config_svn));
    UAT_TRY(uat_json_set_hex(o, "isv_family_id", s->isv_family_id, 16));
    return uat_json_set_hex(o, "report_data", s->report_data, 64);
}

static uat_err describe_td(const uat_td_report *t, json_t *o)
{
    static const char *const rtmr[] = {"rtmr0", "rtmr1", "rtmr2", "rtmr3"};
    UAT_TRY(uat_json_set_hex(o, "tee_tcb_svn", t->tee_tcb_svn, 16));
    UAT_TRY(uat_json_set_hex(o, "mr_seam", t->mr_seam, 48));
    UAT_TRY(uat_json_set_hex(o, "mr_signer_seam", t->mr_signer_seam, 48));
    UAT_TRY(uat_json_set_hex(o, "seam_attributes", t->seam_attributes, 8));
    UAT_TRY(uat_json_set_hex(o, "td_attributes", t->td_attributes, 8));
    UAT_TRY(uat_json_set_hex(o, "xfam", t->xfam, 8));
    UAT_TRY(uat_json_set_hex(o, "mr_td", t->mr_td, 48));
    UAT_TRY(uat_json_set_hex(o, "mr_config_id", t->mr_config_id, 48));
    UAT_TRY(uat_json_set_hex(o, "mr_owner", t->mr_owner, 48));
    UAT_TRY(uat_json_set_hex(o, "mr_owner_config", t->mr_owner_config, 48));
    for (size_t i = 0; i < 4; i++) {
        UAT_TRY(uat_json_set_hex(o, rtmr[i], t->rtmr[i], 48));
    }
    UAT_TRY(uat_json_set_hex(o, "report_data", t->report_data, 64));
    if (t->is_15) {
        UAT_TRY(uat_json_set_hex(o, "tee_tcb_svn2", t->tee_tcb_svn2, 16));
        UAT_TRY(uat_json_set_hex(o, "mr_servicetd", t->mr_servicetd, 48));
    }
    return UAT_OK;
}

uat_err uat_intel_quote_describe(const uat_intel_quote *q, json_t *o)
{
    UAT_TRY(uat_json_set_int(o, "version", q->version));
    UAT_TRY(uat_json_set_int(o, "att_key_type", q->att_key_type));
    UAT_TRY(uat_json_set_int(o, "tee_type", q->tee_type));
    UAT_TRY(uat_json_set_int(o, "qe_svn", q->qe_svn));
    UAT_TRY(uat_json_set_int(o, "pce_svn", q->pce_svn));
    UAT_TRY(uat_json_set_hex(o, "qe_vendor_id", q->qe_vendor_id, 16));
    UAT_TRY(uat_json_set_hex(o, "user_data", q->user_data, 20));
    UAT_TRY(uat_json_set_int(o, "body_type", q->body_type));
    UAT_TRY(q->body_type == 1 ? uat_sgx_report_describe(&q->sgx, o) : describe_td(&q->td, o));
    json_t *qe = json_object();
    UAT_TRY(uat_json_set(o, "qe_report", qe));
    UAT_TRY(uat_sgx_report_describe(&q->qe_report, qe));
    UAT_TRY(uat_json_set_hex(o, "attestation_key", q->att_key, 64));
    UAT_TRY(uat_json_set_hex(o, "qe_auth_data", q->qe_auth_data.p, q->qe_auth_data.len));
    UAT_TRY(uat_json_set_int(o, "cert_data_type", q->cert_type));
    return uat_json_set_int(o, "trailing_zero_bytes", (int64_t)q->trailing_zeros);
}

uat_err uat_intel_inspect(uat_span in, json_t *fields)
{
    uat_intel_quote q;
    UAT_TRY(uat_intel_quote_parse(in, &q));
    UAT_TRY(uat_intel_quote_describe(&q, fields));
    UAT_TRY(uat_json_set_hex(fields, "signature", q.signature, 64));
    json_t *pem = json_stringn((const char *)q.pck_chain_pem.p, q.pck_chain_pem.len);
    UAT_ENSURE(pem != NULL, UAT_ERR_PARSE_BAD_CERT, "intel.quote", "pck_chain", -1);
    return uat_json_set(fields, "pck_chain_pem", pem);
}
