#!/usr/bin/env python3
"""A man in the middle for channel_bare.sh: listens on a free loopback port (written to PORTFILE),
takes one connection and opens one to the listener at PORT, then forwards the channel's framed
messages (type: 1 byte, length: 4 bytes big-endian, body) from the connecting side:
  record  forwards everything unchanged and saves the connecting side's evidence message;
  replay  substitutes the evidence message saved by an earlier `record` run;
  relay   splices two sessions: the listener gets an offer with another nonce (a session of the
          proxy's own), the connecting side the listener's offer, then evidence from one session
          goes into the other.
  quote   presents a real quote as fresh evidence: the connecting side's offer says it attests
          with mechanism MECH only, and its evidence message carries the quote in QUOTE_FILE
          (with the connecting side's own key): the quote's report data cannot match this run.
  tls     TLS mode: terminates TLS on both sides with a key of its own (CERT, KEY: a TLS server to
          the connecting side, a TLS client to the listener) and forwards the channel's messages
          between the two sessions unchanged: evidence made for one session goes into the other.
usage: channel_relay.py record|replay|relay PORT PORTFILE CAPTURE
       channel_relay.py quote PORT PORTFILE QUOTE_FILE MECH
       channel_relay.py tls PORT PORTFILE CERT KEY"""
import os
import socket
import ssl
import sys
import threading

EVIDENCE, OFFER = 2, 1


def read_exact(s, n):
    b = b""
    while len(b) < n:
        k = s.recv(n - len(b))
        if not k:
            return None
        b += k
    return b


def pipe(src, dst):
    try:
        while True:
            b = src.recv(65536)
            if not b:
                break
            dst.sendall(b)
    except OSError:
        pass
    for s in (dst,):
        try:
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    if n < 256:
        return bytes([major << 5 | 24, n])
    if n < 65536:
        return bytes([major << 5 | 25]) + n.to_bytes(2, "big")
    return bytes([major << 5 | 26]) + n.to_bytes(4, "big")


def quote_offer(body, mech):
    """[1, attest, verify, nonce] with attest = [mech]: the rest kept as it was."""
    i = 2  # 0x84 0x01
    n = body[i] & 0x1F
    i += 1
    for _ in range(n):  # short text strings (mechanism names are at most 32 bytes)
        ln = body[i] & 0x1F
        i += 1
        if ln == 24:
            ln = body[i]
            i += 1
        i += ln
    m = mech.encode()
    return body[:2] + head(4, 1) + head(3, len(m)) + m + body[i:]


def quote_evidence(body, quote, mech):
    """[mech, key, cmw, proof]: the key kept, the quote as the evidence, no proof."""
    key = body[body.index(b"\x58\x41\x04") + 2:][:65]
    m = mech.encode()
    return (head(4, 4) + head(3, len(m)) + m + head(2, 65) + key + head(2, len(quote)) + quote +
            head(2, 0))


def tls_relay(c, port, cert, key):
    """Two TLS 1.3 sessions, the proxy's key in both; bytes forwarded both ways."""
    sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    sctx.minimum_version = ssl.TLSVersion.TLSv1_3
    sctx.load_cert_chain(cert, key)
    cctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    cctx.minimum_version = ssl.TLSVersion.TLSv1_3
    cctx.check_hostname = False
    cctx.verify_mode = ssl.CERT_NONE
    cctx.load_cert_chain(cert, key)
    cs = sctx.wrap_socket(c, server_side=True)
    s = cctx.wrap_socket(socket.create_connection(("127.0.0.1", port)))
    t = threading.Thread(target=pipe, args=(s, cs), daemon=True)
    t.start()
    pipe(cs, s)
    t.join(timeout=30)
    cs.close()
    s.close()


def main():
    mode, port, portfile, capture = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(ls.getsockname()[1]))
    os.rename(portfile + ".tmp", portfile)
    c, _ = ls.accept()
    if mode == "tls":
        tls_relay(c, port, capture, sys.argv[5])
        return
    s = socket.create_connection(("127.0.0.1", port))
    t = threading.Thread(target=pipe, args=(s, c), daemon=True)
    t.start()
    while True:
        hdr = read_exact(c, 5)
        if hdr is None:
            break
        body = read_exact(c, int.from_bytes(hdr[1:5], "big"))
        if body is None:
            break
        if hdr[0] == OFFER and mode == "relay":
            body = body[:-32] + os.urandom(32)  # the proxy's own session with the listener
        if mode == "quote" and hdr[0] in (OFFER, EVIDENCE):
            with open(capture, "rb") as f:
                quote = f.read()
            body = (quote_offer(body, sys.argv[5]) if hdr[0] == OFFER
                    else quote_evidence(body, quote, sys.argv[5]))
            hdr = hdr[:1] + len(body).to_bytes(4, "big")
        if hdr[0] == EVIDENCE and mode == "record":
            with open(capture, "wb") as f:
                f.write(hdr + body)
        if hdr[0] == EVIDENCE and mode == "replay":
            with open(capture, "rb") as f:
                old = f.read()
            hdr, body = old[:5], old[5:]
        try:
            s.sendall(hdr + body)
        except OSError:
            break
    try:
        s.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    t.join(timeout=30)
    c.close()
    s.close()


main()
