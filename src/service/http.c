/* The HTTP layer on libmicrohttpd: a thread pool polling with epoll where available, keep-alive,
 * a 1 MiB body limit, a connection limit and timeout, routing, problem JSON and per-request logs
 * and metrics. */
#include "service/http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/file.h"
#include "service/log.h"
#include "service/routes.h"

#define CHECK "http"
#define MAX_RESPONSE (64u * 1024u * 1024u)
#define MAX_PEM (1024u * 1024u)

struct uat_http {
    struct MHD_Daemon *daemon;
    uat_svc *svc;
    uat_buf cert_pem, key_pem;
};

/* What one request carries between libmicrohttpd's calls. */
typedef struct conn {
    uat_buf body;
    int too_large;
    struct timespec start;
    char method[16];
    const char *label;
    int status;
    char error[48], tee[48];
} conn;

/* ---- responses ---- */

void uat_http_text(uat_http_resp *r, int status, const char *content_type, const char *text,
                   size_t n)
{
    r->status = status;
    r->content_type = content_type;
    r->body.len = 0;
    if (uat_buf_append(&r->body, text, n) != UAT_OK) {
        r->status = 500;
        r->body.len = 0;
    }
}

void uat_http_json(uat_http_resp *r, int status, json_t *doc)
{
    size_t flags = JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY;
    char *text = doc ? json_dumps(doc, flags) : NULL;
    json_decref(doc);
    if (text == NULL) {
        static const char nomem[] = "{\"error\":\"RESOURCE_NO_MEMORY\",\"message\":\"memory could "
                                    "not be allocated\",\"check\":null,\"detail\":null}";
        uat_http_text(r, 500, "application/problem+json", nomem, sizeof(nomem) - 1);
        return;
    }
    uat_http_text(r, status, "application/json", text, strlen(text));
    free(text);
}

uat_err uat_http_add_header(uat_http_resp *r, const char *name, const char *value)
{
    UAT_ENSURE(r->nheaders < UAT_HTTP_MAX_HEADERS, UAT_ERR_RESOURCE_LIMIT, CHECK, "headers", -1);
    size_t nl = strlen(name);
    UAT_ENSURE(nl > 0 && strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                      "0123456789-") == nl,
               UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "header name", -1);
    UAT_ENSURE(strpbrk(value, "\r\n") == NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK,
               "header value", -1);
    char *n = strdup(name), *v = strdup(value);
    if (n == NULL || v == NULL) {
        free(n);
        free(v);
        return UAT_NOMEM(CHECK);
    }
    r->header_name[r->nheaders] = n;
    r->header_value[r->nheaders++] = v;
    return UAT_OK;
}

static json_t *str_or_null(const char *s)
{
    return s != NULL && s[0] != '\0' ? json_string(s) : json_null();
}

static void problem(uat_http_resp *r, uat_err e, const char *check, const char *detail,
                    json_t *ext)
{
    json_t *doc = json_object();
    int status = uat_err_http_status(e);
    char type[128];
    snprintf(type, sizeof(type), "%s%s", UAT_ERR_TYPE_BASE, uat_err_name(e));
    /* spec: RFC 9457 §3.1: type, title, status, detail, instance */
    json_object_set_new(doc, "type", json_string(type));
    json_object_set_new(doc, "title", json_string(uat_err_message(e)));
    json_object_set_new(doc, "status", json_integer(status));
    json_object_set_new(doc, "detail", str_or_null(detail));
    json_object_set_new(doc, "instance", str_or_null(r->instance));
    /* §3.2 extension members: ours, from before problem+json */
    json_object_set_new(doc, "error", json_string(uat_err_name(e)));
    json_object_set_new(doc, "message", json_string(uat_err_message(e)));
    json_object_set_new(doc, "check", str_or_null(check));
    if (ext != NULL) {
        json_object_update_missing(doc, ext);
        json_decref(ext);
    }
    uat_http_json(r, status, doc);
    r->content_type = "application/problem+json";
    r->www_authenticate = status == 401;
    snprintf(r->error, sizeof(r->error), "%s", uat_err_name(e));
}

void uat_http_error_detail(uat_http_resp *r, uat_err e, const char *check, const char *detail)
{
    problem(r, e, check, detail, NULL);
}

void uat_http_error(uat_http_resp *r, uat_err e)
{
    uat_http_error_ext(r, e, NULL);
}

