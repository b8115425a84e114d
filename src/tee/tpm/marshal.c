/* TPM 2.0 structures read through the bounded reader: TPMS_ATTEST (quote, certify), TPMT_PUBLIC
 * (RSA, ECC), TPMT_SIGNATURE (RSASSA, RSAPSS, ECDSA); Names; TPMT_PUBLIC to a crypto-layer key.
 * Every structure is read field by field in the order of its table, every TPM2B is checked
 * against the size of the union it carries, and a structure must end exactly where its input does.
 *
 * spec: TCG TPM 2.0 Library Part 2 "Structures" rev 1.59 (the table of each structure is named at
 *       its reader);
 *       Part 1 "Architecture" rev 1.59 §16 (Names).
 */
#include <stdio.h>
#include <string.h>

#include "evidence/tcglog.h"
#include "tee/tpm/tpm.h"

#define CHECK_ATTEST "tpm.attest"
#define CHECK_PUBLIC "tpm.public"
#define CHECK_SIG "tpm.signature"

#define MAX_DIGEST 64u     /* sizeof(TPMU_HA) */
#define MAX_RSA_BYTES 512u /* TPM2B_PUBLIC_KEY_RSA: MAX_RSA_KEY_BYTES for 4096-bit keys */
#define MAX_ECC_BYTES 66u  /* TPM2B_ECC_PARAMETER: MAX_ECC_KEY_BYTES for P-521 */

/* spec: Part 2 TPM_ALG_ID, TPMI_ALG_HASH. One mapping serves TPM structures and event logs
 * (uat_tcg_hash_alg); here an id that is no hash algorithm at all is malformed input. */
uat_err uat_tpm_hash_alg_at(uint16_t alg, const char *check, const char *field, int64_t offset,
                            enum uat_hash_alg *out)
{
    if (uat_tcg_hash_alg(alg, out) == UAT_OK) {
        return UAT_OK;
    }
    if (alg >= UAT_TPM_ALG_SHA3_256 && alg <= UAT_TPM_ALG_SHA3_512) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_ALGORITHM, check, field, offset,
                         "hash algorithm 0x%04x (SHA-3) is not supported", alg);
    }
    return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, check, field, offset,
                     "TPM_ALG_ID 0x%04x is not a hash algorithm", alg);
}

uat_err uat_tpm_hash_alg(uint16_t alg, enum uat_hash_alg *out)
{
    return uat_tpm_hash_alg_at(alg, "tpm", "hashAlg", -1, out);
}

/* A TPM2B: a 16-bit size, then that many bytes; the size at most the carried union's. */
static uat_err rd_tpm2b(uat_reader *r, const char *field, size_t max, uat_span *out)
{
    int64_t at = uat_rd_pos(r);
    uint16_t n = 0;
    UAT_TRY(uat_rd_u16be(r, field, &n));
    if (n > max) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_LENGTH, r->check, field, at, "size %u, at most %zu",
                         n, max);
    }
    return uat_rd_span(r, n, field, out);
}

static uat_err rd_tpm2b_copy(uat_reader *r, const char *field, size_t max, uint8_t *dst,
                             size_t *len)
{
    uat_span s;
    UAT_TRY(rd_tpm2b(r, field, max, &s));
    if (s.len > 0) {
        memcpy(dst, s.p, s.len);
    }
    *len = s.len;
    return UAT_OK;
}

/* A TPMI_ALG_HASH field; NULL only where the table has "+" (allow_null). */
static uat_err rd_hash(uat_reader *r, const char *field, int allow_null, uint16_t *alg)
{
    int64_t at = uat_rd_pos(r);
    enum uat_hash_alg h;
    UAT_TRY(uat_rd_u16be(r, field, alg));
    if (allow_null && *alg == UAT_TPM_ALG_NULL) {
        return UAT_OK;
    }
    return uat_tpm_hash_alg_at(*alg, r->check, field, at, &h);
}

