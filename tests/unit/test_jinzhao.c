/* jinzhao-attest report JSON (src/evidence/jinzhao_parse.c): negative cases first (unknown members,
 * wrong nesting, bad base64, values jinzhao does not define, payloads not accepted yet), then the
 * platform -> registry TEE table, the resolve layer's detection, and the AuthReport key check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/codec.h"
#include "crypto/crypto.h"
#include "evidence/jinzhao.h"
#include "evidence/resolve.h"
#include "uattest/jinzhao.h"
#include "uat_assert.h"

/* "AQIDBA==" = 01 02 03 04 */
#define REPORT(platform, type, payload)                                                            \
    "{\"str_report_version\":\"1.0\",\"str_report_type\":\"" type "\",\"str_tee_platform\":\""    \
    platform "\",\"json_report\":\"" payload "\"}"
#define QUOTE "{\\\"b64_quote\\\":\\\"AQIDBA==\\\"}"

static uat_err unwrap(const char *text, const uat_tee_ops **ops, uat_buf *inner)
{
    return uat_jinzhao_unwrap(uat_span_of((const uint8_t *)text, strlen(text)), ops, inner);
}

static void expect_err(const char *text, uat_err want)
{
    const uat_tee_ops *ops = NULL;
    uat_buf b;
    uat_buf_init(&b, 1 << 20);
    assert_err(unwrap(text, &ops, &b), want);
    assert_null(ops);
    uat_buf_free(&b);
}

static void test_malformed(void **state)
{
    (void)state;
    expect_err("", UAT_ERR_PARSE_BAD_JSON);
    expect_err("[1]", UAT_ERR_PARSE_BAD_JSON);
    /* unknown members at each level */
    expect_err("{\"str_report_type\":\"Passport\",\"str_tee_platform\":\"SGX_DCAP\",\"json_report\":"
               "\"" QUOTE "\",\"extra\":1}",
               UAT_ERR_PARSE_BAD_JSON);
    expect_err(REPORT("SGX_DCAP", "Passport", "{\\\"b64_quote\\\":\\\"AQIDBA==\\\",\\\"x\\\":1}"),
               UAT_ERR_PARSE_BAD_JSON);
    expect_err("{\"report\":" REPORT("TDX", "Passport", QUOTE) ",\"pem_public_key\":\"\",\"y\":1}",
               UAT_ERR_PARSE_BAD_JSON);
    /* wrong nesting: json_report an object, report a string, collateral not JSON text */
    expect_err("{\"str_report_type\":\"Passport\",\"str_tee_platform\":\"TDX\",\"json_report\":"
               "{\"b64_quote\":\"AQIDBA==\"}}",
               UAT_ERR_PARSE_BAD_JSON);
    expect_err("{\"report\":\"{}\",\"pem_public_key\":\"\"}", UAT_ERR_PARSE_BAD_JSON);
    expect_err(REPORT("SGX_DCAP", "Passport",
                      "{\\\"b64_quote\\\":\\\"AQIDBA==\\\",\\\"json_collateral\\\":\\\"[]\\\"}"),
               UAT_ERR_PARSE_BAD_JSON);
    expect_err(REPORT("Kunpeng", "Passport",
                      "{\\\"b64_quote\\\":\\\"AQIDBA==\\\",\\\"int64_version\\\":\\\"2x\\\"}"),
               UAT_ERR_PARSE_BAD_JSON);
    expect_err(REPORT("TDX", "Passport", "{}"), UAT_ERR_PARSE_BAD_JSON);
    /* base64: unpadded, URL alphabet, junk, empty */
    expect_err(REPORT("TDX", "Passport", "{\\\"b64_quote\\\":\\\"AQIDBA\\\"}"),
               UAT_ERR_PARSE_BAD_ENCODING);
    expect_err(REPORT("TDX", "Passport", "{\\\"b64_quote\\\":\\\"-_-_\\\"}"),
               UAT_ERR_PARSE_BAD_ENCODING);
    expect_err(REPORT("TDX", "Passport", "{\\\"b64_quote\\\":\\\"@@@@\\\"}"),
               UAT_ERR_PARSE_BAD_ENCODING);
    expect_err(REPORT("TDX", "Passport", "{\\\"b64_quote\\\":\\\"\\\"}"), UAT_ERR_PARSE_TRUNCATED);
    /* values */
    expect_err(REPORT("TDX", "Bogus", QUOTE), UAT_ERR_PARSE_BAD_VALUE);
    expect_err("{\"str_report_version\":\"1.1\",\"str_report_type\":\"Passport\","
               "\"str_tee_platform\":\"TDX\",\"json_report\":\"" QUOTE "\"}",
               UAT_ERR_PARSE_BAD_VALUE);
    expect_err(REPORT("SNP", "Passport", QUOTE), UAT_ERR_UNSUPPORTED_TEE);
    /* not accepted yet */
    expect_err(REPORT("TDX", "Uas", QUOTE), UAT_ERR_UNSUPPORTED_FEATURE);
    /* a bare EPID quote: only IAS (retired) could verify it */
    expect_err(REPORT("SGX_EPID", "BackgroundCheck", QUOTE), UAT_ERR_UNSUPPORTED_FEATURE);
    /* CSV: the chip ID is required, the report is a 4096-byte page */
    expect_err(REPORT("CSV", "Passport", QUOTE), UAT_ERR_PARSE_BAD_JSON);
    expect_err(REPORT("CSV", "Passport",
                      "{\\\"b64_quote\\\":\\\"AQIDBA==\\\",\\\"str_chip_id\\\":\\\"K1\\\"}"),
               UAT_ERR_PARSE_BAD_LENGTH);
    /* SGX_EPID Passport: json_report is base64 of the IasReport JSON, or that JSON */
    expect_err(REPORT("SGX_EPID", "Passport", "@@"), UAT_ERR_PARSE_BAD_ENCODING);
    expect_err(REPORT("SGX_EPID", "Passport", "AQIDBA=="), UAT_ERR_PARSE_BAD_JSON);
    expect_err(REPORT("SGX_EPID", "Passport", QUOTE), UAT_ERR_PARSE_BAD_JSON);
}

