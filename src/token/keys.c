/* The verifier's token signing keys: ES256 (P-256) JWKs made by libjose, held in memory or in a
 * key directory (layout: docs/tokens.md). kid = RFC 7638 thumbprint. */
#include <errno.h>
#include <jose/jose.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/file.h"
#include "crypto/crypto.h"
#include "token/token_int.h"

#define CHECK "token.keys"
#define INDEX_NAME "index.json"
#define KEY_SUFFIX ".jwk"
#define KEY_NAME_LEN (UAT_TOKEN_KID_LEN + sizeof(KEY_SUFFIX)) /* "<kid>.jwk" and its NUL */

typedef struct uat_token_key {
    json_t *jwk; /* the private JWK alone: the retirement members live in the fields below */
    char kid[UAT_TOKEN_KID_LEN + 1];
    bool retired;
    int64_t retired_at;
    int64_t retire_until; /* published in the JWKS while now < retire_until */
} uat_token_key;

/* The current key as a crypto-layer key, made once per current key: converting the JWK for
 * every token would cost more than the signature. */
typedef struct signer_cache {
    uat_key *key;
    char kid[UAT_TOKEN_KID_LEN + 1];
} signer_cache;

struct uat_token_keys {
    char *dir;                              /* NULL: held in memory only */
    uat_token_key keys[UAT_TOKEN_MAX_KEYS]; /* keys[0] is the current key, the others retired */
    size_t n;
    signer_cache *signer;                   /* allocated with the set; filled on first use */
};

/* jansson offers no way to wipe a string it owns: overwrite the private scalar in place before
 * the last reference goes, so it does not linger in freed heap memory. Shared values (refcount
 * above one) are left alone: someone else still uses them. */
static void jwk_wipe_free(json_t *jwk)
{
    json_t *d = json_object_get(jwk, "d");
    if (jwk != NULL && jwk->refcount == 1 && json_is_string(d) && d->refcount == 1) {
        uat_wipe((char *)(uintptr_t)json_string_value(d), json_string_length(d));
    }
    json_decref(jwk);
}

uat_err uat_token_json_dump(const json_t *j, size_t flags, char **out, size_t *len)
{
    size_t n = json_dumpb(j, NULL, 0, flags);
    UAT_ENSURE(n > 0, UAT_ERR_INTERNAL, "token.json", "", -1);
    char *s = malloc(n + 1);
    if (s == NULL) {
        return UAT_NOMEM("token.json");
    }
    if (json_dumpb(j, s, n, flags) != n) {
        free(s);
        return UAT_FAIL(UAT_ERR_INTERNAL, "token.json", "", -1);
    }
    s[n] = '\0';
    *out = s;
    if (len != NULL) {
        *len = n;
    }
    return UAT_OK;
}

uat_err uat_token_json_object(const void *p, size_t n, const char *field, json_t **out)
{
    json_error_t jerr;
    memset(&jerr, 0, sizeof(jerr));
    json_t *j = json_loadb(p, n, JSON_REJECT_DUPLICATES, &jerr);
    if (j == NULL) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, "token.json", field, jerr.position, "%s",
                         jerr.text);
    }
    if (!json_is_object(j)) {
        json_decref(j);
        return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, "token.json", field, 0, "not a JSON object");
    }
    *out = j;
    return UAT_OK;
}

uat_err uat_token_thumbprint(const json_t *jwk, char out[UAT_TOKEN_KID_LEN + 1])
{
    /* spec: RFC 7638 §3 — SHA-256 over the required members in lexicographic order */
    json_t *t = jose_jwk_thp(NULL, jwk, "S256");
    if (!json_is_string(t) || json_string_length(t) != UAT_TOKEN_KID_LEN) {
        json_decref(t);
        return UAT_FAIL(UAT_ERR_CRYPTO_BAD_KEY, CHECK, "kid", -1);
    }
    memcpy(out, json_string_value(t), UAT_TOKEN_KID_LEN + 1);
    json_decref(t);
    return UAT_OK;
}

