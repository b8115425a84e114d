/* The az-snp-vtpm evidence (azsnpvtpm.h, docs/azsnpvtpm.md): the CBOR map, walked through the
 * bounded reader (strings are views into the input; the PCR banks are read by the TPM evidence
 * decoder), its deterministic encoding, and trustee's evidence JSON imported into the same struct.
 *
 * spec: RFC 8949 §3 (item heads), §4.2.1 (preferred serialization, used when encoding)
 */
#include <jansson.h>
#include <string.h>

#include "core/cbor.h"
#include "core/limits.h"
#include "tee/azsnpvtpm/azsnpvtpm.h"
#include "evidence/claims_int.h"

#define CHECK "az-snp-vtpm.evidence"
#define IMPORT "az-snp-vtpm.import"

enum member { M_HCL, M_ATTEST, M_SIGNATURE, M_PCRS, M_VCEK, M_COUNT };
static const char *const member_names[M_COUNT] = {"hcl_report", "attest", "signature", "pcrs",
                                                  "vcek"};

static uat_span *bytes_member(uat_azsnpvtpm_evidence *ev, enum member m)
{
    switch (m) {
    case M_HCL: return &ev->hcl_report;
    case M_ATTEST: return &ev->tpm.attest;
    case M_SIGNATURE: return &ev->tpm.signature;
    case M_VCEK: return &ev->vcek;
    default: return NULL;
    }
}

static uat_err decode_member(uat_reader *r, unsigned idx, void *user)
{
    uat_azsnpvtpm_evidence *ev = user;
    enum member m = (enum member)idx;
    if (m == M_PCRS) {
        return uat_tpm_pcrs_decode(r, &ev->tpm);
    }
    int64_t at = uat_rd_pos(r);
    uat_span *s = bytes_member(ev, m);
    UAT_TRY(uat_cbor_string(r, UAT_CBOR_BSTR, UAT_MAX_EVIDENCE_BYTES, member_names[m], s));
    if (s->len == 0) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_LENGTH, CHECK, member_names[m], at,
                         "an empty byte string (leave an absent member out)");
    }
    return UAT_OK;
}

uat_err uat_azsnpvtpm_evidence_decode(uat_span in, uat_azsnpvtpm_evidence *out)
{
    UAT_ENSURE(out != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "", -1);
    uat_azsnpvtpm_evidence ev;
    memset(&ev, 0, sizeof(ev));
    UAT_TRY(uat_cbor_named_map(in, CHECK, member_names, M_COUNT, UAT_CBOR_MEMBERS(M_HCL, M_PCRS),
                               "docs/azsnpvtpm.md", decode_member, &ev));
    *out = ev;
    return UAT_OK;
}

/* ---- encoding ---------------------------------------------------------------------------- */

static size_t popcount24(uint32_t m)
{
    size_t n = 0;
    for (unsigned i = 0; i < UAT_TPM_NUM_PCRS; i++) {
        n += (m >> i) & 1u;
    }
    return n;
}

/* banks by ascending TPM_ALG_ID, PCRs by ascending index */
static uat_err put_pcrs(uat_buf *b, const uat_tpm_evidence *t)
{
    UAT_TRY(uat_cbor_put_head(b, UAT_CBOR_MAP, t->nbanks));
    uint32_t last = 0;
    for (size_t k = 0; k < t->nbanks; k++) {
        size_t next = t->nbanks;
        for (size_t i = 0; i < t->nbanks; i++) {
            if ((uint32_t)t->bank_alg[i] + 1 > last &&
                (next == t->nbanks || t->bank_alg[i] < t->bank_alg[next])) {
                next = i;
            }
        }
        UAT_ENSURE(next < t->nbanks && t->present[next] != 0, UAT_ERR_USAGE_INVALID_ARGUMENT,
                   CHECK, "pcrs", -1);
        UAT_TRY(uat_cbor_put_head(b, UAT_CBOR_UINT, t->bank_alg[next]));
        UAT_TRY(uat_cbor_put_head(b, UAT_CBOR_MAP, popcount24(t->present[next])));
        for (unsigned i = 0; i < UAT_TPM_NUM_PCRS; i++) {
            if (t->present[next] & (1u << i)) {
                UAT_TRY(uat_cbor_put_head(b, UAT_CBOR_UINT, i));
                UAT_TRY(uat_cbor_put_string(b, UAT_CBOR_BSTR, t->pcr[next][i].p,
                                            t->pcr[next][i].len));
            }
        }
        last = (uint32_t)t->bank_alg[next] + 1;
    }
    return UAT_OK;
}

