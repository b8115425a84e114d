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
    expect_err("{\"str_report_type\":\"Passport\",\"str_tee_platform\":\"TDX\",\"json_report\":\"" QUOTE
               "\",\"json_nested_reports\":\"{}\"}",
               UAT_ERR_UNSUPPORTED_FEATURE);
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

static void test_auth_key(void **state)
{
    (void)state;
    const char *pem = "-----BEGIN RSA PUBLIC KEY-----\nMIIB\n-----END RSA PUBLIC KEY-----\n";
    char doc[1024], rd[129];
    snprintf(doc, sizeof(doc),
             "{\"report\":" REPORT("SGX_DCAP", "Passport", QUOTE) ",\"pem_public_key\":\"%s\"}",
             "-----BEGIN RSA PUBLIC KEY-----\\nMIIB\\n-----END RSA PUBLIC KEY-----\\n");
    uat_span in = uat_span_of((const uint8_t *)doc, strlen(doc));
    uint8_t report_data[64] = {0x41};
    uat_span part = uat_span_of((const uint8_t *)pem, strlen(pem));
    assert_ok(uat_hash(UAT_HASH_SHA256, &part, 1, report_data + 32));
    uat_hex_encode(report_data, 64, rd);
    assert_ok(uat_jinzhao_check_key(in, "sgx", rd)); /* bound */
    rd[127] = rd[127] == '0' ? '1' : '0';
    assert_err(uat_jinzhao_check_key(in, "sgx", rd), UAT_ERR_VERIFY_BINDING); /* another key */
    assert_err(uat_jinzhao_check_key(in, "sgx", "00"), UAT_ERR_VERIFY_BINDING);
    assert_err(uat_jinzhao_check_key(in, "tdx", rd), UAT_ERR_VERIFY_BINDING); /* other TEE */
    snprintf(doc, sizeof(doc),
             "{\"report\":" REPORT("Kunpeng", "Passport", QUOTE) ",\"pem_public_key\":\"k\"}");
    in = uat_span_of((const uint8_t *)doc, strlen(doc));
    assert_err(uat_jinzhao_check_key(in, "itrustee", rd), UAT_ERR_VERIFY_BINDING);
    snprintf(doc, sizeof(doc), "{\"report\":" REPORT("Kunpeng", "Passport", QUOTE) "}");
    in = uat_span_of((const uint8_t *)doc, strlen(doc));
    assert_ok(uat_jinzhao_check_key(in, "itrustee", rd)); /* no key claimed */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_platforms),
        cmocka_unit_test(test_sniff_and_resolve),
        cmocka_unit_test(test_auth_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
