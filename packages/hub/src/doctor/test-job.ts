// Doctor: a tiny test job, started exactly as a server's job (same spawner, same job script, as
// the user), that runs `hpchub-agent --probe` where real jobs run. Its exit code says whether
// Node.js and the agent bundle are usable there, whether the hub URL reaches this hub from there,
// and whether that node's clock agrees with the hub's (see @hpchub/protocol's probe.ts).
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type AgentLaunchSpec, PROBE_EXIT, PROBE_MAX_SKEW_SECONDS } from '@hpchub/protocol';
import type { AgentApiAddress } from '../config/hub-url.js';
import type { HubConfig } from '../config/index.js';
import type { PollResult, SpawnAccount, Spawner, SpawnerState } from '../spawn/index.js';
import { type Finding, fail, ok } from './finding.js';

/** The test job's server name: its log is ~/.hpchub/logs/hpchub-doctor.log. */
export const DOCTOR_SERVER = 'hpchub-doctor';

export interface TestJobOptions {
  config: HubConfig;
  spawner: Spawner;
  account: SpawnAccount;
  /** The Unix account the job runs as (for a hub-only account, spawner.local_user or the hub's own). */
  runsAs: string;
  /** Where the job's log ends up, for the messages. */
  logFile: string;
  agentPath: string;
  /** The agent API jobs are given. */
  hubApi: AgentApiAddress;
  partition?: string | undefined;
  timeoutMs: number;
  pollMs?: number;
  /** Why the spawner refused to start, in its own words (what it logged). */
  lastWarning(): string | undefined;
}

// A launch spec the probe never uses; the job script and the slurm-gateway require a valid one.
const SPEC: AgentLaunchSpec = {
  app: 'doctor',
  command: ['true'],
  env: {},
  listen: 'unix',
  prefix: `/user/${DOCTOR_SERVER}/`,
  prefixMode: 'keep',
  readyPath: '/',
  appAuth: { kind: 'none' },
  startTimeoutSeconds: 60,
  options: {},
};

/** The findings for a test job that ran to its end with this exit code. */
function verdict(o: TestJobOptions, code: number | undefined, where: string): Finding[] {
  const { node_path: node } = o.config.spawner;
  const seeLog = `The job's log is ${o.logFile}.`;
  const hubUrl = o.hubApi.url.replace(/\/hub\/api\/agent$/, '');
  const agentOk = ok('agent on the node', `${node} runs the agent ${o.agentPath} as ${o.runsAs}${where}.`);
  switch (code) {
    case PROBE_EXIT.ok:
      return [
        agentOk,
        ok('hub url from the job', `the job reached this hub at ${hubUrl}.`),
        ok('clock skew', `the node's clock is within ${PROBE_MAX_SKEW_SECONDS} s of the hub's.`),
      ];
    case PROBE_EXIT.agentUnreadable:
      return [
        fail(
          'agent on the node',
          `${o.runsAs} cannot read the agent ${o.agentPath}${where}.`,
          'set spawner.agent_dir to a directory every user can read (for Slurm on a filesystem the nodes mount), with every parent directory searchable by all (chmod o+x).',
        ),
      ];
    case 126:
    case 127:
      return [
        fail(
          'agent on the node',
          `Node.js is ${code === 127 ? 'not found' : 'not executable'} at ${node} for ${o.runsAs}${where}.`,
          'install Node.js 20 or newer on the nodes, or set spawner.node_path to where it is.',
        ),
      ];
    case PROBE_EXIT.nodeTooOld:
      return [
        fail(
          'agent on the node',
          `${node} is too old for the agent${where}.`,
          'install Node.js 20 or newer, or set spawner.node_path to a newer one.',
        ),
      ];
    case PROBE_EXIT.hubUnreachable:
      return [
        agentOk,
        fail(
          'hub url from the job',
          `the job could not reach the hub at ${hubUrl}${where}. ${seeLog}`,
          'set spawner.hub_url to an address of the hub that compute nodes reach (not 127.0.0.1 on a real cluster), and open the firewall between the nodes and the hub.',
        ),
      ];
    case PROBE_EXIT.notAHub:
      return [
        agentOk,
        fail(
          'hub url from the job',
          `something answered at ${hubUrl}${where}, but not this hub's agent API. ${seeLog}`,
          'spawner.hub_url must name this hub: scheme, host, port, and the path prefix of a reverse proxy if any.',
        ),
      ];
    case PROBE_EXIT.hubTls:
      return [
        agentOk,
        fail(
          'hub url from the job',
          `the job did not accept the certificate of ${hubUrl}${where}. ${seeLog}`,
          'serve the hub with a certificate signed by a CA the nodes trust, matching the host name in spawner.hub_url.',
        ),
      ];
    case PROBE_EXIT.clockSkew:
      return [
        agentOk,
        ok('hub url from the job', `the job reached this hub at ${hubUrl}.`),
        fail(
          'clock skew',
          `the clock of the job's node differs from the hub's by more than ${PROBE_MAX_SKEW_SECONDS} s${where}. ${seeLog}`,
          'run time synchronisation (chrony, systemd-timesyncd, ntpd) on the hub and on every node.',
        ),
      ];
    default:
      return [
        fail(
          'agent on the node',
          `Node.js could not run the agent ${o.agentPath}${where} (exit code ${code ?? 'unknown'}). ${seeLog}`,
          'run `spawner.node_path spawner.agent_dir/hpchub-agent-….js --version` as the user on a node to see why.',
        ),
      ];
  }
}

