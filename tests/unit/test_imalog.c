/* Unit tests for the IMA measurement list (src/evidence/imalog.c): binary and ASCII lists built
 * here from the same entries of every supported template (ima, ima-ng, ima-ngv2, ima-sig with and
 * without a signature, ima-buf, a violation) must replay alike in the SHA-1 and SHA-256 banks;
 * truncation at every offset, malformed fields and caps; then the virtCCA corpus list, whose
 * replay does not reproduce the token's REM3 (../shared/corpus/arm-cca/PROVENANCE.md).
 */
#include "tcglog_test.h"

/* ---- IMA ---------------------------------------------------------------------------------- */

/* ng-family template data: d-ng ("algo:" NUL digest), n-ng (path NUL), optional hex-ish field */
static void ng_data(uat_buf *d, const char *algo, const uint8_t *fd, size_t fdn, const char *path,
                    const uint8_t *extra, size_t extra_len, int has_extra)
{
    u32(d, (uint32_t)(strlen(algo) + 2 + fdn));
    put(d, algo, strlen(algo));
    put(d, ":", 2); /* ':' and the NUL */
    put(d, fd, fdn);
    u32(d, (uint32_t)(strlen(path) + 1));
    put(d, path, strlen(path) + 1);
    if (has_extra) {
        u32(d, (uint32_t)extra_len);
        if (extra_len > 0) {
            put(d, extra, extra_len);
        }
    }
}

static void put_ima_bin(uat_buf *b, uint32_t pcr, const char *tmpl, const uat_buf *data,
                        int violation)
{
    uint8_t td[20] = {0};
    if (!violation) {
        sha1_of(data->p, data->len, td);
    }
    u32(b, pcr);
    put(b, td, 20);
    u32(b, (uint32_t)strlen(tmpl));
    put(b, tmpl, strlen(tmpl));
    u32(b, (uint32_t)data->len);
    put(b, data->p, data->len);
}

/* "ima": d ‖ name padded to 256 bytes is what is hashed */
static void ima_hashed(const uint8_t d[20], const char *name, uint8_t out[20 + 256])
{
    memset(out, 0, 20 + 256);
    memcpy(out, d, 20);
    memcpy(out + 20, name, strlen(name));
}

static void put_ima_old_bin(uat_buf *b, uint32_t pcr, const uint8_t d[20], const char *name)
{
    uint8_t hashed[276], td[20];
    ima_hashed(d, name, hashed);
    sha1_of(hashed, sizeof(hashed), td);
    u32(b, pcr);
    put(b, td, 20);
    u32(b, 3);
    put(b, "ima", 3);
    put(b, d, 20);
    u32(b, (uint32_t)strlen(name));
    put(b, name, strlen(name));
}

