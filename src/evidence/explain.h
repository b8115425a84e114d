/* Rendering the explanation trace of one verification as JSON (docs/explain.md). */
#ifndef UAT_EVIDENCE_EXPLAIN_H
#define UAT_EVIDENCE_EXPLAIN_H

#include "core/codec.h"
#include "core/trace.h"

/* malloc'd JSON text, NULL on no memory. rc: the verification's result (its detail is
 * uat_last_error()); at: the evaluation time. */
char *uat_explain_render(const uat_trace *t, uat_err rc, uat_time at);

#endif
