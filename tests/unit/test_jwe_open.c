/* Unit tests for the receiving side of compact JWEs (src/token/jwe_open.c): the agent's key, the
 * ECDH-ES+A256KW decryption of what uat_jwe_encrypt_spki (the service) makes, and "dir" + A256GCM
 * sealing. Negative cases first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/codec.h"
#include "crypto/crypto.h"
#include "token/jwe.h"

static const char secret[] = "correct horse battery staple";

/* A JWE from the service's side to k's public key. */
static char *encrypt_to(const uat_jwe_key *k, const char *pt, size_t n)
{
    char *pub = NULL;
    assert_int_equal(uat_jwe_key_public(k, &pub), UAT_OK);
    assert_null(strstr(pub, "\"d\"")); /* the private part never leaves */
    uat_key *key = NULL;
    assert_int_equal(uat_key_from_jwk(uat_span_of(pub, strlen(pub)), &key), UAT_OK);
    uat_buf spki;
    uat_buf_init(&spki, 4096);
    assert_int_equal(uat_key_spki_der(key, &spki), UAT_OK);
    char *jwe = NULL;
    assert_int_equal(uat_jwe_encrypt_spki(uat_buf_span(&spki), (const uint8_t *)pt, n, &jwe),
                     UAT_OK);
    uat_buf_free(&spki);
    uat_key_free(key);
    free(pub);
    return jwe;
}

static uat_err open_with(const uat_jwe_key *k, const char *jwe, uat_buf *pt)
{
    uat_buf_init(pt, UAT_JWE_MAX_PLAINTEXT);
    return uat_jwe_decrypt(k, jwe, strlen(jwe), pt);
}

static void test_decrypt_rejects(void **state)
{
    (void)state;
    uat_jwe_key *k = NULL, *other = NULL;
    assert_int_equal(uat_jwe_key_generate(&k), UAT_OK);
    assert_int_equal(uat_jwe_key_generate(&other), UAT_OK);
    uat_buf pt;
    assert_int_equal(open_with(k, "a.b.c.d", &pt), UAT_ERR_PARSE_BAD_VALUE);
    assert_int_equal(open_with(k, "a.b.c.d.e.f", &pt), UAT_ERR_PARSE_BAD_VALUE);
    assert_int_equal(open_with(k, "!!.b.c.d.e", &pt), UAT_ERR_PARSE_BAD_ENCODING);
    assert_int_equal(uat_jwe_decrypt(k, "", 0, &pt), UAT_ERR_PARSE_TRUNCATED);
    /* {"alg":"RSA1_5","enc":"A256GCM"}: an algorithm the agent's key does not take */
    assert_int_equal(open_with(k, "eyJhbGciOiJSU0ExXzUiLCJlbmMiOiJBMjU2R0NNIn0.a.b.c.d", &pt),
                     UAT_ERR_UNSUPPORTED_ALGORITHM);
    /* {"alg":"dir","enc":"A256GCM"} */
    assert_int_equal(open_with(k, "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..b.c.d", &pt),
                     UAT_ERR_UNSUPPORTED_ALGORITHM);
    char *jwe = encrypt_to(k, secret, sizeof(secret) - 1);
    /* another key */
    assert_int_equal(open_with(other, jwe, &pt), UAT_ERR_VERIFY_SIGNATURE);
    assert_int_equal(pt.len, 0);
    /* one changed ciphertext character */
    char *dot = strrchr(jwe, '.');
    char *c = dot - 3;
    *c = *c == 'A' ? 'B' : 'A';
    assert_int_equal(open_with(k, jwe, &pt), UAT_ERR_VERIFY_SIGNATURE);
    assert_int_equal(pt.len, 0);
    free(jwe);
    uat_buf_free(&pt);
    uat_jwe_key_free(other);
    uat_jwe_key_free(k);
}

static void test_decrypt_round_trip(void **state)
{
    (void)state;
    uat_jwe_key *k = NULL;
    assert_int_equal(uat_jwe_key_generate(&k), UAT_OK);
    char *jwe = encrypt_to(k, secret, sizeof(secret) - 1);
    uat_buf pt;
    assert_int_equal(open_with(k, jwe, &pt), UAT_OK);
    assert_int_equal(pt.len, sizeof(secret) - 1);
    assert_memory_equal(pt.p, secret, pt.len);
    uat_buf_free(&pt);
    free(jwe);
    jwe = encrypt_to(k, "", 0);
    assert_int_equal(open_with(k, jwe, &pt), UAT_OK);
    assert_int_equal(pt.len, 0);
    uat_buf_free(&pt);
    free(jwe);
    uat_jwe_key_free(k);
}

