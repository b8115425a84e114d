/* uat_json_write writes what jansson's JSON_COMPACT writes (insertion order), faster. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "evidence/claims_int.h"

static void same_as_jansson(const char *text)
{
    json_error_t err;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &err);
    assert_non_null(j);
    char *want = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    assert_non_null(want);
    uat_buf b;
    uat_buf_init(&b, 1 << 20);
    assert_int_equal(uat_json_write(j, &b), UAT_OK);
    assert_int_equal(uat_buf_terminate(&b), UAT_OK);
    assert_string_equal((const char *)b.p, want);
    uat_buf_free(&b);
    free(want);
    json_decref(j);
}

static void test_documents(void **state)
{
    (void)state;
    same_as_jansson("{\"b\":1,\"a\":[true,false,null,-7,\"x\"],\"c\":{}}");
    same_as_jansson("{\"esc\":\"quote\\\" back\\\\ nl\\n tab\\t cr\\r bs\\b ff\\f \\u0001 \\u001f\"}");
    same_as_jansson("{\"utf8\":\"h\\u00e9llo \\u4e16\\u754c \\ud83d\\ude00\",\"\\u00e9key\":[]}");
    same_as_jansson("[[[[[]]]],{\"deep\":{\"er\":{\"est\":1}}}]");
    same_as_jansson("{\"big\":9223372036854775807,\"small\":-9223372036854775808,\"zero\":0}");
    same_as_jansson("\"just a string\"");
}

static void test_depth_and_cap(void **state)
{
    (void)state;
    json_t *root = json_array(), *cur = root;
    for (int i = 0; i < 100; i++) {
        json_t *next = json_array();
        json_array_append_new(cur, next);
        cur = next;
    }
    uat_buf b;
    uat_buf_init(&b, 1 << 20);
    assert_int_equal(uat_json_write(root, &b), UAT_ERR_PARSE_TOO_DEEP);
    uat_buf_free(&b);
    json_decref(root);
    json_t *s = json_string("0123456789");
    uat_buf_init(&b, 5);
    assert_int_equal(uat_json_write(s, &b), UAT_ERR_RESOURCE_LIMIT);
    uat_buf_free(&b);
    json_decref(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_documents),
        cmocka_unit_test(test_depth_and_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
