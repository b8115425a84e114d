/* Intel TCB evaluation (tcb.c). */
#ifndef UAT_TEE_INTEL_TCB_H
#define UAT_TEE_INTEL_TCB_H

#include "tee/intel/collateral.h"

typedef struct uat_tcb_result {
    enum uat_tcb_status status;    /* converged platform + module + QE status */
    enum uat_tcb_status qe_status;
    uat_time date;                 /* the matching platform TCB level's tcbDate */
    json_t *advisories;            /* owned array: union of every matched level's advisoryIDs */
} uat_tcb_result;

enum uat_tcb_status uat_tcb_converge(enum uat_tcb_status platform, enum uat_tcb_status other);
/* The first TCB level the PCK's components and PCESVN (and, for TDX, TEE_TCB_SVN) reach. */
UAT_MUST_USE uat_err uat_tcb_eval_platform(const uat_tcb_info *t, const uat_pck_ext *pck,
                                           const uat_td_report *td, uat_tcb_result *r);
UAT_MUST_USE uat_err uat_tcb_eval_module(const uat_tcb_info *t, const uat_td_report *td,
                                         uat_tcb_result *r);
UAT_MUST_USE uat_err uat_tcb_eval_qe(const uat_enclave_identity *e, const uat_sgx_report *qe,
                                     uat_tcb_result *r);

#endif
