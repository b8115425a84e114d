/* Hygon certificate formats (pure parsing): the 832-byte "ca" certificate of the HRK and HSK and
 * the 2084-byte "csv" certificate of the CEK and PEK. Layouts and sources: csv.h. */
#include <string.h>

#include "core/reader.h"
#include "tee/csv/csv.h"

#define CHECK_CA "csv.ca_cert"
#define CHECK_CERT "csv.cert"

static uat_err exact_size(uat_span in, size_t want, const char *check)
{
    UAT_ENSURE(in.p != NULL || in.len == 0, UAT_ERR_USAGE_INVALID_ARGUMENT, check, "", -1);
    if (in.len != want) {
        return UAT_FAILF(in.len < want ? UAT_ERR_PARSE_TRUNCATED : UAT_ERR_PARSE_TRAILING_BYTES,
                         check, "", (int64_t)(in.len < want ? in.len : want),
                         "a %s is %zu bytes, not %zu", check, want, in.len);
    }
    return UAT_OK;
}

/* A 72-byte little-endian field of which SM2-256 uses the first 32 bytes, as big-endian. */
static uat_err read_ecc(uat_reader *r, const char *field, uint8_t out[UAT_CSV_ECC_LEN])
{
    uint8_t le[UAT_CSV_ECC_LEN];
    UAT_TRY(uat_rd_copy(r, le, sizeof(le), field));
    /* [csv-rs] crypto/key/group.rs Group::size(SM2_256) = 32: the rest of the field is unused */
    UAT_TRY(uat_rd_zeros(r, UAT_CSV_ECC_FIELD - UAT_CSV_ECC_LEN, field));
    for (size_t i = 0; i < UAT_CSV_ECC_LEN; i++) {
        out[i] = le[UAT_CSV_ECC_LEN - 1 - i];
    }
    return UAT_OK;
}

/* [csv-rs] crypto/key/ecc.rs PubKey {g, x, y} */
static uat_err read_pubkey(uat_reader *r, uint32_t *curve, uat_csv_point *key)
{
    int64_t at = uat_rd_pos(r);
    UAT_TRY(uat_rd_u32le(r, "g", curve));
    if (*curve != UAT_CSV_CURVE_SM2_256) {
        /* Hygon attestation sample headers, curve_id_t: 1 P-256, 2 P-384, 3 SM2-256 */
        int known = *curve == UAT_CSV_CURVE_P256 || *curve == UAT_CSV_CURVE_P384;
        return UAT_FAILF(known ? UAT_ERR_UNSUPPORTED_ALGORITHM : UAT_ERR_PARSE_BAD_VALUE, r->check,
                         "g", at, "curve %u is not SM2-256 (3)", *curve);
    }
    UAT_TRY(read_ecc(r, "x", key->x));
    return read_ecc(r, "y", key->y);
}

/* [csv-rs] uid_size and user_id[254]: the SM2 distinguishing ID is user_id[..uid_size] */
static uat_err read_uid(uat_reader *r, uint16_t *size, uint8_t id[UAT_CSV_UID_FIELD])
{
    int64_t at = uat_rd_pos(r);
    UAT_TRY(uat_rd_u16le(r, "uid_size", size));
    if (*size == 0 || *size > UAT_CSV_UID_FIELD) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_LENGTH, r->check, "uid_size", at,
                         "uid_size %u is not 1..%u", *size, UAT_CSV_UID_FIELD);
    }
    UAT_TRY(uat_rd_copy(r, id, *size, "user_id"));
    return uat_rd_zeros(r, UAT_CSV_UID_FIELD - (size_t)*size, "user_id");
}

static uat_err read_sig(uat_reader *r, uat_csv_sig *sig)
{
    UAT_TRY(read_ecc(r, "r", sig->r));
    return read_ecc(r, "s", sig->s);
}

