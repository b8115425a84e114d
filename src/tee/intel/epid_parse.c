/* SGX EPID / IAS evidence parsing (pure: JSON text and bytes to structs, no crypto). Layout:
 * epid.h, docs/sgx-epid.md. */
#include <stdio.h>
#include <string.h>

#include "core/limits.h"
#include "core/reader.h"
#include "tee/intel/epid.h"
#include "evidence/claims_int.h"

#define CHECK_EV "sgx-epid.evidence"
#define CHECK_REPORT "sgx-epid.report"
#define CHECK_QUOTE "sgx-epid.quote"
#define CHECK_STATUS "sgx-epid.status"

/* ---- the quote body (isvEnclaveQuoteBody) ---- */

/* spec: sgx_quote.h sgx_quote_t, first 48 bytes */
static uat_err parse_header(uat_reader *r, uat_epid_quote *q)
{
    uat_reader h;
    UAT_TRY(uat_rd_sub(r, UAT_EPID_HEADER_SIZE, UAT_EPID_HEADER_SIZE, "header", &h));
    UAT_TRY(uat_rd_u16le(&h, "version", &q->version));
    /* spec: sgx_quote.h: EPID quotes are versions 1 and 2; 3 and later are ECDSA (DCAP) quotes */
    UAT_ENSURE(q->version == 1 || q->version == 2, UAT_ERR_PARSE_BAD_VERSION, CHECK_QUOTE,
               "version", 0);
    UAT_TRY(uat_rd_u16le(&h, "sign_type", &q->sign_type));
    /* spec: sgx_quote.h sgx_quote_sign_type_t: 0 unlinkable, 1 linkable */
    UAT_ENSURE(q->sign_type <= 1, UAT_ERR_PARSE_BAD_VALUE, CHECK_QUOTE, "sign_type", 2);
    UAT_TRY(uat_rd_copy(&h, q->epid_group_id, sizeof(q->epid_group_id), "epid_group_id"));
    UAT_TRY(uat_rd_u16le(&h, "qe_svn", &q->qe_svn));
    UAT_TRY(uat_rd_u16le(&h, "pce_svn", &q->pce_svn));
    UAT_TRY(uat_rd_u32le(&h, "xeid", &q->xeid));
    UAT_TRY(uat_rd_copy(&h, q->basename, sizeof(q->basename), "basename"));
    return uat_rd_end(&h);
}

uat_err uat_epid_quote_parse(uat_span in, uat_epid_quote *out)
{
    /* spec: IAS API rev 6 §4.2.1: isvEnclaveQuoteBody is the quote without signature_len and
     * signature: exactly 432 bytes */
    UAT_ENSURE(in.len == UAT_EPID_QUOTE_BODY_SIZE,
               in.len < UAT_EPID_QUOTE_BODY_SIZE ? UAT_ERR_PARSE_TRUNCATED
                                                 : UAT_ERR_PARSE_TRAILING_BYTES,
               CHECK_QUOTE, "",
               (int64_t)(in.len < UAT_EPID_QUOTE_BODY_SIZE ? in.len : UAT_EPID_QUOTE_BODY_SIZE));
    uat_reader r;
    uat_rd_init(&r, in, CHECK_QUOTE);
    uat_epid_quote q;
    memset(&q, 0, sizeof(q));
    UAT_TRY(parse_header(&r, &q));
    UAT_TRY(uat_sgx_report_parse(&r, &q.body));
    UAT_TRY(uat_rd_end(&r));
    *out = q;
    return UAT_OK;
}

/* ---- isvEnclaveQuoteStatus ---- */

/* spec: IAS API rev 6 §4.2.1: isvEnclaveQuoteStatus; §2.4.1: API v4 added the two
 * SW_HARDENING statuses. tcb is the normalized tcb.status, NULL when the quote is not trustworthy.
 */
