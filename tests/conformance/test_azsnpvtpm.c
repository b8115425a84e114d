/* Azure SEV-SNP CVM composite evidence (docs/azsnpvtpm.md) on the corpus sample
 * ../shared/corpus/tpm2/p2-trustee-azure-snp-vtpm (PROVENANCE.md p2): trustee's evidence JSON and
 * the CBOR map built from the derived files, which must be the same evidence. The VCEK in the
 * JSON is valid 2025-01-28T16:33:43Z .. 2032-01-28T16:33:43Z; the time is pinned to the date of
 * trustee's last change to the sample, 2026-07-16T00:00:00Z, and the Milan chain comes from
 * ../shared/corpus/amd-sev-snp/trust. Every single-byte change of the variable data, of the
 * TPMS_ATTEST and of the quote signature is rejected with a named error; truncation of the HCL
 * report at every offset is a parse error. The collateral list (the VCEK from the evidence, the
 * Milan ASK and ARK, by the SHA-256 of their DER) is the same explained, recorded cold and recorded
 * from the SNP cache. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/codec.h"
#include "core/file.h"
#include "crypto/crypto.h"
#include "core/limits.h"
#include "evidence/claims_int.h"
#include "tee/azsnpvtpm/azsnpvtpm.h"
#include "uattest/uattest.h"

#include "../unit/uat_assert.h"

#define P2 UAT_CORPUS_DIR "/tpm2/p2-trustee-azure-snp-vtpm"
#define TRUST UAT_CORPUS_DIR "/amd-sev-snp/trust"
#define T_P2 1784160000          /* 2026-07-16T00:00:00Z */
#define T_BEFORE_VCEK 1738082022 /* 2025-01-28T16:33:42Z: one second before the VCEK's notBefore */
#define VAR_AT (0x4C0 + 20)
#define VAR_LEN 1110u
#define REPORT_SIZE 2346u

static const char NONCE[] = "982f5c6e45df0ed3f10b6f60b02f0c8390e281300f3805e2279c16168cd6ae9a"
                            "a398f647caa2338748cd0fd9f5f819ef";
static const char PCR00[] = "84275b2f4312cd4fc6cbe6b152ad3c3683e513d9f1e23c34fca160c8cca7a6a7";

static uint8_t g_expected[64];

static uat_buf load(const char *path)
{
    uat_buf b;
    uat_buf_init(&b, UAT_MAX_FILE_BYTES);
    assert_ok(uat_file_read(path, UAT_MAX_FILE_BYTES, &b));
    return b;
}

static uat_verifier *verifier(int64_t at)
{
    uat_verifier *v = NULL;
    assert_ok(uat_verifier_new(&v));
    assert_ok(uat_verifier_set_trust_dir(v, TRUST));
    uat_verifier_set_time(v, at);
    return v;
}

static int setup(void **state)
{
    (void)state;
    memset(g_expected, 0, sizeof(g_expected));
    for (size_t i = 0; i < 48; i++) {
        unsigned x = 0;
        sscanf(NONCE + 2 * i, "%2x", &x);
        g_expected[i] = (uint8_t)x;
    }
    return 0;
}

