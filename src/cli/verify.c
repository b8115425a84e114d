/* uattest verify: evidence -> claims; with reference values, a policy or --ear / --token, an EAR
 * attestation result or a signed EAR token. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>
#include <unistd.h>

#include "cli/cli.h"

struct verify_opts {
    const char *trust, *collateral, *bundle_jwks, *at, *input;
    const char *fetch[8];
    size_t nfetch;
    struct binding b;
    const char *evidence_nonce;
    int compact;
    long warn_days; /* --warn-expiry DAYS; 0 = off */
    int jinzhao_lax; /* --jinzhao-lax-insecure */
    int explain; /* 0 off, 1 auto (text on a terminal, JSON otherwise), 2 JSON, 3 text */
    /* appraisal */
    const char *refvals[16];
    size_t nrefvals;
    const char *policy, *runtime_key, *token_keys, *state;
    int ear, token;
    long ttl;
};

static void verify_help(void)
{
    printf("usage: %s verify [options] FILE|-\n"
           "Verify evidence (a CMW in JSON or CBOR, or raw evidence of a known TEE) and print\n"
           "its normalized claims as JSON. The exit code names the error category.\n\n"
           "  --trust DIR           trust anchors, one subfolder per TEE (default\n"
           "                        $UATTEST_TRUST_DIR or /etc/uattest/trust)\n"
           "  --collateral DIR      collateral, one subfolder per TEE\n"
           "  --bundle-jwks FILE    the collateral directory is a signed bundle: refuse it unless\n"
           "                        its manifest.jws verifies with a key of this JWKS and every\n"
           "                        file matches the manifest (docs/operations.md)\n"
           "  --at TIME             evaluation time, RFC 3339 (default now)\n"
           "  --warn-expiry DAYS    claim collateral_expiring: true when collateral used expires\n"
           "                        within DAYS of the evaluation time\n"
           "  --fetch VENDOR=URL    allow fetching missing collateral of VENDOR (intel: a PCS v4 or\n"
           "                        PCCS base URL; amd: a KDS base URL); repeatable; nothing is\n"
           "                        fetched without it\n"
           "  --report-data HEX     the binding the evidence must carry (zero-padded to 64 bytes)\n"
           "  --nonce TEXT          expect SHA-256(nonce || runtime data) as the binding\n"
           "  --runtime-data FILE   runtime data for --nonce\n"
           "  --evidence-nonce TEXT a nonce the evidence must carry in a nonce field of its own\n"
           "                        (the nonce of an Intel IAS report)\n"
           "  --jinzhao-lax-insecure  for a jinzhao report refused only for expiry\n"
           "                        (VERIFY_EXPIRED): verify it again without validity periods,\n"
           "                        as jinzhao does, and claim jinzhao_lax with the strict\n"
           "                        error (migration only; docs/compat.md)\n"
           "  --compact             print JSON on one line\n"
           "  --explain[=json|text] print every check that ran (pass / fail / skipped, the values\n"
           "                        found and required, the certificates and collateral used, the\n"
           "                        remedy of a failure) instead of the claims: text on a\n"
           "                        terminal, JSON otherwise (docs/explain.md)\n\n"
           "appraisal (docs/appraisal.md):\n"
           "  --reference-values P  a reference value file or directory (repeatable)\n"
           "  --policy FILE         a declarative JSON or Lua policy (default: the built-in one)\n"
           "  --runtime-key FILE    the public key (JWK) the evidence binds, for the result\n"
           "  --ear                 print the EAR attestation result instead of the claims\n"
           "  --token               print the EAR as a JWT signed ES256 with the keys in\n"
           "                        --token-keys DIR (default <state-dir>/token-keys)\n"
           "  --ttl SECONDS         token lifetime (default 300)\n"
           "A contraindicated result is printed and exits with the VERIFY code (4).\n",
           prog);
}

