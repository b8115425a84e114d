/* The uattest command: shared helpers (the CLI uses the public API only). */
#ifndef UAT_CLI_H
#define UAT_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "uattest/uattest.h"

#define MAX_INPUT (64u * 1024u * 1024u)

extern const char *prog;

/* One sentence naming the failed check on stderr; returns the exit code of the error table. */
int fail(const char *what, uat_err e);
int usage_error(const char *cmd, const char *msg);
/* Reads a file or "-" (stdin); returns 0 or an exit code. */
int read_input(const char *path, uint8_t **out, size_t *n);
/* Writes to stdout ("-" or NULL) or atomically to a file; 0 or -1. */
int write_output(const char *path, const void *p, size_t n);
/* A verifier with trust anchors from trust (else $UATTEST_TRUST_DIR, else /etc/uattest/trust) and
 * collateral from collateral when not NULL; *out is NULL on error. */
uat_err cli_verifier_new(const char *trust, const char *collateral, uat_verifier **out);
/* --fetch VENDOR=URL (each) and --at RFC3339 (may be NULL) applied to v: 0 or an exit code. */
int cli_verifier_sources(const char *cmd, uat_verifier *v, const char *const *fetch,
                         size_t nfetch, const char *at);

/* --report-data HEX (at most 64 bytes, zero-padded) or --nonce TEXT [--runtime-data FILE]. */
struct binding {
    const char *report_data_hex;
    const char *nonce;
    const char *runtime_data_path;
};
int resolve_binding(const char *cmd, const struct binding *b, uint8_t rd[64], int *have);
const char *default_state_dir(char *buf, size_t len);
/* Splits "KEY=VALUE" into key (cap bytes) and *value; 0 on success. */
int split_kv(const char *kv, char *key, size_t cap, const char **value);

/* Sets the attester's state directory (given or default) and its -O options: KEY=VALUE for
 * every attester, TEE:KEY=VALUE for the attester of that TEE only (docs/cli.md). A prefix that
 * names another TEE is a usage error, or skipped with others_ok (several attesters). */
int attester_configure(const char *cmd, uat_attester *a, const char *state,
                       const char *const *kv, size_t nkv);
int attester_configure_some(const char *cmd, uat_attester *a, const char *state,
                            const char *const *kv, size_t nkv, int others_ok);
/* The TEE prefix of "-O TEE:KEY=VALUE" into tee (cap bytes): 1, 0 without a prefix, -1 when
 * malformed. */
int kv_tee_prefix(const char *kv, char *tee, size_t cap);

int cmd_collect(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_token(int argc, char **argv);
int cmd_ratls(int argc, char **argv);
int cmd_enrol(int argc, char **argv);
int cmd_refvals(int argc, char **argv);
int cmd_channel(int argc, char **argv);
int cmd_collateral(int argc, char **argv);
int cmd_audit(int argc, char **argv);

/* Reads a file or "-" whole and NUL-terminates it; returns 0 or an exit code. */
int read_text_file(const char *path, char **out, size_t *n);
/* Checks the signed collateral bundle DIR against the JWKS file (uat_bundle_verify); 0 or the
 * exit code of the error, named on stderr. */
int bundle_check(const char *dir, const char *jwks_path, int quiet);

#endif
