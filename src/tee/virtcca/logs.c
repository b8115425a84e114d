/* virtCCA event logs against the REMs of a verified CVM token (see virtcca.h). Parsing and replay
 * are the shared log layer's (evidence/tcglog.h); this file decides which REM each log explains
 * and, when one does not match, finds the first event the token does not hold: the register
 * values after each event are compared with the token's, so a log that goes on past the token
 * (an IMA list read later than the token) is told apart from one that differs from the start. */
#include <stdio.h>
#include <string.h>

#include "evidence/tcglog.h"
#include "tee/virtcca/virtcca.h"

#define CHECK_CCEL "virtcca.ccel"
#define CHECK_IMA "virtcca.ima"
#define IMA_NO_REM_PCR 10u /* [gta] the IMA boot aggregate's PCR: no REM holds it */

typedef uint8_t regs_t[UAT_TCGLOG_MAX_REGS][UAT_HASH_MAX];

static uint16_t bank_of(enum uat_hash_alg h)
{
    return h == UAT_HASH_SHA512 ? UAT_TCG_ALG_SHA512
           : h == UAT_HASH_SHA384 ? UAT_TCG_ALG_SHA384
                                  : UAT_TCG_ALG_SHA256;
}

/* The token's REMs by MR index (1..4), as the logs address them. */
static void expected_regs(const uat_cca_realm *r, regs_t exp)
{
    memset(exp, 0, sizeof(regs_t));
    for (size_t i = 0; i < UAT_CCA_REM_COUNT; i++) {
        memcpy(exp[i + 1], r->rem[i].p, r->rem[i].len);
    }
}

static void hex_of(const uint8_t *p, size_t n, char *out)
{
    uat_hex_encode(p, n, out);
}

/* ---- CCEL ------------------------------------------------------------------------------- */

/* The first event of MR index mr after which the running value no longer leads to the token's:
 * the event following the last prefix whose replay equals the token's REM (or the first event of
 * the register when no prefix does). */
static uat_err ccel_divergence(const uat_tcglog *l, uint16_t alg, enum uat_hash_alg h,
                               uint32_t mr, const uint8_t *want, size_t *event, size_t *count,
                               int *prefix)
{
    uint8_t reg[UAT_HASH_MAX];
    size_t n = uat_hash_len(h), first = SIZE_MAX, after_match = SIZE_MAX;
    int matched = 0;
    memset(reg, 0, sizeof(reg));
    matched = uat_ct_equal(reg, want, n);
    *count = 0;
    for (size_t i = 0; i < uat_tcglog_count(l); i++) {
        uat_tcglog_event e;
        UAT_TRY(uat_tcglog_event_at(l, i, &e));
        if (e.index != mr || e.type == UAT_EV_NO_ACTION) {
            continue;
        }
        first = first == SIZE_MAX ? i : first;
        after_match = matched ? i : after_match;
        uat_span parts[2] = {uat_span_of(reg, n), uat_tcglog_digest(l, i, alg)};
        UAT_TRY(uat_hash(h, parts, 2, reg));
        matched = uat_ct_equal(reg, want, n);
        ++*count;
    }
    *prefix = after_match != SIZE_MAX;
    *event = *prefix ? after_match : first;
    return UAT_OK;
}

