/* Unit tests for interoperable RA-TLS (src/ratls): the extension parser (negative cases first),
 * the corpus extensions parsed, certificates without or with a doubled extension, evidence under
 * another TEE's tag, and sim-based certificates made by uat_ratls_cert_new for P-256, P-384 and
 * RSA-3072 keys. Real-certificate verification: test_ratls_corpus.c. */
#include "ratls_test.h"

/* ---- the extension parser: negative cases first ---- */

/* hash-entry [alg, h'<len bytes>'] */
static void put_entry(uat_buf *b, uint64_t alg, size_t len)
{
    uint8_t h[80];
    memset(h, 0x11, sizeof(h));
    assert_ok(uat_cbor_put_head(b, UAT_CBOR_ARRAY, 2));
    assert_ok(uat_cbor_put_head(b, UAT_CBOR_UINT, alg));
    assert_ok(uat_cbor_put_string(b, UAT_CBOR_BSTR, h, len));
}

static void put_tstr(uat_buf *b, const char *s)
{
    assert_ok(uat_cbor_put_string(b, UAT_CBOR_TSTR, s, strlen(s)));
}

/* {"pubkey-hash": h'[1, h'11...']'} */
static void good_claims(uat_buf *b)
{
    uat_buf e;
    uat_buf_init(&e, 256);
    put_entry(&e, 1, 32);
    assert_ok(uat_cbor_put_head(b, UAT_CBOR_MAP, 1));
    put_tstr(b, "pubkey-hash");
    assert_ok(uat_cbor_put_string(b, UAT_CBOR_BSTR, e.p, e.len));
    uat_buf_free(&e);
}

/* tag 60000([h'010203', claims]) with claims given as raw bytes */
static void tagged(uat_buf *out, const uat_buf *claims)
{
    static const uint8_t ev[] = {1, 2, 3};
    uat_buf_init(out, 1 << 16);
    assert_ok(uat_ratls_ext_build(60000, NULL, uat_span_of(ev, sizeof(ev)), uat_buf_span(claims),
                                  out));
}

static uat_buf g_ext; /* the last extension parse_claims_case parsed: e's spans point into it */

static uat_err parse_claims_case(void (*build)(uat_buf *), uat_ratls_ext *e)
{
    uat_buf claims;
    uat_buf_init(&claims, 1 << 16);
    build(&claims);
    uat_buf_free(&g_ext);
    tagged(&g_ext, &claims);
    uat_buf_free(&claims);
    return uat_ratls_ext_parse(uat_buf_span(&g_ext), e);
}

