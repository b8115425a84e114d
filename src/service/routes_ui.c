/* The web console (docs/console.md): its static files under /ui/, and POST /v1/verify, the public
 * explorer route that verifies and explains evidence without storing anything. */
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/codec.h"
#include "core/file.h"
#include "crypto/crypto.h"
#include "evidence/claims_int.h"
#include "ratls/ratls.h"
#include "service/routes.h"

#define CHECK "ui"
#define UI_MAX_FILE (4u * 1024u * 1024u)
#define UI_MAX_PATH 200u

/* No inline script or style, nothing from another origin, no framing, no plugins. */
static const char ui_csp[] = "default-src 'self'; script-src 'self'; style-src 'self'; "
                             "img-src 'self'; connect-src 'self'; object-src 'none'; "
                             "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/* ---- static files ---- */

typedef struct ui_type {
    const char *ext;
    const char *content_type;
} ui_type;

/* Only these kinds of file are served: anything else under the directory is a 404. */
static const ui_type ui_types[] = {
    {".html", "text/html; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".json", "application/json"},
    {".txt", "text/plain; charset=utf-8"},
};

static const char *ui_content_type(const char *path)
{
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot != NULL && i < sizeof(ui_types) / sizeof(ui_types[0]); i++) {
        if (strcmp(dot, ui_types[i].ext) == 0) {
            return ui_types[i].content_type;
        }
    }
    return NULL;
}

static int ui_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

/* A file path under the console: segments of [A-Za-z0-9._-] joined by '/', none empty and none
 * starting with '.' (no "..", no hidden files), at most UI_MAX_PATH characters. */
static int ui_path_ok(const char *p)
{
    size_t n = strlen(p), seg = 0;
    if (n == 0 || n > UI_MAX_PATH) {
        return 0;
    }
    for (size_t i = 0; i <= n; i++) {
        if (p[i] == '/' || p[i] == '\0') {
            if (seg == 0) {
                return 0;
            }
            seg = 0;
        } else if (!ui_char(p[i]) || (seg == 0 && p[i] == '.')) {
            return 0;
        } else {
            seg++;
        }
    }
    return 1;
}

/* root/rel resolved, and still inside root once symbolic links are followed. */
static uat_err ui_resolve(const char *root, const char *rel, char out[PATH_MAX])
{
    char real_root[PATH_MAX], joined[PATH_MAX + UI_MAX_PATH + 2];
    struct stat st;
    UAT_ENSURE(realpath(root, real_root) != NULL, UAT_ERR_USAGE_NOT_FOUND, CHECK, "ui_dir", -1);
    snprintf(joined, sizeof(joined), "%s/%s", real_root, rel);
    size_t rl = strlen(real_root);
    int inside = realpath(joined, out) != NULL && strncmp(out, real_root, rl) == 0 &&
                 out[rl] == '/' && stat(out, &st) == 0 && S_ISREG(st.st_mode);
    UAT_ENSURE(inside, UAT_ERR_USAGE_NOT_FOUND, CHECK, "path", -1);
    return UAT_OK;
}

static void ui_not_found(uat_http_resp *rs)
{
    uat_http_error_detail(rs, UAT_ERR_USAGE_NOT_FOUND, "ui.file", "no such console file");
}

/* ETag: the first 128 bits of the file's SHA-256, quoted. */
static uat_err ui_etag(const uat_buf *b, char out[72])
{
    uint8_t md[32];
    char hex[65];
    uat_span part = uat_buf_span(b);
    UAT_TRY(uat_hash(UAT_HASH_SHA256, &part, 1, md));
    uat_hex_encode(md, 16, hex);
    snprintf(out, 72, "\"%s\"", hex);
    return UAT_OK;
}

/* Every console answer carries the console's Content-Security-Policy. */
static void ui_csp_add(uat_http_resp *rs)
{
    if (uat_http_add_header(rs, "Content-Security-Policy", ui_csp) != UAT_OK) {
        uat_http_error(rs, uat_last_error()->err);
    }
}

