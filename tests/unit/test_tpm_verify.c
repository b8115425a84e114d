/* Unit tests for TPM 2.0 verification (src/tee/tpm/verify.c, aktrust.c, describe.c) on synthetic
 * quotes and certify statements signed by generated RSA, P-256, P-384 and P-521 keys: AK
 * attributes and schemes, AK trust (reference values, a pinned PEM key, a certificate chain to a
 * test CA), bindings, PCR digests, certified Names, claims, inspect, and the event and IMA logs
 * against the quoted PCRs. Negative cases first. Parsers: test_tpm.c. */
#include "tpm_test.h"

#define P1 UAT_CORPUS_DIR "/tpm2/p1-goattestation-gcp-shielded-vm"

static const uint8_t JUNK[] = {1, 2, 3};

/* ---- verification: negative cases -------------------------------------------------------- */

static void test_untrusted_ak(void **state)
{
    (void)state;
    tpm_case c = case_quote(UAT_KEY_EC_P256);
    case_build(&c);
    assert_fail(verify_ev(verifier(NULL, NULL, 0), uat_buf_span(c.evidence), NULL),
                UAT_ERR_VERIFY_UNTRUSTED_KEY, "tpm.ak", "ak_pub");
    /* a trust folder with another key, reference values with another Name */
    const char *trust = temp_trust_dir();
    uat_buf *pem = new_buf();
    assert_ok(uat_key_public_pem(new_key(UAT_KEY_EC_P256), pem));
    trust_file("other.pem", uat_span_of(pem->p, pem->len));
    tpm_case d = case_quote(UAT_KEY_EC_P256);
    case_build(&d);
    assert_fail(verify_ev(verifier(trust, pin_refvals(uat_buf_span(d.ak_pub)), 0),
                          uat_buf_span(c.evidence), NULL),
                UAT_ERR_VERIFY_UNTRUSTED_KEY, "tpm.ak", "ak_pub");
    /* a chain without a configured CA is no trust either */
    c.chain[0] = uat_buf_span(pem);
    c.nchain = 1;
    case_build(&c);
    assert_fail(verify_ev(verifier(NULL, NULL, 0), uat_buf_span(c.evidence), NULL),
                UAT_ERR_VERIFY_UNTRUSTED_KEY, "tpm.ak", "ak_pub");
    assert_non_null(strstr(uat_last_error()->message, "no CA is configured"));
}

static void test_ak_attributes(void **state)
{
    (void)state;
    const uint32_t drop[] = {UAT_TPMA_SIGN, UAT_TPMA_RESTRICTED, UAT_TPMA_FIXED_TPM,
                             UAT_TPMA_FIXED_PARENT, UAT_TPMA_SENSITIVE_DATA_ORIGIN};
    const char *names[] = {"sign", "restricted", "fixedTPM", "fixedParent", "sensitiveDataOrigin"};
    for (size_t i = 0; i < 5; i++) {
        tpm_case c = case_quote(UAT_KEY_EC_P256);
        c.ak_attrs = AK_ATTRS & ~drop[i];
        case_build(&c);
        const uat_refvals *rv = pin_refvals(uat_buf_span(c.ak_pub));
        assert_fail(verify_ev(verifier(NULL, rv, 0), uat_buf_span(c.evidence), NULL),
                    UAT_ERR_VERIFY_UNTRUSTED_KEY, "tpm.ak", "objectAttributes");
        assert_non_null(strstr(uat_last_error()->message, names[i]));
    }
    tpm_case c = case_quote(UAT_KEY_EC_P256);
    c.ak_attrs = AK_ATTRS | UAT_TPMA_DECRYPT;
    case_build(&c);
    assert_fail(verify_ev(verifier(NULL, pin_refvals(uat_buf_span(c.ak_pub)), 0),
                          uat_buf_span(c.evidence), NULL),
                UAT_ERR_VERIFY_UNTRUSTED_KEY, "tpm.ak", "objectAttributes");
}

static void test_scheme_mismatch(void **state)
{
    (void)state;
    /* the AK fixes RSASSA-SHA256: an RSASSA-SHA1 signature is refused although it verifies */
    tpm_case c = case_quote(UAT_KEY_RSA);
    c.sig_hash = UAT_TPM_ALG_SHA1;
    case_build(&c);
    const uat_refvals *rv = pin_refvals(uat_buf_span(c.ak_pub));
    assert_fail(verify_ev(verifier(NULL, rv, 0), uat_buf_span(c.evidence), NULL),
                UAT_ERR_VERIFY_SIGNATURE, "tpm.signature", "signature.hash");
    c = case_quote(UAT_KEY_RSA);
    c.sig_alg = UAT_TPM_ALG_RSAPSS;
    case_build(&c);
    rv = pin_refvals(uat_buf_span(c.ak_pub));
    assert_fail(verify_ev(verifier(NULL, rv, 0), uat_buf_span(c.evidence), NULL),
                UAT_ERR_VERIFY_SIGNATURE, "tpm.signature", "sigAlg");
    /* an ECDSA signature in evidence of an RSA AK */
    tpm_case e = case_quote(UAT_KEY_EC_P256);
    case_build(&e);
    c = case_quote(UAT_KEY_RSA);
    case_build(&c);
    rv = pin_refvals(uat_buf_span(c.ak_pub));
    assert_fail(verify_ev(verifier(NULL, rv, 0),
                          uat_buf_span(evidence_with(&c, "signature", uat_buf_span(e.signature))),
                          NULL),
                UAT_ERR_VERIFY_SIGNATURE, "tpm.signature", "sigAlg");
}

