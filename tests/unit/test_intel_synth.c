/* The Intel SGX DCAP verifier (src/tee/intel/) end to end through the public API, on a synthetic
 * PKI, collateral and quote v3 built at run time (intel_synth.h): each test changes one knob of
 * the good quote and expects one error name, with the check and field uat_last_error() names.
 *
 * Real quotes cannot be re-signed, so the corpus (tests/conformance) covers what Intel produced
 * and this file covers what Intel's chain never shows: revoked PCKs, foreign roots and signers,
 * TCB levels out of reach, collateral past nextUpdate, a QE report that does not bind its key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "uattest/evidence.h"
#include "uattest/verifier.h"

#include "intel_synth.h"

/* On a mismatch the recorded detail is printed first: it says which check failed and why. */
#define assert_err(expr, want)                                                                     \
    do {                                                                                           \
        uat_err got_ = (expr);                                                                     \
        if (got_ != (want)) {                                                                      \
            char detail_[512];                                                                     \
            uat_error_format(uat_last_error(), detail_, sizeof(detail_));                          \
            print_error("%s\n", detail_);                                                          \
        }                                                                                          \
        assert_string_equal(uat_err_name(got_), uat_err_name(want));                               \
    } while (0)
#define assert_ok(expr) assert_err((expr), UAT_OK)
/* Fails with want, and uat_last_error() names the check and the field that failed. */
#define assert_fail(expr, want, check_name, field_name)                                            \
    do {                                                                                           \
        assert_err((expr), (want));                                                                \
        assert_string_equal(uat_last_error()->check, (check_name));                                \
        assert_string_equal(uat_last_error()->field, (field_name));                                \
    } while (0)

/* Everything a test makes is released by the teardown, so a failing assertion leaks nothing. */
static synth g_s;
static uat_verifier *g_v;
static uat_claims *g_claims;
static json_t *g_doc;
static uint8_t *g_bytes;

static int teardown(void **state)
{
    (void)state;
    synth_free(&g_s);
    uat_verifier_free(g_v);
    uat_claims_free(g_claims);
    json_decref(g_doc);
    free(g_bytes);
    g_v = NULL;
    g_claims = NULL;
    g_doc = NULL;
    g_bytes = NULL;
    return 0;
}

/* A fresh verifier (no cached collateral) over the synthetic directories, evaluating at `at`. */
static uat_verifier *open_verifier(int64_t at)
{
    uat_verifier_free(g_v);
    g_v = NULL;
    assert_ok(uat_verifier_new(&g_v));
    assert_ok(uat_verifier_set_trust_dir(g_v, g_s.trust));
    assert_ok(uat_verifier_set_collateral_dir(g_v, g_s.coll));
    uat_verifier_set_time(g_v, at);
    return g_v;
}

static uat_err verify_bytes(const uint8_t *ev, size_t n, const uint8_t *expected)
{
    uat_claims_free(g_claims);
    g_claims = NULL;
    return uat_verify(g_v, ev, n, expected, &g_claims);
}

static uat_err verify_at(int64_t at)
{
    open_verifier(at);
    return verify_bytes(g_s.quote, g_s.quote_len, NULL);
}

static uat_err build_and_verify(const synth_opts *o)
{
    synth_free(&g_s);
    synth_build(o, &g_s);
    return verify_at(SY_T_EVAL);
}

/* The bytes wrapped in a JSON CMW record of the SGX media type: they reach the SGX verifier
 * even when they do not look like a quote (a raw input is recognised by its header). */
static uat_err verify_as_sgx(const uint8_t *q, size_t n)
{
    uat_cmw *c = NULL;
    uint8_t *text = NULL;
    size_t len = 0;
    assert_ok(uat_cmw_record_new(SY_MEDIA_SGX, q, n, UAT_CMW_IND_EVIDENCE, &c));
    uat_err rc = uat_cmw_serialize(c, UAT_CMW_JSON, &text, &len);
    uat_cmw_free(c);
    assert_ok(rc);
    rc = verify_bytes(text, len, NULL);
    free(text);
    return rc;
}

