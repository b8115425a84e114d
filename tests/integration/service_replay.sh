#!/usr/bin/env bash
# Corpus evidence through uattestd, then `uattest audit replay` (docs/operations.md): each server
# runs with the test-only test_evaluation_time_insecure (the corpus' pinned time from its
# PROVENANCE.md; no nonce binding: recorded evidence cannot carry the service's nonce) and is sent
# real evidence of several TEEs (sgx s1, tdx t1, snp n1, itrustee k1, virtcca v2, nvidia-gpu g1 with
# its RIMs). Every audit record keeps the SHA-256 of each piece of collateral the verification
# used; replay at the record's time with the same trust and collateral reproduces each recorded
# status and each collateral digest; with one collateral file changed (another TCB info) the
# replay reports the difference (VERIFY_AUDIT).
set -euo pipefail
UATTESTD=${1:?usage: service_replay.sh uattestd uattest corpus}
UATTEST=${2:?}
C=${3:?}
# shellcheck source=service_lib.sh
. "$(dirname "$0")/service_lib.sh"

# one trust folder for every TEE (<dir>/<tee>/); collateral folders per sample (s1 and t1 have
# files of the same names)
T=$work/trust
mkdir -p "$T/intel" "$T/snp" "$T/itrustee" "$T/virtcca" "$T/nvidia-gpu" "$work/k-s1/intel" \
    "$work/k-t1/intel" "$work/k-g1/nvidia-gpu" "$work/k-n1/snp" "$work/k-none"
