#!/usr/bin/env bash
# Makes sure the PAM binding (authenticate-pam, an optional native dependency) loads, building it
# when it does not. Run by `npm test` (scripts/test.sh) right after provisioning.
#
# Why here: `npm install` builds the binding only when libpam0g-dev is already installed, and
# quietly leaves it out otherwise (it is optional, so a hub without PAM still installs). On a
# fresh machine the README's order is `npm install && npm start`, then `npm test`, and it is
# `npm test`'s provisioning that installs libpam0g-dev — after the install that skipped the
# binding. Provisioning acts on the machine (and only as root); the binding lives in this
# checkout and anyone may build it, so the test script does it, once the headers are there.
# When the binding loads (the usual case) this takes a tenth of a second.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { printf '[pam-binding] %s\n' "$*"; }

loads() { node -e 'require("authenticate-pam")' >/dev/null 2>&1; }

loads && exit 0
if [ ! -e /usr/include/security/pam_appl.h ]; then
  log 'ERROR: the PAM binding is missing and cannot be built: the PAM headers are missing.' >&2
  log 'Install them as root: bash scripts/provision/all.sh (or apt-get install libpam0g-dev).' >&2
  exit 1
fi
if [ -d node_modules/authenticate-pam ]; then
  # Installed but not built (or built for another Node.js): compile it again.
  log 'the PAM binding does not load; rebuilding it (npm rebuild authenticate-pam)'
  npm rebuild --no-audit --no-fund authenticate-pam
else
  # npm removed it after its build failed: installing from the lockfile adds it back and builds it.
  log 'the PAM binding was left out by npm install (libpam0g-dev was missing then); installing it (npm install)'
  npm install --no-audit --no-fund
fi
if ! loads; then
  log 'ERROR: the PAM binding still does not load:' >&2
  node -e 'require("authenticate-pam")' >&2 || true
  exit 1
fi
log 'the PAM binding is built and loads'
