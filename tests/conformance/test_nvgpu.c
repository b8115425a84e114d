/* NVIDIA H100 SPDM evidence (docs/nvgpu.md) on ../shared/corpus/nvidia-gpu (PROVENANCE.md):
 * g1 (nvtrust sample) and g2 (trustee CoCo CI, one zero byte after its signature) verify with
 * their request nonces, as trustee's evidence JSON and as the CBOR map; g1's claims match trustee's
 * expected claims where the meaning is the same; the three negative chains fail with named
 * errors; every single-byte change of the signed span, of the signature and of the chain is
 * rejected; a wrong nonce is VERIFY_BINDING; truncation at every offset is a parse error.
 * The device certificates are valid until 9999-12-31; the time is pinned to 2026-01-08T00:00:00Z
 * (trustee's last change to the g2 sample). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/file.h"
#include "core/limits.h"
#include "evidence/claims_int.h"
#include "tee/nvgpu/nvgpu.h"
#include "uattest/uattest.h"

#include "../unit/uat_assert.h"

#define NV UAT_CORPUS_DIR "/nvidia-gpu"
#define G1 NV "/g1-nvtrust-hopper-sample"
#define G2 NV "/g2-trustee-coco-ci-h100"
#define TRUST NV "/trust"
#define T_PIN 1767830400 /* 2026-01-08T00:00:00Z */

static const char N1[] = "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb";
static const char N2[] = "87d8e24ab336adafe228d49e83d745f6dba4ae505372b6a5704820856b343fec";

typedef struct sample {
    uat_buf hex, report, pem;
    uat_der_list certs;
    uat_nvgpu_evidence ev;
    uat_buf cbor;
    uint8_t nonce[64];
} sample;

static uat_buf load(const char *path)
{
    uat_buf b;
    uat_buf_init(&b, UAT_MAX_FILE_BYTES);
    assert_ok(uat_file_read(path, UAT_MAX_FILE_BYTES, &b));
    return b;
}

static void nonce64(const char *hex, uint8_t out[64])
{
    memset(out, 0, 64);
    assert_ok(uat_hex_decode_fixed(hex, 64, out, 32));
}

static void encode(sample *s)
{
    s->cbor.len = 0;
    assert_ok(uat_nvgpu_evidence_encode(&s->ev, &s->cbor));
}

static void sample_load(sample *s, const char *dir, const char *chain, const char *nonce)
{
    char path[512];
    memset(s, 0, sizeof(*s));
    snprintf(path, sizeof(path), "%s/attestation_report.hex", dir);
    s->hex = load(path);
    uat_buf_init(&s->report, UAT_MAX_EVIDENCE_BYTES);
    assert_ok(uat_hex_decode((const char *)s->hex.p, s->hex.len, &s->report));
    snprintf(path, sizeof(path), "%s/%s", dir, chain);
    s->pem = load(path);
    assert_ok(uat_pem_certs_strict(uat_buf_span(&s->pem), &s->certs));
    s->ev.report = uat_buf_span(&s->report);
    s->ev.ncerts = s->certs.n;
    for (size_t i = 0; i < s->certs.n; i++) {
        s->ev.certs[i] = uat_buf_span(&s->certs.items[i]);
    }
    strcpy(s->ev.arch, "HOPPER");
    uat_buf_init(&s->cbor, UAT_MAX_EVIDENCE_BYTES);
    encode(s);
    nonce64(nonce, s->nonce);
}

static void sample_free(sample *s)
{
    uat_buf_free(&s->hex);
    uat_buf_free(&s->report);
    uat_buf_free(&s->pem);
    uat_buf_free(&s->cbor);
    uat_der_list_free(&s->certs);
}

/* trustee's evidence JSON: the report as hex, the chain as base64 of the PEM file */
static void trustee_json(const sample *s, uat_buf *out)
{
    uat_buf b64;
    uat_buf_init(&b64, UAT_MAX_EVIDENCE_BYTES);
    assert_ok(uat_b64_encode(s->pem.p, s->pem.len, UAT_B64_STD, &b64));
    json_t *d = json_pack("{s:s,s:s,s:s%,s:s%}", "arch", "HOPPER", "uuid",
                          "1111-2222-33333-444444-555555", "evidence", (const char *)s->hex.p,
                          s->hex.len, "certificate", (const char *)b64.p, b64.len);
    json_t *j = json_pack("{s:[o]}", "device_evidence_list", d);
    char *text = json_dumps(j, JSON_COMPACT);
    uat_buf_init(out, UAT_MAX_EVIDENCE_BYTES);
    assert_ok(uat_buf_append_str(out, text));
    free(text);
    json_decref(j);
    uat_buf_free(&b64);
}

