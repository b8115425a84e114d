/* Unit tests for src/crypto/kdf.c (the TPM's KDFa, KDFe, AES-CFB, RSA-OAEP with a label, ECDH)
 * and the software MakeCredential of src/tee/tpm/credential.c, opened again here in software
 * exactly as TPM2_ActivateCredential does (the real TPM opens it in tests/integration/
 * tpm_enrol.sh).
 *
 * Vectors come from implementations other than ours:
 *   KDFa  openssl kdf -keylen 16 -kdfopt mac:HMAC -kdfopt digest:SHA256 -kdfopt hexkey:00..1f
 *           -kdfopt salt:STORAGE -kdfopt hexinfo:<context> KBKDF   (SP 800-108 counter mode with
 *           OpenSSL's zero separator and [L]_32: the TPM's label NUL and bit count)
 *         the same with digest:SHA384, key 00112233.. (48 bytes), salt:INTEGRITY, -keylen 48
 *  KDFe   openssl kdf -keylen 40 -kdfopt digest:SHA256 -kdfopt hexkey:e0..ff
 *           -kdfopt hexinfo:4944454e5449545900a1a2a3b1b2b3 SSKDF   ("IDENTITY\0" || U || V)
 *  CFB    NIST SP 800-38A F.3.13 (CFB128-AES128) and F.3.17 (CFB128-AES256)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/codec.h"
#include "crypto/crypto.h"
#include "tee/tpm/tpm.h"
#include "uat_assert.h"

static void hex(const char *s, uint8_t *out, size_t n)
{
    assert_ok(uat_hex_decode_fixed(s, strlen(s), out, n));
}

static void test_kdfa_negative(void **state)
{
    (void)state;
    uint8_t key[32] = {0}, out[64];
    uat_span k = uat_span_of(key, 32), none = uat_span_of(NULL, 0);
    assert_err(uat_kdfa(UAT_HASH_SHA256, k, "STORAGE", none, none, 0, out),
               UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_err(uat_kdfa(UAT_HASH_SHA256, k, "STORAGE", none, none, 127, out),
               UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_err(uat_kdfa(UAT_HASH_SHA256, k, NULL, none, none, 128, out),
               UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_err(uat_kdfe(UAT_HASH_SHA256, k, "IDENTITY", none, none, 12, out),
               UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_err(uat_kdfa((enum uat_hash_alg)99, k, "STORAGE", none, none, 128, out),
               UAT_ERR_UNSUPPORTED_ALGORITHM);
}

static void test_kdfa_vectors(void **state)
{
    (void)state;
    uint8_t key[32], ctx[34], want[16], out[48], key2[48], want2[48];
    for (int i = 0; i < 32; i++) {
        key[i] = (uint8_t)i;
    }
    hex("000b0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20", ctx, 34);
    hex("183572815254b6d9b4854251cf94ccf5", want, 16);
    assert_ok(uat_kdfa(UAT_HASH_SHA256, uat_span_of(key, 32), "STORAGE", uat_span_of(ctx, 34),
                       uat_span_of(NULL, 0), 128, out));
    assert_memory_equal(out, want, 16);
    /* Context_U || Context_V is one context: splitting it changes nothing */
    assert_ok(uat_kdfa(UAT_HASH_SHA256, uat_span_of(key, 32), "STORAGE", uat_span_of(ctx, 10),
                       uat_span_of(ctx + 10, 24), 128, out));
    assert_memory_equal(out, want, 16);
    hex("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899aabb"
        "ccddeeff",
        key2, 48);
    hex("58a0dc975402514ae91eef2718860ddc560e02570fa68d1b5c528317914fb8d4ddf0fb925134b85c02a7642c"
        "a256e834",
        want2, 48);
    assert_ok(uat_kdfa(UAT_HASH_SHA384, uat_span_of(key2, 48), "INTEGRITY", uat_span_of(NULL, 0),
                       uat_span_of(NULL, 0), 384, out));
    assert_memory_equal(out, want2, 48);
}