static void put_text(uat_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put_text(uat_buf *b, const char *fmt, ...)
{
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    assert_true(n > 0 && (size_t)n < sizeof(line));
    put(b, line, (size_t)n);
}

static void hex_of(const uint8_t *p, size_t n, char *out)
{
    uat_hex_encode(p, n, out);
}

/* The same six entries in both forms, with what each extends (sha1 and sha256 hashed data). */
typedef struct ima_pair {
    uat_buf bin, ascii;
    uint8_t want1[UAT_TCGLOG_MAX_REGS][UAT_HASH_MAX];
    uint8_t want256[UAT_TCGLOG_MAX_REGS][UAT_HASH_MAX];
    size_t count;
} ima_pair;

static void want_extend(ima_pair *p, uint32_t pcr, const void *hashed, size_t n, int violation)
{
    uint8_t v[32];
    if (violation) {
        memset(v, 0xff, 32);
        uat_span a[2] = {uat_span_of(p->want1[pcr], 20), uat_span_of(v, 20)};
        assert_ok(uat_hash(UAT_HASH_SHA1, a, 2, p->want1[pcr]));
        uat_span c[2] = {uat_span_of(p->want256[pcr], 32), uat_span_of(v, 32)};
        assert_ok(uat_hash(UAT_HASH_SHA256, c, 2, p->want256[pcr]));
    } else {
        extend_data(UAT_HASH_SHA1, p->want1[pcr], hashed, n);
        extend_data(UAT_HASH_SHA256, p->want256[pcr], hashed, n);
    }
    p->count++;
}

static void ng_pair(ima_pair *p, uint32_t pcr, const char *tmpl, const char *algo,
                    const uint8_t *fd, size_t fdn, const char *path, const uint8_t *extra,
                    size_t extra_len, int has_extra, int violation)
{
    uat_buf d = new_buf();
    ng_data(&d, algo, fd, fdn, path, extra, extra_len, has_extra);
    put_ima_bin(&p->bin, pcr, tmpl, &d, violation);
    uint8_t td[20] = {0};
    char tdh[41], fdh[2 * UAT_HASH_MAX + 1], exh[256] = "";
    if (!violation) {
        sha1_of(d.p, d.len, td);
    }
    hex_of(td, 20, tdh);
    hex_of(fd, fdn, fdh);
    if (extra_len > 0) {
        hex_of(extra, extra_len, exh);
    }
    put_text(&p->ascii, "%2u %s %s %s:%s %s%s%s\n", pcr, tdh, tmpl, algo, fdh, path,
             has_extra ? " " : "", exh);
    want_extend(p, pcr, d.p, d.len, violation);
    uat_buf_free(&d);
}

static ima_pair ima_pairs(void)
{
    ima_pair p;
    memset(&p, 0, sizeof(p));
    p.bin = new_buf();
    p.ascii = new_buf();
    uint8_t fd[32], d20[20];
    for (int i = 0; i < 32; i++) {
        fd[i] = (uint8_t)(i * 7);
    }
    memset(d20, 0x5a, 20);
    static const uint8_t sig[5] = {0x03, 0x02, 0x01, 0xaa, 0xbb};
    ng_pair(&p, 10, "ima-ng", "sha256", fd, 32, "boot_aggregate", NULL, 0, 0, 0);
    ng_pair(&p, 10, "ima-ng", "sha1", fd, 20, "/usr/bin/with space", NULL, 0, 0, 0);
    ng_pair(&p, 10, "ima-sig", "sha256", fd, 32, "/etc/no sig", NULL, 0, 1, 0);
    ng_pair(&p, 11, "ima-sig", "sha512", fd, 32, "/bin/signed", sig, 5, 1, 0);
    ng_pair(&p, 10, "ima-buf", "sha256", fd, 32, "kexec-cmdline", (const uint8_t *)"ro q", 4, 1, 0);
    ng_pair(&p, 10, "ima-ngv2", "ima:sha256", fd, 32, "/v2", NULL, 0, 0, 0);
    ng_pair(&p, 10, "ima-ng", "sha256", fd, 32, "/violated", NULL, 0, 0, 1);
    /* the legacy "ima" template */
    put_ima_old_bin(&p.bin, 10, d20, "/old name");
    uint8_t hashed[276], td[20];
    ima_hashed(d20, "/old name", hashed);
    sha1_of(hashed, sizeof(hashed), td);
    char tdh[41], dh[41];
    hex_of(td, 20, tdh);
    hex_of(d20, 20, dh);
    put_text(&p.ascii, "10 %s ima %s /old name\n", tdh, dh);
    want_extend(&p, 10, hashed, sizeof(hashed), 0);
    return p;
}

static void ima_replay_ok(uat_span log, enum uat_imalog_format fmt, uint16_t alg,
                          uint8_t regs[UAT_TCGLOG_MAX_REGS][UAT_HASH_MAX], size_t *count)
{
    size_t n;
    uint32_t ext;
    memset(regs, 0, UAT_TCGLOG_MAX_REGS * UAT_HASH_MAX);
    assert_ok(uat_imalog_replay_regs(log, fmt, alg, regs, &n, &ext, count));
    assert_int_equal(ext, (1u << 10) | (1u << 11));
    assert_int_equal(n, alg == UAT_TCG_ALG_SHA1 ? 20 : 32);
}

static void test_ima_binary_and_ascii_agree(void **state)
{
    (void)state;
    ima_pair p = ima_pairs();
    assert_int_equal(uat_imalog_sniff(uat_buf_span(&p.bin)), UAT_IMALOG_BINARY);
    assert_int_equal(uat_imalog_sniff(uat_buf_span(&p.ascii)), UAT_IMALOG_ASCII);
    uint8_t regs[UAT_TCGLOG_MAX_REGS][UAT_HASH_MAX];
    size_t count;
    for (int form = 0; form < 2; form++) {
        uat_span log = uat_buf_span(form ? &p.ascii : &p.bin);
        enum uat_imalog_format fmt = form ? UAT_IMALOG_ASCII : UAT_IMALOG_BINARY;
        ima_replay_ok(log, fmt, UAT_TCG_ALG_SHA1, regs, &count);
        assert_int_equal(count, p.count);
        assert_memory_equal(regs[10], p.want1[10], 20);
        assert_memory_equal(regs[11], p.want1[11], 20);
        ima_replay_ok(log, fmt, UAT_TCG_ALG_SHA256, regs, &count);
        assert_memory_equal(regs[10], p.want256[10], 32);
        assert_memory_equal(regs[11], p.want256[11], 32);
    }
    /* regs are in/out: a second pass continues from the first */
    uint8_t twice[UAT_TCGLOG_MAX_REGS][UAT_HASH_MAX];
    memcpy(twice, regs, sizeof(twice));
    size_t n;
    uint32_t ext;
    assert_ok(uat_imalog_replay_ascii(uat_buf_span(&p.ascii), UAT_TCG_ALG_SHA256, twice, &n, &ext,
                                      &count));
    assert_memory_not_equal(twice[10], regs[10], 32);
    /* the one-register form refuses a list that extends PCRs 10 and 11 */
    uint8_t reg[UAT_HASH_MAX];
    assert_err(uat_imalog_replay(uat_buf_span(&p.bin), UAT_TCG_ALG_SHA1, reg, &n, &count),
               UAT_ERR_PARSE_BAD_VALUE);
    assert_err(uat_imalog_replay_regs(uat_buf_span(&p.bin), UAT_IMALOG_BINARY, 0x7777, regs, &n,
                                      &ext, &count),
               UAT_ERR_UNSUPPORTED_ALGORITHM);
    uat_buf_free(&p.bin);
    uat_buf_free(&p.ascii);
}

static uat_err ima_bin(const uat_buf *b, size_t *count)
{
    uint8_t regs[UAT_TCGLOG_MAX_REGS][UAT_HASH_MAX];
    memset(regs, 0, sizeof(regs));
    size_t n;
    uint32_t ext;
    return uat_imalog_replay_regs(uat_buf_span(b), UAT_IMALOG_BINARY, UAT_TCG_ALG_SHA256, regs, &n,
                                  &ext, count);
}

static uat_err ima_text(const char *text)
{
    uint8_t regs[UAT_TCGLOG_MAX_REGS][UAT_HASH_MAX];
    memset(regs, 0, sizeof(regs));
    size_t n, count;
    uint32_t ext;
    return uat_imalog_replay_ascii(uat_span_of(text, strlen(text)), UAT_TCG_ALG_SHA256, regs, &n,
                                   &ext, &count);
}

static void test_ima_binary_truncation(void **state)
{
    (void)state;
    ima_pair p = ima_pairs();
    /* record boundaries: walk the list once */
    size_t ends[16], nends = 0, count = 0;
    for (size_t cut = 0; cut <= p.bin.len; cut++) {
        uat_buf part = new_buf();
        put(&part, p.bin.p, cut);
        uat_err rc = ima_bin(&part, &count);
        if (rc == UAT_OK) {
            assert_true(nends < 16);
            ends[nends++] = cut;
            assert_int_equal(count, nends - 1);
        } else {
            assert_err(rc, UAT_ERR_PARSE_TRUNCATED);
        }
        uat_buf_free(&part);
    }
    assert_int_equal(nends, p.count + 1); /* the empty list and after each entry */
    assert_int_equal(ends[nends - 1], p.bin.len);
    /* the ASCII list cut anywhere but after a line break */
    for (size_t cut = 1; cut < p.ascii.len; cut++) {
        uat_buf part = new_buf();
        put(&part, p.ascii.p, cut);
        assert_ok(uat_buf_terminate(&part));
        uat_err rc = ima_text((const char *)part.p);
        if (p.ascii.p[cut - 1] == '\n') {
            assert_ok(rc);
        } else {
            assert_true(rc != UAT_OK);
        }
        uat_buf_free(&part);
    }
    uat_buf_free(&p.bin);
    uat_buf_free(&p.ascii);
}

static void test_ima_binary_bad(void **state)
{
    (void)state;
    uint8_t fd[32] = {1};
    size_t count;
    uat_buf d = new_buf();
    ng_data(&d, "sha256", fd, 32, "/x", NULL, 0, 0);

    /* template digest that is not SHA-1 of the data: the second entry is named */
    uat_buf b = new_buf();
    put_ima_bin(&b, 10, "ima-ng", &d, 0);
    put_ima_bin(&b, 10, "ima-ng", &d, 0);
    b.p[b.len - d.len - 4 - 6 - 4 - 20] ^= 1;
    assert_err(ima_bin(&b, &count), UAT_ERR_VERIFY_MEASUREMENT);
    assert_string_equal(last_field(), "entry 1");
    uat_buf_free(&b);

    /* template name: too long, with a space, empty */
    b = new_buf();
    u32(&b, 10);
    assert_ok(uat_buf_put_zeros(&b, 20));
    u32(&b, 65);
    assert_ok(uat_buf_put_zeros(&b, 65));
    assert_err(ima_bin(&b, &count), UAT_ERR_PARSE_BAD_LENGTH);
    uat_buf_free(&b);
    b = new_buf();
    put_ima_bin(&b, 10, "ima ng", &d, 0);
    assert_err(ima_bin(&b, &count), UAT_ERR_PARSE_BAD_VALUE);
    uat_buf_free(&b);
    b = new_buf();
    put_ima_bin(&b, 10, "", &d, 0);
    assert_err(ima_bin(&b, &count), UAT_ERR_PARSE_BAD_VALUE);
    uat_buf_free(&b);

    /* template data: over the cap; fields that do not fill it; the wrong number of fields */
    b = new_buf();
    u32(&b, 10);
    assert_ok(uat_buf_put_zeros(&b, 20));
    u32(&b, 6);
    put(&b, "ima-ng", 6);
    u32(&b, UAT_MAX_IMA_TEMPLATE_BYTES + 1);
    assert_err(ima_bin(&b, &count), UAT_ERR_PARSE_BAD_LENGTH);
    assert_string_equal(last_field(), "template data length");
    uat_buf_free(&b);
    uat_buf bad = new_buf();
    u32(&bad, 50);
    put(&bad, "short", 5);
    b = new_buf();
    put_ima_bin(&b, 10, "ima-ng", &bad, 0);
    assert_err(ima_bin(&b, &count), UAT_ERR_PARSE_TRUNCATED);
    uat_buf_free(&b);
    b = new_buf();
    put_ima_bin(&b, 10, "ima-sig", &d, 0); /* two fields where ima-sig has three */
    assert_err(ima_bin(&b, &count), UAT_ERR_PARSE_BAD_VALUE);
    uat_buf_free(&b);
    b = new_buf();
    put_ima_bin(&b, 10, "d-ng|n-ng|sig", &d, 0); /* a custom format names its fields */
    assert_err(ima_bin(&b, &count), UAT_ERR_PARSE_BAD_VALUE);
    uat_buf_free(&b);
    b = new_buf();
    put_ima_bin(&b, 10, "d-ng|n-ng", &d, 0);
    assert_ok(ima_bin(&b, &count));
    uat_buf_free(&b);

    /* PCR out of range */
    b = new_buf();
    put_ima_bin(&b, 32, "ima-ng", &d, 0);
    assert_err(ima_bin(&b, &count), UAT_ERR_PARSE_BAD_VALUE);
    uat_buf_free(&b);

    /* "ima": a name longer than IMA_EVENT_NAME_LEN_MAX */
    b = new_buf();
    u32(&b, 10);
    assert_ok(uat_buf_put_zeros(&b, 20));
    u32(&b, 3);
    put(&b, "ima", 3);
    assert_ok(uat_buf_put_zeros(&b, 20));
    u32(&b, 256);
    assert_ok(uat_buf_put_zeros(&b, 256));
    assert_err(ima_bin(&b, &count), UAT_ERR_PARSE_BAD_LENGTH);
    uat_buf_free(&b);

    /* the one-register form */
    b = new_buf();
    put_ima_bin(&b, 10, "ima-ng", &d, 0);
    put_ima_bin(&b, 10, "ima-ng", &d, 1);
    uint8_t reg[UAT_HASH_MAX], want[UAT_HASH_MAX] = {0}, ff[20];
    size_t n;
    assert_ok(uat_imalog_replay(uat_buf_span(&b), UAT_TCG_ALG_SHA1, reg, &n, &count));
    assert_int_equal(count, 2);
    extend_data(UAT_HASH_SHA1, want, d.p, d.len);
    memset(ff, 0xff, 20);
    uat_span parts[2] = {uat_span_of(want, 20), uat_span_of(ff, 20)};
    assert_ok(uat_hash(UAT_HASH_SHA1, parts, 2, want));
    assert_memory_equal(reg, want, 20);
    uat_buf_free(&b);
    assert_ok(uat_imalog_replay(uat_span_of(NULL, 0), UAT_TCG_ALG_SHA1, reg, &n, &count));
    assert_int_equal(count, 0);
    uat_buf_free(&bad);
    uat_buf_free(&d);
}

static void test_ima_ascii_bad(void **state)
{
    (void)state;
    static const char line0[] = "10 0adefe762c149c7cec19da62f0da1297fcfbffff ima-ng "
                                "sha256:0000000000000000000000000000000000000000000000000000000"
                                "000000000 boot_aggregate";
    char text[512];
    snprintf(text, sizeof(text), "%s\n", line0);
    assert_ok(ima_text(text));
    assert_err(ima_text(line0), UAT_ERR_PARSE_TRUNCATED); /* no line break */
    snprintf(text, sizeof(text), "%s\n", line0);
    text[3] = 'g';
    assert_err(ima_text(text), UAT_ERR_PARSE_BAD_VALUE);
    snprintf(text, sizeof(text), "%s\n", line0);
    text[3] = '1';
    assert_err(ima_text(text), UAT_ERR_VERIFY_MEASUREMENT);
    assert_string_equal(last_field(), "entry 0");
    snprintf(text, sizeof(text), "1x%s\n", line0 + 2);
    assert_err(ima_text(text), UAT_ERR_PARSE_BAD_VALUE);
    assert_err(ima_text("\n"), UAT_ERR_PARSE_BAD_VALUE);
    assert_err(ima_text("10 0adefe762c149c7cec19da62f0da1297fcfbffff ima-ng sha256:00 \n"),
               UAT_ERR_PARSE_BAD_VALUE);
    assert_err(ima_text("10 0adefe762c149c7cec19da62f0da1297fcfbffff ima-ng sha256:0 x\n"),
               UAT_ERR_PARSE_BAD_VALUE);
    assert_err(ima_text("10 0adefe762c149c7cec19da62f0da1297fcfbffff ima-ng sha256 x\n"),
               UAT_ERR_PARSE_BAD_VALUE);
    assert_err(ima_text("10 0adefe762c149c7cec19da62f0da1297fcfbffff ima-modsig sha256:00 x\n"),
               UAT_ERR_UNSUPPORTED_FEATURE);
    assert_err(ima_text("10 0adefe762c149c7cec19da62f0da1297fcfbffff ima-sig sha256:00 /x zz\n"),
               UAT_ERR_PARSE_BAD_VALUE);
    assert_err(ima_text("99 0adefe762c149c7cec19da62f0da1297fcfbffff ima-ng sha256:00 /x\n"),
               UAT_ERR_PARSE_BAD_VALUE);
}

/* virtCCA IMA list (ASCII ima-ng): both template digests verify; PCR 4's entry replays (SHA-256,
 * from zero) to 894f884a.., which is not the token's REM3 (zero): the list does not match. */
static void test_virtcca_ima(void **state)
{
    (void)state;
    uat_buf log = load(VCCA "/ima_ascii.txt");
    assert_int_equal(uat_imalog_sniff(uat_buf_span(&log)), UAT_IMALOG_ASCII);
    uint8_t regs[UAT_TCGLOG_MAX_REGS][UAT_HASH_MAX];
    memset(regs, 0, sizeof(regs));
    size_t n, count;
    uint32_t ext;
    assert_ok(
        uat_imalog_replay_ascii(uat_buf_span(&log), UAT_TCG_ALG_SHA256, regs, &n, &ext, &count));
    assert_int_equal(count, 2);
    assert_int_equal(ext, (1u << 4) | (1u << 10));
    hex_is(regs[4], 32, "894f884af1ee5ce4f8d1cc400f60c75aa1cd927f7524c7c34a204ed503403bea");
    static const uint8_t rem3[32] = {0};
    assert_memory_not_equal(regs[4], rem3, 32);
    memset(regs, 0, sizeof(regs));
    assert_ok(
        uat_imalog_replay_ascii(uat_buf_span(&log), UAT_TCG_ALG_SHA1, regs, &n, &ext, &count));
    assert_int_equal(n, 20);
    /* a changed path no longer matches its logged template digest: the entry is named */
    char *slash = memchr(log.p, '/', log.len);
    assert_non_null(slash);
    slash[1] = 'R';
    assert_err(
        uat_imalog_replay_ascii(uat_buf_span(&log), UAT_TCG_ALG_SHA256, regs, &n, &ext, &count),
        UAT_ERR_VERIFY_MEASUREMENT);
    assert_string_equal(last_field(), "entry 1");
    uat_buf_free(&log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ima_binary_truncation),
        cmocka_unit_test(test_ima_binary_bad),
        cmocka_unit_test(test_ima_ascii_bad),
        cmocka_unit_test(test_ima_binary_and_ascii_agree),
        cmocka_unit_test(test_virtcca_ima),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