/* The quote followed by extra bytes (in g_bytes). */
static size_t quote_with(const uint8_t *extra, size_t n)
{
    free(g_bytes);
    g_bytes = malloc(g_s.quote_len + n);
    assert_non_null(g_bytes);
    memcpy(g_bytes, g_s.quote, g_s.quote_len);
    memcpy(g_bytes + g_s.quote_len, extra, n);
    return g_s.quote_len + n;
}

/* A claim by path ("tcb.status"): the claims document is parsed back from its JSON text. */
static json_t *claim(const char *path)
{
    char *text = NULL;
    assert_non_null(g_claims);
    assert_ok(uat_claims_to_json(g_claims, 0, &text));
    json_decref(g_doc);
    g_doc = json_loads(text, 0, NULL);
    free(text);
    assert_non_null(g_doc);
    json_t *at = g_doc;
    char name[64];
    for (const char *p = path; at != NULL && *p != '\0';) {
        size_t n = strcspn(p, ".");
        assert_true(n < sizeof(name));
        memcpy(name, p, n);
        name[n] = '\0';
        at = json_object_get(at, name);
        p += n + (p[n] == '.');
    }
    assert_non_null(at);
    return at;
}

static const char *claim_str(const char *path)
{
    json_t *v = claim(path);
    assert_true(json_is_string(v));
    return json_string_value(v);
}

static void assert_debug(int want)
{
    int debug = -1;
    assert_ok(uat_claims_get_bool(g_claims, "debug", &debug));
    assert_int_equal(debug, want);
}

/* ---- negative cases ---- */

static void test_pck_leaf_revoked(void **state)
{
    (void)state;
    synth_opts o = synth_defaults();
    o.revoked = 1;
    assert_fail(build_and_verify(&o), UAT_ERR_VERIFY_REVOKED, "intel.pck_chain", "certificate");
    assert_non_null(strstr(uat_last_error()->message, "depth 0")); /* the leaf, not a CA */
}

static void test_unrelated_root(void **state)
{
    (void)state;
    synth_opts o = synth_defaults();
    o.wrong_root = 1;
    assert_fail(build_and_verify(&o), UAT_ERR_VERIFY_CHAIN, "intel.pck_chain", "root");
}

static void test_quote_version_2_and_6(void **state)
{
    (void)state;
    static const uint16_t versions[] = {2, 6};
    for (size_t i = 0; i < 2; i++) {
        synth_opts o = synth_defaults();
        o.version = versions[i];
        /* raw or wrapped, the Intel parser names the unsupported version */
        assert_int_equal(build_and_verify(&o), UAT_ERR_PARSE_BAD_VERSION);
        assert_fail(verify_as_sgx(g_s.quote, g_s.quote_len), UAT_ERR_PARSE_BAD_VERSION,
                    "intel.quote", "version");
        assert_int_equal(uat_last_error()->offset, 0);
    }
}

static void test_att_key_type_3(void **state)
{
    (void)state;
    synth_opts o = synth_defaults();
    o.att_key_type = 3; /* ECDSA-384-with-P-384: described by the spec, unsupported by the QVL */
    assert_fail(build_and_verify(&o), UAT_ERR_UNSUPPORTED_ALGORITHM, "intel.quote", "att_key_type");
}

/* Every proper prefix of the quote: an error of its length, never OK, never a crash. */
static void test_truncated_every_length(void **state)
{
    (void)state;
    synth_opts o = synth_defaults();
    assert_ok(build_and_verify(&o));
    for (size_t n = 0; n < g_s.quote_len; n++) {
        uat_err raw = verify_bytes(g_s.quote, n, NULL);
        uat_err wrapped = n > 0 ? verify_as_sgx(g_s.quote, n) : UAT_ERR_PARSE_TRUNCATED;
        if (wrapped != UAT_ERR_PARSE_TRUNCATED && wrapped != UAT_ERR_PARSE_BAD_LENGTH) {
            fail_msg("prefix of %zu bytes: %s", n, uat_err_name(wrapped));
        }
        /* 28 bytes (up to the QE vendor id) make a raw input recognisable as an SGX quote; a
         * shorter one is read as a CMW and rejected by that parser */
        if (n >= 28 ? raw != wrapped : uat_err_category(raw) != UAT_CAT_PARSE) {
            fail_msg("raw prefix of %zu bytes: %s", n, uat_err_name(raw));
        }
    }
}

