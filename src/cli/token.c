/* uattest token: verify an EAR token against a JWKS; print the JWKS of a key directory; rotate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"

static void token_help(void)
{
    printf("usage: %s token verify [--jwks FILE] [--at TIME] TOKEN|FILE|-\n"
           "       %s token jwks [--keys DIR]\n"
           "       %s token rotate [--keys DIR] [--retire-after SECONDS]\n"
           "verify: check an EAR token (ES256 JWT) against a JWKS and print its claims.\n"
           "jwks: print the public keys of a token key directory (default <state-dir>/token-keys).\n"
           "rotate: make a fresh key current; the old one stays published for --retire-after\n"
           "seconds (default 86400). docs/tokens.md.\n",
           prog, prog, prog);
}

static const char *keys_dir(const char *given, char *buf, size_t len)
{
    if (given != NULL) {
        return given;
    }
    char sbuf[4096];
    snprintf(buf, len, "%s/token-keys", default_state_dir(sbuf, sizeof(sbuf)));
    return buf;
}

/* A token given inline or as a file name. */
static int read_token(const char *arg, char **out)
{
    if (strchr(arg, '.') != NULL && strchr(arg, '/') == NULL && strlen(arg) > 40) {
        *out = strdup(arg);
        return *out ? 0 : fail("token", UAT_ERR_RESOURCE_NO_MEMORY);
    }
    uint8_t *b = NULL;
    size_t n = 0;
    int rc = read_input(arg, &b, &n);
    if (rc != 0) {
        return rc;
    }
    while (n > 0 && (b[n - 1] == '\n' || b[n - 1] == '\r' || b[n - 1] == ' ')) {
        n--;
    }
    *out = realloc(b, n + 1);
    if (*out == NULL) {
        free(b);
        return fail("token", UAT_ERR_RESOURCE_NO_MEMORY);
    }
    (*out)[n] = '\0';
    return 0;
}

static int token_verify(const char *jwks_path, const char *at, const char *arg)
{
    int64_t now = (int64_t)time(NULL);
    if (at != NULL && uat_time_from_rfc3339(at, &now) != UAT_OK) {
        return usage_error("token", "--at takes an RFC 3339 time");
    }
    if (jwks_path == NULL) {
        return usage_error("token", "verify needs --jwks FILE");
    }
    char *token = NULL, *claims = NULL;
    uint8_t *jwks = NULL;
    size_t n = 0;
    int rc = read_token(arg, &token);
    if (rc == 0) {
        rc = read_input(jwks_path, &jwks, &n);
    }
    char *jw = rc == 0 ? realloc(jwks, n + 1) : NULL;
    if (rc == 0 && jw == NULL) {
        rc = fail("token", UAT_ERR_RESOURCE_NO_MEMORY);
    }
    if (rc == 0) {
        jwks = NULL;
        jw[n] = '\0';
        uat_err e = uat_token_verify(token, jw, now, &claims);
        rc = e == UAT_OK ? 0 : fail("token verify", e);
        if (rc == 0) {
            printf("%s\n", claims);
        }
    }
    free(claims);
    free(jw);
    free(jwks);
    free(token);
    return rc;
}

static int token_keys(const char *dir, int rotate, long retire_after)
{
    char buf[4200];
    uat_token_keys *k = NULL;
    char *jwks = NULL;
    int64_t now = (int64_t)time(NULL);
    uat_err e = uat_token_keys_open(keys_dir(dir, buf, sizeof(buf)), &k);
    if (e == UAT_OK && rotate) {
        e = uat_token_keys_rotate(k, now, retire_after);
    }
    if (e == UAT_OK) {
        e = uat_token_keys_jwks(k, now, &jwks);
    }
    uat_token_keys_free(k);
    if (e != UAT_OK) {
        return fail(rotate ? "token rotate" : "token jwks", e);
    }
    printf("%s\n", jwks);
    free(jwks);
    return 0;
}

int cmd_token(int argc, char **argv)
{
    const char *jwks = NULL, *at = NULL, *keys = NULL, *arg = NULL;
    long retire = 86400;
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        token_help();
        return argc < 2 ? uat_err_exit_code(UAT_ERR_USAGE_INVALID_ARGUMENT) : 0;
    }
    for (int i = 2; i < argc; i++) {
        const char *o = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(o, "--jwks") == 0 && v) {
            jwks = v, i++;
        } else if (strcmp(o, "--at") == 0 && v) {
            at = v, i++;
        } else if (strcmp(o, "--keys") == 0 && v) {
            keys = v, i++;
        } else if (strcmp(o, "--retire-after") == 0 && v) {
            retire = strtol(v, NULL, 10), i++;
        } else if (strcmp(o, "--help") == 0) {
            token_help();
            return 0;
        } else if (o[0] != '-' || strcmp(o, "-") == 0) {
            arg = o;
        } else {
            return usage_error("token", "unknown option");
        }
    }
    if (strcmp(argv[1], "verify") == 0) {
        return arg ? token_verify(jwks, at, arg) : usage_error("token", "verify needs a token");
    }
    if (strcmp(argv[1], "jwks") == 0 || strcmp(argv[1], "rotate") == 0) {
        return token_keys(keys, strcmp(argv[1], "rotate") == 0, retire);
    }
    return usage_error("token", "the subcommands are verify, jwks and rotate");
}
