/* Unit tests for the sim TEE (src/tee/sim) through the public attester and verifier.
 *
 * Two attester state directories under one mkdtemp() folder, each with its own generated key:
 * "a" is trusted by the verifier (a/trust), "b" is a stranger. Expected values (measurement,
 * signer, key_id, signature, binding) are recomputed here with OpenSSL's EVP API, not taken
 * from the library. Negative cases first.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <ftw.h>
#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tee/sim/sim.h"
#include "uattest/uattest.h"

#include "uat_assert.h"

#define MEASURE "uattest unit test workload v1"
#define SVN 7u
#define REP UAT_SIM_REPORT_SIZE

static char g_dir[256];      /* the mkdtemp() folder */
static char g_a[300];        /* state dir of the trusted key */
static char g_b[300];        /* state dir of an untrusted key */
static char g_trust_a[320];  /* <a>/trust */
static char g_trust_b[320];  /* <b>/trust */
static char g_empty[300];    /* an empty folder: no devices, no trust anchors */
static uint8_t g_rd[64];     /* the report data every report of a carries */
static uint8_t g_rep[REP];   /* a report of a */
static uint8_t g_rep_b[REP]; /* a report of b */
static uint8_t *g_json;      /* g_rep in the CMW the attester returned, as JSON */
static size_t g_json_n;

static void path_in(char *out, size_t cap, const char *dir, const char *rel)
{
    int n = snprintf(out, cap, "%s/%s", dir, rel);
    assert_true(n > 0 && (size_t)n < cap);
}

static void digest(const EVP_MD *md, const void *p, size_t n, uint8_t *out)
{
    unsigned len = 0;
    assert_int_equal(EVP_Digest(p, n, out, &len, md, NULL), 1);
}

static void to_hex(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        snprintf(out + 2 * i, 3, "%02x", p[i]);
    }
    out[2 * n] = '\0';
}

static uat_attester *sim_attester(const char *state_dir)
{
    uat_attester *a = NULL;
    assert_ok(uat_attester_new("sim", NULL, &a));
    assert_string_equal(uat_attester_tee(a), "sim");
    assert_ok(uat_attester_set_option(a, "state-dir", state_dir));
    assert_ok(uat_attester_set_option(a, "measure", MEASURE));
    return a;
}

/* Collects and unwraps the report, checking the envelope on the way. */
static void collect(uat_attester *a, const uint8_t rd[64], uint8_t out[REP])
{
    uat_cmw *c = NULL;
    assert_ok(uat_attester_collect(a, rd, &c));
    assert_int_equal(uat_cmw_kind(c), UAT_CMW_RECORD);
    assert_string_equal(uat_cmw_media_type(c), UAT_SIM_MEDIA_TYPE);
    assert_int_equal(uat_cmw_indicator(c), UAT_CMW_IND_EVIDENCE);
    const uint8_t *p = NULL;
    size_t n = 0;
    uat_cmw_value(c, &p, &n);
    assert_int_equal(n, REP);
    memcpy(out, p, REP);
    uat_cmw_free(c);
}

static uat_err verify(const char *trust, const uint8_t *ev, size_t n, const uint8_t *rd,
                      uat_claims **out)
{
    uat_verifier *v = NULL;
    assert_ok(uat_verifier_new(&v));
    if (trust != NULL) {
        assert_ok(uat_verifier_set_trust_dir(v, trust));
    }
    uat_claims *claims = NULL;
    uat_err rc = uat_verify(v, ev, n, rd, &claims);
    uat_verifier_free(v);
    if (out != NULL) {
        *out = claims;
    } else {
        uat_claims_free(claims);
    }
    if (rc != UAT_OK) {
        assert_null(claims);
    }
    return rc;
}

/* ["application/vnd.uattest.sim-report", h'<n bytes>'] in CBOR, written out by hand */
static size_t wrap(const uint8_t *p, size_t n, uint8_t *out)
{
    static const char type[] = UAT_SIM_MEDIA_TYPE;
    assert_int_equal(sizeof(type) - 1, 0x22);
    size_t k = 0;
    out[k++] = 0x82;
    out[k++] = 0x78;
    out[k++] = 0x22;
    memcpy(out + k, type, 0x22);
    k += 0x22;
    out[k++] = 0x59;
    out[k++] = (uint8_t)(n >> 8);
    out[k++] = (uint8_t)n;
    memcpy(out + k, p, n);
    return k + n;
}

