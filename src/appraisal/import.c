/* Reference values in foreign formats: the registry's TEEs convert what their ecosystems keep
 * (docs/appraisal.md "Importing"); the result is checked as any reference value document is. */
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "evidence/jinzhao.h"
#include "evidence/registry.h"
#include "uattest/appraisal.h"

#define CHECK "refvals.import"

static uat_err convert(const char *format, uat_span text, json_t *docs)
{
    if (strcmp(format, "jinzhao") == 0) {
        /* jinzhao policies span TEEs (one entry per platform): not one TEE's format */
        return uat_jinzhao_policy_refvals(text, docs);
    }
    for (size_t i = 0; i < uat_registry_count(); i++) {
        const uat_tee_ops *ops = uat_registry_at(i);
        if (ops->refvals_import == NULL) {
            continue;
        }
        uat_err rc = ops->refvals_import(format, text, docs);
        if (rc != UAT_ERR_UNSUPPORTED_FEATURE) {
            return rc;
        }
        json_array_clear(docs);
    }
    return UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, CHECK, "format", -1,
                     "no TEE imports reference values of format \"%.64s\"", format);
}

uat_err uat_refvals_import(const char *format, const uint8_t *text, size_t n, char **json_out)
{
    UAT_ENSURE(format != NULL && (text != NULL || n == 0) && json_out != NULL,
               UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "", -1);
    UAT_ENSURE(n <= UAT_MAX_FILE_BYTES, UAT_ERR_RESOURCE_LIMIT, CHECK, "", -1);
    json_t *docs = json_array();
    uat_refvals *check = NULL;
    char *out = NULL;
    uat_err rc = docs != NULL ? convert(format, uat_span_of(text, n), docs) : UAT_NOMEM(CHECK);
    if (rc == UAT_OK) {
        out = json_dumps(docs, JSON_INDENT(2));
        rc = out != NULL ? uat_refvals_new(&check) : UAT_NOMEM(CHECK);
    }
    /* what was imported must be what the appraisal accepts */
    rc = rc != UAT_OK ? rc : uat_refvals_add_json(check, out, strlen(out));
    uat_refvals_free(check);
    json_decref(docs);
    if (rc != UAT_OK) {
        free(out);
        return rc;
    }
    *json_out = out;
    return UAT_OK;
}
