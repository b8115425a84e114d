#!/usr/bin/env python3
"""A synthetic AMD chain with a CRL, for tests that need the ARK's CRL in use (no real one is in
the corpus, and none can be made for AMD's keys): ARK-Milan (RSA, self-signed) -> SEV-Milan (ASK)
-> SEV-VCEK (P-384, the AMD extensions of 57230 section 3 with the hwID and SPLs of the corpus
report n1), a CRL signed by the ARK, and n1's report signed again with the synthetic VCEK.

usage: snp_synth.py <n1 report.bin> <out dir>
writes: trust/ark.pem, coll/ask.pem, coll/vcek.der, coll/ark.crl, report.bin
valid: certificates 2024-01-01 .. 2034-01-01, CRL 2024-06-01 .. 2026-06-01 (tests use 2025-01-01)
"""
import datetime
import os
import struct
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

AMD = "1.3.6.1.4.1.3704.1."
NB = datetime.datetime(2024, 1, 1)
NA = datetime.datetime(2034, 1, 1)


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Advanced Micro Devices"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def cert(subject, key_pub, issuer, issuer_key, serial, ca, exts=()):
    b = (x509.CertificateBuilder().subject_name(name(subject)).issuer_name(name(issuer))
         .public_key(key_pub).serial_number(serial).not_valid_before(NB).not_valid_after(NA)
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    for oid, value in exts:
        b = b.add_extension(x509.UnrecognizedExtension(x509.ObjectIdentifier(oid), value), False)
    return b.sign(issuer_key, hashes.SHA384())


def der_int(v):
    return bytes([0x02, 1, v]) if v < 0x80 else bytes([0x02, 2, 0, v])


def main():
    report_path, out = sys.argv[1], sys.argv[2]
    rep = bytearray(open(report_path, "rb").read())
    assert len(rep) == 1184
    # spec: 56860 ATTESTATION_REPORT: REPORTED_TCB at 0x180 (Milan: bl, tee, reserved x4, snp,
    # ucode), CHIP_ID at 0x1A0
    tcb = struct.unpack_from("<Q", rep, 0x180)[0]
    bl, tee, snp, ucode = tcb & 0xFF, (tcb >> 8) & 0xFF, (tcb >> 48) & 0xFF, tcb >> 56
    chip_id = bytes(rep[0x1A0:0x1E0])

    ark_key = rsa.generate_private_key(65537, 2048)
    ask_key = rsa.generate_private_key(65537, 2048)
    vcek_key = ec.generate_private_key(ec.SECP384R1())
    ark = cert("ARK-Milan", ark_key.public_key(), "ARK-Milan", ark_key, 1, True)
    ask = cert("SEV-Milan", ask_key.public_key(), "ARK-Milan", ark_key, 2, True)
    exts = [(AMD + "1", der_int(0)), (AMD + "2", b"\x16\x08Milan-B0"),
            (AMD + "3.1", der_int(bl)), (AMD + "3.2", der_int(tee)), (AMD + "3.3", der_int(snp)),
            (AMD + "3.8", der_int(ucode)), (AMD + "4", chip_id)]
    vcek = cert("SEV-VCEK", vcek_key.public_key(), "SEV-Milan", ask_key, 3, False, exts)
    crl = (x509.CertificateRevocationListBuilder().issuer_name(name("ARK-Milan"))
           .last_update(datetime.datetime(2024, 6, 1)).next_update(datetime.datetime(2026, 6, 1))
           .add_extension(x509.CRLNumber(7), False).sign(ark_key, hashes.SHA384()))

    r, s = decode_dss_signature(vcek_key.sign(bytes(rep[:0x2A0]), ec.ECDSA(hashes.SHA384())))
    rep[0x2A0:0x2E8] = r.to_bytes(72, "little")
    rep[0x2E8:0x330] = s.to_bytes(72, "little")

    for d in ("trust", "coll"):
        os.makedirs(os.path.join(out, d), exist_ok=True)
    pem = serialization.Encoding.PEM
    der = serialization.Encoding.DER
    open(os.path.join(out, "trust", "ark.pem"), "wb").write(ark.public_bytes(pem))
    open(os.path.join(out, "coll", "ask.pem"), "wb").write(ask.public_bytes(pem))
    open(os.path.join(out, "coll", "vcek.der"), "wb").write(vcek.public_bytes(der))
    open(os.path.join(out, "coll", "ark.crl"), "wb").write(crl.public_bytes(der))
    open(os.path.join(out, "report.bin"), "wb").write(bytes(rep))


if __name__ == "__main__":
    main()
