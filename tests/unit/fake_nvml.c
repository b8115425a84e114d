/* A stand-in for NVIDIA's libnvidia-ml.so.1 with the entry points the nvidia-gpu attester loads
 * (src/tee/nvgpu/attest.c): eight "GPUs" that each answer with the corpus g1 report and chain
 * (the report is NVIDIA-signed, so its nonce is g1's whatever nonce is asked for). It records the
 * nonce each device was asked for: in fake_nvml_nonces (tests that dlopen it too) and, when the
 * environment names FAKE_NVML_NONCE_DIR, in the file <dir>/nonce-<index> as hex (shell tests).
 * fake_nvml_mode (or FAKE_NVML_MODE, a number) makes it fail in one way. nvmlReturn_t: 0 success,
 * 2 invalid argument, 3 not supported, 9 driver not loaded (nvml.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define G1 UAT_CORPUS_DIR "/nvidia-gpu/g1-nvtrust-hopper-sample"
#define NDEV 8

enum {
    FAKE_OK,
    FAKE_INIT_FAILS,
    FAKE_REPORT_FAILS,
    FAKE_GARBAGE,
    FAKE_HUGE,
    FAKE_NO_CHAIN,
};

typedef struct fake_dev {
    int index;
} fake_dev;

typedef struct {
    unsigned int certChainSize;
    unsigned int attestationCertChainSize;
    unsigned char certChain[0x1000];
    unsigned char attestationCertChain[0x1400];
} fake_cert;

typedef struct {
    unsigned int isCecAttestationReportPresent;
    unsigned int attestationReportSize;
    unsigned int cecAttestationReportSize;
    unsigned char nonce[0x20];
    unsigned char attestationReport[0x2000];
    unsigned char cecAttestationReport[0x1000];
} fake_report;

int fake_nvml_mode;
int fake_nvml_inits;
int fake_nvml_shutdowns;
uint8_t fake_nvml_nonces[NDEV][32];
int fake_nvml_asked[NDEV];

static fake_dev devs[NDEV] = {{0}, {1}, {2}, {3}, {4}, {5}, {6}, {7}};
static uint8_t report[0x2000];
static size_t report_len;
static char chain[0x1400];
static size_t chain_len;

static int mode(void)
{
    const char *m = getenv("FAKE_NVML_MODE");
    return m != NULL ? atoi(m) : fake_nvml_mode;
}

static int load(void)
{
    if (report_len > 0) {
        return 0;
    }
    FILE *f = fopen(G1 "/attestation_report.hex", "rb");
    unsigned v;
    while (f != NULL && report_len < sizeof(report) && fscanf(f, "%2x", &v) == 1) {
        report[report_len++] = (uint8_t)v;
    }
    if (f != NULL) {
        fclose(f);
    }
    f = fopen(G1 "/cert_chain.pem", "rb");
    if (f != NULL) {
        chain_len = fread(chain, 1, sizeof(chain), f);
        fclose(f);
    }
    return report_len > 0 && chain_len > 0 ? 0 : -1;
}

int nvmlInit_v2(void)
{
    fake_nvml_inits++;
    return mode() == FAKE_INIT_FAILS ? 9 : 0;
}

int nvmlShutdown(void)
{
    fake_nvml_shutdowns++;
    return 0;
}

const char *nvmlErrorString(int ret)
{
    return ret == 9 ? "Driver Not Loaded" : ret == 3 ? "Not Supported" : "Unknown Error";
}

int nvmlDeviceGetHandleByIndex_v2(unsigned int index, fake_dev **dev)
{
    if (index >= NDEV) {
        return 2;
    }
    *dev = &devs[index];
    return 0;
}

int nvmlDeviceGetArchitecture(fake_dev *dev, unsigned int *arch)
{
    (void)dev;
    *arch = 9; /* NVML_DEVICE_ARCH_HOPPER */
    return 0;
}

static void record(int index, const uint8_t *nonce)
{
    memcpy(fake_nvml_nonces[index], nonce, 32);
    fake_nvml_asked[index]++;
    const char *dir = getenv("FAKE_NVML_NONCE_DIR");
    char path[512];
    if (dir == NULL || snprintf(path, sizeof(path), "%s/nonce-%d", dir, index) >= (int)sizeof(path)) {
        return;
    }
    FILE *f = fopen(path, "w");
    for (int i = 0; f != NULL && i < 32; i++) {
        fprintf(f, "%02x", nonce[i]);
    }
    if (f != NULL) {
        fclose(f);
    }
}

int nvmlDeviceGetConfComputeGpuAttestationReport(fake_dev *dev, fake_report *r)
{
    record(dev->index, r->nonce);
    if (mode() == FAKE_REPORT_FAILS) {
        return 3;
    }
    if (load() != 0) {
        return 999; /* NVML_ERROR_UNKNOWN */
    }
    memcpy(r->attestationReport, report, report_len);
    r->attestationReportSize = (unsigned)report_len;
    if (mode() == FAKE_GARBAGE) {
        memset(r->attestationReport, 0x42, 16);
    }
    if (mode() == FAKE_HUGE) {
        r->attestationReportSize = 0x3000;
    }
    return 0;
}

int nvmlDeviceGetConfComputeGpuCertificate(fake_dev *dev, fake_cert *c)
{
    (void)dev;
    if (load() != 0) {
        return 999;
    }
    memcpy(c->attestationCertChain, chain, chain_len);
    c->attestationCertChainSize = mode() == FAKE_NO_CHAIN ? 0 : (unsigned)chain_len;
    return 0;
}
