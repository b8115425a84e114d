#!/usr/bin/env bash
# bench_channel with TPM <-> TPM in TLS mode (TPM-resident TLS keys through tpm2-openssl): two
# swtpm instances (tests/integration/tpm_lib.sh), each TPM's AK made by a first collect and
# pinned by the other side from the TPM itself; then bench_channel N TCTI_A TRUST_A TCTI_B
# TRUST_B, which measures sim <-> sim, bare mode and TPM <-> TPM in the same interleaved rounds.
# usage: bench/channel_tpm.sh BUILD_DIR [N]   (make bench runs it)
set -uo pipefail
BUILD=$(cd "${1:?usage: channel_tpm.sh BUILD_DIR [N]}" && pwd)
N=${2:-150}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../tests/integration/tpm_lib.sh"
tpm_setup 2
for i in 1 2; do
    "$BUILD/uattest" collect --tee tpm --root "${TPM_DIRS[i]}/root" -O tcti="${TPM_TCTIS[i]}" \
        --report-data 00 >/dev/null || fail "collect tpm $i (makes its AK)"
done
# the trust of side A pins B's AK, and the other way round
tpm_pin_ak "${TPM_DIRS[1]}/trust-of-b" "${TPM_TCTIS[1]}"
tpm_pin_ak "${TPM_DIRS[2]}/trust-of-a" "${TPM_TCTIS[2]}"
"$BUILD/bench_channel" "$N" "${TPM_TCTIS[1]}" "${TPM_DIRS[2]}/trust-of-a" \
    "${TPM_TCTIS[2]}" "${TPM_DIRS[1]}/trust-of-b" 2>&1 | grep -v '^\(ERROR\|WARNING\):tcti'