const json_t *uat_token_keys_current_jwk(const uat_token_keys *k)
{
    return k->keys[0].jwk;
}

static uat_err key_generate(uat_token_key *key)
{
    json_t *jwk = json_pack("{s:s}", "alg", "ES256");
    if (jwk == NULL) {
        return UAT_NOMEM(CHECK);
    }
    if (!jose_jwk_gen(NULL, jwk)) {
        jwk_wipe_free(jwk);
        return UAT_FAIL(UAT_ERR_CRYPTO_FAILURE, CHECK, "generate", -1);
    }
    uat_err rc = uat_token_thumbprint(jwk, key->kid);
    if (rc != UAT_OK) {
        jwk_wipe_free(jwk);
        return rc;
    }
    key->jwk = jwk;
    key->retired = false;
    key->retired_at = 0;
    key->retire_until = 0;
    return UAT_OK;
}

static bool member_is(const json_t *o, const char *name, const char *value)
{
    const char *s = json_string_value(json_object_get(o, name));
    return s != NULL && strcmp(s, value) == 0;
}

/* A stored private key must be what we generate: an ES256 P-256 key with its private scalar. */
static uat_err key_check_jwk(const json_t *jwk)
{
    UAT_ENSURE(member_is(jwk, "kty", "EC") && member_is(jwk, "crv", "P-256"),
               UAT_ERR_CRYPTO_BAD_KEY, CHECK, "crv", -1);
    UAT_ENSURE(json_object_get(jwk, "alg") == NULL || member_is(jwk, "alg", "ES256"),
               UAT_ERR_CRYPTO_BAD_KEY, CHECK, "alg", -1);
    UAT_ENSURE(json_is_string(json_object_get(jwk, "x")) &&
                   json_is_string(json_object_get(jwk, "y")) &&
                   json_is_string(json_object_get(jwk, "d")),
               UAT_ERR_CRYPTO_BAD_KEY, CHECK, "d", -1);
    return UAT_OK;
}

/* Moves "retired_at" and "retire_until" out of a loaded key file into key. */
static uat_err key_take_retirement(json_t *jwk, uat_token_key *key)
{
    json_t *at = json_object_get(jwk, "retired_at");
    json_t *until = json_object_get(jwk, "retire_until");
    key->retired = at != NULL || until != NULL;
    key->retired_at = 0;
    key->retire_until = 0;
    if (!key->retired) {
        return UAT_OK;
    }
    UAT_ENSURE(json_is_integer(at) && json_is_integer(until), UAT_ERR_PARSE_BAD_JSON, CHECK,
               "retire_until", -1);
    key->retired_at = (int64_t)json_integer_value(at);
    key->retire_until = (int64_t)json_integer_value(until);
    json_object_del(jwk, "retired_at");
    json_object_del(jwk, "retire_until");
    return UAT_OK;
}

static char *key_path(const char *dir, const char *kid)
{
    char name[KEY_NAME_LEN];
    snprintf(name, sizeof(name), "%s%s", kid, KEY_SUFFIX);
    return uat_path_join(dir, name);
}

static bool is_key_file(const char *path, const char *kid)
{
    char name[KEY_NAME_LEN];
    snprintf(name, sizeof(name), "%s%s", kid, KEY_SUFFIX);
    const char *base = strrchr(path, '/');
    base = base == NULL ? path : base + 1;
    return strcmp(base, name) == 0;
}

/* The file must be named after the key it holds, so the index and the listing cannot disagree. */
static uat_err check_name(const char *path, const char *kid)
{
    UAT_ENSURE(is_key_file(path, kid), UAT_ERR_PARSE_BAD_VALUE, CHECK, "kid", -1);
    return UAT_OK;
}

