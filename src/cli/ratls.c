/* uattest ratls: RA-TLS certificates (CCC interoperable format), their verification, and a TLS 1.3
 * echo server / client that show the peer's claims (docs/ratls.md). Public API only. */
#include <arpa/inet.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"

struct ratls_opts {
    const char *tee, *state, *trust, *collateral, *at, *cert_at, *out, *key_out, *message;
    const char *port_file, *listen, *policy, *refvals;
    const char *kv[16];
    size_t nkv;
    enum uat_ratls_key_kind key;
    int legacy;
    const char *endorse; /* collateral directory for the endorsements extension, or NULL */
};

static void ratls_help(void)
{
    printf("usage: %s ratls cert [--tee NAME] [-O KEY=VALUE]... [--key p256|p384|rsa] --out CERT\n"
           "                      --key-out KEY.pem [--endorse COLLATERAL_DIR [--trust DIR]]\n"
           "       %s ratls verify [--trust DIR] [--collateral DIR] [--at TIME] [--cert-at TIME]\n"
           "                      [--legacy] [--reference-values P --policy FILE] CERT\n"
           "       %s ratls server (--listen PORT | --port-file FILE) [--tee NAME] [--trust DIR]\n"
           "                      [--reference-values P [--policy FILE]]\n"
           "       %s ratls client HOST PORT --trust DIR [--tee NAME] [--message TEXT]\n"
           "cert: a key pair and a self-signed certificate carrying evidence of this machine's TEE\n"
           "(extension 2.23.133.5.4.9) bound to the key. verify: check a certificate (PEM or DER)\n"
           "and print the claims. server: serve one TLS 1.3 connection with a fresh RA-TLS\n"
           "certificate and echo; with --trust the client must present one (mutual RA-TLS).\n"
           "client: connect, verify the server's certificate, print its claims, send --message and\n"
           "expect it echoed; with --tee it presents its own RA-TLS certificate.\n"
           "--endorse DIR (cert, server) adds the endorsements extension (2.23.133.5.4.2): the\n"
           "collateral in DIR that verifies the evidence (with --trust), so peers need none.\n"
           "--state-dir DIR as for collect. --legacy accepts the legacy Gramine / rats-tls /\n"
           "Intel SGX SDK extensions. --reference-values P [--policy FILE] (verify, and for the\n"
           "peer in server/client) appraise the peer: a contraindicated peer is refused.\n",
           prog, prog, prog, prog);
}

