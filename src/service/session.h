/* Protocol sessions of the compatibility front-ends (KBS protocol, Veraison challenge-response):
 * an in-memory table of JSON states keyed by (kind, id), each with an expiry. A session lives in
 * the replica that created it, as in Trustee (its KBS keeps sessions in process memory): a client
 * that spreads one handshake over replicas needs sticky routing. Freshness across replicas still
 * holds, because every nonce is spent in the store's used-nonce table (docs/compat.md). */
#ifndef UAT_SERVICE_SESSION_H
#define UAT_SERVICE_SESSION_H

#include <jansson.h>

#include "core/buf.h"

#define UAT_SESSION_MAX 4096u   /* live sessions of all kinds; expired ones are dropped first */
#define UAT_SESSION_ID_LEN 32u  /* hex of 16 random bytes (a UUIDv4-sized "simple" id) */
#define UAT_SESSION_MAX_KIND 16u

typedef struct uat_sessions uat_sessions;

UAT_MUST_USE uat_err uat_sessions_new(uat_sessions **out);
void uat_sessions_free(uat_sessions *t);
/* A fresh random id (NUL-terminated lower-case hex). */
UAT_MUST_USE uat_err uat_session_id(char out[UAT_SESSION_ID_LEN + 1]);
/* Creates or replaces the session (kind, id) with a copy of state, valid until expires_at.
 * RESOURCE_LIMIT when UAT_SESSION_MAX live sessions exist. */
UAT_MUST_USE uat_err uat_sessions_put(uat_sessions *t, const char *kind, const char *id,
                                      const json_t *state, int64_t expires_at, int64_t now);
/* A copy of the session's state (json_decref it) and its expiry: USAGE_UNAUTHENTICATED when
 * there is no such session or it expired. */
UAT_MUST_USE uat_err uat_sessions_get(uat_sessions *t, const char *kind, const char *id,
                                      int64_t now, json_t **state, int64_t *expires_at);
/* Removes the session: USAGE_NOT_FOUND when absent. */
UAT_MUST_USE uat_err uat_sessions_del(uat_sessions *t, const char *kind, const char *id);

#endif
