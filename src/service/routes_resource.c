/* Resource release (DESIGN.md §2): GET /v1/resources/{path} with an EAR token returns the secret
 * as a compact JWE encrypted to the public key the workload bound into its evidence, when every
 * submodule of the token satisfies the resource's policy. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/codec.h"
#include "service/routes.h"
#include "token/jwe.h"

#define CHECK "resource"

static const char *const statuses[] = {"affirming", "warning", "contraindicated", "none"};

/* ---- the resource document ---- */

static uat_err string_list(const json_t *a, const char *field, int statuses_only)
{
    UAT_ENSURE(json_is_array(a) && json_array_size(a) > 0 && json_array_size(a) <= 256,
               UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, field, -1);
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        UAT_ENSURE(json_string_length(v) > 0, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, field, -1);
        size_t k = 0;
        while (statuses_only && k < 4 && strcmp(json_string_value(v), statuses[k]) != 0) {
            k++;
        }
        if (statuses_only && k == 4) {
            return UAT_FAILF(UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, field, -1,
                             "a status is affirming, warning, contraindicated or none");
        }
    }
    return UAT_OK;
}

static uat_err check_policy(const json_t *p)
{
    UAT_ENSURE(json_is_object(p), UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "policy", -1);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)p, k, v)
    {
        if (strcmp(k, "status") != 0 && strcmp(k, "tee") != 0 && strcmp(k, "measurement") != 0) {
            return UAT_FAILF(UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "policy", -1,
                             "unknown policy member \"%.64s\"", k);
        }
    }
    UAT_TRY(string_list(json_object_get(p, "status"), "policy.status", 1));
    if (json_object_get(p, "tee") != NULL) {
        UAT_TRY(string_list(json_object_get(p, "tee"), "policy.tee", 0));
    }
    if (json_object_get(p, "measurement") != NULL) {
        UAT_TRY(string_list(json_object_get(p, "measurement"), "policy.measurement", 0));
    }
    return UAT_OK;
}

uat_err uat_resource_validate(const json_t *doc)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)doc, k, v)
    {
        if (strcmp(k, "secret") != 0 && strcmp(k, "policy") != 0) {
            return UAT_FAILF(UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "", -1,
                             "unknown member \"%.64s\"", k);
        }
    }
    const json_t *secret = json_object_get(doc, "secret");
    UAT_ENSURE(json_string_length(secret) > 0, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "secret", -1);
    uat_buf b;
    uat_buf_init(&b, UAT_JWE_MAX_PLAINTEXT);
    uat_err rc =
        uat_b64_decode(json_string_value(secret), json_string_length(secret), UAT_B64_URL, &b);
    uat_buf_free(&b);
    if (rc != UAT_OK) {
        return UAT_FAILF(rc == UAT_ERR_RESOURCE_LIMIT ? rc : UAT_ERR_PARSE_BAD_ENCODING, CHECK,
                         "secret", -1, "the secret is base64url of at most %u bytes",
                         UAT_JWE_MAX_PLAINTEXT);
    }
    return check_policy(json_object_get(doc, "policy"));
}

void uat_resource_doc_free(json_t *doc)
{
    json_t *secret = json_object_get(doc, "secret");
    if (doc != NULL && doc->refcount == 1 && json_is_string(secret) && secret->refcount == 1) {
        uat_wipe((char *)(uintptr_t)json_string_value(secret), json_string_length(secret));
    }
    json_decref(doc);
}

/* ---- the policy against the EAR ---- */

static int listed(const json_t *list, const char *value)
{
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        if (value != NULL && strcasecmp(json_string_value(v), value) == 0) {
            return 1;
        }
    }
    return 0;
}

static uat_err refuse(const char *submod, const char *what, const char *value)
{
    return UAT_FAILF(UAT_ERR_VERIFY_POLICY, "resource.policy", what, -1,
                     "submodule %.48s: %s %.80s is not accepted by the resource's policy", submod,
                     what, value ? value : "(absent)");
}

/* Every submodule: its status is listed; its TEE and measurement are, when the policy lists any. */
static uat_err apply_policy(const json_t *policy, const json_t *ear)
{
    const json_t *submods = json_object_get(ear, "submods");
    UAT_ENSURE(json_object_size(submods) > 0, UAT_ERR_VERIFY_POLICY, "resource.policy", "submods",
               -1);
    const json_t *tees = json_object_get(policy, "tee");
    const json_t *ms = json_object_get(policy, "measurement");
    const char *name;
    json_t *sub;
    json_object_foreach((json_t *)submods, name, sub)
    {
        const json_t *ev = json_object_get(sub, "ear.veraison.annotated-evidence");
        const char *status = json_string_value(json_object_get(sub, "ear.status"));
        const char *tee = json_string_value(json_object_get(ev, "tee"));
        const char *m = json_string_value(json_object_get(ev, "measurement"));
        if (!listed(json_object_get(policy, "status"), status)) {
            return refuse(name, "status", status);
        }
        if (tees != NULL && !listed(tees, tee)) {
            return refuse(name, "tee", tee);
        }
        if (ms != NULL && !listed(ms, m)) {
            return refuse(name, "measurement", m);
        }
    }
    return UAT_OK;
}