static uat_err key_load(const char *path, uat_token_key *key)
{
    uat_buf b;
    uat_buf_init(&b, UAT_TOKEN_MAX_KEY_FILE);
    json_t *jwk = NULL;
    uat_err rc;
    UAT_TRY_GOTO(rc, uat_file_read(path, UAT_TOKEN_MAX_KEY_FILE, &b), out);
    UAT_TRY_GOTO(rc, uat_token_json_object(b.p, b.len, "key", &jwk), out);
    UAT_TRY_GOTO(rc, key_take_retirement(jwk, key), out);
    UAT_TRY_GOTO(rc, key_check_jwk(jwk), out);
    UAT_TRY_GOTO(rc, uat_token_thumbprint(jwk, key->kid), out);
    UAT_TRY_GOTO(rc, check_name(path, key->kid), out);
    key->jwk = jwk;
    jwk = NULL;
out:
    jwk_wipe_free(jwk);
    uat_buf_free(&b);
    return rc;
}

/* Writes text (wiped and freed here) to dir/name, mode 0600, atomically. */
static uat_err store_text(const char *dir, const char *name, char *text, size_t n)
{
    char *path = uat_path_join(dir, name);
    uat_err rc = path == NULL ? UAT_NOMEM(CHECK) : uat_file_write_atomic(path, text, n, 0600);
    uat_wipe(text, n);
    free(text);
    free(path);
    return rc;
}

static uat_err key_store(const char *dir, const uat_token_key *key)
{
    json_t *doc = json_deep_copy(key->jwk);
    if (doc == NULL) {
        return UAT_NOMEM(CHECK);
    }
    uat_err rc = UAT_OK;
    if (key->retired &&
        (json_object_set_new(doc, "retired_at", json_integer(key->retired_at)) ||
         json_object_set_new(doc, "retire_until", json_integer(key->retire_until)))) {
        rc = UAT_NOMEM(CHECK);
    }
    char *text = NULL;
    size_t n = 0;
    if (rc == UAT_OK) {
        rc = uat_token_json_dump(doc, JSON_COMPACT | JSON_SORT_KEYS, &text, &n);
    }
    jwk_wipe_free(doc);
    if (rc != UAT_OK) {
        return rc;
    }
    char name[KEY_NAME_LEN];
    snprintf(name, sizeof(name), "%s%s", key->kid, KEY_SUFFIX);
    return store_text(dir, name, text, n);
}

static uat_err index_store(const char *dir, const char *kid)
{
    json_t *doc = json_pack("{s:s}", "current", kid);
    if (doc == NULL) {
        return UAT_NOMEM(CHECK);
    }
    char *text = NULL;
    size_t n = 0;
    uat_err rc = uat_token_json_dump(doc, JSON_COMPACT, &text, &n);
    json_decref(doc);
    UAT_TRY(rc);
    return store_text(dir, INDEX_NAME, text, n);
}

static uat_err index_load(const char *dir, char kid[UAT_TOKEN_KID_LEN + 1])
{
    char *path = uat_path_join(dir, INDEX_NAME);
    if (path == NULL) {
        return UAT_NOMEM(CHECK);
    }
    uat_buf b;
    uat_buf_init(&b, UAT_TOKEN_MAX_KEY_FILE);
    json_t *doc = NULL;
    uat_err rc;
    UAT_TRY_GOTO(rc, uat_file_read(path, UAT_TOKEN_MAX_KEY_FILE, &b), out);
    UAT_TRY_GOTO(rc, uat_token_json_object(b.p, b.len, "index", &doc), out);
    json_t *cur = json_object_get(doc, "current");
    /* the kid becomes a file name: only a well-formed thumbprint may */
    UAT_ENSURE_GOTO(rc,
                    json_is_string(cur) && json_string_length(cur) == UAT_TOKEN_KID_LEN &&
                        uat_token_is_b64url(json_string_value(cur), UAT_TOKEN_KID_LEN),
                    UAT_ERR_PARSE_BAD_VALUE, CHECK, "current", -1, out);
    memcpy(kid, json_string_value(cur), UAT_TOKEN_KID_LEN + 1);
out:
    json_decref(doc);
    uat_buf_free(&b);
    free(path);
    return rc;
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s);
    size_t m = strlen(suffix);
    return n >= m && strcmp(s + (n - m), suffix) == 0;
}

/* Loads every retired key file besides the current one. A key file that is neither current nor
 * retired is the new key of an interrupted rotation (docs/tokens.md): never used, skipped. */
