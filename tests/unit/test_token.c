/* Unit tests for attestation result tokens (src/token): ES256 keys and their JWKS, key rotation
 * and the key directory, compact JWS signing, and every rejection of uat_token_verify.
 *
 * Interoperability, not only self-consistency: the kid is checked against the RFC 7638 §3.1
 * thumbprint example, and tokens are checked both ways against Debian's `jose` command line
 * (libjose's own tool): it verifies our token with our JWKS, and we verify one it signed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jose/jose.h>

#include "core/codec.h"
#include "core/file.h"
#include "token/token_int.h"
#include "uattest/token.h"

#define T0 1767225600 /* 2026-01-01T00:00:00Z */
#define TTL 300
#define CLAIMS "{\"eat_profile\":\"tag:github.com,2023:veraison/ear\",\"ear.status\":\"affirming\"}"
#define JOSE_CLI "/usr/bin/jose"

/* RFC 7638 §3.1: the example RSA key and its SHA-256 thumbprint. */
#define RFC7638_N                                                                                  \
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_"      \
    "BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_"     \
    "FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-"            \
    "bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
#define RFC7638_THUMBPRINT "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"

/* ---- helpers ---- */

/* Every string a helper returns is kept here and freed after each test (teardown). */
static void *scratch[256];
static size_t scratch_n;

static char *keep(void *p)
{
    assert_non_null(p);
    assert_true(scratch_n < sizeof(scratch) / sizeof(scratch[0]));
    scratch[scratch_n++] = p;
    return p;
}

static int scratch_free(void **state)
{
    (void)state;
    while (scratch_n > 0) {
        free(scratch[--scratch_n]);
    }
    return 0;
}

static char *b64url(const void *p, size_t n)
{
    uat_buf b;
    uat_buf_init(&b, 1u << 20);
    assert_int_equal(uat_b64_encode(p, n, UAT_B64_URL, &b), UAT_OK);
    uint8_t *s = NULL;
    size_t len = 0;
    uat_buf_take(&b, &s, &len);
    return keep(s);
}

static char *b64url_str(const char *s)
{
    return b64url(s, strlen(s));
}

static char *join3(const char *a, const char *b, const char *c)
{
    size_t n = strlen(a) + strlen(b) + strlen(c) + 3;
    char *s = malloc(n);
    assert_non_null(s);
    snprintf(s, n, "%s.%s.%s", a, b, c);
    return keep(s);
}

/* The i-th part of a compact JWS. */
static char *part(const char *jwt, int i)
{
    const char *p = jwt;
    for (int k = 0; k < i; k++) {
        p = strchr(p, '.');
        assert_non_null(p);
        p++;
    }
    const char *end = strchr(p, '.');
    return keep(uat_strndup(p, end == NULL ? strlen(p) : (size_t)(end - p)));
}

/* A token with the given header and payload JSON texts and a signature part taken as is. */
static char *forge(const char *header, const char *payload, const char *sig64)
{
    return join3(b64url_str(header), b64url_str(payload), sig64);
}

/* Signs any header and payload with the key set's current private key through libjose. */
static char *sign_raw(const uat_token_keys *k, const char *header, const char *payload)
{
    char *h = b64url_str(header);
    char *p = b64url_str(payload);
    json_t *jws = json_pack("{s:s}", "payload", p);
    json_t *sig = json_pack("{s:s}", "protected", h);
    assert_true(jose_jws_sig(NULL, jws, sig, uat_token_keys_current_jwk(k)));
    char *t = join3(h, p, json_string_value(json_object_get(jws, "signature")));
    json_decref(jws);
    json_decref(sig);
    return t;
}

/* Replaces the character in the middle of part i with another base64url character. */
static char *flip(const char *jwt, int i)
{
    char *t = keep(strdup(jwt));
    char *p = t;
    for (int k = 0; k < i; k++) {
        p = strchr(p, '.') + 1;
    }
    char *end = strchr(p, '.');
    size_t len = end == NULL ? strlen(p) : (size_t)(end - p);
    char *c = p + len / 2;
    *c = *c == 'A' ? 'B' : 'A';
    return t;
}

static char *jwks_of(const uat_token_keys *k, int64_t now)
{
    char *jwks = NULL;
    assert_int_equal(uat_token_keys_jwks(k, now, &jwks), UAT_OK);
    return keep(jwks);
}

static char *sign_ok(const uat_token_keys *k, const char *claims, int64_t now, int64_t ttl)
{
    char *jwt = NULL;
    assert_int_equal(uat_token_sign(k, claims, now, ttl, &jwt), UAT_OK);
    return keep(jwt);
}

static uat_err verify(const char *jwt, const char *jwks, int64_t now)
{
    char *claims = NULL;
    uat_err rc = uat_token_verify(jwt, jwks, now, &claims);
    if (rc == UAT_OK) {
        assert_non_null(claims);
    } else {
        assert_null(claims);
    }
    free(claims);
    return rc;
}