static const struct status_row {
    const char *name;
    int64_t since;
    const char *tcb;
    uat_err err;
    const char *why;
} status_rows[UAT_EPID_STATUS_COUNT] = {
    [UAT_EPID_OK] = {"OK", 3, "UpToDate", UAT_OK, ""},
    [UAT_EPID_SIGNATURE_INVALID] = {"SIGNATURE_INVALID", 3, NULL, UAT_ERR_VERIFY_SIGNATURE,
                                    "the EPID signature of the quote is invalid"},
    [UAT_EPID_GROUP_REVOKED] = {"GROUP_REVOKED", 3, NULL, UAT_ERR_VERIFY_REVOKED,
                                "the platform's EPID group is revoked"},
    [UAT_EPID_SIGNATURE_REVOKED] = {"SIGNATURE_REVOKED", 3, NULL, UAT_ERR_VERIFY_REVOKED,
                                    "the platform's EPID key is revoked by signature"},
    [UAT_EPID_KEY_REVOKED] = {"KEY_REVOKED", 3, NULL, UAT_ERR_VERIFY_REVOKED,
                              "the platform's EPID private key is revoked"},
    [UAT_EPID_SIGRL_VERSION_MISMATCH] = {"SIGRL_VERSION_MISMATCH", 3, "OutOfDate", UAT_OK, ""},
    [UAT_EPID_GROUP_OUT_OF_DATE] = {"GROUP_OUT_OF_DATE", 3, "OutOfDate", UAT_OK, ""},
    [UAT_EPID_CONFIGURATION_NEEDED] = {"CONFIGURATION_NEEDED", 3, "ConfigurationNeeded", UAT_OK,
                                       ""},
    [UAT_EPID_SW_HARDENING_NEEDED] = {"SW_HARDENING_NEEDED", 4, "SWHardeningNeeded", UAT_OK, ""},
    [UAT_EPID_CONFIGURATION_AND_SW_HARDENING_NEEDED] = {"CONFIGURATION_AND_SW_HARDENING_NEEDED", 4,
                                                        "ConfigurationAndSWHardeningNeeded", UAT_OK,
                                                        ""},
};

const char *uat_epid_status_name(enum uat_epid_status st)
{
    return (unsigned)st < UAT_EPID_STATUS_COUNT ? status_rows[st].name : "?";
}

uat_err uat_epid_status_parse(const char *s, int64_t ias_version, enum uat_epid_status *out)
{
    UAT_ENSURE(s != NULL, UAT_ERR_PARSE_BAD_VALUE, CHECK_STATUS, "isvEnclaveQuoteStatus", -1);
    for (unsigned i = 0; i < UAT_EPID_STATUS_COUNT; i++) {
        if (strcmp(s, status_rows[i].name) != 0) {
            continue;
        }
        if (ias_version < status_rows[i].since) {
            return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK_STATUS, "isvEnclaveQuoteStatus", -1,
                             "%s is not defined in IAS API version %lld", status_rows[i].name,
                             (long long)ias_version);
        }
        *out = (enum uat_epid_status)i;
        return UAT_OK;
    }
    return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK_STATUS, "isvEnclaveQuoteStatus", -1,
                     "unknown status \"%.64s\"", s);
}

uat_err uat_epid_status_tcb(enum uat_epid_status st, const char **tcb_status)
{
    UAT_ENSURE((unsigned)st < UAT_EPID_STATUS_COUNT, UAT_ERR_PARSE_BAD_VALUE, CHECK_STATUS,
               "isvEnclaveQuoteStatus", -1);
    const struct status_row *row = &status_rows[st];
    if (row->tcb == NULL) {
        return UAT_FAILF(row->err, CHECK_STATUS, "isvEnclaveQuoteStatus", -1, "IAS reports %s: %s",
                         row->name, row->why);
    }
    *tcb_status = row->tcb;
    uat_stepf(CHECK_STATUS, "a quote status IAS does not reject (OK, or a TCB status the appraisal "
              "weighs)", "isvEnclaveQuoteStatus %s: TCB status %s", row->name, row->tcb);
    return UAT_OK;
}

/* ---- JSON helpers ---- */

static uat_err load_object(uat_span text, const char *check, json_t **out)
{
    json_error_t jerr;
    /* duplicate members are ambiguous: reject them (jansson keeps the last by default) */
    json_t *j = text.p != NULL
                    ? json_loadb((const char *)text.p, text.len, JSON_REJECT_DUPLICATES, &jerr)
                    : NULL;
    if (j == NULL) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, check, "", text.p != NULL ? jerr.position : 0,
                         "%s", text.p != NULL ? jerr.text : "empty input");
    }
    if (!json_is_object(j)) {
        json_decref(j);
        return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, check, "", 0, "not a JSON object");
    }
    *out = j;
    return UAT_OK;
}

