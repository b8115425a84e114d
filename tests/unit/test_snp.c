/* Unit tests for AMD SEV-SNP parsing and checks (src/tee/snp/): the report parser (every reserved
 * field, versions, lengths), the certificate table, products and TCB layouts, the VCEK/VLEK
 * extensions, and the checks that tie a certificate to a report. Verification through uat_verify:
 * test_snp_verify.c.
 *
 * Expected values come from ../shared/corpus/amd-sev-snp/PROVENANCE.md; offsets and field values
 * were read independently with a Python struct script (56860 ATTESTATION_REPORT layout).
 */
#include "snp_test.h"

/* ---- report parser ---------------------------------------------------------------------- */

static void test_parse_corpus(void **state)
{
    (void)state;
    uat_snp_report r = parse_ok(load(N1 "/report.bin"));
    assert_int_equal(r.version, 2);
    assert_int_equal(r.guest_svn, 0);
    assert_int_equal(r.policy, 0xb0000);
    assert_int_equal(r.vmpl, 0);
    assert_int_equal(r.signature_algo, 1);
    assert_int_equal(r.platform_info, 1);
    assert_int_equal(r.signing_key, UAT_SNP_KEY_VCEK);
    assert_true(r.reported_tcb == 0x4405000000000002ull && r.current_tcb == r.reported_tcb);
    assert_true(r.committed_tcb == r.reported_tcb && r.launch_tcb == r.reported_tcb);
    assert_int_equal(r.current_major, 1);
    assert_int_equal(r.current_minor, 49);
    assert_int_equal(r.current_build, 3);
    assert_hex(r.measurement, 48,
               "b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b6bdf8a9ece31a5a608"
               "eb0cf2e4872b01");
    assert_hex(r.report_data, 8, "0102030405000000");
    assert_hex(r.chip_id, 4, "3ac3fe21");

    r = parse_ok(load(N2 "/report.bin"));
    assert_int_equal(r.guest_svn, 4);
    assert_int_equal(r.policy, 0x3001f);
    assert_true(r.reported_tcb == 0x7308000000000003ull);
    assert_true(r.current_tcb == 0xce08000000000003ull); /* CURRENT_TCB != REPORTED_TCB */

    r = parse_ok(load(N3 "/report.bin"));
    assert_int_equal(r.version, 3);
    assert_int_equal(r.vmpl, 1);
    assert_int_equal(r.platform_info, 0x27);
    assert_int_equal(r.key_info, 4);
    assert_int_equal(r.signing_key, UAT_SNP_KEY_VLEK);
    assert_int_equal(r.cpuid_fam_id, 0x19);
    assert_int_equal(r.cpuid_mod_id, 0x01);
    assert_int_equal(r.cpuid_step, 1);
    assert_true(r.reported_tcb == 0xd918000000000004ull);
    assert_int_equal(uat_snp_product_from_cpuid(&r), UAT_SNP_PRODUCT_MILAN);
}

static void test_parse_lengths(void **state)
{
    (void)state;
    uat_buf *b = load(N1 "/report.bin");
    uat_snp_report r;
    uat_snp_cert_table t;
    for (size_t n = 0; n < UAT_SNP_REPORT_SIZE; n += 37) {
        assert_err(uat_snp_report_parse(uat_span_of(b->p, n), &r), UAT_ERR_PARSE_TRUNCATED);
    }
    assert_err(uat_snp_report_parse(uat_span_of(b->p, 1183), &r), UAT_ERR_PARSE_TRUNCATED);
    assert_err(uat_snp_evidence_parse(uat_span_of(b->p, 1183), &r, &t), UAT_ERR_PARSE_TRUNCATED);
    assert_ok(uat_buf_put_u8(b, 0));
    assert_int_equal(b->len, 1185);
    assert_err(uat_snp_report_parse(uat_buf_span(b), &r), UAT_ERR_PARSE_TRAILING_BYTES);
    assert_err(uat_snp_evidence_parse(uat_buf_span(b), &r, &t), UAT_ERR_PARSE_TRAILING_BYTES);
    assert_int_equal(uat_last_error()->offset, 1184);
    assert_false(uat_snp_sniff(uat_buf_span(b)));
    assert_false(uat_snp_sniff(uat_span_of(b->p, 1183)));
    assert_true(uat_snp_sniff(uat_span_of(b->p, 1184)));
}

