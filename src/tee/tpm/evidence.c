/* The TPM evidence map (tpm.h, docs/tpm.md).
 *
 * Decoding walks the CBOR through the bounded reader instead of libcbor: the decoded spans borrow
 * the input (libcbor copies byte strings into its own allocations), nothing is allocated before a
 * length is checked against the bytes that are there, and every error carries its input offset.
 * Encoding uses libcbor and is deterministic: definite lengths, shortest heads, members in the
 * order of tpm.h, banks by TPM_ALG_ID and PCRs by index, both ascending.
 *
 * spec: RFC 8949 §3 (item heads), §4.2.1 (preferred serialization, used when encoding)
 */
#include <cbor.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "tee/tpm/tpm.h"

#define CHECK "tpm.evidence"

/* RFC 8949 §3.1 major types */
enum { CB_UINT = 0, CB_NEGINT, CB_BYTES, CB_TEXT, CB_ARRAY, CB_MAP, CB_TAG, CB_SIMPLE };

static const char *const major_names[8] = {
    "an unsigned integer", "a negative integer", "a byte string", "a text string",
    "an array",            "a map",              "a tag",         "a simple value or float",
};

enum member {
    M_ATTEST,
    M_SIGNATURE,
    M_AK_PUB,
    M_AK_CHAIN,
    M_PCRS,
    M_EVENT_LOG,
    M_IMA_LOG,
    M_CERTIFIED_PUB,
    M_EK_CERT,
    M_EK_PUB,
    M_COUNT,
};

/* The canonical order of the members (tpm.h). */
static const char *const member_names[M_COUNT] = {
    "attest",  "signature", "ak_pub",        "ak_chain", "pcrs",
    "event_log", "ima_log", "certified_pub", "ek_cert",  "ek_pub",
};

static uat_span *bytes_member(uat_tpm_evidence *ev, enum member m)
{
    switch (m) {
    case M_ATTEST: return &ev->attest;
    case M_SIGNATURE: return &ev->signature;
    case M_AK_PUB: return &ev->ak_pub;
    case M_EVENT_LOG: return &ev->event_log;
    case M_IMA_LOG: return &ev->ima_log;
    case M_CERTIFIED_PUB: return &ev->certified_pub;
    case M_EK_CERT: return &ev->ek_cert;
    case M_EK_PUB: return &ev->ek_pub;
    default: return NULL;
    }
}

/* An item head of the wanted major type with a definite argument (RFC 8949 §3). */
static uat_err cb_head(uat_reader *r, const char *field, unsigned want, uint64_t *arg)
{
    int64_t at = uat_rd_pos(r);
    uint8_t ib, b8;
    uint16_t b16;
    uint32_t b32;
    UAT_TRY(uat_rd_u8(r, field, &ib));
    unsigned major = (unsigned)ib >> 5, ai = ib & 31u;
    if (major != want) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_CBOR, CHECK, field, at, "%s where %s belongs",
                         major_names[major], major_names[want]);
    }
    switch (ai) {
    case 24: UAT_TRY(uat_rd_u8(r, field, &b8)); *arg = b8; return UAT_OK;
    case 25: UAT_TRY(uat_rd_u16be(r, field, &b16)); *arg = b16; return UAT_OK;
    case 26: UAT_TRY(uat_rd_u32be(r, field, &b32)); *arg = b32; return UAT_OK;
    case 27: return uat_rd_u64be(r, field, arg);
    default:
        break;
    }
    if (ai < 24) {
        *arg = ai;
        return UAT_OK;
    }
    return UAT_FAILF(UAT_ERR_PARSE_BAD_CBOR, CHECK, field, at,
                     ai == 31 ? "an indefinite length (the evidence uses definite lengths only)"
                              : "a reserved additional information value");
}

static uat_err cb_bytes(uat_reader *r, const char *field, uat_span *out)
{
    uint64_t n = 0;
    UAT_TRY(cb_head(r, field, CB_BYTES, &n));
    UAT_ENSURE(n <= uat_rd_left(r), UAT_ERR_PARSE_TRUNCATED, CHECK, field, uat_rd_pos(r));
    return uat_rd_span(r, (size_t)n, field, out);
}

