// Two catalog apps for tests and benchmarks of starting many servers with the local spawner,
// started the way every app is (real agent, apps.file), but cheap: `tiny` is plain Node.js
// answering "tiny" on its port, ready in a fraction of a second; `hold` never answers (its
// start holds a start slot until it is stopped). Written into a world-readable directory, since
// jobs may run as another account than the test's. startTinyServer starts one and waits for it.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AGENT_TUNING_ENV, type ServerModel } from '@hpchub/protocol';
import type { AppDefinition } from '../apps/definition.js';
import { readEvents, type TestHub } from './hub.js';

export const TINY_APP = 'tiny';
export const HOLD_APP = 'hold';

const APP_JS = `'use strict';
const http = require('node:http');
const server = http.createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('tiny');
});
server.listen(Number(process.argv[2]), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
`;

function app(id: string, title: string, command: string[], startTimeoutSeconds: number): AppDefinition {
  return {
    id,
    title,
    description: `${title} (tests and benchmarks).`,
    icon: 'tiny.svg',
    command,
    env: {},
    listen: 'tcp',
    prefix: 'keep',
    ready_path: '/',
    app_auth: { kind: 'none' },
    modules: [],
    custom_script: '~/.hpchub-tinyrc',
    fields: [],
    start_timeout_seconds: startTimeoutSeconds,
  };
}

/** Writes the apps into `dir` (a fresh temporary directory); returns the apps file for apps.file. */
export function writeTinyApps(dir: string): string {
  chmodSync(dir, 0o755);
  const script = join(dir, 'tiny.js');
  writeFileSync(script, APP_JS, { mode: 0o644 });
  const apps = [
    app(TINY_APP, 'Tiny app', ['/usr/bin/node', script, '{port}'], 60),
    app(HOLD_APP, 'App that never answers', ['/bin/sleep', '3600'], 3600),
  ];
  const file = join(dir, 'apps.yaml');
  // JSON is YAML.
  writeFileSync(file, JSON.stringify(apps, null, 1), { mode: 0o644 });
  return file;
}

export interface TinyServer {
  id: number;
  /** The local spawner's state: the job's process and process group. */
  state: { pid: number; pgid: number };
  /** The hub-only account's working directory, where the job's log is. */
  home: string;
}

/**
 * Starts the tiny app as `server` of the hub-only account `user` (local spawner) with a heartbeat
 * every `heartbeatSeconds` (set by the app's custom script, which the job sources before the
 * agent), and waits until it is ready.
 */
export async function startTinyServer(
  hub: TestHub,
  token: string,
  user: string,
  server: string,
  heartbeatSeconds: number,
): Promise<TinyServer> {
  const home = join(hub.hub.config.data_dir, 'users', user);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  writeFileSync(
    join(home, '.hpchub-tinyrc'),
    `export ${AGENT_TUNING_ENV.heartbeatSeconds}=${heartbeatSeconds}\n`,
    {
      mode: 0o644,
    },
  );
  const started = await hub.api<ServerModel>('POST', `/users/${user}/servers/${server}`, {
    token,
    body: { user_options: { app: TINY_APP } },
  });
  assert.equal(started.status, 202, started.text);
  const events = await readEvents<{ ready?: boolean }>(
    `${hub.url}${started.body.progress_url}`,
    { authorization: `token ${token}` },
    { timeoutMs: 60_000 },
  );
  assert.equal(events.at(-1)?.ready, true, JSON.stringify(events));
  const row = await hub.hub.db
    .selectFrom('servers')
    .select(['id', 'spawner_state'])
    .where('name', '=', server)
    .executeTakeFirstOrThrow();
  return { id: row.id, state: JSON.parse(row.spawner_state) as TinyServer['state'], home };
}
