/* Challenge and attest (DESIGN.md §2 "service"), the JWKS, health, readiness and metrics. */
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "crypto/crypto.h"
#include "service/routes.h"
#include "evidence/claims_int.h"

#define CHECK "attest"

/* ---- POST /v1/challenge ---- */

void uat_route_challenge(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs)
{
    (void)rq;
    (void)id;
    char nonce[UAT_NONCE_TEXT_LEN + 1], when[32];
    int64_t expires = 0;
    uat_err rc = uat_nonce_issue(s->nonce_key, uat_time_now(), s->cfg->nonce_ttl, nonce, &expires);
    if (rc == UAT_OK) {
        rc = uat_time_format(expires, when);
    }
    if (rc != UAT_OK) {
        uat_http_error(rs, rc);
        return;
    }
    uat_http_json(rs, 200, json_pack("{s:s,s:s}", "nonce", nonce, "expires_at", when));
}

/* ---- POST /v1/attest ---- */

typedef struct attest_job {
    json_t *body;
    const char *nonce;
    size_t nonce_len;
    int64_t expires_at;
    int64_t now;
    uat_buf evidence;
    uat_buf runtime;
    char *runtime_jwk;
    uat_claims *claims;
    uat_ear *ear;
    char *jwt;
    int explain;       /* ?explain=1 */
    char *explanation; /* the verification's, JSON */
} attest_job;

static void job_free(attest_job *j)
{
    free(j->explanation);
    free(j->jwt);
    uat_ear_free(j->ear);
    uat_claims_free(j->claims);
    free(j->runtime_jwk);
    uat_buf_free(&j->runtime);
    uat_buf_free(&j->evidence);
    json_decref(j->body);
}

/* {"evidence": CMW JSON | "base64url", "nonce": "...", "runtime_data"?: "base64url",
 *  "policy_id"?: "..."} */
static uat_err parse_request(const uat_http_req *rq, attest_job *j)
{
    static const char *const names[] = {"evidence", "nonce", "runtime_data", "policy_id", NULL};
    UAT_TRY(uat_http_body_object(rq, &j->body));
    UAT_TRY(uat_json_only_members(j->body, names, "http.body", ""));
    json_t *nonce = json_object_get(j->body, "nonce");
    json_t *ev = json_object_get(j->body, "evidence");
    json_t *rd = json_object_get(j->body, "runtime_data");
    json_t *pid = json_object_get(j->body, "policy_id");
    UAT_ENSURE(json_is_string(nonce), UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "nonce", -1);
    UAT_ENSURE(json_is_string(ev) || json_is_array(ev) || json_is_object(ev),
               UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "evidence", -1);
    UAT_ENSURE(rd == NULL || json_is_string(rd), UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK,
               "runtime_data", -1);
    UAT_ENSURE(pid == NULL || json_is_string(pid), UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK,
               "policy_id", -1);
    j->nonce = json_string_value(nonce);
    j->nonce_len = json_string_length(nonce);
    return UAT_OK;
}

/* The evidence bytes: a CMW given as JSON is passed on as its compact text; a string is the
 * base64url of any evidence (CMW JSON or CBOR, or raw evidence of a TEE the registry knows). */
static uat_err decode_evidence(attest_job *j)
{
    json_t *ev = json_object_get(j->body, "evidence");
    if (json_is_string(ev)) {
        uat_err rc = uat_b64_decode(json_string_value(ev), json_string_length(ev), UAT_B64_URL,
                                    &j->evidence);
        UAT_ENSURE(rc == UAT_OK, UAT_ERR_PARSE_BAD_ENCODING, CHECK, "evidence", -1);
        return UAT_OK;
    }
    char *text = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (text == NULL) {
        return UAT_NOMEM(CHECK);
    }
    uat_err rc = uat_buf_append_str(&j->evidence, text);
    free(text);
    return rc;
}

