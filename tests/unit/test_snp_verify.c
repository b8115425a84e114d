/* Unit tests for AMD SEV-SNP verification through the public API (uat_verify): the real corpus
 * reports at their pinned times, expiry at the edges of each window with a warm cache, every byte
 * of a report changed, the synthetic NEG VCEKs, a VLEK presented as the VCEK, other products'
 * roots, another chip's VCEK, and VCEKs carried in the report's certificate table; the collateral
 * a verification lists (the VCEK/VLEK, ASK/ASVK and ARK by the SHA-256 of their DER) is the same
 * explained, recorded cold and recorded from the cache.
 *
 * Expected values come from ../shared/corpus/amd-sev-snp/PROVENANCE.md.
 */
#include "snp_test.h"

/* ---- verification through the public API -------------------------------------------------- */

static uat_verifier *verifier(const char *trust, const char *coll, int64_t at)
{
    uat_verifier_free(g_ver);
    assert_ok(uat_verifier_new(&g_ver));
    assert_ok(uat_verifier_set_trust_dir(g_ver, trust));
    if (coll != NULL) {
        assert_ok(uat_verifier_set_collateral_dir(g_ver, coll));
    }
    uat_verifier_set_time(g_ver, at);
    return g_ver;
}

static uat_err verify_buf(uat_verifier *v, const uat_buf *ev)
{
    uat_claims_free(g_claims);
    g_claims = NULL;
    return uat_verify(v, ev->p, ev->len, NULL, &g_claims);
}

static void assert_claim(const char *name, const char *want)
{
    const char *got = uat_claims_get_string(g_claims, name);
    assert_non_null(got);
    assert_string_equal(got, want);
}

static void test_verify_corpus(void **state)
{
    (void)state;
    uat_buf *rep = load(N1 "/report.bin");
    uat_verifier *v = verifier(TRUST, N1, T_N1);
    uint8_t rd[64] = {1, 2, 3, 4, 5};
    assert_ok(uat_verify(v, rep->p, rep->len, rd, &g_claims));
    assert_string_equal(uat_claims_tee(g_claims), "snp");
    assert_claim("measurement", "b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b6"
                                "bdf8a9ece31a5a608eb0cf2e4872b01");
    assert_claim("valid_until", "2029-09-24T00:55:28Z");
    int debug = 0;
    int64_t svn = -1;
    assert_ok(uat_claims_get_bool(g_claims, "debug", &debug));
    assert_ok(uat_claims_get_int(g_claims, "svn", &svn));
    assert_true(debug && svn == 0); /* policy 0xb0000: bit 19 DEBUG */
    char *json = NULL;
    assert_ok(uat_claims_to_json(g_claims, 0, &json));
    assert_non_null(strstr(json, "\"tcb\":{\"status\":\"UpToDate\"}"));
    assert_non_null(strstr(json, "\"product_name\":\"Milan-B0\""));
    assert_non_null(strstr(json, "\"reported_tcb\":{\"boot_loader\":2,\"microcode\":68,"
                                 "\"raw\":\"4405000000000002\",\"snp\":5,\"tee\":0}"));
    free(json);
    rd[0] = 9; /* another binding */
    uat_claims_free(g_claims);
    g_claims = NULL;
    assert_fail(uat_verify(v, rep->p, rep->len, rd, &g_claims), UAT_ERR_VERIFY_BINDING, "binding",
                "report_data");

    v = verifier(TRUST, N2, T_N2); /* the NEG certificates sit in the same folder */
    assert_ok(verify_buf(v, load(N2 "/report.bin")));
    assert_ok(uat_claims_get_int(g_claims, "svn", &svn));
    assert_int_equal(svn, 4);
    v = verifier(TRUST, N3, T_N3);
    assert_ok(verify_buf(v, load(N3 "/report.bin")));
    assert_claim("valid_until", "2025-12-10T22:14:21Z");
    assert_ok(uat_claims_to_json(g_claims, 0, &json));
    assert_non_null(strstr(json, "\"signing_key\":\"VLEK\""));
    assert_non_null(strstr(json, "\"csp_id\":\"CN=cc-us-east-2.amazonaws.com\""));
    free(json);
}

/* The window closes at notAfter (OpenSSL: expired from that second on); a cached chain never
 * hides it. */
