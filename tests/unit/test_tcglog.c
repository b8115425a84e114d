/* Unit tests for TCG event logs and CCELs (src/evidence/tcglog.c, tcglog_claims.c): synthetic
 * logs built here (truncation at every offset, bad Spec ID events, undeclared digest sizes, caps,
 * StartupLocality, CCEL fill, claims from digest-covered data only), then the real logs of the
 * shared corpus: the GCP Shielded VM log (SHA-1 format) against its PCR values, the virtCCA CCEL
 * against the token's REM0..REM2, the Hygon CSV stub. IMA lists: test_imalog.c.
 *
 * Expected values: ../shared/corpus/tpm2/PROVENANCE.md and pcrs_sha1.json (the GCP PCRs, also
 * reproduced by tpm2_eventlog), ../shared/corpus/arm-cca/PROVENANCE.md (REMs and event counts,
 * computed there independently).
 */
#include "tcglog_test.h"

typedef struct bank {
    uint16_t alg;
    uint16_t size;
} bank;

static const bank two_banks[2] = {{UAT_TCG_ALG_SHA1, 20}, {UAT_TCG_ALG_SHA256, 32}};

/* Every field of a Spec ID event, so that each can be made wrong. */
typedef struct spec {
    uint32_t pcr;
    uint8_t digest_byte; /* the header's digest: all this byte */
    uint32_t platform_class;
    uint8_t minor, major, errata, uintn;
    uint32_t nalgs;  /* numberOfAlgorithms as written */
    size_t nwritten; /* digestSizes entries actually written */
    bank banks[UAT_TCGLOG_MAX_BANKS + 2];
    uint8_t vendor_size;
    size_t vendor_written;
    size_t extra; /* bytes after vendorInfo, inside eventSize */
} spec;

static spec default_spec(void)
{
    spec s;
    memset(&s, 0, sizeof(s));
    s.major = 2;
    s.uintn = 2;
    s.nalgs = 2;
    s.nwritten = 2;
    s.banks[0] = two_banks[0];
    s.banks[1] = two_banks[1];
    return s;
}

static void put_spec(uat_buf *b, const spec *s)
{
    uat_buf ev = new_buf();
    put(&ev, "Spec ID Event03", 16);
    u32(&ev, s->platform_class);
    u8(&ev, s->minor);
    u8(&ev, s->major);
    u8(&ev, s->errata);
    u8(&ev, s->uintn);
    u32(&ev, s->nalgs);
    for (size_t i = 0; i < s->nwritten; i++) {
        u16(&ev, s->banks[i].alg);
        u16(&ev, s->banks[i].size);
    }
    u8(&ev, s->vendor_size);
    for (size_t i = 0; i < s->vendor_written + s->extra; i++) {
        u8(&ev, (uint8_t)i);
    }
    u32(b, s->pcr);
    u32(b, UAT_EV_NO_ACTION);
    for (int i = 0; i < 20; i++) {
        u8(b, s->digest_byte);
    }
    u32(b, (uint32_t)ev.len);
    put(b, ev.p, ev.len);
    uat_buf_free(&ev);
}

/* A bank's digest of data: the real hash for the algorithms the crypto layer has, a pattern for
 * the others. */
static void bank_digest(const bank *k, const void *data, size_t len, uint8_t *out)
{
    enum uat_hash_alg h;
    if (uat_tcg_hash_alg(k->alg, &h) == UAT_OK) {
        uat_span s = uat_span_of(data, len);
        assert_ok(uat_hash(h, &s, 1, out));
        return;
    }
    uat_error_clear();
    memset(out, 0xab, k->size);
}

static void put_event2(uat_buf *b, uint32_t pcr, uint32_t type, const bank *banks, size_t n,
                       const void *data, size_t len)
{
    u32(b, pcr);
    u32(b, type);
    u32(b, (uint32_t)n);
    for (size_t i = 0; i < n; i++) {
        uint8_t d[UAT_HASH_MAX];
        bank_digest(&banks[i], data, len, d);
        u16(b, banks[i].alg);
        put(b, d, banks[i].size);
    }
    u32(b, (uint32_t)len);
    put(b, data, len);
}

static void put_event1(uat_buf *b, uint32_t pcr, uint32_t type, const void *data, size_t len)
{
    static const bank sha1 = {UAT_TCG_ALG_SHA1, 20};
    uint8_t d[20];
    bank_digest(&sha1, data, len, d);
    u32(b, pcr);
    u32(b, type);
    put(b, d, 20);
    u32(b, (uint32_t)len);
    put(b, data, len);
}

/* UEFI_VARIABLE_DATA of EFI_GLOBAL_VARIABLE SecureBoot = value */
static size_t secure_boot_data(uint8_t value, uint8_t out[64])
{
    static const uint8_t guid[16] = {0x61, 0xdf, 0xe4, 0x8b, 0xca, 0x93, 0xd2, 0x11,
                                     0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c};
    uat_buf b = new_buf();
    put(&b, guid, 16);
    u64(&b, 10);
    u64(&b, 1);
    const char *name = "SecureBoot";
    for (size_t i = 0; i < 10; i++) {
        u8(&b, (uint8_t)name[i]);
        u8(&b, 0);
    }
    u8(&b, value);
    size_t n = b.len;
    memcpy(out, b.p, n);
    uat_buf_free(&b);
    return n;
}

static const uint8_t sep_ok[4] = {0, 0, 0, 0};
static const uint8_t app_image[32] = "an EFI application's PE hash..";

/* The small crypto-agile log: Spec ID, then five events; ends[] = the end offset of each record
 * (Spec ID first). */