static void test_bad_signature(void **state)
{
    (void)state;
    enum uat_key_kind kinds[] = {UAT_KEY_RSA, UAT_KEY_EC_P256, UAT_KEY_EC_P384};
    for (size_t k = 0; k < 3; k++) {
        tpm_case c = case_quote(kinds[k]);
        case_build(&c);
        const uat_refvals *rv = pin_refvals(uat_buf_span(c.ak_pub));
        uat_buf *sig = copy_of(uat_buf_span(c.signature));
        sig->p[sig->len - 1] ^= 0x01;
        assert_fail(verify_ev(verifier(NULL, rv, 0),
                              uat_buf_span(evidence_with(&c, "signature", uat_buf_span(sig))),
                              NULL),
                    UAT_ERR_VERIFY_SIGNATURE, "tpm.signature", "signature");
        /* any byte of the attest changed */
        uat_buf *att = copy_of(uat_buf_span(c.attest));
        att->p[20] ^= 0x80;
        assert_fail(verify_ev(verifier(NULL, rv, 0),
                              uat_buf_span(evidence_with(&c, "attest", uat_buf_span(att))), NULL),
                    UAT_ERR_VERIFY_SIGNATURE, "tpm.signature", "signature");
        /* another AK that is pinned too */
        tpm_case d = case_quote(kinds[k]);
        case_build(&d);
        rv = pin_refvals(uat_buf_span(d.ak_pub));
        assert_fail(verify_ev(verifier(NULL, rv, 0),
                              uat_buf_span(evidence_with(&c, "ak_pub", uat_buf_span(d.ak_pub))),
                              NULL),
                    UAT_ERR_VERIFY_SIGNATURE, "tpm.signature", "signature");
    }
}

static void test_not_generated(void **state)
{
    (void)state;
    /* a signed structure that does not start with TPM_GENERATED_VALUE is refused after the
     * signature: the magic is what makes a restricted key's signature mean "the TPM said this" */
    tpm_case c = case_quote(UAT_KEY_EC_P256);
    case_attest(&c);
    c.attest->p[0] = 0x00;
    c.ak_pub = new_buf();
    w_public(c.ak_pub, c.ak, c.name_alg, c.ak_attrs, c.ak_scheme, c.ak_scheme_hash);
    c.signature = new_buf();
    w_signature(c.signature, c.ak, c.sig_alg, c.sig_hash, uat_buf_span(c.attest));
    uat_tpm_evidence ev;
    memset(&ev, 0, sizeof(ev));
    ev.attest = uat_buf_span(c.attest);
    ev.signature = uat_buf_span(c.signature);
    ev.ak_pub = uat_buf_span(c.ak_pub);
    uat_buf *b = new_buf();
    assert_ok(uat_tpm_evidence_encode(&ev, b));
    assert_fail(verify_ev(verifier(NULL, pin_refvals(ev.ak_pub), 0), uat_buf_span(b), NULL),
                UAT_ERR_PARSE_BAD_MAGIC, "tpm.attest", "magic");
}

