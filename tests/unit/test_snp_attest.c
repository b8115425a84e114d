/* The SEV-SNP /dev/sev-guest attester over a fake transport that behaves as the kernel's
 * SNP_GET_EXT_REPORT / SNP_GET_REPORT ioctls do (linux/sev-guest.h), answering with the corpus
 * report and a certificate table holding its VCEK: what comes out verifies at the pinned time. */
#include <errno.h>
#include <linux/sev-guest.h>
#include <sys/ioctl.h>

#include "snp_test.h"
#include "crypto/crypto.h"

enum fake_mode { FAKE_OK, FAKE_SHORT_BUFFER, FAKE_NO_EXT, FAKE_STATUS, FAKE_FW_ERROR, FAKE_NO_CERTS };

typedef struct fake {
    enum fake_mode mode;
    uat_buf report, table;
    int calls, ext_calls;
    uint32_t vmpl_seen;
} fake;

static int fake_request(void *user, const char *path, unsigned long cmd,
                        struct snp_guest_request_ioctl *io)
{
    fake *f = user;
    (void)path;
    int ext = cmd == SNP_GET_EXT_REPORT;
    assert_true(ext || cmd == SNP_GET_REPORT);
    f->calls++;
    assert_int_equal(io->msg_version, 1);
    const struct snp_report_req *req = (const void *)(uintptr_t)io->req_data;
    f->vmpl_seen = req->vmpl;
    if (ext) {
        f->ext_calls++;
        struct snp_ext_report_req *x = (void *)(uintptr_t)io->req_data;
        if (f->mode == FAKE_NO_EXT) {
            return ENOTTY;
        }
        if (f->mode == FAKE_SHORT_BUFFER && x->certs_len < 20000) {
            x->certs_len = 20000; /* the kernel tells the size the host needs */
            io->exitinfo2 = (uint64_t)SNP_GUEST_VMM_ERR_INVALID_LEN << 32;
            return EIO;
        }
        if (f->mode != FAKE_NO_CERTS) {
            assert_true(x->certs_len >= f->table.len);
            memcpy((void *)(uintptr_t)x->certs_address, f->table.p, f->table.len);
        }
    }
    if (f->mode == FAKE_FW_ERROR) {
        io->exitinfo2 = 0x16; /* a firmware error code */
        return EIO;
    }
    uint8_t *rsp = ((struct snp_report_resp *)(uintptr_t)io->resp_data)->data;
    uint32_t status = f->mode == FAKE_STATUS ? 0x16 : 0, size = UAT_SNP_REPORT_SIZE;
    memcpy(rsp, &status, 4);
    memcpy(rsp + 4, &size, 4);
    memcpy(rsp + 0x20, f->report.p, f->report.len);
    return 0;
}

static void fake_init(fake *f, enum fake_mode mode)
{
    memset(f, 0, sizeof(*f));
    f->mode = mode;
    uat_buf_init(&f->report, 1 << 20);
    uat_buf_init(&f->table, 1 << 20);
    assert_ok(uat_file_read(N1 "/report.bin", 1 << 20, &f->report));
    uat_buf vcek;
    uat_buf_init(&vcek, 1 << 20);
    assert_ok(uat_file_read(N1 "/vcek.der", 1 << 20, &vcek));
    uat_snp_cert_entry e;
    memcpy(e.guid, uat_snp_guid_vcek, 16);
    e.data = uat_buf_span(&vcek);
    assert_ok(uat_snp_cert_table_build(&e, 1, &f->table));
    uat_buf_free(&vcek);
}

static void fake_free(fake *f)
{
    uat_buf_free(&f->report);
    uat_buf_free(&f->table);
}

static uat_err collect(fake *f, const char *vmpl, uat_buf *out)
{
    const char *keys[1] = {"vmpl"}, *values[1] = {vmpl};
    uat_attest_ctx ctx = {"/nonexistent-root", NULL, vmpl != NULL ? 1u : 0u, keys, values, NULL};
    uat_snp_transport t = {fake_request, f};
    uat_buf_init(out, 1 << 20);
    return uat_snp_collect_via(&t, &ctx, f->report.p + 0x50, out);
}

static void expect_verifies(const uat_buf *ev)
{
    uat_verifier *v = NULL;
    assert_ok(uat_verifier_new(&v));
    assert_ok(uat_verifier_set_trust_dir(v, TRUST));
    uat_verifier_set_time(v, T_N1);
    uat_claims *c = NULL;
    assert_ok(uat_verify(v, ev->p, ev->len, NULL, &c));
    assert_string_equal(uat_claims_tee(c), "snp");
    uat_claims_free(c);
    uat_verifier_free(v);
}