static uat_err verify_wrapped(const char *trust, const uint8_t *p, size_t n, const uint8_t *rd)
{
    uint8_t buf[REP + 64];
    size_t len = wrap(p, n, buf);
    return verify(trust, buf, len, rd, NULL);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int group_setup(void **state)
{
    (void)state;
    const char *tmp = getenv("TMPDIR");
    snprintf(g_dir, sizeof(g_dir), "%s/uat-test-sim-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (mkdtemp(g_dir) == NULL) {
        return -1;
    }
    snprintf(g_a, sizeof(g_a), "%s/a", g_dir);
    snprintf(g_b, sizeof(g_b), "%s/b", g_dir);
    snprintf(g_trust_a, sizeof(g_trust_a), "%s/trust", g_a);
    snprintf(g_trust_b, sizeof(g_trust_b), "%s/trust", g_b);
    snprintf(g_empty, sizeof(g_empty), "%s/empty", g_dir);
    if (mkdir(g_empty, 0700) != 0) {
        return -1;
    }
    for (size_t i = 0; i < sizeof(g_rd); i++) {
        g_rd[i] = (uint8_t)(0xa0 ^ i);
    }
    uat_attester *a = sim_attester(g_a);
    assert_ok(uat_attester_set_option(a, "svn", "7"));
    uat_cmw *c = NULL;
    assert_ok(uat_attester_collect(a, g_rd, &c));
    assert_ok(uat_cmw_serialize(c, UAT_CMW_JSON, &g_json, &g_json_n));
    const uint8_t *p = NULL;
    size_t n = 0;
    uat_cmw_value(c, &p, &n);
    assert_int_equal(n, REP);
    memcpy(g_rep, p, REP);
    uat_cmw_free(c);
    uat_attester_free(a);
    a = sim_attester(g_b);
    collect(a, g_rd, g_rep_b);
    uat_attester_free(a);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    free(g_json);
    return nftw(g_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- attester: negative cases ---- */

static void attester_new_errors(void **state)
{
    (void)state;
    uat_attester *a = NULL;
    assert_err(uat_attester_new("nosuch", NULL, &a), UAT_ERR_UNSUPPORTED_TEE);
    assert_string_equal(uat_last_error()->check, "attester.tee");
    assert_string_equal(uat_last_error()->field, "tee");
    assert_non_null(strstr(uat_last_error()->message, "nosuch"));
    assert_err(uat_attester_new("", NULL, &a), UAT_ERR_UNSUPPORTED_TEE);
    /* nothing under an empty root: sim is software and never detected */
    assert_err(uat_attester_new("auto", g_empty, &a), UAT_ERR_PLATFORM_NO_TEE);
    assert_string_equal(uat_last_error()->check, "attester.detect");
    assert_err(uat_attester_new(NULL, g_empty, &a), UAT_ERR_PLATFORM_NO_TEE);
    assert_int_equal(uat_detect_tees(g_empty, NULL, 0), 0);
    assert_err(uat_attester_new("sim", NULL, NULL), UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_null(a);
}

static void attester_option_errors(void **state)
{
    (void)state;
    uat_attester *a = sim_attester(g_a);
    uat_cmw *c = NULL;
    uat_error_clear();
    assert_err(uat_attester_set_option(a, "colour", "blue"), UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_string_equal(uat_last_error()->check, "attester.option");
    assert_string_equal(uat_last_error()->field, "key");
    assert_non_null(strstr(uat_last_error()->message, "colour"));
    assert_err(uat_attester_set_option(a, "tsm-entry", "x"), UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_err(uat_attester_set_option(a, NULL, "x"), UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_err(uat_attester_set_option(a, "svn", NULL), UAT_ERR_USAGE_INVALID_ARGUMENT);

    static const char *const bad_svn[] = {
        "abc", "4294967296", "-1", "", " 1", "1 ", "1x", "+1", "0x10", "99999999999999999999999",
    };
    for (size_t i = 0; i < sizeof(bad_svn) / sizeof(bad_svn[0]); i++) {
        assert_ok(uat_attester_set_option(a, "svn", bad_svn[i])); /* checked when used */
        assert_err(uat_attester_collect(a, g_rd, &c), UAT_ERR_USAGE_INVALID_ARGUMENT);
        assert_string_equal(uat_last_error()->check, "sim.attest");
        assert_string_equal(uat_last_error()->field, "svn");
    }
    assert_ok(uat_attester_set_option(a, "svn", "4294967295"));
    assert_ok(uat_attester_set_option(a, "debug", "maybe"));
    assert_err(uat_attester_collect(a, g_rd, &c), UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_string_equal(uat_last_error()->field, "debug");
    assert_ok(uat_attester_set_option(a, "debug", "false"));
    assert_err(uat_attester_collect(a, NULL, &c), UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_err(uat_attester_collect(a, g_rd, NULL), UAT_ERR_USAGE_INVALID_ARGUMENT);

    /* a key that is not a P-256 private key, a missing key, a missing measured file */
    char path[400];
    path_in(path, sizeof(path), g_trust_a, "sim/sim-root.pem");
    assert_ok(uat_attester_set_option(a, "key", path));
    assert_err(uat_attester_collect(a, g_rd, &c), UAT_ERR_CRYPTO_BAD_KEY);
    path_in(path, sizeof(path), g_dir, "no-such-key.pem");
    assert_ok(uat_attester_set_option(a, "key", path));
    assert_err(uat_attester_collect(a, g_rd, &c), UAT_ERR_IO_NOT_FOUND);
    uat_attester_free(a);

    a = NULL;
    assert_ok(uat_attester_new("sim", NULL, &a));
    assert_ok(uat_attester_set_option(a, "state-dir", g_a));
    path_in(path, sizeof(path), g_dir, "no-such-file");
    assert_ok(uat_attester_set_option(a, "measure-file", path));
    assert_err(uat_attester_collect(a, g_rd, &c), UAT_ERR_IO_NOT_FOUND);
    uat_attester_free(a);

    /* no state dir and no key: nowhere to keep a key */
    assert_ok(uat_attester_new("sim", NULL, &a));
    assert_ok(uat_attester_set_option(a, "measure", MEASURE));
    assert_err(uat_attester_collect(a, g_rd, &c), UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_string_equal(uat_last_error()->field, "key");
    assert_null(c);
    uat_attester_free(a);
}

/* ---- verifier: negative cases ---- */

static void verify_wrong_binding(void **state)
{
    (void)state;
    uint8_t rd[64];
    for (size_t i = 0; i < sizeof(rd); i += 21) {
        memcpy(rd, g_rd, sizeof(rd));
        rd[i] ^= 0x01;
        assert_err(verify(g_trust_a, g_json, g_json_n, rd, NULL), UAT_ERR_VERIFY_BINDING);
        assert_string_equal(uat_last_error()->check, "binding");
        assert_string_equal(uat_last_error()->field, "report_data");
        assert_err(verify(g_trust_a, g_rep, REP, rd, NULL), UAT_ERR_VERIFY_BINDING);
    }
    memset(rd, 0, sizeof(rd));
    assert_err(verify(g_trust_a, g_json, g_json_n, rd, NULL), UAT_ERR_VERIFY_BINDING);
    char text[512];
    assert_true(uat_error_format(uat_last_error(), text, sizeof(text)) > 0);
    assert_non_null(strstr(text, "VERIFY_BINDING"));
    assert_non_null(strstr(text, "check binding, field report_data"));
}

static void verify_untrusted_key(void **state)
{
    (void)state;
    assert_err(verify(g_trust_a, g_rep_b, REP, g_rd, NULL), UAT_ERR_VERIFY_UNTRUSTED_KEY);
    assert_string_equal(uat_last_error()->check, "sim.key");
    assert_string_equal(uat_last_error()->field, "key_id");
    assert_int_equal(uat_last_error()->offset, 176);
    assert_err(verify(g_trust_b, g_rep, REP, g_rd, NULL), UAT_ERR_VERIFY_UNTRUSTED_KEY);
    assert_ok(verify(g_trust_b, g_rep_b, REP, g_rd, NULL));
    /* b's key_id in a's report: the key is trusted, the signature is not its */
    uint8_t rep[REP];
    memcpy(rep, g_rep, REP);
    memcpy(rep + 176, g_rep_b + 176, 32);
    assert_err(verify(g_trust_b, rep, REP, g_rd, NULL), UAT_ERR_VERIFY_SIGNATURE);
    assert_string_equal(uat_last_error()->check, "sim.signature");
    assert_string_equal(uat_last_error()->field, "signature");
    assert_int_equal(uat_last_error()->offset, 208);
}

static void verify_no_trust_anchor(void **state)
{
    (void)state;
    char missing[400];
    path_in(missing, sizeof(missing), g_dir, "no-such-trust");
    const char *dirs[] = {missing, g_empty, NULL};
    for (size_t i = 0; i < 3; i++) {
        assert_err(verify(dirs[i], g_json, g_json_n, g_rd, NULL), UAT_ERR_USAGE_NO_TRUST_ANCHOR);
        assert_string_equal(uat_last_error()->check, "trust.load");
        assert_string_equal(uat_last_error()->field, "sim");
    }
    uat_verifier *v = NULL;
    assert_ok(uat_verifier_new(&v));
    assert_err(uat_verifier_set_trust_dir(v, ""), UAT_ERR_USAGE_INVALID_ARGUMENT);
    uat_verifier_free(v);
}

/* Every single-bit flip of the report fails verification with a VERIFY error: the signature
 * covers bytes [0, 208) and is itself bytes [208, 272); key_id [176, 208) selects the key. */
static void verify_every_bit_flip(void **state)
{
    (void)state;
    uint8_t rep[REP];
    memcpy(rep, g_rep, REP);
    for (size_t bit = 0; bit < REP * 8; bit++) {
        size_t off = bit / 8;
        uat_err want =
            off >= 176 && off < 208 ? UAT_ERR_VERIFY_UNTRUSTED_KEY : UAT_ERR_VERIFY_SIGNATURE;
        rep[off] ^= (uint8_t)(1u << (bit % 8));
        uat_err wrapped = verify_wrapped(g_trust_a, rep, REP, g_rd);
        uat_err raw = verify(g_trust_a, rep, REP, g_rd, NULL);
        rep[off] ^= (uint8_t)(1u << (bit % 8));
        if (wrapped != want) {
            print_error("bit %zu: %s\n", bit, uat_err_name(wrapped));
        }
        assert_err(wrapped, want);
        assert_int_equal(uat_err_category(wrapped), UAT_CAT_VERIFY);
        if (off < 4) {
            /* without its magic the raw report is not recognised as sim evidence at all */
            assert_int_equal(uat_err_category(raw), UAT_CAT_PARSE);
        } else {
            assert_err(raw, want);
        }
    }
    assert_memory_equal(rep, g_rep, REP);
    assert_ok(verify_wrapped(g_trust_a, rep, REP, g_rd));
}

static void verify_bad_length(void **state)
{
    (void)state;
    uint8_t rep[REP + 1];
    memcpy(rep, g_rep, REP);
    rep[REP] = 0;
    assert_err(verify_wrapped(g_trust_a, rep, REP - 1, g_rd), UAT_ERR_PARSE_TRUNCATED);
    assert_string_equal(uat_last_error()->check, "sim.report");
    assert_err(verify_wrapped(g_trust_a, rep, REP + 1, g_rd), UAT_ERR_PARSE_TRAILING_BYTES);
    assert_err(verify_wrapped(g_trust_a, rep, 0, g_rd), UAT_ERR_PARSE_TRUNCATED);
    assert_err(verify_wrapped(g_trust_a, rep, 208, g_rd), UAT_ERR_PARSE_TRUNCATED);
    /* raw, only exactly 272 bytes are recognised */
    assert_int_not_equal(verify(g_trust_a, rep, REP - 1, g_rd, NULL), UAT_OK);
    assert_int_not_equal(verify(g_trust_a, rep, REP + 1, g_rd, NULL), UAT_OK);
    assert_err(verify(g_trust_a, rep, 0, g_rd, NULL), UAT_ERR_PARSE_TRUNCATED);
}

static void sim_parse_errors(void **state)
{
    (void)state;
    uint8_t rep[REP + 1];
    uat_sim_report r;
    memcpy(rep, g_rep, REP);
    static const struct {
        size_t off;
        uint8_t xor_mask;
        uat_err want;
        const char *field;
        int64_t field_off;
    } cases[] = {
        {0, 0x01, UAT_ERR_PARSE_BAD_MAGIC, "magic", 0},
        {3, 0x20, UAT_ERR_PARSE_BAD_MAGIC, "magic", 0},     /* "USIm" */
        {4, 0x03, UAT_ERR_PARSE_BAD_VERSION, "version", 4}, /* 2 */
        {4, 0x01, UAT_ERR_PARSE_BAD_VERSION, "version", 4}, /* 0 */
        {5, 0x01, UAT_ERR_PARSE_BAD_VERSION, "version", 4}, /* 257 */
        {6, 0x02, UAT_ERR_PARSE_RESERVED_NONZERO, "flags", 6},
        {7, 0x80, UAT_ERR_PARSE_RESERVED_NONZERO, "flags", 6},
        {12, 0x01, UAT_ERR_PARSE_RESERVED_NONZERO, "reserved", 12},
        {15, 0x80, UAT_ERR_PARSE_RESERVED_NONZERO, "reserved", 12},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        rep[cases[i].off] ^= cases[i].xor_mask;
        uat_error_clear();
        assert_err(uat_sim_parse(uat_span_of(rep, REP), &r), cases[i].want);
        assert_string_equal(uat_last_error()->check, "sim.report");
        assert_string_equal(uat_last_error()->field, cases[i].field);
        assert_int_equal(uat_last_error()->offset, cases[i].field_off);
        rep[cases[i].off] ^= cases[i].xor_mask;
    }
    assert_err(uat_sim_parse(uat_span_of(rep, REP - 1), &r), UAT_ERR_PARSE_TRUNCATED);
    assert_err(uat_sim_parse(uat_span_of(rep, 0), &r), UAT_ERR_PARSE_TRUNCATED);
    assert_err(uat_sim_parse(uat_span_of(rep, REP + 1), &r), UAT_ERR_PARSE_TRAILING_BYTES);
    assert_false(uat_sim_sniff(uat_span_of(rep, REP - 1)));
    assert_false(uat_sim_sniff(uat_span_of(rep, REP + 1)));
    rep[1] ^= 0x01;
    assert_false(uat_sim_sniff(uat_span_of(rep, REP)));
    rep[1] ^= 0x01;
    assert_true(uat_sim_sniff(uat_span_of(rep, REP)));
}

/* Re-signs bytes [0, 208) with a's key, so only the parser can object. */
static void resign(uint8_t rep[REP])
{
    char path[400];
    path_in(path, sizeof(path), g_a, "sim/key.pem");
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(k);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char der[128];
    size_t n = sizeof(der);
    assert_int_equal(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, k), 1);
    assert_int_equal(EVP_DigestSign(ctx, der, &n, rep, UAT_SIM_SIGNED_SIZE), 1);
    const unsigned char *p = der;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)n);
    assert_non_null(sig);
    assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_r(sig), rep + 208, 32), 32);
    assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_s(sig), rep + 240, 32), 32);
    ECDSA_SIG_free(sig);
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(k);
}

/* Correctly signed but malformed reports: verification reaches the parser and reports it. */
static void verify_signed_malformed(void **state)
{
    (void)state;
    uint8_t rep[REP];
    static const struct {
        size_t off;
        uint8_t xor_mask;
        uat_err want;
    } cases[] = {
        {6, 0x02, UAT_ERR_PARSE_RESERVED_NONZERO},
        {13, 0x10, UAT_ERR_PARSE_RESERVED_NONZERO},
        {4, 0x03, UAT_ERR_PARSE_BAD_VERSION},
        {0, 0x20, UAT_ERR_PARSE_BAD_MAGIC},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memcpy(rep, g_rep, REP);
        rep[cases[i].off] ^= cases[i].xor_mask;
        resign(rep);
        assert_err(verify_wrapped(g_trust_a, rep, REP, g_rd), cases[i].want);
    }
    /* the same helper on an unchanged body gives a report that verifies */
    memcpy(rep, g_rep, REP);
    resign(rep);
    assert_ok(verify_wrapped(g_trust_a, rep, REP, g_rd));
    rep[6] |= UAT_SIM_FLAG_DEBUG;
    resign(rep);
    uat_claims *c = NULL;
    assert_ok(verify(g_trust_a, rep, REP, g_rd, &c));
    int debug = 0;
    assert_ok(uat_claims_get_bool(c, "debug", &debug));
    assert_true(debug);
    uat_claims_free(c);
}

/* ---- positive cases ---- */

static void key_files_created(void **state)
{
    (void)state;
    char path[400];
    struct stat st;
    path_in(path, sizeof(path), g_a, "sim/key.pem");
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0600);
    path_in(path, sizeof(path), g_a, "sim");
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0077, 0);
    path_in(path, sizeof(path), g_a, "trust/sim/sim-root.pem");
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISREG(st.st_mode));

    /* the anchor is the public half: key_id = SHA-256(SPKI), and it verifies the signature */
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    EVP_PKEY *pub = PEM_read_PUBKEY(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(pub);
    unsigned char *spki = NULL;
    int spki_n = i2d_PUBKEY(pub, &spki);
    assert_true(spki_n > 0);
    uint8_t id[32];
    digest(EVP_sha256(), spki, (size_t)spki_n, id);
    OPENSSL_free(spki);
    assert_memory_equal(g_rep + 176, id, 32);

    ECDSA_SIG *sig = ECDSA_SIG_new();
    assert_non_null(sig);
    assert_int_equal(
        ECDSA_SIG_set0(sig, BN_bin2bn(g_rep + 208, 32, NULL), BN_bin2bn(g_rep + 240, 32, NULL)), 1);
    unsigned char *der = NULL;
    int der_n = i2d_ECDSA_SIG(sig, &der);
    assert_true(der_n > 0);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pub), 1);
    assert_int_equal(EVP_DigestVerify(ctx, der, (size_t)der_n, g_rep, UAT_SIM_SIGNED_SIZE), 1);
    EVP_MD_CTX_free(ctx);
    OPENSSL_free(der);
    ECDSA_SIG_free(sig);
    EVP_PKEY_free(pub);

    /* a second collection reuses the key; the two states hold different keys */
    uat_attester *a = sim_attester(g_a);
    uint8_t rep[REP];
    collect(a, g_rd, rep);
    uat_attester_free(a);
    assert_memory_equal(rep + 176, g_rep + 176, 32);
    assert_memory_not_equal(g_rep_b + 176, g_rep + 176, 32);
}

