/* Appraisal to an EAR (draft-ietf-rats-ear): the policy turns claims and reference values into an
 * AR4SI trustworthiness vector; the status is the worst tier of the vector. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appraisal/appraisal_int.h"
#include "appraisal/lua.h"
#include "crypto/crypto.h"
#include "evidence/claims_int.h"
#include "token/token_int.h"

#define CHECK "appraisal"
#define MAX_DOCS 64u
#define EAR_PROFILE "tag:github.com,2023:veraison/ear"

struct uat_ear {
    json_t *doc;
};

/* spec: draft-ietf-rats-ar4si §2.3: 0 no claim; 2-31 affirming; 32-95 warning; 96-127
 * contraindicated. 1 (verifier malfunction) and negative values count as contraindicated. */
int uat_tw_tier(json_int_t v)
{
    return v == 0 ? 0 : v >= 2 && v <= 31 ? 1 : v >= 32 && v <= 95 ? 2 : 3;
}

const char *uat_tier_name(int tier)
{
    static const char *const names[] = {"none", "affirming", "warning", "contraindicated"};
    return names[tier < 0 || tier > 3 ? 3 : tier];
}

static int tee_listed(json_t *list, const char *tee)
{
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        if (strcmp(json_string_value(v), tee) == 0) {
            return 1;
        }
    }
    return 0;
}

/* A reference rule over the documents (alternatives): the best document decides. */
static json_int_t reference_rule(json_t *rule, json_t *claims, json_t **docs, size_t n,
                                 char *reason, size_t rlen)
{
    json_t *pat = json_object_get(rule, "reference");
    int any = 0, best_fail = -1;
    for (size_t i = 0; i < n; i++) {
        uat_rv_outcome o;
        uat_refvals_check(docs[i], claims, pat, &o);
        if (o.checked == 0) {
            continue;
        }
        any = 1;
        if (o.failed == 0) {
            json_t *v = json_object_get(rule, o.insecure && json_object_get(rule, "insecure")
                                                  ? "insecure"
                                                  : "match");
            return json_integer_value(v);
        }
        if (best_fail < 0 || o.failed < (size_t)best_fail) {
            best_fail = (int)o.failed;
            snprintf(reason, rlen, "%s (reference values %s)", o.first_failure,
                     json_string_value(json_object_get(docs[i], "id")));
        }
    }
    json_t *absent = json_object_get(rule, "absent");
    return any ? json_integer_value(json_object_get(rule, "mismatch"))
               : absent ? json_integer_value(absent) : 0;
}

static json_int_t eval_rules(json_t *rules, json_t *claims, json_t **docs, size_t n, char *reason,
                             size_t rlen)
{
    const char *tee = json_string_value(json_object_get(claims, "tee"));
    size_t i;
    json_t *r;
    json_array_foreach(rules, i, r)
    {
        json_t *when = json_object_get(r, "when_tee");
        if (when != NULL) {
            if (tee_listed(when, tee)) {
                return json_integer_value(json_object_get(r, "value"));
            }
            continue;
        }
        const char *path = json_string_value(json_object_get(r, "claim"));
        if (path != NULL) {
            json_t *c = uat_claim_at(claims, path);
            if (c != NULL && json_equal(c, json_object_get(r, "equals"))) {
                return json_integer_value(json_object_get(r, "value"));
            }
            continue;
        }
        return reference_rule(r, claims, docs, n, reason, rlen);
    }
    return 0;
}

static uat_err appraise_decl(json_t *decl, json_t *claims, json_t **docs, size_t n, json_t *vector,
                             char *reason, size_t rlen)
{
    json_t *tw = json_object_get(decl, "trustworthiness");
    for (size_t i = 0; i < 8; i++) {
        json_t *rules = json_object_get(tw, uat_tw_names[i]);
        char why[200] = "";
        json_int_t v = rules ? eval_rules(rules, claims, docs, n, why, sizeof(why)) : 0;
        if (v != 0) {
            UAT_TRY(uat_json_set_int(vector, uat_tw_names[i], v));
        }
        if (uat_tw_tier(v) >= 2 && why[0] != '\0' && reason[0] == '\0') {
            snprintf(reason, rlen, "%s: %s", uat_tw_names[i], why);
        }
    }
    return UAT_OK;
}

/* A Lua policy: its vector and optional status; any failure is a contraindicated result. */
static uat_err appraise_lua(const uat_policy *p, json_t *claims, json_t **docs, size_t n,
                            json_t *vector, const char **status, char *reason, size_t rlen)
{
    json_t *rv = json_array();
    for (size_t i = 0; rv != NULL && i < n; i++) {
        json_array_append(rv, docs[i]);
    }
    size_t len = 0;
    const char *script = uat_policy_script(p, &len);
    json_t *res = NULL;
    uat_err rc = rv ? uat_lua_appraise(script, len, claims, rv, uat_policy_lua_limits(), &res)
                    : UAT_NOMEM(CHECK);
    json_decref(rv);
    if (rc == UAT_ERR_RESOURCE_NO_MEMORY) {
        return rc;
    }
    if (rc != UAT_OK) {
        snprintf(reason, rlen, "policy failed: %s", uat_last_error()->message);
        *status = "contraindicated";
        return UAT_OK;
    }
    json_object_update(vector, json_object_get(res, "trustworthiness"));
    const char *s = json_string_value(json_object_get(res, "status"));
    *status = s ? (strcmp(s, "affirming") == 0 ? "affirming" : strcmp(s, "warning") == 0 ? "warning"
                   : strcmp(s, "none") == 0 ? "none" : "contraindicated")
                : NULL;
    const char *why = json_string_value(json_object_get(res, "reason"));
    if (why != NULL) {
        snprintf(reason, rlen, "%s", why);
    }
    json_decref(res);
    return UAT_OK;
}

