/* Unit tests for the pure Intel parsers: DCAP quotes v3/v4/v5 (src/tee/intel/quote.c), the SGX
 * extension of PCK certificates (pckext.c), PCS TCB info and enclave identity JSON (tcbinfo.c),
 * and the two readers under them: strict DER (src/core/der.c) and the raw JSON member skimmer
 * (src/collateral/jsonraw.c).
 *
 * Expected values come from the PROVENANCE.md files of the shared corpus. Where PROVENANCE
 * abbreviates a value (t1's RTMRs, "44c0197b…c9c0"), the full value was read from the quote with
 * an independent Python script (struct offsets of the QVL report layouts) and checked against the
 * stated prefix and suffix. The PCK extension bytes (tests/fuzz/corpus/pck_ext/) were cut out of
 * the leaf certificates with `openssl asn1parse -strparse`, not with the code under test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "collateral/jsonraw.h"
#include "core/der.h"
#include "core/file.h"
#include "core/limits.h"
#include "crypto/crypto.h"
#include "tee/intel/collateral.h"
#include "tee/intel/intel.h"

#define SGX_DIR UAT_CORPUS_DIR "/intel-sgx-dcap"
#define TDX_DIR UAT_CORPUS_DIR "/intel-tdx"
#define S1 SGX_DIR "/s1-dcapqvl-sgx-v3-processor"
#define S3 SGX_DIR "/s3-occlum-v3-platform"
#define T1 TDX_DIR "/t1-dcapqvl-tdx-v4-uptodate"
#define T2 TDX_DIR "/t2-dcapqvl-tdx-v5-no-tcb-level"
#define T3 TDX_DIR "/t3-gotdx-v4-spr-2023"
#define FUZZ_CORPUS UAT_TEST_DATA_DIR "/../fuzz/corpus"

#define ZERO32 "0000000000000000000000000000000000000000000000000000000000000000"
#define ZERO48 ZERO32 "00000000000000000000000000000000"

#include "uat_assert.h"
/* Fails with want, and uat_last_error() names the check and the field that failed. */
#define assert_fail(expr, want, check_name, field_name)                                            \
    do {                                                                                           \
        assert_err((expr), (want));                                                                \
        assert_string_equal(uat_last_error()->check, (check_name));                                \
        assert_string_equal(uat_last_error()->field, (field_name));                                \
    } while (0)

/* What a test makes is released by the per-test teardown, so a failing assertion leaks nothing. */
#define POOL 64
static uat_buf g_buf[POOL];
static uat_der_list g_list[POOL];
static size_t g_nbuf, g_nlist;
static uat_tcb_info g_tcb;
static uat_enclave_identity g_id;

static int release(void **state)
{
    (void)state;
    for (size_t i = 0; i < g_nbuf; i++) {
        uat_buf_free(&g_buf[i]);
    }
    for (size_t i = 0; i < g_nlist; i++) {
        uat_der_list_free(&g_list[i]);
    }
    g_nbuf = g_nlist = 0;
    uat_tcb_info_free(&g_tcb);
    uat_identity_free(&g_id);
    return 0;
}

static uat_buf *new_buf(void)
{
    assert_true(g_nbuf < POOL);
    uat_buf_init(&g_buf[g_nbuf], UAT_MAX_FILE_BYTES);
    return &g_buf[g_nbuf++];
}

static uat_der_list *new_list(void)
{
    assert_true(g_nlist < POOL);
    memset(&g_list[g_nlist], 0, sizeof(g_list[0]));
    return &g_list[g_nlist++];
}

static uat_buf *load(const char *path)
{
    uat_buf *b = new_buf();
    assert_ok(uat_file_read(path, UAT_MAX_FILE_BYTES, b));
    return b;
}

/* A copy of b with the first occurrence of from replaced by to. */
static uat_buf *replaced(const uat_buf *b, const char *from, const char *to)
{
    const uint8_t *at = memmem(b->p, b->len, from, strlen(from));
    assert_non_null(at);
    size_t head = (size_t)(at - b->p), skip = head + strlen(from);
    uat_buf *out = new_buf();
    assert_ok(uat_buf_append(out, b->p, head));
    assert_ok(uat_buf_append(out, to, strlen(to)));
    assert_ok(uat_buf_append(out, b->p + skip, b->len - skip));
    return out;
}

/* A copy of b with one byte set. */
static uat_buf *poked(const uat_buf *b, size_t off, uint8_t v)
{
    uat_buf *out = new_buf();
    assert_ok(uat_buf_append(out, b->p, b->len));
    assert_true(off < out->len);
    out->p[off] = v;
    return out;
}

static void assert_hex(const uint8_t *p, size_t n, const char *want)
{
    char got[2 * 648 + 1];
    assert_true(n <= 648);
    uat_hex_encode(p, n, got);
    assert_string_equal(got, want);
}

static void assert_bytes(const uint8_t *p, const uint8_t *want, size_t n)
{
    assert_memory_equal(p, want, n);
}

static uat_span str_span(const char *s)
{
    return uat_span_of(s, strlen(s));
}

/* ---- quotes ---- */

static void parse_quote(const char *path, uat_intel_quote *q)
{
    assert_ok(uat_intel_quote_parse(uat_buf_span(load(path)), q));
}

static void test_quote_s1_sgx_v3(void **state)
{
    (void)state;
    uat_intel_quote q;
    parse_quote(S1 "/quote.bin", &q);
    assert_int_equal(q.version, 3);
    assert_int_equal(q.att_key_type, UAT_INTEL_ATT_KEY_ECDSA_P256);
    assert_int_equal(q.tee_type, UAT_INTEL_TEE_SGX);
    assert_int_equal(q.body_type, 1);
    assert_int_equal(q.qe_svn, 10);
    assert_int_equal(q.pce_svn, 15);
    assert_hex(q.sgx.mr_enclave, 32,
               "33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb");
    assert_hex(q.sgx.mr_signer, 32,
               "815f42f11cf64430c30bab7816ba596a1da0130c3b028b673133a66cf9a3e0e6");
    assert_int_equal(q.sgx.isv_prod_id, 0);
    assert_int_equal(q.sgx.isv_svn, 0);
    assert_hex(q.sgx.attributes, 16, "0500000000000000e700000000000000");
    uint8_t rd[64] = "Hello, world!";
    assert_bytes(q.sgx.report_data, rd, 64);
    assert_int_equal(q.qe_report.isv_svn, 10); /* QE ISVSVN 10 */
    assert_int_equal(q.cert_type, 5);
    assert_int_equal(q.qe_auth_data.len, 32);
    assert_int_equal(q.signed_part.len, UAT_INTEL_HEADER_SIZE + UAT_SGX_REPORT_SIZE);
    assert_int_equal(q.trailing_zeros, 0); /* 4600 B, no trailing bytes */
    assert_memory_equal(q.pck_chain_pem.p, "-----BEGIN CERTIFICATE-----", 27);
}