/* A present member's byte string holds something: absence is said by leaving the key out. */
static uat_err cb_bytes_nonempty(uat_reader *r, const char *field, uat_span *out)
{
    int64_t at = uat_rd_pos(r);
    UAT_TRY(cb_bytes(r, field, out));
    if (out->len == 0) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_LENGTH, CHECK, field, at,
                         "an empty byte string (leave an absent member out)");
    }
    return UAT_OK;
}

/* An array or map head: at least one entry, at most max, and no more than the bytes left can
 * hold (every item takes at least one byte). */
static uat_err cb_count(uat_reader *r, const char *field, unsigned major, size_t max, size_t *n)
{
    int64_t at = uat_rd_pos(r);
    uint64_t count = 0;
    UAT_TRY(cb_head(r, field, major, &count));
    if (count == 0) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_LENGTH, CHECK, field, at,
                         "an empty %s (leave an absent member out)",
                         major == CB_MAP ? "map" : "array");
    }
    if (count > max) {
        return UAT_FAILF(UAT_ERR_RESOURCE_LIMIT, CHECK, field, at, "%llu entries, at most %zu",
                         (unsigned long long)count, max);
    }
    UAT_ENSURE(count * (major == CB_MAP ? 2u : 1u) <= uat_rd_left(r), UAT_ERR_PARSE_TRUNCATED,
               CHECK, field, uat_rd_pos(r));
    *n = (size_t)count;
    return UAT_OK;
}

static uat_err decode_chain(uat_reader *r, uat_tpm_evidence *ev)
{
    size_t n = 0;
    UAT_TRY(cb_count(r, "ak_chain", CB_ARRAY, sizeof(ev->chain) / sizeof(ev->chain[0]), &n));
    for (size_t i = 0; i < n; i++) {
        char field[40];
        snprintf(field, sizeof(field), "ak_chain[%zu]", i);
        UAT_TRY(cb_bytes_nonempty(r, field, &ev->chain[i]));
    }
    ev->nchain = n;
    return UAT_OK;
}

static uat_err decode_bank(uat_reader *r, size_t b, size_t digest_len, uat_tpm_evidence *ev)
{
    char field[40];
    size_t n = 0;
    snprintf(field, sizeof(field), "pcrs[0x%04x]", ev->bank_alg[b]);
    UAT_TRY(cb_count(r, field, CB_MAP, UAT_TPM_NUM_PCRS, &n));
    for (size_t k = 0; k < n; k++) {
        int64_t at = uat_rd_pos(r);
        uint64_t idx = 0;
        UAT_TRY(cb_head(r, field, CB_UINT, &idx));
        if (idx >= UAT_TPM_NUM_PCRS) {
            return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK, field, at,
                             "PCR index %llu (a TPM has PCRs 0-23)", (unsigned long long)idx);
        }
        snprintf(field, sizeof(field), "pcrs[0x%04x][%u]", ev->bank_alg[b], (unsigned)idx);
        if (ev->present[b] & (1u << idx)) {
            return UAT_FAILF(UAT_ERR_PARSE_BAD_CBOR, CHECK, field, at, "a duplicate PCR index");
        }
        at = uat_rd_pos(r);
        UAT_TRY(cb_bytes(r, field, &ev->pcr[b][idx]));
        if (ev->pcr[b][idx].len != digest_len) {
            return UAT_FAILF(UAT_ERR_PARSE_BAD_LENGTH, CHECK, field, at,
                             "a %zu-byte PCR value in a bank of %zu-byte digests",
                             ev->pcr[b][idx].len, digest_len);
        }
        ev->present[b] |= 1u << idx;
    }
    return UAT_OK;
}

uat_err uat_tpm_pcrs_decode(uat_reader *r, uat_tpm_evidence *ev)
{
    size_t n = 0;
    UAT_TRY(cb_count(r, "pcrs", CB_MAP, UAT_TPM_MAX_BANKS, &n));
    for (size_t b = 0; b < n; b++) {
        int64_t at = uat_rd_pos(r);
        uint64_t alg = 0;
        enum uat_hash_alg h;
        UAT_TRY(cb_head(r, "pcrs", CB_UINT, &alg));
        UAT_ENSURE(alg <= UINT16_MAX, UAT_ERR_PARSE_BAD_VALUE, CHECK, "pcrs", at);
        UAT_TRY(uat_tpm_hash_alg_at((uint16_t)alg, CHECK, "pcrs", at, &h));
        for (size_t k = 0; k < b; k++) {
            if (ev->bank_alg[k] == alg) {
                return UAT_FAILF(UAT_ERR_PARSE_BAD_CBOR, CHECK, "pcrs", at,
                                 "bank 0x%04x appears twice", (unsigned)alg);
            }
        }
        ev->bank_alg[b] = (uint16_t)alg;
        ev->present[b] = 0;
        ev->nbanks = b + 1;
        UAT_TRY(decode_bank(r, b, uat_hash_len(h), ev));
    }
    return UAT_OK;
}

