/* Unit tests for the compact JWE of resource release (src/token/jwe.c) and the RSA-OAEP / AES-GCM
 * primitives under it (src/crypto/enc.c). The RSA JWE is opened here with the private key, step by
 * step as RFC 7516 §5.2 says; the EC JWE is opened by `jose jwe dec` in
 * tests/integration/service_sim.sh. Negative cases first. */
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

static void spki_of(const uat_key *k, uat_buf *out)
{
    uat_buf_init(out, 8192);
    assert_int_equal(uat_key_spki_der(k, out), UAT_OK);
}

/* The five parts of a compact JWE, decoded (the first also kept as text, it is the AAD). */
typedef struct parts {
    char *text[5];
    uat_buf bytes[5];
} parts;

static void split(const char *jwe, parts *p)
{
    char *copy = strdup(jwe), *save = NULL;
    int i = 0;
    for (char *t = strtok_r(copy, ".", &save); t != NULL; t = strtok_r(NULL, ".", &save), i++) {
        assert_true(i < 5);
        p->text[i] = strdup(t);
        uat_buf_init(&p->bytes[i], 1u << 20);
        assert_int_equal(uat_b64_decode(t, strlen(t), UAT_B64_URL, &p->bytes[i]), UAT_OK);
    }
    assert_int_equal(i, 5);
    free(copy);
}

static void parts_free(parts *p)
{
    for (int i = 0; i < 5; i++) {
        free(p->text[i]);
        uat_buf_free(&p->bytes[i]);
    }
}

static void test_reject_bad_input(void **state)
{
    (void)state;
    char *out = NULL;
    static const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x01};
    assert_int_not_equal(
        uat_jwe_encrypt_spki(uat_span_of(junk, sizeof(junk)), (const uint8_t *)"x", 1, &out),
        UAT_OK);
    uat_key *ed = NULL;
    assert_int_equal(uat_key_generate(UAT_KEY_ED25519, &ed), UAT_OK);
    uat_buf spki;
    spki_of(ed, &spki);
    assert_int_equal(uat_jwe_encrypt_spki(uat_buf_span(&spki), (const uint8_t *)"x", 1, &out),
                     UAT_ERR_CRYPTO_BAD_KEY);
    uat_buf_free(&spki);
    uat_key_free(ed);
    uat_key *ec = NULL;
    assert_int_equal(uat_key_generate(UAT_KEY_EC_P256, &ec), UAT_OK);
    spki_of(ec, &spki);
    uint8_t *big = calloc(1, UAT_JWE_MAX_PLAINTEXT + 1);
    assert_int_equal(
        uat_jwe_encrypt_spki(uat_buf_span(&spki), big, UAT_JWE_MAX_PLAINTEXT + 1, &out),
        UAT_ERR_RESOURCE_LIMIT);
    free(big);
    assert_null(out);
    uat_buf_free(&spki);
    uat_key_free(ec);
}

