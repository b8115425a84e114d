/* SPDM GET_MEASUREMENTS request and MEASUREMENTS response, field by field through the bounded
 * reader (layouts and sources: nvgpu.h). Pure: no crypto, no I/O. */
#include <stdio.h>
#include <string.h>

#include "core/check.h"
#include "tee/nvgpu/nvgpu.h"

#define CHECK_REQ "nvidia-gpu.request"
#define CHECK_RSP "nvidia-gpu.response"
#define MAX_OPAQUE_LEN 1024u /* spec: DSP0274 1.1.1 Table 43 OpaqueLength: at most 1024 */
#define MAX_RECORD_LEN 0xFFFFFFu

static int known_version(uint8_t v)
{
    return v == UAT_SPDM_V11 || v == UAT_SPDM_V12 || v == UAT_SPDM_V13;
}

/* spec: DSP0274 1.1.1 Table 40; 1.2.1 Table 50 (Param1 bit 1 RawBitStreamRequested);
 * 1.3.0 (RequesterContext after SlotIDParam) */
static uat_err parse_request(uat_reader *r, uat_spdm_request *q)
{
    uint8_t code = 0, slot = 0;
    int64_t at = uat_rd_pos(r);
    UAT_TRY(uat_rd_u8(r, "SPDMVersion", &q->version));
    if (!known_version(q->version)) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VERSION, CHECK_REQ, "SPDMVersion", at,
                         "SPDM version 0x%02x (1.1, 1.2 and 1.3 are known)", q->version);
    }
    at = uat_rd_pos(r);
    UAT_TRY(uat_rd_u8(r, "RequestResponseCode", &code));
    if (code != UAT_SPDM_GET_MEASUREMENTS) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK_REQ, "RequestResponseCode", at,
                         "0x%02x is not GET_MEASUREMENTS (0xE0)", code);
    }
    at = uat_rd_pos(r);
    UAT_TRY(uat_rd_u8(r, "Param1", &q->param1));
    if ((q->param1 & 0x01u) == 0) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK_REQ, "Param1", at,
                         "the request asks for no signature: unsigned measurements attest nothing");
    }
    uint8_t allowed = q->version >= UAT_SPDM_V12 ? 0x03u : 0x01u;
    UAT_ENSURE((q->param1 & (uint8_t)~allowed) == 0, UAT_ERR_PARSE_RESERVED_NONZERO, CHECK_REQ,
               "Param1", at);
    UAT_TRY(uat_rd_u8(r, "Param2", &q->param2));
    UAT_TRY(uat_rd_copy(r, q->nonce, UAT_SPDM_NONCE_LEN, "Nonce"));
    at = uat_rd_pos(r);
    UAT_TRY(uat_rd_u8(r, "SlotIDParam", &slot));
    UAT_ENSURE((slot & 0xF0u) == 0, UAT_ERR_PARSE_RESERVED_NONZERO, CHECK_REQ, "SlotIDParam", at);
    UAT_ENSURE(slot <= 7, UAT_ERR_PARSE_BAD_VALUE, CHECK_REQ, "SlotIDParam", at);
    q->slot_id = slot;
    q->has_context = q->version >= UAT_SPDM_V13;
    if (q->has_context) {
        UAT_TRY(uat_rd_copy(r, q->context, UAT_SPDM_CONTEXT_LEN, "RequesterContext"));
    }
    return UAT_OK;
}

/* spec: DSP0274 1.1.1 Table 44 (measurement block) and Table 45 (DMTF measurement field) */
static uat_err parse_block(uat_reader *rec, uat_spdm_block *b, const uint8_t *seen)
{
    uint16_t size = 0, vsize = 0;
    int64_t at = uat_rd_pos(rec);
    UAT_TRY(uat_rd_u8(rec, "Index", &b->index));
    if (b->index == 0 || b->index == 0xFF || seen[b->index]) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK_RSP, "Index", at,
                         "measurement index %u is reserved or repeated", b->index);
    }
    at = uat_rd_pos(rec);
    UAT_TRY(uat_rd_u8(rec, "MeasurementSpecification", &b->spec));
    if (b->spec != UAT_SPDM_MEAS_SPEC_DMTF) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, CHECK_RSP, "MeasurementSpecification", at,
                         "block %u is not in the DMTF measurement format (0x%02x)", b->index,
                         b->spec);
    }
    UAT_TRY(uat_rd_u16le(rec, "MeasurementSize", &size));
    uat_reader m;
    UAT_TRY(uat_rd_sub(rec, size, 0xFFFFu, "Measurement", &m));
    UAT_TRY(uat_rd_u8(&m, "DMTFSpecMeasurementValueType", &b->value_type));
    UAT_TRY(uat_rd_u16le(&m, "DMTFSpecMeasurementValueSize", &vsize));
    UAT_TRY(uat_rd_span(&m, vsize, "DMTFSpecMeasurementValue", &b->value));
    return uat_rd_end(&m);
}