static void test_verify_expiry(void **state)
{
    (void)state;
    static const struct {
        const char *dir;
        int64_t at, end, start;
    } cases[] = {
        {N1, T_N1, END_N1, 1663980928}, /* VCEK notBefore 2022-09-24T00:55:28Z */
        {N2, T_N2, END_N2, 1674583106}, /* 2023-01-24T17:58:26Z */
        {N3, T_N3, END_N3, 1733868861}, /* 2024-12-10T22:14:21Z */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char path[256];
        snprintf(path, sizeof(path), "%s/report.bin", cases[i].dir);
        uat_buf *rep = load(path);
        uat_verifier *v = verifier(TRUST, cases[i].dir, cases[i].at);
        assert_ok(verify_buf(v, rep));
        uat_verifier_set_time(v, cases[i].end - 1);
        assert_ok(verify_buf(v, rep));
        uat_verifier_set_time(v, cases[i].end + 1);
        assert_fail(verify_buf(v, rep), UAT_ERR_VERIFY_EXPIRED, "snp.chain", "certificate");
        uat_verifier_set_time(v, cases[i].end);
        assert_err(verify_buf(v, rep), UAT_ERR_VERIFY_EXPIRED);
        uat_verifier_set_time(v, cases[i].start);
        assert_ok(verify_buf(v, rep));
        uat_verifier_set_time(v, cases[i].start - 1);
        assert_err(verify_buf(v, rep), UAT_ERR_VERIFY_EXPIRED);
    }
}

/* Every byte of the report changed in turn (signed part, r, s, padding, reserved) is rejected.
 * Each change goes through the SNP verifier (a CMW record), one verifier for all. */
static void mutate_all(const char *dir, int64_t at)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/report.bin", dir);
    uat_buf *rep = load(path);
    uat_verifier *v = verifier(TRUST, dir, at);
    assert_ok(verify_buf(v, rep));
    for (size_t i = 0; i < UAT_SNP_REPORT_SIZE; i++) {
        uint8_t save = rep->p[i];
        rep->p[i] ^= (uint8_t)(i % 2 ? 0x01 : 0x80);
        uat_cmw *c = NULL;
        uint8_t *text = NULL;
        size_t n = 0;
        assert_ok(uat_cmw_record_new(UAT_SNP_MEDIA_TYPE, rep->p, rep->len, 0, &c));
        assert_ok(uat_cmw_serialize(c, UAT_CMW_JSON, &text, &n));
        uat_cmw_free(c);
        uat_claims *claims = NULL;
        uat_err rc = uat_verify(v, text, n, NULL, &claims);
        free(text);
        uat_claims_free(claims);
        if (rc == UAT_OK) {
            fail_msg("%s: byte %zu changed still verifies", dir, i);
        }
        enum uat_err_category cat = uat_err_category(rc);
        assert_true(cat == UAT_CAT_PARSE || cat == UAT_CAT_VERIFY || cat == UAT_CAT_UNSUPPORTED);
        rep->p[i] = save;
    }
    assert_ok(verify_buf(v, rep));
}

static void test_verify_every_byte(void **state)
{
    (void)state;
    mutate_all(N1, T_N1);
    mutate_all(N3, T_N3);
}

/* A scratch directory with copies of the given files (NULL-terminated). */
static const char *scratch(const char *sub, const char *const *files)
{
    if (g_dir[0] == '\0') {
        snprintf(g_dir, sizeof(g_dir), "/tmp/uat_snp_XXXXXX");
        assert_non_null(mkdtemp(g_dir));
    }
    static char dir[128];
    snprintf(dir, sizeof(dir), "%s/%s", g_dir, sub);
    assert_ok(uat_mkdirs(dir, 0700));
    for (size_t i = 0; files[i] != NULL; i++) {
        const char *base = strrchr(files[i], '/') + 1;
        char dst[256];
        uat_buf *b = load(files[i]);
        snprintf(dst, sizeof(dst), "%s/%s", dir, strcmp(base, "vlek.der") == 0 ? "vcek.der" : base);
        assert_ok(uat_file_write_atomic(dst, b->p, b->len, 0600));
    }
    return dir;
}

