/* HyperEnclave quote verification (layout and sources: hyperenclave.h):
 *   1. the platform certificate chains to an anchor of <trust>/hyperenclave/ at the evaluation
 *      time (SM2 with SM3, the default ID 1234567812345678 of GM/T 0009 that OpenSSL 3 applies);
 *   2. platform_sig is the certificate key's SM2 signature over SM3(platform_attest);
 *   3. the certificate's PCR list (OID 1.2.86.1) ends with PCR 13 =
 *      SM3(0^32 || SM3(hv_att_key_pub)) and starts with the quote's pcrDigest: the measured
 *      platform vouches for the hypervisor key;
 *   4. the TPM quote's extraData is SM3(report_data): the TPM quote belongs to this report;
 *   5. enclave_sig is the hypervisor key's SM2 signature over the report body (ID 01 02 .. 0E).
 */
#include <stdlib.h>
#include <string.h>

#include "collateral/trust.h"
#include "core/check.h"
#include "core/codec.h"
#include "tee/hyperenclave/hyperenclave.h"

#define CHECK "hyperenclave"
#define CHECK_CERT "hyperenclave.platform_cert"
#define CHECK_PCRS "hyperenclave.pcr_list"

/* SHA-256 of jinzhao-attest's local test root (PROVENANCE.md: expired development anchor) */
static const uint8_t local_test_root_sha256[32] = {
    0x71, 0x19, 0x82, 0x7e, 0xbd, 0x49, 0x22, 0x11, 0x83, 0xd0, 0x9d, 0xbb, 0x19, 0x3b, 0xdf, 0x52,
    0x6a, 0x2e, 0xa2, 0x7d, 0x3a, 0xeb, 0x71, 0x0f, 0x76, 0x72, 0x04, 0x47, 0xae, 0x5a, 0x10, 0x8b};

void uat_he_anchors_free(uat_cert **a, size_t n)
{
    for (size_t i = 0; a != NULL && i < n; i++) {
        uat_cert_free(a[i]);
    }
    free(a);
}

static uat_err add_anchor(uat_span der, uat_cert **a, size_t *n)
{
    uint8_t fp[32];
    UAT_TRY(uat_hash(UAT_HASH_SHA256, &der, 1, fp));
    if (memcmp(fp, local_test_root_sha256, sizeof(fp)) == 0) {
        return UAT_OK; /* a development root: evidence chaining only to it is not trusted */
    }
    UAT_TRY(uat_cert_parse(der, &a[*n]));
    (*n)++;
    return UAT_OK;
}

uat_err uat_he_load_anchors(const char *trust_dir, uat_cert ***out, size_t *n_out)
{
    uat_der_list l = {NULL, 0, 0};
    UAT_TRY(uat_trust_load_certs(trust_dir, UAT_HE_TRUST_NAME, &l));
    uat_cert **a = calloc(l.n, sizeof(*a));
    size_t n = 0;
    uat_err rc = a != NULL ? UAT_OK : UAT_NOMEM(CHECK_CERT);
    for (size_t i = 0; rc == UAT_OK && i < l.n; i++) {
        rc = add_anchor(uat_buf_span(&l.items[i]), a, &n);
    }
    uat_der_list_free(&l);
    if (rc == UAT_OK && n == 0) {
        rc = UAT_FAILF(UAT_ERR_USAGE_NO_TRUST_ANCHOR, CHECK_CERT, UAT_HE_TRUST_NAME, -1,
                       "no HyperEnclave anchor (CFCA ACS SM2 OCA33) is configured");
    }
    if (rc != UAT_OK) {
        uat_he_anchors_free(a, n);
        return rc;
    }
    *out = a;
    *n_out = n;
    return UAT_OK;
}

typedef struct he_state {
    uat_he_quote q;
    uat_cert **anchors;
    size_t nanchors;
    uat_x509_store *store;
    uat_cert *leaf;
    uat_buf pcrs; /* the certificate's PCR list */
} he_state;

static uat_err check_cert(he_state *s, const uat_verify_ctx *ctx)
{
    UAT_TRY(uat_he_load_anchors(ctx->trust_dir, &s->anchors, &s->nanchors));
    UAT_TRY(uat_x509_store_new(s->anchors, s->nanchors, NULL, &s->store));
    UAT_TRY(uat_cert_parse(s->q.cert, &s->leaf));
    /* no CRL: CFCA's OCA33 CRLs are online only and nothing is fetched during verification */
    return uat_x509_store_verify(s->store, s->leaf, NULL, 0, 0, 0, ctx->at, CHECK_CERT);
}