export async function runTestJob(o: TestJobOptions): Promise<Finding[]> {
  const resources: Record<string, string | number> = { cores: 1, memory_gb: 1, hours: 1 };
  if (o.partition) resources.partition = o.partition;
  let state: SpawnerState;
  const started = Date.now();
  try {
    state = await o.spawner.start({
      serverId: 0,
      account: o.account,
      serverName: DOCTOR_SERVER,
      appId: 'doctor',
      resources,
      job: {
        hubUrl: o.hubApi.url,
        hubFingerprint: o.hubApi.fingerprint,
        serverId: 0,
        secret: randomBytes(32).toString('base64url'),
        spec: SPEC,
        // A file the site may create to prepare the test job like its apps' scripts do.
        customScript: '.hpchub/doctor-rc',
        modules: [],
        pathPrepend: o.config.spawner.path_prepend,
        nodePath: o.config.spawner.node_path,
        agentPath: o.agentPath,
        probe: true,
      },
    });
  } catch (err) {
    const detail = o.lastWarning();
    return [
      fail(
        'test job',
        `the test job could not be started as ${o.runsAs}: ${(err as Error).message}${detail ? ` (${detail})` : ''}`,
        o.config.spawner.kind === 'slurm'
          ? 'check that the account can submit (`sbatch` as that user), slurm.command_prefix (a sudo rule for the hub’s account) or the gateway token’s endpoints and users.'
          : 'check spawner.local_user and that the hub’s account may start processes as it.',
      ),
    ];
  }
  let last: PollResult = { status: 'pending' };
  let host = '';
  try {
    while (Date.now() - started < o.timeoutMs) {
      last = await o.spawner.poll(state);
      if (last.status === 'running' && last.host) host = last.host;
      if (last.status === 'stopped') break;
      await sleep(o.pollMs ?? 1000);
    }
  } finally {
    // Nothing of the test job may be left behind, whatever happened.
    await o.spawner.stop(state).catch(() => {});
  }
  const seconds = Math.round((Date.now() - started) / 1000);
  const where = host ? ` on ${host}` : '';
  if (last.status !== 'stopped') {
    const why =
      last.status === 'pending' && last.detail?.reason
        ? `it was still queued (${last.detail.reason})`
        : last.status === 'unknown'
          ? `the scheduler did not answer (${last.detail})`
          : `it was still ${last.status}`;
    return [
      fail(
        'test job',
        `the test job did not finish within ${seconds} s: ${why}; it was cancelled.`,
        'run the doctor when the partition has a free core, choose one with --partition, or allow longer with --job-timeout.',
      ),
    ];
  }
  const jobId = typeof state.job === 'string' ? ` (Slurm job ${state.job})` : '';
  const first = ok('test job', `ran as ${o.runsAs}${where}${jobId} in ${seconds} s.`);
  if (last.reason !== 'exited' && last.reason !== 'failed') {
    return [
      first,
      fail(
        'test job',
        `the test job ended without finishing: ${last.reason}${last.detail ? ` (${last.detail})` : ''}.`,
        'see why in Slurm (`sacct -j JOB`) or the job’s log.',
      ),
    ];
  }
  return [first, ...verdict(o, last.exitCode, where)];
}
