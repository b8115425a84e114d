/* Intel SGX/TDX quotes from public repositories other than the shared corpus's sources
 * (tests/data/intel-external/PROVENANCE.md): each parses with the fields its source asserts,
 * verifies completely (PCK chain to the Intel SGX Root CA with CRLs, QE report signature by the
 * PCK leaf, QE report data = SHA-256(attestation key || QE auth data), quote signature over header
 * and body, genuine Intel TCB info and QE identity of the same FMSPC from the corpus) at a pinned
 * time, and is refused with a named error when the collateral is missing or out of its window,
 * the binding differs, or a signed byte or the length changes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "uattest/uattest.h"

#include "../unit/uat_assert.h"

#define C UAT_CORPUS_DIR
#define D UAT_TEST_DATA_DIR "/intel-external"

typedef struct field {
    const char *name, *value;
} field;

typedef struct sample {
    const char *dir;        /* under tests/data/intel-external */
    const char *trust;      /* corpus trust directory */
    const char *collateral; /* corpus directory with TCB info, QE identity and CRLs */
    int64_t at, window_lo, window_hi; /* pinned time; collateral and PCK all valid in [lo, hi] */
    const char *tee, *status, *advisories, *measurement, *report_data;
    field fields[8]; /* tee_claims asserted by the source (NULL-terminated) */
} sample;

static const sample samples[] = {
    /* near/mpc attestation/src/attestation.rs: dstack TDX quote v4, QE auth data 32 bytes */
    {"near-mpc-dstack-tdx-v4",
     "intel-tdx/trust",
     "intel-tdx/t1-dcapqvl-tdx-v4-uptodate",
     1751328000, /* 2025-07-01 */
     1750329147, /* 2025-06-19T10:32:27Z */
     1752919235, /* 2025-07-19T10:00:35Z */
     "tdx",
     "UpToDate",
     "[]",
     "c68518a0ebb42136c12b2275164f8c72f25fa9a34392228687ed6e9caeb9c0f1dbd895e9cf475121c029dc47e70e91fd",
     "00010d6bbc3fea6875f640bf334454ef179ac0db53eecf4e9a40bce3d782a21322b8374bb44681d48d26510e9cca99a57"
     "cd10000000000000000000000000000",
     {{"rtmr0", "3744b154069500a466f514253b49858299b2e1bdc44e3d557337d81e828bedf6a0410f27d3a18c932e5"
                "e49e1c4215737"},
      {"rtmr1", "4b66e888c8dfa7a504fc7ca060ab9e2d051233f115d71304085570c7ac71f5a190a3e237d15f09659"
                "67a78539ba0d787"},
      {"rtmr2", "5a41c9f71ce5655b6ba605fe0d00a0a05add7471acaaa6aa155bce1e04b8204f0fffaec2e6c95ffc1"
                "442b37e141127d9"},
      {"rtmr3", "47e591f8ee447150812067f7a6458451f9c74a995830815f93146a6d6fdeb7dafd0989eaa63df9b66"
                "c78aa1b3ee3a3b0"},
      {"mr_config_id", "017e06d8e38e4cd81b01d99ad3138517f8f2d5d989fd7b705fa4ac9b15b58149a900000000"
                       "0000000000000000000000"},
      {NULL, NULL}}},
    /* tinfoilsh/verifier attestation/attestation_test.go: TDX quote v4 in a tdx-guest/v1
     * attestation; report_data carries the TLS key fingerprint as ASCII hex */
    {"tinfoil-tdx-v4",
     "intel-tdx/trust",
     "intel-tdx/t2-dcapqvl-tdx-v5-no-tcb-level",
     1772323200, /* 2026-03-01 */
     1771412331, /* 2026-02-18T10:58:51Z */
     1774003275, /* 2026-03-20T10:41:15Z */
     "tdx",
     "UpToDate",
     "[]",
     "7357a10d2e2724dffe68813e3cc4cfcde6814d749f2fb62e3953e54f6e0b50a219786afe2cd478f684b52c61837e1114",
     "3733323263373134333437376238343238343133333436353438373034393433373635316630636635373339643836"
     "3765346138313935363431306638336239",
     {{"rtmr0", "7cdb45b5ff88095ec9256bd612e68f49b071fe67b0f793e2dd10e2b2d657a4c5232b63bd3b7c0d5a931"
                "7b97858cee70e"},
      {"rtmr1", "10a05f3fba7d66babcc8a8143451443a564963ced77c7fa126f004857753f87c318720e29e9ed2f46"
                "c8753b44b01004d"},
      {"rtmr2", "faf666cc4672d4d0886cee8dc310276f9f21ddf26f11aa1252fe59ce61916948211bc249ea9b54c2b"
                "e03a35b4ba9a952"},
      {"rtmr3", "000000000000000000000000000000000000000000000000000000000000000000000000000000000"
                "000000000000000"},
      {NULL, NULL}}},
    /* Portex-tee/Portex client/isv_app/isv_app.cpp: SGX quote v3, PCK Platform CA, DEBUG enclave */
    {"portex-sgx-v3-platform",
     "intel-sgx-dcap/trust",
     "intel-sgx-dcap/s3-occlum-v3-platform",
     1756684800, /* 2025-09-01 */
     1755236486, /* 2025-08-15T05:41:26Z */
     1757824606, /* 2025-09-14T04:36:46Z */
     "sgx",
     "OutOfDateConfigurationNeeded",
     "[\"INTEL-SA-00657\",\"INTEL-SA-00767\",\"INTEL-SA-00960\",\"INTEL-SA-00615\"]",
     "ef60f69a1c10da88844c7069ccc83a5ca5138a7ff7c6cdd9ed06b813aa71f5b3",
     "0000000000000000000000000000000000000000000000000000000000000000"
     "0000000000000000000000000000000000000000000000000000000000000000",
     {{"mr_signer", "60277ad2fdfc57e980e876e7f878ac1909880ea5380795a7e8ea98b157841f85"},
      {"attributes", "0700000000000000e700000000000000"},
      {"cpu_svn", "0c0c100fffff00000000000000000000"},
      {NULL, NULL}}},
};
#define N_SAMPLES (sizeof(samples) / sizeof(samples[0]))