#define SMALL_RECORDS 6
static uat_buf small_log(size_t ends[SMALL_RECORDS], uint32_t base_index)
{
    uat_buf b = new_buf();
    spec s = default_spec();
    s.pcr = base_index == 0 ? 0 : 1;
    put_spec(&b, &s);
    ends[0] = b.len;
    uint8_t sb[64];
    size_t sbn = secure_boot_data(1, sb);
    uint32_t fw = base_index == 0 ? 7 : 1, apps = base_index == 0 ? 4 : 2;
    put_event2(&b, base_index == 0 ? 0 : 1, 0x8, two_banks, 2, "\0\0", 2);
    ends[1] = b.len;
    put_event2(&b, fw, UAT_EV_EFI_VARIABLE_DRIVER_CONFIG, two_banks, 2, sb, sbn);
    ends[2] = b.len;
    put_event2(&b, fw, UAT_EV_SEPARATOR, two_banks, 2, sep_ok, 4);
    ends[3] = b.len;
    put_event2(&b, apps, UAT_EV_EFI_BOOT_SERVICES_APPLICATION, two_banks, 2, app_image, 32);
    ends[4] = b.len;
    put_event2(&b, base_index == 0 ? 0 : 1, UAT_EV_NO_ACTION, two_banks, 2, "note", 4);
    ends[5] = b.len;
    return b;
}

static uat_tcglog *parse_ok(const uat_buf *b, int ccel)
{
    uat_tcglog *l = NULL;
    if (ccel) {
        assert_ok(uat_tcglog_parse_ccel(uat_buf_span(b), &l));
    } else {
        assert_ok(uat_tcglog_parse(uat_buf_span(b), &l));
    }
    assert_non_null(l);
    return l;
}

static void parse_fails(const uat_buf *b, int ccel, uat_err want)
{
    uat_tcglog *l = NULL;
    uat_err rc =
        ccel ? uat_tcglog_parse_ccel(uat_buf_span(b), &l) : uat_tcglog_parse(uat_buf_span(b), &l);
    assert_err(rc, want);
    assert_null(l);
}

/* ---- TCG log: negative cases ------------------------------------------------------------- */

/* Every cut that is not a record boundary is PARSE_TRUNCATED; a cut at a boundary is a shorter
 * well-formed log (a TPM log has no terminator). */
static void test_truncation_every_offset(void **state)
{
    (void)state;
    size_t ends[SMALL_RECORDS];
    uat_buf b = small_log(ends, 0);
    for (size_t cut = 0; cut < b.len; cut++) {
        uat_buf part = new_buf();
        put(&part, b.p, cut);
        size_t records = 0;
        while (records < SMALL_RECORDS && ends[records] <= cut) {
            records++;
        }
        if (records > 0 && ends[records - 1] == cut) {
            uat_tcglog *l = parse_ok(&part, 0);
            assert_int_equal(uat_tcglog_count(l), records - 1);
            uat_tcglog_free(l);
        } else {
            parse_fails(&part, 0, UAT_ERR_PARSE_TRUNCATED);
        }
        uat_buf_free(&part);
    }
    uat_tcglog *l = parse_ok(&b, 0);
    assert_int_equal(uat_tcglog_count(l), 5);
    assert_int_equal(uat_tcglog_is_crypto_agile(l), 1);
    uat_tcglog_free(l);
    uat_buf_free(&b);
}

/* The same cuts of a CCEL (MR indices 1..2) fail as the reader says, and fill after any complete
 * record is accepted. */
static void test_ccel_truncation_every_offset(void **state)
{
    (void)state;
    size_t ends[SMALL_RECORDS];
    uat_buf b = small_log(ends, 1);
    for (size_t cut = 0; cut < b.len; cut++) {
        uat_buf part = new_buf();
        put(&part, b.p, cut);
        size_t records = 0;
        while (records < SMALL_RECORDS && ends[records] <= cut) {
            records++;
        }
        uat_tcglog *l = NULL;
        uat_err rc = uat_tcglog_parse_ccel(uat_buf_span(&part), &l);
        if (records > 0 && ends[records - 1] == cut) {
            assert_ok(rc);
            assert_int_equal(uat_tcglog_count(l), records - 1);
            uat_tcglog_free(l);
        } else {
            assert_err(rc, UAT_ERR_PARSE_TRUNCATED);
        }
        uat_buf_free(&part);
    }
    uat_buf_free(&b);
}

static void spec_fails(spec s, uat_err want, const char *field)
{
    uat_buf b = new_buf();
    put_spec(&b, &s);
    parse_fails(&b, 0, want);
    if (field != NULL) {
        assert_string_equal(last_field(), field);
    }
    uat_buf_free(&b);
}

