/* Unit tests for the RFC 8785 JSON canonicalization subset (src/core/jcs.c) the KBS binding
 * hashes (uattestd's /kbs/v0 and the agent's KBS client). Negative cases first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/jcs.h"

static uat_err canon(const char *json, uat_buf *out)
{
    json_t *v = json_loads(json, JSON_DECODE_ANY, NULL);
    assert_non_null(v);
    uat_buf_init(out, 4096);
    uat_err rc = uat_jcs(v, out);
    json_decref(v);
    return rc;
}

static void expect_text(const char *json, const char *want)
{
    uat_buf b;
    assert_int_equal(canon(json, &b), UAT_OK);
    assert_int_equal(b.len, strlen(want));
    assert_memory_equal(b.p, want, b.len);
    uat_buf_free(&b);
}

static void test_rejects(void **state)
{
    (void)state;
    uat_buf b;
    /* numbers, arrays, booleans and null are not part of runtime data */
    static const char *const bad[] = {"{\"a\":1}", "{\"a\":[\"x\"]}", "{\"a\":true}",
                                      "{\"a\":null}", "1.5"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(canon(bad[i], &b), UAT_ERR_PARSE_BAD_VALUE);
        uat_buf_free(&b);
    }
    char deep[256] = "";
    for (int i = 0; i < UAT_JCS_MAX_DEPTH + 1; i++) {
        strcat(deep, "{\"a\":");
    }
    strcat(deep, "\"x\"");
    for (int i = 0; i < UAT_JCS_MAX_DEPTH + 1; i++) {
        strcat(deep, "}");
    }
    assert_int_equal(canon(deep, &b), UAT_ERR_PARSE_TOO_DEEP);
    uat_buf_free(&b);
    /* the output buffer's cap holds */
    json_t *v = json_pack("{s:s}", "k", "a long enough value");
    uat_buf_init(&b, 8);
    assert_int_equal(uat_jcs(v, &b), UAT_ERR_RESOURCE_LIMIT);
    uat_buf_free(&b);
    json_decref(v);
}

static void test_canonical(void **state)
{
    (void)state;
    /* spec: RFC 8785 §3.2.3: members sorted, nested objects too, no whitespace */
    expect_text("{ \"b\" : \"1\", \"a\" : \"test\", \"c\" : { \"e\": \"f\", \"d\": \"e\" } }",
                "{\"a\":\"test\",\"b\":\"1\",\"c\":{\"d\":\"e\",\"e\":\"f\"}}");
    /* spec: RFC 8785 §3.2.2.2: '"' and '\\' escaped, control characters as \b \f \n \r \t or
     * \u00xx (lower-case hex), '/' and non-ASCII as they are */
    expect_text("{\"k\":\"q\\\" b\\\\ s/ \\n\\t\\u0001\\u001f \\u00e9\"}",
                "{\"k\":\"q\\\" b\\\\ s/ \\n\\t\\u0001\\u001f \xc3\xa9\"}");
    expect_text("{}", "{}");
    /* the KBS runtime data shape */
    expect_text("{\"tee-pubkey\":{\"y\":\"Y\",\"x\":\"X\",\"kty\":\"EC\",\"crv\":\"P-256\"},"
                "\"nonce\":\"n+/=\",\"additional-evidence\":\"\"}",
                "{\"additional-evidence\":\"\",\"nonce\":\"n+/=\",\"tee-pubkey\":{\"crv\":"
                "\"P-256\",\"kty\":\"EC\",\"x\":\"X\",\"y\":\"Y\"}}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_canonical),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