void uat_http_error_ext(uat_http_resp *r, uat_err e, json_t *ext)
{
    const uat_error_detail *d = uat_last_error();
    if (d->err != e) {
        problem(r, e, NULL, NULL, ext);
        return;
    }
    char detail[300] = "";
    if (d->message[0] != '\0') {
        snprintf(detail, sizeof(detail), "%s", d->message);
    } else if (d->field != NULL && d->field[0] != '\0') {
        snprintf(detail, sizeof(detail), "field %s", d->field);
    }
    problem(r, e, d->check, detail, ext);
}

uat_err uat_http_body_object(const uat_http_req *rq, json_t **out)
{
    UAT_ENSURE(rq->body_len > 0, UAT_ERR_PARSE_BAD_JSON, "http.body", "", 0);
    json_error_t jerr;
    json_t *j = json_loadb((const char *)rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (j == NULL) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, "http.body", "", jerr.position,
                         "the body is not JSON: %s (line %d, column %d)", jerr.text, jerr.line,
                         jerr.column);
    }
    if (!json_is_object(j)) {
        json_decref(j);
        return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, "http.body", "", 0,
                         "the body must be a JSON object");
    }
    *out = j;
    return UAT_OK;
}

const char *uat_http_bearer(const uat_http_req *rq, size_t *len)
{
    const char *a = rq->auth;
    if (a == NULL || strncasecmp(a, "Bearer ", 7) != 0) {
        return NULL;
    }
    a += 7;
    while (*a == ' ') {
        a++;
    }
    size_t n = strlen(a);
    while (n > 0 && (a[n - 1] == ' ' || a[n - 1] == '\t')) {
        n--;
    }
    *len = n;
    return n > 0 ? a : NULL;
}

const char *uat_http_req_header(const uat_http_req *rq, const char *name)
{
    return rq->conn != NULL ? MHD_lookup_connection_value((struct MHD_Connection *)rq->conn,
                                                          MHD_HEADER_KIND, name)
                            : NULL;
}

const char *uat_http_query(const uat_http_req *rq, const char *name)
{
    return rq->conn != NULL ? MHD_lookup_connection_value((struct MHD_Connection *)rq->conn,
                                                          MHD_GET_ARGUMENT_KIND, name)
                            : NULL;
}

/* spec: RFC 6265 §4.2.1: cookie-string = cookie-pair *( ";" SP cookie-pair ) */
const char *uat_http_cookie(const uat_http_req *rq, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    for (const char *p = rq->cookie; p != NULL && *p != '\0';) {
        while (*p == ' ' || *p == ';') {
            p++;
        }
        size_t len = strcspn(p, ";");
        if (len > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
            size_t vl = len - nl - 1;
            while (vl > 0 && p[nl + vl] == ' ') {
                vl--;
            }
            if (vl >= cap) {
                return NULL;
            }
            memcpy(out, p + nl + 1, vl);
            out[vl] = '\0';
            return out;
        }
        p += len;
    }
    return NULL;
}

/* ---- routing ---- */