static uint8_t *read_quote(const sample *s, size_t *n)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s/quote.bin", D, s->dir);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t *b = malloc(1 << 16);
    assert_non_null(b);
    *n = fread(b, 1, 1 << 16, f);
    fclose(f);
    assert_true(*n > 1000 && *n < (1 << 16));
    return b;
}

static uat_verifier *verifier(const sample *s, const char *collateral, int64_t at)
{
    char path[512];
    uat_verifier *v = NULL;
    assert_ok(uat_verifier_new(&v));
    snprintf(path, sizeof(path), "%s/%s", C, s->trust);
    assert_ok(uat_verifier_set_trust_dir(v, path));
    assert_ok(uat_verifier_set_collateral_dir(v, collateral));
    uat_verifier_set_time(v, at);
    return v;
}

static char *corpus_path(const char *rel)
{
    char *p = malloc(512);
    assert_non_null(p);
    snprintf(p, 512, "%s/%s", C, rel);
    return p;
}

static void hex_decode(const char *hex, uint8_t *out, size_t n)
{
    assert_int_equal(strlen(hex), 2 * n);
    for (size_t i = 0; i < n; i++) {
        unsigned v = 0;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
}

/* uattest inspect: the parser alone gives the fields the source asserts */
static void test_inspect(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_SAMPLES; i++) {
        const sample *s = &samples[i];
        size_t n = 0;
        uint8_t *q = read_quote(s, &n);
        char *js = NULL;
        assert_ok(uat_inspect(q, n, &js));
        json_t *doc = json_loads(js, JSON_ALLOW_NUL, NULL); /* the PEM chain ends in NUL */
        assert_non_null(doc);
        assert_string_equal(json_string_value(json_object_get(doc, "tee")), s->tee);
        json_t *f = json_object_get(doc, "fields");
        const char *m = strcmp(s->tee, "tdx") == 0 ? "mr_td" : "mr_enclave";
        assert_string_equal(json_string_value(json_object_get(f, m)), s->measurement);
        assert_string_equal(json_string_value(json_object_get(f, "report_data")), s->report_data);
        for (const field *e = s->fields; e->name != NULL; e++) {
            assert_string_equal(json_string_value(json_object_get(f, e->name)), e->value);
        }
        assert_int_equal(json_integer_value(json_object_get(f, "cert_data_type")), 5);
        json_decref(doc);
        free(js);
        free(q);
    }
}

