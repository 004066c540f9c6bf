#!/usr/bin/env bash
# `npm test`: provision the real components the suite needs (reused when present), build, run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/provision/all.sh
npm run -s build
exec node scripts/run-tests.mjs "$@"