static void test_trailing_nonzero_byte(void **state)
{
    (void)state;
    static const uint8_t one[1] = {0x01}, late[6] = {0, 0, 0, 0, 0, 0x80};
    synth_opts o = synth_defaults();
    assert_ok(build_and_verify(&o));
    size_t n = quote_with(one, sizeof(one));
    assert_fail(verify_bytes(g_bytes, n, NULL), UAT_ERR_PARSE_TRAILING_BYTES, "intel.quote", "");
    assert_int_equal(uat_last_error()->offset, (int64_t)g_s.quote_len);
    n = quote_with(late, sizeof(late));
    assert_fail(verify_bytes(g_bytes, n, NULL), UAT_ERR_PARSE_TRAILING_BYTES, "intel.quote", "");
    assert_int_equal(uat_last_error()->offset, (int64_t)g_s.quote_len + 5);
}

static void test_tcb_level_not_reached(void **state)
{
    (void)state;
    synth_opts comp = synth_defaults();
    comp.pck_comp[0] = 3; /* every level asks at least 4 */
    assert_fail(build_and_verify(&comp), UAT_ERR_VERIFY_TCB, "intel.tcb", "tcbLevels");
    synth_opts pce = synth_defaults();
    pce.pcesvn = SY_PCESVN - 1;
    assert_fail(build_and_verify(&pce), UAT_ERR_VERIFY_TCB, "intel.tcb", "tcbLevels");
}

static void test_tcb_level_revoked(void **state)
{
    (void)state;
    synth_opts o = synth_defaults();
    o.top_status = "Revoked";
    assert_fail(build_and_verify(&o), UAT_ERR_VERIFY_REVOKED, "intel.tcb", "tcbStatus");
}

static void test_qe_identity_mrsigner_differs(void **state)
{
    (void)state;
    synth_opts o = synth_defaults();
    o.qe_mrsigner_differs = 1;
    assert_fail(build_and_verify(&o), UAT_ERR_VERIFY_MEASUREMENT, "intel.qe_identity", "mr_signer");
}

static void test_tcb_info_foreign_signer(void **state)
{
    (void)state;
    synth_opts o = synth_defaults();
    o.tcb_foreign_signer = 1;
    assert_fail(build_and_verify(&o), UAT_ERR_VERIFY_SIGNATURE, "intel.collateral_signature",
                "tcbInfo");
}

static void test_tcb_info_after_next_update(void **state)
{
    (void)state;
    synth_opts o = synth_defaults();
    o.tcb_next_update = SY_TCB_NEXT_EARLY; /* the CRLs and the QE identity last longer */
    assert_ok(build_and_verify(&o));
    assert_fail(verify_at(SY_T_AFTER_TCB), UAT_ERR_VERIFY_EXPIRED, "intel.collateral", "tcbInfo");
    /* a verifier that accepted the quote earlier does not reuse the expired TCB info */
    open_verifier(SY_T_EVAL);
    assert_ok(verify_bytes(g_s.quote, g_s.quote_len, NULL));
    uat_verifier_set_time(g_v, SY_T_AFTER_TCB);
    assert_fail(verify_bytes(g_s.quote, g_s.quote_len, NULL), UAT_ERR_VERIFY_EXPIRED,
                "intel.collateral", "tcbInfo");
}

static void test_root_crl_missing(void **state)
{
    (void)state;
    synth_opts o = synth_defaults();
    o.no_root_crl = 1;
    assert_fail(build_and_verify(&o), UAT_ERR_VERIFY_COLLATERAL, "intel.pck_chain", "certificate");
}

static void test_qe_report_does_not_bind_key(void **state)
{
    (void)state;
    synth_opts o = synth_defaults();
    o.bad_binding = 1;
    assert_fail(build_and_verify(&o), UAT_ERR_VERIFY_BINDING, "intel.qe_binding",
                "qe_report.report_data");
}

