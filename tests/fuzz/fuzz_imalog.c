/* libFuzzer target: IMA measurement lists, binary and ASCII (uat_imalog_replay_regs). The bank
 * only changes the hash, never the parse: SHA-1 and SHA-256 replays succeed or fail together,
 * with the same entries and registers; the one-register form agrees with the general one. */
#include <stdlib.h>
#include <string.h>

#include "evidence/tcglog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void both_banks(uat_span log, enum uat_imalog_format fmt)
{
    uint8_t r1[UAT_TCGLOG_MAX_REGS][UAT_HASH_MAX], r2[UAT_TCGLOG_MAX_REGS][UAT_HASH_MAX];
    memset(r1, 0, sizeof(r1));
    memset(r2, 0, sizeof(r2));
    size_t n1, n2, c1 = 0, c2 = 0;
    uint32_t e1 = 0, e2 = 0;
    uat_err a = uat_imalog_replay_regs(log, fmt, UAT_TCG_ALG_SHA1, r1, &n1, &e1, &c1);
    uat_err b = uat_imalog_replay_regs(log, fmt, UAT_TCG_ALG_SHA256, r2, &n2, &e2, &c2);
    if (a != b || (a == UAT_OK && (c1 != c2 || e1 != e2 || n1 != 20 || n2 != 32))) {
        abort();
    }
    if (a != UAT_OK || fmt != UAT_IMALOG_BINARY) {
        return;
    }
    uint8_t reg[UAT_HASH_MAX];
    size_t n, c;
    uat_err one = uat_imalog_replay(log, UAT_TCG_ALG_SHA1, reg, &n, &c);
    int single = (e1 & (e1 - 1)) == 0;
    if ((one == UAT_OK) != single) {
        abort();
    }
    for (unsigned i = 0; one == UAT_OK && i < UAT_TCGLOG_MAX_REGS; i++) {
        if ((e1 & (1u << i)) && memcmp(reg, r1[i], 20) != 0) {
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uat_span log = uat_span_of(data, size);
    both_banks(log, UAT_IMALOG_BINARY);
    both_banks(log, UAT_IMALOG_ASCII);
    (void)uat_imalog_sniff(log);
    return 0;
}
