/* TPM structures as JSON under their TCG names (Part 2 rev 1.59 field names; algorithm and curve
 * values by their tpm2-tools names), and the inspect output: every structure of the evidence
 * described, plus the raw parts in hex so scripts can feed tpm2_checkquote
 * (-m attest, -s signature, -u the AK PEM, -f the PCR values with -F values). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "tee/tpm/tpm.h"

#define CHECK "tpm.inspect"

const char *uat_tpm_alg_name(uint16_t alg)
{
    static const struct {
        uint16_t id;
        const char *name;
    } names[] = {
        {0x0001, "rsa"},        {0x0004, "sha1"},         {0x0005, "hmac"},
        {0x0006, "aes"},        {0x0007, "mgf1"},         {0x0008, "keyedhash"},
        {0x000A, "xor"},        {0x000B, "sha256"},       {0x000C, "sha384"},
        {0x000D, "sha512"},     {0x0010, "null"},         {0x0012, "sm3_256"},
        {0x0013, "sm4"},        {0x0014, "rsassa"},       {0x0015, "rsaes"},
        {0x0016, "rsapss"},     {0x0017, "oaep"},         {0x0018, "ecdsa"},
        {0x0019, "ecdh"},       {0x001A, "ecdaa"},        {0x001B, "sm2"},
        {0x001C, "ecschnorr"},  {0x001D, "ecmqv"},        {0x0020, "kdf1_sp800_56a"},
        {0x0021, "kdf2"},       {0x0022, "kdf1_sp800_108"}, {0x0023, "ecc"},
        {0x0025, "symcipher"},  {0x0026, "camellia"},     {0x0027, "sha3_256"},
        {0x0028, "sha3_384"},   {0x0029, "sha3_512"},     {0x0040, "ctr"},
        {0x0041, "ofb"},        {0x0042, "cbc"},          {0x0043, "cfb"},
        {0x0044, "ecb"},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (names[i].id == alg) {
            return names[i].name;
        }
    }
    return NULL;
}

const char *uat_tpm_curve_name(uint16_t curve)
{
    switch (curve) {
    case UAT_TPM_ECC_NIST_P192: return "nist_p192";
    case UAT_TPM_ECC_NIST_P224: return "nist_p224";
    case UAT_TPM_ECC_NIST_P256: return "nist_p256";
    case UAT_TPM_ECC_NIST_P384: return "nist_p384";
    case UAT_TPM_ECC_NIST_P521: return "nist_p521";
    case UAT_TPM_ECC_BN_P256: return "bn_p256";
    case UAT_TPM_ECC_BN_P638: return "bn_p638";
    case UAT_TPM_ECC_SM2_P256: return "sm2_p256";
    default: return NULL;
    }
}

static uat_err set_alg(json_t *o, const char *field, uint16_t alg)
{
    char hex[8];
    const char *n = uat_tpm_alg_name(alg);
    snprintf(hex, sizeof(hex), "0x%04x", alg);
    return uat_json_set_str(o, field, n != NULL ? n : hex);
}

static uat_err set_hex64(json_t *o, const char *field, uint64_t v)
{
    char hex[17];
    snprintf(hex, sizeof(hex), "%016" PRIx64, v);
    return uat_json_set_str(o, field, hex);
}

/* spec: Part 2 TPMA_OBJECT */
uat_err uat_tpm_attributes_json(uint32_t attributes, json_t *out)
{
    static const struct {
        uint32_t bit;
        const char *name;
    } bits[] = {
        {UAT_TPMA_FIXED_TPM, "fixedTPM"},
        {UAT_TPMA_ST_CLEAR, "stClear"},
        {UAT_TPMA_FIXED_PARENT, "fixedParent"},
        {UAT_TPMA_SENSITIVE_DATA_ORIGIN, "sensitiveDataOrigin"},
        {UAT_TPMA_USER_WITH_AUTH, "userWithAuth"},
        {UAT_TPMA_ADMIN_WITH_POLICY, "adminWithPolicy"},
        {UAT_TPMA_NO_DA, "noDA"},
        {UAT_TPMA_ENCRYPTED_DUPLICATION, "encryptedDuplication"},
        {UAT_TPMA_RESTRICTED, "restricted"},
        {UAT_TPMA_DECRYPT, "decrypt"},
        {UAT_TPMA_SIGN, "sign"},
        {UAT_TPMA_X509_SIGN, "x509sign"},
    };
    char raw[12];
    snprintf(raw, sizeof(raw), "0x%08x", attributes);
    UAT_TRY(uat_json_set_str(out, "value", raw));
    for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
        UAT_TRY(uat_json_set_bool(out, bits[i].name, (attributes & bits[i].bit) != 0));
    }
    return UAT_OK;
}

