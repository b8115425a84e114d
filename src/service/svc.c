/* The service context: data directory, deployment key, store, token keys, reference values and
 * the per-thread verifiers. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/codec.h"
#include "core/file.h"
#include "core/limits.h"
#include "crypto/crypto.h"
#include "service/log.h"
#include "service/routes.h"
#include "service/service.h"

#define CHECK "service"
#define KEY_FILE "deployment.key"

/* Writes the fresh key beside path and links it into place: link() fails when another process
 * created the file first, and then that process's key is the one everybody reads. */
static uat_err create_key_file(const char *dir, const char *path)
{
    uint8_t key[UAT_NONCE_KEY_LEN];
    UAT_TRY(uat_random(key, sizeof(key)));
    char tmp[UAT_MAX_PATH_LEN];
    snprintf(tmp, sizeof(tmp), "%s/.deployment.key.XXXXXX", dir);
    int fd = mkstemp(tmp);
    int ok = fd >= 0 && fchmod(fd, 0600) == 0 &&
             write(fd, key, sizeof(key)) == (ssize_t)sizeof(key) && fsync(fd) == 0;
    uat_wipe(key, sizeof(key));
    if (fd >= 0) {
        ok = close(fd) == 0 && ok;
    }
    ok = ok && (link(tmp, path) == 0 || errno == EEXIST);
    int saved = errno;
    if (fd >= 0) {
        unlink(tmp);
    }
    if (!ok) {
        return UAT_FAILF(UAT_ERR_IO_WRITE, CHECK, KEY_FILE, -1, "cannot create %s: %s", path,
                         strerror(saved));
    }
    return UAT_OK;
}

static uat_err load_deployment_key(const char *dir, uint8_t key[UAT_NONCE_KEY_LEN])
{
    char path[UAT_MAX_PATH_LEN];
    UAT_ENSURE((size_t)snprintf(path, sizeof(path), "%s/%s", dir, KEY_FILE) < sizeof(path),
               UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "data_dir", -1);
    if (!uat_file_exists(path)) {
        UAT_TRY(create_key_file(dir, path));
        uat_log_event("info", "created the deployment key", "path", path, NULL);
    }
    struct stat st;
    if (stat(path, &st) == 0 && (st.st_mode & 077) != 0) {
        uat_log_event("warn", "the deployment key is readable by others: chmod 0600 it", "path",
                      path, NULL);
    }
    uat_buf b;
    uat_buf_init(&b, 64);
    uat_err rc = uat_file_read(path, 64, &b);
    if (rc == UAT_OK && b.len != UAT_NONCE_KEY_LEN) {
        rc = UAT_FAILF(UAT_ERR_PARSE_BAD_LENGTH, CHECK, KEY_FILE, -1, "%s holds %zu bytes, not %u",
                       path, b.len, UAT_NONCE_KEY_LEN);
    }
    if (rc == UAT_OK) {
        memcpy(key, b.p, UAT_NONCE_KEY_LEN);
    }
    uat_buf_free(&b);
    return rc;
}

static uat_err open_store(uat_svc *s)
{
    if (s->cfg->store != NULL) {
        return uat_store_open(s->cfg->store, &s->store);
    }
    char uri[UAT_MAX_PATH_LEN];
    snprintf(uri, sizeof(uri), "sqlite:%s/uattest.db", s->cfg->data_dir);
    return uat_store_open(uri, &s->store);
}

static uat_err open_keys(uat_svc *s)
{
    char dir[UAT_MAX_PATH_LEN];
    snprintf(dir, sizeof(dir), "%s/token-keys", s->cfg->data_dir);
    UAT_TRY(uat_token_keys_open(dir, &s->keys));
    /* sign once so the signer is converted before worker threads share the key set: from then
     * on signing only reads it (the service never rotates while it runs), so workers sign
     * concurrently */
    char *jwt = NULL;
    UAT_TRY(uat_token_sign(s->keys, "{}", uat_time_now(), 1, &jwt));
    free(jwt);
    return UAT_OK;
}

