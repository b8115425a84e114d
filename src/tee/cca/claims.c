/* CCA realm and platform claims: CBOR maps to structs (pure), and structs to JSON under the claim
 * names of the specifications (as Veraison's ccatoken spells them in JSON). Every claim key is
 * known, appears once, and has the type and size its specification gives it; a missing mandatory
 * claim or an unknown key is PARSE_BAD_VALUE naming the claim. */
#include <stdio.h>
#include <string.h>

#include "tee/cca/cca.h"

typedef struct claim_name {
    int64_t key;
    const char *name;
} claim_name;

/* spec: DEN0137 1.0-rel0 §A7.2.3.1 */
static const claim_name realm_names[] = {
    {10, "cca-realm-challenge"},
    {44235, "cca-realm-personalization-value"},
    {44236, "cca-realm-hash-algo-id"},
    {44237, "cca-realm-public-key"},
    {44238, "cca-realm-initial-measurement"},
    {44239, "cca-realm-extensible-measurements"},
    {44240, "cca-realm-public-key-hash-algo-id"},
    {265, "cca-realm-profile"},
};
#define REALM_OPTIONAL (1u << 7) /* the profile */

/* spec: draft-ffm-rats-cca-token §3.3 */
static const claim_name platform_names[] = {
    {265, "cca-platform-profile"},
    {10, "cca-platform-challenge"},
    {2396, "cca-platform-implementation-id"},
    {256, "cca-platform-instance-id"},
    {2401, "cca-platform-config"},
    {2395, "cca-platform-lifecycle"},
    {2399, "cca-platform-sw-components"},
    {2402, "cca-platform-hash-algo-id"},
    {2400, "cca-platform-service-indicator"},
};
#define PLATFORM_OPTIONAL (1u << 8) /* the verification service indicator */

/* spec: draft-ffm-rats-cca-token §3.3.1 (PSA software component keys) */
static const claim_name sw_names[] = {
    {1, "measurement-type"}, {2, "measurement-value"}, {4, "version"},
    {5, "signer-id"},        {6, "hash-algo-id"},
};
#define SW_REQUIRED ((1u << 1) | (1u << 3)) /* measurement-value, signer-id */

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The claim's index in names, after checking it is known and new. */
static uat_err claim_key(uat_reader *r, const claim_name *names, size_t n, const char *what,
                         unsigned *seen, size_t *idx)
{
    int64_t at = uat_rd_pos(r);
    int64_t key = 0;
    UAT_TRY(uat_cose_rd_int(r, what, &key));
    for (size_t i = 0; i < n; i++) {
        if (names[i].key != key) {
            continue;
        }
        if (*seen & (1u << i)) {
            return UAT_FAILF(UAT_ERR_PARSE_BAD_CBOR, r->check, names[i].name, at,
                             "%s (%lld) appears twice", names[i].name, (long long)key);
        }
        *seen |= 1u << i;
        *idx = i;
        return UAT_OK;
    }
    return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, r->check, what, at, "unknown %s key %lld", what,
                     (long long)key);
}

static uat_err all_present(const uat_reader *r, const claim_name *names, size_t n, unsigned seen,
                           unsigned optional, int64_t at, const char *what)
{
    for (size_t i = 0; i < n; i++) {
        if (!(seen & (1u << i)) && !(optional & (1u << i))) {
            return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, r->check, names[i].name, at,
                             "the %s have no %s (%lld)", what, names[i].name,
                             (long long)names[i].key);
        }
    }
    return UAT_OK;
}

/* A byte string of one of the allowed sizes (0-terminated list; NULL: any size but empty). */
static uat_err bytes_sized(uat_reader *r, const char *field, const size_t *sizes, uat_span *out)
{
    int64_t at = uat_rd_pos(r);
    UAT_TRY(uat_cose_rd_bstr(r, field, out));
    for (size_t i = 0; sizes != NULL && sizes[i] != 0; i++) {
        if (out->len == sizes[i]) {
            return UAT_OK;
        }
    }
    if (sizes == NULL && out->len > 0) {
        return UAT_OK;
    }
    return UAT_FAILF(UAT_ERR_PARSE_BAD_LENGTH, r->check, field, at, "%s has %zu bytes", field,
                     out->len);
}