static int member_of(uat_span key)
{
    for (int m = 0; m < M_COUNT; m++) {
        if (strlen(member_names[m]) == key.len && memcmp(member_names[m], key.p, key.len) == 0) {
            return m;
        }
    }
    return -1;
}

/* An untrusted key, printable and short, for an error message. */
static void printable(uat_span s, char *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < s.len && n + 1 < cap; i++) {
        out[n++] = s.p[i] >= 0x20 && s.p[i] < 0x7f && s.p[i] != '"' ? (char)s.p[i] : '?';
    }
    out[n] = '\0';
}

static uat_err decode_member(uat_reader *r, enum member m, uat_tpm_evidence *ev)
{
    if (m == M_AK_CHAIN) {
        return decode_chain(r, ev);
    }
    if (m == M_PCRS) {
        return uat_tpm_pcrs_decode(r, ev);
    }
    return cb_bytes_nonempty(r, member_names[m], bytes_member(ev, m));
}

static uat_err decode_key(uat_reader *r, unsigned *seen, enum member *out)
{
    int64_t at = uat_rd_pos(r);
    uint64_t n = 0;
    uat_span key;
    char shown[40];
    UAT_TRY(cb_head(r, "key", CB_TEXT, &n));
    UAT_ENSURE(n <= uat_rd_left(r), UAT_ERR_PARSE_TRUNCATED, CHECK, "key", uat_rd_pos(r));
    UAT_TRY(uat_rd_span(r, (size_t)n, "key", &key));
    int m = member_of(key);
    if (m < 0) {
        printable(key, shown, sizeof(shown));
        return UAT_FAILF(UAT_ERR_PARSE_BAD_CBOR, CHECK, "key", at,
                         "unknown member \"%s\" (docs/tpm.md lists the members)", shown);
    }
    if (*seen & (1u << m)) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_CBOR, CHECK, member_names[m], at,
                         "the member appears twice");
    }
    *seen |= 1u << m;
    *out = (enum member)m;
    return UAT_OK;
}

uat_err uat_tpm_evidence_decode(uat_span in, uat_tpm_evidence *out)
{
    UAT_ENSURE(out != NULL && (in.p != NULL || in.len == 0), UAT_ERR_USAGE_INVALID_ARGUMENT,
               CHECK, "", -1);
    UAT_ENSURE(in.len <= UAT_MAX_EVIDENCE_BYTES, UAT_ERR_RESOURCE_LIMIT, CHECK, "", -1);
    uat_reader r;
    uat_rd_init(&r, in, CHECK);
    uat_tpm_evidence ev;
    memset(&ev, 0, sizeof(ev));
    size_t n = 0;
    unsigned seen = 0;
    UAT_TRY(cb_count(&r, "", CB_MAP, M_COUNT, &n));
    for (size_t i = 0; i < n; i++) {
        enum member m = M_COUNT;
        UAT_TRY(decode_key(&r, &seen, &m));
        UAT_TRY(decode_member(&r, m, &ev));
    }
    UAT_TRY(uat_rd_end(&r));
    for (int m = M_ATTEST; m <= M_AK_PUB; m++) {
        if (!(seen & (1u << m))) {
            return UAT_FAILF(UAT_ERR_PARSE_BAD_CBOR, CHECK, member_names[m], -1,
                             "the evidence has no \"%s\"", member_names[m]);
        }
    }
    *out = ev;
    return UAT_OK;
}

/* ---- sniffing ---------------------------------------------------------------------------- */

/* A CBOR map whose first key is a member name and whose first value is a byte string: not a CMW
 * collection (whose values are arrays, tags or maps). Reads bytes directly so that a miss records
 * no error. */
