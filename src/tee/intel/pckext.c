/* SGX extensions of the PCK certificate (pure DER parsing).
 * spec: Intel SGX PCK Certificate and CRL Profile 1.5 §1.3.5, OID 1.2.840.113741.1.13.1.x */
#include <string.h>

#include "core/der.h"
#include "tee/intel/intel.h"

#define CHECK "intel.pck_ext"
#define SGX_OID_PREFIX "1.2.840.113741.1.13.1"

/* The last arc of an OID under prefix (e.g. 4 for FMSPC), or -1. */
static int arc_under(uat_span oid, const char *prefix)
{
    uint8_t enc[32];
    size_t n = uat_der_oid_encode(prefix, enc, sizeof(enc));
    if (n == 0 || oid.len != n + 1 || memcmp(oid.p, enc, n) != 0 || oid.p[n] >= 0x80) {
        return -1;
    }
    return oid.p[n];
}

/* spec: §1.3.5: TCB = SEQUENCE of 18 (OID, value): comp 1-16 SVNs, 17 PCESVN, 18 CPUSVN */
static uat_err parse_tcb(uat_reader *r, uat_pck_ext *e)
{
    uat_reader seq;
    UAT_TRY(uat_der_element(r, UAT_DER_SEQUENCE, "tcb", &seq));
    unsigned seen = 0;
    while (uat_rd_left(&seq) > 0) {
        uat_reader item;
        uat_span oid;
        UAT_TRY(uat_der_element(&seq, UAT_DER_SEQUENCE, "tcb_component", &item));
        UAT_TRY(uat_der_oid(&item, "tcb_component", &oid));
        int arc = arc_under(oid, SGX_OID_PREFIX ".2");
        UAT_ENSURE(arc >= 1 && arc <= 18 && (seen & (1u << arc)) == 0, UAT_ERR_PARSE_BAD_VALUE,
                   CHECK, "tcb_component", item.base);
        seen |= 1u << arc;
        uint64_t v = 0;
        if (arc == 18) {
            UAT_TRY(uat_der_octets(&item, 16, "cpusvn", e->cpusvn));
        } else {
            UAT_TRY(uat_der_uint(&item, UAT_DER_INTEGER, "tcb_component", &v));
            UAT_ENSURE(v <= (arc == 17 ? 0xffffu : 0xffu), UAT_ERR_PARSE_BAD_VALUE, CHECK,
                       "tcb_component", item.base);
            if (arc == 17) {
                e->pcesvn = (uint16_t)v;
            } else {
                e->tcb_comp[arc - 1] = (uint8_t)v;
            }
        }
        UAT_TRY(uat_rd_end(&item));
    }
    UAT_ENSURE(seen == 0x7fffeu, UAT_ERR_PARSE_BAD_VALUE, CHECK, "tcb", seq.base);
    return UAT_OK;
}

/* spec: §1.3.5: Configuration = SEQUENCE of (OID, BOOLEAN): 1 dynamicPlatform, 2 cachedKeys, 3 SMTEnabled */
static uat_err parse_configuration(uat_reader *r, uat_pck_ext *e)
{
    uat_reader seq;
    UAT_TRY(uat_der_element(r, UAT_DER_SEQUENCE, "configuration", &seq));
    while (uat_rd_left(&seq) > 0) {
        uat_reader item;
        uat_span oid;
        int v = 0;
        UAT_TRY(uat_der_element(&seq, UAT_DER_SEQUENCE, "configuration", &item));
        UAT_TRY(uat_der_oid(&item, "configuration", &oid));
        UAT_TRY(uat_der_bool(&item, "configuration", &v));
        UAT_TRY(uat_rd_end(&item));
        int arc = arc_under(oid, SGX_OID_PREFIX ".7");
        UAT_ENSURE(arc >= 1 && arc <= 3, UAT_ERR_PARSE_BAD_VALUE, CHECK, "configuration", item.base);
        *(arc == 1 ? &e->dynamic_platform : arc == 2 ? &e->cached_keys : &e->smt_enabled) = v;
    }
    return UAT_OK;
}

static uat_err parse_item(uat_reader *item, int arc, uat_pck_ext *e, unsigned *seen)
{
    uint64_t v = 0;
    UAT_ENSURE(arc >= 1 && arc <= 7 && (*seen & (1u << arc)) == 0, UAT_ERR_PARSE_BAD_VALUE, CHECK,
               "sgx_extension", item->base);
    *seen |= 1u << arc;
    switch (arc) {
    case 1:
        return uat_der_octets(item, 16, "ppid", e->ppid);
    case 2:
        return parse_tcb(item, e);
    case 3:
        return uat_der_octets(item, 2, "pceid", e->pceid);
    case 4:
        return uat_der_octets(item, 6, "fmspc", e->fmspc);
    case 5:
        UAT_TRY(uat_der_uint(item, UAT_DER_ENUMERATED, "sgx_type", &v));
        UAT_ENSURE(v <= 2, UAT_ERR_PARSE_BAD_VALUE, CHECK, "sgx_type", item->base);
        e->sgx_type = (uint32_t)v;
        return UAT_OK;
    case 6:
        e->has_platform = 1;
        return uat_der_octets(item, 16, "platform_instance_id", e->platform_instance_id);
    default:
        return parse_configuration(item, e);
    }
}

uat_err uat_pck_ext_parse(uat_span der, uat_pck_ext *out)
{
    uat_reader r, seq;
    uat_rd_init(&r, der, CHECK);
    uat_pck_ext e;
    memset(&e, 0, sizeof(e));
    unsigned seen = 0;
    UAT_TRY(uat_der_element(&r, UAT_DER_SEQUENCE, "sgx_extensions", &seq));
    UAT_TRY(uat_rd_end(&r));
    while (uat_rd_left(&seq) > 0) {
        uat_reader item;
        uat_span oid;
        UAT_TRY(uat_der_element(&seq, UAT_DER_SEQUENCE, "sgx_extension", &item));
        UAT_TRY(uat_der_oid(&item, "sgx_extension", &oid));
        UAT_TRY(parse_item(&item, arc_under(oid, SGX_OID_PREFIX), &e, &seen));
        UAT_TRY(uat_rd_end(&item));
    }
    /* PPID, TCB, PCE-ID, FMSPC and SGX Type are mandatory */
    UAT_ENSURE((seen & 0x3eu) == 0x3eu, UAT_ERR_PARSE_BAD_VALUE, CHECK, "sgx_extensions", 0);
    *out = e;
    return UAT_OK;
}