static const size_t hash_sizes[] = {32, 48, 64, 0};

static int text_is(uat_span t, const char *s)
{
    return t.len == strlen(s) && memcmp(t.p, s, t.len) == 0;
}

uat_err uat_cca_hash_algo(uat_reader *r, const char *field, uat_span *text, enum uat_hash_alg *out)
{
    int64_t at = uat_rd_pos(r);
    UAT_TRY(uat_cose_rd_tstr(r, field, text));
    /* spec: IANA "Named Information Hash Algorithm Registry" names, as DEN0137 §A7.2.3.1 uses */
    if (text_is(*text, "sha-256")) {
        *out = UAT_HASH_SHA256;
    } else if (text_is(*text, "sha-384")) {
        *out = UAT_HASH_SHA384;
    } else if (text_is(*text, "sha-512")) {
        *out = UAT_HASH_SHA512;
    } else {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_ALGORITHM, r->check, field, at,
                         "hash algorithm \"%.*s\" is not sha-256, sha-384 or sha-512",
                         (int)(text->len > 32 ? 32 : text->len), (const char *)text->p);
    }
    return UAT_OK;
}

static uat_err rems(uat_reader *r, uat_cca_realm *x)
{
    size_t n = 0;
    int64_t at = uat_rd_pos(r);
    UAT_TRY(uat_cose_rd_count(r, UAT_CBOR_ARRAY, "cca-realm-extensible-measurements", &n));
    if (n != UAT_CCA_REM_COUNT) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, r->check, "cca-realm-extensible-measurements",
                         at, "%zu extensible measurements, not 4", n);
    }
    for (size_t i = 0; i < n; i++) {
        UAT_TRY(bytes_sized(r, "cca-realm-extensible-measurements", hash_sizes, &x->rem[i]));
    }
    return UAT_OK;
}

static uat_err realm_claim(uat_reader *r, size_t idx, enum uat_cca_flavor flavor, uat_cca_realm *x)
{
    static const size_t s64[] = {64, 0};
    const char *name = realm_names[idx].name;
    int64_t at = uat_rd_pos(r);
    switch (realm_names[idx].key) {
    case 10: return bytes_sized(r, name, s64, &x->challenge);
    case 44235: return bytes_sized(r, name, s64, &x->personalization);
    case 44236: return uat_cca_hash_algo(r, name, &x->hash_algo, &x->hash);
    case 44237:
        UAT_TRY(bytes_sized(r, name, NULL, &x->rak));
        x->rak_off = uat_rd_pos(r) - (int64_t)x->rak.len;
        UAT_ENSURE(x->rak.len <= UAT_CCA_MAX_RAK_LEN, UAT_ERR_PARSE_BAD_LENGTH, r->check, name,
                   at);
        return UAT_OK;
    case 44238: return bytes_sized(r, name, hash_sizes, &x->rim);
    case 44239: return rems(r, x);
    case 44240: return uat_cca_hash_algo(r, name, &x->rak_hash_algo, &x->rak_hash);
    default: /* 265 */
        /* virtCCA's CVM token has no profile claim (secGear ccatoken.rs cvm_labels) */
        if (flavor == UAT_CCA_VIRTCCA) {
            return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, r->check, name, at,
                             "a virtCCA CVM token has no profile claim");
        }
        UAT_TRY(uat_cose_rd_tstr(r, name, &x->profile));
        x->has_profile = 1;
        if (!text_is(x->profile, UAT_CCA_PROFILE_REALM)) {
            return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, r->check, name, at,
                             "unknown realm profile \"%.*s\"",
                             (int)(x->profile.len > 64 ? 64 : x->profile.len),
                             (const char *)x->profile.p);
        }
        return UAT_OK;
    }
}

