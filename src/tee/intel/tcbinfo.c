/* Intel PCS TCB Info (v2, v3) and Enclave Identity (v2) parsing: pure, strict, spec field names.
 * spec: Intel SGX/TDX PCS API v4, "TCB Info V3" and "Enclave Identity V2" JSON schemas. */
#include <stdlib.h>
#include <string.h>

#include "collateral/jsonraw.h"
#include "core/limits.h"
#include "tee/intel/collateral.h"

#define CHECK "intel.collateral"
#define MAX_LEVELS 256u

static const char *const status_names[] = {
    "UpToDate", "SWHardeningNeeded", "ConfigurationNeeded", "ConfigurationAndSWHardeningNeeded",
    "OutOfDate", "OutOfDateConfigurationNeeded", "Revoked",
};

const char *uat_tcb_status_name(enum uat_tcb_status s)
{
    return (size_t)s < sizeof(status_names) / sizeof(status_names[0]) ? status_names[s] : "Unknown";
}

uat_err uat_tcb_status_parse(const char *s, enum uat_tcb_status *out)
{
    for (size_t i = 0; s != NULL && i < sizeof(status_names) / sizeof(status_names[0]); i++) {
        if (strcmp(s, status_names[i]) == 0) {
            *out = (enum uat_tcb_status)i;
            return UAT_OK;
        }
    }
    return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK, "tcbStatus", -1, "unknown TCB status %s",
                     s ? s : "(missing)");
}

static uat_err get_int(json_t *o, const char *name, int64_t max, int64_t *out)
{
    json_t *v = json_object_get(o, name);
    UAT_ENSURE(json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= max,
               UAT_ERR_PARSE_BAD_JSON, CHECK, name, -1);
    *out = (int64_t)json_integer_value(v);
    return UAT_OK;
}

static uat_err get_hex(json_t *o, const char *name, uint8_t *out, size_t n)
{
    json_t *v = json_object_get(o, name);
    UAT_ENSURE(json_is_string(v), UAT_ERR_PARSE_BAD_JSON, CHECK, name, -1);
    uat_err rc = uat_hex_decode_fixed(json_string_value(v), json_string_length(v), out, n);
    return rc == UAT_OK ? rc : UAT_FAIL(UAT_ERR_PARSE_BAD_JSON, CHECK, name, -1);
}

static uat_err get_time(json_t *o, const char *name, uat_time *out)
{
    json_t *v = json_object_get(o, name);
    UAT_ENSURE(json_is_string(v), UAT_ERR_PARSE_BAD_JSON, CHECK, name, -1);
    uat_err rc = uat_time_parse(json_string_value(v), json_string_length(v), out);
    return rc == UAT_OK ? rc : UAT_FAIL(UAT_ERR_PARSE_BAD_JSON, CHECK, name, -1);
}

/* spec: TCB Info v3: 16 components, each {"svn": n, ...}; v2: sgxtcbcompNNsvn members */
static uat_err get_components(json_t *tcb, const char *name, uint8_t out[16])
{
    json_t *a = json_object_get(tcb, name);
    UAT_ENSURE(json_is_array(a) && json_array_size(a) == 16, UAT_ERR_PARSE_BAD_JSON, CHECK, name, -1);
    for (size_t i = 0; i < 16; i++) {
        int64_t svn;
        UAT_ENSURE(json_is_object(json_array_get(a, i)), UAT_ERR_PARSE_BAD_JSON, CHECK, name, -1);
        UAT_TRY(get_int(json_array_get(a, i), "svn", 255, &svn));
        out[i] = (uint8_t)svn;
    }
    return UAT_OK;
}

static uat_err get_v2_components(json_t *tcb, uint8_t out[16])
{
    for (size_t i = 0; i < 16; i++) {
        char name[24];
        int64_t svn;
        snprintf(name, sizeof(name), "sgxtcbcomp%02zusvn", i + 1);
        UAT_TRY(get_int(tcb, name, 255, &svn));
        out[i] = (uint8_t)svn;
    }
    return UAT_OK;
}

enum level_kind { LEVEL_SGX_V2, LEVEL_SGX_V3, LEVEL_TDX, LEVEL_ISVSVN };

static uat_err parse_level(json_t *j, enum level_kind kind, uat_tcb_level *l)
{
    json_t *tcb = json_object_get(j, "tcb");
    int64_t v;
    UAT_ENSURE(json_is_object(tcb), UAT_ERR_PARSE_BAD_JSON, CHECK, "tcb", -1);
    if (kind == LEVEL_ISVSVN) {
        UAT_TRY(get_int(tcb, "isvsvn", 0xffff, &v));
        l->isvsvn = (uint16_t)v;
    } else {
        UAT_TRY(kind == LEVEL_SGX_V2 ? get_v2_components(tcb, l->sgx_comp)
                                     : get_components(tcb, "sgxtcbcomponents", l->sgx_comp));
        UAT_TRY(get_int(tcb, "pcesvn", 0xffff, &v));
        l->pcesvn = (uint16_t)v;
        if (kind == LEVEL_TDX) {
            UAT_TRY(get_components(tcb, "tdxtcbcomponents", l->tdx_comp));
        }
    }
    UAT_TRY(get_time(j, "tcbDate", &l->tcb_date));
    UAT_TRY(uat_tcb_status_parse(json_string_value(json_object_get(j, "tcbStatus")), &l->status));
    json_t *adv = json_object_get(j, "advisoryIDs");
    UAT_ENSURE(adv == NULL || json_is_array(adv), UAT_ERR_PARSE_BAD_JSON, CHECK, "advisoryIDs", -1);
    l->advisories = adv ? json_incref(adv) : json_array();
    return UAT_OK;
}

