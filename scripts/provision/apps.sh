#!/usr/bin/env bash
# The real apps that end-to-end tests and benchmarks run as the test users. Jobs run as those
# users, who cannot enter /root nor (in CI) necessarily the checkout, so everything goes into a
# world-readable prefix outside the repo, owned by root, and is reused when present:
#   /opt/hpchub-test/venv         venv of Debian's /usr/bin/python3 with JupyterLab 4, Notebook 7,
#                                 TensorBoard, JupyterHub, batchspawner, jupyterhub-idle-culler
#                                 (major versions pinned in apps-requirements.txt)
#   /opt/hpchub-test/code-server  code-server 4.100.3 from npm, run with /usr/bin/node (Node.js 20)
# and the Debian packages for browser tests and benchmarks (chromium, nginx-light, wrk) plus what
# the code-server build needs (ripgrep, -dev libraries).
#
# Usage: apps.sh [ensure|check]
#   ensure (default)  as root: install what is missing or stale, make the tree root-owned and
#                     world-readable (dirs 755, files 644/755), and run the apps as a test user
#                     to prove they work. As any other user: same as check.
#   check             only check; exit 1 with the command to run when something is missing.
#
# Each part has a marker, .hpchub-installed, written last and only after the part ran as a test
# user: the venv's holds the sha256 of apps-requirements.txt, the interpreter and `pip freeze`;
# code-server's its version and the Node.js module ABI it was built for. When the markers match
# and owners/modes are right, it returns in a fraction of a second. A changed requirements
# file, another interpreter or Node.js ABI, or a missing marker (interrupted run) rebuilds that
# part from scratch; delete a marker to force it. Nothing is fetched from outside the npm
# registry, PyPI and Debian: ripgrep is Debian's, native modules are compiled here against
# Debian's Node.js headers (/usr/include/node), never downloaded as prebuilt binaries.
set -euo pipefail
umask 022

readonly PREFIX=/opt/hpchub-test
readonly VENV=$PREFIX/venv
readonly CULLER2_DIR=$PREFIX/idle-culler-2
readonly CS_VERSION=4.100.3
readonly CS_DIR=$PREFIX/code-server
readonly CS_BIN=$CS_DIR/node_modules/.bin/code-server
readonly MARKER=.hpchub-installed
readonly NODE=/usr/bin/node
readonly DEBIAN_PYTHON=/usr/bin/python3
readonly LOCK=/run/lock/hpchub-provision.lock
TEST_USER="${HPCHUB_APPS_TEST_USER:-hpchub-alice}"
readonly TEST_USER
# ripgrep and the -dev libraries: building code-server's native modules (see ENVIRONMENT.md);
# chromium: browser tests (playwright-core with /usr/bin/chromium); nginx-light, wrk: benchmarks;
# sudo: batchspawner's default exec_prefix (`sudo -E -u {username}`) in bench:spawn.
readonly APT_PACKAGES=(python3-venv curl g++ make pkg-config libkrb5-dev libx11-dev libxkbfile-dev
  libsecret-1-dev ripgrep chromium nginx-light wrk sudo)
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly HERE
readonly REQUIREMENTS=$HERE/apps-requirements.txt
readonly CULLER2_REQUIREMENTS=$HERE/idle-culler-2-requirements.txt
readonly SELF=$HERE/apps.sh

log() { printf '[apps] %s\n' "$*"; }
die() {
  printf '[apps] ERROR: %s\n' "$*" >&2
  exit 1
}

mode="${1:-ensure}"
case "$mode" in
ensure | check) ;;
*) die "usage: $0 [ensure|check]" ;;
esac

[ -r "$REQUIREMENTS" ] || die "missing $REQUIREMENTS"
[ -x "$NODE" ] || die "$NODE is missing (code-server runs with Debian's Node.js 20 as the test users)"

# Prints the packages from the list that are not fully installed.
missing_packages() {
  local installed p
  installed="$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' "${APT_PACKAGES[@]}" 2>/dev/null |
    awk '$1 == "ii" { print $2 }' || true)"
  for p in "${APT_PACKAGES[@]}"; do
    grep -qxF "$p" <<<"$installed" || printf '%s\n' "$p"
  done
}