const uat_route uat_routes[] = {
    {"POST", "/v1/challenge", 0, "challenge", uat_route_challenge},
    {"POST", "/v1/attest", 0, "attest", uat_route_attest},
    {"GET", "/v1/jwks", 0, "jwks", uat_route_jwks},
    {"GET", "/v1/audit", 0, "audit", uat_route_audit_list},
    {"GET", "/healthz", 0, "healthz", uat_route_healthz},
    {"GET", "/readyz", 0, "readyz", uat_route_readyz},
    {"GET", "/metrics", 0, "metrics", uat_route_metrics},
    {"GET", "/v1/reference-values", 0, "reference-values", uat_route_refvals_list},
    {"PUT", "/v1/reference-values/", 1, "reference-values", uat_route_refvals_put},
    {"GET", "/v1/reference-values/", 1, "reference-values", uat_route_refvals_get},
    {"DELETE", "/v1/reference-values/", 1, "reference-values", uat_route_refvals_del},
    {"GET", "/v1/policies", 0, "policies", uat_route_policies_list},
    {"PUT", "/v1/policies/", 1, "policies", uat_route_policies_put},
    {"GET", "/v1/policies/", 1, "policies", uat_route_policies_get},
    {"DELETE", "/v1/policies/", 1, "policies", uat_route_policies_del},
    {"GET", "/v1/resources", 0, "resources", uat_route_resources_list},
    {"PUT", "/v1/resources/", 1, "resources", uat_route_resources_put},
    {"GET", "/v1/resources/", 1, "resources", uat_route_resources_get},
    {"DELETE", "/v1/resources/", 1, "resources", uat_route_resources_del},
    /* compatibility front-ends (docs/compat.md) */
    {"POST", "/kbs/v0/auth", 0, "kbs-auth", uat_route_kbs_auth},
    {"POST", "/kbs/v0/attest", 0, "kbs-attest", uat_route_kbs_attest},
    {"GET", "/kbs/v0/resource/", 1, "kbs-resource", uat_route_kbs_resource},
    {"POST", "/challenge-response/v1/newSession", 0, "veraison-session", uat_route_vrs_new},
    {"POST", "/challenge-response/v1/session/", 1, "veraison-session", uat_route_vrs_post},
    {"GET", "/challenge-response/v1/session/", 1, "veraison-session", uat_route_vrs_get},
    {"DELETE", "/challenge-response/v1/session/", 1, "veraison-session", uat_route_vrs_del},
    {"GET", "/challenge", 0, "secgear-challenge", uat_route_sg_challenge},
    {"POST", "/reference", 0, "secgear-admin", uat_route_sg_reference},
    {"POST", "/policy", 0, "secgear-admin", uat_route_sg_policy_set},
    {"GET", "/policy", 0, "secgear-admin", uat_route_sg_policy_get},
    {"POST", "/resource/storage", 0, "secgear-admin", uat_route_sg_storage_set},
    {"GET", "/resource/storage", 0, "secgear-resource", uat_route_sg_storage_get},
    {"POST", "/resource/policy", 0, "secgear-admin", uat_route_sg_resource_policy},
    {"GET", "/resource/policy", 0, "secgear-admin", uat_route_sg_resource_policy},
    /* the web console and the public JSON it uses (routes_ui.c, docs/console.md) */
    {"GET", "/", 0, "ui", uat_route_ui_root},
    {"GET", "/ui", 0, "ui", uat_route_ui_root},
    {"GET", "/ui/", 0, "ui", uat_route_ui},
    {"GET", "/ui/", 1, "ui", uat_route_ui},
    {"POST", "/v1/verify", 0, "verify", uat_route_verify},
    {"GET", "/v1/attestations", 0, "attestations", uat_route_attestations},
    {"GET", "/v1/collateral/status", 0, "collateral-status", uat_route_collateral_status},
    {"POST", "/attestation", 0, "secgear-attestation", uat_route_sg_attestation},
    /* the Intel PCCS v4 and AMD KDS collateral caches (routes_pccs.c, docs/operations.md) */
    {"GET", "/sgx/certification/v4/pckcrl", 0, "pccs", uat_route_pccs},
    {"GET", "/sgx/certification/v4/pckcert", 0, "pccs", uat_route_pccs},
    {"GET", "/sgx/certification/v4/tcb", 0, "pccs", uat_route_pccs},
    {"GET", "/sgx/certification/v4/qe/identity", 0, "pccs", uat_route_pccs},
    {"GET", "/sgx/certification/v4/qve/identity", 0, "pccs", uat_route_pccs},
    {"GET", "/sgx/certification/v4/rootcacrl", 0, "pccs", uat_route_pccs},
    {"GET", "/tdx/certification/v4/tcb", 0, "pccs", uat_route_pccs},
    {"GET", "/tdx/certification/v4/qe/identity", 0, "pccs", uat_route_pccs},
    {"GET", "/vcek/v1/", 1, "kds", uat_route_kds},
};
const size_t uat_nroutes = sizeof(uat_routes) / sizeof(uat_routes[0]);

static int path_matches(const uat_route *r, const char *path, const char **id)
{
    size_t n = strlen(r->path);
    if (!r->has_id) {
        *id = "";
        return strcmp(path, r->path) == 0;
    }
    *id = path + n;
    return strncmp(path, r->path, n) == 0 && path[n] != '\0';
}

/* The route for method and path; else *label tells whether the path exists (405) or not (404). */
static const uat_route *route_find(const char *method, const char *path, const char **id,
                                   const char **label, char *allow, size_t cap)
{
    *label = "unknown";
    allow[0] = '\0';
    for (size_t i = 0; i < uat_nroutes; i++) {
        const uat_route *r = &uat_routes[i];
        if (!path_matches(r, path, id)) {
            continue;
        }
        *label = r->label;
        if (strcmp(method, r->method) == 0) {
            return r;
        }
        size_t used = strlen(allow);
        snprintf(allow + used, cap - used, "%s%s", used ? ", " : "", r->method);
    }
    return NULL;
}

