/* The nvidia-gpu evidence (nvgpu.h, docs/nvgpu.md): the CBOR map through the bounded reader
 * (strings are views into the input), its deterministic encoding, and trustee's NVIDIA evidence
 * JSON imported into the same struct.
 *
 * spec: RFC 8949 §3 (item heads), §4.2.1 (preferred serialization, used when encoding)
 */
#include <jansson.h>
#include <string.h>

#include "core/cbor.h"
#include "tee/nvgpu/nvgpu.h"

#define CHECK "nvidia-gpu.evidence"
#define IMPORT "nvidia-gpu.import"
#define MAX_ARCH 15u

enum member { M_REPORT, M_CERTS, M_ARCH, M_COUNT };
static const char *const member_names[M_COUNT] = {"report", "certs", "arch"};

static uat_err decode_certs(uat_reader *r, uat_nvgpu_evidence *ev)
{
    uint64_t n = 0;
    int64_t at = uat_rd_pos(r);
    UAT_TRY(uat_cbor_expect(r, UAT_CBOR_ARRAY, "certs", &n));
    if (n == 0 || n > UAT_MAX_CERT_CHAIN) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_LENGTH, CHECK, "certs", at,
                         "%llu certificates (1 to %u)", (unsigned long long)n, UAT_MAX_CERT_CHAIN);
    }
    for (uint64_t i = 0; i < n; i++) {
        at = uat_rd_pos(r);
        UAT_TRY(uat_cbor_string(r, UAT_CBOR_BSTR, UAT_MAX_EVIDENCE_BYTES, "certs", &ev->certs[i]));
        UAT_ENSURE(ev->certs[i].len > 0, UAT_ERR_PARSE_BAD_LENGTH, CHECK, "certs", at);
    }
    ev->ncerts = (size_t)n;
    return UAT_OK;
}

static uat_err decode_member(uat_reader *r, unsigned idx, void *user)
{
    uat_nvgpu_evidence *ev = user;
    enum member m = (enum member)idx;
    int64_t at = uat_rd_pos(r);
    uat_span s;
    switch (m) {
    case M_REPORT:
        UAT_TRY(uat_cbor_string(r, UAT_CBOR_BSTR, UAT_MAX_EVIDENCE_BYTES, "report", &ev->report));
        UAT_ENSURE(ev->report.len > 0, UAT_ERR_PARSE_BAD_LENGTH, CHECK, "report", at);
        return UAT_OK;
    case M_CERTS: return decode_certs(r, ev);
    default:
        UAT_TRY(uat_cbor_string(r, UAT_CBOR_TSTR, MAX_ARCH, "arch", &s));
        UAT_ENSURE(s.len > 0, UAT_ERR_PARSE_BAD_LENGTH, CHECK, "arch", at);
        memcpy(ev->arch, s.p, s.len);
        ev->arch[s.len] = '\0';
        return UAT_OK;
    }
}

uat_err uat_nvgpu_evidence_decode(uat_span in, uat_nvgpu_evidence *out)
{
    UAT_ENSURE(out != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "", -1);
    uat_nvgpu_evidence ev;
    memset(&ev, 0, sizeof(ev));
    UAT_TRY(uat_cbor_named_map(in, CHECK, member_names, M_COUNT, UAT_CBOR_MEMBERS(M_REPORT, M_CERTS),
                               "docs/nvgpu.md", decode_member, &ev));
    *out = ev;
    return UAT_OK;
}

uat_err uat_nvgpu_evidence_encode(const uat_nvgpu_evidence *ev, uat_buf *out)
{
    UAT_ENSURE(ev != NULL && out != NULL && ev->report.len > 0 && ev->ncerts > 0 &&
                   ev->ncerts <= UAT_MAX_CERT_CHAIN && strlen(ev->arch) <= MAX_ARCH,
               UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "", -1);
    UAT_TRY(uat_cbor_put_head(out, UAT_CBOR_MAP, ev->arch[0] != '\0' ? 3 : 2));
    UAT_TRY(uat_cbor_put_text(out, member_names[M_REPORT]));
    UAT_TRY(uat_cbor_put_string(out, UAT_CBOR_BSTR, ev->report.p, ev->report.len));
    UAT_TRY(uat_cbor_put_text(out, member_names[M_CERTS]));
    UAT_TRY(uat_cbor_put_head(out, UAT_CBOR_ARRAY, ev->ncerts));
    for (size_t i = 0; i < ev->ncerts; i++) {
        UAT_TRY(uat_cbor_put_string(out, UAT_CBOR_BSTR, ev->certs[i].p, ev->certs[i].len));
    }
    if (ev->arch[0] != '\0') {
        UAT_TRY(uat_cbor_put_text(out, member_names[M_ARCH]));
        UAT_TRY(uat_cbor_put_text(out, ev->arch));
    }
    return UAT_OK;
}

