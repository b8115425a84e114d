/* CSV verification: the HRK from the trust directory, the report signature with the PEK, the
 * HSK and CEK of the chip (from the evidence, the collateral directory, or a Hygon KDS when the
 * caller allowed fetching from "hygon"), the chain HRK -> HSK -> CEK -> PEK; then the claims.
 * Without the HSK and CEK the verification fails closed (VERIFY_COLLATERAL), even when every
 * signature it could check holds.
 *
 * SM2 rules ([csv-rs] crypto/mod.rs PublicKey::verify, certs/ca/cert/mod.rs and
 * certs/csv/cert/mod.rs Verifiable; [rats-tls] hygoncert.c): a signature is SM2 with SM3 whose
 * distinguishing ID is the SIGNER's user_id[..uid_size] ("HYGON-SSD-HRK" for the HRK's own
 * signature and the HSK's, the HSK's ID for the CEK, the CEK's for the PEK, the PEK's for the
 * report); a signature slot's usage is the signer's key usage; a ca certificate's sid is its
 * signer's kid.
 */
#include <stdlib.h>
#include <string.h>

#include "collateral/fetch.h"
#include "collateral/trust.h"
#include "core/file.h"
#include "tee/csv/csv.h"

#define CHECK "csv.verify"
#define CHECK_CHAIN "csv.chain"

static uat_err sm2(const uat_csv_point *key, const uint8_t *uid, uint16_t uid_size, uat_span msg,
                   const uat_csv_sig *sig, const char *check)
{
    return uat_sm2_verify(key->x, key->y, uat_span_of(uid, uid_size), msg, sig->r, sig->s, check);
}

/* A failed signature of a chain link is a broken chain: say which link. */
static uat_err link_result(uat_err rc, const char *child, const char *issuer)
{
    if (rc == UAT_ERR_VERIFY_SIGNATURE) {
        return UAT_FAILF(UAT_ERR_VERIFY_CHAIN, CHECK_CHAIN, child, -1,
                         "the %s certificate is not signed by the %s", child, issuer);
    }
    return rc;
}

uat_err uat_csv_verify_hrk(const uat_csv_ca_cert *hrk)
{
    /* [rats-tls] hygoncert.c verify_hsk_cert's caller: the root has key usage HRK (0) */
    if (hrk->usage != UAT_CSV_USAGE_HRK) {
        return UAT_FAILF(UAT_ERR_VERIFY_CHAIN, "csv.hrk", "usage", 36,
                         "the configured root is an %s certificate, not the HRK",
                         uat_csv_usage_name(hrk->usage));
    }
    /* [csv-rs] (&hrk, &hrk).verify(): the signature's id (sid) is the key's id (kid) */
    UAT_ENSURE(memcmp(hrk->sid, hrk->kid, sizeof(hrk->kid)) == 0, UAT_ERR_VERIFY_CHAIN, "csv.hrk",
               "sid", 20);
    uat_err rc = sm2(&hrk->key, hrk->user_id, hrk->uid_size, hrk->body, &hrk->sig, "csv.hrk");
    return link_result(rc, "HRK", "HRK itself");
}

static uat_err check_key(uint32_t usage, uint32_t algo, uint32_t want, const char *what)
{
    if (usage != want || algo != UAT_CSV_ALGO_SM2_SA) {
        return UAT_FAILF(UAT_ERR_VERIFY_CHAIN, CHECK_CHAIN, what, -1,
                         "the %s certificate holds a %s key (usage 0x%x, algo %u), not an SM2 "
                         "signing key of usage 0x%x",
                         what, uat_csv_usage_name(usage), usage, algo, want);
    }
    return UAT_OK;
}

static uat_err verify_hsk(const uat_csv_ca_cert *hrk, const uat_csv_ca_cert *hsk)
{
    if (hsk->usage != UAT_CSV_USAGE_HSK) {
        return UAT_FAILF(UAT_ERR_VERIFY_CHAIN, CHECK_CHAIN, "HSK", -1,
                         "the HSK certificate has usage %s, not HSK",
                         uat_csv_usage_name(hsk->usage));
    }
    /* [csv-rs] (&hrk, &hsk).verify(): Signature.id = hsk.sid must equal PublicKey.id = hrk.kid */
    if (memcmp(hsk->sid, hrk->kid, sizeof(hrk->kid)) != 0) {
        return UAT_FAILF(UAT_ERR_VERIFY_CHAIN, CHECK_CHAIN, "HSK", -1,
                         "the HSK names another signer (sid) than the configured HRK (kid)");
    }
    uat_err rc = sm2(&hrk->key, hrk->user_id, hrk->uid_size, hsk->body, &hsk->sig, CHECK_CHAIN);
    return link_result(rc, "HSK", "HRK");
}

