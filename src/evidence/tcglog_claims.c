/* Boot claims of a TCG event log (tcglog.h): event counts, secure boot, boot applications and
 * separators. Only what the log's digests cover is believed: event data is used only when it
 * hashes to the event's digest in every bank this build can hash, and only from the registers the
 * firmware owns (an OS can extend PCR 7 and PCR 4 too, but cannot remove what firmware logged). */
#include <stdio.h>
#include <string.h>

#include "core/reader.h"
#include "evidence/claims_int.h"
#include "evidence/tcglog.h"

#define CHECK "tcglog.claims"

/* spec: UEFI 2.x §8.2: EFI_GLOBAL_VARIABLE 8BE4DF61-93CA-11D2-AA0D-00E098032B8C (EFI_GUID byte
 * order: Data1-3 little-endian) */
static const uint8_t efi_global_variable[16] = {0x61, 0xdf, 0xe4, 0x8b, 0xca, 0x93, 0xd2, 0x11,
                                                0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c};
/* "SecureBoot" in UTF-16LE */
static const uint8_t secure_boot_name[20] = {'S', 0, 'e', 0, 'c', 0, 'u', 0, 'r', 0,
                                             'e', 0, 'B', 0, 'o', 0, 'o', 0, 't', 0};

typedef struct event_name {
    uint32_t type;
    const char *name;
} event_name;

/* spec: PC Client PFP rev 1.05 §10.4.1 Table 9 */
static const event_name event_names[] = {
    {0x00000000u, "EV_PREBOOT_CERT"},
    {0x00000001u, "EV_POST_CODE"},
    {0x00000002u, "EV_UNUSED"},
    {0x00000003u, "EV_NO_ACTION"},
    {0x00000004u, "EV_SEPARATOR"},
    {0x00000005u, "EV_ACTION"},
    {0x00000006u, "EV_EVENT_TAG"},
    {0x00000007u, "EV_S_CRTM_CONTENTS"},
    {0x00000008u, "EV_S_CRTM_VERSION"},
    {0x00000009u, "EV_CPU_MICROCODE"},
    {0x0000000Au, "EV_PLATFORM_CONFIG_FLAGS"},
    {0x0000000Bu, "EV_TABLE_OF_DEVICES"},
    {0x0000000Cu, "EV_COMPACT_HASH"},
    {0x0000000Du, "EV_IPL"},
    {0x0000000Eu, "EV_IPL_PARTITION_DATA"},
    {0x0000000Fu, "EV_NONHOST_CODE"},
    {0x00000010u, "EV_NONHOST_CONFIG"},
    {0x00000011u, "EV_NONHOST_INFO"},
    {0x00000012u, "EV_OMIT_BOOT_DEVICE_EVENTS"},
    {0x00000013u, "EV_POST_CODE2"},
    {0x80000000u, "EV_EFI_EVENT_BASE"},
    {0x80000001u, "EV_EFI_VARIABLE_DRIVER_CONFIG"},
    {0x80000002u, "EV_EFI_VARIABLE_BOOT"},
    {0x80000003u, "EV_EFI_BOOT_SERVICES_APPLICATION"},
    {0x80000004u, "EV_EFI_BOOT_SERVICES_DRIVER"},
    {0x80000005u, "EV_EFI_RUNTIME_SERVICES_DRIVER"},
    {0x80000006u, "EV_EFI_GPT_EVENT"},
    {0x80000007u, "EV_EFI_ACTION"},
    {0x80000008u, "EV_EFI_PLATFORM_FIRMWARE_BLOB"},
    {0x80000009u, "EV_EFI_HANDOFF_TABLES"},
    {0x8000000Au, "EV_EFI_PLATFORM_FIRMWARE_BLOB2"},
    {0x8000000Bu, "EV_EFI_HANDOFF_TABLES2"},
    {0x8000000Cu, "EV_EFI_VARIABLE_BOOT2"},
    {0x8000000Du, "EV_EFI_GPT_EVENT2"},
    {0x80000010u, "EV_EFI_HCRTM_EVENT"},
    {0x800000E0u, "EV_EFI_VARIABLE_AUTHORITY"},
    {0x800000E1u, "EV_EFI_SPDM_FIRMWARE_BLOB"},
    {0x800000E2u, "EV_EFI_SPDM_FIRMWARE_CONFIG"},
};

