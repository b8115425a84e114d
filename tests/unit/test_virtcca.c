/* Unit tests for Huawei virtCCA (src/tee/virtcca) on synthetic evidence: a test CA (P-521) issues
 * device certificates with OpenSSL here; CVM tokens and platform tokens are built claim by claim
 * (cca_test.h) and signed with the device key or a separate RAK. Covered: the legacy form (RAK =
 * device key, RSA PS256 or a raw P-521 point), the platform-token form (PEM device certificate,
 * ES512 platform token whose challenge is the RAK's hash), the documented insecure option for an
 * unbound RAK, the chain (wrong root, expiry), the evidence JSON, and the IMA log replay with the
 * first entry that diverges. The real Kunpeng sample is in tests/conformance/test_cca.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <ftw.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/file.h"
#include "tee/virtcca/virtcca.h"
#include "uattest/uattest.h"

#include "cca_test.h"

typedef struct party {
    EVP_PKEY *pkey;
    uat_key *key;
    X509 *cert;
} party;

static struct {
    char dir[64], trust[128], trust_other[128];
    party root, other_root, dev_rsa, dev_ecc, rak_ecc, stranger;
    uint8_t challenge[64];
    int64_t now;
} g;

/* ---- OpenSSL fixtures ---- */

static uat_key *to_uat(EVP_PKEY *p)
{
    BIO *b = BIO_new(BIO_s_mem());
    assert_int_equal(PEM_write_bio_PrivateKey(b, p, NULL, NULL, 0, NULL, NULL), 1);
    char *data = NULL;
    long n = BIO_get_mem_data(b, &data);
    uat_key *k = NULL;
    assert_ok(uat_key_from_pem(uat_span_of(data, (size_t)n), &k));
    BIO_free(b);
    return k;
}

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    assert_non_null(e);
    assert_int_equal(X509_add_ext(x, e, -1), 1);
    X509_EXTENSION_free(e);
}

