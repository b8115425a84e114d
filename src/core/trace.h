/* The explanation trace: what the checks of one verification recorded (uat_verifier_set_explain).
 * Recording goes through check.h (uat_step*, uat_trace_*; the failure recorder of UAT_FAIL); this
 * header is for the verifier that owns a trace and renders it. */
#ifndef UAT_CORE_TRACE_H
#define UAT_CORE_TRACE_H

#include "core/check.h"
#include "core/codec.h"
#include "core/limits.h"

typedef struct uat_trace_rec {
    char *check;
    enum uat_step_result result;
    char *found, *required, *source; /* NULL when not known */
    uat_err err;                     /* the failure's error (UAT_OK for pass / skipped) */
} uat_trace_rec;

typedef struct uat_trace_cert {
    char *role, *subject, *issuer, *serial, *source;
    uat_time not_before, not_after; /* a CRL: thisUpdate, nextUpdate (0 when absent) */
} uat_trace_cert;

typedef struct uat_trace_coll {
    char *kind, *issuer, *source;
    uat_time issued, next_update; /* 0 when not known */
    char sha256[65];              /* hex SHA-256 of the item's bytes; "" when not known */
} uat_trace_coll;

struct uat_trace {
    uat_trace_rec *steps; /* UAT_MAX_TRACE_STEPS, allocated with the first (a trace of the */
    size_t nsteps;        /* collateral only records none) */
    uat_trace_cert *certs; /* UAT_MAX_TRACE_ITEMS, likewise */
    size_t ncerts;
    uat_trace_coll colls[UAT_MAX_TRACE_ITEMS];
    size_t ncolls;
    size_t dropped;          /* records past the limits */
    const char *cert_source; /* where the certificates verified next came from (static string) */
    const char *coll_source; /* where the collateral (CRLs) used next came from (static string) */
    char tee[64];
    /* The last failure recorded (UAT_FAIL); cleared by uat_error_clear like the last error. */
    int failed;
    char fail_check[96], fail_field[96];
    int64_t fail_offset;
};

uat_trace *uat_trace_new(void);
void uat_trace_free(uat_trace *t);
/* What uat_trace_enter replaced (restore it with uat_trace_leave). */
typedef struct uat_trace_saved {
    uat_trace *cur, *coll;
} uat_trace_saved;
/* Makes t the trace of this thread: every check (full) or only the collateral used (!full). */
uat_trace_saved uat_trace_enter(uat_trace *t, int full);
void uat_trace_leave(uat_trace_saved previous);
/* After a failed verification: appends the recorded failure as the last, failing check. */
void uat_trace_finish(uat_trace *t, uat_err rc);
/* Where the collateral recorded next comes from (the source the explanation shows). */
const char *uat_trace_coll_source_now(void);
/* The collateral t lists with a known SHA-256, as "kind:sha256" joined by ",", sorted, each once:
 * malloc'd ("" when none), NULL on no memory. What an audit record keeps of the collateral. */
char *uat_trace_collateral_digests(const uat_trace *t);

#endif
