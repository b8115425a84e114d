/* Helpers shared by the TPM tests (tests/unit/test_tpm.c, tests/conformance/test_tpm.c): a pool of
 * what a test makes (released by the teardown), writers for TPM structures and CBOR, and a
 * synthetic quote or certify whose every part a test can change before it is signed.
 *
 * The writers follow TCG TPM 2.0 Part 2 rev 1.59 (TPMT_PUBLIC, TPMS_ATTEST, TPMT_SIGNATURE) and
 * are written from the tables, independently of src/tee/tpm/marshal.c, which reads them. */
#ifndef UAT_TESTS_TPM_TEST_H
#define UAT_TESTS_TPM_TEST_H

#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/file.h"
#include "core/limits.h"
#include "crypto/crypto.h"
#include "tee/tpm/tpm.h"
#include "uattest/uattest.h"

#include "uat_assert.h"

#define assert_fail(expr, want, check_name, field_name)                                            \
    do {                                                                                           \
        assert_err((expr), (want));                                                                \
        assert_string_equal(uat_last_error()->check, (check_name));                                \
        assert_string_equal(uat_last_error()->field, (field_name));                                \
    } while (0)

/* ---- the pool ------------------------------------------------------------------------------ */

#define POOL 64
static uat_buf g_buf[POOL];
static size_t g_nbuf;
static uat_key *g_key[16];
static size_t g_nkey;
static uat_verifier *g_ver;
static uat_claims *g_claims;
static uat_refvals *g_rv;
static char g_dir[256];

