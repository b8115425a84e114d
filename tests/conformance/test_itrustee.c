/* Huawei iTrustee corpus (../shared/corpus/huawei-itrustee/PROVENANCE.md "Expected outcomes"), at
 * the pinned evaluation time 2026-06-01T00:00:00Z: every sample's outcome, every single-byte
 * change of the signed bytes of k1 (binary) and j1 (JSON) rejected, wrong root, expiry, wrong
 * nonce, DAA refused by name, the kunpengsecl baselines through the appraisal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/file.h"
#include "core/limits.h"
#include "tee/itrustee/itrustee.h"
#include "uattest/uattest.h"

#include "../unit/uat_assert.h"

#define DIR UAT_CORPUS_DIR "/huawei-itrustee"
#define TRUST DIR "/trust"
#define K1 DIR "/k1-kunpengsecl-noas/report.bin"
#define K4 DIR "/k4-kunpengsecl-daa/report.bin"
#define J1D DIR "/j1-kunpengsecl-json-qta-e08f7eca"
#define J1 J1D "/report.json"
#define AT 1780272000      /* 2026-06-01T00:00:00Z */
#define AT_2038 2145916800 /* 2038-01-01T00:00:00Z: past both DRK certificates */
#define J1_NONCE "ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~\x7f\x80"

static uat_buf load(const char *path)
{
    uat_buf b;
    uat_buf_init(&b, UAT_MAX_FILE_BYTES);
    assert_ok(uat_file_read(path, UAT_MAX_FILE_BYTES, &b));
    return b;
}

static void *g_cache; /* the anchors, verified once, as a uat_verifier keeps them */

static uat_err verify_at(uat_span ev, const char *trust, const char *nonce, uat_time at,
                         void **cache)
{
    uat_verify_ctx ctx = {.trust_dir = trust, .at = at, .cache = cache};
    ctx.nonce = uat_span_of(nonce, nonce ? strlen(nonce) : 0);
    uat_claims *c = NULL;
    uat_verify_out out;
    memset(&out, 0, sizeof(out));
    assert_ok(uat_claims_new("itrustee", &c));
    uat_err rc = uat_itrustee_verify(ev, &ctx, c, &out);
    uat_claims_free(c);
    return rc;
}

static uat_err verify(uat_span ev, const char *nonce)
{
    return verify_at(ev, TRUST, nonce, AT, &g_cache);
}

static void test_outcomes(void **state)
{
    (void)state;
    uat_buf k1 = load(K1), k4 = load(K4), j1 = load(J1), jd = load(J1D "/report_sce_as_with_daa.json");
    assert_ok(verify(uat_buf_span(&k1), "challenge"));
    assert_ok(verify(uat_buf_span(&j1), J1_NONCE));
    assert_err(verify(uat_buf_span(&k1), "challengf"), UAT_ERR_VERIFY_BINDING);
    assert_err(verify(uat_buf_span(&j1), "challenge"), UAT_ERR_VERIFY_BINDING);
    /* DAA: refused by name, never verified as RSA */
    assert_err(verify(uat_buf_span(&k4), "challenge"), UAT_ERR_UNSUPPORTED_FEATURE);
    assert_string_equal(uat_last_error()->field, "scenario");
    assert_err(verify(uat_buf_span(&jd), J1_NONCE), UAT_ERR_UNSUPPORTED_FEATURE);
    assert_string_equal(uat_last_error()->field, "scenario");
    /* byte 200 bit 0 (inside the TA image hash) */
    k1.p[200] ^= 1;
    assert_err(verify(uat_buf_span(&k1), NULL), UAT_ERR_VERIFY_SIGNATURE);
    assert_string_equal(uat_last_error()->check, "itrustee.sign_ak");
    k1.p[200] ^= 1;
    uat_buf_free(&k1);
    uat_buf_free(&k4);
    uat_buf_free(&j1);
    uat_buf_free(&jd);
}

static void test_provisioning_certs(void **state)
{
    (void)state;
    uat_buf a = load(J1D "/provision_sce_as_no_daa.json"), d = load(J1D "/provision_sce_as_with_daa.json");
    uat_verify_ctx ctx = {.trust_dir = TRUST, .at = AT, .cache = &g_cache};
    int daa = -1;
    assert_ok(uat_itrustee_verify_akcert(uat_buf_span(&a), &ctx, &daa));
    assert_int_equal(daa, 0);
    assert_ok(uat_itrustee_verify_akcert(uat_buf_span(&d), &ctx, &daa));
    assert_int_equal(daa, 1);
    a.p[a.len / 2] ^= 1;
    assert_int_not_equal(uat_itrustee_verify_akcert(uat_buf_span(&a), &ctx, &daa), UAT_OK);
    uat_buf_free(&a);
    uat_buf_free(&d);
}

