#!/usr/bin/env bash
# Schemathesis for the API fuzzing test (tests/api-fuzz.test.ts), in a virtual environment of its
# own outside the repository: /opt/hpchub-schemathesis/venv, built with Debian's /usr/bin/python3
# from schemathesis-requirements.txt (PyPI), root-owned and readable by all. Apart from the apps'
# venv (apps.sh) so that neither rebuild touches the other.
#
# Usage: schemathesis.sh [ensure|check]
#   ensure (default)  as root: build the venv when it is missing or not from the current
#                     requirements file. As any other user: same as check.
#   check             exit 1 with the command to run when it is not ready.
#
# A marker file, written last, holds the sha256 of the requirements file and the interpreter;
# when it matches, this returns at once. Delete the marker to force a rebuild.
set -euo pipefail
umask 022

readonly PREFIX=/opt/hpchub-schemathesis
readonly VENV=$PREFIX/venv
readonly MARKER=$VENV/.hpchub-installed
readonly DEBIAN_PYTHON=/usr/bin/python3
readonly LOCK=/run/lock/hpchub-provision.lock
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly HERE
readonly REQUIREMENTS=$HERE/schemathesis-requirements.txt

log() { printf '[schemathesis] %s\n' "$*"; }
die() {
  printf '[schemathesis] ERROR: %s\n' "$*" >&2
  exit 1
}

mode="${1:-ensure}"
case "$mode" in
ensure | check) ;;
*) die "usage: $0 [ensure|check]" ;;
esac

want() {
  printf 'requirements-sha256=%s\n' "$(sha256sum <"$REQUIREMENTS" | cut -d' ' -f1)"
  printf 'python=%s\n' "$(readlink -f "$DEBIAN_PYTHON")"
}

current() {
  [ -x "$VENV/bin/schemathesis" ] && [ -f "$MARKER" ] &&
    [ "$(head -n 2 "$MARKER")" = "$(want)" ]
}

if current; then
  log "ready: $VENV ($("$VENV/bin/schemathesis" --version 2>/dev/null | head -n 1))"
  exit 0
fi
if [ "$mode" = check ] || [ "$(id -u)" -ne 0 ]; then
  die "Schemathesis is not installed at $VENV — run as root: sudo bash $HERE/schemathesis.sh"
fi

if [ "${HPCHUB_PROVISION_LOCK_HELD:-}" != 1 ]; then
  mkdir -p "$(dirname "$LOCK")"
  exec 9>>"$LOCK"
  flock -w 900 9 || die "another provisioning run held $LOCK for 15 min"
  if current; then exit 0; fi
fi

[ -x "$DEBIAN_PYTHON" ] || die "$DEBIAN_PYTHON is missing"
"$DEBIAN_PYTHON" -c 'import venv, ensurepip' 2>/dev/null || die "$DEBIAN_PYTHON cannot make venvs (Debian package python3-venv)"
t0=$SECONDS
log "building $VENV from $(basename "$REQUIREMENTS")"
rm -rf -- "$VENV"
mkdir -p "$PREFIX"
"$DEBIAN_PYTHON" -m venv "$VENV" 9>&- || die "$DEBIAN_PYTHON -m venv $VENV failed"
"$VENV/bin/python" -m pip install --no-input --disable-pip-version-check --progress-bar off \
  --prefer-binary -r "$REQUIREMENTS" 9>&- </dev/null || die "pip install -r $REQUIREMENTS failed (see above)"
"$VENV/bin/schemathesis" --version >/dev/null 9>&- || die "$VENV/bin/schemathesis --version failed"
chown -R -h root:root "$PREFIX"
chmod -R u+rw,go-w,a+rX "$PREFIX"
tmp="$(mktemp "$MARKER.XXXXXX")"
{
  want
  printf '# Written by hpchub scripts/provision/schemathesis.sh on %s; below, pip freeze.\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  "$VENV/bin/python" -m pip freeze --disable-pip-version-check --all
} >"$tmp"
chmod 0644 "$tmp"
mv -f "$tmp" "$MARKER"
log "ready in $((SECONDS - t0)) s: $("$VENV/bin/schemathesis" --version | head -n 1)"