static void report_layout(void **state)
{
    (void)state;
    uint8_t h[48];
    assert_memory_equal(g_rep, "USIM\x01\x00\x00\x00\x07\x00\x00\x00\x00\x00\x00\x00", 16);
    digest(EVP_sha384(), MEASURE, strlen(MEASURE), h);
    assert_memory_equal(g_rep + 16, h, 48);
    digest(EVP_sha384(), "uattest-sim", strlen("uattest-sim"), h);
    assert_memory_equal(g_rep + 64, h, 48);
    assert_memory_equal(g_rep + 112, g_rd, 64);
    uat_sim_report r;
    assert_ok(uat_sim_parse(uat_span_of(g_rep, REP), &r));
    assert_int_equal(r.version, 1);
    assert_int_equal(r.flags, 0);
    assert_int_equal(r.svn, SVN);
    assert_memory_equal(r.report_data, g_rd, 64);
    assert_memory_equal(r.signature, g_rep + 208, 64);
}

static void assert_hex_claim(const uat_claims *c, const char *name, const uint8_t *p, size_t n)
{
    char hex[257];
    to_hex(p, n, hex);
    assert_non_null(uat_claims_get_string(c, name));
    assert_string_equal(uat_claims_get_string(c, name), hex);
}

static void verify_claims(void **state)
{
    (void)state;
    uint8_t h[48];
    uat_claims *c = NULL;
    uat_verifier *v = NULL;
    assert_ok(uat_verifier_new(&v));
    assert_ok(uat_verifier_set_trust_dir(v, g_trust_a));
    uat_verifier_set_time(v, 1700000000); /* 2023-11-14T22:13:20Z */
    assert_ok(uat_verify(v, g_json, g_json_n, g_rd, &c));
    uat_verifier_free(v);
    assert_string_equal(uat_claims_tee(c), "sim");
    int64_t svn = 0;
    int debug = 1;
    assert_ok(uat_claims_get_int(c, "svn", &svn));
    assert_int_equal(svn, SVN);
    assert_ok(uat_claims_get_bool(c, "debug", &debug));
    assert_false(debug);
    digest(EVP_sha384(), MEASURE, strlen(MEASURE), h);
    assert_hex_claim(c, "measurement", h, 48);
    digest(EVP_sha384(), "uattest-sim", strlen("uattest-sim"), h);
    assert_hex_claim(c, "signer", h, 48);
    assert_hex_claim(c, "report_data", g_rd, 64);
    assert_string_equal(uat_claims_get_string(c, "verified_at"), "2023-11-14T22:13:20Z");
    char hex[65];
    to_hex(g_rep + 176, 32, hex);
    assert_string_equal(uat_claims_tee_field(c, "key_id"), hex);
    assert_null(uat_claims_get_string(c, "no_such_claim"));
    assert_err(uat_claims_get_int(c, "no_such_claim", &svn), UAT_ERR_USAGE_INVALID_ARGUMENT);
    char *json = NULL;
    assert_ok(uat_claims_to_json(c, 0, &json));
    assert_non_null(strstr(json, "\"tee\":\"sim\""));
    free(json);
    uat_claims_free(c);

    /* the same report raw, as a CBOR CMW, without an expected binding, against <trust>/sim */
    uint8_t *cbor = NULL;
    size_t cbor_n = 0;
    uat_cmw *cmw = NULL;
    assert_ok(uat_cmw_parse(g_json, g_json_n, &cmw));
    assert_ok(uat_cmw_serialize(cmw, UAT_CMW_CBOR, &cbor, &cbor_n));
    uat_cmw_free(cmw);
    assert_ok(verify(g_trust_a, cbor, cbor_n, g_rd, NULL));
    free(cbor);
    assert_ok(verify(g_trust_a, g_rep, REP, g_rd, NULL));
    assert_ok(verify(g_trust_a, g_rep, REP, NULL, &c));
    assert_hex_claim(c, "report_data", g_rd, 64);
    uat_claims_free(c);
    char sim_dir[400];
    path_in(sim_dir, sizeof(sim_dir), g_trust_a, "sim");
    assert_ok(verify(sim_dir, g_rep, REP, g_rd, NULL));
}