static uat_err ccel_mismatch(const uat_tcglog *l, uint16_t alg, enum uat_hash_alg h, uint32_t mr,
                             const uint8_t *got, const uint8_t *want)
{
    size_t n = uat_hash_len(h), event = SIZE_MAX, count = 0;
    int prefix = 0;
    char g[2 * UAT_HASH_MAX + 1], w[2 * UAT_HASH_MAX + 1], field[8], where[120];
    UAT_TRY(ccel_divergence(l, alg, h, mr, want, &event, &count, &prefix));
    hex_of(got, n, g);
    hex_of(want, n, w);
    snprintf(field, sizeof(field), "rem%u", mr - 1);
    uat_tcglog_event e;
    memset(&e, 0, sizeof(e));
    if (event != SIZE_MAX) {
        UAT_TRY(uat_tcglog_event_at(l, event, &e));
        const char *tn = uat_tcglog_event_type_name(e.type);
        snprintf(where, sizeof(where),
                 prefix ? "event %zu (%s) is the first the token does not hold"
                        : "no prefix gives the token's value: the log differs from event %zu "
                          "(%s) on",
                 event + 1, tn ? tn : "of unknown type");
    } else {
        snprintf(where, sizeof(where), "the log has no event for it");
    }
    return UAT_FAILF(UAT_ERR_VERIFY_MEASUREMENT, CHECK_CCEL, field,
                     event != SIZE_MAX ? e.offset : -1,
                     "CCEL vs REM%u (%zu events): %s (replay %.16s..., token %.16s...)", mr - 1,
                     count, where, g, w);
}

/* Replays the CCEL into regs; *explains gets the MR indices it is compared on. */
static uat_err ccel_replay(uat_span log, uint16_t alg, regs_t regs, uint32_t *explains,
                           json_t *o, uat_tcglog **out)
{
    uat_tcglog *l = NULL;
    size_t dl = 0;
    uint32_t ext = 0;
    UAT_TRY(uat_tcglog_parse_ccel(log, &l));
    uat_err rc = uat_tcglog_replay(l, alg, regs, &dl, &ext);
    /* [gta] UefiVerify: the firmware log explains REM0-REM2 (MR 1-3) whether or not it extends
     * them; REM3 only when it does */
    *explains = 0x0eu | (ext & 0x10u);
    if (rc == UAT_OK) {
        rc = uat_json_set_int(o, "events", (int64_t)uat_tcglog_count(l));
    }
    if (rc != UAT_OK) {
        uat_tcglog_free(l);
        return rc;
    }
    *out = l;
    return UAT_OK;
}

/* ---- IMA -------------------------------------------------------------------------------- */

typedef struct ima_diag {
    size_t entry;    /* 1-based entry of the first divergence; 0: none found */
    size_t line_off; /* its offset in the list */
    uat_span line;   /* its text (ASCII lists) */
    int prefix;      /* the entries before it give the token's value */
} ima_diag;

/* ASCII lists: replays entry by entry (one line at a time, the registers carried over) to find
 * the first entry of MR index mr after the last prefix that gives the token's value. */
static uat_err ima_divergence(uat_span log, uint16_t alg, const regs_t start, uint32_t mr,
                              const uint8_t *want, size_t n, ima_diag *d)
{
    regs_t regs;
    size_t off = 0, entry = 0;
    ima_diag first;
    int matched = uat_ct_equal(start[mr], want, n);
    memcpy(regs, start, sizeof(regs));
    memset(d, 0, sizeof(*d));
    memset(&first, 0, sizeof(first));
    while (off < log.len) {
        const uint8_t *nl = memchr(log.p + off, '\n', log.len - off);
        size_t len = nl ? (size_t)(nl - (log.p + off)) + 1 : log.len - off;
        size_t dl = 0, ne = 0;
        uint32_t ext = 0;
        UAT_TRY(uat_imalog_replay_ascii(uat_span_of(log.p + off, len), alg, regs, &dl, &ext, &ne));
        entry += ne;
        if (ext & (1u << mr)) {
            ima_diag here = {entry, off, uat_span_of(log.p + off, len - (nl != NULL)), 1};
            if (first.entry == 0) {
                first = here;
            }
            if (matched) {
                *d = here; /* the prefix before this entry gives the token's value */
            }
            matched = uat_ct_equal(regs[mr], want, n);
        }
        off += len;
    }
    if (d->entry == 0) {
        *d = first; /* no prefix gives the token's value: the list differs from its first entry */
        d->prefix = 0;
    }
    return UAT_OK;
}

/* The end of an entry's line (where the file name is), for a message that must stay short. */
static uat_span line_tail(uat_span line, size_t max)
{
    return line.len <= max ? line : uat_span_of(line.p + line.len - max, max);
}

