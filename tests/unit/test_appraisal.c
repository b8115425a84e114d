/* Appraisal: reference values + declarative / Lua policies -> EAR, on sim and real Intel claims. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "uattest/uattest.h"

#define C UAT_CORPUS_DIR
#define S1 C "/intel-sgx-dcap/s1-dcapqvl-sgx-v3-processor"
#define S3 C "/intel-sgx-dcap/s3-occlum-v3-platform"
#define S1_MRENCLAVE "33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb"

static char state_dir[256];

static uat_claims *sim_claims(const char *debug, const char *measure)
{
    uat_attester *a = NULL;
    assert_int_equal(uat_attester_new("sim", NULL, &a), UAT_OK);
    assert_int_equal(uat_attester_set_option(a, "state-dir", state_dir), UAT_OK);
    assert_int_equal(uat_attester_set_option(a, "measure", measure), UAT_OK);
    assert_int_equal(uat_attester_set_option(a, "debug", debug), UAT_OK);
    uint8_t rd[64] = {1, 2, 3};
    uat_cmw *cmw = NULL;
    assert_int_equal(uat_attester_collect(a, rd, &cmw), UAT_OK);
    uint8_t *bytes = NULL;
    size_t n = 0;
    assert_int_equal(uat_cmw_serialize(cmw, UAT_CMW_JSON, &bytes, &n), UAT_OK);
    uat_verifier *v = NULL;
    char trust[300];
    snprintf(trust, sizeof(trust), "%s/trust", state_dir);
    assert_int_equal(uat_verifier_new(&v), UAT_OK);
    assert_int_equal(uat_verifier_set_trust_dir(v, trust), UAT_OK);
    uat_claims *claims = NULL;
    assert_int_equal(uat_verify(v, bytes, n, rd, &claims), UAT_OK);
    uat_verifier_free(v);
    free(bytes);
    uat_cmw_free(cmw);
    uat_attester_free(a);
    return claims;
}

static uat_claims *intel_claims(const char *sample, int64_t at)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/quote.bin", sample);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static uint8_t q[8192];
    size_t n = fread(q, 1, sizeof(q), f);
    fclose(f);
    uat_verifier *v = NULL;
    assert_int_equal(uat_verifier_new(&v), UAT_OK);
    assert_int_equal(uat_verifier_set_trust_dir(v, C "/intel-sgx-dcap/trust"), UAT_OK);
    assert_int_equal(uat_verifier_set_collateral_dir(v, sample), UAT_OK);
    uat_verifier_set_time(v, at);
    uat_claims *claims = NULL;
    assert_int_equal(uat_verify(v, q, n, NULL, &claims), UAT_OK);
    uat_verifier_free(v);
    return claims;
}

/* Appraises and returns the EAR as JSON (caller json_decref). */
static json_t *appraise(const char *policy, const char *refvals, const uat_claims *claims,
                        const char *key)
{
    uat_policy *p = NULL;
    if (policy == NULL) {
        assert_int_equal(uat_policy_default(&p), UAT_OK);
    } else {
        assert_int_equal(uat_policy_parse(policy, strlen(policy), &p), UAT_OK);
    }
    uat_refvals *rv = NULL;
    assert_int_equal(uat_refvals_new(&rv), UAT_OK);
    if (refvals != NULL) {
        assert_int_equal(uat_refvals_add_json(rv, refvals, strlen(refvals)), UAT_OK);
    }
    uint8_t nonce[4] = {0xde, 0xad, 0xbe, 0xef};
    uat_appraisal_ctx ctx = {1751328000, nonce, sizeof(nonce), key};
    uat_ear *ear = NULL;
    assert_int_equal(uat_appraise(p, rv, claims, &ctx, &ear), UAT_OK);
    char *text = NULL;
    assert_int_equal(uat_ear_to_json(ear, 0, &text), UAT_OK);
    json_t *j = json_loads(text, 0, NULL);
    assert_non_null(j);
    json_t *sub = json_object_get(json_object_get(j, "submods"), uat_claims_tee(claims));
    assert_non_null(sub);
    assert_string_equal(json_string_value(json_object_get(sub, "ear.status")), uat_ear_status(ear));
    free(text);
    uat_ear_free(ear);
    uat_refvals_free(rv);
    uat_policy_free(p);
    return j;
}