static void test_spec_id_bad(void **state)
{
    (void)state;
    spec s = default_spec();
    s.major = 1;
    spec_fails(s, UAT_ERR_PARSE_BAD_VERSION, "specVersionMajor");
    s = default_spec();
    s.minor = 1;
    spec_fails(s, UAT_ERR_PARSE_BAD_VERSION, "specVersionMajor");
    s = default_spec();
    s.uintn = 0;
    spec_fails(s, UAT_ERR_PARSE_BAD_VALUE, "uintnSize");
    s.uintn = 3;
    spec_fails(s, UAT_ERR_PARSE_BAD_VALUE, "uintnSize");
    s = default_spec();
    s.platform_class = 2;
    spec_fails(s, UAT_ERR_PARSE_BAD_VALUE, "platformClass");
    s = default_spec();
    s.nalgs = 0;
    s.nwritten = 0;
    spec_fails(s, UAT_ERR_PARSE_BAD_LENGTH, "numberOfAlgorithms");
    s = default_spec();
    s.nalgs = UAT_TCGLOG_MAX_BANKS + 1;
    s.nwritten = UAT_TCGLOG_MAX_BANKS + 1;
    for (size_t i = 0; i < s.nwritten; i++) {
        s.banks[i].alg = (uint16_t)(0x100 + i);
        s.banks[i].size = 32;
    }
    spec_fails(s, UAT_ERR_PARSE_BAD_LENGTH, "numberOfAlgorithms");
    s = default_spec();
    s.nalgs = 3; /* declares more than the event holds */
    spec_fails(s, UAT_ERR_PARSE_TRUNCATED, NULL);
    s = default_spec();
    s.nalgs = 0xFFFFFFFFu;
    spec_fails(s, UAT_ERR_PARSE_BAD_LENGTH, "numberOfAlgorithms");
    s = default_spec();
    s.banks[1].alg = UAT_TCG_ALG_SHA1;
    s.banks[1].size = 20;
    spec_fails(s, UAT_ERR_PARSE_BAD_VALUE, "digestSizes.algorithmId");
    s = default_spec();
    s.banks[1].size = 20; /* SHA-256 declared with 20-byte digests */
    spec_fails(s, UAT_ERR_PARSE_BAD_VALUE, "digestSizes.digestSize");
    s = default_spec();
    s.banks[1].alg = 0x7777;
    s.banks[1].size = 0;
    spec_fails(s, UAT_ERR_PARSE_BAD_VALUE, "digestSizes.digestSize");
    s.banks[1].size = UAT_HASH_MAX + 1;
    spec_fails(s, UAT_ERR_PARSE_BAD_VALUE, "digestSizes.digestSize");
    s = default_spec();
    s.vendor_size = 4;
    s.vendor_written = 3;
    spec_fails(s, UAT_ERR_PARSE_TRUNCATED, "vendorInfo");
    s = default_spec();
    s.vendor_size = 2;
    s.vendor_written = 2;
    s.extra = 1;
    spec_fails(s, UAT_ERR_PARSE_TRAILING_BYTES, NULL);
    s = default_spec();
    s.digest_byte = 1;
    spec_fails(s, UAT_ERR_PARSE_RESERVED_NONZERO, "digest");
    s = default_spec();
    s.pcr = 1; /* allowed in a CCEL (virtCCA logs it to index 1), not in a TPM log */
    spec_fails(s, UAT_ERR_PARSE_BAD_VALUE, "pcrIndex");

    /* vendorInfo is carried; a 2-byte vendorInfo is fine */
    s = default_spec();
    s.vendor_size = 2;
    s.vendor_written = 2;
    uat_buf b = new_buf();
    put_spec(&b, &s);
    uat_tcglog *l = parse_ok(&b, 0);
    assert_int_equal(uat_tcglog_count(l), 0);
    uat_tcglog_free(l);
    uat_buf_free(&b);
}

static uat_buf spec_then(const bank *banks, size_t n)
{
    uat_buf b = new_buf();
    spec s = default_spec();
    s.nalgs = (uint32_t)n;
    s.nwritten = n;
    for (size_t i = 0; i < n; i++) {
        s.banks[i] = banks[i];
    }
    put_spec(&b, &s);
    return b;
}

static void test_event_bad(void **state)
{
    (void)state;
    /* a digest of an algorithm the Spec ID event does not declare: its size is unknown */
    static const bank undeclared[2] = {{UAT_TCG_ALG_SHA1, 20}, {UAT_TCG_ALG_SHA384, 48}};
    uat_buf b = spec_then(two_banks, 2);
    put_event2(&b, 0, 8, undeclared, 2, "x", 1);
    parse_fails(&b, 0, UAT_ERR_PARSE_BAD_VALUE);
    assert_string_equal(last_field(), "digests.hashAlg");
    uat_buf_free(&b);

    /* the same algorithm twice */
    static const bank twice[2] = {{UAT_TCG_ALG_SHA1, 20}, {UAT_TCG_ALG_SHA1, 20}};
    b = spec_then(two_banks, 2);
    put_event2(&b, 0, 8, twice, 2, "x", 1);
    parse_fails(&b, 0, UAT_ERR_PARSE_BAD_VALUE);
    uat_buf_free(&b);

    /* fewer digests than banks */
    b = spec_then(two_banks, 2);
    put_event2(&b, 0, 8, two_banks, 1, "x", 1);
    parse_fails(&b, 0, UAT_ERR_PARSE_BAD_LENGTH);
    assert_string_equal(last_field(), "digests.count");
    uat_buf_free(&b);

    /* a huge digest count is not believed */
    b = spec_then(two_banks, 2);
    u32(&b, 0);
    u32(&b, 8);
    u32(&b, 0xFFFFFFFFu);
    parse_fails(&b, 0, UAT_ERR_PARSE_BAD_LENGTH);
    uat_buf_free(&b);

    /* PCR 24 in a TPM log; MR index 5 and an extending index 0 in a CCEL */
    b = spec_then(two_banks, 2);
    put_event2(&b, 24, 8, two_banks, 2, "x", 1);
    parse_fails(&b, 0, UAT_ERR_PARSE_BAD_VALUE);
    assert_string_equal(last_field(), "pcrIndex");
    uat_buf_free(&b);
    b = spec_then(two_banks, 2);
    put_event2(&b, 5, 8, two_banks, 2, "x", 1);
    parse_fails(&b, 1, UAT_ERR_PARSE_BAD_VALUE);
    assert_string_equal(last_field(), "MRIndex");
    uat_buf_free(&b);
    b = spec_then(two_banks, 2);
    put_event2(&b, 0, 8, two_banks, 2, "x", 1);
    parse_fails(&b, 1, UAT_ERR_PARSE_BAD_VALUE);
    uat_buf_free(&b);

    /* eventSize past the cap, and past the end */
    b = spec_then(two_banks, 2);
    u32(&b, 0);
    u32(&b, 8);
    u32(&b, 2);
    for (size_t i = 0; i < 2; i++) {
        u16(&b, two_banks[i].alg);
        assert_ok(uat_buf_put_zeros(&b, two_banks[i].size));
    }
    size_t at = b.len;
    u32(&b, UAT_MAX_EVENT_DATA_BYTES + 1);
    parse_fails(&b, 0, UAT_ERR_PARSE_BAD_LENGTH);
    assert_string_equal(last_field(), "eventSize");
    assert_int_equal(uat_last_error()->offset, (int64_t)at);
    b.len = at;
    u32(&b, 100);
    parse_fails(&b, 0, UAT_ERR_PARSE_TRUNCATED);
    uat_buf_free(&b);

    /* a CCEL must be crypto-agile */
    b = new_buf();
    put_event1(&b, 1, 8, "x", 1);
    parse_fails(&b, 1, UAT_ERR_PARSE_BAD_MAGIC);
    uat_buf_free(&b);
}