static uat_verifier *verifier(void)
{
    uat_verifier *v = NULL;
    assert_ok(uat_verifier_new(&v));
    assert_ok(uat_verifier_set_trust_dir(v, TRUST));
    uat_verifier_set_time(v, T_PIN);
    return v;
}

static uat_err run(uat_verifier *v, uat_span ev, const uint8_t *nonce, uat_claims **c)
{
    *c = NULL;
    return uat_verify(v, ev.p, ev.len, nonce, c);
}

/* g1 against trustee's hopperAttestationReport-claims.txt: the members with the same meaning */
static void check_g1_claims(const uat_claims *c)
{
    static const char *const same[] = {"board_id",         "chip_sku",        "chip_sku_mod",
                                       "cpr_info",         "driver_version",  "fwid",
                                       "gpu_info",         "measurement_count", "project",
                                       "project_sku",      "project_sku_mod", "vbios_version"};
    json_t *want = json_load_file(G1 "/expected_claims_trustee.json", 0, NULL);
    assert_non_null(want);
    json_t *doc = uat_claims_doc(c);
    json_t *tee = json_object_get(doc, "tee_claims");
    assert_true(json_equal(json_object_get(tee, "measurements"),
                           json_object_get(want, "measurements")));
    assert_int_equal(json_object_size(json_object_get(tee, "measurements")), 64);
    assert_string_equal(json_string_value(json_object_get(tee, "arch")), "Hopper");
    assert_true(json_equal(json_object_get(tee, "arch"), json_object_get(want, "arch")));
    json_t *cfg = json_object_get(tee, "config"), *wcfg = json_object_get(want, "config");
    for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
        if (!json_equal(json_object_get(cfg, same[i]), json_object_get(wcfg, same[i]))) {
            fail_msg("config.%s differs from trustee's", same[i]);
        }
    }
    /* trustee's old decoder printed NVDEC0 / PCIe status 0x55 as the text "U" */
    assert_string_equal(json_string_value(json_object_get(cfg, "nvdec0_status")), "55");
    assert_string_equal(json_string_value(json_object_get(doc, "report_data")), N1);
    assert_int_equal(json_integer_value(json_object_get(tee, "trailing_zero_bytes")), 0);
    assert_string_equal(uat_claims_get_string(c, "valid_until"), "9999-12-31T23:59:59Z");
    json_decref(want);
}

static void test_g1_verifies(void **state)
{
    (void)state;
    sample s;
    sample_load(&s, G1, "cert_chain.pem", N1);
    uat_verifier *v = verifier();
    uat_claims *c = NULL;
    assert_ok(run(v, uat_buf_span(&s.cbor), s.nonce, &c));
    check_g1_claims(c);
    uat_claims_free(c);
    uat_buf j;
    trustee_json(&s, &j);
    assert_true(uat_nvgpu_sniff(uat_buf_span(&j)));
    assert_true(uat_nvgpu_sniff(uat_buf_span(&s.cbor)));
    assert_ok(run(v, uat_buf_span(&j), s.nonce, &c));
    check_g1_claims(c);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(uat_claims_doc(c), "tee_claims"), "uuid")),
        "1111-2222-33333-444444-555555");
    uat_claims_free(c);
    /* a wrong nonce: one bit, and g2's */
    uint8_t other[64];
    memcpy(other, s.nonce, 64);
    other[31] ^= 1;
    assert_err(run(v, uat_buf_span(&s.cbor), other, &c), UAT_ERR_VERIFY_BINDING);
    nonce64(N2, other);
    assert_err(run(v, uat_buf_span(&j), other, &c), UAT_ERR_VERIFY_BINDING);
    uat_buf_free(&j);
    uat_verifier_free(v);
    sample_free(&s);
}

