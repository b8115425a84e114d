/* AMD SEV-SNP ATTESTATION_REPORT and certificate table parsing (pure: bytes to struct, no crypto).
 * Fields are read in the order of the specification's table; every reserved field must be zero. */
#include <string.h>

#include "core/reader.h"
#include "tee/snp/snp.h"

#define CHECK "snp.report"
#define CHECK_TABLE "snp.cert_table"

/* spec: 56421 §4.1.8.1: certificate table GUIDs (VCEK, VLEK, ASK, ARK), RFC 4122 byte order */
const uint8_t uat_snp_guid_vcek[16] = {0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64,
                                       0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd};
const uint8_t uat_snp_guid_vlek[16] = {0xa8, 0x07, 0x4b, 0xc2, 0xa2, 0x5a, 0x48, 0x3e,
                                       0xaa, 0xe6, 0x39, 0xc0, 0x45, 0xa0, 0xb8, 0xa1};
const uint8_t uat_snp_guid_ask[16] = {0x4a, 0xb7, 0xb3, 0x79, 0xbb, 0xac, 0x4f, 0xe4,
                                      0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7, 0x82};
const uint8_t uat_snp_guid_ark[16] = {0xc0, 0xb4, 0x06, 0xa4, 0xa8, 0x03, 0x49, 0x52,
                                      0x97, 0x43, 0x3f, 0xb6, 0x01, 0x4c, 0xd0, 0xae};

/* spec: 56860 ATTESTATION_REPORT 0x00-0x47: VERSION .. PLATFORM_INFO */
static uat_err parse_head(uat_reader *r, uat_snp_report *o)
{
    UAT_TRY(uat_rd_u32le(r, "version", &o->version));
    /* spec: the layouts rev 1.58 defines: VERSION 2, 3 (adds the CPUID fields) and 5 (adds the
     * mitigation vectors) */
    UAT_ENSURE(o->version == 2 || o->version == 3 || o->version == 5, UAT_ERR_PARSE_BAD_VERSION,
               CHECK, "version", 0x00);
    UAT_TRY(uat_rd_u32le(r, "guest_svn", &o->guest_svn));
    UAT_TRY(uat_rd_u64le(r, "policy", &o->policy));
    /* spec: §4.3 guest policy: bit 17 is reserved and must be one; bit 63 is reserved (zero) */
    UAT_ENSURE((o->policy & UAT_SNP_POLICY_RESERVED_ONE) != 0, UAT_ERR_PARSE_BAD_VALUE, CHECK,
               "policy", 0x08);
    UAT_ENSURE((o->policy >> 63) == 0, UAT_ERR_PARSE_RESERVED_NONZERO, CHECK, "policy", 0x0f);
    UAT_TRY(uat_rd_copy(r, o->family_id, 16, "family_id"));
    UAT_TRY(uat_rd_copy(r, o->image_id, 16, "image_id"));
    UAT_TRY(uat_rd_u32le(r, "vmpl", &o->vmpl));
    /* spec: VMPL of the request: 0-3 */
    UAT_ENSURE(o->vmpl <= 3, UAT_ERR_PARSE_BAD_VALUE, CHECK, "vmpl", 0x30);
    UAT_TRY(uat_rd_u32le(r, "signature_algo", &o->signature_algo));
    /* spec: appendix "Digital Signatures": 1 = ECDSA P-384 with SHA-384, the only algorithm */
    UAT_ENSURE(o->signature_algo == UAT_SNP_SIG_ALGO_ECDSA_P384_SHA384,
               UAT_ERR_UNSUPPORTED_ALGORITHM, CHECK, "signature_algo", 0x34);
    UAT_TRY(uat_rd_u64le(r, "current_tcb", &o->current_tcb));
    UAT_TRY(uat_rd_u64le(r, "platform_info", &o->platform_info));
    /* spec: PLATFORM_INFO bit 63 is reserved; checked so the value fits a JSON integer */
    UAT_ENSURE((o->platform_info >> 63) == 0, UAT_ERR_PARSE_RESERVED_NONZERO, CHECK,
               "platform_info", 0x47);
    return UAT_OK;
}

