/* Enrolment by credential activation: the verifier makes a credential for an AK Name that only
 * the TPM holding both that AK and the certified EK can open (MakeCredential, in software: the
 * crypto layer only, no TPM); the attester opens it with TPM2_ActivateCredential.
 *
 * spec: TCG TPM 2.0 Library rev 1.59 Part 1 §24 (credential protection: seed, KDFa "STORAGE" and
 *       "INTEGRITY", AES-CFB with a zero IV, outer HMAC over encIdentity || Name), §11.4.10 (KDFa,
 *       KDFe), Annex B.10.4 (RSA secret: OAEP with label "IDENTITY"), Annex C.6.4 (ECC secret:
 *       ECDH + KDFe "IDENTITY"); Part 3 §12.5 ActivateCredential, §12.6 MakeCredential;
 *       TCG EK Credential Profile 2.5 §B.3 (EK templates L-1, L-2, H-3).
 *
 * Challenge (docs/tpm.md): a CBOR map with text keys, all required, nothing else:
 *   "ek_template"       tstr  "rsa-2048" (L-1) | "ecc-nist-p256" (L-2) | "ecc-nist-p384" (H-3)
 *   "ek_name"           bstr  Name of the EK the secret is encrypted to
 *   "ak_name"           bstr  Name of the AK the credential is bound to
 *   "id_object"         bstr  TPM2B_ID_OBJECT contents: TPM2B integrityHMAC || encIdentity
 *   "encrypted_secret"  bstr  TPM2B_ENCRYPTED_SECRET contents (RSA: OAEP ciphertext; ECC: the
 *                             ephemeral TPMS_ECC_POINT)
 */
#include <cbor.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_mu.h>

#include "collateral/trust.h"
#include "core/file.h"
#include "core/limits.h"
#include "tee/tpm/esys.h"

#define CHECK_C "tpm.enrol_challenge"
#define CHECK_R "tpm.enrol_respond"
#define SECRET_LEN 32u
#define MAX_CHALLENGE 4096u

/* ---- EK templates ----------------------------------------------------------------------- */

/* spec: EK Credential Profile 2.5 §B.3.3: PolicyA (SHA-256), §B.3.4: PolicyB (SHA-384) */
static const uint8_t policy_a_sha256[32] = {
    0x83, 0x71, 0x97, 0x67, 0x44, 0x84, 0xB3, 0xF8, 0x1A, 0x90, 0xCC, 0x8D, 0x46, 0xA5, 0xD7, 0x24,
    0xFD, 0x52, 0xD7, 0x6E, 0x06, 0x52, 0x0B, 0x64, 0xF2, 0xA1, 0xDA, 0x1B, 0x33, 0x14, 0x69, 0xAA};
static const uint8_t policy_b_sha384[48] = {
    0xB2, 0x6E, 0x7D, 0x28, 0xD1, 0x1A, 0x50, 0xBC, 0x53, 0xD8, 0x82, 0xBC, 0xF5, 0xFD, 0x3A, 0x1A,
    0x07, 0x41, 0x48, 0xBB, 0x35, 0xD3, 0xB4, 0xE4, 0xCB, 0x1C, 0x0A, 0xD9, 0xBD, 0xE4, 0x19, 0xCA,
    0xCB, 0x47, 0xBA, 0x09, 0x69, 0x96, 0x46, 0x15, 0x0F, 0x9F, 0xC0, 0x00, 0xF3, 0xF8, 0x0E, 0x12};

typedef struct ek_tmpl {
    const char *name;
    enum uat_key_kind kind;
    uint16_t name_alg;
    enum uat_hash_alg hash;
    uint16_t sym_bits;
    uint32_t attrs;
    const uint8_t *policy;
    size_t policy_len;
    uint16_t curve;    /* 0 for RSA */
    size_t unique_len; /* template's unique: zeros of the key size (low range) or empty */
} ek_tmpl;

#define EK_ATTRS_L                                                                                 \
    (UAT_TPMA_FIXED_TPM | UAT_TPMA_FIXED_PARENT | UAT_TPMA_SENSITIVE_DATA_ORIGIN |                 \
     UAT_TPMA_ADMIN_WITH_POLICY | UAT_TPMA_RESTRICTED | UAT_TPMA_DECRYPT)

