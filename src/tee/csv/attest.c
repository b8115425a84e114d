/* CSV attester: a legacy (v1) attestation report through /dev/csv-guest, written as the [trustee]
 * evidence JSON. The device access is a transport (csv.h) so tests replace it.
 *
 * ABI ([kernel] drivers/virt/coco/csv-guest/csv-guest.h and csv-guest.c csv_get_report):
 *   struct csv_report_req { u8 *report_data; int len; };
 *   CSV_CMD_GET_REPORT = _IOWR('D', 1, struct csv_report_req)
 * The driver copies the first 112 bytes of the buffer (user data 64, mnonce 16, SM3(user data ||
 * mnonce) 32), issues VMMCALL KVM_HC_VM_ATTESTATION and copies len bytes of report back; len is at
 * least 112. We pass a 4096-byte page as [csv-rs] CsvGuest::get_report does (the size of
 * AttestationReportV1) and open the device read-only as it does.
 *
 * The response is checked as [csv-rs] TeeInfoSigner::verify and [rats-tls] collect_evidence do: the
 * de-anonymised mnonce is ours, the HMAC-SM3 keyed with it covers pek_cert || sn || reserved; then
 * the PEK and chip ID are restored (XORed back with anonce) and reserved is zeroed, as csv-rs
 * leaves them for [trustee].
 *
 * Options: hsk-cek (a hsk_cek.cert file of this chip, as the Hygon KDS serves it, to carry in the
 * evidence for verifiers without the collateral).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/file.h"
#include "core/limits.h"
#include "tee/csv/csv.h"

#define CHECK "csv.attest"
#define REQ_DATA 64u
#define REQ_MNONCE 16u
#define REQ_HASH 32u

/* [kernel] csv-guest.h */
struct csv_report_req {
    uint8_t *report_data;
    int len;
};
#define CSV_CMD_GET_REPORT _IOWR('D', 1, struct csv_report_req)

static uat_err ioctl_get_report(void *user, const char *path, uint8_t *buf, size_t len)
{
    (void)user;
    UAT_ENSURE(len <= INT32_MAX, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "len", -1);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return UAT_FAILF(UAT_ERR_PLATFORM_DEVICE, CHECK, "", -1, "cannot open %s: %s", path,
                         strerror(errno));
    }
    struct csv_report_req req = {buf, (int)len};
    int r = ioctl(fd, CSV_CMD_GET_REPORT, &req);
    int err = errno;
    close(fd);
    if (r != 0) {
        return UAT_FAILF(UAT_ERR_PLATFORM_DEVICE, CHECK, "", -1,
                         "CSV_CMD_GET_REPORT on %s failed: %s", path, strerror(err));
    }
    return UAT_OK;
}

const uat_csv_transport uat_csv_ioctl_transport = {ioctl_get_report, NULL};

/* [kernel] CSV_REPORT_INPUT_DATA_LEN; [csv-rs] ReportReq {data, mnonce, SM3(data || mnonce)} */
static uat_err build_request(const uint8_t *report_data, uint8_t *page, uint8_t *mnonce)
{
    UAT_TRY(uat_random(mnonce, REQ_MNONCE));
    memcpy(page, report_data, REQ_DATA);
    memcpy(page + REQ_DATA, mnonce, REQ_MNONCE);
    uat_span part = uat_span_of(page, REQ_DATA + REQ_MNONCE);
    return uat_hash(UAT_HASH_SM3, &part, 1, page + REQ_DATA + REQ_MNONCE);
}

/* The report must answer this request, and its signer must carry our HMAC. */
static uat_err check_response(const uat_csv_report *r, const uint8_t *report_data,
                              const uint8_t *mnonce)
{
    UAT_ENSURE(uat_ct_equal(r->mnonce, mnonce, REQ_MNONCE), UAT_ERR_PLATFORM_DEVICE, CHECK,
               "mnonce", 128);
    UAT_ENSURE(uat_ct_equal(r->report_data, report_data, REQ_DATA), UAT_ERR_PLATFORM_DEVICE,
               CHECK, "report_data", 64);
    uat_span parts[3] = {r->pek_cert, r->sn, r->signer_reserved};
    uint8_t mac[32];
    UAT_TRY(uat_hmac(UAT_HASH_SM3, uat_span_of(mnonce, REQ_MNONCE), parts, 3, mac));
    if (!uat_ct_equal(mac, r->mac.p, sizeof(mac))) {
        return UAT_FAILF(UAT_ERR_PLATFORM_DEVICE, CHECK, "mac", -1,
                         "the HMAC over the report's PEK and chip ID does not match: they were "
                         "changed on the way from the firmware");
    }
    return UAT_OK;
}

