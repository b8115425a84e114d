/* AMD SEV-SNP reports from sources other than the shared corpus (tests/data/snp-external,
 * PROVENANCE.md there): a Google Cloud Milan report of version 5 (teekit), an Oak Genoa report of
 * version 2 and an Oak Turin report of version 5 with their VCEKs as AMD KDS served them, a virtee
 * Milan report and a Constellation VLEK-signed report published without their certificates.
 *
 * Each signed report verifies at its pinned time to the AMD roots of
 * ../shared/corpus/amd-sev-snp/trust with the fields its source asserts; the Turin report is read
 * with the Turin TCB_VERSION layout (FMC byte 0) and its VCEK's fmcSPL; one second before each VCEK's
 * notBefore is VERIFY_EXPIRED; every byte of each signed region changed is rejected; the VCEK carried
 * in a certificate table needs no collateral; another product's VCEK does not sign. Reports without
 * a certificate parse, and verification stops with VERIFY_COLLATERAL naming the key kind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/file.h"
#include "core/limits.h"
#include "crypto/crypto.h"
#include "tee/snp/snp.h"
#include "uattest/uattest.h"

#include "../unit/uat_assert.h"

#define EXT UAT_TEST_DATA_DIR "/snp-external"
#define GCP EXT "/teekit-gcp-milan-v5"
#define GENOA EXT "/oak-genoa-v2"
#define TURIN EXT "/oak-turin-v5"
#define VIRTEE EXT "/virtee-milan-v2"
#define VLEK EXT "/constellation-vlek-v2"
#define NEG_GT EXT "/yaxi-neg/NEG_vcek-genoa-issuer-turin-product.der"
#define TRUST UAT_CORPUS_DIR "/amd-sev-snp/trust"

#define T_GCP 1767225600      /* 2026-01-01T00:00:00Z */
#define START_GCP 1764914667  /* 2025-12-05T06:04:27Z: VCEK notBefore */
#define T_OAK 1754006400      /* 2025-08-01T00:00:00Z: inside Oak's 2025-07-29..2025-10-27 window */
#define START_GENOA 1719303880 /* 2024-06-25T08:24:40Z */
#define START_TURIN 1752771886 /* 2025-07-17T17:04:46Z */

static uat_buf g_bufs[8];
static size_t g_nbufs;
static uat_verifier *g_ver;
static uat_claims *g_claims;
static uat_cert *g_cert;

static int release(void **state)
{
    (void)state;
    for (size_t i = 0; i < g_nbufs; i++) {
        uat_buf_free(&g_bufs[i]);
    }
    g_nbufs = 0;
    uat_verifier_free(g_ver);
    g_ver = NULL;
    uat_claims_free(g_claims);
    g_claims = NULL;
    uat_cert_free(g_cert);
    g_cert = NULL;
    return 0;
}

static uat_buf *load(const char *path)
{
    assert_true(g_nbufs < sizeof(g_bufs) / sizeof(g_bufs[0]));
    uat_buf *b = &g_bufs[g_nbufs++];
    uat_buf_init(b, UAT_MAX_FILE_BYTES);
    assert_ok(uat_file_read(path, UAT_MAX_FILE_BYTES, b));
    return b;
}

static uat_verifier *verifier(const char *coll, int64_t at)
{
    uat_verifier_free(g_ver);
    g_ver = NULL;
    assert_ok(uat_verifier_new(&g_ver));
    assert_ok(uat_verifier_set_trust_dir(g_ver, TRUST));
    if (coll != NULL) {
        assert_ok(uat_verifier_set_collateral_dir(g_ver, coll));
    }
    uat_verifier_set_time(g_ver, at);
    return g_ver;
}

static uat_err verify_span(uat_verifier *v, const uint8_t *p, size_t n)
{
    uat_claims_free(g_claims);
    g_claims = NULL;
    return uat_verify(v, p, n, NULL, &g_claims);
}

