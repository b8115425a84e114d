/* openEuler secGear attestation service admin routes (../shared/COMPAT.md part C §1,
 * docs/compat.md): POST /reference, POST|GET /policy, POST|GET /resource/storage and
 * /resource/policy, served behind our admin token (secGear's service has no authentication) and
 * written to the same store, through the same admin writes, as /v1/reference-values, /v1/policies
 * and /v1/resources.
 *
 * Mapping: a secGear reference key "<tee>.<claim path>" sets that path of the reference value
 * document "secgear.<tee>"; a secGear policy is a uattest policy (JSON or Lua, base64url as secGear
 * sends Rego) stored under its secGear id; a secGear resource <vendor>/<path> is the resource of
 * that path (vendor null or "" = secGear's base vendor "oeas"), released by TeeGet only as a JWE to
 * the key bound in the caller's EAR token. */
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "evidence/claims_int.h"
#include "service/routes.h"

#define CHECK "secgear.admin"
#define SG_BASE_VENDOR "oeas" /* spec: SG attestation-types/src/resource: vendor None -> oeas */
#define SG_REFVAL_PREFIX "secgear."
#define SG_MAX_REFS 256u /* reference keys in one POST /reference */

static void ok_text(uat_http_resp *rs, const char *text)
{
    uat_http_text(rs, 200, "text/plain", text, strlen(text));
}

/* The request body as an object with only the given members. */
static uat_err body_of(const uat_http_req *rq, const char *const *names, json_t **out)
{
    json_t *body = NULL;
    UAT_TRY(uat_http_body_object(rq, &body));
    uat_err rc = uat_json_only_members(body, names, CHECK, "");
    if (rc != UAT_OK) {
        json_decref(body);
        return rc;
    }
    *out = body;
    return UAT_OK;
}

/* ---- POST /reference {"refs": "<JSON object text>"} ---- */

/* A secGear reference value: a string, number or boolean, or a non-empty list of them, as the list
 * of accepted values of a reference value document. */
static uat_err accepted_values(const char *key, const json_t *v, json_t **out)
{
    json_t *list = json_is_array(v) ? json_copy((json_t *)v) : json_pack("[O]", v);
    int ok = list != NULL && json_array_size(list) > 0 && json_array_size(list) <= 256;
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e)
    {
        ok = ok && (json_is_string(e) || json_is_number(e) || json_is_boolean(e));
    }
    if (!ok) {
        json_decref(list);
        return UAT_FAILF(UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "refs", -1,
                         "reference %.64s: a value is a string, number or boolean, or a list", key);
    }
    *out = list;
    return UAT_OK;
}

/* The stored document "secgear.<tee>", or a new one for tee. */
static uat_err refval_doc(uat_svc *s, const char *tee, json_t **doc)
{
    char id[128];
    snprintf(id, sizeof(id), SG_REFVAL_PREFIX "%s", tee);
    *doc = NULL;
    uat_buf b;
    uat_buf_init(&b, UAT_STORE_MAX_BODY + 1);
    uat_err rc = uat_store_get(s->store, UAT_STORE_REFVALS, id, &b);
    if (rc == UAT_OK) {
        *doc = json_loadb((const char *)b.p, b.len, 0, NULL);
        rc = json_is_object(json_object_get(*doc, "values"))
                 ? UAT_OK
                 : UAT_FAILF(UAT_ERR_USAGE_BAD_STATE, CHECK, "refs", -1,
                             "the stored document %s has no values object", id);
    } else if (rc == UAT_ERR_USAGE_NOT_FOUND) {
        *doc = json_pack("{s:s,s:s,s:{}}", "id", id, "tee", tee, "values");
        rc = *doc != NULL ? UAT_OK : UAT_NOMEM(CHECK);
    }
    uat_buf_free(&b);
    if (rc != UAT_OK) {
        json_decref(*doc);
        *doc = NULL;
    }
    return rc;
}