static void test_tcb_info_15_components(void **state)
{
    (void)state;
    synth_opts o = synth_defaults();
    o.tcb_ncomp = 15;
    /* the whole file is rejected when the collateral directory is loaded */
    assert_fail(build_and_verify(&o), UAT_ERR_PARSE_BAD_JSON, "intel.collateral", "tcbInfo");
    assert_non_null(strstr(uat_last_error()->message, "tcb_info.json"));
}

static void test_tcb_signing_cert_expired(void **state)
{
    (void)state;
    synth_opts o = synth_defaults();
    o.signing = SY_SIGNING_OLD_ONLY;
    assert_fail(build_and_verify(&o), UAT_ERR_VERIFY_EXPIRED, "intel.tcb_signing_chain",
                "certificate");
}

static void test_tcb_signing_cert_revoked(void **state)
{
    (void)state;
    synth_opts o = synth_defaults();
    o.signing_revoked = 1;
    assert_fail(build_and_verify(&o), UAT_ERR_VERIFY_REVOKED, "intel.tcb_signing_chain",
                "certificate");
}

/* spec: QVL QE identity check: an ISVSVN below every level of the identity is Revoked */
static void test_qe_isvsvn_below_every_level(void **state)
{
    (void)state;
    synth_opts o = synth_defaults();
    o.qe_isvsvn = 5;
    assert_fail(build_and_verify(&o), UAT_ERR_VERIFY_REVOKED, "intel.tcb", "tcbStatus");
}

/* spec: QVL QE identity check: ATTRIBUTES under attributesMask (DEBUG is in the mask) */
static void test_qe_debug_attribute(void **state)
{
    (void)state;
    synth_opts o = synth_defaults();
    o.qe_debug = 1;
    assert_fail(build_and_verify(&o), UAT_ERR_VERIFY_MEASUREMENT, "intel.qe_identity",
                "attributes");
}

static void test_att_key_off_curve(void **state)
{
    (void)state;
    synth_opts o = synth_defaults();
    o.att_key_off_curve = 1;
    assert_err(build_and_verify(&o), UAT_ERR_CRYPTO_BAD_KEY);
}

/* spec: DCAP Quote Library API Table 4: the attestation key signs header and body; the PCK key
 * signs the QE report */
static void test_tampered_body_and_qe_report(void **state)
{
    (void)state;
    const size_t mr_enclave_at = 48 + 64, qe_isv_svn_at = 48 + 384 + 4 + 128 + 258;
    synth_opts o = synth_defaults();
    assert_ok(build_and_verify(&o));
    g_s.quote[mr_enclave_at] ^= 0x01;
    assert_fail(verify_at(SY_T_EVAL), UAT_ERR_VERIFY_SIGNATURE, "intel.quote_signature",
                "signature");
    g_s.quote[mr_enclave_at] ^= 0x01;
    assert_int_equal(g_s.quote[qe_isv_svn_at], SY_QE_ISVSVN);
    g_s.quote[qe_isv_svn_at] ^= 0x01;
    assert_fail(verify_at(SY_T_EVAL), UAT_ERR_VERIFY_SIGNATURE, "intel.qe_report_signature",
                "signature");
}

/* ---- accepted quotes ---- */

