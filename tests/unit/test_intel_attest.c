/* The Intel attesters without Intel hardware: TDX's /dev/tdx_guest over a fake transport that
 * answers TDX_CMD_GET_REPORT0 as the kernel does (linux/tdx-guest.h), and SGX through a stand-in
 * for Intel's DCAP quote library (fake_sgx_dcap_ql.c, loaded with dlopen as the real one is),
 * whose corpus quote must come out verifiable at its pinned time. */
#include <dlfcn.h>
#include <errno.h>
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
#include "tee/intel/intel.h"
#include "uat_assert.h"
#include "uattest/uattest.h"

#define S1 UAT_CORPUS_DIR "/intel-sgx-dcap/s1-dcapqvl-sgx-v3-processor"
#define SGX_TRUST UAT_CORPUS_DIR "/intel-sgx-dcap/trust"
#define T_S1 1751328000 /* 2025-07-01T00:00:00Z */

#define assert_fail(expr, want, check_name, field_name)                                            \
    do {                                                                                           \
        assert_err((expr), (want));                                                                \
        assert_string_equal(uat_last_error()->check, (check_name));                                \
        assert_string_equal(uat_last_error()->field, (field_name));                                \
    } while (0)
#define assert_says(text) assert_non_null(strstr(uat_last_error()->message, (text)))

/* ---- TDX: /dev/tdx_guest ------------------------------------------------------------------ */

enum tdx_mode { TDX_OK, TDX_EIO, TDX_WRONG_TYPE, TDX_OTHER_DATA };

typedef struct tdx_fake {
    enum tdx_mode mode;
    int calls;
    char path[256];
} tdx_fake;

static int tdx_get_report0(void *user, const char *path, uat_tdx_report_req *req)
{
    tdx_fake *f = user;
    f->calls++;
    snprintf(f->path, sizeof(f->path), "%s", path);
    if (f->mode == TDX_EIO) {
        return EIO;
    }
    /* TDREPORT_STRUCT: REPORTTYPE {type 0x81, subtype 0, version 0}; REPORTDATA at 128 */
    memset(req->tdreport, 0x5c, sizeof(req->tdreport));
    req->tdreport[0] = f->mode == TDX_WRONG_TYPE ? 0x00 : 0x81;
    req->tdreport[1] = req->tdreport[2] = req->tdreport[3] = 0;
    memcpy(req->tdreport + 128, req->reportdata, 64);
    if (f->mode == TDX_OTHER_DATA) {
        req->tdreport[128 + 63] ^= 1;
    }
    return 0;
}

static uat_err tdx_collect(tdx_fake *f, const char *iface, uat_buf *out)
{
    const char *keys[1] = {"interface"}, *values[1] = {iface};
    uat_attest_ctx ctx = {"/nonexistent-root", NULL, iface != NULL ? 1u : 0u, keys, values, NULL};
    uat_tdx_transport t = {tdx_get_report0, f};
    uint8_t rd[64];
    for (int i = 0; i < 64; i++) {
        rd[i] = (uint8_t)(i + 1);
    }
    uat_buf_init(out, 1 << 20);
    return uat_tdx_collect_via(&t, &ctx, rd, out);
}

static void test_tdx_tdreport(void **state)
{
    (void)state;
    tdx_fake f = {TDX_OK, 0, ""};
    uat_tdx_transport t = {tdx_get_report0, &f};
    uint8_t rd[64], rep[UAT_TDX_TDREPORT_SIZE];
    memset(rd, 0x33, sizeof(rd));
    assert_ok(uat_tdx_tdreport_via(&t, "/r", rd, rep));
    assert_string_equal(f.path, "/r/dev/tdx_guest");
    assert_int_equal(rep[0], 0x81);
    assert_memory_equal(rep + 128, rd, 64);
}

/* The ioctl gives a TD report, which is not a quote: a named error that says what is needed. */
static void test_tdx_ioctl_says_a_quote_needs_configfs_or_qgs(void **state)
{
    (void)state;
    tdx_fake f = {TDX_OK, 0, ""};
    uat_buf out;
    assert_fail(tdx_collect(&f, "ioctl", &out), UAT_ERR_UNSUPPORTED_FEATURE, "tdx.attest",
                "interface");
    assert_int_equal(f.calls, 1);
    assert_int_equal(out.len, 0);
    assert_says("interface ioctl");
    assert_says("configfs-tsm");
    assert_says("QGS");
    uat_buf_free(&out);
    /* auto, without configfs-tsm, goes the same way */
    assert_err(tdx_collect(&f, NULL, &out), UAT_ERR_UNSUPPORTED_FEATURE);
    assert_int_equal(f.calls, 2);
    uat_buf_free(&out);
}

