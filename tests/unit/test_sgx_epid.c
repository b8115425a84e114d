/* Unit tests for the SGX EPID / IAS report verifier (src/tee/sgx-epid).
 *
 * The evidence is built here from the shared corpus (intel-sgx-epid-ias/e1-integritee-test4-debug,
 * a report Intel's IAS signed in 2020): report.json (the exact signed bytes),
 * x-iasreport-signature.b64 and ias_signing_cert.pem; the trust anchor is the corpus's
 * Intel_SGX_Attestation_Report_Signing_CA.pem. Negative cases first, then the accepted report.
 * We cannot sign a report, so the status mapping and the parsers are tested directly as well.
 */
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
#include "tee/intel/epid.h"
#include "uattest/verifier.h"

#define EPID_DIR UAT_CORPUS_DIR "/intel-sgx-epid-ias"
#define E1_DIR EPID_DIR "/e1-integritee-test4-debug"
#define EPID_TRUST EPID_DIR "/trust"
#define DCAP_ROOT UAT_CORPUS_DIR "/intel-sgx-dcap/trust/Intel_SGX_Root_CA.der"

#define T_REPORT 1587899785     /* 2020-04-26T11:16:25Z, the report's timestamp */
#define T_NOT_BEFORE 1479807418 /* 2016-11-22T09:36:58Z, the signing certificate's notBefore */
#define T_NOT_AFTER 1795167418  /* 2026-11-20T09:36:58Z, its notAfter */

#define E1_MR_ENCLAVE "7a3454ec8f42e265cb5be7dfd111e1d95ac6076ed82a0948b2e2a45cf17b62a0"
#define E1_MR_SIGNER "83d719e77deaca1470f6baf62a4d774303c899db69020f9c70ee1dfc08c7ce9e"

#include "uat_assert.h"

/* The corpus files, read once. */
static uat_buf g_report, g_sig_b64, g_cert_pem, g_ca_pem, g_pubkey;
static char *g_evidence; /* the evidence JSON built from them */

static void read_file(const char *path, uat_buf *b)
{
    uat_buf_init(b, UAT_MAX_FILE_BYTES);
    assert_ok(uat_file_read(path, UAT_MAX_FILE_BYTES, b));
    assert_ok(uat_buf_terminate(b));
}

/* {"report": b64(report), "signature": sig, "certificates": pem}; free() the result. */
static char *make_evidence(const uint8_t *report, size_t n, const char *sig_b64, const char *pem)
{
    uat_buf b64;
    uat_buf_init(&b64, UAT_MAX_FILE_BYTES);
    assert_ok(uat_b64_encode(report, n, UAT_B64_STD, &b64));
    json_t *o = json_pack("{s:s, s:s, s:s}", "report", (const char *)b64.p, "signature", sig_b64,
                          "certificates", pem);
    assert_non_null(o);
    char *text = json_dumps(o, JSON_COMPACT);
    assert_non_null(text);
    json_decref(o);
    uat_buf_free(&b64);
    return text;
}

static int group_setup(void **state)
{
    (void)state;
    read_file(E1_DIR "/report.json", &g_report);
    read_file(E1_DIR "/x-iasreport-signature.b64", &g_sig_b64);
    read_file(E1_DIR "/ias_signing_cert.pem", &g_cert_pem);
    read_file(EPID_TRUST "/Intel_SGX_Attestation_Report_Signing_CA.pem", &g_ca_pem);
    read_file(E1_DIR "/enclave_signing_pubkey.bin", &g_pubkey);
    g_evidence = make_evidence(g_report.p, g_report.len, (const char *)g_sig_b64.p,
                               (const char *)g_cert_pem.p);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    uat_buf_free(&g_report);
    uat_buf_free(&g_sig_b64);
    uat_buf_free(&g_cert_pem);
    uat_buf_free(&g_ca_pem);
    uat_buf_free(&g_pubkey);
    free(g_evidence);
    return 0;
}

/* Verifies evidence text with the TEE's ops; claims are freed unless the caller takes them. */
static uat_err verify_full(const char *evidence, const char *trust, uat_time at,
                           uat_claims **claims_out, uat_verify_out *vo)
{
    uat_verify_ctx ctx;
    memset(&ctx, 0, sizeof(ctx)); /* no collateral, no cache, nothing fetched */
    ctx.trust_dir = trust;
    ctx.at = at;
    uat_verify_out local;
    memset(&local, 0, sizeof(local));
    uat_claims *claims = NULL;
    assert_ok(uat_claims_new("sgx-epid", &claims));
    uat_err rc = uat_tee_sgx_epid.verify(uat_span_of(evidence, strlen(evidence)), &ctx, claims,
                                         vo != NULL ? vo : &local);
    if (claims_out != NULL && rc == UAT_OK) {
        *claims_out = claims;
    } else {
        uat_claims_free(claims);
    }
    return rc;
}

static uat_err verify_at(const char *evidence, const char *trust, uat_time at)
{
    return verify_full(evidence, trust, at, NULL, NULL);
}