static int parse(int argc, char **argv, struct ratls_opts *o)
{
    static const struct option opts[] = {
        {"tee", required_argument, NULL, 't'},        {"state-dir", required_argument, NULL, 's'},
        {"trust", required_argument, NULL, 'T'},      {"collateral", required_argument, NULL, 'C'},
        {"at", required_argument, NULL, 'a'},         {"cert-at", required_argument, NULL, 'A'},
        {"out", required_argument, NULL, 'o'},        {"key-out", required_argument, NULL, 'K'},
        {"message", required_argument, NULL, 'm'},    {"port-file", required_argument, NULL, 'p'},
        {"listen", required_argument, NULL, 'l'},     {"key", required_argument, NULL, 'k'},
        {"legacy", no_argument, NULL, 'L'},           {"opt", required_argument, NULL, 'O'},
        {"policy", required_argument, NULL, 'P'},     {"reference-values", required_argument, NULL, 'V'},
        {"endorse", required_argument, NULL, 'E'},    {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    o->key = UAT_RATLS_KEY_P256;
    while ((c = getopt_long(argc, argv, "O:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 't': o->tee = optarg; break;
        case 's': o->state = optarg; break;
        case 'T': o->trust = optarg; break;
        case 'C': o->collateral = optarg; break;
        case 'a': o->at = optarg; break;
        case 'A': o->cert_at = optarg; break;
        case 'o': o->out = optarg; break;
        case 'K': o->key_out = optarg; break;
        case 'm': o->message = optarg; break;
        case 'p': o->port_file = optarg; break;
        case 'l': o->listen = optarg; break;
        case 'L': o->legacy = 1; break;
        case 'E': o->endorse = optarg; break;
        case 'P': o->policy = optarg; break;
        case 'V': o->refvals = optarg; break;
        case 'k':
            o->key = strcmp(optarg, "p384") == 0 ? UAT_RATLS_KEY_P384
                     : strcmp(optarg, "rsa") == 0 ? UAT_RATLS_KEY_RSA3072
                     : strcmp(optarg, "p256") == 0 ? UAT_RATLS_KEY_P256 : 0;
            if (o->key == 0) {
                return usage_error("ratls", "--key is p256, p384 or rsa");
            }
            break;
        case 'O':
            if (o->nkv == sizeof(o->kv) / sizeof(o->kv[0])) {
                return usage_error("ratls", "too many -O");
            }
            o->kv[o->nkv++] = optarg;
            break;
        case 'h': ratls_help(); return -1;
        default: return usage_error("ratls", "unknown option");
        }
    }
    return 0;
}

/* A fresh RA-TLS certificate with evidence from this machine's TEE (or --tee). */
static int make_cert(const struct ratls_opts *o, uint8_t **der, size_t *n, char **key)
{
    uat_attester *a = NULL;
    uat_err e = uat_attester_new(o->tee, "/", &a);
    if (e != UAT_OK) {
        return fail("ratls cert", e);
    }
    int rc = attester_configure("ratls", a, o->state, o->kv, o->nkv);
    uat_verifier *endorser = NULL;
    if (rc == 0 && o->endorse != NULL) {
        /* the collateral is verified with the evidence before it goes into the certificate */
        e = cli_verifier_new(o->trust, o->endorse, &endorser);
        rc = e != UAT_OK ? fail("ratls cert", e) : 0;
    }
    if (rc == 0 && (e = uat_ratls_cert_new_endorsed(a, endorser, o->key, NULL, 0, 0, 0, der, n,
                                                    key)) != UAT_OK) {
        rc = fail("ratls cert", e);
    }
    uat_verifier_free(endorser);
    uat_attester_free(a);
    return rc;
}

/* Frees what make_cert made; the private key is wiped first. */
static void cert_free(uint8_t *der, char *key)
{
    free(der);
    if (key != NULL) {
        memset(key, 0, strlen(key));
    }
    free(key);
}

static int ratls_cert(const struct ratls_opts *o)
{
    if (o->out == NULL || o->key_out == NULL) {
        return usage_error("ratls", "cert needs --out and --key-out");
    }
    uint8_t *der = NULL;
    size_t n = 0;
    char *key = NULL;
    int rc = make_cert(o, &der, &n, &key);
    if (rc == 0 && (write_output(o->out, der, n) != 0 ||
                    write_output(o->key_out, key, strlen(key)) != 0 ||
                    (strcmp(o->key_out, "-") != 0 && chmod(o->key_out, 0600) != 0))) {
        rc = uat_err_exit_code(UAT_ERR_IO_WRITE);
    }
    cert_free(der, key);
    return rc;
}

static int set_time(const char *text, int64_t *out)
{
    return text == NULL || uat_time_from_rfc3339(text, out) == UAT_OK ? 0 : -1;
}

/* What checks a peer or a certificate: the verifier and, with --reference-values or --policy,
 * an appraisal (the default policy when only reference values are given). */
struct peer {
    uat_verifier *v;
    uat_refvals *rv;
    uat_policy *pol;
    uat_ratls_opts ro;
};

static void peer_free(struct peer *p)
{
    uat_policy_free(p->pol);
    uat_refvals_free(p->rv);
    uat_verifier_free(p->v);
}

static int peer_appraisal(const struct ratls_opts *o, struct peer *p)
{
    uat_err e = uat_refvals_new(&p->rv);
    e = e == UAT_OK && o->refvals ? uat_refvals_add_path(p->rv, o->refvals) : e;
    if (e != UAT_OK) {
        return fail("reference values", e);
    }
    int prc = cli_policy_load(o->policy, &p->pol);
    if (prc != 0) {
        return prc;
    }
    /* as in uattest verify and channel: the reference values also pin keys that have no vendor
     * chain (a TPM AK's Name as a signer, docs/tpm.md) */
    uat_verifier_set_reference_values(p->v, p->rv);
    p->ro.refvals = p->rv;
    p->ro.policy = p->pol;
    return 0;
}

static int peer_opts(const struct ratls_opts *o, struct peer *p)
{
    int64_t at = 0, cert_at = 0;
    memset(p, 0, sizeof(*p));
    if (set_time(o->at, &at) != 0 || set_time(o->cert_at, &cert_at) != 0) {
        return usage_error("ratls", "--at and --cert-at take RFC 3339 times");
    }
    uat_err e = cli_verifier_new(o->trust, o->collateral, &p->v);
    if (e == UAT_OK && o->at != NULL) {
        uat_verifier_set_time(p->v, at);
    }
    p->ro.verifier = p->v;
    p->ro.cert_time = o->cert_at ? cert_at : o->at ? at : 0;
    p->ro.legacy = o->legacy;
    if (e != UAT_OK) {
        return fail("ratls", e);
    }
    return o->policy != NULL || o->refvals != NULL ? peer_appraisal(o, p) : 0;
}

static int print_claims(const uat_claims *c)
{
    char *json = NULL;
    uat_err e = uat_claims_to_json(c, 1, &json);
    if (e != UAT_OK) {
        return fail("ratls", e);
    }
    printf("%s\n", json);
    free(json);
    return 0;
}

static int ratls_verify(const struct ratls_opts *o, const char *path)
{
    uint8_t *der = NULL;
    size_t n = 0;
    int rc = read_input(path, &der, &n);
    if (rc != 0) {
        return rc;
    }
    struct peer p;
    rc = peer_opts(o, &p);
    uat_claims *claims = NULL;
    if (rc == 0) {
        uat_err e = uat_ratls_verify_cert(der, n, &p.ro, &claims, NULL);
        rc = e == UAT_OK ? print_claims(claims) : fail("ratls verify", e);
    }
    uat_claims_free(claims);
    peer_free(&p);
    free(der);
    return rc;
}

static void set_timeouts(int fd)
{
    struct timeval tv = {20, 0};
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static void show_peer(const char *who, const uat_ratls_conn *c)
{
    const uat_claims *claims = uat_ratls_peer_claims(c);
    if (claims != NULL) {
        const char *m = uat_claims_get_string(claims, "measurement");
        printf("%s verified: tee=%s measurement=%s\n", who, uat_claims_tee(claims), m ? m : "-");
    }
    fflush(stdout);
}

/* Binds 127.0.0.1:PORT (0: a free port, written to port_file). */
static int listen_on(const struct ratls_opts *o)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons((uint16_t)(o->listen ? atoi(o->listen) : 0));
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 4) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
        perror("uattest ratls: listen");
        return -1;
    }
    char port[16];
    int n = snprintf(port, sizeof(port), "%u\n", (unsigned)ntohs(sa.sin_port));
    if (o->port_file != NULL && write_output(o->port_file, port, (size_t)n) != 0) {
        close(fd);
        return -1;
    }
    printf("listening on 127.0.0.1:%s", port);
    fflush(stdout);
    return fd;
}

static void echo(uat_ratls_conn *c)
{
    char buf[4096];
    size_t n = 0;
    while (uat_ratls_read(c, buf, sizeof(buf), &n) == UAT_OK && n > 0 &&
           uat_ratls_write(c, buf, n) == UAT_OK) {
    }
}

static int serve_one(int lfd, uat_ratls_tls *t)
{
    int fd = accept(lfd, NULL, NULL);
    if (fd < 0) {
        perror("uattest ratls: accept");
        return 1;
    }
    set_timeouts(fd);
    uat_ratls_conn *c = NULL;
    uat_err e = uat_ratls_accept(t, fd, &c);
    int rc = e == UAT_OK ? 0 : fail("ratls server handshake", e);
    if (e == UAT_OK) {
        printf("server: handshake ok\n");
        show_peer("client", c);
        echo(c);
        uat_ratls_close(c);
    }
    close(fd);
    return rc;
}

static int cmd_server(const struct ratls_opts *o)
{
    uint8_t *der = NULL;
    size_t n = 0;
    char *key = NULL;
    int rc = make_cert(o, &der, &n, &key);
    struct peer p;
    memset(&p, 0, sizeof(p));
    if (rc == 0 && o->trust != NULL) {
        rc = peer_opts(o, &p);
    }
    uat_ratls_tls *t = NULL;
    if (rc == 0) {
        uat_err e = uat_ratls_tls_server(der, n, key, p.v ? &p.ro : NULL, &t);
        rc = e == UAT_OK ? 0 : fail("ratls server", e);
    }
    if (rc == 0) {
        int lfd = listen_on(o);
        rc = lfd < 0 ? uat_err_exit_code(UAT_ERR_IO_NETWORK) : serve_one(lfd, t);
        if (lfd >= 0) {
            close(lfd);
        }
    }
    uat_ratls_tls_free(t);
    peer_free(&p);
    cert_free(der, key);
    return rc;
}

static int dial(const char *host, const char *port)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &res) != 0) {
        fprintf(stderr, "%s ratls: cannot resolve %s\n", prog, host);
        return -1;
    }
    int fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
    if (fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
        perror("uattest ratls: connect");
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd >= 0) {
        set_timeouts(fd);
    }
    return fd;
}