static uat_err describe_quote(const uat_tpm_attest *a, json_t *q)
{
    json_t *sels = json_array();
    UAT_TRY(uat_json_set(q, "pcrSelect", sels));
    for (size_t k = 0; k < a->nsel; k++) {
        json_t *s = json_object(), *list = json_array();
        if (s == NULL || json_array_append_new(sels, s) != 0) {
            json_decref(list);
            return UAT_NOMEM(CHECK);
        }
        UAT_TRY(set_alg(s, "hash", a->sel[k].hash));
        UAT_TRY(uat_json_set(s, "pcrSelect", list));
        for (unsigned i = 0; i < UAT_TPM_NUM_PCRS; i++) {
            if ((a->sel[k].mask & (1u << i)) && json_array_append_new(list, json_integer(i)) != 0) {
                return UAT_NOMEM(CHECK);
            }
        }
    }
    return uat_json_set_hex(q, "pcrDigest", a->pcr_digest, a->pcr_digest_len);
}

uat_err uat_tpm_describe_attest(const uat_tpm_attest *a, json_t *o)
{
    char magic[12];
    snprintf(magic, sizeof(magic), "%08x", a->magic);
    UAT_TRY(uat_json_set_str(o, "magic", magic));
    UAT_TRY(uat_json_set_str(o, "type", a->type == UAT_TPM_ST_ATTEST_QUOTE
                                            ? "TPM_ST_ATTEST_QUOTE"
                                            : "TPM_ST_ATTEST_CERTIFY"));
    UAT_TRY(uat_json_set_hex(o, "qualifiedSigner", a->qualified_signer, a->qualified_signer_len));
    UAT_TRY(uat_json_set_hex(o, "extraData", a->extra_data, a->extra_data_len));
    json_t *clock = json_object(), *attested = json_object(), *inner = json_object();
    UAT_TRY(uat_json_set(o, "clockInfo", clock));
    UAT_TRY(uat_json_set_int(clock, "clock", (int64_t)(a->clock & INT64_MAX)));
    UAT_TRY(uat_json_set_int(clock, "resetCount", a->reset_count));
    UAT_TRY(uat_json_set_int(clock, "restartCount", a->restart_count));
    UAT_TRY(uat_json_set_bool(clock, "safe", a->safe));
    UAT_TRY(set_hex64(o, "firmwareVersion", a->firmware_version));
    UAT_TRY(uat_json_set(o, "attested", attested));
    if (a->type == UAT_TPM_ST_ATTEST_QUOTE) {
        UAT_TRY(uat_json_set(attested, "quote", inner));
        return describe_quote(a, inner);
    }
    UAT_TRY(uat_json_set(attested, "certify", inner));
    UAT_TRY(uat_json_set_hex(inner, "name", a->name, a->name_len));
    return uat_json_set_hex(inner, "qualifiedName", a->qualified_name, a->qualified_name_len);
}

static uat_err describe_parameters(const uat_tpm_public *p, json_t *o)
{
    json_t *sym = json_object(), *scheme = json_object(), *details = json_object();
    UAT_TRY(uat_json_set(o, "symmetric", sym));
    UAT_TRY(set_alg(sym, "algorithm", p->sym_alg));
    if (p->sym_alg != UAT_TPM_ALG_NULL) {
        UAT_TRY(uat_json_set_int(sym, "keyBits", p->sym_bits));
        UAT_TRY(set_alg(sym, "mode", p->sym_mode));
    }
    UAT_TRY(uat_json_set(o, "scheme", scheme));
    UAT_TRY(set_alg(scheme, "scheme", p->scheme));
    UAT_TRY(uat_json_set(scheme, "details", details));
    if (p->scheme_hash != UAT_TPM_ALG_NULL) {
        UAT_TRY(set_alg(details, "hashAlg", p->scheme_hash));
    }
    if (p->scheme == UAT_TPM_ALG_ECDAA) {
        UAT_TRY(uat_json_set_int(details, "count", p->scheme_count));
    }
    if (p->type == UAT_TPM_ALG_RSA) {
        UAT_TRY(uat_json_set_int(o, "keyBits", p->rsa_bits));
        return uat_json_set_int(o, "exponent", p->rsa_exponent);
    }
    const char *curve = uat_tpm_curve_name(p->curve);
    json_t *kdf = json_object(), *kdf_details = json_object();
    UAT_TRY(uat_json_set_str(o, "curveID", curve != NULL ? curve : "unknown"));
    UAT_TRY(uat_json_set(o, "kdf", kdf));
    UAT_TRY(set_alg(kdf, "scheme", p->kdf));
    UAT_TRY(uat_json_set(kdf, "details", kdf_details));
    if (p->kdf_hash != UAT_TPM_ALG_NULL) {
        UAT_TRY(set_alg(kdf_details, "hashAlg", p->kdf_hash));
    }
    return UAT_OK;
}