uat_err uat_azsnpvtpm_evidence_encode(const uat_azsnpvtpm_evidence *ev, uat_buf *out)
{
    UAT_ENSURE(ev != NULL && out != NULL && ev->hcl_report.len > 0 && ev->tpm.attest.len > 0 &&
                   ev->tpm.signature.len > 0 && ev->tpm.nbanks > 0 &&
                   ev->tpm.nbanks <= UAT_TPM_MAX_BANKS,
               UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "", -1);
    const uat_span parts[] = {ev->hcl_report, ev->tpm.attest, ev->tpm.signature};
    UAT_TRY(uat_cbor_put_head(out, UAT_CBOR_MAP, ev->vcek.len > 0 ? 5 : 4));
    for (int m = M_HCL; m <= M_SIGNATURE; m++) {
        UAT_TRY(uat_cbor_put_text(out, member_names[m]));
        UAT_TRY(uat_cbor_put_string(out, UAT_CBOR_BSTR, parts[m].p, parts[m].len));
    }
    UAT_TRY(uat_cbor_put_text(out, member_names[M_PCRS]));
    UAT_TRY(put_pcrs(out, &ev->tpm));
    if (ev->vcek.len > 0) {
        UAT_TRY(uat_cbor_put_text(out, member_names[M_VCEK]));
        UAT_TRY(uat_cbor_put_string(out, UAT_CBOR_BSTR, ev->vcek.p, ev->vcek.len));
    }
    return UAT_OK;
}

/* ---- trustee's evidence JSON -------------------------------------------------------------- */

static json_t *load_json(uat_span in)
{
    return json_loadb((const char *)in.p, in.len, JSON_REJECT_DUPLICATES, NULL);
}

static uat_err str_member(const json_t *o, const char *name, const char **s, size_t *n)
{
    json_t *v = json_object_get(o, name);
    if (!json_is_string(v)) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, IMPORT, name, -1, "\"%s\" must be a string",
                         name);
    }
    *s = json_string_value(v);
    *n = json_string_length(v);
    return UAT_OK;
}

static uat_err hex_member(const json_t *o, const char *name, uat_buf *out)
{
    const char *s;
    size_t n;
    UAT_TRY(str_member(o, name, &s, &n));
    uat_err rc = uat_hex_decode(s, n, out);
    if (rc != UAT_OK) {
        return UAT_FAILF(rc, IMPORT, name, -1, "\"%s\" is not hex", name);
    }
    return UAT_OK;
}

/* base64url, with or without padding as trustee writes it */
static uat_err b64_member(const json_t *o, const char *name, uat_buf *out)
{
    const char *s;
    size_t n;
    UAT_TRY(str_member(o, name, &s, &n));
    while (n > 0 && s[n - 1] == '=') {
        n--;
    }
    uat_err rc = uat_b64_decode(s, n, UAT_B64_URL, out);
    if (rc != UAT_OK) {
        return UAT_FAILF(rc, IMPORT, name, -1, "\"%s\" is not base64url", name);
    }
    return UAT_OK;
}

/* The quote: message (TPMS_ATTEST) and signature (raw RSASSA-PKCS1-v1_5 SHA-256, as the vTPM's
 * RSA AK makes them: wrapped into the TPMT_SIGNATURE the TPM returned), pcrs (SHA-256 bank,
 * PCR 0 first; only the quoted ones are kept, as the quote signs only those). */
