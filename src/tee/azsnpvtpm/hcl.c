/* The Azure HCL report (azsnpvtpm.h, docs/azsnpvtpm.md): field by field through the bounded
 * reader, in the order of the IGVM attest request structures. Nothing here is signed but the SNP
 * report and, through REPORT_DATA, the variable data: the header only has to describe the bytes
 * exactly, and the verifier checks what it claims. */
#include <string.h>

#include "core/limits.h"
#include "tee/azsnpvtpm/azsnpvtpm.h"

#define CHECK "az-snp-vtpm.hcl"

uat_err uat_hcl_hash_alg(uint32_t hash_type, enum uat_hash_alg *out)
{
    /* spec: IgvmAttestHashType: 1 SHA-256, 2 SHA-384, 3 SHA-512 */
    switch (hash_type) {
    case UAT_HCL_HASH_SHA256: *out = UAT_HASH_SHA256; return UAT_OK;
    case UAT_HCL_HASH_SHA384: *out = UAT_HASH_SHA384; return UAT_OK;
    case UAT_HCL_HASH_SHA512: *out = UAT_HASH_SHA512; return UAT_OK;
    default:
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK, "hash_type",
                         UAT_HCL_RUNTIME_OFFSET + 12,
                         "hash type %u (1 SHA-256, 2 SHA-384, 3 SHA-512)", hash_type);
    }
}

/* spec: IgvmAttestRequestHeader: signature, version, report_size, request_type, status,
 * reserved[3] */
static uat_err read_header(uat_reader *r, uat_hcl_report *h)
{
    uint32_t sig = 0;
    UAT_TRY(uat_rd_u32le(r, "signature", &sig));
    if (sig != UAT_HCL_SIGNATURE) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_MAGIC, CHECK, "signature", 0,
                         "signature 0x%08x is not 'HCLA'", sig);
    }
    UAT_TRY(uat_rd_u32le(r, "version", &h->version));
    if (h->version != 1 && h->version != 2) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VERSION, CHECK, "version", 4,
                         "HCL report version %u (1 and 2 are known)", h->version);
    }
    UAT_TRY(uat_rd_u32le(r, "report_size", &h->report_size));
    UAT_TRY(uat_rd_u32le(r, "request_type", &h->request_type));
    if (h->request_type != UAT_HCL_REQUEST_AK_CERT) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK, "request_type", 12,
                         "request type %u: the vTPM's HCL report is an AK_CERT request (2)",
                         h->request_type);
    }
    UAT_TRY(uat_rd_u32le(r, "status", &h->status));
    if (h->status != 0) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK, "status", 16,
                         "status %u: the HCL did not complete the report", h->status);
    }
    return uat_rd_zeros(r, 12, "reserved");
}

/* spec: IgvmAttestRequestData: data_size, version, report_type, report_data_hash_type,
 * variable_data_size, then the variable data */
static uat_err read_runtime(uat_reader *r, uat_hcl_report *h)
{
    UAT_TRY(uat_rd_u32le(r, "data_size", &h->data_size));
    UAT_TRY(uat_rd_u32le(r, "runtime.version", &h->data_version));
    if (h->data_version != 1) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VERSION, CHECK, "runtime.version",
                         UAT_HCL_RUNTIME_OFFSET + 4, "runtime data version %u (1 is known)",
                         h->data_version);
    }
    UAT_TRY(uat_rd_u32le(r, "report_type", &h->report_type));
    if (h->report_type == UAT_HCL_REPORT_TYPE_TDX) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, CHECK, "report_type",
                         UAT_HCL_RUNTIME_OFFSET + 8,
                         "report type 4 (TDX): this verifier takes SNP HCL reports");
    }
    if (h->report_type != UAT_HCL_REPORT_TYPE_SNP) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK, "report_type",
                         UAT_HCL_RUNTIME_OFFSET + 8, "report type %u (2 SNP, 4 TDX)",
                         h->report_type);
    }
    UAT_TRY(uat_rd_u32le(r, "hash_type", &h->hash_type));
    enum uat_hash_alg alg;
    UAT_TRY(uat_hcl_hash_alg(h->hash_type, &alg));
    uint32_t var_size = 0;
    UAT_TRY(uat_rd_u32le(r, "variable_data_size", &var_size));
    if (h->data_size < UAT_HCL_RUNTIME_HEADER_SIZE ||
        var_size != h->data_size - UAT_HCL_RUNTIME_HEADER_SIZE) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_LENGTH, CHECK, "variable_data_size",
                         UAT_HCL_RUNTIME_OFFSET + 16,
                         "variable data size %u with data size %u (the header is 20 bytes)",
                         var_size, h->data_size);
    }
    if (var_size == 0 || var_size > UAT_MAX_HCL_VAR_DATA) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_LENGTH, CHECK, "variable_data_size",
                         UAT_HCL_RUNTIME_OFFSET + 16,
                         "variable data size %u (1 to %u bytes)", var_size,
                         UAT_MAX_HCL_VAR_DATA);
    }
    return uat_rd_span(r, var_size, "variable_data", &h->var_data);
}

uat_err uat_hcl_report_parse(uat_span in, uat_hcl_report *out)
{
    UAT_ENSURE(out != NULL && (in.p != NULL || in.len == 0), UAT_ERR_USAGE_INVALID_ARGUMENT,
               CHECK, "", -1);
    UAT_ENSURE(in.len <= UAT_MAX_EVIDENCE_BYTES, UAT_ERR_RESOURCE_LIMIT, CHECK, "", -1);
    uat_reader r, body;
    uat_hcl_report h;
    memset(&h, 0, sizeof(h));
    uat_rd_init(&r, in, CHECK);
    UAT_TRY(read_header(&r, &h));
    const uint32_t min = UAT_HCL_RUNTIME_OFFSET + UAT_HCL_RUNTIME_HEADER_SIZE;
    if (h.report_size < min || h.report_size > in.len) {
        uat_err e = h.report_size > in.len ? UAT_ERR_PARSE_TRUNCATED : UAT_ERR_PARSE_BAD_LENGTH;
        return UAT_FAILF(e, CHECK, "report_size", 8,
                         "report size %u with %zu bytes at hand (at least %u)", h.report_size,
                         in.len, min);
    }
    /* the report is exactly report_size bytes: a window of its own, consumed exactly */
    UAT_TRY(uat_rd_sub(&r, h.report_size - UAT_HCL_HEADER_SIZE, UAT_MAX_EVIDENCE_BYTES, "report",
                       &body));
    UAT_TRY(uat_rd_span(&body, UAT_HCL_HW_REPORT_SIZE, "hw_report", &h.snp_report));
    UAT_TRY(read_runtime(&body, &h));
    UAT_TRY(uat_rd_end(&body));
    /* what follows is the padding of the NV index: zero, never hidden data */
    if (uat_rd_left(&r) > 0) {
        uat_span pad;
        uat_rd_rest(&r, &pad);
        for (size_t i = 0; i < pad.len; i++) {
            if (pad.p[i] != 0) {
                return UAT_FAILF(UAT_ERR_PARSE_TRAILING_BYTES, CHECK, "padding",
                                 (int64_t)(h.report_size + i),
                                 "a non-zero byte after the %u-byte report", h.report_size);
            }
        }
    }
    *out = h;
    return UAT_OK;
}
