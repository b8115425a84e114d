/* NVIDIA's SPDM opaque data: TLVs {DataType u16le, DataSize u16le, Data}, and the FWID of the
 * device leaf's CompositeDeviceID extension (sources: nvgpu.h). Pure. */
#include <stdio.h>
#include <string.h>

#include "core/der.h"
#include "tee/nvgpu/nvgpu.h"

#define CHECK "nvidia-gpu.opaque"
#define CHECK_FWID "nvidia-gpu.fwid"

/* nvtrust's names for the types (OpaqueDataType); the ones absent here are kept as type_<n> */
static const struct {
    uint16_t type;
    const char *name;
    char kind; /* 's' NUL-padded text, 'v' VBIOS version, 'c' measurement counts, 'h' hex */
} names[] = {
    {1, "cert_issuer_name", 'h'},       {2, "cert_authority_key_identifier", 'h'},
    {3, "driver_version", 's'},         {4, "gpu_info", 'h'},
    {5, "id_sku", 'h'},                 {6, "vbios_version", 'v'},
    {7, "manufacturer_id", 'h'},        {8, "tamper_detection", 'h'},
    {9, "smc", 'h'},                    {10, "vpr", 'h'},
    {11, "nvdec0_status", 'h'},         {12, "measurement_count", 'c'},
    {13, "cpr_info", 'h'},              {14, "board_id", 'h'},
    {15, "chip_sku", 's'},              {16, "chip_sku_mod", 's'},
    {17, "project", 's'},               {18, "project_sku", 's'},
    {19, "project_sku_mod", 'h'},       {20, "fwid", 'h'},
    {21, "protected_pcie_status", 'h'}, {22, "switch_pdi", 'h'},
    {23, "floorswept_ports", 'h'},      {24, "position_id", 'h'},
    {25, "lock_switch_status", 'h'},    {32, "gpu_link_conn", 'h'},
    {33, "sys_enable_status", 'h'},     {34, "opaque_data_version", 'h'},
    {35, "chip_info", 's'},             {36, "feature_flag", 'h'},
};
#define NNAMES (sizeof(names) / sizeof(names[0]))
#define TYPE_INVALID 255u /* nvtrust OpaqueDataType INVALID */

uat_err uat_nvgpu_opaque_parse(uat_span in, int64_t base, uat_nvgpu_opaque *out)
{
    UAT_ENSURE(out != NULL && (in.p != NULL || in.len == 0), UAT_ERR_USAGE_INVALID_ARGUMENT,
               CHECK, "", -1);
    uat_reader r;
    uat_rd_init(&r, in, CHECK);
    r.base = base;
    out->n = 0;
    while (uat_rd_left(&r) > 0) {
        uat_nvgpu_tlv t;
        uint16_t size = 0;
        t.at = uat_rd_pos(&r);
        UAT_ENSURE(out->n < UAT_MAX_SPDM_OPAQUE_ITEMS, UAT_ERR_RESOURCE_LIMIT, CHECK, "DataType",
                   t.at);
        UAT_TRY(uat_rd_u16le(&r, "DataType", &t.type));
        if (t.type == 0 || t.type == TYPE_INVALID || uat_nvgpu_opaque_find(out, t.type) != NULL) {
            return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK, "DataType", t.at,
                             "opaque data type %u is invalid or repeated", t.type);
        }
        UAT_TRY(uat_rd_u16le(&r, "DataSize", &size));
        UAT_TRY(uat_rd_span(&r, size, "Data", &t.data));
        out->items[out->n++] = t;
    }
    return UAT_OK;
}

const uat_nvgpu_tlv *uat_nvgpu_opaque_find(const uat_nvgpu_opaque *o, uint16_t type)
{
    for (size_t i = 0; i < o->n; i++) {
        if (o->items[i].type == type) {
            return &o->items[i];
        }
    }
    return NULL;
}

/* spec: nvtrust format_vbios_version: the first four bytes in reverse order, then the fifth */
uat_err uat_nvgpu_vbios_string(const uat_nvgpu_tlv *t, char out[32])
{
    if (t->data.len != 8) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_LENGTH, CHECK, "vbios_version", t->at,
                         "a %zu-byte VBIOS version (8 are expected)", t->data.len);
    }
    const uint8_t *d = t->data.p;
    snprintf(out, 32, "%02x.%02x.%02x.%02x.%02x", d[3], d[2], d[1], d[0], d[4]);
    return UAT_OK;
}

