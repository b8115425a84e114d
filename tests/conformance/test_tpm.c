/* TPM 2.0 conformance on real evidence (../shared/corpus/tpm2, PROVENANCE.md):
 *   p1  Google Shielded VM vTPM quote: RSASSA-SHA1, empty extraData, SHA-1 PCRs 0-23, the Windows
 *       measured-boot event log replayed against the quoted PCRs; AK pinned by its Name.
 *   q1  TPM2_Certify sample (IETF LAMPS csr-attestation): AK certificate chained to its root CA at
 *       a time inside the certificates' validity; the certified key's Name.
 *   p2  Azure SEV-SNP CVM vTPM quote (the TPM part): AK from the HCL's JWK, pinned; the raw
 *       RSASSA-SHA256 signature wrapped into a TPMT_SIGNATURE; extraData = the 48-byte nonce.
 * The corpus gives no AK TPMT_PUBLIC for q1 and p2: the test builds one around the certified
 * (q1) or published (p2) AK key with the attributes of an AK; qualifiedSigner is not compared
 * (docs/tpm.md), so the built structure does not have to be the one the TPM holds.
 * Every single-byte change of the signed attest and of the signature is rejected with a named
 * error. */
#include "../unit/tpm_test.h"

#define TPM2 UAT_CORPUS_DIR "/tpm2"
#define P1 TPM2 "/p1-goattestation-gcp-shielded-vm"
#define P2 TPM2 "/p2-trustee-azure-snp-vtpm"
#define Q1 TPM2 "/q1-lamps-tpm2-certify/tcgAttestTpmCertify"
#define T_Q1 1730419200     /* 2024-11-01T00:00:00Z: inside the AK and root validity */
#define T_Q1_LATE 1733011200 /* 2024-12-01T00:00:00Z: after notAfter 2024-11-20 */

static const char P1_AK_NAME[] =
    "000b4ce9b151f75089d74c15dabe9d520cffafbcafd5d43be0aad2e2d88d54717e2e";
static const char P2_NONCE[] = "982f5c6e45df0ed3f10b6f60b02f0c8390e281300f3805e2279c16168cd6ae9a"
                               "a398f647caa2338748cd0fd9f5f819ef";

/* {index: hex} of one bank into the evidence map's bank b */
static void load_pcrs(const char *path, uint16_t alg, uat_tpm_evidence *ev, size_t b)
{
    static uint8_t values[2][UAT_TPM_NUM_PCRS][UAT_HASH_MAX];
    json_t *j = json_load_file(path, 0, NULL);
    assert_non_null(j);
    size_t n = bank_len(alg);
    ev->bank_alg[b] = alg;
    for (unsigned i = 0; i < UAT_TPM_NUM_PCRS; i++) {
        char idx[4];
        snprintf(idx, sizeof(idx), "%u", i);
        hex_to(json_string_value(json_object_get(j, idx)), values[b][i], n);
        ev->pcr[b][i] = uat_span_of(values[b][i], n);
        ev->present[b] |= 1u << i;
    }
    ev->nbanks = b + 1;
    json_decref(j);
}

static uat_buf *encode(const uat_tpm_evidence *ev)
{
    uat_buf *b = new_buf();
    assert_ok(uat_tpm_evidence_encode(ev, b));
    return b;
}

/* A TPMT_SIGNATURE around a raw RSASSA signature. */
static uat_buf *wrap_rsassa(uat_span raw, uint16_t hash)
{
    uat_buf *b = new_buf();
    w16(b, UAT_TPM_ALG_RSASSA);
    w16(b, hash);
    w2b(b, raw.p, raw.len);
    return b;
}

/* An AK TPMT_PUBLIC around a public key: restricted signing, RSASSA-SHA256, nameAlg SHA-256. */
static uat_buf *ak_public_of(const uat_key *k)
{
    uat_buf *b = new_buf();
    w_public(b, k, UAT_TPM_ALG_SHA256, AK_ATTRS, UAT_TPM_ALG_RSASSA, UAT_TPM_ALG_SHA256);
    return b;
}

/* Every single-byte change (xor 0x01 and xor 0xff) of one member is rejected with a named error
 * of the parse, verify or unsupported categories (or CRYPTO_BAD_KEY for a key that is none). */