cp "$C"/intel-sgx-dcap/trust/* "$T/intel/"
# (intel-tdx/trust holds the same three files)
cp "$C"/amd-sev-snp/trust/* "$T/snp/"
cp "$C"/huawei-itrustee/trust/* "$T/itrustee/"
cp "$C"/arm-cca/virtcca-trust/* "$T/virtcca/"
cp "$C"/nvidia-gpu/trust/* "$T/nvidia-gpu/"
S1=$C/intel-sgx-dcap/s1-dcapqvl-sgx-v3-processor
T1=$C/intel-tdx/t1-dcapqvl-tdx-v4-uptodate
N1=$C/amd-sev-snp/n1-gosevguest-milan-vcek
find "$S1" -maxdepth 1 -type f ! -name quote.bin -exec cp {} "$work/k-s1/intel/" \;
find "$T1" -maxdepth 1 -type f ! -name quote.bin -exec cp {} "$work/k-t1/intel/" \;
find "$N1" -maxdepth 1 -type f ! -name report.bin -exec cp {} "$work/k-n1/snp/" \;
cp "$C/nvidia-gpu/rim/NV_GPU_DRIVER_GH100_550.90.07.xml" \
    "$C/nvidia-gpu/rim/NV_GPU_VBIOS_1010_0200_882_96009F0001.xml" "$work/k-g1/nvidia-gpu/"
"$PY" - "$C" "$work" <<'PY'
import base64, json, sys
C, W = sys.argv[1:]
g = C + "/nvidia-gpu/g1-nvtrust-hopper-sample"
dev = {"arch": "HOPPER", "uuid": "GPU-g1",
       "evidence": open(g + "/attestation_report.hex").read().strip(),
       "certificate": base64.b64encode(open(g + "/cert_chain.pem", "rb").read()).decode()}
json.dump({"device_evidence_list": [dev]}, open(W + "/g1.json", "w"))
v = json.load(open(C + "/arm-cca/v2-gta-virtcca-legacy/evidence.json"))
v["evidence"]["logs"] = [l for l in v["evidence"]["logs"] if l["log_type"] == "CCEL"]
json.dump(v, open(W + "/virtcca.json", "w"))
PY
cp "$S1/quote.bin" "$work/s1.bin"
cp "$T1/quote.bin" "$work/t1.bin"
cp "$N1/report.bin" "$work/n1.bin"
cp "$C/huawei-itrustee/k1-kunpengsecl-noas/report.bin" "$work/k1.bin"

ADMIN=$("$UATTESTD" --data-dir "$work/d" --init-admin 2>/dev/null)
AUTH=(-H "Authorization: Bearer $ADMIN")
# serve NAME TIME COLLATERAL: a server on the shared store, verifying at TIME
serve() {
    printf '{"data_dir":"%s","trust":"%s","collateral":"%s","test_evaluation_time_insecure":"%s"}' \
        "$work/d" "$T" "$3" "$2" >"$work/$1.json"
    start "$1" --config "$work/$1.json"
    grep -q "WARNING: test_evaluation_time_insecure" "$work/$1.log" || fail "$1: no warning logged"
}
# attest NAME FILE STATUS: FILE's bytes as the evidence (base64url), the status expected
attest() {
    local u
    u=$(url http "$1")
    challenge "c$RANDOM" "$u"
    printf '{"evidence":"%s","nonce":"%s"}' "$(b64u <"$2")" "$(cat "$work"/c*.nonce | tail -n 1)" \
        >"$work/att.json"
    rm -f "$work"/c*.nonce
    if [ "$3" = contraindicated ]; then # a refusal: no token, but an audit record
        expect "$(req POST "$u/v1/attest" --data-binary @"$work/att.json")" 403 VERIFY_POLICY \
            "attest $2"
        return
    fi
    expect "$(req POST "$u/v1/attest" --data-binary @"$work/att.json")" 200 "" "attest $2"
    [ "$(jget "$work/body" status)" = "$3" ] || fail "$2: status $(jget "$work/body" status)"
}

serve a 2025-07-01T00:00:00Z "$work/k-s1"
attest a "$work/s1.bin" warning
serve a2 2025-07-01T00:00:00Z "$work/k-t1"
attest a2 "$work/t1.bin" warning
serve b 2022-09-24T01:00:00Z "$work/k-n1"
attest b "$work/n1.bin" contraindicated # a debug guest: the default policy refuses it
serve c 2026-06-01T00:00:00Z "$work/k-none"
attest c "$work/k1.bin" warning
attest c "$work/virtcca.json" contraindicated # debug too
serve e 2026-02-01T00:00:00Z "$work/k-g1"
attest e "$work/g1.json" contraindicated # no debug claim: the default policy wants one
echo "ok - 6 corpus samples of 6 TEEs attested through uattestd at their pinned times (three refused by the default policy)"

expect "$(req GET "$(url http a)/v1/audit?after=0" "${AUTH[@]}")" 200 "" "audit export"
cp "$work/body" "$work/audit.json"
"$UATTEST" audit verify --file "$work/audit.json" >/dev/null || fail "audit chain"
"$PY" - "$work/audit.json" <<'PY' || fail "audit records"
import json, re, sys
recs = json.load(open(sys.argv[1]))["records"]
assert len(recs) == 6, len(recs)
want = {1: ("sgx", {"tcb_info", "qe_identity", "crl"}), 2: ("tdx", {"tcb_info", "qe_identity", "crl"}),
        3: ("snp", {"vcek", "ask", "ark"}), 4: ("itrustee", set()), 5: ("virtcca", set()),
        6: ("nvidia-gpu", {"rim_driver", "rim_vbios"})}
for r in recs:
    tee, kinds = want[r["id"]]
    assert r["tee"] == tee, r
    items = r.get("collateral", "").split(",") if r.get("collateral") else []
    got = {i.split(":")[0] for i in items}
    assert got == kinds, (r["id"], got)
    assert all(re.fullmatch(r"[a-z_]+:[0-9a-f]{64}", i) for i in items), items
    assert items == sorted(set(items)), items
print("ok - audit records: the TEE and the SHA-256 of every collateral item used (%s)" %
      ", ".join("%d: %d" % (r["id"], len(r.get("collateral", "").split(",")) if r.get("collateral") else 0)
                for r in recs))
PY

# replay: every recorded status and collateral reproduced
: >"$work/replay.txt"
for r in "k-s1 s1.bin" "k-t1 t1.bin" "k-n1 n1.bin" "k-none k1.bin virtcca.json" "k-g1 g1.json"; do
    set -- $r
    k=$1
    shift
    (cd "$work" && "$UATTEST" audit replay --file audit.json --trust "$T" --collateral "$k" "$@") \
        >>"$work/replay.txt" || fail "replay $*: $(cat "$work/replay.txt")"
done
"$PY" - "$work/replay.txt" <<'PY' || fail "replay: $(cat "$work/replay.txt")"
import json, sys
rows = [r for line in open(sys.argv[1]) for r in json.loads(line.split(": ", 1)[1])]
assert sorted(r["id"] for r in rows) == [1, 2, 3, 4, 5, 6], rows
for r in rows:
    assert r["replayed"] == r["recorded"] and r["collateral"] == "same", r
assert sorted(r["recorded"] for r in rows) == ["contraindicated"] * 3 + ["warning"] * 3, rows
PY
echo "ok - audit replay reproduces the 6 recorded statuses and collateral digests"

# an export whose record 1 names other collateral (one digest changed, the chain re-sealed as
# the service would have written it): the status replays the same, the collateral does not
"$PY" - "$work/audit.json" "$work/audit2.json" <<'PY'
import hashlib, json, sys
doc = json.load(open(sys.argv[1]))
prev = "0" * 64
for r in doc["records"]:
    if r["id"] == 1:
        items = r["collateral"].split(",")
        kind, digest = items[0].split(":")
        items[0] = kind + ":" + ("0" if digest[0] != "0" else "1") + digest[1:]
        r["collateral"] = ",".join(sorted(items))
    body = {k: v for k, v in r.items() if k not in ("prev_hash", "record_hash")}
    canon = json.dumps(body, sort_keys=True, separators=(",", ":"))
    r["prev_hash"] = prev
    r["record_hash"] = prev = hashlib.sha256((prev + canon).encode()).hexdigest()
json.dump(doc, open(sys.argv[2], "w"))
PY
"$UATTEST" audit verify --file "$work/audit2.json" >/dev/null || fail "re-sealed chain"
set +e
"$UATTEST" audit replay --file "$work/audit2.json" --trust "$T" --collateral "$work/k-s1" \
    "$work/s1.bin" >"$work/replay2.txt" 2>"$work/replay2.err"
code=$?
set -e
[ "$code" -eq 4 ] && grep -q 'VERIFY_AUDIT.*field 1' "$work/replay2.err" ||
    fail "other collateral: exit $code $(cat "$work/replay2.err")"
grep -q '"replayed":"warning"' "$work/replay2.txt" && grep -q '"collateral":"differs"' "$work/replay2.txt" &&
    grep -q '"recorded_collateral"' "$work/replay2.txt" || fail "other collateral: $(cat "$work/replay2.txt")"
echo "ok - a record naming other collateral replays to VERIFY_AUDIT with both lists shown"