static void test_tdx_refusals(void **state)
{
    (void)state;
    uat_buf out;
    tdx_fake f = {TDX_EIO, 0, ""};
    assert_fail(tdx_collect(&f, "ioctl", &out), UAT_ERR_PLATFORM_DEVICE, "tdx.attest",
                "TDX_CMD_GET_REPORT0");
    assert_says("Input/output error");
    uat_buf_free(&out);
    /* auto: the error names both interfaces */
    assert_fail(tdx_collect(&f, "auto", &out), UAT_ERR_PLATFORM_DEVICE, "tdx.attest",
                "TDX_CMD_GET_REPORT0");
    assert_says("interface configfs-tsm: no /nonexistent-root/sys/kernel/config/tsm/report");
    assert_says("interface ioctl: TDX_CMD_GET_REPORT0 on /nonexistent-root/dev/tdx_guest");
    uat_buf_free(&out);
    f.mode = TDX_WRONG_TYPE;
    assert_fail(tdx_collect(&f, "ioctl", &out), UAT_ERR_PLATFORM_DEVICE, "tdx.attest",
                "reporttype.type");
    uat_buf_free(&out);
    f.mode = TDX_OTHER_DATA;
    assert_fail(tdx_collect(&f, "ioctl", &out), UAT_ERR_PLATFORM_DEVICE, "tdx.attest",
                "reportdata");
    uat_buf_free(&out);
    /* configfs-tsm asked for and absent: the ioctl is not tried */
    f.calls = 0;
    assert_fail(tdx_collect(&f, "configfs-tsm", &out), UAT_ERR_PLATFORM_DEVICE, "tdx.attest", "");
    assert_says("interface configfs-tsm");
    assert_int_equal(f.calls, 0);
    uat_buf_free(&out);
    assert_fail(tdx_collect(&f, "tsm-or-whatever", &out), UAT_ERR_USAGE_INVALID_ARGUMENT,
                "tdx.attest", "interface");
    uat_buf_free(&out);
}

static void test_tdx_real_transport_without_device(void **state)
{
    (void)state;
    uint8_t rd[64] = {0}, rep[UAT_TDX_TDREPORT_SIZE];
    assert_fail(uat_tdx_tdreport_via(&uat_tdx_ioctl_transport, "/nonexistent-root", rd, rep),
                UAT_ERR_PLATFORM_DEVICE, "tdx.attest", "TDX_CMD_GET_REPORT0");
    /* a regular file is not the device: ENOTTY */
    char dir[] = "/tmp/uat-tdx-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char dev[256], devdir[256];
    snprintf(devdir, sizeof(devdir), "%s/dev", dir);
    snprintf(dev, sizeof(dev), "%s/dev/tdx_guest", dir);
    assert_ok(uat_mkdirs(devdir, 0700));
    assert_ok(uat_file_write_atomic(dev, "", 0, 0600));
    assert_fail(uat_tdx_tdreport_via(&uat_tdx_ioctl_transport, dir, rd, rep),
                UAT_ERR_PLATFORM_DEVICE, "tdx.attest", "TDX_CMD_GET_REPORT0");
    assert_says(strerror(ENOTTY));
    unlink(dev);
    rmdir(devdir);
    rmdir(dir);
}

/* ---- SGX: Intel's DCAP quote library ------------------------------------------------------ */

typedef struct dcap_env {
    void *dl; /* the same handle the attester gets: its globals are the fake's state */
    int *mode, *calls;
    uint8_t *seen;
    char dir[64], report[128], ti[128];
    uat_buf quote;
    uint8_t rd[64];
} dcap_env;

