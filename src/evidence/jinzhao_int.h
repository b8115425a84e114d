/* Private to src/evidence/jinzhao_*.c: jinzhao's proto3 message tables and the helpers the
 * reader (jinzhao_parse.c), the writer (jinzhao_emit.c) and the policy code (jinzhao_policy.c)
 * share. spec: ../shared/COMPAT.md part D §2.1-§2.4, §3 (jinzhao ual/proto/attestation.proto). */
#ifndef UAT_EVIDENCE_JINZHAO_INT_H
#define UAT_EVIDENCE_JINZHAO_INT_H

#include "evidence/jinzhao.h"

#define UAT_JZ_CHECK "jinzhao"

enum jz_payload {
    JZ_QUOTE,       /* {b64_quote, json_collateral?}: the quote is the TEE's evidence */
    JZ_KUNPENG,     /* {b64_quote, int64_version?}: iTrustee report_response */
    JZ_IMPORT,      /* a message the TEE converts to its own evidence (registry.h evidence_import) */
};

/* The members of one proto3 message in field-number order (the order protobuf's JSON printer
 * writes them; COMPAT.md D §2.1), with their JSON types: a string, an int64 (a number or a
 * decimal string on input, a decimal string on output), a nested message carried as JSON text
 * in a string (jinzhao's json_* fields; an empty string is an absent one), a message as a JSON
 * object, or a repeated message as an array of objects (at most UAT_MAX_JZ_NESTED). */
enum jz_kind { JZ_STR, JZ_INT64, JZ_MSG, JZ_OBJ, JZ_LIST };
struct jz_field {
    const char *name;
    enum jz_kind kind;
    const struct jz_field *msg; /* JZ_MSG: the embedded message's fields */
};

/* str_tee_platform (COMPAT.md D §2.2, A ual/common/attestation.cpp) -> registry TEE, and the
 * message of its json_report (§2.4). docs/compat.md carries the same table. */
struct uat_jz_platform {
    const char *platform;
    const char *tee;
    enum jz_payload payload;
    int binds_key; /* report data [32,64) = SHA-256(pem_public_key) (COMPAT.md D §2.3) */
    const struct jz_field *fields;
    const char *message; /* JZ_IMPORT: json_report's message name ("HygonCsvReport") */
    /* Passport payload when it differs (SGX_EPID: IasReport, and base64 of its JSON text) */
    const char *passport_message;
    const struct jz_field *passport_fields;
};
extern const struct jz_field uat_jz_ias_report[]; /* IasReport (§2.4) */
extern const struct jz_field uat_jz_nested_reports[]; /* UnifiedAttestationNestedReports (§2.2) */
extern const struct uat_jz_platform uat_jz_platforms[];
extern const size_t uat_jz_nplatforms;
extern const struct jz_field uat_jz_dcap_report[]; /* DcapReport and IntelTdxReport */
extern const struct jz_field uat_jz_attributes[];  /* UnifiedAttestationAttributes (§3.1) */

/* The index of platform in uat_jz_platforms, uat_jz_nplatforms when none (or NULL). */
size_t uat_jz_platform_index(const char *platform);

/* jinzhao_parse.c: a string member holding the JSON text of an object (*out, owned); optional
 * members of proto3 string / int64 type; object o has only the members of message f, each of its
 * type, embedded messages recursively. PARSE_BAD_JSON naming the member otherwise. */
UAT_MUST_USE uat_err uat_jz_embedded_object(const json_t *o, const char *name, json_t **out);
UAT_MUST_USE uat_err uat_jz_optional_string(const json_t *o, const char *name);
UAT_MUST_USE uat_err uat_jz_optional_int64(const json_t *o, const char *name);
UAT_MUST_USE uat_err uat_jz_check_msg(const json_t *o, const struct jz_field *f,
                                      const char *where);
/* An EPID Passport's json_report: the IasReport as JSON text in base64 (jinzhao's generator) or
 * as plain JSON text (jinzhao's ReportConvert). *out owned; *wrapped says which. */
UAT_MUST_USE uat_err uat_jz_ias_object(const json_t *report, json_t **out, int *wrapped);

/* jinzhao_emit.c: message f from object o (checked by uat_jz_check_msg) as protobuf's JSON
 * printer writes it, appended to b. */
UAT_MUST_USE uat_err uat_jz_emit_msg(uat_buf *b, const json_t *o, const struct jz_field *f);

/* jinzhao_policy.c: jinzhao's bool ("true" / "1") and decimal integer readings. */
int uat_jz_bool(const char *s);
UAT_MUST_USE uat_err uat_jz_int(const char *s, const char *field, long long *out);

#endif