static void test_pcr_mismatch(void **state)
{
    (void)state;
    tpm_case c = case_quote(UAT_KEY_EC_P256);
    case_build(&c);
    const uat_refvals *rv = pin_refvals(uat_buf_span(c.ak_pub));
    /* a PCR value changed after signing */
    uat_tpm_evidence ev;
    assert_ok(uat_tpm_evidence_decode(uat_buf_span(c.evidence), &ev));
    uint8_t other[32];
    memset(other, 0x99, sizeof(other));
    ev.pcr[0][5] = uat_span_of(other, 32);
    uat_buf *b = new_buf();
    assert_ok(uat_tpm_evidence_encode(&ev, b));
    assert_fail(verify_ev(verifier(NULL, rv, 0), uat_buf_span(b), NULL), UAT_ERR_VERIFY_MEASUREMENT,
                "tpm.verify", "pcrDigest");
    assert_int_equal(uat_last_error()->offset, c.attest->len - 32);
    /* a selected PCR missing */
    c.given[0] = 0x7f;
    case_build(&c);
    rv = pin_refvals(uat_buf_span(c.ak_pub));
    assert_fail(verify_ev(verifier(NULL, rv, 0), uat_buf_span(c.evidence), NULL),
                UAT_ERR_VERIFY_MEASUREMENT, "tpm.verify", "pcrs[0x000b][7]");
    /* a PCR the quote does not select */
    c.given[0] = 0x1ff;
    case_build(&c);
    rv = pin_refvals(uat_buf_span(c.ak_pub));
    assert_fail(verify_ev(verifier(NULL, rv, 0), uat_buf_span(c.evidence), NULL),
                UAT_ERR_VERIFY_MEASUREMENT, "tpm.verify", "pcrs[0x000b][8]");
    /* a bank the quote does not select */
    c = case_quote(UAT_KEY_EC_P256);
    c.nsel = 2;
    c.sel[1].hash = UAT_TPM_ALG_SHA1;
    c.sel[1].mask = 0;
    c.given[1] = 1;
    case_build(&c);
    rv = pin_refvals(uat_buf_span(c.ak_pub));
    assert_fail(verify_ev(verifier(NULL, rv, 0), uat_buf_span(c.evidence), NULL),
                UAT_ERR_VERIFY_MEASUREMENT, "tpm.verify", "pcrs[0x0004][0]");
    /* the quote's pcrDigest hash is the signature's: SHA-384 signature, SHA-256 digest */
    c = case_quote(UAT_KEY_EC_P384);
    c.ak_scheme = UAT_TPM_ALG_NULL;
    case_build(&c); /* digest and signature with SHA-256 */
    uat_buf *sig = new_buf();
    w_signature(sig, c.ak, UAT_TPM_ALG_ECDSA, UAT_TPM_ALG_SHA384, uat_buf_span(c.attest));
    rv = pin_refvals(uat_buf_span(c.ak_pub));
    assert_fail(verify_ev(verifier(NULL, rv, 0),
                          uat_buf_span(evidence_with(&c, "signature", uat_buf_span(sig))), NULL),
                UAT_ERR_VERIFY_MEASUREMENT, "tpm.verify", "pcrDigest");
}

static void test_certify_mismatch(void **state)
{
    (void)state;
    tpm_case c = case_quote(UAT_KEY_EC_P256);
    c.certified = new_key(UAT_KEY_EC_P256);
    c.certified_attrs = 0x00040072;
    case_build(&c);
    const uat_refvals *rv = pin_refvals(uat_buf_span(c.ak_pub));
    assert_ok(verify_ev(verifier(NULL, rv, 0), uat_buf_span(c.evidence), NULL));
    /* another key's TPMT_PUBLIC, or the same key with other attributes */
    uat_buf *other = new_buf();
    w_public(other, new_key(UAT_KEY_EC_P256), UAT_TPM_ALG_SHA256, 0x00040072, UAT_TPM_ALG_NULL, 0);
    assert_fail(verify_ev(verifier(NULL, rv, 0),
                          uat_buf_span(evidence_with(&c, "certified_pub", uat_buf_span(other))),
                          NULL),
                UAT_ERR_VERIFY_BINDING, "tpm.verify", "attested.certify.name");
    other = new_buf();
    w_public(other, c.certified, UAT_TPM_ALG_SHA256, 0x00040472, UAT_TPM_ALG_NULL, 0);
    assert_fail(verify_ev(verifier(NULL, rv, 0),
                          uat_buf_span(evidence_with(&c, "certified_pub", uat_buf_span(other))),
                          NULL),
                UAT_ERR_VERIFY_BINDING, "tpm.verify", "attested.certify.name");
    /* certify evidence without certified_pub; quote evidence with one */
    uat_tpm_evidence ev;
    assert_ok(uat_tpm_evidence_decode(uat_buf_span(c.evidence), &ev));
    ev.certified_pub.len = 0;
    uat_buf *b = new_buf();
    assert_ok(uat_tpm_evidence_encode(&ev, b));
    assert_fail(verify_ev(verifier(NULL, rv, 0), uat_buf_span(b), NULL), UAT_ERR_PARSE_BAD_CBOR,
                "tpm.evidence", "certified_pub");
    tpm_case q = case_quote(UAT_KEY_EC_P256);
    case_build(&q);
    rv = pin_refvals(uat_buf_span(q.ak_pub));
    assert_fail(verify_ev(verifier(NULL, rv, 0),
                          uat_buf_span(evidence_with(&q, "certified_pub", uat_buf_span(c.ak_pub))),
                          NULL),
                UAT_ERR_PARSE_BAD_CBOR, "tpm.evidence", "certified_pub");
}

