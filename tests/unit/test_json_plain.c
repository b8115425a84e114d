/* uat_json_load_plain builds what json_loadb builds (members in the order received) for plain
 * text, and declines (NULL) everything else, so jansson parses it; uat_json_text_lacks answers 0
 * whenever a parse could find the member. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/file.h"
#include "core/limits.h"
#include "evidence/claims_int.h"

static uat_span sp(const char *s)
{
    return uat_span_of((const uint8_t *)s, strlen(s));
}

static void same_as_jansson(uat_span text)
{
    json_t *want = json_loadb((const char *)text.p, text.len, JSON_REJECT_DUPLICATES, NULL);
    json_t *got = uat_json_load_plain(text);
    assert_non_null(want);
    assert_non_null(got);
    char *a = json_dumps(want, JSON_COMPACT | JSON_PRESERVE_ORDER);
    char *b = json_dumps(got, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_string_equal(a, b);
    assert_true(json_equal(want, got));
    free(a);
    free(b);
    json_decref(want);
    json_decref(got);
}

static void test_plain(void **state)
{
    (void)state;
    same_as_jansson(sp("{}"));
    same_as_jansson(sp(" \t\r\n{ \"b\" : \"1\" , \"a\":{\"z\":\"\",\"y\":{}},\"\":\"~ /!\"}\n"));
    same_as_jansson(sp("{\"a\":{\"b\":{\"c\":{\"d\":\"e\"}}},\"x\":\"y\"}"));
}

static void test_declined(void **state)
{
    (void)state;
    static const char *const other[] = {
        "", " ", "[]", "\"s\"", "{", "{\"a\"}", "{\"a\":}", "{\"a\":\"b\",}", "{\"a\":\"b\"}x",
        "{\"a\":\"b\"}{}", "{\"a\":1}", "{\"a\":true}", "{\"a\":null}", "{\"a\":[]}",
        "{\"a\":\"\\n\"}", "{\"\\u0061\":\"b\"}", "{\"a\":\"b\",\"a\":\"c\"}", "{\"a\":\"\xc3\xa9\"}",
        "{\"a\":\"\t\"}", "{'a':\"b\"}", "{\"a\" \"b\"}", "{\"a\":\"b\" \"c\":\"d\"}",
        "{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{"
        "\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{"
        "\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}",
    };
    for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
        assert_null(uat_json_load_plain(sp(other[i])));
    }
    static const char nul[] = "{\"a\":\"b\0\"}";
    assert_null(uat_json_load_plain(uat_span_of((const uint8_t *)nul, sizeof(nul) - 1)));
    assert_null(uat_json_load_plain(uat_span_of(NULL, 0)));
}

/* the iTrustee JSON report of the corpus: the shape the fast path is for */
static void test_itrustee_report(void **state)
{
    (void)state;
    uat_buf b;
    uat_buf_init(&b, UAT_MAX_FILE_BYTES);
    assert_int_equal(uat_file_read(UAT_CORPUS_DIR "/huawei-itrustee/j1-kunpengsecl-json-qta-e08f7eca/"
                                                  "report.json",
                                   UAT_MAX_FILE_BYTES, &b),
                     UAT_OK);
    same_as_jansson(uat_buf_span(&b));
    uat_buf_free(&b);
}

static void test_lacks(void **state)
{
    (void)state;
    assert_true(uat_json_text_lacks(sp("{\"report_sign\":\"report-output\"}"), "report"));
    assert_false(uat_json_text_lacks(sp("{\"x\":{\"report\":1}}"), "report"));
    assert_false(uat_json_text_lacks(sp("{\"rep\\u006frt\":1}"), "report"));
    assert_false(uat_json_text_lacks(sp("{\"a\":\"\\\\u\"}"), "report")); /* may: parse */
    assert_true(uat_json_text_lacks(sp("{\"a\":\"\\n\"}"), "report"));
    assert_true(uat_json_text_lacks(sp("\"report"), "report"));
    assert_false(uat_json_text_lacks(sp("\"report\""), "report"));
    assert_true(uat_json_text_lacks(sp("x\\"), "report"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_declined),
        cmocka_unit_test(test_itrustee_report),
        cmocka_unit_test(test_lacks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
