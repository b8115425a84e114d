/* Test helper: reads a jinzhao report from a file and writes it back as jinzhao writes it
 * (uat_jinzhao_rewrite) to stdout; on an error prints its name and exits 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uattest/uattest.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: jz_rewrite REPORT.json\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (f == NULL) {
        perror(argv[1]);
        return 2;
    }
    static uint8_t in[1 << 22];
    size_t n = fread(in, 1, sizeof(in), f);
    fclose(f);
    char *out = NULL;
    uat_err e = uat_jinzhao_rewrite(in, n, &out);
    if (e != UAT_OK) {
        fprintf(stderr, "[%s]\n", uat_err_name(e));
        return 1;
    }
    fputs(out, stdout);
    free(out);
    return 0;
}
