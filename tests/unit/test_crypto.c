/* Unit tests for the crypto layer (src/crypto): hashes, signatures, key import and export,
 * X.509 chains and CRLs.
 *
 * Interoperability, not only self-consistency: each algorithm family is also checked against
 * signatures made elsewhere (RFC 7515 A.2/A.3, RFC 8032 §7.1, RFC 8037 A.4, the openssl command
 * line) and against Intel's real SGX certificates and CRLs from the shared corpus.
 *
 * tests/data/crypto/ was made once with the openssl 3.0 command line; no private key is kept.
 *   rsa2048_spki.der           genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048, pkey -pubout
 *   rsa2048_ps256.sig          dgst -sha256 -sign K -sigopt rsa_padding_mode:pss
 *                                -sigopt rsa_pss_saltlen:32 -sigopt rsa_mgf1_md:sha256 (PSS_MSG)
 *   rsa2048_ps256_saltmax.sig  the same with rsa_pss_saltlen:max
 *   rsa2048_rs256.sig          dgst -sha256 -sign K (PKCS#1 v1.5, PSS_MSG)
 *   test_ca.der                P-256 CA, `ca -selfsign`, 2025-01-01..2045-01-01,
 *                                basicConstraints critical CA:TRUE, keyUsage keyCertSign cRLSign
 *   leaf_good.der, leaf_revoked.der   serials 2 and 3 from that CA, same validity
 *   test_ca_crl.der            `ca -gencrl -crl_lastupdate 20250101000000Z
 *                                -crl_nextupdate 20450101000000Z`, revokes serial 3
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/limits.h"
#include "crypto/crypto.h"

#define SGX_DIR UAT_CORPUS_DIR "/intel-sgx-dcap"
#define SGX_S1 SGX_DIR "/s1-dcapqvl-sgx-v3-processor"
#define SNP_DIR UAT_CORPUS_DIR "/amd-sev-snp"
#define DATA_DIR UAT_TEST_DATA_DIR "/crypto"

/* Evaluation times, seconds since the epoch. */
#define T_2018_01_01 1514764800
#define T_2024_01_01 1704067200
#define T_2025_01_01 1735689600 /* before the root CRL's thisUpdate 2025-03-20T11:21:57Z */
#define T_2025_05_01 1746057600
#define T_2025_06_20 1750377600 /* inside every s1 collateral window */
#define T_2025_08_01 1754006400 /* after the PCK CRL's nextUpdate 2025-07-19 */
#define T_2026_01_01 1767225600
#define T_2026_05_01 1777593600 /* after the root CRL's nextUpdate 2026-04-03T11:21:57Z */
#define T_2030_01_01 1893456000

/* RFC 7515 appendix A.2 (RS256) and A.3 (ES256): keys, signing inputs and signatures. */
#define RFC7515_PAYLOAD                                                                            \
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cn"   \
    "VlfQ"
#define A3_INPUT "eyJhbGciOiJFUzI1NiJ9." RFC7515_PAYLOAD
#define A3_X "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"
#define A3_Y "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"
#define A3_X_HEX "7fcdce2770f6c45d4183cbee6fdb4b7b580733357be9ef13bacf6e3c7bd15445"
#define A3_Y_HEX "c7f144cd1bbd9b7e872cdfedb9eeb9f4b3695d6ea90b24ad8a4623288588e5ad"
#define A3_SIG                                                                                     \
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q"
/* The same r and s as a DER ECDSA-Sig-Value (s has its top bit set, hence its 00). */
#define A3_SIG_DER_HEX                                                                             \
    "304502200ed1215379636c483c2f7f155807d402a3b228033af97c7e17819ac3169ea665022100c50a07d38c3c"   \
    "70e5d8f12daf084a5480a66590c5f293509a8f3f7f8a83a354d5"
#define A3_JWK "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" A3_X "\",\"y\":\"" A3_Y "\"}"
#define A3_JWK_OUT "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"" A3_X "\",\"y\":\"" A3_Y "\"}"
/* RFC 5480 SPKI of a P-256 point, uncompressed and compressed (y of A.3 is odd: 03). */
#define P256_SPKI_HEAD "3059301306072a8648ce3d020106082a8648ce3d030107034200"
#define P256_SPKI_COMPRESSED "3039301306072a8648ce3d020106082a8648ce3d03010703220003" A3_X_HEX

#define A2_INPUT "eyJhbGciOiJSUzI1NiJ9." RFC7515_PAYLOAD
#define A2_N                                                                                       \
    "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0B"   \
    "m4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5"   \
    "z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7"   \
    "aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ"
#define A2_SIG                                                                                     \
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2F"   \
    "p5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQB"   \
    "MHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeY"   \
    "I2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw"
#define A2_JWK "{\"kty\":\"RSA\",\"n\":\"" A2_N "\",\"e\":\"AQAB\"}"

/* RFC 7515 A.4: a P-521 key, coordinates of 66 bytes (88 base64url characters). */
#define A4_JWK                                                                                     \
    "{\"kty\":\"EC\",\"crv\":\"P-521\",\"x\":\"AekpBQ8ST8a8VcfVOTNl353vSrDCLLJXmPk06wTjxrrjcBpX"   \
    "p5EOnYG_NjFZ6OvLFV1jSfS9tsz4qUxcWceqwQGk\",\"y\":\"ADSmRA43Z1DSNx_RvcLI87cdL07l6jQyyBXMoxV"   \
    "g_l2Th-x3S1WDhjDly79ajL4Kkd0AZMaZmh9ubmf63e3kyMj2\"}"

/* RFC 8037 A.1/A.4; the key is RFC 8032 §7.1 test 1. */
#define ED_X "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
#define ED_X_HEX "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
#define ED_JWK "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" ED_X "\"}"
#define ED_JWK_OUT "{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"" ED_X "\"}"
#define ED_A4_INPUT "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc"
#define ED_A4_SIG                                                                                  \
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
#define ED_T1_SIG_HEX                                                                              \
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701c"   \
    "f9b46bd25bf5f0595bbe24655141438e7a100b"
#define ED_SPKI_HEAD "302a300506032b6570032100"

#define PSS_MSG "uattest RSASSA-PSS interop"

#include "uat_assert.h"
/* Fails with want, and uat_last_error() names the check that failed. */
#define assert_fail(expr, want, check_name)                                                        \
    do {                                                                                           \
        assert_err((expr), (want));                                                                \
        assert_int_equal(uat_last_error()->err, (want));                                           \
        assert_string_equal(uat_last_error()->check, (check_name));                                \
    } while (0)

/* Regression tests for bugs found in src/crypto (all fixed); the marker names them. */
#define KNOWN_BUG() ((void)0)

/* One key of each kind and a second, unrelated one, made once for the whole run. */
static uat_key *g_key[UAT_KEY_OTHER];
static uat_key *g_other[UAT_KEY_OTHER];

/* What a test makes is released by the per-test teardown, so a failing assertion leaks nothing
 * (clean under UAT_SANITIZE) and the test bodies carry no cleanup lines. */
#define POOL 128
static uat_buf g_buf[POOL];
static uat_der_list g_list[POOL];
static uat_key *g_made[POOL];
static size_t g_nbuf, g_nlist, g_nmade;

static int release(void **state)
{
    (void)state;
    for (size_t i = 0; i < g_nbuf; i++) {
        uat_buf_free(&g_buf[i]);
    }
    for (size_t i = 0; i < g_nlist; i++) {
        uat_der_list_free(&g_list[i]);
    }
    for (size_t i = 0; i < g_nmade; i++) {
        uat_key_free(g_made[i]);
    }
    g_nbuf = g_nlist = g_nmade = 0;
    return 0;
}

static uat_buf *new_buf(void)
{
    assert_true(g_nbuf < POOL);
    uat_buf_init(&g_buf[g_nbuf], UAT_MAX_FILE_BYTES);
    return &g_buf[g_nbuf++];
}

static uat_der_list *new_list(void)
{
    assert_true(g_nlist < POOL);
    memset(&g_list[g_nlist], 0, sizeof(g_list[0]));
    return &g_list[g_nlist++];
}

static uat_key *keep(uat_key *k)
{
    assert_non_null(k);
    assert_true(g_nmade < POOL);
    g_made[g_nmade++] = k;
    return k;
}

static uat_span str_span(const char *s)
{
    return uat_span_of(s, strlen(s));
}

static uat_buf *unhex(const char *s)
{
    uat_buf *b = new_buf();
    assert_ok(uat_hex_decode(s, strlen(s), b));
    return b;
}

static uat_buf *unb64u(const char *s)
{
    uat_buf *b = new_buf();
    assert_ok(uat_b64_decode(s, strlen(s), UAT_B64_URL, b));
    return b;
}

static uat_buf *copy_of(uat_span s)
{
    uat_buf *b = new_buf();
    assert_ok(uat_buf_append(b, s.p, s.len));
    return b;
}

static uat_buf *read_file(const char *path)
{
    uat_buf *b = new_buf();
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fail_msg("cannot open %s", path);
    }
    uint8_t chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        assert_ok(uat_buf_append(b, chunk, n));
    }
    fclose(f);
    assert_ok(uat_buf_terminate(b)); /* text files are searched with strstr */
    return b;
}

static uat_der_list *certs_from(const char *path)
{
    uat_der_list *l = new_list();
    assert_ok(uat_der_list_load_certs(uat_buf_span(read_file(path)), l));
    return l;
}

static uat_der_list *crls_from(const char *path)
{
    uat_der_list *l = new_list();
    assert_ok(uat_der_list_load_crls(uat_buf_span(read_file(path)), l));
    return l;
}