static json_t *submod(json_t *ear, const char *tee)
{
    return json_object_get(json_object_get(ear, "submods"), tee);
}

static const char *status_of(json_t *ear, const char *tee)
{
    return json_string_value(json_object_get(submod(ear, tee), "ear.status"));
}

static json_int_t tw(json_t *ear, const char *tee, const char *claim)
{
    return json_integer_value(
        json_object_get(json_object_get(submod(ear, tee), "ear.trustworthiness-vector"), claim));
}

static char *sim_measurement(const uat_claims *c)
{
    return strdup(uat_claims_get_string(c, "measurement"));
}

static void test_refvals_rejects_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "{\"tee\":\"sim\",\"values\":{}}",                                /* no id */
        "{\"id\":\"a\",\"values\":{}}",                                   /* no tee */
        "{\"id\":\"a\",\"tee\":\"sim\",\"debug_insecur\":true}",          /* typo */
        "{\"id\":\"a\",\"tee\":\"sim\",\"values\":{\"svn\":[]}}",          /* empty set */
        "{\"id\":\"a\",\"tee\":\"sim\",\"values\":{\"svn\":{\"low\":1}}}", /* bad range */
        "{\"id\":\"a\",\"tee\":\"sim\",\"values\":{\"a..b\":[1]}}",        /* bad path */
        "{\"id\":\"a\",\"tee\":\"sim\",\"values\":{\"svn\":[{}]}}",        /* object value */
        "[1]",
        "{",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uat_refvals *rv = NULL;
        assert_int_equal(uat_refvals_new(&rv), UAT_OK);
        uat_err e = uat_refvals_add_json(rv, bad[i], strlen(bad[i]));
        assert_int_equal(uat_err_category(e), UAT_CAT_PARSE);
        assert_int_equal(uat_refvals_count(rv), 0);
        uat_refvals_free(rv);
    }
}

static void test_policy_rejects_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "{\"id\":\"p\",\"trustworthiness\":{\"speed\":[]}}",
        "{\"id\":\"p\",\"trustworthiness\":{\"hardware\":[{\"when_tee\":[\"sim\"],\"value\":300}]}}",
        "{\"id\":\"p\",\"trustworthiness\":{\"hardware\":[{\"reference\":[\"x\"],\"match\":2}]}}",
        "{\"trustworthiness\":{}}",
        "{\"id\":\"p\",\"trustworthiness\":{},\"extra\":1}",
        "function appraise( -- syntax error",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uat_policy *p = NULL;
        uat_err e = uat_policy_parse(bad[i], strlen(bad[i]), &p);
        assert_true(e != UAT_OK);
        assert_null(p);
    }
}

static void test_sim_affirming_with_matching_refvals(void **state)
{
    (void)state;
    uat_claims *c = sim_claims("false", "app-v1");
    char *m = sim_measurement(c);
    char rv[512];
    snprintf(rv, sizeof(rv), "{\"id\":\"app\",\"tee\":\"sim\",\"values\":{\"measurement\":[\"%s\"],"
             "\"svn\":{\"min\":0}}}", m);
    json_t *ear = appraise(NULL, rv, c, NULL);
    assert_string_equal(status_of(ear, "sim"), "affirming");
    assert_int_equal(tw(ear, "sim", "executables"), 2);
    assert_int_equal(tw(ear, "sim", "configuration"), 2);
    assert_int_equal(tw(ear, "sim", "hardware"), 0); /* sim makes no hardware claim */
    assert_string_equal(json_string_value(json_object_get(ear, "eat_nonce")), "3q2-7w");
    assert_string_equal(json_string_value(json_object_get(ear, "eat_profile")),
                        "tag:github.com,2023:veraison/ear");
    assert_string_equal(json_string_value(json_object_get(submod(ear, "sim"), "ear.appraisal-policy-id")),
                        "uattest:default-v1");
    json_decref(ear);
    free(m);
    uat_claims_free(c);
}

