/* Admin routes: reference values, policies and resources. Every call needs an admin token
 * (Authorization: Bearer <token>); the store keeps only the token's SHA-256. */
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "service/routes.h"

#define MAX_OBJECT_ID 128u

/* ---- authentication ---- */

uat_err uat_admin_check(uat_svc *s, const uat_http_req *rq)
{
    size_t n = 0;
    const char *token = uat_http_bearer(rq, &n);
    if (token == NULL) {
        return UAT_FAILF(UAT_ERR_USAGE_UNAUTHENTICATED, "admin.auth", "Authorization", -1,
                         "this route needs an admin token: Authorization: Bearer <token>");
    }
    char hash[65];
    UAT_TRY(uat_svc_sha256_hex(token, n, hash));
    uat_buf meta;
    uat_buf_init(&meta, 4096);
    uat_err rc = uat_store_get(s->store, UAT_STORE_ADMIN_TOKENS, hash, &meta);
    uat_buf_free(&meta);
    if (rc == UAT_ERR_USAGE_NOT_FOUND) {
        return UAT_FAILF(UAT_ERR_USAGE_FORBIDDEN, "admin.auth", "Authorization", -1,
                         "the token is not an admin token of this deployment");
    }
    return rc;
}

/* Answers the request with an error unless it carries a valid admin token. */
static int admin_denied(uat_svc *s, const uat_http_req *rq, uat_http_resp *rs)
{
    uat_err rc = uat_admin_check(s, rq);
    if (rc != UAT_OK) {
        uat_http_error(rs, rc);
        return 1;
    }
    return 0;
}

/* ---- ids ---- */

static int id_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-' || c == ':';
}

/* Reference value and policy ids: 1-128 of [A-Za-z0-9._:-]. */
static uat_err check_object_id(const char *id)
{
    size_t n = strlen(id);
    int ok = n > 0 && n <= MAX_OBJECT_ID;
    for (size_t i = 0; ok && i < n; i++) {
        ok = id_char(id[i]);
    }
    if (!ok) {
        return UAT_FAILF(UAT_ERR_USAGE_INVALID_ARGUMENT, "admin.id", "id", -1,
                         "an id is 1 to %u characters of A-Z a-z 0-9 . _ : -", MAX_OBJECT_ID);
    }
    return UAT_OK;
}

/* Resource paths: segments of [A-Za-z0-9._:-] joined by '/', none "." or "..", 256 at most. */
uat_err uat_resource_check_path(const char *path)
{
    size_t n = strlen(path), seg = 0;
    int ok = n > 0 && n <= UAT_STORE_MAX_ID;
    for (size_t i = 0; ok && i <= n; i++) {
        if (path[i] == '/' || path[i] == '\0') {
            int dots = (seg == 1 && path[i - 1] == '.') ||
                       (seg == 2 && path[i - 1] == '.' && path[i - 2] == '.');
            ok = seg > 0 && !dots;
            seg = 0;
        } else {
            ok = id_char(path[i]);
            seg++;
        }
    }
    if (!ok) {
        return UAT_FAILF(UAT_ERR_USAGE_INVALID_ARGUMENT, "admin.id", "path", -1,
                         "a resource path is segments of A-Z a-z 0-9 . _ : - joined by /");
    }
    return UAT_OK;
}

/* ---- shared pieces ---- */

static void stored(uat_http_resp *rs, const char *key, const char *id, int created)
{
    uat_http_json(rs, created ? 201 : 200, json_pack("{s:s,s:b}", key, id, "created", created));
}

static void get_raw(uat_svc *s, enum uat_store_table t, const char *id, const char *ctype,
                    uat_http_resp *rs)
{
    uat_buf b;
    uat_buf_init(&b, UAT_STORE_MAX_BODY + 1);
    uat_err rc = uat_store_get(s->store, t, id, &b);
    if (rc == UAT_OK) {
        uat_http_text(rs, 200, ctype, (const char *)b.p, b.len);
    } else {
        uat_http_error(rs, rc);
    }
    uat_buf_free(&b);
}

typedef struct list_ctx {
    json_t *items;
    const char *key; /* "id" or "path" */
    int with_body;   /* the body is a JSON document to include as "document" */
} list_ctx;

static uat_err list_one(void *user, const char *id, const char *body, size_t n, int64_t updated)
{
    list_ctx *c = user;
    char when[32] = "";
    if (uat_time_format(updated, when) != UAT_OK) {
        when[0] = '\0';
    }
    json_t *item = json_pack("{s:s,s:s}", c->key, id, "updated_at", when);
    if (item != NULL && c->with_body) {
        json_object_set_new(item, "document", json_loadb(body, n, 0, NULL));
    }
    if (item == NULL || json_array_append_new(c->items, item) != 0) {
        return UAT_NOMEM("admin.list");
    }
    return UAT_OK;
}