static void collect_options(void **state)
{
    (void)state;
    char file[400];
    path_in(file, sizeof(file), g_dir, "measured.bin");
    static const uint8_t content[] = {0, 1, 2, 0xff, 'x'};
    FILE *f = fopen(file, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(content, 1, sizeof(content), f), sizeof(content));
    assert_int_equal(fclose(f), 0);

    uat_attester *a = NULL;
    assert_ok(uat_attester_new("sim", NULL, &a));
    assert_ok(uat_attester_set_option(a, "state-dir", g_a));
    assert_ok(uat_attester_set_option(a, "measure-file", file));
    assert_ok(uat_attester_set_option(a, "svn", "1"));
    assert_ok(uat_attester_set_option(a, "svn", "4294967295")); /* the last value wins */
    assert_ok(uat_attester_set_option(a, "debug", "true"));
    assert_ok(uat_attester_set_option(a, "signer", "acme release key"));
    uint8_t rep[REP];
    collect(a, g_rd, rep);
    uat_attester_free(a);

    uat_claims *c = NULL;
    assert_ok(verify(g_trust_a, rep, REP, g_rd, &c));
    int64_t svn = 0;
    int debug = 0;
    assert_ok(uat_claims_get_int(c, "svn", &svn));
    assert_int_equal(svn, 4294967295);
    assert_ok(uat_claims_get_bool(c, "debug", &debug));
    assert_true(debug);
    uint8_t h[48];
    digest(EVP_sha384(), content, sizeof(content), h);
    assert_hex_claim(c, "measurement", h, 48);
    digest(EVP_sha384(), "acme release key", strlen("acme release key"), h);
    assert_hex_claim(c, "signer", h, 48);
    uat_claims_free(c);
    assert_int_equal(rep[6], UAT_SIM_FLAG_DEBUG);
    assert_memory_equal(rep + 8, "\xff\xff\xff\xff", 4);
    remove(file);
}

