/* Azure SEV-SNP CVM evidence (docs/azsnpvtpm.md), checks in this order:
 *   the evidence (CBOR map or trustee JSON); the HCL report; the SNP report with the SNP verifier
 *   (VCEK from the evidence or the collateral, chain to the configured ARK, signature, TCB); the
 *   variable data against REPORT_DATA by the HCL's hash type; the AK (JWK "HCLAkPub") from the
 *   variable data; the quote's signature with that AK; TPMS_ATTEST (a quote); pcrDigest from the
 *   PCR values; the binding: extraData is the report data, and the variable data's user-data
 *   carries the same value, so both halves answer the one nonce; then the composite claims.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "tee/azsnpvtpm/azsnpvtpm.h"

#define CHECK "az-snp-vtpm.verify"
#define BINDING "az-snp-vtpm.binding"
#define VAR_OFF ((int64_t)(UAT_HCL_RUNTIME_OFFSET + UAT_HCL_RUNTIME_HEADER_SIZE))
#define REPORT_DATA_OFF ((int64_t)(UAT_HCL_HEADER_SIZE + 0x50)) /* 56860: REPORT_DATA at 0x50 */

typedef struct az_verified {
    uat_azsnpvtpm_import store;
    uat_azsnpvtpm_evidence ev;
    uat_hcl_report hcl;
    uat_claims *snp;
    uat_verify_out snp_out;
    json_t *var; /* the variable data, parsed once its digest checked out */
    uat_key *ak;
    uat_tpm_signature sig;
    enum uat_hash_alg sig_hash;
    uat_tpm_attest att;
    uint8_t user_data[64];
} az_verified;

/* The embedded report, with the evidence's VCEK as a certificate table, to the SNP verifier. */
static uat_err verify_snp(az_verified *v, const uat_verify_ctx *ctx)
{
    uat_buf snp;
    uat_buf_init(&snp, UAT_MAX_EVIDENCE_BYTES);
    uat_err rc = uat_buf_append(&snp, v->hcl.snp_report.p, v->hcl.snp_report.len);
    if (rc == UAT_OK && v->ev.vcek.len > 0) {
        uat_snp_cert_entry e;
        memcpy(e.guid, uat_snp_guid_vcek, 16);
        e.data = v->ev.vcek;
        rc = uat_snp_cert_table_build(&e, 1, &snp);
    }
    if (rc == UAT_OK) {
        rc = uat_claims_new("snp", &v->snp);
    }
    if (rc == UAT_OK) {
        rc = uat_tee_snp.verify(uat_buf_span(&snp), ctx, v->snp, &v->snp_out);
    }
    uat_buf_free(&snp);
    return rc;
}

/* spec: IgvmAttestRequestData report_data_hash_type: REPORT_DATA starts with the digest of the
 * variable data exactly as carried (SHA-256: bytes 0-31; SHA-384: 0-47; SHA-512: all 64); the
 * rest is zero. Checked before the JSON is read: unbound bytes are never parsed. */
static uat_err check_var_digest(const az_verified *v)
{
    enum uat_hash_alg h;
    uint8_t d[UAT_HASH_MAX];
    UAT_TRY(uat_hcl_hash_alg(v->hcl.hash_type, &h));
    size_t n = uat_hash_len(h);
    UAT_TRY(uat_hash(h, &v->hcl.var_data, 1, d));
    if (!uat_ct_equal(d, v->snp_out.report_data, n) ||
        !uat_is_zero(v->snp_out.report_data + n, UAT_REPORT_DATA_LEN - n)) {
        return UAT_FAILF(UAT_ERR_VERIFY_BINDING, BINDING, "report_data", REPORT_DATA_OFF,
                         "the SNP report's REPORT_DATA is not %s of the HCL variable data "
                         "(%zu bytes) followed by zeros",
                         uat_hash_name(h), v->hcl.var_data.len);
    }
    uat_step_hex(BINDING, v->snp_out.report_data, n, d, n);
    return UAT_OK;
}