static void list(uat_svc *s, enum uat_store_table t, const char *name, const char *key,
                 int with_body, uat_http_resp *rs)
{
    list_ctx c = {json_array(), key, with_body};
    uat_err rc = c.items ? uat_store_list(s->store, t, list_one, &c) : UAT_NOMEM("admin.list");
    if (rc != UAT_OK) {
        json_decref(c.items);
        uat_http_error(rs, rc);
        return;
    }
    uat_http_json(rs, 200, json_pack("{s:o}", name, c.items));
}

static void del(uat_svc *s, enum uat_store_table t, const char *id, uat_http_resp *rs)
{
    uat_err rc = uat_store_del(s->store, t, id);
    if (rc != UAT_OK) {
        uat_http_error(rs, rc);
        return;
    }
    uat_http_text(rs, 204, "application/json", "", 0);
}

/* ---- reference values ---- */

/* The document with its "id" set to the path's id (a different "id" is refused), as text. */
static uat_err refval_text(const uat_http_req *rq, const char *id, char **out)
{
    json_t *doc = NULL;
    UAT_TRY(uat_http_body_object(rq, &doc));
    json_t *have = json_object_get(doc, "id");
    uat_err rc = UAT_OK;
    if (have != NULL && (!json_is_string(have) || strcmp(json_string_value(have), id) != 0)) {
        rc = UAT_FAILF(UAT_ERR_USAGE_INVALID_ARGUMENT, "refvals.id", "id", -1,
                       "the document's id differs from the id in the path");
    } else if (have == NULL && json_object_set_new(doc, "id", json_string(id)) != 0) {
        rc = UAT_NOMEM("refvals");
    }
    if (rc == UAT_OK) {
        *out = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
        rc = *out != NULL ? UAT_OK : UAT_NOMEM("refvals");
    }
    json_decref(doc);
    return rc;
}

uat_err uat_admin_refval_check(const char *text)
{
    uat_refvals *scratch = NULL;
    UAT_TRY(uat_refvals_new(&scratch));
    uat_err rc = uat_refvals_add_json(scratch, text, strlen(text));
    uat_refvals_free(scratch);
    return rc;
}

/* Store first, then the in-memory set: a failed write leaves both as they were. */
uat_err uat_admin_refval_put(uat_svc *s, const char *id, const char *text, int *created)
{
    UAT_TRY(check_object_id(id));
    UAT_TRY(uat_admin_refval_check(text));
    UAT_TRY(uat_store_put(s->store, UAT_STORE_REFVALS, id, text, strlen(text), uat_time_now(),
                          created));
    pthread_rwlock_wrlock(&s->refvals_lock);
    uat_err rc = uat_refvals_add_json(s->refvals, text, strlen(text));
    pthread_rwlock_unlock(&s->refvals_lock);
    return rc;
}

void uat_route_refvals_list(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs)
{
    (void)id;
    if (!admin_denied(s, rq, rs)) {
        list(s, UAT_STORE_REFVALS, "reference_values", "id", 1, rs);
    }
}

void uat_route_refvals_put(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs)
{
    if (admin_denied(s, rq, rs)) {
        return;
    }
    char *text = NULL;
    int created = 0;
    uat_err rc = check_object_id(id);
    rc = rc == UAT_OK ? refval_text(rq, id, &text) : rc;
    rc = rc == UAT_OK ? uat_admin_refval_put(s, id, text, &created) : rc;
    free(text);
    if (rc != UAT_OK) {
        uat_http_error(rs, rc);
        return;
    }
    stored(rs, "id", id, created);
}

void uat_route_refvals_get(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs)
{
    if (!admin_denied(s, rq, rs)) {
        get_raw(s, UAT_STORE_REFVALS, id, "application/json", rs);
    }
}

void uat_route_refvals_del(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs)
{
    if (admin_denied(s, rq, rs)) {
        return;
    }
    uat_err rc = uat_store_del(s->store, UAT_STORE_REFVALS, id);
    if (rc != UAT_OK) {
        uat_http_error(rs, rc);
        return;
    }
    pthread_rwlock_wrlock(&s->refvals_lock);
    uat_err mem = uat_refvals_remove(s->refvals, id);
    pthread_rwlock_unlock(&s->refvals_lock);
    (void)mem; /* absent from memory already: nothing to do */
    uat_http_text(rs, 204, "application/json", "", 0);
}