static uat_span item(const uat_der_list *l, size_t i)
{
    assert_true(i < l->n);
    return uat_buf_span(&l->items[i]);
}

static uat_buf *spki_of(const uat_key *k)
{
    uat_buf *b = new_buf();
    assert_ok(uat_key_spki_der(k, b));
    return b;
}

static void assert_bytes(uat_span got, uat_span want)
{
    assert_int_equal(got.len, want.len);
    assert_memory_equal(got.p, want.p, want.len);
}

static void assert_same_key(const uat_key *a, const uat_key *b)
{
    assert_bytes(uat_buf_span(spki_of(a)), uat_buf_span(spki_of(b)));
}

static uat_key *spki_key(uat_span der)
{
    uat_key *k = NULL;
    assert_ok(uat_key_from_spki_der(der, &k));
    return keep(k);
}

static uat_key *public_copy(const uat_key *k)
{
    uat_key *pub = spki_key(uat_buf_span(spki_of(k)));
    assert_false(uat_key_is_private(pub));
    return pub;
}

static uat_key *jwk_key(const char *json)
{
    uat_key *k = NULL;
    uat_err e = uat_key_from_jwk(str_span(json), &k);
    if (e != UAT_OK) {
        fail_msg("JWK %s: %s (check %s, field %s)", json, uat_err_name(e), uat_last_error()->check,
                 uat_last_error()->field);
    }
    return keep(k);
}

static const char *jwk_of(const uat_key *k)
{
    uat_buf *b = new_buf();
    assert_ok(uat_key_public_jwk(k, b));
    return (const char *)b->p;
}

static uat_err verify(const uat_key *k, enum uat_sig_alg alg, uat_span msg, uat_span sig)
{
    return uat_sig_verify(k, alg, msg, sig, "test.sig");
}

static void expect_bad_sig(const uat_key *k, enum uat_sig_alg alg, uat_span msg, uat_span sig)
{
    assert_fail(verify(k, alg, msg, sig), UAT_ERR_VERIFY_SIGNATURE, "test.sig");
    assert_string_equal(uat_last_error()->field, "signature");
}

/* ---- hashes ---------------------------------------------------------------------------------- */

static const struct {
    enum uat_hash_alg alg;
    const char *name;
    const char *abc; /* FIPS 180-4 and GB/T 32905-2016 examples for "abc" */
} HASHES[] = {
    {UAT_HASH_SHA1, "sha1", "a9993e364706816aba3e25717850c26c9cd0d89d"},
    {UAT_HASH_SHA256, "sha256", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {UAT_HASH_SHA384, "sha384",
     "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c8"
     "25a7"},
    {UAT_HASH_SHA512, "sha512",
     "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3fe"
     "ebbd454d4423643ce80e2a9ac94fa54ca49f"},
    {UAT_HASH_SM3, "sm3", "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"},
};
#define NHASHES (sizeof(HASHES) / sizeof(HASHES[0]))

static void test_hash_abc_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < NHASHES; i++) {
        uint8_t out[UAT_HASH_MAX];
        char hex[2 * UAT_HASH_MAX + 1];
        uat_span part = str_span("abc");
        size_t n = uat_hash_len(HASHES[i].alg);
        assert_int_equal(2 * n, strlen(HASHES[i].abc));
        assert_string_equal(uat_hash_name(HASHES[i].alg), HASHES[i].name);
        assert_ok(uat_hash(HASHES[i].alg, &part, 1, out));
        uat_hex_encode(out, n, hex);
        assert_string_equal(hex, HASHES[i].abc);
    }
}