/* Sends the message and reads it back whole. */
static int exchange(uat_ratls_conn *c, const char *msg)
{
    size_t len = strlen(msg), got = 0;
    char buf[4096];
    uat_err e = uat_ratls_write(c, msg, len);
    int closed = 0;
    while (e == UAT_OK && !closed && got < len && got < sizeof(buf)) {
        size_t n = 0;
        e = uat_ratls_read(c, buf + got, sizeof(buf) - got, &n);
        closed = n == 0;
        got += n;
    }
    if (e != UAT_OK) {
        return fail("ratls client", e);
    }
    if (got != len || memcmp(buf, msg, len) != 0) {
        fprintf(stderr, "%s ratls: the echo differs\n", prog);
        return uat_err_exit_code(UAT_ERR_IO_NETWORK);
    }
    printf("client: echo ok\n");
    return 0;
}

static int talk(int fd, uat_ratls_tls *t, const char *msg)
{
    uat_ratls_conn *c = NULL;
    uat_err e = uat_ratls_connect(t, fd, &c);
    if (e != UAT_OK) {
        return fail("ratls client handshake", e);
    }
    printf("client: handshake ok\n");
    show_peer("server", c);
    int rc = msg != NULL ? exchange(c, msg) : 0;
    uat_ratls_close(c);
    return rc;
}