static void test_binding(void **state)
{
    (void)state;
    tpm_case c = case_quote(UAT_KEY_EC_P256);
    case_build(&c);
    const uat_refvals *rv = pin_refvals(uat_buf_span(c.ak_pub));
    uint8_t expected[64];
    memset(expected, 0, sizeof(expected));
    memcpy(expected, c.extra, c.extra_len);
    assert_ok(verify_ev(verifier(NULL, rv, 0), uat_buf_span(c.evidence), expected));
    expected[31] ^= 1;
    assert_fail(verify_ev(verifier(NULL, rv, 0), uat_buf_span(c.evidence), expected),
                UAT_ERR_VERIFY_BINDING, "binding", "report_data");
    expected[31] ^= 1;
    expected[40] = 1; /* the evidence binds 32 bytes: the rest must be zero */
    assert_err(verify_ev(verifier(NULL, rv, 0), uat_buf_span(c.evidence), expected),
               UAT_ERR_VERIFY_BINDING);
    /* extraData of 66 bytes cannot be report data */
    c.extra_len = 66;
    case_build(&c);
    rv = pin_refvals(uat_buf_span(c.ak_pub));
    assert_fail(verify_ev(verifier(NULL, rv, 0), uat_buf_span(c.evidence), NULL),
                UAT_ERR_VERIFY_BINDING, "tpm.verify", "extraData");
    /* 64 bytes: all of report_data */
    c.extra_len = 64;
    case_build(&c);
    rv = pin_refvals(uat_buf_span(c.ak_pub));
    memcpy(expected, c.extra, 64);
    assert_ok(verify_ev(verifier(NULL, rv, 0), uat_buf_span(c.evidence), expected));
}

/* ---- AK trust ----------------------------------------------------------------------------- */

static void test_pinned_pem(void **state)
{
    (void)state;
    tpm_case c = case_quote(UAT_KEY_RSA);
    case_build(&c);
    const char *trust = temp_trust_dir();
    uat_buf *pem = new_buf();
    assert_ok(uat_key_public_pem(c.ak, pem));
    trust_file("ak.pem", uat_span_of(pem->p, pem->len));
    trust_file("README", uat_span_of("not a key", 9)); /* ignored: not a certificate file name */
    assert_ok(verify_ev(verifier(trust, NULL, 0), uat_buf_span(c.evidence), NULL));
    assert_claim("tee_claims.ak_trust", "\"pinned-key\"");
    /* a file that holds nothing usable is an error, not skipped */
    trust_file("junk.pem", uat_span_of("junk", 4));
    assert_fail(verify_ev(verifier(trust, NULL, 0), uat_buf_span(c.evidence), NULL),
                UAT_ERR_PARSE_BAD_CERT, "tpm.ak", "");
}

static void test_pinned_refvals(void **state)
{
    (void)state;
    tpm_case c = case_quote(UAT_KEY_EC_P384);
    case_build(&c);
    assert_ok(verify_ev(verifier(NULL, pin_refvals(uat_buf_span(c.ak_pub)), 0),
                        uat_buf_span(c.evidence), NULL));
    assert_claim("tee_claims.ak_trust", "\"reference-values\"");
    char name[2 * UAT_TPM_MAX_NAME + 1], want[160];
    ak_name_hex(uat_buf_span(c.ak_pub), name);
    snprintf(want, sizeof(want), "\"%s\"", name);
    assert_claim("signer", want);
    /* a document for another TEE pins nothing */
    uat_refvals *rv = NULL;
    char doc[256];
    snprintf(doc, sizeof(doc), "{\"id\":\"x\",\"tee\":\"sim\",\"values\":{\"signer\":[\"%s\"]}}",
             name);
    assert_ok(uat_refvals_new(&rv));
    assert_ok(uat_refvals_add_json(rv, doc, strlen(doc)));
    uat_err e = verify_ev(verifier(NULL, rv, 0), uat_buf_span(c.evidence), NULL);
    uat_verifier_free(g_ver);
    g_ver = NULL;
    uat_refvals_free(rv);
    assert_err(e, UAT_ERR_VERIFY_UNTRUSTED_KEY);
}

/* A test CA and an AK certificate it issues for key, valid [nb, na). */
static void make_ca(const uat_key *ca, uat_buf *ca_der, const uat_key *subject, uat_buf *leaf,
                    int64_t nb, int64_t na)
{
    static const uint8_t ca_true[] = {0x30, 0x03, 0x01, 0x01, 0xff};
    uat_x509_ext_spec bc = {"2.5.29.19", 1, uat_span_of(ca_true, sizeof(ca_true))};
    assert_ok(uat_x509_self_signed(ca, "uattest test AK CA", nb, na, &bc, 1, ca_der));
    assert_ok(uat_x509_issue(ca, uat_buf_span(ca_der), subject, "uattest test AK", 0, nb, na,
                             leaf));
}