static void test_hash_multipart_equals_one_part(void **state)
{
    (void)state;
    static const char text[] = "The quick brown fox jumps over the lazy dog, twice over.";
    const size_t len = sizeof(text) - 1;
    for (size_t i = 0; i < NHASHES; i++) {
        uint8_t one[UAT_HASH_MAX], many[UAT_HASH_MAX];
        uat_span whole = uat_span_of(text, len);
        /* empty parts, with and without a pointer, change nothing */
        uat_span parts[] = {uat_span_of(text, 3), uat_span_of(NULL, 0), uat_span_of(text + 3, 17),
                            uat_span_of(text, 0), uat_span_of(text + 20, len - 20)};
        assert_ok(uat_hash(HASHES[i].alg, &whole, 1, one));
        assert_ok(uat_hash(HASHES[i].alg, parts, sizeof(parts) / sizeof(parts[0]), many));
        assert_memory_equal(one, many, uat_hash_len(HASHES[i].alg));
    }
    uint8_t empty[32];
    char hex[65];
    assert_ok(uat_hash(UAT_HASH_SHA256, NULL, 0, empty));
    uat_hex_encode(empty, 32, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_hash_unknown_algorithm(void **state)
{
    (void)state;
    uint8_t out[UAT_HASH_MAX];
    uat_span part = str_span("abc");
    enum uat_hash_alg bogus = (enum uat_hash_alg)99;
    assert_int_equal(uat_hash_len(bogus), 0);
    assert_string_equal(uat_hash_name(bogus), "unknown");
    assert_fail(uat_hash(bogus, &part, 1, out), UAT_ERR_UNSUPPORTED_ALGORITHM, "hash");
}

/* ---- signatures ------------------------------------------------------------------------------ */

struct sig_case {
    enum uat_sig_alg alg;
    enum uat_key_kind kind;
    size_t len;              /* exact signature length; 0 for DER (variable) */
    enum uat_key_kind wrong; /* a key kind the algorithm must refuse */
    int randomized;          /* 1: two signatures differ, 0: identical, -1: not asserted */
};

static const struct sig_case SIG_CASES[] = {
    {UAT_SIG_ES256, UAT_KEY_EC_P256, 64, UAT_KEY_EC_P384, -1},
    {UAT_SIG_ES384, UAT_KEY_EC_P384, 96, UAT_KEY_EC_P256, -1},
    {UAT_SIG_ES512, UAT_KEY_EC_P521, 132, UAT_KEY_EC_P384, -1},
    {UAT_SIG_ES256_DER, UAT_KEY_EC_P256, 0, UAT_KEY_EC_P521, -1},
    {UAT_SIG_ES384_DER, UAT_KEY_EC_P384, 0, UAT_KEY_RSA, -1},
    {UAT_SIG_ES512_DER, UAT_KEY_EC_P521, 0, UAT_KEY_EC_P256, -1},
    {UAT_SIG_RS256, UAT_KEY_RSA, 384, UAT_KEY_EC_P256, 0},
    {UAT_SIG_RS384, UAT_KEY_RSA, 384, UAT_KEY_ED25519, 0},
    {UAT_SIG_RS512, UAT_KEY_RSA, 384, UAT_KEY_EC_P521, 0},
    {UAT_SIG_PS256, UAT_KEY_RSA, 384, UAT_KEY_EC_P256, 1}, /* a fresh salt each time */
    {UAT_SIG_PS384, UAT_KEY_RSA, 384, UAT_KEY_ED25519, 1},
    {UAT_SIG_PS512, UAT_KEY_RSA, 384, UAT_KEY_EC_P384, 1},
    {UAT_SIG_EDDSA, UAT_KEY_ED25519, 64, UAT_KEY_EC_P256, 0},
};

/* Sign then verify, and every way a signature must fail, for one algorithm. */
static void test_sig_case(void **state)
{
    const struct sig_case *c = *state;
    static const char text[] = "uattest: a message to sign";
    uat_span msg = uat_span_of(text, sizeof(text) - 1);
    uat_buf *sig = new_buf(), *sig2 = new_buf(), *none = new_buf();
    assert_ok(uat_sig_sign(g_key[c->kind], c->alg, msg, sig));
    assert_ok(uat_sig_sign(g_key[c->kind], c->alg, msg, sig2));
    if (c->len != 0) {
        assert_int_equal(sig->len, c->len);
    }
    if (c->randomized >= 0) {
        int same = sig->len == sig2->len && memcmp(sig->p, sig2->p, sig->len) == 0;
        assert_int_equal(same, !c->randomized);
    }
    const uat_key *pub = public_copy(g_key[c->kind]);
    assert_ok(verify(g_key[c->kind], c->alg, msg, uat_buf_span(sig)));
    assert_ok(verify(pub, c->alg, msg, uat_buf_span(sig)));
    assert_ok(verify(pub, c->alg, msg, uat_buf_span(sig2)));

    uint8_t m[sizeof(text) - 1];
    memcpy(m, text, sizeof(m));
    m[7] ^= 0x01;
    expect_bad_sig(pub, c->alg, uat_span_of(m, sizeof(m)), uat_buf_span(sig));

    uint8_t s[1024];
    assert_true(sig->len < sizeof(s));
    const size_t flips[] = {0, sig->len / 2, sig->len - 1};
    for (size_t i = 0; i < sizeof(flips) / sizeof(flips[0]); i++) {
        memcpy(s, sig->p, sig->len);
        s[flips[i]] ^= 0x01;
        expect_bad_sig(pub, c->alg, msg, uat_span_of(s, sig->len));
    }
    memcpy(s, sig->p, sig->len);
    s[sig->len] = 0x00;
    expect_bad_sig(pub, c->alg, msg, uat_span_of(s, sig->len - 1)); /* truncated */
    expect_bad_sig(pub, c->alg, msg, uat_span_of(s, sig->len + 1)); /* a byte too long */
    expect_bad_sig(pub, c->alg, msg, uat_span_of(s, 0));
    expect_bad_sig(g_other[c->kind], c->alg, msg, uat_buf_span(sig));

    /* a key of the wrong kind is a key error, not a bad signature */
    assert_fail(verify(g_key[c->wrong], c->alg, msg, uat_buf_span(sig)), UAT_ERR_CRYPTO_BAD_KEY,
                "test.sig");
    assert_string_equal(uat_last_error()->field, "key");
    assert_fail(uat_sig_sign(g_key[c->wrong], c->alg, msg, none), UAT_ERR_CRYPTO_BAD_KEY,
                "signature.sign");
    assert_int_equal(none->len, 0);
}

static void test_sig_rsa_padding_not_interchangeable(void **state)
{
    (void)state;
    const uat_key *k = g_key[UAT_KEY_RSA];
    uat_span msg = str_span("padding");
    uat_buf *pss = new_buf(), *pkcs1 = new_buf();
    assert_ok(uat_sig_sign(k, UAT_SIG_PS256, msg, pss));
    assert_ok(uat_sig_sign(k, UAT_SIG_RS256, msg, pkcs1));
    expect_bad_sig(k, UAT_SIG_RS256, msg, uat_buf_span(pss));
    expect_bad_sig(k, UAT_SIG_PS256, msg, uat_buf_span(pkcs1));
    expect_bad_sig(k, UAT_SIG_PS384, msg, uat_buf_span(pss)); /* nor is the hash */
    expect_bad_sig(k, UAT_SIG_RS512, msg, uat_buf_span(pkcs1));
}

/* Signatures made by the openssl command line with a 2048-bit key. */
static void test_sig_rsa_openssl_interop(void **state)
{
    (void)state;
    const uat_key *k = spki_key(uat_buf_span(read_file(DATA_DIR "/rsa2048_spki.der")));
    uat_span msg = str_span(PSS_MSG);
    uat_span ps = uat_buf_span(read_file(DATA_DIR "/rsa2048_ps256.sig"));
    uat_span rs = uat_buf_span(read_file(DATA_DIR "/rsa2048_rs256.sig"));
    assert_int_equal(uat_key_kind_of(k), UAT_KEY_RSA);
    assert_ok(verify(k, UAT_SIG_PS256, msg, ps));
    assert_ok(verify(k, UAT_SIG_RS256, msg, rs));
    expect_bad_sig(k, UAT_SIG_RS256, msg, ps);
    expect_bad_sig(k, UAT_SIG_PS256, msg, rs);
    /* PS256 means salt length = hash length: a maximal salt is refused */
    expect_bad_sig(k, UAT_SIG_PS256, msg,
                   uat_buf_span(read_file(DATA_DIR "/rsa2048_ps256_saltmax.sig")));
}

static void test_sig_kat_es256_rfc7515_a3(void **state)
{
    (void)state;
    const uat_key *k = jwk_key(A3_JWK);
    uat_span msg = str_span(A3_INPUT);
    uat_span raw = uat_buf_span(unb64u(A3_SIG));
    uat_span der = uat_buf_span(unhex(A3_SIG_DER_HEX));
    assert_bytes(uat_buf_span(spki_of(k)),
                 uat_buf_span(unhex(P256_SPKI_HEAD "04" A3_X_HEX A3_Y_HEX)));
    assert_int_equal(uat_key_kind_of(k), UAT_KEY_EC_P256);
    assert_false(uat_key_is_private(k));
    assert_ok(verify(k, UAT_SIG_ES256, msg, raw));
    assert_ok(verify(k, UAT_SIG_ES256_DER, msg, der));
    /* neither encoding passes for the other */
    expect_bad_sig(k, UAT_SIG_ES256_DER, msg, raw);
    expect_bad_sig(k, UAT_SIG_ES256, msg, der);
    expect_bad_sig(k, UAT_SIG_ES256, str_span(A2_INPUT), raw);
}

static void test_sig_kat_rs256_rfc7515_a2(void **state)
{
    (void)state;
    const uat_key *k = jwk_key(A2_JWK);
    uat_span sig = uat_buf_span(unb64u(A2_SIG));
    assert_int_equal(uat_key_kind_of(k), UAT_KEY_RSA);
    assert_ok(verify(k, UAT_SIG_RS256, str_span(A2_INPUT), sig));
    expect_bad_sig(k, UAT_SIG_PS256, str_span(A2_INPUT), sig);
    expect_bad_sig(k, UAT_SIG_RS256, str_span(A3_INPUT), sig);
    /* JWK export gives back the RFC's key exactly (RFC 7518 §6.3.1: no leading zero bytes) */
    uat_buf *jwk = new_buf();
    assert_ok(uat_key_public_jwk(k, jwk));
    assert_string_equal((const char *)jwk->p, "{\"e\":\"AQAB\",\"kty\":\"RSA\",\"n\":\"" A2_N "\"}");
}

static void test_sig_kat_eddsa_rfc8032_rfc8037(void **state)
{
    (void)state;
    const uat_key *k = jwk_key(ED_JWK);
    uat_span t1 = uat_buf_span(unhex(ED_T1_SIG_HEX));
    assert_bytes(uat_buf_span(spki_of(k)), uat_buf_span(unhex(ED_SPKI_HEAD ED_X_HEX)));
    assert_int_equal(uat_key_kind_of(k), UAT_KEY_ED25519);
    assert_ok(verify(k, UAT_SIG_EDDSA, str_span(ED_A4_INPUT), uat_buf_span(unb64u(ED_A4_SIG))));
    /* RFC 8032 §7.1 test 1 signs the empty message */
    assert_ok(verify(k, UAT_SIG_EDDSA, uat_span_of("", 0), t1));
    expect_bad_sig(k, UAT_SIG_EDDSA, str_span("x"), t1);
    expect_bad_sig(k, UAT_SIG_EDDSA, str_span(ED_A4_INPUT), t1);
}

/* ---- keys ------------------------------------------------------------------------------------ */

static const enum uat_sig_alg ALG_OF_KIND[UAT_KEY_OTHER] = {
    UAT_SIG_ES256, UAT_SIG_ES384, UAT_SIG_ES512, UAT_SIG_PS256, UAT_SIG_EDDSA};

static void test_key_generate(void **state)
{
    (void)state;
    for (int i = 0; i < (int)UAT_KEY_OTHER; i++) {
        assert_int_equal(uat_key_kind_of(g_key[i]), i);
        assert_true(uat_key_is_private(g_key[i]));
    }
    uat_key *k = NULL;
    assert_fail(uat_key_generate(UAT_KEY_OTHER, &k), UAT_ERR_UNSUPPORTED_ALGORITHM, "key.generate");
    assert_null(k);
}

static void test_key_pem_round_trip(void **state)
{
    (void)state;
    uat_span msg = str_span("pem");
    for (int i = 0; i < (int)UAT_KEY_OTHER; i++) {
        uat_buf *pub_pem = new_buf(), *priv_pem = new_buf(), *sig = new_buf();
        uat_key *pub = NULL, *priv = NULL;
        assert_ok(uat_key_public_pem(g_key[i], pub_pem));
        assert_ok(uat_key_private_pem(g_key[i], priv_pem));
        assert_non_null(strstr((const char *)pub_pem->p, "-----BEGIN PUBLIC KEY-----\n"));
        assert_null(strstr((const char *)pub_pem->p, "PRIVATE"));
        assert_non_null(strstr((const char *)priv_pem->p, "-----BEGIN PRIVATE KEY-----\n"));
        assert_ok(uat_key_from_pem(uat_buf_span(pub_pem), &pub));
        assert_ok(uat_key_from_pem(uat_buf_span(priv_pem), &priv));
        keep(pub);
        keep(priv);
        assert_int_equal(uat_key_kind_of(pub), i);
        assert_int_equal(uat_key_kind_of(priv), i);
        assert_false(uat_key_is_private(pub));
        assert_true(uat_key_is_private(priv));
        assert_same_key(pub, g_key[i]);
        assert_same_key(priv, g_key[i]);
        /* the private half survived: what the re-imported key signs, the original verifies */
        assert_ok(uat_sig_sign(priv, ALG_OF_KIND[i], msg, sig));
        assert_ok(verify(g_key[i], ALG_OF_KIND[i], msg, uat_buf_span(sig)));
    }
}

static void test_key_pem_certificate_and_garbage(void **state)
{
    (void)state;
    uat_span pem = uat_buf_span(read_file(SGX_S1 "/pck_crl_issuer_chain.pem"));
    uat_der_list *chain = certs_from(SGX_S1 "/pck_crl_issuer_chain.pem");
    uat_key *from_pem = NULL, *from_cert = NULL, *k = NULL;
    /* a certificate PEM gives its first subject's key (the Processor CA) */
    assert_ok(uat_key_from_pem(pem, &from_pem));
    keep(from_pem);
    assert_ok(uat_x509_public_key(item(chain, 0), &from_cert));
    keep(from_cert);
    assert_int_equal(uat_key_kind_of(from_pem), UAT_KEY_EC_P256);
    assert_false(uat_key_is_private(from_pem));
    assert_same_key(from_pem, from_cert);

    assert_fail(uat_key_from_pem(str_span("not a key"), &k), UAT_ERR_PARSE_BAD_CERT, "key.pem");
    assert_fail(uat_key_from_pem(str_span("-----BEGIN PUBLIC KEY-----\nAAAA\n"
                                          "-----END PUBLIC KEY-----\n"),
                                 &k),
                UAT_ERR_PARSE_BAD_CERT, "key.pem");
    assert_fail(uat_key_from_pem(item(chain, 1), &k), UAT_ERR_PARSE_BAD_CERT, "key.pem"); /* DER */
    assert_null(k);
}

static void test_key_spki_der(void **state)
{
    (void)state;
    uat_key *k = NULL;
    for (int i = 0; i < (int)UAT_KEY_OTHER; i++) {
        uat_buf *spki = spki_of(g_key[i]);
        const uat_key *pub = spki_key(uat_buf_span(spki));
        assert_int_equal(uat_key_kind_of(pub), i);
        assert_false(uat_key_is_private(pub));
        assert_same_key(pub, g_key[i]);
        assert_ok(uat_buf_put_u8(spki, 0x00));
        assert_fail(uat_key_from_spki_der(uat_buf_span(spki), &k), UAT_ERR_PARSE_TRAILING_BYTES,
                    "key.spki");
        assert_int_equal(uat_last_error()->offset, (int64_t)spki->len - 1);
        assert_fail(uat_key_from_spki_der(uat_span_of(spki->p, spki->len - 2), &k),
                    UAT_ERR_PARSE_BAD_CERT, "key.spki");
        assert_fail(uat_key_from_spki_der(uat_span_of(spki->p, 0), &k), UAT_ERR_PARSE_BAD_CERT,
                    "key.spki");
    }
    /* a P-256 SPKI whose point is off the curve does not decode */
    uat_buf *bad = unhex(P256_SPKI_HEAD "04" A3_X_HEX A3_Y_HEX);
    bad->p[bad->len - 1] ^= 0x01;
    assert_fail(uat_key_from_spki_der(uat_buf_span(bad), &k), UAT_ERR_PARSE_BAD_CERT, "key.spki");
    /* a compressed point (RFC 5480 §2.2) is a valid key */
    const uat_key *c = spki_key(uat_buf_span(unhex(P256_SPKI_COMPRESSED)));
    assert_int_equal(uat_key_kind_of(c), UAT_KEY_EC_P256);
    assert_ok(verify(c, UAT_SIG_ES256, str_span(A3_INPUT), uat_buf_span(unb64u(A3_SIG))));
    assert_null(k);
}

static void test_key_ec_point(void **state)
{
    (void)state;
    uat_buf *x = unhex(A3_X_HEX), *y = unhex(A3_Y_HEX);
    uat_span big = uat_buf_span(unhex("00" A3_X_HEX));
    uat_key *k = NULL;
    assert_ok(uat_key_from_ec_point(UAT_KEY_EC_P256, uat_buf_span(x), uat_buf_span(y), &k));
    keep(k);
    assert_int_equal(uat_key_kind_of(k), UAT_KEY_EC_P256);
    assert_same_key(k, jwk_key(A3_JWK));
    k = NULL;

    /* each coordinate is exactly the field size */
    assert_fail(uat_key_from_ec_point(UAT_KEY_EC_P256, uat_span_of(x->p, 31), uat_buf_span(y), &k),
                UAT_ERR_CRYPTO_BAD_KEY, "key.ec_point");
    assert_fail(uat_key_from_ec_point(UAT_KEY_EC_P256, big, uat_buf_span(y), &k),
                UAT_ERR_CRYPTO_BAD_KEY, "key.ec_point");
    assert_fail(uat_key_from_ec_point(UAT_KEY_EC_P384, uat_buf_span(x), uat_buf_span(y), &k),
                UAT_ERR_CRYPTO_BAD_KEY, "key.ec_point");
    assert_fail(uat_key_from_ec_point(UAT_KEY_RSA, uat_buf_span(x), uat_buf_span(y), &k),
                UAT_ERR_UNSUPPORTED_ALGORITHM, "key.ec_point");

    /* points not on the curve: one flipped bit, the all-zero "infinity", all-ones (>= p) */
    y->p[31] ^= 0x01;
    assert_fail(uat_key_from_ec_point(UAT_KEY_EC_P256, uat_buf_span(x), uat_buf_span(y), &k),
                UAT_ERR_CRYPTO_BAD_KEY, "key.ec_point");
    for (int fill = 0x00; fill <= 0xff; fill += 0xff) {
        memset(x->p, fill, x->len);
        memset(y->p, fill, y->len);
        assert_fail(uat_key_from_ec_point(UAT_KEY_EC_P256, uat_buf_span(x), uat_buf_span(y), &k),
                    UAT_ERR_CRYPTO_BAD_KEY, "key.ec_point");
    }
    assert_null(k);
}

static void test_key_jwk_rfc_keys(void **state)
{
    (void)state;
    const uat_key *ec = jwk_key(A3_JWK), *rsa = jwk_key(A2_JWK), *ed = jwk_key(ED_JWK);
    assert_int_equal(uat_key_kind_of(ec), UAT_KEY_EC_P256);
    assert_int_equal(uat_key_kind_of(rsa), UAT_KEY_RSA);
    assert_int_equal(uat_key_kind_of(ed), UAT_KEY_ED25519);
    assert_false(uat_key_is_private(ec) || uat_key_is_private(rsa) || uat_key_is_private(ed));
    /* members besides the public ones are ignored, in any order */
    assert_same_key(jwk_key("{\"y\":\"" A3_Y "\",\"use\":\"sig\",\"kid\":\"1\",\"x\":\"" A3_X
                            "\",\"crv\":\"P-256\",\"kty\":\"EC\"}"),
                    ec);
}

static const struct {
    const char *json;
    uat_err err;
    const char *field; /* "" when not asserted */
} JWK_BAD[] = {
    {"not json", UAT_ERR_PARSE_BAD_JSON, ""},
    {"{}", UAT_ERR_PARSE_BAD_JSON, "kty"},
    {"{\"kty\":1}", UAT_ERR_PARSE_BAD_JSON, "kty"},
    {"{\"kty\":\"oct\",\"k\":\"AAAA\"}", UAT_ERR_UNSUPPORTED_ALGORITHM, "kty"},
    {"{\"kty\":\"ec\",\"crv\":\"P-256\",\"x\":\"" A3_X "\",\"y\":\"" A3_Y "\"}",
     UAT_ERR_UNSUPPORTED_ALGORITHM, "kty"},
    {"{\"kty\":\"EC\",\"x\":\"" A3_X "\",\"y\":\"" A3_Y "\"}", UAT_ERR_PARSE_BAD_JSON, "crv"},
    {"{\"kty\":\"EC\",\"crv\":\"P-192\",\"x\":\"" A3_X "\",\"y\":\"" A3_Y "\"}",
     UAT_ERR_UNSUPPORTED_ALGORITHM, "crv"},
    {"{\"kty\":\"EC\",\"crv\":\"secp256k1\",\"x\":\"" A3_X "\",\"y\":\"" A3_Y "\"}",
     UAT_ERR_UNSUPPORTED_ALGORITHM, "crv"},
    {"{\"kty\":\"EC\",\"crv\":\"P-256\",\"y\":\"" A3_Y "\"}", UAT_ERR_PARSE_BAD_JSON, "x"},
    {"{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" A3_X "\"}", UAT_ERR_PARSE_BAD_JSON, "y"},
    {"{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":7,\"y\":\"" A3_Y "\"}", UAT_ERR_PARSE_BAD_JSON, "x"},
    {"{\"kty\":\"EC\",\"crv\":\"P-384\",\"x\":\"" A3_X "\",\"y\":\"" A3_Y "\"}",
     UAT_ERR_CRYPTO_BAD_KEY, ""},
    /* x without its first byte; y with its last bit flipped (off the curve) */
    {"{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"zc4ncPbEXUGDy-5v20t7WAczNXvp7xO6z248e9FURQ\","
     "\"y\":\"" A3_Y "\"}",
     UAT_ERR_CRYPTO_BAD_KEY, ""},
    {"{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" A3_X
     "\",\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5aw\"}",
     UAT_ERR_CRYPTO_BAD_KEY, ""},
    /* the standard alphabet is not base64url */
    {"{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVE+\","
     "\"y\":\"" A3_Y "\"}",
     UAT_ERR_PARSE_BAD_ENCODING, ""},
    {"{\"kty\":\"EC\",\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" A3_X "\",\"y\":\"" A3_Y "\"}",
     UAT_ERR_PARSE_BAD_JSON, ""},
    {A3_JWK " {}", UAT_ERR_PARSE_BAD_JSON, ""},
    {"{\"kty\":\"RSA\",\"e\":\"AQAB\"}", UAT_ERR_PARSE_BAD_JSON, "n"},
    {"{\"kty\":\"RSA\",\"n\":\"" A2_N "\"}", UAT_ERR_PARSE_BAD_JSON, "e"},
    {"{\"kty\":\"OKP\",\"crv\":\"X25519\",\"x\":\"" ED_X "\"}", UAT_ERR_UNSUPPORTED_ALGORITHM,
     "crv"},
    {"{\"kty\":\"OKP\",\"crv\":\"Ed448\",\"x\":\"" ED_X "\"}", UAT_ERR_UNSUPPORTED_ALGORITHM,
     "crv"},
    {"{\"kty\":\"OKP\",\"crv\":\"Ed25519\"}", UAT_ERR_PARSE_BAD_JSON, "x"},
    {"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHUQ\"}",
     UAT_ERR_CRYPTO_BAD_KEY, ""},
};

static void test_key_jwk_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(JWK_BAD) / sizeof(JWK_BAD[0]); i++) {
        uat_key *k = NULL;
        uat_err e = uat_key_from_jwk(str_span(JWK_BAD[i].json), &k);
        if (e != JWK_BAD[i].err) {
            fail_msg("case %zu %s: got %s, want %s", i, JWK_BAD[i].json, uat_err_name(e),
                     uat_err_name(JWK_BAD[i].err));
        }
        assert_null(k);
        if (JWK_BAD[i].field[0] != '\0') {
            assert_string_equal(uat_last_error()->check, "key.jwk");
            assert_string_equal(uat_last_error()->field, JWK_BAD[i].field);
        }
        /* the direct SPKI path refuses the same keys with the same error, writing nothing */
        uat_buf der;
        uat_buf_init(&der, 4096);
        e = uat_jwk_spki_der(str_span(JWK_BAD[i].json), &der);
        if (e != JWK_BAD[i].err) {
            fail_msg("spki case %zu %s: got %s, want %s", i, JWK_BAD[i].json, uat_err_name(e),
                     uat_err_name(JWK_BAD[i].err));
        }
        assert_int_equal(der.len, 0);
        uat_buf_free(&der);
    }
}

