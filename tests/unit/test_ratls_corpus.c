/* RA-TLS conformance on real certificates (../shared/corpus/ra-tls, PROVENANCE.md): Gramine (r1)
 * and rats-tls (r3) interoperable certificates verified with the s3 SGX collateral at pinned times,
 * the legacy formats (r1's mis-encoded Gramine OID, rats-tls r4/r5 PKCS#1 bindings, the SGX SDK
 * PEM binding), every single-byte change of the real extensions, a swapped public key, policy. */
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "ratls_test.h"

static void test_r1_gramine_interop(void **state)
{
    (void)state;
    uat_buf der;
    load_cert("r1-gramine-interop+legacy.pem", &der);
    uat_ratls_opts o = sgx_opts(T_COLLATERAL, 0);
    uat_claims *c = NULL;
    assert_ok(verify_buf(&der, &o, &c));
    expect_sgx(c, MR_R1);
    o.legacy = 1; /* the interoperable extension still wins */
    assert_ok(verify_buf(&der, &o, &c));
    expect_sgx(c, MR_R1);
    o.cert_time = 4102444800; /* 2100-01-01: past notAfter 2030-12-31 */
    assert_err(verify_buf(&der, &o, NULL), UAT_ERR_VERIFY_EXPIRED);
    uat_buf_free(&der);
}

/* r3 expired on 2024-02-22: its validity is checked at a time inside its window, its evidence
 * at the collateral's time (two separate times). */
static void test_r3_rats_tls_interop(void **state)
{
    (void)state;
    uat_buf der;
    load_cert("r3-rats-tls-interop.pem", &der);
    uat_ratls_opts o = sgx_opts(T_R3_CERT, 0);
    uat_claims *c = NULL;
    assert_ok(verify_buf(&der, &o, &c));
    expect_sgx(c, MR_R3);
    o.cert_time = T_COLLATERAL;
    assert_err(verify_buf(&der, &o, NULL), UAT_ERR_VERIFY_EXPIRED);
    o.cert_time = 1677082221; /* 2023-02-22T16:10:21Z, a second before notBefore */
    assert_err(verify_buf(&der, &o, NULL), UAT_ERR_VERIFY_EXPIRED);
    uat_buf_free(&der);
}

/* r1 without its interoperable extension: the interop OID's last arc 9 becomes 127. The
 * certificate's signature no longer verifies, which RA-TLS does not rely on (docs/ratls.md). */
static void test_legacy_r1_gramine(void **state)
{
    (void)state;
    uat_buf der;
    load_cert("r1-gramine-interop+legacy.pem", &der);
    static const uint8_t oid[] = {0x06, 0x06, 0x67, 0x81, 0x05, 0x05, 0x04, 0x09};
    size_t hits = 0;
    for (size_t i = 0; i + sizeof(oid) <= der.len; i++) {
        if (memcmp(der.p + i, oid, sizeof(oid)) == 0) {
            der.p[i + sizeof(oid) - 1] = 0x7f;
            hits++;
        }
    }
    assert_int_equal(hits, 1);
    uat_ratls_opts o = sgx_opts(T_COLLATERAL, 0);
    assert_err(verify_buf(&der, &o, NULL), UAT_ERR_VERIFY_BINDING);
    assert_string_equal(uat_last_error()->check, "ratls.extension");
    assert_string_equal(uat_last_error()->field, UAT_RATLS_OID_LEGACY_GRAMINE);
    o.legacy = 1;
    uat_claims *c = NULL;
    assert_ok(verify_buf(&der, &o, &c));
    expect_sgx(c, MR_R1);
    uint8_t nonce[4] = {1, 2, 3, 4};
    o.nonce = nonce; /* a legacy certificate cannot carry a nonce */
    o.nonce_len = sizeof(nonce);
    assert_err(verify_buf(&der, &o, NULL), UAT_ERR_VERIFY_NONCE);
    uat_buf_free(&der);
}

/* The legacy key binding on the real quotes' report data: SPKI DER (Gramine), PKCS#1 (rats-tls). */
static void expect_binding(const char *cert, const char *oid, const char *quote_cert,
                           const char *quote_oid, uat_err want)
{
    uat_buf der, qder;
    load_cert(cert, &der);
    load_cert(quote_cert, &qder);
    size_t off = 0, len = 0;
    ext_at(&qder, quote_oid, &off, &len);
    assert_true(len > QUOTE_REPORT_DATA + 64);
    uat_cert *c = NULL;
    assert_ok(uat_cert_parse(uat_buf_span(&der), &c));
    assert_err(uat_ratls_legacy_binding(c, oid, qder.p + off + QUOTE_REPORT_DATA, 64), want);
    uat_cert_free(c);
    uat_buf_free(&der);
    uat_buf_free(&qder);
}

