// The app of the full-path scenario: the same trivial 1 KiB server as upstream.ts, but started
// the way a user's app is — by the real agent, through a catalog app definition (apps.file) and
// the local spawner — so a request crosses hub proxy → TLS (pinned) → agent → app. It is plain
// Node.js without dependencies (the job runs it with /usr/bin/node as spawner.local_user, from
// a world-readable temporary directory). Once listening it writes {port, pid} to a report file,
// so that configurable-http-proxy can be pointed straight at the same app.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { AppDefinition } from '../../packages/hub/src/apps/definition.js';

export const FULL_PATH_APP = 'bench-1k';
export const FULL_PATH_SERVER = 'full';

const APP_JS = `'use strict';
const http = require('node:http');
const fs = require('node:fs');

const [port, report] = [process.argv[2], process.argv[3]];
const BODY = Buffer.alloc(1024, 'x');
const server = http.createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': BODY.length });
  res.end(BODY);
});
server.keepAliveTimeout = 60000;
server.listen(Number(port), '127.0.0.1', () => {
  fs.writeFileSync(report, JSON.stringify({ port: server.address().port, pid: process.pid }));
});
process.on('SIGTERM', () => process.exit(0));
`;

export interface FullPathFiles {
  /** The apps file (YAML) to give the hub as apps.file. */
  appsFile: string;
  /** Where the app writes {port, pid} once it listens. */
  reportFile: string;
}

/**
 * Writes the app, its report file and the apps file into `dir` (a fresh temporary directory).
 * The job runs as another account (spawner.local_user): the directory and the app are
 * world-readable, and the report file world-writable.
 */
export function writeFullPathApp(dir: string): FullPathFiles {
  chmodSync(dir, 0o755);
  const appFile = join(dir, 'app.js');
  writeFileSync(appFile, APP_JS, { mode: 0o644 });
  const reportFile = join(dir, 'report.json');
  writeFileSync(reportFile, '');
  chmodSync(reportFile, 0o666);
  const app: AppDefinition = {
    id: FULL_PATH_APP,
    title: 'Benchmark 1 KiB app',
    description: 'Answers 1 KiB to any GET (the proxy benchmark).',
    icon: 'bench.svg',
    command: ['/usr/bin/node', appFile, '{port}', reportFile],
    env: {},
    listen: 'tcp',
    // On the node's loopback, so that configurable-http-proxy and the benchmark can reach the
    // same app straight; the default (isolated) puts it in a network namespace of its own,
    // behind one more hop (the agent's unix-socket bridge) that JupyterLab, on a socket, never takes.
    network: 'host',
    prefix: 'keep',
    ready_path: '/',
    app_auth: { kind: 'none' },
    modules: [],
    custom_script: '~/.hpchub-benchrc',
    fields: [],
    start_timeout_seconds: 30,
  };
  const appsFile = join(dir, 'apps.yaml');
  writeFileSync(appsFile, stringify([app]));
  return { appsFile, reportFile };
}

/** What the app wrote once it listened. */
export function readReport(reportFile: string): { port: number; pid: number } {
  return JSON.parse(readFileSync(reportFile, 'utf8')) as { port: number; pid: number };
}