static uat_err import_quote(const json_t *q, uat_azsnpvtpm_import *st, uat_azsnpvtpm_evidence *ev)
{
    static const char *const names[] = {"signature", "message", "pcrs", NULL};
    uat_buf raw;
    uat_buf_init(&raw, UAT_MAX_EVIDENCE_BYTES);
    UAT_ENSURE(json_is_object(q), UAT_ERR_PARSE_BAD_JSON, IMPORT, "tpm_quote", -1);
    UAT_TRY(uat_json_only_members(q, names, IMPORT, "tpm_quote"));
    UAT_TRY(hex_member(q, "message", &st->attest));
    uat_err rc = hex_member(q, "signature", &raw);
    if (rc == UAT_OK && (raw.len == 0 || raw.len > 512)) {
        rc = UAT_FAILF(UAT_ERR_PARSE_BAD_LENGTH, IMPORT, "signature", -1,
                       "a %zu-byte RSA signature", raw.len);
    }
    if (rc == UAT_OK) {
        rc = uat_buf_put_u16be(&st->signature, UAT_TPM_ALG_RSASSA);
    }
    if (rc == UAT_OK) {
        rc = uat_buf_put_u16be(&st->signature, UAT_TPM_ALG_SHA256);
    }
    if (rc == UAT_OK) {
        rc = uat_buf_put_u16be(&st->signature, (uint16_t)raw.len);
    }
    if (rc == UAT_OK) {
        rc = uat_buf_append(&st->signature, raw.p, raw.len);
    }
    uat_buf_free(&raw);
    UAT_TRY(rc);
    json_t *pcrs = json_object_get(q, "pcrs");
    UAT_ENSURE(json_is_array(pcrs) && json_array_size(pcrs) == UAT_TPM_NUM_PCRS,
               UAT_ERR_PARSE_BAD_JSON, IMPORT, "pcrs", -1);
    UAT_TRY(uat_buf_reserve(&st->pcrs, UAT_TPM_NUM_PCRS * 32));
    for (unsigned i = 0; i < UAT_TPM_NUM_PCRS; i++) {
        json_t *v = json_array_get(pcrs, i);
        char field[16];
        snprintf(field, sizeof(field), "pcrs[%u]", i);
        UAT_ENSURE(json_is_string(v), UAT_ERR_PARSE_BAD_JSON, IMPORT, field, -1);
        uat_err e = uat_hex_decode_fixed(json_string_value(v), json_string_length(v),
                                         st->pcrs.p + 32u * i, 32);
        if (e != UAT_OK) {
            return UAT_FAILF(e, IMPORT, field, -1, "a PCR value must be 64 hex digits (SHA-256)");
        }
    }
    st->pcrs.len = UAT_TPM_NUM_PCRS * 32;
    ev->tpm.attest = uat_buf_span(&st->attest);
    ev->tpm.signature = uat_buf_span(&st->signature);
    return UAT_OK;
}

/* The PCRs the quote selects in the SHA-256 bank (a selection the TPM signed), as the bank. */
static uat_err import_bank(const uat_azsnpvtpm_import *st, uat_azsnpvtpm_evidence *ev)
{
    uat_tpm_attest a;
    UAT_TRY(uat_tpm_parse_attest(ev->tpm.attest, &a));
    uint32_t mask = 0;
    for (size_t k = 0; k < a.nsel; k++) {
        if (a.sel[k].hash == UAT_TPM_ALG_SHA256) {
            mask = a.sel[k].mask;
        }
    }
    ev->tpm.nbanks = 1;
    ev->tpm.bank_alg[0] = UAT_TPM_ALG_SHA256;
    ev->tpm.present[0] = mask;
    for (unsigned i = 0; i < UAT_TPM_NUM_PCRS; i++) {
        ev->tpm.pcr[0][i] = uat_span_of(st->pcrs.p + 32u * i, 32);
    }
    return UAT_OK;
}

void uat_azsnpvtpm_import_free(uat_azsnpvtpm_import *st)
{
    uat_buf_free(&st->hcl);
    uat_buf_free(&st->attest);
    uat_buf_free(&st->signature);
    uat_buf_free(&st->vcek);
    uat_buf_free(&st->pcrs);
}

