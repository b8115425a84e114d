/* iTrustee: parsers (negative cases first), the cJSON printer, the scenario-1 path with a
 * synthetic attestation-service CA, the kunpengsecl baseline importer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/file.h"
#include "core/limits.h"
#include "tee/itrustee/itrustee.h"
#include "uattest/uattest.h"

#include "uat_assert.h"

#define DIR UAT_CORPUS_DIR "/huawei-itrustee"
#define K1 DIR "/k1-kunpengsecl-noas/report.bin"
#define J1 DIR "/j1-kunpengsecl-json-qta-e08f7eca/report.json"
#define AT 1780272000 /* 2026-06-01T00:00:00Z */

static uat_buf load(const char *path)
{
    uat_buf b;
    uat_buf_init(&b, UAT_MAX_FILE_BYTES);
    assert_ok(uat_file_read(path, UAT_MAX_FILE_BYTES, &b));
    return b;
}

static uat_err parse_mut(const uat_buf *b, size_t off, uint32_t v)
{
    uint8_t *p = malloc(b->len);
    memcpy(p, b->p, b->len);
    p[off] = (uint8_t)v;
    p[off + 1] = (uint8_t)(v >> 8);
    p[off + 2] = (uint8_t)(v >> 16);
    p[off + 3] = (uint8_t)(v >> 24);
    uat_itr_report r;
    uat_err rc = uat_itr_parse_bin(uat_span_of(p, b->len), &r);
    if (rc == UAT_OK) {
        uat_itr_report_free(&r);
    }
    free(p);
    return rc;
}

static void test_bin_negative(void **state)
{
    (void)state;
    uat_buf b = load(K1);
    assert_err(parse_mut(&b, 0, 2), UAT_ERR_PARSE_BAD_VERSION);
    assert_err(parse_mut(&b, 92, 3), UAT_ERR_PARSE_BAD_VALUE);         /* scenario */
    assert_err(parse_mut(&b, 96, 0), UAT_ERR_PARSE_BAD_LENGTH);        /* param_count 0 */
    assert_err(parse_mut(&b, 96, 33), UAT_ERR_PARSE_BAD_LENGTH);       /* over the limit */
    assert_err(parse_mut(&b, 96, 6), UAT_ERR_PARSE_BAD_LENGTH);        /* a blob in the table */
    assert_err(parse_mut(&b, 100, 0x30000000), UAT_ERR_PARSE_BAD_VALUE); /* tag type 3 */
    assert_err(parse_mut(&b, 100, 0x10000005), UAT_ERR_PARSE_BAD_VALUE); /* unknown tag */
    assert_err(parse_mut(&b, 100, 0x10000001), UAT_ERR_PARSE_BAD_VALUE); /* duplicate tag */
    assert_err(parse_mut(&b, 108, 1), UAT_ERR_PARSE_RESERVED_NONZERO);   /* integer padding */
    assert_err(parse_mut(&b, 128, 33), UAT_ERR_PARSE_BAD_LENGTH);        /* ta image 33 B: overlap */
    assert_err(parse_mut(&b, 132, 185), UAT_ERR_PARSE_BAD_LENGTH);       /* gap / overlap */
    assert_err(parse_mut(&b, 176, 2833), UAT_ERR_PARSE_TRUNCATED);       /* cert_ak past the end */
    assert_err(parse_mut(&b, 176, 2831), UAT_ERR_PARSE_TRAILING_BYTES);
    /* the tiling holds, but the image hash would lie after the signature: unsigned */
    uint8_t *p = malloc(b.len);
    memcpy(p, b.p, b.len);
    uat_itr_report r;
    assert_ok(uat_itr_parse_bin(uat_buf_span(&b), &r));
    uat_itr_report_free(&r);
    /* trailing byte */
    uint8_t *q = malloc(b.len + 1);
    memcpy(q, b.p, b.len);
    q[b.len] = 0;
    assert_err(uat_itr_parse_bin(uat_span_of(q, b.len + 1), &r), UAT_ERR_PARSE_TRAILING_BYTES);
    free(q);
    free(p);
    uat_buf_free(&b);
}

