/* NVIDIA reference integrity manifests (RIMs): signed SWID tags carrying the golden SHA-384
 * measurements of a driver or a VBIOS (docs/nvgpu.md, "RIMs").
 *
 * spec: ISO/IEC 19770-2:2015 (SoftwareIdentity, Meta, Payload/Resource); TCG Reference Integrity
 *       Manifest Information Model 1.01 (Meta binding attributes); NVIDIA nvtrust local GPU
 *       verifier (rim/__init__.py, verifier.py: Resource type="Measurement" with index, active,
 *       alternatives, size and Hash0..Hash<n-1> in namespace xmlenc#sha384; golden index i is SPDM
 *       measurement block i+1); W3C XML-DSig 1.1 (the enveloped ds:Signature, KeyInfo/X509Data,
 *       signer certificate first).
 */
#ifndef UAT_TEE_NVGPU_RIM_H
#define UAT_TEE_NVGPU_RIM_H

#include "tee/nvgpu/nvgpu.h"

#define UAT_NVGPU_RIM_HASH_LEN 48u /* SHA-384, the only digest NVIDIA RIMs use */

typedef struct uat_nvgpu_rim_meas {
    unsigned index;
    int active;
    unsigned nalt;
    uint8_t alt[UAT_MAX_RIM_ALTERNATIVES][UAT_NVGPU_RIM_HASH_LEN];
} uat_nvgpu_rim_meas;

typedef struct uat_nvgpu_rim {
    struct _xmlDoc *doc; /* the parsed document: the XML signature is verified over this tree */
    char version[64];    /* Meta colloquialVersion: driver or VBIOS version */
    char product[64];    /* Meta product ("GH100") */
    char tag_id[160];    /* SoftwareIdentity tagId */
    size_t nmeas;
    uat_nvgpu_rim_meas meas[UAT_MAX_RIM_MEASUREMENTS];
    uat_der_list certs; /* KeyInfo/X509Data, signer first */
} uat_nvgpu_rim;

enum uat_nvgpu_rim_kind { UAT_NVGPU_RIM_DRIVER, UAT_NVGPU_RIM_VBIOS };

/* rim.c: pure. Parses with libxml2 (no network, no DTD, no entity expansion); PARSE_* on a
 * document that is not an NVIDIA RIM. */
UAT_MUST_USE uat_err uat_nvgpu_rim_parse(uat_span xml, uat_nvgpu_rim **out);
void uat_nvgpu_rim_free(uat_nvgpu_rim *r);

/* rim_verify.c: the signer chain (KeyInfo certificates) to a RIM root of
 * <trust_dir>/nvidia-gpu/ (a certificate whose subject CN contains "RIM") at time at, then the
 * XML signature with the signer key (xmlsec1). signer_cn receives the signer's CN. */
UAT_MUST_USE uat_err uat_nvgpu_rim_verify(const uat_nvgpu_rim *r, const char *trust_dir,
                                          uat_time at, char signer_cn[128]);
/* The report's version for kind (driver "550.90.07", VBIOS "96.00.9f.00.01") into out. */
UAT_MUST_USE uat_err uat_nvgpu_report_version(const uat_nvgpu_report *rep,
                                              enum uat_nvgpu_rim_kind kind, char out[64]);
/* Every active golden index must match one alternative in block index+1 (VERIFY_MEASUREMENT
 * naming the index otherwise); the RIM's version must be the report's (VERIFY_COLLATERAL).
 * Index 35 is skipped when NVDEC0_STATUS is 0x55 (nvtrust's rule). Writes "matched" (index ->
 * alternative number) and "skipped" (indices) into o. */
UAT_MUST_USE uat_err uat_nvgpu_rim_appraise(const uat_nvgpu_rim *r, const uat_nvgpu_report *rep,
                                            enum uat_nvgpu_rim_kind kind, json_t *o);
/* The RIMs (files ending .xml or .swidtag) of <collateral_dir>/nvidia-gpu/: when there is none, nothing is
 * appraised and o is left alone; otherwise a driver RIM and a VBIOS RIM with the report's
 * versions must verify (the first in name order that does is used) and match, and o["rim"]
 * receives the outcome per RIM. */
UAT_MUST_USE uat_err uat_nvgpu_rim_check(const uat_verify_ctx *ctx, const uat_nvgpu_report *rep,
                                         json_t *o);

#endif
