/* sim report parsing (pure: bytes to struct, no crypto). Layout: sim.h. */
#include <string.h>

#include "core/reader.h"
#include "tee/sim/sim.h"

int uat_sim_sniff(uat_span in)
{
    return in.len == UAT_SIM_REPORT_SIZE && memcmp(in.p, UAT_SIM_MAGIC, 4) == 0;
}

uat_err uat_sim_parse(uat_span in, uat_sim_report *out)
{
    uat_reader r;
    uat_rd_init(&r, in, "sim.report");
    uat_sim_report rep;
    uint8_t magic[4];
    uint32_t reserved;
    UAT_ENSURE(in.len == UAT_SIM_REPORT_SIZE, in.len < UAT_SIM_REPORT_SIZE
                                                  ? UAT_ERR_PARSE_TRUNCATED
                                                  : UAT_ERR_PARSE_TRAILING_BYTES,
               "sim.report", "", (int64_t)(in.len < UAT_SIM_REPORT_SIZE ? in.len : UAT_SIM_REPORT_SIZE));
    UAT_TRY(uat_rd_copy(&r, magic, sizeof(magic), "magic"));
    UAT_ENSURE(memcmp(magic, UAT_SIM_MAGIC, 4) == 0, UAT_ERR_PARSE_BAD_MAGIC, "sim.report", "magic",
               0);
    UAT_TRY(uat_rd_u16le(&r, "version", &rep.version));
    UAT_ENSURE(rep.version == UAT_SIM_VERSION, UAT_ERR_PARSE_BAD_VERSION, "sim.report", "version",
               4);
    UAT_TRY(uat_rd_u16le(&r, "flags", &rep.flags));
    UAT_ENSURE((rep.flags & ~UAT_SIM_FLAG_DEBUG) == 0, UAT_ERR_PARSE_RESERVED_NONZERO, "sim.report",
               "flags", 6);
    UAT_TRY(uat_rd_u32le(&r, "svn", &rep.svn));
    UAT_TRY(uat_rd_u32le(&r, "reserved", &reserved));
    UAT_ENSURE(reserved == 0, UAT_ERR_PARSE_RESERVED_NONZERO, "sim.report", "reserved", 12);
    UAT_TRY(uat_rd_copy(&r, rep.measurement, sizeof(rep.measurement), "measurement"));
    UAT_TRY(uat_rd_copy(&r, rep.signer, sizeof(rep.signer), "signer"));
    UAT_TRY(uat_rd_copy(&r, rep.report_data, sizeof(rep.report_data), "report_data"));
    UAT_TRY(uat_rd_copy(&r, rep.key_id, sizeof(rep.key_id), "key_id"));
    UAT_TRY(uat_rd_copy(&r, rep.signature, sizeof(rep.signature), "signature"));
    UAT_TRY(uat_rd_end(&r));
    *out = rep;
    return UAT_OK;
}

uat_err uat_sim_describe(const uat_sim_report *r, json_t *f)
{
    UAT_TRY(uat_json_set_int(f, "version", r->version));
    UAT_TRY(uat_json_set_int(f, "flags", r->flags));
    UAT_TRY(uat_json_set_bool(f, "debug", (r->flags & UAT_SIM_FLAG_DEBUG) != 0));
    UAT_TRY(uat_json_set_int(f, "svn", r->svn));
    UAT_TRY(uat_json_set_hex(f, "measurement", r->measurement, sizeof(r->measurement)));
    UAT_TRY(uat_json_set_hex(f, "signer", r->signer, sizeof(r->signer)));
    UAT_TRY(uat_json_set_hex(f, "report_data", r->report_data, sizeof(r->report_data)));
    UAT_TRY(uat_json_set_hex(f, "key_id", r->key_id, sizeof(r->key_id)));
    return UAT_OK;
}

uat_err uat_sim_inspect(uat_span in, json_t *fields)
{
    uat_sim_report r;
    UAT_TRY(uat_sim_parse(in, &r));
    UAT_TRY(uat_sim_describe(&r, fields));
    return uat_json_set_hex(fields, "signature", r.signature, sizeof(r.signature));
}

static const char *const sim_options[] = {
    "key", "measure", "measure-file", "signer", "svn", "debug", NULL,
};

const uat_tee_ops uat_tee_sim = {
    .name = "sim",
    .media_type = UAT_SIM_MEDIA_TYPE,
    .cbor_tag = 0,
    .detect_paths = NULL, /* software only: never auto-detected as this machine's TEE */
    .options = sim_options,
    .sniff = uat_sim_sniff,
    .inspect = uat_sim_inspect,
    .verify = uat_sim_verify,
    .cache_free = uat_sim_cache_free,
    .cache_traced = 1, /* trust anchors only: every step runs on each call */
    .collect = uat_sim_collect,
    .attest_cache_free = uat_sim_attest_cache_free,
    .seal_key = uat_sim_seal_key,
};
