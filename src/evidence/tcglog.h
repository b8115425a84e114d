/* Measurement logs shared by every TEE that extends hash registers: the TCG PC Client binary
 * event log (TPM PCRs, the CCEL of TDX RTMRs and virtCCA REMs) and the Linux IMA measurement list.
 *
 * spec: TCG PC Client Platform Firmware Profile Specification rev 1.05 §10 (TCG_PCR_EVENT,
 *       TCG_PCR_EVENT2, TCG_EfiSpecIdEvent "Spec ID Event03", event types §10.4.1);
 *       UEFI 2.x CC measurement protocol (CCEL: the same records, MR index 1..4 = RTMR/REM 0..3);
 *       Linux Documentation/security/IMA-templates.rst and security/integrity/ima/ima_fs.c
 *       (binary and ASCII measurement lists), ima_crypto.c (template hash per bank).
 *
 * Logs are untrusted: they are parsed through the bounded reader, and a log is worth something
 * only when its replay reproduces register values that a signed statement carries. Claims read
 * from event data (secure boot, separators) are taken only where the data is covered by the
 * event's digest and only from firmware registers (docs/eventlog.md).
 */
#ifndef UAT_EVIDENCE_TCGLOG_H
#define UAT_EVIDENCE_TCGLOG_H

#include <jansson.h>

#include "core/buf.h"
#include "core/codec.h"
#include "crypto/crypto.h"

#define UAT_TCGLOG_MAX_REGS 32u /* PCRs 0-23; CCEL register indices fit too */
#define UAT_TCGLOG_MAX_BANKS 8u /* numberOfAlgorithms of a Spec ID event */
#define UAT_TCGLOG_TPM_PCRS 24u /* pcrIndex of a TPM log: 0-23 */
#define UAT_CCEL_MAX_INDEX 4u   /* CCEL MR index 1..4 extends RTMR[index-1] / REM[index-1] */

/* TPM_ALG_IDs of the banks this layer replays (TCG Algorithm Registry). */
#define UAT_TCG_ALG_SHA1 0x0004u
#define UAT_TCG_ALG_SHA256 0x000Bu
#define UAT_TCG_ALG_SHA384 0x000Cu
#define UAT_TCG_ALG_SHA512 0x000Du
#define UAT_TCG_ALG_SM3_256 0x0012u

/* spec: PC Client PFP rev 1.05 §10.4.1 event types used by the checks */
#define UAT_EV_NO_ACTION 0x00000003u
#define UAT_EV_SEPARATOR 0x00000004u
#define UAT_EV_EFI_VARIABLE_DRIVER_CONFIG 0x80000001u
#define UAT_EV_EFI_BOOT_SERVICES_APPLICATION 0x80000003u

/* A parsed log: crypto-agile (after a Spec ID Event03) or SHA-1 only. It owns a copy of the
 * input bytes. */
typedef struct uat_tcglog uat_tcglog;

/* A TPM log (binary_bios_measurements): pcrIndex 0-23, the Spec ID event in PCR 0, and nothing
 * after the last event. */
UAT_MUST_USE uat_err uat_tcglog_parse(uat_span log, uat_tcglog **out);
/* A CCEL log area (ACPI CCEL table's LASA): MR index 1..4 for every extending event, the
 * Spec ID event at any index 0..4, and the log ends at the end of the input or where the rest of
 * the area is fill: all 0xFF (as in the virtCCA sample) or all 0x00. */
UAT_MUST_USE uat_err uat_tcglog_parse_ccel(uat_span log, uat_tcglog **out);
void uat_tcglog_free(uat_tcglog *l);
/* Number of banks the log carries and their TPM_ALG_IDs (SHA-1 0x0004, SHA-256 0x000B, ...);
 * fills at most cap entries of algs (may be NULL when cap is 0). */
size_t uat_tcglog_banks(const uat_tcglog *l, uint16_t *algs, size_t cap);
/* Number of events, not counting the Spec ID event of a crypto-agile log. */
size_t uat_tcglog_count(const uat_tcglog *l);
/* 1 for a crypto-agile log, 0 for a SHA-1 format log. */
int uat_tcglog_is_crypto_agile(const uat_tcglog *l);
/* 1 when parsed by uat_tcglog_parse_ccel. */
int uat_tcglog_is_ccel(const uat_tcglog *l);

/* One event as logged (spans borrow the log object). */
typedef struct uat_tcglog_event {
    uint32_t index; /* pcrIndex (TPM) or MR index (CCEL) */
    uint32_t type;  /* eventType */
    int64_t offset; /* where the event starts in the log */
    uat_span data;  /* event (eventSize bytes) */
} uat_tcglog_event;
/* Event i (0 .. uat_tcglog_count - 1). */
UAT_MUST_USE uat_err uat_tcglog_event_at(const uat_tcglog *l, size_t i, uat_tcglog_event *out);
/* The digest of event i in bank alg; an empty span when the log has no such bank or event. */
uat_span uat_tcglog_digest(const uat_tcglog *l, size_t i, uint16_t alg);
/* "EV_SEPARATOR" for the event types of §10.4.1; NULL for others. */
const char *uat_tcglog_event_type_name(uint32_t type);
/* Replays the bank alg into regs[i] for every register index i the log extends (others stay
 * zero); *extended has bit i set for each register that saw at least one event. Registers start
 * at zero except where the log says otherwise (StartupLocality event for PCR 0). EV_NO_ACTION
 * events are not extended. A bank the log does not carry, or whose algorithm this build cannot
 * hash, is UNSUPPORTED_ALGORITHM. */
