// Copies a collection into a user's home as the user: `hpchub-agent --sync-collection` (the
// agent the hub installs for jobs, readable by every user) run through the same prefix the hub
// runs Slurm commands as the user with (runuser, or sudo -n -u), with a clean environment. The
// hub itself never writes into a home: every file is created by the user's own process.
import { spawn } from 'node:child_process';
import type { CollectionSyncReport, CollectionSyncRequest } from '@hpchub/protocol';
import { asUser } from '@hpchub/slurm';
import { HubError } from '../errors/index.js';

const TIMEOUT_MS = 300_000;

export interface CopyCommand {
  /** How to run a command as a user (`runuser -u {user} --`). */
  prefix: readonly string[];
  nodePath: string;
  agentPath: string;
}

export function copyAsUser(
  command: CopyCommand,
  user: { name: string; home: string },
  request: CollectionSyncRequest,
): Promise<CollectionSyncReport> {
  const env = [
    '/usr/bin/env',
    '-i',
    `HOME=${user.home}`,
    `USER=${user.name}`,
    'LANG=C.UTF-8',
    'PATH=/usr/bin:/bin',
  ];
  const argv = asUser(command.prefix, user.name, [
    ...env,
    command.nodePath,
    command.agentPath,
    '--sync-collection',
  ]);
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0] as string, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], cwd: '/' });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(
        new HubError('unavailable', 'The notebooks could not be copied into your home.', {
          detail: e.message,
        }),
      );
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      let answer: (CollectionSyncReport & { error?: undefined }) | { error: string } | undefined;
      try {
        answer = JSON.parse(out.trim().split('\n').at(-1) ?? '') as typeof answer;
      } catch {
        answer = undefined;
      }
      if (code === 0 && answer && !('error' in answer && answer.error))
        resolve(answer as CollectionSyncReport);
      else if (answer && 'error' in answer && typeof answer.error === 'string')
        reject(new HubError('conflict', answer.error));
      else
        reject(
          new HubError('unavailable', 'The notebooks could not be copied into your home.', {
            detail: `exit ${code}: ${err.slice(-2000)}`,
          }),
        );
    });
    child.stdin.end(JSON.stringify(request));
  });
}
