/* uattest collateral fetch | bundle sign | bundle verify: collateral for a piece of evidence, and
 * signed offline collateral bundles (docs/operations.md). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"

static void collateral_help(void)
{
    printf("usage: %s collateral fetch EVIDENCE -o DIR --fetch VENDOR=URL [--fetch ...]\n"
           "           [--trust DIR] [--at RFC3339]\n"
           "       %s collateral bundle sign DIR --key JWK\n"
           "       %s collateral bundle verify DIR --jwks FILE\n"
           "sign: writes DIR/manifest.json (path, sha256, size and kind of every file under DIR)\n"
           "      and DIR/manifest.jws, an ES256 JWS over it with the private JWK (the format of\n"
           "      the token key files).\n"
           "verify: checks the JWS with a key of the JWKS, then that every file is present with\n"
           "      its signed size and sha256 and that no file was added.\n"
           "fetch: verifies the evidence with fetching allowed from the given sources (vendors:\n"
           "      intel = an Intel PCS v4 / PCCS base URL, amd = an AMD KDS base URL, hygon = a\n"
           "      Hygon KDS base URL) and writes what was fetched into DIR (which must not exist)\n"
           "      as a collateral directory with DIR/manifest.json (path, sha256, size, kind,\n"
           "      validity window, source URL and time of each file); prints the verdict.\n"
           "      `uattest verify --collateral DIR` then needs no network.\n",
           prog, prog, prog);
}

int read_text_file(const char *path, char **out, size_t *n)
{
    uint8_t *p = NULL;
    size_t len = 0;
    int rc = read_input(path, &p, &len);
    if (rc != 0) {
        return rc;
    }
    char *t = realloc(p, len + 1);
    if (t == NULL) {
        free(p);
        return fail("read", UAT_ERR_RESOURCE_NO_MEMORY);
    }
    t[len] = '\0';
    *out = t;
    *n = len;
    return 0;
}

int bundle_check(const char *dir, const char *jwks_path, int quiet)
{
    char *jwks = NULL;
    size_t n = 0;
    int rc = read_text_file(jwks_path, &jwks, &n);
    if (rc != 0) {
        return rc;
    }
    size_t files = 0;
    uat_err e = uat_bundle_verify(dir, jwks, &files);
    free(jwks);
    if (e != UAT_OK) {
        return fail("bundle verify", e);
    }
    if (!quiet) {
        printf("bundle %s: signature and %zu files verified\n", dir, files);
    }
    return 0;
}

static int bundle_sign(const char *dir, const char *key_path)
{
    char *jwk = NULL;
    size_t n = 0;
    int rc = read_text_file(key_path, &jwk, &n);
    if (rc != 0) {
        return rc;
    }
    uat_err e = uat_bundle_sign(dir, jwk, n, (int64_t)time(NULL));
    explicit_bzero(jwk, n);
    free(jwk);
    if (e != UAT_OK) {
        return fail("bundle sign", e);
    }
    printf("bundle %s: wrote %s and %s\n", dir, UAT_BUNDLE_MANIFEST, UAT_BUNDLE_SIGNATURE);
    return 0;
}

static int fetch_cmd(int argc, char **argv)
{
    static const struct option opts[] = {{"fetch", required_argument, NULL, 'F'},
                                         {"trust", required_argument, NULL, 'T'},
                                         {"at", required_argument, NULL, 'a'},
                                         {"output", required_argument, NULL, 'o'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *fetch[8], *trust = NULL, *at = NULL, *out = NULL;
    size_t nfetch = 0;
    int c;
    while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        switch (c) {
        case 'F':
            if (nfetch == sizeof(fetch) / sizeof(fetch[0])) {
                return usage_error("collateral", "too many --fetch");
            }
            fetch[nfetch++] = optarg;
            break;
        case 'T': trust = optarg; break;
        case 'a': at = optarg; break;
        case 'o': out = optarg; break;
        case 'h': collateral_help(); return 0;
        default: return usage_error("collateral", "unknown option");
        }
    }
    if (optind != argc - 1 || out == NULL || nfetch == 0) {
        return usage_error("collateral",
                           "collateral fetch takes one evidence file, -o DIR and --fetch VENDOR=URL");
    }
    uint8_t *ev = NULL;
    size_t n = 0;
    int rc = read_input(argv[optind], &ev, &n);
    if (rc != 0) {
        return rc;
    }
    uat_verifier *v = NULL;
    uat_err e = cli_verifier_new(trust, NULL, &v);
    rc = e != UAT_OK ? fail("collateral fetch", e)
                     : cli_verifier_sources("collateral fetch", v, fetch, nfetch, at);
    uat_fetch_result res;
    if (rc == 0 && (e = uat_collateral_fetch(v, ev, n, out, &res)) != UAT_OK) {
        rc = fail("collateral fetch", e);
    }
    if (rc == 0) {
        printf("collateral %s: %zu files fetched, with manifest.json\n", out, res.files);
        if (res.verdict == UAT_OK) {
            printf("evidence verified with them\n");
        } else {
            printf("evidence did not verify with them: %s\n", res.why);
        }
    }
    uat_verifier_free(v);
    free(ev);
    return rc;
}

int cmd_collateral(int argc, char **argv)
{
    static const struct option opts[] = {{"key", required_argument, NULL, 'k'},
                                         {"jwks", required_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        collateral_help();
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "fetch") == 0) {
        argv[1] = argv[0];
        return fetch_cmd(argc - 1, argv + 1);
    }
    if (argc < 3 || strcmp(argv[1], "bundle") != 0 ||
        (strcmp(argv[2], "sign") != 0 && strcmp(argv[2], "verify") != 0)) {
        return usage_error("collateral",
                           "the subcommands are 'fetch', 'bundle sign' and 'bundle verify'");
    }
    int sign = strcmp(argv[2], "sign") == 0;
    argv[2] = argv[0];
    argc -= 2;
    argv += 2;
    const char *key = NULL, *jwks = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'k': key = optarg; break;
        case 'j': jwks = optarg; break;
        case 'h': collateral_help(); return 0;
        default: return usage_error("collateral", "unknown option");
        }
    }
    if (optind != argc - 1) {
        return usage_error("collateral", "give exactly one bundle directory");
    }
    if (sign) {
        return key != NULL ? bundle_sign(argv[optind], key)
                           : usage_error("collateral", "bundle sign needs --key JWK");
    }
    return jwks != NULL ? bundle_check(argv[optind], jwks, 0)
                        : usage_error("collateral", "bundle verify needs --jwks FILE");
}