# What the markers must start with for the installed trees to count as current.
venv_want() {
  printf 'requirements-sha256=%s\n' "$(sha256sum <"$REQUIREMENTS" | cut -d' ' -f1)"
  printf 'python=%s\n' "$(readlink -f "$DEBIAN_PYTHON")"
}
read -r NODE_ABI NODE_MAJOR < <("$NODE" -p 'process.versions.modules + " " + process.versions.node.split(".")[0]')
readonly NODE_ABI NODE_MAJOR
cs_want() {
  printf 'code-server=%s\n' "$CS_VERSION"
  printf 'node-module-abi=%s\n' "$NODE_ABI"
}

# True when marker $1 starts with the lines $2.
marker_matches() {
  local want_lines
  want_lines="$(printf '%s\n' "$2" | wc -l)"
  [ -f "$1" ] && [ "$(head -n "$want_lines" "$1" 2>/dev/null)" = "$2" ]
}

venv_current() {
  marker_matches "$VENV/$MARKER" "$(venv_want)" && [ -x "$VENV/bin/python" ] &&
    [ -x "$VENV/bin/jupyter-lab" ] && [ -x "$VENV/bin/tensorboard" ]
}

culler2_want() {
  printf 'requirements-sha256=%s\n' "$(sha256sum <"$CULLER2_REQUIREMENTS" | cut -d' ' -f1)"
}

culler2_current() {
  marker_matches "$CULLER2_DIR/$MARKER" "$(culler2_want)" && [ -f "$CULLER2_DIR/jupyterhub_idle_culler/__init__.py" ]
}

cs_current() {
  marker_matches "$CS_DIR/$MARKER" "$(cs_want)" && [ -x "$CS_BIN" ]
}

# Prints the first path under the prefix that is not root-owned, is writable by group/others,
# not readable by all, a directory not searchable by all, or executable by its owner only.
bad_mode() {
  [ -d "$PREFIX" ] || return 0
  find "$PREFIX" \( ! -user root -o ! -group root -o \( ! -type l \( -perm /022 -o ! -perm -444 -o \
    \( -type d ! -perm -111 \) -o \( -type f -perm /100 ! -perm -111 \) \) \) \) -print -quit 2>/dev/null
}

# The test users can list and enter /opt.
opt_reachable() { [ -n "$(find /opt -maxdepth 0 -perm -005 2>/dev/null)" ]; }

# Everything that is not as it should be, one line each; nothing when all is ready.
problems() {
  local missing bad
  mapfile -t missing < <(missing_packages)
  if [ "${#missing[@]}" -gt 0 ]; then echo "Debian packages missing: ${missing[*]}"; fi
  venv_current || echo "Python venv $VENV missing or not built from the current $(basename "$REQUIREMENTS")"
  cs_current || echo "code-server $CS_VERSION for Node.js ABI $NODE_ABI missing at $CS_DIR"
  culler2_current || echo "jupyterhub-idle-culler 2.x missing at $CULLER2_DIR or not from the current $(basename "$CULLER2_REQUIREMENTS")"
  if [ -e "$PREFIX" ] && [ -L "$PREFIX" ]; then echo "$PREFIX is a symbolic link"; fi
  if compgen -G "$PREFIX/.code-server.*" >/dev/null; then echo "leftovers of an interrupted build in $PREFIX"; fi
  bad="$(bad_mode)"
  if [ -n "$bad" ]; then echo "$bad: not root-owned or not world-readable/read-only"; fi
  if ! opt_reachable; then echo "/opt has mode $(stat -c %a /opt): others cannot reach $PREFIX"; fi
}

# --- warm path, for anyone -------------------------------------------------------------------

start=$SECONDS
mapfile -t todo < <(problems)
if [ "${#todo[@]}" -eq 0 ]; then
  log "ready: $VENV, code-server $CS_VERSION at $CS_DIR"
  exit 0
fi
if [ "$mode" = check ] || [ "$(id -u)" -ne 0 ]; then
  printf '[apps] ERROR: %s\n' "${todo[@]}" >&2
  die "the test apps are not ready — run as root: sudo bash $SELF"
