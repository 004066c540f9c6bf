#!/usr/bin/env bash
# Provision the real components the test suite needs, before every `npm test` (scripts/test.sh)
# and in CI (.ci/run): Debian packages, PostgreSQL (postgres.sh), the single-node Slurm cluster
# (slurm.sh up), the OpenLDAP directory (ldap.sh), the test users (users.sh, when present), the
# apps (apps.sh), the Jupyter kernels besides Python (kernels.sh) and Schemathesis for the API
# fuzzing test (schemathesis.sh).
#
# As root: installs what is missing (one `apt-get update`, only if something is missing) and
# starts what is not running. As any other user: only checks, and if something is missing or
# not running, exits 1 saying what to run as root. When everything is present and running it
# takes about a second.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly HERE
# Debian packages the suite needs at run time (slurm-wlm pulls slurmctld, slurmd, slurm-client;
# listed explicitly anyway); shellcheck checks the generated job scripts in the tests; lmod is the
# nodes' module system (Lmod rather than Environment Modules: most large clusters, Euler among
# them, run Lmod, and its spider cache and hierarchies are what the hub's module listing must handle);
# systemd brings systemd-analyze, which checks the unit files in deploy/systemd (nothing is
# started with it: the machine need not boot with systemd); slapd and ldap-utils are the OpenLDAP
# directory of the LDAP login tests (ldap.sh runs an instance of its own); prometheus is the real
# Prometheus that scrapes /hub/metrics in the metrics test (which starts one of its own; the
# package's service is not used).
readonly PACKAGES=(libpam0g-dev postgresql munge slurm-wlm slurm-client shellcheck lmod systemd slapd ldap-utils prometheus)
readonly LOCK=/run/lock/hpchub-provision.lock

log() { printf '[provision] %s\n' "$*"; }
die() {
  printf '[provision] ERROR: %s\n' "$*" >&2
  exit 1
}

# Prints the packages from the list that are not fully installed.
missing_packages() {
  local installed
  # One dpkg-query for all; unknown packages are simply absent from its output.
  installed="$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' "${PACKAGES[@]}" 2>/dev/null |
    awk '$1 == "ii" { print $2 }' || true)"
  local p
  for p in "${PACKAGES[@]}"; do
    grep -qxF "$p" <<<"$installed" || printf '%s\n' "$p"
  done
}

start=$SECONDS
mapfile -t missing < <(missing_packages)

if [ "$(id -u)" -ne 0 ]; then
  problems=()
  if [ "${#missing[@]}" -gt 0 ]; then problems+=("Debian packages missing: ${missing[*]}"); fi
  if [ "${#missing[@]}" -eq 0 ]; then
    bash "$HERE/postgres.sh" check >/dev/null 2>&1 || problems+=('PostgreSQL not usable as hpchub_test@127.0.0.1:5432')
    bash "$HERE/slurm.sh" status >/dev/null 2>&1 || problems+=('Slurm not running or node not usable')
    bash "$HERE/ldap.sh" check >/dev/null 2>&1 || problems+=('the test LDAP directory does not answer')
  fi
  if [ "${#problems[@]}" -gt 0 ]; then
    printf '[provision] ERROR: %s\n' "${problems[@]}" >&2
    die "the test components are not ready, and installing/starting them needs root — run: sudo bash $HERE/all.sh"
  fi
  log "components present and running (checked as $(id -un); users.sh not run: needs root)"
  exit 0
fi

# Serialise with parallel runs (several `npm test` in one checkout). The lock is fd 9; commands
# that may leave a daemon behind run with 9>&- so that the daemon does not keep the lock.
mkdir -p "$(dirname "$LOCK")"
exec 9>>"$LOCK"
if ! flock -n 9; then
  log 'waiting for another provisioning run to finish...'
  flock -w 900 9 || die "another provisioning run held $LOCK for 15 min"
  mapfile -t missing < <(missing_packages)
fi
export HPCHUB_PROVISION_LOCK_HELD=1

if [ "${#missing[@]}" -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt_opts=(-q -y --no-install-recommends -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
  apt-get -q update 9>&- || die 'apt-get update failed (see above)'
  apt-get "${apt_opts[@]}" install "${missing[@]}" 9>&- </dev/null || die "apt-get install ${missing[*]} failed (see above)"
  mapfile -t still < <(missing_packages)
  [ "${#still[@]}" -eq 0 ] || die "still not installed after apt-get: ${still[*]}"
fi

bash "$HERE/postgres.sh"
bash "$HERE/slurm.sh" up
bash "$HERE/ldap.sh"
if [ -f "$HERE/users.sh" ]; then bash "$HERE/users.sh"; fi
bash "$HERE/apps.sh"
bash "$HERE/kernels.sh"
bash "$HERE/schemathesis.sh"
log "ready in $((SECONDS - start)) s"