static const ek_tmpl ek_templates[] = {
    {"rsa-2048", UAT_KEY_RSA, UAT_TPM_ALG_SHA256, UAT_HASH_SHA256, 128, EK_ATTRS_L, policy_a_sha256,
     32, 0, 256},
    {"ecc-nist-p256", UAT_KEY_EC_P256, UAT_TPM_ALG_SHA256, UAT_HASH_SHA256, 128, EK_ATTRS_L,
     policy_a_sha256, 32, UAT_TPM_ECC_NIST_P256, 32},
    {"ecc-nist-p384", UAT_KEY_EC_P384, UAT_TPM_ALG_SHA384, UAT_HASH_SHA384, 256,
     EK_ATTRS_L | UAT_TPMA_USER_WITH_AUTH, policy_b_sha384, 48, UAT_TPM_ECC_NIST_P384, 0},
};

static const ek_tmpl *template_by_kind(enum uat_key_kind kind)
{
    for (size_t i = 0; i < sizeof(ek_templates) / sizeof(ek_templates[0]); i++) {
        if (ek_templates[i].kind == kind) {
            return &ek_templates[i];
        }
    }
    return NULL;
}

static const ek_tmpl *template_by_name(uat_span name)
{
    for (size_t i = 0; i < sizeof(ek_templates) / sizeof(ek_templates[0]); i++) {
        if (strlen(ek_templates[i].name) == name.len &&
            memcmp(ek_templates[i].name, name.p, name.len) == 0) {
            return &ek_templates[i];
        }
    }
    return NULL;
}

static uat_err put_tpm2b(uat_buf *b, const uint8_t *p, size_t n)
{
    UAT_ENSURE(n <= UINT16_MAX, UAT_ERR_INTERNAL, "tpm.marshal", "", -1);
    UAT_TRY(uat_buf_put_u16be(b, (uint16_t)n));
    return n > 0 ? uat_buf_append(b, p, n) : UAT_OK;
}

static uat_err put_zero_tpm2b(uat_buf *b, size_t n)
{
    UAT_TRY(uat_buf_put_u16be(b, (uint16_t)n));
    return uat_buf_put_zeros(b, n);
}

/* The unique field: the key (a created EK) or the template's zeros / emptiness (to create one). */
static uat_err put_unique(uat_buf *b, const ek_tmpl *t, const uat_key *key)
{
    if (t->kind == UAT_KEY_RSA) {
        if (key == NULL) {
            return put_zero_tpm2b(b, t->unique_len);
        }
        uat_buf n;
        uat_buf_init(&n, 1024);
        uint64_t e = 0;
        uat_err rc = uat_key_rsa_public(key, &n, &e);
        if (rc == UAT_OK && (n.len != 256 || e != 65537)) {
            rc = UAT_FAILF(UAT_ERR_UNSUPPORTED_ALGORITHM, CHECK_C, "ek_cert", -1,
                           "the EK is not an RSA-2048 key with exponent 65537 (template L-1)");
        }
        if (rc == UAT_OK) {
            rc = put_tpm2b(b, n.p, n.len);
        }
        uat_buf_free(&n);
        return rc;
    }
    if (key == NULL) {
        UAT_TRY(put_zero_tpm2b(b, t->unique_len));
        return put_zero_tpm2b(b, t->unique_len);
    }
    uint8_t x[66], y[66];
    size_t fl = 0;
    UAT_TRY(uat_key_ec_point(key, x, y, sizeof(x), &fl));
    UAT_TRY(put_tpm2b(b, x, fl));
    return put_tpm2b(b, y, fl);
}

/* spec: Part 2 §12.2.4 TPMT_PUBLIC with TPMS_RSA_PARMS / TPMS_ECC_PARMS (§12.2.3.5,
 * §12.2.3.6) */
static uat_err marshal_ek(const ek_tmpl *t, const uat_key *key, uat_buf *out)
{
    int rsa = t->kind == UAT_KEY_RSA;
    UAT_TRY(uat_buf_put_u16be(out, rsa ? UAT_TPM_ALG_RSA : UAT_TPM_ALG_ECC));
    UAT_TRY(uat_buf_put_u16be(out, t->name_alg));
    UAT_TRY(uat_buf_put_u32be(out, t->attrs));
    UAT_TRY(put_tpm2b(out, t->policy, t->policy_len));
    UAT_TRY(uat_buf_put_u16be(out, UAT_TPM_ALG_AES));
    UAT_TRY(uat_buf_put_u16be(out, t->sym_bits));
    UAT_TRY(uat_buf_put_u16be(out, UAT_TPM_ALG_CFB));
    UAT_TRY(uat_buf_put_u16be(out, UAT_TPM_ALG_NULL)); /* scheme */
    if (rsa) {
        UAT_TRY(uat_buf_put_u16be(out, 2048));
        UAT_TRY(uat_buf_put_u32be(out, 0)); /* exponent: the default 65537 */
    } else {
        UAT_TRY(uat_buf_put_u16be(out, t->curve));
        UAT_TRY(uat_buf_put_u16be(out, UAT_TPM_ALG_NULL)); /* kdf */
    }
    return put_unique(out, t, key);
}

