/* Unit tests for the error table and the last-error detail (include/uattest/err.h, src/core/err.c).
 *
 * The table is expanded here a second time from the same X-macro, so every row is checked
 * against what the library's generated functions answer: name round trip, category in the high
 * byte, CLI exit code (category + 1), HTTP status, one-sentence message. Then the recording side:
 * UAT_FAIL / UAT_FAILF / UAT_ENSURE record check, field, offset and file:line, uat_error_format
 * renders them (and truncates safely), uat_error_clear resets, and the detail is per thread.
 * Negative cases first.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/check.h"

#include "uat_assert.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct row {
    uat_err err;
    const char *name;
    enum uat_err_category cat;
    const char *cat_name;
    int num;
    int http;
    const char *message;
};

#define ROW(name, cat, num, http, msg, remedy) {UAT_ERR_##name, #name, UAT_CAT_##cat, #cat, num, http, msg},
static const struct row rows[] = {UAT_ERR_TABLE(ROW)};
#undef ROW

/* A value no row has; through a function so no compiler warns about the out-of-range enum. */
static uat_err as_err(int v)
{
    return (uat_err)v;
}

static void assert_ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s);
    size_t k = strlen(suffix);
    if (n < k || strcmp(s + n - k, suffix) != 0) {
        fail_msg("\"%s\" does not end with \"%s\"", s, suffix);
    }
}

/* ---- the table ------------------------------------------------------------------------------ */

static void test_from_name_unknown(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",         "NOPE",          "parse_truncated", "PARSE_TRUNCATED ", " PARSE_TRUNCATED",
        "PARSE",    "UAT_ERR_OK",    "UNKNOWN",         "PARSE_TRUNCATE",   "PARSE_TRUNCATEDX",
        "VERIFY_*", "Verify_Nonce",
    };
    for (size_t i = 0; i < NELEM(bad); i++) {
        assert_err(uat_err_from_name(bad[i]), UAT_ERR_INTERNAL);
    }
    assert_err(uat_err_from_name(NULL), UAT_ERR_INTERNAL);
}

/* Values outside the table are never mistaken for a row, and fail closed as INTERNAL. */
static void test_unknown_value(void **state)
{
    (void)state;
    static const int bad[] = {0x0001, 0x01ff, 0x0200, 0x02ff, 0x0a01, 0xff01, 0x10201, -1};
    for (size_t i = 0; i < NELEM(bad); i++) {
        uat_err e = as_err(bad[i]);
        assert_string_equal(uat_err_name(e), "UNKNOWN");
        assert_true(strlen(uat_err_message(e)) > 0);
        assert_int_equal(uat_err_http_status(e), 500);
        assert_int_equal(uat_err_category(e), UAT_CAT_INTERNAL);
        assert_int_equal(uat_err_exit_code(e), UAT_CAT_INTERNAL + 1);
    }
    assert_string_equal(uat_err_category_name((enum uat_err_category)10), "INTERNAL");
    assert_string_equal(uat_err_category_name((enum uat_err_category)255), "INTERNAL");
    assert_string_equal(uat_err_category_name((enum uat_err_category)-1), "INTERNAL");
}

static void test_names_round_trip(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(rows); i++) {
        assert_string_equal(uat_err_name(rows[i].err), rows[i].name);
        assert_err(uat_err_from_name(rows[i].name), rows[i].err);
        assert_int_equal(uat_err_from_name(rows[i].name), rows[i].err);
        /* every name starts with its category ("PARSE_..."), or is the category itself */
        size_t k = strlen(rows[i].cat_name);
        assert_int_equal(strncmp(rows[i].name, rows[i].cat_name, k), 0);
        assert_true(rows[i].name[k] == '\0' || rows[i].name[k] == '_');
    }
}