static void c_missing_hash(uat_buf *b)
{
    assert_ok(uat_cbor_put_head(b, UAT_CBOR_MAP, 1));
    put_tstr(b, "nonce");
    assert_ok(uat_cbor_put_string(b, UAT_CBOR_BSTR, "n", 1));
}
static void c_dup(uat_buf *b)
{
    assert_ok(uat_cbor_put_head(b, UAT_CBOR_MAP, 2));
    for (int i = 0; i < 2; i++) {
        put_tstr(b, "pubkey-hash");
        put_entry(b, 1, 32);
    }
}
static void c_int_key(uat_buf *b)
{
    assert_ok(uat_cbor_put_head(b, UAT_CBOR_MAP, 1));
    assert_ok(uat_cbor_put_head(b, UAT_CBOR_UINT, 1));
    put_entry(b, 1, 32);
}
static void c_short_hash(uat_buf *b)
{
    assert_ok(uat_cbor_put_head(b, UAT_CBOR_MAP, 1));
    put_tstr(b, "pubkey-hash");
    put_entry(b, 1, 31);
}
static void c_sha384_len48(uat_buf *b)
{
    assert_ok(uat_cbor_put_head(b, UAT_CBOR_MAP, 1));
    put_tstr(b, "pubkey-hash");
    put_entry(b, 7, 48);
}
static void c_bad_alg(uat_buf *b)
{
    assert_ok(uat_cbor_put_head(b, UAT_CBOR_MAP, 1));
    put_tstr(b, "pubkey-hash");
    put_entry(b, 2, 32);
}
static void c_hash_tstr(uat_buf *b)
{
    assert_ok(uat_cbor_put_head(b, UAT_CBOR_MAP, 1));
    put_tstr(b, "pubkey-hash");
    put_tstr(b, "11");
}
static void c_hash_trailing(uat_buf *b)
{
    uat_buf e;
    uat_buf_init(&e, 256);
    put_entry(&e, 1, 32);
    assert_ok(uat_buf_put_u8(&e, 0));
    assert_ok(uat_cbor_put_head(b, UAT_CBOR_MAP, 1));
    put_tstr(b, "pubkey-hash");
    assert_ok(uat_cbor_put_string(b, UAT_CBOR_BSTR, e.p, e.len));
    uat_buf_free(&e);
}
static void c_nonce_tstr(uat_buf *b)
{
    assert_ok(uat_cbor_put_head(b, UAT_CBOR_MAP, 2));
    put_tstr(b, "pubkey-hash");
    put_entry(b, 1, 32);
    put_tstr(b, "nonce");
    put_tstr(b, "abc");
}
static void c_deep(uat_buf *b)
{
    assert_ok(uat_cbor_put_head(b, UAT_CBOR_MAP, 2));
    put_tstr(b, "pubkey-hash");
    put_entry(b, 1, 32);
    put_tstr(b, "deep");
    for (int i = 0; i < 40; i++) {
        assert_ok(uat_cbor_put_head(b, UAT_CBOR_ARRAY, 1));
    }
    assert_ok(uat_cbor_put_head(b, UAT_CBOR_UINT, 0));
}
static void c_unknown_ok(uat_buf *b)
{
    assert_ok(uat_cbor_put_head(b, UAT_CBOR_MAP, 3));
    put_tstr(b, "x-vendor");
    assert_ok(uat_cbor_put_head(b, UAT_CBOR_ARRAY, 2));
    assert_ok(uat_cbor_put_head(b, UAT_CBOR_NEGINT, 5));
    assert_ok(uat_cbor_put_head(b, UAT_CBOR_MAP, 1));
    put_tstr(b, "a");
    assert_ok(uat_buf_put_u8(b, 0xf5)); /* true */
    put_tstr(b, "pubkey-hash");
    put_entry(b, 8, 64); /* the bare array form, SHA-512 */
    put_tstr(b, "nonce");
    assert_ok(uat_cbor_put_string(b, UAT_CBOR_BSTR, "\x01\x02", 2));
}
static void c_bad_utf8(uat_buf *b)
{
    assert_ok(uat_cbor_put_head(b, UAT_CBOR_MAP, 2));
    put_tstr(b, "pubkey-hash");
    put_entry(b, 1, 32);
    assert_ok(uat_cbor_put_string(b, UAT_CBOR_TSTR, "\xc0\xaf", 2)); /* overlong '/' */
    assert_ok(uat_cbor_put_head(b, UAT_CBOR_UINT, 0));
}
static void c_trailing(uat_buf *b)
{
    good_claims(b);
    assert_ok(uat_buf_put_u8(b, 0));
}

static void test_claims_negative(void **state)
{
    (void)state;
    uat_ratls_ext e;
    memset(&e, 0xa5, sizeof(e));
    assert_err(parse_claims_case(c_missing_hash, &e), UAT_ERR_PARSE_BAD_CBOR);
    assert_int_equal(e.form, 0xa5a5a5a5); /* untouched on failure */
    assert_err(parse_claims_case(c_dup, &e), UAT_ERR_PARSE_BAD_CBOR);
    assert_err(parse_claims_case(c_int_key, &e), UAT_ERR_PARSE_BAD_CBOR);
    assert_err(parse_claims_case(c_short_hash, &e), UAT_ERR_PARSE_BAD_LENGTH);
    assert_err(parse_claims_case(c_bad_alg, &e), UAT_ERR_UNSUPPORTED_ALGORITHM);
    assert_err(parse_claims_case(c_hash_tstr, &e), UAT_ERR_PARSE_BAD_CBOR);
    assert_err(parse_claims_case(c_hash_trailing, &e), UAT_ERR_PARSE_TRAILING_BYTES);
    assert_err(parse_claims_case(c_nonce_tstr, &e), UAT_ERR_PARSE_BAD_CBOR);
    assert_err(parse_claims_case(c_deep, &e), UAT_ERR_PARSE_TOO_DEEP);
    assert_err(parse_claims_case(c_bad_utf8, &e), UAT_ERR_PARSE_BAD_CBOR);
    assert_err(parse_claims_case(c_trailing, &e), UAT_ERR_PARSE_TRAILING_BYTES);
    assert_ok(parse_claims_case(c_sha384_len48, &e));
    assert_int_equal(e.hash_alg, UAT_HASH_SHA384);
    assert_ok(parse_claims_case(c_unknown_ok, &e));
    assert_int_equal(e.hash_alg_id, 8);
    assert_int_equal(e.pubkey_hash_len, 64);
    assert_int_equal(e.unknown_claims, 1);
    assert_true(e.has_nonce && e.nonce.len == 2 && e.nonce.p[1] == 2);
    uat_buf_free(&g_ext);
}