/* spec: 0x48: bit 0 AUTHOR_KEY_EN, bit 1 MASK_CHIP_KEY, bits 4:2 SIGNING_KEY, 31:5 reserved */
static uat_err parse_key_info(uat_reader *r, uat_snp_report *o)
{
    UAT_TRY(uat_rd_u32le(r, "key_info", &o->key_info));
    UAT_ENSURE((o->key_info >> 5) == 0, UAT_ERR_PARSE_RESERVED_NONZERO, CHECK, "key_info", 0x48);
    o->author_key_en = (int)(o->key_info & 1u);
    o->mask_chip_key = (int)((o->key_info >> 1) & 1u);
    o->signing_key = (o->key_info >> 2) & 7u;
    /* spec: SIGNING_KEY 0 = VCEK, 1 = VLEK, 2-6 reserved, 7 = none */
    UAT_ENSURE(o->signing_key <= UAT_SNP_KEY_VLEK || o->signing_key == UAT_SNP_KEY_NONE,
               UAT_ERR_PARSE_BAD_VALUE, CHECK, "signing_key", 0x48);
    return uat_rd_zeros(r, 4, "reserved (0x4c)");
}

/* spec: 0x50-0x19F: REPORT_DATA .. REPORTED_TCB, the CPUID fields of version 3 and later */
static uat_err parse_body(uat_reader *r, uat_snp_report *o)
{
    UAT_TRY(uat_rd_copy(r, o->report_data, 64, "report_data"));
    UAT_TRY(uat_rd_copy(r, o->measurement, 48, "measurement"));
    UAT_TRY(uat_rd_copy(r, o->host_data, 32, "host_data"));
    UAT_TRY(uat_rd_copy(r, o->id_key_digest, 48, "id_key_digest"));
    UAT_TRY(uat_rd_copy(r, o->author_key_digest, 48, "author_key_digest"));
    UAT_TRY(uat_rd_copy(r, o->report_id, 32, "report_id"));
    UAT_TRY(uat_rd_copy(r, o->report_id_ma, 32, "report_id_ma"));
    UAT_TRY(uat_rd_u64le(r, "reported_tcb", &o->reported_tcb));
    if (o->version < 3) {
        return uat_rd_zeros(r, 24, "reserved (0x188)");
    }
    UAT_TRY(uat_rd_u8(r, "cpuid_fam_id", &o->cpuid_fam_id));
    UAT_TRY(uat_rd_u8(r, "cpuid_mod_id", &o->cpuid_mod_id));
    UAT_TRY(uat_rd_u8(r, "cpuid_step", &o->cpuid_step));
    return uat_rd_zeros(r, 21, "reserved (0x18b)");
}

/* spec: 0x1A0-0x29F: CHIP_ID .. LAUNCH_TCB and the version-dependent tail */
static uat_err parse_platform(uat_reader *r, uat_snp_report *o)
{
    UAT_TRY(uat_rd_copy(r, o->chip_id, 64, "chip_id"));
    /* spec: CHIP_ID is zero when MASK_CHIP_KEY is set */
    UAT_ENSURE(!o->mask_chip_key || uat_is_zero(o->chip_id, 64), UAT_ERR_PARSE_BAD_VALUE, CHECK,
               "chip_id", 0x1a0);
    UAT_TRY(uat_rd_u64le(r, "committed_tcb", &o->committed_tcb));
    UAT_TRY(uat_rd_u8(r, "current_build", &o->current_build));
    UAT_TRY(uat_rd_u8(r, "current_minor", &o->current_minor));
    UAT_TRY(uat_rd_u8(r, "current_major", &o->current_major));
    UAT_TRY(uat_rd_zeros(r, 1, "reserved (0x1eb)"));
    UAT_TRY(uat_rd_u8(r, "committed_build", &o->committed_build));
    UAT_TRY(uat_rd_u8(r, "committed_minor", &o->committed_minor));
    UAT_TRY(uat_rd_u8(r, "committed_major", &o->committed_major));
    UAT_TRY(uat_rd_zeros(r, 1, "reserved (0x1ef)"));
    UAT_TRY(uat_rd_u64le(r, "launch_tcb", &o->launch_tcb));
    if (o->version < 5) {
        return uat_rd_zeros(r, 168, "reserved (0x1f8)");
    }
    UAT_TRY(uat_rd_u64le(r, "launch_mit_vector", &o->launch_mit_vector));
    UAT_TRY(uat_rd_u64le(r, "current_mit_vector", &o->current_mit_vector));
    return uat_rd_zeros(r, 152, "reserved (0x208)");
}