/* Full verification with the expected binding: status, advisories, measurement, fields. */
static void test_verify(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_SAMPLES; i++) {
        const sample *s = &samples[i];
        size_t n = 0;
        uint8_t *q = read_quote(s, &n);
        char *coll = corpus_path(s->collateral);
        uat_verifier *v = verifier(s, coll, s->at);
        uint8_t rd[64];
        hex_decode(s->report_data, rd, 64);
        uat_claims *c = NULL;
        assert_ok(uat_verify(v, q, n, rd, &c));
        assert_string_equal(uat_claims_tee(c), s->tee);
        assert_string_equal(uat_claims_get_string(c, "measurement"), s->measurement);
        for (const field *e = s->fields; e->name != NULL; e++) {
            assert_string_equal(uat_claims_tee_field(c, e->name), e->value);
        }
        char *js = NULL;
        assert_ok(uat_claims_to_json(c, 0, &js));
        json_t *doc = json_loads(js, 0, NULL);
        assert_non_null(doc);
        json_t *tcb = json_object_get(doc, "tcb");
        assert_string_equal(json_string_value(json_object_get(tcb, "status")), s->status);
        char *adv = json_dumps(json_object_get(tcb, "advisory_ids"), JSON_COMPACT);
        assert_string_equal(adv, s->advisories);
        printf("ok - %s: %s %s\n", s->dir, s->status, adv);
        free(adv);
        json_decref(doc);
        free(js);
        uat_claims_free(c);
        /* another binding than the quote's */
        rd[0] ^= 1;
        assert_err(uat_verify(v, q, n, rd, &c), UAT_ERR_VERIFY_BINDING);
        uat_verifier_free(v);
        free(coll);
        free(q);
    }
}

static const char *check_result(json_t *checks, const char *name)
{
    size_t k;
    json_t *e;
    json_array_foreach(checks, k, e)
    {
        if (strcmp(json_string_value(json_object_get(e, "check")), name) == 0) {
            return json_string_value(json_object_get(e, "result"));
        }
    }
    return "absent";
}

/* The explanation shows each of the quote's own cryptographic checks passing. */
static void test_explained_checks(void **state)
{
    (void)state;
    static const char *const own[] = {"intel.pck_chain", "intel.qe_report_signature",
                                      "intel.qe_binding", "intel.quote_signature", "intel.tcb"};
    for (size_t i = 0; i < N_SAMPLES; i++) {
        const sample *s = &samples[i];
        size_t n = 0;
        uint8_t *q = read_quote(s, &n);
        char *coll = corpus_path(s->collateral);
        uat_verifier *v = verifier(s, coll, s->at);
        uat_verifier_set_explain(v, 1);
        uat_claims *c = NULL;
        assert_ok(uat_verify(v, q, n, NULL, &c));
        uat_claims_free(c);
        json_t *doc = json_loads(uat_verifier_explanation(v), 0, NULL);
        assert_non_null(doc);
        assert_string_equal(json_string_value(json_object_get(doc, "result")), "pass");
        for (size_t k = 0; k < sizeof(own) / sizeof(own[0]); k++) {
            assert_string_equal(check_result(json_object_get(doc, "checks"), own[k]), "pass");
        }
        json_decref(doc);
        uat_verifier_free(v);
        free(coll);
        free(q);
    }
}

/* No collateral: the PCK chain cannot be checked for revocation (VERIFY_COLLATERAL). Outside the
 * window in which all collateral and certificates are valid: VERIFY_EXPIRED. */
static void test_collateral_and_time(void **state)
{
    (void)state;
    char empty[] = "/tmp/uat-intelx-XXXXXX";
    assert_non_null(mkdtemp(empty));
    for (size_t i = 0; i < N_SAMPLES; i++) {
        const sample *s = &samples[i];
        size_t n = 0;
        uint8_t *q = read_quote(s, &n);
        uat_claims *c = NULL;
        uat_verifier *v = verifier(s, empty, s->at);
        assert_err(uat_verify(v, q, n, NULL, &c), UAT_ERR_VERIFY_COLLATERAL);
        uat_verifier_free(v);
        char *coll = corpus_path(s->collateral);
        v = verifier(s, coll, s->window_lo);
        assert_ok(uat_verify(v, q, n, NULL, &c));
        uat_claims_free(c);
        uat_verifier_set_time(v, s->window_hi);
        assert_ok(uat_verify(v, q, n, NULL, &c));
        uat_claims_free(c);
        uat_verifier_set_time(v, s->window_lo - 1);
        assert_err(uat_verify(v, q, n, NULL, &c), UAT_ERR_VERIFY_EXPIRED);
        uat_verifier_set_time(v, s->window_hi + 1);
        assert_err(uat_verify(v, q, n, NULL, &c), UAT_ERR_VERIFY_EXPIRED);
        uat_verifier_free(v);
        free(coll);
        free(q);
    }
    assert_int_equal(rmdir(empty), 0);
}