static inline int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static inline int release(void **state)
{
    (void)state;
    for (size_t i = 0; i < g_nbuf; i++) {
        uat_buf_free(&g_buf[i]);
    }
    for (size_t i = 0; i < g_nkey; i++) {
        uat_key_free(g_key[i]);
    }
    g_nbuf = g_nkey = 0;
    uat_verifier_free(g_ver);
    g_ver = NULL;
    uat_claims_free(g_claims);
    g_claims = NULL;
    uat_refvals_free(g_rv);
    g_rv = NULL;
    if (g_dir[0] != '\0') {
        nftw(g_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        g_dir[0] = '\0';
    }
    return 0;
}

static inline uat_buf *new_buf(void)
{
    assert_true(g_nbuf < POOL);
    uat_buf_init(&g_buf[g_nbuf], UAT_MAX_FILE_BYTES);
    return &g_buf[g_nbuf++];
}

static inline uat_buf *load(const char *path)
{
    uat_buf *b = new_buf();
    assert_ok(uat_file_read(path, UAT_MAX_FILE_BYTES, b));
    return b;
}

static inline uat_buf *copy_of(uat_span s)
{
    uat_buf *out = new_buf();
    assert_ok(uat_buf_append(out, s.p, s.len));
    return out;
}

static inline uat_key *keep_key(uat_key *k)
{
    assert_true(g_nkey < 16);
    g_key[g_nkey++] = k;
    return k;
}

static inline uat_key *new_key(enum uat_key_kind kind)
{
    uat_key *k = NULL;
    assert_ok(uat_key_generate(kind, &k));
    return keep_key(k);
}

static inline void assert_hex(const uint8_t *p, size_t n, const char *want)
{
    char got[2 * 128 + 1];
    assert_true(n <= 128);
    uat_hex_encode(p, n, got);
    assert_string_equal(got, want);
}

static inline void hex_to(const char *hex, uint8_t *out, size_t n)
{
    assert_ok(uat_hex_decode_fixed(hex, strlen(hex), out, n));
}

/* A fresh directory <tmp>/uat-test-tpm-XXXXXX with an empty tpm/ folder under it. */
static inline const char *temp_trust_dir(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(g_dir, sizeof(g_dir), "%s/uat-test-tpm-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    assert_non_null(mkdtemp(g_dir));
    char sub[300];
    snprintf(sub, sizeof(sub), "%s/tpm", g_dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    return g_dir;
}

static inline void trust_file(const char *name, uat_span bytes)
{
    char path[400];
    snprintf(path, sizeof(path), "%s/tpm/%s", g_dir, name);
    assert_ok(uat_file_write_atomic(path, bytes.p, bytes.len, 0600));
}

/* ---- writers ------------------------------------------------------------------------------ */

static inline void w8(uat_buf *b, uint8_t v)
{
    assert_ok(uat_buf_put_u8(b, v));
}
static inline void w16(uat_buf *b, uint16_t v)
{
    assert_ok(uat_buf_put_u16be(b, v));
}
static inline void w32(uat_buf *b, uint32_t v)
{
    assert_ok(uat_buf_put_u32be(b, v));
}
static inline void w64(uat_buf *b, uint64_t v)
{
    assert_ok(uat_buf_put_u64be(b, v));
}
static inline void wbytes(uat_buf *b, const void *p, size_t n)
{
    assert_ok(uat_buf_append(b, p, n));
}
/* a TPM2B: 16-bit size, then the bytes */
static inline void w2b(uat_buf *b, const void *p, size_t n)
{
    w16(b, (uint16_t)n);
    wbytes(b, p, n);
}

/* CBOR (RFC 8949 §3): the shortest head of an item */
static inline void cb_head(uat_buf *b, unsigned major, uint64_t arg)
{
    uint8_t m = (uint8_t)(major << 5);
    if (arg < 24) {
        w8(b, (uint8_t)(m | arg));
    } else if (arg <= 0xff) {
        w8(b, m | 24);
        w8(b, (uint8_t)arg);
    } else if (arg <= 0xffff) {
        w8(b, m | 25);
        w16(b, (uint16_t)arg);
    } else if (arg <= 0xffffffffu) {
        w8(b, m | 26);
        w32(b, (uint32_t)arg);
    } else {
        w8(b, m | 27);
        w64(b, arg);
    }
}
static inline void cb_text(uat_buf *b, const char *s)
{
    cb_head(b, 3, strlen(s));
    wbytes(b, s, strlen(s));
}
static inline void cb_bytes(uat_buf *b, const void *p, size_t n)
{
    cb_head(b, 2, n);
    wbytes(b, p, n);
}

/* TPMT_PUBLIC of a key (RSA: exponent 0 for 65537; ECC: coordinates of the field size), symmetric
 * NULL, the given scheme (hash when not NULL), KDF NULL, empty authPolicy. */
static inline void w_public(uat_buf *b, const uat_key *k, uint16_t name_alg, uint32_t attrs,
                            uint16_t scheme, uint16_t scheme_hash)
{
    enum uat_key_kind kind = uat_key_kind_of(k);
    w16(b, kind == UAT_KEY_RSA ? UAT_TPM_ALG_RSA : UAT_TPM_ALG_ECC);
    w16(b, name_alg);
    w32(b, attrs);
    w2b(b, NULL, 0);
    w16(b, UAT_TPM_ALG_NULL);
    w16(b, scheme);
    if (scheme != UAT_TPM_ALG_NULL) {
        w16(b, scheme_hash);
    }
    if (kind == UAT_KEY_RSA) {
        uat_buf n;
        uint64_t e = 0;
        uat_buf_init(&n, 1024);
        assert_ok(uat_key_rsa_public(k, &n, &e));
        w16(b, (uint16_t)(n.len * 8));
        w32(b, e == 65537 ? 0 : (uint32_t)e);
        w2b(b, n.p, n.len);
        uat_buf_free(&n);
        return;
    }
    uint8_t x[66], y[66];
    size_t fl = 0;
    assert_ok(uat_key_ec_point(k, x, y, sizeof(x), &fl));
    w16(b, kind == UAT_KEY_EC_P256   ? UAT_TPM_ECC_NIST_P256
           : kind == UAT_KEY_EC_P384 ? UAT_TPM_ECC_NIST_P384
                                     : UAT_TPM_ECC_NIST_P521);
    w16(b, UAT_TPM_ALG_NULL);
    w2b(b, x, fl);
    w2b(b, y, fl);
}

/* The part of TPMS_ATTEST before attested (TPMS_CLOCK_INFO and firmwareVersion fixed). */
static inline void w_attest_head(uat_buf *b, uint16_t type, const uint8_t *extra, size_t extra_len)
{
    static const uint8_t signer[34] = {0x00, 0x0b, 0x51, 0x1e};
    w32(b, UAT_TPM_GENERATED_VALUE);
    w16(b, type);
    w2b(b, signer, sizeof(signer));
    w2b(b, extra, extra_len);
    w64(b, 0x1122334455ull); /* clock */
    w32(b, 7);               /* resetCount */
    w32(b, 3);               /* restartCount */
    w8(b, 1);                /* safe */
    w64(b, 0x2019102300163636ull);
}

/* TPMT_SIGNATURE over msg with k: RSASSA, RSAPSS or ECDSA with hash. */
static inline void w_signature(uat_buf *b, const uat_key *k, uint16_t sig_alg, uint16_t hash,
                               uat_span msg)
{
    enum uat_hash_alg h = UAT_HASH_SHA256;
    assert_ok(uat_tpm_hash_alg(hash, &h));
    enum uat_sig_scheme s = sig_alg == UAT_TPM_ALG_RSASSA   ? UAT_SCHEME_RSASSA
                            : sig_alg == UAT_TPM_ALG_RSAPSS ? UAT_SCHEME_RSAPSS
                                                            : UAT_SCHEME_ECDSA;
    uat_buf sig;
    uat_buf_init(&sig, 1024);
    assert_ok(uat_sig_sign_scheme(k, s, h, msg, &sig));
    w16(b, sig_alg);
    w16(b, hash);
    if (s == UAT_SCHEME_ECDSA) {
        w2b(b, sig.p, sig.len / 2);
        w2b(b, sig.p + sig.len / 2, sig.len / 2);
    } else {
        w2b(b, sig.p, sig.len);
    }
    uat_buf_free(&sig);
}

/* ---- a synthetic statement ---------------------------------------------------------------- */

typedef struct tpm_case {
    uat_key *ak; /* private */
    uint16_t name_alg;
    uint32_t ak_attrs;
    uint16_t ak_scheme, ak_scheme_hash;
    uint16_t sig_alg, sig_hash;
    uint8_t extra[80];
    size_t extra_len;
    /* quote: the selection and the PCR values the evidence carries */
    size_t nsel;
    uat_tpm_pcr_select sel[UAT_TPM_MAX_BANKS];
    uint8_t pcr[UAT_TPM_MAX_BANKS][UAT_TPM_NUM_PCRS][UAT_HASH_MAX];
    uint32_t given[UAT_TPM_MAX_BANKS]; /* PCRs carried in "pcrs" (default: the selection) */
    /* certify (type TPM_ST_ATTEST_CERTIFY when set) */
    const uat_key *certified;
    uint32_t certified_attrs;
    /* optional members */
    uat_span chain[4];
    size_t nchain;
    uat_span event_log, ima_log;
    /* built */
    uat_buf *attest, *signature, *ak_pub, *certified_pub, *evidence;
} tpm_case;

/* fixedTPM fixedParent sensitiveDataOrigin userWithAuth noDA restricted sign */
#define AK_ATTRS 0x00050472u

static inline tpm_case case_quote(enum uat_key_kind kind)
{
    tpm_case c;
    memset(&c, 0, sizeof(c));
    c.ak = new_key(kind);
    c.name_alg = UAT_TPM_ALG_SHA256;
    c.ak_attrs = AK_ATTRS;
    int rsa = kind == UAT_KEY_RSA;
    c.ak_scheme = rsa ? UAT_TPM_ALG_RSASSA : UAT_TPM_ALG_ECDSA;
    c.ak_scheme_hash = UAT_TPM_ALG_SHA256;
    c.sig_alg = c.ak_scheme;
    c.sig_hash = UAT_TPM_ALG_SHA256;
    c.extra_len = 32;
    for (size_t i = 0; i < c.extra_len; i++) {
        c.extra[i] = (uint8_t)(0xa0 + i);
    }
    c.nsel = 1;
    c.sel[0].hash = UAT_TPM_ALG_SHA256;
    c.sel[0].mask = 0xff; /* PCRs 0-7 */
    for (unsigned i = 0; i < UAT_TPM_NUM_PCRS; i++) {
        memset(c.pcr[0][i], (int)(0x10 + i), UAT_HASH_MAX);
    }
    return c;
}

static inline size_t bank_len(uint16_t alg)
{
    enum uat_hash_alg h = UAT_HASH_SHA256;
    assert_ok(uat_tpm_hash_alg(alg, &h));
    return uat_hash_len(h);
}

static inline void case_attest(tpm_case *c)
{
    uat_buf *a = c->attest = new_buf();
    if (c->certified != NULL) {
        uint8_t name[UAT_TPM_MAX_NAME];
        size_t name_len = 0;
        uat_tpm_public p;
        assert_ok(uat_tpm_parse_public(uat_buf_span(c->certified_pub), &p));
        assert_ok(uat_tpm_name(&p, name, &name_len));
        w_attest_head(a, UAT_TPM_ST_ATTEST_CERTIFY, c->extra, c->extra_len);
        w2b(a, name, name_len);
        w2b(a, name, name_len); /* qualifiedName: not checked */
        return;
    }
    enum uat_hash_alg h = UAT_HASH_SHA256;
    assert_ok(uat_tpm_hash_alg(c->sig_hash, &h));
    uat_span parts[UAT_TPM_MAX_BANKS * UAT_TPM_NUM_PCRS];
    size_t np = 0;
    w_attest_head(a, UAT_TPM_ST_ATTEST_QUOTE, c->extra, c->extra_len);
    w32(a, (uint32_t)c->nsel);
    for (size_t k = 0; k < c->nsel; k++) {
        w16(a, c->sel[k].hash);
        w8(a, 3);
        for (unsigned o = 0; o < 3; o++) {
            w8(a, (uint8_t)(c->sel[k].mask >> (8 * o)));
        }
        for (unsigned i = 0; i < UAT_TPM_NUM_PCRS; i++) {
            if (c->sel[k].mask & (1u << i)) {
                parts[np++] = uat_span_of(c->pcr[k][i], bank_len(c->sel[k].hash));
            }
        }
    }
    uint8_t digest[UAT_HASH_MAX];
    assert_ok(uat_hash(h, parts, np, digest));
    w2b(a, digest, uat_hash_len(h));
}

/* Builds every part and the evidence map. */
static inline void case_build(tpm_case *c)
{
    c->ak_pub = new_buf();
    w_public(c->ak_pub, c->ak, c->name_alg, c->ak_attrs, c->ak_scheme, c->ak_scheme_hash);
    if (c->certified != NULL) {
        c->certified_pub = new_buf();
        w_public(c->certified_pub, c->certified, UAT_TPM_ALG_SHA256, c->certified_attrs,
                 UAT_TPM_ALG_NULL, 0);
    }
    case_attest(c);
    c->signature = new_buf();
    w_signature(c->signature, c->ak, c->sig_alg, c->sig_hash, uat_buf_span(c->attest));
    uat_tpm_evidence ev;
    memset(&ev, 0, sizeof(ev));
    ev.attest = uat_buf_span(c->attest);
    ev.signature = uat_buf_span(c->signature);
    ev.ak_pub = uat_buf_span(c->ak_pub);
    for (size_t k = 0; c->certified == NULL && k < c->nsel; k++) {
        uint32_t given = c->given[k] != 0 ? c->given[k] : c->sel[k].mask;
        if (given == 0) {
            continue;
        }
        ev.bank_alg[ev.nbanks] = c->sel[k].hash;
        ev.present[ev.nbanks] = given & 0xffffffu;
        for (unsigned i = 0; i < UAT_TPM_NUM_PCRS; i++) {
            ev.pcr[ev.nbanks][i] = uat_span_of(c->pcr[k][i], bank_len(c->sel[k].hash));
        }
        ev.nbanks++;
    }
    if (c->certified != NULL) {
        ev.certified_pub = uat_buf_span(c->certified_pub);
    }
    ev.nchain = c->nchain;
    for (size_t i = 0; i < c->nchain; i++) {
        ev.chain[i] = c->chain[i];
    }
    ev.event_log = c->event_log;
    ev.ima_log = c->ima_log;
    c->evidence = new_buf();
    assert_ok(uat_tpm_evidence_encode(&ev, c->evidence));
}

/* The evidence map re-encoded with one part replaced (the others as built). */
static inline uat_buf *evidence_with(const tpm_case *c, const char *member, uat_span value)
{
    uat_tpm_evidence ev;
    assert_ok(uat_tpm_evidence_decode(uat_buf_span(c->evidence), &ev));
    if (strcmp(member, "attest") == 0) {
        ev.attest = value;
    } else if (strcmp(member, "signature") == 0) {
        ev.signature = value;
    } else if (strcmp(member, "ak_pub") == 0) {
        ev.ak_pub = value;
    } else if (strcmp(member, "certified_pub") == 0) {
        ev.certified_pub = value;
    } else {
        fail_msg("no member %s", member);
    }
    uat_buf *out = new_buf();
    assert_ok(uat_tpm_evidence_encode(&ev, out));
    return out;
}

/* The AK's Name in hex. */
static inline void ak_name_hex(uat_span ak_pub, char out[2 * UAT_TPM_MAX_NAME + 1])
{
    uat_tpm_public p;
    uint8_t name[UAT_TPM_MAX_NAME];
    size_t n = 0;
    assert_ok(uat_tpm_parse_public(ak_pub, &p));
    assert_ok(uat_tpm_name(&p, name, &n));
    uat_hex_encode(name, n, out);
}

/* Reference values that pin the AK's Name as `signer`. */
static inline const uat_refvals *pin_refvals(uat_span ak_pub)
{
    char name[2 * UAT_TPM_MAX_NAME + 1], doc[512];
    ak_name_hex(ak_pub, name);
    snprintf(doc, sizeof(doc), "{\"id\":\"ak\",\"tee\":\"tpm\",\"values\":{\"signer\":[\"%s\"]}}",
             name);
    if (g_rv == NULL) {
        assert_ok(uat_refvals_new(&g_rv));
    }
    assert_ok(uat_refvals_add_json(g_rv, doc, strlen(doc)));
    return g_rv;
}

/* A verifier at time `at` (0: now) with the given trust directory (may be NULL) and refvals. */
static inline uat_verifier *verifier(const char *trust, const uat_refvals *rv, int64_t at)
{
    uat_verifier_free(g_ver);
    assert_ok(uat_verifier_new(&g_ver));
    if (trust != NULL) {
        assert_ok(uat_verifier_set_trust_dir(g_ver, trust));
    }
    uat_verifier_set_reference_values(g_ver, rv);
    if (at != 0) {
        uat_verifier_set_time(g_ver, at);
    }
    return g_ver;
}

/* Verifies raw evidence; on success the claims are in g_claims. */
static inline uat_err verify_ev(uat_verifier *v, uat_span ev, const uint8_t *expected)
{
    uat_claims_free(g_claims);
    g_claims = NULL;
    return uat_verify(v, ev.p, ev.len, expected, &g_claims);
}

/* A tee_claims member's JSON (compact), for assertions; free() it. */
static inline char *claim_json(const char *path)
{
    char *all = NULL;
    assert_ok(uat_claims_to_json(g_claims, 0, &all));
    json_t *doc = json_loads(all, 0, NULL);
    free(all);
    assert_non_null(doc);
    json_t *cur = doc;
    char part[64];
    while (cur != NULL && *path != '\0') {
        size_t n = strcspn(path, ".");
        assert_true(n < sizeof(part));
        memcpy(part, path, n);
        part[n] = '\0';
        cur = json_object_get(cur, part);
        path += n + (path[n] == '.' ? 1 : 0);
    }
    char *out = cur != NULL ? json_dumps(cur, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    json_decref(doc);
    return out;
}

static inline void assert_claim(const char *path, const char *want_json)
{
    char *got = claim_json(path);
    assert_non_null(got);
    assert_string_equal(got, want_json);
    free(got);
}

#endif