/* The CBOR map built from the derived files (and the VCEK, which only the JSON carries). */
static void derived_cbor(const uat_azsnpvtpm_evidence *json_ev, uat_buf *bufs, uat_buf *out)
{
    uat_azsnpvtpm_evidence ev;
    memset(&ev, 0, sizeof(ev));
    bufs[0] = load(P2 "/hcl_report.bin");
    bufs[1] = load(P2 "/quote.tpms_attest");
    bufs[2] = load(P2 "/quote.sig");
    uat_buf_init(&bufs[3], 4096);
    assert_ok(uat_buf_put_u16be(&bufs[3], UAT_TPM_ALG_RSASSA));
    assert_ok(uat_buf_put_u16be(&bufs[3], UAT_TPM_ALG_SHA256));
    assert_ok(uat_buf_put_u16be(&bufs[3], (uint16_t)bufs[2].len));
    assert_ok(uat_buf_append(&bufs[3], bufs[2].p, bufs[2].len));
    uat_buf_init(&bufs[4], 24 * 32);
    json_t *j = json_load_file(P2 "/pcrs_sha256.json", 0, NULL);
    assert_non_null(j);
    for (unsigned i = 0; i < 24; i++) {
        char idx[4];
        snprintf(idx, sizeof(idx), "%u", i);
        json_t *s = json_object_get(j, idx);
        assert_ok(uat_hex_decode(json_string_value(s), json_string_length(s), &bufs[4]));
    }
    json_decref(j);
    ev.hcl_report = uat_buf_span(&bufs[0]);
    ev.tpm.attest = uat_buf_span(&bufs[1]);
    ev.tpm.signature = uat_buf_span(&bufs[3]);
    ev.tpm.nbanks = 1;
    ev.tpm.bank_alg[0] = UAT_TPM_ALG_SHA256;
    ev.tpm.present[0] = 0xFFFFFFu;
    for (unsigned i = 0; i < 24; i++) {
        ev.tpm.pcr[0][i] = uat_span_of(bufs[4].p + 32u * i, 32);
    }
    ev.vcek = json_ev->vcek;
    assert_ok(uat_azsnpvtpm_evidence_encode(&ev, out));
}

static void check_claims(const uat_claims *c)
{
    json_t *doc = uat_claims_doc(c);
    assert_string_equal(uat_claims_tee(c), "az-snp-vtpm");
    assert_string_equal(json_string_value(json_object_get(doc, "report_data")), NONCE);
    json_t *tee = json_object_get(doc, "tee_claims");
    json_t *tpm = json_object_get(tee, "tpm");
    assert_string_equal(json_string_value(json_object_get(tpm, "pcr00")), PCR00);
    assert_string_equal(json_string_value(json_object_get(tpm, "extra_data")), NONCE);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(tee, "snp"), "report_data")),
        "cf7cc0731c50f64876804b3943b2bfbd93dba69f5928e3df223e78ff34dd46ee"
        "0000000000000000000000000000000000000000000000000000000000000000");
    json_t *platform = json_object_get(doc, "platform");
    assert_true(json_is_true(json_object_get(platform, "secure_boot")));
    assert_true(json_is_true(json_object_get(platform, "tpm_enabled")));
    assert_string_equal(json_string_value(json_object_get(platform, "vm_unique_id")),
                        "7DF7B373-B947-4AAA-96E5-C358F2A03D20");
    assert_string_equal(json_string_value(json_object_get(platform, "signing_key")), "VCEK");
    assert_true(json_is_false(json_object_get(doc, "debug")));
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(doc, "tcb"), "status")), "UpToDate");
    assert_string_equal(uat_claims_get_string(c, "valid_until"), "2032-01-28T16:33:43Z");
}

static void test_json_verifies(void **state)
{
    (void)state;
    uat_buf j = load(P2 "/evidence-v2.json");
    uat_verifier *v = verifier(T_P2);
    uat_claims *c = NULL;
    assert_ok(uat_verify(v, j.p, j.len, g_expected, &c));
    check_claims(c);
    uat_claims_free(c);
    /* trustee's test_verify_user_data: report data 123abc is refused */
    uint8_t other[64] = {0x12, 0x3a, 0xbc};
    assert_err(uat_verify(v, j.p, j.len, other, &c), UAT_ERR_VERIFY_BINDING);
    /* the nonce with one byte changed, and the nonce without its last byte */
    memcpy(other, g_expected, 64);
    other[47] ^= 1;
    assert_err(uat_verify(v, j.p, j.len, other, &c), UAT_ERR_VERIFY_BINDING);
    other[47] = 0;
    assert_err(uat_verify(v, j.p, j.len, other, &c), UAT_ERR_VERIFY_BINDING);
    uat_verifier_free(v);
    /* before the VCEK was issued */
    v = verifier(T_BEFORE_VCEK);
    assert_err(uat_verify(v, j.p, j.len, g_expected, &c), UAT_ERR_VERIFY_EXPIRED);
    uat_verifier_free(v);
    uat_buf_free(&j);
}