static void test_quote_s3_sgx_v3(void **state)
{
    (void)state;
    uat_intel_quote q;
    parse_quote(S3 "/quote.bin", &q);
    assert_int_equal(q.version, 3);
    assert_int_equal(q.tee_type, UAT_INTEL_TEE_SGX);
    assert_int_equal(q.body_type, 1);
    assert_int_equal(q.qe_svn, 8);
    assert_int_equal(q.pce_svn, 13);
    assert_hex(q.sgx.cpu_svn, 16, "06060c0cffff00000000000000000000");
    assert_int_equal(q.sgx.misc_select, 1);
    assert_hex(q.sgx.mr_enclave, 32,
               "8f173e4613ff05c52aaf04162d234edae8c9977eae47eb2299ae16a553011c68");
    assert_hex(q.sgx.mr_signer, 32,
               "83d719e77deaca1470f6baf62a4d774303c899db69020f9c70ee1dfc08c7ce9e");
    assert_int_equal(q.sgx.isv_prod_id, 0);
    assert_int_equal(q.sgx.isv_svn, 0);
    assert_hex(q.sgx.attributes, 16, "0700000000000000e700000000000000"); /* DEBUG */
    uint8_t rd[64] = "test";
    assert_bytes(q.sgx.report_data, rd, 64);
    assert_int_equal(q.qe_report.isv_svn, 8);
    assert_int_equal(q.trailing_zeros, 0);
}

static void test_quote_t1_tdx_v4(void **state)
{
    (void)state;
    uat_intel_quote q;
    parse_quote(T1 "/quote.bin", &q);
    assert_int_equal(q.version, 4);
    assert_int_equal(q.tee_type, UAT_INTEL_TEE_TDX);
    assert_int_equal(q.body_type, 2);
    assert_false(q.td.is_15);
    assert_hex(q.td.mr_td, 48,
               "91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f2742"
               "8b2538873118b7");
    assert_hex(q.td.mr_seam, 48,
               "5b38e33a6487958b72c3c12a938eaa5e3fd4510c51aeeab58c7d5ecee41d7c436489d6c8e4f92f160b"
               "7cad34207b00c1");
    assert_hex(q.td.tee_tcb_svn, 16, "06010300000000000000000000000000");
    assert_hex(q.td.td_attributes, 8, "0000001000000000");
    assert_hex(q.td.xfam, 8, "e702060000000000");
    assert_hex(q.td.rtmr[0], 48,
               "44c0197b39157fdd7a4dcc44767f9d6b0bb3977c7a8e347b8492f827fe9d9e5c48aca29b220b80b6a5"
               "40cf994b9bc9c0");
    assert_hex(q.td.rtmr[1], 48,
               "0084452c01668329d4bc06acdf58a7205c26743304509973949e5619bf81a6a7aea8c323c173019b30"
               "93d54e579e9378");
    assert_hex(q.td.rtmr[2], 48,
               "d833feef2cd945148aa38ead2c53e9b7f138190aaaebfc551dccd829fc207aa3ba80b70870d7330733"
               "642e01d48c3132");
    assert_hex(q.td.rtmr[3], 48, ZERO48);
    assert_hex(q.td.report_data, 64,
               "9a9d48e7f6799642d3d1b34e1e5e1742d4bb02dd6ddd551862c1211d35c304f9eca3efdbb481601c16"
               "3cf52493d6e44aed55d51ec39b7e518fadb92c2b523f20");
    assert_int_equal(q.qe_report.isv_svn, 6);
    assert_int_equal(q.cert_type, 5);
    assert_int_equal(q.signed_part.len, UAT_INTEL_HEADER_SIZE + UAT_TD10_REPORT_SIZE);
    assert_int_equal(q.trailing_zeros, 70); /* 5006 B, 70 trailing zero bytes */
}

static void test_quote_t2_tdx_v5_body3(void **state)
{
    (void)state;
    uat_intel_quote q;
    parse_quote(T2 "/quote.bin", &q);
    assert_int_equal(q.version, 5);
    assert_int_equal(q.tee_type, UAT_INTEL_TEE_TDX);
    assert_int_equal(q.body_type, 3);
    assert_true(q.td.is_15);
    assert_hex(q.td.mr_td, 48,
               "273828c46252fcbdd8ad2dd907130222b03466d52a2911d70c1a5950895d6bd1ae451d382d5a9b1b4c"
               "0ed0e5ae9a3dbd");
    assert_hex(q.td.tee_tcb_svn, 16, "07010300000000000000000000000000");
    assert_hex(q.td.tee_tcb_svn2, 16, "0d010300000000000000000000000000");
    for (size_t i = 0; i < 4; i++) {
        assert_hex(q.td.rtmr[i], 48, ZERO48);
    }
    assert_hex(q.td.report_data, 64,
               "d2142b643598eb5fae2bc8529dd79a558b29f868ccbb6531cb28dab9dce47728" ZERO32);
    assert_int_equal(q.qe_report.isv_svn, 7);
    /* header, body type (2) and size (4), TD report 1.5 */
    assert_int_equal(q.signed_part.len, UAT_INTEL_HEADER_SIZE + 6 + UAT_TD15_REPORT_SIZE);
    assert_int_equal(q.trailing_zeros, 0);
}

/* PROVENANCE calls t3's 39 trailing bytes zeros; they are "\nextra bytes(only for testing
 * purpose)\n", appended by go-tdx-guest. Only zero padding is tolerated. */