/* The bound key: every submodule that names one names the same (DER SPKI). */
static uat_err bound_key(const json_t *ear, uat_buf *spki)
{
    const char *akpub = NULL, *name;
    json_t *sub;
    json_object_foreach(json_object_get(ear, "submods"), name, sub)
    {
        const char *k = json_string_value(
            json_object_get(json_object_get(sub, "ear.veraison.key-attestation"), "akpub"));
        if (k != NULL && akpub != NULL && strcmp(k, akpub) != 0) {
            return UAT_FAILF(UAT_ERR_VERIFY_BINDING, "resource.key", "akpub", -1,
                             "the submodules bind different keys");
        }
        akpub = k != NULL ? k : akpub;
    }
    if (akpub == NULL) {
        return UAT_FAILF(UAT_ERR_VERIFY_BINDING, "resource.key", "akpub", -1,
                         "the token binds no public key: attest with runtime_data {\"jwk\": ...}");
    }
    return uat_b64_decode(akpub, strlen(akpub), UAT_B64_URL, spki);
}

/* ---- GET /v1/resources/{path} ---- */

static uat_err verify_token(uat_svc *s, const char *bearer, size_t n, int64_t now, json_t **ear)
{
    UAT_ENSURE(bearer != NULL, UAT_ERR_USAGE_UNAUTHENTICATED, "resource.auth", "Authorization", -1);
    char *token = uat_strndup(bearer, n), *jwks = NULL, *claims = NULL;
    uat_err rc = token != NULL ? uat_token_keys_jwks(s->keys, now, &jwks) : UAT_NOMEM(CHECK);
    rc = rc == UAT_OK ? uat_token_verify(token, jwks, now, &claims) : rc;
    if (rc == UAT_OK) {
        *ear = json_loads(claims, 0, NULL);
        rc = *ear != NULL ? UAT_OK : UAT_FAIL(UAT_ERR_PARSE_BAD_JSON, CHECK, "token", -1);
    }
    free(claims);
    free(jwks);
    free(token);
    return rc;
}

static uat_err load_resource(uat_svc *s, const char *path, json_t **doc)
{
    uat_buf b;
    uat_buf_init(&b, UAT_STORE_MAX_BODY + 1);
    uat_err rc = uat_store_get(s->store, UAT_STORE_RESOURCES, path, &b);
    if (rc == UAT_OK) {
        *doc = json_loadb((const char *)b.p, b.len, 0, NULL);
        rc = *doc != NULL ? UAT_OK : UAT_FAIL(UAT_ERR_INTERNAL, CHECK, "stored", -1);
    }
    uat_buf_free(&b);
    return rc;
}

static uat_err encrypt_secret(const json_t *doc, const uat_buf *spki, char **jwe)
{
    const json_t *secret = json_object_get(doc, "secret");
    uat_buf pt;
    uat_buf_init(&pt, UAT_JWE_MAX_PLAINTEXT);
    uat_err rc =
        uat_b64_decode(json_string_value(secret), json_string_length(secret), UAT_B64_URL, &pt);
    if (rc == UAT_OK) {
        rc = uat_jwe_encrypt_spki(uat_buf_span(spki), pt.p, pt.len, jwe);
    }
    uat_buf_free(&pt); /* wiped */
    return rc;
}

uat_err uat_resource_jwe(uat_svc *s, const char *token, size_t n, const char *path, char **jwe,
                         char tee[48])
{
    int64_t now = uat_time_now();
    json_t *ear = NULL, *doc = NULL;
    uat_buf spki;
    uat_buf_init(&spki, 16384);
    uat_err rc = uat_resource_check_path(path);
    rc = rc == UAT_OK ? verify_token(s, token, n, now, &ear) : rc;
    rc = rc == UAT_OK ? load_resource(s, path, &doc) : rc;
    rc = rc == UAT_OK ? apply_policy(json_object_get(doc, "policy"), ear) : rc;
    rc = rc == UAT_OK ? bound_key(ear, &spki) : rc;
    rc = rc == UAT_OK ? encrypt_secret(doc, &spki, jwe) : rc;
    const char *first = NULL;
    json_t *sub;
    json_object_foreach(json_object_get(ear, "submods"), first, sub)
    {
        snprintf(tee, 48, "%s", first);
        break;
    }
    uat_buf_free(&spki);
    uat_resource_doc_free(doc);
    json_decref(ear);
    return rc;
}

void uat_resource_release(uat_svc *s, const uat_http_req *rq, const char *path, uat_http_resp *rs)
{
    char *jwe = NULL;
    size_t n = 0;
    const char *bearer = uat_http_bearer(rq, &n);
    uat_err rc = uat_resource_jwe(s, bearer, n, path, &jwe, rs->tee);
    if (rc != UAT_OK) {
        uat_http_error(rs, rc);
        return;
    }
    uat_http_text(rs, 200, "application/jose", jwe, strlen(jwe));
    free(jwe);
}

void uat_route_resources_get(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs)
{
    size_t n = 0;
    const char *bearer = uat_http_bearer(rq, &n);
    /* a JWS has two dots; an admin token has none */
    if (bearer != NULL && memchr(bearer, '.', n) != NULL) {
        uat_resource_release(s, rq, id, rs);
        return;
    }
    uat_err rc = uat_admin_check(s, rq);
    if (rc != UAT_OK) {
        uat_http_error(rs, rc);
        return;
    }
    uat_resource_admin_get(s, id, rs);
}