/* The claims as compact JSON must contain each fragment. */
static void assert_json_has(const char *const *frags)
{
    char *json = NULL;
    assert_ok(uat_claims_to_json(g_claims, 0, &json));
    for (size_t i = 0; frags[i] != NULL; i++) {
        if (strstr(json, frags[i]) == NULL) {
            print_error("missing %s in %s\n", frags[i], json);
            free(json);
            fail();
        }
    }
    free(json);
}

/* teekit sev-gcp.hex: GCP, SAMPLES.md: version 5, VMPL 0, ECDSA P-384, debug off, SMT allowed and
 * enabled, report_data zero; the VCEK (Milan-B0, bl 4 tee 0 snp 27 ucode 222) verifies it. */
static void test_gcp_milan_v5(void **state)
{
    (void)state;
    uat_buf *rep = load(GCP "/report.bin");
    assert_ok(verify_span(verifier(GCP, T_GCP), rep->p, rep->len));
    assert_string_equal(uat_claims_tee(g_claims), "snp");
    const char *const want[] = {
        "\"measurement\":\"b747d55452e0b9e9079770a49e397c5e6d9573581e246da7baac4f28b5cdc5b1b6d19251"
        "b8ee600fd16a3708f58406f3\"",
        "\"report_data\":\"" /* 64 zero bytes */
        "0000000000000000000000000000000000000000000000000000000000000000"
        "0000000000000000000000000000000000000000000000000000000000000000\"",
        "\"debug\":false", "\"tcb\":{\"status\":\"UpToDate\"}", "\"product\":\"Milan\"",
        "\"product_name\":\"Milan-B0\"", "\"signing_key\":\"VCEK\"", "\"firmware\":\"1.55.35\"",
        "\"vmpl\":0", "\"smt_enabled\":true", "\"version\":5", "\"policy\":196608",
        "\"cpuid_fam_id\":25,\"cpuid_mod_id\":1,\"cpuid_step\":1",
        "\"reported_tcb\":{\"boot_loader\":4,\"microcode\":222,\"raw\":\"de1b000000000004\","
        "\"snp\":27,\"tee\":0}",
        "\"launch_mit_vector\":\"000000000000000b\"", "\"current_mit_vector\":\"000000000000000b\"",
        "\"hwid\":\"980cf7b61876cb37fd517cd44ce11c72d43c5408e66ab39138370ec59bc195e063254cb501d87d82"
        "f0b8b8dc774bcfe28019447711598f007390e4accc405361\"",
        "\"valid_until\":\"2032-12-05T06:04:27Z\"", NULL};
    assert_json_has(want);
    uat_verifier_set_time(g_ver, START_GCP);
    assert_ok(verify_span(g_ver, rep->p, rep->len));
    uat_verifier_set_time(g_ver, START_GCP - 1);
    assert_err(verify_span(g_ver, rep->p, rep->len), UAT_ERR_VERIFY_EXPIRED);
}

/* Oak genoa_oc_evidence: Genoa, version 2 (no CPUID fields), fw 1.55.24, bl 7 snp 15 ucode 62; the
 * VCEK has productName "Genoa" (no stepping) and a raw 64-byte hwID equal to CHIP_ID. */
static void test_oak_genoa_v2(void **state)
{
    (void)state;
    uat_buf *rep = load(GENOA "/report.bin");
    assert_ok(verify_span(verifier(GENOA, T_OAK), rep->p, rep->len));
    const char *const want[] = {
        "\"measurement\":\"de654ed1eb03b69567338d357f86735c64fc771676bcd5d05ca6afe86f3eb9f7549222af"
        "ae6139a8d282a34d09d59f95\"",
        "\"report_data\":\"e8c6c542bb712e5d794d69e55be5cc9a88e60863180384d2233a1449cf3be8cf",
        "\"product\":\"Genoa\"", "\"product_name\":\"Genoa\"", "\"firmware\":\"1.55.24\"",
        "\"version\":2",
        "\"reported_tcb\":{\"boot_loader\":7,\"microcode\":62,\"raw\":\"3e0f000000000007\","
        "\"snp\":15,\"tee\":0}",
        "\"chip_id\":\"d2421d976f95ce0ba849b7cc5c789122f1e59c77a037272c137ae4d188bb102adbc7c53d03"
        "02bff82a432c94a305dec7a7a270ceb19a10f04a83316c6486968d\"",
        "\"valid_until\":\"2031-06-25T08:24:40Z\"", NULL};
    assert_json_has(want);
    char *json = NULL;
    assert_ok(uat_claims_to_json(g_claims, 0, &json));
    int has_cpuid = strstr(json, "cpuid_fam_id") != NULL; /* version 2: no CPUID fields */
    free(json);
    assert_false(has_cpuid);
    uat_verifier_set_time(g_ver, START_GENOA - 1);
    assert_err(verify_span(g_ver, rep->p, rep->len), UAT_ERR_VERIFY_EXPIRED);
}