/* ---- MakeCredential --------------------------------------------------------------------- */

/* spec: Part 1 Annex B.10.4 (RSA) / C.6.4 (ECC): the seed and what the TPM decrypts it from */
static uat_err make_seed(const uat_key *ek, enum uat_hash_alg h, uint8_t *seed, uat_buf *enc)
{
    size_t hl = uat_hash_len(h);
    if (uat_key_kind_of(ek) == UAT_KEY_RSA) {
        UAT_TRY(uat_random(seed, hl));
        return uat_rsa_oaep_label_encrypt(ek, h, uat_span_of("IDENTITY", 9), uat_span_of(seed, hl),
                                          enc);
    }
    uat_buf z, x, y;
    uat_buf_init(&z, 66);
    uat_buf_init(&x, 66);
    uat_buf_init(&y, 66);
    uint8_t ekx[66], eky[66];
    size_t fl = 0;
    uat_err rc;
    UAT_TRY_GOTO(rc, uat_key_ec_point(ek, ekx, eky, sizeof(ekx), &fl), out);
    UAT_TRY_GOTO(rc, uat_ecdh_ephemeral(ek, &z, &x, &y), out);
    /* spec: Part 1 §11.4.10.3: PartyUInfo = the ephemeral x, PartyVInfo = the EK's x */
    UAT_TRY_GOTO(rc,
                 uat_kdfe(h, uat_buf_span(&z), "IDENTITY", uat_buf_span(&x), uat_span_of(ekx, fl),
                          8 * hl, seed),
                 out);
    UAT_TRY_GOTO(rc, put_tpm2b(enc, x.p, x.len), out); /* TPMS_ECC_POINT */
    rc = put_tpm2b(enc, y.p, y.len);
out:
    uat_buf_free(&z);
    uat_buf_free(&x);
    uat_buf_free(&y);
    return rc;
}

static uat_err protect(enum uat_hash_alg h, uint16_t sym_bits, const uint8_t *seed,
                       uat_span credential, uat_span ak_name, uat_buf *id_object)
{
    size_t hl = uat_hash_len(h);
    uint8_t sym[32], hmac_key[UAT_HASH_MAX], plain[2 + UAT_HASH_MAX], enc[2 + UAT_HASH_MAX];
    uint8_t iv[16] = {0}, mac[UAT_HASH_MAX];
    uat_span s = uat_span_of(seed, hl), none = uat_span_of(NULL, 0);
    uat_err rc;
    UAT_ENSURE(credential.len > 0 && credential.len <= UAT_HASH_MAX &&
                   (sym_bits == 128 || sym_bits == 256),
               UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK_C, "credential", -1);
    /* spec: Part 1 §24.4: symKey = KDFa(nameAlg, seed, "STORAGE", Name, NULL, symmetric bits) */
    UAT_TRY_GOTO(rc, uat_kdfa(h, s, "STORAGE", ak_name, none, sym_bits, sym), out);
    /* spec: Part 1 §24.5: HMACkey = KDFa(nameAlg, seed, "INTEGRITY", NULL, NULL, digest bits) */
    UAT_TRY_GOTO(rc, uat_kdfa(h, s, "INTEGRITY", none, none, 8 * hl, hmac_key), out);
    /* the credential is encrypted as a TPM2B_DIGEST, with a zero IV */
    plain[0] = (uint8_t)(credential.len >> 8);
    plain[1] = (uint8_t)credential.len;
    memcpy(plain + 2, credential.p, credential.len);
    size_t n = 2 + credential.len;
    UAT_TRY_GOTO(rc,
                 uat_aes_cfb_encrypt(uat_span_of(sym, sym_bits / 8), uat_span_of(iv, 16),
                                     uat_span_of(plain, n), enc),
                 out);
    /* outerHMAC = HMAC(HMACkey, encIdentity || Name) */
    const uat_span parts[2] = {uat_span_of(enc, n), ak_name};
    UAT_TRY_GOTO(rc, uat_hmac(h, uat_span_of(hmac_key, hl), parts, 2, mac), out);
    UAT_TRY_GOTO(rc, put_tpm2b(id_object, mac, hl), out);
    rc = uat_buf_append(id_object, enc, n);
out:
    uat_wipe(sym, sizeof(sym));
    uat_wipe(hmac_key, sizeof(hmac_key));
    uat_wipe(plain, sizeof(plain));
    return rc;
}