static void test_sim_wrong_measurement_contraindicated(void **state)
{
    (void)state;
    uat_claims *c = sim_claims("false", "app-v2");
    const char *rv = "{\"id\":\"app\",\"tee\":\"sim\",\"values\":{\"measurement\":[\"00\"]}}";
    json_t *ear = appraise(NULL, rv, c, NULL);
    assert_string_equal(status_of(ear, "sim"), "contraindicated");
    assert_int_equal(tw(ear, "sim", "executables"), 96);
    assert_non_null(strstr(json_string_value(json_object_get(submod(ear, "sim"), "ear.uattest.reason")),
                           "measurement"));
    json_decref(ear);
    uat_claims_free(c);
}

static void test_sim_debug_needs_insecure_switch(void **state)
{
    (void)state;
    uat_claims *c = sim_claims("true", "app-v1");
    json_t *ear = appraise(NULL, "{\"id\":\"a\",\"tee\":\"sim\"}", c, NULL);
    assert_string_equal(status_of(ear, "sim"), "contraindicated");
    assert_int_equal(tw(ear, "sim", "configuration"), 96);
    json_decref(ear);
    ear = appraise(NULL, "{\"id\":\"a\",\"tee\":\"sim\",\"debug_insecure\":true}", c, NULL);
    assert_string_equal(status_of(ear, "sim"), "warning");
    assert_int_equal(tw(ear, "sim", "configuration"), 32);
    json_decref(ear);
    uat_claims_free(c);
}

static void test_no_refvals_is_a_warning(void **state)
{
    (void)state;
    uat_claims *c = sim_claims("false", "app-v1");
    json_t *ear = appraise(NULL, NULL, c, NULL);
    assert_string_equal(status_of(ear, "sim"), "warning");
    assert_int_equal(tw(ear, "sim", "executables"), 33);
    json_decref(ear);
    uat_claims_free(c);
}

static void test_intel_s1_affirming(void **state)
{
    (void)state;
    uat_claims *c = intel_claims(S1, 1751328000);
    const char *rv = "[{\"id\":\"other\",\"tee\":\"sgx\",\"values\":{\"measurement\":[\"00\"]}},"
                     "{\"id\":\"app\",\"tee\":\"sgx\",\"values\":{\"measurement\":[\"" S1_MRENCLAVE
                     "\"],\"product_id\":[0],\"platform.pcesvn\":{\"min\":13}}}]";
    json_t *ear = appraise(NULL, rv, c, NULL);
    /* ConfigurationAndSWHardeningNeeded is accepted by default */
    assert_string_equal(status_of(ear, "sgx"), "affirming");
    assert_int_equal(tw(ear, "sgx", "hardware"), 2);
    assert_int_equal(tw(ear, "sgx", "executables"), 2);
    json_decref(ear);
    /* a stricter TCB requirement of the reference values: contraindicated hardware */
    ear = appraise(NULL, "{\"id\":\"a\",\"tee\":\"sgx\",\"values\":{\"tcb.status\":[\"UpToDate\"]}}", c,
                   NULL);
    assert_int_equal(tw(ear, "sgx", "hardware"), 96);
    assert_string_equal(status_of(ear, "sgx"), "contraindicated");
    json_decref(ear);
    uat_claims_free(c);
}

static void test_intel_s3_out_of_date_and_debug(void **state)
{
    (void)state;
    uat_claims *c = intel_claims(S3, 1756684800); /* 2025-09-01 */
    json_t *ear = appraise(NULL, "{\"id\":\"a\",\"tee\":\"sgx\"}", c, NULL);
    assert_string_equal(status_of(ear, "sgx"), "contraindicated");
    assert_int_equal(tw(ear, "sgx", "hardware"), 96);      /* OutOfDate */
    assert_int_equal(tw(ear, "sgx", "configuration"), 96); /* debug enclave */
    json_decref(ear);
    ear = appraise(NULL,
                   "{\"id\":\"a\",\"tee\":\"sgx\",\"debug_insecure\":true,"
                   "\"tcb_out_of_date_insecure\":true}",
                   c, NULL);
    assert_string_equal(status_of(ear, "sgx"), "warning");
    assert_int_equal(tw(ear, "sgx", "hardware"), 32);
    assert_int_equal(tw(ear, "sgx", "configuration"), 32);
    json_decref(ear);
    uat_claims_free(c);
}