/* uat_jwk_spki_der writes what the key path writes, for every kind of public JWK */
static void test_key_jwk_spki_direct(void **state)
{
    (void)state;
    const enum uat_key_kind kinds[] = {UAT_KEY_EC_P256, UAT_KEY_EC_P384, UAT_KEY_EC_P521,
                                       UAT_KEY_ED25519};
    const char *fixed[] = {A3_JWK, A2_JWK, ED_JWK, A4_JWK};
    for (size_t i = 0; i < 8; i++) {
        const char *jwk = i < 4 ? jwk_of(g_key[kinds[i]]) : fixed[i - 4];
        uat_buf direct, via;
        uat_buf_init(&direct, 4096);
        uat_buf_init(&via, 4096);
        assert_ok(uat_jwk_spki_der(str_span(jwk), &direct));
        assert_ok(uat_key_spki_der(jwk_key(jwk), &via));
        assert_int_equal(direct.len, via.len);
        assert_memory_equal(direct.p, via.p, via.len);
        uat_buf_free(&direct);
        uat_buf_free(&via);
    }
}

static void test_key_jwk_export_round_trip(void **state)
{
    (void)state;
    /* P-521 is left to test_bug_jwk_p521 */
    const enum uat_key_kind kinds[] = {UAT_KEY_EC_P256, UAT_KEY_EC_P384, UAT_KEY_ED25519};
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        const char *jwk = jwk_of(g_key[kinds[i]]);
        assert_null(strstr(jwk, "\"d\"")); /* the private part never leaves */
        assert_same_key(jwk_key(jwk), g_key[kinds[i]]);
    }
    /* exact text: members sorted, no whitespace, unpadded base64url */
    assert_string_equal(jwk_of(jwk_key(A3_JWK)), A3_JWK_OUT);
    assert_string_equal(jwk_of(jwk_key(ED_JWK)), ED_JWK_OUT);
}