/* spec: Part 2 TPM2B_NAME, Part 1 §16: a Name is a handle (4 bytes) or nameAlg || digest */
static uat_err rd_name(uat_reader *r, const char *field, uint8_t *dst, size_t *len)
{
    int64_t at = uat_rd_pos(r) + 2;
    UAT_TRY(rd_tpm2b_copy(r, field, UAT_TPM_MAX_NAME, dst, len));
    if (*len == 4) {
        return UAT_OK;
    }
    if (*len < 2) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_LENGTH, r->check, field, at,
                         "a %zu-byte Name (a handle or an algorithm and a digest)", *len);
    }
    enum uat_hash_alg h;
    UAT_TRY(uat_tpm_hash_alg_at((uint16_t)(dst[0] << 8 | dst[1]), r->check, field, at, &h));
    if (*len != 2 + uat_hash_len(h)) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_LENGTH, r->check, field, at,
                         "a %zu-byte Name with a %zu-byte %s digest", *len, uat_hash_len(h),
                         uat_hash_name(h));
    }
    return UAT_OK;
}

/* ---- TPMS_ATTEST ------------------------------------------------------------------------- */

/* spec: Part 2 TPMS_PCR_SELECTION, TPML_PCR_SELECTION (bit j of octet i selects
 * PCR 8i + j); PCR_SELECT_MAX is 3 octets for the 24 PCRs of a PC Client TPM */
static uat_err rd_pcr_selection(uat_reader *r, uat_tpm_attest *a)
{
    int64_t at = uat_rd_pos(r);
    uint32_t count = 0;
    char field[64];
    UAT_TRY(uat_rd_u32be(r, "pcrSelect.count", &count));
    if (count > UAT_TPM_MAX_BANKS) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_LENGTH, CHECK_ATTEST, "pcrSelect.count", at,
                         "%u banks selected, at most %u", count, UAT_TPM_MAX_BANKS);
    }
    for (uint32_t i = 0; i < count; i++) {
        uat_tpm_pcr_select *s = &a->sel[i];
        uint8_t size = 0, octet = 0;
        snprintf(field, sizeof(field), "pcrSelect.pcrSelections[%u].hash", i);
        at = uat_rd_pos(r);
        UAT_TRY(rd_hash(r, field, 0, &s->hash));
        for (uint32_t k = 0; k < i; k++) {
            if (a->sel[k].hash == s->hash) {
                return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK_ATTEST, field, at,
                                 "bank 0x%04x is selected twice", s->hash);
            }
        }
        snprintf(field, sizeof(field), "pcrSelect.pcrSelections[%u].sizeofSelect", i);
        at = uat_rd_pos(r);
        UAT_TRY(uat_rd_u8(r, field, &size));
        if (size > 3) {
            return UAT_FAILF(UAT_ERR_PARSE_BAD_LENGTH, CHECK_ATTEST, field, at,
                             "sizeofSelect %u: a TPM has 24 PCRs (3 octets)", size);
        }
        snprintf(field, sizeof(field), "pcrSelect.pcrSelections[%u].pcrSelect", i);
        s->mask = 0;
        for (unsigned k = 0; k < size; k++) {
            UAT_TRY(uat_rd_u8(r, field, &octet));
            s->mask |= (uint32_t)octet << (8 * k);
        }
    }
    a->nsel = count;
    return UAT_OK;
}

/* spec: Part 2 TPMS_CLOCK_INFO */
static uat_err rd_clock_info(uat_reader *r, uat_tpm_attest *a)
{
    UAT_TRY(uat_rd_u64be(r, "clockInfo.clock", &a->clock));
    UAT_TRY(uat_rd_u32be(r, "clockInfo.resetCount", &a->reset_count));
    UAT_TRY(uat_rd_u32be(r, "clockInfo.restartCount", &a->restart_count));
    int64_t at = uat_rd_pos(r);
    UAT_TRY(uat_rd_u8(r, "clockInfo.safe", &a->safe));
    /* spec: Part 2 TPMI_YES_NO */
    if (a->safe > 1) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK_ATTEST, "clockInfo.safe", at,
                         "TPMI_YES_NO %u (0 or 1)", a->safe);
    }
    return UAT_OK;
}