static void test_cbor_is_the_same_evidence(void **state)
{
    (void)state;
    uat_buf j = load(P2 "/evidence-v2.json"), bufs[5], cbor, enc;
    uat_azsnpvtpm_import st;
    uat_azsnpvtpm_evidence ev;
    assert_ok(uat_azsnpvtpm_import_json(uat_buf_span(&j), &st, &ev));
    uat_buf_init(&cbor, UAT_MAX_EVIDENCE_BYTES);
    uat_buf_init(&enc, UAT_MAX_EVIDENCE_BYTES);
    derived_cbor(&ev, bufs, &cbor);
    /* the importer keeps the PCRs the quote selects: all 24 here */
    assert_int_equal(ev.tpm.present[0], 0xFFFFFFu);
    assert_ok(uat_azsnpvtpm_evidence_encode(&ev, &enc));
    assert_int_equal(enc.len, cbor.len);
    assert_memory_equal(enc.p, cbor.p, cbor.len);
    assert_true(uat_azsnpvtpm_sniff(uat_buf_span(&cbor)));
    assert_true(uat_azsnpvtpm_sniff(uat_buf_span(&j)));
    uat_verifier *v = verifier(T_P2);
    uat_claims *c = NULL;
    assert_ok(uat_verify(v, cbor.p, cbor.len, g_expected, &c));
    check_claims(c);
    uat_claims_free(c);
    /* decode → encode round trip */
    uat_azsnpvtpm_evidence back;
    uat_buf again;
    uat_buf_init(&again, UAT_MAX_EVIDENCE_BYTES);
    assert_ok(uat_azsnpvtpm_evidence_decode(uat_buf_span(&cbor), &back));
    assert_ok(uat_azsnpvtpm_evidence_encode(&back, &again));
    assert_memory_equal(again.p, cbor.p, cbor.len);
    /* without the VCEK and no collateral: nothing signed the report */
    ev.vcek.len = 0;
    enc.len = 0;
    assert_ok(uat_azsnpvtpm_evidence_encode(&ev, &enc));
    assert_err(uat_verify(v, enc.p, enc.len, g_expected, &c), UAT_ERR_VERIFY_COLLATERAL);
    uat_verifier_free(v);
    for (int i = 0; i < 5; i++) {
        uat_buf_free(&bufs[i]);
    }
    uat_buf_free(&cbor);
    uat_buf_free(&enc);
    uat_buf_free(&again);
    uat_buf_free(&j);
    uat_azsnpvtpm_import_free(&st);
}

/* Each byte of [at, at+n) of one member changed in turn: never accepted, always a named error. */
static void mutate(uat_verifier *v, const uat_azsnpvtpm_evidence *base, int which, size_t at,
                   size_t n, uat_err want)
{
    const uat_span *s = which == 0 ? &base->hcl_report
                        : which == 1 ? &base->tpm.attest
                                     : &base->tpm.signature;
    uint8_t *copy = malloc(s->len);
    assert_non_null(copy);
    uat_buf enc;
    uat_buf_init(&enc, UAT_MAX_EVIDENCE_BYTES);
    for (size_t i = at; i < at + n; i++) {
        uat_azsnpvtpm_evidence ev = *base;
        memcpy(copy, s->p, s->len);
        copy[i] ^= 0x01;
        uat_span m = uat_span_of(copy, s->len);
        *(which == 0 ? &ev.hcl_report : which == 1 ? &ev.tpm.attest : &ev.tpm.signature) = m;
        enc.len = 0;
        assert_ok(uat_azsnpvtpm_evidence_encode(&ev, &enc));
        uat_claims *c = NULL;
        uat_err rc = uat_verify(v, enc.p, enc.len, g_expected, &c);
        if (rc == UAT_OK) {
            fail_msg("byte %zu of member %d changed: accepted", i, which);
        }
        assert_true(uat_last_error()->check != NULL && uat_last_error()->check[0] != '\0');
        if (want != UAT_OK) {
            assert_err(rc, want);
        }
    }
    uat_buf_free(&enc);
    free(copy);
}