uat_err uat_csv_ca_cert_parse(uat_span in, uat_csv_ca_cert *out)
{
    UAT_TRY(exact_size(in, UAT_CSV_CA_CERT_SIZE, CHECK_CA));
    uat_reader r;
    uat_rd_init(&r, in, CHECK_CA);
    uat_csv_ca_cert c;
    memset(&c, 0, sizeof(c));
    UAT_TRY(uat_rd_u32le(&r, "ver", &c.ver));
    /* [csv-rs] ca::Certificate: the HRK of cert.hygon.cn/hrk has ver 1 */
    UAT_ENSURE(c.ver == 1, UAT_ERR_PARSE_BAD_VERSION, CHECK_CA, "ver", 0);
    UAT_TRY(uat_rd_copy(&r, c.kid, sizeof(c.kid), "kid"));
    UAT_TRY(uat_rd_copy(&r, c.sid, sizeof(c.sid), "sid"));
    UAT_TRY(uat_rd_u32le(&r, "usage", &c.usage));
    /* [rats-tls] hygoncert.c verify_hsk_cert: a ca certificate is the HRK (0) or an HSK (0x13) */
    UAT_ENSURE(c.usage == UAT_CSV_USAGE_HRK || c.usage == UAT_CSV_USAGE_HSK,
               UAT_ERR_PARSE_BAD_VALUE, CHECK_CA, "usage", 36);
    UAT_TRY(uat_rd_zeros(&r, 24, "reserved"));
    UAT_TRY(read_pubkey(&r, &c.curve, &c.key));
    UAT_TRY(read_uid(&r, &c.uid_size, c.user_id));
    UAT_TRY(uat_rd_zeros(&r, 108, "reserved"));
    UAT_TRY(read_sig(&r, &c.sig));
    UAT_TRY(uat_rd_skip(&r, 112, "reserved")); /* outside the signed body: not interpreted */
    UAT_TRY(uat_rd_end(&r));
    c.body = uat_span_of(in.p, UAT_CSV_CA_SIGNED_SIZE);
    *out = c;
    return UAT_OK;
}

static int known_usage(uint32_t u)
{
    return u == UAT_CSV_USAGE_HRK || u == UAT_CSV_USAGE_HSK || u == UAT_CSV_USAGE_OCA ||
           u == UAT_CSV_USAGE_PEK || u == UAT_CSV_USAGE_PDH || u == UAT_CSV_USAGE_CEK;
}

/* [csv-rs] csv::Signatures {usage, algo, signature, _reserved[368]}; an empty slot has usage
 * 0x1000 ([rats-tls] verify_cek_cert: sig2_usage KEY_USAGE_TYPE_INVALID) and is not interpreted */
static uat_err read_slot(uat_reader *r, uat_csv_sig_slot *s)
{
    int64_t at = uat_rd_pos(r);
    UAT_TRY(uat_rd_u32le(r, "sig_usage", &s->usage));
    UAT_TRY(uat_rd_u32le(r, "sig_algo", &s->algo));
    if (s->usage == UAT_CSV_USAGE_INVALID) {
        memset(&s->sig, 0, sizeof(s->sig));
        return uat_rd_skip(r, UAT_CSV_SIG_SLOT_SIZE - 8, "signature");
    }
    UAT_ENSURE(known_usage(s->usage), UAT_ERR_PARSE_BAD_VALUE, r->check, "sig_usage", at);
    /* [csv-rs] Signatures::is_empty: a signature is SM2_SA (4) */
    UAT_ENSURE(s->algo == UAT_CSV_ALGO_SM2_SA, UAT_ERR_PARSE_BAD_VALUE, r->check, "sig_algo",
               at + 4);
    UAT_TRY(read_sig(r, &s->sig));
    return uat_rd_skip(r, 368, "reserved"); /* outside the signed body: not interpreted */
}

