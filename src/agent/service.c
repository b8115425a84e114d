/* The agent's side of the uattestd flow (docs/service.md): challenge -> evidence bound to the
 * nonce and the agent's public key -> attest -> EAR token (checked against the service's JWKS,
 * cached until shortly before it expires); resources fetched with the token and opened with the
 * agent's key. While the service cannot be reached, calls are retried with exponential backoff
 * (bounded per request) and a background thread keeps renewing the token. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/agent.h"
#include "collateral/fetch.h"
#include "core/codec.h"
#include "service/log.h"

#define CHECK "agent.service"

/* ---- one call ---- */

/* The service's problem JSON {"error","message","detail"} as our error (the one table); an answer
 * that is not one (a proxy's page, a 5xx) is IO_NETWORK, which is retried. */
static uat_err refused(const char *route, const uat_http_response *r)
{
    json_t *j = json_loadb((const char *)r->body.p, r->body.len, 0, NULL);
    const char *name = json_string_value(json_object_get(j, "error"));
    const char *detail = json_string_value(json_object_get(j, "detail"));
    const char *msg = json_string_value(json_object_get(j, "message"));
    uat_err e = name != NULL ? uat_err_from_name(name) : UAT_ERR_IO_NETWORK;
    if (r->status >= 500 || e == UAT_ERR_INTERNAL || e == UAT_OK) {
        e = UAT_ERR_IO_NETWORK;
    }
    uat_err rc =
        UAT_FAILF(e, CHECK, route, -1, "the service answered %s with HTTP %ld%s%s%s%s", route,
                  r->status, name ? " " : "", name ? name : "", detail || msg ? ": " : "",
                  detail ? detail
                  : msg  ? msg
                         : "");
    json_decref(j);
    return rc;
}

/* method route [bearer] [JSON body]: UAT_OK only for HTTP 200 (body in out, NUL-terminated). */
static uat_err call(const uat_agent *a, const char *method, const char *route, const char *bearer,
                    const char *body, uat_http_response *out)
{
    char url[UAT_MAX_PATH_LEN];
    int w = snprintf(url, sizeof(url), "%s%s", a->cfg->service_url, route);
    UAT_ENSURE(w > 0 && (size_t)w < sizeof(url), UAT_ERR_RESOURCE_LIMIT, CHECK, "url", -1);
    size_t n = body != NULL ? strlen(body) : 0;
    uat_err rc = uat_http_request(method, url, bearer, body ? "application/json" : NULL,
                                  (const uint8_t *)body, n, UAT_AGENT_MAX_SVC_RESPONSE, out);
    if (rc == UAT_ERR_IO_NETWORK) {
        char why[256];
        snprintf(why, sizeof(why), "%s", uat_last_error()->message);
        return UAT_FAILF(rc, CHECK, route, -1, "the attestation service cannot be reached (%s)",
                         why);
    }
    UAT_TRY(rc);
    rc = out->status == 200 ? uat_buf_terminate(&out->body) : refused(route, out);
    if (rc != UAT_OK) {
        uat_http_response_free(out);
    }
    return rc;
}

static uat_err call_json(const uat_agent *a, const char *method, const char *route,
                         const char *body, json_t **out)
{
    uat_http_response r;
    UAT_TRY(call(a, method, route, NULL, body, &r));
    *out = json_loadb((const char *)r.body.p, r.body.len, 0, NULL);
    uat_http_response_free(&r);
    if (!json_is_object(*out)) {
        json_decref(*out);
        return UAT_FAILF(UAT_ERR_IO_NETWORK, CHECK, route, -1,
                         "the service's answer to %s is not a JSON object", route);
    }
    return UAT_OK;
}

/* ---- one attestation ---- */

