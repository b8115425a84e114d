/* SEV-SNP attester: the report through configfs-tsm (provider "sev_guest", Linux 6.7+) or through
 * /dev/sev-guest (SNP_GET_EXT_REPORT, falling back to SNP_GET_REPORT where the host has no
 * certificates to give), with the VCEK or VLEK of the host's certificate table passed along after
 * it. Options: vmpl (0-3: the VMPL the report is requested for), tsm-entry (the configfs-tsm
 * report entry name; default uattest-<pid>), interface (tsm | ioctl; default: tsm when
 * configfs-tsm is there, else ioctl).
 *
 * spec: linux/sev-guest.h (struct snp_guest_request_ioctl, snp_ext_report_req; exitinfo2 bits
 *       63:32 = VMM error, SNP_GUEST_VMM_ERR_INVALID_LEN: certs_len now holds the size needed);
 *       56860 table "MSG_REPORT_RSP": status (0 = success), report_size, 24 reserved bytes, report.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sev-guest.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/limits.h"
#include "core/reader.h"
#include "crypto/crypto.h"
#include "evidence/tsm.h"
#include "tee/snp/snp.h"

#define CHECK "snp.attest"

static uat_err vmpl_opt(const uat_attest_ctx *ctx, int *out)
{
    const char *v = uat_attest_opt(ctx, "vmpl");
    if (v == NULL) {
        *out = -1; /* the kernel's default */
        return UAT_OK;
    }
    /* spec: 56860 MSG_REPORT_REQ: VMPL 0-3 */
    if (!(v[0] >= '0' && v[0] <= '3' && v[1] == '\0')) {
        return UAT_FAILF(UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "vmpl", -1,
                         "option vmpl is 0, 1, 2 or 3, not \"%s\"", v);
    }
    *out = v[0] - '0';
    return UAT_OK;
}

/* The VCEK and VLEK entries of the host's certificate table, as a table of their own. */
static uat_err pass_veks(uat_span aux, uat_buf *out)
{
    if (aux.len == 0) {
        return UAT_OK; /* no certificates from the host: the verifier uses its collateral */
    }
    uat_snp_cert_table t;
    if (uat_snp_cert_table_parse(aux, &t) != UAT_OK) {
        char detail[256];
        snprintf(detail, sizeof(detail), "%s", uat_last_error()->message);
        return UAT_FAILF(UAT_ERR_PLATFORM_DEVICE, CHECK, "auxblob", uat_last_error()->offset,
                         "the host's certificate table is malformed (%s %s) %s",
                         uat_err_name(uat_last_error()->err), uat_last_error()->field, detail);
    }
    uat_snp_cert_entry keep[2];
    size_t n = 0;
    const uint8_t *guids[2] = {uat_snp_guid_vcek, uat_snp_guid_vlek};
    for (size_t k = 0; k < 2; k++) {
        const uat_snp_cert_entry *e = uat_snp_cert_table_find(&t, guids[k]);
        if (e != NULL) {
            keep[n++] = *e;
        }
    }
    return n > 0 ? uat_snp_cert_table_build(keep, n, out) : UAT_OK;
}

/* What the kernel returned must be a report for this request. */
static uat_err check_report(uat_span rep, const uint8_t *report_data, int vmpl)
{
    uat_snp_report r;
    if (rep.len != UAT_SNP_REPORT_SIZE || uat_snp_report_parse(rep, &r) != UAT_OK) {
        return UAT_FAILF(UAT_ERR_PLATFORM_DEVICE, CHECK, "outblob", -1,
                         "the sev_guest outblob (%zu bytes) is not an SEV-SNP report", rep.len);
    }
    UAT_ENSURE(uat_ct_equal(r.report_data, report_data, UAT_REPORT_DATA_LEN),
               UAT_ERR_PLATFORM_DEVICE, CHECK, "report_data", 0x50);
    UAT_ENSURE(vmpl < 0 || r.vmpl == (uint32_t)vmpl, UAT_ERR_PLATFORM_DEVICE, CHECK, "vmpl", 0x30);
    return UAT_OK;
}