static int cmd_client(const struct ratls_opts *o, const char *host, const char *port)
{
    uint8_t *der = NULL;
    size_t n = 0;
    char *key = NULL;
    int rc = o->tee != NULL ? make_cert(o, &der, &n, &key) : 0;
    struct peer p;
    memset(&p, 0, sizeof(p));
    if (rc == 0) {
        rc = peer_opts(o, &p);
    }
    uat_ratls_tls *t = NULL;
    if (rc == 0) {
        uat_err e = uat_ratls_tls_client(der, n, key, &p.ro, &t);
        rc = e == UAT_OK ? 0 : fail("ratls client", e);
    }
    if (rc == 0) {
        int fd = dial(host, port);
        rc = fd < 0 ? uat_err_exit_code(UAT_ERR_IO_NETWORK) : talk(fd, t, o->message);
        if (fd >= 0) {
            close(fd);
        }
    }
    uat_ratls_tls_free(t);
    peer_free(&p);
    cert_free(der, key);
    return rc;
}

int cmd_ratls(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        ratls_help();
        return argc < 2 ? uat_err_exit_code(UAT_ERR_USAGE_INVALID_ARGUMENT) : 0;
    }
    const char *sub = argv[1];
    struct ratls_opts o;
    memset(&o, 0, sizeof(o));
    int rc = parse(argc - 1, argv + 1, &o);
    if (rc != 0) {
        return rc < 0 ? 0 : rc;
    }
    int rest = argc - 1 - optind; /* positional arguments after the options */
    char **pos = argv + 1 + optind;
    if (strcmp(sub, "cert") == 0 && rest == 0) {
        return ratls_cert(&o);
    }
    if (strcmp(sub, "verify") == 0 && rest == 1) {
        return ratls_verify(&o, pos[0]);
    }
    if (strcmp(sub, "server") == 0 && rest == 0) {
        return cmd_server(&o);
    }
    if (strcmp(sub, "client") == 0 && rest == 2) {
        return o.trust ? cmd_client(&o, pos[0], pos[1]) : usage_error("ratls", "client needs --trust");
    }
    return usage_error("ratls", "the subcommands are cert, verify, server and client");
}