typedef struct {
    const char *hex;
    uat_err want;
} raw_case;

static void hex_to_buf(const char *hex, uat_buf *b)
{
    uat_buf_init(b, 1 << 16);
    assert_ok(uat_hex_decode(hex, strlen(hex), b));
}

/* Hand-written outer shapes around claims C = a1 6b "pubkey-hash" 58 24 82 01 58 20 11*32. */
#define C_HEX                                                                                      \
    "a16b7075626b65792d68617368582482015820"                                                       \
    "1111111111111111111111111111111111111111111111111111111111111111"
#define C_BSTR "5833" C_HEX
static void test_outer_negative(void **state)
{
    (void)state;
    static const raw_case cases[] = {
        {"", UAT_ERR_PARSE_TRUNCATED},
        {"d9ea6082430102035833", UAT_ERR_PARSE_BAD_LENGTH},          /* claims cut short */
        {"d9ea608243010203" C_BSTR "00", UAT_ERR_PARSE_TRAILING_BYTES},
        {"d9ea608343010203" C_BSTR "40", UAT_ERR_PARSE_BAD_CBOR},    /* 3 entries */
        {"d9ea60a143010203" C_BSTR, UAT_ERR_PARSE_BAD_CBOR},         /* a map */
        {"d9ea608263010203" C_BSTR, UAT_ERR_PARSE_BAD_CBOR},         /* evidence as text */
        {"d9ea608240" C_BSTR, UAT_ERR_PARSE_BAD_LENGTH},             /* empty evidence */
        {"d9ea6082430102037833" C_HEX, UAT_ERR_PARSE_BAD_CBOR},      /* claims as text */
        {"d9ea609f43010203" C_BSTR "ff", UAT_ERR_PARSE_BAD_CBOR},    /* indefinite array */
        {"d9ea60980243010203" C_BSTR, UAT_ERR_PARSE_BAD_CBOR},       /* non-shortest head */
        {"da0000ea608243010203" C_BSTR, UAT_ERR_PARSE_BAD_CBOR},     /* non-shortest tag */
        {"d9ea60825f4201024103ff" C_BSTR, UAT_ERR_PARSE_BAD_CBOR},   /* indefinite bstr */
        {"d9ea60dc43010203" C_BSTR, UAT_ERR_PARSE_BAD_CBOR},         /* reserved ai 28 */
        {"d9ea60d9ea608243010203" C_BSTR, UAT_ERR_PARSE_BAD_CBOR},   /* a tag in the tag */
        {"8243010203" C_BSTR, UAT_ERR_PARSE_BAD_CBOR},               /* untagged, no record */
        {"8282646e6f706543010203" C_BSTR, UAT_ERR_PARSE_BAD_VALUE},  /* media type "nope" */
        {"828363612f624301020301" C_BSTR, UAT_ERR_PARSE_BAD_VALUE},  /* ind 1: not evidence */
        {"828363612f624301020310" C_BSTR, UAT_ERR_PARSE_BAD_VALUE},  /* ind 16: reserved */
        {"300b0408d9ea608241014100", UAT_ERR_PARSE_BAD_LENGTH},      /* DER lengths disagree */
        {"303f0c3d" "d9ea608243010203" C_BSTR, UAT_ERR_PARSE_BAD_VALUE}, /* UTF8String inside */
        {"3040043d" "d9ea608243010203" C_BSTR "00", UAT_ERR_PARSE_TRAILING_BYTES},
        {"203d" "d9ea608243010203" C_BSTR, UAT_ERR_PARSE_BAD_CBOR},  /* a negative integer */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uat_buf b;
        hex_to_buf(cases[i].hex, &b);
        uat_ratls_ext e;
        uat_err rc = uat_ratls_ext_parse(uat_buf_span(&b), &e);
        if (rc != cases[i].want) {
            fail_msg("case %zu (%s): %s, expected %s", i, cases[i].hex, uat_err_name(rc),
                     uat_err_name(cases[i].want));
        }
        uat_buf_free(&b);
    }
}

