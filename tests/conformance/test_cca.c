/* Conformance: the Arm CCA and Huawei virtCCA evidence of ../shared/corpus/arm-cca, with the
 * outcomes PROVENANCE.md states, at its pinned times:
 *   c1 (tag 399) and c3 (CMW tag 907): verify with the published TF-M test CPAK (PEM, and as the
 *     JWK Veraison's test uses), binding RAK -> platform challenge holds, realm challenge 0xAB x 64;
 *   v2 (virtCCA, legacy form): PS256 by the RAK, RAK == device certificate key, device certificate
 *     -> Huawei IT Product CA -> Huawei Equipment Root CA (valid 2025-03-04T21:25:17Z ..
 *     2040-02-29T21:25:17Z, pinned at 2026-06-01), CCEL replay = REM0..REM2, and the IMA log does
 *     not reproduce REM3 (VERIFY_MEASUREMENT naming REM3 and the first entry the token lacks).
 * Then: every byte of each token changed in turn (rejected), truncation at every offset (a named
 * PARSE error), wrong CPAK, wrong root, expired and not-yet-valid device certificate, wrong nonce. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/file.h"
#include "crypto/crypto.h"
#include "tee/virtcca/virtcca.h"
#include "uattest/uattest.h"

#define C UAT_CORPUS_DIR "/arm-cca"
#define C1 C "/c1-tfrmm-ccatoken-tag399"
#define C3 C "/c3-ccatoken-cmw-tag907"
#define V2 C "/v2-gta-virtcca-legacy"
#define VTRUST C "/virtcca-trust"

#define AT_V2 1780272000      /* 2026-06-01T00:00:00Z */
#define V2_NOT_BEFORE 1741123517 /* 2025-03-04T21:25:17Z */
#define V2_NOT_AFTER 2214163517  /* 2040-02-29T21:25:17Z */

static char g_dir[64];

#define assert_err(expr, want)                                                                     \
    do {                                                                                           \
        uat_err got_ = (expr);                                                                     \
        assert_string_equal(uat_err_name(got_), uat_err_name(want));                               \
    } while (0)
#define assert_ok(expr) assert_err((expr), UAT_OK)

static uat_buf read_file(const char *path)
{
    uat_buf b;
    uat_buf_init(&b, 1u << 20);
    assert_ok(uat_file_read(path, 1u << 20, &b));
    return b;
}

static uat_verifier *verifier(const char *trust, int64_t at)
{
    uat_verifier *v = NULL;
    assert_ok(uat_verifier_new(&v));
    assert_ok(uat_verifier_set_trust_dir(v, trust));
    uat_verifier_set_time(v, at);
    return v;
}

static uat_err verify(uat_verifier *v, uat_span ev, const uint8_t *rd, uat_claims **out)
{
    uat_claims *c = NULL;
    uat_err rc = uat_verify(v, ev.p, ev.len, rd, &c);
    if (out != NULL && rc == UAT_OK) {
        *out = c;
    } else {
        uat_claims_free(c);
    }
    return rc;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof(g_dir), "/tmp/uat-conf-cca-XXXXXX");
    return mkdtemp(g_dir) == NULL;
}

