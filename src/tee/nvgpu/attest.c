/* NVIDIA GPU attester: the GPU's SPDM attestation report and its certificate chain through NVML
 * (libnvidia-ml.so.1, loaded with dlopen at collect time: nothing of it is needed at build time),
 * encoded as the evidence map the nvidia-gpu verifier accepts (nvgpu.h, docs/nvgpu.md).
 *
 * Options: nvml (the library to load; default libnvidia-ml.so.1), device (the GPU's NVML index,
 * decimal; default 0; in composite evidence the k-th GPU member is device k).
 * The 32-byte SPDM requester nonce is the first half of the report data; the second half must be
 * zero (a GPU binds 32 bytes). In composite evidence the nonce is derived from the session binding
 * (docs/composite.md). The nonce is not checked here: the verifier checks the binding.
 *
 * spec: NVIDIA nvml.h (R535 and later), "Confidential Computing": nvmlInit_v2, nvmlShutdown,
 *       nvmlDeviceGetHandleByIndex_v2, nvmlDeviceGetConfComputeGpuAttestationReport (the caller
 *       fills nonce[NVML_CC_GPU_CEC_NONCE_SIZE = 0x20]; attestationReport[0x2000] holds the
 *       GET_MEASUREMENTS request and the MEASUREMENTS response, attestationReportSize bytes),
 *       nvmlDeviceGetConfComputeGpuCertificate (attestationCertChain[0x1400]: the PEM chain of
 *       the attestation key, leaf first), nvmlDeviceGetArchitecture (NVML_DEVICE_ARCH_HOPPER 9,
 *       NVML_DEVICE_ARCH_BLACKWELL 10); nvmlReturn_t 0 = NVML_SUCCESS.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "tee/nvgpu/nvgpu.h"

#define CHECK "nvidia-gpu.attest"
#define DEFAULT_LIB "libnvidia-ml.so.1"

/* spec: nvml.h, the sizes of the confidential-computing structures */
#define NV_CERT_CHAIN_SIZE 0x1000u
#define NV_ATTESTATION_CERT_CHAIN_SIZE 0x1400u
#define NV_CEC_NONCE_SIZE 0x20u
#define NV_ATTESTATION_REPORT_SIZE 0x2000u
#define NV_CEC_ATTESTATION_REPORT_SIZE 0x1000u
#define NV_ARCH_HOPPER 9u
#define NV_ARCH_BLACKWELL 10u

typedef struct nvml_device_st *nvml_device;

/* nvmlConfComputeGpuCertificate_t */
typedef struct nvml_gpu_certificate {
    unsigned int certChainSize;
    unsigned int attestationCertChainSize;
    unsigned char certChain[NV_CERT_CHAIN_SIZE];
    unsigned char attestationCertChain[NV_ATTESTATION_CERT_CHAIN_SIZE];
} nvml_gpu_certificate;

/* nvmlConfComputeGpuAttestationReport_t */
typedef struct nvml_gpu_report {
    unsigned int isCecAttestationReportPresent;
    unsigned int attestationReportSize;
    unsigned int cecAttestationReportSize;
    unsigned char nonce[NV_CEC_NONCE_SIZE];
    unsigned char attestationReport[NV_ATTESTATION_REPORT_SIZE];
    unsigned char cecAttestationReport[NV_CEC_ATTESTATION_REPORT_SIZE];
} nvml_gpu_report;

_Static_assert(sizeof(nvml_gpu_certificate) == 8 + 0x1000 + 0x1400, "nvml certificate layout");
_Static_assert(sizeof(nvml_gpu_report) == 12 + 0x20 + 0x2000 + 0x1000, "nvml report layout");
_Static_assert(NV_CEC_NONCE_SIZE == UAT_SPDM_NONCE_LEN, "the NVML nonce is the SPDM nonce");

typedef int (*init_fn)(void);
typedef int (*shutdown_fn)(void);
typedef int (*handle_fn)(unsigned int index, nvml_device *dev);
typedef int (*report_fn)(nvml_device dev, nvml_gpu_report *r);
typedef int (*cert_fn)(nvml_device dev, nvml_gpu_certificate *c);
typedef int (*arch_fn)(nvml_device dev, unsigned int *arch);
typedef const char *(*error_fn)(int ret);