static uat_err parse_record(uat_reader *r, uat_spdm_response *s)
{
    uint8_t len3[3];
    UAT_TRY(uat_rd_u8(r, "NumberOfBlocks", &s->nblocks));
    UAT_TRY(uat_rd_copy(r, len3, 3, "MeasurementRecordLength"));
    size_t len = (size_t)len3[0] | (size_t)len3[1] << 8 | (size_t)len3[2] << 16;
    uat_reader rec;
    UAT_TRY(uat_rd_sub(r, len, MAX_RECORD_LEN, "MeasurementRecord", &rec));
    s->record = uat_span_of(rec.p, rec.len);
    uint8_t seen[256] = {0};
    for (unsigned i = 0; i < s->nblocks; i++) {
        UAT_TRY(parse_block(&rec, &s->blocks[i], seen));
        seen[s->blocks[i].index] = 1;
    }
    return uat_rd_end(&rec);
}

/* spec: Param2 of the request selects what the record holds: 0 the count (no blocks), one index
 * (that block), 0xFF all blocks */
static uat_err check_operation(const uat_spdm_request *q, const uat_spdm_response *s, int64_t at)
{
    int ok = q->param2 == 0xFFu ? 1
             : q->param2 == 0   ? s->nblocks == 0
                                : s->nblocks == 1 && s->blocks[0].index == q->param2;
    if (!ok) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK_RSP, "NumberOfBlocks", at,
                         "%u blocks do not answer measurement operation 0x%02x", s->nblocks,
                         q->param2);
    }
    /* spec: Param1 carries the index count only for operation 0; reserved otherwise */
    UAT_ENSURE(q->param2 == 0 || s->param1 == 0, UAT_ERR_PARSE_RESERVED_NONZERO, CHECK_RSP,
               "Param1", at - 2);
    return UAT_OK;
}

/* spec: DSP0274 1.1.1 Table 43; 1.2.1 Param2 bits 4-5 ContentChanged; 1.3.0 RequesterContext */
static uat_err parse_header(uat_reader *r, const uat_spdm_request *q, uat_spdm_response *s)
{
    uint8_t code = 0;
    int64_t at = uat_rd_pos(r);
    UAT_TRY(uat_rd_u8(r, "SPDMVersion", &s->version));
    if (s->version != q->version) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VERSION, CHECK_RSP, "SPDMVersion", at,
                         "response version 0x%02x to a version 0x%02x request", s->version,
                         q->version);
    }
    at = uat_rd_pos(r);
    UAT_TRY(uat_rd_u8(r, "RequestResponseCode", &code));
    if (code != UAT_SPDM_MEASUREMENTS) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK_RSP, "RequestResponseCode", at,
                         "0x%02x is not MEASUREMENTS (0x60)", code);
    }
    UAT_TRY(uat_rd_u8(r, "Param1", &s->param1));
    at = uat_rd_pos(r);
    UAT_TRY(uat_rd_u8(r, "Param2", &s->param2));
    uint8_t reserved = s->version >= UAT_SPDM_V12 ? 0xC0u : 0xF0u;
    UAT_ENSURE((s->param2 & reserved) == 0, UAT_ERR_PARSE_RESERVED_NONZERO, CHECK_RSP, "Param2",
               at);
    if ((s->param2 & 0x0Fu) != q->slot_id) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK_RSP, "Param2", at,
                         "signed with slot %u, the request asked for slot %u",
                         s->param2 & 0x0Fu, q->slot_id);
    }
    return UAT_OK;
}

static uat_err parse_tail(uat_reader *r, const uat_spdm_request *q, uat_spdm_response *s)
{
    uint16_t olen = 0;
    UAT_TRY(uat_rd_copy(r, s->nonce, UAT_SPDM_NONCE_LEN, "Nonce"));
    int64_t at = uat_rd_pos(r);
    UAT_TRY(uat_rd_u16le(r, "OpaqueLength", &olen));
    if (olen > MAX_OPAQUE_LEN) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_LENGTH, CHECK_RSP, "OpaqueLength", at,
                         "%u bytes of opaque data (at most 1024)", olen);
    }
    UAT_TRY(uat_rd_span(r, olen, "OpaqueData", &s->opaque));
    if (q->has_context) {
        uint8_t ctx[UAT_SPDM_CONTEXT_LEN];
        at = uat_rd_pos(r);
        UAT_TRY(uat_rd_copy(r, ctx, sizeof(ctx), "RequesterContext"));
        UAT_ENSURE(memcmp(ctx, q->context, sizeof(ctx)) == 0, UAT_ERR_PARSE_BAD_VALUE, CHECK_RSP,
                   "RequesterContext", at);
    }
    return UAT_OK;
}

/* After the signature: nothing, or exactly one zero byte (a quirk of real H100 reports: the
 * corpus' g2 has one; PROVENANCE.md). Anything else is trailing bytes. */
