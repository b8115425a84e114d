#!/usr/bin/env python3
"""Helpers of the swtpm integration tests: take TPM evidence (a CMW JSON record from
`uattest collect`) apart for tpm2_checkquote, and make the tampered variants the tests feed to
both verifiers. Independent of uattest's code: its own CBOR codec (definite lengths, shortest
heads: the evidence encoding of docs/tpm.md) and its own TPMS_ATTEST walk (TPM 2.0 Part 2 §10.12).

  parts CMW OUTDIR              attest.bin signature.bin ak.tss (TPM2B_PUBLIC) ak_name.hex
                                pcrs.bin (tpm2-tools' serialized PCR format) selection.txt
  parts-inspect JSON CMW OUTDIR the same from `uattest inspect` (fields.raw: attest, signature,
                                ak_pub, pcrs in selection order), checked against CMW's own bytes
  set-pcr CMW OUT ALG IDX HEX   the evidence with PCR IDX of bank ALG (sha1|sha256) replaced
  flip CMW OUTDIR FIELD N       the evidence with byte N of FIELD (attest|signature) xor 0x01 as
                                OUTDIR/ev.json, and the flipped FIELD as OUTDIR/FIELD.bin
  flip-all CMW OUTDIR FIELD     one OUTDIR/<n>/ per byte of FIELD, as flip does; prints the count
"""
import base64
import hashlib
import json
import os
import struct
import sys

BANKS = {"sha1": 0x0004, "sha256": 0x000B, "sha384": 0x000C, "sha512": 0x000D}
HASH_LEN = {0x0004: 20, 0x000B: 32, 0x000C: 48, 0x000D: 64}


def cbor_decode(b, i=0):
    ib = b[i]
    major, ai = ib >> 5, ib & 31
    i += 1
    if ai < 24:
        arg = ai
    elif ai in (24, 25, 26, 27):
        n = 1 << (ai - 24)
        arg = int.from_bytes(b[i:i + n], "big")
        i += n
    else:
        raise ValueError("indefinite or reserved head")
    if major == 0:
        return arg, i
    if major == 2:
        return bytes(b[i:i + arg]), i + arg
    if major == 3:
        return b[i:i + arg].decode(), i + arg
    if major == 4:
        out = []
        for _ in range(arg):
            v, i = cbor_decode(b, i)
            out.append(v)
        return out, i
    if major == 5:
        out = {}
        for _ in range(arg):
            k, i = cbor_decode(b, i)
            v, i = cbor_decode(b, i)
            out[k] = v
        return out, i
    raise ValueError("major type %d" % major)


def head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    for ai, width in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * width):
            return bytes([major << 5 | ai]) + n.to_bytes(width, "big")
    raise ValueError(n)


def cbor_encode(v):
    if isinstance(v, bool) or v is None:
        raise ValueError(v)
    if isinstance(v, int):
        return head(0, v)
    if isinstance(v, bytes):
        return head(2, len(v)) + v
    if isinstance(v, str):
        e = v.encode()
        return head(3, len(e)) + e
    if isinstance(v, list):
        return head(4, len(v)) + b"".join(cbor_encode(x) for x in v)
    if isinstance(v, dict):
        return head(5, len(v)) + b"".join(cbor_encode(k) + cbor_encode(x) for k, x in v.items())
    raise ValueError(type(v))


def load_cmw(path):
    doc = json.load(open(path))  # ["media type", "base64url", indicator?]
    value = doc[1]
    raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    ev, end = cbor_decode(raw)
    assert end == len(raw), "trailing bytes after the evidence map"
    assert cbor_encode(ev) == raw, "the evidence is not in the canonical encoding"
    return doc, ev


def save_cmw(path, doc, ev):
    doc = list(doc)
    doc[1] = base64.urlsafe_b64encode(cbor_encode(ev)).rstrip(b"=").decode()
    with open(path, "w") as f:
        json.dump(doc, f)
        f.write("\n")


def quote_selection(attest):
    """[(alg, [pcr...])] of a TPMS_ATTEST quote (Part 2 §10.12.8, §10.12.4)."""
    i = 4 + 2  # magic, type
    for _ in range(2):  # qualifiedSigner, extraData: TPM2B
        (n,) = struct.unpack_from(">H", attest, i)
        i += 2 + n
    i += 8 + 4 + 4 + 1 + 8  # clockInfo (clock, resetCount, restartCount, safe), firmwareVersion
    (count,) = struct.unpack_from(">I", attest, i)
    i += 4
    sel = []
    for _ in range(count):
        alg, size = struct.unpack_from(">HB", attest, i)
        i += 3
        mask = int.from_bytes(attest[i:i + size], "little")
        i += size
        sel.append((alg, [p for p in range(8 * size) if mask >> p & 1]))
    return sel