static void mutate_all(const uat_tpm_evidence *base, const char *member, uat_verifier *v,
                       const uint8_t *expected)
{
    uat_tpm_evidence ev = *base;
    uat_span *m = strcmp(member, "attest") == 0      ? &ev.attest
                  : strcmp(member, "signature") == 0 ? &ev.signature
                  : strcmp(member, "ak_pub") == 0    ? &ev.ak_pub
                                                     : &ev.certified_pub;
    uat_buf *copy = copy_of(*m);
    *m = uat_buf_span(copy);
    size_t counts[UAT_CAT_INTERNAL + 1] = {0};
    for (size_t i = 0; i < copy->len; i++) {
        for (int f = 0; f < 2; f++) {
            uint8_t flip = f == 0 ? 0x01 : 0xff;
            copy->p[i] ^= flip;
            uat_buf enc;
            uat_buf_init(&enc, UAT_MAX_EVIDENCE_BYTES);
            assert_ok(uat_tpm_evidence_encode(&ev, &enc));
            uat_err e = verify_ev(v, uat_buf_span(&enc), expected);
            uat_buf_free(&enc);
            copy->p[i] ^= flip;
            enum uat_err_category cat = uat_err_category(e);
            /* a changed key may be no key at all (an even RSA exponent): CRYPTO_BAD_KEY */
            if (!(cat == UAT_CAT_PARSE || cat == UAT_CAT_VERIFY || cat == UAT_CAT_UNSUPPORTED ||
                  e == UAT_ERR_CRYPTO_BAD_KEY)) {
                fail_msg("%s byte %zu ^ 0x%02x: %s", member, i, flip, uat_err_name(e));
            }
            counts[cat]++;
        }
    }
    print_message("%s: %zu changes rejected (%zu parse, %zu verify, %zu unsupported, %zu bad "
                  "key)\n",
                  member, 2 * copy->len, counts[UAT_CAT_PARSE], counts[UAT_CAT_VERIFY],
                  counts[UAT_CAT_UNSUPPORTED], counts[UAT_CAT_CRYPTO]);
}

/* ---- p1 ----------------------------------------------------------------------------------- */

static uat_tpm_evidence p1_evidence(int with_log)
{
    uat_tpm_evidence ev;
    memset(&ev, 0, sizeof(ev));
    ev.attest = uat_buf_span(load(P1 "/quote.tpms_attest"));
    ev.signature = uat_buf_span(load(P1 "/quote.tpmt_signature"));
    ev.ak_pub = uat_buf_span(load(P1 "/ak_public.tpmt"));
    load_pcrs(P1 "/pcrs_sha1.json", UAT_TPM_ALG_SHA1, &ev, 0);
    if (with_log) {
        ev.event_log = uat_buf_span(load(P1 "/eventlog.bin"));
    }
    return ev;
}

static const uat_refvals *pin_name(const char *name)
{
    char doc[256];
    snprintf(doc, sizeof(doc), "{\"id\":\"ak\",\"tee\":\"tpm\",\"values\":{\"signer\":[\"%s\"]}}",
             name);
    if (g_rv == NULL) {
        assert_ok(uat_refvals_new(&g_rv));
    }
    assert_ok(uat_refvals_add_json(g_rv, doc, strlen(doc)));
    return g_rv;
}

static void test_p1_untrusted_and_binding(void **state)
{
    (void)state;
    uat_tpm_evidence ev = p1_evidence(1);
    uat_buf *b = encode(&ev);
    assert_fail(verify_ev(verifier(NULL, NULL, 0), uat_buf_span(b), NULL),
                UAT_ERR_VERIFY_UNTRUSTED_KEY, "tpm.ak", "ak_pub");
    /* the quote binds nothing (empty extraData): no expected report data matches */
    uint8_t zero[64];
    memset(zero, 0, sizeof(zero));
    assert_fail(verify_ev(verifier(NULL, pin_name(P1_AK_NAME), 0), uat_buf_span(b), zero),
                UAT_ERR_VERIFY_BINDING, "binding", "report_data");
}

static void test_p1_quote(void **state)
{
    (void)state;
    uat_tpm_evidence ev = p1_evidence(0);
    uat_verifier *v = verifier(NULL, pin_name(P1_AK_NAME), 0);
    assert_ok(verify_ev(v, uat_buf_span(encode(&ev)), NULL));
    assert_claim("measurement", "\"a610f27bc687ce906243287d832706036e79f6e1\"");
    assert_claim("signer",
                 "\"000b4ce9b151f75089d74c15dabe9d520cffafbcafd5d43be0aad2e2d88d54717e2e\"");
    assert_claim("report_data", "\"\"");
    assert_claim("tee_claims.pcr00", "\"51c323de0c0c694f4601cdd02beb58ff13629f74\"");
    assert_claim("tee_claims.pcrs.sha1.7", "\"859a5877266b5c909613468091a73380a5386786\"");
    assert_claim("tee_claims.clock", "10257171");
    assert_claim("tee_claims.reset_count", "1045281252");
    assert_claim("tee_claims.restart_count", "822490842");
    assert_claim("tee_claims.firmware_version", "\"41e4356df966e035\"");
    assert_claim("tee_claims.ak_trust", "\"reference-values\"");
    /* the AK pinned as a PEM key instead */
    uat_tpm_public p;
    uat_key *k = NULL;
    assert_ok(uat_tpm_parse_public(ev.ak_pub, &p));
    assert_ok(uat_tpm_public_key(&p, &k));
    keep_key(k);
    uat_buf *pem = new_buf();
    assert_ok(uat_key_public_pem(k, pem));
    const char *trust = temp_trust_dir();
    trust_file("p1-ak.pem", uat_span_of(pem->p, pem->len));
    assert_ok(verify_ev(verifier(trust, NULL, 0), uat_buf_span(encode(&ev)), NULL));
    assert_claim("tee_claims.ak_trust", "\"pinned-key\"");
}