static void test_runtime_key_in_result(void **state)
{
    (void)state;
    uat_claims *c = sim_claims("false", "app-v1");
    /* RFC 7515 A.3 key */
    const char *jwk = "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
                      "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}";
    json_t *ear = appraise(NULL, NULL, c, jwk);
    const char *akpub = json_string_value(json_object_get(
        json_object_get(submod(ear, "sim"), "ear.veraison.key-attestation"), "akpub"));
    assert_non_null(akpub);
    assert_true(strncmp(akpub, "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE", 36) == 0);
    json_decref(ear);
    uat_claims_free(c);
}

static const char lua_policy[] =
    "function appraise(claims, refvals)\n"
    "  local want = refvals[1] and refvals[1].values.measurement[1]\n"
    "  if claims.measurement == want then\n"
    "    return {trustworthiness = {executables = 2, configuration = 2}}\n"
    "  end\n"
    "  return {status = 'contraindicated', trustworthiness = {executables = 96},\n"
    "          reason = 'unknown measurement ' .. tostring(claims.measurement)}\n"
    "end\n";

static void test_lua_policy(void **state)
{
    (void)state;
    uat_claims *c = sim_claims("false", "app-v1");
    char *m = sim_measurement(c);
    char rv[512];
    snprintf(rv, sizeof(rv), "{\"id\":\"app\",\"tee\":\"sim\",\"values\":{\"measurement\":[\"%s\"]}}", m);
    json_t *ear = appraise(lua_policy, rv, c, NULL);
    assert_string_equal(status_of(ear, "sim"), "affirming");
    assert_non_null(strstr(json_string_value(json_object_get(submod(ear, "sim"), "ear.appraisal-policy-id")),
                           "lua:sha256:"));
    json_decref(ear);
    ear = appraise(lua_policy, "{\"id\":\"app\",\"tee\":\"sim\",\"values\":{\"measurement\":[\"00\"]}}",
                   c, NULL);
    assert_string_equal(status_of(ear, "sim"), "contraindicated");
    assert_non_null(strstr(json_string_value(json_object_get(submod(ear, "sim"), "ear.uattest.reason")),
                           "unknown measurement"));
    json_decref(ear);
    free(m);
    uat_claims_free(c);
}

static void test_lua_runtime_error_is_contraindicated(void **state)
{
    (void)state;
    uat_claims *c = sim_claims("false", "app-v1");
    static const char *const scripts[] = {
        "function appraise(c, r) error('boom') end",
        "function appraise(c, r) while true do end end",
        "function appraise(c, r) return os.execute('true') end",
        "function appraise(c, r) return {trustworthiness = {executables = 2}, status = 'affirming'} end",
    };
    for (size_t i = 0; i < 3; i++) {
        json_t *ear = appraise(scripts[i], NULL, c, NULL);
        assert_string_equal(status_of(ear, "sim"), "contraindicated");
        assert_non_null(json_object_get(submod(ear, "sim"), "ear.uattest.reason"));
        json_decref(ear);
    }
    json_t *ear = appraise(scripts[3], NULL, c, NULL);
    assert_string_equal(status_of(ear, "sim"), "affirming");
    json_decref(ear);
    uat_claims_free(c);
}

static int setup(void **state)
{
    (void)state;
    snprintf(state_dir, sizeof(state_dir), "/tmp/uat-appraisal-XXXXXX");
    return mkdtemp(state_dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", state_dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refvals_rejects_malformed),
        cmocka_unit_test(test_policy_rejects_malformed),
        cmocka_unit_test(test_sim_wrong_measurement_contraindicated),
        cmocka_unit_test(test_sim_debug_needs_insecure_switch),
        cmocka_unit_test(test_no_refvals_is_a_warning),
        cmocka_unit_test(test_sim_affirming_with_matching_refvals),
        cmocka_unit_test(test_intel_s1_affirming),
        cmocka_unit_test(test_intel_s3_out_of_date_and_debug),
        cmocka_unit_test(test_runtime_key_in_result),
        cmocka_unit_test(test_lua_policy),
        cmocka_unit_test(test_lua_runtime_error_is_contraindicated),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