const char *uat_tcglog_event_type_name(uint32_t type)
{
    for (size_t i = 0; i < sizeof(event_names) / sizeof(event_names[0]); i++) {
        if (event_names[i].type == type) {
            return event_names[i].name;
        }
    }
    return NULL;
}

/* Where the firmware measures what the claims are about. TPM: PC Client PFP §3.3.4 (PCR 7
 * secure boot policy, PCR 4 boot manager code, separators in PCRs 0-7). CCEL: the UEFI CC
 * mapping of those PCRs (PCR 0, 1, 7 -> MR index 1; PCR 2-6 -> MR index 2). */
typedef struct fw_regs {
    uint32_t secure_boot;
    uint32_t boot_apps;
    uint32_t sep_mask;
} fw_regs;

static fw_regs firmware_regs(const uat_tcglog *l)
{
    fw_regs r = {7, 4, 0xFFu};
    if (uat_tcglog_is_ccel(l)) {
        r.secure_boot = 1;
        r.boot_apps = 2;
        r.sep_mask = (1u << 1) | (1u << 2);
    }
    return r;
}

static const char *bank_name(uint16_t alg, char buf[8])
{
    enum uat_hash_alg h;
    if (alg != UAT_TCG_ALG_SM3_256 && uat_tcg_hash_alg(alg, &h) == UAT_OK) {
        return uat_hash_name(h);
    }
    uat_error_clear(); /* not an error here: the name is made up below */
    if (alg == UAT_TCG_ALG_SM3_256) {
        return "sm3_256";
    }
    snprintf(buf, 8, "0x%04x", alg);
    return buf;
}

/* 1 when event i's data hashes to its digest in every bank this build can hash (and there is at
 * least one such bank), else 0. */
static uat_err data_matches(const uat_tcglog *l, size_t i, uat_span data, int *ok)
{
    uint16_t algs[UAT_TCGLOG_MAX_BANKS];
    size_t nb = uat_tcglog_banks(l, algs, UAT_TCGLOG_MAX_BANKS);
    size_t checked = 0;
    *ok = 0;
    for (size_t b = 0; b < nb; b++) {
        enum uat_hash_alg h;
        if (uat_tcg_hash_alg(algs[b], &h) != UAT_OK) {
            uat_error_clear();
            continue;
        }
        uat_span d = uat_tcglog_digest(l, i, algs[b]);
        uint8_t got[UAT_HASH_MAX];
        UAT_TRY(uat_hash(h, &data, 1, got));
        if (d.len != uat_hash_len(h) || !uat_ct_equal(got, d.p, d.len)) {
            return UAT_OK;
        }
        checked++;
    }
    *ok = checked > 0;
    return UAT_OK;
}

static uat_err set_counts(const uat_tcglog *l, json_t *out)
{
    json_t *types = json_object();
    if (types == NULL) {
        return UAT_NOMEM(CHECK);
    }
    uat_err rc = uat_json_set(out, "event_types", types);
    if (rc != UAT_OK) {
        return rc;
    }
    for (size_t i = 0; i < uat_tcglog_count(l); i++) {
        uat_tcglog_event e;
        UAT_TRY(uat_tcglog_event_at(l, i, &e));
        char buf[16];
        const char *name = uat_tcglog_event_type_name(e.type);
        if (name == NULL) {
            snprintf(buf, sizeof(buf), "0x%08x", e.type);
            name = buf;
        }
        json_t *n = json_object_get(types, name);
        UAT_TRY(uat_json_set_int(types, name, (n != NULL ? json_integer_value(n) : 0) + 1));
    }
    return uat_json_set_int(out, "events", (int64_t)uat_tcglog_count(l));
}

static uat_err set_format(const uat_tcglog *l, json_t *out)
{
    UAT_TRY(uat_json_set_str(out, "log_format",
                             uat_tcglog_is_crypto_agile(l) ? "crypto-agile" : "sha1"));
    json_t *banks = json_array();
    if (banks == NULL) {
        return UAT_NOMEM(CHECK);
    }
    UAT_TRY(uat_json_set(out, "banks", banks));
    uint16_t algs[UAT_TCGLOG_MAX_BANKS];
    size_t nb = uat_tcglog_banks(l, algs, UAT_TCGLOG_MAX_BANKS);
    for (size_t b = 0; b < nb; b++) {
        char buf[8];
        if (json_array_append_new(banks, json_string(bank_name(algs[b], buf))) != 0) {
            return UAT_NOMEM(CHECK);
        }
    }
    return UAT_OK;
}