/* runtime_data bytes; when they are a JSON object with a "jwk" member, that key is bound. */
static uat_err decode_runtime(attest_job *j)
{
    json_t *rd = json_object_get(j->body, "runtime_data");
    if (rd == NULL) {
        return UAT_OK;
    }
    uat_err rc =
        uat_b64_decode(json_string_value(rd), json_string_length(rd), UAT_B64_URL, &j->runtime);
    UAT_ENSURE(rc == UAT_OK, UAT_ERR_PARSE_BAD_ENCODING, CHECK, "runtime_data", -1);
    json_t *doc = j->runtime.len > 0 ? json_loadb((const char *)j->runtime.p, j->runtime.len,
                                                  JSON_REJECT_DUPLICATES, NULL)
                                     : NULL;
    json_t *jwk = json_object_get(doc, "jwk");
    if (json_is_object(jwk)) {
        j->runtime_jwk = json_dumps(jwk, JSON_COMPACT | JSON_PRESERVE_ORDER);
        rc = j->runtime_jwk != NULL ? UAT_OK : UAT_NOMEM(CHECK);
    }
    json_decref(doc);
    return rc;
}

/* The policy named id, parsed for this call (*owned); without an id the default, parsed once. */
static uat_err load_policy(uat_svc *s, const char *id, uat_policy **out, int *owned)
{
    *owned = id != NULL;
    if (id == NULL) {
        *out = s->default_policy;
        return UAT_OK;
    }
    uat_buf text;
    uat_buf_init(&text, UAT_STORE_MAX_BODY + 1);
    uat_err rc = uat_store_get(s->store, UAT_STORE_POLICIES, id, &text);
    if (rc == UAT_OK) {
        rc = uat_policy_parse((const char *)text.p, text.len, out);
    }
    uat_buf_free(&text);
    return rc;
}

static uat_err verify(uat_svc *s, const uat_attest_in *in, uat_claims **claims)
{
    uat_verifier *v = NULL;
    UAT_TRY(uat_svc_verifier(s, &v));
    /* the reference values also pin evidence keys without a vendor chain: read them under the
     * lock */
    pthread_rwlock_rdlock(&s->refvals_lock);
    uat_verifier_set_reference_values(v, s->refvals);
    /* the audit record keeps the collateral the verification used (uat_verifier_collateral,
     * read by audit_fill on this thread's verifier); every check only for ?explain=1 */
    uat_verifier_set_record_collateral(v, 1);
    uat_verifier_set_explain(v, in->explanation != NULL);
    uat_err rc = uat_verify(v, in->evidence, in->evidence_len,
                            s->cfg->test_at != 0 ? NULL : in->binding, claims);
    if (in->explanation != NULL) {
        const char *e = uat_verifier_explanation(v);
        *in->explanation = e != NULL ? strdup(e) : NULL;
    }
    uat_verifier_set_reference_values(v, NULL);
    pthread_rwlock_unlock(&s->refvals_lock);
    if (rc != UAT_OK) {
        uat_metrics_verification(s->metrics, "unknown", "error",
                                 uat_err_category_name(uat_err_category(rc)));
    }
    return rc;
}

static uat_err appraise(uat_svc *s, const uat_attest_in *in, const uat_policy *p,
                        const uat_claims *claims, uat_ear **ear)
{
    uat_appraisal_ctx ctx = {in->now, in->nonce, in->nonce_len, in->runtime_jwk};
    pthread_rwlock_rdlock(&s->refvals_lock);
    uat_err rc = uat_appraise(p, s->refvals, claims, &ctx, ear);
    pthread_rwlock_unlock(&s->refvals_lock);
    uat_metrics_verification(s->metrics, uat_claims_tee(claims),
                             rc == UAT_OK ? uat_ear_status(*ear) : "error",
                             uat_err_category_name(uat_err_category(rc)));
    return rc;
}

void uat_attest_reason(const uat_ear *ear, char *out, size_t cap)
{
    char *text = NULL;
    out[0] = '\0';
    if (ear == NULL || uat_ear_to_json(ear, 0, &text) != UAT_OK) {
        return;
    }
    json_t *doc = json_loads(text, 0, NULL);
    const char *name;
    json_t *sub;
    json_object_foreach(json_object_get(doc, "submods"), name, sub)
    {
        const char *r = json_string_value(json_object_get(sub, "ear.uattest.reason"));
        if (r != NULL && out[0] == '\0') {
            snprintf(out, cap, "%s: %s", name, r);
        }
    }
    json_decref(doc);
    free(text);
}

