/* The Linux IMA measurement list, binary and ASCII (tcglog.h): parsed entry by entry (nothing is
 * kept), each entry's template digest checked against its template data and replayed.
 *
 * spec: Linux security/integrity/ima/ima_fs.c ima_measurements_show (binary: pcr u32, template
 *       digest [20], template name length u32 + name, template data length u32 + data, except for
 *       the "ima" template: digest [20] then name length u32 + name, no data length) and
 *       ima_ascii_measurements_show ("%2d <sha1 hex> <template> <field> <field>..."),
 *       ima_crypto.c ima_calc_field_array_hash (template hash), ima_queue.c (violations extend
 *       0xFF..). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "core/reader.h"
#include "evidence/tcglog.h"

#define CHECK "imalog"
#define CHECK_ASCII "imalog.ascii"
#define TEMPLATE_DIGEST 20u   /* SHA-1, TPM_DIGEST_SIZE */
#define IMA_NAME_MAX 255u     /* IMA_EVENT_NAME_LEN_MAX: "ima" names are hashed padded to 256 */
#define TEMPLATE_NAME_MAX 64u /* template names and custom format strings ("d-ng|n-ng|sig") */

typedef struct ima_entry {
    uint32_t pcr;
    uint8_t digest[TEMPLATE_DIGEST];
    int is_ima;    /* the "ima" template: hashed as d ‖ n padded to 256 bytes */
    uat_span d;    /* "ima": the 20-byte file digest */
    uat_span name; /* "ima": the file name (no NUL) */
    uat_span data; /* other templates: the template data as the binary list holds it */
} ima_entry;

typedef struct ima_state {
    enum uat_hash_alg h;
    size_t n; /* digest size of the bank */
    int sha1; /* bank is SHA-1: the template digest is what is extended */
    uint8_t (*regs)[UAT_HASH_MAX];
    uint32_t extended;
    size_t count;
} ima_state;

/* spec: ima_calc_field_array_hash_tfm */
static uat_err template_hash(const ima_entry *e, enum uat_hash_alg h, uint8_t *out)
{
    static const uint8_t zeros[IMA_NAME_MAX + 1];
    if (!e->is_ima) {
        return uat_hash(h, &e->data, 1, out);
    }
    uat_span parts[3] = {e->d, e->name, uat_span_of(zeros, IMA_NAME_MAX + 1 - e->name.len)};
    return uat_hash(h, parts, 3, out);
}

static uat_err apply(ima_state *st, const ima_entry *e, const char *check, int64_t where)
{
    char field[40];
    snprintf(field, sizeof(field), "entry %zu", st->count);
    if (e->pcr >= UAT_TCGLOG_MAX_REGS) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, check, field, where, "PCR %u is out of range",
                         e->pcr);
    }
    UAT_ENSURE(st->count < UAT_MAX_IMALOG_ENTRIES, UAT_ERR_RESOURCE_LIMIT, check, field, where);
    uint8_t value[UAT_HASH_MAX];
    if (uat_is_zero(e->digest, TEMPLATE_DIGEST)) {
        /* a violation: the kernel extends 0xFF.. in every bank */
        memset(value, 0xff, st->n);
    } else {
        uint8_t sha1[TEMPLATE_DIGEST];
        UAT_TRY(template_hash(e, UAT_HASH_SHA1, sha1));
        if (!uat_ct_equal(sha1, e->digest, TEMPLATE_DIGEST)) {
            char got[2 * TEMPLATE_DIGEST + 1], want[2 * TEMPLATE_DIGEST + 1];
            uat_hex_encode(e->digest, TEMPLATE_DIGEST, want);
            uat_hex_encode(sha1, TEMPLATE_DIGEST, got);
            return UAT_FAILF(UAT_ERR_VERIFY_MEASUREMENT, check, field, where,
                             "template digest %s is not the SHA-1 of the entry's template data "
                             "(%s)",
                             want, got);
        }
        if (st->sha1) {
            memcpy(value, e->digest, TEMPLATE_DIGEST);
        } else {
            UAT_TRY(template_hash(e, st->h, value));
        }
    }
    uint8_t next[UAT_HASH_MAX];
    uat_span parts[2] = {uat_span_of(st->regs[e->pcr], st->n), uat_span_of(value, st->n)};
    UAT_TRY(uat_hash(st->h, parts, 2, next));
    memcpy(st->regs[e->pcr], next, st->n);
    st->extended |= 1u << e->pcr;
    st->count++;
    return UAT_OK;
}