static void test_quote_t3_text_tail_rejected(void **state)
{
    (void)state;
    uat_buf *b = load(T3 "/quote.bin");
    assert_int_equal(b->len, 4974);
    uat_intel_quote q;
    assert_fail(uat_intel_quote_parse(uat_buf_span(b), &q), UAT_ERR_PARSE_TRAILING_BYTES,
                "intel.quote", "");
    assert_int_equal(uat_last_error()->offset, 4935);

    /* the same quote with the text zeroed is well-formed */
    uat_buf *z = new_buf();
    assert_ok(uat_buf_append(z, b->p, 4935));
    assert_ok(uat_buf_put_zeros(z, 39));
    assert_ok(uat_intel_quote_parse(uat_buf_span(z), &q));
    assert_int_equal(q.version, 4);
    assert_int_equal(q.trailing_zeros, 39);
    assert_hex(q.td.mr_td, 48,
               "6363b8043668a3ad953278e10389574d326c6749fb78aa810ecd9336923db86f22fc00b8dcd404bc10"
               "d5e119d7215cbb");
    assert_hex(q.td.mr_seam, 48,
               "2fd279c16164a93dd5bf373d834328d46008c2b693af9ebb865b08b2ced320c9a89b4869a9fab60fbe"
               "9d0c5a5363c656");
    assert_hex(q.td.tee_tcb_svn, 16, "03000400000000000000000000000000");
    assert_hex(q.td.td_attributes, 8, "0000004000000000");
    assert_int_equal(q.qe_report.isv_svn, 4);
}

/* Every proper prefix of s1 (no padding) is rejected, each from an exact-size copy so that an
 * over-read is a sanitizer error. */
static void test_quote_every_truncation_fails(void **state)
{
    (void)state;
    uat_buf *b = load(S1 "/quote.bin");
    for (size_t n = 0; n < b->len; n++) {
        uint8_t *cut = malloc(n > 0 ? n : 1);
        assert_non_null(cut);
        memcpy(cut, b->p, n);
        uat_intel_quote q;
        uat_err rc = uat_intel_quote_parse(uat_span_of(cut, n), &q);
        free(cut);
        if (rc != UAT_ERR_PARSE_TRUNCATED && rc != UAT_ERR_PARSE_BAD_LENGTH) {
            fail_msg("prefix of %zu bytes: %s", n, uat_err_name(rc));
        }
    }
    /* t1 loses its padding first: 4936 bytes still parse, 4935 do not */
    uat_buf *t1 = load(T1 "/quote.bin");
    uat_intel_quote q;
    assert_ok(uat_intel_quote_parse(uat_span_of(t1->p, 4936), &q));
    assert_int_equal(q.trailing_zeros, 0);
    assert_err(uat_intel_quote_parse(uat_span_of(t1->p, 4935), &q), UAT_ERR_PARSE_BAD_LENGTH);
}

struct quote_edit {
    const char *path;
    size_t off[3]; /* bytes set: off[i] = value[i] while value[i] or off[i] */
    uint8_t value[3];
    uat_err err;
    const char *field;
};

/* One byte changed in a real quote, and the error that must name it. */
static const struct quote_edit QUOTE_EDITS[] = {
    {S1 "/quote.bin", {0}, {2}, UAT_ERR_PARSE_BAD_VERSION, "version"},
    {S1 "/quote.bin", {0}, {6}, UAT_ERR_PARSE_BAD_VERSION, "version"},
    {S1 "/quote.bin", {2}, {3}, UAT_ERR_UNSUPPORTED_ALGORITHM, "att_key_type"},
    {S1 "/quote.bin", {4}, {0x81}, UAT_ERR_PARSE_BAD_VALUE, "tee_type"}, /* TDX needs v4+ */
    {T1 "/quote.bin", {12}, {0}, UAT_ERR_UNSUPPORTED_TEE, "qe_vendor_id"},
    /* v5: an SGX body (type 1, size 384) in a TD quote */
    {T2 "/quote.bin", {48, 50, 51}, {1, 0x80, 0x01}, UAT_ERR_PARSE_BAD_VALUE, "body_type"},
    {T2 "/quote.bin", {48}, {1}, UAT_ERR_PARSE_BAD_LENGTH, "body_size"},
    {T2 "/quote.bin", {48}, {4}, UAT_ERR_PARSE_BAD_VALUE, "body_type"},
    {T2 "/quote.bin", {50}, {0x89}, UAT_ERR_PARSE_BAD_LENGTH, "body_size"},
    {S1 "/quote.bin", {432}, {0x45}, UAT_ERR_PARSE_BAD_LENGTH, "signature_data"},
    {S1 "/quote.bin", {1046}, {3}, UAT_ERR_UNSUPPORTED_FEATURE, "cert_data_type"},
    {T1 "/quote.bin", {764}, {5}, UAT_ERR_UNSUPPORTED_FEATURE, "cert_data_type"},
    {T1 "/quote.bin", {5005}, {1}, UAT_ERR_PARSE_TRAILING_BYTES, ""},
};

static void test_quote_edits(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(QUOTE_EDITS) / sizeof(QUOTE_EDITS[0]); i++) {
        const struct quote_edit *e = &QUOTE_EDITS[i];
        uat_buf *b = poked(load(e->path), e->off[0], e->value[0]);
        for (size_t k = 1; k < 3 && e->off[k] != 0; k++) {
            b->p[e->off[k]] = e->value[k];
        }
        uat_intel_quote q;
        uat_err rc = uat_intel_quote_parse(uat_buf_span(b), &q);
        if (rc != e->err || strcmp(uat_last_error()->field, e->field) != 0) {
            fail_msg("edit %zu (offset %zu = 0x%02x): %s field '%s', want %s field '%s'", i,
                     e->off[0], e->value[0], uat_err_name(rc), uat_last_error()->field,
                     uat_err_name(e->err), e->field);
        }
    }
    assert_int_equal(uat_last_error()->offset, 5005);
}

