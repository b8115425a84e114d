/* TDX attester: the quote through configfs-tsm (provider tdx_guest, Linux 6.7+), or the TD report
 * through /dev/tdx_guest (TDX_CMD_GET_REPORT0) over a transport tests replace.
 * Options: interface (auto | configfs-tsm | ioctl; auto: configfs-tsm when it is there, else the
 * ioctl), tsm-entry (configfs-tsm report entry name; default uattest-<pid>).
 *
 * A TD report (TDREPORT_STRUCT) is MAC'd with a key only this platform's TDX module and quoting
 * enclave can check: it is not evidence a remote verifier can use. Mainline Linux turns it into a
 * quote only through configfs-tsm (TDX_CMD_GET_QUOTE of the first TDX guest patches never reached
 * mainline; Intel's libtdx-attest asks the QGS on the host over vsock instead, which this build does
 * not speak). So the ioctl path gets the TD report, checks it, and then says that a quote needs
 * configfs-tsm or a QGS (UNSUPPORTED_FEATURE) rather than returning something no verifier accepts.
 *
 * spec: linux/tdx-guest.h (struct tdx_report_req, TDX_CMD_GET_REPORT0 = _IOWR('T', 1, ...));
 *       Intel TDX Module ABI spec, TDREPORT_STRUCT: REPORTMACSTRUCT (256 bytes: REPORTTYPE,
 *       reserved, CPUSVN, TEE_TCB_INFO_HASH, TEE_INFO_HASH, REPORTDATA, reserved, MAC),
 *       TEE_TCB_INFO (239 bytes), reserved (17), TDINFO_STRUCT (512 bytes).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/limits.h"
#include "core/reader.h"
#include "evidence/tsm.h"
#include "tee/intel/intel.h"

#define CHECK "tdx.attest"

_Static_assert(sizeof(uat_tdx_report_req) == 64 + UAT_TDX_TDREPORT_SIZE, "struct tdx_report_req");
#define UAT_TDX_CMD_GET_REPORT0 _IOWR('T', 1, uat_tdx_report_req)
#if defined(__has_include)
#if __has_include(<linux/tdx-guest.h>)
#include <linux/tdx-guest.h>
_Static_assert(UAT_TDX_CMD_GET_REPORT0 == TDX_CMD_GET_REPORT0, "TDX_CMD_GET_REPORT0");
#endif
#endif

static int ioctl_get_report0(void *user, const char *path, uat_tdx_report_req *req)
{
    (void)user;
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        return errno;
    }
    int r = ioctl(fd, UAT_TDX_CMD_GET_REPORT0, req);
    int err = r != 0 ? errno : 0;
    close(fd);
    return err;
}

const uat_tdx_transport uat_tdx_ioctl_transport = {ioctl_get_report0, NULL};

/* What the module returned must be a TD report for this report data. */
static uat_err check_tdreport(const uint8_t *tdreport, const uint8_t *report_data)
{
    uat_reader r;
    uint8_t type = 0, rd[UAT_REPORT_DATA_LEN];
    uat_rd_init(&r, uat_span_of(tdreport, UAT_TDX_TDREPORT_SIZE), CHECK);
    /* spec: TDX Module ABI, REPORTTYPE.TYPE: 0x81 = TDX */
    UAT_TRY(uat_rd_u8(&r, "reporttype.type", &type));
    if (type != 0x81) {
        return UAT_FAILF(UAT_ERR_PLATFORM_DEVICE, CHECK, "reporttype.type", 0,
                         "TDX_CMD_GET_REPORT0 returned a report of type 0x%02x, not a TD report "
                         "(0x81)",
                         type);
    }
    UAT_TRY(uat_rd_skip(&r, 3 + 12 + 16 + 48 + 48, "reportmacstruct"));
    UAT_TRY(uat_rd_copy(&r, rd, sizeof(rd), "reportdata"));
    UAT_ENSURE(uat_ct_equal(rd, report_data, sizeof(rd)), UAT_ERR_PLATFORM_DEVICE, CHECK,
               "reportdata", 128);
    return UAT_OK;
}