static int hash_of(uint16_t alg, enum uat_hash_alg *h)
{
    switch (alg) {
    case UAT_TPM_ALG_SHA1: *h = UAT_HASH_SHA1; return 1;
    case UAT_TPM_ALG_SHA256: *h = UAT_HASH_SHA256; return 1;
    case UAT_TPM_ALG_SHA384: *h = UAT_HASH_SHA384; return 1;
    case UAT_TPM_ALG_SHA512: *h = UAT_HASH_SHA512; return 1;
    default: return 0;
    }
}

uat_err uat_tpm_make_credential(const uat_key *ek, uint16_t name_alg, uint16_t sym_bits,
                                uat_span credential, uat_span ak_name, uat_buf *id_object,
                                uat_buf *enc_secret)
{
    enum uat_hash_alg h;
    UAT_ENSURE(ek != NULL && hash_of(name_alg, &h), UAT_ERR_UNSUPPORTED_ALGORITHM, CHECK_C,
               "nameAlg", -1);
    uint8_t seed[UAT_HASH_MAX];
    uat_err rc = make_seed(ek, h, seed, enc_secret);
    if (rc == UAT_OK) {
        rc = protect(h, sym_bits, seed, credential, ak_name, id_object);
    }
    uat_wipe(seed, sizeof(seed));
    return rc;
}

/* ---- the verifier side ------------------------------------------------------------------ */

typedef struct ek_anchors {
    uat_der_list roots, inter;
} ek_anchors;

/* Every certificate of <trust>/tpm/: self-signed ones are the manufacturer roots, the others
 * intermediates; files without certificates (AK public keys pinned there) are not for us. */
static uat_err add_anchor_file(void *ud, const char *path)
{
    ek_anchors *a = ud;
    uat_buf b;
    uat_buf_init(&b, UAT_MAX_FILE_BYTES);
    uat_der_list l = {NULL, 0, 0};
    uat_err rc = uat_file_read(path, UAT_MAX_FILE_BYTES, &b);
    if (rc == UAT_OK && uat_der_list_load_certs(uat_buf_span(&b), &l) != UAT_OK) {
        l.n = 0;
    }
    for (size_t i = 0; rc == UAT_OK && i < l.n; i++) {
        uat_span der = uat_buf_span(&l.items[i]), iss, sub;
        uat_time nb, na;
        if (uat_x509_peek(der, &iss, &sub, &nb, &na) != UAT_OK) {
            continue;
        }
        int root = iss.len == sub.len && memcmp(iss.p, sub.p, iss.len) == 0;
        rc = uat_der_list_add(root ? &a->roots : &a->inter, der);
    }
    uat_der_list_free(&l);
    uat_buf_free(&b);
    return rc;
}

static uat_err check_ek_cert(uat_span cert, const uat_verify_ctx *ctx)
{
    ek_anchors a = {{NULL, 0, 0}, {NULL, 0, 0}};
    uat_err rc = ctx->trust_dir != NULL
                     ? uat_collateral_each_file(ctx->trust_dir, "tpm", add_anchor_file, &a)
                     : UAT_ERR_USAGE_NO_TRUST_ANCHOR;
    if (rc == UAT_OK && a.roots.n == 0) {
        rc = UAT_ERR_USAGE_NO_TRUST_ANCHOR;
    }
    if (rc == UAT_ERR_USAGE_NO_TRUST_ANCHOR || rc == UAT_ERR_VERIFY_COLLATERAL) {
        rc = UAT_FAILF(UAT_ERR_USAGE_NO_TRUST_ANCHOR, "tpm.ek_chain", "ek_cert", -1,
                       "no TPM manufacturer CA certificate under %s/tpm",
                       ctx->trust_dir ? ctx->trust_dir : "(no trust directory)");
    }
    if (rc == UAT_OK) {
        uat_chain_args args = {cert, &a.inter, &a.roots, NULL, 0, ctx->at, "tpm.ek_chain"};
        rc = uat_x509_verify_chain(&args);
    }
    uat_der_list_free(&a.roots);
    uat_der_list_free(&a.inter);
    return rc;
}

/* The AK must be a key the TPM keeps to itself and only signs its own statements with. */
static uat_err check_ak(const uat_tpm_public *ak)
{
    uint32_t need = UAT_TPMA_FIXED_TPM | UAT_TPMA_FIXED_PARENT | UAT_TPMA_SENSITIVE_DATA_ORIGIN |
                    UAT_TPMA_RESTRICTED | UAT_TPMA_SIGN;
    if ((ak->attributes & need) != need || (ak->attributes & UAT_TPMA_DECRYPT) != 0) {
        return UAT_FAILF(UAT_ERR_VERIFY_UNTRUSTED_KEY, CHECK_C, "ak_pub.objectAttributes", -1,
                         "attributes 0x%08x: an AK is fixedTPM, fixedParent, "
                         "sensitiveDataOrigin, restricted and sign, and not decrypt",
                         ak->attributes);
    }
    return UAT_OK;
}

