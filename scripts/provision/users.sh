#!/usr/bin/env bash
# Test accounts for the PAM authenticator and the spawners:
#   hpchub-alice, hpchub-bob  home directory, /bin/bash, group hpchub-testers
#   hpchub-nohome             home /home/hpchub-nohome in passwd but not on disk
#   hpchub-hub                the account a hub runs as without root: a system account with no
#                             login shell, no home and no password, whose only extra right is the
#                             group shadow, so that pam_unix can check other users' passwords
#                             (what JupyterHub documents for a PAM hub that is not root). Reset
#                             to no other supplementary group (sudo, adm …) when one is added.
# The others each get a random password, recorded with its uid and home in
# /etc/hpchub-test/users.json (directory 0700, file 0600, root only). Idempotent: a second run
# reuses the accounts and the recorded passwords while they still work, and resets only what
# drifted. It never touches an account outside this list. Silent when nothing changes.
set -euo pipefail
umask 077

readonly GROUP=hpchub-testers
readonly DIR=/etc/hpchub-test
readonly FILE=$DIR/users.json
readonly HOME_USERS=(hpchub-alice hpchub-bob)
readonly NOHOME_USER=hpchub-nohome
readonly NOHOME_DIR=/home/hpchub-nohome
readonly ALL_USERS=("${HOME_USERS[@]}" "$NOHOME_USER")
readonly HUB_USER=hpchub-hub
readonly HUB_GROUPS=shadow

say() { echo "provision/users: $*"; }

if [[ $(id -u) -ne 0 ]]; then
  say 'must run as root (it creates system users)' >&2
  exit 1
fi

passwd_field() { getent passwd "$1" | cut -d: -f"$2"; }
shadow_field() { getent shadow "$1" | cut -d: -f"$2"; }

ensure_group() {
  if ! getent group "$GROUP" >/dev/null; then
    groupadd "$GROUP"
    say "created group $GROUP"
  fi
}

ensure_home_user() {
  local user=$1 home
  if ! getent passwd "$user" >/dev/null; then
    useradd -m -s /bin/bash -G "$GROUP" "$user"
    say "created $user"
    return
  fi
  if ! id -nG "$user" | tr ' ' '\n' | grep -qx "$GROUP"; then
    usermod -a -G "$GROUP" "$user"
    say "added $user to $GROUP"
  fi
  if [[ $(passwd_field "$user" 7) != /bin/bash ]]; then
    usermod -s /bin/bash "$user"
    say "reset the shell of $user"
  fi
  home=$(passwd_field "$user" 6)
  if [[ ! -d $home ]]; then
    install -d -m 0755 -o "$user" -g "$(id -gn "$user")" "$home"
    cp -rT /etc/skel "$home"
    chown -R "$user:$(id -gn "$user")" "$home"
    say "recreated the home directory of $user"
  fi
}

ensure_nohome_user() {
  if ! getent passwd "$NOHOME_USER" >/dev/null; then
    useradd -M -d "$NOHOME_DIR" -s /bin/bash "$NOHOME_USER"
    say "created $NOHOME_USER"
  elif [[ $(passwd_field "$NOHOME_USER" 6) != "$NOHOME_DIR" ]]; then
    usermod -d "$NOHOME_DIR" "$NOHOME_USER"
    say "reset the home path of $NOHOME_USER"
  fi
  # The point of this account is a home that does not exist; remove one a test left behind.
  if [[ -e $NOHOME_DIR ]]; then
    rm -rf -- "$NOHOME_DIR"
    say "removed $NOHOME_DIR"
  fi
}

ensure_hub_user() {
  if ! getent passwd "$HUB_USER" >/dev/null; then
    useradd --system --user-group --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin --groups "$HUB_GROUPS" "$HUB_USER"
    say "created $HUB_USER"
    return
  fi
  # Exactly these supplementary groups: a drift that added e.g. sudo would make it privileged.
  if [[ $(id -nG "$HUB_USER" | tr ' ' '\n' | grep -vx "$(id -gn "$HUB_USER")" | sort | paste -sd,) != "$HUB_GROUPS" ]]; then
    usermod -G "$HUB_GROUPS" "$HUB_USER"
    say "reset the groups of $HUB_USER to $HUB_GROUPS"
  fi
  if [[ $(passwd_field "$HUB_USER" 7) != /usr/sbin/nologin ]]; then
    usermod -s /usr/sbin/nologin "$HUB_USER"
    say "reset the shell of $HUB_USER"
  fi
}

# The password recorded for a user in users.json, or nothing. Passwords we generate are
# alphanumeric; anything else in the file is treated as absent (and so reset), which keeps the
# JSON that this script writes free of escaping.
stored_password() {
  [[ -r $FILE ]] || return 0
  node -e '
    const [file, user] = process.argv.slice(1);
    try {
      const pw = JSON.parse(require("node:fs").readFileSync(file, "utf8"))?.[user]?.password;
      if (typeof pw === "string" && /^[A-Za-z0-9]{16,64}$/.test(pw)) process.stdout.write(pw);
    } catch {}
  ' "$FILE" "$1"
}

# Whether the password matches the shadow hash, checked with libc crypt() through perl (always
# present on Debian). Password and hash travel in the environment, never on a command line.
password_works() {
  local user=$1 password=$2 hash
  [[ -n $password ]] || return 1
  hash=$(shadow_field "$user" 2)
  [[ $hash == \$* ]] || return 1 # locked (!), disabled (*) or empty
  HPCHUB_PW=$password HPCHUB_HASH=$hash perl -e \
    'my $c = crypt($ENV{HPCHUB_PW}, $ENV{HPCHUB_HASH}); exit(defined $c && $c eq $ENV{HPCHUB_HASH} ? 0 : 1)'
}

new_password() { head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | cut -c1-24; }

ensure_password() {
  local user=$1 password
  password=$(stored_password "$user")
  if ! password_works "$user" "$password"; then
    password=$(new_password)
    printf '%s:%s\n' "$user" "$password" | chpasswd
    say "set a new password for $user"
  fi
  # An expiry date would make PAM account checks fail; the test accounts never expire.
  if [[ -n $(shadow_field "$user" 8) ]]; then
    chage -E -1 "$user"
    say "removed the expiry date of $user"
  fi
  PASSWORDS[$user]=$password
}

render_json() {
  local user sep=''
  printf '{'
  for user in "${ALL_USERS[@]}"; do
    printf '%s\n  "%s": {"password": "%s", "uid": %s, "home": "%s"}' \
      "$sep" "$user" "${PASSWORDS[$user]}" "$(id -u "$user")" "$(passwd_field "$user" 6)"
    sep=','
  done
  printf '\n}\n'
}

install -d -m 0700 -o root -g root "$DIR"
# Test files may run this script in parallel; one at a time.
exec 9>"$DIR/.lock"
flock 9

ensure_group
for user in "${HOME_USERS[@]}"; do ensure_home_user "$user"; done
ensure_nohome_user
ensure_hub_user

declare -A PASSWORDS=()
for user in "${ALL_USERS[@]}"; do ensure_password "$user"; done

json=$(render_json)
if [[ ! -f $FILE ]] || [[ $(cat "$FILE") != "$json" ]]; then
  tmp=$(mktemp "$DIR/users.json.XXXXXX")
  printf '%s\n' "$json" >"$tmp"
  chmod 0600 "$tmp"
  mv -f "$tmp" "$FILE"
  say "wrote $FILE"
fi
chown root:root "$FILE"
chmod 0600 "$FILE"
