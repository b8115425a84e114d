/* The RA-TLS evidence extension value (OID 2.23.133.5.4.9): pure parsing, no crypto.
 *
 *   value        = dice-wrapper / cbor-value
 *   dice-wrapper = SEQUENCE { OCTET STRING cbor-value }            (first byte 0x30)
 *   cbor-value   = #6.<tag>([evidence: bstr, claims-buffer: bstr])  (tagged form)
 *                / [cmw-record, claims-buffer: bstr]                (CMW form, docs/ratls.md)
 *   cmw-record   = [media-type: tstr, evidence: bstr, ?ind: uint]
 *   claims-buffer = {"pubkey-hash": bstr .cbor hash-entry / hash-entry, ?"nonce": bstr,
 *                    *tstr => any}
 */
#include <string.h>

#include "core/der.h"
#include "evidence/cmw_int.h"
#include "ratls/ratls.h"

#define CHECK "ratls.ext"

/* spec: cert doc "Evidence Custom Claims": hash-alg-id is an IANA named-information id; verifiers
 * support sha-256 (1), sha-384 (7) and sha-512 (8) */
static uat_err hash_alg(uint64_t id, int64_t at, enum uat_hash_alg *alg)
{
    switch (id) {
    case 1:
        *alg = UAT_HASH_SHA256;
        return UAT_OK;
    case 7:
        *alg = UAT_HASH_SHA384;
        return UAT_OK;
    case 8:
        *alg = UAT_HASH_SHA512;
        return UAT_OK;
    default:
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_ALGORITHM, CHECK, "hash-alg-id", at,
                         "hash algorithm %llu (supported: 1 sha-256, 7 sha-384, 8 sha-512)",
                         (unsigned long long)id);
    }
}

/* spec: cert doc: hash-entry = [hash-alg-id: uint, hash-value: bstr] (CoSWID) */
static uat_err hash_entry(uat_reader *r, uat_ratls_ext *out)
{
    uint64_t n = 0, id = 0;
    uat_span v;
    int64_t at = uat_rd_pos(r);
    UAT_TRY(uat_cbor_expect(r, UAT_CBOR_ARRAY, "pubkey-hash", &n));
    UAT_ENSURE(n == 2, UAT_ERR_PARSE_BAD_CBOR, r->check, "pubkey-hash", at);
    at = uat_rd_pos(r);
    UAT_TRY(uat_cbor_expect(r, UAT_CBOR_UINT, "hash-alg-id", &id));
    UAT_TRY(hash_alg(id, at, &out->hash_alg));
    at = uat_rd_pos(r);
    UAT_TRY(uat_cbor_string(r, UAT_CBOR_BSTR, UAT_RATLS_MAX_CLAIMS_BYTES, "hash-value", &v));
    if (v.len != uat_hash_len(out->hash_alg)) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_LENGTH, r->check, "hash-value", at,
                         "a %s hash of %zu bytes", uat_hash_name(out->hash_alg), v.len);
    }
    out->hash_alg_id = id;
    memcpy(out->pubkey_hash, v.p, v.len);
    out->pubkey_hash_len = v.len;
    return UAT_OK;
}

/* A byte string whose contents are read by a sub-reader charged to r. */
static uat_err bstr_sub(uat_reader *r, size_t max, const char *field, uat_reader *sub)
{
    uat_reader save = *r;
    uint64_t len = 0;
    uat_err rc = uat_cbor_expect(r, UAT_CBOR_BSTR, field, &len);
    if (rc == UAT_OK) {
        rc = len <= max ? uat_rd_sub(r, (size_t)len, max, field, sub)
                        : UAT_FAIL(UAT_ERR_RESOURCE_LIMIT, r->check, field, uat_rd_pos(&save));
    }
    if (rc != UAT_OK) {
        *r = save;
    }
    return rc;
}

/* spec: cert doc: pubkey-hash holds "a byte string of the definite-length encoded CBOR array
 * hash-entry"; the bare array is accepted as well. */
static uat_err pubkey_hash(uat_reader *r, uat_ratls_ext *out)
{
    if (uat_cbor_peek(r) == UAT_CBOR_ARRAY) {
        return hash_entry(r, out);
    }
    uat_reader inner;
    UAT_TRY(bstr_sub(r, UAT_RATLS_MAX_CLAIMS_BYTES, "pubkey-hash", &inner));
    UAT_TRY(hash_entry(&inner, out));
    return uat_rd_end(&inner);
}

static int key_is(uat_span key, const char *name)
{
    return key.len == strlen(name) && memcmp(key.p, name, key.len) == 0;
}