static void test_good_quote(void **state)
{
    (void)state;
    char hex[129];
    synth_opts o = synth_defaults();
    assert_ok(build_and_verify(&o));
    assert_string_equal(uat_claims_tee(g_claims), "sgx");
    sy_hex(g_s.mr_enclave, 32, 0, hex);
    assert_string_equal(uat_claims_get_string(g_claims, "measurement"), hex);
    assert_string_equal(uat_claims_tee_field(g_claims, "mr_enclave"), hex);
    assert_debug(0);
    sy_hex(g_s.report_data, 64, 0, hex);
    assert_string_equal(uat_claims_get_string(g_claims, "report_data"), hex);
    assert_string_equal(claim_str("tcb.status"), "UpToDate");
    assert_string_equal(claim_str("tcb.qe_status"), "UpToDate");
    assert_string_equal(claim_str("tcb.date"), "2024-03-13T00:00:00Z");
    assert_int_equal(json_array_size(claim("tcb.advisory_ids")), 0);
    assert_string_equal(claim_str("platform.fmspc"), "00906ed50000");
    assert_string_equal(claim_str("platform.pck_ca"), "platform");
    assert_string_equal(claim_str("platform.tcb_components"), "05050202030100030000000000000000");
    assert_int_equal(json_integer_value(claim("platform.pcesvn")), SY_PCESVN);
    assert_int_equal(json_integer_value(claim("platform.sgx_type")), 1);
    assert_string_equal(claim_str("platform.platform_instance_id"),
                        "7a3a6941065cd5060bd93d3db2cfc0c8");
    sy_hex(g_s.ppid, 16, 0, hex);
    assert_string_equal(claim_str("platform.ppid"), hex);
    assert_string_equal(claim_str("verified_at"), "2024-06-15T00:00:00Z");
    /* the PCK CRL, the TCB info and the QE identity all end then */
    assert_string_equal(claim_str("valid_until"), "2024-07-01T00:00:00Z");
    /* again from the verifier's cache, then with the caller's binding */
    assert_ok(verify_bytes(g_s.quote, g_s.quote_len, NULL));
    assert_ok(verify_bytes(g_s.quote, g_s.quote_len, g_s.report_data));
    uint8_t other[64];
    memcpy(other, g_s.report_data, 64);
    other[63] ^= 1;
    assert_fail(verify_bytes(g_s.quote, g_s.quote_len, other), UAT_ERR_VERIFY_BINDING, "binding",
                "report_data");
}

/* The verifier reports DEBUG; rejecting it is the policy's job. */
static void test_debug_enclave_reported(void **state)
{
    (void)state;
    synth_opts o = synth_defaults();
    o.debug = 1;
    assert_ok(build_and_verify(&o));
    assert_debug(1);
    assert_string_equal(claim_str("tcb.status"), "UpToDate");
    assert_string_equal(uat_claims_tee_field(g_claims, "attributes"),
                        "0700000000000000e700000000000000");
}

static void test_trailing_zero_bytes(void **state)
{
    (void)state;
    static const uint8_t zeros[70]; /* as the t1 corpus quote */
    synth_opts o = synth_defaults();
    assert_ok(build_and_verify(&o));
    size_t n = quote_with(zeros, sizeof(zeros));
    assert_ok(verify_bytes(g_bytes, n, NULL));
    assert_int_equal(json_integer_value(claim("tee_claims.trailing_zero_bytes")), 70);
}

static void test_lower_components_out_of_date(void **state)
{
    (void)state;
    synth_opts o = synth_defaults();
    memcpy(o.pck_comp, sy_comp_low, 16);
    assert_ok(build_and_verify(&o));
    assert_string_equal(claim_str("tcb.status"), "OutOfDate");
    assert_string_equal(claim_str("tcb.date"), "2023-02-15T00:00:00Z");
    json_t *adv = claim("tcb.advisory_ids");
    assert_int_equal(json_array_size(adv), 2);
    assert_string_equal(json_string_value(json_array_get(adv, 0)), "INTEL-SA-00828");
    assert_string_equal(json_string_value(json_array_get(adv, 1)), "INTEL-SA-00615");
}

/* spec: QVL convergeTcbStatusWithQeTcbStatus: UpToDate platform, OutOfDate QE -> OutOfDate */
static void test_qe_out_of_date_converges(void **state)
{
    (void)state;
    synth_opts o = synth_defaults();
    o.qe_isvsvn = 7;
    assert_ok(build_and_verify(&o));
    assert_string_equal(claim_str("tcb.status"), "OutOfDate");
    assert_string_equal(claim_str("tcb.qe_status"), "OutOfDate");
    assert_string_equal(claim_str("tcb.date"), "2024-03-13T00:00:00Z"); /* the platform level's */
    json_t *adv = claim("tcb.advisory_ids");
    assert_int_equal(json_array_size(adv), 1);
    assert_string_equal(json_string_value(json_array_get(adv, 0)), "INTEL-SA-00615");
}