/* A certificate for p's key named cn, issued by issuer (NULL: self-signed), valid days from now. */
static void certify(party *p, const char *cn, const party *issuer, int ca, long days)
{
    X509 *x = X509_new();
    assert_non_null(x);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), (long)(g.now & 0x7fffffff) + ca);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), days * 86400);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"Test", -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer->cert) : name);
    X509_set_pubkey(x, p->pkey);
    X509 *is = issuer ? issuer->cert : x;
    add_ext(x, is, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    add_ext(x, is, NID_key_usage, ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
    add_ext(x, is, NID_subject_key_identifier, "hash");
    add_ext(x, is, NID_authority_key_identifier, "keyid:always");
    const EVP_MD *md = EVP_PKEY_get_base_id((issuer ? issuer : p)->pkey) == EVP_PKEY_RSA
                           ? EVP_sha256()
                           : EVP_sha512();
    assert_true(X509_sign(x, (issuer ? issuer : p)->pkey, md) > 0);
    p->cert = x;
}

static void make_party(party *p, int rsa)
{
    p->pkey = rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-521");
    assert_non_null(p->pkey);
    p->key = to_uat(p->pkey);
}

static void cert_der(const party *p, uat_buf *out)
{
    unsigned char *der = NULL;
    int n = i2d_X509(p->cert, &der);
    assert_true(n > 0);
    assert_ok(uat_buf_append(out, der, (size_t)n));
    OPENSSL_free(der);
}

static void cert_pem(const party *p, uat_buf *out)
{
    BIO *b = BIO_new(BIO_s_mem());
    assert_int_equal(PEM_write_bio_X509(b, p->cert), 1);
    char *data = NULL;
    long n = BIO_get_mem_data(b, &data);
    assert_ok(uat_buf_append(out, data, (size_t)n));
    BIO_free(b);
}

static void write_cert(const char *dir, const party *p)
{
    uat_buf b;
    char path[256];
    uat_buf_init(&b, 8192);
    cert_pem(p, &b);
    snprintf(path, sizeof(path), "%s/root.pem", dir);
    assert_ok(uat_file_write_atomic(path, b.p, b.len, 0600));
    uat_buf_free(&b);
}

static int setup(void **state)
{
    (void)state;
    memset(&g, 0, sizeof(g));
    g.now = (int64_t)time(NULL);
    snprintf(g.dir, sizeof(g.dir), "/tmp/uat-vcca-XXXXXX");
    assert_non_null(mkdtemp(g.dir));
    make_party(&g.root, 0);
    make_party(&g.other_root, 0);
    make_party(&g.dev_rsa, 1);
    make_party(&g.dev_ecc, 0);
    make_party(&g.rak_ecc, 0);
    make_party(&g.stranger, 1);
    certify(&g.root, "Test virtCCA Root", NULL, 1, 3650);
    certify(&g.other_root, "Another Root", NULL, 1, 3650);
    certify(&g.dev_rsa, "DEVICE-RSA-0001", &g.root, 0, 365);
    certify(&g.dev_ecc, "DEVICE-ECC-0002", &g.root, 0, 365);
    snprintf(g.trust, sizeof(g.trust), "%s/trust", g.dir);
    snprintf(g.trust_other, sizeof(g.trust_other), "%s/trust-other", g.dir);
    assert_int_equal(mkdir(g.trust, 0700), 0);
    assert_int_equal(mkdir(g.trust_other, 0700), 0);
    write_cert(g.trust, &g.root);
    write_cert(g.trust_other, &g.other_root);
    memcpy(g.challenge, "a 32-byte nonce of the unit test", 32);
    return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void party_free(party *p)
{
    EVP_PKEY_free(p->pkey);
    X509_free(p->cert);
    uat_key_free(p->key);
}

static int teardown(void **state)
{
    (void)state;
    nftw(g.dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    party *all[] = {&g.root, &g.other_root, &g.dev_rsa, &g.dev_ecc, &g.rak_ecc, &g.stranger};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        party_free(all[i]);
    }
    return 0;
}

/* ---- evidence construction ---- */

typedef struct vtok {
    claims cvm, platform;
    uint8_t rak[1024];
    size_t rak_len;
    uint8_t pchal[32];
    const uat_key *cvm_key, *platform_key;
    const party *dev;
    int has_platform, pem, unwrap;
    uat_span ima;
} vtok;

/* The legacy form: the RAK is the device's RSA key as SubjectPublicKeyInfo, PS256. */
static void vtok_legacy(vtok *t)
{
    memset(t, 0, sizeof(*t));
    uat_buf spki;
    uat_buf_init(&spki, sizeof(t->rak));
    assert_ok(uat_key_spki_der(g.dev_rsa.key, &spki));
    memcpy(t->rak, spki.p, spki.len);
    t->rak_len = spki.len;
    uat_buf_free(&spki);
    realm_claims(&t->cvm, g.challenge, uat_span_of(t->rak, t->rak_len));
    t->cvm_key = g.dev_rsa.key;
    t->dev = &g.dev_rsa;
}

/* With a platform token: a separate P-521 RAK (raw point) and the device's ECC key signing the
 * platform token, whose challenge is SHA-256 of the RAK bytes. */
static void vtok_platform(vtok *t)
{
    memset(t, 0, sizeof(*t));
    t->rak_len = ec_point(g.rak_ecc.key, t->rak);
    uat_span r = uat_span_of(t->rak, t->rak_len);
    assert_ok(uat_hash(UAT_HASH_SHA256, &r, 1, t->pchal));
    realm_claims(&t->cvm, g.challenge, r);
    platform_claims(&t->platform, t->pchal, 32);
    t->cvm_key = g.rak_ecc.key;
    t->platform_key = g.dev_ecc.key;
    t->dev = &g.dev_ecc;
    t->has_platform = 1;
    t->pem = 1;
}

static void vtok_evidence(const vtok *t, uat_buf *out)
{
    uat_buf cvm, plat, token, cert;
    uat_buf_init(&cvm, 16384);
    uat_buf_init(&plat, 16384);
    uat_buf_init(&token, 65536);
    uat_buf_init(&cert, 16384);
    sign_claims(t->cvm_key, &t->cvm, !t->unwrap, &cvm);
    if (t->has_platform) {
        sign_claims(t->platform_key, &t->platform, 0, &plat);
    }
    collection(399, uat_buf_span(&plat), uat_buf_span(&cvm), &token);
    if (t->pem) {
        cert_pem(t->dev, &cert);
    } else {
        cert_der(t->dev, &cert);
    }
    assert_ok(uat_virtcca_evidence_write(uat_buf_span(&token), uat_buf_span(&cert),
                                         uat_span_of(NULL, 0), t->ima, out));
    uat_buf_free(&cvm);
    uat_buf_free(&plat);
    uat_buf_free(&token);
    uat_buf_free(&cert);
}

static uat_err verify_opts(const vtok *t, const char *trust, int64_t at, int allow,
                           uat_claims **out)
{
    uat_buf ev;
    uat_buf_init(&ev, 1u << 20);
    vtok_evidence(t, &ev);
    uat_verify_ctx ctx = {.trust_dir = trust, .at = at};
    uat_virtcca_opts opts = {allow};
    uat_verify_out vo;
    memset(&vo, 0, sizeof(vo));
    uat_claims *c = NULL;
    assert_ok(uat_claims_new("virtcca", &c));
    uat_err rc = uat_virtcca_verify_opts(uat_buf_span(&ev), &ctx, &opts, c, &vo);
    if (rc == UAT_OK) {
        assert_int_equal(vo.report_data_len, 64);
        assert_memory_equal(vo.report_data, g.challenge, 64);
    }
    if (out != NULL && rc == UAT_OK) {
        *out = c;
    } else {
        uat_claims_free(c);
    }
    uat_buf_free(&ev);
    return rc;
}

static uat_err check(const vtok *t)
{
    return verify_opts(t, g.trust, g.now, 0, NULL);
}

static char *claims_json(uat_claims *c)
{
    char *json = NULL;
    assert_ok(uat_claims_to_json(c, 0, &json));
    return json;
}

/* ---- negative ---- */

static void evidence_json(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        uat_err want;
    } cases[] = {
        {"", UAT_ERR_PARSE_BAD_JSON},
        {"[]", UAT_ERR_PARSE_BAD_JSON},
        {"{\"vcca_token\": \"AAAA\"}", UAT_ERR_PARSE_BAD_JSON}, /* no dev_cert */
        {"{\"vcca_token\": \"AAAA\", \"dev_cert\": \"AAAA\", \"x\": 1}", UAT_ERR_PARSE_BAD_JSON},
        {"{\"vcca_token\": \"AA=A\", \"dev_cert\": \"AAAA\"}", UAT_ERR_PARSE_BAD_ENCODING},
        {"{\"vcca_token\": \"\", \"dev_cert\": \"AAAA\"}", UAT_ERR_PARSE_TRUNCATED},
        {"{\"attester_type\": \"cca\", \"evidence\": {}}", UAT_ERR_PARSE_BAD_VALUE},
        {"{\"attester_type\": \"virt_cca\", \"evidence\": {}, \"policy\": 1}",
         UAT_ERR_PARSE_BAD_JSON},
        {"{\"vcca_token\": \"AAAA\", \"dev_cert\": \"AAAA\", \"logs\": [{\"log_type\": \"Foo\", "
         "\"log_data\": \"AAAA\"}]}",
         UAT_ERR_PARSE_BAD_VALUE},
        {"{\"vcca_token\": \"AAAA\", \"dev_cert\": \"AAAA\", \"logs\": [{\"log_type\": \"CCEL\", "
         "\"log_data\": \"AAAA\"}, {\"log_type\": \"CCEL\", \"log_data\": \"AAAA\"}]}",
         UAT_ERR_PARSE_BAD_VALUE},
        {"{\"vcca_token\": \"AAAA\", \"dev_cert\": \"AAAA\", \"logs\": [{}, {}, {}]}",
         UAT_ERR_PARSE_BAD_JSON},
        {"{\"vcca_token\": \"AAAA\", \"dev_cert\": \"LS0tLS1CRUdJTiBYWFg=\"}",
         UAT_ERR_PARSE_BAD_CERT},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uat_virtcca_evidence e;
        uat_err got = uat_virtcca_evidence_parse(text_span(cases[i].json), &e);
        if (got != cases[i].want) {
            fail_msg("case %zu: %s, expected %s", i, uat_err_name(got),
                     uat_err_name(cases[i].want));
        }
    }
}

static void chain(void **state)
{
    (void)state;
    vtok t;
    vtok_legacy(&t);
    assert_err(verify_opts(&t, g.trust_other, g.now, 0, NULL), UAT_ERR_VERIFY_CHAIN);
    assert_string_equal(uat_last_error()->check, "virtcca.chain");
    assert_err(verify_opts(&t, g.trust, g.now + 400 * 86400, 0, NULL), UAT_ERR_VERIFY_EXPIRED);
    assert_err(verify_opts(&t, g.trust, g.now - 2 * 86400, 0, NULL), UAT_ERR_VERIFY_EXPIRED);
    char empty[128];
    snprintf(empty, sizeof(empty), "%s/none", g.dir);
    assert_err(verify_opts(&t, empty, g.now, 0, NULL), UAT_ERR_USAGE_NO_TRUST_ANCHOR);
}

static void unbound_rak(void **state)
{
    (void)state;
    vtok t;
    vtok_legacy(&t);
    /* a RAK of the attacker's own, signing its own token, with a genuine device certificate */
    uat_buf spki;
    uat_buf_init(&spki, sizeof(t.rak));
    assert_ok(uat_key_spki_der(g.stranger.key, &spki));
    memcpy(t.rak, spki.p, spki.len);
    t.rak_len = spki.len;
    uat_buf_free(&spki);
    claim_find(&t.cvm, 44237)->v = uat_span_of(t.rak, t.rak_len);
    t.cvm_key = g.stranger.key;
    assert_err(check(&t), UAT_ERR_VERIFY_UNTRUSTED_KEY);
    assert_string_equal(uat_last_error()->check, "virtcca.binding");
    /* the documented insecure option accepts it, and the claims say so */
    uat_claims *c = NULL;
    assert_ok(verify_opts(&t, g.trust, g.now, 1, &c));
    char *json = claims_json(c);
    assert_non_null(strstr(json, "\"rak_binding\":\"none\""));
    assert_non_null(strstr(json, "\"rak_unbound_insecure\":true"));
    free(json);
    uat_claims_free(c);
    /* the token's signature is still required */
    t.cvm_key = g.dev_rsa.key;
    assert_err(verify_opts(&t, g.trust, g.now, 1, NULL), UAT_ERR_VERIFY_SIGNATURE);
    assert_string_equal(uat_last_error()->check, "virtcca.cvm");
}

static void platform_token_errors(void **state)
{
    (void)state;
    vtok t;
    vtok_platform(&t);
    t.pchal[3] ^= 1;
    assert_err(check(&t), UAT_ERR_VERIFY_BINDING);
    vtok_platform(&t);
    t.platform_key = g.rak_ecc.key; /* not the device key */
    assert_err(check(&t), UAT_ERR_VERIFY_SIGNATURE);
    assert_string_equal(uat_last_error()->check, "virtcca.platform");
    vtok_platform(&t);
    claim_find(&t.platform, 2395)->u = 0x6000;
    assert_err(check(&t), UAT_ERR_VERIFY_TCB);
}

static void cvm_token_errors(void **state)
{
    (void)state;
    vtok t;
    vtok_legacy(&t);
    t.unwrap = 1; /* claims straight in the payload, as Arm CCA has them */
    assert_err(check(&t), UAT_ERR_PARSE_BAD_CBOR);
    assert_string_equal(uat_last_error()->check, "virtcca.cvm");
    vtok_legacy(&t);
    claim_add(&t.cvm, 265, C_TSTR, text_span(UAT_CCA_PROFILE_REALM), 0);
    assert_err(check(&t), UAT_ERR_PARSE_BAD_VALUE);
    /* a raw point that is not P-521, an encoding that is neither SPKI nor a point */
    vtok_legacy(&t);
    uint8_t p256[65];
    uat_key *k = NULL;
    assert_ok(uat_key_generate(UAT_KEY_EC_P256, &k));
    ec_point(k, p256);
    claim_find(&t.cvm, 44237)->v = uat_span_of(p256, 65);
    assert_err(check(&t), UAT_ERR_CRYPTO_BAD_KEY);
    claim_find(&t.cvm, 44237)->v = text_span("not a key");
    assert_err(check(&t), UAT_ERR_CRYPTO_BAD_KEY);
    uat_key_free(k);
}

/* ---- IMA ---- */

/* An ASCII ima-ng line and its template data's SHA-256 (what extends the REM). */
static void ima_line(unsigned pcr, const char *path, uint8_t fill, char *line, size_t cap,
                     uint8_t th256[32])
{
    uint8_t d[32], data[512];
    memset(d, fill, sizeof(d));
    size_t n = 0, pl = strlen(path) + 1;
    uint32_t l1 = 40, l2 = (uint32_t)pl;
    memcpy(data + n, &l1, 4); /* little-endian hosts (x86, arm64), as the lists are written */
    n += 4;
    memcpy(data + n, "sha256:", 8);
    n += 8;
    memcpy(data + n, d, 32);
    n += 32;
    memcpy(data + n, &l2, 4);
    n += 4;
    memcpy(data + n, path, pl);
    n += pl;
    uat_span s = uat_span_of(data, n);
    uint8_t th1[20];
    assert_ok(uat_hash(UAT_HASH_SHA1, &s, 1, th1));
    assert_ok(uat_hash(UAT_HASH_SHA256, &s, 1, th256));
    char h1[41], hd[65];
    uat_hex_encode(th1, 20, h1);
    uat_hex_encode(d, 32, hd);
    snprintf(line, cap, "%2u %s ima-ng sha256:%s %s\n", pcr, h1, hd, path);
}

static void extend(uint8_t reg[32], const uint8_t d[32])
{
    uat_span parts[2] = {uat_span_of(reg, 32), uat_span_of(d, 32)};
    assert_ok(uat_hash(UAT_HASH_SHA256, parts, 2, reg));
}

static void ima_replay(void **state)
{
    (void)state;
    char l0[256], l1[256], l2[256], l7[256], log[1024];
    uint8_t t0[32], t1[32], t2[32], t7[32], rem3[32] = {0};
    ima_line(10, "boot_aggregate", 0, l0, sizeof(l0), t0);
    ima_line(4, "/usr/bin/first", 0x11, l1, sizeof(l1), t1);
    ima_line(4, "/usr/bin/second", 0x22, l2, sizeof(l2), t2);
    ima_line(7, "/usr/bin/elsewhere", 0x33, l7, sizeof(l7), t7);
    extend(rem3, t1); /* the token holds the boot aggregate (no REM) and the first entry */
    vtok t;
    vtok_legacy(&t);
    uint8_t rems[4][32];
    memset(rems, 0, sizeof(rems));
    memcpy(rems[3], rem3, 32);
    uat_buf b;
    uat_buf_init(&b, 512);
    assert_ok(uat_cbor_put_head(&b, UAT_CBOR_ARRAY, 4));
    for (int i = 0; i < 4; i++) {
        put_bytes(&b, uat_span_of(rems[i], 32));
    }
    claim_find(&t.cvm, 44239)->v = claims_keep(&t.cvm, &b);
    uat_buf_free(&b);

    /* the list as the token saw it */
    snprintf(log, sizeof(log), "%s%s", l0, l1);
    t.ima = text_span(log);
    uat_claims *c = NULL;
    assert_ok(verify_opts(&t, g.trust, g.now, 0, &c));
    char *json = claims_json(c);
    assert_non_null(strstr(json, "\"ima\":{\"checked\":[\"rem3\"],\"entries\":2,"
                                 "\"format\":\"ascii\",\"status\":\"replay_success\"}"));
    free(json);
    uat_claims_free(c);

    /* only the boot aggregate (PCR 10): replayed, nothing to compare */
    t.ima = text_span(l0);
    assert_ok(verify_opts(&t, g.trust, g.now, 0, &c));
    json = claims_json(c);
    assert_non_null(strstr(json, "\"status\":\"unchecked\""));
    free(json);
    uat_claims_free(c);

    /* read later: one more entry than the token holds */
    snprintf(log, sizeof(log), "%s%s%s", l0, l1, l2);
    t.ima = text_span(log);
    assert_err(check(&t), UAT_ERR_VERIFY_MEASUREMENT);
    assert_string_equal(uat_last_error()->check, "virtcca.ima");
    assert_string_equal(uat_last_error()->field, "rem3");
    assert_int_equal(uat_last_error()->offset, (int64_t)(strlen(l0) + strlen(l1)));
    assert_non_null(strstr(uat_last_error()->message, "entry 3"));
    assert_non_null(strstr(uat_last_error()->message, "/usr/bin/second"));

    /* another list altogether: it differs from its first entry for the REM */
    snprintf(log, sizeof(log), "%s%s", l0, l2);
    t.ima = text_span(log);
    assert_err(check(&t), UAT_ERR_VERIFY_MEASUREMENT);
    assert_non_null(strstr(uat_last_error()->message, "no prefix"));
    assert_non_null(strstr(uat_last_error()->message, "entry 2"));
    assert_non_null(strstr(uat_last_error()->message, "/usr/bin/second"));

    /* an entry for a PCR no REM holds */
    snprintf(log, sizeof(log), "%s%s%s", l0, l1, l7);
    t.ima = text_span(log);
    assert_err(check(&t), UAT_ERR_PARSE_BAD_VALUE);
    assert_string_equal(uat_last_error()->check, "virtcca.ima");

    /* a line whose template hash is not its data's: the log layer names it */
    snprintf(log, sizeof(log), "%s%s", l0, l1);
    log[strlen(l0) + 4] ^= 1;
    t.ima = text_span(log);
    uat_err e = check(&t);
    assert_true(e != UAT_OK);
}

/* ---- positive ---- */

static void legacy_forms(void **state)
{
    (void)state;
    vtok t;
    vtok_legacy(&t);
    uat_claims *c = NULL;
    assert_ok(verify_opts(&t, g.trust, g.now, 0, &c));
    char *json = claims_json(c);
    assert_non_null(strstr(json, "\"rak_binding\":\"device-certificate\""));
    assert_non_null(strstr(json, "\"subject_cn\":\"DEVICE-RSA-0001\""));
    assert_null(strstr(json, "\"debug\""));
    assert_null(strstr(json, "\"tcb\""));
    free(json);
    uat_claims_free(c);
    /* the RAK as a raw P-521 point equal to the device key; a PEM device certificate */
    vtok_legacy(&t);
    t.rak_len = ec_point(g.dev_ecc.key, t.rak);
    claim_find(&t.cvm, 44237)->v = uat_span_of(t.rak, t.rak_len);
    t.cvm_key = g.dev_ecc.key;
    t.dev = &g.dev_ecc;
    t.pem = 1;
    assert_ok(check(&t));
}

static void platform_form(void **state)
{
    (void)state;
    vtok t;
    vtok_platform(&t);
    uat_claims *c = NULL;
    assert_ok(verify_opts(&t, g.trust, g.now, 0, &c));
    char *json = claims_json(c);
    assert_non_null(strstr(json, "\"rak_binding\":\"platform-token\""));
    assert_non_null(strstr(json, "\"debug\":false"));
    assert_non_null(strstr(json, "\"lifecycle_state\":\"secured\""));
    free(json);
    uat_claims_free(c);
    /* through the public verifier: sniffed, verified, bound to the challenge */
    uat_buf ev;
    uat_buf_init(&ev, 1u << 20);
    vtok_evidence(&t, &ev);
    assert_true(uat_virtcca_sniff(uat_buf_span(&ev)));
    uat_verifier *v = NULL;
    assert_ok(uat_verifier_new(&v));
    assert_ok(uat_verifier_set_trust_dir(v, g.trust));
    assert_ok(uat_verify(v, ev.p, ev.len, g.challenge, &c));
    assert_string_equal(uat_claims_tee(c), "virtcca");
    uat_claims_free(c);
    char *insp = NULL;
    assert_ok(uat_inspect(ev.p, ev.len, &insp));
    assert_non_null(strstr(insp, "\"platform_token\""));
    free(insp);
    uat_verifier_free(v);
    uat_buf_free(&ev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(evidence_json),
        cmocka_unit_test(chain),
        cmocka_unit_test(unbound_rak),
        cmocka_unit_test(platform_token_errors),
        cmocka_unit_test(cvm_token_errors),
        cmocka_unit_test(ima_replay),
        cmocka_unit_test(legacy_forms),
        cmocka_unit_test(platform_form),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