static uat_err check_platform_sig(const he_state *s)
{
    uint8_t x[32], y[32], d[32];
    UAT_TRY(uat_key_sm2_point(uat_cert_key(s->leaf), x, y, CHECK_CERT));
    UAT_TRY(uat_hash(UAT_HASH_SM3, &s->q.platform_attest_raw, 1, d));
    /* spec: [ual] CheckPlatformAttestation: Sm2Crypto::Verify (use_z false): e = SM3(attest) */
    return uat_sm2_verify_digest(x, y, d, s->q.platform_sig, s->q.platform_sig + 32,
                                 "hyperenclave.platform_sig");
}

static uat_err check_pcrs(he_state *s)
{
    uat_span ext;
    size_t count = 0;
    UAT_TRY(uat_cert_ext_find(s->leaf, UAT_HE_PCR_EXT_OID, &ext, &count));
    if (count != 1) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_CERT, CHECK_PCRS, UAT_HE_PCR_EXT_OID, -1,
                         "the platform certificate has the PCR list extension %zu times, not once",
                         count);
    }
    UAT_TRY(uat_he_pcr_list_parse(ext, &s->pcrs));
    /* spec: [ual] calc_pcr_digest: PCR 13 after extending SM3(hv_att_key_pub) from zero */
    uint8_t zero[32] = {0}, key_hash[32], pcr13[32];
    uat_span key = uat_span_of(s->q.hv_att_key_pub, UAT_HE_KEY_SIZE);
    UAT_TRY(uat_hash(UAT_HASH_SM3, &key, 1, key_hash));
    uat_span ext13[2] = {uat_span_of(zero, 32), uat_span_of(key_hash, 32)};
    UAT_TRY(uat_hash(UAT_HASH_SM3, ext13, 2, pcr13));
    const uint8_t *last = s->pcrs.p + s->pcrs.len - UAT_HE_PCR_SIZE;
    if (!uat_ct_equal(last, pcr13, UAT_HE_PCR_SIZE)) {
        return UAT_FAILF(UAT_ERR_VERIFY_MEASUREMENT, CHECK_PCRS, "pcr13", UAT_HE_SIG_OFFSET + 64,
                         "the certificate's PCR 13 is not the hypervisor attestation key "
                         "(hv_att_key_pub) extended into a zero PCR");
    }
    uat_step_hex("hyperenclave.pcr13", last, UAT_HE_PCR_SIZE, pcr13, UAT_HE_PCR_SIZE);
    /* spec: [ual] verify_pcr_digest: the list's first value is the quoted PCR digest */
    if (!uat_ct_equal(s->pcrs.p, s->q.attest.pcr_digest, UAT_HE_PCR_SIZE)) {
        return UAT_FAILF(UAT_ERR_VERIFY_MEASUREMENT, CHECK_PCRS, "platform_attest.pcrDigest",
                         UAT_HE_ATTEST_OFFSET + 115,
                         "the TPM quote's PCR digest is not the one the platform certificate "
                         "lists: the platform booted other software");
    }
    uat_step_hex(CHECK_PCRS, s->q.attest.pcr_digest, UAT_HE_PCR_SIZE, s->pcrs.p, UAT_HE_PCR_SIZE);
    return UAT_OK;
}

static uat_err check_enclave(const uat_he_quote *q)
{
    uint8_t d[32];
    uat_span rd = uat_span_of(q->body.report_data, sizeof(q->body.report_data));
    UAT_TRY(uat_hash(UAT_HASH_SM3, &rd, 1, d));
    /* spec: [hv] create_quote: he_get_quote(SM3(report_data)) as the TPM quote's user data */
    if (!uat_ct_equal(q->attest.extra_data + 2, d, sizeof(d))) {
        return UAT_FAILF(UAT_ERR_VERIFY_BINDING, CHECK, "platform_attest.extraData",
                         UAT_HE_ATTEST_OFFSET + 44,
                         "the TPM quote was not made for this report (extraData is not "
                         "SM3(report_data))");
    }
    uat_step_hex("hyperenclave.quote_binding", q->attest.extra_data + 2, sizeof(d), d, sizeof(d));
    return uat_sm2_verify(q->hv_att_key_pub, q->hv_att_key_pub + 32,
                          uat_span_of(uat_he_user_id, sizeof(uat_he_user_id)), q->body_raw,
                          q->enclave_sig, q->enclave_sig + 32, "hyperenclave.enclave_sig");
}

