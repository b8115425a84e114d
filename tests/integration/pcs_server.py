#!/usr/bin/env python3
"""A loopback Intel PCS v4 look-alike serving one corpus sample's collateral under the PCS paths,
with the issuer chains URL-encoded in the response headers as Intel serves them.
usage: pcs_server.py SAMPLE_DIR PCK_CA(processor|platform) PORT_FILE LOG_FILE"""
import http.server
import json
import os
import sys
import time
import urllib.parse

# seconds to wait after logging a request and before answering it (SERVER_DELAY), so that
# concurrent clients of a cache in front of this server overlap with its one upstream request
DELAY = float(os.environ.get("SERVER_DELAY", "0"))

sample, pck_ca, port_file, log_file = sys.argv[1:5]


def read(name):
    with open(os.path.join(sample, name), "rb") as f:
        return f.read()


def chain(name):
    return urllib.parse.quote(read(name).decode())


class Handler(http.server.BaseHTTPRequestHandler):
    def reply(self, body, headers=()):
        self.send_response(200)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(u.query)
        with open(log_file, "a") as log:
            log.write(self.path + "\n")
        time.sleep(DELAY)
        tcb = json.loads(read("tcb_info.json"))["tcbInfo"]
        kind = tcb.get("id", "SGX").lower()
        if u.path == "/sgx/certification/v4/rootcacrl":
            return self.reply(read("root_ca_crl.der").hex().encode())
        if u.path == "/sgx/certification/v4/pckcrl" and q.get("ca") == [pck_ca]:
            return self.reply(read("pck_crl.der"),
                              [("SGX-PCK-CRL-Issuer-Chain", chain("pck_crl_issuer_chain.pem"))])
        if u.path == f"/{kind}/certification/v4/tcb" and \
                q.get("fmspc", [""])[0].upper() == tcb["fmspc"].upper():
            return self.reply(read("tcb_info.json"),
                              [("TCB-Info-Issuer-Chain", chain("tcb_info_issuer_chain.pem"))])
        if u.path == f"/{kind}/certification/v4/qe/identity":
            return self.reply(read("qe_identity.json"),
                              [("SGX-Enclave-Identity-Issuer-Chain",
                                chain("qe_identity_issuer_chain.pem"))])
        self.send_error(404)

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
