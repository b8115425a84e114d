/* Unit tests for the Hygon CSV parsers and the corpus sample (src/tee/csv): negative parser cases
 * first, then the real trustee evidence: it parses (chip KPA64911240507), the HRK of the trust
 * directory is self-signed, the report's signature verifies with the PEK the evidence carries,
 * and full verification fails closed with VERIFY_COLLATERAL naming the missing HSK and CEK.
 * The synthetic full-chain tests are in test_csv_chain.c. */
#include "csv_test.h"

#include <jansson.h>

static uint8_t *g_ev;   /* the corpus evidence JSON */
static size_t g_ev_n;
static uint8_t *g_hrk;  /* the corpus hrk.cert */
static size_t g_hrk_n;
static uat_csv_evidence *g_e; /* the corpus evidence, parsed */
static char g_dir[64];

static int setup(void **state)
{
    (void)state;
    g_ev = read_all(CSV_EVIDENCE, &g_ev_n);
    g_hrk = read_all(CSV_HRK, &g_hrk_n);
    g_e = calloc(1, sizeof(*g_e));
    assert_non_null(g_e);
    assert_ok(uat_csv_evidence_parse(uat_span_of(g_ev, g_ev_n), g_e));
    snprintf(g_dir, sizeof(g_dir), "/tmp/uat-csv-XXXXXX");
    assert_non_null(mkdtemp(g_dir));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(g_ev);
    free(g_hrk);
    free(g_e);
    nftw(g_dir, csv_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

/* ---- certificates ---- */

static void ca_mutate(size_t off, uint32_t v, uat_err want)
{
    uint8_t c[832];
    memcpy(c, g_hrk, sizeof(c));
    put32(c + off, v);
    uat_csv_ca_cert out;
    assert_err(uat_csv_ca_cert_parse(uat_span_of(c, sizeof(c)), &out), want);
}

static void test_ca_cert_negative(void **state)
{
    (void)state;
    uat_csv_ca_cert c;
    assert_err(uat_csv_ca_cert_parse(uat_span_of(g_hrk, 831), &c), UAT_ERR_PARSE_TRUNCATED);
    uint8_t big[833] = {0};
    memcpy(big, g_hrk, 832);
    assert_err(uat_csv_ca_cert_parse(uat_span_of(big, sizeof(big)), &c),
               UAT_ERR_PARSE_TRAILING_BYTES);
    ca_mutate(0, 2, UAT_ERR_PARSE_BAD_VERSION);            /* ver */
    ca_mutate(36, 0x1002, UAT_ERR_PARSE_BAD_VALUE);        /* usage: a PEK is no ca cert */
    ca_mutate(40, 1, UAT_ERR_PARSE_RESERVED_NONZERO);      /* reserved */
    ca_mutate(64, 1, UAT_ERR_UNSUPPORTED_ALGORITHM);       /* curve P-256 */
    ca_mutate(64, 9, UAT_ERR_PARSE_BAD_VALUE);             /* unknown curve */
    ca_mutate(68 + 32, 1, UAT_ERR_PARSE_RESERVED_NONZERO); /* x beyond 32 bytes */
    ca_mutate(212, 0, UAT_ERR_PARSE_BAD_LENGTH);           /* uid_size 0 */
    ca_mutate(212, 255, UAT_ERR_PARSE_BAD_LENGTH);         /* uid_size past user_id */
    ca_mutate(214 + 13, 'X', UAT_ERR_PARSE_RESERVED_NONZERO); /* user_id past uid_size */
    ca_mutate(468, 1, UAT_ERR_PARSE_RESERVED_NONZERO);     /* reserved (signed) */
    ca_mutate(576 + 40, 1, UAT_ERR_PARSE_RESERVED_NONZERO); /* sig r beyond 32 bytes */
    ca_mutate(720, 0xffffffff, UAT_OK);                    /* unsigned tail: not interpreted */
    assert_ok(uat_csv_ca_cert_parse(uat_span_of(g_hrk, g_hrk_n), &c));
    assert_int_equal(c.usage, UAT_CSV_USAGE_HRK);
    assert_int_equal(c.uid_size, 13);
    assert_memory_equal(c.user_id, "HYGON-SSD-HRK", 13);
}

static void cert_mutate(size_t off, uint32_t v, uat_err want)
{
    uint8_t c[2084];
    memcpy(c, g_e->pek, sizeof(c));
    put32(c + off, v);
    uat_csv_cert out;
    assert_err(uat_csv_cert_parse(uat_span_of(c, sizeof(c)), &out), want);
}

static void test_csv_cert_negative(void **state)
{
    (void)state;
    uat_csv_cert c;
    assert_err(uat_csv_cert_parse(uat_span_of(g_e->pek, 2083), &c), UAT_ERR_PARSE_TRUNCATED);
    uint8_t big[2085] = {0};
    memcpy(big, g_e->pek, 2084);
    assert_err(uat_csv_cert_parse(uat_span_of(big, sizeof(big)), &c), UAT_ERR_PARSE_TRAILING_BYTES);
    assert_err(uat_csv_cert_parse(uat_span_of(NULL, 0), &c), UAT_ERR_PARSE_TRUNCATED);
    cert_mutate(0, 0, UAT_ERR_PARSE_BAD_VERSION);
    cert_mutate(4, 0x00010301, UAT_ERR_PARSE_RESERVED_NONZERO); /* reserved1 after api 1.3 */
    cert_mutate(8, 0x13, UAT_ERR_PARSE_BAD_VALUE);      /* pubkey usage HSK: not a csv cert */
    cert_mutate(8, 0x2002, UAT_ERR_PARSE_BAD_VALUE);    /* unknown usage */
    cert_mutate(12, 7, UAT_ERR_PARSE_BAD_VALUE);        /* pubkey algo */
    cert_mutate(16, 2, UAT_ERR_UNSUPPORTED_ALGORITHM);  /* curve P-384 */
    cert_mutate(164, 300, UAT_ERR_PARSE_BAD_LENGTH);    /* uid_size */
    cert_mutate(436, 1, UAT_ERR_PARSE_RESERVED_NONZERO); /* reserved2 */
    cert_mutate(1044, 0x7, UAT_ERR_PARSE_BAD_VALUE);    /* slot usage */
    cert_mutate(1048, 5, UAT_ERR_PARSE_BAD_VALUE);      /* slot algo: SM2 key agreement */
    cert_mutate(1564 + 4, 0, UAT_ERR_PARSE_BAD_VALUE);  /* slot algo none with a usage */
    cert_mutate(1044 + 8 + 32, 1, UAT_ERR_PARSE_RESERVED_NONZERO); /* slot r beyond 32 bytes */
    cert_mutate(1044 + 152, 1, UAT_OK);                 /* slot reserved: not interpreted */
    cert_mutate(1564, 0x1000, UAT_OK);                  /* an empty slot */
    assert_ok(uat_csv_cert_parse(uat_span_of(g_e->pek, 2084), &c));
    assert_int_equal(c.usage, UAT_CSV_USAGE_PEK);
    assert_int_equal(c.sigs[0].usage, UAT_CSV_USAGE_CEK);
    assert_int_equal(c.sigs[1].usage, UAT_CSV_USAGE_OCA);
    assert_int_equal(c.api_major, 1);
    assert_int_equal(c.api_minor, 3);
    const uat_csv_sig_slot *s = NULL;
    assert_ok(uat_csv_cert_slot(&c, UAT_CSV_USAGE_CEK, "PEK", &s));
    assert_ptr_equal(s, &c.sigs[0]);
    assert_err(uat_csv_cert_slot(&c, UAT_CSV_USAGE_HSK, "PEK", &s), UAT_ERR_VERIFY_CHAIN);
    uat_csv_ca_cert h;
    assert_err(uat_csv_hsk_cek_parse(uat_span_of(g_hrk, 832), &h, &c), UAT_ERR_PARSE_TRUNCATED);
}

/* ---- the report ---- */

static void report_mutate(size_t off, uint32_t v, uat_err want)
{
    uint8_t page[4096];
    memcpy(page, g_e->data, sizeof(page));
    uint8_t *p = page + off;
    put32(p, v);
    uat_csv_report r;
    assert_err(uat_csv_report_parse(uat_span_of(page, sizeof(page)), 1, &r), want);
}

static void test_report_negative(void **state)
{
    (void)state;
    uat_csv_report r;
    assert_err(uat_csv_report_parse(uat_span_of(g_e->data, 4095), 1, &r), UAT_ERR_PARSE_TRUNCATED);
    uint8_t big[4097] = {0};
    memcpy(big, g_e->data, 4096);
    assert_err(uat_csv_report_parse(uat_span_of(big, sizeof(big)), 1, &r),
               UAT_ERR_PARSE_TRAILING_BYTES);
    assert_err(uat_csv_report_parse(uat_span_of(g_e->data, 4096), 3, &r),
               UAT_ERR_PARSE_BAD_VERSION);
    uint32_t a = 0x5dc7d726u; /* the sample's anonce */
    report_mutate(180, 0x1004 ^ a, UAT_ERR_PARSE_BAD_VALUE); /* sig_usage CEK */
    report_mutate(184, 5 ^ a, UAT_ERR_PARSE_BAD_VALUE);      /* sig_algo */
    report_mutate(192 + 36, 1, UAT_ERR_PARSE_RESERVED_NONZERO); /* sig r beyond 32 bytes */
    report_mutate(4092, 1, UAT_ERR_PARSE_RESERVED_NONZERO);  /* page padding */
    report_mutate(0x150 + 2084 + 64, 0xffffffff, UAT_OK);    /* signer reserved: unsigned */
    /* the sample read as an extended report: its anonymised sig_usage is no PEK usage */
    assert_err(uat_csv_report_parse(uat_span_of(g_e->data, 4096), 2, &r), UAT_ERR_PARSE_BAD_VALUE);
}

/* ---- the evidence JSON ---- */

static uat_err parse_text(const char *text)
{
    uat_csv_evidence *e = calloc(1, sizeof(*e));
    assert_non_null(e);
    uat_err rc = uat_csv_evidence_parse(uat_span_of(text, strlen(text)), e);
    free(e);
    return rc;
}

/* The corpus evidence with one member replaced (value NULL: removed). */
static uat_err parse_edited(const char *path, json_t *value)
{
    json_t *j = json_loadb((const char *)g_ev, g_ev_n, 0, NULL);
    assert_non_null(j);
    json_t *o = j;
    char buf[128];
    snprintf(buf, sizeof(buf), "%s", path);
    char *save = NULL, *key = strtok_r(buf, ".", &save), *next;
    while ((next = strtok_r(NULL, ".", &save)) != NULL) {
        o = json_object_get(o, key);
        assert_non_null(o);
        key = next;
    }
    if (value != NULL) {
        assert_int_equal(json_object_set_new(o, key, value), 0);
    } else {
        assert_int_equal(json_object_del(o, key), 0);
    }
    char *text = json_dumps(j, JSON_COMPACT);
    uat_err rc = parse_text(text);
    free(text);
    json_decref(j);
    return rc;
}

static json_t *bytes(size_t n, int fill)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(a, json_integer(fill));
    }
    return a;
}

