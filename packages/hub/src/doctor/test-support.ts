// Helpers for the doctor's end-to-end tests (here and in the slurm-gateway's): the real command
// run in this process with its output captured, a port nothing listens on, and the check that no
// test job of the doctor is left in the queue.
import { createServer } from 'node:net';
import { Readable, Writable } from 'node:stream';
import { main } from '../cli/main.js';
import { activeJobs, queue } from '../spawn/slurm/test-support.js';
import { DOCTOR_SERVER } from './test-job.js';

export interface DoctorRun {
  code: number;
  out: string;
  /** The lines of failed findings (with their fix lines). */
  failures: string[];
}

/**
 * The doctor's view of a running test hub: its data directory, the Slurm spawner, the hub's URL,
 * and `user` for the test job (with a generous timeout: the shared cluster may be busy).
 */
export function slurmDoctorArgs(
  hub: { url: string; hub: { config: { data_dir: string } } },
  user: string,
): string[] {
  return [
    '--data-dir',
    hub.hub.config.data_dir,
    '--spawner-kind',
    'slurm',
    '--spawner-hub-url',
    hub.url,
    '--user',
    user,
    '--job-timeout',
    '600',
  ];
}

/** `hpchub doctor ARGS…` as an admin runs it. */
export async function doctor(args: string[]): Promise<DoctorRun> {
  let out = '';
  const sink = new Writable({
    write(chunk, _enc, done) {
      out += String(chunk);
      done();
    },
  });
  const code = await main(['doctor', ...args], { stdin: Readable.from([]), stdout: sink, stderr: sink });
  const lines = out.split('\n');
  const failures = lines.flatMap((l, i) =>
    l.startsWith('FAIL') ? [`${l}\n${lines[i + 1]?.startsWith('      fix:') ? lines[i + 1] : ''}`] : [],
  );
  return { code, out, failures };
}

/** A loopback port with nothing listening (taken and released at once). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Test jobs of the doctor that Slurm still runs or queues: there must be none after a run. */
export async function leftoverDoctorJobs(): Promise<string[]> {
  const active = new Set((await activeJobs()).map((j) => j.id));
  return (await queue())
    .filter((j) => active.has(j.id) && j.comment.endsWith(`-${DOCTOR_SERVER}`))
    .map((j) => j.id);
}