/* The EK: its certified key, the template it was made from (an EK public area given beside the
 * certificate must be exactly that template with that key), its Name. */
static uat_err resolve_ek(const uat_tpm_evidence *ev, const uat_verify_ctx *ctx, uat_key **key,
                          const ek_tmpl **tmpl, uint8_t *name, size_t *name_len)
{
    UAT_ENSURE(ev->ek_cert.len > 0, UAT_ERR_VERIFY_UNTRUSTED_KEY, CHECK_C, "ek_cert", -1);
    UAT_TRY(check_ek_cert(ev->ek_cert, ctx));
    UAT_TRY(uat_x509_public_key(ev->ek_cert, key));
    const ek_tmpl *t = template_by_kind(uat_key_kind_of(*key));
    uat_buf pub;
    uat_buf_init(&pub, 1024);
    uat_err rc = t != NULL ? marshal_ek(t, *key, &pub)
                           : UAT_FAILF(UAT_ERR_UNSUPPORTED_ALGORITHM, CHECK_C, "ek_cert", -1,
                                       "EK keys are RSA-2048, ECC P-256 or ECC P-384");
    if (rc == UAT_OK && ev->ek_pub.len > 0 &&
        (ev->ek_pub.len != pub.len || memcmp(ev->ek_pub.p, pub.p, pub.len) != 0)) {
        rc = UAT_FAILF(UAT_ERR_VERIFY_UNTRUSTED_KEY, CHECK_C, "ek_pub", -1,
                       "ek_pub is not the %s EK template with the certificate's key", t->name);
    }
    if (rc == UAT_OK) {
        /* spec: Part 1 §16: Name = nameAlg || H_nameAlg(TPMT_PUBLIC) */
        name[0] = (uint8_t)(t->name_alg >> 8);
        name[1] = (uint8_t)t->name_alg;
        uat_span parts[1] = {uat_buf_span(&pub)};
        rc = uat_hash(t->hash, parts, 1, name + 2);
        *name_len = 2 + uat_hash_len(t->hash);
    }
    uat_buf_free(&pub);
    if (rc != UAT_OK) {
        uat_key_free(*key);
        *key = NULL;
        return rc;
    }
    *tmpl = t;
    return UAT_OK;
}

static uat_err put_text(uat_buf *b, const char *s)
{
    UAT_TRY(uat_buf_put_u8(b, 0x60 | 0x18)); /* text string, 1-byte length */
    UAT_TRY(uat_buf_put_u8(b, (uint8_t)strlen(s)));
    return uat_buf_append(b, s, strlen(s));
}

/* A byte string with the shortest head (RFC 8949 §4.2.1); members here are under 64 KiB. */
static uat_err put_bytes(uat_buf *b, uat_span s)
{
    if (s.len < 24) {
        UAT_TRY(uat_buf_put_u8(b, (uint8_t)(0x40 | s.len)));
    } else if (s.len <= UINT8_MAX) {
        UAT_TRY(uat_buf_put_u8(b, 0x58));
        UAT_TRY(uat_buf_put_u8(b, (uint8_t)s.len));
    } else {
        UAT_TRY(uat_buf_put_u8(b, 0x59));
        UAT_TRY(uat_buf_put_u16be(b, (uint16_t)s.len));
    }
    return uat_buf_append(b, s.p, s.len);
}

static uat_err encode_challenge(const char *tmpl, uat_span ek_name, uat_span ak_name,
                                uat_span id_object, uat_span enc, uat_buf *out)
{
    UAT_TRY(uat_buf_put_u8(out, 0xA5)); /* a map of five pairs */
    UAT_TRY(put_text(out, "ek_template"));
    UAT_TRY(put_text(out, tmpl));
    UAT_TRY(put_text(out, "ek_name"));
    UAT_TRY(put_bytes(out, ek_name));
    UAT_TRY(put_text(out, "ak_name"));
    UAT_TRY(put_bytes(out, ak_name));
    UAT_TRY(put_text(out, "id_object"));
    UAT_TRY(put_bytes(out, id_object));
    UAT_TRY(put_text(out, "encrypted_secret"));
    return put_bytes(out, enc);
}

typedef struct challenge_parts {
    uat_tpm_evidence ev;
    uat_tpm_public ak;
    uat_key *ek;
    const ek_tmpl *tmpl;
    uint8_t ak_name[UAT_TPM_MAX_NAME], ek_name[UAT_TPM_MAX_NAME];
    size_t ak_name_len, ek_name_len;
    uint8_t secret[SECRET_LEN];
    uat_buf id_object, enc;
} challenge_parts;