/* ---- X.509 ----------------------------------------------------------------------------------- */

static uat_chain_args chain_args(uat_span leaf, const uat_der_list *anchors,
                                 const uat_der_list *crls, uat_time at)
{
    uat_chain_args a = {0};
    a.leaf = leaf;
    a.anchors = anchors;
    a.crls = crls;
    a.require_crls = crls != NULL;
    a.at = at;
    a.check = "test.chain";
    return a;
}

static void expect_chain(const uat_chain_args *a, uat_err want)
{
    if (want == UAT_OK) {
        uat_err e = uat_x509_verify_chain(a);
        if (e != UAT_OK) {
            fail_msg("chain: %s: %s", uat_err_name(e), uat_last_error()->message);
        }
        return;
    }
    assert_fail(uat_x509_verify_chain(a), want, a->check ? a->check : "x509.chain");
}

/* The PCK leaf, Processor CA and root carried in the s1 quote's certification data. */
static uat_der_list *quote_certs(void)
{
    static const char begin[] = "-----BEGIN CERTIFICATE-----";
    uat_buf *q = read_file(SGX_S1 "/quote.bin");
    const uint8_t *pem = memmem(q->p, q->len, begin, sizeof(begin) - 1);
    assert_non_null(pem);
    uat_der_list *l = new_list();
    assert_ok(uat_der_list_load_certs(uat_span_of(pem, q->len - (size_t)(pem - q->p)), l));
    assert_int_equal(l->n, 3);
    return l;
}

static void test_x509_load(void **state)
{
    (void)state;
    uat_der_list *chain = certs_from(SGX_S1 "/pck_crl_issuer_chain.pem");
    uat_der_list *root = certs_from(SGX_DIR "/trust/Intel_SGX_Root_CA.der");
    uat_der_list *crl = crls_from(SGX_S1 "/root_ca_crl.der");
    uat_der_list *none = new_list();
    assert_int_equal(chain->n, 2);
    assert_int_equal(root->n, 1);
    assert_int_equal(crl->n, 1);
    /* the PEM chain's second block is the DER trust anchor */
    assert_bytes(item(chain, 1), item(root, 0));

    uat_buf *b = copy_of(item(root, 0));
    assert_ok(uat_buf_put_u8(b, 0x00));
    assert_fail(uat_der_list_load_certs(uat_buf_span(b), none), UAT_ERR_PARSE_TRAILING_BYTES,
                "x509.cert");
    assert_fail(uat_der_list_load_certs(uat_span_of(b->p, b->len - 10), none),
                UAT_ERR_PARSE_BAD_CERT, "x509.cert");
    assert_fail(uat_der_list_load_certs(str_span("garbage"), none), UAT_ERR_PARSE_BAD_CERT,
                "x509.cert");
    assert_fail(uat_der_list_load_certs(str_span("-----BEGIN PUBLIC KEY-----\nAAAA\n"
                                                 "-----END PUBLIC KEY-----\n"),
                                        none),
                UAT_ERR_PARSE_BAD_CERT, "pem");
    /* a CRL is not a certificate, nor the other way round */
    assert_fail(uat_der_list_load_certs(item(crl, 0), none), UAT_ERR_PARSE_BAD_CERT, "x509.cert");
    assert_fail(uat_der_list_load_crls(item(root, 0), none), UAT_ERR_PARSE_BAD_CERT, "x509.crl");
    assert_int_equal(none->n, 0);
}

static void test_x509_validity(void **state)
{
    (void)state;
    uat_der_list *chain = certs_from(SGX_S1 "/pck_crl_issuer_chain.pem");
    uat_der_list *tcb = certs_from(SGX_DIR "/trust/Intel_SGX_TCB_Signing_2018-2025.pem");
    const struct {
        uat_span cert;
        uat_time nb, na;
    } want[] = {
        /* root: 2018-05-21T10:45:10Z .. 2049-12-31T23:59:59Z */
        {item(chain, 1), 1526899510, 2524607999},
        /* Processor CA and TCB Signing: 2018-05-21T10:50:10Z .. 2033- and 2025-05-21T10:50:10Z */
        {item(chain, 0), 1526899810, 2000285410},
        {item(tcb, 0), 1526899810, 1747824610},
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        uat_time nb = 0, na = 0;
        assert_ok(uat_x509_validity(want[i].cert, &nb, &na));
        assert_int_equal(nb, want[i].nb);
        assert_int_equal(na, want[i].na);
    }
    uat_buf *b = copy_of(item(chain, 1));
    uat_time nb = 0, na = 0;
    assert_ok(uat_buf_put_u8(b, 0x00));
    assert_fail(uat_x509_validity(uat_buf_span(b), &nb, &na), UAT_ERR_PARSE_BAD_CERT, "x509.cert");
}

static void test_x509_public_key(void **state)
{
    (void)state;
    uat_der_list *old = certs_from(SGX_DIR "/trust/Intel_SGX_TCB_Signing_2018-2025.pem");
    uat_der_list *renewed = certs_from(SGX_DIR "/trust/Intel_SGX_TCB_Signing_2025-2032_chain.pem");
    uat_key *a = NULL, *b = NULL;
    assert_int_equal(renewed->n, 2);
    assert_ok(uat_x509_public_key(item(old, 0), &a));
    keep(a);
    assert_ok(uat_x509_public_key(item(renewed, 0), &b));
    keep(b);
    assert_int_equal(uat_key_kind_of(a), UAT_KEY_EC_P256);
    assert_false(uat_key_is_private(a));
    /* PROVENANCE.md: the re-issued TCB Signing cert carries the same key */
    assert_same_key(a, b);
    b = NULL;
    assert_fail(uat_x509_public_key(str_span("garbage"), &b), UAT_ERR_PARSE_BAD_CERT, "x509.cert");
    assert_fail(uat_x509_public_key(uat_span_of(item(old, 0).p, item(old, 0).len - 1), &b),
                UAT_ERR_PARSE_BAD_CERT, "x509.cert");
    assert_null(b);
}

static void test_x509_processor_ca_with_root_crl(void **state)
{
    (void)state;
    uat_span leaf = item(certs_from(SGX_S1 "/pck_crl_issuer_chain.pem"), 0);
    uat_der_list *root = certs_from(SGX_DIR "/trust/Intel_SGX_Root_CA.der");
    uat_der_list *crl = crls_from(SGX_S1 "/root_ca_crl.der");
    uat_chain_args a = chain_args(leaf, root, crl, T_2025_06_20);
    expect_chain(&a, UAT_OK);
    a.at = T_2026_05_01; /* after the CRL's nextUpdate */
    expect_chain(&a, UAT_ERR_VERIFY_EXPIRED);
    a.at = T_2025_01_01; /* before its thisUpdate */
    expect_chain(&a, UAT_ERR_VERIFY_EXPIRED);
    a = chain_args(leaf, root, NULL, T_2025_06_20);
    a.require_crls = 1; /* required, none given: missing collateral */
    expect_chain(&a, UAT_ERR_VERIFY_COLLATERAL);
    a.require_crls = 0;
    expect_chain(&a, UAT_OK);
}

