/* TPM 2.0 quote and certify verification (docs/tpm.md), checks in this order:
 *   the evidence map; the AK's TPMT_PUBLIC and its attributes (a restricted signing key); the
 *   TPMT_SIGNATURE and its scheme against the AK's; the signature over the exact TPMS_ATTEST
 *   bytes; the TPMS_ATTEST (magic, type); quote: every selected PCR given and pcrDigest
 *   recomputed; certify: the certified object's Name; trust in the AK; the event logs against the
 *   quoted PCRs; the binding (extraData); then the claims.
 *
 * spec: TCG TPM 2.0 Library Part 3 rev 1.59 TPM2_Quote (pcrDigest: the digest, with the signing
 *       scheme's hash, of the selected PCRs in selection order), TPM2_Certify; Part 2 TPMA_OBJECT
 *       (restricted: the key signs only digests the TPM computed itself, so a structure that
 *       starts with TPM_GENERATED_VALUE came from the TPM).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "evidence/tcglog.h"
#include "evidence/composite.h"
#include "tee/tpm/tpm.h"

#define CHECK "tpm.verify"

typedef struct tpm_verified {
    uat_tpm_evidence ev;
    uat_buf store; /* the decoded bytes ev points into (Trustee JSON form) */
    uat_tpm_public ak;
    uat_tpm_signature sig;
    uat_tpm_attest att;
    enum uat_hash_alg sig_hash;
    char ak_name_hex[2 * UAT_TPM_MAX_NAME + 1];
    const char *ak_trust;
    uat_tpm_public certified;
    uat_time valid_until;
    uat_tcglog *log;   /* parsed event log, when there is one */
    size_t ima_events; /* entries of the IMA log, when there is one */
} tpm_verified;

static const struct {
    uint32_t bit;
    const char *name;
} ak_bits[] = {
    {UAT_TPMA_SIGN, "sign"},
    {UAT_TPMA_RESTRICTED, "restricted"},
    {UAT_TPMA_FIXED_TPM, "fixedTPM"},
    {UAT_TPMA_FIXED_PARENT, "fixedParent"},
    {UAT_TPMA_SENSITIVE_DATA_ORIGIN, "sensitiveDataOrigin"},
};

/* spec: Part 1 rev 1.59 §25 (attestation keys): an AK is a restricted signing key; fixedTPM,
 * fixedParent and sensitiveDataOrigin say the TPM made it and it never leaves the TPM */
static uat_err check_ak_attributes(const uat_tpm_public *ak)
{
    uint32_t missing = UAT_TPMA_AK_REQUIRED & ~ak->attributes;
    if (missing == 0 && !(ak->attributes & UAT_TPMA_DECRYPT)) {
        return UAT_OK;
    }
    char list[96] = "";
    size_t n = 0;
    for (size_t i = 0; i < sizeof(ak_bits) / sizeof(ak_bits[0]); i++) {
        if (missing & ak_bits[i].bit) {
            n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", n ? ", " : "",
                                  ak_bits[i].name);
        }
    }
    /* objectAttributes follow type and nameAlg: offset 4 of ak_pub */
    return UAT_FAILF(UAT_ERR_VERIFY_UNTRUSTED_KEY, "tpm.ak", "objectAttributes", 4,
                     "the AK is not a restricted signing key: objectAttributes 0x%08x %s%s",
                     ak->attributes, missing ? "lacks " : "sets decrypt", list);
}

static const char *alg_text(uint16_t alg)
{
    const char *n = uat_tpm_alg_name(alg);
    return n != NULL ? n : "an unknown algorithm";
}

/* The signature's scheme must be one the AK can make, and the AK's own when it fixes one. */
static uat_err check_scheme(const uat_tpm_public *ak, const uat_tpm_signature *sig)
{
    int rsa_sig = sig->sig_alg == UAT_TPM_ALG_RSASSA || sig->sig_alg == UAT_TPM_ALG_RSAPSS;
    if ((ak->type == UAT_TPM_ALG_RSA) != rsa_sig) {
        return UAT_FAILF(UAT_ERR_VERIFY_SIGNATURE, "tpm.signature", "sigAlg", 0,
                         "a %s signature cannot come from an %s AK", alg_text(sig->sig_alg),
                         ak->type == UAT_TPM_ALG_RSA ? "RSA" : "ECC");
    }
    /* spec: Part 2 TPMT_RSA_SCHEME / TPMT_ECC_SCHEME: a key whose scheme is not NULL signs with
     * that scheme and hash only */
    if (ak->scheme != UAT_TPM_ALG_NULL &&
        (ak->scheme != sig->sig_alg || ak->scheme_hash != sig->hash)) {
        return UAT_FAILF(UAT_ERR_VERIFY_SIGNATURE, "tpm.signature",
                         ak->scheme != sig->sig_alg ? "sigAlg" : "signature.hash",
                         ak->scheme != sig->sig_alg ? 0 : 2,
                         "the signature is %s with %s, but the AK's scheme is %s with %s",
                         alg_text(sig->sig_alg), alg_text(sig->hash), alg_text(ak->scheme),
                         alg_text(ak->scheme_hash));
    }
    return UAT_OK;
}

