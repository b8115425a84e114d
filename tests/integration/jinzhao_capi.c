/* A jinzhao-attest application, written only against jinzhao's C API headers (include paths as
 * jinzhao's) and linked with libuattest-jinzhao (tests/integration/jinzhao_capi.sh drives it):
 *   jinzhao_capi gen|genauth TYPE HEX_NONCE PARAMS_JSON OUT [BUFSIZE]
 *   jinzhao_capi verify|verifyauth REPORT_FILE POLICY_JSON
 *   jinzhao_capi attr|attrauth REPORT_FILE [BUFSIZE]
 * prints "rc=0x%08x" (and writes or prints the JSON on success). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attestation/generation/unified_attestation_generation.h"
#include "attestation/verification/unified_attestation_verification.h"

static char *slurp(const char *path, unsigned int *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        exit(2);
    }
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    *len = (unsigned int)n;
    return buf;
}

int main(int argc, char **argv)
{
    static char out[65536];
    int rc;
    if (argc >= 6 && (strcmp(argv[1], "gen") == 0 || strcmp(argv[1], "genauth") == 0)) {
        unsigned int len = argc > 6 ? (unsigned int)atoi(argv[6]) : (unsigned int)sizeof(out);
        if (strcmp(argv[1], "gen") == 0) {
            rc = UnifiedAttestationGenerateReport("1234", argv[2], argv[3], argv[4],
                                                  (unsigned int)strlen(argv[4]), out, &len);
        } else {
            rc = UnifiedAttestationGenerateAuthReport("1234", argv[2], argv[3], argv[4],
                                                      (unsigned int)strlen(argv[4]), out, &len);
        }
        if (rc == TEE_SUCCESS) {
            FILE *f = fopen(argv[5], "wb");
            if (f == NULL || fwrite(out, 1, len, f) != len || fclose(f) != 0) {
                return 2;
            }
        }
    } else if (argc == 4 && (strcmp(argv[1], "verify") == 0 || strcmp(argv[1], "verifyauth") == 0)) {
        unsigned int len;
        const char *r = slurp(argv[2], &len);
        rc = strcmp(argv[1], "verify") == 0
                 ? UnifiedAttestationVerifyReport(r, len, argv[3], (unsigned int)strlen(argv[3]))
                 : UnifiedAttestationVerifyAuthReport(r, len, argv[3], (unsigned int)strlen(argv[3]));
    } else if (argc >= 3 && (strcmp(argv[1], "attr") == 0 || strcmp(argv[1], "attrauth") == 0)) {
        unsigned int len, olen = argc > 3 ? (unsigned int)atoi(argv[3]) : (unsigned int)sizeof(out);
        const char *r = slurp(argv[2], &len);
        rc = strcmp(argv[1], "attr") == 0 ? UnifiedAttestationGetReportAttr(r, len, out, &olen)
                                          : UnifiedAttestationGetAuthReportAttr(r, len, out, &olen);
        if (rc == TEE_SUCCESS) {
            printf("%.*s\n", (int)olen, out);
        }
    } else {
        fprintf(stderr, "usage: see the comment at the top of jinzhao_capi.c\n");
        return 2;
    }
    printf("rc=0x%08x\n", (unsigned)rc);
    return 0;
}