static void test_x509_tcb_signing_validity(void **state)
{
    (void)state;
    uat_span old = item(certs_from(SGX_DIR "/trust/Intel_SGX_TCB_Signing_2018-2025.pem"), 0);
    uat_span renewed =
        item(certs_from(SGX_DIR "/trust/Intel_SGX_TCB_Signing_2025-2032_chain.pem"), 0);
    uat_der_list *root = certs_from(SGX_DIR "/trust/Intel_SGX_Root_CA.der");
    uat_der_list *crl = crls_from(SGX_S1 "/root_ca_crl.der");
    uat_chain_args a = chain_args(old, root, NULL, T_2024_01_01);
    expect_chain(&a, UAT_OK);
    a.at = T_2026_01_01;
    expect_chain(&a, UAT_ERR_VERIFY_EXPIRED);
    a.at = T_2018_01_01; /* before notBefore */
    expect_chain(&a, UAT_ERR_VERIFY_EXPIRED);
    a = chain_args(renewed, root, crl, T_2025_06_20);
    expect_chain(&a, UAT_OK);
    a = chain_args(renewed, root, NULL, T_2025_05_01);
    expect_chain(&a, UAT_ERR_VERIFY_EXPIRED);
}

static void test_x509_pck_leaf_three_levels(void **state)
{
    (void)state;
    uat_der_list *certs = quote_certs(), *inter = new_list();
    uat_der_list *root = certs_from(SGX_DIR "/trust/Intel_SGX_Root_CA.der");
    uat_der_list *crls = crls_from(SGX_S1 "/root_ca_crl.der");
    assert_ok(uat_der_list_add(inter, item(certs, 1)));
    uat_chain_args a = chain_args(item(certs, 0), root, crls, T_2025_06_20);
    a.intermediates = inter;
    /* every CA needs its CRL: the Processor CA's is still missing */
    expect_chain(&a, UAT_ERR_VERIFY_COLLATERAL);
    assert_ok(uat_der_list_load_crls(uat_buf_span(read_file(SGX_S1 "/pck_crl.der")), crls));
    expect_chain(&a, UAT_OK);
    a.at = T_2025_08_01; /* the PCK CRL has expired */
    expect_chain(&a, UAT_ERR_VERIFY_EXPIRED);
    a = chain_args(item(certs, 0), root, NULL, T_2025_06_20);
    expect_chain(&a, UAT_ERR_VERIFY_CHAIN); /* no path without the intermediate */
    a = chain_args(item(certs, 0), inter, NULL, T_2025_06_20);
    expect_chain(&a, UAT_OK); /* a trusted intermediate anchors on its own (documented) */
}

static void test_x509_anchor_errors(void **state)
{
    (void)state;
    uat_span leaf = item(certs_from(SGX_S1 "/pck_crl_issuer_chain.pem"), 0);
    uat_chain_args a = chain_args(leaf, NULL, NULL, T_2025_06_20);
    expect_chain(&a, UAT_ERR_USAGE_NO_TRUST_ANCHOR);
    a.anchors = new_list();
    expect_chain(&a, UAT_ERR_USAGE_NO_TRUST_ANCHOR);
    a.check = NULL;
    expect_chain(&a, UAT_ERR_USAGE_NO_TRUST_ANCHOR);
    /* another vendor's roots (AMD ASK + ARK Milan), then a self-signed CA of our own */
    a = chain_args(leaf, certs_from(SNP_DIR "/trust/ask_ark_milan.pem"), NULL, T_2025_06_20);
    assert_int_equal(a.anchors->n, 2);
    expect_chain(&a, UAT_ERR_VERIFY_CHAIN);
    a = chain_args(leaf, certs_from(DATA_DIR "/test_ca.der"), NULL, T_2025_06_20);
    expect_chain(&a, UAT_ERR_VERIFY_CHAIN);
    assert_string_equal(uat_last_error()->field, "certificate");
}

static void test_x509_tampered_certificate(void **state)
{
    (void)state;
    uat_buf *b = copy_of(item(certs_from(SGX_S1 "/pck_crl_issuer_chain.pem"), 0));
    uat_chain_args a =
        chain_args(uat_buf_span(b), certs_from(SGX_DIR "/trust/Intel_SGX_Root_CA.der"),
                   crls_from(SGX_S1 "/root_ca_crl.der"), T_2025_06_20);
    /* the Processor CA is 668 bytes: its last byte lies in the signature's s, byte 340 in the
     * x coordinate of its own (signed) public key */
    assert_int_equal(b->len, 668);
    const size_t at[] = {667, 340};
    for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
        b->p[at[i]] ^= 0x01;
        uat_err e = uat_x509_verify_chain(&a);
        assert_true(e == UAT_ERR_VERIFY_CHAIN || e == UAT_ERR_PARSE_BAD_CERT);
        assert_string_equal(uat_last_error()->check, "test.chain");
        b->p[at[i]] ^= 0x01;
        expect_chain(&a, UAT_OK);
    }
    a.leaf = str_span("garbage");
    expect_chain(&a, UAT_ERR_PARSE_BAD_CERT);
    assert_ok(uat_buf_put_u8(b, 0x00));
    a.leaf = uat_buf_span(b);
    expect_chain(&a, UAT_ERR_PARSE_BAD_CERT); /* a byte after the DER */
}

static void test_x509_revoked(void **state)
{
    (void)state;
    uat_der_list *ca = certs_from(DATA_DIR "/test_ca.der");
    uat_der_list *crl = crls_from(DATA_DIR "/test_ca_crl.der");
    uat_span revoked = item(certs_from(DATA_DIR "/leaf_revoked.der"), 0);
    uat_chain_args a =
        chain_args(item(certs_from(DATA_DIR "/leaf_good.der"), 0), ca, crl, T_2030_01_01);
    expect_chain(&a, UAT_OK);
    a.leaf = revoked;
    expect_chain(&a, UAT_ERR_VERIFY_REVOKED);
    a = chain_args(revoked, ca, NULL, T_2030_01_01);
    expect_chain(&a, UAT_OK); /* revocation is only seen through a CRL */
}

/* ---- known bugs (see KNOWN_BUG) -------------------------------------------------------------- */

/* key.c jwk_ec: the x/y buffers are capped at 66 bytes, but uat_b64_decode reserves
 * n/4*3+2 = 68 bytes for 88 characters, so every P-521 JWK fails with RESOURCE_LIMIT. */
static void test_bug_jwk_p521(void **state)
{
    (void)state;
    KNOWN_BUG();
    assert_int_equal(uat_key_kind_of(jwk_key(A4_JWK)), UAT_KEY_EC_P521);
    assert_same_key(jwk_key(jwk_of(g_key[UAT_KEY_EC_P521])), g_key[UAT_KEY_EC_P521]);
}

/* key.c jwk_fill: OSSL_PKEY_PARAM_PUB_KEY comes back in the key's own point format, so a key
 * imported from a compressed SPKI point fails with CRYPTO_FAILURE. */
static void test_bug_jwk_export_compressed_point(void **state)
{
    (void)state;
    KNOWN_BUG();
    assert_string_equal(jwk_of(spki_key(uat_buf_span(unhex(P256_SPKI_COMPRESSED)))), A3_JWK_OUT);
}

/* key.c uat_key_from_jwk: a JSON array returns through UAT_ENSURE without json_decref, leaking
 * the parsed document (seen with UAT_SANITIZE=ON). */
static void test_bug_jwk_not_object_leaks(void **state)
{
    (void)state;
    KNOWN_BUG();
    uat_key *k = NULL;
    assert_fail(uat_key_from_jwk(str_span("[{\"kty\":\"EC\"}]"), &k), UAT_ERR_PARSE_BAD_JSON,
                "key.jwk");
}

/* x509.c uat_pem_decode_all: a PEM_read_bio failure is taken for the end of input, so a bundle
 * whose second block is damaged loads as a one-certificate bundle. */
static void test_bug_pem_damaged_block_ignored(void **state)
{
    (void)state;
    KNOWN_BUG();
    uat_buf *pem = read_file(SGX_S1 "/pck_crl_issuer_chain.pem");
    char *second = strstr((char *)pem->p + 1, "-----BEGIN CERTIFICATE-----");
    assert_non_null(second);
    second[40] = '*';
    assert_err(uat_der_list_load_certs(uat_buf_span(pem), new_list()), UAT_ERR_PARSE_BAD_CERT);
}

/* x509.c uat_x509_verify_chain: any CRL given turns on X509_V_FLAG_CRL_CHECK_ALL, so with
 * require_crls = 0 a CA without a CRL still fails "unable to get certificate CRL". */
static void test_bug_crls_optional(void **state)
{
    (void)state;
    KNOWN_BUG();
    uat_der_list *certs = quote_certs(), *inter = new_list();
    assert_ok(uat_der_list_add(inter, item(certs, 1)));
    uat_chain_args a =
        chain_args(item(certs, 0), certs_from(SGX_DIR "/trust/Intel_SGX_Root_CA.der"),
                   crls_from(SGX_S1 "/root_ca_crl.der"), T_2025_06_20);
    a.intermediates = inter;
    a.require_crls = 0;
    expect_chain(&a, UAT_OK);
}

/* x509.c uat_x509_verify_chain once used X509_V_FLAG_X509_STRICT, which demands an authority key
 * identifier that AMD's VCEK and VLEK certificates do not carry. */
