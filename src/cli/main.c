/* uattest: collect and verify attestation evidence from any TEE. Uses the public API only. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"

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
           "  token     verify EAR tokens; print or rotate the token signing keys\n"
           "  ratls     RA-TLS certificates, their verification, a TLS 1.3 echo server/client\n"
           "  channel   mutual attestation channel between two TEEs (listen / connect)\n"
           "  enrol     enrolment of a device key by credential activation\n"
           "  collateral  signed offline collateral bundles (bundle sign / bundle verify)\n"
           "  audit     check the hash chain of uattestd's audit log\n"
           "  refvals   import reference values kept in another system's format\n"
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
    if (strcmp(cmd, "ratls") == 0) {
        return cmd_ratls(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "channel") == 0) {
        return cmd_channel(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "enrol") == 0) {
        return cmd_enrol(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "token") == 0) {
        return cmd_token(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "collateral") == 0) {
        return cmd_collateral(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "audit") == 0) {
        return cmd_audit(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "refvals") == 0) {
        return cmd_refvals(argc - 1, argv + 1);
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
