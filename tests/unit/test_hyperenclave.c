/* HyperEnclave quote verification, on SYNTHETIC evidence only (hyperenclave_test.h): no real
 * HyperEnclave quote is public. The CFCA anchors of the corpus are checked as configured roots. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "evidence/claims_int.h"
#include "tee/hyperenclave/hyperenclave.h"
#include "uat_assert.h"
#include "uattest/verifier.h"
#include "uattest/uattest.h"

#include "hyperenclave_test.h"

#define HE_CORPUS_TRUST UAT_CORPUS_DIR "/hyperenclave/trust"

static uat_err he_verify_at(const he_fix *f, const char *trust, uat_span in, uat_claims **out)
{
    uat_verify_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.trust_dir = trust;
    ctx.at = HE_T;
    uat_claims *c = NULL;
    uat_verify_out vo;
    memset(&vo, 0, sizeof(vo));
    if (uat_claims_new("hyperenclave", &c) != UAT_OK) {
        return UAT_ERR_RESOURCE_NO_MEMORY;
    }
    (void)f;
    uat_err rc = uat_he_verify(in, &ctx, c, &vo);
    if (rc == UAT_OK && out != NULL) {
        *out = c;
    } else {
        uat_claims_free(c);
    }
    return rc;
}

static uat_err he_verify(const he_fix *f, uat_claims **out)
{
    return he_verify_at(f, f->dir, uat_span_of(f->quote, f->len), out);
}

static void assert_check(const char *check, const char *field)
{
    const uat_error_detail *d = uat_last_error();
    assert_string_equal(d->check, check);
    if (field != NULL) {
        assert_string_equal(d->field, field);
    }
}

static void build_with(he_fix *f, he_opts o)
{
    he_build(f, &o);
}

/* ---- negative cases first ---- */

static void test_synthetic_wrong_root(void **state)
{
    he_fix *f = *state;
    build_with(f, (he_opts){.wrong_root = 1});
    assert_err(he_verify(f, NULL), UAT_ERR_VERIFY_CHAIN);
    assert_check("hyperenclave.platform_cert", "certificate");
}

static void test_synthetic_expired_cert(void **state)
{
    he_fix *f = *state;
    build_with(f, (he_opts){.expired = 1});
    assert_err(he_verify(f, NULL), UAT_ERR_VERIFY_EXPIRED);
    assert_check("hyperenclave.platform_cert", "certificate");
}

static void test_synthetic_wrong_pcr_digest(void **state)
{
    he_fix *f = *state;
    build_with(f, (he_opts){.bad_pcr_digest = 1});
    assert_err(he_verify(f, NULL), UAT_ERR_VERIFY_MEASUREMENT);
    assert_check("hyperenclave.pcr_list", "platform_attest.pcrDigest");
}

static void test_synthetic_wrong_pcr13(void **state)
{
    he_fix *f = *state;
    build_with(f, (he_opts){.bad_pcr13 = 1});
    assert_err(he_verify(f, NULL), UAT_ERR_VERIFY_MEASUREMENT);
    assert_check("hyperenclave.pcr_list", "pcr13");
}

static void test_synthetic_no_pcr_extension(void **state)
{
    he_fix *f = *state;
    build_with(f, (he_opts){.no_ext = 1});
    assert_err(he_verify(f, NULL), UAT_ERR_PARSE_BAD_CERT);
    assert_check("hyperenclave.pcr_list", "1.2.86.1");
}

/* the TPM quote of another report: extraData is not SM3(report_data) */
static void test_synthetic_tpm_quote_other_report(void **state)
{
    he_fix *f = *state;
    build_with(f, (he_opts){.bad_extra = 1});
    assert_err(he_verify(f, NULL), UAT_ERR_VERIFY_BINDING);
    assert_check("hyperenclave", "platform_attest.extraData");
}

