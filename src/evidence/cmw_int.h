/* Internal CMW model shared by the JSON and CBOR codecs. */
#ifndef UAT_EVIDENCE_CMW_INT_H
#define UAT_EVIDENCE_CMW_INT_H

#include "core/buf.h"
#include "uattest/evidence.h"

struct uat_cmw {
    enum uat_cmw_kind kind;
    enum uat_cmw_format src;
    /* record */
    char *media_type; /* NULL when the type is a content-format */
    int32_t cf;       /* -1 when the type is a media type */
    int ind;          /* -1 when absent */
    /* record and tag */
    uint64_t tag;
    uint8_t *value;
    size_t value_len;
    /* collection */
    char *ctype;
    size_t n;
    char **labels;
    int *label_is_int; /* CBOR integer labels keep their type */
    uat_cmw **items;
};

/* Checks an RFC 6838 media type (type "/" subtype, optional parameters). */
UAT_MUST_USE uat_err uat_cmw_check_media_type(const char *s, size_t n, const char *check);
UAT_MUST_USE uat_err uat_cmw_check_indicator(int64_t ind, const char *check);
UAT_MUST_USE uat_err uat_cmw_alloc(enum uat_cmw_kind kind, uat_cmw **out);
UAT_MUST_USE uat_err uat_cmw_set_value(uat_cmw *c, const uint8_t *p, size_t n);
UAT_MUST_USE uat_err uat_cmw_add_entry(uat_cmw *c, const char *label, size_t label_len,
                                       int is_int, uat_cmw *item, const char *check);

UAT_MUST_USE uat_err uat_cmw_json_serialize(const uat_cmw *c, uat_buf *out);
UAT_MUST_USE uat_err uat_cmw_cbor_serialize(const uat_cmw *c, uat_buf *out);

#endif
