/* Attestation channel handshake time (issue #11), as a ratio measured in the same run: full runs
 * over a socketpair (server in a thread), wall-clock time per run as the client sees it,
 *   plain   = a mutual TLS 1.3 handshake (P-256 self-signed certificates both ways, each side
 *             accepting the decoded leaf), then close
 *   channel = uat_channel_connect / uat_channel_accept sim <-> sim: the same TLS 1.3 handshake,
 *             offers, evidence both ways (collect + verify each way), key confirmation
 *   bare    = the same in bare mode (no TLS: software ECDH P-256 keys bound into the evidence,
 *             HKDF-SHA-256, key confirmation both ways)
 * plus the breakdown of one sim evidence generation and one verification. Goal: <= 1.5x plain.
 * With two TPMs (bench/channel_tpm.sh: bench_channel N TCTI_A TRUST_A TCTI_B TRUST_B, each TRUST
 * pinning the other TPM's AK), also TPM <-> TPM in TLS mode with TPM-resident TLS keys, in the
 * same interleaved rounds, and its breakdown: a TLS 1.3 handshake whose server signs with the
 * TPM key (through tpm2-openssl) against a plain client, one quote + certification of the TLS
 * key (kx_prove: TPM2_Quote, TPM2_Certify), one verification of both (uat_verify + kx_verify). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "core/limits.h"
#include "evidence/registry.h"
#include "uattest/uattest.h"

#include "bench_util.h"

static uat_err any_leaf(void *user, const uat_cert *leaf)
{
    (void)user;
    return uat_cert_cn(leaf) != NULL ? UAT_OK : UAT_ERR_INTERNAL;
}

struct side {
    int fd;
    int channel;
    uat_tls_ctx *tls;
    uat_channel_cfg *cfg;
};

static void *serve(void *arg)
{
    struct side *s = arg;
    if (s->channel) {
        uat_channel *c = NULL;
        check(uat_channel_accept(s->cfg, s->fd, &c), "channel accept");
        uat_channel_close(c);
    } else {
        uat_tls_conn *c = NULL;
        check(uat_tls_accept(s->tls, s->fd, NULL, &c), "tls accept");
        uat_tls_close(c);
    }
    return NULL;
}

static double run(struct side *srv, struct side *cli)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
        exit(1);
    }
    srv->fd = sv[0];
    pthread_t t;
    double t0 = now_s();
    pthread_create(&t, NULL, serve, srv);
    if (cli->channel) {
        uat_channel *c = NULL;
        check(uat_channel_connect(cli->cfg, sv[1], &c), "channel connect");
        uat_channel_close(c);
    } else {
        uat_tls_conn *c = NULL;
        check(uat_tls_connect(cli->tls, sv[1], NULL, &c), "tls connect");
        uat_tls_close(c);
    }
    pthread_join(t, NULL);
    double spent = now_s() - t0;
    close(sv[0]);
    close(sv[1]);
    return spent;
}

static double per_run(struct side *srv, struct side *cli, int n)
{
    double total = 0;
    run(srv, cli); /* warm */
    for (int i = 0; i < n; i++) {
        total += run(srv, cli);
    }
    return total / n;
}

static void plain_ctx(int is_server, uat_tls_ctx **out)
{
    uat_key *k = NULL;
    uat_buf der, pem;
    uat_buf_init(&der, 16384);
    uat_buf_init(&pem, 16384);
    check(uat_key_generate(UAT_KEY_EC_P256, &k), "key");
    check(uat_x509_self_signed(k, "plain", uat_time_now() - 60, uat_time_now() + 3600, NULL, 0,
                               &der),
          "cert");
    check(uat_key_private_pem(k, &pem), "pem");
    check(uat_tls_ctx_new(is_server, uat_buf_span(&der), uat_buf_span(&pem), any_leaf, NULL, 1,
                          out),
          "plain ctx");
    uat_buf_free(&der);
    uat_buf_free(&pem);
    uat_key_free(k);
}

static uat_channel_cfg *channel_cfg(uat_attester *a, uat_verifier *v)
{
    uat_channel_cfg *c = NULL;
    check(uat_channel_cfg_new(&c), "cfg");
    check(uat_channel_cfg_add_attester(c, a), "attester");
    uat_channel_cfg_set_verifier(c, v);
    return c;
}