static void dispatch(uat_svc *s, const uat_http_req *rq, conn *c, uat_http_resp *rs, char *allow,
                     size_t cap)
{
    const char *id = "";
    const uat_route *r = route_find(rq->method, rq->path, &id, &c->label, allow, cap);
    snprintf(rs->instance, sizeof(rs->instance), "%s", rq->path);
    if (r != NULL) {
        allow[0] = '\0';
        r->fn(s, rq, id, rs);
    } else if (allow[0] == '\0') {
        uat_http_error_detail(rs, UAT_ERR_USAGE_NOT_FOUND, "http.route", "no such route");
    } else {
        char detail[96];
        snprintf(detail, sizeof(detail), "this route answers %s", allow);
        uat_http_error_detail(rs, UAT_ERR_USAGE_METHOD, "http.route", detail);
    }
}

/* ---- libmicrohttpd glue ---- */

static enum MHD_Result send_resp(struct MHD_Connection *mc, conn *c, uat_http_resp *rs,
                                 const char *allow)
{
    uint8_t *p = NULL;
    size_t n = 0;
    uat_buf_take(&rs->body, &p, &n);
    struct MHD_Response *r =
        p != NULL
            ? MHD_create_response_from_buffer(n, p, MHD_RESPMEM_MUST_FREE)
            : MHD_create_response_from_buffer(0, (void *)(uintptr_t) "", MHD_RESPMEM_PERSISTENT);
    if (r == NULL) {
        free(p);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, rs->content_type);
    int cache_control = 0;
    for (size_t i = 0; i < rs->nheaders; i++) {
        cache_control |= strcasecmp(rs->header_name[i], MHD_HTTP_HEADER_CACHE_CONTROL) == 0;
    }
    if (!cache_control) {
        MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    }
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    if (allow != NULL && allow[0] != '\0') {
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
    }
    if (rs->set_cookie[0] != '\0') {
        MHD_add_response_header(r, MHD_HTTP_HEADER_SET_COOKIE, rs->set_cookie);
    }
    if (rs->location[0] != '\0') {
        MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, rs->location);
    }
    if (rs->www_authenticate) {
        MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"uattest\"");
    }
    for (size_t i = 0; i < rs->nheaders; i++) {
        MHD_add_response_header(r, rs->header_name[i], rs->header_value[i]);
    }
    c->status = rs->status;
    snprintf(c->error, sizeof(c->error), "%s", rs->error);
    snprintf(c->tee, sizeof(c->tee), "%s", rs->tee);
    enum MHD_Result ret = MHD_queue_response(mc, (unsigned)rs->status, r);
    MHD_destroy_response(r);
    return ret;
}

static void resp_init(uat_http_resp *rs)
{
    memset(rs, 0, sizeof(*rs));
    rs->status = 500;
    rs->content_type = "application/json";
    uat_buf_init(&rs->body, MAX_RESPONSE);
}

static void resp_free(uat_http_resp *rs)
{
    uat_buf_free(&rs->body);
    for (size_t i = 0; i < rs->nheaders; i++) {
        free(rs->header_name[i]);
        free(rs->header_value[i]);
    }
    rs->nheaders = 0;
}

static enum MHD_Result reply_too_large(struct MHD_Connection *mc, conn *c)
{
    uat_http_resp rs;
    resp_init(&rs);
    char detail[96];
    snprintf(detail, sizeof(detail), "the body is larger than %u bytes", UAT_SVC_MAX_BODY);
    uat_http_error_detail(&rs, UAT_ERR_RESOURCE_LIMIT, "http.body", detail);
    enum MHD_Result ret = send_resp(mc, c, &rs, NULL);
    resp_free(&rs);
    return ret;
}

static int declared_too_large(struct MHD_Connection *mc)
{
    const char *cl =
        MHD_lookup_connection_value(mc, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl == NULL) {
        return 0;
    }
    char *end = NULL;
    unsigned long long v = strtoull(cl, &end, 10);
    return end != cl && v > UAT_SVC_MAX_BODY;
}

