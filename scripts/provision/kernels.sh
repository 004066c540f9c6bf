#!/usr/bin/env bash
# Jupyter kernels for the end-to-end tests, besides the Python kernel of the apps venv:
#   R     IRkernel from Debian (r-cran-irkernel): its package registers the kernelspec
#         /usr/share/jupyter/kernels/ir, which every JupyterLab on the machine finds.
#   Bash  bash_kernel from PyPI, in a venv of its own (/opt/hpchub-test/kernels, from
#         kernels-requirements.txt), with its kernelspec in /usr/local/share/jupyter/kernels/bash —
#         the way a site adds a kernel from another environment without touching JupyterLab's.
#   Users' own kernels: the tests make a test user's venv and `pip install ipykernel` into it
#         from a wheelhouse made here (/opt/hpchub-test/kernels/wheels), so that nothing is
#         downloaded while tests run.
# Julia is not installable from the registries we reach; docs/apps.md says how a site adds IJulia.
#
# Usage: kernels.sh [ensure|check]   (as apps.sh: ensure installs as root, check only checks)
# The venv's marker (.hpchub-installed) holds the sha256 of kernels-requirements.txt and the
# interpreter; it is written only after the kernels were listed by JupyterLab as a test user.
set -euo pipefail
umask 022

readonly PREFIX=/opt/hpchub-test
readonly KERNELS=$PREFIX/kernels
readonly JUPYTER=$PREFIX/venv/bin/jupyter
readonly SPEC_DIR=/usr/local/share/jupyter/kernels/bash
readonly WHEELS=$KERNELS/wheels
readonly MARKER=.hpchub-installed
readonly DEBIAN_PYTHON=/usr/bin/python3
readonly APT_PACKAGES=(r-cran-irkernel)
readonly LOCK=/run/lock/hpchub-provision.lock
TEST_USER="${HPCHUB_APPS_TEST_USER:-hpchub-alice}"
readonly TEST_USER
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly HERE
readonly REQUIREMENTS=$HERE/kernels-requirements.txt

log() { printf '[kernels] %s\n' "$*"; }
die() {
  printf '[kernels] ERROR: %s\n' "$*" >&2
  exit 1
}

mode="${1:-ensure}"
case "$mode" in
ensure | check) ;;
*) die "usage: $0 [ensure|check]" ;;
esac
[ -r "$REQUIREMENTS" ] || die "missing $REQUIREMENTS"

want() {
  printf 'requirements-sha256=%s\n' "$(sha256sum <"$REQUIREMENTS" | cut -d' ' -f1)"
  printf 'python=%s\n' "$(readlink -f "$DEBIAN_PYTHON")"
}

current() {
  [ -f "$KERNELS/$MARKER" ] && [ "$(head -n 2 "$KERNELS/$MARKER")" = "$(want)" ] &&
    [ -x "$KERNELS/bin/python" ] && [ -f "$SPEC_DIR/kernel.json" ] && compgen -G "$WHEELS/ipykernel-*.whl" >/dev/null &&
    grep -qF "\"$KERNELS/bin/python\"" "$SPEC_DIR/kernel.json"
}

problems() {
  local p
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' || echo "Debian package missing: $p"
  done
  [ -f /usr/share/jupyter/kernels/ir/kernel.json ] || echo 'the IRkernel kernelspec /usr/share/jupyter/kernels/ir is missing'
  current || echo "the Bash kernel ($KERNELS, $SPEC_DIR) is missing or not built from the current $(basename "$REQUIREMENTS")"
}

mapfile -t todo < <(problems)
if [ "${#todo[@]}" -eq 0 ]; then
  log "ready: R (IRkernel), Bash ($KERNELS)"
  exit 0
fi
if [ "$mode" = check ] || [ "$(id -u)" -ne 0 ]; then
  printf '[kernels] ERROR: %s\n' "${todo[@]}" >&2
  die "the kernels are not ready — run as root: sudo bash $HERE/kernels.sh"
fi
[ -x "$JUPYTER" ] || die "$JUPYTER is missing: run scripts/provision/apps.sh first"

