/* RATS Conceptual Message Wrapper (draft-ietf-rats-msg-wrap): the evidence envelope.
 *
 * A CMW is a record (media type or CoAP content-format, value bytes, optional
 * indicator), a CBOR tag wrapping bytes, or a collection of labelled CMWs.
 * JSON and CBOR serializations round-trip exactly for canonical input.
 */
#ifndef UATTEST_EVIDENCE_H
#define UATTEST_EVIDENCE_H

#include "uattest/err.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct uat_cmw uat_cmw;

enum uat_cmw_kind {
    UAT_CMW_RECORD = 1,     /* [type, value, ?ind] */
    UAT_CMW_TAG = 2,        /* CBOR only: #6.<tag>(bstr) */
    UAT_CMW_COLLECTION = 3, /* {?"__cmwc_t": type, label: cmw, ...} */
};

enum uat_cmw_format {
    UAT_CMW_JSON = 1,
    UAT_CMW_CBOR = 2,
};

/* Indicator bits (draft-ietf-rats-msg-wrap §4.1). */
#define UAT_CMW_IND_REFERENCE_VALUES 1u
#define UAT_CMW_IND_ENDORSEMENTS 2u
#define UAT_CMW_IND_EVIDENCE 4u
#define UAT_CMW_IND_ATTESTATION_RESULTS 8u

/* Parses JSON or CBOR (chosen by the first byte). */
UAT_API UAT_MUST_USE uat_err uat_cmw_parse(const uint8_t *p, size_t n, uat_cmw **out);
UAT_API UAT_MUST_USE uat_err uat_cmw_parse_json(const uint8_t *p, size_t n, uat_cmw **out);
UAT_API UAT_MUST_USE uat_err uat_cmw_parse_cbor(const uint8_t *p, size_t n, uat_cmw **out);
/* Serializes; *out is malloc'd (JSON is NUL-terminated, not counted in *n). */
UAT_API UAT_MUST_USE uat_err uat_cmw_serialize(const uat_cmw *c, enum uat_cmw_format f,
                                               uint8_t **out, size_t *n);
/* The format uat_cmw_parse found, or 0 for objects built in memory. */
UAT_API enum uat_cmw_format uat_cmw_source_format(const uat_cmw *c);

/* A record with a media type (copied) and value (copied); indicator 0 = absent. */
UAT_API UAT_MUST_USE uat_err uat_cmw_record_new(const char *media_type, const uint8_t *value,
                                                size_t n, unsigned indicator, uat_cmw **out);
/* A record whose type is a CoAP content-format number (CBOR only). */
UAT_API UAT_MUST_USE uat_err uat_cmw_record_new_cf(uint16_t content_format, const uint8_t *value,
                                                   size_t n, unsigned indicator, uat_cmw **out);
UAT_API UAT_MUST_USE uat_err uat_cmw_tag_new(uint64_t tag, const uint8_t *value, size_t n,
                                             uat_cmw **out);
/* A collection; ctype ("__cmwc_t") may be NULL. */
UAT_API UAT_MUST_USE uat_err uat_cmw_collection_new(const char *ctype, uat_cmw **out);
/* Adds item under label; takes ownership of item on success only. Labels are unique. */
UAT_API UAT_MUST_USE uat_err uat_cmw_collection_add(uat_cmw *c, const char *label,
                                                    uat_cmw *item);
UAT_API void uat_cmw_free(uat_cmw *c);

UAT_API enum uat_cmw_kind uat_cmw_kind(const uat_cmw *c);
/* Record: media type, or NULL when the type is a content-format number. */
UAT_API const char *uat_cmw_media_type(const uat_cmw *c);
/* Record: content-format number, or -1 when the type is a media type. */
UAT_API int32_t uat_cmw_content_format(const uat_cmw *c);
/* Tag: the CBOR tag number (0 otherwise). */
UAT_API uint64_t uat_cmw_tag(const uat_cmw *c);
/* Record or tag: the value bytes (borrowed). */
UAT_API void uat_cmw_value(const uat_cmw *c, const uint8_t **p, size_t *n);
UAT_API unsigned uat_cmw_indicator(const uat_cmw *c);
/* Collection: type (may be NULL), number of entries, label and item by index. */
UAT_API const char *uat_cmw_collection_type(const uat_cmw *c);
UAT_API size_t uat_cmw_count(const uat_cmw *c);
UAT_API const char *uat_cmw_label(const uat_cmw *c, size_t i);
UAT_API const uat_cmw *uat_cmw_item(const uat_cmw *c, size_t i);

#ifdef __cplusplus
}
#endif
#endif