/* The signature over the exact TPMS_ATTEST bytes with the AK (tpm.h). */
uat_err uat_tpm_check_signature(const uat_tpm_signature *s, enum uat_hash_alg hash,
                                uat_span attest, const uat_key *key)
{
    uint8_t rs[2 * 66];
    uat_span sig = uat_span_of(s->rsa, s->rsa_len);
    enum uat_sig_scheme scheme = s->sig_alg == UAT_TPM_ALG_RSASSA   ? UAT_SCHEME_RSASSA
                                 : s->sig_alg == UAT_TPM_ALG_RSAPSS ? UAT_SCHEME_RSAPSS
                                                                    : UAT_SCHEME_ECDSA;
    if (scheme == UAT_SCHEME_ECDSA) {
        size_t fl = (uat_key_bits(key) + 7) / 8;
        if (fl == 0 || fl > 66 || s->ecc_r_len > fl || s->ecc_s_len > fl) {
            return UAT_FAILF(UAT_ERR_VERIFY_SIGNATURE, "tpm.signature", "signature", 4,
                             "ECDSA r and s longer than the AK's curve");
        }
        memset(rs, 0, sizeof(rs));
        memcpy(rs + fl - s->ecc_r_len, s->ecc_r, s->ecc_r_len);
        memcpy(rs + 2 * fl - s->ecc_s_len, s->ecc_s, s->ecc_s_len);
        sig = uat_span_of(rs, 2 * fl);
    }
    uat_err rc =
        uat_sig_verify_scheme(key, scheme, hash, attest, sig, "tpm.signature");
    if (rc == UAT_ERR_VERIFY_SIGNATURE) {
        rc = UAT_FAILF(rc, "tpm.signature", "signature", 4,
                       "the %s/%s signature over attest does not verify with the AK",
                       alg_text(s->sig_alg), alg_text(s->hash));
    }
    return rc;
}

static int bank_of(const uat_tpm_evidence *ev, uint16_t alg)
{
    for (size_t b = 0; b < ev->nbanks; b++) {
        if (ev->bank_alg[b] == alg) {
            return (int)b;
        }
    }
    return -1;
}

static const uat_tpm_pcr_select *selection_of(const uat_tpm_attest *a, uint16_t alg)
{
    for (size_t i = 0; i < a->nsel; i++) {
        if (a->sel[i].hash == alg) {
            return &a->sel[i];
        }
    }
    return NULL;
}

/* Every selected PCR given, in selection order (banks as selected, PCR index ascending). */
static uat_err selected_values(const uat_tpm_evidence *ev, const uat_tpm_attest *a,
                               uat_span *parts, size_t *np)
{
    *np = 0;
    for (size_t k = 0; k < a->nsel; k++) {
        const uat_tpm_pcr_select *s = &a->sel[k];
        int b = bank_of(ev, s->hash);
        for (unsigned i = 0; i < UAT_TPM_NUM_PCRS; i++) {
            if (!(s->mask & (1u << i))) {
                continue;
            }
            if (b < 0 || !(ev->present[b] & (1u << i))) {
                char field[32];
                snprintf(field, sizeof(field), "pcrs[0x%04x][%u]", s->hash, i);
                return UAT_FAILF(UAT_ERR_VERIFY_MEASUREMENT, CHECK, field, -1,
                                 "the quote selects PCR %u of the %s bank; the evidence has no "
                                 "value for it",
                                 i, alg_text(s->hash));
            }
            parts[(*np)++] = ev->pcr[b][i];
        }
    }
    return UAT_OK;
}

/* PCR values the quote does not select are not signed: evidence that carries them is refused
 * rather than have them read as verified. */
static uat_err no_unquoted_values(const uat_tpm_evidence *ev, const uat_tpm_attest *a)
{
    for (size_t b = 0; b < ev->nbanks; b++) {
        const uat_tpm_pcr_select *s = selection_of(a, ev->bank_alg[b]);
        uint32_t extra = ev->present[b] & ~(s != NULL ? s->mask : 0u);
        for (unsigned i = 0; extra != 0 && i < UAT_TPM_NUM_PCRS; i++) {
            if (extra & (1u << i)) {
                char field[32];
                snprintf(field, sizeof(field), "pcrs[0x%04x][%u]", ev->bank_alg[b], i);
                return UAT_FAILF(UAT_ERR_VERIFY_MEASUREMENT, CHECK, field, -1,
                                 "the evidence carries PCR %u of the %s bank, which the quote "
                                 "does not select",
                                 i, alg_text(ev->bank_alg[b]));
            }
        }
    }
    return UAT_OK;
}