UAT_MUST_USE uat_err uat_tcglog_replay(const uat_tcglog *l, uint16_t alg,
                                       uint8_t regs[UAT_TCGLOG_MAX_REGS][UAT_HASH_MAX],
                                       size_t *digest_len, uint32_t *extended);
/* Compares the replay of bank alg with expected values for the registers in mask (bit i =
 * expected[i], PCR i); a mismatch is VERIFY_MEASUREMENT with the register as the field ("pcr7")
 * and the number of events that extended it, the replayed and the expected value in the detail.
 * A register in mask that the log never extends must hold its initial value: pass
 * mask & extended (uat_tcglog_replay) when only the logged registers are to be explained. C11
 * callers with a non-const array cast it: (const uint8_t (*)[UAT_HASH_MAX])regs. */
UAT_MUST_USE uat_err uat_tcglog_check(const uat_tcglog *l, uint16_t alg, uint32_t mask,
                                      const uint8_t expected[UAT_TCGLOG_MAX_REGS][UAT_HASH_MAX]);
/* The same for a CCEL: bit i of mask and expected[i] are RTMR i / REM i, i.e. MR index i+1 of
 * the log; the field of a mismatch is reg_name followed by i ("rtmr2", "rem0"). */
UAT_MUST_USE uat_err uat_tcglog_check_ccel(const uat_tcglog *l, uint16_t alg, uint32_t mask,
                                           const uint8_t expected[UAT_CCEL_MAX_INDEX][UAT_HASH_MAX],
                                           const char *reg_name);
/* Boot claims from the events, added as members of out (docs/eventlog.md):
 *   "log_format"      "crypto-agile" | "sha1"
 *   "banks"           ["sha256", ...] (unknown algorithms as "0x....")
 *   "events"          number of events
 *   "event_types"     {"EV_SEPARATOR": n, ...} (unknown types as "0x........")
 *   "secure_boot"     true | false | null: the SecureBoot variable of EV_EFI_VARIABLE_DRIVER_CONFIG
 *                     events measured into the firmware's PCR 7 (CCEL: index 1) before its
 *                     separator; true only when every such event says 1; null when none
 *   "boot_applications" [{"index", "alg", "digest"}] EV_EFI_BOOT_SERVICES_APPLICATION events of
 *                     PCR 4 (CCEL: index 2), in log order, SHA-256 bank when the log has one
 *   "boot_manager"    digest of the first of them (absent when none)
 *   "separators"      {"consistent", "error", "registers": {"<index>": {"count", "data",
 *                     "digest_ok"}}} for PCRs 0-7 (CCEL: indices 1 and 2)
 * Claims mean something only once the registers they come from were checked (uat_tcglog_check).
 * A SecureBoot event whose data does not match its digest is VERIFY_MEASUREMENT; malformed
 * UEFI_VARIABLE_DATA in a firmware register is a PARSE error. */
UAT_MUST_USE uat_err uat_tcglog_claims(const uat_tcglog *l, json_t *out);

/* The IMA measurement list. Replay: SHA-1 extends the entry's template digest, other banks the
 * bank's hash of the template data (ima_calc_field_array_hash); a violation (template digest all
 * zero) extends 0xFF.. of the bank's size. Every non-violation entry's template digest must equal
 * SHA-1 of its template data, else VERIFY_MEASUREMENT naming the entry ("entry 12"). Templates:
 * "ima" (d|n, hashed with the name padded to 256 bytes), and every template whose data is a
 * sequence of length-prefixed fields (ima-ng, ima-ngv2, ima-sig, ima-sigv2, ima-buf, ima-modsig,
 * custom formats). */
enum uat_imalog_format {
    UAT_IMALOG_BINARY, /* binary_runtime_measurements (little-endian, as x86 and arm64 write it) */
    UAT_IMALOG_ASCII,  /* ascii_runtime_measurements: ima, ima-ng, ima-ngv2, ima-sig, ima-sigv2,
                        * ima-buf (the template data is rebuilt from the text) */
};

/* The binary list when every entry names the same PCR (a TPM's PCR 10): replays from zero into
 * reg. Entries naming different PCRs are PARSE_BAD_VALUE (use uat_imalog_replay_regs). */
UAT_MUST_USE uat_err uat_imalog_replay(uat_span log, uint16_t alg, uint8_t reg[UAT_HASH_MAX],
                                       size_t *digest_len, size_t *nevents);
/* Replays every entry into regs[pcr] (pcr < UAT_TCGLOG_MAX_REGS). regs are in/out: they hold the
 * starting values (zero, or the replay of a firmware log that extended the same registers
 * first); *extended gets bit pcr set for each register an entry names. */
UAT_MUST_USE uat_err uat_imalog_replay_regs(uat_span log, enum uat_imalog_format fmt, uint16_t alg,
                                            uint8_t regs[UAT_TCGLOG_MAX_REGS][UAT_HASH_MAX],
                                            size_t *digest_len, uint32_t *extended,
                                            size_t *nevents);
/* uat_imalog_replay_regs for the ASCII list. */
UAT_MUST_USE uat_err uat_imalog_replay_ascii(uat_span log, uint16_t alg,
                                             uint8_t regs[UAT_TCGLOG_MAX_REGS][UAT_HASH_MAX],
                                             size_t *digest_len, uint32_t *extended,
                                             size_t *nevents);
/* Which form a list is in: ASCII lines start with a space or a decimal digit ("%2d "), a binary
 * entry with a little-endian PCR index whose first byte is 0x00..0x1f. */
enum uat_imalog_format uat_imalog_sniff(uat_span log);

/* Shared with imalog.c: the crypto layer's hash of a TPM_ALG_ID; 0 on success. */
UAT_MUST_USE uat_err uat_tcg_hash_alg(uint16_t alg, enum uat_hash_alg *out);

#endif