static uat_err load_retired(uat_token_keys *k)
{
    uat_path_list l = {NULL, 0};
    UAT_TRY(uat_dir_files(k->dir, UAT_TOKEN_MAX_DIR_FILES, &l));
    uat_err rc = UAT_OK;
    for (size_t i = 0; i < l.n && rc == UAT_OK; i++) {
        if (!has_suffix(l.paths[i], KEY_SUFFIX) || is_key_file(l.paths[i], k->keys[0].kid)) {
            continue;
        }
        uat_token_key key = {NULL, {0}, false, 0, 0};
        rc = key_load(l.paths[i], &key);
        if (rc == UAT_OK && key.retired && k->n >= UAT_TOKEN_MAX_KEYS) {
            rc = UAT_FAILF(UAT_ERR_RESOURCE_LIMIT, CHECK, "keys", -1, "more than %u keys",
                           UAT_TOKEN_MAX_KEYS);
        }
        if (rc == UAT_OK && key.retired) {
            k->keys[k->n++] = key;
        } else {
            jwk_wipe_free(key.jwk);
        }
    }
    uat_path_list_free(&l);
    return rc;
}

static uat_err keys_load(uat_token_keys *k)
{
    char kid[UAT_TOKEN_KID_LEN + 1];
    UAT_TRY(index_load(k->dir, kid));
    char *path = key_path(k->dir, kid);
    if (path == NULL) {
        return UAT_NOMEM(CHECK);
    }
    uat_err rc = key_load(path, &k->keys[0]);
    free(path);
    UAT_TRY(rc);
    k->n = 1;
    /* the index wins over the marks of a rotation interrupted before it moved */
    k->keys[0].retired = false;
    k->keys[0].retired_at = 0;
    k->keys[0].retire_until = 0;
    return load_retired(k);
}

static uat_err keys_create(uat_token_keys *k)
{
    struct stat st;
    if (stat(k->dir, &st) != 0) {
        UAT_TRY(uat_mkdirs(k->dir, 0700));
        /* a private key store: owner only, whatever the umask */
        if (chmod(k->dir, 0700) != 0) {
            return UAT_FAILF(UAT_ERR_IO_WRITE, CHECK, "dir", -1, "%s: %s", k->dir, strerror(errno));
        }
    } else {
        UAT_ENSURE(S_ISDIR(st.st_mode), UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "dir", -1);
    }
    UAT_TRY(key_generate(&k->keys[0]));
    k->n = 1;
    UAT_TRY(key_store(k->dir, &k->keys[0]));
    return index_store(k->dir, k->keys[0].kid);
}

uat_err uat_token_keys_open(const char *dir, uat_token_keys **out)
{
    UAT_ENSURE(dir != NULL && dir[0] != '\0' && out != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK,
               "dir", -1);
    uat_token_keys *k = calloc(1, sizeof(*k));
    if (k == NULL || (k->signer = calloc(1, sizeof(*k->signer))) == NULL) {
        free(k);
        return UAT_NOMEM(CHECK);
    }
    uat_err rc = UAT_OK;
    char *index = NULL;
    k->dir = strdup(dir);
    UAT_ENSURE_GOTO(rc, k->dir != NULL, UAT_ERR_RESOURCE_NO_MEMORY, CHECK, "", -1, fail);
    index = uat_path_join(dir, INDEX_NAME);
    UAT_ENSURE_GOTO(rc, index != NULL, UAT_ERR_RESOURCE_NO_MEMORY, CHECK, "", -1, fail);
    rc = uat_file_exists(index) ? keys_load(k) : keys_create(k);
    if (rc != UAT_OK) {
        goto fail;
    }
    free(index);
    *out = k;
    return UAT_OK;
fail:
    free(index);
    uat_token_keys_free(k);
    return rc;
}