static void test_g2_verifies_with_trailing_zero(void **state)
{
    (void)state;
    sample s;
    sample_load(&s, G2, "cert_chain.pem", N2);
    uat_verifier *v = verifier();
    uat_claims *c = NULL;
    uat_buf j;
    trustee_json(&s, &j);
    assert_ok(run(v, uat_buf_span(&j), s.nonce, &c));
    json_t *doc = uat_claims_doc(c);
    json_t *tee = json_object_get(doc, "tee_claims");
    assert_int_equal(json_integer_value(json_object_get(tee, "trailing_zero_bytes")), 1);
    json_t *cfg = json_object_get(tee, "config");
    assert_string_equal(json_string_value(json_object_get(cfg, "driver_version")), "580.95.05");
    assert_string_equal(json_string_value(json_object_get(cfg, "vbios_version")),
                        "96.00.74.00.1a");
    assert_string_equal(json_string_value(json_object_get(cfg, "feature_flag")), "0000");
    assert_string_equal(json_string_value(json_object_get(cfg, "opaque_data_version")), "0100");
    assert_string_equal(json_string_value(json_object_get(doc, "report_data")), N2);
    uat_claims_free(c);
    assert_ok(run(v, uat_buf_span(&s.cbor), s.nonce, &c));
    uat_claims_free(c);
    /* the trailing byte must be zero and alone */
    s.report.p[s.report.len - 1] = 0x01;
    encode(&s);
    assert_err(run(v, uat_buf_span(&s.cbor), s.nonce, &c), UAT_ERR_PARSE_TRAILING_BYTES);
    s.report.p[s.report.len - 1] = 0x00;
    assert_ok(uat_buf_put_u8(&s.report, 0));
    s.ev.report = uat_buf_span(&s.report);
    encode(&s);
    assert_err(run(v, uat_buf_span(&s.cbor), s.nonce, &c), UAT_ERR_PARSE_TRAILING_BYTES);
    /* trustee's 48-byte expected report data is not this evidence's 32-byte binding */
    uint8_t rd48[64] = {0};
    memcpy(rd48, s.nonce, 32);
    rd48[32] = 0xe2;
    s.report.len -= 1;
    s.ev.report = uat_buf_span(&s.report);
    encode(&s);
    assert_err(run(v, uat_buf_span(&s.cbor), rd48, &c), UAT_ERR_VERIFY_BINDING);
    uat_buf_free(&j);
    uat_verifier_free(v);
    sample_free(&s);
}

static void test_negative_chains(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        uat_err want;
        const char *check;
    } cases[] = {
        {"NEG_cert_chain_case2.pem", UAT_ERR_VERIFY_CHAIN, "nvidia-gpu.chain"}, /* root only */
        {"NEG_cert_chain_case3.pem", UAT_ERR_VERIFY_CHAIN, "nvidia-gpu.chain"}, /* no ICA */
        {"NEG_cert_chain_case4.pem", UAT_ERR_PARSE_BAD_CERT, "nvidia-gpu.fwid"}, /* no leaf */
    };
    uat_verifier *v = verifier();
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sample s;
        sample_load(&s, G1, cases[i].file, N1);
        uat_claims *c = NULL;
        uat_err rc = run(v, uat_buf_span(&s.cbor), s.nonce, &c);
        if (rc != cases[i].want || strcmp(uat_last_error()->check, cases[i].check) != 0) {
            fail_msg("%s: %s at %s", cases[i].file, uat_err_name(rc), uat_last_error()->check);
        }
        sample_free(&s);
    }
    /* g2's leaf with g1's report: the FWIDs differ (and the key) */
    sample a, b;
    sample_load(&a, G1, "cert_chain.pem", N1);
    sample_load(&b, G2, "cert_chain.pem", N2);
    a.ev.ncerts = b.ev.ncerts;
    memcpy(a.ev.certs, b.ev.certs, sizeof(a.ev.certs));
    encode(&a);
    uat_claims *c = NULL;
    assert_err(run(v, uat_buf_span(&a.cbor), a.nonce, &c), UAT_ERR_VERIFY_MEASUREMENT);
    assert_string_equal(uat_last_error()->check, "nvidia-gpu.fwid");
    sample_free(&a);
    sample_free(&b);
    /* other vendors' roots are not NVIDIA device anchors */
    uat_verifier_free(v);
    uat_verifier *w = NULL;
    assert_ok(uat_verifier_new(&w));
    assert_ok(uat_verifier_set_trust_dir(w, UAT_CORPUS_DIR "/amd-sev-snp/trust"));
    uat_verifier_set_time(w, T_PIN);
    sample_load(&a, G1, "cert_chain.pem", N1);
    assert_err(run(w, uat_buf_span(&a.cbor), a.nonce, &c), UAT_ERR_VERIFY_CHAIN);
    sample_free(&a);
    uat_verifier_free(w);
}