static uat_err challenge_run(challenge_parts *c, uat_span in, const uat_verify_ctx *ctx,
                             uat_buf *challenge, uat_buf *secret)
{
    UAT_TRY(uat_tpm_evidence_decode(in, &c->ev));
    UAT_ENSURE(c->ev.ak_pub.len > 0, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK_C, "ak_pub", -1);
    UAT_TRY(uat_tpm_parse_public(c->ev.ak_pub, &c->ak));
    UAT_TRY(check_ak(&c->ak));
    UAT_TRY(uat_tpm_name(&c->ak, c->ak_name, &c->ak_name_len));
    UAT_TRY(resolve_ek(&c->ev, ctx, &c->ek, &c->tmpl, c->ek_name, &c->ek_name_len));
    UAT_TRY(uat_random(c->secret, SECRET_LEN));
    UAT_TRY(uat_tpm_make_credential(
        c->ek, c->tmpl->name_alg, c->tmpl->sym_bits, uat_span_of(c->secret, SECRET_LEN),
        uat_span_of(c->ak_name, c->ak_name_len), &c->id_object, &c->enc));
    size_t start = challenge->len;
    uat_err rc = encode_challenge(c->tmpl->name, uat_span_of(c->ek_name, c->ek_name_len),
                                  uat_span_of(c->ak_name, c->ak_name_len),
                                  uat_buf_span(&c->id_object), uat_buf_span(&c->enc), challenge);
    if (rc == UAT_OK) {
        rc = uat_buf_append(secret, c->secret, SECRET_LEN);
    }
    if (rc != UAT_OK) {
        challenge->len = start;
    }
    return rc;
}

uat_err uat_tpm_enrol_challenge(uat_span ev, const uat_verify_ctx *ctx, uat_buf *challenge,
                                uat_buf *secret)
{
    UAT_ENSURE(ctx != NULL && challenge != NULL && secret != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT,
               CHECK_C, "", -1);
    challenge_parts *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return UAT_NOMEM(CHECK_C);
    }
    uat_buf_init(&c->id_object, 1024);
    uat_buf_init(&c->enc, 1024);
    uat_err rc = challenge_run(c, ev, ctx, challenge, secret);
    uat_key_free(c->ek);
    uat_buf_free(&c->id_object);
    uat_buf_free(&c->enc);
    uat_wipe(c->secret, sizeof(c->secret));
    free(c);
    return rc;
}

/* ---- the attester side ------------------------------------------------------------------ */

typedef struct challenge {
    const ek_tmpl *tmpl;
    TPM2B_NAME ek_name, ak_name;
    TPM2B_ID_OBJECT id_object;
    TPM2B_ENCRYPTED_SECRET secret;
} challenge;

static const char *const challenge_keys[5] = {"ek_template", "ek_name", "ak_name", "id_object",
                                              "encrypted_secret"};

static uat_err bad_challenge(const char *field, const char *what)
{
    return UAT_FAILF(UAT_ERR_PARSE_BAD_CBOR, CHECK_R, field, -1, "the challenge's %s %s", field,
                     what);
}

/* Copies a byte string member into a TPM2B buffer of cap bytes. */
static uat_err take_bytes(cbor_item_t *v, const char *field, uint8_t *dst, size_t cap,
                          uint16_t *size)
{
    if (!cbor_isa_bytestring(v) || !cbor_bytestring_is_definite(v)) {
        return bad_challenge(field, "is not a definite byte string");
    }
    size_t n = cbor_bytestring_length(v);
    if (n == 0 || n > cap) {
        return bad_challenge(field, "has a length its TPM structure cannot hold");
    }
    memcpy(dst, cbor_bytestring_handle(v), n);
    *size = (uint16_t)n;
    return UAT_OK;
}

static uat_err take_member(challenge *c, size_t k, cbor_item_t *v)
{
    switch (k) {
    case 0:
        if (!cbor_isa_string(v) || !cbor_string_is_definite(v) ||
            (c->tmpl = template_by_name(
                 uat_span_of(cbor_string_handle(v), cbor_string_length(v)))) == NULL) {
            return bad_challenge("ek_template", "is not rsa-2048, ecc-nist-p256 or ecc-nist-p384");
        }
        return UAT_OK;
    case 1:
        return take_bytes(v, "ek_name", c->ek_name.name, sizeof(c->ek_name.name), &c->ek_name.size);
    case 2:
        return take_bytes(v, "ak_name", c->ak_name.name, sizeof(c->ak_name.name), &c->ak_name.size);
    case 3:
        return take_bytes(v, "id_object", c->id_object.credential, sizeof(c->id_object.credential),
                          &c->id_object.size);
    default:
        return take_bytes(v, "encrypted_secret", c->secret.secret, sizeof(c->secret.secret),
                          &c->secret.size);
    }
}