fi

# --- as root: install --------------------------------------------------------------------------

# Serialise with other provisioning runs (all.sh holds the lock already and says so). The lock
# is fd 9; processes started here get 9>&- so that nothing left behind keeps it.
if [ "${HPCHUB_PROVISION_LOCK_HELD:-}" != 1 ]; then
  mkdir -p "$(dirname "$LOCK")"
  exec 9>>"$LOCK"
  if ! flock -n 9; then
    log 'waiting for another provisioning run to finish...'
    flock -w 1800 9 || die "another provisioning run held $LOCK for 30 min"
  fi
  export HPCHUB_PROVISION_LOCK_HELD=1
fi

# Temporary things to remove on exit: build directories, a code-server started for the check.
CLEANUP_DIRS=()
CHECK_PGID=
cleanup() {
  if [ -n "$CHECK_PGID" ]; then
    kill -KILL -- "-$CHECK_PGID" 2>/dev/null || true
    wait "$CHECK_PGID" 2>/dev/null || true
  fi
  if [ "${#CLEANUP_DIRS[@]}" -gt 0 ]; then rm -rf -- "${CLEANUP_DIRS[@]}"; fi
}
trap cleanup EXIT

install_packages() {
  local missing
  mapfile -t missing < <(missing_packages)
  [ "${#missing[@]}" -gt 0 ] || return 0
  export DEBIAN_FRONTEND=noninteractive
  local apt_opts=(-q -y --no-install-recommends -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
  local updated=0 p
  # One `apt-get update` at most: when a package has no candidate (package lists missing, as on
  # a fresh image), or when installing from the current lists fails (stale lists).
  for p in "${missing[@]}"; do
    if ! apt-cache policy "$p" 2>/dev/null | grep -q '^  Candidate: [^(]'; then
      log 'apt-get update (package lists lack some packages)'
      apt-get -q update 9>&- || die 'apt-get update failed (see above)'
      updated=1
      break
    fi
  done
  log "installing Debian packages: ${missing[*]}"
  if ! apt-get "${apt_opts[@]}" install "${missing[@]}" 9>&- </dev/null; then
    [ "$updated" = 0 ] || die "apt-get install ${missing[*]} failed (see above)"
    log 'apt-get install failed; updating the package lists and retrying'
    apt-get -q update 9>&- || die 'apt-get update failed (see above)'
    apt-get "${apt_opts[@]}" install "${missing[@]}" 9>&- </dev/null || die "apt-get install ${missing[*]} failed (see above)"
  fi
  mapfile -t missing < <(missing_packages)
  [ "${#missing[@]}" -eq 0 ] || die "still not installed after apt-get: ${missing[*]}"
}

# Root-owned, dirs 755, files 644 or 755, nothing writable by group/others.
fix_modes() {
  opt_reachable || {
    log "/opt had mode $(stat -c %a /opt); adding o+rx so that the test users can reach $PREFIX"
    chmod o+rx /opt
  }
  chown -R -h root:root "$PREFIX"
  chmod -R u+rw,go-w,a+rX,a-st "$PREFIX"
}

# Runs a command as the test user with a clean environment, from /, so that neither root's
# environment (HOME=/root, PATH with /root/...) nor an unreadable cwd gets in the way.
TEST_HOME=
as_test_user() {
  (cd / && runuser -u "$TEST_USER" -- env -i HOME="$TEST_HOME" PATH=/usr/bin:/bin \
    LANG=C.UTF-8 "$@" 9>&- </dev/null)
}

ensure_test_user() {
  if ! getent passwd "$TEST_USER" >/dev/null; then
    [ -f "$HERE/users.sh" ] || die "test user $TEST_USER does not exist and $HERE/users.sh is missing"
    log "test user $TEST_USER missing; running users.sh"
    bash "$HERE/users.sh"
    getent passwd "$TEST_USER" >/dev/null || die "users.sh did not create $TEST_USER"
  fi
  TEST_HOME="$(getent passwd "$TEST_USER" | cut -d: -f6)"
}

# --- the Python venv ---------------------------------------------------------------------------

build_venv() {
  log "building $VENV with $DEBIAN_PYTHON ($(readlink -f "$DEBIAN_PYTHON")) from $(basename "$REQUIREMENTS")"
  local t0=$SECONDS
  rm -rf -- "$VENV"
  mkdir -p "$PREFIX"
  "$DEBIAN_PYTHON" -m venv "$VENV" || die "$DEBIAN_PYTHON -m venv $VENV failed (Debian package python3-venv?)"
  "$VENV/bin/python" -m pip install --no-input --disable-pip-version-check --progress-bar off \
    --prefer-binary -r "$REQUIREMENTS" 9>&- </dev/null || die "pip install -r $REQUIREMENTS failed (see above)"
  log "venv built in $((SECONDS - t0)) s"
}

verify_venv() {
  local out
  out="$(as_test_user "$VENV/bin/jupyter-lab" --version)" || die "jupyter-lab --version failed as $TEST_USER"
  [[ $out =~ ^4\. ]] || die "jupyter-lab --version as $TEST_USER says '$out', expected 4.x"
  out="$(as_test_user "$VENV/bin/jupyter-notebook" --version)" || die "jupyter-notebook --version failed as $TEST_USER"
  [[ $out =~ ^7\. ]] || die "jupyter-notebook --version as $TEST_USER says '$out', expected 7.x"
  # TensorBoard warns on stderr that TensorFlow is absent (a reduced feature set, as intended).
  out="$(as_test_user "$VENV/bin/tensorboard" --version 2>/dev/null)" || die "tensorboard --version failed as $TEST_USER"
  [[ $out =~ ^[0-9]+\. ]] || die "tensorboard --version as $TEST_USER says '$out'"
  as_test_user "$VENV/bin/python" -c 'import jupyter_server, tensorboard, jupyterhub, batchspawner, jupyterhub_idle_culler' ||
    die "importing the apps in $VENV failed as $TEST_USER"
  as_test_user "$VENV/bin/jupyterhub" --version >/dev/null || die "jupyterhub --version failed as $TEST_USER"
}

write_venv_marker() {
  local tmp
  tmp="$(mktemp "$VENV/$MARKER.XXXXXX")"
  {
    venv_want
    printf '# Written by hpchub scripts/provision/apps.sh on %s after the apps ran as %s.\n' \
      "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$TEST_USER"
    printf '# The lines above decide whether the venv is current; below, pip freeze.\n'
    "$VENV/bin/python" -m pip freeze --disable-pip-version-check --all
  } >"$tmp"
  chmod 0644 "$tmp"
  mv -f "$tmp" "$VENV/$MARKER"
}

# --- jupyterhub-idle-culler 2.x, beside the venv's 1.x -----------------------------------------

build_culler2() {
  rm -rf -- "$CULLER2_DIR"
  "$VENV/bin/python" -m pip install --no-input --disable-pip-version-check --progress-bar off \
    --no-deps --target "$CULLER2_DIR" -r "$CULLER2_REQUIREMENTS" 9>&- </dev/null ||
    die "pip install -r $CULLER2_REQUIREMENTS failed (see above)"
}

verify_culler2() {
  local out
  out="$(as_test_user env PYTHONPATH="$CULLER2_DIR" "$VENV/bin/python" -c 'import jupyterhub_idle_culler as c; print(c.__version__)')" ||
    die "importing jupyterhub_idle_culler from $CULLER2_DIR failed as $TEST_USER"
  [[ $out =~ ^2\. ]] || die "jupyterhub_idle_culler in $CULLER2_DIR is '$out', expected 2.x"
  culler2_want >"$CULLER2_DIR/$MARKER"
  chmod 0644 "$CULLER2_DIR/$MARKER"
}

# --- code-server -------------------------------------------------------------------------------

# Builds code-server in a directory next to the final one and moves it into place, so that
# $CS_DIR only ever holds a complete tree. Follows ENVIRONMENT.md, plus the rest of what
# code-server's own postinstall.sh does (which --ignore-scripts skips).
build_code_server() {
  [ "$NODE_MAJOR" = 20 ] || die "code-server $CS_VERSION needs Node.js 20; $NODE is $("$NODE" --version)"
  [ -f /usr/include/node/node.h ] ||
    die 'Node.js headers /usr/include/node are missing; native builds would try to download them'
  local nodedir
  nodedir="$(npm config get nodedir 2>/dev/null || true)"
  [ "$nodedir" = /usr ] || log "npm nodedir is '$nodedir'; building with --nodedir=/usr (Debian's Node.js headers)"
  log "building code-server $CS_VERSION (native modules for Node.js ABI $NODE_ABI)"
  local t0=$SECONDS stage vscode
  mkdir -p "$PREFIX"
  stage="$(mktemp -d "$PREFIX/.code-server.build.XXXXXX")"
  CLEANUP_DIRS+=("$stage")
  chmod 755 "$stage"
  # allowScripts: we run argon2's build ourselves below and replace code-server's postinstall.
  cat >"$stage/package.json" <<'EOF'
{
  "name": "hpchub-test-code-server",
  "private": true,
  "description": "code-server for hpchub's end-to-end tests, installed by scripts/provision/apps.sh",
  "allowScripts": { "argon2": true, "code-server": false }
}
EOF
  # Common options: no install scripts unless asked, build against /usr/include/node, Debian's
  # Python for node-gyp; build_from_source keeps prebuild-install/node-pre-gyp (kerberos, argon2)
  # from fetching binaries from GitHub.
  local npm_opts=(--no-audit --no-fund --no-update-notifier)
  local rebuild_opts=(--ignore-scripts=false --strict-allow-scripts=false --nodedir=/usr)
  (cd "$stage" && npm install "${npm_opts[@]}" --ignore-scripts --save-exact "code-server@$CS_VERSION" 9>&- </dev/null) ||
    die "npm install code-server@$CS_VERSION failed (see above)"
  vscode="$stage/node_modules/code-server/lib/vscode"
  (cd "$vscode" && npm install "${npm_opts[@]}" --omit=dev --ignore-scripts 9>&- </dev/null) ||
    die 'npm install in code-server/lib/vscode failed (see above)'
  mkdir -p "$vscode/node_modules/@vscode/ripgrep/bin"
  ln -sfn /usr/bin/rg "$vscode/node_modules/@vscode/ripgrep/bin/rg"
  # Every package of lib/vscode with an install script, except ripgrep (its script downloads rg);
  # Windows-only ones included, as upstream does (their bindings compile to stubs on Linux).
  local pkgs
  mapfile -t pkgs < <(cd "$vscode" && "$NODE" -e '
    const fs = require("node:fs");
    const { packages } = JSON.parse(fs.readFileSync("npm-shrinkwrap.json", "utf8"));
    for (const [path, meta] of Object.entries(packages))
      if (meta.hasInstallScript && path !== "node_modules/@vscode/ripgrep" && fs.existsSync(path))
        console.log(path.replace(/^node_modules\//, ""));
  ')
  [ "${#pkgs[@]}" -gt 0 ] || die "no packages with install scripts found in $vscode/npm-shrinkwrap.json"
  log "compiling native modules: ${pkgs[*]} (about 30 s)"
  (cd "$vscode" && npm_config_yes=true npm_config_build_from_source=kerberos PYTHON="$DEBIAN_PYTHON" \
    npm rebuild "${npm_opts[@]}" "${rebuild_opts[@]}" "${pkgs[@]}" 9>&- </dev/null) ||
    die "npm rebuild ${pkgs[*]} in $vscode failed (see above)"
  (cd "$stage" && npm_config_build_from_source=argon2 PYTHON="$DEBIAN_PYTHON" \
    npm rebuild "${npm_opts[@]}" "${rebuild_opts[@]}" argon2 9>&- </dev/null) ||
    die 'npm rebuild argon2 failed (see above)'
  # The rest of node_modules/code-server/postinstall.sh: node_modules.asar (extensions look for
  # rg and wasm files there), the `code-server` CLI for the integrated terminal, the browser
  # helper, and the extensions' shared dependency (TypeScript for the JS/TS language features).
  ln -sfn node_modules "$vscode/node_modules.asar"
  ln -sfn code-linux.sh "$vscode/bin/remote-cli/code-server"
  ln -sfn browser-linux.sh "$vscode/bin/helpers/browser.sh"
  (cd "$vscode/extensions" && npm install "${npm_opts[@]}" --omit=dev --ignore-scripts 9>&- </dev/null) ||
    die 'npm install in code-server/lib/vscode/extensions failed (see above)'
  # Into place. A tree left over from an earlier install goes first.
  if [ -e "$CS_DIR" ] || [ -L "$CS_DIR" ]; then
    local old
    old="$(mktemp -d "$PREFIX/.code-server.old.XXXXXX")"
    CLEANUP_DIRS+=("$old")
    mv -- "$CS_DIR" "$old/"
    mv -- "$stage" "$CS_DIR"
    rm -rf -- "$old"
  else
    mv -- "$stage" "$CS_DIR"
  fi
  log "code-server built in $((SECONDS - t0)) s"
}

# Native modules load and node-pty runs a command; the server serves its login page, accepts
# the password (argon2) and then serves the workbench — all as the test user, on a unix socket.
verify_code_server() {
  local out vscode=$CS_DIR/node_modules/code-server/lib/vscode
  out="$(as_test_user "$CS_BIN" --config /dev/null --version)" || die "code-server --version failed as $TEST_USER"
  [[ $out == "$CS_VERSION "* ]] || die "code-server --version as $TEST_USER says '$out', expected $CS_VERSION"
  as_test_user "$vscode/node_modules/@vscode/ripgrep/bin/rg" --version >/dev/null ||
    die "ripgrep at $vscode/node_modules/@vscode/ripgrep/bin/rg does not run as $TEST_USER"
  # shellcheck disable=SC2016 # JavaScript template literals, not shell expansions
  as_test_user "$NODE" -e '
    const { createRequire } = require("node:module");
    const root = process.argv[1];
    createRequire(`${root}/package.json`)("argon2");
    const vs = createRequire(`${root}/lib/vscode/package.json`);
    for (const m of ["@vscode/spdlog", "native-watchdog", "kerberos", "@parcel/watcher", "@vscode/deviceid"]) vs(m);
    let out = "";
    const pty = vs("node-pty").spawn("/bin/echo", ["pty-ok"], {});
    pty.onData((d) => { out += d; });
    pty.onExit(({ exitCode }) => {
      if (exitCode !== 0 || !out.includes("pty-ok")) { console.error(`node-pty: exit ${exitCode}, ${JSON.stringify(out)}`); process.exit(1); }
    });
  ' "$CS_DIR/node_modules/code-server" || die "code-server's native modules do not load as $TEST_USER"

  local dir sock i pid status
  dir="$(mktemp -d /tmp/hpchub-apps-check.XXXXXX)"
  # Dies with the end of the server's log.
  cs_fail() {
    tail -n 30 "$dir/log" >&2 || true
    die "$* (code-server's log above)"
  }
  CLEANUP_DIRS+=("$dir")
  chown "$TEST_USER" "$dir"
  sock=$dir/cs.sock
  # Its own session, so that the whole process group (runuser, code-server and the children it
  # forks) can be stopped at once. HOME and XDG dirs in the scratch dir: the user's real home
  # stays untouched.
  (cd / && exec setsid runuser -u "$TEST_USER" -- env -i HOME="$dir" XDG_CONFIG_HOME="$dir/config" \
    XDG_DATA_HOME="$dir/data" PATH=/usr/bin:/bin LANG=C.UTF-8 PASSWORD=hpchub-check \
    "$CS_BIN" --socket "$sock" --socket-mode 600 --auth password --disable-telemetry \
    --disable-update-check --config /dev/null --user-data-dir "$dir/data/code-server" \
    --extensions-dir "$dir/extensions" "$dir" 9>&- </dev/null >"$dir/log" 2>&1) &
  pid=$!
  CHECK_PGID=$pid
  for ((i = 0; i < 150; i++)); do
    [ -S "$sock" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  [ -S "$sock" ] || cs_fail "code-server did not open $sock within 30 s as $TEST_USER"
  local curl_opts=(-sS --max-time 20 --unix-socket "$sock" -c "$dir/cookies" -b "$dir/cookies")
  status="$(curl "${curl_opts[@]}" -o "$dir/login.html" -w '%{http_code}' http://localhost/login)" || status=000
  if [ "$status" != 200 ] || ! grep -q 'code-server login' "$dir/login.html"; then
    cs_fail "code-server's login page answered HTTP $status"
  fi
  status="$(curl "${curl_opts[@]}" -o /dev/null -w '%{http_code}' --data 'password=hpchub-check' http://localhost/login)" || status=000
  if [ "$status" != 302 ] || ! grep -q code-server-session "$dir/cookies"; then
    cs_fail "code-server did not accept the password (HTTP $status, no session cookie)"
  fi
  # / redirects to ./?folder=<the folder given>; the page then loads the workbench script.
  status="$(curl "${curl_opts[@]}" -L --max-redirs 3 -o "$dir/workbench.html" -w '%{http_code}' http://localhost/)" || status=000
  if [ "$status" != 200 ] || ! grep -q 'workbench-web-configuration' "$dir/workbench.html"; then
    cs_fail "code-server did not serve the workbench after login (HTTP $status)"
  fi
  local script
  script="$(grep -o 'src="[^"]*/workbench/workbench\.js"' "$dir/workbench.html" | head -n 1 | cut -d'"' -f2)"
  status="$(curl "${curl_opts[@]}" -o /dev/null -w '%{http_code}' "http://localhost/${script:-missing-workbench.js}")" || status=000
  [ "$status" = 200 ] || cs_fail "code-server did not serve its workbench script '${script}' (HTTP $status)"
  kill -TERM -- "-$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 -- "-$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  CHECK_PGID=
}

write_cs_marker() {
  local tmp
  tmp="$(mktemp "$CS_DIR/$MARKER.XXXXXX")"
  {
    cs_want
    printf '# Written by hpchub scripts/provision/apps.sh on %s after code-server ran as %s\n' \
      "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$TEST_USER"
    printf '# (node %s, npm %s). Run it with %s: %s\n' "$("$NODE" --version)" "$(npm --version)" "$NODE" "$CS_BIN"
  } >"$tmp"
  chmod 0644 "$tmp"
  mv -f "$tmp" "$CS_DIR/$MARKER"
}

# --- main --------------------------------------------------------------------------------------

install_packages
ensure_test_user
if [ -L "$PREFIX" ]; then die "$PREFIX is a symbolic link; remove it (the apps must live in a root-owned directory)"; fi
install -d -o root -g root -m 0755 "$PREFIX"
# Leftovers of an interrupted run.
find "$PREFIX" -mindepth 1 -maxdepth 1 -name '.code-server.*' -exec rm -rf -- {} +

# Each part: build, fix owners/modes, run as the test user, and only then write its marker.
if ! venv_current; then
  build_venv
  fix_modes
  verify_venv
  write_venv_marker
  log "venv ready: $(grep -E -i '^(jupyterlab|notebook|jupyter_server|tensorboard|jupyterhub|batchspawner|jupyterhub-idle-culler)==' "$VENV/$MARKER" | paste -sd ' ')"
fi
if ! culler2_current; then
  build_culler2
  fix_modes
  verify_culler2
  log "jupyterhub-idle-culler 2.x ready in $CULLER2_DIR"
fi
if ! cs_current; then
  build_code_server
  fix_modes
  verify_code_server
  write_cs_marker
  log "code-server $CS_VERSION ready at $CS_BIN"
fi
if [ -n "$(bad_mode)" ] || ! opt_reachable; then
  log "making $PREFIX root-owned and world-readable"
  fix_modes
fi

mapfile -t todo < <(problems)
if [ "${#todo[@]}" -gt 0 ]; then
  printf '[apps] ERROR: %s\n' "${todo[@]}" >&2
  die 'the test apps are still not ready after provisioning (see above)'
fi
log "ready in $((SECONDS - start)) s: $VENV, code-server $CS_VERSION at $CS_DIR"