/* ---- the quote body parser ---- */

static void decode_body(uint8_t body[UAT_EPID_QUOTE_BODY_SIZE + 1])
{
    json_t *j = json_loadb((const char *)g_report.p, g_report.len, 0, NULL);
    assert_non_null(j);
    const char *s = json_string_value(json_object_get(j, "isvEnclaveQuoteBody"));
    assert_non_null(s);
    uat_buf b;
    uat_buf_init(&b, 1024);
    assert_ok(uat_b64_decode(s, strlen(s), UAT_B64_STD, &b));
    assert_int_equal(b.len, UAT_EPID_QUOTE_BODY_SIZE);
    memcpy(body, b.p, b.len);
    body[UAT_EPID_QUOTE_BODY_SIZE] = 0;
    uat_buf_free(&b);
    json_decref(j);
}

static void test_quote_body_lengths(void **state)
{
    (void)state;
    uint8_t body[UAT_EPID_QUOTE_BODY_SIZE + 1];
    uat_epid_quote q;
    decode_body(body);
    assert_err(uat_epid_quote_parse(uat_span_of(body, 431), &q), UAT_ERR_PARSE_TRUNCATED);
    assert_err(uat_epid_quote_parse(uat_span_of(body, 433), &q), UAT_ERR_PARSE_TRAILING_BYTES);
    assert_err(uat_epid_quote_parse(uat_span_of(body, 0), &q), UAT_ERR_PARSE_TRUNCATED);
    assert_err(uat_epid_quote_parse(uat_span_of(NULL, 0), &q), UAT_ERR_PARSE_TRUNCATED);
}

static void test_quote_body_fields(void **state)
{
    (void)state;
    uint8_t body[UAT_EPID_QUOTE_BODY_SIZE + 1];
    uat_epid_quote q;
    decode_body(body);
    body[0] = 3; /* version 3 is an ECDSA quote, not EPID */
    assert_err(uat_epid_quote_parse(uat_span_of(body, 432), &q), UAT_ERR_PARSE_BAD_VERSION);
    decode_body(body);
    body[2] = 2; /* sign_type */
    assert_err(uat_epid_quote_parse(uat_span_of(body, 432), &q), UAT_ERR_PARSE_BAD_VALUE);
    decode_body(body);
    body[48 + 20] = 1; /* reserved1: the SDM says zero */
    assert_err(uat_epid_quote_parse(uat_span_of(body, 432), &q), UAT_ERR_PARSE_RESERVED_NONZERO);
    assert_int_equal(uat_last_error()->offset, 48 + 20);
    decode_body(body);
    body[48 + 262 + 41] = 1; /* reserved4 */
    assert_err(uat_epid_quote_parse(uat_span_of(body, 432), &q), UAT_ERR_PARSE_RESERVED_NONZERO);
    decode_body(body);
    body[48 + 96] = 1; /* reserved2: the SDM puts no value on it */
    assert_ok(uat_epid_quote_parse(uat_span_of(body, 432), &q));
}

static void test_quote_body_corpus(void **state)
{
    (void)state;
    uint8_t body[UAT_EPID_QUOTE_BODY_SIZE + 1];
    uat_epid_quote q;
    decode_body(body);
    assert_ok(uat_epid_quote_parse(uat_span_of(body, 432), &q));
    assert_int_equal(q.version, 2);
    assert_int_equal(q.sign_type, 0);
    assert_memory_equal(q.epid_group_id, "\xad\x0b\x00\x00", 4);
    assert_int_equal(q.qe_svn, 11);
    assert_int_equal(q.pce_svn, 10);
    assert_int_equal(q.xeid, 0);
    assert_int_equal(q.body.attributes[0], 0x07);
    assert_int_equal(q.body.isv_prod_id, 0);
    assert_int_equal(q.body.isv_svn, 0);
    assert_memory_equal(q.body.report_data, g_pubkey.p, 32);
    assert_true(uat_is_zero(q.body.report_data + 32, 32));
}

/* ---- status mapping (pure) ---- */

static void expect_tcb(const char *name, int64_t version, uat_err want, const char *tcb)
{
    enum uat_epid_status st = UAT_EPID_OK;
    const char *got = NULL;
    assert_ok(uat_epid_status_parse(name, version, &st));
    assert_string_equal(uat_epid_status_name(st), name);
    assert_err(uat_epid_status_tcb(st, &got), want);
    if (want == UAT_OK) {
        assert_string_equal(got, tcb);
    } else {
        assert_null(got);
        assert_string_equal(uat_last_error()->check, "sgx-epid.status");
    }
}

static void test_status_revoked_fails(void **state)
{
    (void)state;
    expect_tcb("GROUP_REVOKED", 3, UAT_ERR_VERIFY_REVOKED, NULL);
    expect_tcb("GROUP_REVOKED", 4, UAT_ERR_VERIFY_REVOKED, NULL);
    expect_tcb("SIGNATURE_REVOKED", 4, UAT_ERR_VERIFY_REVOKED, NULL);
    expect_tcb("KEY_REVOKED", 4, UAT_ERR_VERIFY_REVOKED, NULL);
    expect_tcb("SIGNATURE_INVALID", 4, UAT_ERR_VERIFY_SIGNATURE, NULL);
}