static void test_chain(void **state)
{
    (void)state;
    uat_buf k1 = load(K1), j1 = load(J1);
    /* an unrelated anchor: the chain fails closed */
    char trust[64], path[128];
    snprintf(trust, sizeof(trust), "/tmp/uat_itr_conf_%d", (int)getpid());
    mkdir(trust, 0700);
    snprintf(path, sizeof(path), "%s/itrustee", trust);
    mkdir(path, 0700);
    uat_buf other = load(UAT_CORPUS_DIR "/arm-cca/virtcca-trust/Huawei_ECC_Attestation_Root_CA_1.pem");
    snprintf(path, sizeof(path), "%s/itrustee/other.pem", trust);
    assert_ok(uat_file_write_atomic(path, other.p, other.len, 0600));
    assert_err(verify_at(uat_buf_span(&k1), trust, NULL, AT, NULL), UAT_ERR_VERIFY_CHAIN);
    assert_string_equal(uat_last_error()->check, "itrustee.drk_chain");
    assert_err(verify_at(uat_buf_span(&j1), trust, NULL, AT, NULL), UAT_ERR_VERIFY_CHAIN);
    unlink(path);
    snprintf(path, sizeof(path), "%s/itrustee", trust);
    rmdir(path);
    rmdir(trust);
    /* past the DRK certificates' notAfter */
    assert_err(verify_at(uat_buf_span(&k1), TRUST, NULL, AT_2038, NULL), UAT_ERR_VERIFY_EXPIRED);
    assert_err(verify_at(uat_buf_span(&j1), TRUST, NULL, AT_2038, NULL), UAT_ERR_VERIFY_EXPIRED);
    /* no anchor at all */
    assert_err(verify_at(uat_buf_span(&k1), "/nonexistent", NULL, AT, NULL),
               UAT_ERR_USAGE_NO_TRUST_ANCHOR);
    uat_buf_free(&other);
    uat_buf_free(&k1);
    uat_buf_free(&j1);
}

/* PROVENANCE.md: bit 0 of each of the 3624 bytes flipped, one at a time: rejected every time. */
static void test_k1_every_byte(void **state)
{
    (void)state;
    uat_buf k1 = load(K1);
    for (size_t i = 0; i < k1.len; i++) {
        k1.p[i] ^= 1;
        uat_err rc = verify(uat_buf_span(&k1), NULL);
        if (rc == UAT_OK) {
            fail_msg("k1 with byte %zu changed verifies", i);
        }
        k1.p[i] ^= 1;
    }
    assert_ok(verify(uat_buf_span(&k1), "challenge"));
    uat_buf_free(&k1);
}

/* The text span of a JSON member's value (the first "name": after from). */
static void value_span(const uat_buf *b, size_t from, const char *name, size_t *start, size_t *end)
{
    char key[64];
    snprintf(key, sizeof(key), "\"%s\":", name);
    const char *t = (const char *)b->p;
    const char *at = memmem(t + from, b->len - from, key, strlen(key));
    assert_non_null(at);
    *start = (size_t)(at - t) + strlen(key);
    int depth = 0;
    size_t i = *start;
    while (i < b->len && (b->p[i] == ' ' || b->p[i] == '\t' || b->p[i] == '\n')) {
        i++;
    }
    for (; i < b->len; i++) {
        if (b->p[i] == '{') {
            depth++;
        } else if (b->p[i] == '}' && --depth == 0) {
            break;
        }
    }
    *end = i + 1;
}

/* Every single-byte change inside the signed payloads of j1 (the report's and the AK
 * certificate's: the text cJSON re-prints and the signatures cover) is rejected. */
static void test_j1_every_payload_byte(void **state)
{
    (void)state;
    uat_buf j1 = load(J1);
    size_t s1, e1, s2, e2, ak;
    value_span(&j1, 0, "akcert", &ak, &e2);
    value_span(&j1, ak, "payload", &s2, &e2);
    value_span(&j1, e2, "payload", &s1, &e1);
    size_t ranges[2][2] = {{s1, e1}, {s2, e2}};
    size_t n = 0;
    for (int r = 0; r < 2; r++) {
        for (size_t i = ranges[r][0]; i < ranges[r][1]; i++) {
            uint8_t old = j1.p[i];
            for (int bit = 0; bit < 8; bit += 5) { /* bits 0 and 5: a case change too */
                j1.p[i] = (uint8_t)(old ^ (1u << bit));
                if (verify(uat_buf_span(&j1), NULL) == UAT_OK) {
                    fail_msg("j1 with byte %zu changed to 0x%02x verifies", i, j1.p[i]);
                }
                n++;
            }
            j1.p[i] = old;
        }
    }
    assert_true(n > 2 * (428 + 1006) / 2);
    assert_ok(verify(uat_buf_span(&j1), J1_NONCE));
    uat_buf_free(&j1);
}