static void test_quote_inspect(void **state)
{
    (void)state;
    json_t *f = json_object();
    uat_err rc = uat_intel_inspect(uat_buf_span(load(T2 "/quote.bin")), f);
    int body_type = (int)json_integer_value(json_object_get(f, "body_type"));
    const char *svn2 = json_string_value(json_object_get(f, "tee_tcb_svn2"));
    char svn2_copy[33] = "";
    if (svn2 != NULL) {
        snprintf(svn2_copy, sizeof(svn2_copy), "%s", svn2);
    }
    json_decref(f);
    assert_ok(rc);
    assert_int_equal(body_type, 3);
    assert_string_equal(svn2_copy, "0d010300000000000000000000000000");
    f = json_object();
    rc = uat_intel_inspect(uat_buf_span(load(T3 "/quote.bin")), f);
    json_decref(f);
    assert_err(rc, UAT_ERR_PARSE_TRAILING_BYTES);
}

/* ---- PCK certificate SGX extension, through the crypto layer ---- */

static uat_buf *pck_extension(const char *quote_path)
{
    uat_intel_quote q;
    parse_quote(quote_path, &q);
    uat_der_list *chain = new_list();
    assert_ok(uat_pem_decode_all(q.pck_chain_pem, "CERTIFICATE", chain));
    assert_int_equal(chain->n, 3); /* PCK, PCK CA, root */
    uat_buf *ext = new_buf();
    assert_ok(uat_x509_extension(uat_buf_span(&chain->items[0]), UAT_SGX_EXT_OID, ext));
    return ext;
}

static void test_pck_ext_s1_processor_ca(void **state)
{
    (void)state;
    uat_buf *ext = pck_extension(S1 "/quote.bin");
    uat_buf *seed = load(FUZZ_CORPUS "/pck_ext/s1_processor.der");
    assert_int_equal(ext->len, seed->len);
    assert_memory_equal(ext->p, seed->p, seed->len);
    uat_pck_ext e;
    assert_ok(uat_pck_ext_parse(uat_buf_span(ext), &e));
    assert_hex(e.fmspc, 6, "00a067110000");
    assert_hex(e.pceid, 2, "0000");
    assert_int_equal(e.pcesvn, 13);
    const uint8_t comps[16] = {11, 11, 2, 2, 255, 1, 0};
    assert_bytes(e.tcb_comp, comps, 16);
    assert_bytes(e.cpusvn, comps, 16);
    assert_int_equal(e.sgx_type, 0); /* Standard */
    assert_false(e.has_platform);
    assert_false(e.dynamic_platform || e.cached_keys || e.smt_enabled);
}

static void test_pck_ext_s3_platform_ca(void **state)
{
    (void)state;
    uat_buf *ext = pck_extension(S3 "/quote.bin");
    uat_buf *seed = load(FUZZ_CORPUS "/pck_ext/s3_platform.der");
    assert_int_equal(ext->len, seed->len);
    assert_memory_equal(ext->p, seed->p, seed->len);
    uat_pck_ext e;
    assert_ok(uat_pck_ext_parse(uat_buf_span(ext), &e));
    assert_hex(e.fmspc, 6, "00606a000000");
    assert_int_equal(e.pcesvn, 11);
    const uint8_t comps[16] = {4, 4, 3, 3, 255, 255, 0};
    assert_bytes(e.tcb_comp, comps, 16);
    assert_int_equal(e.sgx_type, 1); /* Scalable */
    assert_true(e.has_platform);
    /* DER order; trustee prints it byte-reversed (7a3a6941...c0c8) */
    assert_hex(e.platform_instance_id, 16, "c8c0cfb23d3dd90b06d55c0641693a7a");
    assert_true(e.dynamic_platform && e.cached_keys && e.smt_enabled);
}

struct der_case {
    const char *file;
    uat_err err;
};

/* Edited extension values (tests/fuzz/corpus/pck_ext/, made by re-encoding s1 or s3). */
static const struct der_case PCK_CASES[] = {
    {"t1_tdx_platform.der", UAT_OK},
    {"indefinite.der", UAT_ERR_PARSE_BAD_LENGTH},
    {"nonminimal_len.der", UAT_ERR_PARSE_BAD_LENGTH},
    {"truncated.der", UAT_ERR_PARSE_BAD_LENGTH},
    {"trailing_byte.der", UAT_ERR_PARSE_TRAILING_BYTES},
    {"empty_seq.der", UAT_ERR_PARSE_BAD_VALUE},
    {"no_fmspc.der", UAT_ERR_PARSE_BAD_VALUE},
    {"dup_fmspc.der", UAT_ERR_PARSE_BAD_VALUE},
    {"fmspc_5_bytes.der", UAT_ERR_PARSE_BAD_LENGTH},
    {"tcb_no_cpusvn.der", UAT_ERR_PARSE_BAD_VALUE},
    {"tcb_comp_256.der", UAT_ERR_PARSE_BAD_VALUE},
    {"pcesvn_negative.der", UAT_ERR_PARSE_BAD_VALUE},
    {"pcesvn_leading_zero.der", UAT_ERR_PARSE_BAD_VALUE},
    {"sgx_type3.der", UAT_ERR_PARSE_BAD_VALUE},
    {"config_bool_01.der", UAT_ERR_PARSE_BAD_VALUE},
};

static void test_pck_ext_edits(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(PCK_CASES) / sizeof(PCK_CASES[0]); i++) {
        char path[512];
        snprintf(path, sizeof(path), "%s/pck_ext/%s", FUZZ_CORPUS, PCK_CASES[i].file);
        uat_pck_ext e;
        memset(&e, 0x5a, sizeof(e));
        uat_err rc = uat_pck_ext_parse(uat_buf_span(load(path)), &e);
        if (rc != PCK_CASES[i].err) {
            fail_msg("%s: %s, want %s", PCK_CASES[i].file, uat_err_name(rc),
                     uat_err_name(PCK_CASES[i].err));
        }
        if (rc != UAT_OK) {
            assert_int_equal(e.pcesvn, 0x5a5a); /* out-param untouched on failure */
        }
    }
}

/* ---- strict DER ---- */

struct der_neg {
    const char *name;
    uint8_t in[8];
    size_t len;
    int kind; /* 0 element (OCTET STRING), 1 INTEGER, 2 BOOLEAN */
    uat_err err;
};

