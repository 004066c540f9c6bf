// RStudio Server, run by the user inside an Apptainer image the site provides, as the admin
// guide's requirements for an unprivileged rserver ask (docs/apps.md lists them, and
// rstudio.test.ts checks this definition against that list item by item): every path rserver
// would otherwise write as root (/var/run/rstudio-server, /var/lib/rstudio-server, its pid file,
// its secure cookie key, its database) points into the job's private 0700 directory, and the
// agent writes each file the command names before rserver starts. rserver listens on loopback,
// where other users of the node could reach it: its sign-in stays on, with an auth helper that
// accepts only this job's user with a password only the agent knows, which the agent signs in
// with once and then adds as cookies to every request it forwards.
import type { AppDefinition } from './definition.js';

/** Where everything of RStudio's lives in the job's private directory. */
const DIR = '{workdir}/rstudio';

/**
 * RStudio Server's auth helper protocol: the user name as the only argument, the password on
 * standard input, exit status 0 to accept. This one takes only the job's own account, and only
 * the password in RSTUDIO_PASSWORD, which the agent sets for rserver (and the helper inherits).
 */
export const RSTUDIO_AUTH_HELPER = `#!/bin/sh
# Written by hpchub: signs in only this job's user, with the password only the hpchub agent knows.
[ "$#" -eq 1 ] || exit 1
[ "$1" = "$(id -un)" ] || exit 1
[ -n "\${RSTUDIO_PASSWORD:-}" ] || exit 1
IFS= read -r password || [ -n "$password" ] || exit 1
[ "$password" = "$RSTUDIO_PASSWORD" ] || exit 1
exit 0
`;

export const RSTUDIO: AppDefinition = {
  id: 'rstudio',
  title: 'RStudio',
  description: 'The RStudio IDE for R.',
  icon: 'rstudio.svg',
  command: [
    'rserver',
    // In the foreground, as the job's own user (an unprivileged rserver cannot switch users).
    '--server-daemonize=0',
    '--server-user={user}',
    // Run-time state, pid file, database and cookie key: in the job's directory, not under /var.
    `--server-data-dir=${DIR}/run`,
    `--server-pid-file=${DIR}/rserver.pid`,
    `--database-config-file=${DIR}/database.conf`,
    `--secure-cookie-key-file=${DIR}/secure-cookie-key`,
    // Loopback only, behind the agent; the public path it is reached under, for its redirects.
    '--www-address=127.0.0.1',
    '--www-port={port}',
    '--www-root-path={prefix}',
    // Sign-in stays on (loopback is shared with the node's other users), through the helper.
    '--auth-none=0',
    `--auth-pam-helper-path=${DIR}/auth-helper`,
    // The agent posts the password in the clear to loopback, and signs in once per job.
    '--auth-encrypt-password=0',
    '--auth-timeout-minutes=0',
  ],
  env: { RSTUDIO_PASSWORD: '{token}' },
  files: [
    { path: DIR, kind: 'directory' },
    { path: `${DIR}/run`, kind: 'directory' },
    { path: `${DIR}/db`, kind: 'directory' },
    { path: `${DIR}/database.conf`, kind: 'file', content: `provider=sqlite\ndirectory=${DIR}/db\n` },
    { path: `${DIR}/secure-cookie-key`, kind: 'secret' },
    { path: `${DIR}/auth-helper`, kind: 'executable', content: RSTUDIO_AUTH_HELPER },
  ],
  listen: 'tcp',
  // On the node's loopback: packages come from the network (CRAN), which an isolated app lacks,
  // and rserver's own sign-in (above) refuses anyone without this job's password.
  network: 'host',
  // rserver answers at /; the agent strips the prefix and forwards WebSocket upgrades as they come.
  prefix: 'strip',
  ready_path: '/',
  app_auth: {
    kind: 'form-login',
    path: '/auth-do-sign-in',
    fields: { username: '{user}', password: '{token}', persist: '0', appUri: '' },
  },
  modules: [],
  // The job's directory is bound at the same path, so rserver finds every file the command names.
  apptainer: { image: '/opt/apps/rstudio.sif', binds: ['{workdir}'], args: [] },
  custom_script: '~/.rstudiorc',
  fields: [],
};
