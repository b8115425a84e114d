/* Unit tests for Arm CCA tokens (src/tee/cca) on synthetic tokens: generated CPAK and RAK keys,
 * claim maps built claim by claim (cca_test.h), verified through the public verifier with the CPAK
 * in a trust directory (PEM, JWK, JWK Set). Negative cases first; the configfs-tsm attester on a
 * fake tree last. The real (Arm reference) tokens are in tests/conformance/test_cca.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/file.h"
#include "tee/cca/cca.h"
#include "uattest/uattest.h"

#include "cca_test.h"

typedef struct fx {
    uat_key *cpak, *rak, *other, *p256, *p521;
    char dir[64];
    char trust[128];       /* the CPAK as PEM */
    char trust_jwk[128];   /* the CPAK as JWK, and a JWK Set with another key first */
    char trust_other[128]; /* another P-384 key */
    char trust_p256[128];  /* a P-256 key only */
    char trust_empty[128];
    uint8_t challenge[64];
} fx;

static fx g;

static void write_file(const char *dir, const char *name, const void *p, size_t n)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    assert_ok(uat_file_write_atomic(path, p, n, 0600));
}

static void write_pem(const char *dir, const char *name, const uat_key *k)
{
    uat_buf b;
    uat_buf_init(&b, 8192);
    assert_ok(uat_key_public_pem(k, &b));
    write_file(dir, name, b.p, b.len);
    uat_buf_free(&b);
}

static void subdir(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", g.dir, name);
    assert_int_equal(mkdir(out, 0700), 0);
}