static void test_caps(void **state)
{
    (void)state;
    /* one event more than UAT_MAX_EVENTLOG_EVENTS */
    static const bank sha1[1] = {{UAT_TCG_ALG_SHA1, 20}};
    uat_buf b = spec_then(sha1, 1);
    for (size_t i = 0; i <= UAT_MAX_EVENTLOG_EVENTS; i++) {
        u32(&b, 1);
        u32(&b, 8);
        u32(&b, 1);
        u16(&b, UAT_TCG_ALG_SHA1);
        assert_ok(uat_buf_put_zeros(&b, 20));
        u32(&b, 0);
    }
    parse_fails(&b, 0, UAT_ERR_RESOURCE_LIMIT);
    /* a log over UAT_MAX_EVENTLOG_BYTES is refused before it is read */
    uint8_t *big = calloc(1, UAT_MAX_EVENTLOG_BYTES + 1u);
    assert_non_null(big);
    uat_tcglog *l = NULL;
    assert_err(uat_tcglog_parse(uat_span_of(big, UAT_MAX_EVENTLOG_BYTES + 1u), &l),
               UAT_ERR_RESOURCE_LIMIT);
    assert_null(l);
    free(big);
    uat_buf_free(&b);
    /* empty input */
    assert_err(uat_tcglog_parse(uat_span_of(NULL, 0), &l), UAT_ERR_PARSE_TRUNCATED);
}

/* An algorithm the Spec ID event declares but the crypto layer cannot hash is carried, listed
 * and refused for replay; the other banks replay. */
static void test_unknown_bank_carried(void **state)
{
    (void)state;
    static const bank banks[2] = {{UAT_TCG_ALG_SHA256, 32}, {0x7777, 40}};
    uat_buf b = spec_then(banks, 2);
    put_event2(&b, 3, 8, banks, 2, "abc", 3);
    uat_tcglog *l = parse_ok(&b, 0);
    uint16_t algs[4];
    assert_int_equal(uat_tcglog_banks(l, algs, 4), 2);
    assert_int_equal(algs[1], 0x7777);
    assert_int_equal(uat_tcglog_digest(l, 0, 0x7777).len, 40);
    uint8_t regs[UAT_TCGLOG_MAX_REGS][UAT_HASH_MAX];
    size_t n;
    uint32_t ext;
    assert_err(uat_tcglog_replay(l, 0x7777, regs, &n, &ext), UAT_ERR_UNSUPPORTED_ALGORITHM);
    assert_err(uat_tcglog_replay(l, UAT_TCG_ALG_SHA384, regs, &n, &ext),
               UAT_ERR_UNSUPPORTED_ALGORITHM);
    assert_ok(uat_tcglog_replay(l, UAT_TCG_ALG_SHA256, regs, &n, &ext));
    assert_int_equal(n, 32);
    assert_int_equal(ext, 1u << 3);
    uint8_t want[UAT_HASH_MAX] = {0};
    extend_data(UAT_HASH_SHA256, want, "abc", 3);
    assert_memory_equal(regs[3], want, 32);
    json_t *c = json_object();
    assert_ok(uat_tcglog_claims(l, c));
    assert_string_equal(json_string_value(json_array_get(json_object_get(c, "banks"), 1)),
                        "0x7777");
    json_decref(c);
    uat_tcglog_free(l);
    uat_buf_free(&b);
}

static void put_locality(uat_buf *b, uint8_t loc)
{
    uint8_t data[17];
    memcpy(data, "StartupLocality", 16);
    data[16] = loc;
    put_event2(b, 0, UAT_EV_NO_ACTION, two_banks, 2, data, 17);
}

static void test_startup_locality(void **state)
{
    (void)state;
    uat_buf b = spec_then(two_banks, 2);
    put_locality(&b, 3);
    put_event2(&b, 0, 8, two_banks, 2, "v", 1);
    uat_tcglog *l = parse_ok(&b, 0);
    uint8_t regs[UAT_TCGLOG_MAX_REGS][UAT_HASH_MAX];
    size_t n;
    uint32_t ext;
    assert_ok(uat_tcglog_replay(l, UAT_TCG_ALG_SHA256, regs, &n, &ext));
    uint8_t want[UAT_HASH_MAX] = {0};
    want[31] = 3;
    extend_data(UAT_HASH_SHA256, want, "v", 1);
    assert_memory_equal(regs[0], want, 32);
    assert_int_equal(ext, 1);
    uat_tcglog_free(l);
    uat_buf_free(&b);

    /* after a measurement into PCR 0, twice, a locality the spec does not allow, a bad size */
    b = spec_then(two_banks, 2);
    put_event2(&b, 0, 8, two_banks, 2, "v", 1);
    put_locality(&b, 0);
    parse_fails(&b, 0, UAT_ERR_PARSE_BAD_VALUE);
    uat_buf_free(&b);
    b = spec_then(two_banks, 2);
    put_locality(&b, 0);
    put_locality(&b, 0);
    parse_fails(&b, 0, UAT_ERR_PARSE_BAD_VALUE);
    uat_buf_free(&b);
    b = spec_then(two_banks, 2);
    put_locality(&b, 2);
    parse_fails(&b, 0, UAT_ERR_PARSE_BAD_VALUE);
    assert_string_equal(last_field(), "StartupLocality.locality");
    uat_buf_free(&b);
    b = spec_then(two_banks, 2);
    put_event2(&b, 0, UAT_EV_NO_ACTION, two_banks, 2, "StartupLocality\0\0\0", 18);
    parse_fails(&b, 0, UAT_ERR_PARSE_BAD_LENGTH);
    uat_buf_free(&b);
}