static void test_ext_report_with_vcek(void **state)
{
    (void)state;
    fake f;
    fake_init(&f, FAKE_OK);
    uat_buf out;
    assert_ok(collect(&f, "0", &out));
    assert_int_equal(f.ext_calls, 1);
    assert_int_equal(f.vmpl_seen, 0);
    /* report, then a table holding only the VCEK */
    assert_int_equal(out.len, f.report.len + f.table.len);
    assert_memory_equal(out.p, f.report.p, f.report.len);
    expect_verifies(&out); /* no collateral directory: the VCEK came with the evidence */
    uat_buf_free(&out);
    fake_free(&f);
}

static void test_short_certificate_buffer_grows_once(void **state)
{
    (void)state;
    fake f;
    fake_init(&f, FAKE_SHORT_BUFFER);
    uat_buf out;
    assert_ok(collect(&f, NULL, &out));
    assert_int_equal(f.ext_calls, 2);
    expect_verifies(&out);
    uat_buf_free(&out);
    fake_free(&f);
}

static void test_driver_without_ext_report(void **state)
{
    (void)state;
    fake f;
    fake_init(&f, FAKE_NO_EXT);
    uat_buf out;
    assert_ok(collect(&f, NULL, &out));
    assert_int_equal(f.calls, 2);
    assert_int_equal(out.len, UAT_SNP_REPORT_SIZE); /* the report alone */
    uat_buf_free(&out);
    fake_free(&f);
}

static void test_host_without_certificates(void **state)
{
    (void)state;
    fake f;
    fake_init(&f, FAKE_NO_CERTS);
    uat_buf out;
    assert_ok(collect(&f, NULL, &out));
    assert_int_equal(out.len, UAT_SNP_REPORT_SIZE);
    uat_buf_free(&out);
    fake_free(&f);
}

static void test_refusals(void **state)
{
    (void)state;
    fake f;
    uat_buf out;
    fake_init(&f, FAKE_STATUS);
    assert_fail(collect(&f, NULL, &out), UAT_ERR_PLATFORM_DEVICE, "snp.attest", "status");
    uat_buf_free(&out);
    fake_free(&f);
    fake_init(&f, FAKE_FW_ERROR);
    assert_fail(collect(&f, NULL, &out), UAT_ERR_PLATFORM_DEVICE, "snp.attest",
                "SNP_GET_EXT_REPORT");
    assert_non_null(strstr(uat_last_error()->message, "firmware error 0x16"));
    uat_buf_free(&out);
    fake_free(&f);
    /* a report for other report data than requested */
    fake_init(&f, FAKE_OK);
    f.report.p[0x50] ^= 1;
    uat_buf_init(&out, 1 << 20);
    const char *keys[1] = {"vmpl"}, *values[1] = {"0"};
    uat_attest_ctx ctx = {"/nonexistent-root", NULL, 0, keys, values, NULL};
    uat_snp_transport t = {fake_request, &f};
    uint8_t rd[64] = {0};
    assert_fail(uat_snp_collect_via(&t, &ctx, rd, &out), UAT_ERR_PLATFORM_DEVICE, "snp.attest",
                "report_data");
    uat_buf_free(&out);
    /* a VMPL the report does not carry */
    f.report.p[0x50] ^= 1;
    assert_fail(collect(&f, "2", &out), UAT_ERR_PLATFORM_DEVICE, "snp.attest", "vmpl");
    uat_buf_free(&out);
    fake_free(&f);
    /* a bad option value */
    fake_init(&f, FAKE_OK);
    assert_fail(collect(&f, "7", &out), UAT_ERR_USAGE_INVALID_ARGUMENT, "snp.attest", "vmpl");
    uat_buf_free(&out);
    fake_free(&f);
}

/* The real transport where there is no device: a named device error, no crash. */
static void test_real_transport_without_device(void **state)
{
    (void)state;
    uat_attest_ctx ctx = {"/nonexistent-root", NULL, 0, NULL, NULL, NULL};
    uint8_t rd[64] = {0};
    uat_buf out;
    uat_buf_init(&out, 1 << 20);
    assert_fail(uat_snp_collect_via(&uat_snp_ioctl_transport, &ctx, rd, &out),
                UAT_ERR_PLATFORM_DEVICE, "snp.attest", "SNP_GET_EXT_REPORT");
    uat_buf_free(&out);
}