static void test_evidence_negative(void **state)
{
    (void)state;
    assert_err(parse_text(""), UAT_ERR_PARSE_BAD_JSON);
    assert_err(parse_text("[]"), UAT_ERR_PARSE_BAD_JSON);
    assert_err(parse_text("{\"attestation_report\":{}}"), UAT_ERR_PARSE_BAD_JSON);
    assert_err(parse_edited("extra", json_true()), UAT_ERR_PARSE_BAD_JSON);
    assert_err(parse_edited("cert_chain", NULL), UAT_ERR_PARSE_BAD_JSON);
    assert_err(parse_edited("cert_chain.pek.body.ver", NULL), UAT_ERR_PARSE_BAD_JSON);
    assert_err(parse_edited("cert_chain.pek.body.extra", json_integer(0)), UAT_ERR_PARSE_BAD_JSON);
    assert_err(parse_edited("cert_chain.pek.body.ver", json_integer(-1)), UAT_ERR_PARSE_BAD_JSON);
    assert_err(parse_edited("cert_chain.pek.body.ver", json_real(1.0)), UAT_ERR_PARSE_BAD_JSON);
    assert_err(parse_edited("cert_chain.pek.body.data.firmware.major", json_integer(256)),
               UAT_ERR_PARSE_BAD_JSON);
    assert_err(parse_edited("cert_chain.pek.body.data.sid", bytes(15, 0)), UAT_ERR_PARSE_BAD_JSON);
    assert_err(parse_edited("cert_chain.pek.body.data.sid", bytes(16, 256)),
               UAT_ERR_PARSE_BAD_JSON);
    assert_err(parse_edited("cert_chain.pek.sigs", json_array()), UAT_ERR_PARSE_BAD_JSON);
    assert_err(parse_edited("attestation_report.data", bytes(4095, 0)), UAT_ERR_PARSE_BAD_JSON);
    assert_err(parse_edited("attestation_report.magic", bytes(16, 1)), UAT_ERR_PARSE_BAD_MAGIC);
    assert_err(parse_edited("attestation_report.flags", json_integer(1)), UAT_ERR_PARSE_BAD_VALUE);
    assert_err(parse_edited("serial_number", bytes(65, 'A')), UAT_ERR_PARSE_BAD_JSON);
    assert_err(parse_edited("serial_number", bytes(3, '/')), UAT_ERR_PARSE_BAD_VALUE);
    assert_err(parse_edited("serial_number", bytes(3, 0)), UAT_ERR_PARSE_BAD_VALUE);
    assert_err(parse_edited("cc_eventlog", json_integer(1)), UAT_ERR_PARSE_BAD_JSON);
    assert_err(parse_edited("cert_chain.hsk_cek", json_object()), UAT_ERR_PARSE_BAD_JSON);
    assert_ok(parse_edited("cert_chain.hsk_cek", json_null()));
    assert_ok(parse_edited("cc_eventlog", NULL));
    /* duplicated member */
    char *dup = malloc(g_ev_n + 32);
    memcpy(dup, "{\"serial_number\":[65],", 22);
    memcpy(dup + 22, g_ev + 1, g_ev_n - 1);
    dup[22 + g_ev_n - 1] = '\0';
    assert_err(parse_text(dup), UAT_ERR_PARSE_BAD_JSON);
    free(dup);
}