static void test_outer_positive(void **state)
{
    (void)state;
    uat_buf b;
    uat_ratls_ext e;
    /* the DICE wrapper SEQUENCE { OCTET STRING } around the tagged form */
    hex_to_buf("303f043d" "d9ea608243010203" C_BSTR, &b);
    assert_ok(uat_ratls_ext_parse(uat_buf_span(&b), &e));
    assert_true(e.dice_wrapped);
    assert_int_equal(e.form, UAT_RATLS_FORM_TAGGED);
    assert_int_equal(e.tag, 60000);
    assert_int_equal(e.evidence.len, 3);
    assert_int_equal(e.claims.len, 0x33);
    assert_int_equal(e.hash_alg, UAT_HASH_SHA256);
    uint8_t h[32];
    memset(h, 0x11, sizeof(h));
    assert_memory_equal(e.pubkey_hash, h, sizeof(h));
    assert_false(e.has_nonce);
    uat_buf_free(&b);
    /* the CMW form with an indicator (4 = evidence) */
    hex_to_buf("828363612f624301020304" C_BSTR, &b);
    assert_ok(uat_ratls_ext_parse(uat_buf_span(&b), &e));
    assert_int_equal(e.form, UAT_RATLS_FORM_CMW);
    assert_false(e.dice_wrapped);
    assert_string_equal(e.media_type, "a/b");
    assert_int_equal(e.cmw_record.len, 10);
    assert_int_equal(e.cmw_record.p[0], 0x83);
    uat_buf_free(&b);
    /* any tag number parses; the verifier decides whether a TEE has it */
    hex_to_buf("db0000000100000000" "8243010203" C_BSTR, &b);
    assert_ok(uat_ratls_ext_parse(uat_buf_span(&b), &e));
    assert_int_equal(e.tag, 0x100000000ull);
    uat_buf_free(&b);
}

/* ---- real certificates ---- */

static void expect_corpus_ext(const char *name, size_t claims_len, size_t unknown)
{
    uat_buf der;
    load_cert(name, &der);
    uat_cert *c = NULL;
    assert_ok(uat_cert_parse(uat_buf_span(&der), &c));
    uat_span v;
    size_t n = 0;
    assert_ok(uat_cert_ext_find(c, UAT_RATLS_OID_EVIDENCE, &v, &n));
    assert_int_equal(n, 1);
    uat_ratls_ext e;
    assert_ok(uat_ratls_ext_parse(v, &e));
    assert_int_equal(e.form, UAT_RATLS_FORM_TAGGED);
    assert_int_equal(e.tag, 60000);
    assert_int_equal(e.claims.len, claims_len);
    assert_int_equal(e.unknown_claims, unknown);
    assert_int_equal(e.hash_alg_id, 1);
    uat_buf spki;
    uat_buf_init(&spki, 4096);
    assert_ok(uat_cert_spki(c, &spki));
    uint8_t h[32];
    uat_span part = uat_buf_span(&spki);
    assert_ok(uat_hash(UAT_HASH_SHA256, &part, 1, h));
    assert_memory_equal(e.pubkey_hash, h, 32);
    uat_buf_free(&spki);
    uat_cert_free(c);
    uat_buf_free(&der);
}