static int setup(void **state)
{
    (void)state;
    memset(&g, 0, sizeof(g));
    snprintf(g.dir, sizeof(g.dir), "/tmp/uat-cca-XXXXXX");
    assert_non_null(mkdtemp(g.dir));
    assert_ok(uat_key_generate(UAT_KEY_EC_P384, &g.cpak));
    assert_ok(uat_key_generate(UAT_KEY_EC_P384, &g.rak));
    assert_ok(uat_key_generate(UAT_KEY_EC_P384, &g.other));
    assert_ok(uat_key_generate(UAT_KEY_EC_P256, &g.p256));
    assert_ok(uat_key_generate(UAT_KEY_EC_P521, &g.p521));
    subdir(g.trust, sizeof(g.trust), "trust");
    subdir(g.trust_jwk, sizeof(g.trust_jwk), "trust-jwk");
    subdir(g.trust_other, sizeof(g.trust_other), "trust-other");
    subdir(g.trust_p256, sizeof(g.trust_p256), "trust-p256");
    subdir(g.trust_empty, sizeof(g.trust_empty), "trust-empty");
    write_pem(g.trust, "cpak.pem", g.cpak);
    write_file(g.trust, "README.txt", "not a key", 9); /* other files are not anchors */
    write_pem(g.trust_other, "other.pem", g.other);
    write_pem(g.trust_p256, "p256.pem", g.p256);
    uat_buf a, b, set;
    uat_buf_init(&a, 4096);
    uat_buf_init(&b, 4096);
    uat_buf_init(&set, 8192);
    assert_ok(uat_key_public_jwk(g.cpak, &a));
    assert_ok(uat_key_public_jwk(g.other, &b));
    write_file(g.trust_jwk, "cpak.jwk", a.p, a.len);
    assert_ok(uat_buf_append_str(&set, "{\"keys\":["));
    assert_ok(uat_buf_append(&set, b.p, b.len));
    assert_ok(uat_buf_append_str(&set, ","));
    assert_ok(uat_buf_append(&set, a.p, a.len));
    assert_ok(uat_buf_append_str(&set, "]}"));
    write_file(g.trust_jwk, "set.json", set.p, set.len);
    uat_buf_free(&a);
    uat_buf_free(&b);
    uat_buf_free(&set);
    memset(g.challenge, 0xab, 32);
    memcpy(g.challenge + 32, "report data of the unit test.....", 32);
    return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int teardown(void **state)
{
    (void)state;
    nftw(g.dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    uat_key_free(g.cpak);
    uat_key_free(g.rak);
    uat_key_free(g.other);
    uat_key_free(g.p256);
    uat_key_free(g.p521);
    return 0;
}

/* ---- token construction ---- */

typedef struct tok {
    claims platform, realm;
    uint8_t rak_enc[256];
    size_t rak_len;
    uint8_t pchal[64];
    const uat_key *platform_key, *realm_key;
    uint64_t tag;
    int wrap_realm;
} tok;

/* A valid token: RAK = g.rak as a raw point, the platform challenge its SHA-256. */
static void tok_init(tok *t, const uat_key *cpak, const uat_key *rak)
{
    memset(t, 0, sizeof(*t));
    t->rak_len = ec_point(rak, t->rak_enc);
    uat_span r = uat_span_of(t->rak_enc, t->rak_len);
    assert_ok(uat_hash(UAT_HASH_SHA256, &r, 1, t->pchal));
    realm_claims(&t->realm, g.challenge, r);
    platform_claims(&t->platform, t->pchal, 32);
    t->platform_key = cpak;
    t->realm_key = rak;
    t->tag = 399;
}

static void tok_build(const tok *t, uat_buf *out)
{
    uat_buf p, r;
    uat_buf_init(&p, 16384);
    uat_buf_init(&r, 16384);
    sign_claims(t->platform_key, &t->platform, 0, &p);
    sign_claims(t->realm_key, &t->realm, t->wrap_realm, &r);
    collection(t->tag, uat_buf_span(&p), uat_buf_span(&r), out);
    uat_buf_free(&p);
    uat_buf_free(&r);
}

static uat_err verify_tok(const tok *t, const char *trust, const uint8_t *expected,
                          uat_claims **out)
{
    uat_buf b;
    uat_buf_init(&b, 65536);
    tok_build(t, &b);
    uat_verifier *v = NULL;
    assert_ok(uat_verifier_new(&v));
    assert_ok(uat_verifier_set_trust_dir(v, trust));
    uat_claims *c = NULL;
    uat_err rc = uat_verify(v, b.p, b.len, expected, &c);
    if (out != NULL && rc == UAT_OK) {
        *out = c;
    } else {
        uat_claims_free(c);
    }
    uat_verifier_free(v);
    uat_buf_free(&b);
    return rc;
}

static uat_err check(const tok *t)
{
    return verify_tok(t, g.trust, NULL, NULL);
}

/* ---- negative: trust ---- */

static void trust_anchors(void **state)
{
    (void)state;
    tok t;
    tok_init(&t, g.cpak, g.rak);
    assert_err(verify_tok(&t, g.trust_empty, NULL, NULL), UAT_ERR_USAGE_NO_TRUST_ANCHOR);
    assert_err(verify_tok(&t, g.trust_other, NULL, NULL), UAT_ERR_VERIFY_SIGNATURE);
    assert_string_equal(uat_last_error()->check, "cca.platform");
    assert_non_null(strstr(uat_last_error()->message, "none of the 1 configured CPAKs"));
    assert_err(verify_tok(&t, g.trust_p256, NULL, NULL), UAT_ERR_VERIFY_UNTRUSTED_KEY);
    /* a broken JWK file is an error, not a silently missing anchor */
    char bad[128];
    subdir(bad, sizeof(bad), "trust-bad");
    write_file(bad, "cpak.jwk", "{\"kty\":\"EC\"}", 12);
    assert_err(verify_tok(&t, bad, NULL, NULL), UAT_ERR_PARSE_BAD_JSON);
}

static void realm_not_signed_by_rak(void **state)
{
    (void)state;
    tok t;
    tok_init(&t, g.cpak, g.rak);
    t.realm_key = g.other; /* the RAK claim still names g.rak */
    assert_err(check(&t), UAT_ERR_VERIFY_SIGNATURE);
    assert_string_equal(uat_last_error()->check, "cca.realm");
}

static void binding(void **state)
{
    (void)state;
    tok t;
    tok_init(&t, g.cpak, g.rak);
    t.pchal[0] ^= 1;
    assert_err(check(&t), UAT_ERR_VERIFY_BINDING);
    assert_string_equal(uat_last_error()->field, "cca-platform-challenge");
    /* the RAK hash algorithm says sha-512: the 32-byte challenge cannot be its hash */
    tok_init(&t, g.cpak, g.rak);
    claim_find(&t.realm, 44240)->v = text_span("sha-512");
    assert_err(check(&t), UAT_ERR_VERIFY_BINDING);
    /* a token whose platform half belongs to another realm (both halves genuinely signed) */
    tok other;
    tok_init(&other, g.cpak, g.other);
    tok mixed;
    tok_init(&mixed, g.cpak, g.rak);
    mixed.platform = other.platform;
    claim_find(&mixed.platform, 10)->v = uat_span_of(other.pchal, 32);
    assert_err(check(&mixed), UAT_ERR_VERIFY_BINDING);
}

static void lifecycle(void **state)
{
    (void)state;
    tok t;
    tok_init(&t, g.cpak, g.rak);
    claim_find(&t.platform, 2395)->u = 0x6000; /* decommissioned */
    assert_err(check(&t), UAT_ERR_VERIFY_TCB);
    claim_find(&t.platform, 2395)->u = 0x2001; /* provisioning */
    assert_err(check(&t), UAT_ERR_VERIFY_TCB);
    claim_find(&t.platform, 2395)->u = 0x7000; /* in no range */
    assert_err(check(&t), UAT_ERR_PARSE_BAD_VALUE);
    claim_find(&t.platform, 2395)->u = 0x10000;
    assert_err(check(&t), UAT_ERR_PARSE_BAD_VALUE);
    claim_find(&t.platform, 2395)->u = 0x4001; /* non-CCA platform debug: verified, debug */
    uat_claims *c = NULL;
    assert_ok(verify_tok(&t, g.trust, NULL, &c));
    int debug = 0;
    assert_ok(uat_claims_get_bool(c, "debug", &debug));
    assert_true(debug);
    uat_claims_free(c);
}

/* ---- negative: claims ---- */

static void realm_claim_errors(void **state)
{
    (void)state;
    tok t;
    tok_init(&t, g.cpak, g.rak);
    claim_drop(&t.realm, 44235);
    assert_err(check(&t), UAT_ERR_PARSE_BAD_VALUE);
    assert_string_equal(uat_last_error()->field, "cca-realm-personalization-value");
    assert_string_equal(uat_last_error()->check, "cca.realm");

    tok_init(&t, g.cpak, g.rak);
    claim_add(&t.realm, 44299, C_UINT, uat_span_of(NULL, 0), 1); /* unknown key */
    assert_err(check(&t), UAT_ERR_PARSE_BAD_VALUE);
    assert_non_null(strstr(uat_last_error()->message, "44299"));

    tok_init(&t, g.cpak, g.rak);
    claim_add(&t.realm, 10, C_BSTR, uat_span_of(g.challenge, 64), 0); /* twice */
    assert_err(check(&t), UAT_ERR_PARSE_BAD_CBOR);

    tok_init(&t, g.cpak, g.rak);
    claim_find(&t.realm, 44239)->v = rems_item(&t.realm, 3, 32, 0);
    assert_err(check(&t), UAT_ERR_PARSE_BAD_VALUE);
    assert_string_equal(uat_last_error()->field, "cca-realm-extensible-measurements");

    tok_init(&t, g.cpak, g.rak);
    claim_find(&t.realm, 44239)->v = rems_item(&t.realm, 4, 48, 0); /* 48 bytes, sha-256 */
    assert_err(check(&t), UAT_ERR_PARSE_BAD_LENGTH);

    tok_init(&t, g.cpak, g.rak);
    claim_find(&t.realm, 44236)->v = text_span("sha-1");
    assert_err(check(&t), UAT_ERR_UNSUPPORTED_ALGORITHM);

    tok_init(&t, g.cpak, g.rak);
    claim_find(&t.realm, 10)->v = uat_span_of(g.challenge, 32);
    assert_err(check(&t), UAT_ERR_PARSE_BAD_LENGTH);
    assert_string_equal(uat_last_error()->field, "cca-realm-challenge");

    tok_init(&t, g.cpak, g.rak);
    claim_find(&t.realm, 44236)->kind = C_BSTR; /* a hash algorithm as bytes */
    assert_err(check(&t), UAT_ERR_PARSE_BAD_CBOR);

    tok_init(&t, g.cpak, g.rak);
    claim_add(&t.realm, 265, C_TSTR, text_span("tag:arm.com,2099:realm#9"), 0);
    assert_err(check(&t), UAT_ERR_PARSE_BAD_VALUE);
}

static void platform_claim_errors(void **state)
{
    (void)state;
    static const uint8_t inst2[33] = {0x02};
    tok t;
    tok_init(&t, g.cpak, g.rak);
    claim_find(&t.platform, 256)->v = uat_span_of(inst2, 33);
    assert_err(check(&t), UAT_ERR_PARSE_BAD_VALUE);
    assert_string_equal(uat_last_error()->field, "cca-platform-instance-id");

    tok_init(&t, g.cpak, g.rak);
    claim_find(&t.platform, 2399)->v = sw_components_item(&t.platform, 0);
    assert_err(check(&t), UAT_ERR_PARSE_BAD_VALUE);

    tok_init(&t, g.cpak, g.rak);
    claim_find(&t.platform, 2399)->v = sw_components_item(&t.platform, 33);
    assert_err(check(&t), UAT_ERR_RESOURCE_LIMIT);

    tok_init(&t, g.cpak, g.rak);
    claim_find(&t.platform, 265)->v = text_span("http://example.com/psa");
    assert_err(check(&t), UAT_ERR_PARSE_BAD_VALUE);

    tok_init(&t, g.cpak, g.rak);
    claim_drop(&t.platform, 2402);
    assert_err(check(&t), UAT_ERR_PARSE_BAD_VALUE);
    assert_string_equal(uat_last_error()->field, "cca-platform-hash-algo-id");

    /* a software component without its signer-id */
    tok_init(&t, g.cpak, g.rak);
    uat_buf b;
    uat_buf_init(&b, 256);
    assert_ok(uat_cbor_put_head(&b, UAT_CBOR_ARRAY, 1));
    assert_ok(uat_cbor_put_head(&b, UAT_CBOR_MAP, 1));
    put_int(&b, 2);
    put_bytes(&b, uat_span_of(g.challenge, 32));
    claim_find(&t.platform, 2399)->v = claims_keep(&t.platform, &b);
    uat_buf_free(&b);
    assert_err(check(&t), UAT_ERR_PARSE_BAD_VALUE);
    assert_string_equal(uat_last_error()->field, "signer-id");

    /* the optional verification service indicator is accepted */
    tok_init(&t, g.cpak, g.rak);
    claim_add(&t.platform, 2400, C_TSTR, text_span("https://veraison.example"), 0);
    assert_ok(check(&t));
}

static void collections(void **state)
{
    (void)state;
    tok t;
    tok_init(&t, g.cpak, g.rak);
    t.tag = 400;
    uat_buf b;
    uat_buf_init(&b, 65536);
    tok_build(&t, &b);
    uat_cca_token parsed;
    assert_err(uat_cca_token_parse(uat_buf_span(&b), UAT_CCA_ARM, "cca.token", &parsed),
               UAT_ERR_PARSE_BAD_VALUE);
    assert_false(uat_cca_sniff(uat_buf_span(&b)));

    /* only the realm token */
    b.len = 0;
    uat_buf r;
    uat_buf_init(&r, 16384);
    sign_claims(g.rak, &t.realm, 0, &r);
    collection(399, uat_span_of(NULL, 0), uat_buf_span(&r), &b);
    assert_true(uat_cca_sniff(uat_buf_span(&b)));
    assert_err(uat_cca_token_parse(uat_buf_span(&b), UAT_CCA_ARM, "cca.token", &parsed),
               UAT_ERR_PARSE_BAD_VALUE);
    assert_string_equal(uat_last_error()->field, "platform token");

    /* a third entry in the collection */
    b.len = 0;
    assert_ok(uat_cbor_put_head(&b, UAT_CBOR_TAG, 399));
    assert_ok(uat_cbor_put_head(&b, UAT_CBOR_MAP, 1));
    put_int(&b, 44235);
    put_bytes(&b, uat_buf_span(&r));
    assert_err(uat_cca_token_parse(uat_buf_span(&b), UAT_CCA_ARM, "cca.token", &parsed),
               UAT_ERR_PARSE_BAD_VALUE);

    /* tag 907 with another content-format */
    b.len = 0;
    assert_ok(uat_cbor_put_head(&b, UAT_CBOR_TAG, 907));
    assert_ok(uat_cbor_put_head(&b, UAT_CBOR_MAP, 1));
    put_int(&b, 44241);
    assert_ok(uat_cbor_put_head(&b, UAT_CBOR_ARRAY, 2));
    put_int(&b, 264);
    put_bytes(&b, uat_buf_span(&r));
    assert_err(uat_cca_token_parse(uat_buf_span(&b), UAT_CCA_ARM, "cca.token", &parsed),
               UAT_ERR_PARSE_BAD_VALUE);
    assert_string_equal(uat_last_error()->field, "content-format");

    /* a realm payload wrapped twice (virtCCA): named as such */
    tok_init(&t, g.cpak, g.rak);
    t.wrap_realm = 1;
    assert_err(check(&t), UAT_ERR_PARSE_BAD_CBOR);
    assert_non_null(strstr(uat_last_error()->message, "virtcca"));

    /* trailing bytes after the collection */
    tok_init(&t, g.cpak, g.rak);
    b.len = 0;
    tok_build(&t, &b);
    assert_ok(uat_buf_put_u8(&b, 0));
    assert_err(uat_cca_token_parse(uat_buf_span(&b), UAT_CCA_ARM, "cca.token", &parsed),
               UAT_ERR_PARSE_TRAILING_BYTES);
    uat_buf_free(&b);
    uat_buf_free(&r);
}

static void rak_encodings(void **state)
{
    (void)state;
    tok t;
    /* a realm profile means a COSE_Key RAK: a raw point is then a bad key */
    tok_init(&t, g.cpak, g.rak);
    claim_add(&t.realm, 265, C_TSTR, text_span(UAT_CCA_PROFILE_REALM), 0);
    assert_err(check(&t), UAT_ERR_CRYPTO_BAD_KEY);
    /* the COSE_Key form, with the platform challenge the hash of its encoding */
    t.rak_len = cose_key_of(g.rak, t.rak_enc, sizeof(t.rak_enc));
    uat_span r = uat_span_of(t.rak_enc, t.rak_len);
    claim_find(&t.realm, 44237)->v = r;
    assert_ok(uat_hash(UAT_HASH_SHA256, &r, 1, t.pchal));
    assert_ok(check(&t));
    /* a COSE_Key without the profile is not a raw point */
    claim_drop(&t.realm, 265);
    assert_err(check(&t), UAT_ERR_CRYPTO_BAD_KEY);
    /* a point that is not on the curve */
    tok_init(&t, g.cpak, g.rak);
    t.rak_enc[t.rak_len - 1] ^= 1;
    r = uat_span_of(t.rak_enc, t.rak_len);
    assert_ok(uat_hash(UAT_HASH_SHA256, &r, 1, t.pchal));
    assert_err(check(&t), UAT_ERR_CRYPTO_BAD_KEY);
    assert_string_equal(uat_last_error()->field, "cca-realm-public-key");
    /* a 64-byte RAK: no curve has that size */
    tok_init(&t, g.cpak, g.rak);
    claim_find(&t.realm, 44237)->v = uat_span_of(t.rak_enc, 64);
    assert_err(check(&t), UAT_ERR_CRYPTO_BAD_KEY);
}

/* ---- positive ---- */

static void verified_claims(void **state)
{
    (void)state;
    tok t;
    tok_init(&t, g.cpak, g.rak);
    uat_claims *c = NULL;
    assert_ok(verify_tok(&t, g.trust, g.challenge, &c));
    assert_string_equal(uat_claims_tee(c), "cca");
    assert_string_equal(uat_claims_get_string(c, "measurement"),
                        "1122330000000000000000000000000000000000000000000000000000000000");
    assert_string_equal(uat_claims_tee_field(c, "rem2"),
                        "a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2");
    char *json = NULL;
    assert_ok(uat_claims_to_json(c, 0, &json));
    assert_non_null(strstr(json, "\"lifecycle_state\":\"secured\""));
    assert_non_null(strstr(json, "\"collection_tag\":399"));
    assert_non_null(strstr(json, "\"status\":\"UpToDate\""));
    free(json);
    uat_claims_free(c);
    /* another challenge than the one expected */
    uint8_t other[64];
    memcpy(other, g.challenge, 64);
    other[63] ^= 1;
    assert_err(verify_tok(&t, g.trust, other, NULL), UAT_ERR_VERIFY_BINDING);
    /* the CMW collection form */
    t.tag = 907;
    assert_ok(verify_tok(&t, g.trust, g.challenge, NULL));
}

static void jwk_anchors(void **state)
{
    (void)state;
    tok t;
    tok_init(&t, g.cpak, g.rak);
    assert_ok(verify_tok(&t, g.trust_jwk, NULL, NULL));
}

static void curves(void **state)
{
    (void)state;
    tok t;
    /* ES256 realm (RAK P-256) under an ES384 platform, and an ES512 platform */
    tok_init(&t, g.cpak, g.p256);
    assert_ok(check(&t));
    char dir[128];
    subdir(dir, sizeof(dir), "trust-p521");
    write_pem(dir, "cpak.pem", g.p521);
    tok_init(&t, g.p521, g.rak);
    assert_ok(verify_tok(&t, dir, NULL, NULL));
    tok_init(&t, g.p521, g.p521);
    assert_ok(verify_tok(&t, dir, NULL, NULL));
}

static void inspect_and_sniff(void **state)
{
    (void)state;
    tok t;
    tok_init(&t, g.cpak, g.rak);
    uat_buf b;
    uat_buf_init(&b, 65536);
    tok_build(&t, &b);
    char *json = NULL;
    assert_ok(uat_inspect(b.p, b.len, &json));
    assert_non_null(strstr(json, "\"tee\": \"cca\""));
    assert_non_null(strstr(json, "\"cca-platform-lifecycle\": \"0x3000\""));
    free(json);
    assert_false(uat_cca_sniff(uat_span_of(b.p, 3)));
    uat_buf_free(&b);
}

/* ---- attester ---- */

static void make_entry(const char *root, const char *provider, const uat_buf *outblob)
{
    char p[256];
    snprintf(p, sizeof(p), "%s/sys/kernel/config/tsm/report/uattest-test", root);
    assert_ok(uat_mkdirs(p, 0700));
    write_file(p, "provider", provider, strlen(provider));
    write_file(p, "generation", "1\n", 2);
    write_file(p, "outblob", outblob->p, outblob->len);
}

static uat_err collect(const char *root, uat_buf *out)
{
    static const char *const keys[] = {"tsm-entry"};
    static const char *const values[] = {"uattest-test"};
    uat_attest_ctx ctx = {root, NULL, 1, keys, values, NULL};
    return uat_cca_collect(&ctx, g.challenge, out);
}

static void attester(void **state)
{
    (void)state;
    char root[128];
    subdir(root, sizeof(root), "root");
    uat_buf tok_b, out;
    uat_buf_init(&tok_b, 65536);
    uat_buf_init(&out, 65536);
    assert_err(collect(root, &out), UAT_ERR_PLATFORM_DEVICE); /* no configfs-tsm */
    assert_non_null(strstr(uat_last_error()->message, "configfs-tsm"));
    tok t;
    tok_init(&t, g.cpak, g.rak);
    tok_build(&t, &tok_b);
    make_entry(root, "arm_cca_guest\n", &tok_b);
    assert_ok(collect(root, &out));
    assert_int_equal(out.len, tok_b.len);
    assert_memory_equal(out.p, tok_b.p, out.len);
    char p[256];
    snprintf(p, sizeof(p), "%s/sys/kernel/config/tsm/report/uattest-test/inblob", root);
    uat_buf in;
    uat_buf_init(&in, 128);
    assert_ok(uat_file_read(p, 128, &in));
    assert_int_equal(in.len, 64);
    assert_memory_equal(in.p, g.challenge, 64);
    uat_buf_free(&in);
    /* another provider, a token for another challenge, not a token */
    out.len = 0;
    make_entry(root, "tdx_guest\n", &tok_b);
    assert_err(collect(root, &out), UAT_ERR_PLATFORM_DEVICE);
    uint8_t saved = g.challenge[0];
    g.challenge[0] ^= 1;
    make_entry(root, "arm_cca_guest\n", &tok_b);
    assert_err(collect(root, &out), UAT_ERR_PLATFORM_DEVICE);
    assert_string_equal(uat_last_error()->field, "cca-realm-challenge");
    g.challenge[0] = saved;
    uat_buf junk;
    uat_buf_init(&junk, 16);
    assert_ok(uat_buf_append(&junk, "\xd9\x01\x8f\xa0", 4));
    make_entry(root, "arm_cca_guest\n", &junk);
    assert_err(collect(root, &out), UAT_ERR_PLATFORM_DEVICE);
    assert_non_null(strstr(uat_last_error()->message, "not a CCA token"));
    uat_buf_free(&junk);
    assert_int_equal(out.len, 0);
    uat_buf_free(&tok_b);
    uat_buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(trust_anchors),
        cmocka_unit_test(realm_not_signed_by_rak),
        cmocka_unit_test(binding),
        cmocka_unit_test(lifecycle),
        cmocka_unit_test(realm_claim_errors),
        cmocka_unit_test(platform_claim_errors),
        cmocka_unit_test(collections),
        cmocka_unit_test(rak_encodings),
        cmocka_unit_test(verified_claims),
        cmocka_unit_test(jwk_anchors),
        cmocka_unit_test(curves),
        cmocka_unit_test(inspect_and_sniff),
        cmocka_unit_test(attester),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
