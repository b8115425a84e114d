/* Unit tests for the TPM 2.0 parsers (src/tee/tpm/evidence.c, marshal.c): the evidence map, the
 * TPM structures (TPMS_ATTEST, TPMT_PUBLIC, TPMT_SIGNATURE) and Names. Negative cases first.
 * Verification: test_tpm_verify.c; real TPM evidence: tests/conformance/test_tpm.c. */
#include "tpm_test.h"

#define P1 UAT_CORPUS_DIR "/tpm2/p1-goattestation-gcp-shielded-vm"
#define Q1 UAT_CORPUS_DIR "/tpm2/q1-lamps-tpm2-certify/tcgAttestTpmCertify"

/* ---- the evidence map: negative cases ----------------------------------------------------- */

static const uint8_t ATT[] = {1, 2, 3}, SIG[] = {4, 5}, PUB[] = {6};

/* {"attest": h'010203', "signature": h'0405', "ak_pub": h'06'} and then extra members. */
static uat_buf *map_head(size_t members)
{
    uat_buf *b = new_buf();
    cb_head(b, 5, 3 + members);
    cb_text(b, "attest");
    cb_bytes(b, ATT, sizeof(ATT));
    cb_text(b, "signature");
    cb_bytes(b, SIG, sizeof(SIG));
    cb_text(b, "ak_pub");
    cb_bytes(b, PUB, sizeof(PUB));
    return b;
}

static uat_err decode(const uat_buf *b)
{
    uat_tpm_evidence ev;
    return uat_tpm_evidence_decode(uat_buf_span(b), &ev);
}

static void test_evidence_shape(void **state)
{
    (void)state;
    uat_buf *b = new_buf();
    assert_fail(decode(b), UAT_ERR_PARSE_TRUNCATED, "tpm.evidence", "");
    cb_head(b, 4, 1); /* an array, not a map */
    assert_fail(decode(b), UAT_ERR_PARSE_BAD_CBOR, "tpm.evidence", "");

    b = map_head(1);
    cb_text(b, "attestation"); /* unknown member */
    cb_bytes(b, ATT, 1);
    assert_fail(decode(b), UAT_ERR_PARSE_BAD_CBOR, "tpm.evidence", "key");
    assert_non_null(strstr(uat_last_error()->message, "attestation"));

    b = map_head(1);
    cb_text(b, "attest"); /* duplicate member */
    cb_bytes(b, ATT, 1);
    assert_fail(decode(b), UAT_ERR_PARSE_BAD_CBOR, "tpm.evidence", "attest");
    assert_int_equal(uat_last_error()->offset, 34);

    b = new_buf(); /* attest as text */
    cb_head(b, 5, 1);
    cb_text(b, "attest");
    cb_text(b, "x");
    assert_fail(decode(b), UAT_ERR_PARSE_BAD_CBOR, "tpm.evidence", "attest");

    b = new_buf(); /* a member missing */
    cb_head(b, 5, 2);
    cb_text(b, "attest");
    cb_bytes(b, ATT, 1);
    cb_text(b, "signature");
    cb_bytes(b, SIG, 1);
    assert_fail(decode(b), UAT_ERR_PARSE_BAD_CBOR, "tpm.evidence", "ak_pub");

    b = map_head(0); /* trailing bytes */
    w8(b, 0);
    assert_err(decode(b), UAT_ERR_PARSE_TRAILING_BYTES);

    b = new_buf(); /* an indefinite-length map */
    w8(b, 0xbf);
    assert_fail(decode(b), UAT_ERR_PARSE_BAD_CBOR, "tpm.evidence", "");
    b = new_buf(); /* an indefinite-length byte string */
    cb_head(b, 5, 1);
    cb_text(b, "attest");
    w8(b, 0x5f);
    assert_fail(decode(b), UAT_ERR_PARSE_BAD_CBOR, "tpm.evidence", "attest");

    b = new_buf(); /* more members than exist */
    cb_head(b, 5, 11);
    assert_err(decode(b), UAT_ERR_RESOURCE_LIMIT);
    b = new_buf(); /* a count the input cannot hold */
    cb_head(b, 5, 3);
    cb_text(b, "attest");
    assert_err(decode(b), UAT_ERR_PARSE_TRUNCATED);
    b = new_buf(); /* a length the input cannot hold */
    cb_head(b, 5, 1);
    cb_text(b, "attest");
    cb_head(b, 2, 0xffffffffffull);
    assert_fail(decode(b), UAT_ERR_PARSE_TRUNCATED, "tpm.evidence", "attest");

    b = map_head(1); /* an empty optional member */
    cb_text(b, "event_log");
    cb_bytes(b, NULL, 0);
    assert_fail(decode(b), UAT_ERR_PARSE_BAD_LENGTH, "tpm.evidence", "event_log");
}