/* Every truncation of a sample is a named PARSE error, never a crash or success. */
static void test_truncation(void **state)
{
    (void)state;
    uat_buf b = load(K1), j = load(J1);
    uat_itr_report r;
    for (size_t n = 0; n < b.len; n++) {
        uat_err rc = uat_itr_parse_bin(uat_span_of(b.p, n), &r);
        assert_int_equal(uat_err_category(rc), UAT_CAT_PARSE);
    }
    size_t last = j.len;
    while (last > 0 && j.p[last - 1] != '}') {
        last--;
    }
    for (size_t n = 0; n < last; n++) {
        uat_err rc = uat_itr_parse(uat_span_of(j.p, n), &r);
        assert_int_equal(uat_err_category(rc), UAT_CAT_PARSE);
    }
    uat_buf_free(&b);
    uat_buf_free(&j);
}

static void sha256_hex(const uat_buf *b, char *hex)
{
    uint8_t d[32];
    uat_span s = uat_buf_span(b);
    assert_ok(uat_hash(UAT_HASH_SHA256, &s, 1, d));
    uat_hex_encode(d, 32, hex);
}

/* PROVENANCE.md check values for the printer. */
static void test_cjson_print(void **state)
{
    (void)state;
    uat_buf j = load(J1);
    json_t *doc = json_loadb((const char *)j.p, j.len, JSON_DECODE_INT_AS_REAL, NULL);
    assert_non_null(doc);
    uat_buf out, sig;
    char hex[65];
    uat_buf_init(&out, 1 << 20);
    uat_buf_init(&sig, 1 << 20);
    assert_ok(uat_itr_cjson_print(json_object_get(doc, "payload"), &out));
    assert_int_equal(out.len, 428);
    sha256_hex(&out, hex);
    assert_string_equal(hex, "012192b34578bb00a0638b7bcc3c40f9a0db5540a8d7b09ca3d01989781acd89");
    assert_ok(uat_itr_signed_payload(json_object_get(doc, "payload"), &sig));
    assert_int_equal(sig.len, 571);
    out.len = 0;
    json_t *ak = json_object_get(json_object_get(json_object_get(doc, "akcert"), "sce_no_as"),
                                 "payload");
    assert_ok(uat_itr_cjson_print(ak, &out));
    assert_int_equal(out.len, 1006);
    sha256_hex(&out, hex);
    assert_string_equal(hex, "f9b5767cfca4c8630af2190900043ecfaec16efd2151a0a65b011f85558a9770");
    json_decref(doc);
    /* numbers, escapes, arrays, empty objects and nesting as cJSON prints them */
    const char *in = "{\"a\":1,\"b\":-2.5,\"c\":1e300,\"d\":3000000000,\"e\":\"q\\\"\\\\/\\u0001\\t\","
                     "\"f\":[1,true,null],\"g\":{},\"h\":{\"i\":0.1}}";
    doc = json_loads(in, JSON_DECODE_INT_AS_REAL, NULL);
    out.len = 0;
    assert_ok(uat_itr_cjson_print(doc, &out));
    assert_ok(uat_buf_terminate(&out));
    assert_string_equal((const char *)out.p,
                        "{\n\t\"a\":\t1,\n\t\"b\":\t-2.5,\n\t\"c\":\t1e+300,\n\t\"d\":\t3000000000,\n"
                        "\t\"e\":\t\"q\\\"\\\\/\\u0001\\t\",\n\t\"f\":\t[1, true, null],\n"
                        "\t\"g\":\t{\n\t},\n\t\"h\":\t{\n\t\t\"i\":\t0.1\n\t}\n}");
    json_decref(doc);
    /* nesting past the limit */
    char deep[200] = "";
    for (int i = 0; i < 20; i++) {
        strcat(deep, "{\"a\":");
    }
    strcat(deep, "1");
    for (int i = 0; i < 20; i++) {
        strcat(deep, "}");
    }
    doc = json_loads(deep, 0, NULL);
    assert_err(uat_itr_cjson_print(doc, &out), UAT_ERR_PARSE_TOO_DEEP);
    json_decref(doc);
    uat_buf_free(&out);
    uat_buf_free(&sig);
    uat_buf_free(&j);
}

