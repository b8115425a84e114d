/* Keys held by a hardware token and used through an OpenSSL provider (the TPM's TLS key through
 * tpm2-openssl, docs/channel.md "TPM-resident TLS key"). Each such key gets a library context of
 * its own with the token's provider (configured from memory: no file, no environment variable)
 * and the default provider; the key, its certificate signature and the TLS contexts made for it
 * live in that context, and freeing the key unloads the provider (which closes its connection to
 * the token). */
#include "crypto/ossl.h"

#include <openssl/conf.h>
#include <openssl/store.h>
#include <openssl/err.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK "crypto.provider"

/* A configuration value is the rest of its line: refuse what the parser would interpret
 * (variables, escapes, comments, quotes) rather than quote it. */
static int conf_value_ok(const char *v)
{
    if (v == NULL || *v == '\0' || strlen(v) > 512) {
        return 0;
    }
    for (const char *p = v; *p != '\0'; p++) {
        if (*p < 0x21 || *p > 0x7e || strchr("$\\\"'#;[]", *p) != NULL) {
            return 0;
        }
    }
    return 1;
}

static int name_ok(const char *v)
{
    if (v == NULL || *v == '\0' || strlen(v) > 64) {
        return 0;
    }
    for (const char *p = v; *p != '\0'; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-')) {
            return 0;
        }
    }
    return 1;
}

/* Serialises the provider initialisations that read an environment variable. */
static pthread_mutex_t env_lock = PTHREAD_MUTEX_INITIALIZER;

/* Activates the configuration's providers; with env, that variable holds value meanwhile (the
 * previous value, or its absence, is restored). */
static int modules_load(CONF *conf, const char *env, const char *value)
{
    if (env == NULL) {
        return CONF_modules_load(conf, "uat_conf", 0);
    }
    pthread_mutex_lock(&env_lock);
    const char *old = getenv(env);
    char *saved = old != NULL ? strdup(old) : NULL;
    int r = -1;
    if ((old == NULL || saved != NULL) && setenv(env, value, 1) == 0) {
        r = CONF_modules_load(conf, "uat_conf", 0);
        if (saved != NULL) {
            (void)setenv(env, saved, 1);
        } else {
            (void)unsetenv(env);
        }
    }
    free(saved);
    pthread_mutex_unlock(&env_lock);
    return r;
}

/* The provider named provider (with one parameter, param=value) and the default provider,
 * activated in a fresh library context. */
static uat_err load_libctx(const char *provider, const char *param, const char *value,
                           const char *env, OSSL_LIB_CTX **out)
{
    char text[1024];
    int n = snprintf(text, sizeof(text),
                     "uat_conf = uat_conf_sect\n"
                     "[uat_conf_sect]\nproviders = uat_provider_sect\n"
                     "[uat_provider_sect]\ndefault = uat_default_sect\n%s = uat_token_sect\n"
                     "[uat_default_sect]\nactivate = 1\n"
                     "[uat_token_sect]\nactivate = 1\n%s = %s\n",
                     provider, param, value);
    UAT_ENSURE(n > 0 && (size_t)n < sizeof(text), UAT_ERR_RESOURCE_LIMIT, CHECK, "config", -1);
    if (OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL) != 1) { /* the config modules */
        return UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, CHECK);
    }
    OSSL_LIB_CTX *lib = OSSL_LIB_CTX_new();
    BIO *bio = BIO_new_mem_buf(text, n);
    CONF *conf = lib != NULL ? NCONF_new_ex(lib, NULL) : NULL;
    uat_err rc = UAT_OK;
    if (bio == NULL || conf == NULL || NCONF_load_bio(conf, bio, NULL) <= 0) {
        rc = UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, CHECK);
    } else if (modules_load(conf, env, value) <= 0 ||
               !OSSL_PROVIDER_available(lib, provider)) {
        rc = UAT_FAILF(UAT_ERR_PLATFORM_DEVICE, CHECK, provider, -1,
                       "the OpenSSL provider '%s' did not load with %s=%s (is it installed, "
                       "and the device reachable?): %s", provider, param, value,
                       ERR_peek_error() ? ERR_reason_error_string(ERR_peek_error()) : "");
        ERR_clear_error();
    } else if (RAND_set_DRBG_type(lib, "CTR-DRBG", "provider=default", NULL, NULL) != 1) {
        /* the session's randomness stays in software: the token is for the key */
        rc = UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, CHECK);
    }
    NCONF_free(conf);
    BIO_free(bio);
    if (rc != UAT_OK) {
        OSSL_LIB_CTX_free(lib);
        return rc;
    }
    *out = lib;
    return UAT_OK;
}

uat_err uat_key_from_provider(const uat_provider_key_spec *spec, const char *uri, uat_key **out)
{
    UAT_ENSURE(spec != NULL && out != NULL && name_ok(spec->provider) && name_ok(spec->param) &&
                   conf_value_ok(spec->value) && spec->propq != NULL && conf_value_ok(uri),
               UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "spec", -1);
    OSSL_LIB_CTX *lib = NULL;
    UAT_TRY(load_libctx(spec->provider, spec->param, spec->value, spec->env, &lib));
    char only[96];
    snprintf(only, sizeof(only), "provider=%s", spec->provider);
    EVP_PKEY *pkey = NULL;
    OSSL_STORE_CTX *st = OSSL_STORE_open_ex(uri, lib, only, NULL, NULL, NULL, NULL, NULL);
    while (st != NULL && pkey == NULL && !OSSL_STORE_eof(st)) {
        OSSL_STORE_INFO *info = OSSL_STORE_load(st);
        if (info != NULL && OSSL_STORE_INFO_get_type(info) == OSSL_STORE_INFO_PKEY) {
            pkey = OSSL_STORE_INFO_get1_PKEY(info);
        }
        OSSL_STORE_INFO_free(info);
        if (info == NULL) {
            break;
        }
    }
    OSSL_STORE_close(st);
    uat_err rc = pkey != NULL ? UAT_OK : UAT_OSSL_FAIL(UAT_ERR_CRYPTO_BAD_KEY, CHECK);
    uat_key *k = NULL;
    char *propq = rc == UAT_OK ? strdup(spec->propq) : NULL;
    if (rc == UAT_OK && propq == NULL) {
        rc = UAT_NOMEM(CHECK);
    }
    if (rc == UAT_OK) {
        rc = uat_key_wrap(pkey, &k); /* takes pkey */
        pkey = NULL;
    }
    if (rc != UAT_OK) {
        EVP_PKEY_free(pkey);
        free(propq);
        OSSL_LIB_CTX_free(lib);
        return rc;
    }
    k->libctx = lib;
    k->propq = propq;
    *out = k;
    return UAT_OK;
}

int uat_key_in_provider(const uat_key *k)
{
    return k != NULL && k->libctx != NULL;
}