static void test_evidence_chain_and_pcrs(void **state)
{
    (void)state;
    uint8_t d32[32], d20[20];
    memset(d32, 0x33, sizeof(d32));
    memset(d20, 0x22, sizeof(d20));

    uat_buf *b = map_head(1);
    cb_text(b, "ak_chain");
    cb_head(b, 4, 5);
    for (int i = 0; i < 5; i++) {
        cb_bytes(b, ATT, 1);
    }
    assert_fail(decode(b), UAT_ERR_RESOURCE_LIMIT, "tpm.evidence", "ak_chain");
    b = map_head(1);
    cb_text(b, "ak_chain");
    cb_head(b, 4, 0);
    assert_fail(decode(b), UAT_ERR_PARSE_BAD_LENGTH, "tpm.evidence", "ak_chain");
    b = map_head(1);
    cb_text(b, "ak_chain");
    cb_head(b, 4, 2);
    cb_bytes(b, ATT, 1);
    cb_bytes(b, NULL, 0);
    assert_fail(decode(b), UAT_ERR_PARSE_BAD_LENGTH, "tpm.evidence", "ak_chain[1]");

    b = map_head(1); /* PCR index 24 */
    cb_text(b, "pcrs");
    cb_head(b, 5, 1);
    cb_head(b, 0, UAT_TPM_ALG_SHA256);
    cb_head(b, 5, 1);
    cb_head(b, 0, 24);
    cb_bytes(b, d32, 32);
    assert_fail(decode(b), UAT_ERR_PARSE_BAD_VALUE, "tpm.evidence", "pcrs[0x000b]");

    b = map_head(1); /* a SHA-1 value in the SHA-256 bank */
    cb_text(b, "pcrs");
    cb_head(b, 5, 1);
    cb_head(b, 0, UAT_TPM_ALG_SHA256);
    cb_head(b, 5, 1);
    cb_head(b, 0, 7);
    cb_bytes(b, d20, 20);
    assert_fail(decode(b), UAT_ERR_PARSE_BAD_LENGTH, "tpm.evidence", "pcrs[0x000b][7]");

    b = map_head(1); /* a bank that is not a hash */
    cb_text(b, "pcrs");
    cb_head(b, 5, 1);
    cb_head(b, 0, UAT_TPM_ALG_RSA);
    cb_head(b, 5, 1);
    cb_head(b, 0, 0);
    cb_bytes(b, d20, 20);
    assert_fail(decode(b), UAT_ERR_PARSE_BAD_VALUE, "tpm.evidence", "pcrs");

    b = map_head(1); /* the same bank twice */
    cb_text(b, "pcrs");
    cb_head(b, 5, 2);
    for (int k = 0; k < 2; k++) {
        cb_head(b, 0, UAT_TPM_ALG_SHA1);
        cb_head(b, 5, 1);
        cb_head(b, 0, 0);
        cb_bytes(b, d20, 20);
    }
    assert_fail(decode(b), UAT_ERR_PARSE_BAD_CBOR, "tpm.evidence", "pcrs");

    b = map_head(1); /* the same PCR twice */
    cb_text(b, "pcrs");
    cb_head(b, 5, 1);
    cb_head(b, 0, UAT_TPM_ALG_SHA1);
    cb_head(b, 5, 2);
    for (int k = 0; k < 2; k++) {
        cb_head(b, 0, 3);
        cb_bytes(b, d20, 20);
    }
    assert_fail(decode(b), UAT_ERR_PARSE_BAD_CBOR, "tpm.evidence", "pcrs[0x0004][3]");

    b = map_head(1); /* a negative PCR index */
    cb_text(b, "pcrs");
    cb_head(b, 5, 1);
    cb_head(b, 0, UAT_TPM_ALG_SHA1);
    cb_head(b, 5, 1);
    cb_head(b, 1, 0);
    cb_bytes(b, d20, 20);
    assert_fail(decode(b), UAT_ERR_PARSE_BAD_CBOR, "tpm.evidence", "pcrs[0x0004]");
}

static void test_evidence_truncation(void **state)
{
    (void)state;
    tpm_case c = case_quote(UAT_KEY_EC_P256);
    case_build(&c);
    uat_span ev = uat_buf_span(c.evidence);
    uat_tpm_evidence d;
    for (size_t n = 0; n < ev.len; n++) {
        uat_err e = uat_tpm_evidence_decode(uat_span_of(ev.p, n), &d);
        assert_true(e == UAT_ERR_PARSE_TRUNCATED);
    }
    assert_ok(uat_tpm_evidence_decode(ev, &d));
}

/* ---- the evidence map: positive cases ----------------------------------------------------- */

static void test_evidence_roundtrip(void **state)
{
    (void)state;
    uint8_t d[4][UAT_HASH_MAX];
    memset(d, 0x5a, sizeof(d));
    uat_tpm_evidence ev;
    memset(&ev, 0, sizeof(ev));
    ev.attest = uat_span_of(ATT, sizeof(ATT));
    ev.signature = uat_span_of(SIG, sizeof(SIG));
    ev.ak_pub = uat_span_of(PUB, sizeof(PUB));
    ev.nchain = 2;
    ev.chain[0] = uat_span_of(ATT, 2);
    ev.chain[1] = uat_span_of(SIG, 1);
    /* banks out of order: encoding sorts them */
    ev.nbanks = 2;
    ev.bank_alg[0] = UAT_TPM_ALG_SHA256;
    ev.present[0] = (1u << 23) | 1u;
    ev.pcr[0][0] = uat_span_of(d[0], 32);
    ev.pcr[0][23] = uat_span_of(d[1], 32);
    ev.bank_alg[1] = UAT_TPM_ALG_SHA1;
    ev.present[1] = 1u << 10;
    ev.pcr[1][10] = uat_span_of(d[2], 20);
    ev.event_log = uat_span_of(ATT, 1);
    ev.ima_log = uat_span_of(SIG, 2);
    ev.certified_pub = uat_span_of(PUB, 1);
    ev.ek_cert = uat_span_of(ATT, 3);
    ev.ek_pub = uat_span_of(PUB, 1);
    uat_buf *a = new_buf(), *b = new_buf();
    assert_ok(uat_tpm_evidence_encode(&ev, a));
    assert_true(uat_tpm_sniff(uat_buf_span(a)));

    uat_tpm_evidence back;
    assert_ok(uat_tpm_evidence_decode(uat_buf_span(a), &back));
    assert_int_equal(back.nbanks, 2);
    assert_int_equal(back.bank_alg[0], UAT_TPM_ALG_SHA1); /* ascending TPM_ALG_ID */
    assert_int_equal(back.present[0], 1u << 10);
    assert_int_equal(back.present[1], (1u << 23) | 1u);
    assert_int_equal(back.nchain, 2);
    assert_int_equal(back.ek_cert.len, 3);
    assert_memory_equal(back.pcr[1][23].p, d[1], 32);
    assert_ok(uat_tpm_evidence_encode(&back, b));
    assert_int_equal(a->len, b->len);
    assert_memory_equal(a->p, b->p, a->len); /* deterministic */

    /* the canonical order of tpm.h: attest first, ek_pub last */
    assert_int_equal(a->p[0], 0xaa); /* a map of 10 */
    assert_memory_equal(a->p + 1, "\x66" "attest", 7);
    assert_memory_equal(a->p + a->len - 9, "\x66" "ek_pub\x41\x06", 9);

    /* what does not decode is not encoded */
    ev.pcr[1][10] = uat_span_of(d[2], 32);
    assert_err(uat_tpm_evidence_encode(&ev, b), UAT_ERR_USAGE_INVALID_ARGUMENT);
    ev.pcr[1][10] = uat_span_of(d[2], 20);
    ev.attest.len = 0;
    assert_err(uat_tpm_evidence_encode(&ev, b), UAT_ERR_USAGE_INVALID_ARGUMENT);
    ev.attest.len = 3;
    ev.nchain = 5;
    assert_err(uat_tpm_evidence_encode(&ev, b), UAT_ERR_RESOURCE_LIMIT);
}