uat_err uat_csv_verify_chain(const uat_csv_ca_cert *hrk, const uat_csv_ca_cert *hsk,
                             const uat_csv_cert *cek, const uat_csv_cert *pek)
{
    UAT_TRY(verify_hsk(hrk, hsk));
    /* [rats-tls] verify_cek_cert: pubkey usage CEK, signed by the HSK (slot usage 0x13) */
    UAT_TRY(check_key(cek->usage, cek->algo, UAT_CSV_USAGE_CEK, "CEK"));
    const uat_csv_sig_slot *slot = NULL;
    UAT_TRY(uat_csv_cert_slot(cek, UAT_CSV_USAGE_HSK, "CEK", &slot));
    uat_err rc = sm2(&hsk->key, hsk->user_id, hsk->uid_size, cek->body, &slot->sig, CHECK_CHAIN);
    UAT_TRY(link_result(rc, "CEK", "HSK"));
    /* [rats-tls] verify_pek_cert: signed by the CEK; the owner's (OCA) slot is not checked */
    UAT_TRY(check_key(pek->usage, pek->algo, UAT_CSV_USAGE_PEK, "PEK"));
    UAT_TRY(uat_csv_cert_slot(pek, UAT_CSV_USAGE_CEK, "PEK", &slot));
    rc = sm2(&cek->key, cek->user_id, cek->uid_size, pek->body, &slot->sig, CHECK_CHAIN);
    return link_result(rc, "PEK", "CEK");
}

uat_err uat_csv_verify_report(const uat_csv_report *r, const uat_csv_cert *pek)
{
    UAT_TRY(check_key(pek->usage, pek->algo, UAT_CSV_USAGE_PEK, "PEK"));
    /* [csv-rs] (&pek, &tee_info).verify(): the PEK's user ID; [librats] the signed bytes as
     * stored (in v1 still XORed with anonce) */
    uat_err rc = sm2(&pek->key, pek->user_id, pek->uid_size, r->signed_part, &r->sig,
                     "csv.report_signature");
    if (rc == UAT_ERR_VERIFY_SIGNATURE) {
        return UAT_FAILF(rc, "csv.report_signature", "sig", (int64_t)r->signed_part.len,
                         "the report's signature does not verify with the PEK of cert_chain.pek");
    }
    return rc;
}

/* Reads <dir>/<name> (optionally <dir>/<sub>/<name>) into b; IO_NOT_FOUND when it is absent. */
static uat_err read_in(const char *root, const char *sub, const char *name, uat_buf *b,
                       char **path_out)
{
    char *dir = uat_tee_dir(root, "csv");
    char *d2 = dir != NULL && sub != NULL ? uat_path_join(dir, sub) : NULL;
    const char *base = sub != NULL ? d2 : dir;
    char *path = base != NULL ? uat_path_join(base, name) : NULL;
    uat_err rc = path != NULL ? UAT_OK : UAT_NOMEM(CHECK);
    if (rc == UAT_OK) {
        rc = uat_file_exists(path) ? uat_file_read(path, 64 * 1024, b) : UAT_ERR_IO_NOT_FOUND;
    }
    free(dir);
    free(d2);
    *path_out = path;
    return rc;
}

static uat_err load_hrk(const uat_verify_ctx *ctx, uat_buf *b, uat_csv_ca_cert *hrk)
{
    UAT_ENSURE(ctx->trust_dir != NULL, UAT_ERR_USAGE_NO_TRUST_ANCHOR, "csv.hrk", "", -1);
    char *path = NULL;
    uat_err rc = read_in(ctx->trust_dir, NULL, UAT_CSV_HRK_FILE, b, &path);
    if (rc == UAT_ERR_IO_NOT_FOUND) {
        rc = UAT_FAILF(UAT_ERR_USAGE_NO_TRUST_ANCHOR, "csv.hrk", "", -1,
                       "no Hygon root key certificate %s", path ? path : UAT_CSV_HRK_FILE);
    }
    free(path);
    UAT_TRY(rc);
    UAT_TRY(uat_csv_ca_cert_parse(uat_buf_span(b), hrk));
    return uat_csv_verify_hrk(hrk);
}