static void test_parse_versions(void **state)
{
    (void)state;
    uat_buf *orig = load(N1 "/report.bin");
    uat_snp_report r;
    const uint32_t bad[] = {0, 1, 4, 6, 0x02000000};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uat_buf *b = copy_of(orig);
        put_u32(b, 0, bad[i]);
        assert_fail(uat_snp_report_parse(uat_buf_span(b), &r), UAT_ERR_PARSE_BAD_VERSION,
                    "snp.report", "version");
        assert_false(uat_snp_sniff(uat_buf_span(b)));
    }
    /* version 3 reads CPUID bytes where version 2 has reserved ones; version 5 reads the
     * mitigation vectors where 2 and 3 have reserved bytes */
    uat_buf *b = copy_of(orig);
    put_u32(b, 0, 3);
    b->p[0x188] = 0x19;
    b->p[0x189] = 0x11;
    r = parse_ok(b);
    assert_int_equal(uat_snp_product_from_cpuid(&r), UAT_SNP_PRODUCT_GENOA);
    put_u32(b, 0, 5);
    b->p[0x1f8] = 0x03;
    b->p[0x207] = 0x40;
    r = parse_ok(b);
    assert_true(r.launch_mit_vector == 3 && r.current_mit_vector == 0x4000000000000000ull);
    put_u32(b, 0, 3);
    assert_fail(uat_snp_report_parse(uat_buf_span(b), &r), UAT_ERR_PARSE_RESERVED_NONZERO,
                "snp.report", "reserved (0x1f8)");
    b = copy_of(orig);
    put_u32(b, 0x34, 2);
    assert_fail(uat_snp_report_parse(uat_buf_span(b), &r), UAT_ERR_UNSUPPORTED_ALGORITHM,
                "snp.report", "signature_algo");
    assert_false(uat_snp_sniff(uat_buf_span(b)));
}

/* Every reserved field, by version: (offset, versions it is reserved in, field name). */
static void test_parse_reserved(void **state)
{
    (void)state;
    static const struct {
        size_t off;
        uint32_t version;
        const char *field;
    } cases[] = {
        {0x04c, 2, "reserved (0x4c)"},
        {0x04f, 3, "reserved (0x4c)"},
        {0x188, 2, "reserved (0x188)"},
        {0x18a, 2, "reserved (0x188)"},
        {0x18b, 3, "reserved (0x18b)"},
        {0x19f, 5, "reserved (0x18b)"},
        {0x1eb, 2, "reserved (0x1eb)"},
        {0x1ef, 3, "reserved (0x1ef)"},
        {0x1f8, 2, "reserved (0x1f8)"},
        {0x29f, 3, "reserved (0x1f8)"},
        {0x208, 5, "reserved (0x208)"},
        {0x29f, 5, "reserved (0x208)"},
        {0x2a0 + 48, 2, "signature.r (bytes 48-71)"},
        {0x2a0 + 71, 2, "signature.r (bytes 48-71)"},
        {0x2e8 + 48, 3, "signature.s (bytes 48-71)"},
        {0x330, 2, "signature (reserved 0x90-0x1ff)"},
        {0x49f, 5, "signature (reserved 0x90-0x1ff)"},
    };
    uat_buf *orig = load(N1 "/report.bin");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uat_buf *b = copy_of(orig);
        uat_snp_report r;
        put_u32(b, 0, cases[i].version);
        b->p[cases[i].off] = 0x01;
        assert_fail(uat_snp_report_parse(uat_buf_span(b), &r), UAT_ERR_PARSE_RESERVED_NONZERO,
                    "snp.report", cases[i].field);
        assert_int_equal(uat_last_error()->offset, (int64_t)cases[i].off);
    }
}