static uat_err fill_claims(const he_state *s, uat_claims *claims)
{
    const uat_sgx_report *b = &s->q.body;
    json_t *doc = uat_claims_doc(claims);
    UAT_TRY(uat_json_set_hex(doc, "measurement", b->mr_enclave, 32));
    UAT_TRY(uat_json_set_hex(doc, "signer", b->mr_signer, 32));
    UAT_TRY(uat_json_set_int(doc, "product_id", b->isv_prod_id));
    UAT_TRY(uat_json_set_int(doc, "svn", b->isv_svn));
    /* spec: SGX attributes.flags bit 1 = DEBUG (HyperEnclave keeps the SGX report body) */
    UAT_TRY(uat_json_set_bool(doc, "debug", (b->attributes[0] & 0x02) != 0));
    UAT_TRY(uat_json_set_hex(doc, "report_data", b->report_data, 64));
    json_t *p = json_object();
    UAT_TRY(uat_json_set(doc, "platform", p));
    UAT_TRY(uat_json_set_str(p, "platform_cert_cn", uat_cert_cn(s->leaf)));
    UAT_TRY(uat_json_set_hex(p, "hv_att_key_pub", s->q.hv_att_key_pub, UAT_HE_KEY_SIZE));
    UAT_TRY(uat_json_set_hex(p, "pcr_digest", s->q.attest.pcr_digest, UAT_HE_PCR_SIZE));
    json_t *list = json_array();
    UAT_TRY(uat_json_set(p, "pcr_list", list));
    for (size_t off = 0; off < s->pcrs.len; off += UAT_HE_PCR_SIZE) {
        char h[2 * UAT_HE_PCR_SIZE + 1];
        uat_hex_encode(s->pcrs.p + off, UAT_HE_PCR_SIZE, h);
        UAT_ENSURE(json_array_append_new(list, json_string(h)) == 0, UAT_ERR_RESOURCE_NO_MEMORY,
                   CHECK, "pcr_list", -1);
    }
    json_t *t = uat_claims_tee_obj(claims);
    UAT_TRY(uat_sgx_report_describe(b, t));
    json_t *att = json_object();
    UAT_TRY(uat_json_set(t, "platform_attest", att));
    return uat_tpm_describe_attest(&s->q.attest, att);
}

static uat_err verify_state(uat_span in, const uat_verify_ctx *ctx, he_state *s)
{
    UAT_TRY(uat_he_quote_parse(in, &s->q));
    UAT_TRY(check_cert(s, ctx));
    UAT_TRY(check_platform_sig(s));
    UAT_TRY(check_pcrs(s));
    return check_enclave(&s->q);
}

uat_err uat_he_verify(uat_span in, const uat_verify_ctx *ctx, uat_claims *claims,
                      uat_verify_out *out)
{
    he_state *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return UAT_NOMEM(CHECK);
    }
    uat_buf_init(&s->pcrs, UAT_HE_MAX_PCR_LIST + 4);
    uat_err rc = verify_state(in, ctx, s);
    if (rc == UAT_OK) {
        rc = fill_claims(s, claims);
    }
    if (rc == UAT_OK) {
        memcpy(out->report_data, s->q.body.report_data, 64);
        out->report_data_len = 64;
        out->valid_until = uat_cert_not_after(s->leaf);
    }
    uat_buf_free(&s->pcrs);
    uat_cert_free(s->leaf);
    uat_x509_store_free(s->store);
    uat_he_anchors_free(s->anchors, s->nanchors);
    free(s);
    return rc;
}

const uat_tee_ops uat_tee_hyperenclave = {
    .name = "hyperenclave",
    .media_type = UAT_HE_MEDIA_TYPE,
    .cbor_tag = 0,
    .detect_paths = NULL,
    .options = NULL,
    .sniff = uat_he_sniff,
    .inspect = uat_he_inspect,
    .verify = uat_he_verify,
    .cache_free = NULL,
    .collect = NULL,
};
