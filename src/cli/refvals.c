/* uattest refvals: reference values in foreign formats converted to uattest's documents. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void refvals_help(void)
{
    printf("usage: %s refvals import --format FORMAT [-o OUT] FILE|-\n"
           "Converts reference values kept in another system's format into uattest reference\n"
           "value documents (a JSON array for 'verify --reference-values').\n"
           "formats: kunpengsecl (baseline files: 'UUID image-hash memory-hash' per line)\n"
           "         jinzhao (UnifiedAttestationPolicy JSON, docs/compat.md)\n",
           prog);
}

int cmd_refvals(int argc, char **argv)
{
    static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                         {"output", required_argument, NULL, 'o'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *format = NULL, *output = NULL;
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        refvals_help();
        return 0;
    }
    if (argc < 2 || strcmp(argv[1], "import") != 0) {
        return usage_error("refvals", "the only subcommand is 'import'");
    }
    argv[1] = argv[0];
    argc--;
    argv++;
    int c;
    while ((c = getopt_long(argc, argv, "f:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'f': format = optarg; break;
        case 'o': output = optarg; break;
        case 'h': refvals_help(); return 0;
        default: return usage_error("refvals", "unknown option");
        }
    }
    if (format == NULL || optind != argc - 1) {
        return usage_error("refvals", "give --format FORMAT and exactly one input file, or -");
    }
    uint8_t *in = NULL;
    size_t n = 0;
    int rc = read_input(argv[optind], &in, &n);
    if (rc != 0) {
        return rc;
    }
    char *json = NULL;
    uat_err e = uat_refvals_import(format, in, n, &json);
    free(in);
    if (e != UAT_OK) {
        return fail("refvals import", e);
    }
    size_t len = strlen(json);
    json[len] = '\n'; /* json_dumps leaves no newline; the NUL is ours to replace */
    rc = write_output(output, json, len + 1) == 0 ? 0 : fail("refvals import", UAT_ERR_IO_WRITE);
    free(json);
    return rc;
}