static void test_sniff(void **state)
{
    (void)state;
    uat_buf *b = map_head(0);
    assert_true(uat_tpm_sniff(uat_buf_span(b)));
    b = new_buf(); /* a CMW collection with a member named "attest" */
    cb_head(b, 5, 1);
    cb_text(b, "attest");
    cb_head(b, 4, 2);
    assert_false(uat_tpm_sniff(uat_buf_span(b)));
    b = new_buf();
    cb_head(b, 5, 1);
    cb_text(b, "nonce");
    cb_bytes(b, ATT, 3);
    assert_false(uat_tpm_sniff(uat_buf_span(b)));
    assert_false(uat_tpm_sniff(uat_span_of(ATT, 0)));
    assert_false(uat_tpm_sniff(uat_span_of("\xa1\x66" "att", 5)));
}

/* ---- the Trustee JSON form (trustee.c) ----------------------------------------------------- */

#define PCR_A "0000000000000000000000000000000000000000000000000000000000000000"
#define PCR_B "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
/* message h'010203', signature h'0405', ak_public h'3006' (DER: an SPKI), PCRs 0 and 1 */
#define TRUSTEE_OK                                                                                 \
    "{\"report_data\":\"AQID\",\"tpm_quote\":{\"signature\":\"BAU=\",\"message\":\"AQID\","       \
    "\"pcrs\":[\"" PCR_A "\",\"" PCR_B "\"]},\"ak_public\":\"MAY=\"}"

static uat_err trustee(const char *text)
{
    uat_tpm_evidence ev;
    uat_buf store;
    uat_err rc = uat_tpm_evidence_read(uat_span_of(text, strlen(text)), &ev, &store);
    uat_buf_free(&store);
    return rc;
}

static void test_trustee_negative(void **state)
{
    (void)state;
    assert_fail(trustee("{\"tpm_quote\":{},\"ak_public\":"), UAT_ERR_PARSE_BAD_JSON, "tpm.trustee",
                "evidence");
    assert_fail(trustee("{\"ak_public\":\"MAY=\",\"tpm_quote\":1}"), UAT_ERR_PARSE_BAD_JSON,
                "tpm.trustee", "tpm_quote");
    assert_fail(trustee("{\"ak_public\":\"MAY=\",\"tpm_quote\":{\"signature\":\"BAU=\","
                        "\"pcrs\":[\"" PCR_A "\"]}}"),
                UAT_ERR_PARSE_BAD_JSON, "tpm.trustee", "tpm_quote.message");
    /* without "ak_public" it is not sniffed as this form (az-snp-vtpm JSON has a "tpm_quote") */
    const char *no_ak = "{\"tpm_quote\":{\"signature\":\"BAU=\",\"message\":\"AQID\","
                        "\"pcrs\":[\"" PCR_A "\"]}}";
    assert_false(uat_tpm_sniff(uat_span_of(no_ak, strlen(no_ak))));
    uat_tpm_evidence ev;
    uat_buf store;
    assert_fail(uat_tpm_trustee_decode(uat_span_of(no_ak, strlen(no_ak)), &ev, &store),
                UAT_ERR_PARSE_BAD_JSON, "tpm.trustee", "ak_public");
    assert_fail(trustee("{\"ak_public\":\"MAY=\",\"tpm_quote\":{\"signature\":\"BAU=\","
                        "\"message\":\"AQID\"}}"),
                UAT_ERR_PARSE_BAD_JSON, "tpm.trustee", "tpm_quote.pcrs");
    assert_fail(trustee("{\"ak_public\":7,\"tpm_quote\":{\"signature\":\"BAU=\","
                        "\"message\":\"AQID\",\"pcrs\":[\"" PCR_A "\"]}}"),
                UAT_ERR_PARSE_BAD_JSON, "tpm.trustee", "ak_public");
    /* base64 must be standard and padded; hex must be 32 bytes per PCR */
    assert_fail(trustee("{\"ak_public\":\"MAY\",\"tpm_quote\":{\"signature\":\"BAU=\","
                        "\"message\":\"AQID\",\"pcrs\":[\"" PCR_A "\"]}}"),
                UAT_ERR_PARSE_BAD_ENCODING, "tpm.trustee", "ak_public");
    assert_fail(trustee("{\"ak_public\":\"MAY=\",\"tpm_quote\":{\"signature\":\"BA_=\","
                        "\"message\":\"AQID\",\"pcrs\":[\"" PCR_A "\"]}}"),
                UAT_ERR_PARSE_BAD_ENCODING, "tpm.trustee", "tpm_quote.signature");
    assert_fail(trustee("{\"ak_public\":\"MAY=\",\"tpm_quote\":{\"signature\":\"BAU=\","
                        "\"message\":\"\",\"pcrs\":[\"" PCR_A "\"]}}"),
                UAT_ERR_PARSE_BAD_ENCODING, "tpm.trustee", "tpm_quote.message");
    assert_fail(trustee("{\"ak_public\":\"MAY=\",\"tpm_quote\":{\"signature\":\"BAU=\","
                        "\"message\":\"AQID\",\"pcrs\":[\"00\"]}}"),
                UAT_ERR_PARSE_BAD_ENCODING, "tpm.trustee", "tpm_quote.pcrs");
    assert_fail(trustee("{\"ak_public\":\"MAY=\",\"tpm_quote\":{\"signature\":\"BAU=\","
                        "\"message\":\"AQID\",\"pcrs\":[\"" PCR_A "\",\"zz" PCR_A "\"]}}"),
                UAT_ERR_PARSE_BAD_ENCODING, "tpm.trustee", "tpm_quote.pcrs");
    assert_fail(trustee("{\"ak_public\":\"MAY=\",\"tpm_quote\":{\"signature\":\"BAU=\","
                        "\"message\":\"AQID\",\"pcrs\":[]}}"),
                UAT_ERR_PARSE_BAD_LENGTH, "tpm.trustee", "tpm_quote.pcrs");
    /* unknown and duplicate members */
    assert_fail(trustee("{\"ak_public\":\"MAY=\",\"event_log\":\"\",\"tpm_quote\":{\"signature\":"
                        "\"BAU=\",\"message\":\"AQID\",\"pcrs\":[\"" PCR_A "\"]}}"),
                UAT_ERR_PARSE_BAD_JSON, "tpm.trustee", "evidence");
    assert_fail(trustee("{\"ak_public\":\"MAY=\",\"tpm_quote\":{\"signature\":\"BAU=\",\"alg\":1,"
                        "\"message\":\"AQID\",\"pcrs\":[\"" PCR_A "\"]}}"),
                UAT_ERR_PARSE_BAD_JSON, "tpm.trustee", "tpm_quote");
    assert_fail(trustee("{\"ak_public\":\"MAY=\",\"ak_public\":\"MAY=\",\"tpm_quote\":{}}"),
                UAT_ERR_PARSE_BAD_JSON, "tpm.trustee", "evidence");
    /* 25 PCRs: the bank has 24 */
    char many[2048] = "{\"ak_public\":\"MAY=\",\"tpm_quote\":{\"signature\":\"BAU=\",\"message\":"
                      "\"AQID\",\"pcrs\":[";
    for (int i = 0; i < 25; i++) {
        strcat(many, i ? ",\"" PCR_A "\"" : "\"" PCR_A "\"");
    }
    strcat(many, "]}}");
    assert_fail(trustee(many), UAT_ERR_PARSE_BAD_LENGTH, "tpm.trustee", "tpm_quote.pcrs");
    /* every cut of a good document is an error, never a crash */
    const char *ok = TRUSTEE_OK;
    char cut[sizeof(TRUSTEE_OK)];
    for (size_t n = 0; n + 1 < sizeof(TRUSTEE_OK); n++) {
        memcpy(cut, ok, n);
        cut[n] = 0;
        assert_int_not_equal(trustee(cut), UAT_OK);
    }
}

