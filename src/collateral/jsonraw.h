/* Exact bytes of a member of a JSON object, for signatures computed over JSON text as served
 * (Intel PCS tcbInfo / enclaveIdentity, IAS reports). */
#ifndef UAT_COLLATERAL_JSONRAW_H
#define UAT_COLLATERAL_JSONRAW_H

#include "core/buf.h"

/* The raw value text of the member named key of the top-level object in text.
 * PARSE_BAD_JSON when text is not an object, the member is missing or appears twice. */
UAT_MUST_USE uat_err uat_json_raw_member(uat_span text, const char *key, uat_span *value);

#endif