static void test_parse_bad_values(void **state)
{
    (void)state;
    uat_buf *orig = load(N1 "/report.bin");
    uat_snp_report r;
    uat_buf *b = copy_of(orig);
    b->p[0x0a] &= (uint8_t)~0x02; /* policy bit 17: reserved, must be one */
    assert_fail(uat_snp_report_parse(uat_buf_span(b), &r), UAT_ERR_PARSE_BAD_VALUE, "snp.report",
                "policy");
    b = copy_of(orig);
    b->p[0x0f] = 0x80; /* policy bit 63 */
    assert_fail(uat_snp_report_parse(uat_buf_span(b), &r), UAT_ERR_PARSE_RESERVED_NONZERO,
                "snp.report", "policy");
    b = copy_of(orig);
    put_u32(b, 0x30, 4);
    assert_fail(uat_snp_report_parse(uat_buf_span(b), &r), UAT_ERR_PARSE_BAD_VALUE, "snp.report",
                "vmpl");
    b = copy_of(orig);
    b->p[0x47] = 0x80;
    assert_fail(uat_snp_report_parse(uat_buf_span(b), &r), UAT_ERR_PARSE_RESERVED_NONZERO,
                "snp.report", "platform_info");
    for (uint32_t key = 2; key <= 6; key++) {
        b = copy_of(orig);
        put_u32(b, 0x48, key << 2);
        assert_fail(uat_snp_report_parse(uat_buf_span(b), &r), UAT_ERR_PARSE_BAD_VALUE,
                    "snp.report", "signing_key");
    }
    b = copy_of(orig);
    put_u32(b, 0x48, 1u << 5);
    assert_fail(uat_snp_report_parse(uat_buf_span(b), &r), UAT_ERR_PARSE_RESERVED_NONZERO,
                "snp.report", "key_info");
    b = copy_of(orig);
    put_u32(b, 0x48, 2); /* MASK_CHIP_KEY with a CHIP_ID */
    assert_fail(uat_snp_report_parse(uat_buf_span(b), &r), UAT_ERR_PARSE_BAD_VALUE, "snp.report",
                "chip_id");
    memset(b->p + 0x1a0, 0, 64);
    r = parse_ok(b);
    assert_true(r.mask_chip_key && !r.author_key_en);
    put_u32(b, 0x48, 3u | (7u << 2));
    r = parse_ok(b);
    assert_true(r.author_key_en && r.signing_key == UAT_SNP_KEY_NONE);
}

/* ---- certificate table -------------------------------------------------------------------- */

static void test_cert_table(void **state)
{
    (void)state;
    uat_buf *vcek = load(N1 "/vcek.der");
    uat_buf *t = table_with(vcek);
    uat_snp_cert_table ct;
    assert_ok(uat_snp_cert_table_parse(uat_buf_span(t), &ct));
    assert_int_equal(ct.n, 2);
    const uat_snp_cert_entry *e = uat_snp_cert_table_find(&ct, uat_snp_guid_vcek);
    assert_non_null(e);
    assert_int_equal(e->data.len, vcek->len);
    assert_memory_equal(e->data.p, vcek->p, vcek->len);
    assert_null(uat_snp_cert_table_find(&ct, uat_snp_guid_vlek));
    /* zero pages after the certificates are padding */
    assert_ok(uat_buf_put_zeros(t, 4096));
    assert_ok(uat_snp_cert_table_parse(uat_buf_span(t), &ct));
    /* an empty blob is an empty table */
    assert_ok(uat_snp_cert_table_parse(uat_span_of(t->p, 0), &ct));
    assert_int_equal(ct.n, 0);

    /* report || table is evidence */
    uat_buf *ev = load(N1 "/report.bin");
    assert_ok(uat_buf_append(ev, t->p, t->len));
    uat_snp_report r;
    assert_ok(uat_snp_evidence_parse(uat_buf_span(ev), &r, &ct));
    assert_int_equal(ct.n, 2);
    assert_true(uat_snp_sniff(uat_buf_span(ev)));
    ev->p[ev->len - 1] = 1; /* a byte no entry points at */
    assert_fail(uat_snp_evidence_parse(uat_buf_span(ev), &r, &ct), UAT_ERR_PARSE_TRAILING_BYTES,
                "snp.cert_table", "");
    assert_int_equal(uat_last_error()->offset, (int64_t)ev->len - 1);
    assert_false(uat_snp_sniff(uat_buf_span(ev)));
}

