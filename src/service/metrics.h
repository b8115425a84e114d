/* Prometheus metrics of the service (text exposition format 0.0.4). */
#ifndef UAT_SERVICE_METRICS_H
#define UAT_SERVICE_METRICS_H

#include "core/buf.h"

#define UAT_METRICS_MAX_SERIES 256u /* label combinations per counter family */

typedef struct uat_metrics uat_metrics;

UAT_MUST_USE uat_err uat_metrics_new(uat_metrics **out);
void uat_metrics_free(uat_metrics *m);
/* uattest_requests_total{route,code} and uattest_request_duration_seconds{route}. route is one of
 * a fixed set of labels (the router's), never request text. */
void uat_metrics_request(uat_metrics *m, const char *route, int code, double seconds);
/* uattest_verifications_total{tee,outcome,category}: outcome is the EAR status or "error",
 * category the error category ("OK" on success). */
void uat_metrics_verification(uat_metrics *m, const char *tee, const char *outcome,
                              const char *category);
/* uattest_collateral_upstream_requests_total{upstream,outcome}: requests the collateral caches
 * sent upstream (routes_pccs.c); outcome "ok", "not_found" or "error". */
void uat_metrics_upstream(uat_metrics *m, const char *upstream, const char *outcome);
/* The exposition text, appended to out. */
UAT_MUST_USE uat_err uat_metrics_render(uat_metrics *m, uat_buf *out);

#endif