uat_err uat_tpm_describe_public(const uat_tpm_public *p, json_t *o)
{
    json_t *attrs = json_object(), *params = json_object(), *unique = json_object();
    uint8_t name[UAT_TPM_MAX_NAME];
    size_t name_len = 0;
    UAT_TRY(set_alg(o, "type", p->type));
    UAT_TRY(set_alg(o, "nameAlg", p->name_alg));
    UAT_TRY(uat_json_set(o, "objectAttributes", attrs));
    UAT_TRY(uat_tpm_attributes_json(p->attributes, attrs));
    UAT_TRY(uat_json_set_hex(o, "authPolicy", p->auth_policy, p->auth_policy_len));
    UAT_TRY(uat_json_set(o, "parameters", params));
    UAT_TRY(describe_parameters(p, params));
    UAT_TRY(uat_json_set(o, "unique", unique));
    if (p->type == UAT_TPM_ALG_RSA) {
        UAT_TRY(uat_json_set_hex(unique, "rsa", p->rsa_modulus, p->rsa_modulus_len));
    } else {
        UAT_TRY(uat_json_set_hex(unique, "x", p->ecc_x, p->ecc_x_len));
        UAT_TRY(uat_json_set_hex(unique, "y", p->ecc_y, p->ecc_y_len));
    }
    /* Part 1 §16: the Name the TPM gives the object */
    UAT_TRY(uat_tpm_name(p, name, &name_len));
    return uat_json_set_hex(o, "name", name, name_len);
}

uat_err uat_tpm_describe_signature(const uat_tpm_signature *s, json_t *o)
{
    json_t *sig = json_object();
    UAT_TRY(set_alg(o, "sigAlg", s->sig_alg));
    UAT_TRY(uat_json_set(o, "signature", sig));
    UAT_TRY(set_alg(sig, "hash", s->hash));
    if (s->sig_alg == UAT_TPM_ALG_ECDSA) {
        UAT_TRY(uat_json_set_hex(sig, "signatureR", s->ecc_r, s->ecc_r_len));
        return uat_json_set_hex(sig, "signatureS", s->ecc_s, s->ecc_s_len);
    }
    return uat_json_set_hex(sig, "sig", s->rsa, s->rsa_len);
}

static uat_err describe_pcrs(const uat_tpm_evidence *ev, json_t *o)
{
    json_t *pcrs = json_object();
    UAT_TRY(uat_json_set(o, "pcrs", pcrs));
    for (size_t b = 0; b < ev->nbanks; b++) {
        json_t *bank = json_object();
        char hex[8];
        const char *n = uat_tpm_alg_name(ev->bank_alg[b]);
        snprintf(hex, sizeof(hex), "0x%04x", ev->bank_alg[b]);
        UAT_TRY(uat_json_set(pcrs, n != NULL ? n : hex, bank));
        for (unsigned i = 0; i < UAT_TPM_NUM_PCRS; i++) {
            char idx[8];
            snprintf(idx, sizeof(idx), "%u", i);
            if (ev->present[b] & (1u << i)) {
                UAT_TRY(uat_json_set_hex(bank, idx, ev->pcr[b][i].p, ev->pcr[b][i].len));
            }
        }
    }
    return UAT_OK;
}

/* The quoted PCR values concatenated in selection order (tpm2-tools' "values" PCR format);
 * absent when a selected value is missing. */
static uat_err raw_pcrs(const uat_tpm_evidence *ev, const uat_tpm_attest *a, json_t *raw)
{
    uat_buf b;
    uat_buf_init(&b, UAT_TPM_MAX_BANKS * UAT_TPM_NUM_PCRS * UAT_HASH_MAX);
    uat_err rc = UAT_OK;
    int complete = a->type == UAT_TPM_ST_ATTEST_QUOTE;
    for (size_t k = 0; complete && rc == UAT_OK && k < a->nsel; k++) {
        size_t bank = ev->nbanks;
        for (size_t i = 0; i < ev->nbanks; i++) {
            bank = ev->bank_alg[i] == a->sel[k].hash ? i : bank;
        }
        for (unsigned i = 0; complete && rc == UAT_OK && i < UAT_TPM_NUM_PCRS; i++) {
            if (!(a->sel[k].mask & (1u << i))) {
                continue;
            }
            complete = bank < ev->nbanks && (ev->present[bank] & (1u << i));
            if (complete) {
                rc = uat_buf_append(&b, ev->pcr[bank][i].p, ev->pcr[bank][i].len);
            }
        }
    }
    if (rc == UAT_OK && complete) {
        rc = uat_json_set_hex(raw, "pcrs", b.p, b.len);
    }
    uat_buf_free(&b);
    return rc;
}