/* spec: Part 2 TPMS_ATTEST, TPMS_QUOTE_INFO, TPMS_CERTIFY_INFO */
uat_err uat_tpm_parse_attest(uat_span in, uat_tpm_attest *out)
{
    UAT_ENSURE(out != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK_ATTEST, "", -1);
    uat_reader r;
    uat_rd_init(&r, in, CHECK_ATTEST);
    uat_tpm_attest a;
    memset(&a, 0, sizeof(a));
    UAT_TRY(uat_rd_u32be(&r, "magic", &a.magic));
    if (a.magic != UAT_TPM_GENERATED_VALUE) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_MAGIC, CHECK_ATTEST, "magic", 0,
                         "magic 0x%08x, not TPM_GENERATED_VALUE 0xff544347: the TPM did not "
                         "produce this structure",
                         a.magic);
    }
    UAT_TRY(uat_rd_u16be(&r, "type", &a.type));
    if (a.type != UAT_TPM_ST_ATTEST_QUOTE && a.type != UAT_TPM_ST_ATTEST_CERTIFY) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK_ATTEST, "type", 4,
                         "TPM_ST 0x%04x: only quote (0x8018) and certify (0x8017) statements are "
                         "verified",
                         a.type);
    }
    UAT_TRY(rd_name(&r, "qualifiedSigner", a.qualified_signer, &a.qualified_signer_len));
    UAT_TRY(rd_tpm2b_copy(&r, "extraData", UAT_TPM_MAX_DATA, a.extra_data, &a.extra_data_len));
    UAT_TRY(rd_clock_info(&r, &a));
    UAT_TRY(uat_rd_u64be(&r, "firmwareVersion", &a.firmware_version));
    if (a.type == UAT_TPM_ST_ATTEST_QUOTE) {
        UAT_TRY(rd_pcr_selection(&r, &a));
        UAT_TRY(rd_tpm2b_copy(&r, "pcrDigest", MAX_DIGEST, a.pcr_digest, &a.pcr_digest_len));
    } else {
        UAT_TRY(rd_name(&r, "attested.certify.name", a.name, &a.name_len));
        UAT_TRY(rd_name(&r, "attested.certify.qualifiedName", a.qualified_name,
                        &a.qualified_name_len));
    }
    UAT_TRY(uat_rd_end(&r));
    *out = a;
    return UAT_OK;
}

/* ---- TPMT_PUBLIC ------------------------------------------------------------------------- */

/* spec: Part 2 TPMT_SYM_DEF_OBJECT (TPMI_ALG_SYM_OBJECT+, TPMU_SYM_KEY_BITS,
 * TPMU_SYM_MODE with TPMI_ALG_SYM_MODE+) */
static uat_err rd_symmetric(uat_reader *r, uat_tpm_public *p)
{
    int64_t at = uat_rd_pos(r);
    UAT_TRY(uat_rd_u16be(r, "parameters.symmetric.algorithm", &p->sym_alg));
    p->sym_bits = 0;
    p->sym_mode = UAT_TPM_ALG_NULL;
    if (p->sym_alg == UAT_TPM_ALG_NULL) {
        return UAT_OK;
    }
    if (p->sym_alg != UAT_TPM_ALG_AES && p->sym_alg != UAT_TPM_ALG_SM4 &&
        p->sym_alg != UAT_TPM_ALG_CAMELLIA) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK_PUBLIC, "parameters.symmetric.algorithm",
                         at, "0x%04x is not a block cipher for objects", p->sym_alg);
    }
    at = uat_rd_pos(r);
    UAT_TRY(uat_rd_u16be(r, "parameters.symmetric.keyBits", &p->sym_bits));
    int bits_ok = p->sym_alg == UAT_TPM_ALG_SM4
                      ? p->sym_bits == 128
                      : p->sym_bits == 128 || p->sym_bits == 192 || p->sym_bits == 256;
    if (!bits_ok) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK_PUBLIC, "parameters.symmetric.keyBits",
                         at, "%u key bits for cipher 0x%04x", p->sym_bits, p->sym_alg);
    }
    at = uat_rd_pos(r);
    UAT_TRY(uat_rd_u16be(r, "parameters.symmetric.mode", &p->sym_mode));
    uint16_t m = p->sym_mode;
    if (!(m == UAT_TPM_ALG_CTR || m == UAT_TPM_ALG_OFB || m == UAT_TPM_ALG_CBC ||
          m == UAT_TPM_ALG_CFB || m == UAT_TPM_ALG_ECB || m == UAT_TPM_ALG_NULL)) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK_PUBLIC, "parameters.symmetric.mode", at,
                         "0x%04x is not a block cipher mode", m);
    }
    return UAT_OK;
}