uat_err uat_token_keys_new(uat_token_keys **out)
{
    UAT_ENSURE(out != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "out", -1);
    uat_token_keys *k = calloc(1, sizeof(*k));
    if (k == NULL || (k->signer = calloc(1, sizeof(*k->signer))) == NULL) {
        free(k);
        return UAT_NOMEM(CHECK);
    }
    uat_err rc = key_generate(&k->keys[0]);
    if (rc != UAT_OK) {
        free(k->signer);
        free(k);
        return rc;
    }
    k->n = 1;
    *out = k;
    return UAT_OK;
}

uat_err uat_token_keys_from_jwk(const char *jwk_json, size_t n, uat_token_keys **out)
{
    UAT_ENSURE(jwk_json != NULL && out != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "jwk", -1);
    UAT_ENSURE(n <= UAT_TOKEN_MAX_KEY_FILE, UAT_ERR_RESOURCE_LIMIT, CHECK, "jwk", -1);
    json_t *jwk = NULL;
    UAT_TRY(uat_token_json_object(jwk_json, n, "key", &jwk));
    uat_token_keys *k = calloc(1, sizeof(*k));
    uat_err rc = UAT_OK;
    if (k == NULL || (k->signer = calloc(1, sizeof(*k->signer))) == NULL) {
        rc = UAT_NOMEM(CHECK);
        goto out;
    }
    UAT_TRY_GOTO(rc, key_check_jwk(jwk), out);
    UAT_TRY_GOTO(rc, uat_token_thumbprint(jwk, k->keys[0].kid), out);
    k->keys[0].jwk = jwk;
    jwk = NULL;
    k->n = 1;
    *out = k;
    k = NULL;
out:
    jwk_wipe_free(jwk);
    uat_token_keys_free(k);
    return rc;
}

void uat_token_keys_free(uat_token_keys *k)
{
    if (k == NULL) {
        return;
    }
    for (size_t i = 0; i < k->n; i++) {
        jwk_wipe_free(k->keys[i].jwk);
    }
    if (k->signer != NULL) {
        uat_key_free(k->signer->key);
        free(k->signer);
    }
    free(k->dir);
    free(k);
}

uat_err uat_token_keys_signer(const uat_token_keys *k, const uat_key **out)
{
    signer_cache *c = k->signer;
    UAT_ENSURE(c != NULL && k->n > 0, UAT_ERR_USAGE_BAD_STATE, CHECK, "", -1);
    if (c->key == NULL || strcmp(c->kid, k->keys[0].kid) != 0) {
        uat_key_free(c->key);
        c->key = NULL;
        char *text = json_dumps(k->keys[0].jwk, JSON_COMPACT);
        if (text == NULL) {
            return UAT_NOMEM(CHECK);
        }
        uat_err rc = uat_key_from_jwk(uat_span_of(text, strlen(text)), &c->key);
        uat_wipe(text, strlen(text));
        free(text);
        UAT_TRY(rc);
        memcpy(c->kid, k->keys[0].kid, sizeof(c->kid));
    }
    *out = c->key;
    return UAT_OK;
}

const char *uat_token_keys_kid(const uat_token_keys *k)
{
    return k == NULL || k->n == 0 ? NULL : k->keys[0].kid;
}

/* Fresh key, then the old key's retirement, then the index: a crash between two steps leaves
 * either the old state or the new one (docs/tokens.md). */
static uat_err rotate_persist(const uat_token_keys *k, const uat_token_key *fresh,
                              const uat_token_key *old)
{
    UAT_TRY(key_store(k->dir, fresh));
    UAT_TRY(key_store(k->dir, old));
    return index_store(k->dir, fresh->kid);
}

/* Retired keys past their retirement are dropped, with their files (best effort: a file left
 * behind stays unpublished and goes at the next rotation). */
static void rotate_commit(uat_token_keys *k, const uat_token_key *fresh, const uat_token_key *old,
                          int64_t now)
{
    uat_token_key next[UAT_TOKEN_MAX_KEYS];
    size_t n = 0;
    next[n++] = *fresh;
    next[n++] = *old;
    for (size_t i = 1; i < k->n; i++) {
        if (now < k->keys[i].retire_until) {
            next[n++] = k->keys[i];
            continue;
        }
        char *path = k->dir == NULL ? NULL : key_path(k->dir, k->keys[i].kid);
        if (path != NULL) {
            (void)unlink(path);
            free(path);
        }
        jwk_wipe_free(k->keys[i].jwk);
    }
    memcpy(k->keys, next, n * sizeof(next[0]));
    k->n = n;
}

