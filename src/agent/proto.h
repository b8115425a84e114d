/* The service protocols behind the agent's token cache (service.kind, docs/agent.md): each runs
 * one attestation round and fetches one resource; caching, retries and decryption are shared
 * (service.c). */
#ifndef UAT_AGENT_PROTO_H
#define UAT_AGENT_PROTO_H

#include "agent/agent.h"
#include "collateral/fetch.h"

/* A token one round issued. */
typedef struct uat_agent_issued {
    char *token; /* malloc'd */
    char status[24];
    int64_t iat, exp;
} uat_agent_issued;

typedef struct uat_agent_proto {
    const char *kind;
    /* One attestation round with the service: a fresh token. */
    uat_err (*attest)(uat_agent *a, uat_agent_issued *out);
    /* The resource at path as a compact JWE to the agent's key (NUL-terminated text in jwe). */
    uat_err (*resource)(uat_agent *a, const char *token, const char *path, uat_buf *jwe);
} uat_agent_proto;

extern const uat_agent_proto uat_agent_proto_uattestd; /* proto_uattestd.c: /v1 */
extern const uat_agent_proto uat_agent_proto_kbs;      /* proto_kbs.c: /kbs/v0 (KBS v0.4.0) */
extern const uat_agent_proto uat_agent_proto_secgear;  /* proto_secgear.c: secGear AS routes */
/* The protocol of a service.kind, or NULL. */
const uat_agent_proto *uat_agent_proto_of(const char *kind);

/* client.c: one call to the service at service_url + route. JSON body when body is not NULL;
 * "Cookie: <cookie>" when cookie is not NULL. UAT_OK only for HTTP 200 (out holds the body,
 * NUL-terminated, and the headers). A refusal comes back under the error the service named (its
 * problem document, or the KBS ErrorInformation); an unreachable service or a 5xx is IO_NETWORK
 * (retried by the caller). */
UAT_MUST_USE uat_err uat_agent_call(const uat_agent *a, const char *method, const char *route,
                                    const char *bearer, const char *cookie, const char *body,
                                    uat_http_response *out);
/* The same, the answer parsed as a JSON object. */
UAT_MUST_USE uat_err uat_agent_call_json(const uat_agent *a, const char *method, const char *route,
                                         const char *cookie, const char *body, json_t **out);
#define UAT_AGENT_MAX_COOKIE 256u
/* The "name=value" pair of the response's Set-Cookie for cookie name (what to send back as the
 * Cookie header); IO_NETWORK when there is none. */
UAT_MUST_USE uat_err uat_agent_cookie(const uat_http_response *r, const char *name,
                                      char out[UAT_AGENT_MAX_COOKIE]);
/* Fills out->iat, exp and status from the token's claims: verified against the JWKS at
 * service.jwks_url when one is configured, else read unverified (as Trustee's client does). */
UAT_MUST_USE uat_err uat_agent_token_read(const uat_agent *a, uat_agent_issued *out);

#endif