static void import_init(uat_azsnpvtpm_import *st)
{
    uat_buf_init(&st->hcl, UAT_MAX_EVIDENCE_BYTES);
    uat_buf_init(&st->attest, UAT_MAX_EVIDENCE_BYTES);
    uat_buf_init(&st->signature, UAT_MAX_EVIDENCE_BYTES);
    uat_buf_init(&st->vcek, UAT_MAX_EVIDENCE_BYTES);
    uat_buf_init(&st->pcrs, UAT_TPM_NUM_PCRS * 32);
}

static uat_err import_doc(const json_t *j, uat_azsnpvtpm_import *st, uat_azsnpvtpm_evidence *ev)
{
    static const char *const names[] = {"version", "tpm_quote", "hcl_report", "vcek", NULL};
    UAT_ENSURE(json_is_object(j), UAT_ERR_PARSE_BAD_JSON, IMPORT, "", -1);
    UAT_TRY(uat_json_only_members(j, names, IMPORT, ""));
    json_t *ver = json_object_get(j, "version");
    if (!json_is_integer(ver) || json_integer_value(ver) != 2) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VERSION, IMPORT, "version", -1,
                         "trustee az-snp-vtpm evidence version 2 is known");
    }
    UAT_TRY(import_quote(json_object_get(j, "tpm_quote"), st, ev));
    UAT_TRY(b64_member(j, "hcl_report", &st->hcl));
    ev->hcl_report = uat_buf_span(&st->hcl);
    if (json_object_get(j, "vcek") != NULL) {
        UAT_TRY(b64_member(j, "vcek", &st->vcek));
        ev->vcek = uat_buf_span(&st->vcek);
    }
    return import_bank(st, ev);
}

uat_err uat_azsnpvtpm_import_json(uat_span in, uat_azsnpvtpm_import *st,
                                  uat_azsnpvtpm_evidence *out)
{
    import_init(st);
    UAT_ENSURE(in.len <= UAT_MAX_EVIDENCE_BYTES, UAT_ERR_RESOURCE_LIMIT, IMPORT, "", -1);
    json_t *j = load_json(in);
    if (j == NULL) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, IMPORT, "", -1, "not a JSON document");
    }
    uat_azsnpvtpm_evidence ev;
    memset(&ev, 0, sizeof(ev));
    uat_err rc = import_doc(j, st, &ev);
    json_decref(j);
    if (rc == UAT_OK) {
        *out = ev;
    }
    return rc;
}

static int json_first(uat_span in)
{
    size_t i = 0;
    while (in.p != NULL && i < in.len &&
           (in.p[i] == ' ' || in.p[i] == '\t' || in.p[i] == '\r' || in.p[i] == '\n')) {
        i++;
    }
    return in.p != NULL && i < in.len && in.p[i] == '{';
}

uat_err uat_azsnpvtpm_load(uat_span in, uat_azsnpvtpm_import *st, uat_azsnpvtpm_evidence *out)
{
    if (json_first(in)) {
        return uat_azsnpvtpm_import_json(in, st, out);
    }
    import_init(st);
    return uat_azsnpvtpm_evidence_decode(in, out);
}

/* A CBOR map whose first key is "hcl_report" holding a byte string, or trustee's JSON with
 * hcl_report and tpm_quote. Reads bytes directly, so that a miss records no error. */
int uat_azsnpvtpm_sniff(uat_span in)
{
    static const uint8_t head[] = {0x6a, 'h', 'c', 'l', '_', 'r', 'e', 'p', 'o', 'r', 't'};
    if (in.p == NULL || in.len < 2 + sizeof(head)) {
        return 0;
    }
    if (in.p[0] >= 0xa1 && in.p[0] <= 0xa5) {
        return memcmp(in.p + 1, head, sizeof(head)) == 0 &&
               (in.p[1 + sizeof(head)] >> 5) == UAT_CBOR_BSTR;
    }
    if (!json_first(in) || uat_json_text_lacks(in, "hcl_report") ||
        uat_json_text_lacks(in, "tpm_quote")) {
        return 0; /* not JSON, or another format's: no need to parse */
    }
    json_t *j = load_json(in);
    int ok = json_is_string(json_object_get(j, "hcl_report")) &&
             json_is_object(json_object_get(j, "tpm_quote"));
    json_decref(j);
    return ok;
}
