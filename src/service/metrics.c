/* Prometheus counters and histograms behind one mutex: updates are a few additions each. */
#include "service/metrics.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LABEL_MAX 48
#define NBUCKETS 12

static const double buckets[NBUCKETS] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                         0.1,   0.25,   0.5,   1.0,  2.5,   5.0};

typedef struct req_series {
    char route[LABEL_MAX];
    int code;
    uint64_t count;
} req_series;

typedef struct dur_series {
    char route[LABEL_MAX];
    uint64_t bucket[NBUCKETS]; /* cumulative at render time; per-bucket here */
    uint64_t count;
    double sum;
} dur_series;

typedef struct ver_series {
    char tee[LABEL_MAX], outcome[LABEL_MAX], category[LABEL_MAX];
    uint64_t count;
} ver_series;

typedef struct up_series {
    char upstream[LABEL_MAX], outcome[LABEL_MAX];
    uint64_t count;
} up_series;

struct uat_metrics {
    pthread_mutex_t lock;
    req_series req[UAT_METRICS_MAX_SERIES];
    size_t nreq;
    dur_series dur[UAT_METRICS_MAX_SERIES];
    size_t ndur;
    ver_series ver[UAT_METRICS_MAX_SERIES];
    size_t nver;
    up_series up[UAT_METRICS_MAX_SERIES];
    size_t nup;
};

uat_err uat_metrics_new(uat_metrics **out)
{
    uat_metrics *m = calloc(1, sizeof(*m));
    if (m == NULL) {
        return UAT_NOMEM("metrics");
    }
    pthread_mutex_init(&m->lock, NULL);
    *out = m;
    return UAT_OK;
}

void uat_metrics_free(uat_metrics *m)
{
    if (m != NULL) {
        pthread_mutex_destroy(&m->lock);
        free(m);
    }
}