static void test_ccel_fill(void **state)
{
    (void)state;
    size_t ends[SMALL_RECORDS];
    for (int fill = 0; fill < 2; fill++) {
        uat_buf b = small_log(ends, 1);
        for (int i = 0; i < 300; i++) {
            u8(&b, fill ? 0xff : 0x00);
        }
        parse_fails(&b, 0, UAT_ERR_PARSE_BAD_VALUE); /* Spec ID at index 1 */
        uat_tcglog *l = parse_ok(&b, 1);
        assert_int_equal(uat_tcglog_count(l), 5);
        uat_tcglog_free(l);
        b.p[b.len - 1] = 0x01; /* fill with a hole is not fill */
        parse_fails(&b, 1, UAT_ERR_PARSE_BAD_VALUE);
        uat_buf_free(&b);
    }
}

static void test_replay_and_check(void **state)
{
    (void)state;
    size_t ends[SMALL_RECORDS];
    uat_buf b = small_log(ends, 0);
    uat_tcglog *l = parse_ok(&b, 0);
    uint8_t want[UAT_TCGLOG_MAX_REGS][UAT_HASH_MAX];
    memset(want, 0, sizeof(want));
    uint8_t sb[64];
    size_t sbn = secure_boot_data(1, sb);
    extend_data(UAT_HASH_SHA256, want[0], "\0\0", 2);
    extend_data(UAT_HASH_SHA256, want[7], sb, sbn);
    extend_data(UAT_HASH_SHA256, want[7], sep_ok, 4);
    extend_data(UAT_HASH_SHA256, want[4], app_image, 32);
    uint8_t regs[UAT_TCGLOG_MAX_REGS][UAT_HASH_MAX];
    size_t n;
    uint32_t ext;
    assert_ok(uat_tcglog_replay(l, UAT_TCG_ALG_SHA256, regs, &n, &ext));
    assert_int_equal(ext, (1u << 0) | (1u << 4) | (1u << 7));
    for (int i = 0; i < 8; i++) {
        assert_memory_equal(regs[i], want[i], 32);
    }
    assert_ok(uat_tcglog_check(l, UAT_TCG_ALG_SHA256, 0xFFFFFFu, CREGS(want)));
    want[7][5] ^= 1;
    assert_err(uat_tcglog_check(l, UAT_TCG_ALG_SHA256, 0xFFu, CREGS(want)),
               UAT_ERR_VERIFY_MEASUREMENT);
    assert_string_equal(last_field(), "pcr7");
    assert_non_null(strstr(uat_last_error()->message, "2 events"));
    assert_ok(uat_tcglog_check(l, UAT_TCG_ALG_SHA256, 0x7Fu, CREGS(want))); /* PCR 7 not asked */
    want[7][5] ^= 1;
    want[9][0] = 1; /* a register the log never extends must be at its initial value */
    assert_err(uat_tcglog_check(l, UAT_TCG_ALG_SHA256, 1u << 9, CREGS(want)),
               UAT_ERR_VERIFY_MEASUREMENT);
    assert_string_equal(last_field(), "pcr9");
    uat_tcglog_free(l);
    uat_buf_free(&b);

    /* CCEL: MR index i+1 is register i */
    b = small_log(ends, 1);
    l = parse_ok(&b, 1);
    uint8_t rem[UAT_CCEL_MAX_INDEX][UAT_HASH_MAX];
    memset(rem, 0, sizeof(rem));
    extend_data(UAT_HASH_SHA1, rem[0], "\0\0", 2);
    extend_data(UAT_HASH_SHA1, rem[0], sb, sbn);
    extend_data(UAT_HASH_SHA1, rem[0], sep_ok, 4);
    extend_data(UAT_HASH_SHA1, rem[1], app_image, 32);
    assert_ok(uat_tcglog_check_ccel(l, UAT_TCG_ALG_SHA1, 0xF, CREGS(rem), "rem"));
    rem[1][0] ^= 1;
    assert_err(uat_tcglog_check_ccel(l, UAT_TCG_ALG_SHA1, 0xF, CREGS(rem), "rtmr"),
               UAT_ERR_VERIFY_MEASUREMENT);
    assert_string_equal(last_field(), "rtmr1");
    assert_err(uat_tcglog_check_ccel(l, UAT_TCG_ALG_SHA1, 0x10, CREGS(rem), "rem"),
               UAT_ERR_USAGE_INVALID_ARGUMENT);
    uat_tcglog_free(l);
    uat_buf_free(&b);
}