static void expect_tee(const char *text, const char *tee)
{
    const uat_tee_ops *ops = NULL;
    uat_buf b;
    uat_buf_init(&b, 1 << 20);
    assert_ok(unwrap(text, &ops, &b));
    assert_non_null(ops);
    assert_string_equal(ops->name, tee);
    assert_int_equal(b.len, 4);
    assert_memory_equal(b.p, "\x01\x02\x03\x04", 4);
    uat_buf_free(&b);
}

static void test_platforms(void **state)
{
    (void)state;
    expect_tee(REPORT("SGX_DCAP", "BackgroundCheck", QUOTE), "sgx");
    expect_tee(REPORT("TDX", "Passport",
                      "{\\\"b64_quote\\\":\\\"AQIDBA==\\\",\\\"json_collateral\\\":\\\"{}\\\"}"),
               "tdx");
    expect_tee(REPORT("HyperEnclave", "Passport", QUOTE), "hyperenclave");
    expect_tee(REPORT("Kunpeng", "BackgroundCheck",
                      "{\\\"b64_quote\\\":\\\"AQIDBA==\\\",\\\"int64_version\\\":2}"),
               "itrustee");
    expect_tee("{\"report\":" REPORT("TDX", "Passport", QUOTE) ",\"pem_public_key\":\"k\"}", "tdx");
    expect_tee("{\"report\":" REPORT("TDX", "Passport", QUOTE) "}", "tdx");
}

static void test_sniff_and_resolve(void **state)
{
    (void)state;
    const char *r = REPORT("HyperEnclave", "Passport", QUOTE);
    assert_true(uat_jinzhao_sniff(uat_span_of((const uint8_t *)r, strlen(r))));
    const char *not[] = {"{\"report\":1}", "[\"a\",\"b\"]", "{}", "{\"str_tee_platformx\":1}"};
    for (size_t i = 0; i < sizeof(not) / sizeof(not[0]); i++) {
        assert_false(uat_jinzhao_sniff(uat_span_of((const uint8_t *)not[i], strlen(not[i]))));
    }
    /* the resolve layer turns a report into a CMW record of the platform TEE's media type */
    uat_cmw *c = NULL;
    assert_ok(uat_resolve_input((const uint8_t *)r, strlen(r), &c));
    const uat_tee_ops *ops = NULL;
    uat_span v;
    assert_ok(uat_resolve_record(c, &ops, &v));
    assert_string_equal(ops->name, "hyperenclave");
    assert_int_equal(v.len, 4);
    uat_cmw_free(c);
    const char *bad = REPORT("HyperEnclave", "Passport", "{\\\"b64_quote\\\":\\\"!\\\"}");
    assert_err(uat_resolve_input((const uint8_t *)bad, strlen(bad), &c), UAT_ERR_PARSE_BAD_ENCODING);
}

