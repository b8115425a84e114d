/* SGX attester: from inside a Gramine enclave (/dev/attestation), or from the untrusted side of an
 * SGX SDK application through Intel's DCAP quote library (libsgx_dcap_ql.so.1), loaded with dlopen
 * when asked for: nothing of it is needed at build time.
 *
 * An SGX report is made by EREPORT inside the enclave, so no code outside it can make one: with the
 * DCAP library the application's enclave makes its REPORT targeted at the quoting enclave (QE) and
 * hands it over (option enclave-report), as SGX SDK applications do between sgx_qe_get_target_info
 * and sgx_qe_get_quote. The QE target info is written where option qe-target-info says, for the
 * enclave to target its report; it is stable for a given QE, so this is done once.
 *
 * Options: interface (auto | gramine | dcap-ql; auto: Gramine when /dev/attestation is there, else
 * the DCAP library), dcap-ql (the library to load; default libsgx_dcap_ql.so.1), enclave-report
 * (file holding the 432-byte sgx_report_t), qe-target-info (file the 512-byte sgx_target_info_t is
 * written to).
 *
 * spec: Intel SGX ECDSA Quote Library API (DCAP): sgx_qe_get_target_info, sgx_qe_get_quote_size,
 *       sgx_qe_get_quote, quote3_error_t (0 = SGX_QL_SUCCESS); SGX SDK sgx_report.h: sgx_report_t =
 *       body (384) ‖ key_id (32) ‖ mac (16), sgx_target_info_t is 512 bytes.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "core/limits.h"
#include "core/reader.h"
#include "tee/intel/intel.h"

#define CHECK "sgx.attest"
#define DEFAULT_LIB "libsgx_dcap_ql.so.1"

/* ---- Gramine ----------------------------------------------------------------------------- */

/* https://gramine.readthedocs.io "Attestation and Secret Provisioning": write the 64-byte user
 * report data, read the quote produced by the platform's quoting enclave. */
static uat_err collect_gramine(const uat_attest_ctx *ctx, const uint8_t *report_data, uat_buf *out)
{
    char *dev = uat_path_join(ctx->root, "dev/attestation");
    char *urd = dev ? uat_path_join(dev, "user_report_data") : NULL;
    char *quote = dev ? uat_path_join(dev, "quote") : NULL;
    uat_err rc = urd && quote ? UAT_OK : UAT_NOMEM(CHECK);
    if (rc == UAT_OK && !uat_file_exists(urd)) {
        rc = UAT_FAILF(UAT_ERR_PLATFORM_DEVICE, CHECK, "", -1,
                       "interface gramine: no %s: SGX quotes through Gramine are collected from "
                       "inside a Gramine enclave",
                       urd);
    }
    if (rc == UAT_OK) {
        FILE *f = fopen(urd, "wb");
        int ok = f != NULL && fwrite(report_data, 1, UAT_REPORT_DATA_LEN, f) == UAT_REPORT_DATA_LEN;
        ok = f != NULL && fclose(f) == 0 && ok;
        rc = ok ? UAT_OK : UAT_FAIL(UAT_ERR_PLATFORM_DEVICE, CHECK, "user_report_data", -1);
    }
    if (rc == UAT_OK) {
        rc = uat_file_read(quote, UAT_MAX_EVIDENCE_BYTES, out);
    }
    if (rc == UAT_OK && !uat_intel_sniff_sgx(uat_buf_span(out))) {
        rc = UAT_FAIL(UAT_ERR_PLATFORM_DEVICE, CHECK, "quote", -1);
    }
    free(dev);
    free(urd);
    free(quote);
    return rc;
}

/* ---- Intel DCAP quote library -------------------------------------------------------------- */

typedef uint32_t (*get_target_info_fn)(void *target_info);
typedef uint32_t (*get_quote_size_fn)(uint32_t *size);
typedef uint32_t (*get_quote_fn)(const void *app_report, uint32_t size, uint8_t *quote);

typedef struct dcap_ql {
    void *dl;
    get_target_info_fn get_target_info;
    get_quote_size_fn get_quote_size;
    get_quote_fn get_quote;
} dcap_ql;