static uat_err parse_trailer(uat_reader *r, uat_spdm_response *s)
{
    uat_span rest;
    int64_t at = uat_rd_pos(r);
    uat_rd_rest(r, &rest);
    if (rest.len > 1 || (rest.len == 1 && rest.p[0] != 0)) {
        return UAT_FAILF(UAT_ERR_PARSE_TRAILING_BYTES, CHECK_RSP, "Signature", at,
                         "%zu byte(s) after the signature (only one zero byte is tolerated)",
                         rest.len);
    }
    s->trailing = rest.len;
    return UAT_OK;
}

uat_err uat_nvgpu_report_parse(uat_span in, uat_nvgpu_report *out)
{
    UAT_ENSURE(out != NULL && (in.p != NULL || in.len == 0), UAT_ERR_USAGE_INVALID_ARGUMENT,
               CHECK_REQ, "", -1);
    UAT_ENSURE(in.len <= UAT_MAX_EVIDENCE_BYTES, UAT_ERR_RESOURCE_LIMIT, CHECK_REQ, "", -1);
    uat_reader r;
    uat_rd_init(&r, in, CHECK_REQ);
    memset(out, 0, sizeof(*out));
    UAT_TRY(parse_request(&r, &out->req));
    out->request = uat_span_of(in.p, (size_t)uat_rd_pos(&r));
    r.check = CHECK_RSP;
    UAT_TRY(parse_header(&r, &out->req, &out->rsp));
    int64_t at = uat_rd_pos(&r);
    UAT_TRY(parse_record(&r, &out->rsp));
    UAT_TRY(check_operation(&out->req, &out->rsp, at));
    UAT_TRY(parse_tail(&r, &out->req, &out->rsp));
    out->signed_span = uat_span_of(in.p, (size_t)uat_rd_pos(&r));
    UAT_TRY(uat_rd_span(&r, UAT_SPDM_P384_SIG_LEN, "Signature", &out->rsp.signature));
    UAT_TRY(parse_trailer(&r, &out->rsp));
    int64_t opaque_at = (int64_t)(out->rsp.opaque.p - in.p);
    return uat_nvgpu_opaque_parse(out->rsp.opaque, opaque_at, &out->opaque);
}

static uat_err describe_blocks(const uat_spdm_response *s, json_t *o)
{
    json_t *list = json_array();
    UAT_TRY(uat_json_set(o, "measurement_blocks", list));
    for (unsigned i = 0; i < s->nblocks; i++) {
        const uat_spdm_block *b = &s->blocks[i];
        json_t *e = json_object();
        UAT_ENSURE(e != NULL && json_array_append_new(list, e) == 0, UAT_ERR_RESOURCE_NO_MEMORY,
                   CHECK_RSP, "measurement_blocks", -1);
        UAT_TRY(uat_json_set_int(e, "index", b->index));
        UAT_TRY(uat_json_set_int(e, "measurement_specification", b->spec));
        UAT_TRY(uat_json_set_int(e, "value_type", b->value_type & 0x7Fu));
        UAT_TRY(uat_json_set_bool(e, "raw_bit_stream", (b->value_type & 0x80u) != 0));
        UAT_TRY(uat_json_set_hex(e, "value", b->value.p, b->value.len));
    }
    return UAT_OK;
}

uat_err uat_nvgpu_report_describe(const uat_nvgpu_report *r, json_t *o)
{
    char v[8];
    snprintf(v, sizeof(v), "%u.%u", r->req.version >> 4, r->req.version & 0x0Fu);
    UAT_TRY(uat_json_set_str(o, "spdm_version", v));
    UAT_TRY(uat_json_set_int(o, "request_param1", r->req.param1));
    UAT_TRY(uat_json_set_int(o, "measurement_operation", r->req.param2));
    UAT_TRY(uat_json_set_int(o, "slot_id", r->req.slot_id));
    UAT_TRY(uat_json_set_hex(o, "request_nonce", r->req.nonce, UAT_SPDM_NONCE_LEN));
    if (r->req.has_context) {
        UAT_TRY(uat_json_set_hex(o, "requester_context", r->req.context, UAT_SPDM_CONTEXT_LEN));
    }
    UAT_TRY(uat_json_set_int(o, "response_param1", r->rsp.param1));
    UAT_TRY(uat_json_set_int(o, "response_param2", r->rsp.param2));
    UAT_TRY(uat_json_set_int(o, "number_of_blocks", r->rsp.nblocks));
    UAT_TRY(uat_json_set_hex(o, "responder_nonce", r->rsp.nonce, UAT_SPDM_NONCE_LEN));
    UAT_TRY(describe_blocks(&r->rsp, o));
    json_t *op = json_object();
    UAT_TRY(uat_json_set(o, "opaque_data", op));
    UAT_TRY(uat_nvgpu_opaque_describe(&r->opaque, op));
    UAT_TRY(uat_json_set_hex(o, "signature", r->rsp.signature.p, r->rsp.signature.len));
    return uat_json_set_int(o, "trailing_zero_bytes", (int64_t)r->rsp.trailing);
}
