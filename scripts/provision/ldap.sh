#!/usr/bin/env bash
# A real OpenLDAP directory for the LDAP login tests: Debian's slapd as an instance of its own
# (not the package's default one), with a test CA and a server certificate for 127.0.0.1, on
#   ldap://127.0.0.1:3389   (plain, with StartTLS)
#   ldaps://127.0.0.1:3636  (TLS from the first byte)
# holding dc=hpchub,dc=test: people (ou=people), groups of names (ou=groups) and a service account
# that may search (anonymous searches see nothing). What the tests need to know is written to
# /etc/hpchub-test/ldap/: ca.pem, bind-password (the service account's), people.json (test logins
# and their passwords).
#
# Usage: ldap.sh [ensure|check|stop]
#   ensure (default)  as root: create what is missing, start slapd if it is not answering;
#   check             exit 1 with instructions unless the service account can search over LDAPS;
#   stop              stop the instance (tests that need "directory down" use a closed port instead).
# Idempotent: when the directory answers, it returns after one ldapsearch.
set -euo pipefail

readonly DIR=/var/lib/hpchub-test/ldap
readonly ETC=/etc/hpchub-test/ldap
readonly BASE='dc=hpchub,dc=test'
readonly ROOT_DN="cn=root,$BASE"
readonly SERVICE_DN="cn=hub-reader,ou=services,$BASE"
readonly LDAP_URL=ldap://127.0.0.1:3389
readonly LDAPS_URL=ldaps://127.0.0.1:3636
SELF="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
readonly SELF

log() { printf '[ldap] %s\n' "$*"; }
die() {
  printf '[ldap] ERROR: %s\n' "$*" >&2
  exit 1
}

# True when the service account can bind over LDAPS (checking the certificate against the test
# CA) and find the test people.
usable() {
  [ -r "$ETC/ca.pem" ] && [ -r "$ETC/bind-password" ] && [ -r "$ETC/people.json" ] || return 1
  LDAPTLS_CACERT="$ETC/ca.pem" LDAPTLS_REQCERT=demand timeout 10 ldapsearch -x -LLL -o nettimeout=5 \
    -H "$LDAPS_URL" -D "$SERVICE_DN" -y "$ETC/bind-password" -b "ou=people,$BASE" '(uid=ada)' dn 2>/dev/null |
    grep -q '^dn: uid=ada,'
}

mode="${1:-ensure}"
case "$mode" in
ensure | check | stop) ;;
*) die "usage: $0 [ensure|check|stop]" ;;
esac

if [ "$mode" = stop ]; then
  if [ -f "$DIR/slapd.pid" ]; then kill "$(cat "$DIR/slapd.pid")" 2>/dev/null || true; fi
  exit 0
fi

if ! command -v slapd >/dev/null || ! command -v ldapsearch >/dev/null; then
  die "slapd and ldap-utils are not installed — run as root: sudo bash $(dirname "$SELF")/all.sh"
fi

if usable; then
  log "ready: $LDAPS_URL and $LDAP_URL (StartTLS), base $BASE"
  exit 0
fi
if [ "$mode" = check ] || [ "$(id -u)" -ne 0 ]; then
  die "the test directory does not answer on $LDAPS_URL — run as root: sudo bash $SELF"
fi

install -d -m 0755 "$DIR" "$ETC"
install -d -m 0700 "$DIR/data"

# A test CA and a server certificate for 127.0.0.1 and localhost, made once.
if [ ! -s "$ETC/ca.pem" ] || [ ! -s "$DIR/server.pem" ]; then
  log 'making the test CA and the server certificate'
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj '/CN=hpchub test LDAP CA' \
    -keyout "$DIR/ca.key" -out "$ETC/ca.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj '/CN=127.0.0.1' -keyout "$DIR/server.key" -out "$DIR/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$DIR/server.ext"
  openssl x509 -req -in "$DIR/server.csr" -CA "$ETC/ca.pem" -CAkey "$DIR/ca.key" -CAcreateserial -CAserial "$DIR/ca.srl" \
    -days 3650 -extfile "$DIR/server.ext" -out "$DIR/server.pem" 2>/dev/null
  rm -f "$DIR/server.csr"
  chmod 0600 "$DIR/ca.key" "$DIR/server.key"
  chmod 0644 "$ETC/ca.pem"
fi

# Passwords, made once: the root DN's (only this script uses it), the service account's, and
# one per test person.
secret() { [ -s "$1" ] || (umask 077 && openssl rand -base64 18 | tr -d '/+=\n' >"$1"); }
secret "$DIR/root-password"
secret "$ETC/bind-password"
for person in ada bob carol; do secret "$DIR/password-$person"; done
chmod 0600 "$ETC/bind-password"
printf '{"ada": "%s", "bob": "%s", "carol": "%s"}\n' \
  "$(cat "$DIR/password-ada")" "$(cat "$DIR/password-bob")" "$(cat "$DIR/password-carol")" >"$ETC/people.json"