/* Template names are printable ASCII without spaces. */
static int name_ok(uat_span name)
{
    if (name.len == 0) {
        return 0;
    }
    for (size_t i = 0; i < name.len; i++) {
        if (name.p[i] <= 0x20 || name.p[i] >= 0x7f) {
            return 0;
        }
    }
    return 1;
}

static int name_is(uat_span name, const char *s)
{
    return name.len == strlen(s) && memcmp(name.p, s, name.len) == 0;
}

/* Fields of the templates the kernel defines (ima_template.c builtin_templates); a custom format
 * string names its fields; -1 = any number. */
static int expected_fields(uat_span name)
{
    static const struct {
        const char *name;
        int fields;
    } known[] = {{"ima-ng", 2},  {"ima-ngv2", 2},   {"ima-sig", 3}, {"ima-sigv2", 3},
                 {"ima-buf", 3}, {"ima-modsig", 5}, {"evm-sig", 9}};
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        if (name_is(name, known[i].name)) {
            return known[i].fields;
        }
    }
    if (memchr(name.p, '|', name.len) == NULL) {
        return -1;
    }
    int n = 1;
    for (size_t i = 0; i < name.len; i++) {
        n += name.p[i] == '|';
    }
    return n;
}

/* The template data of every template but "ima": length-prefixed fields, consumed exactly. */
static uat_err check_fields(uat_span data, uat_span name, int64_t base)
{
    uat_reader r;
    uat_rd_init(&r, data, CHECK);
    r.base = base;
    int n = 0;
    while (uat_rd_left(&r) > 0) {
        uint32_t len;
        UAT_TRY(uat_rd_u32le(&r, "field length", &len));
        UAT_TRY(uat_rd_skip(&r, len, "field"));
        n++;
    }
    int want = expected_fields(name);
    if ((want < 0 && n == 0) || (want >= 0 && n != want)) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK, "template data", base,
                         "%d fields where the template has %d", n, want);
    }
    return UAT_OK;
}

static uat_err read_binary(uat_reader *r, ima_entry *e)
{
    uint32_t name_len, len;
    uat_span name;
    memset(e, 0, sizeof(*e));
    UAT_TRY(uat_rd_u32le(r, "pcr", &e->pcr));
    UAT_TRY(uat_rd_copy(r, e->digest, TEMPLATE_DIGEST, "template digest"));
    int64_t at = uat_rd_pos(r);
    UAT_TRY(uat_rd_u32le(r, "template name length", &name_len));
    UAT_ENSURE(name_len <= TEMPLATE_NAME_MAX, UAT_ERR_PARSE_BAD_LENGTH, CHECK,
               "template name length", at);
    UAT_TRY(uat_rd_span(r, name_len, "template name", &name));
    UAT_ENSURE(name_ok(name), UAT_ERR_PARSE_BAD_VALUE, CHECK, "template name", at + 4);
    at = uat_rd_pos(r);
    if (name_is(name, "ima")) {
        e->is_ima = 1;
        UAT_TRY(uat_rd_span(r, TEMPLATE_DIGEST, "d", &e->d));
        UAT_TRY(uat_rd_u32le(r, "n length", &len));
        UAT_ENSURE(len <= IMA_NAME_MAX, UAT_ERR_PARSE_BAD_LENGTH, CHECK, "n length", at + 20);
        return uat_rd_span(r, len, "n", &e->name);
    }
    UAT_TRY(uat_rd_u32le(r, "template data length", &len));
    UAT_ENSURE(len <= UAT_MAX_IMA_TEMPLATE_BYTES, UAT_ERR_PARSE_BAD_LENGTH, CHECK,
               "template data length", at);
    UAT_TRY(uat_rd_span(r, len, "template data", &e->data));
    return check_fields(e->data, name, at + 4);
}