/* spec: Part 3 TPM2_Quote: pcrDigest = H_scheme(PCR values of pcrSelect, in selection order) */
uat_err uat_tpm_check_pcr_digest(const uat_tpm_evidence *ev, const uat_tpm_attest *a,
                                 enum uat_hash_alg hash)
{
    /* pcrDigest is the last field of a quote's TPMS_ATTEST */
    int64_t off = (int64_t)(ev->attest.len - a->pcr_digest_len);
    size_t hl = uat_hash_len(hash);
    if (a->pcr_digest_len != hl) {
        return UAT_FAILF(UAT_ERR_VERIFY_MEASUREMENT, CHECK, "pcrDigest", off,
                         "a %zu-byte pcrDigest in a quote signed with %s", a->pcr_digest_len,
                         uat_hash_name(hash));
    }
    uat_span parts[UAT_TPM_MAX_BANKS * UAT_TPM_NUM_PCRS];
    size_t np = 0;
    uint8_t digest[UAT_HASH_MAX];
    UAT_TRY(selected_values(ev, a, parts, &np));
    UAT_TRY(uat_hash(hash, parts, np, digest));
    if (!uat_ct_equal(digest, a->pcr_digest, hl)) {
        return UAT_FAILF(UAT_ERR_VERIFY_MEASUREMENT, CHECK, "pcrDigest", off,
                         "the %zu PCR values of the evidence do not hash (%s, selection order) to "
                         "the quoted pcrDigest",
                         np, uat_hash_name(hash));
    }
    uat_step_hex("tpm.pcr_digest", digest, hl, a->pcr_digest, hl);
    return no_unquoted_values(ev, a);
}

/* spec: Part 3 TPM2_Certify: attested.certify.name is the Name of the certified object */
static uat_err check_certify(tpm_verified *v)
{
    const uat_tpm_attest *a = &v->att;
    uint8_t name[UAT_TPM_MAX_NAME];
    size_t name_len = 0;
    UAT_ENSURE(v->ev.certified_pub.len > 0, UAT_ERR_PARSE_BAD_CBOR, "tpm.evidence",
               "certified_pub", -1);
    UAT_TRY(uat_tpm_parse_public(v->ev.certified_pub, &v->certified));
    UAT_TRY(uat_tpm_name(&v->certified, name, &name_len));
    /* magic, type, qualifiedSigner, extraData, clockInfo (17), firmwareVersion: then the name */
    int64_t off = (int64_t)(6 + 2 + a->qualified_signer_len + 2 + a->extra_data_len + 17 + 8);
    if (name_len != a->name_len || !uat_ct_equal(name, a->name, name_len)) {
        return UAT_FAILF(UAT_ERR_VERIFY_BINDING, CHECK, "attested.certify.name", off,
                         "certified_pub is not the object the TPM certified: its Name differs "
                         "from the signed one");
    }
    uat_step_hex("tpm.certify_name", name, name_len, a->name, a->name_len);
    return UAT_OK;
}

/* What belongs to the other type of statement is refused, not ignored. */
static uat_err check_members(const tpm_verified *v)
{
    const uat_tpm_evidence *ev = &v->ev;
    const char *stray = NULL;
    if (v->att.type == UAT_TPM_ST_ATTEST_QUOTE) {
        stray = ev->certified_pub.len > 0 ? "certified_pub" : NULL;
    } else {
        stray = ev->nbanks > 0           ? "pcrs"
                : ev->event_log.len > 0 ? "event_log"
                : ev->ima_log.len > 0   ? "ima_log"
                                        : NULL;
    }
    if (stray != NULL) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_CBOR, "tpm.evidence", stray, -1,
                         "\"%s\" does not belong to %s evidence", stray,
                         v->att.type == UAT_TPM_ST_ATTEST_QUOTE ? "quote" : "certify");
    }
    return UAT_OK;
}

/* ---- event logs ------------------------------------------------------------------------- */

static int log_has_bank(const uat_tcglog *log, uint16_t alg)
{
    uint16_t algs[UAT_TCGLOG_MAX_BANKS];
    size_t n = uat_tcglog_banks(log, algs, UAT_TCGLOG_MAX_BANKS);
    for (size_t i = 0; i < n && i < UAT_TCGLOG_MAX_BANKS; i++) {
        if (algs[i] == alg) {
            return 1;
        }
    }
    return 0;
}

static uat_err ima_replay(tpm_verified *v, uint16_t alg,
                          uint8_t regs[UAT_TCGLOG_MAX_REGS][UAT_HASH_MAX], uint32_t *ext,
                          int *done)
{
    size_t dl = 0, n = 0;
    uat_err rc = uat_imalog_replay_regs(v->ev.ima_log, uat_imalog_sniff(v->ev.ima_log), alg, regs,
                                        &dl, ext, &n);
    if (rc == UAT_ERR_UNSUPPORTED_ALGORITHM) {
        uat_error_clear(); /* this bank cannot be replayed from the IMA log: another may */
        *ext = 0;
        return UAT_OK;
    }
    UAT_TRY(rc);
    v->ima_events = n;
    *done = 1;
    return UAT_OK;
}

