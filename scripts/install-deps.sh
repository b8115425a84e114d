#!/usr/bin/env bash
# Install the Debian 12 packages uattest needs to build and test (DESIGN.md section 6).
# Idempotent: only missing packages are installed; `apt-get update` runs first when any is missing.
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config git ca-certificates
  clang-14 libclang-rt-14-dev
  libssl-dev openssl
  libcbor-dev libjansson-dev libcurl4-openssl-dev
  python3
  python3-jsonschema python3-cryptography
  libcmocka-dev
  libjose-dev jose liblua5.4-dev
  libmicrohttpd-dev libsqlite3-dev sqlite3 curl
  xxd
  libtss2-dev swtpm swtpm-tools tpm2-tools tpm2-openssl
  libxml2-dev libxmlsec1-dev libxmlsec1-openssl
  libpq-dev postgresql haproxy wrk
  chromium chromium-driver python3-selenium
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