/* Lower-case hex SHA-256 of n bytes. */
static uat_err sha256_hex(const void *p, size_t n, char out[65])
{
    uint8_t md[32];
    uat_span part = uat_span_of(p, n);
    UAT_TRY(uat_hash(UAT_HASH_SHA256, &part, 1, md));
    uat_hex_encode(md, sizeof(md), out);
    return UAT_OK;
}

/* The audit record of an attestation: the evidence hash, the policy and reference values it was
 * appraised with, the result and the token issued (none: jwt NULL). */
typedef struct audit_entry {
    uat_audit_record r;
    char ev[65], tok[65];
} audit_entry;

static uat_err audit_fill(uat_svc *s, const uat_attest_in *in, const uat_ear *ear, const char *jwt,
                          audit_entry *a)
{
    uat_verifier *v = NULL;
    memset(a, 0, sizeof(*a));
    UAT_TRY(uat_svc_verifier(s, &v)); /* the one that verified this evidence, on this thread */
    const char *coll = uat_verifier_collateral(v);
    UAT_TRY(sha256_hex(in->evidence, in->evidence_len, a->ev));
    if (jwt != NULL) {
        UAT_TRY(sha256_hex(jwt, strlen(jwt), a->tok));
    }
    a->r.time = s->cfg->test_at != 0 ? s->cfg->test_at : in->now; /* the evaluation time */
    a->r.evidence_sha256 = a->ev;
    a->r.policy_id = in->policy_id != NULL ? in->policy_id : "";
    /* of the reference values in memory: synced with the store when the attestation began */
    a->r.refvals_generation = atomic_load(&s->refvals_generation);
    a->r.status = uat_ear_status(ear);
    a->r.token_id = a->tok;
    a->r.tee = uat_ear_tee(ear);
    a->r.collateral = coll != NULL ? coll : "";
    return UAT_OK;
}

/* The evidence verified against this nonce: it is spent, and the attestation's audit record is
 * written in the same transaction (one group commit for both). */
static uat_err spend(uat_svc *s, const uat_attest_in *in, const uat_ear *ear, const char *jwt)
{
    audit_entry a;
    UAT_TRY(audit_fill(s, in, ear, jwt, &a));
    return uat_store_spend(s->store, in->spend_id, in->spend_expires, in->now, &a.r);
}

uat_err uat_attest_evidence(uat_svc *s, const uat_attest_in *in, uat_claims **claims,
                            uat_ear **ear)
{
    uat_policy *p = NULL;
    int owned = 0;
    UAT_TRY(load_policy(s, in->policy_id, &p, &owned));
    uat_err rc = uat_svc_refvals_sync(s); /* reference values written through another replica */
    rc = rc == UAT_OK ? verify(s, in, claims) : rc;
    rc = rc == UAT_OK ? appraise(s, in, p, *claims, ear) : rc;
    if (owned) {
        uat_policy_free(p);
    }
    UAT_TRY(rc);
    if (strcmp(uat_ear_status(*ear), "contraindicated") == 0) {
        /* spent with no token; the refusal is an attestation the audit log keeps */
        UAT_TRY(spend(s, in, *ear, NULL));
        return UAT_FAIL(UAT_ERR_VERIFY_POLICY, "appraisal", "ear.status", -1);
    }
    return UAT_OK; /* the nonce is spent by uat_attest_sign or uat_attest_spend */
}

uat_err uat_attest_spend(uat_svc *s, const uat_attest_in *in)
{
    return uat_store_nonce_use(s->store, in->spend_id, in->spend_expires, in->now);
}

uat_err uat_attest_sign(uat_svc *s, const uat_attest_in *in, const uat_ear *ear,
                        const char *claims_json, int64_t now, char **jwt)
{
    uat_err rc = claims_json != NULL
                     ? uat_token_sign(s->keys, claims_json, now, s->cfg->token_ttl, jwt)
                     : uat_ear_sign(ear, s->keys, now, s->cfg->token_ttl, jwt);
    if (rc == UAT_OK && (rc = spend(s, in, ear, *jwt)) != UAT_OK) {
        /* a used nonce, or a token the audit log does not hold: not handed out */
        free(*jwt);
        *jwt = NULL;
    }
    return rc;
}