static uat_err parse_members(cbor_item_t *m, challenge *c)
{
    if (!cbor_isa_map(m) || !cbor_map_is_definite(m) || cbor_map_size(m) != 5) {
        return bad_challenge("map", "is not a definite map of five members");
    }
    struct cbor_pair *pairs = cbor_map_handle(m);
    unsigned seen = 0;
    for (size_t i = 0; i < 5; i++) {
        cbor_item_t *key = pairs[i].key;
        size_t k = 5;
        for (size_t j = 0; cbor_isa_string(key) && cbor_string_is_definite(key) && j < 5; j++) {
            if (strlen(challenge_keys[j]) == cbor_string_length(key) &&
                memcmp(challenge_keys[j], cbor_string_handle(key), cbor_string_length(key)) == 0) {
                k = j;
            }
        }
        if (k == 5 || (seen & (1u << k))) {
            return bad_challenge("map", "has an unknown or repeated member");
        }
        seen |= 1u << k;
        UAT_TRY(take_member(c, k, pairs[i].value));
    }
    return UAT_OK;
}

static uat_err parse_challenge(uat_span in, challenge *c)
{
    UAT_ENSURE(in.len > 0 && in.len <= MAX_CHALLENGE, UAT_ERR_RESOURCE_LIMIT, CHECK_R, "challenge",
               -1);
    struct cbor_load_result res;
    cbor_item_t *m = cbor_load(in.p, in.len, &res);
    if (m == NULL || res.error.code != CBOR_ERR_NONE || res.read != in.len) {
        if (m != NULL) {
            cbor_decref(&m);
        }
        return UAT_FAILF(UAT_ERR_PARSE_BAD_CBOR, CHECK_R, "challenge", (int64_t)res.error.position,
                         "the challenge is not one well-formed CBOR item");
    }
    uat_err rc = parse_members(m, c);
    cbor_decref(&m);
    return rc;
}

/* spec: EK Credential Profile §B.3: CreatePrimary in the endorsement hierarchy with the
 * template */
static uat_err create_ek(uat_tpm_dev *d, const challenge *c, ESYS_TR *ek)
{
    uat_buf t;
    uat_buf_init(&t, 1024);
    TPM2B_PUBLIC in;
    memset(&in, 0, sizeof(in));
    size_t off = 0;
    uat_err rc = marshal_ek(c->tmpl, NULL, &t);
    if (rc == UAT_OK &&
        (Tss2_MU_TPMT_PUBLIC_Unmarshal(t.p, t.len, &off, &in.publicArea) != TSS2_RC_SUCCESS ||
         off != t.len)) {
        rc = UAT_FAIL(UAT_ERR_INTERNAL, CHECK_R, "ek_template", -1);
    }
    uat_buf_free(&t);
    UAT_TRY(rc);
    TPM2B_SENSITIVE_CREATE sens;
    memset(&sens, 0, sizeof(sens));
    TPM2B_DATA outside = {0, {0}};
    TPML_PCR_SELECTION none = {0, {{0, 0, {0}}}};
    TPM2B_PUBLIC *pub = NULL;
    TPM2B_CREATION_DATA *cdata = NULL;
    TPM2B_DIGEST *chash = NULL;
    TPMT_TK_CREATION *ticket = NULL;
    TSS2_RC r = Esys_CreatePrimary(d->esys, ESYS_TR_RH_ENDORSEMENT, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                   ESYS_TR_NONE, &sens, &in, &outside, &none, ek, &pub, &cdata,
                                   &chash, &ticket);
    Esys_Free(pub);
    Esys_Free(cdata);
    Esys_Free(chash);
    Esys_Free(ticket);
    return r == TSS2_RC_SUCCESS ? UAT_OK : UAT_TSS_FAIL(r, "tpm.CreatePrimary", "ek_template");
}

/* The EK made from the template must be the one the challenge was made for. */
static uat_err check_ek_name(uat_tpm_dev *d, ESYS_TR ek, const challenge *c)
{
    TPM2B_NAME *name = NULL;
    TSS2_RC r = Esys_TR_GetName(d->esys, ek, &name);
    if (r != TSS2_RC_SUCCESS) {
        return UAT_TSS_FAIL(r, "tpm.GetName", "ek_name");
    }
    int same =
        name->size == c->ek_name.size && memcmp(name->name, c->ek_name.name, name->size) == 0;
    Esys_Free(name);
    if (!same) {
        return UAT_FAILF(UAT_ERR_PLATFORM_DEVICE, CHECK_R, "ek_name", -1,
                         "the %s EK of this TPM is not the EK the challenge was made for",
                         c->tmpl->name);
    }
    return UAT_OK;
}