static uat_err add_stored_refval(void *user, const char *id, const char *body, size_t n,
                                 int64_t updated_at)
{
    (void)updated_at;
    uat_err rc = uat_refvals_add_json(user, body, n);
    if (rc != UAT_OK) {
        uat_log_event("error", "a stored reference value does not load", "id", id, "error",
                      uat_err_name(rc), NULL);
    }
    return rc;
}

uat_err uat_svc_reload_refvals(uat_svc *s)
{
    uat_refvals *fresh = NULL;
    UAT_TRY(uat_refvals_new(&fresh));
    uat_err rc = uat_store_list(s->store, UAT_STORE_REFVALS, add_stored_refval, fresh);
    if (rc != UAT_OK) {
        uat_refvals_free(fresh);
        return rc;
    }
    pthread_rwlock_wrlock(&s->refvals_lock);
    uat_refvals *old = s->refvals;
    s->refvals = fresh;
    pthread_rwlock_unlock(&s->refvals_lock);
    uat_refvals_free(old);
    return UAT_OK;
}

uat_err uat_svc_refvals_sync(uat_svc *s)
{
    int64_t g = 0;
    UAT_TRY(uat_store_generation(s->store, UAT_STORE_REFVALS, &g));
    if (g <= atomic_load(&s->refvals_generation)) {
        return UAT_OK;
    }
    pthread_mutex_lock(&s->reload_lock);
    uat_err rc = UAT_OK;
    if (g > atomic_load(&s->refvals_generation)) { /* not reloaded meanwhile by another thread */
        rc = uat_svc_reload_refvals(s);
        if (rc == UAT_OK) {
            atomic_store(&s->refvals_generation, g);
        }
    }
    pthread_mutex_unlock(&s->reload_lock);
    return rc;
}

static void free_verifier(void *v)
{
    uat_verifier_free(v);
}

static uat_err svc_init(uat_svc *s)
{
    UAT_TRY(uat_mkdirs(s->cfg->data_dir, 0700));
    UAT_TRY(load_deployment_key(s->cfg->data_dir, s->nonce_key));
    UAT_TRY(open_store(s));
    UAT_TRY(open_keys(s));
    UAT_TRY(uat_policy_default(&s->default_policy));
    UAT_TRY(uat_metrics_new(&s->metrics));
    UAT_TRY(uat_sessions_new(&s->sessions));
    UAT_TRY(uat_pccs_new(&s->pccs));
    int64_t g = 0; /* read first: a write during the load makes the next sync reload */
    UAT_TRY(uat_store_generation(s->store, UAT_STORE_REFVALS, &g));
    UAT_TRY(uat_svc_reload_refvals(s));
    atomic_store(&s->refvals_generation, g);
    return UAT_OK;
}

uat_err uat_svc_open(const uat_svc_config *cfg, uat_svc **out)
{
    uat_svc *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return UAT_NOMEM(CHECK);
    }
    s->cfg = cfg;
    pthread_mutex_init(&s->reload_lock, NULL);
    pthread_rwlock_init(&s->refvals_lock, NULL);
    if (pthread_key_create(&s->verifier_key, free_verifier) != 0) {
        pthread_mutex_destroy(&s->reload_lock);
        pthread_rwlock_destroy(&s->refvals_lock);
        free(s);
        return UAT_NOMEM(CHECK);
    }
    uat_err rc = svc_init(s);
    if (rc != UAT_OK) {
        uat_svc_close(s);
        return rc;
    }
    *out = s;
    return UAT_OK;
}