static void test_cert_table_negatives(void **state)
{
    (void)state;
    uat_buf *t0 = table_with(load(N1 "/vcek.der"));
    uat_snp_cert_table ct;
    uat_buf *b = copy_of(t0);
    put_u32(b, 16, (uint32_t)b->len + 1); /* offset past the blob */
    assert_fail(uat_snp_cert_table_parse(uat_buf_span(b), &ct), UAT_ERR_PARSE_BAD_LENGTH,
                "snp.cert_table", "offset");
    b = copy_of(t0);
    put_u32(b, 20, (uint32_t)b->len); /* offset + length past the blob */
    assert_fail(uat_snp_cert_table_parse(uat_buf_span(b), &ct), UAT_ERR_PARSE_BAD_LENGTH,
                "snp.cert_table", "length");
    b = copy_of(t0);
    put_u32(b, 20, 0xffffffffu); /* a length that wraps */
    assert_fail(uat_snp_cert_table_parse(uat_buf_span(b), &ct), UAT_ERR_PARSE_BAD_LENGTH,
                "snp.cert_table", "length");
    b = copy_of(t0);
    put_u32(b, 20, 0);
    assert_fail(uat_snp_cert_table_parse(uat_buf_span(b), &ct), UAT_ERR_PARSE_BAD_LENGTH,
                "snp.cert_table", "length");
    b = copy_of(t0);
    put_u32(b, 16, 8); /* the certificate would overlap the entries */
    assert_fail(uat_snp_cert_table_parse(uat_buf_span(b), &ct), UAT_ERR_PARSE_BAD_LENGTH,
                "snp.cert_table", "offset");
    b = copy_of(t0);
    memcpy(b->p + 24, uat_snp_guid_vcek, 16); /* the same GUID twice */
    assert_fail(uat_snp_cert_table_parse(uat_buf_span(b), &ct), UAT_ERR_PARSE_BAD_VALUE,
                "snp.cert_table", "guid");
    b = copy_of(t0);
    put_u32(b, 48 + 16, 72); /* terminator with an offset */
    assert_fail(uat_snp_cert_table_parse(uat_buf_span(b), &ct), UAT_ERR_PARSE_BAD_VALUE,
                "snp.cert_table", "terminator");
    /* cut short: inside the first entry, or before the certificates it points at */
    assert_err(uat_snp_cert_table_parse(uat_span_of(t0->p, 20), &ct), UAT_ERR_PARSE_TRUNCATED);
    assert_err(uat_snp_cert_table_parse(uat_span_of(t0->p, 47), &ct), UAT_ERR_PARSE_BAD_LENGTH);
    /* no terminator: the entries run to the end of the blob */
    b = copy_of(t0);
    b->len = 24;
    put_u32(b, 16, 0);
    put_u32(b, 20, 1);
    assert_err(uat_snp_cert_table_parse(uat_buf_span(b), &ct), UAT_ERR_PARSE_TRUNCATED);
    /* more entries than the limit */
    b = new_buf();
    for (size_t i = 0; i <= UAT_SNP_MAX_CERT_ENTRIES; i++) {
        uint8_t guid[16] = {0};
        guid[0] = (uint8_t)(i + 1);
        assert_ok(uat_buf_append(b, guid, 16));
        assert_ok(uat_buf_put_u32le(b, 0));
        assert_ok(uat_buf_put_u32le(b, 1));
    }
    assert_err(uat_snp_cert_table_parse(uat_buf_span(b), &ct), UAT_ERR_RESOURCE_LIMIT);
}

/* ---- products, TCB layouts, extensions ---------------------------------------------------- */