/* One quoted bank against the logs: the firmware log replays first, the IMA log on top of it;
 * every PCR they extend must be quoted and must replay to its quoted value. */
static uat_err check_bank_logs(tpm_verified *v, const uat_tpm_pcr_select *s, int *fw_done,
                               int *ima_done)
{
    uint8_t expected[UAT_TCGLOG_MAX_REGS][UAT_HASH_MAX], regs[UAT_TCGLOG_MAX_REGS][UAT_HASH_MAX];
    uint32_t ext_fw = 0, ext_ima = 0;
    size_t dl = uat_hash_len(UAT_HASH_SHA1);
    int b = bank_of(&v->ev, s->hash);
    memset(expected, 0, sizeof(expected));
    memset(regs, 0, sizeof(regs));
    for (unsigned i = 0; b >= 0 && i < UAT_TPM_NUM_PCRS; i++) {
        if (s->mask & (1u << i)) {
            memcpy(expected[i], v->ev.pcr[b][i].p, v->ev.pcr[b][i].len);
            dl = v->ev.pcr[b][i].len;
        }
    }
    if (v->log != NULL && log_has_bank(v->log, s->hash)) {
        UAT_TRY(uat_tcglog_replay(v->log, s->hash, regs, &dl, &ext_fw));
        *fw_done = 1;
    }
    if (v->ev.ima_log.len > 0) {
        UAT_TRY(ima_replay(v, s->hash, regs, &ext_ima, ima_done));
    }
    uint32_t unquoted = (ext_fw | ext_ima) & ~s->mask;
    for (unsigned i = 0; unquoted != 0 && i < UAT_TCGLOG_MAX_REGS; i++) {
        if (unquoted & (1u << i)) {
            char field[16];
            snprintf(field, sizeof(field), "pcr%u", i);
            return UAT_FAILF(UAT_ERR_VERIFY_MEASUREMENT, CHECK, field, -1,
                             "the %s log extends PCR %u of the %s bank, which the quote does not "
                             "select: quote every PCR the logs extend",
                             (ext_ima & (1u << i)) ? "IMA" : "event", i, alg_text(s->hash));
        }
    }
    if (ext_fw & ~ext_ima) {
        UAT_TRY(uat_tcglog_check(v->log, s->hash, ext_fw & ~ext_ima,
                                 (const uint8_t(*)[UAT_HASH_MAX])expected));
        uat_stepf("tpm.event_log", "every PCR the event log extends is quoted and replays to its "
                  "quoted value", "%zu events replay to the quoted PCR mask 0x%06x of the %s bank",
                  uat_tcglog_count(v->log), (unsigned)(ext_fw & ~ext_ima), alg_text(s->hash));
    }
    for (unsigned i = 0; i < UAT_TPM_NUM_PCRS; i++) {
        if ((ext_ima & (1u << i)) && !uat_ct_equal(regs[i], expected[i], dl)) {
            char field[16];
            snprintf(field, sizeof(field), "pcr%u", i);
            return UAT_FAILF(UAT_ERR_VERIFY_MEASUREMENT, CHECK, field, -1,
                             "the IMA log (%zu entries) does not replay to the quoted PCR %u of "
                             "the %s bank",
                             v->ima_events, i, alg_text(s->hash));
        }
    }
    if (ext_ima != 0) {
        uat_stepf("tpm.ima_log", "the IMA log, on top of the event log, replays to the quoted PCRs",
                  "%zu entries replay to the quoted PCR mask 0x%06x of the %s bank",
                  v->ima_events, (unsigned)ext_ima, alg_text(s->hash));
    }
    return UAT_OK;
}

static uat_err check_logs(tpm_verified *v)
{
    if (v->ev.event_log.len == 0) {
        uat_step_skip("tpm.event_log", "the evidence carries no event log");
    }
    if (v->ev.event_log.len == 0 && v->ev.ima_log.len == 0) {
        uat_step_skip("tpm.ima_log", "the evidence carries no IMA log");
        return UAT_OK;
    }
    if (v->ev.event_log.len > 0) {
        UAT_TRY(uat_tcglog_parse(v->ev.event_log, &v->log));
    }
    int fw_done = 0, ima_done = 0;
    for (size_t k = 0; k < v->att.nsel; k++) {
        UAT_TRY(check_bank_logs(v, &v->att.sel[k], &fw_done, &ima_done));
    }
    if (v->ev.event_log.len > 0 && !fw_done) {
        return UAT_FAILF(UAT_ERR_VERIFY_MEASUREMENT, CHECK, "event_log", -1,
                         "the event log carries none of the quoted PCR banks");
    }
    if (v->ev.ima_log.len > 0 && !ima_done) {
        return UAT_FAILF(UAT_ERR_VERIFY_MEASUREMENT, CHECK, "ima_log",
                         -1, "no quoted PCR bank can be replayed from the IMA log");
    }
    if (v->ev.ima_log.len == 0) {
        uat_step_skip("tpm.ima_log", "the evidence carries no IMA log");
    }
    return UAT_OK;
}