/* One sim evidence generation and one verification, averaged over n. */
static void breakdown(uat_attester *a, uat_verifier *v, int n, double *gen, double *ver)
{
    uint8_t rd[64] = {1};
    uat_cmw *cmw = NULL;
    uint8_t *bytes = NULL;
    size_t len = 0;
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        uat_cmw_free(cmw);
        check(uat_attester_collect(a, rd, &cmw), "collect");
    }
    *gen = (now_s() - t0) / n;
    check(uat_cmw_serialize(cmw, UAT_CMW_CBOR, &bytes, &len), "serialize");
    t0 = now_s();
    for (int i = 0; i < n; i++) {
        uat_claims *c = NULL;
        check(uat_verify(v, bytes, len, rd, &c), "verify");
        uat_claims_free(c);
    }
    *ver = (now_s() - t0) / n;
    free(bytes);
    uat_cmw_free(cmw);
}

static uat_attester *tpm_attester(const char *tcti)
{
    uat_attester *a = NULL;
    check(uat_attester_new("tpm", NULL, &a), "tpm attester");
    check(uat_attester_set_option(a, "tcti", tcti), "tcti");
    check(uat_attester_set_option(a, "event-log", "none"), "event-log");
    check(uat_attester_set_option(a, "ima-log", "none"), "ima-log");
    return a;
}

/* The TPM TLS key's parts, each averaged over n: a TLS handshake signed by the TPM key (server)
 * against a plain client, kx_prove (quote + certify), and their verification. */
static void tpm_breakdown(uat_attester *a, uat_verifier *v, uat_tls_ctx *plain_client, int n,
                          double *tls, double *gen, double *ver)
{
    void *kx = NULL;
    uint8_t pub[UAT_KX_POINT_LEN], rd[64] = {7};
    uat_key *k = NULL;
    uat_buf cert;
    uat_buf_init(&cert, 16384);
    check(uat_attester_kx_create(a, UAT_KX_SIGN, &kx, pub), "kx create");
    check(uat_attester_kx_signing_key(a, kx, &k), "signing key");
    check(uat_x509_self_signed(k, "bench", uat_time_now() - 60, uat_time_now() + 3600, NULL, 0,
                               &cert),
          "tpm cert");
    struct side srv = {0, 0, NULL, NULL}, cli = {0, 0, plain_client, NULL};
    check(uat_tls_ctx_new_key(1, uat_buf_span(&cert), k, any_leaf, NULL, 1, &srv.tls), "ctx");
    *tls = per_run(&srv, &cli, n);
    uat_cmw *cmw = NULL;
    uat_buf proof;
    uat_buf_init(&proof, UAT_MAX_EVIDENCE_BYTES);
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        uat_cmw_free(cmw);
        proof.len = 0;
        check(uat_attester_kx_prove(a, kx, rd, &cmw, &proof), "kx prove");
    }
    *gen = (now_s() - t0) / n;
    uint8_t *bytes = NULL;
    size_t len = 0;
    check(uat_cmw_serialize(cmw, UAT_CMW_CBOR, &bytes, &len), "serialize");
    t0 = now_s();
    for (int i = 0; i < n; i++) {
        uat_claims *c = NULL;
        check(uat_verify(v, bytes, len, rd, &c), "tpm verify");
        uat_claims_free(c);
        check(uat_verifier_kx_verify(v, "tpm", bytes, len, uat_buf_span(&proof), UAT_KX_SIGN, rd,
                                     pub),
              "kx verify");
    }
    *ver = (now_s() - t0) / n;
    free(bytes);
    uat_cmw_free(cmw);
    uat_buf_free(&proof);
    uat_tls_ctx_free(srv.tls);
    uat_buf_free(&cert);
    uat_key_free(k);
    uat_attester_kx_free(a, kx);
}