static void test_extended_magic(void **state)
{
    (void)state;
    json_t *magic = json_array();
    const char *m = "ATTESTATION_EXT";
    for (size_t i = 0; i < 16; i++) {
        json_array_append_new(magic, json_integer(i < 15 ? m[i] : 0));
    }
    assert_ok(parse_edited("attestation_report.magic", json_deep_copy(magic)));
    json_t *j = json_loadb((const char *)g_ev, g_ev_n, 0, NULL);
    json_object_set_new(json_object_get(j, "attestation_report"), "magic", magic);
    json_object_set_new(json_object_get(j, "attestation_report"), "flags", json_integer(3));
    char *text = json_dumps(j, JSON_COMPACT);
    assert_err(parse_text(text), UAT_ERR_PARSE_BAD_VERSION); /* v3 and unknown flags */
    free(text);
    json_decref(j);
}

/* ---- the corpus sample ---- */

static void test_corpus_parse(void **state)
{
    (void)state;
    assert_true(uat_csv_sniff(uat_span_of(g_ev, g_ev_n)));
    assert_false(uat_csv_sniff(uat_span_of("{\"report\":\"x\"}", 14)));
    assert_false(uat_csv_sniff(uat_span_of(g_hrk, g_hrk_n)));
    assert_string_equal(g_e->chip_id, CSV_CHIP);
    assert_int_equal(g_e->version, 1);
    assert_false(g_e->has_hsk_cek);
    uat_csv_report r;
    assert_ok(uat_csv_report_parse(uat_span_of(g_e->data, 4096), g_e->version, &r));
    assert_int_equal(r.anonce, 0x5dc7d726u);
    assert_int_equal(r.policy, 0x45); /* NODBG, ES, CSV3 */
    static const uint8_t measure[32] = {0xae, 0x2a, 0x2c, 0xf1, 0xf4, 0x1a, 0x48, 0x5f,
                                        0xa3, 0x7b, 0xf9, 0xae, 0x92, 0xf6, 0x78, 0x78,
                                        0x3c, 0x59, 0xfb, 0xc7, 0x9d, 0xe7, 0xb5, 0xd2,
                                        0x37, 0x74, 0x3d, 0x58, 0xf5, 0x53, 0x80, 0x34};
    assert_memory_equal(r.measure, measure, 32);
    assert_true(uat_is_zero(r.report_data, 64));
    /* the firmware's copies in the signer are the evidence's PEK and chip ID (restored) */
    assert_memory_equal(r.pek_cert.p, g_e->pek, 2084);
    assert_memory_equal(r.sn.p, CSV_CHIP, strlen(CSV_CHIP));
    char *json = NULL;
    assert_ok(uat_inspect(g_ev, g_ev_n, &json));
    assert_non_null(strstr(json, "\"serial_number\": \"KPA64911240507\""));
    assert_non_null(strstr(json, "\"user_id\": \"HYGON-SSD-PEK\""));
    free(json);
}