static int tier_of_status(const char *s)
{
    for (int t = 0; t < 4; t++) {
        if (s != NULL && strcmp(s, uat_tier_name(t)) == 0) {
            return t;
        }
    }
    return -1;
}

static int worst_tier(json_t *vector, const char *status)
{
    int tier = 0;
    const char *k;
    json_t *v;
    json_object_foreach(vector, k, v)
    {
        int t = uat_tw_tier(json_integer_value(v));
        tier = t > tier ? t : tier;
    }
    int st = tier_of_status(status);
    return st > tier ? st : tier;
}

/* "ear.veraison.key-attestation": {"akpub": base64url(DER SubjectPublicKeyInfo)} */
static uat_err key_attestation(const char *jwk, json_t *submod)
{
    uat_buf der, b64;
    uat_buf_init(&der, 4096);
    uat_buf_init(&b64, 8192);
    uat_err rc = uat_jwk_spki_der(uat_span_of(jwk, strlen(jwk)), &der);
    if (rc == UAT_OK) {
        rc = uat_b64_encode(der.p, der.len, UAT_B64_URL, &b64);
    }
    if (rc == UAT_OK) {
        json_t *ka = json_object();
        rc = uat_json_set(submod, "ear.veraison.key-attestation", ka);
        if (rc == UAT_OK) {
            rc = uat_json_set(ka, "akpub", json_stringn((const char *)b64.p, b64.len));
        }
    }
    uat_buf_free(&der);
    uat_buf_free(&b64);
    return rc;
}

static uat_err build_submod(const uat_policy *p, json_t *claims, json_t *vector, int tier,
                            const char *reason, const uat_appraisal_ctx *ctx, json_t **out)
{
    json_t *s = json_object();
    *out = s;
    UAT_ENSURE(s != NULL, UAT_ERR_RESOURCE_NO_MEMORY, CHECK, "", -1);
    UAT_TRY(uat_json_set_str(s, "ear.status", uat_tier_name(tier)));
    UAT_TRY(uat_json_set(s, "ear.trustworthiness-vector", json_incref(vector)));
    UAT_TRY(uat_json_set_str(s, "ear.appraisal-policy-id", uat_policy_id(p)));
    UAT_TRY(uat_json_set(s, "ear.veraison.annotated-evidence", json_incref(claims)));
    if (reason[0] != '\0') {
        UAT_TRY(uat_json_set_str(s, "ear.uattest.reason", reason));
    }
    if (ctx->runtime_key_jwk != NULL) {
        UAT_TRY(key_attestation(ctx->runtime_key_jwk, s));
    }
    return UAT_OK;
}

static uat_err build_doc(json_t *subs, const uat_appraisal_ctx *ctx, json_t *doc)
{
    UAT_TRY(uat_json_set_str(doc, "eat_profile", EAR_PROFILE));
    UAT_TRY(uat_json_set_int(doc, "iat", ctx->now));
    json_t *vid = json_object();
    UAT_TRY(uat_json_set(doc, "ear.verifier-id", vid));
    UAT_TRY(uat_json_set_str(vid, "developer", "uattest"));
    UAT_TRY(uat_json_set_str(vid, "build", "uattest " UAT_VERSION));
    if (ctx->nonce != NULL) {
        uat_buf b;
        uat_buf_init(&b, 4 * ctx->nonce_len + 8);
        uat_err rc = uat_b64_encode(ctx->nonce, ctx->nonce_len, UAT_B64_URL, &b);
        if (rc == UAT_OK) {
            rc = uat_json_set(doc, "eat_nonce", json_stringn((const char *)b.p, b.len));
        }
        uat_buf_free(&b);
        UAT_TRY(rc);
    }
    return uat_json_set(doc, "submods", json_incref(subs));
}

static uat_err run_policy(const uat_policy *p, json_t *claims, json_t **docs, size_t n,
                          json_t *vector, const char **status, char *reason, size_t rlen)
{
    json_t *decl = uat_policy_decl(p);
    if (decl != NULL) {
        return appraise_decl(decl, claims, docs, n, vector, reason, rlen);
    }
    return appraise_lua(p, claims, docs, n, vector, status, reason, rlen);
}