uat_err uat_cca_realm_parse(uat_reader *r, enum uat_cca_flavor flavor, uat_cca_realm *out)
{
    uat_cca_realm x;
    size_t n = 0;
    unsigned seen = 0;
    int64_t at = uat_rd_pos(r);
    memset(&x, 0, sizeof(x));
    UAT_TRY(uat_cose_rd_count(r, UAT_CBOR_MAP, "realm claims", &n));
    for (size_t i = 0; i < n; i++) {
        size_t idx = 0;
        UAT_TRY(claim_key(r, realm_names, COUNT(realm_names), "realm claim", &seen, &idx));
        UAT_TRY(realm_claim(r, idx, flavor, &x));
    }
    UAT_TRY(all_present(r, realm_names, COUNT(realm_names), seen, REALM_OPTIONAL, at,
                        "realm claims"));
    /* spec: DEN0137 §A7.2.3.1: measurements are of cca-realm-hash-algo-id */
    size_t hl = uat_hash_len(x.hash);
    for (size_t i = 0; i <= UAT_CCA_REM_COUNT; i++) {
        uat_span m = i == 0 ? x.rim : x.rem[i - 1];
        if (m.len != hl) {
            return UAT_FAILF(UAT_ERR_PARSE_BAD_LENGTH, r->check,
                             i == 0 ? "cca-realm-initial-measurement"
                                    : "cca-realm-extensible-measurements",
                             at, "a %zu-byte measurement in a realm whose hash algorithm is %s",
                             m.len, uat_hash_name(x.hash));
        }
    }
    *out = x;
    return UAT_OK;
}

static uat_err sw_component(uat_reader *r, uat_cca_sw_component *c)
{
    size_t n = 0;
    unsigned seen = 0;
    int64_t at = uat_rd_pos(r);
    memset(c, 0, sizeof(*c));
    UAT_TRY(uat_cose_rd_count(r, UAT_CBOR_MAP, "cca-platform-sw-components", &n));
    for (size_t i = 0; i < n; i++) {
        size_t idx = 0;
        UAT_TRY(claim_key(r, sw_names, COUNT(sw_names), "software component", &seen, &idx));
        const char *name = sw_names[idx].name;
        switch (sw_names[idx].key) {
        case 1: UAT_TRY(uat_cose_rd_tstr(r, name, &c->type)); break;
        case 2: UAT_TRY(bytes_sized(r, name, hash_sizes, &c->value)); break;
        case 4: UAT_TRY(uat_cose_rd_tstr(r, name, &c->version)); break;
        case 5: UAT_TRY(bytes_sized(r, name, hash_sizes, &c->signer_id)); break;
        default: UAT_TRY(uat_cose_rd_tstr(r, name, &c->desc)); break;
        }
    }
    c->present = seen;
    return all_present(r, sw_names, COUNT(sw_names), seen, (unsigned)~SW_REQUIRED, at,
                       "software component");
}

static uat_err sw_components(uat_reader *r, uat_cca_platform *x)
{
    size_t n = 0;
    int64_t at = uat_rd_pos(r);
    UAT_TRY(uat_cose_rd_count(r, UAT_CBOR_ARRAY, "cca-platform-sw-components", &n));
    if (n == 0 || n > UAT_CCA_MAX_SW_COMPONENTS) {
        return UAT_FAILF(n == 0 ? UAT_ERR_PARSE_BAD_VALUE : UAT_ERR_RESOURCE_LIMIT, r->check,
                         "cca-platform-sw-components", at,
                         "%zu software components: 1 to %u are accepted", n,
                         UAT_CCA_MAX_SW_COMPONENTS);
    }
    for (size_t i = 0; i < n; i++) {
        UAT_TRY(sw_component(r, &x->sw[i]));
    }
    x->nsw = n;
    return UAT_OK;
}

static uat_err lifecycle(uat_reader *r, uat_cca_platform *x)
{
    uint64_t v = 0;
    int64_t at = uat_rd_pos(r);
    UAT_TRY(uat_cbor_expect(r, UAT_CBOR_UINT, "cca-platform-lifecycle", &v));
    if (v > UINT16_MAX || uat_cca_lifecycle_name((uint16_t)v) == NULL) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, r->check, "cca-platform-lifecycle", at,
                         "lifecycle 0x%llx is in no defined range", (unsigned long long)v);
    }
    x->lifecycle = (uint16_t)v;
    return UAT_OK;
}

