/* TCG PC Client event logs and CCELs: parsing (pure, through the bounded reader), replay and
 * comparison with register values (hashes through the crypto layer). Claims: tcglog_claims.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "core/reader.h"
#include "evidence/tcglog.h"

#define CHECK "tcglog"
#define CHECK_SPEC "tcglog.spec_id"
#define CHECK_REPLAY "tcglog.replay"

/* spec: PC Client PFP rev 1.05 §10.4.5.1 TCG_EfiSpecIdEvent.signature */
static const uint8_t spec_id_sig[16] = "Spec ID Event03";
/* spec: §10.4.5.3 TCG_EfiStartupLocalityEvent.Signature */
static const uint8_t locality_sig[16] = "StartupLocality";

#define SHA1_LOG_DIGEST 20u /* TCG_PCR_EVENT.digest: always SHA-1 */

typedef struct tcg_event {
    uint32_t pcr;
    uint32_t type;
    int64_t off; /* where the event starts in the log */
    uat_span data;
} tcg_event;

struct uat_tcglog {
    uint8_t *bytes; /* the owned copy of the log */
    size_t len;
    int agile;
    int ccel;
    size_t nbanks;
    uint16_t alg[UAT_TCGLOG_MAX_BANKS];
    uint16_t size[UAT_TCGLOG_MAX_BANKS];
    tcg_event *ev;
    const uint8_t **dig; /* nbanks digests per event, in the Spec ID event's bank order */
    size_t nev, cap;
    uint32_t extended; /* registers extended so far (parse-time StartupLocality check) */
    int has_locality;
    uint8_t locality;
};

uat_err uat_tcg_hash_alg(uint16_t alg, enum uat_hash_alg *out)
{
    switch (alg) {
    case UAT_TCG_ALG_SHA1:
        *out = UAT_HASH_SHA1;
        return UAT_OK;
    case UAT_TCG_ALG_SHA256:
        *out = UAT_HASH_SHA256;
        return UAT_OK;
    case UAT_TCG_ALG_SHA384:
        *out = UAT_HASH_SHA384;
        return UAT_OK;
    case UAT_TCG_ALG_SHA512:
        *out = UAT_HASH_SHA512;
        return UAT_OK;
    case UAT_TCG_ALG_SM3_256:
        *out = UAT_HASH_SM3;
        return UAT_OK;
    default:
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_ALGORITHM, CHECK, "hashAlg", -1,
                         "TPM_ALG_ID 0x%04x cannot be replayed", alg);
    }
}

/* spec: TCG Algorithm Registry: digest sizes of the hash algorithms it defines; 0 = unknown */
static size_t known_digest_size(uint16_t alg)
{
    switch (alg) {
    case UAT_TCG_ALG_SHA1:
        return 20;
    case UAT_TCG_ALG_SHA256:
    case UAT_TCG_ALG_SM3_256:
    case 0x0027: /* SHA3_256 */
        return 32;
    case UAT_TCG_ALG_SHA384:
    case 0x0028: /* SHA3_384 */
        return 48;
    case UAT_TCG_ALG_SHA512:
    case 0x0029: /* SHA3_512 */
        return 64;
    default:
        return 0;
    }
}

static int bank_index(const uat_tcglog *l, uint16_t alg)
{
    for (size_t b = 0; b < l->nbanks; b++) {
        if (l->alg[b] == alg) {
            return (int)b;
        }
    }
    return -1;
}

void uat_tcglog_free(uat_tcglog *l)
{
    if (l == NULL) {
        return;
    }
    free(l->bytes);
    free(l->ev);
    free(l->dig);
    free(l);
}

static uat_err grow(uat_tcglog *l)
{
    size_t ncap = l->cap == 0 ? 64 : l->cap * 2;
    if (ncap > UAT_MAX_EVENTLOG_EVENTS) {
        ncap = UAT_MAX_EVENTLOG_EVENTS;
    }
    tcg_event *ev = realloc(l->ev, ncap * sizeof(*ev));
    if (ev == NULL) {
        return UAT_NOMEM(CHECK);
    }
    l->ev = ev;
    const uint8_t **dig = realloc(l->dig, ncap * l->nbanks * sizeof(*dig));
    if (dig == NULL) {
        return UAT_NOMEM(CHECK);
    }
    l->dig = dig;
    l->cap = ncap;
    return UAT_OK;
}

