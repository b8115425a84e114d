/* Intel TCB evaluation, as the Quote Verification Library does it.
 * spec: Intel SGX/TDX DCAP QVL, TcbLevelCheck / TdxModuleCheck / QE identity checks;
 *       PCS API v4 "TCB Info V3" (tdxModuleIdentities, tdxtcbcomponents). */
#include <string.h>

#include "tee/intel/tcb.h"

#define CHECK "intel.tcb"

static int sgx_level_matches(const uat_tcb_level *l, const uat_pck_ext *pck)
{
    for (size_t i = 0; i < 16; i++) {
        if (pck->tcb_comp[i] < l->sgx_comp[i]) {
            return 0;
        }
    }
    return pck->pcesvn >= l->pcesvn;
}

/* spec: QVL TcbLevelCheck: with TDX module identities and TEE_TCB_SVN[1] > 0, components 0 and 1
 * (the module's SVN and major version) are judged by the module identity, not by the level */
static int tdx_level_matches(const uat_tcb_level *l, const uint8_t tee_tcb_svn[16], int skip01)
{
    for (size_t i = skip01 ? 2 : 0; i < 16; i++) {
        if (tee_tcb_svn[i] < l->tdx_comp[i]) {
            return 0;
        }
    }
    return 1;
}

/* spec: QVL convergeTcbStatusWithQeTcbStatus (also used for the TDX module status) */
enum uat_tcb_status uat_tcb_converge(enum uat_tcb_status platform, enum uat_tcb_status other)
{
    if (other == UAT_TCB_REVOKED) {
        return UAT_TCB_REVOKED;
    }
    if (other == UAT_TCB_OUT_OF_DATE || other == UAT_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED) {
        if (platform == UAT_TCB_UP_TO_DATE || platform == UAT_TCB_SW_HARDENING_NEEDED) {
            return UAT_TCB_OUT_OF_DATE;
        }
        if (platform == UAT_TCB_CONFIGURATION_NEEDED ||
            platform == UAT_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED) {
            return UAT_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED;
        }
    }
    return platform;
}

static uat_err add_advisories(json_t *into, json_t *from)
{
    size_t i;
    json_t *v;
    json_array_foreach(from, i, v)
    {
        UAT_ENSURE(json_is_string(v), UAT_ERR_PARSE_BAD_JSON, CHECK, "advisoryIDs", -1);
        int seen = 0;
        size_t k;
        json_t *w;
        json_array_foreach(into, k, w)
        {
            seen |= json_equal(v, w);
        }
        if (!seen && json_array_append(into, v) != 0) {
            return UAT_NOMEM(CHECK);
        }
    }
    return UAT_OK;
}

uat_err uat_tcb_eval_platform(const uat_tcb_info *t, const uat_pck_ext *pck,
                              const uat_td_report *td, uat_tcb_result *r)
{
    int skip01 = td != NULL && t->nmodule_ids > 0 && td->tee_tcb_svn[1] > 0;
    for (size_t i = 0; i < t->nlevels; i++) {
        const uat_tcb_level *l = &t->levels[i];
        if (sgx_level_matches(l, pck) && (td == NULL || tdx_level_matches(l, td->tee_tcb_svn, skip01))) {
            r->status = l->status;
            r->date = l->tcb_date;
            return add_advisories(r->advisories, l->advisories);
        }
    }
    return UAT_FAILF(UAT_ERR_VERIFY_TCB, CHECK, "tcbLevels", -1,
                     "no TCB level of the %s TCB info matches the platform (TCB_NOT_SUPPORTED)",
                     t->is_tdx ? "TDX" : "SGX");
}

static const uat_tdx_module_id *find_module(const uat_tcb_info *t, uint8_t major)
{
    char id[16];
    snprintf(id, sizeof(id), "TDX_%02u", major);
    for (size_t i = 0; i < t->nmodule_ids; i++) {
        if (strcmp(t->module_ids[i].id, id) == 0) {
            return &t->module_ids[i];
        }
    }
    return NULL;
}