static void test_ak_chain(void **state)
{
    (void)state;
    const int64_t nb = 1700000000, na = 1800000000, at = 1750000000;
    tpm_case c = case_quote(UAT_KEY_EC_P256);
    const uat_key *ca = new_key(UAT_KEY_EC_P256);
    uat_buf *ca_der = new_buf(), *leaf = new_buf();
    make_ca(ca, ca_der, c.ak, leaf, nb, na);
    c.chain[0] = uat_buf_span(leaf);
    c.nchain = 1;
    case_build(&c);
    const char *trust = temp_trust_dir();
    trust_file("ca.der", uat_buf_span(ca_der));
    assert_ok(verify_ev(verifier(trust, NULL, at), uat_buf_span(c.evidence), NULL));
    assert_claim("tee_claims.ak_trust", "\"certificate\"");
    assert_claim("valid_until", "\"2027-01-15T08:00:00Z\"");
    /* outside the certificates' validity */
    assert_err(verify_ev(verifier(trust, NULL, na + 1), uat_buf_span(c.evidence), NULL),
               UAT_ERR_VERIFY_EXPIRED);
    /* a chain that is present and fails is final, even when the AK is pinned too */
    assert_err(verify_ev(verifier(trust, pin_refvals(uat_buf_span(c.ak_pub)), nb - 10),
                         uat_buf_span(c.evidence), NULL),
               UAT_ERR_VERIFY_EXPIRED);

    /* a certificate of another key */
    uat_buf *ca2 = new_buf(), *leaf2 = new_buf();
    make_ca(ca, ca2, new_key(UAT_KEY_EC_P256), leaf2, nb, na);
    c.chain[0] = uat_buf_span(leaf2);
    case_build(&c);
    assert_fail(verify_ev(verifier(trust, NULL, at), uat_buf_span(c.evidence), NULL),
                UAT_ERR_VERIFY_UNTRUSTED_KEY, "tpm.ak", "ak_chain[0]");
    /* a certificate from a CA that is not configured */
    uat_buf *ca3 = new_buf(), *leaf3 = new_buf();
    make_ca(new_key(UAT_KEY_EC_P256), ca3, c.ak, leaf3, nb, na);
    c.chain[0] = uat_buf_span(leaf3);
    case_build(&c);
    assert_err(verify_ev(verifier(trust, NULL, at), uat_buf_span(c.evidence), NULL),
               UAT_ERR_VERIFY_CHAIN);
    /* ... which verifies with its own CA as the intermediate under a configured root: no, the
     * root is what is configured, a self-signed intermediate does not chain */
    c.chain[1] = uat_buf_span(ca3);
    c.nchain = 2;
    case_build(&c);
    assert_err(verify_ev(verifier(trust, NULL, at), uat_buf_span(c.evidence), NULL),
               UAT_ERR_VERIFY_CHAIN);
    /* a certificate that does not decode */
    c.chain[0] = uat_span_of(JUNK, 3);
    c.nchain = 1;
    case_build(&c);
    assert_fail(verify_ev(verifier(trust, NULL, at), uat_buf_span(c.evidence), NULL),
                UAT_ERR_PARSE_BAD_CERT, "tpm.ak", "ak_chain[0]");
}

/* ---- verification: positive cases and claims ---------------------------------------------- */

static void test_quote_schemes(void **state)
{
    (void)state;
    const struct {
        enum uat_key_kind kind;
        uint16_t ak_scheme, sig_alg, hash;
    } cases[] = {
        {UAT_KEY_RSA, UAT_TPM_ALG_RSASSA, UAT_TPM_ALG_RSASSA, UAT_TPM_ALG_SHA256},
        {UAT_KEY_RSA, UAT_TPM_ALG_RSASSA, UAT_TPM_ALG_RSASSA, UAT_TPM_ALG_SHA1},
        {UAT_KEY_RSA, UAT_TPM_ALG_RSAPSS, UAT_TPM_ALG_RSAPSS, UAT_TPM_ALG_SHA384},
        {UAT_KEY_RSA, UAT_TPM_ALG_NULL, UAT_TPM_ALG_RSAPSS, UAT_TPM_ALG_SHA256},
        {UAT_KEY_EC_P256, UAT_TPM_ALG_ECDSA, UAT_TPM_ALG_ECDSA, UAT_TPM_ALG_SHA384},
        {UAT_KEY_EC_P256, UAT_TPM_ALG_NULL, UAT_TPM_ALG_ECDSA, UAT_TPM_ALG_SHA1},
        {UAT_KEY_EC_P384, UAT_TPM_ALG_ECDSA, UAT_TPM_ALG_ECDSA, UAT_TPM_ALG_SHA256},
        {UAT_KEY_EC_P521, UAT_TPM_ALG_ECDSA, UAT_TPM_ALG_ECDSA, UAT_TPM_ALG_SHA512},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        tpm_case c = case_quote(cases[i].kind);
        c.ak_scheme = cases[i].ak_scheme;
        c.ak_scheme_hash = cases[i].hash;
        c.sig_alg = cases[i].sig_alg;
        c.sig_hash = cases[i].hash;
        c.name_alg = UAT_TPM_ALG_SHA384;
        /* two banks, in selection order SHA-1 then SHA-256 */
        c.nsel = 2;
        c.sel[1] = c.sel[0];
        c.sel[0].hash = UAT_TPM_ALG_SHA1;
        c.sel[0].mask = 0x800001;
        memcpy(c.pcr[1], c.pcr[0], sizeof(c.pcr[0]));
        case_build(&c);
        const uat_refvals *rv = pin_refvals(uat_buf_span(c.ak_pub));
        assert_ok(verify_ev(verifier(NULL, rv, 0), uat_buf_span(c.evidence), NULL));
    }
}