/* spec: §10.4.5.3: the StartupLocality event sets PCR 0's starting value to the locality (last
 * byte); it precedes every measurement into PCR 0. Locality 0, 3, or 4 (H-CRTM). */
static uat_err note_locality(uat_tcglog *l, const tcg_event *e)
{
    if (l->ccel || e->type != UAT_EV_NO_ACTION || e->pcr != 0 || e->data.len < 16 ||
        memcmp(e->data.p, locality_sig, 16) != 0) {
        return UAT_OK;
    }
    UAT_ENSURE(e->data.len == 17, UAT_ERR_PARSE_BAD_LENGTH, CHECK, "StartupLocality", e->off);
    UAT_ENSURE(!l->has_locality, UAT_ERR_PARSE_BAD_VALUE, CHECK, "StartupLocality", e->off);
    UAT_ENSURE((l->extended & 1u) == 0, UAT_ERR_PARSE_BAD_VALUE, CHECK, "StartupLocality", e->off);
    uint8_t loc = e->data.p[16];
    UAT_ENSURE(loc == 0 || loc == 3 || loc == 4, UAT_ERR_PARSE_BAD_VALUE, CHECK,
               "StartupLocality.locality", e->off + 32);
    l->has_locality = 1;
    l->locality = loc;
    return UAT_OK;
}

static uat_err add_event(uat_tcglog *l, const tcg_event *e, const uint8_t *const *dig)
{
    if (l->nev == l->cap) {
        UAT_ENSURE(l->nev < UAT_MAX_EVENTLOG_EVENTS, UAT_ERR_RESOURCE_LIMIT, CHECK, "events",
                   e->off);
        UAT_TRY(grow(l));
    }
    UAT_TRY(note_locality(l, e));
    l->ev[l->nev] = *e;
    memcpy(&l->dig[l->nev * l->nbanks], dig, l->nbanks * sizeof(*dig));
    l->nev++;
    if (e->type != UAT_EV_NO_ACTION) {
        l->extended |= 1u << e->pcr;
    }
    return UAT_OK;
}

/* TPM: pcrIndex 0-23. CCEL: MR index 1..4 for every extending event (index 0 is MRTD / RIM,
 * which no event extends), 0..4 for EV_NO_ACTION. */
static uat_err check_index(const uat_tcglog *l, uint32_t pcr, uint32_t type, int64_t off)
{
    if (l->ccel) {
        UAT_ENSURE(pcr <= UAT_CCEL_MAX_INDEX && (pcr >= 1 || type == UAT_EV_NO_ACTION),
                   UAT_ERR_PARSE_BAD_VALUE, CHECK, "MRIndex", off);
        return UAT_OK;
    }
    if (pcr >= UAT_TCGLOG_TPM_PCRS) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK, "pcrIndex", off, "event %zu names PCR %u",
                         l->nev, pcr);
    }
    return UAT_OK;
}

static uat_err read_data(uat_reader *r, uat_span *data)
{
    uint32_t size;
    int64_t at = uat_rd_pos(r);
    UAT_TRY(uat_rd_u32le(r, "eventSize", &size));
    if (size > UAT_MAX_EVENT_DATA_BYTES) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_LENGTH, CHECK, "eventSize", at,
                         "eventSize %u exceeds the limit %u", size, UAT_MAX_EVENT_DATA_BYTES);
    }
    return uat_rd_span(r, size, "event", data);
}