/* A string member of at most max bytes; *out is NULL when it is absent and optional. */
static uat_err get_str(json_t *o, const char *name, int required, size_t max, const char *check,
                       const char **out, size_t *len)
{
    json_t *v = json_object_get(o, name);
    *out = NULL;
    *len = 0;
    if (v == NULL) {
        UAT_ENSURE(!required, UAT_ERR_PARSE_BAD_JSON, check, name, -1);
        return UAT_OK;
    }
    UAT_ENSURE(json_is_string(v), UAT_ERR_PARSE_BAD_JSON, check, name, -1);
    UAT_ENSURE(json_string_length(v) <= max, UAT_ERR_RESOURCE_LIMIT, check, name, -1);
    *out = json_string_value(v);
    *len = json_string_length(v);
    return UAT_OK;
}

/* A required base64 (RFC 4648 §4) member decoded into out (whose max caps the decoded size). */
static uat_err get_b64(json_t *o, const char *name, const char *check, uat_buf *out)
{
    const char *s;
    size_t n;
    UAT_TRY(get_str(o, name, 1, (out->max + 2) / 3 * 4, check, &s, &n));
    uat_err rc = uat_b64_decode(s, n, UAT_B64_STD, out);
    if (rc != UAT_OK) {
        return UAT_FAILF(rc, check, name, -1, "the %s member cannot be decoded as base64", name);
    }
    UAT_ENSURE(out->len > 0, UAT_ERR_PARSE_BAD_LENGTH, check, name, -1);
    return UAT_OK;
}

/* ---- the evidence object ---- */

static const char *const evidence_members[] = {"report", "signature", "certificates", NULL};

static void evidence_init(uat_epid_evidence *e)
{
    /* base64 decoding reserves up to two bytes more than it writes */
    uat_buf_init(&e->report, UAT_EPID_MAX_REPORT_BYTES + 2);
    uat_buf_init(&e->signature, UAT_EPID_MAX_SIGNATURE_BYTES + 2);
    e->certs.items = NULL;
    e->certs.n = 0;
    e->certs.cap = 0;
}

void uat_epid_evidence_free(uat_epid_evidence *e)
{
    if (e != NULL) {
        uat_buf_free(&e->report);
        uat_buf_free(&e->signature);
        uat_der_list_free(&e->certs);
    }
}

static uat_err get_certs(json_t *o, uat_der_list *out)
{
    const char *s;
    size_t n;
    UAT_TRY(get_str(o, "certificates", 1, UAT_MAX_FILE_BYTES, CHECK_EV, &s, &n));
    uat_err rc = uat_pem_decode_all(uat_span_of(s, n), "CERTIFICATE", out);
    if (rc != UAT_OK) {
        return UAT_FAILF(rc == UAT_ERR_RESOURCE_LIMIT ? rc : UAT_ERR_PARSE_BAD_CERT, CHECK_EV,
                         "certificates", -1, "no PEM certificate could be read");
    }
    UAT_ENSURE(out->n <= UAT_MAX_CERT_CHAIN, UAT_ERR_RESOURCE_LIMIT, CHECK_EV, "certificates", -1);
    return UAT_OK;
}

uat_err uat_epid_evidence_parse(uat_span in, uat_epid_evidence *out)
{
    UAT_ENSURE(in.len <= UAT_MAX_EVIDENCE_BYTES, UAT_ERR_RESOURCE_LIMIT, CHECK_EV, "", -1);
    json_t *j = NULL;
    UAT_TRY(load_object(in, CHECK_EV, &j));
    uat_epid_evidence e;
    evidence_init(&e);
    uat_err rc;
    UAT_TRY_GOTO(rc, uat_json_only_members(j, evidence_members, CHECK_EV, ""), fail);
    UAT_TRY_GOTO(rc, get_b64(j, "report", CHECK_EV, &e.report), fail);
    UAT_ENSURE_GOTO(rc, e.report.len <= UAT_EPID_MAX_REPORT_BYTES, UAT_ERR_RESOURCE_LIMIT, CHECK_EV,
                    "report", -1, fail);
    UAT_TRY_GOTO(rc, get_b64(j, "signature", CHECK_EV, &e.signature), fail);
    UAT_ENSURE_GOTO(rc, e.signature.len <= UAT_EPID_MAX_SIGNATURE_BYTES, UAT_ERR_RESOURCE_LIMIT,
                    CHECK_EV, "signature", -1, fail);
    UAT_TRY_GOTO(rc, get_certs(j, &e.certs), fail);
    json_decref(j);
    *out = e;
    return UAT_OK;
fail:
    json_decref(j);
    uat_epid_evidence_free(&e);
    return rc;
}