static uat_err parse_json_text(const char *s)
{
    uat_itr_report r;
    uat_err rc = uat_itr_parse_json(uat_span_of(s, strlen(s)), &r);
    if (rc == UAT_OK) {
        uat_itr_report_free(&r);
    }
    return rc;
}

/* j1 with one member replaced (textual edit of the compact form). */
static uat_err json_edit(const char *from, const char *to)
{
    uat_buf j = load(J1);
    json_t *doc = json_loadb((const char *)j.p, j.len, JSON_DECODE_INT_AS_REAL, NULL);
    char *text = json_dumps(doc, JSON_COMPACT);
    char *at = strstr(text, from);
    assert_non_null(at);
    size_t n = strlen(text) + strlen(to) + 1;
    char *edited = malloc(n);
    snprintf(edited, n, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
    uat_err rc = parse_json_text(edited);
    free(edited);
    free(text);
    json_decref(doc);
    uat_buf_free(&j);
    return rc;
}

static void test_json_negative(void **state)
{
    (void)state;
    assert_err(parse_json_text("[]"), UAT_ERR_PARSE_BAD_JSON);
    assert_err(parse_json_text("{}"), UAT_ERR_PARSE_BAD_JSON);
    assert_err(json_edit("\"version\":\"TEE.RA.1.0\",\"timestamp\":\"9223372036854775800\"",
                         "\"version\":\"TEE.RA.2.0\",\"timestamp\":\"9223372036854775800\""),
               UAT_ERR_PARSE_BAD_VALUE);
    assert_err(json_edit("\"scenario\":\"sce_no_as\",\"uuid\"", "\"scenario\":\"sce_x\",\"uuid\""),
               UAT_ERR_PARSE_BAD_VALUE);
    assert_err(json_edit("\"handler\":\"report-output\"", "\"handler\":\"report-output\",\"x\":1"),
               UAT_ERR_PARSE_BAD_JSON);
    assert_err(json_edit("\"uuid\":\"e08f7eca-", "\"uuid\":\"e08f7ecaX"), UAT_ERR_PARSE_BAD_VALUE);
    assert_err(json_edit("\"ta_attr\":\"\"", "\"ta_attr\":1"), UAT_ERR_PARSE_BAD_JSON);
    assert_err(json_edit("\"nonce\":\"QUJD", "\"nonce\":\"QUJDQUJD"), UAT_ERR_PARSE_BAD_LENGTH);
    assert_err(json_edit("\"ta_img\":\"Fa", "\"ta_img\":\"Fa+"), UAT_ERR_PARSE_BAD_ENCODING);
    assert_err(json_edit("\"kty\":\"RSA\"", "\"kty\":\"EC\""), UAT_ERR_PARSE_BAD_VALUE);
    /* the scenario names the member of report_sign / akcert */
    assert_err(json_edit("\"report_sign\":{\"sce_no_as\"", "\"report_sign\":{\"sce_as_no_daa\""),
               UAT_ERR_PARSE_BAD_JSON);
}

static void test_sniff(void **state)
{
    (void)state;
    uat_buf b = load(K1), j = load(J1);
    assert_true(uat_itrustee_sniff(uat_buf_span(&b)));
    assert_true(uat_itrustee_sniff(uat_buf_span(&j)));
    assert_false(uat_itrustee_sniff(uat_span_of("{\"a\":1}", 7)));
    assert_false(uat_itrustee_sniff(uat_span_of(b.p, 99)));
    json_t *f = json_object();
    assert_ok(uat_itrustee_inspect(uat_buf_span(&b), f));
    assert_string_equal(json_string_value(json_object_get(f, "uuid")),
                        "f68fd704-6eb1-4d14-b218-722850eb3ef0");
    json_decref(f);
    uat_buf_free(&b);
    uat_buf_free(&j);
}

/* ---- scenario 1: an AK certificate from a configured attestation-service CA ---------------- */

static uat_key *g_ak, *g_ca;
static uat_buf g_ca_der, g_ak_der;
static char g_trust[64];

static int setup_as(void **state)
{
    (void)state;
    static const uint8_t ca_true[] = {0x30, 0x03, 0x01, 0x01, 0xff};
    uat_x509_ext_spec bc = {"2.5.29.19", 1, uat_span_of(ca_true, sizeof(ca_true))};
    /* the library generates RSA-3072; iTrustee AKs are RSA-4096 */
    EVP_PKEY *pk = EVP_RSA_gen(4096);
    BIO *bio = BIO_new(BIO_s_mem());
    char *pem = NULL;
    if (pk == NULL || PEM_write_bio_PrivateKey(bio, pk, NULL, NULL, 0, NULL, NULL) != 1) {
        return -1;
    }
    long n = BIO_get_mem_data(bio, &pem);
    uat_err rc = uat_key_from_pem(uat_span_of(pem, (size_t)n), &g_ak);
    BIO_free(bio);
    EVP_PKEY_free(pk);
    if (rc != UAT_OK || uat_key_bits(g_ak) != 4096) {
        return -1;
    }
    uat_buf_init(&g_ca_der, 1 << 16);
    uat_buf_init(&g_ak_der, 1 << 16);
    if (uat_key_generate(UAT_KEY_EC_P256, &g_ca) != UAT_OK ||
        uat_x509_self_signed(g_ca, "test AS CA", AT - 86400, AT + 86400, &bc, 1, &g_ca_der) !=
            UAT_OK ||
        uat_x509_issue(g_ca, uat_buf_span(&g_ca_der), g_ak, "test AK", 0, AT - 3600, AT + 3600,
                       &g_ak_der) != UAT_OK) {
        return -1;
    }
    snprintf(g_trust, sizeof(g_trust), "/tmp/uat_itr_%d", (int)getpid());
    char path[128];
    mkdir(g_trust, 0700);
    snprintf(path, sizeof(path), "%s/itrustee", g_trust);
    mkdir(path, 0700);
    snprintf(path, sizeof(path), "%s/itrustee/as", g_trust);
    mkdir(path, 0700);
    snprintf(path, sizeof(path), "%s/itrustee/as/ca.der", g_trust);
    return uat_file_write_atomic(path, g_ca_der.p, g_ca_der.len, 0600) == UAT_OK ? 0 : -1;
}

static int teardown_as(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", g_trust);
    (void)system(cmd);
    uat_key_free(g_ak);
    uat_key_free(g_ca);
    uat_buf_free(&g_ca_der);
    uat_buf_free(&g_ak_der);
    return 0;
}

/* A binary scenario-1 report: SIGN_TYPE, HASH_TYPE, image, memory, SIGN_AK, CERT_AK (DER). */
static void build_bin_as(const char *nonce, uat_buf *out)
{
    uat_buf_init(out, 1 << 20);
    const uint32_t table = 100 + 6 * 12, sig_off = table + 64;
    uint8_t zero[64] = {0};
    memcpy(zero, nonce, strlen(nonce));
    assert_ok(uat_buf_put_u32le(out, 1));
    assert_ok(uat_buf_put_u64le(out, 7));
    assert_ok(uat_buf_append(out, zero, 64));
    assert_ok(uat_buf_append(out, "\x04\xd7\x8f\xf6\xb1\x6e\x14\x4d\xb2\x18\x72\x28\x50\xeb\x3e\xf0", 16));
    assert_ok(uat_buf_put_u32le(out, 1));
    assert_ok(uat_buf_put_u32le(out, 6));
    const uint32_t ints[2][2] = {{UAT_ITR_TAG_SIGN_TYPE, UAT_ITR_ALG_RSA_4096},
                                 {UAT_ITR_TAG_HASH_TYPE, UAT_ITR_ALG_SHA_256}};
    for (int i = 0; i < 2; i++) {
        assert_ok(uat_buf_put_u32le(out, ints[i][0]));
        assert_ok(uat_buf_put_u32le(out, ints[i][1]));
        assert_ok(uat_buf_put_u32le(out, 0));
    }
    const uint32_t blobs[4][3] = {{UAT_ITR_TAG_TA_IMG_HASH, 32, table},
                                  {UAT_ITR_TAG_TA_MEM_HASH, 32, table + 32},
                                  {UAT_ITR_TAG_SIGN_AK, 512, sig_off},
                                  {UAT_ITR_TAG_CERT_AK, (uint32_t)g_ak_der.len, sig_off + 512}};
    for (int i = 0; i < 4; i++) {
        for (int k = 0; k < 3; k++) {
            assert_ok(uat_buf_put_u32le(out, blobs[i][k]));
        }
    }
    memset(zero, 0xab, 64);
    assert_ok(uat_buf_append(out, zero, 64));
    uat_buf sig;
    uat_buf_init(&sig, 4096);
    assert_ok(uat_sig_sign(g_ak, UAT_SIG_PS256, uat_span_of(out->p, sig_off), &sig));
    assert_int_equal(sig.len, 512);
    assert_ok(uat_buf_append(out, sig.p, sig.len));
    assert_ok(uat_buf_append(out, g_ak_der.p, g_ak_der.len));
    uat_buf_free(&sig);
}

static uat_err verify_with(uat_span ev, const char *trust, const char *nonce, uat_time at)
{
    uat_verify_ctx ctx = {.trust_dir = trust, .at = at};
    ctx.nonce = uat_span_of(nonce, nonce ? strlen(nonce) : 0);
    uat_claims *c = NULL;
    uat_verify_out out;
    memset(&out, 0, sizeof(out));
    assert_ok(uat_claims_new("itrustee", &c));
    uat_err rc = uat_itrustee_verify(ev, &ctx, c, &out);
    uat_claims_free(c);
    return rc;
}

static void test_scenario1_bin(void **state)
{
    (void)state;
    if (g_ca == NULL) {
        skip();
    }
    uat_buf b;
    build_bin_as("challenge", &b);
    assert_ok(verify_with(uat_buf_span(&b), g_trust, "challenge", AT));
    assert_err(verify_with(uat_buf_span(&b), g_trust, "challengf", AT), UAT_ERR_VERIFY_BINDING);
    assert_err(verify_with(uat_buf_span(&b), g_trust, NULL, AT + 7200), UAT_ERR_VERIFY_EXPIRED);
    /* the Huawei folder alone holds no AS CA */
    assert_err(verify_with(uat_buf_span(&b), DIR "/trust", NULL, AT),
               UAT_ERR_USAGE_NO_TRUST_ANCHOR);
    b.p[180] ^= 1; /* inside the image hash */
    assert_err(verify_with(uat_buf_span(&b), g_trust, NULL, AT), UAT_ERR_VERIFY_SIGNATURE);
    uat_buf_free(&b);
}

static void test_scenario1_json(void **state)
{
    (void)state;
    if (g_ca == NULL) {
        skip();
    }
    json_t *p = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "version",
                          "TEE.RA.1.0", "timestamp", "12", "nonce", "Y2hhbGxlbmdl", "scenario",
                          "sce_as_no_daa", "uuid", "E08F7ECA-E875-440E-9AB0-5F381136C600",
                          "hash_alg", "HS256", "sign_alg", "PS256", "ta_mem",
                          "KlYpkZzjREFXd0GwwgLas3gJ60HB0DQfsn8sHlZ7SjE", "ta_img",
                          "FaOPRQvji8yNYvo1K8XDMDXXK2lkwiegprur8djeKgc", "ta_attr", "", "tcb", "");
    uat_buf signed_bytes, sig, sig64, pem, cert64;
    uat_buf_init(&signed_bytes, 1 << 20);
    uat_buf_init(&sig, 1 << 20);
    uat_buf_init(&sig64, 1 << 20);
    uat_buf_init(&pem, 1 << 20);
    uat_buf_init(&cert64, 1 << 20);
    assert_ok(uat_itr_signed_payload(p, &signed_bytes));
    assert_ok(uat_sig_sign(g_ak, UAT_SIG_PS256, uat_buf_span(&signed_bytes), &sig));
    assert_ok(uat_b64_encode(sig.p, sig.len, UAT_B64_URL, &sig64));
    assert_ok(uat_pem_encode("CERTIFICATE", uat_buf_span(&g_ak_der), &pem));
    assert_ok(uat_b64_encode(pem.p, pem.len, UAT_B64_URL, &cert64));
    json_t *doc = json_pack("{s:{s:s}, s:{s:s}, s:O, s:s}", "report_sign", "sce_as_no_daa",
                            (const char *)sig64.p, "akcert", "sce_as_no_daa",
                            (const char *)cert64.p, "payload", p, "handler", "report-output");
    char *text = json_dumps(doc, JSON_INDENT(3));
    assert_ok(verify_with(uat_span_of(text, strlen(text)), g_trust, "challenge", AT));
    assert_err(verify_with(uat_span_of(text, strlen(text)), g_trust, "challengf", AT),
               UAT_ERR_VERIFY_BINDING);
    free(text);
    /* a payload value changed after signing */
    json_object_set_new(p, "ta_attr", json_string("x"));
    text = json_dumps(doc, 0);
    assert_err(verify_with(uat_span_of(text, strlen(text)), g_trust, NULL, AT),
               UAT_ERR_VERIFY_SIGNATURE);
    free(text);
    json_decref(doc);
    json_decref(p);
    uat_buf_free(&signed_bytes);
    uat_buf_free(&sig);
    uat_buf_free(&sig64);
    uat_buf_free(&pem);
    uat_buf_free(&cert64);
}