/* A changed byte in each signed range, and a cut quote, are refused by name. */
static void test_changed_bytes(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_SAMPLES; i++) {
        const sample *s = &samples[i];
        size_t n = 0;
        uint8_t *q = read_quote(s, &n);
        size_t body = strcmp(s->tee, "tdx") == 0 ? 584 : 384;
        size_t sig = 48 + body + 4;                       /* quote signature */
        size_t qe = sig + 128 + (s->tee[0] == 't' ? 6 : 0); /* QE report (v4: after type 6 header) */
        size_t auth = qe + 384 + 64 + 2;                  /* QE authentication data */
        struct {
            size_t at;
            uat_err want;
        } cases[] = {
            {0x3c, UAT_ERR_VERIFY_SIGNATURE},      /* body */
            {40, UAT_ERR_VERIFY_SIGNATURE},        /* header user_data */
            {sig + 5, UAT_ERR_VERIFY_SIGNATURE},   /* the signature itself */
            {sig + 64 + 5, UAT_ERR_VERIFY_BINDING}, /* attestation key: QE report data */
            {qe + 10, UAT_ERR_VERIFY_SIGNATURE},   /* QE report */
            {auth + 5, UAT_ERR_VERIFY_BINDING},    /* QE auth data */
        };
        char *coll = corpus_path(s->collateral);
        uat_verifier *v = verifier(s, coll, s->at);
        uat_claims *c = NULL;
        for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
            q[cases[k].at] ^= 0x01;
            assert_err(uat_verify(v, q, n, NULL, &c), cases[k].want);
            q[cases[k].at] ^= 0x01;
        }
        assert_err(uat_verify(v, q, 3000, NULL, &c), UAT_ERR_PARSE_BAD_LENGTH);
        assert_ok(uat_verify(v, q, n, NULL, &c));
        uat_claims_free(c);
        uat_verifier_free(v);
        free(coll);
        free(q);
    }
}

/* Quotes of platforms whose TCB info is not at hand (FMSPCs without corpus collateral). With only
 * the PCK Platform CA CRL (it covers every Platform-CA PCK) and the Root CA CRL of a corpus sample,
 * the chain, QE report signature, QE binding and quote signature all pass and the verdict is the
 * named missing collateral; a changed body byte is caught before that. */
typedef struct no_tcb_sample {
    const char *dir, *crls; /* quote; corpus directory whose two CRLs are used */
    int64_t at;
    size_t size;
    const char *fmspc_detail, *mr_td, *report_data;
    field fields[4];
} no_tcb_sample;

static const no_tcb_sample no_tcb[] = {
    /* w3hc/zk-api docs/PHALA_CONFIG.md: TDX module 1.5 platform; report_data is the ASCII
     * "timestamp" of the source's response */
    {"zkapi-phala-tdx-v4",
     "intel-tdx/t2-dcapqvl-tdx-v5-no-tcb-level",
     1772323200, /* 2026-03-01 */
     5010,
     "20a06f000000",
     "f06dfda6dce1cf904d4e2bab1dc370634cf95cefa2ceb2de2eee127c9382698090d7a4a13e14c536ec6c9c3c8fa87077",
     "323032362d30332d32315430363a32333a33342e3938305a0000000000000000"
     "0000000000000000000000000000000000000000000000000000000000000000",
     {{"tee_tcb_svn", "0b010500000000000000000000000000"},
      {"rtmr0", "68102e7b524af310f7b7d426ce75481e36c40f5d513a9009c046e9d37e31551f0134d954b496a3357f"
                "d61d03f07ffe96"},
      {NULL, NULL}}},
    /* h4x3rotab/dstack-teekit tdx-v4-gcp-no-nonce.json: Google Cloud, an 8000-byte quote whose
     * last 3065 bytes are zero; report_data = SHA-512 of the empty nonce; QE auth data zero */
    {"teekit-gcp-tdx-v4",
     "intel-tdx/t1-dcapqvl-tdx-v4-uptodate",
     1751328000, /* 2025-07-01 */
     8000,
     "00806f050000",
     "409c0cd3e63d9ea54d817cf851983a220131262664ac8cd02cc6a2e19fd291d2fdd0cc035d7789b982a43a92a4424c99",
     "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
     "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
     {{"tee_tcb_svn", "08010800000000000000000000000000"},
      {"qe_auth_data", "0000000000000000000000000000000000000000000000000000000000000000"},
      {NULL, NULL}}},
};