typedef struct nvml {
    void *dl;
    const char *lib;
    init_fn init;
    shutdown_fn shutdown;
    handle_fn handle;
    report_fn report;
    cert_fn cert;
    arch_fn arch;   /* optional */
    error_fn error; /* optional */
} nvml;

static const char *const sym_names[] = {"nvmlInit_v2",
                                        "nvmlShutdown",
                                        "nvmlDeviceGetHandleByIndex_v2",
                                        "nvmlDeviceGetConfComputeGpuAttestationReport",
                                        "nvmlDeviceGetConfComputeGpuCertificate",
                                        "nvmlDeviceGetArchitecture",
                                        "nvmlErrorString"};

static uat_err nvml_open(const char *lib, nvml *n)
{
    memset(n, 0, sizeof(*n));
    n->lib = lib;
    n->dl = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
    if (n->dl == NULL) {
        const char *why = dlerror();
        return UAT_FAILF(UAT_ERR_PLATFORM_DEVICE, CHECK, "nvml", -1,
                         "cannot load NVIDIA's NVML library %s (%s); install the NVIDIA driver "
                         "or name the library with option nvml",
                         lib, why != NULL ? why : "dlopen failed");
    }
    void *syms[7];
    for (size_t i = 0; i < 7; i++) {
        syms[i] = dlsym(n->dl, sym_names[i]);
        if (syms[i] == NULL && i < 5) {
            dlclose(n->dl);
            n->dl = NULL;
            return UAT_FAILF(UAT_ERR_PLATFORM_DEVICE, CHECK, "nvml", -1,
                             "%s has no %s: not an NVML with confidential computing (R535 or "
                             "later)",
                             lib, sym_names[i]);
        }
    }
    /* POSIX: a function pointer converts from dlsym's void * through memcpy */
    memcpy(&n->init, &syms[0], sizeof(void *));
    memcpy(&n->shutdown, &syms[1], sizeof(void *));
    memcpy(&n->handle, &syms[2], sizeof(void *));
    memcpy(&n->report, &syms[3], sizeof(void *));
    memcpy(&n->cert, &syms[4], sizeof(void *));
    memcpy(&n->arch, &syms[5], sizeof(void *));
    memcpy(&n->error, &syms[6], sizeof(void *));
    return UAT_OK;
}

static uat_err nvml_failed(const nvml *n, const char *fn, int ret)
{
    const char *text = n->error != NULL ? n->error(ret) : NULL;
    return UAT_FAILF(UAT_ERR_PLATFORM_DEVICE, CHECK, fn, -1,
                     "%s of %s failed with nvmlReturn_t %d (%s); is the GPU in "
                     "confidential-computing mode?",
                     fn, n->lib, ret, text != NULL ? text : "no description");
}

static uat_err device_index(const uat_attest_ctx *ctx, unsigned int *out)
{
    const char *d = uat_attest_opt(ctx, UAT_ATTEST_OPT_DEVICE);
    *out = 0;
    if (d == NULL) {
        return UAT_OK;
    }
    size_t len = strlen(d);
    if (len == 0 || len > 4 || strspn(d, "0123456789") != len) {
        return UAT_FAILF(UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "device", -1,
                         "option device is the GPU's NVML index (0..9999), not \"%.32s\"", d);
    }
    *out = (unsigned int)strtoul(d, NULL, 10);
    return UAT_OK;
}

