/* From input bytes (a CMW or raw evidence) to the TEE that handles them. */
#include "evidence/resolve.h"

#include "core/limits.h"
#include "evidence/jinzhao.h"

uat_err uat_resolve_input(const uint8_t *p, size_t n, uat_cmw **cmw)
{
    UAT_ENSURE(p != NULL || n == 0, UAT_ERR_USAGE_INVALID_ARGUMENT, "evidence", "", -1);
    UAT_ENSURE(n > 0, UAT_ERR_PARSE_TRUNCATED, "evidence", "", 0);
    UAT_ENSURE(n <= UAT_MAX_CMW_TEXT_BYTES, UAT_ERR_RESOURCE_LIMIT, "evidence", "", -1);
    if (uat_jinzhao_sniff(uat_span_of(p, n))) {
        /* a jinzhao report: its platform evidence, for the TEE its platform maps to */
        const uat_tee_ops *ops = NULL;
        uat_buf inner;
        uat_buf_init(&inner, UAT_MAX_EVIDENCE_BYTES);
        uat_err rc = uat_jinzhao_unwrap(uat_span_of(p, n), &ops, &inner);
        rc = rc == UAT_OK ? uat_cmw_record_new(ops->media_type, inner.p, inner.len,
                                               UAT_CMW_IND_EVIDENCE, cmw)
                          : rc;
        uat_buf_free(&inner);
        return rc;
    }
    const uat_tee_ops *raw = uat_registry_sniff(uat_span_of(p, n));
    if (raw != NULL) {
        /* raw evidence: wrap it so every caller sees one shape */
        return uat_cmw_record_new(raw->media_type, p, n, UAT_CMW_IND_EVIDENCE, cmw);
    }
    return uat_cmw_parse(p, n, cmw);
}

uat_err uat_resolve_record(const uat_cmw *c, const uat_tee_ops **ops, uat_span *value)
{
    const uat_tee_ops *o = NULL;
    switch (uat_cmw_kind(c)) {
    case UAT_CMW_RECORD:
        o = uat_registry_by_media_type(uat_cmw_media_type(c));
        if (o == NULL) {
            return UAT_FAILF(UAT_ERR_UNSUPPORTED_TEE, "evidence.type", "type", -1,
                             "no verifier for media type %s",
                             uat_cmw_media_type(c) ? uat_cmw_media_type(c) : "(content-format)");
        }
        break;
    case UAT_CMW_TAG: {
        const uint8_t *tp;
        size_t tn;
        uat_cmw_value(c, &tp, &tn);
        o = uat_registry_by_tag_value(uat_cmw_tag(c), uat_span_of(tp, tn));
        if (o == NULL) {
            return UAT_FAILF(UAT_ERR_UNSUPPORTED_TEE, "evidence.type", "tag", -1,
                             "no verifier for CBOR tag %llu", (unsigned long long)uat_cmw_tag(c));
        }
        break;
    }
    default:
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, "evidence.type", "", -1,
                         "composite evidence (a CMW collection) is verified as one by uat_verify; "
                         "this operation takes one member");
    }
    const uint8_t *vp;
    size_t vn;
    uat_cmw_value(c, &vp, &vn);
    *ops = o;
    *value = uat_span_of(vp, vn);
    return UAT_OK;
}
