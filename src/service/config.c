/* uattestd flags and config file. Precedence: built-in defaults < environment (UATTEST_DATA_DIR,
 * UATTEST_TRUST_DIR) < the --config JSON file < flags. */
#include "service/config.h"

#include "core/codec.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "service/daemon.h"

#ifndef UAT_UI_INSTALL_DIR
#define UAT_UI_INSTALL_DIR "/usr/local/share/uattest/ui"
#endif

static const char *prog = "uattestd";

static void help(void)
{
    printf("usage: %s [options]\n"
           "The uattest attestation service (docs/service.md).\n\n"
           "  --listen ADDR:PORT        listen address (default 127.0.0.1:8080; [::1]:PORT for\n"
           "                            IPv6; port 0 picks a free port)\n"
           "  --data-dir DIR            deployment key, token keys, SQLite store (default\n"
           "                            $UATTEST_DATA_DIR or /var/lib/uattest)\n"
           "  --store URI               the store (default sqlite:<data-dir>/uattest.db)\n"
           "  --trust DIR               trust anchors, one folder per TEE (default\n"
           "                            $UATTEST_TRUST_DIR or /etc/uattest/trust)\n"
           "  --collateral DIR          collateral, one folder per TEE\n"
           "  --fetch VENDOR=URL        allow fetching missing collateral (repeatable)\n"
           "  --collateral-upstream VENDOR=URL\n"
           "                            refresh the PCCS (intel) / KDS (amd) caching routes\n"
           "                            from this base URL (repeatable)\n"
           "  --collateral-refresh-before S  refresh cached collateral S seconds before it\n"
           "                            expires (default 86400)\n"
           "  --collateral-retry-after S     ask upstream about one due item at most once in\n"
           "                            S seconds (default 300)\n"
           "  --tls-cert FILE           serve HTTPS with this PEM certificate (chain)\n"
           "  --tls-key FILE            and this PEM private key\n"
           "  --nonce-ttl SECONDS       challenge lifetime (default 300)\n"
           "  --token-ttl SECONDS       EAR token lifetime (default 300)\n"
           "  --max-connections N       concurrent connections (default 1024)\n"
           "  --connection-timeout S    idle seconds before a connection is closed (default 30)\n"
           "  --threads N               worker threads (default: 32 per core)\n"
           "  --ready-file FILE         write the bound port to FILE once listening\n"
           "  --ui-dir DIR              the web console's files, served under /ui/ (default:\n"
           "                            share/uattest/ui beside or above the executable)\n"
           "  --config FILE             a JSON object with the same keys (data_dir, tls_cert,\n"
           "                            fetch as {\"vendor\": \"url\"}, ...); flags win\n"
           "  --init-admin              create an admin token, print it once and exit (only\n"
           "                            its SHA-256 is stored)\n"
           "  --version, --help\n",
           prog);
}

static int usage(const char *msg)
{
    return uat_daemon_usage(prog, msg);
}

static int set_str(char **slot, const char *v)
{
    return uat_daemon_set_str(prog, slot, v);
}

static int set_long(long *slot, const char *v, long min, long max, const char *name)
{
    char *end = NULL;
    long n = strtol(v, &end, 10);
    if (end == v || *end != '\0' || n < min || n > max) {
        char msg[96];
        snprintf(msg, sizeof(msg), "%s takes a number from %ld to %ld", name, min, max);
        return usage(msg);
    }
    *slot = n;
    return 0;
}

static int add_fetch(uat_svc_config *c, const char *vendor, size_t vlen, const char *url)
{
    if (c->nfetch == UAT_SVC_MAX_FETCH || vlen == 0 || url[0] == '\0') {
        return usage("--fetch takes VENDOR=URL (at most 8)");
    }
    c->fetch_vendor[c->nfetch] = strndup(vendor, vlen);
    c->fetch_url[c->nfetch] = strdup(url);
    c->nfetch++;
    return c->fetch_vendor[c->nfetch - 1] && c->fetch_url[c->nfetch - 1] ? 0 : usage("no memory");
}