static uat_err attest_body(uat_agent *a, const char *nonce, char **out)
{
    uint8_t *cmw = NULL;
    size_t n = 0;
    const char *rd = a->runtime_data;
    UAT_TRY(uat_agent_evidence(a, (const uint8_t *)nonce, strlen(nonce), (const uint8_t *)rd,
                               strlen(rd), &cmw, &n));
    json_t *ev = json_loadb((const char *)cmw, n, 0, NULL);
    free(cmw);
    uat_buf b64;
    uat_buf_init(&b64, 2 * UAT_AGENT_MAX_RUNTIME);
    uat_err rc = ev != NULL ? uat_b64_encode((const uint8_t *)rd, strlen(rd), UAT_B64_URL, &b64)
                            : UAT_FAIL(UAT_ERR_INTERNAL, CHECK, "evidence", -1);
    json_t *body = rc == UAT_OK ? json_pack("{s:o,s:s,s:s}", "evidence", ev, "nonce", nonce,
                                            "runtime_data", (const char *)b64.p)
                                : NULL;
    ev = rc == UAT_OK ? NULL : ev; /* "o" took it */
    json_decref(ev);
    uat_buf_free(&b64);
    if (rc == UAT_OK && body != NULL && a->cfg->policy_id != NULL) {
        json_object_set_new(body, "policy_id", json_string(a->cfg->policy_id));
    }
    *out = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    return rc != UAT_OK ? rc : *out != NULL ? UAT_OK : UAT_NOMEM(CHECK);
}

/* Checks the token against the service's JWKS (a token the agent hands out is one that verifies)
 * and reads its lifetime. */
static uat_err token_check(uat_agent *a, const char *token, int64_t *iat, int64_t *exp)
{
    uat_http_response r;
    UAT_TRY(call(a, "GET", "/v1/jwks", NULL, NULL, &r));
    char *claims = NULL;
    uat_err rc = uat_token_verify(token, (const char *)r.body.p, uat_time_now(), &claims);
    uat_http_response_free(&r);
    UAT_TRY(rc);
    json_t *c = json_loads(claims, 0, NULL);
    free(claims);
    json_t *e = json_object_get(c, "exp"), *i = json_object_get(c, "iat");
    int ok = json_is_integer(e) && json_is_integer(i);
    *exp = ok ? (int64_t)json_integer_value(e) : 0;
    *iat = ok ? (int64_t)json_integer_value(i) : 0;
    json_decref(c);
    UAT_ENSURE(ok && *exp > *iat, UAT_ERR_PARSE_BAD_VALUE, CHECK, "exp", -1);
    (void)a;
    return UAT_OK;
}

/* The time a token should be renewed at: refresh_margin before exp, at most half its lifetime. */
static int64_t renew_at(const uat_agent *a, int64_t iat, int64_t exp)
{
    int64_t margin = a->cfg->refresh_margin;
    if (margin > (exp - iat) / 2) {
        margin = (exp - iat) / 2;
    }
    return exp - margin;
}

/* One challenge -> attest round; replaces the cached token (tok_lock held). */
static uat_err refresh_once(uat_agent *a)
{
    json_t *ch = NULL;
    UAT_TRY(call_json(a, "POST", "/v1/challenge", NULL, &ch));
    const char *nonce = json_string_value(json_object_get(ch, "nonce"));
    char *body = NULL;
    uat_err rc = nonce != NULL ? attest_body(a, nonce, &body)
                               : UAT_FAILF(UAT_ERR_IO_NETWORK, CHECK, "nonce", -1,
                                           "the service's challenge has no nonce");
    json_decref(ch);
    UAT_TRY(rc);
    json_t *res = NULL;
    rc = call_json(a, "POST", "/v1/attest", body, &res);
    free(body);
    UAT_TRY(rc);
    const char *tok = json_string_value(json_object_get(res, "token"));
    const char *status = json_string_value(json_object_get(res, "status"));
    int64_t iat = 0, exp = 0;
    rc = tok != NULL && strlen(tok) <= UAT_AGENT_MAX_TOKEN
             ? token_check(a, tok, &iat, &exp)
             : UAT_FAILF(UAT_ERR_IO_NETWORK, CHECK, "token", -1, "the service sent no token");
    char *copy = rc == UAT_OK ? strdup(tok) : NULL;
    if (rc == UAT_OK && copy == NULL) {
        rc = UAT_NOMEM(CHECK);
    }
    if (rc == UAT_OK) {
        free(a->token);
        a->token = copy;
        a->exp = exp;
        a->renew = renew_at(a, iat, exp);
        snprintf(a->status, sizeof(a->status), "%s", status ? status : "");
        char t[32] = "";
        if (uat_time_format(exp, t) != UAT_OK) {
            t[0] = '\0';
        }
        uat_log_event("info", "token issued", "status", a->status, "expires_at", t, NULL);
    }
    json_decref(res);
    return rc;
}

/* ---- retries ---- */