static const struct der_neg DER_NEGATIVES[] = {
    {"indefinite length", {0x04, 0x80, 0x00, 0x00}, 4, 0, UAT_ERR_PARSE_BAD_LENGTH},
    {"non-minimal long length", {0x04, 0x81, 0x05, 1, 2, 3, 4, 5}, 8, 0, UAT_ERR_PARSE_BAD_LENGTH},
    {"long length, leading zero", {0x04, 0x82, 0x00, 0x01, 0x00}, 5, 0, UAT_ERR_PARSE_BAD_LENGTH},
    {"five length octets", {0x04, 0x85, 1, 0, 0, 0, 0}, 7, 0, UAT_ERR_PARSE_BAD_LENGTH},
    {"length past end", {0x04, 0x05, 0x01, 0x02}, 4, 0, UAT_ERR_PARSE_BAD_LENGTH},
    {"length octets missing", {0x04, 0x82, 0x01}, 3, 0, UAT_ERR_PARSE_TRUNCATED},
    {"wrong tag", {0x02, 0x01, 0x00}, 3, 0, UAT_ERR_PARSE_BAD_VALUE},
    {"negative INTEGER", {0x02, 0x01, 0x80}, 3, 1, UAT_ERR_PARSE_BAD_VALUE},
    {"INTEGER redundant zero", {0x02, 0x02, 0x00, 0x05}, 4, 1, UAT_ERR_PARSE_BAD_VALUE},
    {"empty INTEGER", {0x02, 0x00}, 2, 1, UAT_ERR_PARSE_BAD_LENGTH},
    {"INTEGER wrong tag", {0x0a, 0x01, 0x05}, 3, 1, UAT_ERR_PARSE_BAD_VALUE},
    {"BOOLEAN 0x01", {0x01, 0x01, 0x01}, 3, 2, UAT_ERR_PARSE_BAD_VALUE},
    {"BOOLEAN two octets", {0x01, 0x02, 0xff, 0xff}, 4, 2, UAT_ERR_PARSE_TRAILING_BYTES},
    {"BOOLEAN empty", {0x01, 0x00}, 2, 2, UAT_ERR_PARSE_TRUNCATED},
};

static void test_der_negatives(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(DER_NEGATIVES) / sizeof(DER_NEGATIVES[0]); i++) {
        const struct der_neg *c = &DER_NEGATIVES[i];
        uat_reader r, content;
        uat_rd_init(&r, uat_span_of(c->in, c->len), "test.der");
        uint64_t v = 0;
        int b = 0;
        uat_err rc = c->kind == 0   ? uat_der_element(&r, UAT_DER_OCTET_STRING, "x", &content)
                     : c->kind == 1 ? uat_der_uint(&r, UAT_DER_INTEGER, "x", &v)
                                    : uat_der_bool(&r, "x", &b);
        if (rc != c->err) {
            fail_msg("%s: %s, want %s", c->name, uat_err_name(rc), uat_err_name(c->err));
        }
        if (c->kind == 0) {
            assert_int_equal(r.off, 0); /* an element advances only on success */
        }
    }
}

static void test_der_positives(void **state)
{
    (void)state;
    static const uint8_t in[] = {
        0x02, 0x02, 0x00, 0x80,                                           /* 128 */
        0x02, 0x09, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* UINT64_MAX */
        0x0a, 0x01, 0x02,                                                 /* ENUMERATED 2 */
        0x01, 0x01, 0xff, 0x01, 0x01, 0x00,                               /* TRUE, FALSE */
        0x04, 0x81, 0x80,                                                 /* 128 octets follow */
    };
    uint8_t big[sizeof(in) + 128] = {0};
    memcpy(big, in, sizeof(in));
    uat_reader r, c;
    uat_rd_init(&r, uat_span_of(big, sizeof(big)), "test.der");
    uint64_t v;
    int b;
    assert_ok(uat_der_uint(&r, UAT_DER_INTEGER, "x", &v));
    assert_int_equal(v, 128);
    assert_ok(uat_der_uint(&r, UAT_DER_INTEGER, "x", &v));
    assert_true(v == UINT64_MAX);
    assert_int_equal(uat_der_peek_tag(&r), UAT_DER_ENUMERATED);
    assert_ok(uat_der_uint(&r, UAT_DER_ENUMERATED, "x", &v));
    assert_int_equal(v, 2);
    assert_ok(uat_der_bool(&r, "x", &b));
    assert_int_equal(b, 1);
    assert_ok(uat_der_bool(&r, "x", &b));
    assert_int_equal(b, 0);
    assert_ok(uat_der_element(&r, UAT_DER_OCTET_STRING, "x", &c));
    assert_int_equal(uat_rd_left(&c), 128);
    assert_int_equal(uat_rd_left(&r), 0);
    assert_int_equal(uat_der_peek_tag(&r), 0);

    uint8_t oid[32];
    size_t n = uat_der_oid_encode(UAT_SGX_EXT_OID, oid, sizeof(oid));
    assert_int_equal(n, 9);
    assert_hex(oid, n, "2a864886f84d010d01");
    assert_int_equal(uat_der_oid_encode("3.1", oid, sizeof(oid)), 0);
    assert_int_equal(uat_der_oid_encode("1.40", oid, sizeof(oid)), 0);
    assert_int_equal(uat_der_oid_encode("1.2.x", oid, sizeof(oid)), 0);
}

/* ---- PCS collateral ---- */

static void parse_tcb(const char *path)
{
    uat_tcb_info_free(&g_tcb);
    assert_ok(uat_tcb_info_parse(uat_buf_span(load(path)), &g_tcb));
}

static void parse_identity(const char *path)
{
    uat_identity_free(&g_id);
    assert_ok(uat_identity_parse(uat_buf_span(load(path)), &g_id));
}

/* The signed body is the exact text between {"tcbInfo": and ,"signature". */
static void assert_body_exact(const uat_buf *raw, uat_span body, const char *member)
{
    size_t head = strlen(member) + 4; /* {"member": */
    size_t tail = strlen(",\"signature\":\"\"}") + 128;
    size_t len = raw->len;
    while (len > 0 && raw->p[len - 1] == '\n') {
        len--; /* t3's files end with a newline */
    }
    assert_int_equal(body.len, len - head - tail);
    assert_ptr_equal(body.p, raw->p + head);
    assert_int_equal(body.p[0], '{');
    assert_int_equal(body.p[body.len - 1], '}');
}