/* ---- claims ----------------------------------------------------------------------------- */

static uat_err set_u64_hex(json_t *o, const char *name, uint64_t v)
{
    char hex[17];
    snprintf(hex, sizeof(hex), "%016" PRIx64, v);
    return uat_json_set_str(o, name, hex);
}

/* pcrs {bank: {index: hex}}; pcr00..pcr23 of the SHA-256 bank when quoted, else the first */
static uat_err pcr_claims(const uat_tpm_evidence *ev, const uat_tpm_attest *a, json_t *tee)
{
    json_t *pcrs = json_object();
    UAT_TRY(uat_json_set(tee, "pcrs", pcrs));
    const uat_tpm_pcr_select *primary = selection_of(a, UAT_TPM_ALG_SHA256);
    for (size_t k = 0; k < a->nsel; k++) {
        const uat_tpm_pcr_select *s = &a->sel[k];
        if (s->mask == 0) {
            continue;
        }
        primary = primary != NULL && primary->mask != 0 ? primary : s;
        int b = bank_of(ev, s->hash);
        json_t *bank = json_object();
        UAT_TRY(uat_json_set(pcrs, alg_text(s->hash), bank));
        for (unsigned i = 0; i < UAT_TPM_NUM_PCRS; i++) {
            char idx[4] = {(char)('0' + i / 10), (char)('0' + i % 10), '\0', '\0'};
            if (i < 10) {
                idx[0] = idx[1];
                idx[1] = '\0';
            }
            if (s->mask & (1u << i)) {
                UAT_TRY(uat_json_set_hex(bank, idx, ev->pcr[b][i].p, ev->pcr[b][i].len));
            }
        }
    }
    int b = primary != NULL ? bank_of(ev, primary->hash) : -1;
    for (unsigned i = 0; b >= 0 && i < UAT_TPM_NUM_PCRS; i++) {
        char name[6] = {'p', 'c', 'r', (char)('0' + i / 10), (char)('0' + i % 10), '\0'};
        if (primary->mask & (1u << i)) {
            UAT_TRY(uat_json_set_hex(tee, name, ev->pcr[b][i].p, ev->pcr[b][i].len));
        }
    }
    return UAT_OK;
}

static uat_err certified_claims(const tpm_verified *v, json_t *tee)
{
    json_t *c = json_object(), *attrs = json_object();
    UAT_TRY(uat_json_set(tee, "certified", c));
    UAT_TRY(uat_json_set_hex(c, "name", v->att.name, v->att.name_len));
    UAT_TRY(uat_json_set_hex(c, "qualified_name", v->att.qualified_name,
                             v->att.qualified_name_len));
    UAT_TRY(uat_json_set_str(c, "type", alg_text(v->certified.type)));
    UAT_TRY(uat_json_set(c, "attributes", attrs));
    UAT_TRY(uat_tpm_attributes_json(v->certified.attributes, attrs));
    UAT_TRY(uat_json_set_hex(c, "public", v->ev.certified_pub.p, v->ev.certified_pub.len));
    uat_key *k = NULL;
    if (uat_tpm_public_key(&v->certified, &k) != UAT_OK) {
        uat_error_clear(); /* a key on a curve the crypto layer lacks: described, not converted */
        return UAT_OK;
    }
    uat_buf jwk;
    uat_buf_init(&jwk, 4096);
    uat_err rc = uat_key_public_jwk(k, &jwk);
    json_t *j = rc == UAT_OK ? json_loadb((const char *)jwk.p, jwk.len, 0, NULL) : NULL;
    if (rc == UAT_OK) {
        rc = uat_json_set(c, "public_key", j);
    }
    uat_buf_free(&jwk);
    uat_key_free(k);
    return rc;
}

/* The signed fields of a statement and, for a quote, its PCRs (tpm.h). */
uat_err uat_tpm_attest_claims(const uat_tpm_evidence *ev, const uat_tpm_attest *a, json_t *tee)
{
    UAT_TRY(uat_json_set_hex(tee, "qualified_signer", a->qualified_signer,
                             a->qualified_signer_len));
    UAT_TRY(uat_json_set_hex(tee, "extra_data", a->extra_data, a->extra_data_len));
    UAT_TRY(uat_json_set_int(tee, "clock", (int64_t)(a->clock & INT64_MAX)));
    UAT_TRY(uat_json_set_int(tee, "reset_count", a->reset_count));
    UAT_TRY(uat_json_set_int(tee, "restart_count", a->restart_count));
    UAT_TRY(uat_json_set_bool(tee, "safe", a->safe));
    UAT_TRY(set_u64_hex(tee, "firmware_version", a->firmware_version));
    return a->type == UAT_TPM_ST_ATTEST_QUOTE ? pcr_claims(ev, a, tee) : UAT_OK;
}

