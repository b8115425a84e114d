/* The HTTP layer: libmicrohttpd daemon, request limits, routing, problem JSON. Routes see only
 * uat_http_req / uat_http_resp, never libmicrohttpd. */
#ifndef UAT_SERVICE_HTTP_H
#define UAT_SERVICE_HTTP_H

#include <jansson.h>

#include "service/service.h"

#define UAT_HTTP_MAX_HEADERS 8u /* extra headers of one response */

typedef struct uat_http_req {
    const char *method;
    const char *path; /* percent-decoded, without the query */
    const char *auth; /* the Authorization header, or NULL */
    const uint8_t *body;
    size_t body_len;
    const char *cookie;       /* the Cookie header, or NULL */
    const char *content_type; /* the Content-Type header, or NULL */
    void *conn;               /* the HTTP layer's, for uat_http_query */
} uat_http_req;

typedef struct uat_http_resp {
    int status;
    const char *content_type;
    uat_buf body;
    int www_authenticate; /* add WWW-Authenticate: Bearer (401) */
    char error[48];       /* error name for the log, "" on success */
    char tee[48];         /* TEE of the evidence for the log, "" when none */
    char set_cookie[128]; /* a Set-Cookie header value, "" for none */
    char location[256];   /* a Location header value, "" for none */
    char instance[256];   /* the request path, the "instance" of a problem document */
    /* further response headers (uat_http_add_header), owned, sent in order; Cache-Control among
     * them replaces the default no-store */
    char *header_name[UAT_HTTP_MAX_HEADERS], *header_value[UAT_HTTP_MAX_HEADERS];
    size_t nheaders;
} uat_http_resp;

/* Adds a response header (copied): RESOURCE_LIMIT past UAT_HTTP_MAX_HEADERS. The name must be a
 * token and the value free of CR and LF (USAGE_INVALID_ARGUMENT): upstream text passes through
 * here unchanged only when it is safe to. */
UAT_MUST_USE uat_err uat_http_add_header(uat_http_resp *r, const char *name, const char *value);

/* A JSON body (compact; any JSON value, e.g. a string); takes the reference to doc. */
void uat_http_json(uat_http_resp *r, int status, json_t *doc);
void uat_http_text(uat_http_resp *r, int status, const char *content_type, const char *text,
                   size_t n);
/* An RFC 9457 problem document (application/problem+json) with the error table's HTTP status:
 * "type" (UAT_ERR_TYPE_BASE + the error's name), "title" (its sentence), "status", "detail",
 * "instance" (the request path), and our own members "error", "message", "check" (kept for the
 * clients that read them). check and detail come from uat_last_error() when it records e. */
void uat_http_error(uat_http_resp *r, uat_err e);
/* Same with an explicit check and detail sentence. */
void uat_http_error_detail(uat_http_resp *r, uat_err e, const char *check, const char *detail);
/* uat_http_error with extension members (e.g. "explanation"); takes the reference to ext. */
void uat_http_error_ext(uat_http_resp *r, uat_err e, json_t *ext);

/* The body as one JSON object (duplicate members refused): PARSE_BAD_JSON otherwise. */
UAT_MUST_USE uat_err uat_http_body_object(const uat_http_req *rq, json_t **out);
/* The token of "Authorization: Bearer <token>" or NULL. */
const char *uat_http_bearer(const uat_http_req *rq, size_t *len);

/* The value of a request header (case-insensitive name), or NULL. */
const char *uat_http_req_header(const uat_http_req *rq, const char *name);
/* The value of a query argument (percent-decoded), or NULL. */
const char *uat_http_query(const uat_http_req *rq, const char *name);
/* The value of cookie name in the Cookie header (a view of at most cap-1 bytes copied into out),
 * or NULL when absent or longer. */
const char *uat_http_cookie(const uat_http_req *rq, const char *name, char *out, size_t cap);

typedef struct uat_http uat_http;
/* Starts listening on cfg->listen; *port gets the bound port. */
UAT_MUST_USE uat_err uat_http_start(uat_svc *s, uat_http **out, unsigned *port);
void uat_http_stop(uat_http *h);

#endif