static void test_verify_wrong_certs(void **state)
{
    (void)state;
    uat_buf *r1 = load(N1 "/report.bin");
    uat_buf *r2 = load(N2 "/report.bin");
    uat_buf *r3 = load(N3 "/report.bin");
    /* the synthetic NEG VCEKs: they parse, but AMD did not sign them */
    const char *const neg1[] = {N2 "/NEG_vcek-invalid-legacy.der", NULL};
    const char *const neg2[] = {N2 "/NEG_vcek-invalid-new.der", NULL};
    assert_fail(verify_buf(verifier(TRUST, scratch("neg1", neg1), T_N2), r2),
                UAT_ERR_VERIFY_CHAIN, "snp.chain", "certificate");
    assert_fail(verify_buf(verifier(TRUST, scratch("neg2", neg2), T_N2), r2),
                UAT_ERR_VERIFY_CHAIN, "snp.chain", "certificate");
    /* a VLEK presented as the VCEK (saved as vcek.der) */
    const char *const vlek[] = {N3 "/vlek.der", NULL};
    assert_fail(verify_buf(verifier(TRUST, scratch("vlek", vlek), T_N3), r1),
                UAT_ERR_VERIFY_CHAIN, "snp.signing_key", "signing_key");
    /* and a VCEK for a VLEK-signed report */
    assert_fail(verify_buf(verifier(TRUST, N1, T_N3), r3), UAT_ERR_VERIFY_CHAIN,
                "snp.signing_key", "signing_key");
    /* another chip's VCEK: it chains to AMD, but does not sign this report */
    const char *const other[] = {N2 "/vcek.der", NULL};
    assert_fail(verify_buf(verifier(TRUST, scratch("other", other), T_N2), r1),
                UAT_ERR_VERIFY_SIGNATURE, "snp.signature", "signature");
    /* no VCEK at all */
    assert_fail(verify_buf(verifier(TRUST, NULL, T_N1), r1), UAT_ERR_VERIFY_COLLATERAL,
                "snp.verify", "signing_key");
    /* a VCEK of the wrong product: only Genoa and Turin roots configured */
    const char *const roots[] = {TRUST "/ask_ark_genoa.pem", TRUST "/ask_ark_turin_vcek.pem",
                                 NULL};
    assert_fail(verify_buf(verifier(scratch("genoa", roots), N1, T_N1), r1), UAT_ERR_VERIFY_CHAIN,
                "snp.chain", "root");
    /* the Milan root without its ASK: the chain cannot be built */
    const char *const vlek_chain[] = {TRUST "/ask_ark_milan_vlek.pem", NULL};
    assert_fail(verify_buf(verifier(scratch("asvk", vlek_chain), N1, T_N1), r1),
                UAT_ERR_VERIFY_CHAIN, "snp.chain", "issuer");
    /* no AMD root at all */
    const char *const nothing[] = {N1 "/vcek.der", NULL};
    assert_err(verify_buf(verifier(scratch("noroot", nothing), N1, T_N1), r1),
               UAT_ERR_USAGE_NO_TRUST_ANCHOR);
}

static void test_verify_cert_table(void **state)
{
    (void)state;
    /* the VCEK carried in the evidence: no collateral needed */
    uat_buf *ev = load(N1 "/report.bin");
    uat_buf *t = table_with(load(N1 "/vcek.der"));
    assert_ok(uat_buf_append(ev, t->p, t->len));
    uat_verifier *v = verifier(TRUST, NULL, T_N1);
    assert_ok(verify_buf(v, ev));
    assert_ok(verify_buf(v, ev)); /* cached by its DER */
    assert_claim("report_data", "0102030405000000000000000000000000000000000000000000000000000000"
                                "0000000000000000000000000000000000000000000000000000000000000000");
    /* the VLEK under the VCEK GUID */
    uat_buf *vlek = load(N3 "/vlek.der");
    uat_snp_cert_entry e;
    memcpy(e.guid, uat_snp_guid_vcek, 16);
    e.data = uat_buf_span(vlek);
    uat_buf *ev3 = load(N3 "/report.bin");
    assert_ok(uat_snp_cert_table_build(&e, 1, ev3));
    assert_fail(verify_buf(v, ev3), UAT_ERR_VERIFY_CHAIN, "snp.cert_table", "guid");
    /* under its own GUID it verifies */
    memcpy(e.guid, uat_snp_guid_vlek, 16);
    ev3->len = UAT_SNP_REPORT_SIZE;
    assert_ok(uat_snp_cert_table_build(&e, 1, ev3));
    uat_verifier_set_time(v, T_N3);
    assert_ok(verify_buf(v, ev3));
    /* something that is not a certificate under the VCEK GUID */
    memcpy(e.guid, uat_snp_guid_vcek, 16);
    e.data = uat_span_of(vlek->p, 200);
    ev3->len = UAT_SNP_REPORT_SIZE;
    assert_ok(uat_snp_cert_table_build(&e, 1, ev3));
    assert_err(verify_buf(v, ev3), UAT_ERR_PARSE_BAD_CERT);
}

