/* GTA's virtCCA evidence JSON ([gta] evidence.rs): the CVM token, the device certificate and the
 * logs, base64-decoded into owned buffers. Pure. Members are exactly those of the format; every
 * string is strict standard base64 (RFC 4648 §4). */
#include <string.h>

#include "core/limits.h"
#include "tee/virtcca/virtcca.h"
#include "evidence/claims_int.h"

#define CHECK "virtcca.evidence"

void uat_virtcca_evidence_free(uat_virtcca_evidence *e)
{
    if (e != NULL) {
        uat_buf_free(&e->token);
        uat_der_list_free(&e->certs);
        uat_buf_free(&e->ccel);
        uat_buf_free(&e->ima);
    }
}

static uat_err b64_member(const json_t *o, const char *name, uat_buf *out)
{
    const json_t *v = json_object_get(o, name);
    if (!json_is_string(v)) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, CHECK, name, -1,
                         "%s is missing or not a base64 string", name);
    }
    uat_err rc = uat_b64_decode(json_string_value(v), json_string_length(v), UAT_B64_STD, out);
    if (rc == UAT_OK && out->len == 0) {
        rc = UAT_FAILF(UAT_ERR_PARSE_TRUNCATED, CHECK, name, -1, "%s is empty", name);
    }
    return rc;
}

/* dev_cert: DER, or PEM text (with a platform token, virtCCA hands the certificate out as PEM). */
static uat_err dev_cert(const json_t *ev, uat_virtcca_evidence *out)
{
    uat_buf b;
    uat_buf_init(&b, UAT_MAX_EVIDENCE_BYTES);
    uat_err rc = b64_member(ev, "dev_cert", &b);
    static const char begin[] = "-----BEGIN";
    if (rc == UAT_OK && b.len > sizeof(begin) - 1 && memcmp(b.p, begin, sizeof(begin) - 1) == 0) {
        out->dev_cert_pem = 1;
        rc = uat_pem_certs_strict(uat_buf_span(&b), &out->certs);
        if (rc == UAT_OK && out->certs.n > UAT_MAX_CERT_CHAIN) {
            rc = UAT_FAILF(UAT_ERR_RESOURCE_LIMIT, CHECK, "dev_cert", -1,
                           "%zu certificates, at most %u", out->certs.n, UAT_MAX_CERT_CHAIN);
        }
    } else if (rc == UAT_OK) {
        rc = uat_der_list_add(&out->certs, uat_buf_span(&b));
    }
    uat_buf_free(&b);
    return rc;
}

static uat_err one_log(const json_t *l, uat_virtcca_evidence *out)
{
    static const char *const names[] = {"log_type", "log_data", NULL};
    UAT_ENSURE(json_is_object(l), UAT_ERR_PARSE_BAD_JSON, CHECK, "logs", -1);
    UAT_TRY(uat_json_only_members(l, names, CHECK, "a log"));
    const char *type = json_string_value(json_object_get(l, "log_type"));
    int ccel = type != NULL && strcmp(type, "CCEL") == 0;
    int ima = type != NULL && strcmp(type, "ImaLog") == 0;
    if (!ccel && !ima) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK, "log_type", -1,
                         "log_type is \"CCEL\" or \"ImaLog\"");
    }
    if (ccel ? out->has_ccel : out->has_ima) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK, "log_type", -1, "two %s logs", type);
    }
    UAT_TRY(b64_member(l, "log_data", ccel ? &out->ccel : &out->ima));
    *(ccel ? &out->has_ccel : &out->has_ima) = 1;
    return UAT_OK;
}

