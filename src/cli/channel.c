/* uattest channel: the heterogeneous mutual attestation channel between two terminals
 * (docs/channel.md). listen serves one connection, connect dials one; both attest, verify and
 * appraise the peer, print the negotiated mechanisms and the peer's claims, then echo (--echo),
 * send one message and expect it back (--message), or copy stdin / stdout both ways (pipe mode,
 * like openssl s_client). Public API only. */
#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "cli/cli.h"

#define MAX_ATTEST 8

struct chan_opts {
    const char *state, *trust, *collateral, *at, *policy, *refvals, *listen, *port_file, *message;
    const char *root, *mode;
    const char *attest[MAX_ATTEST], *accept[16], *kv[16];
    size_t nattest, naccept, nkv;
    int echo, quiet;
};

struct endpoint {
    uat_channel_cfg *cfg;
    uat_attester *att[MAX_ATTEST];
    uat_verifier *v;
    uat_refvals *rv;
    uat_policy *pol;
};

static void channel_help(void)
{
    printf("usage: %s channel listen (--listen PORT | --port-file FILE) [options] [--echo]\n"
           "       %s channel connect HOST PORT [options] [--message TEXT]\n"
           "options: [--attest TEE]... [--accept TEE]... [--trust DIR] [--collateral DIR]\n"
           "         [--at TIME] [--reference-values P] [--policy FILE] [--state-dir DIR]\n"
           "         [--root DIR] [-O [TEE:]KEY=VALUE]... [--mode tls|bare] [--quiet]\n"
           "Both ends send an offer (the TEEs they attest with, in --attest order; the TEEs they\n"
           "accept, in --accept order, default every TEE this build verifies), attest with the\n"
           "selected mechanism inside TLS 1.3 (evidence bound to both nonces, both offers and the\n"
           "TLS session), verify the peer with --trust and appraise it with --reference-values /\n"
           "--policy. --mode bare (both ends) runs without TLS: ECDH keys bound into the evidence\n"
           "(made inside the TEE when it holds keys), AES-256-GCM records. Then: --echo (listen) echoes, --message sends TEXT and expects it back, and\n"
           "without either stdin goes to the peer and the peer's data to stdout.\n"
           "--attest defaults to the TEE detected under --root (default /). -O KEY=VALUE goes to\n"
           "every attester, -O TEE:KEY=VALUE to that TEE's attester only (e.g. -O tpm:tcti=...).\n",
           prog, prog);
}

static int add_to(const char **list, size_t *n, size_t cap, const char *v, const char *what)
{
    if (*n == cap) {
        return usage_error("channel", what);
    }
    list[(*n)++] = v;
    return 0;
}

static int parse(int argc, char **argv, struct chan_opts *o)
{
    static const struct option opts[] = {
        {"attest", required_argument, NULL, 'a'},     {"accept", required_argument, NULL, 'c'},
        {"trust", required_argument, NULL, 'T'},      {"collateral", required_argument, NULL, 'C'},
        {"at", required_argument, NULL, 't'},         {"policy", required_argument, NULL, 'P'},
        {"reference-values", required_argument, NULL, 'V'},
        {"state-dir", required_argument, NULL, 's'},  {"listen", required_argument, NULL, 'l'},
        {"port-file", required_argument, NULL, 'p'},  {"message", required_argument, NULL, 'm'},
        {"echo", no_argument, NULL, 'e'},             {"quiet", no_argument, NULL, 'q'},
        {"opt", required_argument, NULL, 'O'},        {"help", no_argument, NULL, 'h'},
        {"root", required_argument, NULL, 'r'},       {"mode", required_argument, NULL, 'M'},
        {NULL, 0, NULL, 0},
    };
    int c, rc = 0;
    while (rc == 0 && (c = getopt_long(argc, argv, "O:h", opts, NULL)) != -1) {
        switch (c) {
        case 'a': rc = add_to(o->attest, &o->nattest, MAX_ATTEST, optarg, "too many --attest"); break;
        case 'c': rc = add_to(o->accept, &o->naccept, 16, optarg, "too many --accept"); break;
        case 'O': rc = add_to(o->kv, &o->nkv, 16, optarg, "too many -O"); break;
        case 'T': o->trust = optarg; break;
        case 'C': o->collateral = optarg; break;
        case 't': o->at = optarg; break;
        case 'P': o->policy = optarg; break;
        case 'V': o->refvals = optarg; break;
        case 's': o->state = optarg; break;
        case 'r': o->root = optarg; break;
        case 'M': o->mode = optarg; break;
        case 'l': o->listen = optarg; break;
        case 'p': o->port_file = optarg; break;
        case 'm': o->message = optarg; break;
        case 'e': o->echo = 1; break;
        case 'q': o->quiet = 1; break;
        case 'h': channel_help(); return -1;
        default: return usage_error("channel", "unknown option");
        }
    }
    return rc;
}