static void test_gcm_rejects_tampering(void **state)
{
    (void)state;
    uint8_t k[32] = {1}, iv[12] = {2}, tag[16];
    uat_buf ct, pt;
    uat_buf_init(&ct, 256);
    uat_buf_init(&pt, 256);
    uat_span aad = uat_span_of("aad", 3);
    assert_int_equal(uat_aes_gcm_encrypt(uat_span_of(k, 32), uat_span_of(iv, 12), aad,
                                         uat_span_of(secret, sizeof(secret) - 1), &ct, tag),
                     UAT_OK);
    assert_int_equal(ct.len, sizeof(secret) - 1);
    tag[0] ^= 1;
    assert_int_equal(uat_aes_gcm_decrypt(uat_span_of(k, 32), uat_span_of(iv, 12), aad,
                                         uat_buf_span(&ct), tag, &pt),
                     UAT_ERR_VERIFY_SIGNATURE);
    tag[0] ^= 1;
    assert_int_equal(uat_aes_gcm_decrypt(uat_span_of(k, 32), uat_span_of(iv, 12),
                                         uat_span_of("aaX", 3), uat_buf_span(&ct), tag, &pt),
                     UAT_ERR_VERIFY_SIGNATURE);
    assert_int_equal(uat_aes_gcm_decrypt(uat_span_of(k, 20), uat_span_of(iv, 12), aad,
                                         uat_buf_span(&ct), tag, &pt),
                     UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_int_equal(uat_aes_gcm_decrypt(uat_span_of(k, 32), uat_span_of(iv, 12), aad,
                                         uat_buf_span(&ct), tag, &pt),
                     UAT_OK);
    assert_memory_equal(pt.p, secret, sizeof(secret) - 1);
    uat_buf_free(&ct);
    uat_buf_free(&pt);
}

/* NIST GCM test vector (McGrew & Viega, "The Galois/Counter Mode of Operation", test case 14:
 * 256-bit zero key, zero IV, one zero block). */
static void test_gcm_known_answer(void **state)
{
    (void)state;
    uint8_t k[32] = {0}, iv[12] = {0}, block[16] = {0}, tag[16];
    uat_buf ct;
    uat_buf_init(&ct, 64);
    assert_int_equal(uat_aes_gcm_encrypt(uat_span_of(k, 32), uat_span_of(iv, 12),
                                         uat_span_of(NULL, 0), uat_span_of(block, 16), &ct, tag),
                     UAT_OK);
    char hex[33];
    uat_hex_encode(ct.p, 16, hex);
    assert_string_equal(hex, "cea7403d4d606b6e074ec5d3baf39d18");
    uat_hex_encode(tag, 16, hex);
    assert_string_equal(hex, "d0d1c8a799996bf0265b98b5d48ab919");
    uat_buf_free(&ct);
}

/* RSA-OAEP-256 + A256GCM, opened with the private key as RFC 7516 §5.2 describes. */
static void test_rsa_round_trip(void **state)
{
    (void)state;
    uat_key *k = NULL;
    assert_int_equal(uat_key_generate(UAT_KEY_RSA, &k), UAT_OK);
    uat_buf spki;
    spki_of(k, &spki);
    char *jwe = NULL;
    assert_int_equal(uat_jwe_encrypt_spki(uat_buf_span(&spki), (const uint8_t *)secret,
                                          sizeof(secret) - 1, &jwe),
                     UAT_OK);
    parts p;
    memset(&p, 0, sizeof(p));
    split(jwe, &p);
    assert_int_equal(p.bytes[0].len, strlen("{\"alg\":\"RSA-OAEP-256\",\"enc\":\"A256GCM\"}"));
    assert_memory_equal(p.bytes[0].p, "{\"alg\":\"RSA-OAEP-256\",\"enc\":\"A256GCM\"}",
                        p.bytes[0].len);
    assert_int_equal(p.bytes[2].len, 12);
    assert_int_equal(p.bytes[4].len, 16);
    uat_buf cek, pt;
    uat_buf_init(&cek, 64);
    uat_buf_init(&pt, 256);
    assert_int_equal(uat_rsa_oaep_decrypt(k, UAT_HASH_SHA256, uat_buf_span(&p.bytes[1]), &cek),
                     UAT_OK);
    assert_int_equal(cek.len, 32);
    assert_int_equal(uat_aes_gcm_decrypt(uat_buf_span(&cek), uat_buf_span(&p.bytes[2]),
                                         uat_span_of(p.text[0], strlen(p.text[0])),
                                         uat_buf_span(&p.bytes[3]), p.bytes[4].p, &pt),
                     UAT_OK);
    assert_int_equal(pt.len, sizeof(secret) - 1);
    assert_memory_equal(pt.p, secret, pt.len);
    /* the key is wrapped with SHA-256 OAEP: SHA-1 OAEP (RSA-OAEP) does not open it */
    uat_buf wrong;
    uat_buf_init(&wrong, 64);
    assert_int_not_equal(uat_rsa_oaep_decrypt(k, UAT_HASH_SHA1, uat_buf_span(&p.bytes[1]), &wrong),
                         UAT_OK);
    uat_buf_free(&wrong);
    uat_buf_free(&cek);
    uat_buf_free(&pt);
    parts_free(&p);
    free(jwe);
    uat_buf_free(&spki);
    uat_key_free(k);
}

/* ECDH-ES+A256KW + A256GCM: every header member in the protected header (compact form). */
static void test_ec_header(void **state)
{
    (void)state;
    enum uat_key_kind kinds[] = {UAT_KEY_EC_P256, UAT_KEY_EC_P384};
    for (size_t i = 0; i < 2; i++) {
        uat_key *k = NULL;
        assert_int_equal(uat_key_generate(kinds[i], &k), UAT_OK);
        uat_buf spki;
        spki_of(k, &spki);
        char *jwe = NULL;
        assert_int_equal(uat_jwe_encrypt_spki(uat_buf_span(&spki), (const uint8_t *)secret,
                                              sizeof(secret) - 1, &jwe),
                         UAT_OK);
        parts p;
        memset(&p, 0, sizeof(p));
        split(jwe, &p);
        char *hdr = uat_strndup((const char *)p.bytes[0].p, p.bytes[0].len);
        assert_non_null(strstr(hdr, "\"alg\":\"ECDH-ES+A256KW\""));
        assert_non_null(strstr(hdr, "\"enc\":\"A256GCM\""));
        assert_non_null(strstr(hdr, "\"epk\""));
        assert_int_equal(p.bytes[1].len, 40); /* a wrapped 32-byte CEK (RFC 3394) */
        assert_int_equal(p.bytes[3].len, sizeof(secret) - 1);
        free(hdr);
        parts_free(&p);
        free(jwe);
        uat_buf_free(&spki);
        uat_key_free(k);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reject_bad_input), cmocka_unit_test(test_gcm_rejects_tampering),
        cmocka_unit_test(test_gcm_known_answer), cmocka_unit_test(test_rsa_round_trip),
        cmocka_unit_test(test_ec_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