/* Sets each "<tee>.<path>": value of refs in docs (registry TEE -> its document). */
static uat_err apply_refs(uat_svc *s, const json_t *refs, json_t *docs)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)refs, key, v)
    {
        const char *dot = strchr(key, '.');
        UAT_ENSURE(dot != NULL && dot > key && dot[1] != '\0' && dot - key < 64,
                   UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "refs", -1);
        char prefix[64];
        snprintf(prefix, sizeof(prefix), "%.*s", (int)(dot - key), key);
        const char *tee = uat_sg_registry_tee(prefix);
        if (tee == NULL) {
            return UAT_FAILF(UAT_ERR_UNSUPPORTED_TEE, CHECK, "refs", -1,
                             "reference %.64s: this verifier has no TEE named %s", key, prefix);
        }
        json_t *doc = json_object_get(docs, tee), *list = NULL;
        if (doc == NULL) {
            UAT_TRY(refval_doc(s, tee, &doc));
            if (json_object_set_new(docs, tee, doc) != 0) {
                return UAT_NOMEM(CHECK);
            }
        }
        UAT_TRY(accepted_values(key, v, &list));
        if (json_object_set_new(json_object_get(doc, "values"), dot + 1, list) != 0) {
            return UAT_NOMEM(CHECK);
        }
    }
    return UAT_OK;
}

/* Checks (check_only) or stores one reference value document. */
static uat_err refval_write(uat_svc *s, const json_t *doc, int check_only)
{
    char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (text == NULL) {
        return UAT_NOMEM(CHECK);
    }
    int created = 0;
    const char *id = json_string_value(json_object_get(doc, "id"));
    uat_err rc =
        check_only ? uat_admin_refval_check(text) : uat_admin_refval_put(s, id, text, &created);
    free(text);
    return rc;
}

/* Every document is checked before the first is written: a bad key or value writes nothing. */
static uat_err set_refs(uat_svc *s, const json_t *refs)
{
    json_t *docs = json_object(), *doc;
    uat_err rc = docs != NULL ? apply_refs(s, refs, docs) : UAT_NOMEM(CHECK);
    const char *tee;
    for (int pass = 0; pass < 2 && rc == UAT_OK; pass++) {
        json_object_foreach(docs, tee, doc)
        {
            rc = rc == UAT_OK ? refval_write(s, doc, pass == 0) : rc;
        }
    }
    json_decref(docs);
    return rc;
}

void uat_route_sg_reference(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs)
{
    static const char *const names[] = {"refs", NULL};
    (void)id;
    json_t *body = NULL, *refs = NULL;
    uat_err rc = uat_admin_check(s, rq);
    rc = rc == UAT_OK ? body_of(rq, names, &body) : rc;
    const json_t *text = json_object_get(body, "refs");
    if (rc == UAT_OK) {
        refs = json_loadb(json_string_value(text), json_string_length(text), JSON_REJECT_DUPLICATES,
                          NULL);
        rc =
            json_is_object(refs) && json_object_size(refs) > 0 &&
                    json_object_size(refs) <= SG_MAX_REFS
                ? UAT_OK
                : UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, CHECK, "refs", -1,
                            "refs is the text of a JSON object of 1 to %u references", SG_MAX_REFS);
    }
    rc = rc == UAT_OK ? set_refs(s, refs) : rc;
    if (rc != UAT_OK) {
        uat_http_error(rs, rc);
    } else {
        ok_text(rs, "set reference success"); /* spec: SG restapi/mod.rs reference */
    }
    json_decref(refs);
    json_decref(body);
}

/* ---- POST /policy {"tee", "id", "policy": base64url(text)}, GET /policy {"policy_id"} ---- */

/* A Rego module starts with its package clause, after blank lines and '#' comments (Rego language
 * reference, "Packages"); Lua has neither. */
static int is_rego(const uat_buf *text)
{
    size_t i = 0;
    while (i < text->len) {
        char c = (char)text->p[i];
        if (c == '#') {
            while (i < text->len && text->p[i] != '\n') {
                i++;
            }
        } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            i++;
        } else {
            break;
        }
    }
    return text->len - i > 8 && memcmp(text->p + i, "package", 7) == 0 &&
           (text->p[i + 7] == ' ' || text->p[i + 7] == '\t');
}

