// `hpchub doctor`: checks what breaks deployments, in the order a site meets them —
// configuration, data directory, database, the agent bundle, Slurm (commands or gateway), the
// hub's certificate, the hub URL from here, then a test job as a user that checks the agent, the
// hub URL and the clock from where jobs run. Each finding says what to do; any failure makes
// the exit code non-zero.
import { constants, readFileSync } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { fingerprintOfPem, loadOrCreateHubCertificate } from '../auth/hub-certificate.js';
import { lookupSystemAccount } from '../auth/system-account.js';
import { type AgentApiAddress, agentApiAddress, listeningBaseUrl } from '../config/hub-url.js';
import type { HubConfig } from '../config/index.js';
import {
  installAgent,
  mappedName,
  mapsEachUser,
  type SpawnAccount,
  type Spawner,
  standaloneSpawner,
} from '../spawn/index.js';
import { checkDatabase } from './database.js';
import { type Finding, fail, ok, warn } from './finding.js';
import { checkHubUrl } from './hub-url.js';
import { checkSlurm } from './slurm.js';
import { DOCTOR_SERVER, runTestJob } from './test-job.js';
import { checkTls } from './tls.js';

export interface DoctorOptions {
  /** The account the test job runs as; without it (and with Slurm) there is no test job. */
  user?: string | undefined;
  partition?: string | undefined;
  /** false: skip the test job (`--no-job`). */
  job: boolean;
  jobTimeoutMs: number;
  version: string;
  configWarnings: string[];
  /** Called with each finding as soon as it is known. */
  report(finding: Finding): void;
}

async function checkDataDir(config: HubConfig): Promise<Finding> {
  try {
    // Created as `hpchub start` would, so that the agent can be installed into it next.
    const created = await mkdir(config.data_dir, { recursive: true, mode: 0o700 });
    await access(config.data_dir, constants.W_OK | constants.X_OK);
    return ok('data directory', `${config.data_dir} ${created ? 'was created' : 'is writable'}.`);
  } catch (err) {
    return fail(
      'data directory',
      `${config.data_dir} is not writable by ${process.env.USER ?? 'this account'}: ${(err as Error).message}`,
      'run the doctor as the hub’s account, and give that account the data directory (chown).',
    );
  }
}

interface TestAccount {
  account: SpawnAccount;
  runsAs: string;
  logFile: string;
}

/** The account for the test job, as a server of that user would run, and where its log goes. */
async function testAccount(config: HubConfig, name: string | undefined): Promise<TestAccount | Finding> {
  const systemNeeded = config.spawner.kind === 'slurm' || config.auth.authenticator === 'pam';
  const log = `.hpchub/logs/${DOCTOR_SERVER}.log`;
  if (!systemNeeded) {
    // A hub-only account: run as the local spawner runs it, in <data_dir>/users/NAME.
    const root = process.getuid?.() === 0;
    if (root && !name && mapsEachUser(config.spawner.local_user))
      return warn(
        'test job',
        `not run: each hub-only account runs as its own account (spawner.local_user ${config.spawner.local_user}).`,
        'run `hpchub doctor --user NAME` with a hub user whose account exists.',
      );
    const hubOnly = name ?? DOCTOR_SERVER;
    return {
      account: { name: hubOnly, system: null },
      runsAs: root ? mappedName(config.spawner.local_user, hubOnly) : userInfo().username,
      logFile: join(config.data_dir, 'users', hubOnly, log),
    };
  }
  if (!name)
    return warn(
      'test job',
      'not run: it needs a user account to run as.',
      'run `hpchub doctor --user ACCOUNT` with an ordinary cluster account (e.g. a test account).',
    );
  const account = await lookupSystemAccount(name).catch(() => null);
  if (!account || account.uid < config.spawner.min_uid)
    return fail(
      'test job',
      `${name} is not a regular account on this machine (uid ≥ spawner.min_uid ${config.spawner.min_uid}).`,
      'give --user an ordinary account that exists here and on the nodes.',
    );
  return {
    account: { name, system: { uid: account.uid, gid: account.gid, home: account.home } },
    runsAs: name,
    logFile: join(account.home, log),
  };
}

