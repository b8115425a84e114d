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
/* routes_admin.c: resource paths are segments of [A-Za-z0-9._:-] joined by '/' (no "." or "..") */
UAT_MUST_USE uat_err uat_resource_check_path(const char *path);
/* routes_admin.c: the admin view of a resource (policy, no secret). */
void uat_resource_admin_get(uat_svc *s, const char *path, uat_http_resp *rs);
/* routes_resource.c: a resource document {"secret": base64url, "policy": {"status": [...],
 * "tee"?: [...], "measurement"?: [...]}}: PARSE_BAD_JSON / USAGE_INVALID_ARGUMENT when not. */
UAT_MUST_USE uat_err uat_resource_validate(const json_t *doc);
/* routes_resource.c: releases a resource document, wiping its secret first. */
void uat_resource_doc_free(json_t *doc);
/* routes_resource.c: the secret as a JWE to the key bound in the EAR token. */
void uat_resource_release(uat_svc *s, const uat_http_req *rq, const char *path, uat_http_resp *rs);

#endif