/* spec: §10.2.1 TCG_PCR_EVENT: pcrIndex, eventType, digest (SHA-1), eventSize, event */
static uat_err read_event1(uat_reader *r, tcg_event *e, uat_span *digest)
{
    e->off = uat_rd_pos(r);
    UAT_TRY(uat_rd_u32le(r, "pcrIndex", &e->pcr));
    UAT_TRY(uat_rd_u32le(r, "eventType", &e->type));
    UAT_TRY(uat_rd_span(r, SHA1_LOG_DIGEST, "digest", digest));
    return read_data(r, &e->data);
}

/* spec: §10.4.5.1 TCG_EfiSpecIdEventAlgorithmSize: unique algorithms, the registry's size for
 * the ones it defines, and a size that fits a digest buffer for the others (carried only) */
static uat_err parse_alg_sizes(uat_tcglog *l, uat_reader *r)
{
    for (size_t i = 0; i < l->nbanks; i++) {
        int64_t at = uat_rd_pos(r);
        uint16_t alg, size;
        UAT_TRY(uat_rd_u16le(r, "digestSizes.algorithmId", &alg));
        UAT_TRY(uat_rd_u16le(r, "digestSizes.digestSize", &size));
        if (bank_index(l, alg) >= 0) {
            return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK_SPEC, "digestSizes.algorithmId", at,
                             "algorithm 0x%04x is listed twice", alg);
        }
        size_t want = known_digest_size(alg);
        if ((want != 0 && size != want) || size == 0 || size > UAT_HASH_MAX) {
            return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK_SPEC, "digestSizes.digestSize", at + 2,
                             "algorithm 0x%04x declared with %u-byte digests", alg, size);
        }
        l->alg[i] = alg;
        l->size[i] = size;
    }
    return UAT_OK;
}

/* spec: §10.4.5.1 TCG_EfiSpecIdEvent: signature, platformClass, specVersionMinor/Major,
 * specErrata, uintnSize, numberOfAlgorithms, digestSizes[], vendorInfoSize, vendorInfo[] */
static uat_err parse_spec_id(uat_tcglog *l, const tcg_event *e)
{
    uat_reader r;
    uat_rd_init(&r, e->data, CHECK_SPEC);
    r.base = e->off + 32;
    uint32_t platform_class, nalgs;
    uint8_t minor, major, errata, uintn, vendor_size;
    UAT_TRY(uat_rd_skip(&r, 16, "signature"));
    UAT_TRY(uat_rd_u32le(&r, "platformClass", &platform_class));
    /* spec: 0 = client, 1 = server platform */
    UAT_ENSURE(platform_class <= 1, UAT_ERR_PARSE_BAD_VALUE, CHECK_SPEC, "platformClass",
               r.base + 16);
    UAT_TRY(uat_rd_u8(&r, "specVersionMinor", &minor));
    UAT_TRY(uat_rd_u8(&r, "specVersionMajor", &major));
    UAT_TRY(uat_rd_u8(&r, "specErrata", &errata));
    /* spec: family "2.0": major 2, minor 0; errata is informative */
    UAT_ENSURE(major == 2 && minor == 0, UAT_ERR_PARSE_BAD_VERSION, CHECK_SPEC, "specVersionMajor",
               r.base + 20);
    UAT_TRY(uat_rd_u8(&r, "uintnSize", &uintn));
    /* spec: 1 = UINT32, 2 = UINT64 */
    UAT_ENSURE(uintn == 1 || uintn == 2, UAT_ERR_PARSE_BAD_VALUE, CHECK_SPEC, "uintnSize",
               r.base + 23);
    UAT_TRY(uat_rd_u32le(&r, "numberOfAlgorithms", &nalgs));
    if (nalgs == 0 || nalgs > UAT_TCGLOG_MAX_BANKS) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_LENGTH, CHECK_SPEC, "numberOfAlgorithms", r.base + 24,
                         "%u algorithms (1 to %u allowed)", nalgs, UAT_TCGLOG_MAX_BANKS);
    }
    l->nbanks = nalgs;
    UAT_TRY(parse_alg_sizes(l, &r));
    UAT_TRY(uat_rd_u8(&r, "vendorInfoSize", &vendor_size));
    UAT_TRY(uat_rd_skip(&r, vendor_size, "vendorInfo"));
    UAT_TRY(uat_rd_end(&r));
    l->agile = 1;
    return UAT_OK;
}