static int teardown(void **state)
{
    (void)state;
    nftw(g_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

/* A folder under g_dir holding name = bytes. */
static void put(const char *sub, const char *name, uat_span bytes, char *dir, size_t cap)
{
    char p[256];
    snprintf(dir, cap, "%s/%s", g_dir, sub);
    mkdir(dir, 0700);
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    assert_ok(uat_file_write_atomic(p, bytes.p, bytes.len, 0600));
}

/* ---- Arm CCA ---- */

static void check_arm_claims(uat_claims *c, int64_t tag)
{
    assert_string_equal(uat_claims_tee(c), "cca");
    char rd[129];
    memset(rd, 'a', 128);
    for (int i = 1; i < 128; i += 2) {
        rd[i] = 'b';
    }
    rd[128] = '\0';
    assert_string_equal(uat_claims_get_string(c, "report_data"), rd);
    assert_string_equal(uat_claims_get_string(c, "measurement"),
                        "0000000000000000000000000000000000000000000000000000000000000000");
    char *json = NULL;
    assert_ok(uat_claims_to_json(c, 0, &json));
    assert_non_null(strstr(json, "\"cca-platform-challenge\":\"b5973cb68baa9fc55558786b7ec67f69e40df5ba5aa921cd0c27f40587a011ea\""));
    assert_non_null(strstr(json, "\"cca-platform-implementation-id\":\"7f454c4602010100000000000000000003003e00010000005058000000000000\""));
    assert_non_null(strstr(json, "\"cca-platform-instance-id\":\"0107060504030201000f0e0d0c0b0a090817161514131211101f1e1d1c1b1a1918\""));
    assert_non_null(strstr(json, "\"cca-platform-lifecycle\":\"0x3003\""));
    assert_non_null(strstr(json, "\"lifecycle_state\":\"secured\""));
    assert_non_null(strstr(json, "\"cca-platform-profile\":\"http://arm.com/CCA-SSD/1.0.0\""));
    assert_non_null(strstr(json, "\"cca-platform-service-indicator\":\"whatever.com\""));
    assert_non_null(strstr(json, "\"version\":\"3.4.2\""));
    assert_non_null(strstr(json, "\"measurement-type\":\"M3\""));
    assert_non_null(strstr(json, "\"cca-realm-public-key\":\"0476f988"));
    assert_non_null(strstr(json, "\"cca-realm-personalization-value\":\"54686520717569636b2062726f776e20666f78"));
    char t[32];
    snprintf(t, sizeof(t), "\"collection_tag\":%lld", (long long)tag);
    assert_non_null(strstr(json, t));
    free(json);
}

static void arm_tokens_verify(void **state)
{
    (void)state;
    uint8_t rd[64];
    memset(rd, 0xab, sizeof(rd));
    const char *tokens[2] = {C1 "/cca_token.cbor", C3 "/cca_token.cbor"};
    for (int i = 0; i < 2; i++) {
        uat_buf b = read_file(tokens[i]);
        uat_verifier *v = verifier(C1, 1780272000);
        uat_claims *c = NULL;
        assert_ok(verify(v, uat_buf_span(&b), rd, &c));
        check_arm_claims(c, i == 0 ? 399 : 907);
        uat_claims_free(c);
        /* the challenge is the binding: another one is refused */
        rd[5] ^= 1;
        assert_err(verify(v, uat_buf_span(&b), rd, NULL), UAT_ERR_VERIFY_BINDING);
        rd[5] ^= 1;
        uat_verifier_free(v);
        uat_buf_free(&b);
    }
}

/* The CPAK as the JWK Veraison's test uses (testRMMCPAK): the same key, another format. */
static void arm_cpak_as_jwk(void **state)
{
    (void)state;
    uat_buf pem = read_file(C1 "/cpak_pub.pem"), jwk, tokb = read_file(C3 "/cca_token.cbor");
    uat_key *k = NULL;
    assert_ok(uat_key_from_pem(uat_buf_span(&pem), &k));
    uat_buf_init(&jwk, 4096);
    assert_ok(uat_key_public_jwk(k, &jwk));
    char dir[128];
    put("cpak-jwk", "cpak.jwk", uat_buf_span(&jwk), dir, sizeof(dir));
    uat_verifier *v = verifier(dir, 1780272000);
    assert_ok(verify(v, uat_buf_span(&tokb), NULL, NULL));
    uat_verifier_free(v);
    uat_key_free(k);
    uat_buf_free(&pem);
    uat_buf_free(&jwk);
    uat_buf_free(&tokb);
}

static void arm_wrong_cpak(void **state)
{
    (void)state;
    uat_key *k = NULL;
    uat_buf pem, tokb = read_file(C1 "/cca_token.cbor");
    assert_ok(uat_key_generate(UAT_KEY_EC_P384, &k));
    uat_buf_init(&pem, 4096);
    assert_ok(uat_key_public_pem(k, &pem));
    char dir[128];
    put("cpak-other", "cpak.pem", uat_buf_span(&pem), dir, sizeof(dir));
    uat_verifier *v = verifier(dir, 1780272000);
    assert_err(verify(v, uat_buf_span(&tokb), NULL, NULL), UAT_ERR_VERIFY_SIGNATURE);
    assert_string_equal(uat_last_error()->check, "cca.platform");
    uat_verifier_free(v);
    /* the Huawei roots are no CPAK */
    v = verifier(VTRUST, 1780272000);
    assert_err(verify(v, uat_buf_span(&tokb), NULL, NULL), UAT_ERR_VERIFY_UNTRUSTED_KEY);
    uat_verifier_free(v);
    uat_key_free(k);
    uat_buf_free(&pem);
    uat_buf_free(&tokb);
}

/* Every byte changed in turn, and every truncation. */
static void arm_mutations(void **state)
{
    (void)state;
    const char *tokens[2] = {C1 "/cca_token.cbor", C3 "/cca_token.cbor"};
    for (int t = 0; t < 2; t++) {
        uat_buf b = read_file(tokens[t]);
        uat_verifier *v = verifier(C1, 1780272000);
        assert_ok(verify(v, uat_buf_span(&b), NULL, NULL));
        for (size_t i = 0; i < b.len; i++) {
            b.p[i] ^= 0x01;
            uat_err e = verify(v, uat_buf_span(&b), NULL, NULL);
            if (e == UAT_OK) {
                fail_msg("%s: byte %zu changed, still verified", tokens[t], i);
            }
            b.p[i] ^= 0x01;
        }
        for (size_t n = 0; n < b.len; n++) {
            uat_err e = verify(v, uat_span_of(b.p, n), NULL, NULL);
            if (uat_err_category(e) != UAT_CAT_PARSE) {
                fail_msg("%s truncated to %zu bytes: %s", tokens[t], n, uat_err_name(e));
            }
        }
        uat_verifier_free(v);
        uat_buf_free(&b);
    }
}

/* ---- virtCCA ---- */

/* The v2 evidence rebuilt: the corpus token (or a changed one), device certificate and logs. */
static void v2_evidence(uat_span token, int ccel, int ima, uat_buf *out)
{
    uat_buf cert = read_file(V2 "/dev_cert.der"), cl = read_file(V2 "/ccel.bin"),
            il = read_file(V2 "/ima_ascii.txt");
    assert_ok(uat_virtcca_evidence_write(token, uat_buf_span(&cert),
                                         ccel ? uat_buf_span(&cl) : uat_span_of(NULL, 0),
                                         ima ? uat_buf_span(&il) : uat_span_of(NULL, 0), out));
    uat_buf_free(&cert);
    uat_buf_free(&cl);
    uat_buf_free(&il);
}

static void v2_ima_does_not_match(void **state)
{
    (void)state;
    uat_buf ev = read_file(V2 "/evidence.json");
    uat_verifier *v = verifier(VTRUST, AT_V2);
    assert_err(verify(v, uat_buf_span(&ev), NULL, NULL), UAT_ERR_VERIFY_MEASUREMENT);
    const uat_error_detail *d = uat_last_error();
    assert_string_equal(d->check, "virtcca.ima");
    assert_string_equal(d->field, "rem3");
    assert_int_equal(d->offset, 138); /* line 2 of ima_ascii.txt */
    assert_non_null(strstr(d->message, "entry 2"));
    assert_non_null(strstr(d->message, "/root/test.sh"));
    assert_non_null(strstr(d->message, "replay 894f884af1ee5ce4"));
    uat_verifier_free(v);
    uat_buf_free(&ev);
}

static void v2_token_verifies(void **state)
{
    (void)state;
    uat_buf tokb = read_file(V2 "/vcca_token.cbor"), ev;
    uat_buf_init(&ev, 1u << 20);
    v2_evidence(uat_buf_span(&tokb), 1, 0, &ev);
    uat_verifier *v = verifier(VTRUST, AT_V2);
    /* the 32-byte nonce GTA used, zero-padded to the 64-byte challenge */
    uint8_t rd[64] = {0};
    static const char nonce[] = "a0efa5f5c64ad1c8509eb8e8d1e44472da1c368b87c05423c89d6ed4d6dcf756";
    for (int i = 0; i < 32; i++) {
        unsigned x = 0;
        sscanf(nonce + 2 * i, "%2x", &x);
        rd[i] = (uint8_t)x;
    }
    uat_claims *c = NULL;
    assert_ok(verify(v, uat_buf_span(&ev), rd, &c));
    assert_string_equal(uat_claims_tee(c), "virtcca");
    assert_string_equal(uat_claims_get_string(c, "measurement"),
                        "b23d801b7a7d00e53dc636f918237a62f8a30df39f46db9af7cd213713a041d8");
    assert_string_equal(uat_claims_tee_field(c, "rem0"),
                        "e3579705477c2855a75f4127123fff3cd4f05a3b2442fda8829f95ea81ce308c");
    assert_string_equal(uat_claims_tee_field(c, "rem1"),
                        "646fdfc8b716bf958471a20378f178c472679216c911ddd0349cd74924eda7e9");
    assert_string_equal(uat_claims_tee_field(c, "rem2"),
                        "6cfeb56cd4309990fe30637f1621cdc71a87a041c5ca552683abe7a07290cd4b");
    char *json = NULL;
    assert_ok(uat_claims_to_json(c, 0, &json));
    assert_non_null(strstr(json, "\"rak_binding\":\"device-certificate\""));
    assert_non_null(strstr(json, "\"subject_cn\":\"D924B0157002\""));
    assert_non_null(strstr(json, "\"checked\":[\"rem0\",\"rem1\",\"rem2\"]"));
    assert_non_null(strstr(json, "\"events\":98"));
    assert_non_null(strstr(json, "\"ima\":{\"status\":\"no_log\"}"));
    assert_non_null(strstr(json, "\"valid_until\":\"2040-02-29T21:25:17Z\""));
    free(json);
    uat_claims_free(c);
    /* another nonce */
    rd[0] ^= 1;
    assert_err(verify(v, uat_buf_span(&ev), rd, NULL), UAT_ERR_VERIFY_BINDING);
    uat_verifier_free(v);
    /* the token alone with its certificate verifies too */
    ev.len = 0;
    v2_evidence(uat_buf_span(&tokb), 0, 0, &ev);
    v = verifier(VTRUST, AT_V2);
    assert_ok(verify(v, uat_buf_span(&ev), NULL, NULL));
    uat_verifier_free(v);
    uat_buf_free(&ev);
    uat_buf_free(&tokb);
}

static void v2_chain_and_time(void **state)
{
    (void)state;
    uat_buf ev = read_file(V2 "/evidence.json");
    /* before the device certificate's notBefore, after its notAfter */
    uat_verifier *v = verifier(VTRUST, V2_NOT_BEFORE - 1);
    assert_err(verify(v, uat_buf_span(&ev), NULL, NULL), UAT_ERR_VERIFY_EXPIRED);
    assert_string_equal(uat_last_error()->check, "virtcca.chain");
    uat_verifier_free(v);
    v = verifier(VTRUST, V2_NOT_AFTER + 1);
    assert_err(verify(v, uat_buf_span(&ev), NULL, NULL), UAT_ERR_VERIFY_EXPIRED);
    uat_verifier_free(v);
    /* the ECC roots only: not this device's chain */
    char dir[128];
    uat_buf ecc = read_file(VTRUST "/Huawei_ECC_Attestation_Root_CA_1.pem");
    put("ecc-only", "root.pem", uat_buf_span(&ecc), dir, sizeof(dir));
    v = verifier(dir, AT_V2);
    assert_err(verify(v, uat_buf_span(&ev), NULL, NULL), UAT_ERR_VERIFY_CHAIN);
    uat_verifier_free(v);
    /* the root without the IT Product CA: the chain cannot be built */
    uat_buf root = read_file(VTRUST "/Huawei_Equipment_Root_CA.pem");
    put("root-only", "root.pem", uat_buf_span(&root), dir, sizeof(dir));
    v = verifier(dir, AT_V2);
    assert_err(verify(v, uat_buf_span(&ev), NULL, NULL), UAT_ERR_VERIFY_CHAIN);
    uat_verifier_free(v);
    uat_buf_free(&ecc);
    uat_buf_free(&root);
    uat_buf_free(&ev);
}

/* A changed CCEL event: REM1 (MR index 2) no longer matches. */
static void v2_ccel_mismatch(void **state)
{
    (void)state;
    uat_buf tokb = read_file(V2 "/vcca_token.cbor"), cert = read_file(V2 "/dev_cert.der"),
            cl = read_file(V2 "/ccel.bin"), ev;
    uat_buf_init(&ev, 1u << 20);
    /* the last index-2 event's SHA-256 digest: find the EV_EFI_ACTION records of MR 2 */
    size_t hit = 0;
    for (size_t i = 0; i + 12 < cl.len; i++) {
        if (cl.p[i] == 2 && cl.p[i + 1] == 0 && cl.p[i + 2] == 0 && cl.p[i + 3] == 0 &&
            cl.p[i + 4] == 0x07 && cl.p[i + 5] == 0 && cl.p[i + 6] == 0 && cl.p[i + 7] == 0x80 &&
            cl.p[i + 8] == 1 && cl.p[i + 12] == 0x0b) {
            hit = i + 14; /* pcr, type, count 1, alg 0x000B, then the digest */
        }
    }
    assert_true(hit > 0);
    cl.p[hit] ^= 0xff;
    assert_ok(uat_virtcca_evidence_write(uat_buf_span(&tokb), uat_buf_span(&cert),
                                         uat_buf_span(&cl), uat_span_of(NULL, 0), &ev));
    uat_verifier *v = verifier(VTRUST, AT_V2);
    assert_err(verify(v, uat_buf_span(&ev), NULL, NULL), UAT_ERR_VERIFY_MEASUREMENT);
    assert_string_equal(uat_last_error()->check, "virtcca.ccel");
    assert_string_equal(uat_last_error()->field, "rem1");
    /* a changed event cannot be located from the final value: no prefix of the log gives it */
    assert_non_null(strstr(uat_last_error()->message, "no prefix gives the token's value"));
    uat_verifier_free(v);
    uat_buf_free(&tokb);
    uat_buf_free(&cert);
    uat_buf_free(&cl);
    uat_buf_free(&ev);
}

/* Every byte of the token changed in turn (byte 10, the COSE_Sign1 tag, included), every
 * truncation of the token, and the RIM byte PROVENANCE.md names. */
static void v2_mutations(void **state)
{
    (void)state;
    uat_buf tokb = read_file(V2 "/vcca_token.cbor"), ev;
    uat_buf_init(&ev, 1u << 20);
    uat_verifier *v = verifier(VTRUST, AT_V2);
    for (size_t i = 0; i < tokb.len; i++) {
        tokb.p[i] ^= 0x01;
        ev.len = 0;
        v2_evidence(uat_buf_span(&tokb), 0, 0, &ev);
        uat_err e = verify(v, uat_buf_span(&ev), NULL, NULL);
        if (e == UAT_OK) {
            fail_msg("vcca_token byte %zu changed, still verified", i);
        }
        if (i == 744) {
            assert_err(e, UAT_ERR_VERIFY_SIGNATURE);
            assert_string_equal(uat_last_error()->check, "virtcca.cvm");
        }
        if (i == 10) {
            assert_err(e, UAT_ERR_PARSE_BAD_VALUE);
            assert_string_equal(uat_last_error()->field, "tag");
        }
        tokb.p[i] ^= 0x01;
    }
    for (size_t n = 1; n < tokb.len; n++) {
        ev.len = 0;
        v2_evidence(uat_span_of(tokb.p, n), 0, 0, &ev);
        uat_err e = verify(v, uat_buf_span(&ev), NULL, NULL);
        if (uat_err_category(e) != UAT_CAT_PARSE) {
            fail_msg("vcca_token truncated to %zu bytes: %s", n, uat_err_name(e));
        }
    }
    uat_verifier_free(v);
    uat_buf_free(&ev);
    uat_buf_free(&tokb);
}

/* The device certificate truncated at every length, and with a changed byte in its signature. */
static void v2_device_certificate(void **state)
{
    (void)state;
    uat_buf tokb = read_file(V2 "/vcca_token.cbor"), cert = read_file(V2 "/dev_cert.der"), ev;
    uat_buf_init(&ev, 1u << 20);
    uat_verifier *v = verifier(VTRUST, AT_V2);
    for (size_t n = 1; n < cert.len; n++) {
        ev.len = 0;
        assert_ok(uat_virtcca_evidence_write(uat_buf_span(&tokb), uat_span_of(cert.p, n),
                                             uat_span_of(NULL, 0), uat_span_of(NULL, 0), &ev));
        uat_err e = verify(v, uat_buf_span(&ev), NULL, NULL);
        if (e != UAT_ERR_PARSE_BAD_CERT) {
            fail_msg("dev_cert truncated to %zu bytes: %s", n, uat_err_name(e));
        }
    }
    cert.p[cert.len - 5] ^= 0x01; /* inside the issuer's signature */
    ev.len = 0;
    assert_ok(uat_virtcca_evidence_write(uat_buf_span(&tokb), uat_buf_span(&cert),
                                         uat_span_of(NULL, 0), uat_span_of(NULL, 0), &ev));
    assert_err(verify(v, uat_buf_span(&ev), NULL, NULL), UAT_ERR_VERIFY_CHAIN);
    uat_verifier_free(v);
    uat_buf_free(&ev);
    uat_buf_free(&tokb);
    uat_buf_free(&cert);
}

static void v2_inspect(void **state)
{
    (void)state;
    uat_buf ev = read_file(V2 "/evidence.json");
    char *json = NULL;
    assert_ok(uat_inspect(ev.p, ev.len, &json));
    assert_non_null(strstr(json, "\"tee\": \"virtcca\""));
    assert_non_null(strstr(json, "\"cvm_alg\": \"PS256\""));
    free(json);
    uat_buf_free(&ev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(arm_wrong_cpak),
        cmocka_unit_test(arm_mutations),
        cmocka_unit_test(arm_tokens_verify),
        cmocka_unit_test(arm_cpak_as_jwk),
        cmocka_unit_test(v2_chain_and_time),
        cmocka_unit_test(v2_ccel_mismatch),
        cmocka_unit_test(v2_mutations),
        cmocka_unit_test(v2_device_certificate),
        cmocka_unit_test(v2_ima_does_not_match),
        cmocka_unit_test(v2_token_verifies),
        cmocka_unit_test(v2_inspect),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