static uat_err collect_tsm(const uat_attest_ctx *ctx, const uint8_t *report_data, int vmpl,
                           uat_buf *out)
{
    uat_tsm_request req = {ctx->root,           uat_attest_opt(ctx, "tsm-entry"),
                           "sev_guest",         report_data,
                           UAT_REPORT_DATA_LEN, vmpl};
    uat_buf rep, aux;
    uat_buf_init(&rep, UAT_MAX_EVIDENCE_BYTES);
    uat_buf_init(&aux, UAT_MAX_EVIDENCE_BYTES);
    uat_err rc = uat_tsm_report(&req, &rep, &aux);
    if (rc == UAT_OK) {
        rc = check_report(uat_buf_span(&rep), report_data, vmpl);
    }
    if (rc == UAT_OK) {
        rc = uat_buf_append(out, rep.p, rep.len);
    }
    if (rc == UAT_OK) {
        rc = pass_veks(uat_buf_span(&aux), out);
    }
    uat_buf_free(&rep);
    uat_buf_free(&aux);
    return rc;
}

/* ---- /dev/sev-guest ---------------------------------------------------------------------- */

#define MSG_VERSION 1u
#define RSP_HEADER 0x20u   /* MSG_REPORT_RSP: status, report_size, reserved */
#define CERTS_START 16384u /* the certificate buffer: pages, grown once to what the host asks */
#define CERTS_MAX (1u << 20)

static int ioctl_request(void *user, const char *path, unsigned long cmd,
                         struct snp_guest_request_ioctl *io)
{
    (void)user;
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        return errno;
    }
    int r = ioctl(fd, cmd, io);
    int err = r != 0 ? errno : 0;
    close(fd);
    return err;
}

const uat_snp_transport uat_snp_ioctl_transport = {ioctl_request, NULL};

static uat_err request_failed(const char *path, int ext, int err,
                              const struct snp_guest_request_ioctl *io)
{
    return UAT_FAILF(UAT_ERR_PLATFORM_DEVICE, CHECK, ext ? "SNP_GET_EXT_REPORT" : "SNP_GET_REPORT",
                     -1, "%s on %s failed: %s (firmware error 0x%x, VMM error 0x%x)",
                     ext ? "SNP_GET_EXT_REPORT" : "SNP_GET_REPORT", path, strerror(err),
                     (unsigned)(io->exitinfo2 & 0xffffffffu), (unsigned)(io->exitinfo2 >> 32));
}

/* One request; ext with a certificate buffer that grows once when the host says it is short. */
static uat_err guest_request(const uat_snp_transport *t, const char *path, int ext,
                             struct snp_ext_report_req *req, struct snp_report_resp *resp,
                             uat_buf *certs, int *errno_out)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        struct snp_guest_request_ioctl io;
        memset(&io, 0, sizeof(io));
        io.msg_version = MSG_VERSION;
        io.req_data = (uint64_t)(uintptr_t)(ext ? (void *)req : (void *)&req->data);
        io.resp_data = (uint64_t)(uintptr_t)resp;
        if (ext) {
            req->certs_address = (uint64_t)(uintptr_t)certs->p;
            req->certs_len = (uint32_t)certs->len;
        }
        int err = t->request(t->user, path, ext ? SNP_GET_EXT_REPORT : SNP_GET_REPORT, &io);
        *errno_out = err;
        if (err == 0) {
            UAT_ENSURE(io.exitinfo2 == 0, UAT_ERR_PLATFORM_DEVICE, CHECK, "exitinfo2", -1);
            return UAT_OK;
        }
        /* the host has more certificates than fit: certs_len says how many bytes they need */
        if (ext && attempt == 0 && (io.exitinfo2 >> 32) == SNP_GUEST_VMM_ERR_INVALID_LEN &&
            req->certs_len > certs->len && req->certs_len <= CERTS_MAX) {
            size_t need = req->certs_len;
            UAT_TRY(uat_buf_put_zeros(certs, need - certs->len));
            continue;
        }
        return request_failed(path, ext, err, &io);
    }
    return UAT_FAIL(UAT_ERR_PLATFORM_DEVICE, CHECK, "certs_len", -1);
}