/* uat_jinzhao_check_binding on claims of tee with report_data rd (hex) */
static uat_err check(const char *doc, const char *tee, const char *rd, uat_claims **keep)
{
    uat_claims *c = NULL;
    assert_ok(uat_claims_new(tee, &c));
    assert_int_equal(json_object_set_new(uat_claims_doc(c), "report_data", json_string(rd)), 0);
    uat_err rc = uat_jinzhao_check_binding(uat_span_of((const uint8_t *)doc, strlen(doc)), c);
    if (keep != NULL) {
        *keep = c;
    } else {
        uat_claims_free(c);
    }
    return rc;
}

static void test_auth_key(void **state)
{
    (void)state;
    const char *pem = "-----BEGIN RSA PUBLIC KEY-----\nMIIB\n-----END RSA PUBLIC KEY-----\n";
    char doc[1024], rd[129];
    snprintf(doc, sizeof(doc),
             "{\"report\":" REPORT("SGX_DCAP", "Passport", QUOTE) ",\"pem_public_key\":\"%s\"}",
             "-----BEGIN RSA PUBLIC KEY-----\\nMIIB\\n-----END RSA PUBLIC KEY-----\\n");
    uint8_t report_data[64] = {0x41};
    uat_span part = uat_span_of((const uint8_t *)pem, strlen(pem));
    assert_ok(uat_hash(UAT_HASH_SHA256, &part, 1, report_data + 32));
    uat_hex_encode(report_data, 64, rd);
    assert_ok(check(doc, "sgx", rd, NULL)); /* bound */
    rd[127] = rd[127] == '0' ? '1' : '0';
    assert_err(check(doc, "sgx", rd, NULL), UAT_ERR_VERIFY_BINDING); /* another key */
    assert_err(check(doc, "sgx", "00", NULL), UAT_ERR_VERIFY_BINDING);
    assert_err(check(doc, "tdx", rd, NULL), UAT_ERR_VERIFY_BINDING); /* other TEE */
    snprintf(doc, sizeof(doc),
             "{\"report\":" REPORT("Kunpeng", "Passport", QUOTE) ",\"pem_public_key\":\"k\"}");
    assert_err(check(doc, "itrustee", rd, NULL), UAT_ERR_VERIFY_BINDING);
    snprintf(doc, sizeof(doc), "{\"report\":" REPORT("Kunpeng", "Passport", QUOTE) "}");
    assert_ok(check(doc, "itrustee", rd, NULL)); /* no key claimed */
}

/* A jinzhao AuthReport (TDX) whose nested results are signed by key, as JSON text in *out; its
 * pem_public_key is key's PKCS#1 PEM (jinzhao's UAK form), whose SHA-256 goes to rd[32,64). */
#define NESTED_RESULTS                                                                             \
    "{\"str_group_name\":\"g\",\"str_group_id\":\"1\",\"results\":[{\"result\":{"                  \
    "\"str_tee_platform\":\"SGX_DCAP\",\"hex_ta_measurement\":\"AB\"}},{\"result\":{"             \
    "\"str_tee_platform\":\"TDX\",\"str_tee_name\":\"n2\"}}]}"