/* Category in the high byte, numbers 1.. within a category, no duplicates, ABI values pinned. */
static void test_values_and_layout(void **state)
{
    (void)state;
    int next[UAT_CAT_INTERNAL + 1] = {0};
    for (size_t i = 0; i < NELEM(rows); i++) {
        assert_int_equal(rows[i].err, ((int)rows[i].cat << UAT_CAT_SHIFT) | rows[i].num);
        assert_in_range((int)rows[i].err, 0, 0xffff);
        assert_true(rows[i].num >= 0 && rows[i].num <= 0xff);
        /* rows are appended, never renumbered: each category counts up without gaps */
        assert_int_equal(rows[i].num, rows[i].cat == UAT_CAT_OK ? 0 : next[rows[i].cat] + 1);
        next[rows[i].cat] = rows[i].num;
        for (size_t k = 0; k < i; k++) {
            assert_int_not_equal(rows[i].err, rows[k].err);
            assert_string_not_equal(rows[i].name, rows[k].name);
        }
    }
    assert_int_equal(UAT_OK, 0);
    assert_int_equal(rows[0].err, UAT_OK);
    assert_int_equal(UAT_ERR_USAGE_INVALID_ARGUMENT, 0x101);
    assert_int_equal(UAT_ERR_PARSE_TRUNCATED, 0x201);
    assert_int_equal(UAT_ERR_PARSE_BAD_ENCODING, 0x206);
    assert_int_equal(UAT_ERR_VERIFY_SIGNATURE, 0x301);
    assert_int_equal(UAT_ERR_RESOURCE_LIMIT, 0x702);
    assert_int_equal(UAT_ERR_INTERNAL, 0x901);
    for (int c = UAT_CAT_USAGE; c <= UAT_CAT_INTERNAL; c++) {
        assert_true(next[c] >= 1); /* every category has at least one error */
    }
}

static void test_categories_and_exit_codes(void **state)
{
    (void)state;
    assert_int_equal(uat_err_exit_code(UAT_OK), 0);
    assert_int_equal(uat_err_category(UAT_OK), UAT_CAT_OK);
    for (size_t i = 0; i < NELEM(rows); i++) {
        assert_int_equal(uat_err_category(rows[i].err), rows[i].cat);
        assert_string_equal(uat_err_category_name(uat_err_category(rows[i].err)),
                            rows[i].cat_name);
        if (rows[i].err == UAT_OK) {
            continue;
        }
        int code = uat_err_exit_code(rows[i].err);
        assert_int_equal(code, (int)rows[i].cat + 1);
        assert_in_range(code, 2, 10); /* USAGE 2 ... INTERNAL 10 */
    }
    assert_int_equal(uat_err_exit_code(UAT_ERR_USAGE_BAD_STATE), 2);
    assert_int_equal(uat_err_exit_code(UAT_ERR_PARSE_BAD_CBOR), 3);
    assert_int_equal(uat_err_exit_code(UAT_ERR_VERIFY_NONCE), 4);
    assert_int_equal(uat_err_exit_code(UAT_ERR_INTERNAL), 10);
    static const char *const names[] = {"OK",     "USAGE",    "PARSE",       "VERIFY",  "PLATFORM",
                                        "IO",     "CRYPTO",   "RESOURCE",    "UNSUPPORTED",
                                        "INTERNAL"};
    for (int c = UAT_CAT_OK; c <= UAT_CAT_INTERNAL; c++) {
        assert_string_equal(uat_err_category_name((enum uat_err_category)c), names[c]);
    }
}

static void test_http_statuses(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(rows); i++) {
        int http = uat_err_http_status(rows[i].err);
        assert_int_equal(http, rows[i].http);
        assert_int_not_equal(http, 0);
        if (rows[i].err == UAT_OK) {
            assert_int_equal(http, 200);
        } else {
            assert_in_range(http, 400, 599); /* an error never answers 2xx or 3xx */
        }
    }
    assert_int_equal(uat_err_http_status(UAT_ERR_PARSE_TRUNCATED), 400);
    assert_int_equal(uat_err_http_status(UAT_ERR_VERIFY_SIGNATURE), 403);
    assert_int_equal(uat_err_http_status(UAT_ERR_RESOURCE_LIMIT), 413);
}