/* spec: PC Client PFP §10.4.4 / UEFI_VARIABLE_DATA: VariableName (GUID), UnicodeNameLength
 * (UINT64, characters), VariableDataLength (UINT64), UnicodeName (UTF-16), VariableData.
 * *value is -1 when the variable is not SecureBoot. */
static uat_err secure_boot_value(const uat_tcglog_event *e, int *value)
{
    uat_reader r;
    uat_rd_init(&r, e->data, CHECK);
    r.base = e->offset;
    uint8_t guid[16];
    uint64_t name_len, data_len;
    uat_span name, data;
    UAT_TRY(uat_rd_copy(&r, guid, 16, "VariableName"));
    UAT_TRY(uat_rd_u64le(&r, "UnicodeNameLength", &name_len));
    UAT_TRY(uat_rd_u64le(&r, "VariableDataLength", &data_len));
    UAT_ENSURE(name_len <= uat_rd_left(&r) / 2, UAT_ERR_PARSE_BAD_LENGTH, CHECK,
               "UnicodeNameLength", uat_rd_pos(&r) - 16);
    UAT_TRY(uat_rd_span(&r, (size_t)name_len * 2, "UnicodeName", &name));
    UAT_ENSURE(data_len == uat_rd_left(&r), UAT_ERR_PARSE_BAD_LENGTH, CHECK, "VariableDataLength",
               uat_rd_pos(&r));
    uat_rd_rest(&r, &data);
    *value = -1;
    if (memcmp(guid, efi_global_variable, 16) != 0 || name.len != sizeof(secure_boot_name) ||
        memcmp(name.p, secure_boot_name, name.len) != 0) {
        return UAT_OK;
    }
    /* spec: UEFI 2.x §3.3: SecureBoot is one byte, 1 = enabled, 0 = disabled */
    UAT_ENSURE(data.len == 1, UAT_ERR_PARSE_BAD_LENGTH, CHECK, "SecureBoot", e->offset);
    UAT_ENSURE(data.p[0] <= 1, UAT_ERR_PARSE_BAD_VALUE, CHECK, "SecureBoot", e->offset);
    *value = data.p[0];
    return UAT_OK;
}

/* The firmware measures the SecureBoot variable before the separator of its register. */
static uat_err set_secure_boot(const uat_tcglog *l, const fw_regs *fw, json_t *out)
{
    size_t found = 0;
    int all_on = 1;
    for (size_t i = 0; i < uat_tcglog_count(l); i++) {
        uat_tcglog_event e;
        UAT_TRY(uat_tcglog_event_at(l, i, &e));
        if (e.index != fw->secure_boot) {
            continue;
        }
        if (e.type == UAT_EV_SEPARATOR) {
            break;
        }
        if (e.type != UAT_EV_EFI_VARIABLE_DRIVER_CONFIG) {
            continue;
        }
        int value = -1, ok;
        UAT_TRY(secure_boot_value(&e, &value));
        if (value < 0) {
            continue;
        }
        UAT_TRY(data_matches(l, i, e.data, &ok));
        if (!ok) {
            return UAT_FAILF(UAT_ERR_VERIFY_MEASUREMENT, CHECK, "SecureBoot", e.offset,
                             "event %zu: the SecureBoot variable data does not hash to the "
                             "event's digest",
                             i);
        }
        found++;
        all_on &= value == 1;
    }
    return uat_json_set(out, "secure_boot", found == 0 ? json_null() : json_boolean(all_on));
}

