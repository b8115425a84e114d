#!/usr/bin/env bash
# Whole-process TPM quote verification (issue 5): N runs of `uattest verify` against N runs of
# tpm2_checkquote on the SAME swtpm quote, measured in the same run (rounds alternate), and the
# ratios of their CPU and wall times. Then bench_tpm's in-process figures for that
# quote. Both verifiers check the signature, the nonce and the PCR digest; uattest also builds
# its claims and pins the AK by its Name (reference values).
# usage: bench/tpm_process.sh BUILD_DIR [N]   (make bench runs it)
set -uo pipefail
BUILD=$(cd "${1:?usage: tpm_process.sh BUILD_DIR [N]}" && pwd)
N=${2:-200}
HERE=$(cd "$(dirname "$0")" && pwd)
UAT="$BUILD/uattest"
. "$HERE/../tests/integration/tpm_lib.sh"
tpm_setup

RD=6265616368000000000000000000000000000000000000000000000000000000
"$UAT" collect --tee tpm --root "$T/root" -O tcti="$TCTI" --report-data "$RD" -o "$T/ev.json" ||
    fail "uattest collect"
"$UAT" inspect "$T/ev.json" >"$T/inspect.json" || fail "uattest inspect"
python3 "$HERE/../tests/integration/tpm_tool.py" parts-inspect "$T/inspect.json" "$T/ev.json" \
    "$T/q" ||
    fail "evidence parts"
printf '{"id": "bench-ak", "tee": "tpm", "values": {"signer": ["%s"]}}\n' \
    "$(cat "$T/q/ak_name.hex")" >"$T/rv.json"
mkdir -p "$T/trust/tpm"

OURS=("$UAT" verify --trust "$T/trust" --reference-values "$T/rv.json" --report-data "$RD" --compact
    "$T/ev.json")
THEIRS=(tpm2_checkquote -u "$T/q/ak.tss" -m "$T/q/attest.bin" -s "$T/q/signature.bin"
    -f "$T/q/pcrs.bin" -g sha256 -q "$RD")
"${OURS[@]}" >/dev/null 2>&1 || fail "uattest verify rejects the quote"
"${THEIRS[@]}" >/dev/null 2>&1 || fail "tpm2_checkquote rejects the quote"

# Rounds alternate the two sides; wall time and the children's CPU time (user + system: what a
# loaded machine disturbs least) are summed per side.
python3 - "$N" "${#OURS[@]}" "${OURS[@]}" "${THEIRS[@]}" <<'PY' || fail "timing run"
import os, subprocess, sys, time
n, k = int(sys.argv[1]), int(sys.argv[2])
sides = {"uattest verify": sys.argv[3:3 + k], "tpm2_checkquote": sys.argv[3 + k:]}
rounds = 10
per = max(1, (n + rounds - 1) // rounds)
wall = dict.fromkeys(sides, 0.0)
cpu = dict.fromkeys(sides, 0.0)
for _ in range(rounds):
    for name, argv in sides.items():
        t0, c0 = time.perf_counter(), os.times()
        for _ in range(per):
            subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        c1 = os.times()
        wall[name] += time.perf_counter() - t0
        cpu[name] += (c1.children_user - c0.children_user) + \
            (c1.children_system - c0.children_system)
runs = rounds * per
o, t = "uattest verify", "tpm2_checkquote"
print("tpm-process  %d runs each | uattest verify %.2f ms CPU, %.2f ms wall | tpm2_checkquote "
      "%.2f ms CPU, %.2f ms wall | uattest = %.2fx tpm2_checkquote CPU, %.2fx wall (goal < 1)"
      % (runs, cpu[o] / runs * 1e3, wall[o] / runs * 1e3, cpu[t] / runs * 1e3,
         wall[t] / runs * 1e3, cpu[o] / cpu[t], wall[o] / wall[t]))
PY

python3 -c 'import base64, json, sys
d = json.load(open(sys.argv[1])); v = d[1]
open(sys.argv[2], "wb").write(base64.urlsafe_b64decode(v + "=" * (-len(v) % 4)))' \
    "$T/ev.json" "$T/ev.cbor" || fail "raw evidence"
if [ -x "$BUILD/bench_tpm" ]; then
    "$BUILD/bench_tpm" "${UAT_CORPUS_DIR:-$HERE/../../shared/corpus}" 2000 "$T/ev.cbor"
fi