static size_t jwks_count(const char *jwks)
{
    json_t *j = json_loads(jwks, 0, NULL);
    assert_non_null(j);
    size_t n = json_array_size(json_object_get(j, "keys"));
    json_decref(j);
    return n;
}

/* The shared test fixture: one key set, its JWKS at T0 and a token signed at T0. */
typedef struct fixture {
    uat_token_keys *keys;
    char *jwks;
    char *jwt;
} fixture;

static int group_setup(void **state)
{
    static fixture f;
    assert_int_equal(uat_token_keys_new(&f.keys), UAT_OK);
    assert_int_equal(uat_token_keys_jwks(f.keys, T0, &f.jwks), UAT_OK);
    assert_int_equal(uat_token_sign(f.keys, CLAIMS, T0, TTL, &f.jwt), UAT_OK);
    *state = &f;
    return 0;
}

static int group_teardown(void **state)
{
    fixture *f = *state;
    uat_token_keys_free(f->keys);
    free(f->jwks);
    free(f->jwt);
    return 0;
}

/* A fresh temporary directory (removed by rm_tree). */
static char *temp_dir(void)
{
    char *t = keep(strdup("/tmp/uat-token-XXXXXX"));
    assert_non_null(mkdtemp(t));
    return t;
}

static void rm_tree(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static size_t count_key_files(const char *dir)
{
    uat_path_list l = {NULL, 0};
    assert_int_equal(uat_dir_files(dir, 256, &l), UAT_OK);
    size_t n = 0;
    for (size_t i = 0; i < l.n; i++) {
        size_t len = strlen(l.paths[i]);
        n += len > 4 && strcmp(l.paths[i] + len - 4, ".jwk") == 0;
    }
    uat_path_list_free(&l);
    return n;
}

/* ---- keys ---- */

static void test_thumbprint_rfc7638(void **state)
{
    (void)state;
    json_t *jwk =
        json_pack("{s:s,s:s,s:s,s:s}", "kty", "RSA", "n", RFC7638_N, "e", "AQAB", "alg", "RS256");
    assert_non_null(jwk);
    char kid[UAT_TOKEN_KID_LEN + 1];
    assert_int_equal(uat_token_thumbprint(jwk, kid), UAT_OK);
    assert_string_equal(kid, RFC7638_THUMBPRINT);
    json_decref(jwk);
}

static void test_kid_is_thumbprint(void **state)
{
    fixture *f = *state;
    const char *kid = uat_token_keys_kid(f->keys);
    assert_int_equal(strlen(kid), UAT_TOKEN_KID_LEN);
    json_t *set = json_loads(f->jwks, 0, NULL);
    json_t *pub = json_array_get(json_object_get(set, "keys"), 0);
    assert_string_equal(json_string_value(json_object_get(pub, "kid")), kid);
    json_t *thp = jose_jwk_thp(NULL, pub, "S256"); /* over the public key alone */
    assert_string_equal(json_string_value(thp), kid);
    json_decref(thp);
    json_decref(set);
}

static void test_jwks_is_public(void **state)
{
    fixture *f = *state;
    assert_null(strstr(f->jwks, "\"d\""));
    json_t *set = json_loads(f->jwks, JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(set);
    json_t *keys = json_object_get(set, "keys");
    assert_int_equal(json_array_size(keys), 1);
    json_t *pub = json_array_get(keys, 0);
    assert_null(json_object_get(pub, "d"));
    assert_null(json_object_get(pub, "key_ops")); /* RFC 7517 §4.3: not with "use" */
    assert_string_equal(json_string_value(json_object_get(pub, "kty")), "EC");
    assert_string_equal(json_string_value(json_object_get(pub, "crv")), "P-256");
    assert_string_equal(json_string_value(json_object_get(pub, "alg")), "ES256");
    assert_string_equal(json_string_value(json_object_get(pub, "use")), "sig");
    assert_non_null(json_string_value(json_object_get(pub, "x")));
    assert_non_null(json_string_value(json_object_get(pub, "y")));
    json_decref(set);
}

/* ---- sign and verify ---- */

static void test_round_trip(void **state)
{
    fixture *f = *state;
    char *claims = NULL;
    assert_int_equal(uat_token_verify(f->jwt, f->jwks, T0 + 10, &claims), UAT_OK);
    json_t *c = json_loads(claims, 0, NULL);
    assert_non_null(c);
    assert_string_equal(json_string_value(json_object_get(c, "ear.status")), "affirming");
    assert_int_equal(json_integer_value(json_object_get(c, "iat")), T0);
    assert_int_equal(json_integer_value(json_object_get(c, "exp")), T0 + TTL);
    json_decref(c);
    free(claims);

    char *h64 = part(f->jwt, 0);
    uat_buf h;
    uat_buf_init(&h, 4096);
    assert_int_equal(uat_b64_decode(h64, strlen(h64), UAT_B64_URL, &h), UAT_OK);
    json_t *hdr = json_loadb((const char *)h.p, h.len, 0, NULL);
    assert_int_equal(json_object_size(hdr), 3);
    assert_string_equal(json_string_value(json_object_get(hdr, "alg")), "ES256");
    assert_string_equal(json_string_value(json_object_get(hdr, "typ")), "JWT");
    assert_string_equal(json_string_value(json_object_get(hdr, "kid")),
                        uat_token_keys_kid(f->keys));
    json_decref(hdr);
    uat_buf_free(&h);
}

static void test_sign_rejects_non_object(void **state)
{
    fixture *f = *state;
    const char *bad[] = {"[1]", "1", "\"x\"", "null", "not json", "{\"a\":1,\"a\":2}", "{} {}", ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *jwt = NULL;
        assert_int_equal(uat_token_sign(f->keys, bad[i], T0, TTL, &jwt), UAT_ERR_PARSE_BAD_JSON);
        assert_null(jwt);
    }
    char *jwt = NULL;
    assert_int_equal(uat_token_sign(f->keys, NULL, T0, TTL, &jwt), UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_int_equal(uat_token_sign(f->keys, "{}", INT64_MAX - 10, TTL, &jwt),
                     UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_null(jwt);
}

static void test_rotation(void **state)
{
    (void)state;
    uat_token_keys *k = NULL;
    assert_int_equal(uat_token_keys_new(&k), UAT_OK);
    char *old_kid = keep(strdup(uat_token_keys_kid(k)));
    char *old_jwt = sign_ok(k, CLAIMS, T0, TTL);
    assert_int_equal(uat_token_keys_rotate(k, T0 + 10, TTL), UAT_OK);
    assert_string_not_equal(uat_token_keys_kid(k), old_kid);
    char *new_jwt = sign_ok(k, CLAIMS, T0 + 20, TTL);

    /* until retirement both keys are published and both tokens verify */
    char *jwks = jwks_of(k, T0 + 20);
    assert_int_equal(jwks_count(jwks), 2);
    assert_int_equal(verify(old_jwt, jwks, T0 + 299), UAT_OK);
    assert_int_equal(verify(new_jwt, jwks, T0 + 30), UAT_OK);
    jwks = jwks_of(k, T0 + 10 + TTL - 1);
    assert_int_equal(jwks_count(jwks), 2);

    /* after it, the old key is gone: its tokens no longer name a published key */
    jwks = jwks_of(k, T0 + 10 + TTL);
    assert_int_equal(jwks_count(jwks), 1);
    assert_null(strstr(jwks, old_kid));
    assert_int_equal(verify(old_jwt, jwks, T0 + 299), UAT_ERR_VERIFY_UNTRUSTED_KEY);
    assert_int_equal(verify(new_jwt, jwks, T0 + 30), UAT_OK);

    assert_int_equal(uat_token_keys_rotate(k, T0, -1), UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_int_equal(uat_token_keys_rotate(k, INT64_MAX, 1), UAT_ERR_USAGE_INVALID_ARGUMENT);
    uat_token_keys_free(k);
}

/* ---- the key directory ---- */

static void assert_modes(const char *dir)
{
    struct stat st;
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0700);
    uat_path_list l = {NULL, 0};
    assert_int_equal(uat_dir_files(dir, 256, &l), UAT_OK);
    assert_true(l.n >= 2); /* index.json and one key at least */
    for (size_t i = 0; i < l.n; i++) {
        assert_int_equal(stat(l.paths[i], &st), 0);
        assert_int_equal(st.st_mode & 07777, 0600);
    }
    uat_path_list_free(&l);
}

static void test_dir_open_twice(void **state)
{
    (void)state;
    char *tmp = temp_dir();
    char *dir = keep(uat_path_join(tmp, "state/keys")); /* parents created too */
    uat_token_keys *a = NULL;
    uat_token_keys *b = NULL;
    assert_int_equal(uat_token_keys_open(dir, &a), UAT_OK);
    assert_modes(dir);
    assert_int_equal(count_key_files(dir), 1);
    assert_int_equal(uat_token_keys_open(dir, &b), UAT_OK);
    assert_string_equal(uat_token_keys_kid(a), uat_token_keys_kid(b));
    char *ja = jwks_of(a, T0);
    char *jb = jwks_of(b, T0);
    assert_string_equal(ja, jb);
    char *jwt = sign_ok(a, CLAIMS, T0, TTL); /* signed by one, verified with the other's JWKS */
    assert_int_equal(verify(jwt, jb, T0 + 1), UAT_OK);
    uat_token_keys_free(a);
    uat_token_keys_free(b);
    rm_tree(tmp);
}

static void test_dir_rotation_persists(void **state)
{
    (void)state;
    char *dir = temp_dir(); /* exists already, empty: a key is made in it */
    uat_token_keys *k = NULL;
    assert_int_equal(uat_token_keys_open(dir, &k), UAT_OK);
    char *old_jwt = sign_ok(k, CLAIMS, T0, TTL);
    assert_int_equal(uat_token_keys_rotate(k, T0 + 10, TTL), UAT_OK);
    char *kid = keep(strdup(uat_token_keys_kid(k)));
    uat_token_keys_free(k);
    assert_modes(dir);
    assert_int_equal(count_key_files(dir), 2);

    assert_int_equal(uat_token_keys_open(dir, &k), UAT_OK);
    assert_string_equal(uat_token_keys_kid(k), kid);
    char *jwks = jwks_of(k, T0 + 20);
    assert_int_equal(jwks_count(jwks), 2);
    assert_int_equal(verify(old_jwt, jwks, T0 + 20), UAT_OK);
    jwks = jwks_of(k, T0 + 10 + TTL);
    assert_int_equal(jwks_count(jwks), 1);

    /* the next rotation after retirement deletes the retired key's file */
    assert_int_equal(uat_token_keys_rotate(k, T0 + 1000, TTL), UAT_OK);
    assert_int_equal(count_key_files(dir), 2);
    uat_token_keys_free(k);
    rm_tree(dir);
}

static void test_dir_rejects_bad_index(void **state)
{
    (void)state;
    char *dir = temp_dir();
    char *index = keep(uat_path_join(dir, "index.json"));
    const char *bad = "{\"current\":\"../../etc/passwd\"}";
    assert_int_equal(uat_file_write_atomic(index, bad, strlen(bad), 0600), UAT_OK);
    uat_token_keys *k = NULL;
    assert_int_equal(uat_token_keys_open(dir, &k), UAT_ERR_PARSE_BAD_VALUE);
    assert_null(k);
    const char *missing = "{\"current\":\"" RFC7638_THUMBPRINT "\"}";
    assert_int_equal(uat_file_write_atomic(index, missing, strlen(missing), 0600), UAT_OK);
    assert_int_equal(uat_token_keys_open(dir, &k), UAT_ERR_IO_NOT_FOUND);
    assert_null(k);
    rm_tree(dir);
}

/* ---- rejections ---- */

static void test_reject_other_key_set(void **state)
{
    fixture *f = *state;
    uat_token_keys *other = NULL;
    assert_int_equal(uat_token_keys_new(&other), UAT_OK);
    char *jwks = jwks_of(other, T0);
    assert_int_equal(verify(f->jwt, jwks, T0 + 1), UAT_ERR_VERIFY_UNTRUSTED_KEY);

    /* the other key published under our kid: the signature itself must fail */
    json_t *set = json_loads(jwks, 0, NULL);
    json_t *pub = json_array_get(json_object_get(set, "keys"), 0);
    json_object_set_new(pub, "kid", json_string(uat_token_keys_kid(f->keys)));
    char *forged = keep(json_dumps(set, JSON_COMPACT));
    assert_int_equal(verify(f->jwt, forged, T0 + 1), UAT_ERR_VERIFY_SIGNATURE);
    json_decref(set);
    uat_token_keys_free(other);
}

static void test_reject_alg_none(void **state)
{
    fixture *f = *state;
    char *payload = part(f->jwt, 1);
    char *h = b64url_str("{\"alg\":\"none\",\"typ\":\"JWT\"}");
    char *t = join3(h, payload, ""); /* RFC 7519 §6.1: an unsecured JWT */
    assert_int_equal(verify(t, f->jwks, T0 + 1), UAT_ERR_UNSUPPORTED_ALGORITHM);
    char hdr[256];
    snprintf(hdr, sizeof(hdr), "{\"alg\":\"none\",\"kid\":\"%s\"}", uat_token_keys_kid(f->keys));
    char *sig = part(f->jwt, 2);
    t = forge(hdr, "{\"exp\":9999999999}", sig);
    assert_int_equal(verify(t, f->jwks, T0 + 1), UAT_ERR_UNSUPPORTED_ALGORITHM);
}

/* The key confusion attack: an HS256 token whose HMAC key is the public key as published. */
static void test_reject_hs256_with_public_key(void **state)
{
    fixture *f = *state;
    json_t *set = json_loads(f->jwks, 0, NULL);
    char *pub = keep(json_dumps(json_array_get(json_object_get(set, "keys"), 0), JSON_COMPACT));
    char *k = b64url_str(pub);
    json_t *oct = json_pack("{s:s,s:s,s:s}", "kty", "oct", "k", k, "alg", "HS256");
    char hdr[256];
    snprintf(hdr, sizeof(hdr), "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"%s\"}",
             uat_token_keys_kid(f->keys));
    char *h64 = b64url_str(hdr);
    char *p64 = part(f->jwt, 1);
    json_t *jws = json_pack("{s:s}", "payload", p64);
    json_t *sig = json_pack("{s:s}", "protected", h64);
    assert_true(jose_jws_sig(NULL, jws, sig, oct));
    assert_true(jose_jws_ver(NULL, jws, NULL, oct, false)); /* a genuine HS256 token */
    char *t = join3(h64, p64, json_string_value(json_object_get(jws, "signature")));
    assert_int_equal(verify(t, f->jwks, T0 + 1), UAT_ERR_UNSUPPORTED_ALGORITHM);
    json_decref(jws);
    json_decref(sig);
    json_decref(oct);
    json_decref(set);
}

static void test_reject_other_algs(void **state)
{
    fixture *f = *state;
    const char *algs[] = {"RS256", "ES384", "PS256", "EdDSA", "es256", "ES256 ", ""};
    char *p64 = part(f->jwt, 1);
    char *s64 = part(f->jwt, 2);
    for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
        char hdr[256];
        snprintf(hdr, sizeof(hdr), "{\"alg\":\"%s\",\"typ\":\"JWT\",\"kid\":\"%s\"}", algs[i],
                 uat_token_keys_kid(f->keys));
        char *h64 = b64url_str(hdr);
        char *t = join3(h64, p64, s64);
        assert_int_equal(verify(t, f->jwks, T0 + 1), UAT_ERR_UNSUPPORTED_ALGORITHM);
    }
    char *t = forge("{\"typ\":\"JWT\"}", "{}", s64); /* no alg at all */
    assert_int_equal(verify(t, f->jwks, T0 + 1), UAT_ERR_PARSE_BAD_JSON);
    t = forge("{\"alg\":[\"ES256\"]}", "{}", s64);
    assert_int_equal(verify(t, f->jwks, T0 + 1), UAT_ERR_PARSE_BAD_JSON);
}

static void test_reject_tampered(void **state)
{
    fixture *f = *state;
    for (int i = 0; i < 3; i++) {
        char *t = flip(f->jwt, i);
        assert_string_not_equal(t, f->jwt);
        assert_int_not_equal(verify(t, f->jwks, T0 + 1), UAT_OK);
    }
    char *t = flip(f->jwt, 2); /* a whole-byte change inside R or S */
    assert_int_equal(verify(t, f->jwks, T0 + 1), UAT_ERR_VERIFY_SIGNATURE);

    /* well-formed changes that only the signature can catch */
    char *s64 = part(f->jwt, 2);
    char hdr[256];
    snprintf(hdr, sizeof(hdr), "{\"alg\":\"ES256\",\"typ\":\"JWS\",\"kid\":\"%s\"}",
             uat_token_keys_kid(f->keys));
    char *p = part(f->jwt, 1);
    char *h = b64url_str(hdr);
    t = join3(h, p, s64);
    assert_int_equal(verify(t, f->jwks, T0 + 1), UAT_ERR_VERIFY_SIGNATURE);
    h = part(f->jwt, 0);
    char *p2 = b64url_str("{\"ear.status\":\"affirming\",\"iat\":1767225600,\"exp\":1767229999}");
    t = join3(h, p2, s64);
    assert_int_equal(verify(t, f->jwks, T0 + 1), UAT_ERR_VERIFY_SIGNATURE);
}

static void test_reject_times(void **state)
{
    fixture *f = *state;
    assert_int_equal(verify(f->jwt, f->jwks, T0 + TTL - 1), UAT_OK);
    assert_int_equal(verify(f->jwt, f->jwks, T0 + TTL), UAT_ERR_VERIFY_EXPIRED);
    assert_int_equal(verify(f->jwt, f->jwks, T0 + 100000), UAT_ERR_VERIFY_EXPIRED);

    /* iat up to 60 s ahead of the verifier's clock is tolerated, not more */
    assert_int_equal(verify(f->jwt, f->jwks, T0 - 60), UAT_OK);
    assert_int_equal(verify(f->jwt, f->jwks, T0 - 61), UAT_ERR_VERIFY_EXPIRED);

    char *t = sign_ok(f->keys, "{\"nbf\":1767226600}", T0, 2 * 3600);
    assert_int_equal(verify(t, f->jwks, T0 + 999), UAT_ERR_VERIFY_EXPIRED);
    assert_int_equal(verify(t, f->jwks, T0 + 1000), UAT_OK);

    t = sign_ok(f->keys, CLAIMS, T0, 0); /* no exp */
    assert_int_equal(verify(t, f->jwks, T0), UAT_ERR_VERIFY_EXPIRED);
    t = sign_ok(f->keys, "{\"exp\":\"tomorrow\"}", T0, 0);
    assert_int_equal(verify(t, f->jwks, T0), UAT_ERR_PARSE_BAD_JSON);
    t = sign_ok(f->keys, "{\"exp\":1767229999.5}", T0, 0);
    assert_int_equal(verify(t, f->jwks, T0), UAT_ERR_PARSE_BAD_JSON);
    t = sign_ok(f->keys, "{\"nbf\":null}", T0, TTL);
    assert_int_equal(verify(t, f->jwks, T0), UAT_ERR_PARSE_BAD_JSON);
}

static void test_reject_kid_and_crit(void **state)
{
    fixture *f = *state;
    const char *claims = "{\"exp\":1767229999}";
    char *t = sign_raw(f->keys, "{\"alg\":\"ES256\",\"kid\":\"unknown\"}", claims);
    assert_int_equal(verify(t, f->jwks, T0), UAT_ERR_VERIFY_UNTRUSTED_KEY);
    t = sign_raw(f->keys, "{\"alg\":\"ES256\"}", claims);
    assert_int_equal(verify(t, f->jwks, T0), UAT_ERR_VERIFY_UNTRUSTED_KEY);
    t = sign_raw(f->keys, "{\"alg\":\"ES256\",\"kid\":7}", claims);
    assert_int_equal(verify(t, f->jwks, T0), UAT_ERR_VERIFY_UNTRUSTED_KEY);

    char hdr[256];
    snprintf(hdr, sizeof(hdr), "{\"alg\":\"ES256\",\"kid\":\"%s\"}", uat_token_keys_kid(f->keys));
    t = sign_raw(f->keys, hdr, claims); /* control: this one is fine */
    assert_int_equal(verify(t, f->jwks, T0), UAT_OK);
    snprintf(hdr, sizeof(hdr), "{\"alg\":\"ES256\",\"kid\":\"%s\",\"crit\":[\"exp\"],\"exp\":1}",
             uat_token_keys_kid(f->keys));
    t = sign_raw(f->keys, hdr, claims);
    assert_int_equal(verify(t, f->jwks, T0), UAT_ERR_PARSE_BAD_VALUE);
}

/* A JWKS entry under the token's kid that is not an ES256 P-256 signing key. */
static void check_bad_entry(const fixture *f, const char *member, json_t *value, uat_err want)
{
    json_t *set = json_loads(f->jwks, 0, NULL);
    json_t *pub = json_array_get(json_object_get(set, "keys"), 0);
    json_object_set_new(pub, member, value);
    char *jwks = keep(json_dumps(set, JSON_COMPACT));
    assert_int_equal(verify(f->jwt, jwks, T0 + 1), want);
    json_decref(set);
}

static void test_reject_bad_jwks(void **state)
{
    fixture *f = *state;
    check_bad_entry(f, "crv", json_string("P-384"), UAT_ERR_VERIFY_UNTRUSTED_KEY);
    check_bad_entry(f, "kty", json_string("RSA"), UAT_ERR_VERIFY_UNTRUSTED_KEY);
    check_bad_entry(f, "alg", json_string("HS256"), UAT_ERR_VERIFY_UNTRUSTED_KEY);
    check_bad_entry(f, "use", json_string("enc"), UAT_ERR_VERIFY_UNTRUSTED_KEY);
    check_bad_entry(f, "x", json_string("AAAA"), UAT_ERR_CRYPTO_BAD_KEY);
    check_bad_entry(f, "y", json_integer(1), UAT_ERR_CRYPTO_BAD_KEY);

    /* the same kid twice is ambiguous */
    json_t *set = json_loads(f->jwks, 0, NULL);
    json_t *keys = json_object_get(set, "keys");
    json_array_append_new(keys, json_deep_copy(json_array_get(keys, 0)));
    char *jwks = keep(json_dumps(set, JSON_COMPACT));
    assert_int_equal(verify(f->jwt, jwks, T0 + 1), UAT_ERR_VERIFY_UNTRUSTED_KEY);
    json_decref(set);

    const char *bad[] = {"", "[]", "{}", "{\"keys\":{}}", "{\"keys\":[]", "null"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(verify(f->jwt, bad[i], T0 + 1), UAT_ERR_PARSE_BAD_JSON);
    }
    assert_int_equal(verify(f->jwt, "{\"keys\":[]}", T0 + 1), UAT_ERR_VERIFY_UNTRUSTED_KEY);
}

/* Each case a literal format, so -Wformat=2 checks it. */
#define ASSERT_MALFORMED(want, ...)                                                                \
    do {                                                                                           \
        snprintf(buf, sizeof(buf), __VA_ARGS__);                                                   \
        assert_int_equal(verify(buf, f->jwks, T0 + 1), (want));                                    \
    } while (0)

static void test_reject_malformed(void **state)
{
    fixture *f = *state;
    char *h = part(f->jwt, 0);
    char *p = part(f->jwt, 1);
    char *s = part(f->jwt, 2);
    char buf[4096];
    ASSERT_MALFORMED(UAT_ERR_PARSE_BAD_ENCODING, "%s.%s", h, p);             /* 2 parts */
    ASSERT_MALFORMED(UAT_ERR_PARSE_BAD_ENCODING, "%s.%s.%s.%s", h, p, s, s); /* 4 parts */
    ASSERT_MALFORMED(UAT_ERR_PARSE_BAD_ENCODING, "%s.%s.%s.", h, p, s);      /* 4 parts */
    ASSERT_MALFORMED(UAT_ERR_PARSE_BAD_ENCODING, "%s=.%s.%s", h, p, s);      /* padding */
    ASSERT_MALFORMED(UAT_ERR_PARSE_BAD_ENCODING, "%s.%s.%s==", h, p, s);     /* padding */
    ASSERT_MALFORMED(UAT_ERR_PARSE_BAD_ENCODING, "%s.%s!.%s", h, p, s);      /* not base64 */
    ASSERT_MALFORMED(UAT_ERR_PARSE_BAD_ENCODING, "%s.%s.%s+", h, p, s);      /* base64, not url */
    ASSERT_MALFORMED(UAT_ERR_PARSE_BAD_ENCODING, " %s.%s.%s", h, p, s);      /* whitespace */
    ASSERT_MALFORMED(UAT_ERR_PARSE_BAD_ENCODING, "%s.%s.%s\n", h, p, s);     /* whitespace */
    ASSERT_MALFORMED(UAT_ERR_PARSE_BAD_ENCODING, "%s.%s.AAAAA", h, p);       /* a lone 6 bits */
    ASSERT_MALFORMED(UAT_ERR_PARSE_BAD_ENCODING, "%s.%s.AB", h, p);          /* bits left over */
    ASSERT_MALFORMED(UAT_ERR_PARSE_BAD_JSON, "%s.bm90IGpzb24.%s", h, s);     /* "not json" */
    ASSERT_MALFORMED(UAT_ERR_PARSE_BAD_JSON, "WzFd.%s.%s", p, s);            /* header [1] */
    ASSERT_MALFORMED(UAT_ERR_VERIFY_SIGNATURE, "%s.%s.AAAA", h, p);          /* short signature */
    assert_int_equal(verify("", f->jwks, T0 + 1), UAT_ERR_PARSE_BAD_ENCODING);
    assert_int_equal(verify("..", f->jwks, T0 + 1), UAT_ERR_PARSE_BAD_JSON);
}

static void test_reject_non_object_json(void **state)
{
    fixture *f = *state;
    char hdr[256];
    snprintf(hdr, sizeof(hdr), "{\"alg\":\"ES256\",\"kid\":\"%s\"}", uat_token_keys_kid(f->keys));
    const char *payloads[] = {"[1]", "\"claims\"", "42", "{\"a\":1} x", "{\"a\":1,\"a\":2}"};
    for (size_t i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++) {
        char *t = sign_raw(f->keys, hdr, payloads[i]); /* validly signed all the same */
        assert_int_equal(verify(t, f->jwks, T0), UAT_ERR_PARSE_BAD_JSON);
    }
    char *s = part(f->jwt, 2);
    char *t = forge("[\"ES256\"]", "{}", s);
    assert_int_equal(verify(t, f->jwks, T0), UAT_ERR_PARSE_BAD_JSON);
    t = forge(hdr, "{\"a\":\"\\u0000\"}", s); /* a NUL would cut the returned claims short */
    assert_int_equal(verify(t, f->jwks, T0), UAT_ERR_PARSE_BAD_JSON);
    char *out = NULL;
    assert_int_equal(uat_token_verify(NULL, f->jwks, T0, &out), UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_int_equal(uat_token_verify(f->jwt, NULL, T0, &out), UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_null(out);
}

/* ---- interoperability with the jose command line ---- */

static char *write_temp(const char *dir, const char *name, const char *text)
{
    char *path = keep(uat_path_join(dir, name));
    assert_int_equal(uat_file_write_atomic(path, text, strlen(text), 0600), UAT_OK);
    return path;
}

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    int rc = system(cmd);
    return rc == -1 ? -1 : WEXITSTATUS(rc);
}

/* `jose jws ver -i TOKEN -k JWKS -O PAYLOAD`: our token, our JWKS, the payload as we signed it. */
static void test_jose_cli_verifies_ours(void **state)
{
    fixture *f = *state;
    if (access(JOSE_CLI, X_OK) != 0) {
        skip();
    }
    char *dir = temp_dir();
    char *jwt = sign_ok(f->keys, CLAIMS, uat_time_now(), TTL);
    char *tok = write_temp(dir, "token.jwt", jwt);
    char *jwks = write_temp(dir, "jwks.json", f->jwks);
    char *out = keep(uat_path_join(dir, "payload.json"));
    assert_int_equal(run(JOSE_CLI " jws ver -i '%s' -k '%s' -O '%s' 2>/dev/null", tok, jwks, out),
                     0);
    uat_buf b;
    uat_buf_init(&b, 1u << 16);
    assert_int_equal(uat_file_read(out, 1u << 16, &b), UAT_OK);
    char *claims = NULL;
    assert_int_equal(uat_token_verify(jwt, f->jwks, uat_time_now(), &claims), UAT_OK);
    assert_int_equal(b.len, strlen(claims));
    assert_memory_equal(b.p, claims, b.len);
    free(claims);
    uat_buf_free(&b);

    for (int i = 0; i < 3; i++) {
        char *bad = flip(jwt, i);
        char *badp = write_temp(dir, "bad.jwt", bad);
        assert_int_not_equal(run(JOSE_CLI " jws ver -i '%s' -k '%s' 2>/dev/null", badp, jwks), 0);
    }
    rm_tree(dir);
}

static char *read_text(const char *path)
{
    uat_buf b;
    uat_buf_init(&b, 1u << 16);
    assert_int_equal(uat_file_read(path, 1u << 16, &b), UAT_OK);
    assert_int_equal(uat_buf_terminate(&b), UAT_OK);
    uint8_t *p = NULL;
    size_t n = 0;
    uat_buf_take(&b, &p, &n);
    while (n > 0 && p[n - 1] == '\n') {
        p[--n] = '\0';
    }
    return keep(p);
}

/* The other way: a key made and a token signed by the jose command line, verified here. */
static void test_we_verify_jose_cli(void **state)
{
    (void)state;
    if (access(JOSE_CLI, X_OK) != 0) {
        skip();
    }
    char *dir = temp_dir();
    char *key = keep(uat_path_join(dir, "key.jwk"));
    char *pub = keep(uat_path_join(dir, "pub.jwk"));
    char *thp = keep(uat_path_join(dir, "thp"));
    assert_int_equal(run(JOSE_CLI " jwk gen -i '{\"alg\":\"ES256\"}' -o '%s'", key), 0);
    assert_int_equal(run(JOSE_CLI " jwk pub -i '%s' -o '%s'", key, pub), 0);
    assert_int_equal(run(JOSE_CLI " jwk thp -i '%s' -o '%s'", pub, thp), 0);
    char *kid = read_text(thp);
    char *payload = write_temp(dir, "claims.json", "{\"exp\":1767229999,\"iat\":1767225600}");
    char *jwt_path = keep(uat_path_join(dir, "token.jwt"));
    assert_int_equal(run(JOSE_CLI " jws sig -I '%s' -k '%s' -s '{\"protected\":{\"alg\":\"ES256\","
                                  "\"kid\":\"%s\"}}' -c -o '%s'",
                         payload, key, kid, jwt_path),
                     0);
    char *jwt = read_text(jwt_path);
    char *pubtext = read_text(pub);
    json_t *jwk = json_loads(pubtext, 0, NULL);
    json_object_set_new(jwk, "kid", json_string(kid));
    json_t *set = json_pack("{s:[o]}", "keys", jwk);
    char *jwks = keep(json_dumps(set, JSON_COMPACT));
    assert_int_equal(verify(jwt, jwks, T0 + 1), UAT_OK);
    json_decref(set);
    rm_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_thumbprint_rfc7638, scratch_free),
        cmocka_unit_test_teardown(test_kid_is_thumbprint, scratch_free),
        cmocka_unit_test_teardown(test_jwks_is_public, scratch_free),
        cmocka_unit_test_teardown(test_round_trip, scratch_free),
        cmocka_unit_test_teardown(test_sign_rejects_non_object, scratch_free),
        cmocka_unit_test_teardown(test_rotation, scratch_free),
        cmocka_unit_test_teardown(test_dir_open_twice, scratch_free),
        cmocka_unit_test_teardown(test_dir_rotation_persists, scratch_free),
        cmocka_unit_test_teardown(test_dir_rejects_bad_index, scratch_free),
        cmocka_unit_test_teardown(test_reject_other_key_set, scratch_free),
        cmocka_unit_test_teardown(test_reject_alg_none, scratch_free),
        cmocka_unit_test_teardown(test_reject_hs256_with_public_key, scratch_free),
        cmocka_unit_test_teardown(test_reject_other_algs, scratch_free),
        cmocka_unit_test_teardown(test_reject_tampered, scratch_free),
        cmocka_unit_test_teardown(test_reject_times, scratch_free),
        cmocka_unit_test_teardown(test_reject_kid_and_crit, scratch_free),
        cmocka_unit_test_teardown(test_reject_bad_jwks, scratch_free),
        cmocka_unit_test_teardown(test_reject_malformed, scratch_free),
        cmocka_unit_test_teardown(test_reject_non_object_json, scratch_free),
        cmocka_unit_test_teardown(test_jose_cli_verifies_ours, scratch_free),
        cmocka_unit_test_teardown(test_we_verify_jose_cli, scratch_free),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