int main(int argc, char **argv)
{
    int n = argc > 1 && atoi(argv[1]) > 0 ? atoi(argv[1]) : 150; /* make bench passes the corpus path */
    char dir[] = "/tmp/uat-bench-channel-XXXXXX", trust[64];
    if (mkdtemp(dir) == NULL || n < 3) {
        return 1;
    }
    snprintf(trust, sizeof(trust), "%s/trust", dir);
    uat_attester *a = NULL;
    check(uat_attester_new("sim", NULL, &a), "attester");
    check(uat_attester_set_option(a, "state-dir", dir), "state");
    check(uat_attester_set_option(a, "measure", "bench"), "measure");
    uint8_t rd[64] = {0};
    uat_cmw *first = NULL;
    check(uat_attester_collect(a, rd, &first), "first collect"); /* creates the key and anchor */
    uat_cmw_free(first);
    uat_verifier *vc = NULL, *vs = NULL;
    check(uat_verifier_new(&vc), "verifier");
    check(uat_verifier_set_trust_dir(vc, trust), "trust");
    check(uat_verifier_new(&vs), "verifier");
    check(uat_verifier_set_trust_dir(vs, trust), "trust");
    /* one attester per side: both share the sim key of one state directory */
    uat_attester *b = NULL;
    check(uat_attester_new("sim", NULL, &b), "attester");
    check(uat_attester_set_option(b, "state-dir", dir), "state");
    check(uat_attester_set_option(b, "measure", "bench"), "measure");
    struct side psrv = {0, 0, NULL, NULL}, pcli = {0, 0, NULL, NULL};
    struct side csrv = {0, 1, NULL, channel_cfg(b, vs)}, ccli = {0, 1, NULL, channel_cfg(a, vc)};
    plain_ctx(1, &psrv.tls);
    plain_ctx(0, &pcli.tls);
    struct side bsrv = {0, 1, NULL, channel_cfg(b, vs)}, bcli = {0, 1, NULL, channel_cfg(a, vc)};
    check(uat_channel_cfg_set_mode(bsrv.cfg, UAT_CHANNEL_MODE_BARE), "bare");
    check(uat_channel_cfg_set_mode(bcli.cfg, UAT_CHANNEL_MODE_BARE), "bare");
    /* TPM <-> TPM in TLS mode (two swtpm), when given */
    int tpm = argc >= 6;
    uat_attester *ta = NULL, *tb = NULL;
    uat_verifier *va = NULL, *vb = NULL;
    struct side tsrv = {0, 1, NULL, NULL}, tcli = {0, 1, NULL, NULL};
    if (tpm) {
        ta = tpm_attester(argv[2]);
        tb = tpm_attester(argv[4]);
        check(uat_verifier_new(&va), "verifier");
        check(uat_verifier_set_trust_dir(va, argv[3]), "trust a");
        check(uat_verifier_new(&vb), "verifier");
        check(uat_verifier_set_trust_dir(vb, argv[5]), "trust b");
        tsrv.cfg = channel_cfg(ta, va);
        tcli.cfg = channel_cfg(tb, vb);
    }
    int tn = n / 10 > 3 ? n / 10 : 3; /* swtpm commands take milliseconds */
    double plain = 0, chan = 0, bare = 0, tchan = 0;
    for (int round = 0; round < 3; round++) { /* interleaved rounds: the same machine state */
        plain += per_run(&psrv, &pcli, n / 3);
        chan += per_run(&csrv, &ccli, n / 3);
        bare += per_run(&bsrv, &bcli, n / 3);
        tchan += tpm ? per_run(&tsrv, &tcli, tn / 3) : 0;
    }
    plain /= 3;
    chan /= 3;
    bare /= 3;
    tchan /= 3;
    double gen = 0, ver = 0;
    breakdown(a, vc, n, &gen, &ver);
    printf("mutual handshake wall time  plain TLS 1.3 %7.1f us | channel sim<->sim %7.1f us "
           "= %.2fx plain (goal <= 1.5x)\n",
           plain * 1e6, chan * 1e6, chan / plain);
    printf("bare mode sim<->sim %7.1f us = %.2fx plain TLS 1.3, %.2fx TLS mode\n", bare * 1e6,
           bare / plain, bare / chan);
    printf("breakdown per side: sim evidence generation %6.1f us, verification %6.1f us; "
           "TLS + messages + binding %6.1f us per run\n",
           gen * 1e6, ver * 1e6, (chan - 2 * (gen + ver)) * 1e6);
    if (tpm) {
        double ttls = 0, tgen = 0, tver = 0;
        tpm_breakdown(ta, vb, pcli.tls, tn, &ttls, &tgen, &tver);
        printf("TPM <-> TPM TLS mode (two swtpm, TPM-resident TLS keys) %8.1f us = %.1fx plain "
               "TLS 1.3, %.1fx sim<->sim\n",
               tchan * 1e6, tchan / plain, tchan / chan);
        printf("breakdown per side: TLS 1.3 handshake with the TPM key signing %8.1f us (%.1fx "
               "plain); quote + certify %8.1f us; their verification %6.1f us; the rest "
               "(messages, binding, the other TLS signature) %8.1f us per run\n",
               ttls * 1e6, ttls / plain, tgen * 1e6, tver * 1e6,
               (tchan - ttls - 2 * (tgen + tver)) * 1e6);
        uat_channel_cfg_free(tsrv.cfg);
        uat_channel_cfg_free(tcli.cfg);
        uat_verifier_free(va);
        uat_verifier_free(vb);
        uat_attester_free(ta);
        uat_attester_free(tb);
    }
    uat_channel_cfg_free(bsrv.cfg);
    uat_channel_cfg_free(bcli.cfg);
    uat_channel_cfg_free(csrv.cfg);
    uat_channel_cfg_free(ccli.cfg);
    uat_tls_ctx_free(psrv.tls);
    uat_tls_ctx_free(pcli.tls);
    uat_verifier_free(vc);
    uat_verifier_free(vs);
    uat_attester_free(a);
    uat_attester_free(b);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : 1;
}