static void test_status_unknown(void **state)
{
    (void)state;
    enum uat_epid_status st = UAT_EPID_OK;
    const char *tcb = NULL;
    assert_err(uat_epid_status_parse("ok", 4, &st), UAT_ERR_PARSE_BAD_VALUE);
    assert_err(uat_epid_status_parse("", 4, &st), UAT_ERR_PARSE_BAD_VALUE);
    assert_err(uat_epid_status_parse("GROUP_REVOKED ", 4, &st), UAT_ERR_PARSE_BAD_VALUE);
    assert_err(uat_epid_status_parse(NULL, 4, &st), UAT_ERR_PARSE_BAD_VALUE);
    /* API v4 added the SW hardening statuses: a v3 report cannot carry them */
    assert_err(uat_epid_status_parse("SW_HARDENING_NEEDED", 3, &st), UAT_ERR_PARSE_BAD_VALUE);
    assert_err(uat_epid_status_parse("CONFIGURATION_AND_SW_HARDENING_NEEDED", 3, &st),
               UAT_ERR_PARSE_BAD_VALUE);
    assert_err(uat_epid_status_tcb(UAT_EPID_STATUS_COUNT, &tcb), UAT_ERR_PARSE_BAD_VALUE);
}

static void test_status_accepted(void **state)
{
    (void)state;
    expect_tcb("OK", 3, UAT_OK, "UpToDate");
    expect_tcb("SIGRL_VERSION_MISMATCH", 3, UAT_OK, "OutOfDate");
    expect_tcb("GROUP_OUT_OF_DATE", 4, UAT_OK, "OutOfDate");
    expect_tcb("CONFIGURATION_NEEDED", 3, UAT_OK, "ConfigurationNeeded");
    expect_tcb("SW_HARDENING_NEEDED", 4, UAT_OK, "SWHardeningNeeded");
    expect_tcb("CONFIGURATION_AND_SW_HARDENING_NEEDED", 4, UAT_OK,
               "ConfigurationAndSWHardeningNeeded");
}

/* ---- timestamp ---- */

static void test_time_parse(void **state)
{
    (void)state;
    uat_time t = 0;
#define TP(s) uat_epid_time_parse((s), strlen(s), &t)
    assert_err(TP("2020-04-26T11:16:25Z"), UAT_ERR_PARSE_BAD_ENCODING); /* no zone in IAS text */
    assert_err(TP("2020-04-26T11:16:25+00:00"), UAT_ERR_PARSE_BAD_ENCODING);
    assert_err(TP("2020-04-26 11:16:25"), UAT_ERR_PARSE_BAD_ENCODING);
    assert_err(TP("2020-04-26T11:16:25."), UAT_ERR_PARSE_BAD_ENCODING);
    assert_err(TP("2020-04-26T11:16:25.1234567890"), UAT_ERR_PARSE_BAD_ENCODING);
    assert_err(TP("2020-04-26T11:16"), UAT_ERR_PARSE_BAD_ENCODING);
    assert_err(TP("2020-02-30T11:16:25"), UAT_ERR_PARSE_BAD_ENCODING);
    assert_err(TP("2020-04-26T24:00:00"), UAT_ERR_PARSE_BAD_ENCODING);
    assert_err(TP(""), UAT_ERR_PARSE_BAD_ENCODING);
    assert_ok(TP("2020-04-26T11:16:25.349850"));
    assert_int_equal(t, T_REPORT);
    assert_ok(TP("2020-04-26T11:16:25"));
    assert_int_equal(t, T_REPORT);
    assert_ok(TP("2016-02-29T00:00:00.1"));
    assert_int_equal(t, 1456704000);
#undef TP
}

/* ---- the report JSON parser (pure, on edited reports: they no longer verify) ---- */

/* The corpus report with member name set to v (NULL: removed); parses it with want. */
static void expect_report_edit(const char *name, json_t *v, uat_err want)
{
    json_t *j = json_loadb((const char *)g_report.p, g_report.len, 0, NULL);
    assert_non_null(j);
    if (v != NULL) {
        assert_int_equal(json_object_set_new(j, name, v), 0);
    } else {
        assert_int_equal(json_object_del(j, name), 0);
    }
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    assert_non_null(text);
    uat_epid_report r;
    uat_err rc = uat_epid_report_parse(uat_span_of(text, strlen(text)), &r);
    free(text);
    if (rc == UAT_OK) {
        uat_epid_report_free(&r);
    }
    assert_err(rc, want);
}