/* ---- the collateral a verification lists (uattestd's audit record) ------------------------ */

static void sha256_hex(uat_span der, char out[65])
{
    uint8_t h[32];
    assert_ok(uat_hash(UAT_HASH_SHA256, &der, 1, h));
    uat_hex_encode(h, sizeof(h), out);
}

/* "ark:<sha256>,<ask kind>:<sha256>,<leaf kind>:<sha256>" (sorted as uat_verifier_collateral
 * sorts), computed here from the files: the leaf's bytes and the KDS cert_chain bundle (ASK, ARK). */
static void expected_list(uat_span leaf, const char *leaf_kind, const char *chain_pem,
                          const char *ask_kind, char *out, size_t cap)
{
    uat_der_list l = {NULL, 0, 0};
    assert_ok(uat_pem_decode_all(uat_buf_span(load(chain_pem)), "CERTIFICATE", &l));
    assert_int_equal(l.n, 2);
    char ark[65], ask[65], vek[65];
    sha256_hex(uat_buf_span(&l.items[0]), ask);
    sha256_hex(uat_buf_span(&l.items[1]), ark);
    sha256_hex(leaf, vek);
    uat_der_list_free(&l);
    snprintf(out, cap, "ark:%s,%s:%s,%s:%s", ark, ask_kind, ask, leaf_kind, vek);
}

static uat_verifier *recording(const char *trust, const char *coll, int64_t at, int explain)
{
    uat_verifier *v = NULL;
    assert_ok(uat_verifier_new(&v));
    assert_ok(uat_verifier_set_trust_dir(v, trust));
    if (coll != NULL) {
        assert_ok(uat_verifier_set_collateral_dir(v, coll));
    }
    uat_verifier_set_time(v, at);
    if (explain) {
        uat_verifier_set_explain(v, 1);
    } else {
        uat_verifier_set_record_collateral(v, 1);
    }
    return v;
}

static void assert_lists(uat_verifier *v, const uat_buf *ev, const char *want)
{
    uat_claims *c = NULL;
    assert_ok(uat_verify(v, ev->p, ev->len, NULL, &c));
    uat_claims_free(c);
    assert_non_null(uat_verifier_collateral(v));
    assert_string_equal(uat_verifier_collateral(v), want);
}

/* The explanation's record of one kind: its source and issuer. */
static void assert_explained(uat_verifier *v, const char *kind, const char *source,
                             const char *issuer)
{
    json_t *doc = json_loads(uat_verifier_explanation(v), 0, NULL);
    assert_non_null(doc);
    json_t *item = NULL, *found = NULL;
    size_t i;
    json_array_foreach(json_object_get(doc, "collateral"), i, item)
    {
        if (strcmp(json_string_value(json_object_get(item, "kind")), kind) == 0) {
            found = item;
        }
    }
    assert_non_null(found);
    assert_string_equal(json_string_value(json_object_get(found, "source")), source);
    assert_string_equal(json_string_value(json_object_get(found, "issuer")), issuer);
    assert_non_null(json_string_value(json_object_get(found, "issued")));
    assert_non_null(json_string_value(json_object_get(found, "next_update")));
    json_decref(doc);
}

/* For each corpus report: (a) an explained verification, (b) the first and (c) the second call
 * of one verifier recording only the collateral list exactly the files' digests; the second call
 * is served from the cache: its collateral directory is gone by then, and a fresh verifier of the
 * same directory fails. */
