/* Error recording and the early-leave macros used on every happy path. */
#ifndef UAT_CORE_CHECK_H
#define UAT_CORE_CHECK_H

#include "core/limits.h"
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

/* ---- explanation trace ---------------------------------------------------------------------
 * While a verifier with explain on runs, uat_trace_cur points at its trace; otherwise it is NULL
 * and every recorder below costs one branch (their arguments are not even evaluated). UAT_FAIL
 * records the failing check itself; passing checks are recorded with uat_step*: the check name is
 * the dotted name the same check uses in UAT_FAIL, found / required are the values compared. */
typedef struct uat_trace uat_trace;
extern _Thread_local uat_trace *uat_trace_cur;
/* Where the collateral used goes: the explanation's trace, or a trace that records only the
 * collateral (an audit record's list: uat_verifier_set_record_collateral); NULL when neither. */
extern _Thread_local uat_trace *uat_trace_coll_cur;

enum uat_step_result { UAT_STEP_PASS, UAT_STEP_FAIL, UAT_STEP_SKIPPED };

void uat_trace_step(const char *check, enum uat_step_result r, const char *found,
                    const char *required, const char *source);
/* found / required as lower-case hex (NULL pointer = not known). */
void uat_trace_step_hex(const char *check, const uint8_t *found, size_t found_len,
                        const uint8_t *required, size_t required_len, const char *source);
void uat_trace_stepf(const char *check, enum uat_step_result r, const char *required,
                     const char *found_fmt, ...) __attribute__((format(printf, 4, 5)));
/* A certificate or CRL a chain used, with the role it played (leaf, intermediate, root, crl). */
void uat_trace_cert_(const char *role, const char *subject, const char *issuer, const char *serial,
                     int64_t not_before, int64_t not_after, const char *source);
/* A piece of collateral the verification used (tcb_info, qe_identity, crl, vcek, rim, ...), with
 * the SHA-256 of its bytes (NULL: not known). */
void uat_trace_collateral_(const char *kind, const char *issuer, int64_t issued,
                           int64_t next_update, const char *source, const uint8_t *sha256);
/* Where the certificates the next chain verifications use came from ("evidence", "collateral dir",
 * "fetched", "bundle"; NULL: where the collateral comes from); anchors always come from the trust
 * directory. Static strings only. */
void uat_trace_cert_source_(const char *source);
/* Likewise for the collateral (CRLs, TCB info, ...) used next: "collateral dir" unless set. */
void uat_trace_coll_source_(const char *source);

/* The collateral a cached verdict used (a verified chain's CRLs, a signed document), kept with
 * the verdict so that reusing it records the same collateral again: what a TEE whose ops set
 * cache_records_collateral does on a cache hit. Kind, issuer and source are strings that outlive
 * the memo (static, or owned by the cache holding it; issuer may be NULL; source NULL: the
 * collateral source current when recorded); a memo that could not hold everything is `lost` and
 * must not stand in for the work. */
typedef struct uat_coll_item {
    const char *kind, *issuer, *source;
    int64_t issued, next_update; /* 0 when not known */
    uint8_t sha256[32];
    int hashed; /* sha256 is known */
} uat_coll_item;
typedef struct uat_coll_memo {
    uat_coll_item items[UAT_MAX_COLL_MEMO];
    size_t n;
    int lost;
} uat_coll_memo;
void uat_coll_memo_add(uat_coll_memo *m, const char *kind, const char *issuer, int64_t issued,
                       int64_t next_update, const uint8_t *sha256);
/* As uat_coll_memo_add, with where the item came from ("evidence", "fetched", "trust dir"...). */
void uat_coll_memo_add_src(uat_coll_memo *m, const char *kind, const char *issuer,
                           int64_t issued, int64_t next_update, const uint8_t *sha256,
                           const char *source);
/* Adds every item of from (a verdict built on another: a document signed by a verified chain). */
void uat_coll_memo_merge(uat_coll_memo *m, const uat_coll_memo *from);
/* Records each item as uat_trace_collateral would (source: the item's, else
 * uat_trace_coll_source_now()). */
void uat_coll_memo_record_(const uat_coll_memo *m);

#define UAT_TRACING() (uat_trace_cur != NULL)
#define UAT_TRACING_COLLATERAL() (uat_trace_coll_cur != NULL)
#define uat_step(check, found, required)                                                           \
    (UAT_TRACING() ? uat_trace_step((check), UAT_STEP_PASS, (found), (required), NULL) : (void)0)
#define uat_step_src(check, found, required, source)                                               \
    (UAT_TRACING() ? uat_trace_step((check), UAT_STEP_PASS, (found), (required), (source))         \
                   : (void)0)
#define uat_step_hex(check, f, flen, r, rlen)                                                      \
    (UAT_TRACING() ? uat_trace_step_hex((check), (f), (flen), (r), (rlen), NULL) : (void)0)
#define uat_step_skip(check, why)                                                                  \
    (UAT_TRACING() ? uat_trace_step((check), UAT_STEP_SKIPPED, (why), NULL, NULL) : (void)0)
#define uat_stepf(check, required, ...)                                                            \
    (UAT_TRACING() ? uat_trace_stepf((check), UAT_STEP_PASS, (required), __VA_ARGS__) : (void)0)
#define uat_trace_collateral(kind, issuer, issued, next_update, source, sha256)                    \
    (UAT_TRACING_COLLATERAL()                                                                      \
         ? uat_trace_collateral_((kind), (issuer), (issued), (next_update), (source), (sha256))   \
         : (void)0)
#define uat_coll_memo_record(m) (UAT_TRACING_COLLATERAL() ? uat_coll_memo_record_(m) : (void)0)
#define uat_trace_cert_source(source) (UAT_TRACING() ? uat_trace_cert_source_(source) : (void)0)
#define uat_trace_coll_source(source) (UAT_TRACING() ? uat_trace_coll_source_(source) : (void)0)

#endif
