/* A stand-in for Intel's libsgx_dcap_ql.so.1 with the three entry points the SGX attester loads
 * (sgx_qe_get_target_info, sgx_qe_get_quote_size, sgx_qe_get_quote; quote3_error_t is uint32_t,
 * 0 = SGX_QL_SUCCESS). It answers with a corpus quote; test_intel_attest steers it through
 * fake_dcap_mode and reads what it was given from fake_dcap_report. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define QUOTE UAT_CORPUS_DIR "/intel-sgx-dcap/s1-dcapqvl-sgx-v3-processor/quote.bin"

enum { FAKE_OK, FAKE_TARGET_INFO_FAILS, FAKE_QUOTE_FAILS, FAKE_GARBAGE, FAKE_HUGE };

int fake_dcap_mode;
int fake_dcap_quote_calls;
uint8_t fake_dcap_report[432];

static uint8_t quote[1 << 16];
static size_t quote_len;

static int load(void)
{
    if (quote_len > 0) {
        return 0;
    }
    FILE *f = fopen(QUOTE, "rb");
    if (f == NULL) {
        return -1;
    }
    quote_len = fread(quote, 1, sizeof(quote), f);
    fclose(f);
    return quote_len > 0 ? 0 : -1;
}

uint32_t sgx_qe_get_target_info(void *target_info)
{
    if (fake_dcap_mode == FAKE_TARGET_INFO_FAILS) {
        return 0xe019; /* SGX_QL_ENCLAVE_LOAD_ERROR */
    }
    memset(target_info, 0xa5, 512);
    return 0;
}

uint32_t sgx_qe_get_quote_size(uint32_t *size)
{
    if (load() != 0) {
        return 0xe001; /* SGX_QL_ERROR_UNEXPECTED */
    }
    *size = fake_dcap_mode == FAKE_HUGE ? 0x7fffffffu : (uint32_t)quote_len;
    return 0;
}

uint32_t sgx_qe_get_quote(const void *app_report, uint32_t size, uint8_t *out)
{
    fake_dcap_quote_calls++;
    memcpy(fake_dcap_report, app_report, sizeof(fake_dcap_report));
    if (fake_dcap_mode == FAKE_QUOTE_FAILS) {
        return 0xe03a; /* SGX_QL_NETWORK_ERROR: no PCCS */
    }
    if (load() != 0 || size != quote_len) {
        return 0xe002; /* SGX_QL_ERROR_INVALID_PARAMETER */
    }
    memcpy(out, quote, quote_len);
    if (fake_dcap_mode == FAKE_GARBAGE) {
        memset(out, 0x42, 48);
    }
    return 0;
}