static uat_err cert_pubkey(uat_reader *r, uat_csv_cert *c)
{
    UAT_TRY(uat_rd_u32le(r, "pubkey_usage", &c->usage));
    UAT_ENSURE(known_usage(c->usage) && c->usage != UAT_CSV_USAGE_HRK &&
                   c->usage != UAT_CSV_USAGE_HSK,
               UAT_ERR_PARSE_BAD_VALUE, CHECK_CERT, "pubkey_usage", 8);
    UAT_TRY(uat_rd_u32le(r, "pubkey_algo", &c->algo));
    /* [csv-rs] certs/mod.rs Algorithm: SM2_DA 4 (signing), SM2_DH 5 (key agreement, PDH) */
    UAT_ENSURE(c->algo == UAT_CSV_ALGO_SM2_SA || c->algo == UAT_CSV_ALGO_SM2_DH,
               UAT_ERR_PARSE_BAD_VALUE, CHECK_CERT, "pubkey_algo", 12);
    return read_pubkey(r, &c->curve, &c->key);
}

uat_err uat_csv_cert_parse(uat_span in, uat_csv_cert *out)
{
    UAT_TRY(exact_size(in, UAT_CSV_CERT_SIZE, CHECK_CERT));
    uat_reader r;
    uat_rd_init(&r, in, CHECK_CERT);
    uat_csv_cert c;
    memset(&c, 0, sizeof(c));
    UAT_TRY(uat_rd_u32le(&r, "ver", &c.ver));
    /* [csv-rs] csv::Body::generate: ver 1; the PEK of the corpus sample has ver 1 */
    UAT_ENSURE(c.ver == 1, UAT_ERR_PARSE_BAD_VERSION, CHECK_CERT, "ver", 0);
    UAT_TRY(uat_rd_u8(&r, "api_major", &c.api_major));
    UAT_TRY(uat_rd_u8(&r, "api_minor", &c.api_minor));
    UAT_TRY(uat_rd_zeros(&r, 2, "reserved1"));
    UAT_TRY(cert_pubkey(&r, &c));
    UAT_TRY(read_uid(&r, &c.uid_size, c.user_id));
    UAT_TRY(uat_rd_copy(&r, c.sid, sizeof(c.sid), "sid"));
    UAT_TRY(uat_rd_zeros(&r, 608, "reserved2"));
    UAT_TRY(read_slot(&r, &c.sigs[0]));
    UAT_TRY(read_slot(&r, &c.sigs[1]));
    UAT_TRY(uat_rd_end(&r));
    c.body = uat_span_of(in.p, UAT_CSV_CERT_SIGNED_SIZE);
    *out = c;
    return UAT_OK;
}

uat_err uat_csv_hsk_cek_parse(uat_span in, uat_csv_ca_cert *hsk, uat_csv_cert *cek)
{
    /* [trustee] csv/mod.rs: hsk_cek.cert is ca::Certificate then csv::Certificate */
    UAT_TRY(exact_size(in, UAT_CSV_HSK_CEK_SIZE, "csv.hsk_cek"));
    uat_csv_ca_cert h;
    UAT_TRY(uat_csv_ca_cert_parse(uat_span_of(in.p, UAT_CSV_CA_CERT_SIZE), &h));
    uat_csv_cert c;
    UAT_TRY(uat_csv_cert_parse(uat_span_of(in.p + UAT_CSV_CA_CERT_SIZE, UAT_CSV_CERT_SIZE), &c));
    *hsk = h;
    *cek = c;
    return UAT_OK;
}

uat_err uat_csv_cert_slot(const uat_csv_cert *c, uint32_t issuer_usage, const char *what,
                          const uat_csv_sig_slot **out)
{
    const uat_csv_sig_slot *found = NULL;
    for (size_t i = 0; i < 2; i++) {
        /* [csv-rs] crypto/mod.rs PublicKey::verify: sig.usage == key.usage, sig.algo == key.algo */
        if (c->sigs[i].usage != issuer_usage) {
            continue;
        }
        if (found != NULL) {
            return UAT_FAILF(UAT_ERR_VERIFY_CHAIN, "csv.chain", "sig_usage", -1,
                             "the %s has two signature slots of the %s", what,
                             uat_csv_usage_name(issuer_usage));
        }
        found = &c->sigs[i];
    }
    if (found == NULL) {
        return UAT_FAILF(UAT_ERR_VERIFY_CHAIN, "csv.chain", "sig_usage", -1,
                         "the %s has no signature slot of the %s (usage 0x%x)", what,
                         uat_csv_usage_name(issuer_usage), issuer_usage);
    }
    *out = found;
    return UAT_OK;
}