/* spec: 56860 appendix "ECDSA P-384 with SHA-384": R and S are 72-byte little-endian fields of
 * which the low 48 bytes hold the value; the rest of the 512-byte signature is reserved. */
static uat_err parse_sig_int(uat_reader *r, const char *field, const char *pad, uint8_t be[48])
{
    uint8_t le[48];
    UAT_TRY(uat_rd_copy(r, le, 48, field));
    UAT_TRY(uat_rd_zeros(r, 24, pad));
    for (size_t i = 0; i < 48; i++) {
        be[i] = le[47 - i];
    }
    return UAT_OK;
}

uat_err uat_snp_report_parse(uat_span in, uat_snp_report *out)
{
    uat_reader r;
    uat_rd_init(&r, in, CHECK);
    uat_snp_report o;
    memset(&o, 0, sizeof(o));
    UAT_TRY(parse_head(&r, &o));
    UAT_TRY(parse_key_info(&r, &o));
    UAT_TRY(parse_body(&r, &o));
    UAT_TRY(parse_platform(&r, &o));
    UAT_TRY(parse_sig_int(&r, "signature.r", "signature.r (bytes 48-71)", o.sig_r));
    UAT_TRY(parse_sig_int(&r, "signature.s", "signature.s (bytes 48-71)", o.sig_s));
    UAT_TRY(uat_rd_zeros(&r, 368, "signature (reserved 0x90-0x1ff)"));
    UAT_TRY(uat_rd_end(&r));
    *out = o;
    return UAT_OK;
}

/* Table entries up to the all-zero terminator; each entry's certificate must lie in the blob. */
static uat_err parse_entries(uat_reader *r, uat_span blob, uat_snp_cert_table *t)
{
    for (;;) {
        uint8_t guid[16];
        uint32_t off = 0, len = 0;
        int64_t at = uat_rd_pos(r);
        UAT_TRY(uat_rd_copy(r, guid, 16, "guid"));
        UAT_TRY(uat_rd_u32le(r, "offset", &off));
        UAT_TRY(uat_rd_u32le(r, "length", &len));
        if (uat_is_zero(guid, 16)) {
            /* spec: 56421 §4.1.8.1: the table ends with an entry of all zeros */
            UAT_ENSURE(off == 0 && len == 0, UAT_ERR_PARSE_BAD_VALUE, CHECK_TABLE, "terminator",
                       at);
            return UAT_OK;
        }
        UAT_ENSURE(t->n < UAT_SNP_MAX_CERT_ENTRIES, UAT_ERR_RESOURCE_LIMIT, CHECK_TABLE, "guid",
                   at);
        UAT_ENSURE(off <= blob.len, UAT_ERR_PARSE_BAD_LENGTH, CHECK_TABLE, "offset", at + 16);
        UAT_ENSURE(len > 0 && len <= blob.len - off, UAT_ERR_PARSE_BAD_LENGTH, CHECK_TABLE,
                   "length", at + 20);
        UAT_ENSURE(uat_snp_cert_table_find(t, guid) == NULL, UAT_ERR_PARSE_BAD_VALUE, CHECK_TABLE,
                   "guid", at);
        memcpy(t->e[t->n].guid, guid, 16);
        t->e[t->n].data = uat_span_of(blob.p + off, len);
        t->n++;
    }
}

/* The end (offset in the blob) of an entry that covers offset i, or 0 when none does. */
static size_t covered_end(const uat_snp_cert_table *t, uat_span blob, size_t i)
{
    size_t end = 0;
    for (size_t k = 0; k < t->n; k++) {
        size_t lo = (size_t)(t->e[k].data.p - blob.p), hi = lo + t->e[k].data.len;
        if (i >= lo && i < hi && hi > end) {
            end = hi;
        }
    }
    return end;
}