static void test_trustee_decode(void **state)
{
    (void)state;
    const char *t = TRUSTEE_OK;
    uat_span in = uat_span_of(t, strlen(t));
    assert_true(uat_tpm_sniff(in));
    assert_true(uat_tpm_trustee_sniff(in));
    assert_false(uat_tpm_trustee_sniff(uat_span_of("[\"tpm_quote\",\"ak_public\"]", 25)));
    assert_false(uat_tpm_trustee_sniff(uat_span_of("{\"quote\":1,\"ak_pubkey\":2}", 25)));
    uat_tpm_evidence ev;
    uat_buf store;
    assert_int_equal(uat_tpm_evidence_read(in, &ev, &store), UAT_OK);
    assert_int_equal(ev.attest.len, 3);
    assert_memory_equal(ev.attest.p, ATT, 3);
    assert_int_equal(ev.signature.len, 2);
    assert_memory_equal(ev.signature.p, SIG, 2);
    assert_int_equal(ev.ak_spki.len, 2); /* starts with a SEQUENCE: an SPKI, not a TPMT_PUBLIC */
    assert_int_equal(ev.ak_pub.len, 0);
    assert_int_equal(ev.report_data.len, 3);
    assert_int_equal(ev.nbanks, 1);
    assert_int_equal(ev.bank_alg[0], UAT_TPM_ALG_SHA256);
    assert_int_equal(ev.present[0], 3u);
    assert_int_equal(ev.pcr[0][1].len, 32);
    assert_int_equal(ev.pcr[0][1].p[31], 0xff);
    assert_int_equal(ev.pcr[0][0].p[0], 0);
    uat_buf_free(&store);
    /* a TPMT_PUBLIC (TPM_ALG_RSA first) is the ak_pub */
    const char *t2 = "{\"tpm_quote\":{\"signature\":\"BAU=\",\"message\":\"AQID\","
                     "\"pcrs\":[\"" PCR_A "\"]},\"ak_public\":\"AAE=\"}";
    assert_int_equal(uat_tpm_evidence_read(uat_span_of(t2, strlen(t2)), &ev, &store), UAT_OK);
    assert_int_equal(ev.ak_pub.len, 2);
    assert_int_equal(ev.ak_spki.len, 0);
    assert_int_equal(ev.report_data.len, 0);
    uat_buf_free(&store);
}

/* ---- TPMS_ATTEST -------------------------------------------------------------------------- */

static void test_attest_truncation(void **state)
{
    (void)state;
    const char *files[] = {P1 "/quote.tpms_attest", Q1 ".TPMS_ATTEST.bin",
                           UAT_CORPUS_DIR "/tpm2/p2-trustee-azure-snp-vtpm/quote.tpms_attest"};
    for (size_t f = 0; f < 3; f++) {
        uat_buf *b = load(files[f]);
        uat_tpm_attest a;
        for (size_t n = 0; n < b->len; n++) {
            assert_fail(uat_tpm_parse_attest(uat_span_of(b->p, n), &a), UAT_ERR_PARSE_TRUNCATED,
                        "tpm.attest", uat_last_error()->field);
            assert_true(uat_last_error()->offset <= (int64_t)n);
        }
        assert_ok(uat_tpm_parse_attest(uat_buf_span(b), &a));
        w8(b, 0);
        assert_fail(uat_tpm_parse_attest(uat_buf_span(b), &a), UAT_ERR_PARSE_TRAILING_BYTES,
                    "tpm.attest", "");
        assert_int_equal(uat_last_error()->offset, b->len - 1);
    }
}