static char *nested_doc(uat_key *key, const char *results, int tamper, char rd[129])
{
    uat_buf der, b64, pem, sig;
    uat_buf_init(&der, 1 << 16);
    uat_buf_init(&b64, 1 << 16);
    uat_buf_init(&pem, 1 << 16);
    uat_buf_init(&sig, 1 << 16);
    assert_ok(uat_key_rsa_pkcs1(key, &der));
    assert_ok(uat_b64_encode(der.p, der.len, UAT_B64_STD, &b64));
    assert_ok(uat_buf_append_str(&pem, "-----BEGIN RSA PUBLIC KEY-----\n"));
    for (size_t i = 0; i < b64.len; i += 64) {
        assert_ok(uat_buf_append(&pem, b64.p + i, b64.len - i < 64 ? b64.len - i : 64));
        assert_ok(uat_buf_append_str(&pem, "\n"));
    }
    assert_ok(uat_buf_append_str(&pem, "-----END RSA PUBLIC KEY-----\n"));
    uint8_t report_data[64] = {0};
    uat_span part = uat_buf_span(&pem);
    assert_ok(uat_hash(UAT_HASH_SHA256, &part, 1, report_data + 32));
    uat_hex_encode(report_data, 64, rd);
    assert_ok(uat_sig_sign(key, UAT_SIG_RS256, uat_span_of(results, strlen(results)), &sig));
    uat_buf_free(&b64);
    uat_buf_init(&b64, 1 << 16);
    assert_ok(uat_b64_encode(sig.p, sig.len, UAT_B64_STD, &b64));
    json_t *nested = json_pack("{s:s,s:s%}", "json_nested_results",
                               tamper ? "{\"str_group_name\":\"h\"}" : results,
                               "b64_nested_signature", (const char *)b64.p, b64.len);
    char *nested_text = json_dumps(nested, JSON_COMPACT);
    json_t *doc = json_pack("{s:{s:s,s:s,s:s,s:s,s:s},s:s%}", "report", "str_report_version",
                            "1.0", "str_report_type", "Passport", "str_tee_platform", "TDX",
                            "json_report", "{\"b64_quote\":\"AQIDBA==\"}", "json_nested_reports",
                            nested_text, "pem_public_key", (const char *)pem.p, pem.len);
    char *out = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    json_decref(nested);
    free(nested_text);
    uat_buf_free(&der);
    uat_buf_free(&b64);
    uat_buf_free(&pem);
    uat_buf_free(&sig);
    return out;
}