static enum MHD_Result handle(uat_http *h, struct MHD_Connection *mc, conn *c, const char *url)
{
    uat_http_req rq = {
        c->method, url,
        MHD_lookup_connection_value(mc, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION), c->body.p,
        c->body.len, MHD_lookup_connection_value(mc, MHD_HEADER_KIND, MHD_HTTP_HEADER_COOKIE),
        MHD_lookup_connection_value(mc, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE), mc};
    uat_http_resp rs;
    resp_init(&rs);
    uat_error_clear();
    char allow[64] = "";
    dispatch(h->svc, &rq, c, &rs, allow, sizeof(allow));
    enum MHD_Result ret = send_resp(mc, c, &rs, allow);
    resp_free(&rs);
    return ret;
}

static conn *conn_new(const char *method, const char *url)
{
    conn *c = calloc(1, sizeof(*c));
    if (c != NULL) {
        uat_buf_init(&c->body, UAT_SVC_MAX_BODY);
        clock_gettime(CLOCK_MONOTONIC, &c->start);
        snprintf(c->method, sizeof(c->method), "%s", method);
        const char *id = "";
        char allow[64];
        route_find(method, url, &id, &c->label, allow, sizeof(allow)); /* the label for a 413 */
    }
    return c;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *mc, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    (void)version;
    conn *c = *con_cls;
    if (c == NULL) {
        c = conn_new(method, url);
        if (c == NULL) {
            return MHD_NO;
        }
        *con_cls = c;
        /* refuse a declared oversized body before reading any of it */
        return declared_too_large(mc) ? reply_too_large(mc, c) : MHD_YES;
    }
    if (*upload_size > 0) {
        if (!c->too_large && uat_buf_append(&c->body, upload, *upload_size) != UAT_OK) {
            c->too_large = 1; /* keep reading (and dropping) the rest, then answer 413 */
            uat_buf_free(&c->body);
        }
        *upload_size = 0;
        return MHD_YES;
    }
    return c->too_large ? reply_too_large(mc, c) : handle(cls, mc, c, url);
}

static void on_completed(void *cls, struct MHD_Connection *mc, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)mc;
    (void)toe;
    uat_http *h = cls;
    conn *c = *con_cls;
    if (c == NULL) {
        return;
    }
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double secs =
        (double)(now.tv_sec - c->start.tv_sec) + (double)(now.tv_nsec - c->start.tv_nsec) / 1e9;
    if (c->status != 0) {
        uat_metrics_request(h->svc->metrics, c->label, c->status, secs);
    }
    uat_log_request(c->label, c->method, c->status, secs * 1000.0, c->tee, c->error);
    uat_buf_free(&c->body);
    free(c);
    *con_cls = NULL;
}

static void on_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void on_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    uat_log_vfmt("warn", fmt, ap);
}

/* ---- daemon ---- */

static uat_err parse_port(const char *text, uint16_t *port)
{
    char *end = NULL;
    long v = strtol(text, &end, 10);
    UAT_ENSURE(end != text && *end == '\0' && v >= 0 && v <= 65535, UAT_ERR_USAGE_INVALID_ARGUMENT,
               "listen", "port", -1);
    *port = (uint16_t)v;
    return UAT_OK;
}

/* "ADDR:PORT" (IPv4, "localhost") or "[ADDR]:PORT" (IPv6). */
static uat_err parse_listen(const char *text, struct sockaddr_storage *ss, socklen_t *len, int *v6)
{
    char host[128];
    const char *colon = text[0] == '[' ? strstr(text, "]:") : strrchr(text, ':');
    UAT_ENSURE(colon != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, "listen", "", -1);
    size_t hl = (size_t)(colon - text) - (text[0] == '[' ? 1 : 0);
    UAT_ENSURE(hl > 0 && hl < sizeof(host), UAT_ERR_USAGE_INVALID_ARGUMENT, "listen", "host", -1);
    memcpy(host, text + (text[0] == '[' ? 1 : 0), hl);
    host[hl] = '\0';
    uint16_t port = 0;
    UAT_TRY(parse_port(colon + (text[0] == '[' ? 2 : 1), &port));
    memset(ss, 0, sizeof(*ss));
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
    *v6 = text[0] == '[';
    if (*v6) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(port);
        *len = sizeof(*a6);
        UAT_ENSURE(inet_pton(AF_INET6, host, &a6->sin6_addr) == 1, UAT_ERR_USAGE_INVALID_ARGUMENT,
                   "listen", "host", -1);
        return UAT_OK;
    }
    a4->sin_family = AF_INET;
    a4->sin_port = htons(port);
    *len = sizeof(*a4);
    UAT_ENSURE(
        inet_pton(AF_INET, strcmp(host, "localhost") == 0 ? "127.0.0.1" : host, &a4->sin_addr) == 1,
        UAT_ERR_USAGE_INVALID_ARGUMENT, "listen", "host", -1);
    return UAT_OK;
}

