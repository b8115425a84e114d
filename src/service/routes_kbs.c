/* The Confidential Containers KBS protocol v0.4.0 under /kbs/v0/ (../shared/COMPAT.md part A,
 * docs/compat.md): auth -> attest -> resource, with the same verifiers, appraisal, token keys,
 * resource policies and JWE code as /v1. The KBS "tee" names map to registry names through the
 * table below; which verifier runs is the registry's business. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/codec.h"
#include "core/jcs.h"
#include "crypto/crypto.h"
#include "service/routes.h"
#include "service/session.h"

#define CHECK "kbs"
#define KIND "kbs"
#define KBS_VERSION "0.4.0" /* spec: trustee kbs/src/attestation/backend.rs VERSION_REQ "=0.4.0" */
#define KBS_COOKIE "kbs-session-id"
#define KBS_NONCE_BYTES 32u /* spec: trustee backend.rs make_nonce */
#define KBS_ERR "https://github.com/confidential-containers/kbs/errors/"
#define KBS_MAX_JCS (64u * 1024u)

/* KBS tee names (kbs-types Tee, both spellings: COMPAT.md 3.2) -> uattest registry names. */
static const struct {
    const char *kbs, *tee;
} kbs_tees[] = {
    {"sample", "sim"},      {"sgx", "sgx"},       {"tdx", "tdx"},
    {"snp", "snp"},         {"csv", "csv"},       {"cca", "cca"},
    {"tpm", "tpm"},         {"azsnpvtpm", "az-snp-vtpm"}, {"az-snp-vtpm", "az-snp-vtpm"},
};

/* ---- errors: Trustee's ErrorInformation {type, detail} (COMPAT.md 3.7) ---- */

/* The Trustee ProblemType of an error in a phase; every one is 401 but InvalidRequestPath. */
static const char *problem(uat_err e, const char *phase)
{
    enum uat_err_category c = uat_err_category(e);
    if (e == UAT_ERR_USAGE_NOT_FOUND) {
        return "InvalidRequestPath";
    }
    if (e == UAT_ERR_USAGE_UNAUTHENTICATED) {
        return "TokenNotFound";
    }
    if (c == UAT_CAT_PARSE || e == UAT_ERR_USAGE_INVALID_ARGUMENT) {
        return "SerdeError";
    }
    if (strcmp(phase, "resource") == 0) {
        if (e == UAT_ERR_VERIFY_POLICY) {
            return "PolicyDeny";
        }
        return c == UAT_CAT_VERIFY ? "TokenVerifierError" : "JweError";
    }
    return "AttestationError";
}

/* The detail carries the error table's name and sentence, then what failed. */
static void kbs_error(uat_http_resp *rs, uat_err e, const char *phase, const uat_ear *ear)
{
    const uat_error_detail *d = uat_last_error();
    char why[512] = "";
    if (e == UAT_ERR_VERIFY_POLICY && ear != NULL) {
        uat_attest_reason(ear, why, sizeof(why));
    } else if (d->err == e && d->message[0] != '\0') {
        snprintf(why, sizeof(why), "%s", d->message);
    } else if (d->err == e && d->field != NULL && d->field[0] != '\0') {
        snprintf(why, sizeof(why), "%s: field %s", d->check ? d->check : "", d->field);
    }
    char detail[800];
    snprintf(detail, sizeof(detail), "%s: %s%s%s", uat_err_name(e), uat_err_message(e),
             why[0] ? " " : "", why);
    char type[128];
    const char *pt = problem(e, phase);
    snprintf(type, sizeof(type), KBS_ERR "%s", pt);
    uat_http_json(rs, strcmp(pt, "InvalidRequestPath") == 0 ? 404 : 401,
                  json_pack("{s:s,s:s}", "type", type, "detail", detail));
    snprintf(rs->error, sizeof(rs->error), "%s", uat_err_name(e));
}

/* ---- helpers ---- */

