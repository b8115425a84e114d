#!/usr/bin/env bash
# uattest collateral fetch (docs/operations.md): for corpus evidence of each vendor path with a
# loopback vendor look-alike (Intel PCS v4: pcs_server.py; AMD KDS: kds_server.py), the fetched
# collateral lands in a directory with a manifest (source URL, sha256, validity windows) that
# `uattest verify --collateral` reads back offline with the same outcome; the manifest's hashes
# match the files; a signed bundle of it keeps where each file came from; bad uses are named.
set -euo pipefail
U=${1:?usage: collateral_fetch.sh uattest corpus}
C=${2:?}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

wait_port() {
    for _ in $(seq 100); do [ -s "$1" ] && break; sleep 0.05; done
    [ -s "$1" ] || fail "server did not start ($1)"
    url="http://127.0.0.1:$(cat "$1")"
}

# the manifest lists every file with its sha256, a source URL under the server, a fetch time and
# (for all but binary-only formats) a validity window; nothing else is in the directory
check_manifest() { # dir base_url
    python3 - "$1" "$2" <<'PY'
import hashlib, json, os, sys
d, base = sys.argv[1], sys.argv[2]
m = json.load(open(os.path.join(d, "manifest.json")))
assert m["format"] == "uattest-collateral-bundle/1", m["format"]
files = {f["path"]: f for f in m["files"]}
on_disk = set()
for root, _, names in os.walk(d):
    for n in names:
        rel = os.path.relpath(os.path.join(root, n), d)
        if rel != "manifest.json":
            on_disk.add(rel)
assert on_disk == set(files), (on_disk, set(files))
for p, f in files.items():
    data = open(os.path.join(d, p), "rb").read()
    assert hashlib.sha256(data).hexdigest() == f["sha256"], p
    assert f["size"] == len(data), p
    assert f["source"].startswith(base + "/"), (p, f["source"])
    assert f["fetched"].endswith("Z"), p
    assert f["valid_from"] < f["valid_until"], p
print(len(files))
PY
}

# ---- Intel: s1 (SGX, processor CA) and t1 (TDX, platform CA) ----
for spec in "intel-sgx-dcap/s1-dcapqvl-sgx-v3-processor processor intel-sgx-dcap ConfigurationAndSWHardeningNeeded" \
            "intel-tdx/t1-dcapqvl-tdx-v4-uptodate platform intel-tdx UpToDate"; do
    read -r S CA FAM STATUS <<<"$spec"
    name=$(basename "$S" | cut -d- -f1)
    python3 "$here/pcs_server.py" "$C/$S" "$CA" "$work/$name.port" "$work/$name.log" &
    pids+=($!)
    wait_port "$work/$name.port"
    "$U" collateral fetch --trust "$C/$FAM/trust" --fetch "intel=$url" --at 2025-07-01T00:00:00Z \
        -o "$work/$name-coll" "$C/$S/quote.bin" >"$work/out" 2>&1 || fail "$name fetch: $(cat "$work/out")"
    grep -q 'evidence verified with them' "$work/out" || fail "$name verdict: $(cat "$work/out")"
    n=$(check_manifest "$work/$name-coll" "$url") || fail "$name manifest"
    ls "$work/$name-coll/intel/" | grep -q '^tcbinfo-.*\.json$' || fail "$name: no TCB info file"
    ls "$work/$name-coll/intel/" | grep -q 'identity\.json$' || fail "$name: no QE identity file"
    ls "$work/$name-coll/intel/" | grep -q '^rootcacrl\.crl$' || fail "$name: no root CA CRL"
    # offline: the same outcome from the directory alone, the server's log untouched
    : >"$work/$name.log"
    out=$("$U" verify --trust "$C/$FAM/trust" --collateral "$work/$name-coll" \
        --at 2025-07-01T00:00:00Z --compact "$C/$S/quote.bin") || fail "$name offline verify"
    grep -q "\"status\":\"$STATUS\"" <<<"$out" || fail "$name offline status: $out"
    [ ! -s "$work/$name.log" ] || fail "$name: the offline verify fetched"
    echo "ok - intel $name: $n files fetched with a manifest; offline verify gives $STATUS"
done

# a directory that exists is refused, and left alone
mkdir "$work/exists"; touch "$work/exists/keep"
set +e
"$U" collateral fetch --trust "$C/intel-sgx-dcap/trust" --fetch "intel=http://127.0.0.1:1" \
    -o "$work/exists" "$C/intel-sgx-dcap/s1-dcapqvl-sgx-v3-processor/quote.bin" >/dev/null 2>"$work/err"