static void test_quote_claims(void **state)
{
    (void)state;
    tpm_case c = case_quote(UAT_KEY_EC_P256);
    c.nsel = 2;
    c.sel[1].hash = UAT_TPM_ALG_SHA384;
    c.sel[1].mask = 0x3;
    memset(c.pcr[1][0], 0xee, 48);
    memset(c.pcr[1][1], 0xdd, 48);
    case_build(&c);
    assert_ok(verify_ev(verifier(NULL, pin_refvals(uat_buf_span(c.ak_pub)), 0),
                        uat_buf_span(c.evidence), NULL));
    assert_string_equal(uat_claims_tee(g_claims), "tpm");
    assert_claim("debug", "false");
    assert_claim("report_data",
                 "\"a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf\"");
    assert_claim("platform", "{\"firmware_version\":\"2019102300163636\"}");
    assert_claim("tee_claims.attest_type", "\"quote\"");
    assert_claim("tee_claims.clock", "73588229205");
    assert_claim("tee_claims.reset_count", "7");
    assert_claim("tee_claims.restart_count", "3");
    assert_claim("tee_claims.safe", "true");
    assert_claim("tee_claims.pcr00",
                 "\"1010101010101010101010101010101010101010101010101010101010101010\"");
    assert_claim("tee_claims.pcr07",
                 "\"1717171717171717171717171717171717171717171717171717171717171717\"");
    char *none = claim_json("tee_claims.pcr08");
    assert_null(none);
    assert_claim("tee_claims.pcrs.sha384.1",
                 "\"dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
                 "dddddddddddddddddddddddddddddddd\"");
    /* the measurement is the quoted pcrDigest */
    uat_tpm_attest a;
    assert_ok(uat_tpm_parse_attest(uat_buf_span(c.attest), &a));
    char want[2 * 32 + 3] = "\"";
    uat_hex_encode(a.pcr_digest, 32, want + 1);
    strcat(want, "\"");
    assert_claim("measurement", want);

    /* through a CMW record too, and the appraisal accepts it (debug is false) */
    uat_cmw *cmw = NULL;
    uint8_t *json = NULL;
    size_t n = 0;
    assert_ok(uat_cmw_record_new(UAT_TPM_MEDIA_TYPE, c.evidence->p, c.evidence->len,
                                 UAT_CMW_IND_EVIDENCE, &cmw));
    assert_ok(uat_cmw_serialize(cmw, UAT_CMW_JSON, &json, &n));
    uat_cmw_free(cmw);
    uat_err e = verify_ev(g_ver, uat_span_of(json, n), NULL);
    free(json);
    assert_ok(e);
    uat_policy *p = NULL;
    uat_ear *ear = NULL;
    uat_appraisal_ctx actx;
    memset(&actx, 0, sizeof(actx));
    assert_ok(uat_policy_default(&p));
    assert_ok(uat_appraise(p, g_rv, g_claims, &actx, &ear));
    const char *status = uat_ear_status(ear);
    int ok = strcmp(status, "affirming") == 0;
    uat_ear_free(ear);
    uat_policy_free(p);
    assert_true(ok);
}

static void test_certify_claims(void **state)
{
    (void)state;
    tpm_case c = case_quote(UAT_KEY_RSA);
    c.certified = new_key(UAT_KEY_EC_P256);
    c.certified_attrs = 0x00020072; /* decrypt: an ECDH key */
    case_build(&c);
    assert_ok(verify_ev(verifier(NULL, pin_refvals(uat_buf_span(c.ak_pub)), 0),
                        uat_buf_span(c.evidence), NULL));
    assert_claim("tee_claims.attest_type", "\"certify\"");
    assert_claim("tee_claims.certified.attributes.decrypt", "true");
    assert_claim("tee_claims.certified.attributes.sign", "false");
    assert_claim("tee_claims.certified.attributes.fixedTPM", "true");
    assert_claim("tee_claims.certified.public_key.kty", "\"EC\"");
    assert_null(uat_claims_get_string(g_claims, "measurement"));
}