static uat_err start(uat_span log, uint16_t alg, uint8_t (*regs)[UAT_HASH_MAX], size_t *digest_len,
                     uint32_t *extended, size_t *nevents, ima_state *st)
{
    UAT_ENSURE(regs != NULL && digest_len != NULL && extended != NULL && nevents != NULL &&
                   (log.p != NULL || log.len == 0),
               UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "", -1);
    if (log.len > UAT_MAX_IMALOG_BYTES) {
        return UAT_FAILF(UAT_ERR_RESOURCE_LIMIT, CHECK, "", -1,
                         "the list has %zu bytes, the limit is %u", log.len, UAT_MAX_IMALOG_BYTES);
    }
    memset(st, 0, sizeof(*st));
    UAT_TRY(uat_tcg_hash_alg(alg, &st->h));
    st->n = uat_hash_len(st->h);
    st->sha1 = alg == UAT_TCG_ALG_SHA1;
    st->regs = regs;
    return UAT_OK;
}

static uat_err replay_binary(uat_span log, ima_state *st)
{
    uat_reader r;
    uat_rd_init(&r, log, CHECK);
    while (uat_rd_left(&r) > 0) {
        ima_entry e;
        int64_t at = uat_rd_pos(&r);
        UAT_TRY(read_binary(&r, &e));
        UAT_TRY(apply(st, &e, CHECK, at));
    }
    return UAT_OK;
}

/* ---- ASCII ------------------------------------------------------------------------------- */

typedef struct line {
    const char *p;
    size_t len;
    size_t no; /* 1-based line number */
    int64_t off;
} line;

/* The next space-separated token of *s (advancing past it and one space). */
static int token(line *s, line *tok)
{
    const char *sp = memchr(s->p, ' ', s->len);
    if (sp == NULL) {
        return 0;
    }
    *tok = *s;
    tok->len = (size_t)(sp - s->p);
    s->off += (int64_t)tok->len + 1;
    s->len -= tok->len + 1;
    s->p = sp + 1;
    return 1;
}

static uat_err bad_line(const line *l, const char *field)
{
    return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK_ASCII, field, l->off, "line %zu", l->no);
}

/* d-ng / d-ngv2 as printed: "<algo>:<hex>" or "<type>:<algo>:<hex>"; stored as everything up to
 * and including the last ':', a NUL, then the digest (ima_eventdigest_init_common). */
static uat_err put_digest_ng(uat_buf *b, const line *tok)
{
    const char *colon = NULL;
    for (size_t i = 0; i < tok->len; i++) {
        colon = tok->p[i] == ':' ? tok->p + i : colon;
    }
    if (colon == NULL || colon == tok->p) {
        return bad_line(tok, "digest");
    }
    size_t prefix = (size_t)(colon - tok->p) + 1;
    size_t hex = tok->len - prefix;
    if (hex == 0 || hex % 2 != 0 || hex / 2 > UAT_HASH_MAX) {
        return bad_line(tok, "digest");
    }
    UAT_TRY(uat_buf_put_u32le(b, (uint32_t)(prefix + 1 + hex / 2)));
    UAT_TRY(uat_buf_append(b, tok->p, prefix));
    UAT_TRY(uat_buf_put_u8(b, 0));
    uat_err rc = uat_hex_decode(colon + 1, hex, b);
    return rc == UAT_OK ? UAT_OK : bad_line(tok, "digest");
}

/* A path as printed (%s): no NUL and no line break inside; stored with its NUL (n-ng). */
static uat_err put_name_ng(uat_buf *b, const line *path)
{
    if (path->len == 0 || memchr(path->p, 0, path->len) != NULL) {
        return bad_line(path, "name");
    }
    UAT_TRY(uat_buf_put_u32le(b, (uint32_t)(path->len + 1)));
    UAT_TRY(uat_buf_append(b, path->p, path->len));
    return uat_buf_put_u8(b, 0);
}