static void test_products(void **state)
{
    (void)state;
    static const struct {
        uint8_t fam, mod;
        enum uat_snp_product want;
    } cases[] = {
        {0x19, 0x01, UAT_SNP_PRODUCT_MILAN}, {0x19, 0x0f, UAT_SNP_PRODUCT_MILAN},
        {0x19, 0x11, UAT_SNP_PRODUCT_GENOA}, {0x19, 0xa0, UAT_SNP_PRODUCT_GENOA},
        {0x1a, 0x02, UAT_SNP_PRODUCT_TURIN}, {0x1a, 0x11, UAT_SNP_PRODUCT_TURIN},
        {0x19, 0x21, UAT_SNP_PRODUCT_UNKNOWN}, {0x17, 0x31, UAT_SNP_PRODUCT_UNKNOWN},
        {0x1a, 0x24, UAT_SNP_PRODUCT_UNKNOWN},
    };
    uat_snp_report r;
    memset(&r, 0, sizeof(r));
    r.version = 3;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        r.cpuid_fam_id = cases[i].fam;
        r.cpuid_mod_id = cases[i].mod;
        assert_int_equal(uat_snp_product_from_cpuid(&r), cases[i].want);
    }
    r.version = 2;
    assert_int_equal(uat_snp_product_from_cpuid(&r), UAT_SNP_PRODUCT_UNKNOWN);
    assert_int_equal(uat_snp_product_from_name("Milan-B0"), UAT_SNP_PRODUCT_MILAN);
    assert_int_equal(uat_snp_product_from_name("Milan"), UAT_SNP_PRODUCT_MILAN);
    assert_int_equal(uat_snp_product_from_name("Genoa-B1"), UAT_SNP_PRODUCT_GENOA);
    assert_int_equal(uat_snp_product_from_name("Turin-B0"), UAT_SNP_PRODUCT_TURIN);
    assert_int_equal(uat_snp_product_from_name("Milano"), UAT_SNP_PRODUCT_UNKNOWN);
    assert_int_equal(uat_snp_product_from_name("Mila"), UAT_SNP_PRODUCT_UNKNOWN);
    assert_int_equal(uat_snp_product_from_name(""), UAT_SNP_PRODUCT_UNKNOWN);
}

static void test_tcb_layouts(void **state)
{
    (void)state;
    uat_snp_tcb t;
    uat_snp_tcb_decode(0x4405000000000002ull, UAT_SNP_PRODUCT_MILAN, &t);
    assert_true(!t.turin && t.boot_loader == 2 && t.tee == 0 && t.snp == 5 && t.microcode == 68);
    uat_snp_tcb_decode(0x7308000000000003ull, UAT_SNP_PRODUCT_GENOA, &t);
    assert_true(t.boot_loader == 3 && t.snp == 8 && t.microcode == 115);
    /* Turin: fmc byte 0, boot_loader 1, tee 2, snp 3, reserved 4-6, microcode 7 */
    uat_snp_tcb_decode(0x4800000004030201ull, UAT_SNP_PRODUCT_TURIN, &t);
    assert_true(t.turin && t.fmc == 1 && t.boot_loader == 2 && t.tee == 3 && t.snp == 4 &&
                t.microcode == 0x48);
    assert_true(uat_is_zero(t.reserved, sizeof(t.reserved)));
}