static const char *registry_tee(const char *kbs)
{
    for (size_t i = 0; i < sizeof(kbs_tees) / sizeof(kbs_tees[0]); i++) {
        if (strcasecmp(kbs, kbs_tees[i].kbs) != 0) {
            continue;
        }
        for (size_t k = 0; uat_tee_name(k) != NULL; k++) { /* built into this verifier? */
            if (strcmp(uat_tee_name(k), kbs_tees[i].tee) == 0) {
                return uat_tee_name(k);
            }
        }
    }
    return NULL;
}

static const char *media_type_of(const char *tee)
{
    for (size_t k = 0; uat_tee_name(k) != NULL; k++) {
        if (strcmp(uat_tee_name(k), tee) == 0) {
            return uat_tee_media_type(k);
        }
    }
    return NULL;
}

/* extra-params: "", {} or {"supported-hash-algorithms": [...]} (COMPAT.md 3.9 item 4). */
static uat_err pick_hash(const json_t *extra, const char **name, int *offered)
{
    const json_t *list = json_object_get(extra, "supported-hash-algorithms");
    *name = "sha384"; /* spec: guest-components DEFAULT_HASH_ALGORITHM */
    *offered = list != NULL;
    if (list == NULL) {
        return UAT_OK;
    }
    UAT_ENSURE(json_is_array(list), UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK,
               "supported-hash-algorithms", -1);
    static const char *const ours[] = {"sha384", "sha512", "sha256"}; /* preference order */
    for (size_t k = 0; k < 3; k++) {
        size_t i;
        json_t *v;
        json_array_foreach(list, i, v)
        {
            if (json_is_string(v) && strcasecmp(json_string_value(v), ours[k]) == 0) {
                *name = ours[k];
                return UAT_OK;
            }
        }
    }
    return UAT_FAILF(UAT_ERR_UNSUPPORTED_ALGORITHM, CHECK, "supported-hash-algorithms", -1,
                     "none of sha384, sha512, sha256 is offered");
}

static enum uat_hash_alg hash_of(const char *name)
{
    return strcmp(name, "sha512") == 0   ? UAT_HASH_SHA512
           : strcmp(name, "sha256") == 0 ? UAT_HASH_SHA256
                                         : UAT_HASH_SHA384;
}

static void set_cookie(uat_http_resp *rs, const char *id, long ttl)
{
    snprintf(rs->set_cookie, sizeof(rs->set_cookie),
             KBS_COOKIE "=%s; Path=/kbs/v0; Max-Age=%ld; HttpOnly", id, ttl);
}

/* ---- POST /kbs/v0/auth ---- */

static uat_err auth(uat_svc *s, const uat_http_req *rq, char id[UAT_SESSION_ID_LEN + 1],
                    json_t **reply)
{
    json_t *body = NULL;
    UAT_TRY(uat_http_body_object(rq, &body));
    const char *version = json_string_value(json_object_get(body, "version"));
    const char *kbs_tee = json_string_value(json_object_get(body, "tee"));
    const char *tee = kbs_tee != NULL ? registry_tee(kbs_tee) : NULL;
    const char *hash = NULL;
    int offered = 0;
    uint8_t raw[KBS_NONCE_BYTES];
    uat_buf nonce;
    uat_buf_init(&nonce, 64);
    uat_err rc = UAT_OK;
    if (version == NULL || strcmp(version, KBS_VERSION) != 0) {
        rc = UAT_FAILF(UAT_ERR_PARSE_BAD_VERSION, CHECK, "version", -1,
                       "protocol version %.16s is not " KBS_VERSION, version ? version : "(none)");
    } else if (tee == NULL) {
        rc = UAT_FAILF(UAT_ERR_UNSUPPORTED_TEE, CHECK, "tee", -1,
                       "tee \"%.32s\" is not one this verifier supports (docs/compat.md)",
                       kbs_tee ? kbs_tee : "");
    }
    rc = rc == UAT_OK ? pick_hash(json_object_get(body, "extra-params"), &hash, &offered) : rc;
    rc = rc == UAT_OK ? uat_random(raw, sizeof(raw)) : rc;
    rc = rc == UAT_OK ? uat_b64_encode(raw, sizeof(raw), UAT_B64_STD, &nonce) : rc;
    rc = rc == UAT_OK ? uat_session_id(id) : rc;
    if (rc == UAT_OK) {
        int64_t now = uat_time_now();
        json_t *state = json_pack("{s:s,s:s,s:s,s:s%,s:s}", "kbs_tee", kbs_tee, "tee", tee,
                                  "hash", hash, "nonce", (const char *)nonce.p, nonce.len,
                                  "status", "waiting");
        rc = state != NULL ? uat_sessions_put(s->sessions, KIND, id, state,
                                              now + s->cfg->nonce_ttl, now)
                           : UAT_NOMEM(CHECK);
        json_decref(state);
        *reply = json_pack("{s:s%,s:o}", "nonce", (const char *)nonce.p, nonce.len,
                           "extra-params",
                           offered ? json_pack("{s:s}", "selected-hash-algorithm", hash)
                                   : json_string(""));
    }
    uat_buf_free(&nonce);
    json_decref(body);
    return rc;
}