int uat_epid_sniff(uat_span in)
{
    size_t i = 0;
    if (in.p == NULL || in.len > UAT_MAX_EVIDENCE_BYTES) {
        return 0;
    }
    while (i < in.len &&
           (in.p[i] == ' ' || in.p[i] == '\t' || in.p[i] == '\r' || in.p[i] == '\n')) {
        i++;
    }
    if (i == in.len || in.p[i] != '{') {
        return 0; /* not an object: no need to parse */
    }
    for (size_t k = 0; evidence_members[k] != NULL; k++) {
        if (uat_json_text_lacks(in, evidence_members[k])) {
            return 0; /* another format's JSON: no need to parse either */
        }
    }
    json_t *j = json_loadb((const char *)in.p, in.len, JSON_REJECT_DUPLICATES, NULL);
    int ok = json_is_object(j);
    for (size_t k = 0; ok && evidence_members[k] != NULL; k++) {
        ok = json_is_string(json_object_get(j, evidence_members[k]));
    }
    json_decref(j);
    return ok;
}

/* ---- the report JSON ---- */

/* spec: IAS API rev 6 §4.2.1: timestamp, UTC, "yyyy-MM-dd'T'HH:mm:ss.SSSSSS", no zone designator */
uat_err uat_epid_time_parse(const char *s, size_t len, uat_time *out)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:dd";
    const size_t n = sizeof(shape) - 1;
    int ok = s != NULL && len >= n && len <= n + 10; /* a fraction of at most 9 digits */
    for (size_t i = 0; ok && i < n; i++) {
        ok = shape[i] == 'd' ? s[i] >= '0' && s[i] <= '9' : s[i] == shape[i];
    }
    if (ok && len > n) {
        ok = s[n] == '.' && len > n + 1;
        for (size_t i = n + 1; ok && i < len; i++) {
            ok = s[i] >= '0' && s[i] <= '9';
        }
    }
    UAT_ENSURE(ok, UAT_ERR_PARSE_BAD_ENCODING, CHECK_REPORT, "timestamp", -1);
    char z[40]; /* the same instant with its zone (UTC) made explicit, for the RFC 3339 parser */
    memcpy(z, s, len);
    z[len] = 'Z';
    uat_time t = 0;
    if (uat_time_parse(z, len + 1, &t) != UAT_OK) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_ENCODING, CHECK_REPORT, "timestamp", -1,
                         "%.32s is not a valid date and time", z);
    }
    *out = t;
    return UAT_OK;
}

static const char *const report_members[] = {
    "id",
    "timestamp",
    "version",
    "isvEnclaveQuoteStatus",
    "isvEnclaveQuoteBody",
    "revocationReason",
    "pseManifestStatus",
    "pseManifestHash",
    "platformInfoBlob",
    "nonce",
    "epidPseudonym",
    "advisoryURL",
    "advisoryIDs",
    NULL,
};

/* spec: IAS API rev 6 §4.2.1: version is the API version that produced the report */
static uat_err parse_version(uat_epid_report *r)
{
    json_t *v = json_object_get(r->json, "version");
    UAT_ENSURE(json_is_integer(v), UAT_ERR_PARSE_BAD_JSON, CHECK_REPORT, "version", -1);
    r->version = (int64_t)json_integer_value(v);
    if (r->version != 3 && r->version != 4) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VERSION, CHECK_REPORT, "version", -1,
                         "IAS API version %lld is not 3 or 4", (long long)r->version);
    }
    return UAT_OK;
}

static uat_err parse_quote_body(uat_epid_report *r)
{
    const char *s;
    size_t n;
    /* a generous cap so that a body of the wrong size is reported as such, not as too long */
    UAT_TRY(get_str(r->json, "isvEnclaveQuoteBody", 1, 4096, CHECK_REPORT, &s, &n));
    uat_buf b;
    uat_buf_init(&b, 4096);
    uat_err rc = uat_b64_decode(s, n, UAT_B64_STD, &b);
    if (rc != UAT_OK) {
        rc = UAT_FAILF(rc, CHECK_REPORT, "isvEnclaveQuoteBody", -1, "not valid base64");
    } else {
        rc = uat_epid_quote_parse(uat_buf_span(&b), &r->quote);
    }
    uat_buf_free(&b);
    return rc;
}