static void ui_serve(uat_svc *s, const uat_http_req *rq, const char *rel, uat_http_resp *rs)
{
    char path[PATH_MAX];
    const char *ctype = ui_content_type(rel);
    if (!ui_path_ok(rel) || ctype == NULL || ui_resolve(s->cfg->ui_dir, rel, path) != UAT_OK) {
        uat_error_clear();
        ui_not_found(rs);
        return;
    }
    uat_buf b;
    uat_buf_init(&b, UI_MAX_FILE);
    char etag[72];
    uat_err rc = uat_file_read(path, UI_MAX_FILE, &b);
    rc = rc == UAT_OK ? ui_etag(&b, etag) : rc;
    if (rc != UAT_OK) {
        uat_http_error(rs, rc);
    } else {
        const char *inm = uat_http_req_header(rq, "If-None-Match");
        int same = inm != NULL && strcmp(inm, etag) == 0;
        uat_http_text(rs, same ? 304 : 200, ctype, same ? "" : (const char *)b.p,
                      same ? 0 : b.len);
        /* revalidated on every use: a new release is seen at once, an unchanged file costs a 304 */
        rc = uat_http_add_header(rs, "ETag", etag);
        rc = rc == UAT_OK ? uat_http_add_header(rs, "Cache-Control", "no-cache") : rc;
        if (rc != UAT_OK) {
            uat_http_error(rs, rc);
        }
    }
    uat_buf_free(&b);
}

void uat_route_ui(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs)
{
    ui_serve(s, rq, id[0] != '\0' ? id : "index.html", rs);
    ui_csp_add(rs);
}

void uat_route_ui_root(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs)
{
    (void)s;
    (void)rq;
    (void)id;
    static const char text[] = "the console is at /ui/\n";
    uat_http_text(rs, 302, "text/plain; charset=utf-8", text, sizeof(text) - 1);
    snprintf(rs->location, sizeof(rs->location), "/ui/");
    ui_csp_add(rs);
}

/* ---- POST /v1/verify ---- */

/* One verifier per worker thread for the explorer, apart from the attestation path's: the
 * explorer sets an evaluation time (and explanations) on it for each request. */
static pthread_key_t explorer_key;
static pthread_once_t explorer_once = PTHREAD_ONCE_INIT;
static int explorer_key_ok;

static void explorer_free(void *v)
{
    uat_verifier_free(v);
}

static void explorer_init(void)
{
    explorer_key_ok = pthread_key_create(&explorer_key, explorer_free) == 0;
}

static uat_err explorer_verifier(uat_svc *s, uat_verifier **out)
{
    pthread_once(&explorer_once, explorer_init);
    UAT_ENSURE(explorer_key_ok, UAT_ERR_RESOURCE_NO_MEMORY, CHECK, "verifier", -1);
    uat_verifier *v = pthread_getspecific(explorer_key);
    if (v == NULL) {
        UAT_TRY(uat_verifier_new(&v));
        uat_verifier_set_explain(v, 1); /* the explorer always shows every check */
        uat_err rc = uat_svc_verifier_configure(s->cfg, v);
        if (rc == UAT_OK && pthread_setspecific(explorer_key, v) != 0) {
            rc = UAT_NOMEM(CHECK);
        }
        if (rc != UAT_OK) {
            uat_verifier_free(v);
            return rc;
        }
    }
    *out = v;
    return UAT_OK;
}

typedef struct explore {
    json_t *body;
    int64_t at;
    uat_buf bytes;
    int is_cert;
    json_t *decoded;
    json_t *cert; /* the RA-TLS certificate's own fields */
    uat_claims *claims;
    uat_ear *ear;
    json_t *error;
    json_t *explanation; /* the verifier's check-by-check trace */
} explore;

static void explore_free(explore *x)
{
    json_decref(x->explanation);
    json_decref(x->error);
    uat_ear_free(x->ear);
    uat_claims_free(x->claims);
    json_decref(x->cert);
    json_decref(x->decoded);
    uat_buf_free(&x->bytes);
    json_decref(x->body);
}

/* A string is PEM text as it is, else the base64url or base64 of the evidence bytes. */
static uat_err explore_string(explore *x, const char *s, size_t n)
{
    if (n > 10 && memcmp(s, "-----BEGIN", 10) == 0) {
        return uat_buf_append(&x->bytes, s, n);
    }
    if (uat_b64_decode(s, n, UAT_B64_URL, &x->bytes) == UAT_OK) {
        return UAT_OK;
    }
    x->bytes.len = 0;
    uat_error_clear();
    UAT_ENSURE(uat_b64_decode(s, n, UAT_B64_STD, &x->bytes) == UAT_OK, UAT_ERR_PARSE_BAD_ENCODING,
               "verify.evidence", "evidence", -1);
    return UAT_OK;
}

