#!/usr/bin/env bash
# docs/errors.md must show exactly what `uattest errors` prints (the table is generated from err.h).
set -euo pipefail
UATTEST=${1:?}; DOC=${2:?}
diff <("$UATTEST" errors) <(sed -n '/^```$/,/^```$/p' "$DOC" | sed '1d;$d') ||
    { echo "docs/errors.md is stale: regenerate it from 'uattest errors'" >&2; exit 1; }
echo "ok - docs/errors.md matches the error table"
