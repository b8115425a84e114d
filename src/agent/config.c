/* uattest-agent flags and config file (docs/agent.md). Precedence: defaults < the --config JSON
 * file < flags. Unknown keys are refused: a misspelt key must not silently weaken anything. */
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/proto.h"
#include "service/daemon.h"

static const char *prog = "uattest-agent";

static void help(void)
{
    printf(
        "usage: %s [options]\n"
        "The uattest attestation agent (docs/agent.md): a local HTTP API on a Unix socket that\n"
        "gives workloads evidence of this machine's TEE, an attestation token from the\n"
        "configured service, resources decrypted with a key only the agent holds, and sealing.\n\n"
        "  --config FILE       the JSON configuration (docs/agent.md; dist/uattest-agent.json)\n"
        "  --socket PATH       the Unix socket (default /run/uattest/agent.sock; mode 0660)\n"
        "  --group NAME|GID    the socket's group: who may use the agent\n"
        "  --listen ADDR:PORT  also listen on loopback TCP (127.0.0.1 or [::1]; port 0 picks one)\n"
        "  --service URL       the attestation service (uattestd) base URL\n"
        "  --ready-file FILE   write the TCP port (0 without TCP) once listening\n"
        "  --version, --help\n"
        "Routes: POST /evidence, GET /token, GET /resource/{path}, POST /seal, POST /unseal,\n"
        "GET /healthz. Logs: JSON lines on stderr.\n",
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

void uat_agent_config_free(uat_agent_config *c)
{
    char **strs[] = {&c->kbs_tee,    &c->jwks_url,    &c->socket_path,  &c->socket_group,
                     &c->tcp_listen, &c->service_url, &c->service_kind, &c->policy_id,
                     &c->tee,        &c->root,        &c->state_dir,    &c->seal_resource, &c->seal_key,
                     &c->ready_file};
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
        free(*strs[i]);
        *strs[i] = NULL;
    }
    for (size_t i = 0; i < c->nopts; i++) {
        free(c->opt_key[i]);
        free(c->opt_value[i]);
    }
    c->nopts = 0;
}

/* ---- the JSON file ---- */

typedef struct str_key {
    const char *name;
    size_t off;
} str_key;

#define STR(name, field)                                                                           \
    {                                                                                              \
        name, offsetof(uat_agent_config, field)                                                    \
    }

/* An object of string members, each a known key. */
static int strings(json_t *o, const char *where, const str_key *keys, size_t nkeys,
                   uat_agent_config *c)
{
    if (!json_is_object(o)) {
        char msg[128];
        snprintf(msg, sizeof(msg), "config: \"%s\" must be an object", where);
        return usage(msg);
    }
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v)
    {
        size_t i = 0;
        while (i < nkeys && strcmp(keys[i].name, k) != 0) {
            i++;
        }
        if (i == nkeys) {
            if (json_is_object(v) && strcmp(where, "attester") == 0 && strcmp(k, "options") == 0) {
                continue; /* attester_options reads it */
            }
            char msg[160];
            snprintf(msg, sizeof(msg), "config: unknown key \"%s\" in \"%s\"", k, where);
            return usage(msg);
        }
        if (!json_is_string(v) && !json_is_null(v)) {
            char msg[160];
            snprintf(msg, sizeof(msg), "config: \"%s.%s\" must be a string", where, k);
            return usage(msg);
        }
        char **slot = (char **)((char *)c + keys[i].off);
        if (json_is_null(v)) {
            free(*slot);
            *slot = NULL;
        } else if (set_str(slot, json_string_value(v)) != 0) {
            return 2;
        }
    }
    return 0;
}

static int number(json_t *o, const char *key, long min, long max, long *slot)
{
    json_t *v = json_object_get(o, key);
    if (v == NULL) {
        return 0;
    }
    json_int_t n = json_integer_value(v);
    if (!json_is_integer(v) || n < min || n > max) {
        char msg[128];
        snprintf(msg, sizeof(msg), "config: \"%s\" takes an integer from %ld to %ld", key, min,
                 max);
        return usage(msg);
    }
    *slot = (long)n;
    return 0;
}

static int only_keys(json_t *o, const char *where, const char *const *names)
{
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v)
    {
        size_t i = 0;
        while (names[i] != NULL && strcmp(names[i], k) != 0) {
            i++;
        }
        if (names[i] == NULL) {
            char msg[160];
            snprintf(msg, sizeof(msg), "config: unknown key \"%s\" in \"%s\"", k, where);
            return usage(msg);
        }
    }
    (void)v;
    return 0;
}