/* [csv-rs] TeeInfoSigner::restore: pek_cert and sn XORed back, reserved zeroed. */
static void restore_signer(uint8_t *page, uint32_t anonce)
{
    uint8_t *signer = page + UAT_CSV_TEE_INFO_V1_SIZE;
    uat_csv_xor_anonce(signer, UAT_CSV_CERT_SIZE + UAT_CSV_SN_SIZE, anonce);
    memset(signer + UAT_CSV_CERT_SIZE + UAT_CSV_SN_SIZE, 0, 32);
}

static uat_err read_hsk_cek(const uat_attest_ctx *ctx, uat_buf *b)
{
    const char *path = uat_attest_opt(ctx, "hsk-cek");
    if (path == NULL) {
        return UAT_OK;
    }
    UAT_TRY(uat_file_read(path, 64 * 1024, b));
    uat_csv_ca_cert hsk;
    uat_csv_cert cek;
    if (uat_csv_hsk_cek_parse(uat_buf_span(b), &hsk, &cek) != UAT_OK) {
        return UAT_FAILF(UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "hsk-cek", -1,
                         "%s is not a hsk_cek.cert (HSK 832 bytes || CEK 2084 bytes): %s", path,
                         uat_err_name(uat_last_error()->err));
    }
    return UAT_OK;
}

static uat_err write_evidence(uint8_t *page, const uat_attest_ctx *ctx, uat_buf *out)
{
    uat_buf hc;
    uat_buf_init(&hc, 64 * 1024);
    uat_err rc = read_hsk_cek(ctx, &hc);
    static const uint8_t legacy_magic[16] = {0};
    const uint8_t *signer = page + UAT_CSV_TEE_INFO_V1_SIZE;
    uat_csv_evidence_in in = {
        legacy_magic,
        0,
        uat_span_of(page, UAT_CSV_REPORT_PAGE),
        uat_span_of(signer, UAT_CSV_CERT_SIZE),
        uat_buf_span(&hc),
        uat_span_of(signer + UAT_CSV_CERT_SIZE, UAT_CSV_SN_SIZE),
    };
    if (rc == UAT_OK) {
        rc = uat_csv_evidence_write(&in, out);
    }
    uat_buf_free(&hc);
    return rc;
}

static uat_err collect_page(const uat_csv_transport *t, const char *path,
                            const uat_attest_ctx *ctx, const uint8_t *report_data, uint8_t *page,
                            uat_buf *out)
{
    uint8_t mnonce[REQ_MNONCE];
    UAT_TRY(build_request(report_data, page, mnonce));
    UAT_TRY(t->get_report(t->user, path, page, UAT_CSV_REPORT_PAGE));
    uat_csv_report r;
    if (uat_csv_report_parse(uat_span_of(page, UAT_CSV_REPORT_PAGE), 1, &r) != UAT_OK) {
        const uat_error_detail *d = uat_last_error();
        return UAT_FAILF(UAT_ERR_PLATFORM_DEVICE, CHECK, d->field, d->offset,
                         "%s returned no CSV attestation report (%s)", path, uat_err_name(d->err));
    }
    UAT_TRY(check_response(&r, report_data, mnonce));
    restore_signer(page, r.anonce);
    return write_evidence(page, ctx, out);
}

uat_err uat_csv_collect_via(const uat_csv_transport *t, const uat_attest_ctx *ctx,
                            const uint8_t *report_data, uat_buf *out)
{
    UAT_ENSURE(t != NULL && t->get_report != NULL && ctx != NULL && ctx->root != NULL &&
                   report_data != NULL,
               UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "", -1);
    char *path = uat_path_join(ctx->root, "dev/csv-guest");
    uint8_t *page = calloc(1, UAT_CSV_REPORT_PAGE);
    uat_err rc = path != NULL && page != NULL ? UAT_OK : UAT_NOMEM(CHECK);
    if (rc == UAT_OK) {
        rc = collect_page(t, path, ctx, report_data, page, out);
    }
    if (page != NULL) {
        uat_wipe(page, UAT_CSV_REPORT_PAGE);
    }
    free(page);
    free(path);
    return rc;
}

uat_err uat_csv_collect(const uat_attest_ctx *ctx, const uint8_t *report_data, uat_buf *out)
{
    return uat_csv_collect_via(&uat_csv_ioctl_transport, ctx, report_data, out);
}
