/* libFuzzer target: the SEV-SNP certificate table (extended report / configfs-tsm auxblob). A
 * parsed table rebuilt from its entries parses again to the same entries. */
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "tee/snp/snp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_entries(const uat_snp_cert_table *a, const uat_snp_cert_table *b)
{
    if (a->n != b->n) {
        abort();
    }
    for (size_t i = 0; i < a->n; i++) {
        if (memcmp(a->e[i].guid, b->e[i].guid, 16) != 0 || a->e[i].data.len != b->e[i].data.len ||
            memcmp(a->e[i].data.p, b->e[i].data.p, a->e[i].data.len) != 0) {
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uat_snp_cert_table t;
    if (uat_snp_cert_table_parse(uat_span_of(data, size), &t) != UAT_OK) {
        return 0;
    }
    for (size_t i = 0; i < t.n; i++) {
        if (t.e[i].data.len == 0 || t.e[i].data.p < data ||
            (size_t)(t.e[i].data.p - data) + t.e[i].data.len > size) {
            abort();
        }
    }
    uat_buf b;
    uat_buf_init(&b, UAT_MAX_EVIDENCE_BYTES);
    uat_snp_cert_table again;
    if (uat_snp_cert_table_build(t.e, t.n, &b) != UAT_OK ||
        uat_snp_cert_table_parse(uat_buf_span(&b), &again) != UAT_OK) {
        abort();
    }
    same_entries(&t, &again);
    uat_buf_free(&b);
    return 0;
}
