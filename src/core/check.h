/* Error recording and the early-leave macros used on every happy path. */
#ifndef UAT_CORE_CHECK_H
#define UAT_CORE_CHECK_H

#include "uattest/err.h"

#include <stdarg.h>

/* Records err with its check, field and input offset for uat_last_error(); returns err. */
uat_err uat_fail_at(uat_err err, const char *check, const char *field, int64_t offset,
                    const char *file, int line);
/* Same, with a printf-style detail message. */
uat_err uat_fail_fmt(uat_err err, const char *check, const char *field, int64_t offset,
                     const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

#define UAT_FAIL(err, check, field, off) uat_fail_at((err), (check), (field), (off), __FILE__, __LINE__)
#define UAT_FAILF(err, check, field, off, ...)                                                     \
    uat_fail_fmt((err), (check), (field), (off), __FILE__, __LINE__, __VA_ARGS__)

/* Leave with the callee's error (already recorded). */
#define UAT_TRY(expr)                                                                              \
    do {                                                                                           \
        uat_err uat_try_e_ = (expr);                                                               \
        if (uat_try_e_ != UAT_OK) {                                                                \
            return uat_try_e_;                                                                     \
        }                                                                                          \
    } while (0)

/* Leave with err when cond is false. */
#define UAT_ENSURE(cond, err, check, field, off)                                                   \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            return UAT_FAIL((err), (check), (field), (off));                                       \
        }                                                                                          \
    } while (0)

/* goto-unwind variants: set rc and jump to label. */
#define UAT_TRY_GOTO(rc, expr, label)                                                              \
    do {                                                                                           \
        (rc) = (expr);                                                                             \
        if ((rc) != UAT_OK) {                                                                      \
            goto label;                                                                            \
        }                                                                                          \
    } while (0)

#define UAT_ENSURE_GOTO(rc, cond, err, check, field, off, label)                                   \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            (rc) = UAT_FAIL((err), (check), (field), (off));                                       \
            goto label;                                                                            \
        }                                                                                          \
    } while (0)

#define UAT_NOMEM(check) UAT_FAIL(UAT_ERR_RESOURCE_NO_MEMORY, (check), "", -1)

#endif
