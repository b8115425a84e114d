/* A strict DER reader (X.690 §10) on top of the bounded reader, for the few ASN.1 structures
 * uattest parses itself (vendor certificate extensions). Definite, minimal lengths only. */
#ifndef UAT_CORE_DER_H
#define UAT_CORE_DER_H

#include "core/reader.h"

#define UAT_DER_BOOLEAN 0x01u
#define UAT_DER_INTEGER 0x02u
#define UAT_DER_OCTET_STRING 0x04u
#define UAT_DER_OID 0x06u
#define UAT_DER_ENUMERATED 0x0au
#define UAT_DER_SEQUENCE 0x30u

/* Reads one element with the given tag; *content is a sub-reader over its contents. */
UAT_MUST_USE uat_err uat_der_element(uat_reader *r, uint8_t tag, const char *field,
                                     uat_reader *content);
/* Peeks the next tag (0 at the end). */
uint8_t uat_der_peek_tag(const uat_reader *r);
/* A non-negative INTEGER or ENUMERATED that fits in 64 bits. */
UAT_MUST_USE uat_err uat_der_uint(uat_reader *r, uint8_t tag, const char *field, uint64_t *out);
UAT_MUST_USE uat_err uat_der_bool(uat_reader *r, const char *field, int *out);
/* An OCTET STRING of exactly n bytes. */
UAT_MUST_USE uat_err uat_der_octets(uat_reader *r, size_t n, const char *field, uint8_t *out);
/* An OBJECT IDENTIFIER's content bytes. */
UAT_MUST_USE uat_err uat_der_oid(uat_reader *r, const char *field, uat_span *out);
/* Encodes a dotted OID's content bytes (for comparisons); returns 0 on bad input. */
size_t uat_der_oid_encode(const char *dotted, uint8_t *out, size_t cap);

#endif
