// Launching a start whose turn has come (it holds a start slot): a fresh agent secret, the job,
// and the job's state saved before anything waits, in the same write that takes the start out of
// the line. Everything comes from the server's row, so a start accepted before a hub restart is
// launched the same way; one whose launch a restart cut short is launched with `relaunch`, for
// the spawner to end the job that launch may have made. The spawning service calls this for each
// start that leaves the line, with what a launch may touch behind LaunchContext (as poll results
// go to poll-report.ts).
import type { ModuleSystem } from '@hpchub/protocol';
import type { OptionValues } from '../apps/fields.js';
import { buildLaunchSpec } from '../apps/launch.js';
import type { AgentApiAddress } from '../config/hub-url.js';
import type { ServerRow } from '../db/schema.js';
import { HubError } from '../errors/index.js';
import { MODULES_OPTION } from '../modules/option.js';
import { recordSubmitted } from '../usage/index.js';
import { findUserById } from '../users/store.js';
import { nowIso } from '../util/time.js';
import { recordFailure } from './agent-messages.js';
import { newAgentSecret } from './agent-secret.js';
import { rememberChoices } from './choices.js';
import type { SpawningDeps } from './contracts.js';
import type { ProgressBus } from './progress.js';
import { findServerById, jsonColumn, saveLaunch, setAgentSecret } from './servers-store.js';
import type { LineEntry } from './start-line.js';

/** Where jobs find the agent and reach the hub. */
export interface AgentLocation {
  /** The hub's agent API as jobs reach it, and the fingerprint they pin. */
  hubApi(): AgentApiAddress;
  nodePath: string;
  agentPath: string;
  /** Directories put in front of PATH in jobs (spawner.path_prepend, and the hub's own venv). */
  pathPrepend: string[];
}

/** What a launch may use and do of the spawning service. */
export interface LaunchContext
  extends Pick<
    SpawningDeps,
    'db' | 'config' | 'catalog' | 'spawner' | 'log' | 'agent' | 'observer' | 'accountOf'
  > {
  moduleSystem: ModuleSystem;
  bus: ProgressBus;
  /** Ends a start whose user was blocked while it waited. */
  dropBlocked(server: ServerRow): Promise<void>;
  /** The job is launched: from here on the service watches the start (its start timeout). */
  launched(serverId: number, timeoutSeconds: number): void;
}

/**
 * Launches the start of `entry`. `server` is its row as launched (undefined when it is gone);
 * `launched` is false when nothing was launched: the start was stopped or dropped meanwhile.
 * A launch that fails ends the start with its reason recorded and rejects with a HubError.
 */
export async function launchStart(
  ctx: LaunchContext,
  entry: LineEntry,
): Promise<{ server: ServerRow | undefined; launched: boolean }> {
  const { db, config, spawner, log, agent, bus } = ctx;
  const id = entry.serverId;
  let server: ServerRow | undefined;
  let owner = '';
  try {
    const [row, user] = await Promise.all([findServerById(db, id), findUserById(db, entry.userId)]);
    server = row;
    owner = user?.name ?? '';
    // Stopped while waiting, or gone with its user (the row goes with the account).
    if (!server || !user || server.status !== 'pending') return { server, launched: false };
    if (user.blocked) {
      await ctx.dropBlocked(server);
      return { server, launched: false };
    }
    const app = ctx.catalog.get(server.app);
    if (!app) throw new HubError('unavailable', `The app ${server.app} is no longer offered on this hub.`);
    // Validated when the start was accepted, and stored as validated (modules as one string).
    const { app: _app, ...stored } = jsonColumn(server.options) as OptionValues;
    const { [MODULES_OPTION]: userModules, ...values } = stored;
    const { custom_script: customScript, ...resources } = values;
    const account = await ctx.accountOf(user);
    const timeoutSeconds = app.start_timeout_seconds ?? config.spawner.start_timeout_seconds;
    // A secret is stored just before the spawner launches, and a new start has none: a start that
    // has one while still in line was being launched when the hub died, and may have a job.
    const relaunch = server.secret_hash !== null;
    const { secret, hash } = newAgentSecret();
    await setAgentSecret(db, id, hash);
    const hubApi = agent.hubApi();
    const ticket = server.line_ticket;
    const state = await spawner.start({
      serverId: id,
      account,
      serverName: server.name,
      appId: app.id,
      resources,
      ...(relaunch ? { relaunch } : {}),
      waiting: {
        note: (message) => bus.step(id, 'admitted', message),
        // The same start, still not stopped (a stop and a new start give it another ticket).
        stillWanted: async () => {
          const now = await findServerById(db, id);
          return now?.status === 'pending' && now.line_ticket === ticket;
        },
      },
      job: {
        hubUrl: hubApi.url,
        hubFingerprint: hubApi.fingerprint,
        serverId: id,
        secret,
        spec: buildLaunchSpec({
          app,
          user: user.name,
          serverName: server.name,
          options: values,
          startTimeoutSeconds: timeoutSeconds,
          reportSeconds: ctx.config.culler.report_seconds,
        }),
        customScript: String(customScript ?? app.custom_script),
        modules: app.modules,
        userModules: userModules ? String(userModules).split(' ') : [],
        moduleSystem: ctx.moduleSystem,
        pathPrepend: agent.pathPrepend,
        nodePath: agent.nodePath,
        agentPath: agent.agentPath,
      },
    });
    // Durable before anything waits: a hub restart from here on re-adopts the job.
    if (!(await saveLaunch(db, id, state))) {
      // Stopped while it was being launched: the job must not outlive the start.
      await spawner.stop(state);
      return { server, launched: false };
    }
    ctx.launched(id, timeoutSeconds);
    await recordSubmitted(db, id, nowIso(), !spawner.queuesJobs);
    await rememberChoices(db, user.id, app.id, stored);
    bus.step(id, 'submitted', `Job submitted with ${spawner.id}`);
    log.info({ user: user.name, server: server.name, app: app.id, server_id: id }, 'server start requested');
    const launched = {
      ...server,
      secret_hash: hash,
      line_ticket: null,
      spawner_state: JSON.stringify(state),
    };
    return { server: launched, launched: true };
  } catch (err) {
    const message = err instanceof HubError ? err.message : 'The server could not be launched.';
    // A HubError is the launch's answer (Slurm refused the job, could not be reached): the
    // failure recorded says it; anything else is the hub's own fault, with its stack.
    if (!(err instanceof HubError)) log.error({ err, user: owner, server_id: id }, 'spawner start failed');
    // Counted as a failed start in the metrics, as one that fails later is.
    if (server) await recordFailure(ctx, { ...server, owner }, message);
    throw err instanceof HubError ? err : new HubError('unavailable', message);
  }
}
