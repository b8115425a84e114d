/* Unit tests for the explanation trace (uat_verifier_set_explain / uat_verifier_explanation) on
 * the sim TEE, and for the trace core (check.h): bounds, recovered failures, the failing check.
 * Negative cases first. The JSON shape itself is checked against docs/explain.schema.json by
 * tests/integration/explain.sh. */
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
#include <sys/stat.h>

#include "core/trace.h"
#include "tee/sim/sim.h"
#include "uattest/uattest.h"

#include "uat_assert.h"

static char g_dir[256];
static char g_trust_a[320], g_trust_b[320];
static uint8_t g_rd[64];
static uint8_t *g_ev; /* a sim CMW (JSON) signed by a's key, bound to g_rd */
static size_t g_ev_n;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void collect(const char *state, uint8_t **out, size_t *n)
{
    uat_attester *a = NULL;
    uat_cmw *c = NULL;
    assert_ok(uat_attester_new("sim", NULL, &a));
    assert_ok(uat_attester_set_option(a, "state-dir", state));
    assert_ok(uat_attester_collect(a, g_rd, &c));
    assert_ok(uat_cmw_serialize(c, UAT_CMW_JSON, out, n));
    uat_cmw_free(c);
    uat_attester_free(a);
}

static int group_setup(void **state)
{
    (void)state;
    const char *tmp = getenv("TMPDIR");
    snprintf(g_dir, sizeof(g_dir), "%s/uat-test-explain-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (mkdtemp(g_dir) == NULL) {
        return -1;
    }
    for (size_t i = 0; i < sizeof(g_rd); i++) {
        g_rd[i] = (uint8_t)(0x5a ^ i);
    }
    char a[300], b[300];
    snprintf(a, sizeof(a), "%s/a", g_dir);
    snprintf(b, sizeof(b), "%s/b", g_dir);
    snprintf(g_trust_a, sizeof(g_trust_a), "%s/trust", a);
    snprintf(g_trust_b, sizeof(g_trust_b), "%s/trust", b);
    collect(a, &g_ev, &g_ev_n);
    uint8_t *other = NULL;
    size_t n = 0;
    collect(b, &other, &n); /* creates b's key and trust folder */
    free(other);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    free(g_ev);
    return nftw(g_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Verifies ev with explain on; returns the error and the parsed explanation in *doc. */
static uat_err explained(const char *trust, const uint8_t *ev, size_t n, const uint8_t *rd,
                         json_t **doc)
{
    uat_verifier *v = NULL;
    assert_ok(uat_verifier_new(&v));
    assert_ok(uat_verifier_set_trust_dir(v, trust));
    uat_verifier_set_explain(v, 1);
    uat_claims *claims = NULL;
    uat_err rc = uat_verify(v, ev, n, rd, &claims);
    assert_null(uat_trace_cur); /* the trace is the call's only */
    const char *json = uat_verifier_explanation(v);
    assert_non_null(json);
    json_error_t jerr;
    *doc = json_loads(json, 0, &jerr);
    assert_non_null(*doc);
    uat_claims_free(claims);
    uat_verifier_free(v);
    return rc;
}

static const json_t *find_check(const json_t *doc, const char *name)
{
    size_t i;
    const json_t *c;
    json_array_foreach(json_object_get(doc, "checks"), i, c)
    {
        if (strcmp(json_string_value(json_object_get(c, "check")), name) == 0) {
            return c;
        }
    }
    fail_msg("no check %s in the explanation", name);
    return NULL;
}

static const json_t *last_check(const json_t *doc)
{
    const json_t *checks = json_object_get(doc, "checks");
    assert_true(json_array_size(checks) > 0);
    return json_array_get(checks, json_array_size(checks) - 1);
}

/* The failing check is the last one, names the error's check, carries the error's remedy, and
 * every check before it passed or was skipped. */
static void assert_failed_at(const json_t *doc, uat_err want, const char *check)
{
    assert_string_equal(json_string_value(json_object_get(doc, "result")), "fail");
    const json_t *err = json_object_get(doc, "error");
    assert_string_equal(json_string_value(json_object_get(err, "error")), uat_err_name(want));
    assert_string_equal(json_string_value(json_object_get(err, "check")), check);
    assert_string_equal(json_string_value(json_object_get(err, "remedy")), uat_err_remedy(want));
    const json_t *last = last_check(doc);
    assert_string_equal(json_string_value(json_object_get(last, "check")), check);
    assert_string_equal(json_string_value(json_object_get(last, "result")), "fail");
    assert_string_equal(json_string_value(json_object_get(last, "remedy")), uat_err_remedy(want));
    size_t i;
    const json_t *c;
    json_array_foreach(json_object_get(doc, "checks"), i, c)
    {
        if (i + 1 < json_array_size(json_object_get(doc, "checks"))) {
            assert_string_not_equal(json_string_value(json_object_get(c, "result")), "fail");
            assert_true(json_is_null(json_object_get(c, "remedy")));
        }
    }
}

/* ---- negative cases ------------------------------------------------------------------------ */

static void off_by_default(void **state)
{
    (void)state;
    uat_verifier *v = NULL;
    assert_ok(uat_verifier_new(&v));
    assert_ok(uat_verifier_set_trust_dir(v, g_trust_a));
    uat_claims *claims = NULL;
    assert_ok(uat_verify(v, g_ev, g_ev_n, g_rd, &claims));
    uat_claims_free(claims);
    assert_null(uat_verifier_explanation(v));
    /* on, then off again: the last explanation goes with it */
    uat_verifier_set_explain(v, 1);
    assert_ok(uat_verify(v, g_ev, g_ev_n, g_rd, &claims));
    uat_claims_free(claims);
    assert_non_null(uat_verifier_explanation(v));
    uat_verifier_set_explain(v, 0);
    assert_null(uat_verifier_explanation(v));
    assert_null(uat_verifier_explanation(NULL));
    uat_verifier_free(v);
}

static void wrong_binding(void **state)
{
    (void)state;
    uint8_t rd[64];
    memcpy(rd, g_rd, sizeof(rd));
    rd[63] ^= 1;
    json_t *doc = NULL;
    assert_err(explained(g_trust_a, g_ev, g_ev_n, rd, &doc), UAT_ERR_VERIFY_BINDING);
    assert_failed_at(doc, UAT_ERR_VERIFY_BINDING, "binding");
    /* the signature was checked before the binding, and passed */
    assert_string_equal(json_string_value(json_object_get(find_check(doc, "sim.signature"),
                                                           "result")),
                        "pass");
    json_decref(doc);
}

static void untrusted_key(void **state)
{
    (void)state;
    json_t *doc = NULL;
    assert_err(explained(g_trust_b, g_ev, g_ev_n, g_rd, &doc), UAT_ERR_VERIFY_UNTRUSTED_KEY);
    assert_failed_at(doc, UAT_ERR_VERIFY_UNTRUSTED_KEY, "sim.key");
    const json_t *last = last_check(doc);
    assert_string_equal(json_string_value(json_object_get(last, "source")),
                        "field key_id at offset 176");
    assert_non_null(strstr(json_string_value(json_object_get(last, "found")), "configured sim"));
    json_decref(doc);
}

static void unparsable_input(void **state)
{
    (void)state;
    static const uint8_t junk[] = "not evidence";
    json_t *doc = NULL;
    uat_err rc = explained(g_trust_a, junk, sizeof(junk) - 1, g_rd, &doc);
    assert_true(rc != UAT_OK);
    assert_true(json_is_null(json_object_get(doc, "tee"))); /* never recognised */
    assert_failed_at(doc, rc, uat_last_error()->check);
    json_decref(doc);
}

static void text_of_bad_json(void **state)
{
    (void)state;
    char *out = NULL;
    assert_err(uat_explanation_format_text("{\"checks\": 1}", &out), UAT_ERR_PARSE_BAD_JSON);
    assert_err(uat_explanation_format_text("nope", &out), UAT_ERR_PARSE_BAD_JSON);
    assert_err(uat_explanation_format_text(NULL, &out), UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_null(out);
}

/* A failure the code recovers from (and clears, like uat_last_error) is not the failing check. */
static void recovered_failure_not_reported(void **state)
{
    (void)state;
    uat_trace *t = uat_trace_new();
    assert_non_null(t);
    uat_trace_saved prev = uat_trace_enter(t, 1);
    (void)UAT_FAIL(UAT_ERR_PARSE_BAD_CERT, "x509.cert", "commonName", -1);
    uat_error_clear();
    uat_step("later.check", "found", "required");
    uat_trace_leave(prev);
    uat_trace_finish(t, UAT_OK);
    assert_int_equal(t->nsteps, 1);
    assert_string_equal(t->steps[0].check, "later.check");
    assert_int_equal(t->steps[0].result, UAT_STEP_PASS);
    uat_trace_free(t);
}

/* A trace entered for the collateral only (an audit record's list) keeps the collateral and no
 * check, certificate or failure; the thread's explanation trace is unset meanwhile. */
static void collateral_only(void **state)
{
    (void)state;
    uat_trace *t = uat_trace_new();
    assert_non_null(t);
    uat_trace_saved prev = uat_trace_enter(t, 0);
    assert_false(UAT_TRACING());
    assert_true(UAT_TRACING_COLLATERAL());
    uat_step("some.check", "found", "required");
    uat_stepf("other.check", "required", "%d", 1);
    uint8_t md[32];
    memset(md, 0xab, sizeof(md));
    uat_trace_collateral("tcb_info", "Intel SGX TCB Signing", 1, 2, NULL, md);
    (void)UAT_FAIL(UAT_ERR_VERIFY_TCB, "tcb.status", "status", 12);
    uat_trace_leave(prev);
    assert_false(UAT_TRACING_COLLATERAL());
    assert_int_equal(t->nsteps, 0);
    assert_int_equal(t->ncerts, 0);
    assert_int_equal(t->failed, 0);
    char *digests = uat_trace_collateral_digests(t);
    assert_non_null(digests);
    assert_string_equal(digests, "tcb_info:abababababababababababababababababababababababababababababababab");
    free(digests);
    uat_trace_free(t);
}

/* Records past the limits are counted, not kept; the failure still ends the list. */
static void bounded(void **state)
{
    (void)state;
    uat_trace *t = uat_trace_new();
    assert_non_null(t);
    uat_trace_saved prev = uat_trace_enter(t, 1);
    for (size_t i = 0; i < UAT_MAX_TRACE_STEPS + 10; i++) {
        uat_step("many", "x", NULL);
    }
    char big[UAT_MAX_TRACE_TEXT * 2];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    for (size_t i = 0; i < UAT_MAX_TRACE_ITEMS + 3; i++) {
        uat_trace_collateral("crl", big, (int64_t)i + 1, 0, "collateral dir", NULL);
    }
    (void)UAT_FAIL(UAT_ERR_VERIFY_TCB, "tcb.status", "status", 12);
    uat_trace_leave(prev);
    uat_trace_finish(t, UAT_ERR_VERIFY_TCB);
    assert_int_equal(t->nsteps, UAT_MAX_TRACE_STEPS);
    assert_int_equal(t->ncolls, UAT_MAX_TRACE_ITEMS);
    assert_int_equal(t->dropped, 10 + 3 + 1);
    assert_int_equal(strlen(t->colls[0].issuer), UAT_MAX_TRACE_TEXT);
    assert_string_equal(t->colls[0].issuer + UAT_MAX_TRACE_TEXT - 3, "...");
    const uat_trace_rec *last = &t->steps[t->nsteps - 1];
    assert_string_equal(last->check, "tcb.status");
    assert_int_equal(last->result, UAT_STEP_FAIL);
    assert_string_equal(last->source, "field status at offset 12");
    uat_trace_free(t);
}

/* ---- passing ------------------------------------------------------------------------------- */

static void passing_lists_every_check(void **state)
{
    (void)state;
    json_t *doc = NULL;
    assert_ok(explained(g_trust_a, g_ev, g_ev_n, g_rd, &doc));
    assert_string_equal(json_string_value(json_object_get(doc, "tee")), "sim");
    assert_string_equal(json_string_value(json_object_get(doc, "result")), "pass");
    assert_true(json_is_null(json_object_get(doc, "error")));
    static const char *const order[] = {"sim.key", "sim.signature", "sim.report", "binding"};
    const json_t *checks = json_object_get(doc, "checks");
    assert_int_equal(json_array_size(checks), 4);
    for (size_t i = 0; i < 4; i++) {
        const json_t *c = json_array_get(checks, i);
        assert_string_equal(json_string_value(json_object_get(c, "check")), order[i]);
        assert_string_equal(json_string_value(json_object_get(c, "result")), "pass");
    }
    /* the binding shows both values: the report data found equals the one required */
    const json_t *b = find_check(doc, "binding");
    char hex[129];
    for (size_t i = 0; i < 64; i++) {
        snprintf(hex + 2 * i, 3, "%02x", g_rd[i]);
    }
    assert_string_equal(json_string_value(json_object_get(b, "found")), hex);
    assert_string_equal(json_string_value(json_object_get(b, "required")), hex);
    json_decref(doc);
}

static void no_binding_is_skipped(void **state)
{
    (void)state;
    json_t *doc = NULL;
    assert_ok(explained(g_trust_a, g_ev, g_ev_n, NULL, &doc));
    assert_string_equal(json_string_value(json_object_get(find_check(doc, "binding"), "result")),
                        "skipped");
    json_decref(doc);
}

/* Each call explains itself: a second call on the same verifier repeats every check (explain
 * bypasses the verifier's cache) and a failure after a pass leaves no passing verdict behind. */
static void each_call_its_own(void **state)
{
    (void)state;
    uat_verifier *v = NULL;
    assert_ok(uat_verifier_new(&v));
    assert_ok(uat_verifier_set_trust_dir(v, g_trust_a));
    uat_verifier_set_explain(v, 1);
    uat_claims *claims = NULL;
    assert_ok(uat_verify(v, g_ev, g_ev_n, g_rd, &claims));
    uat_claims_free(claims);
    char *first = strdup(uat_verifier_explanation(v));
    assert_ok(uat_verify(v, g_ev, g_ev_n, g_rd, &claims));
    uat_claims_free(claims);
    assert_string_equal(uat_verifier_explanation(v), first);
    uint8_t rd[64] = {0};
    assert_err(uat_verify(v, g_ev, g_ev_n, rd, &claims), UAT_ERR_VERIFY_BINDING);
    json_t *doc = json_loads(uat_verifier_explanation(v), 0, NULL);
    assert_failed_at(doc, UAT_ERR_VERIFY_BINDING, "binding");
    json_decref(doc);
    free(first);
    uat_verifier_free(v);
}

static void text_for_people(void **state)
{
    (void)state;
    uat_verifier *v = NULL;
    assert_ok(uat_verifier_new(&v));
    assert_ok(uat_verifier_set_trust_dir(v, g_trust_b));
    uat_verifier_set_explain(v, 1);
    uat_claims *claims = NULL;
    assert_err(uat_verify(v, g_ev, g_ev_n, g_rd, &claims), UAT_ERR_VERIFY_UNTRUSTED_KEY);
    char *text = NULL;
    assert_ok(uat_explanation_format_text(uat_verifier_explanation(v), &text));
    assert_non_null(strstr(text, "sim evidence: NOT VERIFIED"));
    assert_non_null(strstr(text, "FAIL  sim.key"));
    assert_non_null(strstr(text, uat_err_remedy(UAT_ERR_VERIFY_UNTRUSTED_KEY)));
    free(text);
    uat_verifier_free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(off_by_default),
        cmocka_unit_test(wrong_binding),
        cmocka_unit_test(untrusted_key),
        cmocka_unit_test(unparsable_input),
        cmocka_unit_test(text_of_bad_json),
        cmocka_unit_test(recovered_failure_not_reported),
        cmocka_unit_test(bounded),
        cmocka_unit_test(collateral_only),
        cmocka_unit_test(passing_lists_every_check),
        cmocka_unit_test(no_binding_is_skipped),
        cmocka_unit_test(each_call_its_own),
        cmocka_unit_test(text_for_people),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
