/* The second input format of the TPM verifier: the JSON evidence of the Confidential Containers
 * TPM attester, as Trustee clients send it as KBS primary_evidence (docs/compat.md "Trustee TPM
 * evidence"). It decodes into the same uat_tpm_evidence as the CBOR map, so every check after
 * decoding is the CBOR form's.
 *
 * spec: confidential-containers/guest-components attestation-agent/attester/src/tpm/mod.rs
 *       (struct Evidence {report_data, tpm_quote, ak_public}) and tpm/utils.rs (struct TpmQuote
 *       {signature, message, pcrs}); confidential-containers/trustee deps/verifier/src/tpm/mod.rs
 *       (the verifier that reads it):
 *   "tpm_quote.message"    base64 (standard, padded) of the TPMS_ATTEST the TPM produced
 *   "tpm_quote.signature"  base64 of the TPMT_SIGNATURE over it
 *   "tpm_quote.pcrs"       hex strings of the SHA-256 PCR bank, PCR 0 first
 *   "ak_public"            base64 of the AK: a DER SubjectPublicKeyInfo (utils.rs
 *                          read_ak_public_key; what Trustee's verifier reads) or the marshalled
 *                          TPMT_PUBLIC (mod.rs generate_rsa_ak)
 *   "report_data"          optional: base64 of the 64 bytes quoted as qualifyingData
 */
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "core/limits.h"
#include "evidence/claims_int.h"
#include "tee/tpm/tpm.h"

#define CHECK "tpm.trustee"

enum part { P_ATTEST, P_SIGNATURE, P_AK, P_REPORT, P_PCR0 };
#define NPARTS (P_PCR0 + UAT_TPM_NUM_PCRS)

static const char *const top_members[] = {"tpm_quote", "ak_public", "report_data", NULL};
static const char *const quote_members[] = {"signature", "message", "pcrs", NULL};

/* JSON text that is an object which may hold "ak_public", the member that is this form's own
 * ("tpm_quote" is also in Trustee's az-snp-vtpm evidence, src/tee/azsnpvtpm). */
int uat_tpm_trustee_sniff(uat_span in)
{
    size_t i = 0;
    while (i < in.len && in.p[i] != 0 && strchr(" \t\n\r", in.p[i]) != NULL) {
        i++;
    }
    return i < in.len && in.p[i] == '{' && !uat_json_text_lacks(in, "ak_public");
}

static uat_err string_member(const json_t *o, const char *name, const char *field, int optional,
                             const json_t **out)
{
    const json_t *v = json_object_get(o, name);
    if (v == NULL && optional) {
        *out = NULL;
        return UAT_OK;
    }
    if (v == NULL) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, CHECK, field, -1,
                         "the TPM evidence has no \"%s\"", field);
    }
    if (!json_is_string(v)) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, CHECK, field, -1,
                         "\"%s\" of the TPM evidence is not a string", field);
    }
    *out = v;
    return UAT_OK;
}

/* base64 (standard, padded) of a non-empty value appended to store; *end is where it ends */
static uat_err b64_part(const json_t *o, const char *name, const char *field, int optional,
                        uat_buf *store, size_t *end)
{
    const json_t *v = NULL;
    UAT_TRY(string_member(o, name, field, optional, &v));
    if (v == NULL) {
        *end = store->len;
        return UAT_OK;
    }
    size_t before = store->len;
    if (uat_b64_decode(json_string_value(v), json_string_length(v), UAT_B64_STD, store) != UAT_OK ||
        store->len == before) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_ENCODING, CHECK, field, -1,
                         "\"%s\" of the TPM evidence is not non-empty standard base64", field);
    }
    *end = store->len;
    return UAT_OK;
}

static uat_err pcr_parts(const json_t *pcrs, uat_buf *store, size_t *nout, size_t *ends)
{
    UAT_ENSURE(json_is_array(pcrs), UAT_ERR_PARSE_BAD_JSON, CHECK, "tpm_quote.pcrs", -1);
    size_t n = json_array_size(pcrs);
    if (n == 0 || n > UAT_TPM_NUM_PCRS) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_LENGTH, CHECK, "tpm_quote.pcrs", -1,
                         "%zu PCR values: the SHA-256 bank has 1 to %u", n, UAT_TPM_NUM_PCRS);
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *p = json_array_get(pcrs, i);
        UAT_ENSURE(json_is_string(p), UAT_ERR_PARSE_BAD_JSON, CHECK, "tpm_quote.pcrs", (int64_t)i);
        size_t before = store->len;
        if (uat_hex_decode(json_string_value(p), json_string_length(p), store) != UAT_OK ||
            store->len - before != 32) {
            return UAT_FAILF(UAT_ERR_PARSE_BAD_ENCODING, CHECK, "tpm_quote.pcrs", (int64_t)i,
                             "PCR %zu of the TPM evidence is not 64 hex digits (SHA-256)", i);
        }
        ends[i] = store->len;
    }
    *nout = n;
    return UAT_OK;
}