static uat_err dcap_open(const char *lib, dcap_ql *q)
{
    memset(q, 0, sizeof(*q));
    q->dl = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
    if (q->dl == NULL) {
        const char *why = dlerror();
        return UAT_FAILF(UAT_ERR_PLATFORM_DEVICE, CHECK, "dcap-ql", -1,
                         "interface dcap-ql: cannot load Intel's DCAP quote library %s (%s); "
                         "install libsgx-dcap-ql or name it with option dcap-ql",
                         lib, why != NULL ? why : "dlopen failed");
    }
    /* POSIX: a function pointer converts from dlsym's void * through memcpy */
    const char *names[3] = {"sgx_qe_get_target_info", "sgx_qe_get_quote_size", "sgx_qe_get_quote"};
    void *syms[3];
    for (size_t i = 0; i < 3; i++) {
        syms[i] = dlsym(q->dl, names[i]);
        if (syms[i] == NULL) {
            dlclose(q->dl);
            q->dl = NULL;
            return UAT_FAILF(UAT_ERR_PLATFORM_DEVICE, CHECK, "dcap-ql", -1,
                             "interface dcap-ql: %s has no %s: not Intel's DCAP quote library",
                             lib, names[i]);
        }
    }
    memcpy(&q->get_target_info, &syms[0], sizeof(void *));
    memcpy(&q->get_quote_size, &syms[1], sizeof(void *));
    memcpy(&q->get_quote, &syms[2], sizeof(void *));
    return UAT_OK;
}

static uat_err ql_failed(const char *lib, const char *fn, uint32_t e)
{
    return UAT_FAILF(UAT_ERR_PLATFORM_DEVICE, CHECK, fn, -1,
                     "interface dcap-ql: %s of %s failed with quote3_error_t 0x%04x (see "
                     "sgx_ql_lib_common.h; is the AESM / PCCS set up?)",
                     fn, lib, (unsigned)e);
}

/* The enclave's sgx_report_t: its body must carry the caller's report data. */
static uat_err read_enclave_report(const char *path, const uint8_t *report_data, uat_buf *rep)
{
    if (path == NULL) {
        return UAT_FAILF(UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "enclave-report", -1,
                         "interface dcap-ql needs the enclave's REPORT (option enclave-report: "
                         "the %u-byte sgx_report_t the enclave made for the QE target info, "
                         "which option qe-target-info writes): no code outside an enclave can "
                         "make one",
                         UAT_SGX_APP_REPORT_SIZE);
    }
    UAT_TRY(uat_file_read(path, 4096, rep));
    uat_reader r;
    uat_sgx_report body;
    uat_rd_init(&r, uat_buf_span(rep), CHECK);
    UAT_TRY(uat_sgx_report_parse(&r, &body));
    UAT_TRY(uat_rd_skip(&r, 32 + 16, "key_id_mac"));
    UAT_TRY(uat_rd_end(&r));
    if (!uat_ct_equal(body.report_data, report_data, UAT_REPORT_DATA_LEN)) {
        return UAT_FAILF(UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "report_data", 320,
                         "the enclave report %s carries other report data than requested", path);
    }
    return UAT_OK;
}

/* The QE copies the application's report body into the quote: anything else is not our quote. */
static uat_err check_quote(uat_span quote, uat_span app_report)
{
    uat_intel_quote q;
    if (uat_intel_quote_parse(quote, &q) != UAT_OK || q.tee_type != UAT_INTEL_TEE_SGX) {
        return UAT_FAILF(UAT_ERR_PLATFORM_DEVICE, CHECK, "quote", -1,
                         "interface dcap-ql: sgx_qe_get_quote returned %zu bytes that are not "
                         "an SGX quote",
                         quote.len);
    }
    uat_reader r;
    uat_span qbody, abody;
    uat_rd_init(&r, q.signed_part, CHECK);
    UAT_TRY(uat_rd_skip(&r, UAT_INTEL_HEADER_SIZE, "header"));
    UAT_TRY(uat_rd_span(&r, UAT_SGX_REPORT_SIZE, "isv_enclave_report", &qbody));
    uat_rd_init(&r, app_report, CHECK);
    UAT_TRY(uat_rd_span(&r, UAT_SGX_REPORT_SIZE, "body", &abody));
    UAT_ENSURE(uat_ct_equal(qbody.p, abody.p, UAT_SGX_REPORT_SIZE), UAT_ERR_PLATFORM_DEVICE, CHECK,
               "isv_enclave_report", UAT_INTEL_HEADER_SIZE);
    return UAT_OK;
}