static void log_failure(const char *level, const char *msg, uat_err e, long next_ms)
{
    char text[512], ms[24];
    const uat_error_detail *d = uat_last_error();
    if (d->err == e) {
        uat_error_format(d, text, sizeof(text));
    } else {
        snprintf(text, sizeof(text), "%s", uat_err_message(e));
    }
    snprintf(ms, sizeof(ms), "%ld", next_ms);
    uat_log_event(level, msg, "error", uat_err_name(e), "detail", text,
                  next_ms >= 0 ? "retry_in_ms" : NULL, ms, NULL);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

typedef uat_err (*attempt_fn)(uat_agent *a, void *ctx);

/* Runs fn up to retry_attempts times while it fails with IO_NETWORK (the service cannot be
 * reached or failed), waiting initial_ms, then twice as long each time up to max_ms. The last
 * error is the caller's: a client is never kept waiting longer than the sum of the delays. */
static uat_err with_retry(uat_agent *a, const char *what, attempt_fn fn, void *ctx)
{
    long delay = a->cfg->retry_initial_ms;
    for (long i = 1;; i++) {
        uat_err rc = fn(a, ctx);
        if (rc != UAT_ERR_IO_NETWORK || i >= a->cfg->retry_attempts) {
            return rc;
        }
        log_failure("warn", what, rc, delay);
        sleep_ms(delay);
        delay = delay * 2 > a->cfg->retry_max_ms ? a->cfg->retry_max_ms : delay * 2;
    }
}

/* ---- the token cache ---- */

static int fresh(const uat_agent *a)
{
    return a->token != NULL && uat_time_now() < a->renew;
}

static uat_err refresh_attempt(uat_agent *a, void *ctx)
{
    (void)ctx;
    return refresh_once(a);
}

static uat_err copy_token(const uat_agent *a, char **token, char **status, int64_t *exp)
{
    *token = strdup(a->token);
    *status = strdup(a->status);
    *exp = a->exp;
    if (*token == NULL || *status == NULL) {
        free(*token);
        free(*status);
        return UAT_NOMEM(CHECK);
    }
    return UAT_OK;
}

uat_err uat_agent_token(uat_agent *a, char **token, char **status, int64_t *exp)
{
    pthread_mutex_lock(&a->tok_lock);
    uat_err rc = UAT_OK;
    if (fresh(a)) {
        /* the cached token */
    } else if (a->token != NULL && uat_time_now() < a->exp) {
        /* due for renewal but still valid: one try, else the cached token (the background
         * renewal keeps trying) */
        rc = refresh_once(a);
        if (rc != UAT_OK) {
            log_failure("warn", "renewal failed: serving the cached token", rc, -1);
            rc = UAT_OK;
        }
    } else {
        rc = with_retry(a, "service unavailable: retrying", refresh_attempt, NULL);
    }
    if (rc == UAT_OK) {
        rc = copy_token(a, token, status, exp);
    }
    pthread_mutex_unlock(&a->tok_lock);
    if (rc == UAT_OK) {
        pthread_mutex_lock(&a->wake_lock); /* the refresher plans its next renewal */
        pthread_cond_signal(&a->wake);
        pthread_mutex_unlock(&a->wake_lock);
    }
    return rc;
}

/* Drops the cached token when it is still tok (the service refused it). */
static void forget(uat_agent *a, const char *tok)
{
    pthread_mutex_lock(&a->tok_lock);
    if (a->token != NULL && strcmp(a->token, tok) == 0) {
        free(a->token);
        a->token = NULL;
    }
    pthread_mutex_unlock(&a->tok_lock);
}

/* ---- resources ---- */

typedef struct res_job {
    const char *path;
    uat_buf *out;
    int retried_token;
} res_job;

static uat_err resource_attempt(uat_agent *a, void *ctx)
{
    res_job *j = ctx;
    char *tok = NULL, *status = NULL;
    int64_t exp = 0;
    UAT_TRY(uat_agent_token(a, &tok, &status, &exp));
    free(status);
    char route[UAT_AGENT_MAX_RESOURCE_PATH + 32];
    snprintf(route, sizeof(route), "/v1/resources/%s", j->path);
    uat_http_response r;
    uat_err rc = call(a, "GET", route, tok, NULL, &r);
    if ((rc == UAT_ERR_USAGE_UNAUTHENTICATED || rc == UAT_ERR_VERIFY_EXPIRED) &&
        !j->retried_token) {
        /* the service no longer takes this token (its keys rotated, a clock step): one more try
         * with a fresh one */
        j->retried_token = 1;
        forget(a, tok);
        free(tok);
        return resource_attempt(a, ctx);
    }
    free(tok);
    UAT_TRY(rc);
    size_t n = r.body.len;
    while (n > 0 && (r.body.p[n - 1] == '\n' || r.body.p[n - 1] == '\r')) {
        n--;
    }
    rc = uat_jwe_decrypt(a->key, (const char *)r.body.p, n, j->out);
    uat_http_response_free(&r);
    return rc;
}

static int path_ok(const char *p)
{
    size_t n = strlen(p);
    if (n == 0 || n > UAT_AGENT_MAX_RESOURCE_PATH || p[0] == '/' || strstr(p, "..") != NULL) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == '/')) {
            return 0;
        }
    }
    return 1;
}