static void test_bug_amd_vcek_chain(void **state)
{
    (void)state;
    KNOWN_BUG();
    uat_der_list *ask_ark = certs_from(SNP_DIR "/trust/ask_ark_milan.pem"), *ark = new_list();
    assert_ok(uat_der_list_add(ark, item(ask_ark, 1)));
    uat_chain_args a = chain_args(item(certs_from(SNP_DIR "/n1-gosevguest-milan-vcek/vcek.der"), 0),
                                  ark, NULL, T_2025_06_20);
    a.intermediates = ask_ark;
    expect_chain(&a, UAT_OK);
    /* the upstream negative test cert is not signed by AMD */
    a.leaf = item(certs_from(SNP_DIR "/n2-trustee-milan-vcek/NEG_vcek-invalid-new.der"), 0);
    expect_chain(&a, UAT_ERR_VERIFY_CHAIN);
}

/* A path must have the length the vendor's PKI gives it: the ASK straight under the ARK is a
 * valid two-certificate path, but not a three-certificate VCEK path. */
static void test_store_verify_depth(void **state)
{
    (void)state;
    uat_der_list *ask_ark = certs_from(SNP_DIR "/trust/ask_ark_milan.pem");
    uat_cert *ask = NULL, *ark = NULL, *vcek = NULL;
    uat_x509_store *x = NULL;
    assert_ok(uat_cert_parse(item(ask_ark, 0), &ask));
    assert_ok(uat_cert_parse(item(ask_ark, 1), &ark));
    assert_ok(uat_cert_parse(item(certs_from(SNP_DIR "/n1-gosevguest-milan-vcek/vcek.der"), 0),
                             &vcek));
    assert_ok(uat_x509_store_new(&ark, 1, NULL, &x));
    assert_ok(uat_x509_store_verify(x, vcek, &ask, 1, 0, 3, T_2025_06_20, "t"));
    assert_ok(uat_x509_store_verify(x, vcek, &ask, 1, 0, 0, T_2025_06_20, "t"));
    assert_err(uat_x509_store_verify(x, vcek, &ask, 1, 0, 4, T_2025_06_20, "t"),
               UAT_ERR_VERIFY_CHAIN);
    assert_string_equal(uat_last_error()->field, "depth");
    assert_ok(uat_x509_store_verify(x, ask, NULL, 0, 0, 2, T_2025_06_20, "t"));
    assert_err(uat_x509_store_verify(x, ask, NULL, 0, 0, 3, T_2025_06_20, "t"),
               UAT_ERR_VERIFY_CHAIN);
    uat_x509_store_free(x);
    uat_cert_free(ask);
    uat_cert_free(ark);
    uat_cert_free(vcek);
}

/* ---- TPM keys and schemes (uat_key_from_rsa, uat_sig_*_scheme, uat_x509_issue) ---------- */

static void test_tpm_rsa_key_from_modulus(void **state)
{
    (void)state;
    uat_buf *n = unb64u(A2_N);
    static const uint8_t e[] = {0x01, 0x00, 0x01};
    uat_key *k = NULL;
    assert_ok(uat_key_from_rsa(uat_buf_span(n), uat_span_of(e, 3), &k));
    keep(k);
    /* the RFC 7515 A.2 signature verifies with the key made from n and e */
    assert_ok(verify(k, UAT_SIG_RS256, str_span(A2_INPUT), uat_buf_span(unb64u(A2_SIG))));
    assert_ok(uat_sig_verify_scheme(k, UAT_SCHEME_RSASSA, UAT_HASH_SHA256, str_span(A2_INPUT),
                                    uat_buf_span(unb64u(A2_SIG)), "t"));
    assert_true(uat_key_equal(k, jwk_key(A2_JWK)));
    assert_false(uat_key_equal(k, g_key[UAT_KEY_RSA]));
    assert_false(uat_key_equal(k, NULL));
    uat_buf *back = new_buf();
    uint64_t eb = 0;
    assert_ok(uat_key_rsa_public(k, back, &eb));
    assert_true(eb == 65537);
    assert_bytes(uat_buf_span(back), uat_buf_span(n));
    assert_err(uat_key_rsa_public(g_key[UAT_KEY_EC_P256], back, &eb), UAT_ERR_CRYPTO_BAD_KEY);
    /* not a key: an even modulus, a short one, a leading zero, an even or unit exponent */
    uat_buf *bad = copy_of(uat_buf_span(n));
    bad->p[bad->len - 1] &= 0xfe;
    assert_fail(uat_key_from_rsa(uat_buf_span(bad), uat_span_of(e, 3), &k), UAT_ERR_CRYPTO_BAD_KEY,
                "key.rsa");
    assert_fail(uat_key_from_rsa(uat_span_of(n->p, 127), uat_span_of(e, 3), &k),
                UAT_ERR_CRYPTO_BAD_KEY, "key.rsa");
    bad = copy_of(uat_buf_span(n));
    bad->p[0] = 0;
    assert_fail(uat_key_from_rsa(uat_buf_span(bad), uat_span_of(e, 3), &k), UAT_ERR_CRYPTO_BAD_KEY,
                "key.rsa");
    static const uint8_t even[] = {0x01, 0x00, 0x00}, one[] = {0x01};
    assert_fail(uat_key_from_rsa(uat_buf_span(n), uat_span_of(even, 3), &k), UAT_ERR_CRYPTO_BAD_KEY,
                "key.rsa");
    assert_fail(uat_key_from_rsa(uat_buf_span(n), uat_span_of(one, 1), &k), UAT_ERR_CRYPTO_BAD_KEY,
                "key.rsa");
}

static void test_tpm_sig_schemes(void **state)
{
    (void)state;
    uat_span msg = str_span("TPMS_ATTEST");
    const struct {
        enum uat_key_kind key;
        enum uat_sig_scheme scheme;
    } pairs[] = {{UAT_KEY_RSA, UAT_SCHEME_RSASSA}, {UAT_KEY_RSA, UAT_SCHEME_RSAPSS},
                 {UAT_KEY_EC_P256, UAT_SCHEME_ECDSA}, {UAT_KEY_EC_P384, UAT_SCHEME_ECDSA},
                 {UAT_KEY_EC_P521, UAT_SCHEME_ECDSA}};
    const enum uat_hash_alg hashes[] = {UAT_HASH_SHA1, UAT_HASH_SHA256, UAT_HASH_SHA384,
                                        UAT_HASH_SHA512};
    for (size_t p = 0; p < sizeof(pairs) / sizeof(pairs[0]); p++) {
        const uat_key *k = g_key[pairs[p].key];
        for (size_t h = 0; h < 4; h++) {
            uat_buf *sig = new_buf();
            assert_ok(uat_sig_sign_scheme(k, pairs[p].scheme, hashes[h], msg, sig));
            assert_ok(uat_sig_verify_scheme(k, pairs[p].scheme, hashes[h], msg, uat_buf_span(sig),
                                            "t"));
            /* another hash, another key, another message */
            assert_fail(uat_sig_verify_scheme(k, pairs[p].scheme, hashes[(h + 1) % 4], msg,
                                              uat_buf_span(sig), "t"),
                        UAT_ERR_VERIFY_SIGNATURE, "t");
            assert_fail(uat_sig_verify_scheme(g_other[pairs[p].key], pairs[p].scheme, hashes[h],
                                              msg, uat_buf_span(sig), "t"),
                        UAT_ERR_VERIFY_SIGNATURE, "t");
            assert_fail(uat_sig_verify_scheme(k, pairs[p].scheme, hashes[h], str_span("other"),
                                              uat_buf_span(sig), "t"),
                        UAT_ERR_VERIFY_SIGNATURE, "t");
        }
    }
    /* ECDSA P-256 with SHA-384 is what uat_sig_verify's ES384 refuses: the curve decides there */
    uat_buf *sig = new_buf();
    assert_ok(uat_sig_sign_scheme(g_key[UAT_KEY_EC_P256], UAT_SCHEME_ECDSA, UAT_HASH_SHA384, msg,
                                  sig));
    assert_int_equal(sig->len, 64);
    assert_err(verify(g_key[UAT_KEY_EC_P256], UAT_SIG_ES384, msg, uat_buf_span(sig)),
               UAT_ERR_CRYPTO_BAD_KEY);
    assert_fail(uat_sig_verify_scheme(g_key[UAT_KEY_EC_P256], UAT_SCHEME_ECDSA, UAT_HASH_SHA384,
                                      msg, uat_span_of(sig->p, 63), "t"),
                UAT_ERR_VERIFY_SIGNATURE, "t");
    /* PKCS#1 v1.5 and PSS do not stand in for each other; keys must fit the scheme */
    uat_buf *pkcs1 = new_buf();
    assert_ok(uat_sig_sign_scheme(g_key[UAT_KEY_RSA], UAT_SCHEME_RSASSA, UAT_HASH_SHA256, msg,
                                  pkcs1));
    assert_fail(uat_sig_verify_scheme(g_key[UAT_KEY_RSA], UAT_SCHEME_RSAPSS, UAT_HASH_SHA256, msg,
                                      uat_buf_span(pkcs1), "t"),
                UAT_ERR_VERIFY_SIGNATURE, "t");
    assert_fail(uat_sig_verify_scheme(g_key[UAT_KEY_EC_P256], UAT_SCHEME_RSASSA, UAT_HASH_SHA256,
                                      msg, uat_buf_span(pkcs1), "t"),
                UAT_ERR_CRYPTO_BAD_KEY, "t");
    assert_fail(uat_sig_verify_scheme(g_key[UAT_KEY_RSA], UAT_SCHEME_ECDSA, UAT_HASH_SHA256, msg,
                                      uat_buf_span(pkcs1), "t"),
                UAT_ERR_CRYPTO_BAD_KEY, "t");
    assert_fail(uat_sig_verify_scheme(g_key[UAT_KEY_ED25519], UAT_SCHEME_ECDSA, UAT_HASH_SHA256,
                                      msg, uat_buf_span(pkcs1), "t"),
                UAT_ERR_CRYPTO_BAD_KEY, "t");
}

