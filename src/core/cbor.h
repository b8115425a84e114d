/* A strict CBOR reader on the bounded reader (RFC 8949: definite lengths, preferred serialization
 * of every head, well-formed simple values) and a writer with the shortest heads. Every item is
 * charged to its enclosing window, failures carry offsets, and strings are views into the input,
 * so signed bytes can be checked exactly as received. */
#ifndef UAT_CORE_CBOR_H
#define UAT_CORE_CBOR_H

#include "core/reader.h"

#define UAT_CBOR_MAX_DEPTH 16u /* nesting inside a skipped item */

enum uat_cbor_major {
    UAT_CBOR_UINT = 0,
    UAT_CBOR_NEGINT = 1,
    UAT_CBOR_BSTR = 2,
    UAT_CBOR_TSTR = 3,
    UAT_CBOR_ARRAY = 4,
    UAT_CBOR_MAP = 5,
    UAT_CBOR_TAG = 6,
    UAT_CBOR_SIMPLE = 7,
};
/* The major type of the next item (-1 at the end); reads nothing. */
int uat_cbor_peek(const uat_reader *r);
/* A head of the given major type; its argument in *arg. Advances only on success. */
UAT_MUST_USE uat_err uat_cbor_expect(uat_reader *r, enum uat_cbor_major major, const char *field,
                                     uint64_t *arg);
/* An unsigned integer in any head width (1, 2, 4 or 8 bytes), for peers that do not use the
 * preferred serialization where a specification lets them (rats-tls' 32-bit VERSION). */
UAT_MUST_USE uat_err uat_cbor_uint_any_width(uat_reader *r, const char *field, uint64_t *out);
/* A byte or text string of at most max bytes (a view into the input). */
UAT_MUST_USE uat_err uat_cbor_string(uat_reader *r, enum uat_cbor_major major, size_t max,
                                     const char *field, uat_span *out);
/* Skips one well-formed item, nested at most UAT_CBOR_MAX_DEPTH - depth deep. */
UAT_MUST_USE uat_err uat_cbor_skip(uat_reader *r, unsigned depth, const char *field);
/* An evidence map: the whole of in is one CBOR map whose keys are text strings from
 * names[0..count) (at most 32; keys of at most 64 bytes), each at most once; member(r, index, user) decodes each value.
 * Every member whose bit is set in required must be present. Errors name r's check (check),
 * the member, and the offset; an unknown key says where the members are documented (doc).
 * UAT_CBOR_MEMBERS(lo, hi): the bits of members lo..hi, for required. */
#define UAT_CBOR_MEMBERS(lo, hi) ((uint32_t)((2u << (hi)) - (1u << (lo))))
typedef uat_err (*uat_cbor_member_fn)(uat_reader *r, unsigned index, void *user);
UAT_MUST_USE uat_err uat_cbor_named_map(uat_span in, const char *check, const char *const *names,
                                        unsigned count, uint32_t required, const char *doc,
                                        uat_cbor_member_fn member, void *user);

UAT_MUST_USE uat_err uat_cbor_put_head(uat_buf *b, enum uat_cbor_major major, uint64_t arg);
UAT_MUST_USE uat_err uat_cbor_put_string(uat_buf *b, enum uat_cbor_major major, const void *p,
                                         size_t n);
/* A NUL-terminated text string as a CBOR text string. */
UAT_MUST_USE uat_err uat_cbor_put_text(uat_buf *b, const char *s);

#endif