/* The report NVML returned, checked to be an SPDM exchange, and the chain as DER. */
static uat_err take_evidence(const nvml_gpu_report *r, const nvml_gpu_certificate *c,
                             unsigned int arch, uat_buf *out)
{
    if (r->attestationReportSize == 0 || r->attestationReportSize > NV_ATTESTATION_REPORT_SIZE ||
        c->attestationCertChainSize == 0 ||
        c->attestationCertChainSize > NV_ATTESTATION_CERT_CHAIN_SIZE) {
        return UAT_FAILF(UAT_ERR_PLATFORM_DEVICE, CHECK, "size", -1,
                         "NVML returned a report of %u bytes and a chain of %u bytes",
                         r->attestationReportSize, c->attestationCertChainSize);
    }
    uat_nvgpu_evidence ev;
    memset(&ev, 0, sizeof(ev));
    ev.report = uat_span_of(r->attestationReport, r->attestationReportSize);
    uat_nvgpu_report *rep = calloc(1, sizeof(*rep));
    uat_der_list certs = {NULL, 0, 0};
    uat_err rc = rep != NULL ? uat_nvgpu_report_parse(ev.report, rep) : UAT_NOMEM(CHECK);
    if (rc != UAT_OK && rc != UAT_ERR_RESOURCE_NO_MEMORY) {
        rc = UAT_FAILF(UAT_ERR_PLATFORM_DEVICE, CHECK, "attestationReport", -1,
                       "NVML returned %u bytes that are not an SPDM GET_MEASUREMENTS exchange (%s)",
                       r->attestationReportSize, uat_err_name(rc));
    }
    rc = rc == UAT_OK ? uat_pem_certs_strict(uat_span_of(c->attestationCertChain,
                                                         c->attestationCertChainSize),
                                             &certs)
                      : rc;
    if (rc == UAT_OK && (certs.n == 0 || certs.n > UAT_MAX_CERT_CHAIN)) {
        rc = UAT_FAILF(UAT_ERR_PLATFORM_DEVICE, CHECK, "attestationCertChain", -1,
                       "NVML returned a chain of %zu certificates", certs.n);
    }
    for (size_t i = 0; rc == UAT_OK && i < certs.n; i++) {
        ev.certs[ev.ncerts++] = uat_buf_span(&certs.items[i]);
    }
    snprintf(ev.arch, sizeof(ev.arch), "%s",
             arch == NV_ARCH_HOPPER ? "HOPPER" : arch == NV_ARCH_BLACKWELL ? "BLACKWELL" : "");
    rc = rc == UAT_OK ? uat_nvgpu_evidence_encode(&ev, out) : rc;
    free(rep);
    uat_der_list_free(&certs);
    return rc;
}

static uat_err collect_from(const nvml *n, unsigned int index, const uint8_t *nonce,
                            uat_buf *out)
{
    nvml_device dev = NULL;
    int ret = n->handle(index, &dev);
    if (ret != 0) {
        return nvml_failed(n, "nvmlDeviceGetHandleByIndex_v2", ret);
    }
    nvml_gpu_report *r = calloc(1, sizeof(*r));
    nvml_gpu_certificate *c = calloc(1, sizeof(*c));
    uat_err rc = r != NULL && c != NULL ? UAT_OK : UAT_NOMEM(CHECK);
    if (rc == UAT_OK) {
        memcpy(r->nonce, nonce, NV_CEC_NONCE_SIZE);
        ret = n->report(dev, r);
        rc = ret != 0 ? nvml_failed(n, "nvmlDeviceGetConfComputeGpuAttestationReport", ret) : rc;
    }
    if (rc == UAT_OK && (ret = n->cert(dev, c)) != 0) {
        rc = nvml_failed(n, "nvmlDeviceGetConfComputeGpuCertificate", ret);
    }
    unsigned int arch = 0;
    if (rc == UAT_OK && n->arch != NULL && n->arch(dev, &arch) != 0) {
        arch = 0; /* the architecture is a hint; the verifier reads the chip from the leaf */
    }
    rc = rc == UAT_OK ? take_evidence(r, c, arch, out) : rc;
    free(r);
    free(c);
    return rc;
}

uat_err uat_nvgpu_collect(const uat_attest_ctx *ctx, const uint8_t *report_data, uat_buf *out)
{
    if (!uat_is_zero(report_data + UAT_SPDM_NONCE_LEN, UAT_REPORT_DATA_LEN - UAT_SPDM_NONCE_LEN)) {
        return UAT_FAILF(UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "report_data", UAT_SPDM_NONCE_LEN,
                         "a GPU's SPDM nonce binds 32 bytes: report data bytes 32..63 must be "
                         "zero (a --nonce binding is)");
    }
    unsigned int index = 0;
    UAT_TRY(device_index(ctx, &index));
    const char *lib = uat_attest_opt(ctx, "nvml");
    nvml n;
    UAT_TRY(nvml_open(lib != NULL ? lib : DEFAULT_LIB, &n));
    int ret = n.init();
    uat_err rc = ret != 0 ? nvml_failed(&n, "nvmlInit_v2", ret) : UAT_OK;
    if (rc == UAT_OK) {
        rc = collect_from(&n, index, report_data, out);
        (void)n.shutdown();
    }
    dlclose(n.dl);
    return rc;
}