static void test_report_version(void **state)
{
    (void)state;
    expect_report_edit("version", json_integer(2), UAT_ERR_PARSE_BAD_VERSION);
    expect_report_edit("version", json_integer(5), UAT_ERR_PARSE_BAD_VERSION);
    expect_report_edit("version", json_string("3"), UAT_ERR_PARSE_BAD_JSON);
    expect_report_edit("version", json_real(3.0), UAT_ERR_PARSE_BAD_JSON);
    expect_report_edit("version", NULL, UAT_ERR_PARSE_BAD_JSON);
    expect_report_edit("version", json_integer(4), UAT_OK);
}

static void test_report_required_members(void **state)
{
    (void)state;
    expect_report_edit("id", NULL, UAT_ERR_PARSE_BAD_JSON);
    expect_report_edit("id", json_string(""), UAT_ERR_PARSE_BAD_VALUE);
    expect_report_edit("timestamp", NULL, UAT_ERR_PARSE_BAD_JSON);
    expect_report_edit("timestamp", json_string("2020-04-26T11:16:25Z"),
                       UAT_ERR_PARSE_BAD_ENCODING);
    expect_report_edit("isvEnclaveQuoteStatus", NULL, UAT_ERR_PARSE_BAD_JSON);
    expect_report_edit("isvEnclaveQuoteStatus", json_string("NOPE"), UAT_ERR_PARSE_BAD_VALUE);
    expect_report_edit("isvEnclaveQuoteStatus", json_string("SW_HARDENING_NEEDED"),
                       UAT_ERR_PARSE_BAD_VALUE); /* the corpus report is version 3 */
    expect_report_edit("isvEnclaveQuoteStatus", json_string("GROUP_REVOKED"), UAT_OK);
    expect_report_edit("isvEnclaveQuoteBody", NULL, UAT_ERR_PARSE_BAD_JSON);
    expect_report_edit("isvEnclaveQuoteBody", json_integer(1), UAT_ERR_PARSE_BAD_JSON);
    expect_report_edit("isvEnclaveQuoteBody", json_string("AgAA*AAA"), UAT_ERR_PARSE_BAD_ENCODING);
}

static void test_report_body_lengths(void **state)
{
    (void)state;
    uint8_t body[UAT_EPID_QUOTE_BODY_SIZE + 1];
    decode_body(body);
    for (size_t n = 431; n <= 433; n++) {
        uat_buf b64;
        uat_buf_init(&b64, 1024);
        assert_ok(uat_b64_encode(body, n, UAT_B64_STD, &b64));
        expect_report_edit("isvEnclaveQuoteBody", json_string((const char *)b64.p),
                           n < 432 ? UAT_ERR_PARSE_TRUNCATED
                                   : (n > 432 ? UAT_ERR_PARSE_TRAILING_BYTES : UAT_OK));
        uat_buf_free(&b64);
    }
}

static void test_report_optional_members(void **state)
{
    (void)state;
    expect_report_edit("unknownMember", json_string("x"), UAT_ERR_PARSE_BAD_JSON);
    expect_report_edit("nonce", json_string("0123456789abcdef0123456789abcdef"), UAT_OK);
    expect_report_edit("nonce", json_string("0123456789abcdef0123456789abcdef0"),
                       UAT_ERR_PARSE_BAD_LENGTH);
    expect_report_edit("nonce", json_integer(7), UAT_ERR_PARSE_BAD_JSON);
    expect_report_edit("advisoryIDs", json_string("INTEL-SA-00334"), UAT_ERR_PARSE_BAD_JSON);
    expect_report_edit("advisoryIDs", json_pack("[s, i]", "INTEL-SA-00334", 1),
                       UAT_ERR_PARSE_BAD_JSON);
    expect_report_edit("advisoryIDs", json_pack("[s, s]", "INTEL-SA-00334", "INTEL-SA-00219"),
                       UAT_OK);
    expect_report_edit("platformInfoBlob", json_string("15020065zz"), UAT_ERR_PARSE_BAD_ENCODING);
    expect_report_edit("platformInfoBlob", json_string("150"), UAT_ERR_PARSE_BAD_ENCODING);
    expect_report_edit("pseManifestHash", json_string("00"), UAT_ERR_PARSE_BAD_LENGTH);
    expect_report_edit("pseManifestStatus", json_string("FINE"), UAT_ERR_PARSE_BAD_VALUE);
    expect_report_edit("pseManifestStatus", json_string("OUT_OF_DATE"), UAT_OK);
    expect_report_edit("revocationReason", json_integer(11), UAT_ERR_PARSE_BAD_VALUE);
    expect_report_edit("revocationReason", json_integer(1), UAT_OK);
    expect_report_edit("epidPseudonym", json_string("AAAA"), UAT_ERR_PARSE_BAD_LENGTH);
    uint8_t bytes[129] = {0};
    char hex[2 * sizeof(bytes) + 1];
    uat_hex_encode(bytes, sizeof(bytes), hex);
    uat_buf b64;
    uat_buf_init(&b64, 1024);
    assert_ok(uat_b64_encode(bytes, sizeof(bytes), UAT_B64_STD, &b64));
    expect_report_edit("epidPseudonym", json_string((const char *)b64.p), UAT_ERR_PARSE_BAD_LENGTH);
    b64.len = 0;
    assert_ok(uat_b64_encode(bytes, 128, UAT_B64_STD, &b64));
    expect_report_edit("epidPseudonym", json_string((const char *)b64.p), UAT_OK);
    uat_buf_free(&b64);
    hex[66] = '\0'; /* 33 bytes */
    expect_report_edit("pseManifestHash", json_string(hex), UAT_ERR_PARSE_BAD_LENGTH);
    hex[64] = '\0';
    expect_report_edit("pseManifestHash", json_string(hex), UAT_OK);
}