chmod 0600 "$ETC/people.json"

cat >"$DIR/slapd.conf" <<CONF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile $DIR/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
TLSCACertificateFile $ETC/ca.pem
TLSCertificateFile $DIR/server.pem
TLSCertificateKeyFile $DIR/server.key
database mdb
maxsize 104857600
suffix "$BASE"
rootdn "$ROOT_DN"
rootpw $(slappasswd -s "$(cat "$DIR/root-password")")
directory $DIR/data
index objectClass,uid,member eq
# People may check their own password (bind) and nobody reads it; only signed-in accounts
# (the service account, or a person after binding) may search.
access to attrs=userPassword by anonymous auth by self read by * none
access to * by users read by * none
CONF

# (Re)start: a slapd from an earlier run whose files changed is stopped first.
old_pid="$(cat "$DIR/slapd.pid" 2>/dev/null || true)"
if [ -n "$old_pid" ] && kill -0 "$old_pid" 2>/dev/null; then
  kill "$old_pid"
  # slapd removes its pid file as it begins to shut down; the port is free only once it is gone.
  for _ in $(seq 1 100); do kill -0 "$old_pid" 2>/dev/null || break; sleep 0.1; done
fi
log "starting slapd on $LDAP_URL and $LDAPS_URL"
slapd -f "$DIR/slapd.conf" -h "$LDAP_URL/ $LDAPS_URL/" 9>&- || die 'slapd did not start (run slapd -d 1 -f '"$DIR"'/slapd.conf to see why)'
for _ in $(seq 1 50); do
  ldapsearch -x -LLL -H "$LDAP_URL" -D "$ROOT_DN" -y "$DIR/root-password" -b '' -s base namingContexts >/dev/null 2>&1 && break
  sleep 0.1
done

# The test tree, replaced as a whole so that a test which changed it is repaired.
pw() { slappasswd -s "$(cat "$DIR/password-$1")"; }
as_root() {
  local command=$1
  shift
  "$command" -x -H "$LDAP_URL" -D "$ROOT_DN" -y "$DIR/root-password" "$@"
}
# Only an existing tree is deleted: Debian's slapd 2.5 exits on a recursive delete of a missing base.
if as_root ldapsearch -LLL -s base -b "$BASE" dn >/dev/null 2>&1; then
  as_root ldapdelete -r "$BASE" || die "could not remove the old test tree $BASE"
fi
as_root ldapadd >/dev/null <<LDIF
dn: $BASE
objectClass: dcObject
objectClass: organization
o: hpchub test
dc: hpchub

dn: ou=people,$BASE
objectClass: organizationalUnit
ou: people

dn: ou=groups,$BASE
objectClass: organizationalUnit
ou: groups

dn: ou=services,$BASE
objectClass: organizationalUnit
ou: services

dn: $SERVICE_DN
objectClass: person
cn: hub-reader
sn: hub-reader
userPassword: $(slappasswd -s "$(cat "$ETC/bind-password")")

dn: uid=ada,ou=people,$BASE
objectClass: inetOrgPerson
objectClass: posixAccount
uid: ada
cn: Ada Lovelace
sn: Lovelace
uidNumber: 20001
gidNumber: 20001
homeDirectory: /home/ada
userPassword: $(pw ada)

dn: uid=bob,ou=people,$BASE
objectClass: inetOrgPerson
objectClass: posixAccount
uid: bob
cn: Bob Builder
sn: Builder
uidNumber: 20002
gidNumber: 20002
homeDirectory: /home/bob
userPassword: $(pw bob)

dn: uid=carol,ou=people,$BASE
objectClass: inetOrgPerson
objectClass: posixAccount
uid: carol
cn: Carol Outsider
sn: Outsider
uidNumber: 20003
gidNumber: 20003
homeDirectory: /home/carol
userPassword: $(pw carol)

dn: cn=hpc-users,ou=groups,$BASE
objectClass: groupOfNames
cn: hpc-users
member: uid=ada,ou=people,$BASE
member: uid=bob,ou=people,$BASE

dn: cn=hpc-admins,ou=groups,$BASE
objectClass: groupOfNames
cn: hpc-admins
member: uid=ada,ou=people,$BASE
LDIF

usable || die "slapd runs but the service account cannot search over $LDAPS_URL"
log "ready: $LDAPS_URL and $LDAP_URL (StartTLS), base $BASE"