/* ---- trustee's NVIDIA evidence JSON -------------------------------------------------------- */

static json_t *load_json(uat_span in)
{
    return json_loadb((const char *)in.p, in.len, JSON_REJECT_DUPLICATES, NULL);
}

static uat_err str_member(const json_t *o, const char *name, int required, const char **s,
                          size_t *n)
{
    json_t *v = json_object_get(o, name);
    if (v == NULL && !required) {
        *s = NULL;
        *n = 0;
        return UAT_OK;
    }
    if (!json_is_string(v)) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, IMPORT, name, -1, "\"%s\" must be a string",
                         name);
    }
    *s = json_string_value(v);
    *n = json_string_length(v);
    return UAT_OK;
}

/* trustee accepts the report as hex (nvtrust's form) or standard base64 */
static uat_err import_report(const json_t *d, uat_nvgpu_store *st)
{
    const char *s;
    size_t n;
    UAT_TRY(str_member(d, "evidence", 1, &s, &n));
    if (uat_hex_decode(s, n, &st->report) == UAT_OK) {
        return UAT_OK;
    }
    st->report.len = 0;
    uat_err rc = uat_b64_decode(s, n, UAT_B64_STD, &st->report);
    if (rc != UAT_OK) {
        return UAT_FAILF(rc, IMPORT, "evidence", -1, "\"evidence\" is neither hex nor base64");
    }
    return UAT_OK;
}

static uat_err import_certs(const json_t *d, uat_nvgpu_store *st)
{
    const char *s;
    size_t n;
    uat_buf pem;
    uat_buf_init(&pem, UAT_MAX_EVIDENCE_BYTES);
    UAT_TRY(str_member(d, "certificate", 1, &s, &n));
    uat_err rc = uat_b64_decode(s, n, UAT_B64_STD, &pem);
    if (rc != UAT_OK) {
        rc = UAT_FAILF(rc, IMPORT, "certificate", -1, "\"certificate\" is not base64");
    }
    if (rc == UAT_OK) {
        rc = uat_pem_certs_strict(uat_buf_span(&pem), &st->certs);
    }
    uat_buf_free(&pem);
    return rc;
}

static uat_err copy_text(const json_t *d, const char *name, char *out, size_t cap)
{
    const char *s;
    size_t n;
    UAT_TRY(str_member(d, name, 0, &s, &n));
    if (n >= cap || (n > 0 && memchr(s, '\0', n) != NULL)) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, IMPORT, name, -1,
                         "\"%s\" is longer than %zu characters", name, cap - 1);
    }
    if (n > 0) {
        memcpy(out, s, n);
    }
    out[n] = '\0';
    return UAT_OK;
}

static uat_err import_device(const json_t *d, uat_nvgpu_store *st, uat_nvgpu_evidence *ev)
{
    static const char *const known[] = {"arch", "uuid", "evidence", "certificate"};
    const char *key;
    json_t *v;
    UAT_ENSURE(json_is_object(d), UAT_ERR_PARSE_BAD_JSON, IMPORT, "device_evidence_list", -1);
    json_object_foreach((json_t *)d, key, v) {
        int ok = 0;
        for (size_t i = 0; i < 4; i++) {
            ok |= strcmp(known[i], key) == 0;
        }
        if (!ok) {
            return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, IMPORT, "device_evidence_list", -1,
                             "unknown member \"%.40s\"", key);
        }
    }
    UAT_TRY(copy_text(d, "arch", ev->arch, sizeof(ev->arch)));
    UAT_TRY(copy_text(d, "uuid", ev->uuid, sizeof(ev->uuid)));
    UAT_TRY(import_report(d, st));
    UAT_TRY(import_certs(d, st));
    if (st->certs.n > UAT_MAX_CERT_CHAIN) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_LENGTH, IMPORT, "certificate", -1,
                         "%zu certificates (at most %u)", st->certs.n, UAT_MAX_CERT_CHAIN);
    }
    ev->report = uat_buf_span(&st->report);
    ev->ncerts = st->certs.n;
    for (size_t i = 0; i < st->certs.n; i++) {
        ev->certs[i] = uat_buf_span(&st->certs.items[i]);
    }
    return UAT_OK;
}