void uat_route_kbs_auth(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs)
{
    (void)id;
    char sid[UAT_SESSION_ID_LEN + 1];
    json_t *reply = NULL;
    uat_err rc = auth(s, rq, sid, &reply);
    if (rc != UAT_OK) {
        kbs_error(rs, rc, "auth", NULL);
        return;
    }
    uat_http_json(rs, 200, reply);
    set_cookie(rs, sid, s->cfg->nonce_ttl);
}

/* ---- POST /kbs/v0/attest ---- */

typedef struct kbs_attest {
    json_t *session, *body;
    char sid[UAT_SESSION_ID_LEN + 1];
    int64_t expires_at, now;
    json_t *runtime; /* {"additional-evidence", "nonce", "tee-pubkey"} as hashed */
    char *jwk;       /* tee-pubkey, compact */
    uat_buf evidence;
    uat_claims *claims;
    uat_ear *ear;
    char *jwt;
} kbs_attest;

static uat_err session_of(uat_svc *s, const uat_http_req *rq, kbs_attest *a)
{
    const char *sid = uat_http_cookie(rq, KBS_COOKIE, a->sid, sizeof(a->sid));
    UAT_ENSURE(sid != NULL, UAT_ERR_USAGE_UNAUTHENTICATED, CHECK, "Cookie " KBS_COOKIE, -1);
    return uat_sessions_get(s->sessions, KIND, sid, a->now, &a->session, &a->expires_at);
}

/* The tee-pubkey as Trustee re-serialises its parsed TeePubKey: only the members of its kty
 * (COMPAT.md 3.4: a client must not add others; unknown ones are dropped before hashing). */
static uat_err tee_pubkey(const json_t *in, json_t **out)
{
    static const char *const ec[] = {"kty", "crv", "alg", "x", "y"};
    static const char *const rsa[] = {"kty", "alg", "n", "e"};
    const char *kty = json_string_value(json_object_get(in, "kty"));
    const char *alg = json_string_value(json_object_get(in, "alg"));
    int is_ec = kty != NULL && strcmp(kty, "EC") == 0;
    int is_rsa = kty != NULL && strcmp(kty, "RSA") == 0;
    if (!(is_ec && alg != NULL && strcmp(alg, "ECDH-ES+A256KW") == 0) &&
        !(is_rsa && alg != NULL && strcmp(alg, "RSA-OAEP-256") == 0)) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_ALGORITHM, CHECK, "tee-pubkey", -1,
                         "tee-pubkey is an EC key for ECDH-ES+A256KW or an RSA key for "
                         "RSA-OAEP-256");
    }
    const char *const *names = is_ec ? ec : rsa;
    size_t n = is_ec ? 5 : 4;
    json_t *k = json_object();
    for (size_t i = 0; k != NULL && i < n; i++) {
        json_t *v = json_object_get(in, names[i]);
        if (!json_is_string(v)) {
            json_decref(k);
            return UAT_FAILF(UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "tee-pubkey", -1,
                             "tee-pubkey has no string \"%s\"", names[i]);
        }
        json_object_set(k, names[i], v);
    }
    *out = k;
    return k != NULL ? UAT_OK : UAT_NOMEM(CHECK);
}