static int attributes_match(const uint8_t *have, const uint8_t *want, const uint8_t *mask, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if ((have[i] & mask[i]) != (want[i] & mask[i])) {
            return 0;
        }
    }
    return 1;
}

/* spec: QVL TdxModuleCheck: MRSIGNERSEAM and SEAMATTRIBUTES against tdxModule or the identity
 * TDX_<TEE_TCB_SVN[1]>, whose TCB level is chosen by TEE_TCB_SVN[0] */
uat_err uat_tcb_eval_module(const uat_tcb_info *t, const uat_td_report *td, uat_tcb_result *r)
{
    const uat_tdx_module_id *m = &t->module;
    const uat_tdx_module_id *ident = NULL;
    if (t->nmodule_ids > 0 && td->tee_tcb_svn[1] > 0) {
        ident = find_module(t, td->tee_tcb_svn[1]);
        UAT_ENSURE(ident != NULL, UAT_ERR_VERIFY_TCB, CHECK, "tdxModuleIdentities", -1);
        m = ident;
    } else if (!t->has_module) {
        return UAT_FAIL(UAT_ERR_VERIFY_COLLATERAL, CHECK, "tdxModule", -1);
    }
    UAT_ENSURE(memcmp(td->mr_signer_seam, m->mrsigner, 48) == 0, UAT_ERR_VERIFY_MEASUREMENT, CHECK,
               "mr_signer_seam", -1);
    UAT_ENSURE(attributes_match(td->seam_attributes, m->attributes, m->attributes_mask, 8),
               UAT_ERR_VERIFY_MEASUREMENT, CHECK, "seam_attributes", -1);
    if (ident == NULL) {
        return UAT_OK;
    }
    for (size_t i = 0; i < ident->nlevels; i++) {
        if (td->tee_tcb_svn[0] >= ident->levels[i].isvsvn) {
            r->status = uat_tcb_converge(r->status, ident->levels[i].status);
            return add_advisories(r->advisories, ident->levels[i].advisories);
        }
    }
    r->status = UAT_TCB_REVOKED; /* spec: QVL: no module TCB level means the module is revoked */
    return UAT_OK;
}

/* spec: QVL QE identity check: MRSIGNER, ISVPRODID, MISCSELECT and ATTRIBUTES under their masks,
 * then the QE's TCB level by ISVSVN (no level: Revoked) */
uat_err uat_tcb_eval_qe(const uat_enclave_identity *e, const uat_sgx_report *qe, uat_tcb_result *r)
{
    UAT_ENSURE(memcmp(qe->mr_signer, e->mrsigner, 32) == 0, UAT_ERR_VERIFY_MEASUREMENT,
               "intel.qe_identity", "mr_signer", -1);
    UAT_ENSURE(qe->isv_prod_id == e->isvprodid, UAT_ERR_VERIFY_MEASUREMENT, "intel.qe_identity",
               "isv_prod_id", -1);
    UAT_ENSURE((qe->misc_select & e->miscselect_mask) == (e->miscselect & e->miscselect_mask),
               UAT_ERR_VERIFY_MEASUREMENT, "intel.qe_identity", "misc_select", -1);
    UAT_ENSURE(attributes_match(qe->attributes, e->attributes, e->attributes_mask, 16),
               UAT_ERR_VERIFY_MEASUREMENT, "intel.qe_identity", "attributes", -1);
    enum uat_tcb_status qe_status = UAT_TCB_REVOKED;
    for (size_t i = 0; i < e->nlevels; i++) {
        if (qe->isv_svn >= e->levels[i].isvsvn) {
            qe_status = e->levels[i].status;
            UAT_TRY(add_advisories(r->advisories, e->levels[i].advisories));
            break;
        }
    }
    r->qe_status = qe_status;
    r->status = uat_tcb_converge(r->status, qe_status);
    return UAT_OK;
}
