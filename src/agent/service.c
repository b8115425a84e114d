/* The agent's token cache and resource fetch over the configured protocol (proto.h): tokens are
 * cached until shortly before they expire; resources are fetched with the token and opened with
 * the agent's key. While the service cannot be reached, calls are retried with exponential backoff
 * (bounded per request) and a background thread keeps renewing the token. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/proto.h"
#include "core/codec.h"
#include "service/log.h"

#define CHECK "agent.service"

const uat_agent_proto *uat_agent_proto_of(const char *kind)
{
    static const uat_agent_proto *const all[] = {&uat_agent_proto_uattestd, &uat_agent_proto_kbs,
                                                 &uat_agent_proto_secgear};
    for (size_t i = 0; kind != NULL && i < sizeof(all) / sizeof(all[0]); i++) {
        if (strcmp(all[i]->kind, kind) == 0) {
            return all[i];
        }
    }
    return NULL;
}

static void drop(char *token)
{
    if (token != NULL) {
        uat_wipe(token, strlen(token)); /* a bearer credential */
        free(token);
    }
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

/* One attestation round of the configured protocol; replaces the cached token (tok_lock held). */
static uat_err refresh_once(uat_agent *a)
{
    uat_agent_issued t;
    memset(&t, 0, sizeof(t));
    uat_err rc = a->proto->attest(a, &t);
    rc = rc == UAT_OK ? uat_agent_token_read(a, &t) : rc;
    if (rc != UAT_OK) {
        free(t.token);
        return rc;
    }
    drop(a->token);
    a->token = t.token;
    a->exp = t.exp;
    a->renew = renew_at(a, t.iat, t.exp);
    snprintf(a->status, sizeof(a->status), "%s", t.status);
    char when[32] = "";
    if (uat_time_format(t.exp, when) != UAT_OK) {
        when[0] = '\0';
    }
    uat_log_event("info", "token issued", "kind", a->proto->kind, "status", a->status, "expires_at",
                  when, "verified", a->cfg->jwks_url ? "jwks" : "no", NULL);
    return UAT_OK;
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

/* The cached token, renewed first when due. With retry, an unreachable service is tried
 * retry_attempts times with backoff; without, once (the caller retries). */
static uat_err token_get(uat_agent *a, int retry, char **token, char **status, int64_t *exp)
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
        rc = retry ? with_retry(a, "service unavailable: retrying", refresh_attempt, NULL)
                   : refresh_once(a);
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

uat_err uat_agent_token(uat_agent *a, char **token, char **status, int64_t *exp)
{
    return token_get(a, 1, token, status, exp);
}

/* Drops the cached token when it is still tok (the service refused it). */
static void forget(uat_agent *a, const char *tok)
{
    pthread_mutex_lock(&a->tok_lock);
    if (a->token != NULL && strcmp(a->token, tok) == 0) {
        drop(a->token);
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
    UAT_TRY(token_get(a, 0, &tok, &status, &exp)); /* retried by the caller, not twice */
    free(status);
    uat_buf jwe;
    uat_buf_init(&jwe, 4u * UAT_JWE_MAX_PLAINTEXT);
    uat_err rc = a->proto->resource(a, tok, j->path, &jwe);
    if ((rc == UAT_ERR_USAGE_UNAUTHENTICATED || rc == UAT_ERR_VERIFY_EXPIRED) &&
        !j->retried_token) {
        /* the service no longer takes this token (its keys rotated, a clock step): one more try
         * with a fresh one */
        j->retried_token = 1;
        forget(a, tok);
        drop(tok);
        uat_buf_free(&jwe);
        return resource_attempt(a, ctx);
    }
    drop(tok);
    rc = rc == UAT_OK ? uat_jwe_decrypt(a->key, (const char *)jwe.p, jwe.len, j->out) : rc;
    uat_buf_free(&jwe);
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