static void test_attest_values(void **state)
{
    (void)state;
    uat_buf *b = load(P1 "/quote.tpms_attest");
    uat_tpm_attest a;
    uat_buf *x;

    x = copy_of(uat_buf_span(b));
    x->p[3] ^= 1;
    assert_fail(uat_tpm_parse_attest(uat_buf_span(x), &a), UAT_ERR_PARSE_BAD_MAGIC, "tpm.attest",
                "magic");
    assert_int_equal(uat_last_error()->offset, 0);
    const uint16_t types[] = {0x8014, 0x8015, 0x8016, 0x8019, 0x801a, 0x801c, 0x0000};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        x = copy_of(uat_buf_span(b));
        x->p[4] = (uint8_t)(types[i] >> 8);
        x->p[5] = (uint8_t)types[i];
        assert_fail(uat_tpm_parse_attest(uat_buf_span(x), &a), UAT_ERR_PARSE_BAD_VALUE,
                    "tpm.attest", "type");
        assert_int_equal(uat_last_error()->offset, 4);
    }
    /* p1: qualifiedSigner 0x22 bytes at 6, extraData size at 0x2a, clockInfo at 0x2c */
    x = copy_of(uat_buf_span(b));
    x->p[0x2c + 16] = 2; /* safe */
    assert_fail(uat_tpm_parse_attest(uat_buf_span(x), &a), UAT_ERR_PARSE_BAD_VALUE, "tpm.attest",
                "clockInfo.safe");
    assert_int_equal(uat_last_error()->offset, 0x3c);
    x = copy_of(uat_buf_span(b));
    x->p[7] = 0x21; /* a Name of 33 bytes cannot be a SHA-256 Name */
    assert_fail(uat_tpm_parse_attest(uat_buf_span(x), &a), UAT_ERR_PARSE_BAD_LENGTH, "tpm.attest",
                "qualifiedSigner");
    assert_int_equal(uat_last_error()->offset, 8);
    x = copy_of(uat_buf_span(b));
    x->p[8] = 0x00; /* qualifiedSigner's nameAlg 0x000b -> 0x0010 (NULL) */
    x->p[9] = 0x10;
    assert_fail(uat_tpm_parse_attest(uat_buf_span(x), &a), UAT_ERR_PARSE_BAD_VALUE, "tpm.attest",
                "qualifiedSigner");
    x = copy_of(uat_buf_span(b));
    x->p[0x2a] = 0x01; /* extraData of 0x100 bytes */
    assert_fail(uat_tpm_parse_attest(uat_buf_span(x), &a), UAT_ERR_PARSE_BAD_LENGTH, "tpm.attest",
                "extraData");
    /* the selection at 0x45: count 1, hash 0x0004, sizeofSelect 3, ff ff ff; pcrDigest at 0x4f */
    x = copy_of(uat_buf_span(b));
    x->p[0x48] = 5;
    assert_fail(uat_tpm_parse_attest(uat_buf_span(x), &a), UAT_ERR_PARSE_BAD_LENGTH, "tpm.attest",
                "pcrSelect.count");
    x = copy_of(uat_buf_span(b));
    x->p[0x4b] = 4;
    assert_fail(uat_tpm_parse_attest(uat_buf_span(x), &a), UAT_ERR_PARSE_BAD_LENGTH, "tpm.attest",
                "pcrSelect.pcrSelections[0].sizeofSelect");
    x = copy_of(uat_buf_span(b));
    x->p[0x4a] = 0x10; /* hash NULL */
    assert_fail(uat_tpm_parse_attest(uat_buf_span(x), &a), UAT_ERR_PARSE_BAD_VALUE, "tpm.attest",
                "pcrSelect.pcrSelections[0].hash");
    x = copy_of(uat_buf_span(b));
    x->p[0x4f] = 0x00;
    x->p[0x50] = 0x41; /* pcrDigest of 65 bytes */
    assert_fail(uat_tpm_parse_attest(uat_buf_span(x), &a), UAT_ERR_PARSE_BAD_LENGTH, "tpm.attest",
                "pcrDigest");

    /* two banks, the same hash twice */
    uat_buf *y = new_buf();
    wbytes(y, b->p, 0x45);
    w32(y, 2);
    for (int k = 0; k < 2; k++) {
        w16(y, UAT_TPM_ALG_SHA1);
        w8(y, 1);
        w8(y, 0xff);
    }
    w2b(y, b->p + 0x51, 20);
    assert_fail(uat_tpm_parse_attest(uat_buf_span(y), &a), UAT_ERR_PARSE_BAD_VALUE, "tpm.attest",
                "pcrSelect.pcrSelections[1].hash");
}

static void test_attest_corpus(void **state)
{
    (void)state;
    uat_tpm_attest a;
    assert_ok(uat_tpm_parse_attest(uat_buf_span(load(P1 "/quote.tpms_attest")), &a));
    /* ../shared/corpus/tpm2/PROVENANCE.md */
    assert_int_equal(a.type, UAT_TPM_ST_ATTEST_QUOTE);
    assert_int_equal(a.qualified_signer_len, 34);
    assert_hex(a.qualified_signer, 4, "000bad42");
    assert_int_equal(a.extra_data_len, 0);
    assert_true(a.clock == 10257171);
    assert_int_equal(a.reset_count, 1045281252);
    assert_int_equal(a.restart_count, 822490842);
    assert_int_equal(a.safe, 1);
    assert_true(a.firmware_version == 0x41e4356df966e035ull);
    assert_int_equal(a.nsel, 1);
    assert_int_equal(a.sel[0].hash, UAT_TPM_ALG_SHA1);
    assert_int_equal(a.sel[0].mask, 0xffffff);
    assert_hex(a.pcr_digest, a.pcr_digest_len, "a610f27bc687ce906243287d832706036e79f6e1");

    assert_ok(uat_tpm_parse_attest(uat_buf_span(load(Q1 ".TPMS_ATTEST.bin")), &a));
    assert_int_equal(a.type, UAT_TPM_ST_ATTEST_CERTIFY);
    assert_hex(a.extra_data, a.extra_data_len, "00ff55aa");
    assert_hex(a.name, a.name_len,
               "000b46c3ee11b5ad3c0f9c5e21d5cfacdd9ba0df3985fcbabad15af2d60281245bc3");
    assert_int_equal(a.qualified_name_len, 34);
}

/* ---- TPMT_PUBLIC -------------------------------------------------------------------------- */

static void test_public_truncation(void **state)
{
    (void)state;
    const char *files[] = {P1 "/ak_public.tpmt", Q1 ".TPMT_PUBLIC.bin"};
    for (size_t f = 0; f < 2; f++) {
        uat_buf *b = load(files[f]);
        uat_tpm_public p;
        for (size_t n = 0; n < b->len; n++) {
            assert_err(uat_tpm_parse_public(uat_span_of(b->p, n), &p), UAT_ERR_PARSE_TRUNCATED);
            assert_string_equal(uat_last_error()->check, "tpm.public");
        }
        assert_ok(uat_tpm_parse_public(uat_buf_span(b), &p));
        w8(b, 0);
        assert_err(uat_tpm_parse_public(uat_buf_span(b), &p), UAT_ERR_PARSE_TRAILING_BYTES);
    }
}