/* {"runtime-data": {nonce, tee-pubkey}, "tee-evidence": {primary_evidence, additional_evidence},
 *  "init-data"?} (COMPAT.md 3.3) */
static uat_err parse_attestation(const uat_http_req *rq, kbs_attest *a)
{
    UAT_TRY(uat_http_body_object(rq, &a->body));
    const json_t *rd = json_object_get(a->body, "runtime-data");
    const json_t *te = json_object_get(a->body, "tee-evidence");
    const json_t *nonce = json_object_get(rd, "nonce");
    const json_t *ae = json_object_get(te, "additional_evidence");
    UAT_ENSURE(json_is_string(nonce), UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "runtime-data.nonce",
               -1);
    UAT_ENSURE(json_object_get(te, "primary_evidence") != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT,
               CHECK, "tee-evidence.primary_evidence", -1);
    UAT_ENSURE(ae == NULL || json_is_string(ae), UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK,
               "tee-evidence.additional_evidence", -1);
    if (json_string_length(ae) > 0) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, CHECK, "additional_evidence", -1,
                         "device evidence through the KBS protocol is not supported: send a "
                         "composite CMW as primary_evidence");
    }
    if (json_object_get(a->body, "init-data") != NULL) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, CHECK, "init-data", -1,
                         "init-data is not supported by this KBS front-end");
    }
    json_t *key = NULL;
    UAT_TRY(tee_pubkey(json_object_get(rd, "tee-pubkey"), &key));
    const char *aes = json_string_value(ae) != NULL ? json_string_value(ae) : "";
    a->runtime = json_pack("{s:s,s:O,s:o}", "additional-evidence", aes, "nonce", nonce,
                           "tee-pubkey", key);
    UAT_ENSURE(a->runtime != NULL, UAT_ERR_RESOURCE_NO_MEMORY, CHECK, "runtime-data", -1);
    a->jwk = json_dumps(key, JSON_COMPACT);
    return a->jwk != NULL ? UAT_OK : UAT_NOMEM(CHECK);
}

/* spec: COMPAT.md 3.4: report_data = HASH(JCS(runtime data)), zero-padded to 64 bytes */
static uat_err binding(const kbs_attest *a, uint8_t out[UAT_REPORT_DATA_SIZE])
{
    uat_buf text;
    uat_buf_init(&text, KBS_MAX_JCS);
    uat_err rc = uat_jcs(a->runtime, &text);
    enum uat_hash_alg h = hash_of(json_string_value(json_object_get(a->session, "hash")));
    memset(out, 0, UAT_REPORT_DATA_SIZE);
    if (rc == UAT_OK) {
        uat_span part = uat_buf_span(&text);
        rc = uat_hash(h, &part, 1, out);
    }
    uat_buf_free(&text);
    return rc;
}

/* primary_evidence: a CMW (JSON record or collection) as our attesters emit it, or a string with
 * the base64 of raw evidence of the session's TEE, wrapped in a CMW record of its media type. */
static uat_err evidence_of(const kbs_attest *a, uat_buf *out)
{
    const json_t *te = json_object_get(a->body, "tee-evidence");
    const json_t *pe = json_object_get(te, "primary_evidence");
    char *text = NULL;
    if (json_is_string(pe)) {
        const char *mt = media_type_of(json_string_value(json_object_get(a->session, "tee")));
        uat_buf raw, b64;
        uat_buf_init(&raw, UAT_SVC_MAX_BODY);
        uat_buf_init(&b64, 2 * UAT_SVC_MAX_BODY);
        const char *v = json_string_value(pe);
        size_t n = json_string_length(pe);
        uat_err rc = strchr(v, '+') || strchr(v, '/') || strchr(v, '=')
                         ? uat_b64_decode(v, n, UAT_B64_STD, &raw)
                         : uat_b64_decode(v, n, UAT_B64_URL, &raw);
        rc = rc == UAT_OK ? uat_b64_encode(raw.p, raw.len, UAT_B64_URL, &b64) : rc;
        if (rc == UAT_OK) {
            json_t *rec = json_pack("[ss%]", mt ? mt : "", (const char *)b64.p, b64.len);
            text = rec ? json_dumps(rec, JSON_COMPACT) : NULL;
            json_decref(rec);
        }
        uat_buf_free(&raw);
        uat_buf_free(&b64);
        UAT_ENSURE(rc == UAT_OK, UAT_ERR_PARSE_BAD_ENCODING, CHECK, "primary_evidence", -1);
    } else {
        text = json_dumps(pe, JSON_COMPACT | JSON_PRESERVE_ORDER);
    }
    if (text == NULL) {
        return UAT_NOMEM(CHECK);
    }
    uat_err rc = uat_buf_append_str(out, text);
    free(text);
    return rc;
}

