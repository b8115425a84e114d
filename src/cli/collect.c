/* uattest collect. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"

static void collect_help(void)
{
    printf("usage: %s collect [options]\n"
           "Collect evidence from this machine's TEE and write it as a CMW record (a collection\n"
           "for composite evidence).\n\n"
           "  --tee NAME           the TEE to use (default: auto-detect; see '%s tees');\n"
           "                       a+b or a+b*N: composite evidence, one CMW collection\n"
           "                       under one binding (docs/composite.md)\n"
           "  --root DIR           filesystem root for device detection (default /)\n"
           "  --report-data HEX    up to 64 bytes to bind into the evidence (zero-padded)\n"
           "  --nonce TEXT         bind SHA-256(nonce || runtime data) instead\n"
           "  --runtime-data FILE  runtime data for --nonce\n"
           "  -O, --opt KEY=VALUE  a TEE-specific attester option (repeatable; docs/tees.md)\n"
           "  --state-dir DIR      where attesters keep keys (default $UATTEST_STATE_DIR,\n"
           "                       ~/.local/share/uattest, or /var/lib/uattest as root)\n"
           "  --format json|cbor|jinzhao\n"
           "                       CMW serialization (default json), or a jinzhao-attest\n"
           "                       UnifiedAttestationReport (BackgroundCheck; docs/compat.md)\n"
           "  -o, --out FILE       output file (default stdout)\n",
           prog, prog);
}

int cmd_collect(int argc, char **argv)
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
    int jinzhao = strcmp(format, "jinzhao") == 0;
    enum uat_cmw_format fmt = strcmp(format, "json") == 0 || jinzhao ? UAT_CMW_JSON
                              : strcmp(format, "cbor") == 0          ? UAT_CMW_CBOR
                                                                     : 0;
    if (fmt == 0) {
        return usage_error("collect", "--format is json, cbor or jinzhao");
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
    rc = attester_configure("collect", a, state, kv, nkv);
    if (rc != 0) {
        uat_attester_free(a);
        return rc;
    }
    uat_cmw *cmw = NULL;
    if (e == UAT_OK) {
        e = uat_attester_collect(a, rd, &cmw);
    }
    uint8_t *bytes = NULL;
    size_t n = 0;
    if (e == UAT_OK && jinzhao) {
        char *text = NULL;
        e = uat_jinzhao_from_cmw(cmw, NULL, NULL, &text);
        bytes = (uint8_t *)text;
        n = text != NULL ? strlen(text) : 0;
    } else if (e == UAT_OK) {
        e = uat_cmw_serialize(cmw, fmt, &bytes, &n);
    }
    uat_cmw_free(cmw);
    uat_attester_free(a);
    if (e != UAT_OK) {
        return fail("collect", e);
    }
    if (fmt == UAT_CMW_JSON && !jinzhao) {
        bytes[n++] = '\n'; /* serialize leaves room for a terminator */
    }
    rc = write_output(out, bytes, n);
    free(bytes);
    return rc == 0 ? 0 : uat_err_exit_code(UAT_ERR_IO_WRITE);
}