static void test_corpus_signatures(void **state)
{
    (void)state;
    uat_csv_ca_cert hrk;
    assert_ok(uat_csv_ca_cert_parse(uat_span_of(g_hrk, g_hrk_n), &hrk));
    assert_ok(uat_csv_verify_hrk(&hrk));
    uat_csv_cert pek;
    assert_ok(uat_csv_cert_parse(uat_span_of(g_e->pek, 2084), &pek));
    uat_csv_report r;
    assert_ok(uat_csv_report_parse(uat_span_of(g_e->data, 4096), 1, &r));
    assert_ok(uat_csv_verify_report(&r, &pek));
    /* the HRK's own signature with another user ID, or over another body, fails */
    hrk.user_id[12] = 'X';
    assert_err(uat_csv_verify_hrk(&hrk), UAT_ERR_VERIFY_CHAIN);
    /* a key that is not a point of the SM2 curve */
    assert_ok(uat_csv_ca_cert_parse(uat_span_of(g_hrk, g_hrk_n), &hrk));
    hrk.key.y[31] ^= 1;
    assert_err(uat_csv_verify_hrk(&hrk), UAT_ERR_CRYPTO_BAD_KEY);
    /* every byte of the signed part matters; the anonce (unsigned) does not change the check */
    uint8_t page[4096];
    for (size_t i = 0; i < UAT_CSV_SIGNED_V1; i++) {
        memcpy(page, g_e->data, sizeof(page));
        page[i] ^= 0x01;
        uat_csv_report m;
        if (uat_csv_report_parse(uat_span_of(page, sizeof(page)), 1, &m) == UAT_OK) {
            assert_err(uat_csv_verify_report(&m, &pek), UAT_ERR_VERIFY_SIGNATURE);
        }
    }
}

