/* SEV-SNP report fields as JSON, under the names of the ABI specification (56860, lower case). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "tee/snp/snp.h"

static uat_err set_u64_hex(json_t *o, const char *name, uint64_t v)
{
    char hex[17];
    snprintf(hex, sizeof(hex), "%016" PRIx64, v);
    return uat_json_set_str(o, name, hex);
}

/* A TCB_VERSION: the raw value and its components in the product's layout (spec: §2.2). */
uat_err uat_snp_tcb_json(json_t *o, const char *name, uint64_t raw, enum uat_snp_product p)
{
    uat_snp_tcb t;
    uat_snp_tcb_decode(raw, p, &t);
    json_t *j = json_object();
    UAT_TRY(uat_json_set(o, name, j));
    UAT_TRY(set_u64_hex(j, "raw", raw));
    if (t.turin) {
        UAT_TRY(uat_json_set_int(j, "fmc", t.fmc));
    }
    UAT_TRY(uat_json_set_int(j, "boot_loader", t.boot_loader));
    UAT_TRY(uat_json_set_int(j, "tee", t.tee));
    UAT_TRY(uat_json_set_int(j, "snp", t.snp));
    return uat_json_set_int(j, "microcode", t.microcode);
}

static uat_err describe_ids(const uat_snp_report *r, json_t *o)
{
    UAT_TRY(uat_json_set_hex(o, "report_data", r->report_data, 64));
    UAT_TRY(uat_json_set_hex(o, "measurement", r->measurement, 48));
    UAT_TRY(uat_json_set_hex(o, "host_data", r->host_data, 32));
    UAT_TRY(uat_json_set_hex(o, "id_key_digest", r->id_key_digest, 48));
    UAT_TRY(uat_json_set_hex(o, "author_key_digest", r->author_key_digest, 48));
    UAT_TRY(uat_json_set_hex(o, "report_id", r->report_id, 32));
    UAT_TRY(uat_json_set_hex(o, "report_id_ma", r->report_id_ma, 32));
    return uat_json_set_hex(o, "chip_id", r->chip_id, 64);
}

static uat_err describe_versions(const uat_snp_report *r, enum uat_snp_product p, json_t *o)
{
    UAT_TRY(uat_snp_tcb_json(o, "current_tcb", r->current_tcb, p));
    UAT_TRY(uat_snp_tcb_json(o, "reported_tcb", r->reported_tcb, p));
    UAT_TRY(uat_snp_tcb_json(o, "committed_tcb", r->committed_tcb, p));
    UAT_TRY(uat_snp_tcb_json(o, "launch_tcb", r->launch_tcb, p));
    UAT_TRY(uat_json_set_int(o, "current_build", r->current_build));
    UAT_TRY(uat_json_set_int(o, "current_minor", r->current_minor));
    UAT_TRY(uat_json_set_int(o, "current_major", r->current_major));
    UAT_TRY(uat_json_set_int(o, "committed_build", r->committed_build));
    UAT_TRY(uat_json_set_int(o, "committed_minor", r->committed_minor));
    UAT_TRY(uat_json_set_int(o, "committed_major", r->committed_major));
    if (r->version >= 3) {
        UAT_TRY(uat_json_set_int(o, "cpuid_fam_id", r->cpuid_fam_id));
        UAT_TRY(uat_json_set_int(o, "cpuid_mod_id", r->cpuid_mod_id));
        UAT_TRY(uat_json_set_int(o, "cpuid_step", r->cpuid_step));
    }
    if (r->version >= 5) {
        UAT_TRY(set_u64_hex(o, "launch_mit_vector", r->launch_mit_vector));
        UAT_TRY(set_u64_hex(o, "current_mit_vector", r->current_mit_vector));
    }
    return UAT_OK;
}

uat_err uat_snp_describe(const uat_snp_report *r, enum uat_snp_product p, json_t *o)
{
    UAT_TRY(uat_json_set_int(o, "version", r->version));
    UAT_TRY(uat_json_set_int(o, "guest_svn", r->guest_svn));
    UAT_TRY(uat_json_set_int(o, "policy", (int64_t)r->policy)); /* bit 63 is zero (parse) */
    UAT_TRY(uat_json_set_hex(o, "family_id", r->family_id, 16));
    UAT_TRY(uat_json_set_hex(o, "image_id", r->image_id, 16));
    UAT_TRY(uat_json_set_int(o, "vmpl", r->vmpl));
    UAT_TRY(uat_json_set_int(o, "signature_algo", r->signature_algo));
    UAT_TRY(uat_json_set_int(o, "platform_info", (int64_t)r->platform_info));
    UAT_TRY(uat_json_set_bool(o, "author_key_en", r->author_key_en));
    UAT_TRY(uat_json_set_bool(o, "mask_chip_key", r->mask_chip_key));
    UAT_TRY(uat_json_set_int(o, "signing_key", r->signing_key));
    UAT_TRY(describe_ids(r, o));
    return describe_versions(r, p, o);
}

static void guid_text(const uint8_t g[16], char out[37])
{
    static const char hex[] = "0123456789abcdef";
    size_t k = 0;
    for (size_t i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            out[k++] = '-';
        }
        out[k++] = hex[g[i] >> 4];
        out[k++] = hex[g[i] & 15];
    }
    out[k] = '\0';
}

static const char *guid_role(const uint8_t g[16])
{
    return memcmp(g, uat_snp_guid_vcek, 16) == 0   ? "vcek"
           : memcmp(g, uat_snp_guid_vlek, 16) == 0 ? "vlek"
           : memcmp(g, uat_snp_guid_ask, 16) == 0  ? "ask"
           : memcmp(g, uat_snp_guid_ark, 16) == 0  ? "ark"
                                                   : "other";
}

static uat_err describe_table(const uat_snp_cert_table *t, json_t *o)
{
    json_t *arr = json_array();
    UAT_TRY(uat_json_set(o, "certificates", arr));
    for (size_t i = 0; i < t->n; i++) {
        char g[37];
        json_t *e = json_object();
        if (e == NULL || json_array_append_new(arr, e) != 0) {
            return UAT_NOMEM("snp.inspect");
        }
        guid_text(t->e[i].guid, g);
        UAT_TRY(uat_json_set_str(e, "guid", g));
        UAT_TRY(uat_json_set_str(e, "role", guid_role(t->e[i].guid)));
        UAT_TRY(uat_json_set_int(e, "length", (int64_t)t->e[i].data.len));
    }
    return UAT_OK;
}

uat_err uat_snp_inspect(uat_span in, json_t *fields)
{
    uat_snp_report r;
    uat_snp_cert_table t;
    UAT_TRY(uat_snp_evidence_parse(in, &r, &t));
    /* a version 2 report has no CPUID fields: its TCB is shown in the Milan/Genoa layout */
    UAT_TRY(uat_snp_describe(&r, uat_snp_product_from_cpuid(&r), fields));
    json_t *sig = json_object();
    UAT_TRY(uat_json_set(fields, "signature", sig));
    UAT_TRY(uat_json_set_hex(sig, "r", r.sig_r, 48));
    UAT_TRY(uat_json_set_hex(sig, "s", r.sig_s, 48));
    return describe_table(&t, fields);
}