static uat_err tee_claims(const tpm_verified *v, json_t *tee)
{
    const uat_tpm_attest *a = &v->att;
    UAT_TRY(uat_json_set_str(tee, "attest_type",
                             a->type == UAT_TPM_ST_ATTEST_QUOTE ? "quote" : "certify"));
    UAT_TRY(uat_json_set_str(tee, "ak_name", v->ak_name_hex));
    UAT_TRY(uat_json_set_str(tee, "ak_trust", v->ak_trust));
    UAT_TRY(uat_tpm_attest_claims(&v->ev, a, tee));
    if (a->type == UAT_TPM_ST_ATTEST_CERTIFY) {
        return certified_claims(v, tee);
    }
    if (v->log != NULL) {
        json_t *boot = json_object();
        UAT_TRY(uat_json_set(tee, "boot", boot));
        UAT_TRY(uat_tcglog_claims(v->log, boot));
    }
    if (v->ev.ima_log.len > 0) {
        json_t *ima = json_object();
        UAT_TRY(uat_json_set(tee, "ima", ima));
        UAT_TRY(uat_json_set_int(ima, "entries", (int64_t)v->ima_events));
    }
    return UAT_OK;
}

static uat_err fill_claims(const tpm_verified *v, uat_claims *claims)
{
    json_t *doc = uat_claims_doc(claims);
    const uat_tpm_attest *a = &v->att;
    if (a->type == UAT_TPM_ST_ATTEST_QUOTE) {
        UAT_TRY(uat_json_set_hex(doc, "measurement", a->pcr_digest, a->pcr_digest_len));
    }
    UAT_TRY(uat_json_set_str(doc, "signer", v->ak_name_hex));
    /* A TPM has no debug mode: nothing in a quote can say the platform is debuggable, and the
     * appraisal's implicit constraint needs the claim (docs/tpm.md) */
    UAT_TRY(uat_json_set_bool(doc, "debug", 0));
    UAT_TRY(uat_json_set_hex(doc, "report_data", a->extra_data, a->extra_data_len));
    json_t *platform = json_object();
    UAT_TRY(uat_json_set(doc, "platform", platform));
    UAT_TRY(set_u64_hex(platform, "firmware_version", a->firmware_version));
    return tee_claims(v, uat_claims_tee_obj(claims));
}

/* ---- the verifier ----------------------------------------------------------------------- */

/* The AK's key and its identifier: for a TPMT_PUBLIC, its Name (Part 1 §16) after the AK checks;
 * for the bare SubjectPublicKeyInfo of the Trustee form, which has no Name, the SHA-256 of the
 * DER (what Trustee's verifier pins). */
static uat_err ak_of(tpm_verified *v, const uat_verify_ctx *ctx, uat_key **ak, int *ak_owned)
{
    if (v->ev.ak_spki.len > 0) {
        UAT_TRY(uat_key_from_spki_der(v->ev.ak_spki, ak));
        *ak_owned = 1;
        uint8_t d[32];
        UAT_TRY(uat_hash(UAT_HASH_SHA256, &v->ev.ak_spki, 1, d));
        uat_hex_encode(d, sizeof(d), v->ak_name_hex);
        return UAT_OK;
    }
    UAT_TRY(uat_tpm_parse_public(v->ev.ak_pub, &v->ak));
    UAT_TRY(check_ak_attributes(&v->ak));
    uat_stepf("tpm.ak", "a restricted signing key (sign, restricted, fixedTPM, fixedParent, "
              "sensitiveDataOrigin; not decrypt)",
              "attributes 0x%08x", (unsigned)v->ak.attributes);
    UAT_TRY(check_scheme(&v->ak, &v->sig));
    UAT_TRY(uat_tpm_ak_key(ctx, v->ev.ak_pub, &v->ak, ak, ak_owned));
    uint8_t name[UAT_TPM_MAX_NAME];
    size_t name_len = 0;
    UAT_TRY(uat_tpm_name(&v->ak, name, &name_len));
    uat_hex_encode(name, name_len, v->ak_name_hex);
    return UAT_OK;
}

/* The Trustee form's report_data says what the attester quoted: it must be the extraData. */
static uat_err check_stated_report_data(const tpm_verified *v)
{
    uat_span rd = v->ev.report_data;
    if (rd.len > 0 && (rd.len != v->att.extra_data_len ||
                       !uat_ct_equal(rd.p, v->att.extra_data, rd.len))) {
        return UAT_FAILF(UAT_ERR_VERIFY_BINDING, "tpm.trustee", "report_data", -1,
                         "report_data of the evidence is not the quote's qualifyingData");
    }
    return UAT_OK;
}