static int attester_options(json_t *o, uat_agent_config *c)
{
    if (o == NULL) {
        return 0;
    }
    if (!json_is_object(o)) {
        return usage("config: \"attester.options\" must be an object of strings");
    }
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v)
    {
        if (!json_is_string(v)) {
            return usage("config: \"attester.options\" must be an object of strings");
        }
        if (c->nopts == UAT_MAX_OPTIONS) {
            return usage("config: too many attester options");
        }
        c->opt_key[c->nopts] = strdup(k);
        c->opt_value[c->nopts] = strdup(json_string_value(v));
        c->nopts++;
        if (c->opt_key[c->nopts - 1] == NULL || c->opt_value[c->nopts - 1] == NULL) {
            return usage("out of memory");
        }
    }
    return 0;
}

static int sections(json_t *root, uat_agent_config *c)
{
    static const char *const top[] = {"socket", "tcp",   "service", "attester",
                                      "token",  "retry", "seal",    NULL};
    static const str_key sock[] = {STR("path", socket_path), STR("group", socket_group)};
    static const str_key svc[] = {STR("url", service_url), STR("kind", service_kind),
                                  STR("policy_id", policy_id), STR("tee", kbs_tee),
                                  STR("jwks_url", jwks_url)};
    static const str_key att[] = {STR("tee", tee), STR("root", root), STR("state_dir", state_dir)};
    static const str_key seal[] = {STR("resource", seal_resource), STR("key", seal_key)};
    static const char *const tok_keys[] = {"refresh_margin", NULL};
    static const char *const retry_keys[] = {"attempts", "initial_ms", "max_ms", NULL};
    int rc = only_keys(root, "", top);
    json_t *s;
    if (rc == 0 && (s = json_object_get(root, "socket")) != NULL) {
        rc = strings(s, "socket", sock, 2, c);
    }
    if (rc == 0 && (s = json_object_get(root, "tcp")) != NULL) {
        rc = json_is_string(s) ? set_str(&c->tcp_listen, json_string_value(s))
                               : usage("config: \"tcp\" is a string ADDR:PORT");
    }
    if (rc == 0 && (s = json_object_get(root, "service")) != NULL) {
        rc = strings(s, "service", svc, 5, c);
    }
    if (rc == 0 && (s = json_object_get(root, "attester")) != NULL) {
        rc = strings(s, "attester", att, 3, c);
        rc = rc == 0 ? attester_options(json_object_get(s, "options"), c) : rc;
    }
    if (rc == 0 && (s = json_object_get(root, "seal")) != NULL) {
        rc = strings(s, "seal", seal, 2, c);
        if (rc == 0 && c->seal_key != NULL && strcmp(c->seal_key, "tee") != 0 &&
            strcmp(c->seal_key, "resource") != 0) {
            rc = usage("config: seal.key is \"tee\" or \"resource\"");
        }
    }
    if (rc == 0 && (s = json_object_get(root, "token")) != NULL) {
        rc = json_is_object(s) ? only_keys(s, "token", tok_keys)
                               : usage("config: \"token\" must be an object");
        rc = rc == 0 ? number(s, "refresh_margin", 0, 86400, &c->refresh_margin) : rc;
    }
    if (rc == 0 && (s = json_object_get(root, "retry")) != NULL) {
        rc = json_is_object(s) ? only_keys(s, "retry", retry_keys)
                               : usage("config: \"retry\" must be an object");
        rc = rc == 0 ? number(s, "attempts", 1, 20, &c->retry_attempts) : rc;
        rc = rc == 0 ? number(s, "initial_ms", 1, 60000, &c->retry_initial_ms) : rc;
        rc = rc == 0 ? number(s, "max_ms", 1, 600000, &c->retry_max_ms) : rc;
    }
    return rc;
}

static int load_file(const char *path, uat_agent_config *c)
{
    json_error_t e;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &e);
    if (root == NULL) {
        char msg[400];
        snprintf(msg, sizeof(msg), "config %s: %s (line %d)", path, e.text, e.line);
        return usage(msg);
    }
    int rc = json_is_object(root) ? sections(root, c) : usage("config: not a JSON object");
    json_decref(root);
    return rc;
}