/* spec: §10.2.2: the log starts with a TCG_PCR_EVENT; when it is EV_NO_ACTION with the Spec ID
 * Event03 signature the rest is crypto-agile, otherwise it is the first event of a SHA-1 log */
static uat_err parse_first(uat_tcglog *l, uat_reader *r)
{
    tcg_event e;
    uat_span digest;
    UAT_TRY(read_event1(r, &e, &digest));
    int spec_id =
        e.type == UAT_EV_NO_ACTION && e.data.len >= 16 && memcmp(e.data.p, spec_id_sig, 16) == 0;
    if (!spec_id) {
        UAT_ENSURE(!l->ccel, UAT_ERR_PARSE_BAD_MAGIC, CHECK, "signature", e.off + 32);
        l->nbanks = 1;
        l->alg[0] = UAT_TCG_ALG_SHA1;
        l->size[0] = SHA1_LOG_DIGEST;
        UAT_TRY(check_index(l, e.pcr, e.type, e.off));
        return add_event(l, &e, &digest.p);
    }
    /* spec: §10.4.5.1: the Spec ID event is logged to PCR 0 with a zero digest */
    UAT_ENSURE(e.pcr == 0 || (l->ccel && e.pcr <= UAT_CCEL_MAX_INDEX), UAT_ERR_PARSE_BAD_VALUE,
               CHECK_SPEC, "pcrIndex", e.off);
    UAT_ENSURE(uat_is_zero(digest.p, digest.len), UAT_ERR_PARSE_RESERVED_NONZERO, CHECK_SPEC,
               "digest", e.off + 8);
    return parse_spec_id(l, &e);
}

/* spec: §10.2.2 TCG_PCR_EVENT2: pcrIndex, eventType, TPML_DIGEST_VALUES {count, TPMT_HA[count]},
 * eventSize, event. Every bank of the Spec ID event appears exactly once. */
static uat_err parse_event2(uat_tcglog *l, uat_reader *r)
{
    tcg_event e;
    const uint8_t *dig[UAT_TCGLOG_MAX_BANKS] = {0};
    uint32_t count;
    e.off = uat_rd_pos(r);
    UAT_TRY(uat_rd_u32le(r, "pcrIndex", &e.pcr));
    UAT_TRY(uat_rd_u32le(r, "eventType", &e.type));
    UAT_TRY(check_index(l, e.pcr, e.type, e.off));
    UAT_TRY(uat_rd_u32le(r, "digests.count", &count));
    if (count != l->nbanks) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_LENGTH, CHECK, "digests.count", e.off + 8,
                         "event %zu has %u digests, the Spec ID event declares %zu banks", l->nev,
                         count, l->nbanks);
    }
    for (uint32_t i = 0; i < count; i++) {
        int64_t at = uat_rd_pos(r);
        uint16_t alg;
        UAT_TRY(uat_rd_u16le(r, "digests.hashAlg", &alg));
        int b = bank_index(l, alg);
        if (b < 0 || dig[b] != NULL) {
            return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK, "digests.hashAlg", at,
                             "event %zu: algorithm 0x%04x is %s", l->nev, alg,
                             b < 0 ? "not declared in the Spec ID event (digest size unknown)"
                                   : "listed twice");
        }
        uat_span d;
        UAT_TRY(uat_rd_span(r, l->size[b], "digests.digest", &d));
        dig[b] = d.p;
    }
    UAT_TRY(read_data(r, &e.data));
    return add_event(l, &e, dig);
}

static uat_err parse_event1(uat_tcglog *l, uat_reader *r)
{
    tcg_event e;
    uat_span digest;
    UAT_TRY(read_event1(r, &e, &digest));
    UAT_TRY(check_index(l, e.pcr, e.type, e.off));
    return add_event(l, &e, &digest.p);
}

