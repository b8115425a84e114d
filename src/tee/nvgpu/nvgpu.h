/* NVIDIA GPUs (Hopper and later): an SPDM GET_MEASUREMENTS request and its signed MEASUREMENTS
 * response, with the device certificate chain (docs/nvgpu.md).
 *
 * spec: DMTF DSP0274 SPDM 1.1.1 §10.11 (GET_MEASUREMENTS Table 40, MEASUREMENTS Table 43,
 *       measurement block Table 44, DMTF measurement field Table 45, L1/L2 and the signature
 *       §10.11.1 / §15); DSP0274 1.2.1 §10.11 (the same message layouts, Param2 bits 4-5 of the
 *       response; the signed data then gains the 64-byte version prefix and the VCA transcript,
 *       §15); DSP0274 1.3.0 §10.11 (RequesterContext, 8 bytes, in the request and echoed after
 *       OpaqueData). NVIDIA opaque data: a sequence of TLVs {DataType u16le, DataSize u16le,
 *       Data} (NVIDIA nvtrust local GPU verifier, OpaqueDataType 1..25, 32..36); the leaf's FWID
 *       in the DICE CompositeDeviceID extension 2.23.133.5.4.1 (TCG DICE / RIoT:
 *       SEQUENCE { version INTEGER, deviceIdPublic SubjectPublicKeyInfo, fwid FWID }, FWID ::=
 *       SEQUENCE { hashAlg OBJECT IDENTIFIER, digest OCTET STRING }).
 *
 * Evidence (media type UAT_NVGPU_MEDIA_TYPE): one CBOR map with text keys
 *   "report" bstr    GET_MEASUREMENTS request ‖ MEASUREMENTS response, as exchanged
 *   "certs"  [+ bstr] the device certificate chain (DER), leaf first
 *   "arch"   tstr    optional: "HOPPER" or "BLACKWELL"
 * or trustee's NVIDIA evidence JSON ({"device_evidence_list": [{arch, uuid, evidence, certificate}]},
 * one device: evidence hex or base64, certificate base64 of the PEM chain), imported into the same
 * struct.
 */
#ifndef UAT_TEE_NVGPU_H
#define UAT_TEE_NVGPU_H

#include "core/limits.h"
#include "core/reader.h"
#include "crypto/crypto.h"
#include "evidence/registry.h"

#define UAT_NVGPU_NAME "nvidia-gpu"
#define UAT_NVGPU_MEDIA_TYPE "application/vnd.uattest.nvidia-gpu+cbor"

/* spec: DSP0274 Table 4 (request/response codes), Table 40, Table 43 */
#define UAT_SPDM_GET_MEASUREMENTS 0xE0u
#define UAT_SPDM_MEASUREMENTS 0x60u
#define UAT_SPDM_V11 0x11u
#define UAT_SPDM_V12 0x12u
#define UAT_SPDM_V13 0x13u
#define UAT_SPDM_NONCE_LEN 32u
#define UAT_SPDM_CONTEXT_LEN 8u       /* RequesterContext, 1.3 and later */
#define UAT_SPDM_MAX_BLOCKS 255u      /* NumberOfBlocks is one byte */
#define UAT_SPDM_MEAS_SPEC_DMTF 0x01u /* MeasurementSpecification bit 0 */
#define UAT_SPDM_P384_SIG_LEN 96u     /* TPM_ALG_ECDSA_ECC_NIST_P384: r ‖ s, 48 bytes each */
#define UAT_NVGPU_FWID_LEN 48u        /* SHA-384 */
#define UAT_NVGPU_FWID_OID "2.23.133.5.4.1"

typedef struct uat_spdm_request {
    uint8_t version;
    uint8_t param1;    /* bit 0: signature requested */
    uint8_t param2;    /* measurement operation: 0 count, 1..0xFE one index, 0xFF all */
    uint8_t nonce[UAT_SPDM_NONCE_LEN];
    uint8_t slot_id;   /* SlotIDParam bits 0-3 */
    uint8_t context[UAT_SPDM_CONTEXT_LEN];
    int has_context;
} uat_spdm_request;

typedef struct uat_spdm_block {
    uint8_t index;
    uint8_t spec;       /* MeasurementSpecification */
    uint8_t value_type; /* DMTFSpecMeasurementValueType: bits 0-6 type, bit 7 raw bit stream */
    uat_span value;     /* DMTFSpecMeasurementValue */
} uat_spdm_block;

typedef struct uat_spdm_response {
    uint8_t version;
    uint8_t param1;
    uint8_t param2;
    uint8_t nblocks;
    uat_span record; /* MeasurementRecord */
    uat_spdm_block blocks[UAT_SPDM_MAX_BLOCKS];
    uint8_t nonce[UAT_SPDM_NONCE_LEN];
    uat_span opaque;
    uat_span signature;
    size_t trailing; /* zero bytes after the signature (at most one, see spdm.c) */
} uat_spdm_response;


