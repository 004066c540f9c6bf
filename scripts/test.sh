#!/usr/bin/env bash
# `npm test`: provision the real components the suite needs (reused when present), build the PAM
# binding if `npm install` ran before provisioning installed its headers, build, run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/provision/all.sh
bash scripts/pam-binding.sh
npm run -s build
exec node scripts/run-tests.mjs "$@"