/* The attester reads its key and measurement once and keeps them until an option changes: a
 * collect after the key file is gone still works, a collect after any option change reads the
 * options again (a new measurement, another state directory's key, or the missing file). */
static void collect_cache(void **state)
{
    (void)state;
    char key[400], copy[400];
    path_in(key, sizeof(key), g_a, "sim/key.pem");
    path_in(copy, sizeof(copy), g_dir, "key-copy.pem");
    static char pem[1 << 14];
    FILE *f = fopen(key, "rb");
    assert_non_null(f);
    size_t n = fread(pem, 1, sizeof(pem), f);
    assert_true(n > 0 && n < sizeof(pem));
    assert_int_equal(fclose(f), 0);
    f = fopen(copy, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(pem, 1, n, f), n);
    assert_int_equal(fclose(f), 0);

    uat_attester *a = sim_attester(g_a);
    assert_ok(uat_attester_set_option(a, "key", copy));
    uint8_t r1[REP], r2[REP], h[48];
    collect(a, g_rd, r1);
    assert_int_equal(remove(copy), 0);
    collect(a, g_rd, r2); /* the cached key */
    assert_memory_equal(r1 + 176, r2 + 176, 32);
    assert_ok(verify(g_trust_a, r2, REP, g_rd, NULL));
    assert_ok(uat_attester_set_option(a, "measure", "another workload"));
    uat_cmw *c = NULL;
    assert_err(uat_attester_collect(a, g_rd, &c), UAT_ERR_IO_NOT_FOUND); /* read again */
    assert_null(c);
    assert_ok(uat_attester_set_option(a, "key", key));
    collect(a, g_rd, r2);
    digest(EVP_sha384(), "another workload", strlen("another workload"), h);
    assert_memory_equal(r2 + 16, h, 48);
    assert_ok(uat_attester_set_option(a, "state-dir", g_b)); /* with "key" set: the same key */
    collect(a, g_rd, r2);
    assert_memory_equal(r1 + 176, r2 + 176, 32);
    uat_attester_free(a);
    a = sim_attester(g_a);
    collect(a, g_rd, r1);
    assert_ok(uat_attester_set_option(a, "state-dir", g_b));
    collect(a, g_rd, r2);
    assert_memory_not_equal(r1 + 176, r2 + 176, 32); /* b's key, not the cached a's */
    assert_ok(verify(g_trust_b, r2, REP, g_rd, NULL));
    uat_attester_free(a);
}

