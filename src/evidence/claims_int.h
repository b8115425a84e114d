/* Building claims: verifiers fill a JSON document through these helpers. */
#ifndef UAT_EVIDENCE_CLAIMS_INT_H
#define UAT_EVIDENCE_CLAIMS_INT_H

#include <jansson.h>

#include "core/buf.h"
#include "core/codec.h"
#include "uattest/claims.h"

struct uat_claims {
    json_t *doc;        /* the whole document */
    json_t *tee_claims; /* borrowed: doc["tee_claims"] */
};

UAT_MUST_USE uat_err uat_claims_new(const char *tee, uat_claims **out);
json_t *uat_claims_doc(const uat_claims *c);
json_t *uat_claims_tee_obj(const uat_claims *c);

/* Typed setters on any JSON object (top level, tee_claims, platform, inspect output). */
UAT_MUST_USE uat_err uat_json_set_hex(json_t *o, const char *name, const uint8_t *p, size_t n);
UAT_MUST_USE uat_err uat_json_set_int(json_t *o, const char *name, int64_t v);
UAT_MUST_USE uat_err uat_json_set_bool(json_t *o, const char *name, int v);
UAT_MUST_USE uat_err uat_json_set_str(json_t *o, const char *name, const char *v);
UAT_MUST_USE uat_err uat_json_set_time(json_t *o, const char *name, uat_time t);
/* Compact JSON text of j appended to out (insertion order; not NUL-terminated). */
UAT_MUST_USE uat_err uat_json_write(const json_t *j, uat_buf *out);

/* PARSE_BAD_JSON (check, field) unless every member of object o is one of names (NULL-terminated):
 * the formats we read have no extension members, so an unknown one is an error, not skipped. */
UAT_MUST_USE uat_err uat_json_only_members(const json_t *o, const char *const *names,
                                           const char *check, const char *field);

/* 1 when JSON text cannot hold a member called name (ASCII letters, digits, '_'), at any depth:
 * neither "name" appears literally nor any \u escape (the only escape that spells such characters)
 * does. A sniffer's test before it parses, so text of other formats is not parsed for nothing:
 * it answers 0 whenever a parse could find the member. */
int uat_json_text_lacks(uat_span text, const char *name);

/* json_plain.c: the object json_loadb would build from text, when text is an object of objects
 * and strings only, each string printable ASCII without escapes, no member twice; NULL otherwise
 * (then parse with jansson, which also reports the errors). */
json_t *uat_json_load_plain(uat_span text);

/* Takes the reference to v in every case. */
UAT_MUST_USE uat_err uat_json_set(json_t *o, const char *name, json_t *v);

#endif
