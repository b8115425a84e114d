/* uattest audit verify | replay: checks the hash chain of uattestd's audit log, read page by page
 * from GET /v1/audit (admin) or from an export file, and replays audited attestations of given
 * evidence (docs/operations.md). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static void audit_help(void)
{
    printf("usage: %s audit verify (--url URL --admin-token TOKEN | --file FILE)\n"
           "       %s audit replay --file FILE [--trust DIR] [--collateral DIR]\n"
           "           [--reference-values P]... [--policy FILE] EVIDENCE...\n"
           "Checks the audit log's hash chain: ids without gaps from 1, every prev_hash the\n"
           "record_hash of the record before, every record_hash recomputed. --url reads\n"
           "URL/v1/audit page by page (the token may also come from $UATTEST_ADMIN_TOKEN);\n"
           "--file reads an export (the JSON of GET /v1/audit, or an array of records).\n"
           "The first broken record is named, with the VERIFY_AUDIT exit code.\n"
           "replay: checks the export's chain, then for each evidence file re-verifies it at the\n"
           "time of every record of it (by sha256) and appraises it with the given reference\n"
           "values and policy (the service's, exported); prints one line per record and exits\n"
           "with VERIFY_AUDIT when a replayed status differs from the recorded one.\n",
           prog, prog);
}

/* 0, or the exit code of e after naming the broken record */
static int report(uat_err e, int64_t broken)
{
    if (e == UAT_ERR_VERIFY_AUDIT) {
        fprintf(stderr, "%s: audit verify: the chain breaks at record %lld\n", prog,
                (long long)broken);
    }
    return e != UAT_OK ? fail("audit verify", e) : 0;
}

static int check_page(const char *text, size_t n, uat_audit_cursor *cur)
{
    int64_t broken = 0;
    uat_err e = uat_audit_chain_check(text, n, cur, &broken);
    return report(e, broken);
}

static int verify_url(const char *url, const char *token, uat_audit_cursor *cur)
{
    int64_t broken = 0;
    uat_err e = uat_audit_verify_url(url, token, cur, &broken);
    return report(e, broken);
}

static int replay_one(const char *records, size_t rn, const char *path, uat_verifier *v,
                      const uat_policy *pol, const uat_refvals *rv)
{
    uint8_t *ev = NULL;
    size_t n = 0;
    int rc = read_input(path, &ev, &n);
    if (rc != 0) {
        return rc;
    }
    char *report = NULL;
    uat_err e = uat_audit_replay(records, rn, ev, n, v, pol, rv, &report);
    free(ev);
    if (report != NULL) {
        printf("%s: %s\n", path, report);
        free(report);
    }
    return e != UAT_OK ? fail("audit replay", e) : 0;
}

static int cmd_replay(int argc, char **argv)
{
    static const struct option opts[] = {{"file", required_argument, NULL, 'f'},
                                         {"trust", required_argument, NULL, 'T'},
                                         {"collateral", required_argument, NULL, 'C'},
                                         {"reference-values", required_argument, NULL, 'V'},
                                         {"policy", required_argument, NULL, 'P'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *file = NULL, *trust = NULL, *coll = NULL, *policy = NULL, *refvals[16];
    size_t nrv = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'f': file = optarg; break;
        case 'T': trust = optarg; break;
        case 'C': coll = optarg; break;
        case 'P': policy = optarg; break;
        case 'V':
            if (nrv == sizeof(refvals) / sizeof(refvals[0])) {
                return usage_error("audit", "too many --reference-values");
            }
            refvals[nrv++] = optarg;
            break;
        case 'h': audit_help(); return 0;
        default: return usage_error("audit", "unknown option");
        }
    }
    if (file == NULL || optind >= argc) {
        return usage_error("audit", "audit replay takes --file FILE and evidence files");
    }
    char *records = NULL;
    size_t rn = 0;
    int rc = read_text_file(file, &records, &rn);
    uat_verifier *v = NULL;
    uat_refvals *rv = NULL;
    uat_policy *pol = NULL;
    uat_err e = UAT_OK;
    if (rc == 0 && (e = cli_verifier_new(trust, coll, &v)) == UAT_OK) {
        e = uat_refvals_new(&rv);
    }
    for (size_t i = 0; rc == 0 && e == UAT_OK && i < nrv; i++) {
        e = uat_refvals_add_path(rv, refvals[i]);
    }
    if (rc == 0 && e != UAT_OK) {
        rc = fail("audit replay", e);
    }
    if (rc == 0) {
        uat_verifier_set_reference_values(v, rv);
        rc = cli_policy_load(policy, &pol);
    }
    int worst = 0;
    for (int i = optind; rc == 0 && i < argc; i++) {
        int one = replay_one(records, rn, argv[i], v, pol, rv);
        worst = one > worst ? one : worst;
    }
    uat_policy_free(pol);
    uat_refvals_free(rv);
    uat_verifier_free(v);
    free(records);
    return rc != 0 ? rc : worst;
}

int cmd_audit(int argc, char **argv)
{
    static const struct option opts[] = {{"url", required_argument, NULL, 'u'},
                                         {"admin-token", required_argument, NULL, 't'},
                                         {"file", required_argument, NULL, 'f'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        audit_help();
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "replay") == 0) {
        argv[1] = argv[0];
        return cmd_replay(argc - 1, argv + 1);
    }
    if (argc < 2 || strcmp(argv[1], "verify") != 0) {
        return usage_error("audit", "the subcommands are 'verify' and 'replay'");
    }
    argv[1] = argv[0];
    argc--;
    argv++;
    const char *url = NULL, *token = getenv("UATTEST_ADMIN_TOKEN"), *file = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'u': url = optarg; break;
        case 't': token = optarg; break;
        case 'f': file = optarg; break;
        case 'h': audit_help(); return 0;
        default: return usage_error("audit", "unknown option");
        }
    }
    if (optind != argc || (url == NULL) == (file == NULL) || (url != NULL && token == NULL)) {
        return usage_error("audit", "give --url URL with --admin-token TOKEN, or --file FILE");
    }
    uat_audit_cursor cur;
    memset(&cur, 0, sizeof(cur));
    int rc;
    if (file != NULL) {
        char *text = NULL;
        size_t n = 0;
        rc = read_text_file(file, &text, &n);
        rc = rc == 0 ? check_page(text, n, &cur) : rc;
        free(text);
    } else {
        rc = verify_url(url, token, &cur);
    }
    if (rc == 0) {
        printf("audit chain intact: %lld records, last record_hash %s\n", (long long)cur.checked,
               cur.last_hash[0] ? cur.last_hash : "(none)");
    }
    return rc;
}