/* the caller's nonce binding: through the public API, raw evidence recognised by sniffing */
static void test_synthetic_wrong_report_data(void **state)
{
    he_fix *f = *state;
    build_with(f, (he_opts){0});
    uat_verifier *v = NULL;
    assert_ok(uat_verifier_new(&v));
    assert_ok(uat_verifier_set_trust_dir(v, f->dir));
    uat_verifier_set_time(v, HE_T);
    uint8_t want[64];
    memcpy(want, f->report_data, 64);
    want[5] ^= 0x80;
    uat_claims *c = NULL;
    assert_err(uat_verify(v, f->quote, f->len, want, &c), UAT_ERR_VERIFY_BINDING);
    assert_check("binding", "report_data");
    assert_ok(uat_verify(v, f->quote, f->len, f->report_data, &c));
    uat_claims_free(c);
    uat_verifier_free(v);
}

static void test_synthetic_truncated_every_offset(void **state)
{
    he_fix *f = *state;
    build_with(f, (he_opts){0});
    for (size_t n = 0; n < f->len; n++) {
        /* a field runs out (TRUNCATED), or a sized part, the 384-byte report body or the
         * signature_len bytes of signature, runs past the end (BAD_LENGTH) */
        int in_body = n >= UAT_HE_BODY_OFFSET && n < UAT_HE_SIG_LEN_OFFSET;
        int in_sig = n >= UAT_HE_SIG_OFFSET;
        uat_err want = in_body || in_sig ? UAT_ERR_PARSE_BAD_LENGTH : UAT_ERR_PARSE_TRUNCATED;
        assert_err(he_verify_at(f, f->dir, uat_span_of(f->quote, n), NULL), want);
        assert_check("hyperenclave.quote",
                     in_body ? "report_body" : in_sig ? "signature" : NULL);
    }
    /* and one byte too many */
    uint8_t *longer = calloc(1, f->len + 1);
    memcpy(longer, f->quote, f->len);
    assert_err(he_verify_at(f, f->dir, uat_span_of(longer, f->len + 1), NULL),
               UAT_ERR_PARSE_TRAILING_BYTES);
    free(longer);
}

/* Every byte from the report body to the end of the certificate is signed (the 48-byte sgx_quote_t
 * header is not: docs/hyperenclave.md): flipping any one of them is rejected. */
static void test_synthetic_every_signed_byte(void **state)
{
    he_fix *f = *state;
    build_with(f, (he_opts){0});
    for (size_t i = UAT_HE_BODY_OFFSET; i < f->len; i++) {
        if (i >= UAT_HE_SIG_LEN_OFFSET && i < UAT_HE_SIG_OFFSET) {
            continue; /* signature_len: a length, covered by the truncation test */
        }
        f->quote[i] ^= 0x01;
        uat_err rc = he_verify(f, NULL);
        if (rc == UAT_OK) {
            fail_msg("flipping byte %zu was accepted", i);
        }
        f->quote[i] ^= 0x01;
    }
    for (size_t i = UAT_HE_SIG_LEN_OFFSET; i < UAT_HE_SIG_OFFSET; i++) {
        f->quote[i] ^= 0x01;
        assert_true(he_verify(f, NULL) != UAT_OK);
        f->quote[i] ^= 0x01;
    }
    assert_ok(he_verify(f, NULL));
}

/* The corpus's CFCA OCA33 anchors load as the configured roots (jinzhao's expired local test root
 * is left out), and a synthetic chain is rejected under them. */
