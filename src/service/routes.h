/* The route handlers (routes_*.c) and the routing table the HTTP layer dispatches on. */
#ifndef UAT_SERVICE_ROUTES_H
#define UAT_SERVICE_ROUTES_H

#include "service/http.h"

/* id: the path part after the route's prefix ("" for exact routes). */
typedef void (*uat_route_fn)(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs);

typedef struct uat_route {
    const char *method;
    const char *path; /* exact path, or a prefix ending in '/' followed by an id */
    int has_id;
    const char *label; /* the metrics and log label */
    uat_route_fn fn;
} uat_route;

extern const uat_route uat_routes[];
extern const size_t uat_nroutes;

/* routes_attest.c */
void uat_route_challenge(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs);
void uat_route_attest(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs);
void uat_route_jwks(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs);
void uat_route_healthz(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs);
void uat_route_readyz(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs);
void uat_route_metrics(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs);

/* routes_attest.c: the one attestation path every front-end (/v1, KBS, Veraison) takes. */
typedef struct uat_attest_in {
    const uint8_t *evidence; /* CMW (JSON or CBOR) or raw evidence the registry recognises */
    size_t evidence_len;
    const uint8_t *binding; /* the 64-byte report data the evidence must carry */
    const uint8_t *nonce;   /* the result's eat_nonce */
    size_t nonce_len;
    const char *runtime_jwk; /* the public key bound in the evidence (JWK text), or NULL */
    const char *policy_id;   /* a stored appraisal policy, or NULL for the default */
    const char *spend_id;    /* the nonce id recorded as used in the store (replay refused) */
    int64_t spend_expires;
    int64_t now;
    char **explanation; /* when not NULL: set to the verification's explanation (JSON, free()) */
} uat_attest_in;
/* Verifies and appraises: VERIFY_POLICY when the result is contraindicated (*ear is then set,
 * for uat_attest_error; the nonce is then spent and the refusal logged). On success the nonce is
 * not spent yet: uat_attest_sign spends it, or uat_attest_spend when the caller refuses the
 * verified evidence itself. The caller frees *claims and *ear on every path. */
UAT_MUST_USE uat_err uat_attest_evidence(uat_svc *s, const uat_attest_in *in, uat_claims **claims,
                                         uat_ear **ear);
/* Spends the nonce of verified evidence the caller refuses (no token, no audit record). */
UAT_MUST_USE uat_err uat_attest_spend(uat_svc *s, const uat_attest_in *in);
/* Signs the EAR (claims_json NULL) or an EAR claims set derived from it (claims_json) with the
 * service's token key and lifetime, then spends the nonce and appends the attestation's audit
 * record in one transaction: VERIFY_NONCE when the nonce was used meanwhile. No token without
 * its record. */
UAT_MUST_USE uat_err uat_attest_sign(uat_svc *s, const uat_attest_in *in, const uat_ear *ear,
                                     const char *claims_json, int64_t now, char **jwt);
/* GET /v1/audit?after=ID (admin): audit records with id > ID, a page at a time. */
void uat_route_audit_list(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs);
/* Why a result is contraindicated (the first submodule's ear.uattest.reason), "" when none. */
void uat_attest_reason(const uat_ear *ear, char *out, size_t cap);
/* The problem JSON of an attestation failure (with the reason for a contraindicated result). */
void uat_attest_error(uat_http_resp *rs, uat_err rc, const uat_ear *ear);

/* routes_kbs.c: KBS protocol v0.4.0 (docs/compat.md) */
void uat_route_kbs_auth(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs);
void uat_route_kbs_attest(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs);
void uat_route_kbs_resource(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs);

/* routes_veraison.c: Veraison challenge-response v1 (docs/compat.md) */
void uat_route_vrs_new(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs);
void uat_route_vrs_post(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs);
void uat_route_vrs_get(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs);
void uat_route_vrs_del(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs);

/* routes_secgear.c: openEuler secGear attestation service routes (docs/compat.md) */
void uat_route_sg_challenge(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs);
void uat_route_sg_attestation(uat_svc *s, const uat_http_req *rq, const char *id,
                              uat_http_resp *rs);
/* The registry TEE (the registry's spelling) a secGear tee name or a registry TEE name stands
 * for, case-insensitive; NULL when this build has none. */
const char *uat_sg_registry_tee(const char *name);
/* routes_secgear_admin.c: secGear's admin routes behind our admin token (docs/compat.md) */
void uat_route_sg_reference(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs);
void uat_route_sg_policy_set(uat_svc *s, const uat_http_req *rq, const char *id,
                             uat_http_resp *rs);
void uat_route_sg_policy_get(uat_svc *s, const uat_http_req *rq, const char *id,
                             uat_http_resp *rs);
void uat_route_sg_storage_set(uat_svc *s, const uat_http_req *rq, const char *id,
                              uat_http_resp *rs);
void uat_route_sg_storage_get(uat_svc *s, const uat_http_req *rq, const char *id,
                              uat_http_resp *rs);
void uat_route_sg_resource_policy(uat_svc *s, const uat_http_req *rq, const char *id,
                                  uat_http_resp *rs);

/* routes_pccs.c: Intel PCCS v4 and AMD KDS routes answered from the store's collateral cache,
 * refreshed from upstream (docs/operations.md "uattestd as a PCCS / KDS cache"). */