/* The console's files: <exe dir>/share/uattest/ui (the build tree), else
 * <exe dir>/../share/uattest/ui (an installed sbin/uattestd, wherever the prefix), else the
 * configured install path. */
static int set_default_ui_dir(uat_svc_config *c)
{
    char exe[PATH_MAX], dir[PATH_MAX + 32];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    char *slash = n > 0 ? (exe[n] = '\0', strrchr(exe, '/')) : NULL;
    static const char *const rel[] = {"/share/uattest/ui", "/../share/uattest/ui"};
    for (size_t i = 0; slash != NULL && i < sizeof(rel) / sizeof(rel[0]); i++) {
        struct stat st;
        *slash = '\0';
        if ((size_t)snprintf(dir, sizeof(dir), "%s%s", exe, rel[i]) < sizeof(dir) &&
            stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
            return set_str(&c->ui_dir, dir);
        }
    }
    return set_str(&c->ui_dir, UAT_UI_INSTALL_DIR);
}

static int set_defaults(uat_svc_config *c)
{
    memset(c, 0, sizeof(*c));
    const char *data = getenv("UATTEST_DATA_DIR");
    const char *trust = getenv("UATTEST_TRUST_DIR");
    c->nonce_ttl = 300;
    c->token_ttl = 300;
    c->collateral_warning_days = 14;
    c->max_connections = 1024;
    c->connection_timeout = 30;
    c->refresh_before = 86400;
    c->retry_after = 300;
    return set_str(&c->listen, "127.0.0.1:8080") ||
           set_str(&c->data_dir, data && data[0] ? data : "/var/lib/uattest") ||
           set_str(&c->trust, trust && trust[0] ? trust : "/etc/uattest/trust") ||
           set_default_ui_dir(c);
}

/* ---- the config file ---- */

typedef struct key_slot {
    const char *name;
    int is_number; /* a long at off (within min..max), else a char * at off */
    size_t off;
    long min, max;
} key_slot;

#define STR_KEY(n, f)                                                                              \
    {                                                                                              \
        n, 0, offsetof(uat_svc_config, f), 0, 0                                                    \
    }
#define NUM_KEY(n, f, lo, hi)                                                                      \
    {                                                                                              \
        n, 1, offsetof(uat_svc_config, f), lo, hi                                                  \
    }
static const key_slot keys[] = {
    STR_KEY("listen", listen),
    STR_KEY("data_dir", data_dir),
    STR_KEY("store", store),
    STR_KEY("trust", trust),
    STR_KEY("collateral", collateral),
    STR_KEY("tls_cert", tls_cert),
    STR_KEY("tls_key", tls_key),
    STR_KEY("ready_file", ready_file),
    STR_KEY("ui_dir", ui_dir),
    NUM_KEY("nonce_ttl", nonce_ttl, 1, 86400),
    NUM_KEY("token_ttl", token_ttl, 1, 31 * 86400),
    NUM_KEY("max_connections", max_connections, 1, 1000000),
    NUM_KEY("connection_timeout", connection_timeout, 1, 3600),
    NUM_KEY("threads", threads, 0, 1024),
    NUM_KEY("collateral_warning_days", collateral_warning_days, 0, 3650),
    NUM_KEY("jinzhao_lax_insecure", jinzhao_lax_insecure, 0, 1),
    STR_KEY("collateral.upstream.intel", upstream_intel),
    STR_KEY("collateral.upstream.amd", upstream_amd),
    NUM_KEY("collateral.refresh_before", refresh_before, 0, 365 * 86400),
    NUM_KEY("collateral.retry_after", retry_after, 0, 86400),
    STR_KEY("test_evaluation_time_insecure", test_at_text),
};

