/* From input bytes (a CMW or raw evidence) to the TEE that handles them. */
#ifndef UAT_EVIDENCE_RESOLVE_H
#define UAT_EVIDENCE_RESOLVE_H

#include "evidence/registry.h"
#include "uattest/evidence.h"

/* Parses a CMW, or recognises raw evidence. *cmw is NULL for raw evidence (free it otherwise). */
UAT_MUST_USE uat_err uat_resolve_input(const uint8_t *p, size_t n, uat_cmw **cmw);
/* The TEE of a record or tag CMW, and its value. */
UAT_MUST_USE uat_err uat_resolve_record(const uat_cmw *c, const uat_tee_ops **ops, uat_span *value);

#endif