static int parse_opts(int argc, char **argv, struct verify_opts *o)
{
    static const struct option opts[] = {
        {"trust", required_argument, NULL, 'T'},        {"collateral", required_argument, NULL, 'C'},
        {"at", required_argument, NULL, 'a'},           {"report-data", required_argument, NULL, 'd'},
        {"nonce", required_argument, NULL, 'n'},        {"runtime-data", required_argument, NULL, 'R'},
        {"compact", no_argument, NULL, 'c'},            {"help", no_argument, NULL, 'h'},
        {"fetch", required_argument, NULL, 'F'},        {"reference-values", required_argument, NULL, 'V'},
        {"policy", required_argument, NULL, 'P'},       {"runtime-key", required_argument, NULL, 'K'},
        {"ear", no_argument, NULL, 'E'},                {"token", no_argument, NULL, 'J'},
        {"token-keys", required_argument, NULL, 'k'},   {"ttl", required_argument, NULL, 't'},
        {"state-dir", required_argument, NULL, 's'},    {"evidence-nonce", required_argument, NULL, 'N'},
        {"bundle-jwks", required_argument, NULL, 'B'},  {"warn-expiry", required_argument, NULL, 'W'},  {"explain", optional_argument, NULL, 'X'},
        {"jinzhao-lax-insecure", no_argument, NULL, 'L'},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'T': o->trust = optarg; break;
        case 'C': o->collateral = optarg; break;
        case 'B': o->bundle_jwks = optarg; break;
        case 'W':
            o->warn_days = strtol(optarg, NULL, 10);
            if (o->warn_days <= 0 || o->warn_days > 3650) {
                return usage_error("verify", "--warn-expiry takes 1 to 3650 days");
            }
            break;
        case 'a': o->at = optarg; break;
        case 'd': o->b.report_data_hex = optarg; break;
        case 'n': o->b.nonce = optarg; break;
        case 'N': o->evidence_nonce = optarg; break;
        case 'R': o->b.runtime_data_path = optarg; break;
        case 'c': o->compact = 1; break;
        case 'L': o->jinzhao_lax = 1; break;
        case 'X':
            if (optarg == NULL) {
                o->explain = 1;
            } else if (strcmp(optarg, "json") == 0) {
                o->explain = 2;
            } else if (strcmp(optarg, "text") == 0) {
                o->explain = 3;
            } else {
                return usage_error("verify", "--explain takes json or text");
            }
            break;
        case 'P': o->policy = optarg; break;
        case 'K': o->runtime_key = optarg; break;
        case 'E': o->ear = 1; break;
        case 'J': o->token = 1; break;
        case 'k': o->token_keys = optarg; break;
        case 's': o->state = optarg; break;
        case 't': o->ttl = strtol(optarg, NULL, 10); break;
        case 'F':
            if (o->nfetch == sizeof(o->fetch) / sizeof(o->fetch[0])) {
                return usage_error("verify", "too many --fetch");
            }
            o->fetch[o->nfetch++] = optarg;
            break;
        case 'V':
            if (o->nrefvals == sizeof(o->refvals) / sizeof(o->refvals[0])) {
                return usage_error("verify", "too many --reference-values");
            }
            o->refvals[o->nrefvals++] = optarg;
            break;
        case 'h': verify_help(); return -1;
        default: return usage_error("verify", "unknown option");
        }
    }
    if (optind != argc - 1) {
        return usage_error("verify", "give exactly one evidence file, or - for stdin");
    }
    if (o->ttl <= 0 || o->ttl > 31 * 24 * 3600) {
        return usage_error("verify", "--ttl is 1 second to 31 days");
    }
    if (o->bundle_jwks != NULL && o->collateral == NULL) {
        return usage_error("verify", "--bundle-jwks needs --collateral DIR");
    }
    if (o->explain != 0 && (o->ear || o->token || o->policy != NULL)) {
        return usage_error("verify", "--explain explains the verification: it prints no EAR or "
                                     "token (drop --ear, --token and --policy)");
    }
    o->input = argv[optind];
    return 0;
}