static void endpoint_free(struct endpoint *e)
{
    uat_channel_cfg_free(e->cfg);
    for (size_t i = 0; i < MAX_ATTEST; i++) {
        uat_attester_free(e->att[i]);
    }
    uat_verifier_free(e->v);
    uat_refvals_free(e->rv);
    uat_policy_free(e->pol);
}

static int appraisal(const struct chan_opts *o, struct endpoint *ep)
{
    uat_err e = UAT_OK;
    if (o->refvals != NULL) {
        e = uat_refvals_new(&ep->rv);
        e = e == UAT_OK ? uat_refvals_add_path(ep->rv, o->refvals) : e;
        if (e != UAT_OK) {
            return fail("reference values", e);
        }
        uat_verifier_set_reference_values(ep->v, ep->rv); /* pins keys without a vendor chain */
    }
    if (o->policy != NULL || o->refvals != NULL) {
        int prc = cli_policy_load(o->policy, &ep->pol);
        if (prc != 0) {
            return prc;
        }
    }
    uat_channel_cfg_set_appraisal(ep->cfg, ep->rv, ep->pol);
    return 0;
}

/* Every "-O TEE:KEY=VALUE" must name a TEE this endpoint attests with: a misspelt prefix would
 * otherwise drop the option silently. */
static int check_prefixes(const struct chan_opts *o, const struct endpoint *ep, size_t n)
{
    for (size_t k = 0; k < o->nkv; k++) {
        char tee[64];
        int p = kv_tee_prefix(o->kv[k], tee, sizeof(tee));
        if (p < 0) {
            return usage_error("channel", "-O takes KEY=VALUE or TEE:KEY=VALUE");
        }
        int found = p == 0;
        for (size_t i = 0; i < n && !found; i++) {
            found = strcmp(uat_attester_tee(ep->att[i]), tee) == 0;
        }
        if (!found) {
            fprintf(stderr, "%s channel: -O %s names %s, which no --attest is\n", prog, o->kv[k],
                    tee);
            return uat_err_exit_code(UAT_ERR_USAGE_INVALID_ARGUMENT);
        }
    }
    return 0;
}

static int attesters(const struct chan_opts *o, struct endpoint *ep)
{
    size_t n = o->nattest > 0 ? o->nattest : 1;
    for (size_t i = 0; i < n; i++) {
        uat_err e = uat_attester_new(o->nattest > 0 ? o->attest[i] : NULL,
                                     o->root ? o->root : "/", &ep->att[i]);
        if (e != UAT_OK) {
            return fail("channel attester", e);
        }
    }
    int rc = check_prefixes(o, ep, n);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        rc = attester_configure_some("channel", ep->att[i], o->state, o->kv, o->nkv, 1);
        uat_err e = rc == 0 ? uat_channel_cfg_add_attester(ep->cfg, ep->att[i]) : UAT_OK;
        if (e != UAT_OK) {
            return fail("channel attester", e);
        }
    }
    return rc;
}

