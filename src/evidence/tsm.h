/* Linux configfs-tsm reports (Documentation/ABI/testing/configfs-tsm), shared by every TEE whose
 * kernel driver exposes it (TDX, SEV-SNP, Arm CCA). The root path is a parameter, so tests run on
 * a fake tree. */
#ifndef UAT_EVIDENCE_TSM_H
#define UAT_EVIDENCE_TSM_H

#include "core/buf.h"

#define UAT_TSM_REPORT_DIR "sys/kernel/config/tsm/report"

typedef struct uat_tsm_request {
    const char *root;     /* filesystem root, "/" in production */
    const char *entry;    /* report entry name; NULL: "uattest-<pid>" */
    const char *provider; /* expected provider ("tdx_guest", "sev_guest", "arm_cca_guest") */
    const uint8_t *inblob;
    size_t inblob_len;    /* at most 64 */
    int privlevel;        /* SEV-SNP VMPL, -1 to leave unset */
} uat_tsm_request;

/* Writes inblob, reads outblob (and auxblob when aux is not NULL) and checks that no other writer
 * changed the report in between (generation). The entry is removed afterwards when it was created. */
UAT_MUST_USE uat_err uat_tsm_report(const uat_tsm_request *req, uat_buf *outblob, uat_buf *aux);
/* True when root has a configfs-tsm report directory. */
int uat_tsm_available(const char *root);

#endif