static void test_collateral_list(void **state)
{
    (void)state;
    static const struct {
        const char *dir, *leaf, *kind, *chain, *ask_kind, *ask_cn;
        int64_t at;
    } cases[] = {
        {N1, "vcek.der", "vcek", TRUST "/ask_ark_milan.pem", "ask", "SEV-Milan", T_N1},
        {N2, "vcek.der", "vcek", TRUST "/ask_ark_milan.pem", "ask", "SEV-Milan", T_N2},
        {N3, "vlek.der", "vlek", TRUST "/ask_ark_milan_vlek.pem", "asvk", "SEV-VLEK-Milan", T_N3},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char leaf[256], rep_path[256], sub[16], want[512];
        snprintf(leaf, sizeof(leaf), "%s/%s", cases[i].dir, cases[i].leaf);
        snprintf(rep_path, sizeof(rep_path), "%s/report.bin", cases[i].dir);
        snprintf(sub, sizeof(sub), "c%zu", i);
        expected_list(uat_buf_span(load(leaf)), cases[i].kind, cases[i].chain, cases[i].ask_kind,
                      want, sizeof(want));
        uat_buf *rep = load(rep_path);
        const char *const files[] = {leaf, NULL};
        const char *coll = scratch(sub, files);

        uat_verifier *a = recording(TRUST, coll, cases[i].at, 1);
        assert_lists(a, rep, want);
        assert_explained(a, cases[i].kind, "collateral dir", cases[i].ask_cn);
        assert_explained(a, cases[i].ask_kind, "trust dir", "ARK-Milan");
        assert_explained(a, "ark", "trust dir", "ARK-Milan");
        assert_lists(a, rep, want); /* explained again: the cache is bypassed, the same list */
        uat_verifier_free(a);

        uat_verifier *b = recording(TRUST, coll, cases[i].at, 0);
        assert_lists(b, rep, want);
        char gone[256];
        snprintf(gone, sizeof(gone), "%s/vcek.der", coll); /* scratch() names a VLEK so too */
        assert_int_equal(remove(gone), 0);
        assert_lists(b, rep, want);
        uat_verifier_free(b);

        uat_verifier *c = recording(TRUST, coll, cases[i].at, 0);
        uat_claims *claims = NULL;
        assert_err(uat_verify(c, rep->p, rep->len, NULL, &claims), UAT_ERR_VERIFY_COLLATERAL);
        uat_verifier_free(c);
    }
}

/* The VCEK carried by the report's certificate table is listed with source "evidence"; cached by
 * its DER, it is listed again from the cache (the trust directory is gone by the second call). */
static void test_collateral_list_cert_table(void **state)
{
    (void)state;
    uat_buf *vcek = load(N1 "/vcek.der");
    uat_buf *ev = load(N1 "/report.bin");
    uat_buf *t = table_with(vcek);
    assert_ok(uat_buf_append(ev, t->p, t->len));
    char want[512];
    expected_list(uat_buf_span(vcek), "vcek", TRUST "/ask_ark_milan.pem", "ask", want,
                  sizeof(want));
    const char *const roots[] = {TRUST "/ask_ark_milan.pem", NULL};
    const char *trust = scratch("trust", roots);
    uat_verifier *a = recording(trust, NULL, T_N1, 1);
    assert_lists(a, ev, want);
    assert_explained(a, "vcek", "evidence", "SEV-Milan");
    uat_verifier_free(a);
    uat_verifier *b = recording(trust, NULL, T_N1, 0);
    assert_lists(b, ev, want);
    char gone[256];
    snprintf(gone, sizeof(gone), "%s/ask_ark_milan.pem", trust);
    assert_int_equal(remove(gone), 0);
    assert_lists(b, ev, want);
    uat_verifier_free(b);
    uat_verifier *c = recording(trust, NULL, T_N1, 0);
    uat_claims *claims = NULL;
    assert_err(uat_verify(c, ev->p, ev->len, NULL, &claims), UAT_ERR_USAGE_NO_TRUST_ANCHOR);
    uat_verifier_free(c);
}

/* The ARK's CRL a chain verification consulted is listed too, and listed again from the cache: a
 * synthetic chain (tests/unit/snp_synth.py: ARK-Milan, ASK, VCEK with n1's hwID and SPLs, a CRL
 * signed by the ARK, n1's report signed again), since no real AMD CRL is in the corpus. */