static uat_err from_json(const json_t *j, uat_virtcca_evidence *out)
{
    static const char *const outer[] = {"attester_type", "evidence", NULL};
    static const char *const inner[] = {"vcca_token", "dev_cert", "logs", NULL};
    const json_t *ev = j;
    UAT_ENSURE(json_is_object(j), UAT_ERR_PARSE_BAD_JSON, CHECK, "", -1);
    if (json_object_get(j, "evidence") != NULL) {
        UAT_TRY(uat_json_only_members(j, outer, CHECK, "the evidence envelope"));
        const char *type = json_string_value(json_object_get(j, "attester_type"));
        if (type == NULL || strcmp(type, "virt_cca") != 0) {
            return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK, "attester_type", -1,
                             "attester_type is not \"virt_cca\"");
        }
        ev = json_object_get(j, "evidence");
        UAT_ENSURE(json_is_object(ev), UAT_ERR_PARSE_BAD_JSON, CHECK, "evidence", -1);
    }
    UAT_TRY(uat_json_only_members(ev, inner, CHECK, "the evidence"));
    UAT_TRY(b64_member(ev, "vcca_token", &out->token));
    UAT_TRY(dev_cert(ev, out));
    const json_t *logs = json_object_get(ev, "logs");
    if (logs == NULL || json_is_null(logs)) {
        return UAT_OK;
    }
    /* [gta] log_verifier.rs verify_all_logs: at most two logs, one of each type */
    UAT_ENSURE(json_is_array(logs) && json_array_size(logs) <= 2, UAT_ERR_PARSE_BAD_JSON, CHECK,
               "logs", -1);
    for (size_t i = 0; i < json_array_size(logs); i++) {
        UAT_TRY(one_log(json_array_get(logs, i), out));
    }
    return UAT_OK;
}

uat_err uat_virtcca_evidence_parse(uat_span in, uat_virtcca_evidence *out)
{
    UAT_ENSURE(in.len <= UAT_MAX_CMW_TEXT_BYTES, UAT_ERR_RESOURCE_LIMIT, CHECK, "", -1);
    json_error_t jerr;
    json_t *j = in.len > 0 ? json_loadb((const char *)in.p, in.len, JSON_REJECT_DUPLICATES, &jerr)
                           : NULL;
    if (j == NULL) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, CHECK, "", in.len ? (int64_t)jerr.position : 0,
                         "%s", in.len ? jerr.text : "empty input");
    }
    uat_virtcca_evidence e;
    memset(&e, 0, sizeof(e));
    uat_buf_init(&e.token, UAT_MAX_EVIDENCE_BYTES);
    uat_buf_init(&e.ccel, UAT_MAX_EVIDENCE_BYTES);
    uat_buf_init(&e.ima, UAT_MAX_EVIDENCE_BYTES);
    uat_err rc = from_json(j, &e);
    json_decref(j);
    if (rc != UAT_OK) {
        uat_virtcca_evidence_free(&e);
        return rc;
    }
    *out = e;
    return UAT_OK;
}

static uat_err put_b64(json_t *o, const char *name, uat_span s)
{
    uat_buf b;
    uat_buf_init(&b, 2 * UAT_MAX_EVIDENCE_BYTES);
    uat_err rc = uat_b64_encode(s.p, s.len, UAT_B64_STD, &b);
    if (rc == UAT_OK) {
        rc = uat_json_set(o, name, json_stringn((const char *)b.p, b.len));
    }
    uat_buf_free(&b);
    return rc;
}

static uat_err put_log(json_t *logs, const char *type, uat_span data)
{
    json_t *l = json_object();
    if (l == NULL || json_array_append_new(logs, l) != 0) {
        return UAT_NOMEM(CHECK);
    }
    UAT_TRY(uat_json_set_str(l, "log_type", type));
    return put_b64(l, "log_data", data);
}

static uat_err write_doc(json_t *doc, uat_span token, uat_span cert, uat_span ccel, uat_span ima)
{
    json_t *ev = json_object();
    UAT_TRY(uat_json_set_str(doc, "attester_type", "virt_cca"));
    UAT_TRY(uat_json_set(doc, "evidence", ev));
    UAT_TRY(put_b64(ev, "vcca_token", token));
    UAT_TRY(put_b64(ev, "dev_cert", cert));
    if (ccel.len == 0 && ima.len == 0) {
        return UAT_OK;
    }
    json_t *logs = json_array();
    UAT_TRY(uat_json_set(ev, "logs", logs));
    if (ima.len > 0) {
        UAT_TRY(put_log(logs, "ImaLog", ima));
    }
    return ccel.len > 0 ? put_log(logs, "CCEL", ccel) : UAT_OK;
}

