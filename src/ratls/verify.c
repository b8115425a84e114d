/* Verifying RA-TLS certificates: validity, the evidence extension, the key binding, the evidence
 * and, with a policy, its appraisal. Order and error names: docs/ratls.md. */
#include <string.h>

#include "evidence/registry.h"
#include "ratls/ratls.h"

#define MAX_SPKI_BYTES 16384u
#define MAX_CERT_BYTES (UAT_RATLS_MAX_EXT_BYTES + 65536u)

/* Checked in this order when legacy formats are allowed and the interoperable one is absent. */
static const char *const legacy_oids[] = {UAT_RATLS_OID_LEGACY, UAT_RATLS_OID_LEGACY_GRAMINE,
                                          UAT_RATLS_OID_SGX_SDK};

static uat_err check_validity(const uat_cert *c, int64_t at)
{
    uat_time t = at != 0 ? at : uat_time_now();
    /* spec: RFC 5280 §4.1.2.5: valid from notBefore through notAfter, both inclusive */
    if (t >= uat_cert_not_before(c) && t <= uat_cert_not_after(c)) {
        return UAT_OK;
    }
    char nb[32] = "?", na[32] = "?", now[32] = "?";
    if (uat_time_format(uat_cert_not_before(c), nb) != UAT_OK ||
        uat_time_format(uat_cert_not_after(c), na) != UAT_OK ||
        uat_time_format(t, now) != UAT_OK) {
        uat_error_clear(); /* a year past 9999 only spoils the message, not the verdict */
    }
    return UAT_FAILF(UAT_ERR_VERIFY_EXPIRED, "ratls.validity", "validity", -1,
                     "the certificate is valid from %s to %s, not at %s", nb, na, now);
}

static uat_err find_one(const uat_cert *c, const char *oid, uat_span *value, int *present)
{
    size_t n = 0;
    UAT_TRY(uat_cert_ext_find(c, oid, value, &n));
    /* spec: RFC 5280 §4.2: a certificate must not include an extension more than once */
    if (n > 1) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_CERT, "ratls.extension", oid, -1,
                         "the certificate has extension %s %zu times", oid, n);
    }
    *present = n == 1;
    return UAT_OK;
}

/* The interoperable extension wins; legacy ones count only when allowed. None: fail closed. */
static uat_err select_ext(const uat_cert *c, int legacy, const char **oid, uat_span *value)
{
    int present = 0;
    UAT_TRY(find_one(c, UAT_RATLS_OID_EVIDENCE, value, &present));
    if (present) {
        *oid = UAT_RATLS_OID_EVIDENCE;
        return UAT_OK;
    }
    for (size_t i = 0; i < sizeof(legacy_oids) / sizeof(legacy_oids[0]); i++) {
        UAT_TRY(find_one(c, legacy_oids[i], value, &present));
        if (present && !legacy) {
            return UAT_FAILF(UAT_ERR_VERIFY_BINDING, "ratls.extension", legacy_oids[i], -1,
                             "the certificate has only the legacy RA-TLS extension %s, and legacy "
                             "formats are not enabled", legacy_oids[i]);
        }
        if (present) {
            *oid = legacy_oids[i];
            return UAT_OK;
        }
    }
    return UAT_FAILF(UAT_ERR_VERIFY_BINDING, "ratls.extension", UAT_RATLS_OID_EVIDENCE, -1,
                     "the certificate has no RA-TLS evidence extension, so its key is bound to "
                     "no evidence");
}

static uat_err check_pubkey_hash(const uat_cert *c, const uat_ratls_ext *e)
{
    uat_buf spki;
    uat_buf_init(&spki, MAX_SPKI_BYTES);
    uint8_t h[UAT_HASH_MAX];
    uat_err rc = uat_cert_spki(c, &spki);
    if (rc == UAT_OK) {
        uat_span part = uat_buf_span(&spki);
        rc = uat_hash(e->hash_alg, &part, 1, h);
    }
    uat_buf_free(&spki);
    UAT_TRY(rc);
    /* spec: cert doc: hash-value is the hash of the certificate's SubjectPublicKeyInfo (DER) */
    if (e->pubkey_hash_len != uat_hash_len(e->hash_alg) ||
        !uat_ct_equal(h, e->pubkey_hash, e->pubkey_hash_len)) {
        return UAT_FAILF(UAT_ERR_VERIFY_BINDING, "ratls.pubkey-hash", "pubkey-hash", -1,
                         "the pubkey-hash claim is not the %s of the certificate's public key",
                         uat_hash_name(e->hash_alg));
    }
    return UAT_OK;
}

