/* The TPM device side shared by the attester (attest.c) and credential activation
 * (credential.c), implemented in esys.c: a tpm2-tss ESAPI connection through a TCTI the caller
 * names, TSS errors as uat_err, the attestation key. Only the tpm2-tss users of src/tee/tpm/
 * include this. */
#ifndef UAT_TEE_TPM_ESYS_H
#define UAT_TEE_TPM_ESYS_H

#include <tss2/tss2_esys.h>

#include "tee/tpm/tpm.h"

typedef struct uat_tpm_dev {
    TSS2_TCTI_CONTEXT *tcti;
    ESYS_CONTEXT *esys;
} uat_tpm_dev;

/* The TCTI configuration of option "tcti", else device:<root>/dev/tpmrm0 written into def. */
const char *uat_tpm_tcti_conf(const uat_attest_ctx *ctx, char *def, size_t cap);
/* Opens the TCTI of option "tcti" (default device:<root>/dev/tpmrm0) and an ESAPI context. */
UAT_MUST_USE uat_err uat_tpm_dev_open(const uat_attest_ctx *ctx, uat_tpm_dev *dev);
void uat_tpm_dev_close(uat_tpm_dev *dev);

/* A TSS return code as PLATFORM_DEVICE: the TPM command is the check, Tss2_RC_Decode the detail. */
uat_err uat_tpm_tss_fail(TSS2_RC rc, const char *check, const char *field, const char *file,
                         int line);
#define UAT_TSS_FAIL(rc, check, field) uat_tpm_tss_fail((rc), (check), (field), __FILE__, __LINE__)

/* A numeric attester option (0x… or decimal, at most 32 bits); def when absent. */
UAT_MUST_USE uat_err uat_tpm_opt_u32(const uat_attest_ctx *ctx, const char *key, uint32_t def,
                                     uint32_t *out);

/* True when a handle (persistent object or NV index) exists on the TPM. */
UAT_MUST_USE uat_err uat_tpm_handle_present(uat_tpm_dev *dev, TPM2_HANDLE h, int *present);

/* The attestation key of options "ak-handle" / "ak-alg": loaded from its persistent handle (and
 * checked to be a restricted signing key of that algorithm) or created there (CreatePrimary in
 * the endorsement hierarchy, EvictControl). *ak: close with Esys_TR_Close; *pub: Esys_Free. */
UAT_MUST_USE uat_err uat_tpm_ak_load(uat_tpm_dev *dev, const uat_attest_ctx *ctx, ESYS_TR *ak,
                                     TPM2B_PUBLIC **pub);

/* The attester's collect on an open device (a bound key's connection; dev NULL: its own). */
UAT_MUST_USE uat_err uat_tpm_collect_dev(const uat_attest_ctx *ctx, uat_tpm_dev *dev,
                                         const uint8_t *report_data, uat_buf *out);

/* kx.c: the bound-key operations (registry.h, the channel's bare mode): an ECDH P-256 key made by
 * TPM2_Create under a transient storage primary, with fixedTPM, fixedParent, sensitiveDataOrigin,
 * userWithAuth and decrypt (option kx-fixed-tpm=no drops fixedTPM and fixedParent: a test knob);
 * TPM2_Certify by the AK (option kx-ak-handle: another AK, a test knob) and TPM2_Quote with the
 * report data as qualifying data; TPM2_ECDH_ZGen. */

#endif