static void test_every_byte(void **state)
{
    (void)state;
    uat_buf j = load(P2 "/evidence-v2.json");
    uat_azsnpvtpm_import st;
    uat_azsnpvtpm_evidence ev;
    assert_ok(uat_azsnpvtpm_import_json(uat_buf_span(&j), &st, &ev));
    uat_verifier *v = verifier(T_P2);
    /* the variable data: its digest is REPORT_DATA */
    mutate(v, &ev, 0, VAR_AT, VAR_LEN, UAT_ERR_VERIFY_BINDING);
    assert_string_equal(uat_last_error()->field, "report_data");
    /* the TPMS_ATTEST: signed by the AK */
    mutate(v, &ev, 1, 0, ev.tpm.attest.len, UAT_ERR_VERIFY_SIGNATURE);
    /* the raw signature (after sigAlg, hash and size), then the TPMT_SIGNATURE header */
    mutate(v, &ev, 2, 6, ev.tpm.signature.len - 6, UAT_ERR_VERIFY_SIGNATURE);
    mutate(v, &ev, 2, 0, 6, UAT_OK);
    /* the signed part of the SNP report */
    mutate(v, &ev, 0, 0x20, 0x2A0, UAT_OK);
    uat_verifier_free(v);
    uat_azsnpvtpm_import_free(&st);
    uat_buf_free(&j);
}

static int is_parse(uat_err e)
{
    return strncmp(uat_err_name(e), "PARSE_", 6) == 0;
}

static void test_hcl_truncation_and_fields(void **state)
{
    (void)state;
    uat_buf b = load(P2 "/hcl_report.bin");
    uat_hcl_report h;
    assert_ok(uat_hcl_report_parse(uat_buf_span(&b), &h));
    assert_int_equal(h.report_size, REPORT_SIZE);
    assert_int_equal(h.var_data.len, VAR_LEN);
    assert_int_equal(h.hash_type, UAT_HCL_HASH_SHA256);
    for (size_t n = 0; n < REPORT_SIZE; n++) {
        uat_err rc = uat_hcl_report_parse(uat_span_of(b.p, n), &h);
        if (!is_parse(rc)) {
            fail_msg("truncated at %zu: %s", n, uat_err_name(rc));
        }
    }
    /* the NV index's zero padding may be cut anywhere after the report, never be non-zero */
    for (size_t n = REPORT_SIZE; n <= b.len; n++) {
        assert_ok(uat_hcl_report_parse(uat_span_of(b.p, n), &h));
    }
    uint8_t *m = malloc(b.len);
    assert_non_null(m);
    struct {
        size_t off;
        uint8_t val;
        uat_err want;
    } cases[] = {
        {0, 'X', UAT_ERR_PARSE_BAD_MAGIC},          {4, 3, UAT_ERR_PARSE_BAD_VERSION},
        {8, 0x2b, UAT_ERR_PARSE_TRAILING_BYTES},    {8, 0x29, UAT_ERR_PARSE_TRUNCATED},
        {9, 0x00, UAT_ERR_PARSE_BAD_LENGTH},        {12, 1, UAT_ERR_PARSE_BAD_VALUE},
        {16, 1, UAT_ERR_PARSE_BAD_VALUE},           {20, 1, UAT_ERR_PARSE_RESERVED_NONZERO},
        {0x4C0, 0x6b, UAT_ERR_PARSE_BAD_LENGTH},    {0x4C4, 2, UAT_ERR_PARSE_BAD_VERSION},
        {0x4C8, 4, UAT_ERR_UNSUPPORTED_FEATURE},    {0x4C8, 3, UAT_ERR_PARSE_BAD_VALUE},
        {0x4CC, 0, UAT_ERR_PARSE_BAD_VALUE},        {0x4CC, 4, UAT_ERR_PARSE_BAD_VALUE},
        {0x4D0, 0x55, UAT_ERR_PARSE_BAD_LENGTH},
        {REPORT_SIZE + 3, 1, UAT_ERR_PARSE_TRAILING_BYTES},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memcpy(m, b.p, b.len);
        m[cases[i].off] = cases[i].val;
        assert_err(uat_hcl_report_parse(uat_span_of(m, b.len), &h), cases[i].want);
    }
    /* hash type SHA-384 / SHA-512 parse; the binding then needs that digest in REPORT_DATA */
    memcpy(m, b.p, b.len);
    m[0x4CC] = UAT_HCL_HASH_SHA384;
    assert_ok(uat_hcl_report_parse(uat_span_of(m, b.len), &h));
    uat_buf j = load(P2 "/evidence-v2.json");
    uat_azsnpvtpm_import st;
    uat_azsnpvtpm_evidence ev;
    assert_ok(uat_azsnpvtpm_import_json(uat_buf_span(&j), &st, &ev));
    ev.hcl_report = uat_span_of(m, b.len);
    uat_buf enc;
    uat_buf_init(&enc, UAT_MAX_EVIDENCE_BYTES);
    assert_ok(uat_azsnpvtpm_evidence_encode(&ev, &enc));
    uat_verifier *v = verifier(T_P2);
    uat_claims *c = NULL;
    assert_err(uat_verify(v, enc.p, enc.len, g_expected, &c), UAT_ERR_VERIFY_BINDING);
    assert_string_equal(uat_last_error()->check, "az-snp-vtpm.binding");
    uat_verifier_free(v);
    uat_buf_free(&enc);
    uat_azsnpvtpm_import_free(&st);
    uat_buf_free(&j);
    free(m);
    uat_buf_free(&b);
}