/* {"evidence": CMW JSON | jinzhao JSON | "base64(url) of any evidence or certificate" | "PEM",
 *  "at"?: "RFC 3339 time"} */
static uat_err explore_parse(const uat_http_req *rq, explore *x)
{
    static const char *const names[] = {"evidence", "at", NULL};
    UAT_TRY(uat_http_body_object(rq, &x->body));
    UAT_TRY(uat_json_only_members(x->body, names, "http.body", ""));
    json_t *ev = json_object_get(x->body, "evidence");
    json_t *at = json_object_get(x->body, "at");
    UAT_ENSURE(json_is_string(ev) || json_is_array(ev) || json_is_object(ev),
               UAT_ERR_USAGE_INVALID_ARGUMENT, "verify.evidence", "evidence", -1);
    UAT_ENSURE(at == NULL || json_is_string(at), UAT_ERR_USAGE_INVALID_ARGUMENT, "verify.at", "at",
               -1);
    x->at = uat_time_now();
    if (at != NULL && uat_time_parse(json_string_value(at), json_string_length(at), &x->at) !=
                          UAT_OK) {
        return UAT_FAILF(UAT_ERR_USAGE_INVALID_ARGUMENT, "verify.at", "at", -1,
                         "at is an RFC 3339 time such as 2025-07-01T00:00:00Z");
    }
    if (json_is_string(ev)) {
        return explore_string(x, json_string_value(ev), json_string_length(ev));
    }
    char *text = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);
    uat_err rc = text != NULL ? uat_buf_append_str(&x->bytes, text) : UAT_NOMEM(CHECK);
    free(text);
    return rc;
}

/* The problem document the error table gives e (as uat_http_error would answer it). */
static json_t *problem_of(uat_err e, const char *instance)
{
    uat_http_resp tmp;
    memset(&tmp, 0, sizeof(tmp));
    snprintf(tmp.instance, sizeof(tmp.instance), "%s", instance);
    uat_buf_init(&tmp.body, 64u * 1024u);
    uat_http_error(&tmp, e);
    json_t *doc = json_loadb((const char *)tmp.body.p, tmp.body.len, 0, NULL);
    uat_buf_free(&tmp.body);
    return doc != NULL ? doc : json_pack("{s:s}", "error", uat_err_name(e));
}

static json_t *time_or_null(int64_t t)
{
    char when[32];
    return uat_time_format(t, when) == UAT_OK ? json_string(when) : json_null();
}

/* An RA-TLS certificate: its own fields, and the evidence it carries decoded. */
static void explore_cert(explore *x)
{
    uat_der_list pem = {NULL, 0, 0};
    uat_span in = uat_buf_span(&x->bytes);
    uat_cert *c = NULL;
    if (x->bytes.p[0] == '-' && uat_pem_certs_strict(in, &pem) == UAT_OK) {
        in = uat_buf_span(&pem.items[0]);
    }
    const char *oid = NULL;
    uat_span ev;
    char *json = NULL;
    if (uat_cert_parse(in, &c) == UAT_OK) {
        x->cert = json_pack("{s:s,s:o,s:o}", "subject_cn", uat_cert_cn(c), "not_before",
                            time_or_null(uat_cert_not_before(c)), "not_after",
                            time_or_null(uat_cert_not_after(c)));
        if (uat_ratls_cert_evidence(c, &oid, &ev) == UAT_OK) {
            json_object_set_new(x->cert, "extension", json_string(oid));
            if (uat_inspect(ev.p, ev.len, &json) == UAT_OK) {
                x->decoded = json_loads(json, JSON_ALLOW_NUL, NULL);
            }
        }
    }
    free(json);
    uat_cert_free(c);
    uat_der_list_free(&pem);
    uat_error_clear(); /* what could not be decoded shows in the verification's error */
}

static int looks_like_cert(const uat_buf *b)
{
    if (b->len > 27 && memcmp(b->p, "-----BEGIN CERTIFICATE-----", 27) == 0) {
        return 1;
    }
    uat_cert *c = NULL;
    int ok = b->len > 4 && b->p[0] == 0x30 && uat_cert_parse(uat_buf_span(b), &c) == UAT_OK;
    uat_cert_free(c);
    uat_error_clear();
    return ok;
}