static int dcap_setup(void **state)
{
    dcap_env *e = calloc(1, sizeof(*e));
    assert_non_null(e);
    e->dl = dlopen(UAT_FAKE_DCAP_QL, RTLD_NOW | RTLD_LOCAL);
    assert_non_null(e->dl);
    e->mode = dlsym(e->dl, "fake_dcap_mode");
    e->calls = dlsym(e->dl, "fake_dcap_quote_calls");
    e->seen = dlsym(e->dl, "fake_dcap_report");
    assert_true(e->mode && e->calls && e->seen);
    snprintf(e->dir, sizeof(e->dir), "/tmp/uat-dcap-XXXXXX");
    assert_non_null(mkdtemp(e->dir));
    snprintf(e->report, sizeof(e->report), "%s/report.bin", e->dir);
    snprintf(e->ti, sizeof(e->ti), "%s/ti.bin", e->dir);
    /* the enclave's sgx_report_t: the body the QE put into the corpus quote, key id, MAC */
    uat_buf_init(&e->quote, 1 << 20);
    assert_ok(uat_file_read(S1 "/quote.bin", 1 << 20, &e->quote));
    uint8_t rep[UAT_SGX_APP_REPORT_SIZE];
    memset(rep, 0, sizeof(rep));
    memcpy(rep, e->quote.p + UAT_INTEL_HEADER_SIZE, UAT_SGX_REPORT_SIZE);
    memcpy(e->rd, rep + 320, 64);
    assert_ok(uat_file_write_atomic(e->report, rep, sizeof(rep), 0600));
    *state = e;
    return 0;
}

static int dcap_teardown(void **state)
{
    dcap_env *e = *state;
    unlink(e->report);
    unlink(e->ti);
    rmdir(e->dir);
    uat_buf_free(&e->quote);
    dlclose(e->dl);
    free(e);
    return 0;
}

static uat_err sgx_collect(dcap_env *e, const char *iface, const char *lib, const char *report,
                           uat_buf *out)
{
    const char *keys[4] = {"interface", "qe-target-info", "dcap-ql", "enclave-report"};
    const char *values[4] = {iface, e->ti, lib, report};
    size_t n = report != NULL ? 4 : 3;
    uat_attest_ctx ctx = {"/nonexistent-root", NULL, n, keys, values, NULL};
    uat_buf_init(out, 1 << 20);
    *e->mode = 0;
    return uat_sgx_collect(&ctx, e->rd, out);
}

static void test_sgx_dcap_quote_verifies(void **state)
{
    dcap_env *e = *state;
    uat_buf out;
    *e->calls = 0;
    assert_ok(sgx_collect(e, "dcap-ql", UAT_FAKE_DCAP_QL, e->report, &out));
    assert_int_equal(*e->calls, 1);
    assert_int_equal(out.len, e->quote.len);
    assert_memory_equal(out.p, e->quote.p, out.len);
    assert_memory_equal(e->seen, e->quote.p + UAT_INTEL_HEADER_SIZE, UAT_SGX_REPORT_SIZE);
    uat_buf ti;
    uat_buf_init(&ti, 4096);
    assert_ok(uat_file_read(e->ti, 4096, &ti));
    assert_int_equal(ti.len, UAT_SGX_TARGET_INFO_SIZE);
    assert_int_equal(ti.p[0], 0xa5);
    uat_buf_free(&ti);
    uat_verifier *v = NULL;
    assert_ok(uat_verifier_new(&v));
    assert_ok(uat_verifier_set_trust_dir(v, SGX_TRUST));
    assert_ok(uat_verifier_set_collateral_dir(v, S1));
    uat_verifier_set_time(v, T_S1);
    uat_claims *c = NULL;
    assert_ok(uat_verify(v, out.p, out.len, e->rd, &c));
    assert_string_equal(uat_claims_tee(c), "sgx");
    uat_claims_free(c);
    uat_verifier_free(v);
    uat_buf_free(&out);
    /* auto, with no Gramine device: the library */
    assert_ok(sgx_collect(e, NULL, UAT_FAKE_DCAP_QL, e->report, &out));
    uat_buf_free(&out);
}