static uat_err parse_table(uat_span in, int64_t base, uat_snp_cert_table *out)
{
    uat_snp_cert_table t;
    memset(&t, 0, sizeof(t));
    if (in.len > 0) {
        uat_reader r;
        uat_rd_init(&r, in, CHECK_TABLE);
        r.base = base;
        UAT_TRY(parse_entries(&r, in, &t));
        for (size_t i = 0; i < t.n; i++) {
            /* the certificates follow the table: none may overlap its entries */
            UAT_ENSURE((size_t)(t.e[i].data.p - in.p) >= r.off, UAT_ERR_PARSE_BAD_LENGTH,
                       CHECK_TABLE, "offset", base + (int64_t)(i * UAT_SNP_CERT_ENTRY_SIZE) + 16);
        }
        for (size_t i = r.off; i < in.len;) {
            /* what no entry points at is padding (zero pages), never hidden data */
            size_t end = in.p[i] == 0 ? i + 1 : covered_end(&t, in, i);
            UAT_ENSURE(end > i, UAT_ERR_PARSE_TRAILING_BYTES, CHECK_TABLE, "", base + (int64_t)i);
            i = end;
        }
    }
    *out = t;
    return UAT_OK;
}

uat_err uat_snp_cert_table_parse(uat_span in, uat_snp_cert_table *out)
{
    return parse_table(in, 0, out);
}

uat_err uat_snp_evidence_parse(uat_span in, uat_snp_report *report, uat_snp_cert_table *table)
{
    UAT_ENSURE(in.len >= UAT_SNP_REPORT_SIZE, UAT_ERR_PARSE_TRUNCATED, CHECK, "", (int64_t)in.len);
    uat_span tail = uat_span_of(in.p + UAT_SNP_REPORT_SIZE, in.len - UAT_SNP_REPORT_SIZE);
    /* a tail shorter than the terminator entry cannot be a certificate table */
    UAT_ENSURE(tail.len == 0 || tail.len >= UAT_SNP_CERT_ENTRY_SIZE, UAT_ERR_PARSE_TRAILING_BYTES,
               CHECK, "", UAT_SNP_REPORT_SIZE);
    uat_snp_report r;
    uat_snp_cert_table t;
    UAT_TRY(uat_snp_report_parse(uat_span_of(in.p, UAT_SNP_REPORT_SIZE), &r));
    UAT_TRY(parse_table(tail, UAT_SNP_REPORT_SIZE, &t));
    *report = r;
    *table = t;
    return UAT_OK;
}

const uat_snp_cert_entry *uat_snp_cert_table_find(const uat_snp_cert_table *t,
                                                  const uint8_t guid[16])
{
    for (size_t i = 0; i < t->n; i++) {
        if (memcmp(t->e[i].guid, guid, 16) == 0) {
            return &t->e[i];
        }
    }
    return NULL;
}

uat_err uat_snp_cert_table_build(const uat_snp_cert_entry *e, size_t n, uat_buf *out)
{
    UAT_ENSURE(n <= UAT_SNP_MAX_CERT_ENTRIES, UAT_ERR_RESOURCE_LIMIT, CHECK_TABLE, "", -1);
    size_t off = (n + 1) * UAT_SNP_CERT_ENTRY_SIZE;
    for (size_t i = 0; i < n; i++) {
        UAT_ENSURE(e[i].data.len > 0 && e[i].data.len <= UINT32_MAX - off, UAT_ERR_RESOURCE_LIMIT,
                   CHECK_TABLE, "length", -1);
        UAT_TRY(uat_buf_append(out, e[i].guid, 16));
        UAT_TRY(uat_buf_put_u32le(out, (uint32_t)off));
        UAT_TRY(uat_buf_put_u32le(out, (uint32_t)e[i].data.len));
        off += e[i].data.len;
    }
    UAT_TRY(uat_buf_put_zeros(out, UAT_SNP_CERT_ENTRY_SIZE));
    for (size_t i = 0; i < n; i++) {
        UAT_TRY(uat_buf_append(out, e[i].data.p, e[i].data.len));
    }
    return UAT_OK;
}