static int is_parse(uat_err e)
{
    return strncmp(uat_err_name(e), "PARSE_", 6) == 0;
}

/* every byte of the report (request, response, signature) and of the chain changed in turn */
static void test_every_byte(void **state)
{
    (void)state;
    sample s;
    sample_load(&s, G1, "cert_chain.pem", N1);
    uat_verifier *v = verifier();
    uat_claims *c = NULL;
    for (size_t i = 0; i < s.report.len; i++) {
        s.report.p[i] ^= 0x01;
        encode(&s);
        uat_err rc = run(v, uat_buf_span(&s.cbor), s.nonce, &c);
        if (rc == UAT_OK) {
            fail_msg("report byte %zu changed: accepted", i);
        }
        assert_true(uat_last_error()->check != NULL && uat_last_error()->check[0] != '\0');
        s.report.p[i] ^= 0x01;
    }
    for (size_t k = 0; k < s.certs.n; k++) {
        uat_buf *d = &s.certs.items[k];
        for (size_t i = 0; i < d->len; i++) {
            d->p[i] ^= 0x01;
            encode(&s);
            if (run(v, uat_buf_span(&s.cbor), s.nonce, &c) == UAT_OK) {
                fail_msg("certificate %zu byte %zu changed: accepted", k, i);
            }
            d->p[i] ^= 0x01;
        }
    }
    encode(&s);
    assert_ok(run(v, uat_buf_span(&s.cbor), s.nonce, &c));
    uat_claims_free(c);
    uat_verifier_free(v);
    sample_free(&s);
}

static void test_truncation_and_fields(void **state)
{
    (void)state;
    sample s;
    sample_load(&s, G2, "cert_chain.pem", N2);
    uat_nvgpu_report *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    assert_ok(uat_nvgpu_report_parse(uat_buf_span(&s.report), r));
    assert_int_equal(r->request.len, 37);
    assert_int_equal(r->rsp.nblocks, 64);
    assert_int_equal(r->rsp.record.len, 3520);
    assert_int_equal(r->rsp.trailing, 1);
    assert_int_equal(r->opaque.n, 16);
    assert_non_null(uat_nvgpu_opaque_find(&r->opaque, 36));
    /* cut anywhere before the end of the signature: a parse error; after it, the zero byte is
     * optional */
    for (size_t n = 0; n + 1 < s.report.len; n++) {
        uat_err rc = uat_nvgpu_report_parse(uat_span_of(s.report.p, n), r);
        if (!is_parse(rc)) {
            fail_msg("truncated at %zu: %s", n, uat_err_name(rc));
        }
    }
    assert_ok(uat_nvgpu_report_parse(uat_span_of(s.report.p, s.report.len - 1), r));
    /* field checks (offsets into g2: request 0..36, response from 37) */
    struct {
        size_t off;
        uint8_t val;
        uat_err want;
    } cases[] = {
        {0, 0x10, UAT_ERR_PARSE_BAD_VERSION},       {1, 0xE1, UAT_ERR_PARSE_BAD_VALUE},
        {2, 0x00, UAT_ERR_PARSE_BAD_VALUE},         {2, 0x03, UAT_ERR_PARSE_RESERVED_NONZERO},
        {3, 0x05, UAT_ERR_PARSE_BAD_VALUE},         {36, 0x10, UAT_ERR_PARSE_RESERVED_NONZERO},
        {36, 0x01, UAT_ERR_PARSE_BAD_VALUE},        {37, 0x12, UAT_ERR_PARSE_BAD_VERSION},
        {38, 0x61, UAT_ERR_PARSE_BAD_VALUE},        {39, 0x01, UAT_ERR_PARSE_RESERVED_NONZERO},
        {40, 0x10, UAT_ERR_PARSE_RESERVED_NONZERO}, {41, 0x41, UAT_ERR_PARSE_TRUNCATED},
        {45, 0x00, UAT_ERR_PARSE_BAD_VALUE},        {46, 0x02, UAT_ERR_UNSUPPORTED_FEATURE},
        {47, 0x34, UAT_ERR_PARSE_TRAILING_BYTES},   {50, 0x31, UAT_ERR_PARSE_TRUNCATED},
    };
    uint8_t *m = malloc(s.report.len);
    assert_non_null(m);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memcpy(m, s.report.p, s.report.len);
        m[cases[i].off] = cases[i].val;
        uat_err rc = uat_nvgpu_report_parse(uat_span_of(m, s.report.len), r);
        if (rc != cases[i].want) {
            fail_msg("case %zu (offset %zu): %s, want %s", i, cases[i].off, uat_err_name(rc),
                     uat_err_name(cases[i].want));
        }
    }
    /* SPDM 1.2 parses (same layout) but its signature needs the VCA transcript */
    memcpy(m, s.report.p, s.report.len);
    m[0] = m[37] = UAT_SPDM_V12;
    assert_ok(uat_nvgpu_report_parse(uat_span_of(m, s.report.len), r));
    s.ev.report = uat_span_of(m, s.report.len);
    encode(&s);
    uat_verifier *v = verifier();
    uat_claims *c = NULL;
    assert_err(run(v, uat_buf_span(&s.cbor), s.nonce, &c), UAT_ERR_UNSUPPORTED_FEATURE);
    assert_string_equal(uat_last_error()->check, "nvidia-gpu.signature");
    uat_verifier_free(v);
    free(m);
    free(r);
    sample_free(&s);
}