static void test_cfca_anchors_are_the_roots(void **state)
{
    he_fix *f = *state;
    uat_cert **a = NULL;
    size_t n = 0;
    assert_ok(uat_he_load_anchors(HE_CORPUS_TRUST, &a, &n));
    assert_int_equal(n, 2);
    int prod = 0, test = 0;
    for (size_t i = 0; i < n; i++) {
        prod |= strcmp(uat_cert_cn(a[i]), "CFCA ACS SM2 OCA33") == 0;
        test |= strcmp(uat_cert_cn(a[i]), "CFCA ACS TEST SM2 OCA33") == 0;
    }
    assert_true(prod && test);
    uat_he_anchors_free(a, n);
    build_with(f, (he_opts){0});
    assert_err(he_verify_at(f, HE_CORPUS_TRUST, uat_span_of(f->quote, f->len), NULL),
               UAT_ERR_VERIFY_CHAIN);
    assert_check("hyperenclave.platform_cert", "certificate");
}

static void test_no_anchor(void **state)
{
    he_fix *f = *state;
    build_with(f, (he_opts){0});
    assert_err(he_verify_at(f, "/nonexistent-uat-trust", uat_span_of(f->quote, f->len), NULL),
               UAT_ERR_USAGE_NO_TRUST_ANCHOR);
}

static void test_pcr_list_parse(void **state)
{
    (void)state;
    uat_buf b;
    uat_buf_init(&b, 4096);
    static const uint8_t not_utf8[] = {0x04, 0x02, 'A', 'A'};
    assert_err(uat_he_pcr_list_parse(uat_span_of(not_utf8, sizeof(not_utf8)), &b),
               UAT_ERR_PARSE_BAD_VALUE);
    static const uint8_t short_list[] = {0x0c, 0x04, 'A', 'A', 'A', 'A'}; /* 3 bytes */
    assert_err(uat_he_pcr_list_parse(uat_span_of(short_list, sizeof(short_list)), &b),
               UAT_ERR_PARSE_BAD_LENGTH);
    static const uint8_t bad_b64[] = {0x0c, 0x04, 'A', '!', 'A', 'A'};
    assert_true(uat_he_pcr_list_parse(uat_span_of(bad_b64, sizeof(bad_b64)), &b) != UAT_OK);
    uat_buf_free(&b);
}

/* ---- the valid case ---- */

static void test_synthetic_valid_quote(void **state)
{
    he_fix *f = *state;
    build_with(f, (he_opts){0});
    assert_true(uat_he_sniff(uat_span_of(f->quote, f->len)));
    assert_ptr_equal(uat_registry_sniff(uat_span_of(f->quote, f->len)), &uat_tee_hyperenclave);
    assert_ptr_equal(uat_registry_by_name("hyperenclave"), &uat_tee_hyperenclave);
    uat_claims *c = NULL;
    assert_ok(he_verify(f, &c));
    json_t *doc = uat_claims_doc(c);
    assert_string_equal(json_string_value(json_object_get(doc, "tee")), "hyperenclave");
    assert_string_equal(json_string_value(json_object_get(doc, "measurement")),
                        "101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f");
    assert_string_equal(json_string_value(json_object_get(doc, "signer")),
                        "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f");
    assert_int_equal(json_integer_value(json_object_get(doc, "product_id")), 7);
    assert_int_equal(json_integer_value(json_object_get(doc, "svn")), 2);
    assert_true(json_is_false(json_object_get(doc, "debug")));
    char rd[129];
    uat_hex_encode(f->report_data, 64, rd);
    assert_string_equal(json_string_value(json_object_get(doc, "report_data")), rd);
    json_t *p = json_object_get(doc, "platform");
    assert_int_equal(json_array_size(json_object_get(p, "pcr_list")), 2);
    assert_string_equal(json_string_value(json_object_get(p, "platform_cert_cn")),
                        "Synthetic HyperEnclave Platform");
    json_t *t = json_object_get(doc, "tee_claims");
    assert_non_null(json_object_get(t, "mr_enclave"));
    assert_non_null(json_object_get(t, "attributes"));
    assert_non_null(json_object_get(t, "platform_attest"));
    uat_claims_free(c);
    /* inspect parses without trust */
    json_t *fields = json_object();
    assert_ok(uat_he_inspect(uat_span_of(f->quote, f->len), fields));
    assert_int_equal(json_integer_value(json_object_get(fields, "cert_len")),
                     (json_int_t)(f->len - UAT_HE_CERT_OFFSET));
    json_decref(fields);
}

