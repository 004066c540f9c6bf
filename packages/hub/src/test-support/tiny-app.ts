// Two catalog apps for tests and benchmarks of starting many servers with the local spawner,
// started the way every app is (real agent, apps.file), but cheap: `tiny` is plain Node.js
// answering "tiny" on its port, ready in a fraction of a second; `hold` never answers (its
// start holds a start slot until it is stopped). Written into a world-readable directory, since
// jobs may run as another account than the test's.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppDefinition } from '../apps/definition.js';

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
