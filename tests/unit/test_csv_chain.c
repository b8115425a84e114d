/* Hygon CSV end to end with a hierarchy made at run time (csv_test.h): HRK, HSK, CEK and PEK in the
 * Hygon certificate formats, signed with fresh SM2 keys, and reports signed by that PEK. Negative
 * cases first: every byte of the signed report region, a CEK the HSK did not sign, another HRK in
 * the trust directory, a PEK the CEK did not sign, a report another key signed; then the good
 * paths (HSK+CEK in the evidence or in the collateral directory, v1 and v2) and the attester over a
 * fake /dev/csv-guest transport. */
#include "csv_test.h"
#include "http_fixture.h"

static csv_hier g_h;
static char g_dir[64];
static char g_trust[128];  /* <dir>/trust: the hierarchy's HRK under csv/ */
static char g_coll[128];   /* <dir>/coll: csv/<chip>/hsk_cek.cert */
static char g_empty[128];  /* <dir>/empty */

static int setup(void **state)
{
    (void)state;
    hier_make(&g_h);
    snprintf(g_dir, sizeof(g_dir), "/tmp/uat-csvchain-XXXXXX");
    assert_non_null(mkdtemp(g_dir));
    char sub[256];
    snprintf(g_trust, sizeof(g_trust), "%s/trust", g_dir);
    snprintf(sub, sizeof(sub), "%s/csv", g_trust);
    write_file(sub, "hrk.cert", g_h.hrk_cert, sizeof(g_h.hrk_cert));
    snprintf(g_coll, sizeof(g_coll), "%s/coll", g_dir);
    snprintf(sub, sizeof(sub), "%s/csv/%s", g_coll, SYN_CHIP);
    write_file(sub, "hsk_cek.cert", g_h.hsk_cek, sizeof(g_h.hsk_cek));
    snprintf(g_empty, sizeof(g_empty), "%s/empty", g_dir);
    assert_ok(uat_mkdirs(g_empty, 0755));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    hier_free(&g_h);
    nftw(g_dir, csv_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

/* Verifies ev with trust and collateral (NULL: none); claims freed unless out is given. */
static uat_err verify_ev(uat_span ev, const char *trust, const char *coll, const uint8_t *rd,
                         uat_claims **out)
{
    uat_verifier *v = NULL;
    uat_claims *c = NULL;
    assert_ok(uat_verifier_new(&v));
    assert_ok(uat_verifier_set_trust_dir(v, trust));
    if (coll != NULL) {
        assert_ok(uat_verifier_set_collateral_dir(v, coll));
    }
    uat_err rc = uat_verify(v, ev.p, ev.len, rd, &c);
    uat_verifier_free(v);
    if (out != NULL) {
        *out = c;
    } else {
        uat_claims_free(c);
    }
    return rc;
}

/* A report of the hierarchy's PEK as evidence (with HSK || CEK when with_chain), verified. */
static uat_err verify_page(const uint8_t page[4096], int version, const uint8_t *pek_cert,
                           const uint8_t *hsk_cek, const char *trust, const char *coll)
{
    uat_buf ev;
    write_evidence(page, version, pek_cert, hsk_cek, g_h.sn, &ev);
    uat_err rc = verify_ev(uat_buf_span(&ev), trust, coll, NULL, NULL);
    uat_buf_free(&ev);
    return rc;
}

static void good_page(uint8_t page[4096], int version)
{
    rep_params p;
    rep_default(&p, version);
    make_report(page, &p, g_h.pek, g_h.pek_cert, g_h.sn);
}

static void test_signed_region_flipped(void **state)
{
    (void)state;
    uint8_t good[4096], page[4096];
    for (int version = 1; version <= 2; version++) {
        good_page(good, version);
        size_t signed_len = version == 1 ? UAT_CSV_SIGNED_V1 : UAT_CSV_SIGNED_V2;
        size_t sig = version == 1 ? 192 : 1024;
        assert_ok(verify_page(good, version, g_h.pek_cert, g_h.hsk_cek, g_trust, NULL));
        for (size_t i = 0; i < sig + 144; i++) {
            if (i >= signed_len && i < sig) {
                continue; /* v1 sig_usage, sig_algo, anonce: not signed (csv.h) */
            }
            if (i >= sig && (i - sig) % 72 >= 32) {
                continue; /* the unused top of r and s: must be zero, checked by the parser */
            }
            memcpy(page, good, sizeof(page));
            page[i] ^= (uint8_t)(1u << (i % 8));
            uat_err rc = verify_page(page, version, g_h.pek_cert, g_h.hsk_cek, g_trust, NULL);
            if (version == 2 && i >= 180 && i < 188) {
                assert_err(rc, UAT_ERR_PARSE_BAD_VALUE); /* sig_usage, sig_algo: signed in v2 */
            } else {
                assert_err(rc, UAT_ERR_VERIFY_SIGNATURE);
            }
        }
    }
}

static void test_cek_not_signed_by_hsk(void **state)
{
    (void)state;
    uint8_t page[4096], hc[832 + 2084];
    good_page(page, 1);
    EVP_PKEY *stranger = sm2_new();
    memcpy(hc, g_h.hsk_cek, sizeof(hc));
    uint8_t *cek = hc + 832;
    csv_sign(cek, 0, 0x13, stranger, UID_HSK); /* an HSK slot, another key */
    assert_err(verify_page(page, 1, g_h.pek_cert, hc, g_trust, NULL), UAT_ERR_VERIFY_CHAIN);
    assert_non_null(strstr(uat_last_error()->message, "CEK certificate is not signed by the HSK"));
    csv_sign(cek, 0, 0x13, g_h.hsk, UID_CEK); /* the HSK's key, another user ID */
    assert_err(verify_page(page, 1, g_h.pek_cert, hc, g_trust, NULL), UAT_ERR_VERIFY_CHAIN);
    csv_sign(cek, 0, 0x1001, g_h.hsk, UID_HSK); /* the HSK's signature in an OCA slot */
    assert_err(verify_page(page, 1, g_h.pek_cert, hc, g_trust, NULL), UAT_ERR_VERIFY_CHAIN);
    assert_non_null(strstr(uat_last_error()->message, "no signature slot of the HSK"));
    csv_sign(cek, 0, 0x13, g_h.hsk, UID_HSK); /* back to good, then a changed CEK body */
    assert_ok(verify_page(page, 1, g_h.pek_cert, hc, g_trust, NULL));
    cek[420] ^= 1; /* sid: signed */
    assert_err(verify_page(page, 1, g_h.pek_cert, hc, g_trust, NULL), UAT_ERR_VERIFY_CHAIN);
    /* a CEK whose key is another usage */
    memcpy(hc, g_h.hsk_cek, sizeof(hc));
    put32(cek + 8, 0x1003);
    csv_sign(cek, 0, 0x13, g_h.hsk, UID_HSK);
    assert_err(verify_page(page, 1, g_h.pek_cert, hc, g_trust, NULL), UAT_ERR_VERIFY_CHAIN);
    EVP_PKEY_free(stranger);
}

static void test_wrong_hrk(void **state)
{
    (void)state;
    uint8_t page[4096], hrk[832], hc[832 + 2084];
    good_page(page, 1);
    static const uint8_t kid[16] = {0x11, 0x22, 0x33, 1}; /* the same key ID, another key */
    EVP_PKEY *other = sm2_new();
    ca_body(hrk, 0, kid, kid, other, UID_HRK);
    ca_sign(hrk, other, UID_HRK);
    char dir[256];
    snprintf(dir, sizeof(dir), "%s/other-hrk", g_dir);
    write_file(dir, "hrk.cert", hrk, sizeof(hrk));
    assert_err(verify_page(page, 1, g_h.pek_cert, g_h.hsk_cek, dir, NULL), UAT_ERR_VERIFY_CHAIN);
    assert_non_null(strstr(uat_last_error()->message, "HSK certificate is not signed by the HRK"));
    /* an HRK that is not self-signed (signed by the real HRK's key) */
    ca_sign(hrk, g_h.hrk, UID_HRK);
    write_file(dir, "hrk.cert", hrk, sizeof(hrk));
    assert_err(verify_page(page, 1, g_h.pek_cert, g_h.hsk_cek, dir, NULL), UAT_ERR_VERIFY_CHAIN);
    /* an HSK in the trust directory's place */
    write_file(dir, "hrk.cert", g_h.hsk_cert, sizeof(g_h.hsk_cert));
    assert_err(verify_page(page, 1, g_h.pek_cert, g_h.hsk_cek, dir, NULL), UAT_ERR_VERIFY_CHAIN);
    /* an HSK that names another signer (sid) than the HRK's kid */
    memcpy(hc, g_h.hsk_cek, sizeof(hc));
    hc[20] ^= 0xff;
    ca_sign(hc, g_h.hrk, UID_HRK);
    assert_err(verify_page(page, 1, g_h.pek_cert, hc, g_trust, NULL), UAT_ERR_VERIFY_CHAIN);
    /* the real Hygon HRK did not sign this HSK */
    assert_err(verify_page(page, 1, g_h.pek_cert, g_h.hsk_cek, CSV_TRUST, NULL),
               UAT_ERR_VERIFY_CHAIN);
    EVP_PKEY_free(other);
}

static void test_pek_and_report_keys(void **state)
{
    (void)state;
    uint8_t page[4096], pek[2084];
    EVP_PKEY *stranger = sm2_new();
    /* a PEK the CEK did not sign (its own key signed the report) */
    memcpy(pek, g_h.pek_cert, sizeof(pek));
    csv_sign(pek, 0, 0x1004, stranger, UID_CEK);
    rep_params p;
    rep_default(&p, 1);
    make_report(page, &p, g_h.pek, pek, g_h.sn);
    assert_err(verify_page(page, 1, pek, g_h.hsk_cek, g_trust, NULL), UAT_ERR_VERIFY_CHAIN);
    /* a PEK with only the owner's signature */
    memcpy(pek, g_h.pek_cert, sizeof(pek));
    put32(pek + 1044, 0x1000);
    make_report(page, &p, g_h.pek, pek, g_h.sn);
    assert_err(verify_page(page, 1, pek, g_h.hsk_cek, g_trust, NULL), UAT_ERR_VERIFY_CHAIN);
    /* a report another key signed */
    make_report(page, &p, stranger, g_h.pek_cert, g_h.sn);
    assert_err(verify_page(page, 1, g_h.pek_cert, g_h.hsk_cek, g_trust, NULL),
               UAT_ERR_VERIFY_SIGNATURE);
    /* cert_chain.pek is not the PEK of the report's signer, nor serial_number its chip ID */
    good_page(page, 1);
    assert_err(verify_page(page, 1, pek, g_h.hsk_cek, g_trust, NULL), UAT_ERR_PARSE_BAD_VALUE);
    page[0x150 + 2084] ^= 0x01;
    assert_err(verify_page(page, 1, g_h.pek_cert, g_h.hsk_cek, g_trust, NULL),
               UAT_ERR_PARSE_BAD_VALUE);
    EVP_PKEY_free(stranger);
}

static void test_missing_hsk_cek(void **state)
{
    (void)state;
    uint8_t page[4096];
    good_page(page, 1);
    assert_err(verify_page(page, 1, g_h.pek_cert, NULL, g_trust, NULL), UAT_ERR_VERIFY_COLLATERAL);
    const char *msg = uat_last_error()->message;
    assert_non_null(strstr(msg, "HSK and CEK certificates of chip " SYN_CHIP));
    assert_err(verify_page(page, 1, g_h.pek_cert, NULL, g_trust, g_empty),
               UAT_ERR_VERIFY_COLLATERAL);
}

/* The HSK and CEK from a loopback Hygon KDS look-alike, only when fetching was allowed. */
static void test_fetch_hsk_cek(void **state)
{
    (void)state;
    uint8_t page[4096];
    good_page(page, 1);
    uat_buf ev;
    write_evidence(page, 1, g_h.pek_cert, NULL, g_h.sn, &ev);
    http_fixture h;
    assert_int_equal(http_fixture_start(&h, "/hsk_cek?snumber=", g_h.hsk_cek, sizeof(g_h.hsk_cek)),
                     0);
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/", h.port);
    uat_verifier *v = NULL;
    uat_claims *c = NULL;
    assert_ok(uat_verifier_new(&v));
    assert_ok(uat_verifier_set_trust_dir(v, g_trust));
    /* not allowed: nothing asked */
    assert_err(uat_verify(v, ev.p, ev.len, NULL, &c), UAT_ERR_VERIFY_COLLATERAL);
    assert_int_equal(h.requests, 0);
    assert_ok(uat_verifier_set_fetch(v, "hygon", url));
    assert_ok(uat_verify(v, ev.p, ev.len, NULL, &c));
    assert_int_equal(h.requests, 1);
    assert_string_equal(h.last_path, "/hsk_cek?snumber=" SYN_CHIP);
    char *json = NULL;
    assert_ok(uat_claims_to_json(c, 0, &json));
    assert_non_null(strstr(json, "\"hsk_cek_source\":\"fetched\""));
    free(json);
    uat_claims_free(c);
    uat_verifier_free(v);
    http_fixture_stop(&h);

    /* the service answers an HSK the HRK did not sign (one byte of its signed body changed) */
    uint8_t other[sizeof(g_h.hsk_cek)];
    memcpy(other, g_h.hsk_cek, sizeof(other));
    other[5] ^= 1; /* in the key id, inside the signed body */
    assert_int_equal(http_fixture_start(&h, "/hsk_cek?snumber=", other, sizeof(other)), 0);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", h.port);
    assert_ok(uat_verifier_new(&v));
    assert_ok(uat_verifier_set_trust_dir(v, g_trust));
    assert_ok(uat_verifier_set_fetch(v, "hygon", url));
    assert_err(uat_verify(v, ev.p, ev.len, NULL, &c), UAT_ERR_VERIFY_CHAIN);
    assert_string_equal(uat_last_error()->check, "csv.chain");
    uat_verifier_free(v);
    http_fixture_stop(&h);

    /* the service does not know the chip (404): the missing chain element, named */
    assert_int_equal(http_fixture_start(&h, "/nothing-here", NULL, 0), 0);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", h.port);
    assert_ok(uat_verifier_new(&v));
    assert_ok(uat_verifier_set_trust_dir(v, g_trust));
    assert_ok(uat_verifier_set_fetch(v, "hygon", url));
    assert_err(uat_verify(v, ev.p, ev.len, NULL, &c), UAT_ERR_VERIFY_COLLATERAL);
    assert_non_null(strstr(uat_last_error()->message, "missing chain element"));
    assert_int_equal(h.requests, 1);
    uat_verifier_free(v);
    http_fixture_stop(&h);
    uat_buf_free(&ev);
}

static void test_end_to_end(void **state)
{
    (void)state;
    uint8_t page[4096];
    rep_params p;
    rep_default(&p, 1);
    make_report(page, &p, g_h.pek, g_h.pek_cert, g_h.sn);
    uat_buf ev;
    write_evidence(page, 1, g_h.pek_cert, g_h.hsk_cek, g_h.sn, &ev);
    uat_claims *c = NULL;
    assert_ok(verify_ev(uat_buf_span(&ev), g_trust, NULL, p.report_data, &c));
    assert_string_equal(uat_claims_tee(c), "csv");
    char hex[129];
    for (int i = 0; i < 32; i++) {
        snprintf(hex + 2 * i, 3, "%02x", p.measure[i]);
    }
    assert_string_equal(uat_claims_get_string(c, "measurement"), hex);
    int debug = 1;
    assert_ok(uat_claims_get_bool(c, "debug", &debug));
    assert_false(debug);
    char *json = NULL;
    assert_ok(uat_claims_to_json(c, 0, &json));
    assert_non_null(strstr(json, "\"chip_id\":\"" SYN_CHIP "\""));
    assert_non_null(strstr(json, "\"hsk_cek_source\":\"evidence\""));
    assert_non_null(strstr(json, "\"anonce\":1573377830"));
    free(json);
    uat_claims_free(c);
    /* the binding is checked: other expected report data */
    uint8_t other[64];
    memcpy(other, p.report_data, 64);
    other[63] ^= 1;
    assert_err(verify_ev(uat_buf_span(&ev), g_trust, NULL, other, NULL), UAT_ERR_VERIFY_BINDING);
    uat_buf_free(&ev);
}

static void test_collateral_and_v2(void **state)
{
    (void)state;
    uint8_t page[4096];
    good_page(page, 1);
    assert_ok(verify_page(page, 1, g_h.pek_cert, NULL, g_trust, g_coll));
    /* a collateral root that serves only CSV: <root>/<chip>/hsk_cek.cert */
    char csvroot[256];
    snprintf(csvroot, sizeof(csvroot), "%s/csv", g_coll);
    assert_ok(verify_page(page, 1, g_h.pek_cert, NULL, g_trust, csvroot));
    /* the extended (v2) report */
    good_page(page, 2);
    uat_buf ev;
    write_evidence(page, 2, g_h.pek_cert, NULL, g_h.sn, &ev);
    uat_claims *c = NULL;
    assert_ok(verify_ev(uat_buf_span(&ev), g_trust, g_coll, NULL, &c));
    assert_non_null(uat_claims_tee_field(c, "rtmr4"));
    char *json = NULL;
    assert_ok(uat_claims_to_json(c, 0, &json));
    assert_non_null(strstr(json, "\"hsk_cek_source\":\"collateral\""));
    assert_non_null(strstr(json, "\"build\":2337"));
    free(json);
    uat_claims_free(c);
    uat_buf_free(&ev);
    /* firmware-form signer (PEK and chip ID still XORed with anonce) verifies too */
    rep_params p;
    rep_default(&p, 1);
    p.raw_signer = 1;
    make_report(page, &p, g_h.pek, g_h.pek_cert, g_h.sn);
    assert_ok(verify_page(page, 1, g_h.pek_cert, NULL, g_trust, g_coll));
}

/* ---- the attester over a fake /dev/csv-guest ---- */

enum fake_mode { FAKE_OK, FAKE_BAD_MAC, FAKE_OLD_MNONCE, FAKE_FAIL, FAKE_GARBAGE };

typedef struct fake_dev {
    enum fake_mode mode;
    char path[256];
    size_t calls;
} fake_dev;

static uat_err fake_get_report(void *user, const char *path, uint8_t *buf, size_t len)
{
    fake_dev *d = user;
    d->calls++;
    snprintf(d->path, sizeof(d->path), "%s", path);
    assert_int_equal(len, 4096);
    /* the request: user data, mnonce, SM3(user data || mnonce) */
    uint8_t h[32];
    unsigned hl = 0;
    assert_int_equal(EVP_Digest(buf, 80, h, &hl, EVP_sm3(), NULL), 1);
    assert_memory_equal(buf + 80, h, 32);
    if (d->mode == FAKE_FAIL) {
        return UAT_FAIL(UAT_ERR_PLATFORM_DEVICE, "fake", "", -1);
    }
    rep_params p;
    rep_default(&p, 1);
    memcpy(p.report_data, buf, 64);
    memcpy(p.mnonce, buf + 64, 16);
    if (d->mode == FAKE_OLD_MNONCE) {
        p.mnonce[0] ^= 1;
    }
    p.raw_signer = 1;
    make_report(buf, &p, g_h.pek, g_h.pek_cert, g_h.sn);
    if (d->mode == FAKE_BAD_MAC) {
        buf[0x150 + 100] ^= 1; /* the PEK changed on the way */
    } else if (d->mode == FAKE_GARBAGE) {
        buf[4095] = 1;
    }
    return UAT_OK;
}

static uat_err collect(enum fake_mode mode, const char *hsk_cek, const uint8_t *rd, uat_buf *out)
{
    fake_dev d = {mode, "", 0};
    uat_csv_transport t = {fake_get_report, &d};
    const char *keys[] = {"hsk-cek"}, *values[] = {hsk_cek};
    uat_attest_ctx ctx = {g_empty, NULL, hsk_cek ? 1u : 0u, keys, values, NULL};
    uat_buf_init(out, 1u << 20);
    uat_err rc = uat_csv_collect_via(&t, &ctx, rd, out);
    assert_int_equal(d.calls, 1);
    char want[256];
    snprintf(want, sizeof(want), "%s/dev/csv-guest", g_empty);
    assert_string_equal(d.path, want);
    return rc;
}

static void test_attester_negative(void **state)
{
    (void)state;
    uint8_t rd[64] = {1, 2, 3};
    uat_buf out;
    assert_err(collect(FAKE_BAD_MAC, NULL, rd, &out), UAT_ERR_PLATFORM_DEVICE);
    assert_string_equal(uat_last_error()->field, "mac");
    uat_buf_free(&out);
    assert_err(collect(FAKE_OLD_MNONCE, NULL, rd, &out), UAT_ERR_PLATFORM_DEVICE);
    assert_string_equal(uat_last_error()->field, "mnonce");
    uat_buf_free(&out);
    assert_err(collect(FAKE_FAIL, NULL, rd, &out), UAT_ERR_PLATFORM_DEVICE);
    uat_buf_free(&out);
    assert_err(collect(FAKE_GARBAGE, NULL, rd, &out), UAT_ERR_PLATFORM_DEVICE);
    uat_buf_free(&out);
    char bad[256];
    snprintf(bad, sizeof(bad), "%s/trust/csv/hrk.cert", g_dir);
    assert_err(collect(FAKE_OK, bad, rd, &out), UAT_ERR_USAGE_INVALID_ARGUMENT);
    uat_buf_free(&out);
    /* the real transport on a root without the device */
    uat_attest_ctx ctx = {g_empty, NULL, 0, NULL, NULL, NULL};
    uat_buf_init(&out, 1u << 20);
    assert_err(uat_csv_collect(&ctx, rd, &out), UAT_ERR_PLATFORM_DEVICE);
    uat_buf_free(&out);
}

static void test_attester_end_to_end(void **state)
{
    (void)state;
    uint8_t rd[64];
    for (int i = 0; i < 64; i++) {
        rd[i] = (uint8_t)(0x80 + i);
    }
    uat_buf out;
    assert_ok(collect(FAKE_OK, NULL, rd, &out));
    assert_true(uat_csv_sniff(uat_buf_span(&out)));
    uat_claims *c = NULL;
    assert_ok(verify_ev(uat_buf_span(&out), g_trust, g_coll, rd, &c));
    uat_claims_free(c);
    /* what the attester wrote is the restored form: the signer's reserved bytes are zero */
    uat_csv_evidence *e = calloc(1, sizeof(*e));
    assert_ok(uat_csv_evidence_parse(uat_buf_span(&out), e));
    assert_false(e->has_hsk_cek);
    assert_true(uat_is_zero(e->data + 0x150 + 2084 + 64, 32));
    assert_memory_equal(e->data + 0x150, g_h.pek_cert, 2084);
    free(e);
    uat_buf_free(&out);
    /* with the chip's hsk_cek.cert carried along, no collateral is needed */
    char hc[256];
    snprintf(hc, sizeof(hc), "%s/csv/%s/hsk_cek.cert", g_coll, SYN_CHIP);
    assert_ok(collect(FAKE_OK, hc, rd, &out));
    assert_ok(verify_ev(uat_buf_span(&out), g_trust, NULL, rd, NULL));
    uat_buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signed_region_flipped),
        cmocka_unit_test(test_cek_not_signed_by_hsk),
        cmocka_unit_test(test_wrong_hrk),
        cmocka_unit_test(test_pek_and_report_keys),
        cmocka_unit_test(test_missing_hsk_cek),
        cmocka_unit_test(test_fetch_hsk_cek),
        cmocka_unit_test(test_attester_negative),
        cmocka_unit_test(test_end_to_end),
        cmocka_unit_test(test_collateral_and_v2),
        cmocka_unit_test(test_attester_end_to_end),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
