#!/usr/bin/env bash
# CLI round trip with the sim TEE: collect | verify succeeds and prints the report_data; flipping any
# single byte of the signed report makes verify fail with a VERIFY-category error (exit code 4).
set -euo pipefail
UATTEST=${1:?usage: cli_sim.sh path/to/uattest}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

rd=$(printf '%02x' $(seq 1 64) | tr -d '\n')   # 64 distinct bytes: 0102...40
state="$work/state"

fail() { echo "FAIL: $*" >&2; exit 1; }

# 1. the round trip of the issue, through a pipe
out=$("$UATTEST" collect --tee sim --state-dir "$state" --report-data "$rd" -O measure=app-v1 -O svn=7 |
      "$UATTEST" verify --trust "$state/trust" --report-data "$rd" -)
grep -q "\"report_data\": \"$rd\"" <<<"$out" || fail "report_data not printed: $out"
grep -q '"tee": "sim"' <<<"$out" || fail "tee claim missing"
grep -q '"svn": 7' <<<"$out" || fail "svn claim missing"
echo "ok - collect | verify prints report_data"

# 2. CBOR CMW and raw evidence verify too; the trust directory is required
"$UATTEST" collect --tee sim --state-dir "$state" --report-data "$rd" --format cbor -o "$work/ev.cbor"
"$UATTEST" verify --trust "$state/trust" --report-data "$rd" "$work/ev.cbor" >/dev/null || fail "CBOR CMW"
set +e
"$UATTEST" verify --trust "$work/empty" "$work/ev.cbor" >/dev/null 2>"$work/err"; code=$?
set -e
[ "$code" -eq 2 ] && grep -q USAGE_NO_TRUST_ANCHOR "$work/err" || fail "missing trust dir: exit $code $(cat "$work/err")"
echo "ok - CBOR CMW verifies; no trust anchor is a named usage error"

# 2b. -o onto a FIFO (as onto /dev/null) writes into it: the atomic rename is for regular files only
mkfifo "$work/fifo"
cat "$work/fifo" >"$work/from-fifo" &
reader=$!
"$UATTEST" collect --tee sim --state-dir "$state" --report-data "$rd" -o "$work/fifo"
wait "$reader"
[ -p "$work/fifo" ] || fail "-o replaced the FIFO with a regular file"
"$UATTEST" verify --trust "$state/trust" --report-data "$rd" "$work/from-fifo" >/dev/null || fail "evidence read from the FIFO"
echo "ok - -o writes into a FIFO in place"

# 3. wrong binding
set +e
"$UATTEST" verify --trust "$state/trust" --report-data "ff$rd" "$work/ev.cbor" >/dev/null 2>&1; code=$?
"$UATTEST" verify --trust "$state/trust" --report-data "${rd%??}00" "$work/ev.cbor" >/dev/null 2>"$work/err"; code2=$?
set -e
[ "$code" -eq 2 ] || fail "65-byte report data must be a usage error, got $code"
[ "$code2" -eq 4 ] && grep -q VERIFY_BINDING "$work/err" || fail "wrong binding: exit $code2"
echo "ok - a different binding fails with VERIFY_BINDING"

# 4. flip every byte of the signed report (signature included)
"$UATTEST" collect --tee sim --state-dir "$state" --report-data "$rd" -o "$work/ev.json"
b64=$(sed -E 's/^\["[^"]+","([^"]+)".*$/\1/' "$work/ev.json")
pad=$(( (4 - ${#b64} % 4) % 4 ))
printf '%s%s' "$(tr '_-' '/+' <<<"$b64")" "$(head -c $pad /dev/zero | tr '\0' '=')" | base64 -d >"$work/report.bin"
size=$(stat -c %s "$work/report.bin")
[ "$size" -eq 272 ] || fail "sim report is $size bytes, expected 272"
mt=$(sed -E 's/^\["([^"]+)".*$/\1/' "$work/ev.json")
failures=0
for ((i = 0; i < size; i++)); do
    cp "$work/report.bin" "$work/flip.bin"
    orig=$(od -An -tu1 -j"$i" -N1 "$work/flip.bin" | tr -d ' ')
    printf "$(printf '\\x%02x' $(( orig ^ 0x5a )))" | dd of="$work/flip.bin" bs=1 seek="$i" conv=notrunc status=none
    enc=$(base64 -w0 "$work/flip.bin" | tr '+/' '-_' | tr -d '=')
    set +e
    printf '["%s","%s",4]' "$mt" "$enc" |
        "$UATTEST" verify --trust "$state/trust" --report-data "$rd" - >/dev/null 2>"$work/err"
    code=$?
    set -e
    if [ "$code" -ne 4 ] || ! grep -q '\[VERIFY_' "$work/err"; then
        echo "byte $i: exit $code: $(cat "$work/err")" >&2
        failures=$((failures + 1))
    fi
done
[ "$failures" -eq 0 ] || fail "$failures of $size flipped bytes were not rejected with a VERIFY error"
echo "ok - each of the $size bytes flipped is rejected with a VERIFY error"

# 5. inspect shows fields without a trust directory; --help everywhere; --version
"$UATTEST" inspect "$work/ev.json" | grep '"key_id"' >/dev/null || fail "inspect"
for c in collect verify inspect tees; do "$UATTEST" $c --help | grep usage >/dev/null || fail "$c --help"; done
"$UATTEST" --version | grep '^uattest ' >/dev/null || fail "--version"
echo "ok - inspect, --help, --version"