static void test_corpus_fails_closed(void **state)
{
    (void)state;
    uat_verifier *v = NULL;
    uat_claims *c = NULL;
    assert_ok(uat_verifier_new(&v));
    assert_ok(uat_verifier_set_trust_dir(v, CSV_TRUST));
    assert_err(uat_verify(v, g_ev, g_ev_n, NULL, &c), UAT_ERR_VERIFY_COLLATERAL);
    const char *msg = uat_last_error()->message;
    assert_non_null(strstr(msg, "missing chain element"));
    assert_non_null(strstr(msg, "HSK and CEK"));
    assert_non_null(strstr(msg, CSV_CHIP));
    /* a collateral directory without this chip: the message names where it looked */
    assert_ok(uat_verifier_set_collateral_dir(v, g_dir));
    assert_err(uat_verify(v, g_ev, g_ev_n, NULL, &c), UAT_ERR_VERIFY_COLLATERAL);
    assert_non_null(strstr(uat_last_error()->message, CSV_CHIP "/hsk_cek.cert"));
    /* a hsk_cek.cert that is not one fails as such */
    char chip[128];
    snprintf(chip, sizeof(chip), "%s/csv/%s", g_dir, CSV_CHIP);
    write_file(chip, "hsk_cek.cert", g_hrk, g_hrk_n);
    assert_err(uat_verify(v, g_ev, g_ev_n, NULL, &c), UAT_ERR_PARSE_TRUNCATED);
    /* no HRK: no trust anchor */
    assert_ok(uat_verifier_set_trust_dir(v, g_dir));
    assert_err(uat_verify(v, g_ev, g_ev_n, NULL, &c), UAT_ERR_USAGE_NO_TRUST_ANCHOR);
    assert_null(c);
    uat_verifier_free(v);
}