/* One sentence each: uat_error_format puts " [NAME] (check ...)" right after it. */
static void test_messages_one_sentence(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(rows); i++) {
        const char *m = uat_err_message(rows[i].err);
        assert_non_null(m);
        assert_string_equal(m, rows[i].message);
        size_t n = strlen(m);
        assert_true(n > 0);
        assert_true(n < 120);
        assert_null(strpbrk(m, "\n\r\t"));
        assert_null(strstr(m, ". "));
        assert_int_not_equal(m[n - 1], '.');
        assert_int_not_equal(m[n - 1], ' ');
        assert_int_not_equal(m[0], ' ');
        for (size_t k = 0; k < i; k++) {
            assert_string_not_equal(m, rows[k].message);
        }
    }
}

/* ---- recording ------------------------------------------------------------------------------ */

static uat_err fail_here(int *line)
{
    *line = __LINE__ + 1;
    return UAT_FAIL(UAT_ERR_PARSE_BAD_VALUE, "t.check", "t.field", 17);
}

static uat_err ensure_positive(int v, int *line)
{
    *line = __LINE__ + 1;
    UAT_ENSURE(v > 0, UAT_ERR_PARSE_BAD_VALUE, "t.ensure", "v", (int64_t)v);
    return UAT_OK;
}

static uat_err try_down(int v, int *line)
{
    UAT_TRY(ensure_positive(v, line));
    UAT_TRY(ensure_positive(v - 1, line));
    return UAT_OK;
}

static uat_err goto_down(int v, int *line, int *cleaned)
{
    uat_err rc = UAT_OK;
    UAT_TRY_GOTO(rc, ensure_positive(v, line), out);
    *line = __LINE__ + 1;
    UAT_ENSURE_GOTO(rc, v > 1, UAT_ERR_VERIFY_POLICY, "t.goto", "v", (int64_t)v, out);
out:
    (*cleaned)++;
    return rc;
}

static void test_fail_records_file_line(void **state)
{
    (void)state;
    uat_error_clear();
    int line = 0;
    assert_err(fail_here(&line), UAT_ERR_PARSE_BAD_VALUE);
    const uat_error_detail *d = uat_last_error();
    assert_err(d->err, UAT_ERR_PARSE_BAD_VALUE);
    assert_string_equal(d->check, "t.check");
    assert_string_equal(d->field, "t.field");
    assert_int_equal(d->offset, 17);
    assert_ends_with(d->file, "test_err.c");
    assert_int_equal(d->line, line);
    assert_string_equal(d->message, "");

    /* NULL check and field become "" so the detail is always printable */
    (void)UAT_FAIL(UAT_ERR_IO_READ, NULL, NULL, -1);
    assert_non_null(d->check);
    assert_non_null(d->field);
    assert_string_equal(d->check, "");
    assert_string_equal(d->field, "");
    (void)uat_fail_at(UAT_ERR_IO_READ, "c", "f", 1, NULL, 3);
    assert_string_equal(d->file, "");
    assert_int_equal(d->line, 3);

    assert_err(UAT_NOMEM("t.alloc"), UAT_ERR_RESOURCE_NO_MEMORY);
    assert_string_equal(d->check, "t.alloc");
    assert_int_equal(d->offset, -1);
}

static void test_failf_message(void **state)
{
    (void)state;
    assert_err(UAT_FAILF(UAT_ERR_PARSE_TRUNCATED, "t.check", "f", 3, "needs %d, %s", 8, "got 2"),
               UAT_ERR_PARSE_TRUNCATED);
    const uat_error_detail *d = uat_last_error();
    assert_string_equal(d->message, "needs 8, got 2");
    assert_ends_with(d->file, "test_err.c");
    assert_true(d->line > 0);
    /* a later UAT_FAIL does not keep the old detail */
    (void)UAT_FAIL(UAT_ERR_PARSE_BAD_MAGIC, "t.check", "", 0);
    assert_string_equal(d->message, "");

    /* an over-long detail is cut, not overflowed */
    char longer[400];
    memset(longer, 'a', sizeof(longer) - 1);
    longer[sizeof(longer) - 1] = '\0';
    (void)UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, "t.check", "", 0, "%s", longer);
    assert_int_equal(strlen(d->message), sizeof(d->message) - 1);
}