/* NVIDIA opaque data types (nvtrust OpaqueDataType) */
enum uat_nvgpu_opaque_type {
    UAT_NV_OPAQUE_DRIVER_VERSION = 3,
    UAT_NV_OPAQUE_VBIOS_VERSION = 6,
    UAT_NV_OPAQUE_NVDEC0_STATUS = 11,
    UAT_NV_OPAQUE_MSRSCNT = 12,
    UAT_NV_OPAQUE_CHIP_SKU = 15,
    UAT_NV_OPAQUE_PROJECT = 17,
    UAT_NV_OPAQUE_PROJECT_SKU = 18,
    UAT_NV_OPAQUE_FWID = 20,
};

typedef struct uat_nvgpu_tlv {
    uint16_t type;
    uat_span data;
    int64_t at; /* input offset of the TLV */
} uat_nvgpu_tlv;

typedef struct uat_nvgpu_opaque {
    size_t n;
    uat_nvgpu_tlv items[UAT_MAX_SPDM_OPAQUE_ITEMS];
} uat_nvgpu_opaque;

typedef struct uat_nvgpu_report {
    uat_spdm_request req;
    uat_spdm_response rsp;
    uat_nvgpu_opaque opaque; /* rsp.opaque as NVIDIA TLVs */
    uat_span request;        /* the request bytes */
    uat_span signed_span;    /* request ‖ response without its signature (SPDM 1.1 L1) */
} uat_nvgpu_report;

/* spdm.c: pure. The request, then the response to its end; after the signature only one
 * all-zero byte is accepted (rsp.trailing). */
UAT_MUST_USE uat_err uat_nvgpu_report_parse(uat_span in, uat_nvgpu_report *out);
UAT_MUST_USE uat_err uat_nvgpu_report_describe(const uat_nvgpu_report *r, json_t *o);

/* opaque.c: pure. The TLVs (duplicates and unknown-but-well-formed types kept; a type appearing
 * twice is PARSE_BAD_VALUE); base is the absolute offset of in for errors. */
UAT_MUST_USE uat_err uat_nvgpu_opaque_parse(uat_span in, int64_t base, uat_nvgpu_opaque *out);
const uat_nvgpu_tlv *uat_nvgpu_opaque_find(const uat_nvgpu_opaque *o, uint16_t type);
/* Every TLV by its name (unknown types as "type_<n>", raw hex) into o. */
UAT_MUST_USE uat_err uat_nvgpu_opaque_describe(const uat_nvgpu_opaque *op, json_t *o);
/* "96.00.9f.00.01" from the VBIOS_VERSION data; PARSE_BAD_LENGTH unless 8 bytes. */
UAT_MUST_USE uat_err uat_nvgpu_vbios_string(const uat_nvgpu_tlv *t, char out[32]);
/* The FWID of a CompositeDeviceID extension value (DER): SHA-384 only. */
UAT_MUST_USE uat_err uat_nvgpu_fwid_parse(uat_span ext, uint8_t fwid[UAT_NVGPU_FWID_LEN]);

/* evidence.c */
typedef struct uat_nvgpu_evidence {
    uat_span report;
    size_t ncerts;
    uat_span certs[UAT_MAX_CERT_CHAIN];
    char arch[16]; /* "" when absent */
    char uuid[64]; /* trustee's device uuid, "" when absent */
} uat_nvgpu_evidence;
/* Imported bytes (trustee JSON) live here; spans of the evidence point into it or the input. */
typedef struct uat_nvgpu_store {
    uat_buf report;
    uat_der_list certs;
} uat_nvgpu_store;
UAT_MUST_USE uat_err uat_nvgpu_evidence_decode(uat_span in, uat_nvgpu_evidence *out);
UAT_MUST_USE uat_err uat_nvgpu_evidence_encode(const uat_nvgpu_evidence *ev, uat_buf *out);
/* Either form; store is always initialised and must be freed. */
UAT_MUST_USE uat_err uat_nvgpu_load(uat_span in, uat_nvgpu_store *store, uat_nvgpu_evidence *out);
void uat_nvgpu_store_free(uat_nvgpu_store *store);
int uat_nvgpu_sniff(uat_span in);

/* verify.c */
UAT_MUST_USE uat_err uat_nvgpu_verify(uat_span in, const uat_verify_ctx *ctx, uat_claims *claims,
                                      uat_verify_out *out);

/* attest.c: the report and chain through NVML (dlopen), as the CBOR evidence map */
UAT_MUST_USE uat_err uat_nvgpu_collect(const uat_attest_ctx *ctx, const uint8_t *report_data,
                                       uat_buf *out);

extern const uat_tee_ops uat_tee_nvgpu;

#endif