/* A SHA-1 format log: every event is a TCG_PCR_EVENT. */
static void test_sha1_format(void **state)
{
    (void)state;
    uat_buf b = new_buf();
    put_event1(&b, 0, 8, "ver", 3);
    put_event1(&b, 0, UAT_EV_NO_ACTION, "skip", 4);
    put_event1(&b, 5, 0x80000006u, "gpt", 3);
    uat_tcglog *l = parse_ok(&b, 0);
    assert_int_equal(uat_tcglog_is_crypto_agile(l), 0);
    assert_int_equal(uat_tcglog_count(l), 3);
    uint16_t alg;
    assert_int_equal(uat_tcglog_banks(l, &alg, 1), 1);
    assert_int_equal(alg, UAT_TCG_ALG_SHA1);
    uint8_t want[UAT_TCGLOG_MAX_REGS][UAT_HASH_MAX];
    memset(want, 0, sizeof(want));
    extend_data(UAT_HASH_SHA1, want[0], "ver", 3);
    extend_data(UAT_HASH_SHA1, want[5], "gpt", 3);
    assert_ok(uat_tcglog_check(l, UAT_TCG_ALG_SHA1, 0xFFFFFF, CREGS(want)));
    uat_tcglog_free(l);
    for (size_t cut = 1; cut < b.len; cut++) {
        uat_buf part = new_buf();
        put(&part, b.p, cut);
        uat_tcglog *p = NULL;
        uat_err rc = uat_tcglog_parse(uat_buf_span(&part), &p);
        assert_true(rc == UAT_OK || rc == UAT_ERR_PARSE_TRUNCATED);
        uat_tcglog_free(p);
        uat_buf_free(&part);
    }
    uat_buf_free(&b);
}

/* ---- claims ------------------------------------------------------------------------------- */

static json_t *claims_of(const uat_buf *b, int ccel)
{
    uat_tcglog *l = parse_ok(b, ccel);
    json_t *c = json_object();
    assert_ok(uat_tcglog_claims(l, c));
    uat_tcglog_free(l);
    return c;
}

static void test_claims_synthetic(void **state)
{
    (void)state;
    size_t ends[SMALL_RECORDS];
    uat_buf b = small_log(ends, 0);
    json_t *c = claims_of(&b, 0);
    assert_true(json_is_true(json_object_get(c, "secure_boot")));
    assert_string_equal(json_string_value(json_object_get(c, "log_format")), "crypto-agile");
    assert_int_equal(json_integer_value(json_object_get(c, "events")), 5);
    json_t *types = json_object_get(c, "event_types");
    assert_int_equal(json_integer_value(json_object_get(types, "EV_SEPARATOR")), 1);
    assert_int_equal(json_integer_value(json_object_get(types, "0x00000008")), 0);
    assert_int_equal(json_integer_value(json_object_get(types, "EV_S_CRTM_VERSION")), 1);
    uint8_t d[32];
    uat_span s = uat_span_of(app_image, 32);
    assert_ok(uat_hash(UAT_HASH_SHA256, &s, 1, d));
    char hex[65];
    uat_hex_encode(d, 32, hex);
    assert_string_equal(json_string_value(json_object_get(c, "boot_manager")), hex);
    json_t *app = json_array_get(json_object_get(c, "boot_applications"), 0);
    assert_string_equal(json_string_value(json_object_get(app, "alg")), "sha256");
    json_t *sep = json_object_get(c, "separators");
    assert_false(json_is_true(json_object_get(sep, "consistent"))); /* only PCR 7 has one */
    json_t *r7 = json_object_get(json_object_get(sep, "registers"), "7");
    assert_int_equal(json_integer_value(json_object_get(r7, "count")), 1);
    assert_true(json_is_true(json_object_get(r7, "digest_ok")));
    json_t *r0 = json_object_get(json_object_get(sep, "registers"), "0");
    assert_int_equal(json_integer_value(json_object_get(r0, "count")), 0);
    json_decref(c);

    /* the SecureBoot byte changed without its digest: the data is not what was measured */
    size_t sb_at = ends[2] - 1;
    b.p[sb_at] = 0;
    uat_tcglog *l = parse_ok(&b, 0);
    c = json_object();
    assert_err(uat_tcglog_claims(l, c), UAT_ERR_VERIFY_MEASUREMENT);
    assert_string_equal(last_field(), "SecureBoot");
    json_decref(c);
    uat_tcglog_free(l);
    uat_buf_free(&b);

    /* CCEL: the same claims from MR indices 1 and 2 */
    b = small_log(ends, 1);
    c = claims_of(&b, 1);
    assert_true(json_is_true(json_object_get(c, "secure_boot")));
    assert_string_equal(json_string_value(json_object_get(c, "boot_manager")), hex);
    sep = json_object_get(c, "separators");
    assert_false(json_is_true(json_object_get(sep, "consistent"))); /* index 2 has none */
    json_decref(c);
    uat_buf_free(&b);
}

/* Every PCR 0-7 separator, one of them FFFFFFFF; SecureBoot 0 in one event, then 1 after the
 * separator (OS-extended: ignored), and one in PCR 14 (not the firmware's register). */