static uat_err load_tls(uat_http *h, const uat_svc_config *cfg, unsigned *flags)
{
    if (cfg->tls_cert == NULL && cfg->tls_key == NULL) {
        return UAT_OK;
    }
    UAT_ENSURE(cfg->tls_cert != NULL && cfg->tls_key != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, "tls",
               "tls_key", -1);
    UAT_ENSURE(MHD_is_feature_supported(MHD_FEATURE_TLS) == MHD_YES, UAT_ERR_UNSUPPORTED_FEATURE,
               "tls", "", -1);
    UAT_TRY(uat_file_read(cfg->tls_cert, MAX_PEM, &h->cert_pem));
    UAT_TRY(uat_buf_terminate(&h->cert_pem));
    UAT_TRY(uat_file_read(cfg->tls_key, MAX_PEM, &h->key_pem));
    UAT_TRY(uat_buf_terminate(&h->key_pem));
    *flags |= MHD_USE_TLS;
    return UAT_OK;
}

/* An attestation holds its worker while its used nonce is made durable (the group commit, about
 * an fsync): the default is enough workers per core to keep the cores busy meanwhile and the
 * groups large (docs/service.md "Speed"). */
#define THREADS_PER_CORE 32

static unsigned pool_size(const uat_svc_config *cfg)
{
    if (cfg->threads > 0) {
        return cfg->threads > 1 ? (unsigned)cfg->threads : 0u; /* 0: one polling thread, no pool */
    }
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    n = n > 0 ? n * THREADS_PER_CORE : THREADS_PER_CORE;
    return (unsigned)(n < 1024 ? n : 1024);
}

static uat_err daemon_start(uat_http *h, const struct sockaddr_storage *ss, unsigned flags)
{
    const uat_svc_config *cfg = h->svc->cfg;
    int tls = (flags & MHD_USE_TLS) != 0;
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_SOCK_ADDR, 0, (void *)(uintptr_t)ss},
        {MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)pool_size(cfg), NULL},
        {MHD_OPTION_CONNECTION_LIMIT, (intptr_t)cfg->max_connections, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)cfg->connection_timeout, NULL},
        {MHD_OPTION_LISTENING_ADDRESS_REUSE, 1, NULL},
        /* last: without TLS the array ends here */
        {tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, h->cert_pem.p},
        {tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, h->key_pem.p},
        {MHD_OPTION_END, 0, NULL},
    };
    /* the logger first, so libmicrohttpd reports everything after it through our log */
    h->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h, MHD_OPTION_EXTERNAL_LOGGER,
                                 on_log, h, MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
                                 MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
    if (h->daemon == NULL) {
        return UAT_FAILF(UAT_ERR_IO_NETWORK, "listen", "", -1,
                         "cannot listen on %s (address in use, or a bad TLS key?)", cfg->listen);
    }
    return UAT_OK;
}

uat_err uat_http_start(uat_svc *s, uat_http **out, unsigned *port)
{
    struct sockaddr_storage ss;
    socklen_t sl = 0;
    int v6 = 0;
    UAT_TRY(parse_listen(s->cfg->listen, &ss, &sl, &v6));
    uat_http *h = calloc(1, sizeof(*h));
    if (h == NULL) {
        return UAT_NOMEM(CHECK);
    }
    h->svc = s;
    uat_buf_init(&h->cert_pem, MAX_PEM + 1);
    uat_buf_init(&h->key_pem, MAX_PEM + 1);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    if (MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES) {
        flags |= MHD_USE_EPOLL;
    }
    flags |= v6 ? MHD_USE_IPv6 : 0u;
    uat_err rc = load_tls(h, s->cfg, &flags);
    if (rc == UAT_OK) {
        rc = daemon_start(h, &ss, flags);
    }
    if (rc != UAT_OK) {
        uat_http_stop(h);
        return rc;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
    *port = info != NULL ? info->port : 0;
    *out = h;
    return UAT_OK;
}

void uat_http_stop(uat_http *h)
{
    if (h != NULL) {
        if (h->daemon != NULL) {
            MHD_stop_daemon(h->daemon);
        }
        uat_buf_free(&h->cert_pem);
        uat_buf_free(&h->key_pem); /* wiped */
        free(h);
    }
}