/* A collateral archive may hold a newer TCB info than the one valid at the evaluation time. */
static void test_future_tcb_info_ignored(void **state)
{
    (void)state;
    synth_opts o = synth_defaults();
    o.future_tcb_info = 1;
    assert_ok(build_and_verify(&o));
    assert_string_equal(claim_str("tcb.status"), "UpToDate");
}

/* The same for the QE identity (regression: intel_identity() once let an identity that is not
 * yet valid shadow the valid one). */
static void test_future_qe_identity_ignored(void **state)
{
    (void)state;
    synth_opts o = synth_defaults();
    o.future_qe_identity = 1;
    assert_ok(build_and_verify(&o));
    assert_string_equal(claim_str("tcb.status"), "UpToDate");
}

/* Intel re-issued its TCB signing certificate with the same key: validity picks the one. */
static void test_reissued_tcb_signing_cert(void **state)
{
    (void)state;
    synth_opts o = synth_defaults();
    o.signing = SY_SIGNING_REISSUED;
    assert_ok(build_and_verify(&o));
    assert_string_equal(claim_str("tcb.status"), "UpToDate");
}

/* SGX bodies in the v4 layout (certification data type 6) and v5 (body type 1) */
static void test_sgx_quote_v4_v5(void **state)
{
    (void)state;
    for (uint16_t version = 4; version <= 5; version++) {
        synth_opts o = synth_defaults();
        o.version = version;
        assert_ok(build_and_verify(&o));
        assert_int_equal(json_integer_value(claim("tee_claims.version")), version);
        assert_int_equal(json_integer_value(claim("tee_claims.body_type")), 1);
        assert_string_equal(claim_str("tcb.status"), "UpToDate");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_pck_leaf_revoked, teardown),
        cmocka_unit_test_teardown(test_unrelated_root, teardown),
        cmocka_unit_test_teardown(test_quote_version_2_and_6, teardown),
        cmocka_unit_test_teardown(test_att_key_type_3, teardown),
        cmocka_unit_test_teardown(test_truncated_every_length, teardown),
        cmocka_unit_test_teardown(test_trailing_nonzero_byte, teardown),
        cmocka_unit_test_teardown(test_tcb_level_not_reached, teardown),
        cmocka_unit_test_teardown(test_tcb_level_revoked, teardown),
        cmocka_unit_test_teardown(test_qe_identity_mrsigner_differs, teardown),
        cmocka_unit_test_teardown(test_tcb_info_foreign_signer, teardown),
        cmocka_unit_test_teardown(test_tcb_info_after_next_update, teardown),
        cmocka_unit_test_teardown(test_root_crl_missing, teardown),
        cmocka_unit_test_teardown(test_qe_report_does_not_bind_key, teardown),
        cmocka_unit_test_teardown(test_tcb_info_15_components, teardown),
        cmocka_unit_test_teardown(test_tcb_signing_cert_expired, teardown),
        cmocka_unit_test_teardown(test_tcb_signing_cert_revoked, teardown),
        cmocka_unit_test_teardown(test_qe_isvsvn_below_every_level, teardown),
        cmocka_unit_test_teardown(test_qe_debug_attribute, teardown),
        cmocka_unit_test_teardown(test_att_key_off_curve, teardown),
        cmocka_unit_test_teardown(test_tampered_body_and_qe_report, teardown),
        cmocka_unit_test_teardown(test_good_quote, teardown),
        cmocka_unit_test_teardown(test_debug_enclave_reported, teardown),
        cmocka_unit_test_teardown(test_trailing_zero_bytes, teardown),
        cmocka_unit_test_teardown(test_lower_components_out_of_date, teardown),
        cmocka_unit_test_teardown(test_qe_out_of_date_converges, teardown),
        cmocka_unit_test_teardown(test_future_tcb_info_ignored, teardown),
        cmocka_unit_test_teardown(test_future_qe_identity_ignored, teardown),
        cmocka_unit_test_teardown(test_reissued_tcb_signing_cert, teardown),
        cmocka_unit_test_teardown(test_sgx_quote_v4_v5, teardown),
    };
    return cmocka_run_group_tests_name("intel_synth", tests, NULL, NULL);
}