/* Oak turin_oc_evidence: Turin (CPUID family 1Ah model 02h stepping 1), version 5, fw 1.55.61;
 * TCB_VERSION in the Turin layout: fmc 0 (byte 0), bl 1, tee 0, snp 2, ucode 71 (byte 7) — the
 * layout yaxi's virtee/sev dump of the same report shows and the VCEK's fmcSPL/blSPL/snpSPL
 * certify. Its hwID is the 8-byte Turin form. */
static void test_oak_turin_v5(void **state)
{
    (void)state;
    uat_buf *rep = load(TURIN "/report.bin");
    assert_ok(verify_span(verifier(TURIN, T_OAK), rep->p, rep->len));
    const char *const want[] = {
        "\"measurement\":\"f924dd18f168df60fbea937f0b086284d51b1b376de872bac43694f61134d57967c3180"
        "18de7335503023dbb50dee624\"",
        "\"report_data\":\"e0fd0bdb6aa4030a6ddea9073e1fcec5be6c782a2c8075a0825dfb3d9a81b924",
        "\"product\":\"Turin\"", "\"product_name\":\"Turin\"", "\"firmware\":\"1.55.61\"",
        "\"hwid\":\"3b42092f69c656d3\"", "\"version\":5",
        "\"cpuid_fam_id\":26,\"cpuid_mod_id\":2,\"cpuid_step\":1",
        "\"reported_tcb\":{\"boot_loader\":1,\"fmc\":0,\"microcode\":71,\"raw\":\"4700000002000100\","
        "\"snp\":2,\"tee\":0}",
        "\"tsme_enabled\":true", "\"ecc_enabled\":true", "\"alias_check_complete\":true",
        "\"valid_until\":\"2032-07-17T17:04:46Z\"", NULL};
    assert_json_has(want);

    /* the same bytes in the Milan/Genoa layout would read bl 0, tee 1, snp 0 */
    uat_snp_report r;
    assert_ok(uat_snp_report_parse(uat_span_of(rep->p, UAT_SNP_REPORT_SIZE), &r));
    assert_int_equal(uat_snp_product_from_cpuid(&r), UAT_SNP_PRODUCT_TURIN);
    uat_snp_tcb t;
    uat_snp_tcb_decode(r.reported_tcb, UAT_SNP_PRODUCT_TURIN, &t);
    assert_true(t.turin && t.fmc == 0 && t.boot_loader == 1 && t.tee == 0 && t.snp == 2 &&
                t.microcode == 71);
    uat_snp_tcb_decode(r.reported_tcb, UAT_SNP_PRODUCT_MILAN, &t);
    assert_true(t.boot_loader == 0 && t.tee == 1 && t.snp == 0);

    /* the VCEK: structVersion 1, fmcSPL, 8-byte hwID, SPLs composed in the Turin layout */
    uat_buf *der = load(TURIN "/vcek.der");
    assert_ok(uat_cert_parse(uat_buf_span(der), &g_cert));
    uat_snp_vek_ext e;
    assert_ok(uat_snp_vek_ext_read(g_cert, &e));
    assert_int_equal(e.struct_version, 1);
    assert_int_equal(e.product, UAT_SNP_PRODUCT_TURIN);
    assert_int_equal(e.hwid_len, 8);
    assert_true((e.spl_seen & (1u << 9)) != 0);
    assert_true(e.tcb == r.reported_tcb);
    assert_true(uat_snp_vek_matches(&e, &r));

    uat_verifier_set_time(g_ver, START_TURIN - 1);
    assert_err(verify_span(g_ver, rep->p, rep->len), UAT_ERR_VERIFY_EXPIRED);
}

