/* Intel DCAP collateral: TCB info, enclave identities, CRLs, TCB signing certificates. */
#ifndef UAT_TEE_INTEL_COLLATERAL_H
#define UAT_TEE_INTEL_COLLATERAL_H

#include <jansson.h>

#include "tee/intel/intel.h"

enum uat_tcb_status {
    UAT_TCB_UP_TO_DATE,
    UAT_TCB_SW_HARDENING_NEEDED,
    UAT_TCB_CONFIGURATION_NEEDED,
    UAT_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED,
    UAT_TCB_OUT_OF_DATE,
    UAT_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED,
    UAT_TCB_REVOKED,
};
const char *uat_tcb_status_name(enum uat_tcb_status s);
UAT_MUST_USE uat_err uat_tcb_status_parse(const char *s, enum uat_tcb_status *out);

typedef struct uat_tcb_level {
    uint8_t sgx_comp[16];
    uint16_t pcesvn;
    uint8_t tdx_comp[16];
    uint16_t isvsvn; /* identities and TDX module identities */
    uat_time tcb_date;
    enum uat_tcb_status status;
    json_t *advisories; /* owned array of strings (maybe empty) */
} uat_tcb_level;

typedef struct uat_tdx_module_id {
    char id[16]; /* "TDX_01" */
    uint8_t mrsigner[48];
    uint8_t attributes[8];
    uint8_t attributes_mask[8];
    size_t nlevels;
    uat_tcb_level *levels;
} uat_tdx_module_id;

/* spec: Intel PCS API v4: TCB Info v2 (SGX) / v3 (SGX, TDX) */
typedef struct uat_tcb_info {
    int is_tdx;
    int version;
    uat_time issue_date, next_update;
    uint8_t fmspc[6];
    uint8_t pceid[2];
    uint32_t eval_number;
    size_t nlevels;
    uat_tcb_level *levels;
    int has_module;
    uat_tdx_module_id module; /* tdxModule: mrsigner and attributes only */
    size_t nmodule_ids;
    uat_tdx_module_id *module_ids;
    uat_span body;         /* the signed bytes (points into raw) */
    uint8_t signature[64];
    uat_buf raw;           /* the whole file */
} uat_tcb_info;

/* spec: Intel PCS API v4: Enclave Identity v2 (QE, QVE, TD_QE) */
typedef struct uat_enclave_identity {
    char id[8];
    int version;
    uat_time issue_date, next_update;
    uint32_t eval_number;
    uint32_t miscselect, miscselect_mask;
    uint8_t attributes[16], attributes_mask[16];
    uint8_t mrsigner[32];
    uint16_t isvprodid;
    size_t nlevels;
    uat_tcb_level *levels;
    uat_span body;
    uint8_t signature[64];
    uat_buf raw;
} uat_enclave_identity;

/* tcbinfo.c: pure parsing of the PCS JSON (takes a copy of text) */
UAT_MUST_USE uat_err uat_tcb_info_parse(uat_span text, uat_tcb_info *out);
void uat_tcb_info_free(uat_tcb_info *t);
UAT_MUST_USE uat_err uat_identity_parse(uat_span text, uat_enclave_identity *out);
void uat_identity_free(uat_enclave_identity *e);

#endif