static uat_err check_nonce(const uat_ratls_opts *o, const uat_ratls_ext *e)
{
    if (o->nonce == NULL) {
        return UAT_OK;
    }
    /* spec: cert doc: the nonce claim gives pre-session freshness when the verifier asked for it */
    if (!e->has_nonce || e->nonce.len != o->nonce_len ||
        !uat_ct_equal(e->nonce.p, o->nonce, o->nonce_len)) {
        return UAT_FAILF(UAT_ERR_VERIFY_NONCE, "ratls.nonce", "nonce", -1,
                         e->has_nonce ? "the certificate's nonce is not the expected one"
                                      : "the certificate carries no nonce, one was expected");
    }
    return UAT_OK;
}

/* The TEE the extension names: by media type (CMW form) or by tag (tagged form). */
static uat_err tee_of(const uat_ratls_ext *e, const uat_tee_ops **ops, uat_span *input)
{
    if (e->form == UAT_RATLS_FORM_CMW) {
        *ops = uat_registry_by_media_type(e->media_type);
        *input = e->cmw_record; /* uat_verify dispatches the record by its media type */
        return *ops != NULL ? UAT_OK
                            : UAT_FAILF(UAT_ERR_UNSUPPORTED_TEE, "ratls.tee", "media type", -1,
                                        "no TEE of this build has media type %s", e->media_type);
    }
    const uat_tee_ops *named = uat_registry_by_tag(e->tag);
    if (named == NULL) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_TEE, "ratls.tee", "tag", -1,
                         "no TEE of this build is registered for CBOR tag %llu",
                         (unsigned long long)e->tag);
    }
    /* the tag says what format the evidence is: evidence of a TEE with another tag is refused */
    const uat_tee_ops *ev = uat_registry_sniff(e->evidence);
    if (ev == NULL || ev->cbor_tag != e->tag) {
        return UAT_FAILF(UAT_ERR_VERIFY_BINDING, "ratls.tag", "tag", -1,
                         "CBOR tag %llu stands for %s evidence, but the evidence is %s",
                         (unsigned long long)e->tag, named->name,
                         ev != NULL ? ev->name : "not recognised");
    }
    *ops = ev;
    *input = e->evidence;
    return UAT_OK;
}

static uat_err verify_evidence(const uat_ratls_opts *o, const uat_tee_ops *ops, uat_span input,
                               uat_span endorsements, uat_claims **out)
{
    uat_claims *claims = NULL;
    UAT_TRY(uat_verify_with_collateral(o->verifier, input.p, input.len, endorsements.p,
                                       endorsements.len, NULL, &claims));
    if (strcmp(uat_claims_tee(claims), ops->name) != 0) {
        uat_claims_free(claims);
        return UAT_FAILF(UAT_ERR_VERIFY_BINDING, "ratls.tee", "tee", -1,
                         "the extension names %s evidence, another TEE's evidence verified",
                         ops->name);
    }
    *out = claims;
    return UAT_OK;
}

static uat_err report_data_of(const uat_claims *claims, uat_buf *rd)
{
    const char *hex = uat_claims_get_string(claims, "report_data");
    UAT_ENSURE(hex != NULL, UAT_ERR_VERIFY_BINDING, "ratls.report_data", "report_data", -1);
    return uat_hex_decode(hex, strlen(hex), rd);
}

/* spec: SGX/TDX doc: the report data starts with SHA-256(claims-buffer as carried) */
static uat_err check_claims_binding(const uat_claims *claims, uat_span claims_buffer)
{
    uint8_t h[32];
    uat_buf rd;
    uat_buf_init(&rd, 2 * UAT_REPORT_DATA_LEN);
    uat_err rc = uat_hash(UAT_HASH_SHA256, &claims_buffer, 1, h);
    if (rc == UAT_OK) {
        rc = report_data_of(claims, &rd);
    }
    if (rc == UAT_OK && (rd.len < sizeof(h) || !uat_ct_equal(rd.p, h, sizeof(h)))) {
        rc = UAT_FAILF(UAT_ERR_VERIFY_BINDING, "ratls.report_data", "report_data", -1,
                       "the evidence's report data does not start with SHA-256 of the "
                       "claims-buffer");
    }
    uat_buf_free(&rd);
    return rc;
}