static void test_kdfe_vector(void **state)
{
    (void)state;
    uint8_t z[32], want[40], out[40], u[3] = {0xa1, 0xa2, 0xa3}, v[3] = {0xb1, 0xb2, 0xb3};
    hex("e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", z, 32);
    hex("31dfbd159c5cc310d2f9595b31fc5db28931ba739b6d52bee2e3ad0e60286b56c59972b564215ba8", want,
        40); /* two blocks: the counter runs */
    assert_ok(uat_kdfe(UAT_HASH_SHA256, uat_span_of(z, 32), "IDENTITY", uat_span_of(u, 3),
                       uat_span_of(v, 3), 320, out));
    assert_memory_equal(out, want, 40);
}

#define SP800_38A_PT                                                                               \
    "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a" \
    "52eff69f2445df4f9b17ad2b417be66c3710"

static void cfb_case(const char *key_hex, size_t key_len, const char *ct_hex)
{
    uint8_t key[32], iv[16], pt[64], ct[64], out[64];
    hex(key_hex, key, key_len);
    hex("000102030405060708090a0b0c0d0e0f", iv, 16);
    hex(SP800_38A_PT, pt, 64);
    hex(ct_hex, ct, 64);
    assert_ok(uat_aes_cfb_encrypt(uat_span_of(key, key_len), uat_span_of(iv, 16),
                                  uat_span_of(pt, 64), out));
    assert_memory_equal(out, ct, 64);
    assert_ok(uat_aes_cfb_decrypt(uat_span_of(key, key_len), uat_span_of(iv, 16),
                                  uat_span_of(ct, 64), out));
    assert_memory_equal(out, pt, 64);
    /* a stream mode: 34 bytes (a TPM2B_DIGEST credential) give the first 34 bytes */
    assert_ok(uat_aes_cfb_encrypt(uat_span_of(key, key_len), uat_span_of(iv, 16),
                                  uat_span_of(pt, 34), out));
    assert_memory_equal(out, ct, 34);
}