static int endpoint_new(const struct chan_opts *o, struct endpoint *ep)
{
    memset(ep, 0, sizeof(*ep));
    int64_t at = 0;
    if (o->at != NULL && uat_time_from_rfc3339(o->at, &at) != UAT_OK) {
        return usage_error("channel", "--at takes an RFC 3339 time");
    }
    int mode = UAT_CHANNEL_MODE_TLS;
    if (o->mode != NULL && strcmp(o->mode, "bare") == 0) {
        mode = UAT_CHANNEL_MODE_BARE;
    } else if (o->mode != NULL && strcmp(o->mode, "tls") != 0) {
        return usage_error("channel", "--mode takes tls or bare");
    }
    uat_err e = uat_channel_cfg_new(&ep->cfg);
    e = e == UAT_OK ? uat_channel_cfg_set_mode(ep->cfg, mode) : e;
    e = e == UAT_OK ? cli_verifier_new(o->trust, o->collateral, &ep->v) : e;
    for (size_t i = 0; e == UAT_OK && i < o->naccept; i++) {
        e = uat_channel_cfg_add_accept(ep->cfg, o->accept[i]);
    }
    if (e != UAT_OK) {
        return fail("channel", e);
    }
    if (o->at != NULL) {
        uat_verifier_set_time(ep->v, at);
    }
    uat_channel_cfg_set_verifier(ep->cfg, ep->v);
    int rc = attesters(o, ep);
    return rc != 0 ? rc : appraisal(o, ep);
}

static void show(const struct chan_opts *o, const uat_channel *ch)
{
    if (o->quiet) {
        return;
    }
    const uat_claims *c = uat_channel_peer_claims(ch);
    const char *m = uat_claims_get_string(c, "measurement");
    const uat_ear *ear = uat_channel_peer_ear(ch);
    fprintf(stderr, "channel: attested both ways; this side attested with %s, the peer with %s\n",
            uat_channel_own_mechanism(ch), uat_channel_peer_mechanism(ch));
    fprintf(stderr, "peer: tee=%s measurement=%s appraisal=%s\n", uat_claims_tee(c), m ? m : "-",
            ear ? uat_ear_status(ear) : "-");
    char *json = NULL;
    if (uat_claims_to_json(c, 1, &json) == UAT_OK) {
        fprintf(stderr, "peer claims: %s\n", json);
    }
    free(json);
}

static int echo(uat_channel *ch)
{
    char buf[4096];
    size_t n = 0;
    uat_err e;
    while ((e = uat_channel_read(ch, buf, sizeof(buf), &n)) == UAT_OK && n > 0 &&
           (e = uat_channel_write(ch, buf, n)) == UAT_OK) {
    }
    return e == UAT_OK ? 0 : fail("channel", e);
}

static int message(uat_channel *ch, const char *msg)
{
    size_t len = strlen(msg), got = 0;
    char buf[4096];
    uat_err e = uat_channel_write(ch, msg, len);
    size_t n = 1;
    while (e == UAT_OK && n > 0 && got < len && got < sizeof(buf)) {
        e = uat_channel_read(ch, buf + got, sizeof(buf) - got, &n);
        got += n;
    }
    if (e != UAT_OK) {
        return fail("channel", e);
    }
    if (got != len || memcmp(buf, msg, len) != 0) {
        fprintf(stderr, "%s channel: the echo differs\n", prog);
        return uat_err_exit_code(UAT_ERR_IO_NETWORK);
    }
    printf("%.*s\n", (int)got, buf);
    return 0;
}

/* Copies what stdin holds to the peer; at its end, ends this side's sending (close_notify). */
static int from_stdin(uat_channel *ch, int *in_open)
{
    char buf[4096];
    ssize_t n = read(0, buf, sizeof(buf));
    uat_err e;
    if (n <= 0) {
        *in_open = 0;
        e = uat_channel_shutdown_write(ch);
    } else {
        e = uat_channel_write(ch, buf, (size_t)n);
    }
    return e == UAT_OK ? 0 : fail("channel", e);
}

/* stdin -> peer, peer -> stdout, until the peer closes (like openssl s_client); at the end of
 * stdin this side ends its sending and keeps printing what the peer sends. */