static uat_err verify_interop(const uat_cert *c, uat_span value, const uat_ratls_opts *o,
                              uat_claims **out, uat_span *nonce)
{
    uat_ratls_ext e;
    const uat_tee_ops *ops = NULL;
    uat_span input;
    uat_claims *claims = NULL;
    UAT_TRY(uat_ratls_ext_parse(value, &e));
    UAT_TRY(check_pubkey_hash(c, &e));
    UAT_TRY(check_nonce(o, &e));
    UAT_TRY(tee_of(&e, &ops, &input));
    uat_span endorsements = {NULL, 0}, value_e = {NULL, 0};
    int has_endorsements = 0;
    UAT_TRY(find_one(c, UAT_RATLS_OID_ENDORSEMENTS, &value_e, &has_endorsements));
    if (has_endorsements) {
        UAT_TRY(uat_ratls_endorsements_parse(value_e, e.form == UAT_RATLS_FORM_TAGGED ? e.tag : 0,
                                             &endorsements));
    }
    UAT_TRY(verify_evidence(o, ops, input, endorsements, &claims));
    uat_err rc = check_claims_binding(claims, e.claims);
    if (rc != UAT_OK) {
        uat_claims_free(claims);
        return rc;
    }
    *nonce = e.has_nonce ? e.nonce : uat_span_of(NULL, 0);
    *out = claims;
    return UAT_OK;
}

/* The encodings of the certificate's key whose SHA-256 the legacy format oid puts in report_data:
 * Gramine and rats-tls: the SPKI DER; old rats-tls RSA keys: PKCS#1 RSAPublicKey; Intel SGX SDK:
 * the PEM text of the SPKI with its terminating NUL (sdk/ttls: PEM_write_bio_PUBKEY + '\0'). */
static uat_err legacy_forms(const uat_cert *c, const char *oid, uat_buf forms[2], size_t *n)
{
    const uat_key *k = uat_cert_key(c);
    if (strcmp(oid, UAT_RATLS_OID_SGX_SDK) == 0) {
        UAT_TRY(uat_key_public_pem(k, &forms[0]));
        UAT_TRY(uat_buf_put_u8(&forms[0], 0));
        *n = 1;
        return UAT_OK;
    }
    UAT_TRY(uat_cert_spki(c, &forms[0]));
    *n = 1;
    if (strcmp(oid, UAT_RATLS_OID_LEGACY) == 0 && uat_key_kind_of(k) == UAT_KEY_RSA) {
        UAT_TRY(uat_key_rsa_pkcs1(k, &forms[1]));
        *n = 2;
    }
    return UAT_OK;
}

uat_err uat_ratls_legacy_binding(const uat_cert *c, const char *oid, const uint8_t *report_data,
                                 size_t n)
{
    UAT_ENSURE(c != NULL && oid != NULL && report_data != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT,
               "ratls.legacy", "", -1);
    uat_buf forms[2];
    uat_buf_init(&forms[0], MAX_SPKI_BYTES);
    uat_buf_init(&forms[1], MAX_SPKI_BYTES);
    size_t nforms = 0;
    int match = 0;
    uat_err rc = legacy_forms(c, oid, forms, &nforms);
    for (size_t i = 0; rc == UAT_OK && i < nforms; i++) {
        uint8_t h[32];
        uat_span part = uat_buf_span(&forms[i]);
        rc = uat_hash(UAT_HASH_SHA256, &part, 1, h);
        match |= rc == UAT_OK && n >= sizeof(h) && uat_ct_equal(report_data, h, sizeof(h));
    }
    uat_buf_free(&forms[0]);
    uat_buf_free(&forms[1]);
    UAT_TRY(rc);
    if (!match) {
        return UAT_FAILF(UAT_ERR_VERIFY_BINDING, "ratls.legacy", "report_data", -1,
                         "the quote's report data does not start with SHA-256 of the "
                         "certificate's public key (legacy extension %s)", oid);
    }
    return UAT_OK;
}

static uat_err verify_legacy(const uat_cert *c, const char *oid, uat_span value,
                             const uat_ratls_opts *o, uat_claims **out)
{
    /* legacy certificates carry no nonce: a caller that expects one cannot be satisfied */
    UAT_ENSURE(o->nonce == NULL, UAT_ERR_VERIFY_NONCE, "ratls.nonce", "nonce", -1);
    /* Gramine, rats-tls and the SGX SDK put a raw Intel quote there and nothing else */
    const uat_tee_ops *ops = uat_registry_sniff(value);
    UAT_ENSURE(ops != NULL && ops->cbor_tag == UAT_RATLS_TAG_INTEL_QUOTE, UAT_ERR_UNSUPPORTED_TEE,
               "ratls.legacy", oid, -1);
    uat_claims *claims = NULL;
    UAT_TRY(verify_evidence(o, ops, value, uat_span_of(NULL, 0), &claims));
    uat_buf rd;
    uat_buf_init(&rd, 2 * UAT_REPORT_DATA_LEN);
    uat_err rc = report_data_of(claims, &rd);
    if (rc == UAT_OK) {
        rc = uat_ratls_legacy_binding(c, oid, rd.p, rd.len);
    }
    uat_buf_free(&rd);
    if (rc != UAT_OK) {
        uat_claims_free(claims);
        return rc;
    }
    *out = claims;
    return UAT_OK;
}

