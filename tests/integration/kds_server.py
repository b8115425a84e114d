#!/usr/bin/env python3
"""A loopback AMD KDS look-alike: serves one VCEK (DER) under /vcek/v1/Milan/<hwid>?<SPLs> and the
Milan cert_chain (PEM) and, when given, a CRL under /vcek/v1/Milan/crl; 404 for anything else;
logs every request path.
usage: kds_server.py VCEK_DER CHAIN_PEM PORT_FILE LOG_FILE [CRL_DER]"""
import http.server
import os
import sys
import time
import urllib.parse

# seconds to wait after logging a request and before answering it (SERVER_DELAY), so that
# concurrent clients of a cache in front of this server overlap with its one upstream request
DELAY = float(os.environ.get("SERVER_DELAY", "0"))

vcek, chain, port_file, log_file = sys.argv[1:5]
crl = sys.argv[5] if len(sys.argv) > 5 else None


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        with open(log_file, "a") as log:
            log.write(self.path + "\n")
        time.sleep(DELAY)
        u = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(u.query)
        if u.path == "/vcek/v1/Milan/cert_chain":
            body = open(chain, "rb").read()
        elif u.path == "/vcek/v1/Milan/crl" and crl:
            body = open(crl, "rb").read()
        elif u.path.startswith("/vcek/v1/Milan/") and all(k in q for k in
                                                          ("blSPL", "teeSPL", "snpSPL", "ucodeSPL")):
            body = open(vcek, "rb").read()
        else:
            return self.send_error(404)
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
