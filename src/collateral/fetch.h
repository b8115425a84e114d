/* HTTP for collateral (libcurl), only when the caller allowed it (uat_verifier_set_fetch), and for
 * the agent's calls to an attestation service (src/agent). */
#ifndef UAT_COLLATERAL_FETCH_H
#define UAT_COLLATERAL_FETCH_H

#include "core/buf.h"

typedef struct uat_http_response {
    long status;
    uat_buf body;
    uat_buf headers; /* raw header lines */
} uat_http_response;

/* GET url; the body is capped at max bytes (RESOURCE_LIMIT past it). IO_NETWORK when the peer
 * cannot be reached or answers other than 200; IO_NOT_FOUND for 404. */
UAT_MUST_USE uat_err uat_http_get(const char *url, size_t max, uat_http_response *out);
/* The same with "Authorization: Bearer <bearer>" (an admin or EAR token). */
UAT_MUST_USE uat_err uat_http_get_auth(const char *url, const char *bearer, size_t max,
                                       uat_http_response *out);
/* One request, method "GET" or "POST" (body of n bytes), with "Authorization: Bearer <bearer>"
 * when bearer is not NULL and the header lines of headers ("Name: value", NULL-terminated; may be
 * NULL). Succeeds whenever the peer answered, whatever the status (out->status; body and headers
 * kept, the body capped at max: RESOURCE_LIMIT past it); IO_NETWORK when it cannot be reached. */
UAT_MUST_USE uat_err uat_http_request(const char *method, const char *url, const char *bearer,
                                      const char *const *headers, const uint8_t *body, size_t n,
                                      size_t max, uat_http_response *out);
void uat_http_response_free(uat_http_response *r);
/* The value of a response header (case-insensitive name), percent-decoded when decode is set. */
UAT_MUST_USE uat_err uat_http_header(const uat_http_response *r, const char *name, int decode,
                                     uat_buf *out);

/* The fetch journal (uattest collateral fetch): while one is open on this thread, the TEEs' fetch
 * code keeps each object it fetched and accepted, under the path (relative to a collateral
 * directory root, e.g. "intel/tcb-00906ED50000.json") from which that TEE's collateral loader
 * reads it back. Keeping is a no-op without an open journal. */
typedef struct uat_fetch_item {
    char *path;   /* relative path */
    char *source; /* the URL it came from */
    int64_t fetched;
    uat_buf bytes;
} uat_fetch_item;

typedef struct uat_fetch_journal {
    uat_fetch_item *items;
    size_t n;
    uat_err failed; /* a keep that could not be recorded (out of memory): the journal is void */
} uat_fetch_journal;

/* Opens j on this thread (one at a time); uat_fetch_journal_close detaches and keeps the items. */
void uat_fetch_journal_open(uat_fetch_journal *j);
/* Whether a GET of this thread answered with "Warning: 110" (a stale cached copy) since the
 * last reset: the verifier then claims collateral_stale. */
void uat_fetch_stale_reset(void);
int uat_fetch_stale_seen(void);
void uat_fetch_journal_close(uat_fetch_journal *j);
void uat_fetch_journal_free(uat_fetch_journal *j);
/* Keeps bytes under path (replacing an item of the same path) when a journal is open. */
void uat_fetch_keep(const char *path, uat_span bytes, const char *source);

#endif