static void test_nested(void **state)
{
    (void)state;
    /* malformed nested reports: named errors from the reader */
    const char *shapes[][2] = {
        {"{\\\"json_nested_results\\\":\\\"{}\\\"}", "json"},                      /* no sig */
        {"{\\\"b64_nested_signature\\\":\\\"AA==\\\"}", "json"},                    /* no results */
        {"{\\\"json_nested_results\\\":\\\"{\\\\\\\"results\\\\\\\":{}}\\\",\\\"b64_nested_signature\\\":\\\"AA==\\\"}",
         "json"}, /* results not an array */
        {"{\\\"json_nested_results\\\":\\\"{\\\\\\\"results\\\\\\\":[{\\\\\\\"result\\\\\\\":{\\\\\\\"hex_x\\\\\\\":\\\\\\\"1\\\\\\\"}}]}\\\",\\\"b64_nested_signature\\\":\\\"AA==\\\"}",
         "json"}, /* an attribute jinzhao does not define */
        {"{\\\"json_nested_results\\\":\\\"{\\\\\\\"results\\\\\\\":[1]}\\\",\\\"b64_nested_signature\\\":\\\"AA==\\\"}",
         "json"}, /* a result not an object */
        {"{\\\"json_nested_results\\\":{},\\\"b64_nested_signature\\\":\\\"AA==\\\"}", "json"},
        {"{\\\"json_nested_results\\\":\\\"{}\\\",\\\"b64_nested_signature\\\":\\\"A\\\"}", "enc"},
        {"[]", "json"},
    };
    for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
        char doc[2048];
        snprintf(doc, sizeof(doc),
                 "{\"str_report_type\":\"Passport\",\"str_tee_platform\":\"TDX\",\"json_report\":"
                 "\"" QUOTE "\",\"json_nested_reports\":\"%s\"}",
                 shapes[i][0]);
        expect_err(doc, strcmp(shapes[i][1], "enc") == 0 ? UAT_ERR_PARSE_BAD_ENCODING
                                                         : UAT_ERR_PARSE_BAD_JSON);
    }
    /* signed by the AuthReport's bound key: verified, exposed as the jinzhao_nested claim */
    uat_key *key = NULL, *other = NULL;
    assert_ok(uat_key_generate(UAT_KEY_RSA, &key));
    assert_ok(uat_key_generate(UAT_KEY_RSA, &other));
    char rd[129], rd2[129];
    char *good = nested_doc(key, NESTED_RESULTS, 0, rd);
    expect_tee(good, "tdx"); /* the reader takes it */
    uat_claims *c = NULL;
    assert_ok(check(good, "tdx", rd, &c));
    const json_t *n = json_object_get(uat_claims_doc(c), "jinzhao_nested");
    assert_string_equal(json_string_value(json_object_get(n, "str_group_name")), "g");
    assert_int_equal(json_array_size(json_object_get(n, "results")), 2);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_array_get(json_object_get(n, "results"), 1),
                                            "result"),
                            "str_tee_name")),
                        "n2");
    /* jinzhao's nested policy step: counts, group, result i against policy i (positional) */
    const char *main_ok = "{\"main_attributes\":[{\"str_tee_platform\":\"TDX\"}]";
    const char *pols[][2] = {
        {",\"nested_policies\":{\"str_group_name\":\"g\",\"policies\":[{\"sub_attributes\":[{"
         "\"hex_ta_measurement\":\"ab\"}]},{\"sub_attributes\":[{\"str_tee_name\":\"x\"},{"
         "\"str_tee_name\":\"n2\"}]}]}}",
         "ok"},
        {"}", "policy"}, /* two results, no nested policy */
        {",\"nested_policies\":{\"policies\":[{\"sub_attributes\":[{}]}]}}", "policy"},
        {",\"nested_policies\":{\"str_group_name\":\"h\",\"policies\":[{\"sub_attributes\":[{}]},{"
         "\"sub_attributes\":[{}]}]}}",
         "policy"},
        {",\"nested_policies\":{\"policies\":[{\"sub_attributes\":[{\"str_tee_name\":\"n2\"}]},{"
         "\"sub_attributes\":[{\"hex_ta_measurement\":\"ab\"}]}]}}",
         "policy"}, /* the right entries in the wrong positions */
        {",\"nested_policies\":{\"policies\":[{\"sub_attributes\":[{}]},{\"sub_attributes\":[]}]}}",
         "policy"}, /* an empty policy: RULE_ENTRY_EMPTY */
        {",\"nested_policies\":{\"policies\":[{\"subattributes\":[]}]}}", "json"},
        {",\"nested_policies\":{\"policies\":{}}}", "json"},
    };
    for (size_t i = 0; i < sizeof(pols) / sizeof(pols[0]); i++) {
        char policy[1024];
        snprintf(policy, sizeof(policy), "%s%s", main_ok, pols[i][0]);
        uat_err rc = uat_jinzhao_policy_check(c, policy, strlen(policy));
        if (strcmp(pols[i][1], "ok") == 0) {
            assert_ok(rc);
        } else {
            assert_err(rc, strcmp(pols[i][1], "json") == 0 ? UAT_ERR_PARSE_BAD_JSON
                                                           : UAT_ERR_VERIFY_POLICY);
        }
    }
    uat_claims_free(c);
    /* results changed after signing */
    char *tampered = nested_doc(key, NESTED_RESULTS, 1, rd);
    assert_err(check(tampered, "tdx", rd, NULL), UAT_ERR_VERIFY_SIGNATURE);
    /* signed by another key than the bound one: the report binds `other`'s PEM, the signature
     * is key's: still VERIFY_SIGNATURE (the key check passes, the signature does not) */
    char *mixed = nested_doc(other, NESTED_RESULTS, 0, rd2);
    char *sig_key = nested_doc(key, NESTED_RESULTS, 0, rd);
    json_t *m = json_loads(mixed, 0, NULL), *k = json_loads(sig_key, 0, NULL);
    json_object_set(json_object_get(m, "report"), "json_nested_reports",
                    json_object_get(json_object_get(k, "report"), "json_nested_reports"));
    char *swapped = json_dumps(m, JSON_COMPACT);
    assert_err(check(swapped, "tdx", rd2, NULL), UAT_ERR_VERIFY_SIGNATURE);
    /* the key is not bound by the evidence: the binding fails first */
    assert_err(check(good, "tdx", rd2, NULL), UAT_ERR_VERIFY_BINDING);
    /* a bare report has no key to check nested results with */
    json_t *g = json_loads(good, 0, NULL);
    char *bare = json_dumps(json_object_get(g, "report"), JSON_COMPACT);
    assert_err(check(bare, "tdx", rd, NULL), UAT_ERR_VERIFY_BINDING);
    json_decref(g);
    json_decref(m);
    json_decref(k);
    free(bare);
    free(swapped);
    free(mixed);
    free(sig_key);
    free(tampered);
    free(good);
    uat_key_free(key);
    uat_key_free(other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_platforms),
        cmocka_unit_test(test_sniff_and_resolve),
        cmocka_unit_test(test_auth_key),
        cmocka_unit_test(test_nested),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