static void test_p1_event_log(void **state)
{
    (void)state;
    uat_tpm_evidence ev = p1_evidence(1);
    assert_ok(verify_ev(verifier(NULL, pin_name(P1_AK_NAME), 0), uat_buf_span(encode(&ev)), NULL));
    char *boot = claim_json("tee_claims.boot");
    assert_non_null(boot);
    print_message("p1 boot claims: %.300s...\n", boot);
    free(boot);
    /* the log does not fit PCRs that were not quoted: a PCR value changed is caught first by the
     * signed pcrDigest, so the log is checked against a truncated log instead */
    uat_tpm_evidence cut = ev;
    cut.event_log.len -= 1;
    uat_err e = verify_ev(g_ver, uat_buf_span(encode(&cut)), NULL);
    assert_true(e != UAT_OK && uat_err_category(e) == UAT_CAT_PARSE);
}

static void test_p1_mutations(void **state)
{
    (void)state;
    uat_tpm_evidence ev = p1_evidence(0);
    uat_verifier *v = verifier(NULL, pin_name(P1_AK_NAME), 0);
    mutate_all(&ev, "attest", v, NULL);
    mutate_all(&ev, "signature", v, NULL);
    mutate_all(&ev, "ak_pub", v, NULL);
}

/* ---- q1 ----------------------------------------------------------------------------------- */

static uat_tpm_evidence q1_evidence(void)
{
    uat_tpm_evidence ev;
    memset(&ev, 0, sizeof(ev));
    uat_buf *cert = load(Q1 ".ak-cert.der");
    uat_key *ak = NULL;
    assert_ok(uat_x509_public_key(uat_buf_span(cert), &ak));
    keep_key(ak);
    ev.attest = uat_buf_span(load(Q1 ".TPMS_ATTEST.bin"));
    ev.signature = uat_buf_span(
        wrap_rsassa(uat_buf_span(load(Q1 ".signature-rsassa-sha256.bin")), UAT_TPM_ALG_SHA256));
    ev.ak_pub = uat_buf_span(ak_public_of(ak));
    ev.certified_pub = uat_buf_span(load(Q1 ".TPMT_PUBLIC.bin"));
    ev.chain[0] = uat_buf_span(cert);
    ev.nchain = 1;
    const char *trust = temp_trust_dir();
    trust_file("lamps-root.der", uat_buf_span(load(Q1 ".root-ca-cert.der")));
    (void)trust;
    return ev;
}

static void test_q1_certify(void **state)
{
    (void)state;
    uat_tpm_evidence ev = q1_evidence();
    uat_buf *b = encode(&ev);
    assert_ok(verify_ev(verifier(g_dir, NULL, T_Q1), uat_buf_span(b), NULL));
    assert_claim("tee_claims.attest_type", "\"certify\"");
    assert_claim("tee_claims.ak_trust", "\"certificate\"");
    assert_claim("tee_claims.certified.name",
                 "\"000b46c3ee11b5ad3c0f9c5e21d5cfacdd9ba0df3985fcbabad15af2d60281245bc3\"");
    assert_claim("tee_claims.certified.attributes.sign", "true");
    assert_claim("tee_claims.certified.attributes.decrypt", "true");
    assert_claim("tee_claims.certified.attributes.restricted", "false");
    assert_claim("tee_claims.certified.public_key.kty", "\"RSA\"");
    assert_claim("report_data", "\"00ff55aa\"");
    assert_claim("valid_until", "\"2024-11-20T20:17:12Z\"");
    uint8_t expected[64];
    memset(expected, 0, sizeof(expected));
    hex_to("00ff55aa", expected, 4);
    assert_ok(verify_ev(g_ver, uat_buf_span(b), expected));

    /* after the certificates expired; without the root; without the chain */
    assert_err(verify_ev(verifier(g_dir, NULL, T_Q1_LATE), uat_buf_span(b), NULL),
               UAT_ERR_VERIFY_EXPIRED);
    uat_tpm_evidence bare = ev;
    bare.nchain = 0;
    assert_fail(verify_ev(verifier(g_dir, NULL, T_Q1), uat_buf_span(encode(&bare)), NULL),
                UAT_ERR_VERIFY_UNTRUSTED_KEY, "tpm.ak", "ak_pub");
    /* the certified key of another statement */
    uat_tpm_evidence other = ev;
    other.certified_pub = uat_buf_span(load(P1 "/ak_public.tpmt"));
    assert_fail(verify_ev(verifier(g_dir, NULL, T_Q1), uat_buf_span(encode(&other)), NULL),
                UAT_ERR_VERIFY_BINDING, "tpm.verify", "attested.certify.name");
}

