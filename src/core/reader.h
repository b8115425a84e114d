/* The bounded reader: the only way untrusted bytes are parsed.
 *
 * A reader is a window over input bytes. Every read is checked against what is
 * left in the window, advances the offset only on success and records the field
 * name and absolute input offset on failure. A nested structure gets a
 * sub-reader that is charged to its parent in full; closing it with bytes left
 * (uat_rd_end) is an error.
 */
#ifndef UAT_CORE_READER_H
#define UAT_CORE_READER_H

#include "core/buf.h"

typedef struct uat_reader {
    const uint8_t *p;  /* start of this window */
    size_t len;        /* window length */
    size_t off;        /* bytes consumed */
    int64_t base;      /* absolute offset of p in the outermost input */
    const char *check; /* what is being parsed, e.g. "sim.report" */
} uat_reader;

void uat_rd_init(uat_reader *r, uat_span in, const char *check);
size_t uat_rd_left(const uat_reader *r);
int64_t uat_rd_pos(const uat_reader *r); /* absolute offset of the next byte */

UAT_MUST_USE uat_err uat_rd_u8(uat_reader *r, const char *field, uint8_t *out);
UAT_MUST_USE uat_err uat_rd_u16le(uat_reader *r, const char *field, uint16_t *out);
UAT_MUST_USE uat_err uat_rd_u32le(uat_reader *r, const char *field, uint32_t *out);
UAT_MUST_USE uat_err uat_rd_u64le(uat_reader *r, const char *field, uint64_t *out);
UAT_MUST_USE uat_err uat_rd_u16be(uat_reader *r, const char *field, uint16_t *out);
UAT_MUST_USE uat_err uat_rd_u32be(uat_reader *r, const char *field, uint32_t *out);
UAT_MUST_USE uat_err uat_rd_u64be(uat_reader *r, const char *field, uint64_t *out);
/* Borrows the next n bytes. */
UAT_MUST_USE uat_err uat_rd_span(uat_reader *r, size_t n, const char *field, uat_span *out);
/* Copies the next n bytes into dst. */
UAT_MUST_USE uat_err uat_rd_copy(uat_reader *r, void *dst, size_t n, const char *field);
UAT_MUST_USE uat_err uat_rd_skip(uat_reader *r, size_t n, const char *field);
/* Reserved bytes: must all be zero. */
UAT_MUST_USE uat_err uat_rd_zeros(uat_reader *r, size_t n, const char *field);
/* Borrows everything left. */
void uat_rd_rest(uat_reader *r, uat_span *out);
/* A sub-reader over the next n bytes, charged to r; n above max is PARSE_BAD_LENGTH. */
UAT_MUST_USE uat_err uat_rd_sub(uat_reader *r, size_t n, size_t max, const char *field,
                                uat_reader *sub);
/* The window must be consumed exactly. */
UAT_MUST_USE uat_err uat_rd_end(const uat_reader *r);

#endif