static uat_err ima_mismatch(uat_span log, enum uat_imalog_format fmt, uint16_t alg,
                            const regs_t start, uint32_t mr, const uint8_t *got,
                            const uint8_t *want, size_t n, size_t nentries)
{
    char g[2 * UAT_HASH_MAX + 1], w[2 * UAT_HASH_MAX + 1], field[8], where[160];
    ima_diag d;
    memset(&d, 0, sizeof(d));
    hex_of(got, n, g);
    hex_of(want, n, w);
    snprintf(field, sizeof(field), "rem%u", mr - 1);
    if (fmt == UAT_IMALOG_ASCII) {
        UAT_TRY(ima_divergence(log, alg, start, mr, want, n, &d));
        uat_span tail = line_tail(d.line, 40);
        snprintf(where, sizeof(where),
                 d.prefix ? "entry %zu (\"%s%.*s\") is the first the token does not hold"
                          : "no prefix gives the token's value: it differs from entry %zu "
                            "(\"%s%.*s\") on",
                 d.entry, tail.len < d.line.len ? "..." : "", (int)tail.len,
                 (const char *)tail.p);
    } else {
        /* the binary list is replayed whole by the log layer: entries are not told apart */
        snprintf(where, sizeof(where), "over its %zu entries", nentries);
    }
    return UAT_FAILF(UAT_ERR_VERIFY_MEASUREMENT, CHECK_IMA, field,
                     d.entry ? (int64_t)d.line_off : -1,
                     "IMA log vs REM%u: %s (replay %.16s..., token %.16s...)", mr - 1, where, g, w);
}

static uat_err ima_replay(uat_span log, uint16_t alg, regs_t regs, uint32_t *ext, size_t *n,
                          json_t *o)
{
    size_t dl = 0;
    enum uat_imalog_format fmt = uat_imalog_sniff(log);
    UAT_TRY(uat_imalog_replay_regs(log, fmt, alg, regs, &dl, ext, n));
    /* PCR p extends REM[p-1] ([gta] check_replay_value_is_matched); PCR 10 has no REM */
    uint32_t other = *ext & ~(0x1eu | (1u << IMA_NO_REM_PCR));
    if (other != 0) {
        unsigned pcr = 0;
        while ((other & (1u << pcr)) == 0) {
            pcr++;
        }
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK_IMA, "pcr", -1,
                         "the IMA log extends PCR %u: virtCCA REMs take PCRs 1-4 (and 10 is "
                         "skipped)",
                         pcr);
    }
    UAT_TRY(uat_json_set_str(o, "format", fmt == UAT_IMALOG_ASCII ? "ascii" : "binary"));
    return uat_json_set_int(o, "entries", (int64_t)*n);
}

/* ---- both ------------------------------------------------------------------------------- */

static uat_err checked_list(json_t *o, uint32_t mask)
{
    json_t *a = json_array();
    UAT_TRY(uat_json_set(o, "checked", a));
    for (unsigned i = 1; i <= UAT_CCA_REM_COUNT; i++) {
        char name[8];
        snprintf(name, sizeof(name), "rem%u", i - 1);
        if ((mask & (1u << i)) && json_array_append_new(a, json_string(name)) != 0) {
            return UAT_NOMEM(CHECK_CCEL);
        }
    }
    return UAT_OK;
}

/* "rem0, rem2" for the REMs of mask (bit i: REM i-1), for the explanation */
static void rem_text(uint32_t mask, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (unsigned i = 1; i <= UAT_CCA_REM_COUNT && n < cap; i++) {
        if (mask & (1u << i)) {
            n += (size_t)snprintf(out + n, cap - n, "%srem%u", n ? ", " : "", i - 1);
        }
    }
}

typedef struct log_state {
    const uat_cca_realm *r;
    uint16_t alg;
    size_t n;
    regs_t exp, regs, after_ccel;
    uint32_t ccel_mask, ima_mask;
    size_t ima_entries;
    uat_tcglog *ccel;
} log_state;

/* The REMs of mask against the token: the CCEL's own ones first, then the IMA list's, so that the
 * explanation records the CCEL's result before the IMA list's */