uat_err uat_virtcca_evidence_write(uat_span token, uat_span dev_cert, uat_span ccel, uat_span ima,
                                   uat_buf *out)
{
    json_t *doc = json_object();
    uat_err rc = doc != NULL ? write_doc(doc, token, dev_cert, ccel, ima) : UAT_NOMEM(CHECK);
    if (rc == UAT_OK) {
        rc = uat_json_write(doc, out);
    }
    json_decref(doc);
    return rc;
}

int uat_virtcca_sniff(uat_span in)
{
    size_t i = 0;
    while (in.p != NULL && i < in.len &&
           (in.p[i] == ' ' || in.p[i] == '\t' || in.p[i] == '\r' || in.p[i] == '\n')) {
        i++;
    }
    if (in.p == NULL || i == in.len || in.p[i] != '{' || in.len > UAT_MAX_CMW_TEXT_BYTES) {
        return 0;
    }
    if (uat_json_text_lacks(in, "vcca_token") &&
        (uat_json_text_lacks(in, "attester_type") || uat_json_text_lacks(in, "evidence"))) {
        return 0; /* another format's JSON: no need to parse */
    }
    json_error_t jerr;
    json_t *j = json_loadb((const char *)in.p, in.len, 0, &jerr);
    const json_t *ev = json_object_get(j, "evidence");
    const char *type = json_string_value(json_object_get(j, "attester_type"));
    int ok = (type != NULL && strcmp(type, "virt_cca") == 0 && json_is_object(ev)) ||
             json_is_string(json_object_get(j, "vcca_token"));
    json_decref(j);
    return ok;
}

uat_err uat_virtcca_inspect(uat_span in, json_t *fields)
{
    uat_virtcca_evidence e;
    uat_cca_token t;
    UAT_TRY(uat_virtcca_evidence_parse(in, &e));
    uat_err rc = uat_cca_token_parse(uat_buf_span(&e.token), UAT_CCA_VIRTCCA, "virtcca.token", &t);
    json_t *cvm = json_object(), *logs = json_object();
    if (rc == UAT_OK) {
        rc = uat_json_set(fields, "cvm_token", cvm);
        cvm = NULL;
    }
    if (rc == UAT_OK) {
        rc = uat_json_set_str(fields, "cvm_alg", uat_cose_alg_name(t.realm_cose.alg));
    }
    if (rc == UAT_OK) {
        rc = uat_cca_realm_describe(&t.realm, json_object_get(fields, "cvm_token"));
    }
    if (rc == UAT_OK && t.has_platform) {
        json_t *p = json_object();
        rc = uat_json_set(fields, "platform_token", p);
        rc = rc == UAT_OK ? uat_cca_platform_describe(&t.platform, p) : rc;
    }
    if (rc == UAT_OK) {
        rc = uat_json_set_int(fields, "dev_certs", (int64_t)e.certs.n);
    }
    if (rc == UAT_OK) {
        rc = uat_json_set(fields, "logs", logs);
        logs = NULL;
    }
    if (rc == UAT_OK && e.has_ccel) {
        rc = uat_json_set_int(json_object_get(fields, "logs"), "ccel_bytes", (int64_t)e.ccel.len);
    }
    if (rc == UAT_OK && e.has_ima) {
        rc = uat_json_set_int(json_object_get(fields, "logs"), "ima_bytes", (int64_t)e.ima.len);
    }
    json_decref(cvm);
    json_decref(logs);
    uat_virtcca_evidence_free(&e);
    return rc;
}