static void test_ext_values(void **state)
{
    (void)state;
    uint8_t v = 0;
    assert_ok(uat_snp_ext_u8(uat_span_of("\x02\x01\x02", 3), "blSPL", &v));
    assert_int_equal(v, 2);
    assert_ok(uat_snp_ext_u8(uat_span_of("\x02\x02\x00\xa9", 4), "ucodeSPL", &v));
    assert_int_equal(v, 0xa9);
    /* not minimal, negative, above 255 */
    assert_err(uat_snp_ext_u8(uat_span_of("\x02\x02\x00\x09", 4), "x", &v),
               UAT_ERR_PARSE_BAD_VALUE);
    assert_err(uat_snp_ext_u8(uat_span_of("\x02\x01\xa9", 3), "x", &v), UAT_ERR_PARSE_BAD_VALUE);
    assert_err(uat_snp_ext_u8(uat_span_of("\x02\x02\x01\x00", 4), "x", &v),
               UAT_ERR_PARSE_BAD_VALUE);
    assert_err(uat_snp_ext_u8(uat_span_of("\x02\x01\x02\x00", 4), "x", &v),
               UAT_ERR_PARSE_TRAILING_BYTES);
    assert_err(uat_snp_ext_u8(uat_span_of("\x04\x01\x02", 3), "x", &v), UAT_ERR_PARSE_BAD_VALUE);
    char name[32];
    assert_ok(uat_snp_ext_ia5(uat_span_of("\x16\x08Milan-B0", 10), "productName", name, 32));
    assert_string_equal(name, "Milan-B0");
    assert_err(uat_snp_ext_ia5(uat_span_of("\x0c\x05Milan", 7), "p", name, 32),
               UAT_ERR_PARSE_BAD_VALUE);
    assert_err(uat_snp_ext_ia5(uat_span_of("\x16\x02M\n", 4), "p", name, 32),
               UAT_ERR_PARSE_BAD_VALUE);
    assert_err(uat_snp_ext_ia5(uat_span_of("\x16\x00", 2), "p", name, 32),
               UAT_ERR_PARSE_BAD_LENGTH);
    assert_err(uat_snp_ext_ia5(uat_span_of("\x16\x08Milan-B0", 10), "p", name, 8),
               UAT_ERR_PARSE_BAD_LENGTH);
    uint8_t raw[66], hwid[64];
    for (size_t i = 0; i < 64; i++) {
        raw[i + 2] = (uint8_t)i;
    }
    raw[0] = 0x04;
    raw[1] = 0x40;
    assert_ok(uat_snp_ext_hwid(uat_span_of(raw + 2, 64), 64, hwid)); /* legacy: raw bytes */
    assert_memory_equal(hwid, raw + 2, 64);
    memset(hwid, 0, 64);
    assert_ok(uat_snp_ext_hwid(uat_span_of(raw, 66), 64, hwid)); /* OCTET STRING */
    assert_memory_equal(hwid, raw + 2, 64);
    assert_err(uat_snp_ext_hwid(uat_span_of(raw, 65), 64, hwid), UAT_ERR_PARSE_BAD_LENGTH);
    assert_ok(uat_snp_ext_hwid(uat_span_of(raw + 2, 8), 8, hwid)); /* Turin: 8 bytes */
}

static void test_vek_ext_corpus(void **state)
{
    (void)state;
    uat_snp_report r1 = parse_ok(load(N1 "/report.bin"));
    uat_snp_vek_ext e = ext_of(N1 "/vcek.der");
    assert_int_equal(e.kind, UAT_SNP_VCEK);
    assert_int_equal(e.struct_version, 0);
    assert_string_equal(e.product_name, "Milan-B0");
    assert_int_equal(e.product, UAT_SNP_PRODUCT_MILAN);
    assert_int_equal(e.hwid_len, 64);
    assert_memory_equal(e.hwid, r1.chip_id, 64);
    assert_true(e.tcb == 0x4405000000000002ull);
    assert_true(uat_snp_vek_matches(&e, &r1));

    e = ext_of(N2 "/vcek.der");
    assert_true(e.tcb == 0x7308000000000003ull);
    /* the synthetic NEG certificates parse (both hwID encodings), hwID 00 01 .. 3f */
    static const char *const negs[] = {N2 "/NEG_vcek-invalid-legacy.der",
                                       N2 "/NEG_vcek-invalid-new.der"};
    for (size_t i = 0; i < 2; i++) {
        e = ext_of(negs[i]);
        assert_int_equal(e.kind, UAT_SNP_VCEK);
        for (size_t k = 0; k < 64; k++) {
            assert_int_equal(e.hwid[k], k);
        }
    }
    e = ext_of(N3 "/vlek.der");
    assert_int_equal(e.kind, UAT_SNP_VLEK);
    assert_string_equal(e.product_name, "Milan");
    assert_string_equal(e.csp_id, "CN=cc-us-east-2.amazonaws.com");
    assert_int_equal(e.hwid_len, 0);
    assert_true(e.tcb == 0xd918000000000004ull);
    /* an ASK is not a VCEK */
    uat_der_list l = {NULL, 0, 0};
    assert_ok(uat_der_list_load_certs(uat_buf_span(load(TRUST "/ask_ark_milan.pem")), &l));
    uat_cert *ask = NULL;
    assert_ok(uat_cert_parse(uat_buf_span(&l.items[0]), &ask));
    uat_der_list_free(&l);
    g_cert[g_ncert++] = ask;
    assert_fail(uat_snp_vek_ext_read(ask, &e), UAT_ERR_PARSE_BAD_CERT, "snp.vek", "subject");
}