/* spec: Part 2 TPMT_RSA_SCHEME (TPMI_ALG_RSA_SCHEME+), TPMT_ECC_SCHEME
 * (TPMI_ALG_ECC_SCHEME+), TPMS_SCHEME_ECDAA; RSAES has no details */
static uat_err rd_scheme(uat_reader *r, uat_tpm_public *p)
{
    int64_t at = uat_rd_pos(r);
    UAT_TRY(uat_rd_u16be(r, "parameters.scheme.scheme", &p->scheme));
    uint16_t s = p->scheme;
    p->scheme_hash = UAT_TPM_ALG_NULL;
    p->scheme_count = 0;
    int rsa = p->type == UAT_TPM_ALG_RSA;
    if (s == UAT_TPM_ALG_NULL || (rsa && s == UAT_TPM_ALG_RSAES)) {
        return UAT_OK;
    }
    int with_hash = rsa ? s == UAT_TPM_ALG_RSASSA || s == UAT_TPM_ALG_RSAPSS ||
                              s == UAT_TPM_ALG_OAEP
                        : s == UAT_TPM_ALG_ECDSA || s == UAT_TPM_ALG_ECDH ||
                              s == UAT_TPM_ALG_ECDAA || s == UAT_TPM_ALG_SM2 ||
                              s == UAT_TPM_ALG_ECSCHNORR || s == UAT_TPM_ALG_ECMQV;
    if (!with_hash) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK_PUBLIC, "parameters.scheme.scheme", at,
                         "0x%04x is not a scheme for %s keys", s, rsa ? "RSA" : "ECC");
    }
    UAT_TRY(rd_hash(r, "parameters.scheme.details.hashAlg", 0, &p->scheme_hash));
    if (s == UAT_TPM_ALG_ECDAA) {
        UAT_TRY(uat_rd_u16be(r, "parameters.scheme.details.count", &p->scheme_count));
    }
    return UAT_OK;
}

/* spec: Part 2 TPMT_KDF_SCHEME (TPMI_ALG_KDF+) */
static uat_err rd_kdf(uat_reader *r, uat_tpm_public *p)
{
    int64_t at = uat_rd_pos(r);
    UAT_TRY(uat_rd_u16be(r, "parameters.kdf.scheme", &p->kdf));
    uint16_t k = p->kdf;
    p->kdf_hash = UAT_TPM_ALG_NULL;
    if (k == UAT_TPM_ALG_NULL) {
        return UAT_OK;
    }
    if (k != UAT_TPM_ALG_MGF1 && k != UAT_TPM_ALG_KDF1_SP800_56A && k != UAT_TPM_ALG_KDF2 &&
        k != UAT_TPM_ALG_KDF1_SP800_108) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK_PUBLIC, "parameters.kdf.scheme", at,
                         "0x%04x is not a key derivation function", k);
    }
    return rd_hash(r, "parameters.kdf.details.hashAlg", 0, &p->kdf_hash);
}

/* spec: Part 2 TPM_ECC_CURVE: the field size of each curve a TPM may implement; 0 unknown */
static size_t curve_bytes(uint16_t curve)
{
    switch (curve) {
    case UAT_TPM_ECC_NIST_P192: return 24;
    case UAT_TPM_ECC_NIST_P224: return 28;
    case UAT_TPM_ECC_NIST_P256:
    case UAT_TPM_ECC_BN_P256:
    case UAT_TPM_ECC_SM2_P256: return 32;
    case UAT_TPM_ECC_NIST_P384: return 48;
    case UAT_TPM_ECC_NIST_P521: return 66;
    case UAT_TPM_ECC_BN_P638: return 80;
    default: return 0;
    }
}