/* The two salts a TPM uses for RSASSA-PSS: the digest length and the largest (openssl CLI). */
static void test_tpm_pss_salts(void **state)
{
    (void)state;
    const uat_key *k = spki_key(uat_buf_span(read_file(DATA_DIR "/rsa2048_spki.der")));
    uat_span msg = str_span(PSS_MSG);
    assert_ok(uat_sig_verify_scheme(k, UAT_SCHEME_RSAPSS, UAT_HASH_SHA256, msg,
                                    uat_buf_span(read_file(DATA_DIR "/rsa2048_ps256.sig")), "t"));
    assert_ok(uat_sig_verify_scheme(
        k, UAT_SCHEME_RSAPSS, UAT_HASH_SHA256, msg,
        uat_buf_span(read_file(DATA_DIR "/rsa2048_ps256_saltmax.sig")), "t"));
    assert_fail(uat_sig_verify_scheme(k, UAT_SCHEME_RSAPSS, UAT_HASH_SHA384, msg,
                                      uat_buf_span(read_file(DATA_DIR "/rsa2048_ps256_saltmax.sig")),
                                      "t"),
                UAT_ERR_VERIFY_SIGNATURE, "t");
    assert_fail(uat_sig_verify_scheme(k, UAT_SCHEME_RSAPSS, UAT_HASH_SHA256, msg,
                                      uat_buf_span(read_file(DATA_DIR "/rsa2048_rs256.sig")), "t"),
                UAT_ERR_VERIFY_SIGNATURE, "t");
}

static void test_x509_issue(void **state)
{
    (void)state;
    static const uint8_t ca_true[] = {0x30, 0x03, 0x01, 0x01, 0xff};
    uat_x509_ext_spec bc = {"2.5.29.19", 1, uat_span_of(ca_true, sizeof(ca_true))};
    const uat_key *ca = g_key[UAT_KEY_EC_P384], *leaf_key = g_other[UAT_KEY_EC_P256];
    uat_buf *root = new_buf(), *inter = new_buf(), *leaf = new_buf(), *bad = new_buf();
    assert_ok(uat_x509_self_signed(ca, "test root", T_2024_01_01, T_2026_01_01, &bc, 1, root));
    assert_ok(uat_x509_issue(ca, uat_buf_span(root), g_key[UAT_KEY_RSA], "test intermediate", 1,
                             T_2024_01_01, T_2026_01_01, inter));
    assert_ok(uat_x509_issue(g_key[UAT_KEY_RSA], uat_buf_span(inter), leaf_key, "test leaf", 0,
                             T_2024_01_01, T_2026_01_01, leaf));
    uat_key *got = NULL;
    assert_ok(uat_x509_public_key(uat_buf_span(leaf), &got));
    keep(got);
    assert_true(uat_key_equal(got, leaf_key));
    uat_der_list *anchors = new_list(), *inters = new_list();
    assert_ok(uat_der_list_add(anchors, uat_buf_span(root)));
    assert_ok(uat_der_list_add(inters, uat_buf_span(inter)));
    uat_chain_args a = {uat_buf_span(leaf), inters, anchors, NULL, 0, T_2025_01_01, "t"};
    assert_ok(uat_x509_verify_chain(&a));
    a.at = T_2026_05_01;
    assert_err(uat_x509_verify_chain(&a), UAT_ERR_VERIFY_EXPIRED);
    /* a certificate issued by a leaf (CA:FALSE) does not chain */
    assert_ok(uat_x509_issue(leaf_key, uat_buf_span(leaf), g_other[UAT_KEY_EC_P384], "under leaf",
                             0, T_2024_01_01, T_2026_01_01, bad));
    assert_ok(uat_der_list_add(inters, uat_buf_span(leaf)));
    uat_chain_args b = {uat_buf_span(bad), inters, anchors, NULL, 0, T_2025_01_01, "t"};
    assert_err(uat_x509_verify_chain(&b), UAT_ERR_VERIFY_CHAIN);
    /* the issuer must hold its private key */
    assert_fail(uat_x509_issue(public_copy(ca), uat_buf_span(root), leaf_key, "x", 0, T_2024_01_01,
                               T_2026_01_01, bad),
                UAT_ERR_CRYPTO_BAD_KEY, "x509.make");
}

/* ---- runner ---------------------------------------------------------------------------------- */

static int keys_setup(void **state)
{
    (void)state;
    FILE *f = fopen(DATA_DIR "/rsa2048_spki.der", "rb");
    uint8_t der[1024];
    size_t n = f ? fread(der, 1, sizeof(der), f) : 0;
    if (f != NULL) {
        fclose(f);
    }
    for (int i = 0; i < (int)UAT_KEY_OTHER; i++) {
        if (uat_key_generate((enum uat_key_kind)i, &g_key[i]) != UAT_OK) {
            return -1;
        }
        /* a second 3072-bit RSA key is slow to make: it comes from the test data */
        uat_err e = i == UAT_KEY_RSA ? uat_key_from_spki_der(uat_span_of(der, n), &g_other[i])
                                     : uat_key_generate((enum uat_key_kind)i, &g_other[i]);
        if (e != UAT_OK) {
            return -1;
        }
    }
    return 0;
}

static int keys_teardown(void **state)
{
    (void)state;
    for (int i = 0; i < (int)UAT_KEY_OTHER; i++) {
        uat_key_free(g_key[i]);
        uat_key_free(g_other[i]);
        g_key[i] = g_other[i] = NULL;
    }
    return 0;
}

#define T(f) cmocka_unit_test_teardown(f, release)
/* clang-format off */
#define SIG_T(i, name) {"sig_" name, test_sig_case, NULL, release, (void *)&SIG_CASES[i]}
/* clang-format on */

/* The SPKI of EC keys is written without OpenSSL's encoder: it must be the DER OpenSSL reads
 * back as the same key, with the RFC 5480 header and the uncompressed point, for every curve. */
static void test_ec_spki_direct(void **state)
{
    (void)state;
    static const struct {
        enum uat_key_kind kind;
        size_t len;
    } kinds[] = {{UAT_KEY_EC_P256, 91}, {UAT_KEY_EC_P384, 120}, {UAT_KEY_EC_P521, 158}};
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        uat_key *k = NULL, *back = NULL;
        assert_ok(uat_key_generate(kinds[i].kind, &k));
        uat_buf *der = spki_of(k);
        assert_int_equal(der->len, kinds[i].len);
        assert_ok(uat_key_from_spki_der(uat_buf_span(der), &back));
        assert_true(uat_key_equal(k, back));
        uat_buf *again = spki_of(back);
        assert_bytes(uat_buf_span(again), uat_buf_span(der));
        uat_key_free(back);
        uat_key_free(k);
    }
    uat_key *rsa = NULL, *back = NULL; /* the generic encoder still serves other keys */
    assert_ok(uat_key_generate(UAT_KEY_RSA, &rsa));
    assert_ok(uat_key_from_spki_der(uat_buf_span(spki_of(rsa)), &back));
    assert_true(uat_key_equal(rsa, back));
    uat_key_free(back);
    uat_key_free(rsa);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_hash_abc_vectors),
        T(test_ec_spki_direct),
        T(test_hash_multipart_equals_one_part),
        T(test_hash_unknown_algorithm),
        SIG_T(0, "es256"),
        SIG_T(1, "es384"),
        SIG_T(2, "es512"),
        SIG_T(3, "es256_der"),
        SIG_T(4, "es384_der"),
        SIG_T(5, "es512_der"),
        SIG_T(6, "rs256"),
        SIG_T(7, "rs384"),
        SIG_T(8, "rs512"),
        SIG_T(9, "ps256"),
        SIG_T(10, "ps384"),
        SIG_T(11, "ps512"),
        SIG_T(12, "eddsa"),
        T(test_sig_rsa_padding_not_interchangeable),
        T(test_sig_rsa_openssl_interop),
        T(test_sig_kat_es256_rfc7515_a3),
        T(test_sig_kat_rs256_rfc7515_a2),
        T(test_sig_kat_eddsa_rfc8032_rfc8037),
        T(test_store_verify_depth),
        T(test_key_generate),
        T(test_key_pem_round_trip),
        T(test_key_pem_certificate_and_garbage),
        T(test_key_spki_der),
        T(test_key_ec_point),
        T(test_key_jwk_rfc_keys),
        T(test_key_jwk_errors),
        T(test_key_jwk_spki_direct),
        T(test_key_jwk_export_round_trip),
        T(test_x509_load),
        T(test_x509_validity),
        T(test_x509_public_key),
        T(test_x509_processor_ca_with_root_crl),
        T(test_x509_tcb_signing_validity),
        T(test_x509_pck_leaf_three_levels),
        T(test_x509_anchor_errors),
        T(test_x509_tampered_certificate),
        T(test_x509_revoked),
        T(test_bug_jwk_p521),
        T(test_bug_jwk_export_compressed_point),
        T(test_bug_jwk_not_object_leaks),
        T(test_bug_pem_damaged_block_ignored),
        T(test_bug_crls_optional),
        T(test_bug_amd_vcek_chain),
        T(test_tpm_rsa_key_from_modulus),
        T(test_tpm_sig_schemes),
        T(test_tpm_pss_salts),
        T(test_x509_issue),
    };
    return cmocka_run_group_tests(tests, keys_setup, keys_teardown);
}