static void test_dir_rejects(void **state)
{
    (void)state;
    uint8_t key[UAT_JWE_DIR_KEY_LEN], wrong[UAT_JWE_DIR_KEY_LEN];
    memset(key, 7, sizeof(key));
    memset(wrong, 8, sizeof(wrong));
    char *jwe = NULL, *kid = NULL;
    assert_int_equal(uat_jwe_seal_dir(key, NULL, (const uint8_t *)"x", 1, &jwe),
                     UAT_ERR_USAGE_INVALID_ARGUMENT);
    uint8_t *big = calloc(1, UAT_JWE_MAX_PLAINTEXT + 1);
    assert_int_equal(uat_jwe_seal_dir(key, "k", big, UAT_JWE_MAX_PLAINTEXT + 1, &jwe),
                     UAT_ERR_RESOURCE_LIMIT);
    free(big);
    assert_int_equal(
        uat_jwe_seal_dir(key, "apps/k", (const uint8_t *)secret, sizeof(secret) - 1, &jwe), UAT_OK);
    uat_buf pt;
    uat_buf_init(&pt, UAT_JWE_MAX_PLAINTEXT);
    assert_int_equal(uat_jwe_open_dir(wrong, jwe, strlen(jwe), &pt), UAT_ERR_VERIFY_SIGNATURE);
    /* the header is authenticated: another kid breaks the tag */
    char *hdr_other = NULL;
    assert_int_equal(uat_jwe_seal_dir(key, "apps/other", (const uint8_t *)"", 0, &hdr_other),
                     UAT_OK);
    size_t h1 = (size_t)(strchr(hdr_other, '.') - hdr_other);
    const char *rest = strchr(jwe, '.');
    char *mixed = malloc(h1 + strlen(rest) + 1);
    memcpy(mixed, hdr_other, h1);
    strcpy(mixed + h1, rest);
    assert_int_equal(uat_jwe_open_dir(key, mixed, strlen(mixed), &pt), UAT_ERR_VERIFY_SIGNATURE);
    /* a non-empty encrypted key is not "dir" */
    char *withkey = malloc(strlen(jwe) + 2);
    size_t hl = (size_t)(strchr(jwe, '.') - jwe);
    memcpy(withkey, jwe, hl + 1);
    withkey[hl + 1] = 'A';
    strcpy(withkey + hl + 2, jwe + hl + 1);
    assert_int_equal(uat_jwe_open_dir(key, withkey, strlen(withkey), &pt), UAT_ERR_PARSE_BAD_VALUE);
    assert_int_equal(pt.len, 0);
    /* {"alg":"dir","enc":"A256GCM"} names no key */
    static const char nokid[] = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..b.c.d";
    assert_int_equal(uat_jwe_dir_kid(nokid, sizeof(nokid) - 1, &kid), UAT_ERR_PARSE_BAD_VALUE);
    free(withkey);
    free(mixed);
    free(hdr_other);
    free(jwe);
    uat_buf_free(&pt);
}

static void test_dir_round_trip(void **state)
{
    (void)state;
    uint8_t key[UAT_JWE_DIR_KEY_LEN];
    memset(key, 0x42, sizeof(key));
    char *jwe = NULL, *kid = NULL;
    assert_int_equal(
        uat_jwe_seal_dir(key, "agent/seal-key", (const uint8_t *)secret, sizeof(secret) - 1, &jwe),
        UAT_OK);
    assert_int_equal(uat_jwe_dir_kid(jwe, strlen(jwe), &kid), UAT_OK);
    assert_string_equal(kid, "agent/seal-key");
    uat_buf pt;
    uat_buf_init(&pt, UAT_JWE_MAX_PLAINTEXT);
    assert_int_equal(uat_jwe_open_dir(key, jwe, strlen(jwe), &pt), UAT_OK);
    assert_int_equal(pt.len, sizeof(secret) - 1);
    assert_memory_equal(pt.p, secret, pt.len);
    uat_buf_free(&pt);
    free(kid);
    free(jwe);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decrypt_rejects),
        cmocka_unit_test(test_decrypt_round_trip),
        cmocka_unit_test(test_dir_rejects),
        cmocka_unit_test(test_dir_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