/* spec: Part 2 TPMS_RSA_PARMS, TPMI_RSA_KEY_BITS,
 * TPM2B_PUBLIC_KEY_RSA */
static uat_err rd_rsa(uat_reader *r, uat_tpm_public *p)
{
    UAT_TRY(rd_symmetric(r, p));
    UAT_TRY(rd_scheme(r, p));
    int64_t at = uat_rd_pos(r);
    UAT_TRY(uat_rd_u16be(r, "parameters.keyBits", &p->rsa_bits));
    if (p->rsa_bits != 1024 && p->rsa_bits != 2048 && p->rsa_bits != 3072 &&
        p->rsa_bits != 4096) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK_PUBLIC, "parameters.keyBits", at,
                         "%u-bit RSA (1024, 2048, 3072 or 4096)", p->rsa_bits);
    }
    UAT_TRY(uat_rd_u32be(r, "parameters.exponent", &p->rsa_exponent));
    at = uat_rd_pos(r);
    UAT_TRY(rd_tpm2b_copy(r, "unique.rsa", MAX_RSA_BYTES, p->rsa_modulus, &p->rsa_modulus_len));
    if (p->rsa_modulus_len != p->rsa_bits / 8u) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_LENGTH, CHECK_PUBLIC, "unique.rsa", at,
                         "a %zu-byte modulus for a %u-bit key", p->rsa_modulus_len, p->rsa_bits);
    }
    return UAT_OK;
}

/* spec: Part 2 TPMS_ECC_PARMS, TPMS_ECC_POINT */
static uat_err rd_ecc(uat_reader *r, uat_tpm_public *p)
{
    UAT_TRY(rd_symmetric(r, p));
    UAT_TRY(rd_scheme(r, p));
    int64_t at = uat_rd_pos(r);
    UAT_TRY(uat_rd_u16be(r, "parameters.curveID", &p->curve));
    size_t fl = curve_bytes(p->curve);
    if (fl == 0) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK_PUBLIC, "parameters.curveID", at,
                         "TPM_ECC_CURVE 0x%04x", p->curve);
    }
    if (fl > MAX_ECC_BYTES) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_ALGORITHM, CHECK_PUBLIC, "parameters.curveID", at,
                         "curve 0x%04x (BN P-638) is not supported", p->curve);
    }
    UAT_TRY(rd_kdf(r, p));
    /* a TPM pads coordinates to the field size; a shorter one is accepted and padded when used */
    at = uat_rd_pos(r);
    UAT_TRY(rd_tpm2b_copy(r, "unique.ecc.x", fl, p->ecc_x, &p->ecc_x_len));
    UAT_ENSURE(p->ecc_x_len > 0, UAT_ERR_PARSE_BAD_LENGTH, CHECK_PUBLIC, "unique.ecc.x", at);
    at = uat_rd_pos(r);
    UAT_TRY(rd_tpm2b_copy(r, "unique.ecc.y", fl, p->ecc_y, &p->ecc_y_len));
    UAT_ENSURE(p->ecc_y_len > 0, UAT_ERR_PARSE_BAD_LENGTH, CHECK_PUBLIC, "unique.ecc.y", at);
    return UAT_OK;
}