static void test_sgx_dcap_refusals(void **state)
{
    dcap_env *e = *state;
    uat_buf out;
    /* no enclave report: nothing outside the enclave can make one */
    assert_fail(sgx_collect(e, "dcap-ql", UAT_FAKE_DCAP_QL, NULL, &out),
                UAT_ERR_USAGE_INVALID_ARGUMENT, "sgx.attest", "enclave-report");
    uat_buf_free(&out);
    /* a library that is not there, or is not Intel's */
    assert_fail(sgx_collect(e, "dcap-ql", "/nonexistent/libsgx_dcap_ql.so.1", e->report, &out),
                UAT_ERR_PLATFORM_DEVICE, "sgx.attest", "dcap-ql");
    assert_says("libsgx-dcap-ql");
    uat_buf_free(&out);
    assert_fail(sgx_collect(e, NULL, "/nonexistent/libsgx_dcap_ql.so.1", e->report, &out),
                UAT_ERR_PLATFORM_DEVICE, "sgx.attest", "dcap-ql");
    assert_says("interface gramine: no /nonexistent-root/dev/attestation");
    uat_buf_free(&out);
    assert_fail(sgx_collect(e, "dcap-ql", "libc.so.6", e->report, &out), UAT_ERR_PLATFORM_DEVICE,
                "sgx.attest", "dcap-ql");
    assert_says("sgx_qe_get_target_info");
    uat_buf_free(&out);
    /* the enclave report carries other report data than asked for */
    e->rd[0] ^= 1;
    assert_fail(sgx_collect(e, "dcap-ql", UAT_FAKE_DCAP_QL, e->report, &out),
                UAT_ERR_USAGE_INVALID_ARGUMENT, "sgx.attest", "report_data");
    e->rd[0] ^= 1;
    uat_buf_free(&out);
    /* a report of another size */
    uint8_t rep[UAT_SGX_APP_REPORT_SIZE + 1];
    memset(rep, 0, sizeof(rep));
    memcpy(rep, e->quote.p + UAT_INTEL_HEADER_SIZE, UAT_SGX_REPORT_SIZE);
    assert_ok(uat_file_write_atomic(e->report, rep, sizeof(rep), 0600));
    assert_err(sgx_collect(e, "dcap-ql", UAT_FAKE_DCAP_QL, e->report, &out),
               UAT_ERR_PARSE_TRAILING_BYTES);
    uat_buf_free(&out);
    assert_ok(uat_file_write_atomic(e->report, rep, sizeof(rep) - 2, 0600));
    assert_err(sgx_collect(e, "dcap-ql", UAT_FAKE_DCAP_QL, e->report, &out),
               UAT_ERR_PARSE_TRUNCATED);
    uat_buf_free(&out);
    /* a quote for another enclave report (the QE copies the body it was given) */
    rep[64] ^= 1; /* mr_enclave */
    assert_ok(uat_file_write_atomic(e->report, rep, UAT_SGX_APP_REPORT_SIZE, 0600));
    assert_fail(sgx_collect(e, "dcap-ql", UAT_FAKE_DCAP_QL, e->report, &out),
                UAT_ERR_PLATFORM_DEVICE, "sgx.attest", "isv_enclave_report");
    rep[64] ^= 1;
    assert_ok(uat_file_write_atomic(e->report, rep, UAT_SGX_APP_REPORT_SIZE, 0600));
    uat_buf_free(&out);
    assert_fail(sgx_collect(e, "enclave", UAT_FAKE_DCAP_QL, e->report, &out),
                UAT_ERR_USAGE_INVALID_ARGUMENT, "sgx.attest", "interface");
    uat_buf_free(&out);
}

/* What the library says goes into the error, by the function that said it. */
static void test_sgx_dcap_library_errors(void **state)
{
    dcap_env *e = *state;
    const char *keys[3] = {"interface", "dcap-ql", "enclave-report"};
    const char *values[3] = {"dcap-ql", UAT_FAKE_DCAP_QL, e->report};
    uat_attest_ctx ctx = {"/nonexistent-root", NULL, 3, keys, values, NULL};
    struct {
        int mode;
        const char *field, *text;
    } cases[] = {
        {1, "sgx_qe_get_target_info", "0xe019"},
        {2, "sgx_qe_get_quote", "0xe03a"},
        {3, "quote", "not an SGX quote"},
        {4, "quote_size", "2147483647"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uat_buf out;
        uat_buf_init(&out, 1 << 20);
        *e->mode = cases[i].mode;
        assert_fail(uat_sgx_collect(&ctx, e->rd, &out), UAT_ERR_PLATFORM_DEVICE, "sgx.attest",
                    cases[i].field);
        assert_says(cases[i].text);
        uat_buf_free(&out);
    }
    *e->mode = 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tdx_tdreport),
        cmocka_unit_test(test_tdx_ioctl_says_a_quote_needs_configfs_or_qgs),
        cmocka_unit_test(test_tdx_refusals),
        cmocka_unit_test(test_tdx_real_transport_without_device),
        cmocka_unit_test_setup_teardown(test_sgx_dcap_quote_verifies, dcap_setup, dcap_teardown),
        cmocka_unit_test_setup_teardown(test_sgx_dcap_refusals, dcap_setup, dcap_teardown),
        cmocka_unit_test_setup_teardown(test_sgx_dcap_library_errors, dcap_setup, dcap_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