/* An RSA TPMT_PUBLIC with the given parameters and a zero modulus of keyBits / 8 bytes. */
static uat_buf *rsa_public(uint32_t attrs, const uint16_t *sym, size_t nsym, const uint16_t *scheme,
                           size_t nscheme, uint16_t bits, size_t modulus_len)
{
    uint8_t n[520];
    memset(n, 0xc3, sizeof(n));
    assert_true(modulus_len <= sizeof(n));
    uat_buf *b = new_buf();
    w16(b, UAT_TPM_ALG_RSA);
    w16(b, UAT_TPM_ALG_SHA256);
    w32(b, attrs);
    w2b(b, NULL, 0);
    for (size_t i = 0; i < nsym; i++) {
        w16(b, sym[i]);
    }
    for (size_t i = 0; i < nscheme; i++) {
        w16(b, scheme[i]);
    }
    w16(b, bits);
    w32(b, 0);
    w2b(b, n, modulus_len);
    return b;
}

static uat_buf *ecc_public(const uint16_t *scheme, size_t nscheme, uint16_t curve,
                           const uint16_t *kdf, size_t nkdf, size_t coord)
{
    uint8_t x[80];
    memset(x, 0x42, sizeof(x));
    uat_buf *b = new_buf();
    w16(b, UAT_TPM_ALG_ECC);
    w16(b, UAT_TPM_ALG_SHA384);
    w32(b, AK_ATTRS);
    w2b(b, x, 48);
    w16(b, UAT_TPM_ALG_NULL);
    for (size_t i = 0; i < nscheme; i++) {
        w16(b, scheme[i]);
    }
    w16(b, curve);
    for (size_t i = 0; i < nkdf; i++) {
        w16(b, kdf[i]);
    }
    w2b(b, x, coord);
    w2b(b, x, coord);
    return b;
}

static void test_public_values(void **state)
{
    (void)state;
    uat_tpm_public p;
    const uint16_t null1[] = {UAT_TPM_ALG_NULL};
    const uint16_t rsassa[] = {UAT_TPM_ALG_RSASSA, UAT_TPM_ALG_SHA256};
#define PUB_FAILS(buf, err, field)                                                                 \
    assert_fail(uat_tpm_parse_public(uat_buf_span(buf), &p), err, "tpm.public", field)
    uat_buf *b = load(P1 "/ak_public.tpmt");
    uat_buf *x = copy_of(uat_buf_span(b));
    x->p[1] = 0x08; /* KEYEDHASH */
    PUB_FAILS(x, UAT_ERR_PARSE_BAD_VALUE, "type");
    x = copy_of(uat_buf_span(b));
    x->p[1] = 0x25; /* SYMCIPHER */
    PUB_FAILS(x, UAT_ERR_PARSE_BAD_VALUE, "type");
    x = copy_of(uat_buf_span(b));
    x->p[3] = 0x10; /* nameAlg NULL */
    PUB_FAILS(x, UAT_ERR_PARSE_BAD_VALUE, "nameAlg");
    x = copy_of(uat_buf_span(b));
    x->p[3] = 0x27; /* nameAlg SHA3-256 */
    PUB_FAILS(x, UAT_ERR_UNSUPPORTED_ALGORITHM, "nameAlg");
    const uint32_t reserved[] = {1u << 0, 1u << 3, 1u << 8, 1u << 9, 1u << 12, 1u << 15, 1u << 20,
                                 1u << 31};
    for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
        x = rsa_public(AK_ATTRS | reserved[i], null1, 1, rsassa, 2, 2048, 256);
        PUB_FAILS(x, UAT_ERR_PARSE_RESERVED_NONZERO, "objectAttributes");
        assert_int_equal(uat_last_error()->offset, 4);
    }
    x = copy_of(uat_buf_span(b));
    x->p[9] = 0x41; /* authPolicy of 65 bytes */
    PUB_FAILS(x, UAT_ERR_PARSE_BAD_LENGTH, "authPolicy");

    const uint16_t aes_bad_bits[] = {UAT_TPM_ALG_AES, 100, UAT_TPM_ALG_CFB};
    x = rsa_public(0x00030072, aes_bad_bits, 3, null1, 1, 2048, 256);
    PUB_FAILS(x, UAT_ERR_PARSE_BAD_VALUE, "parameters.symmetric.keyBits");
    const uint16_t sm4_256[] = {UAT_TPM_ALG_SM4, 256, UAT_TPM_ALG_CFB};
    x = rsa_public(0x00030072, sm4_256, 3, null1, 1, 2048, 256);
    PUB_FAILS(x, UAT_ERR_PARSE_BAD_VALUE, "parameters.symmetric.keyBits");
    const uint16_t xor_sym[] = {UAT_TPM_ALG_XOR, UAT_TPM_ALG_SHA256};
    x = rsa_public(0x00030072, xor_sym, 2, null1, 1, 2048, 256);
    PUB_FAILS(x, UAT_ERR_PARSE_BAD_VALUE, "parameters.symmetric.algorithm");
    const uint16_t aes_bad_mode[] = {UAT_TPM_ALG_AES, 128, UAT_TPM_ALG_SHA256};
    x = rsa_public(0x00030072, aes_bad_mode, 3, null1, 1, 2048, 256);
    PUB_FAILS(x, UAT_ERR_PARSE_BAD_VALUE, "parameters.symmetric.mode");
    const uint16_t ecdsa_on_rsa[] = {UAT_TPM_ALG_ECDSA, UAT_TPM_ALG_SHA256};
    x = rsa_public(AK_ATTRS, null1, 1, ecdsa_on_rsa, 2, 2048, 256);
    PUB_FAILS(x, UAT_ERR_PARSE_BAD_VALUE, "parameters.scheme.scheme");
    const uint16_t rsassa_null[] = {UAT_TPM_ALG_RSASSA, UAT_TPM_ALG_NULL};
    x = rsa_public(AK_ATTRS, null1, 1, rsassa_null, 2, 2048, 256);
    PUB_FAILS(x, UAT_ERR_PARSE_BAD_VALUE, "parameters.scheme.details.hashAlg");
    x = rsa_public(AK_ATTRS, null1, 1, rsassa, 2, 2000, 250);
    PUB_FAILS(x, UAT_ERR_PARSE_BAD_VALUE, "parameters.keyBits");
    x = rsa_public(AK_ATTRS, null1, 1, rsassa, 2, 2048, 255);
    PUB_FAILS(x, UAT_ERR_PARSE_BAD_LENGTH, "unique.rsa");
    x = rsa_public(AK_ATTRS, null1, 1, rsassa, 2, 4096, 513);
    PUB_FAILS(x, UAT_ERR_PARSE_BAD_LENGTH, "unique.rsa");

    const uint16_t ecdsa[] = {UAT_TPM_ALG_ECDSA, UAT_TPM_ALG_SHA384};
    const uint16_t rsapss_on_ecc[] = {UAT_TPM_ALG_RSAPSS, UAT_TPM_ALG_SHA256};
    x = ecc_public(rsapss_on_ecc, 2, UAT_TPM_ECC_NIST_P384, null1, 1, 48);
    PUB_FAILS(x, UAT_ERR_PARSE_BAD_VALUE, "parameters.scheme.scheme");
    x = ecc_public(ecdsa, 2, 0x0006, null1, 1, 48);
    PUB_FAILS(x, UAT_ERR_PARSE_BAD_VALUE, "parameters.curveID");
    x = ecc_public(ecdsa, 2, UAT_TPM_ECC_BN_P638, null1, 1, 48);
    PUB_FAILS(x, UAT_ERR_UNSUPPORTED_ALGORITHM, "parameters.curveID");
    const uint16_t bad_kdf[] = {UAT_TPM_ALG_SHA256, UAT_TPM_ALG_SHA256};
    x = ecc_public(ecdsa, 2, UAT_TPM_ECC_NIST_P384, bad_kdf, 2, 48);
    PUB_FAILS(x, UAT_ERR_PARSE_BAD_VALUE, "parameters.kdf.scheme");
    x = ecc_public(ecdsa, 2, UAT_TPM_ECC_NIST_P384, null1, 1, 49);
    PUB_FAILS(x, UAT_ERR_PARSE_BAD_LENGTH, "unique.ecc.x");
    x = ecc_public(ecdsa, 2, UAT_TPM_ECC_NIST_P256, null1, 1, 48);
    PUB_FAILS(x, UAT_ERR_PARSE_BAD_LENGTH, "unique.ecc.x");
    x = ecc_public(ecdsa, 2, UAT_TPM_ECC_NIST_P384, null1, 1, 0);
    PUB_FAILS(x, UAT_ERR_PARSE_BAD_LENGTH, "unique.ecc.x");