static uat_err jwk_b64(json_t *jwk, const char *name, uat_buf *out)
{
    json_t *s = json_object_get(jwk, name);
    if (!json_is_string(s) ||
        uat_b64_decode(json_string_value(s), json_string_length(s), UAT_B64_URL, out) != UAT_OK) {
        uat_error_clear();
        return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, CHECK, "keys", VAR_OFF,
                         "the HCLAkPub JWK's \"%s\" is not base64url", name);
    }
    return UAT_OK;
}

/* The AK: the one JWK of "keys" whose kid is HCLAkPub, an RSA key. */
static uat_err read_ak(az_verified *v)
{
    json_t *keys = json_object_get(v->var, "keys"), *jwk = NULL, *k;
    size_t i;
    UAT_ENSURE(json_is_array(keys), UAT_ERR_PARSE_BAD_JSON, CHECK, "keys", VAR_OFF);
    json_array_foreach(keys, i, k) {
        json_t *kid = json_object_get(k, "kid");
        if (json_is_string(kid) && strcmp(json_string_value(kid), UAT_HCL_AK_KID) == 0) {
            if (jwk != NULL) {
                return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, CHECK, "keys", VAR_OFF,
                                 "two keys with kid HCLAkPub");
            }
            jwk = k;
        }
    }
    if (jwk == NULL) {
        return UAT_FAILF(UAT_ERR_VERIFY_UNTRUSTED_KEY, CHECK, "keys", VAR_OFF,
                         "the HCL variable data has no key HCLAkPub: no AK is bound");
    }
    json_t *kty = json_object_get(jwk, "kty");
    if (!json_is_string(kty) || strcmp(json_string_value(kty), "RSA") != 0) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_ALGORITHM, CHECK, "keys", VAR_OFF,
                         "the HCLAkPub key is not an RSA key");
    }
    uat_buf n, e;
    uat_buf_init(&n, 1024);
    uat_buf_init(&e, 16);
    uat_err rc = jwk_b64(jwk, "n", &n);
    if (rc == UAT_OK) {
        rc = jwk_b64(jwk, "e", &e);
    }
    if (rc == UAT_OK) {
        rc = uat_key_from_rsa(uat_buf_span(&n), uat_buf_span(&e), &v->ak);
    }
    uat_buf_free(&n);
    uat_buf_free(&e);
    if (rc == UAT_OK) {
        uat_step("az-snp-vtpm.ak", "the HCLAkPub RSA key of the bound variable data",
                 "the AK is the key the SNP report binds (variable data \"keys\", kid HCLAkPub)");
    }
    return rc;
}

static uat_err read_var_data(az_verified *v)
{
    v->var = json_loadb((const char *)v->hcl.var_data.p, v->hcl.var_data.len,
                        JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(v->var)) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, CHECK, "variable_data", VAR_OFF,
                         "the HCL variable data is not a JSON object");
    }
    json_t *ud = json_object_get(v->var, "user-data");
    if (!json_is_string(ud) || uat_hex_decode_fixed(json_string_value(ud), json_string_length(ud),
                                                    v->user_data, 64) != UAT_OK) {
        uat_error_clear();
        return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, CHECK, "user-data", VAR_OFF,
                         "\"user-data\" must be 128 hex digits");
    }
    json_t *vm = json_object_get(v->var, "vm-configuration");
    if (!json_is_object(vm) || !json_is_boolean(json_object_get(vm, "secure-boot")) ||
        !json_is_boolean(json_object_get(vm, "tpm-enabled")) ||
        !json_is_string(json_object_get(vm, "vmUniqueId"))) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, CHECK, "vm-configuration", VAR_OFF,
                         "\"vm-configuration\" must hold secure-boot, tpm-enabled (booleans) and "
                         "vmUniqueId (a string)");
    }
    const char *key;
    json_t *val;
    json_object_foreach(vm, key, val) {
        if (json_is_object(val) || json_is_array(val)) {
            return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, CHECK, "vm-configuration", VAR_OFF,
                             "vm-configuration member \"%.40s\" is not a scalar", key);
        }
    }
    return read_ak(v);
}