static uat_err import_doc(const json_t *j, uat_nvgpu_store *st, uat_nvgpu_evidence *ev)
{
    UAT_ENSURE(json_is_object(j) && json_object_size(j) == 1, UAT_ERR_PARSE_BAD_JSON, IMPORT, "",
               -1);
    json_t *list = json_object_get(j, "device_evidence_list");
    UAT_ENSURE(json_is_array(list), UAT_ERR_PARSE_BAD_JSON, IMPORT, "device_evidence_list", -1);
    if (json_array_size(list) != 1) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, IMPORT, "device_evidence_list", -1,
                         "%zu devices: one GPU per evidence (several GPUs are a CMW collection)",
                         json_array_size(list));
    }
    return import_device(json_array_get(list, 0), st, ev);
}

void uat_nvgpu_store_free(uat_nvgpu_store *st)
{
    uat_buf_free(&st->report);
    uat_der_list_free(&st->certs);
}

static void store_init(uat_nvgpu_store *st)
{
    uat_buf_init(&st->report, UAT_MAX_EVIDENCE_BYTES);
    memset(&st->certs, 0, sizeof(st->certs));
}

static int json_first(uat_span in)
{
    size_t i = 0;
    while (in.p != NULL && i < in.len &&
           (in.p[i] == ' ' || in.p[i] == '\t' || in.p[i] == '\r' || in.p[i] == '\n')) {
        i++;
    }
    return in.p != NULL && i < in.len && in.p[i] == '{';
}

uat_err uat_nvgpu_load(uat_span in, uat_nvgpu_store *st, uat_nvgpu_evidence *out)
{
    store_init(st);
    UAT_ENSURE(out != NULL && (in.p != NULL || in.len == 0), UAT_ERR_USAGE_INVALID_ARGUMENT,
               IMPORT, "", -1);
    UAT_ENSURE(in.len <= UAT_MAX_EVIDENCE_BYTES, UAT_ERR_RESOURCE_LIMIT, IMPORT, "", -1);
    if (!json_first(in)) {
        return uat_nvgpu_evidence_decode(in, out);
    }
    json_t *j = load_json(in);
    if (j == NULL) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, IMPORT, "", -1, "not a JSON document");
    }
    uat_nvgpu_evidence ev;
    memset(&ev, 0, sizeof(ev));
    uat_err rc = import_doc(j, st, &ev);
    json_decref(j);
    if (rc == UAT_OK) {
        *out = ev;
    }
    return rc;
}

/* A CBOR map whose first key is "report" holding a byte string, or trustee's JSON with a
 * device_evidence_list. Reads bytes directly, so that a miss records no error. */
int uat_nvgpu_sniff(uat_span in)
{
    static const uint8_t head[] = {0x66, 'r', 'e', 'p', 'o', 'r', 't'};
    if (in.p == NULL || in.len < 2 + sizeof(head)) {
        return 0;
    }
    if (in.p[0] == 0xa2 || in.p[0] == 0xa3) {
        return memcmp(in.p + 1, head, sizeof(head)) == 0 &&
               (in.p[1 + sizeof(head)] >> 5) == UAT_CBOR_BSTR;
    }
    if (!json_first(in) || in.len > UAT_MAX_EVIDENCE_BYTES) {
        return 0;
    }
    json_t *j = load_json(in);
    int ok = json_is_array(json_object_get(j, "device_evidence_list"));
    json_decref(j);
    return ok;
}