static void test_import_refusals(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "{}",
        "{\"version\":1,\"tpm_quote\":{},\"hcl_report\":\"\"}",
        ("{\"version\":2,\"tpm_quote\":{\"signature\":\"00\",\"message\":\"zz\",\"pcrs\":[]},"
         "\"hcl_report\":\"AA\"}"),
        "{\"version\":2,\"extra\":1}",
    };
    static const uat_err want[] = {UAT_ERR_PARSE_BAD_VERSION, UAT_ERR_PARSE_BAD_VERSION,
                                   UAT_ERR_PARSE_BAD_ENCODING, UAT_ERR_PARSE_BAD_JSON};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uat_azsnpvtpm_import st;
        uat_azsnpvtpm_evidence ev;
        uat_err rc = uat_azsnpvtpm_import_json(uat_span_of(bad[i], strlen(bad[i])), &st, &ev);
        uat_azsnpvtpm_import_free(&st);
        if (rc != want[i]) {
            fail_msg("case %zu: %s, want %s", i, uat_err_name(rc), uat_err_name(want[i]));
        }
    }
    /* CBOR: an unknown member, a missing one, bytes after the map */
    static const uint8_t unknown[] = {0xa1, 0x61, 'x', 0x41, 0x00};
    static const uint8_t missing[] = {0xa1, 0x6a, 'h', 'c', 'l', '_', 'r', 'e', 'p', 'o', 'r',
                                      't', 0x41, 0x00};
    uat_azsnpvtpm_evidence ev;
    assert_err(uat_azsnpvtpm_evidence_decode(uat_span_of(unknown, sizeof(unknown)), &ev),
               UAT_ERR_PARSE_BAD_CBOR);
    assert_err(uat_azsnpvtpm_evidence_decode(uat_span_of(missing, sizeof(missing)), &ev),
               UAT_ERR_PARSE_BAD_CBOR);
    assert_string_equal(uat_last_error()->field, "attest");
}

static void sha256_hex(uat_span der, char out[65])
{
    uint8_t h[32];
    assert_ok(uat_hash(UAT_HASH_SHA256, &der, 1, h));
    uat_hex_encode(h, sizeof(h), out);
}

/* "ark:..,ask:..,vcek:..": the VCEK decoded here from the JSON's "vcek" member (base64url), the ASK
 * and ARK from the KDS cert_chain bundle of the trust directory. */