/* The quote with the AK: an RSA key signs RSASSA or RSAPSS. */
static uat_err verify_quote(az_verified *v)
{
    UAT_TRY(uat_tpm_parse_signature(v->ev.tpm.signature, &v->sig));
    if (v->sig.sig_alg != UAT_TPM_ALG_RSASSA && v->sig.sig_alg != UAT_TPM_ALG_RSAPSS) {
        return UAT_FAILF(UAT_ERR_VERIFY_SIGNATURE, "tpm.signature", "sigAlg", 0,
                         "a signature of algorithm 0x%04x cannot come from the RSA AK",
                         v->sig.sig_alg);
    }
    UAT_TRY(uat_tpm_hash_alg_at(v->sig.hash, "tpm.signature", "signature.hash", 2, &v->sig_hash));
    UAT_TRY(uat_tpm_check_signature(&v->sig, v->sig_hash, v->ev.tpm.attest, v->ak));
    UAT_TRY(uat_tpm_parse_attest(v->ev.tpm.attest, &v->att));
    if (v->att.type != UAT_TPM_ST_ATTEST_QUOTE) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK, "attest.type", 4,
                         "the TPM statement is not a quote");
    }
    return uat_tpm_check_pcr_digest(&v->ev.tpm, &v->att, v->sig_hash);
}

/* extraData is the report data; user-data must carry the same bytes (then zeros), so the SNP
 * report answers the nonce the quote answers. */
static uat_err check_user_data(const az_verified *v)
{
    size_t n = v->att.extra_data_len;
    if (n == 0 || n > UAT_REPORT_DATA_LEN) {
        return UAT_FAILF(UAT_ERR_VERIFY_BINDING, BINDING, "extraData",
                         8 + (int64_t)v->att.qualified_signer_len,
                         "%zu bytes of extraData: report data is 1 to %u bytes", n,
                         UAT_REPORT_DATA_LEN);
    }
    if (!uat_ct_equal(v->user_data, v->att.extra_data, n) ||
        !uat_is_zero(v->user_data + n, UAT_REPORT_DATA_LEN - n)) {
        return UAT_FAILF(UAT_ERR_VERIFY_BINDING, BINDING, "user-data", VAR_OFF,
                         "the HCL variable data's user-data is not the quote's extraData: the "
                         "SNP report and the quote answer different report data");
    }
    uat_step_hex(BINDING, v->user_data, n, v->att.extra_data, n);
    return UAT_OK;
}

/* ---- claims ----------------------------------------------------------------------------- */

static uat_err copy_member(json_t *to, const char *name, json_t *from)
{
    json_t *v = json_object_get(from, name);
    return v == NULL ? UAT_OK : uat_json_set(to, name, json_deep_copy(v));
}

static uat_err tpm_claims(const az_verified *v, json_t *tpm)
{
    UAT_TRY(uat_json_set_str(tpm, "attest_type", "quote"));
    UAT_TRY(uat_json_set_str(tpm, "ak_trust", "hcl-report"));
    uat_buf jwk;
    uat_buf_init(&jwk, 4096);
    uat_err rc = uat_key_public_jwk(v->ak, &jwk);
    if (rc == UAT_OK) {
        rc = uat_json_set(tpm, "ak_pub", json_loadb((const char *)jwk.p, jwk.len, 0, NULL));
    }
    uat_buf_free(&jwk);
    UAT_TRY(rc);
    return uat_tpm_attest_claims(&v->ev.tpm, &v->att, tpm);
}