#undef PUB_FAILS
}

static void test_public_variants(void **state)
{
    (void)state;
    uat_tpm_public p;
    const uint16_t null1[] = {UAT_TPM_ALG_NULL};
    /* an EK-like storage key: AES-128-CFB, RSAES (no details), then OAEP-SHA256 */
    const uint16_t aes[] = {UAT_TPM_ALG_AES, 128, UAT_TPM_ALG_CFB};
    const uint16_t rsaes[] = {UAT_TPM_ALG_RSAES};
    assert_ok(uat_tpm_parse_public(
        uat_buf_span(rsa_public(0x000300b2, aes, 3, rsaes, 1, 2048, 256)), &p));
    assert_int_equal(p.sym_alg, UAT_TPM_ALG_AES);
    assert_int_equal(p.sym_bits, 128);
    assert_int_equal(p.sym_mode, UAT_TPM_ALG_CFB);
    assert_int_equal(p.scheme, UAT_TPM_ALG_RSAES);
    assert_int_equal(p.scheme_hash, UAT_TPM_ALG_NULL);
    const uint16_t oaep[] = {UAT_TPM_ALG_OAEP, UAT_TPM_ALG_SHA384};
    const uint16_t camellia[] = {UAT_TPM_ALG_CAMELLIA, 256, UAT_TPM_ALG_CFB};
    assert_ok(uat_tpm_parse_public(
        uat_buf_span(rsa_public(0x00020072, camellia, 3, oaep, 2, 3072, 384)), &p));
    assert_int_equal(p.scheme_hash, UAT_TPM_ALG_SHA384);
    assert_int_equal(p.rsa_bits, 3072);
    /* ECC: ECDAA with its count, ECDH with each KDF, SM2, ECSCHNORR, ECMQV */
    const uint16_t ecdaa[] = {UAT_TPM_ALG_ECDAA, UAT_TPM_ALG_SHA256, 7};
    assert_ok(uat_tpm_parse_public(
        uat_buf_span(ecc_public(ecdaa, 3, UAT_TPM_ECC_BN_P256, null1, 1, 32)), &p));
    assert_int_equal(p.scheme_count, 7);
    assert_int_equal(p.curve, UAT_TPM_ECC_BN_P256);
    const uint16_t kdfs[] = {UAT_TPM_ALG_MGF1, UAT_TPM_ALG_KDF1_SP800_56A, UAT_TPM_ALG_KDF2,
                             UAT_TPM_ALG_KDF1_SP800_108};
    for (size_t i = 0; i < 4; i++) {
        const uint16_t ecdh[] = {UAT_TPM_ALG_ECDH, UAT_TPM_ALG_SHA256};
        const uint16_t kdf[] = {kdfs[i], UAT_TPM_ALG_SHA512};
        assert_ok(uat_tpm_parse_public(
            uat_buf_span(ecc_public(ecdh, 2, UAT_TPM_ECC_NIST_P521, kdf, 2, 66)), &p));
        assert_int_equal(p.kdf, kdfs[i]);
        assert_int_equal(p.kdf_hash, UAT_TPM_ALG_SHA512);
    }
    const uint16_t others[] = {UAT_TPM_ALG_SM2, UAT_TPM_ALG_ECSCHNORR, UAT_TPM_ALG_ECMQV};
    for (size_t i = 0; i < 3; i++) {
        const uint16_t s[] = {others[i], UAT_TPM_ALG_SM3_256};
        assert_ok(uat_tpm_parse_public(
            uat_buf_span(ecc_public(s, 2, UAT_TPM_ECC_SM2_P256, null1, 1, 32)), &p));
        assert_int_equal(p.scheme, others[i]);
    }
    /* a shorter coordinate is accepted and padded when the key is made */
    const uint16_t ecdsa[] = {UAT_TPM_ALG_ECDSA, UAT_TPM_ALG_SHA256};
    assert_ok(uat_tpm_parse_public(
        uat_buf_span(ecc_public(ecdsa, 2, UAT_TPM_ECC_NIST_P256, null1, 1, 31)), &p));
    uat_key *k = NULL;
    assert_err(uat_tpm_public_key(&p, &k), UAT_ERR_CRYPTO_BAD_KEY); /* 0x42.. is not on P-256 */
    assert_ok(uat_tpm_parse_public(
        uat_buf_span(ecc_public(ecdsa, 2, UAT_TPM_ECC_BN_P256, null1, 1, 32)), &p));
    assert_err(uat_tpm_public_key(&p, &k), UAT_ERR_UNSUPPORTED_ALGORITHM);
}