static void inspect_report(void **state)
{
    (void)state;
    const uint8_t *inputs[] = {g_rep, g_json};
    const size_t lens[] = {REP, g_json_n};
    char hex[129];
    for (size_t i = 0; i < 2; i++) {
        char *out = NULL;
        assert_ok(uat_inspect(inputs[i], lens[i], &out));
        json_error_t jerr;
        json_t *doc = json_loads(out, 0, &jerr);
        free(out);
        assert_non_null(doc);
        assert_string_equal(json_string_value(json_object_get(doc, "tee")), "sim");
        assert_string_equal(json_string_value(json_object_get(doc, "media_type")),
                            UAT_SIM_MEDIA_TYPE);
        assert_int_equal(json_integer_value(json_object_get(doc, "size")), REP);
        json_t *fl = json_object_get(doc, "fields");
        assert_int_equal(json_integer_value(json_object_get(fl, "version")), 1);
        assert_int_equal(json_integer_value(json_object_get(fl, "flags")), 0);
        assert_true(json_is_false(json_object_get(fl, "debug")));
        assert_int_equal(json_integer_value(json_object_get(fl, "svn")), SVN);
        static const struct {
            const char *name;
            size_t off, n;
        } hex_fields[] = {{"measurement", 16, 48},
                          {"signer", 64, 48},
                          {"report_data", 112, 64},
                          {"key_id", 176, 32},
                          {"signature", 208, 64}};
        for (size_t k = 0; k < sizeof(hex_fields) / sizeof(hex_fields[0]); k++) {
            to_hex(g_rep + hex_fields[k].off, hex_fields[k].n, hex);
            assert_string_equal(json_string_value(json_object_get(fl, hex_fields[k].name)), hex);
        }
        json_decref(doc);
    }
    /* a collection is inspected entry by entry */
    char *coll = NULL;
    const char *json = (const char *)g_json;
    size_t cn = g_json_n + 40;
    coll = malloc(cn);
    assert_non_null(coll);
    snprintf(coll, cn, "{\"__cmwc_t\":\"t\",\"cpu\":%s}", json);
    char *text = NULL;
    assert_ok(uat_inspect((const uint8_t *)coll, strlen(coll), &text));
    json_t *doc = json_loads(text, 0, NULL);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "collection_type")), "t");
    json_t *cpu = json_object_get(json_object_get(doc, "collection"), "cpu");
    assert_string_equal(json_string_value(json_object_get(cpu, "tee")), "sim");
    to_hex(g_rd, 64, hex);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(cpu, "fields"), "report_data")), hex);
    json_decref(doc);
    free(text);
    free(coll);

    /* inspection parses: a malformed report is refused without any key */
    uint8_t buf[REP + 64];
    char *out = NULL;
    size_t n = wrap(g_rep, REP - 1, buf);
    assert_err(uat_inspect(buf, n, &out), UAT_ERR_PARSE_TRUNCATED);
    uint8_t rep[REP];
    memcpy(rep, g_rep, REP);
    rep[6] = 0x04;
    n = wrap(rep, REP, buf);
    assert_err(uat_inspect(buf, n, &out), UAT_ERR_PARSE_RESERVED_NONZERO);
    assert_null(out);
}