int uat_tpm_sniff(uat_span ev)
{
    if (ev.p == NULL || ev.len < 3) {
        return 0;
    }
    if (uat_tpm_trustee_sniff(ev)) {
        return 1;
    }
    size_t off = 1;
    uint8_t ib = ev.p[0];
    if (ib < 0xa1 || ib > 0xaa) { /* a map of 1 to 10 members, count in the head */
        return 0;
    }
    ib = ev.p[off++];
    if (ib < 0x60 || ib > 0x77) { /* a text key shorter than 24 bytes */
        return 0;
    }
    size_t klen = ib & 31u;
    if (klen > ev.len - off - 1) {
        return 0;
    }
    if (member_of(uat_span_of(ev.p + off, klen)) < 0) {
        return 0;
    }
    off += klen;
    return (ev.p[off] >> 5) == CB_BYTES;
}

/* ---- encoding ---------------------------------------------------------------------------- */

#define ENC "tpm.evidence.encode"

/* What encode writes must decode: the same rules, checked on the caller's struct. */
static uat_err check_for_encode(const uat_tpm_evidence *ev)
{
    UAT_ENSURE(ev->attest.len > 0 && ev->signature.len > 0 && ev->ak_pub.len > 0,
               UAT_ERR_USAGE_INVALID_ARGUMENT, ENC, "attest/signature/ak_pub", -1);
    UAT_ENSURE(ev->nchain <= sizeof(ev->chain) / sizeof(ev->chain[0]), UAT_ERR_RESOURCE_LIMIT,
               ENC, "ak_chain", -1);
    for (size_t i = 0; i < ev->nchain; i++) {
        UAT_ENSURE(ev->chain[i].len > 0, UAT_ERR_USAGE_INVALID_ARGUMENT, ENC, "ak_chain", -1);
    }
    UAT_ENSURE(ev->nbanks <= UAT_TPM_MAX_BANKS, UAT_ERR_RESOURCE_LIMIT, ENC, "pcrs", -1);
    for (size_t b = 0; b < ev->nbanks; b++) {
        enum uat_hash_alg h;
        UAT_TRY(uat_tpm_hash_alg_at(ev->bank_alg[b], ENC, "pcrs", -1, &h));
        UAT_ENSURE(ev->present[b] != 0 && ev->present[b] < (1u << UAT_TPM_NUM_PCRS),
                   UAT_ERR_USAGE_INVALID_ARGUMENT, ENC, "pcrs", -1);
        for (size_t k = 0; k < b; k++) {
            UAT_ENSURE(ev->bank_alg[k] != ev->bank_alg[b], UAT_ERR_USAGE_INVALID_ARGUMENT, ENC,
                       "pcrs", -1);
        }
        for (unsigned i = 0; i < UAT_TPM_NUM_PCRS; i++) {
            UAT_ENSURE(!(ev->present[b] & (1u << i)) || ev->pcr[b][i].len == uat_hash_len(h),
                       UAT_ERR_USAGE_INVALID_ARGUMENT, ENC, "pcrs", -1);
        }
    }
    return UAT_OK;
}

static cbor_item_t *build_uint(uint64_t v)
{
    if (v <= UINT8_MAX) {
        return cbor_build_uint8((uint8_t)v);
    }
    if (v <= UINT16_MAX) {
        return cbor_build_uint16((uint16_t)v);
    }
    return v <= UINT32_MAX ? cbor_build_uint32((uint32_t)v) : cbor_build_uint64(v);
}

/* Adds key => value to m, taking both (NULL from a failed build is a failure). */
static int add_pair(cbor_item_t *m, cbor_item_t *key, cbor_item_t *value)
{
    int ok = key != NULL && value != NULL && cbor_map_add(m, (struct cbor_pair){key, value});
    if (key != NULL) {
        cbor_decref(&key);
    }
    if (value != NULL) {
        cbor_decref(&value);
    }
    return ok;
}

static cbor_item_t *build_bytes(uat_span s)
{
    return cbor_build_bytestring(s.p, s.len);
}