static void test_opaque_and_import_refusals(void **state)
{
    (void)state;
    uat_nvgpu_opaque op;
    static const uint8_t dup[] = {3, 0, 1, 0, 'a', 3, 0, 0, 0};
    static const uint8_t invalid[] = {0xff, 0, 0, 0};
    static const uint8_t cut[] = {3, 0, 2, 0, 'a'};
    static const uint8_t unknown[] = {0x99, 0, 2, 0, 0xab, 0xcd};
    assert_err(uat_nvgpu_opaque_parse(uat_span_of(dup, sizeof(dup)), 0, &op),
               UAT_ERR_PARSE_BAD_VALUE);
    assert_err(uat_nvgpu_opaque_parse(uat_span_of(invalid, sizeof(invalid)), 0, &op),
               UAT_ERR_PARSE_BAD_VALUE);
    assert_err(uat_nvgpu_opaque_parse(uat_span_of(cut, sizeof(cut)), 0, &op),
               UAT_ERR_PARSE_TRUNCATED);
    assert_ok(uat_nvgpu_opaque_parse(uat_span_of(unknown, sizeof(unknown)), 0, &op));
    json_t *o = json_object();
    assert_ok(uat_nvgpu_opaque_describe(&op, o));
    assert_string_equal(json_string_value(json_object_get(o, "type_153")), "abcd");
    json_decref(o);
    static const char *const bad[] = {
        "{}",
        "{\"device_evidence_list\":[]}",
        "{\"device_evidence_list\":[{\"evidence\":\"zz\",\"certificate\":\"\"}]}",
        "{\"device_evidence_list\":[{\"evidence\":\"00\",\"certificate\":\"\",\"x\":1}]}",
    };
    static const uat_err want[] = {UAT_ERR_PARSE_BAD_JSON, UAT_ERR_UNSUPPORTED_FEATURE,
                                   UAT_ERR_PARSE_BAD_ENCODING, UAT_ERR_PARSE_BAD_JSON};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uat_nvgpu_store st;
        uat_nvgpu_evidence ev;
        uat_err rc = uat_nvgpu_load(uat_span_of(bad[i], strlen(bad[i])), &st, &ev);
        uat_nvgpu_store_free(&st);
        if (rc != want[i]) {
            fail_msg("case %zu: %s, want %s", i, uat_err_name(rc), uat_err_name(want[i]));
        }
    }
    static const uint8_t no_certs[] = {0xa1, 0x66, 'r', 'e', 'p', 'o', 'r', 't', 0x41, 0x00};
    uat_nvgpu_evidence ev;
    assert_err(uat_nvgpu_evidence_decode(uat_span_of(no_certs, sizeof(no_certs)), &ev),
               UAT_ERR_PARSE_BAD_CBOR);
    assert_string_equal(uat_last_error()->field, "certs");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_opaque_and_import_refusals),
        cmocka_unit_test(test_truncation_and_fields),
        cmocka_unit_test(test_g1_verifies),
        cmocka_unit_test(test_g2_verifies_with_trailing_zero),
        cmocka_unit_test(test_negative_chains),
        cmocka_unit_test(test_every_byte),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