static int config_key(uat_svc_config *c, const char *k, json_t *v)
{
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        if (strcmp(k, keys[i].name) != 0) {
            continue;
        }
        if (!keys[i].is_number && json_is_string(v)) {
            return set_str((char **)((char *)c + keys[i].off), json_string_value(v));
        }
        long n = (long)json_integer_value(v);
        if (keys[i].is_number && json_is_integer(v) && n >= keys[i].min && n <= keys[i].max) {
            *(long *)((char *)c + keys[i].off) = n;
            return 0;
        }
        break;
    }
    if (strcmp(k, "fetch") == 0 && json_is_object(v)) {
        const char *vendor;
        json_t *url;
        json_object_foreach(v, vendor, url)
        {
            int rc = json_is_string(url)
                         ? add_fetch(c, vendor, strlen(vendor), json_string_value(url))
                         : usage("config: fetch maps a vendor to a URL string");
            if (rc != 0) {
                return rc;
            }
        }
        return 0;
    }
    fprintf(stderr, "%s: config: \"%s\" is not a known key with a value of its type\n", prog, k);
    return uat_err_exit_code(UAT_ERR_USAGE_INVALID_ARGUMENT);
}

static int load_config(uat_svc_config *c, const char *path)
{
    json_error_t err;
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
    if (!json_is_object(doc)) {
        fprintf(stderr, "%s: config %s: %s\n", prog, path, doc ? "not a JSON object" : err.text);
        json_decref(doc);
        return uat_err_exit_code(UAT_ERR_PARSE_BAD_JSON);
    }
    const char *k;
    json_t *v;
    int rc = 0;
    json_object_foreach(doc, k, v)
    {
        if (rc == 0) {
            rc = config_key(c, k, v);
        }
    }
    json_decref(doc);
    return rc;
}

/* ---- flags ---- */

enum {
    OPT_LISTEN = 256,
    OPT_DATA,
    OPT_STORE,
    OPT_TRUST,
    OPT_COLL,
    OPT_FETCH,
    OPT_CERT,
    OPT_KEY,
    OPT_NONCE_TTL,
    OPT_TOKEN_TTL,
    OPT_MAXCONN,
    OPT_TIMEOUT,
    OPT_THREADS,
    OPT_READY,
    OPT_UI_DIR,
    OPT_CONFIG,
    OPT_INIT_ADMIN,
    OPT_UPSTREAM,
    OPT_REFRESH,
    OPT_RETRY,
    OPT_HELP,
    OPT_VERSION,
};