static uat_err appraise(const uat_ratls_opts *o, const uat_cert *c, const uat_claims *claims,
                        uat_span nonce, uat_ear **out)
{
    uat_refvals *none = NULL;
    if (o->refvals == NULL) {
        UAT_TRY(uat_refvals_new(&none));
    }
    uat_buf jwk;
    uat_buf_init(&jwk, 4096);
    int has_jwk = uat_key_public_jwk(uat_cert_key(c), &jwk) == UAT_OK;
    if (!has_jwk) {
        uat_error_clear(); /* RSA keys have no JWK form here: the result just omits the key */
    }
    uat_appraisal_ctx ctx = {uat_time_now(), nonce.len > 0 ? nonce.p : NULL, nonce.len,
                             has_jwk ? (const char *)jwk.p : NULL};
    uat_ear *ear = NULL;
    uat_err rc = uat_appraise(o->policy, o->refvals ? o->refvals : none, claims, &ctx, &ear);
    if (rc == UAT_OK && strcmp(uat_ear_status(ear), "contraindicated") == 0) {
        uat_ear_free(ear);
        rc = UAT_FAILF(UAT_ERR_VERIFY_POLICY, "ratls.appraisal", "", -1,
                       "the verified evidence does not satisfy the policy (contraindicated)");
    }
    uat_buf_free(&jwk);
    uat_refvals_free(none);
    if (rc == UAT_OK) {
        *out = ear;
    }
    return rc;
}

uat_err uat_ratls_verify_parsed(const uat_cert *c, const uat_ratls_opts *o, uat_claims **claims_out,
                             uat_ear **ear_out)
{
    const char *oid = NULL;
    uat_span value, nonce = {NULL, 0};
    uat_claims *claims = NULL;
    uat_ear *ear = NULL;
    UAT_TRY(check_validity(c, o->cert_time));
    UAT_TRY(select_ext(c, o->legacy, &oid, &value));
    uat_err rc = strcmp(oid, UAT_RATLS_OID_EVIDENCE) == 0
                     ? verify_interop(c, value, o, &claims, &nonce)
                     : verify_legacy(c, oid, value, o, &claims);
    if (rc == UAT_OK && o->policy != NULL) {
        rc = appraise(o, c, claims, nonce, &ear);
    }
    if (rc != UAT_OK) {
        uat_claims_free(claims);
        return rc;
    }
    if (claims_out != NULL) {
        *claims_out = claims;
    } else {
        uat_claims_free(claims);
    }
    if (ear_out != NULL) {
        *ear_out = ear;
    } else {
        uat_ear_free(ear);
    }
    return UAT_OK;
}

uat_err uat_ratls_cert_evidence(const uat_cert *c, const char **oid, uat_span *evidence)
{
    uat_span value;
    UAT_TRY(select_ext(c, 1, oid, &value));
    if (strcmp(*oid, UAT_RATLS_OID_EVIDENCE) != 0) {
        *evidence = value; /* legacy: the raw quote */
        return UAT_OK;
    }
    uat_ratls_ext e;
    UAT_TRY(uat_ratls_ext_parse(value, &e));
    *evidence = e.form == UAT_RATLS_FORM_CMW ? e.cmw_record : e.evidence;
    return UAT_OK;
}

uat_err uat_ratls_verify_cert(const uint8_t *der, size_t n, const uat_ratls_opts *opts,
                              uat_claims **claims, uat_ear **ear)
{
    UAT_ENSURE(der != NULL && n > 0 && opts != NULL && opts->verifier != NULL &&
                   (opts->nonce != NULL || opts->nonce_len == 0),
               UAT_ERR_USAGE_INVALID_ARGUMENT, "ratls.verify", "", -1);
    UAT_ENSURE(n <= MAX_CERT_BYTES, UAT_ERR_RESOURCE_LIMIT, "ratls.verify", "", -1);
    uat_error_clear();
    uat_cert *c = NULL;
    uat_der_list pem = {NULL, 0, 0};
    uat_span in = uat_span_of(der, n);
    if (n > 10 && memcmp(der, "-----BEGIN", 10) == 0) {
        /* a PEM certificate (the first block) for callers that keep certificates as text */
        uat_err prc = uat_pem_certs_strict(in, &pem);
        if (prc != UAT_OK) {
            uat_der_list_free(&pem);
            return prc;
        }
        in = uat_buf_span(&pem.items[0]);
    }
    uat_err rc = uat_cert_parse(in, &c);
    if (rc == UAT_OK) {
        rc = uat_ratls_verify_parsed(c, opts, claims, ear);
    }
    uat_cert_free(c);
    uat_der_list_free(&pem);
    return rc;
}