void uat_route_sg_policy_set(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs)
{
    static const char *const names[] = {"tee", "id", "policy", NULL};
    (void)id;
    json_t *body = NULL;
    uat_buf text;
    uat_buf_init(&text, UAT_STORE_MAX_BODY);
    uat_err rc = uat_admin_check(s, rq);
    rc = rc == UAT_OK ? body_of(rq, names, &body) : rc;
    const json_t *pid = json_object_get(body, "id"), *p = json_object_get(body, "policy");
    if (rc == UAT_OK && (!json_is_string(pid) || !json_is_string(p))) {
        rc = UAT_FAILF(UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "policy", -1,
                       "id and policy are strings (policy: base64url of the policy text)");
    }
    if (rc == UAT_OK &&
        uat_b64_decode(json_string_value(p), json_string_length(p), UAT_B64_URL, &text) != UAT_OK) {
        rc = UAT_FAIL(UAT_ERR_PARSE_BAD_ENCODING, CHECK, "policy", -1);
    }
    if (rc == UAT_OK && is_rego(&text)) {
        rc = UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, CHECK, "policy", -1,
                       "Rego policies are not evaluated: send a uattest policy (JSON or Lua)");
    }
    int created = 0;
    rc = rc == UAT_OK ? uat_admin_policy_put(s, json_string_value(pid), (const char *)text.p,
                                             text.len, &created, NULL)
                      : rc;
    if (rc != UAT_OK) {
        uat_http_error(rs, rc);
    } else {
        ok_text(rs, "set policy success"); /* spec: SG restapi/mod.rs set_policy */
    }
    uat_buf_free(&text);
    json_decref(body);
}

void uat_route_sg_policy_get(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs)
{
    static const char *const names[] = {"policy_id", NULL};
    (void)id;
    json_t *body = NULL;
    uat_buf text, b64;
    uat_buf_init(&text, UAT_STORE_MAX_BODY + 1);
    uat_buf_init(&b64, 2 * UAT_STORE_MAX_BODY);
    uat_err rc = uat_admin_check(s, rq);
    rc = rc == UAT_OK ? body_of(rq, names, &body) : rc;
    const char *pid = json_string_value(json_object_get(body, "policy_id"));
    if (rc == UAT_OK && pid == NULL) {
        rc = UAT_FAIL(UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "policy_id", -1);
    }
    rc = rc == UAT_OK ? uat_store_get(s->store, UAT_STORE_POLICIES, pid, &text) : rc;
    rc = rc == UAT_OK ? uat_b64_encode(text.p, text.len, UAT_B64_URL, &b64) : rc;
    if (rc != UAT_OK) {
        uat_http_error(rs, rc);
    } else {
        uat_http_text(rs, 200, "text/plain", (const char *)b64.p, b64.len);
    }
    uat_buf_free(&b64);
    uat_buf_free(&text);
    json_decref(body);
}

/* ---- /resource/storage ---- */

/* {"vendor": s | null, "path": s} -> "<vendor>/<path>" */
static uat_err resource_path(const json_t *res, char path[UAT_STORE_MAX_ID + 1])
{
    static const char *const names[] = {"vendor", "path", NULL};
    UAT_ENSURE(json_is_object(res), UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "resource", -1);
    UAT_TRY(uat_json_only_members(res, names, CHECK, "resource"));
    const json_t *v = json_object_get(res, "vendor");
    const char *p = json_string_value(json_object_get(res, "path"));
    UAT_ENSURE(v == NULL || json_is_null(v) || json_is_string(v), UAT_ERR_USAGE_INVALID_ARGUMENT,
               CHECK, "resource.vendor", -1);
    UAT_ENSURE(p != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "resource.path", -1);
    const char *vendor = json_string_length(v) > 0 ? json_string_value(v) : SG_BASE_VENDOR;
    int n = snprintf(path, UAT_STORE_MAX_ID + 1, "%s/%s", vendor, p);
    UAT_ENSURE(n > 0 && (size_t)n <= UAT_STORE_MAX_ID, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK,
               "resource.path", -1);
    return uat_resource_check_path(path);
}

/* The resource document with secret = base64url(content); policy: the stored one (Modify) or the
 * default release policy (Add). */
static uat_err with_content(const json_t *content, const json_t *policy, json_t **doc)
{
    UAT_ENSURE(json_is_string(content), UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "content", -1);
    uat_buf b64;
    uat_buf_init(&b64, 2 * UAT_STORE_MAX_BODY);
    uat_err rc = uat_b64_encode((const uint8_t *)json_string_value(content),
                                json_string_length(content), UAT_B64_URL, &b64);
    if (rc == UAT_OK) {
        *doc = policy != NULL ? json_pack("{s:s%,s:O}", "secret", (const char *)b64.p, b64.len,
                                          "policy", policy)
                              : json_pack("{s:s%,s:{s:[s]}}", "secret", (const char *)b64.p,
                                          b64.len, "policy", "status", "affirming");
        rc = *doc != NULL ? UAT_OK : UAT_NOMEM(CHECK);
    }
    uat_wipe(b64.p, b64.len);
    uat_buf_free(&b64);
    return rc;
}