static void report_data_binding(void **state)
{
    (void)state;
    static const uint8_t nonce[] = "n0nce-0123456789";
    static const uint8_t runtime[] = "{\"pubkey\":\"abc\"}";
    uint8_t rd[64], want[32];
    memset(rd, 0xee, sizeof(rd));
    assert_ok(uat_report_data_bind(nonce, sizeof(nonce) - 1, runtime, sizeof(runtime) - 1, rd));
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned len = 0;
    assert_int_equal(EVP_DigestInit_ex(ctx, EVP_sha256(), NULL), 1);
    assert_int_equal(EVP_DigestUpdate(ctx, nonce, sizeof(nonce) - 1), 1);
    assert_int_equal(EVP_DigestUpdate(ctx, runtime, sizeof(runtime) - 1), 1);
    assert_int_equal(EVP_DigestFinal_ex(ctx, want, &len), 1);
    EVP_MD_CTX_free(ctx);
    assert_memory_equal(rd, want, 32);
    static const uint8_t zero[32] = {0};
    assert_memory_equal(rd + 32, zero, 32);

    uint8_t empty[64];
    assert_ok(uat_report_data_bind(NULL, 0, NULL, 0, empty));
    digest(EVP_sha256(), "", 0, want);
    assert_memory_equal(empty, want, 32);
    assert_memory_equal(empty + 32, zero, 32);
    assert_err(uat_report_data_bind(NULL, 1, runtime, 1, empty), UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_err(uat_report_data_bind(nonce, 1, NULL, 1, empty), UAT_ERR_USAGE_INVALID_ARGUMENT);

    /* end to end: evidence bound to the binding verifies against it and nothing else */
    uat_attester *a = sim_attester(g_a);
    uint8_t rep[REP];
    collect(a, rd, rep);
    uat_attester_free(a);
    assert_ok(verify(g_trust_a, rep, REP, rd, NULL));
    assert_err(verify(g_trust_a, rep, REP, empty, NULL), UAT_ERR_VERIFY_BINDING);
}

static void verify_unsupported(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        uat_err want;
        const char *field;
    } cases[] = {
        {"[\"application/vnd.example\",\"AQID\"]", UAT_ERR_UNSUPPORTED_TEE, "type"},
        /* a collection is composite evidence (docs/composite.md): its member is verified */
        {"{\"cpu\":[\"application/vnd.uattest.sim-report\",\"AQID\"]}", UAT_ERR_PARSE_TRUNCATED,
         ""},
        {"{\"cpu\":{\"x\":[\"application/vnd.uattest.sim-report\",\"AQID\"]}}",
         UAT_ERR_UNSUPPORTED_FEATURE, "cpu"},
        {"[\"application/vnd.uattest.sim-report\",\"AQID\",16]", UAT_ERR_PARSE_BAD_VALUE, "ind"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const uint8_t *p = (const uint8_t *)cases[i].text;
        assert_err(verify(g_trust_a, p, strlen(cases[i].text), g_rd, NULL), cases[i].want);
        assert_string_equal(uat_last_error()->field, cases[i].field);
    }
    /* a tag and a content-format nobody registered */
    assert_err(verify(g_trust_a, (const uint8_t *)"\xd9\x30\x39\x41\x00", 5, g_rd, NULL),
               UAT_ERR_UNSUPPORTED_TEE);
    assert_string_equal(uat_last_error()->field, "tag");
    assert_err(verify(g_trust_a, (const uint8_t *)"\x82\x19\x75\x31\x41\x00", 6, g_rd, NULL),
               UAT_ERR_UNSUPPORTED_TEE);
    assert_err(verify(g_trust_a, g_rep, 0, g_rd, NULL), UAT_ERR_PARSE_TRUNCATED);
    uat_verifier *v = NULL;
    assert_ok(uat_verifier_new(&v));
    assert_err(uat_verify(v, g_rep, REP, g_rd, NULL), UAT_ERR_USAGE_INVALID_ARGUMENT);
    uat_verifier_free(v);

    /* the media type selects the verifier by type/subtype, case-insensitively */
    static const char *const types[] = {"application/vnd.uattest.sim-report; v=1",
                                        "Application/VND.uattest.SIM-Report"};
    for (size_t i = 0; i < 2; i++) {
        uat_cmw *c = NULL;
        uint8_t *out = NULL;
        size_t n = 0;
        assert_ok(uat_cmw_record_new(types[i], g_rep, REP, 0, &c));
        assert_ok(uat_cmw_serialize(c, UAT_CMW_JSON, &out, &n));
        assert_ok(verify(g_trust_a, out, n, g_rd, NULL));
        free(out);
        uat_cmw_free(c);
    }
}

static void util_helpers(void **state)
{
    (void)state;
    uint8_t out[4];
    size_t n = 99;
    assert_non_null(uat_version());
    assert_ok(uat_hex_to_bytes("0a0B", out, sizeof(out), &n));
    assert_int_equal(n, 2);
    assert_memory_equal(out, "\x0a\x0b", 2);
    assert_ok(uat_hex_to_bytes("", out, sizeof(out), &n));
    assert_int_equal(n, 0);
    assert_err(uat_hex_to_bytes("abc", out, sizeof(out), &n), UAT_ERR_PARSE_BAD_ENCODING);
    assert_err(uat_hex_to_bytes("0g", out, sizeof(out), &n), UAT_ERR_PARSE_BAD_ENCODING);
    assert_err(uat_hex_to_bytes("0x00", out, sizeof(out), &n), UAT_ERR_PARSE_BAD_ENCODING);
    assert_err(uat_hex_to_bytes("0011223344", out, sizeof(out), &n),
               UAT_ERR_USAGE_INVALID_ARGUMENT);
    /* an odd count one past the capacity must not write past it */
    memset(out, 0x55, sizeof(out));
    assert_err(uat_hex_to_bytes("001122334", out, sizeof(out), &n), UAT_ERR_PARSE_BAD_ENCODING);
    assert_err(uat_hex_to_bytes(NULL, out, sizeof(out), &n), UAT_ERR_USAGE_INVALID_ARGUMENT);
    int64_t t = 0;
    assert_ok(uat_time_from_rfc3339("2023-11-14T22:13:20Z", &t));
    assert_int_equal(t, 1700000000);
    assert_err(uat_time_from_rfc3339("2023-11-14", &t), UAT_ERR_PARSE_BAD_ENCODING);
    assert_err(uat_time_from_rfc3339(NULL, &t), UAT_ERR_USAGE_INVALID_ARGUMENT);
}

static void registry_names(void **state)
{
    (void)state;
    size_t i = 0;
    while (uat_tee_name(i) != NULL && strcmp(uat_tee_name(i), "sim") != 0) {
        i++;
    }
    assert_non_null(uat_tee_name(i));
    assert_string_equal(uat_tee_media_type(i), UAT_SIM_MEDIA_TYPE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(attester_new_errors),
        cmocka_unit_test(attester_option_errors),
        cmocka_unit_test(verify_wrong_binding),
        cmocka_unit_test(verify_untrusted_key),
        cmocka_unit_test(verify_no_trust_anchor),
        cmocka_unit_test(verify_every_bit_flip),
        cmocka_unit_test(verify_bad_length),
        cmocka_unit_test(sim_parse_errors),
        cmocka_unit_test(verify_signed_malformed),
        cmocka_unit_test(verify_unsupported),
        cmocka_unit_test(key_files_created),
        cmocka_unit_test(report_layout),
        cmocka_unit_test(verify_claims),
        cmocka_unit_test(collect_options),
        cmocka_unit_test(collect_cache),
        cmocka_unit_test(inspect_report),
        cmocka_unit_test(report_data_binding),
        cmocka_unit_test(util_helpers),
        cmocka_unit_test(registry_names),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
