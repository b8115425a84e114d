/* The service's audit log (docs/operations.md): one record per attestation, chained by hash so
 * that a removed, inserted or changed record is detected. record_hash = SHA-256(prev_hash ‖
 * canonical record), prev_hash of the first record is 64 zeros; the canonical record is the JSON
 * object of every field but the two hashes, keys sorted, no whitespace. */
#ifndef UATTEST_AUDIT_H
#define UATTEST_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "uattest/err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define UAT_AUDIT_HASH_HEX 64u

typedef struct uat_audit_record {
    int64_t id;                 /* 1, 2, 3 … without gaps */
    int64_t time;               /* seconds since the epoch */
    const char *evidence_sha256; /* lower-case hex */
    const char *policy_id;      /* "" for the default policy */
    int64_t refvals_generation; /* the reference values' generation the appraisal used */
    const char *status;         /* the EAR status */
    const char *token_id;       /* the issued token's id (hex SHA-256 of the JWT), "" when none */
    const char *tee;            /* the TEE of the evidence; NULL or "" when unknown (records
                                 * written before the field existed: hashed without it) */
    const char *collateral;     /* the collateral the verification used, "kind:sha256" items
                                 * joined by "," (uat_verifier_collateral); NULL or "" when none
                                 * (hashed without it, as records written before it existed) */
    char prev_hash[UAT_AUDIT_HASH_HEX + 1];
    char record_hash[UAT_AUDIT_HASH_HEX + 1];
} uat_audit_record;

/* Sets r->prev_hash to prev (NULL: the first record) and r->record_hash from it. */
UAT_API UAT_MUST_USE uat_err uat_audit_seal(uat_audit_record *r, const char *prev);
/* The record as a JSON object text with both hashes (free()). */
UAT_API UAT_MUST_USE uat_err uat_audit_record_json(const uat_audit_record *r, char **json);

/* Where a chain check stands between pages: zero it before the first page. */
typedef struct uat_audit_cursor {
    int64_t last_id;
    char last_hash[UAT_AUDIT_HASH_HEX + 1]; /* "" before the first record */
    int64_t checked;
} uat_audit_cursor;

/* Checks one page of records ({"records": [...]} as GET /v1/audit answers, or a bare array)
 * against the chain so far: ids follow each other, every prev_hash is the record_hash before it
 * and every record_hash is recomputed. VERIFY_AUDIT names the first broken record
 * (*broken_id, also in the error's field). */
UAT_API UAT_MUST_USE uat_err uat_audit_chain_check(const char *json, size_t n,
                                                   uat_audit_cursor *cur, int64_t *broken_id);

/* Reads URL/v1/audit page by page with the admin token and checks every page as above (one
 * connection per page; IO_NETWORK when the service cannot be reached or refuses). */
UAT_API UAT_MUST_USE uat_err uat_audit_verify_url(const char *url, const char *admin_token,
                                                  uat_audit_cursor *cur, int64_t *broken_id);

struct uat_verifier;
struct uat_policy;
struct uat_refvals;
/* Replays audited attestations of one piece of evidence: every record of records_json (an
 * export as uat_audit_chain_check reads it; its chain is checked first) whose evidence_sha256 is
 * the SHA-256 of the evidence is re-verified with v at the record's time (no binding: the nonce
 * is not kept) and appraised with p (NULL: the default policy) and rv (may be NULL), and its
 * status compared with the recorded one, and the collateral the replay used (v's explain is
 * turned on) with the record's collateral digests. *report (free()) is a JSON array of
 * {"id", "time", "policy_id", "recorded", "replayed"} with "error" when the verification failed,
 * and "collateral": "same" or, when they differ, "recorded_collateral" and "replayed_collateral".
 * VERIFY_AUDIT (field: the first differing record's id) when a status or the collateral differs;
 * USAGE_NOT_FOUND
 * when no record is of this evidence; *report is set in both cases. */
UAT_API UAT_MUST_USE uat_err uat_audit_replay(const char *records_json, size_t n,
                                              const uint8_t *evidence, size_t evidence_len,
                                              struct uat_verifier *v, const struct uat_policy *p,
                                              const struct uat_refvals *rv, char **report);

#ifdef __cplusplus
}
#endif
#endif