static uat_err platform_claim(uat_reader *r, size_t idx, uat_cca_platform *x)
{
    static const size_t s32[] = {UAT_CCA_IMPL_ID_LEN, 0};
    static const size_t s33[] = {UAT_CCA_INST_ID_LEN, 0};
    const char *name = platform_names[idx].name;
    int64_t at = uat_rd_pos(r);
    enum uat_hash_alg h;
    switch (platform_names[idx].key) {
    case 265:
        UAT_TRY(uat_cose_rd_tstr(r, name, &x->profile));
        UAT_ENSURE(text_is(x->profile, UAT_CCA_PROFILE_PLATFORM_LEGACY) ||
                       text_is(x->profile, UAT_CCA_PROFILE_PLATFORM),
                   UAT_ERR_PARSE_BAD_VALUE, r->check, name, at);
        return UAT_OK;
    case 10:
        x->challenge_off = at;
        return bytes_sized(r, name, hash_sizes, &x->challenge);
    case 2396: return bytes_sized(r, name, s32, &x->implementation_id);
    case 256:
        UAT_TRY(bytes_sized(r, name, s33, &x->instance_id));
        /* spec: RFC 9711 §4.2.1 UEID type 0x01: RAND, as the CCA platform uses it */
        UAT_ENSURE(x->instance_id.p[0] == 0x01, UAT_ERR_PARSE_BAD_VALUE, r->check, name, at);
        return UAT_OK;
    case 2401: return uat_cose_rd_bstr(r, name, &x->config);
    case 2395: return lifecycle(r, x);
    case 2399: return sw_components(r, x);
    case 2402: return uat_cca_hash_algo(r, name, &x->hash_algo, &h);
    default: /* 2400 */
        x->has_vsi = 1;
        return uat_cose_rd_tstr(r, name, &x->vsi);
    }
}

uat_err uat_cca_platform_parse(uat_reader *r, uat_cca_platform *out)
{
    size_t n = 0;
    unsigned seen = 0;
    int64_t at = uat_rd_pos(r);
    memset(out, 0, sizeof(*out));
    UAT_TRY(uat_cose_rd_count(r, UAT_CBOR_MAP, "platform claims", &n));
    for (size_t i = 0; i < n; i++) {
        size_t idx = 0;
        UAT_TRY(claim_key(r, platform_names, COUNT(platform_names), "platform claim", &seen, &idx));
        UAT_TRY(platform_claim(r, idx, out));
    }
    return all_present(r, platform_names, COUNT(platform_names), seen, PLATFORM_OPTIONAL, at,
                       "platform claims");
}

/* spec: draft-ffm-rats-cca-token §3.3.4 (the PSA security lifecycle ranges) */
static const struct {
    uint16_t lo, hi;
    const char *name;
    int debug;
} lifecycles[] = {
    {0x0000, 0x00ff, "unknown", 0},
    {0x1000, 0x10ff, "assembly-and-test", 0},
    {0x2000, 0x20ff, "cca-platform-rot-provisioning", 0},
    {0x3000, 0x30ff, "secured", 0},
    {0x4000, 0x40ff, "non-cca-platform-rot-debug", 1},
    {0x5000, 0x50ff, "recoverable-cca-platform-rot-debug", 1},
    {0x6000, 0x60ff, "decommissioned", 0},
};

const char *uat_cca_lifecycle_name(uint16_t v)
{
    for (size_t i = 0; i < COUNT(lifecycles); i++) {
        if (v >= lifecycles[i].lo && v <= lifecycles[i].hi) {
            return lifecycles[i].name;
        }
    }
    return NULL;
}

int uat_cca_lifecycle_debug(uint16_t v)
{
    for (size_t i = 0; i < COUNT(lifecycles); i++) {
        if (v >= lifecycles[i].lo && v <= lifecycles[i].hi) {
            return lifecycles[i].debug;
        }
    }
    return 0;
}