static void test_json_roundtrip(void **state)
{
    (void)state;
    /* the PEK object of the corpus JSON -> binary -> JSON is the same object */
    json_t *j = json_loadb((const char *)g_ev, g_ev_n, 0, NULL);
    json_t *pek = json_object_get(json_object_get(j, "cert_chain"), "pek");
    uint8_t bin[2084];
    assert_ok(uat_csv_cert_from_json(pek, bin));
    assert_memory_equal(bin, g_e->pek, sizeof(bin));
    json_t *back = NULL;
    assert_ok(uat_csv_cert_to_json(uat_span_of(bin, sizeof(bin)), &back));
    assert_true(json_equal(back, pek));
    json_decref(back);
    json_decref(j);
    /* the HRK: binary -> JSON -> binary */
    json_t *ca = NULL;
    uint8_t hrk[832];
    assert_ok(uat_csv_ca_cert_to_json(uat_span_of(g_hrk, g_hrk_n), &ca));
    assert_ok(uat_csv_ca_cert_from_json(ca, hrk));
    assert_memory_equal(hrk, g_hrk, sizeof(hrk));
    json_decref(ca);
    /* the whole evidence, rewritten, parses to the same bytes */
    uat_buf out;
    write_evidence(g_e->data, 1, g_e->pek, NULL, g_e->serial, &out);
    uat_csv_evidence *e = calloc(1, sizeof(*e));
    assert_ok(uat_csv_evidence_parse(uat_buf_span(&out), e));
    assert_memory_equal(e->data, g_e->data, 4096);
    assert_string_equal(e->chip_id, CSV_CHIP);
    free(e);
    uat_buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ca_cert_negative),
        cmocka_unit_test(test_csv_cert_negative),
        cmocka_unit_test(test_report_negative),
        cmocka_unit_test(test_evidence_negative),
        cmocka_unit_test(test_extended_magic),
        cmocka_unit_test(test_corpus_parse),
        cmocka_unit_test(test_corpus_signatures),
        cmocka_unit_test(test_corpus_fails_closed),
        cmocka_unit_test(test_json_roundtrip),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