uat_err uat_tdx_tdreport_via(const uat_tdx_transport *t, const char *root,
                             const uint8_t *report_data, uint8_t tdreport[UAT_TDX_TDREPORT_SIZE])
{
    char path[UAT_MAX_PATH_LEN];
    int n = snprintf(path, sizeof(path), "%s/dev/tdx_guest", root);
    UAT_ENSURE(n > 0 && (size_t)n < sizeof(path), UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "root",
               -1);
    uat_tdx_report_req req;
    memset(&req, 0, sizeof(req));
    memcpy(req.reportdata, report_data, UAT_REPORT_DATA_LEN);
    int err = t->get_report0(t->user, path, &req);
    if (err != 0) {
        return UAT_FAILF(UAT_ERR_PLATFORM_DEVICE, CHECK, "TDX_CMD_GET_REPORT0", -1,
                         "interface ioctl: TDX_CMD_GET_REPORT0 on %s failed: %s", path,
                         strerror(err));
    }
    UAT_TRY(check_tdreport(req.tdreport, report_data));
    memcpy(tdreport, req.tdreport, UAT_TDX_TDREPORT_SIZE);
    return UAT_OK;
}

static uat_err collect_tsm(const uat_attest_ctx *ctx, const uint8_t *report_data, uat_buf *out)
{
    uat_tsm_request req = {ctx->root, uat_attest_opt(ctx, "tsm-entry"), "tdx_guest", report_data,
                           UAT_REPORT_DATA_LEN, -1};
    UAT_TRY(uat_tsm_report(&req, out, NULL));
    /* what the kernel returned must be a TDX quote */
    UAT_ENSURE(uat_intel_sniff_tdx(uat_buf_span(out)), UAT_ERR_PLATFORM_DEVICE, CHECK, "outblob",
               -1);
    return UAT_OK;
}

static uat_err collect_ioctl(const uat_tdx_transport *t, const uat_attest_ctx *ctx,
                             const uint8_t *report_data, int chosen)
{
    uint8_t tdreport[UAT_TDX_TDREPORT_SIZE];
    uat_err rc = uat_tdx_tdreport_via(t, ctx->root, report_data, tdreport);
    if (rc != UAT_OK) {
        if (!chosen && uat_err_category(rc) == UAT_CAT_PLATFORM) {
            /* chosen for want of configfs-tsm: name both interfaces */
            char msg[512], field[64];
            snprintf(msg, sizeof(msg), "%s", uat_last_error()->message);
            snprintf(field, sizeof(field), "%s", uat_last_error()->field);
            return UAT_FAILF(rc, CHECK, field, -1,
                             "interface configfs-tsm: no %s/%s (Linux 6.7 or later, configfs "
                             "mounted); %s",
                             ctx->root, UAT_TSM_REPORT_DIR, msg);
        }
        return rc;
    }
    return UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, CHECK, "interface", -1,
                     "interface ioctl: %s/dev/tdx_guest gave a TD report, which is MAC'd for this "
                     "platform only and cannot be verified remotely; a TDX quote needs "
                     "configfs-tsm (Linux 6.7 or later, configfs mounted under "
                     "/sys/kernel/config) or Intel's QGS, which this build does not use "
                     "(TDX_CMD_GET_QUOTE is not in mainline Linux)",
                     ctx->root);
}

uat_err uat_tdx_collect_via(const uat_tdx_transport *t, const uat_attest_ctx *ctx,
                            const uint8_t *report_data, uat_buf *out)
{
    const char *iface = uat_attest_opt(ctx, "interface");
    if (iface != NULL && strcmp(iface, "auto") != 0 && strcmp(iface, "configfs-tsm") != 0 &&
        strcmp(iface, "ioctl") != 0) {
        return UAT_FAILF(UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "interface", -1,
                         "option interface is auto, configfs-tsm or ioctl, not \"%s\"", iface);
    }
    int tsm = uat_tsm_available(ctx->root);
    if (iface != NULL && strcmp(iface, "ioctl") == 0) {
        return collect_ioctl(t, ctx, report_data, 1);
    }
    if (tsm) {
        return collect_tsm(ctx, report_data, out);
    }
    if (iface != NULL && strcmp(iface, "configfs-tsm") == 0) {
        return UAT_FAILF(UAT_ERR_PLATFORM_DEVICE, CHECK, "", -1,
                         "interface configfs-tsm: no %s/%s (TDX quotes need Linux 6.7 or later "
                         "with configfs mounted)",
                         ctx->root, UAT_TSM_REPORT_DIR);
    }
    return collect_ioctl(t, ctx, report_data, 0);
}

uat_err uat_tdx_collect(const uat_attest_ctx *ctx, const uint8_t *report_data, uat_buf *out)
{
    return uat_tdx_collect_via(&uat_tdx_ioctl_transport, ctx, report_data, out);
}
