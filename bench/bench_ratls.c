/* RA-TLS handshake cost, as a ratio measured in the same run (issue #8): full TLS 1.3 handshakes
 * over a socketpair, client CPU time per handshake,
 *   plain = TLS 1.3 with the same certificate and key, the client accepting the decoded leaf
 *   ratls = the client verifying the RA-TLS certificate (sim evidence, trust anchors cached)
 * Target: ratls <= 1.25x plain. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "uattest/uattest.h"

#include "bench_util.h"

/* The plain client takes the leaf OpenSSL decoded and checks nothing more. */
static uat_err decode_leaf(void *user, const uat_cert *leaf)
{
    (void)user;
    return uat_cert_cn(leaf) != NULL ? UAT_OK : UAT_ERR_INTERNAL;
}

struct side {
    int fd;
    int ratls;
    uat_tls_ctx *tls;
    uat_ratls_tls *rt;
};

static void *serve(void *arg)
{
    struct side *s = arg;
    if (s->ratls) {
        uat_ratls_conn *c = NULL;
        check(uat_ratls_accept(s->rt, s->fd, &c), "ratls accept");
        uat_ratls_close(c);
    } else {
        uat_tls_conn *c = NULL;
        check(uat_tls_accept(s->tls, s->fd, NULL, &c), "tls accept");
        uat_tls_close(c);
    }
    return NULL;
}

/* One handshake; returns the client's CPU seconds. */
static double handshake(struct side *srv, struct side *cli)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
        exit(1);
    }
    srv->fd = sv[0];
    pthread_t t;
    pthread_create(&t, NULL, serve, srv);
    double t0 = cpu_s();
    if (cli->ratls) {
        uat_ratls_conn *c = NULL;
        check(uat_ratls_connect(cli->rt, sv[1], &c), "ratls connect");
        uat_ratls_close(c);
    } else {
        uat_tls_conn *c = NULL;
        check(uat_tls_connect(cli->tls, sv[1], NULL, &c), "tls connect");
        uat_tls_close(c);
    }
    double spent = cpu_s() - t0;
    pthread_join(t, NULL);
    close(sv[0]);
    close(sv[1]);
    return spent;
}

static double per_handshake(struct side *srv, struct side *cli, int n)
{
    double total = 0;
    handshake(srv, cli); /* warm: caches, first-use costs */
    for (int i = 0; i < n; i++) {
        total += handshake(srv, cli);
    }
    return total / n;
}

int main(int argc, char **argv)
{
    int n = argc > 1 && atoi(argv[1]) > 0 ? atoi(argv[1]) : 300; /* make bench passes the corpus path */
    char dir[] = "/tmp/uat-bench-ratls-XXXXXX", trust[64];
    if (mkdtemp(dir) == NULL) {
        return 1;
    }
    snprintf(trust, sizeof(trust), "%s/trust", dir);
    uat_attester *a = NULL;
    check(uat_attester_new("sim", NULL, &a), "attester");
    check(uat_attester_set_option(a, "state-dir", dir), "state");
    check(uat_attester_set_option(a, "measure", "bench"), "measure");
    uint8_t *der = NULL;
    size_t len = 0;
    char *key = NULL;
    check(uat_ratls_cert_new(a, UAT_RATLS_KEY_P256, NULL, 0, 0, 0, &der, &len, &key), "cert");
    uat_verifier *v = NULL;
    check(uat_verifier_new(&v), "verifier");
    check(uat_verifier_set_trust_dir(v, trust), "trust");
    uat_ratls_opts opts;
    memset(&opts, 0, sizeof(opts));
    opts.verifier = v;
    struct side psrv = {0, 0, NULL, NULL}, pcli = {0, 0, NULL, NULL};
    struct side rsrv = {0, 1, NULL, NULL}, rcli = {0, 1, NULL, NULL};
    uat_span cert = uat_span_of(der, len), kp = uat_span_of(key, strlen(key));
    check(uat_tls_ctx_new(1, cert, kp, NULL, NULL, 0, &psrv.tls), "plain server");
    check(uat_tls_ctx_new(0, uat_span_of(NULL, 0), uat_span_of(NULL, 0), decode_leaf, NULL, 0,
                          &pcli.tls),
          "plain client");
    check(uat_ratls_tls_server(der, len, key, NULL, &rsrv.rt), "ratls server");
    check(uat_ratls_tls_client(NULL, 0, NULL, &opts, &rcli.rt), "ratls client");
    double plain = 0, ratls = 0;
    for (int round = 0; round < 3; round++) { /* interleaved rounds: the same machine state */
        plain += per_handshake(&psrv, &pcli, n / 3);
        ratls += per_handshake(&rsrv, &rcli, n / 3);
    }
    printf("tls1.3 handshake client CPU  plain %7.1f us | ra-tls (sim evidence verified) %7.1f us "
           "= %.2fx plain\n",
           plain / 3 * 1e6, ratls / 3 * 1e6, ratls / plain);
    uat_tls_ctx_free(psrv.tls);
    uat_tls_ctx_free(pcli.tls);
    uat_ratls_tls_free(rsrv.rt);
    uat_ratls_tls_free(rcli.rt);
    uat_verifier_free(v);
    uat_attester_free(a);
    free(der);
    free(key);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : 1;
}