uat_err uat_agent_resource(uat_agent *a, const char *path, uat_buf *out)
{
    if (!path_ok(path)) {
        return UAT_FAILF(UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "path", -1,
                         "a resource path is 1 to %u characters of A-Z a-z 0-9 - _ . / without "
                         "'..' or a leading '/'",
                         UAT_AGENT_MAX_RESOURCE_PATH);
    }
    res_job j = {path, out, 0};
    return with_retry(a, "service unavailable: retrying", resource_attempt, &j);
}

/* ---- the background refresher ---- */

/* Waits until the absolute time t (or a signal, or stop); 1 when stopping. */
static int wait_until(uat_agent *a, int64_t t)
{
    pthread_mutex_lock(&a->wake_lock);
    if (!a->stopping) {
        struct timespec ts = {(time_t)t, 0};
        pthread_cond_timedwait(&a->wake, &a->wake_lock, &ts);
    }
    int stop = a->stopping;
    pthread_mutex_unlock(&a->wake_lock);
    return stop;
}

static int wait_ms(uat_agent *a, long ms)
{
    pthread_mutex_lock(&a->wake_lock);
    if (!a->stopping) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += ms / 1000;
        ts.tv_nsec += (ms % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&a->wake, &a->wake_lock, &ts);
    }
    int stop = a->stopping;
    pthread_mutex_unlock(&a->wake_lock);
    return stop;
}

/* Once a token was issued, renews it at its renewal time; while the service cannot be reached,
 * tries again after initial_ms, doubling up to max_ms, until it answers or the agent stops. */
static void *refresher(void *arg)
{
    uat_agent *a = arg;
    long delay = a->cfg->retry_initial_ms;
    for (;;) {
        pthread_mutex_lock(&a->tok_lock);
        int have = a->token != NULL || a->renew != 0;
        int64_t due = a->renew;
        pthread_mutex_unlock(&a->tok_lock);
        if (!have || uat_time_now() < due) {
            /* no token asked for yet: sleep until a client asks (signal); else until due */
            if (wait_until(a, have ? due : uat_time_now() + 3600)) {
                break;
            }
            continue;
        }
        pthread_mutex_lock(&a->tok_lock);
        uat_err rc = fresh(a) ? UAT_OK : refresh_once(a);
        pthread_mutex_unlock(&a->tok_lock);
        if (rc == UAT_OK) {
            if (delay != a->cfg->retry_initial_ms) {
                uat_log_event("info", "service reachable again: token renewed", NULL);
            }
            delay = a->cfg->retry_initial_ms;
            continue;
        }
        log_failure(rc == UAT_ERR_IO_NETWORK ? "warn" : "error", "token renewal failed", rc, delay);
        if (wait_ms(a, delay)) {
            break;
        }
        delay = delay * 2 > a->cfg->retry_max_ms ? a->cfg->retry_max_ms : delay * 2;
    }
    return NULL;
}

uat_err uat_agent_refresher_start(uat_agent *a)
{
    if (pthread_create(&a->refresher, NULL, refresher, a) != 0) {
        return UAT_FAIL(UAT_ERR_INTERNAL, CHECK, "thread", -1);
    }
    a->refresher_running = 1;
    return UAT_OK;
}

void uat_agent_refresher_stop(uat_agent *a)
{
    if (!a->refresher_running) {
        return;
    }
    pthread_mutex_lock(&a->wake_lock);
    a->stopping = 1;
    pthread_cond_broadcast(&a->wake);
    pthread_mutex_unlock(&a->wake_lock);
    pthread_join(a->refresher, NULL);
    a->refresher_running = 0;
}