/* {"Add": {"content", "policy": []}}: secGear's policy names Rego resource policies, which uattest
 * does not evaluate; the release policy is ours (PUT /v1/resources sets another). */
static uat_err storage_add(uat_svc *s, const char *path, const json_t *op)
{
    static const char *const names[] = {"content", "policy", NULL};
    UAT_ENSURE(json_is_object(op), UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "op.Add", -1);
    UAT_TRY(uat_json_only_members(op, names, CHECK, "op.Add"));
    const json_t *pol = json_object_get(op, "policy");
    if (json_array_size(pol) > 0 || (pol != NULL && !json_is_array(pol) && !json_is_null(pol))) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, CHECK, "op.Add.policy", -1,
                         "Rego resource policies are not evaluated: send \"policy\": [] and set "
                         "the release policy with PUT /v1/resources/%s",
                         path);
    }
    json_t *doc = NULL;
    int created = 0;
    UAT_TRY(with_content(json_object_get(op, "content"), NULL, &doc));
    uat_err rc = uat_admin_resource_put(s, path, doc, &created);
    uat_resource_doc_free(doc);
    return rc;
}

/* {"Modify": {"content"}}: the secret changes, the release policy stays. */
static uat_err storage_modify(uat_svc *s, const char *path, const json_t *op)
{
    static const char *const names[] = {"content", NULL};
    UAT_ENSURE(json_is_object(op), UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "op.Modify", -1);
    UAT_TRY(uat_json_only_members(op, names, CHECK, "op.Modify"));
    uat_buf b;
    uat_buf_init(&b, UAT_STORE_MAX_BODY + 1);
    uat_err rc = uat_store_get(s->store, UAT_STORE_RESOURCES, path, &b);
    json_t *old = rc == UAT_OK ? json_loadb((const char *)b.p, b.len, 0, NULL) : NULL;
    uat_wipe(b.p, b.len);
    uat_buf_free(&b);
    json_t *doc = NULL;
    int created = 0;
    if (rc == UAT_OK) {
        rc = old != NULL ? with_content(json_object_get(op, "content"),
                                        json_object_get(old, "policy"), &doc)
                         : UAT_FAIL(UAT_ERR_INTERNAL, CHECK, "stored", -1);
    }
    rc = rc == UAT_OK ? uat_admin_resource_put(s, path, doc, &created) : rc;
    uat_resource_doc_free(doc);
    uat_resource_doc_free(old);
    return rc;
}

/* {"op": OP, "resource": {"vendor", "path"}}, OP one of serde's externally tagged variants */
static uat_err storage_set(uat_svc *s, const json_t *body)
{
    char path[UAT_STORE_MAX_ID + 1];
    UAT_TRY(resource_path(json_object_get(body, "resource"), path));
    const json_t *op = json_object_get(body, "op");
    if (json_is_string(op) && strcmp(json_string_value(op), "Delete") == 0) {
        return uat_store_del(s->store, UAT_STORE_RESOURCES, path);
    }
    UAT_ENSURE(json_is_object(op) && json_object_size(op) == 1, UAT_ERR_USAGE_INVALID_ARGUMENT,
               CHECK, "op", -1);
    if (json_object_get(op, "Add") != NULL) {
        return storage_add(s, path, json_object_get(op, "Add"));
    }
    if (json_object_get(op, "Modify") != NULL) {
        return storage_modify(s, path, json_object_get(op, "Modify"));
    }
    if (json_object_get(op, "Bind") != NULL || json_object_get(op, "Unbind") != NULL) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, CHECK, "op", -1,
                         "Rego resource policies are not evaluated: set the release policy with "
                         "PUT /v1/resources/%s",
                         path);
    }
    return UAT_FAIL(UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "op", -1);
}

void uat_route_sg_storage_set(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs)
{
    static const char *const names[] = {"op", "resource", NULL};
    (void)id;
    json_t *body = NULL;
    uat_err rc = uat_admin_check(s, rq);
    rc = rc == UAT_OK ? body_of(rq, names, &body) : rc;
    rc = rc == UAT_OK ? storage_set(s, body) : rc;
    if (rc != UAT_OK) {
        uat_http_error(rs, rc);
    } else {
        ok_text(rs, "successful"); /* spec: SG restapi/resource/storage.rs */
    }
    json_decref(body);
}

