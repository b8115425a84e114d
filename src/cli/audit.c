/* uattest audit verify: checks the hash chain of uattestd's audit log, read page by page from
 * GET /v1/audit (admin) or from an export file (docs/operations.md). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static void audit_help(void)
{
    printf("usage: %s audit verify (--url URL --admin-token TOKEN | --file FILE)\n"
           "Checks the audit log's hash chain: ids without gaps from 1, every prev_hash the\n"
           "record_hash of the record before, every record_hash recomputed. --url reads\n"
           "URL/v1/audit page by page (the token may also come from $UATTEST_ADMIN_TOKEN);\n"
           "--file reads an export (the JSON of GET /v1/audit, or an array of records).\n"
           "The first broken record is named, with the VERIFY_AUDIT exit code.\n",
           prog);
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
    if (argc < 2 || strcmp(argv[1], "verify") != 0) {
        return usage_error("audit", "the subcommand is 'verify'");
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