static int pipe_mode(uat_channel *ch, int fd)
{
    char buf[4096];
    int in_open = 1;
    for (;;) {
        struct pollfd p[2] = {{in_open ? 0 : -1, POLLIN, 0}, {fd, POLLIN, 0}};
        if (uat_channel_pending(ch) == 0 && poll(p, 2, -1) < 0) {
            perror("uattest channel: poll");
            return uat_err_exit_code(UAT_ERR_IO_NETWORK);
        }
        /* stdin first: what was typed before the peer closed still goes out */
        if ((p[0].revents & (POLLIN | POLLHUP)) != 0) {
            int rc = from_stdin(ch, &in_open);
            if (rc != 0) {
                return rc;
            }
        }
        if (uat_channel_pending(ch) > 0 || (p[1].revents & (POLLIN | POLLHUP)) != 0) {
            size_t n = 0;
            uat_err e = uat_channel_read(ch, buf, sizeof(buf), &n);
            if (e != UAT_OK) {
                return fail("channel", e);
            }
            if (n == 0) {
                return 0;
            }
            if (fwrite(buf, 1, n, stdout) != n || fflush(stdout) != 0) {
                return uat_err_exit_code(UAT_ERR_IO_WRITE);
            }
        }
    }
}

static int after_handshake(const struct chan_opts *o, uat_channel *ch, int fd)
{
    show(o, ch);
    if (o->echo) {
        return echo(ch);
    }
    return o->message != NULL ? message(ch, o->message) : pipe_mode(ch, fd);
}

static int listen_fd(const struct chan_opts *o)
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
        perror("uattest channel: listen");
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    char port[16];
    int n = snprintf(port, sizeof(port), "%u\n", (unsigned)ntohs(sa.sin_port));
    if (o->port_file != NULL && write_output(o->port_file, port, (size_t)n) != 0) {
        close(fd);
        return -1;
    }
    if (!o->quiet) {
        fprintf(stderr, "listening on 127.0.0.1:%s", port);
    }
    return fd;
}

static int cmd_listen(const struct chan_opts *o, const struct endpoint *ep)
{
    int lfd = listen_fd(o);
    if (lfd < 0) {
        return uat_err_exit_code(UAT_ERR_IO_NETWORK);
    }
    int fd = accept(lfd, NULL, NULL);
    close(lfd);
    if (fd < 0) {
        perror("uattest channel: accept");
        return uat_err_exit_code(UAT_ERR_IO_NETWORK);
    }
    struct timeval tv = {60, 0};
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    uat_channel *ch = NULL;
    uat_err e = uat_channel_accept(ep->cfg, fd, &ch);
    int rc = e == UAT_OK ? after_handshake(o, ch, fd) : fail("channel listen", e);
    uat_channel_close(ch);
    close(fd);
    return rc;
}

static int cmd_connect(const struct chan_opts *o, const struct endpoint *ep, const char *host,
                       const char *port)
{
    uat_channel *ch = NULL;
    uat_err e = uat_channel_connect_host(ep->cfg, host, port, &ch);
    if (e != UAT_OK) {
        return fail("channel connect", e);
    }
    int rc = after_handshake(o, ch, uat_channel_fd(ch));
    uat_channel_close(ch);
    return rc;
}

int cmd_channel(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        channel_help();
        return argc < 2 ? uat_err_exit_code(UAT_ERR_USAGE_INVALID_ARGUMENT) : 0;
    }
    const char *sub = argv[1];
    struct chan_opts o;
    memset(&o, 0, sizeof(o));
    int rc = parse(argc - 1, argv + 1, &o);
    if (rc != 0) {
        return rc < 0 ? 0 : rc;
    }
    int rest = argc - 1 - optind;
    char **pos = argv + 1 + optind;
    int is_listen = strcmp(sub, "listen") == 0 && rest == 0;
    int is_connect = strcmp(sub, "connect") == 0 && rest == 2;
    if (!is_listen && !is_connect) {
        return usage_error("channel", "the subcommands are listen and connect HOST PORT");
    }
    struct endpoint ep;
    rc = endpoint_new(&o, &ep);
    if (rc == 0) {
        rc = is_listen ? cmd_listen(&o, &ep) : cmd_connect(&o, &ep, pos[0], pos[1]);
    }
    endpoint_free(&ep);
    return rc;
}