/* A label value restricted to [A-Za-z0-9_.:/-] so nothing needs escaping in the output. */
static void label(char dst[LABEL_MAX], const char *src)
{
    size_t i = 0;
    for (; src != NULL && src[i] != '\0' && i < LABEL_MAX - 1; i++) {
        char c = src[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '.' || c == ':' || c == '/' || c == '-';
        dst[i] = ok ? c : '_';
    }
    dst[i] = '\0';
    if (i == 0) {
        snprintf(dst, LABEL_MAX, "none");
    }
}

static req_series *find_req(uat_metrics *m, const char *route, int code)
{
    for (size_t i = 0; i < m->nreq; i++) {
        if (m->req[i].code == code && strcmp(m->req[i].route, route) == 0) {
            return &m->req[i];
        }
    }
    if (m->nreq == UAT_METRICS_MAX_SERIES) {
        return NULL;
    }
    req_series *s = &m->req[m->nreq++];
    snprintf(s->route, sizeof(s->route), "%s", route);
    s->code = code;
    return s;
}

static dur_series *find_dur(uat_metrics *m, const char *route)
{
    for (size_t i = 0; i < m->ndur; i++) {
        if (strcmp(m->dur[i].route, route) == 0) {
            return &m->dur[i];
        }
    }
    if (m->ndur == UAT_METRICS_MAX_SERIES) {
        return NULL;
    }
    dur_series *s = &m->dur[m->ndur++];
    snprintf(s->route, sizeof(s->route), "%s", route);
    return s;
}

void uat_metrics_request(uat_metrics *m, const char *route, int code, double seconds)
{
    char r[LABEL_MAX];
    label(r, route);
    pthread_mutex_lock(&m->lock);
    req_series *s = find_req(m, r, code);
    if (s != NULL) {
        s->count++;
    }
    dur_series *d = find_dur(m, r);
    if (d != NULL) {
        size_t b = 0;
        while (b < NBUCKETS && seconds > buckets[b]) {
            b++;
        }
        if (b < NBUCKETS) {
            d->bucket[b]++;
        }
        d->count++;
        d->sum += seconds;
    }
    pthread_mutex_unlock(&m->lock);
}

void uat_metrics_verification(uat_metrics *m, const char *tee, const char *outcome,
                              const char *category)
{
    ver_series key;
    label(key.tee, tee);
    label(key.outcome, outcome);
    label(key.category, category);
    pthread_mutex_lock(&m->lock);
    size_t i = 0;
    while (i < m->nver &&
           (strcmp(m->ver[i].tee, key.tee) != 0 || strcmp(m->ver[i].outcome, key.outcome) != 0 ||
            strcmp(m->ver[i].category, key.category) != 0)) {
        i++;
    }
    if (i == m->nver && m->nver < UAT_METRICS_MAX_SERIES) {
        key.count = 0;
        m->ver[m->nver++] = key;
    }
    if (i < m->nver) {
        m->ver[i].count++;
    }
    pthread_mutex_unlock(&m->lock);
}

void uat_metrics_upstream(uat_metrics *m, const char *upstream, const char *outcome)
{
    up_series key;
    label(key.upstream, upstream);
    label(key.outcome, outcome);
    pthread_mutex_lock(&m->lock);
    size_t i = 0;
    while (i < m->nup && (strcmp(m->up[i].upstream, key.upstream) != 0 ||
                          strcmp(m->up[i].outcome, key.outcome) != 0)) {
        i++;
    }
    if (i == m->nup && m->nup < UAT_METRICS_MAX_SERIES) {
        key.count = 0;
        m->up[m->nup++] = key;
    }
    if (i < m->nup) {
        m->up[i].count++;
    }
    pthread_mutex_unlock(&m->lock);
}

static uat_err line(uat_buf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static uat_err line(uat_buf *out, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    UAT_ENSURE(n >= 0 && (size_t)n < sizeof(text), UAT_ERR_INTERNAL, "metrics", "", -1);
    return uat_buf_append(out, text, (size_t)n);
}

static uat_err render_requests(const uat_metrics *m, uat_buf *out)
{
    UAT_TRY(line(out, "# HELP uattest_requests_total HTTP requests by route and status code.\n"
                      "# TYPE uattest_requests_total counter\n"));
    for (size_t i = 0; i < m->nreq; i++) {
        UAT_TRY(line(out, "uattest_requests_total{route=\"%s\",code=\"%d\"} %llu\n",
                     m->req[i].route, m->req[i].code, (unsigned long long)m->req[i].count));
    }
    return UAT_OK;
}

static uat_err render_durations(const uat_metrics *m, uat_buf *out)
{
    UAT_TRY(line(out, "# HELP uattest_request_duration_seconds Time to answer a request.\n"
                      "# TYPE uattest_request_duration_seconds histogram\n"));
    for (size_t i = 0; i < m->ndur; i++) {
        const dur_series *d = &m->dur[i];
        uint64_t cum = 0;
        for (size_t b = 0; b < NBUCKETS; b++) {
            cum += d->bucket[b];
            UAT_TRY(line(out,
                         "uattest_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
                         d->route, buckets[b], (unsigned long long)cum));
        }
        UAT_TRY(line(out,
                     "uattest_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n"
                     "uattest_request_duration_seconds_sum{route=\"%s\"} %.6f\n"
                     "uattest_request_duration_seconds_count{route=\"%s\"} %llu\n",
                     d->route, (unsigned long long)d->count, d->route, d->sum, d->route,
                     (unsigned long long)d->count));
    }
    return UAT_OK;
}

static uat_err render_verifications(const uat_metrics *m, uat_buf *out)
{
    UAT_TRY(line(out, "# HELP uattest_verifications_total Evidence verifications by TEE, result "
                      "and error category.\n# TYPE uattest_verifications_total counter\n"));
    for (size_t i = 0; i < m->nver; i++) {
        const ver_series *v = &m->ver[i];
        UAT_TRY(line(
            out, "uattest_verifications_total{tee=\"%s\",outcome=\"%s\",category=\"%s\"} %llu\n",
            v->tee, v->outcome, v->category, (unsigned long long)v->count));
    }
    return UAT_OK;
}

static uat_err render_upstream(const uat_metrics *m, uat_buf *out)
{
    UAT_TRY(line(out, "# HELP uattest_collateral_upstream_requests_total Requests the collateral "
                      "caches sent upstream, by upstream and outcome.\n"
                      "# TYPE uattest_collateral_upstream_requests_total counter\n"));
    for (size_t i = 0; i < m->nup; i++) {
        UAT_TRY(line(out,
                     "uattest_collateral_upstream_requests_total{upstream=\"%s\",outcome=\"%s\"} "
                     "%llu\n",
                     m->up[i].upstream, m->up[i].outcome, (unsigned long long)m->up[i].count));
    }
    return UAT_OK;
}

uat_err uat_metrics_render(uat_metrics *m, uat_buf *out)
{
    pthread_mutex_lock(&m->lock);
    uat_err rc = render_requests(m, out);
    if (rc == UAT_OK) {
        rc = render_durations(m, out);
    }
    if (rc == UAT_OK) {
        rc = render_verifications(m, out);
    }
    if (rc == UAT_OK) {
        rc = render_upstream(m, out);
    }
    pthread_mutex_unlock(&m->lock);
    return rc;
}