static void test_tcb_info_s1_sgx(void **state)
{
    (void)state;
    parse_tcb(S1 "/tcb_info.json");
    assert_int_equal(g_tcb.version, 3);
    assert_false(g_tcb.is_tdx);
    assert_hex(g_tcb.fmspc, 6, "00a067110000");
    assert_hex(g_tcb.pceid, 2, "0000");
    assert_true(g_tcb.issue_date == 1750330571);  /* 2025-06-19T10:56:11Z */
    assert_true(g_tcb.next_update == 1752922571); /* 2025-07-19T10:56:11Z */
    assert_int_equal(g_tcb.eval_number, 17);
    assert_int_equal(g_tcb.nlevels, 11);
    const uint8_t comps[16] = {11, 11, 2, 2, 255, 1, 12};
    assert_bytes(g_tcb.levels[0].sgx_comp, comps, 16);
    assert_int_equal(g_tcb.levels[0].pcesvn, 13);
    assert_true(g_tcb.levels[0].tcb_date == 1710288000); /* 2024-03-13 */
    assert_int_equal(g_tcb.levels[0].status, UAT_TCB_SW_HARDENING_NEEDED);
    assert_int_equal(json_array_size(g_tcb.levels[0].advisories), 1);
    assert_string_equal(json_string_value(json_array_get(g_tcb.levels[0].advisories, 0)),
                        "INTEL-SA-00615");
    assert_false(g_tcb.has_module);
    assert_int_equal(g_tcb.nmodule_ids, 0);
    assert_body_exact(&g_tcb.raw, g_tcb.body, "tcbInfo");
}

static void test_tcb_info_s3_sgx(void **state)
{
    (void)state;
    parse_tcb(S3 "/tcb_info.json");
    assert_false(g_tcb.is_tdx);
    assert_hex(g_tcb.fmspc, 6, "00606a000000");
    assert_true(g_tcb.issue_date == 1755234498);  /* 2025-08-15T05:08:18Z */
    assert_true(g_tcb.next_update == 1757826498); /* 2025-09-14T05:08:18Z */
    assert_int_equal(g_tcb.eval_number, 17);
    assert_int_equal(g_tcb.levels[1].status, UAT_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED);
}

static void test_tcb_info_t1_tdx(void **state)
{
    (void)state;
    parse_tcb(T1 "/tcb_info.json");
    assert_true(g_tcb.is_tdx);
    assert_hex(g_tcb.fmspc, 6, "b0c06f000000");
    assert_true(g_tcb.issue_date == 1750328163);  /* 2025-06-19T10:16:03Z */
    assert_true(g_tcb.next_update == 1752920163); /* 2025-07-19T10:16:03Z */
    assert_int_equal(g_tcb.eval_number, 17);
    assert_int_equal(g_tcb.nlevels, 2);
    const uint8_t tdx[16] = {5, 0, 2};
    assert_bytes(g_tcb.levels[0].tdx_comp, tdx, 16);
    assert_int_equal(g_tcb.levels[0].status, UAT_TCB_UP_TO_DATE);
    assert_int_equal(json_array_size(g_tcb.levels[0].advisories), 0);
    assert_true(g_tcb.has_module);
    assert_hex(g_tcb.module.attributes_mask, 8, "ffffffffffffffff");
    assert_int_equal(g_tcb.nmodule_ids, 2);
    assert_string_equal(g_tcb.module_ids[0].id, "TDX_03");
    assert_int_equal(g_tcb.module_ids[0].nlevels, 1);
    assert_int_equal(g_tcb.module_ids[0].levels[0].isvsvn, 3);
    assert_string_equal(g_tcb.module_ids[1].id, "TDX_01");
    assert_int_equal(g_tcb.module_ids[1].nlevels, 2);
    assert_int_equal(g_tcb.module_ids[1].levels[0].isvsvn, 4);
    assert_int_equal(g_tcb.module_ids[1].levels[1].status, UAT_TCB_OUT_OF_DATE);
    assert_hex(g_tcb.module_ids[1].mrsigner, 48, ZERO48);
}

static void test_tcb_info_t2_t3_tdx(void **state)
{
    (void)state;
    parse_tcb(T2 "/tcb_info.json");
    assert_hex(g_tcb.fmspc, 6, "90c06f000000");
    assert_true(g_tcb.issue_date == 1771412331);  /* 2026-02-18T10:58:51Z */
    assert_true(g_tcb.next_update == 1774004331); /* 2026-03-20T10:58:51Z */
    assert_int_equal(g_tcb.eval_number, 18);
    assert_int_equal(g_tcb.nlevels, 3);
    assert_int_equal(g_tcb.nmodule_ids, 2);
    assert_int_equal(g_tcb.module_ids[1].nlevels, 3);

    parse_tcb(T3 "/tcb_info.json");
    assert_true(g_tcb.is_tdx);
    assert_hex(g_tcb.fmspc, 6, "50806f000000");
    assert_true(g_tcb.issue_date == 1687077778);  /* 2023-06-18T08:42:58Z */
    assert_true(g_tcb.next_update == 1689669778); /* 2023-07-18T08:42:58Z */
    assert_int_equal(g_tcb.eval_number, 15);
    assert_true(g_tcb.has_module);
    assert_int_equal(g_tcb.nmodule_ids, 0); /* 2023: no tdxModuleIdentities yet */
}

static void test_tcb_info_v2_whitespace(void **state)
{
    (void)state;
    /* made from s1's first level by json.dumps(indent=2): the body keeps its newlines */
    parse_tcb(FUZZ_CORPUS "/tcb_info/v2_spaced.json");
    assert_int_equal(g_tcb.version, 2);
    assert_int_equal(g_tcb.nlevels, 1);
    const uint8_t comps[16] = {11, 11, 2, 2, 255, 1, 12};
    assert_bytes(g_tcb.levels[0].sgx_comp, comps, 16);
    assert_memory_equal(g_tcb.body.p, "{\n    \"version\": 2,", 19);
    assert_memory_equal(g_tcb.body.p + g_tcb.body.len - 10, "\n    ]\n  }", 10);
}