static void test_legacy_binding_forms(void **state)
{
    (void)state;
    const char *r1 = "r1-gramine-interop+legacy.pem", *r4 = "r4-rats-tls-legacy-openssl.pem",
               *r5 = "r5-rats-tls-legacy.pem";
    const char *gramine = UAT_RATLS_OID_LEGACY_GRAMINE, *legacy = UAT_RATLS_OID_LEGACY;
    expect_binding(r1, gramine, r1, gramine, UAT_OK);         /* SHA-256(SPKI DER) */
    expect_binding(r1, legacy, r1, gramine, UAT_OK);
    expect_binding(r4, legacy, r4, legacy, UAT_OK);           /* SHA-256(PKCS#1 RSAPublicKey) */
    expect_binding(r5, legacy, r5, legacy, UAT_OK);
    expect_binding(r4, gramine, r4, legacy, UAT_ERR_VERIFY_BINDING); /* Gramine never used PKCS#1 */
    expect_binding(r4, legacy, r5, legacy, UAT_ERR_VERIFY_BINDING);  /* another key's quote */
    expect_binding(r1, UAT_RATLS_OID_SGX_SDK, r1, gramine, UAT_ERR_VERIFY_BINDING); /* PEM */
}

/* Intel SGX SDK (sdk/ttls): report_data[0:32] = SHA-256 of the PEM public key text and its NUL,
 * recomputed here with OpenSSL's PEM writer (no SDK certificate is in the corpus). */
static void test_legacy_sgx_sdk_binding(void **state)
{
    (void)state;
    uat_buf der;
    load_cert("r3-rats-tls-interop.pem", &der);
    const unsigned char *p = der.p;
    X509 *x = d2i_X509(NULL, &p, (long)der.len);
    assert_non_null(x);
    BIO *bio = BIO_new(BIO_s_mem());
    assert_int_equal(PEM_write_bio_PUBKEY(bio, X509_get0_pubkey(x)), 1);
    assert_int_equal(BIO_write(bio, "", 1), 1);
    char *pem = NULL;
    long n = BIO_get_mem_data(bio, &pem);
    uint8_t rd[64] = {0};
    unsigned len = 0;
    assert_int_equal(EVP_Digest(pem, (size_t)n, rd, &len, EVP_sha256(), NULL), 1);
    uat_cert *c = NULL;
    assert_ok(uat_cert_parse(uat_buf_span(&der), &c));
    assert_ok(uat_ratls_legacy_binding(c, UAT_RATLS_OID_SGX_SDK, rd, sizeof(rd)));
    assert_err(uat_ratls_legacy_binding(c, UAT_RATLS_OID_LEGACY, rd, sizeof(rd)),
               UAT_ERR_VERIFY_BINDING);
    rd[31] ^= 1;
    assert_err(uat_ratls_legacy_binding(c, UAT_RATLS_OID_SGX_SDK, rd, sizeof(rd)),
               UAT_ERR_VERIFY_BINDING);
    uat_cert_free(c);
    BIO_free(bio);
    X509_free(x);
    uat_buf_free(&der);
}

/* r4 and r5 verify only with legacy formats allowed (their quotes' PCK chains run
 * "-----END CERTIFICATE----------BEGIN CERTIFICATE-----" together on one line, as rats-tls
 * wrote them; the PEM reader takes that form). */
static void expect_legacy_rsa(const char *name, const char *mr)
{
    uat_buf der;
    load_cert(name, &der);
    uat_ratls_opts o = sgx_opts(T_COLLATERAL, 0);
    assert_err(verify_buf(&der, &o, NULL), UAT_ERR_VERIFY_BINDING);
    o.legacy = 1;
    uat_claims *c = NULL;
    assert_err(verify_buf(&der, &o, &c), UAT_OK);
    expect_sgx(c, mr);
    uat_buf_free(&der);
}

static void test_legacy_r4_r5_rats_tls(void **state)
{
    (void)state;
    expect_legacy_rsa("r4-rats-tls-legacy-openssl.pem", MR_R4);
    expect_legacy_rsa("r5-rats-tls-legacy.pem", MR_R5);
}

/* Every single-byte change inside the extension value is rejected (one verifier: collateral and
 * chains stay cached). */
