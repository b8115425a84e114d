/* libFuzzer target: jinzhao-attest report JSON (src/evidence/jinzhao_parse.c), unwrapped to the platform
 * evidence without verification, written back as jinzhao writes it, imported as a jinzhao
 * policy, and the resolve layer that detects it. */
#include <stdlib.h>
#include <string.h>

#include "evidence/jinzhao.h"
#include "evidence/resolve.h"
#include "uattest/jinzhao.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uat_span in = uat_span_of(data, size);
    const uat_tee_ops *ops = NULL;
    uat_buf inner;
    uat_buf_init(&inner, 4u * 1024u * 1024u);
    if (uat_jinzhao_unwrap(in, &ops, &inner) == UAT_OK) {
        /* success names a registry TEE and yields non-empty evidence */
        if (ops == NULL || ops->name == NULL || inner.len == 0) {
            abort();
        }
    }
    uat_buf_free(&inner);
    /* writing back is a fixed point: what uattest writes, it reads and writes identically */
    char *once = NULL, *twice = NULL;
    if (uat_jinzhao_rewrite(data, size, &once) == UAT_OK) {
        if (uat_jinzhao_rewrite((const uint8_t *)once, strlen(once), &twice) != UAT_OK ||
            strcmp(once, twice) != 0) {
            abort();
        }
    }
    free(once);
    free(twice);
    /* the same bytes as a jinzhao policy to import */
    json_t *docs = json_array();
    if (docs != NULL && uat_jinzhao_policy_refvals(in, docs) == UAT_OK && json_array_size(docs) == 0) {
        abort();
    }
    json_decref(docs);
    if (uat_jinzhao_sniff(in) && size > 0) {
        uat_cmw *c = NULL;
        if (uat_resolve_input(data, size, &c) == UAT_OK) {
            uat_cmw_free(c);
        }
    }
    return 0;
}