/* --explain through the public API: every check of the verifier is listed in order (the synthetic
 * quote: no public HyperEnclave quote exists); a failing one ends with the failing check. */
static json_t *he_explained(const he_fix *f, uat_err want)
{
    uat_verifier *v = NULL;
    assert_ok(uat_verifier_new(&v));
    assert_ok(uat_verifier_set_trust_dir(v, f->dir));
    uat_verifier_set_time(v, HE_T);
    uat_verifier_set_explain(v, 1);
    uat_claims *c = NULL;
    assert_err(uat_verify(v, f->quote, f->len, f->report_data, &c), want);
    json_t *doc = json_loads(uat_verifier_explanation(v), 0, NULL);
    assert_non_null(doc);
    uat_claims_free(c);
    uat_verifier_free(v);
    return doc;
}

static void test_synthetic_explain(void **state)
{
    he_fix *f = *state;
    build_with(f, (he_opts){0});
    json_t *doc = he_explained(f, UAT_OK);
    static const char *const want[] = {
        "hyperenclave.platform_cert", "hyperenclave.platform_sig", "hyperenclave.pcr13",
        "hyperenclave.pcr_list",      "hyperenclave.quote_binding", "hyperenclave.enclave_sig",
        "binding"};
    json_t *checks = json_object_get(doc, "checks");
    assert_int_equal(json_array_size(checks), sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        json_t *c = json_array_get(checks, i);
        assert_string_equal(json_string_value(json_object_get(c, "check")), want[i]);
        assert_string_equal(json_string_value(json_object_get(c, "result")), "pass");
    }
    assert_string_equal(json_string_value(json_object_get(doc, "result")), "pass");
    json_t *leaf = json_array_get(json_object_get(doc, "certificates"), 0);
    assert_string_equal(json_string_value(json_object_get(leaf, "role")), "leaf");
    json_decref(doc);

    build_with(f, (he_opts){.bad_pcr_digest = 1});
    doc = he_explained(f, UAT_ERR_VERIFY_MEASUREMENT);
    checks = json_object_get(doc, "checks");
    json_t *last = json_array_get(checks, json_array_size(checks) - 1);
    assert_string_equal(json_string_value(json_object_get(last, "check")), "hyperenclave.pcr_list");
    assert_string_equal(json_string_value(json_object_get(last, "result")), "fail");
    assert_non_null(json_string_value(json_object_get(last, "remedy")));
    assert_string_equal(json_string_value(json_object_get(json_array_get(checks, 2), "check")),
                        "hyperenclave.pcr13");
    assert_string_equal(json_string_value(json_object_get(doc, "result")), "fail");
    json_decref(doc);
}

static int setup(void **state)
{
    he_fix *f = calloc(1, sizeof(*f));
    he_fix_init(f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    he_fix *f = *state;
    he_fix_free(f);
    free(f);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_synthetic_wrong_root),
        cmocka_unit_test(test_synthetic_expired_cert),
        cmocka_unit_test(test_synthetic_wrong_pcr_digest),
        cmocka_unit_test(test_synthetic_wrong_pcr13),
        cmocka_unit_test(test_synthetic_no_pcr_extension),
        cmocka_unit_test(test_synthetic_tpm_quote_other_report),
        cmocka_unit_test(test_synthetic_wrong_report_data),
        cmocka_unit_test(test_synthetic_truncated_every_offset),
        cmocka_unit_test(test_synthetic_every_signed_byte),
        cmocka_unit_test(test_cfca_anchors_are_the_roots),
        cmocka_unit_test(test_no_anchor),
        cmocka_unit_test(test_pcr_list_parse),
        cmocka_unit_test(test_synthetic_valid_quote),
        cmocka_unit_test(test_synthetic_explain),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