/* spec: Hygon KDS (as [trustee] csv verifier fetches it): GET {base}/hsk_cek?snumber=<chip id>
 * answers the chip's hsk_cek.cert. Only when the caller allowed fetching from "hygon"; what comes
 * back is verified like local collateral (HSK under the configured HRK, CEK under the HSK). */
static uat_err fetch_hsk_cek(const char *base, const char *chip_id, uat_buf *b)
{
    for (const char *c = chip_id; *c != '\0'; c++) {
        UAT_ENSURE((*c >= '0' && *c <= '9') || (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z'),
                   UAT_ERR_PARSE_BAD_VALUE, "csv.fetch", "serial_number", -1);
    }
    char url[1024];
    int n = snprintf(url, sizeof(url), "%s/hsk_cek?snumber=%s", base, chip_id);
    UAT_ENSURE(n > 0 && (size_t)n < sizeof(url), UAT_ERR_USAGE_INVALID_ARGUMENT, "csv.fetch", "url",
               -1);
    uat_http_response r;
    UAT_TRY(uat_http_get(url, 64 * 1024, &r));
    uat_err rc = uat_buf_append(b, r.body.p, r.body.len);
    if (rc == UAT_OK) {
        char keep[160];
        snprintf(keep, sizeof(keep), "csv/%s/%s", chip_id, UAT_CSV_HSK_CEK_FILE);
        uat_fetch_keep(keep, uat_buf_span(&r.body), url);
    }
    uat_http_response_free(&r);
    return rc;
}

/* The chip's HSK || CEK: from the evidence, else <collateral>/csv/<chip id>/hsk_cek.cert
 * ([trustee] try_load_hskcek_offline: <dir>/hsk_cek/<chip id>/hsk_cek.cert), else fetched from
 * a Hygon KDS when allowed. */
static uat_err load_hsk_cek(const uat_verify_ctx *ctx, const uat_csv_evidence *e, uat_buf *b,
                            const char **source)
{
    *source = "evidence";
    if (e->has_hsk_cek) {
        return uat_buf_append(b, e->hsk_cek, sizeof(e->hsk_cek));
    }
    *source = "collateral";
    char *path = NULL;
    uat_err rc = ctx->collateral_dir != NULL
                     ? read_in(ctx->collateral_dir, e->chip_id, UAT_CSV_HSK_CEK_FILE, b, &path)
                     : UAT_ERR_IO_NOT_FOUND;
    const char *kds = uat_verify_fetch_url(ctx, "hygon");
    if (rc == UAT_ERR_IO_NOT_FOUND && kds != NULL) {
        *source = "fetched";
        rc = fetch_hsk_cek(kds, e->chip_id, b);
    }
    if (rc == UAT_ERR_IO_NOT_FOUND) {
        rc = UAT_FAILF(UAT_ERR_VERIFY_COLLATERAL, "csv.hsk_cek", "hsk_cek", -1,
                       "missing chain element: the HSK and CEK certificates of chip %s are "
                       "neither in the evidence (cert_chain.hsk_cek) nor in %s",
                       e->chip_id, path ? path : "a collateral directory (none given)");
    }
    free(path);
    return rc;
}

/* The firmware's own copies of the PEK and chip ID in the report's signer must be the evidence's
 * cert_chain.pek and serial_number: as [csv-rs] CsvGuest::get_report leaves them (restored), or
 * as the firmware returns them (XORed with anonce, [rats-tls] verify_cert_chain). Unsigned. */
static int same_either(uat_span fw, const uint8_t *ev, size_t n, uint32_t anonce)
{
    uint8_t x[UAT_CSV_CERT_SIZE];
    if (fw.len != n || n > sizeof(x)) {
        return 0;
    }
    memcpy(x, ev, n);
    uat_csv_xor_anonce(x, n, anonce);
    return uat_ct_equal(fw.p, ev, n) || uat_ct_equal(fw.p, x, n);
}

static uat_err check_signer(const uat_csv_report *r, const uat_csv_evidence *e)
{
    if (!same_either(r->pek_cert, e->pek, sizeof(e->pek), r->anonce)) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK, "cert_chain.pek", -1,
                         "cert_chain.pek is not the PEK the firmware placed in the report");
    }
    if (!same_either(r->sn, e->serial, sizeof(e->serial), r->anonce)) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK, "serial_number", -1,
                         "serial_number %s is not the chip ID the firmware placed in the report",
                         e->chip_id);
    }
    return UAT_OK;
}