static cbor_item_t *build_chain(const uat_tpm_evidence *ev)
{
    cbor_item_t *a = cbor_new_definite_array(ev->nchain);
    int ok = a != NULL;
    for (size_t i = 0; ok && i < ev->nchain; i++) {
        cbor_item_t *c = build_bytes(ev->chain[i]);
        ok = c != NULL && cbor_array_push(a, c);
        if (c != NULL) {
            cbor_decref(&c);
        }
    }
    if (!ok && a != NULL) {
        cbor_decref(&a);
    }
    return a;
}

static cbor_item_t *build_bank(const uat_tpm_evidence *ev, size_t b)
{
    size_t n = 0;
    for (unsigned i = 0; i < UAT_TPM_NUM_PCRS; i++) {
        n += (ev->present[b] >> i) & 1u;
    }
    cbor_item_t *m = cbor_new_definite_map(n);
    int ok = m != NULL;
    for (unsigned i = 0; ok && i < UAT_TPM_NUM_PCRS; i++) {
        if (ev->present[b] & (1u << i)) {
            ok = add_pair(m, build_uint(i), build_bytes(ev->pcr[b][i]));
        }
    }
    if (!ok && m != NULL) {
        cbor_decref(&m);
    }
    return m;
}

static cbor_item_t *build_pcrs(const uat_tpm_evidence *ev)
{
    cbor_item_t *m = cbor_new_definite_map(ev->nbanks);
    int ok = m != NULL;
    uint32_t last = 0; /* banks by ascending TPM_ALG_ID, whatever the caller's order */
    for (size_t k = 0; ok && k < ev->nbanks; k++) {
        size_t next = ev->nbanks;
        for (size_t b = 0; b < ev->nbanks; b++) {
            if ((uint32_t)ev->bank_alg[b] + 1 > last &&
                (next == ev->nbanks || ev->bank_alg[b] < ev->bank_alg[next])) {
                next = b;
            }
        }
        ok = add_pair(m, build_uint(ev->bank_alg[next]), build_bank(ev, next));
        last = (uint32_t)ev->bank_alg[next] + 1;
    }
    if (!ok && m != NULL) {
        cbor_decref(&m);
    }
    return m;
}

static int present(const uat_tpm_evidence *ev, enum member m)
{
    if (m == M_AK_CHAIN) {
        return ev->nchain > 0;
    }
    if (m == M_PCRS) {
        return ev->nbanks > 0;
    }
    return bytes_member((uat_tpm_evidence *)ev, m)->len > 0;
}

static cbor_item_t *build_map(const uat_tpm_evidence *ev)
{
    size_t n = 0;
    for (int m = 0; m < M_COUNT; m++) {
        n += (size_t)present(ev, (enum member)m);
    }
    cbor_item_t *map = cbor_new_definite_map(n);
    int ok = map != NULL;
    for (int m = 0; ok && m < M_COUNT; m++) {
        if (!present(ev, (enum member)m)) {
            continue;
        }
        cbor_item_t *v = m == M_AK_CHAIN ? build_chain(ev)
                         : m == M_PCRS   ? build_pcrs(ev)
                                         : build_bytes(*bytes_member((uat_tpm_evidence *)ev,
                                                                     (enum member)m));
        ok = add_pair(map, cbor_build_string(member_names[m]), v);
    }
    if (!ok && map != NULL) {
        cbor_decref(&map);
    }
    return map;
}

uat_err uat_tpm_evidence_encode(const uat_tpm_evidence *ev, uat_buf *out)
{
    UAT_ENSURE(ev != NULL && out != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, ENC, "", -1);
    UAT_TRY(check_for_encode(ev));
    cbor_item_t *map = build_map(ev);
    if (map == NULL) {
        return UAT_NOMEM(ENC);
    }
    unsigned char *bytes = NULL;
    size_t cap = 0;
    size_t n = cbor_serialize_alloc(map, &bytes, &cap);
    cbor_decref(&map);
    uat_err rc = n == 0 ? UAT_NOMEM(ENC)
                 : n > UAT_MAX_EVIDENCE_BYTES
                     ? UAT_FAILF(UAT_ERR_RESOURCE_LIMIT, ENC, "", -1,
                                 "%zu bytes of evidence, at most %u", n, UAT_MAX_EVIDENCE_BYTES)
                     : uat_buf_append(out, bytes, n);
    free(bytes);
    return rc;
}