static void test_report_malformed_text(void **state)
{
    (void)state;
    uat_epid_report r;
    assert_err(uat_epid_report_parse(uat_span_of(g_report.p, g_report.len - 1), &r),
               UAT_ERR_PARSE_BAD_JSON);
    assert_err(uat_epid_report_parse(uat_span_of("[]", 2), &r), UAT_ERR_PARSE_BAD_JSON);
    assert_err(uat_epid_report_parse(uat_span_of(NULL, 0), &r), UAT_ERR_PARSE_BAD_JSON);
    const char dup[] = "{\"version\":3,\"version\":3}";
    assert_err(uat_epid_report_parse(uat_span_of(dup, sizeof(dup) - 1), &r),
               UAT_ERR_PARSE_BAD_JSON);
    char *trailing = malloc(g_report.len + 2);
    memcpy(trailing, g_report.p, g_report.len);
    memcpy(trailing + g_report.len, "{}", 2);
    assert_err(uat_epid_report_parse(uat_span_of(trailing, g_report.len + 2), &r),
               UAT_ERR_PARSE_BAD_JSON);
    free(trailing);
}

/* ---- the evidence object ---- */

static void expect_evidence_err(const char *text, uat_err want)
{
    uat_epid_evidence ev;
    uat_err rc = uat_epid_evidence_parse(uat_span_of(text, strlen(text)), &ev);
    if (rc == UAT_OK) {
        uat_epid_evidence_free(&ev);
    }
    assert_err(rc, want);
    /* verification parses first, so it fails the same way */
    assert_err(verify_at(text, EPID_TRUST, T_REPORT), want);
}

static void test_evidence_malformed(void **state)
{
    (void)state;
    size_t n = strlen(g_evidence);
    char *cut = malloc(n);
    for (size_t len = 0; len < n; len += 97) {
        memcpy(cut, g_evidence, len);
        cut[len] = '\0';
        expect_evidence_err(cut, UAT_ERR_PARSE_BAD_JSON);
    }
    free(cut);
    expect_evidence_err("[]", UAT_ERR_PARSE_BAD_JSON);
    expect_evidence_err("{\"report\":\"AAAA\",\"signature\":\"AAAA\"}", UAT_ERR_PARSE_BAD_JSON);
    expect_evidence_err("{\"report\":\"AAAA\",\"report\":\"AAAA\",\"signature\":\"AAAA\","
                        "\"certificates\":\"\"}",
                        UAT_ERR_PARSE_BAD_JSON);
    expect_evidence_err("{\"report\":1,\"signature\":\"AAAA\",\"certificates\":\"\"}",
                        UAT_ERR_PARSE_BAD_JSON);
    expect_evidence_err("{\"report\":\"AA AA\",\"signature\":\"AAAA\",\"certificates\":\"\"}",
                        UAT_ERR_PARSE_BAD_ENCODING);
    expect_evidence_err("{\"report\":\"\",\"signature\":\"AAAA\",\"certificates\":\"\"}",
                        UAT_ERR_PARSE_BAD_LENGTH);
    expect_evidence_err("{\"report\":\"AAAA\",\"signature\":\"AAAA\",\"certificates\":\"none\"}",
                        UAT_ERR_PARSE_BAD_CERT);
}

static void test_evidence_unknown_member(void **state)
{
    (void)state;
    json_t *j = json_loads(g_evidence, 0, NULL);
    assert_non_null(j);
    assert_int_equal(json_object_set_new(j, "nonce", json_string("x")), 0);
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    expect_evidence_err(text, UAT_ERR_PARSE_BAD_JSON);
    free(text);
}

static void test_sniff(void **state)
{
    (void)state;
    assert_true(uat_epid_sniff(uat_span_of(g_evidence, strlen(g_evidence))));
    assert_true(uat_tee_sgx_epid.sniff(uat_span_of(g_evidence, strlen(g_evidence))));
    assert_false(uat_epid_sniff(uat_span_of(g_report.p, g_report.len)));
    assert_false(uat_epid_sniff(uat_span_of("[\"a\",\"b\"]", 9)));
    const char *not_strings = "{\"report\":1,\"signature\":\"\",\"certificates\":\"\"}";
    assert_false(uat_epid_sniff(uat_span_of(not_strings, strlen(not_strings))));
    assert_false(uat_epid_sniff(uat_span_of(NULL, 0)));
    assert_false(uat_epid_sniff(uat_span_of("USIM", 4)));
    assert_string_equal(uat_tee_sgx_epid.name, "sgx-epid");
    assert_string_equal(uat_tee_sgx_epid.media_type, "application/vnd.uattest.sgx-epid-ias+json");
    assert_null(uat_tee_sgx_epid.collect);
    assert_null(uat_tee_sgx_epid.detect_paths);
}