static uat_err put_hex_field(uat_buf *b, const line *hex)
{
    size_t start = b->len;
    UAT_TRY(uat_buf_put_u32le(b, 0));
    if (hex->len > 0 && uat_hex_decode(hex->p, hex->len, b) != UAT_OK) {
        return bad_line(hex, "hex field");
    }
    uint32_t n = (uint32_t)(b->len - start - 4);
    for (int i = 0; i < 4; i++) {
        b->p[start + (size_t)i] = (uint8_t)(n >> (8 * i));
    }
    return UAT_OK;
}

/* Rebuilds the template data of ima-ng(v2) ("d-ng n-ng") and ima-sig(v2) / ima-buf ("d-ng n-ng
 * sig|buf": the last field is hex, empty when the kernel printed nothing after the space). */
static uat_err rebuild_ng(line rest, int hex_last, uat_buf *b)
{
    line d, path = rest, last = {0};
    if (!token(&path, &d)) {
        return bad_line(&rest, "digest");
    }
    UAT_TRY(put_digest_ng(b, &d));
    if (hex_last) {
        const char *sp = NULL;
        for (size_t i = 0; i < path.len; i++) {
            sp = path.p[i] == ' ' ? path.p + i : sp;
        }
        /* no space at all: the kernel's separator before an empty last field was trimmed (the
         * template digest check still covers what is rebuilt) */
        if (sp != NULL) {
            last = path;
            last.p = sp + 1;
            last.len = path.len - (size_t)(sp + 1 - path.p);
            last.off = path.off + (sp + 1 - path.p);
            path.len = (size_t)(sp - path.p);
        }
    }
    UAT_TRY(put_name_ng(b, &path));
    return hex_last ? put_hex_field(b, &last) : UAT_OK;
}

/* "ima": "<sha1 hex> <name>" */
static uat_err rebuild_ima(line rest, ima_entry *e, uint8_t d[TEMPLATE_DIGEST], uat_buf *b)
{
    line hex, name = rest;
    if (!token(&name, &hex) || uat_hex_decode_fixed(hex.p, hex.len, d, TEMPLATE_DIGEST) != UAT_OK) {
        return bad_line(&rest, "d");
    }
    if (name.len > IMA_NAME_MAX || memchr(name.p, 0, name.len) != NULL) {
        return bad_line(&name, "n");
    }
    UAT_TRY(uat_buf_append(b, name.p, name.len));
    e->is_ima = 1;
    e->d = uat_span_of(d, TEMPLATE_DIGEST);
    e->name = uat_buf_span(b);
    return UAT_OK;
}

static uat_err parse_pcr(line *s, uint32_t *pcr)
{
    while (s->len > 0 && s->p[0] == ' ') {
        s->p++;
        s->len--;
        s->off++;
    }
    line tok;
    if (!token(s, &tok) || tok.len == 0 || tok.len > 3) {
        return bad_line(s, "pcr");
    }
    uint32_t v = 0;
    for (size_t i = 0; i < tok.len; i++) {
        if (tok.p[i] < '0' || tok.p[i] > '9') {
            return bad_line(&tok, "pcr");
        }
        v = v * 10 + (uint32_t)(tok.p[i] - '0');
    }
    *pcr = v;
    return UAT_OK;
}