static void test_claims_separators_and_secure_boot(void **state)
{
    (void)state;
    static const uint8_t sep_err[4] = {0xff, 0xff, 0xff, 0xff};
    uint8_t sb_on[64], sb_off[64];
    size_t n_on = secure_boot_data(1, sb_on), n_off = secure_boot_data(0, sb_off);
    uat_buf b = spec_then(two_banks, 2);
    put_event2(&b, 7, UAT_EV_EFI_VARIABLE_DRIVER_CONFIG, two_banks, 2, sb_off, n_off);
    put_event2(&b, 14, UAT_EV_EFI_VARIABLE_DRIVER_CONFIG, two_banks, 2, sb_on, n_on);
    for (uint32_t pcr = 0; pcr < 8; pcr++) {
        put_event2(&b, pcr, UAT_EV_SEPARATOR, two_banks, 2, pcr == 3 ? sep_err : sep_ok, 4);
    }
    put_event2(&b, 7, UAT_EV_EFI_VARIABLE_DRIVER_CONFIG, two_banks, 2, sb_on, n_on);
    json_t *c = claims_of(&b, 0);
    assert_true(json_is_false(json_object_get(c, "secure_boot")));
    assert_null(json_object_get(c, "boot_manager"));
    json_t *sep = json_object_get(c, "separators");
    assert_true(json_is_true(json_object_get(sep, "consistent")));
    assert_true(json_is_true(json_object_get(sep, "error")));
    json_decref(c);

    /* a second separator in PCR 2, and one with other data */
    put_event2(&b, 2, UAT_EV_SEPARATOR, two_banks, 2, sep_ok, 4);
    c = claims_of(&b, 0);
    assert_false(json_is_true(json_object_get(json_object_get(c, "separators"), "consistent")));
    json_decref(c);
    uat_buf_free(&b);
    b = spec_then(two_banks, 2);
    for (uint32_t pcr = 0; pcr < 8; pcr++) {
        put_event2(&b, pcr, UAT_EV_SEPARATOR, two_banks, 2, pcr == 5 ? "WBCL" : "\0\0\0\0", 4);
    }
    c = claims_of(&b, 0);
    json_t *r5 =
        json_object_get(json_object_get(json_object_get(c, "separators"), "registers"), "5");
    assert_string_equal(json_string_value(json_array_get(json_object_get(r5, "data"), 0)),
                        "5742434c");
    assert_false(json_is_true(json_object_get(json_object_get(c, "separators"), "consistent")));
    assert_true(json_is_null(json_object_get(c, "secure_boot")));
    json_decref(c);
    uat_buf_free(&b);

    /* malformed UEFI_VARIABLE_DATA in PCR 7: name length past the data */
    b = spec_then(two_banks, 2);
    uint8_t bad[64];
    size_t nb = secure_boot_data(1, bad);
    bad[16] = 40;
    put_event2(&b, 7, UAT_EV_EFI_VARIABLE_DRIVER_CONFIG, two_banks, 2, bad, nb);
    uat_tcglog *l = parse_ok(&b, 0);
    c = json_object();
    assert_err(uat_tcglog_claims(l, c), UAT_ERR_PARSE_BAD_LENGTH);
    json_decref(c);
    uat_tcglog_free(l);
    uat_buf_free(&b);
}

/* ---- real logs ---------------------------------------------------------------------------- */

/* GCP Shielded VM (Windows): a SHA-1 format log of 21 events. Its replay reproduces every PCR
 * of pcrs_sha1.json it extends (0, 4, 5, 7, 11-14). */
static void test_gcp_eventlog(void **state)
{
    (void)state;
    uat_buf log = load(GCP "/eventlog.bin");
    uat_tcglog *l = parse_ok(&log, 0);
    assert_int_equal(uat_tcglog_is_crypto_agile(l), 0);
    assert_int_equal(uat_tcglog_count(l), 21);
    uat_buf js = load(GCP "/pcrs_sha1.json");
    json_t *pcrs = json_loadb((const char *)js.p, js.len, 0, NULL);
    assert_non_null(pcrs);
    uint8_t quoted[UAT_TCGLOG_MAX_REGS][UAT_HASH_MAX];
    memset(quoted, 0, sizeof(quoted));
    for (int i = 0; i < 24; i++) {
        char key[4];
        snprintf(key, sizeof(key), "%d", i);
        unhex(json_string_value(json_object_get(pcrs, key)), quoted[i], 20);
    }
    uint8_t regs[UAT_TCGLOG_MAX_REGS][UAT_HASH_MAX];
    size_t n;
    uint32_t ext;
    assert_ok(uat_tcglog_replay(l, UAT_TCG_ALG_SHA1, regs, &n, &ext));
    assert_int_equal(n, 20);
    assert_int_equal(ext, (1u << 0) | (1u << 4) | (1u << 5) | (1u << 7) | (1u << 11) | (1u << 12) |
                              (1u << 13) | (1u << 14));
    assert_ok(uat_tcglog_check(l, UAT_TCG_ALG_SHA1, ext, CREGS(quoted)));
    hex_is(regs[7], 20, "859a5877266b5c909613468091a73380a5386786");
    /* PCRs 17-22 hold the DRTM reset value (all ones): the log does not explain them */
    assert_err(uat_tcglog_check(l, UAT_TCG_ALG_SHA1, 0xFFFFFFu, CREGS(quoted)),
               UAT_ERR_VERIFY_MEASUREMENT);
    assert_string_equal(last_field(), "pcr17");
    assert_err(uat_tcglog_replay(l, UAT_TCG_ALG_SHA256, regs, &n, &ext),
               UAT_ERR_UNSUPPORTED_ALGORITHM);

    json_t *c = json_object();
    assert_ok(uat_tcglog_claims(l, c));
    assert_string_equal(json_string_value(json_object_get(c, "log_format")), "sha1");
    assert_true(json_is_true(json_object_get(c, "secure_boot")));
    assert_string_equal(json_string_value(json_object_get(c, "boot_manager")),
                        "57a3e40bae6ae5ab1427c6aff22aa4f06e158ef4");
    json_t *sep = json_object_get(c, "separators");
    /* this firmware logs a separator for PCR 7 only: reported, not assumed */
    assert_false(json_is_true(json_object_get(sep, "consistent")));
    json_t *regsj = json_object_get(sep, "registers");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(regsj, "7"), "count")), 1);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(regsj, "0"), "count")), 0);
    json_t *types = json_object_get(c, "event_types");
    assert_int_equal(json_integer_value(json_object_get(types, "EV_EVENT_TAG")), 6);
    assert_int_equal(json_integer_value(json_object_get(types, "EV_EFI_VARIABLE_DRIVER_CONFIG")),
                     5);
    json_decref(c);

    /* one changed digest byte changes exactly the PCR it is extended into */
    log.p[8] ^= 1; /* event 0 (PCR 0) digest */
    uat_tcglog *m = parse_ok(&log, 0);
    assert_err(uat_tcglog_check(m, UAT_TCG_ALG_SHA1, ext, CREGS(quoted)),
               UAT_ERR_VERIFY_MEASUREMENT);
    assert_string_equal(last_field(), "pcr0");
    uat_tcglog_free(m);
    json_decref(pcrs);
    uat_buf_free(&js);
    uat_tcglog_free(l);
    uat_buf_free(&log);
}