static void test_public_corpus_and_names(void **state)
{
    (void)state;
    uat_tpm_public p;
    uint8_t name[UAT_TPM_MAX_NAME];
    size_t n = 0;
    assert_ok(uat_tpm_parse_public(uat_buf_span(load(P1 "/ak_public.tpmt")), &p));
    assert_int_equal(p.type, UAT_TPM_ALG_RSA);
    assert_int_equal(p.attributes, 0x00050472);
    assert_int_equal(p.scheme, UAT_TPM_ALG_RSASSA);
    assert_int_equal(p.scheme_hash, UAT_TPM_ALG_SHA1);
    assert_int_equal(p.rsa_bits, 2048);
    assert_int_equal(p.auth_policy_len, 32);
    assert_ok(uat_tpm_name(&p, name, &n));
    /* sha256sum of ak_public.tpmt */
    assert_hex(name, n, "000b4ce9b151f75089d74c15dabe9d520cffafbcafd5d43be0aad2e2d88d54717e2e");
    uat_key *k = NULL;
    assert_ok(uat_tpm_public_key(&p, &k));
    keep_key(k);
    assert_int_equal(uat_key_kind_of(k), UAT_KEY_RSA);
    assert_int_equal(uat_key_bits(k), 2048);

    /* the certify sample: the certified key's Name is the one the TPM signed */
    uat_tpm_attest a;
    assert_ok(uat_tpm_parse_public(uat_buf_span(load(Q1 ".TPMT_PUBLIC.bin")), &p));
    assert_int_equal(p.attributes, 0x00060072); /* decrypt | sign, not restricted */
    assert_ok(uat_tpm_name(&p, name, &n));
    assert_ok(uat_tpm_parse_attest(uat_buf_span(load(Q1 ".TPMS_ATTEST.bin")), &a));
    assert_int_equal(n, a.name_len);
    assert_memory_equal(name, a.name, n);
}

/* ---- TPMT_SIGNATURE ----------------------------------------------------------------------- */

static void test_signature(void **state)
{
    (void)state;
    uat_tpm_signature s;
    uat_buf *b = load(P1 "/quote.tpmt_signature");
    for (size_t n = 0; n < b->len; n++) {
        assert_err(uat_tpm_parse_signature(uat_span_of(b->p, n), &s), UAT_ERR_PARSE_TRUNCATED);
    }
    assert_ok(uat_tpm_parse_signature(uat_buf_span(b), &s));
    assert_int_equal(s.sig_alg, UAT_TPM_ALG_RSASSA);
    assert_int_equal(s.hash, UAT_TPM_ALG_SHA1);
    assert_int_equal(s.rsa_len, 256);
    uat_buf *x = copy_of(uat_buf_span(b));
    w8(x, 0);
    assert_fail(uat_tpm_parse_signature(uat_buf_span(x), &s), UAT_ERR_PARSE_TRAILING_BYTES,
                "tpm.signature", "");
    const uint16_t unsupported[] = {UAT_TPM_ALG_ECDAA, UAT_TPM_ALG_SM2, UAT_TPM_ALG_ECSCHNORR,
                                    UAT_TPM_ALG_HMAC, UAT_TPM_ALG_NULL};
    for (size_t i = 0; i < 5; i++) {
        x = copy_of(uat_buf_span(b));
        x->p[0] = (uint8_t)(unsupported[i] >> 8);
        x->p[1] = (uint8_t)unsupported[i];
        assert_fail(uat_tpm_parse_signature(uat_buf_span(x), &s), UAT_ERR_UNSUPPORTED_ALGORITHM,
                    "tpm.signature", "sigAlg");
    }
    x = copy_of(uat_buf_span(b));
    x->p[1] = 0x01; /* TPM_ALG_RSA is a key type */
    assert_fail(uat_tpm_parse_signature(uat_buf_span(x), &s), UAT_ERR_PARSE_BAD_VALUE,
                "tpm.signature", "sigAlg");
    x = copy_of(uat_buf_span(b));
    x->p[3] = 0x10; /* hash NULL */
    assert_fail(uat_tpm_parse_signature(uat_buf_span(x), &s), UAT_ERR_PARSE_BAD_VALUE,
                "tpm.signature", "signature.hash");
    x = copy_of(uat_buf_span(b));
    x->p[4] = 0x02;
    x->p[5] = 0x01; /* 513 bytes */
    assert_fail(uat_tpm_parse_signature(uat_buf_span(x), &s), UAT_ERR_PARSE_BAD_LENGTH,
                "tpm.signature", "signature.sig");
    x = new_buf();
    w16(x, UAT_TPM_ALG_ECDSA);
    w16(x, UAT_TPM_ALG_SHA256);
    w2b(x, b->p, 32);
    w2b(x, NULL, 0);
    assert_fail(uat_tpm_parse_signature(uat_buf_span(x), &s), UAT_ERR_PARSE_BAD_LENGTH,
                "tpm.signature", "signature.signatureS");
    x = new_buf();
    w16(x, UAT_TPM_ALG_ECDSA);
    w16(x, UAT_TPM_ALG_SHA256);
    w2b(x, b->p, 67);
    w2b(x, b->p, 32);
    assert_fail(uat_tpm_parse_signature(uat_buf_span(x), &s), UAT_ERR_PARSE_BAD_LENGTH,
                "tpm.signature", "signature.signatureR");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_evidence_shape, release),
        cmocka_unit_test_teardown(test_evidence_chain_and_pcrs, release),
        cmocka_unit_test_teardown(test_evidence_truncation, release),
        cmocka_unit_test_teardown(test_attest_truncation, release),
        cmocka_unit_test_teardown(test_attest_values, release),
        cmocka_unit_test_teardown(test_public_truncation, release),
        cmocka_unit_test_teardown(test_public_values, release),
        cmocka_unit_test_teardown(test_signature, release),
        cmocka_unit_test_teardown(test_evidence_roundtrip, release),
        cmocka_unit_test_teardown(test_sniff, release),
        cmocka_unit_test_teardown(test_trustee_negative, release),
        cmocka_unit_test_teardown(test_trustee_decode, release),
        cmocka_unit_test_teardown(test_attest_corpus, release),
        cmocka_unit_test_teardown(test_public_variants, release),
        cmocka_unit_test_teardown(test_public_corpus_and_names, release),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
