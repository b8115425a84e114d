/* NVIDIA RIMs (docs/nvgpu.md "RIMs") on ../shared/corpus/nvidia-gpu/rim (PROVENANCE.md "RIMs"):
 * the four real NVIDIA-signed SWID tags parse and verify (xmlsec1, chain to the RIM root) at a
 * time inside their windows and not outside; the tamper byte of each (one hex digit of an active
 * golden value) is VERIFY_SIGNATURE; the device root alone anchors no RIM. Appraisal: g1 matches
 * the 550.90.07 driver RIM and the 96.00.9F.00.01 VBIOS RIM (both signings); g2 against the
 * 96.00.74.00.1A VBIOS RIM fails at golden index 9 (VERIFY_MEASUREMENT), the corpus's real
 * mismatch. End to end through uat_verify with the RIM folder as collateral. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/file.h"
#include "core/limits.h"
#include "evidence/claims_int.h"
#include "tee/nvgpu/rim.h"
#include "uattest/uattest.h"

#include "../unit/uat_assert.h"

#define NV UAT_CORPUS_DIR "/nvidia-gpu"
#define RIM NV "/rim"
#define TRUST NV "/trust"
#define DRIVER "NV_GPU_DRIVER_GH100_550.90.07.xml"
#define VB74 "NV_GPU_VBIOS_1010_0200_882_960074001A_2023.xml"
#define VB9F "NV_GPU_VBIOS_1010_0200_882_96009F0001.xml"
#define VB9F26 "NV_GPU_VBIOS_1010_0200_882_96009F0001_signer2026.xml"
#define T_2025_01_01 1735689600
#define T_2025_09_21 1758412800
#define T_2026_02_01 1769904000
#define T_2026_03_01 1772323200
#define T_2026_11_23 1795392000

static const char N1[] = "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb";
static const char N2[] = "87d8e24ab336adafe228d49e83d745f6dba4ae505372b6a5704820856b343fec";

typedef struct rim_case {
    const char *file, *version;
    size_t active, tamper_at;
    uat_time ok, bad;
} rim_case;

/* PROVENANCE.md table: OK / FAIL instants, active counts, tamper offsets */
static const rim_case CASES[] = {
    {DRIVER, "550.90.07", 21, 2680, T_2025_09_21, T_2026_11_23},
    {VB74, "96.00.74.00.1A", 12, 1334, T_2025_01_01, T_2025_09_21},
    {VB9F, "96.00.9F.00.01", 12, 1334, T_2026_02_01, T_2026_03_01},
    {VB9F26, "96.00.9F.00.01", 12, 1334, T_2026_03_01, T_2025_01_01},
};

static uat_buf load(const char *path)
{
    uat_buf b;
    uat_buf_init(&b, UAT_MAX_FILE_BYTES);
    assert_ok(uat_file_read(path, UAT_MAX_FILE_BYTES, &b));
    return b;
}

static uat_nvgpu_rim *rim_load(const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", RIM, name);
    uat_buf b = load(path);
    uat_nvgpu_rim *r = NULL;
    assert_ok(uat_nvgpu_rim_parse(uat_buf_span(&b), &r));
    uat_buf_free(&b);
    return r;
}

static void test_rims_parse_and_verify(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
        const rim_case *c = &CASES[i];
        uat_nvgpu_rim *r = rim_load(c->file);
        assert_string_equal(r->version, c->version);
        assert_string_equal(r->product, "GH100");
        assert_int_equal(r->nmeas, 64);
        assert_int_equal(r->certs.n, 4);
        size_t active = 0;
        for (size_t k = 0; k < r->nmeas; k++) {
            active += r->meas[k].active != 0;
        }
        assert_int_equal(active, c->active);
        char cn[128];
        assert_ok(uat_nvgpu_rim_verify(r, TRUST, c->ok, cn));
        assert_string_equal(cn, "HCC RIM L4 Signer");
        assert_err(uat_nvgpu_rim_verify(r, TRUST, c->bad, cn), UAT_ERR_VERIFY_EXPIRED);
        uat_nvgpu_rim_free(r);
    }
}

/* one hex digit of an active golden value changed: the reference digest no longer matches */
static void test_tampered_rims_rejected(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
        const rim_case *c = &CASES[i];
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", RIM, c->file);
        uat_buf b = load(path);
        assert_true(b.p[c->tamper_at] != '0');
        b.p[c->tamper_at] = '0';
        uat_nvgpu_rim *r = NULL;
        assert_ok(uat_nvgpu_rim_parse(uat_buf_span(&b), &r));
        char cn[128];
        assert_err(uat_nvgpu_rim_verify(r, TRUST, c->ok, cn), UAT_ERR_VERIFY_SIGNATURE);
        uat_nvgpu_rim_free(r);
        uat_buf_free(&b);
    }
}

static void write_file(const char *dir, const char *name, uat_span data)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data.p, 1, data.len, f), data.len);
    fclose(f);
}

static void copy_file(const char *dir, const char *src_dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", src_dir, name);
    uat_buf b = load(path);
    write_file(dir, name, uat_buf_span(&b));
    uat_buf_free(&b);
}