/** The agent API as the hub gives it to jobs, with the certificate they pin (made if missing). */
function agentApiOf(config: HubConfig, listening: string): AgentApiAddress | Finding {
  try {
    const fingerprint = config.tls.cert
      ? fingerprintOfPem(readFileSync(config.tls.cert))
      : loadOrCreateHubCertificate(config.data_dir, { warn() {} }).fingerprint;
    return agentApiAddress(config, listening, fingerprint);
  } catch (err) {
    return fail(
      'hub certificate',
      `the certificate agents pin cannot be read: ${(err as Error).message}`,
      'run the doctor as the hub’s account; a damaged data_dir/agent_api_tls.pem may be deleted (the hub makes a new one).',
    );
  }
}

export async function runDoctor(config: HubConfig, o: DoctorOptions): Promise<Finding[]> {
  const findings: Finding[] = [];
  const add = (...more: Finding[]) => {
    for (const f of more) {
      findings.push(f);
      o.report(f);
    }
  };

  add(ok('configuration', 'valid.'));
  for (const w of o.configWarnings) add(warn('configuration', w, 'correct or remove that setting.'));
  const listening = listeningBaseUrl(config.ip, config.port, config.tls.cert !== '');
  const hubApi = agentApiOf(config, listening);
  if ('check' in hubApi) return [...findings, hubApi];
  const hubUrl = hubApi.url;
  if (
    config.spawner.kind === 'slurm' &&
    !config.spawner.hub_url &&
    /^(127\.|::1$|localhost$)/.test(config.ip)
  )
    add(
      warn(
        'configuration',
        `the hub listens on ${config.ip} and spawner.hub_url is empty: jobs on other nodes cannot reach it.`,
        'set ip to an address the nodes reach (or 0.0.0.0), or spawner.hub_url to the reverse proxy’s URL.',
      ),
    );

  add(await checkDataDir(config));
  add(await checkDatabase(config));

  let agentPath: string | undefined;
  try {
    agentPath = installAgent(config, { info() {} });
    add(ok('agent bundle', `installed for jobs at ${agentPath}.`));
  } catch (err) {
    add(
      fail(
        'agent bundle',
        (err as Error).message,
        'build hpchub (`npm run build`), and give the hub’s account write access to spawner.agent_dir.',
      ),
    );
  }

  let spawner: Spawner | undefined;
  let lastWarning: string | undefined;
  const log = {
    info() {},
    warn(fields: object) {
      lastWarning = (fields as { err?: string }).err;
    },
  };
  try {
    const configured = await standaloneSpawner(config, log);
    if (configured.slurm) {
      const slurm = await checkSlurm(config, configured.slurm);
      add(...slurm);
      if (!slurm.some((f) => f.status === 'fail')) spawner = configured.spawner;
    } else {
      spawner = configured.spawner;
      add(ok('spawner', 'local: servers run as processes on this machine.'));
    }
  } catch (err) {
    add(
      config.spawner.kind === 'slurm'
        ? fail(
            'slurm',
            `the slurm-gateway client cannot be set up: ${(err as Error).message}`,
            'set slurm.gateway_token_file to a file holding the gateway token, readable by the hub’s account.',
          )
        : fail(
            'spawner',
            (err as Error).message,
            'set spawner.local_user to an unprivileged account that exists here.',
          ),
    );
  }

  add(...checkTls(config, hubUrl.replace(/\/hub\/api\/agent$/, '')));
  add(await checkHubUrl(hubApi, o.version));

  if (!o.job) {
    add(warn('test job', 'not run (--no-job).', 'run the doctor without --no-job to check the nodes.'));
    return findings;
  }
  const account = await testAccount(config, o.user);
  if ('check' in account) add(account);
  else if (!spawner || !agentPath)
    add(
      fail(
        'test job',
        'not run: the spawner or the agent bundle is not usable (see above).',
        'fix the failures above first.',
      ),
    );
  else
    add(
      ...(await runTestJob({
        config,
        spawner,
        ...account,
        agentPath,
        hubApi,
        partition: o.partition,
        timeoutMs: o.jobTimeoutMs,
        lastWarning: () => lastWarning,
      })),
    );
  return findings;
}
