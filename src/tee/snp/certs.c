/* VCEK and VLEK certificates: the AMD extensions (strict DER of each value) and the checks that tie
 * a certificate to the report it signed. spec: AMD Versioned Chip Endorsement Key (VCEK)
 * Certificate and KDS Interface Specification (57230) §3 "VCEK Certificate" (extensions), and the
 * VLEK certificate definition that replaces hwID by the CSP id (OID 1.3.6.1.4.1.3704.1.5). */
#include <stdio.h>
#include <string.h>

#include "core/der.h"
#include "tee/snp/snp.h"

#define CHECK "snp.vek"
#define DER_IA5STRING 0x16u

uat_err uat_snp_ext_u8(uat_span der, const char *field, uint8_t *out)
{
    uat_reader r;
    uat_rd_init(&r, der, CHECK);
    uint64_t v = 0;
    UAT_TRY(uat_der_uint(&r, UAT_DER_INTEGER, field, &v));
    UAT_TRY(uat_rd_end(&r));
    UAT_ENSURE(v <= 0xff, UAT_ERR_PARSE_BAD_VALUE, CHECK, field, 0);
    *out = (uint8_t)v;
    return UAT_OK;
}

/* An IA5String of printable ASCII (product names, CSP ids are host names). */
uat_err uat_snp_ext_ia5(uat_span der, const char *field, char *out, size_t cap)
{
    uat_reader r, c;
    uat_rd_init(&r, der, CHECK);
    UAT_TRY(uat_der_element(&r, DER_IA5STRING, field, &c));
    UAT_TRY(uat_rd_end(&r));
    size_t n = uat_rd_left(&c);
    UAT_ENSURE(n > 0 && n < cap, UAT_ERR_PARSE_BAD_LENGTH, CHECK, field, c.base);
    for (size_t i = 0; i < n; i++) {
        UAT_ENSURE(c.p[i] >= 0x20 && c.p[i] < 0x7f, UAT_ERR_PARSE_BAD_VALUE, CHECK, field,
                   c.base + (int64_t)i);
    }
    memcpy(out, c.p, n);
    out[n] = '\0';
    return UAT_OK;
}

uat_err uat_snp_ext_hwid(uat_span der, size_t n, uint8_t *out)
{
    /* spec: 57230 §3: KDS places the hwID bytes directly in extnValue (no DER tag); newer
     * certificates wrap them in an OCTET STRING. The two are told apart by length. */
    if (der.len == n) {
        memcpy(out, der.p, n);
        return UAT_OK;
    }
    uat_reader r;
    uat_rd_init(&r, der, CHECK);
    UAT_TRY(uat_der_octets(&r, n, "hwID", out));
    return uat_rd_end(&r);
}

uat_err uat_snp_vek_ext_finish(uat_snp_vek_ext *e)
{
    int turin = e->product == UAT_SNP_PRODUCT_TURIN;
    /* spec: 57230 §3: structVersion 0 (Milan, Genoa) or 1 (Turin: fmcSPL, 8-byte hwID) */
    UAT_ENSURE(e->struct_version == (turin ? 1 : 0), UAT_ERR_PARSE_BAD_CERT, CHECK, "structVersion",
               -1);
    unsigned need = (1u << 1) | (1u << 2) | (1u << 3) | (1u << 8) | (turin ? 1u << 9 : 0);
    if ((e->spl_seen & need) != need) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_CERT, CHECK, "spl", -1,
                         "the %s certificate lacks a security patch level extension "
                         "(blSPL, teeSPL, snpSPL, ucodeSPL%s)",
                         e->kind == UAT_SNP_VCEK ? "VCEK" : "VLEK", turin ? ", fmcSPL" : "");
    }
    uint8_t b[8] = {0};
    if (turin) {
        /* Turin reserves TCB_VERSION bytes 4-6: SPL4-7 must be absent or zero */
        UAT_ENSURE((e->spl_seen & (1u << 4)) == 0 && (e->spl[5] | e->spl[6] | e->spl[7]) == 0,
                   UAT_ERR_PARSE_BAD_CERT, CHECK, "spl", -1);
        b[0] = e->spl[9];
        b[1] = e->spl[1];
        b[2] = e->spl[2];
        b[3] = e->spl[3];
    } else {
        UAT_ENSURE((e->spl_seen & (1u << 9)) == 0, UAT_ERR_PARSE_BAD_CERT, CHECK, "fmcSPL", -1);
        b[0] = e->spl[1];
        b[1] = e->spl[2];
        memcpy(b + 2, e->spl + 4, 4); /* SPL4-7: the reserved bytes 2-5 */
        b[6] = e->spl[3];
    }
    b[7] = e->spl[8];
    e->tcb = 0;
    for (size_t i = 0; i < 8; i++) {
        e->tcb |= (uint64_t)b[i] << (8 * i);
    }
    return UAT_OK;
}

/* Whether the certificate has an extension with this OID (its DER encoding appears); the value is
 * then read with uat_cert_extension, which also rejects duplicates. */