/* Every byte of the signed region [0, 0x2A0) changed: a named error, never success. */
static void mutate_signed(const char *dir, int64_t at)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/report.bin", dir);
    uat_buf *rep = load(path);
    uat_verifier *v = verifier(dir, at);
    assert_ok(verify_span(v, rep->p, rep->len));
    for (size_t i = 0; i < UAT_SNP_SIGNED_SIZE; i++) {
        rep->p[i] ^= 0x01;
        uat_err rc = verify_span(v, rep->p, rep->len);
        if (rc == UAT_OK) {
            print_error("%s: byte %zu changed still verifies\n", dir, i);
            fail();
        }
        assert_int_equal(uat_last_error()->err, rc); /* a named error with its detail */
        rep->p[i] ^= 0x01;
    }
    assert_ok(verify_span(v, rep->p, rep->len));
}

static void test_every_signed_byte(void **state)
{
    (void)state;
    mutate_signed(GCP, T_GCP);
    mutate_signed(GENOA, T_OAK);
    mutate_signed(TURIN, T_OAK);
}

/* The VCEK carried in the report's certificate table (an extended report): no collateral. */
static void test_cert_table(void **state)
{
    (void)state;
    static const struct {
        const char *dir;
        int64_t at;
    } cases[] = {{GCP, T_GCP}, {GENOA, T_OAK}, {TURIN, T_OAK}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char path[256];
        snprintf(path, sizeof(path), "%s/report.bin", cases[i].dir);
        uat_buf *ev = load(path);
        snprintf(path, sizeof(path), "%s/vcek.der", cases[i].dir);
        uat_buf *vcek = load(path);
        uat_snp_cert_entry e;
        memcpy(e.guid, uat_snp_guid_vcek, 16);
        e.data = uat_buf_span(vcek);
        assert_ok(uat_snp_cert_table_build(&e, 1, ev));
        assert_ok(verify_span(verifier(NULL, cases[i].at), ev->p, ev->len));
    }
}

/* Another product's VCEK never signs: Turin's for the Genoa report, Genoa's for the Turin one. */
static void test_wrong_product(void **state)
{
    (void)state;
    uat_buf *genoa = load(GENOA "/report.bin");
    uat_buf *turin = load(TURIN "/report.bin");
    assert_err(verify_span(verifier(TURIN, T_OAK), genoa->p, genoa->len), UAT_ERR_VERIFY_SIGNATURE);
    assert_err(verify_span(verifier(GENOA, T_OAK), turin->p, turin->len), UAT_ERR_VERIFY_SIGNATURE);
}

/* Published without their certificate: they parse with the fields their sources assert, and
 * verification fails only for the missing key, named by kind. */