if [ "${HPCHUB_PROVISION_LOCK_HELD:-}" != 1 ]; then
  mkdir -p "$(dirname "$LOCK")"
  exec 9>>"$LOCK"
  if ! flock -n 9; then
    log 'waiting for another provisioning run to finish...'
    flock -w 1800 9 || die "another provisioning run held $LOCK for 30 min"
  fi
  export HPCHUB_PROVISION_LOCK_HELD=1
fi

start=$SECONDS
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing Debian packages: ${missing[*]} (R and its packages: about a minute)"
  export DEBIAN_FRONTEND=noninteractive
  apt_opts=(-q -y --no-install-recommends -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
  if ! apt-get "${apt_opts[@]}" install "${missing[@]}" 9>&- </dev/null; then
    log 'apt-get install failed; updating the package lists and retrying'
    apt-get -q update 9>&- || die 'apt-get update failed (see above)'
    apt-get "${apt_opts[@]}" install "${missing[@]}" 9>&- </dev/null || die "apt-get install ${missing[*]} failed (see above)"
  fi
fi

if ! current; then
  log "building $KERNELS with $DEBIAN_PYTHON from $(basename "$REQUIREMENTS")"
  rm -rf -- "$KERNELS"
  "$DEBIAN_PYTHON" -m venv "$KERNELS" || die "$DEBIAN_PYTHON -m venv $KERNELS failed"
  "$KERNELS/bin/python" -m pip install --no-input --disable-pip-version-check --progress-bar off \
    --prefer-binary -r "$REQUIREMENTS" 9>&- </dev/null || die "pip install -r $REQUIREMENTS failed (see above)"
  # The kernelspec names this venv's interpreter; /usr/local/share/jupyter is on every Jupyter's path.
  "$KERNELS/bin/python" -m bash_kernel.install --prefix /usr/local 9>&- </dev/null ||
    die 'python -m bash_kernel.install --prefix /usr/local failed'
  grep -qF "\"$KERNELS/bin/python\"" "$SPEC_DIR/kernel.json" ||
    die "$SPEC_DIR/kernel.json does not run $KERNELS/bin/python"
  "$KERNELS/bin/python" -m pip download --no-input --disable-pip-version-check --progress-bar off \
    --only-binary=:all: --dest "$WHEELS" ipykernel 9>&- </dev/null || die "pip download ipykernel failed (see above)"
  chown -R -h root:root "$KERNELS" "$SPEC_DIR"
  chmod -R u+rw,go-w,a+rX "$KERNELS" "$SPEC_DIR"
fi

# JupyterLab, run as a test user with a clean environment, lists both kernels.
home="$(getent passwd "$TEST_USER" | cut -d: -f6)"
[ -n "$home" ] || die "test user $TEST_USER does not exist (run scripts/provision/users.sh)"
specs="$(cd / && runuser -u "$TEST_USER" -- env -i HOME="$home" PATH=/usr/bin:/bin LANG=C.UTF-8 \
  "$JUPYTER" kernelspec list --json 9>&- </dev/null)" || die "jupyter kernelspec list failed as $TEST_USER"
for k in ir bash; do
  grep -q "\"$k\": {" <<<"$specs" || die "JupyterLab does not list the $k kernel as $TEST_USER"
done
(cd / && runuser -u "$TEST_USER" -- env -i HOME="$home" PATH=/usr/bin:/bin "$KERNELS/bin/python" -c 'import bash_kernel' 9>&- </dev/null) ||
  die "bash_kernel does not import as $TEST_USER"

tmp="$(mktemp "$KERNELS/$MARKER.XXXXXX")"
{
  want
  printf '# Written by hpchub scripts/provision/kernels.sh on %s after JupyterLab listed the kernels as %s.\n' \
    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$TEST_USER"
  "$KERNELS/bin/python" -m pip freeze --disable-pip-version-check --all
} >"$tmp"
chmod 0644 "$tmp"
mv -f "$tmp" "$KERNELS/$MARKER"
log "ready in $((SECONDS - start)) s: R (IRkernel), Bash ($KERNELS)"