/* ---- flags ---- */

static int check(uat_agent_config *c)
{
    if (c->socket_path == NULL || c->service_kind == NULL) {
        return usage("config: socket.path and service.kind cannot be null");
    }
    if (c->service_url == NULL) {
        return usage("no service URL: give \"service.url\" or --service");
    }
    if (strncmp(c->service_url, "http://", 7) != 0 && strncmp(c->service_url, "https://", 8) != 0) {
        return usage("the service URL must start with http:// or https://");
    }
    size_t n = strlen(c->service_url);
    while (n > 0 && c->service_url[n - 1] == '/') {
        c->service_url[--n] = '\0'; /* routes are appended with their own '/' */
    }
    if (uat_agent_proto_of(c->service_kind) == NULL) {
        fprintf(stderr,
                "%s: service.kind \"%s\": this agent speaks \"uattestd\", \"kbs\" and "
                "\"secgear\" "
                "(docs/agent.md)\n",
                prog, c->service_kind);
        return uat_err_exit_code(UAT_ERR_UNSUPPORTED_FEATURE);
    }
    if (c->jwks_url == NULL && strcmp(c->service_kind, "uattestd") == 0) {
        size_t need = strlen(c->service_url) + sizeof("/v1/jwks");
        c->jwks_url = malloc(need);
        if (c->jwks_url == NULL) {
            return usage("out of memory");
        }
        snprintf(c->jwks_url, need, "%s/v1/jwks", c->service_url);
    }
    if (c->retry_max_ms < c->retry_initial_ms) {
        return usage("config: retry.max_ms must be at least retry.initial_ms");
    }
    if (c->socket_path[0] != '/' || strlen(c->socket_path) >= 108) {
        return usage("the socket path must be absolute and shorter than 108 bytes");
    }
    return 0;
}

static int defaults(uat_agent_config *c)
{
    memset(c, 0, sizeof(*c));
    c->refresh_margin = 30;
    c->retry_attempts = 4;
    c->retry_initial_ms = 200;
    c->retry_max_ms = 5000;
    int rc = set_str(&c->socket_path, "/run/uattest/agent.sock");
    rc = rc == 0 ? set_str(&c->service_kind, "uattestd") : rc;
    rc = rc == 0 ? set_str(&c->state_dir, "/var/lib/uattest") : rc;
    return rc == 0 ? set_str(&c->root, "/") : rc;
}

int uat_agent_config_load(int argc, char **argv, uat_agent_config *c, int *done)
{
    enum { O_CONFIG = 1, O_SOCKET, O_GROUP, O_LISTEN, O_SERVICE, O_READY, O_VERSION, O_HELP };
    static const struct option opts[] = {
        {"config", required_argument, NULL, O_CONFIG},
        {"socket", required_argument, NULL, O_SOCKET},
        {"group", required_argument, NULL, O_GROUP},
        {"listen", required_argument, NULL, O_LISTEN},
        {"service", required_argument, NULL, O_SERVICE},
        {"ready-file", required_argument, NULL, O_READY},
        {"version", no_argument, NULL, O_VERSION},
        {"help", no_argument, NULL, O_HELP},
        {NULL, 0, NULL, 0},
    };
    *done = 0;
    int rc = defaults(c);
    /* the file first, whatever its place on the command line: flags win */
    for (int i = 1; rc == 0 && i + 1 < argc; i++) {
        if (strcmp(argv[i], "--config") == 0) {
            rc = load_file(argv[i + 1], c);
        }
    }
    int o;
    optind = 1;
    while (rc == 0 && (o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (o) {
        case O_CONFIG: break;
        case O_SOCKET: rc = set_str(&c->socket_path, optarg); break;
        case O_GROUP: rc = set_str(&c->socket_group, optarg); break;
        case O_LISTEN: rc = set_str(&c->tcp_listen, optarg); break;
        case O_SERVICE: rc = set_str(&c->service_url, optarg); break;
        case O_READY: rc = set_str(&c->ready_file, optarg); break;
        case O_VERSION:
            printf("%s %s\n", prog, uat_version());
            *done = 1;
            return 0;
        case 'h':
        case O_HELP:
            help();
            *done = 1;
            return 0;
        default: return usage("unknown option");
        }
    }
    if (rc == 0 && optind != argc) {
        rc = usage("unexpected argument");
    }
    return rc == 0 ? check(c) : rc;
}