static void test_q1_mutations(void **state)
{
    (void)state;
    uat_tpm_evidence ev = q1_evidence();
    uat_verifier *v = verifier(g_dir, NULL, T_Q1);
    mutate_all(&ev, "attest", v, NULL);
    mutate_all(&ev, "signature", v, NULL);
    mutate_all(&ev, "certified_pub", v, NULL);
}

/* ---- p2 ----------------------------------------------------------------------------------- */

static uat_tpm_evidence p2_evidence(char name_hex[2 * UAT_TPM_MAX_NAME + 1])
{
    uat_tpm_evidence ev;
    memset(&ev, 0, sizeof(ev));
    uat_key *ak = NULL;
    assert_ok(uat_key_from_jwk(uat_buf_span(load(P2 "/ak_pub.jwk.json")), &ak));
    keep_key(ak);
    ev.attest = uat_buf_span(load(P2 "/quote.tpms_attest"));
    ev.signature =
        uat_buf_span(wrap_rsassa(uat_buf_span(load(P2 "/quote.sig")), UAT_TPM_ALG_SHA256));
    ev.ak_pub = uat_buf_span(ak_public_of(ak));
    load_pcrs(P2 "/pcrs_sha256.json", UAT_TPM_ALG_SHA256, &ev, 0);
    ak_name_hex(ev.ak_pub, name_hex);
    return ev;
}

static void test_p2_quote(void **state)
{
    (void)state;
    char name[2 * UAT_TPM_MAX_NAME + 1];
    uat_tpm_evidence ev = p2_evidence(name);
    uat_buf *b = encode(&ev);
    uint8_t expected[64];
    memset(expected, 0, sizeof(expected));
    hex_to(P2_NONCE, expected, 48);
    uat_verifier *v = verifier(NULL, pin_name(name), 0);
    assert_ok(verify_ev(v, uat_buf_span(b), expected));
    /* trustee test_evaluate_v2 */
    assert_claim("tee_claims.pcr00",
                 "\"84275b2f4312cd4fc6cbe6b152ad3c3683e513d9f1e23c34fca160c8cca7a6a7\"");
    char want[2 * 48 + 3];
    snprintf(want, sizeof(want), "\"%s\"", P2_NONCE);
    assert_claim("report_data", want);
    /* trustee test_verify_user_data: report data 123abc */
    memset(expected, 0, sizeof(expected));
    hex_to("123abc", expected, 3);
    assert_fail(verify_ev(v, uat_buf_span(b), expected), UAT_ERR_VERIFY_BINDING, "binding",
                "report_data");
    /* a PCR value that is not the quoted one */
    uat_tpm_evidence bad = ev;
    uint8_t other[32];
    memcpy(other, ev.pcr[0][0].p, 32);
    other[31] ^= 1;
    bad.pcr[0][0] = uat_span_of(other, 32);
    assert_fail(verify_ev(v, uat_buf_span(encode(&bad)), NULL), UAT_ERR_VERIFY_MEASUREMENT,
                "tpm.verify", "pcrDigest");
}

static void test_p2_mutations(void **state)
{
    (void)state;
    char name[2 * UAT_TPM_MAX_NAME + 1];
    uat_tpm_evidence ev = p2_evidence(name);
    uint8_t expected[64];
    memset(expected, 0, sizeof(expected));
    hex_to(P2_NONCE, expected, 48);
    uat_verifier *v = verifier(NULL, pin_name(name), 0);
    mutate_all(&ev, "attest", v, expected);
    mutate_all(&ev, "signature", v, expected);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_p1_untrusted_and_binding, release),
        cmocka_unit_test_teardown(test_p1_quote, release),
        cmocka_unit_test_teardown(test_p1_event_log, release),
        cmocka_unit_test_teardown(test_p1_mutations, release),
        cmocka_unit_test_teardown(test_q1_certify, release),
        cmocka_unit_test_teardown(test_q1_mutations, release),
        cmocka_unit_test_teardown(test_p2_quote, release),
        cmocka_unit_test_teardown(test_p2_mutations, release),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