static void test_inspect(void **state)
{
    (void)state;
    json_t *f = json_object();
    assert_ok(uat_epid_inspect(uat_span_of(g_evidence, strlen(g_evidence)), f));
    assert_string_equal(json_string_value(json_object_get(f, "mr_enclave")), E1_MR_ENCLAVE);
    assert_string_equal(json_string_value(json_object_get(f, "ias_quote_status")),
                        "CONFIGURATION_NEEDED");
    assert_int_equal(json_integer_value(json_object_get(f, "certificates")), 1);
    assert_int_equal(json_string_length(json_object_get(f, "signature")), 512);
    json_decref(f);
}

/* ---- verification: signatures, chain, time ---- */

static void test_verify_every_report_byte_flipped(void **state)
{
    (void)state;
    uint8_t *copy = malloc(g_report.len);
    for (size_t i = 0; i < g_report.len; i++) {
        memcpy(copy, g_report.p, g_report.len);
        copy[i] ^= 0x01;
        char *ev = make_evidence(copy, g_report.len, (const char *)g_sig_b64.p,
                                 (const char *)g_cert_pem.p);
        uat_err rc = verify_at(ev, EPID_TRUST, T_REPORT);
        free(ev);
        if (rc != UAT_ERR_VERIFY_SIGNATURE) {
            fail_msg("report byte %zu flipped: %s", i, uat_err_name(rc));
        }
    }
    free(copy);
    assert_string_equal(uat_last_error()->check, "sgx-epid.signature");
}

static void test_verify_truncated_and_extended_report(void **state)
{
    (void)state;
    char *ev = make_evidence(g_report.p, g_report.len - 1, (const char *)g_sig_b64.p,
                             (const char *)g_cert_pem.p);
    assert_err(verify_at(ev, EPID_TRUST, T_REPORT), UAT_ERR_VERIFY_SIGNATURE);
    free(ev);
    uint8_t *longer = malloc(g_report.len + 1);
    memcpy(longer, g_report.p, g_report.len);
    longer[g_report.len] = '\n';
    ev = make_evidence(longer, g_report.len + 1, (const char *)g_sig_b64.p,
                       (const char *)g_cert_pem.p);
    assert_err(verify_at(ev, EPID_TRUST, T_REPORT), UAT_ERR_VERIFY_SIGNATURE);
    free(ev);
    free(longer);
}

static void test_verify_signature_byte_flipped(void **state)
{
    (void)state;
    uat_buf sig;
    uat_buf_init(&sig, 1024);
    assert_ok(uat_b64_decode((const char *)g_sig_b64.p, g_sig_b64.len, UAT_B64_STD, &sig));
    assert_int_equal(sig.len, 256);
    const size_t at[] = {0, 1, 100, 254, 255};
    for (size_t k = 0; k < sizeof(at) / sizeof(at[0]); k++) {
        sig.p[at[k]] ^= 0x80;
        uat_buf b64;
        uat_buf_init(&b64, 1024);
        assert_ok(uat_b64_encode(sig.p, sig.len, UAT_B64_STD, &b64));
        char *ev = make_evidence(g_report.p, g_report.len, (const char *)b64.p,
                                 (const char *)g_cert_pem.p);
        assert_err(verify_at(ev, EPID_TRUST, T_REPORT), UAT_ERR_VERIFY_SIGNATURE);
        free(ev);
        uat_buf_free(&b64);
        sig.p[at[k]] ^= 0x80;
    }
    uat_buf_free(&sig);
}

static void test_verify_expired(void **state)
{
    (void)state;
    assert_err(verify_at(g_evidence, EPID_TRUST, T_NOT_AFTER + 1), UAT_ERR_VERIFY_EXPIRED);
    assert_string_equal(uat_last_error()->check, "sgx-epid.chain");
    assert_err(verify_at(g_evidence, EPID_TRUST, T_NOT_BEFORE - 1), UAT_ERR_VERIFY_EXPIRED);
    assert_string_equal(uat_last_error()->check, "sgx-epid.chain");
    /* inside the certificate's validity, but before IAS issued the report */
    assert_err(verify_at(g_evidence, EPID_TRUST, T_REPORT - 1), UAT_ERR_VERIFY_EXPIRED);
    assert_string_equal(uat_last_error()->check, "sgx-epid.report");
    /* OpenSSL treats notAfter itself as expired; the second before is accepted */
    assert_ok(verify_at(g_evidence, EPID_TRUST, T_NOT_AFTER - 1));
    assert_ok(verify_at(g_evidence, EPID_TRUST, T_REPORT));
}