/* The EAR where Trustee looks: the primary submodule is "cpu0" and carries the runtime data at
 * /submods/cpu0/ear.veraison.annotated-evidence/runtime_data_claims (COMPAT.md 3.5). */
static uat_err kbs_claims(const kbs_attest *a, char **out)
{
    char *text = NULL;
    UAT_TRY(uat_ear_to_json(a->ear, 0, &text));
    json_t *doc = json_loads(text, 0, NULL);
    free(text);
    json_t *subs = json_object_get(doc, "submods");
    json_t *renamed = json_object();
    const char *name;
    json_t *sub;
    int first = 1;
    json_object_foreach(subs, name, sub)
    {
        json_t *ae = json_object_get(sub, "ear.veraison.annotated-evidence");
        if (json_is_object(ae)) {
            json_object_set(ae, "runtime_data_claims", a->runtime);
        }
        json_object_set(renamed, first ? "cpu0" : name, sub);
        first = 0;
    }
    if (doc == NULL || renamed == NULL || json_object_set_new(doc, "submods", renamed) != 0) {
        json_decref(doc);
        return UAT_NOMEM(CHECK);
    }
    *out = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(doc);
    return *out != NULL ? UAT_OK : UAT_NOMEM(CHECK);
}

static uat_err run_attest(uat_svc *s, const uat_http_req *rq, kbs_attest *a)
{
    uint8_t bind[UAT_REPORT_DATA_SIZE];
    a->now = uat_time_now();
    UAT_TRY(session_of(s, rq, a));
    const char *nonce = json_string_value(json_object_get(a->session, "nonce"));
    /* spec: trustee backend.rs __attest returns the stored token for an attested session; here a
     * session's nonce is spent by its first attestation, and a client that retries starts over */
    UAT_ENSURE(strcmp(json_string_value(json_object_get(a->session, "status")), "waiting") == 0,
               UAT_ERR_VERIFY_NONCE, CHECK, "nonce.used", -1);
    UAT_TRY(parse_attestation(rq, a));
    const json_t *given = json_object_get(a->runtime, "nonce");
    UAT_ENSURE(json_string_length(given) == strlen(nonce) &&
                   uat_ct_equal(json_string_value(given), nonce, strlen(nonce)),
               UAT_ERR_VERIFY_NONCE, CHECK, "runtime-data.nonce", -1);
    UAT_TRY(binding(a, bind));
    UAT_TRY(evidence_of(a, &a->evidence));
    char spend[64];
    snprintf(spend, sizeof(spend), "kbs:%s", a->sid);
    uat_attest_in in = {a->evidence.p, a->evidence.len, bind, (const uint8_t *)nonce,
                        strlen(nonce),  a->jwk,          NULL, spend,
                        a->expires_at,  a->now, NULL};
    UAT_TRY(uat_attest_evidence(s, &in, &a->claims, &a->ear));
    const char *want = json_string_value(json_object_get(a->session, "tee"));
    if (strcmp(uat_claims_tee(a->claims), want) != 0) {
        UAT_TRY(uat_attest_spend(s, &in));
        return UAT_FAILF(UAT_ERR_VERIFY_BINDING, CHECK, "tee", -1,
                         "the evidence is %s, the session was opened for %s",
                         uat_claims_tee(a->claims), want);
    }
    char *claims = NULL;
    UAT_TRY(kbs_claims(a, &claims));
    uat_err rc = uat_attest_sign(s, &in, a->ear, claims, a->now, &a->jwt);
    free(claims);
    UAT_TRY(rc);
    json_object_set_new(a->session, "status", json_string("attested"));
    json_object_set_new(a->session, "token", json_string(a->jwt));
    return uat_sessions_put(s->sessions, KIND, a->sid, a->session, a->expires_at, a->now);
}

