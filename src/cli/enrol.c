/* uattest enrol challenge|respond: enrolment by credential activation (public API only). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"

static void enrol_help(void)
{
    printf("usage: %s enrol challenge [options] EVIDENCE|-\n"
           "       %s enrol respond [options] CHALLENGE|-\n"
           "Enrolment by credential activation (docs/cli.md): the verifier side makes a challenge\n"
           "for the attestation key that the evidence names, encrypted to its certified\n"
           "endorsement key; the attester side opens it with its device; the two secrets match\n"
           "only when both keys live in the same device.\n\n"
           "challenge:\n"
           "  --trust DIR          trust anchors (the EK manufacturer CAs under DIR/<tee>/;\n"
           "                       default $UATTEST_TRUST_DIR or /etc/uattest/trust)\n"
           "  --at TIME            evaluation time of the EK certificate, RFC 3339 (default now)\n"
           "  --secret-out FILE    where the expected secret goes (required; mode 0600)\n"
           "  -o, --out FILE       the challenge (default stdout)\n"
           "respond:\n"
           "  --tee NAME           the TEE (default: auto-detect)\n"
           "  --root DIR           filesystem root for device detection (default /)\n"
           "  -O, --opt KEY=VALUE  attester option, as for collect (repeatable)\n"
           "  --state-dir DIR      attester state directory, as for collect\n"
           "  -o, --out FILE       the secret (default stdout)\n",
           prog, prog);
}

/* The secret: only the owner may read it. */
static int write_secret(const char *path, const uint8_t *p, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int ok = fd >= 0 && fchmod(fd, 0600) == 0 && write(fd, p, n) == (ssize_t)n;
    if (fd >= 0 && close(fd) != 0) {
        ok = 0;
    }
    if (!ok) {
        fprintf(stderr, "%s: cannot write %s: %s\n", prog, path, strerror(errno));
        return uat_err_exit_code(UAT_ERR_IO_WRITE);
    }
    return 0;
}

static int configure_verifier(uat_verifier *v, const char *trust, const char *at)
{
    const char *env = getenv("UATTEST_TRUST_DIR");
    const char *dir = trust ? trust : env && env[0] ? env : "/etc/uattest/trust";
    uat_err e = uat_verifier_set_trust_dir(v, dir);
    if (e != UAT_OK) {
        return fail("enrol challenge", e);
    }
    if (at != NULL) {
        int64_t t;
        if (uat_time_from_rfc3339(at, &t) != UAT_OK) {
            return usage_error("enrol challenge", "--at takes an RFC 3339 time");
        }
        uat_verifier_set_time(v, t);
    }
    return 0;
}

static int emit_challenge(const char *out, const char *secret_out, const uint8_t *ch, size_t chn,
                          const uint8_t *sec, size_t secn)
{
    int rc = write_secret(secret_out, sec, secn);
    if (rc == 0 && write_output(out, ch, chn) != 0) {
        rc = uat_err_exit_code(UAT_ERR_IO_WRITE);
    }
    return rc;
}

static int enrol_challenge(int argc, char **argv)
{
    static const struct option opts[] = {
        {"trust", required_argument, NULL, 'T'},
        {"at", required_argument, NULL, 'a'},
        {"secret-out", required_argument, NULL, 'S'},
        {"out", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *trust = NULL, *at = NULL, *secret_out = NULL, *out = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'T': trust = optarg; break;
        case 'a': at = optarg; break;
        case 'S': secret_out = optarg; break;
        case 'o': out = optarg; break;
        case 'h': enrol_help(); return 0;
        default: return usage_error("enrol challenge", "unknown option");
        }
    }
    if (optind != argc - 1 || secret_out == NULL) {
        return usage_error("enrol challenge", "give --secret-out FILE and one evidence file or -");
    }
    uint8_t *ev = NULL, *ch = NULL, *sec = NULL;
    size_t n = 0, chn = 0, secn = 0;
    int rc = read_input(argv[optind], &ev, &n);
    if (rc != 0) {
        return rc;
    }
    uat_verifier *v = NULL;
    uat_err e = uat_verifier_new(&v);
    rc = e == UAT_OK ? configure_verifier(v, trust, at) : fail("enrol challenge", e);
    if (rc == 0) {
        e = uat_verifier_enrol_challenge(v, ev, n, &ch, &chn, &sec, &secn);
        rc = e == UAT_OK ? emit_challenge(out, secret_out, ch, chn, sec, secn)
                         : fail("enrol challenge", e);
    }
    if (sec != NULL) {
        memset(sec, 0, secn);
    }
    free(sec);
    free(ch);
    free(ev);
    uat_verifier_free(v);
    return rc;
}

static int respond_run(const char *tee, const char *root, const char *state, const char *const *kv,
                       size_t nkv, const char *in, const char *out)
{
    uint8_t *ch = NULL, *sec = NULL;
    size_t n = 0, secn = 0;
    int rc = read_input(in, &ch, &n);
    if (rc != 0) {
        return rc;
    }
    uat_attester *a = NULL;
    uat_err e = uat_attester_new(tee, root, &a);
    rc = e == UAT_OK ? attester_configure("enrol respond", a, state, kv, nkv)
                     : fail("enrol respond", e);
    if (rc == 0) {
        e = uat_attester_enrol_respond(a, ch, n, &sec, &secn);
        rc = e != UAT_OK                            ? fail("enrol respond", e)
             : out != NULL && strcmp(out, "-") != 0 ? write_secret(out, sec, secn)
             : write_output(NULL, sec, secn) == 0   ? 0
                                                    : uat_err_exit_code(UAT_ERR_IO_WRITE);
    }
    if (sec != NULL) {
        memset(sec, 0, secn);
    }
    free(sec);
    free(ch);
    uat_attester_free(a);
    return rc;
}

static int enrol_respond(int argc, char **argv)
{
    static const struct option opts[] = {
        {"tee", required_argument, NULL, 't'},
        {"root", required_argument, NULL, 'r'},
        {"opt", required_argument, NULL, 'O'},
        {"state-dir", required_argument, NULL, 's'},
        {"out", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *tee = NULL, *root = "/", *state = NULL, *out = NULL;
    const char *kv[64];
    size_t nkv = 0;
    int c;
    while ((c = getopt_long(argc, argv, "O:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 't': tee = optarg; break;
        case 'r': root = optarg; break;
        case 's': state = optarg; break;
        case 'o': out = optarg; break;
        case 'O':
            if (nkv == sizeof(kv) / sizeof(kv[0])) {
                return usage_error("enrol respond", "too many --opt");
            }
            kv[nkv++] = optarg;
            break;
        case 'h': enrol_help(); return 0;
        default: return usage_error("enrol respond", "unknown option");
        }
    }
    if (optind != argc - 1) {
        return usage_error("enrol respond", "give exactly one challenge file, or - for stdin");
    }
    return respond_run(tee, root, state, kv, nkv, argv[optind], out);
}

int cmd_enrol(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        enrol_help();
        return argc < 2 ? uat_err_exit_code(UAT_ERR_USAGE_INVALID_ARGUMENT) : 0;
    }
    const char *sub = argv[1];
    argv[1] = argv[0];
    if (strcmp(sub, "challenge") == 0) {
        return enrol_challenge(argc - 1, argv + 1);
    }
    if (strcmp(sub, "respond") == 0) {
        return enrol_respond(argc - 1, argv + 1);
    }
    return usage_error("enrol", "the subcommands are challenge and respond");
}