static uat_err verify_all(tpm_verified *v, uat_span in, const uat_verify_ctx *ctx,
                          uat_key **ak, int *ak_owned)
{
    UAT_TRY(uat_tpm_evidence_read(in, &v->ev, &v->store));
    UAT_TRY(uat_tpm_parse_signature(v->ev.signature, &v->sig));
    UAT_TRY(ak_of(v, ctx, ak, ak_owned));
    UAT_TRY(uat_tpm_hash_alg_at(v->sig.hash, "tpm.signature", "signature.hash", 2, &v->sig_hash));
    UAT_TRY(uat_tpm_check_signature(&v->sig, v->sig_hash, v->ev.attest, *ak));
    UAT_TRY(uat_tpm_parse_attest(v->ev.attest, &v->att));
    UAT_TRY(check_members(v));
    UAT_TRY(check_stated_report_data(v));
    /* qualifiedSigner is the AK's Qualified Name, a digest over the Names of its ancestors up to
     * the hierarchy (Part 1 §16): nothing in the evidence says what they are, so it is reported
     * and not compared */
    UAT_TRY(v->att.type == UAT_TPM_ST_ATTEST_QUOTE
                ? uat_tpm_check_pcr_digest(&v->ev, &v->att, v->sig_hash)
                : check_certify(v));
    UAT_TRY(uat_tpm_ak_trust(ctx, &v->ev, *ak, v->ak_name_hex, &v->ak_trust, &v->valid_until));
    uat_stepf("tpm.ak", "an AK pinned in the reference values or certified to a trust anchor",
              "AK Name %s trusted by %s", v->ak_name_hex, v->ak_trust);
    UAT_TRY(check_logs(v));
    /* the binding: extraData is the report data, compared by the generic check (verifier.c) */
    if (v->att.extra_data_len > UAT_REPORT_DATA_LEN) {
        return UAT_FAILF(UAT_ERR_VERIFY_BINDING, CHECK, "extraData",
                         8 + (int64_t)v->att.qualified_signer_len,
                         "%zu bytes of extraData: report data is at most %u bytes",
                         v->att.extra_data_len, UAT_REPORT_DATA_LEN);
    }
    return UAT_OK;
}

static uat_err tpm_verify(uat_span in, const uat_verify_ctx *ctx, uat_claims *claims,
                          uat_verify_out *out)
{
    tpm_verified *v = calloc(1, sizeof(*v));
    if (v == NULL) {
        return UAT_NOMEM(CHECK);
    }
    uat_key *ak = NULL;
    int ak_owned = 0;
    uat_err rc = verify_all(v, in, ctx, &ak, &ak_owned);
    if (rc == UAT_OK) {
        rc = fill_claims(v, claims);
    }
    if (rc == UAT_OK) {
        memcpy(out->report_data, v->att.extra_data, v->att.extra_data_len);
        out->report_data_len = v->att.extra_data_len;
        out->valid_until = v->valid_until;
    }
    if (ak_owned) {
        uat_key_free(ak);
    }
    uat_tcglog_free(v->log);
    uat_buf_free(&v->store);
    free(v);
    return rc;
}

/* ---- bound keys (registry.h kx_verify, the channel's bare mode) ---------------------------- */

#define CHECK_KX "tpm.kx"
#define KX_ATTRS (UAT_TPMA_FIXED_TPM | UAT_TPMA_SENSITIVE_DATA_ORIGIN | UAT_TPMA_DECRYPT)
#define KX_SIGN_ATTRS                                                                              \
    (UAT_TPMA_FIXED_TPM | UAT_TPMA_FIXED_PARENT | UAT_TPMA_SENSITIVE_DATA_ORIGIN | UAT_TPMA_SIGN)

/* The certified key is the one offered, an ECC P-256 key the TPM made and keeps, for the use the
 * channel puts it to (ECDH: decrypt; the TLS key: sign, not restricted). */
static uat_err kx_check_key(const uat_tpm_public *k, int use,
                            const uint8_t pub[UAT_KX_POINT_LEN])
{
    if (k->type != UAT_TPM_ALG_ECC || k->curve != UAT_TPM_ECC_NIST_P256) {
        return UAT_FAILF(UAT_ERR_CRYPTO_BAD_KEY, CHECK_KX, "certified.type", -1,
                         "the certified key is %s %s, not an ECC P-256 key",
                         uat_tpm_alg_name(k->type), uat_tpm_curve_name(k->curve));
    }
    uint32_t missing = (use == UAT_KX_SIGN ? KX_SIGN_ATTRS : KX_ATTRS) & ~k->attributes;
    if (missing != 0) {
        const char *which = missing & UAT_TPMA_FIXED_TPM                ? "fixedTPM"
                            : missing & UAT_TPMA_FIXED_PARENT          ? "fixedParent"
                            : missing & UAT_TPMA_SENSITIVE_DATA_ORIGIN ? "sensitiveDataOrigin"
                            : missing & UAT_TPMA_SIGN                  ? "sign"
                                                                       : "decrypt";
        return UAT_FAILF(UAT_ERR_VERIFY_POLICY, CHECK_KX, which, -1,
                         "the certified key lacks %s: its private part may exist outside the "
                         "TPM, or the TPM cannot use it for %s", which,
                         use == UAT_KX_SIGN ? "the TLS signatures" : "key agreement");
    }
    if (use == UAT_KX_SIGN && (k->attributes & UAT_TPMA_RESTRICTED) != 0) {
        return UAT_FAILF(UAT_ERR_VERIFY_POLICY, CHECK_KX, "restricted", -1,
                         "the certified key is a restricted signing key: it cannot sign TLS "
                         "handshakes");
    }
    /* spec: SEC 1 §2.3.3: the point is 0x04 || x || y, coordinates left-padded to 32 bytes */
    uint8_t q[UAT_KX_POINT_LEN] = {0x04};
    if (k->ecc_x_len > 32 || k->ecc_y_len > 32) {
        return UAT_FAILF(UAT_ERR_CRYPTO_BAD_KEY, CHECK_KX, "certified.unique", -1,
                         "coordinates longer than 32 bytes");
    }
    memcpy(q + 1 + 32 - k->ecc_x_len, k->ecc_x, k->ecc_x_len);
    memcpy(q + 33 + 32 - k->ecc_y_len, k->ecc_y, k->ecc_y_len);
    if (!uat_ct_equal(q, pub, UAT_KX_POINT_LEN)) {
        return UAT_FAILF(UAT_ERR_VERIFY_BINDING, CHECK_KX, "certified.unique", -1,
                         "the TPM certified another key than the one the peer offered");
    }
    return UAT_OK;
}

