/* uattest CLI: helpers shared by the subcommands. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"

const char *prog = "uattest";

/* One sentence naming the failed check, on stderr; the exit code comes from the error table. */
int fail(const char *what, uat_err e)
{
    char text[768];
    uat_error_format(uat_last_error(), text, sizeof(text));
    if (uat_last_error()->err != e) {
        snprintf(text, sizeof(text), "%s [%s]", uat_err_message(e), uat_err_name(e));
    }
    fprintf(stderr, "%s: %s failed: %s\n", prog, what, text);
    return uat_err_exit_code(e);
}

int usage_error(const char *cmd, const char *msg)
{
    fprintf(stderr, "%s %s: %s (see '%s %s --help')\n", prog, cmd, msg, prog, cmd);
    return uat_err_exit_code(UAT_ERR_USAGE_INVALID_ARGUMENT);
}

int read_input(const char *path, uint8_t **out, size_t *n)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "%s: cannot read %s: %s\n", prog, path, strerror(errno));
        return uat_err_exit_code(errno == ENOENT ? UAT_ERR_IO_NOT_FOUND : UAT_ERR_IO_READ);
    }
    size_t cap = 65536, len = 0;
    uint8_t *buf = malloc(cap);
    int rc = 0;
    while (buf != NULL) {
        if (len == cap) {
            uint8_t *nb = cap < MAX_INPUT ? realloc(buf, cap * 2) : NULL;
            if (nb == NULL) {
                fprintf(stderr, "%s: %s is larger than %u bytes\n", prog, path, MAX_INPUT);
                rc = uat_err_exit_code(UAT_ERR_RESOURCE_LIMIT);
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) {
            if (ferror(f)) {
                fprintf(stderr, "%s: cannot read %s: %s\n", prog, path, strerror(errno));
                rc = uat_err_exit_code(UAT_ERR_IO_READ);
            }
            break;
        }
    }
    if (f != stdin) {
        fclose(f);
    }
    if (buf == NULL) {
        return uat_err_exit_code(UAT_ERR_RESOURCE_NO_MEMORY);
    }
    if (rc != 0) {
        free(buf);
        return rc;
    }
    *out = buf;
    *n = len;
    return 0;
}

/* Writes to a temporary file beside path, then renames it: never a half-written file. The library
 * keeps its own copy (uat_file_write_atomic) behind the public API the CLI links against. */