static void expected_list(char *out, size_t cap)
{
    json_t *j = json_load_file(P2 "/evidence-v2.json", 0, NULL);
    assert_non_null(j);
    const char *b64 = json_string_value(json_object_get(j, "vcek"));
    assert_non_null(b64);
    size_t n = strlen(b64);
    while (n > 0 && b64[n - 1] == '=') {
        n--;
    }
    uat_buf vcek;
    uat_buf_init(&vcek, UAT_MAX_FILE_BYTES);
    assert_ok(uat_b64_decode(b64, n, UAT_B64_URL, &vcek));
    json_decref(j);
    uat_buf pem = load(TRUST "/ask_ark_milan.pem");
    uat_der_list l = {NULL, 0, 0};
    assert_ok(uat_pem_decode_all(uat_buf_span(&pem), "CERTIFICATE", &l));
    assert_int_equal(l.n, 2);
    char ark[65], ask[65], vek[65];
    sha256_hex(uat_buf_span(&l.items[0]), ask);
    sha256_hex(uat_buf_span(&l.items[1]), ark);
    sha256_hex(uat_buf_span(&vcek), vek);
    snprintf(out, cap, "ark:%s,ask:%s,vcek:%s", ark, ask, vek);
    uat_der_list_free(&l);
    uat_buf_free(&pem);
    uat_buf_free(&vcek);
}

static void verify_lists(uat_verifier *v, const uat_buf *ev, const char *want)
{
    uat_claims *c = NULL;
    assert_ok(uat_verify(v, ev->p, ev->len, g_expected, &c));
    uat_claims_free(c);
    assert_non_null(uat_verifier_collateral(v));
    assert_string_equal(uat_verifier_collateral(v), want);
}

/* (a) explained, (b) the first and (c) the second call of one verifier recording only the
 * collateral: the same list. The second call is served from the cache: the trust directory (a copy
 * of the Milan chain) is gone by then, and a fresh verifier of it fails. */
static void test_collateral_list(void **state)
{
    (void)state;
    char want[512], dir[] = "/tmp/uat_azsnp_XXXXXX", roots[64];
    expected_list(want, sizeof(want));
    assert_non_null(mkdtemp(dir));
    snprintf(roots, sizeof(roots), "%s/ask_ark_milan.pem", dir);
    uat_buf pem = load(TRUST "/ask_ark_milan.pem");
    assert_ok(uat_file_write_atomic(roots, pem.p, pem.len, 0600));
    uat_buf_free(&pem);
    uat_buf j = load(P2 "/evidence-v2.json");
    uat_verifier *v = verifier(T_P2);
    assert_ok(uat_verifier_set_trust_dir(v, dir));
    uat_verifier_set_explain(v, 1);
    verify_lists(v, &j, want);
    uat_verifier_free(v);

    v = verifier(T_P2);
    assert_ok(uat_verifier_set_trust_dir(v, dir));
    uat_verifier_set_record_collateral(v, 1);
    verify_lists(v, &j, want);
    assert_int_equal(remove(roots), 0);
    verify_lists(v, &j, want);
    uat_verifier_free(v);

    v = verifier(T_P2);
    assert_ok(uat_verifier_set_trust_dir(v, dir));
    uat_verifier_set_record_collateral(v, 1);
    uat_claims *c = NULL;
    assert_err(uat_verify(v, j.p, j.len, g_expected, &c), UAT_ERR_USAGE_NO_TRUST_ANCHOR);
    uat_verifier_free(v);
    assert_int_equal(rmdir(dir), 0);
    uat_buf_free(&j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_hcl_truncation_and_fields, setup),
        cmocka_unit_test_setup(test_import_refusals, setup),
        cmocka_unit_test_setup(test_json_verifies, setup),
        cmocka_unit_test_setup(test_cbor_is_the_same_evidence, setup),
        cmocka_unit_test_setup(test_every_byte, setup),
        cmocka_unit_test_setup(test_collateral_list, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