/* A trust directory holding one file (copied), for the duration of a test. */
static void make_trust_dir(char *dir, size_t cap, const char *src, const char *name)
{
    snprintf(dir, cap, "%s/uat-epid-trust-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    assert_non_null(mkdtemp(dir));
    if (src == NULL) {
        return;
    }
    uat_buf b;
    uat_buf_init(&b, UAT_MAX_FILE_BYTES);
    assert_ok(uat_file_read(src, UAT_MAX_FILE_BYTES, &b));
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    assert_ok(uat_file_write_atomic(path, b.p, b.len, 0644));
    uat_buf_free(&b);
}

static void remove_trust_dir(const char *dir, const char *name)
{
    char path[4096];
    if (name != NULL) {
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        unlink(path);
    }
    rmdir(dir);
}

static void test_verify_wrong_ca(void **state)
{
    (void)state;
    char dir[512];
    make_trust_dir(dir, sizeof(dir), DCAP_ROOT, "Intel_SGX_Root_CA.der");
    uat_err rc = verify_at(g_evidence, dir, T_REPORT);
    /* the real CA in the evidence is only an untrusted intermediate: still no chain */
    size_t n = strlen((const char *)g_cert_pem.p) + strlen((const char *)g_ca_pem.p) + 2;
    char *both = malloc(n);
    snprintf(both, n, "%s%s", (const char *)g_cert_pem.p, (const char *)g_ca_pem.p);
    char *ev = make_evidence(g_report.p, g_report.len, (const char *)g_sig_b64.p, both);
    uat_err rc_with_ca = verify_at(ev, dir, T_REPORT);
    uat_err rc_good_anchor = verify_at(ev, EPID_TRUST, T_REPORT);
    free(ev);
    free(both);
    remove_trust_dir(dir, "Intel_SGX_Root_CA.der");
    assert_err(rc, UAT_ERR_VERIFY_CHAIN);
    assert_err(rc_with_ca, UAT_ERR_VERIFY_CHAIN);
    assert_ok(rc_good_anchor);
}

static void test_verify_no_anchor(void **state)
{
    (void)state;
    char dir[512];
    make_trust_dir(dir, sizeof(dir), NULL, NULL);
    uat_err rc = verify_at(g_evidence, dir, T_REPORT);
    remove_trust_dir(dir, NULL);
    assert_err(rc, UAT_ERR_USAGE_NO_TRUST_ANCHOR);
    assert_err(verify_at(g_evidence, NULL, T_REPORT), UAT_ERR_USAGE_NO_TRUST_ANCHOR);
}

static void test_verify_signing_cert_swapped(void **state)
{
    (void)state;
    /* the CA as the "signing" certificate: it chains (it is the anchor) but did not sign */
    char *ev = make_evidence(g_report.p, g_report.len, (const char *)g_sig_b64.p,
                             (const char *)g_ca_pem.p);
    assert_err(verify_at(ev, EPID_TRUST, T_REPORT), UAT_ERR_VERIFY_SIGNATURE);
    free(ev);
}

static const char *tcb_str(json_t *doc, const char *name)
{
    return json_string_value(json_object_get(json_object_get(doc, "tcb"), name));
}

static void test_verify_corpus_claims(void **state)
{
    (void)state;
    uat_claims *c = NULL;
    uat_verify_out vo;
    memset(&vo, 0, sizeof(vo));
    assert_ok(verify_full(g_evidence, EPID_TRUST, T_REPORT, &c, &vo));
    json_t *doc = uat_claims_doc(c);
    assert_string_equal(uat_claims_tee(c), "sgx-epid");
    assert_string_equal(uat_claims_get_string(c, "measurement"), E1_MR_ENCLAVE);
    assert_string_equal(uat_claims_get_string(c, "signer"), E1_MR_SIGNER);
    int debug = 0;
    int64_t v = -1;
    assert_ok(uat_claims_get_bool(c, "debug", &debug));
    assert_true(debug);
    assert_ok(uat_claims_get_int(c, "product_id", &v));
    assert_int_equal(v, 0);
    assert_ok(uat_claims_get_int(c, "svn", &v));
    assert_int_equal(v, 0);
    char hex[65];
    uat_hex_encode(g_pubkey.p, 32, hex);
    assert_memory_equal(uat_claims_get_string(c, "report_data"), hex, 64);
    assert_string_equal(uat_claims_get_string(c, "report_data") + 64,
                        "0000000000000000000000000000000000000000000000000000000000000000");
    assert_string_equal(tcb_str(doc, "status"), "ConfigurationNeeded");
    assert_string_equal(tcb_str(doc, "date"), "2020-04-26T11:16:25Z");
    json_t *ids = json_object_get(json_object_get(doc, "tcb"), "advisory_ids");
    assert_true(json_is_array(ids));
    assert_int_equal(json_array_size(ids), 0);
    assert_int_equal(vo.report_data_len, 64);
    assert_memory_equal(vo.report_data, g_pubkey.p, 32);
    assert_int_equal(vo.valid_until, T_NOT_AFTER);
    uat_claims_free(c);
}

static void test_verify_corpus_tee_claims(void **state)
{
    (void)state;
    uat_claims *c = NULL;
    assert_ok(verify_full(g_evidence, EPID_TRUST, T_REPORT, &c, NULL));
    json_t *t = uat_claims_tee_obj(c);
    assert_string_equal(uat_claims_tee_field(c, "mr_enclave"), E1_MR_ENCLAVE);
    assert_string_equal(uat_claims_tee_field(c, "mr_signer"), E1_MR_SIGNER);
    assert_string_equal(uat_claims_tee_field(c, "epid_group_id"), "ad0b0000");
    assert_string_equal(uat_claims_tee_field(c, "attributes"), "07000000000000000700000000000000");
    assert_string_equal(uat_claims_tee_field(c, "cpu_svn"), "0e0e050501ff00000000000000000000");
    assert_string_equal(uat_claims_tee_field(c, "ias_report_id"),
                        "228355377317235267271046005548613062778");
    assert_string_equal(uat_claims_tee_field(c, "ias_timestamp"), "2020-04-26T11:16:25.349850Z");
    assert_string_equal(uat_claims_tee_field(c, "ias_quote_status"), "CONFIGURATION_NEEDED");
    assert_int_equal(strlen(uat_claims_tee_field(c, "platform_info_blob")), 2 * 105);
    assert_int_equal(json_integer_value(json_object_get(t, "version")), 2);
    assert_int_equal(json_integer_value(json_object_get(t, "sign_type")), 0);
    assert_int_equal(json_integer_value(json_object_get(t, "qe_svn")), 11);
    assert_int_equal(json_integer_value(json_object_get(t, "pce_svn")), 10);
    assert_int_equal(json_integer_value(json_object_get(t, "ias_version")), 3);
    static const char *const present[] = {
        "isv_prod_id", "isv_svn",   "config_svn",    "misc_select", "xeid",
        "basename",    "config_id", "isv_family_id", "report_data", "isv_ext_prod_id",
    };
    for (size_t i = 0; i < sizeof(present) / sizeof(present[0]); i++) {
        assert_non_null(json_object_get(t, present[i]));
    }
    assert_null(json_object_get(t, "nonce"));
    assert_null(json_object_get(t, "epid_pseudonym"));
    uat_claims_free(c);
}

/* Through the public API, once the registry lists the TEE (src/evidence/registry.c). */
static void test_public_api_binding(void **state)
{
    (void)state;
    if (uat_registry_by_name("sgx-epid") == NULL) {
        skip();
    }
    uat_verifier *v = NULL;
    assert_ok(uat_verifier_new(&v));
    assert_ok(uat_verifier_set_trust_dir(v, EPID_TRUST));
    uat_verifier_set_time(v, T_REPORT);
    uint8_t expected[64] = {0};
    memcpy(expected, g_pubkey.p, 32);
    uat_claims *c = NULL;
    uat_err rc = uat_verify(v, (const uint8_t *)g_evidence, strlen(g_evidence), expected, &c);
    if (rc == UAT_OK) {
        assert_string_equal(uat_claims_get_string(c, "valid_until"), "2026-11-20T09:36:58Z");
        uat_claims_free(c);
        c = NULL;
    }
    expected[63] ^= 1;
    uat_err rc_bad = uat_verify(v, (const uint8_t *)g_evidence, strlen(g_evidence), expected, &c);
    uat_verifier_free(v);
    assert_ok(rc);
    assert_err(rc_bad, UAT_ERR_VERIFY_BINDING);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quote_body_lengths),
        cmocka_unit_test(test_quote_body_fields),
        cmocka_unit_test(test_status_revoked_fails),
        cmocka_unit_test(test_status_unknown),
        cmocka_unit_test(test_time_parse),
        cmocka_unit_test(test_report_version),
        cmocka_unit_test(test_report_required_members),
        cmocka_unit_test(test_report_body_lengths),
        cmocka_unit_test(test_report_optional_members),
        cmocka_unit_test(test_report_malformed_text),
        cmocka_unit_test(test_evidence_malformed),
        cmocka_unit_test(test_evidence_unknown_member),
        cmocka_unit_test(test_verify_every_report_byte_flipped),
        cmocka_unit_test(test_verify_truncated_and_extended_report),
        cmocka_unit_test(test_verify_signature_byte_flipped),
        cmocka_unit_test(test_verify_expired),
        cmocka_unit_test(test_verify_wrong_ca),
        cmocka_unit_test(test_verify_no_anchor),
        cmocka_unit_test(test_verify_signing_cert_swapped),
        cmocka_unit_test(test_quote_body_corpus),
        cmocka_unit_test(test_status_accepted),
        cmocka_unit_test(test_sniff),
        cmocka_unit_test(test_inspect),
        cmocka_unit_test(test_verify_corpus_claims),
        cmocka_unit_test(test_verify_corpus_tee_claims),
        cmocka_unit_test(test_public_api_binding),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