static uat_err compare(log_state *s, const uat_virtcca_evidence *e, uint32_t mask)
{
    for (uint32_t mr = 1; mr <= UAT_CCA_REM_COUNT; mr++) {
        if ((mask & (1u << mr)) == 0 ||
            uat_ct_equal(s->regs[mr], s->exp[mr], s->n)) {
            continue;
        }
        if (s->ima_mask & (1u << mr)) {
            /* the IMA list extends last: a REM it touches is its to explain, from the value the
             * firmware log left (or zero) */
            return ima_mismatch(uat_buf_span(&e->ima), uat_imalog_sniff(uat_buf_span(&e->ima)),
                                s->alg, (const uint8_t(*)[UAT_HASH_MAX])s->after_ccel, mr,
                                s->regs[mr], s->exp[mr], s->n, s->ima_entries);
        }
        return ccel_mismatch(s->ccel, s->alg, s->r->hash, mr, s->regs[mr], s->exp[mr]);
    }
    return UAT_OK;
}

static uat_err run(log_state *s, const uat_virtcca_evidence *e, json_t *co, json_t *io)
{
    if (e->has_ccel) {
        UAT_TRY(ccel_replay(uat_buf_span(&e->ccel), s->alg, s->regs, &s->ccel_mask, co, &s->ccel));
        UAT_TRY(uat_tcglog_claims(s->ccel, co));
    }
    memcpy(s->after_ccel, s->regs, sizeof(regs_t));
    if (e->has_ima) {
        UAT_TRY(ima_replay(uat_buf_span(&e->ima), s->alg, s->regs, &s->ima_mask, &s->ima_entries,
                           io));
        s->ima_mask &= 0x1eu;
    }
    char rems[64];
    UAT_TRY(compare(s, e, s->ccel_mask & ~s->ima_mask));
    rem_text(s->ccel_mask & ~s->ima_mask, rems, sizeof(rems));
    if (e->has_ccel) {
        uat_stepf(CHECK_CCEL, "the CCEL replays to the token's REMs it extends",
                  "%zu events replay to %s", uat_tcglog_count(s->ccel), rems);
    } else {
        uat_step_skip(CHECK_CCEL, "the evidence carries no CCEL");
    }
    UAT_TRY(compare(s, e, s->ima_mask));
    if (UAT_TRACING()) {
        rem_text(s->ima_mask, rems, sizeof(rems));
        if (e->has_ima) {
            uat_stepf(CHECK_IMA, "the IMA list, on top of the CCEL, replays to the token's REMs",
                      "%zu entries replay to %s", s->ima_entries, s->ima_mask ? rems : "no REM");
        } else {
            uat_step_skip(CHECK_IMA, "the evidence carries no IMA log");
        }
    }
    UAT_TRY(uat_json_set_str(co, "status", e->has_ccel ? "replay_success" : "no_log"));
    /* a list whose entries all name PCR 10 explains no REM: it was replayed, nothing checked */
    UAT_TRY(uat_json_set_str(io, "status", !e->has_ima       ? "no_log"
                                           : s->ima_mask != 0 ? "replay_success"
                                                              : "unchecked"));
    UAT_TRY(e->has_ccel ? checked_list(co, s->ccel_mask & ~s->ima_mask) : UAT_OK);
    return e->has_ima ? checked_list(io, s->ima_mask) : UAT_OK;
}

uat_err uat_virtcca_check_logs(const uat_cca_realm *r, const uat_virtcca_evidence *e, json_t *o)
{
    log_state s;
    memset(&s, 0, sizeof(s));
    s.r = r;
    s.alg = bank_of(r->hash);
    s.n = uat_hash_len(r->hash);
    expected_regs(r, s.exp);
    json_t *co = json_object(), *io = json_object();
    UAT_TRY(uat_json_set(o, "ccel", co));
    UAT_TRY(uat_json_set(o, "ima", io));
    uat_err rc = run(&s, e, co, io);
    uat_tcglog_free(s.ccel);
    return rc;
}