static void mutate_all(const char *name, int64_t cert_time, uint8_t mask)
{
    uat_buf der;
    load_cert(name, &der);
    size_t off = 0, len = 0;
    ext_at(&der, UAT_RATLS_OID_EVIDENCE, &off, &len);
    uat_ratls_opts o = sgx_opts(cert_time, 1);
    assert_ok(verify_buf(&der, &o, NULL));
    for (size_t i = off; i < off + len; i++) {
        der.p[i] ^= mask;
        uat_err rc = verify_buf(&der, &o, NULL);
        if (rc == UAT_OK) {
            fail_msg("%s: byte %zu of the extension ^ 0x%02x still verifies", name, i - off, mask);
        }
        der.p[i] ^= mask;
    }
    printf("%s: %zu extension bytes ^ 0x%02x, each rejected\n", name, len, mask);
    uat_buf_free(&der);
}

static void test_every_byte_r1(void **state)
{
    (void)state;
    mutate_all("r1-gramine-interop+legacy.pem", T_COLLATERAL, 0x01);
    mutate_all("r1-gramine-interop+legacy.pem", T_COLLATERAL, 0x80);
}

static void test_every_byte_r3(void **state)
{
    (void)state;
    mutate_all("r3-rats-tls-interop.pem", T_R3_CERT, 0x01);
    mutate_all("r3-rats-tls-interop.pem", T_R3_CERT, 0x80);
}

/* r1's extension copied into a certificate of another key: the pubkey-hash does not match. */
static void test_changed_public_key(void **state)
{
    (void)state;
    uat_buf der, copy;
    load_cert("r1-gramine-interop+legacy.pem", &der);
    size_t off = 0, len = 0;
    ext_at(&der, UAT_RATLS_OID_EVIDENCE, &off, &len);
    uat_key *k = NULL;
    assert_ok(uat_key_generate(UAT_KEY_EC_P384, &k));
    cert_with(&k, UAT_RATLS_OID_EVIDENCE, uat_span_of(der.p + off, len), &copy);
    uat_ratls_opts o = sgx_opts(T_COLLATERAL, 1);
    assert_err(verify_buf(&copy, &o, NULL), UAT_ERR_VERIFY_BINDING);
    assert_string_equal(uat_last_error()->check, "ratls.pubkey-hash");
    uat_key_free(k);
    uat_buf_free(&copy);
    uat_buf_free(&der);
}

static void test_policy(void **state)
{
    (void)state;
    uat_buf der;
    load_cert("r1-gramine-interop+legacy.pem", &der);
    uat_policy *p = NULL;
    assert_ok(uat_policy_default(&p));
    uat_refvals *rv = NULL;
    assert_ok(uat_refvals_new(&rv));
    const char *other = "{\"id\": \"other\", \"tee\": \"sgx\", "
                        "\"values\": {\"measurement\": [\"" MR_R3
                        "\"]}, \"debug_insecure\": true, \"tcb_out_of_date_insecure\": true}";
    assert_ok(uat_refvals_add_json(rv, other, strlen(other)));
    uat_ratls_opts o = sgx_opts(T_COLLATERAL, 0);
    o.policy = p;
    o.refvals = rv;
    uat_ear *ear = NULL;
    uat_claims *c = NULL;
    assert_err(uat_ratls_verify_cert(der.p, der.len, &o, &c, &ear), UAT_ERR_VERIFY_POLICY);
    assert_null(ear);
    assert_null(c);
    const char *mine = "{\"id\": \"other\", \"tee\": \"sgx\", "
                       "\"values\": {\"measurement\": [\"" MR_R1
                       "\"]}, \"debug_insecure\": true, \"tcb_out_of_date_insecure\": true}";
    assert_ok(uat_refvals_add_json(rv, mine, strlen(mine)));
    assert_ok(uat_ratls_verify_cert(der.p, der.len, &o, &c, &ear));
    assert_non_null(ear);
    assert_string_equal(uat_ear_status(ear), "warning"); /* debug enclave, OutOfDate TCB */
    uat_ear_free(ear);
    uat_claims_free(c);
    uat_refvals_free(rv);
    uat_policy_free(p);
    uat_buf_free(&der);
}

/* r3 with an endorsements extension added (the fixture is re-signed by a throwaway key with
 * OpenSSL: RA-TLS verification does not check a certificate's own signature, docs/ratls.md). */