void uat_route_pccs(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs);
void uat_route_kds(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs);
UAT_MUST_USE uat_err uat_pccs_new(struct uat_pccs **out);
void uat_pccs_free(struct uat_pccs *p);
/* uattest_collateral_expiry_seconds{kind} of the cached collateral, appended to out. */
UAT_MUST_USE uat_err uat_pccs_metrics(uat_svc *s, int64_t now, uat_buf *out);

/* routes_admin.c: reference values, policies, resources (admin token required) */
void uat_route_refvals_list(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs);
void uat_route_refvals_put(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs);
void uat_route_refvals_get(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs);
void uat_route_refvals_del(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs);
void uat_route_policies_list(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs);
void uat_route_policies_put(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs);
void uat_route_policies_get(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs);
void uat_route_policies_del(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs);
void uat_route_resources_list(uat_svc *s, const uat_http_req *rq, const char *id,
                              uat_http_resp *rs);
void uat_route_resources_put(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs);
void uat_route_resources_del(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs);
/* GET /v1/resources/{path}: an admin token reads the resource's policy; an EAR token gets the
 * secret (routes_resource.c). */
void uat_route_resources_get(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs);
/* routes_admin.c: OK for a valid admin token; USAGE_UNAUTHENTICATED / USAGE_FORBIDDEN else. */
UAT_MUST_USE uat_err uat_admin_check(uat_svc *s, const uat_http_req *rq);
/* routes_admin.c: the admin writes every front-end shares (the caller has checked the admin token).
 * Each validates first and writes in one store transaction: a refused document writes nothing. */
/* A reference value document (text) is well formed: the error of the first bad member else. */
UAT_MUST_USE uat_err uat_admin_refval_check(const char *text);
/* Stores reference value document id (1-128 of [A-Za-z0-9._:-]) and loads it into the service's
 * in-memory set; *created tells whether it is new. */
UAT_MUST_USE uat_err uat_admin_refval_put(uat_svc *s, const char *id, const char *text,
                                          int *created);
/* Stores appraisal policy id (JSON or Lua text, n bytes) once it parses; *parsed (when not NULL)
 * gets the parsed policy, for the caller to free. */
UAT_MUST_USE uat_err uat_admin_policy_put(uat_svc *s, const char *id, const char *text, size_t n,
                                          int *created, uat_policy **parsed);
/* Stores the resource document doc (uat_resource_validate) at path. */
UAT_MUST_USE uat_err uat_admin_resource_put(uat_svc *s, const char *path, const json_t *doc,
                                            int *created);
/* routes_admin.c: resource paths are segments of [A-Za-z0-9._:-] joined by '/' (no "." or "..") */
UAT_MUST_USE uat_err uat_resource_check_path(const char *path);
/* routes_admin.c: the admin view of a resource (policy, no secret). */
void uat_resource_admin_get(uat_svc *s, const char *path, uat_http_resp *rs);
/* routes_resource.c: a resource document {"secret": base64url, "policy": {"status": [...],
 * "tee"?: [...], "measurement"?: [...]}}: PARSE_BAD_JSON / USAGE_INVALID_ARGUMENT when not. */
UAT_MUST_USE uat_err uat_resource_validate(const json_t *doc);
/* routes_resource.c: releases a resource document, wiping its secret first. */
void uat_resource_doc_free(json_t *doc);
/* routes_resource.c: the secret of resource path as a compact JWE (*jwe, free()) to the key
 * bound in the EAR token (token, n bytes), when the token satisfies the resource's policy; tee
 * gets the token's first submodule for the log. */
UAT_MUST_USE uat_err uat_resource_jwe(uat_svc *s, const char *token, size_t n, const char *path,
                                      char **jwe, char tee[48]);
/* routes_resource.c: the secret as a JWE to the key bound in the EAR token. */
void uat_resource_release(uat_svc *s, const uat_http_req *rq, const char *path, uat_http_resp *rs);

/* routes_ui.c: the web console under /ui/ (static files from cfg->ui_dir, "/" and "/ui" redirect
 * to /ui/), POST /v1/verify (public: verify and explain evidence without storing anything),
 * GET /v1/attestations (admin: the audit log, newest first, filtered) and GET
 * /v1/collateral/status (admin: the collateral the verifier has, with its validity). */
void uat_route_ui_root(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs);
void uat_route_ui(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs);
void uat_route_verify(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs);
void uat_route_attestations(uat_svc *s, const uat_http_req *rq, const char *id,
                            uat_http_resp *rs);
void uat_route_collateral_status(uat_svc *s, const uat_http_req *rq, const char *id,
                                 uat_http_resp *rs);
/* routes_ops.c: the audit records that pass f, newest first, at most f->limit of them, appended
 * to out as {id, time, unix_time, tee, status, policy_id, evidence_sha256, token_id}; *scanned
 * counts the records read (at most UAT_OPS_MAX_SCAN). */
#define UAT_OPS_MAX_SCAN 100000u
typedef struct uat_att_filter {
    const char *tee, *status; /* NULL: any */
    int64_t since, until;     /* 0: open */
    size_t limit;
} uat_att_filter;
UAT_MUST_USE uat_err uat_attestations_collect(uat_store *st, const uat_att_filter *f, json_t *out,
                                              size_t *scanned);

#endif