/* spec: Part 2 TPMT_PUBLIC, TPMA_OBJECT */
uat_err uat_tpm_parse_public(uat_span in, uat_tpm_public *out)
{
    UAT_ENSURE(out != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK_PUBLIC, "", -1);
    uat_reader r;
    uat_rd_init(&r, in, CHECK_PUBLIC);
    uat_tpm_public p;
    memset(&p, 0, sizeof(p));
    UAT_TRY(uat_rd_u16be(&r, "type", &p.type));
    if (p.type != UAT_TPM_ALG_RSA && p.type != UAT_TPM_ALG_ECC) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK_PUBLIC, "type", 0,
                         "TPMI_ALG_PUBLIC 0x%04x: only RSA (0x0001) and ECC (0x0023) keys",
                         p.type);
    }
    UAT_TRY(rd_hash(&r, "nameAlg", 0, &p.name_alg));
    int64_t at = uat_rd_pos(&r);
    UAT_TRY(uat_rd_u32be(&r, "objectAttributes", &p.attributes));
    if (p.attributes & UAT_TPMA_RESERVED) {
        return UAT_FAILF(UAT_ERR_PARSE_RESERVED_NONZERO, CHECK_PUBLIC, "objectAttributes", at,
                         "reserved bits 0x%08x are set", p.attributes & UAT_TPMA_RESERVED);
    }
    UAT_TRY(rd_tpm2b_copy(&r, "authPolicy", MAX_DIGEST, p.auth_policy, &p.auth_policy_len));
    UAT_TRY(p.type == UAT_TPM_ALG_RSA ? rd_rsa(&r, &p) : rd_ecc(&r, &p));
    UAT_TRY(uat_rd_end(&r));
    p.raw = in;
    *out = p;
    return UAT_OK;
}

/* ---- TPMT_SIGNATURE ---------------------------------------------------------------------- */

static int is_signature_alg(uint16_t alg)
{
    return alg == UAT_TPM_ALG_RSASSA || alg == UAT_TPM_ALG_RSAPSS || alg == UAT_TPM_ALG_ECDSA ||
           alg == UAT_TPM_ALG_ECDAA || alg == UAT_TPM_ALG_SM2 || alg == UAT_TPM_ALG_ECSCHNORR ||
           alg == UAT_TPM_ALG_HMAC || alg == UAT_TPM_ALG_NULL;
}

/* spec: Part 2 TPMT_SIGNATURE, TPMS_SIGNATURE_RSA, TPMS_SIGNATURE_ECC */
uat_err uat_tpm_parse_signature(uat_span in, uat_tpm_signature *out)
{
    UAT_ENSURE(out != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK_SIG, "", -1);
    uat_reader r;
    uat_rd_init(&r, in, CHECK_SIG);
    uat_tpm_signature s;
    memset(&s, 0, sizeof(s));
    UAT_TRY(uat_rd_u16be(&r, "sigAlg", &s.sig_alg));
    if (s.sig_alg != UAT_TPM_ALG_RSASSA && s.sig_alg != UAT_TPM_ALG_RSAPSS &&
        s.sig_alg != UAT_TPM_ALG_ECDSA) {
        return UAT_FAILF(is_signature_alg(s.sig_alg) ? UAT_ERR_UNSUPPORTED_ALGORITHM
                                                     : UAT_ERR_PARSE_BAD_VALUE,
                         CHECK_SIG, "sigAlg", 0,
                         "signature algorithm 0x%04x: RSASSA, RSAPSS and ECDSA are verified",
                         s.sig_alg);
    }
    UAT_TRY(rd_hash(&r, "signature.hash", 0, &s.hash));
    int64_t at = uat_rd_pos(&r);
    if (s.sig_alg == UAT_TPM_ALG_ECDSA) {
        UAT_TRY(rd_tpm2b_copy(&r, "signature.signatureR", MAX_ECC_BYTES, s.ecc_r, &s.ecc_r_len));
        UAT_ENSURE(s.ecc_r_len > 0, UAT_ERR_PARSE_BAD_LENGTH, CHECK_SIG, "signature.signatureR",
                   at);
        at = uat_rd_pos(&r);
        UAT_TRY(rd_tpm2b_copy(&r, "signature.signatureS", MAX_ECC_BYTES, s.ecc_s, &s.ecc_s_len));
        UAT_ENSURE(s.ecc_s_len > 0, UAT_ERR_PARSE_BAD_LENGTH, CHECK_SIG, "signature.signatureS",
                   at);
    } else {
        UAT_TRY(rd_tpm2b_copy(&r, "signature.sig", MAX_RSA_BYTES, s.rsa, &s.rsa_len));
        UAT_ENSURE(s.rsa_len > 0, UAT_ERR_PARSE_BAD_LENGTH, CHECK_SIG, "signature.sig", at);
    }
    UAT_TRY(uat_rd_end(&r));
    *out = s;
    return UAT_OK;
}

