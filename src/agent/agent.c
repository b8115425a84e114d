/* The agent object: the attester of this machine's TEE (detected through the registry), the key
 * only the agent holds, and the evidence route's collection. */
#include <stdlib.h>
#include <string.h>

#include "agent/proto.h"
#include "evidence/registry.h"

#define CHECK "agent"

static uat_err attester_open(const uat_agent_config *c, uat_attester **out)
{
    const char *tee = c->tee != NULL && strcmp(c->tee, "auto") != 0 ? c->tee : NULL;
    uat_attester *at = NULL;
    UAT_TRY(uat_attester_new(tee, c->root, &at));
    uat_err rc =
        c->state_dir != NULL ? uat_attester_set_option(at, "state-dir", c->state_dir) : UAT_OK;
    for (size_t i = 0; rc == UAT_OK && i < c->nopts; i++) {
        rc = uat_attester_set_option(at, c->opt_key[i], c->opt_value[i]);
    }
    if (rc != UAT_OK) {
        uat_attester_free(at);
        return rc;
    }
    *out = at;
    return UAT_OK;
}

/* {"jwk": <the agent's public key>}: what the service binds a released resource to */
static uat_err runtime_data(const uat_jwe_key *k, char **out)
{
    char *pub = NULL;
    UAT_TRY(uat_jwe_key_public(k, &pub));
    json_t *jwk = json_loads(pub, 0, NULL);
    free(pub);
    json_t *doc = jwk != NULL ? json_pack("{s:o}", "jwk", jwk) : NULL;
    *out = doc != NULL ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    return *out != NULL ? UAT_OK : UAT_NOMEM(CHECK);
}

uat_err uat_agent_open(const uat_agent_config *cfg, uat_agent **out)
{
    uat_agent *a = calloc(1, sizeof(*a));
    if (a == NULL) {
        return UAT_NOMEM(CHECK);
    }
    a->cfg = cfg;
    a->proto = uat_agent_proto_of(cfg->service_kind);
    pthread_mutex_init(&a->attester_lock, NULL);
    pthread_mutex_init(&a->tok_lock, NULL);
    pthread_mutex_init(&a->wake_lock, NULL);
    pthread_mutex_init(&a->seal_lock, NULL);
    pthread_cond_init(&a->wake, NULL);
    uat_err rc = a->proto != NULL
                     ? attester_open(cfg, &a->attester)
                     : UAT_FAIL(UAT_ERR_UNSUPPORTED_FEATURE, CHECK, "service.kind", -1);
    rc = rc == UAT_OK ? uat_jwe_key_generate(&a->key) : rc;
    rc = rc == UAT_OK ? runtime_data(a->key, &a->runtime_data) : rc;
    if (rc != UAT_OK) {
        uat_agent_close(a);
        return rc;
    }
    *out = a;
    return UAT_OK;
}

void uat_agent_close(uat_agent *a)
{
    if (a == NULL) {
        return;
    }
    uat_agent_refresher_stop(a);
    uat_attester_free(a->attester);
    uat_jwe_key_free(a->key);
    free(a->runtime_data);
    if (a->token != NULL) {
        uat_wipe(a->token, strlen(a->token));
        free(a->token);
    }
    uat_wipe(a->seal_key, sizeof(a->seal_key));
    pthread_cond_destroy(&a->wake);
    pthread_mutex_destroy(&a->seal_lock);
    pthread_mutex_destroy(&a->wake_lock);
    pthread_mutex_destroy(&a->tok_lock);
    pthread_mutex_destroy(&a->attester_lock);
    free(a);
}

uat_err uat_agent_collect(uat_agent *a, const uint8_t rd[UAT_REPORT_DATA_LEN], uint8_t **cmw,
                          size_t *n)
{
    uat_cmw *c = NULL;
    pthread_mutex_lock(&a->attester_lock); /* one attester is for one thread at a time */
    uat_err rc = uat_attester_collect(a->attester, rd, &c);
    pthread_mutex_unlock(&a->attester_lock);
    rc = rc == UAT_OK ? uat_cmw_serialize(c, UAT_CMW_JSON, cmw, n) : rc;
    uat_cmw_free(c);
    return rc;
}

uat_err uat_agent_evidence(uat_agent *a, const uint8_t *nonce, size_t nlen, const uint8_t *runtime,
                           size_t rlen, uint8_t **cmw, size_t *n)
{
    uint8_t rd[UAT_REPORT_DATA_LEN];
    UAT_TRY(uat_report_data_bind(nonce, nlen, runtime, rlen, rd));
    return uat_agent_collect(a, rd, cmw, n);
}