code=$?
set -e
[ "$code" -eq 2 ] && grep -q 'exists' "$work/err" && [ -e "$work/exists/keep" ] \
    || fail "existing dir: $code $(cat "$work/err")"
echo "ok - an existing output directory is refused (USAGE) and left as it was"

# an unreachable source: the network error, and no directory (not even a temporary one)
set +e
"$U" collateral fetch --trust "$C/intel-sgx-dcap/trust" --fetch "intel=http://127.0.0.1:1" \
    -o "$work/none" "$C/intel-sgx-dcap/s1-dcapqvl-sgx-v3-processor/quote.bin" >/dev/null 2>"$work/err"
code=$?
set -e
[ "$code" -eq 6 ] && grep -q IO_NETWORK "$work/err" || fail "unreachable: $code $(cat "$work/err")"
[ -z "$(ls "$work" | grep '^none')" ] || fail "a directory was left behind: $(ls "$work")"
echo "ok - unreachable source: IO_NETWORK, nothing written"

# evidence whose TEE fetches nothing (sim): named, nothing written
"$U" collect --tee sim --state-dir "$work/sim" --report-data 00 -o "$work/sim.json"
set +e
UATTEST_TRUST_DIR="$work/sim/trust" "$U" collateral fetch --fetch "intel=http://127.0.0.1:1" \
    -o "$work/simcoll" "$work/sim.json" >/dev/null 2>"$work/err"
code=$?
set -e
[ "$code" -ne 0 ] && grep -q 'nothing was fetched' "$work/err" && [ ! -e "$work/simcoll" ] \
    || fail "sim: $code $(cat "$work/err")"
echo "ok - evidence that needs no collateral: 'nothing was fetched', nothing written"

# ---- AMD: n1 (Milan VCEK) from a KDS look-alike, with the ARK's CRL ----
N1="$C/amd-sev-snp/n1-gosevguest-milan-vcek"
mkdir -p "$work/snptrust"
cp "$C/amd-sev-snp/trust/"*.pem "$work/snptrust/"
python3 "$here/kds_server.py" "$N1/vcek.der" "$C/amd-sev-snp/trust/ask_ark_milan.pem" \
    "$work/kds.port" "$work/kds.log" &
pids+=($!)
wait_port "$work/kds.port"
"$U" collateral fetch --trust "$work/snptrust" --fetch "amd=$url" --at 2022-09-24T01:00:00Z \
    -o "$work/snp-coll" "$N1/report.bin" >"$work/out" 2>&1 || fail "n1 fetch: $(cat "$work/out")"
grep -q 'evidence verified with them' "$work/out" || fail "n1 verdict: $(cat "$work/out")"
n=$(check_manifest "$work/snp-coll" "$url") || fail "n1 manifest"
ls "$work/snp-coll/snp/" | grep -q '^vcek-Milan-.*\.der$' || fail "n1: no VCEK file"
ls "$work/snp-coll/snp/" | grep -q '^cert_chain-Milan\.pem$' || fail "n1: no chain file"
: >"$work/kds.log"
out=$("$U" verify --trust "$work/snptrust" --collateral "$work/snp-coll" --at 2022-09-24T01:00:00Z \
    --compact "$N1/report.bin") || fail "n1 offline verify"
grep -q '"tee":"snp"' <<<"$out" || fail "n1 offline: $out"
[ ! -s "$work/kds.log" ] || fail "n1: the offline verify fetched"
echo "ok - amd n1: $n files (VCEK, ASK/ARK chain) fetched with a manifest; offline verify passes"

# ---- the fetched directory as a signed bundle keeps each file's source ----
"$U" token jwks --keys "$work/op" >"$work/op.jwks"
"$U" collateral bundle sign "$work/s1-coll" --key "$work"/op/*.jwk >/dev/null
"$U" collateral bundle verify "$work/s1-coll" --jwks "$work/op.jwks" >/dev/null || fail "bundle verify"
python3 - "$work/s1-coll/manifest.json" <<'PY' || fail "signed manifest lost the sources"
import json, sys
m = json.load(open(sys.argv[1]))
assert all(f["source"].startswith("http://127.0.0.1:") for f in m["files"])
PY
out=$("$U" verify --trust "$C/intel-sgx-dcap/trust" --collateral "$work/s1-coll" \
    --bundle-jwks "$work/op.jwks" --at 2025-07-01T00:00:00Z --compact \
    "$C/intel-sgx-dcap/s1-dcapqvl-sgx-v3-processor/quote.bin") || fail "bundle verify of s1"
echo "ok - the fetched directory signed as a bundle keeps sources; verify with --bundle-jwks passes"