/* MSG_REPORT_RSP: status 0 and a report of the size this ABI knows. */
static uat_err report_of(const struct snp_report_resp *resp, uat_span *report)
{
    uat_reader r;
    uint32_t status = 0, size = 0;
    uat_rd_init(&r, uat_span_of(resp->data, sizeof(resp->data)), CHECK);
    UAT_TRY(uat_rd_u32le(&r, "status", &status));
    UAT_TRY(uat_rd_u32le(&r, "report_size", &size));
    if (status != 0) {
        return UAT_FAILF(UAT_ERR_PLATFORM_DEVICE, CHECK, "status", 0,
                         "the firmware refused the report request (status 0x%x)", status);
    }
    UAT_ENSURE(size == UAT_SNP_REPORT_SIZE, UAT_ERR_PLATFORM_DEVICE, CHECK, "report_size", 4);
    UAT_TRY(uat_rd_skip(&r, RSP_HEADER - 8, "reserved"));
    return uat_rd_span(&r, size, "report", report);
}

/* The VMPL option and /dev/sev-guest under ctx->root. */
static uat_err device_of(const uat_attest_ctx *ctx, int *vmpl, char path[UAT_MAX_PATH_LEN])
{
    UAT_TRY(vmpl_opt(ctx, vmpl));
    int n = snprintf(path, UAT_MAX_PATH_LEN, "%s/dev/sev-guest", ctx->root);
    UAT_ENSURE(n > 0 && (size_t)n < UAT_MAX_PATH_LEN, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK,
               "root", -1);
    return UAT_OK;
}

uat_err uat_snp_collect_via(const uat_snp_transport *t, const uat_attest_ctx *ctx,
                            const uint8_t *report_data, uat_buf *out)
{
    int vmpl = -1;
    char path[UAT_MAX_PATH_LEN];
    UAT_TRY(device_of(ctx, &vmpl, path));
    struct snp_ext_report_req req;
    memset(&req, 0, sizeof(req));
    memcpy(req.data.user_data, report_data, UAT_REPORT_DATA_LEN);
    req.data.vmpl = vmpl < 0 ? 0 : (uint32_t)vmpl;
    struct snp_report_resp *resp = calloc(1, sizeof(*resp));
    uat_buf certs;
    uat_buf_init(&certs, CERTS_MAX);
    uat_err rc = resp != NULL ? uat_buf_put_zeros(&certs, CERTS_START) : UAT_NOMEM(CHECK);
    int ext = 1, err = 0;
    if (rc == UAT_OK) {
        rc = guest_request(t, path, 1, &req, resp, &certs, &err);
        /* a driver without extended requests: the plain report, no certificates */
        if (rc != UAT_OK && err == ENOTTY) {
            ext = 0;
            memset(resp, 0, sizeof(*resp));
            rc = guest_request(t, path, 0, &req, resp, &certs, &err);
        }
    }
    uat_span rep = {NULL, 0};
    rc = rc != UAT_OK ? rc : report_of(resp, &rep);
    rc = rc != UAT_OK ? rc : check_report(rep, report_data, vmpl);
    rc = rc != UAT_OK ? rc : uat_buf_append(out, rep.p, rep.len);
    /* the buffer: the host's table, then zeros (unreferenced bytes, which the table parser
     * requires to be zero); all zeros when the host has no certificates */
    rc = rc != UAT_OK || !ext ? rc : pass_veks(uat_buf_span(&certs), out);
    uat_buf_free(&certs);
    free(resp);
    return rc;
}

/* ---- sealing: MSG_KEY_REQ ----------------------------------------------------------------- */

/* spec: 56860 table "MSG_KEY_REQ": ROOT_KEY_SELECT bit 0 = 0 (VCEK-rooted); GUEST_FIELD_SELECT
 * bit 0 guest policy, bit 3 measurement (image ID, family ID, SVN, TCB version not mixed: a
 * key that changes only when the launched image or its policy does). Table "MSG_KEY_RSP":
 * status (0 = success), 28 reserved bytes, DERIVED_KEY (32 bytes). */
#define KEY_FIELDS_POLICY_MEASUREMENT 0x9u
#define KEY_RSP_OFFSET 0x20u