static uat_err hcl_claims(const az_verified *v, json_t *hcl)
{
    static const char *const hashes[] = {"", "sha256", "sha384", "sha512"};
    UAT_TRY(uat_json_set_int(hcl, "version", v->hcl.version));
    UAT_TRY(uat_json_set_int(hcl, "request_type", v->hcl.request_type));
    UAT_TRY(uat_json_set_str(hcl, "report_type", "snp"));
    UAT_TRY(uat_json_set_str(hcl, "hash_type", hashes[v->hcl.hash_type & 3u]));
    return uat_json_set_hex(hcl, "user_data", v->user_data, 64);
}

static uat_err fill_claims(const az_verified *v, uat_claims *claims)
{
    json_t *doc = uat_claims_doc(claims), *snp = uat_claims_doc(v->snp);
    json_t *tee = uat_claims_tee_obj(claims);
    json_t *vm = json_object_get(v->var, "vm-configuration");
    UAT_TRY(copy_member(doc, "measurement", snp));
    UAT_TRY(copy_member(doc, "svn", snp));
    UAT_TRY(copy_member(doc, "debug", snp));
    UAT_TRY(uat_json_set_hex(doc, "report_data", v->att.extra_data, v->att.extra_data_len));
    UAT_TRY(copy_member(doc, "tcb", snp));
    UAT_TRY(copy_member(doc, "platform", snp));
    json_t *platform = json_object_get(doc, "platform");
    UAT_ENSURE(json_is_object(platform), UAT_ERR_INTERNAL, CHECK, "platform", -1);
    /* checked by read_var_data: two booleans and a string */
    UAT_TRY(uat_json_set_bool(platform, "secure_boot",
                              json_is_true(json_object_get(vm, "secure-boot"))));
    UAT_TRY(uat_json_set_bool(platform, "tpm_enabled",
                              json_is_true(json_object_get(vm, "tpm-enabled"))));
    UAT_TRY(uat_json_set_str(platform, "vm_unique_id",
                             json_string_value(json_object_get(vm, "vmUniqueId"))));
    UAT_TRY(uat_json_set(tee, "snp", json_deep_copy(uat_claims_tee_obj(v->snp))));
    json_t *tpm = json_object(), *hcl = json_object();
    UAT_TRY(uat_json_set(tee, "tpm", tpm));
    UAT_TRY(tpm_claims(v, tpm));
    UAT_TRY(uat_json_set(tee, "hcl", hcl));
    UAT_TRY(hcl_claims(v, hcl));
    return uat_json_set(tee, "vm-configuration", json_deep_copy(vm));
}

/* ---- the verifier ----------------------------------------------------------------------- */

static uat_err verify_all(az_verified *v, uat_span in, const uat_verify_ctx *ctx)
{
    UAT_TRY(uat_azsnpvtpm_load(in, &v->store, &v->ev));
    UAT_TRY(uat_hcl_report_parse(v->ev.hcl_report, &v->hcl));
    UAT_TRY(verify_snp(v, ctx));
    UAT_TRY(check_var_digest(v));
    UAT_TRY(read_var_data(v));
    UAT_TRY(verify_quote(v));
    return check_user_data(v);
}

static void az_free(az_verified *v)
{
    uat_azsnpvtpm_import_free(&v->store);
    uat_claims_free(v->snp);
    json_decref(v->var);
    uat_key_free(v->ak);
    free(v);
}

static uat_err az_verify(uat_span in, const uat_verify_ctx *ctx, uat_claims *claims,
                         uat_verify_out *out)
{
    az_verified *v = calloc(1, sizeof(*v));
    if (v == NULL) {
        return UAT_NOMEM(CHECK);
    }
    uat_err rc = verify_all(v, in, ctx);
    if (rc == UAT_OK) {
        rc = fill_claims(v, claims);
    }
    if (rc == UAT_OK) {
        memcpy(out->report_data, v->att.extra_data, v->att.extra_data_len);
        out->report_data_len = v->att.extra_data_len;
        out->valid_until = v->snp_out.valid_until;
    }
    az_free(v);
    return rc;
}