/* a DOCTYPE (entities), truncation, a RIM without its signer certificates: parse errors */
static void test_malformed_rims(void **state)
{
    (void)state;
    static const char doctype[] =
        "<?xml version=\"1.0\"?><!DOCTYPE SoftwareIdentity [<!ENTITY x \"y\">]>"
        "<SoftwareIdentity xmlns=\"http://standards.iso.org/iso/19770/-2/2015/schema.xsd\" "
        "tagId=\"&x;\"/>";
    uat_nvgpu_rim *r = NULL;
    assert_err(uat_nvgpu_rim_parse(uat_span_of(doctype, strlen(doctype)), &r),
               UAT_ERR_PARSE_BAD_VALUE);
    assert_null(r);
    uat_buf b = load(RIM "/" DRIVER);
    for (size_t cut = 0; cut < b.len; cut += 997) {
        assert_true(uat_nvgpu_rim_parse(uat_span_of(b.p, cut), &r) != UAT_OK);
    }
    /* without the KeyInfo certificates there is no signer to verify with */
    char *ki = strstr((char *)b.p, "<ds:KeyInfo>");
    char *end = strstr((char *)b.p, "</ds:KeyInfo>");
    assert_non_null(ki);
    assert_non_null(end);
    end += strlen("</ds:KeyInfo>");
    memmove(ki, end, (size_t)((char *)b.p + b.len - end));
    b.len -= (size_t)(end - ki);
    assert_err(uat_nvgpu_rim_parse(uat_buf_span(&b), &r), UAT_ERR_PARSE_BAD_VALUE);
    uat_buf_free(&b);
}

/* the Device Identity CA alone never anchors a RIM */
static void test_device_root_is_no_rim_root(void **state)
{
    (void)state;
    char dir[] = "/tmp/uat_rim_trust_XXXXXX";
    assert_non_null(mkdtemp(dir));
    copy_file(dir, TRUST, "nvidia_device_identity_ca_root.pem");
    uat_nvgpu_rim *r = rim_load(DRIVER);
    char cn[128];
    assert_err(uat_nvgpu_rim_verify(r, dir, T_2025_09_21, cn), UAT_ERR_USAGE_NO_TRUST_ANCHOR);
    uat_nvgpu_rim_free(r);
    char path[600];
    snprintf(path, sizeof(path), "%s/nvidia_device_identity_ca_root.pem", dir);
    unlink(path);
    rmdir(dir);
}

static void report_load(const char *dir, uat_buf *raw, uat_nvgpu_report *rep)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/attestation_report.hex", dir);
    uat_buf hex = load(path);
    uat_buf_init(raw, UAT_MAX_EVIDENCE_BYTES);
    assert_ok(uat_hex_decode((const char *)hex.p, hex.len, raw));
    assert_ok(uat_nvgpu_report_parse(uat_buf_span(raw), rep));
    uat_buf_free(&hex);
}

static void test_appraisal(void **state)
{
    (void)state;
    uat_buf raw1, raw2;
    uat_nvgpu_report *g1 = calloc(1, sizeof(*g1)), *g2 = calloc(1, sizeof(*g2));
    report_load(NV "/g1-nvtrust-hopper-sample", &raw1, g1);
    report_load(NV "/g2-trustee-coco-ci-h100", &raw2, g2);
    uat_nvgpu_rim *drv = rim_load(DRIVER), *vb9f = rim_load(VB9F), *vb74 = rim_load(VB74);
    json_t *o = json_object();
    assert_ok(uat_nvgpu_rim_appraise(drv, g1, UAT_NVGPU_RIM_DRIVER, o));
    /* 21 active indices; 35 skipped: g1's NVDEC0_STATUS is 0x55 */
    assert_int_equal(json_object_size(json_object_get(o, "matched")), 20);
    assert_int_equal(json_integer_value(json_array_get(json_object_get(o, "skipped"), 0)), 35);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(o, "matched"), "23")), 1);
    json_object_clear(o);
    assert_ok(uat_nvgpu_rim_appraise(vb9f, g1, UAT_NVGPU_RIM_VBIOS, o));
    assert_int_equal(json_object_size(json_object_get(o, "matched")), 12);
    /* g2 has the 96.00.74.00.1A VBIOS, but its block 10 is not that RIM's golden index 9 */
    assert_err(uat_nvgpu_rim_appraise(vb74, g2, UAT_NVGPU_RIM_VBIOS, o),
               UAT_ERR_VERIFY_MEASUREMENT);
    assert_string_equal(uat_last_error()->field, "rim.vbios.index.9");
    /* versions differ: g1 vs the 96.00.74.00.1A RIM, g2 vs the 550.90.07 driver RIM */
    assert_err(uat_nvgpu_rim_appraise(vb74, g1, UAT_NVGPU_RIM_VBIOS, o), UAT_ERR_VERIFY_COLLATERAL);
    assert_err(uat_nvgpu_rim_appraise(drv, g2, UAT_NVGPU_RIM_DRIVER, o), UAT_ERR_VERIFY_COLLATERAL);
    json_decref(o);
    uat_nvgpu_rim_free(drv);
    uat_nvgpu_rim_free(vb9f);
    uat_nvgpu_rim_free(vb74);
    uat_buf_free(&raw1);
    uat_buf_free(&raw2);
    free(g1);
    free(g2);
}