static uat_err fill_claims(const uat_csv_report *r, const uat_csv_evidence *e,
                           const uat_csv_cert *pek, const char *source, uat_claims *claims)
{
    json_t *doc = uat_claims_doc(claims);
    UAT_TRY(uat_json_set_hex(doc, "measurement", r->measure, sizeof(r->measure)));
    /* [csv-rs] GuestPolicy bit 0 NODBG: debugging of the guest is disallowed when set */
    UAT_TRY(uat_json_set_bool(doc, "debug", (r->policy & 1u) == 0));
    UAT_TRY(uat_json_set_hex(doc, "report_data", r->report_data, sizeof(r->report_data)));
    json_t *p = json_object();
    UAT_TRY(uat_json_set(doc, "platform", p));
    UAT_TRY(uat_json_set_str(p, "chip_id", e->chip_id));
    UAT_TRY(uat_json_set_int(p, "pek_api_major", pek->api_major));
    UAT_TRY(uat_json_set_int(p, "pek_api_minor", pek->api_minor));
    UAT_TRY(uat_json_set_str(p, "hsk_cek_source", source));
    json_t *t = uat_claims_tee_obj(claims);
    UAT_TRY(uat_csv_report_describe(r, t));
    return uat_json_set_str(t, "serial_number", e->chip_id);
}

typedef struct csv_state {
    uat_csv_evidence ev;
    uat_csv_report rep;
    uat_csv_cert pek, cek;
    uat_csv_ca_cert hrk, hsk;
    uat_buf hrk_file, hsk_cek_file;
} csv_state;

static uat_err verify_state(uat_span in, const uat_verify_ctx *ctx, csv_state *s,
                            const char **source)
{
    UAT_TRY(uat_csv_evidence_parse(in, &s->ev));
    UAT_TRY(uat_csv_report_parse(uat_span_of(s->ev.data, sizeof(s->ev.data)), s->ev.version,
                                 &s->rep));
    UAT_TRY(uat_csv_cert_parse(uat_span_of(s->ev.pek, sizeof(s->ev.pek)), &s->pek));
    UAT_TRY(check_signer(&s->rep, &s->ev));
    /* everything the evidence alone allows is checked before the missing collateral is named */
    UAT_TRY(load_hrk(ctx, &s->hrk_file, &s->hrk));
    UAT_TRY(uat_csv_verify_report(&s->rep, &s->pek));
    UAT_TRY(load_hsk_cek(ctx, &s->ev, &s->hsk_cek_file, source));
    UAT_TRY(uat_csv_hsk_cek_parse(uat_buf_span(&s->hsk_cek_file), &s->hsk, &s->cek));
    return uat_csv_verify_chain(&s->hrk, &s->hsk, &s->cek, &s->pek);
}

uat_err uat_csv_verify(uat_span in, const uat_verify_ctx *ctx, uat_claims *claims,
                       uat_verify_out *out)
{
    csv_state *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return UAT_NOMEM(CHECK);
    }
    uat_buf_init(&s->hrk_file, 64 * 1024);
    uat_buf_init(&s->hsk_cek_file, 64 * 1024);
    const char *source = "";
    uat_err rc = verify_state(in, ctx, s, &source);
    if (rc == UAT_OK) {
        rc = fill_claims(&s->rep, &s->ev, &s->pek, source, claims);
    }
    if (rc == UAT_OK) {
        memcpy(out->report_data, s->rep.report_data, sizeof(s->rep.report_data));
        out->report_data_len = sizeof(s->rep.report_data);
        out->valid_until = 0; /* Hygon certificates carry no validity period */
    }
    uat_buf_free(&s->hrk_file);
    uat_buf_free(&s->hsk_cek_file);
    free(s);
    return rc;
}

static const char *const csv_detect[] = {"dev/csv-guest", NULL};
static const char *const csv_options[] = {"hsk-cek", NULL};

const uat_tee_ops uat_tee_csv = {
    .name = "csv",
    .media_type = UAT_CSV_MEDIA_TYPE,
    .cbor_tag = 0,
    .detect_paths = csv_detect,
    .options = csv_options,
    .sniff = uat_csv_sniff,
    .inspect = uat_csv_inspect,
    .verify = uat_csv_verify,
    .cache_free = NULL,
    .collect = uat_csv_collect,
    .evidence_import = uat_csv_evidence_import,
};