/* ---- Names and keys ---------------------------------------------------------------------- */

/* spec: Part 1 §16: Name = nameAlg || H_nameAlg(TPMT_PUBLIC), nameAlg big-endian */
uat_err uat_tpm_name(const uat_tpm_public *pub, uint8_t *name, size_t *name_len)
{
    UAT_ENSURE(pub != NULL && name != NULL && name_len != NULL && pub->raw.len > 0,
               UAT_ERR_USAGE_INVALID_ARGUMENT, "tpm.name", "", -1);
    enum uat_hash_alg h;
    UAT_TRY(uat_tpm_hash_alg_at(pub->name_alg, "tpm.name", "nameAlg", 2, &h));
    name[0] = (uint8_t)(pub->name_alg >> 8);
    name[1] = (uint8_t)pub->name_alg;
    UAT_TRY(uat_hash(h, &pub->raw, 1, name + 2));
    *name_len = 2 + uat_hash_len(h);
    return UAT_OK;
}

static uat_err rsa_key(const uat_tpm_public *pub, uat_key **out)
{
    /* spec: Part 2 TPMS_RSA_PARMS: an exponent of zero is the default 2^16 + 1 */
    uint32_t e = pub->rsa_exponent != 0 ? pub->rsa_exponent : 65537u;
    uint8_t eb[4] = {(uint8_t)(e >> 24), (uint8_t)(e >> 16), (uint8_t)(e >> 8), (uint8_t)e};
    size_t skip = 0;
    while (skip < 3 && eb[skip] == 0) {
        skip++;
    }
    return uat_key_from_rsa(uat_span_of(pub->rsa_modulus, pub->rsa_modulus_len),
                            uat_span_of(eb + skip, 4 - skip), out);
}

static uat_err ecc_key(const uat_tpm_public *pub, uat_key **out)
{
    enum uat_key_kind kind = pub->curve == UAT_TPM_ECC_NIST_P256   ? UAT_KEY_EC_P256
                             : pub->curve == UAT_TPM_ECC_NIST_P384 ? UAT_KEY_EC_P384
                             : pub->curve == UAT_TPM_ECC_NIST_P521 ? UAT_KEY_EC_P521
                                                                   : UAT_KEY_OTHER;
    if (kind == UAT_KEY_OTHER) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_ALGORITHM, "tpm.key", "parameters.curveID", -1,
                         "curve 0x%04x: NIST P-256, P-384 and P-521 keys are supported",
                         pub->curve);
    }
    size_t fl = curve_bytes(pub->curve);
    uint8_t x[MAX_ECC_BYTES], y[MAX_ECC_BYTES];
    UAT_ENSURE(pub->ecc_x_len <= fl && pub->ecc_y_len <= fl, UAT_ERR_CRYPTO_BAD_KEY, "tpm.key",
               "unique.ecc", -1);
    memset(x, 0, sizeof(x));
    memset(y, 0, sizeof(y));
    memcpy(x + fl - pub->ecc_x_len, pub->ecc_x, pub->ecc_x_len);
    memcpy(y + fl - pub->ecc_y_len, pub->ecc_y, pub->ecc_y_len);
    return uat_key_from_ec_point(kind, uat_span_of(x, fl), uat_span_of(y, fl), out);
}

uat_err uat_tpm_public_key(const uat_tpm_public *pub, uat_key **out)
{
    UAT_ENSURE(pub != NULL && out != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, "tpm.key", "", -1);
    if (pub->type == UAT_TPM_ALG_RSA) {
        return rsa_key(pub, out);
    }
    UAT_ENSURE(pub->type == UAT_TPM_ALG_ECC, UAT_ERR_PARSE_BAD_VALUE, "tpm.key", "type", -1);
    return ecc_key(pub, out);
}