static void test_no_certificate(void **state)
{
    (void)state;
    /* virtee/sev report_milan.hex (= yaxi report_spec "Verify Milan"): v2, VCEK, fw 1.52.4 */
    uat_buf *rep = load(VIRTEE "/report.bin");
    uat_snp_report r;
    assert_ok(uat_snp_report_parse(uat_buf_span(rep), &r));
    assert_int_equal(r.version, 2);
    assert_int_equal(r.signing_key, UAT_SNP_KEY_VCEK);
    assert_int_equal(r.policy, 0x30000);
    assert_int_equal(r.reported_tcb, 0x7308000000000003ull); /* bl 3 snp 8 ucode 115 */
    assert_true(r.current_major == 1 && r.current_minor == 52 && r.current_build == 4);
    assert_int_equal(r.measurement[0], 0x7a);
    assert_int_equal(r.chip_id[0], 0xd4);
    assert_err(verify_span(verifier(NULL, T_OAK), rep->p, rep->len), UAT_ERR_VERIFY_COLLATERAL);
    assert_string_equal(uat_last_error()->field, "signing_key");
    assert_non_null(strstr(uat_last_error()->message, "no VCEK"));

    /* Constellation AttestationReportVLEK: v2, SIGNING_KEY 1 (VLEK), CHIP_ID zero although
     * MASK_CHIP_KEY is clear, CURRENT_TCB (ucode 206) above REPORTED_TCB (ucode 115) */
    rep = load(VLEK "/report.bin");
    assert_ok(uat_snp_report_parse(uat_buf_span(rep), &r));
    assert_int_equal(r.signing_key, UAT_SNP_KEY_VLEK);
    assert_false(r.mask_chip_key);
    uint8_t zero[64] = {0};
    assert_memory_equal(r.chip_id, zero, 64);
    assert_int_equal(r.reported_tcb, 0x730a000000000003ull);
    assert_int_equal(r.current_tcb, 0xce0a000000000003ull);
    assert_true(r.current_major == 1 && r.current_minor == 54 && r.current_build == 1);
    assert_err(verify_span(verifier(NULL, T_OAK), rep->p, rep->len), UAT_ERR_VERIFY_COLLATERAL);
    assert_non_null(strstr(uat_last_error()->message, "no VLEK"));
    /* a VCEK at hand does not stand in for the VLEK */
    assert_err(verify_span(verifier(GCP, T_GCP), rep->p, rep->len), UAT_ERR_VERIFY_CHAIN);
    assert_string_equal(uat_last_error()->check, "snp.signing_key");
}

/* yaxi's "Rejects invalid SEV-VCEK": a Genoa VCEK (issuer SEV-Genoa, 64-byte hwID, structVersion
 * 0, no fmcSPL) whose productName was edited to "Turin" (its RSA-PSS signature no longer verifies).
 * It is refused while its extensions are read, by the product/hwID disagreement, not by a DER
 * detail; as collateral it stops verification with the same named error. */
static void test_product_hwid_disagree(void **state)
{
    (void)state;
    uat_buf *der = load(NEG_GT);
    assert_ok(uat_cert_parse(uat_buf_span(der), &g_cert));
    uat_snp_vek_ext e;
    assert_err(uat_snp_vek_ext_read(g_cert, &e), UAT_ERR_PARSE_BAD_CERT);
    assert_string_equal(uat_last_error()->check, "snp.vek");
    assert_string_equal(uat_last_error()->field, "hwID");
    assert_non_null(strstr(uat_last_error()->message, "\"Turin\" calls for a hwID of 8 bytes"));

    /* as the only collateral for the Genoa report, and carried in its certificate table */
    char dir[] = "/tmp/uat_snpx_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof(path), "%s/vcek.der", dir);
    assert_ok(uat_file_write_atomic(path, der->p, der->len, 0600));
    uat_buf *rep = load(GENOA "/report.bin");
    uat_err rc = verify_span(verifier(dir, T_OAK), rep->p, rep->len);
    remove(path);
    rmdir(dir);
    assert_int_equal(rc, UAT_ERR_PARSE_BAD_CERT);
    uat_snp_cert_entry ent;
    memcpy(ent.guid, uat_snp_guid_vcek, 16);
    ent.data = uat_buf_span(der);
    assert_ok(uat_snp_cert_table_build(&ent, 1, rep));
    assert_err(verify_span(verifier(NULL, T_OAK), rep->p, rep->len), UAT_ERR_PARSE_BAD_CERT);
}

#define T(f) cmocka_unit_test_teardown(f, release)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_gcp_milan_v5),    T(test_oak_genoa_v2), T(test_oak_turin_v5),
        T(test_every_signed_byte), T(test_cert_table), T(test_wrong_product),
        T(test_no_certificate),  T(test_product_hwid_disagree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
