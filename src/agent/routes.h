/* The agent's routes: they see only uat_agent_req / uat_agent_resp, never libmicrohttpd. */
#ifndef UAT_AGENT_ROUTES_H
#define UAT_AGENT_ROUTES_H

#include "agent/agent.h"

typedef struct uat_agent_req {
    const char *method;
    const char *path;
    const uint8_t *body;
    size_t body_len;
} uat_agent_req;

typedef struct uat_agent_resp {
    int status;
    const char *content_type;
    uat_buf body;
    char error[48]; /* error name for the log, "" on success */
} uat_agent_resp;

/* Problem JSON {"error","message","check","detail"} (the service's shape) with the error table's
 * HTTP status; check and detail from uat_last_error() when it records e. */
void uat_agent_error(uat_agent_resp *r, uat_err e);
void uat_agent_error_detail(uat_agent_resp *r, uat_err e, const char *check, const char *detail);
/* Dispatches rq; returns the route's name for the log. */
const char *uat_agent_route(uat_agent *a, const uat_agent_req *rq, uat_agent_resp *rs);

#endif