uat_err uat_token_keys_rotate(uat_token_keys *k, int64_t now, int64_t retire_after)
{
    UAT_ENSURE(k != NULL && retire_after >= 0 && now <= INT64_MAX - retire_after,
               UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "retire_after", -1);
    size_t kept = 2;
    for (size_t i = 1; i < k->n; i++) {
        kept += now < k->keys[i].retire_until ? 1u : 0u;
    }
    UAT_ENSURE(kept <= UAT_TOKEN_MAX_KEYS, UAT_ERR_RESOURCE_LIMIT, CHECK, "keys", -1);
    uat_token_key fresh = {NULL, {0}, false, 0, 0};
    UAT_TRY(key_generate(&fresh));
    uat_token_key old = k->keys[0]; /* shares the JWK until the commit */
    old.retired = true;
    old.retired_at = now;
    old.retire_until = now + retire_after;
    uat_err rc = k->dir == NULL ? UAT_OK : rotate_persist(k, &fresh, &old);
    if (rc != UAT_OK) {
        jwk_wipe_free(fresh.jwk);
        return rc;
    }
    rotate_commit(k, &fresh, &old, now);
    return UAT_OK;
}

/* The public half: jose_jwk_pub on a shallow copy (it edits key_ops in place, so that member is
 * dropped first), then kid, alg and use. RFC 7517 §4.3: "use" and "key_ops" SHOULD NOT both be
 * present; the JWKS carries "use". */
static uat_err public_jwk(const uat_token_key *key, json_t **out)
{
    json_t *pub = json_copy(key->jwk);
    if (pub == NULL) {
        return UAT_NOMEM(CHECK);
    }
    json_object_del(pub, "key_ops");
    if (!jose_jwk_pub(NULL, pub) || json_object_get(pub, "d") != NULL) {
        json_decref(pub);
        return UAT_FAIL(UAT_ERR_CRYPTO_FAILURE, CHECK, "jwks", -1);
    }
    if (json_object_set_new(pub, "kid", json_string(key->kid)) != 0 ||
        json_object_set_new(pub, "alg", json_string("ES256")) != 0 ||
        json_object_set_new(pub, "use", json_string("sig")) != 0) {
        json_decref(pub);
        return UAT_NOMEM(CHECK);
    }
    *out = pub;
    return UAT_OK;
}

uat_err uat_token_keys_jwks(const uat_token_keys *k, int64_t now, char **out)
{
    UAT_ENSURE(k != NULL && out != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "jwks", -1);
    json_t *keys = json_array();
    json_t *doc = json_object();
    uat_err rc = UAT_OK;
    UAT_ENSURE_GOTO(rc, keys != NULL && doc != NULL, UAT_ERR_RESOURCE_NO_MEMORY, CHECK, "", -1,
                    done);
    for (size_t i = 0; i < k->n; i++) {
        if (i > 0 && !(now < k->keys[i].retire_until)) {
            continue; /* retired and past retirement: no token it signed is still valid */
        }
        json_t *pub = NULL;
        UAT_TRY_GOTO(rc, public_jwk(&k->keys[i], &pub), done);
        UAT_ENSURE_GOTO(rc, json_array_append_new(keys, pub) == 0, UAT_ERR_RESOURCE_NO_MEMORY,
                        CHECK, "", -1, done);
    }
    UAT_ENSURE_GOTO(rc, json_object_set(doc, "keys", keys) == 0, UAT_ERR_RESOURCE_NO_MEMORY, CHECK,
                    "", -1, done);
    rc = uat_token_json_dump(doc, JSON_COMPACT | JSON_SORT_KEYS, out, NULL); /* stable text */
done:
    json_decref(keys);
    json_decref(doc);
    return rc;
}