static void test_collateral_list_crl(void **state)
{
    (void)state;
    const char *const none[] = {NULL};
    char dir[128], cmd[512], path[192];
    snprintf(dir, sizeof(dir), "%s", scratch("synth", none));
    snprintf(cmd, sizeof(cmd), "python3 '%s' '%s' '%s'", UAT_TEST_DATA_DIR "/../unit/snp_synth.py",
             N1 "/report.bin", dir);
    assert_int_equal(system(cmd), 0);
    char ark[65], ask[65], crl[65], vcek[65], want[512];
    uat_der_list l = {NULL, 0, 0};
    snprintf(path, sizeof(path), "%s/trust/ark.pem", dir);
    assert_ok(uat_pem_decode_all(uat_buf_span(load(path)), "CERTIFICATE", &l));
    snprintf(path, sizeof(path), "%s/coll/ask.pem", dir);
    assert_ok(uat_pem_decode_all(uat_buf_span(load(path)), "CERTIFICATE", &l));
    assert_int_equal(l.n, 2);
    sha256_hex(uat_buf_span(&l.items[0]), ark);
    sha256_hex(uat_buf_span(&l.items[1]), ask);
    uat_der_list_free(&l);
    snprintf(path, sizeof(path), "%s/coll/ark.crl", dir);
    sha256_hex(uat_buf_span(load(path)), crl);
    snprintf(path, sizeof(path), "%s/coll/vcek.der", dir);
    sha256_hex(uat_buf_span(load(path)), vcek);
    snprintf(want, sizeof(want), "ark:%s,ask:%s,crl:%s,vcek:%s", ark, ask, crl, vcek);
    char trust[160], coll[160];
    snprintf(trust, sizeof(trust), "%s/trust", dir);
    snprintf(coll, sizeof(coll), "%s/coll", dir);
    snprintf(path, sizeof(path), "%s/report.bin", dir);
    uat_buf *rep = load(path);
    const int64_t at = 1735689600; /* 2025-01-01T00:00:00Z: inside the CRL's and certificates' */

    uat_verifier *a = recording(trust, coll, at, 1);
    assert_lists(a, rep, want);
    assert_explained(a, "crl", "collateral dir", "CN=ARK-Milan,O=Advanced Micro Devices");
    assert_explained(a, "ask", "collateral dir", "ARK-Milan");
    uat_verifier_free(a);

    uat_verifier *b = recording(trust, coll, at, 0);
    assert_lists(b, rep, want);
    static const char *const files[] = {"vcek.der", "ask.pem", "ark.crl"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s/%s", coll, files[i]);
        assert_int_equal(remove(path), 0);
    }
    assert_lists(b, rep, want); /* from the cache, with the CRL's digest */
    uat_verifier_free(b);
    uat_verifier *c = recording(trust, coll, at, 0);
    uat_claims *claims = NULL;
    assert_err(uat_verify(c, rep->p, rep->len, NULL, &claims), UAT_ERR_VERIFY_COLLATERAL);
    uat_verifier_free(c);
}

static void test_verify_unsigned_and_inspect(void **state)
{
    (void)state;
    uat_buf *rep = load(N1 "/report.bin");
    put_u32(rep, 0x48, 7u << 2); /* SIGNING_KEY none */
    assert_fail(verify_buf(verifier(TRUST, N1, T_N1), rep), UAT_ERR_VERIFY_SIGNATURE,
                "snp.signature", "signing_key");
    char *json = NULL;
    uat_buf *r3 = load(N3 "/report.bin");
    assert_ok(uat_inspect(r3->p, r3->len, &json));
    assert_non_null(strstr(json, "\"tee\": \"snp\""));
    assert_non_null(strstr(json, "\"cpuid_fam_id\": 25"));
    assert_non_null(strstr(json, "\"certificates\": []"));
    free(json);
}

#define T(f) cmocka_unit_test_teardown(f, release)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_verify_corpus),
        T(test_verify_expiry),
        T(test_verify_every_byte),
        T(test_verify_wrong_certs),
        T(test_verify_cert_table),
        T(test_verify_unsigned_and_inspect),
        T(test_collateral_list),
        T(test_collateral_list_cert_table),
        T(test_collateral_list_crl),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