static void test_try_and_ensure(void **state)
{
    (void)state;
    int line = 0;
    uat_error_clear();
    assert_err(try_down(5, &line), UAT_OK);
    assert_err(uat_last_error()->err, UAT_OK); /* success records nothing */

    assert_err(try_down(1, &line), UAT_ERR_PARSE_BAD_VALUE);
    const uat_error_detail *d = uat_last_error();
    assert_string_equal(d->check, "t.ensure");
    assert_string_equal(d->field, "v");
    assert_int_equal(d->offset, 0);
    assert_int_equal(d->line, line);

    int cleaned = 0;
    assert_err(goto_down(0, &line, &cleaned), UAT_ERR_PARSE_BAD_VALUE);
    assert_int_equal(cleaned, 1);
    assert_string_equal(d->check, "t.ensure");
    assert_err(goto_down(1, &line, &cleaned), UAT_ERR_VERIFY_POLICY);
    assert_int_equal(cleaned, 2);
    assert_string_equal(d->check, "t.goto");
    assert_int_equal(d->offset, 1);
    assert_int_equal(d->line, line);
    assert_err(goto_down(2, &line, &cleaned), UAT_OK);
    assert_int_equal(cleaned, 3);
}

/* ---- formatting ----------------------------------------------------------------------------- */

#define FULL                                                                                       \
    "the input ends before a field it must contain [PARSE_TRUNCATED] (check sim.report, field "    \
    "report_data, offset 42): needs 64 bytes, 10 left"

static void test_error_format_truncates(void **state)
{
    (void)state;
    (void)UAT_FAILF(UAT_ERR_PARSE_TRUNCATED, "sim.report", "report_data", 42,
                    "needs %d bytes, %d left", 64, 10);
    const uat_error_detail *d = uat_last_error();
    char buf[sizeof(FULL) + 8];

    memset(buf, 0x7f, sizeof(buf));
    assert_int_equal(uat_error_format(d, buf, 0), 0);
    assert_int_equal(buf[0], 0x7f);
    assert_int_equal(uat_error_format(d, NULL, 64), 0);

    for (size_t len = 1; len <= sizeof(buf); len++) {
        memset(buf, 0x7f, sizeof(buf));
        size_t n = uat_error_format(d, buf, len);
        size_t want = len - 1 < strlen(FULL) ? len - 1 : strlen(FULL);
        assert_int_equal(n, want);
        assert_int_equal(strlen(buf), want);
        assert_memory_equal(buf, FULL, want);
        for (size_t k = len; k < sizeof(buf); k++) {
            assert_int_equal(buf[k], 0x7f);
        }
    }
}

static void test_error_format(void **state)
{
    (void)state;
    char buf[512];
    (void)UAT_FAILF(UAT_ERR_PARSE_TRUNCATED, "sim.report", "report_data", 42,
                    "needs %d bytes, %d left", 64, 10);
    size_t n = uat_error_format(uat_last_error(), buf, sizeof(buf));
    assert_string_equal(buf, FULL);
    assert_int_equal(n, strlen(FULL));

    /* no detail message: no ": " tail */
    (void)UAT_FAIL(UAT_ERR_PARSE_RESERVED_NONZERO, "sim.report", "reserved1", 0);
    uat_error_format(uat_last_error(), buf, sizeof(buf));
    assert_string_equal(buf, "a reserved field is not zero [PARSE_RESERVED_NONZERO] (check "
                             "sim.report, field reserved1, offset 0)");

    /* no field, no offset */
    (void)UAT_FAIL(UAT_ERR_VERIFY_SIGNATURE, "sim.signature", "", -1);
    uat_error_format(uat_last_error(), buf, sizeof(buf));
    assert_string_equal(buf, "a signature does not verify with the expected key "
                             "[VERIFY_SIGNATURE] (check sim.signature)");

    /* offsets beyond 32 bits print in full */
    (void)UAT_FAILF(UAT_ERR_PARSE_BAD_LENGTH, "t", "", INT64_C(5000000000), "x");
    uat_error_format(uat_last_error(), buf, sizeof(buf));
    assert_string_equal(buf, "a length field is out of range for its container [PARSE_BAD_LENGTH] "
                             "(check t, offset 5000000000): x");

    /* no check: no parenthesis, even with field and offset */
    uat_error_detail d = {UAT_ERR_IO_NOT_FOUND, "", "path", 3, "", 0, "/etc/nothing"};
    uat_error_format(&d, buf, sizeof(buf));
    assert_string_equal(buf, "a file or directory does not exist [IO_NOT_FOUND]: /etc/nothing");

    /* a detail the caller built, with a value outside the table */
    uat_error_detail u = {as_err(0x2ff), "c", "f", 1, "", 0, ""};
    uat_error_format(&u, buf, sizeof(buf));
    assert_non_null(strstr(buf, "[UNKNOWN] (check c, field f, offset 1)"));

    uat_error_clear();
    uat_error_format(uat_last_error(), buf, sizeof(buf));
    assert_string_equal(buf, "success [OK]");
}