/* the report (hex) and chain (PEM) as trustee's evidence JSON */
static void evidence(const char *dir, uat_buf *out)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/attestation_report.hex", dir);
    uat_buf hex = load(path);
    snprintf(path, sizeof(path), "%s/cert_chain.pem", dir);
    uat_buf pem = load(path), b64;
    uat_buf_init(&b64, UAT_MAX_EVIDENCE_BYTES);
    assert_ok(uat_b64_encode(pem.p, pem.len, UAT_B64_STD, &b64));
    json_t *d = json_pack("{s:s,s:s%,s:s%}", "arch", "HOPPER", "evidence", (const char *)hex.p,
                          hex.len, "certificate", (const char *)b64.p, b64.len);
    json_t *j = json_pack("{s:[o]}", "device_evidence_list", d);
    char *text = json_dumps(j, JSON_COMPACT);
    uat_buf_init(out, UAT_MAX_EVIDENCE_BYTES);
    assert_ok(uat_buf_append_str(out, text));
    free(text);
    json_decref(j);
    uat_buf_free(&hex);
    uat_buf_free(&pem);
    uat_buf_free(&b64);
}

static uat_err verify_with(const char *dir, const char *nonce_hex, const char *collateral,
                           uat_time at, uat_claims **c)
{
    uat_buf ev;
    evidence(dir, &ev);
    uint8_t nonce[64] = {0};
    assert_ok(uat_hex_decode_fixed(nonce_hex, 64, nonce, 32));
    uat_verifier *v = NULL;
    assert_ok(uat_verifier_new(&v));
    assert_ok(uat_verifier_set_trust_dir(v, TRUST));
    assert_ok(uat_verifier_set_collateral_dir(v, collateral));
    uat_verifier_set_time(v, at);
    *c = NULL;
    uat_err rc = uat_verify(v, ev.p, ev.len, nonce, c);
    uat_verifier_free(v);
    uat_buf_free(&ev);
    return rc;
}

static const char *rim_file(const uat_claims *c, const char *kind)
{
    json_t *tee = json_object_get(uat_claims_doc(c), "tee_claims");
    return json_string_value(json_object_get(json_object_get(json_object_get(tee, "rim"), kind),
                                             "file"));
}

static void test_verify_end_to_end(void **state)
{
    (void)state;
    uat_claims *c = NULL;
    const char *g1 = NV "/g1-nvtrust-hopper-sample", *g2 = NV "/g2-trustee-coco-ci-h100";
    assert_ok(verify_with(g1, N1, RIM, T_2026_02_01, &c));
    assert_string_equal(rim_file(c, "driver"), DRIVER);
    assert_string_equal(rim_file(c, "vbios"), VB9F); /* both signings verify: the first */
    uat_claims_free(c);
    assert_ok(verify_with(g1, N1, RIM, T_2026_03_01, &c));
    assert_string_equal(rim_file(c, "vbios"), VB9F26); /* the 2024 signer has expired */
    uat_claims_free(c);
    /* the driver RIM has expired too */
    assert_err(verify_with(g1, N1, RIM, T_2026_11_23, &c), UAT_ERR_VERIFY_EXPIRED);
    /* no 580.95.05 driver RIM in the corpus */
    assert_err(verify_with(g2, N2, RIM, T_2026_02_01, &c), UAT_ERR_VERIFY_COLLATERAL);

    char dir[] = "/tmp/uat_rim_coll_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[600];
    /* g2 with its VBIOS RIM: index 9 differs */
    copy_file(dir, RIM, VB74);
    assert_err(verify_with(g2, N2, dir, T_2025_01_01, &c), UAT_ERR_VERIFY_MEASUREMENT);
    assert_string_equal(uat_last_error()->field, "rim.vbios.index.9");
    snprintf(path, sizeof(path), "%s/%s", dir, VB74);
    unlink(path);
    /* a tampered driver RIM is rejected end to end */
    snprintf(path, sizeof(path), "%s/%s", RIM, DRIVER);
    uat_buf b = load(path);
    b.p[2680] = '0';
    write_file(dir, DRIVER, uat_buf_span(&b));
    uat_buf_free(&b);
    copy_file(dir, RIM, VB9F);
    assert_err(verify_with(g1, N1, dir, T_2026_02_01, &c), UAT_ERR_VERIFY_SIGNATURE);
    snprintf(path, sizeof(path), "%s/%s", dir, DRIVER);
    unlink(path);
    snprintf(path, sizeof(path), "%s/%s", dir, VB9F);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rims_parse_and_verify),
        cmocka_unit_test(test_tampered_rims_rejected),
        cmocka_unit_test(test_malformed_rims),
        cmocka_unit_test(test_device_root_is_no_rim_root),
        cmocka_unit_test(test_appraisal),
        cmocka_unit_test(test_verify_end_to_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