static const struct option opts[] = {
    {"listen", required_argument, NULL, OPT_LISTEN},
    {"data-dir", required_argument, NULL, OPT_DATA},
    {"store", required_argument, NULL, OPT_STORE},
    {"trust", required_argument, NULL, OPT_TRUST},
    {"collateral", required_argument, NULL, OPT_COLL},
    {"fetch", required_argument, NULL, OPT_FETCH},
    {"tls-cert", required_argument, NULL, OPT_CERT},
    {"tls-key", required_argument, NULL, OPT_KEY},
    {"nonce-ttl", required_argument, NULL, OPT_NONCE_TTL},
    {"token-ttl", required_argument, NULL, OPT_TOKEN_TTL},
    {"max-connections", required_argument, NULL, OPT_MAXCONN},
    {"connection-timeout", required_argument, NULL, OPT_TIMEOUT},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"ready-file", required_argument, NULL, OPT_READY},
    {"ui-dir", required_argument, NULL, OPT_UI_DIR},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"init-admin", no_argument, NULL, OPT_INIT_ADMIN},
    {"collateral-upstream", required_argument, NULL, OPT_UPSTREAM},
    {"collateral-refresh-before", required_argument, NULL, OPT_REFRESH},
    {"collateral-retry-after", required_argument, NULL, OPT_RETRY},
    {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

/* --collateral-upstream intel=URL | amd=URL */
static int set_upstream(uat_svc_config *c, const char *v)
{
    if (strncmp(v, "intel=", 6) == 0 && v[6] != '\0') {
        return set_str(&c->upstream_intel, v + 6);
    }
    if (strncmp(v, "amd=", 4) == 0 && v[4] != '\0') {
        return set_str(&c->upstream_amd, v + 4);
    }
    return usage("--collateral-upstream takes intel=URL or amd=URL");
}

static int apply_flag(uat_svc_config *c, int opt, const char *v)
{
    const char *eq = NULL;
    switch (opt) {
    case OPT_LISTEN: return set_str(&c->listen, v);
    case OPT_DATA: return set_str(&c->data_dir, v);
    case OPT_STORE: return set_str(&c->store, v);
    case OPT_TRUST: return set_str(&c->trust, v);
    case OPT_COLL: return set_str(&c->collateral, v);
    case OPT_CERT: return set_str(&c->tls_cert, v);
    case OPT_KEY: return set_str(&c->tls_key, v);
    case OPT_READY: return set_str(&c->ready_file, v);
    case OPT_UI_DIR: return set_str(&c->ui_dir, v);
    case OPT_NONCE_TTL: return set_long(&c->nonce_ttl, v, 1, 86400, "--nonce-ttl");
    case OPT_TOKEN_TTL: return set_long(&c->token_ttl, v, 1, 31 * 86400, "--token-ttl");
    case OPT_MAXCONN: return set_long(&c->max_connections, v, 1, 1000000, "--max-connections");
    case OPT_TIMEOUT: return set_long(&c->connection_timeout, v, 1, 3600, "--connection-timeout");
    case OPT_THREADS: return set_long(&c->threads, v, 0, 1024, "--threads");
    case OPT_INIT_ADMIN: c->init_admin = 1; return 0;
    case OPT_CONFIG: return 0; /* read in the first pass */
    case OPT_UPSTREAM: return set_upstream(c, v);
    case OPT_REFRESH:
        return set_long(&c->refresh_before, v, 0, 365 * 86400, "--collateral-refresh-before");
    case OPT_RETRY: return set_long(&c->retry_after, v, 0, 86400, "--collateral-retry-after");
    case OPT_FETCH:
        eq = strchr(v, '=');
        return eq ? add_fetch(c, v, (size_t)(eq - v), eq + 1) : usage("--fetch takes VENDOR=URL");
    default: return usage("unknown option");
    }
}

/* First pass: --help, --version and --config (the file goes below the flags). */
static int first_pass(int argc, char **argv, uat_svc_config *c)
{
    int o;
    opterr = 0;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (o == OPT_HELP || o == OPT_VERSION) {
            o == OPT_HELP ? help() : (void)printf("uattestd %s\n", uat_version());
            return -1;
        }
        if (o == OPT_CONFIG) {
            int rc = load_config(c, optarg);
            if (rc != 0) {
                return rc;
            }
        }
    }
    return 0;
}

int uat_config_parse(int argc, char **argv, uat_svc_config *c)
{
    if (set_defaults(c) != 0) {
        return uat_err_exit_code(UAT_ERR_RESOURCE_NO_MEMORY);
    }
    int rc = first_pass(argc, argv, c);
    optind = 0; /* glibc: restart scanning from argv[1] */
    opterr = 1;
    int o;
    while (rc == 0 && (o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        rc = o == '?' ? usage("unknown option or missing value") : apply_flag(c, o, optarg);
    }
    if (rc == 0 && optind != argc) {
        rc = usage("unexpected argument");
    }
    if (rc == 0 && (c->tls_cert == NULL) != (c->tls_key == NULL)) {
        rc = usage("give both --tls-cert and --tls-key");
    }
    if (rc == 0 && c->test_at_text != NULL) {
        uat_time at = 0;
        if (uat_time_parse(c->test_at_text, strlen(c->test_at_text), &at) != UAT_OK || at <= 0) {
            rc = usage("test_evaluation_time_insecure is an RFC 3339 UTC time");
        } else {
            c->test_at = at;
            fprintf(stderr, "%s: WARNING: test_evaluation_time_insecure: evidence is verified at "
                            "%s and without its nonce binding; for tests only\n",
                    prog, c->test_at_text);
        }
    }
    return rc;
}

void uat_config_free(uat_svc_config *c)
{
    char **strs[] = {&c->listen,   &c->data_dir, &c->store,      &c->trust, &c->collateral,
                     &c->tls_cert, &c->tls_key,  &c->ready_file, &c->ui_dir,
                     &c->upstream_intel, &c->upstream_amd, &c->test_at_text};
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
        free(*strs[i]);
        *strs[i] = NULL;
    }
    for (size_t i = 0; i < c->nfetch; i++) {
        free(c->fetch_vendor[i]);
        free(c->fetch_url[i]);
    }
    c->nfetch = 0;
}