static uat_err explore_verify(uat_svc *s, explore *x)
{
    uat_verifier *v = NULL;
    UAT_TRY(explorer_verifier(s, &v));
    uat_verifier_set_time(v, x->at);
    pthread_rwlock_rdlock(&s->refvals_lock);
    uat_verifier_set_reference_values(v, s->refvals);
    uat_err rc;
    if (x->is_cert) {
        uat_ratls_opts o;
        memset(&o, 0, sizeof(o));
        o.verifier = v;
        o.cert_time = x->at;
        o.legacy = 1;
        rc = uat_ratls_verify_cert(x->bytes.p, x->bytes.len, &o, &x->claims, NULL);
    } else {
        rc = uat_verify(v, x->bytes.p, x->bytes.len, NULL, &x->claims);
    }
    uat_verifier_set_reference_values(v, NULL);
    const char *ex = uat_verifier_explanation(v);
    x->explanation = ex != NULL ? json_loads(ex, JSON_ALLOW_NUL, NULL) : NULL;
    if (rc == UAT_OK) {
        uat_policy *p = NULL;
        uat_appraisal_ctx ctx = {x->at, NULL, 0, NULL};
        rc = uat_policy_default(&p);
        rc = rc == UAT_OK ? uat_appraise(p, s->refvals, x->claims, &ctx, &x->ear) : rc;
        uat_policy_free(p);
    }
    pthread_rwlock_unlock(&s->refvals_lock);
    return rc;
}

static json_t *text_json(char *text)
{
    json_t *j = text != NULL ? json_loads(text, JSON_ALLOW_NUL, NULL) : NULL;
    free(text);
    return j != NULL ? j : json_null();
}

static json_t *explore_result(explore *x)
{
    char *claims = NULL, *ear = NULL;
    if (x->claims != NULL && uat_claims_to_json(x->claims, 0, &claims) != UAT_OK) {
        claims = NULL;
    }
    if (x->ear != NULL && uat_ear_to_json(x->ear, 0, &ear) != UAT_OK) {
        ear = NULL;
    }
    const char *tee = x->claims != NULL ? uat_claims_tee(x->claims)
                                        : json_string_value(json_object_get(x->decoded, "tee"));
    if (tee == NULL) { /* not decodable, but the verifier may have got as far as its TEE */
        tee = json_string_value(json_object_get(x->explanation, "tee"));
    }
    const char *result = x->ear != NULL ? uat_ear_status(x->ear) : "failed";
    return json_pack("{s:o,s:s,s:s,s:o,s:o,s:o,s:O,s:O,s:o}", "tee",
                     tee != NULL ? json_string(tee) : json_null(), "result", result, "input",
                     x->is_cert ? "ratls-certificate" : "evidence", "at", time_or_null(x->at),
                     "claims", text_json(claims), "ear", x->ear ? text_json(ear) : json_null(),
                     "error", x->error ? x->error : json_null(), "decoded",
                     x->decoded ? x->decoded : json_null(), "certificate",
                     x->cert ? json_incref(x->cert) : json_null());
}

void uat_route_verify(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs)
{
    (void)id;
    explore x;
    memset(&x, 0, sizeof(x));
    uat_buf_init(&x.bytes, UAT_SVC_MAX_BODY);
    uat_err rc = explore_parse(rq, &x);
    if (rc != UAT_OK) {
        uat_http_error(rs, rc); /* the request itself is wrong: nothing was verified */
        explore_free(&x);
        return;
    }
    x.is_cert = looks_like_cert(&x.bytes);
    if (x.is_cert) {
        explore_cert(&x);
    } else {
        char *json = NULL;
        if (uat_inspect(x.bytes.p, x.bytes.len, &json) == UAT_OK) {
            x.decoded = json_loads(json, JSON_ALLOW_NUL, NULL); /* fields may hold \u0000 */
        }
        free(json);
        uat_error_clear();
    }
    rc = explore_verify(s, &x);
    if (rc != UAT_OK) {
        x.error = problem_of(rc, rq->path);
    }
    if (x.claims != NULL) {
        snprintf(rs->tee, sizeof(rs->tee), "%s", uat_claims_tee(x.claims));
    }
    json_t *out = explore_result(&x);
    json_object_set_new(out, "explanation",
                        x.explanation != NULL ? json_incref(x.explanation) : json_null());
    uat_http_json(rs, 200, out);
    explore_free(&x);
}