static uat_err decode_parts(const json_t *doc, uat_buf *store, size_t *ends, size_t *npcrs)
{
    UAT_ENSURE(json_is_object(doc), UAT_ERR_PARSE_BAD_JSON, CHECK, "evidence", -1);
    UAT_TRY(uat_json_only_members(doc, top_members, CHECK, "evidence"));
    const json_t *q = json_object_get(doc, "tpm_quote");
    if (!json_is_object(q)) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, CHECK, "tpm_quote", -1,
                         "the TPM evidence has no \"tpm_quote\" object");
    }
    UAT_TRY(uat_json_only_members(q, quote_members, CHECK, "tpm_quote"));
    UAT_TRY(b64_part(q, "message", "tpm_quote.message", 0, store, &ends[P_ATTEST]));
    UAT_TRY(b64_part(q, "signature", "tpm_quote.signature", 0, store, &ends[P_SIGNATURE]));
    UAT_TRY(b64_part(doc, "ak_public", "ak_public", 0, store, &ends[P_AK]));
    UAT_TRY(b64_part(doc, "report_data", "report_data", 1, store, &ends[P_REPORT]));
    const json_t *pcrs = json_object_get(q, "pcrs");
    if (pcrs == NULL) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, CHECK, "tpm_quote.pcrs", -1,
                         "the TPM evidence has no \"tpm_quote.pcrs\"");
    }
    return pcr_parts(pcrs, store, npcrs, ends + P_PCR0);
}

/* The spans into store, now that it no longer grows. */
static void point(const uat_buf *store, const size_t *ends, size_t npcrs, uat_tpm_evidence *ev)
{
    size_t start = 0;
    uat_span part[NPARTS];
    for (size_t i = 0; i < P_PCR0 + npcrs; i++) {
        part[i] = uat_span_of(store->p + start, ends[i] - start);
        start = ends[i];
    }
    ev->attest = part[P_ATTEST];
    ev->signature = part[P_SIGNATURE];
    /* spec: X.690 §8.9: a DER SubjectPublicKeyInfo is a SEQUENCE (0x30); a TPMT_PUBLIC starts
     * with its type, TPM_ALG_RSA 0x0001 or TPM_ALG_ECC 0x0023 */
    if (part[P_AK].p[0] == 0x30) {
        ev->ak_spki = part[P_AK];
    } else {
        ev->ak_pub = part[P_AK];
    }
    ev->report_data = part[P_REPORT];
    ev->nbanks = 1;
    ev->bank_alg[0] = UAT_TPM_ALG_SHA256;
    for (size_t i = 0; i < npcrs; i++) {
        ev->pcr[0][i] = part[P_PCR0 + i];
        ev->present[0] |= 1u << i;
    }
}

uat_err uat_tpm_trustee_decode(uat_span in, uat_tpm_evidence *out, uat_buf *store)
{
    UAT_ENSURE(in.len <= UAT_MAX_EVIDENCE_BYTES, UAT_ERR_RESOURCE_LIMIT, CHECK, "evidence", -1);
    json_error_t jerr;
    json_t *doc = json_loadb((const char *)in.p, in.len, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, CHECK, "evidence", jerr.position,
                         "the TPM evidence is not JSON: %s", jerr.text);
    }
    size_t ends[NPARTS] = {0};
    size_t npcrs = 0;
    uat_buf b;
    uat_buf_init(&b, in.len);
    uat_err rc = decode_parts(doc, &b, ends, &npcrs);
    json_decref(doc);
    if (rc != UAT_OK) {
        uat_buf_free(&b);
        return rc;
    }
    *store = b;
    memset(out, 0, sizeof(*out));
    point(store, ends, npcrs, out);
    return UAT_OK;
}

uat_err uat_tpm_evidence_read(uat_span in, uat_tpm_evidence *out, uat_buf *store)
{
    uat_buf_init(store, 0);
    if (uat_tpm_trustee_sniff(in)) {
        return uat_tpm_trustee_decode(in, out, store);
    }
    return uat_tpm_evidence_decode(in, out);
}