static void r3_with_endorsements(const uat_buf *r3, uat_span value, uat_buf *out)
{
    const unsigned char *p = r3->p;
    X509 *x = d2i_X509(NULL, &p, (long)r3->len);
    assert_non_null(x);
    ASN1_OBJECT *oid = OBJ_txt2obj(UAT_RATLS_OID_ENDORSEMENTS, 1);
    ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
    assert_true(oid != NULL && os != NULL && ASN1_OCTET_STRING_set(os, value.p, (int)value.len));
    X509_EXTENSION *ext = X509_EXTENSION_create_by_OBJ(NULL, oid, 0, os);
    assert_true(ext != NULL && X509_add_ext(x, ext, -1) == 1);
    EVP_PKEY *k = EVP_EC_gen("P-256");
    assert_true(k != NULL && X509_sign(x, k, EVP_sha256()) > 0);
    unsigned char *der = NULL;
    int n = i2d_X509(x, &der);
    assert_true(n > 0);
    uat_buf_init(out, 1 << 20);
    assert_ok(uat_buf_append(out, der, (size_t)n));
    OPENSSL_free(der);
    EVP_PKEY_free(k);
    X509_EXTENSION_free(ext);
    ASN1_OCTET_STRING_free(os);
    ASN1_OBJECT_free(oid);
    X509_free(x);
}

/* The endorsements extension carries the s3 collateral: a verifier with trust anchors only
 * verifies r3 with it and fails without it; a wrong tag is refused. */
static void test_r3_endorsements(void **state)
{
    (void)state;
    uat_buf der, with, quote;
    load_cert("r3-rats-tls-interop.pem", &der);
    size_t off = 0, len = 0;
    ext_at(&der, UAT_RATLS_OID_EVIDENCE, &off, &len);
    uat_ratls_ext e;
    assert_ok(uat_ratls_ext_parse(uat_span_of(der.p + off, len), &e));
    uat_buf_init(&quote, 1 << 20);
    assert_ok(uat_buf_append(&quote, e.evidence.p, e.evidence.len));
    uint8_t *end = NULL;
    size_t elen = 0;
    assert_ok(uat_verifier_endorsements(g_sgx, quote.p, quote.len, &end, &elen));
    r3_with_endorsements(&der, uat_span_of(end, elen), &with);

    uat_verifier *bare = NULL;
    assert_ok(uat_verifier_new(&bare));
    assert_ok(uat_verifier_set_trust_dir(bare, SGX_TRUST));
    uat_verifier_set_time(bare, T_COLLATERAL);
    uat_ratls_opts o = sgx_opts(T_R3_CERT, 0);
    o.verifier = bare;
    uat_claims *c = NULL;
    assert_err(verify_buf(&der, &o, NULL), UAT_ERR_VERIFY_COLLATERAL);
    assert_ok(verify_buf(&with, &o, &c));
    expect_sgx(c, MR_R3);
    /* the same item in the DICE wrapper SEQUENCE { OCTET STRING } */
    uat_buf wrapped, with2;
    uat_buf_init(&wrapped, 1 << 20);
    assert_true(elen < 65536);
    const uint8_t hdr[] = {0x30, 0x82, (uint8_t)((elen + 4) >> 8), (uint8_t)(elen + 4), 0x04, 0x82,
                           (uint8_t)(elen >> 8), (uint8_t)elen};
    assert_ok(uat_buf_append(&wrapped, hdr, sizeof(hdr)));
    assert_ok(uat_buf_append(&wrapped, end, elen));
    r3_with_endorsements(&der, uat_buf_span(&wrapped), &with2);
    assert_ok(verify_buf(&with2, &o, &c));
    expect_sgx(c, MR_R3);
    uat_buf_free(&with2);
    /* tag 60001 where the evidence has 60000 */
    end[2] = 0x61;
    r3_with_endorsements(&der, uat_span_of(end, elen), &with2);
    assert_err(verify_buf(&with2, &o, NULL), UAT_ERR_VERIFY_BINDING);
    assert_string_equal(uat_last_error()->check, "ratls.endorsements");
    uat_buf_free(&with2);
    uat_buf_free(&wrapped);
    uat_verifier_free(bare);
    free(end);
    uat_buf_free(&with);
    uat_buf_free(&quote);
    uat_buf_free(&der);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_changed_public_key),
        cmocka_unit_test(test_r1_gramine_interop),
        cmocka_unit_test(test_r3_rats_tls_interop),
        cmocka_unit_test(test_r3_endorsements),
        cmocka_unit_test(test_legacy_r1_gramine),
        cmocka_unit_test(test_legacy_binding_forms),
        cmocka_unit_test(test_legacy_sgx_sdk_binding),
        cmocka_unit_test(test_legacy_r4_r5_rats_tls),
        cmocka_unit_test(test_policy),
        cmocka_unit_test(test_every_byte_r1),
        cmocka_unit_test(test_every_byte_r3),
    };
    return cmocka_run_group_tests(tests, ratls_setup, ratls_teardown);
}