def serialized_pcrs(sel, pcrs):
    """tpm2-tools' serialized PCR file (tpm2_quote -o): TPML_PCR_SELECTION as the C struct in host
    order, a UINT32 count of TPML_DIGESTs, each as the C struct (8 digests of TPM2B_DIGEST)."""
    out = struct.pack("<I", len(sel))
    for alg, idx in sel:
        mask = sum(1 << p for p in idx)
        out += struct.pack("<HB", alg, 3) + mask.to_bytes(4, "little") + b"\0"
    out += b"\0" * 8 * (16 - len(sel))
    digests = [pcrs[alg][p] for alg, idx in sel for p in idx]
    chunks = [digests[k:k + 8] for k in range(0, len(digests), 8)]
    out += struct.pack("<I", len(chunks))
    for c in chunks:
        out += struct.pack("<I", len(c))
        for d in c:
            out += struct.pack("<H", len(d)) + d + b"\0" * (64 - len(d))
        out += b"\0" * 66 * (8 - len(c))
    return out


def write_parts(ev, outdir, sel=None):
    os.makedirs(outdir, exist_ok=True)
    akpub = ev["ak_pub"]
    files = {
        "attest.bin": ev["attest"],
        "signature.bin": ev["signature"],
        "ak.tss": struct.pack(">H", len(akpub)) + akpub,
    }
    name_alg = struct.unpack_from(">H", akpub, 2)[0]
    h = {0x000B: hashlib.sha256, 0x000C: hashlib.sha384, 0x0004: hashlib.sha1}[name_alg]
    files["ak_name.hex"] = (struct.pack(">H", name_alg) + h(akpub).digest()).hex().encode()
    sel = sel if sel is not None else quote_selection(ev["attest"])
    files["pcrs.bin"] = serialized_pcrs(sel, ev.get("pcrs", {}))
    files["selection.txt"] = "+".join(
        "%s:%s" % ([k for k, a in BANKS.items() if a == alg][0], ",".join(map(str, idx)))
        for alg, idx in sel).encode()
    for name, data in files.items():
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(data)


def parts_from_inspect(inspect_path, cmw_path, outdir):
    raw = json.load(open(inspect_path))["fields"]["raw"]
    ev = {k: bytes.fromhex(raw[k]) for k in ("attest", "signature", "ak_pub")}
    values = bytes.fromhex(raw["pcrs"])
    ev["pcrs"] = {}
    for alg, idx in quote_selection(ev["attest"]):
        for p in idx:
            n = HASH_LEN[alg]
            ev["pcrs"].setdefault(alg, {})[p], values = values[:n], values[n:]
    assert values == b"", "inspect's raw.pcrs is longer than the quoted selection"
    own = load_cmw(cmw_path)[1]
    for k in ("attest", "signature", "ak_pub"):
        assert ev[k] == own[k], "inspect's raw.%s is not the evidence's" % k
    write_parts(ev, outdir)


def flip(doc, ev, outdir, field, n):
    os.makedirs(outdir, exist_ok=True)
    b = bytearray(ev[field])
    b[n] ^= 0x01
    mutated = dict(ev)
    mutated[field] = bytes(b)
    save_cmw(os.path.join(outdir, "ev.json"), doc, mutated)
    # the PCR values a verifier expects: the quoted selection of the untouched attest
    write_parts(mutated, outdir, quote_selection(ev["attest"]))


def main(argv):
    cmd = argv[1]
    if cmd == "parts":
        write_parts(load_cmw(argv[2])[1], argv[3])
    elif cmd == "parts-inspect":
        parts_from_inspect(argv[2], argv[3], argv[4])
    elif cmd == "set-pcr":
        doc, ev = load_cmw(argv[2])
        alg, idx = BANKS[argv[4]], int(argv[5])
        value = bytes.fromhex(argv[6])
        assert len(value) == HASH_LEN[alg] and idx in ev["pcrs"][alg]
        ev["pcrs"][alg][idx] = value
        save_cmw(argv[3], doc, ev)
        write_parts(ev, os.path.dirname(os.path.abspath(argv[3])))
    elif cmd == "flip":
        doc, ev = load_cmw(argv[2])
        flip(doc, ev, argv[3], argv[4], int(argv[5]))
    elif cmd == "flip-all":
        doc, ev = load_cmw(argv[2])
        for n in range(len(ev[argv[4]])):
            flip(doc, ev, os.path.join(argv[3], str(n)), argv[4], n)
        print(len(ev[argv[4]]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