static void test_aes_cfb(void **state)
{
    (void)state;
    cfb_case("2b7e151628aed2a6abf7158809cf4f3c", 16,
             "3b3fd92eb72dad20333449f8e83cfb4ac8a64537a0b3a93fcde3cdad9f1ce58b26751f67a3cbb140b180"
             "8cf187a4f4dfc04b05357c5d1c0eeac4c66f9ff7f2e6");
    cfb_case("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4", 32,
             "dc7e84bfda79164b7ecd8486985d386039ffed143b28b1c832113c6331e5407bdf10132415e54b92a13e"
             "d0a8267ae2f975a385741ab9cef82031623d55b1e471");
    uint8_t k[15] = {0}, iv[16] = {0}, b[16] = {0};
    assert_err(uat_aes_cfb_encrypt(uat_span_of(k, 15), uat_span_of(iv, 16), uat_span_of(b, 16), b),
               UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_err(uat_aes_cfb_encrypt(uat_span_of(iv, 16), uat_span_of(iv, 12), uat_span_of(b, 16), b),
               UAT_ERR_USAGE_INVALID_ARGUMENT);
}

static void test_oaep_label(void **state)
{
    (void)state;
    uat_key *rsa = NULL, *ec = NULL;
    assert_ok(uat_key_generate(UAT_KEY_RSA, &rsa));
    assert_ok(uat_key_generate(UAT_KEY_EC_P256, &ec));
    uint8_t seed[32] = {1, 2, 3};
    uat_buf ct, pt;
    uat_buf_init(&ct, 1024);
    uat_buf_init(&pt, 1024);
    uat_span label = uat_span_of("IDENTITY", 9);
    assert_ok(uat_rsa_oaep_label_encrypt(rsa, UAT_HASH_SHA256, label, uat_span_of(seed, 32), &ct));
    assert_int_equal(ct.len, 384);
    assert_ok(uat_rsa_oaep_label_decrypt(rsa, UAT_HASH_SHA256, label, uat_buf_span(&ct), &pt));
    assert_int_equal(pt.len, 32);
    assert_memory_equal(pt.p, seed, 32);
    /* the label is bound: without its NUL, or another one, the decryption fails */
    assert_err(uat_rsa_oaep_label_decrypt(rsa, UAT_HASH_SHA256, uat_span_of("IDENTITY", 8),
                                          uat_buf_span(&ct), &pt),
               UAT_ERR_VERIFY_SIGNATURE);
    assert_err(uat_rsa_oaep_label_decrypt(rsa, UAT_HASH_SHA256, uat_span_of("DUPLICATE", 10),
                                          uat_buf_span(&ct), &pt),
               UAT_ERR_VERIFY_SIGNATURE);
    assert_err(uat_rsa_oaep_label_encrypt(ec, UAT_HASH_SHA256, label, uat_span_of(seed, 32), &ct),
               UAT_ERR_CRYPTO_BAD_KEY);
    assert_int_equal(uat_key_bits(rsa), 3072);
    assert_int_equal(uat_key_bits(ec), 256);
    uat_buf_free(&ct);
    uat_buf_free(&pt);
    uat_key_free(rsa);
    uat_key_free(ec);
}

static void test_ecdh(void **state)
{
    (void)state;
    enum uat_key_kind kinds[2] = {UAT_KEY_EC_P256, UAT_KEY_EC_P384};
    for (int i = 0; i < 2; i++) {
        uat_key *stat = NULL, *eph = NULL;
        assert_ok(uat_key_generate(kinds[i], &stat));
        uat_buf z, x, y, z2;
        uat_buf_init(&z, 66);
        uat_buf_init(&x, 66);
        uat_buf_init(&y, 66);
        uat_buf_init(&z2, 66);
        assert_ok(uat_ecdh_ephemeral(stat, &z, &x, &y));
        size_t fl = i == 0 ? 32 : 48;
        assert_int_equal(z.len, fl);
        assert_int_equal(x.len, fl);
        assert_ok(uat_key_from_ec_point(kinds[i], uat_buf_span(&x), uat_buf_span(&y), &eph));
        assert_ok(uat_ecdh(stat, eph, &z2)); /* the static side derives the same Z */
        assert_memory_equal(z.p, z2.p, fl);
        assert_err(uat_ecdh(eph, stat, &z2), UAT_ERR_CRYPTO_BAD_KEY); /* no private key */
        uat_buf_free(&z);
        uat_buf_free(&x);
        uat_buf_free(&y);
        uat_buf_free(&z2);
        uat_key_free(stat);
        uat_key_free(eph);
    }
}

/* TPM2_ActivateCredential in software (Part 1 §24; Part 3 §12.5): the seed from the secret,
 * the HMAC checked over encIdentity || Name, the credential decrypted. */
static uat_err activate_sw(const uat_key *ek, uat_span id_object, uat_span enc, uat_span ak_name,
                           uint8_t *cred, size_t *cred_len)
{
    uint8_t seed[32], sym[16], hkey[32], mac[32], plain[66], iv[16] = {0};
    uat_span none = uat_span_of(NULL, 0);
    if (uat_key_kind_of(ek) == UAT_KEY_RSA) {
        uat_buf s;
        uat_buf_init(&s, 64);
        UAT_TRY(
            uat_rsa_oaep_label_decrypt(ek, UAT_HASH_SHA256, uat_span_of("IDENTITY", 9), enc, &s));
        assert_int_equal(s.len, 32);
        memcpy(seed, s.p, 32);
        uat_buf_free(&s);
    } else {
        /* encrypted secret: TPMS_ECC_POINT of the ephemeral key */
        assert_int_equal(enc.len, 2 + 32 + 2 + 32);
        uat_key *eph = NULL;
        uint8_t ekx[32], eky[32];
        size_t fl = 0;
        uat_buf z;
        uat_buf_init(&z, 66);
        UAT_TRY(uat_key_from_ec_point(UAT_KEY_EC_P256, uat_span_of(enc.p + 2, 32),
                                      uat_span_of(enc.p + 36, 32), &eph));
        UAT_TRY(uat_ecdh(ek, eph, &z));
        UAT_TRY(uat_key_ec_point(ek, ekx, eky, 32, &fl));
        UAT_TRY(uat_kdfe(UAT_HASH_SHA256, uat_buf_span(&z), "IDENTITY", uat_span_of(enc.p + 2, 32),
                         uat_span_of(ekx, 32), 256, seed));
        uat_buf_free(&z);
        uat_key_free(eph);
    }
    UAT_TRY(uat_kdfa(UAT_HASH_SHA256, uat_span_of(seed, 32), "STORAGE", ak_name, none, 128, sym));
    UAT_TRY(uat_kdfa(UAT_HASH_SHA256, uat_span_of(seed, 32), "INTEGRITY", none, none, 256, hkey));
    assert_true(id_object.len > 34 && id_object.p[0] == 0 && id_object.p[1] == 32);
    uat_span encid = uat_span_of(id_object.p + 34, id_object.len - 34);
    const uat_span parts[2] = {encid, ak_name};
    UAT_TRY(uat_hmac(UAT_HASH_SHA256, uat_span_of(hkey, 32), parts, 2, mac));
    if (!uat_ct_equal(mac, id_object.p + 2, 32)) {
        return UAT_ERR_VERIFY_SIGNATURE; /* TPM_RC_INTEGRITY */
    }
    UAT_TRY(uat_aes_cfb_decrypt(uat_span_of(sym, 16), uat_span_of(iv, 16), encid, plain));
    *cred_len = (size_t)plain[0] << 8 | plain[1];
    assert_int_equal(*cred_len + 2, encid.len);
    memcpy(cred, plain + 2, *cred_len);
    return UAT_OK;
}

static void make_credential_case(enum uat_key_kind kind)
{
    uat_key *ek = NULL;
    assert_ok(uat_key_generate(kind, &ek));
    uint8_t name[34] = {0x00, 0x0b}, other[34] = {0x00, 0x0b, 1}, secret[32], got[64];
    memset(name + 2, 0x5a, 32);
    for (int i = 0; i < 32; i++) {
        secret[i] = (uint8_t)(0xc0 + i);
    }
    uat_buf id, enc;
    uat_buf_init(&id, 1024);
    uat_buf_init(&enc, 1024);
    assert_ok(uat_tpm_make_credential(ek, UAT_TPM_ALG_SHA256, 128, uat_span_of(secret, 32),
                                      uat_span_of(name, 34), &id, &enc));
    assert_int_equal(id.len, 2 + 32 + 2 + 32); /* integrityHMAC, then the encrypted TPM2B */
    size_t n = 0;
    assert_ok(
        activate_sw(ek, uat_buf_span(&id), uat_buf_span(&enc), uat_span_of(name, 34), got, &n));
    assert_int_equal(n, 32);
    assert_memory_equal(got, secret, 32);
    /* another AK's Name: the integrity check fails, as the TPM's does */
    assert_err(
        activate_sw(ek, uat_buf_span(&id), uat_buf_span(&enc), uat_span_of(other, 34), got, &n),
        UAT_ERR_VERIFY_SIGNATURE);
    assert_err(uat_tpm_make_credential(ek, UAT_TPM_ALG_NULL, 128, uat_span_of(secret, 32),
                                       uat_span_of(name, 34), &id, &enc),
               UAT_ERR_UNSUPPORTED_ALGORITHM);
    assert_err(uat_tpm_make_credential(ek, UAT_TPM_ALG_SHA256, 192, uat_span_of(secret, 32),
                                       uat_span_of(name, 34), &id, &enc),
               UAT_ERR_USAGE_INVALID_ARGUMENT);
    uat_buf_free(&id);
    uat_buf_free(&enc);
    uat_key_free(ek);
}

static void test_make_credential_rsa(void **state)
{
    (void)state;
    make_credential_case(UAT_KEY_RSA);
}

static void test_make_credential_ecc(void **state)
{
    (void)state;
    make_credential_case(UAT_KEY_EC_P256);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kdfa_negative),       cmocka_unit_test(test_kdfa_vectors),
        cmocka_unit_test(test_kdfe_vector),         cmocka_unit_test(test_aes_cfb),
        cmocka_unit_test(test_oaep_label),          cmocka_unit_test(test_ecdh),
        cmocka_unit_test(test_make_credential_rsa), cmocka_unit_test(test_make_credential_ecc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