/* virtCCA: the CCEL replays to the token's REM0..REM2 (MR index i+1 = REM i); REM3 is not
 * extended by it. */
static void test_virtcca_ccel(void **state)
{
    (void)state;
    uat_buf log = load(VCCA "/ccel.bin");
    parse_fails(&log, 0, UAT_ERR_PARSE_BAD_VALUE); /* a TPM log has its Spec ID in PCR 0 */
    uat_tcglog *l = parse_ok(&log, 1);
    assert_int_equal(uat_tcglog_count(l), 98);
    uint16_t alg;
    assert_int_equal(uat_tcglog_banks(l, &alg, 1), 1);
    assert_int_equal(alg, UAT_TCG_ALG_SHA256);
    uint8_t rem[UAT_CCEL_MAX_INDEX][UAT_HASH_MAX];
    memset(rem, 0, sizeof(rem));
    unhex("e3579705477c2855a75f4127123fff3cd4f05a3b2442fda8829f95ea81ce308c", rem[0], 32);
    unhex("646fdfc8b716bf958471a20378f178c472679216c911ddd0349cd74924eda7e9", rem[1], 32);
    unhex("6cfeb56cd4309990fe30637f1621cdc71a87a041c5ca552683abe7a07290cd4b", rem[2], 32);
    assert_ok(uat_tcglog_check_ccel(l, UAT_TCG_ALG_SHA256, 0xF, CREGS(rem), "rem"));
    uint8_t regs[UAT_TCGLOG_MAX_REGS][UAT_HASH_MAX];
    size_t n;
    uint32_t ext;
    assert_ok(uat_tcglog_replay(l, UAT_TCG_ALG_SHA256, regs, &n, &ext));
    assert_int_equal(ext, 0xE);
    rem[2][31] ^= 1;
    assert_err(uat_tcglog_check_ccel(l, UAT_TCG_ALG_SHA256, 0xF, CREGS(rem), "rem"),
               UAT_ERR_VERIFY_MEASUREMENT);
    assert_string_equal(last_field(), "rem2");
    assert_non_null(strstr(uat_last_error()->message, "79 events"));

    json_t *c = json_object();
    assert_ok(uat_tcglog_claims(l, c));
    json_t *types = json_object_get(c, "event_types");
    assert_int_equal(json_integer_value(json_object_get(types, "EV_IPL")), 79);
    assert_int_equal(json_integer_value(json_object_get(types, "EV_SEPARATOR")), 2);
    assert_true(json_is_true(json_object_get(json_object_get(c, "separators"), "consistent")));
    assert_string_equal(json_string_value(json_object_get(c, "boot_manager")),
                        "87276d2d4f3d17714e120d5b68694873880043e5abe7747fb4a47b5f6f38ca7a");
    assert_true(json_is_false(json_object_get(c, "secure_boot"))); /* SecureBoot = 00 */
    json_decref(c);
    uat_tcglog_free(l);

    /* truncated inside the last event, and the fill broken by one byte */
    uat_buf part = new_buf();
    put(&part, log.p, 11990);
    parse_fails(&part, 1, UAT_ERR_PARSE_TRUNCATED);
    uat_buf_free(&part);
    log.p[40000] = 0;
    parse_fails(&log, 1, UAT_ERR_PARSE_BAD_VALUE);
    uat_buf_free(&log);
}

/* The Hygon CSV evidence carries a 77-byte "CCEL" whose Spec ID signature is zeroed: not a
 * crypto-agile log, so not a CCEL. */
static void test_hygon_ccel_stub(void **state)
{
    (void)state;
    uat_buf js = load(UAT_CORPUS_DIR "/hygon-csv/v1-trustee-csv/csv_evidence.json");
    json_t *doc = json_loadb((const char *)js.p, js.len, 0, NULL);
    assert_non_null(doc);
    const char *b64 = json_string_value(json_object_get(doc, "cc_eventlog"));
    assert_non_null(b64);
    uat_buf log = new_buf();
    assert_ok(uat_b64_decode(b64, strlen(b64), UAT_B64_STD, &log));
    assert_int_equal(log.len, 77);
    parse_fails(&log, 1, UAT_ERR_PARSE_BAD_MAGIC);
    uat_buf_free(&log);
    json_decref(doc);
    uat_buf_free(&js);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_truncation_every_offset),
        cmocka_unit_test(test_ccel_truncation_every_offset),
        cmocka_unit_test(test_spec_id_bad),
        cmocka_unit_test(test_event_bad),
        cmocka_unit_test(test_caps),
        cmocka_unit_test(test_unknown_bank_carried),
        cmocka_unit_test(test_startup_locality),
        cmocka_unit_test(test_ccel_fill),
        cmocka_unit_test(test_replay_and_check),
        cmocka_unit_test(test_sha1_format),
        cmocka_unit_test(test_claims_synthetic),
        cmocka_unit_test(test_claims_separators_and_secure_boot),
        cmocka_unit_test(test_gcp_eventlog),
        cmocka_unit_test(test_virtcca_ccel),
        cmocka_unit_test(test_hygon_ccel_stub),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