static uat_err parse_required(uat_epid_report *r)
{
    const char *s;
    size_t n;
    UAT_TRY(get_str(r->json, "id", 1, UAT_EPID_MAX_TEXT_LEN, CHECK_REPORT, &r->id, &n));
    UAT_ENSURE(n > 0, UAT_ERR_PARSE_BAD_VALUE, CHECK_REPORT, "id", -1);
    UAT_TRY(get_str(r->json, "timestamp", 1, 64, CHECK_REPORT, &r->timestamp_text, &n));
    UAT_TRY(uat_epid_time_parse(r->timestamp_text, n, &r->timestamp));
    UAT_TRY(
        get_str(r->json, "isvEnclaveQuoteStatus", 1, UAT_EPID_MAX_TEXT_LEN, CHECK_REPORT, &s, &n));
    UAT_TRY(uat_epid_status_parse(s, r->version, &r->status));
    return parse_quote_body(r);
}

/* spec: IAS API rev 6 §4.2.1: pseManifestStatus values */
static int known_pse_status(const char *s)
{
    static const char *const names[] = {
        "OK", "UNKNOWN", "INVALID", "OUT_OF_DATE", "REVOKED", "RL_VERSION_MISMATCH", NULL};
    for (size_t i = 0; names[i] != NULL; i++) {
        if (strcmp(s, names[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

static uat_err parse_optional_text(uat_epid_report *r)
{
    size_t n;
    UAT_TRY(get_str(r->json, "nonce", 0, UAT_EPID_MAX_TEXT_LEN, CHECK_REPORT, &r->nonce, &n));
    UAT_ENSURE(n <= UAT_EPID_MAX_NONCE_LEN, UAT_ERR_PARSE_BAD_LENGTH, CHECK_REPORT, "nonce", -1);
    UAT_TRY(get_str(r->json, "advisoryURL", 0, UAT_EPID_MAX_TEXT_LEN, CHECK_REPORT,
                    &r->advisory_url, &n));
    UAT_TRY(get_str(r->json, "pseManifestStatus", 0, UAT_EPID_MAX_TEXT_LEN, CHECK_REPORT,
                    &r->pse_manifest_status, &n));
    UAT_ENSURE(r->pse_manifest_status == NULL || known_pse_status(r->pse_manifest_status),
               UAT_ERR_PARSE_BAD_VALUE, CHECK_REPORT, "pseManifestStatus", -1);
    json_t *v = json_object_get(r->json, "revocationReason");
    if (v != NULL) {
        UAT_ENSURE(json_is_integer(v), UAT_ERR_PARSE_BAD_JSON, CHECK_REPORT, "revocationReason",
                   -1);
        r->revocation_reason = (int64_t)json_integer_value(v);
        /* spec: RFC 5280 §5.3.1 CRLReason: 0..10 */
        UAT_ENSURE(r->revocation_reason >= 0 && r->revocation_reason <= 10, UAT_ERR_PARSE_BAD_VALUE,
                   CHECK_REPORT, "revocationReason", -1);
        r->has_revocation_reason = 1;
    }
    return UAT_OK;
}

/* spec: IAS API rev 6 §4.2.1: advisoryIDs, an array of strings */
static uat_err parse_advisories(uat_epid_report *r)
{
    json_t *a = json_object_get(r->json, "advisoryIDs");
    if (a == NULL) {
        return UAT_OK;
    }
    UAT_ENSURE(json_is_array(a), UAT_ERR_PARSE_BAD_JSON, CHECK_REPORT, "advisoryIDs", -1);
    UAT_ENSURE(json_array_size(a) <= UAT_EPID_MAX_ADVISORIES, UAT_ERR_RESOURCE_LIMIT, CHECK_REPORT,
               "advisoryIDs", -1);
    for (size_t i = 0; i < json_array_size(a); i++) {
        json_t *id = json_array_get(a, i);
        UAT_ENSURE(json_is_string(id) && json_string_length(id) > 0, UAT_ERR_PARSE_BAD_JSON,
                   CHECK_REPORT, "advisoryIDs", (int64_t)i);
        UAT_ENSURE(json_string_length(id) <= UAT_EPID_MAX_TEXT_LEN, UAT_ERR_RESOURCE_LIMIT,
                   CHECK_REPORT, "advisoryIDs", (int64_t)i);
    }
    r->advisory_ids = a;
    return UAT_OK;
}

/* Hex (any case) of at most max bytes into out. */
/* Hex (any case) into out: PARSE_BAD_LENGTH past cap bytes (cap <= UAT_EPID_MAX_PIB_BYTES). */
static uat_err get_hex(json_t *o, const char *name, uint8_t *out, size_t cap, size_t *len)
{
    const char *s;
    size_t n;
    UAT_TRY(get_str(o, name, 1, 2 * UAT_EPID_MAX_PIB_BYTES, CHECK_REPORT, &s, &n));
    uat_buf b;
    uat_buf_init(&b, UAT_EPID_MAX_PIB_BYTES);
    uat_err rc = uat_hex_decode(s, n, &b);
    if (rc != UAT_OK) {
        rc = UAT_FAILF(rc, CHECK_REPORT, name, -1, "the %s member is not valid hex", name);
    } else if (b.len > cap) {
        rc = UAT_FAILF(UAT_ERR_PARSE_BAD_LENGTH, CHECK_REPORT, name, -1,
                       "%zu bytes, at most %zu allowed", b.len, cap);
    } else {
        memcpy(out, b.p, b.len);
        *len = b.len;
    }
    uat_buf_free(&b);
    return rc;
}

static uat_err parse_optional_bytes(uat_epid_report *r)
{
    size_t n = 0;
    if (json_object_get(r->json, "pseManifestHash") != NULL) {
        /* spec: IAS API rev 6 §4.2.1: SHA-256 of the pseManifest, hex */
        UAT_TRY(get_hex(r->json, "pseManifestHash", r->pse_manifest_hash, 32, &n));
        UAT_ENSURE(n == 32, UAT_ERR_PARSE_BAD_LENGTH, CHECK_REPORT, "pseManifestHash", -1);
        r->has_pse_manifest_hash = 1;
    }
    if (json_object_get(r->json, "platformInfoBlob") != NULL) {
        UAT_TRY(get_hex(r->json, "platformInfoBlob", r->platform_info_blob, UAT_EPID_MAX_PIB_BYTES,
                        &r->pib_len));
        r->has_pib = 1;
    }
    if (json_object_get(r->json, "epidPseudonym") != NULL) {
        uat_buf b;
        uat_buf_init(&b, 1024); /* room for a wrong length, reported as such */
        uat_err rc = get_b64(r->json, "epidPseudonym", CHECK_REPORT, &b);
        /* spec: IAS API rev 6 §4.2.1: EPID B (64 bytes) || EPID K (64 bytes) */
        if (rc == UAT_OK && b.len != UAT_EPID_PSEUDONYM_SIZE) {
            rc = UAT_FAIL(UAT_ERR_PARSE_BAD_LENGTH, CHECK_REPORT, "epidPseudonym", -1);
        }
        if (rc == UAT_OK) {
            memcpy(r->epid_pseudonym, b.p, UAT_EPID_PSEUDONYM_SIZE);
            r->has_pseudonym = 1;
        }
        uat_buf_free(&b);
        UAT_TRY(rc);
    }
    return UAT_OK;
}

uat_err uat_epid_report_parse(uat_span text, uat_epid_report *out)
{
    UAT_ENSURE(text.len <= UAT_EPID_MAX_REPORT_BYTES, UAT_ERR_RESOURCE_LIMIT, CHECK_REPORT, "", -1);
    uat_epid_report r;
    memset(&r, 0, sizeof(r));
    UAT_TRY(load_object(text, CHECK_REPORT, &r.json));
    uat_err rc;
    UAT_TRY_GOTO(rc, uat_json_only_members(r.json, report_members, CHECK_REPORT, ""), fail);
    UAT_TRY_GOTO(rc, parse_version(&r), fail);
    UAT_TRY_GOTO(rc, parse_required(&r), fail);
    UAT_TRY_GOTO(rc, parse_optional_text(&r), fail);
    UAT_TRY_GOTO(rc, parse_advisories(&r), fail);
    UAT_TRY_GOTO(rc, parse_optional_bytes(&r), fail);
    *out = r;
    return UAT_OK;
fail:
    json_decref(r.json);
    return rc;
}

void uat_epid_report_free(uat_epid_report *r)
{
    if (r != NULL) {
        json_decref(r->json);
        r->json = NULL;
        r->advisory_ids = NULL;
    }
}

/* ---- description: fields under their SGX and IAS names ---- */

static uat_err describe_quote(const uat_epid_quote *q, json_t *o)
{
    UAT_TRY(uat_json_set_int(o, "version", q->version));
    UAT_TRY(uat_json_set_int(o, "sign_type", q->sign_type));
    UAT_TRY(uat_json_set_hex(o, "epid_group_id", q->epid_group_id, sizeof(q->epid_group_id)));
    UAT_TRY(uat_json_set_int(o, "qe_svn", q->qe_svn));
    UAT_TRY(uat_json_set_int(o, "pce_svn", q->pce_svn));
    UAT_TRY(uat_json_set_int(o, "xeid", q->xeid));
    UAT_TRY(uat_json_set_hex(o, "basename", q->basename, sizeof(q->basename)));
    return uat_sgx_report_describe(&q->body, o);
}

static uat_err describe_optional(const uat_epid_report *r, json_t *o)
{
    if (r->nonce != NULL) {
        UAT_TRY(uat_json_set_str(o, "nonce", r->nonce));
    }
    if (r->advisory_url != NULL) {
        UAT_TRY(uat_json_set_str(o, "advisory_url", r->advisory_url));
    }
    if (r->advisory_ids != NULL) {
        UAT_TRY(uat_json_set(o, "advisory_ids", json_deep_copy(r->advisory_ids)));
    }
    if (r->has_revocation_reason) {
        UAT_TRY(uat_json_set_int(o, "revocation_reason", r->revocation_reason));
    }
    if (r->pse_manifest_status != NULL) {
        UAT_TRY(uat_json_set_str(o, "pse_manifest_status", r->pse_manifest_status));
    }
    if (r->has_pse_manifest_hash) {
        UAT_TRY(uat_json_set_hex(o, "pse_manifest_hash", r->pse_manifest_hash, 32));
    }
    if (r->has_pib) {
        UAT_TRY(uat_json_set_hex(o, "platform_info_blob", r->platform_info_blob, r->pib_len));
    }
    if (r->has_pseudonym) {
        UAT_TRY(uat_json_set_hex(o, "epid_pseudonym", r->epid_pseudonym, UAT_EPID_PSEUDONYM_SIZE));
    }
    return UAT_OK;
}

uat_err uat_epid_describe(const uat_epid_report *r, json_t *o)
{
    char ts[80];
    UAT_TRY(describe_quote(&r->quote, o));
    UAT_TRY(uat_json_set_str(o, "ias_report_id", r->id));
    /* the IAS text with its zone made explicit: RFC 3339 with the original fraction */
    snprintf(ts, sizeof(ts), "%.64sZ", r->timestamp_text);
    UAT_TRY(uat_json_set_str(o, "ias_timestamp", ts));
    UAT_TRY(uat_json_set_int(o, "ias_version", r->version));
    UAT_TRY(uat_json_set_str(o, "ias_quote_status", uat_epid_status_name(r->status)));
    return describe_optional(r, o);
}

uat_err uat_epid_inspect(uat_span in, json_t *fields)
{
    uat_epid_evidence ev;
    UAT_TRY(uat_epid_evidence_parse(in, &ev));
    uat_epid_report r;
    uat_err rc = uat_epid_report_parse(uat_buf_span(&ev.report), &r);
    if (rc == UAT_OK) {
        rc = uat_epid_describe(&r, fields);
        uat_epid_report_free(&r);
    }
    if (rc == UAT_OK) {
        rc = uat_json_set_hex(fields, "signature", ev.signature.p, ev.signature.len);
    }
    if (rc == UAT_OK) {
        rc = uat_json_set_int(fields, "certificates", (int64_t)ev.certs.n);
    }
    uat_epid_evidence_free(&ev);
    return rc;
}

const uat_tee_ops uat_tee_sgx_epid = {
    .name = "sgx-epid",
    .media_type = UAT_EPID_MEDIA_TYPE,
    .cbor_tag = 0,
    .detect_paths = NULL, /* verifier only: IAS is retired, there is no EPID attester */
    .options = NULL,
    .sniff = uat_epid_sniff,
    .inspect = uat_epid_inspect,
    .verify = uat_epid_verify,
    .cache_free = NULL,
    .collect = NULL,
    .evidence_import = uat_epid_evidence_import,
};