static void test_error_clear(void **state)
{
    (void)state;
    const uat_error_detail *before = uat_last_error();
    assert_non_null(before);
    (void)UAT_FAILF(UAT_ERR_CRYPTO_FAILURE, "t.clear", "f", 99, "detail");
    uat_error_clear();
    const uat_error_detail *d = uat_last_error();
    assert_ptr_equal(d, before);
    assert_err(d->err, UAT_OK);
    assert_string_equal(d->check, "");
    assert_string_equal(d->field, "");
    assert_int_equal(d->offset, -1);
    assert_string_equal(d->file, "");
    assert_int_equal(d->line, 0);
    assert_string_equal(d->message, "");
    uat_error_clear(); /* twice is fine */
    assert_err(d->err, UAT_OK);
}

/* ---- per thread ----------------------------------------------------------------------------- */

struct thread_seen {
    uat_err initial;
    int64_t initial_offset;
    uat_err recorded;
};

static void *other_thread(void *arg)
{
    struct thread_seen *seen = arg;
    seen->initial = uat_last_error()->err;
    seen->initial_offset = uat_last_error()->offset;
    (void)UAT_FAIL(UAT_ERR_IO_READ, "t.thread", "", 7);
    seen->recorded = uat_last_error()->err;
    return NULL;
}

static void test_last_error_per_thread(void **state)
{
    (void)state;
    (void)UAT_FAIL(UAT_ERR_PARSE_BAD_MAGIC, "t.main", "magic", 4);
    struct thread_seen seen = {UAT_ERR_INTERNAL, 0, UAT_OK};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, other_thread, &seen), 0);
    assert_int_equal(pthread_join(th, NULL), 0);
    /* a new thread starts clean and its failure stays its own */
    assert_err(seen.initial, UAT_OK);
    assert_int_equal(seen.initial_offset, -1);
    assert_err(seen.recorded, UAT_ERR_IO_READ);
    const uat_error_detail *d = uat_last_error();
    assert_err(d->err, UAT_ERR_PARSE_BAD_MAGIC);
    assert_string_equal(d->check, "t.main");
    assert_int_equal(d->offset, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_from_name_unknown),
        cmocka_unit_test(test_unknown_value),
        cmocka_unit_test(test_names_round_trip),
        cmocka_unit_test(test_values_and_layout),
        cmocka_unit_test(test_categories_and_exit_codes),
        cmocka_unit_test(test_http_statuses),
        cmocka_unit_test(test_messages_one_sentence),
        cmocka_unit_test(test_fail_records_file_line),
        cmocka_unit_test(test_failf_message),
        cmocka_unit_test(test_try_and_ensure),
        cmocka_unit_test(test_error_format_truncates),
        cmocka_unit_test(test_error_format),
        cmocka_unit_test(test_error_clear),
        cmocka_unit_test(test_last_error_per_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