/* spec: EK Credential Profile §B.6 PolicyA: PolicySecret(TPM_RH_ENDORSEMENT) in a policy session
 * with the EK's nameAlg. An EK with userWithAuth (high range) takes its empty authValue instead. */
static uat_err ek_session(uat_tpm_dev *d, const challenge *c, ESYS_TR *session)
{
    *session = ESYS_TR_PASSWORD;
    if (c->tmpl->attrs & UAT_TPMA_USER_WITH_AUTH) {
        return UAT_OK;
    }
    TPMT_SYM_DEF sym;
    memset(&sym, 0, sizeof(sym));
    sym.algorithm = TPM2_ALG_NULL;
    ESYS_TR s = ESYS_TR_NONE;
    TSS2_RC r =
        Esys_StartAuthSession(d->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                              ESYS_TR_NONE, NULL, TPM2_SE_POLICY, &sym, c->tmpl->name_alg, &s);
    if (r != TSS2_RC_SUCCESS) {
        return UAT_TSS_FAIL(r, "tpm.StartAuthSession", "");
    }
    TPM2B_TIMEOUT *timeout = NULL;
    TPMT_TK_AUTH *ticket = NULL;
    r = Esys_PolicySecret(d->esys, ESYS_TR_RH_ENDORSEMENT, s, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                          ESYS_TR_NONE, NULL, NULL, NULL, 0, &timeout, &ticket);
    Esys_Free(timeout);
    Esys_Free(ticket);
    if (r != TSS2_RC_SUCCESS) {
        Esys_FlushContext(d->esys, s);
        return UAT_TSS_FAIL(r, "tpm.PolicySecret", "");
    }
    *session = s;
    return UAT_OK;
}

/* spec: Part 3 §12.5 ActivateCredential: activateHandle = the AK (ADMIN role: its authValue),
 * keyHandle = the EK (USER role) */
static uat_err activate(uat_tpm_dev *d, ESYS_TR ak, ESYS_TR ek, const challenge *c, uat_buf *out)
{
    ESYS_TR session = ESYS_TR_PASSWORD;
    UAT_TRY(ek_session(d, c, &session));
    TPM2B_DIGEST *cert = NULL;
    TSS2_RC r = Esys_ActivateCredential(d->esys, ak, ek, ESYS_TR_PASSWORD, session, ESYS_TR_NONE,
                                        &c->id_object, &c->secret, &cert);
    if (session != ESYS_TR_PASSWORD) {
        Esys_FlushContext(d->esys, session); /* also when the command consumed it */
    }
    if (r != TSS2_RC_SUCCESS) {
        return UAT_TSS_FAIL(r, "tpm.ActivateCredential", "challenge");
    }
    uat_err rc = uat_buf_append(out, cert->buffer, cert->size);
    uat_wipe(cert->buffer, sizeof(cert->buffer));
    Esys_Free(cert);
    return rc;
}

uat_err uat_tpm_enrol_respond(const uat_attest_ctx *ctx, uat_span in, uat_buf *secret)
{
    UAT_ENSURE(ctx != NULL && secret != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK_R, "", -1);
    challenge *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return UAT_NOMEM(CHECK_R);
    }
    uat_tpm_dev d;
    memset(&d, 0, sizeof(d));
    ESYS_TR ak = ESYS_TR_NONE, ek = ESYS_TR_NONE;
    TPM2B_PUBLIC *ak_pub = NULL;
    uat_err rc;
    UAT_TRY_GOTO(rc, parse_challenge(in, c), out);
    UAT_TRY_GOTO(rc, uat_tpm_dev_open(ctx, &d), out);
    UAT_TRY_GOTO(rc, uat_tpm_ak_load(&d, ctx, &ak, &ak_pub), out);
    UAT_TRY_GOTO(rc, create_ek(&d, c, &ek), out);
    UAT_TRY_GOTO(rc, check_ek_name(&d, ek, c), out);
    rc = activate(&d, ak, ek, c, secret);
out:
    Esys_Free(ak_pub);
    if (ek != ESYS_TR_NONE) {
        Esys_FlushContext(d.esys, ek);
    }
    if (ak != ESYS_TR_NONE) {
        Esys_TR_Close(d.esys, &ak);
    }
    uat_tpm_dev_close(&d);
    free(c);
    return rc;
}