int write_output(const char *path, const void *p, size_t n)
{
    if (path == NULL || strcmp(path, "-") == 0) {
        return fwrite(p, 1, n, stdout) == n && fflush(stdout) == 0 ? 0 : -1;
    }
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
        /* a device or FIFO (/dev/null): written in place, never replaced by a rename */
        FILE *d = fopen(path, "wb");
        int dok = d != NULL && fwrite(p, 1, n, d) == n;
        dok = d != NULL && fclose(d) == 0 && dok;
        if (!dok) {
            fprintf(stderr, "%s: cannot write %s: %s\n", prog, path, strerror(errno));
        }
        return dok ? 0 : -1;
    }
    size_t len = strlen(path) + 16;
    char *tmp = malloc(len);
    if (tmp == NULL) {
        return -1;
    }
    snprintf(tmp, len, "%s.tmpXXXXXX", path);
    int fd = mkstemp(tmp);
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    int ok = f != NULL && fwrite(p, 1, n, f) == n;
    ok = f != NULL && fclose(f) == 0 && ok;
    ok = ok && chmod(tmp, 0644) == 0 && rename(tmp, path) == 0;
    if (!ok) {
        fprintf(stderr, "%s: cannot write %s: %s\n", prog, path, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    return ok ? 0 : -1;
}

uat_err cli_verifier_new(const char *trust, const char *collateral, uat_verifier **out)
{
    const char *dir = trust ? trust : getenv("UATTEST_TRUST_DIR");
    uat_err e = uat_verifier_new(out);
    e = e == UAT_OK ? uat_verifier_set_trust_dir(*out, dir ? dir : "/etc/uattest/trust") : e;
    if (e == UAT_OK && collateral != NULL) {
        e = uat_verifier_set_collateral_dir(*out, collateral);
    }
    if (e != UAT_OK) {
        uat_verifier_free(*out);
        *out = NULL;
    }
    return e;
}

int cli_verifier_sources(const char *cmd, uat_verifier *v, const char *const *fetch,
                         size_t nfetch, const char *at)
{
    uat_err e = UAT_OK;
    for (size_t i = 0; e == UAT_OK && i < nfetch; i++) {
        char vendor[32];
        const char *url = NULL;
        if (split_kv(fetch[i], vendor, sizeof(vendor), &url) != 0) {
            return usage_error(cmd, "--fetch takes VENDOR=URL, e.g. intel=https://pccs:8081");
        }
        e = uat_verifier_set_fetch(v, vendor, url);
    }
    if (e == UAT_OK && at != NULL) {
        int64_t t;
        if (uat_time_from_rfc3339(at, &t) != UAT_OK) {
            return usage_error(cmd, "--at takes an RFC 3339 time such as 2025-06-20T00:00:00Z");
        }
        uat_verifier_set_time(v, t);
    }
    return e == UAT_OK ? 0 : fail(cmd, e);
}

int resolve_binding(const char *cmd, const struct binding *b, uint8_t rd[64], int *have)
{
    *have = 0;
    memset(rd, 0, 64);
    if (b->report_data_hex != NULL && b->nonce != NULL) {
        return usage_error(cmd, "give either --report-data or --nonce, not both");
    }
    if (b->report_data_hex != NULL) {
        size_t n = 0;
        uat_err e = uat_hex_to_bytes(b->report_data_hex, rd, 64, &n);
        if (e != UAT_OK) {
            return usage_error(cmd, "--report-data must be at most 64 bytes of hex");
        }
        *have = 1;
        return 0;
    }
    if (b->nonce == NULL) {
        return b->runtime_data_path ? usage_error(cmd, "--runtime-data needs --nonce") : 0;
    }
    uint8_t *runtime = NULL;
    size_t rlen = 0;
    if (b->runtime_data_path != NULL) {
        int rc = read_input(b->runtime_data_path, &runtime, &rlen);
        if (rc != 0) {
            return rc;
        }
    }
    uat_err e = uat_report_data_bind((const uint8_t *)b->nonce, strlen(b->nonce), runtime, rlen, rd);
    free(runtime);
    if (e != UAT_OK) {
        return fail(cmd, e);
    }
    *have = 1;
    return 0;
}

const char *default_state_dir(char *buf, size_t len)
{
    const char *env = getenv("UATTEST_STATE_DIR");
    if (env != NULL && env[0] != '\0') {
        return env;
    }
    const char *home = getenv("HOME");
    if (geteuid() == 0 || home == NULL) {
        return "/var/lib/uattest";
    }
    snprintf(buf, len, "%s/.local/share/uattest", home);
    return buf;
}

int split_kv(const char *kv, char *key, size_t cap, const char **value)
{
    const char *eq = strchr(kv, '=');
    if (eq == NULL || eq == kv || (size_t)(eq - kv) >= cap) {
        return -1;
    }
    memcpy(key, kv, (size_t)(eq - kv));
    key[eq - kv] = '\0';
    *value = eq + 1;
    return 0;
}

/* "-O TEE:KEY=VALUE": the TEE prefix (before the first ':' of the key) names the one attester the
 * option is for; "-O KEY=VALUE" is for every attester. Splits kv into *tee (NULL when unprefixed,
 * else tee_cap bytes), key and *value; 0 on success. */
static int split_tee_kv(const char *kv, char *tee, size_t tee_cap, int *prefixed, char *key,
                        size_t cap, const char **value)
{
    if (split_kv(kv, key, cap, value) != 0) {
        return -1;
    }
    char *colon = strchr(key, ':');
    *prefixed = colon != NULL;
    if (colon == NULL) {
        return 0;
    }
    size_t n = (size_t)(colon - key);
    if (n == 0 || n >= tee_cap || colon[1] == '\0') {
        return -1;
    }
    memcpy(tee, key, n);
    tee[n] = '\0';
    memmove(key, colon + 1, strlen(colon + 1) + 1);
    return 0;
}

int attester_configure_some(const char *cmd, uat_attester *a, const char *state,
                            const char *const *kv, size_t nkv, int others_ok)
{
    char sbuf[4096];
    uat_err e = uat_attester_set_option(a, "state-dir",
                                        state ? state : default_state_dir(sbuf, sizeof(sbuf)));
    for (size_t i = 0; e == UAT_OK && i < nkv; i++) {
        char key[128], tee[64];
        const char *value = NULL;
        int prefixed = 0;
        if (split_tee_kv(kv[i], tee, sizeof(tee), &prefixed, key, sizeof(key), &value) != 0) {
            return usage_error(cmd, "-O takes KEY=VALUE or TEE:KEY=VALUE");
        }
        if (prefixed && strcmp(tee, uat_attester_tee(a)) != 0) {
            if (!others_ok) {
                fprintf(stderr, "%s %s: -O %s is for the %s attester; this one is %s\n", prog,
                        cmd, kv[i], tee, uat_attester_tee(a));
                return uat_err_exit_code(UAT_ERR_USAGE_INVALID_ARGUMENT);
            }
            continue;
        }
        e = uat_attester_set_option(a, key, value);
    }
    return e == UAT_OK ? 0 : fail(cmd, e);
}

int attester_configure(const char *cmd, uat_attester *a, const char *state,
                       const char *const *kv, size_t nkv)
{
    return attester_configure_some(cmd, a, state, kv, nkv, 0);
}

int kv_tee_prefix(const char *kv, char *tee, size_t cap)
{
    char key[128];
    const char *value = NULL;
    int prefixed = 0;
    if (split_tee_kv(kv, tee, cap, &prefixed, key, sizeof(key), &value) != 0) {
        return -1;
    }
    return prefixed;
}