/* NUL padding may follow the text; the text itself is printable ASCII */
static uat_err text_value(const uat_nvgpu_tlv *t, const char *name, char *out, size_t cap)
{
    size_t n = t->data.len;
    while (n > 0 && t->data.p[n - 1] == 0) {
        n--;
    }
    for (size_t i = 0; i < n; i++) {
        if (t->data.p[i] < 0x20 || t->data.p[i] > 0x7E) {
            return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK, name, t->at + 4 + (int64_t)i,
                             "opaque %s is not printable text", name);
        }
    }
    UAT_ENSURE(n < cap, UAT_ERR_PARSE_BAD_LENGTH, CHECK, name, t->at);
    memcpy(out, t->data.p, n);
    out[n] = '\0';
    return UAT_OK;
}

/* one u32le count per measurement index, index 1 first */
static uat_err counts_value(const uat_nvgpu_tlv *t, json_t *o)
{
    if (t->data.len % 4 != 0) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_LENGTH, CHECK, "measurement_count", t->at,
                         "%zu bytes is not a list of 32-bit counts", t->data.len);
    }
    json_t *m = json_object();
    UAT_TRY(uat_json_set(o, "measurement_count", m));
    for (size_t i = 0; i < t->data.len / 4; i++) {
        const uint8_t *p = t->data.p + 4 * i;
        uint32_t c = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                     (uint32_t)p[3] << 24;
        char k[24];
        snprintf(k, sizeof(k), "%zu", i + 1);
        UAT_TRY(uat_json_set_int(m, k, c));
    }
    return UAT_OK;
}

static uat_err describe_one(const uat_nvgpu_tlv *t, json_t *o)
{
    char unknown[16], text[1100];
    const char *name = NULL;
    char kind = 'h';
    for (size_t i = 0; i < NNAMES; i++) {
        if (names[i].type == t->type) {
            name = names[i].name;
            kind = names[i].kind;
        }
    }
    if (name == NULL) {
        snprintf(unknown, sizeof(unknown), "type_%u", t->type);
        name = unknown;
    }
    switch (kind) {
    case 's':
        UAT_TRY(text_value(t, name, text, sizeof(text)));
        return uat_json_set_str(o, name, text);
    case 'v':
        UAT_TRY(uat_nvgpu_vbios_string(t, text));
        return uat_json_set_str(o, name, text);
    case 'c': return counts_value(t, o);
    default: return uat_json_set_hex(o, name, t->data.p, t->data.len);
    }
}

uat_err uat_nvgpu_opaque_describe(const uat_nvgpu_opaque *op, json_t *o)
{
    for (size_t i = 0; i < op->n; i++) {
        UAT_TRY(describe_one(&op->items[i], o));
    }
    return UAT_OK;
}

/* spec: DICE CompositeDeviceID ::= SEQUENCE { version INTEGER (1), deviceIdPublic
 * SubjectPublicKeyInfo, fwid FWID }; FWID ::= SEQUENCE { hashAlg OID, digest OCTET STRING } */
uat_err uat_nvgpu_fwid_parse(uat_span ext, uint8_t fwid[UAT_NVGPU_FWID_LEN])
{
    static const uint8_t sha384[] = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02};
    uat_reader r, seq, spki, f;
    uint64_t version = 0;
    uat_span alg;
    uat_rd_init(&r, ext, CHECK_FWID);
    UAT_TRY(uat_der_element(&r, UAT_DER_SEQUENCE, "CompositeDeviceID", &seq));
    UAT_TRY(uat_rd_end(&r));
    int64_t at = uat_rd_pos(&seq);
    UAT_TRY(uat_der_uint(&seq, UAT_DER_INTEGER, "version", &version));
    UAT_ENSURE(version == 1, UAT_ERR_PARSE_BAD_VERSION, CHECK_FWID, "version", at);
    UAT_TRY(uat_der_element(&seq, UAT_DER_SEQUENCE, "deviceIdPublic", &spki));
    UAT_TRY(uat_der_element(&seq, UAT_DER_SEQUENCE, "fwid", &f));
    UAT_TRY(uat_rd_end(&seq));
    at = uat_rd_pos(&f);
    UAT_TRY(uat_der_oid(&f, "hashAlg", &alg));
    if (alg.len != sizeof(sha384) || memcmp(alg.p, sha384, sizeof(sha384)) != 0) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_ALGORITHM, CHECK_FWID, "hashAlg", at,
                         "the FWID is not a SHA-384 digest");
    }
    UAT_TRY(uat_der_octets(&f, UAT_NVGPU_FWID_LEN, "digest", fwid));
    return uat_rd_end(&f);
}