static void test_corpus_ext_parse(void **state)
{
    (void)state;
    expect_corpus_ext("r1-gramine-interop+legacy.pem", 51, 0);
    expect_corpus_ext("r3-rats-tls-interop.pem", 81, 2); /* key_0, key_1 */
}

static void test_no_or_twice_extension(void **state)
{
    (void)state;
    uat_key *k = NULL;
    uat_buf der;
    cert_with(&k, NULL, uat_span_of(NULL, 0), &der);
    uat_ratls_opts o = sgx_opts(T_COLLATERAL, 0);
    assert_err(verify_buf(&der, &o, NULL), UAT_ERR_VERIFY_BINDING);
    assert_string_equal(uat_last_error()->check, "ratls.extension");
    o.legacy = 1;
    assert_err(verify_buf(&der, &o, NULL), UAT_ERR_VERIFY_BINDING);
    uat_buf_free(&der);
    /* the same extension twice (RFC 5280 §4.2) */
    uat_buf r1, two;
    load_cert("r1-gramine-interop+legacy.pem", &r1);
    size_t off = 0, len = 0;
    ext_at(&r1, UAT_RATLS_OID_EVIDENCE, &off, &len);
    uat_x509_ext_spec specs[2] = {{UAT_RATLS_OID_EVIDENCE, 0, uat_span_of(r1.p + off, len)},
                                  {UAT_RATLS_OID_EVIDENCE, 0, uat_span_of(r1.p + off, len)}};
    uat_buf_init(&two, 1 << 20);
    assert_ok(uat_x509_self_signed(k, "two", T_COLLATERAL - 60, T_COLLATERAL + 60, specs, 2, &two));
    assert_err(verify_buf(&two, &o, NULL), UAT_ERR_PARSE_BAD_CERT);
    uat_buf_free(&two);
    uat_buf_free(&r1);
    uat_key_free(k);
    /* not a certificate at all */
    static const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x01};
    assert_err(uat_ratls_verify_cert(junk, sizeof(junk), &o, NULL, NULL), UAT_ERR_PARSE_BAD_CERT);
    assert_err(uat_ratls_verify_cert(junk, sizeof(junk), NULL, NULL, NULL),
               UAT_ERR_USAGE_INVALID_ARGUMENT);
}

/* ---- certificates made by uat_ratls_cert_new (sim evidence) ---- */

static void parse_own_ext(const uint8_t *der, size_t n, uat_ratls_ext *e, uat_cert **c)
{
    assert_ok(uat_cert_parse(uat_span_of(der, n), c));
    uat_span v;
    size_t count = 0;
    assert_ok(uat_cert_ext_find(*c, UAT_RATLS_OID_EVIDENCE, &v, &count));
    assert_int_equal(count, 1);
    assert_ok(uat_ratls_ext_parse(v, e));
}

static void roundtrip(enum uat_ratls_key_kind kind, enum uat_key_kind want)
{
    uat_attester *a = sim_attester(g_a);
    uint8_t *der = NULL;
    size_t n = 0;
    char *pem = NULL;
    assert_ok(uat_ratls_cert_new(a, kind, NULL, 0, 0, 0, &der, &n, &pem));
    uat_ratls_ext e;
    uat_cert *c = NULL;
    parse_own_ext(der, n, &e, &c);
    assert_int_equal(uat_key_kind_of(uat_cert_key(c)), want);
    /* the sim TEE has no RA-TLS tag: the CMW form with its media type */
    assert_int_equal(e.form, UAT_RATLS_FORM_CMW);
    assert_string_equal(e.media_type, "application/vnd.uattest.sim-report");
    assert_false(e.has_nonce);
    uat_key *priv = NULL;
    assert_ok(uat_key_from_pem(uat_span_of(pem, strlen(pem)), &priv));
    assert_true(uat_key_is_private(priv));
    uat_verifier *v = sim_verifier(g_trust_a);
    uat_ratls_opts o = {v, NULL, NULL, 0, NULL, 0, 0};
    uat_claims *claims = NULL;
    assert_ok(uat_ratls_verify_cert(der, n, &o, &claims, NULL));
    assert_string_equal(uat_claims_tee(claims), "sim");
    /* report_data = SHA-256(claims-buffer) || 32 zero bytes */
    uint8_t h[32];
    char want_rd[129];
    assert_ok(uat_hash(UAT_HASH_SHA256, &e.claims, 1, h));
    uat_hex_encode(h, 32, want_rd);
    memset(want_rd + 64, '0', 64);
    want_rd[128] = '\0';
    assert_string_equal(uat_claims_get_string(claims, "report_data"), want_rd);
    uat_claims_free(claims);
    uat_verifier_free(v);
    v = sim_verifier(g_trust_b); /* another sim key's anchor only */
    o.verifier = v;
    assert_err(uat_ratls_verify_cert(der, n, &o, NULL, NULL), UAT_ERR_VERIFY_UNTRUSTED_KEY);
    uat_verifier_free(v);
    uat_key_free(priv);
    uat_cert_free(c);
    uat_wipe(pem, strlen(pem));
    free(pem);
    free(der);
    uat_attester_free(a);
}