/* A CCEL area is larger than its log: the rest is fill (0xFF as in the virtCCA sample, or 0x00),
 * entirely. */
static int at_fill(const uat_reader *r)
{
    size_t left = uat_rd_left(r);
    const uint8_t *p = r->p + r->off;
    uint8_t fill = p[0];
    if (fill != 0xFF && fill != 0x00) {
        return 0;
    }
    for (size_t i = 1; i < left; i++) {
        if (p[i] != fill) {
            return 0;
        }
    }
    return 1;
}

static uat_err parse_log(uat_tcglog *l, uat_span log)
{
    uat_reader r;
    uat_rd_init(&r, uat_span_of(l->bytes, log.len), CHECK);
    UAT_TRY(parse_first(l, &r));
    while (uat_rd_left(&r) > 0) {
        if (l->ccel && at_fill(&r)) {
            break;
        }
        UAT_TRY(l->agile ? parse_event2(l, &r) : parse_event1(l, &r));
    }
    return UAT_OK;
}

static uat_err parse_any(uat_span log, int ccel, uat_tcglog **out)
{
    UAT_ENSURE(out != NULL && (log.p != NULL || log.len == 0), UAT_ERR_USAGE_INVALID_ARGUMENT,
               CHECK, "", -1);
    if (log.len > UAT_MAX_EVENTLOG_BYTES) {
        return UAT_FAILF(UAT_ERR_RESOURCE_LIMIT, CHECK, "", -1,
                         "the log has %zu bytes, the limit is %u", log.len, UAT_MAX_EVENTLOG_BYTES);
    }
    uat_tcglog *l = calloc(1, sizeof(*l));
    if (l == NULL) {
        return UAT_NOMEM(CHECK);
    }
    l->ccel = ccel;
    l->bytes = malloc(log.len > 0 ? log.len : 1);
    if (l->bytes == NULL) {
        free(l);
        return UAT_NOMEM(CHECK);
    }
    if (log.len > 0) {
        memcpy(l->bytes, log.p, log.len);
    }
    l->len = log.len;
    uat_err rc = parse_log(l, log);
    if (rc != UAT_OK) {
        uat_tcglog_free(l);
        return rc;
    }
    *out = l;
    return UAT_OK;
}

uat_err uat_tcglog_parse(uat_span log, uat_tcglog **out)
{
    return parse_any(log, 0, out);
}

uat_err uat_tcglog_parse_ccel(uat_span log, uat_tcglog **out)
{
    return parse_any(log, 1, out);
}

size_t uat_tcglog_banks(const uat_tcglog *l, uint16_t *algs, size_t cap)
{
    for (size_t b = 0; b < l->nbanks && b < cap; b++) {
        algs[b] = l->alg[b];
    }
    return l->nbanks;
}

size_t uat_tcglog_count(const uat_tcglog *l)
{
    return l->nev;
}

int uat_tcglog_is_crypto_agile(const uat_tcglog *l)
{
    return l->agile;
}

int uat_tcglog_is_ccel(const uat_tcglog *l)
{
    return l->ccel;
}

uat_err uat_tcglog_event_at(const uat_tcglog *l, size_t i, uat_tcglog_event *out)
{
    UAT_ENSURE(l != NULL && out != NULL && i < l->nev, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "",
               -1);
    out->index = l->ev[i].pcr;
    out->type = l->ev[i].type;
    out->offset = l->ev[i].off;
    out->data = l->ev[i].data;
    return UAT_OK;
}

uat_span uat_tcglog_digest(const uat_tcglog *l, size_t i, uint16_t alg)
{
    int b = bank_index(l, alg);
    if (b < 0 || i >= l->nev) {
        return uat_span_of(NULL, 0);
    }
    return uat_span_of(l->dig[i * l->nbanks + (size_t)b], l->size[b]);
}