static void test_vek_ext_layouts(void **state)
{
    (void)state;
    uat_snp_vek_ext e;
    memset(&e, 0, sizeof(e));
    e.product = UAT_SNP_PRODUCT_TURIN;
    e.struct_version = 1;
    e.spl[9] = 1;  /* fmc */
    e.spl[1] = 2;  /* boot loader */
    e.spl[2] = 3;  /* tee */
    e.spl[3] = 4;  /* snp */
    e.spl[8] = 72; /* microcode */
    e.spl_seen = (1u << 1) | (1u << 2) | (1u << 3) | (1u << 8) | (1u << 9);
    assert_ok(uat_snp_vek_ext_finish(&e));
    assert_true(e.tcb == 0x4800000004030201ull);
    e.spl_seen &= ~(1u << 9);
    assert_fail(uat_snp_vek_ext_finish(&e), UAT_ERR_PARSE_BAD_CERT, "snp.vek", "spl");
    e.spl_seen |= 1u << 9;
    e.spl[6] = 1; /* reserved on Turin */
    assert_fail(uat_snp_vek_ext_finish(&e), UAT_ERR_PARSE_BAD_CERT, "snp.vek", "spl");
    e.spl[6] = 0;
    e.struct_version = 0;
    assert_fail(uat_snp_vek_ext_finish(&e), UAT_ERR_PARSE_BAD_CERT, "snp.vek", "structVersion");
    /* Milan/Genoa: no fmcSPL; SPL4-7 are bytes 2-5 */
    e.product = UAT_SNP_PRODUCT_GENOA;
    assert_fail(uat_snp_vek_ext_finish(&e), UAT_ERR_PARSE_BAD_CERT, "snp.vek", "fmcSPL");
    e.spl_seen &= ~(1u << 9);
    e.spl[5] = 9;
    assert_ok(uat_snp_vek_ext_finish(&e));
    assert_true(e.tcb == 0x4804000009000302ull);
}

/* ---- certificate against report ----------------------------------------------------------- */

static void test_check_tcb(void **state)
{
    (void)state;
    uat_snp_report r = parse_ok(load(N1 "/report.bin"));
    uat_snp_vek_ext e = ext_of(N1 "/vcek.der");
    assert_ok(uat_snp_check_tcb(&e, &r));
    /* each component, and a reserved byte, must match */
    for (size_t byte = 0; byte < 8; byte++) {
        uat_snp_report m = r;
        m.reported_tcb ^= 1ull << (8 * byte);
        assert_fail(uat_snp_check_tcb(&e, &m), UAT_ERR_VERIFY_TCB, "snp.tcb", "reported_tcb");
        assert_false(uat_snp_vek_matches(&e, &m));
    }
    r.reported_tcb = 0x4406000000000002ull;
    assert_err(uat_snp_check_tcb(&e, &r), UAT_ERR_VERIFY_TCB);
    assert_non_null(strstr(uat_last_error()->message, "bl 2 tee 0 snp 5 ucode 68"));
    assert_non_null(strstr(uat_last_error()->message, "snp 6"));
    /* CURRENT_TCB is not what the VCEK certifies (n2: current ucode 206, reported 115) */
    uat_snp_report r2 = parse_ok(load(N2 "/report.bin"));
    uat_snp_vek_ext e2 = ext_of(N2 "/vcek.der");
    assert_ok(uat_snp_check_tcb(&e2, &r2));
}