struct identity_case {
    const char *path;
    const char *id;
    uat_time issue, next;
    uint32_t eval;
    uint16_t isvprodid;
    size_t nlevels;
    uint16_t isvsvn0;
};

static const struct identity_case IDENTITIES[] = {
    {S1 "/qe_identity.json", "QE", 1750327278, 1752919278, 17, 1, 6, 8},
    {S3 "/qe_identity.json", "QE", 1755232606, 1757824606, 17, 1, 6, 8},
    {T1 "/qe_identity.json", "TD_QE", 1750329147, 1752921147, 17, 2, 1, 4},
    {T2 "/qe_identity.json", "TD_QE", 1771411335, 1774003335, 18, 2, 1, 4},
    {T3 "/qe_identity.json", "TD_QE", 1686209099, 1688801099, 15, 2, 1, 4},
};

static void test_identities(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(IDENTITIES) / sizeof(IDENTITIES[0]); i++) {
        const struct identity_case *c = &IDENTITIES[i];
        parse_identity(c->path);
        assert_string_equal(g_id.id, c->id);
        assert_int_equal(g_id.version, 2);
        assert_true(g_id.issue_date == c->issue);
        assert_true(g_id.next_update == c->next);
        assert_int_equal(g_id.eval_number, c->eval);
        assert_int_equal(g_id.isvprodid, c->isvprodid);
        assert_int_equal(g_id.nlevels, c->nlevels);
        assert_int_equal(g_id.levels[0].isvsvn, c->isvsvn0);
        assert_int_equal(g_id.levels[0].status, UAT_TCB_UP_TO_DATE);
        assert_int_equal(g_id.miscselect, 0);
        assert_true(g_id.miscselect_mask == 0xffffffffu);
        assert_hex(g_id.attributes, 16, "11000000000000000000000000000000");
        assert_hex(g_id.attributes_mask, 16, "fbffffffffffffff0000000000000000");
        assert_hex(g_id.mrsigner, 32,
                   i < 2 ? "8c4f5775d796503e96137f77c68a829a0056ac8ded70140b081b094490c57bff"
                         : "dc9e2a7c6f948f17474e34a7fc43ed030f7c1563f1babddf6340c82e0e54a8c5");
        assert_body_exact(&g_id.raw, g_id.body, "enclaveIdentity");
    }
}

struct collateral_edit {
    const char *path;
    const char *from, *to;
    int identity;
    uat_err err;
    const char *field;
};

#define S1_SIG_HEAD "\"signature\":\"9ad0"
/* clang-format off */
static const struct collateral_edit COLLATERAL_EDITS[] = {
    /* dcap-qvl verify_tcb_override.rs: component arrays of 15 or 17 entries are rejected */
    {T1 "/tcb_info.json", ",{\"svn\":0}],\"pcesvn\":11", "],\"pcesvn\":11", 0,
     UAT_ERR_PARSE_BAD_JSON, "sgxtcbcomponents"},
    {T1 "/tcb_info.json", ",{\"svn\":0}]},\"tcbDate\"", "]},\"tcbDate\"", 0,
     UAT_ERR_PARSE_BAD_JSON, "tdxtcbcomponents"},
    {S1 "/tcb_info.json", "{\"svn\":0}],\"pcesvn\":13", "{\"svn\":0},{\"svn\":0}],\"pcesvn\":13", 0,
     UAT_ERR_PARSE_BAD_JSON, "sgxtcbcomponents"},
    {S1 "/tcb_info.json", "\"SWHardeningNeeded\"", "\"SwHardeningNeeded\"", 0,
     UAT_ERR_PARSE_BAD_VALUE, "tcbStatus"},
    {S1 "/tcb_info.json", "\"00A067110000\"", "\"00A06711000G\"", 0, UAT_ERR_PARSE_BAD_JSON, "fmspc"},
    {S1 "/tcb_info.json", "\"00A067110000\"", "\"00A0671100\"", 0, UAT_ERR_PARSE_BAD_JSON, "fmspc"},
    {S1 "/tcb_info.json", S1_SIG_HEAD, "\"signature\":\"9xd0", 0, UAT_ERR_PARSE_BAD_ENCODING, ""},
    {S1 "/tcb_info.json", ",\"signature\":\"", ",\"signatures\":\"", 0, UAT_ERR_PARSE_BAD_JSON,
     "signature"},
    {S1 "/tcb_info.json", "{\"tcbInfo\":", "{\"tcbInfo\":{},\"tcbInfo\":", 0,
     UAT_ERR_PARSE_BAD_JSON, "tcbInfo"},
    {S1 "/tcb_info.json", "\"version\":3", "\"version\":1", 0, UAT_ERR_PARSE_BAD_VERSION, "version"},
    {S1 "/tcb_info.json", "\"tcbType\":0", "\"tcbType\":1", 0, UAT_ERR_PARSE_BAD_JSON, "tcbType"},
    {S1 "/tcb_info.json", "\"id\":\"SGX\"", "\"id\":\"SEV\"", 0, UAT_ERR_PARSE_BAD_VALUE, "id"},
    {S1 "/tcb_info.json", "\"tcbDate\":\"2024-03-13T00:00:00Z\"", "\"tcbDate\":\"2024-03-13\"", 0,
     UAT_ERR_PARSE_BAD_JSON, "tcbDate"},
    {T1 "/tcb_info.json", "\"id\":\"TDX_03\"", "\"id\":\"TDX_0000000000003\"", 0,
     UAT_ERR_PARSE_BAD_JSON, "id"},
    {S1 "/qe_identity.json", "\"id\":\"QE\"", "\"id\":\"QAE\"", 1, UAT_ERR_PARSE_BAD_VALUE, "id"},
    {S1 "/qe_identity.json", "\"isvsvn\":8", "\"isvsvn\":65536", 1, UAT_ERR_PARSE_BAD_JSON, "isvsvn"},
    {S1 "/qe_identity.json", "\"enclaveIdentity\":{", "\"enclaveIdentity\":[", 1,
     UAT_ERR_PARSE_BAD_JSON, "enclaveIdentity"},
    {T1 "/qe_identity.json", "\"signature\":\"d6d7", "\"signature\":\"d6d", 1,
     UAT_ERR_PARSE_BAD_JSON, "signature"},
};
/* clang-format on */