/* One submod: the claims of one TEE under the policy and that TEE's reference values. */
static uat_err appraise_one(const uat_policy *p, const uat_refvals *rv, json_t *cj,
                            const uat_appraisal_ctx *ctx, json_t **out)
{
    const char *tee = json_string_value(json_object_get(cj, "tee"));
    UAT_ENSURE(tee != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "tee", -1);
    json_t *docs[MAX_DOCS];
    size_t n = uat_refvals_for_tee(rv, tee, docs, MAX_DOCS);
    /* no documents for this TEE: the implicit constraints (debug, TCB status) still apply */
    json_t *empty = json_pack("{s:s, s:s, s:{}}", "id", "(none)", "tee", tee, "values");
    if (n == 0 && empty != NULL) {
        docs[n++] = empty;
    }
    json_t *vector = json_object(), *submod = NULL;
    const char *status = NULL;
    char reason[512] = "";
    uat_err rc = vector && empty ? run_policy(p, cj, docs, n, vector, &status, reason,
                                              sizeof(reason))
                                 : UAT_NOMEM(CHECK);
    if (rc == UAT_OK) {
        rc = build_submod(p, cj, vector, worst_tier(vector, status), reason, ctx, &submod);
    }
    json_decref(empty);
    json_decref(vector);
    if (rc != UAT_OK) {
        json_decref(submod);
        return rc;
    }
    *out = submod;
    return UAT_OK;
}

/* Composite claims (docs/composite.md): one submod per member, keyed by its collection label;
 * otherwise one submod keyed by the TEE. */
static uat_err appraise_subs(const uat_policy *p, const uat_refvals *rv, json_t *cj,
                             const uat_appraisal_ctx *ctx, json_t *subs)
{
    json_t *members = json_object_get(cj, "members");
    const char *tee = json_string_value(json_object_get(cj, "tee"));
    if (tee != NULL && strcmp(tee, "composite") == 0 && json_is_object(members)) {
        const char *label;
        json_t *m;
        json_object_foreach(members, label, m)
        {
            json_t *sub = NULL;
            UAT_TRY(appraise_one(p, rv, m, ctx, &sub));
            UAT_TRY(uat_json_set(subs, label, sub));
        }
        return UAT_OK;
    }
    json_t *sub = NULL;
    UAT_TRY(appraise_one(p, rv, cj, ctx, &sub));
    return uat_json_set(subs, tee, sub);
}

uat_err uat_appraise(const uat_policy *p, const uat_refvals *rv, const uat_claims *claims,
                     const uat_appraisal_ctx *ctx, uat_ear **out)
{
    UAT_ENSURE(p != NULL && rv != NULL && claims != NULL && ctx != NULL && out != NULL,
               UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "", -1);
    json_t *subs = json_object(), *doc = json_object();
    uat_err rc = subs && doc ? appraise_subs(p, rv, uat_claims_doc(claims), ctx, subs)
                             : UAT_NOMEM(CHECK);
    if (rc == UAT_OK) {
        rc = build_doc(subs, ctx, doc);
    }
    uat_ear *e = rc == UAT_OK ? malloc(sizeof(*e)) : NULL;
    if (rc == UAT_OK && e == NULL) {
        rc = UAT_NOMEM(CHECK);
    }
    json_decref(subs);
    if (rc != UAT_OK) {
        json_decref(doc);
        return rc;
    }
    e->doc = doc;
    *out = e;
    return UAT_OK;
}

const char *uat_ear_status(const uat_ear *e)
{
    int tier = 0;
    const char *k;
    json_t *s;
    json_object_foreach(json_object_get(e->doc, "submods"), k, s)
    {
        int t = tier_of_status(json_string_value(json_object_get(s, "ear.status")));
        tier = t > tier ? t : tier;
    }
    return uat_tier_name(tier);
}

const char *uat_ear_tee(const uat_ear *e)
{
    void *it = e != NULL ? json_object_iter(json_object_get(e->doc, "submods")) : NULL;
    return it != NULL ? json_object_iter_key(it) : "";
}

uat_err uat_ear_to_json(const uat_ear *e, int pretty, char **out)
{
    if (pretty) {
        char *s = json_dumps(e->doc, JSON_SORT_KEYS | JSON_INDENT(2));
        if (s == NULL) {
            return UAT_NOMEM(CHECK);
        }
        *out = s;
        return UAT_OK;
    }
    uat_buf b;
    uat_buf_init(&b, 16u * 1024u * 1024u);
    uat_err rc = uat_json_write(e->doc, &b);
    if (rc == UAT_OK) {
        rc = uat_buf_terminate(&b);
    }
    if (rc != UAT_OK) {
        uat_buf_free(&b);
        return rc;
    }
    size_t n = 0;
    uat_buf_take(&b, (uint8_t **)out, &n);
    return UAT_OK;
}

uat_err uat_ear_sign(const uat_ear *e, const struct uat_token_keys *k, int64_t now, int64_t ttl,
                     char **jwt)
{
    UAT_ENSURE(e != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "", -1);
    return uat_token_sign_object(k, e->doc, now, ttl, jwt);
}

void uat_ear_free(uat_ear *e)
{
    if (e != NULL) {
        json_decref(e->doc);
        free(e);
    }
}