void uat_svc_close(uat_svc *s)
{
    if (s == NULL) {
        return;
    }
    /* worker threads have ended (their verifiers went with them); this thread's, if any: */
    uat_verifier_free(pthread_getspecific(s->verifier_key));
    pthread_setspecific(s->verifier_key, NULL);
    pthread_key_delete(s->verifier_key);
    uat_refvals_free(s->refvals);
    uat_metrics_free(s->metrics);
    uat_sessions_free(s->sessions);
    uat_pccs_free(s->pccs);
    uat_token_keys_free(s->keys);
    uat_policy_free(s->default_policy);
    uat_store_close(s->store);
    uat_wipe(s->nonce_key, sizeof(s->nonce_key));
    pthread_rwlock_destroy(&s->refvals_lock);
    pthread_mutex_destroy(&s->reload_lock);
    free(s);
}

uat_err uat_svc_verifier_configure(const uat_svc_config *cfg, uat_verifier *v)
{
    UAT_TRY(uat_verifier_set_trust_dir(v, cfg->trust));
    if (cfg->collateral != NULL) {
        UAT_TRY(uat_verifier_set_collateral_dir(v, cfg->collateral));
    }
    for (size_t i = 0; i < cfg->nfetch; i++) {
        UAT_TRY(uat_verifier_set_fetch(v, cfg->fetch_vendor[i], cfg->fetch_url[i]));
    }
    uat_verifier_set_expiry_warning(v, (int64_t)cfg->collateral_warning_days * 86400);
    uat_verifier_set_jinzhao_lax_insecure(v, cfg->jinzhao_lax_insecure != 0);
    if (cfg->test_at != 0) {
        uat_verifier_set_time(v, cfg->test_at);
    }
    return UAT_OK;
}

uat_err uat_svc_verifier(uat_svc *s, uat_verifier **out)
{
    uat_verifier *v = pthread_getspecific(s->verifier_key);
    if (v == NULL) {
        UAT_TRY(uat_verifier_new(&v));
        uat_err rc = uat_svc_verifier_configure(s->cfg, v);
        if (rc == UAT_OK && pthread_setspecific(s->verifier_key, v) != 0) {
            rc = UAT_NOMEM(CHECK);
        }
        if (rc != UAT_OK) {
            uat_verifier_free(v);
            return rc;
        }
    }
    *out = v;
    return UAT_OK;
}

uat_err uat_svc_sha256_hex(const char *text, size_t n, char out[65])
{
    uint8_t digest[32];
    uat_span part = uat_span_of(text, n);
    UAT_TRY(uat_hash(UAT_HASH_SHA256, &part, 1, digest));
    uat_hex_encode(digest, sizeof(digest), out);
    return UAT_OK;
}

uat_err uat_svc_admin_create(uat_svc *s, char *out, size_t cap)
{
    uint8_t raw[UAT_SVC_ADMIN_TOKEN_BYTES];
    uat_buf text;
    uat_buf_init(&text, 128);
    char hash[65], when[32], body[96];
    uat_err rc = uat_random(raw, sizeof(raw));
    rc = rc == UAT_OK ? uat_buf_append_str(&text, "uata_") : rc;
    rc = rc == UAT_OK ? uat_b64_encode(raw, sizeof(raw), UAT_B64_URL, &text) : rc;
    uat_wipe(raw, sizeof(raw));
    rc = rc == UAT_OK && text.len >= cap ? UAT_FAIL(UAT_ERR_INTERNAL, CHECK, "", -1) : rc;
    rc = rc == UAT_OK ? uat_svc_sha256_hex((const char *)text.p, text.len, hash) : rc;
    rc = rc == UAT_OK ? uat_time_format(uat_time_now(), when) : rc;
    if (rc == UAT_OK) {
        int n = snprintf(body, sizeof(body), "{\"created_at\":\"%s\"}", when);
        rc = uat_store_put(s->store, UAT_STORE_ADMIN_TOKENS, hash, body, (size_t)n, uat_time_now(),
                           NULL);
    }
    if (rc == UAT_OK) {
        memcpy(out, text.p, text.len);
        out[text.len] = '\0';
    }
    uat_buf_free(&text);
    return rc;
}