void uat_route_kbs_attest(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs)
{
    (void)id;
    kbs_attest a;
    memset(&a, 0, sizeof(a));
    uat_buf_init(&a.evidence, 2 * UAT_SVC_MAX_BODY);
    uat_err rc = run_attest(s, rq, &a);
    if (a.claims != NULL) {
        snprintf(rs->tee, sizeof(rs->tee), "%s", uat_claims_tee(a.claims));
    }
    if (rc != UAT_OK) {
        kbs_error(rs, rc, "attest", a.ear);
    } else {
        uat_http_json(rs, 200, json_pack("{s:s}", "token", a.jwt));
        set_cookie(rs, a.sid, (long)(a.expires_at - a.now));
    }
    free(a.jwt);
    uat_ear_free(a.ear);
    uat_claims_free(a.claims);
    free(a.jwk);
    json_decref(a.runtime);
    uat_buf_free(&a.evidence);
    json_decref(a.body);
    json_decref(a.session);
}

/* ---- GET /kbs/v0/resource/<repository>/<type>/<tag> ---- */

/* The compact JWE as Trustee's flattened JSON (COMPAT.md 3.6: no "aad"). */
static uat_err flatten(const char *jwe, json_t **out)
{
    static const char *const parts[5] = {"protected", "encrypted_key", "iv", "ciphertext", "tag"};
    json_t *doc = json_object();
    const char *p = jwe;
    for (size_t i = 0; doc != NULL && i < 5; i++) {
        size_t n = strcspn(p, ".");
        if ((i < 4 && p[n] != '.') || (i == 4 && p[n] != '\0')) {
            json_decref(doc);
            return UAT_FAIL(UAT_ERR_INTERNAL, CHECK, "jwe", -1);
        }
        json_object_set_new(doc, parts[i], json_stringn(p, n));
        p += n + (i < 4);
    }
    *out = doc;
    return doc != NULL ? UAT_OK : UAT_NOMEM(CHECK);
}

static uat_err resource(uat_svc *s, const uat_http_req *rq, const char *path, json_t **out,
                        char tee[48])
{
    /* repository/type/tag: three segments */
    const char *a = strchr(path, '/'), *b = a ? strchr(a + 1, '/') : NULL;
    UAT_ENSURE(a != NULL && b != NULL && strchr(b + 1, '/') == NULL, UAT_ERR_USAGE_NOT_FOUND, CHECK,
               "resource path", -1);
    size_t n = 0;
    const char *bearer = uat_http_bearer(rq, &n);
    char sid[UAT_SESSION_ID_LEN + 1];
    json_t *session = NULL;
    char *token = NULL, *jwe = NULL;
    if (bearer == NULL && uat_http_cookie(rq, KBS_COOKIE, sid, sizeof(sid)) != NULL) {
        int64_t exp = 0;
        UAT_TRY(uat_sessions_get(s->sessions, KIND, sid, uat_time_now(), &session, &exp));
        const char *t = json_string_value(json_object_get(session, "token"));
        token = t != NULL ? uat_strndup(t, strlen(t)) : NULL;
        n = token != NULL ? strlen(token) : 0;
        json_decref(session);
        UAT_ENSURE(token != NULL, UAT_ERR_USAGE_UNAUTHENTICATED, CHECK, "session.attested", -1);
        bearer = token;
    }
    uat_err rc = uat_resource_jwe(s, bearer, n, path, &jwe, tee);
    rc = rc == UAT_OK ? flatten(jwe, out) : rc;
    free(jwe);
    free(token);
    return rc;
}

void uat_route_kbs_resource(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs)
{
    json_t *doc = NULL;
    uat_err rc = resource(s, rq, id, &doc, rs->tee);
    if (rc != UAT_OK) {
        kbs_error(rs, rc, "resource", NULL);
        return;
    }
    uat_http_json(rs, 200, doc);
}