void uat_attest_error(uat_http_resp *rs, uat_err rc, const uat_ear *ear)
{
    if (rc == UAT_ERR_VERIFY_POLICY && ear != NULL) {
        char reason[512];
        uat_attest_reason(ear, reason, sizeof(reason));
        uat_http_error_detail(rs, rc, "appraisal",
                              reason[0] ? reason : "the attestation result is contraindicated");
    } else {
        uat_http_error(rs, rc);
    }
}

static uat_err run_attest(uat_svc *s, const uat_http_req *rq, attest_job *j)
{
    uint8_t binding[UAT_REPORT_DATA_SIZE];
    j->now = uat_time_now();
    UAT_TRY(parse_request(rq, j));
    UAT_TRY(uat_nonce_check(s->nonce_key, j->nonce, j->nonce_len, j->now, &j->expires_at));
    UAT_TRY(decode_evidence(j));
    UAT_TRY(decode_runtime(j));
    UAT_TRY(uat_report_data_bind((const uint8_t *)j->nonce, j->nonce_len, j->runtime.p,
                                 j->runtime.len, binding));
    uat_attest_in in = {j->evidence.p,
                        j->evidence.len,
                        binding,
                        (const uint8_t *)j->nonce,
                        j->nonce_len,
                        j->runtime_jwk,
                        json_string_value(json_object_get(j->body, "policy_id")),
                        j->nonce,
                        j->expires_at,
                        j->now,
                        j->explain ? &j->explanation : NULL};
    UAT_TRY(uat_attest_evidence(s, &in, &j->claims, &j->ear));
    return uat_attest_sign(s, &in, j->ear, NULL, j->now, &j->jwt);
}

void uat_route_attest(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs)
{
    (void)id;
    attest_job j;
    memset(&j, 0, sizeof(j));
    uat_buf_init(&j.evidence, UAT_SVC_MAX_BODY);
    uat_buf_init(&j.runtime, UAT_SVC_MAX_BODY);
    char when[32] = "";
    const char *ex = uat_http_query(rq, "explain");
    uat_err rc = UAT_OK;
    if (ex != NULL && strcmp(ex, "1") != 0 && strcmp(ex, "true") != 0 && strcmp(ex, "0") != 0 &&
        strcmp(ex, "false") != 0) {
        rc = UAT_FAILF(UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "explain", -1,
                       "explain is 1, true, 0 or false");
    }
    j.explain = ex != NULL && (strcmp(ex, "1") == 0 || strcmp(ex, "true") == 0);
    rc = rc != UAT_OK ? rc : run_attest(s, rq, &j);
    if (rc == UAT_OK) {
        rc = uat_time_format(j.now + s->cfg->token_ttl, when);
    }
    if (j.claims != NULL) {
        snprintf(rs->tee, sizeof(rs->tee), "%s", uat_claims_tee(j.claims));
    }
    /* the explanation: an extension member of the problem document, or a member of the result */
    json_t *expl = j.explanation != NULL ? json_loads(j.explanation, 0, NULL) : NULL;
    if (rc != UAT_OK && expl != NULL && !(rc == UAT_ERR_VERIFY_POLICY && j.ear != NULL)) {
        uat_http_error_ext(rs, rc, json_pack("{s:o}", "explanation", expl));
    } else if (rc != UAT_OK) {
        uat_attest_error(rs, rc, j.ear);
        if (expl != NULL) { /* contraindicated: the verification passed; say what it checked */
            json_t *doc = json_loadb((const char *)rs->body.p, rs->body.len, 0, NULL);
            json_object_set_new(doc, "explanation", expl);
            int st = rs->status;
            uat_http_json(rs, st, doc);
            rs->content_type = "application/problem+json";
        }
    } else if (expl == NULL) {
        /* the common answer, written as text: a JWS compact serialisation, an EAR status word
         * and an RFC 3339 time need no JSON escaping */
        size_t cap = strlen(j.jwt) + strlen(uat_ear_status(j.ear)) + sizeof(when) + 64;
        char *text = malloc(cap);
        int n = text != NULL ? snprintf(text, cap, "{\"token\":\"%s\",\"status\":\"%s\","
                                        "\"expires_at\":\"%s\"}", j.jwt, uat_ear_status(j.ear), when)
                             : -1;
        if (n > 0 && (size_t)n < cap) {
            uat_http_text(rs, 200, "application/json", text, (size_t)n);
        } else {
            uat_http_error(rs, UAT_NOMEM(CHECK));
        }
        free(text);
    } else {
        json_t *doc = json_pack("{s:s,s:s,s:s}", "token", j.jwt, "status", uat_ear_status(j.ear),
                                "expires_at", when);
        if (doc != NULL) {
            json_object_set_new(doc, "explanation", expl);
        } else {
            json_decref(expl);
        }
        uat_http_json(rs, 200, doc);
    }
    job_free(&j);
}

