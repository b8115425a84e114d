/* uattest: collect and verify attestation evidence from any TEE. Uses the public API only. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "uattest/uattest.h"

#define MAX_INPUT (64u * 1024u * 1024u)

static const char *prog = "uattest";

/* One sentence naming the failed check, on stderr; the exit code comes from the error table. */
static int fail(const char *what, uat_err e)
{
    char text[768];
    uat_error_format(uat_last_error(), text, sizeof(text));
    if (uat_last_error()->err != e) {
        snprintf(text, sizeof(text), "%s [%s]", uat_err_message(e), uat_err_name(e));
    }
    fprintf(stderr, "%s: %s failed: %s\n", prog, what, text);
    return uat_err_exit_code(e);
}

static int usage_error(const char *cmd, const char *msg)
{
    fprintf(stderr, "%s %s: %s (see '%s %s --help')\n", prog, cmd, msg, prog, cmd);
    return uat_err_exit_code(UAT_ERR_USAGE_INVALID_ARGUMENT);
}

static int read_input(const char *path, uint8_t **out, size_t *n)
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

/* Writes to a temporary file beside path, then renames it: never a half-written file. */
static int write_output(const char *path, const void *p, size_t n)
{
    if (path == NULL || strcmp(path, "-") == 0) {
        return fwrite(p, 1, n, stdout) == n && fflush(stdout) == 0 ? 0 : -1;
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

/* --report-data HEX (at most 64 bytes, zero-padded) or --nonce TEXT [--runtime-data FILE]. */
struct binding {
    const char *report_data_hex;
    const char *nonce;
    const char *runtime_data_path;
};

static int resolve_binding(const char *cmd, const struct binding *b, uint8_t rd[64], int *have)
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

static const char *default_state_dir(char *buf, size_t len)
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

static void collect_help(void)
{
    printf("usage: %s collect [options]\n"
           "Collect evidence from this machine's TEE and write it as a CMW record.\n\n"
           "  --tee NAME           the TEE to use (default: auto-detect; see '%s tees')\n"
           "  --root DIR           filesystem root for device detection (default /)\n"
           "  --report-data HEX    up to 64 bytes to bind into the evidence (zero-padded)\n"
           "  --nonce TEXT         bind SHA-256(nonce || runtime data) instead\n"
           "  --runtime-data FILE  runtime data for --nonce\n"
           "  -O, --opt KEY=VALUE  a TEE-specific attester option (repeatable; docs/tees.md)\n"
           "  --state-dir DIR      where attesters keep keys (default $UATTEST_STATE_DIR,\n"
           "                       ~/.local/share/uattest, or /var/lib/uattest as root)\n"
           "  --format json|cbor   CMW serialization (default json)\n"
           "  -o, --out FILE       output file (default stdout)\n",
           prog, prog);
}

static int cmd_collect(int argc, char **argv)
{
    static const struct option opts[] = {
        {"tee", required_argument, NULL, 't'},          {"root", required_argument, NULL, 'r'},
        {"report-data", required_argument, NULL, 'd'},  {"nonce", required_argument, NULL, 'n'},
        {"runtime-data", required_argument, NULL, 'R'}, {"opt", required_argument, NULL, 'O'},
        {"state-dir", required_argument, NULL, 's'},    {"format", required_argument, NULL, 'f'},
        {"out", required_argument, NULL, 'o'},          {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *tee = NULL, *root = "/", *state = NULL, *out = NULL, *format = "json";
    const char *kv[64];
    size_t nkv = 0;
    struct binding b = {NULL, NULL, NULL};
    int c;
    while ((c = getopt_long(argc, argv, "O:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 't': tee = optarg; break;
        case 'r': root = optarg; break;
        case 'd': b.report_data_hex = optarg; break;
        case 'n': b.nonce = optarg; break;
        case 'R': b.runtime_data_path = optarg; break;
        case 's': state = optarg; break;
        case 'f': format = optarg; break;
        case 'o': out = optarg; break;
        case 'O':
            if (nkv == sizeof(kv) / sizeof(kv[0])) {
                return usage_error("collect", "too many --opt");
            }
            kv[nkv++] = optarg;
            break;
        case 'h': collect_help(); return 0;
        default: return usage_error("collect", "unknown option");
        }
    }
    if (optind != argc) {
        return usage_error("collect", "unexpected argument");
    }
    enum uat_cmw_format fmt = strcmp(format, "json") == 0   ? UAT_CMW_JSON
                              : strcmp(format, "cbor") == 0 ? UAT_CMW_CBOR
                                                            : 0;
    if (fmt == 0) {
        return usage_error("collect", "--format is json or cbor");
    }
    uint8_t rd[64];
    int have = 0;
    int rc = resolve_binding("collect", &b, rd, &have);
    if (rc != 0) {
        return rc;
    }
    if (!have) {
        return usage_error("collect", "give --report-data or --nonce: evidence must be bound to something");
    }
    uat_attester *a = NULL;
    uat_err e = uat_attester_new(tee, root, &a);
    if (e != UAT_OK) {
        return fail("collect", e);
    }
    char sbuf[4096];
    e = uat_attester_set_option(a, "state-dir", state ? state : default_state_dir(sbuf, sizeof(sbuf)));
    for (size_t i = 0; e == UAT_OK && i < nkv; i++) {
        char key[128];
        const char *eq = strchr(kv[i], '=');
        if (eq == NULL || eq == kv[i] || (size_t)(eq - kv[i]) >= sizeof(key)) {
            uat_attester_free(a);
            return usage_error("collect", "--opt takes KEY=VALUE");
        }
        memcpy(key, kv[i], (size_t)(eq - kv[i]));
        key[eq - kv[i]] = '\0';
        e = uat_attester_set_option(a, key, eq + 1);
    }
    uat_cmw *cmw = NULL;
    if (e == UAT_OK) {
        e = uat_attester_collect(a, rd, &cmw);
    }
    uint8_t *bytes = NULL;
    size_t n = 0;
    if (e == UAT_OK) {
        e = uat_cmw_serialize(cmw, fmt, &bytes, &n);
    }
    uat_cmw_free(cmw);
    uat_attester_free(a);
    if (e != UAT_OK) {
        return fail("collect", e);
    }
    if (fmt == UAT_CMW_JSON) {
        bytes[n++] = '\n'; /* serialize leaves room for a terminator */
    }
    rc = write_output(out, bytes, n);
    free(bytes);
    return rc == 0 ? 0 : uat_err_exit_code(UAT_ERR_IO_WRITE);
}

static void verify_help(void)
{
    printf("usage: %s verify [options] FILE|-\n"
           "Verify evidence (a CMW in JSON or CBOR, or raw evidence of a known TEE) and print\n"
           "its normalized claims as JSON. The exit code names the error category.\n\n"
           "  --trust DIR          trust anchors, one subfolder per TEE (default\n"
           "                       $UATTEST_TRUST_DIR or /etc/uattest/trust)\n"
           "  --collateral DIR     collateral, one subfolder per TEE\n"
           "  --at TIME            evaluation time, RFC 3339 (default now)\n"
           "  --fetch VENDOR=URL   allow fetching missing collateral of VENDOR (intel: a PCS v4 or\n"
           "                       PCCS base URL); repeatable; nothing is fetched without it\n"
           "  --report-data HEX    the binding the evidence must carry (zero-padded to 64 bytes)\n"
           "  --nonce TEXT         expect SHA-256(nonce || runtime data) as the binding\n"
           "  --runtime-data FILE  runtime data for --nonce\n"
           "  --compact            print the claims on one line\n",
           prog);
}

static int cmd_verify(int argc, char **argv)
{
    static const struct option opts[] = {
        {"trust", required_argument, NULL, 'T'},        {"collateral", required_argument, NULL, 'C'},
        {"at", required_argument, NULL, 'a'},           {"report-data", required_argument, NULL, 'd'},
        {"nonce", required_argument, NULL, 'n'},        {"runtime-data", required_argument, NULL, 'R'},
        {"compact", no_argument, NULL, 'c'},            {"help", no_argument, NULL, 'h'},
        {"fetch", required_argument, NULL, 'F'},        {NULL, 0, NULL, 0},
    };
    const char *trust = getenv("UATTEST_TRUST_DIR"), *collateral = NULL, *at = NULL;
    const char *fetch[8];
    size_t nfetch = 0;
    struct binding b = {NULL, NULL, NULL};
    int compact = 0, c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'T': trust = optarg; break;
        case 'C': collateral = optarg; break;
        case 'a': at = optarg; break;
        case 'd': b.report_data_hex = optarg; break;
        case 'n': b.nonce = optarg; break;
        case 'R': b.runtime_data_path = optarg; break;
        case 'c': compact = 1; break;
        case 'F':
            if (nfetch == sizeof(fetch) / sizeof(fetch[0])) {
                return usage_error("verify", "too many --fetch");
            }
            fetch[nfetch++] = optarg;
            break;
        case 'h': verify_help(); return 0;
        default: return usage_error("verify", "unknown option");
        }
    }
    if (optind != argc - 1) {
        return usage_error("verify", "give exactly one evidence file, or - for stdin");
    }
    uint8_t rd[64];
    int have = 0;
    int rc = resolve_binding("verify", &b, rd, &have);
    if (rc != 0) {
        return rc;
    }
    uat_verifier *v = NULL;
    uat_err e = uat_verifier_new(&v);
    if (e == UAT_OK) {
        e = uat_verifier_set_trust_dir(v, trust && trust[0] ? trust : "/etc/uattest/trust");
    }
    if (e == UAT_OK && collateral != NULL) {
        e = uat_verifier_set_collateral_dir(v, collateral);
    }
    for (size_t i = 0; e == UAT_OK && i < nfetch; i++) {
        char vendor[32];
        const char *eq = strchr(fetch[i], '=');
        if (eq == NULL || eq == fetch[i] || (size_t)(eq - fetch[i]) >= sizeof(vendor)) {
            uat_verifier_free(v);
            return usage_error("verify", "--fetch takes VENDOR=URL, e.g. intel=https://pccs:8081");
        }
        memcpy(vendor, fetch[i], (size_t)(eq - fetch[i]));
        vendor[eq - fetch[i]] = '\0';
        e = uat_verifier_set_fetch(v, vendor, eq + 1);
    }
    if (e == UAT_OK && at != NULL) {
        int64_t t;
        e = uat_time_from_rfc3339(at, &t);
        if (e != UAT_OK) {
            uat_verifier_free(v);
            return usage_error("verify", "--at takes an RFC 3339 time such as 2025-06-20T00:00:00Z");
        }
        uat_verifier_set_time(v, t);
    }
    if (e != UAT_OK) {
        uat_verifier_free(v);
        return fail("verify", e);
    }
    uint8_t *in = NULL;
    size_t n = 0;
    rc = read_input(argv[optind], &in, &n);
    if (rc != 0) {
        uat_verifier_free(v);
        return rc;
    }
    uat_claims *claims = NULL;
    e = uat_verify(v, in, n, have ? rd : NULL, &claims);
    free(in);
    uat_verifier_free(v);
    if (e != UAT_OK) {
        return fail("verify", e);
    }
    if (!have) {
        fprintf(stderr, "%s: note: no --report-data or --nonce given: check the report_data claim "
                        "yourself\n", prog);
    }
    char *json = NULL;
    e = uat_claims_to_json(claims, !compact, &json);
    uat_claims_free(claims);
    if (e != UAT_OK) {
        return fail("verify", e);
    }
    printf("%s\n", json);
    free(json);
    return 0;
}

static int cmd_inspect(int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            printf("usage: %s inspect FILE|-\n"
                   "Parse evidence (CMW or raw) and print its fields without verifying anything.\n",
                   prog);
            return 0;
        }
        return usage_error("inspect", "unknown option");
    }
    if (optind != argc - 1) {
        return usage_error("inspect", "give exactly one evidence file, or - for stdin");
    }
    uint8_t *in = NULL;
    size_t n = 0;
    int rc = read_input(argv[optind], &in, &n);
    if (rc != 0) {
        return rc;
    }
    char *json = NULL;
    uat_err e = uat_inspect(in, n, &json);
    free(in);
    if (e != UAT_OK) {
        return fail("inspect", e);
    }
    printf("%s\n", json);
    free(json);
    return 0;
}

static int cmd_tees(int argc, char **argv)
{
    const char *root = argc > 1 && strcmp(argv[1], "--help") != 0 ? argv[1] : "/";
    if (argc > 1 && strcmp(argv[1], "--help") == 0) {
        printf("usage: %s tees [ROOT]\nList the TEEs this build supports and which are detected "
               "under ROOT (default /).\n", prog);
        return 0;
    }
    const char *found[32];
    size_t nf = uat_detect_tees(root, found, 32);
    for (size_t i = 0; uat_tee_name(i) != NULL; i++) {
        int det = 0;
        for (size_t k = 0; k < nf && k < 32; k++) {
            det |= strcmp(found[k], uat_tee_name(i)) == 0;
        }
        printf("%-12s %-48s %s\n", uat_tee_name(i), uat_tee_media_type(i), det ? "detected" : "-");
    }
    return 0;
}

static int cmd_errors(void)
{
    printf("%-28s %-12s %4s %4s  %s\n", "name", "category", "exit", "http", "message");
    for (unsigned cat = UAT_CAT_OK; cat <= UAT_CAT_INTERNAL; cat++) {
        for (unsigned num = 0; num < 256; num++) {
            uat_err e = (uat_err)((cat << UAT_CAT_SHIFT) | num);
            if (uat_err_from_name(uat_err_name(e)) != e) {
                continue;
            }
            printf("%-28s %-12s %4d %4d  %s\n", uat_err_name(e),
                   uat_err_category_name(uat_err_category(e)), uat_err_exit_code(e),
                   uat_err_http_status(e), uat_err_message(e));
        }
    }
    return 0;
}

static void main_help(void)
{
    printf("usage: %s COMMAND [options]\n"
           "uattest collects and verifies remote attestation evidence from any TEE.\n\n"
           "commands:\n"
           "  collect   collect evidence on this machine (CMW record)\n"
           "  verify    verify evidence and print normalized claims\n"
           "  inspect   print the fields of evidence without verifying\n"
           "  tees      list supported and detected TEEs\n"
           "  errors    print the error table (names, exit codes, HTTP statuses)\n\n"
           "'%s COMMAND --help' describes each command. '%s --version' prints the version.\n",
           prog, prog, prog);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        main_help();
        return uat_err_exit_code(UAT_ERR_USAGE_INVALID_ARGUMENT);
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        main_help();
        return 0;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("uattest %s\n", uat_version());
        return 0;
    }
    argv[1] = argv[0];
    if (strcmp(cmd, "collect") == 0) {
        return cmd_collect(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "verify") == 0) {
        return cmd_verify(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "inspect") == 0) {
        return cmd_inspect(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "tees") == 0) {
        return cmd_tees(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "errors") == 0) {
        return cmd_errors();
    }
    fprintf(stderr, "%s: unknown command '%s' (see '%s --help')\n", prog, cmd, prog);
    return uat_err_exit_code(UAT_ERR_USAGE_INVALID_ARGUMENT);
}