static char *crl_only_dir(const char *from_dir)
{
    static const char *const files[] = {"pck_crl.der", "root_ca_crl.der"};
    char *dir = strdup("/tmp/uat-intelx-crl-XXXXXX");
    assert_non_null(dir);
    assert_non_null(mkdtemp(dir));
    for (size_t i = 0; i < 2; i++) {
        char from[512], to[512];
        snprintf(from, sizeof(from), "%s/%s/%s", C, from_dir, files[i]);
        snprintf(to, sizeof(to), "%s/%s", dir, files[i]);
        FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
        assert_non_null(in);
        assert_non_null(out);
        uint8_t buf[8192];
        size_t n = fread(buf, 1, sizeof(buf), in);
        assert_true(n > 0 && n < sizeof(buf));
        assert_int_equal(fwrite(buf, 1, n, out), n);
        fclose(in);
        fclose(out);
    }
    return dir;
}

static void remove_crl_only_dir(char *dir)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/pck_crl.der", dir);
    assert_int_equal(unlink(path), 0);
    snprintf(path, sizeof(path), "%s/root_ca_crl.der", dir);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
    free(dir);
}

static void no_tcb_inspect(const no_tcb_sample *t, const uint8_t *q, size_t n)
{
    char *js = NULL;
    assert_ok(uat_inspect(q, n, &js));
    json_t *doc = json_loads(js, JSON_ALLOW_NUL, NULL);
    assert_non_null(doc);
    json_t *f = json_object_get(doc, "fields");
    assert_string_equal(json_string_value(json_object_get(f, "mr_td")), t->mr_td);
    assert_string_equal(json_string_value(json_object_get(f, "report_data")), t->report_data);
    for (const field *e = t->fields; e->name != NULL; e++) {
        assert_string_equal(json_string_value(json_object_get(f, e->name)), e->value);
    }
    json_decref(doc);
    free(js);
}

static void test_no_tcb_info(void **state)
{
    (void)state;
    static const char *const own[] = {"intel.pck_chain", "intel.qe_report_signature",
                                      "intel.qe_binding", "intel.quote_signature"};
    for (size_t i = 0; i < sizeof(no_tcb) / sizeof(no_tcb[0]); i++) {
        const no_tcb_sample *t = &no_tcb[i];
        const sample s = {.dir = t->dir, .trust = "intel-tdx/trust"};
        size_t n = 0;
        uint8_t *q = read_quote(&s, &n);
        assert_int_equal(n, t->size);
        no_tcb_inspect(t, q, n);
        char *dir = crl_only_dir(t->crls);
        uat_verifier *v = verifier(&s, dir, t->at);
        uat_verifier_set_explain(v, 1);
        uat_claims *c = NULL;
        assert_err(uat_verify(v, q, n, NULL, &c), UAT_ERR_VERIFY_COLLATERAL);
        json_t *doc = json_loads(uat_verifier_explanation(v), 0, NULL);
        assert_non_null(doc);
        assert_string_equal(json_string_value(json_object_get(doc, "result")), "fail");
        json_t *err = json_object_get(doc, "error");
        assert_string_equal(json_string_value(json_object_get(err, "check")), "intel.collateral");
        assert_non_null(strstr(json_string_value(json_object_get(err, "detail")), t->fmspc_detail));
        for (size_t k = 0; k < sizeof(own) / sizeof(own[0]); k++) {
            assert_string_equal(check_result(json_object_get(doc, "checks"), own[k]), "pass");
        }
        json_decref(doc);
        printf("ok - %s: signatures and chain pass, VERIFY_COLLATERAL for FMSPC %s\n", t->dir,
               t->fmspc_detail);
        q[0x3c] ^= 0x01;
        assert_err(uat_verify(v, q, n, NULL, &c), UAT_ERR_VERIFY_SIGNATURE);
        uat_verifier_free(v);
        remove_crl_only_dir(dir);
        free(q);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inspect),
        cmocka_unit_test(test_verify),
        cmocka_unit_test(test_explained_checks),
        cmocka_unit_test(test_collateral_and_time),
        cmocka_unit_test(test_changed_bytes),
        cmocka_unit_test(test_no_tcb_info),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