/* ---- kunpengsecl baseline files ---------------------------------------------------------- */

static uat_err import(const char *text, json_t *docs)
{
    return uat_itrustee_refvals_import("kunpengsecl", uat_span_of(text, strlen(text)), docs);
}

static void test_refvals_import(void **state)
{
    (void)state;
    json_t *docs = json_array();
    const char *h = "bda93201babc6ee96b60edd6b4104c0a5b2ab66f22b3e82a0fbe121c955755b2";
    char line[512];
    assert_err(uat_itrustee_refvals_import("other", uat_span_of("", 0), docs),
               UAT_ERR_UNSUPPORTED_FEATURE);
    assert_err(import("", docs), UAT_ERR_PARSE_TRUNCATED);
    assert_err(import("f68fd704-6eb1-4d14-b218-722850eb3ef0 abc def\n", docs),
               UAT_ERR_PARSE_BAD_VALUE);
    snprintf(line, sizeof(line), "f68fd704-6eb1-4d14-b218-722850eb3ef0 %s %s extra\n", h, h);
    assert_err(import(line, docs), UAT_ERR_PARSE_BAD_VALUE);
    snprintf(line, sizeof(line), "f68fd7046eb14d14b218722850eb3ef0xxxx %s %s\n", h, h);
    assert_err(import(line, docs), UAT_ERR_PARSE_BAD_VALUE);
    json_array_clear(docs);
    /* first line of a UUID wins, as in kunpengsecl's LoadBaseValue; comments and blanks skipped */
    snprintf(line, sizeof(line),
             "# c\n\nF68FD704-6EB1-4D14-B218-722850EB3EF0 %s %s\r\n"
             "f68fd704-6eb1-4d14-b218-722850eb3ef0 %064d %064d\n",
             h, h, 0, 0);
    assert_ok(import(line, docs));
    assert_int_equal(json_array_size(docs), 1);
    json_t *v = json_object_get(json_array_get(docs, 0), "values");
    assert_string_equal(json_string_value(json_array_get(json_object_get(v, "measurement"), 0)), h);
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(v, "tee_claims.uuid"), 0)),
        "f68fd704-6eb1-4d14-b218-722850eb3ef0");
    json_decref(docs);
    /* the public entry point routes by format through the registry */
    char *out = NULL;
    assert_err(uat_refvals_import("nope", (const uint8_t *)"", 0, &out),
               UAT_ERR_UNSUPPORTED_FEATURE);
    assert_ok(uat_refvals_import("kunpengsecl", (const uint8_t *)line, strlen(line), &out));
    assert_non_null(strstr(out, "kunpengsecl:f68fd704"));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bin_negative),
        cmocka_unit_test(test_json_negative),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_cjson_print),
        cmocka_unit_test(test_sniff),
        cmocka_unit_test(test_refvals_import),
        cmocka_unit_test_setup_teardown(test_scenario1_bin, setup_as, teardown_as),
        cmocka_unit_test_setup_teardown(test_scenario1_json, setup_as, teardown_as),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