const char *uat_csv_usage_name(uint32_t usage)
{
    switch (usage) {
    case UAT_CSV_USAGE_HRK:
        return "HRK";
    case UAT_CSV_USAGE_HSK:
        return "HSK";
    case UAT_CSV_USAGE_INVALID:
        return "none";
    case UAT_CSV_USAGE_OCA:
        return "OCA";
    case UAT_CSV_USAGE_PEK:
        return "PEK";
    case UAT_CSV_USAGE_PDH:
        return "PDH";
    case UAT_CSV_USAGE_CEK:
        return "CEK";
    default:
        return "?";
    }
}

/* The user ID as text when it is printable ASCII, else as hex. */
static uat_err set_uid(json_t *o, const uint8_t *id, size_t n)
{
    char text[UAT_CSV_UID_FIELD + 1];
    for (size_t i = 0; i < n; i++) {
        if (id[i] < 0x20 || id[i] > 0x7e) {
            return uat_json_set_hex(o, "user_id_hex", id, n);
        }
        text[i] = (char)id[i];
    }
    text[n] = '\0';
    return uat_json_set_str(o, "user_id", text);
}

static uat_err set_key(json_t *o, uint32_t curve, const uat_csv_point *k)
{
    UAT_TRY(uat_json_set_int(o, "g", curve));
    UAT_TRY(uat_json_set_hex(o, "x", k->x, sizeof(k->x)));
    return uat_json_set_hex(o, "y", k->y, sizeof(k->y));
}

uat_err uat_csv_ca_cert_describe(const uat_csv_ca_cert *c, json_t *o)
{
    UAT_TRY(uat_json_set_int(o, "ver", c->ver));
    UAT_TRY(uat_json_set_hex(o, "kid", c->kid, sizeof(c->kid)));
    UAT_TRY(uat_json_set_hex(o, "sid", c->sid, sizeof(c->sid)));
    UAT_TRY(uat_json_set_int(o, "usage", c->usage));
    UAT_TRY(uat_json_set_str(o, "usage_name", uat_csv_usage_name(c->usage)));
    UAT_TRY(set_key(o, c->curve, &c->key));
    return set_uid(o, c->user_id, c->uid_size);
}

uat_err uat_csv_cert_describe(const uat_csv_cert *c, json_t *o)
{
    UAT_TRY(uat_json_set_int(o, "ver", c->ver));
    UAT_TRY(uat_json_set_int(o, "api_major", c->api_major));
    UAT_TRY(uat_json_set_int(o, "api_minor", c->api_minor));
    UAT_TRY(uat_json_set_int(o, "usage", c->usage));
    UAT_TRY(uat_json_set_str(o, "usage_name", uat_csv_usage_name(c->usage)));
    UAT_TRY(uat_json_set_int(o, "algo", c->algo));
    UAT_TRY(set_key(o, c->curve, &c->key));
    UAT_TRY(set_uid(o, c->user_id, c->uid_size));
    UAT_TRY(uat_json_set_hex(o, "sid", c->sid, sizeof(c->sid)));
    json_t *sigs = json_array();
    UAT_TRY(uat_json_set(o, "sigs", sigs));
    for (size_t i = 0; i < 2; i++) {
        json_t *s = json_object();
        if (s == NULL || json_array_append_new(sigs, s) != 0) {
            return UAT_NOMEM(CHECK_CERT);
        }
        UAT_TRY(uat_json_set_int(s, "usage", c->sigs[i].usage));
        UAT_TRY(uat_json_set_str(s, "usage_name", uat_csv_usage_name(c->sigs[i].usage)));
        UAT_TRY(uat_json_set_int(s, "algo", c->sigs[i].algo));
    }
    return UAT_OK;
}