static uat_err describe_raw(const uat_tpm_evidence *ev, const uat_tpm_attest *a, json_t *o)
{
    json_t *raw = json_object();
    UAT_TRY(uat_json_set(o, "raw", raw));
    UAT_TRY(uat_json_set_hex(raw, "attest", ev->attest.p, ev->attest.len));
    UAT_TRY(uat_json_set_hex(raw, "signature", ev->signature.p, ev->signature.len));
    UAT_TRY(uat_json_set_hex(raw, "ak_pub", ev->ak_pub.p, ev->ak_pub.len));
    return raw_pcrs(ev, a, raw);
}

static uat_err describe_ak(const uat_tpm_public *ak, json_t *o)
{
    json_t *pub = json_object();
    UAT_TRY(uat_json_set(o, "ak_pub", pub));
    UAT_TRY(uat_tpm_describe_public(ak, pub));
    uat_key *k = NULL;
    if (uat_tpm_public_key(ak, &k) != UAT_OK) {
        uat_error_clear(); /* a curve the crypto layer lacks: no PEM to show */
        return UAT_OK;
    }
    uat_buf pem;
    uat_buf_init(&pem, 8192);
    uat_err rc = uat_key_public_pem(k, &pem);
    if (rc == UAT_OK) {
        rc = uat_json_set_str(o, "ak_pub_pem", (const char *)pem.p);
    }
    uat_buf_free(&pem);
    uat_key_free(k);
    return rc;
}

static uat_err describe_optional(const uat_tpm_evidence *ev, json_t *o)
{
    if (ev->nchain > 0) {
        json_t *chain = json_array();
        UAT_TRY(uat_json_set(o, "ak_chain", chain));
        for (size_t i = 0; i < ev->nchain; i++) {
            json_t *c = json_object();
            if (c == NULL || json_array_append_new(chain, c) != 0) {
                return UAT_NOMEM(CHECK);
            }
            UAT_TRY(uat_json_set_int(c, "length", (int64_t)ev->chain[i].len));
        }
    }
    const struct {
        const char *name;
        uat_span s;
    } blobs[] = {{"event_log", ev->event_log}, {"ima_log", ev->ima_log}, {"ek_cert", ev->ek_cert}};
    for (size_t i = 0; i < sizeof(blobs) / sizeof(blobs[0]); i++) {
        if (blobs[i].s.len > 0) {
            json_t *b = json_object();
            UAT_TRY(uat_json_set(o, blobs[i].name, b));
            UAT_TRY(uat_json_set_int(b, "length", (int64_t)blobs[i].s.len));
        }
    }
    const struct {
        const char *name;
        uat_span s;
    } pubs[] = {{"certified_pub", ev->certified_pub}, {"ek_pub", ev->ek_pub}};
    for (size_t i = 0; i < sizeof(pubs) / sizeof(pubs[0]); i++) {
        uat_tpm_public p;
        if (pubs[i].s.len == 0) {
            continue;
        }
        json_t *j = json_object();
        UAT_TRY(uat_json_set(o, pubs[i].name, j));
        UAT_TRY(uat_tpm_parse_public(pubs[i].s, &p));
        UAT_TRY(uat_tpm_describe_public(&p, j));
    }
    return UAT_OK;
}

static uat_err inspect_ev(const uat_tpm_evidence *ev, json_t *fields)
{
    uat_tpm_attest a;
    uat_tpm_signature s;
    uat_tpm_public ak;
    UAT_TRY(uat_tpm_parse_attest(ev->attest, &a));
    UAT_TRY(uat_tpm_parse_signature(ev->signature, &s));
    json_t *attest = json_object(), *sig = json_object();
    UAT_TRY(uat_json_set(fields, "attest", attest));
    UAT_TRY(uat_tpm_describe_attest(&a, attest));
    UAT_TRY(uat_json_set(fields, "signature", sig));
    UAT_TRY(uat_tpm_describe_signature(&s, sig));
    if (ev->ak_spki.len > 0) {
        /* the Trustee form's AK: a bare SubjectPublicKeyInfo, no TPM public area */
        UAT_TRY(uat_json_set_hex(fields, "ak_spki", ev->ak_spki.p, ev->ak_spki.len));
    } else {
        UAT_TRY(uat_tpm_parse_public(ev->ak_pub, &ak));
        UAT_TRY(describe_ak(&ak, fields));
    }
    UAT_TRY(describe_pcrs(ev, fields));
    UAT_TRY(describe_optional(ev, fields));
    return describe_raw(ev, &a, fields);
}

uat_err uat_tpm_inspect(uat_span in, json_t *fields)
{
    uat_tpm_evidence ev;
    uat_buf store;
    uat_err rc = uat_tpm_evidence_read(in, &ev, &store);
    rc = rc == UAT_OK ? inspect_ev(&ev, fields) : rc;
    uat_buf_free(&store);
    return rc;
}