static void test_inspect(void **state)
{
    (void)state;
    tpm_case c = case_quote(UAT_KEY_EC_P256);
    case_build(&c);
    char *json = NULL;
    assert_ok(uat_inspect(c.evidence->p, c.evidence->len, &json));
    json_t *doc = json_loads(json, 0, NULL);
    free(json);
    assert_non_null(doc);
    json_t *f = json_object_get(doc, "fields");
    assert_string_equal(json_string_value(json_object_get(doc, "tee")), "tpm");
    assert_string_equal(json_string_value(json_object_get(json_object_get(f, "attest"), "type")),
                        "TPM_ST_ATTEST_QUOTE");
    json_t *raw = json_object_get(f, "raw");
    assert_int_equal(json_string_length(json_object_get(raw, "attest")), 2 * c.attest->len);
    assert_int_equal(json_string_length(json_object_get(raw, "signature")),
                     2 * c.signature->len);
    assert_int_equal(json_string_length(json_object_get(raw, "pcrs")), 2 * 8 * 32);
    assert_non_null(strstr(json_string_value(json_object_get(f, "ak_pub_pem")), "PUBLIC KEY"));
    json_t *ak = json_object_get(f, "ak_pub");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(json_object_get(ak, "parameters"),
                                                          "scheme"),
                                          "scheme")),
        "ecdsa");
    json_t *attrs = json_object_get(ak, "objectAttributes");
    assert_true(json_is_true(json_object_get(attrs, "restricted")));
    json_decref(doc);
}

/* ---- event logs --------------------------------------------------------------------------- */

/* A quote of p1's SHA-1 PCRs by a generated AK, with p1's Windows event log. */
static tpm_case p1_log_case(uint32_t mask)
{
    tpm_case c = case_quote(UAT_KEY_EC_P256);
    c.sel[0].hash = UAT_TPM_ALG_SHA1;
    c.sel[0].mask = mask;
    json_t *pcrs = json_load_file(P1 "/pcrs_sha1.json", 0, NULL);
    assert_non_null(pcrs);
    for (unsigned i = 0; i < UAT_TPM_NUM_PCRS; i++) {
        char idx[4];
        snprintf(idx, sizeof(idx), "%u", i);
        hex_to(json_string_value(json_object_get(pcrs, idx)), c.pcr[0][i], 20);
    }
    json_decref(pcrs);
    c.event_log = uat_buf_span(load(P1 "/eventlog.bin"));
    return c;
}

static void test_event_log(void **state)
{
    (void)state;
    tpm_case c = p1_log_case(0xffffff);
    case_build(&c);
    const uat_refvals *rv = pin_refvals(uat_buf_span(c.ak_pub));
    assert_ok(verify_ev(verifier(NULL, rv, 0), uat_buf_span(c.evidence), NULL));
    char *boot = claim_json("tee_claims.boot.log_format");
    assert_non_null(boot);
    free(boot);
    /* a logged PCR with another value (signed as such): the replay tells which */
    c = p1_log_case(0xffffff);
    c.pcr[0][4][0] ^= 1;
    case_build(&c);
    rv = pin_refvals(uat_buf_span(c.ak_pub));
    assert_fail(verify_ev(verifier(NULL, rv, 0), uat_buf_span(c.evidence), NULL),
                UAT_ERR_VERIFY_MEASUREMENT, uat_last_error()->check, "pcr4");
    /* a quote that leaves out a PCR the log extends */
    c = p1_log_case(0x0000ff);
    case_build(&c);
    rv = pin_refvals(uat_buf_span(c.ak_pub));
    assert_fail(verify_ev(verifier(NULL, rv, 0), uat_buf_span(c.evidence), NULL),
                UAT_ERR_VERIFY_MEASUREMENT, "tpm.verify", uat_last_error()->field);
    assert_non_null(strstr(uat_last_error()->message, "does not select"));
    /* a log of no quoted bank */
    c = p1_log_case(0);
    c.sel[0].hash = UAT_TPM_ALG_SHA384;
    c.sel[0].mask = 1;
    case_build(&c);
    rv = pin_refvals(uat_buf_span(c.ak_pub));
    assert_fail(verify_ev(verifier(NULL, rv, 0), uat_buf_span(c.evidence), NULL),
                UAT_ERR_VERIFY_MEASUREMENT, "tpm.verify", "event_log");
    /* a log that does not parse */
    c = p1_log_case(0xffffff);
    c.event_log.len = 100;
    case_build(&c);
    rv = pin_refvals(uat_buf_span(c.ak_pub));
    uat_err e = verify_ev(verifier(NULL, rv, 0), uat_buf_span(c.evidence), NULL);
    assert_true(uat_err_category(e) == UAT_CAT_PARSE);
}