/* ---- inspect ------------------------------------------------------------------------------ */

static uat_err inspect_hcl(const uat_hcl_report *h, json_t *fields)
{
    json_t *o = json_object(), *snp = json_object();
    UAT_TRY(uat_json_set(fields, "hcl", o));
    UAT_TRY(uat_json_set_int(o, "version", h->version));
    UAT_TRY(uat_json_set_int(o, "report_size", h->report_size));
    UAT_TRY(uat_json_set_int(o, "request_type", h->request_type));
    UAT_TRY(uat_json_set_int(o, "status", h->status));
    UAT_TRY(uat_json_set_int(o, "data_size", h->data_size));
    UAT_TRY(uat_json_set_int(o, "runtime_version", h->data_version));
    UAT_TRY(uat_json_set_int(o, "report_type", h->report_type));
    UAT_TRY(uat_json_set_int(o, "hash_type", h->hash_type));
    UAT_TRY(uat_json_set_int(o, "variable_data_size", (int64_t)h->var_data.len));
    json_t *var = json_loadb((const char *)h->var_data.p, h->var_data.len, JSON_REJECT_DUPLICATES,
                             NULL);
    UAT_ENSURE(var != NULL, UAT_ERR_PARSE_BAD_JSON, "az-snp-vtpm.inspect", "variable_data",
               VAR_OFF);
    UAT_TRY(uat_json_set(o, "variable_data", var));
    UAT_TRY(uat_json_set(fields, "snp", snp));
    return uat_snp_inspect(h->snp_report, snp);
}

static uat_err inspect_all(uat_span in, uat_azsnpvtpm_import *st, json_t *fields)
{
    uat_azsnpvtpm_evidence ev;
    uat_hcl_report h;
    uat_tpm_attest a;
    uat_tpm_signature s;
    UAT_TRY(uat_azsnpvtpm_load(in, st, &ev));
    UAT_TRY(uat_hcl_report_parse(ev.hcl_report, &h));
    UAT_TRY(inspect_hcl(&h, fields));
    json_t *att = json_object(), *sig = json_object();
    UAT_TRY(uat_tpm_parse_attest(ev.tpm.attest, &a));
    UAT_TRY(uat_json_set(fields, "attest", att));
    UAT_TRY(uat_tpm_describe_attest(&a, att));
    UAT_TRY(uat_tpm_parse_signature(ev.tpm.signature, &s));
    UAT_TRY(uat_json_set(fields, "signature", sig));
    UAT_TRY(uat_tpm_describe_signature(&s, sig));
    UAT_TRY(uat_json_set_int(fields, "vcek_length", (int64_t)ev.vcek.len));
    json_t *raw = json_object();
    UAT_TRY(uat_json_set(fields, "raw", raw));
    UAT_TRY(uat_json_set_hex(raw, "attest", ev.tpm.attest.p, ev.tpm.attest.len));
    return uat_json_set_hex(raw, "signature", ev.tpm.signature.p, ev.tpm.signature.len);
}

static uat_err az_inspect(uat_span in, json_t *fields)
{
    uat_azsnpvtpm_import st;
    uat_err rc = inspect_all(in, &st, fields);
    uat_azsnpvtpm_import_free(&st);
    return rc;
}

static void az_cache_free(void *cache)
{
    /* the slot holds the SNP verifier's store (the only collateral this TEE uses) */
    uat_tee_snp.cache_free(cache);
}

const uat_tee_ops uat_tee_azsnpvtpm = {
    .name = "az-snp-vtpm",
    .media_type = UAT_AZSNPVTPM_MEDIA_TYPE,
    .cbor_tag = 0,
    .detect_paths = NULL,
    .options = NULL,
    .sniff = uat_azsnpvtpm_sniff,
    .inspect = az_inspect,
    .verify = az_verify,
    .cache_free = az_cache_free,
    /* the slot is the SNP store, whose hits record the collateral they reuse */
    .cache_records_collateral = 1,
};
