#!/usr/bin/env bash
# Make sure a real PostgreSQL (Debian's cluster "main") runs on 127.0.0.1:5432 with the test role
# the suite uses: hpchub_test / hpchub_test, LOGIN and CREATEDB. Tests create and drop their own
# databases hpchub_test_* and read the URL from HPCHUB_TEST_PG_URL, default
#   postgres://hpchub_test:hpchub_test@127.0.0.1:5432/postgres
#
# Usage: postgres.sh [ensure|check]
#   ensure (default)  as root: start the cluster and create/repair the role if needed;
#                     as any other user: same as check.
#   check             only test that the role can log in over TCP; exit 1 with instructions if not.
# Idempotent: when the role already logs in, it returns after one psql round trip.
# Needs the Debian package postgresql (scripts/provision/all.sh installs it).
set -euo pipefail

readonly PG_HOST=127.0.0.1
readonly PG_PORT=5432
readonly PG_ROLE=hpchub_test
readonly PG_PASSWORD=hpchub_test
readonly CLUSTER=main
SELF="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
readonly SELF

log() { printf '[postgres] %s\n' "$*"; }
die() {
  printf '[postgres] ERROR: %s\n' "$*" >&2
  exit 1
}

# True when the test role logs in over TCP and may create databases.
role_usable() {
  local out
  out="$(PGPASSWORD="$PG_PASSWORD" PGCONNECT_TIMEOUT=3 psql -X -q -A -t -h "$PG_HOST" -p "$PG_PORT" \
    -U "$PG_ROLE" -d postgres -c 'select rolcreatedb from pg_roles where rolname = current_user' \
    2>/dev/null)" || return 1
  [ "$out" = t ]
}

mode="${1:-ensure}"
case "$mode" in
ensure | check) ;;
*) die "usage: $0 [ensure|check]" ;;
esac

if ! command -v psql >/dev/null || ! command -v pg_lsclusters >/dev/null; then
  die "PostgreSQL is not installed — run as root: sudo bash $(dirname "$SELF")/all.sh"
fi

if role_usable; then
  log "ready: postgres://$PG_ROLE:***@$PG_HOST:$PG_PORT/postgres"
  exit 0
fi

if [ "$mode" = check ] || [ "$(id -u)" -ne 0 ]; then
  die "PostgreSQL is not usable as $PG_ROLE@$PG_HOST:$PG_PORT — run as root: sudo bash $SELF"
fi

# Serialise with other provisioning runs (parallel `npm test` in one checkout). The lock is fd 9;
# everything that may leave a daemon behind runs with 9>&- so that the daemon does not hold it.
if [ "${HPCHUB_PROVISION_LOCK_HELD:-}" != 1 ]; then
  mkdir -p /run/lock
  exec 9>>/run/lock/hpchub-provision.lock
  flock -n 9 || {
    log 'waiting for another provisioning run to finish...'
    flock -w 600 9 || die 'another provisioning run held /run/lock/hpchub-provision.lock for 10 min'
  }
  export HPCHUB_PROVISION_LOCK_HELD=1
  if role_usable; then
    log 'ready (provisioned by a parallel run)'
    exit 0
  fi
fi

# Debian's newest installed major version, and its cluster "main" (created if missing, which
# happens when postgresql-common was configured with create_main_cluster = false).
version="$(pg_lsclusters -h 2>/dev/null | awk -v c="$CLUSTER" '$2 == c { print $1 }' | sort -V | tail -n 1)"
if [ -z "$version" ]; then
  version="$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort -V | tail -n 1)"
  [ -n "$version" ] || die 'no PostgreSQL server version under /usr/lib/postgresql'
  log "creating cluster $version/$CLUSTER"
  pg_createcluster "$version" "$CLUSTER" --port="$PG_PORT" 9>&-
fi

read -r port status < <(pg_lsclusters -h | awk -v v="$version" -v c="$CLUSTER" '$1 == v && $2 == c { print $3, $4 }')
if [ "$port" != "$PG_PORT" ]; then
  die "cluster $version/$CLUSTER uses port $port, not $PG_PORT; fix with: pg_conftool $version $CLUSTER set port $PG_PORT && pg_ctlcluster $version $CLUSTER restart"
fi

# The socket directory lives in /run, which is empty after a container restart.
install -d -o postgres -g postgres -m 2775 /var/run/postgresql

if [ "$status" != online ]; then
  log "starting cluster $version/$CLUSTER"
  pg_ctlcluster "$version" "$CLUSTER" start 9>&-
fi

for _ in $(seq 1 60); do
  pg_isready -q -h "$PG_HOST" -p "$PG_PORT" && break
  sleep 0.5
done
if ! pg_isready -q -h "$PG_HOST" -p "$PG_PORT"; then
  logfile="$(pg_lsclusters -h | awk -v v="$version" -v c="$CLUSTER" '$1 == v && $2 == c { print $7 }')"
  [ -n "$logfile" ] && [ -f "$logfile" ] && tail -n 30 "$logfile" >&2
  die "cluster $version/$CLUSTER does not accept connections on $PG_HOST:$PG_PORT after 30 s (log above)"
fi

log "creating/updating role $PG_ROLE (LOGIN CREATEDB)"
# Run from / so that psql, running as postgres, does not complain about an unreadable cwd.
(cd / && runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$PG_PORT" -d postgres) <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_ROLE') THEN
    CREATE ROLE $PG_ROLE LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
  ELSE
    ALTER ROLE $PG_ROLE LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
  END IF;
END
\$\$;
SQL

role_usable || die "role $PG_ROLE still cannot log in over TCP on $PG_HOST:$PG_PORT; check pg_hba.conf of cluster $version/$CLUSTER (needs a scram-sha-256 or md5 'host' line for 127.0.0.1/32)"
log "ready: postgres://$PG_ROLE:***@$PG_HOST:$PG_PORT/postgres (cluster $version/$CLUSTER)"