static int configure(const struct verify_opts *o, uat_verifier *v)
{
    const char *trust = o->trust && o->trust[0] ? o->trust : "/etc/uattest/trust";
    uat_err e = uat_verifier_set_trust_dir(v, trust);
    if (e == UAT_OK && o->collateral != NULL) {
        e = uat_verifier_set_collateral_dir(v, o->collateral);
    }
    if (e == UAT_OK && o->evidence_nonce != NULL) {
        e = uat_verifier_set_evidence_nonce(v, (const uint8_t *)o->evidence_nonce,
                                            strlen(o->evidence_nonce));
    }
    if (e != UAT_OK) {
        return fail("verify", e);
    }
    uat_verifier_set_expiry_warning(v, (int64_t)o->warn_days * 86400);
    if (o->jinzhao_lax) {
        fprintf(stderr, "uattest: warning: --jinzhao-lax-insecure: jinzhao reports refused only "
                        "for expiry are verified again without validity periods\n");
        uat_verifier_set_jinzhao_lax_insecure(v, 1);
    }
    return cli_verifier_sources("verify", v, (const char *const *)o->fetch, o->nfetch, o->at);
}

static int print_json(char *json)
{
    printf("%s\n", json);
    free(json);
    return 0;
}

/* The reference values: they also pin evidence keys that have no vendor chain. */
static int load_refvals(const struct verify_opts *o, uat_refvals **rv)
{
    uat_err e = uat_refvals_new(rv);
    for (size_t i = 0; e == UAT_OK && i < o->nrefvals; i++) {
        e = uat_refvals_add_path(*rv, o->refvals[i]);
    }
    return e != UAT_OK ? fail("reference values", e) : 0;
}

/* The other appraisal inputs: the policy, the bound runtime key. */
static int load_appraisal(const struct verify_opts *o, uat_policy **p, char **key)
{
    int prc = cli_policy_load(o->policy, p);
    if (prc != 0) {
        return prc;
    }
    if (o->runtime_key != NULL) {
        uint8_t *text = NULL;
        size_t n = 0;
        int rc = read_input(o->runtime_key, &text, &n);
        if (rc != 0) {
            return rc;
        }
        *key = realloc(text, n + 1);
        if (*key == NULL) {
            free(text);
            return fail("verify", UAT_ERR_RESOURCE_NO_MEMORY);
        }
        (*key)[n] = '\0';
    }
    return 0;
}

static int emit_token(const struct verify_opts *o, const uat_ear *ear, int64_t now)
{
    char sbuf[4096], kdir[4200];
    if (o->token_keys == NULL) {
        snprintf(kdir, sizeof(kdir), "%s/token-keys",
                 o->state ? o->state : default_state_dir(sbuf, sizeof(sbuf)));
    }
    uat_token_keys *k = NULL;
    char *jwt = NULL;
    uat_err e = uat_token_keys_open(o->token_keys ? o->token_keys : kdir, &k);
    if (e == UAT_OK) {
        e = uat_ear_sign(ear, k, now, o->ttl, &jwt);
    }
    uat_token_keys_free(k);
    if (e != UAT_OK) {
        return fail("token", e);
    }
    printf("%s\n", jwt);
    free(jwt);
    return 0;
}

static int appraise(const struct verify_opts *o, const uat_refvals *rv, const uat_claims *claims,
                    const uint8_t *nonce, size_t nonce_len, int64_t now)
{
    uat_policy *p = NULL;
    char *key = NULL, *json = NULL;
    uat_ear *ear = NULL;
    int rc = load_appraisal(o, &p, &key);
    if (rc == 0) {
        uat_appraisal_ctx ctx = {now, nonce, nonce_len, key};
        uat_err e = uat_appraise(p, rv, claims, &ctx, &ear);
        if (e == UAT_OK && !o->token) {
            e = uat_ear_to_json(ear, !o->compact, &json);
        }
        rc = e != UAT_OK ? fail("appraisal", e) : o->token ? emit_token(o, ear, now) : 0;
        if (e == UAT_OK && !o->token) {
            printf("%s\n", json);
        }
        if (rc == 0 && strcmp(uat_ear_status(ear), "contraindicated") == 0) {
            fprintf(stderr, "%s: appraisal: the result is contraindicated\n", prog);
            rc = uat_err_exit_code(UAT_ERR_VERIFY_POLICY);
        }
    }
    free(json);
    free(key);
    uat_ear_free(ear);
    uat_policy_free(p);
    return rc;
}