static int ext_present(const uat_cert *c, const char *oid)
{
    uint8_t enc[34];
    size_t n = uat_der_oid_encode(oid, enc + 2, sizeof(enc) - 2);
    enc[0] = UAT_DER_OID;
    enc[1] = (uint8_t)n;
    uat_span der = uat_cert_der(c);
    return n > 0 && memmem(der.p, der.len, enc, n + 2) != NULL;
}

static uat_err ext_value(const uat_cert *c, const char *oid, uat_buf *b)
{
    b->len = 0;
    return uat_cert_extension(c, oid, b);
}

static uat_err read_spls(const uat_cert *c, uat_snp_vek_ext *e, uat_buf *b)
{
    for (unsigned arc = 1; arc <= 9; arc++) {
        char oid[40];
        snprintf(oid, sizeof(oid), "%s.%u", UAT_SNP_OID_SPL_PREFIX, arc);
        if (ext_present(c, oid)) {
            UAT_TRY(ext_value(c, oid, b));
            UAT_TRY(uat_snp_ext_u8(uat_buf_span(b), "spl", &e->spl[arc]));
            e->spl_seen |= 1u << arc;
        }
    }
    return UAT_OK;
}

/* Whether an extension value is an n-byte hwID in either encoding (raw, or an OCTET STRING). */
static int hwid_form(uat_span v, size_t n)
{
    return v.len == n || (v.len == n + 2 && v.p[0] == UAT_DER_OCTET_STRING && v.p[1] == n);
}

/* hwID (VCEK only) and CSP id (VLEK only). */
static uat_err read_identity(const uat_cert *c, uat_snp_vek_ext *e, uat_buf *b)
{
    int has_hwid = ext_present(c, UAT_SNP_OID_HWID);
    int has_csp = ext_present(c, UAT_SNP_OID_CSP_ID);
    if (e->kind == UAT_SNP_VLEK) {
        UAT_ENSURE(has_csp && !has_hwid, UAT_ERR_PARSE_BAD_CERT, CHECK, "cspID", -1);
        UAT_TRY(ext_value(c, UAT_SNP_OID_CSP_ID, b));
        return uat_snp_ext_ia5(uat_buf_span(b), "cspID", e->csp_id, sizeof(e->csp_id));
    }
    UAT_ENSURE(has_hwid && !has_csp, UAT_ERR_PARSE_BAD_CERT, CHECK, "hwID", -1);
    e->hwid_len = e->product == UAT_SNP_PRODUCT_TURIN ? 8 : 64;
    UAT_TRY(ext_value(c, UAT_SNP_OID_HWID, b));
    /* spec: 57230 §3: the hwID form follows the product (Milan, Genoa: 64 bytes; Turin: 8). A
     * certificate whose productName and hwID form disagree is not one KDS issued. */
    size_t other = e->hwid_len == 8 ? 64 : 8;
    if (hwid_form(uat_buf_span(b), other)) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_CERT, CHECK, "hwID", -1,
                         "the VCEK's productName \"%s\" calls for a hwID of %zu bytes but the "
                         "certificate holds one of %zu: its product and hwID disagree",
                         e->product_name, e->hwid_len, other);
    }
    return uat_snp_ext_hwid(uat_buf_span(b), e->hwid_len, e->hwid);
}

static uat_err read_all(const uat_cert *c, uat_snp_vek_ext *e, uat_buf *b)
{
    UAT_TRY(ext_value(c, UAT_SNP_OID_STRUCT_VERSION, b));
    UAT_TRY(uat_snp_ext_u8(uat_buf_span(b), "structVersion", &e->struct_version));
    UAT_TRY(ext_value(c, UAT_SNP_OID_PRODUCT_NAME, b));
    UAT_TRY(
        uat_snp_ext_ia5(uat_buf_span(b), "productName", e->product_name, sizeof(e->product_name)));
    e->product = uat_snp_product_from_name(e->product_name);
    if (e->product == UAT_SNP_PRODUCT_UNKNOWN) {
        return UAT_FAILF(UAT_ERR_VERIFY_CHAIN, CHECK, "productName", -1,
                         "the certificate is for product \"%s\"; known are Milan, Genoa, Turin",
                         e->product_name);
    }
    UAT_TRY(read_spls(c, e, b));
    UAT_TRY(read_identity(c, e, b));
    return uat_snp_vek_ext_finish(e);
}