static void free_levels(uat_tcb_level *levels, size_t n)
{
    for (size_t i = 0; levels != NULL && i < n; i++) {
        json_decref(levels[i].advisories);
    }
    free(levels);
}

static uat_err parse_levels(json_t *o, enum level_kind kind, uat_tcb_level **out, size_t *n)
{
    json_t *a = json_object_get(o, "tcbLevels");
    UAT_ENSURE(json_is_array(a) && json_array_size(a) > 0 && json_array_size(a) <= MAX_LEVELS,
               UAT_ERR_PARSE_BAD_JSON, CHECK, "tcbLevels", -1);
    size_t count = json_array_size(a);
    uat_tcb_level *levels = calloc(count, sizeof(*levels));
    if (levels == NULL) {
        return UAT_NOMEM(CHECK);
    }
    for (size_t i = 0; i < count; i++) {
        uat_err rc = parse_level(json_array_get(a, i), kind, &levels[i]);
        if (rc != UAT_OK) {
            free_levels(levels, i + 1);
            return rc;
        }
    }
    *out = levels;
    *n = count;
    return UAT_OK;
}

static uat_err parse_module(json_t *m, int with_levels, uat_tdx_module_id *out)
{
    UAT_ENSURE(json_is_object(m), UAT_ERR_PARSE_BAD_JSON, CHECK, "tdxModule", -1);
    UAT_TRY(get_hex(m, "mrsigner", out->mrsigner, 48));
    UAT_TRY(get_hex(m, "attributes", out->attributes, 8));
    UAT_TRY(get_hex(m, "attributesMask", out->attributes_mask, 8));
    if (!with_levels) {
        return UAT_OK;
    }
    const char *id = json_string_value(json_object_get(m, "id"));
    UAT_ENSURE(id != NULL && strlen(id) < sizeof(out->id), UAT_ERR_PARSE_BAD_JSON, CHECK, "id", -1);
    strcpy(out->id, id);
    return parse_levels(m, LEVEL_ISVSVN, &out->levels, &out->nlevels);
}

static uat_err parse_tdx_parts(json_t *o, uat_tcb_info *t)
{
    json_t *m = json_object_get(o, "tdxModule");
    if (m != NULL) {
        t->has_module = 1;
        UAT_TRY(parse_module(m, 0, &t->module));
    }
    json_t *ids = json_object_get(o, "tdxModuleIdentities");
    if (ids == NULL) {
        return UAT_OK;
    }
    UAT_ENSURE(json_is_array(ids) && json_array_size(ids) <= 64, UAT_ERR_PARSE_BAD_JSON, CHECK,
               "tdxModuleIdentities", -1);
    t->module_ids = calloc(json_array_size(ids) + 1, sizeof(*t->module_ids));
    if (t->module_ids == NULL) {
        return UAT_NOMEM(CHECK);
    }
    for (size_t i = 0; i < json_array_size(ids); i++) {
        t->nmodule_ids = i + 1;
        UAT_TRY(parse_module(json_array_get(ids, i), 1, &t->module_ids[i]));
    }
    return UAT_OK;
}

/* Splits {"<member>": {...}, "signature": "<hex r||s>"}: signed bytes, signature, parsed body. */
static uat_err split_signed(uat_buf *raw, uat_span text, const char *member, uat_span *body,
                            uint8_t sig[64], json_t **parsed)
{
    UAT_ENSURE(text.len <= UAT_MAX_FILE_BYTES, UAT_ERR_RESOURCE_LIMIT, CHECK, member, -1);
    uat_buf_init(raw, UAT_MAX_FILE_BYTES);
    UAT_TRY(uat_buf_append(raw, text.p, text.len));
    uat_span sig_text;
    UAT_TRY(uat_json_raw_member(uat_buf_span(raw), member, body));
    UAT_TRY(uat_json_raw_member(uat_buf_span(raw), "signature", &sig_text));
    UAT_ENSURE(sig_text.len == 130 && sig_text.p[0] == '"' && sig_text.p[129] == '"',
               UAT_ERR_PARSE_BAD_JSON, CHECK, "signature", -1);
    UAT_TRY(uat_hex_decode_fixed((const char *)sig_text.p + 1, 128, sig, 64));
    json_error_t jerr;
    *parsed = json_loadb((const char *)body->p, body->len, JSON_REJECT_DUPLICATES, &jerr);
    UAT_ENSURE(json_is_object(*parsed), UAT_ERR_PARSE_BAD_JSON, CHECK, member, jerr.position);
    return UAT_OK;
}