uat_err uat_cca_json_text(json_t *o, const char *name, uat_span text)
{
    return uat_json_set(o, name, json_stringn(text.len ? (const char *)text.p : "", text.len));
}

static uat_err set_span_hex(json_t *o, const char *name, uat_span s)
{
    return uat_json_set_hex(o, name, s.p, s.len);
}

uat_err uat_cca_realm_describe(const uat_cca_realm *r, json_t *o)
{
    char rem_name[8];
    json_t *arr = json_array();
    if (r->has_profile) {
        UAT_TRY(uat_cca_json_text(o, "cca-realm-profile", r->profile));
    }
    UAT_TRY(set_span_hex(o, "cca-realm-challenge", r->challenge));
    UAT_TRY(set_span_hex(o, "cca-realm-personalization-value", r->personalization));
    UAT_TRY(set_span_hex(o, "cca-realm-initial-measurement", r->rim));
    UAT_TRY(uat_json_set(o, "cca-realm-extensible-measurements", arr));
    for (size_t i = 0; i < UAT_CCA_REM_COUNT; i++) {
        char hex[2 * UAT_HASH_MAX + 1];
        uat_hex_encode(r->rem[i].p, r->rem[i].len, hex); /* at most 64 bytes (parse) */
        if (json_array_append_new(arr, json_string(hex)) != 0) {
            return UAT_NOMEM("cca.describe");
        }
        /* each REM under its own name too: reference values address claims by path */
        snprintf(rem_name, sizeof(rem_name), "rem%zu", i);
        UAT_TRY(set_span_hex(o, rem_name, r->rem[i]));
    }
    UAT_TRY(uat_cca_json_text(o, "cca-realm-hash-algo-id", r->hash_algo));
    UAT_TRY(set_span_hex(o, "cca-realm-public-key", r->rak));
    return uat_cca_json_text(o, "cca-realm-public-key-hash-algo-id", r->rak_hash_algo);
}

static uat_err describe_sw(const uat_cca_sw_component *c, json_t *arr)
{
    json_t *o = json_object();
    if (o == NULL || json_array_append_new(arr, o) != 0) {
        return UAT_NOMEM("cca.describe");
    }
    if (c->present & (1u << 0)) {
        UAT_TRY(uat_cca_json_text(o, "measurement-type", c->type));
    }
    UAT_TRY(set_span_hex(o, "measurement-value", c->value));
    if (c->present & (1u << 2)) {
        UAT_TRY(uat_cca_json_text(o, "version", c->version));
    }
    UAT_TRY(set_span_hex(o, "signer-id", c->signer_id));
    if (c->present & (1u << 4)) {
        UAT_TRY(uat_cca_json_text(o, "hash-algo-id", c->desc));
    }
    return UAT_OK;
}

uat_err uat_cca_platform_describe(const uat_cca_platform *p, json_t *o)
{
    char lc[8];
    UAT_TRY(uat_cca_json_text(o, "cca-platform-profile", p->profile));
    UAT_TRY(set_span_hex(o, "cca-platform-challenge", p->challenge));
    UAT_TRY(set_span_hex(o, "cca-platform-implementation-id", p->implementation_id));
    UAT_TRY(set_span_hex(o, "cca-platform-instance-id", p->instance_id));
    UAT_TRY(set_span_hex(o, "cca-platform-config", p->config));
    snprintf(lc, sizeof(lc), "0x%04x", p->lifecycle);
    UAT_TRY(uat_json_set_str(o, "cca-platform-lifecycle", lc));
    UAT_TRY(uat_json_set_str(o, "lifecycle_state", uat_cca_lifecycle_name(p->lifecycle)));
    json_t *arr = json_array();
    UAT_TRY(uat_json_set(o, "cca-platform-sw-components", arr));
    for (size_t i = 0; i < p->nsw; i++) {
        UAT_TRY(describe_sw(&p->sw[i], arr));
    }
    if (p->has_vsi) {
        UAT_TRY(uat_cca_json_text(o, "cca-platform-service-indicator", p->vsi));
    }
    return uat_cca_json_text(o, "cca-platform-hash-algo-id", p->hash_algo);
}