uat_err uat_snp_vek_ext_read(const uat_cert *c, uat_snp_vek_ext *out)
{
    uat_snp_vek_ext e;
    memset(&e, 0, sizeof(e));
    /* spec: 57230 §3: subject CN "SEV-VCEK"; VLEK: "SEV-VLEK" */
    const char *cn = uat_cert_cn(c);
    if (strcmp(cn, "SEV-VCEK") == 0 || strcmp(cn, "SEV-VLEK") == 0) {
        e.kind = strcmp(cn, "SEV-VCEK") == 0 ? UAT_SNP_VCEK : UAT_SNP_VLEK;
    } else {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_CERT, CHECK, "subject", -1,
                         "\"%s\" is not a VCEK or VLEK certificate", cn);
    }
    UAT_ENSURE(uat_key_kind_of(uat_cert_key(c)) == UAT_KEY_EC_P384, UAT_ERR_CRYPTO_BAD_KEY, CHECK,
               "subjectPublicKeyInfo", -1);
    uat_buf b;
    uat_buf_init(&b, 4096);
    uat_err rc = read_all(c, &e, &b);
    uat_buf_free(&b);
    UAT_TRY(rc);
    *out = e;
    return UAT_OK;
}

static const char *kind_name(unsigned k)
{
    return k == UAT_SNP_VCEK ? "VCEK" : k == UAT_SNP_VLEK ? "VLEK" : "no key";
}

static int kind_ok(const uat_snp_vek_ext *e, const uat_snp_report *r)
{
    return (unsigned)e->kind == r->signing_key;
}

static int product_ok(const uat_snp_vek_ext *e, const uat_snp_report *r)
{
    return r->version < 3 || uat_snp_product_from_cpuid(r) == e->product;
}

static int hwid_ok(const uat_snp_vek_ext *e, const uat_snp_report *r)
{
    if (e->kind == UAT_SNP_VLEK || r->mask_chip_key) {
        /* a VLEK is not chip-bound; a masked CHIP_ID (zero) has nothing to compare */
        return 1;
    }
    /* spec: 57230 §3: hwID = CHIP_ID (Turin: its first 8 bytes, the rest of CHIP_ID zero) */
    return e->hwid_len > 0 && uat_ct_equal(e->hwid, r->chip_id, e->hwid_len) &&
           uat_is_zero(r->chip_id + e->hwid_len, 64 - e->hwid_len);
}

uat_err uat_snp_check_kind(const uat_snp_vek_ext *e, const uat_snp_report *r)
{
    if (!kind_ok(e, r)) {
        return UAT_FAILF(UAT_ERR_VERIFY_CHAIN, "snp.signing_key", "signing_key", 0x48,
                         "the report is signed with the %s (SIGNING_KEY %u) but the certificate "
                         "is a %s",
                         kind_name(r->signing_key), r->signing_key, kind_name(e->kind));
    }
    return UAT_OK;
}

uat_err uat_snp_check_product(const uat_snp_vek_ext *e, const uat_snp_report *r)
{
    if (!product_ok(e, r)) {
        return UAT_FAILF(UAT_ERR_VERIFY_CHAIN, "snp.product", "cpuid_fam_id", 0x188,
                         "the %s is for %s but the report's CPUID (family %02xh model %02xh) "
                         "is %s",
                         kind_name(e->kind), uat_snp_product_name(e->product), r->cpuid_fam_id,
                         r->cpuid_mod_id, uat_snp_product_name(uat_snp_product_from_cpuid(r)));
    }
    return UAT_OK;
}

static void tcb_text(uint64_t raw, enum uat_snp_product p, char *out, size_t cap)
{
    uat_snp_tcb t;
    uat_snp_tcb_decode(raw, p, &t);
    char fmc[16] = "";
    if (t.turin) {
        snprintf(fmc, sizeof(fmc), "fmc %u ", t.fmc);
    }
    snprintf(out, cap, "%sbl %u tee %u snp %u ucode %u%s", fmc, t.boot_loader, t.tee, t.snp,
             t.microcode, uat_is_zero(t.reserved, sizeof(t.reserved)) ? "" : " (reserved set)");
}

uat_err uat_snp_check_tcb(const uat_snp_vek_ext *e, const uat_snp_report *r)
{
    /* spec: 56860 REPORTED_TCB: "the TCB version used to derive the VCEK that signed this report" —
     * the certificate's SPLs must equal it, all eight bytes */
    if (e->tcb != r->reported_tcb) {
        char want[96], got[96];
        tcb_text(e->tcb, e->product, want, sizeof(want));
        tcb_text(r->reported_tcb, e->product, got, sizeof(got));
        return UAT_FAILF(UAT_ERR_VERIFY_TCB, "snp.tcb", "reported_tcb", 0x180,
                         "the %s certifies TCB %s but the report's REPORTED_TCB is %s",
                         kind_name(e->kind), want, got);
    }
    return UAT_OK;
}

uat_err uat_snp_check_hwid(const uat_snp_vek_ext *e, const uat_snp_report *r)
{
    if (!hwid_ok(e, r)) {
        return UAT_FAILF(UAT_ERR_VERIFY_CHAIN, "snp.hwid", "chip_id", 0x1a0,
                         "the VCEK's hwID is not the report's CHIP_ID: the VCEK belongs to "
                         "another chip");
    }
    return UAT_OK;
}

int uat_snp_vek_matches(const uat_snp_vek_ext *e, const uat_snp_report *r)
{
    return kind_ok(e, r) && product_ok(e, r) && e->tcb == r->reported_tcb && hwid_ok(e, r);
}