uat_err uat_tcglog_replay(const uat_tcglog *l, uint16_t alg,
                          uint8_t regs[UAT_TCGLOG_MAX_REGS][UAT_HASH_MAX], size_t *digest_len,
                          uint32_t *extended)
{
    UAT_ENSURE(l != NULL && regs != NULL && digest_len != NULL && extended != NULL,
               UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK_REPLAY, "", -1);
    int b = bank_index(l, alg);
    if (b < 0) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_ALGORITHM, CHECK_REPLAY, "bank", -1,
                         "the event log carries no digests of algorithm 0x%04x", alg);
    }
    enum uat_hash_alg h;
    UAT_TRY(uat_tcg_hash_alg(alg, &h));
    size_t n = l->size[b];
    memset(regs, 0, UAT_TCGLOG_MAX_REGS * sizeof(regs[0]));
    if (l->has_locality) {
        regs[0][n - 1] = l->locality;
    }
    uint32_t mask = 0;
    for (size_t i = 0; i < l->nev; i++) {
        const tcg_event *e = &l->ev[i];
        /* spec: §10.4.1: EV_NO_ACTION events are not extended */
        if (e->type == UAT_EV_NO_ACTION) {
            continue;
        }
        uint8_t next[UAT_HASH_MAX];
        uat_span parts[2] = {uat_span_of(regs[e->pcr], n),
                             uat_span_of(l->dig[i * l->nbanks + (size_t)b], n)};
        UAT_TRY(uat_hash(h, parts, 2, next));
        memcpy(regs[e->pcr], next, n);
        mask |= 1u << e->pcr;
    }
    *digest_len = n;
    *extended = mask;
    return UAT_OK;
}

static size_t events_of(const uat_tcglog *l, uint32_t reg)
{
    size_t n = 0;
    for (size_t i = 0; i < l->nev; i++) {
        n += l->ev[i].pcr == reg && l->ev[i].type != UAT_EV_NO_ACTION;
    }
    return n;
}

/* Compares registers first .. first+count-1 of the replay with expected[0 .. count-1]. */
static uat_err check_regs(const uat_tcglog *l, uint16_t alg, uint32_t mask,
                          const uint8_t (*expected)[UAT_HASH_MAX], uint32_t first, uint32_t count,
                          const char *name)
{
    UAT_ENSURE(l != NULL && expected != NULL && name != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT,
               CHECK_REPLAY, "", -1);
    UAT_ENSURE(count >= 32 || (mask >> count) == 0, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK_REPLAY,
               "mask", -1);
    uint8_t regs[UAT_TCGLOG_MAX_REGS][UAT_HASH_MAX];
    size_t n;
    uint32_t extended;
    UAT_TRY(uat_tcglog_replay(l, alg, regs, &n, &extended));
    for (uint32_t i = 0; i < count; i++) {
        if ((mask & (1u << i)) == 0 || uat_ct_equal(regs[first + i], expected[i], n)) {
            continue;
        }
        char field[32], got[2 * UAT_HASH_MAX + 1], want[2 * UAT_HASH_MAX + 1];
        snprintf(field, sizeof(field), "%s%u", name, i);
        uat_hex_encode(regs[first + i], n, got);
        uat_hex_encode(expected[i], n, want);
        return UAT_FAILF(UAT_ERR_VERIFY_MEASUREMENT, CHECK_REPLAY, field, -1,
                         "the event log's %zu events for %s replay to %s, the signed value is %s",
                         events_of(l, first + i), field, got, want);
    }
    return UAT_OK;
}

uat_err uat_tcglog_check(const uat_tcglog *l, uint16_t alg, uint32_t mask,
                         const uint8_t expected[UAT_TCGLOG_MAX_REGS][UAT_HASH_MAX])
{
    return check_regs(l, alg, mask, expected, 0, UAT_TCGLOG_MAX_REGS, "pcr");
}

uat_err uat_tcglog_check_ccel(const uat_tcglog *l, uint16_t alg, uint32_t mask,
                              const uint8_t expected[UAT_CCEL_MAX_INDEX][UAT_HASH_MAX],
                              const char *reg_name)
{
    return check_regs(l, alg, mask, expected, 1, UAT_CCEL_MAX_INDEX, reg_name);
}