static uat_err dcap_quote(const dcap_ql *ql, const char *lib, const uat_attest_ctx *ctx,
                          const uint8_t *report_data, uat_buf *out)
{
    uint8_t ti[UAT_SGX_TARGET_INFO_SIZE];
    memset(ti, 0, sizeof(ti));
    uint32_t e = ql->get_target_info(ti);
    if (e != 0) {
        return ql_failed(lib, "sgx_qe_get_target_info", e);
    }
    const char *ti_path = uat_attest_opt(ctx, "qe-target-info");
    if (ti_path != NULL) {
        UAT_TRY(uat_file_write_atomic(ti_path, ti, sizeof(ti), 0644));
    }
    uat_buf rep;
    uat_buf_init(&rep, 4096);
    uat_err rc = read_enclave_report(uat_attest_opt(ctx, "enclave-report"), report_data, &rep);
    uint32_t size = 0;
    if (rc == UAT_OK && (e = ql->get_quote_size(&size)) != 0) {
        rc = ql_failed(lib, "sgx_qe_get_quote_size", e);
    }
    if (rc == UAT_OK && (size == 0 || size > UAT_MAX_EVIDENCE_BYTES)) {
        rc = UAT_FAILF(UAT_ERR_PLATFORM_DEVICE, CHECK, "quote_size", -1,
                       "interface dcap-ql: sgx_qe_get_quote_size gave %u bytes", (unsigned)size);
    }
    size_t start = out->len;
    rc = rc != UAT_OK ? rc : uat_buf_put_zeros(out, size);
    if (rc == UAT_OK && (e = ql->get_quote(rep.p, size, out->p + start)) != 0) {
        rc = ql_failed(lib, "sgx_qe_get_quote", e);
    }
    rc = rc != UAT_OK ? rc
                      : check_quote(uat_span_of(out->p + start, size), uat_buf_span(&rep));
    uat_buf_free(&rep);
    return rc;
}

static uat_err collect_dcap(const uat_attest_ctx *ctx, const uint8_t *report_data, uat_buf *out)
{
    const char *lib = uat_attest_opt(ctx, "dcap-ql");
    lib = lib != NULL ? lib : DEFAULT_LIB;
    dcap_ql ql;
    UAT_TRY(dcap_open(lib, &ql));
    uat_err rc = dcap_quote(&ql, lib, ctx, report_data, out);
    dlclose(ql.dl);
    return rc;
}

uat_err uat_sgx_collect(const uat_attest_ctx *ctx, const uint8_t *report_data, uat_buf *out)
{
    const char *iface = uat_attest_opt(ctx, "interface");
    if (iface != NULL && strcmp(iface, "auto") != 0 && strcmp(iface, "gramine") != 0 &&
        strcmp(iface, "dcap-ql") != 0) {
        return UAT_FAILF(UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "interface", -1,
                         "option interface is auto, gramine or dcap-ql, not \"%s\"", iface);
    }
    if (iface != NULL && strcmp(iface, "gramine") == 0) {
        return collect_gramine(ctx, report_data, out);
    }
    if (iface != NULL && strcmp(iface, "dcap-ql") == 0) {
        return collect_dcap(ctx, report_data, out);
    }
    char *urd = uat_path_join(ctx->root, "dev/attestation/user_report_data");
    if (urd == NULL) {
        return UAT_NOMEM(CHECK);
    }
    int gramine = uat_file_exists(urd);
    free(urd);
    if (gramine) {
        return collect_gramine(ctx, report_data, out);
    }
    uat_err rc = collect_dcap(ctx, report_data, out);
    if (rc != UAT_OK && uat_err_category(rc) == UAT_CAT_PLATFORM) {
        /* chosen for want of Gramine: name both interfaces */
        char msg[512], field[64];
        snprintf(msg, sizeof(msg), "%s", uat_last_error()->message);
        snprintf(field, sizeof(field), "%s", uat_last_error()->field);
        return UAT_FAILF(rc, CHECK, field, -1,
                         "interface gramine: no %s/dev/attestation (SGX quotes are collected "
                         "from inside a Gramine enclave); %s",
                         ctx->root, msg);
    }
    return rc;
}