static void test_collateral_edits(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(COLLATERAL_EDITS) / sizeof(COLLATERAL_EDITS[0]); i++) {
        const struct collateral_edit *c = &COLLATERAL_EDITS[i];
        uat_span in = uat_buf_span(replaced(load(c->path), c->from, c->to));
        uat_err rc = c->identity ? uat_identity_parse(in, &g_id) : uat_tcb_info_parse(in, &g_tcb);
        if (rc != c->err || strcmp(uat_last_error()->field, c->field) != 0) {
            fail_msg("edit %zu (%s -> %s): %s field '%s', want %s field '%s'", i, c->from, c->to,
                     uat_err_name(rc), uat_last_error()->field, uat_err_name(c->err), c->field);
        }
        /* a failed parse leaves nothing to free */
        assert_null(c->identity ? (void *)g_id.levels : (void *)g_tcb.levels);
        assert_null(c->identity ? g_id.raw.p : g_tcb.raw.p);
    }
}

/* ---- raw JSON members ---- */

static void expect_member(const char *text, const char *key, const char *want)
{
    uat_span v;
    assert_ok(uat_json_raw_member(str_span(text), key, &v));
    assert_int_equal(v.len, strlen(want));
    assert_memory_equal(v.p, want, v.len);
}

static void expect_bad(const char *text, const char *key)
{
    uat_span v;
    assert_fail(uat_json_raw_member(str_span(text), key, &v), UAT_ERR_PARSE_BAD_JSON, "json.raw",
                key);
}

static void test_json_raw_exact_text(void **state)
{
    (void)state;
    const char *t =
        " {\n \"a\" :\t{ \"x\" :  [1, 2 ,3] , \"y\":\"z\" }  ,\"b\":true,\"c\" : -1.5e3 }";
    expect_member(t, "a", "{ \"x\" :  [1, 2 ,3] , \"y\":\"z\" }");
    expect_member(t, "b", "true");
    expect_member(t, "c", "-1.5e3");
    expect_bad(t, "x"); /* only top-level members */
    expect_bad(t, "");
}

static void test_json_raw_strings(void **state)
{
    (void)state;
    const char *t =
        "{\"a\\\"b\":1,\"k\":\"q\\\"}{[\\\\\",\"t\":{\"s\":\"}\\\"{]\"},\"a\":[\"\\\\\"]}";
    expect_member(t, "k", "\"q\\\"}{[\\\\\"");
    expect_member(t, "t", "{\"s\":\"}\\\"{]\"}");
    expect_member(t, "a", "[\"\\\\\"]"); /* the key a\"b is not a */
    expect_bad("{\"a\":\"x\ny\"}", "a"); /* raw control character in a string */
    expect_bad("{\"a\":\"x\\", "a");
}

static void test_json_raw_rejects(void **state)
{
    (void)state;
    expect_bad("{\"a\":1,\"a\":2}", "a");
    assert_int_equal(uat_last_error()->offset, 7); /* the second key */
    expect_bad("{\"a\":{},\"b\":0, \"a\" :{}}", "a");
    uat_span v;
    assert_ok(uat_json_raw_member(str_span("{\"b\":1,\"b\":2,\"a\":3}"), "a", &v));
    expect_bad("[{\"a\":1}]", "a");
    expect_bad("\"a\"", "a");
    expect_bad("", "a");
    expect_bad("  \n", "a");
    expect_bad("{}", "a");
    expect_bad("{\"a\":1", "a");
    expect_bad("{\"a\" 1}", "a");
    expect_bad("{\"a\":1,}", "a");
    expect_bad("{\"a\":}", "a");
    expect_bad("{\"a\":[1}", "a");
    expect_bad("{\"a\":1]}", "a");
    expect_bad("{a:1}", "a");
}

static void test_json_raw_depth(void **state)
{
    (void)state;
    char text[512]; /* at most 8 + 66 * 6 bytes */
    for (size_t depth = 63; depth <= 66; depth++) {
        size_t n = 0;
        n += (size_t)snprintf(text, sizeof(text), "{\"a\":");
        for (size_t i = 0; i < depth; i++) {
            text[n++] = i % 2 ? '{' : '[';
            if (i % 2) {
                memcpy(text + n, "\"k\":", 4);
                n += 4;
            }
        }
        text[n++] = '0';
        for (size_t i = depth; i-- > 0;) {
            text[n++] = i % 2 ? '}' : ']';
        }
        text[n++] = '}';
        assert_true(n < sizeof(text));
        uat_span v;
        uat_err rc = uat_json_raw_member(uat_span_of(text, n), "a", &v);
        assert_err(rc, depth <= 64 ? UAT_OK : UAT_ERR_PARSE_BAD_JSON);
        if (rc == UAT_OK) {
            assert_int_equal(v.len, n - 6);
        }
    }
}

#define T(f) cmocka_unit_test_teardown(f, release)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_quote_s1_sgx_v3),
        T(test_quote_s3_sgx_v3),
        T(test_quote_t1_tdx_v4),
        T(test_quote_t2_tdx_v5_body3),
        T(test_quote_t3_text_tail_rejected),
        T(test_quote_every_truncation_fails),
        T(test_quote_edits),
        T(test_quote_inspect),
        T(test_pck_ext_s1_processor_ca),
        T(test_pck_ext_s3_platform_ca),
        T(test_pck_ext_edits),
        T(test_der_negatives),
        T(test_der_positives),
        T(test_tcb_info_s1_sgx),
        T(test_tcb_info_s3_sgx),
        T(test_tcb_info_t1_tdx),
        T(test_tcb_info_t2_t3_tdx),
        T(test_tcb_info_v2_whitespace),
        T(test_identities),
        T(test_collateral_edits),
        T(test_json_raw_exact_text),
        T(test_json_raw_strings),
        T(test_json_raw_rejects),
        T(test_json_raw_depth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