/* ---- policies ---- */

void uat_route_policies_list(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs)
{
    (void)id;
    if (!admin_denied(s, rq, rs)) {
        list(s, UAT_STORE_POLICIES, "policies", "id", 0, rs);
    }
}

void uat_route_policies_put(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs)
{
    if (admin_denied(s, rq, rs)) {
        return;
    }
    uat_policy *p = NULL;
    int created = 0;
    uat_err rc = uat_admin_policy_put(s, id, (const char *)rq->body, rq->body_len, &created, &p);
    if (rc != UAT_OK) {
        uat_http_error(rs, rc);
        return;
    }
    uat_http_json(
        rs, created ? 201 : 200,
        json_pack("{s:s,s:s,s:b}", "id", id, "policy_id", uat_policy_id(p), "created", created));
    uat_policy_free(p);
}

uat_err uat_admin_policy_put(uat_svc *s, const char *id, const char *text, size_t n, int *created,
                             uat_policy **parsed)
{
    uat_policy *p = NULL;
    UAT_TRY(check_object_id(id));
    UAT_ENSURE(n > 0, UAT_ERR_USAGE_INVALID_ARGUMENT, "policy", "body", 0);
    UAT_TRY(uat_policy_parse(text, n, &p));
    uat_err rc = uat_store_put(s->store, UAT_STORE_POLICIES, id, text, n, uat_time_now(), created);
    if (rc == UAT_OK && parsed != NULL) {
        *parsed = p;
        p = NULL;
    }
    uat_policy_free(p);
    return rc;
}

void uat_route_policies_get(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs)
{
    if (admin_denied(s, rq, rs)) {
        return;
    }
    get_raw(s, UAT_STORE_POLICIES, id, "application/octet-stream", rs);
    if (rs->status == 200) {
        int json = rs->body.len > 0 && rs->body.p[0] == '{';
        rs->content_type = json ? "application/json" : "text/x-lua";
    }
}

void uat_route_policies_del(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs)
{
    if (!admin_denied(s, rq, rs)) {
        del(s, UAT_STORE_POLICIES, id, rs);
    }
}

/* ---- resources ---- */

void uat_route_resources_list(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs)
{
    (void)id;
    if (!admin_denied(s, rq, rs)) {
        list(s, UAT_STORE_RESOURCES, "resources", "path", 0, rs);
    }
}

void uat_route_resources_put(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs)
{
    if (admin_denied(s, rq, rs)) {
        return;
    }
    json_t *doc = NULL;
    int created = 0;
    uat_err rc = uat_resource_check_path(id);
    rc = rc == UAT_OK ? uat_http_body_object(rq, &doc) : rc;
    rc = rc == UAT_OK ? uat_admin_resource_put(s, id, doc, &created) : rc;
    uat_resource_doc_free(doc);
    if (rc != UAT_OK) {
        uat_http_error(rs, rc);
        return;
    }
    stored(rs, "path", id, created);
}

uat_err uat_admin_resource_put(uat_svc *s, const char *path, const json_t *doc, int *created)
{
    UAT_TRY(uat_resource_check_path(path));
    UAT_TRY(uat_resource_validate(doc));
    char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (text == NULL) {
        return UAT_NOMEM("resources");
    }
    uat_err rc = uat_store_put(s->store, UAT_STORE_RESOURCES, path, text, strlen(text),
                               uat_time_now(), created);
    uat_wipe(text, strlen(text));
    free(text);
    return rc;
}

void uat_resource_admin_get(uat_svc *s, const char *path, uat_http_resp *rs)
{
    uat_buf b;
    uat_buf_init(&b, UAT_STORE_MAX_BODY + 1);
    uat_err rc = uat_resource_check_path(path);
    rc = rc == UAT_OK ? uat_store_get(s->store, UAT_STORE_RESOURCES, path, &b) : rc;
    json_t *doc = rc == UAT_OK ? json_loadb((const char *)b.p, b.len, 0, NULL) : NULL;
    uat_buf_free(&b);
    if (rc != UAT_OK || doc == NULL) {
        uat_http_error(rs, rc != UAT_OK ? rc : UAT_FAIL(UAT_ERR_INTERNAL, "resources", "", -1));
        return;
    }
    /* the secret is write-only: the admin view shows the policy */
    uat_http_json(rs, 200,
                  json_pack("{s:s,s:O}", "path", path, "policy", json_object_get(doc, "policy")));
    uat_resource_doc_free(doc);
}

void uat_route_resources_del(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs)
{
    if (!admin_denied(s, rq, rs)) {
        del(s, UAT_STORE_RESOURCES, id, rs);
    }
}