/* proof: certify evidence by the AK that made ev (quote evidence), with report_data as its
 * qualifying data, of the offered key. */
static uat_err kx_check(tpm_verified *v, uat_span ev, uat_span proof, const uat_verify_ctx *ctx,
                        int use, const uint8_t *rd, const uint8_t pub[UAT_KX_POINT_LEN],
                        uat_key **ak, int *owned)
{
    UAT_TRY(verify_all(v, proof, ctx, ak, owned));
    UAT_ENSURE(v->att.type == UAT_TPM_ST_ATTEST_CERTIFY, UAT_ERR_VERIFY_BINDING, CHECK_KX,
               "attest.type", -1);
    uat_verify_out vo;
    memset(&vo, 0, sizeof(vo));
    memcpy(vo.report_data, v->att.extra_data, v->att.extra_data_len);
    vo.report_data_len = v->att.extra_data_len;
    if (!uat_binding_matches(&vo, rd)) {
        return UAT_FAILF(UAT_ERR_VERIFY_BINDING, CHECK_KX, "extraData", -1,
                         "the key's certification is not bound to this run");
    }
    uat_tpm_evidence q;
    UAT_TRY(uat_tpm_evidence_decode(ev, &q));
    if (q.ak_pub.len != v->ev.ak_pub.len ||
        memcmp(q.ak_pub.p, v->ev.ak_pub.p, q.ak_pub.len) != 0) {
        return UAT_FAILF(UAT_ERR_VERIFY_BINDING, CHECK_KX, "ak_pub", -1,
                         "the key is certified by another attestation key than the one that "
                         "quoted the PCRs");
    }
    return kx_check_key(&v->certified, use, pub);
}

static uat_err tpm_kx_verify(uat_span ev, uat_span proof, const uat_verify_ctx *ctx, int use,
                             const uint8_t *report_data, const uint8_t pub[UAT_KX_POINT_LEN])
{
    tpm_verified *v = calloc(1, sizeof(*v));
    if (v == NULL) {
        return UAT_NOMEM(CHECK_KX);
    }
    uat_key *ak = NULL;
    int owned = 0;
    uat_err rc = kx_check(v, ev, proof, ctx, use, report_data, pub, &ak, &owned);
    if (owned) {
        uat_key_free(ak);
    }
    uat_tcglog_free(v->log);
    uat_buf_free(&v->store);
    free(v);
    return rc;
}

static const char *const tpm_detect[] = {"dev/tpmrm0", NULL};

const uat_tee_ops uat_tee_tpm = {
    .name = "tpm",
    .media_type = UAT_TPM_MEDIA_TYPE,
    .cbor_tag = 0,
    .detect_paths = tpm_detect,
    .options = uat_tpm_attest_options, /* attest.c */
    .sniff = uat_tpm_sniff,
    .inspect = uat_tpm_inspect,
    .verify = tpm_verify,
    .cache_free = uat_tpm_cache_free,
    /* the trust folder (CRLs: consulted by each chain verification) and the last AK key
     * decoded: every check runs on each call */
    .cache_traced = 1,
    /* the tpm2-tss attester and enrolment by credential activation (attest.c, credential.c) */
    .collect = uat_tpm_collect,
    .enrol_challenge = uat_tpm_enrol_challenge,
    .enrol_respond = uat_tpm_enrol_respond,
    /* bound keys for the channel's bare mode (kx.c, and tpm_kx_verify above) */
    .kx_create = uat_tpm_kx_create,
    .kx_prove = uat_tpm_kx_prove,
    .kx_agree = uat_tpm_kx_agree,
    .kx_free = uat_tpm_kx_free,
    .kx_signing_key = uat_tpm_kx_signing_key, /* the TLS key through tpm2-openssl */
    .kx_verify = tpm_kx_verify,
};