/* ---- sealing: the TEE's sealing key, or a resource of the service released to the agent ---- */

#define SEAL_LABEL "uattest-agent seal v1"

/* Which key seals: seal.key, else the TEE's where it offers one, else the resource's. */
static int seal_with_tee(uat_agent *a)
{
    const char *k = a->cfg->seal_key;
    if (k != NULL) {
        return strcmp(k, "tee") == 0;
    }
    uint8_t probe[UAT_JWE_DIR_KEY_LEN];
    pthread_mutex_lock(&a->attester_lock);
    uat_err rc = uat_attester_seal_key(a->attester, SEAL_LABEL, probe);
    pthread_mutex_unlock(&a->attester_lock);
    uat_wipe(probe, sizeof(probe));
    uat_error_clear();
    return rc == UAT_OK || a->cfg->seal_resource == NULL;
}

static uat_err tee_seal_key(uat_agent *a, uint8_t key[UAT_JWE_DIR_KEY_LEN])
{
    pthread_mutex_lock(&a->attester_lock);
    uat_err rc = uat_attester_seal_key(a->attester, SEAL_LABEL, key);
    pthread_mutex_unlock(&a->attester_lock);
    return rc;
}

static uat_err resource_seal_key(uat_agent *a, uint8_t key[UAT_JWE_DIR_KEY_LEN])
{
    UAT_ENSURE(a->cfg->seal_resource != NULL, UAT_ERR_UNSUPPORTED_FEATURE, "agent.seal",
               "seal.resource", -1);
    pthread_mutex_lock(&a->seal_lock);
    uat_err rc = UAT_OK;
    if (!a->have_seal_key) {
        uat_buf k;
        uat_buf_init(&k, UAT_JWE_MAX_PLAINTEXT);
        rc = uat_agent_resource(a, a->cfg->seal_resource, &k);
        if (rc == UAT_OK && k.len != UAT_JWE_DIR_KEY_LEN) {
            rc = UAT_FAILF(UAT_ERR_CRYPTO_BAD_KEY, "agent.seal", "seal.resource", -1,
                           "the sealing key (resource %s) must be 32 bytes; it has %zu",
                           a->cfg->seal_resource, k.len);
        }
        if (rc == UAT_OK) {
            memcpy(a->seal_key, k.p, UAT_JWE_DIR_KEY_LEN);
            a->have_seal_key = 1;
        }
        uat_buf_free(&k);
    }
    if (rc == UAT_OK) {
        memcpy(key, a->seal_key, UAT_JWE_DIR_KEY_LEN);
    }
    pthread_mutex_unlock(&a->seal_lock);
    return rc;
}

uat_err uat_agent_seal(uat_agent *a, const uint8_t *pt, size_t n, char **jwe)
{
    uint8_t key[UAT_JWE_DIR_KEY_LEN];
    char kid[96];
    int tee = seal_with_tee(a);
    snprintf(kid, sizeof(kid), "tee:%s", uat_attester_tee(a->attester));
    UAT_TRY(tee ? tee_seal_key(a, key) : resource_seal_key(a, key));
    uat_err rc = uat_jwe_seal_dir(key, tee ? kid : a->cfg->seal_resource, pt, n, jwe);
    uat_wipe(key, sizeof(key));
    return rc;
}

uat_err uat_agent_unseal(uat_agent *a, const char *jwe, size_t n, uat_buf *pt)
{
    char *kid = NULL;
    char tee_kid[96];
    UAT_TRY(uat_jwe_dir_kid(jwe, n, &kid));
    snprintf(tee_kid, sizeof(tee_kid), "tee:%s", uat_attester_tee(a->attester));
    int tee = strcmp(kid, tee_kid) == 0;
    int ours = tee || (a->cfg->seal_resource != NULL && strcmp(kid, a->cfg->seal_resource) == 0);
    uat_err rc = ours ? UAT_OK
                      : UAT_FAILF(UAT_ERR_CRYPTO_BAD_KEY, "agent.seal", "kid", -1,
                                  "the data was sealed with the key %s; this agent holds %s and "
                                  "the resource key %s",
                                  kid, tee_kid,
                                  a->cfg->seal_resource ? a->cfg->seal_resource : "none");
    free(kid);
    UAT_TRY(rc);
    uint8_t key[UAT_JWE_DIR_KEY_LEN];
    UAT_TRY(tee ? tee_seal_key(a, key) : resource_seal_key(a, key));
    rc = uat_jwe_open_dir(key, jwe, n, pt);
    uat_wipe(key, sizeof(key));
    return rc;
}
