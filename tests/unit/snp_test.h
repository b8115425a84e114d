/* Helpers shared by the SEV-SNP unit tests (test_snp.c, test_snp_verify.c): corpus paths and
 * pinned times, error assertions, and a pool of what a test makes, released by the teardown. */
#ifndef UAT_TESTS_SNP_TEST_H
#define UAT_TESTS_SNP_TEST_H

#include <ftw.h>
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
#include "crypto/crypto.h"
#include "tee/snp/snp.h"
#include "uattest/uattest.h"

#define SNP UAT_CORPUS_DIR "/amd-sev-snp"
#define N1 SNP "/n1-gosevguest-milan-vcek"
#define N2 SNP "/n2-trustee-milan-vcek"
#define N3 SNP "/n3-trustee-milan-vlek-aws"
#define TRUST SNP "/trust"
#define T_N1 1663981200 /* 2022-09-24T01:00:00Z: go-sev-guest TestVerifyVcekCert */
#define T_N2 1719964800 /* 2024-07-03T00:00:00Z: trustee test data commit date */
#define T_N3 1748736000 /* 2025-06-01T00:00:00Z: inside the VLEK's one-year validity */
#define END_N1 1884905728 /* 2029-09-24T00:55:28Z: VCEK notAfter */
#define END_N2 1895507906 /* 2030-01-24T17:58:26Z */
#define END_N3 1765404861 /* 2025-12-10T22:14:21Z */

#include "uat_assert.h"
#define assert_fail(expr, want, check_name, field_name)                                            \
    do {                                                                                           \
        assert_err((expr), (want));                                                                \
        assert_string_equal(uat_last_error()->check, (check_name));                                \
        assert_string_equal(uat_last_error()->field, (field_name));                                \
    } while (0)

/* What a test makes is released by the per-test teardown, so a failing assertion leaks nothing. */
#define POOL 32
static uat_buf g_buf[POOL];
static size_t g_nbuf;
static uat_cert *g_cert[8];
static size_t g_ncert;
static uat_verifier *g_ver;
static uat_claims *g_claims;
static char g_dir[64];

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
    for (size_t i = 0; i < g_ncert; i++) {
        uat_cert_free(g_cert[i]);
    }
    g_nbuf = g_ncert = 0;
    uat_verifier_free(g_ver);
    g_ver = NULL;
    uat_claims_free(g_claims);
    g_claims = NULL;
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

static inline uat_buf *copy_of(const uat_buf *b)
{
    uat_buf *out = new_buf();
    assert_ok(uat_buf_append(out, b->p, b->len));
    return out;
}

static inline void put_u32(uat_buf *b, size_t off, uint32_t v)
{
    for (size_t i = 0; i < 4; i++) {
        b->p[off + i] = (uint8_t)(v >> (8 * i));
    }
}

static inline uat_snp_report parse_ok(const uat_buf *b)
{
    uat_snp_report r;
    assert_ok(uat_snp_report_parse(uat_buf_span(b), &r));
    return r;
}

static inline const uat_cert *cert(const char *path)
{
    assert_true(g_ncert < 8);
    assert_ok(uat_cert_parse(uat_buf_span(load(path)), &g_cert[g_ncert]));
    return g_cert[g_ncert++];
}

static inline uat_snp_vek_ext ext_of(const char *path)
{
    uat_snp_vek_ext e;
    assert_ok(uat_snp_vek_ext_read(cert(path), &e));
    return e;
}

static inline void assert_hex(const uint8_t *p, size_t n, const char *want)
{
    char got[2 * 64 + 1];
    assert_true(n <= 64);
    uat_hex_encode(p, n, got);
    assert_string_equal(got, want);
}


static inline uat_buf *table_with(const uat_buf *vcek)
{
    uat_snp_cert_entry e[2];
    memcpy(e[0].guid, uat_snp_guid_vcek, 16);
    e[0].data = uat_buf_span(vcek);
    memcpy(e[1].guid, uat_snp_guid_ark, 16);
    e[1].data = uat_span_of(vcek->p, 100);
    uat_buf *t = new_buf();
    assert_ok(uat_snp_cert_table_build(e, 2, t));
    return t;
}


#endif
