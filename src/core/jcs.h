/* RFC 8785 JSON Canonicalization Scheme (JCS) for JSON made of objects and strings only: the
 * KBS protocol hashes runtime data in this form (../shared/COMPAT.md part A 3.4). */
#ifndef UAT_CORE_JCS_H
#define UAT_CORE_JCS_H

#include <jansson.h>

#include "core/buf.h"

#define UAT_JCS_MAX_DEPTH 16

/* Appends the canonical form of v to out. PARSE_BAD_VALUE for numbers, arrays, booleans or null
 * (not needed here, so not canonicalized), PARSE_TOO_DEEP past UAT_JCS_MAX_DEPTH levels. */
UAT_MUST_USE uat_err uat_jcs(const json_t *v, uat_buf *out);

#endif