static void test_check_hwid(void **state)
{
    (void)state;
    uat_snp_report r1 = parse_ok(load(N1 "/report.bin"));
    uat_snp_report r2 = parse_ok(load(N2 "/report.bin"));
    uat_snp_vek_ext e1 = ext_of(N1 "/vcek.der");
    assert_ok(uat_snp_check_hwid(&e1, &r1));
    assert_fail(uat_snp_check_hwid(&e1, &r2), UAT_ERR_VERIFY_CHAIN, "snp.hwid", "chip_id");
    uat_snp_vek_ext neg = ext_of(N2 "/NEG_vcek-invalid-new.der");
    assert_err(uat_snp_check_hwid(&neg, &r2), UAT_ERR_VERIFY_CHAIN);
    /* a masked CHIP_ID (zero) has nothing to compare */
    uat_snp_report masked = r2;
    masked.mask_chip_key = 1;
    memset(masked.chip_id, 0, 64);
    assert_ok(uat_snp_check_hwid(&e1, &masked));
    /* Turin: an 8-byte hwID is the start of CHIP_ID, the rest zero */
    uat_snp_vek_ext t = e1;
    t.product = UAT_SNP_PRODUCT_TURIN;
    t.hwid_len = 8;
    uat_snp_report rt = r1;
    memset(rt.chip_id + 8, 0, 56);
    assert_ok(uat_snp_check_hwid(&t, &rt));
    rt.chip_id[63] = 1;
    assert_err(uat_snp_check_hwid(&t, &rt), UAT_ERR_VERIFY_CHAIN);
}

static void test_check_kind_and_product(void **state)
{
    (void)state;
    uat_snp_report r1 = parse_ok(load(N1 "/report.bin"));
    uat_snp_report r3 = parse_ok(load(N3 "/report.bin"));
    uat_snp_vek_ext vcek = ext_of(N1 "/vcek.der");
    uat_snp_vek_ext vlek = ext_of(N3 "/vlek.der");
    assert_ok(uat_snp_check_kind(&vcek, &r1));
    assert_ok(uat_snp_check_kind(&vlek, &r3));
    /* a VLEK presented for a VCEK-signed report, and the other way round */
    assert_fail(uat_snp_check_kind(&vlek, &r1), UAT_ERR_VERIFY_CHAIN, "snp.signing_key",
                "signing_key");
    assert_fail(uat_snp_check_kind(&vcek, &r3), UAT_ERR_VERIFY_CHAIN, "snp.signing_key",
                "signing_key");
    assert_false(uat_snp_vek_matches(&vlek, &r1));
    /* product: a version 3 report names its CPU; a certificate of another product is refused */
    assert_ok(uat_snp_check_product(&vlek, &r3));
    uat_snp_vek_ext genoa = vlek;
    genoa.product = UAT_SNP_PRODUCT_GENOA;
    assert_fail(uat_snp_check_product(&genoa, &r3), UAT_ERR_VERIFY_CHAIN, "snp.product",
                "cpuid_fam_id");
    assert_false(uat_snp_vek_matches(&genoa, &r3));
    uat_snp_report turin = r3;
    turin.cpuid_fam_id = 0x1a;
    assert_err(uat_snp_check_product(&vlek, &turin), UAT_ERR_VERIFY_CHAIN);
    /* version 2 has no CPUID: the certificate's product stands */
    assert_ok(uat_snp_check_product(&genoa, &r1));
}

#define T(f) cmocka_unit_test_teardown(f, release)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_parse_corpus),
        T(test_parse_lengths),
        T(test_parse_versions),
        T(test_parse_reserved),
        T(test_parse_bad_values),
        T(test_cert_table),
        T(test_cert_table_negatives),
        T(test_products),
        T(test_tcb_layouts),
        T(test_ext_values),
        T(test_vek_ext_corpus),
        T(test_vek_ext_layouts),
        T(test_check_tcb),
        T(test_check_hwid),
        T(test_check_kind_and_product),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