/* The explanation, whether the verification passed or failed: JSON for programs, text for people
 * (a terminal), unless --explain=json|text says. */
static int print_explanation(const struct verify_opts *o, const uat_verifier *v)
{
    const char *json = uat_verifier_explanation(v);
    if (json == NULL) {
        return fail("verify", UAT_ERR_RESOURCE_NO_MEMORY);
    }
    int text = o->explain == 3 || (o->explain == 1 && isatty(STDOUT_FILENO));
    if (!text) {
        printf("%s\n", json);
        return 0;
    }
    char *out = NULL;
    uat_err e = uat_explanation_format_text(json, &out);
    if (e != UAT_OK) {
        return fail("verify", e);
    }
    fputs(out, stdout);
    free(out);
    return 0;
}

static int verify_input(const struct verify_opts *o, uat_verifier *v, const uat_refvals *rv,
                        const uint8_t *rd, int have)
{
    uint8_t *in = NULL;
    size_t n = 0;
    int rc = read_input(o->input, &in, &n);
    if (rc != 0) {
        return rc;
    }
    uat_claims *claims = NULL;
    uat_err e = uat_verify(v, in, n, have ? rd : NULL, &claims);
    free(in);
    if (o->explain != 0) {
        rc = print_explanation(o, v);
        uat_claims_free(claims);
        return e != UAT_OK ? fail("verify", e) : rc;
    }
    if (e != UAT_OK) {
        return fail("verify", e);
    }
    if (!have) {
        fprintf(stderr, "%s: note: no --report-data or --nonce given: check the report_data claim "
                        "yourself\n", prog);
    }
    if (o->ear || o->token || o->nrefvals > 0 || o->policy != NULL) {
        int64_t now = 0;
        if (o->at == NULL || uat_time_from_rfc3339(o->at, &now) != UAT_OK) {
            now = (int64_t)time(NULL);
        }
        const char *nonce = o->b.nonce;
        rc = appraise(o, rv, claims, (const uint8_t *)nonce, nonce ? strlen(nonce) : 0, now);
    } else {
        char *json = NULL;
        e = uat_claims_to_json(claims, !o->compact, &json);
        rc = e == UAT_OK ? print_json(json) : fail("verify", e);
    }
    uat_claims_free(claims);
    return rc;
}

int cmd_verify(int argc, char **argv)
{
    struct verify_opts o;
    memset(&o, 0, sizeof(o));
    o.trust = getenv("UATTEST_TRUST_DIR");
    o.ttl = 300;
    int rc = parse_opts(argc, argv, &o);
    if (rc != 0) {
        return rc < 0 ? 0 : rc;
    }
    uint8_t rd[64];
    int have = 0;
    rc = resolve_binding("verify", &o.b, rd, &have);
    if (rc != 0) {
        return rc;
    }
    /* the bundle is checked whole before the verifier reads any of its files */
    if (o.bundle_jwks != NULL && (rc = bundle_check(o.collateral, o.bundle_jwks, 1)) != 0) {
        return rc;
    }
    uat_verifier *v = NULL;
    uat_err e = uat_verifier_new(&v);
    if (e != UAT_OK) {
        return fail("verify", e);
    }
    uat_refvals *rv = NULL;
    rc = configure(&o, v);
    if (rc == 0) {
        rc = load_refvals(&o, &rv);
    }
    if (rc == 0) {
        uat_verifier_set_reference_values(v, rv);
        uat_verifier_set_explain(v, o.explain != 0);
        rc = verify_input(&o, v, rv, rd, have);
    }
    uat_verifier_free(v);
    uat_refvals_free(rv);
    return rc;
}