static uat_err set_boot_apps(const uat_tcglog *l, const fw_regs *fw, json_t *out)
{
    uint16_t algs[UAT_TCGLOG_MAX_BANKS];
    size_t nb = uat_tcglog_banks(l, algs, UAT_TCGLOG_MAX_BANKS);
    uint16_t alg = algs[0];
    for (size_t b = 0; b < nb; b++) {
        if (algs[b] == UAT_TCG_ALG_SHA256) {
            alg = algs[b];
        }
    }
    json_t *apps = json_array();
    if (apps == NULL) {
        return UAT_NOMEM(CHECK);
    }
    UAT_TRY(uat_json_set(out, "boot_applications", apps));
    char bname[8];
    for (size_t i = 0; i < uat_tcglog_count(l); i++) {
        uat_tcglog_event e;
        UAT_TRY(uat_tcglog_event_at(l, i, &e));
        if (e.index != fw->boot_apps || e.type != UAT_EV_EFI_BOOT_SERVICES_APPLICATION) {
            continue;
        }
        uat_span d = uat_tcglog_digest(l, i, alg);
        json_t *app = json_object();
        if (app == NULL || json_array_append_new(apps, app) != 0) {
            return UAT_NOMEM(CHECK);
        }
        UAT_TRY(uat_json_set_int(app, "index", e.index));
        UAT_TRY(uat_json_set_str(app, "alg", bank_name(alg, bname)));
        UAT_TRY(uat_json_set_hex(app, "digest", d.p, d.len));
        if (json_array_size(apps) == 1) {
            UAT_TRY(uat_json_set_hex(out, "boot_manager", d.p, d.len));
        }
    }
    return UAT_OK;
}

/* spec: PC Client PFP §3.3.2.2 / §10.4.1 EV_SEPARATOR: one per PCR 0-7, data 00000000, or
 * FFFFFFFF when an error was detected; the digest is the hash of the data. */
static uat_err separator_of(const uat_tcglog *l, uint32_t reg, json_t *entry, int *consistent,
                            int *error)
{
    json_t *data = json_array();
    if (data == NULL) {
        return UAT_NOMEM(CHECK);
    }
    UAT_TRY(uat_json_set(entry, "data", data));
    size_t count = 0;
    int all_ok = 1;
    for (size_t i = 0; i < uat_tcglog_count(l); i++) {
        uat_tcglog_event e;
        UAT_TRY(uat_tcglog_event_at(l, i, &e));
        if (e.index != reg || e.type != UAT_EV_SEPARATOR) {
            continue;
        }
        static const uint8_t ok_value[4] = {0, 0, 0, 0};
        static const uint8_t err_value[4] = {0xff, 0xff, 0xff, 0xff};
        int ok;
        UAT_TRY(data_matches(l, i, e.data, &ok));
        int is_ok = e.data.len == 4 && memcmp(e.data.p, ok_value, 4) == 0;
        int is_err = e.data.len == 4 && memcmp(e.data.p, err_value, 4) == 0;
        all_ok &= ok && (is_ok || is_err);
        *error |= is_err;
        char hex[2 * 64 + 1];
        size_t shown = e.data.len < 64 ? e.data.len : 64;
        uat_hex_encode(e.data.p, shown, hex);
        if (json_array_append_new(data, json_string(hex)) != 0) {
            return UAT_NOMEM(CHECK);
        }
        count++;
    }
    UAT_TRY(uat_json_set_int(entry, "count", (int64_t)count));
    UAT_TRY(uat_json_set_bool(entry, "digest_ok", count > 0 && all_ok));
    *consistent &= count == 1 && all_ok;
    return UAT_OK;
}

static uat_err set_separators(const uat_tcglog *l, const fw_regs *fw, json_t *out)
{
    json_t *sep = json_object();
    json_t *regs = json_object();
    if (sep == NULL || regs == NULL) {
        json_decref(regs);
        json_decref(sep);
        return UAT_NOMEM(CHECK);
    }
    UAT_TRY(uat_json_set(out, "separators", sep));
    UAT_TRY(uat_json_set(sep, "registers", regs));
    int consistent = 1, error = 0;
    for (uint32_t reg = 0; reg < 32; reg++) {
        if ((fw->sep_mask & (1u << reg)) == 0) {
            continue;
        }
        json_t *entry = json_object();
        char key[12];
        snprintf(key, sizeof(key), "%u", reg);
        UAT_TRY(uat_json_set(regs, key, entry));
        UAT_TRY(separator_of(l, reg, entry, &consistent, &error));
    }
    UAT_TRY(uat_json_set_bool(sep, "consistent", consistent));
    return uat_json_set_bool(sep, "error", error);
}

uat_err uat_tcglog_claims(const uat_tcglog *l, json_t *out)
{
    UAT_ENSURE(l != NULL && json_is_object(out), UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "", -1);
    fw_regs fw = firmware_regs(l);
    UAT_TRY(set_format(l, out));
    UAT_TRY(set_counts(l, out));
    UAT_TRY(set_secure_boot(l, &fw, out));
    UAT_TRY(set_boot_apps(l, &fw, out));
    return set_separators(l, &fw, out);
}