int uat_snp_sniff(uat_span in)
{
    uat_reader r;
    uat_rd_init(&r, in, CHECK);
    uint32_t version = 0, algo = 0;
    if (in.len < UAT_SNP_REPORT_SIZE) {
        return 0;
    }
    /* 1184 bytes are there: these reads cannot fail */
    if (uat_rd_u32le(&r, "", &version) != UAT_OK || uat_rd_skip(&r, 0x30, "") != UAT_OK ||
        uat_rd_u32le(&r, "", &algo) != UAT_OK) {
        return 0;
    }
    if (!(version == 2 || version == 3 || version == 5) ||
        algo != UAT_SNP_SIG_ALGO_ECDSA_P384_SHA384) {
        return 0;
    }
    size_t tail = in.len - UAT_SNP_REPORT_SIZE;
    uat_snp_cert_table t;
    if (tail > 0 && (tail < UAT_SNP_CERT_ENTRY_SIZE ||
                     parse_table(uat_span_of(in.p + UAT_SNP_REPORT_SIZE, tail), UAT_SNP_REPORT_SIZE,
                                 &t) != UAT_OK)) {
        uat_error_clear(); /* not ours: leave no error behind */
        return 0;
    }
    return 1;
}

const char *uat_snp_product_name(enum uat_snp_product p)
{
    switch (p) {
    case UAT_SNP_PRODUCT_MILAN:
        return "Milan";
    case UAT_SNP_PRODUCT_GENOA:
        return "Genoa";
    case UAT_SNP_PRODUCT_TURIN:
        return "Turin";
    default:
        return "unknown";
    }
}

/* spec: 57230 §2 (KDS product names) and AMD CPUID Fn0000_0001_EAX (family, extended model):
 * family 19h models 00h-0Fh Milan, 10h-1Fh Genoa, A0h-AFh Siena (served as Genoa by KDS);
 * family 1Ah models 00h-1Fh Turin */
enum uat_snp_product uat_snp_product_from_cpuid(const uat_snp_report *r)
{
    unsigned ext_model = (unsigned)r->cpuid_mod_id >> 4;
    if (r->version < 3) {
        return UAT_SNP_PRODUCT_UNKNOWN;
    }
    if (r->cpuid_fam_id == 0x19) {
        return ext_model == 0x0   ? UAT_SNP_PRODUCT_MILAN
               : ext_model == 0x1 ? UAT_SNP_PRODUCT_GENOA
               : ext_model == 0xa ? UAT_SNP_PRODUCT_GENOA
                                  : UAT_SNP_PRODUCT_UNKNOWN;
    }
    if (r->cpuid_fam_id == 0x1a && ext_model <= 0x1) {
        return UAT_SNP_PRODUCT_TURIN;
    }
    return UAT_SNP_PRODUCT_UNKNOWN;
}

enum uat_snp_product uat_snp_product_from_name(const char *name)
{
    static const enum uat_snp_product all[] = {UAT_SNP_PRODUCT_MILAN, UAT_SNP_PRODUCT_GENOA,
                                               UAT_SNP_PRODUCT_TURIN};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        const char *p = uat_snp_product_name(all[i]);
        size_t n = strlen(p);
        /* "Milan" (VLEK) or "Milan-B0" (VCEK: product and stepping) */
        if (strncmp(name, p, n) == 0 && (name[n] == '\0' || name[n] == '-')) {
            return all[i];
        }
    }
    return UAT_SNP_PRODUCT_UNKNOWN;
}

void uat_snp_tcb_decode(uint64_t raw, enum uat_snp_product p, uat_snp_tcb *out)
{
    uint8_t b[8];
    for (size_t i = 0; i < 8; i++) {
        b[i] = (uint8_t)(raw >> (8 * i));
    }
    memset(out, 0, sizeof(*out));
    out->turin = p == UAT_SNP_PRODUCT_TURIN;
    out->microcode = b[7];
    if (out->turin) {
        out->fmc = b[0];
        out->boot_loader = b[1];
        out->tee = b[2];
        out->snp = b[3];
        memcpy(out->reserved, b + 4, 3);
    } else {
        out->boot_loader = b[0];
        out->tee = b[1];
        memcpy(out->reserved, b + 2, 4);
        out->snp = b[6];
    }
}