/* The signed bytes are the parsed payload re-printed: other whitespace or another handler
 * verifies, reordered members do not. */
static void test_j1_reserialized(void **state)
{
    (void)state;
    uat_buf j1 = load(J1);
    json_t *doc = json_loadb((const char *)j1.p, j1.len, JSON_DECODE_INT_AS_REAL, NULL);
    char *text = json_dumps(doc, JSON_COMPACT);
    assert_ok(verify(uat_span_of(text, strlen(text)), J1_NONCE));
    free(text);
    json_object_set_new(doc, "handler", json_string("other"));
    text = json_dumps(doc, JSON_INDENT(1));
    assert_ok(verify(uat_span_of(text, strlen(text)), J1_NONCE));
    free(text);
    /* move "version" to the end of the payload */
    json_t *p = json_object_get(doc, "payload");
    json_t *v = json_incref(json_object_get(p, "version"));
    json_object_del(p, "version");
    json_object_set_new(p, "version", v);
    text = json_dumps(doc, JSON_COMPACT);
    assert_err(verify(uat_span_of(text, strlen(text)), J1_NONCE), UAT_ERR_VERIFY_SIGNATURE);
    free(text);
    json_decref(doc);
    uat_buf_free(&j1);
}

/* Through the public API: the verifier, the binding check, kunpengsecl baselines imported. */
static uat_err appraise(const char *ev_path, const char *base, const char *rd, const char **status)
{
    uat_buf ev = load(ev_path), txt = load(base);
    uat_verifier *v = NULL;
    uat_refvals *rv = NULL;
    uat_policy *pol = NULL;
    uat_claims *c = NULL;
    uat_ear *ear = NULL;
    char *json = NULL;
    uint8_t expected[64] = {0};
    memcpy(expected, rd, strlen(rd));
    assert_ok(uat_refvals_import("kunpengsecl", txt.p, txt.len, &json));
    assert_ok(uat_refvals_new(&rv));
    assert_ok(uat_refvals_add_json(rv, json, strlen(json)));
    assert_ok(uat_verifier_new(&v));
    assert_ok(uat_verifier_set_trust_dir(v, TRUST));
    uat_verifier_set_time(v, AT);
    uat_err rc = uat_verify(v, ev.p, ev.len, expected, &c);
    if (rc == UAT_OK) {
        uat_appraisal_ctx actx = {AT, NULL, 0, NULL};
        assert_ok(uat_policy_default(&pol));
        assert_ok(uat_appraise(pol, rv, c, &actx, &ear));
        *status = uat_ear_status(ear);
    }
    free(json);
    uat_verifier_free(v);
    uat_refvals_free(rv);
    uat_policy_free(pol);
    uat_claims_free(c);
    uat_ear_free(ear);
    uat_buf_free(&ev);
    uat_buf_free(&txt);
    return rc;
}

static void test_refvals(void **state)
{
    (void)state;
    const char *st = NULL;
    assert_ok(appraise(K1, DIR "/refvalues/basevalue.txt", "challenge", &st));
    assert_string_equal(st, "affirming");
    assert_ok(appraise(K1, DIR "/refvalues/basevalue2.txt", "challenge", &st));
    assert_string_equal(st, "contraindicated");
    assert_ok(appraise(J1, DIR "/refvalues/attester_demo_basevalue.txt", J1_NONCE, &st));
    assert_string_equal(st, "affirming");
    assert_ok(appraise(J1, DIR "/refvalues/basevalue.txt", J1_NONCE, &st));
    assert_string_equal(st, "contraindicated");
    /* the generic binding check: other report data than the nonce */
    assert_err(appraise(K1, DIR "/refvalues/basevalue.txt", "challengf", &st),
               UAT_ERR_VERIFY_BINDING);
}

static int teardown(void **state)
{
    (void)state;
    uat_itrustee_cache_free(g_cache);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_outcomes),
        cmocka_unit_test(test_provisioning_certs),
        cmocka_unit_test(test_chain),
        cmocka_unit_test(test_j1_reserialized),
        cmocka_unit_test(test_refvals),
        cmocka_unit_test(test_k1_every_byte),
        cmocka_unit_test(test_j1_every_payload_byte),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