/* ---- sealing: SNP_GET_DERIVED_KEY ---- */

typedef struct key_fake {
    int err, status;
    struct snp_derived_key_req seen;
} key_fake;

static int fake_key_request(void *user, const char *path, unsigned long cmd,
                            struct snp_guest_request_ioctl *io)
{
    key_fake *f = user;
    (void)path;
    assert_int_equal(cmd, SNP_GET_DERIVED_KEY);
    assert_int_equal(io->msg_version, 1);
    memcpy(&f->seen, (const void *)(uintptr_t)io->req_data, sizeof(f->seen));
    if (f->err != 0) {
        io->exitinfo2 = 0x16;
        return f->err;
    }
    /* MSG_KEY_RSP: status, reserved, a derived key the firmware would mix from the fields */
    uint8_t *rsp = ((struct snp_derived_key_resp *)(uintptr_t)io->resp_data)->data;
    memcpy(rsp, &f->status, 4);
    for (int i = 0; i < 32; i++) {
        rsp[0x20 + i] = (uint8_t)(i + f->seen.guest_field_select);
    }
    return 0;
}

static uat_err seal_key(key_fake *f, const char *vmpl, const char *label, uint8_t key[32])
{
    const char *keys[1] = {"vmpl"}, *values[1] = {vmpl};
    uat_attest_ctx ctx = {"/nonexistent-root", NULL, vmpl != NULL ? 1u : 0u, keys, values, NULL};
    uat_snp_transport t = {fake_key_request, f};
    return uat_snp_seal_key_via(&t, &ctx, label, key);
}

static void test_seal_key(void **state)
{
    (void)state;
    key_fake f;
    memset(&f, 0, sizeof(f));
    uint8_t a[32], b[32], c[32], want[32], derived[32];
    assert_ok(seal_key(&f, NULL, "label-a", a));
    /* VCEK-rooted, guest policy and measurement mixed in, VMPL 0 unless asked */
    assert_int_equal(f.seen.root_key_select, 0);
    assert_int_equal(f.seen.guest_field_select, 0x9);
    assert_int_equal(f.seen.vmpl, 0);
    assert_int_equal(f.seen.guest_svn, 0);
    assert_int_equal(f.seen.tcb_version, 0);
    /* the key is HKDF-SHA-256 of the firmware's derived key over the label */
    for (int i = 0; i < 32; i++) {
        derived[i] = (uint8_t)(i + 0x9);
    }
    static const char salt[] = "uattest snp seal v1";
    assert_ok(uat_hkdf_sha256(uat_span_of(salt, sizeof(salt) - 1), uat_span_of(derived, 32),
                              uat_span_of("label-a", 7), want, 32));
    assert_memory_equal(a, want, 32);
    assert_ok(seal_key(&f, NULL, "label-a", b));
    assert_memory_equal(a, b, 32);
    assert_ok(seal_key(&f, "2", "label-b", c));
    assert_int_equal(f.seen.vmpl, 2);
    assert_memory_not_equal(a, c, 32);
    /* refusals, named */
    f.status = 0x16;
    assert_fail(seal_key(&f, NULL, "x", c), UAT_ERR_PLATFORM_DEVICE, "snp.attest", "status");
    f.status = 0;
    f.err = EIO;
    assert_fail(seal_key(&f, NULL, "x", c), UAT_ERR_PLATFORM_DEVICE, "snp.attest",
                "SNP_GET_DERIVED_KEY");
    assert_fail(seal_key(&f, "4", "x", c), UAT_ERR_USAGE_INVALID_ARGUMENT, "snp.attest", "vmpl");
    /* the real device is not here: a named platform error */
    const char *keys[1] = {"vmpl"}, *values[1] = {NULL};
    uat_attest_ctx ctx = {"/nonexistent-root", NULL, 0, keys, values, NULL};
    assert_fail(uat_snp_seal_key(&ctx, "x", c), UAT_ERR_PLATFORM_DEVICE, "snp.attest",
                "SNP_GET_DERIVED_KEY");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ext_report_with_vcek),
        cmocka_unit_test(test_short_certificate_buffer_grows_once),
        cmocka_unit_test(test_driver_without_ext_report),
        cmocka_unit_test(test_host_without_certificates),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_real_transport_without_device),
        cmocka_unit_test(test_seal_key),
    };
    (void)release; /* snp_test.h's pool is not used here */
    return cmocka_run_group_tests(tests, NULL, NULL);
}