/* An ima-ng binary list (Documentation/security/IMA-templates.rst): PCR 10, the template digest
 * (SHA-1 of the template data), the name "ima-ng", the template data: d-ng "sha256:\0" || digest,
 * n-ng the file name with its NUL; each field and the data with a little-endian length. */
static void ima_entry(uat_buf *log, const char *file, uint8_t fill)
{
    uat_buf *data = new_buf();
    uint8_t d[32], tdig[20];
    memset(d, fill, sizeof(d));
    assert_ok(uat_buf_put_u32le(data, 8 + 32));
    wbytes(data, "sha256:\0", 8);
    wbytes(data, d, 32);
    assert_ok(uat_buf_put_u32le(data, (uint32_t)strlen(file) + 1));
    wbytes(data, file, strlen(file) + 1);
    uat_span part = uat_buf_span(data);
    assert_ok(uat_hash(UAT_HASH_SHA1, &part, 1, tdig));
    assert_ok(uat_buf_put_u32le(log, 10));
    wbytes(log, tdig, 20);
    assert_ok(uat_buf_put_u32le(log, 6));
    wbytes(log, "ima-ng", 6);
    assert_ok(uat_buf_put_u32le(log, (uint32_t)data->len));
    wbytes(log, data->p, data->len);
}

static void test_ima_log(void **state)
{
    (void)state;
    uat_buf *log = new_buf();
    ima_entry(log, "boot_aggregate", 0x11);
    ima_entry(log, "/usr/bin/true", 0x22);
    /* PCR 10 of the SHA-1 bank: extend with each template digest */
    uint8_t pcr10[20];
    memset(pcr10, 0, sizeof(pcr10));
    uat_reader r;
    uat_rd_init(&r, uat_buf_span(log), "test");
    while (uat_rd_left(&r) > 0) {
        uint32_t pcr = 0, len = 0;
        uat_span tdig, rest;
        assert_ok(uat_rd_u32le(&r, "", &pcr));
        assert_ok(uat_rd_span(&r, 20, "", &tdig));
        assert_ok(uat_rd_u32le(&r, "", &len));
        assert_ok(uat_rd_span(&r, len, "", &rest));
        assert_ok(uat_rd_u32le(&r, "", &len));
        assert_ok(uat_rd_span(&r, len, "", &rest));
        uat_span parts[2] = {uat_span_of(pcr10, 20), tdig};
        assert_ok(uat_hash(UAT_HASH_SHA1, parts, 2, pcr10));
    }
    tpm_case c = case_quote(UAT_KEY_EC_P256);
    c.sel[0].hash = UAT_TPM_ALG_SHA1;
    c.sel[0].mask = 1u << 10;
    memcpy(c.pcr[0][10], pcr10, 20);
    c.ima_log = uat_buf_span(log);
    case_build(&c);
    const uat_refvals *rv = pin_refvals(uat_buf_span(c.ak_pub));
    assert_ok(verify_ev(verifier(NULL, rv, 0), uat_buf_span(c.evidence), NULL));
    assert_claim("tee_claims.ima.entries", "2");
    /* PCR 10 moved on after the list was read */
    c.pcr[0][10][0] ^= 1;
    case_build(&c);
    rv = pin_refvals(uat_buf_span(c.ak_pub));
    assert_fail(verify_ev(verifier(NULL, rv, 0), uat_buf_span(c.evidence), NULL),
                UAT_ERR_VERIFY_MEASUREMENT, "tpm.verify", "pcr10");
    /* PCR 10 not quoted */
    c.sel[0].mask = 1;
    case_build(&c);
    rv = pin_refvals(uat_buf_span(c.ak_pub));
    assert_fail(verify_ev(verifier(NULL, rv, 0), uat_buf_span(c.evidence), NULL),
                UAT_ERR_VERIFY_MEASUREMENT, "tpm.verify", "pcr10");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_untrusted_ak, release),
        cmocka_unit_test_teardown(test_ak_attributes, release),
        cmocka_unit_test_teardown(test_scheme_mismatch, release),
        cmocka_unit_test_teardown(test_bad_signature, release),
        cmocka_unit_test_teardown(test_not_generated, release),
        cmocka_unit_test_teardown(test_pcr_mismatch, release),
        cmocka_unit_test_teardown(test_certify_mismatch, release),
        cmocka_unit_test_teardown(test_binding, release),
        cmocka_unit_test_teardown(test_pinned_pem, release),
        cmocka_unit_test_teardown(test_pinned_refvals, release),
        cmocka_unit_test_teardown(test_ak_chain, release),
        cmocka_unit_test_teardown(test_quote_schemes, release),
        cmocka_unit_test_teardown(test_quote_claims, release),
        cmocka_unit_test_teardown(test_certify_claims, release),
        cmocka_unit_test_teardown(test_inspect, release),
        cmocka_unit_test_teardown(test_event_log, release),
        cmocka_unit_test_teardown(test_ima_log, release),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