/* ---- GET /v1/jwks, /healthz, /readyz, /metrics ---- */

void uat_route_jwks(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs)
{
    (void)rq;
    (void)id;
    char *jwks = NULL;
    uat_err rc = uat_token_keys_jwks(s->keys, uat_time_now(), &jwks);
    if (rc != UAT_OK) {
        uat_http_error(rs, rc);
        return;
    }
    uat_http_text(rs, 200, "application/jwk-set+json", jwks, strlen(jwks));
    free(jwks);
}

void uat_route_healthz(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs)
{
    (void)s;
    (void)rq;
    (void)id;
    uat_http_json(rs, 200, json_pack("{s:s}", "status", "ok"));
}

void uat_route_readyz(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs)
{
    (void)rq;
    (void)id;
    uat_err rc = uat_store_ready(s->store);
    if (rc != UAT_OK) {
        uat_http_error(rs, rc);
        return;
    }
    uat_http_json(rs, 200,
                  json_pack("{s:s,s:s}", "status", "ready", "store", uat_store_scheme(s->store)));
}

void uat_route_metrics(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs)
{
    (void)rq;
    (void)id;
    uat_buf text;
    uat_buf_init(&text, 4u * 1024u * 1024u);
    uat_err rc = uat_metrics_render(s->metrics, &text);
    if (rc == UAT_OK) {
        rc = uat_pccs_metrics(s, uat_time_now(), &text);
    }
    if (rc != UAT_OK) {
        uat_http_error(rs, rc);
    } else {
        uat_http_text(rs, 200, "text/plain; version=0.0.4", (const char *)text.p, text.len);
    }
    uat_buf_free(&text);
}

/* ---- GET /v1/audit?after=ID (admin) ---- */

static uat_err audit_add(void *user, const uat_audit_record *r)
{
    json_t *recs = user;
    char *text = NULL;
    /* the record as the chain hashes it (optional fields only when present), with its hashes */
    UAT_TRY(uat_audit_record_json(r, &text));
    json_t *o = json_loads(text, 0, NULL);
    free(text);
    return o != NULL && json_array_append_new(recs, o) == 0 ? UAT_OK : UAT_NOMEM(CHECK);
}

void uat_route_audit_list(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs)
{
    (void)id;
    uat_err rc = uat_admin_check(s, rq);
    const char *after_q = uat_http_query(rq, "after");
    char *end = NULL;
    long long after = after_q != NULL ? strtoll(after_q, &end, 10) : 0;
    if (rc == UAT_OK && after_q != NULL && (end == after_q || *end != '\0' || after < 0)) {
        rc = UAT_FAIL(UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "after", -1);
    }
    json_t *recs = json_array();
    if (rc == UAT_OK) {
        rc = recs != NULL ? uat_store_audit_list(s->store, (int64_t)after, UAT_STORE_AUDIT_PAGE,
                                                 audit_add, recs)
                          : UAT_NOMEM(CHECK);
    }
    if (rc != UAT_OK) {
        json_decref(recs);
        uat_http_error(rs, rc);
        return;
    }
    size_t n = json_array_size(recs);
    /* a full page may have more after it: the client asks again from the last id */
    json_t *next = n == UAT_STORE_AUDIT_PAGE
                       ? json_object_get(json_array_get(recs, n - 1), "id")
                       : json_null();
    uat_http_json(rs, 200, json_pack("{s:o,s:O}", "records", recs, "next_after", next));
}