static void test_sim_roundtrip_p256(void **state)
{
    (void)state;
    roundtrip(UAT_RATLS_KEY_P256, UAT_KEY_EC_P256);
}

static void test_sim_roundtrip_p384(void **state)
{
    (void)state;
    roundtrip(UAT_RATLS_KEY_P384, UAT_KEY_EC_P384);
}

static void test_sim_roundtrip_rsa3072(void **state)
{
    (void)state;
    roundtrip(UAT_RATLS_KEY_RSA3072, UAT_KEY_RSA);
}

static void test_sim_nonce_and_validity(void **state)
{
    (void)state;
    uat_attester *a = sim_attester(g_a);
    uint8_t nonce[16] = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6};
    uint8_t *der = NULL;
    size_t n = 0;
    char *pem = NULL;
    assert_err(uat_ratls_cert_new(a, UAT_RATLS_KEY_P256, NULL, 0, 100, 100, &der, &n, &pem),
               UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_err(uat_ratls_cert_new(a, (enum uat_ratls_key_kind)9, NULL, 0, 0, 0, &der, &n, &pem),
               UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_ok(uat_ratls_cert_new(a, UAT_RATLS_KEY_P256, nonce, sizeof(nonce), 1000000000,
                                 2000000000, &der, &n, &pem));
    uat_ratls_ext e;
    uat_cert *c = NULL;
    parse_own_ext(der, n, &e, &c);
    assert_true(e.has_nonce);
    assert_memory_equal(e.nonce.p, nonce, sizeof(nonce));
    assert_int_equal(uat_cert_not_before(c), 1000000000);
    assert_int_equal(uat_cert_not_after(c), 2000000000);
    uat_verifier *v = sim_verifier(g_trust_a);
    uat_ratls_opts o = {v, NULL, NULL, 1500000000, nonce, sizeof(nonce), 0};
    assert_ok(uat_ratls_verify_cert(der, n, &o, NULL, NULL));
    nonce[0] ^= 1;
    assert_err(uat_ratls_verify_cert(der, n, &o, NULL, NULL), UAT_ERR_VERIFY_NONCE);
    nonce[0] ^= 1;
    o.cert_time = 2000000001;
    assert_err(uat_ratls_verify_cert(der, n, &o, NULL, NULL), UAT_ERR_VERIFY_EXPIRED);
    o.cert_time = 2000000000; /* notAfter itself is inside (RFC 5280 §4.1.2.5) */
    assert_ok(uat_ratls_verify_cert(der, n, &o, NULL, NULL));
    uat_verifier_free(v);
    uat_cert_free(c);
    free(pem);
    free(der);
    uat_attester_free(a);
}

/* Evidence under a tag or media type that names another TEE is refused before it is verified. */
static void make_ext_cert(uint64_t tag, const char *mt, uat_span ev, uat_key **k, uat_buf *der)
{
    if (*k == NULL) {
        assert_ok(uat_key_generate(UAT_KEY_EC_P256, k));
    }
    uat_buf spki, claims, ext;
    spki_of(*k, &spki);
    uat_buf_init(&claims, 4096);
    uat_buf_init(&ext, 1 << 20);
    assert_ok(uat_ratls_claims_build(uat_buf_span(&spki), NULL, 0, &claims));
    assert_ok(uat_ratls_ext_build(tag, mt, ev, uat_buf_span(&claims), &ext));
    cert_with(k, UAT_RATLS_OID_EVIDENCE, uat_buf_span(&ext), der);
    uat_buf_free(&spki);
    uat_buf_free(&claims);
    uat_buf_free(&ext);
}

static void test_tag_mismatch(void **state)
{
    (void)state;
    /* a sim report of the right binding, wrapped the right way and the wrong way */
    uat_key *k = NULL;
    uat_buf spki, claims, tmp;
    assert_ok(uat_key_generate(UAT_KEY_EC_P256, &k));
    spki_of(k, &spki);
    uat_buf_init(&claims, 4096);
    assert_ok(uat_ratls_claims_build(uat_buf_span(&spki), NULL, 0, &claims));
    uint8_t rd[64] = {0};
    assert_ok(uat_hash(UAT_HASH_SHA256, &(uat_span){claims.p, claims.len}, 1, rd));
    uat_attester *a = sim_attester(g_a);
    uat_cmw *cmw = NULL;
    assert_ok(uat_attester_collect(a, rd, &cmw));
    const uint8_t *p = NULL;
    size_t n = 0;
    uat_cmw_value(cmw, &p, &n);
    uat_verifier *v = sim_verifier(g_trust_a);
    uat_ratls_opts o = {v, NULL, NULL, T_COLLATERAL, NULL, 0, 0};
    make_ext_cert(0, "application/vnd.uattest.sim-report", uat_span_of(p, n), &k, &tmp);
    assert_ok(verify_buf(&tmp, &o, NULL));
    uat_buf_free(&tmp);
    make_ext_cert(60000, NULL, uat_span_of(p, n), &k, &tmp);
    assert_err(verify_buf(&tmp, &o, NULL), UAT_ERR_VERIFY_BINDING);
    assert_string_equal(uat_last_error()->check, "ratls.tag");
    uat_buf_free(&tmp);
    make_ext_cert(60001, NULL, uat_span_of(p, n), &k, &tmp);
    assert_err(verify_buf(&tmp, &o, NULL), UAT_ERR_UNSUPPORTED_TEE);
    uat_buf_free(&tmp);
    make_ext_cert(0, "application/x-unknown", uat_span_of(p, n), &k, &tmp);
    assert_err(verify_buf(&tmp, &o, NULL), UAT_ERR_UNSUPPORTED_TEE);
    uat_buf_free(&tmp);
    /* a real SGX quote labelled as a sim report never verifies as one */
    uat_buf r1;
    load_cert("r1-gramine-interop+legacy.pem", &r1);
    size_t off = 0, len = 0;
    ext_at(&r1, UAT_RATLS_OID_LEGACY_GRAMINE, &off, &len);
    make_ext_cert(0, "application/vnd.uattest.sim-report", uat_span_of(r1.p + off, len), &k, &tmp);
    assert_int_not_equal(verify_buf(&tmp, &o, NULL), UAT_OK);
    uat_buf_free(&tmp);
    uat_buf_free(&r1);
    uat_verifier_free(v);
    uat_cmw_free(cmw);
    uat_attester_free(a);
    uat_buf_free(&claims);
    uat_buf_free(&spki);
    uat_key_free(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_claims_negative),
        cmocka_unit_test(test_outer_negative),
        cmocka_unit_test(test_outer_positive),
        cmocka_unit_test(test_no_or_twice_extension),
        cmocka_unit_test(test_tag_mismatch),
        cmocka_unit_test(test_corpus_ext_parse),
        cmocka_unit_test(test_sim_roundtrip_p256),
        cmocka_unit_test(test_sim_roundtrip_p384),
        cmocka_unit_test(test_sim_roundtrip_rsa3072),
        cmocka_unit_test(test_sim_nonce_and_validity),
    };
    return cmocka_run_group_tests(tests, ratls_setup, ratls_teardown);
}
