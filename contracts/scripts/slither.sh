#!/usr/bin/env bash
# Static analysis of contracts/ with Slither, on a fresh Hardhat 3 build made in a scratch copy of
# the project (an incremental build keeps older build-info files, which Slither would analyse too).
# Slither reads Hardhat's build-info (AST included), so no solc binary is needed.
#
#   SLITHER=/path/to/slither contracts/scripts/slither.sh [extra slither arguments]
#
# Exits non-zero when Slither reports a finding at the levels checked (high, medium and low by
# default; informational and optimisation findings are left out). Accepted findings are marked in
# the sources with `slither-disable-next-line` and a reason; docs/contracts.md lists them. The
# `timestamp` detector is excluded: maturities, deadlines, licence periods and terms are times by
# nature (see docs/contracts.md, "Static analysis").
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SLITHER=${SLITHER:-slither}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

cp -r "$ROOT/contracts" "$ROOT/hardhat.config.js" "$ROOT/package.json" "$WORK/"
ln -s "$ROOT/node_modules" "$WORK/node_modules"
cd "$WORK"
npx hardhat build --force >/dev/null
"$SLITHER" . \
  --hardhat-ignore-compile \
  --hardhat-artifacts-directory artifacts \
  --filter-paths "node_modules|contracts/test" \
  --exclude-dependencies \
  --exclude-informational \
  --exclude-optimization \
  --exclude timestamp \
  --fail-low \
  "$@"