typedef struct vendor_ctx {
    json_t *items;
    const char *prefix;
} vendor_ctx;

static uat_err vendor_one(void *user, const char *id, const char *body, size_t n, int64_t at)
{
    (void)body, (void)n, (void)at;
    vendor_ctx *c = user;
    if (strncmp(id, c->prefix, strlen(c->prefix)) != 0) {
        return UAT_OK;
    }
    return json_array_append_new(c->items, json_string(id)) == 0 ? UAT_OK : UAT_NOMEM(CHECK);
}

/* {"VendorGet": {"vendor"}} (admin): the resources of the vendor as "vendor/path" */
static void vendor_get(uat_svc *s, const uat_http_req *rq, const json_t *q, uat_http_resp *rs)
{
    static const char *const names[] = {"vendor", NULL};
    const json_t *v = json_object_get(q, "vendor");
    uat_err rc = uat_admin_check(s, rq);
    rc = rc != UAT_OK || json_is_object(q)
             ? rc
             : UAT_FAIL(UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "VendorGet", -1);
    rc = rc == UAT_OK ? uat_json_only_members(q, names, CHECK, "VendorGet") : rc;
    char prefix[UAT_STORE_MAX_ID + 2];
    snprintf(prefix, sizeof(prefix), "%s/",
             json_string_length(v) > 0 ? json_string_value(v) : SG_BASE_VENDOR);
    vendor_ctx c = {json_array(), prefix};
    rc = rc == UAT_OK && c.items == NULL ? UAT_NOMEM(CHECK) : rc;
    rc = rc == UAT_OK ? uat_store_list(s->store, UAT_STORE_RESOURCES, vendor_one, &c) : rc;
    if (rc != UAT_OK) {
        json_decref(c.items);
        uat_http_error(rs, rc);
        return;
    }
    uat_http_json(rs, 200, c.items);
}

/* {"TeeGet": {"resource": {...}}} + Authorization: Bearer <EAR token>: the secret as a JSON string
 * holding the compact JWE to the key bound in the token (never the plaintext). */
static void tee_get(uat_svc *s, const uat_http_req *rq, const json_t *q, uat_http_resp *rs)
{
    static const char *const names[] = {"resource", NULL};
    char path[UAT_STORE_MAX_ID + 1], *jwe = NULL;
    uat_err rc = json_is_object(q) ? uat_json_only_members(q, names, CHECK, "TeeGet")
                                   : UAT_FAIL(UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "TeeGet", -1);
    rc = rc == UAT_OK ? resource_path(json_object_get(q, "resource"), path) : rc;
    size_t n = 0;
    const char *bearer = uat_http_bearer(rq, &n);
    rc = rc == UAT_OK ? uat_resource_jwe(s, bearer, n, path, &jwe, rs->tee) : rc;
    if (rc != UAT_OK) {
        uat_http_error(rs, rc);
        return;
    }
    uat_http_json(rs, 200, json_string(jwe));
    free(jwe);
}

void uat_route_sg_storage_get(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs)
{
    static const char *const names[] = {"TeeGet", "VendorGet", NULL};
    (void)id;
    json_t *body = NULL;
    uat_err rc = body_of(rq, names, &body);
    if (rc == UAT_OK && json_object_size(body) != 1) {
        rc = UAT_FAIL(UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "TeeGet|VendorGet", -1);
    }
    if (rc != UAT_OK) {
        uat_http_error(rs, rc);
    } else if (json_object_get(body, "TeeGet") != NULL) {
        tee_get(s, rq, json_object_get(body, "TeeGet"), rs);
    } else {
        vendor_get(s, rq, json_object_get(body, "VendorGet"), rs);
    }
    json_decref(body);
}

/* ---- /resource/policy: Rego resource policies ---- */

void uat_route_sg_resource_policy(uat_svc *s, const uat_http_req *rq, const char *id,
                                  uat_http_resp *rs)
{
    (void)id;
    uat_err rc = uat_admin_check(s, rq);
    if (rc == UAT_OK) {
        rc = UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, CHECK, "/resource/policy", -1,
                       "Rego resource policies are not evaluated: a resource's release policy "
                       "is set with PUT /v1/resources/<vendor>/<path>");
    }
    uat_http_error(rs, rc);
}
