/* Assertions shared by the cmocka tests: an error compared by name, so a failure prints both. */
#ifndef UAT_TEST_ASSERT_H
#define UAT_TEST_ASSERT_H

#include "uattest/err.h"

#define assert_err(expr, want)                                                                     \
    do {                                                                                           \
        uat_err got_ = (expr);                                                                     \
        assert_string_equal(uat_err_name(got_), uat_err_name(want));                               \
    } while (0)
#define assert_ok(expr) assert_err((expr), UAT_OK)

#endif