static uat_err tcb_info_fields(json_t *o, uat_tcb_info *t)
{
    int64_t v;
    UAT_TRY(get_int(o, "version", INT32_MAX, &v));
    t->version = (int)v;
    UAT_ENSURE(v == 2 || v == 3, UAT_ERR_PARSE_BAD_VERSION, CHECK, "version", -1);
    const char *id = json_string_value(json_object_get(o, "id"));
    UAT_ENSURE(v == 2 ? id == NULL || strcmp(id, "SGX") == 0
                      : id != NULL && (strcmp(id, "SGX") == 0 || strcmp(id, "TDX") == 0),
               UAT_ERR_PARSE_BAD_VALUE, CHECK, "id", -1);
    t->is_tdx = id != NULL && strcmp(id, "TDX") == 0;
    UAT_TRY(get_time(o, "issueDate", &t->issue_date));
    UAT_TRY(get_time(o, "nextUpdate", &t->next_update));
    UAT_TRY(get_hex(o, "fmspc", t->fmspc, 6));
    UAT_TRY(get_hex(o, "pceId", t->pceid, 2));
    UAT_TRY(get_int(o, "tcbType", 0, &v));
    UAT_TRY(get_int(o, "tcbEvaluationDataNumber", UINT32_MAX, &v));
    t->eval_number = (uint32_t)v;
    enum level_kind kind = t->version == 2 ? LEVEL_SGX_V2 : t->is_tdx ? LEVEL_TDX : LEVEL_SGX_V3;
    UAT_TRY(parse_levels(o, kind, &t->levels, &t->nlevels));
    return t->is_tdx ? parse_tdx_parts(o, t) : UAT_OK;
}

uat_err uat_tcb_info_parse(uat_span text, uat_tcb_info *out)
{
    memset(out, 0, sizeof(*out));
    json_t *o = NULL;
    uat_err rc = split_signed(&out->raw, text, "tcbInfo", &out->body, out->signature, &o);
    if (rc == UAT_OK) {
        rc = tcb_info_fields(o, out);
    }
    json_decref(o);
    if (rc != UAT_OK) {
        uat_tcb_info_free(out);
    }
    return rc;
}

void uat_tcb_info_free(uat_tcb_info *t)
{
    free_levels(t->levels, t->nlevels);
    for (size_t i = 0; t->module_ids != NULL && i < t->nmodule_ids; i++) {
        free_levels(t->module_ids[i].levels, t->module_ids[i].nlevels);
    }
    free(t->module_ids);
    uat_buf_free(&t->raw);
    memset(t, 0, sizeof(*t));
}

static uat_err identity_fields(json_t *o, uat_enclave_identity *e)
{
    int64_t v;
    const char *id = json_string_value(json_object_get(o, "id"));
    UAT_ENSURE(id != NULL && (strcmp(id, "QE") == 0 || strcmp(id, "QVE") == 0 ||
                              strcmp(id, "TD_QE") == 0),
               UAT_ERR_PARSE_BAD_VALUE, CHECK, "id", -1);
    strcpy(e->id, id);
    UAT_TRY(get_int(o, "version", INT32_MAX, &v));
    UAT_ENSURE(v == 2, UAT_ERR_PARSE_BAD_VERSION, CHECK, "version", -1);
    e->version = (int)v;
    UAT_TRY(get_time(o, "issueDate", &e->issue_date));
    UAT_TRY(get_time(o, "nextUpdate", &e->next_update));
    UAT_TRY(get_int(o, "tcbEvaluationDataNumber", UINT32_MAX, &v));
    e->eval_number = (uint32_t)v;
    uint8_t m[4];
    UAT_TRY(get_hex(o, "miscselect", m, 4));
    e->miscselect = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3];
    UAT_TRY(get_hex(o, "miscselectMask", m, 4));
    e->miscselect_mask = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3];
    UAT_TRY(get_hex(o, "attributes", e->attributes, 16));
    UAT_TRY(get_hex(o, "attributesMask", e->attributes_mask, 16));
    UAT_TRY(get_hex(o, "mrsigner", e->mrsigner, 32));
    UAT_TRY(get_int(o, "isvprodid", 0xffff, &v));
    e->isvprodid = (uint16_t)v;
    return parse_levels(o, LEVEL_ISVSVN, &e->levels, &e->nlevels);
}

uat_err uat_identity_parse(uat_span text, uat_enclave_identity *out)
{
    memset(out, 0, sizeof(*out));
    json_t *o = NULL;
    uat_err rc = split_signed(&out->raw, text, "enclaveIdentity", &out->body, out->signature, &o);
    if (rc == UAT_OK) {
        rc = identity_fields(o, out);
    }
    json_decref(o);
    if (rc != UAT_OK) {
        uat_identity_free(out);
    }
    return rc;
}

void uat_identity_free(uat_enclave_identity *e)
{
    free_levels(e->levels, e->nlevels);
    uat_buf_free(&e->raw);
    memset(e, 0, sizeof(*e));
}