uat_err uat_snp_seal_key_via(const uat_snp_transport *t, const uat_attest_ctx *ctx,
                             const char *label, uint8_t key[32])
{
    int vmpl = -1;
    char path[UAT_MAX_PATH_LEN];
    UAT_TRY(device_of(ctx, &vmpl, path));
    struct snp_derived_key_req req;
    struct snp_derived_key_resp resp;
    memset(&req, 0, sizeof(req));
    memset(&resp, 0, sizeof(resp));
    req.guest_field_select = KEY_FIELDS_POLICY_MEASUREMENT;
    req.vmpl = vmpl < 0 ? 0 : (uint32_t)vmpl;
    struct snp_guest_request_ioctl io;
    memset(&io, 0, sizeof(io));
    io.msg_version = MSG_VERSION;
    io.req_data = (uint64_t)(uintptr_t)&req;
    io.resp_data = (uint64_t)(uintptr_t)&resp;
    int err = t->request(t->user, path, SNP_GET_DERIVED_KEY, &io);
    if (err != 0 || io.exitinfo2 != 0) {
        return UAT_FAILF(UAT_ERR_PLATFORM_DEVICE, CHECK, "SNP_GET_DERIVED_KEY", -1,
                         "SNP_GET_DERIVED_KEY on %s failed: %s (firmware error 0x%x, VMM error "
                         "0x%x)",
                         path, err != 0 ? strerror(err) : "an error from the firmware",
                         (unsigned)(io.exitinfo2 & 0xffffffffu), (unsigned)(io.exitinfo2 >> 32));
    }
    uat_reader r;
    uint32_t status = 0;
    uat_span derived;
    uat_rd_init(&r, uat_span_of(resp.data, sizeof(resp.data)), CHECK);
    uat_err rc = uat_rd_u32le(&r, "status", &status);
    if (rc == UAT_OK && status != 0) {
        rc = UAT_FAILF(UAT_ERR_PLATFORM_DEVICE, CHECK, "status", 0,
                       "the firmware refused the key request (status 0x%x)", status);
    }
    rc = rc == UAT_OK ? uat_rd_skip(&r, KEY_RSP_OFFSET - 4, "reserved") : rc;
    rc = rc == UAT_OK ? uat_rd_span(&r, 32, "derived_key", &derived) : rc;
    if (rc == UAT_OK) {
        static const char salt[] = "uattest snp seal v1";
        rc = uat_hkdf_sha256(uat_span_of(salt, sizeof(salt) - 1), derived,
                             uat_span_of(label, strlen(label)), key, 32);
    }
    uat_wipe(&resp, sizeof(resp));
    return rc;
}

uat_err uat_snp_seal_key(const uat_attest_ctx *ctx, const char *label, uint8_t key[32])
{
    return uat_snp_seal_key_via(&uat_snp_ioctl_transport, ctx, label, key);
}

uat_err uat_snp_collect(const uat_attest_ctx *ctx, const uint8_t *report_data, uat_buf *out)
{
    const char *iface = uat_attest_opt(ctx, "interface");
    UAT_ENSURE(iface == NULL || strcmp(iface, "tsm") == 0 || strcmp(iface, "ioctl") == 0,
               UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "interface", -1);
    int tsm = iface != NULL ? strcmp(iface, "tsm") == 0 : uat_tsm_available(ctx->root);
    if (!tsm) {
        uat_err rc = uat_snp_collect_via(&uat_snp_ioctl_transport, ctx, report_data, out);
        if (rc != UAT_OK && iface == NULL && uat_err_category(rc) == UAT_CAT_PLATFORM) {
            /* chosen for want of configfs-tsm: say so, since either would have done */
            char msg[512], field[64];
            snprintf(msg, sizeof(msg), "%s", uat_last_error()->message);
            snprintf(field, sizeof(field), "%s", uat_last_error()->field);
            return UAT_FAILF(rc, CHECK, field, -1,
                             "%s; and no configfs-tsm under %s (Linux 6.7 or later)", msg,
                             ctx->root);
        }
        return rc;
    }
    if (!uat_tsm_available(ctx->root)) {
        return UAT_FAILF(UAT_ERR_PLATFORM_DEVICE, CHECK, "", -1,
                         "no configfs-tsm under %s (Linux 6.7 or later, configfs mounted); "
                         "interface=ioctl uses /dev/sev-guest",
                         ctx->root);
    }
    int vmpl = -1;
    UAT_TRY(vmpl_opt(ctx, &vmpl));
    return collect_tsm(ctx, report_data, vmpl, out);
}