static uat_err claim(uat_reader *r, uat_span *seen, size_t i, uat_ratls_ext *out, int *has_hash)
{
    int64_t at = uat_rd_pos(r);
    uat_span key;
    UAT_TRY(uat_cbor_string(r, UAT_CBOR_TSTR, UAT_RATLS_MAX_CLAIMS_BYTES, "claim name", &key));
    for (size_t j = 0; j < i; j++) {
        /* spec: RFC 8949 §5.6: a map with duplicate keys is not valid */
        if (seen[j].len == key.len && memcmp(seen[j].p, key.p, key.len) == 0) {
            return UAT_FAILF(UAT_ERR_PARSE_BAD_CBOR, r->check, "claim name", at,
                             "the claim \"%.*s\" appears twice", (int)(key.len > 64 ? 64 : key.len),
                             (const char *)key.p);
        }
    }
    seen[i] = key;
    if (key_is(key, "pubkey-hash")) {
        *has_hash = 1;
        return pubkey_hash(r, out);
    }
    if (key_is(key, "nonce")) {
        out->has_nonce = 1;
        return uat_cbor_string(r, UAT_CBOR_BSTR, UAT_RATLS_MAX_CLAIMS_BYTES, "nonce", &out->nonce);
    }
    out->unknown_claims++; /* other claims (rats-tls adds its own) are kept in the buffer, unread */
    return uat_cbor_skip(r, 1, "claim value");
}

static uat_err claims_map(uat_reader *r, uat_ratls_ext *out)
{
    int64_t at = uat_rd_pos(r);
    uint64_t n = 0;
    UAT_TRY(uat_cbor_expect(r, UAT_CBOR_MAP, "claims-buffer", &n));
    UAT_ENSURE(n <= UAT_RATLS_MAX_CLAIMS, UAT_ERR_RESOURCE_LIMIT, r->check, "claims-buffer", at);
    uat_span seen[UAT_RATLS_MAX_CLAIMS];
    int has_hash = 0;
    for (size_t i = 0; i < (size_t)n; i++) {
        UAT_TRY(claim(r, seen, i, out, &has_hash));
    }
    if (!has_hash) {
        /* spec: cert doc: "The evidence extension must include a pubkey-hash claim" */
        return UAT_FAILF(UAT_ERR_PARSE_BAD_CBOR, r->check, "pubkey-hash", at,
                         "the claims-buffer has no pubkey-hash claim");
    }
    return uat_rd_end(r);
}

uat_err uat_ratls_claims_parse(uat_span claims, uat_ratls_ext *out)
{
    UAT_ENSURE(out != NULL && (claims.p != NULL || claims.len == 0),
               UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "", -1);
    UAT_ENSURE(claims.len <= UAT_RATLS_MAX_CLAIMS_BYTES, UAT_ERR_RESOURCE_LIMIT, CHECK,
               "claims-buffer", -1);
    uat_ratls_ext e;
    memset(&e, 0, sizeof(e));
    uat_reader r;
    uat_rd_init(&r, claims, CHECK);
    UAT_TRY(claims_map(&r, &e));
    e.claims = claims;
    *out = e;
    return UAT_OK;
}

/* spec: draft-ietf-rats-msg-wrap §4.1: record = [type, value, ?ind]; here type is a media type */
static uat_err cmw_record(uat_reader *r, uat_ratls_ext *out)
{
    size_t start = r->off;
    int64_t at = uat_rd_pos(r);
    uint64_t n = 0, ind = 0;
    uat_span mt;
    UAT_TRY(uat_cbor_expect(r, UAT_CBOR_ARRAY, "cmw record", &n));
    UAT_ENSURE(n == 2 || n == 3, UAT_ERR_PARSE_BAD_CBOR, r->check, "cmw record", at);
    UAT_TRY(uat_cbor_string(r, UAT_CBOR_TSTR, UAT_MAX_MEDIA_TYPE_LEN, "media type", &mt));
    UAT_TRY(uat_cmw_check_media_type((const char *)mt.p, mt.len, r->check));
    UAT_TRY(uat_cbor_string(r, UAT_CBOR_BSTR, UAT_MAX_EVIDENCE_BYTES, "evidence", &out->evidence));
    if (n == 3) {
        at = uat_rd_pos(r);
        UAT_TRY(uat_cbor_expect(r, UAT_CBOR_UINT, "ind", &ind));
        UAT_TRY(uat_cmw_check_indicator(ind > 15 ? -1 : (int64_t)ind, r->check));
        UAT_ENSURE((ind & UAT_CMW_IND_EVIDENCE) != 0, UAT_ERR_PARSE_BAD_VALUE, r->check, "ind", at);
    }
    memcpy(out->media_type, mt.p, mt.len);
    out->media_type[mt.len] = '\0';
    out->cmw_record = uat_span_of(r->p + start, r->off - start);
    return UAT_OK;
}