static uat_err ascii_line(ima_state *st, line s, uat_buf *b)
{
    ima_entry e;
    line hex, name;
    uint8_t d[TEMPLATE_DIGEST];
    memset(&e, 0, sizeof(e));
    b->len = 0;
    UAT_TRY(parse_pcr(&s, &e.pcr));
    if (!token(&s, &hex) ||
        uat_hex_decode_fixed(hex.p, hex.len, e.digest, TEMPLATE_DIGEST) != UAT_OK) {
        return bad_line(&s, "template digest");
    }
    if (!token(&s, &name)) {
        return bad_line(&s, "template name");
    }
    uat_span tn = uat_span_of(name.p, name.len);
    if (name_is(tn, "ima")) {
        UAT_TRY(rebuild_ima(s, &e, d, b));
    } else if (name_is(tn, "ima-ng") || name_is(tn, "ima-ngv2")) {
        UAT_TRY(rebuild_ng(s, 0, b));
    } else if (name_is(tn, "ima-sig") || name_is(tn, "ima-sigv2") || name_is(tn, "ima-buf")) {
        UAT_TRY(rebuild_ng(s, 1, b));
    } else {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, CHECK_ASCII, "template name", name.off,
                         "line %zu: the ASCII form of template \"%.*s\" cannot be rebuilt", s.no,
                         (int)(name.len > 32 ? 32 : name.len), name.p);
    }
    e.data = uat_buf_span(b);
    return apply(st, &e, CHECK_ASCII, s.off);
}

static uat_err replay_ascii(uat_span log, ima_state *st)
{
    uat_buf b;
    uat_buf_init(&b, UAT_MAX_IMA_TEMPLATE_BYTES);
    const char *p = (const char *)log.p;
    size_t left = log.len, no = 0;
    uat_err rc = UAT_OK;
    while (left > 0 && rc == UAT_OK) {
        const char *nl = memchr(p, '\n', left);
        line s = {p, 0, ++no, (int64_t)(log.len - left)};
        if (nl == NULL) {
            rc = UAT_FAILF(UAT_ERR_PARSE_TRUNCATED, CHECK_ASCII, "line", s.off,
                           "line %zu has no line break", no);
            break;
        }
        s.len = (size_t)(nl - p);
        rc = ascii_line(st, s, &b);
        left -= s.len + 1;
        p = nl + 1;
    }
    uat_buf_free(&b);
    return rc;
}

uat_err uat_imalog_replay_regs(uat_span log, enum uat_imalog_format fmt, uint16_t alg,
                               uint8_t regs[UAT_TCGLOG_MAX_REGS][UAT_HASH_MAX], size_t *digest_len,
                               uint32_t *extended, size_t *nevents)
{
    ima_state st;
    UAT_TRY(start(log, alg, regs, digest_len, extended, nevents, &st));
    UAT_TRY(fmt == UAT_IMALOG_ASCII ? replay_ascii(log, &st) : replay_binary(log, &st));
    *digest_len = st.n;
    *extended = st.extended;
    *nevents = st.count;
    return UAT_OK;
}

uat_err uat_imalog_replay_ascii(uat_span log, uint16_t alg,
                                uint8_t regs[UAT_TCGLOG_MAX_REGS][UAT_HASH_MAX], size_t *digest_len,
                                uint32_t *extended, size_t *nevents)
{
    return uat_imalog_replay_regs(log, UAT_IMALOG_ASCII, alg, regs, digest_len, extended, nevents);
}

uat_err uat_imalog_replay(uat_span log, uint16_t alg, uint8_t reg[UAT_HASH_MAX], size_t *digest_len,
                          size_t *nevents)
{
    UAT_ENSURE(reg != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "", -1);
    uint8_t regs[UAT_TCGLOG_MAX_REGS][UAT_HASH_MAX];
    memset(regs, 0, sizeof(regs));
    uint32_t extended;
    size_t n, count;
    UAT_TRY(uat_imalog_replay_regs(log, UAT_IMALOG_BINARY, alg, regs, &n, &extended, &count));
    if ((extended & (extended - 1)) != 0) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK, "pcr", -1,
                         "the list extends several PCRs (mask 0x%08x)", extended);
    }
    uint32_t pcr = 0;
    while (extended != 0 && (extended & (1u << pcr)) == 0) {
        pcr++;
    }
    memcpy(reg, regs[pcr], UAT_HASH_MAX);
    *digest_len = n;
    *nevents = count;
    return UAT_OK;
}

enum uat_imalog_format uat_imalog_sniff(uat_span log)
{
    if (log.len > 0 && (log.p[0] == ' ' || (log.p[0] >= '0' && log.p[0] <= '9'))) {
        return UAT_IMALOG_ASCII;
    }
    return UAT_IMALOG_BINARY;
}