static uat_err cbor_value(uat_reader *r, uat_ratls_ext *out)
{
    int64_t at = uat_rd_pos(r);
    uint64_t n = 0;
    if (uat_cbor_peek(r) == UAT_CBOR_TAG) {
        /* spec: SGX/TDX doc: "definite-length encoded tagged CBOR array with two entries" */
        UAT_TRY(uat_cbor_expect(r, UAT_CBOR_TAG, "tag", &out->tag));
        out->form = UAT_RATLS_FORM_TAGGED;
        UAT_TRY(uat_cbor_expect(r, UAT_CBOR_ARRAY, "evidence array", &n));
        UAT_ENSURE(n == 2, UAT_ERR_PARSE_BAD_CBOR, r->check, "evidence array", at);
        UAT_TRY(uat_cbor_string(r, UAT_CBOR_BSTR, UAT_MAX_EVIDENCE_BYTES, "evidence",
                                &out->evidence));
    } else {
        UAT_TRY(uat_cbor_expect(r, UAT_CBOR_ARRAY, "evidence array", &n));
        UAT_ENSURE(n == 2, UAT_ERR_PARSE_BAD_CBOR, r->check, "evidence array", at);
        out->form = UAT_RATLS_FORM_CMW;
        UAT_TRY(cmw_record(r, out));
    }
    UAT_ENSURE(out->evidence.len > 0, UAT_ERR_PARSE_BAD_LENGTH, r->check, "evidence", at);
    uat_reader claims;
    UAT_TRY(bstr_sub(r, UAT_RATLS_MAX_CLAIMS_BYTES, "claims-buffer", &claims));
    out->claims = uat_span_of(claims.p, claims.len);
    UAT_TRY(claims_map(&claims, out));
    return uat_rd_end(r);
}

/* spec: DICE Attestation Architecture (tcg-dice-conceptual-message-wrapper): the CBOR value may
 * come wrapped as SEQUENCE { OCTET STRING }, nothing else inside or after it. */
static uat_err dice_unwrap(uat_reader *r, uat_reader *inner)
{
    uat_reader seq;
    UAT_TRY(uat_der_element(r, UAT_DER_SEQUENCE, "dice wrapper", &seq));
    UAT_TRY(uat_der_element(&seq, UAT_DER_OCTET_STRING, "dice wrapper", inner));
    UAT_TRY(uat_rd_end(&seq));
    return uat_rd_end(r);
}

uat_err uat_ratls_ext_parse(uat_span in, uat_ratls_ext *out)
{
    UAT_ENSURE(out != NULL && (in.p != NULL || in.len == 0), UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK,
               "", -1);
    UAT_ENSURE(in.len > 0, UAT_ERR_PARSE_TRUNCATED, CHECK, "", 0);
    UAT_ENSURE(in.len <= UAT_RATLS_MAX_EXT_BYTES, UAT_ERR_RESOURCE_LIMIT, CHECK, "", -1);
    uat_ratls_ext e;
    memset(&e, 0, sizeof(e));
    uat_reader r, body;
    uat_rd_init(&r, in, CHECK);
    body = r;
    /* 0x30 never starts the CBOR forms (it is the negative integer -17) */
    if (in.p[0] == UAT_DER_SEQUENCE) {
        e.dice_wrapped = 1;
        UAT_TRY(dice_unwrap(&r, &body));
    }
    UAT_TRY(cbor_value(&body, &e));
    *out = e;
    return UAT_OK;
}

/* spec: cert doc, "Endorsement (optional)": tcg-dice-endorsement-manifest holds tagged CBOR with
 * the evidence extension's tag; the same DICE wrapper is accepted. The item is returned whole
 * (tag included) for the TEE's endorsement reader, which checks what is inside and that
 * nothing follows. */
uat_err uat_ratls_endorsements_parse(uat_span in, uint64_t evidence_tag, uat_span *out)
{
    UAT_ENSURE(in.len > 0, UAT_ERR_PARSE_TRUNCATED, "ratls.endorsements", "", 0);
    UAT_ENSURE(in.len <= UAT_RATLS_MAX_EXT_BYTES, UAT_ERR_RESOURCE_LIMIT, "ratls.endorsements", "",
               -1);
    uat_reader r, body;
    uat_rd_init(&r, in, "ratls.endorsements");
    body = r;
    if (in.p[0] == UAT_DER_SEQUENCE) {
        UAT_TRY(dice_unwrap(&r, &body));
    }
    uat_reader item = body;
    uint64_t tag = 0;
    UAT_TRY(uat_cbor_expect(&item, UAT_CBOR_TAG, "tag", &tag));
    if (evidence_tag != 0 && tag != evidence_tag) {
        return UAT_FAILF(UAT_ERR_VERIFY_BINDING, "ratls.endorsements", "tag", uat_rd_pos(&body),
                         "the endorsements carry CBOR tag %llu, the evidence tag %llu",
                         (unsigned long long)tag, (unsigned long long)evidence_tag);
    }
    /* the rest is the TEE's format, read (to its end) by the TEE: rats-tls writes a 32-bit
     * VERSION the strict reader here would refuse */
    *out = uat_span_of(body.p + body.off, body.len - body.off);
    return UAT_OK;
}
